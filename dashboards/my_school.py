"""My school: one school against all the other schools, with disclosure control.

For a school's STEM lead. Choose the school, a question block, a wave and a
year group; the chart shows, for every item of the block, the share of this
school's pupils next to the share of all other schools' pupils, with 95%
intervals and the base n.

Disclosure control
------------------
The figures are protected by :func:`analysis.disclosure.school_view`: this
school and "other schools" are protected *together with the all-schools
total* (which other dashboards publish), so neither can be worked out as the
total minus the other. It is applied to the unmarked by-school aggregates of
one block, by wave and year group, once per school and block; a hidden figure
is marked ``c`` or ``u`` and never drawn. The school's own figures are exempt
from the 3-school rule (this is the school's own page); "other schools" must
number at least 3.

Figures are given for one wave and one year group at a time, never pooled
over both: a pooled figure protected on its own, next to the per-wave ones,
would let a hidden per-wave figure be worked out by subtraction.

A school's rank among schools is never shown: it would identify schools.

Intervals
---------
``school_view`` drops intervals; they are computed here for the rows it shows.
This school: a Wilson (1927) score interval on the school's pupils
(binomial, normal quantile, Kish's effective n when the file is weighted):
within one school there is no clustering across schools to allow for. Other
schools: the school-clustered Wilson interval of
:class:`analysis.measures.SurveyAggregates` on the effective n, computed on
every school but this one.

On a publication bundle the page shows the bundle's own school view
(``BundleResults.school_view``, protected when it was published, the school
under a pseudonym, with the intervals computed when it was published); with no
school in the bundle it says :data:`NO_SCHOOL_VIEW`.

Speed: a school or block change protects one block (about 0.1 s on the
sample); a wave or year-group change only picks rows of that protected table
and puts the figure's plain values in the chart's Output as plotly's mime
bundle (:func:`dashboards.explorer.chart_output`), without plotly validating
every property. The chart is not a FigureWidget: a FigureWidget sends its own
copy of plotly.js (about 5 MB of widget state) and evaluates it after the
page's widgets arrive, which made this page's first chart 2-3 s slower than
the others; ``bench/bench_dashboards.py`` times it in the browser.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import disclosure, schema
from analysis import stats as survey_stats
from analysis.figures.school import school_figure_spec, school_name

from . import downloads, page, shell
from .filters import TITLES, option_label
from .results import LiveResults, Results, legend_note

#: The groups a school's figures are given for, one value of each at a time.
SPLIT: tuple[str, ...] = ("wave", "year_group")
#: Confidence level of every interval.
LEVEL = 0.95
#: Name of the downloaded table and chart image (without extension).
FILENAME = "my_school"
#: What a published bundle without a school view says instead of the dashboard.
NO_SCHOOL_VIEW = "This publication has no school view."
#: Columns of :func:`school_table`, in order.
COLUMNS: tuple[str, ...] = (
    "school_id",
    "school",
    *SPLIT,
    "block",
    "item",
    "label",
    "n",
    "count",
    "share",
    "ci_low",
    "ci_high",
    "n_eff",
    "deff",
    "n_schools",
    "suppressed",
)


def share_blocks() -> list[schema.Block]:
    """Blocks with a share per item (ticked, or agreeing): every block but the
    qualification aim, whose answers are categories."""
    return [b for b in schema.blocks() if b.scale in ("binary", "agreement")]


def by_school_table(results: LiveResults, blocks: Sequence[str] | None = None) -> pd.DataFrame:
    """Unmarked share rows by school, wave and year group: the input of ``school_view``.

    They come from the aggregates before any marking
    (:meth:`analysis.measures.SurveyAggregates.shares`): the marked table of
    :meth:`Results.shares` has already hidden small by-school cells, and
    ``school_view`` needs every cell's ``n`` and ``count`` to protect the
    school against the others and the total.

    Returns
    -------
    DataFrame: ``school_id, wave, year_group, block, item, label, n, count, n_eff``.
    """
    by = ["school_id", *SPLIT]
    table = results.aggregates.shares(by, block=blocks)
    table = table[table["measure"] == "share"]
    out = table[[*by, "block", "item", "label", "n", "count", "n_eff"]].copy()
    out["school_id"] = out["school_id"].astype(str)
    out["item"] = out["item"].astype(str)
    return out.reset_index(drop=True)


def _z() -> float:
    return survey_stats.normal_quantile(0.5 + LEVEL / 2)


def school_table(
    by_school: pd.DataFrame,
    school_id: str,
    block: str,
    rules: disclosure.DisclosureRules = disclosure.DisclosureRules(),
    others: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One school against the other schools for one block, protected, with intervals.

    Parameters
    ----------
    by_school : DataFrame
        :func:`by_school_table` (every school, wave and year group).
    school_id : str
        The school shown.
    block : str
        A block key (``"enjoy"``).
    rules : DisclosureRules
        Thresholds for :func:`analysis.disclosure.school_view`.
    others : DataFrame, optional
        Shares of every school but this one by wave and year group
        (``SurveyAggregates.shares(["wave", "year_group"], block,
        where={"school_id": [...others]})``): their school-clustered interval,
        effective n and design effect are carried over to the "other schools"
        rows. Without it those rows get a Wilson interval on ``n`` (no
        clustering).

    Returns
    -------
    DataFrame with :data:`COLUMNS`: for each wave, year group and item, a
    ``this school`` row and an ``other schools`` row. Hidden rows
    (``suppressed`` ``c`` or ``u``) have NaN count, share and interval.
    """
    part = by_school[by_school["block"].astype(str) == block]
    if part.empty:
        raise ValueError(
            f"block '{block}' has no share items in the table; blocks are "
            f"{', '.join(pd.unique(by_school['block'].astype(str)))}"
        )
    view = disclosure.school_view(
        part[["school_id", *SPLIT, "item", "label", "n", "count"]], school_id, rules
    )
    view = view.astype({c: "int64" for c in SPLIT})
    keys = [*SPLIT, "item"]
    this = disclosure.THIS_SCHOOL
    is_this = (view["school"] == this).to_numpy()
    shown = view["suppressed"].astype(str).to_numpy() == ""
    z = _z()

    # this school: Wilson on the school's own (Kish) effective n
    own = part[part["school_id"] == school_id].astype({c: "int64" for c in SPLIT})
    own_eff = view[keys].merge(own[[*keys, "n_eff"]], on=keys, how="left")["n_eff"].to_numpy()
    low, high = survey_stats.wilson_interval(view["share"].to_numpy(dtype=float), own_eff, z)
    view["n_eff"] = np.where(is_this, own_eff, np.nan)
    view["deff"] = np.nan
    view["ci_low"] = np.where(is_this, low, np.nan)
    view["ci_high"] = np.where(is_this, high, np.nan)

    # other schools: the school-clustered figures of every school but this one
    if others is not None:
        got = others.astype({c: "int64" for c in SPLIT}).assign(
            item=lambda f: f["item"].astype(str)
        )
        merged = view[keys].merge(
            got[[*keys, "ci_low", "ci_high", "n_eff", "deff"]], on=keys, how="left"
        )
        for c in ("ci_low", "ci_high", "n_eff", "deff"):
            view[c] = np.where(is_this, view[c], merged[c].to_numpy(dtype=float))
    else:
        low, high = survey_stats.wilson_interval(
            view["share"].to_numpy(dtype=float), view["n"].to_numpy(dtype=float), z
        )
        view["ci_low"] = np.where(is_this, view["ci_low"], low)
        view["ci_high"] = np.where(is_this, view["ci_high"], high)
    for c in ("ci_low", "ci_high", "n_eff", "deff"):
        view[c] = view[c].astype(float).where(shown)
    view["school_id"] = school_id
    view["block"] = block
    return view[list(COLUMNS)].reset_index(drop=True)


