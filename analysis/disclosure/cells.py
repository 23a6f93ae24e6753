"""The cells of a view: one group of one item, with what the audit knows of it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .rules import GROUP_DIMENSIONS

_NOT_STATED = "\x00not stated"  # the never-published category of incomplete dimensions
_OTHER_CODES = "\x00other codes"  # codes outside every shown margin, when no code is shown
_EXACT = 0.5  # a range narrower than this pins a count of pupils to one value
_VALUE_COLUMNS = ("item", "label", "n", "count")
_INF = math.inf


@dataclass
class _Cell:
    key: tuple  # ((dimension, value), ...) in GROUP_DIMENSIONS order
    n: float
    count: float
    n_schools: float = math.nan  # NaN: school rule not applied
    published: bool = True  # False: implicit (residual, unshown group)
    nil: bool = False  # an empty group read from a row absent from a table
    count_hidden: bool = False
    n_hidden: bool = False
    low_base: bool = False
    low_base_only: bool = False  # count hidden for low base (u), not for disclosure
    few_schools: bool = False  # from fewer than min_schools schools: one school's share
    members: np.ndarray = field(default=None, repr=False)  # finest cells it sums

    @property
    def level(self) -> tuple[str, ...]:
        return tuple(d for d, _ in self.key)

    def value(self, system: str) -> float:
        return self.n if system == "n" else self.count


def _dimensions(table: pd.DataFrame) -> list[str]:
    return [d for d in GROUP_DIMENSIONS if d in table.columns]


def _check_table(name: str, table: pd.DataFrame) -> None:
    missing = [c for c in _VALUE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            f"table '{name}': no column {', '.join(repr(c) for c in missing)}. "
            "protect() reads tables in the tidy shape of analysis.measures.shares "
            "(group columns, item, label, n, count, share)."
        )
    if "suppressed" in table.columns:
        raise ValueError(
            f"table '{name}' already has a 'suppressed' column: it has been protected. "
            "Pass the unprotected tables of the whole view to protect() once."
        )
    dims = _dimensions(table)
    dup = table.duplicated([*dims, "item"], keep=False)
    if dup.any():
        rows = [int(i) + 1 for i in np.flatnonzero(dup.to_numpy())[:5]]
        raise ValueError(
            f"table '{name}', rows {rows}: the same group and item appear more than "
            f"once (group columns {dims}). Give each group one row."
        )


def _key(dims: list[str], values) -> tuple:
    return tuple((d, _plain(v)) for d, v in zip(dims, values))


def _plain(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return int(v) if float(v).is_integer() else float(v)
    return v


def _is_share_column(column: str) -> bool:
    """The share and what is computed from it (interval, standard error)."""
    return column in ("share", "ci_low", "ci_high", "se") or column.startswith(("share_", "ci_"))


def _share_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if _is_share_column(str(c))]
