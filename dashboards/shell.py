"""The frame every dashboard page shares: heading, which data, the dashboard,
and the panel to bring your own files.

A dashboard module defines a class whose constructor takes a
:class:`~dashboards.results.Results` and builds its widgets, exposing them as
``.widget``; its ``main()`` calls :func:`main` with that class. The frame
shows a loading indicator, then the page. When the results are live (not a
published bundle), an upload panel below the dashboard reads the viewer's own
files; the new dashboard is built from them first and swapped in only when
that succeeded, so a bad file leaves the page as it was, with the loader's
message in the panel. Files that worked are kept for the visitor's whole visit
(:mod:`dashboards.visit`): once the visitor has arrived
(:func:`dashboards.identity.on_arrival`), every page frame shows that visitor's
kept files, until they close them or upload others.

Example
-------
>>> class Enrichment:                                   # doctest: +SKIP
...     def __init__(self, results): self.widget = ...
>>> def main():                                         # doctest: +SKIP
...     shell.main(Enrichment, title="Enrichment", intro="<p>…</p>")
"""

from __future__ import annotations

import html
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets

from . import data, page, results as results_module

#: The home page, relative to any dashboard notebook.
HOME_LINK = '<p class="ks3-note"><a href="index.ipynb">← All dashboards</a></p>'


class DashboardPage:
    """Which data, the dashboard, and (live data only) the upload that can replace both.

    Parameters
    ----------
    results : Results
        What the page shows first (the server's data or bundle).
    make : callable
        ``make(results)`` returns an object with a ``.widget``; called again
        for uploaded files.
    allow_upload : bool
        Offer the upload panel (never for a published bundle).
    choose_school : bool
        A page of one school's figures (My school): on a network's hub, a member
        of several published schools chooses which one it shows, once they have
        arrived (:class:`dashboards.schools.SchoolChoice`).

    Attributes
    ----------
    dashboard : object
        The dashboard now showing; replaced whole when files are uploaded.
    widget : ipywidgets.VBox
    """

    def __init__(
        self,
        results: results_module.Results,
        make: Callable,
        allow_upload: bool = True,
        visits_root=None,
        choose_school: bool = False,
    ):
        self.results = results
        self.started = results  # the server's data, shown again when an upload is closed
        self.make = make
        self.visits_root = visits_root
        self.visit = None  # the visitor's kept files (dashboards.visit), once they arrive
        self.dashboard = make(results)
        # VBox, not Box: a Box is a flex row, which shrinks a chart to its content width
        self.note = widgets.VBox([results.note()])
        self.body = widgets.VBox([self.dashboard.widget])
        self.school_choice = widgets.VBox([])
        self.choice = None  # the visitor's schools to choose from, once they arrive
        parts = [self.note, self.body]
        if choose_school and results.published:
            from . import identity

            parts = [self.school_choice, *parts, identity.on_arrival(self.arrive_at_school)]
        self.upload = None
        if allow_upload and not results.published:
            from . import identity, upload

            self.upload = upload.SurveyUpload(self.use, on_files=self.keep, on_close=self.close)
            parts.extend([self.upload.widget, identity.on_arrival(self.arrive)])
        self.widget = widgets.VBox(parts)

    def use(self, survey) -> None:
        """Show an uploaded survey: build its dashboard first, then swap it in."""
        self.show(results_module.LiveResults(survey, self.started.rules, uploaded=True))

    def show(self, fresh: results_module.Results) -> None:
        dashboard = self.make(fresh)  # may raise: nothing has changed yet
        self.results, self.dashboard = fresh, dashboard
        self.body.children = [dashboard.widget]
        self.note.children = [fresh.note()]

    def arrive(self, visitor) -> None:
        """The visitor is here: show the files they kept earlier in this visit, if any."""
        from . import visit

        self.visit = visit.VisitFiles.arriving(visit.visit_key(visitor), self.visits_root)
        try:
            kept = self.visit.read()
        except (OSError, ValueError):
            traceback.print_exc(file=sys.__stderr__)
            self.upload.message.value = self.upload.unexpected_html(
                "kept from this visit could not be read"
            )
            self.upload.close.layout.display = None
            return
        if kept is not None:
            self.upload.use_kept(kept.files, kept.codebook)

    def arrive_at_school(self, visitor, folder=None) -> None:
        """The visitor is here: if they are a member of several schools whose bundles
        are published on the hub (``folder``, default ``KS3_HUB_DIR``), offer them."""
        from . import schools

        bundles = schools.published_schools(visitor, folder)
        shown = next(
            (
                s
                for s, p in bundles.items()
                if Path(p).resolve() == Path(self.results.path).resolve()
            ),
            None,
        )
        choice = schools.SchoolChoice(
            visitor,
            lambda chosen: self.show(data.published(bundles[chosen.school])),
            schools=list(bundles),
            chosen=shown,
        )
        self.school_choice.children = [choice.widget]
        self.choice = choice

    def keep(self, files, codebook) -> str:
        """Keep files that worked for the rest of the visit; say so."""
        from . import visit

        if self.visit is None:  # the browser has not said who it is (yet)
            return "This page shows them until it is closed."
        self.visit.save(files, codebook)
        return (
            "Every research page you open in this browser shows them until you close "
            f"them or upload others. {visit.lifetime_words()}"
        )

    def close(self) -> str:
        """Delete the kept files and show the server's data again; say so."""
        if self.visit is not None:
            self.visit.close()
        self.show(self.started)
        return (
            "Your files are closed and deleted from the server; the pages show the data "
            "the dashboards were started with."
        )


def build(
    make: Callable,
    *,
    title: str,
    intro: str = "",
    footnote: str = "",
    allow_upload: bool = True,
    choose_school: bool = False,
) -> widgets.Widget:
    """The whole page: heading and introduction, the dashboard, the footnote.

    ``intro`` and ``footnote`` are HTML written by the dashboard's module
    (never from data); ``title`` is escaped.
    """
    results = data.current()
    shown = DashboardPage(results, make, allow_upload=allow_upload, choose_school=choose_school)
    heading = page.html_widget(f"{HOME_LINK}<h1>{html.escape(title)}</h1>{intro}")
    parts = [heading, shown.widget]
    if footnote:
        parts.append(page.html_widget(f'<p class="ks3-note">{footnote}</p>'))
    box = widgets.VBox(parts)
    box.page = shown  # for tests
    return box


def main(make: Callable, **kwargs) -> None:
    """What a dashboard notebook runs: :func:`build` behind a loading indicator, with
    plotly.js evaluated while the page fetches its widgets (:func:`page.plotly_warmup`)."""
    page.show(lambda: build(make, **kwargs), warm_plotly=True)
