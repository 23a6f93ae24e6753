"""Reviews in files, JSON and CSV, and the action plan (a table and a printable page).

**JSON** holds everything, the linked STEM plan included::

    {"schema_version": 1, "document": "stem-manager-review",
     "reviewed_on": "2011-07-15", "school": "...", "reviewer": "...", "notes": "...",
     "framework": {"id": "good-timing-stem-manager", "edition": "2026-12"},
     "entries": [{"action_id": "staff.cpd.careers", "status": "planned",
                  "owner": "Head of science", "target_date": "2011-10-21",
                  "evidence": "...", "next_step": "...", "committed": true,
                  "resources": "...", "success_criteria": "...",
                  "plan_events": ["a1b2c3d4"]}],
     "plan": null}

``document`` tells a review from another JSON file (a Planner plan is named
as such, so a person is told to open it in the Planner); a file of another
``schema_version`` is refused.

**CSV** (UTF-8 with a byte-order mark, so Excel reads accents) has one row per
action of the framework, with :data:`CSV_COLUMNS`; ``theme``, ``objective``
and ``action`` are there to read and are not read back. ``status`` takes the
key or the label (``in_place`` or ``In place``); ``committed`` is ``yes`` or
``no``; ``plan_events`` are event ids joined with ``;``. Above the header,
``# name: value`` lines (value in JSON) carry the review's own fields. The CSV
does not carry the linked STEM plan (the JSON does). Text cells a spreadsheet
would run as a formula are written with a leading apostrophe, taken off again
when read.

Every problem raises :class:`ReviewFileError` naming the file, the row or
field, and what to do; nothing is returned from a file with a problem.
"""

from __future__ import annotations

import csv
import html
import io
import json
from datetime import date
from pathlib import Path

import pandas as pd

from analysis.errors import Problem, SurveyDataError
from analysis.planner.files import (
    PlanFileError,
    _neutral,
    _unneutral,
    csv_text_lines,
    plan_from_json,
    read_header,
)
from analysis.planner.files import plan_to_json as _plan_json
from analysis.planner.model import PlanValueError

from .framework import Framework
from .review import SCALE_TEXT, STATUS_MEANINGS, STATUSES, ActionReview, Review, Scores, scores

SCHEMA_VERSION = 1
DOCUMENT = "stem-manager-review"
REVIEW_FIELDS = (
    "schema_version",
    "document",
    "reviewed_on",
    "school",
    "reviewer",
    "notes",
    "framework",
)
CSV_COLUMNS = (
    "theme",
    "objective",
    "action",
    "action_id",
    "status",
    "owner",
    "target_date",
    "evidence",
    "next_step",
    "committed",
    "resources",
    "success_criteria",
    "plan_events",
)
YES, NO = "yes", "no"
_OPEN = "Open a review saved by the STEM Manager (.json or .csv)."


class ReviewFileError(SurveyDataError):
    """A review file cannot be used as it is; ``problems`` says where and what to do."""


def _value_problems(
    error: PlanValueError, name: str, where: str = "", row: int | None = None
) -> list[Problem]:
    if row is not None:
        return [
            Problem(name, p.what, p.todo, column=p.field, rows=(row,), n_rows=1)
            for p in error.problems
        ]
    lead = f"{where}, " if where else ""
    return [Problem(name, f"{lead}field '{p.field}': {p.what}", p.todo) for p in error.problems]


def _version_problem(version, name: str) -> Problem | None:
    if version == SCHEMA_VERSION and not isinstance(version, bool):
        return None
    if version is None:
        return Problem(
            name, "has no schema_version, so it is not a review saved by the STEM Manager.", _OPEN
        )
    return Problem(
        name,
        f"is a review of schema_version {version!r}; this page reads "
        f"schema_version {SCHEMA_VERSION} only.",
        "Open it with the page that saved it, or save it again as version 1.",
    )


def _fit(review: Review, framework: Framework, name: str) -> Review:
    problems = review.check_against(framework)
    if problems:
        raise ReviewFileError(
            [Problem(name, f"field '{p.field}': {p.what}", p.todo) for p in problems]
        )
    return review


