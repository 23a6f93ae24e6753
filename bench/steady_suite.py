"""Is the browser suite steady? Run it several times in a row, then under a CPU hog.

A test that fails by chance is a bug to find, never a test to retry: this
script runs the whole browser suite (``pytest -m browser``) ``--runs`` times
on the machine as it is, then ``--hog-runs`` times with a busy-looping
process on every core (``--hog`` processes, default the number of cores),
and reports every failure: the test's id, the run, and the first line of its
error. It exits 0 only when every run passed.

    .venv/bin/python bench/steady_suite.py                 # 3 plain runs, 2 under the hog
    .venv/bin/python bench/steady_suite.py --runs 5 --hog-runs 0
    .venv/bin/python bench/steady_suite.py --runs 1 --hog-runs 1 -- -k subjects

Arguments after ``--`` go to pytest. Each run's JUnit XML and pytest's output
are kept in ``--out`` (default ``tests/artefacts/steady/``: ``run1.xml``,
``run1.log``…), with a ``summary.txt``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Failure:
    run: str
    test: str
    error: str


@dataclass(frozen=True)
class Run:
    name: str
    tests: int
    failures: tuple[Failure, ...]
    seconds: float
    returncode: int


def _spin() -> None:  # pragma: no cover - a hog, killed by its parent
    while True:
        pass


def _first_line(element: ET.Element) -> str:
    text = (element.get("message") or element.text or "").strip()
    return (text.splitlines() or [""])[0][:300]


def read_junit(path: Path, run: str) -> tuple[int, tuple[Failure, ...]]:
    """(tests run, failures and errors) of one JUnit XML file."""
    root = ET.parse(path).getroot()
    tests, failures = 0, []
    for case in root.iter("testcase"):
        tests += 1
        for kind in ("failure", "error"):
            for element in case.findall(kind):
                test = f"{case.get('classname', '')}::{case.get('name', '')}"
                failures.append(Failure(run, test, _first_line(element)))
    return tests, tuple(failures)


def run_suite(name: str, out: Path, pytest_args: list[str]) -> Run:
    """One run of the browser suite; its JUnit XML in ``out/<name>.xml``."""
    xml = out / f"{name}.xml"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-m",
        "browser",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={xml}",
        *pytest_args,
    ]
    start = time.perf_counter()
    with open(out / f"{name}.log", "w", encoding="utf-8") as log:  # pytest's own output
        done = subprocess.run(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, check=False)
    seconds = time.perf_counter() - start
    if not xml.exists():
        return Run(
            name,
            0,
            (Failure(name, "(pytest)", f"exited {done.returncode} with no report"),),
            seconds,
            done.returncode,
        )
    tests, failures = read_junit(xml, name)
    return Run(name, tests, failures, seconds, done.returncode)


def report(runs: list[Run]) -> str:
    lines = []
    for run in runs:
        state = (
            "passed" if not run.failures and run.returncode == 0 else f"{len(run.failures)} failed"
        )
        lines.append(f"{run.name}: {run.tests} tests, {state}, {run.seconds / 60:.1f} min")
        lines += [f"    {f.test}: {f.error}" for f in run.failures]
    good = sum(1 for r in runs if not r.failures and r.returncode == 0)
    lines.append(f"{good} of {len(runs)} runs passed")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    pytest_args: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, pytest_args = argv[:at], argv[at + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="plain runs (default 3)")
    parser.add_argument(
        "--hog-runs", type=int, default=2, help="runs with every core kept busy (default 2)"
    )
    parser.add_argument(
        "--hog",
        type=int,
        default=os.cpu_count() or 2,
        help="busy-looping processes during the hog runs (default: cores)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "artefacts" / "steady")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    runs: list[Run] = []
    for i in range(1, args.runs + 1):
        runs.append(run_suite(f"run{i}", args.out, pytest_args))
        print(report(runs[-1:]).splitlines()[0], flush=True)
    for i in range(1, args.hog_runs + 1):
        hogs = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(args.hog)]
        for hog in hogs:
            hog.start()
        try:
            runs.append(run_suite(f"hog{i}", args.out, pytest_args))
        finally:
            for hog in hogs:
                hog.kill()
                hog.join()
        print(report(runs[-1:]).splitlines()[0], flush=True)
    text = report(runs)
    (args.out / "summary.txt").write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0 if all(not r.failures and r.returncode == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
