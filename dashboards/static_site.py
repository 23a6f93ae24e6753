"""A static site from a publication bundle: HTML pages with client-side plotly charts.

``python -m dashboards.static_site BUNDLE --out DIR`` writes a folder any web
host (or a reader's own disk, over ``file://``) can serve: no server, no
kernel, nothing to attack but files.

* ``index.html``: what the figures are, and a link to each topic page;
* one page per public dashboard (:data:`TOPICS`: subjects, careers, enrichment,
  gaps, waves and cohort) with the charts of the published server, drawn by the
  same functions from the same choices (:func:`dashboards.explorer.topic_figure`,
  :func:`dashboards.gender_gaps.gap_chart` and the others, all drawing with
  :mod:`analysis.figures`): intervals, significance marks, hidden figures drawn
  as hidden, the year 7 → 9 gap change, like-for-like wave changes. A chart's
  choices are ``<select>`` elements (the filters, combined); every combination
  is a figure rendered beforehand from the bundle's tables (embedded as JSON in
  the page), and a few lines of inline JavaScript draw the one chosen, its
  summary and data table (:func:`dashboards.chart_text.chart_text`) and its
  table download;
* ``tables/``: each chart's table as CSV (:func:`dashboards.downloads.csv_bytes`,
  as the server's download links give it);
* ``plotly.min.js``, written once from the installed plotly package
  (:func:`plotly.offline.get_plotlyjs`): the pages load nothing from another
  host (no CDN, no MathJax, no web fonts), so no reader's address leaks and
  the site works offline.

Every figure and table is built only from :class:`dashboards.bundle.BundleResults`
(the bundle's disclosure-controlled tables), as on the published server; each
page ends with the disclosure rules.
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from analysis import export
from analysis.errors import Problem, SurveyDataError

from . import careers, chart_text, downloads, enrichment, explorer, gender_gaps, page, subjects
from . import waves as waves_page
from .bundle import BundleResults
from .filters import TITLES, option_label
from .page import CHART_SIZING_JS, LIVE_REGION_JS
from .results import legend_note

#: Written into every page's head, so a folder can be recognised as a site to replace.
GENERATOR = "ks3-stem-static-site"
PLOTLY_JS = "plotly.min.js"
#: The folder of the tables' CSV files, beside the pages.
TABLES = "tables"
#: The filters of a share chart, in the order of their ``<select>`` elements (the group
#: compared, the year group, is not one of them).
FILTERS: tuple[str, ...] = ("wave", "gender", "ethnicity")
#: The value of a ``<select>`` for "every pupil" (no filter on that column).
EVERYONE = ""


@dataclass(frozen=True)
class Topic:
    """One page: its file, title, introduction and which charts it draws (``setup``:
    a block explorer's topics; ``charts``: ``"gaps"`` or ``"waves"``)."""

    name: str
    title: str
    about: str
    setup: explorer.Setup | None = None
    charts: str = ""


TOPICS: tuple[Topic, ...] = (
    Topic(
        "subjects",
        "Subjects",
        "Favourite subjects, and how many pupils enjoy each subject, find it easy and think "
        "it important for their future: year 7 against year 9.",
        setup=subjects.SETUP,
    ),
    Topic(
        "careers",
        "Careers",
        "Where pupils would look for careers information, the qualifications they know of, "
        "the STEM careers they would consider and the kinds of work they like.",
        setup=careers.SETUP,
    ),
    Topic(
        "enrichment",
        "Enrichment",
        "STEM clubs, trips and visitors that pupils remember: year 7 against year 9.",
        setup=enrichment.SETUP,
    ),
    Topic(
        "gaps",
        "Gender and ethnicity gaps",
        "Each item's gap between boys and girls, and between pupils of other ethnic groups "
        "and white British pupils, in percentage points with its 95% interval; whether it "
        "changes from year 7 to year 9, and between 2008 and 2010.",
        charts="gaps",
    ),
    Topic(
        "waves",
        "Waves and cohort",
        "What changed between 2008 and 2010 in each year group, in all schools or like for "
        "like, and the 2008 year 7 cohort seen again in year 9 in 2010.",
        charts="waves",
    ),
)

_CSS = (
    """
body { font-family: Helvetica, Arial, sans-serif; color: #222; margin: 0; line-height: 1.5; }
header { background: #0072B2; color: white; padding: 0.6em 1.2em; }
header a { color: white; margin-right: 1.1em; text-decoration: none; }
header a.here { font-weight: bold; text-decoration: underline; }
main { max-width: 1100px; margin: 0 auto; padding: 0.5em 1.2em 2em 1.2em; }
h1 { font-size: 1.7em; margin: 0.5em 0 0.2em 0; }
h2 { font-size: 1.25em; margin: 1.4em 0 0.3em 0; }
.source { background: #f4f7fa; border-left: 4px solid #0072B2; padding: 0.5em 0.9em; }
.chart { border-top: 1px solid #ddd; margin-top: 1em; }
.choices { display: flex; flex-wrap: wrap; gap: 0.4em 1.4em; }
.chart label { font-size: 0.95em; }
.chart select { font-size: 1em; margin-left: 0.4em; }
.plot { width: 100%; min-height: 420px; }
footer, .note { color: #555; font-size: 0.9em; }
footer { border-top: 1px solid #ddd; margin-top: 2em; padding-top: 0.6em; }
"""
    + page.FOCUS_CSS
    + chart_text.CSS
)

#: The client side: draw the figure of every chart's choices, again when a choice
#: changes, and show its summary, table and download (``responsive``, and
#: :data:`dashboards.page.CHART_SIZING_JS`: each chart takes its container's width
#: whenever the container gets it).
_SCRIPT = """
document.querySelectorAll(".chart").forEach(function (chart) {
  var plot = chart.querySelector(".plot");
  var drawn = JSON.parse(chart.querySelector("script.figures").textContent);
  var choices = Array.prototype.slice.call(chart.querySelectorAll("select"));
  var texts = chart.querySelectorAll(".chart-text");
  function draw() {
    var key = choices.map(function (c) { return c.value; }).join("|");
    var i = drawn.keys.indexOf(key), f = drawn.figures[i];
    Plotly.react(plot, f.data, f.layout, drawn.configs[i]);
    texts.forEach(function (t, j) { t.hidden = j !== i; });
  }
  choices.forEach(function (c) { c.addEventListener("change", draw); });
  draw();
});
"""


# ---------------------------------------------------------------- charts


@dataclass
class Control:
    """A ``<select>`` of a chart: its label and its options (words, value)."""

    label: str
    options: list[tuple[str, str]]


@dataclass
class Drawn:
    """The figure of one combination of a chart's choices (``key``: the selects' values),
    the rows it draws (its summary, data table and CSV) and its file name."""

    key: tuple[str, ...]
    figure: go.Figure
    rows: pd.DataFrame
    filename: str


@dataclass
class Chart:
    """A chart on a page: a heading, how to read it, its choices and every figure."""

    heading: str
    about: str
    controls: list[Control]
    drawn: list[Drawn] = field(default_factory=list)


def _options(results: BundleResults, column: str) -> list[tuple[str, str]]:
    """A filter's options: every pupil, then each level the bundle holds."""
    return [("All", EVERYONE)] + [
        (option_label(column, v), str(v))
        for v in results.levels(column)
        if not (column == "gender" and v == "other")
    ]


def _value(results: BundleResults, column: str, text: str):
    """The level of ``column`` whose ``str`` is ``text``."""
    return next(v for v in results.levels(column) if str(v) == text)


def _every(controls: Sequence[Control]):
    """Every combination of the controls' values."""
    return itertools.product(*([v for _, v in c.options] for c in controls))


def share_charts(results: BundleResults, setup: explorer.Setup) -> list[Chart]:
    """A block explorer's chart: every topic the bundle holds, year 7 against year 9
    (the page's first comparison), for every combination of the filters."""
    topics = explorer.present_topics(results, setup)
    if not topics:
        return []
    compare = setup.compare
    filters = [c for c in FILTERS if c != compare and len(results.levels(c)) >= 2]
    controls = [
        Control("Question", [(t.label, str(i)) for i, t in enumerate(topics)]),
        *(Control(TITLES[c], _options(results, c)) for c in filters),
    ]
    chart = Chart(
        f"{setup.name.capitalize()}: {TITLES[compare].lower()}s compared",
        explorer.HOW_TO_READ,
        controls,
    )
    for key in _every(controls):
        topic = topics[int(key[0])]
        where = {c: _value(results, c, v) for c, v in zip(filters, key[1:]) if v != EVERYONE}
        kind = explorer.topic_kind(results, topic)
        rows = explorer.topic_rows(results, topic, kind, compare, where)
        chart.drawn.append(
            Drawn(
                key,
                explorer.topic_figure(rows, topic, kind, compare, where),
                rows,
                explorer.topic_filename(setup, topic, kind, compare, where),
            )
        )
    return [chart]


def _block_control(results: BundleResults, measure: str) -> Control:
    return Control("Block", gender_gaps.block_options(results, measure))


def _level_control(results: BundleResults, column: str) -> Control:
    return Control(
        TITLES[column], [(option_label(column, v), str(v)) for v in results.levels(column)]
    )


def _schools_control(n_common: int) -> Control:
    return Control("Schools", gender_gaps.schools_options(n_common))


def gap_charts(results: BundleResults) -> list[Chart]:
    """The gaps page's three charts (:mod:`dashboards.gender_gaps`)."""
    n_common = gender_gaps.common_schools(results)
    compare = Control("Compare", [(words[0], key) for key, words in gender_gaps.COMPARES.items()])
    blocks = _block_control(results, "gender_gap")
    wave, year = _level_control(results, "wave"), _level_control(results, "year_group")
    schools = _schools_control(n_common)
    panels = gender_gaps.PANELS
    charts = [Chart(*panels["gaps"], [compare, blocks, wave, year])]
    if len(results.levels("year_group")) >= 2:
        charts.append(Chart(*panels["years"], [compare, blocks, wave]))
    if len(results.levels("wave")) >= 2:
        charts.append(Chart(*panels["waves"], [compare, blocks, year, schools]))
    for chart in charts:
        columns = [c.label for c in chart.controls]
        for key in _every(chart.controls):
            choice = dict(zip(columns, key))
            c, block = choice["Compare"], choice["Block"]
            name = f"{c}_gaps_{block}"
            if "Schools" in choice:
                y, s = _value(results, "year_group", choice["Year group"]), choice["Schools"]
                drawn = gender_gaps.gap_change_waves_chart(results, c, block, y, s, n_common)
                name += f"_2008_to_2010_year{y}_{s}_schools"
            elif "Year group" in choice:
                w = _value(results, "wave", choice["Wave"])
                y = _value(results, "year_group", choice["Year group"])
                drawn = gender_gaps.gap_chart(results, c, block, w, y)
                name += f"_wave{w}_year{y}"
            else:
                w = _value(results, "wave", choice["Wave"])
                drawn = gender_gaps.gap_change_years_chart(results, c, block, w)
                name += f"_year7_to_9_wave{w}"
            chart.drawn.append(Drawn(key, *gender_gaps.finished(*drawn), name))
    return charts


def wave_charts(results: BundleResults) -> list[Chart]:
    """The waves page's two charts (:mod:`dashboards.waves`)."""
    if len(results.levels("wave")) < 2:
        return []
    n_common = gender_gaps.common_schools(results)
    blocks = _block_control(results, "change_waves")
    year, schools = _level_control(results, "year_group"), _schools_control(n_common)
    panels = waves_page.PANELS
    change = Chart(*panels["change"], [blocks, year, schools])
    for block, y, s in _every(change.controls):
        year_group = _value(results, "year_group", y)
        drawn = waves_page.change_chart(results, block, year_group, s, n_common)
        change.drawn.append(
            Drawn(
                (block, y, s),
                *gender_gaps.finished(*drawn),
                f"waves_{block}_{s}_schools_year{year_group}",
            )
        )
    cohort = Chart(*panels["cohort"], [blocks, schools])
    for block, s in _every(cohort.controls):
        drawn = waves_page.cohort_chart(results, block, s, n_common)
        cohort.drawn.append(
            Drawn((block, s), *gender_gaps.finished(*drawn), f"cohort_{block}_{s}_schools")
        )
    return [change, cohort]


def topic_charts(results: BundleResults, topic: Topic) -> list[Chart]:
    """The charts of one topic page, every figure built from ``results``."""
    if topic.setup is not None:
        return share_charts(results, topic.setup)
    return gap_charts(results) if topic.charts == "gaps" else wave_charts(results)


def _figure_json(chart: Chart) -> str:
    """The chart's figures, their keys and plotly configs as JSON safe inside
    ``<script>`` (``</`` escaped)."""
    figures = ",".join(pio.to_json(d.figure, validate=False, remove_uids=True) for d in chart.drawn)
    text = (
        f'{{"keys": {json.dumps(["|".join(d.key) for d in chart.drawn])}, '
        f'"configs": {json.dumps([downloads.image_config(d.filename) for d in chart.drawn])}, '
        f'"figures": [{figures}]}}'
    )
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _table_link(drawn: Drawn) -> str:
    name = html.escape(f"{drawn.filename}.csv")
    return (
        f'<p class="note"><a href="{TABLES}/{name}" download="{name}">Download table (CSV)</a></p>'
    )


def _chart_html(chart: Chart, cid: str) -> str:
    """A chart's section: heading, how to read it, its selects, the plot, and per
    figure its summary, data table, FDR sentence and table download (the script shows
    the chosen one's)."""
    selects = []
    for k, control in enumerate(chart.controls):
        sid = f"{cid}-choice-{k + 1}"
        opts = "".join(
            f'<option value="{html.escape(v)}">{html.escape(words)}</option>'
            for words, v in control.options
        )
        selects.append(
            f'<span><label for="{sid}">{html.escape(control.label)}:</label>'
            f'<select id="{sid}" data-control="{k}">{opts}</select></span>'
        )
    texts = []
    for j, drawn in enumerate(chart.drawn):
        fdr = ""
        if "fdr_family" in drawn.rows and len(drawn.rows):
            fdr = f'<p class="note">{gender_gaps.fdr_sentence(drawn.rows)}</p>'
        texts.append(
            f'<div class="chart-text"{" hidden" if j else ""}>'
            f"{chart_text.chart_text(drawn.rows, chart_text.figure_title(drawn.figure))}"
            f"{fdr}{_table_link(drawn)}</div>"
        )
    return (
        f'<section class="chart" id="{cid}"><h2>{html.escape(chart.heading)}</h2>'
        f'<p class="note">{chart.about}</p><div class="choices">{"".join(selects)}</div>'
        f'<div class="plot"></div>{"".join(texts)}'
        f'<script type="application/json" class="figures">{_figure_json(chart)}</script>'
        "</section>"
    )


def _page(title: str, body: str, results: BundleResults, here: str, *, charts: bool) -> str:
    nav = "".join(
        f'<a href="{t.name}.html"{" class=here" if t.name == here else ""}>'
        f"{html.escape(t.title)}</a>"
        for t in TOPICS
    )
    # the charts take their containers' width whenever it changes, and a new summary is
    # said in the live region, as on the server
    script = (
        f'<script src="{PLOTLY_JS}"></script>\n<script>{CHART_SIZING_JS}</script>\n'
        f"<script>{LIVE_REGION_JS}</script>\n<script>{_SCRIPT}</script>"
        if charts
        else ""
    )
    created = html.escape(str(results.manifest.get("created", ""))[:10])
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="{GENERATOR}">
<title>{html.escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<header><a href="index.html"{" class=here" if here == "index" else ""}>Home</a>{nav}</header>
<main>
<h1>{html.escape(title)}</h1>
{_source_note(results)}
{body}
<footer>
<p>{legend_note(results.rules)} Further figures are hidden so that no hidden number can
be worked out from the numbers shown. Percentages are of pupils who answered the question;
the base (n) is in each chart's legend or subtitle and in the hover text.</p>
<p>Made from the publication bundle of {created}: aggregated, disclosure-controlled tables
only; no pupil-level data.</p>
</footer>
</main>
{script}
</body>
</html>
"""


def _source_note(results: BundleResults) -> str:
    return (
        f'<p class="source"><b>{html.escape(results.title)}</b>. '
        f"{html.escape(str(results.manifest.get('source', '')))}</p>"
    )


def topic_page(results: BundleResults, topic: Topic, charts: Sequence[Chart] | None = None) -> str:
    """The HTML of one topic page (``charts``: :func:`topic_charts`, made here if not given)."""
    charts = topic_charts(results, topic) if charts is None else charts
    sections = [f"<p>{html.escape(topic.about)}</p>"]
    sections += [_chart_html(chart, f"chart-{i + 1}") for i, chart in enumerate(charts)]
    return _page(
        f"{topic.title}: {results.title}", "\n".join(sections), results, topic.name, charts=True
    )


def index_page(results: BundleResults) -> str:
    """The HTML of the home page: one link per topic."""
    items = "".join(
        f'<li><a href="{t.name}.html"><b>{html.escape(t.title)}</b></a><br>'
        f"{html.escape(t.about)}</li>"
        for t in TOPICS
    )
    body = (
        f"<p>Charts of the survey's published figures; hover over a point for its "
        f"numbers, drag to zoom, double-click to zoom out.</p><ul>{items}</ul>"
    )
    return _page(results.title, body, results, "index", charts=False)


# ---------------------------------------------------------------- writing


def _is_site(folder: Path) -> bool:
    index = folder / "index.html"
    try:
        return f'content="{GENERATOR}"' in index.read_text(encoding="utf-8")[:2000]
    except OSError:
        return False


def build_site(
    bundle: str | Path, out_dir: str | Path, progress: Callable[[str], None] | None = None
) -> Path:
    """Write the static site of ``bundle`` into ``out_dir``; returns ``out_dir``.

    ``out_dir`` must be new, empty or a site this function wrote (it is then
    replaced whole). The pages are written into a temporary folder next to it
    and renamed at the end, so a failed run leaves nothing half-written.

    Raises
    ------
    analysis.errors.SurveyDataError
        The bundle cannot be used (:class:`BundleResults` says why), or
        ``out_dir`` holds something else.
    """
    from plotly.offline import get_plotlyjs

    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not _is_site(out))):
        raise SurveyDataError(
            Problem(
                file=str(out),
                what="is not empty and is not a site made from a bundle; nothing "
                "was written, to keep what is in it.",
                todo="Choose an empty or new folder for --out (a site made before is replaced).",
            )
        )
    results = BundleResults(bundle)
    pages = {"index.html": index_page(results)}
    tables: dict[str, bytes] = {}
    for topic in TOPICS:
        charts = topic_charts(results, topic)
        pages[f"{topic.name}.html"] = topic_page(results, topic, charts)
        tables.update(
            {
                f"{d.filename}.csv": downloads.csv_bytes(d.rows)
                for chart in charts
                for d in chart.drawn
            }
        )
        if progress:
            progress(topic.name)
    with export.whole_folder(out) as work:
        (work / PLOTLY_JS).write_text(get_plotlyjs(), encoding="utf-8")
        for name, text in pages.items():
            (work / name).write_text(text, encoding="utf-8")
        (work / TABLES).mkdir()
        for name, content in tables.items():
            (work / TABLES / name).write_bytes(content)
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m dashboards.static_site BUNDLE --out DIR``."""
    parser = argparse.ArgumentParser(
        prog="python -m dashboards.static_site",
        description="Write a static site (HTML and client-side plotly) from a publication bundle.",
    )
    parser.add_argument("bundle", help="the bundle's folder (python -m analysis publish)")
    parser.add_argument(
        "--out",
        required=True,
        help="the site's folder (new, empty, or a site made before, replaced)",
    )
    args = parser.parse_args(argv)
    try:
        out = build_site(
            args.bundle, args.out, progress=lambda name: print(f"  {name}.html", file=sys.stderr)
        )
    except SurveyDataError as err:
        print(f"Nothing was written:\n{err}", file=sys.stderr)
        return 1
    print(
        f"wrote the static site to {out} (open {out / 'index.html'}; plotly.js is served "
        "from the site itself)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
