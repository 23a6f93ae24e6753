"""Subjects, Careers and Enrichment in a real Voilà server and headless Chromium.

Each test opens a dashboard on the synthetic sample, reads the numbers the
chart draws from the page (``document.querySelector('.js-plotly-plot').data``),
changes a filter or a choice as a viewer would, and checks what is drawn
against plain pandas on the sample's pupil rows.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import schema
from dashboards import data

from .conftest import open_dashboard
from .test_dashboards import assert_no_code_or_traceback

pytestmark = pytest.mark.browser

#: Every drawn point of the chart: trace meta, x, y and the item / category of customdata.
POINTS_JS = """() => Array.from(document.querySelector('.js-plotly-plot').data, t => ({
    name: t.name, meta: t.meta, x: Array.from(t.x || []),
    item: Array.from(t.customdata || [], c => c[0]),
    category: Array.from(t.customdata || [], c => c[9]),
    group_label: Array.from(t.customdata || [], c => c[10] || null)}))"""
#: The chart's title ("" while a new drawing replaces the old one).
TITLE_JS = "() => document.querySelector('.js-plotly-plot')?.layout?.title?.text || ''"


@pytest.fixture(scope="module")
def sample_table():
    return data.survey(data.DataSource(data.SAMPLE_FILES, None, True)).table


def open_explorer(page, server, notebook: str) -> None:
    """Open a dashboard in a page tall enough for the screenshot to hold the whole chart."""
    page.set_viewport_size({"width": 1280, "height": 1500})
    open_dashboard(page, server, notebook)
    wait_for_dots(page)
    chart = page.locator(".js-plotly-plot .main-svg").first.bounding_box()
    assert chart["width"] >= 0.7 * 1280, chart  # the chart takes the page's width


def wait_for_dots(page) -> None:
    """Wait until a chart has drawn its points (dots or bars)."""
    page.wait_for_selector(
        ".js-plotly-plot .scatterlayer .point, .js-plotly-plot .barlayer .point path",
        state="attached",
    )


def drawn(page) -> pd.DataFrame:
    """One row per drawn point: (kind, group, category, item, x in percent)."""
    rows = []
    for trace in page.evaluate(POINTS_JS):
        meta = trace["meta"] or {}
        if meta.get("kind") == "hidden":
            continue
        for x, item, category, label in zip(
            trace["x"], trace["item"], trace["category"], trace["group_label"]
        ):
            rows.append(
                {
                    "kind": meta.get("kind"),
                    "group": meta.get("group"),
                    "group_label": label or trace["name"],
                    "category": meta.get("category", category),
                    "item": item,
                    "x": x,
                }
            )
    return pd.DataFrame(rows)


def choose(page, label: str, option: str, title: str | None = None) -> None:
    """Pick ``option`` in the dropdown whose description is ``label``; with ``title``,
    wait until the chart's title holds those words."""
    page.locator(".widget-dropdown", has_text=label).locator("select").select_option(label=option)
    if title is not None:
        title_contains(page, title)


def title_contains(page, words: str) -> None:
    page.wait_for_function(f"() => ({TITLE_JS})().includes({words!r})")


def agree_share(pupils: pd.DataFrame, column: str) -> float:
    answered = pupils[column].dropna().astype(int)
    return 100.0 * answered.isin([3, 4]).mean()


