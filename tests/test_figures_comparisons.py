"""analysis.figures.comparisons: each figure draws the rows it is given, sorted,
marks significance and hidden rows, and says its base.

The tables are written by hand here (never taken from the code's own output),
in the comparison shape of analysis.measures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import measures
from analysis.figures import comparisons as charts
from analysis.figures import style


def comparison(rows: list[dict]) -> pd.DataFrame:
    """Comparison-shaped rows: unset columns get plain defaults."""
    base = {
        "measure": "gender_gap",
        "schools": "all",
        "block": "consider",
        "compared": "",
        "se_pp": 1.0,
        "t": 1.0,
        "df": 26.0,
        "p_value": 0.5,
        "q_value": 0.5,
        "significant_fdr": False,
        "fdr_family": "Benjamini-Hochberg at 0.05 over the 16 gender_gap tests of block 'consider'",
        "n_schools": 27,
        "low_base": False,
        "suppressed": "",
    }
    table = pd.DataFrame([{**base, **r} for r in rows])
    return table[list(measures.COMPARISON_COLUMNS)]


def row(item, label, first, second, ci, significant=False, n=(100.0, 90.0), **more):
    """One gap: shares ``first``/``second`` (proportions), interval ``ci`` in pp."""
    return {
        "item": item,
        "label": label,
        "share_first": first,
        "share_second": second,
        "n_first": n[0],
        "n_second": n[1],
        "estimate_pp": 100 * (first - second),
        "ci_low_pp": ci[0],
        "ci_high_pp": ci[1],
        "significant_fdr": significant,
        **more,
    }


@pytest.fixture
def gaps() -> pd.DataFrame:
    # gaps: science 5 pp, engineering 20 pp (significant), maths -3 pp; technology hidden
    return comparison(
        [
            row("consider_science", "Science", 0.60, 0.55, (-1.0, 11.0)),
            row(
                "consider_technology",
                "Technology",
                np.nan,
                np.nan,
                (np.nan, np.nan),
                suppressed="c",
                n=(8.0, 90.0),
            ),
            row(
                "consider_engineering",
                "Engineering",
                0.50,
                0.30,
                (15.0, 25.0),
                significant=True,
                n=(120.0, 95.0),
            ),
            row("consider_maths", "Maths", 0.52, 0.55, (-8.0, 2.0)),
        ]
    )


def points(fig, role="estimate", **meta):
    """{item: (x, y label, trace)} of the drawn points of the traces with ``role``."""
    out = {}
    for trace in fig.data:
        if trace.meta["role"] != role or any(trace.meta.get(k) != v for k, v in meta.items()):
            continue
        for x, y, custom in zip(trace.x, trace.y, trace.customdata or ()):
            if x is not None and np.isfinite(x):  # None and NaN are not drawn
                out[custom[0]] = (x, y, trace)
    return out


def test_gap_dots_draw_each_gap_with_its_interval(gaps):
    fig = charts.gap_dots(gaps, title="Gender gap")
    drawn = points(fig)
    assert set(drawn) == {"consider_science", "consider_engineering", "consider_maths"}
    # by hand: 100 * (0.60 - 0.55) = 5, 100 * (0.50 - 0.30) = 20, 100 * (0.52 - 0.55) = -3
    assert drawn["consider_science"][0] == pytest.approx(5.0)
    assert drawn["consider_engineering"][0] == pytest.approx(20.0)
    assert drawn["consider_maths"][0] == pytest.approx(-3.0)
    trace = drawn["consider_engineering"][2]
    i = list(trace.y).index("Engineering")
    # interval 15 to 25 around 20: 5 up, 5 down
    assert trace.error_x.array[i] == pytest.approx(5.0)
    assert trace.error_x.arrayminus[i] == pytest.approx(5.0)
    trace = drawn["consider_science"][2]
    i = list(trace.y).index("Science")
    assert (trace.error_x.arrayminus[i], trace.error_x.array[i]) == pytest.approx((6.0, 6.0))


def test_gap_dots_are_sorted_largest_first_hidden_last(gaps):
    fig = charts.gap_dots(gaps)
    assert list(fig.layout.yaxis.categoryarray) == ["Engineering", "Science", "Maths", "Technology"]
    assert fig.layout.yaxis.autorange == "reversed"  # first category at the top


def test_significant_gaps_are_filled_the_others_hollow(gaps):
    fig = charts.gap_dots(gaps)
    filled = points(fig, significant=True)
    hollow = points(fig, significant=False)
    assert set(filled) == {"consider_engineering"}
    assert set(hollow) == {"consider_science", "consider_maths"}
    assert filled["consider_engineering"][2].marker.symbol == "circle"
    assert hollow["consider_maths"][2].marker.symbol == "circle-open"
    names = {t.name for t in fig.data}
    assert any("Filled" in n and "significant" in n for n in names)
    assert any("Hollow" in n and "not significant" in n for n in names)


def test_both_legend_entries_stay_when_nothing_is_significant(gaps):
    fig = charts.gap_dots(gaps.assign(significant_fdr=False))
    assert len(fig.data) == 2
    filled = next(t for t in fig.data if t.meta["significant"])
    assert list(filled.x) == [None] and filled.showlegend  # a legend key, no point drawn


def test_a_hidden_gap_is_marked_not_drawn(gaps):
    fig = charts.gap_dots(gaps)
    assert "consider_technology" not in points(fig)
    assert all("Technology" not in [y for x, y in zip(t.x, t.y) if x is not None] for t in fig.data)
    notes = [a for a in fig.layout.annotations if a.name == "hidden:consider_technology"]
    assert len(notes) == 1
    assert notes[0].text == "<b>c</b>" and notes[0].y == "Technology" and notes[0].x == 0
    assert "confidentiality" in notes[0].hovertext


def test_a_row_without_an_estimate_is_marked_with_a_dash(gaps):
    empty = gaps.copy()
    empty.loc[0, ["estimate_pp", "ci_low_pp", "ci_high_pp"]] = np.nan
    fig = charts.gap_dots(empty)
    assert "consider_science" not in points(fig)
    assert [a.text for a in fig.layout.annotations if a.name == "hidden:consider_science"] == [
        f"<b>{charts.NO_FIGURE}</b>"
    ]


def test_gap_dots_have_a_zero_line_and_say_their_base(gaps):
    fig = charts.gap_dots(gaps, title="Gender gap (boys − girls): careers")
    zero = [s for s in fig.layout.shapes if s.name == "zero"]
    assert len(zero) == 1 and zero[0].x0 == zero[0].x1 == 0 and zero[0].xref == "x"
    assert fig.layout.title.text == "Gender gap (boys − girls): careers"
    # boys n 8-120 (8 shown: a base under 10 would be NaN in real tables), girls 90-95
    assert fig.layout.title.subtitle.text == "Boys n = 8–120, girls n = 90–95 · 27 schools in all"
    low, high = fig.layout.xaxis.range
    assert low < -8 and high > 25  # every interval and zero in view


@pytest.mark.parametrize(
    "measure, schools, spans",
    [
        ("gender_gap", "all", False),
        ("change_waves", "all", True),
        ("cohort", "all", True),
        ("gender_gap_change_waves", "all", True),
        ("change_waves", "common", False),
        ("gender_gap_change_years", "all", False),
    ],
)
def test_base_text_says_when_the_school_count_is_of_both_waves(gaps, measure, schools, spans):
    rows = gaps.assign(measure=measure, schools=schools)
    words = charts.base_text(rows, "Wave 1", "Wave 2")
    # nothing is claimed about the waves' schools without being told
    assert words.endswith("27 schools in all (both waves together)") is spans
    assert words.endswith("27 schools in all") is not spans
    for in_both in ("all in both waves", "19 of them in both waves"):
        told = charts.base_text(rows, "Wave 1", "Wave 2", in_both)
        assert told.endswith(f"27 schools in all, {in_both}") is spans


def test_labels_carry_the_block_when_there_are_several(gaps):
    other = gaps.iloc[[0]].assign(block="enjoy", item="enjoy_science", label="Science")
    fig = charts.gap_dots(pd.concat([gaps, other], ignore_index=True))
    labels = list(fig.layout.yaxis.categoryarray)
    assert "STEM careers considered: Science" in labels and "Enjoyment: Science" in labels


def test_an_empty_table_says_so():
    fig = charts.gap_dots(comparison([row("consider_maths", "Maths", 0.5, 0.5, (0, 0))]).iloc[:0])
    assert [a.text for a in fig.layout.annotations] == ["No figures for this choice."]


@pytest.fixture
def gap_change() -> pd.DataFrame:
    """A gap at year 7 and year 9 (share_first/second hold the gaps as proportions)."""
    return comparison(
        [
            row(
                "consider_engineering",
                "Engineering",
                0.20,
                0.26,
                (1.0, 11.0),
                significant=True,
                estimate_pp=6.0,
                measure="gender_gap_change_years",
            ),
            row(
                "consider_maths",
                "Maths",
                0.02,
                0.01,
                (-6.0, 4.0),
                estimate_pp=-1.0,
                measure="gender_gap_change_years",
            ),
            row(
                "consider_science",
                "Science",
                np.nan,
                np.nan,
                (np.nan, np.nan),
                estimate_pp=np.nan,
                suppressed="u",
                measure="gender_gap_change_years",
            ),
        ]
    )


def test_dumbbell_draws_both_gaps_and_the_change(gap_change):
    fig = charts.gap_change_dumbbell(gap_change, across="year_group", title="t")
    first, second = points(fig, "first"), points(fig, "second")
    # the gaps in pp: 100 × 0.20 and 100 × 0.26
    assert first["consider_engineering"][0] == pytest.approx(20.0)
    assert second["consider_engineering"][0] == pytest.approx(26.0)
    assert first["consider_maths"][0] == pytest.approx(2.0)
    assert first["consider_maths"][2].name == "Gap in year 7"
    assert second["consider_maths"][2].name == "Gap in year 9"
    assert first["consider_maths"][2].marker.color == style.YEAR_GROUP_COLOURS[7]
    assert second["consider_maths"][2].marker.color == style.YEAR_GROUP_COLOURS[9]
    change = points(fig)
    assert change["consider_engineering"][0] == pytest.approx(6.0)
    assert change["consider_engineering"][2].marker.symbol == "circle"
    assert change["consider_maths"][2].marker.symbol == "circle-open"
    assert change["consider_engineering"][2].xaxis == "x2"
    join = next(t for t in fig.data if t.meta["role"] == "join")
    assert [None if x is None else round(x, 9) for x in join.x] == [20, 26, None, 2, 1, None]
    assert list(fig.layout.yaxis.categoryarray) == ["Engineering", "Maths", "Science"]
    # zero lines on both panels (gaps can be negative)
    assert {s.xref for s in fig.layout.shapes if s.name == "zero"} == {"x", "x2"}


def test_dumbbell_marks_a_hidden_change_in_both_panels(gap_change):
    fig = charts.gap_change_dumbbell(gap_change)
    assert "consider_science" not in points(fig) | points(fig, "first") | points(fig, "second")
    notes = [a for a in fig.layout.annotations if a.name == "hidden:consider_science"]
    assert sorted(a.xref for a in notes) == ["x", "x2"]
    assert {a.text for a in notes} == {"<b>u</b>"}


def test_dumbbell_across_waves_uses_the_wave_colours(gap_change):
    fig = charts.gap_change_dumbbell(gap_change, across="wave")
    first = points(fig, "first")["consider_maths"][2]
    assert first.marker.color == style.WAVE_COLOURS[1]
    assert first.name == "Gap in wave 1 (2008)"
    assert "2010 − 2008" in fig.layout.xaxis2.title.text


def test_change_dots_show_both_shares_in_percent():
    table = comparison(
        [
            row(
                "enjoy_maths",
                "Maths",
                0.70,
                0.60,
                (-14.0, -6.0),
                significant=True,
                estimate_pp=-10.0,
                measure="cohort",
                n=(2000.0, 1100.0),
            ),
            row("enjoy_art", "Art", 0.50, 0.52, (-2.0, 6.0), estimate_pp=2.0, measure="cohort"),
        ]
    )
    fig = charts.change_dots(
        table,
        first="Year 7 in 2008",
        second="Year 9 in 2010",
        first_colour="#E69F00",
        second_colour="#0072B2",
    )
    assert points(fig, "first")["enjoy_maths"][0] == pytest.approx(70.0)
    assert points(fig, "second")["enjoy_maths"][0] == pytest.approx(60.0)
    assert points(fig)["enjoy_maths"][0] == pytest.approx(-10.0)
    assert list(fig.layout.yaxis.categoryarray) == ["Art", "Maths"]  # +2 above -10
    assert fig.layout.xaxis.range[0] == 0  # shares start at 0
    assert [s.xref for s in fig.layout.shapes if s.name == "zero"] == ["x2"]
    assert "Year 7 in 2008 n = 100–2,000" in fig.layout.title.subtitle.text


def test_without_the_two_figures_the_change_is_drawn_and_the_left_panel_says_why(gap_change):
    # a publication bundle publishes the change of a gap but not the gaps or bases
    published = gap_change.assign(
        share_first=np.nan, share_second=np.nan, n_first=np.nan, n_second=np.nan
    )
    fig = charts.gap_change_dumbbell(published)
    assert points(fig)["consider_engineering"][0] == pytest.approx(6.0)
    assert points(fig, "first") == {} and points(fig, "second") == {}
    assert [a.text for a in fig.layout.annotations if a.name == "unpublished"] == [
        charts.UNPUBLISHED_PARTS
    ]
    assert "n not published" in fig.layout.title.subtitle.text
    # and no legend entry for the markers that are not drawn
    assert [t.showlegend for t in fig.data if t.meta["role"] in ("first", "second")] == [
        False,
        False,
    ]
    assert all(
        t.showlegend is not False
        for t in charts.gap_change_dumbbell(gap_change).data
        if t.meta["role"] in ("first", "second")
    )
    # with the figures there, no such note
    assert not [
        a
        for a in charts.gap_change_dumbbell(gap_change).layout.annotations
        if a.name == "unpublished"
    ]
