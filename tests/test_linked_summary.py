"""Linked pupils in a disclosure-controlled summary, checked as an attacker would.

The published figures of an item (its transition cells and their base, the linked
shares and paired change, the linked and not-linked year 7 figures, and the two
cross-sections of year 7 in 2008 and year 9 in 2010 the summary publishes beside
them) are sums of the counts of ten kinds of pupil. For every hidden figure a
linear programme (scipy's ``linprog``, written here, not the project's audit)
finds the least and the most it can be given everything shown: a hidden count
must not be pinned, and a small one must keep a range of at least 10 pupils.
What is shown is checked against plain pandas and statsmodels on the linked
pupils.
"""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as st
from scipy.optimize import linprog

from analysis import linked
from analysis.__main__ import main
from analysis.disclosure import DisclosureRules
from analysis.load import load_survey
from analysis.synthetic import SAMPLE_DIR, WAVE_FILES

SAMPLE = [str(SAMPLE_DIR / f) for f in WAVE_FILES.values()]
CELLS = ["yes_both", "gained", "lost", "never"]
KINDS = [
    *CELLS,
    "linked_yes_7_only",
    "linked_no_7_only",
    "unlinked_yes_7",
    "unlinked_no_7",
    "other_yes_9",
    "other_no_9",
]
POSITIVE = {"binary": (1,), "agreement": (3, 4)}


def kinds_of_pupils(table, item, scale):
    """How many pupils of each kind, by plain pandas merges."""
    w1 = table[(table.wave == 1) & (table.year_group == 7)][["pupil_id", item]]
    w2 = table[(table.wave == 2) & (table.year_group == 9)][["pupil_id", item]]
    w1 = w1.assign(pupil_id=w1.pupil_id.astype(str))
    w2 = w2.assign(pupil_id=w2.pupil_id.astype(str))
    m = w1.merge(w2, on="pupil_id", how="outer", suffixes=("_7", "_9"), indicator=True)
    yes7 = m[f"{item}_7"].astype(float).isin(POSITIVE[scale])
    yes9 = m[f"{item}_9"].astype(float).isin(POSITIVE[scale])
    a7, a9 = m[f"{item}_7"].notna(), m[f"{item}_9"].notna()
    is_linked = m["_merge"] == "both"
    both = is_linked & a7 & a9
    return {
        "yes_both": int((both & yes7 & yes9).sum()),
        "gained": int((both & ~yes7 & yes9).sum()),
        "lost": int((both & yes7 & ~yes9).sum()),
        "never": int((both & ~yes7 & ~yes9).sum()),
        "linked_yes_7_only": int((is_linked & a7 & ~a9 & yes7).sum()),
        "linked_no_7_only": int((is_linked & a7 & ~a9 & ~yes7).sum()),
        "unlinked_yes_7": int((~is_linked & a7 & yes7).sum()),
        "unlinked_no_7": int((~is_linked & a7 & ~yes7).sum()),
        "other_yes_9": int((a9 & ~both & yes9).sum()),
        "other_no_9": int((a9 & ~both & ~yes9).sum()),
    }


def vec(*kinds):
    return np.array([1.0 if k in kinds else 0.0 for k in KINDS])


LINKED_YES_7 = vec("yes_both", "lost", "linked_yes_7_only")
LINKED_7 = vec(*CELLS, "linked_yes_7_only", "linked_no_7_only")
UNLINKED_YES_7 = vec("unlinked_yes_7")
UNLINKED_7 = vec("unlinked_yes_7", "unlinked_no_7")


