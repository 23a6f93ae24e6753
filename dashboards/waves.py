"""Waves and cohort dashboard: what changed between 2008 and 2010, and in the cohort.

Two charts for a chosen block (or every block):

1. Change between waves: each item's share in wave 1 (2008) and wave 2
   (2010) for a chosen year group, and the change (wave 2 − wave 1) with its
   95% interval (``change_waves``).
2. The cohort: each item's share among year 7 pupils in 2008 and year 9
   pupils in 2010, the same year group two years on, and the change
   (``cohort``).

When the waves surveyed different schools (on the sample, wave 2 surveyed 19
of wave 1's 27), a change between waves mixes a change in pupils' answers with
a change in which schools answered; the page says so from the data shown
(:meth:`dashboards.results.WaveSchools.like_for_like`). The schools toggle chooses "all schools" or "only the schools surveyed in both
waves" (like for like; the tables' ``schools`` column says which), and every
chart's title says which one it uses.

Every number comes from :meth:`dashboards.results.Results.comparisons`,
computed once when the page is built and kept; a choice picks rows of those
tables and redraws the charts it concerns.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go

from analysis import linked, schema
from analysis.figures import comparisons as charts
from analysis.figures.style import WAVE_COLOURS, YEAR_GROUP_COLOURS, short_level

from . import downloads, page, shell
from .filters import option_label
from .gender_gaps import (
    ALL_BLOCKS,
    SCHOOLS_WORDS,
    ChartPanel,
    block_options,
    block_words,
    common_schools,
    comparison_rows,
    first_block,
    labelled,
    nothing_to_compare,
    schools_toggle,
    schools_words,
    show_all,
    toggle,
)
from .results import Results, legend_note

#: The two groups of the cohort view, in words.
COHORT_FIRST, COHORT_SECOND = "Year 7 in 2008", "Year 9 in 2010"

#: Each chart's heading (the question it answers) and how to read it (HTML written here).
PANELS: dict[str, tuple[str, str]] = {
    "change": (
        "What changed between 2008 and 2010?",
        "Left: each item's share in wave 1 (2008) and wave 2 (2010), same year group. "
        "Right: the change (2010 − 2008) in percentage points with its 95% interval; "
        "filled dots are significant after Benjamini-Hochberg, hollow dots could be noise.",
    ),
    "cohort": (
        "The cohort two years on: year 7 in 2008, year 9 in 2010",
        "The pupils in year 7 in autumn 2008 were in year 9 in autumn 2010. Left: each "
        "item's share among year 7 pupils in 2008 and among year 9 pupils in 2010. Right: "
        "the change (2010 − 2008) with its 95% interval. The two groups are compared as "
        "surveyed: pupils who answered both times are not matched.",
    ),
}


# The chart of one choice, as pure functions: the page below and the static site
# (:mod:`dashboards.static_site`) draw the same chart from the same choice.


def change_chart(
    results: Results, block: str, year: int, schools: str, n_common: int
) -> tuple[go.Figure, pd.DataFrame]:
    """What changed between 2008 and 2010 in one year group (all schools, or like for
    like): each item's two shares and the change."""
    waves = schema.groups()["wave"].values
    rows = comparison_rows(results, "change_waves", block, schools, year_group=year)
    title = (
        f"Change between waves, share yes or agreeing: {block_words(block)}, "
        f"{short_level('year_group', year)}, {schools_words(schools, n_common)}"
    )
    figure = charts.change_dots(
        rows,
        first=waves[1],
        second=waves[2],
        first_colour=WAVE_COLOURS[1],
        second_colour=WAVE_COLOURS[2],
        title=title,
        in_both=results.wave_schools().in_both_words(),
    )
    return figure, rows


def cohort_chart(
    results: Results, block: str, schools: str, n_common: int
) -> tuple[go.Figure, pd.DataFrame]:
    """The 2008 year 7 cohort in year 9 in 2010: each item's two shares and the change."""
    rows = comparison_rows(results, "cohort", block, schools)
    title = (
        f"Cohort, year 7 in 2008 and year 9 in 2010: {block_words(block)}, "
        f"{schools_words(schools, n_common)}"
    )
    figure = charts.change_dots(
        rows,
        first=COHORT_FIRST,
        second=COHORT_SECOND,
        first_colour=YEAR_GROUP_COLOURS[7],
        second_colour=YEAR_GROUP_COLOURS[9],
        title=title,
        in_both=results.wave_schools().in_both_words(),
    )
    return figure, rows


