"""The plan as the report's clock-face, and as a printable page.

:func:`clock_face` draws the STEM Planner's picture (*Good Timing*,
"Planning a timeline"): "a series of concentric circles, each representing a
school year … divided into school terms", as a plotly polar bar chart:

- one ring per year group, the youngest innermost, and an outer ring for
  teacher planning and professional development;
- 12 o'clock is the start of September and time runs clockwise; the three
  terms take equal thirds of the school year, split into half-terms (solid
  lines between terms, dotted between half-terms), each half-term into
  early, middle and late thirds (the faint grid); the wedge just before 12
  o'clock is the summer holiday, where the rings are labelled; the
  half-terms are named round the outside;
- an event is a bar in its ring, coloured by subject (Okabe–Ito palette); an
  event for several subjects is split across the ring's depth, one band per
  subject; several events in one stage share it side by side, and a number
  at the ring's edge says how many there are; an event "throughout" a
  half-term fills all three of its stages;
- hovering shows the title, subjects, year groups, when, kind, lead and
  partner; the event id is the first value of each bar's ``customdata`` so
  a page can select the event clicked (the layout's ``dragmode`` is
  ``"zoom"``: polar charts send click events only then); an empty stage's
  ``customdata`` is ``("", year or "teachers", stage slot)``, so a click
  there can start a new event at that place.

The figure always has the same traces, in the same order (the empty-stage
grid, one bar trace per subject, the selected event's outline, the counts,
the term lines, the half-term lines, the ring labels), so a page can update
it in place.

:func:`plan_page_html` is a self-contained HTML page of the plan (no
JavaScript) to print: the clock-face drawn as SVG (:func:`clock_face_svg`),
events by half-term and year group, the balance report, and the full list
of events.
"""

from __future__ import annotations

import html
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import plotly.graph_objects as go

from analysis.figures.style import FONT, OKABE_ITO, TEXT_COLOUR

from .balance import CSS as BALANCE_CSS
from .balance import Balance, balance, balance_html
from .model import (
    HALF_TERMS,
    STAGES_IN_HALF_TERM,
    Event,
    Plan,
    kinds,
    n_slots,
    subjects,
    terms,
    vocabulary,
)

#: Degrees of the circle left for the summer holiday, just before 12 o'clock.
HOLIDAY_DEGREES = 40.0
#: Radius of the empty centre, and the depth of one ring.
HOLE = 1.0
RING = 1.0
RING_GAP = 0.08
EMPTY_COLOUR = "#eef1f4"
TEACHERS = "Teachers"
#: Traces in the order :func:`clock_face` draws them (subjects take one each).
TRACE_ORDER = ("stages", "subjects…", "selected", "counts", "terms", "half-terms", "labels")


def subject_colours() -> dict[str, str]:
    """``{subject key: hex colour}`` from the vocabulary's Okabe–Ito names."""
    return {s["key"]: OKABE_ITO[s["colour"]] for s in vocabulary()["subjects"]}


def slot_degrees() -> float:
    """Angular width of one stage slot."""
    return (360.0 - HOLIDAY_DEGREES) / n_slots()


def slot_start(slot: int) -> float:
    """Angle (degrees clockwise from 12 o'clock) where a stage slot starts."""
    return slot * slot_degrees()


def rings(plan: Plan) -> list[tuple[str, int | None]]:
    """``(label, year group or None)`` from the centre out: years, then teachers."""
    return [(f"Year {y}", y) for y in plan.key_stage.year_groups] + [(TEACHERS, None)]


def ring_base(index: int) -> float:
    return HOLE + index * RING


def _events_by_ring_and_slot(plan: Plan) -> dict[tuple[int, int], list[Event]]:
    out: dict[tuple[int, int], list[Event]] = defaultdict(list)
    index = {y: i for i, (_, y) in enumerate(rings(plan))}
    for event in plan.events:
        years = event.year_groups if not event.for_teachers else (None,)
        for y in years:
            for slot in event.slots:
                out[(index[y], slot)].append(event)
    return out


