"""analysis.planner.files: plans through JSON and CSV, and clear words for bad files."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.errors import SurveyDataError
from analysis.planner import files
from analysis.planner.files import (
    PlanFileError,
    plan_from_csv,
    plan_from_json,
    plan_to_csv,
    plan_to_json,
)
from analysis.planner.model import (
    Event,
    KeyStage,
    Plan,
    kinds,
    stages,
    subjects,
    teacher_kinds,
    terms,
)

# text a person could type: any printable character (formula starters,
# quotes, commas, semicolons and accents included), notes with line breaks
line = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30)
title = line.filter(lambda t: t.strip())
notes = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), whitelist_characters="\n"), max_size=60
)


@st.composite
def plans(draw):
    first = draw(st.integers(7, 11))
    years = tuple(range(first, first + draw(st.sampled_from([2, 3]))))
    events, ids = (
        [],
        draw(
            st.lists(
                st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=10),
                unique=True,
                max_size=6,
            )
        ),
    )
    for event_id in ids:
        kind = draw(st.sampled_from(list(kinds())))
        events.append(
            Event(
                id=event_id,
                title=draw(title),
                subjects=tuple(
                    draw(st.lists(st.sampled_from(list(subjects())), min_size=1, unique=True))
                ),
                year_groups=()
                if kind in teacher_kinds()
                else tuple(draw(st.lists(st.sampled_from(years), min_size=1, unique=True))),
                term=draw(st.sampled_from(list(terms()))),
                half_term=draw(st.sampled_from([1, 2])),
                stage=draw(st.sampled_from(list(stages()))),
                kind=kind,
                careers_linked=draw(st.booleans()),
                lead=draw(line),
                partner=draw(line),
                notes=draw(notes),
            )
        )
    return Plan(
        key_stage=KeyStage(years, name=draw(title), school_year=draw(line)),
        events=tuple(events),
        school=draw(line),
        title=draw(line),
        notes=draw(notes),
    )


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


def earlier_csv(plan: Plan) -> str:
    """The planner's earlier CSV layout, written here from its description (``#`` lines with
    JSON values, code columns, codes joined by ``;``), not by the package."""
    import csv
    import io

    formula = ("=", "+", "-", "@", "\t", "\r")

    def neutral(text):
        return (
            "'" + text
            if text[:1] in formula or (text[:1] == "'" and text[1:2] in (*formula, "'"))
            else text
        )

    out = io.StringIO(newline="")
    for key, value in (
        ("schema_version", 1),
        ("school", plan.school),
        ("title", plan.title),
        ("notes", plan.notes),
        ("key_stage", plan.key_stage.to_dict()),
    ):
        out.write(f"# {key}: {json.dumps(value, ensure_ascii=False)}\r\n")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(files.CSV_COLUMNS)
    for e in plan.events:
        writer.writerow(
            [
                e.id,
                neutral(e.title),
                ";".join(e.subjects),
                ";".join(map(str, e.year_groups)),
                e.term,
                e.half_term,
                e.stage,
                e.kind,
                "yes" if e.careers_linked else "no",
                neutral(e.lead),
                neutral(e.partner),
                neutral(e.notes),
            ]
        )
    return out.getvalue()


@settings(max_examples=100, deadline=None)
@given(plans())
def test_any_plan_saved_in_the_earlier_csv_layout_opens_whole(plan):
    assert plan_from_csv(earlier_csv(plan)) == plan
    assert plan_from_csv(earlier_csv(plan).encode("utf-8-sig")) == plan


@settings(max_examples=100, deadline=None)
@given(plans())
def test_any_plan_csv_has_one_header_row_in_words_and_a_row_per_event(plan):
    import csv
    import io

    rows = list(csv.reader(io.StringIO(plan_to_csv(plan), newline="")))
    assert rows[0] == [*files.WORD_COLUMNS, *files.PLAN_WORD_COLUMNS]
    assert len(rows) == 1 + max(1, len(plan.events))
    for row, event in zip(rows[1:], plan.events):
        assert row[4] == terms()[event.term] and row[7] == kinds()[event.kind]
        assert row[3] == ("; ".join(map(str, event.year_groups)) or "teachers")


def perfume() -> Plan:
    return Plan(
        school="Bradfield School",
        events=(
            Event(
                id="p1",
                title="=Perfume Project",
                subjects=("science", "maths", "design_technology"),
                year_groups=(9,),
                term="summer",
                half_term=1,
                stage="throughout",
                kind="off_timetable",
                careers_linked=True,
                lead="Director of Specialism",
                partner="Business and engineering judges",
                notes="180 pupils, three days",
            ),
        ),
    )


def test_csv_is_one_header_row_and_one_row_per_event_in_words():
    text = plan_to_csv(perfume())
    lines = text.splitlines()
    assert lines[0] == (
        "Event id,Title,Subjects,Year groups,Term,Half-term,Stage,Kind,"
        "Careers-linked,Lead,Partner,Notes,Plan title,School,Plan notes,"
        "Key stage,Key stage years,School year,Plan file version"
    )
    assert lines[1] == (
        "p1,'=Perfume Project,Science; Maths; Design and technology,9,Summer,1,"
        "throughout the half-term,Off-timetable day or week,yes,"
        "Director of Specialism,Business and engineering judges,"
        '"180 pupils, three days",STEM plan,Bradfield School,,Key Stage 3,'
        "7; 8; 9,,1"
    )
    assert len(lines) == 2
    for code in ("ict", "off_timetable", "7;8", "design_technology", "#"):
        assert code not in text


def test_a_plan_with_no_event_is_one_row_of_its_own_fields():
    plan = Plan(
        school="Riddlesdown",
        title="Empty for now",
        key_stage=KeyStage((8, 9), name="KS3 upper", school_year="2011/12"),
    )
    text = plan_to_csv(plan)
    assert len(text.splitlines()) == 2
    assert plan_from_csv(text) == plan


def test_teacher_events_say_teachers_and_words_may_be_mixed_with_codes():
    text = (
        "Title,subjects,Year groups,TERM,half_term,Stage,kind\n"
        "CPD twilight,Cross-curricular STEM,teachers,spring,2,Early,cpd\n"
        'Maths trip,maths; Science,"7, 8",Summer,1,late,Trip or visit\n'
    )
    plan = plan_from_csv(text, "typed.csv")
    cpd, trip = plan.events
    assert (cpd.year_groups, cpd.subjects, cpd.term, cpd.stage, cpd.kind) == (
        (),
        ("stem",),
        "spring",
        "early",
        "cpd",
    )
    assert (trip.year_groups, trip.subjects, trip.kind) == ((7, 8), ("science", "maths"), "trip")


#: A plan CSV as the planner saved it before the CSV was written in words.
OLD_CSV = (
    '# schema_version: 1\r\n# school: "Bradfield School"\r\n# title: "Summer plan"\r\n'
    '# notes: "Two lines\\nof notes"\r\n'
    '# key_stage: {"name": "Key Stage 3", "year_groups": [7, 8, 9], "school_year": "2010/11"}\r\n'
    "id,title,subjects,year_groups,term,half_term,stage,kind,careers_linked,lead,partner,notes\r\n"
    "p1,'=Perfume Project,science;maths;design_technology,9,summer,1,throughout,off_timetable,"
    'yes,Director of Specialism,Business and engineering judges,"180 pupils, three days"\r\n'
    "c1,Twilight CPD,ict,,autumn,2,early,cpd,no,,,\r\n"
)


def test_a_plan_saved_in_the_earlier_csv_layout_still_opens_whole():
    plan = plan_from_csv(OLD_CSV, "old.csv")
    assert (plan.school, plan.title, plan.notes) == (
        "Bradfield School",
        "Summer plan",
        "Two lines\nof notes",
    )
    assert plan.key_stage == KeyStage((7, 8, 9), name="Key Stage 3", school_year="2010/11")
    perfume_event, cpd = plan.events
    assert perfume_event == perfume().events[0]
    assert (cpd.id, cpd.subjects, cpd.year_groups, cpd.kind) == ("c1", ("ict",), (), "cpd")
    assert plan_from_csv(plan_to_csv(plan)) == plan  # and saved again in words, nothing lost


def test_a_spreadsheet_csv_without_plan_lines_is_read_for_years_7_to_9():
    plan = plan_from_csv(
        "title,subjects,year_groups,term,half_term\nCycle Day,engineering,7,summer,2\n,,,,\n",
        "mine.csv",
    )
    assert plan.key_stage.year_groups == (7, 8, 9)
    (e,) = plan.events
    assert (e.title, e.stage, e.kind, e.careers_linked) == ("Cycle Day", "middle", "lesson", False)


def test_another_schema_version_is_refused_with_what_to_do():
    text = json.dumps({"schema_version": 2, "events": []})
    with pytest.raises(PlanFileError) as caught:
        plan_from_json(text, "future.json")
    assert str(caught.value) == (
        "future.json: is a plan of schema_version 2; this planner "
        "reads schema_version 1 only. Open it with the planner that "
        "saved it, or save it again as version 1."
    )
    assert isinstance(caught.value, SurveyDataError)
    with pytest.raises(PlanFileError, match="no schema_version"):
        plan_from_json("{}", "old.json")
    csv_text = plan_to_csv(perfume()).replace("7; 8; 9,,1", "7; 8; 9,,3")
    with pytest.raises(PlanFileError, match="schema_version 3"):
        plan_from_csv(csv_text, "future.csv")
    with pytest.raises(PlanFileError, match="schema_version 3"):
        plan_from_csv(OLD_CSV.replace("schema_version: 1", "schema_version: 3"), "future.csv")


def test_bad_json_events_are_each_named_with_their_field():
    data = json.loads(plan_to_json(perfume()))
    data["events"].append({**data["events"][0], "id": "p2", "term": "winter"})
    data["events"].append({**data["events"][0], "id": "p3", "year_groups": [12]})
    with pytest.raises(PlanFileError) as caught:
        plan_from_json(json.dumps(data), "plan.json")
    messages = [str(p) for p in caught.value.problems]
    assert messages[0].startswith(
        "plan.json: event 2 ('=Perfume Project'), field 'term': 'winter' is not a term."
    )
    assert "year 12 is not in the key stage (years 7, 8, 9)" in messages[1]
    with pytest.raises(PlanFileError, match="is not JSON"):
        plan_from_json("{oops", "plan.json")


def test_bad_csv_rows_name_the_row_as_a_spreadsheet_counts_it():
    text = plan_to_csv(perfume()) + "p2,Trip,Science,7,Autumn,4,,,maybe,,,,,,,,,,\r\n"
    with pytest.raises(PlanFileError) as caught:
        plan_from_csv(text, "plan.csv")
    messages = [str(p) for p in caught.value.problems]
    # header on line 1, the perfume row on 2, the bad row on 3
    assert messages == [
        "plan.csv: column 'Careers-linked': row 3: 'maybe' is not yes or no. Write yes or no."
    ]
    text = OLD_CSV + "p2,Trip,science,7,autumn,4,,,maybe,,,\r\n"
    with pytest.raises(PlanFileError) as caught:
        plan_from_csv(text, "plan.csv")
    # 5 '#' lines, header on line 6, two rows, the bad row on 9
    assert [str(p) for p in caught.value.problems] == [
        "plan.csv: column 'careers_linked': row 9: 'maybe' is not yes or no. Write yes or no."
    ]
    with pytest.raises(PlanFileError, match="has no column.s. Term, Half-term"):
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
    text = (
        plan_to_csv(perfume())
        + "p1,Trip,science,7,autumn,1,,,no,,,\r\n"
        + "p3,Talk,science,10,autumn,1,,,no,,,\r\n"
    )
    with pytest.raises(PlanFileError) as caught:
        plan_from_csv(text, "plan.csv")
    assert [str(p) for p in caught.value.problems] == [
        "plan.csv: column 'Event id': row 3: 'p1' is also the id of row 2. Give every event its "
        "own id (or leave ids out).",
        "plan.csv: column 'Year groups': row 4: year 10 is not in the key stage (years 7, 8, "
        "9). Change the event's year groups or the key stage.",
    ]
    old = OLD_CSV + "p3,Talk,science,10,autumn,1,,,no,,,\r\n"  # the earlier layout: codes
    with pytest.raises(PlanFileError) as caught:
        plan_from_csv(old, "plan.csv")
    assert [str(p) for p in caught.value.problems] == [
        "plan.csv: column 'year_groups': row 9: year 10 is not in the key stage (years 7, 8, "
        "9). Change the event's year groups or the key stage."
    ]
