"""Figures of shares for the block explorers (Subjects, Careers, Enrichment).

Pure functions: a tidy table in the share shape of
``Results.view`` (:mod:`dashboards.results`) (group columns, then ``measure``,
``item``, ``label``, ``category``, ``n``, ``n_pupils``, ``share``,
``ci_low``, ``ci_high``, ``deff``, ``n_eff``, ``n_schools``, ``suppressed``)
in, a finished :class:`plotly.graph_objects.Figure` out. No widgets here.

Three charts:

:func:`ranked_dots`
    one row per item, ranked from the highest share down; one coloured dot
    per group compared (year 7 / year 9, wave 1 / wave 2, girls / boys,
    ethnic groups), with its 95% interval as a horizontal line.
:func:`diverging_bars`
    the four answers of an agreement item as one bar per item and group,
    disagreeing to the left of 0 and agreeing to the right.
:func:`aim_bars`
    the qualification aimed for: one bar per answer and group, with its interval.

Conventions shared by the three (and by every dashboard): shares are
percentages (0-100) on the axis; a hidden figure (``suppressed`` ``"c"`` or
``"u"``) is never drawn as a number: a hidden dot or bar is its symbol
written at 0 in its own row, in the group's colour, by one text trace whose
``meta["kind"]`` is ``"hidden"``; a hidden part of a diverging bar is a grey
hatched part in its own place, or the row is withheld (:func:`diverging_bars`).
Every drawn trace carries ``meta`` with ``kind`` and ``group`` (the compared
group's code, or ``None``), and ``customdata`` with one row per point:
``[item, label, n, n_pupils, n_eff, deff, n_schools, ci_low %, ci_high %,
category]`` (:data:`CUSTOM`), so a test or a browser can read back what each
point shows.

Colours are Okabe–Ito, from the one palette in :mod:`analysis.figures.style`; each
group keeps its colour on every chart (``style.GROUP_COLOURS``), and the second group of a
pair is also drawn with a different marker symbol, so the chart reads without
colour too. Hidden figures are drawn by :mod:`analysis.figures.hidden`; items are
ranked by :func:`rank_items`, the one ranking of every share chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import schema

from . import hidden, style
from .hidden import add_text_marks, text_trace
from .style import Draft, group_colour, group_levels, plain, tint
from .text import n_range

#: What each point's ``customdata`` holds, in order.
CUSTOM = (
    "item",
    "label",
    "n",
    "n_pupils",
    "n_eff",
    "deff",
    "n_schools",
    "ci_low_pct",
    "ci_high_pct",
    "category",
)
#: Pixels per row of a chart, and around it.
ROW_HEIGHT, CHART_MARGIN = 34, 190
#: Vertical offset of each group's dot within an item's row (fractions of the row).
DODGE = 0.36


# --------------------------------------------------------------------------- groups


def _part(table: pd.DataFrame, compare: str | None, value) -> pd.DataFrame:
    if compare is None:
        return table
    return table[(table[compare].astype(object) == value).to_numpy()]


# --------------------------------------------------------------------------- text


def base_text(table: pd.DataFrame, compare: str | None = None) -> str:
    """The base of each group in words (plain text):
    ``"Year 7: n = 1,055–1,068 pupils in 19 schools; Year 9: …"``.

    ``n`` counts the pupils who answered (a range when items differ);
    a base hidden for confidentiality reads "fewer than 10 pupils" only when
    every item's base is hidden.
    """
    parts = []
    for value, label in group_levels(table, compare):
        part = _part(table, compare, value)
        if not len(part):
            continue
        pupils = part["n_pupils"].astype(float) if "n_pupils" in part else part["n"].astype(float)
        n = n_range(pupils)
        if not n:
            words = "too few pupils to show"
        else:
            schools = part["n_schools"].astype(float)
            s = n_range(schools)
            words = f"n = {n} pupils in {s} school{'s' if schools.max() != 1 else ''}"
        parts.append(f"{label}: {words}" if compare is not None else words)
    return "; ".join(parts) if parts else "no pupils"


def _hover_share(group: str, what: str = "%{customdata[1]}") -> str:
    return (
        f"<b>{what}</b><br>{group}: <b>%{{x:.1f}}%</b> "
        "(95% interval %{customdata[7]:.1f}–%{customdata[8]:.1f}%)<br>"
        "n = %{customdata[3]:,.0f} pupils in %{customdata[6]} schools<br>"
        "effective n %{customdata[4]:,.0f}, design effect %{customdata[5]:.2f}"
        "<extra></extra>"
    )


def _custom(rows: pd.DataFrame) -> list[list]:
    """``customdata`` rows (:data:`CUSTOM`) for the table's rows, percentages for intervals."""
    out = []
    for r in rows.itertuples(index=False):
        out.append(
            [
                str(r.item),
                str(r.label),
                _num(r.n),
                _num(getattr(r, "n_pupils", r.n)),
                _num(r.n_eff),
                _num(r.deff),
                _num(r.n_schools),
                _num(r.ci_low, 100),
                _num(r.ci_high, 100),
                str(getattr(r, "category", "") or ""),
            ]
        )
    return out


