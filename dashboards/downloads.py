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
"""

from __future__ import annotations

import base64
import html
import io

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


def csv_bytes(table: pd.DataFrame) -> bytes:
    """The table as CSV: UTF-8 with a byte-order mark (so Excel reads accents), no index."""
    return neutralise_frame(_plain(table)).to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(table: pd.DataFrame, sheet: str = "table") -> bytes:
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
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as out:
        neutralise_frame(_plain(table)).to_excel(out, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()


def data_uri(content: bytes, media_type: str) -> str:
    """``data:<media_type>;base64,<content>`` (RFC 2397)."""
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"


def links_html(table: pd.DataFrame, filename: str) -> str:
    """Two links, CSV and XLSX, downloading ``table`` as ``<filename>.csv`` / ``.xlsx``."""
    parts = []
    for text, extension, content, media_type in (
        ("Download table (CSV)", "csv", csv_bytes(table), CSV_TYPE),
        ("Download table (XLSX)", "xlsx", xlsx_bytes(table), XLSX_TYPE),
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

    Attributes
    ----------
    widget : ipywidgets.HTML
    """

    def __init__(self, table: pd.DataFrame, filename: str):
        self.widget = widgets.HTML()
        self.widget.add_class("ks3-downloads")
        self.update(table, filename)

    def update(self, table: pd.DataFrame, filename: str) -> None:
        self.table, self.filename = table, filename
        self.widget.value = (
            f'{CSS}<div class="ks3-page"><p class="ks3-note">'
            f"{links_html(table, filename)}</p></div>"
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
