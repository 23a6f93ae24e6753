"""Time loading + validating survey files against a bare ``pandas.read_csv``.

Run from the repository root::

    python bench/bench_load.py                  # sample + 1,000,000 pupils
    python bench/bench_load.py --pupils 200000  # a smaller large file
    python bench/bench_load.py --no-large       # the sample only

For each input it times, side by side in the same run,

* ``read_csv``: a bare ``pandas.read_csv(path)`` of the same file(s), the baseline;
* ``read_csv(bytes)``: ``pandas.read_csv`` of the file's bytes already in memory
  (``io.BytesIO``), as the loader reads them: a stricter baseline, since on
  pandas 3.1 reading from a path is markedly slower than from bytes;
* ``load_survey``: :func:`analysis.load.load_survey` (read, identifying-column
  check, validation, dtypes, duplicate check, combining),

the best of ``--repeat`` runs (the two alternate, so both meet the same
machine load), and prints the ratio, the validated table's memory
(bytes per pupil, ``DataFrame.memory_usage(deep=True)``) against the bare
read's, and the machine. The large file is made once by
``analysis.synthetic.write_large`` in the git-ignored ``data/sample/large/``.
Targets: the sample in under 1 s; the large file within 3x the bare read.
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import synthetic  # noqa: E402
from analysis.load import load_survey  # noqa: E402
from machine import describe as machine  # noqa: E402  (bench/ is on sys.path)


def timed(fn):
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def bench(label: str, files: list[Path], repeat: int) -> dict:
    """Bare read and load alternate, so that both meet the same machine load."""
    bare_times, bytes_times, load_times = [], [], []
    for _ in range(repeat):
        seconds, frames = timed(lambda: [pd.read_csv(f) for f in files])
        bare_times.append(seconds)
        seconds, _ = timed(lambda: [pd.read_csv(io.BytesIO(f.read_bytes())) for f in files])
        bytes_times.append(seconds)
        bare_bytes = sum(int(f.memory_usage(deep=True).sum()) for f in frames)
        n = sum(len(f) for f in frames)
        del frames
        seconds, survey = timed(lambda: load_survey(files))
        load_times.append(seconds)
        table = survey.table
        assert len(table) == n
        del survey
    bare_s, bytes_s, load_s = min(bare_times), min(bytes_times), min(load_times)
    return {
        "input": label,
        "pupils": n,
        "MB on disk": sum(f.stat().st_size for f in files) / 1e6,
        "read_csv s": bare_s,
        "read_csv(bytes) s": bytes_s,
        "load_survey s": load_s,
        "ratio": load_s / bare_s,
        "ratio (bytes)": load_s / bytes_s,
        "bytes/pupil read_csv": bare_bytes / n,
        "bytes/pupil loaded": int(table.memory_usage(deep=True).sum()) / n,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing, the best kept")
    parser.add_argument("--large-repeat", type=int, default=2)
    parser.add_argument("--no-large", action="store_true")
    args = parser.parse_args(argv)

    rows = []
    sample = [synthetic.SAMPLE_DIR / f for f in synthetic.WAVE_FILES.values()]
    rows.append(bench("sample (both waves)", sample, args.repeat))
    if not args.no_large:
        path = synthetic.LARGE_DIR / f"ks3_survey_{args.pupils}.csv"
        if not path.exists():
            print(f"writing {path} …", flush=True)
            synthetic.write_large(path, args.pupils)
        rows.append(bench(f"{args.pupils:,} pupils", [path], args.large_repeat))

    table = pd.DataFrame(rows)
    with pd.option_context(
        "display.width", 200, "display.max_columns", 20, "display.float_format", "{:,.2f}".format
    ):
        print(table.to_string(index=False))
    print(f"\nmachine: {machine()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
