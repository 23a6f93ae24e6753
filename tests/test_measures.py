"""Tests for analysis.measures against independent references.

References: plain pandas on the pupil rows (shares, distributions, ranks, aim),
statsmodels OLS with cluster covariance (one gap, through the measures API),
statsmodels' multipletests (BH), hand selection of schools (like for like,
cohort), and the report's published figures on the committed sample.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests

from analysis import measures, schema
from analysis.measures import share_tables
from analysis.measures.comparisons import _gap_pair
from analysis.measures.frames import _rank_in_runs, _rank_within
from analysis.measures.shapes import _CHANGE_AS_COMPARISON
from analysis.load import load_survey

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return load_survey(
        [SAMPLE / "ks3_survey_wave1_2008.csv", SAMPLE / "ks3_survey_wave2_2010.csv"]
    ).table


@pytest.fixture(scope="module")
def agg(sample) -> measures.SurveyAggregates:
    return measures.SurveyAggregates(sample)


def small_table(weights=False) -> pd.DataFrame:
    """Hand-made: 3 schools, 2 waves, gender with a blank, missing answers."""
    rng = np.random.default_rng(3)
    n = 120
    t = pd.DataFrame(
        {
            "pupil_id": [f"p{i}" for i in range(n)],
            "school_id": pd.Categorical(rng.choice(["a", "b", "c"], n)),
            "wave": pd.array(rng.choice([1, 2], n), dtype="Int8"),
            "year_group": pd.array(rng.choice([7, 9], n), dtype="Int8"),
            "gender": pd.Categorical(
                rng.choice(["girl", "boy", None], n, p=[0.45, 0.45, 0.1]),
                dtype=schema.dtypes()["gender"],
            ),
            "favourite_maths": pd.array(rng.choice([0, 1, None], n), dtype="Int8"),
            "favourite_art": pd.array(rng.choice([0, 1], n), dtype="Int8"),
            "favourite_pe": pd.array(rng.choice([0, 1], n, p=[0.3, 0.7]), dtype="Int8"),
            "enjoy_maths": pd.array(rng.choice([1, 2, 3, 4, None], n), dtype="Int8"),
            "qualification_aim": pd.Categorical(
                rng.choice(["a_levels", "degree", "gcses", None], n),
                dtype=schema.dtypes()["qualification_aim"],
            ),
        }
    )
    if weights:
        t["weight"] = rng.uniform(0.5, 2.0, n)
    return t


def plain_share(t, column, positive, by, weights=False):
    v = t[column].astype("float64")
    y = v.isin(positive).astype(float).where(v.notna())
    w = t["weight"] if weights else pd.Series(1.0, index=t.index)
    f = pd.DataFrame({**{c: t[c].astype(object) for c in by}, "yw": y * w, "w": w.where(y.notna())})
    f = f.dropna(subset=by) if by else f
    if not by:
        return pd.Series({(): f["yw"].sum() / f["w"].sum()})
    g = f.groupby(by)
    return g["yw"].sum() / g["w"].sum()


@pytest.mark.parametrize("weights", [False, True])
@pytest.mark.parametrize("by", [[], ["wave"], ["gender"], ["wave", "gender", "year_group"]])
def test_shares_equal_plain_pandas(by, weights):
    t = small_table(weights)
    r = measures.SurveyAggregates(t).shares(by)
    for column, positive in (("favourite_maths", [1]), ("enjoy_maths", [3, 4])):
        expect = plain_share(t, column, positive, by, weights)
        got = r[r["item"] == column]
        assert len(got) == len(expect)
        for _, row in got.iterrows():
            key = tuple(row[c] for c in by)
            key = key[0] if len(key) == 1 else key
            assert row["share"] == pytest.approx(expect[key], rel=1e-12)
    assert list(r.columns) == [*by, *measures.SHARE_COLUMNS]
    assert (r["measure"] == "share").all() and (r["schools"] == "all").all()


def test_pupils_with_blank_gender_are_in_totals_but_no_gender_group():
    t = small_table()
    agg = measures.SurveyAggregates(t)
    total = agg.shares(block="favourite").set_index("item").loc["favourite_art", "n"]
    by_gender = agg.shares(["gender"], block="favourite")
    assert total == t["favourite_art"].notna().sum() == 120
    assert by_gender.loc[by_gender.item == "favourite_art", "n"].sum() == t["gender"].notna().sum()


def test_distribution_and_aim_equal_value_counts():
    t = small_table()
    agg = measures.SurveyAggregates(t)
    d = agg.distribution(["wave"])
    for wave in (1, 2):
        part = t[t["wave"] == wave]
        counts = part["enjoy_maths"].value_counts(normalize=True)
        got = d[(d.wave == wave) & (d.item == "enjoy_maths")]
        assert got["category"].tolist() == ["1", "2", "3", "4"]
        assert got["share"].tolist() == pytest.approx([counts.get(k, 0) for k in (1, 2, 3, 4)])
        assert got["category_label"].tolist() == list(schema.scale_codes("agreement").values())
        aims = part["qualification_aim"].value_counts(normalize=True)
        got = d[(d.wave == wave) & (d.measure == "aim")]
        assert got["category"].tolist() == list(schema.block("aim").categories)
        assert got.set_index("category")["share"].to_dict() == pytest.approx(
            {k: aims.get(k, 0.0) for k in schema.block("aim").categories}
        )
        assert got["n"].iloc[0] == part["qualification_aim"].notna().sum()


def test_favourite_ranks_within_group_by_hand():
    t = small_table()
    r = measures.SurveyAggregates(t).shares(["wave"], block="favourite")
    for wave in (1, 2):
        part = t[t.wave == wave]
        means = {
            c: part[c].astype(float).mean()
            for c in ("favourite_maths", "favourite_art", "favourite_pe")
        }
        got = r[r.wave == wave].set_index("item")["rank"]
        # rank 1 = highest share; ties share the lower rank (1, 1, 3)
        expect = {c: 1 + sum(v > means[c] for v in means.values()) for c in means}
        assert {c: int(got[c]) for c in means} == expect


def test_sample_shares_distribution_and_ranks_equal_pandas(sample, agg):
    r = agg.shares(["wave", "year_group"], block="favourite")
    for (wave, year), part in sample.groupby(["wave", "year_group"], observed=True):
        means = part[list(schema.block("favourite").columns)].astype(float).mean()
        got = r[(r.wave == wave) & (r.year_group == year)].set_index("item")
        assert got["share"].to_dict() == pytest.approx(means.to_dict())
        assert got["rank"].to_dict() == means.rank(ascending=False, method="min").to_dict()
    d = agg.distribution(["gender"], block="easy")
    girls = sample[sample.gender == "girl"]["easy_science"].value_counts(normalize=True)
    got = d[(d.gender == "girl") & (d.item == "easy_science")]
    assert got["share"].tolist() == pytest.approx([girls[k] for k in (1, 2, 3, 4)])


def test_no_pupil_row_is_read_after_construction():
    t = small_table()
    agg = measures.SurveyAggregates(t)
    expected = {
        "shares": agg.shares(["gender"]),
        "distribution": agg.distribution(["wave"]),
        "gaps": agg.gaps(["wave"]),
        "change": agg.change(["year_group"]),
        "cohort": agg.cohort(),
    }
    # the pupil table is emptied in place: any view that read it would change or fail
    for column in list(t.columns):
        del t[column]
    assert not any(v is t for v in vars(agg).values())
    pd.testing.assert_frame_equal(agg.shares(["gender"]), expected["shares"])
    pd.testing.assert_frame_equal(agg.distribution(["wave"]), expected["distribution"])
    pd.testing.assert_frame_equal(agg.gaps(["wave"]), expected["gaps"])
    pd.testing.assert_frame_equal(agg.change(["year_group"]), expected["change"])
    pd.testing.assert_frame_equal(agg.cohort(), expected["cohort"])
    agg.shares(["wave", "school_id"], where={"gender": "girl"}, schools="common")
    # what is kept: one row per finest cell (wave × year × gender incl. blank × school)
    assert len(agg.cells) <= 2 * 2 * 3 * 3


def test_gap_through_measures_equals_statsmodels_cluster_ols(sample, agg):
    r = agg.gaps(["year_group"], block="consider", fdr=False)
    row = r[(r.year_group == 9) & (r.item == "consider_engineering")].iloc[0]
    t = sample[(sample.year_group == 9) & sample.gender.isin(["boy", "girl"])]
    y = t["consider_engineering"].astype(float)
    ok = y.notna()
    X = sm.add_constant((t["gender"] == "boy").astype(float)[ok].to_numpy())
    groups = pd.factorize(t["school_id"].astype(str)[ok])[0]
    fit = sm.OLS(y[ok].to_numpy(), X).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
    )
    N = int(ok.sum())
    assert row["estimate_pp"] == pytest.approx(100 * fit.params[1], rel=1e-10)
    # statsmodels' CR1 has a further (N-1)/(N-K) factor, K = 2
    assert 100 * fit.bse[1] == pytest.approx(row["se_pp"] * np.sqrt((N - 1) / (N - 2)), rel=1e-10)
    assert row["compared"] == "gender: boy − girl" and row["measure"] == "gender_gap"


def test_bh_flag_equals_multipletests_within_each_block(agg):
    r = agg.gaps(["wave", "year_group"], block=["career", "consider"])
    for block, part in r.groupby("block"):
        reject, q = multipletests(part["p_value"], alpha=0.05, method="fdr_bh")[:2]
        np.testing.assert_allclose(part["q_value"], q)
        assert (part["significant_fdr"] == reject).all()
        assert (
            f"over the {len(part)} gender_gap tests of block '{block}'"
            in part["fdr_family"].iloc[0]
        )


def test_like_for_like_change_uses_schools_in_both_waves_by_hand(sample, agg):
    r = agg.change(["year_group"], block="enjoy", schools="common").set_index(
        ["year_group", "item"]
    )
    both = set(sample[sample.wave == 1].school_id.astype(str)) & set(
        sample[sample.wave == 2].school_id.astype(str)
    )
    assert len(both) == 19
    for year in (7, 9):
        part = sample[(sample.year_group == year) & sample.school_id.astype(str).isin(both)]
        share = {
            w: (p["enjoy_maths"].dropna() >= 3).mean()
            for w, p in part.groupby("wave", observed=True)
        }
        row = r.loc[(year, "enjoy_maths")]
        assert row["estimate_pp"] == pytest.approx(100 * (share[2] - share[1]))
        assert row["schools"] == "common" and row["n_schools"] == 19
    assert set(agg.common_schools) == both
    # shares of the common schools only
    s = agg.shares(["wave"], block="visitor", schools="common")
    w1 = sample[(sample.wave == 1) & sample.school_id.astype(str).isin(both)]
    assert s[s.wave == 1]["share"].iloc[0] == pytest.approx(w1["visitor_talk"].dropna().mean())


def test_cohort_is_year7_wave1_against_year9_wave2_by_hand(sample, agg):
    r = agg.cohort(block="source").set_index("item").loc["source_subject_teacher"]
    y7 = sample[(sample.wave == 1) & (sample.year_group == 7)]["source_subject_teacher"].dropna()
    y9 = sample[(sample.wave == 2) & (sample.year_group == 9)]["source_subject_teacher"].dropna()
    assert r["share_first"] == pytest.approx(y7.mean())
    assert r["share_second"] == pytest.approx(y9.mean())
    assert r["estimate_pp"] == pytest.approx(100 * (y9.mean() - y7.mean()))
    # the published cohort figures: 48% in year 7 (2008), 59% in year 9 (2010)
    assert round(100 * r["share_first"]) == 48 and round(100 * r["share_second"]) == 59


def test_published_findings_through_the_measures_api(agg):
    change = agg.change(block="enjoy").set_index("item").loc["enjoy_maths"]
    assert round(change["estimate_pp"]) == -12 and change["significant_fdr"]
    trips = agg.shares(["year_group"], block=["trip", "club"]).set_index(["year_group", "item"])
    assert round(100 * trips.loc[(9, "trip_science"), "share"]) == 45
    assert round(100 * trips.loc[(9, "club_science"), "share"]) == 19
    assert round(100 * agg.shares(block="club").set_index("item").loc["club_maths", "share"]) == 13
    fav = agg.shares(["wave"], block="favourite")
    for wave in (1, 2):
        top = fav[fav.wave == wave].sort_values("rank")["item"].tolist()[:4]
        assert set(top[:3]) == {"favourite_pe", "favourite_art", "favourite_design_technology"}
        assert top[3] == "favourite_science"
    aim = agg.distribution(block="aim")
    assert aim.sort_values("share")["category"].iloc[-1] == "a_levels"
    gc = agg.gap_change(block="career").set_index("item")
    assert (gc["estimate_pp"].abs() > 0).all() and (
        gc["measure"] == "gender_gap_change_years"
    ).all()


def test_filters_and_bad_requests_are_named(agg, sample):
    girls = agg.shares(["wave"], block="visitor", where={"gender": "girl"})
    expect = sample[(sample.gender == "girl") & (sample.wave == 1)]["visitor_talk"].dropna().mean()
    assert girls[girls.wave == 1]["share"].iloc[0] == pytest.approx(expect)
    with pytest.raises(ValueError, match="'gril'.*girl"):
        agg.shares(where={"gender": "gril"})
    with pytest.raises(ValueError, match="cannot break down by 'pupil_id'"):
        agg.shares(["pupil_id"])
    with pytest.raises(KeyError, match="no question block 'enjoyment'"):
        agg.shares(block="enjoyment")


def test_protect_view_hides_small_cells_and_keeps_margins_consistent(agg):
    view = measures.protect_view(agg, ["wave", "gender"], block="visitor")
    assert set(view) == {"all pupils", "wave", "gender", "wave × gender"}
    cells = view["wave × gender"]
    other = cells[cells.gender == "other"]
    assert (other["suppressed"] != "").all() and other["share"].isna().all()
    shown = cells[cells.suppressed == ""]
    assert shown["share"].notna().all()
    hidden = cells[cells.suppressed == "c"]
    # a hidden count cannot be recovered as the wave's total minus the shown cells:
    # that difference also holds the pupils who did not state a gender
    true = agg.shares(["wave", "gender"], block="visitor")
    totals = view["wave"].set_index("wave")["count"]
    for wave, part in cells.groupby("wave", observed=True):
        shown_sum = part.loc[part.suppressed == "", "count"].sum()
        hidden_true = true.loc[
            (true.wave == wave).to_numpy() & (cells.suppressed == "c").to_numpy(), "count"
        ]
        assert totals[wave] - shown_sum > hidden_true.sum()
    assert hidden["ci_low"].isna().all() and hidden["deff"].isna().all()


def test_protect_tables_distribution_never_leaves_one_code_hidden():
    rows = []
    for gender, counts in (("girl", [3, 40, 50, 60]), ("boy", [30, 40, 50, 60])):
        n = sum(counts)
        for code, c in enumerate(counts, start=1):
            rows.append(
                {
                    "gender": gender,
                    "measure": "distribution",
                    "item": "enjoy_maths",
                    "label": "Maths",
                    "category": str(code),
                    "n": float(n),
                    "count": float(c),
                    "share": c / n,
                    "n_schools": 5.0,
                }
            )
    t = pd.DataFrame(rows)
    for c in measures.SHARE_COLUMNS:
        if c not in t.columns:
            t[c] = "" if c in ("schools", "block", "category_label", "suppressed") else np.nan
    total = t.groupby(["measure", "item", "label", "category"], as_index=False)[
        ["n", "count"]
    ].sum()
    total["share"] = total["count"] / total["n"]
    total["n_schools"] = 5.0
    for c in measures.SHARE_COLUMNS:
        if c not in total.columns:
            total[c] = "" if c in ("schools", "block", "category_label", "suppressed") else np.nan
    out = measures.protect_tables({"gender": t, "all": total})["gender"]
    girls = out[out.gender == "girl"]
    hidden = girls[girls.suppressed == "c"]
    assert len(hidden) >= 2 and "1" in hidden["category"].tolist()
    assert girls["count"].isna().sum() == len(hidden)


def test_school_breakdown_equals_stats_one_school_per_cell(agg):
    """By school each cell is one school: no between-school se; plain Wilson on
    Kish's n_eff with the normal quantile (statsmodels' Wilson interval)."""
    from statsmodels.stats.proportion import proportion_confint

    r = agg.shares(["wave", "school_id"], block="visitor")
    row = r.iloc[0]
    assert np.isnan(row["se"]) and row["n_schools"] == 1 and row["n_eff"] == row["n"]
    lo, hi = proportion_confint(row["count"], row["n"], method="wilson")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi))


def _share_shaped(rows: list[dict]) -> pd.DataFrame:
    t = pd.DataFrame(rows)
    for c in measures.SHARE_COLUMNS:
        if c not in t.columns:
            t[c] = "" if c in ("schools", "block", "category_label", "suppressed") else np.nan
    return t


def test_protect_tables_audits_agree_share_with_its_codes():
    """The agree share (codes 3 + 4) and the four codes of each gender, with the
    total: girls' code 4 is small. An attacker who knows n = 1 + 2 + 3 + 4 and
    agree = 3 + 4 (linear algebra over x[gender, code]) recovers nothing hidden."""
    spec = {"girl": [30, 40, 50, 4], "boy": [30, 40, 50, 60]}
    spec["all"] = [a + b for a, b in zip(spec["girl"], spec["boy"])]
    tables = {}
    for name, groups in (("gender", ["girl", "boy"]), ("all pupils", ["all"])):
        rows = []
        for g in groups:
            counts = spec[g]
            n = float(sum(counts))
            extra = {"gender": g} if name == "gender" else {}
            rows.append(
                {
                    **extra,
                    "measure": "share",
                    "item": "enjoy_maths",
                    "label": "Maths",
                    "category": "",
                    "n": n,
                    "count": float(counts[2] + counts[3]),
                    "share": (counts[2] + counts[3]) / n,
                    "n_schools": 5.0,
                }
            )
            for code, c in enumerate(counts, start=1):
                rows.append(
                    {
                        **extra,
                        "measure": "distribution",
                        "item": "enjoy_maths",
                        "label": "Maths",
                        "category": str(code),
                        "n": n,
                        "count": float(c),
                        "share": c / n,
                        "n_schools": 5.0,
                    }
                )
        tables[name] = _share_shaped(rows)
    out = measures.protect_tables(tables)
    girls = out["gender"][out["gender"].gender == "girl"]
    assert girls.loc[girls.category == "4", "suppressed"].item() == "c"
    # the attack: unknowns x[g, code] for g in girl, boy
    cols = [(g, code) for g in ("girl", "boy") for code in "1234"]
    shown, hidden = [], []
    for name, t in out.items():
        for _, r in t.iterrows():
            gs = [r["gender"]] if name == "gender" else ["girl", "boy"]
            codes = {"": "34"}.get(r["category"], r["category"])
            form = np.array([g in gs and c in codes for g, c in cols], dtype=float)
            base = np.array([g in gs for g, c in cols], dtype=float)
            (shown if pd.notna(r["count"]) else hidden).append(form)
            shown.append(base) if pd.notna(r["n"]) else hidden.append(base)
    m = np.array(shown)
    rank = np.linalg.matrix_rank(m)
    for form in hidden:
        assert np.linalg.matrix_rank(np.vstack([m, form])) > rank, "a hidden count is recoverable"
    assert len(hidden) >= 4


def test_protect_view_distributions_on_the_sample(agg):
    """Shares and distributions of a block by gender: every hidden code stays
    undetermined given n = the sum of the codes and agree = codes 3 + 4."""
    view = measures.protect_view(agg, ["gender"], block="easy")
    t = view["gender"]
    for (gender, item), part in t.groupby(["gender", "item"], observed=True):
        codes = part[part.measure == "distribution"].set_index("category")
        hidden = set(codes.index[codes["count"].isna()])
        assert len(hidden) != 1, (gender, item)  # one hidden code = n - the others
        agree = part.loc[part.measure == "share", "count"].item()
        if not np.isnan(agree):
            assert len(hidden & {"3", "4"}) != 1, (gender, item)


# ---------------------------------------------------------------------------
# comparisons from the stored cells against analysis.stats on the pupil rows

_COMPARED = [
    "n_first",
    "n_second",
    "share_first",
    "share_second",
    "estimate_pp",
    "se_pp",
    "ci_low_pp",
    "ci_high_pp",
    "t",
    "df",
    "p_value",
    "n_schools",
]


def _assert_same(got: pd.DataFrame, expect: pd.DataFrame, by) -> None:
    """``got`` (comparison shape) equals ``expect`` (columns renamed to it) row by row."""
    assert len(got) == len(expect) > 0
    for c in [*by, "item"]:
        assert got[c].astype(str).tolist() == expect[c].astype(str).tolist()
    for c in _COMPARED:
        np.testing.assert_allclose(
            got[c].to_numpy(dtype=float),
            expect[c].to_numpy(dtype=float),
            rtol=1e-12,
            atol=1e-12,
            err_msg=c,
        )


def _reference_totals(t, items, by, weights):
    """School totals straight from the pupil rows (stats.cluster_totals)."""
    from analysis import stats

    return stats.cluster_totals(t, items, by=by, weight="weight" if weights else None)


def _comparison_cases(t, agg, weights, compare, where=None):
    """(measures result, stats reference) pairs for every kind of comparison."""
    from analysis import stats

    first, second = _gap_pair(compare)
    items = [it.column for it in agg.items if it.scale != "categorical"]
    rows = t
    for c, v in (where or {}).items():
        rows = rows[rows[c] == v]
    common = t["school_id"].astype(str).isin(agg.common_schools)
    for schools in ("all", "common"):
        for by in ([], ["wave"], ["year_group", "wave"]):
            pupils = rows[common.loc[rows.index]] if schools == "common" else rows
            ref = stats.gaps(
                _reference_totals(pupils, items, [*by, compare], weights),
                by=by,
                compare=compare,
                first=first,
                second=second,
            )
            yield (
                by,
                agg.gaps(by, compare=compare, where=where, schools=schools),
                ref.rename(columns={"gap_pp": "estimate_pp"}),
            )
        for across, levels in (("year_group", (7, 9)), ("wave", (1, 2))):
            by = [c for c in ("wave", "year_group") if c != across][:1]
            ref = stats.gap_change(
                _reference_totals(rows, items, [*by, compare, across], weights),
                by=by,
                compare=compare,
                first=first,
                second=second,
                across=across,
                levels=levels,
                schools=schools,
            )
            ref["estimate_pp"] = ref["gap_change_pp"]
            ref["share_first"] = ref["gap_from_pp"] / 100
            ref["share_second"] = ref["gap_to_pp"] / 100
            ref["n_first"] = ref["n_first_from"] + ref["n_second_from"]
            ref["n_second"] = ref["n_first_to"] + ref["n_second_to"]
            yield (
                by,
                agg.gap_change(by, compare=compare, across=across, where=where, schools=schools),
                ref,
            )
        for by in ([], [compare]):
            ref = stats.change(
                _reference_totals(rows, items, [*by, "wave"], weights),
                by=by,
                across="wave",
                levels=(1, 2),
                schools=schools,
            )
            yield (
                by,
                agg.change(by, where=where, schools=schools),
                ref.rename(columns=_CHANGE_AS_COMPARISON),
            )
            totals = _reference_totals(rows, items, [*by, "wave", "year_group"], weights)
            stage = {(1, 7): "year 7 in wave 1", (2, 9): "year 9 in wave 2"}
            totals["cohort"] = [
                stage.get((int(w), int(y))) for w, y in zip(totals["wave"], totals["year_group"])
            ]
            ref = stats.change(
                totals.drop(columns=["wave", "year_group"]),
                by=by,
                across="cohort",
                levels=measures.COHORT_LEVELS,
                schools=schools,
            )
            yield (
                by,
                agg.cohort(by, where=where, schools=schools),
                ref.rename(columns=_CHANGE_AS_COMPARISON),
            )


@pytest.mark.parametrize("weights", [False, True])
def test_comparisons_equal_stats_on_the_pupil_rows(weights):
    """Gaps, gap changes, changes and the cohort computed from the stored cells
    equal analysis.stats' (checked against statsmodels in test_stats.py) on
    school totals read from the pupil rows, for all and common schools."""
    t = small_table(weights)
    agg = measures.SurveyAggregates(t)
    for by, got, expect in _comparison_cases(t, agg, weights, "gender"):
        _assert_same(got, expect, by)


def test_comparisons_equal_stats_on_the_sample(sample, agg):
    """The same on the sample (27 schools, 19 in both waves), ethnicity gaps and
    a filter on the cells included."""
    for compare, where in (("ethnicity", None), ("gender", {"year_group": 9})):
        for by, got, expect in _comparison_cases(sample, agg, False, compare, where):
            _assert_same(got, expect, by)


def test_comparisons_with_nothing_to_compare_keep_their_shape(agg):
    """A filter that leaves no cell, or a block without binary/agreement items,
    gives an empty table in the comparison shape."""
    for r in (
        agg.gaps(["wave"], where={"school_id": "no such school"}),
        agg.cohort(block="aim"),
        agg.change(["gender"], block="aim", schools="common"),
    ):
        assert r.empty and list(r.columns)[-len(measures.COMPARISON_COLUMNS) :] == list(
            measures.COMPARISON_COLUMNS
        )


def test_all_measures_tables_equal_plain_pandas_and_the_single_views(sample, agg):
    """all_measures splits each breakdown's rows by block as arrays: a block's
    table holds, per breakdown, exactly the rows of shares + distribution of
    that block, in that order, and its shares equal a plain pandas groupby."""
    breakdowns = [(), ("gender",), ("wave", "school_id")]
    result = agg.all_measures(breakdowns=breakdowns, comparisons=False)
    plain = agg.all_measures(breakdowns=breakdowns, comparisons=False, categorical=False)
    assert set(result) == set(plain) == {b.key for b in agg.blocks}
    for key in ("enjoy", "favourite", "aim"):
        table = result[key]["shares"]
        # text columns are categoricals of the same values as the str/object columns
        for c in measures.TEXT_COLUMNS:
            assert isinstance(table[c].dtype, pd.CategoricalDtype), c
            assert plain[key]["shares"][c].dtype == (
                object if c in ("block", "label", "item") else pd.Series([""]).dtype
            ), c
        assert {"", "c", "u"} <= set(table["suppressed"].cat.categories)
        marked = table.copy()
        marked.loc[marked.index[:2], "suppressed"] = "c"  # as in a str column
        assert marked["suppressed"].iloc[:3].tolist() == ["c", "c", ""]
        first = str(plain[key]["shares"]["measure"].iloc[0])  # compared with a str
        assert (
            (table["measure"] == first).sum()
            == (plain[key]["shares"]["measure"] == first).sum()
            > 0
        )
        pd.testing.assert_frame_equal(
            table.astype({c: plain[key]["shares"][c].dtype for c in measures.TEXT_COLUMNS}),
            plain[key]["shares"],
        )
        parts = []
        for by in breakdowns:
            name = " × ".join(by) or "all pupils"
            part = plain[key]["shares"]
            part = part[part["breakdown"] == name].drop(columns="breakdown")
            single = pd.concat(
                [f for f in (agg.shares(by, key), agg.distribution(by, key)) if len(f)],
                ignore_index=True,
            )
            pd.testing.assert_frame_equal(part[single.columns].reset_index(drop=True), single)
            parts.append(part)
        assert sum(len(p) for p in parts) == len(table)
        # a group column a breakdown lacks is empty in its rows, in the column's dtype
        total = table[table.breakdown == "all pupils"]
        assert total[["gender", "school_id"]].isna().all().all()
        assert table.loc[table.breakdown == "wave × school_id", "gender"].isna().all()
        assert table.loc[table.breakdown == "gender", "gender"].notna().all()
        for c in ("wave", "gender", "school_id"):
            assert table[c].dtype == agg.cells[c].dtype
        assert list(table.columns) == [
            *measures.SHARE_COLUMNS,
            "breakdown",
            "gender",
            "wave",
            "school_id",
        ]
    table = result["enjoy"]["shares"]
    got = table[
        (table.breakdown == "wave × school_id")
        & (table.measure == "share")
        & (table.item == "enjoy_science")
    ].set_index(["wave", "school_id"])["share"]
    v = sample["enjoy_science"].astype("float64")
    expect = (
        (v >= 3)
        .astype(float)
        .where(v.notna())
        .groupby([sample["wave"], sample["school_id"]], observed=True)
        .mean()
    )
    assert len(got) == len(expect) == sample.groupby(["wave", "school_id"], observed=True).ngroups
    np.testing.assert_allclose(got.loc[expect.index].to_numpy(), expect.to_numpy(), rtol=1e-12)


def test_share_sums_taken_a_few_items_at_a_time_give_the_same_tables(agg, monkeypatch):
    """By school × wave the (group × school) temporaries are bounded by taking
    items a few at a time (one at a time here); tables are the same as in one go
    (which the tests above check against plain pandas)."""
    whole = [
        agg.shares(["gender"]),
        agg.distribution(["wave", "school_id"]),
        agg.distribution(["year_group"], block="aim"),
    ]
    monkeypatch.setattr(share_tables, "_CHUNK_CELLS", 1)
    parts = [
        agg.shares(["gender"]),
        agg.distribution(["wave", "school_id"]),
        agg.distribution(["year_group"], block="aim"),
    ]
    for a, b in zip(whole, parts):
        pd.testing.assert_frame_equal(a, b)


def test_ranks_on_arrays_equal_pandas_rank_with_ties_and_missing():
    """Ranks within a group: 1 = highest, ties share the lower rank, NaN none
    (pandas' rank(method="min", ascending=False) as the reference)."""
    rng = np.random.default_rng(5)
    group = rng.integers(0, 40, 2000)
    share = rng.choice([0.0, 0.25, 0.5, 1 / 3, 0.75, 1.0, np.nan], 2000)
    expect = pd.Series(share).groupby(group).rank(method="min", ascending=False).to_numpy()
    np.testing.assert_array_equal(_rank_within(group, share), expect)
    assert np.isnan(_rank_within(np.zeros(3, dtype=int), np.full(3, np.nan))).all()


def test_all_measures_split_by_block_the_same_by_slices_or_by_sorting(agg, monkeypatch):
    """A breakdown's rows are split by block by slicing the (cells × items)
    arrays when rows are in order; with _in_order answering False (rows then
    sorted and gathered, the general path) the tables are the same."""
    breakdowns = [("gender",), ("wave", "school_id")]
    fast = agg.all_measures(breakdowns=breakdowns, comparisons=False)
    monkeypatch.setattr(share_tables, "_in_order", lambda frame: False)
    slow = agg.all_measures(breakdowns=breakdowns, comparisons=False)
    assert set(fast) == set(slow)
    for key in fast:
        pd.testing.assert_frame_equal(fast[key]["shares"], slow[key]["shares"])


def test_ranks_in_runs_equal_pandas_rank_with_ties_and_missing():
    """The ranks of all_measures' rows (cells × items, a block's items one run):
    pandas' rank(method="min", ascending=False) within each cell and block."""
    rng = np.random.default_rng(6)
    runs = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 3])
    share = rng.choice([0.0, 0.25, 0.5, 1 / 3, 0.75, 1.0, np.nan], (300, len(runs)))
    cell = np.repeat(np.arange(300), len(runs))
    group = cell * 10 + np.tile(runs, 300)
    expect = pd.Series(share.ravel()).groupby(group).rank(method="min", ascending=False).to_numpy()
    np.testing.assert_array_equal(_rank_in_runs(share, runs), expect)


