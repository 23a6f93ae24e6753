"""Check a table in the contract layout and give it the survey's dtypes.

:func:`validate` takes one file's table with contract column names (as read,
or after a codebook), checks every rule of the data contract at once and
returns the typed table, the problems and the notes:

==============================  =============================================
input                           result
==============================  =============================================
no contract column at all       problem: not a survey file (see the codebook
                                docs); nothing else is checked
no data rows                    problem
required column missing         problem (``pupil_id``, ``school_id``,
                                ``wave``, ``year_group``)
empty id / wave / year group    problem, with the rows
wave or year group outside the  problem, with the rows and values found
design (1/2, 7/9)
code outside its scale          problem (binary 0/1, agreement 1-4, gender,
                                ethnicity, qualification aim per
                                ``survey.yml``; also 1.5 or text in a
                                numeric item)
weight empty or not positive    problem
column the contract lacks       note; the column is left out
block with some columns absent  note
more ticks than a block allows  note (e.g. more than 3 favourite subjects)
==============================  =============================================

:func:`duplicate_pupils` finds a ``pupil_id`` used twice in one wave, within
a file or across files, and lists the rows of every copy.

Row numbers are the ones a person sees: ``first_row`` is the number of the
first data row (2 in a CSV or Excel sheet, whose row 1 is the header; 1 for
SPSS, Stata and Parquet files, whose case numbers start at 1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import schema
from .errors import Problem

MAX_ROWS_SHOWN = 5
DOCS = "docs/codebook.md"
_TEXT_KINDS = "OSUT"


def _rows(mask: np.ndarray, first_row: int) -> tuple[tuple[int, ...], int]:
    where = np.flatnonzero(mask)
    return tuple(int(r) + first_row for r in where[:MAX_ROWS_SHOWN]), int(len(where))


def _shown(values, n: int = 6) -> str:
    values = list(dict.fromkeys(values))
    text = ", ".join(repr(v) if isinstance(v, str) else _number(v) for v in values[:n])
    return text + (f" and {len(values) - n} more" if len(values) > n else "")


def _values_are(values) -> str:
    """``"value 3 is"`` / ``"values 3, 4 are"``."""
    n = len(dict.fromkeys(values))
    return f"value {_shown(values)} is" if n == 1 else f"values {_shown(values)} are"


def _number(v) -> str:
    v = float(v)
    return str(int(v)) if v.is_integer() else repr(v)


def _as_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray, list]:
    """Values as float64 (NaN where empty) and a mask of text that is no number."""
    if pd.api.types.is_bool_dtype(values):
        values = values.astype("Int8")
    if pd.api.types.is_numeric_dtype(values):
        arr = values.to_numpy(dtype="float64", na_value=np.nan)
        return arr, np.zeros(len(arr), dtype=bool), []
    try:  # object columns from a codebook hold numbers already
        arr = pd.to_numeric(values).to_numpy(dtype="float64", na_value=np.nan)
        return arr, np.zeros(len(arr), dtype=bool), []
    except (ValueError, TypeError):
        pass
    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    numbers = pd.to_numeric(text, errors="coerce")
    arr = numbers.to_numpy(dtype="float64", na_value=np.nan)
    bad_text = (numbers.isna() & text.notna()).to_numpy(dtype=bool, na_value=False)
    return arr, bad_text, list(text[bad_text].unique()[:20])


def _int8(arr: np.ndarray, ok: np.ndarray) -> pd.arrays.IntegerArray:
    keep = ok & ~np.isnan(arr)
    return pd.arrays.IntegerArray(np.where(keep, arr, 0).astype(np.int8), ~keep)


def _codes_column(
    values: pd.Series,
    column: str,
    codes: Sequence[int],
    meaning: str,
    file: str,
    first_row: int,
    required: bool,
    labels=None,
) -> tuple[pd.arrays.IntegerArray, list[Problem]]:
    """Integer codes (items, wave, year group) -> Int8, with problems; values
    are named with their SPSS/Stata ``labels`` if given ("5 (Strongly agree)")."""
    arr, bad_text, texts = _as_numbers(values)
    empty = np.isnan(arr) & ~bad_text
    ok = np.isnan(arr) | np.isin(arr, np.asarray(codes, dtype="float64"))
    bad = (~ok) | bad_text
    problems = []
    if bad.any():
        rows, n = _rows(bad, first_row)
        found = texts + list(pd.unique(arr[~ok]))
        said = _values_are(found)
        if labels:
            from .codebook import value_words

            words = [value_words(v, labels) for v in dict.fromkeys(found)]
            said = (
                f"value {words[0]} is"
                if len(words) == 1
                else f"values {', '.join(words[:6])}{' and more' if len(words) > 6 else ''} are"
            )
        problems.append(
            Problem(
                file,
                f"{said} not {'a code' if len(set(found)) == 1 else 'codes'} of "
                f"{column} ({meaning}).",
                "Correct them in the file, or map the file's codes onto these in a codebook "
                f"(see {DOCS}).",
                column=column,
                rows=rows,
                n_rows=n,
            )
        )
    if required and empty.any():
        rows, n = _rows(empty, first_row)
        problems.append(
            Problem(
                file,
                f"{column} is empty.",
                f"Fill in {column} for every pupil ({meaning}).",
                column=column,
                rows=rows,
                n_rows=n,
            )
        )
    return _int8(arr, ok), problems


def _category_column(
    values: pd.Series, column: str, categories: Sequence[str], file: str, first_row: int
) -> tuple[pd.Categorical, list[Problem]]:
    """Text codes (gender, ethnicity, qualification aim) -> categorical."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    position = {c: i for i, c in enumerate(categories)}
    lookup = np.full(len(uniques) + 1, -1, dtype=np.int64)  # last slot: NA
    bad_uniques = []
    for i, u in enumerate(uniques):
        key = str(u).strip().casefold() if isinstance(u, str) else u
        if isinstance(key, str) and key == "":
            continue
        if key in position:
            lookup[i] = position[key]
        else:
            bad_uniques.append(i)
    out_codes = lookup[codes]  # codes == -1 picks the NA slot
    problems = []
    if bad_uniques:
        bad = np.isin(codes, bad_uniques)
        rows, n = _rows(bad, first_row)
        allowed = ", ".join(categories)
        problems.append(
            Problem(
                file,
                f"{_values_are([uniques[i] for i in bad_uniques])} not "
                f"{'a code' if len(bad_uniques) == 1 else 'codes'} of {column} "
                f"(allowed: {allowed}, or empty for not stated).",
                "Correct them in the file, or map them onto these codes in a codebook "
                f"(see {DOCS}).",
                column=column,
                rows=rows,
                n_rows=n,
            )
        )
    return pd.Categorical.from_codes(
        out_codes, dtype=pd.CategoricalDtype(list(categories))
    ), problems


