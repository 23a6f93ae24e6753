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


def related(
    table: pd.DataFrame,
    item: str,
    by_item: str,
    where: Mapping[str, object] | None = None,
    alpha: float = 0.05,
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
        raise ValueError(
            f"{item} is a qualification aim (categorical): choose a yes/no or "
            "agreement item, whose share can be compared"
        )
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
        return out | {
            "chi2": np.nan,
            "deff": np.nan,
            "chi2_rs": np.nan,
            "df2": np.nan,
            "F": np.nan,
            "p_value": np.nan,
        }
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
    return out | {
        "chi2": chi2,
        "deff": deff,
        "chi2_rs": chi2_rs,
        "df2": df2,
        "F": f,
        "p_value": float(_dist.f.sf(f, c - 1, df2)),
    }


#: :func:`analysis.disclosure.protect` models a grouping a pupil may leave empty (whose
#: "not stated" pupils are in the total but in no shown group) in the columns of
#: ``disclosure.INCOMPLETE_DIMENSIONS``. The other item's answer is such a grouping: the
#: pupils who answered the item but not the other one are its "not stated". It is
#: passed to ``protect`` in this column (of the tables built for the audit only).
_ANSWER_AS = "ethnicity"
#: The group of the pupils who answered the item too, in that column (see :func:`protect_pairs`).
_ANSWERED_BOTH = "answered both"
#: The pair's figures hidden with a cell's count.
_HIDDEN_WITH_COUNT = ["count", "share", "se", "ci_low", "ci_high", "deff", "n_eff"]


def _total_row(table: pd.DataFrame, item: str) -> dict:
    """``item``'s base and count of yes/agree over every pupil who answered it: the
    all-pupils share a summary publishes beside the pair."""
    totals = stats.cluster_totals(table, [item])
    return {
        "item": item,
        "label": item,
        "n": float(totals["n"].sum()),
        "count": float(totals["count"].sum()),
        "n_schools": float(table.loc[table[item].notna(), "school_id"].nunique()),
    }


def _other_side(table: pd.DataFrame, by_item: str, shares: pd.DataFrame) -> dict:
    """The audit of the pair's bases against ``by_item``'s own published figures.

    The bases of the pair are ``by_item``'s answers among the pupils who answered the
    item too: against ``by_item``'s own base and answers (its yes/agree share, and its
    distribution of codes for a scale), the pupils who answered ``by_item`` but not the
    item are an implicit group, protected like any "not stated" pupils.
    """
    it = schema.item(by_item)
    answers, _ = _answers(table, by_item)
    answered = answers.notna()
    both = shares.assign(code=[_plain(a) for a in shares[ANSWER]])
    if it.scale == "binary":
        total = pd.DataFrame(
            [
                {
                    "item": by_item,
                    "label": by_item,
                    "n": float(answered.sum()),
                    "count": float((answers[answered] == 1).sum()),
                }
            ]
        )
        pair = pd.DataFrame(
            [
                {
                    _ANSWER_AS: _ANSWERED_BOTH,
                    "item": by_item,
                    "label": by_item,
                    "n": float(both["n"].sum()),
                    "count": float(both.loc[both["code"] == 1, "n"].sum()),
                }
            ]
        )
    else:
        codes = [_plain(c) for c in pd.unique(answers[answered])]
        counts = answers[answered].map(_plain).value_counts()
        total = pd.DataFrame(
            [
                {
                    "category": c,
                    "item": by_item,
                    "label": by_item,
                    "n": float(answered.sum()),
                    "count": float(counts.get(c, 0)),
                }
                for c in codes
            ]
        )
        in_pair = both.set_index("code")["n"]
        pair = pd.DataFrame(
            [
                {
                    _ANSWER_AS: _ANSWERED_BOTH,
                    "category": c,
                    "item": by_item,
                    "label": by_item,
                    "n": float(both["n"].sum()),
                    "count": float(in_pair.get(c, 0)),
                }
                for c in codes
            ]
        )
    return {"total": total, "pair": pair}


def protect_pairs(
    table: pd.DataFrame, item: str, by_item: str, shares: pd.DataFrame, rules
) -> pd.DataFrame:
    """The pair's rows (:func:`related`'s ``shares``) with ``suppressed`` and hidden
    figures NaN, audited with what a summary publishes beside them.

    Two audits by :func:`analysis.disclosure.protect`, each as if the published
    figures were known exactly:

    * ``item``'s side: its all-pupils base and count, and the pair's cells (one per
      answer of ``by_item``), whose "not stated" residual is the pupils who answered
      ``item`` but not ``by_item``. Cells ``protect`` hides are hidden (``c``/``u``).
    * ``by_item``'s side: its own base and answers against the pair's bases (the
      pupils who answered ``item`` too, by answer).

    When either audit would have to hide a figure the summary already publishes
    (``item``'s or ``by_item``'s all-pupils figures), or anything of ``by_item``'s
    side (the pair's bases), the pair is hidden whole (``c``): nothing of it is shown.
    """
    from . import disclosure

    own = shares.assign(
        **{_ANSWER_AS: [_plain(a) for a in shares[ANSWER]], "item": item, "label": item}
    )[[_ANSWER_AS, "item", "label", "n", "count", "share", "n_schools"]]
    total = pd.DataFrame([_total_row(table, item)])
    total["share"] = total["count"] / total["n"]
    mine = disclosure.protect({"total": total, "pair": own}, rules)
    other = disclosure.protect(_other_side(table, by_item, shares), rules)
    whole = (mine["total"]["suppressed"] != "").any() or any(
        (t["suppressed"] != "").any() for t in other.values()
    )
    out = shares.copy()
    if whole:
        out["suppressed"] = disclosure.CONFIDENTIAL
        out[["n", *_HIDDEN_WITH_COUNT]] = np.nan
        return out
    marks = mine["pair"]["suppressed"].to_numpy()
    out["suppressed"] = marks
    hidden = marks != ""
    out.loc[hidden, [c for c in _HIDDEN_WITH_COUNT if c in out]] = np.nan
    out.loc[mine["pair"]["n"].isna().to_numpy(), "n"] = np.nan
    return out


def pairs_table(table: pd.DataFrame, pairs, rules=None, *, audited: bool = False) -> pd.DataFrame:
    """One tidy table for ``pairs`` of ``(item, by_item)``: each answer's share
    with its interval, and the pair's Rao-Scott test on every row.

    With disclosure ``rules``, a pair whose any cell has a count, complement or
    base under ``rules.min_count`` is hidden whole (``c``: one hidden cell could
    be worked out from the item's published total), and a cell on fewer than
    ``rules.min_base`` pupils or ``rules.min_schools`` schools is not shown (``u``).
    ``audited``: instead, each pair is protected by :func:`protect_pairs`, audited
    with the all-pupils figures of both items that a protected summary publishes
    beside it; the test is given only for a pair with no hidden cell.
    """
    from . import disclosure

    parts = []
    for item, by_item in pairs:
        shares, test = related(table, item, by_item)
        if shares.empty:
            continue
        rows = shares.assign(
            item=item,
            label=schema.item(item).label,
            by_item=by_item,
            by_label=schema.item(by_item).label,
            rao_scott_F=test["F"],
            df1=test["df1"],
            df2=test["df2"],
            rao_scott_p=test["p_value"],
            design_effect=test["deff"],
            pearson_chi2=test["chi2"],
        )
        rows["suppressed"] = ""
        if rules is not None and audited:
            marked = protect_pairs(table, item, by_item, shares, rules)
            for column in ["n", "suppressed", *_HIDDEN_WITH_COUNT]:
                if column in marked:
                    rows[column] = marked[column].to_numpy()
            if (rows["suppressed"] != "").any():
                rows[["rao_scott_F", "rao_scott_p", "pearson_chi2", "design_effect"]] = np.nan
        elif rules is not None:
            small = (
                np.minimum.reduce([rows["count"], rows["n"] - rows["count"], rows["n"]])
                < rules.min_count
            )
            low = (rows["n"] < rules.min_base) | (rows["n_schools"] < rules.min_schools)
            if small.any():
                rows["suppressed"] = disclosure.CONFIDENTIAL
                rows[
                    [
                        "n",
                        "count",
                        "share",
                        "se",
                        "ci_low",
                        "ci_high",
                        "rao_scott_F",
                        "rao_scott_p",
                        "pearson_chi2",
                    ]
                ] = np.nan
            else:
                rows.loc[low, "suppressed"] = disclosure.LOW_RELIABILITY
                rows.loc[low, ["count", "share", "se", "ci_low", "ci_high"]] = np.nan
        parts.append(rows)
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    first = ["item", "label", "by_item", "by_label", ANSWER, "answer_label"]
    return out[first + [c for c in out.columns if c not in first]]