def published_school_table(view: pd.DataFrame, school_label: str, block: str) -> pd.DataFrame:
    """A publication bundle's school view (already protected) in the shape of
    :func:`school_table`.

    ``view`` is ``BundleResults.school_view([block])``: rows for the school
    (named by its pseudonym) and ``"other schools"`` by wave and year group.
    Intervals are the bundle's (:func:`analysis.publish.school_table`): Wilson
    for the school, school-clustered for the other schools where the school's
    own row is shown. A bundle made before it published intervals gives the
    school's rows a Wilson interval on ``n`` and the others none (a bundle keeps
    no per-school totals to cluster by).
    """
    part = view[view["block"].astype(str) == block].copy()
    part["school"] = np.where(
        part["school"].astype(str) == school_label, disclosure.THIS_SCHOOL, disclosure.OTHER_SCHOOLS
    )
    part = part.astype({c: "int64" for c in SPLIT})
    is_this = (part["school"] == disclosure.THIS_SCHOOL).to_numpy()
    shown = part["suppressed"].fillna("").astype(str).to_numpy() == ""
    n = part["n"].to_numpy(dtype=float)
    keep = is_this & shown
    if "ci_low" in part and "ci_high" in part:
        # the bundle's own intervals (publish: Wilson for the school, school-clustered
        # for the others where the school's row is shown)
        part["ci_low"] = part["ci_low"].astype(float).where(shown)
        part["ci_high"] = part["ci_high"].astype(float).where(shown)
    else:  # a bundle made before intervals were published: the school's only
        low, high = survey_stats.wilson_interval(part["share"].to_numpy(dtype=float), n, _z())
        part["ci_low"] = np.where(keep, low, np.nan)
        part["ci_high"] = np.where(keep, high, np.nan)
    part["n_eff"] = np.where(keep, n, np.nan)
    part["deff"] = np.nan
    part["school_id"] = school_label
    part["item"] = part["item"].astype(str)
    part["n_schools"] = np.where(is_this, 1.0, part["n_schools"].to_numpy(dtype=float))
    order = {disclosure.THIS_SCHOOL: 0, disclosure.OTHER_SCHOOLS: 1}
    part = part.sort_values(
        [*SPLIT, "school"], key=lambda c: c.map(order) if c.name == "school" else c, kind="stable"
    )
    return part[list(COLUMNS)].reset_index(drop=True)


