"""The Waves page's linked pupils: the table shows analysis.linked's protected
figures for the chosen block, hidden cells as c, and says how many pupils linked."""

import re

import pytest

from dashboards import waves
from dashboards.results import LiveResults
from analysis.load import load_survey
from analysis.synthetic import SAMPLE_DIR, WAVE_FILES


@pytest.fixture(scope="module")
def page():
    survey = load_survey([SAMPLE_DIR / f for f in WAVE_FILES.values()])
    return waves.Waves(LiveResults(survey)), survey


def cells(html):
    rows = re.findall(r"<tr>(.*?)</tr>", html)
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r) for r in rows]


def test_linked_table_for_the_chosen_block(page):
    dashboard, survey = page
    dashboard.block.value = "favourite"
    body = dashboard.linked.body.value
    assert "562 pupils link" in body and "did not link" in body
    assert '<th scope="col">Gained</th>' in body and "<caption>" in body
    rows = cells(body)
    header, rows = rows[0], rows[1:]
    by_item = {r[0]: dict(zip(header, r)) for r in rows}
    t = survey.table
    y7 = t[(t.wave == 1) & (t.year_group == 7)][["pupil_id", "favourite_art"]]
    y9 = t[(t.wave == 2) & (t.year_group == 9)][["pupil_id", "favourite_art"]]
    both = y7.merge(y9, on="pupil_id").dropna()
    gained = int(((both.favourite_art_x == 0) & (both.favourite_art_y == 1)).sum())
    assert by_item["Art"]["Gained"] == f"{gained:,}"
    assert by_item["Engineering"]["Gained"] == "c"  # hidden, never a number
    download = dashboard.linked.table.set_index("item")  # what the links download
    assert download.loc["favourite_art", "gained"] == gained
    assert set(dashboard.linked.table["block"]) == {"favourite"}


def test_every_block_asks_for_one_and_a_bundle_has_none(page):
    dashboard, _ = page
    dashboard.block.value = waves.ALL_BLOCKS
    assert "Choose a block" in dashboard.linked.body.value

    class Published:
        rules = dashboard.results.rules

    panel = waves.LinkedPanel(Published())
    assert "publication bundle holds no pupil rows" in panel.body.value
