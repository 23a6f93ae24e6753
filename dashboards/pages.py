"""Every dashboard page, kept once: its notebook, title, what it shows and who sees it.

The home page lists :data:`PAGES` in this order (:data:`dashboards.home.DASHBOARDS`);
a published server serves the public ones (:data:`PUBLIC_NOTEBOOKS`, and
:data:`SCHOOL_NOTEBOOK` when the bundle names a school); a network's hub adds a
school's own pages (:data:`SCHOOL_PAGES`) or the planning tools
(:data:`PLANNER_PAGES`). A new dashboard adds itself here;
tests/test_notebooks.py checks that none is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The home page's notebook (``index.ipynb``).
HOME_NOTEBOOK = "index"


@dataclass(frozen=True)
class Page:
    """One dashboard: its notebook (without ``.ipynb``), title, one sentence on
    what it shows, and its audience: ``"public"`` (served from a publication
    bundle), ``"research"`` (reads pupil rows: the research server only),
    ``"school"`` (one school's view) or ``"planning"`` (plans and reviews, never
    published)."""

    name: str
    title: str
    audience: str
    about: str


PAGES: tuple[Page, ...] = (
    Page(
        "subjects",
        "Subjects",
        "public",
        "Favourite subjects, and how many pupils enjoy each subject, find it easy and think it "
        "important: year 7 against year 9, 2008 against 2010, by gender and ethnicity.",
    ),
    Page(
        "careers",
        "Careers",
        "public",
        "Where pupils would look for careers information, the qualifications they know of and "
        "aim for, the STEM careers they would consider and the career areas they like.",
    ),
    Page(
        "enrichment",
        "Enrichment",
        "public",
        "Clubs, trips and visitors pupils remember, by subject, year group and ethnicity.",
    ),
    Page(
        "gender_gaps",
        "Gender and ethnicity gaps",
        "public",
        "Every item's gap between boys and girls (or ethnic groups) with its interval, and "
        "whether it widens from year 7 to year 9.",
    ),
    Page(
        "waves",
        "Waves and cohort",
        "public",
        "What changed between 2008 and 2010, in all schools or like for like, and the 2008 "
        "year 7 cohort seen again in year 9.",
    ),
    Page(
        "related",
        "Related items",
        "research",
        "Any item against any other: for example, whether pupils who enjoy science consider a "
        "science career more often, with any filter and a design-based test.",
    ),
    Page(
        "my_school",
        "My school",
        "school",
        "For a school's STEM lead: one school against all the others, with disclosure "
        "control applied.",
    ),
    Page(
        "planner",
        "STEM Planner",
        "planning",
        "Lay out a key stage's STEM activity on a clock-face, check its balance, and see "
        "where the survey calls for activity the plan lacks.",
    ),
    Page(
        "manager",
        "STEM Manager",
        "planning",
        "A school's self-review across the six themes of making STEM work (leadership, staff, "
        "curriculum, enrichment, careers, the physical environment), drawn as a hexagon, with "
        "an action plan linked to the STEM plan.",
    ),
)

#: The notebooks a published server serves (``my_school`` only when the bundle names a school).
PUBLIC_NOTEBOOKS: tuple[str, ...] = (
    HOME_NOTEBOOK,
    *(p.name for p in PAGES if p.audience == "public"),
)
SCHOOL_NOTEBOOK = "my_school"
#: The planning tools: a network lead's, and a school's on a hub.
PLANNER_PAGES: tuple[str, ...] = tuple(p.name for p in PAGES if p.audience == "planning")
#: A school's own pages on a network's hub.
SCHOOL_PAGES: tuple[str, ...] = (SCHOOL_NOTEBOOK, *PLANNER_PAGES)
