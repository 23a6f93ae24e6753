"""The STEM Manager's framework: themes → objectives → actions → documents and resources.

The framework is data, in ``analysis/manager/framework.yml`` (read by
:func:`default_framework`); a network or a researcher can give their own file
in the same shape (:func:`load_framework`), and everything else (scores, the
hexagon, the action plan, the page) works on it unchanged: nothing in the code
names a theme, objective or action.

A file is checked whole when read, and every problem is reported at once as
a :class:`FrameworkError` naming the file, the entry (``theme 'staff' >
objective 'staff.cpd' > action 2``) and what to do:

- ``framework_version`` is the file's format; this code reads version 1;
- ``id`` and ``edition`` name the content: every review records them;
- every theme has objectives, every objective has actions;
- ids are unique across the whole file (themes, objectives and actions);
- every theme, objective, action and resource has its provenance:
  ``{source: report, section: ..., passage: ...}`` (a passage of *Good
  Timing*) or ``{source: project, note: ...}`` (written for this project);
- ``plan_events`` (optional, on an action) names the kinds and subjects of the
  Planner's vocabulary only;
- ``evidence`` (optional, on an objective) names only the findings in
  :data:`EVIDENCE_KEYS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from analysis import settings
from analysis.errors import Problem, SurveyDataError
from analysis.planner.model import Event, kinds, lower_label, subjects

FRAMEWORK_VERSION = 1
#: Findings an objective's ``evidence`` may name; ``plan.subject_missing`` and the
#: survey's may be narrowed to one subject with ``:subject`` (a Planner subject key).
EVIDENCE_KEYS: dict[str, str] = {
    "plan.year_without_events": "a year group with no STEM event all year",
    "plan.subject_missing": "a year group with no event in a subject",
    "plan.long_gap": "a year group with no event for a term or longer",
    "plan.bunched": "a year group's events bunched into a few stages of the year",
    "plan.few_careers_links": "few pupil events linked to careers",
    "plan.no_cpd": "no teacher planning or CPD event",
    "survey.gender_gap": "a gap between girls and boys",
    "survey.fall_between_waves": "a fall from wave 1 to wave 2",
    "survey.fall_year7_to_9": "a fall from year 7 to year 9",
    "survey.few_careers_adviser": "few pupils would ask a careers adviser",
}
_SUBJECT_KEYS = (
    "plan.subject_missing",
    "survey.gender_gap",
    "survey.fall_between_waves",
    "survey.fall_year7_to_9",
)
DEFAULT_NAME = "framework.yml"


class FrameworkError(SurveyDataError):
    """A framework file cannot be used as it is; ``problems`` says where and what to do."""


@dataclass(frozen=True)
class Provenance:
    """Where an entry comes from: a passage of the report, or written for this project."""

    source: str  # "report" or "project"
    section: str = ""
    passage: str = ""
    note: str = ""

    @property
    def text(self) -> str:
        """One line for a reader: ``Good Timing, “section”: “passage”`` or the note."""
        if self.source == "report":
            return f"Good Timing, “{self.section}”: “{self.passage}”"
        return (
            f"Written for this project: {self.note}"
            if not self.note.lower().startswith("written for this project")
            else self.note[0].upper() + self.note[1:]
        )


@dataclass(frozen=True)
class PlanEventRule:
    """Which events of a STEM plan carry an action out (every condition given holds)."""

    kinds: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    careers_linked: bool | None = None

    def matches(self, event: Event) -> bool:
        return (
            (not self.kinds or event.kind in self.kinds)
            and (not self.subjects or bool(set(event.subjects) & set(self.subjects)))
            and (self.careers_linked is None or event.careers_linked == self.careers_linked)
        )

    @property
    def text(self) -> str:
        """``"clubs, careers-linked"`` and the like, in the Planner's words."""
        names, subject_names = kinds(), subjects()
        parts = []
        if self.kinds:
            parts.append(" or ".join(lower_label(names[k]) for k in self.kinds))
        if self.subjects:
            parts.append("in " + " or ".join(subject_names[s] for s in self.subjects))
        if self.careers_linked is not None:
            parts.append("linked to careers" if self.careers_linked else "not linked to careers")
        return ", ".join(parts) or "any event"