class MySchool:
    """The dashboard: school, block, wave and year group choices, the chart, downloads.

    Parameters
    ----------
    results : Results
        Live results or a publication bundle. A bundle without schools gets
        the sentence :data:`NO_SCHOOL_VIEW` instead of a chart.

    Attributes
    ----------
    schools : list of str
        The schools that may be chosen (``results.school_ids()``).
    choices : dict
        ``{"school_id" | "block" | "wave" | "year_group": ipywidgets.Dropdown}``.
    figure : plotly.graph_objects.Figure or None
        The chart now shown (a plain figure, drawn in :attr:`chart`).
    chart : ipywidgets.Output
        Where the chart is drawn; its ``outputs`` are replaced on every change.
    downloads : dashboards.downloads.DownloadLinks or None
    message : ipywidgets.HTML
        Says why nothing is drawn (e.g. the school was not surveyed in that
        wave); empty otherwise.
    widget : ipywidgets.VBox
    """

    def __init__(self, results: Results):
        self.results = results
        self.rules = results.rules
        self.schools = [str(s) for s in results.school_ids()]
        self.figure = None
        self.downloads = None
        self.message = page.html_widget("")
        if not self.schools:
            text = (
                NO_SCHOOL_VIEW
                if results.published
                else "These data name no schools, so there is no school view."
            )
            self.message = page.html_widget(f"<p>{html.escape(text)}</p>")
            self.choices = {}
            self.widget = widgets.VBox([self.message])
            return
        self.live = isinstance(results, LiveResults)
        if self.live:
            # by-school rows are made per block when first shown (on a large file the
            # table of every block by school, wave and year group is the slow part)
            self._by_school: dict[str, pd.DataFrame] = {}
            surveyed = (
                results.aggregates.cells[["school_id", *SPLIT]]
                .astype({"school_id": str})
                .drop_duplicates()
            )
        else:
            # a bundle made for a named school: its view, protected when published
            self.by_school = results.school_view().astype({c: "int64" for c in SPLIT})
            surveyed = self.by_school[
                (self.by_school["school"].astype(str) != disclosure.OTHER_SCHOOLS)
                & ~(self.by_school["n"].astype(float) == 0)
            ].assign(school_id=self.schools[0])
        self._where: dict[str, set[tuple[int, int]]] = {}
        for school, wave, year in (
            surveyed[["school_id", *SPLIT]]
            .astype({"school_id": str})
            .drop_duplicates()
            .itertuples(index=False)
        ):
            self._where.setdefault(school, set()).add((int(wave), int(year)))
        present = (
            {b.key for b in results.aggregates.blocks}
            if self.live
            else set(self.by_school["block"].astype(str))
        )
        self.blocks = [b for b in share_blocks() if b.key in present]
        self._tables: dict[tuple[str, str], pd.DataFrame] = {}
        self._specs: dict[tuple, dict] = {}
        self._busy = False
        self.choices = {
            "school_id": widgets.Dropdown(
                options=[(school_name(s), s) for s in self.schools], value=self.schools[0]
            ),
            "block": widgets.Dropdown(
                options=[(b.label, b.key) for b in self.blocks], value=self.blocks[0].key
            ),
        }
        for column in SPLIT:
            levels = [int(v) for v in results.levels(column)]
            self.choices[column] = widgets.Dropdown(
                options=[(option_label(column, v), v) for v in levels], value=levels[0]
            )
        titles = {**TITLES, "block": "Questions"}
        for key, dropdown in self.choices.items():
            dropdown.description = titles[key]
            dropdown.style = {"description_width": "initial"}
            dropdown.layout = widgets.Layout(width="auto")
            dropdown.observe(self._changed, names="value")
        self.allowed = {k: {v for _, v in d.options} for k, d in self.choices.items()}
        self._restrict_waves()
        table = self.table()
        self.chart = widgets.Output()
        self.text = page.html_widget("")  # the chart's summary and data table
        self.downloads = downloads.DownloadLinks(table, self.filename(), self.results.code_notes)
        self._draw(table, self.value)
        self.widget = widgets.VBox(
            [
                page.row(self.choices.values()),
                self.message,
                self.chart,
                self.text,
                self.downloads.widget,
            ]
        )
        from .pack_panel import PackPanel  # the staff-meeting pack reads this page's tables

        self.pack_panel = PackPanel(self)
        self.widget.children += (self.pack_panel.widget,)

    # -- state -------------------------------------------------------------

    @property
    def value(self) -> dict:
        """The current choices, each checked against its options."""
        out = {}
        for key, dropdown in self.choices.items():
            if dropdown.value not in self.allowed[key]:
                # a browser (or a crafted client) can send any value: never use it
                first = dropdown.options[0][1]
                self._busy, dropdown.value, self._busy = True, first, False
            out[key] = dropdown.value
        return out

    def school_block(self, school_id: str, block: str) -> pd.DataFrame:
        """:func:`school_table` (live) or :func:`published_school_table` (bundle) for
        one school and block, computed once and kept."""
        key = (school_id, block)
        if key not in self._tables:
            if not self.live:
                self._tables[key] = published_school_table(self.by_school, school_id, block)
                return self._tables[key]
            rest = [s for s in self.schools if s != school_id]
            others = (
                self.results.aggregates.shares(list(SPLIT), block=block, where={"school_id": rest})
                if rest
                else None
            )
            if block not in self._by_school:
                self._by_school[block] = by_school_table(self.results, [block])
            self._tables[key] = school_table(
                self._by_school[block], school_id, block, self.rules, others
            )
        return self._tables[key]

    def table(self, choice: dict | None = None) -> pd.DataFrame:
        """The rows the chart shows: one school, block, wave and year group."""
        choice = self.value if choice is None else choice
        full = self.school_block(choice["school_id"], choice["block"])
        keep = np.ones(len(full), dtype=bool)
        for column in SPLIT:
            keep &= (full[column] == choice[column]).to_numpy()
        return full[keep].reset_index(drop=True)

    def filename(self, choice: dict | None = None) -> str:
        """``my_school_S01_enjoy_wave1_year7``."""
        c = self.value if choice is None else choice
        safe = "".join(ch for ch in str(c["school_id"]) if ch.isalnum() or ch in "-_")
        return f"{FILENAME}_{safe}_{c['block']}_wave{c['wave']}_year{c['year_group']}"

    def draw(self, table: pd.DataFrame, choice: dict | None = None) -> go.Figure:
        """The finished figure for the current (or given) choices."""
        return go.Figure(self.spec(table, choice))

    def spec(self, table: pd.DataFrame, choice: dict | None = None) -> dict:
        """:func:`school_figure_spec` for the choices, made once per choice and kept."""
        c = self.value if choice is None else choice
        key = tuple(c[k] for k in ("school_id", "block", *SPLIT))
        if key not in self._specs:
            self._specs[key] = school_figure_spec(
                table,
                school_id=c["school_id"],
                block=c["block"],
                wave=c["wave"],
                year_group=c["year_group"],
                rules=self.rules,
            )
        return self._specs[key]

    def _surveyed(self, school_id: str) -> set[tuple[int, int]]:
        """(wave, year group) pairs with pupils of the school."""
        return self._where.get(str(school_id), set())

    def _restrict_waves(self) -> None:
        """Offer only the waves the chosen school took part in."""
        school = self.choices["school_id"].value
        waves = sorted({w for w, _ in self._surveyed(school)}) or [
            v for _, v in self.choices["wave"].options
        ]
        dropdown = self.choices["wave"]
        current = dropdown.value
        self._busy = True
        try:
            dropdown.options = [(option_label("wave", w), w) for w in waves]
            dropdown.value = current if current in waves else waves[0]
        finally:
            self._busy = False
        self.allowed["wave"] = set(waves)

    # -- updates -----------------------------------------------------------

    def _changed(self, change) -> None:
        if self._busy:
            return
        if change["owner"] is self.choices["school_id"]:
            if change["new"] not in self.allowed["school_id"]:
                _ = self.value  # reading it resets it
                return
            self._restrict_waves()
        self.show()

    def show(self) -> None:
        """Redraw the chart and the downloads in place for the current choices."""
        choice = self.value
        table = self.table(choice)
        surveyed = self._surveyed(choice["school_id"])
        if (choice["wave"], choice["year_group"]) not in surveyed:
            self.message.value = page.html_widget(
                f"<p>{html.escape(school_name(choice['school_id']))} has no pupils in year "
                f"{choice['year_group']} of wave {choice['wave']} in these data.</p>"
            ).value
        else:
            self.message.value = ""
        # the chart goes out before the download links
        self._draw(table, choice)
        self.downloads.update(table, self.filename(choice))

    def _draw(self, table: pd.DataFrame, choice: dict) -> None:
        """Put the figure for ``choice`` in the chart's Output (plain values, not validated
        again: plotly's validation of every property was most of a change's time)."""
        spec = self.spec(table, choice)
        self.figure = go.Figure(spec, _validate=False)
        # the area keeps the chart's height while the new drawing replaces the old
        self.chart.layout.min_height = f"{int(spec['layout'].get('height') or 450)}px"
        self.chart.outputs = (_spec_output(spec, downloads.image_config(self.filename(choice))),)
        self.text.value = page.described(table, spec)


