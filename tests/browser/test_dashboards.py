"""What a viewer sees in the served dashboards (real Voilà, headless Chromium).

The home page and the Subjects dashboard's favourite subjects, year 7 against
year 9 (the chart the retired "Favourite subjects" page drew, now Subjects'
first view): every share and base read from the page is checked against plain
pandas on the sample's pupil rows.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import disclosure, schema
from dashboards import data, home

from .conftest import SIZED_JS, open_dashboard, wait_for_chart

pytestmark = pytest.mark.browser

#: Text that would mean Voilà let code or an error through to the viewer.
FORBIDDEN = ("Traceback", "import ", "def ", "main()", "Error:", "Exception")
SUBJECTS = "subjects.ipynb"
FAVOURITES = schema.block("favourite").columns
#: Every point of the chart's share traces: group (year group), x (percent),
#: item and base n (customdata[0] and [3], :data:`analysis.figures.shares.CUSTOM`).
POINTS_JS = """() => Array.from(document.querySelector('.js-plotly-plot').data)
    .filter(t => t.meta && t.meta.kind === 'share')
    .map(t => ({group: t.meta.group, x: Array.from(t.x),
                item: Array.from(t.customdata, c => c[0]),
                n: Array.from(t.customdata, c => c[3])}))"""
#: The chart's title ("" while a new drawing replaces the old one).
TITLE_JS = "() => document.querySelector('.js-plotly-plot')?.layout?.title?.text || ''"


@pytest.fixture(scope="module")
def sample_table():
    return data.survey(data.DataSource(data.SAMPLE_FILES, None, True)).table


def assert_no_code_or_traceback(page):
    text = page.inner_text("body")
    shown = [word for word in FORBIDDEN if word in text]
    assert not shown, f"the page shows {shown}:\n{text[:2000]}"


def chart_shares(page) -> pd.DataFrame:
    """(group, item, percent, n) for every point of the chart's shares, read from the page;
    percent is None where the chart marks a hidden figure instead of drawing it."""
    rows = [
        {"group": t["group"], "item": item, "percent": x, "n": n}
        for t in page.evaluate(POINTS_JS)
        for x, item, n in zip(t["x"], t["item"], t["n"])
    ]
    return pd.DataFrame(rows).sort_values(["group", "item"]).reset_index(drop=True)


def favourite_shares(pupils: pd.DataFrame, by: str = "year_group") -> pd.DataFrame:
    """Plain pandas: per group, the percent who ticked each subject among those who
    answered it, how many answered, and how many ticked it."""
    rows = []
    for group, part in pupils.groupby(by, observed=True):
        for column in FAVOURITES:
            answered = part[column].dropna().astype(float)
            rows.append(
                {
                    "group": int(group),
                    "item": column,
                    "percent": 100.0 * answered.mean(),
                    "n": len(answered),
                    "count": answered.sum(),
                }
            )
    return pd.DataFrame(rows).sort_values(["group", "item"]).reset_index(drop=True)


def should_hide(
    count: float,
    n: int,
    schools: int,
    rules: disclosure.DisclosureRules = disclosure.DisclosureRules(),
) -> bool:
    """The primary disclosure rules, by hand: fewer than 10 pupils gave (or did not give)
    the answer, or a base under 30 pupils or 3 schools."""
    return (
        min(count, n - count) < rules.min_count or n < rules.min_base or schools < rules.min_schools
    )


def assert_chart_shows(page, pupils: pd.DataFrame) -> pd.DataFrame:
    """The chart's points are ``pupils``' shares and bases, year 7 and year 9; exactly
    the figures the disclosure rules hide are marked instead of drawn."""
    shown = chart_shares(page)
    expected = favourite_shares(pupils)
    assert len(shown) == len(expected) == 2 * len(FAVOURITES)
    schools = pupils.groupby("year_group", observed=True)["school_id"].nunique()
    for got, want in zip(shown.itertuples(), expected.itertuples()):
        assert (got.group, got.item) == (want.group, want.item)
        hidden = got.percent is None or pd.isna(got.percent)
        assert hidden == should_hide(want.count, want.n, schools[want.group]), want
        if not hidden:
            assert got.percent == pytest.approx(want.percent, rel=1e-12), want
            assert got.n == want.n, want
    return shown


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the dropdown whose description is ``label``."""
    page.locator(".widget-dropdown", has_text=label).locator("select").select_option(label=option)