def published_equations(row, versus, truth):
    """Everything the summary shows of one item, as linear equations in the kinds.

    The cross-sections (year 7's and year 9's base and count yes) are taken as known:
    the audit publishes linked figures only beside shown cross-sections."""
    eq = []
    for base, count in (
        (vec(*KINDS[:8]), vec("yes_both", "lost", "linked_yes_7_only", "unlinked_yes_7")),
        (vec(*CELLS, "other_yes_9", "other_no_9"), vec("yes_both", "gained", "other_yes_9")),
    ):
        n, c = float(base @ truth), float(count @ truth)
        # a cross-section with a count, complement or base under 10 is never
        # published (the summary's own primary rule): only the others are known
        if min(c, n - c, n) >= 10:
            eq += [(base, n), (count, c)]
    for c in CELLS:
        if pd.notna(row[c]):
            eq.append((vec(c), row[c]))
    n = row["n"]
    if pd.notna(n):
        eq.append((vec(*CELLS), n))
        if pd.notna(row["share_7"]):
            eq.append((vec("yes_both", "lost"), row["share_7"] * n))
        if pd.notna(row["share_9"]):
            eq.append((vec("yes_both", "gained"), row["share_9"] * n))
        if pd.notna(row["change_pp"]):
            eq.append((vec("gained") - vec("lost"), row["change_pp"] * n / 100))
    for side, base, yes in (
        ("linked", LINKED_7, LINKED_YES_7),
        ("not_linked", UNLINKED_7, UNLINKED_YES_7),
    ):
        nn, share = versus[f"n_{side}"], versus[f"share_{side}"]
        if pd.notna(nn):
            eq.append((base, nn))
            if pd.notna(share):
                eq.append((yes, share * nn))
    if pd.notna(versus["difference_pp"]) and pd.notna(versus["n_linked"]):
        pass  # the two shares are shown with it (asserted below)
    return eq


def feasible_range(eq, target):
    """The least and most ``target @ kinds`` can be, given the equations (inf: unbounded)."""
    a = np.array([e[0] for e in eq]) if eq else None
    b = np.array([e[1] for e in eq]) if eq else None
    bounds = [(0, None)] * len(KINDS)
    low = linprog(target, A_eq=a, b_eq=b, bounds=bounds, method="highs")
    high = linprog(-target, A_eq=a, b_eq=b, bounds=bounds, method="highs")
    assert low.status == 0 and high.status in (0, 3)  # the shown figures are consistent
    return low.fun, (np.inf if high.status == 3 else -high.fun)


def check_as_attacker(table, out, versus, rules=DisclosureRules()):
    """No shown count under 10, no hidden figure pinned, no small one narrowed."""
    from analysis import schema

    versus = versus.set_index("item")
    checked = 0
    for _, row in out.iterrows():
        shown = [c for c in CELLS if pd.notna(row[c])]
        assert all(row[c] >= rules.min_count for c in shown), row
        if pd.notna(row["n"]):
            # by hand: with the base shown, one hidden cell would be n minus the others
            assert len(shown) != 3, row
        if len(shown) < 4:
            assert pd.isna(row["change_pp"]) and pd.isna(row["share_7"]) and row["suppressed"]
        v = versus.loc[row["item"]]
        if pd.isna(v["share_linked"]) or pd.isna(v["share_not_linked"]):
            # by hand: year 7's count minus one side's count gives the other's
            assert pd.isna(v["share_linked"]) and pd.isna(v["share_not_linked"])
            assert pd.isna(v["difference_pp"])
        truth_kinds = kinds_of_pupils(table, row["item"], schema.item(row["item"]).scale)
        truth = np.array([truth_kinds[k] for k in KINDS], float)
        eq = published_equations(row, v, truth)
        hidden = [(vec(c), truth_kinds[c]) for c in CELLS if pd.isna(row[c])]
        if pd.isna(row["n"]):
            hidden.append((vec(*CELLS), sum(truth_kinds[c] for c in CELLS)))
        if pd.isna(v["share_linked"]):
            hidden.append((LINKED_YES_7, float(LINKED_YES_7 @ truth)))
        # the kinds never published: small ones must not be narrowed either
        hidden += [(vec(k), truth_kinds[k]) for k in KINDS[4:]]
        for target, value in hidden:
            lo, hi = feasible_range(eq, target)
            assert lo - 1e-6 <= value <= hi + 1e-6
            if value < rules.min_count:
                assert hi - lo >= rules.protection_width - 1e-6, (row["item"], target, lo, hi)
            elif not any(np.array_equal(target, vec(k)) for k in KINDS[4:]):
                assert hi - lo > 0.5, (row["item"], target, lo, hi)  # not pinned
        checked += 1
    return checked


