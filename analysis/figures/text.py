"""The words on a chart: its base n, and footer lines carried into a downloaded image.

:func:`n_range` is the one way a base is written on every chart ("1,234", or
"1,200–1,234" when the items' bases differ); each chart says around it whose base it
is (:func:`analysis.figures.shares.base_text`,
:func:`analysis.figures.comparisons.base_text`, :mod:`analysis.figures.school`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

import numpy as np
import plotly.graph_objects as go

from . import style

#: Pixels a footer line adds under a chart (:func:`with_footer`).
FOOTER_LINE = 18


def n_range(values: Iterable[float]) -> str:
    """``"1,234"``, or ``"1,200–1,234"`` when the values differ; ``""`` when none is
    a number (every base hidden).

    >>> n_range([1200, 1234.0, float("nan")])
    '1,200–1,234'
    >>> n_range([27, 27])
    '27'
    """
    finite = [float(v) for v in values if v is not None and np.isfinite(float(v))]
    if not finite:
        return ""
    lo, hi = min(finite), max(finite)
    return f"{hi:,.0f}" if f"{lo:,.0f}" == f"{hi:,.0f}" else f"{lo:,.0f}–{hi:,.0f}"


def with_footer(fig: go.Figure, lines: Sequence[str]) -> go.Figure:
    """``fig`` with ``lines`` (plain text) written under the plot, so that a
    downloaded image carries what the page says beside the chart (its base n,
    what ``c`` and ``u`` mean). One annotation named ``"footer"``; the bottom
    margin and the height grow by :data:`FOOTER_LINE` pixels a line."""
    lines = [line for line in lines if line]
    if not lines:
        return fig
    extra = FOOTER_LINE * len(lines) + 8
    bottom = fig.layout.margin.b or 60
    fig.update_layout(margin=dict(b=bottom + extra), height=(fig.layout.height or 450) + extra)
    fig.add_annotation(
        text="<br>".join(html.escape(line) for line in lines),
        name="footer",
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        xanchor="left",
        yanchor="top",
        yshift=-bottom,
        showarrow=False,
        align="left",
        font=dict(size=11, color=style.TEXT_COLOUR),
    )
    return fig
