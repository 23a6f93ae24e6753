"""The STEM Manager page without a browser: edits, autosave in the store, restore,
conflicts, files, the plan and the survey."""

from __future__ import annotations

import base64
import json
import re
from datetime import date, datetime, UTC

import ipywidgets as widgets
import pytest

from analysis.errors import Problem, SurveyDataError
from analysis.manager import files
from analysis.store import Store
from dashboards import data, identity, manager


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "store.sqlite")


@pytest.fixture
def app(store) -> manager.Manager:
    return manager.Manager("browser:local", store)


def saved(store, owner="browser:local"):
    names = store.names("review", owner)
    return {n: store.latest("review", owner, n) for n in names}


def links(app) -> dict[str, bytes]:
    found = re.findall(r'href="data:[^;]+;base64,([^"]+)" download="([^"]+)"', app.links.value)
    return {name: base64.b64decode(content) for content, name in found}


def upload(control, name: str, content: bytes) -> None:
    control.value = (
        {
            "name": name,
            "type": "",
            "size": len(content),
            "content": content,
            "last_modified": datetime(2026, 11, 24, tzinfo=UTC),
        },
    )


def test_setting_a_status_redraws_and_autosaves(app, store):
    assert app.framework.themes[0].title == "Leadership" and not saved(store)
    app.set_status("staff.cpd.careers", "in_place")
    (in_place,) = [t for t in app.figure.data if t.meta["status"] == "in_place"]
    shown = app.picture.outputs[0]["data"]["application/vnd.plotly.v1+json"]["data"][0]["r"]
    assert shown == list(in_place.r)  # the page shows the figure it made
    # by hand: Staff has 4 + 3 + 2 = 9 actions, one in place
    assert in_place.r[1] == pytest.approx(1 / 9) and in_place.r[0] == 0
    assert "1 of 58 actions are in place" in app.summary.value
    [(name, doc)] = saved(store).items()
    assert name == f"review {date.today().isoformat()}" and doc.version == 1
    assert doc.document["entries"][0]["status"] == "in_place"
    parts = app.action_widgets["staff.cpd.careers"]
    parts["owner"].value = "Head of science"
    parts["committed"].value = True
    assert saved(store)[name].version == 3
    assert saved(store)[name].document["entries"][0]["owner"] == "Head of science"
    assert "Head of science" in links(app)["stem_action_plan.html"].decode()


def test_a_theme_opens_from_its_button_and_is_outlined_on_the_hexagon(app):
    app.theme.value = "careers"
    assert app.theme_id == "careers" and "careers.status.coordinator" in app.action_widgets
    (output,) = app.picture.outputs
    spec = output["data"]["application/vnd.plotly.v1+json"]
    widths = spec["data"][0]["marker"]["line"]["width"]
    assert widths[4] > widths[0]  # Careers, the fifth theme
    assert spec["config"]["toImageButtonOptions"]["filename"] == "stem_manager_hexagon"


def test_the_latest_saved_review_is_offered_and_the_offer_reads_the_store_then(store):
    first = manager.Manager("browser:local", store)
    first.set_status("leadership.ethos.priorities", "planned")
    second = manager.Manager("browser:local", store)
    assert "Your latest review is saved" in second.restore_bar.children[0].value
    first.set_status("leadership.ethos.priorities", "in_place")  # saved after the offer
    open_it = second.restore_bar.children[1].children[0]
    open_it.click()
    assert second.review.status("leadership.ethos.priorities") == "in_place"
    assert second.version == 2


def test_another_owner_sees_nothing(app, store):
    app.set_status("staff.cpd.careers", "in_place")
    other = manager.Manager("school:S05", store)
    assert other.restore_bar.children == () and other.saved_reviews.options == ()
    assert other.review.status("staff.cpd.careers") == "not_started"


def test_a_stale_save_asks_and_loses_nothing(store):
    here = manager.Manager("browser:local", store)
    here.set_status("staff.cpd.careers", "planned")
    there = manager.Manager("browser:local", store)
    there.open_saved(there.saved_reviews.options[0][1])
    there.set_status("staff.cpd.careers", "in_place")  # version 2, elsewhere
    here.set_status("careers.families.events", "in_progress")  # based on version 1
    assert here.dirty and "not from this page" in here.ask_bar.children[0].value
    keep_mine = here.ask_bar.children[1].children[0]
    keep_mine.click()
    latest = saved(store)[here.review.name]
    assert latest.version == 3 and not here.dirty
    statuses = {e["action_id"]: e["status"] for e in latest.document["entries"]}
    assert statuses == {"staff.cpd.careers": "planned", "careers.families.events": "in_progress"}
    # version 2 (theirs) is kept
    assert (
        store.get("review", "browser:local", here.review.name, 2).document["entries"][0]["status"]
        == "in_place"
    )


