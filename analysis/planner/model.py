"""The STEM Planner's plan: key-stage settings, events, and their checks.

A **plan** is one key stage's STEM activity over one school year, as the
report's STEM Planner draws it (*Good Timing*, "Planning a timeline"): every
**event** has a title, one or more subjects, the year groups it is for, when
it happens (term, half-term, and the stage of the half-term: early, middle,
late, or throughout), what kind of event it is, whether it is linked to
careers, who leads it and which partner (if any) helps. Teacher planning and
professional development events are for teachers, so they have no year group;
the clock-face draws them on its outer ring.

The school year is cut into 18 **stages**: 3 terms × 2 half-terms × early,
middle and late. Terms are drawn and counted as equal thirds of the year (real
terms are 12 to 14 weeks long). An event "throughout" a half-term takes all
three of its stages.

Everything here is plain data, checked when it is made: :class:`Event` and
:class:`Plan` raise :class:`PlanValueError`, which lists every problem with
the field it is in and what to do, so a form or a file reader can show them
all at once. Objects are frozen: every change makes a new plan, so the plan a
page shows stays as it was when a change is refused.

The vocabulary (subjects, kinds, terms, stages) is data, in
``analysis/planner/vocabulary.json``.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any
from collections.abc import Iterable

#: Stages a half-term is cut into; "throughout" takes all three.
STAGES_IN_HALF_TERM = 3
HALF_TERMS = (1, 2)
#: Year groups a key stage may hold (secondary school: years 7 to 13).
YEAR_RANGE = range(7, 14)
MAX_TITLE = 120
MAX_TEXT = 2000


@cache
def vocabulary() -> dict:
    """The planner's vocabulary (``vocabulary.json``), read once."""
    text = resources.files("analysis.planner").joinpath("vocabulary.json").read_text("utf-8")
    return json.loads(text)


def _keys(section: str) -> tuple[str, ...]:
    return tuple(entry["key"] for entry in vocabulary()[section])


def _labels(section: str) -> dict[str, str]:
    return {entry["key"]: entry["label"] for entry in vocabulary()[section]}


def subjects() -> dict[str, str]:
    """``{subject key: label}`` in display order."""
    return _labels("subjects")


def kinds() -> dict[str, str]:
    """``{kind key: label}`` in display order."""
    return _labels("kinds")


def teacher_kinds() -> tuple[str, ...]:
    """Kinds of event for teachers (planning, CPD): drawn on the outer ring."""
    return tuple(k["key"] for k in vocabulary()["kinds"] if k["audience"] == "teachers")


def terms() -> dict[str, str]:
    """``{term key: label}``, autumn first."""
    return _labels("terms")


def stages() -> dict[str, str]:
    """``{stage key: label}``: early, middle, late, throughout."""
    return _labels("stages")


def lower_label(label: str) -> str:
    """A label inside a sentence: ``"Computing and ICT"`` → ``"computing and ICT"``."""
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in label.split(" "))


def n_slots() -> int:
    """Stages in a school year: terms × half-terms × 3 (18)."""
    return len(terms()) * len(HALF_TERMS) * STAGES_IN_HALF_TERM


