"""Every block, by every group: :class:`SurveyAggregates`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse

from .. import schema, stats
from ..memory import give_back_memory
from .comparisons import _Comparisons
from .frames import _assemble, _collect
from .shapes import BREAKDOWN_COLUMNS, STANDARD_BREAKDOWNS, _slots
from .share_tables import _ShareTables


class SurveyAggregates(_ShareTables, _Comparisons):
    """Cluster totals of every item, computed once, and every view from them.

    The constructor reads the pupil rows once and keeps, for each cell of the
    finest breakdown ``wave × year_group × gender × ethnicity × school_id``
    (a pupil who did not state gender or ethnicity is in a "not stated" cell,
    counted in every total but in no gender or ethnicity group) and each item,
    how many pupils gave each answer code: ``0/1`` for a binary item, ``1..4``
    for an agreement item, each category of the qualification aim. With
    weights it keeps ``Σw`` and ``Σw²`` per code as well as pupils. Every view
    (any subset of the groups, any filter on their values, gaps, changes, the
    cohort) sums those cells into (group × school) totals and computes its
    estimates from them with the formulas of :mod:`analysis.stats` (whose
    functions on long per-school totals are the reference the tests compare
    with); no view reads a pupil row.

    Parameters
    ----------
    table : DataFrame
        Validated survey table (``load_survey(...).table``).
    weight : ``"auto"``, str or None
        ``"auto"`` uses the contract's ``weight`` column when the table has
        one; ``None`` weighs every pupil 1.

    Notes
    -----
    Results come in two tidy shapes. **Shares** (:data:`SHARE_COLUMNS` after
    the group columns): ``measure`` is ``share`` (ticked, or agreed: 3 or 4),
    ``distribution`` (share at each code 1-4 of an agreement item, for
    diverging bars; ``category`` is the code) or ``aim`` (share of each
    qualification aimed for; ``category`` is its code); ``schools`` is
    ``all`` or ``common`` (only schools surveyed in both waves); ``n`` the
    weighted base (pupils who answered), ``count``, ``share = count / n``,
    its school-clustered ``se``, Wilson interval ``ci_low``-``ci_high`` on the
    effective sample size ``n_eff``, design effect ``deff`` and ``n_schools``
    (see :func:`analysis.stats.proportions` for the formulas); ``rank`` is the
    item's rank within its group, block and measure (1 = highest share, ties
    share the lower rank; ``share`` measure only); ``low_base`` flags a base
    of fewer than 30 pupils; ``suppressed`` is ``""`` until
    :func:`protect_view` sets ``c``/``u``.

    **Comparisons** (:data:`COMPARISON_COLUMNS`): ``measure`` names the
    contrast (``gender_gap``: boys − girls; ``ethnicity_gap``: other ethnic
    groups − white British; ``…_change_years``: how that gap changes from
    year 7 to year 9; ``…_change_waves``: from wave 1 to wave 2;
    ``change_waves``, ``change_years``: a share's change; ``cohort``: year 7
    in wave 1 against year 9 in wave 2, the same cohort two years on);
    ``compared`` says what is subtracted from what; ``estimate_pp`` and its
    interval are percentage points, ``t`` on ``G - 1`` degrees of freedom
    with ``G`` schools (:func:`analysis.stats.gaps`). ``q_value`` and
    ``significant_fdr`` are Benjamini-Hochberg (1995) adjusted over the family
    named in ``fdr_family``: every row of that measure in one block of the
    result (e.g. all gender gaps of the enjoyment block across the groups
    shown), at level ``alpha``.

    Examples
    --------
    >>> from analysis.synthetic import make_survey
    >>> agg = SurveyAggregates(make_survey(scale=0.2))
    >>> r = agg.shares(["year_group"], block="trip")
    >>> r[["year_group", "item", "share"]].head(2).round(2)  # doctest: +SKIP
    """

    def __init__(self, table: pd.DataFrame, weight: str | None = "auto"):
        if weight == "auto":
            weight = schema.WEIGHT_COLUMN if schema.WEIGHT_COLUMN in table.columns else None
        self.weight = weight
        missing = [c for c in schema.REQUIRED_COLUMNS[1:] if c not in table.columns]
        if missing:
            raise ValueError(
                f"the table has no column(s) {missing}: load it with "
                "analysis.load_survey so the contract's columns are there"
            )
        self.items: tuple[schema.Item, ...] = tuple(
            it for it in schema.items() if it.column in table.columns
        )
        dtypes = schema.dtypes()
        groups = [c for c in BREAKDOWN_COLUMNS]
        frame = pd.DataFrame(
            {
                c: (
                    table[c]
                    if c in table.columns
                    else pd.Series(pd.NA, index=table.index, dtype=dtypes[c])
                )
                for c in groups
            }
        )
        codes, uniques = [], []
        for c in groups:
            f, u = pd.factorize(frame[c], sort=True, use_na_sentinel=True)
            codes.append(f + 1)  # 0 = missing ("not stated")
            uniques.append(u)
        sizes = [len(u) + 1 for u in uniques]
        flat = np.ravel_multi_index(codes, sizes)
        keep = np.ones(len(frame), dtype=bool)
        for c, f in zip(groups, codes):
            if c not in ("gender", "ethnicity"):
                keep &= f > 0  # a pupil without wave, year or school is in no view
        present, cell = np.unique(flat[keep], return_inverse=True)
        parts = np.unravel_index(present, sizes)
        cells = {}
        for c, u, p in zip(groups, uniques, parts):
            values = pd.Series(u).reindex(p - 1).reset_index(drop=True)
            dt = table[c].dtype if c in table.columns else dtypes[c]
            cells[c] = (
                values.astype(dt)
                if not isinstance(dt, pd.CategoricalDtype)
                else pd.Categorical(values, dtype=dt)
            )
        self.cells = pd.DataFrame(cells)
        n_cells = len(self.cells)

        w = None
        if weight is not None:
            w = stats.survey_weights(table, weight)[keep]
        # columns of the matrices: one per (item, answer code)
        self.offsets: dict[str, tuple[int, tuple]] = {}
        start = 0
        for it in self.items:
            codes_, _ = _slots(it)
            self.offsets[it.column] = (start, codes_)
            start += len(codes_)
        # without weights one float matrix serves as pupils, Σw and Σw² (whole
        # numbers below 2**53 are exact in float64): counted into it directly
        pupils = np.zeros((n_cells, start), dtype=np.int64 if w is not None else "float64")
        every = bool(keep.all())
        cell_times: dict[int, np.ndarray] = {}  # cell index × answer slots
        w2 = w**2 if w is not None else None
        wsum = np.zeros((n_cells, start)) if w is not None else None
        w2sum = np.zeros((n_cells, start)) if w is not None else None
        for it in self.items:
            s0, codes_ = self.offsets[it.column]
            k = len(codes_)
            series = table[it.column]
            if it.scale == "categorical":
                answer = pd.Categorical(series, categories=list(codes_)).codes.astype(np.int64)
                bad = series.notna().to_numpy() & (answer < 0)
                if bad.any():
                    raise ValueError(
                        f"column '{it.column}', {stats._rows(bad)}: answers must "
                        f"be one of {list(codes_)} or empty. Load the file with "
                        "analysis.load_survey so answers are checked."
                    )
            else:
                raw = stats._answer_codes(table, it.column)
                lookup = np.full(stats._SLOTS, -1, dtype=np.int64)
                lookup[list(codes_)] = np.arange(k)
                answer = lookup[raw]
                if (answer[raw != stats._MISSING_SLOT] < 0).any():
                    raise stats._bad_codes(table, it.column)
            if not every:
                answer = answer[keep]
            # a missing answer goes to one extra bin, dropped: no boolean gathers
            if k not in cell_times:
                cell_times[k] = cell * k
            idx = cell_times[k] + answer
            idx[answer < 0] = n_cells * k
            size = n_cells * k + 1
            pupils[:, s0 : s0 + k] = np.bincount(idx, minlength=size)[:-1].reshape(n_cells, k)
            if w is not None:
                wsum[:, s0 : s0 + k] = np.bincount(idx, weights=w, minlength=size)[:-1].reshape(
                    n_cells, k
                )
                w2sum[:, s0 : s0 + k] = np.bincount(idx, weights=w2, minlength=size)[:-1].reshape(
                    n_cells, k
                )
        self._pupils = pupils
        self._wsum = wsum if wsum is not None else pupils
        self._w2sum = w2sum if w2sum is not None else self._wsum
        self._group_cache: dict | None = None  # set while all_measures runs
        self.n_pupils = int(keep.sum())
        both = self.cells.groupby("school_id", observed=True)["wave"].nunique()
        self.common_schools = tuple(both.index[both >= 2].astype(str))

    # ------------------------------------------------------------- plumbing

    @property
    def blocks(self) -> tuple[schema.Block, ...]:
        """Question blocks with at least one item in the table."""
        present = {it.column for it in self.items}
        return tuple(b for b in schema.blocks() if any(c in present for c in b.columns))

    def _items(self, block, scales=("binary", "agreement")) -> list[schema.Item]:
        if block is None:
            keys = None
        elif isinstance(block, str):
            keys = {block}
            schema.block(block)  # a KeyError naming the blocks if unknown
        else:
            keys = set(block)
        return [
            it for it in self.items if it.scale in scales and (keys is None or it.block in keys)
        ]

    def _cell_mask(self, where: Mapping | None, schools: str) -> np.ndarray:
        mask = np.ones(len(self.cells), dtype=bool)
        for column, values in (where or {}).items():
            if column not in BREAKDOWN_COLUMNS:
                raise ValueError(
                    f"cannot filter on '{column}': filter on {', '.join(BREAKDOWN_COLUMNS)}"
                )
            values = [values] if np.isscalar(values) or values is None else list(values)
            known = schema.groups().get(column)
            for v in values:
                if known is not None and v not in known.values:
                    raise ValueError(
                        f"{column} = {v!r} is not a group of the survey; {column} "
                        f"is one of {list(known.values)}"
                    )
            col = self.cells[column]
            if column == "school_id":
                col = col.astype(str)
                values = [str(v) for v in values]
            mask &= col.isin(values).to_numpy(dtype=bool)
        stats._check_schools(schools)
        if schools == "common":
            mask &= self.cells["school_id"].astype(str).isin(self.common_schools).to_numpy()
        return mask

    def _grouped(self, by: Sequence[str], mask: np.ndarray):
        """Sum the finest cells into cells of ``by`` × school.

        While :meth:`all_measures` runs, an unfiltered grouping is summed from
        the smallest coarser table already built that holds its columns
        (:meth:`_coarsened`), and the last grouping is reused as it is (shares
        and distributions of one breakdown ask for the same one)."""
        keys = list(dict.fromkeys([*by, "school_id"]))
        for c in keys:
            if c not in BREAKDOWN_COLUMNS:
                raise ValueError(
                    f"cannot break down by '{c}': use any of {', '.join(BREAKDOWN_COLUMNS)}"
                )
        cells, pupils, wsum, w2sum = self.cells, self._pupils, self._wsum, self._w2sum
        cache = self._group_cache
        if cache is not None and mask.all():
            if cache.get("last", (None,))[0] == tuple(keys):
                return cache["last"][1]
            found = [v for k, v in cache["coarse"].items() if set(keys) <= set(k)]
            if found:
                cells, pupils, wsum, w2sum = min(found, key=lambda v: len(v[0]))
                mask = np.ones(len(cells), dtype=bool)
        use = mask & cells[keys].notna().all(axis=1).to_numpy()
        rows = np.flatnonzero(use)
        sub = cells.iloc[rows]
        codes = [pd.factorize(sub[c], sort=True)[0] for c in keys]
        out = self._sum_cells(sub, rows, codes, keys, len(cells), pupils, wsum, w2sum)
        if cache is not None and mask.all():
            cache["last"] = (tuple(keys), out)
        return out

    def _sum_cells(self, sub, rows, codes, keys, n_source, pupils, wsum, w2sum):
        """Sum rows ``rows`` of the source matrices by the combinations of ``codes``
        (one integer code per row and key column); one row per combination,
        sorted by the codes in turn, with the key columns of ``sub``."""
        sizes = [int(f.max(initial=-1)) + 1 for f in codes]
        flat = np.ravel_multi_index(codes, sizes) if rows.size else np.zeros(0, dtype=np.int64)
        present, group = np.unique(flat, return_inverse=True)
        first = np.zeros(len(present), dtype=np.int64)
        first[group[::-1]] = np.arange(len(group))[::-1]
        key_frame = sub.iloc[first][keys].reset_index(drop=True)
        summing = sparse.csr_matrix(
            (np.ones(len(rows)), (group, rows)), shape=(len(present), n_source)
        )
        pupils = np.asarray(summing @ pupils)  # float64, as the summing matrix
        wsum = pupils if self.weight is None else np.asarray(summing @ wsum)
        w2sum = wsum if self.weight is None else np.asarray(summing @ w2sum)
        return key_frame, pupils, wsum, w2sum

    def _coarsened(self, keys: Sequence[str]):
        """The finest cells summed over the columns not in ``keys`` (a missing
        value is a group of its own, so coarser groupings can be summed from it)."""
        keys = list(keys)
        codes = [pd.factorize(self.cells[c], sort=True, use_na_sentinel=False)[0] for c in keys]
        rows = np.arange(len(self.cells))
        return self._sum_cells(
            self.cells, rows, codes, keys, len(self.cells), self._pupils, self._wsum, self._w2sum
        )

    def totals(
        self,
        by: Sequence[str] = (),
        items: Sequence[str] | None = None,
        where: Mapping | None = None,
        schools: Literal["all", "common"] = "all",
    ) -> pd.DataFrame:
        """School-level totals of binary/agreement items by ``by``, in the shape of
        :func:`analysis.stats.cluster_totals` (``[*by, school_id, item, n, count,
        sumw2, n_pupils]``), from the stored cells: equal to
        ``stats.cluster_totals(table, items, by, weight=...)`` on the pupil rows."""
        chosen = [
            it
            for it in self.items
            if it.scale != "categorical" and (items is None or it.column in items)
        ]
        keys, pupils, wsum, w2sum = self._grouped(by, self._cell_mask(where, schools))
        return self._long(keys, chosen, pupils, wsum, w2sum)

    def _long(self, keys, chosen, pupils, wsum, w2sum, code=None) -> pd.DataFrame:
        """Long totals: one row per (cell, item) or, with ``code``, per (cell, item, code)."""
        cols = {"n": [], "count": [], "sumw2": [], "n_pupils": []}
        names, codes_out = [], []
        for it in chosen:
            s0, codes_ = self.offsets[it.column]
            k = len(codes_)
            block = slice(s0, s0 + k)
            n, n_p, s2 = wsum[:, block].sum(1), pupils[:, block].sum(1), w2sum[:, block].sum(1)
            if code is None:
                pos = [codes_.index(c) for c in schema.positive_codes(it.scale)]
                cols["count"].append(wsum[:, s0 + np.array(pos)].sum(1))
                cols["n"].append(n), cols["sumw2"].append(s2), cols["n_pupils"].append(n_p)
                names.append(it.column)
            else:
                for j, c in enumerate(codes_):
                    cols["count"].append(wsum[:, s0 + j])
                    cols["n"].append(n), cols["sumw2"].append(s2), cols["n_pupils"].append(n_p)
                    names.append(it.column)
                    codes_out.append(c)
        m = len(names)
        out = keys.take(np.repeat(np.arange(len(keys)), m)).reset_index(drop=True)
        out["item"] = pd.array(np.tile(np.asarray(names, dtype=object), len(keys)), dtype="string")
        if code is not None:
            out[code] = np.tile(np.asarray([str(c) for c in codes_out], dtype=object), len(keys))
        for c, parts in cols.items():
            arr = np.column_stack(parts) if parts else np.zeros((len(keys), 0))
            out[c] = arr.ravel().astype(np.int64 if c == "n_pupils" else "float64")
        return out

    # ------------------------------------------------------------- shares

    def all_measures(
        self,
        breakdowns: Sequence[Sequence[str]] = STANDARD_BREAKDOWNS,
        comparisons: bool = True,
        progress=None,
        categorical: bool = True,
    ) -> dict[str, dict[str, pd.DataFrame]]:
        """Every measure of every block for every breakdown.

        Returns ``{block_key: {"shares": ..., "comparisons": ...}}``. The shares
        table stacks the share, distribution and aim rows of every breakdown
        (group columns a breakdown lacks are empty; ``breakdown`` names it); the
        comparisons table (when ``comparisons``) holds :meth:`comparisons`.
        ``progress`` is called with a description after each step.

        With ``categorical`` (the default) the shares tables' text columns
        (:data:`TEXT_COLUMNS`: ``measure``, ``item``, ``breakdown``…) are
        categoricals, not ``str`` or Python objects: the same values (they
        compare equal to strings, ``.astype(str)`` and CSV give the same text;
        ``suppressed`` accepts ``c`` and ``u``) in a byte or two a row instead of
        about 90 (nine million rows on 1,000,000 pupils: 1.9 GiB → 1.0). Group
        such a column with ``observed=True``; ``categorical=False`` gives the
        dtypes of :meth:`shares` and :meth:`distribution`.
        """
        found: dict[str, dict[str, list]] = {
            b.key: {"shares": [], "comparisons": []} for b in self.blocks
        }
        # groupings summed once and reused (see _grouped): wave × year group ×
        # school serves every breakdown without gender or ethnicity, and the
        # changes and cohort; with gender, the gender breakdowns and gaps
        self._group_cache = {"coarse": {}}
        try:
            for keys in (
                ("wave", "year_group", "gender", "school_id"),
                ("wave", "year_group", "school_id"),
            ):
                self._group_cache["coarse"][keys] = self._coarsened(keys)
            for by in breakdowns:
                # the tables come out split by block (_share_shape): no split of
                # millions of rows afterwards
                name = " × ".join(by) or "all pupils"
                for split in (
                    self._shares(by, breakdown=name),
                    self._distribution(by, breakdown=name),
                ):
                    for key, part in split.items():
                        if key in found:
                            found[key]["shares"].append(part)
                # the breakdown's temporaries are freed: their memory back to the
                # system, so the process does not hold it beside the growing tables
                give_back_memory()
                if progress:
                    progress(f"shares by {' × '.join(by) or 'all pupils'}")
            if comparisons:
                for frame in self.comparisons():
                    _collect(
                        found,
                        "comparisons",
                        frame,
                        [c for c in frame.columns if c in BREAKDOWN_COLUMNS],
                    )
                if progress:
                    progress("comparisons")
        finally:
            self._group_cache = None
        give_back_memory()
        out = {}
        for k in list(found):  # each block's parts freed once joined
            parts = found.pop(k)
            out[k] = {
                kind: _assemble(parts.pop(kind), categorical)
                if kind == "shares"
                else pd.concat(parts.pop(kind), ignore_index=True)
                for kind in list(parts)
                if parts[kind]
            }
            give_back_memory()  # the block's parts, freed
        return out

    def comparisons(self) -> list[pd.DataFrame]:
        """The standard comparisons: gaps by wave × year group, gap changes by
        wave (across years) and by year group (across waves, all and common
        schools), changes between waves by year group (all and common
        schools), and the cohort view."""
        out = []
        for compare in ("gender", "ethnicity"):
            out.append(self.gaps(["wave", "year_group"], compare=compare))
            out.append(self.gap_change(["wave"], compare=compare, across="year_group"))
            for schools in ("all", "common"):
                out.append(
                    self.gap_change(["year_group"], compare=compare, across="wave", schools=schools)
                )
        for schools in ("all", "common"):
            out.append(self.change(["year_group"], schools=schools))
            out.append(self.cohort(schools=schools))
        return out
