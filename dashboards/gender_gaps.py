"""Gender and ethnicity gaps dashboard: boys − girls (or other ethnic groups − white British) per item.

Three charts, each answering one question, for a chosen block (or every
block) and a choice of gender or ethnicity:

1. How big is each gap? The gap of every item in a chosen wave and year
   group, with its 95% interval, sorted by size (:func:`analysis.figures.comparisons.gap_dots`).
2. Does the gap change from year 7 to year 9? The gap at year 7 and at year 9
   of every item in a chosen wave, and the change with its interval
   (``…_gap_change_years``; :func:`analysis.figures.comparisons.gap_change_dumbbell`).
3. Did the gap change between 2008 and 2010? The same across waves, for a
   chosen year group, in all schools or only the schools surveyed in both
   waves (``…_gap_change_waves``).

The researcher's question in the issue, "did girls' interest in engineering
careers fall further behind boys' between year 7 and year 9, and is that more
than noise?", is chart 2 with the block "STEM careers considered" (the one
shown first).

Every number comes from :meth:`dashboards.results.Results.comparisons`,
computed once per measure when the page is built and kept; a choice only
picks rows of those tables and redraws the charts it concerns.
"""

from __future__ import annotations

import html
import re
import sys
import traceback
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go
from IPython.display import clear_output

from analysis import schema
from analysis.figures import comparisons as charts
from analysis.figures import hidden, text
from analysis.figures.style import short_level

from . import downloads, page, shell
from .filters import option_label
from .results import Results, legend_note

#: Every block at once (a value of the block dropdown).
ALL_BLOCKS = "all"
#: The block shown first: the issue's question is about careers considered.
FIRST_BLOCK = "consider"
#: What is compared: key -> (words on the toggle, words in a title, first group,
#: second group); the gap is first − second.
COMPARES: dict[str, tuple[str, str, str, str]] = {
    "gender": ("Boys − girls", "Gender gap (boys − girls)", "Boys", "Girls"),
    "ethnicity": (
        "Other ethnic groups − white British",
        "Ethnicity gap (other ethnic groups − White British)",
        "Other ethnic groups",
        "White British",
    ),
}
#: Words for the schools a between-waves figure uses (``{n}``: how many common schools).
SCHOOLS_WORDS = {"all": "all schools", "common": "only the {n} schools surveyed in both waves"}


#: Each chart's heading (the question it answers) and how to read it (HTML written here).
PANELS: dict[str, tuple[str, str]] = {
    "gaps": (
        "How big is each gap?",
        "Each dot is a gap in percentage points, the line its 95% interval. Right of the "
        "zero line, the first group (boys; other ethnic groups) is higher.",
    ),
    "years": (
        "Does the gap change from year 7 to year 9?",
        "Left: each item's gap in year 7 and in year 9 (same wave). Right: the change of "
        "the gap (year 9 − year 7) with its 95% interval; right of zero, the gap moved "
        "towards the first group, e.g. girls fell further behind boys when boys were "
        "ahead. A hollow dot is a change that could be noise.",
    ),
    "waves": (
        "Did the gap change between 2008 and 2010?",
        "Left: each item's gap in wave 1 (2008) and wave 2 (2010), same year group. "
        "Right: the change of the gap (2010 − 2008) with its 95% interval. Wave 2 "
        "surveyed fewer schools: choose “Only the schools surveyed in both waves” to "
        "compare like with like.",
    ),
}
#: A measure's tests in words, for the false discovery rate sentence.
MEASURE_WORDS = {
    "gender_gap": "gender gaps",
    "ethnicity_gap": "ethnicity gaps",
    "gender_gap_change_years": "changes of the gender gap from year 7 to year 9",
    "ethnicity_gap_change_years": "changes of the ethnicity gap from year 7 to year 9",
    "gender_gap_change_waves": "changes of the gender gap between the waves",
    "ethnicity_gap_change_waves": "changes of the ethnicity gap between the waves",
    "change_waves": "changes between the waves",
    "change_years": "changes from year 7 to 9",
    "cohort": "cohort changes",
}