@pytest.fixture(scope="module")
def sample():
    return load_survey(SAMPLE).table


@pytest.fixture(scope="module")
def protected_summary(tmp_path_factory):
    out = tmp_path_factory.mktemp("protected")
    assert main(["summary", *SAMPLE, "--out", str(out), "--blocks", "club,visitor,consider"]) == 0
    read = lambda name: pd.read_csv(out / name, encoding="utf-8-sig")  # noqa: E731
    return out, read("linked_pupils.csv"), read("linked_vs_not_linked.csv")


def test_a_protected_summary_writes_linked_pupils_audited(protected_summary, sample):
    out, pupils, versus = protected_summary
    assert set(pupils["block"]) == {"club", "visitor", "consider"}
    assert (pupils["suppressed"] == "c").any()
    shown = pupils[pupils[CELLS].notna().any(axis=1)]
    assert len(shown)  # something of the linked pupils is published
    assert check_as_attacker(sample, pupils, versus) == len(pupils)
    readme = (out / "README.md").read_text()
    assert "## Linked pupils" in readme and "audit_for_summary" in readme
    assert "--no-disclosure writes them" not in readme


def test_linked_figures_only_beside_shown_cross_sections(protected_summary):
    out, pupils, _ = protected_summary
    shares = pd.concat(
        pd.read_csv(out / f"{b}_shares.csv", encoding="utf-8-sig")
        for b in ("club", "visitor", "consider")
    )
    whole = shares[(shares.breakdown == "wave × year_group") & (shares.schools == "all")]
    for row in pupils.itertuples():
        if pd.isna(row.n):
            continue
        for wave, year in ((1, 7), (2, 9)):
            cross = whole[(whole.wave == wave) & (whole.year_group == year)]
            cross = cross[cross["item"] == row.item].iloc[0]
            assert pd.notna(cross["count"]) and pd.notna(cross["n"])


def test_shown_figures_equal_pandas_and_statsmodels(protected_summary, sample):
    _, pupils, versus = protected_summary
    assert check_against_pandas(sample, pupils, versus)


def check_against_pandas(sample, pupils, versus):
    """Every shown linked figure as plain pandas and statsmodels count it; how many
    items' paired change was shown (and checked)."""
    from analysis import schema

    w1 = sample[(sample.wave == 1) & (sample.year_group == 7)]
    w2 = sample[(sample.wave == 2) & (sample.year_group == 9)]
    both = w1.merge(w2, on="pupil_id", suffixes=("_7", "_9"))
    compared = 0
    for row in pupils.itertuples():
        positive = POSITIVE[schema.item(row.item).scale]
        keep = both[f"{row.item}_7"].notna() & both[f"{row.item}_9"].notna()
        y7 = both.loc[keep, f"{row.item}_7"].astype(float).isin(positive)
        y9 = both.loc[keep, f"{row.item}_9"].astype(float).isin(positive)
        table = pd.crosstab(y7, y9).reindex(index=[True, False], columns=[True, False]).fillna(0)
        hand = {
            "yes_both": table.loc[True, True],
            "gained": table.loc[False, True],
            "lost": table.loc[True, False],
            "never": table.loc[False, False],
        }
        for c in CELLS:
            if pd.notna(getattr(row, c)):
                assert getattr(row, c) == hand[c]
        if pd.notna(row.n):
            assert row.n == keep.sum()
        if pd.notna(row.change_pp):
            d = (y9.astype(float) - y7.astype(float)).to_numpy()
            groups = pd.factorize(both.loc[keep, "school_id_7"].astype(str))[0]
            fit = sm.OLS(d, np.ones(len(d))).fit(
                cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
            )
            half = st.t.ppf(0.975, len(set(groups)) - 1) * fit.bse[0]
            assert row.change_pp == pytest.approx(100 * fit.params[0])
            assert (row.ci_low_pp, row.ci_high_pp) == pytest.approx(
                (100 * (fit.params[0] - half), 100 * (fit.params[0] + half))
            )
            assert row.share_7 == pytest.approx(y7.mean())
            compared += 1
        v = versus.set_index("item").loc[row.item]
        if pd.notna(v.share_linked):
            ids = set(both.pupil_id.astype(str))
            mine = w1.pupil_id.astype(str).isin(ids)
            a = w1.loc[mine, row.item].dropna().astype(float)
            assert v.n_linked == len(a)
            assert v.share_linked == pytest.approx(a.isin(positive).mean())
    return compared


