"""Enrichment dashboard: clubs, trips and visitor talks, by subject and group.

The share of pupils who have been to a club or on a trip about science,
maths, technology or engineering, and who have heard a visitor talk about
their work; year 7 against year 9 first, or the two ethnic groups, genders
or waves. A :class:`dashboards.explorer.BlockExplorer` configured by
:data:`SETUP`.
"""

from __future__ import annotations

from . import explorer, shell

SETUP = explorer.Setup(
    name="enrichment",
    topics=(
        explorer.Topic(
            "Clubs, trips and visitors", ("club", "trip", "visitor"), "share who have taken part"
        ),
        explorer.Topic("Clubs", ("club",), "share who have been to each club"),
        explorer.Topic("Trips", ("trip",), "share who have been on each trip"),
        explorer.Topic(
            "Visitors", ("visitor",), "share who have heard a visitor talk about their work"
        ),
    ),
    compare="year_group",
    compares=("year_group", "ethnicity", "gender", "wave"),
)
INTRO = (
    "<p>STEM enrichment pupils remember: clubs and school trips about science, maths, "
    "technology and engineering, and visitors who came to talk about their work. Compare "
    "year 7 with year 9, the two ethnic groups, girls with boys, or the two waves, among the "
    "pupils the filters choose.</p>"
)


def make(results) -> explorer.BlockExplorer:
    """The dashboard for one set of results (called again for uploaded files)."""
    return explorer.BlockExplorer(results, SETUP)


def main() -> None:
    """What the notebook runs."""
    shell.main(make, title="Enrichment", intro=INTRO)
