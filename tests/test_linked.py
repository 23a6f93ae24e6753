"""Linked pupils: transition tables and paired change, against a hand computation
and statsmodels (OLS of the paired difference, cluster-robust by school)."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as st

from analysis import linked
from analysis.disclosure import DisclosureRules
from analysis.load import load_survey
from analysis.synthetic import SAMPLE_DIR, WAVE_FILES


def pupils(rows):
    """rows: (pupil, school, wave, year, answer)"""
    return pd.DataFrame(
        rows, columns=["pupil_id", "school_id", "wave", "year_group", "club_science"]
    ).astype({"club_science": "Int8"})


def test_transitions_by_hand():
    # P1 yes->yes, P2 no->yes, P3 yes->no, P4 no->no, P5 no->yes (school b); P6 only in 2008;
    # P7 answered 2008 only (missing in 2010): not in the base
    t = pupils(
        [
            ("P1", "a", 1, 7, 1),
            ("P2", "a", 1, 7, 0),
            ("P3", "b", 1, 7, 1),
            ("P4", "b", 1, 7, 0),
            ("P5", "c", 1, 7, 0),
            ("P6", "c", 1, 7, 1),
            ("P7", "c", 1, 7, 1),
            ("P1", "a", 2, 9, 1),
            ("P2", "a", 2, 9, 1),
            ("P3", "b", 2, 9, 0),
            ("P4", "b", 2, 9, 0),
            ("P5", "c", 2, 9, 1),
            ("P7", "c", 2, 9, None),
            ("P8", "c", 2, 9, 1),
        ]
    )
    r = linked.transitions(
        t, cohort=pd.DataFrame({"item": ["club_science"], "estimate_pp": [10.0]})
    ).iloc[0]
    assert (r.n, r.yes_both, r.gained, r.lost, r.never) == (5, 1, 2, 1, 1)
    assert r.share_7 == pytest.approx(2 / 5) and r.share_9 == pytest.approx(3 / 5)
    assert r.change_pp == pytest.approx(100 * (2 - 1) / 5)
    # by hand: d = (0, 1, -1, 0, 1), theta = 0.2; school sums of d - theta:
    # a: (0-.2)+(1-.2) = 0.6, b: (-1-.2)+(0-.2) = -1.4, c: 1-.2 = 0.8
    v = 3 / 2 * ((0.6 / 5) ** 2 + (-1.4 / 5) ** 2 + (0.8 / 5) ** 2)
    assert r.se_pp == pytest.approx(100 * np.sqrt(v))
    half = st.t.ppf(0.975, 2) * 100 * np.sqrt(v)
    assert (r.ci_low_pp, r.ci_high_pp) == pytest.approx((20 - half, 20 + half))
    assert r.linked_minus_cohort_pp == pytest.approx(20 - 10)


@pytest.fixture(scope="module")
def sample():
    return load_survey([SAMPLE_DIR / f for f in WAVE_FILES.values()]).table


def test_the_sample_links_562_pupils(sample):
    assert len(linked.link(sample)) == 562
    assert linked.summary_note(sample).startswith("562 pupils link")


@pytest.mark.parametrize("item", ["enjoy_maths", "source_subject_teacher", "club_science"])
def test_paired_change_matches_statsmodels_cluster_robust_ols(sample, item):
    w1 = sample[(sample.wave == 1) & (sample.year_group == 7)]
    w2 = sample[(sample.wave == 2) & (sample.year_group == 9)]
    both = w1.merge(w2, on="pupil_id", suffixes=("_7", "_9"))
    positive = (3, 4) if item.startswith("enjoy") else (1,)
    y7 = both[f"{item}_7"].astype(float).isin(positive).astype(float)
    y9 = both[f"{item}_9"].astype(float).isin(positive).astype(float)
    keep = both[f"{item}_7"].notna() & both[f"{item}_9"].notna()
    d = (y9 - y7)[keep]
    groups = both.loc[keep, "school_id_7"].astype(str)
    fit = sm.OLS(d.to_numpy(), np.ones(len(d))).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(groups)[0]}, use_t=True
    )
    G = groups.nunique()
    # statsmodels' CR1 carries (N-1)/(N-K), 1 here (K = 1): the same variance
    lo, hi = (
        fit.params[0] - st.t.ppf(0.975, G - 1) * fit.bse[0],
        fit.params[0] + st.t.ppf(0.975, G - 1) * fit.bse[0],
    )
    r = linked.transitions(sample, cohort=pd.DataFrame({"item": [], "estimate_pp": []}))
    r = r.set_index("item").loc[item]
    assert r.n == keep.sum()
    assert r.change_pp == pytest.approx(100 * fit.params[0])
    assert r.se_pp == pytest.approx(100 * fit.bse[0], rel=1e-9)
    assert (r.ci_low_pp, r.ci_high_pp) == pytest.approx((100 * lo, 100 * hi))
    assert r.df == G - 1


def test_cohort_difference_is_from_the_cross_sectional_figure(sample):
    w1 = sample[(sample.wave == 1) & (sample.year_group == 7)]["enjoy_maths"].dropna()
    w2 = sample[(sample.wave == 2) & (sample.year_group == 9)]["enjoy_maths"].dropna()
    cross = 100 * (w2.isin([3, 4]).mean() - w1.isin([3, 4]).mean())  # unweighted sample
    r = linked.transitions(sample).set_index("item").loc["enjoy_maths"]
    assert r.cohort_pp == pytest.approx(cross)
    assert r.linked_minus_cohort_pp == pytest.approx(r.change_pp - cross)


def test_small_transition_cells_are_hidden_with_what_would_give_them_back(sample):
    r = linked.transitions(sample)
    p = linked.protect_transitions(r, DisclosureRules())
    small = (r[list(linked.TRANSITIONS)] < 10).any(axis=1)
    assert small.any()
    assert (p.loc[small, "suppressed"] != "").all()
    for _, row in p[p.suppressed != ""].iterrows():
        hidden = row[list(linked.TRANSITIONS)].isna()
        assert hidden.sum() >= 2  # one hidden cell would be n minus the others
        assert np.isnan(row.change_pp) and np.isnan(row.share_7)
    shown = p[p.suppressed == ""]
    assert (shown[list(linked.TRANSITIONS)] >= 10).all().all()
    pd.testing.assert_frame_equal(shown[r.columns], r[p.suppressed == ""], check_dtype=False)


def test_linked_against_unlinked_pupils_by_hand(sample):
    w1 = sample[(sample.wave == 1) & (sample.year_group == 7)]
    ids = set(linked.link(sample)["pupil_id"])
    mask = w1.pupil_id.astype(str).isin(ids)
    v = linked.linked_vs_not(sample).set_index("item").loc["enjoy_maths"]
    a = w1.loc[mask, "enjoy_maths"].dropna()
    b = w1.loc[~mask, "enjoy_maths"].dropna()
    assert (v.n_linked, v.n_not_linked) == (len(a), len(b))
    assert v.difference_pp == pytest.approx(100 * (a.isin([3, 4]).mean() - b.isin([3, 4]).mean()))
