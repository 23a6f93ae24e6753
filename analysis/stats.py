"""Survey statistics that respect schools: shares, gaps and changes with
cluster-robust (school-level) standard errors.

Pupils are sampled in schools, and pupils of one school answer alike, so a
simple-random-sample interval is too narrow. Every estimate here is a ratio
of weighted totals, or a linear contrast of such ratios, and its variance is
estimated by linearisation with schools as primary sampling units, from
**cluster-level aggregates computed once**:

1. :func:`cluster_totals` reads the pupil table once and returns, for each
   group cell, school and item, the base ``n = Σ w`` (pupils who answered),
   the ``count = Σ w·y`` (ticked / agreed), ``sumw2 = Σ w²`` and the
   unweighted ``n_pupils``;
2. :func:`proportions`, :func:`gaps`, :func:`gap_change` and :func:`change`
   work on those totals only (a dashboard filter never goes back to pupils).

Variance of a share (Binder 1983; Wolter 2007, ch. 6). For the ratio
estimator ``p = Σ_g c_g / Σ_g n_g`` over the ``G`` schools with pupils in the
cell,

.. math::

    \\hat v(p) = \\frac{G}{G-1} \\sum_g \\frac{(c_g - p\\, n_g)^2}{(\\sum_g n_g)^2}.

Any linear contrast ``θ = Σ_j a_j p_j`` of cell shares (a gap, the change of
a gap) has per-school influence ``z_g = Σ_j a_j (c_{jg} - p_j n_{jg}) / N_j``
and ``v̂(θ) = G/(G-1) Σ_g z_g²``, ``G`` the schools with pupils in any of the
cells: cells that share schools covary through the shared ``z_g``. This is
the CR1 cluster-robust ("sandwich") variance of the OLS/WLS coefficient of a
saturated model; statsmodels' ``cov_type="cluster"`` multiplies it by a
further ``(N-1)/(N-K)`` (N pupils, K coefficients), which is 1 for a share
and negligible for school surveys. Tests use ``t`` on ``G - 1`` degrees of
freedom (Cameron & Miller 2015, §VI; Korn & Graubard 1999, §5.2).

References
----------
Binder, D. A. (1983). On the variances of asymptotically normal estimators
    from complex surveys. *International Statistical Review* 51, 279-292.
Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed. Springer.
Kish, L. (1965). *Survey Sampling*. Wiley.
Korn, E. L. & Graubard, B. I. (1998). Confidence intervals for proportions
    with small expected number of positive counts estimated from survey data.
    *Survey Methodology* 24, 193-201.
Korn, E. L. & Graubard, B. I. (1999). *Analysis of Health Surveys*. Wiley.
Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to
    cluster-robust inference. *Journal of Human Resources* 50, 317-372.
Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. *JASA* 22, 209-212.
Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate.
    *JRSS B* 57, 289-300.

Examples
--------
>>> import pandas as pd
>>> from analysis import stats
>>> pupils = pd.DataFrame({
...     "school_id": ["a", "a", "b", "b", "c", "c"],
...     "gender": ["boy", "girl", "boy", "girl", "boy", "girl"],
...     "club_science": [1, 0, 1, 1, 0, 0]})
>>> totals = stats.cluster_totals(pupils, ["club_science"], by=["gender"])
>>> stats.proportions(totals, by=["gender"])[["gender", "n", "count", "share"]]
  gender    n  count     share
0    boy  3.0    2.0  0.666667
1   girl  3.0    1.0  0.333333
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

# the t and normal distributions straight from scipy.special (what scipy.stats' t and
# norm call inside): scipy.stats itself costs a published kernel about 50 MiB
from scipy import special as _special

from . import schema

TOTAL_COLUMNS: tuple[str, ...] = ("n", "count", "sumw2", "n_pupils")

# Slots of the per-cell answer distribution in cluster_totals: codes 0..4 of
# the binary and agreement scales, then one slot for a missing answer.
_MISSING_SLOT = 5
_SLOTS = 6


# ---------------------------------------------------------------------------
# grouping helpers


def _group_codes(
    frame: pd.DataFrame, columns: Sequence[str], keep_order: Sequence[str] = ()
) -> tuple[np.ndarray, pd.DataFrame]:
    """One integer per row naming its combination of ``columns``.

    Returns ``(codes, keys)``: ``codes[i]`` is the row of ``keys`` (one row per
    combination present, sorted by the columns in turn) that row ``i`` belongs
    to, or -1 when any of its grouping values is missing. Columns in
    ``keep_order`` keep their order of first appearance instead of sorting.
    """
    columns = list(columns)
    if not columns:
        return np.zeros(len(frame), dtype=np.int64), pd.DataFrame(index=range(1))
    codes, uniques = [], []
    for c in columns:
        f, u = pd.factorize(frame[c], sort=c not in keep_order)
        codes.append(f)
        uniques.append(u)
    sizes = [max(len(u), 1) for u in uniques]
    ok = np.ones(len(frame), dtype=bool)
    for f in codes:
        ok &= f >= 0
    flat = np.ravel_multi_index([np.where(ok, f, 0) for f in codes], sizes)
    present, inverse = np.unique(flat[ok], return_inverse=True)
    out = np.full(len(frame), -1, dtype=np.int64)
    out[ok] = inverse
    parts = np.unravel_index(present, sizes)
    keys = pd.DataFrame({c: u.take(p) for c, u, p in zip(columns, uniques, parts)})
    for c in columns:  # keep each column's dtype (Int8 years, categorical gender)
        if isinstance(frame[c].dtype, pd.CategoricalDtype):
            keys[c] = pd.Categorical(keys[c], dtype=frame[c].dtype)
        else:
            keys[c] = keys[c].astype(frame[c].dtype)
    return out, keys


def _rows(mask: np.ndarray, first: int = 5) -> str:
    """1-based row numbers as a spreadsheet shows them, the first few."""
    where = np.flatnonzero(mask)
    shown = ", ".join(str(i + 1) for i in where[:first])
    more = f" and {len(where) - first} more" if len(where) > first else ""
    return f"row{'s' if len(where) > 1 else ''} {shown}{more}"


# ---------------------------------------------------------------------------
# cluster totals


def _bad_codes(table: pd.DataFrame, column: str) -> ValueError:
    """The error for answers outside the item's scale, naming the rows."""
    valid = sorted(schema.scale_codes(schema.item(column).scale))
    values = table[column].to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isnan(values) & ~np.isin(values, valid)
    return ValueError(
        f"column '{column}', {_rows(bad)}: answers must be codes {valid} or empty. "
        "Load the file with analysis.load so codes are checked and recoded."
    )


