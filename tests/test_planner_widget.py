"""dashboards.planner without a browser: drive the widget's values and buttons."""

from __future__ import annotations

import base64
import html
import json
import re
import sqlite3
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from analysis.errors import Problem, SurveyDataError
from analysis.planner import files
from analysis.planner.figure import event_ids
from analysis.planner.model import Event, Plan
from analysis.store import Store
from dashboards import data, identity, planner

ANN = identity.browser_visitor("a" * 32)  # one browser on a personal server
BOB = identity.browser_visitor("b" * 32)  # another browser


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "store.sqlite")


@pytest.fixture
def app(store) -> planner.Planner:
    return planner.Planner(store=store, visitor=ANN)


def saved_plan(store, visitor=ANN) -> Plan | None:
    latest = store.latest("plan", visitor.owner, planner.PLAN_NAME)
    return None if latest is None else files.plan_from_json(json.dumps(latest.document))


def all_html(widget) -> str:
    """Every HTML text in a widget tree (what the page can show)."""
    out = [
        getattr(widget, "value", "")
        if isinstance(widget, (planner.widgets.HTML, planner.widgets.Label))
        else ""
    ]
    for child in getattr(widget, "children", ()):
        out.append(all_html(child))
    return "\n".join(out)


def fill(app, **values):
    defaults = dict(
        title="Year 7 STEM Cycle Day",
        subjects=("engineering",),
        year_groups=(7,),
        term="summer",
        half_term=2,
        stage="late",
        kind="off_timetable",
    )
    for name, value in {**defaults, **values}.items():
        getattr(app, name).value = value


def links(app) -> dict[str, bytes]:
    """``{download name: content}`` of the page's data: links."""
    found = re.findall(r'href="data:[^;]+;base64,([^"]+)" download="([^"]+)"', app.links.value)
    return {name: base64.b64decode(content) for content, name in found}


def test_the_planner_opens_empty_without_any_survey(app):
    assert app.plan == Plan() and app.events.options == ()
    assert "Year 7 has no STEM event all year." in app.balance.value
    assert app.survey_tables is None  # the survey is read only when asked


def test_adding_an_event_draws_it_lists_it_balances_it_and_autosaves_it(app, store):
    fill(app, careers_linked=True, lead="Director of Specialism")
    assert app.add_event()
    (event,) = app.plan.events
    assert (event.title, event.year_groups, event.slots) == ("Year 7 STEM Cycle Day", (7,), (17,))
    assert event_ids(app.figure) == {event.id}
    assert app.events.options == (
        ("Summer 2, late · Y7 · Year 7 STEM Cycle Day (Engineering)", event.id),
    )
    assert "<b>1</b> pupil events" in app.balance.value
    assert app.selected == event.id and not app.save_button.disabled
    assert saved_plan(store) == app.plan and app.version == 1
    assert "Saved at" in app.autosave_message.value and "(version 1)" in app.autosave_message.value
    downloads = links(app)
    assert files.plan_from_json(downloads["stem_plan.json"]) == app.plan
    assert files.plan_from_csv(downloads["stem_plan.csv"]) == app.plan
    assert b"Year 7 STEM Cycle Day" in downloads["stem_plan.html"]
    assert downloads["stem_plan_clock_face.svg"].startswith(b"<svg")


def test_the_picture_to_download_is_one_svg_with_names_and_no_selection(app):
    """The SVG link and the PNG link carry one picture (clock_face_svg): a title, the
    numbered key of event names, and no outline of the event selected on the page."""
    fill(app, title="Faraday Challenge")
    assert app.add_event() and app.selected == app.plan.events[0].id
    # the page's figure outlines the selected event in black; the picture does not
    assert any(t.name == "selected" and len(t.theta) for t in app.figure.data)
    svg = links(app)["stem_plan_clock_face.svg"].decode("utf-8")
    assert app.picture_png.svg == svg and app.picture_png.filename == "stem_plan_clock_face.png"
    assert ">1. Faraday Challenge (Summer 2, late; years 7)</text>" in svg
    assert "<title>Clock-face of " in svg
    assert "#000000" not in svg.upper() and 'stroke="#000' not in svg and "black" not in svg
    # the camera button (the page's own figure as a PNG) is gone
    config = app.figure._config
    assert "toImage" in config["modeBarButtonsToRemove"]
    assert "toImageButtonOptions" not in config
    # the picture follows the plan
    fill(app, title="Bridge building")
    assert app.add_event() and ">2. Bridge building (" in app.picture_png.svg


