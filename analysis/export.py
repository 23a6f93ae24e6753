"""Writing result tables for people: CSV and Excel, safe to open in a spreadsheet.

A label or a group value that starts with ``=``, ``+``, ``-`` or ``@`` (or a
tab or carriage return) is read by Excel, LibreOffice and Google Sheets as a
formula: a codebook label ``=HYPERLINK("http://…", "click")`` would become a
live link in a downloaded table (CSV / formula injection, OWASP). Every text
cell that would be read so gets a leading ``'`` (:func:`neutralise`), which
spreadsheets show as plain text. Numbers are left as numbers: a gender gap of
``-12.5`` percentage points stays a number a reader can sort and chart. Text
that is itself a plain number (``"-3"``) is also left alone: a spreadsheet
reads it as that number, not as a formula.

References
----------
OWASP, *CSV Injection* (https://owasp.org/www-community/attacks/CSV_Injection).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")

#: Excel's longest sheet name, and characters it refuses in one.
_SHEET_MAX = 31
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def neutralise(value):
    """``value`` made safe for a spreadsheet cell.

    Text starting with one of :data:`FORMULA_STARTS` gets a leading ``'``
    unless it is a plain number; anything that is not text is returned as is.

    >>> neutralise('=HYPERLINK("http://x", "click")')
    '\\'=HYPERLINK("http://x", "click")'
    >>> neutralise(-12.5), neutralise("-12.5"), neutralise("Maths")
    (-12.5, '-12.5', 'Maths')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) \
            and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def neutralise_frame(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` with every text cell and column name neutralised;
    numeric columns untouched."""
    out = table.copy()
    for c in out.columns:
        s = out[c]
        if not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)):
            values = s.astype(object).to_numpy()
            out[c] = pd.Series([neutralise(v) for v in values], index=out.index, dtype=object)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def write_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write ``table`` as UTF-8 CSV (with a byte-order mark, so Excel reads
    accents right), neutralised; empty cells for missing values."""
    path = Path(path)
    neutralise_frame(table).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def sheet_name(name: str, taken: Sequence[str] = ()) -> str:
    """A valid, unused Excel sheet name for ``name`` (31 characters at most)."""
    base = _SHEET_BAD.sub(" ", str(name)).strip("'") or "Sheet"
    base = base[:_SHEET_MAX]
    candidate, k = base, 2
    lower = {t.lower() for t in taken}
    while candidate.lower() in lower:
        suffix = f" ({k})"
        candidate = base[:_SHEET_MAX - len(suffix)] + suffix
        k += 1
    return candidate


def write_xlsx(sheets: Mapping[str, Sequence[tuple[str, pd.DataFrame]] | pd.DataFrame],
               path: str | Path) -> Path:
    """Write an Excel workbook, one sheet per key, neutralised.

    Parameters
    ----------
    sheets : ``{sheet: table}`` or ``{sheet: [(title, table), ...]}``; several
        tables on one sheet are written one below the other, each under its
        title, two empty rows apart.
    path : the ``.xlsx`` file to write.
    """
    path = Path(path)
    taken: list[str] = []
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, content in sheets.items():
            sheet = sheet_name(name, taken)
            taken.append(sheet)
            parts = [("", content)] if isinstance(content, pd.DataFrame) else list(content)
            row = 0
            for title, table in parts:
                if title:
                    pd.DataFrame([[neutralise(title)]]).to_excel(
                        writer, sheet_name=sheet, startrow=row, index=False, header=False)
                    row += 1
                safe = neutralise_frame(table)
                safe = safe.astype({c: float for c in safe.columns
                                    if pd.api.types.is_extension_array_dtype(safe[c].dtype)
                                    and pd.api.types.is_numeric_dtype(safe[c].dtype)})
                safe.to_excel(writer, sheet_name=sheet, startrow=row, index=False)
                row += len(safe) + 3
            ws = writer.sheets[sheet]
            ws.freeze_panes = "A2" if len(parts) == 1 and not parts[0][0] else None
    return path


def write_text_sheet(lines: Sequence[str]) -> pd.DataFrame:
    """A one-column table of text lines (a README sheet), neutralised on writing."""
    return pd.DataFrame({"README": [str(x) for x in lines]})


__all__ = ["FORMULA_STARTS", "neutralise", "neutralise_frame", "sheet_name", "write_csv",
           "write_text_sheet", "write_xlsx"]