@dataclass(frozen=True)
class Piece:
    """One event's share of one stage in one ring: where the clock-face draws it."""

    event: Event
    ring: int
    slot: int
    count: int  # events sharing the stage in this ring
    theta: float  # centre angle, degrees clockwise from 12 o'clock
    width: float  # degrees


def pieces(plan: Plan) -> list[Piece]:
    """Every event's pieces: several events in one stage share its width, in plan order."""
    width = slot_degrees()
    out = []
    for (i, slot), events in sorted(_events_by_ring_and_slot(plan).items()):
        k = len(events)
        for j, event in enumerate(events):
            out.append(
                Piece(event, i, slot, k, slot_start(slot) + (j + 0.5) * width / k, width / k)
            )
    return out


def _hover_values(event: Event, ring_label: str) -> list[str]:
    labels = subjects()
    years = (
        "Teachers"
        if event.for_teachers
        else "Year " + ", ".join(map(str, event.year_groups))
        if len(event.year_groups) == 1
        else "Years " + ", ".join(map(str, event.year_groups))
    )
    extra = " · careers-linked" if event.careers_linked else ""
    return [
        event.id,
        html.escape(event.title),
        html.escape(", ".join(labels[s] for s in event.subjects)),
        html.escape(years),
        html.escape(event.when),
        html.escape(kinds()[event.kind]) + extra,
        html.escape(event.lead or "–"),
        html.escape(event.partner or "–"),
        html.escape(ring_label),
    ]


HOVER = (
    "<b>%{customdata[1]}</b><br>%{customdata[2]}<br>%{customdata[3]}<br>"
    "%{customdata[4]}<br>%{customdata[5]}<br>Lead: %{customdata[6]}<br>"
    "Partner: %{customdata[7]}<extra></extra>"
)


