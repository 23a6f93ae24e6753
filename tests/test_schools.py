"""dashboards.schools: a member of several schools chooses which of THEIR schools a page
shows (My school, the Planner's plans, the Manager's reviews); never another school."""

from __future__ import annotations

import ipywidgets as widgets
import pytest
from traitlets import TraitError

from analysis import settings
from analysis.store import Store
from dashboards import data, hub, identity, manager, planner, schools, shell
from dashboards.identity import Refused

from bundle_helpers import manifest_only_bundle

DEE = identity.visitor_from_groups("dee", ["school-S01", "school-S02"])  # two schools
ANN = identity.visitor_from_groups("ann", ["school-S01", "role-school-lead"])  # one
NIA = identity.visitor_from_groups("nia", ["role-network-lead", "school-S01", "school-S02"])


def test_a_member_works_on_one_of_their_schools_and_no_other():
    assert DEE.school == "S01" and DEE.member_schools == ("S01", "S02")
    s02 = DEE.working_on("S02")
    assert (s02.user, s02.role, s02.schools, s02.owner) == (
        "dee",
        "colleague",
        ("S01", "S02"),
        "school:S02",
    )
    assert s02.working_on("S01").owner == "school:S01"
    for other in ("S03", "../S01", "S01 ", None, 2):
        with pytest.raises(Refused):
            DEE.working_on(other)
    with pytest.raises(Refused):  # a network lead's documents are their own
        NIA.working_on("S01")
    with pytest.raises(Refused):  # a personal server has no member schools
        identity.LOCAL.working_on("S01")
    assert NIA.school == "" and identity.LOCAL.school == ""


def test_one_school_offers_no_choice_and_two_offer_exactly_both():
    assert schools.SchoolChoice(ANN, print).widget.children == ()
    assert schools.SchoolChoice(NIA, print).widget.children == ()
    choice = schools.SchoolChoice(DEE, print)
    assert choice.widget.children and choice.dropdown.value == "S01"
    assert [value for _, value in choice.dropdown.options] == ["S01", "S02"]
    # offered schools are cut to the visitor's own, whatever the page asks for
    assert schools.SchoolChoice(DEE, print, schools=["S02", "S03"]).schools == ("S02",)


def test_choosing_calls_back_with_the_school_and_a_crafted_value_is_refused():
    chosen = []
    choice = schools.SchoolChoice(DEE, chosen.append)
    choice.dropdown.value = "S02"
    assert [v.owner for v in chosen] == ["school:S02"] and choice.chosen == "S02"
    # a value set to another school: the dropdown refuses it, nothing is called
    with pytest.raises(TraitError):
        choice.dropdown.value = "S03"
    # the browser syncs the index: a crafted message naming an index out of range
    # changes nothing (ipywidgets refuses it before any callback)
    state = {"method": "update", "state": {"index": 5}, "buffer_paths": []}
    with pytest.raises(TraitError):
        choice.dropdown.set_state(state["state"])
    assert choice.chosen == "S02" and len(chosen) == 1
    # and whatever reaches the choice itself is checked against the visitor's schools
    assert choice.choose("S03") is None
    assert "not one of your schools" in choice.message.value and len(chosen) == 1
    assert choice.dropdown.value == "S02"


def test_a_refused_switch_keeps_the_school_shown():
    def refuse(_visitor):
        raise schools.ChoiceRefused(schools.UNSAVED)

    choice = schools.SchoolChoice(DEE, refuse)
    choice.dropdown.value = "S02"
    assert choice.chosen == "S01" and choice.dropdown.value == "S01"
    assert "not saved" in choice.message.value


class Part:
    def __init__(self, visitor):
        self.visitor = visitor
        self.widget = widgets.HTML(visitor.owner)
        self.dirty = False


def test_per_school_remakes_the_part_for_the_school_chosen_unless_work_is_unsaved():
    page = schools.PerSchool(Part, unsaved=lambda part: part.dirty)
    page.arrive(DEE)
    assert page.part.visitor.owner == "school:S01"
    page.choice.dropdown.value = "S02"
    assert page.part.visitor.owner == "school:S02"
    assert page.body.children == (page.part.widget,)
    page.part.dirty = True
    page.choice.dropdown.value = "S01"
    assert page.part.visitor.owner == "school:S02" and page.choice.dropdown.value == "S02"