def _answer_codes(table: pd.DataFrame, column: str) -> np.ndarray:
    """Codes 0..4 as int16, missing as ``_MISSING_SLOT``; refuses other values."""
    series = table[column]
    missing = series.isna().to_numpy()
    if not (
        pd.api.types.is_integer_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype)
    ):
        as_float = series.to_numpy(dtype="float64", na_value=np.nan)
        if (~missing & ((as_float != np.round(as_float)) | (as_float < 0) | (as_float > 4))).any():
            raise _bad_codes(table, column)
    codes = series.to_numpy(dtype="int16", na_value=_MISSING_SLOT)
    if (
        codes.min(initial=0) < 0
        or codes.max(initial=0) > _MISSING_SLOT
        or (np.count_nonzero(codes == _MISSING_SLOT) != np.count_nonzero(missing))
    ):
        raise _bad_codes(table, column)
    return codes


def survey_weights(table: pd.DataFrame, weight: str) -> np.ndarray:
    """The ``weight`` column as float64, refusing a missing, infinite or negative weight.

    Raises
    ------
    ValueError
        naming the column and the first rows, and what to do.
    """
    w = table[weight].to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        empty = np.isnan(w)
        if empty.all() or not empty[bad].all():
            raise ValueError(
                f"column '{weight}', {_rows(bad)}: a survey weight must be a "
                "number of 0 or more. Fill in or correct these weights, or "
                "drop the weight column to analyse unweighted."
            )
        raise ValueError(
            f"column '{weight}' is empty for {int(empty.sum()):,} of {len(w):,} "
            f"pupils ({_rows(bad)} of the table): a survey weight is needed for "
            "every pupil. When several files were read, one of them may have no "
            "weight column: add weights to every file (1 for every pupil of a "
            "self-weighting sample), or remove the column to analyse unweighted."
        )
    return w


