"""What every dashboard page shares: a loading indicator, plain-words messages
in place of tracebacks, and a line saying which data are showing.

A page calls :func:`show` with a function that builds its widget; :func:`show`
puts a loading indicator on the page first, then replaces it with the widget,
or with a message if the data cannot be loaded. Voilà never shows a traceback:
an unexpected error is written to the server's log (the kernel's own stderr)
and the page says what to do.
"""

from __future__ import annotations

import html
import os
import sys
import traceback
from collections.abc import Callable

import ipywidgets as widgets
from IPython.display import display

from analysis import disclosure, settings
from analysis.errors import SurveyDataError
from analysis.settings import SURVEY_CODEBOOK as CODEBOOK_VARIABLE
from analysis.settings import SURVEY_FILES as FILES_VARIABLE
from analysis.settings import DataSource, data_source

from . import chart_text

#: Names a publication bundle (:mod:`analysis.settings`).
BUNDLE_VARIABLE = settings.BUNDLE

#: A visible focus indicator on every control (WCAG 2.2, 2.4.7 and 2.4.11): a 3 px
#: near-black outline (19:1 on white) with a white ring between it and the control, so it
#: shows on dark buttons too; ``!important`` over ipywidgets' faint 1 px focus border,
#: and ``:root …`` over its ``outline: none !important`` on text fields. A date field
#: (DatePicker) is outlined on ``:focus-within``: on its calendar button, the last of
#: its Tab stops, Chromium's focus is inside the field, which then matches neither
#: ``:focus`` nor ``:focus-visible``.
#: ``.ks3-label-hidden``: a control's own ``<label>`` kept for screen readers, not drawn
#: (for a control whose name is already the heading above it).
#: The chart menu's camera (:data:`dashboards.downloads.CHART_CONFIG`; plotly shows the
#: menu on hover and while it has the focus) is drawn in a dark grey, 7:1 on white
#: (WCAG 1.4.11), not plotly's 30 % grey, near-black under the pointer.
FOCUS_CSS = """
:focus-visible, .jupyter-widgets :focus-visible, .jupyter-widgets:focus-visible,
:root .jupyter-widgets :is(input, textarea, select, button):focus-visible,
:root .jupyter-widgets input[type="date"]:focus-within {
  outline: 3px solid #0b0c0c !important; outline-offset: 2px !important;
  box-shadow: 0 0 0 2px #ffffff !important; }
.js-plotly-plot .plotly .modebar-btn path { fill: #505a5f !important; }
.js-plotly-plot .plotly .modebar-btn:is(:hover, :focus-visible) path {
  fill: #0b0c0c !important; }
.ks3-label-hidden > .widget-label { position: absolute !important; width: 1px !important;
  height: 1px !important; overflow: hidden !important; clip: rect(0 0 0 0) !important;
  white-space: nowrap !important; margin: 0 !important; padding: 0 !important; }
"""

#: Styles for the page's own HTML (Voilà's lab template supplies the rest).
CSS = """
<style>
.ks3-page { font-family: var(--jp-content-font-family, Helvetica, Arial, sans-serif);
            font-size: var(--jp-content-font-size1, 14px); line-height: 1.5;
            color: #222; max-width: 1100px; }
.ks3-page h1 { font-size: 1.7em; margin: 0.2em 0 0.3em 0; font-weight: 600; }
.ks3-page a { color: #0072B2; }
.ks3-source { background: #f4f7fa; border-left: 4px solid #0072B2; padding: 0.5em 0.9em;
              margin: 0.4em 0 0.8em 0; font-size: 0.95em; }
.ks3-source.sample { border-left-color: #E69F00; background: #fdf6e9; }
.ks3-problem { background: #fdf0ea; border-left: 5px solid #D55E00; padding: 0.8em 1.1em;
               margin: 1em 0; font-size: 1em; max-width: 900px; }
.ks3-problem h2 { font-size: 1.25em; margin: 0 0 0.4em 0; color: #8a3600; }
.ks3-problem li { margin: 0.25em 0; }
.ks3-problem code { background: #fff; padding: 0 0.25em; }
.ks3-wrap { flex-flow: row wrap; gap: 0.8em; }
.ks3-loading { display: flex; align-items: center; gap: 0.7em; padding: 1.5em 0;
               font-size: 1.1em; color: #444; }
.ks3-spinner { width: 1.2em; height: 1.2em; border: 3px solid #cfd8e3;
               border-top-color: #0072B2; border-radius: 50%;
               animation: ks3-spin 0.9s linear infinite; }
@keyframes ks3-spin { to { transform: rotate(360deg); } }
.ks3-note { color: #555; font-size: 0.9em; margin-top: 0.4em; }
.ks3-labelled > .widget-label { text-align: left; }
FOCUS_AND_LABELS
TABLE_CSS
</style>
""".replace("FOCUS_AND_LABELS", FOCUS_CSS).replace("TABLE_CSS", chart_text.CSS)


