"""Favourite subjects dashboard: year 7 vs year 9, wave 1 vs wave 2, by gender.

The shares are computed once, when the dashboard is built: for all pupils
(by wave and year group) and for each gender (by gender, wave and year group).
Choosing a gender only picks the matching rows of those aggregates and redraws
the figure; it never goes back to the pupil rows.
"""

from __future__ import annotations

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go

from analysis import figures, measures, schema

from . import data, page

ALL_PUPILS = "all"
#: A gender is offered as a filter only if every wave and year group has at
#: least this many pupils of it: smaller bases give shares too unstable to read
#: and come close to identifying pupils.
MIN_BASE = 30
BY = ["wave", "year_group"]


class FavouriteSubjects:
    """The dashboard's widgets, built from a validated survey table.

    Parameters
    ----------
    table : DataFrame
        Survey table in the contract layout (``Survey.table``).

    Attributes
    ----------
    aggregates : dict
        ``{ALL_PUPILS or gender code: tidy shares by wave and year group}``,
        computed once.
    gender : ipywidgets.ToggleButtons
        The filter; its value is a key of ``aggregates``.
    figure : plotly.graph_objects.FigureWidget
        The chart, updated in place when the filter changes.
    widget : ipywidgets.VBox
        Everything, ready to display.
    """

    def __init__(self, table: pd.DataFrame):
        columns = schema.block("favourite").columns
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
        self.figure = go.FigureWidget(self.draw(ALL_PUPILS))
        self.gender.observe(lambda change: self.show(change["new"]), names="value")
        self.widget = widgets.VBox([
            widgets.HBox([widgets.Label("Show:"), self.gender],
                         layout=widgets.Layout(align_items="center")),
            self.figure])

    def draw(self, key: str) -> go.Figure:
        """The finished figure for one filter value (``ALL_PUPILS`` or a gender code)."""
        return figures.favourite_subjects(self.aggregates[key], who=self.labels[key])

    def show(self, key: str) -> None:
        """Redraw the chart in place for one filter value."""
        new = self.draw(key)
        with self.figure.batch_update():
            if len(self.figure.data) == len(new.data):
                for trace, fresh in zip(self.figure.data, new.data):
                    trace.update(fresh.to_plotly_json(), overwrite=True)
            else:
                self.figure.data = []
                self.figure.add_traces(list(new.data))
            self.figure.update_layout(new.layout.to_plotly_json(), overwrite=True)


def build() -> widgets.Widget:
    """The whole page: heading, which data, the filter and chart, and how to read it."""
    survey = data.survey()
    dashboard = FavouriteSubjects(survey.table)
    heading = page.html_widget(
        '<p class="ks3-note"><a href="index.ipynb">← All dashboards</a></p>'
        "<h1>Favourite subjects</h1>"
        f"<p>“{schema.block('favourite').question}” Share of pupils who ticked each subject, "
        "year 7 against year 9, in wave 1 (autumn 2008) and wave 2 (autumn 2010).</p>")
    footnote = page.html_widget(
        '<p class="ks3-note">n: pupils in the wave and year group who answered the question. '
        "Hover over a bar for its exact share and base. The camera icon above the chart "
        f"downloads it as a PNG. A gender is offered when every group has at least "
        f"{MIN_BASE} pupils of it.</p>")
    return widgets.VBox([heading, page.source_note(survey), dashboard.widget, footnote])


def main() -> None:
    """What the notebook runs."""
    page.show(build)
