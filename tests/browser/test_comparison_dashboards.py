"""Gender gaps and Waves and cohort, as a viewer sees them (real Voilà, headless Chromium).

For each dashboard: the charts appear; changing a control changes a chart; a
number on screen equals one computed here independently from the sample's
pupil rows (plain pandas for shares and gaps, statsmodels OLS with
school-clustered covariance for an interval); no source code and no traceback
in the page; a screenshot is kept in tests/artefacts/.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as dist

from dashboards import data

from .conftest import open_dashboard
from .test_dashboards import assert_no_code_or_traceback

pytestmark = pytest.mark.browser

GAPS = "gender_gaps.ipynb"
WAVES = "waves.ipynb"
ENGINEERING = "consider_engineering"
#: Every chart on the page: its title and, per trace, role, points and intervals.
CHARTS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'), p => ({
    title: p.layout.title.text,
    annotations: (p.layout.annotations || []).map(a => ({name: a.name, text: a.text})),
    traces: p.data.map(t => ({
        role: t.meta && t.meta.role, significant: t.meta && t.meta.significant,
        x: Array.from(t.x || []), y: Array.from(t.y || []),
        items: Array.from(t.customdata || [], c => c[0]),
        plus: t.error_x && t.error_x.array ? Array.from(t.error_x.array) : [],
        minus: t.error_x && t.error_x.arrayminus ? Array.from(t.error_x.arrayminus) : []}))
}))"""


@pytest.fixture(scope="module")
def sample_table() -> pd.DataFrame:
    return data.survey(data.DataSource(data.SAMPLE_FILES, None, True)).table


def wait_for_charts(page, count: int) -> None:
    """Wait until ``count`` plotly charts have drawn their points."""
    page.wait_for_function(
        f"""() => {{ const plots = document.querySelectorAll('.js-plotly-plot');
            return plots.length >= {count} && Array.from(plots).every(
                p => p.querySelector('.scatterlayer .point')); }}"""
    )


def charts_on_page(page) -> list[dict]:
    return page.evaluate(CHARTS_JS)


def chart(page, title_part: str) -> dict:
    """The chart whose title contains ``title_part`` (the newest, while one is replaced)."""
    found = [c for c in charts_on_page(page) if title_part in c["title"]]
    assert found, [c["title"] for c in charts_on_page(page)]
    return found[-1]


def point(found: dict, item: str, role: str = "estimate") -> tuple[float, float, float]:
    """(value, interval low, interval high) of ``item`` on the chart (interval NaN if none)."""
    for trace in found["traces"]:
        if trace["role"] == role and item in trace["items"]:
            i = trace["items"].index(item)
            x = trace["x"][i]
            if trace["plus"]:
                return x, x - trace["minus"][i], x + trace["plus"][i]
            return x, np.nan, np.nan
    raise AssertionError(f"{item} not drawn as {role}")


def wait_for_title(page, words: str) -> None:
    page.wait_for_function(
        "(words) => Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".some(p => p.layout.title.text.includes(words))",
        arg=words,
    )


def share(t: pd.DataFrame, item: str) -> float:
    return float(t[item].astype("float64").mean())  # 0/1 item, mean over those who answered


def cluster_interval(y, x, school):
    """Our 95% interval (pp) of the coefficient of ``x`` from statsmodels cluster OLS.

    statsmodels' CR1 variance is ours times (N-1)/(N-K) (tests/test_stats.py).
    """
    d = pd.DataFrame({"y": y, "x": x, "school": school}).dropna()
    fit = sm.OLS(d["y"], sm.add_constant(d[["x"]])).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(d["school"])[0]}
    )
    n, g = len(d), d["school"].nunique()
    se = fit.bse["x"] / np.sqrt((n - 1) / (n - 2))
    half = dist.t.ppf(0.975, g - 1) * se
    return 100 * fit.params["x"], 100 * (fit.params["x"] - half), 100 * (fit.params["x"] + half)


def test_gender_gaps_charts_show_the_samples_gaps(page, voila, sample_table):
    open_dashboard(page, voila, GAPS)
    wait_for_charts(page, 3)
    assert_no_code_or_traceback(page)
    text = page.inner_text("body")
    assert "per block" in text and "Benjamini-Hochberg" in text
    gaps = chart(page, "Gender gap (boys − girls): STEM careers considered, wave 1 (2008), year 7")
    cell = sample_table[
        (sample_table["wave"] == 1)
        & (sample_table["year_group"] == 7)
        & sample_table["gender"].isin(["boy", "girl"])
    ]
    boys, girls = cell[cell["gender"] == "boy"], cell[cell["gender"] == "girl"]
    shown, low, high = point(gaps, ENGINEERING)
    assert shown == pytest.approx(
        100 * (share(boys, ENGINEERING) - share(girls, ENGINEERING)), rel=1e-10
    )
    expected = cluster_interval(
        cell[ENGINEERING].astype("float64").to_numpy(),
        (cell["gender"] == "boy").astype(float).to_numpy(),
        cell["school_id"].astype(str).to_numpy(),
    )
    assert (shown, low, high) == pytest.approx(expected, rel=1e-9)
    # the year 7 -> year 9 chart answers the question for engineering
    years = chart(page, "year 7 and year 9: STEM careers considered, wave 1 (2008)")
    y9 = sample_table[(sample_table["wave"] == 1) & (sample_table["year_group"] == 9)]
    gap9 = share(y9[y9["gender"] == "boy"], ENGINEERING) - share(
        y9[y9["gender"] == "girl"], ENGINEERING
    )
    assert point(years, ENGINEERING, "second")[0] == pytest.approx(100 * gap9, rel=1e-10)


