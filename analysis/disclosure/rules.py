"""The disclosure rules, the grouping columns and symbols, and the regime of a figure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .. import schema

#: Columns that group a table's cells, in the order they are modelled.
#: ``school`` is the "this school / other schools" column of :func:`school_view`;
#: ``category`` is the answer code (or qualification-aim category) of a
#: distribution: its cells partition the item's base (see
#: :data:`CATEGORY_MARGINS` and the module docstring).
#: ``school_set`` marks a table of a subset of schools: ``"common"`` for the
#: schools surveyed in both waves, whose figures like-for-like comparisons are
#: computed from. A table without it covers every school, so it is the margin
#: of the common schools and an unpublished residual (the schools surveyed in
#: one wave only), which is protected like any implicit cell.
GROUP_DIMENSIONS: tuple[str, ...] = (
    *schema.GROUP_COLUMNS,
    "school_set",
    "school_id",
    "school",
    "category",
)
#: The ``school_set`` value of the schools surveyed in both waves.
COMMON_SCHOOLS = "common"

#: Sub-totals of answer codes a table may publish as a ``category`` value:
#: the agree share of a four-point item is codes 3 + 4 (``schema.positive_codes``).
#: Codes are compared as text, so ``"3"`` and ``3`` are the same code.
CATEGORY_MARGINS: Mapping[str, tuple] = {"agree": schema.positive_codes("agreement")}

#: Grouping columns a pupil may leave empty: their breakdowns miss the
#: "not stated" pupils, who are in the total nonetheless.
INCOMPLETE_DIMENSIONS: tuple[str, ...] = (
    *(c for c in schema.GROUP_COLUMNS if c not in schema.REQUIRED_COLUMNS),
    "school_set",
)

CONFIDENTIAL = "c"  # GSS symbol: hidden to protect confidentiality
LOW_RELIABILITY = "u"  # GSS symbol: low base, not shown
NOT_APPLICABLE = "z"  # GSS symbol: share of nobody

THIS_SCHOOL = "this school"
OTHER_SCHOOLS = "other schools"

#: The two ways a figure is made, named on every output (dashboards, ``summary``,
#: bundles) so that two outputs that differ say why.
INTERNAL_USE = "internal use"
PUBLICATION = "protected for publication"


def regime_sentence(regime: str, rules: "DisclosureRules | None" = None) -> str:
    """What a figure made under ``regime`` (:data:`INTERNAL_USE` or
    :data:`PUBLICATION`) hides, in one plain sentence for a page or a README."""
    r = rules or DisclosureRules()
    primary = (
        f"a count, its complement or a base under {r.min_count:g} pupils is hidden "
        f"(c); a share on fewer than {r.min_base:g} pupils or {r.min_schools} "
        "schools is not shown (u)"
    )
    if regime == INTERNAL_USE:
        return (
            f"Figures for internal use: {primary}, each figure on its own. Figures "
            "that a publication hides further, so that no hidden one can be worked out "
            "from the others, are shown here: publish only through the publication "
            "bundle or the disclosure-controlled summary, never from this output."
        )
    if regime == PUBLICATION:
        return (
            f"Figures protected for publication: {primary}, and further figures are "
            "hidden so that no hidden one can be worked out from everything published "
            "with it (every table of a block, the like-for-like comparisons, flags "
            "and q-values together)."
        )
    raise ValueError(f"unknown regime {regime!r}: {INTERNAL_USE!r} or {PUBLICATION!r}")


@dataclass(frozen=True)
class DisclosureRules:
    """Thresholds of the disclosure rules (see the module docstring).

    Parameters
    ----------
    min_count : a count, complement (``n - count``) or base ``n`` under this
        many pupils is confidential (``c``).
    min_base : a share whose base ``n`` is under this is not shown (``u``).
    min_schools : a share from fewer schools than this is not shown (``u``).
    protection : the narrowest range to which an attacker may bound a small
        quantity from the shown numbers; ``None`` means ``min_count``.
    """

    min_count: float = 10
    min_base: float = 30
    min_schools: int = 3
    protection: float | None = None

    @property
    def protection_width(self) -> float:
        return self.min_count if self.protection is None else self.protection


def primary_rule(n, count, n_schools, rules: DisclosureRules):
    """The primary rules, for one share or for arrays of them (numpy, elementwise).

    Returns ``(base_hidden, confidential, few_schools, low_base)``:
    ``base_hidden`` when the base ``n`` is under ``rules.min_count``;
    ``confidential`` (``c``) when the base, the count or its complement
    (``n - count``) is; ``few_schools`` when fewer than ``rules.min_schools``
    schools contribute (an unknown, NaN, number of schools is not few);
    ``low_base`` (``u`` unless confidential) when ``n`` is under
    ``rules.min_base`` or the schools are few. The one statement of these rules:
    :func:`protect` and the live pages' marks (:mod:`dashboards.results`) use it.

    >>> primary_rule(25, 20, 4, DisclosureRules())
    (False, True, False, True)
    >>> primary_rule(40, 20, 2, DisclosureRules())
    (False, False, True, True)
    """
    mc = rules.min_count
    base_hidden = n < mc
    confidential = base_hidden | (count < mc) | (n - count < mc)
    few_schools = n_schools < rules.min_schools
    return base_hidden, confidential, few_schools, (n < rules.min_base) | few_schools