def clock_face(plan: Plan, selected: str | None = None, height: int = 680) -> go.Figure:
    """The plan's clock-face (see the module notes).

    Parameters
    ----------
    plan : Plan
    selected : str, optional
        Id of an event to outline in black.
    height : int
        Pixels.
    """
    width = slot_degrees()
    colours = subject_colours()
    ring_list = rings(plan)
    n_rings = len(ring_list)
    fig = go.Figure()

    # the empty-stage grid: one pale bar per ring and stage; its customdata is
    # ("", year or "teachers", slot) so a click on an empty stage can say where
    grid_theta, grid_base, grid_data = [], [], []
    for i, (_, year) in enumerate(ring_list):
        for slot in range(n_slots()):
            grid_theta.append(slot_start(slot) + width / 2)
            grid_base.append(ring_base(i))
            grid_data.append(["", TEACHERS.lower() if year is None else year, slot])
    fig.add_trace(
        go.Barpolar(
            name="stages",
            theta=grid_theta,
            base=grid_base,
            r=[RING - RING_GAP] * len(grid_theta),
            width=[width] * len(grid_theta),
            customdata=grid_data,
            marker_color=EMPTY_COLOUR,
            marker_line_color="white",
            marker_line_width=1,
            hoverinfo="none",
            showlegend=False,
        )
    )

    # events: one trace per subject, a bar per (event, ring, stage, subject)
    bars_by_subject: dict[str, dict[str, list]] = {s: defaultdict(list) for s in subjects()}
    outline: dict[str, list] = defaultdict(list)
    counts_theta, counts_r, counts_text = [], [], []
    depth = RING - RING_GAP
    for piece in pieces(plan):
        base = ring_base(piece.ring)
        event = piece.event
        hover = _hover_values(event, ring_list[piece.ring][0])
        m = len(event.subjects)
        for q, subject in enumerate(event.subjects):
            bars = bars_by_subject[subject]
            bars["theta"].append(piece.theta)
            bars["width"].append(piece.width)
            bars["base"].append(base + q * depth / m)
            bars["r"].append(depth / m)
            bars["customdata"].append(hover)
        if event.id == selected:
            outline["theta"].append(piece.theta)
            outline["width"].append(piece.width)
            outline["base"].append(base)
            outline["r"].append(depth)
            outline["customdata"].append(hover)
        if piece.count > 1 and piece.theta < slot_start(piece.slot) + width / piece.count:
            counts_theta.append(slot_start(piece.slot) + width / 2)
            counts_r.append(base + depth + 0.001)
            counts_text.append(str(piece.count))
    labels = subjects()
    for subject, bars in bars_by_subject.items():
        fig.add_trace(
            go.Barpolar(
                name=labels[subject],
                theta=bars["theta"],
                width=bars["width"],
                base=bars["base"],
                r=bars["r"],
                customdata=bars["customdata"],
                hovertemplate=HOVER,
                marker=dict(color=colours[subject], line=dict(color="white", width=0.5)),
                legendgroup=subject,
                showlegend=True,
            )
        )
    fig.add_trace(
        go.Barpolar(
            name="selected",
            theta=outline["theta"],
            width=outline["width"],
            base=outline["base"],
            r=outline["r"],
            customdata=outline["customdata"],
            hovertemplate=HOVER,
            marker=dict(color="rgba(0,0,0,0)", line=dict(color="#000000", width=3)),
            showlegend=False,
        )
    )
    fig.add_trace(
        go.Scatterpolar(
            name="events in the stage",
            theta=counts_theta,
            r=counts_r,
            text=counts_text,
            mode="text",
            textposition="middle center",
            textfont=dict(size=10, color=TEXT_COLOUR, family=FONT),
            hoverinfo="skip",
            showlegend=False,
        )
    )

    # term lines (solid) and half-term lines (dotted), from the hole to the outer edge
    outer = ring_base(n_rings) + 0.05
    half_width = STAGES_IN_HALF_TERM * width
    term_theta, term_r, half_theta, half_r = [], [], [], []
    for h in range(len(terms()) * len(HALF_TERMS) + 1):
        into = term_theta if h % len(HALF_TERMS) == 0 else half_theta
        into_r = term_r if h % len(HALF_TERMS) == 0 else half_r
        into += [h * half_width, h * half_width, None]
        into_r += [HOLE - 0.05, outer, None]
    fig.add_trace(
        go.Scatterpolar(
            name="terms",
            theta=term_theta,
            r=term_r,
            mode="lines",
            line=dict(color="#333333", width=2),
            hoverinfo="skip",
            showlegend=False,
            connectgaps=False,
        )
    )
    fig.add_trace(
        go.Scatterpolar(
            name="half-terms",
            theta=half_theta,
            r=half_r,
            mode="lines",
            line=dict(color="#777777", width=1.2, dash="dot"),
            hoverinfo="skip",
            showlegend=False,
            connectgaps=False,
        )
    )
    # ring labels in the summer-holiday wedge
    label_theta = 360.0 - HOLIDAY_DEGREES / 2
    label_r = [ring_base(i) + (RING - RING_GAP) / 2 for i in range(n_rings)]
    fig.add_trace(
        go.Scatterpolar(
            name="labels",
            theta=[label_theta] * n_rings,
            r=label_r,
            text=[label for label, _ in ring_list],
            mode="text",
            textfont=dict(size=11, color=TEXT_COLOUR, family=FONT),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    term_names = list(terms().values())

    half_centres = [(h + 0.5) * half_width for h in range(len(terms()) * len(HALF_TERMS))]
    half_labels = [f"{t} {h}" for t in term_names for h in HALF_TERMS]
    title = plan.title or "STEM plan"
    subtitle = ", ".join(
        p for p in (plan.school, plan.key_stage.name, plan.key_stage.school_year) if p
    )
    fig.update_layout(
        title=dict(
            text=f"{html.escape(title)}<br><sup>{html.escape(subtitle)}</sup>",
            x=0.02,
            font=dict(family=FONT, size=18, color=TEXT_COLOUR),
        ),
        font=dict(family=FONT, color=TEXT_COLOUR),
        height=height,
        margin=dict(l=40, r=40, t=80, b=90),
        dragmode="zoom",
        paper_bgcolor="white",
        barmode="overlay",
        legend=dict(title=dict(text="Subject:"), orientation="h", x=0.0, y=-0.07, yanchor="top"),
        polar=dict(
            hole=0,
            bgcolor="white",
            radialaxis=dict(visible=False, range=[0, outer + 0.8]),
            angularaxis=dict(
                direction="clockwise",
                rotation=90,
                tickmode="array",
                tickvals=half_centres,
                ticktext=half_labels,
                showgrid=False,
                showline=False,
                ticks="",
                tickfont=dict(size=11, color="#555555"),
            ),
        ),
        hoverlabel=dict(bgcolor="white", font=dict(family=FONT, size=12)),
    )
    return fig


def event_ids(figure: go.Figure) -> set[str]:
    """Ids of the events drawn in a clock-face (read from the bars' ``customdata``)."""
    out = set()
    for trace in figure.data:
        if trace.type == "barpolar" and trace.customdata is not None:
            out.update(row[0] for row in trace.customdata if row[0])
    return out


# ------------------------------------------------------------- static picture


def _point(cx: float, cy: float, r: float, theta: float) -> tuple[float, float]:
    """SVG coordinates of radius ``r`` at ``theta`` degrees clockwise from 12 o'clock."""
    a = math.radians(theta)
    return cx + r * math.sin(a), cy - r * math.cos(a)


def _sector(cx, cy, r1, r2, t1, t2, fill, stroke="white") -> str:
    """An annular sector ``r1..r2`` × ``t1..t2`` (degrees) as an SVG path."""
    large = 1 if t2 - t1 > 180 else 0
    (ax, ay), (bx, by) = _point(cx, cy, r2, t1), _point(cx, cy, r2, t2)
    (qx, qy), (px, py) = _point(cx, cy, r1, t2), _point(cx, cy, r1, t1)
    return (
        f'<path d="M{ax:.2f},{ay:.2f} A{r2:.2f},{r2:.2f} 0 {large} 1 {bx:.2f},{by:.2f} '
        f'L{qx:.2f},{qy:.2f} A{r1:.2f},{r1:.2f} 0 {large} 0 {px:.2f},{py:.2f} Z" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="0.6"/>'
    )


def event_numbers(plan: Plan) -> dict[str, int]:
    """``{event id: number}``, 1 upwards in the plan's order: the clock-face's numbered key."""
    return {e.id: i for i, e in enumerate(plan.events, start=1)}


def event_key(plan: Plan) -> list[tuple[int, str]]:
    """``(number, "Title (when; years)")`` for every event: the key of the numbers drawn."""
    numbers = event_numbers(plan)
    out = []
    for e in plan.events:
        who = "teachers" if e.for_teachers else "years " + ", ".join(map(str, e.year_groups))
        out.append((numbers[e.id], f"{e.title} ({e.when}; {who})"))
    return out


def plan_heading(plan: Plan) -> str:
    """``"Bradfield STEM timeline · Bradfield School · Key Stage 3 · 2010/11"``."""
    return " · ".join(
        p
        for p in (
            plan.title or "STEM plan",
            plan.school,
            plan.key_stage.name,
            plan.key_stage.school_year,
        )
        if p
    )


def clock_face_svg(plan: Plan, size: int = 560) -> str:
    """The clock-face as a standalone SVG (no JavaScript), to download or print.

    The same geometry as :func:`clock_face`: rings, stages, pieces, term and
    half-term lines, ring labels in the summer-holiday wedge, half-term names
    outside. It stands alone: a title (the plan's title, school, key stage and
    school year) above, each event's number on its first piece in each ring,
    and below a key of subjects and the numbered list of events
    (:func:`event_key`), so it reads without hovering; no event is selected.
    """
    ring_list = rings(plan)
    outer = ring_base(len(ring_list))
    scale = (size / 2 - 50) / outer
    cx = cy = size / 2
    width = slot_degrees()
    depth = RING - RING_GAP
    parts = []
    for i in range(len(ring_list)):
        for slot in range(n_slots()):
            parts.append(
                _sector(
                    cx,
                    cy,
                    ring_base(i) * scale,
                    (ring_base(i) + depth) * scale,
                    slot_start(slot),
                    slot_start(slot) + width,
                    EMPTY_COLOUR,
                )
            )
    colours = subject_colours()
    numbers, numbered, labels = event_numbers(plan), set(), []
    for piece in pieces(plan):
        m = len(piece.event.subjects)
        for q, subject in enumerate(piece.event.subjects):
            r1 = ring_base(piece.ring) + q * depth / m
            parts.append(
                _sector(
                    cx,
                    cy,
                    r1 * scale,
                    (r1 + depth / m) * scale,
                    piece.theta - piece.width / 2,
                    piece.theta + piece.width / 2,
                    colours[subject],
                )
            )
        if (piece.event.id, piece.ring) not in numbered:  # one number an event and ring
            numbered.add((piece.event.id, piece.ring))
            x, y = _point(cx, cy, (ring_base(piece.ring) + depth / 2) * scale, piece.theta)
            labels.append(
                f'<text x="{x:.1f}" y="{y + 3.5:.1f}" font-size="10" '
                f'font-weight="bold" font-family="Helvetica, Arial, sans-serif" '
                f'text-anchor="middle" stroke="white" stroke-width="2.5" '
                f'paint-order="stroke">{numbers[piece.event.id]}</text>'
            )
    half_width = STAGES_IN_HALF_TERM * width
    for h in range(len(terms()) * len(HALF_TERMS) + 1):
        (x1, y1), (x2, y2) = (
            _point(cx, cy, (HOLE - 0.05) * scale, h * half_width),
            _point(cx, cy, (outer + 0.05) * scale, h * half_width),
        )
        style = (
            'stroke="#333" stroke-width="2"'
            if h % len(HALF_TERMS) == 0
            else 'stroke="#777" stroke-width="1.2" stroke-dasharray="3,3"'
        )
        parts.append(f'<line x1="{x1:.2f}" y1="{y1:.2f}" x2="{x2:.2f}" y2="{y2:.2f}" {style}/>')
    text = 'font-family="Helvetica, Arial, sans-serif" text-anchor="middle"'
    for i, (label, _) in enumerate(ring_list):
        x, y = _point(cx, cy, (ring_base(i) + depth / 2) * scale, 360 - HOLIDAY_DEGREES / 2)
        parts.append(
            f'<text x="{x:.1f}" y="{y + 4:.1f}" font-size="10" {text}>{html.escape(label)}</text>'
        )
    names = [f"{t} {h}" for t in terms().values() for h in HALF_TERMS]
    for h, name in enumerate(names):
        x, y = _point(cx, cy, (outer + 0.35) * scale, (h + 0.5) * half_width)
        parts.append(
            f'<text x="{x:.1f}" y="{y + 4:.1f}" font-size="11" fill="#555" {text}>'
            f"{html.escape(name)}</text>"
        )
    font = 'font-family="Helvetica, Arial, sans-serif"'
    key, x = [], 10.0
    for subject, label in subjects().items():
        key.append(
            f'<rect x="{x:.0f}" y="{size + 8}" width="11" height="11" '
            f'fill="{colours[subject]}"/><text x="{x + 15:.0f}" y="{size + 18}" '
            f'font-size="11" {font}>{html.escape(label)}</text>'
        )
        x += 22 + 6.2 * len(label)
    width = x
    y = size + 42
    for number, text in event_key(plan):
        line = f"{number}. {text}"
        key.append(f'<text x="10" y="{y}" font-size="11" {font}>{html.escape(line)}</text>')
        width = max(width, 20 + 6.2 * len(line))
        y += 15
    heading = plan_heading(plan)
    title = (
        f"<title>Clock-face of {html.escape(heading)}</title>"
        f'<text x="10" y="24" font-size="16" font-weight="bold" {font}>'
        f"{html.escape(heading)}</text>"
    )
    top = 36  # room for the title; the drawing keeps its own coordinates below it
    width, height = max(size, width), y + top
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height}" '
        f'viewBox="0 0 {width:.0f} {height}" role="img" '
        f'aria-label="Clock-face of {html.escape(heading)}">'
        f'<rect x="0" y="0" width="{width:.0f}" height="{height}" fill="white"/>{title}'
        f'<g transform="translate(0,{top})">{"".join(parts)}{"".join(labels)}'
        f"{''.join(key)}</g></svg>"
    )