def _num(x, scale: float = 1.0):
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x * scale


def _pct(series: pd.Series) -> list:
    """Shares as percentages, a hidden (NaN) share as ``None`` (drawn as nothing)."""
    return [None if not np.isfinite(v) else 100.0 * v for v in series.astype(float)]


def _layout(
    fig: Draft,
    title: str,
    subtitle: str,
    rows: int,
    *,
    x_title: str,
    x_range: Sequence[float],
    tickvals: Sequence[float],
    ticktext: Sequence[str],
    legend_title: str = "",
) -> Draft:
    """Layout shared by the three charts; every key is always set, so a chart
    updated in place never keeps a setting of the chart it replaces."""
    fig.update_layout(
        title=dict(
            text=title,
            subtitle=dict(text=subtitle),
            x=0.01,
            xanchor="left",
            y=0.985,
            yanchor="top",
            font=dict(size=18),
        ),
        height=CHART_MARGIN + ROW_HEIGHT * max(rows, 3),
        margin=dict(l=200, r=40, t=120, b=60),
        font=dict(family=style.FONT, color=style.TEXT_COLOUR, size=13),
        plot_bgcolor="white",
        paper_bgcolor="white",
        hoverlabel=dict(bgcolor="white", font=dict(size=13)),
        hovermode="closest",
        legend=dict(
            title=dict(text=legend_title),
            orientation="h",
            x=1,
            xanchor="right",
            y=1.02,
            yanchor="bottom",
            traceorder="normal",
            font=dict(size=13),
        ),
        xaxis=dict(
            title=dict(text=x_title),
            range=list(x_range),
            tickvals=list(tickvals),
            ticktext=list(ticktext),
            gridcolor="#e5e5e5",
            zeroline=False,
            showline=False,
            fixedrange=True,
        ),
        showlegend=True,
        shapes=[],
        annotations=[],
    )
    return fig


def _offsets(groups: Sequence) -> Sequence[float]:
    """Each group's offset within an item's row (:data:`DODGE`)."""
    return np.linspace(-DODGE / 2, DODGE / 2, len(groups)) if len(groups) > 1 else [0.0]


def _top(table: pd.DataFrame) -> float:
    """The x axis' end in percent: past the highest interval, a multiple of 5, 10 to 100."""
    top = (
        100.0 * float(np.nanmax(table["ci_high"].astype(float)))
        if table["ci_high"].notna().any()
        else 10.0
    )
    return min(100.0, max(10.0, math.ceil(top * 1.08 / 5) * 5))


def _percent_ticks(top: float) -> tuple[list[float], list[str]]:
    step = 10 if top <= 60 else 20
    if top <= 25:
        step = 5
    vals = list(np.arange(0, top + 0.01, step))
    return vals, [f"{v:.0f}%" for v in vals]


# --------------------------------------------------------------------------- ranked dots


def rank_items(table: pd.DataFrame) -> list[str]:
    """Items from the highest share down: the mean of the shares shown for the
    groups (a hidden share is left out of the mean); items with no share shown
    last; ties keep the table's (questionnaire) order."""
    order = {item: i for i, item in enumerate(pd.unique(table["item"].astype(str)))}
    mean = table.assign(item=table["item"].astype(str)).groupby("item", sort=False)["share"].mean()
    return sorted(
        order,
        key=lambda it: (
            np.isnan(mean.get(it, np.nan)),
            -np.nan_to_num(mean.get(it, np.nan)),
            order[it],
        ),
    )