def few_schools_file(seed=7):
    """Four schools of 50 year 7 pupils in 2008; six in ten of them again in year 9
    in 2010 (one in five of those leaving the question blank), with 15 new pupils a
    school; two yes/no items, one of them rare."""
    rng = np.random.default_rng(seed)
    rows = []
    for school in ("s1", "s2", "s3", "s4"):
        for i in range(50):
            pid = f"{school}-{i}"
            common = rng.random() < 0.5
            rare = rng.random() < 0.12
            rows.append((pid, school, 1, 7, int(common), int(rare)))
            if rng.random() < 0.6:
                later = int(rng.random() < (0.6 if common else 0.4))
                rows.append((pid, school, 2, 9, None if rng.random() < 0.2 else later, int(rare)))
        for i in range(15):
            rows.append((f"{school}-new{i}", school, 2, 9, int(rng.random() < 0.5), 0))
    return pd.DataFrame(
        rows,
        columns=["pupil_id", "school_id", "wave", "year_group", "club_science", "club_engineering"],
    ).astype({"club_science": "Int8", "club_engineering": "Int8"})


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_a_small_file_of_three_schools(seed):
    table = few_schools_file(seed)
    result = linked.transitions(
        table, cohort=pd.DataFrame({"item": ["club_science"], "estimate_pp": [5.0]})
    )
    published = pd.DataFrame(
        {"item": result["item"], "shown": True, "cohort_pp": [5.0, np.nan][: len(result)]}
    )
    out, versus = linked.audit_for_summary(
        table, result, linked.linked_vs_not(table), published, DisclosureRules()
    )
    assert check_as_attacker(table, out, versus) == 2
    rare = out.set_index("item").loc["club_engineering"]
    assert rare["suppressed"] and pd.isna(rare["change_pp"])
    common = out.set_index("item").loc["club_science"]
    assert common[CELLS].notna().sum() >= 2  # something of it is shown ...
    assert check_against_pandas(table, out, versus) == (common["suppressed"] == "")  # ... right


def test_a_hidden_cross_section_hides_the_item_whole(sample):
    table = linked.block_columns(sample, ["visitor"])
    result = linked.transitions(
        table, cohort=pd.DataFrame({"item": ["visitor_talk"], "estimate_pp": [1.0]})
    )
    published = pd.DataFrame({"item": ["visitor_talk"], "shown": [False], "cohort_pp": [1.0]})
    out, versus = linked.audit_for_summary(
        table, result, linked.linked_vs_not(table), published, DisclosureRules()
    )
    row = out.iloc[0]
    assert row["suppressed"] == "c" and row[["n", *CELLS, "change_pp", "cohort_pp"]].isna().all()
    assert versus.iloc[0][["n_linked", "share_linked", "n_not_linked"]].isna().all()
