"""The network lead's view: every member school's plan and review, side by side.

A network lead (of a STEM Pathfinder, a local authority's secondaries) wants
to know where the network as a whole is thin, and which schools could help
each other. This module reads each member school's **latest plan** (the STEM
Planner's) and **latest review** (the STEM Manager's) and says so, in tidy
tables and plain words. No widgets; :mod:`dashboards.network` shows it.

What "latest" means
    The plan saved most recently (any name), at its newest version; the review
    with the latest review date (``reviewed_on``), at its newest version. A
    document that cannot be read is left out and named in ``problems``.

Where the network is thin (:func:`thin_spots`)
    For each year group, subject and term, and each year group × subject,
    how many of the schools with a plan have at least one pupil event there
    (teacher planning and CPD are not pupil activity). It is **thin** when
    fewer than half of them do (:data:`THIN_SHARE`); a year group counts only
    for the schools whose key stage has it.

Weakest themes (:func:`theme_table`)
    Each school's theme score (the Manager's: the share of a theme's actions
    in place, :func:`analysis.manager.review.scores`); per theme the mean over
    the schools with a review, lowest first.

Who might pair up (:func:`pairings`)
    In a theme: a school whose score is at most :data:`WEAK_SCORE` and one whose
    score is at least :data:`STRONG_SCORE`. In a subject: a school whose plan has
    no pupil event in it and one whose plan has an event in it for every year
    group of its key stage. Each weak school is paired, area by area, with the
    strongest school there (highest score, or most events in the subject; then
    most actions in place; then school id); :func:`pairs` then ranks the pairs by how many areas they share.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from analysis.manager import files as review_files
from analysis.manager.framework import Framework
from analysis.manager.review import Review, scores
from analysis.planner import balance
from analysis.planner import files as plan_files
from analysis.planner.model import Plan, lower_label, subjects, terms
from analysis.store import Store

#: Store owner prefix of a school's documents (:mod:`dashboards.identity`).
SCHOOL_OWNER = "school:"
#: Activity in fewer than this share of the schools with a plan is thin.
THIN_SHARE = 0.5
#: Theme scores at most this are weak, at least this strong (shares of actions in place).
WEAK_SCORE = 0.25
STRONG_SCORE = 0.5

THIN_COLUMNS = (
    "dimension",
    "key",
    "label",
    "schools_active",
    "schools_with_plan",
    "events",
    "thin",
)
THEME_COLUMNS = ("school", "theme", "title", "in_place", "actions", "score")
WEAKEST_COLUMNS = ("theme", "title", "schools", "mean_score", "lowest", "highest", "schools_weak")
PAIRING_COLUMNS = (
    "helper",
    "helped",
    "area_kind",
    "area",
    "area_label",
    "helper_figure",
    "helped_figure",
    "reason",
)
PAIRS_COLUMNS = ("helper", "helped", "areas", "n_areas", "reasons")


@dataclass(frozen=True)
class SchoolDocuments:
    """One member school's latest plan and review (either may be missing)."""

    school: str
    plan: Plan | None = None
    review: Review | None = None
    problems: tuple[str, ...] = field(default=())


def school_of(owner: str) -> str | None:
    """The school id of a store owner ``school:ID``; ``None`` for any other owner."""
    return owner[len(SCHOOL_OWNER) :] if owner.startswith(SCHOOL_OWNER) else None


def member_documents(
    store: Store, framework: Framework, schools: Iterable[str] | None = None
) -> list[SchoolDocuments]:
    """The latest plan and review of each school (see the module notes).

    ``schools``: the network's member school ids (a school with nothing saved
    is listed with neither). Default: every school with a document in the store.
    Only ``school:`` owners are ever read: no browser's or person's own document.
    """
    if schools is None:
        found = {school_of(o) for kind in ("plan", "review") for o in store.owners(kind)}
        schools = sorted(s for s in found if s)
    return [_documents(store, framework, school) for school in schools]