def slot_name(slot: int) -> str:
    """``"autumn 1, early"`` for stage slot 0, and so on."""
    term = list(terms())[slot // (len(HALF_TERMS) * STAGES_IN_HALF_TERM)]
    half = HALF_TERMS[(slot // STAGES_IN_HALF_TERM) % len(HALF_TERMS)]
    stage = list(stages())[slot % STAGES_IN_HALF_TERM]
    return f"{term} {half}, {stage}"


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with a value: the field it is in, what is wrong, what to do."""

    field: str
    what: str
    todo: str

    def __str__(self) -> str:
        return f"{self.field}: {self.what} {self.todo}"


class PlanValueError(ValueError):
    """A plan, its settings or an event cannot be made from these values.

    ``problems`` lists every problem found (:class:`FieldProblem`).
    """

    def __init__(self, problems: Iterable[FieldProblem] | FieldProblem, where: str = ""):
        if isinstance(problems, FieldProblem):
            problems = [problems]
        self.problems: tuple[FieldProblem, ...] = tuple(problems)
        self.where = where
        lead = f"{where}: " if where else ""
        super().__init__(lead + "; ".join(str(p) for p in self.problems))


def _text(
    value: Any,
    name: str,
    problems: list,
    *,
    required: bool = False,
    multiline: bool = False,
    limit: int = MAX_TEXT,
) -> str:
    """``value`` as stripped text, or a problem noted (and ``""`` returned)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.append(
            FieldProblem(name, f"must be text, not {type(value).__name__}.", "Write it as text.")
        )
        return ""
    value = value.strip()
    allowed = {"\n"} if multiline else set()
    bad = [c for c in value if unicodedata.category(c) in ("Cc", "Cs") and c not in allowed]
    if bad:
        problems.append(
            FieldProblem(
                name,
                f"holds control characters ({', '.join(repr(c) for c in sorted(set(bad)))}).",
                "Use plain text" + ("." if multiline else " on one line."),
            )
        )
        return ""
    if required and not value:
        problems.append(FieldProblem(name, "is empty.", "Give it a short name."))
    if len(value) > limit:
        problems.append(
            FieldProblem(
                name, f"is {len(value)} characters long.", f"Keep it to {limit} characters."
            )
        )
    return value


@dataclass(frozen=True)
class KeyStage:
    """Which year groups a plan covers, and for which school year.

    Parameters
    ----------
    year_groups : tuple of int
        Consecutive year groups, two or three of them (``(7, 8, 9)`` for a
        three-year Key Stage 3, ``(7, 8)`` or ``(8, 9)`` for a two-year one).
    name : str
        E.g. ``"Key Stage 3"``.
    school_year : str
        E.g. ``"2010/11"``; free text, may be empty.
    """

    year_groups: tuple[int, ...] = (7, 8, 9)
    name: str = "Key Stage 3"
    school_year: str = ""

    def __post_init__(self):
        problems: list[FieldProblem] = []
        years = self.year_groups
        if isinstance(years, (str, bytes)) or not isinstance(years, Iterable):
            problems.append(
                FieldProblem(
                    "year_groups",
                    f"{years!r} is not a list of years.",
                    "Give two or three consecutive years, e.g. 7, 8, 9.",
                )
            )
            years = ()
        else:
            years = tuple(years)
            if not all(isinstance(y, int) and not isinstance(y, bool) for y in years):
                problems.append(
                    FieldProblem(
                        "year_groups",
                        f"{list(years)} are not all whole numbers.",
                        "Give years as numbers, e.g. 7, 8, 9.",
                    )
                )
                years = ()
        consecutive = bool(years) and list(years) == list(range(years[0], years[0] + len(years)))
        if years and (
            len(years) not in (2, 3)
            or not consecutive
            or years[0] not in YEAR_RANGE
            or years[-1] not in YEAR_RANGE
        ):
            problems.append(
                FieldProblem(
                    "year_groups",
                    f"{list(years)} is not two or three consecutive years from "
                    f"{YEAR_RANGE[0]} to {YEAR_RANGE[-1]}.",
                    "Give e.g. 7, 8, 9 or 7, 8.",
                )
            )
        elif not years and not problems:
            problems.append(
                FieldProblem(
                    "year_groups", "is empty.", "Give two or three consecutive years, e.g. 7, 8, 9."
                )
            )
        name = _text(self.name, "name", problems, required=True, limit=MAX_TITLE)
        school_year = _text(self.school_year, "school_year", problems, limit=40)
        if problems:
            raise PlanValueError(problems, "key stage")
        object.__setattr__(self, "year_groups", years)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "school_year", school_year)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "year_groups": list(self.year_groups),
            "school_year": self.school_year,
        }


def new_id() -> str:
    """A fresh event id: 8 hexadecimal characters."""
    return uuid.uuid4().hex[:8]


@dataclass(frozen=True)
class Event:
    """One planned STEM event.

    Parameters
    ----------
    title : str
        Required, one line.
    subjects : tuple of str
        Subject keys (:func:`subjects`), at least one, no repeats; kept in
        vocabulary order.
    year_groups : tuple of int
        The years it is for, sorted; empty for teacher planning / CPD, and
        only for those.
    term : str
        ``autumn``, ``spring`` or ``summer``.
    half_term : int
        1 or 2.
    stage : str
        ``early``, ``middle``, ``late`` or ``throughout`` (the whole half-term).
    kind : str
        A kind key (:func:`kinds`).
    careers_linked : bool
        The event deliberately raises awareness of STEM careers.
    lead, partner, notes : str
        Who leads it, which outside partner helps (may be empty), and notes.
    id : str
        Unique within a plan; made by :func:`new_id` if not given.

    Raises
    ------
    PlanValueError
        Listing every field that is wrong.
    """

    title: str
    subjects: tuple[str, ...]
    year_groups: tuple[int, ...]
    term: str
    half_term: int
    stage: str = "middle"
    kind: str = "lesson"
    careers_linked: bool = False
    lead: str = ""
    partner: str = ""
    notes: str = ""
    id: str = field(default_factory=new_id)

    def __post_init__(self):
        problems: list[FieldProblem] = []
        title = _text(self.title, "title", problems, required=True, limit=MAX_TITLE)
        chosen = self.subjects
        if isinstance(chosen, str) or not isinstance(chosen, Iterable):
            chosen = (chosen,)
        chosen = tuple(chosen)
        unknown = [s for s in chosen if s not in subjects()]
        if unknown:
            verb = "is not a subject" if len(unknown) == 1 else "are not subjects"
            problems.append(
                FieldProblem(
                    "subjects",
                    f"{', '.join(map(repr, unknown))} {verb} the planner knows.",
                    f"Use {', '.join(subjects())}.",
                )
            )
        elif not chosen:
            problems.append(
                FieldProblem("subjects", "none chosen.", "Choose at least one subject.")
            )
        elif len(set(chosen)) != len(chosen):
            problems.append(
                FieldProblem("subjects", "a subject is given twice.", "Give each subject once.")
            )
        order = list(subjects())
        chosen = tuple(sorted(set(chosen), key=lambda s: order.index(s) if s in order else 0))
        kind = self.kind
        if kind not in kinds():
            problems.append(
                FieldProblem(
                    "kind",
                    f"{kind!r} is not a kind of event the planner knows.",
                    f"Use one of {', '.join(kinds())}.",
                )
            )
        years = self.year_groups
        if isinstance(years, (str, bytes)) or not isinstance(years, Iterable):
            years = (years,)
        years = tuple(years)
        if not all(isinstance(y, int) and not isinstance(y, bool) for y in years):
            problems.append(
                FieldProblem(
                    "year_groups",
                    f"{list(years)} are not all whole numbers.",
                    "Give years as numbers, e.g. 7; 9.",
                )
            )
            years = ()
        elif len(set(years)) != len(years):
            problems.append(
                FieldProblem("year_groups", "a year is given twice.", "Give each year once.")
            )
        years = tuple(sorted(set(years)))
        if kind in teacher_kinds() and years:
            problems.append(
                FieldProblem(
                    "year_groups",
                    f"a {kinds()[kind].lower()} event is for teachers, so it has no year group.",
                    "Leave the year groups empty.",
                )
            )
        elif (
            kind in kinds()
            and kind not in teacher_kinds()
            and not years
            and not any(p.field == "year_groups" for p in problems)
        ):
            problems.append(
                FieldProblem(
                    "year_groups", "none chosen.", "Choose the year groups the event is for."
                )
            )
        if self.term not in terms():
            problems.append(
                FieldProblem("term", f"{self.term!r} is not a term.", f"Use {', '.join(terms())}.")
            )
        if self.half_term not in HALF_TERMS or isinstance(self.half_term, bool):
            problems.append(
                FieldProblem(
                    "half_term",
                    f"{self.half_term!r} is not a half-term.",
                    "Use 1 (first half) or 2 (second half).",
                )
            )
        if self.stage not in stages():
            problems.append(
                FieldProblem(
                    "stage",
                    f"{self.stage!r} is not a stage of the term.",
                    f"Use {', '.join(stages())}.",
                )
            )
        if not isinstance(self.careers_linked, bool):
            problems.append(
                FieldProblem(
                    "careers_linked",
                    f"{self.careers_linked!r} is not yes or no.",
                    "Use true or false.",
                )
            )
        lead = _text(self.lead, "lead", problems, limit=MAX_TITLE)
        partner = _text(self.partner, "partner", problems, limit=MAX_TITLE)
        notes = _text(self.notes, "notes", problems, multiline=True)
        event_id = self.id
        if (
            not isinstance(event_id, str)
            or not event_id.strip()
            or any(not (c.isalnum() or c in "-_") for c in event_id)
        ):
            problems.append(
                FieldProblem(
                    "id",
                    f"{event_id!r} is not a usable id.",
                    "Use letters, digits, - or _ (or leave it out to get a new one).",
                )
            )
        if problems:
            raise PlanValueError(problems, f"event {title!r}" if title else "event")
        for name, value in (
            ("title", title),
            ("subjects", chosen),
            ("year_groups", years),
            ("lead", lead),
            ("partner", partner),
            ("notes", notes),
        ):
            object.__setattr__(self, name, value)

    @property
    def for_teachers(self) -> bool:
        """A teacher planning or CPD event (outer ring, no year group)."""
        return self.kind in teacher_kinds()

    @property
    def slots(self) -> tuple[int, ...]:
        """The stage slots (0-17, autumn 1 early first) the event takes."""
        first = (
            list(terms()).index(self.term) * len(HALF_TERMS) + HALF_TERMS.index(self.half_term)
        ) * STAGES_IN_HALF_TERM
        if self.stage == "throughout":
            return tuple(range(first, first + STAGES_IN_HALF_TERM))
        return (first + list(stages()).index(self.stage),)

    @property
    def when(self) -> str:
        """``"Autumn 1, early"`` or ``"Spring 2, throughout the half-term"``."""
        return f"{terms()[self.term]} {self.half_term}, {stages()[self.stage]}"

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "subjects": list(self.subjects),
            "year_groups": list(self.year_groups),
            "term": self.term,
            "half_term": self.half_term,
            "stage": self.stage,
            "kind": self.kind,
            "careers_linked": self.careers_linked,
            "lead": self.lead,
            "partner": self.partner,
            "notes": self.notes,
        }

    @classmethod
    def from_dict(cls, values: dict) -> "Event":
        """An event from a dict of its fields (as :meth:`to_dict` writes)."""
        known = {
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
        }
        unknown = sorted(set(values) - known)
        if unknown:
            raise PlanValueError(
                FieldProblem(
                    ", ".join(unknown),
                    "is not a field of an event.",
                    f"Use only {', '.join(sorted(known))}.",
                )
            )
        missing = [k for k in ("title", "subjects", "term", "half_term") if k not in values]
        if missing:
            raise PlanValueError(
                FieldProblem(
                    ", ".join(missing),
                    "missing.",
                    "Give every event a title, subjects, term and half-term.",
                )
            )
        values = dict(values)
        if not values.get("id"):
            values["id"] = new_id()
        values.setdefault("year_groups", ())
        return cls(**values)


