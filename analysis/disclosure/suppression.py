"""Protect: the primary rule and the secondary suppression of a whole view."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .audit import _Item
from .cells import (
    _NOT_STATED,
    _OTHER_CODES,
    _Cell,
    _check_table,
    _dimensions,
    _key,
    _plain,
    _share_columns,
)
from .margin_audit import _MarginItem
from .rules import (
    CATEGORY_MARGINS,
    CONFIDENTIAL,
    INCOMPLETE_DIMENSIONS,
    LOW_RELIABILITY,
    DisclosureRules,
    primary_rule,
)


def _primary(cell: _Cell, rules: DisclosureRules) -> None:
    if cell.nil or cell.n <= 0:
        return
    base_hidden, confidential, few_schools, low_base = primary_rule(
        cell.n, cell.count, cell.n_schools, rules
    )
    if base_hidden:
        cell.n_hidden = True
    if confidential or cell.n_hidden:
        cell.count_hidden = True
        return
    cell.few_schools = few_schools
    if low_base:
        cell.low_base = True
        cell.count_hidden = True  # count / n would give the share back
        cell.low_base_only = True


def protect(
    tables: Mapping[str, pd.DataFrame],
    rules: DisclosureRules = DisclosureRules(),
    category_margins: Mapping[str, tuple] | None = None,
) -> dict[str, pd.DataFrame]:
    """Hide what would disclose pupils, across all tables of one view.

    Parameters
    ----------
    tables : every table the view (dashboard page, download, report section)
        shows, by name, each in the tidy shape of
        :func:`analysis.measures.shares`: group columns (any of
        :data:`GROUP_DIMENSIONS`; none for the total), ``item``, ``label``,
        ``n``, ``count``, ``share`` and optionally ``n_schools``, ``ci_low``,
        ``ci_high``, ``se``. A table by ``school_id`` without ``n_schools``
        counts one school per cell.
    rules : thresholds; see :class:`DisclosureRules`.
    category_margins : ``category`` values that are sub-totals of answer
        codes, e.g. ``{"agree": (3, 4)}`` (the default,
        :data:`CATEGORY_MARGINS`): a row with that category counts the pupils
        of those codes, over the same base.

    A table with a ``category`` column holds distributions: for each item
    and group one row per answer code (category) that has pupils, ``n`` the
    item's base and ``count`` the pupils of that code, and optionally margin
    rows (``"agree"``). The codes of an item add up to its base; an attacker
    knows that, and the audit models it. Rows of items without categories
    (binary shares) leave ``category`` empty; an item that has categories
    must have them in every table that holds it. If only margins of an item
    are shown (no single code), its other codes form one unshown category.

    Returns
    -------
    The same tables, same rows and order, with a column ``suppressed`` (``""``,
    ``"c"`` or ``"u"``) and every hidden number replaced by NaN: ``count``,
    ``share`` and its interval for ``c`` and ``u``; ``n`` too where the base
    itself must be hidden. See the module docstring for the rules.

    Raises
    ------
    ValueError
        a table lacks a column, repeats a group, or the tables do not add up
        (e.g. one was filtered).
    """
    margins = dict(CATEGORY_MARGINS if category_margins is None else category_margins)
    margin_keys = {str(v): v for v in margins}
    prepared = {}
    for name, table in tables.items():
        _check_table(name, table)
        prepared[name] = _Rows(table)

    items = list(
        dict.fromkeys(itertools.chain.from_iterable(rows.positions for rows in prepared.values()))
    )
    status: dict[tuple[str, tuple], _Cell] = {}
    for item in items:
        cells: dict[tuple, _Cell] = {}
        categories: dict[str, list] = {}
        levels: dict[tuple, dict[str, list]] = {}
        shown_margins: set[str] = set()
        for name, rows in prepared.items():
            at = rows.positions.get(item)
            if at is None:
                continue
            dims = list(rows.dims)
            group_values = rows.values[at]
            if "category" in dims:
                empty = rows.no_category[at]
                if empty.all():  # a share of an item without categories
                    group_values = np.delete(group_values, dims.index("category"), axis=1)
                    dims.remove("category")
                elif empty.any():
                    raise ValueError(
                        f"table '{name}', row {int(at[np.flatnonzero(empty)[0]]) + 1}: "
                        f"item '{item}' has rows with and without a category. Give every "
                        f"row of a distribution its answer code (or a margin such as "
                        f"{', '.join(repr(m) for m in margins) or 'agree'})."
                    )
            seen: dict[str, list] = {}
            for d in dims:
                vals = rows.unique(d, at)
                seen[d] = vals
                cat = categories.setdefault(d, [])
                known = set(cat)
                cat.extend(
                    v
                    for v in vals
                    if v not in known and not (d == "category" and str(v) in margin_keys)
                )
                if d == "category":
                    shown_margins.update(str(v) for v in vals if str(v) in margin_keys)
            for row, (gv, nn, cc, ss) in enumerate(
                zip(group_values, rows.n[at], rows.count[at], rows.schools[at])
            ):
                if any(pd.isna(v) for v in gv):
                    raise ValueError(
                        f"table '{name}', row {int(at[row]) + 1}: a group "
                        "value is empty. Breakdowns leave out pupils with a missing group "
                        "value (they are the 'not stated' residual); drop such rows."
                    )
                if math.isnan(nn) or math.isnan(cc):
                    raise ValueError(
                        f"table '{name}', row {int(at[row]) + 1}: n or count "
                        "is empty. protect() needs every cell's base and count."
                    )
                key = _key(dims, gv)
                old = cells.get(key)
                if old is not None and not old.nil:
                    if not (math.isclose(old.n, nn) and math.isclose(old.count, cc)):
                        raise ValueError(
                            f"item '{item}', group {dict(key) or 'all pupils'}: tables of the "
                            f"view disagree (n {old.n:g} vs {nn:g}, count {old.count:g} vs "
                            f"{cc:g}). Protect tables computed from the same pupils."
                        )
                    continue
                cells[key] = _Cell(key, float(nn), float(cc), float(ss))
            lv = levels.setdefault(tuple(dims), {})
            for d in dims:
                lv.setdefault(d, [])
                known = set(lv[d])
                lv[d].extend(v for v in seen[d] if v not in known)
        for d in categories:
            if d in INCOMPLETE_DIMENSIONS:
                categories[d].append(_NOT_STATED)
        if any("category" in dims for dims in levels) != all("category" in dims for dims in levels):
            raise ValueError(
                f"item '{item}': some tables give it by answer category and some do not. "
                "Give its share as a category margin (e.g. category 'agree') or leave "
                "its distribution out of the view."
            )
        item_margins = {}
        if "category" in categories:
            codes = categories["category"]
            only_margins = not codes
            for m in sorted(shown_margins):
                value = margin_keys[m]
                wanted = {str(c) for c in margins[value]}
                present = {str(c) for c in codes}
                codes.extend(c for c in margins[value] if str(c) not in present)
                # the margin's value as it appears in the tables
                for v in {_plain(x) for x in _margin_values(prepared, item, m)}:
                    item_margins[v] = [c for c in codes if str(c) in wanted]
            if only_margins:
                codes.append(_OTHER_CODES)
        # rows absent from a table: empty groups (nil); other groups: implicit cells
        for dims, seen in levels.items():
            dims = list(dims)
            seen = {d: set(v) for d, v in seen.items()}
            for combo in itertools.product(*[categories[d] for d in dims]):
                key = _key(dims, combo)
                if key in cells:
                    continue
                shown_here = all(v in seen[d] for d, v in zip(dims, combo))
                if shown_here:
                    # an absent code of a distribution: no pupil has it; its base is
                    # the group's, shown in the other codes' rows
                    cells[key] = _Cell(key, 0.0, 0.0, nil=True, n_hidden="category" in dims)
                else:
                    cells[key] = _Cell(key, math.nan, math.nan, published=False)
        for cell in cells.values():
            _primary(cell, rules)
        audit = _MarginItem if _MarginItem.applies(cells, categories) else _Item
        audit(cells, categories, rules, item, item_margins).run()
        for key, cell in cells.items():
            status[(item, key)] = cell

    out = {}
    for name, rows in prepared.items():
        table, dims = rows.table, rows.dims
        result = table.copy()
        symbols, hide_count, hide_n = [], [], []
        for gv, item in zip(
            table[dims].to_numpy(dtype=object) if dims else np.empty((len(table), 0)),
            table["item"].astype(str),
        ):
            key = _key(dims, gv)
            if "category" in dims and _no_category(dict(key)["category"]):
                key = tuple((d, v) for d, v in key if d != "category")
            cell = status[(item, key)]
            if cell.count_hidden and not cell.low_base_only:
                symbols.append(CONFIDENTIAL)
            elif cell.low_base:
                symbols.append(LOW_RELIABILITY)
            else:
                symbols.append("")
            hide_count.append(cell.count_hidden)
            hide_n.append(cell.n_hidden)
        hide_count = np.array(hide_count, dtype=bool)
        hide_n = np.array(hide_n, dtype=bool)
        result["count"] = result["count"].astype(float).mask(hide_count)
        result["n"] = result["n"].astype(float).mask(hide_n)
        for c in _share_columns(result):
            result[c] = result[c].astype(float).mask(hide_count | hide_n)
        result["suppressed"] = pd.Series(symbols, index=result.index, dtype=object)
        out[name] = result
    return out


def _no_category(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or pd.isna(v) or str(v) == ""


def _margin_values(prepared: Mapping[str, "_Rows"], item: str, margin: str) -> list:
    """The values (as written in the tables) of category margin ``margin`` of ``item``."""
    out = []
    for rows in prepared.values():
        at = rows.positions.get(item)
        if "category" in rows.dims and at is not None:
            out.extend(v for v in rows.unique("category", at) if str(v) == margin)
    return out


class _Rows:
    """One table of a view as arrays, read once: its group values, bases,
    counts and school counts, and where each item's rows are (not a scan of
    the table for every item)."""

    def __init__(self, table: pd.DataFrame):
        self.table = table
        self.dims = _dimensions(table)
        self.schools = (
            table["n_schools"].astype(float).to_numpy()
            if "n_schools" in table.columns
            else np.full(len(table), 1.0 if "school_id" in self.dims else math.nan)
        )
        self.n = table["n"].astype(float).to_numpy()
        self.count = table["count"].astype(float).to_numpy()
        self.values = (
            table[self.dims].to_numpy(dtype=object)
            if self.dims
            else np.empty((len(table), 0), dtype=object)
        )
        codes, names = pd.factorize(table["item"].astype(str), sort=False)
        order = np.argsort(codes, kind="stable")
        starts = np.searchsorted(codes[order], np.arange(len(names) + 1))
        #: each item's row positions, in table order; items in order of first row
        self.positions = {
            str(names[k]): order[starts[k] : starts[k + 1]] for k in range(len(names))
        }
        self._factors = {d: pd.factorize(table[d], sort=False) for d in self.dims}
        self.no_category = (
            table["category"].map(_no_category).astype(bool).to_numpy()
            if "category" in self.dims
            else None
        )

    def unique(self, dimension: str, at: np.ndarray) -> list:
        """The values of ``dimension`` in rows ``at``, in order of first
        appearance, without empty ones (as ``pd.unique`` of the column)."""
        codes, names = self._factors[dimension]
        picked = codes[at]
        picked = pd.unique(picked[picked >= 0])
        values = (
            names.to_numpy()[picked] if isinstance(names, pd.Index) else np.asarray(names)[picked]
        )
        return [_plain(v) for v in values]
