"""analysis.planner.evidence: survey gaps and falls next to the plan, in plain words."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.planner.evidence import findings, findings_html, item_subjects, survey_tables
from analysis.planner.model import Event, KeyStage, Plan


def comparison(
    measure, item, block, label, estimate, low, high, year=None, low_base=False, suppressed=""
):
    """One row in the comparison shape of analysis.measures (the columns evidence reads)."""
    row = {
        "measure": measure,
        "block": block,
        "item": item,
        "label": label,
        "estimate_pp": estimate,
        "ci_low_pp": low,
        "ci_high_pp": high,
        "low_base": low_base,
        "suppressed": suppressed,
    }
    if year is not None:
        row = {"year_group": year, **row}
    return row


def table(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def plan(*events, years=(7, 8, 9)) -> Plan:
    return Plan(key_stage=KeyStage(years), events=events)


def test_a_gap_that_excludes_zero_meets_a_plan_without_the_subject():
    gaps = table(
        comparison(
            "gender_gap", "consider_engineering", "consider", "Engineering", 12.0, 4.0, 20.0, year=9
        )
    )
    (finding,) = findings([gaps], plan()).itertuples()
    assert finding.flagged and finding.usable and finding.plan_events == 0
    assert finding.finding == (
        "Year 9 girls' consideration of engineering careers is 12 points "
        "below boys' (95% interval 4 to 20 points), and the plan has no "
        "engineering event for year 9."
    )


def test_the_plan_side_names_the_events_there():
    gaps = table(
        comparison("gender_gap", "enjoy_maths", "enjoy", "Maths", -6.0, -9.0, -3.0, year=7)
    )
    quiz = Event("Careers quiz", ("maths",), (7, 8), "spring", 1, careers_linked=True)
    (finding,) = findings([gaps], plan(quiz)).itertuples()
    assert finding.finding == (
        "Year 7 boys' enjoyment of maths is 6 points below girls' (95% "
        "interval -9 to -3 points), and the plan has 1 maths event for "
        "year 7 (“Careers quiz”; 1 careers-linked)."
    )
    club = [
        Event("Maths club", ("maths",), (7,), t, 1, "throughout", "club")
        for t in ("autumn", "spring", "summer")
    ]
    (finding,) = findings([gaps], plan(quiz, *club)).itertuples()
    assert finding.plan_events == 4
    assert finding.finding.endswith(
        "the plan has 4 maths events for year 7 (“Careers quiz”, “Maths club”; 1 careers-linked)."
    )


def test_intervals_that_include_zero_are_not_flagged():
    gaps = table(
        comparison("gender_gap", "consider_maths", "consider", "Maths", 2.0, -1.5, 5.5, year=9)
    )
    (finding,) = findings([gaps], plan()).itertuples()
    assert not finding.flagged and finding.usable and finding.finding == ""


def test_low_base_and_suppressed_rows_are_unusable_never_flagged():
    gaps = table(
        comparison(
            "gender_gap",
            "consider_science",
            "consider",
            "Science",
            30.0,
            10.0,
            50.0,
            year=7,
            low_base=True,
        ),
        comparison(
            "gender_gap",
            "consider_maths",
            "consider",
            "Maths",
            30.0,
            10.0,
            50.0,
            year=9,
            suppressed="c",
        ),
    )
    result = findings([gaps], plan())
    assert not result["usable"].any() and not result["flagged"].any()
    assert result["finding"].tolist() == [
        "Year 7 girls' consideration of science careers is 30 points below boys': not usable, "
        "its base is under 30 pupils.",
        "Year 9 girls' consideration of maths careers is 30 points below boys': not usable, "
        "hidden by disclosure control.",
    ]


def test_falls_between_waves_and_from_year_7_to_9():
    changes = table(
        comparison("change_waves", "enjoy_science", "enjoy", "Science", -5.0, -8.0, -2.0, year=7),
        comparison("change_waves", "enjoy_maths", "enjoy", "Maths", 5.0, 2.0, 8.0, year=7),
        comparison(
            "change_years",
            "important_design_technology",
            "important",
            "Design and technology",
            -10.0,
            -13.0,
            -7.0,
        ),
    )
    result = findings([changes], plan())
    assert result["flagged"].tolist() == [True, True, False]
    assert result["finding"].tolist()[:2] == [
        "Pupils' belief that design and technology is important for their future is 10 points "
        "lower in year 9 than in year 7 (95% interval -13 to -7 points), and the plan has no "
        "design and technology event for year 9.",
        "Year 7 pupils' enjoyment of science fell 5 points from wave 1 to wave 2 (95% interval "
        "-8 to -2 points), and the plan has no science event for year 7.",
    ]
    assert result.loc[2, "finding"] == ""  # a rise is no fall


def test_rows_outside_the_key_stage_or_the_planners_subjects_are_left_out():
    rows = table(
        comparison(
            "gender_gap", "consider_engineering", "consider", "Engineering", 12.0, 4.0, 20.0, year=9
        ),
        comparison("gender_gap", "enjoy_english", "enjoy", "English", -10.0, -14.0, -6.0, year=7),
        comparison("change_years", "enjoy_maths", "enjoy", "Maths", -5.0, -8.0, -2.0),
        comparison(
            "gender_gap", "consider_technology", "consider", "Technology", 10.0, 5.0, 15.0, year=7
        ),
    )
    result = findings([rows], plan(years=(7, 8)))
    assert result["item"].tolist() == ["consider_technology"]
    assert result.loc[0, "subjects"] == "design_technology;ict"
    assert result.loc[0, "finding"].endswith(
        "the plan has no design and technology or ICT and computing event for year 7."
    )


def test_item_subjects_maps_survey_items_onto_planner_subjects():
    assert item_subjects("consider_technology") == ("design_technology", "ict")
    assert item_subjects("career_computing_ict") == ("ict",)
    assert item_subjects("career_hair_beauty") == ()
    assert item_subjects("enjoy_english") == ()


def test_on_the_sample_exactly_the_usable_rows_whose_interval_excludes_zero_are_flagged():
    from analysis.measures import SurveyAggregates
    from dashboards import data

    survey = data.survey(data.DataSource(data.SAMPLE_FILES, None, True))
    tables = survey_tables(SurveyAggregates(survey.table))
    result = findings(tables, plan())
    # the same rule in plain pandas, on the tables themselves
    every = pd.concat(tables, ignore_index=True)
    every = every[every["item"].map(lambda i: bool(item_subjects(i)))]
    gap = every["measure"] == "gender_gap"
    excludes = (gap & ((every["ci_low_pp"] > 0) | (every["ci_high_pp"] < 0))) | (
        ~gap & (every["ci_high_pp"] < 0)
    )
    usable = ~every["low_base"] & (every["suppressed"] == "")
    assert int(result["flagged"].sum()) == int((excludes & usable).sum()) > 0
    assert len(result) == len(every)  # years 7 and 9 are in the plan; every row is kept
    top = result.iloc[0]
    assert top["flagged"] and abs(top["estimate_pp"]) == pytest.approx(
        every.loc[excludes & usable, "estimate_pp"].abs().max()
    )
    page = findings_html(result)
    assert "interval excludes 0" in page and "<li>" in page


def test_every_finding_is_listed_and_the_rest_open_from_the_page():
    from analysis.planner.evidence import FINDING_COLUMNS

    rows = [
        dict.fromkeys(FINDING_COLUMNS, "")
        | {"flagged": True, "usable": True, "finding": f"Finding {i} <b>"}
        for i in range(15)
    ]
    page = findings_html(pd.DataFrame(rows), limit=12)
    shown, _, rest = page.partition("<details")
    assert all(f"<li>Finding {i} &lt;b&gt;</li>" in shown for i in range(12))
    assert "<summary>Show the other 3 findings</summary>" in rest
    assert all(f"<li>Finding {i} &lt;b&gt;</li>" in rest for i in range(12, 15))
    assert "… and" not in page