class Waves:
    """The waves and cohort dashboard, built from a :class:`~dashboards.results.Results`.

    Parameters
    ----------
    results : Results
        Live results or a publication bundle.

    Attributes
    ----------
    block : ipywidgets.Dropdown
        A block key or :data:`~dashboards.gender_gaps.ALL_BLOCKS`.
    year_group : ipywidgets.ToggleButtons
        The year group of the between-waves chart.
    schools : ipywidgets.ToggleButtons
        ``"all"`` or ``"common"`` (only schools surveyed in both waves), for
        both charts.
    change, cohort : ChartPanel
        The two charts.
    widget : ipywidgets.VBox
    """

    def __init__(self, results: Results):
        self.results = results
        only_one = nothing_to_compare(results, "wave", "Waves and cohort")
        if only_one is not None:  # every chart here compares the two waves
            self.widget = only_one
            return
        self.n_common = common_schools(results)
        for schools in SCHOOLS_WORDS:  # every table now, so no choice waits for one
            results.comparisons("change_waves", schools=schools)
            results.comparisons("cohort", schools=schools)
        options = block_options(results, "change_waves")
        first = first_block(options)
        self.block = widgets.Dropdown(
            options=options, value=first, layout=widgets.Layout(width="auto")
        )
        self.year_group = toggle(
            [(option_label("year_group", y), y) for y in results.levels("year_group")]
        )
        self.schools = schools_toggle(self.n_common)
        self.change = ChartPanel(*PANELS["change"], labelled("Year group:", self.year_group))
        self.cohort = ChartPanel(*PANELS["cohort"])
        for control in (self.block, self.year_group, self.schools):
            control.observe(lambda _change: self.show(), names="value")
        controls = widgets.VBox(
            [labelled("Block:", self.block), labelled("Schools:", self.schools)]
        )
        # which schools each wave surveyed, said from the data shown
        self.schools_note = page.html_widget(
            f'<p class="ks3-note">{html.escape(results.wave_schools().like_for_like())}</p>'
        )
        self.linked = LinkedPanel(results)
        self.widget = widgets.VBox(
            [
                self.schools_note,
                controls,
                self.change.widget,
                self.cohort.widget,
                self.linked.widget,
            ]
        )
        self.show()

    def rows(self, measure: str, **where) -> pd.DataFrame:
        """Rows of ``measure`` for the chosen block and schools, and the groups in ``where``."""
        return comparison_rows(self.results, measure, self.block.value, self.schools.value, **where)

    def show(self) -> None:
        """Redraw the charts whose choices changed."""
        block, year, schools = self.block.value, self.year_group.value, self.schools.value
        name = f"waves_{block}_{schools}_schools"
        results, n_common = self.results, self.n_common
        show_all(
            [
                (
                    self.change,
                    (block, year, schools),
                    lambda: change_chart(results, block, year, schools, n_common),
                    f"{name}_year{year}",
                ),
                (
                    self.cohort,
                    (block, schools),
                    lambda: cohort_chart(results, block, schools, n_common),
                    f"cohort_{block}_{schools}_schools",
                ),
            ]
        )
        self.linked.show(block)


