"""My school in a real Voilà page: the chart, a choice that redraws it, its numbers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import schema
from dashboards import data

from .conftest import open_dashboard, wait_for_chart
from .test_dashboards import assert_no_code_or_traceback

pytestmark = pytest.mark.browser

NOTEBOOK = "my_school.ipynb"
TRACES_JS = """() => Array.from(document.querySelector('.js-plotly-plot').data,
    t => ({x: Array.from(t.x), y: Array.from(t.y), school: t.meta.school,
           marks: Array.from(t.meta.suppressed, m => m || "")}))"""
TITLE_JS = "() => document.querySelector('.js-plotly-plot').layout.title.text"


@pytest.fixture(scope="module")
def sample_table():
    return data.survey(data.DataSource(data.SAMPLE_FILES, None, True)).table


def select(page, description: str, label: str) -> None:
    """Choose ``label`` in the dropdown whose description is ``description``."""
    box = page.locator(".widget-dropdown", has=page.locator(f"label:text-is('{description}')"))
    box.locator("select").select_option(label=label)


def test_my_school_shows_the_school_against_the_others(page, voila, sample_table):
    open_dashboard(page, voila, NOTEBOOK)
    wait_for_chart(page)
    text = page.inner_text("body")
    assert "My school" in text
    assert "exempt from the 3-school rule" in text
    assert_no_code_or_traceback(page)
    traces = page.evaluate(TRACES_JS)
    assert [t["school"] for t in traces] == ["this school", "other schools"]
    title = page.evaluate(TITLE_JS)
    assert "School S01" in title and "year 7" in title and "wave 1" in title

    # a choice redraws the chart: S13, enjoyment, wave 1, year 9
    select(page, "School", "School S13")
    page.wait_for_function(f"() => ({TITLE_JS})().includes('School S13')")
    select(page, "Questions", "Enjoyment")
    page.wait_for_function(f"() => ({TITLE_JS})().startsWith('Enjoyment')")
    select(page, "Year group", "Year 9")
    page.wait_for_function(f"() => ({TITLE_JS})().includes('year 9')")
    traces = page.evaluate(TRACES_JS)

    # the school's shares on screen equal plain pandas on the pupil rows
    rows = sample_table[
        (sample_table["school_id"].astype(str) == "S13")
        & (sample_table["wave"] == 1)
        & (sample_table["year_group"] == 9)
    ]
    labels = {schema.item(c).label: c for c in schema.block("enjoy").columns}
    this = traces[0]
    compared = 0
    for label, x, mark in zip(this["y"], this["x"], this["marks"]):
        answers = rows[labels[label]].dropna().astype(int)
        if mark:
            assert x is None
            continue
        assert x == pytest.approx(100 * answers.isin([3, 4]).mean(), rel=1e-9)
        compared += 1
    assert compared >= 5
    # and the other schools' too
    rest = sample_table[
        (sample_table["school_id"].astype(str) != "S13")
        & (sample_table["wave"] == 1)
        & (sample_table["year_group"] == 9)
    ]
    for label, x, mark in zip(traces[1]["y"], traces[1]["x"], traces[1]["marks"]):
        if not mark:
            answers = rest[labels[label]].dropna().astype(int)
            assert x == pytest.approx(100 * answers.isin([3, 4]).mean(), rel=1e-9)
    assert_no_code_or_traceback(page)


def test_a_small_school_shows_marks_not_bars(page, voila):
    open_dashboard(page, voila, NOTEBOOK)
    wait_for_chart(page)
    select(page, "School", "School S02")
    page.wait_for_function(f"() => ({TITLE_JS})().includes('School S02')")
    traces = page.evaluate(TRACES_JS)
    marks = [m for t in traces for m in t["marks"] if m]
    assert marks, "S02 (61 pupils in wave 1) has hidden favourite subjects in year 7"
    shown = page.eval_on_selector_all(
        ".js-plotly-plot .annotation-text", "els => els.map(e => e.textContent)"
    )  # SVG: no innerText
    assert sorted(shown) == sorted(marks)
    for t in traces:
        for x, mark in zip(t["x"], t["marks"]):
            assert (x is None) == bool(mark)
            if x is not None:
                assert not math.isnan(x)
    assert "c: hidden to protect confidentiality" in page.inner_text("body")
    page.locator(".js-plotly-plot").scroll_into_view_if_needed()
    assert_no_code_or_traceback(page)


def test_downloads_are_the_shown_table(page, voila):
    open_dashboard(page, voila, NOTEBOOK)
    wait_for_chart(page)
    links = page.locator("a.ks3-download")
    assert links.count() == 2
    names = [links.nth(i).get_attribute("download") for i in range(2)]
    assert names == [
        "my_school_S01_favourite_wave1_year7.csv",
        "my_school_S01_favourite_wave1_year7.xlsx",
    ]
    csv = links.nth(0).get_attribute("href")
    import base64
    import io

    table = pd.read_csv(io.BytesIO(base64.b64decode(csv.split(",", 1)[1])), encoding="utf-8-sig")
    assert set(table["school"]) == {"this school", "other schools"}
    assert "rank" not in table.columns
    assert (table["wave"] == 1).all() and (table["year_group"] == 7).all()
