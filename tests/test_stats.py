"""Tests for analysis.stats against independent references.

References: hand arithmetic (written out in each test), statsmodels OLS/WLS
with ``cov_type="cluster"``, statsmodels' Wilson interval, ``multipletests``
and ``MixedLM``, and plain pandas groupbys on the pupil rows.

statsmodels' cluster covariance is CR1 with the factor
``G/(G-1) · (N-1)/(N-K)``; ours (the survey linearisation) has ``G/(G-1)``
only, so statsmodels' variance is ours times ``(N-1)/(N-K)`` exactly
(``K`` = number of coefficients; 1 for a share, so equal there).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as dist
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from analysis import stats

BINARY = "club_science"  # binary item: 1 = yes
AGREE = "enjoy_maths"  # agreement item: 3 or 4 = agree (contract)


def pupils(n_schools=12, per_school=40, seed=0, weights=False, missing=0.08):
    """Random pupils with school effects, two waves, two year groups, gender."""
    rng = np.random.default_rng(seed)
    school = np.repeat([f"s{g:02d}" for g in range(n_schools)], per_school)
    effect = np.repeat(rng.normal(0, 0.8, n_schools), per_school)
    n = len(school)
    gender = rng.choice(["boy", "girl"], n)
    year = rng.choice([7, 9], n)
    wave = rng.choice([1, 2], n)
    lin = (
        effect + 0.4 * (gender == "boy") - 0.3 * (year == 9) + 0.5 * (gender == "boy") * (year == 9)
    )
    binary = (rng.random(n) < 1 / (1 + np.exp(-lin))).astype(float)
    agree = np.clip(np.round(2.5 + lin + rng.normal(0, 1, n)), 1, 4)
    binary[rng.random(n) < missing] = np.nan
    agree[rng.random(n) < missing] = np.nan
    t = pd.DataFrame(
        {
            "school_id": pd.Categorical(school),
            "wave": pd.array(wave, dtype="Int8"),
            "year_group": pd.array(year, dtype="Int8"),
            "gender": pd.Categorical(gender, categories=["girl", "boy", "other"]),
            BINARY: pd.array(binary, dtype="Int8"),
            AGREE: pd.array(agree, dtype="Int8"),
        }
    )
    if weights:
        t["weight"] = rng.uniform(0.3, 3.0, n)
    return t


def outcome(t, item):
    """0/1 "yes"/"agree" by the contract, NaN if missing (independent of schema)."""
    v = t[item].to_numpy(dtype="float64", na_value=np.nan)
    yes = (v >= 3) if item == AGREE else (v == 1)
    return np.where(np.isnan(v), np.nan, yes.astype(float))


def cluster_fit(y, X, groups, w=None):
    """OLS (WLS with weights) with statsmodels' cluster-robust covariance, t on G-1 df."""
    model = sm.WLS(y, X, weights=w) if w is not None else sm.OLS(y, X)
    codes = pd.factorize(np.asarray(groups))[0]
    return model.fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)


def sm_factor(N, K):
    return (N - 1) / (N - K)


# ---------------------------------------------------------------------------
# cluster_totals


def test_cluster_totals_by_hand():
    t = pd.DataFrame(
        {
            "school_id": ["a", "a", "a", "b", "b", "b", "b"],
            "gender": ["boy", "boy", "girl", "boy", "girl", "girl", None],
            BINARY: [1, 0, 1, None, 1, 1, 1],
            AGREE: [4, 3, 2, 1, None, 3, 4],
        }
    )
    r = stats.cluster_totals(t, [BINARY, AGREE], by=["gender"])
    got = {
        (row.gender, row.school_id, row.item): (row.n, row.count, row.n_pupils)
        for row in r.itertuples()
    }
    # pupil 7 has no gender: left out of a gender breakdown
    assert got == {
        ("boy", "a", BINARY): (2, 1, 2),  # 1, 0
        ("boy", "a", AGREE): (2, 2, 2),  # 4, 3 both agree
        ("girl", "a", BINARY): (1, 1, 1),
        ("girl", "a", AGREE): (1, 0, 1),  # 2 = disagree
        ("boy", "b", BINARY): (0, 0, 0),  # the only boy left it blank
        ("boy", "b", AGREE): (1, 0, 1),  # 1
        ("girl", "b", BINARY): (2, 2, 2),
        ("girl", "b", AGREE): (1, 1, 1),  # blank, 3
    }
    assert list(r.columns) == ["gender", "school_id", "item", "n", "count", "sumw2", "n_pupils"]
    assert (r["sumw2"] == r["n"]).all()


