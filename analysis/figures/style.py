"""The look of every chart: the palette, the font, the groups' colours and labels.

Change a colour or the font here and it changes on every page, in every
download and on the static site (:mod:`analysis.figures`).

Colours come from the Okabe–Ito palette, which stays distinguishable for the
common forms of colour blindness (Okabe & Ito 2008, *Color Universal Design*,
https://jfly.uni-koeln.de/color/).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import schema

#: Okabe–Ito palette (black left out: it is kept for text).
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

# The one palette of every chart (share, comparison, school, Planner and Manager
# figures): colours of the Okabe–Ito palette, and greys and black
# for what is not a group.

#: One colour per year group, the same on every chart.
YEAR_GROUP_COLOURS: dict[int, str] = {7: OKABE_ITO["orange"], 9: OKABE_ITO["blue"]}
#: One colour per wave, the same on every chart; never a year group's colour.
WAVE_COLOURS: dict[int, str] = {1: OKABE_ITO["sky_blue"], 2: OKABE_ITO["vermillion"]}
#: One colour per group value, for every group a chart can compare. Year groups
#: and waves never share a colour; the rarer comparisons (gender, ethnicity)
#: reuse colours of the palette: they never share a chart with a year-group or
#: wave comparison.
GROUP_COLOURS: dict[str, dict[object, str]] = {
    "year_group": YEAR_GROUP_COLOURS,
    "wave": WAVE_COLOURS,
    "gender": {
        "girl": OKABE_ITO["reddish_purple"],
        "boy": OKABE_ITO["bluish_green"],
        "other": "#777777",
    },
    "ethnicity": {"white_british": "#000000", "other_ethnic_group": OKABE_ITO["sky_blue"]},
}
#: A chart with no comparison (one group: every pupil chosen).
SINGLE_COLOUR = OKABE_ITO["blue"]
#: The four answers of an agreement item, code -> colour: disagreeing warm,
#: agreeing blue, the stronger answer darker.
AGREEMENT_COLOURS: dict[int, str] = {
    1: OKABE_ITO["vermillion"],
    2: OKABE_ITO["orange"],
    3: OKABE_ITO["sky_blue"],
    4: OKABE_ITO["blue"],
}
#: A school against the other schools (My school), keyed by
#: :data:`analysis.disclosure.THIS_SCHOOL` / ``OTHER_SCHOOLS``' values.
SCHOOL_COLOURS: dict[str, str] = {
    "this school": OKABE_ITO["vermillion"],
    "other schools": OKABE_ITO["sky_blue"],
}
#: A gap's or change's dot and interval (near black: the palette is kept for groups).
ESTIMATE_COLOUR = "#222222"
#: The zero line, the line joining a pair, hidden-figure symbols.
ZERO_COLOUR = "#444444"
JOIN_COLOUR = "#b0b0b0"
HIDDEN_COLOUR = "#555555"

FONT = "Helvetica Neue, Helvetica, Arial, sans-serif"
TEXT_COLOUR = "#222222"
#: Marker symbols in the order the groups come (first, second, …), so a chart reads
#: without colour too.
SYMBOLS = ("circle", "diamond", "square", "triangle-up")


# --------------------------------------------------------------------------- groups


def group_levels(table: pd.DataFrame, compare: str | None) -> list[tuple[object, str]]:
    """The groups of ``compare`` present in ``table``, in the survey's order, with labels.

    ``compare`` None: one group, ``(None, "All pupils chosen")``. Gender
    ``"other"`` is left out: too small a group to compare (as in the filters).
    """
    if compare is None:
        return [(None, "All pupils chosen")]
    present = set(table[compare].dropna().astype(object)) if compare in table else set()
    values = schema.groups()[compare].values if compare in schema.groups() else {}
    ordered = [v for v in values if v in present]
    ordered += sorted((v for v in present if v not in values), key=str)
    return [
        (v, group_label(compare, v)) for v in ordered if not (compare == "gender" and v == "other")
    ]


def group_label(compare: str | None, value) -> str:
    """``"Year 7"``, ``"Wave 1 (2008)"``, ``"Girls"``, ``"White British"``."""
    if compare is None:
        return "All pupils chosen"
    if compare == "school_id":
        return f"School {value}"
    return str(schema.groups()[compare].values.get(value, value))


def group_colour(compare: str | None, value, position: int = 0) -> str:
    """The group's colour (:data:`GROUP_COLOURS`); palette order for an unknown value."""
    if compare is None:
        return SINGLE_COLOUR
    known = GROUP_COLOURS.get(compare, {})
    if value in known:
        return known[value]
    spare = [c for c in OKABE_ITO.values() if c != OKABE_ITO["yellow"]]
    return spare[position % len(spare)]


def short_level(column: str, value) -> str:
    """A group value in a few words: ``"year 7"``, ``"wave 1 (2008)"``."""
    label = schema.groups()[column].values.get(value, str(value))
    return label[:1].lower() + label[1:]


def short_year(column: str, value) -> str:
    """``"year 7"`` for a year group, ``"2008"`` for a wave (its year, in brackets in its label)."""
    label = short_level(column, value)
    if column == "wave" and "(" in label:
        return label[label.index("(") + 1 : label.index(")")]
    return label


def tint(colour: str, alpha: float = 0.5) -> str:
    """``#RRGGBB`` as ``rgba(r, g, b, alpha)``."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def plain(value):
    """A group code as JSON takes it (numpy ints become ints)."""
    if value is None:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    return value.item() if hasattr(value, "item") else value


# --------------------------------------------------------------------------- building


class Draft:
    """Traces and layout gathered as plain dicts, made into a figure once.

    Building plotly objects property by property validates every one; a
    figure made once from dicts with ``_validate=False`` takes a fraction of
    the time (the dicts here are written against plotly's schema, and the
    tests read the figures back)."""

    def __init__(self):
        self.traces: list[dict] = []
        self.layout: dict = {}

    def add_trace(self, trace: dict) -> None:
        self.traces.append(trace)

    def update_layout(self, **layout) -> None:
        self.layout.update(layout)

    def figure(self) -> go.Figure:
        return go.Figure(data=self.traces, layout=self.layout, _validate=False)
