"""Time every measure of every breakdown against a plain pandas groupby: the
sample and a 1,000,000-pupil file, time and peak memory.

Usage::

    python bench/bench_measures.py                    # sample + 1,000,000 pupils
    python bench/bench_measures.py --no-large         # the sample only
    python bench/bench_measures.py --before 544ebff   # also that commit's analysis/
    python bench/bench_measures.py --repeat 3         # best of 3 (runs alternate)
    python bench/bench_measures.py --disclosure       # also protect one block

Each measurement runs in a **fresh process**, so its peak resident memory
(``resource.getrusage(...).ru_maxrss``) is its own:

* ``measures``: ``load_survey`` (timed apart), ``SurveyAggregates(table)`` (the
  one pass over pupil rows) and ``all_measures()``: shares with
  school-clustered intervals, four-point distributions and aim for the 20
  standard breakdowns (every combination of wave, year group, gender and
  ethnicity, and four by school), gaps, gap changes, changes (all and common
  schools) and the cohort view;
* ``pandas``: ``load_survey`` and a plain pandas groupby of the same shares
  (0/1 per item, ``groupby(by).mean()`` for the same 20 breakdowns; shares
  only: no intervals, distributions or comparisons), the baseline;
* ``before`` (with ``--before COMMIT``): ``measures`` with that commit's
  ``analysis/`` package (``git archive``, in a temporary folder).

The kinds alternate within each repeat, so they meet the same machine load;
the best time of the repeats is shown, and the largest peak. "peak GiB" is
the whole process (Python, the loaded table and everything after); "load
peak GiB" the peak when the table was loaded, before any measure. The
1,000,000-pupil file is made once by ``analysis.synthetic.write_large`` in the
git-ignored ``data/sample/large/``. Timings depend on the machine and its load;
no test asserts them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = [
    ROOT / "data" / "sample" / "ks3_survey_wave1_2008.csv",
    ROOT / "data" / "sample" / "ks3_survey_wave2_2010.csv",
]
LARGE = ROOT / "data" / "sample" / "large" / "ks3_survey_1000000.csv"


def peak_rss_gib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def baseline(table) -> int:
    """A plain pandas groupby of the shares all_measures gives; returns the
    number of shares computed."""
    from analysis import measures, schema

    items = [it for it in schema.items() if it.scale != "categorical" and it.column in table]
    frame = table[[c for c in measures.BREAKDOWN_COLUMNS if c in table]].copy()
    for it in items:
        v = table[it.column].astype("float64")
        yes = v.isin(schema.positive_codes(it.scale)).astype("float64")
        frame[it.column] = yes.where(v.notna())
    rows = 0
    cols = [it.column for it in items]
    for by in measures.STANDARD_BREAKDOWNS:
        rows += (
            frame[cols].mean().size
            if not by
            else frame.groupby(list(by), observed=True)[cols].mean().size
        )
    return rows


def child(kind: str, files: list[str], disclosure: bool) -> dict:
    """One measurement, in this (fresh) process; returns its figures."""
    from analysis import measures
    from analysis.load import load_survey

    start = time.perf_counter()
    table = load_survey(files).table
    out = {
        "pupils": len(table),
        "load_s": time.perf_counter() - start,
        "load_peak_gib": peak_rss_gib(),
    }
    if kind == "pandas":
        start = time.perf_counter()
        out["rows"] = baseline(table)
        out["total_s"] = time.perf_counter() - start
    else:
        start = time.perf_counter()
        agg = measures.SurveyAggregates(table)
        out["build_s"] = time.perf_counter() - start
        start = time.perf_counter()
        result = agg.all_measures()
        out["all_s"] = time.perf_counter() - start
        out["total_s"] = out["build_s"] + out["all_s"]
        out["rows"] = sum(len(t) for parts in result.values() for t in parts.values())
        if disclosure:
            del result
            start = time.perf_counter()
            measures.summary_tables(agg, protect=True, blocks=["visitor"])
            out["disclosure_s"] = time.perf_counter() - start
    out["peak_gib"] = peak_rss_gib()
    return out


def run_child(kind: str, files, before_dir: str | None, disclosure: bool) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [
            p
            for p in (before_dir if kind == "before" else None, str(ROOT), env.get("PYTHONPATH"))
            if p
        ]
    )
    args = [
        sys.executable,
        __file__,
        "--child",
        "pandas" if kind == "pandas" else "measures",
        *(["--disclosure"] if disclosure and kind != "pandas" else []),
        *[str(f) for f in files],
    ]
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def export_commit(commit: str, folder: str) -> None:
    """That commit's analysis/ package into ``folder`` (nothing in the checkout changes)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, "analysis"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-large", action="store_true", help="the sample only")
    ap.add_argument("--large", default=str(LARGE), help="the large file (made if missing)")
    ap.add_argument("--before", metavar="COMMIT", help="also time that commit's analysis/")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each kind (best shown)")
    ap.add_argument(
        "--disclosure",
        action="store_true",
        help="also time summary_tables(protect=True) of the visitor block",
    )
    ap.add_argument("--child", choices=["measures", "pandas"], help=argparse.SUPPRESS)
    ap.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.files, args.disclosure)))
        return

    sys.path.insert(0, str(ROOT))
    from machine import describe as machine  # bench/ is on sys.path

    inputs = [("sample", SAMPLE)]
    if not args.no_large:
        path = Path(args.large)
        if not path.exists():
            from analysis import synthetic

            synthetic.write_large(path, n_pupils=1_000_000)
        inputs.append(("1,000,000", [path]))
    kinds = ["pandas", "measures"] + (["before"] if args.before else [])
    with tempfile.TemporaryDirectory() as before_dir:
        if args.before:
            export_commit(args.before, before_dir)
        print(machine())
        print(
            f"{'input':<11}{'code':<22}{'pupils':>10}{'load s':>8}{'build s':>9}"
            f"{'measures s':>11}{'total s':>9}{'rows':>11}{'load peak GiB':>14}"
            f"{'peak GiB':>9}"
        )
        for name, files in inputs:
            runs: dict[str, list[dict]] = {k: [] for k in kinds}
            for _ in range(args.repeat):
                for kind in kinds:
                    runs[kind].append(run_child(kind, files, before_dir, args.disclosure))
            for kind in kinds:
                r = runs[kind]
                best = min(r, key=lambda x: x["total_s"])
                label = {
                    "pandas": "pandas groupby",
                    "measures": "all_measures",
                    "before": f"all_measures {(args.before or '')[:7]}",
                }[kind]
                build = f"{best['build_s']:>9.2f}" if "build_s" in best else f"{'':>9}"
                meas = f"{best['all_s']:>11.2f}" if "all_s" in best else f"{'':>11}"
                load_s = min(x["load_s"] for x in r)
                print(
                    f"{name:<11}{label:<22}{best['pupils']:>10,}{load_s:>8.2f}"
                    f"{build}{meas}{best['total_s']:>9.2f}{best['rows']:>11,}"
                    f"{max(x['load_peak_gib'] for x in r):>14.2f}"
                    f"{max(x['peak_gib'] for x in r):>9.2f}"
                )
                if "disclosure_s" in best:
                    print(
                        f"{'':<11}  disclosure, one block (visitor, 16 breakdowns): "
                        f"{best['disclosure_s']:.1f} s"
                    )
            if args.repeat > 1:
                for kind in kinds:
                    print(
                        f"{'':<11}  {kind} totals: "
                        + ", ".join(f"{x['total_s']:.2f}" for x in runs[kind])
                    )


if __name__ == "__main__":
    main()
