"""Plans in files: JSON (the planner's own) and CSV (one row per event).

**JSON** holds everything::

    {"schema_version": 1, "school": "...", "title": "...", "notes": "...",
     "key_stage": {"name": "Key Stage 3", "year_groups": [7, 8, 9], "school_year": "2010/11"},
     "events": [{"id": "a1b2c3d4", "title": "Perfume Project", "subjects": ["science", "maths"],
                 "year_groups": [9], "term": "summer", "half_term": 1, "stage": "throughout",
                 "kind": "off_timetable", "careers_linked": true, "lead": "...",
                 "partner": "...", "notes": "..."}]}

A file with another ``schema_version`` is refused: a later planner may have
changed what the fields mean.

**CSV** (UTF-8; a byte-order mark is written so Excel reads accents) is a
table a spreadsheet user can read: one header row in words
(:data:`WORD_COLUMNS`), then one row per event, its values in words as the
planner shows them (``Science; Maths``, ``Summer``, ``throughout the
half-term``, ``Off-timetable day or week``, years ``7; 9`` or ``teachers``
for teacher planning and CPD, careers-linked ``yes`` or ``no``), followed on
every row by the plan's own fields (:data:`PLAN_WORD_COLUMNS`: plan title,
school, plan notes, key stage, its years, school year, file version); a plan
with no event is one row of those. Reading takes the plan's fields from the
first row that has them.

Reading also takes the planner's earlier CSV (nothing a person saved is
lost): lines ``# name: value`` above the header with the plan's fields (the
value in JSON: ``schema_version``, ``school``, ``title``, ``notes``,
``key_stage``), columns named by their codes (:data:`CSV_COLUMNS`: ``year_groups``,
``half_term``…) and values as codes (``science;maths``, ``7;9``,
``off_timetable``). Words and codes may be mixed, in any case. A CSV
without the plan's fields (typed in a spreadsheet) is read as a plan for
years 7 to 9, or for the years its events name. A text cell that a
spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``) is
written with a leading apostrophe, which reading takes off again.

Every problem raises :class:`PlanFileError` (a
:class:`~analysis.errors.SurveyDataError`) naming the file, the event (row)
and field, and what to do; nothing is returned from a file with a problem.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

from analysis.errors import Problem, SurveyDataError

from .model import (
    Event,
    FieldProblem,
    KeyStage,
    Plan,
    PlanValueError,
    kinds,
    new_id,
    stages,
    subjects,
    terms,
)

SCHEMA_VERSION = 1
CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "title",
    "subjects",
    "year_groups",
    "term",
    "half_term",
    "stage",
    "kind",
    "careers_linked",
    "lead",
    "partner",
    "notes",
)
#: Columns a CSV must have; the others default (stage: middle, kind: lesson…).
CSV_REQUIRED: tuple[str, ...] = ("title", "subjects", "year_groups", "term", "half_term")
PLAN_FIELDS: tuple[str, ...] = ("schema_version", "school", "title", "notes", "key_stage")
#: The header of a CSV as written, in words: ``{word: column}`` for an event's fields.
WORD_COLUMNS: dict[str, str] = {
    "Event id": "id",
    "Title": "title",
    "Subjects": "subjects",
    "Year groups": "year_groups",
    "Term": "term",
    "Half-term": "half_term",
    "Stage": "stage",
    "Kind": "kind",
    "Careers-linked": "careers_linked",
    "Lead": "lead",
    "Partner": "partner",
    "Notes": "notes",
}
#: Then the plan's own fields, the same on every row: ``{word: field}``.
PLAN_WORD_COLUMNS: dict[str, str] = {
    "Plan title": "title",
    "School": "school",
    "Plan notes": "notes",
    "Key stage": "name",
    "Key stage years": "year_groups",
    "School year": "school_year",
    "Plan file version": "schema_version",
}
#: The "Year groups" of a teacher planning or CPD event.
TEACHERS = "teachers"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
YES, NO = "yes", "no"


class PlanFileError(SurveyDataError):
    """A plan file cannot be used as it is; ``problems`` says where and what to do."""


# ----------------------------------------------------------------------- JSON


def plan_to_json(plan: Plan) -> str:
    """The plan as JSON text (``schema_version`` first, UTF-8, indented)."""
    return (
        json.dumps(
            {"schema_version": SCHEMA_VERSION, **plan.to_dict()}, indent=2, ensure_ascii=False
        )
        + "\n"
    )


def _value_problems(
    error: PlanValueError, name: str, where: str, row: int | None = None, prefix: str = ""
) -> list[Problem]:
    out = []
    for p in error.problems:
        if row is None:
            out.append(Problem(name, f"{where}, field '{prefix}{p.field}': {p.what}", p.todo))
        else:
            out.append(Problem(name, p.what, p.todo, column=p.field, rows=(row,), n_rows=1))
    return out


def _fit_problems(
    placed: list[tuple[Event, str, int | None]], key_stage: KeyStage | None, name: str
) -> list[Problem]:
    """Ids used twice and years outside the key stage, each named by its event or row.

    ``placed``: ``(event, where, row)``; ``row`` is a CSV row number or ``None``.
    """
    problems, seen = [], {}
    for event, where, row in placed:
        found = []
        if event.id in seen:
            found.append(
                FieldProblem(
                    "id",
                    f"{event.id!r} is also the id of {seen[event.id]}.",
                    "Give every event its own id (or leave ids out).",
                )
            )
        seen.setdefault(event.id, where if row is None else f"row {row}")
        outside = [
            y for y in event.year_groups if key_stage is not None and y not in key_stage.year_groups
        ]
        if outside:
            found.append(
                FieldProblem(
                    "year_groups",
                    f"year {', '.join(map(str, outside))} is not in the key stage "
                    f"(years {', '.join(map(str, key_stage.year_groups))}).",
                    "Change the event's year groups or the key stage.",
                )
            )
        if found:
            problems += _value_problems(PlanValueError(found), name, where, row=row)
    return problems


def _version_problem(version, name: str) -> Problem | None:
    if version == SCHEMA_VERSION and not isinstance(version, bool):
        return None
    if version is None:
        return Problem(
            name,
            "has no schema_version, so it is not a plan saved by the planner.",
            f"Open a plan saved by the planner (schema_version {SCHEMA_VERSION}).",
        )
    return Problem(
        name,
        f"is a plan of schema_version {version!r}; this planner reads "
        f"schema_version {SCHEMA_VERSION} only.",
        f"Open it with the planner that saved it, or save it again as version {SCHEMA_VERSION}.",
    )


def plan_from_json(text: str | bytes, name: str = "the plan file") -> Plan:
    """Read a plan from JSON text; ``name`` is the file named in messages.

    Raises
    ------
    PlanFileError
        Not JSON, another ``schema_version``, or invalid fields (all of them listed).
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise PlanFileError(
                Problem(
                    name,
                    f"is not UTF-8 text (byte {error.start}).",
                    "Open a .json plan saved by the planner.",
                )
            ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise PlanFileError(
            Problem(
                name,
                f"is not JSON: {error.msg} at line {error.lineno}, column {error.colno}.",
                "Open a .json plan saved by the planner.",
            )
        ) from None
    if not isinstance(data, dict):
        raise PlanFileError(
            Problem(
                name,
                "holds JSON but not a plan (no fields).",
                "Open a .json plan saved by the planner.",
            )
        )
    version = _version_problem(data.get("schema_version"), name)
    if version:
        raise PlanFileError(version)
    problems: list[Problem] = []
    unknown = sorted(set(data) - {*PLAN_FIELDS, "events"})
    if unknown:
        problems.append(
            Problem(
                name,
                f"has field(s) {', '.join(unknown)} that a plan does not have.",
                f"Use only {', '.join((*PLAN_FIELDS, 'events'))}.",
            )
        )
    key_stage = None
    ks = data.get("key_stage", {})
    if not isinstance(ks, dict) or set(ks) - {"name", "year_groups", "school_year"}:
        problems.append(
            Problem(
                name,
                "field 'key_stage' must hold name, year_groups and school_year.",
                'Write e.g. {"name": "Key Stage 3", '
                '"year_groups": [7, 8, 9], "school_year": "2010/11"}.',
            )
        )
    else:
        try:
            key_stage = KeyStage(
                **{
                    k: (tuple(v) if k == "year_groups" and isinstance(v, list) else v)
                    for k, v in ks.items()
                }
            )
        except PlanValueError as error:
            problems += _value_problems(error, name, "key_stage", prefix="key_stage.")
    raw_events = data.get("events", [])
    events: list[Event] = []
    placed: list[tuple[Event, str, None]] = []
    if not isinstance(raw_events, list):
        problems.append(
            Problem(name, "field 'events' is not a list.", "Write the events as a JSON list.")
        )
        raw_events = []
    for i, raw in enumerate(raw_events, start=1):
        title = raw.get("title") if isinstance(raw, dict) else None
        where = f"event {i}" + (f" ({title!r})" if isinstance(title, str) and title else "")
        if not isinstance(raw, dict):
            problems.append(
                Problem(
                    name, f"{where} is not a set of fields.", "Write each event as a JSON object."
                )
            )
            continue
        try:
            events.append(
                Event.from_dict(
                    {k: (tuple(v) if isinstance(v, list) else v) for k, v in raw.items()}
                )
            )
            placed.append((events[-1], where, None))
        except PlanValueError as error:
            problems += _value_problems(error, name, where)
    problems += _fit_problems(placed, key_stage, name)
    if not problems:
        try:
            return Plan(
                key_stage=key_stage,
                events=tuple(events),
                **{
                    k: data.get(k, d)
                    for k, d in (("school", ""), ("title", "STEM plan"), ("notes", ""))
                },
            )
        except PlanValueError as error:
            problems += _value_problems(error, name, "plan")
    raise PlanFileError(problems)


# ----------------------------------------------------------------------- CSV


def _neutral(text: str) -> str:
    """A text cell a spreadsheet will not run: ``=x`` → ``'=x`` (and ``'=`` → ``''=``)."""
    if text[:1] in _FORMULA or (text[:1] == "'" and text[1:2] in (*_FORMULA, "'")):
        return "'" + text
    return text


def _unneutral(text: str) -> str:
    if text[:1] == "'" and text[1:2] in (*_FORMULA, "'"):
        return text[1:]
    return text


def plan_to_csv(plan: Plan) -> str:
    """The plan as CSV text in words: one header row, one row per event (see the module notes)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*WORD_COLUMNS, *PLAN_WORD_COLUMNS])
    ks = plan.key_stage
    own = [
        _neutral(plan.title),
        _neutral(plan.school),
        _neutral(plan.notes),
        _neutral(ks.name),
        "; ".join(map(str, ks.year_groups)),
        _neutral(ks.school_year),
        SCHEMA_VERSION,
    ]
    labels = subjects()
    rows = [
        [
            e.id,
            _neutral(e.title),
            "; ".join(labels[s] for s in e.subjects),
            "; ".join(map(str, e.year_groups)) or TEACHERS,
            terms()[e.term],
            e.half_term,
            stages()[e.stage],
            kinds()[e.kind],
            YES if e.careers_linked else NO,
            _neutral(e.lead),
            _neutral(e.partner),
            _neutral(e.notes),
        ]
        for e in plan.events
    ]
    for row in rows or [[""] * len(WORD_COLUMNS)]:
        writer.writerow([*row, *own])
    return out.getvalue()


def _name(text: str) -> str:
    """A column name or a value compared loosely: case, spaces, ``-`` and ``_`` ignored."""
    return " ".join(text.replace("-", " ").replace("_", " ").lower().split())


#: Every way a column may be named (its code, its words) -> its code; plan fields as ``plan:``.
_COLUMN_NAMES: dict[str, str] = {
    **{_name(c): c for c in CSV_COLUMNS},
    **{_name(w): c for w, c in WORD_COLUMNS.items()},
    **{_name(w): f"plan:{f}" for w, f in PLAN_WORD_COLUMNS.items()},
}


def _codes(cell: str, vocabulary: dict[str, str]) -> list[str]:
    """``Science; Maths`` or ``science;maths`` -> ``["science", "maths"]``; an unknown
    value is kept as written, for the event's own check to name."""
    by_name = {
        **{_name(label): key for key, label in vocabulary.items()},
        **{_name(key): key for key in vocabulary},
    }
    return [by_name.get(_name(part), part.strip()) for part in _split(cell)]


def _as_codes(row: dict) -> dict:
    """A row read by its columns' codes, its words made codes (see the module notes)."""
    out = dict(row)
    out["subjects"] = ";".join(_codes(row.get("subjects") or "", subjects()))
    years = (row.get("year_groups") or "").replace(",", ";")
    out["year_groups"] = "" if _name(years) == TEACHERS else years
    for column, vocabulary in (("term", terms()), ("stage", stages()), ("kind", kinds())):
        if (row.get(column) or "").strip():
            out[column] = ";".join(_codes(row[column], vocabulary))
    return out


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _csv_event(row: dict, line: int, name: str) -> tuple[Event | None, list[Problem]]:
    problems: list[Problem] = []

    def bad(column, what, todo):
        problems.append(Problem(name, what, todo, column=column, rows=(line,), n_rows=1))

    years: list[int] = []
    for part in _split(row.get("year_groups") or ""):
        try:
            years.append(int(part))
        except ValueError:
            bad(
                "year_groups",
                f"{part!r} is not a year.",
                "Write years as numbers joined with ';', e.g. 7;9.",
            )
    half = (row.get("half_term") or "").strip()
    try:
        half_term = int(half)
    except ValueError:
        bad("half_term", f"{half!r} is not a half-term.", "Write 1 or 2.")
        half_term = 1
    careers = (row.get("careers_linked") or NO).strip().lower()
    if careers not in (YES, NO, "true", "false", "y", "n", "1", "0"):
        bad("careers_linked", f"{careers!r} is not yes or no.", "Write yes or no.")
    values = {
        "id": (row.get("id") or "").strip() or new_id(),
        "title": _unneutral(row.get("title") or ""),
        "subjects": tuple(_split(row.get("subjects") or "")),
        "year_groups": tuple(years),
        "term": (row.get("term") or "").strip().lower(),
        "half_term": half_term,
        "stage": (row.get("stage") or "").strip().lower() or "middle",
        "kind": (row.get("kind") or "").strip().lower() or "lesson",
        "careers_linked": careers in (YES, "true", "y", "1"),
        "lead": _unneutral(row.get("lead") or ""),
        "partner": _unneutral(row.get("partner") or ""),
        "notes": _unneutral((row.get("notes") or "").replace("\r\n", "\n")),
    }
    if problems:
        return None, problems
    try:
        return Event(**values), []
    except PlanValueError as error:
        return None, _value_problems(error, name, "", row=line)


def csv_text_lines(text: str | bytes, name: str, error: type[SurveyDataError]) -> list[str]:
    """A document CSV's lines (UTF-8, or Excel's Windows-1252; a byte-order mark
    dropped), for the Planner's plans and the Manager's reviews alike; ``error``
    (that document's file error) if the bytes are not text."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = text.decode("cp1252")
            except UnicodeDecodeError as bad:
                raise error(
                    Problem(
                        name,
                        f"is not text (byte {bad.start}).",
                        "Save it from the spreadsheet as CSV UTF-8.",
                    )
                ) from None
    return text.lstrip("\ufeff").splitlines(keepends=True)


def read_header(lines: list[str], name: str, fields) -> tuple[dict, list[Problem], int]:
    """The ``# name: value`` lines that open a document CSV (values JSON): ``(meta,
    problems, number of such lines)``; a line with an unknown name or a value that is
    not JSON is a problem naming the line and what to do."""
    meta: dict = {}
    problems: list[Problem] = []
    n_meta = len(lines)
    for i, line in enumerate(lines):
        if not line.startswith("#"):
            n_meta = i
            break
        key, sep, value = line[1:].partition(":")
        key = key.strip()
        if not sep or key not in fields:
            problems.append(
                Problem(
                    name,
                    f"line {i + 1} ({line.strip()[:40]!r}) is not "
                    f"'# name: value' with a name from {', '.join(fields)}.",
                    "Correct or delete the line.",
                )
            )
            continue
        try:
            meta[key] = json.loads(value)
        except json.JSONDecodeError:
            problems.append(
                Problem(
                    name,
                    f"line {i + 1}: the value of {key} is not JSON.",
                    'Write text in double quotes, e.g. # school: "Bradfield".',
                )
            )
    return meta, problems, n_meta


def _plan_fields(own: dict[str, str], name: str, line: int) -> tuple[dict, list[Problem]]:
    """The plan's fields of a row in words, as the ``#`` lines of the earlier CSV give them."""
    meta: dict = {
        "school": _unneutral(own.get("school", "")),
        "title": _unneutral(own.get("title", "")),
        "notes": _unneutral(own.get("notes", "").replace("\r\n", "\n")),
    }
    problems = []
    version = own.get("schema_version", "").strip()
    if version:
        meta["schema_version"] = int(version) if version.isdigit() else version
    try:
        years = [int(y) for y in _split(own.get("year_groups", "").replace(",", ";"))]
    except ValueError:
        problems.append(
            Problem(
                name,
                f"'{own.get('year_groups')}' is not a list of years.",
                "Write the key stage's years as numbers, e.g. 7; 8; 9.",
                column="Key stage years",
                rows=(line,),
                n_rows=1,
            )
        )
        years = []
    if years:
        meta["key_stage"] = {
            "name": _unneutral(own.get("name", "")) or "Key Stage 3",
            "year_groups": years,
            "school_year": _unneutral(own.get("school_year", "")),
        }
    return meta, problems