def test_a_form_with_problems_says_which_fields_and_changes_nothing(app):
    fill(app, title="  ", subjects=(), year_groups=())
    before = app.plan
    assert not app.add_event()
    assert app.plan is before
    shown = app.form_message.value
    assert "Title: is empty." in shown and "Subjects: none chosen." in shown
    assert "Year groups: none chosen." in shown and "the plan is as it was" in shown


def test_teacher_events_ignore_ticked_year_groups(app):
    fill(app, title="Lesson observation", subjects=("stem",), kind="cpd", year_groups=(7, 8))
    assert app.add_event()
    assert app.plan.events[0].year_groups == () and app.plan.events[0].for_teachers


def test_clicking_an_event_on_the_clock_face_selects_it(app):
    fill(app)
    app.add_event()
    fill(
        app,
        title="Perfume Project",
        subjects=("science",),
        year_groups=(9,),
        term="summer",
        half_term=1,
        stage="early",
        kind="off_timetable",
    )
    app.add_event()
    app.clear_form()
    assert app.selected is None and app.title.value == ""
    (science,) = [t for t in app.figure.data if t.name == "Science"]
    app._clicked(science, SimpleNamespace(point_inds=[0]), None)
    perfume = [e for e in app.plan.events if e.title == "Perfume Project"][0]
    assert app.selected == perfume.id and app.events.value == perfume.id
    assert app.title.value == "Perfume Project" and app.year_groups.value == (9,)
    (outline,) = [t for t in app.figure.data if t.name == "selected"]
    assert [row[0] for row in outline.customdata] == [perfume.id]


def test_edit_delete_and_duplicate_the_selected_event(app):
    fill(app)
    app.add_event()
    first = app.plan.events[0].id
    app.title.value = "Cycle Day"
    assert app.save_event()
    assert [(e.id, e.title) for e in app.plan.events] == [(first, "Cycle Day")]
    app.duplicate_years.value = (8, 9)
    assert app.duplicate_selected()
    assert sorted(e.year_groups for e in app.plan.events) == [(7,), (8,), (9,)]
    app.select(first)
    assert app.delete_selected()
    assert first not in {e.id for e in app.plan.events} and len(app.plan.events) == 2
    assert app.selected is None and app.delete_button.disabled


def test_settings_that_would_drop_an_event_are_refused(app):
    fill(app, year_groups=(9,))
    app.add_event()
    before = app.plan
    app.key_stage.value = (7, 8)
    assert not app.apply_settings()
    assert app.plan is before and app.key_stage.value == (7, 8, 9)
    assert "year 9 is not in the key stage" in app.settings_message.value
    app.delete_selected()
    app.key_stage.value = (7, 8)
    app.school.value = "Rushey Mead School"
    assert app.apply_settings()
    assert app.plan.key_stage.year_groups == (7, 8) and app.plan.school == "Rushey Mead School"
    (labels,) = [t for t in app.figure.data if t.name == "labels"]
    assert list(labels.text) == ["Year 7", "Year 8", "Teachers"]
    assert app.year_groups.options == (("Year 7", 7), ("Year 8", 8))


def test_example_plans_open(app):
    names = planner.examples()
    assert set(names) == {
        "Bradfield School, Sheffield",
        "Cramlington Learning Village",
        "Framwellgate School Durham",
        "Riddlesdown Collegiate",
        "Rushey Mead School",
    }
    path = names["Riddlesdown Collegiate"]
    app.example.value = str(path)  # the plan on screen is empty: nothing to ask
    assert app.plan == files.load_plan(path) and not app.ask_bar.children
    assert app.example.value == ""  # ready to open an example again
    assert event_ids(app.figure) == {e.id for e in app.plan.events}
    assert (
        "Opened the example plan for Riddlesdown Collegiate: 11 events." in app.file_message.value
    )


def upload(app, name: str, content: bytes) -> None:
    app.upload.value = (
        {
            "name": name,
            "type": "",
            "size": len(content),
            "content": content,
            "last_modified": datetime(2026, 11, 24, tzinfo=UTC),
        },
    )


