"""Where the review meets the school's STEM plan and the survey.

**Planned events.** An action is carried out by events of the school's STEM
plan (the Planner's): the events a review links to it by hand (``plan_events``
of its entry), and the events its framework rule matches (``plan_events`` of
the action in the framework: "link clubs to careers" matches the plan's clubs
marked careers-linked; "CPD on careers" the events on the CPD ring). An action
with neither has no planned event; :func:`plan_coverage` lists every action so.

**Evidence.** The Planner's balance findings (:mod:`analysis.planner.balance`:
a year group with no engineering, no CPD event…) and the survey's findings
next to the plan (:mod:`analysis.planner.evidence`: a widening gender gap, a
fall between waves, with their 95% intervals) point to the objectives whose
``evidence`` names them (:func:`evidence_for`). Only the survey findings the
Planner flags are used (whole interval on one side of 0), never a hidden or
low-base one.

**Few would ask a careers adviser.** The survey's careers information sources
block asks where pupils would go to find out about jobs and careers; the
report (figure 2) finds family and subject teachers far ahead of the school's
careers staff. :func:`careers_adviser_findings` gives, per year group, the
share who would ask a careers adviser with its school-clustered 95% interval
(:meth:`analysis.measures.SurveyAggregates.shares`); it is **flagged** as few
when the whole interval is below :data:`FEW_ADVISER_SHARE` (one pupil in
three), and it bears on the objectives whose evidence names
``survey.few_careers_adviser``. Its figures are percentages (of pupils), not
percentage points.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analysis.planner import balance as balance_module
from analysis.planner import evidence as survey_evidence
from analysis.planner.evidence import FINDING_COLUMNS
from analysis.planner.model import Event, Plan

from .framework import Action, Framework
from .review import Review

COVERAGE_COLUMNS = (
    "theme",
    "objective",
    "action_id",
    "action",
    "looks_for",
    "linked",
    "matching",
    "has_events",
    "events",
)
EVIDENCE_COLUMNS = (
    "theme",
    "objective",
    "objective_title",
    "source",
    "key",
    "finding",
    "estimate_pp",
    "ci_low_pp",
    "ci_high_pp",
)
#: The Planner's survey measures, as the framework's evidence keys name them.
SURVEY_KEYS = {
    "gender_gap": "survey.gender_gap",
    "change_waves": "survey.fall_between_waves",
    "change_years": "survey.fall_year7_to_9",
    "careers_adviser": "survey.few_careers_adviser",
}
#: The careers information source the finding is about, and its block.
ADVISER_ITEM = "source_careers_adviser"
ADVISER_BLOCK = "source"
#: A share of pupils whose whole 95% interval is below this is "few".
FEW_ADVISER_SHARE = 1 / 3


def planned_events(review: Review, action: Action) -> list[tuple[Event, str]]:
    """The plan's events for an action: ``(event, "linked")`` for those the review
    links by hand, then ``(event, "matches")`` for those the framework's rule
    matches; each event once. Empty without a plan."""
    plan = review.plan
    if plan is None:
        return []
    linked = set(review.entry(action.id).plan_events)
    out = [(e, "linked") for e in plan.events if e.id in linked]
    if action.plan_events is not None:
        out += [
            (e, "matches")
            for e in plan.events
            if e.id not in linked and action.plan_events.matches(e)
        ]
    return out


def plan_coverage(review: Review, framework: Framework) -> pd.DataFrame:
    """Every action with its planned events (see the module notes), framework order."""
    rows = []
    for theme in framework.themes:
        for objective in theme.objectives:
            for action in objective.actions:
                found = planned_events(review, action)
                linked = sum(how == "linked" for _, how in found)
                rows.append(
                    {
                        "theme": theme.id,
                        "objective": objective.id,
                        "action_id": action.id,
                        "action": action.title,
                        "looks_for": action.plan_events.text if action.plan_events else "",
                        "linked": linked,
                        "matching": len(found) - linked,
                        "has_events": bool(found),
                        "events": "; ".join(f"{e.title} ({e.when})" for e, _ in found),
                    }
                )
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))


def _wanted(key: str) -> tuple[str, str]:
    base, _, subject = key.partition(":")
    return base, subject


def _rows_for(
    framework: Framework,
    key: str,
    subjects: Iterable[str],
    source: str,
    text: str,
    interval: tuple[float, float, float] | None,
) -> list[dict]:
    rows = []
    subjects = set(subjects)
    for theme in framework.themes:
        for objective in theme.objectives:
            for wanted in objective.evidence:
                base, subject = _wanted(wanted)
                if base == key and (not subject or subject in subjects):
                    est, low, high = interval or (float("nan"),) * 3
                    rows.append(
                        {
                            "theme": theme.id,
                            "objective": objective.id,
                            "objective_title": objective.title,
                            "source": source,
                            "key": key,
                            "finding": text,
                            "estimate_pp": est,
                            "ci_low_pp": low,
                            "ci_high_pp": high,
                        }
                    )
                    break
    return rows


def evidence_for(
    framework: Framework, plan: Plan | None = None, survey_findings: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Findings of the plan's balance and of the survey, each next to the objectives it
    bears on (one row per finding and objective), with :data:`EVIDENCE_COLUMNS`.

    ``survey_findings``: :func:`analysis.planner.evidence.findings`' result; only
    its flagged rows are used, with their intervals (percentage points).
    """
    rows = []
    if plan is not None:
        for f in balance_module.balance(plan).findings:
            rows += _rows_for(framework, f.key, f.subjects, "plan", f.text, None)
    if survey_findings is not None and len(survey_findings):
        for r in survey_findings[survey_findings["flagged"]].itertuples():
            key = SURVEY_KEYS.get(r.measure)
            if key:
                rows += _rows_for(
                    framework,
                    key,
                    str(r.subjects).split(";"),
                    "survey",
                    r.finding,
                    (r.estimate_pp, r.ci_low_pp, r.ci_high_pp),
                )
    return pd.DataFrame(rows, columns=list(EVIDENCE_COLUMNS))