def test_unsaved_work_is_not_replaced_without_asking(app, store, monkeypatch):
    app.set_status("staff.cpd.careers", "in_place")
    app.dirty = True  # as after a failed save
    example = next(v for _, v in app.example.options if v)
    app.example.value = example
    assert app.review.status("staff.cpd.careers") == "in_place"  # still on screen
    assert "not saved" in app.ask_bar.children[0].value
    keep = app.ask_bar.children[1].children[0]
    keep.click()
    assert app.review.status("staff.cpd.careers") == "in_place" and app.example.value == ""


def test_a_broken_file_is_explained_and_the_review_stays(app):
    app.set_status("staff.cpd.careers", "in_place")
    upload(
        app.upload,
        "plan.json",
        json.dumps({"schema_version": 1, "events": [], "key_stage": {}}).encode(),
    )
    assert "plan.json could not be opened" in app.file_message.value
    assert "is a STEM plan, not a review" in app.file_message.value
    assert app.review.status("staff.cpd.careers") == "in_place"


def test_a_saved_csv_opens_again(app, store):
    app.set_status("curriculum.engineering.strategy", "in_progress")
    csv_bytes = links(app)["stem_review.csv"]
    fresh = manager.Manager("school:S01", store)
    upload(fresh.upload, "review.csv", csv_bytes)
    assert fresh.review.status("curriculum.engineering.strategy") == "in_progress"
    assert saved(store, "school:S01")  # and saved for that owner


def test_opening_a_file_over_a_saved_review_of_its_date_asks(app, store):
    app.set_status("staff.cpd.careers", "in_place")
    other = files.review_to_json(app.review.with_status("staff.cpd.careers", "planned"))
    upload(app.upload, "older.json", other.encode())
    assert "You have a saved review" in app.ask_bar.children[0].value
    assert app.review.status("staff.cpd.careers") == "in_place"
    app.ask_bar.children[1].children[1].click()  # open it
    assert app.review.status("staff.cpd.careers") == "planned"
    assert saved(store)[app.review.name].version == 2


def test_a_new_review_starts_as_a_copy_and_progress_shows(app, store):
    app.set_status("staff.cpd.careers", "in_place")
    assert app.start_new_review(date(2031, 3, 1))
    assert app.review.status("staff.cpd.careers") == "in_place"
    app.set_status("careers.families.events", "in_place")
    assert set(saved(store)) == {f"review {date.today().isoformat()}", "review 2031-03-01"}
    table = app.progress_box.children[1].value
    assert "Careers" in table and "+10 points" in table  # 1 of 10 careers actions
    assert not app.start_new_review(date(2031, 3, 1))  # that date is taken


def test_linking_a_plan_shows_planned_events_and_balance_evidence(app):
    example = next(v for label, v in app.plan_choice.options if "Bradfield" in label)
    app.plan_choice.value = example
    assert app.review.plan is not None and app.review.plan.school.startswith("Bradfield School")
    app.open_theme("enrichment")
    note = app.action_widgets["enrichment.careers_linked.clubs"]["events_note"].value
    assert "Planned events:" in note or "No planned event" in note
    assert "actions have planned events" in app.coverage.value
    assert "Plan:" in app.evidence.value


def test_the_survey_points_to_objectives_with_intervals(store):
    sample = data.survey(data.DataSource(data.SAMPLE_FILES, None, True))
    app = manager.Manager("browser:local", store, survey=lambda: sample)
    assert app.compare_with_survey()
    assert "Survey:" in app.evidence.value and "95% interval" in app.evidence.value
    # few would ask a careers adviser (year 7 on the sample), under the careers objective
    shown = app.evidence.value
    at = [m.start() for m in re.finditer("of year 7 pupils would ask a careers adviser", shown)]
    assert len(at) == 2  # under each objective that names it, in framework order
    assert shown.rfind("Teachers know about STEM careers", 0, at[0]) != -1
    assert shown.find("Careers provision has high status", at[0], at[1]) != -1


