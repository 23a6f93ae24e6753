"""Figures of shares for the block explorers (Subjects, Careers, Enrichment).

Pure functions: a tidy table in the share shape of
:meth:`dashboards.results.Results.view` (group columns, then ``measure``,
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

Colours are Okabe–Ito, from the one palette in :mod:`analysis.figures`; each
group keeps its colour on every chart (:data:`GROUP_COLOURS`), and the second group of a
pair is also drawn with a different marker symbol, so the chart reads without
colour too.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import figures, schema

OI = figures.OKABE_ITO
#: One colour per group value, the same on every dashboard (:data:`analysis.figures.GROUP_COLOURS`).
GROUP_COLOURS: dict[str, dict[object, str]] = figures.GROUP_COLOURS
#: The colour of a chart with no comparison (one group: everyone chosen).
SINGLE_COLOUR = figures.SINGLE_COLOUR
#: Marker symbols in the order the groups come (first, second, …).
SYMBOLS = ("circle", "diamond", "square", "triangle-up")
#: The four answers of an agreement item: code -> colour (diverging, colour-blind safe).
AGREEMENT_COLOURS: dict[int, str] = figures.AGREEMENT_COLOURS
#: What each point's ``customdata`` holds, in order.
CUSTOM = ("item", "label", "n", "n_pupils", "n_eff", "deff", "n_schools", "ci_low_pct",
          "ci_high_pct", "category")
#: Pixels per row of a chart, and around it.
ROW_HEIGHT, CHART_MARGIN = 34, 190
#: Vertical offset of each group's dot within an item's row (fractions of the row).
DODGE = 0.36


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
    return [(v, group_label(compare, v)) for v in ordered
            if not (compare == "gender" and v == "other")]


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
    spare = [c for c in OI.values() if c != OI["yellow"]]
    return spare[position % len(spare)]


def _part(table: pd.DataFrame, compare: str | None, value) -> pd.DataFrame:
    if compare is None:
        return table
    return table[(table[compare].astype(object) == value).to_numpy()]


# --------------------------------------------------------------------------- text


def _count(x: float) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:,.0f}"


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
        pupils = pupils[np.isfinite(pupils)]
        schools = part["n_schools"].astype(float)
        if not len(pupils):
            words = "too few pupils to show"
        else:
            lo, hi = pupils.min(), pupils.max()
            n = f"{lo:,.0f}" if lo == hi else f"{lo:,.0f}–{hi:,.0f}"
            s_lo, s_hi = schools.min(), schools.max()
            s = f"{s_hi:,.0f}" if s_lo == s_hi else f"{s_lo:,.0f}–{s_hi:,.0f}"
            words = f"n = {n} pupils in {s} school{'s' if s_hi != 1 else ''}"
        parts.append(f"{label}: {words}" if compare is not None else words)
    return "; ".join(parts) if parts else "no pupils"


def _hover_share(group: str, what: str = "%{customdata[1]}") -> str:
    return (f"<b>{what}</b><br>{group}: <b>%{{x:.1f}}%</b> "
            "(95% interval %{customdata[7]:.1f}–%{customdata[8]:.1f}%)<br>"
            "n = %{customdata[3]:,.0f} pupils in %{customdata[6]} schools<br>"
            "effective n %{customdata[4]:,.0f}, design effect %{customdata[5]:.2f}"
            "<extra></extra>")


def _custom(rows: pd.DataFrame) -> list[list]:
    """``customdata`` rows (:data:`CUSTOM`) for the table's rows, percentages for intervals."""
    out = []
    for r in rows.itertuples(index=False):
        out.append([str(r.item), str(r.label), _num(r.n), _num(getattr(r, "n_pupils", r.n)),
                    _num(r.n_eff), _num(r.deff), _num(r.n_schools), _num(r.ci_low, 100),
                    _num(r.ci_high, 100), str(getattr(r, "category", "") or "")])
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


def _hidden(rows: pd.DataFrame) -> np.ndarray:
    return rows["suppressed"].fillna("").astype(str).to_numpy() != ""