@pytest.mark.parametrize("weights", [False, True])
def test_all_measures_comparisons_sum_one_grouping_once_and_equal_stats(weights, monkeypatch):
    """In all_measures the gender gaps and gap changes group by wave, year group,
    gender and school in three column orders: the cells are summed once and the
    rows taken in each order. Every standard comparison equals analysis.stats'
    on school totals read from the pupil rows (all and common schools)."""
    from analysis import stats

    t = small_table(weights)
    agg = measures.SurveyAggregates(t)
    groupings = []
    grouped = agg._grouped
    monkeypatch.setattr(
        agg, "_grouped", lambda by, mask: groupings.append(frozenset(by)) or grouped(by, mask)
    )
    out = agg.all_measures(breakdowns=[()])
    assert groupings.count(frozenset({"wave", "year_group", "gender"})) == 1
    assert groupings.count(frozenset({"wave", "year_group"})) == 1
    comp = pd.concat(
        [v["comparisons"] for v in out.values() if "comparisons" in v], ignore_index=True
    )
    items = [it.column for it in agg.items if it.scale != "categorical"]
    common = t[t["school_id"].astype(str).isin(agg.common_schools)]

    def totals(rows, by):
        return _reference_totals(rows, items, by, weights)

    def check(measure, schools, by, expect):
        got = comp[(comp["measure"] == measure) & (comp["schools"] == schools)]
        key = lambda f: f[[*by, "item"]].astype(str).agg("|".join, axis=1)  # noqa: E731
        got = got.set_index(key(got).to_numpy())
        expect = expect.set_index(key(expect).to_numpy())
        assert sorted(got.index) == sorted(expect.index)
        _assert_same(
            got.loc[expect.index].reset_index(drop=True), expect.reset_index(drop=True), by
        )

    check(
        "gender_gap",
        "all",
        ["wave", "year_group"],
        stats.gaps(
            totals(t, ["wave", "year_group", "gender"]),
            by=["wave", "year_group"],
            compare="gender",
            first="boy",
            second="girl",
        ).rename(columns={"gap_pp": "estimate_pp"}),
    )
    for across, by, suffix, schools_ in (
        ("year_group", ["wave"], "years", ("all",)),
        ("wave", ["year_group"], "waves", ("all", "common")),
    ):
        levels = (7, 9) if across == "year_group" else (1, 2)
        for schools in schools_:
            ref = stats.gap_change(
                totals(t, [*by, "gender", across]),
                by=by,
                compare="gender",
                first="boy",
                second="girl",
                across=across,
                levels=levels,
                schools=schools,
            )
            ref["estimate_pp"] = ref["gap_change_pp"]
            ref["share_first"], ref["share_second"] = (
                ref["gap_from_pp"] / 100,
                ref["gap_to_pp"] / 100,
            )
            ref["n_first"] = ref["n_first_from"] + ref["n_second_from"]
            ref["n_second"] = ref["n_first_to"] + ref["n_second_to"]
            check(f"gender_gap_change_{suffix}", schools, by, ref)
    for schools in ("all", "common"):
        ref = stats.change(
            totals(t, ["year_group", "wave"]),
            by=["year_group"],
            across="wave",
            levels=(1, 2),
            schools=schools,
        )
        check(
            "change_waves",
            schools,
            ["year_group"],
            ref.rename(columns=_CHANGE_AS_COMPARISON),
        )
        both = totals(t, ["wave", "year_group"])
        stage = {(1, 7): "year 7 in wave 1", (2, 9): "year 9 in wave 2"}
        both["cohort"] = [
            stage.get((int(w), int(y))) for w, y in zip(both["wave"], both["year_group"])
        ]
        ref = stats.change(
            both.drop(columns=["wave", "year_group"]),
            by=[],
            across="cohort",
            levels=measures.COHORT_LEVELS,
            schools=schools,
        )
        check("cohort", schools, [], ref.rename(columns=_CHANGE_AS_COMPARISON))
    assert len(common)  # the small table has schools in both waves