def test_cluster_totals_weighted_by_hand():
    t = pd.DataFrame(
        {"school_id": ["a", "a", "a", "b"], BINARY: [1, 0, None, 1], "weight": [2.0, 0.5, 7.0, 3.0]}
    )
    r = stats.cluster_totals(t, [BINARY], weight="weight").set_index("school_id")
    # school a: answered weights 2 and 0.5 (the blank's 7 is not in the base)
    assert r.loc["a", "n"] == 2.5 and r.loc["a", "count"] == 2.0
    assert r.loc["a", "sumw2"] == 4.25 and r.loc["a", "n_pupils"] == 2
    assert r.loc["b", "n"] == 3.0 and r.loc["b", "sumw2"] == 9.0


def test_cluster_totals_matches_pandas_groupby():
    t = pupils(seed=3, weights=True)
    r = stats.cluster_totals(t, [BINARY, AGREE], by=["wave", "gender"], weight="weight")
    for item in (BINARY, AGREE):
        frame = pd.DataFrame(
            {
                "wave": t["wave"].astype(int),
                "gender": t["gender"].astype(str),
                "school_id": t["school_id"].astype(str),
                "y": outcome(t, item),
                "w": t["weight"],
            }
        )
        frame = frame[frame.y.notna()]
        frame["wy"] = frame.w * frame.y
        frame["w2"] = frame.w**2
        ref = frame.groupby(["wave", "gender", "school_id"])[["w", "wy", "w2"]].sum()
        mine = r[r.item == item].assign(
            wave=lambda d: d.wave.astype(int),
            gender=lambda d: d.gender.astype(str),
            school_id=lambda d: d.school_id.astype(str),
        )
        mine = mine.set_index(["wave", "gender", "school_id"]).loc[ref.index]
        np.testing.assert_allclose(mine["n"], ref["w"])
        np.testing.assert_allclose(mine["count"], ref["wy"])
        np.testing.assert_allclose(mine["sumw2"], ref["w2"])


def test_cluster_totals_skips_absent_items_and_refuses_categorical():
    t = pupils(n_schools=2, per_school=5)
    r = stats.cluster_totals(t, [BINARY, "trip_maths"], by=[])
    assert set(r["item"]) == {BINARY}
    t["qualification_aim"] = "degree"
    with pytest.raises(ValueError, match="qualification_aim.*categorical"):
        stats.cluster_totals(t, ["qualification_aim"])


@pytest.mark.parametrize(
    "values, rows",
    [([1, 0, 2, 1, 7], "rows 3, 5"), ([1, -1, 0, 1, 1], "row 2"), ([1, 0.5, 0, 1, 1], "row 2")],
)
def test_cluster_totals_names_rows_with_bad_codes(values, rows):
    t = pd.DataFrame({"school_id": list("aabbb"), BINARY: values})
    with pytest.raises(ValueError) as err:
        stats.cluster_totals(t, [BINARY])
    assert BINARY in str(err.value) and rows in str(err.value)


def test_cluster_totals_refuses_bad_weights():
    t = pd.DataFrame({"school_id": list("abc"), BINARY: [1, 0, 1], "weight": [1.0, None, -2]})
    with pytest.raises(ValueError, match=r"'weight', rows 2, 3"):
        stats.cluster_totals(t, [BINARY], weight="weight")


def test_cluster_totals_missing_column_is_named():
    with pytest.raises(ValueError, match="ethnicity"):
        stats.cluster_totals(pupils(2, 5), [BINARY], by=["ethnicity"])


# ---------------------------------------------------------------------------
# proportions