# ------------------------------------------------------------- printable page

PAGE_CSS = (
    """
body { font-family: Helvetica, Arial, sans-serif; color: #222; margin: 1.5cm; font-size: 11pt; }
h1 { font-size: 18pt; margin: 0 0 0.2em 0; } h2 { font-size: 13pt; margin: 1.2em 0 0.3em 0; }
table.plan { border-collapse: collapse; width: 100%; }
table.plan td, table.plan th { border: 1px solid #999; padding: 0.25em 0.4em; vertical-align: top;
  font-size: 9.5pt; text-align: left; }
.subject { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px;
  margin-right: 0.25em; vertical-align: middle; }
.careers { font-weight: bold; }
@media print { body { margin: 0.8cm; } h2 { page-break-after: avoid; } }
"""
    + BALANCE_CSS
)


def _swatches(event: Event) -> str:
    colours = subject_colours()
    return "".join(
        f'<span class="subject" style="background:{colours[s]}"></span>' for s in event.subjects
    )


def _cell(events: list[Event]) -> str:
    parts = []
    for e in events:
        stage = "" if e.stage == "middle" else f" ({e.stage})"
        css = ' class="careers"' if e.careers_linked else ""
        parts.append(f"<div{css}>{_swatches(e)}{html.escape(e.title)}{html.escape(stage)}</div>")
    return "".join(parts)