@pytest.mark.parametrize("weights", [False, True])
def test_item_sums_in_another_column_order_equal_a_fresh_grouping(weights):
    """The rows of a kept grouping, taken in another column order, are exactly
    (keys, dtypes, row order, every sum) the grouping summed afresh in that order."""
    agg = measures.SurveyAggregates(small_table(weights))
    chosen = agg._items(None)
    mask = np.ones(len(agg.cells), dtype=bool)
    orders = [
        ["wave", "year_group", "gender"],
        ["wave", "gender", "year_group"],
        ["year_group", "gender", "wave"],
        ["gender", "wave", "year_group"],
    ]
    fresh = [agg._item_sums(o, mask, chosen) for o in orders]  # no cache: each summed
    agg._group_cache = {"coarse": {}}
    try:
        kept = [agg._item_sums(o, mask, chosen) for o in orders]
        assert len(agg._group_cache["items"][1]) == len(fresh[0][0])
    finally:
        agg._group_cache = None
    for (k1, s1), (k2, s2), o in zip(fresh, kept, orders):
        assert list(k2.columns) == [*o, "school_id"]
        pd.testing.assert_frame_equal(k1, k2, check_exact=True)
        for a, b in zip(s1, s2):
            np.testing.assert_array_equal(a, b)
        assert (s2[2] is s2[0]) == (not weights) and (s2[3] is s2[0]) == (not weights)


