"""Survey measures in one tidy shape.

Every measure returns a long table with one row per group and item:

=========  ==================================================================
column     meaning
=========  ==================================================================
<by...>    the grouping columns asked for (``wave``, ``year_group``…)
item       the contract column of the item (``favourite_maths``)
label      the item's label (``Maths``)
n          base: pupils in the group who answered the item (weighted if the
           file has weights)
count      of those, pupils who ticked it / agreed (3 or 4 on a four-point item)
share      ``count / n``
=========  ==================================================================

Figures, downloads, the command line and tests all read this shape.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import schema


def _positive(table: pd.DataFrame, column: str) -> pd.Series:
    """1.0 where the answer counts as yes/agree, 0.0 where not, NaN if missing."""
    it = schema.item(column)
    values = table[column]
    if it.scale == "categorical":
        raise ValueError(f"{column} is categorical: use a distribution, not a share")
    positive = np.isin(
        values.to_numpy(dtype="float64", na_value=np.nan), schema.positive_codes(it.scale)
    )
    return pd.Series(np.where(values.isna(), np.nan, positive.astype(float)), index=table.index)


def shares(table: pd.DataFrame, columns: Sequence[str], by: Sequence[str] = ()) -> pd.DataFrame:
    """Share of pupils ticking / agreeing with each item, by group.

    Parameters
    ----------
    table : validated survey table (contract layout)
    columns : item columns, e.g. ``schema.block("favourite").columns``; columns
        absent from ``table`` are skipped
    by : grouping columns; pupils with a missing group value are left out of
        that breakdown

    Returns
    -------
    DataFrame in the tidy shape above, one row per group and item, ordered by
    group then questionnaire order.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"wave": [1, 1, 1, 2], "favourite_maths": [1, 0, None, 1]})
    >>> shares(t, ["favourite_maths"], by=["wave"])[["wave", "n", "count", "share"]]
       wave    n  count  share
    0     1  2.0    1.0    0.5
    1     2  1.0    1.0    1.0
    """
    by = list(by)
    columns = [c for c in columns if c in table.columns]
    weight = table[schema.WEIGHT_COLUMN].astype(float) if schema.WEIGHT_COLUMN in table else None
    parts = []
    for column in columns:
        pos = _positive(table, column)
        answered = pos.notna().astype(float)
        w = weight if weight is not None else 1.0
        frame = table[by].copy() if by else pd.DataFrame(index=table.index)
        frame["n"] = answered * w
        frame["count"] = pos.fillna(0.0) * w
        if by:
            agg = frame.groupby(by, observed=True, dropna=True)[["n", "count"]].sum().reset_index()
        else:
            agg = frame[["n", "count"]].sum().to_frame().T
        agg.insert(len(by), "item", column)
        agg.insert(len(by) + 1, "label", schema.item(column).label)
        parts.append(agg)
    if not parts:
        return pd.DataFrame(columns=[*by, "item", "label", "n", "count", "share"])
    out = pd.concat(parts, ignore_index=True)
    out["share"] = out["count"] / out["n"].where(out["n"] > 0)
    order = {c: i for i, c in enumerate(columns)}
    out = out.sort_values(
        [*by, "item"], key=lambda s: s.map(order) if s.name == "item" else s, kind="stable"
    ).reset_index(drop=True)
    return out


# ===========================================================================
# Every block, by every group: SurveyAggregates
# ===========================================================================

import re  # noqa: E402
from collections.abc import Mapping  # noqa: E402
from itertools import combinations  # noqa: E402
from typing import Literal  # noqa: E402

from scipy import sparse  # noqa: E402

from .. import disclosure, stats  # noqa: E402

#: Columns of a share result (measures ``share``, ``distribution``, ``aim``),
#: after the group columns. See :class:`SurveyAggregates`.
SHARE_COLUMNS: tuple[str, ...] = (
    "measure",
    "schools",
    "block",
    "item",
    "label",
    "category",
    "category_label",
    "n",
    "n_pupils",
    "count",
    "share",
    "se",
    "ci_low",
    "ci_high",
    "deff",
    "n_eff",
    "n_schools",
    "rank",
    "low_base",
    "suppressed",
)

#: Columns of a comparison result (gaps, changes, cohort), after the group columns.
COMPARISON_COLUMNS: tuple[str, ...] = (
    "measure",
    "schools",
    "block",
    "item",
    "label",
    "compared",
    "share_first",
    "share_second",
    "n_first",
    "n_second",
    "estimate_pp",
    "se_pp",
    "ci_low_pp",
    "ci_high_pp",
    "t",
    "df",
    "p_value",
    "q_value",
    "significant_fdr",
    "fdr_family",
    "n_schools",
    "low_base",
    "suppressed",
)

#: Group columns a view may break down by (and filter on), finest first.
BREAKDOWN_COLUMNS: tuple[str, ...] = (*schema.GROUP_COLUMNS, "school_id")

#: The breakdowns the command line writes: every combination of wave, year
#: group, gender and ethnicity (the total included), and schools by wave and
#: year group.
STANDARD_BREAKDOWNS: tuple[tuple[str, ...], ...] = (
    *(
        c
        for k in range(len(schema.GROUP_COLUMNS) + 1)
        for c in combinations(schema.GROUP_COLUMNS, k)
    ),
    ("school_id",),
    ("wave", "school_id"),
    ("year_group", "school_id"),
    ("wave", "year_group", "school_id"),
)

MIN_BASE = disclosure.DisclosureRules().min_base

COHORT = "cohort"
COHORT_LEVELS = ("year 7 in wave 1", "year 9 in wave 2")
_COHORT_CELLS = {(1, 7): COHORT_LEVELS[0], (2, 9): COHORT_LEVELS[1]}

_GAP_GROUPS = {"gender": ("boy", "girl"), "ethnicity": ("other_ethnic_group", "white_british")}


def _slots(it: schema.Item) -> tuple[tuple, dict]:
    """Answer codes stored for an item, and their labels."""
    if it.scale == "categorical":
        cats = schema.block(it.block).categories
        return tuple(cats), dict(cats)
    codes = schema.scale_codes(it.scale)
    return tuple(codes), {k: v for k, v in codes.items()}


#: stats.change's column names in the comparison shape shared with gaps.
_CHANGE_AS_COMPARISON = {
    "change_pp": "estimate_pp",
    "share_from": "share_first",
    "share_to": "share_second",
    "n_from": "n_first",
    "n_to": "n_second",
}


class SurveyAggregates:
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
                _give_back_memory()
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
        _give_back_memory()
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
            _give_back_memory()  # the block's parts, freed
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


def _give_back_memory() -> None:
    """Memory freed so far back to the system (:func:`analysis.load._give_back_memory`)."""
    from ..load import _give_back_memory as give_back

    give_back()


def _collect(out: dict, kind: str, frame: pd.DataFrame, by) -> None:
    frame = frame.assign(breakdown=" × ".join(by) or "all pupils")
    for key, part in frame.groupby("block", sort=False):
        if key in out:
            out[key][kind].append(part)


#: Elements of a (group × school) × answer temporary in _share_sums, about
#: (2**22 × 8 bytes = 32 MB); items are taken a few at a time to stay near it.
_CHUNK_CELLS = 2**22

#: Text columns of the share shape kept as Python objects (the others are ``str``).
_OBJECT = ("block", "label", "item")

#: The text columns of a share table (``all_measures`` makes them categorical).
TEXT_COLUMNS: tuple[str, ...] = (
    "measure",
    "schools",
    "block",
    "item",
    "label",
    "category",
    "category_label",
    "suppressed",
    "breakdown",
)

#: Values ``suppressed`` takes (shown, confidential, unreliable).
_SUPPRESSED = ("", disclosure.CONFIDENTIAL, disclosure.LOW_RELIABILITY)

#: pandas' default text dtype (``str``), the dtype of the other text columns.
_STR = pd.Series([""]).dtype


def _text_column(labels, codes: np.ndarray, index: pd.RangeIndex) -> pd.Series:
    """A text column holding ``labels[codes]`` in pandas' default ``str`` dtype,
    as ``pd.Series(values)`` of the Python strings gives; built by pyarrow from
    the few distinct labels, not from millions of Python strings."""
    if getattr(_STR, "storage", None) != "pyarrow":
        return pd.Series(np.asarray(labels, dtype=object)[codes], index=index)
    import pyarrow as pa

    distinct = pa.array([str(x) for x in labels], type=pa.large_string())
    return pd.Series(
        _str_array(distinct.take(pa.array(np.asarray(codes, dtype=np.int64)))), index=index
    )


def _str_array(array):
    """A pyarrow ``large_string`` array as pandas' ``str`` array, without a copy."""
    import pyarrow as pa

    try:  # the constructor: ten times less overhead than pd.array on small tables
        return pd.arrays.ArrowStringArray(pa.chunked_array([array]), dtype=_STR)
    except TypeError:
        return pd.array(array, dtype=_STR)


