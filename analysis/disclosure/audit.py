"""The audit of one item: its cells across the tables of a view, as a linear programme
(HiGHS), and the secondary suppression that keeps every hidden cell protected."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping

import numpy as np

from .cells import _EXACT, _INF, _NOT_STATED, _Cell
from .rules import GROUP_DIMENSIONS, INCOMPLETE_DIMENSIONS, DisclosureRules

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
