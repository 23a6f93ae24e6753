"""Refuse files holding columns that identify a pupil.

An anonymised survey has no place for a pupil's name, date of birth, postcode,
Unique Pupil Number (UPN), e-mail address or phone number. The loader calls
:func:`check_identifying` on every file as read, *before* columns the survey
does not know are left out, so an identifying column is refused even if the
analysis would never have used it.

A column is flagged

* by its **name**: its words (split on spaces, ``_``, ``-``, ``.`` and
  camelCase) contain a name word (``name``, ``forename``, ``first name``,
  ``surname``…; but not ``school name``), ``dob`` / ``date of birth`` /
  ``birth date``, ``postcode`` / ``post code``, ``address``, ``upn`` /
  ``unique pupil number``, ``email`` / ``e-mail``, ``phone`` / ``telephone`` /
  ``mobile``;
* or by its **values**, on an evenly spread sample of at most
  :data:`SAMPLE_SIZE` non-empty values of each text or date column, when at
  least half of them are e-mail addresses, UK postcodes, UPN-like codes (a
  letter and 12 characters, the first 11 digits: 13 characters in all), dates
  of birth (dates spread over more than :data:`DOB_MIN_SPREAD_DAYS` days and at
  most :data:`DOB_MAX_SPREAD_YEARS` years, at least 5 years before today: a
  school cohort's birthdays, not the date a survey was filled in), or person names
  (two capitalised words, mostly different from each other).

Pseudonymous codes such as ``P00123`` or ``S01`` are not flagged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from .errors import IdentifyingDataError, Problem

SAMPLE_SIZE = 500
VALUE_SHARE = 0.5  # share of sampled values that must match a pattern
DOB_MIN_SPREAD_DAYS = 180
DOB_MAX_SPREAD_YEARS = 6

TODO = (
    "Remove this column from the file (pupils must be pseudonymous: use a "
    "pupil code such as P00123 instead) and load it again."
)

# Column names: matched against the column's words joined by single spaces.
_NAME_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        r"\b(fore|first|last|sur|given|family|middle|full|pupil|student|child|legal|preferred)\s?names?\b",
        "a pupil's name",
    ),
    (r"^names?$", "a pupil's name"),
    (r"\b(dob|d o b|birth\s?date|date of birth|birthday)\b", "a date of birth"),
    (r"\bpost\s?codes?\b|\bzip\b", "a postcode"),
    (r"\baddress(es)?\b|\bstreet\b", "an address"),
    (r"\bupn\b|\bunique pupil (number|no|ref|reference)\b", "a Unique Pupil Number"),
    (r"\be\s?mails?\b", "an e-mail address"),
    (r"\b(tele)?phone\b|\bmobile\b|\btel\b", "a phone number"),
)

_EMAIL = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"
_POSTCODE = r"(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-Z]? ?[0-9][ABD-HJLNP-UW-Z]{2})"
_UPN = r"[A-Z][0-9]{11}[0-9A-Z]"
_PERSON = r"[A-Z][a-z'’\-]+(?: [A-Z][a-z'’\-]+)?,? [A-Z][a-z'’\-]+"
_VALUE_PATTERNS: tuple[tuple[str, str], ...] = (
    (_EMAIL, "e-mail addresses"),
    (_POSTCODE, "UK postcodes"),
    (_UPN, "Unique Pupil Numbers (a letter and 12 digits)"),
)


def _words(column: str) -> str:
    """``"PupilFirstName"`` / ``"pupil_first-name"`` -> ``"pupil first name"``."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(column))
    return " ".join(re.split(r"[^0-9a-zA-Z]+", text.lower())).strip()


def _by_name(column: str) -> str | None:
    words = _words(column)
    if "school" in words.split():
        return None  # a school's name or address does not identify a pupil
    for pattern, what in _NAME_PATTERNS:
        if re.search(pattern, words):
            return what
    return None


def _sample(values: pd.Series) -> pd.Series:
    values = values.dropna()
    if len(values) > SAMPLE_SIZE:
        step = len(values) // SAMPLE_SIZE
        values = values.iloc[::step][:SAMPLE_SIZE]
    return values


def _looks_like_birthdays(dates: pd.Series) -> bool:
    """Dates of a school cohort's births: spread over more than half a year and
    at most a few years (a survey date is not), none in the last 5 years."""
    dates = pd.to_datetime(dates, errors="coerce").dropna()
    if len(dates) < 2:
        return False
    latest_birth = pd.Timestamp.today() - pd.DateOffset(years=5)
    spread = (dates.quantile(0.95) - dates.quantile(0.05)).days
    return bool(
        DOB_MIN_SPREAD_DAYS < spread <= DOB_MAX_SPREAD_YEARS * 366
        and (dates <= latest_birth).mean() >= VALUE_SHARE
        and dates.min().year >= 1900
    )


def _by_values(values: pd.Series) -> str | None:
    if pd.api.types.is_datetime64_any_dtype(values):
        sample = _sample(values)
        return "dates of birth" if _looks_like_birthdays(sample) else None
    if (
        pd.api.types.is_numeric_dtype(values)
        or isinstance(values.dtype, pd.CategoricalDtype)
        and not pd.api.types.is_string_dtype(values.dtype.categories)
    ):
        return None
    sample = _sample(values)
    if sample.empty:
        return None
    text = sample.astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return None
    for pattern, what in _VALUE_PATTERNS:
        if text.str.fullmatch(pattern, case=False).mean() >= VALUE_SHARE:
            return what
    person = text.str.fullmatch(_PERSON)
    if person.mean() >= VALUE_SHARE and text.nunique() >= max(5, 0.5 * len(text)):
        return "people's names (two capitalised words, different in most rows)"
    looks_dated = text.str.fullmatch(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}( 00:00(:00)?)?")
    if looks_dated.mean() >= VALUE_SHARE:
        dayfirst = not text.str.match(r"\d{4}").any()
        dates = pd.to_datetime(
            text[looks_dated], errors="coerce", dayfirst=dayfirst, format="mixed"
        )
        if _looks_like_birthdays(dates):
            return "dates of birth"
    return None


def identifying_columns(table: pd.DataFrame, file: str) -> list[Problem]:
    """Problems for every column of ``table`` that identifies a pupil.

    Parameters
    ----------
    table : the file as read, every column still there (before mapping)
    file : the file's name, for the message

    Returns
    -------
    One :class:`~analysis.errors.Problem` a column found, empty if none.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"pupil_id": ["P001", "P002"], "Surname": ["Smith", "Jones"]})
    >>> [p.column for p in identifying_columns(t, "x.csv")]
    ['Surname']
    """
    problems = []
    for column in table.columns:
        reason = _by_name(column)
        if reason is not None:
            what = f"its name says it holds {reason}, which identifies a pupil."
        else:
            found = _by_values(table[column])
            if found is None:
                continue
            what = f"its values look like {found}, which identify pupils."
        problems.append(Problem(file, what, TODO, column=str(column)))
    return problems


def check_identifying(table: pd.DataFrame, file: str, also: Sequence[Problem] = ()) -> None:
    """Raise :class:`~analysis.errors.IdentifyingDataError` if any column identifies a pupil.

    ``also``: further problems found in the same load, reported with these.
    """
    problems = identifying_columns(table, file)
    if problems:
        raise IdentifyingDataError([*problems, *also])
