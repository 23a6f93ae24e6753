"""Shares and answer-code distributions of :class:`~analysis.measures.SurveyAggregates`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse

from .. import schema, stats
from .frames import (
    _OBJECT,
    _columns,
    _constant_text,
    _in_order,
    _join_columns,
    _rank_in_runs,
    _rank_within,
    _small_codes,
    _text_column,
)
from .shapes import MIN_BASE, SHARE_COLUMNS, _slots

#: Elements of a (group × school) × answer temporary in _share_sums, about
#: (2**22 × 8 bytes = 32 MB); items are taken a few at a time to stay near it.
_CHUNK_CELLS = 2**22


class _ShareTables:
    """Shares and distributions, from the cluster totals of :class:`~analysis.measures.SurveyAggregates`."""

    def shares(
        self,
        by: Sequence[str] = (),
        block=None,
        where: Mapping | None = None,
        schools: Literal["all", "common"] = "all",
        alpha: float = 0.05,
    ) -> pd.DataFrame:
        """Share ticking / agreeing (3 or 4) per item and group, with intervals and ranks.

        Parameters
        ----------
        by : group columns (any of :data:`BREAKDOWN_COLUMNS`); pupils with a
            missing value of one of them are left out of this breakdown.
        block : a block key (``"enjoy"``), several, or None for every binary
            and agreement block.
        where : filter on group values, e.g. ``{"gender": "girl"}`` or
            ``{"school_id": ["S01", "S02"]}``; applied to the cells.
        schools : ``"all"``, or ``"common"``: only schools surveyed in both waves.
        alpha : 1 - confidence level.

        Returns
        -------
        DataFrame: group columns then :data:`SHARE_COLUMNS`, ``measure = "share"``.
        """
        return self._shares(by, block, where, schools, alpha)

    def _shares(
        self, by, block=None, where=None, schools="all", alpha=0.05, breakdown=None
    ) -> pd.DataFrame:
        by = list(by)
        chosen = self._items(block)
        if not chosen:
            return self._share_shape(None, by, "share", schools, breakdown)
        keys, pupils, wsum, w2sum = self._grouped(by, self._cell_mask(where, schools))
        result = self._share_cells(by, keys, chosen, pupils, wsum, w2sum, alpha)
        return self._share_shape(result, by, "share", schools, breakdown)

    def distribution(
        self,
        by: Sequence[str] = (),
        block=None,
        where: Mapping | None = None,
        schools: Literal["all", "common"] = "all",
        alpha: float = 0.05,
    ) -> pd.DataFrame:
        """Share at each answer code per item and group.

        For agreement items (enjoyment, ease, importance) the four-point
        distribution (``measure = "distribution"``, ``category`` 1-4, for
        diverging bars); for the qualification aim its categories
        (``measure = "aim"``). Shares of one item and group add up to 1; each
        has its own school-clustered interval (the code as a 0/1 outcome).
        Parameters as :meth:`shares`.
        """
        return self._distribution(by, block, where, schools, alpha)

    def _distribution(
        self, by, block=None, where=None, schools="all", alpha=0.05, breakdown=None
    ) -> pd.DataFrame:
        by = list(by)
        chosen = self._items(block, scales=("agreement", "categorical"))
        if not chosen:
            return self._share_shape(None, by, "distribution", schools, breakdown)
        keys, pupils, wsum, w2sum = self._grouped(by, self._cell_mask(where, schools))
        parts = []
        for scale, measure in (("agreement", "distribution"), ("categorical", "aim")):
            these = [it for it in chosen if it.scale == scale]
            if not these:
                continue
            result = self._share_cells(by, keys, these, pupils, wsum, w2sum, alpha, code="category")
            parts.append(self._share_shape(result, by, measure, schools, breakdown))
        if breakdown is not None:  # split by block: one dict (no block has both scales)
            return {k: v for part in parts for k, v in part.items()}
        if not parts:
            return self._share_shape(None, by, "distribution", schools)
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)

    def _share_cells(self, by, keys, chosen, pupils, wsum, w2sum, alpha, code=None) -> dict | None:
        """:func:`analysis.stats.proportions` of ``self._long(...)`` by ``by`` (and
        ``code``), computed on the (group × school) × item matrices: no long
        per-school frame. Returns its columns as arrays (one frame is built, by
        :meth:`_share_shape`). For group cell ``h`` and item column ``k``, with school
        rows ``g`` of ``h``: ``N = Σ_g n_g``, ``p = Σ_g c_g / N``,
        ``v̂ = G/(G-1) Σ_g (c_g - p n_g)² / N²`` (module notes of
        :mod:`analysis.stats`), ``G`` the schools with ``n_g > 0``."""
        if not chosen or not len(keys):
            return None
        names, codes_out, of_item = [], [], []
        for i, it in enumerate(chosen):
            codes_ = self.offsets[it.column][1]
            if code is None:
                names.append(it.column)
                of_item.append(i)
            else:
                names.extend([it.column] * len(codes_))
                codes_out.extend(str(c) for c in codes_)
                of_item.extend([i] * len(codes_))
        of_item = np.asarray(of_item)
        group, cells = self._cells_of(keys, by)
        summing = (
            None
            if len(cells) == len(keys) and np.array_equal(group, np.arange(len(keys)))
            else sparse.csr_matrix(
                (np.ones(len(keys)), (group, np.arange(len(keys)))), shape=(len(cells), len(keys))
            )
        )
        # items a few at a time, so the (group × school) × answer temporaries
        # stay near 32 MB whatever the number of schools
        step = max(1, _CHUNK_CELLS // max(5 * len(keys), 1))
        parts = [
            list(self._share_sums(chosen[i : i + step], code, pupils, wsum, w2sum, group, summing))
            for i in range(0, len(chosen), step)
        ]
        N, C, n_p_sum, s2_sum, share, variance, G = _join_columns(parts)
        m = len(names)
        repeat = np.repeat(np.arange(len(cells)), m)
        out = {c: cells[c].array.take(repeat) for c in cells.columns}
        if code is not None:
            distinct = list(dict.fromkeys(codes_out))
            out[code] = pd.Categorical.from_codes(  # → str in _share_shape
                np.tile([distinct.index(c) for c in codes_out], len(cells)), categories=distinct
            )
        out["item"] = pd.Categorical.from_codes(  # → object in _share_shape
            np.tile(of_item, len(cells)), categories=[it.column for it in chosen]
        )
        out["_cell"] = repeat  # the group of each row (for ranks; not a column)
        out.update(
            stats._share_columns(
                N.ravel(),
                n_p_sum.ravel(),
                C.ravel(),
                s2_sum.ravel(),
                share.ravel(),
                variance.ravel(),
                G.ravel(),
                alpha,
            )
        )
        return out

    def _share_sums(self, chosen, code, pupils, wsum, w2sum, group, summing):
        """Per group and output column (item, or item and code) of ``chosen``:
        ``N, C, n_pupils, Σw², share, variance, G`` as (groups × outputs)
        arrays; ``summing`` (groups × rows) sums the (group × school) rows,
        ``None`` when each group is one row (one school)."""
        cols, starts, pos, pos_starts, of_item = [], [], [], [], []
        for i, it in enumerate(chosen):
            s0, codes_ = self.offsets[it.column]
            starts.append(len(cols))
            cols.extend(range(s0, s0 + len(codes_)))
            pos_starts.append(len(pos))
            if code is None:
                pos.extend(s0 + codes_.index(c) for c in schema.positive_codes(it.scale))
                of_item.append(i)
            else:
                of_item.extend([i] * len(codes_))
        cols, of_item = np.asarray(cols), np.asarray(of_item)
        pick = _columns(cols)  # a view when the columns are one run (no copy)
        spread = (
            (lambda a: a)
            if np.array_equal(of_item, np.arange(len(chosen)))
            else (lambda a: a[:, of_item])
        )
        w = pick(wsum)
        n = spread(np.add.reduceat(w, starts, axis=1))
        # without weights the pupils are the weights' matrix: the same sums
        n_p = (
            n
            if pupils is wsum
            else spread(np.add.reduceat(pick(pupils), starts, axis=1)).astype("float64")
        )
        s2 = n if self.weight is None else spread(np.add.reduceat(pick(w2sum), starts, axis=1))
        # (a copy: the result's columns never share memory with the stored sums)
        count = (
            np.array(w) if code is not None else np.add.reduceat(wsum[:, pos], pos_starts, axis=1)
        )
        del w
        if summing is None:
            # one school per group (by school): nothing to sum, and with G <= 1
            # school no between-school variance
            N, C, n_p_sum, s2_sum = n, count, n_p, s2
            G = (n > 0).astype("float64")
            with np.errstate(invalid="ignore", divide="ignore"):
                share = C / np.where(N > 0, N, np.nan)
            variance = np.full(share.shape, np.nan)
        else:
            N, C = summing @ n, summing @ count
            # without weights n_p and s2 are n itself: sum it once
            n_p_sum = N if n_p is n else summing @ n_p
            s2_sum = N if s2 is n else summing @ s2
            with np.errstate(invalid="ignore", divide="ignore"):
                share = C / np.where(N > 0, N, np.nan)
                resid = count - np.where(np.isnan(share), 0.0, share)[group] * n
                G = summing @ (n > 0).astype("float64")
                variance = np.where(
                    G >= 2, G / (G - 1.0) * (summing @ (resid * resid)) / N**2, np.nan
                )
        variance = np.where(np.isnan(share), np.nan, variance)
        return N, C, n_p_sum, s2_sum, share, variance, G

    def _cells_of(self, keys: pd.DataFrame, by) -> tuple[np.ndarray, pd.DataFrame]:
        """The group of ``by`` of each (group × school) row of ``keys`` and the
        groups (:func:`analysis.stats._group_codes`); kept with the grouping
        while :meth:`all_measures` runs."""
        cache = self._group_cache
        if (
            cache is not None
            and cache.get("codes", (None,))[0] is keys
            and tuple(by) in cache["codes"][1]
        ):
            return cache["codes"][1][tuple(by)]
        if by:
            found = stats._group_codes(keys, by)
        else:
            found = np.zeros(len(keys), dtype=np.int64), pd.DataFrame(index=range(1))
        if cache is not None:
            if cache.get("codes", (None,))[0] is not keys:
                cache["codes"] = (keys, {})
            cache["codes"][1][tuple(by)] = found
        return found

    def _share_shape(self, result, by, measure, schools, breakdown=None):
        """The share shape from :meth:`_share_cells`' columns.

        With ``breakdown`` (as :meth:`all_measures` asks) returns ``{block key:
        part}``: the rows split by block as arrays, each part with a last
        column ``breakdown`` naming it, for :func:`_assemble` to join a
        block's parts into one frame (no frame per part, no concat)."""
        cols = [*by, *SHARE_COLUMNS]
        if result is None or not len(result["n"]):
            return {} if breakdown is not None else pd.DataFrame(columns=cols)
        # columns gathered as arrays and each frame built once: inserting them
        # one by one, or splitting a built frame by block, costs more than the
        # arithmetic
        data = dict(result)
        items = {it.column: it for it in self.items}
        # look up per distinct item (and code), not per row: by-school tables
        # have millions of rows
        item_code = result["item"].codes.astype(np.int64)
        item_names = np.asarray(result["item"].categories.astype(str), dtype=object)
        text = {}  # text columns: (distinct labels, code of each row)
        if breakdown is None:
            for column in ("block", "label"):
                data[column] = np.array(
                    [getattr(items[c], column) for c in item_names], dtype=object
                )[item_code]
        else:  # all_measures: block, label and item as codes too, for _assemble
            for column in ("block", "label"):
                text[column] = ([getattr(items[c], column) for c in item_names], item_code)
            text["item"] = (list(item_names), item_code)
        block_of_item, block_names = pd.factorize(
            np.array([items[c].block for c in item_names], dtype=object)
        )
        order = None
        if "category" in result:
            lookup = self._category_lookup()
            cat_code = result["category"].codes.astype(np.int64)
            cat_names = np.asarray(result["category"].categories, dtype=object)
            pair_code, pairs = pd.factorize(item_code * max(len(cat_names), 1) + cat_code)
            found = [
                lookup[
                    (
                        item_names[p // max(len(cat_names), 1)],
                        str(cat_names[p % max(len(cat_names), 1)]),
                    )
                ]
                for p in pairs
            ]
            text["category"] = (cat_names, cat_code)
            text["category_label"] = ([f[2] for f in found], pair_code)
            order = pd.DataFrame(
                {
                    **{c: result[c] for c in by},
                    "_i": np.array([f[0] for f in found], dtype=np.int64)[pair_code],
                    "_o": np.array([f[1] for f in found], dtype=np.int64)[pair_code],
                }
            )
            # rows come from _share_cells in this order already: check it (one
            # pass) rather than sort millions of rows by school
            order = (
                None
                if _in_order(order)
                else order.sort_values([*by, "_i", "_o"], kind="stable").index.to_numpy()
            )
        if breakdown is None:
            data["item"] = item_names[item_code]
        if measure == "share":  # within group (a cell of by) and block
            n, cell = len(item_code), result["_cell"]
            m = int(np.searchsorted(cell, 1)) if n else 0  # rows a cell (the same each)
            pattern = block_of_item[item_code[:m]]
            if m and n % m == 0 and len(block_names) == 1 + int((np.diff(pattern) != 0).sum()):
                # each block one run of items in every cell: rank within runs
                data["rank"] = _rank_in_runs(result["share"].reshape(-1, m), pattern)
            else:
                data["rank"] = _rank_within(
                    cell * max(len(block_names), 1) + block_of_item[item_code], result["share"]
                )
        else:
            data["rank"] = np.full(len(item_code), np.nan)
        data["low_base"] = result["n_pupils"] < MIN_BASE
        dtypes = schema.dtypes()
        for c in by:
            if c in dtypes:
                data[c] = data[c].astype(self.cells[c].dtype)
        constant = {"measure": measure, "schools": schools, "suppressed": ""}
        if "category" not in result:
            constant.update(category="", category_label="")

        def frame(rows) -> pd.DataFrame:
            index = pd.RangeIndex(len(rows) if rows is not None else len(item_code))

            def column(c):
                if c in constant:
                    return _constant_text(constant[c], index)
                if c in text:
                    labels, codes = text[c]
                    return _text_column(labels, codes if rows is None else codes[rows], index)
                values = data[c] if rows is None else data[c][rows]
                # block, label and item stay Python objects, as they always were
                return pd.Series(values, index=index, dtype=object) if c in _OBJECT else values

            out = pd.DataFrame({c: column(c) for c in cols}, index=index)
            if breakdown is not None:
                out["breakdown"] = _constant_text(breakdown, index)
            return out

        if breakdown is None:
            return frame(order)
        # all_measures: a block's rows as arrays; _assemble joins a block's parts
        # into one frame. Codes of text columns in the smallest integer type.
        text = {
            c: (labels, _small_codes(codes, len(labels))) for c, (labels, codes) in text.items()
        }
        block_code = block_of_item[item_code if order is None else item_code[order]]
        n = len(item_code)
        m = int(np.searchsorted(data.pop("_cell"), 1)) if n else 0  # rows a cell (same each)
        data.pop("df", None)
        result.clear()  # (the caller's) so each column is freed once split
        pattern = block_of_item[item_code[:m]]
        if len(block_names) == 1:
            spans = {block_names[0]: None}  # all rows, in order
        elif (
            order is None
            and m
            and n % m == 0
            and len(block_names) == 1 + int((np.diff(pattern) != 0).sum())
        ):
            # each block one run of items in every cell: a block's rows are columns
            # s:e of the (cells × items) arrays, copied by slicing, not gathered
            spans = {}
            for j in range(len(block_names)):
                at = np.flatnonzero(pattern == j)
                spans[block_names[j]] = (int(at[0]), int(at[-1]) + 1)
        else:
            rows_of = np.argsort(block_code, kind="stable")
            bounds = np.cumsum(np.bincount(block_code, minlength=len(block_names)))[:-1]
            spans = dict(
                zip(block_names, np.split(rows_of if order is None else order[rows_of], bounds))
            )
            order = None  # within the rows taken

        def take(values, span):
            if span is None:
                return values if order is None else values[order]
            if isinstance(span, tuple):
                if isinstance(values, np.ndarray):
                    return values.reshape(-1, m)[:, span[0] : span[1]].ravel()
                span = (
                    np.arange(n // m)[:, None] * m + np.arange(span[0], span[1])[None, :]
                ).ravel()
            return values[span]

        lengths = {
            key: n
            if span is None
            else (n // m) * (span[1] - span[0])
            if isinstance(span, tuple)
            else len(span)
            for key, span in spans.items()
        }
        out = {
            key: {
                "length": lengths[key],
                "columns": [*cols, "breakdown"],
                "arrays": {},
                "text": {"breakdown": ([breakdown], None)},
            }
            for key in spans
        }
        taken = {}  # item, block and label share one code array: taken once a block
        for c in cols:  # column by column, each freed once split
            if c in constant:
                for key in spans:
                    out[key]["text"][c] = ([constant[c]], None)
            elif c in text:
                labels, codes = text[c]
                for key, span in spans.items():
                    if (id(codes), key) not in taken:
                        taken[(id(codes), key)] = take(codes, span)
                    out[key]["text"][c] = (list(labels), taken[(id(codes), key)])
            else:
                values = data.pop(c)
                for key, span in spans.items():
                    out[key]["arrays"][c] = take(values, span)
                del values
        return out

    # ------------------------------------------------------------- comparisons

    def _category_lookup(self) -> dict:
        """(item, code as text) -> (item order, code order, code label)."""
        if not hasattr(self, "_categories"):
            self._categories = {}
            for i, it in enumerate(self.items):
                codes, labels = _slots(it)
                for j, c in enumerate(codes):
                    self._categories[(it.column, str(c))] = (i, j, labels[c])
        return self._categories
