"""analysis.planner.balance on small plans whose answers are worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import entropy

from analysis.planner.balance import balance, evenness, longest_empty_run
from analysis.planner.model import Event, KeyStage, Plan


def small_plan() -> Plan:
    """Key stage years 7-8; three pupil events and one CPD session.

    - science, year 7, autumn 1 early (stage slot 0), careers-linked;
    - maths + science, years 7 and 8, spring 1 throughout (slots 6, 7, 8);
    - engineering, year 8, summer 2 late (slot 17), careers-linked;
    - CPD, autumn 1 middle (teachers).
    """
    return Plan(
        key_stage=KeyStage((7, 8)),
        events=(
            Event("Draw a scientist", ("science",), (7,), "autumn", 1, "early", "lesson", True),
            Event(
                "Science week",
                ("maths", "science"),
                (7, 8),
                "spring",
                1,
                "throughout",
                "off_timetable",
            ),
            Event(
                "Bridge building", ("engineering",), (8,), "summer", 2, "late", "challenge", True
            ),
            Event("STEM careers CPD", ("stem",), (), "autumn", 1, "middle", "cpd"),
        ),
    )


def test_coverage_counts_each_subject_year_and_term_an_event_reaches():
    report = balance(small_plan())
    cover = report.coverage.set_index(["subject", "year_group", "term"])["events"]
    assert len(cover) == 6 * 2 * 3  # subjects x years x terms
    full = {k: v for k, v in cover.items() if v}
    assert full == {
        ("science", 7, "autumn"): 1,
        ("science", 7, "spring"): 1,
        ("maths", 7, "spring"): 1,
        ("science", 8, "spring"): 1,
        ("maths", 8, "spring"): 1,
        ("engineering", 8, "summer"): 1,
    }
    assert len(report.empty_cells) == 36 - 6
    assert (report.pupil_events, report.teacher_events) == (3, 1)


def test_longest_gap_in_stages_and_half_terms_without_wrapping():
    by_year = balance(small_plan()).by_year.set_index("year_group")
    # year 7 busy in slots 0, 6, 7, 8: empty runs 1-5 (5) and 9-17 (9)
    assert by_year.loc[7, "longest_gap_stages"] == 9
    assert (by_year.loc[7, "gap_from"], by_year.loc[7, "gap_to"]) == (
        "spring 2, early",
        "summer 2, late",
    )
    # half-terms busy: autumn 1, spring 1 -> empty runs of 1 and 3
    assert by_year.loc[7, "longest_gap_half_terms"] == 3
    # year 8 busy in slots 6, 7, 8, 17: runs 0-5 (6) and 9-16 (8); were the year
    # wrapped, 17 -> 0 would join nothing here, but 0-5 would not grow either
    assert by_year.loc[8, "longest_gap_stages"] == 8
    assert by_year.loc[8, "gap_from"] == "spring 2, early"
    assert by_year.loc[8, "longest_gap_half_terms"] == 2


def test_longest_empty_run_does_not_wrap_the_year():
    occupied = np.array([False, False, True] + [True] * 14 + [False])
    # wrapped, the run would be 3 (17, 0, 1); within the year it is 2
    assert longest_empty_run(occupied) == (2, 0, 1)
    assert longest_empty_run(np.ones(18, bool)) == (0, None, None)


def test_evenness_is_pielou_worked_by_hand_and_by_scipy():
    by_year = balance(small_plan()).by_year.set_index("year_group")
    # year 7: one event in slot 0, one spread as 1/3 over slots 6-8: p = 1/2, 1/6, 1/6, 1/6
    h = -(0.5 * math.log(0.5) + 3 * (1 / 6) * math.log(1 / 6))
    assert by_year.loc[7, "evenness"] == pytest.approx(h / math.log(18))
    assert by_year.loc[7, "evenness"] == pytest.approx(0.42986, abs=1e-5)
    assert by_year.loc[7, "evenness"] == pytest.approx(
        entropy([0.5, 1 / 6, 1 / 6, 1 / 6]) / math.log(18)
    )
    # all pupil events: p = 1/3 (slot 0), 1/9 x 3 (slots 6-8), 1/3 (slot 17)
    overall = balance(small_plan()).evenness
    assert overall == pytest.approx(entropy([1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 3]) / math.log(18))
    assert evenness(np.ones(18)) == pytest.approx(1.0)
    assert evenness(np.eye(18)[4]) == 0.0
    assert math.isnan(evenness(np.zeros(18)))


def test_careers_count_and_share_are_of_pupil_events():
    report = balance(small_plan())
    assert report.careers_events == 2
    assert report.careers_share == pytest.approx(2 / 3)


def test_warnings_say_what_to_change_in_plain_words():
    warnings = balance(small_plan()).warnings
    assert warnings == [
        "Year 7 has no STEM event for 9 stages in a row (about 3.0 half-terms): "
        "spring 2, early to summer 2, late.",
        "Year 7 has no design and technology, ICT and computing or engineering event all year.",
        "Year 7's events are bunched into a few stages of the year (evenness 0.43; 1 would be "
        "spread evenly).",
        "Year 8 has no STEM event for 8 stages in a row (about 2.7 half-terms): "
        "spring 2, early to summer 2, middle.",
        "Year 8 has no design and technology or ICT and computing event all year.",
        "Year 8's events are bunched into a few stages of the year (evenness 0.43; 1 would be "
        "spread evenly).",
    ]


def test_an_empty_plan_warns_about_every_year_and_missing_cpd():
    report = balance(Plan())
    assert report.warnings == [
        "Year 7 has no STEM event all year.",
        "Year 8 has no STEM event all year.",
        "Year 9 has no STEM event all year.",
        "The plan has no teacher planning or CPD event.",
    ]
    assert math.isnan(report.evenness) and math.isnan(report.careers_share)
    assert report.by_year["longest_gap_stages"].tolist() == [18, 18, 18]


def test_few_careers_links_are_warned_about():
    plan = Plan(
        events=tuple(
            Event(f"Lesson {i}", ("maths",), (7,), "autumn", 1, "early", careers_linked=i == 0)
            for i in range(4)
        )
    )
    assert (
        "Only 1 of 4 pupil events (25%) are linked to careers; the report asks for careers "
        "awareness woven through STEM activity."
    ) in balance(plan).warnings