def _constant_text(value: str, index: pd.RangeIndex) -> pd.Series:
    """``pd.Series(value, index=index)`` (``str`` dtype), built from buffers."""
    if getattr(_STR, "storage", None) != "pyarrow":
        return pd.Series(value, index=index)
    import pyarrow as pa

    data, n = value.encode("utf-8"), len(index)
    offsets = np.arange(n + 1, dtype=np.int64) * len(data)
    array = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data * n))
    return pd.Series(_str_array(array), index=index)


def _columns(cols: np.ndarray, rows: np.ndarray | None = None):
    """A function taking ``matrix[rows][:, cols]`` (all rows if ``rows`` is None):
    a slice where ``cols`` is one run of columns, rows then taken once."""
    run = len(cols) > 0 and np.array_equal(cols, np.arange(cols[0], cols[0] + len(cols)))
    if run:
        at = slice(int(cols[0]), int(cols[0]) + len(cols))
        return (lambda m: m[:, at]) if rows is None else (lambda m: m[rows, at])
    return (lambda m: m[:, cols]) if rows is None else (lambda m: m[np.ix_(rows, cols)])


def _join_columns(parts: list[list[np.ndarray]]) -> list[np.ndarray]:
    """``np.hstack`` of each array across ``parts`` (a list of equally long lists
    of 2-d arrays), filling one preallocated array each and dropping each part as
    it is copied; arrays that are one object in the parts (the pupils', Σw and
    Σw² sums without weights) stay one."""
    first = parts[0]
    if len(parts) == 1:
        return first
    same = [next(i for i in range(j + 1) if first[i] is first[j]) for j in range(len(first))]
    widths = [p[0].shape[1] for p in parts]
    out: list = []
    for j, a in enumerate(first):
        if same[j] != j:
            out.append(out[same[j]])
            continue
        joined = np.empty((a.shape[0], sum(widths)), dtype=a.dtype)
        at = 0
        for p, w in zip(parts, widths):
            joined[:, at : at + w] = p[j]
            at += w
        out.append(joined)
        for p in parts:  # the parts' copies are no longer needed
            for i in range(len(p)):
                if same[i] == j:
                    p[i] = None
    return out


