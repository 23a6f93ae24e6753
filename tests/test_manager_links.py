"""The review meets the STEM plan (planned events per action) and the evidence
(balance and survey findings pointing to objectives)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis.manager.links import evidence_for, plan_coverage, planned_events
from analysis.manager.review import ActionReview, Review
from analysis.planner.evidence import findings
from analysis.planner.model import Event, KeyStage, Plan

from manager_helpers import small_framework

FW = small_framework()
CLUB = Event(
    "Science club", ("science",), (7,), "autumn", 1, kind="club", careers_linked=True, id="club1"
)
MATHS_CLUB = Event("Maths club", ("maths",), (8,), "spring", 1, kind="club", id="club2")
TRIP = Event("Trip", ("science",), (9,), "summer", 1, kind="trip", id="trip1")
PLAN = Plan(KeyStage((7, 8, 9)), (CLUB, MATHS_CLUB, TRIP))


def test_a_rule_finds_careers_linked_clubs_and_a_hand_link_comes_first():
    review = Review.blank(FW, date(2011, 1, 1), plan=PLAN)
    a11 = FW.action("A1.1")  # clubs, careers-linked
    assert [(e.id, how) for e, how in planned_events(review, a11)] == [("club1", "matches")]
    review = review.with_entry(ActionReview("A1.1", plan_events=("trip1", "club1")))
    assert [(e.id, how) for e, how in planned_events(review, a11)] == [
        ("club1", "linked"),
        ("trip1", "linked"),
    ]


def test_coverage_says_which_actions_have_planned_events_and_which_none():
    review = Review.blank(FW, date(2011, 1, 1), plan=PLAN).with_entry(
        ActionReview("B1.3", plan_events=("trip1", "gone"))
    )
    table = plan_coverage(review, FW).set_index("action_id")
    # by hand: A1.1 matches the careers-linked club; A2.1 (CPD) finds none;
    # B1.3 is linked to the trip ("gone" is no event of the plan)
    assert table["has_events"].to_dict() == {
        "A1.1": True,
        "A1.2": False,
        "A2.1": False,
        "B1.1": False,
        "B1.2": False,
        "B1.3": True,
        "B1.4": False,
    }
    assert table.loc["B1.3", ["linked", "matching"]].tolist() == [1, 0]
    assert table.loc["A2.1", "looks_for"] == "professional development (CPD)"
    assert not plan_coverage(Review.blank(FW, date(2011, 1, 1)), FW)["has_events"].any()


def test_balance_findings_point_to_the_objectives_that_name_them():
    table = evidence_for(FW, PLAN)
    # the plan has no CPD event (A2 names plan.no_cpd), no engineering in any year
    # (B1 names plan.subject_missing:engineering) and 1 of 3 events careers-linked:
    # 33% is not below a third, so A1 (plan.few_careers_links) gets nothing
    by_objective = table.groupby("objective")["key"].apply(list).to_dict()
    assert by_objective == {"A2": ["plan.no_cpd"], "B1": ["plan.subject_missing"] * 3}
    assert all("engineering" in t for t in table[table["objective"] == "B1"]["finding"])


def test_flagged_survey_findings_carry_their_interval_to_the_objective():
    rows = pd.DataFrame(
        [
            {
                "measure": "gender_gap",
                "block": "consider",
                "item": "consider_engineering",
                "label": "Engineering",
                "year_group": 9,
                "estimate_pp": 12.0,
                "ci_low_pp": 4.0,
                "ci_high_pp": 20.0,
                "low_base": False,
                "suppressed": "",
            },
            {
                "measure": "gender_gap",
                "block": "consider",
                "item": "consider_maths",
                "label": "Maths",
                "year_group": 9,
                "estimate_pp": 3.0,
                "ci_low_pp": -1.0,
                "ci_high_pp": 7.0,
                "low_base": False,
                "suppressed": "",
            },
            {
                "measure": "change_waves",
                "block": "enjoy",
                "item": "enjoy_maths",
                "label": "Maths",
                "year_group": 9,
                "estimate_pp": -12.0,
                "ci_low_pp": -18.0,
                "ci_high_pp": -6.0,
                "low_base": False,
                "suppressed": "c",
            },
        ]
    )
    survey = findings([rows], PLAN)
    table = evidence_for(FW, None, survey)
    # only the engineering gap is flagged (the maths gap's interval holds 0; the
    # maths fall is hidden); A2 names survey.gender_gap:engineering
    assert table[
        ["objective", "key", "estimate_pp", "ci_low_pp", "ci_high_pp"]
    ].values.tolist() == [["A2", "survey.gender_gap", 12.0, 4.0, 20.0]]
    assert "95% interval 4 to 20 points" in table["finding"].iloc[0]


def test_few_would_ask_a_careers_adviser_with_its_school_clustered_interval():
    """The share per year group and its interval against an independent computation:
    plain pandas for the share, statsmodels' cluster-robust (CR1) standard error of an
    intercept-only regression, and the Wilson interval on the effective sample size with
    t on G - 1 degrees of freedom written out by hand (analysis.stats' documented method)."""
    import numpy as np
    import statsmodels.api as sm
    from scipy.stats import t as t_dist

    from analysis.manager.framework import default_framework
    from analysis.manager.links import FEW_ADVISER_SHARE, careers_adviser_findings
    from analysis.measures import SurveyAggregates
    from dashboards import data

    pupils = data.survey().table
    found = careers_adviser_findings(SurveyAggregates(pupils)).set_index("year_group")
    assert sorted(found.index) == sorted(pupils["year_group"].dropna().unique())
    for year, answered in pupils.dropna(subset=["source_careers_adviser"]).groupby("year_group"):
        y = answered["source_careers_adviser"].astype(float).to_numpy()
        p, n = y.mean(), len(y)
        fit = sm.OLS(y, np.ones(n)).fit(
            cov_type="cluster", cov_kwds={"groups": answered["school_id"].to_numpy()}
        )
        schools = answered["school_id"].nunique()
        deff = fit.bse[0] ** 2 / (p * (1 - p) / n)
        n_eff = min(n, n / deff)
        q = t_dist.ppf(0.975, schools - 1)
        centre = (p + q * q / (2 * n_eff)) / (1 + q * q / n_eff)
        half = q / (1 + q * q / n_eff) * np.sqrt(p * (1 - p) / n_eff + q * q / (4 * n_eff**2))
        row = found.loc[int(year)]
        assert row["estimate_pp"] == pytest.approx(100 * p, abs=1e-9)
        assert row["ci_low_pp"] == pytest.approx(100 * (centre - half), abs=1e-6)
        assert row["ci_high_pp"] == pytest.approx(100 * (centre + half), abs=1e-6)
        assert row["flagged"] == (centre + half < FEW_ADVISER_SHARE)
        if row["flagged"]:
            assert row["finding"] == (
                f"Only {100 * p:.0f}% of year {int(year)} pupils would ask a careers adviser "
                f"about jobs and careers (95% interval {100 * (centre - half):.0f} to "
                f"{100 * (centre + half):.0f}%): fewer than one in three."
            )
    # on the sample (synthetic, after the report's figure 2) year 7 is flagged, year 9 not
    assert found["flagged"].to_dict() == {7: True, 9: False}

    # the flagged finding, with its interval, points to the objectives that name it
    table = evidence_for(default_framework(), None, found.reset_index())
    assert set(table["objective"]) == {"careers.status", "staff.cpd"}
    assert set(table["key"]) == {"survey.few_careers_adviser"}
    assert table["ci_high_pp"].iloc[0] == pytest.approx(found.loc[7, "ci_high_pp"])


def test_no_careers_adviser_finding_without_the_careers_sources_block():
    from analysis.manager.links import careers_adviser_findings
    from analysis.planner.evidence import FINDING_COLUMNS

    class NoSources:  # a survey whose blocks do not include careers information sources
        blocks = ()

    empty = careers_adviser_findings(NoSources())
    assert empty.empty and list(empty.columns) == list(FINDING_COLUMNS)
