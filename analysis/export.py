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

import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import numpy as np
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
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _PLAIN_NUMBER.match(value)
    ):
        return "'" + value
    return value


def neutralise_series(values: pd.Series) -> pd.Series:
    """``values`` with every text cell neutralised as :func:`neutralise` does.

    Numeric and boolean series are returned as they are; any other series comes
    back as ``object`` dtype (text, numbers, ``None``/NA as they were). Vectorised:
    pandas string methods find the few cells that start with a formula character,
    and only those are checked against the plain-number pattern in Python.
    """
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return values
    out = values.astype(object)
    kind = pd.api.types.infer_dtype(out, skipna=True)
    if kind == "empty":
        return out
    if kind == "string":
        is_text = out.notna().to_numpy(bool)
    else:  # text among numbers: only the text cells can be formulas
        is_text = np.fromiter((isinstance(v, str) for v in out.to_numpy()), bool, len(out))
    text = out.to_numpy(object)
    as_text = pd.Series(np.where(is_text, text, ""), dtype="string")
    starts = as_text.str.startswith(FORMULA_STARTS).to_numpy(bool)
    hits = np.flatnonzero(starts & is_text)
    if len(hits):
        hit_values = text[hits]
        plain = np.fromiter((bool(_PLAIN_NUMBER.match(v)) for v in hit_values), bool, len(hits))
        cells = text.copy()
        cells[hits[~plain]] = ["'" + v for v in hit_values[~plain]]
        out = pd.Series(cells, index=values.index, dtype=object, name=values.name)
    return out


