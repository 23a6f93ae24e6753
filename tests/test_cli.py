"""The command line, end to end in a subprocess: summary on the sample and on a broken file."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis import schema
from analysis.workbook import in_words, sheet_names

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = [
    str(ROOT / "data" / "sample" / "ks3_survey_wave1_2008.csv"),
    str(ROOT / "data" / "sample" / "ks3_survey_wave2_2010.csv"),
]


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_summary_without_disclosure_writes_every_block(tmp_path):
    r = run("summary", *SAMPLE, "--out", str(tmp_path), "--no-disclosure")
    assert r.returncode == 0, r.stderr
    assert "NOT disclosure-controlled" in r.stdout
    assert "blocks: 100%" in r.stderr  # the progress bar
    readme = (tmp_path / "README.md").read_text()
    assert "NOT disclosure-controlled" in readme and "Benjamini-Hochberg" in readme
    wb = openpyxl.load_workbook(tmp_path / "summary.xlsx", read_only=True)
    assert wb.sheetnames == [
        "Key findings",
        "README",
        "Linked pupils",
        "Linked vs not linked",
        *[
            name
            for b in schema.blocks()
            for kind, name in sheet_names(b.key, ["shares", "comparisons"]).items()
            if (tmp_path / f"{b.key}_{kind}.csv").exists()
        ],
    ]
    assert len(wb.sheetnames) == 4 + 2 * len(schema.blocks()) - 1  # the aim has no comparisons
    trips = pd.read_csv(tmp_path / "trip_shares.csv", encoding="utf-8-sig")
    row = trips[
        (trips.breakdown == "year_group")
        & (trips.year_group == 9)
        & (trips["item"] == "trip_science")
    ]
    assert round(100 * row["share"].iloc[0]) == 45  # published: 45% of year 9
    comps = pd.read_csv(tmp_path / "enjoy_comparisons.csv", encoding="utf-8-sig")
    assert (comps["estimate_pp"] < 0).any()  # negative gaps stay numbers
    assert set(comps["schools"]) == {"all", "common"}
    assert (trips["breakdown"] == "wave × year_group × school_id").any()
    for key in ("trip", "enjoy"):  # the workbook holds the CSVs' numbers, cell for cell
        for kind, name in sheet_names(key, ["shares", "comparisons"]).items():
            rows = [list(r) for r in wb[name].iter_rows(values_only=True)]
            header, rows = rows[0], rows[1:]
            csv = pd.read_csv(
                tmp_path / f"{key}_{kind}.csv",
                encoding="utf-8-sig",
                dtype=str,
                keep_default_na=False,
            )
            assert header == list(in_words(csv).columns) and len(rows) == len(csv) > 0
            same_cells(rows, in_words(csv).to_numpy().tolist(), f"{key}_{kind}")


def same_cells(book: list[list], csv: list[list[str]], name: str) -> None:
    """Every workbook cell equals its CSV text: a number within float printing
    precision, a boolean as True/False, an empty cell as an empty field."""
    numbers = 0
    for r, (got_row, csv_row) in enumerate(zip(book, csv), start=2):
        for (
            got,
            text,
        ) in zip(got_row, csv_row):
            where = f"{name} row {r}: workbook {got!r}, CSV {text!r}"
            if got is None:
                assert text == "", where
            elif isinstance(got, bool):
                assert text == str(got), where
            elif isinstance(got, (int, float)):
                assert text != "" and math.isclose(
                    got, float(text), rel_tol=1e-14, abs_tol=1e-300
                ), where
                numbers += 1
            else:
                assert got == text, where
    assert numbers > 0


def test_summary_is_disclosure_controlled_by_default(tmp_path):
    r = run("summary", *SAMPLE, "--out", str(tmp_path), "--blocks", "visitor")
    assert r.returncode == 0, r.stderr
    assert "(disclosure-controlled)" in r.stdout
    shares = pd.read_csv(
        tmp_path / "visitor_shares.csv", encoding="utf-8-sig", keep_default_na=False
    )
    other = shares[shares.gender == "other"]
    # pupils of gender "other" are a small group: nearly every figure of theirs is
    # hidden, and any shown meets every threshold (here, by plain arithmetic)
    hidden = other["suppressed"] != ""
    assert len(other) and hidden.mean() > 0.9 and set(other.loc[hidden, "suppressed"]) <= {"c", "u"}
    assert (other.loc[hidden, "count"] == "").all()
    shown = other[~hidden].astype({"n": float, "count": float, "n_schools": float})
    assert (
        (shown["count"] >= 10)
        & (shown["n"] - shown["count"] >= 10)
        & (shown["n"] >= 30)
        & (shown["n_schools"] >= 3)
    ).all()
    assert "school_id" not in shares.columns or (shares["school_id"] == "").all()
    assert "Disclosure control" in (tmp_path / "README.md").read_text()
    comps = pd.read_csv(tmp_path / "visitor_comparisons.csv", encoding="utf-8-sig")
    assert "share_first" not in comps.columns


def test_summary_stated_only_describes_those_pupils_and_hides_less(tmp_path):
    every, stated = tmp_path / "every", tmp_path / "stated"
    runs = {}
    for out, extra in ((every, []), (stated, ["--stated-only"])):
        r = runs[out] = run("summary", *SAMPLE, "--out", str(out), "--blocks", "club", *extra)
        assert r.returncode == 0, r.stderr

    def read(folder):
        return pd.read_csv(folder / "club_shares.csv", encoding="utf-8-sig", keep_default_na=False)

    a, b = read(every), read(stated)
    assert set(b.loc[b.gender != "", "gender"]) == {"boy", "girl"}
    assert "other" in set(a["gender"])
    # the all-pupils base is the stated pupils', counted here with plain pandas
    t = pd.concat([pd.read_csv(f) for f in SAMPLE])
    kept = t[
        t.gender.isin(["boy", "girl"]) & t.ethnicity.isin(["white_british", "other_ethnic_group"])
    ]
    row = b[
        (b.breakdown == "all pupils") & (b["item"] == "club_science") & (b["measure"] == "share")
    ]
    assert int(row["n"].item()) == kept["club_science"].notna().sum()
    assert (b["suppressed"] != "").mean() < (a["suppressed"] != "").mean() / 2
    assert "--stated-only" in (stated / "README.md").read_text()
    # the person is told how much was hidden, counted here from the files
    for folder, kind in ((every, a), (stated, b)):
        said = f"{(kind['suppressed'] != '').sum():,} of {len(kind):,} share rows are hidden"
        assert said in runs[folder].stdout
    assert "--stated-only leaves out" in runs[every].stdout  # most hidden: the way out is named
    assert "--stated-only" not in (every / "README.md").read_text()


def test_disclosure_controlled_summary_leaves_distributions_out_unless_asked(tmp_path):
    r = run("summary", *SAMPLE, "--out", str(tmp_path), "--blocks", "visitor,aim")
    assert r.returncode == 0, r.stderr
    assert "--distributions" in r.stderr  # the person is told what was left out and how
    assert (tmp_path / "visitor_shares.csv").exists()
    assert not (tmp_path / "aim_shares.csv").exists()  # the aim block is a distribution
    book = openpyxl.load_workbook(tmp_path / "summary.xlsx", read_only=True)
    assert not any(n.startswith(schema.block("aim").short) for n in book.sheetnames)


@pytest.mark.parametrize(
    "content, says",
    [
        ("pupil_id,school_id,wave\n1,a,1\n", "year_group"),
        ("this is not a survey\n", "survey"),
    ],
)
def test_summary_on_a_broken_file_exits_1_with_the_message(tmp_path, content, says):
    bad = tmp_path / "broken.csv"
    bad.write_text(content)
    r = run("summary", str(bad), "--out", str(tmp_path / "out"))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr + r.stdout
    assert "broken.csv" in r.stderr and says in r.stderr
