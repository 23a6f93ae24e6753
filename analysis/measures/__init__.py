"""Survey measures in one tidy shape.

Every measure returns a long table with one row per group and item:

=========  ==================================================================
column     meaning
=========  ==================================================================
<by...>    the grouping columns asked for (``wave``, ``year_group``…)
item       the contract column of the item (``favourite_maths``)
label      the item's label (``Maths``)
n          base: pupils in the group who answered the item (weighted if the
           file has weights)
count      of those, pupils who ticked it / agreed (3 or 4 on a four-point item)
share      ``count / n``
=========  ==================================================================

Figures, downloads, the command line and tests all read this shape.

The package, by topic (see ``docs/architecture.md``):

``tidy``          :func:`shares` of one pupil table
``shapes``        the columns of the result shapes, the breakdowns
``aggregates``    :class:`SurveyAggregates`: cluster totals computed once, every view
``share_tables``  its shares and distributions
``comparisons``   its gaps, gap changes, changes between waves and the cohort
``frames``        table assembly: parts joined into one frame, text columns, ranks
``protection``    a view protected for publication or display
``publication``   every table of every block, protected together
"""

from typing import TYPE_CHECKING

from ..lazy import on_first_use
from .frames import TEXT_COLUMNS
from .shapes import (
    BREAKDOWN_COLUMNS,
    COHORT,
    COHORT_LEVELS,
    COMPARISON_COLUMNS,
    MIN_BASE,
    SHARE_COLUMNS,
    STANDARD_BREAKDOWNS,
)
from .tidy import shares

if TYPE_CHECKING:
    from .aggregates import SurveyAggregates
    from .protection import margins, protect_tables, protect_view
    from .publication import (
        COMMON_COMPONENT_BREAKDOWNS,
        PUBLISHED_BREAKDOWNS,
        PUBLISHED_DECIMALS,
        PUBLISHED_P_DIGITS,
        common_table_name,
        protect_comparisons,
        summary_tables,
    )

# estimation and protection (scipy) are imported when first used: a published page
# reads the shapes only (analysis.lazy says why)
__getattr__, __dir__ = on_first_use(
    __name__,
    globals(),
    {
        "SurveyAggregates": "aggregates",
        **dict.fromkeys(("margins", "protect_tables", "protect_view"), "protection"),
        **dict.fromkeys(
            (
                "COMMON_COMPONENT_BREAKDOWNS",
                "PUBLISHED_BREAKDOWNS",
                "PUBLISHED_DECIMALS",
                "PUBLISHED_P_DIGITS",
                "common_table_name",
                "protect_comparisons",
                "summary_tables",
            ),
            "publication",
        ),
    },
)

__all__ = [
    "BREAKDOWN_COLUMNS",
    "COHORT",
    "COHORT_LEVELS",
    "COMMON_COMPONENT_BREAKDOWNS",
    "COMPARISON_COLUMNS",
    "MIN_BASE",
    "PUBLISHED_BREAKDOWNS",
    "PUBLISHED_DECIMALS",
    "PUBLISHED_P_DIGITS",
    "SHARE_COLUMNS",
    "STANDARD_BREAKDOWNS",
    "TEXT_COLUMNS",
    "SurveyAggregates",
    "common_table_name",
    "margins",
    "protect_comparisons",
    "protect_tables",
    "protect_view",
    "shares",
    "summary_tables",
]
