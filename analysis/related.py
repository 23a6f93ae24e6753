"""Items related to each other: one item's share by another item's answer.

"Do pupils who enjoy science consider a science career more?" For an item
(binary or agreement: the share ticking it, or agreeing) and another item
(any scale), :func:`related` gives the item's share among the pupils who gave
each answer to the other, with school-clustered intervals
(:func:`analysis.stats.proportions`, the one way shares are computed), and a
design-based test that the share is the same whatever the other answer:

**Rao-Scott first-order corrected chi-square** (Rao & Scott 1981, 1984). With
``c`` answers of the other item, ``p_j`` the share in answer ``j``, ``n_j`` its
base, ``p̄`` the share overall, Pearson's ``X² = Σ_j n_j (p_j − p̄)² / (p̄(1 − p̄))``
(the 2 × c table, unweighted counts when there are no weights). For the
``c − 1`` contrasts ``θ_j = p_j − p_c``:

* ``V_des``: their school-clustered covariance, ``G/(G−1) Σ_g z_g z_gᵀ`` with
  ``z_{g,j} = (count_{gj} − p_j n_{gj}) / n_j`` (CR1, as :mod:`analysis.stats`);
* ``V_srs = p̄(1 − p̄) C diag(1/n_j) Cᵀ``: their variance under simple random
  sampling and no relation;
* the mean generalised design effect ``δ̄ = tr(V_srs⁻¹ V_des) / (c − 1)``;
* ``X²_RS = X² / δ̄``, referred as ``F = X²_RS / (c − 1)`` to
  ``F(c − 1, (c − 1)(G − 1))``
  (the small-number-of-schools form, as in R's ``survey::svychisq``
  ``statistic = "F"`` up to its second-order terms).

For two answers (a 2 × 2 table) ``X²_RS`` is the square of the clustered
t-statistic of ``p_1 − p_2``.

References
----------
Rao, J. N. K. & Scott, A. J. (1981). The analysis of categorical data from
    complex sample surveys. *JASA* 76, 221-230.
Rao, J. N. K. & Scott, A. J. (1984). On chi-squared tests for multiway
    contingency tables with cell proportions estimated from survey data.
    *Annals of Statistics* 12, 46-60.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats as _dist

from . import schema, stats

ANSWER = "answer"


def _answers(table: pd.DataFrame, column: str) -> tuple[pd.Series, dict]:
    """The other item's answers and their labels."""
    it = schema.item(column)
    if it.scale == "categorical":
        labels = dict(schema.block(it.block).categories)
        return table[column].astype(object), labels
    labels = dict(schema.scale_codes(it.scale))
    return table[column].astype("Float64").astype(object), labels


def related(table: pd.DataFrame, item: str, by_item: str,
            where: Mapping[str, object] | None = None, alpha: float = 0.05
            ) -> tuple[pd.DataFrame, dict]:
    """``item``'s share by the answer to ``by_item``, among pupils ``where`` says.

    Parameters
    ----------
    table : survey table in the contract layout
    item : a binary or agreement item (its share ticking, or agreeing)
    by_item : any item; its answers split the pupils
    where : group filters, e.g. ``{"wave": 2, "gender": "girl"}``

    Returns
    -------
    shares : one row per answer of ``by_item`` (pupils who answered both):
        ``answer``, ``answer_label``, and the columns of
        :func:`analysis.stats.proportions` (``n, count, share, se, ci_low,
        ci_high, deff, n_eff, n_schools``…)
    test : ``{"chi2": Pearson X², "deff": δ̄, "chi2_rs": X²_RS, "df1", "df2", "F",
        "p_value", "n", "n_schools"}`` (see the module's docstring)
    """
    if schema.item(item).scale == "categorical":
        raise ValueError(f"{item} is a qualification aim (categorical): choose a yes/no or "
                         "agreement item, whose share can be compared")
    keep = np.ones(len(table), dtype=bool)
    for column, value in (where or {}).items():
        keep &= (table[column].astype(object) == value).fillna(False).to_numpy(bool)
    answers, labels = _answers(table, by_item)
    keep &= answers.notna().to_numpy(bool) & table[item].notna().to_numpy(bool)
    sub = table.loc[keep, ["school_id", item]].assign(**{ANSWER: answers[keep]})
    if sub.empty:
        return pd.DataFrame(), {}
    totals = stats.cluster_totals(sub, [item], by=[ANSWER])
    shares = stats.proportions(totals, by=[ANSWER], alpha=alpha)
    shares.insert(1, "answer_label", [labels.get(_plain(a), str(a)) for a in shares[ANSWER]])
    return shares, rao_scott(totals)