def ranked_dots(
    table: pd.DataFrame,
    compare: str | None = None,
    *,
    title: str = "",
    subtitle: str = "",
    x_title: str = "Share of pupils (%)",
) -> go.Figure:
    """Ranked dot plot: every item's share with its 95% interval, one dot per group.

    Parameters
    ----------
    table : DataFrame
        Share rows (``measure == "share"``) of one or more blocks, with the
        column ``compare`` when given.
    compare : str or None
        The group column whose groups are drawn side by side (``"year_group"``…).
    title, subtitle, x_title : str
        Words on the chart.

    Returns
    -------
    plotly.graph_objects.Figure
        One scatter trace per group (``meta = {"kind": "share", "group": code}``):
        ``x`` the share in percent (``None`` where hidden), ``y`` the row
        position (item ``i`` of the ranking at ``i``, groups dodged around
        it), ``customdata`` per :data:`CUSTOM`, ``error_x`` the interval.
        Then the text trace of hidden figures (``meta = {"kind": "hidden"}``).
        The y axis writes the item labels at the integer positions.
    """
    table = table[table["measure"] == "share"] if "measure" in table else table
    items = rank_items(table) if len(table) else []
    position = {item: i for i, item in enumerate(items)}
    labels = dict(zip(table["item"].astype(str), table["label"].astype(str)))
    groups = group_levels(table, compare)
    offsets = _offsets(groups)
    top = _top(table)
    fig = Draft()
    hx, hy, ht, hc, hh = [], [], [], [], []
    for k, (value, label) in enumerate(groups):
        rows = _part(table, compare, value).copy()
        rows["ypos"] = rows["item"].astype(str).map(position) + offsets[k]
        rows = rows.sort_values("ypos")
        colour = group_colour(compare, value, k)
        share = rows["share"].astype(float)
        low, high = rows["ci_low"].astype(float), rows["ci_high"].astype(float)
        fig.add_trace(
            dict(
                type="scatter",
                x=_pct(share),
                y=rows["ypos"].tolist(),
                mode="markers",
                name=label,
                marker=dict(
                    color=colour,
                    size=11,
                    symbol=style.SYMBOLS[k % len(style.SYMBOLS)],
                    line=dict(color="white", width=1),
                ),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=_pct(high - share),
                    arrayminus=_pct(share - low),
                    color=colour,
                    thickness=2,
                    width=0,
                ),
                customdata=_custom(rows),
                meta={"kind": "share", "group": plain(value)},
                hovertemplate=_hover_share(label),
                cliponaxis=False,
            )
        )
        add_text_marks((hx, hy, ht, hc, hh), rows, "label", label, colour)
    fig.add_trace(text_trace(hx, hy, ht, hc, hh))
    vals, text = _percent_ticks(top)
    _layout(
        fig,
        title,
        subtitle,
        len(items),
        x_title=x_title,
        x_range=[0, top * 1.02],
        tickvals=vals,
        ticktext=text,
    )
    fig.update_layout(
        barmode="overlay",
        yaxis=dict(
            type="linear",
            tickvals=list(range(len(items))),
            ticktext=[labels.get(i, i) for i in items],
            range=[len(items) - 0.5, -0.5],
            showgrid=True,
            gridcolor="#f0f0f0",
            zeroline=False,
            ticks="",
            fixedrange=True,
            autorange=False,
        ),
    )
    return fig.figure()


# --------------------------------------------------------------------------- diverging


