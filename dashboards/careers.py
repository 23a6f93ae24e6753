"""Careers dashboard: information sources, qualifications, STEM careers, career areas.

Where pupils would look for careers information, which qualifications they
have heard of and which they aim for, the STEM careers they would consider,
whether they want to know more, and the kinds of work they like; compared
between year groups, waves, genders or ethnic groups. A
:class:`dashboards.explorer.BlockExplorer` configured by :data:`SETUP`.
"""

from __future__ import annotations

from . import explorer, shell

SETUP = explorer.Setup(
    name="careers",
    topics=(
        explorer.Topic(
            "Careers information sources", ("source",), "share who would go to each source"
        ),
        explorer.Topic(
            "Qualification awareness", ("aware",), "share who have heard of each qualification"
        ),
        explorer.Topic(
            "Qualification aim", ("aim",), "share aiming for each qualification as their highest"
        ),
        explorer.Topic(
            "STEM careers considered", ("consider",), "share who would consider a career in each"
        ),
        explorer.Topic(
            "Wanting STEM careers information",
            ("want_info",),
            "share who want to find out more about STEM careers",
        ),
        explorer.Topic("Career areas", ("career",), "share who would consider each kind of work"),
    ),
    compare="year_group",
)
INTRO = (
    "<p>What pupils know and think about jobs and careers: where they would go for careers "
    "information, which qualifications they have heard of and the highest they aim for, "
    "whether they would consider a career in science, technology, engineering or maths and "
    "want to find out more, and which kinds of work they would consider. Compare year 7 "
    "with year 9, the two waves, girls with boys, or the two ethnic groups.</p>"
)


def make(results) -> explorer.BlockExplorer:
    """The dashboard for one set of results (called again for uploaded files)."""
    return explorer.BlockExplorer(results, SETUP)


def main() -> None:
    """What the notebook runs."""
    shell.main(make, title="Careers", intro=INTRO)
