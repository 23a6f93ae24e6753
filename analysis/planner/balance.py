"""How balanced a plan is: which subjects reach which years when, and the gaps.

The report's planner exists to show "how and when the focus of its STEM
activity is taking place, ensuring a balanced and continual programme"
(*Good Timing*, "Planning a timeline"); Framwellgate found "much of the
activity centred around particular year groups and at specific times of the
year". :func:`balance` measures that for a plan's **pupil** events (teacher
planning and CPD are counted apart):

coverage
    events for each subject × year group × term (an event for two subjects
    or two years counts in each cell it reaches); ``empty_cells`` lists the
    cells with none.
longest gap
    per year group, the longest run of consecutive stages (the 18 early /
    middle / late thirds of the six half-terms) with no event for that year,
    and the longest run of whole half-terms with none. Runs are counted within
    one school year, September to July, **without wrapping** from summer to
    the next autumn: by then the pupils are in the next year group.
evenness
    per year group (and for all pupil events), how evenly the events spread
    over the 18 stages: the Shannon entropy of the share of events in each
    stage divided by its largest possible value, ``log 18``
    (Pielou's evenness). 1 means every stage has the same amount of activity;
    0 means everything happens in one stage. An event "throughout" a
    half-term counts a third in each of its three stages. In plain words,
    0.5 is about as even as spreading the events equally over
    ``18**0.5 ≈ 4`` stages.
careers
    how many pupil events, and what share, are linked to careers.

``warnings`` says in plain words what a STEM lead may want to change; the
thresholds are module constants.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .model import STAGES_IN_HALF_TERM, Plan, lower_label, n_slots, slot_name, subjects, terms

#: A year group with no event for this many stages in a row (a whole term) is warned about.
GAP_WARNING_STAGES = 2 * STAGES_IN_HALF_TERM
#: Evenness below this is warned about (activity bunched into a few stages).
EVENNESS_WARNING = 0.5
#: A share of careers-linked pupil events below this is warned about.
CAREERS_WARNING = 1 / 3


@dataclass(frozen=True)
class Gap:
    """The longest run of stages with no event for one year group."""

    stages: int
    first: int | None  # first empty stage slot of the run (0 = autumn 1, early)
    last: int | None

    @property
    def where(self) -> str:
        if self.first is None:
            return "none"
        if self.first == self.last:
            return slot_name(self.first)
        return f"{slot_name(self.first)} to {slot_name(self.last)}"


@dataclass(frozen=True)
class Finding:
    """One warning of the balance report, with what it is about.

    ``key``: ``plan.year_without_events``, ``plan.long_gap``,
    ``plan.subject_missing``, ``plan.bunched``, ``plan.few_careers_links`` or
    ``plan.no_cpd``; ``year_group`` and ``subjects`` when it has them.
    """

    key: str
    text: str
    year_group: int | None = None
    subjects: tuple[str, ...] = ()


@dataclass(frozen=True)
class Balance:
    """What :func:`balance` finds; see the module notes for each measure.

    Attributes
    ----------
    coverage : DataFrame
        ``subject``, ``subject_label``, ``year_group``, ``term``, ``events``:
        every cell of subject × year group × term, zeros included.
    empty_cells : DataFrame
        The rows of ``coverage`` with no event.
    by_year : DataFrame
        One row per year group: ``events``, ``longest_gap_stages``,
        ``gap_from``, ``gap_to`` (stage names), ``longest_gap_half_terms``,
        ``evenness``.
    evenness : float
        Over all pupil events (NaN when there are none).
    pupil_events, teacher_events, careers_events : int
    careers_share : float
        ``careers_events / pupil_events`` (NaN when there are no pupil events).
    warnings : list of str
        The findings' sentences.
    findings : list of Finding
        Each warning with what it is about (read by the STEM Manager).
    """

    coverage: pd.DataFrame
    empty_cells: pd.DataFrame
    by_year: pd.DataFrame
    evenness: float
    pupil_events: int
    teacher_events: int
    careers_events: int
    careers_share: float
    warnings: list[str] = field(default_factory=list)
    findings: list["Finding"] = field(default_factory=list)


def slot_weights(plan: Plan, year_group: int | None = None) -> np.ndarray:
    """Events per stage slot (18): each event counts 1 in all, split over its stages.

    ``year_group`` keeps only events for that year; ``None`` takes every pupil event.
    """
    weights = np.zeros(n_slots())
    for event in plan.pupil_events:
        if year_group is None or year_group in event.year_groups:
            for slot in event.slots:
                weights[slot] += 1 / len(event.slots)
    return weights


def evenness(weights: np.ndarray) -> float:
    """Pielou's evenness of ``weights`` over their slots: ``H / log(k)``, NaN if all zero.

    ``H = -Σ p_i log p_i`` with ``p_i = w_i / Σ w`` (0 log 0 = 0), ``k`` the
    number of slots.
    """
    total = weights.sum()
    if total <= 0:
        return math.nan
    p = weights[weights > 0] / total
    return max(0.0, float(-(p * np.log(p)).sum() / math.log(len(weights))))  # never -0.0


def longest_empty_run(occupied: np.ndarray) -> tuple[int, int | None, int | None]:
    """Longest run of ``False`` in ``occupied`` (no wrapping): ``(length, first, last)``.

    The earliest run wins a tie; ``(0, None, None)`` when every slot is occupied.
    """
    best, best_first, run, first = 0, None, 0, None
    for i, busy in enumerate(occupied):
        if busy:
            run = 0
            continue
        if run == 0:
            first = i
        run += 1
        if run > best:
            best, best_first = run, first
    if best == 0:
        return 0, None, None
    return best, best_first, best_first + best - 1


def coverage(plan: Plan) -> pd.DataFrame:
    """Events per subject × year group × term, every cell (zeros included)."""
    labels = subjects()
    counts = {(s, y, t): 0 for s in labels for y in plan.key_stage.year_groups for t in terms()}
    for event in plan.pupil_events:
        for s in event.subjects:
            for y in event.year_groups:
                counts[(s, y, event.term)] += 1
    rows = [
        {"subject": s, "subject_label": labels[s], "year_group": y, "term": t, "events": n}
        for (s, y, t), n in counts.items()
    ]
    return pd.DataFrame(rows, columns=["subject", "subject_label", "year_group", "term", "events"])


def balance(plan: Plan) -> Balance:
    """Measure a plan's balance (see the module notes)."""
    cover = coverage(plan)
    rows, findings = [], []
    half_slots = STAGES_IN_HALF_TERM
    for year in plan.key_stage.year_groups:
        weights = slot_weights(plan, year)
        occupied = weights > 0
        length, first, last = longest_empty_run(occupied)
        halves = occupied.reshape(-1, half_slots).any(axis=1)
        gap = Gap(length, first, last)
        n_events = sum(1 for e in plan.pupil_events if year in e.year_groups)
        rows.append(
            {
                "year_group": year,
                "events": n_events,
                "longest_gap_stages": length,
                "gap_from": slot_name(first) if first is not None else "",
                "gap_to": slot_name(last) if last is not None else "",
                "longest_gap_half_terms": longest_empty_run(halves)[0],
                "evenness": evenness(weights),
            }
        )
        if n_events == 0:
            findings.append(
                Finding(
                    "plan.year_without_events", f"Year {year} has no STEM event all year.", year
                )
            )
            continue
        if length >= GAP_WARNING_STAGES:
            findings.append(
                Finding(
                    "plan.long_gap",
                    f"Year {year} has no STEM event for {length} stages in a row "
                    f"(about {length / half_slots:.1f} half-terms): {gap.where}.",
                    year,
                )
            )
        missing = [
            s
            for s in subjects()
            if s != "stem"
            and not cover[(cover["subject"] == s) & (cover["year_group"] == year)]["events"].sum()
        ]
        if missing:
            findings.append(
                Finding(
                    "plan.subject_missing",
                    f"Year {year} has no {_join([subjects()[s] for s in missing])} event all year.",
                    year,
                    tuple(missing),
                )
            )
        even = rows[-1]["evenness"]
        if even < EVENNESS_WARNING:
            findings.append(
                Finding(
                    "plan.bunched",
                    f"Year {year}'s events are bunched into a few stages of the "
                    f"year (evenness {even:.2f}; 1 would be spread evenly).",
                    year,
                )
            )
    by_year = pd.DataFrame(
        rows,
        columns=[
            "year_group",
            "events",
            "longest_gap_stages",
            "gap_from",
            "gap_to",
            "longest_gap_half_terms",
            "evenness",
        ],
    )
    pupil = plan.pupil_events
    careers = sum(1 for e in pupil if e.careers_linked)
    share = careers / len(pupil) if pupil else math.nan
    if pupil and share < CAREERS_WARNING:
        findings.append(
            Finding(
                "plan.few_careers_links",
                f"Only {careers} of {len(pupil)} pupil events "
                f"({share:.0%}) are linked to careers; the report asks for careers awareness "
                "woven through STEM activity.",
            )
        )
    if not plan.teacher_events:
        findings.append(Finding("plan.no_cpd", "The plan has no teacher planning or CPD event."))
    return Balance(
        coverage=cover,
        empty_cells=cover[cover["events"] == 0].reset_index(drop=True),
        by_year=by_year,
        evenness=evenness(slot_weights(plan)),
        pupil_events=len(pupil),
        teacher_events=len(plan.teacher_events),
        careers_events=careers,
        careers_share=share,
        warnings=[f.text for f in findings],
        findings=findings,
    )


