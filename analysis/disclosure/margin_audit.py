"""The audit of an item whose tables are one-dimensional margins: two-variable LPs
solved in closed form (:func:`_lp2`) instead of HiGHS."""

from __future__ import annotations

import math

import numpy as np

from .audit import _Item
from .cells import _Cell

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