def html_widget(body: str, css_class: str = "") -> widgets.HTML:
    """An HTML widget carrying the page's styles, its content wrapped in ``ks3-page``."""
    return widgets.HTML(f'{CSS}<div class="ks3-page {css_class}">{body}</div>')


def loading(what: str = "Loading the survey data…") -> widgets.HTML:
    """A spinner and a sentence, shown while the data load."""
    return html_widget(
        f'<div class="ks3-loading"><div class="ks3-spinner"></div>{html.escape(what)}</div>'
    )


def source_note(
    survey, source: DataSource | None = None, *, uploaded: bool = False
) -> widgets.HTML:
    """One line saying which data the page shows: the synthetic sample, or the user's files.

    ``uploaded``: the survey came from files the visitor uploaded
    (:mod:`dashboards.upload`), kept for their visit (:mod:`dashboards.visit`), not
    from the files the server was started with. The loader's notes
    (``survey.notes``: columns left out, question blocks absent, and what a
    codebook's codes did to answers, such as a scale's middle answer left out, with
    how many) are listed too: they change what the page can show.
    """
    source = data_source() if source is None else source
    table = survey.table
    counts = ", ".join(
        f"wave {int(w)}: {len(part):,} pupils in {part['school_id'].nunique()} schools"
        for w, part in table.groupby("wave", observed=True)
    )
    if uploaded:
        names = ", ".join(html.escape(str(f)) for f in survey.files)
        text = (
            f"<b>Showing your data</b>: {names}, which you uploaded in this visit. Every "
            "research page you open in this browser shows them until you close them "
            "(\u201cClose these files\u201d, at the foot of the page) or upload others. "
        )
        css = "ks3-source"
    elif source.is_sample:
        text = (
            "<b>Showing the synthetic sample</b>, made up to reproduce the published "
            "figures; it describes no real pupil. To show your own survey files, upload "
            "them at the foot of the page, or start the dashboards with them "
            f"(<code>scripts/start FILE…</code>, or set <code>{FILES_VARIABLE}</code>). "
        )
        css = "ks3-source sample"
    else:
        names = ", ".join(html.escape(str(f)) for f in survey.files)
        text = f"<b>Showing your data</b>: {names}. "
        css = "ks3-source"
    # the server's own files have their notes on the home page; an upload has no other place
    notes = getattr(survey, "notes", ()) if uploaded else ()
    notes = tuple(dict.fromkeys((*getattr(survey, "code_notes", ()), *notes)))
    coded = "".join(f"<br>{html.escape(str(n))}" for n in notes)
    rules = disclosure.regime_sentence(disclosure.INTERNAL_USE)
    return html_widget(
        f'<div class="{css}">{text}({html.escape(counts)}){coded}'
        f'<br><span class="ks3-note">{html.escape(rules)}</span></div>'
    )


def problem_list(error: SurveyDataError) -> str:
    """The loader's problems as an HTML list, every one escaped."""
    items = "".join(f"<li>{html.escape(str(p))}</li>" for p in error.problems)
    return f"<ul>{items}</ul>"


def bundle_problem_message(error: BaseException, bundle: str) -> widgets.HTML:
    """Said when the publication bundle named by ``KS3_BUNDLE`` cannot be read.

    The page may be public: the bundle's folder is named by its last part
    only, never by its path on the server.
    """
    name = os.path.basename(os.path.normpath(bundle)) or bundle

    def tidy(text: str) -> str:
        return html.escape(text.replace(str(bundle).rstrip(os.sep), name))

    if isinstance(error, SurveyDataError):
        what = "<ul>" + "".join(f"<li>{tidy(str(p))}</li>" for p in error.problems) + "</ul>"
    elif isinstance(error, OSError):
        file = os.path.basename(str(getattr(error, "filename", "") or "")) or name
        what = f"<ul><li>{tidy(file)}: {tidy(error.strerror or str(error))}.</li></ul>"
    else:
        what = (
            "<p>Something unexpected went wrong while reading the published figures; the "
            "details are in the log of the dashboard server.</p>"
        )
    fix = (
        f"This server shows the publication bundle {tidy(name)} (named by "
        f"<code>{BUNDLE_VARIABLE}</code>). Make the bundle again with "
        "<code>python -m analysis publish</code>, then restart the server with "
        "<code>python -m dashboards.server --publish BUNDLE</code>. If you are reading "
        "these dashboards, please try again later."
    )
    return html_widget(
        f'<div class="ks3-problem"><h2>The published figures could not be '
        f"loaded</h2>{what}<p>{fix}</p></div>"
    )


