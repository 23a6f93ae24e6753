"""analysis.planner.files: plans through JSON and CSV, and clear words for bad files."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.errors import SurveyDataError
from analysis.planner import files
from analysis.planner.files import (PlanFileError, plan_from_csv, plan_from_json, plan_to_csv,
                                    plan_to_json)
from analysis.planner.model import (Event, KeyStage, Plan, kinds, stages, subjects,
                                    teacher_kinds, terms)

# text a person could type: any printable character (formula starters,
# quotes, commas, semicolons and accents included), notes with line breaks
line = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30)
title = line.filter(lambda t: t.strip())
notes = st.text(st.characters(blacklist_categories=("Cc", "Cs"), whitelist_characters="\n"),
                max_size=60)


@st.composite
def plans(draw):
    first = draw(st.integers(7, 11))
    years = tuple(range(first, first + draw(st.sampled_from([2, 3]))))
    events, ids = [], draw(st.lists(st.text(string.ascii_letters + string.digits + "-_",
                                            min_size=1, max_size=10), unique=True, max_size=6))
    for event_id in ids:
        kind = draw(st.sampled_from(list(kinds())))
        events.append(Event(
            id=event_id, title=draw(title),
            subjects=tuple(draw(st.lists(st.sampled_from(list(subjects())), min_size=1,
                                         unique=True))),
            year_groups=() if kind in teacher_kinds() else tuple(
                draw(st.lists(st.sampled_from(years), min_size=1, unique=True))),
            term=draw(st.sampled_from(list(terms()))), half_term=draw(st.sampled_from([1, 2])),
            stage=draw(st.sampled_from(list(stages()))), kind=kind,
            careers_linked=draw(st.booleans()), lead=draw(line), partner=draw(line),
            notes=draw(notes)))
    return Plan(key_stage=KeyStage(years, name=draw(title), school_year=draw(line)),
                events=tuple(events), school=draw(line), title=draw(line), notes=draw(notes))


@settings(max_examples=150, deadline=None)
@given(plans())
def test_any_valid_plan_round_trips_through_json(plan):
    assert plan_from_json(plan_to_json(plan)) == plan


@settings(max_examples=150, deadline=None)
@given(plans())
def test_any_valid_plan_round_trips_through_csv(plan):
    assert plan_from_csv(plan_to_csv(plan)) == plan
    # and through the bytes a browser upload gives (UTF-8 with a byte-order mark)
    assert plan_from_csv(plan_to_csv(plan).encode("utf-8-sig")) == plan


def perfume() -> Plan:
    return Plan(school="Bradfield School", events=(Event(
        id="p1", title="=Perfume Project", subjects=("science", "maths", "design_technology"),
        year_groups=(9,), term="summer", half_term=1, stage="throughout",
        kind="off_timetable", careers_linked=True, lead="Director of Specialism",
        partner="Business and engineering judges", notes="180 pupils, three days"),))


def test_csv_layout_is_one_row_per_event_with_joined_values():
    text = plan_to_csv(perfume())
    lines = text.splitlines()
    assert lines[0] == "# schema_version: 1"
    assert lines[5] == ",".join(files.CSV_COLUMNS)
    assert lines[6] == ("p1,'=Perfume Project,science;maths;design_technology,9,summer,1,"
                        "throughout,off_timetable,yes,Director of Specialism,"
                        "Business and engineering judges,\"180 pupils, three days\"")


def test_a_spreadsheet_csv_without_plan_lines_is_read_for_years_7_to_9():
    plan = plan_from_csv("title,subjects,year_groups,term,half_term\n"
                         "Cycle Day,engineering,7,summer,2\n,,,,\n", "mine.csv")
    assert plan.key_stage.year_groups == (7, 8, 9)
    (e,) = plan.events
    assert (e.title, e.stage, e.kind, e.careers_linked) == ("Cycle Day", "middle", "lesson", False)


def test_another_schema_version_is_refused_with_what_to_do():
    text = json.dumps({"schema_version": 2, "events": []})
    with pytest.raises(PlanFileError) as caught:
        plan_from_json(text, "future.json")
    assert str(caught.value) == ("future.json: is a plan of schema_version 2; this planner "
                                 "reads schema_version 1 only. Open it with the planner that "
                                 "saved it, or save it again as version 1.")
    assert isinstance(caught.value, SurveyDataError)
    with pytest.raises(PlanFileError, match="no schema_version"):
        plan_from_json("{}", "old.json")
    csv_text = plan_to_csv(perfume()).replace("schema_version: 1", "schema_version: 3")
    with pytest.raises(PlanFileError, match="schema_version 3"):
        plan_from_csv(csv_text, "future.csv")


def test_bad_json_events_are_each_named_with_their_field():
    data = json.loads(plan_to_json(perfume()))
    data["events"].append({**data["events"][0], "id": "p2", "term": "winter"})
    data["events"].append({**data["events"][0], "id": "p3", "year_groups": [12]})
    with pytest.raises(PlanFileError) as caught:
        plan_from_json(json.dumps(data), "plan.json")
    messages = [str(p) for p in caught.value.problems]
    assert messages[0].startswith("plan.json: event 2 ('=Perfume Project'), field 'term': "
                                  "'winter' is not a term.")
    assert "year 12 is not in the key stage (years 7, 8, 9)" in messages[1]
    with pytest.raises(PlanFileError, match="is not JSON"):
        plan_from_json("{oops", "plan.json")


def test_bad_csv_rows_name_the_row_as_a_spreadsheet_counts_it():
    text = plan_to_csv(perfume()) + "p2,Trip,science,7,autumn,4,,,maybe,,,\r\n"
    with pytest.raises(PlanFileError) as caught:
        plan_from_csv(text, "plan.csv")
    messages = [str(p) for p in caught.value.problems]
    # 5 '#' lines, header on line 6, the perfume row on 7, the bad row on 8
    assert messages == ["plan.csv: column 'careers_linked': row 8: 'maybe' is not yes or no. "
                        "Write yes or no."]
    with pytest.raises(PlanFileError, match="has no column.s. term, half_term"):
        plan_from_csv("title,subjects,year_groups\nA,science,7\n", "short.csv")


def test_read_plan_picks_the_format_by_name_and_refuses_others():
    plan = perfume()
    assert files.read_plan(plan_to_json(plan).encode(), "a.JSON") == plan
    assert files.read_plan(plan_to_csv(plan).encode("utf-8-sig"), "a.csv") == plan
    with pytest.raises(PlanFileError, match="neither a .json nor a .csv"):
        files.read_plan(b"", "plan.xlsx")


def test_save_and_load_on_disk(tmp_path):
    plan = perfume()
    for name in ("plan.json", "plan.csv"):
        assert files.load_plan(files.save_plan(plan, tmp_path / name)) == plan
    with pytest.raises(PlanFileError, match="cannot be read"):
        files.load_plan(tmp_path / "missing.json")


def test_csv_rows_with_a_shared_id_or_a_year_outside_the_key_stage_are_named():
    text = (plan_to_csv(perfume()) + "p1,Trip,science,7,autumn,1,,,no,,,\r\n"
            + "p3,Talk,science,10,autumn,1,,,no,,,\r\n")
    with pytest.raises(PlanFileError) as caught:
        plan_from_csv(text, "plan.csv")
    assert [str(p) for p in caught.value.problems] == [
        "plan.csv: column 'id': row 8: 'p1' is also the id of row 7. Give every event its own "
        "id (or leave ids out).",
        "plan.csv: column 'year_groups': row 9: year 10 is not in the key stage (years 7, 8, "
        "9). Change the event's year groups or the key stage."]
