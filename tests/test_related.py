"""Items related to each other: shares by another item's answer and the Rao-Scott test,
against plain pandas, scipy's Pearson chi-square and statsmodels' cluster-robust OLS."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.stats import chi2_contingency

from analysis import related
from analysis.disclosure import DisclosureRules
from analysis.load import load_survey
from analysis.synthetic import SAMPLE_DIR, WAVE_FILES


@pytest.fixture(scope="module")
def sample():
    return load_survey([SAMPLE_DIR / f for f in WAVE_FILES.values()]).table


def _rows(sample, item, by_item, where=None):
    t = sample
    for k, v in (where or {}).items():
        t = t[t[k] == v]
    t = t[t[item].notna() & t[by_item].notna()]
    positive = (3, 4) if item.split("_")[0] in ("enjoy", "easy", "important") else (1,)
    y = t[item].astype(float).isin(positive).astype(float).to_numpy()
    return t, y, t[by_item].astype(float).to_numpy(), t["school_id"].astype(str).to_numpy()


def test_shares_by_the_other_answer_are_the_pupils_shares(sample):
    shares, _ = related.related(sample, "consider_science", "enjoy_science", {"wave": 2})
    t, y, x, _ = _rows(sample, "consider_science", "enjoy_science", {"wave": 2})
    by_hand = pd.Series(y).groupby(x).agg(["mean", "size"])
    assert shares["answer"].astype(float).tolist() == [1.0, 2.0, 3.0, 4.0]
    assert shares["answer_label"].tolist() == [
        "Strongly disagree",
        "Disagree",
        "Agree",
        "Strongly agree",
    ]
    assert shares["share"].to_numpy() == pytest.approx(by_hand["mean"].to_numpy())
    assert shares["n"].to_numpy() == pytest.approx(by_hand["size"].to_numpy())
    assert (shares["ci_low"] < shares["share"]).all() and (
        shares["share"] < shares["ci_high"]
    ).all()


def test_two_answers_rao_scott_is_the_squared_cluster_robust_t(sample):
    _, test = related.related(sample, "enjoy_science", "consider_science")
    t, y, x, schools = _rows(sample, "enjoy_science", "consider_science")
    fit = sm.OLS(y, sm.add_constant(x)).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(schools)[0]}
    )
    n = len(y)
    # statsmodels' CR1 carries (N-1)/(N-K), K = 2; the Rao-Scott design variance does not
    assert test["chi2_rs"] == pytest.approx(fit.tvalues[1] ** 2 * (n - 1) / (n - 2), rel=1e-9)
    pearson = chi2_contingency(pd.crosstab(x, y).to_numpy(), correction=False)[0]
    assert test["chi2"] == pytest.approx(pearson)
    assert test["deff"] == pytest.approx(pearson / test["chi2_rs"])


def test_four_answers_rao_scott_against_scipy_and_statsmodels(sample):
    where = {"year_group": 9}
    _, test = related.related(sample, "enjoy_maths", "easy_maths", where)
    t, y, x, schools = _rows(sample, "enjoy_maths", "easy_maths", where)
    pearson = chi2_contingency(pd.crosstab(x, y).to_numpy(), correction=False)[0]
    assert test["chi2"] == pytest.approx(pearson)
    dummies = pd.get_dummies(x).astype(float).to_numpy()  # cell means, no constant
    fit = sm.OLS(y, dummies).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(schools)[0]})
    n, c = len(y), dummies.shape[1]
    v_cells = fit.cov_params() * (n - c) / (n - 1)  # without statsmodels' (N-1)/(N-K)
    contrast = np.hstack([np.eye(c - 1), -np.ones((c - 1, 1))])
    n_j = dummies.sum(0)
    p = y.mean()
    v_srs = p * (1 - p) * contrast @ np.diag(1 / n_j) @ contrast.T
    deff = np.trace(np.linalg.solve(v_srs, contrast @ v_cells @ contrast.T)) / (c - 1)
    assert test["deff"] == pytest.approx(deff, rel=1e-9)
    g = len(set(schools))
    assert (test["df1"], test["df2"]) == (3, 3 * (g - 1))
    assert test["p_value"] < 0.001  # finding maths easy goes with enjoying it, as one expects


def test_pairs_table_and_hiding(sample):
    pairs = [("consider_science", "enjoy_science"), ("club_maths", "trip_engineering")]
    shown = related.pairs_table(sample, pairs)
    assert set(shown["item"]) == {"consider_science", "club_maths"}
    assert (shown.groupby("item")["rao_scott_p"].nunique() == 1).all()
    hidden = related.pairs_table(sample, pairs, DisclosureRules(min_count=50))
    small = shown.groupby("item").apply(
        lambda g: (np.minimum(g["count"], g["n"] - g["count"]) < 50).any()
    )
    assert small.any() and not small.all()
    for item, is_small in small.items():
        part = hidden[hidden["item"] == item]
        if is_small:
            assert (part["suppressed"] == "c").all() and part["share"].isna().all()
        else:
            assert (part["suppressed"] == "").all()


def test_categorical_item_has_no_share(sample):
    with pytest.raises(ValueError, match="qualification aim"):
        related.related(sample, "qualification_aim", "enjoy_maths")


def test_summary_writes_chosen_pairs(tmp_path):
    import openpyxl

    from analysis.__main__ import main

    files = [str(SAMPLE_DIR / f) for f in WAVE_FILES.values()]
    assert (
        main(
            [
                "summary",
                *files,
                "--out",
                str(tmp_path),
                "--no-disclosure",
                "--blocks",
                "visitor",
                "--pairs",
                "consider_science:enjoy_science,enjoy_maths:easy_maths",
            ]
        )
        == 0
    )
    table = pd.read_csv(tmp_path / "related_items.csv", encoding="utf-8-sig")
    assert table.groupby("item").size().to_dict() == {"consider_science": 4, "enjoy_maths": 4}
    ws = openpyxl.load_workbook(tmp_path / "summary.xlsx")["Related items"]
    header = [c.value for c in ws[1]]
    assert header[:6] == [
        "Item (column)",
        "Item",
        "By item (column)",
        "By item",
        "Answer to it (code)",
        "Answer to it",
    ]
    assert ws.freeze_panes == "A2" and ws.max_row == 9
    assert "## Items related to each other" in (tmp_path / "README.md").read_text()
    assert main(["summary", *files, "--out", str(tmp_path), "--pairs", "qualification_aim:x"]) == 2
