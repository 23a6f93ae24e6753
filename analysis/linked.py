"""Linked pupils: the same pupils followed from year 7 (2008) to year 9 (2010).

The data contract lets a ``pupil_id`` repeat across waves for the same pupil.
Where a pupil answered in wave 1 in year 7 and again in wave 2 in year 9, the
two rows are **linked**, and the cohort can be followed pupil by pupil instead
of as two unrelated cross-sections (``measures.SurveyAggregates.cohort``).

For every binary and agreement item ("yes" = ticked, or agree: 3 or 4),
over the linked pupils who answered it both times:

* the **transition table**: yes in both years, gained (no in year 7, yes in
  year 9), lost (yes, then no), never;
* the **paired change** ``θ = mean(y9 − y7) = (gained − lost) / n`` with a
  school-clustered interval: the influence of school ``g`` is
  ``z_g = Σ_{i∈g} (d_i − θ) / n`` and ``v̂(θ) = G/(G−1) Σ_g z_g²`` (CR1, the
  same estimator as :mod:`analysis.stats`; statsmodels' OLS of ``d`` on a
  constant with ``cov_type="cluster"`` gives the same), ``t`` on ``G − 1``
  degrees of freedom. Schools are those of year 7 (a pupil who moved school
  counts in the first);
* its **difference from the cross-sectional cohort figure** (all year 9
  pupils of 2010 minus all year 7 pupils of 2008, ``cohort``), in percentage
  points: how far the two-cross-sections view is from the same pupils' change.

:func:`linked_vs_not` compares the linked pupils with the year 7 pupils of
2008 who did not link (left the school, absent in 2010, a new id), item by
item, so a reader can judge whether the linked pupils are typical.

Disclosure control: :func:`protect_transitions` runs the four cells of each
item through :func:`analysis.disclosure.protect` as a distribution adding up to
its base; where any cell of an item is hidden, its paired change and the
linked shares (which would give the hidden cell back) are hidden too. Figures
are unweighted (counts of pupils).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import disclosure, schema, stats

#: The cells of a transition table, in order, with their words.
TRANSITIONS: dict[str, str] = {
    "yes_both": "yes in year 7 and in year 9",
    "gained": "no in year 7, yes in year 9",
    "lost": "yes in year 7, no in year 9",
    "never": "no in both",
}
FIRST = {"wave": 1, "year_group": 7}
SECOND = {"wave": 2, "year_group": 9}


def _stage(table: pd.DataFrame, where: dict) -> pd.DataFrame:
    keep = np.ones(len(table), dtype=bool)
    for column, value in where.items():
        keep &= (table[column] == value).fillna(False).to_numpy(bool)
    return table[keep]


def link(table: pd.DataFrame) -> pd.DataFrame:
    """One row per linked pupil: ``pupil_id``, ``school_id`` (year 7's),
    ``moved`` (another school in year 9), and for each item ``<item>_7`` and
    ``<item>_9``, the pupil's answer as 1 (yes/agree), 0, or NaN."""
    items = _items(table)
    first = _stage(table, FIRST)
    second = _stage(table, SECOND)
    if first.empty or second.empty or "pupil_id" not in table:
        return pd.DataFrame(columns=["pupil_id", "school_id", "moved"])
    a = first.set_index(first["pupil_id"].astype(str))
    b = second.set_index(second["pupil_id"].astype(str))
    ids = a.index.intersection(b.index)
    a, b = a.loc[ids], b.loc[ids]
    school_7 = a["school_id"].astype(str).to_numpy()
    out = {
        "pupil_id": ids.to_numpy(),
        "school_id": school_7,
        "moved": school_7 != b["school_id"].astype(str).to_numpy(),
    }
    for it in items:
        out[f"{it.column}_7"] = _positive(a[it.column], it)
        out[f"{it.column}_9"] = _positive(b[it.column], it)
    return pd.DataFrame(out)


def _items(table: pd.DataFrame) -> list[schema.Item]:
    return [
        it
        for it in schema.items()
        if it.scale in ("binary", "agreement") and it.column in table.columns
    ]


def _positive(values: pd.Series, it: schema.Item) -> np.ndarray:
    codes = values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    yes = np.isin(codes, schema.positive_codes(it.scale)).astype(float)
    return np.where(np.isnan(codes), np.nan, yes)


def paired_change(y7, y9, schools, alpha: float = 0.05) -> dict:
    """The paired change of one item over pupils who answered both times: the
    transition counts, the change with its school-clustered interval (see the
    module's docstring), in percentage points."""
    y7, y9 = np.asarray(y7, float), np.asarray(y9, float)
    schools = np.asarray(schools)
    both = ~np.isnan(y7) & ~np.isnan(y9)
    y7, y9, schools = y7[both], y9[both], schools[both]
    n = len(y7)
    cells = {
        "yes_both": int(((y7 == 1) & (y9 == 1)).sum()),
        "gained": int(((y7 == 0) & (y9 == 1)).sum()),
        "lost": int(((y7 == 1) & (y9 == 0)).sum()),
        "never": int(((y7 == 0) & (y9 == 0)).sum()),
    }
    codes, uniques = pd.factorize(pd.Series(schools), sort=True)
    g = len(uniques)
    if n == 0:
        theta, variance = np.nan, np.nan
    else:
        d = y9 - y7
        theta = d.mean()
        z = np.bincount(codes, weights=d - theta, minlength=g) / n
        variance = g / (g - 1) * (z**2).sum() if g > 1 else np.nan
    frame = pd.DataFrame({"n": [n]})
    stats._t_test(
        frame, np.array([theta]), np.array([variance]), np.array([float(g)]), alpha, "change"
    )
    row = frame.iloc[0].to_dict()
    return {
        **cells,
        "n": n,
        "share_7": y7.mean() if n else np.nan,
        "share_9": y9.mean() if n else np.nan,
        **{
            k: row[k]
            for k in (
                "change_pp",
                "se_pp",
                "ci_low_pp",
                "ci_high_pp",
                "t",
                "df",
                "p_value",
                "n_schools",
            )
        },
    }


def transitions(
    table: pd.DataFrame, cohort: pd.DataFrame | None = None, alpha: float = 0.05
) -> pd.DataFrame:
    """For every item, the linked pupils' transition table and paired change.

    Parameters
    ----------
    table : a survey table in the contract layout
    cohort : the cross-sectional cohort figures (``SurveyAggregates.cohort()``
        for all schools, ``item`` and ``estimate_pp``); computed if not given

    Returns
    -------
    One row per item: ``block, item, label, n`` (linked pupils who answered
    both times), the four cells of :data:`TRANSITIONS`, ``share_7, share_9``
    (the linked pupils' shares), ``change_pp, se_pp, ci_low_pp, ci_high_pp,
    t, df, p_value, n_schools``, ``cohort_pp`` (the cross-sectional figure) and
    ``linked_minus_cohort_pp``. Empty if no pupil links.
    """
    pupils = link(table)
    columns = [
        "block",
        "item",
        "label",
        "n",
        *TRANSITIONS,
        "share_7",
        "share_9",
        "change_pp",
        "se_pp",
        "ci_low_pp",
        "ci_high_pp",
        "t",
        "df",
        "p_value",
        "q_value",
        "significant_fdr",
        "n_schools",
        "cohort_pp",
        "linked_minus_cohort_pp",
    ]
    if pupils.empty:
        return pd.DataFrame(columns=columns)
    if cohort is None:
        from .measures import SurveyAggregates

        cohort = SurveyAggregates(table).cohort(fdr=False)
    cross = dict(zip(cohort["item"].astype(str), cohort["estimate_pp"].astype(float)))
    rows = []
    for it in _items(table):
        r = paired_change(
            pupils[f"{it.column}_7"], pupils[f"{it.column}_9"], pupils["school_id"], alpha
        )
        if r["n"] == 0:
            continue
        cohort_pp = cross.get(it.column, np.nan)
        rows.append(
            {
                "block": it.block,
                "item": it.column,
                "label": it.label,
                **r,
                "cohort_pp": cohort_pp,
                "linked_minus_cohort_pp": r["change_pp"] - cohort_pp,
            }
        )
    out = pd.DataFrame(rows, columns=columns)
    out["q_value"] = np.nan
    out["significant_fdr"] = False
    for _, part in out.groupby("block", sort=False):  # one family a block, as comparisons
        q, reject = stats.benjamini_hochberg(part["p_value"].to_numpy(float), alpha)
        out.loc[part.index, "q_value"] = q
        out.loc[part.index, "significant_fdr"] = reject
    out["significant_fdr"] = out["significant_fdr"].astype(bool)
    return out


def linked_vs_not(
    table: pd.DataFrame, rules: disclosure.DisclosureRules | None = None
) -> pd.DataFrame:
    """The year 7 pupils of 2008 who linked against those who did not, item by item:
    ``n`` and ``share`` of each, and the difference (linked − not, points).

    With ``rules``, a share whose count, complement or base is under
    ``rules.min_count`` is hidden (``c``), one on fewer than ``rules.min_base``
    pupils or ``rules.min_schools`` schools not shown (``u``), and the
    difference with it.
    """
    first = _stage(table, FIRST)
    linked_ids = set(link(table)["pupil_id"])
    is_linked = first["pupil_id"].astype(str).isin(linked_ids).to_numpy()
    rows = []
    for it in _items(table):
        y = _positive(first[it.column], it)
        row = {"block": it.block, "item": it.column, "label": it.label}
        for name, mask in (("linked", is_linked), ("not_linked", ~is_linked)):
            answered = mask & ~np.isnan(y)
            n, count = int(answered.sum()), float(y[answered].sum())
            schools = first.loc[answered, "school_id"].nunique()
            share = count / n if n else np.nan
            mark = ""
            if rules is not None:
                if min(count, n - count, n) < rules.min_count:
                    mark = disclosure.CONFIDENTIAL
                elif n < rules.min_base or schools < rules.min_schools:
                    mark = disclosure.LOW_RELIABILITY
            row |= {
                f"n_{name}": n,
                f"share_{name}": np.nan if mark else share,
                f"hidden_{name}": mark,
            }
        row["difference_pp"] = 100 * (row["share_linked"] - row["share_not_linked"])
        rows.append(row)
    return pd.DataFrame(rows)


#: A transition table's figures that would give a hidden cell back: hidden with it.
_DERIVED = [
    *("share_7", "share_9", "change_pp", "se_pp", "ci_low_pp", "ci_high_pp"),
    *("t", "p_value", "q_value", "linked_minus_cohort_pp"),
]


def protect_transitions(
    result: pd.DataFrame, rules: disclosure.DisclosureRules = disclosure.DisclosureRules()
) -> pd.DataFrame:
    """``result`` of :func:`transitions` with disclosure control on its cells.

    The four cells of each item are a distribution adding up to ``n`` and go
    through :func:`analysis.disclosure.protect` as such; a hidden cell is NaN
    and the row's ``suppressed`` says ``c`` (or ``u``). Where any cell of an
    item is hidden, its linked shares and paired change (from which the cell
    could be worked out) are hidden too.
    """
    if result.empty:
        return result.assign(suppressed=pd.Series(dtype=object))
    long = result.melt(
        id_vars=["item", "label", "n", "n_schools"],
        value_vars=list(TRANSITIONS),
        var_name="category",
        value_name="count",
    )
    long = long.assign(share=long["count"] / long["n"])
    protected = disclosure.protect({"transitions": long}, rules, category_margins={})["transitions"]
    out = result.copy()
    marks = pd.Series("", index=out.index, dtype=object)
    position = {item: i for i, item in zip(out.index, out["item"])}
    for row in protected.itertuples():
        if row.suppressed:
            i = position[row.item]
            out.loc[i, row.category] = np.nan
            marks[i] = (
                row.suppressed if marks[i] in ("", row.suppressed) else disclosure.CONFIDENTIAL
            )
    hidden = marks != ""
    out.loc[hidden, _DERIVED] = np.nan
    out["significant_fdr"] = out["significant_fdr"].astype(object)
    out.loc[hidden, "significant_fdr"] = np.nan
    hidden_n = protected.groupby("item")["n"].apply(lambda s: s.isna().any())
    for item, gone in hidden_n.items():
        if gone:
            out.loc[position[item], "n"] = np.nan
    out["suppressed"] = marks
    return out


def summary_note(table: pd.DataFrame) -> str:
    """How many pupils linked, in words, for a README or a page."""
    pupils = link(table)
    first = len(_stage(table, FIRST))
    second = len(_stage(table, SECOND))
    if pupils.empty:
        return (
            "No pupil links: no pupil_id of a year 7 pupil in wave 1 (2008) appears "
            "among the year 9 pupils of wave 2 (2010)."
        )
    moved = int(pupils["moved"].sum())
    return (
        f"{len(pupils):,} pupils link: surveyed in year 7 in 2008 (of {first:,}) and again "
        f"in year 9 in 2010 (of {second:,}), with the same pupil_id, in "
        f"{pupils['school_id'].nunique()} schools"
        + (
            f"; {moved} of them in another school in 2010 (counted in their 2008 school)"
            if moved
            else ""
        )
        + "."
    )


def block_table(
    table: pd.DataFrame,
    block: str,
    cohort: pd.DataFrame,
    rules: disclosure.DisclosureRules = disclosure.DisclosureRules(),
) -> pd.DataFrame:
    """:func:`transitions` of one block's items, disclosure-controlled
    (:func:`protect_transitions`): what a page shows for a block."""
    return protect_transitions(transitions(block_columns(table, block), cohort), rules)


def block_columns(table: pd.DataFrame, blocks) -> pd.DataFrame:
    """``table`` with its identifier and group columns and the items of ``blocks``
    (a block key or several) only."""
    keys = [blocks] if isinstance(blocks, str) else list(blocks)
    items = {c for k in keys for c in schema.block(k).columns}
    return table[
        [
            c
            for c in table.columns
            if c in schema.ID_COLUMNS or c in schema.GROUP_COLUMNS or c in items
        ]
    ]


def in_words(result: pd.DataFrame) -> pd.DataFrame:
    """A protected :func:`transitions` result for people: one row an item, counts and
    percentages as text, a hidden number as its mark (``c``), never as a number."""

    def count(v, mark):
        return mark or "c" if pd.isna(v) else f"{int(v):,}"

    def points(v, mark):
        return mark or "c" if pd.isna(v) else f"{v:+.1f}"

    def percent(v, mark):
        return mark or "c" if pd.isna(v) else f"{100 * v:.0f}%"

    rows = []
    for r in result.itertuples():
        mark = r.suppressed
        rows.append(
            {
                "Item": r.label,
                "Pupils": count(r.n, mark),
                **{TRANSITIONS_SHORT[c]: count(getattr(r, c), mark) for c in TRANSITIONS},
                "Year 7": percent(r.share_7, mark),
                "Year 9": percent(r.share_9, mark),
                "Paired change (points, 95% interval)": mark or "c"
                if pd.isna(r.change_pp)
                else f"{r.change_pp:+.1f} ({r.ci_low_pp:+.1f} to {r.ci_high_pp:+.1f})",
                "Cross-sectional cohort change (points)": ""
                if pd.isna(r.cohort_pp)
                else f"{r.cohort_pp:+.1f}",
                "Paired minus cross-sectional (points)": points(r.linked_minus_cohort_pp, mark),
            }
        )
    return pd.DataFrame(rows)


#: Short column words for the four transition cells.
TRANSITIONS_SHORT = {
    "yes_both": "Yes both years",
    "gained": "Gained",
    "lost": "Lost",
    "never": "Never",
}


# ------------------------------------------------ audited for publication (summary)

#: Every pupil of one item's audit has one code (see :func:`audit_for_summary`):
#: the four transition cells, and the pupils the published cross-sections hold
#: besides them.
_CODES = (
    *TRANSITIONS,
    "yes_7_only",  # linked, yes in year 7, no answer in year 9
    "no_7_only",
    "yes_7_unlinked",  # a year 7 pupil of 2008 who did not link
    "no_7_unlinked",
    "yes_9_other",  # a year 9 pupil of 2010 outside the transition base
    "no_9_other",
)
#: Sums of codes that a protected summary publishes, by what they are.
_MARGINS: dict[str, tuple[str, ...]] = {
    # the cross-sectional figures the summary's share tables publish
    "yes_7": ("yes_both", "lost", "yes_7_only", "yes_7_unlinked"),
    "no_7": ("gained", "never", "no_7_only", "no_7_unlinked"),
    "answered_7": _CODES[:8],
    "yes_9": ("yes_both", "gained", "yes_9_other"),
    "no_9": ("lost", "never", "no_9_other"),
    "answered_9": (*TRANSITIONS, "yes_9_other", "no_9_other"),
    # the transition base
    "both": tuple(TRANSITIONS),
    # linked against not linked (linked_vs_not)
    "linked_yes_7": ("yes_both", "lost", "yes_7_only"),
    "linked_no_7": ("gained", "never", "no_7_only"),
    "linked_7": _CODES[:6],
    "unlinked_yes_7": ("yes_7_unlinked",),
    "unlinked_no_7": ("no_7_unlinked",),
    "unlinked_7": ("yes_7_unlinked", "no_7_unlinked"),
}
#: The base (a margin) of each published row: its schools count for the
#: few-schools rule.
_BASE = {
    **{row: "both" for row in (*TRANSITIONS, "both")},
    **{row: "answered_7" for row in ("yes_7", "no_7", "answered_7")},
    **{row: "answered_9" for row in ("yes_9", "no_9", "answered_9")},
    **{row: "linked_7" for row in ("linked_yes_7", "linked_no_7", "linked_7")},
    **{row: "unlinked_7" for row in ("unlinked_yes_7", "unlinked_no_7", "unlinked_7")},
}
_CROSS_SECTION = ("yes_7", "no_7", "answered_7", "yes_9", "no_9", "answered_9")


def _pupil_codes(table: pd.DataFrame, it: schema.Item) -> pd.DataFrame:
    """One row per pupil who answered ``it`` in year 7 of 2008 or year 9 of 2010
    (a linked pupil who answered both times once): ``code`` (:data:`_CODES`) and
    ``school_id`` (year 7's where the pupil answered then)."""
    first, second = _stage(table, FIRST), _stage(table, SECOND)
    ids_7 = first["pupil_id"].astype(str).to_numpy()
    ids_9 = second["pupil_id"].astype(str).to_numpy()
    y7, y9 = _positive(first[it.column], it), _positive(second[it.column], it)
    answer_9 = dict(zip(ids_9, y9))
    linked_ids = set(ids_7) & set(ids_9)
    word = {1.0: "yes", 0.0: "no"}
    cells = {(1, 1): "yes_both", (0, 1): "gained", (1, 0): "lost", (0, 0): "never"}
    codes, schools, in_base = [], [], set()
    for pid, school, a in zip(ids_7, first["school_id"].astype(str), y7):
        if np.isnan(a):
            continue
        if pid in linked_ids:
            b = answer_9.get(pid, np.nan)
            if np.isnan(b):
                codes.append(f"{word[a]}_7_only")
            else:
                codes.append(cells[(int(a), int(b))])
                in_base.add(pid)
        else:
            codes.append(f"{word[a]}_7_unlinked")
        schools.append(school)
    for pid, school, b in zip(ids_9, second["school_id"].astype(str), y9):
        if not np.isnan(b) and pid not in in_base:
            codes.append(f"{word[b]}_9_other")
            schools.append(school)
    return pd.DataFrame({"code": codes, "school_id": schools})


def _audit_rows(pupils: pd.DataFrame, it: schema.Item, rules) -> tuple[pd.DataFrame, set]:
    """The rows of one item's audit: each published code and margin as a row of a
    distribution whose base is every pupil of :func:`_pupil_codes` (a number the
    published figures give: year 7's base + year 9's - the transition base).
    Shares on a low base (under ``rules.min_base`` pupils: ``u``, not protected
    against differencing, as in :mod:`analysis.disclosure`) are left out of the
    audit, as not shown; returned as the set of margins so marked."""
    counts = pupils["code"].value_counts()

    def members(codes) -> pd.Series:
        return pupils["code"].isin(codes)

    low = set()
    for base, shares in (
        ("both", list(TRANSITIONS)),
        ("linked_7", ["linked_yes_7", "linked_no_7"]),
        ("unlinked_7", ["unlinked_yes_7", "unlinked_no_7"]),
    ):
        n = int(members(_MARGINS[base]).sum())
        if 0 < n < rules.min_base:
            low.update(shares)
    rows = []
    for row in [*TRANSITIONS, *_MARGINS]:
        if row in low:
            continue
        codes = (row,) if row in TRANSITIONS else _MARGINS[row]
        base = _MARGINS[_BASE[row]]
        rows.append(
            {
                "category": row,
                "item": it.column,
                "label": it.label,
                "n": float(len(pupils)),
                "count": float(counts.reindex(list(codes), fill_value=0).sum()),
                "n_schools": float(pupils.loc[members(base), "school_id"].nunique()),
            }
        )
    out = pd.DataFrame(rows)
    out["share"] = out["count"] / out["n"]
    return out, low


def audit_for_summary(
    table: pd.DataFrame,
    result: pd.DataFrame,
    versus: pd.DataFrame,
    published: pd.DataFrame,
    rules: disclosure.DisclosureRules = disclosure.DisclosureRules(),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`transitions` and :func:`linked_vs_not` results of ``table``, protected
    for a disclosure-controlled summary, audited with the summary's own figures.

    The linked pupils are part of the cohort the summary's share tables describe:
    the year 7 pupils of 2008 (base and count yes) and the year 9 pupils of 2010.
    An attacker who knows those and every linked figure can bound a hidden cell
    by subtraction (``n`` minus the shown cells; year 7's count minus the linked
    pupils' yes; the not-linked share times its base ...). So, for each item,
    every pupil who answered it in either stage gets one code (:data:`_CODES`:
    the four transition cells, the linked pupils who answered in year 7 only,
    the year 7 pupils who did not link, the other year 9 pupils), every published
    figure is a sum of codes (:data:`_MARGINS`), and
    :func:`analysis.disclosure.protect` audits them together as one distribution:
    primary rules on each count and complement, then secondary suppression until
    no hidden cell is pinned (nor a small one narrowed to under
    ``rules.protection_width`` pupils) by what is shown.

    ``published``: the summary's protected figures of the item, one row an item
    with ``item`` and ``shown`` (True where the year 7 of 2008 and year 9 of 2010
    all-pupils base and count are shown), and ``cohort_pp`` (NaN where the
    summary hides the cohort comparison). Where a cross-section is not shown
    (hidden by the summary's own control), or the audit would have to hide it,
    nothing linked of that item is shown: the linked figures would narrow what
    the summary hid. Where any transition cell is hidden, the linked shares and
    the paired change (which would give it back) are hidden too; q-values are
    recomputed over the items shown.
    """
    out = result.copy()
    vs = versus.copy()
    if out.empty:
        return out.assign(suppressed=pd.Series(dtype=object)), vs
    cross = published.set_index("item")
    marks = pd.Series("", index=out.index, dtype=object)
    vs_marks = {
        side: pd.Series("", index=vs.index, dtype=object) for side in ("linked", "not_linked")
    }
    vs_at = {item: i for i, item in zip(vs.index, vs["item"])}
    cells = list(TRANSITIONS)
    for i, item in zip(out.index, out["item"]):
        it = schema.item(item)
        j = vs_at.get(item)
        rows, low = _audit_rows(_pupil_codes(table, it), it, rules)
        shown = bool(cross["shown"].get(item, False))
        if shown:
            hidden = disclosure.protect({"audit": rows}, rules, category_margins=_MARGINS)["audit"]
            mark = dict(zip(hidden["category"], hidden["suppressed"]))
            shown = all(mark.get(m, "") == "" for m in _CROSS_SECTION)
        if not shown:  # the whole item: nothing of it shown
            out.loc[i, ["n", *cells, *_DERIVED, "cohort_pp"]] = np.nan
            marks[i] = disclosure.CONFIDENTIAL
            if j is not None:
                vs.loc[j, ["n_linked", "n_not_linked", "share_linked", "share_not_linked"]] = np.nan
                vs.loc[j, "difference_pp"] = np.nan
                for side in vs_marks:
                    vs_marks[side][j] = disclosure.CONFIDENTIAL
            continue
        for c in low:
            mark.setdefault(c, disclosure.LOW_RELIABILITY)
        for c in cells:
            if mark.get(c, ""):
                out.loc[i, c] = np.nan
                marks[i] = _worse(marks[i], mark[c])
        if mark.get("both", ""):
            out.loc[i, "n"] = np.nan
        if marks[i]:
            out.loc[i, _DERIVED] = np.nan
        out.loc[i, "cohort_pp"] = cross["cohort_pp"].get(item, np.nan)
        if j is not None:
            for side, base, parts in (
                ("linked", "linked_7", ("linked_yes_7", "linked_no_7")),
                ("not_linked", "unlinked_7", ("unlinked_yes_7", "unlinked_no_7")),
            ):
                # a not-linked count is year 7's minus the linked one: hidden with it
                for p in (*parts, base):
                    vs_marks[side][j] = _worse(vs_marks[side][j], mark.get(p, ""))
                if mark.get(base, ""):
                    vs.loc[j, f"n_{side}"] = np.nan
            if vs_marks["linked"][j] or vs_marks["not_linked"][j]:
                # one side's count with year 7's published count gives the other's
                for side in vs_marks:
                    vs_marks[side][j] = _worse(
                        vs_marks[side][j], vs_marks["linked"][j] or vs_marks["not_linked"][j]
                    )
                    vs.loc[j, f"share_{side}"] = np.nan
                vs.loc[j, "difference_pp"] = np.nan
    out["linked_minus_cohort_pp"] = out["change_pp"] - out["cohort_pp"]
    out["q_value"] = np.nan
    out["significant_fdr"] = out["significant_fdr"].astype(object)
    out.loc[marks != "", "significant_fdr"] = np.nan
    for _, part in out[marks == ""].groupby("block", sort=False):
        q, reject = stats.benjamini_hochberg(part["p_value"].to_numpy(float))
        out.loc[part.index, "q_value"] = q
        out.loc[part.index, "significant_fdr"] = reject
    out["suppressed"] = marks
    for side, m in vs_marks.items():
        vs[f"hidden_{side}"] = m
    return out, vs


def _worse(a: str, b: str) -> str:
    """Of two marks, the one to show: ``c`` over ``u`` over none."""
    if disclosure.CONFIDENTIAL in (a, b):
        return disclosure.CONFIDENTIAL
    return a or b


def summary_published(tables: dict) -> pd.DataFrame:
    """What a protected summary (:func:`analysis.measures.summary_tables`) shows of
    the cross-sections the linked pupils belong to, one row an item: ``shown``
    (the all-pupils base and count of year 7 in 2008 and of year 9 in 2010 are
    both shown) and ``cohort_pp`` (the cohort comparison, all schools; NaN where
    hidden). The ``published`` argument of :func:`audit_for_summary`."""
    rows = {}
    for parts in tables.values():
        shares = parts.get("shares")
        if shares is not None:
            whole = shares[
                (shares["breakdown"] == "wave × year_group") & (shares["schools"] == "all")
            ]
            shown = {}
            for stage in (FIRST, SECOND):
                at = _stage(whole, stage)
                ok = (at["suppressed"] == "") & at["n"].notna() & at["count"].notna()
                shown[stage["wave"]] = dict(zip(at["item"].astype(str), ok))
            for item in whole["item"].astype(str).unique():
                rows[item] = {
                    "item": item,
                    "shown": all(bool(s.get(item, False)) for s in shown.values()),
                    "cohort_pp": np.nan,
                }
        comparisons = parts.get("comparisons")
        if comparisons is not None:
            cohort = comparisons[
                (comparisons["measure"] == "cohort")
                & (comparisons["schools"] == "all")
                & (comparisons["suppressed"] == "")
            ]
            for item, value in zip(cohort["item"].astype(str), cohort["estimate_pp"]):
                if item in rows:
                    rows[item]["cohort_pp"] = float(value)
    return pd.DataFrame(list(rows.values()), columns=["item", "shown", "cohort_pp"])