def fdr_sentence(table: pd.DataFrame) -> str:
    """The Benjamini-Hochberg families behind a chart, in words (HTML).

    ``fdr_family`` reads "Benjamini-Hochberg at 0.05 over the 16 gender_gap tests of
    block 'consider'"; the page says "… over the 16 gender gaps of the block “STEM
    careers considered” …" (the download keeps the column as it is)."""
    families = [f for f in pd.unique(table["fdr_family"].astype(str)) if f]
    if len(families) == 1:
        words = families[0]
        found = re.fullmatch(
            r"Benjamini-Hochberg at ([\d.]+) over the (\d+) (\w+) tests of "
            r"block '(\w+)'",
            words,
        )
        if found and found[3] in MEASURE_WORDS and found[4] in {b.key for b in schema.blocks()}:
            alpha, m, measure, block = found.groups()
            words = (
                f"Benjamini-Hochberg at {float(alpha):.0%} over the {m} "
                f"{MEASURE_WORDS[measure]} of the block “{schema.block(block).label}”"
            )
        return (
            "False discovery rate controlled per block: "
            + html.escape(words)
            + " (every group of the table, not only the rows shown)."
        )
    alphas = sorted(
        {a for f in families for a in re.findall(r"Benjamini-Hochberg at ([\d.]+)", f)}, key=float
    )
    at = f" at {float(alphas[0]):.0%}" if len(alphas) == 1 else ""
    return (
        f"False discovery rate controlled per block: Benjamini-Hochberg{at} over "
        "each block's tests, each block its own family (column <code>fdr_family</code> "
        "of the download)."
    )


class ChartPanel:
    """One chart: its heading, how to read it, the figure, its download links.

    The figure is a plain ``go.Figure`` shown in an :class:`ipywidgets.Output`
    (plotly's mimetype renderer), redrawn whole on a change. Not a
    ``FigureWidget``: each FigureWidget loads its own copy of plotly.js in the
    browser, and with two or three on a page the first one misses anywidget's
    two-second start-up limit on a busy machine and never updates again
    ("[anywidget] Failed to initialize model"). A figure of a few dozen points
    redraws whole in well under the 200 ms a change may take.

    Parameters
    ----------
    heading : str
        The question the chart answers (plain text).
    how_to_read : str
        One or two sentences (HTML written by the module, never from data).
    controls : ipywidgets.Widget, optional
        Choices that concern this chart only, shown under its heading.

    Attributes
    ----------
    figure : plotly.graph_objects.Figure or None
        The figure shown now.
    key : tuple or None
        What the figure shows now; :meth:`show` with the same key does nothing.
    table : DataFrame
        The rows the figure shows (comparison shape, questionnaire order):
        what the links download.
    widget : ipywidgets.VBox
    """

    def __init__(
        self,
        heading: str,
        how_to_read: str,
        controls: widgets.Widget | None = None,
        notes: Sequence[str] = (),
    ):
        self.key = None
        self.pending: str | None = None
        self.table = pd.DataFrame()
        self.figure: go.Figure | None = None
        self.heading = page.html_widget(
            f'<h2>{html.escape(heading)}</h2><p class="ks3-note">{how_to_read}</p>'
        )
        self.output = widgets.Output()
        self.downloads = downloads.DownloadLinks(self.table, "table", notes)
        self.fdr = page.html_widget("")
        self.text = page.html_widget("")  # the chart's summary and data table
        self.problem = page.html_widget("")
        self.widget = widgets.VBox(
            [
                self.heading,
                *([controls] if controls else []),
                self.problem,
                self.output,
                self.text,
                self.fdr,
                self.downloads.widget,
            ]
        )

    def show(
        self, key: tuple, draw: Callable[[], tuple[go.Figure, pd.DataFrame]], filename: str
    ) -> None:
        """Draw ``draw()`` (a figure and the rows it shows, :func:`finished` here) unless
        ``key`` is shown.

        If ``draw`` fails after the first chart, the chart shown stays and a
        message says so (the details go to the server's log); the first
        failure propagates, so the page says the dashboard could not be drawn.
        """
        if key == self.key:
            return
        try:
            new, table = finished(*draw())
        except Exception:
            if self.figure is None:
                raise
            traceback.print_exc(file=sys.__stderr__)
            self.problem.value = page.redraw_problem()
            return
        self.problem.value = ""
        with self.output:
            clear_output(wait=True)
            new.show(renderer="plotly_mimetype", config=downloads.image_config(filename))
        self.figure, self.key, self.table = new, key, table
        self.pending = filename

    def finish(self) -> None:
        """Refresh the download links and the FDR sentence for the chart just drawn.

        Kept apart from :meth:`show` so that a page draws every chart a
        choice concerns first, and writes the (slower) CSV and XLSX after.
        """
        if self.pending is None:
            return
        table = self.table
        self.text.value = page.described(table, self.figure)
        self.downloads.update(table, self.pending)
        self.fdr.value = page.html_widget(
            f'<p class="ks3-note">{fdr_sentence(table)}</p>' if len(table) else ""
        ).value
        self.pending = None


