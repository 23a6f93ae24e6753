"""My school: one school beside the other schools, protected."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .cells import _dimensions
from .rules import OTHER_SCHOOLS, THIS_SCHOOL, DisclosureRules
from .suppression import protect


def school_view(
    by_school: pd.DataFrame, school_id: str, rules: DisclosureRules = DisclosureRules()
) -> pd.DataFrame:
    """One school against the other schools, protected.

    Parameters
    ----------
    by_school : tidy table by ``school_id`` (and any other group columns),
        e.g. ``measures.shares(table, columns, by=["school_id", "year_group"])``
    school_id : the school shown
    rules : thresholds

    Returns
    -------
    Tidy table with a ``school`` column (``"this school"`` /
    ``"other schools"``) in place of ``school_id``, the other group columns,
    ``item``, ``label``, ``n``, ``count``, ``share``, ``n_schools`` and
    ``suppressed``. The school's own figures are exempt from the
    ``min_schools`` rule (the page is that school's own); the other schools
    must number at least ``min_schools``. Both are protected together with
    the all-schools total (published elsewhere), so neither can be recovered
    as total minus the other. Intervals are not carried over: compute them
    from ``n`` and ``count`` of the unsuppressed rows.
    """
    if "school_id" not in by_school.columns:
        raise ValueError(
            "school_view() needs a table by school_id "
            "(measures.shares(..., by=['school_id', ...]))."
        )
    ids = by_school["school_id"].astype(str)
    if school_id not in set(ids):
        known = sorted(set(ids))
        raise ValueError(
            f"school '{school_id}' is not in the table; schools are "
            f"{', '.join(known[:10])}{' …' if len(known) > 10 else ''}."
        )
    others = [d for d in _dimensions(by_school) if d != "school_id"]
    keys = [*others, "item", "label"]
    frame = by_school.assign(
        school=np.where(ids == school_id, THIS_SCHOOL, OTHER_SCHOOLS),
        _has=(by_school["n"].astype(float) > 0).astype(int),
    )
    agg = (
        frame.groupby(["school", *keys], observed=True, sort=False)
        .agg(n=("n", "sum"), count=("count", "sum"), n_schools=("_has", "sum"))
        .reset_index()
    )
    agg["n"] = agg["n"].astype(float)
    agg["count"] = agg["count"].astype(float)
    agg["n_schools"] = np.where(agg["school"] == THIS_SCHOOL, np.nan, agg["n_schools"])
    agg["share"] = agg["count"] / agg["n"].where(agg["n"] > 0)
    total = (
        frame.groupby(keys, observed=True, sort=False)
        .agg(n=("n", "sum"), count=("count", "sum"))
        .reset_index()
    )
    total["n"] = total["n"].astype(float)
    total["count"] = total["count"].astype(float)
    total["share"] = total["count"] / total["n"].where(total["n"] > 0)
    order = {THIS_SCHOOL: 0, OTHER_SCHOOLS: 1}
    agg = agg.sort_values(
        [*others, "school"], key=lambda s: s.map(order) if s.name == "school" else s, kind="stable"
    ).reset_index(drop=True)
    agg = agg[["school", *keys, "n", "count", "share", "n_schools"]]
    out = protect({"school": agg, "all schools": total}, rules)["school"]
    out["n_schools"] = out["n_schools"].fillna(1.0)
    return out
