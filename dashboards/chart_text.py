"""What a chart says in words: a short summary and its data table.

A reader who cannot see a chart (a screen reader, a keyboard, a braille
display) gets every figure a sighted reader gets from it: one sentence saying
what the chart shows, its largest and smallest figure and which figures are
hidden, then a "Data table" (a ``<details>`` that opens from the keyboard)
holding a real ``<table>`` with a caption and header cells, one row per figure
drawn. Both are made from the result table the chart draws (the tidy shape of
:mod:`dashboards.results`: share-shaped rows with ``share``, or
comparison-shaped rows with ``estimate_pp``), by :func:`chart_text`, the one
function every page of the servers and the static site uses. A hidden figure is
written ``hidden (c)`` or ``hidden (u)``, never as a number.

>>> chart_text(rows, "Enjoyment: share agreeing, year 7 vs year 9")  # doctest: +SKIP
'<div class="ks3-chart-text"><p class="ks3-summary">…</p><details><summary>Data table</summary><table>…'
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis import schema
from analysis.figures.style import group_label

#: Styles of the summary and the table (in :data:`dashboards.page.CSS` and the static site).
CSS = """
.ks3-chart-text { margin: 0.3em 0 0.6em 0; }
.ks3-chart-text p { margin: 0.2em 0; }
.ks3-chart-text summary { cursor: pointer; color: #005a8c; text-decoration: underline;
                          padding: 0.15em 0; }
.ks3-chart-text table { border-collapse: collapse; margin: 0.4em 0; font-size: 0.9em; }
.ks3-chart-text caption { text-align: left; font-weight: 600; padding: 0.2em 0; }
.ks3-chart-text th, .ks3-chart-text td { border: 1px solid #b1b4b6; padding: 0.15em 0.5em;
                                         text-align: left; }
