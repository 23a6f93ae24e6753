"""My school dashboard: numbers against plain pandas, hiding, and no differencing back."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportion_confint

from analysis import disclosure, schema
from dashboards import data, my_school, results

SCHOOL = "S02"  # a small school: 61 pupils in wave 1, some figures hidden
LARGE = "S13"  # 262 pupils in wave 1: most figures shown
BLOCK = "enjoy"


@pytest.fixture(scope="module")
def sample():
    return data.survey(data.DataSource(data.SAMPLE_FILES, None, True))


@pytest.fixture(scope="module")
def live(sample):
    return results.LiveResults(sample)


@pytest.fixture(scope="module")
def dashboard(live):
    return my_school.MySchool(live)


def agrees(column: str, values: pd.Series) -> pd.Series:
    """1 where the answer is the item's positive answer (ticked, or agree 3/4), NaN if none."""
    item = schema.item(column)
    positive = schema.positive_codes(item.scale)
    v = values.astype("Float64")
    return v.isin(positive).astype(float).where(v.notna())


def by_hand(table: pd.DataFrame, block: str, wave: int, year: int) -> pd.DataFrame:
    """Per school and item: pupils who answered and pupils agreeing, from pupil rows."""
    rows = table[(table["wave"] == wave) & (table["year_group"] == year)]
    out = []
    for column in schema.block(block).columns:
        a = agrees(column, rows[column])
        frame = pd.DataFrame({"school_id": rows["school_id"].astype(str), "a": a})
        g = frame.groupby("school_id")["a"].agg(n="count", count="sum").reset_index()
        out.append(g.assign(item=column))
    return pd.concat(out, ignore_index=True)


def clustered_wilson(n_g: np.ndarray, c_g: np.ndarray, level: float = 0.95):
    """Cluster-robust Wilson interval written out from the formulas (not the package's)."""
    n_g, c_g = n_g[n_g > 0], c_g[n_g > 0]
    N, C, G = n_g.sum(), c_g.sum(), len(n_g)
    p = C / N
    v = G / (G - 1) * ((c_g - p * n_g) ** 2).sum() / N**2
    deff = v / (p * (1 - p) / N)
    n_eff = min(N, N / deff)
    q = scipy_stats.t.ppf(0.5 + level / 2, G - 1)
    centre = (p + q * q / (2 * n_eff)) / (1 + q * q / n_eff)
    half = q / (1 + q * q / n_eff) * math.sqrt(p * (1 - p) / n_eff + q * q / (4 * n_eff**2))
    return p, centre - half, centre + half


def test_figures_equal_plain_pandas_on_the_sample(dashboard, sample):
    dashboard.choices["school_id"].value = LARGE
    dashboard.choices["block"].value = BLOCK
    dashboard.choices["wave"].value = 1
    dashboard.choices["year_group"].value = 9
    shown = dashboard.table()
    hand = by_hand(sample.table, BLOCK, 1, 9)
    assert set(shown["item"]) == set(schema.block(BLOCK).columns)
    checked_this = checked_others = 0
    for row in shown.itertuples():
        mine = hand[hand["item"] == row.item]
        if row.school == disclosure.THIS_SCHOOL:
            cell = mine[mine["school_id"] == LARGE].iloc[0]
            assert row.n == cell["n"]
            if row.suppressed:
                assert math.isnan(row.share) and math.isnan(row.count)
                continue
            assert row.count == cell["count"]
            assert row.share == pytest.approx(cell["count"] / cell["n"], rel=1e-12)
            low, high = proportion_confint(
                int(cell["count"]), int(cell["n"]), alpha=0.05, method="wilson"
            )
            assert (row.ci_low, row.ci_high) == (
                pytest.approx(low, rel=1e-9),
                pytest.approx(high, rel=1e-9),
            )
            checked_this += 1
        else:
            rest = mine[mine["school_id"] != LARGE]
            assert row.n == rest["n"].sum()
            assert row.n_schools == (rest["n"] > 0).sum()
            if row.suppressed:
                assert math.isnan(row.share)
                continue
            p, low, high = clustered_wilson(
                rest["n"].to_numpy(float), rest["count"].to_numpy(float)
            )
            assert row.share == pytest.approx(p, rel=1e-12)
            assert row.ci_low == pytest.approx(low, rel=1e-9)
            assert row.ci_high == pytest.approx(high, rel=1e-9)
            checked_others += 1
    assert checked_this >= 5 and checked_others >= 5


def test_no_rank_anywhere(dashboard):
    table = dashboard.table()
    assert "rank" not in table.columns
    text = dashboard.figure.to_json().lower()
    assert "rank" not in text