def title_contains(page, words: str) -> None:
    page.wait_for_function(f"() => ({TITLE_JS})().includes({words!r})")


def test_home_page_lists_every_dashboard_and_links_to_subjects(page, voila):
    open_dashboard(page, voila)
    text = page.inner_text("body")
    assert "KS3 STEM attitude surveys" in text
    assert "Showing the synthetic sample" in text
    assert_no_code_or_traceback(page)
    links = page.eval_on_selector_all(
        ".ks3-dashboards a", "as => as.map(a => [a.getAttribute('href'), a.innerText])"
    )
    assert [tuple(link) for link in links] == [(nb, title) for nb, title, _ in home.DASHBOARDS]
    assert "favourite_subjects.ipynb" not in page.content()  # retired: Subjects shows it all
    page.click(f"a[href='{SUBJECTS}']")
    page.wait_for_url("**/voila/render/" + SUBJECTS)
    wait_for_chart(page)
    assert page.locator("h1").first.inner_text() == "Subjects"
    assert "Favourite subjects" in page.evaluate(TITLE_JS)


def test_subjects_first_chart_has_a_dot_per_subject_and_year_group(page, voila):
    open_dashboard(page, voila, SUBJECTS)
    wait_for_chart(page)
    dots = page.locator(".js-plotly-plot .scatterlayer .trace .point").count()
    assert dots == 2 * len(FAVOURITES)  # year 7 and year 9 x every subject
    title = page.evaluate(TITLE_JS)
    assert title.startswith("Favourite subjects") and "Year 7 vs Year 9, all pupils" in title
    assert_no_code_or_traceback(page)


def test_chart_uses_the_width_of_the_page(page, voila):
    """A chart squeezed to its content's width (a flex row around it) is unreadable.

    The chart may be drawn before its container is on the page and take its width
    a moment later (tests/browser/test_chart_width.py forces that race), so the
    width is read once every chart fits its container (event-driven), and it is
    the container that must be wide: a flex row around it would make it narrow."""
    open_dashboard(page, voila, SUBJECTS)
    wait_for_chart(page)
    page.wait_for_function(SIZED_JS)
    chart = page.locator(".js-plotly-plot .main-svg").first.bounding_box()
    viewport = page.viewport_size["width"]
    assert chart["width"] >= 0.7 * viewport, (chart, viewport)


def test_favourite_shares_by_wave_and_year_group_equal_plain_pandas(page, voila, sample_table):
    open_dashboard(page, voila, SUBJECTS)
    wait_for_chart(page)
    assert_chart_shows(page, sample_table)
    for wave, option in ((1, "Wave 1 (2008)"), (2, "Wave 2 (2010)")):
        choose(page, "Wave", option)
        title_contains(page, f"wave {wave}")
        assert_chart_shows(page, sample_table[sample_table["wave"] == wave])
    assert_no_code_or_traceback(page)


def test_gender_filter_redraws_the_chart_with_girls_shares(page, voila, sample_table):
    open_dashboard(page, voila, SUBJECTS)
    wait_for_chart(page)
    before = chart_shares(page)
    choose(page, "Gender", "Girls")
    title_contains(page, "Girls")
    girls = sample_table[sample_table["gender"] == "girl"]
    after = assert_chart_shows(page, girls)
    assert not after["percent"].equals(before["percent"])
    for wave, option in ((1, "Wave 1 (2008)"), (2, "Wave 2 (2010)")):
        choose(page, "Wave", option)
        title_contains(page, f"wave {wave}, Girls")
        assert_chart_shows(page, girls[girls["wave"] == wave])
    assert_no_code_or_traceback(page)


@pytest.mark.parametrize("notebook", ["index.ipynb", SUBJECTS])
def test_broken_file_shows_the_loaders_message(page, broken_voila, broken_file, notebook):
    open_dashboard(page, broken_voila, notebook)
    page.wait_for_selector("text=The survey data could not be loaded")
    text = page.inner_text("body")
    assert broken_file.name in text
    assert "KS3_SURVEY_FILES" in text  # says how to fix it
    assert page.locator(".js-plotly-plot").count() == 0
    assert_no_code_or_traceback(page)