@dataclass(frozen=True)
class Plan:
    """One key stage's STEM events over a school year.

    Parameters
    ----------
    key_stage : KeyStage
    events : tuple of Event
        Ids unique; every pupil event's year groups inside the key stage.
    school, title, notes : str
        Free text; ``notes`` may say where a plan comes from.

    Every change (:meth:`add`, :meth:`replace_event`, :meth:`remove`,
    :meth:`duplicate`, :meth:`with_key_stage`) returns a new plan and leaves
    this one as it was.
    """

    key_stage: KeyStage = field(default_factory=KeyStage)
    events: tuple[Event, ...] = ()
    school: str = ""
    title: str = "STEM plan"
    notes: str = ""

    def __post_init__(self):
        problems: list[FieldProblem] = []
        if not isinstance(self.key_stage, KeyStage):
            problems.append(
                FieldProblem(
                    "key_stage", "is not a key stage.", "Give the key stage's year groups."
                )
            )
        events = tuple(self.events)
        if not all(isinstance(e, Event) for e in events):
            problems.append(
                FieldProblem("events", "holds something that is not an event.", "Give events only.")
            )
        else:
            seen: dict[str, int] = {}
            for i, event in enumerate(events, start=1):
                if event.id in seen:
                    problems.append(
                        FieldProblem(
                            f"event {i} ({event.title!r}), id",
                            f"{event.id!r} is also the id of event {seen[event.id]}.",
                            "Give every event its own id (or leave ids out).",
                        )
                    )
                seen.setdefault(event.id, i)
                if isinstance(self.key_stage, KeyStage):
                    outside = [y for y in event.year_groups if y not in self.key_stage.year_groups]
                    if outside:
                        problems.append(
                            FieldProblem(
                                f"event {i} ({event.title!r}), year_groups",
                                f"year {', '.join(map(str, outside))} is not in the key stage "
                                f"(years {', '.join(map(str, self.key_stage.year_groups))}).",
                                "Change the event's year groups or the key stage.",
                            )
                        )
        school = _text(self.school, "school", problems, limit=MAX_TITLE)
        title = _text(self.title, "title", problems, limit=MAX_TITLE)
        notes = _text(self.notes, "notes", problems, multiline=True, limit=4 * MAX_TEXT)
        if problems:
            raise PlanValueError(problems, "plan")
        object.__setattr__(self, "events", events)
        object.__setattr__(self, "school", school)
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "notes", notes)

    @property
    def pupil_events(self) -> tuple[Event, ...]:
        return tuple(e for e in self.events if not e.for_teachers)

    @property
    def teacher_events(self) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.for_teachers)

    def event(self, event_id: str) -> Event:
        """The event with this id (``KeyError`` if there is none)."""
        for e in self.events:
            if e.id == event_id:
                return e
        raise KeyError(event_id)

    def add(self, event: Event) -> "Plan":
        return replace(self, events=(*self.events, event))

    def replace_event(self, event: Event) -> "Plan":
        """The plan with the event of the same id replaced by ``event``."""
        self.event(event.id)
        return replace(self, events=tuple(event if e.id == event.id else e for e in self.events))

    def remove(self, event_id: str) -> "Plan":
        self.event(event_id)
        return replace(self, events=tuple(e for e in self.events if e.id != event_id))

    def duplicate(self, event_id: str, year_groups: Iterable[int]) -> "Plan":
        """The plan with a copy of an event (new id) for each year group given."""
        original = self.event(event_id)
        copies = [replace(original, year_groups=(y,), id=new_id()) for y in year_groups]
        return replace(self, events=(*self.events, *copies))

    def with_key_stage(self, key_stage: KeyStage) -> "Plan":
        return replace(self, key_stage=key_stage)

    def to_dict(self) -> dict:
        return {
            "school": self.school,
            "title": self.title,
            "notes": self.notes,
            "key_stage": self.key_stage.to_dict(),
            "events": [e.to_dict() for e in self.events],
        }