def _documents(store: Store, framework: Framework, school: str) -> SchoolDocuments:
    owner = SCHOOL_OWNER + school
    problems, plan, review = [], None, None
    names = store.names("plan", owner)
    if names:
        try:
            plan = plan_files.plan_from_json(
                json.dumps(store.latest("plan", owner, names[0]).document)
            )
        except ValueError as error:
            problems.append(f"plan {names[0]!r}: {error}")
    latest_date = None
    for name in store.names("review", owner):
        try:
            found = review_files.review_from_dict(
                store.latest("review", owner, name).document, name, framework
            )
        except ValueError as error:
            problems.append(f"review {name!r}: {error}")
            continue
        if latest_date is None or found.reviewed_on > latest_date:
            review, latest_date = found, found.reviewed_on
    return SchoolDocuments(school, plan, review, tuple(problems))


# ------------------------------------------------------------------ plans: where it is thin


def activity(documents: Iterable[SchoolDocuments]) -> pd.DataFrame:
    """Pupil events per school × subject × year group × term (zeros included), for
    every school with a plan; columns ``school`` and those of
    :func:`analysis.planner.balance.coverage`."""
    parts = [
        balance.coverage(d.plan).assign(school=d.school) for d in documents if d.plan is not None
    ]
    columns = ["school", "subject", "subject_label", "year_group", "term", "events"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def _spread(table: pd.DataFrame, by: list[str], with_plan: pd.Series | int) -> pd.DataFrame:
    per_school = table.groupby([*by, "school"], sort=False)["events"].sum().reset_index()
    out = (
        per_school.groupby(by, sort=False)
        .agg(schools_active=("events", lambda e: int((e > 0).sum())), events=("events", "sum"))
        .reset_index()
    )
    out["schools_with_plan"] = (
        with_plan if isinstance(with_plan, int) else out["year_group"].map(with_plan).astype(int)
    )
    return out


def thin_spots(documents: Iterable[SchoolDocuments]) -> pd.DataFrame:
    """How many schools have pupil activity in each year group, subject, term and year
    group × subject, and whether that is thin (see the module notes); one row each
    with :data:`THIN_COLUMNS`, thin rows first, then fewest schools."""
    table = activity(documents)
    if not len(table):
        return pd.DataFrame(columns=list(THIN_COLUMNS))
    n_plans = table["school"].nunique()
    per_year = table.groupby("year_group")["school"].nunique()  # schools whose key stage has it
    subject_labels, term_labels = subjects(), terms()
    rows = []
    for by, dimension in (
        (["year_group"], "year_group"),
        (["subject"], "subject"),
        (["term"], "term"),
        (["year_group", "subject"], "year_group_subject"),
    ):
        with_plan = per_year if "year_group" in by else n_plans
        for r in _spread(table, by, with_plan).itertuples(index=False):
            if dimension == "year_group":
                key, label = str(r.year_group), f"Year {r.year_group}"
            elif dimension == "subject":
                key, label = r.subject, subject_labels[r.subject]
            elif dimension == "term":
                key, label = r.term, term_labels[r.term]
            else:
                key = f"{r.year_group}:{r.subject}"
                label = f"Year {r.year_group} {lower_label(subject_labels[r.subject])}"
            rows.append(
                {
                    "dimension": dimension,
                    "key": key,
                    "label": label,
                    "schools_active": int(r.schools_active),
                    "schools_with_plan": int(r.schools_with_plan),
                    "events": int(r.events),
                    "thin": r.schools_active < THIN_SHARE * r.schools_with_plan,
                }
            )
    out = pd.DataFrame(rows, columns=list(THIN_COLUMNS))
    out["_share"] = out["schools_active"] / out["schools_with_plan"]
    return (
        out.sort_values(["thin", "_share"], ascending=[False, True], kind="stable")
        .drop(columns="_share")
        .reset_index(drop=True)
    )


# ------------------------------------------------------------------ reviews: weakest themes


def theme_table(documents: Iterable[SchoolDocuments], framework: Framework) -> pd.DataFrame:
    """Each reviewed school's theme scores, with :data:`THEME_COLUMNS` (framework order)."""
    rows = []
    for d in documents:
        if d.review is None:
            continue
        for r in scores(d.review, framework).themes.itertuples():
            rows.append(
                {
                    "school": d.school,
                    "theme": r.id,
                    "title": r.title,
                    "in_place": int(r.in_place),
                    "actions": int(r.actions),
                    "score": float(r.score),
                }
            )
    return pd.DataFrame(rows, columns=list(THEME_COLUMNS))


def weakest_themes(themes: pd.DataFrame) -> pd.DataFrame:
    """Per theme, over the reviewed schools: mean, lowest and highest score and how many
    schools are weak in it (:data:`WEAK_SCORE`); weakest (lowest mean) first."""
    if not len(themes):
        return pd.DataFrame(columns=list(WEAKEST_COLUMNS))
    out = (
        themes.groupby(["theme", "title"], sort=False)
        .agg(
            schools=("school", "nunique"),
            mean_score=("score", "mean"),
            lowest=("score", "min"),
            highest=("score", "max"),
            schools_weak=("score", lambda s: int((s <= WEAK_SCORE).sum())),
        )
        .reset_index()
    )
    return out.sort_values("mean_score", kind="stable").reset_index(drop=True)[
        list(WEAKEST_COLUMNS)
    ]


# ------------------------------------------------------------------ who might pair up


def _percent(value: float) -> str:
    return f"{value:.0%}"


def _theme_pairings(themes: pd.DataFrame) -> list[dict]:
    rows = []
    for (theme, title), part in themes.groupby(["theme", "title"], sort=False):
        strong = part[part["score"] >= STRONG_SCORE].sort_values(
            ["score", "in_place", "school"], ascending=[False, False, True]
        )
        if not len(strong):
            continue
        best = strong.iloc[0]
        for weak in part[part["score"] <= WEAK_SCORE].sort_values("school").itertuples():
            rows.append(
                {
                    "helper": best["school"],
                    "helped": weak.school,
                    "area_kind": "theme",
                    "area": theme,
                    "area_label": title,
                    "helper_figure": float(best["score"]),
                    "helped_figure": float(weak.score),
                    "reason": (
                        f"{best['school']} has {best['in_place']} of {best['actions']} "
                        f"{title} actions in place ({_percent(best['score'])}); "
                        f"{weak.school} has {weak.in_place} of {weak.actions} "
                        f"({_percent(weak.score)})."
                    ),
                }
            )
    return rows


def _subject_pairings(documents: list[SchoolDocuments]) -> list[dict]:
    rows = []
    labels = subjects()
    plans = {d.school: d.plan for d in documents if d.plan is not None}
    for subject, label in labels.items():
        name = lower_label(label)
        events = {
            school: [e for e in plan.pupil_events if subject in e.subjects]
            for school, plan in plans.items()
        }
        strong = sorted(
            (
                school
                for school, found in events.items()
                if set(plans[school].key_stage.year_groups)
                <= {y for e in found for y in e.year_groups}
            ),
            key=lambda school: (-len(events[school]), school),
        )
        if not strong:
            continue
        best, n = strong[0], len(events[strong[0]])
        for weak in sorted(school for school, found in events.items() if not found):
            rows.append(
                {
                    "helper": best,
                    "helped": weak,
                    "area_kind": "subject",
                    "area": subject,
                    "area_label": label,
                    "helper_figure": float(n),
                    "helped_figure": 0.0,
                    "reason": (
                        f"{best}'s plan has {name} for every year group ({n} "
                        f"event{'s' if n != 1 else ''}); {weak}'s plan has no {name} "
                        "event."
                    ),
                }
            )
    return rows


def pairings(documents: Iterable[SchoolDocuments], framework: Framework) -> pd.DataFrame:
    """Area by area, a weak school and the strongest school there, with the reason
    (see the module notes); columns :data:`PAIRING_COLUMNS`, themes then subjects."""
    documents = list(documents)
    rows = _theme_pairings(theme_table(documents, framework)) + _subject_pairings(documents)
    return pd.DataFrame(rows, columns=list(PAIRING_COLUMNS))


def pairs(found: pd.DataFrame) -> pd.DataFrame:
    """The pairings grouped by pair (helper, helped): the areas and reasons of each,
    pairs sharing the most areas first (then by helper, helped)."""
    if not len(found):
        return pd.DataFrame(columns=list(PAIRS_COLUMNS))
    out = (
        found.groupby(["helper", "helped"], sort=False)
        .agg(
            areas=("area_label", "; ".join), n_areas=("area", "size"), reasons=("reason", " ".join)
        )
        .reset_index()
    )
    return out.sort_values(
        ["n_areas", "helper", "helped"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)[list(PAIRS_COLUMNS)]


# ------------------------------------------------------------------ in plain words


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def summary(
    documents: list[SchoolDocuments],
    framework: Framework,
    thin: pd.DataFrame | None = None,
    weakest: pd.DataFrame | None = None,
    paired: pd.DataFrame | None = None,
) -> list[str]:
    """The view in a few plain sentences (one a string)."""
    n_plans = sum(d.plan is not None for d in documents)
    n_reviews = sum(d.review is not None for d in documents)
    out = [
        (
            f"{len(documents)} member school{'s' if len(documents) != 1 else ''}: "
            f"{n_plans} with a STEM plan, {n_reviews} with a Manager review."
        )
    ]
    thin = thin_spots(documents) if thin is None else thin
    if len(thin):
        for dimension, what in (
            ("year_group", "year groups"),
            ("subject", "subjects"),
            ("term", "terms"),
        ):
            part = thin[(thin["dimension"] == dimension) & thin["thin"]]
            if len(part):
                listed = [
                    f"{r.label} ({r.schools_active} of {r.schools_with_plan})"
                    for r in part.itertuples()
                ]
                out.append(
                    f"Thin {what} (pupil activity in fewer than half of the schools "
                    f"with a plan): {_join(listed)}."
                )
            else:
                out.append(
                    f"No {what[:-1]} is thin: each has activity in at least half of "
                    "the schools with a plan."
                )
    weakest = weakest_themes(theme_table(documents, framework)) if weakest is None else weakest
    if len(weakest):
        low, high = weakest.iloc[0], weakest.iloc[-1]
        out.append(
            f"Weakest theme: {low['title']} (on average {_percent(low['mean_score'])} "
            f"of its actions in place, over {low['schools']} school"
            f"{'s' if low['schools'] != 1 else ''}); strongest: {high['title']} "
            f"({_percent(high['mean_score'])})."
        )
    paired = pairs(pairings(documents, framework)) if paired is None else paired
    if len(paired):
        top = paired.iloc[0]
        out.append(
            f"{len(paired)} possible pair{'s' if len(paired) != 1 else ''}; the pair "
            f"with most in common: {top['helper']} could help {top['helped']} with "
            f"{top['areas']}."
        )
    elif n_plans + n_reviews:
        out.append("No pair found: no school is strong where another is weak.")
    return out


def by_school(documents: Iterable[SchoolDocuments], framework: Framework) -> pd.DataFrame:
    """One row a school: its plan (title, pupil events, careers-linked) and its review
    (date, overall score, each theme's score), side by side."""
    themes = {t.id: t.title for t in framework.themes}
    rows = []
    for d in documents:
        row: dict[str, object] = {"school": d.school}
        if d.plan is not None:
            row.update(
                plan=d.plan.title,
                pupil_events=len(d.plan.pupil_events),
                careers_linked=sum(e.careers_linked for e in d.plan.pupil_events),
            )
        if d.review is not None:
            s = scores(d.review, framework)
            row.update(
                reviewed_on=d.review.reviewed_on.isoformat(),
                overall=s.overall,
                **{title: s.of(theme) for theme, title in themes.items()},
            )
        rows.append(row)
    columns = [
        "school",
        "plan",
        "pupil_events",
        "careers_linked",
        "reviewed_on",
        "overall",
        *themes.values(),
    ]
    return pd.DataFrame(rows, columns=columns)
