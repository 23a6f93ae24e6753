"""Reviews in files: JSON and CSV round trips (property-tested), bad and foreign files,
and the action plan."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.manager import files
from analysis.manager.review import STATUSES, ActionReview, Review
from analysis.planner.files import load_plan

from manager_helpers import small_framework

FW = small_framework()
ACTION_IDS = [a.id for a in FW.actions]
PLANS = Path(__file__).resolve().parents[1] / "data" / "sample" / "plans"

line = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30)
lines = st.text(st.characters(blacklist_categories=("Cc", "Cs")) | st.just("\n"), max_size=60)
entries = st.builds(
    ActionReview,
    action_id=st.sampled_from(ACTION_IDS),
    status=st.sampled_from(list(STATUSES)),
    owner=line,
    target_date=st.none() | st.dates(date(2000, 1, 1), date(2100, 12, 31)),
    evidence=lines,
    next_step=lines,
    committed=st.booleans(),
    resources=lines,
    success_criteria=lines,
    plan_events=st.lists(
        st.from_regex(r"[a-z0-9]{8}", fullmatch=True), max_size=3, unique=True
    ).map(tuple),
)


@st.composite
def reviews(draw):
    review = Review.blank(
        FW,
        draw(st.dates(date(2000, 1, 1), date(2100, 12, 31))),
        school=draw(line),
        reviewer=draw(line),
        notes=draw(lines),
    )
    for entry in draw(st.lists(entries, max_size=7, unique_by=lambda e: e.action_id)):
        review = review.with_entry(entry)
    return review


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reviews())
def test_json_round_trip(review):
    assert files.review_from_json(files.review_to_json(review), "r.json", FW) == review


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reviews())
def test_csv_round_trip(review):
    text = files.review_to_csv(review, FW)
    back = files.review_from_csv(text.encode("utf-8-sig"), FW, "r.csv")
    assert sorted(back.entries, key=lambda e: e.action_id) == sorted(
        review.entries, key=lambda e: e.action_id
    )
    assert (back.reviewed_on, back.school, back.reviewer, back.notes) == (
        review.reviewed_on,
        review.school,
        review.reviewer,
        review.notes,
    )


def test_json_keeps_the_linked_plan():
    plan = load_plan(PLANS / "bradfield.json")
    review = Review.blank(FW, date(2011, 7, 1), plan=plan)
    back = files.review_from_json(files.review_to_json(review), "r.json", FW)
    assert back.plan == plan


def _problems(call) -> list[str]:
    with pytest.raises(files.ReviewFileError) as caught:
        call()
    return [str(p) for p in caught.value.problems]


def test_a_plan_opened_as_a_review_is_named_and_sent_to_the_planner():
    text = (PLANS / "bradfield.json").read_bytes()
    [message] = _problems(lambda: files.read_review(text, "bradfield.json", FW))
    assert message.startswith("bradfield.json: is a STEM plan, not a review.")
    assert "STEM Planner" in message


def test_other_json_and_other_versions_are_refused_with_what_to_do():
    [m] = _problems(lambda: files.review_from_json('{"a": 1}', "x.json", FW))
    assert "x.json: is not a review saved by the STEM Manager" in m
    doc = json.loads(files.review_to_json(Review.blank(FW, date(2011, 1, 1))))
    doc["schema_version"] = 7
    [m] = _problems(lambda: files.review_from_json(json.dumps(doc), "y.json", FW))
    assert "schema_version 7" in m and "y.json" in m
    [m] = _problems(lambda: files.review_from_json("{not json", "z.json", FW))
    assert "z.json: is not JSON" in m


def test_bad_csv_rows_name_row_column_and_what_to_do():
    text = files.review_to_csv(Review.blank(FW, date(2011, 1, 1)), FW).splitlines()
    header_line = next(i for i, t in enumerate(text) if t.startswith("theme,"))
    row = text[header_line + 1].split(",")
    row[4] = "finished"  # status
    row[6] = "31/02/2011"  # target_date
    text[header_line + 1] = ",".join(row)
    messages = _problems(lambda: files.review_from_csv("\r\n".join(text), FW, "r.csv"))
    line_no = header_line + 2
    assert any(
        f"r.csv: column 'status': row {line_no}: 'finished' is not on the scale" in m
        for m in messages
    )
    assert any(f"column 'target_date': row {line_no}" in m and "YYYY-MM-DD" in m for m in messages)


def test_a_review_of_another_framework_is_refused():
    review = Review(date(2011, 1, 1), "small", "1", entries=(ActionReview("Q.1", "in_place"),))
    [m] = _problems(lambda: files.review_from_json(files.review_to_json(review), "q.json", FW))
    assert "q.json" in m and "'Q.1'" in m and "framework" in m


def test_action_plan_lists_committed_actions_with_their_events():
    plan = load_plan(PLANS / "bradfield.json")
    event = plan.events[0]
    review = (
        Review.blank(FW, date(2011, 7, 1), plan=plan, school="Bradfield School")
        .with_entry(
            ActionReview(
                "B1.2",
                "planned",
                owner="STEM coordinator",
                committed=True,
                target_date=date(2011, 12, 1),
                success_criteria="=1+1",
                plan_events=(event.id, "gone0000"),
            )
        )
        .with_entry(ActionReview("A1.1", "in_progress"))
    )
    table = files.action_plan(review, FW)
    assert table["action"].tolist() == ["Action B1.2"]
    row = table.iloc[0]
    assert (row.owner, row.target_date, row.status) == ("STEM coordinator", "2011-12-01", "Planned")
    assert row.planned_events == f"{event.title} ({event.when})"
    page = files.action_plan_html(review, FW)
    assert "<h2>Beta</h2>" in page and "STEM coordinator" in page and "Bradfield School" in page
    assert "<script" not in page


REVIEWS = PLANS.parent / "reviews"


@pytest.mark.parametrize("path", sorted(REVIEWS.glob("*.json")), ids=lambda p: p.stem)
def test_example_reviews_are_marked_illustrations_and_link_their_plan(path):
    from analysis.manager.framework import default_framework

    review = files.load_review(path, default_framework())
    assert review.notes.startswith("ILLUSTRATION, not a record")
    assert "INVENTED" in review.notes and review.school in review.notes
    assert review.plan is not None and review.plan.school == review.school
    plan_ids = {e.id for e in review.plan.events}
    for entry in review.entries:
        assert set(entry.plan_events) <= plan_ids, entry.action_id
        assert entry.evidence.startswith("Report:") or "invented" in entry.evidence
    assert any(e.committed for e in review.entries)


def test_the_five_case_study_schools_have_an_example_review():
    assert sorted(p.stem for p in REVIEWS.glob("*.json")) == sorted(
        p.stem for p in PLANS.glob("*.json")
    )