def _placed_rows(
    table: pd.DataFrame,
    compare: str | None,
    position: dict,
    groups: list[tuple[object, str]],
    offsets,
) -> list[dict]:
    """One entry per drawn row (group and item) of a distribution table: its place,
    its rows by answer code, and how its hidden answers are drawn.

    ``hidden``: the codes hidden. ``withheld``: the row is not drawn at all
    (hidden answers on both sides of 0 leave no shown part a place; a single
    hidden answer would be its own width). Else ``side`` (-1 or 1, where the
    hidden answers lie; 0 when none), ``slot`` (the code whose place the hidden
    part takes: the hidden answer nearest 0) and ``rest`` (what the shown
    answers leave, in percent: the hidden answers together, which the shown
    ones give away anyway, never one hidden answer alone).
    """
    placed = []
    for k, (value, label) in enumerate(groups):
        part = _part(table, compare, value)
        for item, rows in part.groupby(part["item"].astype(str), sort=False):
            if item not in position:
                continue
            by_code = {
                int(c): r for c, r in zip(rows["_code"], rows.to_dict("records")) if np.isfinite(c)
            }
            hidden = sorted(
                c
                for c, r in by_code.items()
                if str(r["suppressed"] or "") or not np.isfinite(float(r["share"]))
            )
            left = [c for c in hidden if c < 3]
            right = [c for c in hidden if c >= 3]
            shown = sum(100.0 * float(r["share"]) for c, r in by_code.items() if c not in hidden)
            entry = dict(
                k=k,
                value=value,
                label=label,
                item=item,
                ypos=position[item] + offsets[k],
                by_code=by_code,
                hidden=hidden,
                withheld=bool(left and right) or len(hidden) == 1,
                side=0,
                slot=None,
                rest=max(0.0, 100.0 - shown),
            )
            if hidden and not entry["withheld"]:
                entry["side"] = -1 if left else 1
                entry["slot"] = max(left) if left else min(right)  # nearest 0
            placed.append(entry)
    return placed


