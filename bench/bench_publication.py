"""What protecting a publication costs: time, rows hidden, and what a reader loses.

Usage::

    python bench/bench_publication.py [--before REV] [--all-pupils] [--blocks K,...]

Protects every block of the committed sample (the pupils who stated their gender
and ethnicity, as a bundle does; ``--all-pupils`` for every pupil) twice in one
process, with ``measures.summary_tables(protect=True)``:

* ``before``: ``analysis/measures.py`` and ``analysis/disclosure.py`` as committed at
  ``--before`` (default ``d52b414``, before the like-for-like audit of issue 11),
  read with ``git show`` and run as modules of the ``analysis`` package. That
  code audits the all-schools tables only; its like-for-like comparisons leaked;
* ``after``: the code as it is now, which audits the tables the like-for-like
  comparisons are computed from with the published ones.

For each it prints the seconds taken (wall clock, and the CPU time of this process,
which other work on a shared machine disturbs less), the share of share rows hidden (all, and of
the figures a reader needs most: the all-pupils totals, the year-group and wave
figures, and the gender gaps) and the share of each kind of comparison hidden.
Timings depend on the machine and its load (printed first); no test asserts them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import types
from pathlib import Path

import pandas as pd

from machine import describe

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = [
    ROOT / "data" / "sample" / "ks3_survey_wave1_2008.csv",
    ROOT / "data" / "sample" / "ks3_survey_wave2_2010.csv",
]


def load_before(rev: str) -> types.ModuleType:
    """``analysis.measures`` at ``rev``, with that revision's ``disclosure`` beside it."""
    import analysis

    modules = {}
    for name in ("disclosure", "measures"):
        source = subprocess.run(
            ["git", "show", f"{rev}:analysis/{name}.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        module = types.ModuleType(f"analysis._{name}_before")
        module.__package__ = "analysis"
        sys.modules[module.__name__] = module  # dataclasses look their module up there
        if name == "measures":  # its "from . import disclosure" must find the old one
            source = source.replace(
                "from . import disclosure, stats",
                "from . import stats\ndisclosure = _disclosure_before",
            )
            module.__dict__["_disclosure_before"] = modules["disclosure"]
        exec(compile(source, f"{rev}:analysis/{name}.py", "exec"), module.__dict__)
        modules[name] = module
        setattr(analysis, f"_{name}_before", module)
    return modules["measures"]


def hidden_report(tables: dict) -> dict[str, float]:
    shares = pd.concat([t["shares"] for t in tables.values()], ignore_index=True)
    shares = shares[shares["measure"] == "share"]
    hidden = shares["suppressed"].astype(str) != ""
    out = {"share rows hidden": hidden.mean()}
    for name in ("all pupils", "year_group", "wave", "wave × year_group"):
        part = shares["breakdown"].astype(str) == name
        out[f"  {name}"] = hidden[part].mean()
    comparisons = pd.concat(
        [t["comparisons"] for t in tables.values() if "comparisons" in t], ignore_index=True
    )
    for (measure, schools), part in comparisons.groupby(["measure", "schools"], sort=True):
        out[f"{measure} ({schools})"] = (part["suppressed"].astype(str) != "").mean()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="d52b414")
    parser.add_argument("--all-pupils", action="store_true")
    parser.add_argument(
        "--blocks", help="comma-separated block keys (default: every binary and agreement block)"
    )
    args = parser.parse_args()

    from analysis import measures, publish
    from analysis.load import load_survey

    print(describe())
    survey = load_survey([str(p) for p in SAMPLE])
    kept, population = publish.published_pupils(survey, stated_only=not args.all_pupils)
    print(f"population: {population}")
    blocks = args.blocks.split(",") if args.blocks else None
    results = {}
    for name, module in (("before", load_before(args.before)), ("after", measures)):
        aggregates = module.SurveyAggregates(kept.table)
        keys = blocks or [b.key for b in aggregates.blocks if b.scale != "categorical"]
        start, cpu = time.perf_counter(), time.process_time()
        tables = module.summary_tables(aggregates, protect=True, blocks=keys, distributions=False)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        results[name] = {"seconds": seconds, "CPU seconds": cpu, **hidden_report(tables)}
        print(f"{name}: {seconds:.1f} s ({cpu:.1f} s of CPU)", flush=True)
    frame = pd.DataFrame(results)
    with pd.option_context("display.float_format", "{:.3f}".format, "display.width", 120):
        print(frame)


if __name__ == "__main__":
    sys.exit(main())