def _id_column(
    values: pd.Series, column: str, file: str, first_row: int
) -> tuple[pd.Series, list[Problem]]:
    if pd.api.types.is_float_dtype(values):
        arr = values.to_numpy(dtype="float64", na_value=np.nan)
        whole = np.isnan(arr) | (arr == np.round(arr))
        if whole.all():
            values = values.astype("Int64")
    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    empty = text.isna().to_numpy()
    problems = []
    if empty.any():
        rows, n = _rows(empty, first_row)
        problems.append(
            Problem(
                file,
                f"{column} is empty.",
                f"Fill in {column} for every pupil, or remove rows that hold no pupil.",
                column=column,
                rows=rows,
                n_rows=n,
            )
        )
    return text, problems


def _weight_column(
    values: pd.Series, file: str, first_row: int
) -> tuple[pd.arrays.FloatingArray, list[Problem]]:
    column = schema.WEIGHT_COLUMN
    arr, bad_text, texts = _as_numbers(values)
    problems = []
    bad = bad_text | np.isnan(arr) | ~(arr > 0) | ~np.isfinite(arr)
    if bad.any():
        rows, n = _rows(bad, first_row)
        found = texts + ["(empty)" if np.isnan(v) else v for v in pd.unique(arr[bad & ~bad_text])]
        problems.append(
            Problem(
                file,
                f"the weight is not a positive number (found {_shown(found)}).",
                "Every pupil needs a weight above 0; correct them, or remove the weight column "
                "if the file is unweighted.",
                column=column,
                rows=rows,
                n_rows=n,
            )
        )
    keep = ~bad
    return pd.arrays.FloatingArray(np.where(keep, arr, 0.0), ~keep), problems


