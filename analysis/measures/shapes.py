"""The columns of the result shapes, the breakdowns, and the groups compared."""

from __future__ import annotations

from itertools import combinations

from .. import disclosure, schema

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


def components(measure: str) -> tuple[tuple[str, ...], list[dict]]:
    """What a comparison subtracts: the share table it reads (its group columns) and
    the cells of its first and second figures (a gap change: the four cells of its two
    gaps), each as the group values the comparison fixes.

    >>> components("change_waves")
    (('wave', 'year_group'), [{'wave': 1}, {'wave': 2}])
    """
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
