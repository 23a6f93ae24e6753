"""The home page: what the survey is, which data are showing, and every dashboard."""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from pathlib import Path

import ipywidgets as widgets

from . import data, page, results

#: Every dashboard notebook in this folder, in the order the home page lists
#: them: (notebook, title, one sentence on what it shows). A new dashboard
#: adds itself here; tests/test_notebooks.py checks that none is missing.
DASHBOARDS: tuple[tuple[str, str, str], ...] = (
    ("subjects.ipynb", "Subjects",
     "Favourite subjects, and how many pupils enjoy each subject, find it easy and think it "
     "important: year 7 against year 9, 2008 against 2010, by gender and ethnicity."),
    ("careers.ipynb", "Careers",
     "Where pupils would look for careers information, the qualifications they know of and "
     "aim for, the STEM careers they would consider and the career areas they like."),
    ("enrichment.ipynb", "Enrichment",
     "Clubs, trips and visitors pupils remember, by subject, year group and ethnicity."),
    ("gender_gaps.ipynb", "Gender and ethnicity gaps",
     "Every item's gap between boys and girls (or ethnic groups) with its interval, and "
     "whether it widens from year 7 to year 9."),
    ("waves.ipynb", "Waves and cohort",
     "What changed between 2008 and 2010, in all schools or like for like, and the 2008 "
     "year 7 cohort seen again in year 9."),
    ("my_school.ipynb", "My school",
     "For a school's STEM lead: one school against all the others, with disclosure "
     "control applied."),
    ("planner.ipynb", "STEM Planner",
     "Lay out a key stage's STEM activity on a clock-face, check its balance, and see "
     "where the survey calls for activity the plan lacks."),
    ("manager.ipynb", "STEM Manager",
     "A school's self-review across the six themes of making STEM work (leadership, staff, "
     "curriculum, enrichment, careers, the physical environment), drawn as a hexagon, with "
     "an action plan linked to the STEM plan."),
)


def shown(environ: Mapping[str, str] | None = None,
          folder: Path | None = None) -> tuple[tuple[str, str, str], ...]:
    """The dashboards this server offers: all of them, or on a publication bundle
    (``KS3_BUNDLE`` set) only the public ones the server's folder holds
    (:data:`dashboards.server.PUBLIC_NOTEBOOKS`, and ``my_school`` when the bundle
    names a school: the published server copies exactly those; on a network's hub,
    :mod:`dashboards.hub`, also the Planner and the Manager when the member's folder
    holds them)."""
    environ = os.environ if environ is None else environ
    if not environ.get(results.BUNDLE_VARIABLE, "").strip():
        return DASHBOARDS
    from .server import PUBLIC_NOTEBOOKS

    folder = Path.cwd() if folder is None else folder
    public = {f"{name}.ipynb" for name in (*PUBLIC_NOTEBOOKS, "my_school")}
    if environ.get("JUPYTERHUB_USER"):  # a member's own server on a network's hub
        public |= {"planner.ipynb", "manager.ipynb"}
    return tuple(d for d in DASHBOARDS if d[0] in public and (folder / d[0]).exists())


def links(environ: Mapping[str, str] | None = None, folder: Path | None = None) -> widgets.HTML:
    """Links to every dashboard offered (:func:`shown`); relative, so they work
    wherever Voilà serves the folder."""
    cards = "".join(
        f'<li><a href="{html.escape(notebook)}"><b>{html.escape(title)}</b></a>'
        f"<br>{html.escape(about)}</li>"
        for notebook, title, about in shown(environ, folder))
    return page.html_widget(f'<ul class="ks3-dashboards">{cards}</ul>'
                            "<style>.ks3-dashboards li { margin: 0 0 0.8em 0; }</style>")


def build() -> widgets.Widget:
    """Which data are showing (the links come in a cell of their own, shown even
    when the data cannot be loaded)."""
    shown = data.current()
    parts = [shown.note()]
    notes = getattr(getattr(shown, "survey", None), "notes", None)
    if notes:
        items = "".join(f"<li>{html.escape(str(note))}</li>" for note in notes)
        parts.append(page.html_widget(
            f'<p class="ks3-note">Read with these notes:</p><ul class="ks3-note">{items}</ul>'))
    return widgets.VBox(parts)


def main() -> None:
    """What the notebook runs. If the data cannot be loaded the message says why."""
    page.show(build)