def show_all(panels: Sequence[tuple[ChartPanel, tuple, Callable, str]]) -> None:
    """``panel.show(key, draw, filename)`` for each, then each :meth:`ChartPanel.finish`."""
    for panel, key, draw, filename in panels:
        panel.show(key, draw, filename)
    for panel, *_ in panels:
        panel.finish()


def nothing_to_compare(results: Results, column: str, heading: str) -> widgets.Widget | None:
    """A note in place of a chart that compares the levels of ``column`` (the two waves,
    the two year groups) when the data hold only one of them; ``None`` when they hold two.
    A chart of empty rows would mark every item ``c``, which means hidden for
    confidentiality: untrue here."""
    levels = results.levels(column)
    if len(levels) >= 2:
        return None
    what = {"wave": "wave", "year_group": "year group"}[column]
    held = " and ".join(option_label(column, v) for v in levels) or f"no {what}"
    return page.html_widget(
        f"<h2>{html.escape(heading)}</h2>"
        f'<p class="ks3-note">These data hold only one {what} ({html.escape(held)}), so '
        f"there is nothing to compare here. The other charts and dashboards show the {what} "
        "there is.</p>"
    )


def toggle(options: Sequence[tuple[str, object]], value=None) -> widgets.ToggleButtons:
    """Toggle buttons as wide as their words."""
    return widgets.ToggleButtons(
        options=list(options),
        value=options[0][1] if value is None else value,
        style={"button_width": "auto"},
    )


def labelled(label: str, control: widgets.Widget) -> widgets.HBox:
    """A control named by its own label (:func:`page.named`, 7em wide), in a row of
    its own (so a dropdown is as wide as its choices)."""
    return widgets.HBox(
        [page.named(control, label, width="7em")], layout=widgets.Layout(align_items="center")
    )


def block_options(results: Results, measure: str) -> list[tuple[str, str]]:
    """("All blocks", "all") and every block with rows of ``measure``, questionnaire order."""
    present = set(results.comparisons(measure)["block"].astype(str))
    return [("All blocks", ALL_BLOCKS)] + [
        (b.label, b.key) for b in schema.blocks() if b.key in present
    ]


def first_block(options: Sequence[tuple[str, str]]) -> str:
    """:data:`FIRST_BLOCK` if offered, else the first block, else every block."""
    values = [v for _, v in options]
    return FIRST_BLOCK if FIRST_BLOCK in values else (values[1:] or [ALL_BLOCKS])[0]


def block_words(block: str) -> str:
    return "all blocks" if block == ALL_BLOCKS else schema.block(block).label


def common_schools(results: Results) -> int:
    """How many schools were surveyed in both waves (:meth:`Results.wave_schools`)."""
    return results.wave_schools().both


def schools_toggle(n_common: int) -> widgets.ToggleButtons:
    """ "All schools" / "Only the N schools surveyed in both waves" (off when there are none)."""
    if not n_common:
        return widgets.ToggleButtons(
            options=[("All schools", "all")],
            value="all",
            style={"button_width": "auto"},
            tooltips=["No school was surveyed in both waves: like for like is not possible."],
        )
    return toggle(schools_options(n_common))


def schools_options(n_common: int) -> list[tuple[str, str]]:
    """The schools a between-waves figure can use: all, and (when there are some)
    only the ``n_common`` schools surveyed in both waves."""
    return [("All schools", "all")] + (
        [(f"Only the {n_common} schools surveyed in both waves", "common")] if n_common else []
    )


def schools_words(schools: str, n_common: int) -> str:
    return SCHOOLS_WORDS[schools].format(n=n_common)


