"""dashboards.results: the tables dashboards read, marked by the primary rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import disclosure, schema
from dashboards import data, results


@pytest.fixture(scope="module")
def live():
    return results.LiveResults(data.survey(data.DataSource(data.SAMPLE_FILES, None, True)))


@pytest.fixture(scope="module")
def table(live):
    return live.survey.table


def share_rows(n, count, n_schools=5, n_pupils=None):
    n = np.asarray(n, dtype=float)
    return pd.DataFrame(
        {
            "n": n,
            "n_pupils": n if n_pupils is None else n_pupils,
            "count": np.asarray(count, dtype=float),
            "share": np.asarray(count, dtype=float) / n,
            "ci_low": 0.1,
            "ci_high": 0.9,
            "se": 0.01,
            "deff": 1.2,
            "n_eff": n,
            "n_schools": n_schools,
            "rank": 1.0,
            "suppressed": "",
        }
    )


def test_primary_rules_by_hand():
    rows = share_rows(
        n=[100, 100, 100, 25, 8, 100, 0],
        count=[50, 9, 91, 12, 4, 10, 0],
        n_schools=[5, 5, 5, 5, 5, 2, 0],
    )
    out = results.mark_shares(rows)
    # 9 ticked: c; 91 of 100 ticked leaves 9 who did not: c; base 25 < 30: u;
    # base 8 < 10: c and the base hidden too; 2 schools: u; nobody asked: shown as it is
    assert out["suppressed"].tolist() == ["", "c", "c", "u", "c", "u", ""]
    assert out.loc[0, "share"] == 0.5
    for i in (1, 2, 3, 4, 5):
        assert (
            out.loc[i, ["count", "share", "ci_low", "ci_high", "se", "deff", "rank"]].isna().all()
        )
    assert out.loc[3, "n"] == 25 and np.isnan(out.loc[4, "n"])
    assert out.loc[1, "n"] == 100  # the base of a hidden share stays


def test_thresholds_come_from_the_rules():
    rows = share_rows(n=[100], count=[50])
    assert (
        results.mark_shares(rows, disclosure.DisclosureRules(min_base=101))["suppressed"][0] == "u"
    )
    assert (
        results.mark_shares(rows, disclosure.DisclosureRules(min_count=51))["suppressed"][0] == "c"
    )


def test_weighted_rows_use_pupils_for_the_rules():
    # 200 weighted, but only 20 pupils: the base rule reads pupils
    rows = share_rows(n=[200.0], count=[100.0], n_pupils=[20])
    assert results.mark_shares(rows)["suppressed"][0] == "u"


def test_view_equals_plain_pandas(live, table):
    got = live.view(["year_group"], {"gender": "girl", "wave": 2}, ["enjoy"])
    got = got[got["measure"] == "share"]
    col = schema.block("enjoy").columns[0]
    girls = table[(table["gender"] == "girl") & (table["wave"] == 2)]
    for year, part in girls.groupby("year_group", observed=True):
        answered = part[col].dropna()
        expected = (answered >= 3).mean()
        row = got[(got["year_group"] == year) & (got["item"] == col)].iloc[0]
        assert row["n"] == len(answered)
        assert row["share"] == pytest.approx(expected, abs=1e-12)
        assert row["gender"] == "girl" and row["wave"] == 2


def test_view_is_computed_once(live, monkeypatch):
    live.view(["wave"], {"gender": "boy"})
    calls = []
    monkeypatch.setattr(live.aggregates, "shares", lambda *a, **k: calls.append(a))
    live.view(["wave"], {"gender": "boy"})
    live.view(["gender"], {"wave": 1})  # the same table, by wave x gender
    assert calls == []


def test_by_school_cells_are_marked(live):
    by_school = live.shares(["school_id", "gender"], ["favourite"])
    assert (by_school["suppressed"] == "u").any()  # one school per cell: under 3 schools
    shown = by_school[by_school["suppressed"] == ""]
    # nothing shown but groups nobody is in (a girls' school has no boys)
    assert (shown["n"] == 0).all() and shown["share"].isna().all()


@pytest.mark.parametrize("measure", list(results.COMPARISONS))
def test_comparisons_are_marked_and_hidden(live, measure):
    table = live.comparisons(measure)
    assert len(table) and set(table["suppressed"]) <= {"", "c", "u"}
    hidden = table["suppressed"] != ""
    assert table.loc[hidden, "estimate_pp"].isna().all()
    assert table.loc[~hidden, "estimate_pp"].notna().all()
    assert list(table.columns[: len(results.COMPARISONS[measure])]) == list(
        results.COMPARISONS[measure]
    )


def test_gap_is_hidden_when_a_share_has_few_pupils():
    rows = pd.DataFrame(
        {
            "share_first": [0.5, 0.05],
            "share_second": [0.5, 0.5],
            "n_first": [100.0, 100.0],
            "n_second": [100.0, 100.0],
            "estimate_pp": [0.0, -45.0],
            "n_schools": [10, 10],
            "significant_fdr": [False, True],
            "suppressed": ["", ""],
        }
    )
    out = results.mark_comparisons(rows)
    # 5 of 100 boys: a count under 10
    assert out["suppressed"].tolist() == ["", "c"]
    assert np.isnan(out.loc[1, "estimate_pp"]) and out.loc[1, "significant_fdr"] == ""


def test_gap_change_hidden_with_its_gaps(live):
    gaps = live.comparisons("gender_gap")
    change = live.comparisons("gender_gap_change_years")
    hidden_gaps = gaps[gaps["suppressed"] == "c"]
    for _, g in hidden_gaps.iterrows():
        row = change[(change["wave"] == g["wave"]) & (change["item"] == g["item"])]
        assert (row["suppressed"] == "c").all()


def test_common_schools_are_fewer(live):
    every = live.comparisons("change_waves", schools="all")
    common = live.comparisons("change_waves", schools="common")
    assert (common["schools"] == "common").all() and (every["schools"] == "all").all()
    assert common["n_schools"].max() <= every["n_schools"].max()
    assert common["n_schools"].max() == len(live.aggregates.common_schools)


def test_unknown_requests_are_refused(live):
    with pytest.raises(ValueError, match="unknown comparison"):
        live.comparisons("pupil_rows")
    with pytest.raises(ValueError, match="'all' or 'common'"):
        live.comparisons("cohort", schools="S01")
    with pytest.raises(ValueError, match="unknown group"):
        live.view(["pupil_id"])


def test_levels_and_describe(live):
    assert live.levels("wave") == [1, 2]
    assert live.levels("year_group") == [7, 9]
    assert len(live.school_ids()) == 27
    assert results.describe({}) == "all pupils"
    assert results.describe({"gender": "girl", "wave": 2}) == "wave 2, Girls"


def test_current_reads_the_sample_once(monkeypatch):
    monkeypatch.delenv(results.BUNDLE_VARIABLE, raising=False)
    monkeypatch.delenv(data.FILES_VARIABLE, raising=False)
    monkeypatch.setattr(data, "_current", {})
    first = data.current()
    assert first is data.current()
    assert not first.published