def cluster_totals(
    table: pd.DataFrame,
    items: Sequence[str],
    by: Sequence[str] = (),
    cluster: str = "school_id",
    weight: str | None = None,
) -> pd.DataFrame:
    """Per group cell, school and item: weighted base and count of "yes"/"agree".

    The one pass over pupil rows; every estimate in this module is computed
    from its result. For cell ``h``, school ``g``, item ``k`` and pupil
    weights ``w_i`` (1 without weights), over pupils who answered ``k``:

    * ``n = Σ w_i`` (the base),
    * ``count = Σ w_i y_ik`` with ``y = 1`` for a tick on a binary item and
      for 3 (agree) or 4 (strongly agree) on an agreement item
      (``schema.positive_codes``),
    * ``sumw2 = Σ w_i²`` (for Kish's effective sample size ``(Σw)²/Σw²``),
    * ``n_pupils``: the number of those pupils (unweighted).

    Parameters
    ----------
    table : DataFrame
        Validated survey table in the contract layout (one row per pupil).
    items : sequence of str
        Binary or agreement item columns, e.g. ``schema.block("enjoy").columns``.
        Columns absent from ``table`` are skipped (blocks a file lacks).
    by : sequence of str
        Grouping columns (``wave``, ``year_group``, ``gender``…). Pupils with a
        missing group value, school or weight are left out of this breakdown.
    cluster : str
        The column naming the primary sampling unit, the school.
    weight : str or None
        Column of survey weights; ``None`` means every pupil weighs 1. It is
        not picked up implicitly: pass ``weight="weight"`` to use the
        contract's weight column.

    Returns
    -------
    DataFrame
        Long: ``[*by, cluster, "item", "n", "count", "sumw2", "n_pupils"]``,
        one row per (group cell with pupils, school, item), cells sorted by
        ``by`` then school, items in the order given. A school whose pupils
        in the cell all left an item blank has a row with ``n = 0``.

    Raises
    ------
    ValueError
        An item is categorical, a code is outside its scale, or a weight is
        negative or not a number; the message names the column and rows.

    Notes
    -----
    Melt-free: rows get one integer per (cell, school) once; each item then
    costs one ``numpy.bincount`` of ``6·cell + code`` (three with weights),
    giving the cell's distribution over codes 0-4 and "missing", from which
    ``n`` and ``count`` follow. About 0.3 s per breakdown for 10⁶ pupils × 94
    items (see ``bench/bench_stats.py``).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"school_id": ["a", "a", "b"], "wave": [1, 1, 1],
    ...                   "enjoy_maths": [4, 2, None]})
    >>> cluster_totals(t, ["enjoy_maths"], by=["wave"])
       wave school_id         item    n  count  sumw2  n_pupils
    0     1         a  enjoy_maths  2.0    1.0    2.0         2
    1     1         b  enjoy_maths  0.0    0.0    0.0         0
    """
    by = list(by)
    if cluster in by:
        raise ValueError(f"'{cluster}' is the cluster column; leave it out of by={by}")
    missing_cols = [c for c in [*by, cluster] if c not in table.columns]
    if missing_cols:
        raise ValueError(
            f"the table has no column(s) {missing_cols}; columns are {list(table.columns)[:12]}…"
        )
    columns = [c for c in dict.fromkeys(items) if c in table.columns]
    for c in columns:
        if schema.item(c).scale == "categorical":
            raise ValueError(
                f"'{c}' is categorical: use a distribution of its answers, not a share"
            )

    cell, keys = _group_codes(table, [*by, cluster])
    if weight is not None:
        w = survey_weights(table, weight)
    n_cells = len(keys)
    # rows outside the breakdown go to an extra cell, dropped afterwards
    base = np.where(cell >= 0, cell, n_cells) * _SLOTS
    size = (n_cells + 1) * _SLOTS

    n = np.empty((n_cells, len(columns)))
    count = np.empty_like(n)
    sumw2 = np.empty_like(n)
    n_pupils = np.empty((n_cells, len(columns)), dtype=np.int64)
    for k, column in enumerate(columns):
        it = schema.item(column)
        idx = base + _answer_codes(table, column)
        dist = np.bincount(idx, minlength=size).reshape(-1, _SLOTS)[:n_cells]
        valid = list(schema.scale_codes(it.scale))
        invalid = [s for s in range(5) if s not in valid]
        if invalid and dist[:, invalid].any():
            raise _bad_codes(table, column)
        positive = list(schema.positive_codes(it.scale))
        n_pupils[:, k] = dist[:, valid].sum(axis=1)
        if weight is None:
            n[:, k] = n_pupils[:, k]
            count[:, k] = dist[:, positive].sum(axis=1)
            sumw2[:, k] = n_pupils[:, k]
        else:
            wdist = np.bincount(idx, weights=w, minlength=size).reshape(-1, _SLOTS)[:n_cells]
            w2dist = np.bincount(idx, weights=w * w, minlength=size).reshape(-1, _SLOTS)[:n_cells]
            n[:, k] = wdist[:, valid].sum(axis=1)
            count[:, k] = wdist[:, positive].sum(axis=1)
            sumw2[:, k] = w2dist[:, valid].sum(axis=1)

    out = keys.loc[np.repeat(np.arange(n_cells), len(columns))].reset_index(drop=True)
    out["item"] = pd.array(np.tile(np.asarray(columns, dtype=object), n_cells), dtype="string")
    out["n"] = n.ravel()
    out["count"] = count.ravel()
    out["sumw2"] = sumw2.ravel()
    out["n_pupils"] = n_pupils.ravel()
    return out


# ---------------------------------------------------------------------------
# the contrast engine


def _require(totals: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in totals.columns]
    if missing:
        raise ValueError(
            f"the totals have no column(s) {missing}: compute them with "
            f"cluster_totals(table, items, by=[...]) with {missing} in by "
            "(and cluster= the school column)"
        )


