"""The STEM lead's pack in a real browser: the printable report opened in headless
Chromium, its text checked against the pupils' rows (plain pandas)."""

from __future__ import annotations

from analysis import schema
from analysis.__main__ import main
from dashboards import data


def test_report_opens_in_chromium_with_the_schools_figures(browser, tmp_path):
    import pandas as pd

    out = tmp_path / "pack"
    assert (
        main(
            [
                "pack",
                "--school",
                "S13",
                "--out",
                str(out),
                "--no-pdf",
                "--plan",
                str(data.ROOT / "data" / "sample" / "plans" / "bradfield.json"),
            ]
        )
        == 0
    )
    page = browser.new_page()
    try:
        page.goto((out / "report.html").resolve().as_uri())
        text = page.inner_text("body")
    finally:
        page.close()
    pupils = pd.concat([pd.read_csv(f) for f in data.SAMPLE_FILES])
    school = pupils[pupils["school_id"] == "S13"]
    for (_wave, year), rows in school.groupby(["wave", "year_group"]):
        answered = max(
            rows[c].notna().sum()
            for b in schema.blocks()
            if b.scale in ("binary", "agreement")
            for c in b.columns
        )
        assert f"Year {year}\t{answered:,}" in text or f"Year {year} {answered:,}" in text
    assert "School S13: what our pupils told the STEM survey" in text
    assert "hidden (" in text
    assert "Family STEM Night" in text  # the plan's key


def test_make_a_pack_from_the_my_school_page(page, voila):
    import base64
    import io

    from pptx import Presentation

    from .conftest import open_dashboard, wait_for_chart
    from .test_my_school import select

    open_dashboard(page, voila, "my_school.ipynb")
    wait_for_chart(page)
    select(page, "School", "School S13")
    page.get_by_role("button", name="List this school's findings").click()
    page.wait_for_selector(".ks3-pack .widget-checkbox")
    boxes = page.locator(".ks3-pack .widget-checkbox input[type=checkbox]")
    assert boxes.count() == 12
    ticked = [boxes.nth(i).is_checked() for i in range(12)]
    assert ticked == [True] * 6 + [False] * 6
    first = page.locator(".ks3-pack .widget-checkbox").nth(0).inner_text()
    assert "School S13's pupils" in first
    page.get_by_role("button", name="Make the pack").click()
    link = page.locator("a[download$='.pptx']")
    link.wait_for()
    href = link.get_attribute("href")
    assert href.startswith(
        "data:application/vnd.openxmlformats-officedocument.presentationml.presentation;base64,"
    )
    deck = Presentation(io.BytesIO(base64.b64decode(href.split(",", 1)[1])))
    texts = [
        shape.text_frame.text
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_text_frame
    ]
    assert "School S13: what our pupils told the STEM survey" in texts
    assert any(first.strip() in t for t in texts)
    # the report as PDF too (the server has Chromium): Chromium's print of the report
    pdf = page.locator("a[download$='.pdf']")
    assert pdf.inner_text() == "Download the report (PDF)"
    pdf_href = pdf.get_attribute("href")
    assert pdf_href.startswith("data:application/pdf;base64,")
    assert base64.b64decode(pdf_href.split(",", 1)[1]).startswith(b"%PDF")