@pytest.mark.parametrize("weights", [False, True])
@pytest.mark.parametrize("by", [[], ["wave"]])
def test_distribution_bases_schools_and_se_equal_pandas_per_code(by, weights):
    """A distribution's base, pupils and schools are summed once per item and
    spread to its codes: each code's n, n_pupils, count, share, n_schools and
    school-clustered se equal pandas on the pupil rows (the code as a 0/1
    outcome; v = G/(G-1) Σ_g (c_g - p n_g)² / N², G schools with answers)."""
    t = small_table(weights)
    d = measures.SurveyAggregates(t).distribution(by, block="enjoy")
    w = t["weight"] if weights else pd.Series(1.0, index=t.index)
    answered = t["enjoy_maths"].notna()
    for key, part in t.groupby(by) if by else [((), t)]:
        key = key if isinstance(key, tuple) else (key,)
        got = d[(d.item == "enjoy_maths")]
        for c, v in zip(by, key):
            got = got[got[c] == v]
        a = answered.loc[part.index]
        for k in (1, 2, 3, 4):
            row = got[got["category"] == str(k)].iloc[0]
            y = (part["enjoy_maths"] == k).fillna(False).astype(float)
            wp = w.loc[part.index].where(a, 0.0)
            per_school = (
                pd.DataFrame({"n": wp, "c": wp * y, "s": part["school_id"]})
                .groupby("s", observed=True)
                .sum()
            )
            N, C = per_school["n"].sum(), per_school["c"].sum()
            G = int((per_school["n"] > 0).sum())
            p = C / N
            v = G / (G - 1) * ((per_school["c"] - p * per_school["n"]) ** 2).sum() / N**2
            assert row["n"] == pytest.approx(N, rel=1e-12)
            assert row["count"] == pytest.approx(C, rel=1e-12)
            assert row["n_pupils"] == int(a.sum())
            assert row["n_schools"] == G
            assert row["share"] == pytest.approx(p, rel=1e-12)
            assert row["se"] == pytest.approx(np.sqrt(v), rel=1e-9)