def plan_from_csv(text: str | bytes, name: str = "the plan file") -> Plan:
    """Read a plan from CSV text (see the module notes); ``name`` is named in messages.

    Row numbers in messages count the file's lines as a spreadsheet shows them
    (the ``#`` lines and the header included).

    Raises
    ------
    PlanFileError
    """
    lines = csv_text_lines(text, name, PlanFileError)
    meta, problems, n_meta = read_header(lines, name, PLAN_FIELDS)
    body = "".join(lines[n_meta:])
    reader = csv.DictReader(io.StringIO(body, newline=""))
    written = [h.strip() for h in (reader.fieldnames or [])]
    header = [_COLUMN_NAMES.get(_name(h), h) for h in written]
    words = ", ".join(WORD_COLUMNS)
    missing = [c for c in CSV_REQUIRED if c not in header]
    unknown = [w for w, c in zip(written, header) if c == w and c not in CSV_COLUMNS]
    if not header or missing:
        named = {c: w for w, c in WORD_COLUMNS.items()}
        problems.append(
            Problem(
                name,
                f"has no column(s) {', '.join(named[c] for c in (missing or CSV_REQUIRED))}.",
                f"Give a header row with {words}.",
            )
        )
        raise PlanFileError(problems)
    if unknown:
        problems.append(
            Problem(
                name,
                f"has column(s) {', '.join(unknown)} that a plan does not have.",
                f"Use only {words} and the plan's {', '.join(PLAN_WORD_COLUMNS)}.",
            )
        )
    reader.fieldnames = header
    events: list[Event] = []
    placed: list[tuple[Event, str, int]] = []
    line = n_meta + 1  # the header's line
    for row in reader:
        line = n_meta + reader.line_num
        first_line = line - (row.get("notes") or "").count("\n") if row else line
        if None in row:
            problems.append(
                Problem(
                    name,
                    f"has {len(row[None])} more cell(s) than the header.",
                    "Remove the extra cells or quote text that holds commas.",
                    rows=(first_line,),
                    n_rows=1,
                )
            )
            continue
        own = {k[5:]: (v or "") for k, v in row.items() if k.startswith("plan:")}
        if any(v.strip() for v in own.values()) and not meta:
            meta, more = _plan_fields(own, name, first_line)
            problems += more
        row = {k: v for k, v in row.items() if not k.startswith("plan:")}
        if not any((v or "").strip() for v in row.values()):
            continue  # a blank row a spreadsheet left, or the row of a plan with no event
        event, found = _csv_event(_as_codes(row), first_line, name)
        problems += found
        if event is not None:
            events.append(event)
            placed.append((event, "", first_line))
    if "schema_version" in meta:
        version = _version_problem(meta["schema_version"], name)
        if version:
            raise PlanFileError(version)
    ks = meta.get("key_stage")
    key_stage = None
    if isinstance(ks, dict):
        try:
            key_stage = KeyStage(
                **{k: (tuple(v) if isinstance(v, list) else v) for k, v in ks.items()}
            )
        except (PlanValueError, TypeError) as error:
            what = (
                error.problems
                if isinstance(error, PlanValueError)
                else [
                    FieldProblem(
                        "key_stage",
                        "has fields a key stage does not have.",
                        "Give name, year_groups and school_year.",
                    )
                ]
            )
            problems += [
                Problem(name, f"the key_stage line, field '{p.field}': {p.what}", p.todo)
                for p in what
            ]
    elif ks is not None:
        problems.append(
            Problem(
                name,
                "the key_stage line is not a set of fields.",
                'Write e.g. # key_stage: {"name": "Key Stage 3", '
                '"year_groups": [7, 8, 9], "school_year": ""}.',
            )
        )
    else:
        years = sorted({y for e in events for y in e.year_groups})
        span = (
            (7, 8, 9)
            if not years or (years[0] >= 7 and years[-1] <= 9)
            else tuple(range(years[0], years[-1] + 1))
        )
        try:
            key_stage = KeyStage(year_groups=span)
        except PlanValueError:
            problems.append(
                Problem(
                    name,
                    f"its events are for years {years}, which are not "
                    "two or three consecutive years.",
                    "Add a 'Key stage years' column, or correct the year groups.",
                )
            )
    problems += _fit_problems(placed, key_stage, name)
    if problems:  # each column named as the file names it (its words, or its code)
        as_written = dict(zip(header, written))
        raise PlanFileError(
            [replace(p, column=as_written.get(p.column, p.column)) for p in problems]
        )
    try:
        return Plan(
            key_stage=key_stage,
            events=tuple(events),
            school=meta.get("school", ""),
            title=meta.get("title", "STEM plan"),
            notes=meta.get("notes", ""),
        )
    except PlanValueError as error:
        raise PlanFileError(_value_problems(error, name, "plan")) from None


