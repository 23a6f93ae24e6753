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
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analysis.planner import balance as balance_module
from analysis.planner.model import Event, Plan

from .framework import Action, Framework
from .review import Review

COVERAGE_COLUMNS = ("theme", "objective", "action_id", "action", "looks_for", "linked",
                    "matching", "has_events", "events")
EVIDENCE_COLUMNS = ("theme", "objective", "objective_title", "source", "key", "finding",
                    "estimate_pp", "ci_low_pp", "ci_high_pp")
#: The Planner's survey measures, as the framework's evidence keys name them.
SURVEY_KEYS = {"gender_gap": "survey.gender_gap", "change_waves": "survey.fall_between_waves",
               "change_years": "survey.fall_year7_to_9"}


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
        out += [(e, "matches") for e in plan.events
                if e.id not in linked and action.plan_events.matches(e)]
    return out


def plan_coverage(review: Review, framework: Framework) -> pd.DataFrame:
    """Every action with its planned events (see the module notes), framework order."""
    rows = []
    for theme in framework.themes:
        for objective in theme.objectives:
            for action in objective.actions:
                found = planned_events(review, action)
                linked = sum(how == "linked" for _, how in found)
                rows.append({
                    "theme": theme.id, "objective": objective.id, "action_id": action.id,
                    "action": action.title,
                    "looks_for": action.plan_events.text if action.plan_events else "",
                    "linked": linked, "matching": len(found) - linked,
                    "has_events": bool(found),
                    "events": "; ".join(f"{e.title} ({e.when})" for e, _ in found)})
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))


def _wanted(key: str) -> tuple[str, str]:
    base, _, subject = key.partition(":")
    return base, subject


def _rows_for(framework: Framework, key: str, subjects: Iterable[str], source: str, text: str,
              interval: tuple[float, float, float] | None) -> list[dict]:
    rows = []
    subjects = set(subjects)
    for theme in framework.themes:
        for objective in theme.objectives:
            for wanted in objective.evidence:
                base, subject = _wanted(wanted)
                if base == key and (not subject or subject in subjects):
                    est, low, high = interval or (float("nan"),) * 3
                    rows.append({"theme": theme.id, "objective": objective.id,
                                 "objective_title": objective.title, "source": source,
                                 "key": key, "finding": text, "estimate_pp": est,
                                 "ci_low_pp": low, "ci_high_pp": high})
                    break
    return rows


def evidence_for(framework: Framework, plan: Plan | None = None,
                 survey_findings: pd.DataFrame | None = None) -> pd.DataFrame:
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
                rows += _rows_for(framework, key, str(r.subjects).split(";"), "survey",
                                  r.finding, (r.estimate_pp, r.ci_low_pp, r.ci_high_pp))
    return pd.DataFrame(rows, columns=list(EVIDENCE_COLUMNS))
