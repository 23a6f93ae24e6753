"""Hidden figures drawn as hidden: their marks, the words that explain them.

A figure hidden by disclosure control (``suppressed`` ``"c"`` or ``"u"``) is never
drawn as a number. Every chart writes its symbol in the figure's own place at the
zero line, in bold, with a hover saying why (:func:`hidden_words`):

- share charts (:mod:`analysis.figures.shares`) gather a group's marks with
  :func:`add_text_marks` into one text trace, :func:`text_trace`
  (``meta["kind"] == "hidden"``), at the group's dodged row;
- the hidden answers of a diverging bar are one grey hatched part,
  :data:`HIDDEN_PART`;
- comparison and school charts write one annotation per row,
  :func:`annotation` (named ``"hidden:<item>"`` on comparison charts).

:func:`hidden_key` is the line a chart's footer carries ("c: hidden to protect
confidentiality; u: …").
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from . import style

#: Why a figure is hidden, per symbol.
REASONS = {
    "c": "hidden to protect confidentiality",
    "u": "not shown: too few pupils or schools for a reliable figure",
}
#: What a comparison row with no figure at all says (no pupils in one of the two groups).
NO_FIGURE = "–"
#: Fill of the part of a diverging bar whose answers are hidden: light grey, hatched.
HIDDEN_PART = dict(
    color="#e8e8e8",
    line=dict(color=style.HIDDEN_COLOUR, width=1),
    pattern=dict(shape="/", fgcolor=style.HIDDEN_COLOUR, size=6, solidity=0.3),
)


def hidden_words(symbol: str, rules=None) -> str:
    """Why a figure marked ``symbol`` is hidden, the symbol in brackets.

    ``rules`` (:class:`analysis.disclosure.DisclosureRules`), when given, says the
    thresholds of ``u``.

    >>> hidden_words("c")
    'hidden to protect confidentiality (c)'
    """
    if symbol == NO_FIGURE:
        return "no figure: no pupils in one of the two groups"
    if symbol == "u" and rules is not None:
        return (
            f"not shown: base under {rules.min_base:g} pupils or under "
            f"{rules.min_schools} schools (u)"
        )
    return f"{REASONS.get(symbol, REASONS['u'])} ({symbol})"


def hidden_key(rows: pd.DataFrame) -> str:
    """What the chart's ``c`` and ``u`` marks mean, for the symbols ``rows`` use."""
    symbols = set(rows["suppressed"].astype(str)) if "suppressed" in rows else set()
    return "; ".join(f"{s}: {REASONS[s]}" for s in ("c", "u") if s in symbols)


def mark_text(symbol: str) -> str:
    """The mark as drawn: the symbol in bold."""
    return f"<b>{html.escape(str(symbol))}</b>"


def is_hidden(rows: pd.DataFrame) -> np.ndarray:
    """Per row: True where ``suppressed`` holds a symbol."""
    return rows["suppressed"].fillna("").astype(str).to_numpy() != ""


def add_text_marks(marks, rows: pd.DataFrame, name: str, label: str, colour: str) -> None:
    """Append, for each hidden row of one group, its symbol's place (at 0, where
    its bar or interval would start, in the row's ``ypos``), text, colour and
    hover words (naming ``rows[name]`` and the group ``label``) to ``marks`` =
    (x, y, text, colour, hover) lists for :func:`text_trace`."""
    hx, hy, ht, hc, hh = marks
    for r, hidden in zip(rows.to_dict("records"), is_hidden(rows)):
        if hidden:
            hx.append(0.0)
            hy.append(r["ypos"])
            ht.append(mark_text(r["suppressed"]))
            hc.append(colour)
            hh.append(f"{r[name]}, {label}: {hidden_words(r['suppressed'])}")


def text_trace(x: list, y: list, text: list, colours: list, hover: list) -> dict:
    """The ``c`` / ``u`` symbols of hidden figures, each in its own row, at 0."""
    return dict(
        type="scatter",
        x=x,
        y=y,
        text=text,
        mode="text",
        textposition="middle right",
        textfont=dict(color=colours, size=14, family=style.FONT),
        hovertext=hover,
        hoverinfo="text",
        showlegend=False,
        name="hidden",
        meta={"kind": "hidden"},
        cliponaxis=False,
    )


def annotation(
    y,
    symbol: str,
    hover: str,
    *,
    x: float = 0.0,
    xref: str = "x",
    xanchor: str = "center",
    colour: str = style.HIDDEN_COLOUR,
    **more,
) -> dict:
    """One hidden figure's mark as a layout annotation at ``(x, y)``, its hover ``hover``
    (plain text, escaped here)."""
    return dict(
        x=x,
        y=y,
        xref=xref,
        yref="y",
        text=mark_text(symbol),
        showarrow=False,
        xanchor=xanchor,
        font=dict(size=13, color=colour),
        hovertext=html.escape(hover),
        **more,
    )