.ks3-chart-text td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ks3-chart-text thead th { background: #f3f2f1; }
"""

#: The class of a chart's summary sentence: when it changes (a reader chose other pupils),
#: the page's live region says the new one (:data:`dashboards.page.LIVE_REGION_JS`).
SUMMARY_CLASS = "ks3-summary"

#: Columns that name a row, in the order the table shows them, with their headers.
#: A column is shown when the rows hold more than one value of it (one value is in the
#: caption already); the item's label always.
NAME_COLUMNS = {
    "school": "School",
    "schools": "Schools",
    "wave": "Wave",
    "year_group": "Year group",
    "gender": "Gender",
    "ethnicity": "Ethnicity",
    "school_id": "School",
    "block": "Question block",
    "label": "Item",
    "category_label": "Answer",
}
#: Where a hidden figure's value would be.
HIDDEN = "hidden ({})"
#: A figure the data do not have (nobody in the group answered).
NO_FIGURE = "no figure"
#: At most this many hidden figures are named in the summary.
NAMED_HIDDEN = 6


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or str(value) == ""


def _level(column: str, value) -> str:
    if column in ("wave", "year_group", "gender", "ethnicity", "school_id"):
        return group_label(column, value)
    if column == "block":
        try:
            return schema.block(str(value)).label
        except (KeyError, ValueError):
            return str(value)
    if column == "schools":
        return {"all": "all schools", "common": "schools in both waves"}.get(str(value), str(value))
    return str(value)


def _records(rows: pd.DataFrame) -> list[dict]:
    """The rows as plain dicts (a hundred rows in well under a millisecond; ``iterrows``
    took a quarter of a second, too slow for a redraw)."""
    return rows.to_dict("records")


def name_columns(rows: pd.DataFrame, records: list[dict] | None = None) -> list[str]:
    """The columns that tell ``rows`` apart (see :data:`NAME_COLUMNS`)."""
    records = _records(rows) if records is None else records
    out = []
    for column in NAME_COLUMNS:
        if column not in rows:
            continue
        values = {"" if _blank(r[column]) else str(r[column]) for r in records}
        if column == "category_label" and values <= {""}:
            continue
        if column == "label" or len(values) > 1:
            out.append(column)
    return out


def row_names(
    rows: pd.DataFrame, columns: Sequence[str] | None = None, records: list[dict] | None = None
) -> list[str]:
    """Each row's name in words: its item, then its groups ("Maths, Year 9")."""
    records = _records(rows) if records is None else records
    columns = name_columns(rows, records) if columns is None else list(columns)
    order = [c for c in ("label", "category_label") if c in columns] + [
        c for c in columns if c not in ("label", "category_label")
    ]
    return [", ".join(_level(c, r[c]) for c in order if not _blank(r[c])) for r in records]


def comparison_parts(rows: pd.DataFrame) -> tuple[str, str, bool]:
    """The two figures a comparison row is made of, in the order of ``share_first`` and
    ``share_second``, and whether they are gaps (a change of a gap) rather than shares.

    From ``measure`` and ``compared``: a gap "gender: boy − girl" is first − second
    (("boy", "girl")); a change "wave 2 − wave 1" or "year 9 in wave 2 − year 7 in
    wave 1" is second − first (("wave 1", "wave 2")); a change of a gap
    "(boy − girl) at year_group 9 − (boy − girl) at year_group 7" has the gaps at
    year 7 and year 9. ("first", "second") when the rows compare different things.
    """
    measures = pd.unique(rows["measure"].astype(str)) if "measure" in rows else []
    compared = pd.unique(rows["compared"].astype(str)) if "compared" in rows else []
    gaps = len(measures) == 1 and "_gap_change" in measures[0]
    if len(measures) != 1 or len(compared) != 1 or " − " not in compared[0]:
        return "first", "second", gaps
    measure, text = measures[0], compared[0]
    if measure.endswith("_gap"):
        column, _, pair = text.rpartition(": ")
        first, second = pair.split(" − ", 1)
        if column in schema.groups():
            first, second = _level(column, first), _level(column, second)
        return first, second, False
    if gaps:
        levels = re.findall(r"\) at (\w+) (\S+)", text)
        if len(levels) == 2:
            (c2, v2), (c1, v1) = levels
            word = {"year_group": "year"}
            return f"{word.get(c1, c1)} {v1}", f"{word.get(c2, c2)} {v2}", True
        return "first", "second", True
    second, first = text.split(" − ", 1)
    return first, second, False


def _mark(row) -> str:
    """``"c"``, ``"u"`` or ``""`` (:func:`dashboards.results.marker`)."""
    return "" if _blank(row.get("suppressed", "")) else str(row.get("suppressed"))


def _hidden(row) -> str:
    return HIDDEN.format(_mark(row)) if _mark(row) else ""


def _number(value, scale: float = 1.0, digits: int = 1) -> str | None:
    if _blank(value) or not np.isfinite(float(value)):
        return None
    return f"{float(value) * scale:,.{digits}f}"


def _interval(row, low: str, high: str, scale: float, digits: int) -> str | None:
    a, b = _number(row.get(low), scale, digits), _number(row.get(high), scale, digits)
    return None if a is None or b is None else f"{a} to {b}"


def is_comparison(rows: pd.DataFrame) -> bool:
    return "estimate_pp" in rows and "share" not in rows


def value_cells(
    rows: pd.DataFrame, records: list[dict] | None = None
) -> tuple[list[str], list[list[str]]]:
    """The figure columns' headers, and each row's cells in words: a number, a hidden
    mark (``hidden (c)``), or :data:`NO_FIGURE`."""
    if is_comparison(rows):
        first, second, gaps = comparison_parts(rows)
        what = "Gap, {} (percentage points)" if gaps else "Share, {} (%)"
        headers = [
            what.format(first),
            what.format(second),
            "Difference (percentage points)",
            "95% interval (percentage points)",
            f"Base, {first} (pupils)",
            f"Base, {second} (pupils)",
        ]
        # (column or interval's columns, scale, decimals)
        specs = [
            ("share_first", 100, 1),
            ("share_second", 100, 1),
            ("estimate_pp", 1, 1),
            (("ci_low_pp", "ci_high_pp"), 1, 1),
            ("n_first", 1, 0),
            ("n_second", 1, 0),
        ]
    else:
        headers = ["Share (%)", "95% interval (%)", "Base (pupils)"]
        specs = [("share", 100, 1), (("ci_low", "ci_high"), 100, 1), ("n", 1, 0)]
    cells = []
    for row in _records(rows) if records is None else records:
        hidden = _hidden(row)
        line = []
        for column, scale, digits in specs:
            if isinstance(column, tuple):
                text = _interval(row, *column, scale, digits)
            else:
                text = _number(row.get(column), scale, digits)
            line.append(text if text is not None else (hidden or NO_FIGURE))
        cells.append(line)
    return headers, cells


def table_html(rows: pd.DataFrame, caption: str, records: list[dict] | None = None) -> str:
    """The rows as an HTML ``<table>``: ``caption`` (plain text), a header row, one
    row per figure with its name in header cells (``scope="row"``)."""
    records = _records(rows) if records is None else records
    columns = name_columns(rows, records)
    headers, cells = value_cells(rows, records)
    head = "".join(
        f'<th scope="col">{html.escape(h)}</th>'
        for h in [NAME_COLUMNS[c] for c in columns] + headers
    )
    body = []
    for row, values in zip(records, cells):
        names = "".join(
            f'<th scope="row">{"" if _blank(row[c]) else html.escape(_level(c, row[c]))}</th>'
            for c in columns
        )
        body.append(
            "<tr>"
            + names
            + "".join(f'<td class="num">{html.escape(v)}</td>' for v in values)
            + "</tr>"
        )
    return (
        f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def summary(rows: pd.DataFrame, caption: str, records: list[dict] | None = None) -> str:
    """One paragraph of plain text: what the chart shows, its largest and smallest
    figure, and which figures are hidden."""
    if rows.empty:
        return f"Chart: {caption}. It shows no figure: no pupils match these choices."
    records = _records(rows) if records is None else records
    names = row_names(rows, records=records)
    comparison = is_comparison(rows)
    column = "estimate_pp" if comparison else "share"
    scale, unit = (1, " percentage points") if comparison else (100, "%")
    values = pd.to_numeric(rows[column], errors="coerce").to_numpy(dtype=float) * scale
    hidden = [f"{name} ({_mark(row)})" for name, row in zip(names, records) if _mark(row)]
    shown = np.isfinite(values)
    what = "differences" if comparison else "shares"
    words = [f"Chart: {caption}. It shows {int(shown.sum())} {what}"]
    if hidden:
        words[0] += f" and {len(hidden)} hidden figure{'s' if len(hidden) > 1 else ''}"
    words[0] += "."
    if shown.any():
        top, bottom = (
            int(np.nanargmax(np.where(shown, values, -np.inf))),
            int(np.nanargmin(np.where(shown, values, np.inf))),
        )
        words.append(
            f"Largest: {names[top]}, {values[top]:,.1f}{unit}. "
            f"Smallest: {names[bottom]}, {values[bottom]:,.1f}{unit}."
        )
    if hidden:
        more = len(hidden) - NAMED_HIDDEN
        listed = "; ".join(hidden[:NAMED_HIDDEN]) + (f"; and {more} more" if more > 0 else "")
        words.append(f"Hidden (c: too few pupils; u: too small a base): {listed}.")
    words.append("Every figure is in the data table below.")
    return " ".join(words)


def figure_title(figure) -> str:
    """A plotly figure's (or figure dict's) title as plain text, on one line."""
    if isinstance(figure, dict):
        title = figure.get("layout", {}).get("title") or {}
        text = title.get("text", "") if isinstance(title, dict) else str(title)
    else:
        text = figure.layout.title.text
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text or "")).split())


def chart_text(rows: pd.DataFrame, caption: str) -> str:
    """The summary and the data table of the chart drawn from ``rows`` (HTML, every
    text escaped; ``caption`` is plain text)."""
    records = _records(rows)
    text = summary(rows, caption, records)
    table = table_html(rows, caption, records) if len(rows) else ""
    details = f"<details><summary>Data table</summary>{table}</details>" if table else ""
    return (
        f'<div class="ks3-chart-text"><p class="{SUMMARY_CLASS}">{html.escape(text)}</p>'
        f"{details}</div>"
    )