def _hidden_marks(marks, rows: pd.DataFrame, name: str, label: str, colour: str) -> None:
    """Append, for each hidden row of one group, its symbol's place (at 0, where
    its bar or interval would start, in the row's ``ypos``), text, colour and
    hover words (naming ``rows[name]`` and the group ``label``) to ``marks`` =
    (x, y, text, colour, hover) lists for :func:`_hidden_trace`."""
    hx, hy, ht, hc, hh = marks
    for r, hidden in zip(rows.to_dict("records"), _hidden(rows)):
        if hidden:
            hx.append(0.0)
            hy.append(r["ypos"])
            ht.append(f"<b>{r['suppressed']}</b>")
            hc.append(colour)
            hh.append(f"{r[name]}, {label}: {_hidden_words(r['suppressed'])}")


def _hidden_trace(x: list, y: list, text: list, colours: list, hover: list) -> dict:
    """The ``c`` / ``u`` symbols of hidden figures, each in its own row, at 0."""
    return dict(type="scatter", x=x, y=y, text=text, mode="text", textposition="middle right",
                      textfont=dict(color=colours, size=14, family=figures.FONT),
                      hovertext=hover, hoverinfo="text", showlegend=False,
                      name="hidden", meta={"kind": "hidden"}, cliponaxis=False)


#: Pixels a footer line adds under a chart (:func:`with_footer`).
FOOTER_LINE = 18


def with_footer(fig: go.Figure, lines: Sequence[str]) -> go.Figure:
    """``fig`` with ``lines`` (plain text) written under the plot, so that a
    downloaded image carries what the page says beside the chart (its base n,
    what ``c`` and ``u`` mean). One annotation named ``"footer"``; the bottom
    margin and the height grow by :data:`FOOTER_LINE` pixels a line."""
    lines = [line for line in lines if line]
    if not lines:
        return fig
    extra = FOOTER_LINE * len(lines) + 8
    bottom = (fig.layout.margin.b or 60)
    fig.update_layout(margin=dict(b=bottom + extra), height=(fig.layout.height or 450) + extra)
    fig.add_annotation(
        text="<br>".join(html.escape(line) for line in lines), name="footer",
        xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
        yshift=-bottom, showarrow=False, align="left",
        font=dict(size=11, color=figures.TEXT_COLOUR))
    return fig


def hidden_key(rows: pd.DataFrame) -> str:
    """What the chart's ``c`` and ``u`` marks mean, for the symbols ``rows`` use."""
    symbols = set(rows["suppressed"].astype(str)) if "suppressed" in rows else set()
    return "; ".join(f"{s}: {_hidden_words(s).rsplit(' (', 1)[0]}" for s in ("c", "u")
                     if s in symbols)


def _hidden_words(symbol: str) -> str:
    return ("hidden to protect confidentiality (c)" if symbol == "c"
            else "not shown: too few pupils or schools for a reliable figure (u)")


def _layout(fig: "_Draft", title: str, subtitle: str, rows: int, *, x_title: str,
            x_range: Sequence[float], tickvals: Sequence[float], ticktext: Sequence[str],
            legend_title: str = "") -> "_Draft":
    """Layout shared by the three charts; every key is always set, so a chart
    updated in place never keeps a setting of the chart it replaces."""
    fig.update_layout(
        title=dict(text=title, subtitle=dict(text=subtitle), x=0.01, xanchor="left",
                   y=0.985, yanchor="top", font=dict(size=18)),
        height=CHART_MARGIN + ROW_HEIGHT * max(rows, 3),
        margin=dict(l=200, r=40, t=120, b=60),
        font=dict(family=figures.FONT, color=figures.TEXT_COLOUR, size=13),
        plot_bgcolor="white", paper_bgcolor="white",
        hoverlabel=dict(bgcolor="white", font=dict(size=13)), hovermode="closest",
        legend=dict(title=dict(text=legend_title), orientation="h", x=1, xanchor="right",
                    y=1.02, yanchor="bottom", traceorder="normal", font=dict(size=13)),
        xaxis=dict(title=dict(text=x_title), range=list(x_range), tickvals=list(tickvals),
                   ticktext=list(ticktext), gridcolor="#e5e5e5", zeroline=False,
                   showline=False, fixedrange=True),
        showlegend=True, shapes=[], annotations=[],
    )
    return fig