def test_gender_gaps_controls_redraw_the_charts(page, voila, sample_table):
    open_dashboard(page, voila, GAPS)
    wait_for_charts(page, 3)
    before = chart(page, "Gender gap (boys − girls): STEM careers")
    page.click("button:has-text('Other ethnic groups − white British')")
    wait_for_title(page, "Ethnicity gap (other ethnic groups − White British): STEM careers")
    after = chart(page, "Ethnicity gap (other ethnic groups − White British): STEM careers")
    assert after["traces"] != before["traces"]
    cell = sample_table[(sample_table["wave"] == 1) & (sample_table["year_group"] == 7)]
    other = cell[cell["ethnicity"] == "other_ethnic_group"]
    white = cell[cell["ethnicity"] == "white_british"]
    assert point(after, ENGINEERING)[0] == pytest.approx(
        100 * (share(other, ENGINEERING) - share(white, ENGINEERING)), rel=1e-10
    )
    # a block with a hidden gap: written "c" on its row, nothing drawn there
    page.click("button:has-text('Boys − girls')")
    page.select_option("select", label="Favourite subjects")
    wait_for_title(page, "Gender gap (boys − girls): Favourite subjects, wave 1 (2008), year 7")
    favourites = chart(page, "Gender gap (boys − girls): Favourite subjects, wave 1")
    hidden = [a for a in favourites["annotations"] if a["name"] == "hidden:favourite_engineering"]
    assert [a["text"] for a in hidden] == ["<b>c</b>"]
    assert all("favourite_engineering" not in t["items"] for t in favourites["traces"])
    assert page.locator(".js-plotly-plot .annotation-text", has_text="c").count() >= 1
    assert_no_code_or_traceback(page)


def test_waves_charts_show_changes_and_the_cohort(page, voila, sample_table):
    open_dashboard(page, voila, WAVES)
    wait_for_charts(page, 2)
    assert_no_code_or_traceback(page)
    change = chart(
        page,
        "Change between waves, share yes or agreeing: STEM careers considered, year 7, all schools",
    )
    y7 = sample_table[sample_table["year_group"] == 7]
    first, second = share(y7[y7["wave"] == 1], ENGINEERING), share(y7[y7["wave"] == 2], ENGINEERING)
    assert point(change, ENGINEERING, "first")[0] == pytest.approx(100 * first, rel=1e-10)
    assert point(change, ENGINEERING, "second")[0] == pytest.approx(100 * second, rel=1e-10)
    cohort = chart(page, "Cohort, year 7 in 2008 and year 9 in 2010")
    both = sample_table[
        ((sample_table["wave"] == 1) & (sample_table["year_group"] == 7))
        | ((sample_table["wave"] == 2) & (sample_table["year_group"] == 9))
    ]
    expected = cluster_interval(
        both[ENGINEERING].astype("float64").to_numpy(),
        (both["wave"] == 2).astype(float).to_numpy(),
        both["school_id"].astype(str).to_numpy(),
    )
    assert point(cohort, ENGINEERING) == pytest.approx(expected, rel=1e-9)


def test_waves_like_for_like_toggle_redraws_with_common_schools(page, voila, sample_table):
    open_dashboard(page, voila, WAVES)
    wait_for_charts(page, 2)
    before = chart(page, "Change between waves")
    page.click("button:has-text('Only the 19 schools surveyed in both waves')")
    wait_for_title(page, "year 7, only the 19 schools surveyed in both waves")
    wait_for_title(page, "year 9 in 2010: STEM careers considered, only the 19 schools")
    after = chart(page, "Change between waves")
    assert after["traces"] != before["traces"]
    y7 = sample_table[(sample_table["year_group"] == 7) & sample_table[ENGINEERING].notna()]
    common = set(y7.loc[y7["wave"] == 1, "school_id"]) & set(y7.loc[y7["wave"] == 2, "school_id"])
    kept = y7[y7["school_id"].isin(common)]
    assert point(after, ENGINEERING, "first")[0] == pytest.approx(
        100 * share(kept[kept["wave"] == 1], ENGINEERING), rel=1e-10
    )
    page.click("button:has-text('Year 9')")
    wait_for_title(page, "year 9, only the 19 schools")
    assert_no_code_or_traceback(page)
