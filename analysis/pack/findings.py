"""A school's findings against the other schools, from the My school tables.

Every number here comes from the rows the My school page shows: the
disclosure-controlled table of one school against the other schools
(``dashboards.my_school.school_table``, i.e.
:func:`analysis.disclosure.school_view` with intervals), one table per block
with every wave and year group. A row the page hides (``suppressed`` ``c`` or
``u``) is never turned into a number: it becomes a *hidden* line saying why.
A difference is computed only from two figures the page shows, so it gives
away nothing the page does not.

Intervals of a difference
-------------------------
The school's share and the other schools' share come from different pupils,
so the 95% interval of their difference is combined from the two shown
intervals by the MOVER method (Newcombe 1998, method 10; Zou & Donner 2008):
for ``d = p1 - p2`` with intervals ``(l1, u1)`` and ``(l2, u2)``,

    low  = d - sqrt((p1 - l1)**2 + (u2 - p2)**2)
    high = d + sqrt((u1 - p1)**2 + (p2 - l2)**2)

It keeps each interval's asymmetry (Wilson for the school, school-clustered
Wilson for the other schools). A change between waves is combined the same
way from the two waves' intervals (different pupils in each wave), and the
school's change against the other schools' change from those two changes'
intervals: a difference in differences. The other schools are the schools
surveyed in that wave, as on the My school page; they need not be the same
schools in both waves, which the text says.

A finding is **clear** when the interval of its difference excludes 0 (one
comparison at a time: among many, a few will exclude 0 by chance, which the
notes say). Findings are ranked clear first, then by how far the interval
stays from 0 (the nearer end's distance), so a large and certain difference
comes before a large but uncertain one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from analysis import disclosure, schema

#: Columns of :func:`school_findings` and :func:`change_findings`.
FINDING_COLUMNS: tuple[str, ...] = (
    "id",
    "kind",
    "block",
    "item",
    "label",
    "wave",
    "year_group",
    "school_share",
    "school_low",
    "school_high",
    "school_n",
    "other_share",
    "other_low",
    "other_high",
    "other_n",
    "n_schools",
    "difference_pp",
    "low_pp",
    "high_pp",
    "clear",
    "strength",
    "sentence",
)
#: The disclosure rules unless told otherwise (the My school page's).
RULES = disclosure.DisclosureRules()
#: Columns of :func:`hidden_rows`.
HIDDEN_COLUMNS: tuple[str, ...] = (
    "block",
    "item",
    "label",
    "wave",
    "year_group",
    "school",
    "suppressed",
    "why",
    "sentence",
)


def mover(
    d1: float, l1: float, u1: float, d2: float, l2: float, u2: float
) -> tuple[float, float, float]:
    """``(d1 - d2, low, high)``: the MOVER interval of a difference of two
    independent estimates, each with its own interval (see the module notes).

    >>> [round(v, 4) for v in mover(0.6, 0.5, 0.7, 0.4, 0.35, 0.45)]
    [0.2, 0.0882, 0.3118]
    """
    d = d1 - d2
    return (
        d,
        d - math.sqrt((d1 - l1) ** 2 + (u2 - d2) ** 2),
        d + math.sqrt((u1 - d1) ** 2 + (d2 - l2) ** 2),
    )


def hidden_why(mark: str, rules: disclosure.DisclosureRules = RULES) -> str:
    """Why a figure is hidden, in words: ``fewer than 10 pupils …`` / ``base under 30 …``."""
    if mark == disclosure.CONFIDENTIAL:
        return (
            f"fewer than {rules.min_count:g} pupils gave, or did not give, the answer, "
            "or it could be worked out from figures shown"
        )
    return f"base under {rules.min_base:g} pupils or under {rules.min_schools} schools"


def wave_text(wave: int) -> str:
    """``wave 1 (2008)``."""
    return schema.groups()["wave"].values.get(int(wave), f"Wave {wave}").lower()


def what_text(block: str, label: str) -> str:
    """What a share counts, in the questionnaire's words:
    ``agreed “I enjoy this subject” (Maths)`` or ``ticked Science club (“Have you been …”)``."""
    b = schema.block(block)
    if b.scale == "agreement":
        return f"agreed “{b.question}” ({label})"
    return f"ticked “{label}” (“{b.question}”)"


def percent(share: float) -> str:
    """``62%`` (a share as a whole percentage)."""
    return f"{100 * share:.0f}%"


def points(value_pp: float) -> str:
    """``14 points`` (no sign)."""
    v = abs(value_pp)
    return f"{v:.0f} point{'' if round(v) == 1 else 's'}"


def signed(value_pp: float) -> str:
    """``+14`` / ``-3`` / ``0`` (whole points, never ``-0``)."""
    v = round(value_pp)
    return f"{v:+d}" if v else "0"


def _interval_pp(low: float, high: float) -> str:
    return f"95% interval {signed(low)} to {signed(high)} points"


def _shown(table: pd.DataFrame) -> pd.Series:
    return table["suppressed"].fillna("").astype(str) == ""


def _pairs(table: pd.DataFrame) -> pd.DataFrame:
    """One row per wave, year group and item with the school's and the other schools' figures
    side by side (``_s`` and ``_o``); rows where either is hidden have NaN there."""
    keys = ["block", "item", "label", "wave", "year_group"]
    cols = ["share", "ci_low", "ci_high", "n", "n_schools", "suppressed"]
    t = table.assign(item=table["item"].astype(str), block=table["block"].astype(str))
    this = t[t["school"] == disclosure.THIS_SCHOOL][keys + cols]
    other = t[t["school"] == disclosure.OTHER_SCHOOLS][keys + cols]
    return this.merge(other, on=keys, suffixes=("_s", "_o"), how="inner")


def _usable(row) -> bool:
    return (
        str(row.suppressed_s or "") == ""
        and str(row.suppressed_o or "") == ""
        and not any(
            math.isnan(float(v))
            for v in (
                row.share_s,
                row.ci_low_s,
                row.ci_high_s,
                row.share_o,
                row.ci_low_o,
                row.ci_high_o,
            )
        )
    )


def _rank(frame: pd.DataFrame) -> pd.DataFrame:
    if not len(frame):
        return frame
    return frame.sort_values(
        ["clear", "strength", "id"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)


def _strength(low: float, high: float) -> float:
    """How far the interval stays from 0 (negative when it straddles 0)."""
    return min(abs(low), abs(high)) if low > 0 or high < 0 else -min(abs(low), abs(high))


def school_findings(tables: Mapping[str, pd.DataFrame], school: str) -> pd.DataFrame:
    """Every shown figure of the school against the other schools, as a finding.

    Parameters
    ----------
    tables : mapping of block key to DataFrame
        The My school table of each block (every wave and year group), in the
        shape of ``dashboards.my_school.COLUMNS``.
    school : str
        The school's name as the pack says it (``"School S13"``).

    Returns
    -------
    DataFrame with :data:`FINDING_COLUMNS`, ``kind`` ``"school"``, the
    strongest first (see the module notes). Ids are
    ``<item>-w<wave>-y<year>``: ``enjoy_maths-w1-y9``.
    """
    rows = []
    for block, table in tables.items():
        if not len(table):
            continue
        for r in _pairs(table).itertuples(index=False):
            if not _usable(r):
                continue
            d, lo, hi = mover(
                r.share_s, r.ci_low_s, r.ci_high_s, r.share_o, r.ci_low_o, r.ci_high_o
            )
            d, lo, hi = 100 * d, 100 * lo, 100 * hi
            clear = lo > 0 or hi < 0
            wave, year = int(r.wave), int(r.year_group)
            side = ("higher than" if d > 0 else "lower than") if round(d) else "the same as"
            n_schools = int(r.n_schools_o)
            sentence = (
                f"Year {year}, {wave_text(wave)}: {percent(r.share_s)} of {school}'s pupils "
                f"{what_text(block, r.label)} (95% interval {percent(r.ci_low_s)} to "
                f"{percent(r.ci_high_s)}; {int(r.n_s):,} pupils), against "
                f"{percent(r.share_o)} in the {n_schools} other schools "
                f"({percent(r.ci_low_o)} to {percent(r.ci_high_o)}): "
                + (f"{points(d)} {side} them" if round(d) else "the same")
                + f" ({_interval_pp(lo, hi)})"
                + ("." if clear else ", so the difference may be chance.")
            )
            rows.append(
                {
                    "id": f"{r.item}-w{wave}-y{year}",
                    "kind": "school",
                    "block": block,
                    "item": r.item,
                    "label": r.label,
                    "wave": wave,
                    "year_group": year,
                    "school_share": r.share_s,
                    "school_low": r.ci_low_s,
                    "school_high": r.ci_high_s,
                    "school_n": r.n_s,
                    "other_share": r.share_o,
                    "other_low": r.ci_low_o,
                    "other_high": r.ci_high_o,
                    "other_n": r.n_o,
                    "n_schools": n_schools,
                    "difference_pp": d,
                    "low_pp": lo,
                    "high_pp": hi,
                    "clear": clear,
                    "strength": _strength(lo, hi),
                    "sentence": sentence,
                }
            )
    return _rank(pd.DataFrame(rows, columns=list(FINDING_COLUMNS)))


def change_findings(tables: Mapping[str, pd.DataFrame], school: str) -> pd.DataFrame:
    """The school's change from wave 1 to wave 2 against the other schools' change.

    Only where the school was surveyed in both waves and all four figures
    (school and other schools, both waves, one year group) are shown. The
    ``school_*`` and ``other_*`` columns hold the two changes (as shares,
    wave 2 minus wave 1) and their intervals; ``difference_pp`` is the school's
    change minus the others' change. Ids are ``change-<item>-y<year>``.
    """
    rows = []
    for block, table in tables.items():
        if not len(table):
            continue
        pairs = _pairs(table)
        pairs = pairs[[_usable(r) for r in pairs.itertuples(index=False)]]
        first, second = pairs[pairs["wave"] == 1], pairs[pairs["wave"] == 2]
        both = first.merge(
            second, on=["block", "item", "label", "year_group"], suffixes=("_1", "_2")
        )
        for r in both.itertuples(index=False):
            cs = mover(
                r.share_s_2, r.ci_low_s_2, r.ci_high_s_2, r.share_s_1, r.ci_low_s_1, r.ci_high_s_1
            )
            co = mover(
                r.share_o_2, r.ci_low_o_2, r.ci_high_o_2, r.share_o_1, r.ci_low_o_1, r.ci_high_o_1
            )
            d, lo, hi = (100 * v for v in mover(*cs, *co))
            clear = lo > 0 or hi < 0
            year = int(r.year_group)
            sentence = (
                f"Year {year}: the share of {school}'s pupils who {what_text(block, r.label)} "
                f"went from {percent(r.share_s_1)} in 2008 to {percent(r.share_s_2)} in 2010 "
                f"({signed(100 * cs[0])} points, 95% interval {signed(100 * cs[1])} to "
                f"{signed(100 * cs[2])}); in the other schools from {percent(r.share_o_1)} to "
                f"{percent(r.share_o_2)} ({signed(100 * co[0])} points, {signed(100 * co[1])} "
                f"to {signed(100 * co[2])}). The school's change is {signed(d)} points against "
                "theirs "
                f"({_interval_pp(lo, hi)})"
                + ("." if clear else ", so the difference may be chance.")
            )
            rows.append(
                {
                    "id": f"change-{r.item}-y{year}",
                    "kind": "change",
                    "block": block,
                    "item": r.item,
                    "label": r.label,
                    "wave": 2,
                    "year_group": year,
                    "school_share": cs[0],
                    "school_low": cs[1],
                    "school_high": cs[2],
                    "school_n": r.n_s_2,
                    "other_share": co[0],
                    "other_low": co[1],
                    "other_high": co[2],
                    "other_n": r.n_o_2,
                    "n_schools": int(r.n_schools_o_2),
                    "difference_pp": d,
                    "low_pp": lo,
                    "high_pp": hi,
                    "clear": clear,
                    "strength": _strength(lo, hi),
                    "sentence": sentence,
                }
            )
    return _rank(pd.DataFrame(rows, columns=list(FINDING_COLUMNS)))


def hidden_rows(
    tables: Mapping[str, pd.DataFrame], school: str, rules: disclosure.DisclosureRules = RULES
) -> pd.DataFrame:
    """Every figure the My school page hides, as a sentence with no number in it."""
    rows = []
    for block, table in tables.items():
        for r in table[~_shown(table)].itertuples(index=False):
            who = school if r.school == disclosure.THIS_SCHOOL else "the other schools"
            why = hidden_why(str(r.suppressed), rules)
            rows.append(
                {
                    "block": block,
                    "item": str(r.item),
                    "label": r.label,
                    "wave": int(r.wave),
                    "year_group": int(r.year_group),
                    "school": r.school,
                    "suppressed": str(r.suppressed),
                    "why": why,
                    "sentence": (
                        f"Year {int(r.year_group)}, {wave_text(r.wave)}, "
                        f"{schema.block(block).label}: {r.label}, {who}: hidden "
                        f"({why})."
                    ),
                }
            )
    return pd.DataFrame(rows, columns=list(HIDDEN_COLUMNS))
