#!/usr/bin/env python
"""Regenerate the synthetic sample in data/sample/ (same seed, same bytes).

    python scripts/make_sample.py                  # the committed sample
    python scripts/make_sample.py --large 1000000  # a benchmark file in data/sample/large/

A thin wrapper around :mod:`analysis.synthetic` (also ``python -m analysis make-sample``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis import synthetic


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=synthetic.SAMPLE_DIR,
        help="folder for the sample (default: data/sample)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help=f"random seed (default {synthetic.SEED} for the sample, "
        f"{synthetic.SEED + 1} for --large)",
    )
    parser.add_argument(
        "--large",
        type=int,
        metavar="N",
        help="write one CSV of N pupils (both waves) for benchmarks instead",
    )
    parser.add_argument(
        "--path",
        type=Path,
        help="where --large writes (default data/sample/large/ks3_survey_N.csv)",
    )
    args = parser.parse_args(argv)
    if args.large:
        kwargs = {} if args.seed is None else {"seed": args.seed}
        path = synthetic.write_large(args.path, n_pupils=args.large, **kwargs)
        print(f"wrote {path}")
        return 0
    seed = synthetic.SEED if args.seed is None else args.seed
    for path in synthetic.write_sample(args.out, seed=seed):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
