"""Command line: ``python -m analysis COMMAND`` (also installed as ``ks3-survey``).

Commands
--------
check FILE... [--codebook F]
    Load and validate survey files; print what was read, or every problem found.
codebook-template FILE
    Print a starter codebook for a file with its own column names.
make-sample [--out DIR] [--large N]
    Regenerate the synthetic sample (same seed, same bytes), or write a large file
    of N pupils for benchmarks.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import SurveyDataError


def _check(args: argparse.Namespace) -> int:
    from .load import load_survey

    try:
        survey = load_survey(args.files, codebook=args.codebook)
    except SurveyDataError as err:
        print(f"Could not use the file(s):\n{err}", file=sys.stderr)
        return 1
    t = survey.table
    print(f"Read {', '.join(survey.files)}: {len(t)} pupils in "
          f"{t['school_id'].nunique()} schools.")
    for wave, part in t.groupby("wave", observed=True):
        years = ", ".join(str(y) for y in sorted(part["year_group"].dropna().unique()))
        print(f"  wave {wave}: {len(part)} pupils, {part['school_id'].nunique()} schools, "
              f"year groups {years}")
    print("Question blocks: " + ", ".join(b.label for b in survey.blocks))
    for note in survey.notes:
        print(f"Note: {note}")
    return 0


def _codebook_template(args: argparse.Namespace) -> int:
    from .codebook import codebook_template

    try:
        print(codebook_template(args.file), end="")
    except SurveyDataError as err:
        print(str(err), file=sys.stderr)
        return 1
    return 0


def _make_sample(args: argparse.Namespace) -> int:
    from . import synthetic

    if args.large:
        # Benchmark files go to the git-ignored data/sample/large/ unless --out says otherwise.
        path = synthetic.write_large(
            Path(args.out) / f"ks3_survey_{args.large}.csv" if args.out else None,
            n_pupils=args.large)
        print(f"wrote {path}")
    else:
        out = args.out or synthetic.SAMPLE_DIR
        synthetic.write_sample(out)
        print(f"wrote the sample to {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="load and validate survey files")
    p.add_argument("files", nargs="+", help="survey files (CSV, XLSX, SAV, DTA, Parquet), one a wave")
    p.add_argument("--codebook", help="codebook YAML mapping your columns onto the survey's")
    p.set_defaults(run=_check)

    p = sub.add_parser("codebook-template", help="print a starter codebook for a file")
    p.add_argument("file")
    p.set_defaults(run=_codebook_template)

    p = sub.add_parser("make-sample", help="regenerate the synthetic sample")
    p.add_argument("--out", help="folder to write to (default: data/sample/, or data/sample/large/ with --large)")
    p.add_argument("--large", type=int, metavar="N", help="write a large file of N pupils instead")
    p.set_defaults(run=_make_sample)

    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
