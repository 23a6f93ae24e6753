"""The STEM Manager's hexagon: six themes (or however many a framework has), each a
segment filled by its score.

The report draws the STEM Manager's themes "set out in a hexagon" (*Good
Timing*, figures 4 and 5). Here each theme is one segment of a polar chart
with straight edges (``gridshape="linear"``, so six themes make a hexagon),
filled from the centre outwards by its share of actions: *in place* first
(the score, solid blue), then *in progress* (sky blue, hatched) and *planned*
(pale, dotted); what is left of the segment is *not started*. Colours are the
Okabe–Ito palette of :mod:`analysis.figures` and every status has its own
pattern too, so nothing rests on colour alone. Each segment's label says its
score in words.

The radius of a segment's fill is the share (25% of the way out is 25% of
its actions); the table beside the figure (:func:`hexagon_table`) gives the
counts.

Every bar carries the theme's id as ``customdata``, so a page can open the
theme a person clicks (plotly polar charts send clicks only with ``dragmode``
``"zoom"``, which the layout sets).
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from analysis.figures.style import FONT, OKABE_ITO, TEXT_COLOUR

from .framework import Framework
from .review import STATUSES, Scores

#: Fill of each status, from the centre outwards; "not started" is what is left.
STATUS_STYLE: dict[str, dict] = {
    "in_place": {"color": OKABE_ITO["blue"], "pattern": ""},
    "in_progress": {"color": OKABE_ITO["sky_blue"], "pattern": "/"},
    "planned": {"color": "#d8e9f5", "pattern": "."},
    "not_started": {"color": "#f2f2f2", "pattern": ""},
}
OUTLINE = "#555555"
SELECTED_OUTLINE = "#000000"


def hexagon(
    score: Scores, framework: Framework, selected: str | None = None, height: int = 520
) -> go.Figure:
    """The hexagon of a review's scores (see the module notes).

    ``selected``: a theme id drawn with a heavier outline.
    """
    themes = score.themes.set_index("id").loc[[t.id for t in framework.themes]]
    n = len(themes)
    theta = list(themes["title"])  # categories: gridshape "linear" needs them
    ids = list(themes.index)
    fig = go.Figure()
    for status in ("in_place", "in_progress", "planned", "not_started"):
        share = (themes[status] / themes["actions"]).tolist()
        style = STATUS_STYLE[status]
        outline = [SELECTED_OUTLINE if i == selected else OUTLINE for i in ids]
        fig.add_trace(
            go.Barpolar(
                r=share,
                theta=theta,
                name=STATUSES[status],
                customdata=[
                    [i, t, int(c), int(a)]
                    for i, t, c, a in zip(ids, themes["title"], themes[status], themes["actions"])
                ],
                marker={
                    "color": style["color"],
                    "line": {
                        "color": outline,
                        "width": [2.5 if i == selected else 0.6 for i in ids],
                    },
                    "pattern": {
                        "shape": style["pattern"],
                        "fgcolor": OUTLINE,
                        "size": 6,
                        "solidity": 0.25,
                    },
                },
                hovertemplate=(
                    "<b>%{customdata[1]}</b><br>"
                    + STATUSES[status]
                    + ": %{customdata[2]} of %{customdata[3]} actions<extra></extra>"
                ),
                meta={"status": status},
            )
        )
    labels = [
        f"<b>{html.escape(t)}</b><br>{s:.0%} in place"
        for t, s in zip(themes["title"], themes["score"])
    ]
    fig.add_trace(
        go.Scatterpolar(
            r=[1.2] * n,
            theta=theta,
            mode="text",
            text=labels,
            textfont={"size": 13, "color": TEXT_COLOUR},
            hoverinfo="skip",
            showlegend=False,
            meta={"status": "labels"},
        )
    )
    # autosize off: in Voilà a responsive polar chart lost its height (plotly dropped
    # layout.height and filled an area of no height: the hexagon was drawn 0 px tall);
    # it keeps its own size (700 px wide unless a width is given)
    fig.update_layout(
        height=height,
        font={"family": FONT, "color": TEXT_COLOUR},
        autosize=False,
        margin={"l": 90, "r": 90, "t": 40, "b": 40},
        dragmode="zoom",
        legend={
            "orientation": "h",
            "y": -0.08,
            "x": 0.5,
            "xanchor": "center",
            "traceorder": "normal",
        },
        polar={
            "barmode": "stack",
            "gridshape": "linear",
            "hole": 0.0,
            "bgcolor": "white",
            "radialaxis": {
                "range": [0, 1.32],
                "tickvals": [0.25, 0.5, 0.75, 1],
                "ticktext": ["25%", "50%", "75%", "100%"],
                "angle": 90,
                "tickfont": {"size": 9},
                "showline": False,
                "gridcolor": "#dddddd",
            },
            "bargap": 0,
            "angularaxis": {
                "type": "category",
                "showticklabels": False,
                "direction": "clockwise",
                "rotation": 90,
                "period": n,
                "gridcolor": "#bbbbbb",
                "linecolor": OUTLINE,
            },
        },
        title={"text": "Share of actions in place, by theme", "x": 0.5, "font": {"size": 15}},
    )
    return fig


def hexagon_table(score: Scores) -> pd.DataFrame:
    """The hexagon's data, one row per theme: what the figure shows, as a table."""
    t = score.themes
    return pd.DataFrame(
        {
            "theme": t["title"],
            "actions": t["actions"],
            "in_place": t["in_place"],
            "in_progress": t["in_progress"],
            "planned": t["planned"],
            "not_started": t["not_started"],
            "score": t["score"].round(3),
        }
    )