def test_proportion_by_hand():
    # schools a, b, c: 2/10, 4/10, 4/20 -> p = 10/40 = 0.25
    # residuals c_g - p n_g: 2 - 2.5 = -0.5, 4 - 2.5 = 1.5, 4 - 5 = -1
    # v = 3/2 * (0.25 + 2.25 + 1) / 40**2 = 0.00328125
    # SRS variance p(1-p)/n = 0.1875/40 = 0.0046875 -> deff = 0.7 < 1
    # so n_eff is truncated at n = 40 (Korn & Graubard): Wilson on 40 with t_2
    totals = pd.DataFrame(
        {
            "school_id": ["a", "b", "c"],
            "item": BINARY,
            "n": [10.0, 10.0, 20.0],
            "count": [2.0, 4.0, 4.0],
            "sumw2": [10.0, 10.0, 20.0],
            "n_pupils": [10, 10, 20],
        }
    )
    r = stats.proportions(totals).iloc[0]
    assert r["share"] == 0.25
    assert r["se"] == pytest.approx(np.sqrt(0.00328125))
    assert r["deff"] == pytest.approx(0.7)
    assert r["n_eff"] == 40
    assert r["n_schools"] == 3 and r["df"] == 2
    q = 4.302652729749464  # t quantile 0.975 on 2 df
    denom = 1 + q**2 / 40
    centre = (0.25 + q**2 / 80) / denom
    half = q / denom * np.sqrt(0.25 * 0.75 / 40 + q**2 / (4 * 40**2))
    assert r["ci_low"] == pytest.approx(centre - half)
    assert r["ci_high"] == pytest.approx(centre + half)


def test_proportion_wilson_on_effective_n_with_t():
    # 4 schools of 10: 1, 5, 2, 8 yes -> p = 16/40 = 0.4
    # residuals: -3, 1, -2, 4 -> sum of squares 30; v = 4/3 * 30 / 1600 = 0.025
    # deff = 0.025 / (0.24/40) = 25/6; n_eff = 40 / (25/6) = 9.6
    totals = pd.DataFrame(
        {
            "school_id": list("abcd"),
            "item": BINARY,
            "n": 10.0,
            "count": [1.0, 5.0, 2.0, 8.0],
            "sumw2": 10.0,
            "n_pupils": 10,
        }
    )
    r = stats.proportions(totals, alpha=0.1).iloc[0]
    assert r["se"] == pytest.approx(np.sqrt(0.025))
    assert r["deff"] == pytest.approx(25 / 6)
    assert r["n_eff"] == pytest.approx(9.6)
    q = dist.t.ppf(0.95, 3)
    denom = 1 + q**2 / 9.6
    centre = (0.4 + q**2 / 19.2) / denom
    half = q / denom * np.sqrt(0.24 / 9.6 + q**2 / (4 * 9.6**2))
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((centre - half, centre + half))


def test_proportion_se_equals_statsmodels_constant_only_cluster():
    t = pupils(seed=5)
    for item in (BINARY, AGREE):
        r = stats.proportions(stats.cluster_totals(t, [item]), by=[]).iloc[0]
        y = outcome(t, item)
        ok = ~np.isnan(y)
        fit = cluster_fit(y[ok], np.ones((ok.sum(), 1)), t["school_id"][ok])
        assert r["share"] == pytest.approx(fit.params[0], rel=1e-12)
        # K = 1: statsmodels' factor (N-1)/(N-K) is 1, the variances are equal
        assert r["se"] == pytest.approx(fit.bse[0], rel=1e-10)


def test_weighted_proportion_equals_weighted_mean_and_wls():
    t = pupils(seed=6, weights=True)
    r = stats.proportions(stats.cluster_totals(t, [AGREE], weight="weight")).iloc[0]
    y = outcome(t, AGREE)
    ok = ~np.isnan(y)
    w = t["weight"].to_numpy()[ok]
    assert r["share"] == pytest.approx((w * y[ok]).sum() / w.sum(), rel=1e-12)
    assert r["n"] == pytest.approx(w.sum()) and r["n_pupils"] == ok.sum()
    fit = cluster_fit(y[ok], np.ones((ok.sum(), 1)), t["school_id"][ok], w=w)
    assert r["se"] == pytest.approx(fit.bse[0], rel=1e-10)