# ----------------------------------------------------------------------- JSON


def review_document(review: Review) -> dict:
    """The review as the JSON file's fields (``schema_version`` first), for files and the store."""
    data = {"schema_version": SCHEMA_VERSION, "document": DOCUMENT, **review.to_dict()}
    if review.plan is not None:
        data["plan"] = json.loads(_plan_json(review.plan))
    return data


def review_to_json(review: Review) -> str:
    """The review as JSON text (:func:`review_document`, indented)."""
    return json.dumps(review_document(review), indent=2, ensure_ascii=False) + "\n"


def review_from_dict(data, name: str, framework: Framework | None = None) -> Review:
    """A review from parsed JSON (``schema_version`` and ``document`` checked)."""
    if not isinstance(data, dict):
        raise ReviewFileError(Problem(name, "holds JSON but not a review (no fields).", _OPEN))
    if data.get("document") != DOCUMENT:
        if "events" in data and "key_stage" in data:
            raise ReviewFileError(
                Problem(
                    name,
                    "is a STEM plan, not a review.",
                    "Open it in the STEM Planner, or link it to the "
                    "review with “Link a STEM plan”.",
                )
            )
        raise ReviewFileError(
            Problem(
                name,
                "is not a review saved by the STEM Manager (its "
                f"'document' is {data.get('document')!r}).",
                _OPEN,
            )
        )
    version = _version_problem(data.get("schema_version"), name)
    if version:
        raise ReviewFileError(version)
    problems: list[Problem] = []
    unknown = sorted(set(data) - {*REVIEW_FIELDS, "entries", "plan"})
    if unknown:
        known = ", ".join((*REVIEW_FIELDS, "entries", "plan"))
        problems.append(
            Problem(
                name,
                f"has field(s) {', '.join(unknown)} that a review does not have.",
                f"Use only {known}.",
            )
        )
    fw = data.get("framework")
    if not isinstance(fw, dict) or not isinstance(fw.get("id"), str):
        problems.append(
            Problem(
                name,
                "field 'framework' must hold the framework's id and edition.",
                'Write e.g. {"id": "good-timing-stem-manager", "edition": "2026-12"}.',
            )
        )
        fw = {}
    entries = []
    raw_entries = data.get("entries", [])
    if not isinstance(raw_entries, list):
        problems.append(
            Problem(
                name, "field 'entries' is not a list.", "Write the actions' entries as a JSON list."
            )
        )
        raw_entries = []
    for i, raw in enumerate(raw_entries, start=1):
        where = f"entry {i}"
        if not isinstance(raw, dict):
            problems.append(
                Problem(
                    name, f"{where} is not a set of fields.", "Write each entry as a JSON object."
                )
            )
            continue
        where += f" ({raw.get('action_id')!r})" if raw.get("action_id") else ""
        extra = sorted(set(raw) - set(ActionReview.FIELDS))
        if extra:
            problems.append(
                Problem(
                    name,
                    f"{where} has field(s) {', '.join(extra)}.",
                    f"Use only {', '.join(ActionReview.FIELDS)}.",
                )
            )
            continue
        try:
            entries.append(
                ActionReview(
                    **{k: (tuple(v) if isinstance(v, list) else v) for k, v in raw.items()}
                )
            )
        except PlanValueError as error:
            problems += _value_problems(error, name, where)
        except TypeError:
            problems.append(
                Problem(
                    name, f"{where} has no 'action_id'.", "Give every entry the id of its action."
                )
            )
    plan = None
    if data.get("plan") is not None:
        try:
            raw_plan = data["plan"]
            if isinstance(raw_plan, dict):
                raw_plan = {"schema_version": 1, **raw_plan}
            plan = plan_from_json(json.dumps(raw_plan), f"{name}, field 'plan'")
        except PlanFileError as error:
            problems += list(error.problems)
    if not problems:
        try:
            review = Review(
                reviewed_on=data.get("reviewed_on"),
                framework_id=fw.get("id", ""),
                framework_edition=str(fw.get("edition", "")),
                school=data.get("school", ""),
                reviewer=data.get("reviewer", ""),
                notes=data.get("notes", ""),
                entries=tuple(entries),
                plan=plan,
            )
        except PlanValueError as error:
            problems += _value_problems(error, name)
    if problems:
        raise ReviewFileError(problems)
    return review if framework is None else _fit(review, framework, name)