class _Draft:
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
    mean = table.assign(item=table["item"].astype(str)).groupby("item", sort=False)[
        "share"].mean()
    return sorted(order, key=lambda it: (np.isnan(mean.get(it, np.nan)),
                                         -np.nan_to_num(mean.get(it, np.nan)), order[it]))


def ranked_dots(table: pd.DataFrame, compare: str | None = None, *, title: str = "",
                subtitle: str = "", x_title: str = "Share of pupils (%)") -> go.Figure:
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
    offsets = np.linspace(-DODGE / 2, DODGE / 2, len(groups)) if len(groups) > 1 else [0.0]
    top = 100.0 * float(np.nanmax(table["ci_high"].astype(float))) if \
        table["ci_high"].notna().any() else 10.0
    top = min(100.0, max(10.0, math.ceil(top * 1.08 / 5) * 5))
    fig = _Draft()
    hx, hy, ht, hc, hh = [], [], [], [], []
    for k, (value, label) in enumerate(groups):
        rows = _part(table, compare, value).copy()
        rows["ypos"] = rows["item"].astype(str).map(position) + offsets[k]
        rows = rows.sort_values("ypos")
        colour = group_colour(compare, value, k)
        share = rows["share"].astype(float)
        low, high = rows["ci_low"].astype(float), rows["ci_high"].astype(float)
        fig.add_trace(dict(
            type="scatter",
            x=_pct(share), y=rows["ypos"].tolist(), mode="markers", name=label,
            marker=dict(color=colour, size=11, symbol=SYMBOLS[k % len(SYMBOLS)],
                        line=dict(color="white", width=1)),
            error_x=dict(type="data", symmetric=False, array=_pct(high - share),
                         arrayminus=_pct(share - low), color=colour, thickness=2, width=0),
            customdata=_custom(rows), meta={"kind": "share", "group": _plain(value)},
            hovertemplate=_hover_share(label), cliponaxis=False))
        _hidden_marks((hx, hy, ht, hc, hh), rows, "label", label, colour)
    fig.add_trace(_hidden_trace(hx, hy, ht, hc, hh))
    vals, text = _percent_ticks(top)
    _layout(fig, title, subtitle, len(items), x_title=x_title, x_range=[0, top * 1.02],
            tickvals=vals, ticktext=text)
    fig.update_layout(barmode="overlay", yaxis=dict(
        type="linear", tickvals=list(range(len(items))),
        ticktext=[labels.get(i, i) for i in items], range=[len(items) - 0.5, -0.5],
        showgrid=True, gridcolor="#f0f0f0", zeroline=False, ticks="", fixedrange=True,
        autorange=False))
    return fig.figure()