def test_wilson_interval_equals_statsmodels():
    for count, n in [(0, 25), (3, 25), (12, 25), (25, 25), (170, 1000)]:
        low, high = stats.wilson_interval(count / n, n, dist.norm.ppf(0.975))
        ref = proportion_confint(count, n, alpha=0.05, method="wilson")
        assert (low, high) == pytest.approx(ref, abs=1e-12)


def test_proportion_is_plain_wilson_with_deff_1_and_many_schools():
    # 2000 schools each 3 of 10 yes: no between-school variance, deff -> capped at 1,
    # n_eff = n; t on 1999 df is close to z, so the statsmodels Wilson interval
    G = 2000
    totals = pd.DataFrame(
        {
            "school_id": np.arange(G),
            "item": BINARY,
            "n": 10.0,
            "count": 3.0,
            "sumw2": 10.0,
            "n_pupils": 10,
        }
    )
    r = stats.proportions(totals).iloc[0]
    assert r["n_eff"] == 10 * G
    ref = proportion_confint(3 * G, 10 * G, alpha=0.05, method="wilson")
    # t_{0.975, 1999} = 1.96115 vs z = 1.95996: limits differ by about 4e-6
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(ref, abs=1e-5)


def test_proportion_summed_over_finer_breakdown():
    t = pupils(seed=7)
    fine = stats.proportions(
        stats.cluster_totals(t, [BINARY, AGREE], by=["wave", "gender"]), by=["wave"]
    )
    coarse = stats.proportions(stats.cluster_totals(t, [BINARY, AGREE], by=["wave"]), by=["wave"])
    pd.testing.assert_frame_equal(fine, coarse)


def test_proportions_match_pandas_share():
    t = pupils(seed=8)
    r = stats.proportions(stats.cluster_totals(t, [AGREE], by=["year_group"]), by=["year_group"])
    y = pd.Series(outcome(t, AGREE))
    ref = y.groupby(t["year_group"].astype(int).to_numpy()).mean()
    np.testing.assert_allclose(r.set_index(r.year_group.astype(int))["share"], ref.loc[[7, 9]])