def test_a_broken_plan_file_is_explained_and_the_plan_stays(app):
    fill(app)
    app.add_event()
    before = app.plan
    upload(app, "plan.json", json.dumps({"schema_version": 7}).encode())
    assert app.plan is before
    assert "plan.json could not be opened" in app.file_message.value
    assert "schema_version 7" in app.file_message.value
    upload(app, "plan.csv", b"title,subjects\nA,science\n")
    assert app.plan is before and "has no column(s) Year groups" in app.file_message.value


def test_a_csv_plan_file_opens(app):
    plan = Plan(
        school="Framwellgate",
        events=(Event("FutureMorph", ("stem",), (8,), "spring", 1, careers_linked=True, id="fm"),),
    )
    upload(app, "mine.csv", files.plan_to_csv(plan).encode("utf-8-sig"))
    assert app.plan == plan and app.school.value == "Framwellgate"


class BrokenStore(Store):
    def save(self, *args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")


def test_an_autosave_failure_is_said_and_loses_nothing(tmp_path):
    app = planner.Planner(store=BrokenStore(tmp_path / "store.sqlite"), visitor=ANN)
    fill(app)
    assert app.add_event()
    assert len(app.plan.events) == 1 and event_ids(app.figure)
    assert "Autosave failed" in app.autosave_message.value
    assert "Your plan is still on this page" in app.autosave_message.value
    assert str(tmp_path) not in all_html(app.widget)  # never a server path


def test_nothing_is_read_or_saved_before_the_visitor_arrives(tmp_path):
    store = Store(tmp_path / "store.sqlite")
    store.save(
        "plan",
        ANN.owner,
        planner.PLAN_NAME,
        json.loads(files.plan_to_json(Plan(title="Browser A plan"))),
        expected=None,
    )
    app = planner.Planner(store=store)  # as Voilà's preheat builds the page
    fill(app)
    app.add_event()
    assert not app.restore_bar.children and app.version is None
    assert (
        saved_plan(store).title == "Browser A plan"
        and len(store.versions("plan", ANN.owner, planner.PLAN_NAME)) == 1
    )
    app.arrive(ANN)  # now the offer, about Ann's plan; the event on screen is not saved over it
    assert "“Browser A plan”" in app.restore_bar.children[0].value


def test_the_offer_is_always_the_latest_saved_state(store):
    first = planner.Planner(store=store, visitor=ANN)
    fill(first)
    first.add_event()
    again = planner.Planner(store=store, visitor=ANN)  # a reload
    assert again.plan == Plan() and again.restore_bar.children
    assert "1 event, saved" in again.restore_bar.children[0].value
    assert "(version 1)" in again.restore_bar.children[0].value
    fill(first, title="Perfume Project", subjects=("science",), year_groups=(9,))
    first.add_event()  # saved after the offer was made (another tab)
    assert again.open_latest()
    assert again.plan == first.plan and len(again.plan.events) == 2
    assert again.version == 2 and not again.restore_bar.children


def test_two_browsers_never_see_each_others_plan(store):
    ann = planner.Planner(store=store, visitor=ANN)
    fill(ann)
    ann.add_event()
    bob = planner.Planner(store=store, visitor=BOB)
    assert not bob.restore_bar.children and bob.plan == Plan()
    assert bob.versions.options == () and not bob.open_latest()
    fill(bob, title="Bob's day")
    bob.add_event()
    assert [e.title for e in saved_plan(store, ANN).events] == ["Year 7 STEM Cycle Day"]
    assert [e.title for e in saved_plan(store, BOB).events] == ["Bob's day"]


def test_two_colleagues_saving_at_once_are_told_and_choose(store):
    lead = identity.visitor_from_groups("ann", ["school-S05", "role-school-lead"])
    colleague = identity.visitor_from_groups("bob", ["school-S05"])
    ann = planner.Planner(store=store, visitor=lead)
    fill(ann)
    ann.add_event()
    bob = planner.Planner(store=store, visitor=colleague)
    assert "Your school's saved plan" in bob.restore_bar.children[0].value
    bob.open_latest()
    fill(ann, title="Ann's second")
    ann.add_event()  # version 2
    fill(bob, title="Bob's edit")
    assert bob.add_event()  # on screen; its save finds version 2
    assert bob.conflict is not None and bob.version == 1
    told = bob.conflict_bar.children[0].value
    assert "saved" in told and "by ann" in told and "(version 2)" in told
    assert "your plan as JSON" in told  # bob's work can be kept before opening theirs
    assert [e.title for e in saved_plan(store, lead).events] == [
        "Year 7 STEM Cycle Day",
        "Ann's second",
    ]
    fill(bob, title="Bob's other edit")
    bob.add_event()  # still not saved over Ann's: the choice is pending
    assert len(store.versions("plan", lead.owner, planner.PLAN_NAME)) == 2
    assert bob.keep_mine()
    assert bob.version == 3 and not bob.conflict_bar.children
    assert {e.title for e in saved_plan(store, lead).events} == {
        "Year 7 STEM Cycle Day",
        "Bob's edit",
        "Bob's other edit",
    }
    # Ann, now behind, is told in turn and opens Bob's
    fill(ann, title="Ann's third")
    ann.add_event()
    assert ann.conflict is not None
    assert ann.open_theirs()
    assert ann.plan == saved_plan(store, lead) and ann.version == 3
    # Ann's second is still a saved version
    assert "Ann's second" in json.dumps(
        store.get("plan", lead.owner, planner.PLAN_NAME, 2).document
    )


def test_opening_an_example_over_work_asks_first(app, store):
    fill(app)
    app.add_event()
    mine = app.plan
    app.example.value = str(planner.examples()["Riddlesdown Collegiate"])
    assert app.plan == mine and app.ask_bar.children  # asked, nothing replaced
    question = app.ask_bar.children[0].value
    assert "in place of the plan on screen" in question and "version 1" in question
    keep, replace = app.ask_bar.children[1].children[1], app.ask_bar.children[1].children[0]
    keep.click()
    assert app.plan == mine and not app.ask_bar.children and saved_plan(store) == mine
    app.example.value = str(planner.examples()["Riddlesdown Collegiate"])
    app.ask_bar.children[1].children[0].click()
    assert len(app.plan.events) == 11 and saved_plan(store) == app.plan
    assert replace.description.startswith("Open")


def test_opening_a_file_over_unsaved_work_asks_and_says_it_is_not_saved(tmp_path):
    app = planner.Planner(store=BrokenStore(tmp_path / "store.sqlite"), visitor=ANN)
    fill(app)
    app.add_event()
    mine = app.plan
    upload(app, "theirs.csv", files.plan_to_csv(Plan(school="Other")).encode())
    assert app.plan == mine and "not saved" in app.ask_bar.children[0].value


def test_an_earlier_version_opens_as_the_newest(app, store):
    fill(app)
    app.add_event()
    first = app.plan
    fill(app, title="Second")
    app.add_event()
    assert [v for _, v in app.versions.options] == [2, 1]
    app.versions.value = 1
    app.restore_version_button.click()
    app.settle.settled(app.settle._asked)  # the browser answers (planner.Settled)
    assert app.ask_bar.children  # the plan on screen has events: asked first
    app.ask_bar.children[1].children[0].click()
    assert app.plan == first and app.version == 3 and saved_plan(store) == first
    assert [v for _, v in app.versions.options] == [3, 2, 1]


def test_the_store_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("KS3_STORE", str(tmp_path / "mine.sqlite"))
    app = planner.Planner(visitor=ANN)
    fill(app)
    app.add_event()
    assert saved_plan(Store(tmp_path / "mine.sqlite")) == app.plan


def test_the_survey_panel_reads_the_survey_when_asked(store):
    sample = data.survey(data.DataSource(data.SAMPLE_FILES, None, True))
    app = planner.Planner(store=store, visitor=ANN, survey=lambda: sample)
    assert app.compare_with_survey()
    assert "consideration of engineering careers" in app.evidence.value
    assert "the plan has no engineering event for year 9" in app.evidence.value
    assert "Showing the synthetic sample" in app.survey_note.children[0].value
    fill(app, year_groups=(9,))
    app.add_event()  # the findings follow the plan
    assert "the plan has 1 engineering event for year 9" in app.evidence.value


def test_a_survey_that_cannot_be_read_gives_a_message(store):
    def broken():
        raise SurveyDataError(Problem("w1.csv", "is not a survey.", "Check the file."))

    app = planner.Planner(store=store, visitor=ANN, survey=broken)
    assert not app.compare_with_survey()
    assert "w1.csv: is not a survey. Check the file." in app.evidence.value
    assert "Traceback" not in app.evidence.value


def test_build_makes_the_whole_page_and_waits_for_the_visitor(monkeypatch, tmp_path):
    monkeypatch.setenv("KS3_STORE", str(tmp_path / "store.sqlite"))
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    built = planner.build()
    assert "STEM Planner" in built.children[0].value
    arrival = built.children[1]
    assert isinstance(arrival, identity.Arrival) and arrival.visitor is None
    assert not (tmp_path / "store.sqlite").exists()  # nothing per-person at preheat
    arrival.arrive("c" * 32)
    assert (tmp_path / "store.sqlite").exists()


def test_clicking_an_empty_stage_starts_an_event_there(app):
    (grid,) = [t for t in app.figure.data if t.name == "stages"]
    # rings from the centre: years 7, 8, 9, then teachers; 18 stages each
    app._clicked(grid, SimpleNamespace(point_inds=[18 + 10]), None)  # year 8, slot 10
    assert (app.term.value, app.half_term.value, app.stage.value) == ("spring", 2, "middle")
    assert app.year_groups.value == (8,) and app.selected is None
    app._clicked(grid, SimpleNamespace(point_inds=[3 * 18 + 0]), None)  # teachers, autumn 1 early
    assert (app.term.value, app.half_term.value, app.stage.value) == ("autumn", 1, "early")
    assert app.kind.value == "teacher_planning" and app.year_groups.disabled
    assert app.year_groups.value == ()


def test_the_survey_panel_speaks_of_the_school_chosen(store):
    from analysis.pack.findings import school_findings
    from dashboards import my_school, pack_panel, results

    sample = data.survey(data.DataSource(data.SAMPLE_FILES, None, True))
    app = planner.Planner(store=store, visitor=ANN, survey=lambda: sample)
    assert app.survey_school.disabled
    assert app.compare_with_survey()
    assert app.survey_school.value == "" and not app.survey_school.disabled
    assert "against the other schools" not in app.evidence.value
    app.survey_school.value = "S13"
    text = app.evidence.value
    assert "School S13 against the other schools" in text and "Every school together" in text
    # the school's clear findings for the plan's years and planner subjects, from the My
    # school page's own tables, each with what the plan has
    view = my_school.MySchool(results.LiveResults(sample))
    tables = pack_panel.school_data(view, "S13")
    found = school_findings(tables.tables, tables.name)
    clear = found[
        found["clear"] & found["item"].map(lambda i: bool(planner.evidence.item_subjects(i)))
    ]
    first = clear.iloc[0]
    assert html.escape(first["sentence"].removesuffix(".")) + "; the plan has no " in text


def test_on_a_hub_the_survey_panel_offers_only_the_visitors_school(store):
    sample = data.survey(data.DataSource(data.SAMPLE_FILES, None, True))
    lead = identity.Visitor(user="ann", role="school_lead", schools=("S13",), owner="school:S13")
    app = planner.Planner(store=store, visitor=lead, survey=lambda: sample)
    assert app.compare_with_survey()
    assert [v for _, v in app.survey_school.options] == ["", "S13"]
    assert app.survey_school.value == "S13"
    assert "School S13 against the other schools" in app.evidence.value


def test_a_press_waits_for_the_changes_the_browser_held_back(app, store):
    """The order a busy kernel sees (issue 12): the first subject's change, the press of
    "Add event" (never held back), then the second subject's change (held back by
    ipywidgets until the kernel answered the first), then the browser's answer to the
    question the press sent. The event is added as the form was when it was pressed."""
    fill(app, subjects=("engineering",))
    app.add_button.click()
    assert app.plan.events == ()  # nothing added before the browser has answered
    app.subjects.value = ("engineering", "science")  # the change held back arrives
    app.settle.settled(app.settle._asked)  # then the answer: every earlier change is in
    (event,) = app.plan.events
    assert set(event.subjects) == {"engineering", "science"}
    assert event.title == "Year 7 STEM Cycle Day"
    assert saved_plan(store).events == (event,)
    app.settle.settled(app.settle._asked)  # an answer twice (or forged) adds nothing more
    assert len(app.plan.events) == 1


def test_every_button_that_reads_the_form_waits_for_the_browser(app):
    fill(app)
    app.add_event()
    app.select(app.plan.events[0].id)
    app.title.value = "Renamed"
    app.duplicate_years.value = (8,)
    for button in (app.save_button, app.duplicate_button, app.apply_settings_button):
        before = app.plan
        button.click()
        assert app.plan == before, button.description  # waits for the answer
        app.settle.settled(app.settle._asked)
    assert {e.title for e in app.plan.events} == {"Renamed"} and len(app.plan.events) == 2