@dataclass(frozen=True)
class Resource:
    title: str
    provenance: Provenance
    url: str = ""


@dataclass(frozen=True)
class Action:
    id: str
    title: str
    provenance: Provenance
    resources: tuple[Resource, ...] = ()
    plan_events: PlanEventRule | None = None


@dataclass(frozen=True)
class Objective:
    id: str
    title: str
    provenance: Provenance
    actions: tuple[Action, ...]
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Theme:
    id: str
    title: str
    provenance: Provenance
    objectives: tuple[Objective, ...]
    overseen_by: str = ""

    @property
    def actions(self) -> tuple[Action, ...]:
        return tuple(a for o in self.objectives for a in o.actions)


@dataclass(frozen=True)
class Framework:
    """A whole framework, checked; see the module notes."""

    id: str
    edition: str
    title: str
    themes: tuple[Theme, ...]
    about: str = ""
    file: str = DEFAULT_NAME

    @property
    def objectives(self) -> tuple[Objective, ...]:
        return tuple(o for t in self.themes for o in t.objectives)

    @property
    def actions(self) -> tuple[Action, ...]:
        return tuple(a for t in self.themes for a in t.actions)

    def theme(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)

    def objective(self, objective_id: str) -> Objective:
        for o in self.objectives:
            if o.id == objective_id:
                return o
        raise KeyError(objective_id)

    def action(self, action_id: str) -> Action:
        for a in self.actions:
            if a.id == action_id:
                return a
        raise KeyError(action_id)

    def placed(self, action_id: str) -> tuple[Theme, Objective, Action]:
        """The theme and objective an action belongs to, and the action."""
        for t in self.themes:
            for o in t.objectives:
                for a in o.actions:
                    if a.id == action_id:
                        return t, o, a
        raise KeyError(action_id)


# ------------------------------------------------------------------- reading


