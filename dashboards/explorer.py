"""A block explorer: one dashboard class for the shares of any survey blocks.

Subjects, Careers and Enrichment are the same dashboard with different
questions: a :class:`Setup` names the topics (one or more blocks each) and
the group compared first, and :class:`BlockExplorer` builds the page from it.

What a viewer does:

* chooses a **topic** (a question block, or several drawn together);
* chooses what to **compare**: year 7 against year 9, wave 1 against wave 2,
  girls against boys, or the two ethnic groups, drawn side by side;
* narrows the **pupils** with the shared :class:`~dashboards.filters.Filters`
  (the dropdown of the group being compared is hidden: it would leave one
  group to compare);
* for agreement items, chooses between the share agreeing (a ranked dot
  plot with intervals) and all four answers (diverging bars).

Every change picks rows of a table the :class:`~dashboards.results.Results`
has already computed (:meth:`~dashboards.results.Results.view`; a grouping
not asked for before is computed once from the aggregates, never from pupil
rows), draws a finished figure with :mod:`analysis.figures.shares` and puts it in
the page as plotly's own output (:func:`chart_output`). The base line,
the download links and the image button's file name follow the chart. If a
redraw fails, the chart already shown stays and the page says so.
"""

from __future__ import annotations

import html
import json
import re
import sys
import traceback
from dataclasses import dataclass

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from analysis import schema
from analysis.errors import Problem, SurveyDataError
from analysis.figures import hidden, shares, style, text

from . import downloads, page
from .filters import TITLES, Filters
from .results import GROUPS, Results, describe, legend_note

#: What each scale's share means, said in a chart's title.
SCALE_WORDS = {
    "binary": "share saying yes",
    "agreement": "share agreeing",
    "categorical": "share giving each answer",
}
#: How to read a chart of shares (HTML; the page and the static site say it).
HOW_TO_READ = (
    "Dots and bars are shares of the pupils in the group who answered; lines are 95% "
    "intervals that allow for pupils being taught in the same schools (Wilson, on the "
    "effective sample size). Hover over a point for its share, interval, base n, effective "
    "n, design effect and schools."
)
#: How the agreement items can be shown: value -> words on the button.
SHOW_AS = {"share": "Share agreeing", "distribution": "All four answers"}


@dataclass(frozen=True)
class Topic:
    """One choice of the topic dropdown: a block, or blocks drawn together.

    Parameters
    ----------
    label : str
        Words in the dropdown and the chart title ("Enjoyment").
    blocks : tuple of str
        Block keys (:func:`analysis.schema.block`). Blocks of one scale:
        binary, agreement, or the qualification aim alone.
    words : str
        What the share means, for the title ("share who enjoy the subject");
        default from the scale (:data:`SCALE_WORDS`).
    """

    label: str
    blocks: tuple[str, ...]
    words: str = ""

    @property
    def scale(self) -> str:
        return schema.block(self.blocks[0]).scale

    @property
    def key(self) -> str:
        return "_".join(self.blocks)

    def question(self) -> str:
        """The questionnaire's words for a one-block topic ("" for several blocks)."""
        return schema.block(self.blocks[0]).question if len(self.blocks) == 1 else ""

    def share_words(self) -> str:
        return self.words or SCALE_WORDS[self.scale]


@dataclass(frozen=True)
class Setup:
    """What one explorer dashboard shows.

    Parameters
    ----------
    name : str
        Start of downloaded file names ("subjects").
    topics : tuple of Topic
        The topic dropdown's choices, first one shown first.
    compare : str
        The group compared when the page opens (one of ``compares``).
    compares : tuple of str
        The groups a viewer may compare (any of :data:`~dashboards.results.GROUPS`).
    """

    name: str
    topics: tuple[Topic, ...]
    compare: str = "year_group"
    compares: tuple[str, ...] = ("year_group", "wave", "gender", "ethnicity")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


# The chart of one choice, as pure functions: the page below and the static site
# (:mod:`dashboards.static_site`) draw the same chart from the same choice.


