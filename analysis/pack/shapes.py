"""The plan's clock-face and the review's hexagon as plain polygons.

Slides draw them as native PowerPoint shapes (a teacher can recolour or move
any part) and the printable report as SVG; both read the polygons made here,
so the two pictures are the same. Coordinates are in a unit square
``[0, 1] × [0, 1]`` with ``y`` downwards; the caller scales them.

Clock-face: the geometry of :mod:`analysis.planner.figure` (rings, stage
slots, the summer-holiday wedge), each event a piece of its ring coloured by
subject, and a **number** at each event's first piece; the key lists the
numbers with the events' names (:func:`analysis.planner.figure.event_key`), so
the picture reads without hovering.

Hexagon: one segment per theme, filled outwards by its share of actions in
place, then in progress, then planned (:data:`analysis.manager.figure.STATUS_STYLE`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from analysis.planner import figure as plan_figure
from analysis.planner.figure import event_numbers
from analysis.planner.model import HALF_TERMS, Plan, n_slots, subjects, terms

#: Points per degree of arc when a curve is drawn as straight segments.
ARC_STEP_DEGREES = 3.0


@dataclass(frozen=True)
class Polygon:
    """A filled shape: ``points`` in the unit square, its fill and outline colours."""

    points: tuple[tuple[float, float], ...]
    fill: str
    line: str = "#ffffff"
    name: str = ""


@dataclass(frozen=True)
class Label:
    """A text at ``(x, y)`` (its centre) in the unit square; ``size`` in points at full size."""

    x: float
    y: float
    text: str
    size: float = 10.0
    colour: str = "#222222"
    bold: bool = False


def _point(r: float, theta: float) -> tuple[float, float]:
    a = math.radians(theta)
    return 0.5 + r * math.sin(a), 0.5 - r * math.cos(a)


def sector(r1: float, r2: float, t1: float, t2: float) -> tuple[tuple[float, float], ...]:
    """An annular sector (radii in the unit square, degrees clockwise from 12 o'clock)."""
    steps = max(2, math.ceil((t2 - t1) / ARC_STEP_DEGREES))
    outer = [_point(r2, t1 + (t2 - t1) * k / steps) for k in range(steps + 1)]
    inner = [_point(r1, t2 - (t2 - t1) * k / steps) for k in range(steps + 1)]
    return tuple(outer + inner)


def clock_face(plan: Plan) -> tuple[list[Polygon], list[Label], list[tuple]]:
    """The clock-face as polygons, labels and lines ``((x1, y1), (x2, y2), colour, width)``."""
    ring_list = plan_figure.rings(plan)
    outer = plan_figure.ring_base(len(ring_list))
    scale = 0.40 / outer  # leaves room for the half-term names outside
    width = plan_figure.slot_degrees()
    depth = plan_figure.RING - plan_figure.RING_GAP
    polygons, labels, lines = [], [], []
    for i in range(len(ring_list)):
        r1 = plan_figure.ring_base(i) * scale
        for slot in range(n_slots()):
            polygons.append(
                Polygon(
                    sector(
                        r1,
                        r1 + depth * scale,
                        plan_figure.slot_start(slot),
                        plan_figure.slot_start(slot) + width,
                    ),
                    plan_figure.EMPTY_COLOUR,
                    name="empty stage",
                )
            )
    colours = plan_figure.subject_colours()
    numbers = event_numbers(plan)
    numbered: set[tuple[str, int]] = set()
    for piece in plan_figure.pieces(plan):
        m = len(piece.event.subjects)
        for q, subject in enumerate(piece.event.subjects):
            r1 = (plan_figure.ring_base(piece.ring) + q * depth / m) * scale
            polygons.append(
                Polygon(
                    sector(
                        r1,
                        r1 + depth / m * scale,
                        piece.theta - piece.width / 2,
                        piece.theta + piece.width / 2,
                    ),
                    colours[subject],
                    name=f"{piece.event.title} ({subjects()[subject]})",
                )
            )
        key = (piece.event.id, piece.ring)
        if key not in numbered:  # one number per event and ring, at its first piece
            numbered.add(key)
            x, y = _point((plan_figure.ring_base(piece.ring) + depth / 2) * scale, piece.theta)
            labels.append(Label(x, y, str(numbers[piece.event.id]), size=8, bold=True))
    half_width = plan_figure.STAGES_IN_HALF_TERM * width
    for h in range(len(terms()) * len(HALF_TERMS) + 1):
        term_line = h % len(HALF_TERMS) == 0
        lines.append(
            (
                _point((plan_figure.HOLE - 0.05) * scale, h * half_width),
                _point((outer + 0.05) * scale, h * half_width),
                "#333333" if term_line else "#888888",
                1.5 if term_line else 0.75,
            )
        )
    for i, (label, _) in enumerate(ring_list):
        x, y = _point(
            (plan_figure.ring_base(i) + depth / 2) * scale, 360 - plan_figure.HOLIDAY_DEGREES / 2
        )
        labels.append(Label(x, y, label, size=8))
    names = [f"{t} {h}" for t in terms().values() for h in HALF_TERMS]
    for h, name in enumerate(names):
        x, y = _point((outer + 0.45) * scale, (h + 0.5) * half_width)
        labels.append(Label(x, y, name, size=9, colour="#555555"))
    return polygons, labels, lines


def hexagon(score, framework) -> tuple[list[Polygon], list[Label]]:
    """The review's hexagon: per theme, stacked status bands from the centre outwards."""
    from analysis.manager.figure import OUTLINE, STATUS_STYLE

    themes = score.themes.set_index("id").loc[[t.id for t in framework.themes]]
    n = len(themes)
    radius = 0.36

    def corner(k: int, r: float) -> tuple[float, float]:
        return _point(r, 360 * k / n - 180 / n)

    polygons, labels = [], []
    for k, (_, theme) in enumerate(themes.iterrows()):
        start = 0.0
        for status in ("in_place", "in_progress", "planned", "not_started"):
            share = theme[status] / theme["actions"] if theme["actions"] else 0.0
            if share <= 0:
                continue
            end = start + share
            polygons.append(
                Polygon(
                    (
                        corner(k, start * radius),
                        corner(k, end * radius),
                        corner(k + 1, end * radius),
                        corner(k + 1, start * radius),
                    ),
                    STATUS_STYLE[status]["color"],
                    OUTLINE,
                    f"{theme['title']}: {status}",
                )
            )
            start = end
        x, y = _point(radius + 0.08, 360 * k / n)
        labels.append(Label(x, y, f"{theme['title']}\n{theme['score']:.0%} in place", size=10))
    return polygons, labels


def svg(
    polygons: list[Polygon],
    labels: list[Label],
    lines: list[tuple] = (),
    size: int = 520,
    title: str = "",
) -> str:
    """Polygons, lines and labels as an SVG picture ``size`` pixels square, with a title."""
    import html

    def pts(points):
        return " ".join(f"{x * size:.1f},{y * size:.1f}" for x, y in points)

    parts = [f"<title>{html.escape(title)}</title>"] if title else []
    parts += [
        f'<polygon points="{pts(p.points)}" fill="{p.fill}" stroke="{p.line}" stroke-width="0.6"/>'
        for p in polygons
    ]
    parts += [
        f'<line x1="{a[0] * size:.1f}" y1="{a[1] * size:.1f}" x2="{b[0] * size:.1f}" '
        f'y2="{b[1] * size:.1f}" stroke="{c}" stroke-width="{w}"/>'
        for a, b, c, w in lines
    ]
    for lab in labels:
        rows = lab.text.split("\n")
        spans = "".join(
            f'<tspan x="{lab.x * size:.1f}" dy="{0 if i == 0 else 1.2}em">{html.escape(t)}</tspan>'
            for i, t in enumerate(rows)
        )
        weight = ' font-weight="bold"' if lab.bold else ""
        parts.append(
            f'<text x="{lab.x * size:.1f}" y="{lab.y * size + lab.size / 3:.1f}" '
            f'font-size="{lab.size}" fill="{lab.colour}" text-anchor="middle" '
            f'font-family="Helvetica, Arial, sans-serif"{weight}>{spans}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" role="img" aria-label="{html.escape(title)}">'
        f"{''.join(parts)}</svg>"
    )
