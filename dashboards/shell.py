"""The frame every dashboard page shares: heading, which data, the dashboard,
and the panel to bring your own files.

A dashboard module defines a class whose constructor takes a
:class:`~dashboards.results.Results` and builds its widgets, exposing them as
``.widget``; its ``main()`` calls :func:`main` with that class. The frame
shows a loading indicator, then the page. When the results are live (not a
published bundle), an upload panel below the dashboard reads the viewer's own
files; the new dashboard is built from them first and swapped in only when
that succeeded, so a bad file leaves the page as it was, with the loader's
message in the panel.

Example
-------
>>> class Enrichment:                                   # doctest: +SKIP
...     def __init__(self, results): self.widget = ...
>>> def main():                                         # doctest: +SKIP
...     shell.main(Enrichment, title="Enrichment", intro="<p>…</p>")
"""

from __future__ import annotations

import html
from collections.abc import Callable

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

    Attributes
    ----------
    dashboard : object
        The dashboard now showing; replaced whole when files are uploaded.
    widget : ipywidgets.VBox
    """

    def __init__(self, results: results_module.Results, make: Callable, allow_upload: bool = True):
        self.results = results
        self.make = make
        self.dashboard = make(results)
        # VBox, not Box: a Box is a flex row, which shrinks a chart to its content width
        self.note = widgets.VBox([results.note()])
        self.body = widgets.VBox([self.dashboard.widget])
        parts = [self.note, self.body]
        self.upload = None
        if allow_upload and not results.published:
            from . import upload

            self.upload = upload.SurveyUpload(self.use)
            parts.append(self.upload.widget)
        self.widget = widgets.VBox(parts)

    def use(self, survey) -> None:
        """Show an uploaded survey: build its dashboard first, then swap it in."""
        fresh = results_module.LiveResults(survey, self.results.rules, uploaded=True)
        dashboard = self.make(fresh)  # may raise: nothing has changed yet
        self.results, self.dashboard = fresh, dashboard
        self.body.children = [dashboard.widget]
        self.note.children = [fresh.note()]


def build(make: Callable, *, title: str, intro: str = "", footnote: str = "",
          allow_upload: bool = True) -> widgets.Widget:
    """The whole page: heading and introduction, the dashboard, the footnote.

    ``intro`` and ``footnote`` are HTML written by the dashboard's module
    (never from data); ``title`` is escaped.
    """
    results = data.current()
    shown = DashboardPage(results, make, allow_upload=allow_upload)
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
