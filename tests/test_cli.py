"""The command line, end to end in a subprocess: summary on the sample and on a broken file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis import export, schema

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = [str(ROOT / "data" / "sample" / "ks3_survey_wave1_2008.csv"),
          str(ROOT / "data" / "sample" / "ks3_survey_wave2_2010.csv")]


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


def test_summary_without_disclosure_writes_every_block(tmp_path):
    r = run("summary", *SAMPLE, "--out", str(tmp_path), "--no-disclosure")
    assert r.returncode == 0, r.stderr
    assert "NOT disclosure-controlled" in r.stdout
    assert "blocks: 100%" in r.stderr  # the progress bar
    readme = (tmp_path / "README.md").read_text()
    assert "NOT disclosure-controlled" in readme and "Benjamini-Hochberg" in readme
    wb = openpyxl.load_workbook(tmp_path / "summary.xlsx", read_only=True)
    assert wb.sheetnames == ["README", *[export.sheet_name(b.label) for b in schema.blocks()]]
    trips = pd.read_csv(tmp_path / "trip_shares.csv", encoding="utf-8-sig")
    row = trips[(trips.breakdown == "year_group") & (trips.year_group == 9)
                & (trips["item"] == "trip_science")]
    assert round(100 * row["share"].iloc[0]) == 45  # published: 45% of year 9
    comps = pd.read_csv(tmp_path / "enjoy_comparisons.csv", encoding="utf-8-sig")
    assert (comps["estimate_pp"] < 0).any()  # negative gaps stay numbers
    assert set(comps["schools"]) == {"all", "common"}
    assert (trips["breakdown"] == "wave × year_group × school_id").any()


def test_summary_is_disclosure_controlled_by_default(tmp_path):
    r = run("summary", *SAMPLE, "--out", str(tmp_path), "--blocks", "visitor")
    assert r.returncode == 0, r.stderr
    assert "(disclosure-controlled)" in r.stdout
    shares = pd.read_csv(tmp_path / "visitor_shares.csv", encoding="utf-8-sig",
                         keep_default_na=False)
    other = shares[shares.gender == "other"]
    assert len(other) and set(other["suppressed"]) <= {"c", "u"}
    assert (other["count"] == "").all()
    assert "school_id" not in shares.columns or (shares["school_id"] == "").all()
    assert "Disclosure control" in (tmp_path / "README.md").read_text()
    comps = pd.read_csv(tmp_path / "visitor_comparisons.csv", encoding="utf-8-sig")
    assert "share_first" not in comps.columns


@pytest.mark.parametrize("content, says", [
    ("pupil_id,school_id,wave\n1,a,1\n", "year_group"),
    ("this is not a survey\n", "survey"),
])
def test_summary_on_a_broken_file_exits_1_with_the_message(tmp_path, content, says):
    bad = tmp_path / "broken.csv"
    bad.write_text(content)
    r = run("summary", str(bad), "--out", str(tmp_path / "out"))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr + r.stdout
    assert "broken.csv" in r.stderr and says in r.stderr
