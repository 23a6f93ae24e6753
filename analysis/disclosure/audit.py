"""Statistical disclosure control: what may be shown of a survey table.

One module decides, for the command line, the dashboards and the public bundle
alike, which numbers of a tidy result table (see :mod:`analysis.measures`) are
shown. It follows the Government Statistical Service (GSS) guidance on
disclosure control of tables [1]_ [2]_: a threshold on the number of people in
a cell (primary suppression), then enough further suppression that no hidden
cell can be worked out from shown ones (secondary suppression), and the GSS
symbols ``c`` (confidential) and ``u`` (low reliability) in place of what is
hidden [3]_.

Primary rules (:class:`DisclosureRules`, defaults in brackets)
-------------------------------------------------------------
A cell is ``c`` (its ``count`` hidden) when

* ``count < min_count`` (10): fewer than 10 pupils ticked / agreed. A
  threshold of 10 is the minimum cell count most commonly used in
  government tables of people [1]_ [2]_;
* ``n - count < min_count``: fewer than 10 pupils did *not* tick. The
  complement is a count of pupils too (“all but 3 pupils of this group
  ticked it” discloses as much as “3 ticked”), so it gets the same threshold;
* ``n < min_count``: the base itself is a small count of pupils; then ``n`` is
  hidden as well.

Hiding a count always hides the ``share`` and everything computed from it
(``ci_low``, ``ci_high``, ``se``, any ``share_*`` or ``ci_*`` column): with
``n`` shown, ``count = share * n`` would give the count back.

A cell that is not ``c`` is ``u`` (low base) when its base ``n`` is under
``min_base`` (30) pupils or its pupils come from fewer than ``min_schools``
(3) schools (column ``n_schools``; a table by ``school_id`` has one school per
cell). ``u`` is a rule of reliability: the share, its interval and the
count are hidden and ``n`` is shown. A ``u`` cell on a low base is not
protected against differencing (its counts are at least 10 both ways); a ``u``
cell from fewer than ``min_schools`` schools is one or two schools' own
figure, so it is protected like a ``c`` cell: no combination of shown numbers
may pin its count to a range narrower than ``protection`` pupils.

A cell with ``n == 0`` (nobody in the group answered) is shown as it is: it
holds nobody to disclose; its share is undefined (symbol ``z``).

Secondary suppression
---------------------
The cells of a breakdown add up along every grouping dimension (girls + boys +
other + not stated = all pupils; year 7 + year 9; wave 1 + wave 2; schools),
and this holds for counts, for bases ``n`` and hence for complements
``n - count``. :func:`protect` takes *all* tables of one view or publication
together (e.g. by gender, by year group, and the total) and models them as sums
of the cells of the finest cross-classification of their grouping columns.
Gender and ethnicity may be missing, so they get an extra, never-published
category “not stated”: the pupils in the total but in no shown group. That
residual (total minus the shown groups) is an *implicit cell*: when the
published tables pin it to fewer than ``min_count`` pupils it is protected like
any small cell.

Distributions are modelled the same way, with the answer code as one more,
complete dimension ``category`` (never "not stated"): every pupil of a group has
exactly one code, so the codes' counts add up to the group's base (1 + 2 + 3 + 4
= ``n`` on a four-point item; the qualification-aim categories likewise), and a
row's base is the same in every code of its group. A sub-total of codes may be
published as a category of its own (``"agree"`` = codes 3 + 4, declared in
:data:`CATEGORY_MARGINS` or the ``category_margins`` argument of
:func:`protect`); it is a margin of the same cells, so a hidden code is neither
the base minus the codes shown nor the agree count minus the other agree code.

An attacker who knows every shown number (and that counts are at least 0 and at
most ``n``) can bound each hidden number by linear programming. Protection
requires that

* every hidden count and every hidden ``n`` stays undetermined (its feasible
  range is not a single value), and
* every small quantity (a count, complement or base under ``min_count``, shown
  or implicit) has a feasible range at least ``protection`` wide (default
  ``min_count``): the attacker cannot narrow it to within 10 pupils — so two
  tiny cells cannot protect each other by revealing their tiny sum.

While a requirement fails, the next-smallest shown sibling of the cell (same
breakdown, one grouping value different) is suppressed — then, failing that,
its parent or children, then any cell of the item — and the ranges are
computed again, until every requirement holds. Suppression is monotone
(hiding more never narrows a range), so the loop ends; a cell hidden in one
table is hidden in every table of the view that holds it. This is the
audit-and-extend approach of tau-Argus [4]_, with an exact linear-programming
audit (scipy's HiGHS) instead of a heuristic one.

Tables must list every group they cover: a row absent from a table (a
combination of the group values that table shows) is read as an empty group
(``n = 0``), as :func:`analysis.measures.shares` produces. Filter tables
*after* protecting them, not before.

References
----------
.. [1] Government Statistical Service (2021). *Disclosure control guidance
   for tables produced from surveys* and *… from administrative sources*.
   GSS / ONS, Statistical Disclosure Control.
.. [2] Office for National Statistics (2019). *Statistical disclosure
   control methods for tables*: threshold rule (commonly a minimum cell
   count of 10), secondary suppression, differencing.
.. [3] Government Analysis Function (2023). *Symbols in tables, definitions
   and help*: ``[c]`` confidential, ``[u]`` low reliability, ``[z]`` not
   applicable.
.. [4] Hundepool A. et al. (2012). *Statistical Disclosure Control*. Wiley,
   ch. 4 (tabular data: sensitivity rules, secondary cell suppression,
   audit by linear programming).

Examples
--------
>>> import pandas as pd
>>> total = pd.DataFrame({"item": ["visitor_talk"], "label": ["Visitor"],
...                       "n": [60.0], "count": [24.0], "share": [0.4]})
>>> by_year = pd.DataFrame({"year_group": [7, 9], "item": "visitor_talk",
...                         "label": "Visitor", "n": [25.0, 35.0],
...                         "count": [4.0, 20.0], "share": [0.16, 20 / 35]})
>>> out = protect({"total": total, "by_year": by_year})
>>> out["by_year"][["year_group", "n", "count", "suppressed"]]
   year_group     n  count suppressed
0           7  25.0    NaN          c
1           9  35.0    NaN          c
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# HiGHS, the solver behind scipy.optimize.linprog(method="highs"), used directly:
# one model per item changed in place and re-solved from the last basis. linprog
# builds and presolves a fresh model on every call, which cost 10-20x the time
# here. scipy vendors HiGHS' own Python binding (the `highspy` package's core,
# which prints no banner); should a future scipy move it, `pip install highspy`
# and import `Highs` and `HighsModelStatus` from there instead.
try:  # scipy >= 1.15 (pyproject.toml asks for it)
    from scipy.optimize._highspy._core import HighsModelStatus as _STATUS
    from scipy.optimize._highspy._core import _Highs
except ImportError:  # pragma: no cover - a scipy that moved its private binding
    try:
        from highspy import Highs as _Highs
        from highspy import HighsModelStatus as _STATUS
    except ImportError as err:
        raise ImportError(
            "analysis.disclosure needs the HiGHS solver that scipy >= 1.15 ships "
            "(scipy.optimize._highspy); this scipy does not have it at that place. "
            "Install scipy 1.15 or newer, or `pip install highspy`."
        ) from err

from .. import schema

#: Columns that group a table's cells, in the order they are modelled.
#: ``school`` is the "this school / other schools" column of :func:`school_view`;
#: ``category`` is the answer code (or qualification-aim category) of a
#: distribution: its cells partition the item's base (see
#: :data:`CATEGORY_MARGINS` and the module docstring).
#: ``school_set`` marks a table of a subset of schools: ``"common"`` for the
#: schools surveyed in both waves, whose figures like-for-like comparisons are
#: computed from. A table without it covers every school, so it is the margin
#: of the common schools and an unpublished residual (the schools surveyed in
#: one wave only), which is protected like any implicit cell.
GROUP_DIMENSIONS: tuple[str, ...] = (
    *schema.GROUP_COLUMNS,
    "school_set",
    "school_id",
    "school",
    "category",
)
#: The ``school_set`` value of the schools surveyed in both waves.
COMMON_SCHOOLS = "common"

#: Sub-totals of answer codes a table may publish as a ``category`` value:
#: the agree share of a four-point item is codes 3 + 4 (``schema.positive_codes``).
#: Codes are compared as text, so ``"3"`` and ``3`` are the same code.
CATEGORY_MARGINS: Mapping[str, tuple] = {"agree": schema.positive_codes("agreement")}

#: Grouping columns a pupil may leave empty: their breakdowns miss the
#: "not stated" pupils, who are in the total nonetheless.
INCOMPLETE_DIMENSIONS: tuple[str, ...] = (
    *(c for c in schema.GROUP_COLUMNS if c not in schema.REQUIRED_COLUMNS),
    "school_set",
)

CONFIDENTIAL = "c"  # GSS symbol: hidden to protect confidentiality
LOW_RELIABILITY = "u"  # GSS symbol: low base, not shown
NOT_APPLICABLE = "z"  # GSS symbol: share of nobody

THIS_SCHOOL = "this school"
OTHER_SCHOOLS = "other schools"

_NOT_STATED = "\x00not stated"  # the never-published category of incomplete dimensions
_OTHER_CODES = "\x00other codes"  # codes outside every shown margin, when no code is shown
_EXACT = 0.5  # a range narrower than this pins a count of pupils to one value
_VALUE_COLUMNS = ("item", "label", "n", "count")
_INF = math.inf


#: The two ways a figure is made, named on every output (dashboards, ``summary``,
#: bundles) so that two outputs that differ say why.
INTERNAL_USE = "internal use"
PUBLICATION = "protected for publication"


def regime_sentence(regime: str, rules: "DisclosureRules | None" = None) -> str:
    """What a figure made under ``regime`` (:data:`INTERNAL_USE` or
    :data:`PUBLICATION`) hides, in one plain sentence for a page or a README."""
    r = rules or DisclosureRules()
    primary = (
        f"a count, its complement or a base under {r.min_count:g} pupils is hidden "
        f"(c); a share on fewer than {r.min_base:g} pupils or {r.min_schools} "
        "schools is not shown (u)"
    )
    if regime == INTERNAL_USE:
        return (
            f"Figures for internal use: {primary}, each figure on its own. Figures "
            "that a publication hides further, so that no hidden one can be worked out "
            "from the others, are shown here: publish only through the publication "
            "bundle or the disclosure-controlled summary, never from this output."
        )
    if regime == PUBLICATION:
        return (
            f"Figures protected for publication: {primary}, and further figures are "
            "hidden so that no hidden one can be worked out from everything published "
            "with it (every table of a block, the like-for-like comparisons, flags "
            "and q-values together)."
        )
    raise ValueError(f"unknown regime {regime!r}: {INTERNAL_USE!r} or {PUBLICATION!r}")


@dataclass(frozen=True)
class DisclosureRules:
    """Thresholds of the disclosure rules (see the module docstring).

    Parameters
    ----------
    min_count : a count, complement (``n - count``) or base ``n`` under this
        many pupils is confidential (``c``).
    min_base : a share whose base ``n`` is under this is not shown (``u``).
    min_schools : a share from fewer schools than this is not shown (``u``).
    protection : the narrowest range to which an attacker may bound a small
        quantity from the shown numbers; ``None`` means ``min_count``.
    """

    min_count: float = 10
    min_base: float = 30
    min_schools: int = 3
    protection: float | None = None

    @property
    def protection_width(self) -> float:
        return self.min_count if self.protection is None else self.protection


# ---------------------------------------------------------------- cells


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


# ---------------------------------------------------------------- the audit


class _Item:
    """All cells of one item across the tables of a view, and the LP audit."""

    def __init__(
        self,
        cells: dict[tuple, _Cell],
        categories: dict[str, list],
        rules: DisclosureRules,
        item: str,
        margins: Mapping | None = None,
    ):
        self.cells = cells
        self.rules = rules
        self.item = item
        self.dims = [d for d in GROUP_DIMENSIONS if d in categories]
        # a category value that is a sub-total: the finest categories it sums
        self.margins = {v: set(m) for v, m in (margins or {}).items()}
        self.by_category = "category" in self.dims
        cats = [categories[d] for d in self.dims]
        combos = list(itertools.product(*[range(len(c)) for c in cats]))  # [()] if none
        finest = np.array(combos, dtype=int).reshape(len(combos), len(self.dims))
        self.finest = finest
        self.code = {d: {v: i for i, v in enumerate(c)} for d, c in zip(self.dims, cats)}
        self.categories = dict(zip(self.dims, cats))
        self.n_finest = len(finest)
        for cell in cells.values():
            cell.members = self.members(cell.key)
        self._build_model()

    def members(self, key: tuple):
        """The finest cells a cell sums: a 0/1 vector; for an item with
        answer categories a pair, the finest cells of its count (its
        categories) and of its base (every category of its groups)."""
        if self.by_category:
            groups = self._mask(tuple((d, v) for d, v in key if d != "category"))
            count = groups.copy()
            j = self.dims.index("category")
            for d, v in key:
                if d == "category":
                    wanted = self.margins.get(v, {v})
                    count &= np.isin(self.finest[:, j], [self.code[d][w] for w in wanted])
            return count.astype(float), groups.astype(float)
        if len(key) == len(self.dims):  # a finest cell: its index, not a scan
            index = (
                np.ravel_multi_index(
                    [self.code[d][v] for d, v in key], [len(self.categories[d]) for d in self.dims]
                )
                if self.dims
                else 0
            )
            one = np.zeros(self.n_finest)
            one[index] = 1.0
            return one
        return self._mask(key).astype(float)

    def _mask(self, key: tuple) -> np.ndarray:
        mask = np.ones(self.n_finest, dtype=bool)
        for d, v in key:
            j = self.dims.index(d)
            mask &= self.finest[:, j] == self.code[d][v]
        return mask

    def _build_model(self) -> None:
        """One HiGHS model per item, kept for the whole audit.

        Columns are ``count_f`` then ``n_f`` of the finest cells (bounds
        ``[0, inf)``). Rows are ``count_f - n_f <= 0`` for every finest
        cell, then two rows for each published cell of two or more finest
        cells (the sum of its members' counts, of their bases). A published
        cell that *is* a finest cell bounds its two columns instead of
        adding rows (the same constraint, and a much smaller model for a
        table by school, whose cells are nearly all finest). With answer
        categories (``category``) every pupil of a finest cell has its code,
        so ``count_f = n_f`` there (the codes of a group add up to its base),
        a cell's count sums its categories and its base every category of
        its groups. A shown number
        fixes its row (column) to the value; hiding it frees the row (resets
        the column to ``[0, inf)``), so suppression changes bounds only and
        each solve starts from the previous optimal basis (simplex hot
        start) instead of a fresh model.
        """
        F = self.n_finest
        self._where: dict[int, tuple[str, int]] = {}  # id(cell) -> ("row"|"col", index)
        starts, indices, values = [], [], []
        pos = 0
        for f in range(F):
            starts.append(pos)
            indices.extend((f, F + f))
            values.extend((1.0, -1.0))
            pos += 2
        n_rows = F
        claimed: set[int] = set()
        for cell in self.cells.values():
            if not cell.published:
                continue
            if self.by_category:
                self._where[id(cell)] = ("row", n_rows)
                for offset, part in ((0, cell.members[0]), (F, cell.members[1])):
                    where = np.flatnonzero(part)
                    starts.append(pos)
                    indices.extend((where + offset).tolist())
                    values.extend([1.0] * len(where))
                    pos += len(where)
                n_rows += 2
                continue
            where = np.flatnonzero(cell.members)
            # a column holds one cell's numbers; a second published cell of the same
            # members (a breakdown over one school is that school) gets rows, or
            # hiding one would free the other's shown numbers
            if len(where) == 1 and int(where[0]) not in claimed:
                claimed.add(int(where[0]))
                self._where[id(cell)] = ("col", int(where[0]))
                continue
            self._where[id(cell)] = ("row", n_rows)
            for offset in (0, F):
                starts.append(pos)
                indices.extend((where + offset).tolist())
                values.extend([1.0] * len(where))
                pos += len(where)
            n_rows += 2
        self._bounds = {
            "row": (np.full(n_rows, -_INF), np.full(n_rows, _INF)),
            "col": (np.zeros(2 * F), np.full(2 * F, _INF)),
        }
        self._bounds["row"][1][:F] = 0.0
        if self.by_category:  # each pupil of a finest cell has its code: count_f = n_f
            self._bounds["row"][0][:F] = 0.0
        for cell in self.cells.values():
            self._set_bounds(cell, sync=False)
        h = _Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("presolve", "off")  # small models solved many times: hot starts
        # primal simplex: hiding numbers only relaxes bounds, so the last optimum stays
        # feasible and a new objective starts from it (about twice as fast as dual here)
        h.setOptionValue("simplex_strategy", 4)
        h.addVars(2 * F, *self._bounds["col"])
        h.addRows(
            n_rows,
            *self._bounds["row"],
            len(indices),
            np.array(starts, dtype=np.int32),
            np.array(indices, dtype=np.int32),
            np.array(values, dtype=float),
        )
        self._highs = h
        self._columns = np.arange(2 * F, dtype=np.int32)
        self._solved: dict[tuple, float] = {}

    def _set_bounds(self, cell: _Cell, sync: bool = True) -> None:
        """Fix ``cell``'s count and base to its shown numbers, free those hidden."""
        place = self._where.get(id(cell))
        if place is None:
            return
        kind, index = place
        lower, upper = self._bounds[kind]
        free = -_INF if kind == "row" else 0.0  # a finest cell's columns stay >= 0
        step = 1 if kind == "row" else self.n_finest  # count then base
        for i, hidden, value in (
            (index, cell.count_hidden, cell.count),
            (index + step, cell.n_hidden, cell.n),
        ):
            lo, hi = (free, _INF) if hidden else (value, value)
            if lower[i] != lo or upper[i] != hi:
                lower[i], upper[i] = lo, hi
                if sync:
                    change = (
                        self._highs.changeRowBounds
                        if kind == "row"
                        else self._highs.changeColBounds
                    )
                    change(i, lo, hi)

    def _objective(self, members, quantity: str) -> np.ndarray:
        count, base = members if isinstance(members, tuple) else (members, members)
        zero = np.zeros(self.n_finest)
        return {
            "count": np.concatenate([count, zero]),
            "n": np.concatenate([zero, base]),
            "complement": np.concatenate([-count, base]),
        }[quantity]

    def _solve(self, objective: np.ndarray) -> float:
        """Minimum of ``objective`` over the shown numbers' feasible set."""
        # the same question about the same shown numbers: the answer already found
        state = (
            objective.tobytes(),
            self._bounds["row"][0].tobytes(),
            self._bounds["col"][1].tobytes(),
        )
        known = self._solved.get(state)
        if known is not None:
            return known
        value = self._run(objective)
        self._solved[state] = value
        return value

    def _run(self, objective: np.ndarray) -> float:
        h = self._highs
        h.changeColsCost(len(objective), self._columns, objective)
        h.run()
        status = h.getModelStatus()
        if status == _STATUS.kUnboundedOrInfeasible:  # tell the two apart: no objective
            h.changeColsCost(len(objective), self._columns, np.zeros(len(objective)))
            h.run()
            status = (
                _STATUS.kInfeasible
                if h.getModelStatus() == _STATUS.kInfeasible
                else _STATUS.kUnbounded
            )
        if status == _STATUS.kUnbounded:
            return -math.inf
        if status == _STATUS.kInfeasible:
            raise ValueError(
                f"item '{self.item}': the tables of this view do not add up (a "
                "breakdown's groups sum to more than its total, or a table lacks "
                "rows another table has). Pass complete, unfiltered breakdowns "
                "of the same pupils to protect()."
            )
        if status != _STATUS.kOptimal:
            raise RuntimeError(
                f"item '{self.item}': linear programme failed: {h.modelStatusToString(status)}"
            )
        return h.getInfo().objective_function_value

    def lowest(self, members: np.ndarray, quantity: str) -> float:
        """Smallest value of ``quantity`` of a cell consistent with the shown numbers."""
        return self._solve(self._objective(members, quantity))

    def highest(self, members: np.ndarray, quantity: str) -> float:
        """Largest value of ``quantity`` of a cell consistent with the shown numbers."""
        return -self._solve(-self._objective(members, quantity))

    def feasible_range(self, members: np.ndarray, quantity: str) -> tuple[float, float]:
        """Smallest and largest value of ``quantity`` of a cell consistent with
        the shown numbers (LP over the finest cells; 0 <= count_f <= n_f)."""
        objective = self._objective(members, quantity)
        return self._solve(objective), -self._solve(-objective)

    def width(self, members, quantity) -> float:
        lo, hi = self.feasible_range(members, quantity)
        return hi - lo

    # ---------------------------------------------------------- requirements

    def requirements(self) -> list[tuple[_Cell, str, float]]:
        """(cell, quantity, least range width) that protection must meet."""
        mc, width = self.rules.min_count, self.rules.protection_width
        reqs = []
        empty = self._provably_empty()
        for cell in self.cells.values():
            if cell.nil:
                continue
            if cell.published:
                if cell.n <= 0:
                    continue
                if cell.count < mc:
                    reqs.append((cell, "count", width))
                if cell.n - cell.count < mc:
                    reqs.append((cell, "complement", width))
                if cell.n < mc:
                    reqs.append((cell, "n", width))
                if cell.few_schools and cell.count >= mc and cell.n - cell.count >= mc:
                    # a 'u' share of one or two schools: that school's figure, so its
                    # count must not be pinned by differencing either
                    reqs.append((cell, "count", width))
            else:
                # implicit cell: sensitive when the full publication proves it small
                if empty.any() and not (self._base_members(cell) & ~empty).any():
                    continue  # inside the 'not stated' groups the shown numbers prove empty
                hi_n = self.highest(cell.members, "n")
                if hi_n < _EXACT:
                    continue  # provably empty: nobody to disclose
                if self.highest(cell.members, "count") < mc:
                    reqs.append((cell, "count", width))
                if self.highest(cell.members, "complement") < mc:
                    reqs.append((cell, "complement", width))
                if hi_n < mc:
                    reqs.append((cell, "n", width))
        return reqs

    def _base_members(self, cell: _Cell) -> np.ndarray:
        """The finest cells of ``cell``'s base, as a boolean vector."""
        members = cell.members[1] if isinstance(cell.members, tuple) else cell.members
        return np.asarray(members) > 0

    def _provably_empty(self) -> np.ndarray:
        """The finest cells of 'not stated' groups (residuals of incomplete
        dimensions) that the shown numbers prove empty: a residual whose
        bases can add up to less than half a pupil (the published population
        leaves it out), or such a residual within one value of another
        dimension (schools surveyed once, in the wave that surveyed only the
        schools of both waves).

        A few programmes instead of one per implicit cell: a cell whose base
        lies in these finest cells is provably empty too, so nobody in it can
        be disclosed.
        """
        empty = np.zeros(self.n_finest, dtype=bool)
        for j, d in enumerate(self.dims):
            if d not in INCOMPLETE_DIMENSIONS or _NOT_STATED not in self.code[d]:
                continue
            residual = self.finest[:, j] == self.code[d][_NOT_STATED]
            parts = [residual]
            if not self._none_in(residual):
                parts = [
                    residual & (self.finest[:, k] == code)
                    for k, other in enumerate(self.dims)
                    if other != d
                    for code in self.code[other].values()
                ]
            for part in parts:
                if part.any() and not (part <= empty).all() and self._none_in(part):
                    empty |= part
        return empty

    def _none_in(self, finest: np.ndarray) -> bool:
        """Do the shown numbers prove these finest cells empty?"""
        vector = finest.astype(float)
        members = (vector, vector) if self.by_category else vector
        return self.highest(members, "n") < _EXACT

    def hidden_requirements(self) -> list[tuple[_Cell, str, float]]:
        out = []
        for cell in self.cells.values():
            if cell.published and not cell.nil:
                if cell.count_hidden and not cell.low_base_only:
                    out.append((cell, "count", _EXACT))
                if cell.n_hidden:
                    out.append((cell, "n", _EXACT))
        return out

    # ---------------------------------------------------------- suppression

    def _candidates(self, cell: _Cell, system: str) -> list[_Cell]:
        def hidden(c):
            return c.n_hidden if system == "n" else (c.count_hidden and not c.low_base_only)

        level, key = set(cell.level), dict(cell.key)
        ranked = []
        for c in self.cells.values():
            if not c.published or c.nil or hidden(c) or c is cell:
                continue
            cl, ck = set(c.level), dict(c.key)
            if cl == level:
                rank = 0 if sum(ck[d] != key[d] for d in cl) == 1 else 3
            elif len(cl ^ level) == 1 and all(ck[d] == key[d] for d in cl & level):
                rank = 2 if cl < level else 1  # its children, then its parents (totals last)
            else:
                rank = 3
            ranked.append((rank, c.value(system), c.key.__repr__(), c))
        ranked.sort(key=lambda t: t[:3])
        return [t[3] for t in ranked]

    def _same_base(self, cell: _Cell) -> list[_Cell]:
        """``cell`` and, with answer categories, every published cell showing
        the same base (the other codes of its groups): a base is hidden in
        all of them or it is not hidden."""
        if not self.by_category:
            return [cell]
        groups = tuple((d, v) for d, v in cell.key if d != "category")
        if not hasattr(self, "_bases"):
            self._bases: dict[tuple, list[_Cell]] = {}
            for c in self.cells.values():
                if c.published and not c.nil:
                    g = tuple((d, v) for d, v in c.key if d != "category")
                    self._bases.setdefault(g, []).append(c)
        return [cell, *(c for c in self._bases.get(groups, []) if c is not cell)]

    def _hide(self, cell: _Cell, system: str) -> None:
        for c in self._same_base(cell) if system == "n" else [cell]:
            if c is cell or system == "n":
                c.count_hidden = True
                c.low_base_only = False
            if system == "n":
                c.n_hidden = True
            self._set_bounds(c)

    def _touched(self, extras: list[_Cell], system: str) -> list[_Cell]:
        """The cells whose numbers hiding ``extras`` (in ``system``) hides."""
        seen: dict[int, _Cell] = {}
        for extra in extras:
            for c in self._same_base(extra) if system == "n" else [extra]:
                seen.setdefault(id(c), c)
        return list(seen.values())

    def _widens(
        self,
        cell: _Cell,
        quantity: str,
        extras: list[_Cell],
        system: str,
        lo: float,
        hi: float,
        binding: Mapping,
    ) -> bool:
        """Would hiding all of ``extras`` (in ``system``) widen ``cell``'s range
        ``[lo, hi]`` of ``quantity``?

        Hiding only frees bounds, so the minimum can only fall and the
        maximum only rise: a side is solved only where a constraint the
        extras free carries dual weight at that side's optimum (see
        :meth:`_range_binding`), and the maximum is not solved once the
        minimum has fallen.
        """
        touched = self._touched(extras, system)
        saved = [(c.count_hidden, c.n_hidden, c.low_base_only) for c in touched]
        for extra in extras:
            self._hide(extra, system)
        gained = 0.0
        try:
            if self._may_widen(extras, system, binding["min"]):
                gained += lo - self.lowest(cell.members, quantity)
            if gained <= 1e-9 and self._may_widen(extras, system, binding["max"]):
                gained += self.highest(cell.members, quantity) - hi
        finally:
            for c, (ch, nh, lb) in zip(touched, saved):
                c.count_hidden, c.n_hidden, c.low_base_only = ch, nh, lb
                self._set_bounds(c)
        return gained > 1e-9

    def _range_binding(self, members, quantity: str) -> tuple[float, float, dict]:
        """The range ``(lo, hi)`` of ``quantity`` of a cell and, for each end,
        which constraints hold it there.

        Solves its minimum and its maximum; for each, the rows and columns
        whose optimal dual multiplier (row dual, reduced cost) is non-zero,
        or ``None`` when that side is unbounded or has no dual solution.

        Why this is enough to skip a candidate: hiding a cell frees its rows
        (bounds ``[v, v]`` to ``(-inf, inf)``) or columns (``[v, v]`` to
        ``[0, inf)``). If the optimal dual solution ``y`` of ``min c'x`` has
        ``y_r = 0`` on every constraint freed, ``y`` is still feasible for the
        dual of the relaxed programme and has the same objective (the freed
        bounds entered it multiplied by 0), so by weak duality the relaxed
        minimum is no lower; likewise for the maximum. So that side cannot
        move, and :meth:`_widens` need not solve it.
        """
        objective = self._objective(members, quantity)
        values, masks = [], []
        for sign in (1.0, -1.0):
            value = self._run(sign * objective)
            mask = None
            if math.isfinite(value):
                solution = self._highs.getSolution()
                if solution.dual_valid:
                    mask = {
                        "row": np.abs(np.asarray(solution.row_dual)) > 1e-9,
                        "col": np.abs(np.asarray(solution.col_dual)) > 1e-9,
                    }
            values.append(sign * value)
            masks.append(mask)
        return values[0], values[1], {"min": masks[0], "max": masks[1]}

    def _may_widen(self, extras: list[_Cell], system: str, binding) -> bool:
        """False only if hiding ``extras`` provably leaves one end of the range
        where it is (none of the constraints they free is binding there;
        ``binding`` is that end's mask from :meth:`_range_binding`)."""
        if binding is None:
            return True
        for c in self._touched(extras, system):
            place = self._where.get(id(c))
            if place is None:
                return True
            kind, index = place
            step = 1 if kind == "row" else self.n_finest  # count, then base
            if binding[kind][index] or binding[kind][index + step]:
                return True
        return False

    def run(self) -> None:
        """Suppress further cells until every requirement holds.

        Requirements on bases come first: a count is bounded by its base, so
        hiding counts cannot protect a count whose base is pinned small.
        For each unmet requirement the next cell to hide is the first
        candidate (see :meth:`_candidates`) whose suppression alone widens
        the range, or the first candidate when none does. Hiding more cells
        only relaxes the programme, so if hiding every hopeful candidate at
        once does not widen the range, none alone does, and the candidates
        are not tried one by one (most steps of a long cascade are such).
        """
        self.feasible_range(np.zeros(self.n_finest), "n")  # do the tables add up?
        reqs = self.requirements() + self.hidden_requirements()
        pending = sorted(reqs, key=lambda r: (r[1] != "n", -r[2]))
        done = set()
        while pending:
            cell, quantity, need = pending.pop(0)
            tag = (id(cell), quantity, need)
            if tag in done:
                continue
            while True:
                lo, hi, binding = self._range_binding(cell.members, quantity)
                if hi - lo >= need - 1e-9:
                    break
                system = "n"
                if quantity != "n" and self.highest(cell.members, "n") >= need:
                    system = "count"
                candidates = self._candidates(cell, system)
                if not candidates and system == "count":
                    system, candidates = "n", self._candidates(cell, "n")
                if not candidates:
                    raise RuntimeError(
                        f"item '{self.item}': cannot protect cell {dict(cell.key)}; "
                        "every cell is already hidden"
                    )
                hopeful = [
                    c
                    for c in candidates
                    if self._may_widen([c], system, binding["min"])
                    or self._may_widen([c], system, binding["max"])
                ]
                extra = candidates[0]
                if hopeful and self._widens(cell, quantity, hopeful, system, lo, hi, binding):
                    extra = next(
                        (
                            c
                            for c in hopeful
                            if self._widens(cell, quantity, [c], system, lo, hi, binding)
                        ),
                        extra,
                    )
                touched = self._same_base(extra) if system == "n" else [extra]
                newly = [
                    (c, not c.count_hidden or c.low_base_only, system == "n" and not c.n_hidden)
                    for c in touched
                ]
                self._hide(extra, system)
                for c, newly_count, newly_n in newly:
                    if newly_count:
                        pending.append((c, "count", _EXACT))
                    if newly_n:
                        pending.insert(0, (c, "n", _EXACT))
            done.add(tag)


_BOX = 1e12  # bounding box of the 2-variable LPs (see _lp2)


def _lp2(a: float, b: float, rows: list[tuple[float, float, float]]) -> float:
    """Minimum of ``a x + b y`` subject to ``alpha x + beta y <= gamma`` for
    each row ``(alpha, beta, gamma)`` (equalities as two rows).

    A linear programme in two variables attains its minimum at a vertex of
    its feasible polygon (an intersection of two constraint lines), so every
    such intersection is tried; a box ``|x|, |y| <= 1e12`` makes an unbounded
    polygon bounded, and a minimum beyond ``-1e9`` (only the box reaches it:
    numbers of pupils are far smaller) is reported as ``-inf``.
    Returns NaN when no point satisfies the rows.
    """
    A = np.array(
        [*rows, (1.0, 0.0, _BOX), (-1.0, 0.0, _BOX), (0.0, 1.0, _BOX), (0.0, -1.0, _BOX)],
        dtype=float,
    )
    i, j = _PAIRS[len(A)]
    ai, bi, gi = A[i, 0], A[i, 1], A[i, 2]
    aj, bj, gj = A[j, 0], A[j, 1], A[j, 2]
    det = ai * bj - bi * aj
    ok = det != 0
    det = np.where(ok, det, 1.0)
    x = (gi * bj - bi * gj) / det
    y = (ai * gj - gi * aj) / det
    slack = A[:, 2, None] - (A[:, 0, None] * x + A[:, 1, None] * y)
    ok &= (slack >= -1e-9 * (1.0 + np.abs(A[:, 2, None]))).all(axis=0)
    if not ok.any():
        return math.nan
    best = float((a * x[ok] + b * y[ok]).min())
    return -math.inf if best < -_BOX * 1e-3 else best  # on the box: no finite minimum


_PAIRS = {m: np.triu_indices(m, 1) for m in range(4, 24)}
_ALL = -1  # the total of a one-dimensional margin (see _MarginItem.members)


class _MarginItem(_Item):
    """An item whose view is one breakdown and its total (a one-dimensional
    margin: by school, by gender, by ethnicity ...), audited in closed form.

    The same suppression loop as :class:`_Item`; only the ranges are found
    differently. Each group ``i`` (a finest cell) has a count ``c_i`` and base
    ``n_i`` with ``0 <= c_i <= n_i``, each fixed where shown; the total, if
    published, fixes ``sum c_i`` and/or ``sum n_i``. The groups other than
    the one asked about enter only through their sums, and the set of sums
    they can reach is the Minkowski sum of their own sets: shown groups add a
    point ``(C0, N0)``, groups with only the base shown a segment
    ``[0, S1]`` of counts, groups with both hidden the cone ``0 <= u <= v``
    (and a shown count with a hidden base a ray of bases). So the range of a
    group's (or the total's) count, base or complement is a linear programme
    in two variables (:func:`_lp2`), solved by its vertices in microseconds
    instead of a simplex over every group — the same optimum, as the
    programme is the same projected onto two variables.
    """

    @staticmethod
    def applies(cells: dict[tuple, _Cell], categories: dict[str, list]) -> bool:
        if len(categories) != 1 or "category" in categories:
            return False
        ((d, values),) = categories.items()
        children = {k for k in cells if len(k) == 1}
        return (
            len(values) >= 2
            and all(len(k) <= 1 for k in cells)
            and children == {((d, v),) for v in values}
        )

    def members(self, key: tuple):
        """A group's index (no 0/1 vector over thousands of schools for each
        of thousands of cells), ``_ALL`` for the total."""
        return self.code[self.dims[0]][key[0][1]] if key else _ALL

    def _build_model(self) -> None:
        F = self.n_finest
        self._child = {}  # id(cell) -> finest index
        self._by_index: dict[int, _Cell] = {}
        self._total = None
        for cell in self.cells.values():
            if cell.key:
                self._child[id(cell)] = cell.members
                self._by_index[cell.members] = cell
            elif cell.published:
                self._total = cell
        self._contribution = np.zeros((F, 5))  # C0, N0, S1, cones, rays of each group
        self._sums = np.zeros(5)
        for cell in self.cells.values():
            self._set_bounds(cell)

    @staticmethod
    def _shape(cell: _Cell) -> tuple[str, float, float]:
        if not cell.published or (cell.count_hidden and cell.n_hidden):
            return "cone", 0.0, 0.0
        if cell.count_hidden:
            return "segment", 0.0, cell.n
        if cell.n_hidden:
            return "ray", cell.count, 0.0
        return "point", cell.count, cell.n

    def _set_bounds(self, cell: _Cell, sync: bool = True) -> None:
        f = self._child.get(id(cell))
        if f is None:
            return
        shape, c, n = self._shape(cell)
        new = {
            "point": (c, n, 0, 0, 0),
            "segment": (0, n, n, 0, 0),
            "cone": (0, 0, 0, 1, 0),
            "ray": (c, c, 0, 0, 1),
        }[shape]
        self._sums += np.subtract(new, self._contribution[f])
        self._contribution[f] = new

    def _others(self, rest: np.ndarray) -> tuple:
        """The total's shown count and base (None if hidden or unpublished)
        and what the groups summed in ``rest`` can reach: the point
        ``(C0, N0)``, the counts' segment ``S1``, whether there is a cone or
        a ray of bases."""
        C0, N0, S1, cones, rays = rest
        total = self._total
        tc = None if total is None or total.count_hidden else total.count
        tn = None if total is None or total.n_hidden else total.n
        return tc, tn, C0, N0, S1, cones > 0.5, rays > 0.5

    def _provably_empty(self) -> np.ndarray:
        return np.zeros(self.n_finest, dtype=bool)  # one residual group: its own range says

    def _range_binding(self, members, quantity: str) -> tuple[float, float, dict]:
        lo, hi = self.feasible_range(members, quantity)
        return lo, hi, {"min": None, "max": None}  # closed form: every side is solved

    def lowest(self, members, quantity: str) -> float:
        return self._minimum(members, quantity, 1.0)

    def highest(self, members, quantity: str) -> float:
        return -self._minimum(members, quantity, -1.0)

    def feasible_range(self, members, quantity: str) -> tuple[float, float]:
        return self._minimum(members, quantity, 1.0), -self._minimum(members, quantity, -1.0)

    def _minimum(self, members, quantity: str, sign: float) -> float:
        """Least ``sign * quantity`` of a group (``members``: its index), of
        the total (``_ALL``), or 0 if the tables add up (an array: as
        :meth:`_Item.run` asks it)."""
        if isinstance(members, np.ndarray):  # no objective: do the tables add up?
            members, ca, cb = _ALL, 0.0, 0.0
        else:
            ca, cb = {"count": (sign, 0.0), "n": (0.0, sign), "complement": (-sign, sign)}[quantity]
        if members == _ALL:  # the total
            rest = self._sums
            tc, tn, C0, N0, S1, cone, ray = self._others(rest)
            rows = [(-1.0, 0.0, -C0)]  # X >= C0
            rows += [(0.0, -1.0, -N0)] if cone or ray else [(0.0, 1.0, N0), (0.0, -1.0, -N0)]
            rows += [(1.0, -1.0, C0 + S1 - N0)] if cone else [(1.0, 0.0, C0 + S1)]
            if tc is not None:
                rows += [(1.0, 0.0, tc), (-1.0, 0.0, -tc)]
            if tn is not None:
                rows += [(0.0, 1.0, tn), (0.0, -1.0, -tn)]
        else:
            j = members
            cell = self._by_index[j]
            rest = self._sums - self._contribution[j]
            tc, tn, C0, N0, S1, cone, ray = self._others(rest)
            rows = [(-1.0, 0.0, 0.0), (1.0, -1.0, 0.0)]  # 0 <= c <= n
            shape, c, n = self._shape(cell)
            if shape in ("point", "ray"):
                rows += [(1.0, 0.0, c), (-1.0, 0.0, -c)]
            if shape in ("point", "segment"):
                rows += [(0.0, 1.0, n), (0.0, -1.0, -n)]
            if tn is not None:  # Y = tn - n, with Y >= N0 (= N0 if every other base is shown)
                rows += [(0.0, 1.0, tn - N0)]
                if not (cone or ray):
                    rows += [(0.0, -1.0, N0 - tn)]
            if tc is not None:  # X = tc - c, with C0 <= X <= C0 + S1 (+ Y - N0 with cones)
                rows += [(1.0, 0.0, tc - C0)]
                if not cone:
                    rows += [(-1.0, 0.0, C0 + S1 - tc)]
                elif tn is not None:
                    rows += [(-1.0, 1.0, C0 + S1 - N0 + tn - tc)]
        value = _lp2(ca, cb, rows)
        if math.isnan(value):
            raise ValueError(
                f"item '{self.item}': the tables of this view do not add up (a "
                "breakdown's groups sum to more than its total, or a table lacks "
                "rows another table has). Pass complete, unfiltered breakdowns "
                "of the same pupils to protect()."
            )
        return value


# ---------------------------------------------------------------- protect


def primary_rule(n, count, n_schools, rules: DisclosureRules):
    """The primary rules, for one share or for arrays of them (numpy, elementwise).

    Returns ``(base_hidden, confidential, few_schools, low_base)``:
    ``base_hidden`` when the base ``n`` is under ``rules.min_count``;
    ``confidential`` (``c``) when the base, the count or its complement
    (``n - count``) is; ``few_schools`` when fewer than ``rules.min_schools``
    schools contribute (an unknown, NaN, number of schools is not few);
    ``low_base`` (``u`` unless confidential) when ``n`` is under
    ``rules.min_base`` or the schools are few. The one statement of these rules:
    :func:`protect` and the live pages' marks (:mod:`dashboards.results`) use it.

    >>> primary_rule(25, 20, 4, DisclosureRules())
    (False, True, False, True)
    >>> primary_rule(40, 20, 2, DisclosureRules())
    (False, False, True, True)
    """
    mc = rules.min_count
    base_hidden = n < mc
    confidential = base_hidden | (count < mc) | (n - count < mc)
    few_schools = n_schools < rules.min_schools
    return base_hidden, confidential, few_schools, (n < rules.min_base) | few_schools


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


def _is_share_column(column: str) -> bool:
    """The share and what is computed from it (interval, standard error)."""
    return column in ("share", "ci_low", "ci_high", "se") or column.startswith(("share_", "ci_"))


def _share_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if _is_share_column(str(c))]


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


