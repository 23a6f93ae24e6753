"""Read survey files of any common format, map, check and combine them.

Ingest is the first step of the analysis: :func:`load_survey` reads one file a
wave (CSV, Excel, SPSS, Stata or Parquet), refuses pupil-identifying columns
(:mod:`analysis.privacy`), maps each file onto the contract layout through its
codebook if it has one (:mod:`analysis.codebook`), checks it
(:mod:`analysis.validate`) and returns one immutable :class:`Survey`.

Every problem in every file is reported at once in a
:class:`~analysis.errors.SurveyDataError`; nothing is returned half-loaded, so
the caller's previous :class:`Survey` stays as it was.

Formats, by the file name's extension:

=================  ==========================================================
``.csv .tsv .txt``  delimited text: UTF-8 (with or without BOM), else
                    Windows-1252; ``,`` ``;`` or tab, whichever the header
                    line uses most
``.xlsx .xlsm``     Excel workbook, first sheet or the codebook's ``sheet``
``.sav .zsav``      SPSS, with value labels (a codebook's code keys match the
                    stored value or its label)
``.dta``            Stata, with value labels likewise
``.parquet .pq``    Parquet
=================  ==========================================================

Row numbers in messages are those a person sees: in CSV and Excel files the
header is row 1 and the first pupil row 2; in SPSS, Stata and Parquet files
the first pupil is case 1.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import privacy, schema
from .codebook import Codebook
from .errors import IdentifyingDataError, Problem, SurveyDataError, display_name
from .memory import give_back_memory
from .validate import duplicate_pupils, validate

TEXT_EXTENSIONS = (".csv", ".tsv", ".txt")
EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
SPSS_EXTENSIONS = (".sav", ".zsav")
STATA_EXTENSIONS = (".dta",)
PARQUET_EXTENSIONS = (".parquet", ".pq")
FORMATS = "CSV (.csv), Excel (.xlsx), SPSS (.sav), Stata (.dta) or Parquet (.parquet)"


@dataclass(frozen=True)
class Survey:
    """A loaded, validated survey: one table for all the files given.

    Attributes
    ----------
    table : validated table in the contract layout: only the contract columns
        present in the input(s), in contract order, dtypes ``schema.dtypes()``
    files : names of the files read
    notes : things reported that are not errors (columns left out, blocks
        partly or wholly absent, pupils with more than 3 favourites…)
    code_notes : those of ``notes`` that say what a codebook's codes did to
        answers (a scale's middle answer left out as ``neutral``, answers coded
        ``null`` or counted as another code, with how many): they change the
        figures, so every page and table shows them
    """

    table: pd.DataFrame
    files: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    code_notes: tuple[str, ...] = ()

    @property
    def blocks(self) -> tuple[schema.Block, ...]:
        """Question blocks with at least one column in the table."""
        return tuple(b for b in schema.blocks() if any(c in self.table.columns for c in b.columns))


@dataclass(frozen=True)
class RawFile:
    """A file as read, before mapping: its own column names and values."""

    name: str
    frame: pd.DataFrame
    value_labels: dict = field(default_factory=dict)  # column -> {value: label}
    first_row: int = 2  # the row number a person sees for the first data row
    notes: tuple[str, ...] = ()
    column_labels: dict = field(default_factory=dict)  # column -> SPSS/Stata variable label


# --------------------------------------------------------------------- reading
def _source_name(source) -> str:
    if isinstance(source, tuple):
        return display_name(source[0])
    return display_name(source)


def _is_pair(x) -> bool:
    return (
        isinstance(x, tuple)
        and len(x) == 2
        and isinstance(x[0], (str, os.PathLike))
        and isinstance(x[1], (bytes, bytearray, memoryview))
    )


def _bytes(source) -> bytes:
    if isinstance(source, tuple):
        return bytes(source[1])
    return Path(source).read_bytes()


def read_file(
    source,
    sheet: str | None = None,
    text_columns: Callable[[Sequence[str]], Sequence[str]] | None = None,
    code_columns: Callable[[Sequence[str]], Sequence[str]] | None = None,
) -> RawFile:
    """Read one file as it is (no mapping, no checks), by its extension.

    Parameters
    ----------
    source : path, or ``(name, bytes)`` as an upload widget gives
    sheet : Excel sheet to read (default: the first)
    text_columns : given the header of a delimited text file, the columns to
        read as text (ids such as ``"00123"`` keep their leading zeros)
    code_columns : given the header of a delimited text file, the columns
        holding small whole-number codes (answers, wave, year group). A text
        file over ``_CHUNK_BYTES`` is then read in chunks of ``_CHUNK_ROWS``
        rows with those columns kept as ``Int8`` (a byte and a mask byte a
        value instead of a float64's eight): the same values, in a third of the
        memory. A file where that cannot be done without changing a value (a
        code column with a fraction, text or a number outside -128..127, or a
        column read as different types in different chunks) is read whole,
        as without ``code_columns``, so its problems are reported as ever.

    Raises
    ------
    SurveyDataError
        naming the file, if it is missing, empty, of an unknown format, or the
        reader fails (corrupt workbook, not a CSV, unreadable .sav).
    """
    name = _source_name(source)
    ext = Path(name).suffix.lower()
    try:
        size = len(source[1]) if isinstance(source, tuple) else Path(source).stat().st_size
    except OSError as exc:
        raise SurveyDataError(
            Problem(
                name,
                f"could not be opened ({exc.strerror or exc}).",
                "Check the file's name and folder.",
            )
        ) from None
    if ext not in (
        *TEXT_EXTENSIONS,
        *EXCEL_EXTENSIONS,
        *SPSS_EXTENSIONS,
        *STATA_EXTENSIONS,
        *PARQUET_EXTENSIONS,
    ):
        todo = f"Save or export it as {FORMATS}."
        if ext == ".xls":
            todo = "Open it in Excel and save it as an .xlsx workbook (or export it as CSV)."
        raise SurveyDataError(
            Problem(name, f"is not a file type the loader reads ('{ext}').", todo)
        )
    if size == 0:
        raise SurveyDataError(
            Problem(
                name, "is empty (0 bytes).", "Export the survey again and check the file has data."
            )
        )
    if ext in TEXT_EXTENSIONS:
        return _read_text(name, _bytes(source), text_columns, code_columns)
    try:
        if ext in EXCEL_EXTENSIONS:
            return _read_excel(name, source, sheet)
        if ext in PARQUET_EXTENSIONS:
            data = source[1] if isinstance(source, tuple) else source
            frame = pd.read_parquet(
                io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
            )
            return RawFile(name, frame.reset_index(drop=True), {}, 1)
        return _read_stat(name, source, ext)
    except SurveyDataError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure becomes a message
        kind = (
            "an Excel workbook"
            if ext in EXCEL_EXTENSIONS
            else "a Parquet file"
            if ext in PARQUET_EXTENSIONS
            else "an SPSS data file"
            if ext in SPSS_EXTENSIONS
            else "a Stata data file"
        )
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise SurveyDataError(
            Problem(
                name,
                f"could not be read as {kind} ({reason}).",
                "Check that it opens in the program that made it and save it again, or export "
                "it as CSV.",
            )
        ) from None


#: A text file larger than this is read in chunks when its code columns are known.
_CHUNK_BYTES = 16 * 2**20

#: Rows per chunk (about 90 MB of float64 for the survey's hundred columns).
_CHUNK_ROWS = 100_000


class _NotNarrow(Exception):
    """A chunk that cannot be kept narrow without changing a value."""


def _narrow(chunk: pd.DataFrame, codes: set) -> pd.DataFrame:
    """The code columns of a chunk as ``Int8`` (whole numbers in -128..127
    or empty); raises :class:`_NotNarrow` if any value would change."""
    changes = {}
    for c in chunk.columns:
        if c not in codes:
            continue
        values = chunk[c]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            raise _NotNarrow(c)
        arr = values.to_numpy(dtype="float64", na_value=np.nan)
        empty = np.isnan(arr)
        filled = np.where(empty, 0.0, arr)
        if not ((filled == np.round(filled)) & (filled >= -128) & (filled <= 127)).all():
            raise _NotNarrow(c)
        changes[c] = pd.arrays.IntegerArray(filled.astype(np.int8), empty)
    return chunk.assign(**changes) if changes else chunk


def _read_chunks(data: bytes, sep: str, dtype: dict, codes: set) -> pd.DataFrame | None:
    """The file read in chunks, code columns ``Int8``; None where it must be read
    whole (see ``read_file``'s ``code_columns``): the whole read decides then,
    and reports any problem as it always has."""
    chunks = []
    try:
        with pd.read_csv(
            io.BytesIO(data), sep=sep, dtype=dtype or None, chunksize=_CHUNK_ROWS
        ) as reader:
            for chunk in reader:
                chunk = _narrow(chunk, codes)
                if chunks and (
                    list(chunk.columns) != list(chunks[0].columns)
                    or not chunk.dtypes.equals(chunks[0].dtypes)
                ):
                    return None
                chunks.append(chunk)
    except Exception:  # noqa: BLE001 - a parser error (or _NotNarrow): the whole read reports it
        return None
    if not chunks:
        return None
    return chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)


def _read_text(name: str, data: bytes, text_columns, code_columns=None) -> RawFile:
    notes = []
    if b"\x00" in data[:65536]:
        raise SurveyDataError(
            Problem(
                name,
                "is not a text (CSV) file: it holds binary data.",
                f"If it is a workbook or a statistics file, give it its own extension; "
                f"the loader reads {FORMATS}.",
            )
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            data = data.decode("cp1252", errors="replace").encode("utf-8")
            notes.append(f"{name}: read as Windows-1252 text (it is not UTF-8).")
    end = data.find(b"\n")
    header = data[: end if end >= 0 else len(data)].decode("utf-8").rstrip("\r")
    if not header.strip():
        raise SurveyDataError(
            Problem(
                name,
                "has no column names in its first line.",
                "Put the column names in the first row.",
            )
        )
    sep = max([",", ";", "\t", "|"], key=lambda s: (header.count(s), s == ","))
    names = next(csv.reader([header], delimiter=sep))
    text = list(text_columns(names)) if text_columns else []
    dtype = {c: "str" for c in text if c in names}
    frame = None
    if code_columns is not None and len(data) > _CHUNK_BYTES:
        codes = set(code_columns(names)) - set(dtype)
        if codes and len(set(names)) == len(names):  # (repeated names are renamed)
            frame = _read_chunks(data, sep, dtype, codes)
    # pandas' C parser: as fast as the pyarrow engine on this machine and
    # robust to columns empty in the first rows (see bench/README.md)
    try:
        if frame is None:
            frame = pd.read_csv(io.BytesIO(data), sep=sep, dtype=dtype or None)
    except Exception as exc:  # noqa: BLE001 - said to the person below
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        todo = (
            "Open it in a spreadsheet, check every row has the same columns as the "
            "header, and save it as CSV again."
        )
        contract = {c.casefold() for c in schema.contract_columns()}
        if not any(n.strip().casefold() in contract for n in names) and not text:
            todo += (
                " Its first line names no column of the survey either: if it is a "
                "survey export with its own column names, it needs a codebook "
                "(see docs/codebook.md)."
            )
        raise SurveyDataError(
            Problem(name, f"could not be read as a CSV file ({reason}).", todo)
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return RawFile(name, frame, {}, 2, tuple(notes))


def _read_excel(name: str, source, sheet: str | None) -> RawFile:
    data = io.BytesIO(source[1]) if isinstance(source, tuple) else source
    try:
        frame = pd.read_excel(data, sheet_name=sheet if sheet is not None else 0, engine="openpyxl")
    except ValueError as exc:
        if sheet is not None and "not found" in str(exc):
            raise SurveyDataError(
                Problem(
                    name,
                    f"has no sheet named '{sheet}' (the codebook's 'sheet').",
                    "Correct 'sheet' in the codebook, or remove it to read the first sheet.",
                )
            ) from None
        raise
    frame.columns = [str(c).strip() for c in frame.columns]
    return RawFile(name, frame, {}, 2)


def _read_stat(name: str, source, ext: str) -> RawFile:
    import pyreadstat

    reader = pyreadstat.read_dta if ext in STATA_EXTENSIONS else pyreadstat.read_sav
    if isinstance(source, tuple):  # an upload: read from memory, nothing written to disk
        frame, meta = reader(io.BytesIO(bytes(source[1])))
    else:
        frame, meta = reader(str(source))
    labels = {col: dict(v) for col, v in (meta.variable_value_labels or {}).items()}
    variable_labels = {
        col: str(label).strip()
        for col, label in (meta.column_names_to_labels or {}).items()
        if label and str(label).strip()
    }
    return RawFile(name, frame, labels, 1, column_labels=variable_labels)


# ----------------------------------------------------------------- arguments
def _as_sources(files) -> list:
    if isinstance(files, (str, os.PathLike)) or _is_pair(files):
        return [files]
    sources = list(files)
    for s in sources:
        if not (isinstance(s, (str, os.PathLike)) or _is_pair(s)):
            raise TypeError(
                "files: give a path, a (filename, bytes) pair, or a list of those; "
                f"got {type(s).__name__}"
            )
    return sources


def _as_codebooks(codebook, n: int) -> tuple[list[Codebook | None | bool], list[Problem]]:
    """One codebook (or None) per file; False where the file's codebook is wrong
    (its problems are returned, to be reported with everything else)."""

    def one(c) -> Codebook | None:
        if c is None or isinstance(c, Codebook):
            return c
        if _is_pair(c):
            return Codebook.from_yaml(bytes(c[1]), display_name(c[0]))
        return Codebook.read(c)

    if codebook is None or isinstance(codebook, (Codebook, str, os.PathLike)) or _is_pair(codebook):
        entries = [codebook] * n
    else:
        entries = list(codebook)
        if len(entries) != n:
            raise ValueError(
                f"codebook: give one codebook (or None) for each of the {n} "
                f"files, or a single one for all; got {len(entries)}"
            )
    problems: list[Problem] = []
    parsed: dict[int, Codebook | None] = {}
    out = []
    for c in entries:
        key = id(c)
        if key not in parsed:
            try:
                parsed[key] = one(c)
            except SurveyDataError as exc:
                problems.extend(exc.problems)
                parsed[key] = None
        out.append(parsed[key] if c is None or parsed[key] is not None else False)
    return out, problems


def _code_columns(header: Sequence[str]) -> list[str]:
    """Columns of a contract-layout header holding whole-number codes: wave,
    year group and the binary and agreement items (as :func:`_contract_names`
    recognises them)."""
    coded = {"wave", "year_group"} | {
        it.column for it in schema.items() if it.scale != "categorical"
    }
    contract = {c.casefold(): c for c in schema.contract_columns()}
    return [h for h in header if contract.get(str(h).strip().casefold()) in coded]


def _contract_names(frame: pd.DataFrame) -> pd.DataFrame:
    """Rename columns that are contract columns but for case or spaces."""
    contract = {c.casefold(): c for c in schema.contract_columns()}
    rename = {}
    for c in frame.columns:
        target = contract.get(str(c).strip().casefold())
        if target is not None and target != c and target not in frame.columns:
            rename[c] = target
    return frame.rename(columns=rename) if rename else frame


def _labelled_categories(frame: pd.DataFrame, labels: dict) -> pd.DataFrame:
    """SPSS/Stata numbers with value labels, in a text column of the contract
    (gender, ethnicity, qualification aim): use the labels."""
    text_columns = [c for c, d in schema.dtypes().items() if isinstance(d, pd.CategoricalDtype)]
    changes = {}
    for c in text_columns:
        if c in frame.columns and c in labels and pd.api.types.is_numeric_dtype(frame[c]):
            changes[c] = frame[c].map(labels[c])
    return frame.assign(**changes) if changes else frame


# ----------------------------------------------------------------------- load
def load_survey(files, codebook=None) -> Survey:
    """Read, map, check and combine survey files into one :class:`Survey`.

    Parameters
    ----------
    files : a path, a ``(filename, bytes)`` pair (what an upload widget
        gives), or a sequence of those, typically one file a wave. They are
        combined into one table: a column one file lacks is missing in that
        file's rows; a question block no file has is absent.
    codebook : None (the files are in the contract layout already); a path,
        ``(name, bytes)`` pair or :class:`~analysis.codebook.Codebook` used for
        every file; or a sequence with one of those (or None) for each file.

    Returns
    -------
    Survey

    Raises
    ------
    IdentifyingDataError
        a file holds a column identifying pupils (name, date of birth,
        postcode, UPN, e-mail, phone); the whole load is refused.
    SurveyDataError
        listing every problem found in every file and codebook.

    Examples
    --------
    One wave file from an upload, and the sample's two waves from disk:

    >>> data = b"pupil_id,school_id,wave,year_group,enjoy_maths\\nP1,S1,1,7,4\\nP2,S1,1,9,\\n"
    >>> survey = load_survey(("w1.csv", data))
    >>> survey.table["enjoy_maths"].tolist(), [b.key for b in survey.blocks]
    ([4, <NA>], ['enjoy'])
    >>> from analysis.synthetic import SAMPLE_DIR, WAVE_FILES
    >>> survey = load_survey([SAMPLE_DIR / f for f in WAVE_FILES.values()])
    >>> survey.table.groupby("wave").size().tolist()
    [4073, 2216]
    """
    try:
        return _load(files, codebook)
    finally:  # the files as read are freed by now
        give_back_memory()


def _load(files, codebook) -> Survey:
    sources = _as_sources(files)
    if not sources:
        raise ValueError("files: give at least one file")
    codebooks, problems = _as_codebooks(codebook, len(sources))
    identifying: list[Problem] = []
    notes: list[str] = []
    coded: list[str] = []
    checked: list[tuple[str, pd.DataFrame, int]] = []
    names: list[str] = []
    for source, book in zip(sources, codebooks):
        names.append(_source_name(source))
        if book is False:  # its codebook is wrong: reported above
            continue

        def text_columns(header, book=book):
            ids = [h for h in header if h.strip().casefold() in schema.ID_COLUMNS]
            if book is not None:
                sources_ = book.source_columns(header)
                ids += [sources_[c] for c in schema.ID_COLUMNS if c in sources_]
            return ids

        try:
            raw = read_file(
                source,
                book.sheet if book else None,
                text_columns,
                _code_columns if book is None else None,
            )
        except SurveyDataError as exc:
            problems.extend(exc.problems)
            continue
        notes.extend(raw.notes)
        if raw.frame.shape[1] == 0:
            problems.append(
                Problem(
                    raw.name,
                    "holds no data: its first row has no column names.",
                    "Export the survey again and check the file has data.",
                )
            )
            continue
        found = privacy.identifying_columns(raw.frame, raw.name)
        if found:
            identifying.extend(found)
            continue
        if book is not None:
            mapped, found, code_notes = book.apply(
                raw.frame, raw.name, raw.value_labels, raw.first_row
            )
            problems.extend(found)
            notes.extend(code_notes)
            coded.extend(code_notes)
            # values with no code are reported once, by their source column
            sources = book.source_columns(raw.frame.columns)
            recoded = {
                m.target
                for m in book.columns
                for p in found
                if p.file == raw.name and p.column == sources.get(m.target)
            }
            # a plain rename of a labelled SPSS/Stata column: its labels, as without
            # a codebook
            renamed = {
                m.target: raw.value_labels[sources[m.target]]
                for m in book.columns
                if m.codes is None and sources.get(m.target) in raw.value_labels
            }
            mapped = _labelled_categories(mapped, renamed)
            labels = renamed
        else:
            named = _contract_names(raw.frame)
            labels = {
                new: raw.value_labels[old]
                for old, new in zip(raw.frame.columns, named.columns)
                if old in raw.value_labels
            }
            mapped = _labelled_categories(named, labels)
            recoded = set()
        table, found, file_notes = validate(mapped, raw.name, raw.first_row, labels)
        found = [p for p in found if p.column not in recoded]
        problems.extend(found)
        notes.extend(file_notes)
        checked.append((raw.name, table, raw.first_row))
    problems.extend(duplicate_pupils(checked))
    if identifying:
        raise IdentifyingDataError([*identifying, *problems])
    if problems:
        raise SurveyDataError(problems)
    weighted = [name for name, t, _ in checked if schema.WEIGHT_COLUMN in t.columns]
    if weighted and len(weighted) < len(checked):
        unweighted = [name for name, t, _ in checked if schema.WEIGHT_COLUMN not in t.columns]
        notes.append(
            f"{', '.join(weighted)} {'has' if len(weighted) == 1 else 'have'} a "
            f"'{schema.WEIGHT_COLUMN}' column but {', '.join(unweighted)} "
            f"{'has' if len(unweighted) == 1 else 'have'} none: weighted figures need a "
            "weight for every pupil. Add weights to every file (1 for every pupil of a "
            "self-weighting sample), or remove the column to analyse unweighted."
        )
    return Survey(_combine([t for _, t, _ in checked]), tuple(names), tuple(notes), tuple(coded))


def _combine(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """One table in contract order with the schema's dtypes."""
    if len(tables) == 1:
        table = tables[0]
    else:
        table = pd.concat(tables, ignore_index=True)
    dtypes = schema.dtypes()
    columns = [c for c in schema.contract_columns() if c in table.columns]
    table = table[columns]
    changes = {
        c: table[c].astype(dtypes[c])
        for c in columns
        if table[c].dtype != dtypes[c] or c == "school_id" and len(tables) > 1
    }
    if changes:
        table = table.assign(**changes)
    return table.reset_index(drop=True)