def neutralise_frame(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` with every text cell and column name neutralised;
    numeric and boolean columns untouched, any other column ``object`` dtype
    (see :func:`neutralise_series`)."""
    out = pd.DataFrame(
        {i: neutralise_series(table.iloc[:, i]) for i in range(table.shape[1])}, index=table.index
    )
    out.columns = [neutralise(str(c)) for c in table.columns]
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
        candidate = base[: _SHEET_MAX - len(suffix)] + suffix
        k += 1
    return candidate


def _cells(column: pd.Series):
    """``(kind, values)`` for writing one neutralised column cell by cell: ``values``
    a list of Python objects with ``None`` for an empty cell; ``kind`` ``"number"``,
    ``"boolean"``, ``"string"`` or ``"any"`` (decided per cell)."""
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        if not column.hasnans:
            return "boolean", column.to_numpy(bool).tolist()
        return "boolean", column.astype(object).where(column.notna(), None).tolist()
    if pd.api.types.is_numeric_dtype(dtype):
        if pd.api.types.is_integer_dtype(dtype):  # a count reads back as 12, not 12.0
            return "number", column.astype(object).where(column.notna(), None).tolist()
        values = column.to_numpy(float, na_value=np.nan)
        if np.isfinite(values).all():
            return "number", values.tolist()
        return "any", [None if v != v else v for v in values.tolist()]
    values = column.tolist()
    if pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        return "string", [v if isinstance(v, str) else None for v in values]
    return "any", [
        None if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v) else v
        for v in values
    ]


def _write_any(ws, row: int, col: int, value) -> None:
    """One cell of a mixed column, as pandas' ``to_excel`` would write it."""
    if isinstance(value, (bool, np.bool_)):
        ws.write_boolean(row, col, bool(value))
    elif isinstance(value, (int, float, np.integer, np.floating)):
        value = float(value) if isinstance(value, np.floating) else value
        if value in (np.inf, -np.inf):
            ws.write_string(row, col, "inf" if value > 0 else "-inf")
        else:
            ws.write_number(row, col, value)
    else:
        ws.write_string(row, col, str(value))


def write_xlsx(
    sheets: Mapping[str, Sequence[tuple[str, pd.DataFrame]] | pd.DataFrame],
    path: str | Path,
    filters: bool = False,
) -> Path:
    """Write an Excel workbook, one sheet per key, neutralised.

    Parameters
    ----------
    sheets : ``{sheet: table}`` or ``{sheet: [(title, table), ...]}``; several
        tables on one sheet are written one below the other, each under its
        title, two empty rows apart.
    path : the ``.xlsx`` file to write.
    filters : a sheet of one table gets filters on its header row (and wider
        columns for its header's words); its header is frozen either way.

    Notes
    -----
    Written with XlsxWriter in ``constant_memory`` mode (each row goes to disk
    as soon as the next one starts, text as inline strings), cell by cell with
    the writer for the column's type: about 15x faster than pandas' ``to_excel``
    through openpyxl on the summary's two million cells. Text is only ever
    written as text (never as a formula, a number or a link), numbers as
    numbers, booleans as booleans; missing values leave the cell empty.
    """
    import xlsxwriter

    path = Path(path)
    taken: list[str] = []
    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    }
    with xlsxwriter.Workbook(str(path), options) as book:
        bold = book.add_format({"bold": True})
        for name, content in sheets.items():
            sheet = sheet_name(name, taken)
            taken.append(sheet)
            ws = book.add_worksheet(sheet)
            parts = [("", content)] if isinstance(content, pd.DataFrame) else list(content)
            single = len(parts) == 1 and not parts[0][0]
            if single:
                ws.freeze_panes(1, 0)
                table = parts[0][1]
                if filters and table.shape[1]:
                    ws.autofilter(0, 0, len(table), table.shape[1] - 1)
                    for j, label in enumerate(table.columns):
                        width = (
                            90
                            if j == 0 and len(table.columns) > 1 and str(label) == "Finding"
                            else min(max(10, len(str(label)) + 2), 40)
                        )
                        ws.set_column(j, j, width)
            row = 0
            for title, table in parts:
                if title:
                    ws.write_string(row, 0, neutralise(str(title)), bold)
                    row += 1
                safe = neutralise_frame(table)
                for j, label in enumerate(safe.columns):
                    ws.write_string(row, j, label, bold)
                row += 1
                writers = {
                    "number": ws.write_number,
                    "boolean": ws.write_boolean,
                    "string": ws.write_string,
                }
                columns = []
                for j in range(safe.shape[1]):
                    kind, values = _cells(safe.iloc[:, j])
                    write = writers.get(kind) or partial(_write_any, ws)
                    columns.append((j, write, values))
                for i in range(len(safe)):
                    r = row + i
                    for j, write, values in columns:
                        value = values[i]
                        if value is not None:
                            write(r, j, value)
                row += len(safe) + 2
    return path


def write_text_sheet(lines: Sequence[str]) -> pd.DataFrame:
    """A one-column table of text lines (a README sheet), neutralised on writing."""
    return pd.DataFrame({"README": [str(x) for x in lines]})


__all__ = [
    "FORMULA_STARTS",
    "neutralise",
    "neutralise_frame",
    "neutralise_series",
    "sheet_name",
    "write_csv",
    "write_text_sheet",
    "write_xlsx",
]


# ---------------------------------------------------------------- whole folders


@contextmanager
def whole_folder(out: str | Path) -> Iterator[Path]:
    """A new folder for ``out`` (a bundle, a site), written whole or not at all.

    Yields an empty folder next to ``out``, readable by a web server. When the
    block ends without error, it takes the place of ``out`` (:func:`swap_folder`);
    when the block fails, it is removed and ``out`` is left as it was.
    """
    out = Path(out)
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=parent))
    try:
        work.chmod(0o755)  # mkdtemp makes it private; a bundle or site is for a server to read
        yield work
        swap_folder(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def swap_folder(work: Path, out: Path) -> None:
    """Rename ``work`` to ``out``, replacing the folder ``out`` held; if the rename
    fails, the old folder is put back in place before the error is raised."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
    try:
        work.rename(out)
    except BaseException:
        if old is not None:
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