def test_proportion_edge_cases():
    totals = pd.DataFrame(
        {
            "school_id": ["a", "b", "a", "b", "a", "b", "a", "c"],
            "item": [
                BINARY,
                BINARY,
                AGREE,
                AGREE,
                "trip_maths",
                "trip_maths",
                "visitor_talk",
                "visitor_talk",
            ],
            "n": [10.0, 5.0, 8.0, 0.0, 0.0, 0.0, 6.0, 4.0],
            "count": [10.0, 5.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            "sumw2": [10.0, 5.0, 8.0, 0.0, 0.0, 0.0, 6.0, 4.0],
            "n_pupils": [10, 5, 8, 0, 0, 0, 6, 4],
        }
    )
    r = stats.proportions(totals).set_index("item")
    # share of 1 in two schools: se 0, deff undefined (NaN), n_eff = n, Wilson with t_1
    one = r.loc[BINARY]
    assert one["share"] == 1 and one["se"] == 0 and np.isnan(one["deff"])
    q = dist.t.ppf(0.975, 1)
    assert one["ci_high"] == pytest.approx(1.0)
    assert one["ci_low"] == pytest.approx(15 / (15 + q**2))  # Wilson lower at p = 1
    # only school a answered: one school -> se NaN, plain Wilson with z on n
    single = r.loc[AGREE]
    assert single["n_schools"] == 1 and np.isnan(single["se"]) and np.isnan(single["deff"])
    ref = proportion_confint(2, 8, method="wilson")
    assert (single["ci_low"], single["ci_high"]) == pytest.approx(ref)
    # nobody answered: n = 0, everything else NaN, no crash
    empty = r.loc["trip_maths"]
    assert empty["n"] == 0 and empty["n_schools"] == 0
    assert np.isnan(empty[["share", "se", "ci_low", "ci_high"]].astype(float)).all()
    # share 0: lower limit 0, upper q²/(n + q²) on n = 10 with t_1
    zero = r.loc["visitor_talk"]
    assert zero["ci_low"] == 0 and zero["ci_high"] == pytest.approx(q**2 / (10 + q**2))


def test_all_missing_item_from_pupils():
    t = pupils(n_schools=3, per_school=6)
    t[BINARY] = pd.array([pd.NA] * len(t), dtype="Int8")
    r = stats.proportions(stats.cluster_totals(t, [BINARY, AGREE]))
    row = r.set_index("item").loc[BINARY]
    assert row["n"] == 0 and np.isnan(row["share"])


# ---------------------------------------------------------------------------
# gaps, gap changes, changes: statsmodels regressions


def regression_frame(t, item, weights=False):
    y = outcome(t, item)
    ok = ~np.isnan(y)
    d = pd.DataFrame(
        {
            "y": y,
            "boy": (t["gender"] == "boy").astype(float).to_numpy(),
            "y9": (t["year_group"] == 9).astype(float).to_numpy(),
            "w2": (t["wave"] == 2).astype(float).to_numpy(),
            "school": t["school_id"].astype(str).to_numpy(),
        }
    )
    if weights:
        d["weight"] = t["weight"].to_numpy()
    return d[ok].reset_index(drop=True)


@pytest.mark.parametrize("weights", [False, True])
def test_gap_equals_ols_dummy_coefficient_with_cluster_se(weights):
    t = pupils(seed=11, weights=weights)
    totals = stats.cluster_totals(
        t, [BINARY, AGREE], by=["gender"], weight="weight" if weights else None
    )
    r = stats.gaps(totals, by=["gender"]).set_index("item")
    assert (r["first"] == "boy").all() and (r["second"] == "girl").all()
    for item in (BINARY, AGREE):
        d = regression_frame(t, item, weights)
        fit = cluster_fit(
            d.y, sm.add_constant(d[["boy"]]), d.school, w=d.weight if weights else None
        )
        row = r.loc[item]
        assert row["gap_pp"] == pytest.approx(100 * fit.params["boy"], rel=1e-10)
        se = row["se_pp"] / 100
        # statsmodels' variance = ours * (N-1)/(N-K), K = 2
        assert fit.bse["boy"] == pytest.approx(se * np.sqrt(sm_factor(len(d), 2)), rel=1e-10)
        # same t reference (G-1 df): statsmodels' p-value from its own se
        G = d.school.nunique()
        assert row["df"] == G - 1 == fit.df_resid_inference
        assert fit.pvalues["boy"] == pytest.approx(
            2 * dist.t.sf(abs(fit.params["boy"]) / fit.bse["boy"], G - 1), rel=1e-10
        )
        # and ours is that computation with our se
        assert row["p_value"] == pytest.approx(
            2 * dist.t.sf(abs(fit.params["boy"]) / se, G - 1), rel=1e-10
        )
        lo, hi = fit.params["boy"] + np.array([-1, 1]) * dist.t.ppf(0.975, G - 1) * se
        assert (row["ci_low_pp"], row["ci_high_pp"]) == pytest.approx((100 * lo, 100 * hi))


def test_gap_without_statsmodels_correction_is_equal():
    t = pupils(seed=12)
    r = stats.gaps(stats.cluster_totals(t, [BINARY], by=["gender"]), by=[]).iloc[0]
    d = regression_frame(t, BINARY)
    codes = pd.factorize(d.school)[0]
    fit = sm.OLS(d.y, sm.add_constant(d[["boy"]])).fit(
        cov_type="cluster", cov_kwds={"groups": codes, "use_correction": False}
    )
    G = d.school.nunique()
    # with no correction statsmodels has neither factor: ours = it * G/(G-1)
    assert (r["se_pp"] / 100) ** 2 == pytest.approx(fit.bse["boy"] ** 2 * G / (G - 1), rel=1e-10)


def test_gap_by_hand_with_shared_schools():
    # school a: boys 3/4, girls 1/4; school b: boys 1/2, girls 1/2 (n = 2 each)
    # p_boy = 4/6, p_girl = 2/6, gap = 1/3
    # z_a = (3 - 4/6*4)/6 - (1 - 2/6*4)/6 = (1/3)/6 - (-1/3)/6 = 1/9
    # z_b = (1 - 4/6*2)/6 - (1 - 2/6*2)/6 = (-1/3)/6 - (1/3)/6 = -1/9
    # v = 2/1 * (1/81 + 1/81) = 4/81, se = 2/9
    totals = pd.DataFrame(
        {
            "school_id": ["a", "a", "b", "b"],
            "gender": ["boy", "girl"] * 2,
            "item": BINARY,
            "n": [4.0, 4.0, 2.0, 2.0],
            "count": [3.0, 1.0, 1.0, 1.0],
            "sumw2": [4.0, 4.0, 2.0, 2.0],
            "n_pupils": [4, 4, 2, 2],
        }
    )
    r = stats.gaps(totals).iloc[0]
    assert r["gap_pp"] == pytest.approx(100 / 3)
    assert r["se_pp"] == pytest.approx(100 * 2 / 9)
    assert r["t"] == pytest.approx(1.5) and r["df"] == 1
    assert r["p_value"] == pytest.approx(2 * dist.t.sf(1.5, 1))
    # ignoring the shared schools (independent shares) would give a different se:
    # v_boy = 2*((3-8/3)²+(1-4/3)²)/36 = 2*(2/9)/36, likewise v_girl; sum = 8/324 = 2/81
    assert (r["se_pp"] / 100) ** 2 != pytest.approx(2 / 81)


def test_ethnicity_gap_and_fdr_column():
    t = pupils(seed=13)
    rng = np.random.default_rng(1)
    t["ethnicity"] = pd.Categorical(rng.choice(["white_british", "other_ethnic_group"], len(t)))
    totals = stats.cluster_totals(t, [BINARY, AGREE], by=["year_group", "ethnicity"])
    r = stats.gaps(
        totals,
        by=["year_group", "ethnicity"],
        compare="ethnicity",
        first="other_ethnic_group",
        second="white_british",
        fdr=True,
    )
    assert len(r) == 4 and "ethnicity" not in r.columns
    q, reject = multipletests(r["p_value"], alpha=0.05, method="fdr_bh")[1::-1]
    np.testing.assert_allclose(r["q_value"], q)
    assert (r["significant_fdr"] == reject).all()
    y = outcome(t, BINARY)
    sel = (t["year_group"] == 7).to_numpy() & ~np.isnan(y)
    other = (t["ethnicity"] == "other_ethnic_group").to_numpy()
    expect = np.nanmean(y[sel & other]) - np.nanmean(y[sel & ~other])
    row = r[(r.year_group == 7) & (r.item == BINARY)].iloc[0]
    assert row["gap_pp"] == pytest.approx(100 * expect)


def test_gap_with_an_empty_group_is_nan_not_an_error():
    t = pupils(seed=14)
    totals = stats.cluster_totals(t, [BINARY], by=["gender"])
    r = stats.gaps(totals, first="boy", second="other").iloc[0]
    assert np.isnan(r["gap_pp"]) and np.isnan(r["p_value"]) and r["n_second"] == 0
    assert np.isnan(r["df"])


def test_a_group_value_the_survey_does_not_have_is_named():
    totals = stats.cluster_totals(pupils(seed=15), [BINARY], by=["gender", "year_group"])
    with pytest.raises(ValueError, match="'gril'.*girl"):
        stats.gaps(totals, first="boy", second="gril")
    with pytest.raises(ValueError, match="year_group = 8"):
        stats.change(totals, across="year_group", levels=(7, 8))


@pytest.mark.parametrize("weights", [False, True])
def test_gap_change_equals_ols_interaction(weights):
    t = pupils(seed=21, weights=weights)
    totals = stats.cluster_totals(
        t, [BINARY, AGREE], by=["year_group", "gender"], weight="weight" if weights else None
    )
    r = stats.gap_change(totals, by=["year_group", "gender"]).set_index("item")
    for item in (BINARY, AGREE):
        d = regression_frame(t, item, weights)
        d["boy_y9"] = d.boy * d.y9
        fit = cluster_fit(
            d.y,
            sm.add_constant(d[["boy", "y9", "boy_y9"]]),
            d.school,
            w=d.weight if weights else None,
        )
        row = r.loc[item]
        assert row["gap_change_pp"] == pytest.approx(100 * fit.params["boy_y9"], rel=1e-9)
        assert row["gap_from_pp"] == pytest.approx(100 * fit.params["boy"], rel=1e-9)
        assert fit.bse["boy_y9"] == pytest.approx(
            row["se_pp"] / 100 * np.sqrt(sm_factor(len(d), 4)), rel=1e-9
        )


def test_gap_change_across_waves_with_common_schools():
    t = pupils(seed=22)
    keep = ~((t["wave"] == 2) & t["school_id"].isin(["s00", "s01", "s02"]))
    t = t[keep.to_numpy()].reset_index(drop=True)  # wave 2 lost three schools
    totals = stats.cluster_totals(t, [BINARY], by=["wave", "gender"])
    common = stats.gap_change(totals, across="wave", levels=(1, 2), schools="common").iloc[0]
    every = stats.gap_change(totals, across="wave", levels=(1, 2)).iloc[0]
    assert common["n_schools"] == 9 and every["n_schools"] == 12
    assert common["schools"] == "common" and every["schools"] == "all"
    d = regression_frame(t, BINARY)
    d = d[~d.school.isin(["s00", "s01", "s02"])]
    d["boy_w2"] = d.boy * d.w2
    fit = cluster_fit(d.y, sm.add_constant(d[["boy", "w2", "boy_w2"]]), d.school)
    assert common["gap_change_pp"] == pytest.approx(100 * fit.params["boy_w2"], rel=1e-9)
    assert fit.bse["boy_w2"] == pytest.approx(
        common["se_pp"] / 100 * np.sqrt(sm_factor(len(d), 4)), rel=1e-9
    )


@pytest.mark.parametrize("schools", ["all", "common"])
def test_change_between_waves_equals_ols(schools):
    t = pupils(seed=31)
    keep = ~((t["wave"] == 2) & t["school_id"].isin(["s10", "s11"]))
    t = t[keep.to_numpy()].reset_index(drop=True)
    totals = stats.cluster_totals(t, [BINARY, AGREE], by=["wave", "year_group"])
    r = stats.change(totals, by=["year_group"], schools=schools)
    assert set(r["schools"]) == {schools} and "wave" not in r.columns
    for item in (BINARY, AGREE):
        d = regression_frame(t, item)
        d["year"] = t["year_group"].astype(int).to_numpy()[~np.isnan(outcome(t, item))]
        for year in (7, 9):
            s = d[d.year == year]
            if schools == "common":
                s = s[~s.school.isin(["s10", "s11"])]
            fit = cluster_fit(s.y, sm.add_constant(s[["w2"]]), s.school)
            row = r[(r.item == item) & (r.year_group == year)].iloc[0]
            assert row["change_pp"] == pytest.approx(100 * fit.params["w2"], rel=1e-9)
            assert fit.bse["w2"] == pytest.approx(
                row["se_pp"] / 100 * np.sqrt(sm_factor(len(s), 2)), rel=1e-9
            )
            assert row["n_schools"] == s.school.nunique()


def test_change_between_year_groups_and_bad_option():
    t = pupils(seed=32)
    totals = stats.cluster_totals(t, [BINARY], by=["year_group"])
    r = stats.change(totals, across="year_group", levels=(7, 9)).iloc[0]
    y = outcome(t, BINARY)
    year = t["year_group"].to_numpy(dtype=int)
    assert r["change_pp"] == pytest.approx(
        100 * (np.nanmean(y[year == 9]) - np.nanmean(y[year == 7]))
    )
    with pytest.raises(ValueError, match="'all'.*'common'"):
        stats.change(totals, across="year_group", levels=(7, 9), schools="same")
    with pytest.raises(ValueError, match="wave"):
        stats.change(totals)  # totals not broken down by wave


# ---------------------------------------------------------------------------
# Benjamini-Hochberg and ICC


def test_benjamini_hochberg_equals_statsmodels():
    rng = np.random.default_rng(4)
    p = np.concatenate([rng.uniform(0, 0.01, 10), rng.uniform(0, 1, 40)])
    q, reject = stats.benjamini_hochberg(p, alpha=0.1)
    ref_reject, ref_q, _, _ = multipletests(p, alpha=0.1, method="fdr_bh")
    np.testing.assert_allclose(q, ref_q)
    assert (reject == ref_reject).all()


def test_benjamini_hochberg_leaves_missing_out():
    p = np.array([0.01, np.nan, 0.04, 0.03])
    q, reject = stats.benjamini_hochberg(p)
    ref = multipletests([0.01, 0.04, 0.03], method="fdr_bh")[1]
    np.testing.assert_allclose(q[[0, 2, 3]], ref)
    assert np.isnan(q[1]) and not reject[1]


def test_icc_by_hand_balanced():
    # 3 schools of 3: means 2, 4, 6 around 4
    # SSB = 3*(4 + 0 + 4) = 24, MSB = 12; SSW = 3 * (1 + 0 + 1) = 6, MSW = 6/6 = 1
    # n0 = 3: ICC = (12 - 1) / (12 + 2*1) = 11/14
    y = [1, 2, 3, 3, 4, 5, 5, 6, 7]
    g = list("aaabbbccc")
    assert stats.icc_anova(y, g) == pytest.approx(11 / 14)


def test_icc_matches_mixedlm_on_simulated_data():
    rng = np.random.default_rng(9)
    G, m, icc = 60, 30, 0.2
    u = np.repeat(rng.normal(0, np.sqrt(icc), G), m)
    y = u + rng.normal(0, np.sqrt(1 - icc), G * m)
    g = np.repeat(np.arange(G), m)
    fit = sm.MixedLM(y, np.ones((G * m, 1)), groups=g).fit(reml=True)
    between = float(np.asarray(fit.cov_re)[0, 0])
    ref = between / (between + fit.scale)
    mine = stats.icc_anova(y, g)
    assert mine == pytest.approx(ref, abs=0.01)
    assert mine == pytest.approx(icc, abs=0.08)


def test_icc_edge_cases():
    assert np.isnan(stats.icc_anova([1, 0, 1], ["a", "a", "a"]))
    assert stats.icc_anova([1, np.nan, 0, 0, 1, 1], list("aabbcc")) == pytest.approx(
        stats.icc_anova([1, 0, 0, 1, 1], list("abbcc"))
    )


def test_weighted_share_of_one_uses_kish_effective_n():
    # weights 1, 1, 2, 4 all "yes" in two schools: deff undefined, n_eff = (Σw)²/Σw²
    # = 8² / (1 + 1 + 4 + 16) = 64/22; Wilson lower limit at p = 1 is n/(n + q²)
    t = pd.DataFrame(
        {"school_id": list("aabb"), BINARY: [1, 1, 1, 1], "weight": [1.0, 1.0, 2.0, 4.0]}
    )
    r = stats.proportions(stats.cluster_totals(t, [BINARY], weight="weight")).iloc[0]
    assert r["share"] == 1 and np.isnan(r["deff"]) and r["n"] == 8 and r["n_pupils"] == 4
    assert r["n_eff"] == pytest.approx(64 / 22)
    q = dist.t.ppf(0.975, 1)
    assert r["ci_low"] == pytest.approx((64 / 22) / (64 / 22 + q**2)) and r["ci_high"] == 1


def test_share_columns_of_one_school_groups_are_wilson_on_the_pupils():
    """Groups of one school (tables by school) have no between-school variance:
    no se, design effect or df, n_eff = n (unweighted) and the interval is
    Wilson's with the normal quantile (statsmodels' proportion_confint)."""
    n = np.array([1.0, 7.0, 30.0, 12.0, 0.0, 5.0])
    count = np.array([0.0, 3.0, 30.0, 5.0, 0.0, 1.0])
    with np.errstate(invalid="ignore", divide="ignore"):
        share = count / np.where(n > 0, n, np.nan)
    out = stats._share_columns(
        n, n, count, n, share, np.full(6, np.nan), (n > 0).astype(float), 0.05
    )
    low, high = proportion_confint(count[n > 0], n[n > 0], alpha=0.05, method="wilson")
    np.testing.assert_allclose(out["ci_low"][n > 0], low, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out["ci_high"][n > 0], high, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(out["n_eff"], np.where(n > 0, n, np.nan))
    assert np.isnan(out["se"]).all() and np.isnan(out["deff"]).all() and np.isnan(out["df"]).all()
    assert np.isnan(out["ci_low"][n == 0]).all()
    assert out["n_schools"].dtype == np.int64 and out["n_pupils"].dtype == np.int64
