"""dashboards.explorer and its three set-ups, driven as Python objects.

Every number read from a figure is checked against plain pandas on the
sample's pupil rows: the share of pupils who answered an item and gave the
answer(s) counted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import disclosure, schema
from analysis.errors import SurveyDataError
from analysis.figures import shares as charts
from analysis.load import Survey
from dashboards import careers, data, enrichment, explorer, results, subjects


@pytest.fixture(scope="module")
def sample():
    return data.survey(data.DataSource(data.SAMPLE_FILES, None, True))


@pytest.fixture(scope="module")
def live(sample):
    return results.LiveResults(sample)


def points(figure, kind="share") -> pd.DataFrame:
    """(group, item, category, x) of every point of the traces of ``kind``; x is None
    where nothing is drawn (a FigureWidget may hold NaN there, the browser null)."""
    rows = []
    for trace in figure.data:
        if (trace.meta or {}).get("kind") != kind:
            continue
        for custom, x in zip(trace.customdata, trace.x):
            rows.append(
                {
                    "group": trace.meta.get("group"),
                    "item": custom[0],
                    "category": trace.meta.get("category", custom[9]),
                    "group_label": custom[10] if len(custom) > 10 else trace.name,
                    "x": None if x is None or np.isnan(x) else x,
                }
            )
    return pd.DataFrame(rows)


def percent(mask: pd.Series) -> float:
    return 100.0 * float(mask.mean())


def test_filters_pick_the_pupils_and_the_dots_are_their_shares(live, sample):
    board = subjects.make(live)
    board.topic.value = [t.label for t in board.topics].index("Enjoyment")
    board.filters.set(gender="girl", wave=2)
    assert board.where == {"wave": 2, "gender": "girl"}
    title = board.figure.layout.title.text
    assert title.startswith("Enjoyment: share who enjoy the subject, Year 7 vs Year 9")
    assert "wave 2, Girls" in title
    shown = points(board.figure)
    assert len(shown) == 2 * len(schema.block("enjoy").columns)
    t = sample.table
    girls = t[(t["gender"] == "girl") & (t["wave"] == 2)]
    for row in shown.itertuples():
        answers = girls[girls["year_group"] == row.group][row.item].dropna().astype(int)
        assert row.x == pytest.approx(percent(answers.isin([3, 4])), rel=1e-12), row
    # the downloads hold the rows drawn, and say which pupils they describe
    table = board.downloads.table
    assert set(table["gender"]) == {"girl"} and set(table["wave"]) == {2}
    assert len(table) == len(shown)
    assert board.downloads.filename == "subjects_enjoy_share_by_year_group_wave_2_girls"


def test_compare_by_ethnicity_hides_that_filter_and_ignores_its_value(live, sample):
    board = enrichment.make(live)
    board.filters.set(ethnicity="white_british", year_group=9)
    board.compare.value = "ethnicity"
    assert board.filters.dropdowns["ethnicity"].layout.display == "none"
    assert board.filters.dropdowns["year_group"].layout.display == ""
    assert board.where == {"year_group": 9}
    shown = points(board.figure)
    assert set(shown["group"]) == {"white_british", "other_ethnic_group"}
    t = sample.table
    year9 = t[t["year_group"] == 9]
    for row in shown.itertuples():
        answers = year9[year9["ethnicity"] == row.group][row.item].dropna()
        if pd.isna(row.x):
            continue
        assert row.x == pytest.approx(percent(answers == 1), rel=1e-12), row
    assert "White British: n = " in board.base.value
    assert "Other ethnic groups: n = " in board.base.value
    # the figure carries the same base (a downloaded image says it too), counted by hand
    footer = [a for a in board.figure.layout.annotations if a.name == "footer"]
    assert len(footer) == 1
    for label, code in (
        ("White British", "white_british"),
        ("Other ethnic groups", "other_ethnic_group"),
    ):
        pupils = year9[year9["ethnicity"] == code]
        answered = pupils[sorted(set(board.rows["item"].astype(str)))]  # the items drawn
        n = answered.notna().sum()
        lo, hi = int(n.min()), int(n.max())
        words = f"{label}: n = {lo:,}" + (f"–{hi:,}" if hi != lo else "")
        assert words in footer[0].text, (words, footer[0].text)
    marks = set(board.rows["suppressed"].astype(str)) - {""}
    assert ("c: hidden to protect confidentiality" in footer[0].text) is ("c" in marks)


def test_four_answers_are_the_shares_of_each_code(live, sample):
    board = subjects.make(live)
    board.topic.value = [t.label for t in board.topics].index("Importance")
    board.compare.value = "wave"
    board.show_as.value = "distribution"
    assert "all four answers" in board.figure.layout.title.text
    shown = points(board.figure, "distribution")
    assert len(shown) == 2 * 4 * len(schema.block("important").columns)
    t = sample.table
    for row in shown.sample(20, random_state=1).itertuples():
        wave = 1 if row.group_label.startswith("Wave 1") else 2
        answers = t[t["wave"] == wave][row.item].dropna().astype(int)
        code = int(row.category)
        sign = -1 if code < 3 else 1
        assert row.x == pytest.approx(sign * percent(answers == code), rel=1e-12), row
    # back to shares: the diverging chart's zero line goes with it
    board.show_as.value = "share"
    assert len(board.figure.layout.shapes) == 0
    assert len(points(board.figure)) == 2 * len(schema.block("important").columns)


@pytest.fixture(scope="module")
def eight_schools(sample):
    """The sample's first 8 schools surveyed in both waves (a researcher's small file)."""
    t = sample.table
    both = sorted(set(t[t["wave"] == 1]["school_id"]) & set(t[t["wave"] == 2]["school_id"]))
    return Survey(t[t["school_id"].isin(both[:8])].reset_index(drop=True), ("eight.csv",))


def test_four_answers_draw_hidden_answers_as_hidden_in_their_place(eight_schools):
    """The issue's view on a file of 8 schools: Enjoyment, all four answers, wave 2
    girls of other ethnic groups. Every row with a hidden answer draws no answer alone: it is withheld
    (marked at 0) or its hidden answers are one hatched part as long as what the
    shown answers leave (plain pandas), and every shown answer is its share."""
    board = subjects.make(results.LiveResults(eight_schools))
    board.topic.value = [t.label for t in board.topics].index("Enjoyment")
    board.show_as.value = "distribution"
    board.filters.set(wave=2, gender="girl", ethnicity="other_ethnic_group")
    shown = points(board.figure, "distribution")
    t = eight_schools.table
    pupils = t[
        (t["wave"] == 2) & (t["gender"] == "girl") & (t["ethnicity"] == "other_ethnic_group")
    ]
    hidden_rows = board.rows[board.rows["suppressed"].fillna("") != ""]
    assert len(hidden_rows), "this small group should have hidden answers"
    parts = [tr for tr in board.figure.data if tr.type == "bar" and tr.meta["kind"] == "hidden"]
    (withheld,) = [tr for tr in board.figure.data if tr.type == "scatter"]
    assert parts and len(withheld.x)  # both ways of drawing hidden answers are here
    part_at = {round(y, 6): abs(x) for tr in parts for x, y in zip(tr.x, tr.y)}
    ys = {
        (c[10], c[0]): y
        for tr in board.figure.data
        if tr.meta["kind"] == "distribution"
        for c, y in zip(tr.customdata, tr.y)
    }
    for (label, item), row in shown.groupby(["group_label", "item"]):
        answers = pupils[pupils["year_group"] == int(label.split()[-1])][item].dropna()
        hidden = set(
            hidden_rows[
                (hidden_rows["item"] == item)
                & (hidden_rows["year_group"] == int(label.split()[-1]))
            ]["category"].astype(int)
        )
        y = round(ys[(label, item)], 6)
        if not hidden:
            for r in row.itertuples():
                code = int(r.category)
                expected = (-1 if code < 3 else 1) * percent(answers.astype(int) == code)
                assert r.x == pytest.approx(expected, rel=1e-12), r
            continue
        assert all(pd.isna(r.x) or int(r.category) not in hidden for r in row.itertuples())
        if y in part_at:  # the hidden answers together, what the shown ones leave
            left = 100.0 - sum(percent(answers.astype(int) == c) for c in {1, 2, 3, 4} - hidden)
            assert part_at[y] == pytest.approx(left, rel=1e-9)
            assert len({c < 3 for c in hidden}) == 1 and len(hidden) >= 2
        else:  # withheld: nothing drawn, marked at 0
            assert row["x"].isna().all() and y in [round(v, 6) for v in withheld.y]
    assert list(withheld.x) == [0.0] * len(withheld.x)


def test_qualification_aim_is_drawn_as_the_share_of_each_answer(live, sample):
    board = careers.make(live)
    board.topic.value = [t.label for t in board.topics].index("Qualification aim")
    board.compare.value = "gender"
    assert board.show_as.layout.display == "none"
    shown = points(board.figure, "aim")
    assert set(shown["group"]) == {"girl", "boy"}
    t = sample.table
    for row in shown.itertuples():
        aims = t[t["gender"] == row.group]["qualification_aim"].dropna().astype(str)
        assert row.x == pytest.approx(percent(aims == row.category), rel=1e-12), row
    assert board.kind() == "aim" and set(board.rows["measure"]) == {"aim"}


def test_a_small_group_is_marked_not_drawn(live, sample):
    board = enrichment.make(live)
    board.filters.set(wave=2, gender="girl", ethnicity="other_ethnic_group")
    shown = points(board.figure)
    t = sample.table
    pupils = t[
        (t["wave"] == 2) & (t["gender"] == "girl") & (t["ethnicity"] == "other_ethnic_group")
    ]
    hidden = 0
    for row in shown.itertuples():
        answers = pupils[pupils["year_group"] == row.group][row.item].dropna()
        yes = int((answers == 1).sum())
        if pd.isna(row.x):
            assert min(yes, len(answers) - yes) < 10, row  # c: under 10 said yes (or no)
            hidden += 1
        else:
            assert min(yes, len(answers) - yes) >= 10, row
            assert row.x == pytest.approx(100.0 * yes / len(answers), rel=1e-12), row
    marks = [t for t in board.figure.data if t.meta["kind"] == "hidden"][0]
    assert hidden > 0 and len(marks.text) == hidden
    assert all(text == "<b>c</b>" for text in marks.text)
    assert "hidden to protect confidentiality" in board.footnote.value


def test_a_high_minimum_base_hides_every_figure(sample):
    strict = results.LiveResults(sample, disclosure.DisclosureRules(min_base=100_000))
    board = careers.make(strict)
    shown = points(board.figure)
    assert len(shown) and shown["x"].isna().all()
    marks = [t for t in board.figure.data if t.meta["kind"] == "hidden"][0]
    assert list(marks.text) == ["<b>u</b>"] * len(shown)
    assert "under 100000 pupils" in board.footnote.value
    # hidden numbers are not in the download either
    assert board.downloads.table["share"].isna().all()


def test_without_distributions_agreement_items_show_the_share_agreeing(live, sample):
    class Published(results.LiveResults):
        has_distributions = False

    board = subjects.make(Published(sample))
    board.topic.value = [t.label for t in board.topics].index("Ease")
    assert board.show_as.layout.display == "none"
    board.show_as.value = "distribution"  # even if asked for (e.g. by a crafted client)
    assert board.kind() == "share"
    assert len(points(board.figure, "distribution")) == 0
    assert len(points(board.figure)) == 2 * len(schema.block("easy").columns)


def test_a_failed_redraw_keeps_the_chart_and_says_so(live, monkeypatch):
    board = careers.make(live)
    before = [list(t.x) for t in board.figure.data]

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(charts, "ranked_dots", broken)
    board.filters.set(gender="boy")
    assert [list(t.x) for t in board.figure.data] == before
    assert "could not be redrawn" in board.status.value and "boom" not in board.status.value


def test_a_file_without_the_dashboards_questions_is_refused_with_a_message(sample):
    table = sample.table[
        [
            "pupil_id",
            "school_id",
            "wave",
            "year_group",
            "gender",
            *schema.block("favourite").columns,
        ]
    ]

    class Survey:
        files = ("favourites_only.csv",)

    survey = Survey()
    survey.table = table
    with pytest.raises(SurveyDataError) as error:
        careers.make(results.LiveResults(survey))
    message = str(error.value.problems[0])
    assert "favourites_only.csv" in message and "source_family" in message
    assert "codebook" in message
    board = subjects.make(results.LiveResults(survey))  # subjects still has its favourites
    assert [t.label for t in board.topics] == ["Favourite subjects"]
    assert [c for _, c in board.compare.options] == ["year_group", "wave", "gender"]


def test_setups_name_real_blocks_and_groups():
    for setup in (subjects.SETUP, careers.SETUP, enrichment.SETUP):
        for topic in setup.topics:
            scales = {schema.block(b).scale for b in topic.blocks}
            assert len(scales) == 1, topic
        assert setup.compare in setup.compares
        assert set(setup.compares) <= set(results.GROUPS)
    covered = {
        b
        for s in (subjects.SETUP, careers.SETUP, enrichment.SETUP)
        for t in s.topics
        for b in t.blocks
    }
    assert covered == {b.key for b in schema.blocks()}
    assert explorer.topic_axis(subjects.SETUP.topics[0]).startswith("Share choosing")
    assert np.isfinite(len(covered))


def test_uploaded_files_replace_the_dashboard_and_a_missing_wave_is_not_offered(live):
    from analysis.load import load_survey
    from dashboards import shell

    sample = data.ROOT / "data" / "sample"
    framed = shell.DashboardPage(live, subjects.make)
    first = framed.dashboard
    survey = load_survey(
        [str(sample / "example_export.csv")], codebook=str(sample / "example_export_codebook.yml")
    )
    framed.use(survey)
    board = framed.dashboard
    assert board is not first and framed.body.children == (board.widget,)
    # the export holds wave 2 only: waves cannot be compared, and every dot is wave 2's
    assert "wave" not in [c for _, c in board.compare.options]
    t = survey.table
    assert set(t["wave"].dropna()) == {2}
    assert len(points(board.figure)) == 2 * len(schema.block("favourite").columns)
    for row in points(board.figure).itertuples():
        answers = t[t["year_group"] == row.group][row.item].dropna()
        if not pd.isna(row.x):
            assert row.x == pytest.approx(percent(answers == 1), rel=1e-12), row