def diverging_bars(
    table: pd.DataFrame, compare: str | None = None, *, title: str = "", subtitle: str = ""
) -> go.Figure:
    """The four answers of agreement items as diverging stacked bars.

    Each item has one bar per group; "disagree" and "strongly disagree" run
    left of 0, "agree" and "strongly agree" right of it, so the length right
    of 0 is the share agreeing. Items are ranked by that share (mean over the
    groups).

    A hidden answer is drawn as hidden in its own place, never left out (a
    bar with a part left out reads as 0% of that answer). When the hidden
    answers lie on one side of 0, a light grey hatched part marked ``c`` (or
    ``u``) takes their place in the stack: its length is what the shown
    answers leave (the hidden answers together, which the shown ones give
    away anyway), so every shown part keeps its true place. When hidden
    answers lie on both sides of 0, or only one answer is hidden (its place
    would be its own number), no part of the row can be placed truly: the row
    is withheld, its symbol and reason written at 0.

    Parameters
    ----------
    table : DataFrame
        Distribution rows (``measure == "distribution"``, ``category`` "1"-"4").
    compare : str or None
        As :func:`ranked_dots`.

    Returns
    -------
    plotly.graph_objects.Figure
        Stacked in this order outwards from 0: per answer code 2, 1, 3, 4, its bar
        trace (``meta = {"kind": "distribution", "category": code}``; ``x``
        the share in percent, negative for codes 1 and 2, ``None`` where
        hidden or withheld; ``y`` the row position (as :func:`ranked_dots`);
        ``customdata`` per :data:`CUSTOM` then the group's label and the share
        in percent, unsigned), then, if any row's hidden part takes that code's
        place, the hidden part's bar trace (``meta = {"kind": "hidden",
        "category": code}``, ``text`` its symbols). Last the text trace of
        withheld rows (``meta = {"kind": "hidden"}``, at 0).
    """
    table = table[table["measure"] == "distribution"] if "measure" in table else table
    table = table.assign(_code=pd.to_numeric(table["category"], errors="coerce"))
    agree = table[table["_code"].isin(schema.positive_codes("agreement"))]
    agreeing = (
        agree.groupby([*([compare] if compare else []), "item"], observed=True, sort=False)["share"]
        .sum(min_count=2)
        .reset_index()
    )
    items = (
        rank_items(agreeing.assign(item=agreeing["item"], share=agreeing["share"]))
        if len(agreeing)
        else []
    )
    position = {item: i for i, item in enumerate(items)}
    labels = dict(zip(table["item"].astype(str), table["label"].astype(str)))
    groups = group_levels(table, compare)
    offsets = _offsets(groups)
    width = 0.8 / max(len(groups), 1) * 0.9
    codes = schema.scale_codes("agreement")
    placed = sorted(
        _placed_rows(table, compare, position, groups, offsets), key=lambda e: e["ypos"]
    )
    fig = Draft()

    def symbols(entry: dict) -> list[str]:
        return sorted({str(entry["by_code"][c]["suppressed"] or "c") for c in entry["hidden"]})

    def hidden_words(entry: dict) -> str:
        answers = ", ".join(codes[c] for c in entry["hidden"])
        return f"{labels[entry['item']]}, {entry['label']}: {answers}: " + "; ".join(
            hidden.hidden_words(s) for s in symbols(entry)
        )

    # negative bars stack outwards in trace order: "disagree" (2) next to 0, then 1
    for code in (2, 1, 3, 4):
        sign = -1.0 if code < 3 else 1.0
        xs, ys, custom = [], [], []
        for entry in placed:
            row = entry["by_code"].get(code)
            if row is None:
                continue
            drawn = not entry["withheld"] and code not in entry["hidden"]
            share = _num(row["share"], 100.0) if drawn else None
            xs.append(None if share is None else sign * share)
            ys.append(entry["ypos"])
            custom.append(_custom(pd.DataFrame([row]))[0] + [entry["label"], share])
        fig.add_trace(
            dict(
                type="bar",
                x=xs,
                y=ys,
                orientation="h",
                name=codes[code],
                width=width,
                marker=dict(color=style.AGREEMENT_COLOURS[code], line=dict(width=0)),
                customdata=custom,
                meta={"kind": "distribution", "category": str(code)},
                legendrank=code,
                hovertemplate=(
                    "<b>%{customdata[1]}</b>, %{customdata[10]}<br>"
                    f"{codes[code]}: <b>%{{customdata[11]:.1f}}%</b> "
                    "(95% interval %{customdata[7]:.1f}–%{customdata[8]:.1f}%)<br>"
                    "n = %{customdata[3]:,.0f} pupils in %{customdata[6]} schools<br>"
                    "effective n %{customdata[4]:,.0f}, design effect "
                    "%{customdata[5]:.2f}<extra></extra>"
                ),
            )
        )
        parts = [e for e in placed if e["slot"] == code]
        if parts:
            fig.add_trace(
                dict(
                    type="bar",
                    x=[sign * e["rest"] for e in parts],
                    y=[e["ypos"] for e in parts],
                    orientation="h",
                    name="Hidden answers",
                    width=width,
                    marker=hidden.HIDDEN_PART,
                    text=["<b>" + ",".join(symbols(e)) + "</b>" for e in parts],
                    textposition="inside",
                    insidetextanchor="middle",
                    constraintext="none",
                    textfont=dict(color=style.TEXT_COLOUR, size=13, family=style.FONT),
                    hovertext=[
                        hidden_words(e) + " (the grey part is what the answers shown "
                        "leave, not a figure of its own)"
                        for e in parts
                    ],
                    hoverinfo="text",
                    legendgroup="hidden",
                    showlegend=code == min(e["slot"] for e in placed if e["slot"] is not None),
                    legendrank=5,
                    meta={"kind": "hidden", "category": str(code)},
                )
            )
    withheld = [e for e in placed if e["withheld"]]
    fig.add_trace(
        dict(
            type="scatter",
            x=[0.0] * len(withheld),
            y=[e["ypos"] for e in withheld],
            text=[
                "<b>" + ",".join(symbols(e)) + "</b>: answers hidden, not drawn" for e in withheld
            ],
            mode="text",
            textposition="middle center",
            textfont=dict(
                color=[group_colour(compare, e["value"], e["k"]) for e in withheld],
                size=13,
                family=style.FONT,
            ),
            hovertext=[
                hidden_words(e) + ". Hidden answers on both sides of the bar (or one "
                "alone) leave no part of it a true place, so the row is not drawn."
                for e in withheld
            ],
            hoverinfo="text",
            showlegend=False,
            name="hidden",
            meta={"kind": "hidden"},
            cliponaxis=False,
        )
    )
    vals = [-100, -75, -50, -25, 0, 25, 50, 75, 100]
    _layout(
        fig,
        title,
        subtitle,
        len(items) * max(1, len(groups)) * 0.75,
        x_title="← disagree (%)  ·  agree (%) →",
        x_range=[-104, 104],
        tickvals=vals,
        ticktext=[f"{abs(v)}%" for v in vals],
    )
    ticks, text = [], []
    for item in items:
        for k, (_, label) in enumerate(groups):
            ticks.append(position[item] + offsets[k])
            text.append(
                f"<b>{labels[item]}</b> · {label}"
                if k == 0 and len(groups) > 1
                else (label if len(groups) > 1 else labels[item])
            )
    fig.update_layout(
        barmode="relative",
        yaxis=dict(
            type="linear",
            tickvals=ticks,
            ticktext=text,
            range=[len(items) - 0.5, -0.5],
            showgrid=False,
            zeroline=False,
            ticks="",
            fixedrange=True,
            autorange=False,
        ),
    )
    fig.update_layout(
        shapes=[
            dict(
                type="line",
                xref="x",
                yref="paper",
                x0=0,
                x1=0,
                y0=0,
                y1=1,
                line=dict(color=style.ZERO_COLOUR, width=1),
            )
        ]
    )
    return fig.figure()