# The chart of one choice, as pure functions: the page below and the static site
# (:mod:`dashboards.static_site`) draw the same chart from the same choice. Each
# returns the figure and the rows it draws; :func:`finished` writes under it what a
# c or u mark means (ChartPanel.show does, so a downloaded image keeps it).


def comparison_rows(
    results: Results, measure: str, block: str, schools: str = "all", **where
) -> pd.DataFrame:
    """Rows of ``measure`` for ``block`` (or :data:`ALL_BLOCKS`) and the groups in ``where``."""
    table = results.comparisons(measure, None if block == ALL_BLOCKS else [block], schools=schools)
    for column, value in where.items():
        table = table[table[column].astype(object) == value]
    return table.reset_index(drop=True)


def finished(figure: go.Figure, rows: pd.DataFrame) -> tuple[go.Figure, pd.DataFrame]:
    """``figure`` with what its c and u marks mean written under it, and its rows."""
    return text.with_footer(figure, [hidden.hidden_key(rows)]), rows


def gap_chart(
    results: Results, compare: str, block: str, wave: int, year: int
) -> tuple[go.Figure, pd.DataFrame]:
    """How big is each gap: one wave and year group."""
    _, what, first, second = COMPARES[compare]
    rows = comparison_rows(results, f"{compare}_gap", block, wave=wave, year_group=year)
    title = (
        f"{what}: {block_words(block)}, {short_level('wave', wave)}, "
        f"{short_level('year_group', year)}"
    )
    return charts.gap_dots(rows, first=first, second=second, title=title), rows


def gap_change_years_chart(
    results: Results, compare: str, block: str, wave: int
) -> tuple[go.Figure, pd.DataFrame]:
    """Each gap in year 7 and year 9 of one wave, and its change."""
    _, what, first, second = COMPARES[compare]
    rows = comparison_rows(results, f"{compare}_gap_change_years", block, wave=wave)
    title = f"{what}, year 7 and year 9: {block_words(block)}, {short_level('wave', wave)}"
    figure = charts.gap_change_dumbbell(
        rows, across="year_group", first=first, second=second, title=title
    )
    return figure, rows


def gap_change_waves_chart(
    results: Results, compare: str, block: str, year: int, schools: str, n_common: int
) -> tuple[go.Figure, pd.DataFrame]:
    """Each gap in 2008 and 2010 in one year group (all schools, or like for like), and
    its change."""
    _, what, first, second = COMPARES[compare]
    rows = comparison_rows(results, f"{compare}_gap_change_waves", block, schools, year_group=year)
    title = (
        f"{what}, 2008 and 2010: {block_words(block)}, "
        f"{short_level('year_group', year)}, {schools_words(schools, n_common)}"
    )
    figure = charts.gap_change_dumbbell(
        rows,
        across="wave",
        first=first,
        second=second,
        title=title,
        in_both=results.wave_schools().in_both_words(),
    )
    return figure, rows