def validate(
    table: pd.DataFrame, file: str, first_row: int = 2, value_labels=None
) -> tuple[pd.DataFrame, list[Problem], list[str]]:
    """Check one file's table against the data contract and type its columns.

    Parameters
    ----------
    table : one file's rows, contract column names (other columns allowed)
    file : the file's name, for messages
    first_row : the row number a person sees for the table's first row
    value_labels : SPSS/Stata value labels by contract column, to name a
        wrong code in the file's own words ("5 (Strongly agree)")

    Returns
    -------
    validated : only the contract columns present, in contract order, with
        dtypes ``schema.dtypes()``; values that failed a check are missing
    problems : every problem found (empty if the file is fine)
    notes : things reported, not errors (columns left out, blocks partly or
        wholly absent, pupils with too many ticks)

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"pupil_id": ["P1"], "school_id": ["S1"], "wave": [1],
    ...                   "year_group": [8]})
    >>> print(validate(t, "w1.csv")[1][0])  # doctest: +ELLIPSIS
    w1.csv: column 'year_group': row 2: value 8 is not a code of year_group (7 or 9)...
    """
    contract = schema.contract_columns()
    present = [c for c in contract if c in table.columns]
    unknown = [str(c) for c in table.columns if c not in set(contract)]
    if not present:
        shown = ", ".join(f"'{c}'" for c in unknown[:8]) + (" …" if len(unknown) > 8 else "")
        return (
            pd.DataFrame(),
            [
                Problem(
                    file,
                    f"does not look like a KS3 survey file: none of its columns ({shown or 'none'}) "
                    "is a column of the survey.",
                    f"If it is a survey export with its own column names, load it with a codebook that "
                    f"maps them (see {DOCS}); otherwise choose the survey file.",
                )
            ],
            [],
        )

    problems: list[Problem] = []
    notes: list[str] = []
    if len(table) == 0:
        problems.append(
            Problem(
                file,
                "has column names but no data rows.",
                "Check that the export holds the pupils' answers.",
            )
        )
    for column in schema.REQUIRED_COLUMNS:
        if column not in table.columns:
            todo = f"Add it, or map the file's own column onto it in a codebook (see {DOCS})."
            if column == "wave":
                todo += " For a file of one wave, the codebook's 'constants: {wave: 2}' sets it."
            problems.append(
                Problem(file, f"the required column {column} is missing.", todo, column=column)
            )
    if unknown:
        notes.append(
            f"{file}: {len(unknown)} column{'s' if len(unknown) > 1 else ''} not part "
            f"of the survey left out: {', '.join(unknown[:10])}"
            f"{' …' if len(unknown) > 10 else ''}."
        )

    groups = schema.groups()
    out: dict[str, object] = {}
    for column in present:
        values = table[column]
        if column in schema.ID_COLUMNS:
            out[column], found = _id_column(values, column, file, first_row)
            if column == "school_id":
                out[column] = out[column].astype("category")
        elif column in ("wave", "year_group"):
            codes = list(groups[column].values)
            meaning = " or ".join(map(str, codes))
            out[column], found = _codes_column(
                values,
                column,
                codes,
                meaning,
                file,
                first_row,
                required=True,
                labels=(value_labels or {}).get(column),
            )
        elif column in groups:
            out[column], found = _category_column(
                values, column, list(groups[column].values), file, first_row
            )
        elif column == schema.WEIGHT_COLUMN:
            out[column], found = _weight_column(values, file, first_row)
        else:
            item = schema.item(column)
            if item.scale == "categorical":
                categories = list(schema.block(item.block).categories)
                out[column], found = _category_column(values, column, categories, file, first_row)
            else:
                scale = schema.scale_codes(item.scale)
                meaning = (
                    f"{item.scale}: "
                    + ", ".join(f"{k} {v}" for k, v in scale.items())
                    + ", empty = not answered"
                )
                out[column], found = _codes_column(
                    values,
                    column,
                    list(scale),
                    meaning,
                    file,
                    first_row,
                    required=False,
                    labels=(value_labels or {}).get(column),
                )
        problems.extend(found)

    validated = pd.DataFrame(out, index=pd.RangeIndex(len(table)))
    notes.extend(_block_notes(validated, file, first_row))
    return validated, problems, notes