def test_subjects_girls_wave_2_enjoyment(page, voila, sample_table):
    open_explorer(page, voila, "subjects.ipynb")
    assert "Favourite subjects" in page.evaluate(TITLE_JS)
    before = drawn(page)
    assert set(before["group"]) == {7, 9}
    # favourite subjects, all pupils: the mean of a 0/1 item among those who answered
    maths7 = before[(before["group"] == 7) & (before["item"] == "favourite_maths")]["x"].item()
    pupils = sample_table[sample_table["year_group"] == 7]
    assert maths7 == pytest.approx(100 * pupils["favourite_maths"].dropna().mean(), rel=1e-9)

    choose(page, "Question", "Enjoyment", "Enjoyment")
    choose(page, "Gender", "Girls", "Girls")
    choose(page, "Wave", "Wave 2 (2010)", "wave 2")
    after = drawn(page)
    assert not after["x"].equals(before["x"])
    girls = sample_table[(sample_table["gender"] == "girl") & (sample_table["wave"] == 2)]
    for row in after.itertuples():
        expected = agree_share(girls[girls["year_group"] == row.group], row.item)
        assert row.x == pytest.approx(expected, rel=1e-9), row
    assert len(after) == 2 * len(schema.block("enjoy").columns)

    page.click("button:has-text('All four answers')")
    title_contains(page, "all four answers")
    bars = drawn(page)
    science9 = bars[(bars["group_label"] == "Year 9") & (bars["item"] == "enjoy_science")]
    answers = girls[girls["year_group"] == 9]["enjoy_science"].dropna().astype(int)
    assert len(science9) == 4
    for code in (1, 2, 3, 4):
        # disagreeing (1, 2) runs left of 0, agreeing right of it
        sign = -1 if code < 3 else 1
        shown = science9[science9["category"] == str(code)]["x"].item()
        assert shown == pytest.approx(sign * 100.0 * (answers == code).mean(), rel=1e-9)
    assert page.locator(".js-plotly-plot .barlayer .point path").count() > 0
    assert "Base" in page.inner_text("body") and "pupils in" in page.inner_text("body")
    assert_no_code_or_traceback(page)


def test_careers_aim_by_ethnicity(page, voila, sample_table):
    open_explorer(page, voila, "careers.ipynb")
    choose(page, "Question", "Qualification aim", "Qualification aim")
    before = drawn(page)
    page.click(".widget-toggle-buttons button:has-text('Ethnicity')")
    title_contains(page, "White British vs Other ethnic groups")
    after = drawn(page)
    assert set(after["group"]) == {"white_british", "other_ethnic_group"}
    assert not after["x"].equals(before["x"])
    for row in after.itertuples():
        pupils = sample_table[sample_table["ethnicity"] == row.group]["qualification_aim"]
        answered = pupils.dropna().astype(str)
        assert row.x == pytest.approx(100 * (answered == row.category).mean(), rel=1e-9), row
    # the base line is written just after the chart
    page.wait_for_selector("text=White British: n = ")
    assert_no_code_or_traceback(page)


def test_enrichment_marks_hidden_figures(page, voila, sample_table):
    open_explorer(page, voila, "enrichment.ipynb")
    before = drawn(page)
    choose(page, "Ethnicity", "Other ethnic groups", "Other ethnic groups")
    choose(page, "Gender", "Girls", "Girls")
    choose(page, "Wave", "Wave 2 (2010)", "wave 2")
    after = drawn(page)
    assert not after["x"].equals(before["x"])
    pupils = sample_table[
        (sample_table["ethnicity"] == "other_ethnic_group")
        & (sample_table["gender"] == "girl")
        & (sample_table["wave"] == 2)
    ]
    hidden = 0
    for row in after.itertuples():
        answers = pupils[pupils["year_group"] == row.group][row.item].dropna()
        if row.x is None or pd.isna(row.x):
            # hidden: fewer than 10 pupils said yes (or no)
            assert min(answers.sum(), len(answers) - answers.sum()) < 10, row
            hidden += 1
        else:
            assert row.x == pytest.approx(100 * answers.mean(), rel=1e-9), row
    assert hidden, "this small group should have hidden figures"
    marks = page.evaluate(
        "() => Array.from(document.querySelector('.js-plotly-plot').data)"
        ".filter(t => t.meta.kind === 'hidden').map(t => Array.from(t.text))"
    )
    assert sum(len(m) for m in marks) == hidden
    assert "hidden to protect confidentiality" in page.inner_text("body")
    assert_no_code_or_traceback(page)