def _small_codes(codes, n_labels: int) -> np.ndarray | None:
    """Codes of a text column (``None``: a constant) in the smallest integer type
    for ``n_labels`` labels, so millions of rows take a byte or two each."""
    if codes is None:
        return None
    small = np.int8 if n_labels < 127 else np.int16 if n_labels < 32767 else np.int64
    return np.asarray(codes).astype(small, copy=False)


def _assemble(parts: list[dict], categorical: bool = False) -> pd.DataFrame:
    """One share table from :meth:`SurveyAggregates._share_shape`'s parts: the
    frame ``pd.concat`` of the parts' frames gives (columns in order of first
    appearance, a group column a part lacks empty in its rows, same dtypes),
    built once from the joined arrays. With ``categorical`` the text columns
    (:data:`TEXT_COLUMNS`) are categoricals of the same values (categories in
    order of first appearance; ``suppressed`` also has ``c`` and ``u``) instead
    of ``str`` (``block``, ``label``, ``item``: Python objects)."""
    columns = list(dict.fromkeys(c for p in parts for c in p["columns"]))
    lengths = [p["length"] for p in parts]
    index = pd.RangeIndex(sum(lengths))
    out = {}
    for c in columns:
        if c in parts[0]["text"]:  # text columns are in every part
            labels = list(dict.fromkeys(x for p in parts for x in p["text"][c][0]))
            if categorical and c == "suppressed":  # so c/u can be set, as in a str column
                labels += [x for x in _SUPPRESSED if x not in labels]
            at = {x: i for i, x in enumerate(labels)}
            small = np.int8 if len(labels) < 127 else np.int16 if len(labels) < 32767 else np.int64
            codes = [
                np.full(n, at[p["text"][c][0][0]], dtype=small)
                if p["text"][c][1] is None
                else np.array([at[x] for x in p["text"][c][0]], dtype=small)[p["text"][c][1]]
                for p, n in zip(parts, lengths)
            ]
            codes = np.concatenate(codes)
            if categorical:
                out[c] = pd.Series(
                    pd.Categorical.from_codes(codes, categories=pd.Index(labels, dtype=object)),
                    index=index,
                )
            elif c in _OBJECT:  # block, label and item stay Python objects
                out[c] = pd.Series(
                    np.asarray(labels, dtype=object)[codes], index=index, dtype=object
                )
            else:
                out[c] = _text_column(labels, codes, index)
            continue
        pieces = [p["arrays"].pop(c, None) for p in parts]  # the parts' copies freed
        dtype = next(x.dtype for x in pieces if x is not None)
        pieces = [x if x is not None else _missing(dtype, n) for x, n in zip(pieces, lengths)]
        if isinstance(dtype, pd.api.extensions.ExtensionDtype):
            out[c] = type(pieces[0])._concat_same_type(pieces)
        else:
            out[c] = np.concatenate(pieces)
            if c in _OBJECT:  # block, label and item stay Python objects
                out[c] = pd.Series(out[c], index=index, dtype=object)
    # copy=False: the joined arrays become the frame's columns as they are (a
    # copy would consolidate the floats into one block: nine million rows
    # twice in memory)
    return pd.DataFrame(out, index=index, copy=False)