class _Reader:
    """Collects every problem of one file while building its entries."""

    def __init__(self, name: str):
        self.name = name
        self.problems: list[Problem] = []
        self.seen: dict[str, str] = {}

    def bad(self, where: str, what: str, todo: str) -> None:
        self.problems.append(Problem(self.name, f"{where}: {what}" if where else what, todo))

    def text(self, entry: dict, key: str, where: str, required: bool = True) -> str:
        value = entry.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.bad(where, f"'{key}' is not text.", f"Write '{key}' as text.")
            return ""
        value = str(value).strip()
        if required and not value:
            self.bad(where, f"has no '{key}'.", f"Give it a '{key}'.")
        return value

    def mapping(self, value: Any, where: str, what: str) -> dict | None:
        if not isinstance(value, dict):
            self.bad(
                where,
                f"is not a set of fields ({what}).",
                "Write it as 'key: value' lines under a '- ' list item.",
            )
            return None
        return value

    def entries(self, entry: dict, key: str, where: str, required: bool) -> list:
        value = entry.get(key)
        if value is None or value == []:
            if required:
                todo = {
                    "themes": "Give the framework at least one theme.",
                    "objectives": "Give the theme at least one objective.",
                    "actions": "Give the objective at least one action.",
                }[key]
                self.bad(where, f"has no {key}.", todo)
            return []
        if not isinstance(value, list):
            self.bad(where, f"'{key}' is not a list.", f"Write each of its {key} as a '- ' item.")
            return []
        return value

    def ident(self, entry: dict, where: str) -> str:
        value = self.text(entry, "id", where)
        if value and any(c.isspace() for c in value):
            self.bad(where, f"id {value!r} holds spaces.", "Use letters, digits, '.', '_' or '-'.")
        if value in self.seen:
            self.bad(
                where,
                f"id {value!r} is also the id of {self.seen[value]}.",
                "Give every theme, objective and action its own id.",
            )
        elif value:
            self.seen[value] = where
        return value

    def provenance(self, entry: dict, where: str) -> Provenance:
        raw = entry.get("provenance")
        todo = (
            "Say where it comes from: {source: report, section: ..., passage: ...} for a "
            "passage of the report, or {source: project, note: ...} for an entry written "
            "for this project."
        )
        if raw is None:
            self.bad(where, "has no provenance.", todo)
            return Provenance("project", note="")
        if not isinstance(raw, dict) or raw.get("source") not in ("report", "project"):
            self.bad(
                where, "provenance is not {source: report, ...} or {source: project, ...}.", todo
            )
            return Provenance("project", note="")
        if raw["source"] == "report":
            section = self.text(raw, "section", f"{where}, provenance")
            passage = self.text(raw, "passage", f"{where}, provenance")
            return Provenance("report", section=section, passage=passage)
        return Provenance("project", note=self.text(raw, "note", f"{where}, provenance"))

    def rule(self, raw: Any, where: str) -> PlanEventRule | None:
        if raw is None:
            return None
        raw = self.mapping(raw, f"{where}, plan_events", "kinds, subjects, careers_linked")
        if raw is None:
            return None
        unknown = sorted(set(raw) - {"kinds", "subjects", "careers_linked"})
        if unknown:
            self.bad(
                f"{where}, plan_events",
                f"has {', '.join(unknown)}.",
                "Use only kinds, subjects and careers_linked.",
            )
        found = {}
        for key, known in (("kinds", kinds()), ("subjects", subjects())):
            values = raw.get(key) or []
            values = [values] if isinstance(values, str) else values
            if not isinstance(values, list):
                self.bad(
                    f"{where}, plan_events",
                    f"'{key}' is not a list.",
                    f"Write e.g. {key}: [{next(iter(known))}].",
                )
                values = []
            wrong = [v for v in values if v not in known]
            if wrong:
                self.bad(
                    f"{where}, plan_events",
                    f"{', '.join(map(repr, wrong))} not among the Planner's {key}.",
                    f"Use {', '.join(known)}.",
                )
            found[key] = tuple(v for v in values if v in known)
        careers = raw.get("careers_linked")
        if careers is not None and not isinstance(careers, bool):
            self.bad(
                f"{where}, plan_events",
                "'careers_linked' is not true or false.",
                "Write true or false, or leave it out.",
            )
            careers = None
        return PlanEventRule(found["kinds"], found["subjects"], careers)

    def evidence(self, raw: Any, where: str) -> tuple[str, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.bad(where, "'evidence' is not a list.", "Write e.g. evidence: [plan.no_cpd].")
            return ()
        out = []
        for key in raw:
            base, _, subject = str(key).partition(":")
            if base not in EVIDENCE_KEYS:
                self.bad(
                    where,
                    f"evidence {key!r} is not a finding the page knows.",
                    f"Use {', '.join(EVIDENCE_KEYS)}.",
                )
            elif subject and (base not in _SUBJECT_KEYS or subject not in subjects()):
                self.bad(
                    where,
                    f"evidence {key!r} names a subject it cannot have.",
                    f"Only {', '.join(_SUBJECT_KEYS)} take ':subject', one of "
                    f"{', '.join(subjects())}.",
                )
            else:
                out.append(str(key))
        return tuple(out)


def _label(kind: str, entry: Any, index: int, parent: str) -> str:
    ident = entry.get("id") if isinstance(entry, dict) else None
    here = f"{kind} '{ident}'" if ident else f"{kind} {index}"
    return f"{parent} > {here}" if parent else here


def framework_from_dict(data: Any, name: str = DEFAULT_NAME) -> Framework:
    """A checked :class:`Framework` from parsed YAML; ``name`` is the file named in messages."""
    r = _Reader(name)
    if not isinstance(data, dict):
        raise FrameworkError(
            Problem(
                name,
                "is not a framework (no fields at its top level).",
                "Start from analysis/manager/framework.yml.",
            )
        )
    version = data.get("framework_version")
    if version != FRAMEWORK_VERSION or isinstance(version, bool):
        raise FrameworkError(
            Problem(
                name,
                f"has framework_version {version!r}; this page reads version {FRAMEWORK_VERSION}.",
                "Write the file in version 1's shape (see "
                "analysis/manager/framework.yml) and put 'framework_version: 1' at its top.",
            )
        )
    ident = r.text(data, "id", "the framework")
    edition = r.text(data, "edition", "the framework")
    title = r.text(data, "title", "the framework")
    themes = []
    for i, raw_theme in enumerate(r.entries(data, "themes", "the framework", True), start=1):
        where = _label("theme", raw_theme, i, "")
        t = r.mapping(raw_theme, where, "id, title, provenance, objectives")
        if t is None:
            continue
        objectives = []
        for j, raw_obj in enumerate(r.entries(t, "objectives", where, True), start=1):
            o_where = _label("objective", raw_obj, j, where)
            o = r.mapping(raw_obj, o_where, "id, title, provenance, actions")
            if o is None:
                continue
            actions = []
            for k, raw_action in enumerate(r.entries(o, "actions", o_where, True), start=1):
                a_where = _label("action", raw_action, k, o_where)
                a = r.mapping(raw_action, a_where, "id, title, provenance")
                if a is None:
                    continue
                res = []
                for m, raw_res in enumerate(r.entries(a, "resources", a_where, False), start=1):
                    r_where = f"{a_where} > resource {m}"
                    rr = r.mapping(raw_res, r_where, "title, provenance")
                    if rr is not None:
                        res.append(
                            Resource(
                                r.text(rr, "title", r_where),
                                r.provenance(rr, r_where),
                                r.text(rr, "url", r_where, required=False),
                            )
                        )
                actions.append(
                    Action(
                        r.ident(a, a_where),
                        r.text(a, "title", a_where),
                        r.provenance(a, a_where),
                        tuple(res),
                        r.rule(a.get("plan_events"), a_where),
                    )
                )
            objectives.append(
                Objective(
                    r.ident(o, o_where),
                    r.text(o, "title", o_where),
                    r.provenance(o, o_where),
                    tuple(actions),
                    r.evidence(o.get("evidence"), o_where),
                )
            )
        themes.append(
            Theme(
                r.ident(t, where),
                r.text(t, "title", where),
                r.provenance(t, where),
                tuple(objectives),
                r.text(t, "overseen_by", where, required=False),
            )
        )
    if r.problems:
        raise FrameworkError(r.problems)
    return Framework(
        ident, edition, title, tuple(themes), str(data.get("about") or "").strip(), name
    )


def framework_from_text(text: str | bytes, name: str = DEFAULT_NAME) -> Framework:
    """Read a framework from YAML text (see :func:`framework_from_dict`)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FrameworkError(
            Problem(
                name,
                f"is not YAML{where}: {getattr(error, 'problem', None) or error}.",
                "Correct the file (quote text that holds ':' or '#').",
            )
        ) from None
    return framework_from_dict(data, name)


def load_framework(path: str | Path) -> Framework:
    """Read and check a framework file."""
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as error:
        raise FrameworkError(
            Problem(
                path.name,
                f"cannot be read ({error.strerror}).",
                "Check the path and that the file can be read.",
            )
        ) from None
    return framework_from_text(text, path.name)


def configured_framework() -> Framework:
    """The framework reviews are made against here: a network's own file
    (``KS3_FRAMEWORK``, :func:`analysis.settings.framework_file`), else the
    project's (:func:`default_framework`).

    Raises
    ------
    FrameworkError
        The named file cannot be read or is not a framework (the message says which
        entry and what to do).
    """
    path = settings.framework_file()
    return load_framework(path) if path is not None else default_framework()


@cache
def default_framework() -> Framework:
    """The project's framework (``analysis/manager/framework.yml``), read once."""
    text = resources.files("analysis.manager").joinpath(DEFAULT_NAME).read_bytes()
    return framework_from_text(text, DEFAULT_NAME)
