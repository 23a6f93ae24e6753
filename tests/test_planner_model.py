"""analysis.planner.model: events, key stages and plans are checked when made."""

from __future__ import annotations

import pytest

from analysis.planner.model import (
    Event,
    KeyStage,
    Plan,
    PlanValueError,
    n_slots,
    slot_name,
    subjects,
    teacher_kinds,
)


def event(**changes) -> Event:
    values = dict(
        title="Year 7 STEM Cycle Day",
        subjects=("engineering",),
        year_groups=(7,),
        term="summer",
        half_term=2,
        stage="late",
        kind="off_timetable",
    )
    return Event(**{**values, **changes})


def fields(error: PlanValueError) -> list[str]:
    return [p.field for p in error.problems]


def test_an_event_keeps_its_values_normalised():
    e = event(title="  Perfume Project ", subjects=("maths", "science"), year_groups=(9, 8))
    assert e.title == "Perfume Project"
    assert e.subjects == ("science", "maths")  # vocabulary order
    assert e.year_groups == (8, 9)
    assert len(e.id) == 8 and e.id != event().id


def test_every_bad_field_is_named_at_once():
    with pytest.raises(PlanValueError) as caught:
        Event(
            title="",
            subjects=("alchemy",),
            year_groups=(7,),
            term="winter",
            half_term=3,
            stage="soon",
            kind="party",
        )
    assert fields(caught.value) == ["title", "subjects", "kind", "term", "half_term", "stage"]
    text = str(caught.value)
    assert "'alchemy' is not a subject" in text and "Use autumn, spring, summer." in text


def test_pupil_events_need_a_year_group_and_teacher_events_have_none():
    with pytest.raises(PlanValueError) as caught:
        event(year_groups=())
    assert fields(caught.value) == ["year_groups"]
    with pytest.raises(PlanValueError, match="for teachers, so it has no year group"):
        event(kind="cpd", year_groups=(7,))
    cpd = event(kind="cpd", year_groups=())
    assert cpd.for_teachers and "cpd" in teacher_kinds()


def test_titles_are_one_line_of_text():
    with pytest.raises(PlanValueError, match="control characters"):
        event(title="two\nlines")
    assert event(notes="two\nlines").notes == "two\nlines"
    with pytest.raises(PlanValueError, match="Choose at least one subject"):
        event(subjects=())


def test_slots_count_stages_from_the_start_of_september():
    # 3 terms x 2 half-terms x early/middle/late
    assert n_slots() == 18
    assert event(term="autumn", half_term=1, stage="early").slots == (0,)
    assert event(term="spring", half_term=2, stage="middle").slots == (6 + 3 + 1,)
    assert event(term="summer", half_term=1, stage="throughout").slots == (12, 13, 14)
    assert slot_name(10) == "spring 2, middle"


def test_key_stage_takes_two_or_three_consecutive_years():
    assert KeyStage((7, 8)).year_groups == (7, 8)
    for bad in [(7, 9), (7,), (7, 8, 9, 10), (5, 6), ()]:
        with pytest.raises(PlanValueError):
            KeyStage(bad)


def test_plan_refuses_duplicate_ids_and_years_outside_the_key_stage():
    a = event(id="a1")
    with pytest.raises(PlanValueError, match="also the id of event 1"):
        Plan(events=(a, event(id="a1")))
    with pytest.raises(PlanValueError, match="year 9 is not in the key stage"):
        Plan(key_stage=KeyStage((7, 8)), events=(event(year_groups=(9,)),))


def test_changes_make_a_new_plan_and_leave_the_old_one():
    a, b = event(id="a"), event(id="b", title="Family STEM Night", kind="family")
    plan = Plan(events=(a,))
    bigger = plan.add(b)
    assert plan.events == (a,) and [e.id for e in bigger.events] == ["a", "b"]
    edited = bigger.replace_event(event(id="a", title="Cycle Day"))
    assert edited.event("a").title == "Cycle Day" and bigger.event("a").title == a.title
    assert [e.id for e in edited.remove("a").events] == ["b"]
    copies = plan.duplicate("a", [8, 9])
    assert [e.year_groups for e in copies.events] == [(7,), (8,), (9,)]
    assert len({e.id for e in copies.events}) == 3
    with pytest.raises(PlanValueError):
        Plan(key_stage=KeyStage((7, 8)), events=copies.events)
    with pytest.raises(KeyError):
        plan.remove("nope")


def test_vocabulary_names_every_stem_subject_of_the_survey():
    from analysis import schema

    stem = {s.key for s in schema.subjects() if s.stem}
    assert stem <= set(subjects())