def _tint(colour: str, alpha: float = 0.5) -> str:
    """``#RRGGBB`` as ``rgba(r, g, b, alpha)``."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def _plain(value):
    """A group code as JSON takes it (numpy ints become ints)."""
    if value is None:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    return value.item() if hasattr(value, "item") else value


# --------------------------------------------------------------------------- diverging


#: Fill of the part of a diverging bar whose answers are hidden: light grey, hatched.
HIDDEN_PART = dict(color="#e8e8e8", line=dict(color=figures.HIDDEN_COLOUR, width=1),
                   pattern=dict(shape="/", fgcolor=figures.HIDDEN_COLOUR, size=6, solidity=0.3))


def _placed_rows(table: pd.DataFrame, compare: str | None, position: dict,
                 groups: list[tuple[object, str]], offsets) -> list[dict]:
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
            by_code = {int(c): r for c, r in zip(rows["_code"], rows.to_dict("records"))
                       if np.isfinite(c)}
            hidden = sorted(c for c, r in by_code.items() if str(r["suppressed"] or "")
                            or not np.isfinite(float(r["share"])))
            left = [c for c in hidden if c < 3]
            right = [c for c in hidden if c >= 3]
            shown = sum(100.0 * float(r["share"]) for c, r in by_code.items() if c not in hidden)
            entry = dict(k=k, value=value, label=label, item=item,
                         ypos=position[item] + offsets[k], by_code=by_code, hidden=hidden,
                         withheld=bool(left and right) or len(hidden) == 1, side=0, slot=None,
                         rest=max(0.0, 100.0 - shown))
            if hidden and not entry["withheld"]:
                entry["side"] = -1 if left else 1
                entry["slot"] = max(left) if left else min(right)  # nearest 0
            placed.append(entry)
    return placed


def diverging_bars(table: pd.DataFrame, compare: str | None = None, *, title: str = "",
                   subtitle: str = "") -> go.Figure:
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
    agreeing = agree.groupby([*([compare] if compare else []), "item"], observed=True,
                             sort=False)["share"].sum(min_count=2).reset_index()
    items = rank_items(agreeing.assign(
        item=agreeing["item"], share=agreeing["share"])) if len(agreeing) else []
    position = {item: i for i, item in enumerate(items)}
    labels = dict(zip(table["item"].astype(str), table["label"].astype(str)))
    groups = group_levels(table, compare)
    offsets = np.linspace(-DODGE / 2, DODGE / 2, len(groups)) if len(groups) > 1 else [0.0]
    width = 0.8 / max(len(groups), 1) * 0.9
    codes = schema.scale_codes("agreement")
    placed = sorted(_placed_rows(table, compare, position, groups, offsets),
                    key=lambda e: e["ypos"])
    fig = _Draft()

    def symbols(entry: dict) -> list[str]:
        return sorted({str(entry["by_code"][c]["suppressed"] or "c") for c in entry["hidden"]})

    def hidden_words(entry: dict) -> str:
        answers = ", ".join(codes[c] for c in entry["hidden"])
        return (f"{labels[entry['item']]}, {entry['label']}: {answers}: "
                + "; ".join(_hidden_words(s) for s in symbols(entry)))

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
        fig.add_trace(dict(
            type="bar",
            x=xs, y=ys, orientation="h", name=codes[code], width=width,
            marker=dict(color=AGREEMENT_COLOURS[code], line=dict(width=0)),
            customdata=custom, meta={"kind": "distribution", "category": str(code)},
            legendrank=code,
            hovertemplate=("<b>%{customdata[1]}</b>, %{customdata[10]}<br>"
                           f"{codes[code]}: <b>%{{customdata[11]:.1f}}%</b> "
                           "(95% interval %{customdata[7]:.1f}–%{customdata[8]:.1f}%)<br>"
                           "n = %{customdata[3]:,.0f} pupils in %{customdata[6]} schools<br>"
                           "effective n %{customdata[4]:,.0f}, design effect "
                           "%{customdata[5]:.2f}<extra></extra>")))
        parts = [e for e in placed if e["slot"] == code]
        if parts:
            fig.add_trace(dict(
                type="bar", x=[sign * e["rest"] for e in parts], y=[e["ypos"] for e in parts],
                orientation="h", name="Hidden answers", width=width, marker=HIDDEN_PART,
                text=["<b>" + ",".join(symbols(e)) + "</b>" for e in parts],
                textposition="inside", insidetextanchor="middle", constraintext="none",
                textfont=dict(color=figures.TEXT_COLOUR, size=13, family=figures.FONT),
                hovertext=[hidden_words(e) + " (the grey part is what the answers shown "
                           "leave, not a figure of its own)" for e in parts],
                hoverinfo="text", legendgroup="hidden", showlegend=code == min(
                    e["slot"] for e in placed if e["slot"] is not None),
                legendrank=5, meta={"kind": "hidden", "category": str(code)}))
    withheld = [e for e in placed if e["withheld"]]
    fig.add_trace(dict(
        type="scatter", x=[0.0] * len(withheld), y=[e["ypos"] for e in withheld],
        text=["<b>" + ",".join(symbols(e)) + "</b>: answers hidden, not drawn"
              for e in withheld],
        mode="text", textposition="middle center",
        textfont=dict(color=[group_colour(compare, e["value"], e["k"]) for e in withheld],
                      size=13, family=figures.FONT),
        hovertext=[hidden_words(e) + ". Hidden answers on both sides of the bar (or one "
                   "alone) leave no part of it a true place, so the row is not drawn."
                   for e in withheld],
        hoverinfo="text", showlegend=False, name="hidden", meta={"kind": "hidden"},
        cliponaxis=False))
    vals = [-100, -75, -50, -25, 0, 25, 50, 75, 100]
    _layout(fig, title, subtitle, len(items) * max(1, len(groups)) * 0.75,
            x_title="← disagree (%)  ·  agree (%) →", x_range=[-104, 104], tickvals=vals,
            ticktext=[f"{abs(v)}%" for v in vals])
    ticks, text = [], []
    for item in items:
        for k, (_, label) in enumerate(groups):
            ticks.append(position[item] + offsets[k])
            text.append(f"<b>{labels[item]}</b> · {label}" if k == 0 and len(groups) > 1
                        else (label if len(groups) > 1 else labels[item]))
    fig.update_layout(barmode="relative", yaxis=dict(
        type="linear", tickvals=ticks, ticktext=text, range=[len(items) - 0.5, -0.5],
        showgrid=False, zeroline=False, ticks="", fixedrange=True, autorange=False))
    fig.update_layout(shapes=[dict(type="line", xref="x", yref="paper", x0=0, x1=0, y0=0, y1=1,
                                   line=dict(color=figures.ZERO_COLOUR, width=1))])
    return fig.figure()


# --------------------------------------------------------------------------- aim


def aim_bars(table: pd.DataFrame, compare: str | None = None, *, title: str = "",
             subtitle: str = "") -> go.Figure:
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
    offsets = np.linspace(-DODGE / 2, DODGE / 2, len(groups)) if len(groups) > 1 else [0.0]
    width = 0.8 / max(len(groups), 1) * 0.9
    top = 100.0 * float(np.nanmax(table["ci_high"].astype(float))) if \
        table["ci_high"].notna().any() else 10.0
    top = min(100.0, max(10.0, math.ceil(top * 1.08 / 5) * 5))
    fig = _Draft()
    hx, hy, ht, hc, hh = [], [], [], [], []
    for k, (value, label) in enumerate(groups):
        rows = _part(table, compare, value).copy()
        rows["ypos"] = rows["category"].astype(str).map(position) + offsets[k]
        rows = rows.dropna(subset=["ypos"]).sort_values("ypos")
        colour = group_colour(compare, value, k)
        share = rows["share"].astype(float)
        fig.add_trace(dict(
            type="bar",
            x=_pct(share), y=rows["ypos"].tolist(), orientation="h", name=label, width=width,
            # a light fill with the group's colour as outline, so the dark
            # interval shows on every group's bar (black included)
            marker=dict(color=_tint(colour), line=dict(color=colour, width=1.5)),
            error_x=dict(type="data", symmetric=False,
                         array=_pct(rows["ci_high"].astype(float) - share),
                         arrayminus=_pct(share - rows["ci_low"].astype(float)),
                         color=figures.ESTIMATE_COLOUR, thickness=1.5, width=4),
            customdata=_custom(rows), meta={"kind": "aim", "group": _plain(value)},
            hovertemplate=_hover_share(label, "%{text}"),
            text=rows["category_label"].astype(str).tolist(), textposition="none"))
        _hidden_marks((hx, hy, ht, hc, hh), rows, "category_label", label, colour)
    fig.add_trace(_hidden_trace(hx, hy, ht, hc, hh))
    vals, text = _percent_ticks(top)
    _layout(fig, title, subtitle, len(answers), x_title="Share of pupils (%)",
            x_range=[0, top * 1.02], tickvals=vals, ticktext=text)
    fig.update_layout(barmode="overlay", yaxis=dict(
        type="linear", tickvals=list(range(len(answers))),
        ticktext=[block.categories[c] for c in answers], range=[len(answers) - 0.5, -0.5],
        showgrid=False, zeroline=False, ticks="", fixedrange=True, autorange=False))
    return fig.figure()
