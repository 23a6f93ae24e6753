"""The STEM lead's pack in a real browser: the printable report opened in headless
Chromium, its text checked against the pupils' rows (plain pandas)."""

from __future__ import annotations

from analysis import schema
from analysis.__main__ import main
from dashboards import data


def test_report_opens_in_chromium_with_the_schools_figures(browser, tmp_path):
    import pandas as pd

    out = tmp_path / "pack"
    assert main(["pack", "--school", "S13", "--out", str(out), "--no-pdf",
                 "--plan", str(data.ROOT / "data" / "sample" / "plans" / "bradfield.json")]) == 0
    page = browser.new_page()
    try:
        page.goto((out / "report.html").resolve().as_uri())
        text = page.inner_text("body")
    finally:
        page.close()
    pupils = pd.concat([pd.read_csv(f) for f in data.SAMPLE_FILES])
    school = pupils[pupils["school_id"] == "S13"]
    for (wave, year), rows in school.groupby(["wave", "year_group"]):
        answered = max(rows[c].notna().sum() for b in schema.blocks()
                       if b.scale in ("binary", "agreement") for c in b.columns)
        assert f"Year {year}\t{answered:,}" in text or f"Year {year} {answered:,}" in text
    assert "School S13: what our pupils told the STEM survey" in text
    assert "hidden (" in text
    assert "Family STEM Night" in text  # the plan's key
