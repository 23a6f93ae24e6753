"""A review's checks, its scores (against hand computation) and progress between reviews."""

from __future__ import annotations

from datetime import date

import pytest

from analysis.manager.review import (
    ActionReview,
    Review,
    ReviewValueError,
    progress,
    scores,
    summary,
)

from manager_helpers import small_framework

FW = small_framework()


def reviewed(when=date(2011, 3, 1), **statuses) -> Review:
    review = Review.blank(FW, when, school="Test School")
    for action, status in statuses.items():
        review = review.with_status(action.replace("_", "."), status)
    return review


def test_scores_are_shares_in_place_pooled_by_theme():
    review = reviewed(
        A1_1="in_place", A1_2="in_progress", A2_1="in_place", B1_1="in_place", B1_2="planned"
    )
    s = scores(review, FW)
    # by hand: A1 1 of 2, A2 1 of 1, theme A 2 of 3 (not the mean of 1/2 and 1, 3/4),
    # B 1 of 4, overall 3 of 7; partial statuses count 0
    assert s.of("A1") == pytest.approx(0.5)
    assert s.of("A2") == pytest.approx(1.0)
    assert s.of("A") == pytest.approx(2 / 3)
    assert s.of("B") == pytest.approx(0.25)
    assert s.overall == pytest.approx(3 / 7)
    b = s.themes.set_index("id").loc["B"]
    assert (b.actions, b.in_place, b.planned, b.in_progress, b.not_started) == (4, 1, 1, 0, 2)


def test_a_blank_review_scores_zero_and_partial_never_counts():
    assert scores(reviewed(), FW).overall == 0
    all_in_progress = reviewed(
        **{
            f"{o}_{i}": "in_progress"
            for o, n in (("A1", 2), ("A2", 1), ("B1", 4))
            for i in range(1, n + 1)
        }
    )
    assert scores(all_in_progress, FW).overall == 0


def test_summary_names_strongest_and_weakest_in_plain_words():
    text = summary(reviewed(A1_1="in_place", A2_1="in_place", B1_1="in_progress"), FW)
    assert text.startswith("2 of 7 actions are in place (29%); 1 in progress and 0 planned.")
    assert "Strongest: Alpha (67% in place). Weakest: Beta (0% in place)." in text
    assert "In Beta, 1 action is in progress and 0 planned." in text


def test_progress_between_reviews_per_theme():
    first = reviewed(date(2011, 1, 10), A1_1="in_place")
    second = (
        first.next_review(date(2011, 7, 10))
        .with_status("B1.1", "in_place")
        .with_status("B1.2", "in_place")
    )
    assert second.entry("A1.1").status == "in_place"  # a copy of the last review
    table = progress([second, first], FW).set_index(["id", "reviewed_on"])
    assert table.loc[("B", date(2011, 1, 10)), "score"] == 0
    assert table.loc[("B", date(2011, 7, 10)), "change"] == pytest.approx(0.5)
    assert table.loc[("A", date(2011, 7, 10)), "change"] == 0
    assert table.loc[("overall", date(2011, 7, 10)), "change"] == pytest.approx(2 / 7)
    assert (
        table.loc[("A", date(2011, 1, 10)), "change"]
        != table.loc[("A", date(2011, 1, 10)), "change"]
    )  # NaN


def test_bad_values_are_listed_with_their_field():
    with pytest.raises(ReviewValueError) as caught:
        ActionReview("A1.1", status="done", target_date="next week", committed="yes")
    fields = {p.field for p in caught.value.problems}
    assert fields == {"status", "target_date", "committed"}
    with pytest.raises(ReviewValueError):
        Review(reviewed_on="someday", framework_id="small", framework_edition="1")


def test_a_review_made_with_another_framework_is_said_so():
    other = Review(
        date(2011, 1, 1), "small", "1", entries=(ActionReview("Z9.9", status="in_place"),)
    )
    [problem] = other.check_against(FW)
    assert problem.field == "action_id" and "'Z9.9'" in problem.what


def test_an_untouched_entry_is_not_kept():
    review = reviewed(A1_1="in_place").with_status("A1.1", "not_started")
    assert review.entries == ()