def test_figure_draws_shown_shares_and_marks_hidden_ones(dashboard):
    dashboard.choices["school_id"].value = SCHOOL
    dashboard.choices["block"].value = "favourite"
    dashboard.choices["wave"].value = 1
    dashboard.choices["year_group"].value = 7
    table = dashboard.table()
    fig = dashboard.figure  # updated in place by the choices above
    assert [t.meta["school"] for t in fig.data] == [
        disclosure.THIS_SCHOOL,
        disclosure.OTHER_SCHOOLS,
    ]
    hidden_marks = []
    for trace in fig.data:
        part = table[table["school"] == trace.meta["school"]].set_index("label")
        for label, x, mark in zip(trace.y, trace.x, trace.meta["suppressed"]):
            row = part.loc[label]
            assert mark == row["suppressed"]
            if mark:
                assert x is None
                hidden_marks.append(mark)
            else:
                assert x == pytest.approx(100 * row["share"], rel=1e-12)
    assert hidden_marks, "S02 year 7 wave 1 has hidden favourite subjects on the sample"
    annotations = [a.text for a in fig.layout.annotations]
    assert sorted(a.replace("<b>", "").replace("</b>", "") for a in annotations) == sorted(
        hidden_marks
    )
    title = fig.layout.title.text
    assert f"School {SCHOOL}" in title and "year 7" in title and "wave 1" in title
    assert "n = " in fig.layout.title.subtitle.text


def test_choices_change_the_chart_and_downloads(dashboard, sample):
    dashboard.choices["school_id"].value = SCHOOL
    dashboard.choices["block"].value = BLOCK
    dashboard.choices["wave"].value = 1
    dashboard.choices["year_group"].value = 7
    before = [list(t.x) for t in dashboard.figure.data]
    dashboard.choices["year_group"].value = 9
    after = [list(t.x) for t in dashboard.figure.data]
    assert before != after
    assert "year 9" in dashboard.figure.layout.title.text
    assert dashboard.downloads.filename == f"my_school_{SCHOOL}_{BLOCK}_wave1_year9"
    assert (dashboard.downloads.table["year_group"] == 9).all()


def test_a_school_in_one_wave_is_offered_that_wave_only(dashboard, sample):
    only_wave_1 = sample.table.groupby("school_id", observed=True)["wave"].nunique()
    school = str(only_wave_1[only_wave_1 == 1].index[0])
    dashboard.choices["wave"].value = 2
    dashboard.choices["school_id"].value = school
    assert [v for _, v in dashboard.choices["wave"].options] == [1]
    assert dashboard.choices["wave"].value == 1
    assert dashboard.message.value == ""


def test_a_forged_choice_is_not_used(dashboard):
    dashboard.choices["school_id"].value = SCHOOL
    dropdown = dashboard.choices["block"]
    dropdown.set_state({"index": None})  # what a client could send
    assert dashboard.value["block"] in dashboard.allowed["block"]


@pytest.fixture(scope="module")
def tiny(sample):
    """The sample with school S02 cut to 8 pupils in wave 1 year 7."""
    t = sample.table
    cell = (t["school_id"].astype(str) == SCHOOL) & (t["wave"] == 1) & (t["year_group"] == 7)
    drop = t.index[cell.to_numpy()][8:]
    table = t.drop(index=drop).reset_index(drop=True)
    return results.LiveResults(SimpleNamespace(table=table, files=(), notes=()))


def test_a_tiny_schools_cells_are_hidden(tiny):
    dash = my_school.MySchool(tiny)
    dash.choices["school_id"].value = SCHOOL
    dash.choices["block"].value = BLOCK
    dash.choices["wave"].value = 1
    dash.choices["year_group"].value = 7
    table = dash.table()
    this = table[table["school"] == disclosure.THIS_SCHOOL]
    assert len(this) == len(schema.block(BLOCK).columns)
    assert (this["suppressed"] == "c").all()
    assert this[["n", "count", "share", "ci_low", "ci_high"]].isna().all().all()
    for trace in dash.figure.data:
        if trace.meta["school"] == disclosure.THIS_SCHOOL:
            assert all(x is None for x in trace.x)
            assert all(c[0] is None for c in trace.customdata)  # n not in the hover either