def problem_message(error: BaseException, source: DataSource | None = None) -> widgets.HTML:
    """The loader's message in plain words, and how to fix it; never a traceback.

    With ``KS3_BUNDLE`` set the message is about the bundle
    (:func:`bundle_problem_message`), not survey files.
    """
    bundle = settings.bundle() or ""
    if bundle:
        return bundle_problem_message(error, bundle)
    source = data_source() if source is None else source
    if isinstance(error, SurveyDataError):
        what = problem_list(error)
    elif isinstance(error, OSError):
        name = getattr(error, "filename", None) or ""
        what = (
            f"<ul><li>{html.escape(str(name))}: {html.escape(error.strerror or str(error))}"
            f". Check the path and that the file can be read.</li></ul>"
        )
    else:
        what = (
            "<p>Something unexpected went wrong while reading the data; the details are "
            "in the log of the dashboard server.</p>"
        )
    files = ", ".join(html.escape(str(f)) for f in source.files)
    if source.is_sample:
        fix = (
            "The dashboards were reading the synthetic sample "
            f"({files}). Regenerate it with <code>python -m analysis make-sample "
            "--out data/sample</code>, then reload this page."
        )
    else:
        fix = (
            f"The dashboards were reading {files}"
            + (f" with the codebook {html.escape(str(source.codebook))}" if source.codebook else "")
            + f" (set by <code>{FILES_VARIABLE}</code>"
            + (f" and <code>{CODEBOOK_VARIABLE}</code>" if source.codebook else "")
            + "). Correct the file as described above, or check it first with "
            "<code>python -m analysis check FILE…</code>; then restart the dashboards. "
            f"To see the synthetic sample instead, unset <code>{FILES_VARIABLE}</code>."
        )
    return html_widget(
        f'<div class="ks3-problem"><h2>The survey data could not be loaded</h2>'
        f"{what}<p>{fix}</p></div>"
    )


def unexpected_message() -> widgets.HTML:
    """Said when building a page fails for a reason that is not the data's."""
    return html_widget(
        '<div class="ks3-problem"><h2>This dashboard could not be drawn</h2>'
        "<p>Something unexpected went wrong; the details are in the log of the dashboard "
        "server. Reload the page; if it happens again, report it with that log.</p></div>"
    )


def redraw_problem() -> str:
    """HTML said in place of a chart's redraw that failed: the chart shown before
    stays, and the details go to the server's log (never to the page)."""
    return html_widget(
        '<div class="ks3-problem">This chart could not be redrawn; the chart below is '
        "the one shown before. The details are in the log of the dashboard server."
        "</div>"
    ).value


#: An empty plotly figure the page displays first, so the browser evaluates
#: plotly.js (the ``jupyterlab-plotly`` renderer, ~1 s of main-thread work on a
#: 2-core machine) while it connects to the kernel and fetches the widgets,
#: instead of after them: the renderer evaluates plotly.js only when it draws
#: its first figure, and a page's widgets (an Output holding its chart) are
#: attached to the page only once every one of them is drawn. ``meta`` names it
#: for :data:`PLOTLY_WARMUP_JS`.
PLOTLY_WARMUP = {
    "data": [],
    "layout": {
        "height": 1,
        "width": 1,
        "meta": "ks3-warmup",
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
    },
    "config": {"staticPlot": True, "displayModeBar": False},
}
#: Removes the warm-up figure from the page as soon as plotly has made it a plot
#: (a mutation observer runs before the next frame is drawn), so the page never
#: shows it and holds only the dashboard's own charts.
PLOTLY_WARMUP_JS = """<script>
(() => {
  const gone = () => document.querySelectorAll('.js-plotly-plot').forEach(p => {
    if (p.layout && p.layout.meta === 'ks3-warmup') {
      observer.disconnect();
      (p.closest('.jp-OutputArea-child') || p).remove();
    }
  });
  const observer = new MutationObserver(gone);
  observer.observe(document.body, {subtree: true, attributes: true, attributeFilter: ['class']});
  const script = document.currentScript;
  const own = script && script.closest('.jp-OutputArea-child');
  if (own) own.style.display = 'none';
})();
</script>"""