def present_topics(results: Results, setup: Setup) -> list[Topic]:
    """The setup's topics the results have figures for, each with its blocks present."""
    present = {b.key for b in results.blocks()}
    return [
        Topic(t.label, tuple(b for b in t.blocks if b in present), t.words)
        for t in setup.topics
        if any(b in present for b in t.blocks)
    ]


def topic_kind(results: Results, topic: Topic, show_as: str = "share") -> str:
    """``"share"``, ``"distribution"`` (four answers, when ``show_as`` asks and the
    results hold them) or ``"aim"``."""
    if topic.scale == "categorical":
        return "aim"
    if topic.scale == "agreement" and results.has_distributions:
        return show_as
    return "share"


def topic_rows(
    results: Results, topic: Topic, kind: str, compare: str | None, where: dict
) -> pd.DataFrame:
    """The rows a topic's chart draws: groups of ``compare`` among the pupils ``where``
    chooses (which must not name ``compare``)."""
    rows = results.view([compare] if compare else [], where, list(topic.blocks))
    rows = rows[rows["measure"].astype(str) == kind]
    if compare:
        keep = [v for v, _ in style.group_levels(rows, compare)]
        rows = rows[rows[compare].astype(object).isin(keep).to_numpy()]
    return rows.reset_index(drop=True)


def topic_title(
    rows: pd.DataFrame, topic: Topic, kind: str, compare: str | None, where: dict
) -> tuple[str, str]:
    """Title and subtitle of a topic's chart: what is shown, for whom."""
    what = {
        "share": topic.share_words(),
        "aim": topic.share_words(),
        "distribution": "all four answers",
    }[kind]
    groups = [label for _, label in style.group_levels(rows, compare)] if compare else []
    versus = " vs ".join(groups)
    who = describe(where)
    title = ", ".join(p for p in (f"{topic.label}: {what}", versus, who) if p)
    question = topic.question()
    how = {
        "share": "95% intervals · ranked from the highest share",
        "aim": "95% intervals · answers in the questionnaire's order",
        "distribution": "ranked by the share agreeing · hover for each share's 95% interval",
    }[kind]
    subtitle = (f"“{question}” · " if question else "") + how
    return html.escape(title, quote=False), html.escape(subtitle, quote=False)


def topic_figure(
    rows: pd.DataFrame, topic: Topic, kind: str, compare: str | None, where: dict
) -> go.Figure:
    """The finished figure of a topic's rows (:mod:`analysis.figures.shares`), its base
    and the meaning of c/u written under it, so a downloaded image says what the page
    says beside it."""
    title, subtitle = topic_title(rows, topic, kind, compare, where)
    if kind == "distribution":
        figure = shares.diverging_bars(rows, compare, title=title, subtitle=subtitle)
    elif kind == "aim":
        figure = shares.aim_bars(rows, compare, title=title, subtitle=subtitle)
    else:
        figure = shares.ranked_dots(
            rows, compare, title=title, subtitle=subtitle, x_title=f"{topic_axis(topic)} (%)"
        )
    return text.with_footer(
        figure, [f"Base: {shares.base_text(rows, compare)}", hidden.hidden_key(rows)]
    )


def topic_filename(setup: Setup, topic: Topic, kind: str, compare: str | None, where: dict) -> str:
    """File name (no extension) of a chart's downloads: dashboard, topic, view, pupils."""
    parts = [setup.name, topic.key, kind]
    if compare:
        parts.append(f"by_{compare}")
    if where:
        parts.append(_slug(describe(where)))
    return "_".join(parts)