def _join(words: list[str]) -> str:
    words = [lower_label(w) for w in words]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _number(value: float, digits: int = 2) -> str:
    return "–" if value != value else f"{value:.{digits}f}"


def balance_html(report: Balance, plan: Plan) -> str:
    """The balance report as an HTML fragment (escaped): summary, warnings, coverage grid."""
    parts = [
        f"<p><b>{report.pupil_events}</b> pupil events, <b>{report.teacher_events}</b> "
        f"teacher planning / CPD; <b>{report.careers_events}</b> linked to careers"
        + (f" ({report.careers_share:.0%})" if report.pupil_events else "")
        + f". Evenness over the year: <b>{_number(report.evenness)}</b> "
        "(1 = spread evenly over the 18 stages, 0 = all in one).</p>"
    ]
    if report.warnings:
        items = "".join(f"<li>{html.escape(w)}</li>" for w in report.warnings)
        parts.append(f'<ul class="ks3-planner-warnings">{items}</ul>')
    else:
        parts.append(
            "<p>No warnings: every year group has events in every subject, "
            "no long gaps, and careers links throughout.</p>"
        )
    head = "".join(f"<th>Year {y}</th>" for y in plan.key_stage.year_groups)
    rows = (
        "<tr><td>Longest gap (stages)</td>"
        + "".join(f"<td>{r.longest_gap_stages}</td>" for r in report.by_year.itertuples())
        + "</tr>"
    )
    rows += (
        "<tr><td>Evenness</td>"
        + "".join(f"<td>{_number(r.evenness)}</td>" for r in report.by_year.itertuples())
        + "</tr>"
    )
    parts.append(f'<table class="ks3-planner-table"><tr><th>Measure</th>{head}</tr>{rows}</table>')
    grid = report.coverage.pivot_table(
        index="subject_label",
        columns=["year_group", "term"],
        values="events",
        aggfunc="sum",
        sort=False,
    )
    term_names = terms()
    head1 = "".join(
        f'<th colspan="{len(term_names)}">Year {y}</th>' for y in plan.key_stage.year_groups
    )
    head2 = "".join(
        f"<th>{term_names[t][:3]}</th>" for _ in plan.key_stage.year_groups for t in term_names
    )
    body = ""
    for label, values in grid.iterrows():
        cells = "".join(
            f'<td class="{"empty" if v == 0 else "full"}">{int(v) or ""}</td>' for v in values
        )
        body += f"<tr><td>{html.escape(str(label))}</td>{cells}</tr>"
    parts.append(
        '<p class="ks3-note">Events per subject, year group and term '
        "(empty cells shaded):</p>"
        f'<table class="ks3-planner-grid"><tr><th rowspan="2">Subject</th>{head1}</tr>'
        f"<tr>{head2}</tr>{body}</table>"
    )
    return "".join(parts)


#: Styles for :func:`balance_html` (the page adds them once).
CSS = """
.ks3-planner-table, .ks3-planner-grid { border-collapse: collapse; margin: 0.3em 0; }
.ks3-planner-table td, .ks3-planner-table th, .ks3-planner-grid td, .ks3-planner-grid th {
  border: 1px solid #ccd; padding: 0.1em 0.45em; text-align: center; font-size: 0.9em; }
.ks3-planner-grid td.empty { background: #f3e1d6; }
.ks3-planner-grid td:first-child, .ks3-planner-table td:first-child { text-align: left; }
.ks3-planner-warnings li { color: #8a3600; }
"""
