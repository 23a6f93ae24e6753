"""The survey meets the plan: what pupils said, next to what the plan offers them.

:func:`findings` reads survey results in the comparison shape of
:class:`analysis.measures.SurveyAggregates` (plain DataFrames: gender gaps,
changes between waves, changes from year 7 to year 9) and a plan, and says in
plain words where a gap or a fall meets a subject and year group, and what
the plan has there. For example: "Year 9 girls' consideration of engineering
careers is 20 points below boys' (95% interval 15 to 25 points), and the
plan has no engineering event for year 9."

Rules:

- only the subject blocks that speak to the planner's subjects are read
  (``evidence_blocks`` in ``vocabulary.json``: STEM careers considered,
  career areas, enjoyment, importance), and only their items that map onto a
  planner subject (``survey_subjects`` / ``survey_items``);
- a gap or fall is **flagged** only when its whole confidence interval is on
  one side of 0 (for a fall: below 0). The intervals are the tables' own
  (95% by default), one comparison at a time: with dozens of comparisons a
  few will exclude 0 by chance, which is why the tables also carry
  Benjamini-Hochberg ``q_value``;
- a row with a low base (``low_base``) or hidden by disclosure control
  (``suppressed`` not empty) is **unusable**: kept in the result, said to be
  unusable, never flagged;
- a row for a year group outside the plan's key stage is left out; a
  change from year 7 to year 9 is read against year 9 (the year the fall
  has happened by).
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd

from analysis import schema

from .model import Plan, lower_label, subjects, vocabulary

#: Columns of :func:`findings`' result.
FINDING_COLUMNS: tuple[str, ...] = (
    "measure",
    "block",
    "item",
    "label",
    "year_group",
    "wave",
    "subjects",
    "estimate_pp",
    "ci_low_pp",
    "ci_high_pp",
    "usable",
    "flagged",
    "plan_events",
    "finding",
)

_COMPARISONS = ("gender_gap", "change_waves", "change_years")


def survey_tables(aggregates) -> list[pd.DataFrame]:
    """The results :func:`findings` reads, from a :class:`~analysis.measures.SurveyAggregates`.

    Gender gaps by year group, change from wave 1 to wave 2 by year group,
    and change from year 7 to year 9 (both waves), for every block in
    ``evidence_blocks`` that the survey has.
    """
    present = {b.key for b in aggregates.blocks}
    out = []
    for block in vocabulary()["evidence_blocks"]:
        if block not in present:
            continue
        out.append(aggregates.gaps(["year_group"], block=block, compare="gender"))
        out.append(aggregates.change(["year_group"], block=block, across="wave"))
        out.append(aggregates.change([], block=block, across="year_group"))
    return out


def item_subjects(item: str) -> tuple[str, ...]:
    """Planner subjects a survey item speaks to (empty if none)."""
    vocab = vocabulary()
    if item in vocab["survey_items"]:
        return tuple(vocab["survey_items"][item])
    try:
        subject = schema.item(item).subject
    except KeyError:
        return ()
    return tuple(vocab["survey_subjects"].get(subject, ())) if subject else ()


def _points(value: float) -> str:
    return f"{abs(value):.0f} point{'s' if round(abs(value)) != 1 else ''}"


def _interval(low: float, high: float) -> str:
    return f"95% interval {low:.0f} to {high:.0f} points"


def _plan_side(plan: Plan, year: int, wanted: tuple[str, ...]) -> tuple[int, str]:
    labels = subjects()
    names = " or ".join(lower_label(labels[s]) for s in wanted)
    events = [
        e for e in plan.pupil_events if year in e.year_groups and set(e.subjects) & set(wanted)
    ]
    if not events:
        return 0, f"the plan has no {names} event for year {year}."
    distinct = list(dict.fromkeys(e.title for e in events))  # a weekly club is named once
    titles = ", ".join(f"“{t}”" for t in distinct[:3]) + (" …" if len(distinct) > 3 else "")
    careers = sum(e.careers_linked for e in events)
    return len(events), (
        f"the plan has {len(events)} {names} event"
        f"{'s' if len(events) > 1 else ''} for year {year} ({titles}; "
        f"{careers} careers-linked)."
    )


def _years(row, plan_years: Iterable[int]) -> list[int]:
    if row.measure == "change_years":
        return [9] if 9 in plan_years else []
    year = getattr(row, "year_group", None)
    if year is None or pd.isna(year):
        return []
    return [int(year)] if int(year) in plan_years else []


def findings(tables: Iterable[pd.DataFrame], plan: Plan) -> pd.DataFrame:
    """Gaps and falls in the survey, each next to what the plan offers.

    Parameters
    ----------
    tables : iterable of DataFrame
        Comparison-shape results (``measure`` ``gender_gap``,
        ``change_waves`` or ``change_years``; other rows are ignored).
    plan : Plan

    Returns
    -------
    DataFrame with :data:`FINDING_COLUMNS`, one row per usable-or-not result
    row that maps onto a planner subject and a year of the plan: flagged
    rows first (largest first), then the others. ``finding`` is the
    sentence to show (empty for rows neither flagged nor unusable).
    """
    phrases = vocabulary()["evidence_blocks"]
    rows = []
    for table in tables:
        if table is None or not len(table) or "measure" not in table:
            continue
        for row in table.itertuples(index=False):
            if row.measure not in _COMPARISONS or row.block not in phrases:
                continue
            wanted = item_subjects(row.item)
            if not wanted:
                continue
            for year in _years(row, plan.key_stage.year_groups):
                rows.append(_finding(row, year, wanted, plan, phrases[row.block]))
    out = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    if len(out):
        out = (
            out.assign(_size=-out["estimate_pp"].abs())
            .sort_values(
                ["flagged", "usable", "_size"], ascending=[False, False, True], kind="stable"
            )
            .drop(columns="_size")
            .reset_index(drop=True)
        )
    return out


def _finding(row, year: int, wanted: tuple[str, ...], plan: Plan, phrase: str) -> dict:
    suppressed = str(getattr(row, "suppressed", "") or "")
    low = bool(getattr(row, "low_base", False))
    usable = not low and not suppressed
    est, lo, hi = float(row.estimate_pp), float(row.ci_low_pp), float(row.ci_high_pp)
    what = phrase.format(label=lower_label(row.label))
    wave = getattr(row, "wave", None)
    wave = None if wave is None or pd.isna(wave) else int(wave)
    if row.measure == "gender_gap":
        flagged = usable and (lo > 0 or hi < 0)
        lower, higher = ("girls'", "boys'") if est > 0 else ("boys'", "girls'")
        head = f"Year {year} {lower} {what} is {_points(est)} below {higher} ({_interval(lo, hi)})"
    elif row.measure == "change_waves":
        flagged = usable and hi < 0
        head = (
            f"Year {year} pupils' {what} fell {_points(est)} from wave 1 to wave 2 "
            f"({_interval(lo, hi)})"
            if est < 0
            else f"Year {year} pupils' {what} changed by {est:+.0f} points from wave 1 to "
            f"wave 2 ({_interval(lo, hi)})"
        )
    else:
        flagged = usable and hi < 0
        head = (
            f"Pupils' {what} is {_points(est)} lower in year 9 than in year 7 ({_interval(lo, hi)})"
            if est < 0
            else f"Pupils' {what} changes by {est:+.0f} points from year 7 to year 9 "
            f"({_interval(lo, hi)})"
        )
    n_events, plan_text = _plan_side(plan, year, wanted)
    if not usable:
        why = "hidden by disclosure control" if suppressed else "its base is under 30 pupils"
        text = f"{head.split(' (')[0]}: not usable, {why}."
    elif flagged:
        text = f"{head}, and {plan_text}"
    else:
        text = ""
    return {
        "measure": row.measure,
        "block": row.block,
        "item": row.item,
        "label": row.label,
        "year_group": year,
        "wave": wave,
        "subjects": ";".join(wanted),
        "estimate_pp": est,
        "ci_low_pp": lo,
        "ci_high_pp": hi,
        "usable": usable,
        "flagged": flagged,
        "plan_events": n_events,
        "finding": text,
    }


def _listed(sentences: Iterable[str], limit: int, what: str) -> str:
    """Every sentence as a list, strongest first: the first ``limit`` shown, the rest in a
    ``<details>`` a reader opens (by keyboard too), escaped."""
    sentences = list(sentences)

    def items(part):
        return "".join(f"<li>{html.escape(t)}</li>" for t in part)

    out = f"<ul>{items(sentences[:limit])}</ul>"
    rest = sentences[limit:]
    if rest:
        out += (
            f"<details class='ks3-more'><summary>Show the other {len(rest)} {what}"
            f"{'s' if len(rest) != 1 else ''}</summary><ul>{items(rest)}</ul></details>"
        )
    return out


def findings_html(result: pd.DataFrame, limit: int = 12) -> str:
    """The flagged findings (and unusable rows) as HTML lists, escaped: every one of them,
    strongest first, the first ``limit`` shown and the rest behind "Show the other …"."""
    flagged = result[result["flagged"]]
    unusable = result[~result["usable"]]
    if not len(result):
        return (
            "<p>The survey results have no row for this plan's year groups and subjects "
            "(the survey asked years 7 and 9).</p>"
        )
    parts = []
    if len(flagged):
        parts.append(_listed(flagged["finding"], limit, "finding"))
    else:
        parts.append(
            "<p>No gap or fall in the survey has an interval that excludes 0 for "
            "this plan's years and subjects.</p>"
        )
    if len(unusable):
        parts.append("<p>Not usable:</p>" + _listed(unusable["finding"], limit, "result"))
    parts.append(
        f"<p class='ks3-note'>{len(flagged)} of {len(result)} results flagged: only "
        "gaps and falls whose 95% interval excludes 0 are shown (one comparison at a "
        "time, so among many a few may be chance). Rows with a base under 30 pupils "
        "or hidden by disclosure control are not used. The survey asked years 7 and "
        "9 only.</p>"
    )
    return "".join(parts)


def school_findings_html(
    school_findings: pd.DataFrame, plan: Plan, school: str, limit: int = 12
) -> str:
    """One school's findings against the other schools, next to what the plan offers.

    ``school_findings`` is :func:`analysis.pack.findings.school_findings` of the
    school (the My school page's disclosure-controlled figures; a figure the
    page hides is never among them). Kept: the clear ones (interval
    excluding 0) of items that map onto a planner subject, for a year of the
    plan, strongest first; each says what the plan has for that year and
    subject. Every one is listed, the first ``limit`` shown and the rest behind
    "Show the other …".
    """
    sentences = []
    years = plan.key_stage.year_groups
    for r in school_findings[school_findings["clear"].astype(bool)].itertuples():
        wanted = item_subjects(r.item)
        if not wanted or r.year_group not in years:
            continue
        _, plan_text = _plan_side(plan, int(r.year_group), wanted)
        sentences.append(f"{r.sentence.removesuffix('.')}; {plan_text}")
    head = (
        f"<p><b>{html.escape(school)} against the other schools</b> (figures as on the My "
        "school page; figures it hides are not used):</p>"
    )
    if not sentences:
        return head + (
            "<p>No difference from the other schools has an interval that excludes "
            "0 for this plan's years and subjects.</p>"
        )
    return head + _listed(sentences, limit, "finding")
