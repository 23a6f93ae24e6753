"""analysis.figures: the figure shows the shares it is given, and says its base."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import figures, measures, schema

FAVOURITES = schema.block("favourite").columns


@pytest.fixture
def table() -> pd.DataFrame:
    """Ten pupils: wave 1 has years 7 and 9, wave 2 year 7 only in part; one missing answer."""
    t = pd.DataFrame({
        "wave":       [1, 1, 1, 1, 1, 1, 2, 2, 2, 2],
        "year_group": [7, 7, 7, 9, 9, 9, 7, 7, 9, 9],
        "favourite_maths": [1, 0, 1, 0, 0, 1, 1, 1, 0, np.nan],
        "favourite_art":   [0, 0, 0, 1, 1, 1, 0, 1, 1, 1],
        "favourite_pe":    [1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
    })
    return t.astype({c: "Int8" for c in t.columns})


def plain_shares(table: pd.DataFrame) -> dict[tuple[int, int, str], float]:
    """Independent reference: the mean of a 0/1 column over pupils who answered."""
    out = {}
    for (wave, year), part in table.groupby(["wave", "year_group"]):
        for column in ("favourite_maths", "favourite_art", "favourite_pe"):
            out[(wave, year, schema.item(column).label)] = part[column].astype(float).mean()
    return out


def test_bars_show_the_shares(table):
    fig = figures.favourite_subjects(measures.shares(table, FAVOURITES, by=["wave", "year_group"]))
    expected = plain_shares(table)
    shown = {(t.meta["wave"], t.meta["year_group"], label): x
             for t in fig.data for label, x in zip(t.y, t.x)}
    assert shown.keys() == expected.keys()
    for key, share in expected.items():
        assert shown[key] == pytest.approx(share, rel=1e-12), key
    # by hand: wave 2, year 9 maths is 0 ticked of 1 answer (one missing)
    assert shown[(2, 9, "Maths")] == 0.0
    assert shown[(1, 7, "Maths")] == pytest.approx(2 / 3)


def test_customdata_holds_base_and_count(table):
    fig = figures.favourite_subjects(measures.shares(table, FAVOURITES, by=["wave", "year_group"]))
    wave2_year9 = next(t for t in fig.data if t.meta == {"wave": 2, "year_group": 9})
    by_label = dict(zip(wave2_year9.y, wave2_year9.customdata))
    assert list(by_label["Maths"]) == [1.0, 0.0]  # n=1 answered, 0 ticked
    assert list(by_label["Art"]) == [2.0, 2.0]


def test_panel_titles_state_the_base(table):
    fig = figures.favourite_subjects(measures.shares(table, FAVOURITES, by=["wave", "year_group"]))
    titles = [a.text for a in fig.layout.annotations]
    assert "Wave 1 (2008)" in titles[0] and "Year 7 n=3, Year 9 n=3" in titles[0]
    # wave 2 year 9: 2 pupils, one did not answer maths, so the base is 1 to 2
    assert "Wave 2 (2010)" in titles[1] and "Year 7 n=2, Year 9 n=1–2" in titles[1]


def test_title_says_who_and_what(table):
    result = measures.shares(table, FAVOURITES, by=["wave", "year_group"])
    assert "all pupils" in figures.favourite_subjects(result).layout.title.text
    fig = figures.favourite_subjects(result, who="Girls")
    assert "girls" in fig.layout.title.text
    assert "year 7 and year 9" in fig.layout.title.text
    assert "up to 3" in fig.layout.title.subtitle.text


def test_subjects_ranked_by_pooled_share(table):
    result = measures.shares(table, FAVOURITES, by=["wave", "year_group"])
    # pooled by hand: art 6/10, maths 5/9, pe 4/10
    assert figures.rank_items(result) == ["favourite_art", "favourite_maths", "favourite_pe"]
    fig = figures.favourite_subjects(result)
    assert list(fig.layout.yaxis.categoryarray) == ["Art", "Maths", "PE"]
    assert fig.layout.yaxis.autorange == "reversed"  # most chosen at the top


def test_year_groups_keep_their_okabe_ito_colours(table):
    fig = figures.favourite_subjects(measures.shares(table, FAVOURITES, by=["wave", "year_group"]))
    colours = {t.meta["year_group"]: t.marker.color for t in fig.data}
    assert colours == {7: "#E69F00", 9: "#0072B2"}
    assert set(colours.values()) <= set(figures.OKABE_ITO.values())
    # one legend entry per year group, not per panel
    assert sorted(t.name for t in fig.data if t.showlegend) == ["Year 7", "Year 9"]


def test_one_panel_when_only_one_wave(table):
    only_wave1 = table[table["wave"] == 1]
    fig = figures.favourite_subjects(measures.shares(only_wave1, FAVOURITES,
                                                     by=["wave", "year_group"]))
    assert len(fig.layout.annotations) == 1
    assert {t.meta["wave"] for t in fig.data} == {1}