def hexagon_table_html(score: Scores) -> str:
    """:func:`hexagon_table` as an accessible HTML table (caption, header cells)."""
    rows = "".join(
        f"<tr><th scope='row'>{html.escape(r.title)}</th><td>{r.in_place} of {r.actions}</td>"
        f"<td>{r.in_progress}</td><td>{r.planned}</td><td>{r.not_started}</td>"
        f"<td>{r.score:.0%}</td></tr>"
        for r in score.themes.itertuples()
    )
    total = score.table[score.table["id"] == "overall"].iloc[0]
    rows += (
        f"<tr><th scope='row'>All themes</th><td>{total.in_place} of {total.actions}</td>"
        f"<td>{total.in_progress}</td><td>{total.planned}</td><td>{total.not_started}</td>"
        f"<td>{total.score:.0%}</td></tr>"
    )
    return (
        "<table class='ks3-manager-table'><caption>Actions by status and theme (the "
        "hexagon's figures)</caption><tr><th scope='col'>Theme</th><th scope='col'>In "
        "place</th><th scope='col'>In progress</th><th scope='col'>Planned</th>"
        f"<th scope='col'>Not started</th><th scope='col'>Score</th></tr>{rows}</table>"
    )


def progress_figure(table: pd.DataFrame, framework: Framework) -> go.Figure:
    """Each theme's score at each review (from :func:`~.review.progress`), one line a theme."""
    palette = [
        OKABE_ITO[k]
        for k in ("blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue")
    ]
    symbols = ["circle", "square", "diamond", "triangle-up", "cross", "x"]
    fig = go.Figure()
    for i, theme in enumerate(framework.themes):
        part = table[table["id"] == theme.id]
        fig.add_trace(
            go.Scatter(
                x=[d.isoformat() for d in part["reviewed_on"]],
                y=part["score"],
                mode="lines+markers",
                name=theme.title,
                line={"color": palette[i % len(palette)]},
                marker={"symbol": symbols[i % len(symbols)], "size": 9},
                hovertemplate=f"<b>{html.escape(theme.title)}</b><br>%{{x}}: %{{y:.0%}}"
                "<extra></extra>",
            )
        )
    fig.update_layout(
        height=360,
        font={"family": FONT, "color": TEXT_COLOUR},
        yaxis={"range": [0, 1.02], "tickformat": ".0%", "title": "Share of actions in place"},
        xaxis={"type": "category", "title": "Review"},
        margin={"l": 60, "r": 20, "t": 40, "b": 50},
        title={"text": "Progress between reviews", "x": 0.5},
    )
    return fig
