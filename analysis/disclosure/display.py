"""A protected number as text, with the GSS symbols where it is hidden."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from .rules import CONFIDENTIAL, NOT_APPLICABLE
from .cells import _is_share_column, _share_columns


def display_value(row: Mapping, column: str, *, percent: bool = True) -> str:
    """One number of a protected row as text, with ``c`` / ``u`` where hidden.

    Counts and bases are whole numbers (one decimal if weighted); shares and
    intervals are percentages with one decimal (``percent=False``: proportions
    with three decimals). A hidden number shows the row's symbol; a share of
    an empty group shows ``z``.

    >>> display_value({"n": 25.0, "count": float("nan"), "share": float("nan"),
    ...                "suppressed": "c"}, "count")
    'c'
    >>> display_value({"n": 50.0, "count": 20.0, "share": 0.4, "suppressed": ""}, "share")
    '40.0%'
    """
    value = row[column]
    symbol = row.get("suppressed", "") if hasattr(row, "get") else ""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        if column == "n":
            return CONFIDENTIAL
        if column == "count" or _is_share_column(column):
            return symbol or NOT_APPLICABLE
        return ""

    value = float(value)
    if column in ("n", "count", "n_schools"):
        return f"{value:.0f}" if value.is_integer() else f"{value:.1f}"
    if _is_share_column(column):
        return f"{value:.1%}" if percent else f"{value:.3f}"
    return f"{value:g}"


def format_for_display(table: pd.DataFrame, *, percent: bool = True) -> pd.DataFrame:
    """A protected table as text for display and download: numbers formatted
    by :func:`display_value`, ``c`` / ``u`` where hidden, other columns as
    they are."""
    if "suppressed" not in table.columns:
        raise ValueError(
            "format_for_display() takes a table returned by protect() "
            "(it has no 'suppressed' column): protect it first."
        )
    out = table.copy()
    numeric = [c for c in ("n", "count", "n_schools", *_share_columns(table)) if c in table.columns]
    records = table.to_dict("records")
    for c in numeric:
        out[c] = pd.Series(
            [display_value(r, c, percent=percent) for r in records], index=table.index, dtype=object
        )
    return out
