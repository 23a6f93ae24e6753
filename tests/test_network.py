"""analysis.network on hand-made plans and reviews whose answers are worked out by hand.

Three schools have a plan (all Key Stage 3, years 7-9):

- S01: "Bridges" engineering, years 7, 8, 9, autumn; "Maths fair" maths, year 7, spring;
  a CPD session in summer (teachers: not pupil activity).
- S02: science year 7 autumn; science year 9 autumn.
- S03: maths year 7 autumn.

Schools active: year 7: 3 of 3; year 8: S01 only (1 of 3, thin); year 9: S01, S02
(2 of 3). Science: S02 (1, thin); maths: S01, S03 (2); engineering: S01 (1, thin);
design and technology, ICT, cross-curricular: none (thin). Autumn: 3; spring: S01
(1, thin); summer: none (thin; the CPD is not pupil activity).

Reviews against the small framework (theme A "Alpha" 3 actions, B "Beta" 4):

- S01: A1.1, A1.2 in place: Alpha 2/3, Beta 0/4;
- S02: B1.1-B1.3 in place: Alpha 0/3, Beta 3/4;
- S04 (no plan): A1.1, B1.1, B1.2 in place: Alpha 1/3, Beta 2/4.

Alpha's mean (2/3 + 0 + 1/3) / 3 = 1/3 is below Beta's (0 + 3/4 + 1/2) / 3 = 5/12.
Pairs: Alpha, S01 (2/3) helps S02 (0); Beta, S02 (3/4, above S04's 1/2) helps S01 (0);
engineering, S01 (in every year group) helps S02 and S03 (none); no other subject has a
school with it in every year group (S02's science misses year 8).
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from manager_helpers import small_framework

from analysis import network
from analysis.manager import files as review_files
from analysis.manager.review import Review
from analysis.planner import files as plan_files
from analysis.planner.model import Event, Plan
from analysis.store import Store


def plans() -> dict[str, Plan]:
    return {
        "S01": Plan(
            title="S01 plan",
            events=(
                Event("Bridges", ("engineering",), (7, 8, 9), "autumn", 1),
                Event("Maths fair", ("maths",), (7,), "spring", 1),
                Event("Careers CPD", ("stem",), (), "summer", 1, kind="cpd"),
            ),
        ),
        "S02": Plan(
            title="S02 plan",
            events=(
                Event("Science 7", ("science",), (7,), "autumn", 1),
                Event("Science 9", ("science",), (9,), "autumn", 2),
            ),
        ),
        "S03": Plan(title="S03 plan", events=(Event("Maths 7", ("maths",), (7,), "autumn", 2),)),
    }


IN_PLACE = {
    "S01": ("A1.1", "A1.2"),
    "S02": ("B1.1", "B1.2", "B1.3"),
    "S04": ("A1.1", "B1.1", "B1.2"),
}


def review(school: str, when: date = date(2026, 11, 1)) -> Review:
    found = Review.blank(small_framework(), reviewed_on=when, school=school)
    for action in IN_PLACE[school]:
        found = found.with_status(action, "in_place")
    return found


def documents() -> list[network.SchoolDocuments]:
    p = plans()
    return [
        network.SchoolDocuments(s, p.get(s), review(s) if s in IN_PLACE else None)
        for s in ("S01", "S02", "S03", "S04")
    ]


def _thin(dimension: str) -> dict[str, tuple[int, int, bool]]:
    table = network.thin_spots(documents())
    part = table[table["dimension"] == dimension]
    return {r.key: (r.schools_active, r.schools_with_plan, r.thin) for r in part.itertuples()}


def test_where_the_network_is_thin_by_year_subject_and_term():
    assert _thin("year_group") == {"7": (3, 3, False), "8": (1, 3, True), "9": (2, 3, False)}
    assert _thin("subject") == {
        "science": (1, 3, True),
        "maths": (2, 3, False),
        "engineering": (1, 3, True),
        "design_technology": (0, 3, True),
        "ict": (0, 3, True),
        "stem": (0, 3, True),
    }
    assert _thin("term") == {
        "autumn": (3, 3, False),
        "spring": (1, 3, True),
        "summer": (0, 3, True),
    }
    cells = _thin("year_group_subject")
    assert cells["8:engineering"] == (1, 3, True) and cells["7:maths"] == (2, 3, False)
    assert cells["8:science"] == (0, 3, True)
    table = network.thin_spots(documents())
    assert table["thin"].tolist() == sorted(table["thin"], reverse=True)  # thin rows first
    events = table.set_index(["dimension", "key"])["events"]
    # year 7: Bridges, Maths fair (S01), Science 7 (S02), Maths 7 (S03)
    assert events[("year_group", "7")] == 4 and events[("term", "summer")] == 0


def test_a_year_group_counts_only_for_the_schools_whose_key_stage_has_it():
    from analysis.planner.model import KeyStage

    docs = [
        network.SchoolDocuments(
            "A",
            Plan(key_stage=KeyStage((7, 8)), events=(Event("x", ("maths",), (8,), "autumn", 1),)),
        ),
        network.SchoolDocuments("B", Plan(events=(Event("y", ("maths",), (9,), "autumn", 1),))),
    ]
    table = network.thin_spots(docs)
    years = table[table["dimension"] == "year_group"].set_index("key")
    assert years.loc["9", "schools_with_plan"] == 1 and not years.loc["9", "thin"]
    assert years.loc["7", "schools_with_plan"] == 2 and years.loc["7", "thin"]


def test_the_weakest_themes_over_the_reviewed_schools():
    themes = network.theme_table(documents(), small_framework())
    assert set(themes["school"]) == {"S01", "S02", "S04"}  # S03 has no review
    weakest = network.weakest_themes(themes)
    assert weakest["theme"].tolist() == ["A", "B"]
    assert weakest["mean_score"].tolist() == pytest.approx([1 / 3, 5 / 12])
    assert weakest["lowest"].tolist() == [0, 0]
    assert weakest["highest"].tolist() == pytest.approx([2 / 3, 3 / 4])
    assert weakest["schools_weak"].tolist() == [1, 1] and weakest["schools"].tolist() == [3, 3]


def test_who_might_pair_up_and_why():
    found = network.pairings(documents(), small_framework())
    assert found[["helper", "helped", "area"]].values.tolist() == [
        ["S01", "S02", "A"],
        ["S02", "S01", "B"],
        ["S01", "S02", "engineering"],
        ["S01", "S03", "engineering"],
    ]
    reasons = found.set_index(["helped", "area"])["reason"]
    assert reasons[("S02", "A")] == (
        "S01 has 2 of 3 Alpha actions in place (67%); S02 has 0 of 3 (0%)."
    )
    assert reasons[("S01", "B")] == (
        "S02 has 3 of 4 Beta actions in place (75%); S01 has 0 of 4 (0%)."
    )
    assert reasons[("S03", "engineering")] == (
        "S01's plan has engineering for every year group (1 event); "
        "S03's plan has no engineering event."
    )
    ranked = network.pairs(found)
    assert ranked[["helper", "helped", "n_areas"]].values.tolist() == [
        ["S01", "S02", 2],
        ["S01", "S03", 1],
        ["S02", "S01", 1],
    ]
    assert ranked["areas"].iloc[0] == "Alpha; Engineering"


def test_no_pair_without_a_strong_school():
    docs = [
        network.SchoolDocuments("S01", None, review("S01")),
        network.SchoolDocuments("S04", None, review("S04")),
    ]
    # Alpha: S01 strong (2/3), no one weak (S04 1/3); Beta: S01 weak, S04 strong (1/2)
    found = network.pairings(docs, small_framework())
    assert found[["helper", "helped", "area"]].values.tolist() == [["S04", "S01", "B"]]
    lonely = [network.SchoolDocuments("S03", plans()["S03"])]
    assert network.pairings(lonely, small_framework()).empty
    assert "No pair found" in " ".join(network.summary(lonely, small_framework()))


def test_the_summary_says_it_in_plain_words():
    text = network.summary(documents(), small_framework())
    assert text[0] == "4 member schools: 3 with a STEM plan, 3 with a Manager review."
    assert (
        "Thin year groups (pupil activity in fewer than half of the schools with a plan): "
        "Year 8 (1 of 3)." in text
    )
    assert any(
        t.startswith("Thin terms") and "Spring (1 of 3)" in t and "Summer (0 of 3)" in t
        for t in text
    )
    assert (
        "Weakest theme: Alpha (on average 33% of its actions in place, over 3 schools); "
        "strongest: Beta (42%)." in text
    )
    assert text[-1] == (
        "3 possible pairs; the pair with most in common: S01 could help S02 "
        "with Alpha; Engineering."
    )


def test_side_by_side_one_row_a_school():
    table = network.by_school(documents(), small_framework()).set_index("school")
    assert table.loc["S01", "pupil_events"] == 2  # the CPD session is for teachers
    assert table.loc["S02", "Beta"] == pytest.approx(3 / 4)
    assert table.loc["S04", "overall"] == pytest.approx(3 / 7)
    assert table.loc["S03", "plan"] == "S03 plan" and table.loc["S03"].isna()["overall"]


def test_the_latest_plan_and_review_of_each_member_school_from_the_store(tmp_path):
    store = Store(tmp_path / "store.sqlite")
    framework = small_framework()

    def save_plan(owner, plan, expected=None):
        return store.save(
            "plan", owner, "STEM plan", json.loads(plan_files.plan_to_json(plan)), expected=expected
        )

    def save_review(owner, found):
        store.save("review", owner, found.name, review_files.review_document(found), expected=None)

    p = plans()
    save_plan("school:S01", Plan(title="old"))
    save_plan("school:S01", p["S01"], expected=1)  # the newer version is read
    save_review("school:S01", review("S01", date(2026, 11, 1)))
    save_review("school:S01", Review.blank(framework, reviewed_on=date(2025, 11, 1)))
    save_plan("school:S02", p["S02"])
    store.save(
        "review", "school:S02", "review 2026-01-01", {"schema_version": 99}, expected=None
    )  # unreadable: named, not used
    save_plan("browser:" + "a" * 32, p["S03"])  # someone's own: never a member's
    save_plan("user:nia", p["S03"])

    docs = network.member_documents(store, framework)
    assert [d.school for d in docs] == ["S01", "S02"]
    s01, s02 = docs
    assert s01.plan.title == "S01 plan" and s01.review.reviewed_on == date(2026, 11, 1)
    assert s01.review.status("A1.1") == "in_place" and s01.problems == ()
    assert s02.review is None and len(s02.problems) == 1 and "review 2026-01-01" in s02.problems[0]
    members = network.member_documents(store, framework, ["S01", "S05"])
    assert [(d.school, d.plan is None, d.review is None) for d in members] == [
        ("S01", False, False),
        ("S05", True, True),
    ]
