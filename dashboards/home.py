"""The home page: what the survey is, which data are showing, and every dashboard."""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from pathlib import Path

import ipywidgets as widgets

from analysis import settings

from . import data, page, pages

#: Every dashboard notebook in this folder, in the order the home page lists
#: them: (notebook, title, one sentence on what it shows), from :data:`dashboards.pages.PAGES`.
DASHBOARDS: tuple[tuple[str, str, str], ...] = tuple(
    (f"{p.name}.ipynb", p.title, p.about) for p in pages.PAGES
)

#: Pages of a network's lead only (:data:`dashboards.hub.NETWORK_LEAD_PAGES`): listed on
#: a hub server whose folder holds them (only the lead's does).
LEAD_PAGES: tuple[tuple[str, str, str], ...] = (
    (
        "network.ipynb",
        "The network",
        (
            "Every member school's plan and review side by side: where the network is thin and "
            "which schools might pair up."
        ),
    ),
)


def shown(
    environ: Mapping[str, str] | None = None, folder: Path | None = None
) -> tuple[tuple[str, str, str], ...]:
    """The dashboards this server offers: all of them, or on a publication bundle
    (``KS3_BUNDLE`` set) only the public ones the server's folder holds
    (:data:`dashboards.pages.PUBLIC_NOTEBOOKS`, and ``my_school`` when the bundle
    names a school: the published server copies exactly those; on a network's hub,
    :mod:`dashboards.hub`, also the Planner and the Manager when the member's folder
    holds them)."""
    environ = os.environ if environ is None else environ
    if not settings.bundle(environ):
        return DASHBOARDS
    folder = Path.cwd() if folder is None else folder
    public = {f"{name}.ipynb" for name in (*pages.PUBLIC_NOTEBOOKS, pages.SCHOOL_NOTEBOOK)}
    if environ.get("JUPYTERHUB_USER"):  # a member's own server on a network's hub
        public |= {f"{name}.ipynb" for name in pages.PLANNER_PAGES}
    lead = LEAD_PAGES if environ.get("JUPYTERHUB_USER") else ()
    return tuple(d for d in DASHBOARDS if d[0] in public and (folder / d[0]).exists()) + tuple(
        d for d in lead if (folder / d[0]).exists()
    )


def links(environ: Mapping[str, str] | None = None, folder: Path | None = None) -> widgets.HTML:
    """Links to every dashboard offered (:func:`shown`); relative, so they work
    wherever Voilà serves the folder."""
    cards = "".join(
        f'<li><a href="{html.escape(notebook)}"><b>{html.escape(title)}</b></a>'
        f"<br>{html.escape(about)}</li>"
        for notebook, title, about in shown(environ, folder)
    )
    return page.html_widget(
        f'<ul class="ks3-dashboards">{cards}</ul>'
        "<style>.ks3-dashboards li { margin: 0 0 0.8em 0; }</style>"
    )


def build() -> widgets.Widget:
    """Which data are showing (the links come in a cell of their own, shown even
    when the data cannot be loaded)."""
    shown = data.current()
    parts = [shown.note()]
    notes = getattr(getattr(shown, "survey", None), "notes", None)
    if notes:
        items = "".join(f"<li>{html.escape(str(note))}</li>" for note in notes)
        parts.append(
            page.html_widget(
                f'<p class="ks3-note">Read with these notes:</p><ul class="ks3-note">{items}</ul>'
            )
        )
    if not shown.published:  # files this visitor uploaded on a research page (dashboards.visit)
        from . import identity, visit

        kept = widgets.VBox([])
        parts += [
            kept,
            identity.on_arrival(
                lambda visitor: setattr(kept, "children", visit.kept_notice(visitor))
            ),
        ]
    return widgets.VBox(parts)


def main() -> None:
    """What the notebook runs. If the data cannot be loaded the message says why."""
    page.show(build)
