"""A static site from a publication bundle: HTML pages with client-side plotly charts.

``python -m dashboards.static_site BUNDLE --out DIR`` writes a folder any web
host (or a reader's own disk, over ``file://``) can serve: no server, no
kernel, nothing to attack but files.

* ``index.html``: what the figures are, and a link to each topic page;
* one page per public dashboard topic (:data:`TOPICS`: subjects, careers,
  enrichment, gaps, waves and cohort), each with plotly charts a reader can
  hover over and zoom. A chart with a filter has a ``<select>``: every choice
  is a figure rendered beforehand from the bundle's tables (embedded as JSON
  in the page), and a few lines of inline JavaScript draw the one chosen;
* ``plotly.min.js``, written once from the installed plotly package
  (:func:`plotly.offline.get_plotlyjs`): the pages load nothing from another
  host (no CDN, no MathJax, no web fonts), so no reader's address leaks and
  the site works offline.

Every figure is built only from :class:`dashboards.bundle.BundleResults`
(the bundle's disclosure-controlled tables): a hidden figure is drawn as an
empty bar marked ``c`` or ``u``, every chart states its base (pupils
answering, per bar in the hover and as a range in the subtitle) and its
title says what is shown; each page ends with the disclosure rules.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from analysis import export, figures, schema
from analysis.errors import Problem, SurveyDataError

from . import chart_text, downloads, page
from .bundle import BundleResults
from .page import CHART_SIZING_JS
from .results import legend_note

#: Written into every page's head, so a folder can be recognised as a site to replace.
GENERATOR = "ks3-stem-static-site"
PLOTLY_JS = "plotly.min.js"
YEAR_COLOURS = figures.YEAR_GROUP_COLOURS
CELL_COLOURS = [figures.OKABE_ITO[k] for k in ("orange", "sky_blue", "vermillion", "blue")]
#: The pupils a share chart can show, in the order its ``<select>`` offers them.
FILTERS: tuple[tuple[str, dict], ...] = (
    ("all pupils", {}),
    *((f"{label}", {"wave": w}) for w, label in schema.groups()["wave"].values.items()),
    *((label, {"gender": g}) for g, label in schema.groups()["gender"].values.items()
      if g != "other"),
    *((label, {"ethnicity": e}) for e, label in schema.groups()["ethnicity"].values.items()),
)


@dataclass(frozen=True)
class Topic:
    """One page: its file, title, introduction and which charts it draws."""

    name: str
    title: str
    about: str
    blocks: tuple[str, ...] = ()
    comparisons: tuple[str, ...] = ()


TOPICS: tuple[Topic, ...] = (
    Topic("subjects", "Subjects",
          "Favourite subjects, and how many pupils enjoy each subject, find it easy and think "
          "it important for their future: year 7 against year 9.",
          blocks=("favourite", "enjoy", "easy", "important")),
    Topic("careers", "Careers",
          "Where pupils would look for careers information, the qualifications they know of, "
          "the STEM careers they would consider and the kinds of work they like.",
          blocks=("source", "aware", "consider", "want_info", "career")),
    Topic("enrichment", "Enrichment",
          "STEM clubs, trips and visitors that pupils remember: year 7 against year 9.",
          blocks=("club", "trip", "visitor")),
    Topic("gaps", "Gender and ethnicity gaps",
          "Each item's gap between boys and girls, and between pupils of other ethnic groups "
          "and white British pupils, in percentage points with its 95% interval.",
          comparisons=("gender_gap", "ethnicity_gap")),
    Topic("waves", "Waves and cohort",
          "What changed between 2008 and 2010 in each year group, and the 2008 year 7 "
          "cohort seen again in year 9 in 2010.",
          comparisons=("change_waves", "cohort")),
)

_COMPARISON_TITLES = {
    "gender_gap": ("Gender gap", "boys minus girls, percentage points"),
    "ethnicity_gap": ("Ethnicity gap",
                      "pupils of other ethnic groups minus white British pupils, percentage "
                      "points"),
    "change_waves": ("Change from 2008 to 2010", "wave 2 minus wave 1, percentage points"),
    "cohort": ("The 2008 year 7 cohort in year 9",
               "year 9 in 2010 minus year 7 in 2008, percentage points"),
}

_CSS = """
body { font-family: Helvetica, Arial, sans-serif; color: #222; margin: 0; line-height: 1.5; }
header { background: #0072B2; color: white; padding: 0.6em 1.2em; }
header a { color: white; margin-right: 1.1em; text-decoration: none; }
header a.here { font-weight: bold; text-decoration: underline; }
main { max-width: 1100px; margin: 0 auto; padding: 0.5em 1.2em 2em 1.2em; }
h1 { font-size: 1.7em; margin: 0.5em 0 0.2em 0; }
h2 { font-size: 1.25em; margin: 1.4em 0 0.3em 0; }
.source { background: #f4f7fa; border-left: 4px solid #0072B2; padding: 0.5em 0.9em; }
.chart { border-top: 1px solid #ddd; margin-top: 1em; }
.chart label { font-size: 0.95em; }
.chart select { font-size: 1em; margin-left: 0.4em; }
.plot { width: 100%; min-height: 420px; }
footer, .note { color: #555; font-size: 0.9em; }
footer { border-top: 1px solid #ddd; margin-top: 2em; padding-top: 0.6em; }
""" + page.FOCUS_CSS + chart_text.CSS

#: The client side: draw the chosen figure of every chart, again when the choice changes
#: (``responsive``, and :data:`dashboards.page.CHART_SIZING_JS`: each chart takes its
#: container's width whenever the container gets it).
_SCRIPT = """
document.querySelectorAll(".chart").forEach(function (chart) {
  var plot = chart.querySelector(".plot");
  var figures = JSON.parse(chart.querySelector("script.figures").textContent);
  var choice = chart.querySelector("select");
  var texts = chart.querySelectorAll(".chart-text");
  function draw() {
    var i = choice ? Number(choice.value) : 0, f = figures[i];
    Plotly.react(plot, f.data, f.layout, Object.assign({responsive: true}, CONFIG));
    texts.forEach(function (t, j) { t.hidden = j !== i; });
  }
  if (choice) { choice.addEventListener("change", draw); }
  draw();
});
"""


# ---------------------------------------------------------------- figures


def _where_words(where: Mapping[str, object]) -> str:
    for label, w in FILTERS:
        if dict(w) == dict(where):
            return label
    return "selected pupils"


def _base_range(n: pd.Series) -> str:
    n = n.dropna()
    n = n[n > 0]
    if not len(n):
        return "not shown"
    lo, hi = int(round(n.min())), int(round(n.max()))
    return f"{hi:,} pupils" if lo == hi else f"{lo:,}–{hi:,} pupils"


def _empty_layout(fig: go.Figure, title: str, subtitle: str, n_items: int, x_title: str,
                  per_item: int = 46) -> None:
    fig.update_layout(
        template=go.layout.Template(),
        title=dict(text=title, subtitle_text=subtitle, x=0.01, xanchor="left", y=0.98,
                   yanchor="top", font_size=18),
        font=dict(family=figures.FONT, color=figures.TEXT_COLOUR, size=13),
        barmode="group", scattermode="group", bargap=0.25,
        height=max(400, 190 + n_items * per_item),
        margin=dict(l=230, r=40, t=128, b=60),
        legend=dict(orientation="h", x=0, xanchor="left", y=1.01, yanchor="bottom"),
        plot_bgcolor="white", paper_bgcolor="white",
        hoverlabel=dict(bgcolor="white"),
    )
    fig.update_xaxes(title_text=x_title, gridcolor="#e5e5e5", zerolinecolor="#888")
    fig.update_yaxes(autorange="reversed", ticks="", showgrid=False)


def _add_marks(fig: go.Figure, bar: go.Bar, labels: list[str], marks: list[str],
               group: str) -> None:
    """Write ``c`` / ``u`` at zero where ``bar`` has a hidden value, in the bar's own slot.

    A text trace in the bar's ``offsetgroup`` (the layout's ``scattermode`` is
    ``"group"``), so each mark sits where its bar would be; its hover says why
    the figure is hidden.
    """
    hidden = [i for i, m in enumerate(marks) if m]
    if not hidden:
        return
    fig.add_trace(go.Scatter(
        x=[0] * len(hidden), y=[labels[i] for i in hidden], mode="text",
        text=[marks[i] for i in hidden], textposition="middle right",
        textfont=dict(color="#555", size=13), offsetgroup=bar.offsetgroup, orientation="h",
        legendgroup=bar.legendgroup, showlegend=False, hoverinfo="text",
        hovertext=[f"{labels[i]}, {group}: " + (
            "hidden to protect confidentiality (c)" if marks[i] == "c"
            else "not shown, the base is too small for a reliable figure (u)") for i in hidden],
        meta={"marks": group}))


def _all_hidden_note(fig: go.Figure) -> None:
    fig.add_annotation(text="Every figure of this chart is hidden: some groups are too small "
                            "to publish it safely.", showarrow=False, xref="paper",
                       yref="paper", x=0.5, y=-0.08, yanchor="top", font=dict(color="#8a3600"))


def share_figure(table: pd.DataFrame, block: str, who: str) -> go.Figure:
    """Share of ``who`` ticking / agreeing with each item of ``block``, year 7 and year 9.

    ``table`` is :meth:`Results.view` by year group for those pupils. A
    hidden share is an empty bar marked ``c`` or ``u``; the hover gives the
    share, its count and base, or why it is hidden.
    """
    b = schema.block(block)
    rows = table[table["measure"] == "share"]
    items = [c for c in b.columns if c in set(rows["item"])]
    labels = [schema.item(c).label for c in items]
    fig = go.Figure()
    years = schema.groups()["year_group"].values
    for year, year_label in years.items():
        part = rows[rows["year_group"].astype(object) == year].set_index("item").reindex(items)
        if part["label"].isna().all():
            continue
        share = part["share"].astype(float)
        marks = part["suppressed"].astype(object).fillna("").astype(str).tolist()
        n = part["n"].astype(float)
        bar = go.Bar(
            x=[None if np.isnan(v) else float(v) for v in share], y=labels, orientation="h",
            name=f"{year_label} (base {_base_range(n)})", offsetgroup=str(year),
            legendgroup=str(year),
            marker_color=YEAR_COLOURS.get(year, figures.OKABE_ITO["bluish_green"]),
            text=[f"{v:.0%}" if not np.isnan(v) else m for v, m in zip(share, marks)],
            textposition="outside", cliponaxis=False,
            customdata=[[None if np.isnan(a) else float(a), None if np.isnan(c) else float(c),
                         m or "shown"] for a, c, m in zip(n, part["count"].astype(float), marks)],
            hovertemplate=("<b>%{y}</b><br>" + html.escape(year_label) +
                           ": %{x:.1%} of %{customdata[0]:,.0f} pupils (%{customdata[1]:,.0f})"
                           "<extra></extra>"),
            meta={"year_group": int(year), "block": block})
        fig.add_trace(bar)
        _add_marks(fig, bar, labels, marks, str(year_label))
    what = "ticking" if b.scale == "binary" else "agreeing (agree or strongly agree)"
    _empty_layout(fig, f"{b.label}: {who}, year 7 and year 9",
                  f"Share {what}, {who}; base: pupils who answered", len(items),
                  "Share of pupils")
    fig.update_xaxes(tickformat=".0%", rangemode="tozero")
    if rows["share"].isna().all():
        fig.update_xaxes(range=[0, 1])
        _all_hidden_note(fig)
    return fig


def comparison_figure(table: pd.DataFrame, measure: str, block: str,
                      bases: pd.DataFrame) -> go.Figure:
    """A gap or change for each item of ``block``, percentage points with 95% intervals.

    One trace per group the comparison is broken down by (wave × year group
    for gaps, year group for the change between waves, schools for the
    cohort). A hidden estimate is marked ``c`` at zero. ``bases`` are the
    share rows the comparison is computed from (their ``n`` gives the base
    range in the subtitle).
    """
    b = schema.block(block)
    rows = table[table["block"] == block]
    items = [c for c in b.columns if c in set(rows["item"])]
    labels = [schema.item(c).label for c in items]
    title, unit = _COMPARISON_TITLES[measure]
    waves, years = schema.groups()["wave"].values, schema.groups()["year_group"].values
    if measure.endswith("_gap"):
        groups = [((w, y), f"{waves[w]}, {years[y]}", {"wave": w, "year_group": y})
                  for w in waves for y in years]
    elif measure == "change_waves":
        groups = [((y,), str(years[y]), {"year_group": y}) for y in years]
    else:
        groups = [(("all",), "all schools", {"schools": "all"}),
                  (("common",), "schools surveyed in both waves", {"schools": "common"})]
    fig = go.Figure()
    for i, (_, name, match) in enumerate(groups):
        part = rows
        for c, v in match.items():
            part = part[part[c].astype(object) == v]
        if not len(part):
            continue
        part = part.set_index("item").reindex(items)
        est = part["estimate_pp"].astype(float)
        lo, hi = part["ci_low_pp"].astype(float), part["ci_high_pp"].astype(float)
        marks = part["suppressed"].astype(object).fillna("").astype(str).tolist()
        sig = part["significant_fdr"].tolist()
        bar = go.Bar(
            x=[None if np.isnan(v) else round(float(v), 6) for v in est], y=labels,
            orientation="h", name=name, marker_color=CELL_COLOURS[i % len(CELL_COLOURS)],
            offsetgroup=str(i), legendgroup=str(i),
            error_x=dict(type="data", symmetric=False,
                         array=[None if np.isnan(v) else float(v) for v in hi - est],
                         arrayminus=[None if np.isnan(v) else float(v) for v in est - lo],
                         color="#444", thickness=1),
            # one decimal: a gap of -0.3 points must not read "-0"
            text=[f"{v:+.1f}" if not np.isnan(v) else (m or "") for v, m in zip(est, marks)],
            textposition="outside", cliponaxis=False,
            customdata=[[None if np.isnan(a) else float(a), None if np.isnan(z) else float(z),
                         "yes" if s is True else "no"] for a, z, s in zip(lo, hi, sig)],
            hovertemplate=("<b>%{y}</b><br>" + html.escape(name) +
                           ": %{x:+.1f} points (95% interval %{customdata[0]:+.1f} to "
                           "%{customdata[1]:+.1f}); significant after false discovery rate "
                           "control: %{customdata[2]}<extra></extra>"),
            meta={"measure": measure, "block": block})
        fig.add_trace(bar)
        _add_marks(fig, bar, labels, marks, name)
    _empty_layout(fig, f"{title}: {b.label}",
                  f"{unit[0].upper()}{unit[1:]}; "
                  + (f"base: {base} in each group compared" if (base := _base_range(bases["n"]))
                     != "not shown" else "bases hidden (c)"), len(items), "Percentage points",
                  per_item=24 + 14 * len(groups))
    fig.update_xaxes(zeroline=True, zerolinewidth=2)
    if rows["estimate_pp"].isna().all():
        fig.update_xaxes(range=[-20, 20])
        _all_hidden_note(fig)
    return fig


# ---------------------------------------------------------------- pages


@dataclass
class Chart:
    """A chart on a page: a heading, the figures its ``<select>`` offers."""

    heading: str
    choice: str  # the select's label ("Pupils", "Question block"); "" for no select
    options: list[tuple[str, go.Figure]]
    #: the rows each option's figure draws (its summary and data table)
    tables: list[pd.DataFrame]


def topic_charts(results: BundleResults, topic: Topic) -> list[Chart]:
    """The charts of one topic page, every figure built from ``results``."""
    present = [b.key for b in results.blocks()]
    charts = []
    for block in topic.blocks:
        if block not in present:
            continue
        options, tables = [], []
        for who, where in FILTERS:
            if any(v not in results.levels(c) for c, v in where.items()):
                continue
            view = results.view(["year_group"], where, [block])
            options.append((who[0].upper() + who[1:], share_figure(view, block, who)))
            tables.append(view[view["measure"] == "share"])
        charts.append(Chart(schema.block(block).label, "Pupils", options, tables))
    share_blocks = [b for b in present if schema.block(b).scale != "categorical"]
    for measure in topic.comparisons:
        options, tables = [], []
        for block in share_blocks:
            if measure == "cohort":
                table = pd.concat([results.comparisons(measure, [block], s)
                                   for s in ("all", "common")], ignore_index=True)
                bases = results.shares(["wave", "year_group"], [block])
            else:
                table = results.comparisons(measure, [block])
                compare = measure.split("_")[0]
                by = ["wave", "year_group", compare] if measure.endswith("_gap") \
                    else ["wave", "year_group"]
                bases = results.shares(by, [block])
            bases = bases[bases["measure"] == "share"]
            options.append((schema.block(block).label,
                            comparison_figure(table, measure, block, bases)))
            tables.append(table[table["block"] == block])
        charts.append(Chart(_COMPARISON_TITLES[measure][0], "Question block", options, tables))
    return charts


def _figure_json(figures_: Sequence[go.Figure]) -> str:
    """The figures as a JSON array safe inside ``<script>`` (``</`` escaped)."""
    text = "[" + ",".join(pio.to_json(f, validate=False, remove_uids=True)
                          for f in figures_) + "]"
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _page(title: str, body: str, results: BundleResults, here: str, *, charts: bool) -> str:
    nav = "".join(
        f'<a href="{t.name}.html"{" class=here" if t.name == here else ""}>'
        f"{html.escape(t.title)}</a>" for t in TOPICS)
    # the charts take their containers' width whenever it changes, as on the server
    config = json.dumps(downloads.CHART_CONFIG)
    script = (f'<script src="{PLOTLY_JS}"></script>\n<script>{CHART_SIZING_JS}</script>\n'
              f"<script>var CONFIG = {config};{_SCRIPT}</script>" if charts else "")
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
    return (f'<p class="source"><b>{html.escape(results.title)}</b>. '
            f'{html.escape(str(results.manifest.get("source", "")))}</p>')


def topic_page(results: BundleResults, topic: Topic) -> str:
    """The HTML of one topic page."""
    sections = [f"<p>{html.escape(topic.about)}</p>"]
    for i, chart in enumerate(topic_charts(results, topic)):
        cid = f"chart-{i + 1}"
        select = ""
        if len(chart.options) > 1:
            opts = "".join(f'<option value="{j}">{html.escape(label)}</option>'
                           for j, (label, _) in enumerate(chart.options))
            select = (f'<label for="{cid}-choice">{html.escape(chart.choice)}:</label>'
                      f'<select id="{cid}-choice">{opts}</select>')
        # each figure's summary and data table; the script shows the chosen one's
        texts = "".join(
            f'<div class="chart-text"{" hidden" if j else ""}>'
            f"{chart_text.chart_text(rows, chart_text.figure_title(figure))}</div>"
            for j, ((_, figure), rows) in enumerate(zip(chart.options, chart.tables)))
        sections.append(
            f'<section class="chart" id="{cid}"><h2>{html.escape(chart.heading)}</h2>{select}'
            f'<div class="plot"></div>{texts}'
            f'<script type="application/json" class="figures">'
            f"{_figure_json([f for _, f in chart.options])}</script></section>")
    return _page(f"{topic.title}: {results.title}", "\n".join(sections), results, topic.name,
                 charts=True)


def index_page(results: BundleResults) -> str:
    """The HTML of the home page: one link per topic."""
    items = "".join(f'<li><a href="{t.name}.html"><b>{html.escape(t.title)}</b></a><br>'
                    f"{html.escape(t.about)}</li>" for t in TOPICS)
    body = (f"<p>Charts of the survey's published figures; hover over a bar for its "
            f"numbers, drag to zoom, double-click to zoom out.</p><ul>{items}</ul>")
    return _page(results.title, body, results, "index", charts=False)


# ---------------------------------------------------------------- writing


def _is_site(folder: Path) -> bool:
    index = folder / "index.html"
    try:
        return f'content="{GENERATOR}"' in index.read_text(encoding="utf-8")[:2000]
    except OSError:
        return False


def build_site(bundle: str | Path, out_dir: str | Path,
               progress: Callable[[str], None] | None = None) -> Path:
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
        raise SurveyDataError(Problem(
            file=str(out), what="is not empty and is not a site made from a bundle; nothing "
                                "was written, to keep what is in it.",
            todo="Choose an empty or new folder for --out (a site made before is replaced)."))
    results = BundleResults(bundle)
    pages = {"index.html": index_page(results)}
    for topic in TOPICS:
        pages[f"{topic.name}.html"] = topic_page(results, topic)
        if progress:
            progress(topic.name)
    with export.whole_folder(out) as work:
        (work / PLOTLY_JS).write_text(get_plotlyjs(), encoding="utf-8")
        for name, text in pages.items():
            (work / name).write_text(text, encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m dashboards.static_site BUNDLE --out DIR``."""
    parser = argparse.ArgumentParser(
        prog="python -m dashboards.static_site",
        description="Write a static site (HTML and client-side plotly) from a publication "
                    "bundle.")
    parser.add_argument("bundle", help="the bundle's folder (python -m analysis publish)")
    parser.add_argument("--out", required=True, help="the site's folder (new, empty, or a "
                                                     "site made before, replaced)")
    args = parser.parse_args(argv)
    try:
        out = build_site(args.bundle, args.out,
                         progress=lambda name: print(f"  {name}.html", file=sys.stderr))
    except SurveyDataError as err:
        print(f"Nothing was written:\n{err}", file=sys.stderr)
        return 1
    print(f"wrote the static site to {out} (open {out / 'index.html'}; plotly.js is served "
          "from the site itself)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
