"""Shares of one pupil table, by group, in the tidy shape of :mod:`analysis.measures`."""

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
