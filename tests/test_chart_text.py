"""dashboards.chart_text: every chart's summary and data table say the numbers the
chart draws, hidden figures as hidden, on the servers' pages and the static site.

The table is read back from its HTML (a plain parser, below) and compared with
the figure's own traces and with the result table, and on a small hand-written
table with numbers worked out by hand.
"""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from dashboards import chart_text, data, gender_gaps, my_school, results, subjects, waves


class Tables(HTMLParser):
    """Every ``<table>`` of an HTML text: its caption and rows of (tag, text) cells;
    and the text of every ``<p>``."""

    def __init__(self, text: str):
        super().__init__()
        self.tables: list[dict] = []
        self.paragraphs: list[str] = []
        self._cell = self._where = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = [tag, ""]
        elif tag in ("caption", "p"):
            self._where = [tag, ""]

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell:
            self.tables[-1]["rows"][-1].append(tuple(self._cell))
            self._cell = None
        elif tag == "caption" and self._where:
            self.tables[-1]["caption"] = self._where[1]
            self._where = None
        elif tag == "p" and self._where:
            self.paragraphs.append(self._where[1])
            self._where = None

    def handle_data(self, text):
        if self._cell is not None:
            self._cell[1] += text
        elif self._where is not None:
            self._where[1] += text


def read_table(text: str, index: int = 0) -> pd.DataFrame:
    """One table of ``text`` as a frame of strings, its header row as the columns."""
    table = Tables(text).tables[index]
    head, *body = table["rows"]
    assert all(tag == "th" for tag, _ in head)
    frame = pd.DataFrame([[t for _, t in row] for row in body], columns=[t for _, t in head])
    frame.attrs["caption"] = table["caption"]
    return frame


def number(text: str) -> float | None:
    return None if text.startswith(("hidden", "no figure")) else float(text.replace(",", ""))


@pytest.fixture(scope="module")
def live():
    return results.LiveResults(data.survey(data.DataSource(data.SAMPLE_FILES, None, True)))


# ------------------------------------------------------------------ by hand


def hand_rows() -> pd.DataFrame:
    """Three items for two year groups; maths in year 9 hidden (c)."""
    return pd.DataFrame(
        {
            "year_group": [7, 7, 7, 9, 9, 9],
            "measure": "share",
            "block": "enjoy",
            "item": ["enjoy_maths", "enjoy_science", "enjoy_english"] * 2,
            "label": ["Maths", "Science", "English"] * 2,
            "n": [200, 100, 50, 40, 120, 60],
            "count": [150, 20, 25, np.nan, 60, 45],
            "share": [0.75, 0.2, 0.5, np.nan, 0.5, 0.75],
            "ci_low": [0.7, 0.13, 0.36, np.nan, 0.41, 0.63],
            "ci_high": [0.8, 0.29, 0.64, np.nan, 0.59, 0.84],
            "suppressed": ["", "", "", "c", "", ""],
        }
    )


def test_a_table_by_hand_holds_each_number_and_marks_the_hidden_one():
    text = chart_text.chart_text(hand_rows(), "Enjoyment: share agreeing, Year 7 vs Year 9")
    table = read_table(text)
    assert table.attrs["caption"] == "Enjoyment: share agreeing, Year 7 vs Year 9"
    assert list(table.columns) == [
        "Year group",
        "Item",
        "Share (%)",
        "95% interval (%)",
        "Base (pupils)",
    ]
    assert table.values.tolist() == [
        ["Year 7", "Maths", "75.0", "70.0 to 80.0", "200"],
        ["Year 7", "Science", "20.0", "13.0 to 29.0", "100"],
        ["Year 7", "English", "50.0", "36.0 to 64.0", "50"],
        ["Year 9", "Maths", "hidden (c)", "hidden (c)", "40"],
        ["Year 9", "Science", "50.0", "41.0 to 59.0", "120"],
        ["Year 9", "English", "75.0", "63.0 to 84.0", "60"],
    ]
    # the row names are header cells, the figures data cells
    rows = Tables(text).tables[0]["rows"][1:]
    assert all([tag for tag, _ in row] == ["th", "th", "td", "td", "td"] for row in rows)
    assert "<details><summary>Data table</summary><table>" in text