# ------------------------------------------------------------------ any file


def read_plan(content: bytes | str, name: str) -> Plan:
    """Read a plan from a file's content, JSON or CSV by its name's extension.

    Raises
    ------
    PlanFileError
        Also for a name that ends neither ``.json`` nor ``.csv``.
    """
    suffix = Path(name).suffix.lower()
    if suffix == ".json":
        return plan_from_json(content, name)
    if suffix == ".csv":
        return plan_from_csv(content, name)
    raise PlanFileError(
        Problem(
            name,
            "is neither a .json nor a .csv plan.",
            "Open a plan saved by the planner (.json) or a .csv with one row per event.",
        )
    )


def load_plan(path: str | Path) -> Plan:
    """Read a plan file from disk (``.json`` or ``.csv``)."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as error:
        raise PlanFileError(
            Problem(
                path.name,
                f"cannot be read ({error.strerror}).",
                "Check the path and that the file can be read.",
            )
        ) from None
    return read_plan(content, path.name)


def save_plan(plan: Plan, path: str | Path) -> Path:
    """Write the plan as JSON or CSV, by the path's extension; returns the path."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        path.write_text(plan_to_csv(plan), encoding="utf-8-sig", newline="")
    else:
        path.write_text(plan_to_json(plan), encoding="utf-8")
    return path
