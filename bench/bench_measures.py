"""Time every measure of every breakdown: the sample and a 1,000,000-pupil file.

Usage::

    python bench/bench_measures.py [--no-large] [--large PATH] [--disclosure]

For each input, in one run: load (not timed here; see bench_load.py), then

* ``SurveyAggregates(table)``: the one pass over pupil rows;
* ``all_measures()``: shares, four-point distributions, aim, for the standard
  breakdowns (every combination of wave, year group, gender, ethnicity; and
  schools), plus gaps, gap changes, changes and the cohort view;
* baseline: a plain pandas groupby of the same shares (0/1 per item, then
  ``groupby(by).mean()``) for the same breakdowns, shares only;

and the peak resident memory of the process (``resource.getrusage``, after
each input). ``--disclosure`` also times protecting one block's published
tables (``summary_tables(..., blocks=["visitor"])``), timed separately.
Timings depend on the machine and its load; no test asserts them.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import pandas as pd

from analysis import measures, schema
from analysis.load import load_survey
from machine import describe as machine  # noqa: E402  (bench/ is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = [ROOT / "data" / "sample" / "ks3_survey_wave1_2008.csv",
          ROOT / "data" / "sample" / "ks3_survey_wave2_2010.csv"]
LARGE = ROOT / "data" / "sample" / "large" / "ks3_survey_1000000.csv"


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20


def baseline(table: pd.DataFrame) -> int:
    items = [it for it in schema.items() if it.scale != "categorical" and it.column in table]
    frame = table[[c for c in measures.BREAKDOWN_COLUMNS if c in table]].copy()
    for it in items:
        v = table[it.column].astype("float64")
        frame[it.column] = v.isin(schema.positive_codes(it.scale)).astype("float64").where(v.notna())
    rows = 0
    for by in measures.STANDARD_BREAKDOWNS:
        cols = [it.column for it in items]
        rows += (frame[cols].mean().size if not by
                 else frame.groupby(list(by), observed=True)[cols].mean().size)
    return rows


def run(name: str, files) -> None:
    table = load_survey(files).table
    t0 = time.perf_counter()
    agg = measures.SurveyAggregates(table)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = agg.all_measures()
    t_all = time.perf_counter() - t0
    rows = sum(len(t) for parts in result.values() for t in parts.values())
    t0 = time.perf_counter()
    base_rows = baseline(table)
    t_base = time.perf_counter() - t0
    print(f"{name:<16}{len(table):>10,}{t_build:>10.2f}s{t_all:>10.2f}s"
          f"{t_build + t_all:>10.2f}s{t_base:>10.2f}s{rows:>10,}{base_rows:>10,}"
          f"{peak_rss_gib():>9.2f}")
    return agg


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-large", action="store_true")
    ap.add_argument("--large", default=str(LARGE))
    ap.add_argument("--disclosure", action="store_true")
    args = ap.parse_args()
    print(machine())
    print(f"{'input':<16}{'pupils':>10}{'build':>11}{'views':>11}{'measures':>11}"
          f"{'baseline':>11}{'rows':>10}{'base rows':>10}{'peak GiB':>9}")
    agg = run("sample", SAMPLE)
    if args.disclosure:
        t0 = time.perf_counter()
        measures.summary_tables(agg, protect=True, blocks=["visitor"])
        print(f"disclosure, one block (visitor, 1 item, 16 breakdowns): "
              f"{time.perf_counter() - t0:.1f} s")
    if not args.no_large:
        path = Path(args.large)
        if not path.exists():
            from analysis import synthetic
            synthetic.write_large(path, n_pupils=1_000_000)
        run("1,000,000", [path])


if __name__ == "__main__":
    main()
