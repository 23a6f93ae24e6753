"""What a viewer sees in the served dashboards (real Voilà, headless Chromium)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import measures, schema
from dashboards import data

from .conftest import open_dashboard, wait_for_chart

pytestmark = pytest.mark.browser

#: Text that would mean Voilà let code or an error through to the viewer.
FORBIDDEN = ("Traceback", "import ", "def ", "main()", "Error:", "Exception")
FAVOURITES = "favourite_subjects.ipynb"
TRACES_JS = """() => Array.from(document.querySelector('.js-plotly-plot').data,
    t => ({x: Array.from(t.x), y: Array.from(t.y), meta: t.meta, name: t.name}))"""


@pytest.fixture(scope="module")
def sample_table():
    return data.survey(data.DataSource(data.SAMPLE_FILES, None, True)).table


def assert_no_code_or_traceback(page):
    text = page.inner_text("body")
    shown = [word for word in FORBIDDEN if word in text]
    assert not shown, f"the page shows {shown}:\n{text[:2000]}"


def chart_shares(page) -> pd.DataFrame:
    """(wave, year_group, label, share) for every bar in the chart, read from the page."""
    rows = [
        {"wave": t["meta"]["wave"], "year_group": t["meta"]["year_group"], "label": y, "share": x}
        for t in page.evaluate(TRACES_JS) for x, y in zip(t["x"], t["y"])
    ]
    return pd.DataFrame(rows).sort_values(["wave", "year_group", "label"]).reset_index(drop=True)


def test_home_page_links_to_the_dashboard(page, voila):
    open_dashboard(page, voila)
    text = page.inner_text("body")
    assert "KS3 STEM attitude surveys" in text
    assert "Showing the synthetic sample" in text
    assert_no_code_or_traceback(page)
    page.click("a:has-text('Favourite subjects')")
    page.wait_for_url("**/voila/render/" + FAVOURITES)
    wait_for_chart(page)
    assert "Favourite subjects" in page.inner_text("body")


def test_favourite_subjects_chart_shows_bars(page, voila):
    open_dashboard(page, voila, FAVOURITES)
    wait_for_chart(page)
    n_subjects = len(schema.block("favourite").columns)
    bars = page.locator(".js-plotly-plot .barlayer .point path").count()
    assert bars == 2 * 2 * n_subjects  # two waves x two year groups x every subject
    title = page.evaluate("() => document.querySelector('.js-plotly-plot').layout.title.text")
    assert "all pupils" in title
    assert_no_code_or_traceback(page)


def test_chart_uses_the_width_of_the_page(page, voila):
    """A chart squeezed to its content's width (a flex row around it) is unreadable."""
    open_dashboard(page, voila, FAVOURITES)
    wait_for_chart(page)
    chart = page.locator(".js-plotly-plot .main-svg").first.bounding_box()
    viewport = page.viewport_size["width"]
    assert chart["width"] >= 0.7 * viewport, (chart, viewport)


def test_chart_shares_equal_measures_shares_on_the_sample(page, voila, sample_table):
    open_dashboard(page, voila, FAVOURITES)
    wait_for_chart(page)
    expected = measures.shares(sample_table, schema.block("favourite").columns,
                               by=["wave", "year_group"])
    expected = (expected[["wave", "year_group", "label", "share"]].astype({"wave": int, "year_group": int})
                .sort_values(["wave", "year_group", "label"]).reset_index(drop=True))
    shown = chart_shares(page)
    pd.testing.assert_frame_equal(shown, expected, check_dtype=False, rtol=1e-12)


def test_gender_filter_redraws_the_chart_with_girls_shares(page, voila, sample_table):
    open_dashboard(page, voila, FAVOURITES)
    wait_for_chart(page)
    before = chart_shares(page)
    page.click("button:has-text('Girls')")
    page.wait_for_function(
        "() => document.querySelector('.js-plotly-plot').layout.title.text.includes('girls')")
    after = chart_shares(page)
    assert not after["share"].equals(before["share"])
    # independently: the mean of a 0/1 item over the girls who answered it
    girls = sample_table[sample_table["gender"] == "girl"]
    for row in after.itertuples():
        column = next(c for c in schema.block("favourite").columns
                      if schema.item(c).label == row.label)
        cell = girls[(girls["wave"] == row.wave) & (girls["year_group"] == row.year_group)]
        assert row.share == pytest.approx(cell[column].astype(float).mean(), rel=1e-12)
    assert_no_code_or_traceback(page)


@pytest.mark.parametrize("notebook", ["index.ipynb", FAVOURITES])
def test_broken_file_shows_the_loaders_message(page, broken_voila, broken_file, notebook):
    open_dashboard(page, broken_voila, notebook)
    page.wait_for_selector("text=The survey data could not be loaded")
    text = page.inner_text("body")
    assert broken_file.name in text
    assert "KS3_SURVEY_FILES" in text  # says how to fix it
    assert page.locator(".js-plotly-plot").count() == 0
    assert_no_code_or_traceback(page)
