"""Disclosure: a view of :class:`~analysis.measures.SurveyAggregates` protected for
publication or display."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Literal

import numpy as np
import pandas as pd

from .. import disclosure, schema
from .aggregates import SurveyAggregates
from .frames import _ranks
from .shapes import BREAKDOWN_COLUMNS


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