def test_the_hub_starts_a_member_on_their_first_published_school(tmp_path, monkeypatch):
    folder = tmp_path
    assert hub.bundle_for(DEE, folder) is None
    s02 = manifest_only_bundle(folder / "bundles" / "school-S02", {"label": "School B"})
    assert hub.bundle_for(DEE, folder) == s02  # S01 not published: S02's
    s01 = manifest_only_bundle(folder / "bundles" / "school-S01", {"label": "School A"})
    assert hub.bundle_for(DEE, folder) == s01
    assert hub.bundle_for(DEE.working_on("S02"), folder) == s02
    assert schools.published_schools(DEE, folder) == {"S01": s01, "S02": s02}
    assert schools.published_schools(ANN, folder) == {"S01": s01}
    manifest_only_bundle(folder / "bundles" / "school-S03", {"label": "School C"})
    assert "S03" not in schools.published_schools(DEE, folder)
    monkeypatch.setenv(settings.HUB_DIR, str(folder))  # what a member's server is given
    assert schools.published_schools(DEE) == {"S01": s01, "S02": s02}
    monkeypatch.delenv(settings.HUB_DIR)
    assert schools.published_schools(DEE) == {}


class Shown:
    """Results as far as the page frame and a stand-in dashboard need them."""

    published = True

    def __init__(self, path):
        self.path = path

    def note(self):
        return widgets.HTML(f"bundle {self.path.name}")


def test_my_school_offers_a_two_school_member_their_published_schools(tmp_path, monkeypatch):
    s01 = manifest_only_bundle(tmp_path / "bundles" / "school-S01", {"label": "School A"})
    s02 = manifest_only_bundle(tmp_path / "bundles" / "school-S02", {"label": "School B"})
    monkeypatch.setattr(data, "published", Shown)
    made = []

    def make(results):
        made.append(results.path)
        return Part(identity.LOCAL)

    frame = shell.DashboardPage(Shown(s01), make, choose_school=True)
    assert frame.school_choice.children == ()  # nothing before the visitor arrives
    frame.arrive_at_school(ANN, tmp_path)
    assert frame.choice.widget.children == ()  # one school: no choice
    frame.arrive_at_school(DEE, tmp_path)
    assert [v for _, v in frame.choice.dropdown.options] == ["S01", "S02"]
    assert frame.choice.dropdown.value == "S01"  # the bundle the server started with
    frame.choice.dropdown.value = "S02"
    assert made[-1] == s02 and frame.results.path == s02
    assert frame.choice.choose("S03") is None and frame.results.path == s02


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.STORE, str(tmp_path / "store.sqlite"))
    return Store(tmp_path / "store.sqlite")


def arrive(box, visitor):
    """What the page's arrival widget does once the browser is here (on a hub: the
    server's owner, from the hub's groups)."""
    (arrival,) = [w for w in box.children if isinstance(w, identity.Arrival)]
    arrival._callback(visitor)


def test_the_planner_shows_the_chosen_schools_plan_shared_with_its_colleagues(store):
    saved = planner.Planner(store=store, visitor=DEE.working_on("S02"))
    saved.plan_title.value = "Plan of S02"
    assert saved.apply_settings() and store.latest("plan", "school:S02", planner.PLAN_NAME)
    box = planner.build()
    first = box.per_school.part
    arrive(box, DEE)
    assert box.per_school.part is first and first.visitor.owner == "school:S01"
    assert first.restore_bar.children == ()  # S01 has no plan
    box.per_school.choice.dropdown.value = "S02"
    shown = box.per_school.part
    assert shown is not first and shown.visitor.owner == "school:S02"
    assert "Plan of S02" in shown.restore_bar.children[0].value
    assert store.latest("plan", "school:S01", planner.PLAN_NAME) is None
    # a one-school colleague of S02 is offered the same plan, and no choice
    one = planner.build()
    arrive(one, identity.visitor_from_groups("bob", ["school-S02"]))
    assert one.per_school.choice.widget.children == ()
    assert "Plan of S02" in one.per_school.part.restore_bar.children[0].value


def test_the_planner_keeps_a_plan_not_saved_when_another_school_is_chosen(store):
    box = planner.build()
    arrive(box, DEE)
    first = box.per_school.part
    first.conflict = object()  # someone else saved meanwhile: not settled yet
    box.per_school.choice.dropdown.value = "S02"
    assert box.per_school.part is first and box.per_school.choice.dropdown.value == "S01"
    assert "not saved" in box.per_school.choice.message.value


def test_the_manager_shows_the_chosen_schools_reviews(store):
    box = manager.build()
    arrive(box, DEE)
    body = box.children[2]
    assert body.per_school.part.owner == "school:S01"
    body.per_school.choice.dropdown.value = "S02"
    assert body.per_school.part.owner == "school:S02"
    one = manager.build()
    arrive(one, ANN)
    assert one.children[2].per_school.choice.widget.children == ()