def review_from_json(
    text: str | bytes, name: str = "the review file", framework: Framework | None = None
) -> Review:
    """Read a review from JSON text; with ``framework``, check it fits that framework."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ReviewFileError(
                Problem(name, f"is not UTF-8 text (byte {error.start}).", _OPEN)
            ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReviewFileError(
            Problem(
                name,
                f"is not JSON: {error.msg} at line {error.lineno}, column {error.colno}.",
                _OPEN,
            )
        ) from None
    return review_from_dict(data, name, framework)


# ----------------------------------------------------------------------- CSV


def review_to_csv(review: Review, framework: Framework) -> str:
    """One row per action of ``framework`` (see the module notes)."""
    out = io.StringIO(newline="")
    meta = {
        "schema_version": SCHEMA_VERSION,
        "document": DOCUMENT,
        "reviewed_on": review.reviewed_on.isoformat(),
        "school": review.school,
        "reviewer": review.reviewer,
        "notes": review.notes,
        "framework": {"id": review.framework_id, "edition": review.framework_edition},
    }
    for key, value in meta.items():
        out.write(f"# {key}: {json.dumps(value, ensure_ascii=False)}\r\n")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for theme in framework.themes:
        for objective in theme.objectives:
            for action in objective.actions:
                e = review.entry(action.id)
                writer.writerow(
                    [
                        _neutral(theme.title),
                        _neutral(objective.title),
                        _neutral(action.title),
                        action.id,
                        e.status,
                        _neutral(e.owner),
                        e.target_date.isoformat() if e.target_date else "",
                        _neutral(e.evidence),
                        _neutral(e.next_step),
                        YES if e.committed else NO,
                        _neutral(e.resources),
                        _neutral(e.success_criteria),
                        ";".join(e.plan_events),
                    ]
                )
    return out.getvalue()


_STATUS_BY_LABEL = {label.lower(): key for key, label in STATUSES.items()}


def _csv_entry(row: dict, line: int, name: str) -> tuple[ActionReview | None, list[Problem]]:
    problems = []
    status = (row.get("status") or "").strip()
    status = _STATUS_BY_LABEL.get(status.lower(), status.lower().replace(" ", "_")) or "not_started"
    committed = (row.get("committed") or NO).strip().lower()
    if committed not in (YES, NO, "true", "false", "y", "n", "1", "0"):
        problems.append(
            Problem(
                name,
                f"{committed!r} is not yes or no.",
                "Write yes or no.",
                column="committed",
                rows=(line,),
                n_rows=1,
            )
        )
    values = {
        "action_id": (row.get("action_id") or "").strip(),
        "status": status,
        "target_date": (row.get("target_date") or "").strip() or None,
        "committed": committed in (YES, "true", "y", "1"),
        "plan_events": tuple(p for p in (row.get("plan_events") or "").split(";") if p.strip()),
    }
    for key in ("owner", "evidence", "next_step", "resources", "success_criteria"):
        values[key] = _unneutral((row.get(key) or "").replace("\r\n", "\n"))
    if problems:
        return None, problems
    try:
        return ActionReview(**values), []
    except PlanValueError as error:
        return None, _value_problems(error, name, row=line)


def review_from_csv(
    text: str | bytes, framework: Framework, name: str = "the review file"
) -> Review:
    """Read a review from CSV text written by :func:`review_to_csv` (or typed to match)."""
    lines = csv_text_lines(text, name, ReviewFileError)
    meta, problems, n_meta = read_header(lines, name, REVIEW_FIELDS)
    if meta.get("document", DOCUMENT) != DOCUMENT:
        raise ReviewFileError(Problem(name, "is not a review saved by the STEM Manager.", _OPEN))
    if "schema_version" in meta:
        version = _version_problem(meta["schema_version"], name)
        if version:
            raise ReviewFileError(version)
    reader = csv.DictReader(io.StringIO("".join(lines[n_meta:]), newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if "action_id" not in header or "status" not in header:
        looks_like_plan = "subjects" in header and "term" in header
        raise ReviewFileError(
            [
                *problems,
                Problem(
                    name,
                    "is a STEM plan, not a review."
                    if looks_like_plan
                    else "has no column action_id or status.",
                    "Open it in the STEM Planner."
                    if looks_like_plan
                    else f"Give a header row with {', '.join(CSV_COLUMNS)}.",
                ),
            ]
        )
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if unknown:
        problems.append(
            Problem(
                name,
                f"has column(s) {', '.join(unknown)} that a review does not have.",
                f"Use only {', '.join(CSV_COLUMNS)}.",
            )
        )
    reader.fieldnames = header
    entries, rows_of = [], {}
    known = {a.id for a in framework.actions}
    for row in reader:
        # the row's first line, as a spreadsheet numbers it (cells may hold line breaks)
        line = (
            n_meta
            + reader.line_num
            - sum((v or "").count("\n") for k, v in row.items() if isinstance(v, str))
        )
        if None in row:
            problems.append(
                Problem(
                    name,
                    f"has {len(row[None])} more cell(s) than the header.",
                    "Remove the extra cells or quote text that holds commas.",
                    rows=(line,),
                    n_rows=1,
                )
            )
            continue
        if not any((v or "").strip() for v in row.values()):
            continue
        entry, found = _csv_entry(row, line, name)
        problems += found
        if entry is None:
            continue
        if entry.action_id not in known:
            problems.append(
                Problem(
                    name,
                    f"action {entry.action_id!r} is not in the framework {framework.id!r}.",
                    "Correct the id or delete the row.",
                    column="action_id",
                    rows=(line,),
                    n_rows=1,
                )
            )
        elif entry.action_id in rows_of:
            problems.append(
                Problem(
                    name,
                    f"action {entry.action_id!r} is also on row {rows_of[entry.action_id]}.",
                    "Keep one row per action.",
                    column="action_id",
                    rows=(line,),
                    n_rows=1,
                )
            )
        else:
            rows_of[entry.action_id] = line
            if entry.touched:
                entries.append(entry)
    fw = meta.get("framework") if isinstance(meta.get("framework"), dict) else {}
    if not problems:
        try:
            review = Review(
                reviewed_on=meta.get("reviewed_on") or date.today(),
                framework_id=fw.get("id", framework.id),
                framework_edition=str(fw.get("edition", framework.edition)),
                school=meta.get("school", ""),
                reviewer=meta.get("reviewer", ""),
                notes=meta.get("notes", ""),
                entries=tuple(entries),
            )
        except PlanValueError as error:
            problems += _value_problems(error, name, "the '#' lines")
    if problems:
        raise ReviewFileError(problems)
    return _fit(review, framework, name)


def read_review(content: bytes | str, name: str, framework: Framework) -> Review:
    """A review from a file's content, JSON or CSV by the name's extension."""
    suffix = Path(name).suffix.lower()
    if suffix == ".json":
        return review_from_json(content, name, framework)
    if suffix == ".csv":
        return review_from_csv(content, framework, name)
    raise ReviewFileError(Problem(name, "is neither a .json nor a .csv review.", _OPEN))


def load_review(path: str | Path, framework: Framework) -> Review:
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as error:
        raise ReviewFileError(
            Problem(
                path.name,
                f"cannot be read ({error.strerror}).",
                "Check the path and that the file can be read.",
            )
        ) from None
    return read_review(content, path.name, framework)


# ----------------------------------------------------------------- action plan

ACTION_PLAN_COLUMNS = (
    "theme",
    "objective",
    "action",
    "status",
    "owner",
    "target_date",
    "next_step",
    "resources",
    "success_criteria",
    "planned_events",
)


def action_plan(review: Review, framework: Framework) -> pd.DataFrame:
    """The actions the school commits to, in framework order, with :data:`ACTION_PLAN_COLUMNS`.

    ``planned_events`` names the linked events of the review's STEM plan
    (titles and when), ``;``-separated.
    """
    events = {e.id: e for e in review.plan.events} if review.plan is not None else {}
    rows = []
    for theme in framework.themes:
        for objective in theme.objectives:
            for action in objective.actions:
                e = review.entry(action.id)
                if not e.committed:
                    continue
                linked = [
                    f"{events[i].title} ({events[i].when})" for i in e.plan_events if i in events
                ]
                rows.append(
                    {
                        "theme": theme.title,
                        "objective": objective.title,
                        "action": action.title,
                        "status": STATUSES[e.status],
                        "owner": e.owner,
                        "target_date": e.target_date.isoformat() if e.target_date else "",
                        "next_step": e.next_step,
                        "resources": e.resources,
                        "success_criteria": e.success_criteria,
                        "planned_events": "; ".join(linked),
                    }
                )
    return pd.DataFrame(rows, columns=list(ACTION_PLAN_COLUMNS))


PAGE_CSS = """
body { font-family: Helvetica, Arial, sans-serif; color: #222; margin: 1.5em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.2em; }
table { border-collapse: collapse; width: 100%; margin: 0.4em 0 1em 0; }
th, td { border: 1px solid #99a; padding: 0.25em 0.45em; text-align: left; vertical-align: top;
         font-size: 0.9em; }
th { background: #eef1f4; }
.note { color: #555; font-size: 0.9em; }
@media print { body { margin: 0; } h2 { page-break-after: avoid; }
               tr { page-break-inside: avoid; } }
"""


def action_plan_html(review: Review, framework: Framework, score: Scores | None = None) -> str:
    """The action plan as a whole printable HTML page (escaped), with the review's scores."""
    from .review import summary

    score = score or scores(review, framework)
    table = action_plan(review, framework)
    esc = html.escape
    title = f"STEM action plan{' – ' + review.school if review.school else ''}"
    parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}"
        f"</title><style>{PAGE_CSS}</style></head><body><h1>{esc(title)}</h1>",
        f"<p>Review of {review.reviewed_on:%d %B %Y}"
        f"{', by ' + esc(review.reviewer) if review.reviewer else ''}. "
        f"{esc(summary(review, framework, score))}</p>",
    ]
    rows = "".join(
        f"<tr><td>{esc(r.title)}</td><td>{r.in_place} of {r.actions}</td>"
        f"<td>{r.in_progress}</td><td>{r.planned}</td><td>{r.score:.0%}</td></tr>"
        for r in score.themes.itertuples()
    )
    parts.append(
        "<h2>Where the school stands</h2><table><tr><th>Theme</th><th>In place</th>"
        f"<th>In progress</th><th>Planned</th><th>Score</th></tr>{rows}</table>"
        f"<p class='note'>{esc(SCALE_TEXT)} Scale: "
        + "; ".join(f"{esc(STATUSES[k])}: {esc(v)}" for k, v in STATUS_MEANINGS.items())
        + ".</p>"
    )
    if not len(table):
        parts.append(
            "<h2>Actions committed to</h2><p>No action is marked “in the action plan” yet.</p>"
        )
    for theme, part in table.groupby("theme", sort=False):
        head = "".join(
            f"<th>{h}</th>"
            for h in (
                "Objective",
                "Action",
                "Status",
                "Owner",
                "Target date",
                "Next step",
                "Resources",
                "Success criteria",
                "Planned events",
            )
        )
        body = "".join(
            "<tr>"
            + "".join(
                f"<td>{esc(str(getattr(r, c)))}</td>"
                for c in (
                    "objective",
                    "action",
                    "status",
                    "owner",
                    "target_date",
                    "next_step",
                    "resources",
                    "success_criteria",
                    "planned_events",
                )
            )
            + "</tr>"
            for r in part.itertuples()
        )
        parts.append(f"<h2>{esc(theme)}</h2><table><tr>{head}</tr>{body}</table>")
    parts.append(
        f"<p class='note'>Framework: {esc(framework.title)} (edition "
        f"{esc(framework.edition)}).</p></body></html>"
    )
    return "".join(parts)
