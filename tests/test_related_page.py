"""dashboards.related: one item's share by another item's answer, with the filters,
marked like every research page; figures checked with plain pandas."""

from __future__ import annotations

import html

import numpy as np
import pytest

from analysis import disclosure
from analysis import related as relate
from dashboards import data, home, related, results


@pytest.fixture(scope="module")
def sample():
    return data.survey(data.DataSource(data.SAMPLE_FILES, None, True))


def plain_shares(table, item, by_item, where):
    """Share answering yes (or agreeing: 3 or 4) to ``item`` by ``by_item``'s answer,
    among the pupils ``where`` chooses who answered both: plain pandas."""
    pupils = table
    for column, value in where.items():
        pupils = pupils[pupils[column].astype(object) == value]
    pupils = pupils[pupils[item].notna() & pupils[by_item].notna()]
    yes = pupils[item].astype(float)
    if yes.max() > 1:  # an agreement item
        yes = (yes >= 3).astype(float)
    return yes.groupby(pupils[by_item].astype(float)).agg(["size", "sum", "mean"])


def test_the_first_pair_is_enjoys_science_by_considers_a_science_career(sample):
    page = related.Related(results.LiveResults(sample))
    assert (page.item.value, page.by_item.value) == related.FIRST_PAIR
    expected = plain_shares(sample.table, *related.FIRST_PAIR, {})
    got = page.rows.set_index(page.rows[relate.ANSWER].astype(float))
    assert got["n"].tolist() == expected["size"].tolist()
    np.testing.assert_allclose(got["share"], expected["mean"], rtol=1e-12)
    assert got["label"].tolist() == ["Strongly disagree", "Disagree", "Agree", "Strongly agree"]
    assert "Rao-Scott corrected chi-square" in page.test.value
    assert "Data table" in page.text.value and "Strongly agree" in page.text.value


def test_filters_and_any_pair_redraw_from_the_chosen_pupils(sample):
    page = related.Related(results.LiveResults(sample))
    page.item.value, page.by_item.value = "enjoy_maths", "easy_maths"
    page.filters.set(wave=2, gender="girl")
    expected = plain_shares(
        sample.table, "enjoy_maths", "easy_maths", {"wave": 2, "gender": "girl"}
    )
    got = page.rows.set_index(page.rows[relate.ANSWER].astype(float))
    np.testing.assert_allclose(got["share"], expected["mean"], rtol=1e-12)
    table = page.downloads.table
    assert set(table["gender"]) == {"girl"} and set(table["wave"]) == {2}
    assert set(table["share_of"]) == {"enjoy_maths"} and set(table["by_item"]) == {"easy_maths"}
    assert table["rao_scott_p"].notna().all()
    assert "related_enjoy_maths_by_easy_maths.csv" in page.downloads.widget.value


def test_flagged_figures_are_marks_not_numbers_and_the_test_is_withheld(sample):
    rules = disclosure.DisclosureRules(min_count=900)  # most answers' cells are now "c"
    page = related.Related(results.LiveResults(sample, rules))
    expected = plain_shares(sample.table, *related.FIRST_PAIR, {})
    small = (
        (expected["size"] < 900)
        | (expected["sum"] < 900)
        | (expected["size"] - expected["sum"] < 900)
    ).to_numpy()
    assert small.any() and not small.all()
    rows = page.rows
    assert (rows["suppressed"].to_numpy() == np.where(small, "c", "")).all()
    assert rows.loc[small, ["share", "count", "ci_low", "ci_high"]].isna().all().all()
    assert "hidden (c)" in page.text.value
    assert "test of a difference is not given" in html.unescape(page.test.value)
    assert page.downloads.table["rao_scott_p"].isna().all()
    for value in expected.loc[small, "mean"]:
        assert f"{100 * value:.1f}" not in page.text.value


def test_the_same_item_twice_is_not_related(sample):
    page = related.Related(results.LiveResults(sample))
    page.by_item.value = page.item.value = "enjoy_science"
    assert "Choose two different items" in page.test.value


def test_the_home_page_links_it():
    assert "related.ipynb" in [d[0] for d in home.DASHBOARDS]
