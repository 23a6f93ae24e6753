"""A school's self-review against the framework, its scores, and progress between reviews.

A **review** is dated: a school reviews once a term or a year, and each review
is kept. For every action of the framework it holds:

status
    where the action stands, on a best-fit scale of four (:data:`STATUSES`):
    *not started*; *planned* (agreed, with an owner and a date, not begun);
    *in progress* (begun, not yet part of how the school works); *in place*
    (done, and part of how the school works). "Best fit": choose the one that
    describes the action best, not the one all of whose words are true.
owner
    who is responsible: a role (``"STEM coordinator"``), not a person's name.
target_date, evidence, next_step
    when it should be in place, what shows where it stands, what happens next.
committed, resources, success_criteria
    whether the school commits to it in its **action plan**, with what
    resources and how it will know it has succeeded.
plan_events
    ids of the events of the school's STEM plan that carry it out.

**Scores** are the share of actions *in place*: for an objective, of its
actions; for a theme, of all the theme's actions (pooled, so a theme's score
is not the mean of its objectives' scores when they have different numbers of
actions); overall, of all actions. **Partial statuses count 0**: an action
planned or in progress is not in place. The counts of every status are kept
beside each score (:func:`scores`), so "3 of 4 in progress" is never hidden
behind a score of 0.

Everything is plain data, checked when made (:class:`ReviewValueError` lists
each problem with its field and what to do); objects are frozen, every change
makes a new review.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from collections.abc import Iterable

import pandas as pd

from analysis.planner.model import MAX_TEXT, MAX_TITLE, FieldProblem, Plan, PlanValueError, _text

from .framework import Framework

#: The best-fit scale, first to last: ``{key: label}``.
STATUSES: dict[str, str] = {
    "not_started": "Not started",
    "planned": "Planned",
    "in_progress": "In progress",
    "in_place": "In place",
}
#: What each status means, said on the page and in the printable action plan.
STATUS_MEANINGS: dict[str, str] = {
    "not_started": "nothing done yet",
    "planned": "agreed, with an owner and a date, not begun",
    "in_progress": "begun, not yet part of how the school works",
    "in_place": "done, and part of how the school works",
}
#: How each status counts in a score: only "in place" counts.
STATUS_SCORE: dict[str, int] = {"not_started": 0, "planned": 0, "in_progress": 0, "in_place": 1}
SCALE_TEXT = (
    "Score: the share of actions in place. Planned and in-progress actions count "
    "0 (they are not in place yet); their numbers are shown beside every score. "
    "A theme's score pools all its actions."
)


class ReviewValueError(PlanValueError):
    """A review or an action's entry cannot be made from these values."""


def _date(value: Any, name: str, problems: list, required: bool = False) -> date | None:
    if value in (None, ""):
        if required:
            problems.append(FieldProblem(name, "is empty.", "Give a date as YYYY-MM-DD."))
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    problems.append(
        FieldProblem(name, f"{value!r} is not a date.", "Write it as YYYY-MM-DD, e.g. 2011-07-15.")
    )
    return None