class BlockExplorer:
    """The explorer's widgets for one :class:`Setup`, reading one :class:`Results`.

    Parameters
    ----------
    results : Results
        Where the numbers come from (live survey or publication bundle).
    setup : Setup
        The topics and comparisons offered.

    Attributes
    ----------
    topics : list of Topic
        The setup's topics the results have figures for.
    topic, compare, show_as : ipywidgets.Dropdown / ToggleButtons
        The choices (``topic.value`` is an index into :attr:`topics`).
    filters : dashboards.filters.Filters
        Wave, year group, gender and ethnicity; the compared one is hidden.
    figure : plotly.graph_objects.Figure
        The chart now shown (a plain figure, drawn in :attr:`chart`).
    chart : ipywidgets.Output
        Where the chart is drawn; its ``outputs`` are replaced on every change.
    rows : DataFrame
        The rows the chart shows now (also what the downloads hold).
    base, footnote, status : ipywidgets.HTML
        The base n of each group, the c/u legend, and any problem.
    downloads : dashboards.downloads.DownloadLinks
    widget : ipywidgets.VBox

    Raises
    ------
    SurveyDataError
        The results have none of the setup's blocks (a file without those
        questions): the message names the file and the columns looked for.
    """

    def __init__(self, results: Results, setup: Setup):
        self.results, self.setup = results, setup
        self.topics = present_topics(results, setup)
        if not self.topics:
            columns = [c for t in setup.topics for b in t.blocks for c in schema.block(b).columns]
            files = getattr(getattr(results, "survey", None), "files", ()) or ()
            raise SurveyDataError(
                Problem(
                    ", ".join(str(f) for f in files) or "The data shown",
                    f"has no answers to the questions of this dashboard (no column "
                    f"{', '.join(columns[:3])}{', …' if len(columns) > 3 else ''}).",
                    "Add those columns, or a codebook that says which of your columns they are "
                    "(see docs/codebook.md).",
                )
            )
        compares = [c for c in setup.compares if len(self._levels(c)) >= 2]
        first = setup.compare if setup.compare in compares else (compares or [None])[0]
        self.topic = widgets.Dropdown(
            options=[(t.label, i) for i, t in enumerate(self.topics)],
            value=0,
            description="Question",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto"),
        )
        self.compare = widgets.ToggleButtons(
            options=[(TITLES[c], c) for c in compares] or [("Nothing", None)],
            value=first,
            description="Compare",
            style={"button_width": "auto", "description_width": "initial"},
            tooltips=[
                f"{' against '.join(label for _, label in self._levels(c))}" for c in compares
            ],
        )
        self.show_as = widgets.ToggleButtons(
            options=[(words, key) for key, words in SHOW_AS.items()],
            value="share",
            description="Show",
            style={"button_width": "auto", "description_width": "initial"},
        )
        self.filters = Filters(results, GROUPS, on_change=lambda _where: self.show())
        self.status = widgets.HTML()
        self.base = widgets.HTML()
        self.footnote = page.html_widget(
            f'<p class="ks3-note">{HOW_TO_READ} {legend_note(results.rules)} The camera icon '
            "above the chart downloads it as a PNG; the links below download the table it "
            "shows.</p>"
        )
        self.rows = pd.DataFrame()
        self.figure = go.Figure()
        self.chart = widgets.Output()
        self.text = widgets.HTML()  # the chart's summary and data table, for every reader
        self.downloads = downloads.DownloadLinks(
            pd.DataFrame(), setup.name, getattr(results, "code_notes", ())
        )
        self._hide_compared()
        self.show(first_time=True)
        self.topic.observe(lambda _c: self.show(), names="value")
        self.show_as.observe(lambda _c: self.show(), names="value")
        self.compare.observe(self._compare_changed, names="value")
        choices = widgets.HBox(
            [self.topic, self.show_as],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        self.widget = widgets.VBox(
            [
                choices,
                self.compare,
                self.filters.widget,
                self.status,
                self.chart,
                self.text,
                self.base,
                self.downloads.widget,
                self.footnote,
            ]
        )
        self.widget.add_class("ks3-explorer")

    # -- state ---------------------------------------------------------------

    def _levels(self, column: str) -> list[tuple[object, str]]:
        values = [
            v for v in self.results.levels(column) if not (column == "gender" and v == "other")
        ]
        return [(v, style.group_label(column, v)) for v in values]

    @property
    def current_topic(self) -> Topic:
        return self.topics[self.topic.value]

    @property
    def where(self) -> dict:
        """The pupils chosen: the filters' value without the group being compared."""
        return {c: v for c, v in self.filters.value.items() if c != self.compare.value}

    def kind(self) -> str:
        """``"share"``, ``"distribution"`` (four answers) or ``"aim"``."""
        return topic_kind(self.results, self.current_topic, self.show_as.value)

    def table(self) -> pd.DataFrame:
        """The rows the chart draws: groups of the compared column among the chosen pupils."""
        return topic_rows(
            self.results, self.current_topic, self.kind(), self.compare.value, self.where
        )

    def filename(self) -> str:
        """File name (no extension) of the downloads (:func:`topic_filename`)."""
        return topic_filename(
            self.setup, self.current_topic, self.kind(), self.compare.value, self.where
        )

    def show(self, first_time: bool = False) -> None:
        """Redraw everything for the current choices; on failure keep what is shown."""
        try:
            self.show_as.layout.display = (
                ""
                if self.current_topic.scale == "agreement" and self.results.has_distributions
                else "none"
            )
            rows = self.table()
            base = shares.base_text(rows, self.compare.value)
            new = topic_figure(
                rows, self.current_topic, self.kind(), self.compare.value, self.where
            )
        except Exception:
            if first_time:
                raise  # the page frame says the dashboard could not be drawn
            traceback.print_exc(file=sys.__stderr__)
            self.status.value = page.redraw_problem()
            return
        self.rows = rows
        name = self.filename()
        # The chart is plotly's mime bundle put in an Output widget's state, not
        # a FigureWidget changed in place: under load, FigureWidget's in-place
        # update messages (a value, then None, per change) were lost in Voilà
        # 0.5 for a third or more of first changes (the figure kept its first
        # drawing while every other widget changed). State is synced whole,
        # so the page always ends up with the last figure.
        self.figure = new
        put_chart(self.chart, new, downloads.image_config(name))
        self.text.value = page.described(rows, new)
        self.downloads.update(rows, name)
        self.base.value = page.html_widget(
            f'<p class="ks3-note"><b>Base</b>: {html.escape(base)}</p>'
        ).value
        problem = self.filters.problem
        if not len(rows):
            problem = "No pupils in the data match these choices: choose fewer filters."
        self.status.value = (
            page.html_widget(f'<p class="ks3-note">{html.escape(problem)}</p>').value
            if problem
            else ""
        )
        self.filters.problem = ""

    def _hide_compared(self) -> None:
        for column, dropdown in self.filters.dropdowns.items():
            dropdown.layout.display = "none" if column == self.compare.value else ""

    def _compare_changed(self, _change) -> None:
        self._hide_compared()
        self.show()


def put_chart(area: widgets.Output, figure: go.Figure, config: dict) -> None:
    """Show ``figure`` in ``area`` (replacing what it showed), with ``config``.

    The area is given the chart's height first: a chart drawn ``responsive``
    takes its container's height, and an ``Output`` has none of its own, so
    without it the chart is drawn 0 px tall (the Manager's hexagon was). It
    also keeps the page from jumping under the viewer's pointer while the new
    drawing replaces the old.
    """
    area.layout.min_height = f"{int(figure.layout.height or 450)}px"
    area.outputs = (chart_output(figure, config),)


def chart_output(figure: go.Figure, config: dict) -> dict:
    """One display output holding ``figure`` as plotly's mime bundle, with ``config``.

    What :meth:`ipywidgets.Output.append_display_data` would hold; drawn by
    the ``jupyterlab-plotly`` extension Voilà loads, without a FigureWidget.
    """
    spec = json.loads(pio.to_json(figure, validate=False))
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {
            "application/vnd.plotly.v1+json": {**spec, "config": config},
            "text/plain": "<a chart>",
        },
    }


def topic_axis(topic: Topic) -> str:
    """The x axis title of a ranked dot plot: the share, capitalised."""
    words = topic.share_words()
    return words[:1].upper() + words[1:]