@pytest.mark.parametrize("which", ["sample", "tiny"])
def test_differencing_gives_no_hidden_number_back(which, live, tiny):
    """this school + other schools = all schools (published on the other dashboards):
    for every wave, year group and item, the attacker may not be left with exactly one
    unknown of the three, for a confidential count or for a hidden base."""
    source = live if which == "sample" else tiny
    dash = my_school.MySchool(source)
    total = source.shares(["wave", "year_group"], [BLOCK])
    total = total[total["measure"] == "share"].astype({"wave": int, "year_group": int})
    hidden_somewhere = 0
    for school in (SCHOOL, "S01", "S14"):
        full = dash.school_block(school, BLOCK)
        for (wave, year, item), part in full.groupby(["wave", "year_group", "item"]):
            this = part[part["school"] == disclosure.THIS_SCHOOL].iloc[0]
            other = part[part["school"] == disclosure.OTHER_SCHOOLS].iloc[0]
            all_ = total[
                (total["wave"] == wave) & (total["year_group"] == year) & (total["item"] == item)
            ].iloc[0]
            for column in ("count", "n"):
                # a "u" figure (low base, counts at least 10 both ways) is a rule of
                # reliability, not of disclosure: only "c" figures must stay unknown
                unknown = [
                    math.isnan(float(r[column]))
                    and not (column == "count" and r["suppressed"] == disclosure.LOW_RELIABILITY)
                    for r in (this, other, all_)
                ]
                assert sum(unknown) != 1, (school, wave, year, item, column, unknown)
                if column == "count" and this["suppressed"] == disclosure.CONFIDENTIAL:
                    hidden_somewhere += 1
                    # and the share is no way round it: share x n gives the count
                    assert math.isnan(float(this["share"]))
                    assert math.isnan(float(other["share"])) or math.isnan(float(all_["share"]))
    assert hidden_somewhere > 0  # the check had something to protect


def test_the_shown_rows_add_up_to_the_all_schools_total(live):
    """this school + other schools is every school (what makes differencing a risk)."""
    dash = my_school.MySchool(live)
    full = dash.school_block("S01", BLOCK)
    raw = my_school.by_school_table(live, [BLOCK]).astype({"wave": int, "year_group": int})
    sums = raw.groupby(["wave", "year_group", "item"])["n"].sum()
    shown_n = full.groupby(["wave", "year_group", "item"])["n"].sum()
    for key, n in shown_n.items():
        assert n == sums[key]


class NoSchools(results.Results):
    published = True

    def school_ids(self):
        return []


def test_a_publication_without_schools_says_so():
    dash = my_school.MySchool(NoSchools())
    assert my_school.NO_SCHOOL_VIEW in dash.message.value
    assert dash.figure is None


def test_footnote_states_the_exemption_and_the_intervals():
    text = my_school.footnote()
    assert "exempt from the 3-school rule" in text
    assert "binomial" in text and "clustered" in text
    assert "rank" in text  # says it is never shown


class OneSchoolBundle(results.Results):
    """A publication made for one school: its protected view, the school under a pseudonym."""

    published = True

    def __init__(self, live):
        raw = my_school.by_school_table(live, [BLOCK])
        view = disclosure.school_view(
            raw[["school_id", "wave", "year_group", "item", "label", "n", "count"]], LARGE
        )
        view["school"] = view["school"].replace({disclosure.THIS_SCHOOL: "School A"})
        view["block"] = BLOCK
        self._view = view
        self._live = live

    def school_ids(self):
        return ["School A"]

    def levels(self, column):
        return self._live.levels(column)

    def school_view(self, blocks=None):
        return self._view


def test_a_publication_for_one_school_shows_its_view(live, sample):
    dash = my_school.MySchool(OneSchoolBundle(live))
    assert [v for _, v in dash.choices["school_id"].options] == ["School A"]
    assert dash.choices["school_id"].options[0][0] == "School A"  # not "School School A"
    dash.choices["wave"].value = 1
    dash.choices["year_group"].value = 9
    table = dash.table()
    hand = by_hand(sample.table, BLOCK, 1, 9)
    shown = table[(table["school"] == disclosure.THIS_SCHOOL) & (table["suppressed"] == "")]
    assert len(shown) >= 5
    for row in shown.itertuples():
        cell = hand[(hand["item"] == row.item) & (hand["school_id"] == LARGE)].iloc[0]
        assert row.share == pytest.approx(cell["count"] / cell["n"], rel=1e-12)
        low, high = proportion_confint(int(cell["count"]), int(cell["n"]), method="wilson")
        assert row.ci_low == pytest.approx(low, rel=1e-9)
        assert row.ci_high == pytest.approx(high, rel=1e-9)
    others = table[table["school"] == disclosure.OTHER_SCHOOLS]
    assert others["ci_low"].isna().all()  # no clustered interval can be made from a bundle
    assert "School A against other schools" in dash.figure.layout.title.text
    other_trace = dash.figure.data[1]
    assert all(v is None for v in other_trace.error_x.array)
    assert "interval" not in other_trace.hovertemplate


def test_downloads_carry_the_surveys_code_notes(sample):
    """My school's table downloads say how codes were mapped, like every other page's."""
    from dataclasses import replace

    note = "w1.sav: 45 answers in 1 column (enjoy_maths 45) were 3: coded neutral."
    noted = results.LiveResults(replace(sample, code_notes=(note,)))
    dash = my_school.MySchool(noted)
    assert dash.downloads.notes == (note,)
    assert my_school.MySchool(results.LiveResults(sample)).downloads.notes == tuple(
        sample.code_notes
    )
