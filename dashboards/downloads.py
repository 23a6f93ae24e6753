"""Download the table a chart shows, as CSV or Excel, from a link in the page.

Voilà answers a ``FileLink`` with 403, and nothing a viewer asks for should be
written to the server's disk, so the file travels inside the link itself: a
``data:`` URI (base64) in an :class:`ipywidgets.HTML`, with a ``download``
attribute naming the file. The tables are the small tidy aggregates a chart
draws (one row per group and item), never pupil rows.

Text cells that a spreadsheet would read as a formula (starting with ``=``,
``+``, ``-`` or ``@``, or a tab or carriage return) are prefixed with an
apostrophe (OWASP, "CSV injection"); numbers stay numbers. The chart image is
plotly's own camera button, named by :func:`image_config`.

Code notes
----------
Where the codebook did more than translate codes (a five-point scale's middle
answer kept out of the bases, answers coded as not answered: ``Survey.code_notes``,
a bundle's ``code_notes``), every download of a table it affects says so
(:func:`with_code_notes`). A CSV file stays one tidy rectangle with its header on
the first line, as ``pandas.read_csv`` and Excel expect (a comment line above the
header would be read as data or break the columns): the note is a last column,
``code_note``, on every row of an item it touched, so it survives sorting,
filtering and joining. The Excel file has the same column and, on a second sheet
``Notes``, every note in full.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Sequence

import ipywidgets as widgets
import pandas as pd

from analysis.export import neutralise_frame

from .page import CSS

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as their plain values, so every writer takes them."""
    return table.assign(
        **{
            c: table[c].astype(object)
            for c in table.columns
            if isinstance(table[c].dtype, pd.CategoricalDtype)
        }
    )


#: The column of a download that carries the code notes of its row's item.
NOTE_COLUMN = "code_note"
#: A code note whose list of columns was cut short ("... and 3 more") may touch any item.
_CUT_SHORT = re.compile(r"\band \d+ more\)")


def note_touches(note: str, item: str) -> bool:
    """Whether a code note (:func:`analysis.codebook.code_notes`) touches ``item``:
    it names the item's column, or its list of columns was cut short.

    >>> note_touches("w1.sav: 40 answers in 1 column (enjoy_maths 40) were Neither", "enjoy_maths")
    True
    >>> note_touches("w1.sav: 40 answers in 1 column (enjoy_maths 40) were Neither", "enjoy_art")
    False
    """
    return bool(_CUT_SHORT.search(note)) or re.search(rf"\b{re.escape(item)}\b", note) is not None


def with_code_notes(table: pd.DataFrame, notes: Sequence[str] = ()) -> pd.DataFrame:
    """``table`` with a last column :data:`NOTE_COLUMN`: on each row, the notes that
    touch its ``item`` (every note, on every row, for a table without items);
    ``table`` as it is when no note touches any row."""
    notes = [str(n) for n in notes if str(n).strip()]
    if not notes or table.empty:
        return table
    if "item" in table.columns:
        words = [
            " | ".join(n for n in notes if note_touches(n, str(item))) for item in table["item"]
        ]
    else:
        words = [" | ".join(notes)] * len(table)
    if not any(words):
        return table
    return table.assign(**{NOTE_COLUMN: words})


def csv_bytes(table: pd.DataFrame, notes: Sequence[str] = ()) -> bytes:
    """The table as CSV: UTF-8 with a byte-order mark (so Excel reads accents), no index;
    the code notes that touch it in a last column (:func:`with_code_notes`)."""
    table = with_code_notes(table, notes)
    return neutralise_frame(_plain(table)).to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(table: pd.DataFrame, sheet: str = "table", notes: Sequence[str] = ()) -> bytes:
    """The table as an Excel workbook with one sheet, no index, built in memory.

    XlsxWriter with ``in_memory`` writes nothing to disk (openpyxl would put
    each sheet in a temporary file first). Text is written as text, never
    read as a formula (``strings_to_formulas=False``), on top of the
    neutralising above.
    """
    buffer = io.BytesIO()
    options = {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
    noted = with_code_notes(table, notes)
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as out:
        neutralise_frame(_plain(noted)).to_excel(out, sheet_name=sheet[:31], index=False)
        if NOTE_COLUMN in noted.columns:
            every = pd.DataFrame({"Note": [str(n) for n in notes if str(n).strip()]})
            neutralise_frame(every).to_excel(out, sheet_name="Notes", index=False)
    return buffer.getvalue()


def data_uri(content: bytes, media_type: str) -> str:
    """``data:<media_type>;base64,<content>`` (RFC 2397)."""
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"


def links_html(table: pd.DataFrame, filename: str, notes: Sequence[str] = ()) -> str:
    """Two links, CSV and XLSX, downloading ``table`` as ``<filename>.csv`` / ``.xlsx``,
    with the code ``notes`` that touch it (:func:`with_code_notes`)."""
    parts = []
    for text, extension, content, media_type in (
        ("Download table (CSV)", "csv", csv_bytes(table, notes), CSV_TYPE),
        ("Download table (XLSX)", "xlsx", xlsx_bytes(table, notes=notes), XLSX_TYPE),
    ):
        name = html.escape(f"{filename}.{extension}")
        parts.append(
            f'<a class="ks3-download" href="{data_uri(content, media_type)}" '
            f'download="{name}">{text}</a>'
        )
    return " · ".join(parts)


class DownloadLinks:
    """The download links for one chart, refreshed with :meth:`update` when it redraws.

    Parameters
    ----------
    table : DataFrame
        The tidy table the chart shows (group columns, item, label, n, count, share).
    filename : str
        File name without extension, e.g. ``"subjects_favourite_share_by_year_group"``.
    notes : sequence of str
        The code notes of the data (``Results.code_notes``), carried by every
        download of a table they touch (:func:`with_code_notes`).

    Attributes
    ----------
    widget : ipywidgets.HTML
    """

    def __init__(self, table: pd.DataFrame, filename: str, notes: Sequence[str] = ()):
        self.widget = widgets.HTML()
        self.widget.add_class("ks3-downloads")
        self.notes = tuple(notes)
        self.update(table, filename)

    def update(self, table: pd.DataFrame, filename: str) -> None:
        self.table, self.filename = table, filename
        self.widget.value = (
            f'{CSS}<div class="ks3-page"><p class="ks3-note">'
            f"{links_html(table, filename, self.notes)}</p></div>"
        )


#: plotly ``config`` of every chart: its menu (plotly's "modebar") holds one entry, the
#: camera, "Download plot as a PNG", a ``<button>`` a keyboard reaches with Tab and
#: presses with Enter or Space (the page frame shows the menu while it has the focus,
#: :data:`dashboards.page.FOCUS_CSS`). Every other entry is left out: "Share chart..."
#: would send the chart to Plotly's cloud, which no page may do (without a cloud address
#: it did nothing); box and lasso select, zoom, pan, autoscale and the hover toggles
#: change nothing a reader can use (the axes are fixed, the figures are in the chart's
#: data table); and no plotly logo.
CHART_CONFIG = {"displaylogo": False, "modeBarButtons": [["toImage"]]}


def image_config(filename: str, scale: int = 2) -> dict:
    """plotly ``config`` of a chart: the camera button saves a PNG named
    ``<filename>.png`` at ``scale``; ``responsive``, so the chart takes its
    container's size on a window ``resize`` (which :data:`dashboards.page.CHART_SIZING_JS`
    also fires when the container alone changes); and :data:`CHART_CONFIG`."""
    return {
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": scale},
        "responsive": True,
        **CHART_CONFIG,
    }
