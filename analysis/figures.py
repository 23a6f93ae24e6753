"""Plotly figures drawn from the tidy result shape of :mod:`analysis.measures`.

Each function takes a tidy table (group columns, ``item``, ``label``, ``n``,
``count``, ``share``) and returns a finished :class:`plotly.graph_objects.Figure`.
No widgets here: dashboards wrap a figure in a ``go.FigureWidget`` only where it
must change in place.

Colours come from the Okabe–Ito palette, which stays distinguishable for the
common forms of colour blindness (Okabe & Ito 2008, *Color Universal Design*,
https://jfly.uni-koeln.de/color/).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import schema

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

# The one palette of every chart (figures here, the dashboards' charts and
# comparison charts): colours of the Okabe–Ito palette, and greys and black
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
    "gender": {"girl": OKABE_ITO["reddish_purple"], "boy": OKABE_ITO["bluish_green"],
               "other": "#777777"},
    "ethnicity": {"white_british": "#000000", "other_ethnic_group": OKABE_ITO["sky_blue"]},
}
#: A chart with no comparison (one group: every pupil chosen).
SINGLE_COLOUR = OKABE_ITO["blue"]
#: The four answers of an agreement item, code -> colour: disagreeing warm,
#: agreeing blue, the stronger answer darker.
AGREEMENT_COLOURS: dict[int, str] = {1: OKABE_ITO["vermillion"], 2: OKABE_ITO["orange"],
                                     3: OKABE_ITO["sky_blue"], 4: OKABE_ITO["blue"]}
#: A school against the other schools (My school), keyed by
#: :data:`analysis.disclosure.THIS_SCHOOL` / ``OTHER_SCHOOLS``' values.
SCHOOL_COLOURS: dict[str, str] = {"this school": OKABE_ITO["vermillion"],
                                  "other schools": OKABE_ITO["sky_blue"]}
#: A gap's or change's dot and interval (near black: the palette is kept for groups).
ESTIMATE_COLOUR = "#222222"
#: The zero line, the line joining a pair, hidden-figure symbols.
ZERO_COLOUR = "#444444"
JOIN_COLOUR = "#b0b0b0"
HIDDEN_COLOUR = "#555555"

FONT = "Helvetica Neue, Helvetica, Arial, sans-serif"
TEXT_COLOUR = "#222222"


def _base_text(n: pd.Series) -> str:
    """``n=1,234`` or, when item bases differ, ``n=1,200–1,234``."""
    lo, hi = int(round(n.min())), int(round(n.max()))
    return f"n={hi:,}" if lo == hi else f"n={lo:,}–{hi:,}"


def rank_items(result: pd.DataFrame) -> list[str]:
    """Items ordered from most to least chosen over all groups in ``result``.

    The pooled share of an item is ``sum(count) / sum(n)`` over the groups, so
    a larger group weighs more, as it would in the pupil-level data. Ties keep
    questionnaire order.
    """
    pooled = result.groupby("item", sort=False)[["count", "n"]].sum()
    share = (pooled["count"] / pooled["n"].where(pooled["n"] > 0)).fillna(0.0)
    order = {column: i for i, column in enumerate(result["item"].drop_duplicates())}
    ranked = sorted(share.index, key=lambda column: (-share[column], order[column]))
    return list(ranked)


def favourite_subjects(result: pd.DataFrame, who: str = "All pupils") -> go.Figure:
    """Share of pupils choosing each favourite subject, year 7 vs year 9, by wave.

    One panel per wave, subjects ranked from most to least chosen (pooled over
    the panels), one bar colour per year group. Each panel's title states the
    base: pupils in that wave and year group who answered the question.

    Parameters
    ----------
    result : DataFrame
        ``measures.shares(table, schema.block("favourite").columns,
        by=["wave", "year_group"])``, optionally first narrowed to one
        subgroup of pupils (e.g. girls).
    who : str
        Which pupils the figures describe, said in the title ("All pupils",
        "Girls").

    Returns
    -------
    plotly.graph_objects.Figure
        One horizontal bar trace per wave and year group; ``x`` is the share
        (0–1), ``y`` the subject label, ``customdata`` holds ``[n, count]``
        and ``meta`` is ``{"wave": w, "year_group": y}``.

    Notes
    -----
    share = count / n, where n counts the pupils in the group who answered
    the item and count those who ticked it (weighted when the file has
    weights). Pupils could tick up to three subjects, so shares add to more
    than 100%.
    """
    block = schema.block("favourite")
    year_labels = schema.groups()["year_group"].values
    wave_labels = schema.groups()["wave"].values
    waves = [w for w in wave_labels if w in set(result["wave"])]
    years = [y for y in year_labels if y in set(result["year_group"])]
    ranked = rank_items(result)
    labels = {column: schema.item(column).label for column in ranked}

    panel_titles = []
    for wave in waves:
        bases = [
            f"{year_labels[y]} {_base_text(part['n'])}"
            for y in years
            if len(part := result[(result["wave"] == wave) & (result["year_group"] == y)])
        ]
        panel_titles.append(f"<b>{wave_labels[wave]}</b><br>" + ", ".join(bases))

    fig = make_subplots(rows=1, cols=max(len(waves), 1), shared_yaxes=True,
                        subplot_titles=panel_titles, horizontal_spacing=0.06)
    for col, wave in enumerate(waves, start=1):
        for year in years:
            part = result[(result["wave"] == wave) & (result["year_group"] == year)]
            part = part.set_index("item").reindex([c for c in ranked if c in set(part["item"])])
            fig.add_trace(
                go.Bar(
                    x=part["share"].to_numpy(dtype=float).tolist(),
                    y=[labels[c] for c in part.index],
                    customdata=part[["n", "count"]].to_numpy(dtype=float).tolist(),
                    orientation="h",
                    name=year_labels[year],
                    legendgroup=str(year),
                    meta={"wave": int(wave), "year_group": int(year)},
                    showlegend=col == 1,
                    marker_color=YEAR_GROUP_COLOURS.get(year, OKABE_ITO["bluish_green"]),
                    texttemplate="%{x:.0%}",
                    textposition="outside",
                    textfont_size=11,
                    cliponaxis=False,
                    hovertemplate=(
                        "<b>%{y}</b><br>" + f"{year_labels[year]}, {wave_labels[wave]}<br>"
                        "%{x:.1%} of %{customdata[0]:,.0f} pupils (%{customdata[1]:,.0f})"
                        "<extra></extra>"
                    ),
                ),
                row=1, col=col,
            )
    top = max(float(result["share"].max()) if len(result) else 0.0, 0.1)
    fig.update_xaxes(tickformat=".0%", range=[0, min(1.0, top * 1.18)], gridcolor="#e5e5e5",
                     zeroline=False, title_text="Share of pupils choosing the subject")
    fig.update_yaxes(categoryorder="array", categoryarray=[labels[c] for c in ranked],
                     autorange="reversed", ticks="", showgrid=False)
    fig.update_annotations(font_size=13, yshift=8)
    fig.update_layout(
        title=dict(
            text=f"{block.label}: {who.lower() if who != 'All pupils' else 'all pupils'}, "
                 f"year 7 and year 9",
            subtitle_text=(f"Share of pupils choosing each subject (pupils could tick up to "
                           f"{block.max_ticks}), ranked from most to least chosen"),
            x=0.01, xanchor="left", y=0.98, yanchor="top", font_size=20,
        ),
        barmode="group", bargap=0.25, bargroupgap=0.05,
        height=720, margin=dict(l=150, r=30, t=140, b=60),
        legend=dict(title_text="", orientation="h", x=1, xanchor="right", y=1.13,
                    yanchor="bottom", traceorder="normal", font_size=14),
        font=dict(family=FONT, color=TEXT_COLOUR, size=13),
        plot_bgcolor="white", paper_bgcolor="white",
        hoverlabel=dict(bgcolor="white", font_size=13),
    )
    return fig