def _spec_output(spec: dict, config: dict) -> dict:
    """:func:`dashboards.explorer.chart_output` for a plain figure dict (no plotly objects)."""
    from plotly.utils import PlotlyJSONEncoder

    plain = json.loads(json.dumps(spec, cls=PlotlyJSONEncoder))
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {
            "application/vnd.plotly.v1+json": {**plain, "config": config},
            "text/plain": "<a chart>",
        },
    }


INTRO = (
    "<p>One school against all the other schools together: for every question of a block, "
    "the share of this school's pupils next to the share of the other schools' pupils, for "
    "one wave and one year group.</p>"
)


def footnote(rules: disclosure.DisclosureRules = disclosure.DisclosureRules()) -> str:
    """How to read the chart (HTML)."""
    return (
        "n: pupils in the wave and year group who answered the question. Lines on the bars "
        "are 95% intervals: for this school a binomial (Wilson) interval on its own pupils "
        "(one school, so there is no clustering across schools to allow for); for the other "
        "schools a Wilson interval on the effective n, allowing for pupils clustered in "
        "schools. Figures are protected so that neither this school's nor the other schools' "
        "hidden figures can be worked out from the all-schools figures shown on the other "
        "dashboards. This school's own figures are exempt from the 3-school rule (this is the "
        f"school's own page); the other schools must number at least {rules.min_schools}. "
        "Figures are never pooled over waves or year groups here, and a school's rank among "
        f"schools is never shown. {legend_note(rules)}"
    )


def main() -> None:
    """What the notebook runs."""
    shell.main(MySchool, title="My school", intro=INTRO, footnote=footnote(), choose_school=True)