def _plain(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def rao_scott(totals: pd.DataFrame, answer: str = ANSWER) -> dict:
    """The Rao-Scott first-order test of one item's share being the same in every
    ``answer`` cell, from :func:`analysis.stats.cluster_totals` by ``answer``."""
    cells = pd.Index(pd.unique(totals[answer]))
    schools = pd.Index(pd.unique(totals["school_id"]))
    c, g = len(cells), len(schools)
    n_gj = np.zeros((g, c))
    count_gj = np.zeros((g, c))
    gi = schools.get_indexer(totals["school_id"])
    ci = cells.get_indexer(totals[answer])
    np.add.at(n_gj, (gi, ci), totals["n"].to_numpy(float))
    np.add.at(count_gj, (gi, ci), totals["count"].to_numpy(float))
    n_j, count_j = n_gj.sum(0), count_gj.sum(0)
    out = {"n": float(n_j.sum()), "n_schools": g, "df1": c - 1}
    if c < 2 or g < 2:
        return out | {"chi2": np.nan, "deff": np.nan, "chi2_rs": np.nan, "df2": np.nan,
                      "F": np.nan, "p_value": np.nan}
    p_j = count_j / n_j
    p = count_j.sum() / n_j.sum()
    chi2 = float((n_j * (p_j - p) ** 2).sum() / (p * (1 - p)))
    z = (count_gj - p_j * n_gj) / n_j  # g × c influences of the cell shares
    v_cells = g / (g - 1) * z.T @ z
    contrast = np.hstack([np.eye(c - 1), -np.ones((c - 1, 1))])
    v_des = contrast @ v_cells @ contrast.T
    v_srs = p * (1 - p) * contrast @ np.diag(1 / n_j) @ contrast.T
    deff = float(np.trace(np.linalg.solve(v_srs, v_des)) / (c - 1))
    chi2_rs = chi2 / deff
    df2 = (c - 1) * (g - 1)
    f = chi2_rs / (c - 1)
    return out | {"chi2": chi2, "deff": deff, "chi2_rs": chi2_rs, "df2": df2, "F": f,
                  "p_value": float(_dist.f.sf(f, c - 1, df2))}


def pairs_table(table: pd.DataFrame, pairs, rules=None) -> pd.DataFrame:
    """One tidy table for ``pairs`` of ``(item, by_item)``: each answer's share
    with its interval, and the pair's Rao-Scott test on every row.

    With disclosure ``rules``, a pair whose any cell has a count, complement or
    base under ``rules.min_count`` is hidden whole (``c``: one hidden cell could
    be worked out from the item's published total), and a cell on fewer than
    ``rules.min_base`` pupils or ``rules.min_schools`` schools is not shown (``u``).
    """
    from . import disclosure

    parts = []
    for item, by_item in pairs:
        shares, test = related(table, item, by_item)
        if shares.empty:
            continue
        rows = shares.assign(item=item, label=schema.item(item).label, by_item=by_item,
                             by_label=schema.item(by_item).label,
                             rao_scott_F=test["F"], df1=test["df1"], df2=test["df2"],
                             rao_scott_p=test["p_value"], design_effect=test["deff"],
                             pearson_chi2=test["chi2"])
        rows["suppressed"] = ""
        if rules is not None:
            small = np.minimum.reduce([rows["count"], rows["n"] - rows["count"],
                                       rows["n"]]) < rules.min_count
            low = (rows["n"] < rules.min_base) | (rows["n_schools"] < rules.min_schools)
            if small.any():
                rows["suppressed"] = disclosure.CONFIDENTIAL
                rows[["n", "count", "share", "se", "ci_low", "ci_high", "rao_scott_F",
                      "rao_scott_p", "pearson_chi2"]] = np.nan
            else:
                rows.loc[low, "suppressed"] = disclosure.LOW_RELIABILITY
                rows.loc[low, ["count", "share", "se", "ci_low", "ci_high"]] = np.nan
        parts.append(rows)
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    first = ["item", "label", "by_item", "by_label", ANSWER, "answer_label"]
    return out[first + [c for c in out.columns if c not in first]]