#: Makes every plotly chart of a page as wide as its container whenever the
#: container's width changes, not only when the window's does. A chart is
#: drawn at the width its container has at that moment; one drawn before its
#: container is on the page or displayed (a widget's Output is attached to the
#: page only once every widget is drawn, which on a busy machine can come after
#: plotly has drawn) got plotly's default 700 px and kept it. A
#: ``ResizeObserver`` watches every chart (a ``MutationObserver`` finds new
#: ones); when a chart's width is not its container's, it fires a window
#: ``resize``, to which every chart drawn with ``responsive: true`` (every
#: chart's config, :func:`dashboards.downloads.image_config`, and the static
#: site's) answers by taking its container's size (``Plotly.Plots.resize``). A
#: chart with a width of its own (``layout.width``) or not displayed is left
#: alone; each chart asks at most once per container width, so a chart plotly
#: cannot fit never loops. Used by every Voilà page (:func:`show`) and every
#: page of the static site (:mod:`dashboards.static_site`).
CHART_SIZING_JS = """
(() => {
  if (window.ks3ChartSizing) return;
  window.ks3ChartSizing = true;
  const asked = new WeakMap();
  const check = (plot) => {
    const full = plot._fullLayout;
    if (!full || (plot.layout && plot.layout.width)) return;
    const width = Math.round(parseFloat(getComputedStyle(plot).width));
    if (!(width > 0) || Math.abs(width - full.width) <= 1 || asked.get(plot) === width) return;
    asked.set(plot, width);
    window.dispatchEvent(new Event('resize'));
  };
  const sizes = new ResizeObserver(entries => entries.forEach(e => check(e.target)));
  const watch = () => document.querySelectorAll('.js-plotly-plot').forEach(plot => {
    if (plot.ks3Sized) return;
    plot.ks3Sized = true;
    sizes.observe(plot);
    if (plot.on) plot.on('plotly_afterplot', () => check(plot));
  });
  new MutationObserver(watch).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['class']});
  watch();
})();
"""


def chart_sizing() -> None:
    """Display :data:`CHART_SIZING_JS` (a script, outside any widget, so Voilà puts it
    in the page it sends)."""
    display({"text/html": f"<script>{CHART_SIZING_JS}</script>"}, raw=True)


#: The class of a summary sentence the page's live region says when it changes
#: (:data:`LIVE_REGION_JS`): every chart's (:func:`dashboards.chart_text.chart_text`) and
#: any page's own summary of what it shows (the Manager's).
SUMMARY_CLASS = chart_text.SUMMARY_CLASS

#: One live region per page (WCAG 4.1.3, status messages): a visually hidden
#: ``role="status"`` / ``aria-live="polite"`` element at the end of the page's main
#: landmark. When a chart's summary sentence (the element of class
#: :data:`dashboards.chart_text.SUMMARY_CLASS`, which every chart's summary and the
#: Manager's carry) changes in its place on the page, because a reader changed a
#: filter, the region says "Updated: " and the new summary, so a screen reader hears what
#: the chart now shows without leaving the control. A summary's place is its HTML widget
#: (Voilà) or its chart's section (static site); the summaries a page first shows are
#: not said (nothing changed), nor those not displayed (the static site's other
#: choices). Changes within 200 ms are said together (a choice that redraws several
#: charts). Used by every Voilà page (:func:`show`) and every page of the static site.
LIVE_REGION_JS = """
(() => {
  if (window.ks3LiveRegion) return;
  const region = document.createElement('div');
  window.ks3LiveRegion = region;
  region.className = 'ks3-live-region';
  region.setAttribute('role', 'status');
  region.setAttribute('aria-live', 'polite');
  region.setAttribute('aria-atomic', 'true');
  region.style.cssText = 'position:absolute;width:1px;height:1px;margin:-1px;padding:0;'
    + 'border:0;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap';
  (document.getElementById('rendered_cells') || document.querySelector('main')
    || document.body).appendChild(region);
  const said = new WeakMap();
  let timer = null;
  const scan = () => {
    timer = null;
    const changed = [];
    document.querySelectorAll('.SUMMARY_CLASS').forEach(summary => {
      if (!summary.getClientRects().length) return;
      const place = summary.closest('.widget-html, section') || summary.parentElement;
      const text = summary.textContent.trim();
      if (said.has(place) && said.get(place) !== text) changed.push(text);
      said.set(place, text);
    });
    if (changed.length) region.textContent = 'Updated: ' + changed.join(' ');
  };
  new MutationObserver(() => { if (!timer) timer = setTimeout(scan, 200); }).observe(
    document.documentElement, {subtree: true, childList: true, characterData: true,
                               attributes: true, attributeFilter: ['hidden']});
  scan();
  const script = document.currentScript;
  const own = script && script.closest('.jp-OutputArea-child');
  if (own) own.style.display = 'none';
})();
""".replace("SUMMARY_CLASS", SUMMARY_CLASS)


