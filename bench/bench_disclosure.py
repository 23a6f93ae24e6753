"""Time disclosure.protect before and after the speed work, in one process.

Usage::

    python bench/bench_disclosure.py [--items 55] [--repeat 1] [--before REV]
        [--large PATH [--large-views 'total,gender,...']]
        [--distributions BLOCK [--distribution-views 'gender,...']]

On the committed sample (both waves, 6,289 pupils, 27 schools) it builds, with
``measures.shares``, one view per breakdown — the all-pupils total and the
table by total, gender, wave x year x gender, ethnicity, school and school x
gender — for the survey's binary items, and times ``protect`` on each view
with

* ``before``: ``analysis/disclosure.py`` as committed at ``--before`` (default:
  the version before the speed work, one fresh ``scipy.optimize.linprog`` per
  range), read with ``git show`` and loaded as a module at run time;
* ``after``: ``analysis.disclosure`` as it is now;

and checks that both return the same tables (same cells hidden, same symbols).
``--large PATH`` also times ``after`` alone on a large file (e.g. the
1,000,000 pupils of ``analysis.synthetic.write_large``). Prints the machine.
``--distributions BLOCK`` (an agreement block, e.g. ``enjoy``) times, after
the binary views, ``measures.protect_view`` of that block's shares *and*
four-point distributions (answer codes audited as the ``category``
dimension, agree = codes 3 + 4) for each view, current module only.
Timings depend on the machine and its load; no test asserts them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import disclosure, measures, schema
from analysis.load import load_survey
from machine import describe as machine

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = [
    ROOT / "data/sample/ks3_survey_wave1_2008.csv",
    ROOT / "data/sample/ks3_survey_wave2_2010.csv",
]
#: the last commit before the speed work: one scipy.optimize.linprog per range
BEFORE = "4803717~1"
BREAKDOWNS = {
    "total": [],
    "gender": ["gender"],
    "wave x year x gender": ["wave", "year_group", "gender"],
    "ethnicity": ["ethnicity"],
    "school": ["school_id"],
    "school x gender": ["school_id", "gender"],
}


def load_before(rev: str) -> types.ModuleType:
    """``analysis/disclosure.py`` at ``rev``, as a module beside the current one."""
    source = subprocess.run(
        ["git", "show", f"{rev}:analysis/disclosure.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType("analysis._disclosure_before")
    module.__package__ = "analysis"
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{rev}:analysis/disclosure.py", "exec"), module.__dict__)
    return module


def views(table: pd.DataFrame, items: list[str]) -> dict[str, dict[str, pd.DataFrame]]:
    total = measures.shares(table, items)
    return {
        name: {"total": total}
        if not by
        else {"total": total, name: measures.shares(table, items, by)}
        for name, by in BREAKDOWNS.items()
    }


def best_time(protect, tables, repeat: int):
    best, out = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = protect(tables)
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--items", type=int, default=None, help="first N binary items (default: all)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs of each")
    parser.add_argument("--before", default=BEFORE, help="git revision of the baseline")
    parser.add_argument("--large", type=Path, default=None, help="also time 'after' on this file")
    parser.add_argument(
        "--large-views",
        default="total,gender,wave x year x gender,ethnicity,school",
        help="views timed on --large, comma-separated (school x gender on thousands "
        "of schools still goes through the general LP and takes minutes an item: "
        "see bench/README.md)",
    )
    parser.add_argument(
        "--distributions",
        default=None,
        metavar="BLOCK",
        help="also time measures.protect_view with distributions of this block",
    )
    parser.add_argument(
        "--distribution-views",
        default="gender,ethnicity,wave x year x gender",
        help="views (breakdowns and their margins) for --distributions",
    )
    parser.add_argument("--skip-binary", action="store_true", help="only --distributions")
    args = parser.parse_args()
    if args.skip_binary:
        print(machine())
        distributions(args)
        return

    print(machine())
    items = [i.column for i in schema.items() if i.scale == "binary"][: args.items]
    before = load_before(args.before)
    table = load_survey(SAMPLE).table
    print(
        f"sample: {len(table):,} pupils, {table['school_id'].nunique()} schools, "
        f"{len(items)} binary items; baseline {args.before}"
    )
    print(
        f"{'view (total + ...)':24} {'cells':>7} {'c':>5} {'before s':>9} {'after s':>8} "
        f"{'speed-up':>8}  same"
    )
    sums = [0.0, 0.0]
    for name, tables in views(table, items).items():
        t_after, out_after = best_time(disclosure.protect, tables, args.repeat)
        t_before, out_before = best_time(before.protect, tables, args.repeat)
        same = all(out_before[k].equals(out_after[k]) for k in tables)
        cells = sum(len(t) for t in tables.values())
        hidden = sum(int((t["suppressed"] == "c").sum()) for t in out_after.values())
        sums[0] += t_before
        sums[1] += t_after
        print(
            f"{name:24} {cells:7,} {hidden:5} {t_before:9.2f} {t_after:8.2f} "
            f"{t_before / t_after:8.1f}  {'yes' if same else 'NO'}"
        )
    print(f"{'all views':24} {'':7} {'':5} {sums[0]:9.2f} {sums[1]:8.2f} {sums[0] / sums[1]:8.1f}")

    if args.large is not None:
        start = time.perf_counter()
        large = load_survey(args.large).table
        print(
            f"\n{args.large.name}: {len(large):,} pupils, {large['school_id'].nunique():,} schools "
            f"(loaded in {time.perf_counter() - start:.1f} s); 'after' only"
        )
        total = 0.0
        wanted = [v.strip() for v in args.large_views.split(",")]
        for name, tables in views(large, items).items():
            if name not in wanted:
                continue
            t_after, out = best_time(disclosure.protect, tables, args.repeat)
            total += t_after
            cells = sum(len(t) for t in tables.values())
            hidden = sum(int((t["suppressed"] == "c").sum()) for t in out.values())
            print(f"{name:24} {cells:7,} {hidden:5} {'':9} {t_after:8.2f}")
        print(f"{'all views':24} {'':7} {'':5} {'':9} {total:8.2f}")
    distributions(args)


def distributions(args) -> None:
    if args.distributions is None:
        return
    agg = measures.SurveyAggregates(load_survey(SAMPLE).table)
    print(f"\nblock {args.distributions}: shares and distributions, protect_view (current module)")
    print(f"{'view (with margins)':24} {'cells':>7} {'c':>5} {'after s':>8}")
    total = 0.0
    for name in [v.strip() for v in args.distribution_views.split(",")]:
        by = BREAKDOWNS[name]
        start = time.perf_counter()
        out = measures.protect_view(agg, by, block=args.distributions)
        took = time.perf_counter() - start
        total += took
        cells = sum(len(t) for t in out.values())
        hidden = sum(int((t["suppressed"] == "c").sum()) for t in out.values())
        print(f"{name:24} {cells:7,} {hidden:5} {took:8.2f}")
    print(f"{'all views':24} {'':7} {'':5} {total:8.2f}")


if __name__ == "__main__":
    main()