def careers_adviser_findings(aggregates) -> pd.DataFrame:
    """The share of pupils who would ask a careers adviser, per year group, as findings
    (see the module notes) with :data:`analysis.planner.evidence.FINDING_COLUMNS`:
    ``measure`` is ``careers_adviser``, the figures are percentages. Empty if the
    survey has no careers adviser item.

    ``aggregates``: a :class:`analysis.measures.SurveyAggregates`.
    """
    if ADVISER_BLOCK not in {b.key for b in aggregates.blocks}:
        return pd.DataFrame(columns=list(FINDING_COLUMNS))
    table = aggregates.shares(["year_group"], block=ADVISER_BLOCK)
    rows = []
    for r in table[table["item"] == ADVISER_ITEM].itertuples(index=False):
        suppressed = str(r.suppressed or "") if not pd.isna(r.suppressed) else ""
        usable = not bool(r.low_base) and not suppressed and not pd.isna(r.share)
        est, low, high = (100 * float(v) for v in (r.share, r.ci_low, r.ci_high))
        flagged = usable and high < 100 * FEW_ADVISER_SHARE
        year = int(r.year_group)
        if not usable:
            why = "hidden by disclosure control" if suppressed else "its base is under 30 pupils"
            text = f"Year {year} pupils who would ask a careers adviser: not usable, {why}."
        elif flagged:
            text = (
                f"Only {est:.0f}% of year {year} pupils would ask a careers adviser about "
                f"jobs and careers (95% interval {low:.0f} to {high:.0f}%): fewer than one "
                "in three."
            )
        else:
            text = ""
        rows.append(
            {
                "measure": "careers_adviser",
                "block": ADVISER_BLOCK,
                "item": ADVISER_ITEM,
                "label": r.label,
                "year_group": year,
                "wave": None,
                "subjects": "",
                "estimate_pp": est,
                "ci_low_pp": low,
                "ci_high_pp": high,
                "usable": usable,
                "flagged": flagged,
                "plan_events": 0,
                "finding": text,
            }
        )
    return pd.DataFrame(rows, columns=list(FINDING_COLUMNS))


def survey_findings(aggregates, plan: Plan | None = None) -> pd.DataFrame:
    """Every survey finding the review's evidence uses: the Planner's next to ``plan``
    (:func:`analysis.planner.evidence.findings`) and :func:`careers_adviser_findings`."""
    parts = [
        survey_evidence.findings(survey_evidence.survey_tables(aggregates), plan or Plan()),
        careers_adviser_findings(aggregates),
    ]
    parts = [part for part in parts if len(part)]
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=list(FINDING_COLUMNS))
    )
