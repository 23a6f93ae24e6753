"""dashboards.planner without a browser: drive the widget's values and buttons."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from analysis.errors import Problem, SurveyDataError
from analysis.planner import files
from analysis.planner.figure import event_ids
from analysis.planner.model import Event, Plan
from dashboards import data, planner


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "autosave"


@pytest.fixture
def app(folder) -> planner.Planner:
    return planner.Planner(autosave=folder)


def fill(app, **values):
    defaults = dict(title="Year 7 STEM Cycle Day", subjects=("engineering",), year_groups=(7,),
                    term="summer", half_term=2, stage="late", kind="off_timetable")
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


def test_adding_an_event_draws_it_lists_it_balances_it_and_autosaves_it(app, folder):
    fill(app, careers_linked=True, lead="Director of Specialism")
    assert app.add_event()
    (event,) = app.plan.events
    assert (event.title, event.year_groups, event.slots) == ("Year 7 STEM Cycle Day", (7,), (17,))
    assert event_ids(app.figure) == {event.id}
    assert app.events.options == (("Summer 2, late · Y7 · Year 7 STEM Cycle Day (Engineering)",
                                   event.id),)
    assert "<b>1</b> pupil events" in app.balance.value
    assert app.selected == event.id and not app.save_button.disabled
    saved = files.load_plan(folder / planner.AUTOSAVE_NAME)
    assert saved == app.plan
    downloads = links(app)
    assert files.plan_from_json(downloads["stem_plan.json"]) == app.plan
    assert files.plan_from_csv(downloads["stem_plan.csv"]) == app.plan
    assert b"Year 7 STEM Cycle Day" in downloads["stem_plan.html"]
    assert downloads["stem_plan_clock_face.svg"].startswith(b"<svg")


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
    fill(app, title="Perfume Project", subjects=("science",), year_groups=(9,), term="summer",
         half_term=1, stage="early", kind="off_timetable")
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
    assert set(names) == {"Bradfield School, Sheffield", "Cramlington Learning Village",
                          "Framwellgate School Durham", "Riddlesdown Collegiate",
                          "Rushey Mead School"}
    path = names["Riddlesdown Collegiate"]
    app.example.value = str(path)
    assert app.plan == files.load_plan(path)
    assert app.example.value == ""  # ready to open an example again
    assert event_ids(app.figure) == {e.id for e in app.plan.events}
    assert "Opened the example plan for Riddlesdown Collegiate: 11 events." in \
        app.file_message.value


def upload(app, name: str, content: bytes) -> None:
    app.upload.value = ({"name": name, "type": "", "size": len(content), "content": content,
                         "last_modified": datetime(2026, 11, 24, tzinfo=timezone.utc)},)


def test_a_broken_plan_file_is_explained_and_the_plan_stays(app):
    fill(app)
    app.add_event()
    before = app.plan
    upload(app, "plan.json", json.dumps({"schema_version": 7}).encode())
    assert app.plan is before
    assert "plan.json could not be opened" in app.file_message.value
    assert "schema_version 7" in app.file_message.value
    upload(app, "plan.csv", b"title,subjects\nA,science\n")
    assert app.plan is before and "has no column(s) year_groups" in app.file_message.value


def test_a_csv_plan_file_opens(app):
    plan = Plan(school="Framwellgate", events=(
        Event("FutureMorph", ("stem",), (8,), "spring", 1, careers_linked=True, id="fm"),))
    upload(app, "mine.csv", files.plan_to_csv(plan).encode("utf-8-sig"))
    assert app.plan == plan and app.school.value == "Framwellgate"


def test_an_autosave_failure_is_said_and_loses_nothing(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the folder should be")
    app = planner.Planner(autosave=blocker)
    fill(app)
    assert app.add_event()
    assert len(app.plan.events) == 1 and event_ids(app.figure)
    assert "Autosave failed" in app.autosave_message.value
    assert "Your plan is still on this page" in app.autosave_message.value


def test_the_last_autosave_is_offered_on_start(folder):
    first = planner.Planner(autosave=folder)
    fill(first)
    first.add_event()
    again = planner.Planner(autosave=folder)
    assert again.plan == Plan() and again.restore_bar.children
    assert "1 event, saved" in again.restore_bar.children[0].value
    again.restore(again.restorable)
    assert again.plan == first.plan and not again.restore_bar.children


def test_autosave_folder_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(planner.AUTOSAVE_VARIABLE, str(tmp_path / "saves"))
    assert planner.autosave_dir() == tmp_path / "saves"
    monkeypatch.delenv(planner.AUTOSAVE_VARIABLE)
    assert planner.autosave_dir().name == ".ks3-planner"


def test_the_survey_panel_reads_the_survey_when_asked(folder):
    sample = data.survey(data.DataSource(data.SAMPLE_FILES, None, True))
    app = planner.Planner(autosave=folder, survey=lambda: sample)
    assert app.compare_with_survey()
    assert "consideration of engineering careers" in app.evidence.value
    assert "the plan has no engineering event for year 9" in app.evidence.value
    assert "Showing the synthetic sample" in app.survey_note.children[0].value
    fill(app, year_groups=(9,))
    app.add_event()  # the findings follow the plan
    assert "the plan has 1 engineering event for year 9" in app.evidence.value


def test_a_survey_that_cannot_be_read_gives_a_message(folder):
    def broken():
        raise SurveyDataError(Problem("w1.csv", "is not a survey.", "Check the file."))

    app = planner.Planner(autosave=folder, survey=broken)
    assert not app.compare_with_survey()
    assert "w1.csv: is not a survey. Check the file." in app.evidence.value
    assert "Traceback" not in app.evidence.value


def test_build_makes_the_whole_page(monkeypatch, tmp_path):
    monkeypatch.setenv(planner.AUTOSAVE_VARIABLE, str(tmp_path))
    assert "STEM Planner" in planner.build().children[0].value


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