class GenderGaps:
    """The gaps dashboard, built from a :class:`~dashboards.results.Results`.

    Parameters
    ----------
    results : Results
        Live results or a publication bundle.

    Attributes
    ----------
    compare, wave, year_group, schools : ipywidgets.ToggleButtons
        What is compared (``"gender"``/``"ethnicity"``), the wave and year
        group of the gaps chart (the wave also of the year 7 → 9 chart, the
        year group also of the between-waves chart), and the schools of the
        between-waves chart (``"all"``/``"common"``).
    block : ipywidgets.Dropdown
        A block key or :data:`ALL_BLOCKS`.
    gaps, years, waves : ChartPanel
        The three charts.
    widget : ipywidgets.VBox
    """

    def __init__(self, results: Results):
        self.results = results
        self.n_common = common_schools(results)
        for compare in COMPARES:  # every table now, so no choice waits for one
            results.comparisons(f"{compare}_gap")
            results.comparisons(f"{compare}_gap_change_years")
            for schools in SCHOOLS_WORDS:
                results.comparisons(f"{compare}_gap_change_waves", schools=schools)
        self.compare = toggle([(words[0], key) for key, words in COMPARES.items()])
        options = block_options(results, "gender_gap")
        first = first_block(options)
        self.block = widgets.Dropdown(
            options=options, value=first, layout=widgets.Layout(width="auto")
        )
        self.wave = toggle([(option_label("wave", w), w) for w in results.levels("wave")])
        self.year_group = toggle(
            [(option_label("year_group", y), y) for y in results.levels("year_group")]
        )
        self.schools = schools_toggle(self.n_common)
        notes = getattr(results, "code_notes", ())
        self.gaps = ChartPanel(*PANELS["gaps"], notes=notes)
        self.years = ChartPanel(*PANELS["years"], notes=notes)
        self.waves = ChartPanel(*PANELS["waves"], labelled("Schools:", self.schools), notes=notes)
        for control in (self.compare, self.block, self.wave, self.year_group, self.schools):
            control.observe(lambda _change: self.show(), names="value")
        controls = widgets.VBox(
            [
                labelled("Compare:", self.compare),
                labelled("Block:", self.block),
                labelled("Wave:", self.wave),
                labelled("Year group:", self.year_group),
            ]
        )
        #: A note in place of a chart whose two levels the data do not both hold.
        self.notes = {
            self.years: nothing_to_compare(
                results, "year_group", "Does the gap change from year 7 to year 9?"
            ),
            self.waves: nothing_to_compare(
                results, "wave", "Did the gap change between 2008 and 2010?"
            ),
        }
        self.widget = widgets.VBox(
            [
                controls,
                self.gaps.widget,
                *(self.notes[p] or p.widget for p in (self.years, self.waves)),
            ]
        )
        self.show()

    # -- tables ---------------------------------------------------------

    def rows(self, measure: str, schools: str = "all", **where) -> pd.DataFrame:
        """Rows of ``measure`` for the chosen block and the groups in ``where``."""
        return comparison_rows(self.results, measure, self.block.value, schools, **where)

    # -- drawing --------------------------------------------------------

    def show(self) -> None:
        """Redraw the charts whose choices changed."""
        compare, block = self.compare.value, self.block.value
        wave, year, schools = self.wave.value, self.year_group.value, self.schools.value
        name = f"{compare}_gaps_{block}"
        results, n_common = self.results, self.n_common
        panels = [
            (
                self.gaps,
                (compare, block, wave, year),
                lambda: gap_chart(results, compare, block, wave, year),
                f"{name}_wave{wave}_year{year}",
            ),
            (
                self.years,
                (compare, block, wave),
                lambda: gap_change_years_chart(results, compare, block, wave),
                f"{name}_year7_to_9_wave{wave}",
            ),
            (
                self.waves,
                (compare, block, year, schools),
                lambda: gap_change_waves_chart(results, compare, block, year, schools, n_common),
                f"{name}_2008_to_2010_year{year}_{schools}_schools",
            ),
        ]
        show_all([p for p in panels if self.notes.get(p[0]) is None])


INTRO = (
    "<p>Gaps between boys and girls, or between pupils of other ethnic groups and white "
    "British pupils, in the share answering yes or agreeing, in percentage points, with "
    "95% intervals that allow for pupils of one school answering alike. Choose a block of "
    "questions, a wave and a year group. To see whether girls' interest in engineering "
    "careers fell further behind boys' between year 7 and year 9, keep “STEM careers "
    "considered” and read the second chart.</p>"
    "<p><b>Filled dots are significant</b> after controlling the false discovery rate per "
    "block (Benjamini-Hochberg, 5%: every test of that measure in the block, across the "
    "waves and year groups, is one family; the download's <code>fdr_family</code> column "
    "names it); <b>hollow dots are not</b>.</p>"
)


def footnote(results: Results | None = None) -> str:
    rules = results.rules if results is not None else Results.rules
    return (
        "Gaps and their changes are differences of shares (yes, or agree = 3 or 4 on the "
        "four-point scale), in percentage points. Intervals and tests are school-clustered "
        "(t on schools − 1 degrees of freedom). n: pupils who answered, in each of the "
        "two groups compared. Hover over a dot for the two shares, the bases, p and the "
        "Benjamini-Hochberg q. The camera icon above a chart downloads it as a PNG; the "
        "links below it download its table. " + legend_note(rules)
    )


def main() -> None:
    """What the notebook runs."""
    shell.main(GenderGaps, title="Gender and ethnicity gaps", intro=INTRO, footnote=footnote())
