"""Gaps, gap changes, changes between waves and the cohort, of
:class:`~analysis.measures.SurveyAggregates`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse

from .. import schema, stats
from .frames import _columns
from .shapes import (
    _CHANGE_AS_COMPARISON,
    _COHORT_CELLS,
    _GAP_GROUPS,
    COHORT,
    COHORT_LEVELS,
    COMPARISON_COLUMNS,
    MIN_BASE,
)


class _Comparisons:
    """Comparisons of two shares, from the cluster totals of :class:`~analysis.measures.SurveyAggregates`."""

    def _comparison_totals(self, by, chosen, extra, where, schools):
        keys, pupils, wsum, w2sum = self._grouped([*by, *extra], self._cell_mask(where, schools))
        return self._long(keys, chosen, pupils, wsum, w2sum)

    def _item_sums(self, by, mask, chosen):
        """The (``by`` × school) rows of :meth:`_grouped` and, per row and item of
        ``chosen``, the sums ``n``, ``count`` (positive codes), ``n_pupils`` and
        ``Σw²`` as (rows × items) arrays (``n_pupils`` and ``Σw²`` are ``n``'s
        array without weights).

        While :meth:`all_measures` runs, the last ones are kept: gaps and gap
        changes group by the same columns in other orders (wave × year group ×
        gender × school; wave × gender × year group × school …), and take these
        rows in their own order (the order :meth:`_grouped` gives them) instead
        of summing the cells and the items again. The sums of a row are the
        same either way: the same source rows summed in the same order."""
        order = list(dict.fromkeys([*by, "school_id"]))
        names = tuple(it.column for it in chosen)
        cache = self._group_cache
        usable = cache is not None and bool(mask.all())
        if usable and cache.get("items", (None,))[0] == (frozenset(order), names):
            keys, sums = cache["items"][1:]
            if list(keys.columns) == order:
                return keys, sums
            # rows sorted by the columns in turn, as _sum_cells sorts them
            codes = [pd.factorize(keys[c], sort=True)[0] for c in order]
            perm = np.lexsort(codes[::-1])
            same = [next(i for i in range(j + 1) if sums[i] is sums[j]) for j in range(4)]
            taken: list = []
            for j, a in enumerate(sums):
                taken.append(taken[same[j]] if same[j] != j else a[perm])
            return keys.take(perm)[order].reset_index(drop=True), tuple(taken)
        keys, pupils, wsum, w2sum = self._grouped(by, mask)
        cols, starts, pos, pos_starts = [], [], [], []
        for it in chosen:
            s0, codes_ = self.offsets[it.column]
            starts.append(len(cols))
            cols.extend(range(s0, s0 + len(codes_)))
            pos_starts.append(len(pos))
            pos.extend(s0 + codes_.index(c) for c in schema.positive_codes(it.scale))
        pick = _columns(np.asarray(cols))
        n = np.add.reduceat(pick(wsum), starts, axis=1)
        count = np.add.reduceat(wsum[:, np.asarray(pos)], pos_starts, axis=1)
        n_pupils = (
            n if pupils is wsum else np.add.reduceat(pick(pupils), starts, axis=1).astype("float64")
        )
        sumw2 = n if self.weight is None else np.add.reduceat(pick(w2sum), starts, axis=1)
        sums = (n, count, n_pupils, sumw2)
        if usable:
            cache["items"] = ((frozenset(order), names), keys, sums)
            if cache.get("last", (None,))[0] == tuple(order):
                del cache["last"]  # the (rows × answer codes) sums are no longer needed
        return keys, sums

    def _contrast(self, by, chosen, extra, where, mask_schools, terms, common=None):
        """:func:`analysis.stats._contrast` of ``self._long(...)`` computed on the
        (group × school) × item matrices, without a long per-school frame.

        ``terms`` are ``(a_j, {column: value})`` over the columns of ``by`` and
        ``extra``: the cells of ``by × extra`` that make up share ``p_j``.
        ``common`` lists groups of term indices (one group per level): per cell
        of ``by`` and item, only schools with pupils in every group are kept.
        With ``h`` a cell of ``by`` and item, ``g`` a school: ``N_j = Σ_g n_jg``,
        ``p_j = Σ_g c_jg / N_j``, ``z_g = Σ_j a_j (c_jg - p_j n_jg) / N_j``,
        ``θ = Σ_j a_j p_j``, ``v̂ = G/(G-1) Σ_g z_g²`` with ``G`` the schools with
        pupils in any term (the formulas and the summing order of
        :func:`analysis.stats._contrast`, which tests compare with).

        Returns ``None`` when there are no items or no cells (the caller takes
        the long path, which shapes empty results), else ``(keys, per_term,
        estimate, variance, schools)`` like :func:`analysis.stats._contrast`:
        ``keys`` one row per (cell of ``by``, item), items in the order of
        ``chosen`` within each cell; ``per_term`` ``(rows × terms)`` arrays.
        """
        if not chosen:
            return None
        # per (cell of by × extra × school) row and item: n, count, n_pupils, sumw2
        keys, sums = self._item_sums([*by, *extra], self._cell_mask(where, mask_schools), chosen)
        if not len(keys):
            return None
        T, M = len(terms), len(chosen)
        term = np.full(len(keys), -1, dtype=np.int64)
        for j, (_, cond) in enumerate(terms):
            hit = np.ones(len(keys), dtype=bool)
            for c, v in cond.items():
                hit &= (keys[c] == v).fillna(False).to_numpy(dtype=bool)
            term[hit & (term < 0)] = j
        if by:
            kid, cells = stats._group_codes(keys, by)
        else:
            kid, cells = np.zeros(len(keys), dtype=np.int64), pd.DataFrame(index=range(1))
        K = len(cells)
        rows = np.flatnonzero(term >= 0)
        kid, term = kid[rows], term[rows]
        n_all, count_all, n_pupils_all, sumw2_all = sums
        n, count = n_all[rows], count_all[rows]
        # without weights the pupils' and Σw² sums are n's array itself
        n_pupils = n if n_pupils_all is n_all else n_pupils_all[rows]
        sumw2 = n if sumw2_all is n_all else sumw2_all[rows]
        del sums, n_all, count_all, n_pupils_all, sumw2_all
        school = pd.factorize(keys["school_id"].to_numpy()[rows])[0]
        S = int(school.max(initial=-1)) + 1
        pairs, pair = np.unique(kid * max(S, 1) + school, return_inverse=True)
        P, R = len(pairs), len(rows)
        pair_key = pairs // max(S, 1)
        to_pair = sparse.csr_matrix((np.ones(R), (pair, np.arange(R))), shape=(P, R))
        if common is not None:
            keep = np.ones((P, M), dtype=bool)
            for group in common:
                at = np.isin(term, list(group)).astype("float64")
                keep &= sparse.csr_matrix((at, (pair, np.arange(R))), shape=(P, R)) @ n > 0
            keep_row = keep[pair]
            same = n_pupils is n
            n, count = np.where(keep_row, n, 0.0), np.where(keep_row, count, 0.0)
            n_pupils = n if same else np.where(keep_row, n_pupils, 0.0)
            sumw2 = n if self.weight is None else np.where(keep_row, sumw2, 0.0)
        kt = kid * T + term
        to_cell = sparse.csr_matrix((np.ones(R), (kt, np.arange(R))), shape=(K * T, R))

        def per_term(v):  # (K·T) × M -> (K·M) × T, rows cell-major then item
            return np.ascontiguousarray(
                (to_cell @ v).reshape(K, T, M).transpose(0, 2, 1).reshape(K * M, T)
            )

        N_kt, C_kt = to_cell @ n, to_cell @ count
        a = np.array([t[0] for t in terms], dtype="float64")
        with np.errstate(invalid="ignore", divide="ignore"):
            share_kt = C_kt / np.where(N_kt > 0, N_kt, np.nan)
            p_row, N_row = share_kt[kt], N_kt[kt]
            influence = a[term][:, None] * (count - p_row * n) / N_row
            influence = np.where(np.isnan(influence), 0.0, influence)
            z = to_pair @ influence
            in_cell = (to_pair @ n > 0).astype("float64")
            to_key = sparse.csr_matrix((np.ones(P), (pair_key, np.arange(P))), shape=(K, P))
            schools = (to_key @ in_cell).ravel()
            variance = np.where(
                schools >= 2, schools / (schools - 1.0) * (to_key @ z**2).ravel(), np.nan
            )
        share = np.ascontiguousarray(share_kt.reshape(K, T, M).transpose(0, 2, 1).reshape(K * M, T))
        estimate = (a[None, :] * share).sum(axis=1)
        variance = np.where(np.isnan(estimate), np.nan, variance)
        out = cells.take(np.repeat(np.arange(K), M)).reset_index(drop=True)
        out["item"] = np.tile(np.asarray([it.column for it in chosen], dtype=object), K)
        per = {"n": per_term(n), "count": per_term(count), "share": share}
        per["n_pupils"] = per["n"] if n_pupils is n else per_term(n_pupils)
        per["sumw2"] = per["n"] if sumw2 is n else per_term(sumw2)
        return out, per, estimate, variance, schools.astype(np.int64)

    def gaps(
        self,
        by: Sequence[str] = (),
        block=None,
        compare: str = "gender",
        where: Mapping | None = None,
        schools: Literal["all", "common"] = "all",
        alpha: float = 0.05,
        fdr: bool = True,
    ) -> pd.DataFrame:
        """Gap between two groups' shares per item and group, in percentage points.

        ``compare="gender"``: boys − girls; ``compare="ethnicity"``: other
        ethnic groups − white British (:func:`analysis.stats.gaps`, school-
        clustered, t on G - 1 df). ``fdr``: Benjamini-Hochberg over the rows
        of each block (see the class notes). Returns the comparison shape,
        ``measure = "<compare>_gap"``.
        """
        first, second = _gap_pair(compare)
        by = [c for c in by if c != compare]
        chosen = self._items(block)
        fast = self._contrast(
            by,
            chosen,
            [compare],
            where,
            schools,
            [(1.0, {compare: first}), (-1.0, {compare: second})],
        )
        if fast is None:
            totals = self._comparison_totals(by, chosen, [compare], where, schools)
            r = stats.gaps(totals, by=by, compare=compare, first=first, second=second, alpha=alpha)
        else:
            r, cell, estimate, variance, n_schools = fast
            r["n_first"], r["n_second"] = cell["n"][:, 0], cell["n"][:, 1]
            r["share_first"], r["share_second"] = cell["share"][:, 0], cell["share"][:, 1]
            r = stats._t_test(r, estimate, variance, n_schools, alpha, "gap")
        r = r.rename(columns={"gap_pp": "estimate_pp"})
        r["compared"] = f"{compare}: {first} − {second}"
        return self._comparison_shape(r, by, f"{compare}_gap", schools, alpha, fdr)

    def gap_change(
        self,
        by: Sequence[str] = (),
        block=None,
        compare: str = "gender",
        across: Literal["year_group", "wave"] = "year_group",
        where: Mapping | None = None,
        schools: Literal["all", "common"] = "all",
        alpha: float = 0.05,
        fdr: bool = True,
    ) -> pd.DataFrame:
        """How a gap changes from year 7 to year 9 (``across="year_group"``) or
        from wave 1 to wave 2 (``across="wave"``): ``gap_to − gap_from`` in pp
        (:func:`analysis.stats.gap_change`); ``schools="common"`` keeps, per
        cell, only schools with pupils at both levels. ``measure =
        "<compare>_gap_change_years"`` or ``"…_change_waves"``; ``share_first``
        and ``share_second`` hold the gap before and after (as proportions)."""
        first, second = _gap_pair(compare)
        levels = tuple(schema.groups()[across].values)
        by = [c for c in by if c not in (compare, across)]
        chosen = self._items(block)
        stats._check_schools(schools)
        lo, hi = levels
        terms = [
            (-1.0, {compare: first, across: lo}),
            (1.0, {compare: second, across: lo}),
            (1.0, {compare: first, across: hi}),
            (-1.0, {compare: second, across: hi}),
        ]
        fast = self._contrast(
            by,
            chosen,
            [compare, across],
            where,
            "all",
            terms,
            common=[(0, 1), (2, 3)] if schools == "common" else None,
        )
        if fast is None:
            totals = self._comparison_totals(by, chosen, [compare, across], where, "all")
            r = stats.gap_change(
                totals,
                by=by,
                compare=compare,
                first=first,
                second=second,
                across=across,
                levels=levels,
                alpha=alpha,
                schools=schools,
            )
            r["n_first"] = r["n_first_from"] + r["n_second_from"]
            r["n_second"] = r["n_first_to"] + r["n_second_to"]
        else:
            r, cell, estimate, variance, n_schools = fast
            s_ = cell["share"]
            r["gap_from_pp"] = 100 * (s_[:, 0] - s_[:, 1])
            r["gap_to_pp"] = 100 * (s_[:, 2] - s_[:, 3])
            r["n_first"] = cell["n"][:, 0] + cell["n"][:, 1]
            r["n_second"] = cell["n"][:, 2] + cell["n"][:, 3]
            r = stats._t_test(r, estimate, variance, n_schools, alpha, "gap_change")
        r = r.rename(columns={"gap_change_pp": "estimate_pp"})
        r["share_first"], r["share_second"] = r["gap_from_pp"] / 100, r["gap_to_pp"] / 100
        r["compared"] = (
            f"({first} − {second}) at {across} {levels[1]} − "
            f"({first} − {second}) at {across} {levels[0]}"
        )
        suffix = "years" if across == "year_group" else "waves"
        return self._comparison_shape(r, by, f"{compare}_gap_change_{suffix}", schools, alpha, fdr)

    def change(
        self,
        by: Sequence[str] = (),
        block=None,
        across: Literal["wave", "year_group"] = "wave",
        where: Mapping | None = None,
        schools: Literal["all", "common"] = "all",
        alpha: float = 0.05,
        fdr: bool = True,
    ) -> pd.DataFrame:
        """Change of each share from wave 1 to wave 2 (or year 7 to year 9), in pp.

        ``schools="common"`` is like for like: only schools with pupils at
        both levels in the cell (:func:`analysis.stats.change`); the
        ``schools`` column says which was used. ``measure = "change_waves"``
        or ``"change_years"``.
        """
        levels = tuple(schema.groups()[across].values)
        by = [c for c in by if c != across]
        chosen = self._items(block)
        stats._check_schools(schools)
        fast = self._contrast(
            by,
            chosen,
            [across],
            where,
            "all",
            [(-1.0, {across: levels[0]}), (1.0, {across: levels[1]})],
            common=[(0,), (1,)] if schools == "common" else None,
        )
        if fast is None:
            totals = self._comparison_totals(by, chosen, [across], where, "all")
            r = stats.change(
                totals, by=by, across=across, levels=levels, schools=schools, alpha=alpha
            )
        else:
            r = self._change_frame(*fast, alpha)
        r = r.rename(columns=_CHANGE_AS_COMPARISON)
        r["compared"] = f"{across} {levels[1]} − {across} {levels[0]}"
        suffix = "waves" if across == "wave" else "years"
        return self._comparison_shape(r, by, f"change_{suffix}", schools, alpha, fdr)

    def cohort(
        self,
        by: Sequence[str] = (),
        block=None,
        where: Mapping | None = None,
        schools: Literal["all", "common"] = "all",
        alpha: float = 0.05,
        fdr: bool = True,
    ) -> pd.DataFrame:
        """The cohort view: year 9 in wave 2 − year 7 in wave 1 (the same
        cohort two years on), per item and group, in pp. ``schools="common"``
        keeps only schools with pupils in both. ``measure = "cohort"``."""
        by = [c for c in by if c not in ("wave", "year_group")]
        chosen = self._items(block)
        stats._check_schools(schools)
        cell_of = {level: c for c, level in _COHORT_CELLS.items()}
        terms = [
            (a, dict(zip(("wave", "year_group"), cell_of[level])))
            for a, level in zip((-1.0, 1.0), COHORT_LEVELS)
        ]
        fast = self._contrast(
            by,
            chosen,
            ["wave", "year_group"],
            where,
            "all",
            terms,
            common=[(0,), (1,)] if schools == "common" else None,
        )
        if fast is None:
            totals = self._comparison_totals(by, chosen, ["wave", "year_group"], where, "all")
            stage = [
                _COHORT_CELLS.get((int(w), int(y)))
                for w, y in zip(totals["wave"], totals["year_group"])
            ]
            totals = totals.drop(columns=["wave", "year_group"]).assign(
                **{COHORT: pd.Series(stage, dtype=object)}
            )
            r = stats.change(
                totals, by=by, across=COHORT, levels=COHORT_LEVELS, schools=schools, alpha=alpha
            )
        else:
            r = self._change_frame(*fast, alpha)
        r = r.rename(columns=_CHANGE_AS_COMPARISON)
        r["compared"] = f"{COHORT_LEVELS[1]} − {COHORT_LEVELS[0]}"
        return self._comparison_shape(r, by, "cohort", schools, alpha, fdr)

    @staticmethod
    def _change_frame(r, cell, estimate, variance, n_schools, alpha) -> pd.DataFrame:
        """The columns of :func:`analysis.stats.change` that the comparison shape
        uses, from :meth:`_contrast` of the terms ``(-1, from), (1, to)``."""
        r["n_from"], r["n_to"] = cell["n"][:, 0], cell["n"][:, 1]
        r["share_from"], r["share_to"] = cell["share"][:, 0], cell["share"][:, 1]
        return stats._t_test(r, estimate, variance, n_schools, alpha, "change")

    def _comparison_shape(self, r, by, measure, schools, alpha, fdr) -> pd.DataFrame:
        items = {it.column: it for it in self.items}
        r = r.copy()
        r["measure"], r["schools"] = measure, schools
        r["item"] = r["item"].astype(object)
        r["block"] = r["item"].map({c: it.block for c, it in items.items()})
        r["label"] = r["item"].map({c: it.label for c, it in items.items()})
        r["q_value"], r["significant_fdr"], r["fdr_family"] = np.nan, False, ""
        if fdr:
            # one family per block; positions from factorize (NaN block: code -1,
            # no family, as groupby drops it), arrays rather than .loc per block
            block_code, block_names = pd.factorize(r["block"])
            p = r["p_value"].to_numpy(dtype="float64", na_value=np.nan)
            q = r["q_value"].to_numpy(dtype="float64", copy=True)
            reject = r["significant_fdr"].to_numpy(dtype=bool, copy=True)
            family = r["fdr_family"].to_numpy(dtype=object, copy=True)
            for j, key in enumerate(block_names):
                idx = np.flatnonzero(block_code == j)
                q[idx], reject[idx] = stats.benjamini_hochberg(p[idx], alpha)
                m = int(np.isfinite(p[idx]).sum())
                family[idx] = (
                    f"Benjamini-Hochberg at {alpha:g} over the {m} {measure} tests of block '{key}'"
                )
            r["q_value"], r["significant_fdr"] = q, reject
            r["fdr_family"] = pd.Series(family, index=r.index, dtype=r["fdr_family"].dtype)
        small = np.minimum(r["n_first"].astype(float), r["n_second"].astype(float))
        r["low_base"] = small < MIN_BASE
        r["suppressed"] = ""
        for c in by:
            if c in schema.dtypes():
                r[c] = r[c].astype(self.cells[c].dtype)
        return r[[*by, *COMPARISON_COLUMNS]].reset_index(drop=True)

    # ------------------------------------------------------------- everything


def _gap_pair(compare: str) -> tuple[str, str]:
    if compare not in _GAP_GROUPS:
        raise ValueError(
            f"compare={compare!r}: gaps are between genders ('gender') or "
            "ethnic groups ('ethnicity')"
        )
    return _GAP_GROUPS[compare]
