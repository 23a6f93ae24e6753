"""Statistical disclosure control: what may be shown of a survey table.

One module decides, for the command line, the dashboards and the public bundle
alike, which numbers of a tidy result table (see :mod:`analysis.measures`) are
shown. It follows the Government Statistical Service (GSS) guidance on
disclosure control of tables [1]_ [2]_: a threshold on the number of people in
a cell (primary suppression), then enough further suppression that no hidden
cell can be worked out from shown ones (secondary suppression), and the GSS
symbols ``c`` (confidential) and ``u`` (low reliability) in place of what is
hidden [3]_.

Primary rules (:class:`DisclosureRules`, defaults in brackets)
-------------------------------------------------------------
A cell is ``c`` (its ``count`` hidden) when

* ``count < min_count`` (10): fewer than 10 pupils ticked / agreed. A
  threshold of 10 is the minimum cell count most commonly used in
  government tables of people [1]_ [2]_;
* ``n - count < min_count``: fewer than 10 pupils did *not* tick. The
  complement is a count of pupils too (“all but 3 pupils of this group
  ticked it” discloses as much as “3 ticked”), so it gets the same threshold;
* ``n < min_count``: the base itself is a small count of pupils; then ``n`` is
  hidden as well.

Hiding a count always hides the ``share`` and everything computed from it
(``ci_low``, ``ci_high``, ``se``, any ``share_*`` or ``ci_*`` column): with
``n`` shown, ``count = share * n`` would give the count back.

A cell that is not ``c`` is ``u`` (low base) when its base ``n`` is under
``min_base`` (30) pupils or its pupils come from fewer than ``min_schools``
(3) schools (column ``n_schools``; a table by ``school_id`` has one school per
cell). ``u`` is a rule of reliability: the share, its interval and the
count are hidden and ``n`` is shown. A ``u`` cell on a low base is not
protected against differencing (its counts are at least 10 both ways); a ``u``
cell from fewer than ``min_schools`` schools is one or two schools' own
figure, so it is protected like a ``c`` cell: no combination of shown numbers
may pin its count to a range narrower than ``protection`` pupils.

A cell with ``n == 0`` (nobody in the group answered) is shown as it is: it
holds nobody to disclose; its share is undefined (symbol ``z``).

Secondary suppression
---------------------
The cells of a breakdown add up along every grouping dimension (girls + boys +
other + not stated = all pupils; year 7 + year 9; wave 1 + wave 2; schools),
and this holds for counts, for bases ``n`` and hence for complements
``n - count``. :func:`protect` takes *all* tables of one view or publication
together (e.g. by gender, by year group, and the total) and models them as sums
of the cells of the finest cross-classification of their grouping columns.
Gender and ethnicity may be missing, so they get an extra, never-published
category “not stated”: the pupils in the total but in no shown group. That
residual (total minus the shown groups) is an *implicit cell*: when the
published tables pin it to fewer than ``min_count`` pupils it is protected like
any small cell.

Distributions are modelled the same way, with the answer code as one more,
complete dimension ``category`` (never "not stated"): every pupil of a group has
exactly one code, so the codes' counts add up to the group's base (1 + 2 + 3 + 4
= ``n`` on a four-point item; the qualification-aim categories likewise), and a
row's base is the same in every code of its group. A sub-total of codes may be
published as a category of its own (``"agree"`` = codes 3 + 4, declared in
:data:`CATEGORY_MARGINS` or the ``category_margins`` argument of
:func:`protect`); it is a margin of the same cells, so a hidden code is neither
the base minus the codes shown nor the agree count minus the other agree code.

An attacker who knows every shown number (and that counts are at least 0 and at
most ``n``) can bound each hidden number by linear programming. Protection
requires that

* every hidden count and every hidden ``n`` stays undetermined (its feasible
  range is not a single value), and
* every small quantity (a count, complement or base under ``min_count``, shown
  or implicit) has a feasible range at least ``protection`` wide (default
  ``min_count``): the attacker cannot narrow it to within 10 pupils — so two
  tiny cells cannot protect each other by revealing their tiny sum.

While a requirement fails, the next-smallest shown sibling of the cell (same
breakdown, one grouping value different) is suppressed — then, failing that,
its parent or children, then any cell of the item — and the ranges are
computed again, until every requirement holds. Suppression is monotone
(hiding more never narrows a range), so the loop ends; a cell hidden in one
table is hidden in every table of the view that holds it. This is the
audit-and-extend approach of tau-Argus [4]_, with an exact linear-programming
audit (scipy's HiGHS) instead of a heuristic one.

Tables must list every group they cover: a row absent from a table (a
combination of the group values that table shows) is read as an empty group
(``n = 0``), as :func:`analysis.measures.shares` produces. Filter tables
*after* protecting them, not before.

References
----------
.. [1] Government Statistical Service (2021). *Disclosure control guidance
   for tables produced from surveys* and *… from administrative sources*.
   GSS / ONS, Statistical Disclosure Control.
.. [2] Office for National Statistics (2019). *Statistical disclosure
   control methods for tables*: threshold rule (commonly a minimum cell
   count of 10), secondary suppression, differencing.
.. [3] Government Analysis Function (2023). *Symbols in tables, definitions
   and help*: ``[c]`` confidential, ``[u]`` low reliability, ``[z]`` not
   applicable.
.. [4] Hundepool A. et al. (2012). *Statistical Disclosure Control*. Wiley,
   ch. 4 (tabular data: sensitivity rules, secondary cell suppression,
   audit by linear programming).

The package, by topic (see ``docs/architecture.md``):

``rules``         :class:`DisclosureRules`, the grouping columns, the symbols, the regimes
``cells``         the cells of a view, read from its tables
``audit``         the LP audit of one item (HiGHS) and its secondary suppression
``margin_audit``  the same for one-dimensional margins, in closed form
``suppression``   :func:`primary_rule` and :func:`protect`: a whole view protected
``display``       a protected number as text
``school``        My school: :func:`school_view`

Examples
--------
>>> import pandas as pd
>>> total = pd.DataFrame({"item": ["visitor_talk"], "label": ["Visitor"],
...                       "n": [60.0], "count": [24.0], "share": [0.4]})
>>> by_year = pd.DataFrame({"year_group": [7, 9], "item": "visitor_talk",
...                         "label": "Visitor", "n": [25.0, 35.0],
...                         "count": [4.0, 20.0], "share": [0.16, 20 / 35]})
>>> out = protect({"total": total, "by_year": by_year})
>>> out["by_year"][["year_group", "n", "count", "suppressed"]]
   year_group     n  count suppressed
0           7  25.0    NaN          c
1           9  35.0    NaN          c
"""