def test_the_summary_says_largest_smallest_and_hidden_by_hand():
    words = chart_text.summary(hand_rows(), "Enjoyment")
    assert words.startswith("Chart: Enjoyment. It shows 5 shares and 1 hidden figure.")
    # 75% twice: the first drawn is named; the smallest is science in year 7, 20%
    assert "Largest: Maths, Year 7, 75.0%." in words
    assert "Smallest: Science, Year 7, 20.0%." in words
    assert "Maths, Year 9 (c)" in words
    assert "0.0%" not in words.split("Hidden")[1]


def test_nothing_to_show_says_so():
    empty = hand_rows().iloc[:0]
    text = chart_text.chart_text(empty, "Enjoyment")
    assert "no figure" in text and "<table" not in text


@pytest.mark.parametrize(
    "measure, compared, parts",
    [
        ("gender_gap", "gender: boy − girl", ("Boys", "Girls", False)),
        (
            "ethnicity_gap",
            "ethnicity: other_ethnic_group − white_british",
            ("Other ethnic groups", "White British", False),
        ),
        ("change_waves", "wave 2 − wave 1", ("wave 1", "wave 2", False)),
        (
            "cohort",
            "year 9 in wave 2 − year 7 in wave 1",
            ("year 7 in wave 1", "year 9 in wave 2", False),
        ),
        (
            "gender_gap_change_years",
            "(boy − girl) at year_group 9 − (boy − girl) at year_group 7",
            ("year 7", "year 9", True),
        ),
    ],
)
def test_the_two_parts_of_a_comparison_are_named_in_the_order_of_the_columns(
    live, measure, compared, parts
):
    assert (
        chart_text.comparison_parts(pd.DataFrame({"measure": [measure], "compared": [compared]}))
        == parts
    )
    # and that order is the table's: the estimate is share_second - share_first for a
    # change, share_first - share_second for a gap
    rows = live.comparisons(measure, ["enjoy"]).dropna(subset=["estimate_pp"]).head(3)
    sign = 1 if measure.endswith("_gap") else -1
    assert np.allclose(
        rows["estimate_pp"], sign * 100 * (rows["share_first"] - rows["share_second"]), atol=1e-6
    )


# ------------------------------------------------------------------ pages


def assert_equal_numbers(table: pd.DataFrame, column: str, expected: dict, key) -> None:
    """Every row's ``column`` equals ``expected[key(row)]`` to the table's 1 decimal;
    a hidden one (None expected) says ``hidden (…)``."""
    assert len(table) == len(expected)
    for _, row in table.iterrows():
        want = expected[key(row)]
        got = number(row[column])
        if want is None:
            assert row[column].startswith("hidden ("), (key(row), row[column])
        else:
            assert got == pytest.approx(round(want, 1), abs=0.051), (key(row), got, want)


def test_explorer_table_is_the_charts_points_and_the_result_rows(live):
    board = subjects.make(live)
    board.topic.value = [t.label for t in board.topics].index("Enjoyment")
    board.filters.set(gender="girl")
    table = read_table(board.text.value)
    assert table.attrs["caption"].startswith("Enjoyment: share who enjoy the subject")
    # the chart's points: (group label, item label) -> x, as plotly draws them
    drawn = {}
    for trace in board.figure.data:
        if (trace.meta or {}).get("kind") == "share":
            for custom, x in zip(trace.customdata, trace.x):
                drawn[(f"Year {trace.meta['group']}", custom[1])] = (
                    None if x is None or np.isnan(x) else x
                )
    assert_equal_numbers(table, "Share (%)", drawn, lambda r: (r["Year group"], r["Item"]))
    rows = {
        (f"Year {r.year_group}", r.label): (None if np.isnan(r.share) else 100 * r.share)
        for r in board.rows.itertuples()
    }
    assert_equal_numbers(table, "Share (%)", rows, lambda r: (r["Year group"], r["Item"]))
    bases = {(f"Year {r.year_group}", r.label): r.n for r in board.rows.itertuples()}
    assert_equal_numbers(table, "Base (pupils)", bases, lambda r: (r["Year group"], r["Item"]))


def test_four_answers_table_has_every_answer_of_every_item(live):
    board = subjects.make(live)
    board.topic.value = [t.label for t in board.topics].index("Enjoyment")
    board.show_as.value = "distribution"
    table = read_table(board.text.value)
    assert "Answer" in table.columns
    rows = board.rows
    assert len(table) == len(rows) == 4 * 2 * len(rows["item"].unique())
    expected = {
        (f"Year {r.year_group}", r.label, r.category_label): (
            None if np.isnan(r.share) else 100 * r.share
        )
        for r in rows.itertuples()
    }
    assert_equal_numbers(
        table, "Share (%)", expected, lambda r: (r["Year group"], r["Item"], r["Answer"])
    )