def _missing(dtype, n: int):
    """``n`` missing values of a group column's dtype (categorical or nullable integer)."""
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Categorical.from_codes(np.full(n, -1), dtype=dtype)
    if isinstance(dtype, pd.core.dtypes.dtypes.BaseMaskedDtype):  # Int8 …: all masked
        return dtype.construct_array_type()(
            np.zeros(n, dtype=dtype.numpy_dtype), np.ones(n, dtype=bool)
        )
    return pd.array(np.full(n, None, dtype=object), dtype=dtype)


def _in_order(frame: pd.DataFrame) -> bool:
    """Whether ``frame.sort_values(list(frame.columns), kind="stable")`` would
    leave its rows where they are. Answers False (sort to be sure) for a
    column with missing values or of a type compared other than by its codes."""
    unchanged = np.ones(max(len(frame) - 1, 0), dtype=bool)  # rows i, i+1 equal so far
    for c in frame.columns:
        col = frame[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            values = col.cat.codes.to_numpy()  # sort_values sorts categories by code
        elif pd.api.types.is_integer_dtype(col.dtype) and not col.hasnans:
            values = col.to_numpy(dtype=np.int64)
        else:
            return False
        if (values < 0).any() and isinstance(col.dtype, pd.CategoricalDtype):
            return False
        step = np.diff(values)
        if (unchanged & (step < 0)).any():
            return False
        unchanged &= step == 0
    return True


def _gap_pair(compare: str) -> tuple[str, str]:
    if compare not in _GAP_GROUPS:
        raise ValueError(
            f"compare={compare!r}: gaps are between genders ('gender') or "
            "ethnic groups ('ethnicity')"
        )
    return _GAP_GROUPS[compare]


def _rank_within(group: np.ndarray, share: np.ndarray) -> np.ndarray:
    """What :func:`_ranks` gives, on arrays: the rank of each share within its
    ``group`` (an integer per row), 1 = highest, ties share the lower rank
    (``rank(method="min", ascending=False)``), NaN shares no rank."""
    out = np.full(len(share), np.nan)
    rows = np.flatnonzero(~np.isnan(share))
    if not len(rows):
        return out
    g, v = group[rows], share[rows]
    order = np.lexsort((-v, g))  # by group, then highest share first
    g, v = g[order], v[order]
    at = np.arange(len(order))
    new_group = np.r_[True, g[1:] != g[:-1]]
    new_value = new_group | np.r_[True, v[1:] != v[:-1]]
    first_of_group = np.maximum.accumulate(np.where(new_group, at, 0))
    first_of_value = np.maximum.accumulate(np.where(new_value, at, 0))
    out[rows[order]] = first_of_value - first_of_group + 1
    return out


def _rank_in_runs(share: np.ndarray, runs: np.ndarray) -> np.ndarray:
    """What :func:`_rank_within` gives when the groups are the runs of equal
    ``runs`` values along each row of ``share`` (cells × items, a block's items
    one run): 1 + the number of shares of the run above the share (ties share
    the lower rank, NaN shares no rank and count for none), raveled."""
    out = np.full(share.shape, np.nan)
    starts = np.flatnonzero(np.r_[True, runs[1:] != runs[:-1]])
    for s, e in zip(starts, np.r_[starts[1:], len(runs)]):
        part = share[:, s:e]
        # rows a few thousand at a time: (rows × items × items) comparisons
        step = max(1, 2**22 // max((e - s) ** 2, 1))
        for r in range(0, len(part), step):
            p = part[r : r + step]
            above = (p[:, None, :] > p[:, :, None]).sum(axis=2)
            out[r : r + step, s:e] = np.where(np.isnan(p), np.nan, above + 1.0)
    return out.ravel()


def _ranks(frame: pd.DataFrame, by: Sequence[str]) -> np.ndarray:
    """Rank of each item's share within its group and block (1 = highest; ties
    share the lower rank; NaN shares get no rank)."""
    keys = [*by, "block", "measure", "schools"]
    return (
        frame.groupby(keys, observed=True, dropna=False, sort=False)["share"]
        .rank(method="min", ascending=False)
        .to_numpy()
    )


# ===========================================================================
# Disclosure: a view protected for publication or display
# ===========================================================================


def margins(by: Sequence[str]) -> list[tuple[str, ...]]:
    """The breakdown ``by`` and every coarser one it adds up to (its margins),
    from the total to ``by`` itself."""
    by = list(by)
    return [c for k in range(len(by) + 1) for c in combinations(by, k)]


def protect_view(
    aggregates: SurveyAggregates,
    by: Sequence[str],
    block=None,
    rules: disclosure.DisclosureRules = disclosure.DisclosureRules(),
    schools: Literal["all", "common"] = "all",
    distributions: bool = True,
) -> dict[str, pd.DataFrame]:
    """A breakdown and all its margins, protected together for publication.

    Computes :meth:`SurveyAggregates.shares` (and, with ``distributions``,
    :meth:`SurveyAggregates.distribution`) for ``by`` and each of its margins
    (:func:`margins`) and protects them with :func:`protect_tables`, so a
    hidden cell cannot be recovered as a margin minus the cells shown.

    Returns
    -------
    ``{name: table}`` with names ``"all pupils"``, ``"wave"``, ``"wave ×
    gender"``…; each table in the share shape with ``suppressed`` set.
    """
    tables = {}
    for sub in margins(by):
        frame = aggregates.shares(sub, block, schools=schools)
        if distributions:
            frame = pd.concat(
                [frame, aggregates.distribution(sub, block, schools=schools)], ignore_index=True
            )
        tables[" × ".join(sub) or "all pupils"] = frame
    return protect_tables(tables, rules)


def _hidden_columns() -> tuple[str, ...]:
    return ("count", "share", "se", "ci_low", "ci_high", "deff", "n_eff")


def _shared_hidden_bases(
    prepared: Mapping[str, pd.DataFrame], done: Mapping[str, pd.DataFrame]
) -> dict[str, np.ndarray]:
    """Rows whose base must be hidden because another item's same base is.

    Items answered by the same pupils (every item of a tick-all block, say)
    have the same base in every cell of the view; a base hidden in one item
    and shown in another would be read off the other. The audit protects
    each item alone, so here the items whose bases agree in every cell are
    grouped, and a base hidden in any item of a group is hidden in all of it
    (hiding more never narrows what an attacker can bound). Returns, per
    table, the rows to hide in addition.
    """
    parts = []
    for name, frame in prepared.items():
        dims = [c for c in frame.columns if c in disclosure.GROUP_DIMENSIONS and c != "category"]
        key = (
            frame[dims].astype(str).agg("|".join, axis=1).to_numpy()
            if dims
            else np.full(len(frame), "")
        )
        parts.append(
            pd.DataFrame(
                {
                    "table": name,
                    "key": key,
                    "item": frame["item"].to_numpy(),
                    "n": frame["n"].to_numpy(dtype=float),
                    "hidden": done[name]["n"].isna().to_numpy(),
                }
            )
        )
    long = pd.concat(parts, ignore_index=True)
    cells = long.groupby(["table", "key", "item"], sort=False).agg(
        n=("n", "first"), hidden=("hidden", "max")
    )
    bases = cells["n"].unstack("item")
    hidden = cells["hidden"].unstack("item").fillna(False).astype(bool)
    signature = {item: tuple(bases[item].fillna(-1.0)) for item in bases.columns}
    groups: dict[tuple, list[str]] = {}
    for item, sig in signature.items():
        groups.setdefault(sig, []).append(item)
    extra_cells: set[tuple] = set()
    for items in groups.values():
        if len(items) < 2:
            continue
        any_hidden = hidden[items].any(axis=1)
        for table, key in any_hidden.index[any_hidden.to_numpy()]:
            extra_cells.update((table, key, item) for item in items)
    out = {}
    for name in prepared:
        part = long[long["table"] == name]
        out[name] = (
            np.fromiter(
                ((name, k, i) in extra_cells for k, i in zip(part["key"], part["item"])),
                dtype=bool,
                count=len(part),
            )
            & ~part["hidden"].to_numpy()
        )
    return out


def protect_tables(
    tables: Mapping[str, pd.DataFrame],
    rules: disclosure.DisclosureRules = disclosure.DisclosureRules(),
) -> dict[str, pd.DataFrame]:
    """Protect share-shaped tables of one view with :func:`analysis.disclosure.protect`.

    Every table must be a complete breakdown (unfiltered) of the same pupils;
    pass a breakdown together with its margins (see :func:`protect_view`).
    A distribution (four-point codes, qualification-aim categories) is
    audited with its answer code as the dimension ``category`` of
    :func:`analysis.disclosure.protect`: the codes of an item and group add
    up to its base, and the agree share of an agreement item is the margin
    ``"agree"`` = codes 3 + 4 (:data:`analysis.disclosure.CATEGORY_MARGINS`)
    of the same cells. So no hidden code is the base minus the codes shown,
    nor the agree count minus the other agree code, in any group or margin.
    Hidden numbers become NaN (``count``, ``share``, its interval, ``se``,
    ``deff``, ``n_eff``; ``n`` and ``n_pupils`` where the base is hidden);
    ``suppressed`` is ``c`` or ``u``; ``rank`` is recomputed among the shares
    shown, so a hidden share's place in the order is not revealed.
    """
    (agree,) = [
        m
        for m, codes in disclosure.CATEGORY_MARGINS.items()
        if tuple(codes) == schema.positive_codes("agreement")
    ]
    with_codes = set()  # items shown with a distribution in some table of the view
    for table in tables.values():
        coded = table["category"].fillna("").astype(str) != ""
        with_codes.update(table.loc[coded, "item"].astype(str))
    keyed, prepared = {}, {}
    for name, table in tables.items():
        t = table.reset_index(drop=True)
        dims = [
            c
            for c in disclosure.GROUP_DIMENSIONS
            if c != "category" and c in t.columns and t[c].notna().any()
        ]
        category = t["category"].fillna("").astype(str)
        # the agree share of an item whose codes are shown too: the margin 3 + 4
        share_of_coded = (
            (t["measure"] == "share") & (category == "") & t["item"].astype(str).isin(with_codes)
        ).to_numpy()
        frame = t[dims].copy()
        frame["category"] = category.where(~share_of_coded, agree).to_numpy()
        frame["item"] = t["item"].astype(str).to_numpy()
        frame["label"] = t["label"].to_numpy()
        for c in ("n", "count", "share", "n_schools"):
            frame[c] = t[c].astype(float).to_numpy()
        keyed[name] = t
        prepared[name] = frame
    done = disclosure.protect(prepared, rules)
    shared = _shared_hidden_bases(prepared, done)
    out = {}
    for name, t in keyed.items():
        p = done[name]
        t = t.copy()
        hide_count = p["count"].isna().to_numpy() & t["count"].notna().to_numpy()
        hide_n = (p["n"].isna().to_numpy() | shared[name]) & t["n"].notna().to_numpy()
        hide_count |= hide_n
        t["suppressed"] = np.where(
            shared[name] & (p["suppressed"].to_numpy() != disclosure.CONFIDENTIAL),
            disclosure.CONFIDENTIAL,
            p["suppressed"].to_numpy(),
        )
        for c in _hidden_columns():
            t[c] = t[c].astype(float).mask(hide_count | hide_n)
        for c in ("n", "n_pupils"):
            t[c] = t[c].astype(float).mask(hide_n)
        # a hidden row's flags are hidden with it: its school count (one school's
        # pupils?) and, where its base is hidden, whether the base is under 30
        t["n_schools"] = t["n_schools"].astype(float).mask(t["suppressed"] != "")
        t["low_base"] = t["low_base"].astype(object).mask(hide_n, "")
        t["rank"] = np.where(
            t["measure"] == "share",
            _ranks(t, [c for c in BREAKDOWN_COLUMNS if c in t.columns]),
            np.nan,
        )
        out[name] = t
    return out


# ===========================================================================
# The publication: every table of every block, protected together
# ===========================================================================

#: The breakdowns published under disclosure control: the standard ones
#: without schools (a table by school has one school per cell, below the
#: three-school rule, so all its shares would be ``u``; a school's own figures
#: are :func:`analysis.disclosure.school_view`).
PUBLISHED_BREAKDOWNS: tuple[tuple[str, ...], ...] = tuple(
    b for b in STANDARD_BREAKDOWNS if "school_id" not in b
)


#: The tables like-for-like comparisons are computed from (schools surveyed in
#: both waves): changes between waves and the cohort by wave × year group, gap
#: changes between waves by wave × year group × gender (ethnicity). They are not
#: published, but a shown like-for-like comparison together with the
#: all-schools shares says as much as they would, so the audit treats the cells
#: a shown comparison uses as published (see :func:`summary_tables`).
COMMON_COMPONENT_BREAKDOWNS: tuple[tuple[str, ...], ...] = (
    ("wave", "year_group"),
    ("wave", "year_group", "gender"),
    ("wave", "year_group", "ethnicity"),
)

#: Decimal places of published comparison columns: what a reader needs (a
#: tenth of a percentage point), not the float's 16 digits, whose exact value
#: would pin the shares behind a difference to one fraction count / base.
PUBLISHED_DECIMALS: Mapping[str, int] = {
    "estimate_pp": 1,
    "ci_low_pp": 1,
    "ci_high_pp": 1,
    "se_pp": 2,
    "t": 2,
}
#: Significant figures of published p- and q-values.
PUBLISHED_P_DIGITS = 2


def common_table_name(by: Sequence[str]) -> str:
    """The name of a like-for-like component table in a protected view."""
    return f"{' × '.join(by)} (schools in both waves)"


def _components(measure: str) -> tuple[tuple[str, ...], list[dict]]:
    for compare, pair in _GAP_GROUPS.items():
        table = ("wave", "year_group", compare)
        if measure == f"{compare}_gap":
            return table, [{compare: g} for g in pair]
        if measure == f"{compare}_gap_change_years":
            return table, [{compare: g, "year_group": y} for g in pair for y in (7, 9)]
        if measure == f"{compare}_gap_change_waves":
            return table, [{compare: g, "wave": w} for g in pair for w in (1, 2)]
    if measure == "change_waves":
        return ("wave", "year_group"), [{"wave": 1}, {"wave": 2}]
    if measure == "change_years":
        return ("wave", "year_group"), [{"year_group": 7}, {"year_group": 9}]
    if measure == "cohort":
        return ("wave", "year_group"), [{"wave": 1, "year_group": 7}, {"wave": 2, "year_group": 9}]
    raise KeyError(measure)


def _round_significant(values: np.ndarray, digits: int) -> np.ndarray:
    """``values`` to ``digits`` significant figures (NaN stays NaN)."""
    v = np.asarray(values, dtype=float)
    out = v.copy()
    ok = np.isfinite(v) & (v != 0)
    magnitude = np.floor(np.log10(np.abs(v[ok])))
    scale = 10.0 ** (digits - 1 - magnitude)
    out[ok] = np.round(v[ok] * scale) / scale
    return out


def protect_comparisons(
    comparisons: pd.DataFrame,
    protected: Mapping[tuple[str, ...], pd.DataFrame],
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Comparisons as a publication may show them, next to the protected shares.

    * A comparison is hidden (``suppressed = "c"``) when any cell it is
      computed from is suppressed: in the all-schools share table of its
      breakdown (``protected[("wave", "year_group", "gender")]`` for gender
      gaps…), or, for a like-for-like comparison (``schools == "common"``),
      in the table of the schools surveyed in both waves
      (``protected[(*breakdown, "school_set")]``, audited with the others:
      see :data:`COMMON_COMPONENT_BREAKDOWNS`). A gap shown next to one of its
      two shares would give the other back.
    * Everything about a hidden comparison is hidden with it: its estimate,
      interval, test, ``df``, ``n_schools``, ``low_base`` and flags.
    * The false discovery rate is controlled over the comparisons shown: each
      family's q-values and ``significant_fdr`` are Benjamini-Hochberg over its
      shown p-values only (a q-value over hidden tests too would give a hidden
      test's p-value away), and ``fdr_family`` counts the shown tests.
    * Numbers are rounded to what a reader needs (:data:`PUBLISHED_DECIMALS`,
      :data:`PUBLISHED_P_DIGITS`).
    * The component columns (``share_first``, ``share_second``, ``n_first``,
      ``n_second``) are dropped: for like-for-like figures they are shares of
      a subset of schools, which differencing against the all-schools shares
      would turn into counts of the others.
    """
    out = comparisons.copy()
    hidden = np.zeros(len(out), dtype=bool)
    statuses: dict[tuple, dict] = {}
    for (measure, schools), idx in out.groupby(["measure", "schools"], sort=False).groups.items():
        table_by, cells = _components(measure)
        key_by = (*table_by, "school_set") if schools == "common" else table_by
        if key_by not in statuses:
            table = protected.get(key_by)
            if table is None:
                statuses[key_by] = {}
            else:
                table = table[table["measure"] == "share"]
                statuses[key_by] = dict(
                    zip(
                        zip(
                            *(table[c].astype(object) for c in table_by), table["item"].astype(str)
                        ),
                        table["suppressed"],
                    )
                )
        status = statuses[key_by]
        for i in idx:
            row = out.loc[i]
            for cell in cells:
                key = tuple(_plain_value(cell.get(c, row.get(c))) for c in table_by)
                if status.get((*key, str(row["item"])), "missing") != "":
                    hidden[out.index.get_loc(i)] = True
                    break
    cols = [
        "estimate_pp",
        "se_pp",
        "ci_low_pp",
        "ci_high_pp",
        "t",
        "df",
        "p_value",
        "q_value",
        "n_schools",
    ]
    for c in cols:
        if c in out.columns:
            out[c] = out[c].astype(float).mask(hidden)
    out["low_base"] = out["low_base"].astype(object).mask(hidden, "")
    out["suppressed"] = np.where(hidden, disclosure.CONFIDENTIAL, out["suppressed"])
    _shown_fdr(out, hidden, alpha)
    for c, places in PUBLISHED_DECIMALS.items():
        out[c] = out[c].astype(float).round(places) + 0.0  # + 0.0: no "-0.0"
    for c in ("p_value", "q_value"):
        out[c] = _round_significant(out[c].to_numpy(dtype=float), PUBLISHED_P_DIGITS)
    return out.drop(columns=["share_first", "share_second", "n_first", "n_second"])


def _shown_fdr(out: pd.DataFrame, hidden: np.ndarray, alpha: float) -> None:
    """Benjamini-Hochberg again, per family, over the shown comparisons only."""
    family = out["fdr_family"].astype(str).to_numpy()
    q = np.full(len(out), np.nan)
    reject = np.zeros(len(out), dtype=object)
    reject[:] = ""
    words = family.astype(object).copy()
    p = out["p_value"].to_numpy(dtype=float)
    for name in pd.unique(family):
        if not name:
            continue
        idx = np.flatnonzero((family == name) & ~hidden)
        hidden_idx = np.flatnonzero((family == name) & hidden)
        if len(idx):
            q[idx], r = stats.benjamini_hochberg(p[idx], alpha)
            reject[idx] = r
        m = int(np.isfinite(p[idx]).sum()) if len(idx) else 0
        text = re.sub(r"over the \d+ ", f"over the {m} ", name, count=1)
        words[idx] = text
        words[hidden_idx] = text
    out["q_value"] = q
    out["significant_fdr"] = pd.Series(reject, index=out.index, dtype=object)
    out["fdr_family"] = pd.Series(words, index=out.index, dtype=object)


def _plain_value(v):
    if isinstance(v, (np.integer, int)) and not isinstance(v, bool):
        return int(v)
    return v


def summary_tables(
    aggregates: SurveyAggregates,
    protect: bool = True,
    rules: disclosure.DisclosureRules = disclosure.DisclosureRules(),
    breakdowns: Sequence[Sequence[str]] | None = None,
    blocks=None,
    progress=None,
    distributions: bool = True,
) -> dict[str, dict[str, pd.DataFrame]]:
    """Every table of every block, as the command line publishes them.

    Per block: ``shares`` (share, distribution and aim rows of every breakdown
    in ``breakdowns``, a ``breakdown`` column naming each) and
    ``comparisons`` (:meth:`SurveyAggregates.comparisons`). With ``protect``
    all share tables of a block are protected together
    (:func:`protect_tables`; each breakdown's margins are among the standard
    breakdowns) and comparisons by :func:`protect_comparisons`.
    ``breakdowns`` defaults to :data:`PUBLISHED_BREAKDOWNS` with ``protect``,
    :data:`STANDARD_BREAKDOWNS` without. ``blocks``: block keys to include
    (default all). ``progress(block_key)`` is called after each block.
    ``distributions=False`` leaves out the four-point code distributions and
    the qualification-aim distribution (shares agreeing stay): protecting
    distributions is exact but slow today (see bench/README.md, Disclosure).
    """
    if breakdowns is None:
        breakdowns = PUBLISHED_BREAKDOWNS if protect else STANDARD_BREAKDOWNS
    breakdowns = [tuple(b) for b in breakdowns]
    chosen = [b for b in aggregates.blocks if blocks is None or b.key in blocks]
    if protect:
        needed = {m for b in breakdowns for m in margins(b)}
        missing = sorted(needed - set(breakdowns))
        if missing:
            raise ValueError(
                f"breakdowns {missing} are margins of others and must be "
                "published (and protected) with them"
            )
    comparisons = aggregates.comparisons()
    keys = [b.key for b in chosen]
    every = {}
    for by in breakdowns:
        parts = [aggregates.shares(by, keys)]
        if distributions:
            parts.append(aggregates.distribution(by, keys))
        frame = pd.concat(parts, ignore_index=True)
        every[by] = dict(tuple(frame.groupby("block", sort=False)))
    # like-for-like comparisons are computed from the schools surveyed in both
    # waves: their tables are audited with the published ones (not published)
    common = {}
    if protect and len(aggregates.common_schools):
        for by in COMMON_COMPONENT_BREAKDOWNS:
            frame = aggregates.shares(by, keys, schools="common")
            common[by] = dict(tuple(frame.groupby("block", sort=False)))
    out = {}
    for b in chosen:
        tables = {
            by: parts[b.key].reset_index(drop=True) for by, parts in every.items() if b.key in parts
        }
        comp = [c[c["block"] == b.key] for c in comparisons]
        comp = (
            pd.concat([c for c in comp if len(c)], ignore_index=True)
            if any(len(c) for c in comp)
            else None
        )
        if protect:
            audited = {" × ".join(k) or "all pupils": v for k, v in tables.items()}
            for by, parts in common.items():
                if b.key in parts and len(parts[b.key]):
                    audited[common_table_name(by)] = (
                        parts[b.key]
                        .reset_index(drop=True)
                        .assign(school_set=disclosure.COMMON_SCHOOLS)
                    )
            named = protect_tables(audited, rules)
            tables = {k: named[" × ".join(k) or "all pupils"] for k in tables}
            if comp is not None:
                comp = protect_comparisons(
                    comp,
                    {
                        **tables,
                        **{
                            (*by, "school_set"): named[common_table_name(by)]
                            for by in common
                            if common_table_name(by) in named
                        },
                    },
                )
        shares_table = pd.concat(
            [t.assign(breakdown=" × ".join(k) or "all pupils") for k, t in tables.items()],
            ignore_index=True,
        )
        groups = [c for c in BREAKDOWN_COLUMNS if c in shares_table.columns]
        shares_table = shares_table[["breakdown", *groups, *SHARE_COLUMNS]]
        out[b.key] = {"shares": shares_table}
        if comp is not None:
            groups = [c for c in BREAKDOWN_COLUMNS if c in comp.columns]
            out[b.key]["comparisons"] = comp[
                [*groups, *[c for c in comp.columns if c not in groups]]
            ]
        if progress:
            progress(b.key)
    return out
