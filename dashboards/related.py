"""Items related to each other: one item's share by another item's answer.

"Do pupils who enjoy science consider a science career more often?" Choose an
item (yes/no, or agreeing) and another item (any answer scale), and the
pupils (wave, year group, gender, ethnicity): the chart shows the first item's
share among the pupils who gave each answer to the other, with its
school-clustered 95% interval, and the text under it says whether the share
differs by that answer by the design-based test of :mod:`analysis.related`
(a Rao-Scott corrected chi-square, referred to F on the schools' degrees of
freedom). Every figure is in the data table under the chart and in the
downloads.

The page is for internal use (as every research page): each figure is marked
by the primary rules (:func:`dashboards.results.mark_shares`): ``c`` and
``u`` figures are drawn as their marks, never as numbers, and the test is not
given when a figure of the pair is ``c``. The pairs a publication may carry
are protected by ``python -m analysis summary --pairs`` instead.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from analysis import related as relate
from analysis import schema
from analysis.figures import shares as charts

from . import downloads, page, shell
from .filters import Filters
from .results import Results, describe, legend_note, mark_shares

#: The pair shown first: enjoys science, by considers a science career.
FIRST_PAIR = ("consider_science", "enjoy_science")


def item_options(columns, shares_only: bool) -> list[tuple[str, str]]:
    """``(block: item label, column)`` for every item of ``columns`` in questionnaire
    order; ``shares_only`` leaves out items without a share (the qualification aim)."""
    present = set(columns)
    return [
        (f"{b.label}: {schema.item(c).label}", c)
        for b in schema.blocks()
        for c in b.columns
        if c in present and not (shares_only and schema.item(c).scale == "categorical")
    ]


def answer_rows(shares: pd.DataFrame, item: str, rules) -> pd.DataFrame:
    """The rows :func:`analysis.related.related` gives, in the results' share shape
    (``item`` an answer of the other item, ``label`` its words), marked."""
    rows = shares.rename(columns={"answer_label": "label"}).assign(
        item=[f"answer {a}" for a in shares[relate.ANSWER].astype(str)],
        measure="share",
        block=schema.item(item).block,
        share_of=item,
    )
    return mark_shares(rows, rules)


def test_words(test: dict, rows: pd.DataFrame) -> str:
    """The design-based test in a sentence (none when a figure is ``c``)."""
    if not test or rows.empty:
        return ""
    if (rows["suppressed"].astype(str) == "c").any():
        return (
            "The test of a difference is not given: a figure of this pair is hidden "
            "(c), and the test could tell it."
        )
    if pd.isna(test.get("p_value")):
        return (
            "The test of a difference needs at least two answers and two schools; "
            "these pupils give fewer."
        )
    verdict = (
        "differs by the other item's answer"
        if test["p_value"] < 0.05
        else "does not differ clearly by the other item's answer"
    )
    return (
        f"The share {verdict} (Rao-Scott corrected chi-square, F = {test['F']:.2f} on "
        f"{test['df1']:.0f} and {test['df2']:.0f} degrees of freedom, p = "
        f"{test['p_value']:.2g}; design effect {test['deff']:.2f}; "
        f"{test['n']:,.0f} pupils in {test['n_schools']} schools)."
    )


class Related:
    """The page: two item choices, the filters, the chart, its text, the downloads."""

    def __init__(self, results: Results):
        self.results = results
        self.survey = getattr(results, "survey", None)
        if self.survey is None:
            self.widget = page.html_widget(
                '<p class="ks3-note">Published pages do not relate items: a publication '
                "bundle holds no pupil rows. The research dashboards do.</p>"
            )
            return
        columns = self.survey.table.columns
        first = item_options(columns, shares_only=True)
        other = item_options(columns, shares_only=False)
        if not first or len(other) < 2:
            self.widget = page.html_widget(
                '<p class="ks3-note">These data hold fewer than two items: nothing to relate.</p>'
            )
            return
        choose = {c for _, c in first}

        def start(options, wanted, fallback):
            return wanted if wanted in {c for _, c in options} else options[fallback][1]

        self.item = page.named(
            widgets.Dropdown(
                options=first,
                value=start(first, FIRST_PAIR[0], 0),
                layout=widgets.Layout(width="auto"),
            ),
            "Share answering yes (or agreeing) to",
        )
        self.by_item = page.named(
            widgets.Dropdown(
                options=other,
                value=start(other, FIRST_PAIR[1], 1 if other[0][1] in choose else 0),
                layout=widgets.Layout(width="auto"),
            ),
            "By their answer to",
        )
        self.filters = Filters(results, on_change=lambda _where: self.redraw())
        self.item.observe(lambda _c: self.redraw(), names="value")
        self.by_item.observe(lambda _c: self.redraw(), names="value")
        self.chart = widgets.Output()
        self.text = page.html_widget("")
        self.test = page.html_widget("")
        self.rows = pd.DataFrame()
        self.downloads = downloads.DownloadLinks(
            self.rows, "related", getattr(results, "code_notes", ())
        )
        self.widget = widgets.VBox(
            [
                widgets.VBox([self.item, self.by_item]),
                self.filters.widget,
                self.test,
                self.chart,
                self.text,
                self.downloads.widget,
            ]
        )
        self.redraw()

    def choice(self) -> tuple[str, str, dict]:
        """The item, the other item and the filter, each checked against the options."""
        allowed_item = {c for _, c in self.item.options}
        allowed_by = {c for _, c in self.by_item.options}
        item, by_item = self.item.value, self.by_item.value
        if item not in allowed_item or by_item not in allowed_by:
            raise ValueError("that item is not offered")
        return item, by_item, self.filters.value

    def redraw(self) -> None:
        try:
            item, by_item, where = self.choice()
        except ValueError:
            return
        if item == by_item:
            self.test.value = page.html_widget(
                '<p class="ks3-note">Choose two different items.</p>'
            ).value
            return
        shares, test = relate.related(self.survey.table, item, by_item, where)
        self.rows = answer_rows(shares, item, self.results.rules) if len(shares) else pd.DataFrame()
        self.rows = self.rows.assign(by_item=by_item) if len(self.rows) else self.rows
        who = describe(where)
        title = (
            f"{schema.item(item).label} ({schema.block(schema.item(item).block).label}): "
            f"share by answer to {schema.item(by_item).label} "
            f"({schema.block(schema.item(by_item).block).label})"
        )
        figure = (
            charts.ranked_dots(
                self.rows,
                None,
                title=html.escape(title),
                subtitle=html.escape(f"{who}; 95% intervals, school-clustered"),
            )
            if len(self.rows)
            else None
        )
        self.test.value = page.html_widget(
            f"<p><b>{html.escape(test_words(test, self.rows) or 'No pupils answered both.')}"
            "</b></p>"
        ).value
        self.chart.clear_output(wait=True)
        with self.chart:
            if figure is not None:
                figure.show(config=downloads.image_config(f"related_{item}_by_{by_item}"))
        caption = f"{title}, {who}"
        self.text.value = (
            page.described(self.rows, figure)
            if figure is not None
            else page.html_widget(f"<p>{html.escape(caption)}: no pupils match.</p>").value
        )
        self.downloads.update(self.download_table(test), f"related_{item}_by_{by_item}")

    def download_table(self, test: dict) -> pd.DataFrame:
        """The rows shown, with the test on each row (blank when it is not given)."""
        if self.rows.empty:
            return self.rows
        given = (
            bool(test_words(test, self.rows))
            and not (self.rows["suppressed"].astype(str) == "c").any()
        )
        keep = [
            "share_of",
            "by_item",
            relate.ANSWER,
            "label",
            "n",
            "count",
            "share",
            "ci_low",
            "ci_high",
            "n_schools",
            "suppressed",
        ]
        out = (
            self.rows[[c for c in keep if c in self.rows]]
            .rename(columns={"label": "answer_label"})
            .copy()
        )
        for key, column in (
            ("F", "rao_scott_F"),
            ("df1", "df1"),
            ("df2", "df2"),
            ("p_value", "rao_scott_p"),
            ("deff", "design_effect"),
        ):
            out[column] = test.get(key) if given else None
        for column, value in self.filters.value.items():
            out.insert(0, column, value)
        return out


INTRO = (
    "<p>Any item against any other: the share of pupils answering yes (or agreeing) to "
    "one item, among the pupils who gave each answer to another, for example whether "
    "pupils who enjoy science consider a science career more often. The text above the "
    "chart gives a design-based test of whether the share differs by the other item's "
    "answer (a Rao-Scott corrected chi-square, allowing for pupils of one school being "
    "alike).</p>"
)


#: Under the chart: what the figures are, and the c and u marks (the default rules).
FOOTNOTE = (
    "Shares among the pupils who answered both items; agreeing is 3 or 4 on the "
    "four-point scale. Intervals are school-clustered (t on schools − 1 degrees of "
    "freedom). A relation is not a cause: pupils who enjoy a subject may differ in "
    "other ways. " + legend_note()
)


def main() -> None:
    """What the notebook runs."""
    shell.main(Related, title="Related items", intro=INTRO, footnote=FOOTNOTE)