def _block_notes(validated: pd.DataFrame, file: str, first_row: int) -> list[str]:
    notes = []
    absent = []
    for block in schema.blocks():
        have = [c for c in block.columns if c in validated.columns]
        if not have:
            absent.append(block.label)
            continue
        lacking = [c for c in block.columns if c not in validated.columns]
        if lacking:
            notes.append(
                f"{file}: the block '{block.label}' has {len(have)} of its "
                f"{len(block.columns)} columns; missing: {', '.join(lacking)}."
            )
        if block.max_ticks is not None and len(validated):
            ticks = sum(validated[c].fillna(0).to_numpy(dtype=np.int16) for c in have)
            over = ticks > block.max_ticks
            if over.any():
                rows, n = _rows(over, first_row)
                shown = ", ".join(map(str, rows)) + (
                    f" and {n - len(rows)} more" if n > len(rows) else ""
                )
                notes.append(
                    f"{file}: {n} pupil{'s' if n > 1 else ''} ticked more than "
                    f"{block.max_ticks} in '{block.label}' (row{'s' if n > 1 else ''} "
                    f"{shown}); their answers are kept as given."
                )
    if absent:
        notes.append(
            f"{file}: no columns of {len(absent)} question block"
            f"{'s' if len(absent) > 1 else ''}, left out of the dashboards: "
            f"{', '.join(absent)}."
        )
    return notes


def duplicate_pupils(tables: Sequence[tuple[str, pd.DataFrame, int]]) -> list[Problem]:
    """A ``pupil_id`` given twice in one wave, within a file or across files.

    Parameters
    ----------
    tables : ``(file, validated table, first_row)`` for each file

    Returns
    -------
    One problem a file holding duplicated pupils, listing the rows of every
    copy in that file (and naming the other files holding copies).
    """
    parts = []
    for k, (_, t, first_row) in enumerate(tables):
        if "pupil_id" not in t.columns or len(t) == 0:
            continue
        part = pd.DataFrame(
            {
                "pupil_id": t["pupil_id"],
                "wave": t["wave"] if "wave" in t.columns else pd.array([pd.NA] * len(t), "Int8"),
                "file": np.full(len(t), k, dtype=np.int32),
                "row": np.arange(len(t), dtype=np.int64) + first_row,
            }
        )
        parts.append(part[part["pupil_id"].notna()])
    if not parts:
        return []
    both = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    dup = both.duplicated(["wave", "pupil_id"], keep=False).to_numpy()
    if not dup.any():
        return []
    copies = both[dup]
    problems = []
    for k, rows in copies.groupby("file", sort=True):
        file = tables[int(k)][0]
        ids = rows["pupil_id"].unique()
        others = copies[copies["pupil_id"].isin(ids) & (copies["file"] != k)]["file"].unique()
        also = (
            (" Copies are also in " + ", ".join(tables[int(o)][0] for o in sorted(others)) + ".")
            if len(others)
            else ""
        )
        problems.append(
            Problem(
                file,
                f"{len(ids)} pupil_id{'s appear' if len(ids) > 1 else ' appears'} more than once in "
                f"the same wave ({_shown(list(ids[:6]))}).{also}",
                "Each pupil has one row a wave: remove the repeated rows, or correct the ids.",
                column="pupil_id",
                rows=tuple(int(r) for r in rows["row"].iloc[:MAX_ROWS_SHOWN]),
                n_rows=len(rows),
            )
        )
    return problems