@dataclass(frozen=True)
class ActionReview:
    """Where one action stands in a review (see the module notes for each field)."""

    action_id: str
    status: str = "not_started"
    owner: str = ""
    target_date: date | None = None
    evidence: str = ""
    next_step: str = ""
    committed: bool = False
    resources: str = ""
    success_criteria: str = ""
    plan_events: tuple[str, ...] = ()

    def __post_init__(self):
        problems: list[FieldProblem] = []
        if not isinstance(self.action_id, str) or not self.action_id.strip():
            problems.append(FieldProblem("action_id", "is empty.", "Name the action."))
        if self.status not in STATUSES:
            problems.append(
                FieldProblem(
                    "status", f"{self.status!r} is not on the scale.", f"Use {', '.join(STATUSES)}."
                )
            )
        if not isinstance(self.committed, bool):
            problems.append(
                FieldProblem(
                    "committed", f"{self.committed!r} is not yes or no.", "Use true or false."
                )
            )
        target = _date(self.target_date, "target_date", problems)
        values = {
            name: _text(
                getattr(self, name),
                name,
                problems,
                multiline=multi,
                limit=MAX_TEXT if multi else MAX_TITLE,
            )
            for name, multi in (
                ("owner", False),
                ("evidence", True),
                ("next_step", True),
                ("resources", True),
                ("success_criteria", True),
            )
        }
        events = self.plan_events
        if isinstance(events, str) or not isinstance(events, Iterable):
            problems.append(
                FieldProblem(
                    "plan_events",
                    f"{events!r} is not a list of event ids.",
                    "Give event ids, e.g. a1b2c3d4;e5f6a7b8.",
                )
            )
            events = ()
        events = tuple(dict.fromkeys(str(e).strip() for e in events if str(e).strip()))
        if problems:
            raise ReviewValueError(problems, f"action {self.action_id!r}")
        object.__setattr__(self, "target_date", target)
        object.__setattr__(self, "plan_events", events)
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def touched(self) -> bool:
        """Anything entered beyond the blank default."""
        return self != ActionReview(self.action_id)

    def to_dict(self) -> dict:
        return {
            "action_id": self.action_id,
            "status": self.status,
            "owner": self.owner,
            "target_date": self.target_date.isoformat() if self.target_date else "",
            "evidence": self.evidence,
            "next_step": self.next_step,
            "committed": self.committed,
            "resources": self.resources,
            "success_criteria": self.success_criteria,
            "plan_events": list(self.plan_events),
        }

    FIELDS = (
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


@dataclass(frozen=True)
class Review:
    """One dated self-review of a school against a framework.

    Parameters
    ----------
    reviewed_on : date
    school, reviewer, notes : str
        ``reviewer`` is a role; ``notes`` may say where a review comes from.
    framework_id, framework_edition : str
        The framework the review was made with (:class:`~.framework.Framework`).
    entries : tuple of ActionReview
        At most one per action; an action without an entry is *not started*.
    plan : Plan or None
        A copy of the school's STEM plan the actions link to.
    """

    reviewed_on: date
    framework_id: str
    framework_edition: str
    school: str = ""
    reviewer: str = ""
    notes: str = ""
    entries: tuple[ActionReview, ...] = ()
    plan: Plan | None = None

    def __post_init__(self):
        problems: list[FieldProblem] = []
        when = _date(self.reviewed_on, "reviewed_on", problems, required=True)
        entries = tuple(self.entries)
        seen = set()
        for e in entries:
            if not isinstance(e, ActionReview):
                problems.append(
                    FieldProblem(
                        "entries",
                        "holds something that is not an action's entry.",
                        "Give action entries only.",
                    )
                )
                break
            if e.action_id in seen:
                problems.append(
                    FieldProblem(
                        "entries",
                        f"action {e.action_id!r} is given twice.",
                        "Give each action once.",
                    )
                )
            seen.add(e.action_id)
        if self.plan is not None and not isinstance(self.plan, Plan):
            problems.append(FieldProblem("plan", "is not a STEM plan.", "Link a Planner plan."))
        values = {
            name: _text(
                getattr(self, name),
                name,
                problems,
                multiline=name == "notes",
                limit=4 * MAX_TEXT if name == "notes" else MAX_TITLE,
            )
            for name in ("school", "reviewer", "notes", "framework_id", "framework_edition")
        }
        if problems:
            raise ReviewValueError(problems, "review")
        object.__setattr__(self, "reviewed_on", when)
        object.__setattr__(self, "entries", entries)
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @classmethod
    def blank(cls, framework: Framework, reviewed_on: date | None = None, **fields) -> "Review":
        """A new review with every action not started."""
        return cls(
            reviewed_on=reviewed_on or date.today(),
            framework_id=framework.id,
            framework_edition=framework.edition,
            **fields,
        )

    def entry(self, action_id: str) -> ActionReview:
        """The action's entry (a blank, not started, if the review has none)."""
        for e in self.entries:
            if e.action_id == action_id:
                return e
        return ActionReview(action_id)

    def status(self, action_id: str) -> str:
        return self.entry(action_id).status

    def with_entry(self, entry: ActionReview) -> "Review":
        """The review with this action's entry replaced (or added)."""
        others = tuple(e for e in self.entries if e.action_id != entry.action_id)
        return replace(self, entries=(*others, entry) if entry.touched else others)

    def with_status(self, action_id: str, status: str) -> "Review":
        return self.with_entry(replace(self.entry(action_id), status=status))

    def next_review(self, reviewed_on: date) -> "Review":
        """A new review dated ``reviewed_on`` that starts as a copy of this one."""
        return replace(self, reviewed_on=reviewed_on)

    @property
    def name(self) -> str:
        """The name the review is kept under (one review a date): ``"review 2011-07-15"``."""
        return f"review {self.reviewed_on.isoformat()}"

    def check_against(self, framework: Framework) -> list[FieldProblem]:
        """Problems of reading this review with ``framework`` (empty when it fits)."""
        problems = []
        known = {a.id for a in framework.actions}
        unknown = [e.action_id for e in self.entries if e.action_id not in known]
        if self.framework_id != framework.id:
            problems.append(
                FieldProblem(
                    "framework_id",
                    f"the review was made with framework {self.framework_id!r}, "
                    f"the page has {framework.id!r}.",
                    "Open it with the framework it was made with.",
                )
            )
        if unknown:
            problems.append(
                FieldProblem(
                    "action_id",
                    f"{', '.join(map(repr, unknown[:5]))}"
                    f"{' and more' if len(unknown) > 5 else ''} not in the framework "
                    f"{framework.id!r} (edition {framework.edition}).",
                    "Open it with the framework it was made with, or remove those rows.",
                )
            )
        return problems

    def to_dict(self) -> dict:
        return {
            "reviewed_on": self.reviewed_on.isoformat(),
            "school": self.school,
            "reviewer": self.reviewer,
            "notes": self.notes,
            "framework": {"id": self.framework_id, "edition": self.framework_edition},
            "entries": [e.to_dict() for e in self.entries],
            "plan": None if self.plan is None else self.plan.to_dict(),
        }


# ------------------------------------------------------------------ scores

SCORE_COLUMNS = ("level", "theme", "objective", "id", "title", "actions", *STATUSES, "score")


@dataclass(frozen=True)
class Scores:
    """A review's scores (see the module notes): one table, three levels.

    ``table`` has :data:`SCORE_COLUMNS`: ``level`` is ``objective``, ``theme``
    or ``overall``; the four status columns count actions; ``score`` is
    ``in_place / actions``.
    """

    table: pd.DataFrame

    def of(self, ident: str) -> float:
        """The score of a theme or objective id, or ``"overall"``."""
        rows = self.table[self.table["id"] == ident]
        if not len(rows):
            raise KeyError(ident)
        return float(rows["score"].iloc[0])

    @property
    def overall(self) -> float:
        return self.of("overall")

    @property
    def themes(self) -> pd.DataFrame:
        return self.table[self.table["level"] == "theme"].reset_index(drop=True)

    @property
    def objectives(self) -> pd.DataFrame:
        return self.table[self.table["level"] == "objective"].reset_index(drop=True)


def _row(level, theme, objective, ident, title, statuses: list[str]) -> dict:
    counts = {s: statuses.count(s) for s in STATUSES}
    n = len(statuses)
    score = sum(STATUS_SCORE[s] for s in statuses) / n if n else float("nan")
    return {
        "level": level,
        "theme": theme,
        "objective": objective,
        "id": ident,
        "title": title,
        "actions": n,
        **counts,
        "score": score,
    }


def scores(review: Review, framework: Framework) -> Scores:
    """Scores per objective, per theme and overall (see the module notes)."""
    rows, every = [], []
    for t in framework.themes:
        theme_statuses = []
        for o in t.objectives:
            statuses = [review.status(a.id) for a in o.actions]
            theme_statuses += statuses
            rows.append(_row("objective", t.id, o.id, o.id, o.title, statuses))
        every += theme_statuses
        rows.append(_row("theme", t.id, "", t.id, t.title, theme_statuses))
    rows.append(_row("overall", "", "", "overall", "All themes", every))
    return Scores(pd.DataFrame(rows, columns=list(SCORE_COLUMNS)))


def progress(reviews: Iterable[Review], framework: Framework) -> pd.DataFrame:
    """Theme and overall scores of each review, oldest first, and the change since the one before.

    Columns: ``reviewed_on``, ``id`` (theme id or ``overall``), ``title``,
    ``score``, ``in_place``, ``actions``, ``change`` (score minus the previous
    review's, NaN for the first). Reviews of the same date: the later in
    ``reviews`` wins.
    """
    by_date = {r.reviewed_on: r for r in reviews}
    rows = []
    for when in sorted(by_date):
        table = scores(by_date[when], framework).table
        for r in table[table["level"] != "objective"].itertuples():
            rows.append(
                {
                    "reviewed_on": when,
                    "id": r.id,
                    "title": r.title,
                    "score": r.score,
                    "in_place": r.in_place,
                    "actions": r.actions,
                }
            )
    out = pd.DataFrame(rows, columns=["reviewed_on", "id", "title", "score", "in_place", "actions"])
    out["change"] = out.groupby("id", sort=False)["score"].diff()
    return out


def _percent(value: float) -> str:
    return "–" if value != value else f"{value:.0%}"


def summary(review: Review, framework: Framework, score: Scores | None = None) -> str:
    """A few plain sentences: overall, the strongest and the weakest themes, what is under way."""
    score = score or scores(review, framework)
    themes = score.themes
    total = score.table[score.table["id"] == "overall"].iloc[0]
    parts = [
        f"{int(total.in_place)} of {int(total.actions)} actions are in place "
        f"({_percent(total.score)}); {int(total.in_progress)} in progress and "
        f"{int(total.planned)} planned."
    ]
    if len(themes) > 1:
        best, worst = themes["score"].max(), themes["score"].min()
        top = themes[themes["score"] == best]["title"].tolist()
        low = themes[themes["score"] == worst]["title"].tolist()
        if best == worst:
            parts.append(f"Every theme stands at {_percent(best)}.")
        else:
            parts.append(
                f"Strongest: {_join(top)} ({_percent(best)} in place). "
                f"Weakest: {_join(low)} ({_percent(worst)} in place)."
            )
            weak = themes[themes["score"] == worst].iloc[0]
            if weak.in_progress or weak.planned:
                parts.append(
                    f"In {weak.title}, {int(weak.in_progress)} action"
                    f"{'s are' if weak.in_progress != 1 else ' is'} in progress and "
                    f"{int(weak.planned)} planned."
                )
    return " ".join(parts)


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
