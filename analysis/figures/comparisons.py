"""Figures for gaps, changes of gaps, changes between waves and the cohort view.

Every function takes rows of the comparison shape
(:data:`analysis.measures.COMPARISON_COLUMNS`, as ``Results.comparisons``
(:mod:`dashboards.results`) returns them, narrowed to one
group: one wave and year group, say) and returns a finished
:class:`plotly.graph_objects.Figure`. No widgets here.

How to read them, on every chart:

- one row per item, sorted by the size of what the chart is about (largest
  at the top); a row whose figure is hidden (``suppressed`` ``"c"`` or
  ``"u"``) is listed last, nothing is drawn on it, and its symbol is written
  at the zero line (hovering it says why);
- a dot is the estimate in percentage points, the line through it its 95%
  interval (school-clustered, t on G − 1 degrees of freedom);
- a **filled** dot is significant after the Benjamini-Hochberg correction of
  its family (``significant_fdr``; the family, named in ``fdr_family``, is
  every test of that measure in one block), a **hollow** dot is not; the
  legend says so;
- a vertical line marks zero: no gap, or no change.

Every point carries the item's column name first in its ``customdata`` and
every trace a ``meta`` dict saying what it draws (``{"role": "estimate",
"significant": True}``…), so tests (and a browser) can read the figure back.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import schema

from . import hidden, style
from .hidden import NO_FIGURE
from .style import (
    ESTIMATE_COLOUR,
    HIDDEN_COLOUR,
    JOIN_COLOUR,
    WAVE_COLOURS,
    YEAR_GROUP_COLOURS,
    ZERO_COLOUR,
    short_level,
    short_year,
)
from .text import n_range

SIGNIFICANT = "Filled dot: significant after Benjamini-Hochberg (5% FDR)"
NOT_SIGNIFICANT = "Hollow dot: not significant after Benjamini-Hochberg"
#: Said on the left panel of a paired chart when its two figures are not in the table
#: (a publication bundle publishes a change, not the two figures it is made of).
UNPUBLISHED_PARTS = "The two figures compared are not published;<br>the change (right) is."

_ROW_HEIGHT = 26
_TOP, _BOTTOM = 135, 70


# ------------------------------------------------------------------ helpers


def row_labels(table: pd.DataFrame) -> np.ndarray:
    """The words on each row: the item's label, prefixed by its block when
    ``table`` holds more than one block ("Enjoyment: Maths")."""
    labels = table["label"].astype(str).to_numpy(dtype=object)
    blocks = table["block"].astype(str).to_numpy(dtype=object)
    if len(set(blocks)) > 1:
        names = {b.key: b.label for b in schema.blocks()}
        labels = np.array(
            [f"{names.get(b, b)}: {label}" for b, label in zip(blocks, labels)], dtype=object
        )
    return labels


def row_markers(table: pd.DataFrame) -> np.ndarray:
    """Per row: ``"c"`` or ``"u"`` when hidden, :data:`NO_FIGURE` when it has
    no estimate, ``""`` when it is drawn."""
    suppressed = (
        table["suppressed"].fillna("").astype(str).to_numpy(dtype=object)
        if "suppressed" in table
        else np.full(len(table), "", dtype=object)
    )
    missing = table["estimate_pp"].astype(float).isna().to_numpy()
    return np.where(suppressed != "", suppressed, np.where(missing, NO_FIGURE, ""))


def sort_rows(table: pd.DataFrame, by: str = "estimate_pp") -> pd.DataFrame:
    """Rows drawn, largest ``by`` first, then rows not drawn in questionnaire order.

    Adds ``row_label`` (:func:`row_labels`) and ``marker`` (:func:`row_markers`).
    """
    labels, markers = row_labels(table), row_markers(table)
    value = table[by].astype(float).to_numpy()
    drawn = np.flatnonzero(markers == "")
    order = np.concatenate(
        [drawn[np.argsort(-value[drawn], kind="stable")], np.flatnonzero(markers != "")]
    )
    return (
        table.take(order)
        .reset_index(drop=True)
        .assign(row_label=labels[order], marker=markers[order])
    )


def base_text(table: pd.DataFrame, first: str, second: str, in_both: str = "") -> str:
    """The bases in words: ``"Boys n = 908–1,019, girls n = 914–953 · 27 schools in all"``.

    Comparisons of the two waves in all schools count both waves' schools
    together: ``in_both`` says how many of them are in both waves, from the data
    shown (:meth:`dashboards.results.WaveSchools.in_both_words`: ``"all in both
    waves"``, ``"19 of them in both waves"``); without it the count is said to be
    of both waves together, and nothing more is claimed."""

    def span(values: pd.Series) -> str:
        n = n_range(values)
        return f"n = {n}" if n else "n not published"

    schools = n_range(table["n_schools"])
    where = ""
    if schools:
        where = f" · {schools} schools in all"
        if _spans_waves(table):  # the count is of both waves' schools together
            where += f", {in_both}" if in_both else " (both waves together)"
    return (
        f"{first} {span(table['n_first'])}, {second[:1].lower() + second[1:]} "
        f"{span(table['n_second'])}{where}"
    )


def _spans_waves(table: pd.DataFrame) -> bool:
    """True for rows comparing wave 1 with wave 2 in all schools (their school count
    is the two waves' together)."""
    if "measure" not in table or "schools" not in table or not len(table):
        return False
    measure = table["measure"].astype(str)
    across = (
        (measure == "change_waves")
        | (measure == "cohort")
        | measure.str.endswith("_gap_change_waves")
    )
    return bool((across & (table["schools"].astype(str) == "all")).any())


def _significant(table: pd.DataFrame) -> np.ndarray:
    values = table["significant_fdr"].to_numpy(dtype=object)
    return np.array([v is True or v is np.True_ or v == 1 for v in values], dtype=bool)


def _customdata(table: pd.DataFrame) -> list[list]:
    """Per point: item, first (×100), second (×100), n_first, n_second, ci_low,
    ci_high, schools, p, q (NaN stays NaN)."""
    cols = [
        "share_first",
        "share_second",
        "n_first",
        "n_second",
        "ci_low_pp",
        "ci_high_pp",
        "n_schools",
        "p_value",
        "q_value",
    ]
    values = table[cols].astype(float).to_numpy(copy=True)
    values[:, :2] *= 100
    return [[item, *row] for item, row in zip(table["item"].astype(str), values.tolist())]


def _floats(values: pd.Series) -> list:
    return values.astype(float).tolist()


def _estimate_traces(table: pd.DataFrame, hover: str, xaxis: str = "x") -> list[dict]:
    """Two traces, significant (filled) and not (hollow): dots with interval lines."""
    traces = []
    drawn = table[table["marker"] == ""]
    significant = _significant(drawn)
    for flag, name, symbol in (
        (True, SIGNIFICANT, "circle"),
        (False, NOT_SIGNIFICANT, "circle-open"),
    ):
        part = drawn[significant == flag]
        estimate = part["estimate_pp"].astype(float)
        x, y = estimate.tolist(), part["row_label"].tolist()
        if not x and len(table):
            # an empty trace drops out of the legend: one point at no value keeps it there
            x, y = [None], [table["row_label"].iloc[0]]
        traces.append(
            dict(
                type="scatter",
                x=x,
                y=y,
                xaxis=xaxis,
                yaxis="y",
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=_floats(part["ci_high_pp"].astype(float) - estimate),
                    arrayminus=_floats(estimate - part["ci_low_pp"].astype(float)),
                    color=ESTIMATE_COLOUR,
                    thickness=1.6,
                    width=0,
                ),
                mode="markers",
                name=name,
                legendgroup=name,
                showlegend=True,
                marker=dict(
                    symbol=symbol,
                    size=10,
                    color=ESTIMATE_COLOUR,
                    line=dict(color=ESTIMATE_COLOUR, width=2),
                ),
                customdata=_customdata(part),
                hovertemplate=hover,
                meta={"role": "estimate", "significant": flag},
            )
        )
    return traces


def _hidden_annotations(
    table: pd.DataFrame, xref: str = "x", x: float = 0.0, xanchor: str = "center"
) -> list[dict]:
    """The symbol of each row not drawn, written on its row at ``x``
    (:func:`analysis.figures.hidden.annotation`)."""
    return [
        hidden.annotation(
            label,
            marker,
            f"{label}: {hidden.hidden_words(marker)}",
            x=x,
            xref=xref,
            xanchor=xanchor,
            bgcolor="white",
            name=f"hidden:{item}",
        )
        for label, marker, item in zip(table["row_label"], table["marker"], table["item"])
        if marker
    ]


def _zero_line(xref: str = "x") -> dict:
    return dict(
        type="line",
        xref=xref,
        yref="paper",
        x0=0,
        x1=0,
        y0=0,
        y1=1,
        line=dict(color=ZERO_COLOUR, width=1.5),
        name="zero",
    )


def _axis(title: str, limits: list[float], **more) -> dict:
    return dict(
        title=dict(text=title),
        range=limits,
        gridcolor="#e5e5e5",
        zeroline=False,
        automargin=True,
        **more,
    )


def _figure(
    traces: list[dict], rows: pd.DataFrame, title: str, subtitle: str, **layout
) -> go.Figure:
    """The finished figure: traces, the shared layout, the item rows on ``y``."""
    annotations = list(layout.pop("annotations", []))
    if not len(rows):
        annotations.append(
            dict(
                text="No figures for this choice.",
                x=0.5,
                y=0.5,
                xref="paper",
                yref="paper",
                showarrow=False,
                font=dict(size=15, color=HIDDEN_COLOUR),
                name="empty",
            )
        )
    order = rows["row_label"].tolist()
    # template "none": every style is set here, and the default template would
    # add some 10 kB to every figure sent to the browser. _validate=False: the
    # dicts are written against plotly's schema (the tests read the figures
    # back); validating every property again took most of a redraw's time
    return go.Figure(
        _validate=False,
        data=traces,
        layout=dict(
            title=dict(
                text=title,
                subtitle=dict(text=subtitle),
                x=0.01,
                xanchor="left",
                y=0.99,
                yanchor="top",
                font=dict(size=18),
            ),
            height=_TOP + _BOTTOM + _ROW_HEIGHT * max(len(rows), 3),
            margin=dict(l=10, r=30, t=_TOP - 30, b=_BOTTOM),
            legend=dict(
                orientation="h",
                x=0,
                xanchor="left",
                y=1.0,
                yanchor="bottom",
                font=dict(size=12),
                traceorder="normal",
            ),
            font=dict(family=style.FONT, color=style.TEXT_COLOUR, size=13),
            plot_bgcolor="white",
            paper_bgcolor="white",
            hoverlabel=dict(bgcolor="white", font=dict(size=13)),
            showlegend=True,
            yaxis=dict(
                categoryorder="array",
                categoryarray=order,
                autorange="reversed",
                type="category",
                ticks="",
                showgrid=True,
                gridcolor="#f2f2f2",
                automargin=True,
            ),
            annotations=annotations,
            template="none",
            **layout,
        ),
    )


def _range(values: list[float], include_zero: bool = True) -> list[float]:
    finite = [v for v in values if v is not None and np.isfinite(v)]
    if include_zero:
        finite.append(0.0)
    if not finite:
        return [-1.0, 1.0]
    lo, hi = min(finite), max(finite)
    pad = max((hi - lo) * 0.06, 1.0)
    return [lo - pad, hi + pad]


# ------------------------------------------------------------------ figures


def gap_dots(
    table: pd.DataFrame,
    *,
    first: str = "Boys",
    second: str = "Girls",
    title: str = "",
    subtitle: str | None = None,
) -> go.Figure:
    """Sorted dot plot of gaps (``first − second``, percentage points) with 95% intervals.

    Parameters
    ----------
    table : DataFrame
        Comparison rows of a gap measure (``gender_gap``, ``ethnicity_gap``)
        for one group (one wave and year group), one or more blocks.
    first, second : str
        The two groups compared, in words ("Boys", "Girls"); the gap is
        ``first − second``.
    title : str
        What the chart shows and for whom.
    subtitle : str, optional
        Defaults to the bases (:func:`base_text`).

    Returns
    -------
    plotly.graph_objects.Figure
        Two marker traces (``meta["role"] == "estimate"``; significant filled,
        not significant hollow), ``x`` the gap in pp, ``error_x`` the interval,
        ``y`` the row label; a vertical zero line (``layout.shapes``, named
        ``"zero"``); one annotation per row not drawn (named ``"hidden:<item>"``).
    """
    rows = sort_rows(table)
    a, b = html.escape(first), html.escape(second)
    hover = (
        f"<b>%{{y}}</b><br>Gap ({a} − {b}): %{{x:+.1f}} pp"
        "<br>95% interval %{customdata[5]:+.1f} to %{customdata[6]:+.1f} pp"
        f"<br>{a}: %{{customdata[1]:.1f}}% of %{{customdata[3]:,.0f}}"
        f"<br>{b}: %{{customdata[2]:.1f}}% of %{{customdata[4]:,.0f}}"
        "<br>%{customdata[7]:.0f} schools · p = %{customdata[8]:.3g}, "
        "BH q = %{customdata[9]:.3g}<extra></extra>"
    )
    limits = _range([*_floats(rows["ci_low_pp"]), *_floats(rows["ci_high_pp"])])
    return _figure(
        _estimate_traces(rows, hover),
        rows,
        title,
        base_text(table, first, second) if subtitle is None else subtitle,
        xaxis=_axis(
            f"Gap in percentage points ({first} − {second}): right of 0, {first.lower()} higher",
            limits,
        ),
        shapes=[_zero_line("x")],
        annotations=_hidden_annotations(rows),
    )


def paired_change(
    table: pd.DataFrame,
    *,
    first: str,
    second: str,
    first_colour: str,
    second_colour: str,
    values_title: str,
    change_title: str,
    values_are: str = "percent",
    title: str = "",
    subtitle: str | None = None,
    base_first: str | None = None,
    base_second: str | None = None,
    in_both: str = "",
) -> go.Figure:
    """Two panels: each item's two values (a dumbbell) and the change with its interval.

    The left panel draws ``share_first`` and ``share_second`` (× 100) of
    every row joined by a grey line: two shares in percent
    (``values_are="percent"``: change between waves, the cohort), or two gaps
    in percentage points (``values_are="pp"``: a gap at year 7 and at year 9,
    whose ``share_first``/``share_second`` hold the gaps as proportions). The
    right panel draws the change ``estimate_pp`` (second − first) with its 95%
    interval, filled where significant after Benjamini-Hochberg. Rows are
    sorted by the change, largest first.

    Parameters
    ----------
    table : DataFrame
        Comparison rows for one group, one or more blocks.
    first, second : str
        Names of the two values ("Year 7", "Year 9"; "Wave 1 (2008)"…).
    first_colour, second_colour : str
        Their colours (:data:`YEAR_GROUP_COLOURS`, :data:`WAVE_COLOURS`).
    values_title, change_title : str
        The two x axes' titles.
    values_are : ``"percent"`` or ``"pp"``
        What the left panel shows: shares (axis 0-100) or gaps (around 0,
        with a zero line).
    title, subtitle : str
        Subtitle defaults to the bases (:func:`base_text`).
    base_first, base_second : str, optional
        Names of the bases in the subtitle (default ``first``, ``second``).
    in_both : str, optional
        How many of the schools are in both waves, in words (:func:`base_text`).

    Returns
    -------
    plotly.graph_objects.Figure
        Five traces, ``meta["role"]``: ``"join"`` (the grey lines),
        ``"first"`` and ``"second"`` (the two values, ``x`` = 100 ×
        ``share_first``/``share_second``), and two ``"estimate"`` traces on
        ``x2`` (significant filled, not significant hollow). Both panels
        share the ``y`` axis of item rows.
    """
    rows = sort_rows(table)
    unit = "%" if values_are == "percent" else " pp"
    fmt = ".1f" if values_are == "percent" else "+.1f"
    drawn = rows[rows["marker"] == ""]
    v1 = [100 * v for v in _floats(drawn["share_first"])]
    v2 = [100 * v for v in _floats(drawn["share_second"])]
    labels = drawn["row_label"].tolist()
    join_x, join_y = [], []
    for one, two, label in zip(v1, v2, labels):
        join_x += [one, two, None]
        join_y += [label, label, None]
    traces = [
        dict(
            type="scatter",
            x=join_x,
            y=join_y,
            mode="lines",
            hoverinfo="skip",
            line=dict(color=JOIN_COLOUR, width=3),
            showlegend=False,
            meta={"role": "join"},
            xaxis="x",
            yaxis="y",
        )
    ]
    custom = _customdata(drawn)
    for role, name, values, colour, size in (
        ("first", first, v1, first_colour, 14),
        ("second", second, v2, second_colour, 9),
    ):
        n = "customdata[3]" if role == "first" else "customdata[4]"
        traces.append(
            dict(
                type="scatter",
                x=values,
                y=labels,
                mode="markers",
                name=name,
                legendgroup=role,
                marker=dict(size=size, color=colour, line=dict(color="white", width=1)),
                customdata=custom,
                meta={"role": role},
                xaxis="x",
                yaxis="y",
                hovertemplate=(
                    f"<b>%{{y}}</b><br>{html.escape(name)}: %{{x:{fmt}}}{unit} "
                    f"(n = %{{{n}:,.0f}})<extra></extra>"
                ),
            )
        )
    a, b = html.escape(first), html.escape(second)
    hover = (
        f"<b>%{{y}}</b><br>Change ({b} − {a}): %{{x:+.1f}} pp"
        "<br>95% interval %{customdata[5]:+.1f} to %{customdata[6]:+.1f} pp"
        f"<br>{a}: %{{customdata[1]:{fmt}}}{unit}, {b}: %{{customdata[2]:{fmt}}}{unit}"
        "<br>%{customdata[7]:.0f} schools · p = %{customdata[8]:.3g}, "
        "BH q = %{customdata[9]:.3g}<extra></extra>"
    )
    traces += _estimate_traces(rows, hover, xaxis="x2")
    shapes = [_zero_line("x2")]
    if values_are == "pp":
        shapes.append(_zero_line("x"))
        left, left_anchor = _range(v1 + v2), "center"
    else:
        finite = [v for v in v1 + v2 if np.isfinite(v)]
        left, left_anchor = [0, min(100.0, max(finite, default=50.0) * 1.08 + 2)], "left"
    change = _range([*_floats(rows["ci_low_pp"]), *_floats(rows["ci_high_pp"])])
    notes = [
        *_hidden_annotations(rows, "x", 0.0, left_anchor),
        *_hidden_annotations(rows, "x2", 0.0, "center"),
    ]
    if len(drawn) and not any(np.isfinite(v) for v in v1 + v2):
        # a publication bundle publishes the change, not the two figures it is made of:
        # no legend entries for markers that are not drawn
        for trace in traces:
            if trace.get("meta", {}).get("role") in ("first", "second"):
                trace["showlegend"] = False
        notes.append(
            dict(
                text=UNPUBLISHED_PARTS,
                x=0.5,
                y=0.5,
                xref="x domain",
                yref="y domain",
                showarrow=False,
                name="unpublished",
                font=dict(size=13, color=HIDDEN_COLOUR),
                bgcolor="white",
            )
        )
    return _figure(
        traces,
        rows,
        title,
        base_text(table, base_first or first, base_second or second, in_both)
        if subtitle is None
        else subtitle,
        xaxis=_axis(values_title, left, domain=[0.0, 0.47], anchor="y"),
        xaxis2=_axis(change_title, change, domain=[0.53, 1.0], anchor="y"),
        shapes=shapes,
        annotations=notes,
    )


def gap_change_dumbbell(
    table: pd.DataFrame,
    *,
    across: str = "year_group",
    first: str = "Boys",
    second: str = "Girls",
    title: str = "",
    subtitle: str | None = None,
    in_both: str = "",
) -> go.Figure:
    """Each item's gap at year 7 and at year 9 (or in wave 1 and wave 2), and its change.

    ``table``: rows of ``…_gap_change_years`` (for one wave) or
    ``…_gap_change_waves`` (``across="wave"``, for one year group). The left
    panel is a dumbbell of the two gaps in percentage points, coloured by year
    group (:data:`YEAR_GROUP_COLOURS`) or wave (:data:`WAVE_COLOURS`); the
    right panel the change of the gap with its interval (see
    :func:`paired_change`).
    """
    levels = schema.groups()[across].values
    colours = YEAR_GROUP_COLOURS if across == "year_group" else WAVE_COLOURS
    (lo, lo_name), (hi, hi_name) = list(levels.items())[:2]
    return paired_change(
        table,
        first=f"Gap in {short_level(across, lo)}",
        second=f"Gap in {short_level(across, hi)}",
        first_colour=colours[lo],
        second_colour=colours[hi],
        values_title=f"Gap in percentage points ({first} − {second})",
        change_title=(
            f"Change of the gap (pp), {short_year(across, hi)} − "
            f"{short_year(across, lo)}: right of 0, {first.lower()} gained"
        ),
        values_are="pp",
        title=title,
        subtitle=subtitle,
        base_first=lo_name,
        base_second=hi_name,
        in_both=in_both,
    )


def change_dots(
    table: pd.DataFrame,
    *,
    first: str,
    second: str,
    first_colour: str,
    second_colour: str,
    title: str = "",
    subtitle: str | None = None,
    in_both: str = "",
) -> go.Figure:
    """Each item's two shares (percent) and their change with its interval.

    For ``change_waves`` (wave 2 − wave 1, one year group) and ``cohort``
    (year 9 in wave 2 − year 7 in wave 1): see :func:`paired_change`.
    """
    return paired_change(
        table,
        first=first,
        second=second,
        first_colour=first_colour,
        second_colour=second_colour,
        values_title="Share of pupils (%)",
        change_title=f"Change in percentage points ({second} − {first})",
        values_are="percent",
        title=title,
        subtitle=subtitle,
        in_both=in_both,
    )