# --------------------------------------------------------------------------- aim


def aim_bars(
    table: pd.DataFrame, compare: str | None = None, *, title: str = "", subtitle: str = ""
) -> go.Figure:
    """The qualification aimed for: one bar per answer and group, with its interval.

    Answers keep the questionnaire's order (GCSEs … degree, then "Don't
    know"); shares of one group add up to 100%.

    Parameters
    ----------
    table : DataFrame
        Aim rows (``measure == "aim"``; ``category`` the answer code,
        ``category_label`` its words).
    compare : str or None
        As :func:`ranked_dots`.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per group (``meta = {"kind": "aim", "group": code}``),
        ``x`` the share in percent (``None`` where hidden), ``y`` the row
        position of the answer (dodged per group), ``customdata`` per
        :data:`CUSTOM`; then the hidden-figure text trace.
    """
    table = table[table["measure"] == "aim"] if "measure" in table else table
    block = schema.block("aim")
    answers = [c for c in block.categories if c in set(table["category"].astype(str))]
    position = {c: i for i, c in enumerate(answers)}
    groups = group_levels(table, compare)
    offsets = _offsets(groups)
    width = 0.8 / max(len(groups), 1) * 0.9
    top = _top(table)
    fig = Draft()
    hx, hy, ht, hc, hh = [], [], [], [], []
    for k, (value, label) in enumerate(groups):
        rows = _part(table, compare, value).copy()
        rows["ypos"] = rows["category"].astype(str).map(position) + offsets[k]
        rows = rows.dropna(subset=["ypos"]).sort_values("ypos")
        colour = group_colour(compare, value, k)
        share = rows["share"].astype(float)
        fig.add_trace(
            dict(
                type="bar",
                x=_pct(share),
                y=rows["ypos"].tolist(),
                orientation="h",
                name=label,
                width=width,
                # a light fill with the group's colour as outline, so the dark
                # interval shows on every group's bar (black included)
                marker=dict(color=tint(colour), line=dict(color=colour, width=1.5)),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=_pct(rows["ci_high"].astype(float) - share),
                    arrayminus=_pct(share - rows["ci_low"].astype(float)),
                    color=style.ESTIMATE_COLOUR,
                    thickness=1.5,
                    width=4,
                ),
                customdata=_custom(rows),
                meta={"kind": "aim", "group": plain(value)},
                hovertemplate=_hover_share(label, "%{text}"),
                text=rows["category_label"].astype(str).tolist(),
                textposition="none",
            )
        )
        add_text_marks((hx, hy, ht, hc, hh), rows, "category_label", label, colour)
    fig.add_trace(text_trace(hx, hy, ht, hc, hh))
    vals, text = _percent_ticks(top)
    _layout(
        fig,
        title,
        subtitle,
        len(answers),
        x_title="Share of pupils (%)",
        x_range=[0, top * 1.02],
        tickvals=vals,
        ticktext=text,
    )
    fig.update_layout(
        barmode="overlay",
        yaxis=dict(
            type="linear",
            tickvals=list(range(len(answers))),
            ticktext=[block.categories[c] for c in answers],
            range=[len(answers) - 0.5, -0.5],
            showgrid=False,
            zeroline=False,
            ticks="",
            fixedrange=True,
            autorange=False,
        ),
    )
    return fig.figure()
