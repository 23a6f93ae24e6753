"""School charts: one school against the other schools (the My school page).

The rows are :func:`dashboards.my_school.school_table`'s (or
``published_school_table``'s): for each item of one block, one wave and one year
group, a ``this school`` row and an ``other schools`` row
(:data:`analysis.disclosure.THIS_SCHOOL`, ``OTHER_SCHOOLS``), protected by
:func:`analysis.disclosure.school_view`, with a 95% interval where one can be given.
A hidden figure is its mark at 0 (:func:`analysis.figures.hidden.annotation`).
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import disclosure, schema

from . import hidden as hidden_marks
from . import style
from .text import n_range


def school_name(school_id: str) -> str:
    """``"School S01"``; a pseudonym that already says school (``"School A"``) as it is."""
    school_id = str(school_id)
    return school_id if school_id.lower().startswith("school") else f"School {school_id}"


def school_figure_spec(
    table: pd.DataFrame,
    *,
    school_id: str,
    block: str,
    wave: int,
    year_group: int,
    rules: disclosure.DisclosureRules = disclosure.DisclosureRules(),
) -> dict:
    """:func:`school_figure` as a plain ``{"data": [...], "layout": {...}}`` dict.

    Plain values only (no plotly objects), so the dashboard can put it in the
    page without plotly validating every property again: that validation took
    most of a filter change's time.
    """
    the_block = schema.block(block)
    labels = list(dict.fromkeys(table["label"].astype(str)))
    index = {label: i for i, label in enumerate(labels)}
    what = "share ticking" if the_block.scale == "binary" else "share agreeing"
    wave_label = schema.groups()["wave"].values.get(wave, f"Wave {wave}")
    data = []
    annotations = []
    bases = {}
    offsets = {disclosure.THIS_SCHOOL: -0.2, disclosure.OTHER_SCHOOLS: 0.2}
    for school in (disclosure.THIS_SCHOOL, disclosure.OTHER_SCHOOLS):
        part = table[table["school"] == school].set_index("label").reindex(labels)
        share = part["share"].to_numpy(dtype=float)
        low = part["ci_low"].to_numpy(dtype=float)
        high = part["ci_high"].to_numpy(dtype=float)
        hidden = part["suppressed"].fillna("").astype(str).tolist()
        x = [None if (h or math.isnan(s)) else float(100 * s) for s, h in zip(share, hidden)]
        plus = [
            None if v is None or math.isnan(hi) else float(100 * (hi - s))
            for v, s, hi in zip(x, share, high)
        ]
        minus = [
            None if v is None or math.isnan(lo) else float(100 * (s - lo))
            for v, s, lo in zip(x, share, low)
        ]
        has_interval = any(v is not None for v in plus)
        custom = np.column_stack(
            [
                part["n"].to_numpy(dtype=float),
                100 * low,
                100 * high,
                part["n_eff"].to_numpy(dtype=float),
                part["deff"].to_numpy(dtype=float),
                part["n_schools"].to_numpy(dtype=float),
            ]
        )
        custom = [[None if math.isnan(v) else float(v) for v in row] for row in custom]
        n_schools = part["n_schools"].dropna()
        schools_text = (
            f" in {int(n_schools.max())} schools"
            if school != disclosure.THIS_SCHOOL and len(n_schools)
            else ""
        )
        name = school_name(school_id) if school == disclosure.THIS_SCHOOL else "Other schools"
        bases[school] = f"{name}: n = {n_range(part['n']) or 'c'} pupils{schools_text}"
        if school == disclosure.THIS_SCHOOL:
            hover = (
                "<b>%{y}</b><br>" + html.escape(name) + ": %{x:.1f}%<br>"
                "95% interval %{customdata[1]:.1f}–%{customdata[2]:.1f}% (binomial)<br>"
                "n = %{customdata[0]:,.0f} pupils<extra></extra>"
            )
        elif not has_interval:  # a publication keeps no school-clustered interval
            hover = (
                "<b>%{y}</b><br>Other schools: %{x:.1f}%<br>"
                "n = %{customdata[0]:,.0f} pupils in %{customdata[5]:.0f} schools"
                "<extra></extra>"
            )
        else:
            hover = (
                "<b>%{y}</b><br>Other schools: %{x:.1f}%<br>"
                "95% interval %{customdata[1]:.1f}–%{customdata[2]:.1f}% (school-clustered)"
                "<br>n = %{customdata[0]:,.0f} pupils, effective n %{customdata[3]:,.0f}, "
                "design effect %{customdata[4]:.2f}, %{customdata[5]:.0f} schools"
                "<extra></extra>"
            )
        data.append(
            dict(
                type="bar",
                x=x,
                y=labels,
                orientation="h",
                name=name,
                marker=dict(color=style.SCHOOL_COLOURS[school]),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=plus,
                    arrayminus=minus,
                    color="#333333",
                    thickness=1.2,
                    width=3,
                ),
                customdata=custom,
                meta={"school": school, "suppressed": hidden},
                hovertemplate=hover,
            )
        )
        annotations += [
            hidden_marks.annotation(
                index[label] + offsets[school],
                mark,
                f"{name}: {hidden_marks.hidden_words(mark, rules)}",
                xanchor="left",
                xshift=4,
                colour=style.SCHOOL_COLOURS[school],
            )
            for label, mark in zip(labels, hidden)
            if mark
        ]
    height = max(360, 140 + 46 * len(labels))
    layout = dict(
        title=dict(
            text=(
                f"{the_block.label}: {what}, {html.escape(school_name(school_id))} against "
                f"other schools, year {year_group}, {wave_label.lower()}"
            ),
            subtitle=dict(text=" · ".join(bases.values())),
            x=0.01,
            xanchor="left",
            y=0.98,
            yanchor="top",
            font=dict(size=18),
        ),
        barmode="group",
        bargap=0.25,
        bargroupgap=0.05,
        height=height,
        margin=dict(l=190, r=30, t=120, b=60),
        xaxis=dict(
            range=[0, 100],
            ticksuffix="%",
            gridcolor="#e5e5e5",
            zeroline=False,
            title=dict(text=f"{what.capitalize()} (%), with 95% interval"),
        ),
        yaxis=dict(
            categoryorder="array",
            categoryarray=labels,
            autorange="reversed",
            ticks="",
            showgrid=False,
        ),
        legend=dict(
            title=dict(text=""),
            orientation="h",
            x=1,
            xanchor="right",
            y=1.02,
            yanchor="bottom",
            traceorder="normal",
            font=dict(size=13),
        ),
        annotations=annotations,
        font=dict(family=style.FONT, color=style.TEXT_COLOUR, size=13),
        plot_bgcolor="white",
        paper_bgcolor="white",
        hoverlabel=dict(bgcolor="white", font=dict(size=13)),
    )
    return {"data": data, "layout": layout}


def school_figure(
    table: pd.DataFrame,
    *,
    school_id: str,
    block: str,
    wave: int,
    year_group: int,
    rules: disclosure.DisclosureRules = disclosure.DisclosureRules(),
) -> go.Figure:
    """This school against the other schools, one block, one wave and year group.

    Parameters
    ----------
    table : DataFrame
        Rows of :func:`dashboards.my_school.school_table` for one wave and year group.
    school_id, block, wave, year_group
        What the rows are, said in the title.
    rules : DisclosureRules
        For the hover text of a hidden figure.

    Returns
    -------
    plotly.graph_objects.Figure
        Two horizontal bar traces, ``this school`` then ``other schools``:
        ``x`` the share in percent (``None`` where hidden), ``y`` the item
        labels in questionnaire order, error bars the 95% interval,
        ``customdata`` ``[n, ci_low %, ci_high %, n_eff, deff, n_schools]``,
        ``meta`` ``{"school": ..., "suppressed": [...]}``. A hidden figure
        is an annotation ``c`` / ``u`` at its place, from the axis.
    """
    return go.Figure(
        school_figure_spec(
            table, school_id=school_id, block=block, wave=wave, year_group=year_group, rules=rules
        )
    )