# ---------------------------------------------------------------- display


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


# ---------------------------------------------------------------- My school


def school_view(
    by_school: pd.DataFrame, school_id: str, rules: DisclosureRules = DisclosureRules()
) -> pd.DataFrame:
    """One school against the other schools, protected.

    Parameters
    ----------
    by_school : tidy table by ``school_id`` (and any other group columns),
        e.g. ``measures.shares(table, columns, by=["school_id", "year_group"])``
    school_id : the school shown
    rules : thresholds

    Returns
    -------
    Tidy table with a ``school`` column (``"this school"`` /
    ``"other schools"``) in place of ``school_id``, the other group columns,
    ``item``, ``label``, ``n``, ``count``, ``share``, ``n_schools`` and
    ``suppressed``. The school's own figures are exempt from the
    ``min_schools`` rule (the page is that school's own); the other schools
    must number at least ``min_schools``. Both are protected together with
    the all-schools total (published elsewhere), so neither can be recovered
    as total minus the other. Intervals are not carried over: compute them
    from ``n`` and ``count`` of the unsuppressed rows.
    """
    if "school_id" not in by_school.columns:
        raise ValueError(
            "school_view() needs a table by school_id "
            "(measures.shares(..., by=['school_id', ...]))."
        )
    ids = by_school["school_id"].astype(str)
    if school_id not in set(ids):
        known = sorted(set(ids))
        raise ValueError(
            f"school '{school_id}' is not in the table; schools are "
            f"{', '.join(known[:10])}{' …' if len(known) > 10 else ''}."
        )
    others = [d for d in _dimensions(by_school) if d != "school_id"]
    keys = [*others, "item", "label"]
    frame = by_school.assign(
        school=np.where(ids == school_id, THIS_SCHOOL, OTHER_SCHOOLS),
        _has=(by_school["n"].astype(float) > 0).astype(int),
    )
    agg = (
        frame.groupby(["school", *keys], observed=True, sort=False)
        .agg(n=("n", "sum"), count=("count", "sum"), n_schools=("_has", "sum"))
        .reset_index()
    )
    agg["n"] = agg["n"].astype(float)
    agg["count"] = agg["count"].astype(float)
    agg["n_schools"] = np.where(agg["school"] == THIS_SCHOOL, np.nan, agg["n_schools"])
    agg["share"] = agg["count"] / agg["n"].where(agg["n"] > 0)
    total = (
        frame.groupby(keys, observed=True, sort=False)
        .agg(n=("n", "sum"), count=("count", "sum"))
        .reset_index()
    )
    total["n"] = total["n"].astype(float)
    total["count"] = total["count"].astype(float)
    total["share"] = total["count"] / total["n"].where(total["n"] > 0)
    order = {THIS_SCHOOL: 0, OTHER_SCHOOLS: 1}
    agg = agg.sort_values(
        [*others, "school"], key=lambda s: s.map(order) if s.name == "school" else s, kind="stable"
    ).reset_index(drop=True)
    agg = agg[["school", *keys, "n", "count", "share", "n_schools"]]
    out = protect({"school": agg, "all schools": total}, rules)["school"]
    out["n_schools"] = out["n_schools"].fillna(1.0)
    return out