class LinkedPanel:
    """The same pupils followed from year 7 (2008) to year 9 (2010), for a block.

    Where ``pupil_id`` links pupils across the waves (live data only: a
    publication bundle holds no pupil rows), a table of each item's transitions
    (yes both years, gained, lost, never), the paired change with its 95%
    interval and its difference from the cross-sectional cohort figure,
    disclosure-controlled (:mod:`analysis.linked`); the note says how many
    pupils linked and how they differ from those who did not.
    """

    def __init__(self, results: Results):
        self.survey = getattr(results, "survey", None)
        self.rules = results.rules
        self.block = None
        self.table = pd.DataFrame()
        self.heading = page.html_widget(
            "<h2>The same pupils followed: year 7 in 2008 to year 9 in 2010</h2>"
        )
        self.body = page.html_widget("")
        self.downloads = downloads.DownloadLinks(
            self.table, "linked_pupils", getattr(results, "code_notes", ())
        )
        self.widget = widgets.VBox([self.heading, self.body, self.downloads.widget])
        self.linked = self.survey is not None and not linked.link(self.survey.table).empty
        if not self.linked:
            self.body.value = (
                '<p class="ks3-note">'
                + html.escape(
                    "No pupil can be followed here: these data link no year 7 pupil of 2008 to a "
                    "year 9 pupil of 2010 by pupil_id"
                    if self.survey is not None
                    else "Published pages show no linked pupils: a publication bundle holds no "
                    "pupil rows."
                )
                + "</p>"
            )
            self.downloads.widget.layout.display = "none"
            return
        self.cohort = results.aggregates.cohort(fdr=False)
        self.note = linked.summary_note(self.survey.table)

    def show(self, block: str) -> None:
        """Show ``block``'s linked pupils (every block: a note to choose one)."""
        if not self.linked or block == self.block:
            return
        self.block = block
        if block == ALL_BLOCKS:
            self.body.value = (
                f'<p class="ks3-note">{html.escape(self.note)} Choose a block '
                "above to see its items' transitions.</p>"
            )
            self.downloads.widget.layout.display = "none"
            return
        table = self.survey.table
        self.table = linked.block_table(table, block, self.cohort, self.rules)
        versus = linked.linked_vs_not(linked.block_columns(table, block), self.rules)
        versus = versus["difference_pp"].abs().dropna()
        differ = (
            f" Before, in year 7, their shares differed from the {block_words(block)} "
            f"shares of the year 7 pupils who did not link by {versus.median():.1f} "
            f"percentage points at the median and {versus.max():.1f} at most."
            if len(versus)
            else ""
        )
        shown = linked.in_words(self.table)
        rows = "".join(
            "<tr>"
            + f'<th scope="row">{html.escape(str(r[0]))}</th>'
            + "".join(f"<td>{html.escape(str(v))}</td>" for v in r[1:])
            + "</tr>"
            for r in shown.itertuples(index=False)
        )
        head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in shown.columns)
        caption = (
            f"Linked pupils, {block_words(block)}: yes or agreeing in year 7 (2008) and "
            "year 9 (2010), counts of pupils who answered both times"
        )
        self.body.value = (
            f'<p class="ks3-note">{html.escape(self.note + differ)} Gained: no in year 7, '
            "yes in year 9; lost: yes, then no. The paired change is year 9 minus year 7 for "
            "the same pupils (school-clustered 95% interval); the cross-sectional cohort "
            "change compares all year 7 pupils of 2008 with all year 9 pupils of 2010, as "
            f"the chart above. c: hidden for confidentiality.</p>"
            f'<table class="ks3-table"><caption>{html.escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        )
        self.downloads.update(self.table, f"linked_pupils_{block}")
        self.downloads.widget.layout.display = None


INTRO = (
    "<p>How the share of pupils answering yes or agreeing changed between the two waves "
    "(autumn 2008 and autumn 2010), and how the year group that was in year 7 in 2008 "
    "answered in year 9 in 2010. Every chart's title says whether it uses all schools or "
    "only the schools surveyed in both waves (like for like).</p>"
    "<p><b>Filled dots are significant</b> after controlling the false discovery rate per "
    "block (Benjamini-Hochberg, 5%: every test of that measure in the block is one family; "
    "the download's <code>fdr_family</code> column names it); <b>hollow dots are "
    "not</b>.</p>"
)


def footnote(results: Results | None = None) -> str:
    rules = results.rules if results is not None else Results.rules
    return (
        "Shares: pupils answering yes, or agreeing (3 or 4 on the four-point scale), "
        "among those who answered. Changes are in percentage points; intervals and "
        "tests are school-clustered (t on schools − 1 degrees of freedom). n: pupils who "
        "answered in each of the two groups. Hover over a dot for the shares, bases, p "
        "and the Benjamini-Hochberg q. The camera icon above a chart downloads it as a "
        "PNG; the links below it download its table. " + legend_note(rules)
    )


def main() -> None:
    """What the notebook runs."""
    shell.main(Waves, title="Waves and cohort", intro=INTRO, footnote=footnote())