def live_region() -> None:
    """Display :data:`LIVE_REGION_JS` (outside any widget, like :func:`chart_sizing`)."""
    display({"text/html": f"<script>{LIVE_REGION_JS}</script>"}, raw=True)


#: Makes Voilà's page one ``main`` landmark (``#rendered_cells`` holds every cell), so
#: all of a page's content is in a landmark (WCAG 1.3.1; axe-core's "region"), on the
#: research and the published server alike. Its own output is hidden.
LANDMARKS_JS = """<script>
(() => {
  const cells = document.getElementById('rendered_cells');
  if (cells && !cells.getAttribute('role')) cells.setAttribute('role', 'main');
  const script = document.currentScript;
  const own = script && script.closest('.jp-OutputArea-child');
  if (own) own.style.display = 'none';
})();
</script>"""


def row(children) -> widgets.HBox:
    """Controls side by side, wrapping onto the next line on a narrow screen, a little
    apart (CSS ``gap``: ipywidgets' ``Layout`` has none for a row)."""
    box = widgets.HBox(list(children), layout=widgets.Layout(flex_flow="row wrap"))
    box.add_class("ks3-wrap")
    return box


def named(
    control: widgets.Widget, name: str, *, shown: bool = True, width: str = "initial"
) -> widgets.Widget:
    """Give ``control`` its accessible name: its own ``<label>`` (the widget's
    ``description``), ``width`` wide, left-aligned; ``shown=False`` keeps the label for
    screen readers only (for a control named by the heading just above it). Returns
    ``control``. Never name a control with a separate ``Label`` widget: a screen reader
    does not tie it to the control."""
    control.description = name
    control.style.description_width = width
    control.add_class("ks3-labelled")
    if not shown:
        control.add_class("ks3-label-hidden")
    return control


def described(rows, figure) -> str:
    """HTML of the summary and data table of the chart ``figure`` drawn from ``rows``
    (:func:`dashboards.chart_text.chart_text`, captioned by the figure's title), for the
    HTML widget under the chart."""
    return html_widget(chart_text.chart_text(rows, chart_text.figure_title(figure))).value


def plotly_warmup() -> None:
    """Display :data:`PLOTLY_WARMUP` and the script that removes it (see there).

    Outside any widget, so Voilà puts it in the page it sends, drawn before the
    kernel's widgets arrive."""
    display({"text/html": PLOTLY_WARMUP_JS}, raw=True)
    display({"application/vnd.plotly.v1+json": PLOTLY_WARMUP, "text/plain": ""}, raw=True)


def show(
    build: Callable[[], widgets.Widget],
    what: str = "Loading the survey data…",
    *,
    warm_plotly: bool = False,
) -> widgets.Box:
    """Display a loading indicator, then the widget ``build()`` returns, or a message.

    Every page first gets :func:`chart_sizing`, so its charts take their
    containers' width whenever the containers get it, and its :func:`live_region`,
    which says a chart's new summary when a reader's choice changes it.

    ``warm_plotly``: first display :func:`plotly_warmup`, for a page whose
    charts are plotly figures in Outputs (not for a page without a chart, nor
    for one whose chart is a FigureWidget, which brings its own plotly.js).

    ``build`` loads what it needs (through :func:`dashboards.data.survey`) and
    returns the page's widget. A :class:`~analysis.errors.SurveyDataError` or an
    unreadable file becomes :func:`problem_message`; anything else is logged to
    the server and becomes :func:`unexpected_message`.
    """
    chart_sizing()
    display({"text/html": LANDMARKS_JS}, raw=True)
    live_region()
    if warm_plotly:
        plotly_warmup()
    box = widgets.VBox([loading(what)])
    display(box)
    try:
        box.children = [build()]
    except (SurveyDataError, OSError) as error:
        box.children = [problem_message(error)]
    except Exception:  # noqa: BLE001 - a viewer must never see a traceback
        traceback.print_exc(file=sys.__stderr__)
        box.children = [unexpected_message()]
    return box