def plan_page_html(plan: Plan, report: Balance | None = None) -> str:
    """A printable HTML page of the plan: grid by half-term, balance, list of events."""
    report = balance(plan) if report is None else report
    labels = subjects()
    ring_list = rings(plan)
    head = "".join(f"<th>{html.escape(label)}</th>" for label, _ in ring_list)
    body = ""
    for term, term_label in terms().items():
        for half in HALF_TERMS:
            cells = ""
            for _, year in ring_list:
                chosen = [
                    e
                    for e in plan.events
                    if e.term == term
                    and e.half_term == half
                    and ((year is None and e.for_teachers) or year in e.year_groups)
                ]
                cells += f"<td>{_cell(chosen)}</td>"
            body += f"<tr><th>{html.escape(term_label)} {half}</th>{cells}</tr>"
    key = " ".join(
        f'<span class="subject" style="background:{c}"></span>{html.escape(labels[s])}'
        for s, c in subject_colours().items()
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(v))}</td>"
            for v in (
                e.title,
                ", ".join(labels[s] for s in e.subjects),
                "teachers" if e.for_teachers else ", ".join(map(str, e.year_groups)),
                e.when,
                kinds()[e.kind],
                "yes" if e.careers_linked else "",
                e.lead,
                e.partner,
                e.notes,
            )
        )
        + "</tr>"
        for e in plan.events
    )
    columns = "".join(
        f"<th>{c}</th>"
        for c in (
            "Title",
            "Subjects",
            "Years",
            "When",
            "Kind",
            "Careers",
            "Lead",
            "Partner",
            "Notes",
        )
    )
    subtitle = " · ".join(
        html.escape(p) for p in (plan.school, plan.key_stage.name, plan.key_stage.school_year) if p
    )
    notes = f"<p>{html.escape(plan.notes)}</p>" if plan.notes else ""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(plan.title or 'STEM plan')}</title><style>{PAGE_CSS}</style>"
        f"</head><body><h1>{html.escape(plan.title or 'STEM plan')}</h1><p>{subtitle}</p>"
        f"{notes}<h2>Clock-face</h2>{clock_face_svg(plan)}"
        f"<h2>Events by half-term</h2><p>{key} · <b>bold</b>: careers-linked</p>"
        f'<table class="plan"><tr><th></th>{head}</tr>{body}</table>'
        f"<h2>Balance</h2>{balance_html(report, plan)}"
        f'<h2>All events</h2><table class="plan"><tr>{columns}</tr>{rows}</table>'
        f'<p style="color:#777;font-size:8pt">Printed from the STEM Planner on '
        f"{date.today():%d %B %Y}.</p></body></html>"
    )