from .display import display_value, format_for_display
from .rules import (
    CATEGORY_MARGINS,
    COMMON_SCHOOLS,
    CONFIDENTIAL,
    GROUP_DIMENSIONS,
    INCOMPLETE_DIMENSIONS,
    INTERNAL_USE,
    LOW_RELIABILITY,
    NOT_APPLICABLE,
    OTHER_SCHOOLS,
    PUBLICATION,
    THIS_SCHOOL,
    DisclosureRules,
    primary_rule,
    regime_sentence,
)

from typing import TYPE_CHECKING

from ..lazy import on_first_use

if TYPE_CHECKING:
    from .school import school_view
    from .suppression import protect

# the audit (scipy's HiGHS) is imported when first used: a published page needs the
# rules and the display only (analysis.lazy says why)
__getattr__, __dir__ = on_first_use(
    __name__, globals(), {"protect": "suppression", "school_view": "school"}
)

__all__ = [
    "CATEGORY_MARGINS",
    "COMMON_SCHOOLS",
    "CONFIDENTIAL",
    "GROUP_DIMENSIONS",
    "INCOMPLETE_DIMENSIONS",
    "INTERNAL_USE",
    "LOW_RELIABILITY",
    "NOT_APPLICABLE",
    "OTHER_SCHOOLS",
    "PUBLICATION",
    "THIS_SCHOOL",
    "DisclosureRules",
    "display_value",
    "format_for_display",
    "primary_rule",
    "protect",
    "regime_sentence",
    "school_view",
]
