"""The publication: every table of every block, protected together."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .. import disclosure, stats
from .aggregates import SurveyAggregates
from .protection import margins, protect_tables
from .shapes import (
    BREAKDOWN_COLUMNS,
    SHARE_COLUMNS,
    STANDARD_BREAKDOWNS,
    components,
)

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
        table_by, cells = components(measure)
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