def test_a_survey_that_cannot_be_read_gives_a_message(store):
    def broken():
        raise SurveyDataError(Problem("w1.csv", "is not a survey.", "Check the file."))

    app = manager.Manager("browser:local", store, survey=broken)
    assert not app.compare_with_survey()
    assert "w1.csv: is not a survey. Check the file." in app.evidence.value


def test_no_server_path_is_shown(app, store, tmp_path):
    app.set_status("staff.cpd.careers", "in_place")
    shown = " ".join(
        w.value
        for w in (app.save_message, app.restore_bar, app.file_message)
        if hasattr(w, "value")
    )
    assert str(tmp_path) not in shown and "store.sqlite" not in shown


def test_build_asks_identity_and_builds_on_arrival(monkeypatch, tmp_path):
    """Nothing per-person at build (Voilà preheat): the review is built when the
    visitor's browser key arrives, and stored under that browser's owner."""
    monkeypatch.setenv("KS3_STORE", str(tmp_path / "s.sqlite"))
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    page = manager.build()
    assert "STEM Manager" in page.children[0].value
    arrival, body = page.children[1], page.children[2]
    assert isinstance(arrival, identity.Arrival) and arrival.visitor is None
    assert not (tmp_path / "s.sqlite").exists()  # nothing per-person before arrival
    arrival.arrive("d" * 32)
    assert arrival.visitor.owner == "browser:" + "d" * 32
    assert isinstance(body.children[0], widgets.VBox)  # the Manager itself


NETWORK_FRAMEWORK = """framework_version: 1
id: north-east
edition: "1"
title: Our STEM review
themes:
  - id: pupils
    title: Pupil voice
    provenance: {source: project, note: our network's}
    objectives:
      - id: pupils.listen
        title: Listen to pupils
        provenance: {source: project, note: ours}
        actions:
          - id: pupils.listen.panel
            title: A pupil STEM panel
            provenance: {source: project, note: ours}
"""


def test_a_networks_own_framework_file_is_the_pages(monkeypatch, tmp_path):
    """KS3_FRAMEWORK names a network's own framework: the page reviews against it,
    unchanged; a file that is not a framework gives its message, never a traceback."""
    monkeypatch.setenv("KS3_STORE", str(tmp_path / "s.sqlite"))
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    own = tmp_path / "network.yml"
    own.write_text(NETWORK_FRAMEWORK, encoding="utf-8")
    monkeypatch.setenv("KS3_FRAMEWORK", str(own))
    page = manager.build()
    page.children[1].arrive("e" * 32)
    shown = page.children[2].per_school.part.widget
    themes = [w for w in shown.children if isinstance(w, widgets.ToggleButtons)]
    assert [label for label, _ in themes[0].options] == ["Pupil voice"]

    own.write_text("framework_version: 1\nthemes: nothing\n", encoding="utf-8")
    page = manager.build()
    page.children[1].arrive("f" * 32)
    (message,) = page.children[2].children
    assert "framework file cannot be used" in message.value
    assert "network.yml" in message.value and "Traceback" not in message.value


def test_details_are_made_when_opened_and_saved_like_the_rest(app, store):
    app.open_theme("careers")
    parts = app.action_widgets["careers.families.events"]
    assert "evidence" not in parts
    app.show_details("careers.families.events")
    parts["evidence"].value = "Family STEM night planned with the PTA"
    parts["next_step"].value = "Book the hall"
    doc = saved(store)[app.review.name].document
    (entry,) = doc["entries"]
    assert (entry["evidence"], entry["next_step"]) == (
        "Family STEM night planned with the PTA",
        "Book the hall",
    )
    parts["status"].value = "planned"  # details kept when the status changes
    assert app.review.entry("careers.families.events").next_step == "Book the hall"


def test_a_click_on_the_hexagon_opens_its_theme_and_nothing_else_gets_through(app):
    """What the browser side of HexagonClicks sends on a click: the bar's theme id. A
    message naming no theme of the framework (crafted, or from another chart) does nothing."""
    assert app.theme.value == "leadership"
    app.hexagon_clicks._handle_custom_msg({"theme": "careers"}, [])
    assert app.theme.value == "careers" and "careers.status.coordinator" in app.action_widgets
    for crafted in (
        {"theme": "../leadership"},
        {"theme": ["staff"]},
        {"theme": None},
        "staff",
        {"theme": "Staff"},
    ):
        app.hexagon_clicks._handle_custom_msg(crafted, [])
        assert app.theme.value == "careers"
    assert "ks3-hexagon" in app.picture._dom_classes
