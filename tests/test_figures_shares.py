"""analysis.figures.shares: the share figures, read back from their traces.

The tables here are written by hand (shares, intervals and hidden cells
chosen so the expected drawing is known without running the code).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.figures import shares as charts
from analysis.figures import style


def share_rows(rows) -> pd.DataFrame:
    """A share-shaped table from (year_group, item, label, n, share, suppressed) tuples."""
    out = []
    for year, item, label, n, share, suppressed in rows:
        hidden = suppressed != ""
        out.append(
            {
                "year_group": year,
                "measure": "share",
                "block": "club",
                "item": item,
                "label": label,
                "category": "",
                "n": n,
                "n_pupils": n,
                "count": np.nan if hidden else share * n,
                "share": np.nan if hidden else share,
                "ci_low": np.nan if hidden else share - 0.05,
                "ci_high": np.nan if hidden else share + 0.04,
                "deff": np.nan if hidden else 1.5,
                "n_eff": np.nan if hidden else n / 1.5,
                "n_schools": 12,
                "suppressed": suppressed,
            }
        )
    return pd.DataFrame(out)


@pytest.fixture
def clubs() -> pd.DataFrame:
    return share_rows(
        [
            (7, "club_science", "Science club", 200, 0.10, ""),
            (7, "club_maths", "Maths club", 210, 0.30, ""),
            (7, "club_engineering", "Engineering club", 205, np.nan, "c"),
            (9, "club_science", "Science club", 190, 0.20, ""),
            (9, "club_maths", "Maths club", 180, 0.20, ""),
            (9, "club_engineering", "Engineering club", 25, np.nan, "u"),
        ]
    )


def traces(fig, kind):
    return [t for t in fig.data if (t.meta or {}).get("kind") == kind]


def test_ranked_dots_draws_each_groups_share_in_percent_ranked(clubs):
    fig = charts.ranked_dots(clubs, "year_group", title="Clubs")
    dots = traces(fig, "share")
    assert [t.meta["group"] for t in dots] == [7, 9]
    assert [t.name for t in dots] == ["Year 7", "Year 9"]
    # ranking by the mean share shown: maths (0.30+0.20)/2 = 0.25, science 0.15, engineering none
    assert list(fig.layout.yaxis.ticktext) == ["Maths club", "Science club", "Engineering club"]
    year7 = {c[0]: x for c, x in zip(dots[0].customdata, dots[0].x)}
    assert year7 == {
        "club_maths": pytest.approx(30.0),
        "club_science": pytest.approx(10.0),
        "club_engineering": None,
    }
    # the interval: 5 points below, 4 above the share
    plus = dict(zip((c[0] for c in dots[0].customdata), dots[0].error_x.array))
    minus = dict(zip((c[0] for c in dots[0].customdata), dots[0].error_x.arrayminus))
    assert plus["club_maths"] == pytest.approx(4.0) and minus["club_maths"] == pytest.approx(5.0)
    # groups sit either side of the item's row, year 7 above
    y7 = dict(zip((c[0] for c in dots[0].customdata), dots[0].y))
    y9 = dict(zip((c[0] for c in dots[1].customdata), dots[1].y))
    assert y7["club_maths"] < 0 < y9["club_maths"] < 0.5
    assert y7["club_science"] == pytest.approx(1 - charts.DODGE / 2)


def test_ranked_dots_marks_hidden_figures_instead_of_drawing_them(clubs):
    fig = charts.ranked_dots(clubs, "year_group")
    (hidden,) = traces(fig, "hidden")
    assert [t.replace("<b>", "").replace("</b>", "") for t in hidden.text] == ["c", "u"]
    row = list(fig.layout.yaxis.ticktext).index("Engineering club")
    assert list(hidden.y) == pytest.approx([row - charts.DODGE / 2, row + charts.DODGE / 2])
    assert hidden.textfont.color == (
        style.GROUP_COLOURS["year_group"][7],
        style.GROUP_COLOURS["year_group"][9],
    )
    assert "confidentiality" in hidden.hovertext[0] and "too few" in hidden.hovertext[1]
    # the symbol sits at 0, where its interval would start, never as a dot
    assert list(hidden.x) == [0.0, 0.0] and hidden.mode == "text"
    assert all(
        x is None
        for t in traces(fig, "share")
        for c, x in zip(t.customdata, t.x)
        if c[0] == "club_engineering"
    )


def test_ranked_dots_without_comparison_is_one_trace(clubs):
    one = clubs[clubs["year_group"] == 9].drop(columns="year_group")
    fig = charts.ranked_dots(one, None)
    (dots,) = traces(fig, "share")
    assert dots.meta["group"] is None and dots.marker.color == style.SINGLE_COLOUR
    # ties keep the table's order: science 0.20 then maths 0.20
    assert list(fig.layout.yaxis.ticktext)[:2] == ["Science club", "Maths club"]


def distribution_rows() -> pd.DataFrame:
    """Enjoyment of maths and science, year 7 and 9: shares of answers 1-4."""
    shares = {
        (7, "enjoy_maths"): [0.1, 0.2, 0.4, 0.3],
        (9, "enjoy_maths"): [0.2, 0.3, 0.3, 0.2],
        (7, "enjoy_science"): [0.05, 0.15, 0.5, 0.3],
        (9, "enjoy_science"): [np.nan, 0.25, 0.45, 0.25],
    }
    out = []
    for (year, item), values in shares.items():
        for code, share in enumerate(values, start=1):
            hidden = np.isnan(share)
            out.append(
                {
                    "year_group": year,
                    "measure": "distribution",
                    "block": "enjoy",
                    "item": item,
                    "label": "Maths" if "maths" in item else "Science",
                    "category": str(code),
                    "n": 300,
                    "n_pupils": 300,
                    "share": share,
                    "ci_low": share - 0.02,
                    "ci_high": share + 0.02,
                    "deff": 2.0,
                    "n_eff": 150,
                    "n_schools": 20,
                    "suppressed": "c" if hidden else "",
                }
            )
    return pd.DataFrame(out)


def test_diverging_bars_put_disagreeing_left_and_agreeing_right():
    fig = charts.diverging_bars(distribution_rows(), "year_group")
    bars = traces(fig, "distribution")
    # stacking order outwards from 0: disagree, strongly disagree; agree, strongly agree
    assert [t.meta["category"] for t in bars] == ["2", "1", "3", "4"]
    assert fig.layout.barmode == "relative"
    # science agrees more (mean of 0.8 and 0.7) than maths (0.7, 0.5): ranked first
    assert fig.layout.yaxis.ticktext[0].startswith("<b>Science</b>")
    by = {t.meta["category"]: {(c[10], c[0]): x for c, x in zip(t.customdata, t.x)} for t in bars}
    assert by["1"][("Year 7", "enjoy_maths")] == pytest.approx(-10.0)
    assert by["2"][("Year 9", "enjoy_maths")] == pytest.approx(-30.0)
    assert by["4"][("Year 9", "enjoy_maths")] == pytest.approx(20.0)
    # one answer hidden alone: its place would be its own number, so the row is withheld
    assert all(by[c][("Year 9", "enjoy_science")] is None for c in "1234")
    (hidden,) = traces(fig, "hidden")
    assert [t.replace("<b>", "").replace("</b>", "")[:1] for t in hidden.text] == ["c"]
    assert "Strongly disagree" in hidden.hovertext[0] and list(hidden.x) == [0.0]
    assert hidden.y[0] == pytest.approx(0 + charts.DODGE / 2)  # science is row 0, year 9 below


def four_answers(shares: dict) -> pd.DataFrame:
    """Distribution rows of one item (enjoy_maths) by year group: ``shares`` maps a
    year group to its four answer shares, ``None`` for a hidden one (``c``)."""
    return pd.DataFrame(
        [
            {
                "year_group": year,
                "measure": "distribution",
                "block": "enjoy",
                "item": "enjoy_maths",
                "label": "Maths",
                "category": str(code),
                "n": 200,
                "n_pupils": 200,
                "share": np.nan if share is None else share,
                "ci_low": np.nan if share is None else share - 0.02,
                "ci_high": np.nan if share is None else share + 0.02,
                "deff": 1.5,
                "n_eff": 133,
                "n_schools": 8,
                "suppressed": "c" if share is None else "",
            }
            for year, values in shares.items()
            for code, share in enumerate(values, start=1)
        ]
    )


def drawn_segments(fig) -> dict:
    """(group label, code) -> drawn x of every answer bar; hidden parts apart."""
    return {
        (c[10], t.meta["category"]): x
        for t in traces(fig, "distribution")
        for c, x in zip(t.customdata, t.x)
    }


def test_diverging_bars_draw_hidden_answers_as_a_marked_part_in_their_own_place():
    """Year 7: both disagreeing answers hidden (they leave 100 - 45 - 30 = 25%);
    year 9: both agreeing answers hidden (100 - 10 - 50 = 40%)."""
    fig = charts.diverging_bars(
        four_answers({7: [None, None, 0.45, 0.30], 9: [0.10, 0.50, None, None]}), "year_group"
    )
    drawn = drawn_segments(fig)
    # no hidden answer is drawn as a value
    assert drawn[("Year 7", "1")] is None and drawn[("Year 7", "2")] is None
    assert drawn[("Year 9", "3")] is None and drawn[("Year 9", "4")] is None
    assert drawn[("Year 7", "3")] == pytest.approx(45.0)
    assert drawn[("Year 9", "2")] == pytest.approx(-50.0)
    parts = [t for t in fig.data if t.type == "bar" and t.meta["kind"] == "hidden"]
    # the hidden part takes the place of the hidden answer nearest 0, stacked in trace
    # order: left of 0 where "disagree" (2) would be, right of 0 where "agree" (3) would be
    order = [(t.meta["kind"], t.meta["category"]) for t in fig.data if t.type == "bar"]
    assert order == [
        ("distribution", "2"),
        ("hidden", "2"),
        ("distribution", "1"),
        ("distribution", "3"),
        ("hidden", "3"),
        ("distribution", "4"),
    ]
    left, right = parts
    assert list(left.x) == [pytest.approx(-25.0)] and list(right.x) == [pytest.approx(40.0)]
    year7, year9 = -charts.DODGE / 2, charts.DODGE / 2
    assert list(left.y) == [pytest.approx(year7)] and list(right.y) == [pytest.approx(year9)]
    assert list(left.text) == ["<b>c</b>"] and list(right.text) == ["<b>c</b>"]
    assert left.marker.pattern.shape == "/"  # hatched, not an answer's colour
    assert left.marker.color not in style.AGREEMENT_COLOURS.values()
    assert "Strongly disagree, Disagree" in left.hovertext[0]
    assert "not a figure of its own" in left.hovertext[0]
    (withheld,) = [t for t in fig.data if t.type == "scatter"]
    assert list(withheld.x) == []


def test_diverging_bars_withhold_a_row_hidden_on_both_sides_of_zero():
    """The issue's maths year 9: only "disagree" shown (65%); the other three hidden
    lie on both sides of 0, so no drawn part could stand in its true place."""
    fig = charts.diverging_bars(
        four_answers({7: [0.10, 0.20, 0.40, 0.30], 9: [None, 0.65, None, None]}), "year_group"
    )
    drawn = drawn_segments(fig)
    assert all(drawn[("Year 9", c)] is None for c in "1234")  # the 65% is not drawn alone
    assert drawn[("Year 7", "1")] == pytest.approx(-10.0)
    assert not [t for t in fig.data if t.type == "bar" and t.meta["kind"] == "hidden"]
    (withheld,) = traces(fig, "hidden")
    assert list(withheld.x) == [0.0] and list(withheld.y) == [pytest.approx(charts.DODGE / 2)]
    assert withheld.text[0].startswith("<b>c</b>") and "not drawn" in withheld.text[0]
    assert "Strongly disagree, Agree, Strongly agree" in withheld.hovertext[0]


def test_aim_bars_keep_the_questionnaires_order_and_mark_hidden_answers():
    answers = {"gcses": 0.1, "a_levels": 0.5, "degree": 0.3, "dont_know": np.nan}
    rows = pd.DataFrame(
        [
            {
                "ethnicity": "white_british",
                "measure": "aim",
                "block": "aim",
                "item": "qualification_aim",
                "label": "Qualification aim",
                "category": code,
                "category_label": code,
                "n": 100,
                "n_pupils": 100,
                "share": share,
                "ci_low": share - 0.1,
                "ci_high": share + 0.1,
                "deff": 1.0,
                "n_eff": 100,
                "n_schools": 5,
                "suppressed": "c" if np.isnan(share) else "",
            }
            for code, share in answers.items()
        ]
    )
    fig = charts.aim_bars(rows, "ethnicity")
    (bars,) = traces(fig, "aim")
    assert list(fig.layout.yaxis.ticktext) == ["GCSEs", "A-levels", "Degree", "Don't know"]
    assert list(bars.x) == [pytest.approx(10.0), pytest.approx(50.0), pytest.approx(30.0), None]
    assert bars.meta["group"] == "white_british"
    (hidden,) = traces(fig, "hidden")
    # "Don't know" hidden: its symbol at 0 in its own bar's slot, and no bar drawn
    assert list(hidden.y) == [3] and list(hidden.x) == [0.0]
    assert list(hidden.text) == ["<b>c</b>"] and hidden.textposition == "middle right"


def test_base_text_states_each_groups_pupils_and_schools(clubs):
    assert charts.base_text(clubs, "year_group") == (
        "Year 7: n = 200–210 pupils in 12 schools; Year 9: n = 25–190 pupils in 12 schools"
    )
    one = clubs[clubs["year_group"] == 7].assign(n_pupils=150).drop(columns="year_group")
    assert charts.base_text(one) == "n = 150 pupils in 12 schools"


def test_groups_keep_their_colours_and_the_small_gender_group_is_left_out():
    assert style.GROUP_COLOURS["year_group"] == style.YEAR_GROUP_COLOURS
    years, waves = style.GROUP_COLOURS["year_group"], style.GROUP_COLOURS["wave"]
    assert not set(years.values()) & set(waves.values())
    table = pd.DataFrame({"gender": ["boy", "other", "girl"]})
    assert style.group_levels(table, "gender") == [("girl", "Girls"), ("boy", "Boys")]


def test_one_okabe_ito_palette_for_shares_and_comparisons():
    """Every group colour is one of Okabe & Ito's (2008) eight, as published (or
    black/grey), in the one palette of analysis.figures.style."""

    published = {
        "#E69F00",
        "#56B4E9",
        "#009E73",
        "#F0E442",
        "#0072B2",
        "#D55E00",
        "#CC79A7",
        "#000000",
    }
    for column, colours in style.GROUP_COLOURS.items():
        for value, colour in colours.items():
            assert colour.upper() in published or (column, value) == ("gender", "other")
    assert style.WAVE_COLOURS == style.GROUP_COLOURS["wave"] == {1: "#56B4E9", 2: "#D55E00"}
    assert (
        style.YEAR_GROUP_COLOURS
        == style.GROUP_COLOURS["year_group"]
        == {7: "#E69F00", 9: "#0072B2"}
    )
    assert set(style.AGREEMENT_COLOURS.values()) <= published
