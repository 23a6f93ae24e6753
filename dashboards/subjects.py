"""Subjects dashboard: favourite subjects, enjoyment, ease and importance.

Year 7 against year 9 first (or wave 1 against wave 2, girls against boys,
the two ethnic groups); the share choosing or agreeing as a ranked dot plot
with intervals, and the four answers of the agreement items as diverging
bars. A :class:`dashboards.explorer.BlockExplorer` configured by :data:`SETUP`.
"""

from __future__ import annotations

from . import explorer, shell

SETUP = explorer.Setup(
    name="subjects",
    topics=(
        explorer.Topic(
            "Favourite subjects", ("favourite",), "share choosing the subject as a favourite"
        ),
        explorer.Topic("Enjoyment", ("enjoy",), "share who enjoy the subject"),
        explorer.Topic("Ease", ("easy",), "share who find the subject easy"),
        explorer.Topic(
            "Importance", ("important",), "share who think the subject important for their future"
        ),
    ),
    compare="year_group",
)
INTRO = (
    "<p>How pupils see their subjects: which are their favourites (they could tick up to "
    "three), and whether they enjoy each one, find it easy and think it important for their "
    "future. Compare year 7 with year 9, wave 1 (autumn 2008) with wave 2 (autumn 2010), "
    "girls with boys, or the two ethnic groups, among the pupils the filters choose. For "
    "enjoyment, ease and importance, <i>All four answers</i> (where the data hold every "
    "answer; published figures may give the share agreeing only) shows how strongly pupils "
    "agree or disagree.</p>"
)


def make(results) -> explorer.BlockExplorer:
    """The dashboard for one set of results (called again for uploaded files)."""
    return explorer.BlockExplorer(results, SETUP)


def main() -> None:
    """What the notebook runs."""
    shell.main(make, title="Subjects", intro=INTRO)
