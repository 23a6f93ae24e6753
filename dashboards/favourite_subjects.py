"""Favourite subjects dashboard: year 7 vs year 9, wave 1 vs wave 2, by gender.

The shares are computed once, when the dashboard is built: for all pupils
(by wave and year group) and for each gender (by gender, wave and year group).
Choosing a gender only picks the matching rows of those aggregates and redraws
the figure and the download links; it never goes back to the pupil rows.

A viewer can upload their own survey files below the chart
(:mod:`dashboards.upload`): the dashboard is then built afresh from them and
swapped in; if they cannot be used, the chart shown stays.
"""

from __future__ import annotations

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go

from analysis import figures, measures, schema
from analysis.errors import Problem, SurveyDataError

from . import data, downloads, explorer, page, upload

ALL_PUPILS = "all"
#: A gender is offered as a filter only if every wave and year group has at
#: least this many pupils of it: smaller bases give shares too unstable to read
#: and come close to identifying pupils.
MIN_BASE = 30
BY = ["wave", "year_group"]
#: Name of the downloaded table and chart image (without extension).
FILENAME = "favourite_subjects"


class FavouriteSubjects:
    """The dashboard's widgets, built from a validated survey table.

    Parameters
    ----------
    table : DataFrame
        Survey table in the contract layout (``Survey.table``).
    files : tuple of str
        The files it came from, named in messages.

    Attributes
    ----------
    aggregates : dict
        ``{ALL_PUPILS or gender code: tidy shares by wave and year group}``,
        computed once.
    gender : ipywidgets.ToggleButtons
        The filter; its value is a key of ``aggregates``.
    figure : plotly.graph_objects.Figure
        The chart now shown.
    chart : ipywidgets.Output
        Where it is drawn: plotly's mime bundle in the Output's state, replaced
        whole on every change (:func:`dashboards.explorer.chart_output`; a
        FigureWidget changed in place lost updates under load).
    downloads : dashboards.downloads.DownloadLinks
        CSV and XLSX of the table the chart shows, refreshed with it.
    widget : ipywidgets.VBox
        Everything, ready to display.

    Raises
    ------
    SurveyDataError
        The table has no favourite-subject column.
    """

    def __init__(self, table: pd.DataFrame, files: tuple[str, ...] = ()):
        columns = schema.block("favourite").columns
        if not any(c in table.columns for c in columns):
            raise SurveyDataError(Problem(
                ", ".join(files) or "The survey", "has no answers to the favourite subjects "
                f"question (no column {', '.join(columns[:2])}, …).",
                "Add those columns, or a codebook that says which of your columns they are "
                "(see docs/codebook.md)."))
        self.aggregates: dict[str, pd.DataFrame] = {
            ALL_PUPILS: measures.shares(table, columns, by=BY)}
        gender = schema.groups()["gender"]
        labels = {ALL_PUPILS: "All pupils"} | {code: label for code, label in gender.values.items()}
        if "gender" in table.columns:
            by_gender = measures.shares(table, columns, by=["gender", *BY])
            cells = len(self.aggregates[ALL_PUPILS][BY].drop_duplicates())
            for code in gender.values:
                part = by_gender[by_gender["gender"] == code].drop(columns="gender")
                if (len(part) and len(part[BY].drop_duplicates()) == cells
                        and part.groupby(BY)["n"].max().min() >= MIN_BASE):
                    self.aggregates[code] = part.reset_index(drop=True)
        self.labels = {key: labels[key] for key in self.aggregates}
        self.gender = widgets.ToggleButtons(
            options=[(label, key) for key, label in self.labels.items()], value=ALL_PUPILS,
            style={"button_width": "auto"},
            tooltips=[f"Show {label.lower()}" for label in self.labels.values()])
        self.chart = widgets.Output()
        self._draw(ALL_PUPILS)
        self.downloads = downloads.DownloadLinks(self.table(ALL_PUPILS), self.filename(ALL_PUPILS))
        self.gender.observe(lambda change: self.show(change["new"]), names="value")
        self.widget = widgets.VBox([
            widgets.HBox([widgets.Label("Show:"), self.gender],
                         layout=widgets.Layout(align_items="center")),
            self.chart, self.downloads.widget])

    def table(self, key: str) -> pd.DataFrame:
        """The tidy table the chart shows for one filter value, with its gender if chosen."""
        shown = self.aggregates[key]
        if key == ALL_PUPILS:
            return shown
        return shown.assign(gender=key)[["gender", *shown.columns]]

    def filename(self, key: str) -> str:
        """``favourite_subjects``, or ``favourite_subjects_girls`` for a gender."""
        return FILENAME if key == ALL_PUPILS else f"{FILENAME}_{self.labels[key].lower()}"

    def draw(self, key: str) -> go.Figure:
        """The finished figure for one filter value (``ALL_PUPILS`` or a gender code)."""
        return figures.favourite_subjects(self.aggregates[key], who=self.labels[key])

    def _draw(self, key: str) -> None:
        self.figure = self.draw(key)
        self.chart.layout.min_height = f"{int(self.figure.layout.height or 450)}px"
        self.chart.outputs = (explorer.chart_output(
            self.figure, downloads.image_config(self.filename(key))),)

    def show(self, key: str) -> None:
        """Redraw the chart for one filter value."""
        self._draw(key)
        self.downloads.update(self.table(key), self.filename(key))


class FavouriteSubjectsPage:
    """Which data, the dashboard, and the upload panel that can replace both.

    Parameters
    ----------
    survey : analysis.load.Survey
        What the page shows first (the server's data).

    Attributes
    ----------
    dashboard : FavouriteSubjects
        The dashboard now showing; replaced whole when files are uploaded.
    upload : dashboards.upload.SurveyUpload
    widget : ipywidgets.VBox
    """

    def __init__(self, survey):
        self.survey = survey
        self.dashboard = FavouriteSubjects(survey.table, survey.files)
        # VBox, not Box: a Box is a flex row, which shrinks the chart to its content width
        self.note = widgets.VBox([page.source_note(survey)])
        self.chart = widgets.VBox([self.dashboard.widget])
        self.upload = upload.SurveyUpload(self.use)
        self.widget = widgets.VBox([self.note, self.chart, self.upload.widget])

    def use(self, survey) -> None:
        """Show an uploaded survey: build its dashboard first, then swap it in."""
        dashboard = FavouriteSubjects(survey.table, survey.files)  # may raise: nothing changed
        self.survey, self.dashboard = survey, dashboard
        self.chart.children = [dashboard.widget]
        self.note.children = [page.source_note(survey, uploaded=True)]


def build() -> widgets.Widget:
    """The whole page: heading, which data, the filter and chart, and how to read it."""
    survey = data.survey()
    shown = FavouriteSubjectsPage(survey)
    heading = page.html_widget(
        '<p class="ks3-note"><a href="index.ipynb">← All dashboards</a></p>'
        "<h1>Favourite subjects</h1>"
        f"<p>“{schema.block('favourite').question}” Share of pupils who ticked each subject, "
        "year 7 against year 9, in wave 1 (autumn 2008) and wave 2 (autumn 2010).</p>")
    footnote = page.html_widget(
        '<p class="ks3-note">n: pupils in the wave and year group who answered the question. '
        "Hover over a bar for its exact share and base. The camera icon above the chart "
        "downloads it as a PNG; the links below it download the table it shows. "
        f"A gender is offered when every group has at least {MIN_BASE} pupils of it.</p>")
    return widgets.VBox([heading, shown.widget, footnote])


def main() -> None:
    """What the notebook runs."""
    page.show(build)