def test_gaps_table_is_the_charts_estimates_and_marks_hidden_gaps(live):
    dashboard = gender_gaps.GenderGaps(live)
    dashboard.block.value = "favourite"
    dashboard.wave.value, dashboard.year_group.value = 1, 7
    panel = dashboard.gaps
    table = read_table(panel.text.value)
    drawn = {}
    for trace in panel.figure.data:
        if trace.meta["role"] == "estimate":
            for x, custom in zip(trace.x, trace.customdata):
                if x is not None:
                    drawn[custom[0]] = x
    rows = panel.table
    labels = dict(zip(rows["label"], rows["item"]))
    expected = {label: drawn.get(item) for label, item in labels.items()}
    assert_equal_numbers(table, "Difference (percentage points)", expected, lambda r: r["Item"])
    hidden = rows[rows["suppressed"] != ""]
    assert len(hidden)  # the sample hides at least one gap here
    for label, mark in zip(hidden["label"], hidden["suppressed"]):
        row = table[table["Item"] == label].iloc[0]
        assert row["Difference (percentage points)"] == f"hidden ({mark})"
        assert row["Share, Boys (%)"].startswith("hidden")
    words = Tables(panel.text.value).paragraphs[0]
    assert f"{hidden['label'].iloc[0]} ({hidden['suppressed'].iloc[0]})" in words


def test_waves_and_my_school_pages_have_a_table_for_their_charts(live):
    page = waves.Waves(live)
    for panel in (page.change, page.cohort):
        table = read_table(panel.text.value)
        expected = {
            r.label: (None if np.isnan(r.estimate_pp) else r.estimate_pp)
            for r in panel.table.itertuples()
        }
        assert_equal_numbers(table, "Difference (percentage points)", expected, lambda r: r["Item"])
    school = my_school.MySchool(live)
    table = read_table(school.text.value)
    rows = school.table()
    expected = {
        (r.school, r.label): (None if np.isnan(r.share) else 100 * r.share)
        for r in rows.itertuples()
    }
    assert_equal_numbers(table, "Share (%)", expected, lambda r: (r["School"], r["Item"]))


@pytest.mark.parametrize("name", ["subjects", "gaps", "waves"])
def test_static_site_tables_are_the_figures_points(name):
    """Every figure of a page (every combination of its selects) has its table, whose
    figures are the figure's points: each share by year group and item; each gap or
    change as the same numbers, and as many hidden as rows left undrawn."""
    from test_static_site import charts, numbers, sample_site

    text = (sample_site() / f"{name}.html").read_text(encoding="utf-8")
    figures = [f for chart in charts(text) for f in chart.values()]
    texts = text.split('<div class="chart-text"')[1:]
    assert len(texts) == len(figures) > 0
    # a figure of no rows has a sentence saying so and no table
    figures = [f for f, t in zip(figures, texts) if "<table>" in t[: t.index("tables/")]]
    tables = Tables(text).tables
    assert len(tables) == len(figures) > 0
    for figure, table in zip(figures, tables):
        head, *body = table["rows"]
        frame = pd.DataFrame([[t for _, t in row] for row in body], columns=[t for _, t in head])
        assert table["caption"] == chart_text.figure_title(figure)
        if name == "subjects":
            dots = [t for t in figure["data"] if (t.get("meta") or {}).get("kind") == "share"]
            drawn = {
                (f"Year {t['meta']['group']}", c[1]): x
                for t in dots
                for x, c in zip(numbers(t["x"]), t["customdata"])
            }
            assert_equal_numbers(frame, "Share (%)", drawn, lambda r: (r["Year group"], r["Item"]))
        else:
            dots = [t for t in figure["data"] if (t.get("meta") or {}).get("role") == "estimate"]
            drawn = sorted(
                round(x, 1)
                for t in dots
                for x in numbers(t["x"])
                if x is not None and not np.isnan(x)
            )
            shown = [number(v) for v in frame["Difference (percentage points)"]]
            assert sorted(v for v in shown if v is not None) == pytest.approx(drawn, abs=0.051)
            assert all(
                v.startswith("hidden (") or v == chart_text.NO_FIGURE
                for v in frame["Difference (percentage points)"]
                if number(v) is None
            )