def _contrast(
    totals: pd.DataFrame,
    keys: Sequence[str],
    terms: Sequence[tuple[float, Mapping]],
    cluster: str,
    common: tuple[str, Sequence] | None = None,
):
    """Estimate ``Σ_j a_j p_j`` per cell of ``keys`` with its CR variance.

    ``terms`` are ``(a_j, {column: value, ...})``: the rows of ``totals`` that
    make up cell share ``p_j``. ``common=(column, levels)`` keeps, per cell
    of ``keys``, only schools with pupils at every level of ``column``.

    Returns ``(keys_frame, per_term, estimate, variance, n_schools)`` with
    ``per_term`` a dict of ``(cells × terms)`` arrays ``n, count, n_pupils,
    sumw2, share``.
    """
    keys = list(keys)
    _require(totals, [*keys, cluster, *TOTAL_COLUMNS, *{c for _, cond in terms for c in cond}])
    known = schema.groups()
    for _, cond in terms:
        for c, v in cond.items():
            if c in known and v not in known[c].values:
                raise ValueError(
                    f"{c} = {v!r} is not a group of the survey; {c} is one of "
                    f"{list(known[c].values)}"
                )
    term = np.full(len(totals), -1, dtype=np.int64)
    for j, (_, cond) in enumerate(terms):
        mask = np.ones(len(totals), dtype=bool)
        for c, v in cond.items():
            mask &= (totals[c] == v).fillna(False).to_numpy(dtype=bool)
        term[mask & (term < 0)] = j
    kid, key_frame = _group_codes(totals, keys, keep_order=["item"])
    cid, _ = _group_codes(totals, [cluster])
    use = (term >= 0) & (kid >= 0) & (cid >= 0)
    K, T = len(key_frame), len(terms)
    # Segment sums over the (cell, school) pairs present, never a cells ×
    # terms × schools array: ``pair`` numbers each (cell of keys, school) with
    # rows, ``kt`` each (cell, term).
    kid, term, cid = kid[use], term[use], cid[use]
    values = {c: totals[c].to_numpy(dtype="float64")[use] for c in TOTAL_COLUMNS}
    C = int(cid.max(initial=-1)) + 1
    pairs, pair = np.unique(kid * max(C, 1) + cid, return_inverse=True)
    pair_key = pairs // max(C, 1)
    P = len(pairs)
    n_row = values["n"]
    if common is not None:
        column, levels = common
        keep = np.ones(P, dtype=bool)
        for lv in levels:
            at = np.array([cond.get(column) == lv for _, cond in terms])
            keep &= np.bincount(pair, weights=np.where(at[term], n_row, 0.0), minlength=P) > 0
        keep_row = keep[pair]
        values = {c: np.where(keep_row, v, 0.0) for c, v in values.items()}
        n_row = values["n"]
    kt = kid * T + term

    def cell_sum(v: np.ndarray) -> np.ndarray:
        return np.bincount(kt, weights=v, minlength=K * T).reshape(K, T)

    N, count, sumw2, n_pupils = (cell_sum(values[c]) for c in TOTAL_COLUMNS)
    a = np.array([t[0] for t in terms], dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        share = count / np.where(N > 0, N, np.nan)
        p_row, N_row = share.ravel()[kt], N.ravel()[kt]
        influence = a[term] * (values["count"] - p_row * n_row) / N_row
        influence = np.where(np.isnan(influence), 0.0, influence)  # nansum over terms
        z = np.bincount(pair, weights=influence, minlength=P)  # each school's influence on θ
        in_cell = np.bincount(pair, weights=n_row, minlength=P) > 0
        schools = np.bincount(pair_key[in_cell], minlength=K)
        variance = np.where(
            schools >= 2,
            schools / (schools - 1.0) * np.bincount(pair_key, weights=z**2, minlength=K),
            np.nan,
        )
    estimate = (a[None, :] * share).sum(axis=1)  # NaN when a cell has no pupils
    variance = np.where(np.isnan(estimate), np.nan, variance)
    per_term = {"n": N, "count": count, "n_pupils": n_pupils, "sumw2": sumw2, "share": share}
    return key_frame, per_term, estimate, variance, schools


def _t_test(
    frame: pd.DataFrame,
    estimate: np.ndarray,
    variance: np.ndarray,
    schools: np.ndarray,
    alpha: float,
    name: str,
) -> pd.DataFrame:
    """Add ``<name>_pp, se_pp, t, df, p_value, ci_low_pp, ci_high_pp`` (t on G-1 df)."""
    se = np.sqrt(variance)
    df = np.where((schools >= 2) & ~np.isnan(estimate), schools - 1.0, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = estimate / se
    p = 2 * _special.stdtr(df, -np.abs(t))
    q = _special.stdtrit(df, 1 - alpha / 2)
    frame[f"{name}_pp"] = 100 * estimate
    frame["se_pp"] = 100 * se
    frame["t"] = t
    frame["df"] = df
    frame["p_value"] = p
    frame["ci_low_pp"] = 100 * (estimate - q * se)
    frame["ci_high_pp"] = 100 * (estimate + q * se)
    frame["n_schools"] = schools.astype(np.int64)
    return frame


def _add_fdr(frame: pd.DataFrame, alpha: float) -> pd.DataFrame:
    q, reject = benjamini_hochberg(frame["p_value"].to_numpy(), alpha=alpha)
    frame["q_value"] = q
    frame["significant_fdr"] = reject
    return frame


def _remaining(by: Sequence[str], *drop: str) -> list[str]:
    return [c for c in by if c not in drop]


# ---------------------------------------------------------------------------
# shares


def normal_quantile(q: float) -> float:
    """The standard normal quantile (``scipy.stats.norm.ppf``).

    >>> round(normal_quantile(0.975), 4)
    1.96
    """
    return float(_special.ndtri(q))


def wilson_interval(share, n_eff, quantile):
    """Wilson (1927) score interval for a share on an effective sample size.

    .. math::

        \\frac{p + q^2/(2n)}{1 + q^2/n} \\pm
        \\frac{q}{1 + q^2/n}\\sqrt{\\frac{p(1-p)}{n} + \\frac{q^2}{4n^2}}

    with ``q`` the normal or t quantile and ``n`` the effective sample size.
    Unlike the Wald interval ``p ± q·se`` it stays inside [0, 1] and has
    width > 0 when ``p`` is 0 or 1. Arrays broadcast.

    Returns
    -------
    (low, high) : arrays
    """
    p = np.asarray(share, dtype="float64")
    n = np.asarray(n_eff, dtype="float64")
    q = np.asarray(quantile, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        q2 = q**2  # once (the same numbers as squaring it in each term)
        denom = 1 + q2 / n
        centre = (p + q2 / (2 * n)) / denom
        half = q / denom * np.sqrt(p * (1 - p) / n + q2 / (4 * n**2))
    low = np.where(p == 0, 0.0, np.clip(centre - half, 0, 1))  # exact at the edges,
    high = np.where(p == 1, 1.0, np.clip(centre + half, 0, 1))  # not 1e-17 off
    return low, high


def proportions(
    totals: pd.DataFrame, by: Sequence[str] = (), alpha: float = 0.05, cluster: str = "school_id"
) -> pd.DataFrame:
    """Share per group and item with a school-clustered standard error and interval.

    Parameters
    ----------
    totals : DataFrame
        From :func:`cluster_totals`; it may be broken down further than ``by``
        (rows are summed within school first).
    by : sequence of str
        Grouping columns of the result.
    alpha : float
        1 - confidence level of the interval.
    cluster : str
        The school column of ``totals``.

    Returns
    -------
    DataFrame
        One row per ``(*by, item)``:

        ``n``, ``count``, ``share``
            weighted base, weighted count, ``share = count / n``;
        ``n_pupils``
            unweighted base (equal to ``n`` without weights);
        ``se``
            ``√v̂`` with ``v̂ = G/(G-1) Σ_g (c_g - p n_g)² / n²`` (module
            notes); NaN with fewer than two schools;
        ``deff``
            design effect ``v̂ / (p(1-p)/n_pupils)`` (Kish 1965): clustering
            and weighting together. **NaN** when undefined: one school, or a
            share of exactly 0 or 1;
        ``n_eff``
            effective sample size ``min(n_pupils, n_pupils / deff)``, i.e.
            the design effect truncated below at 1 (Korn & Graubard 1998);
            when ``deff`` is undefined, Kish's weighting-only ``n²/sumw2``
            (``n_pupils`` without weights);
        ``n_schools``, ``df``
            schools with pupils in the cell, ``G``; ``df = G - 1``;
        ``ci_low``, ``ci_high``
            Wilson (1927) interval computed on ``n_eff`` with the
            ``t_{G-1}`` quantile in place of ``z`` (Korn & Graubard 1998):
            it stays inside [0, 1] and keeps a width at shares of 0 or 1,
            where a Wald interval collapses. With one school there is no
            between-school variance to estimate: the interval is then the
            plain Wilson interval on ``n_eff`` with the normal quantile, an
            interval for that school's pupils only.

        A cell whose pupils all left an item blank has ``n = 0`` and NaN
        share, se and interval.

    Examples
    --------
    >>> import pandas as pd
    >>> totals = pd.DataFrame({"school_id": ["a", "b", "c"], "item": "club_maths",
    ...     "n": [10.0, 10.0, 20.0], "count": [2.0, 4.0, 4.0],
    ...     "sumw2": [10.0, 10.0, 20.0], "n_pupils": [10, 10, 20]})
    >>> r = proportions(totals)

    p = 10/40; residuals c_g - p n_g = -0.5, 1.5, -1; v = 3/2 · 3.5 / 40²:

    >>> float(r.share[0]), round(float(r.se[0]), 4)
    (0.25, 0.0573)
    """
    by = list(by)
    keys, cell, estimate, variance, schools = _contrast(totals, [*by, "item"], [(1.0, {})], cluster)
    return _share_table(
        keys,
        cell["n"][:, 0],
        cell["n_pupils"][:, 0],
        cell["count"][:, 0],
        cell["sumw2"][:, 0],
        estimate,
        variance,
        schools,
        alpha,
    )


def _share_table(
    keys: pd.DataFrame, n, n_pupils, count, sumw2, share, variance, schools, alpha: float
) -> pd.DataFrame:
    """The result of :func:`proportions` from per-cell totals, ``share = count / n``,
    its cluster-robust ``variance`` and ``schools`` (G); one row per row of ``keys``."""
    # one frame from a dict: inserting twelve columns one by one costs more
    # than the arithmetic on small tables
    return pd.DataFrame(
        {
            **{c: keys[c] for c in keys.columns},
            **_share_columns(n, n_pupils, count, sumw2, share, variance, schools, alpha),
        },
        index=keys.index,
    )


def _share_columns(
    n, n_pupils, count, sumw2, share, variance, schools, alpha: float
) -> dict[str, np.ndarray]:
    """The columns of :func:`_share_table` after the keys, as arrays."""
    p = share
    several = schools >= 2
    z = normal_quantile(1 - alpha / 2)
    if not several.any():
        # one school a group (tables by school, millions of rows): no design effect,
        # n_eff = n²/Σw², the normal quantile; what the general formulas give there
        with np.errstate(invalid="ignore", divide="ignore"):
            deff = np.full(np.shape(p), np.nan)
            n_eff = np.where(n > 0, n**2 / sumw2, np.nan)
        df = np.full(np.shape(p), np.nan)
        quantile = z
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            srs_variance = p * (1 - p) / n_pupils
            deff = np.where(several & (p > 0) & (p < 1), variance / srs_variance, np.nan)
            n_eff = np.where(np.isnan(deff), n**2 / sumw2, np.minimum(n_pupils, n_pupils / deff))
            n_eff = np.where(n > 0, n_eff, np.nan)
        df = np.where(several, schools - 1.0, np.nan)
        # the t quantile once per distinct number of schools, not once per cell
        quantile = np.full(np.shape(df), z)
        distinct, which = np.unique(df[several], return_inverse=True)
        quantile[several] = _special.stdtrit(distinct, 1 - alpha / 2)[which]
    low, high = wilson_interval(p, n_eff, quantile)
    return {
        "n": n,
        "n_pupils": n_pupils.astype(np.int64),
        "count": count,
        "share": p,
        "se": np.sqrt(variance),
        "deff": deff,
        "n_eff": n_eff,
        "n_schools": schools.astype(np.int64),
        "df": df,
        "ci_low": low,
        "ci_high": high,
    }


# ---------------------------------------------------------------------------
# gaps and changes


def gaps(
    totals: pd.DataFrame,
    by: Sequence[str] = (),
    compare: str = "gender",
    first: object = "boy",
    second: object = "girl",
    alpha: float = 0.05,
    fdr: bool = False,
    cluster: str = "school_id",
) -> pd.DataFrame:
    """Gap between two groups' shares, ``first - second``, per item and group.

    ``gap = p_first - p_second`` with the cluster-robust variance of the
    contrast (module notes): schools that teach both groups contribute one
    influence ``z_g = (c_1g - p_1 n_1g)/N_1 - (c_2g - p_2 n_2g)/N_2``, so the
    covariance of the two shares through shared schools is included;
    ``v̂ = G/(G-1) Σ_g z_g²``, G the schools with pupils in either group.
    Equal to the CR1 standard error of the group-dummy coefficient in an
    OLS (WLS with weights) of the 0/1 answer on the dummy, without
    statsmodels' extra ``(N-1)/(N-2)`` factor. Test: ``t = gap / se`` on
    ``G - 1`` df; interval ``gap ± t_{G-1, 1-α/2} · se`` (Wald).

    Parameters
    ----------
    totals : DataFrame from :func:`cluster_totals`, broken down by ``compare``
        and every column of ``by``.
    by : grouping columns of the result (``compare`` is dropped from it).
    compare : the column whose groups are compared: ``gender`` or ``ethnicity``.
    first, second : the two values of ``compare`` (``"boy"`` and ``"girl"``;
        ``"other_ethnic_group"`` and ``"white_british"``).
    alpha : 1 - confidence level; also the FDR level when ``fdr``.
    fdr : add ``q_value`` (Benjamini-Hochberg) and ``significant_fdr``
        (q ≤ alpha) over all rows of the returned table, the family of tests
        a reader looks at together.
    cluster : the school column.

    Returns
    -------
    DataFrame
        One row per ``(*by, item)``: ``first``, ``second`` (the values
        compared), ``n_first``, ``n_second`` (weighted bases),
        ``n_pupils_first``, ``n_pupils_second``, ``share_first``,
        ``share_second`` (0-1), ``gap_pp``, ``se_pp``, ``ci_low_pp``,
        ``ci_high_pp`` (percentage points), ``t``, ``df``, ``p_value``,
        ``n_schools``. With fewer than two schools, or a group without
        pupils, the test columns are NaN.
    """
    by = _remaining(by, compare)
    keys, cell, estimate, variance, schools = _contrast(
        totals, [*by, "item"], [(1.0, {compare: first}), (-1.0, {compare: second})], cluster
    )
    out = keys.copy()
    out["first"] = first
    out["second"] = second
    for j, role in enumerate(("first", "second")):
        out[f"n_{role}"] = cell["n"][:, j]
    for j, role in enumerate(("first", "second")):
        out[f"n_pupils_{role}"] = cell["n_pupils"][:, j].astype(np.int64)
    for j, role in enumerate(("first", "second")):
        out[f"share_{role}"] = cell["share"][:, j]
    out = _t_test(out, estimate, variance, schools, alpha, "gap")
    return _add_fdr(out, alpha) if fdr else out


def gap_change(
    totals: pd.DataFrame,
    by: Sequence[str] = (),
    compare: str = "gender",
    first: object = "boy",
    second: object = "girl",
    across: str = "year_group",
    levels: tuple = (7, 9),
    alpha: float = 0.05,
    schools: Literal["all", "common"] = "all",
    fdr: bool = False,
    cluster: str = "school_id",
) -> pd.DataFrame:
    """Change of a gap between two levels (difference in differences).

    ``Δ = (p_{first,L2} - p_{second,L2}) - (p_{first,L1} - p_{second,L1})``
    with ``(L1, L2) = levels`` (year 7 → 9, or wave 1 → 2): does the gender
    gap widen? The variance is the cluster-robust variance of this four-cell
    contrast (module notes), so the year groups or waves of one school
    covary through that school. Equal to the CR1 standard error of the
    interaction coefficient in OLS of the 0/1 answer on group × level,
    without statsmodels' ``(N-1)/(N-4)``. ``t`` on ``G - 1`` df.

    Parameters
    ----------
    totals : from :func:`cluster_totals`, broken down by ``compare``,
        ``across`` and ``by``.
    by, compare, first, second, alpha, fdr, cluster : as in :func:`gaps`
        (``fdr`` adds ``q_value`` and ``significant_fdr`` over the rows of
        the returned table).
    across : the column whose two levels are compared.
    levels : ``(from, to)`` values of ``across``.
    schools : ``"all"`` uses every school; ``"common"`` only schools with
        pupils (in either group) at both levels of the cell, like for like.

    Returns
    -------
    DataFrame
        One row per ``(*by, item)``: ``first``, ``second``, ``across``,
        ``from_level``, ``to_level``, ``schools``; ``gap_from_pp``,
        ``gap_to_pp``; bases ``n_<first|second>_<from|to>`` (weighted);
        ``gap_change_pp``, ``se_pp``, ``ci_low_pp``, ``ci_high_pp``
        (percentage points), ``t``, ``df``, ``p_value``, ``n_schools``.
    """
    _check_schools(schools)
    by = _remaining(by, compare, across)
    lo, hi = levels
    terms = [
        (-1.0, {compare: first, across: lo}),
        (1.0, {compare: second, across: lo}),
        (1.0, {compare: first, across: hi}),
        (-1.0, {compare: second, across: hi}),
    ]
    keys, cell, estimate, variance, n_schools = _contrast(
        totals,
        [*by, "item"],
        terms,
        cluster,
        common=(across, levels) if schools == "common" else None,
    )
    out = keys.copy()
    out["first"], out["second"] = first, second
    out["across"], out["from_level"], out["to_level"] = across, lo, hi
    out["schools"] = schools
    s = cell["share"]
    out["gap_from_pp"] = 100 * (s[:, 0] - s[:, 1])
    out["gap_to_pp"] = 100 * (s[:, 2] - s[:, 3])
    for j, name in enumerate(("first_from", "second_from", "first_to", "second_to")):
        out[f"n_{name}"] = cell["n"][:, j]
    out = _t_test(out, estimate, variance, n_schools, alpha, "gap_change")
    return _add_fdr(out, alpha) if fdr else out


def _check_schools(schools: str) -> None:
    if schools not in ("all", "common"):
        raise ValueError(
            f"schools={schools!r}: use 'all' (every school) or 'common' "
            "(only schools present at both levels)"
        )


def change(
    totals: pd.DataFrame,
    by: Sequence[str] = (),
    across: str = "wave",
    levels: tuple = (1, 2),
    schools: Literal["all", "common"] = "all",
    alpha: float = 0.05,
    fdr: bool = False,
    cluster: str = "school_id",
) -> pd.DataFrame:
    """Change of a share between two levels: ``p_to - p_from``.

    Between waves (``across="wave"``, 2008 → 2010) or year groups
    (``across="year_group"``, 7 → 9). Schools present at both levels
    contribute one influence ``z_g = (c_2g - p_2 n_2g)/N_2 - (c_1g - p_1
    n_1g)/N_1``, so the covariance between the levels through shared
    schools is used; ``v̂ = G/(G-1) Σ_g z_g²``; ``t`` on ``G - 1`` df.

    Parameters
    ----------
    totals : from :func:`cluster_totals`, broken down by ``across`` and ``by``.
    by : grouping columns of the result (``across`` is dropped from it).
    across : the column whose levels are compared.
    levels : ``(from, to)``.
    schools : ``"all"``: every school at either level (wave 2 surveyed 19 of
        the 27 wave-1 schools); ``"common"``: like for like, only schools
        with pupils at both levels in the cell (and item). The result's
        ``schools`` column says which was used.
    alpha, fdr, cluster : as in :func:`gaps`.

    Returns
    -------
    DataFrame
        One row per ``(*by, item)``: ``across``, ``from_level``,
        ``to_level``, ``schools``, ``n_from``, ``n_to`` (weighted bases),
        ``share_from``, ``share_to`` (0-1), ``change_pp``, ``se_pp``,
        ``ci_low_pp``, ``ci_high_pp`` (percentage points), ``t``, ``df``,
        ``p_value``, ``n_schools``.
    """
    _check_schools(schools)
    by = _remaining(by, across)
    lo, hi = levels
    keys, cell, estimate, variance, n_schools = _contrast(
        totals,
        [*by, "item"],
        [(-1.0, {across: lo}), (1.0, {across: hi})],
        cluster,
        common=(across, levels) if schools == "common" else None,
    )
    out = keys.copy()
    out["across"], out["from_level"], out["to_level"] = across, lo, hi
    out["schools"] = schools
    out["n_from"], out["n_to"] = cell["n"][:, 0], cell["n"][:, 1]
    out["share_from"], out["share_to"] = cell["share"][:, 0], cell["share"][:, 1]
    out = _t_test(out, estimate, variance, n_schools, alpha, "change")
    return _add_fdr(out, alpha) if fdr else out


# ---------------------------------------------------------------------------
# multiple testing and intraclass correlation


def benjamini_hochberg(pvalues, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg (1995) q-values and rejections at false discovery rate ``alpha``.

    With ``m`` p-values sorted ``p_(1) ≤ … ≤ p_(m)``,
    ``q_(i) = min_{j ≥ i} min(1, m p_(j) / j)``; reject where ``q ≤ alpha``.
    Missing p-values (NaN) are left out of ``m`` and get ``q = NaN``,
    ``reject = False``.

    Returns
    -------
    (qvalues, reject) : float array and bool array, in the input order.

    Examples
    --------
    >>> q, r = benjamini_hochberg([0.01, 0.04, 0.03, 0.5])
    >>> q.round(3).tolist(), r.tolist()
    ([0.04, 0.053, 0.053, 0.5], [True, False, False, False])
    """
    p = np.asarray(pvalues, dtype="float64")
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m:
        pv = p[ok]
        order = np.argsort(pv, kind="stable")
        scaled = pv[order] * m / np.arange(1, m + 1)
        monotone = np.minimum.accumulate(scaled[::-1])[::-1]
        qv = np.empty(m)
        qv[order] = np.minimum(monotone, 1.0)
        q[ok] = qv
    reject = np.zeros(p.shape, dtype=bool)
    reject[ok] = q[ok] <= alpha
    return q, reject


def icc_anova(y, cluster) -> float:
    """One-way ANOVA intraclass correlation, ICC(1).

    .. math::

        \\rho = \\frac{MSB - MSW}{MSB + (n_0 - 1) MSW}, \\quad
        n_0 = \\frac{N - \\sum_g n_g^2 / N}{G - 1}

    with ``MSB = Σ_g n_g (ȳ_g - ȳ)² / (G-1)`` and
    ``MSW = Σ_g Σ_i (y_gi - ȳ_g)² / (N-G)`` (Donner 1986; Snijders & Bosker
    2012, §3.3). For a 0/1 answer it is the correlation between two pupils
    of one school; the design effect of a cluster of size ``m`` is about
    ``1 + (m - 1) ρ``. Pupils with a missing ``y`` or cluster are left out.
    The estimate can be slightly negative when schools differ less than
    chance would make them.

    Parameters
    ----------
    y : array-like of numbers
    cluster : array-like of school labels, same length

    Returns
    -------
    float
        NaN with fewer than two schools or no within-school replication.

    References
    ----------
    Donner, A. (1986). A review of inference procedures for the intraclass
        correlation coefficient in the one-way random effects model.
        *International Statistical Review* 54, 67-82.
    Snijders, T. & Bosker, R. (2012). *Multilevel Analysis*, 2nd ed. Sage.

    Examples
    --------
    School means 1, 0, ½ around ½: MSB = 2·(¼ + ¼ + 0)/2 = ½, MSW = ½/3,
    n₀ = 2, so ρ = (½ - ⅙)/(½ + ⅙) = ½.

    >>> round(icc_anova([1, 1, 0, 0, 0, 1], ["a", "a", "b", "b", "c", "c"]), 4)
    0.5
    """
    y = pd.Series(np.asarray(y, dtype="float64"))
    g = pd.Series(np.asarray(cluster, dtype=object))
    keep = y.notna().to_numpy() & g.notna().to_numpy()
    y, g = y[keep].to_numpy(), g[keep].to_numpy()
    codes, _ = pd.factorize(g)
    G, N = int(codes.max(initial=-1)) + 1, len(y)
    if G < 2 or N <= G:
        return float("nan")
    n_g = np.bincount(codes, minlength=G).astype("float64")
    mean_g = np.bincount(codes, weights=y, minlength=G) / n_g
    grand = y.mean()
    ssb = float((n_g * (mean_g - grand) ** 2).sum())
    ssw = float(((y - mean_g[codes]) ** 2).sum())
    msb, msw = ssb / (G - 1), ssw / (N - G)
    n0 = (N - (n_g**2).sum() / N) / (G - 1)
    denom = msb + (n0 - 1) * msw
    return float((msb - msw) / denom) if denom > 0 else float("nan")
