"""Where a dashboard's first chart time goes, in headless Chromium: an in-page timeline.

Usage::

    python bench/first_render.py [--preheat 1] [--repeats 2] [NOTEBOOK ...]

For the baseline (``baseline.ipynb``, a notebook of one ``go.Figure``, as in
``bench_dashboards.py``) and each notebook named (default: every dashboard),
on a Voilà server started as ``bench_dashboards.py`` does (one untimed load
first; with ``--preheat``, the pool kept for that notebook only), one line of
JSON per load, times in ms from the navigation's start (``performance.now()``):

``html_end``, ``dcl``, ``load``
    the page's HTML received, DOMContentLoaded, load;
``ws_create``, ``ws_open``
    the kernel websocket made and opened (a script wraps ``WebSocket``
    before the page's own scripts run, and decodes Jupyter's v1 binary
    frames);
``states_reply``, ``n_models``, ``states_kb``
    the widget manager's ``update_states`` reply: when, how many widget
    models, its size;
``first_widget``, ``first_control``
    the first ``.jupyter-widgets`` element, the first dropdown or toggle;
``plotly_global``, ``plot_div``, ``first_trace``
    ``window.Plotly`` defined (plotly.js evaluated), the first
    ``.js-plotly-plot``, the first one with a drawn trace (as
    ``bench_dashboards.py``'s first chart);
``msgs_before_trace``
    websocket messages in and out before the first trace;
``plot_json_kb``
    the size of each chart's ``{data, layout}`` in the page.

Timings depend on the machine and its load; compare lines of one run only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_dashboards as bd

INIT = r"""
(() => {
  const log = window.__ks3 = {ws: [], marks: {}};
  const mark = k => { if (!(k in log.marks)) log.marks[k] = performance.now(); };
  const dec = new TextDecoder();
  function parse(data) {  // a Jupyter message: JSON text, or the v1 binary frame
    try {
      if (typeof data === 'string') {
        const m = JSON.parse(data);
        return {type: m.msg_type || (m.header || {}).msg_type, content: m.content,
                size: data.length};
      }
      const buf = data instanceof ArrayBuffer ? data : data.buffer;
      const view = new DataView(buf);
      const n = Number(view.getBigUint64(0, true));
      const offsets = [];
      for (let i = 0; i < n; i++) offsets.push(Number(view.getBigUint64(8 * (i + 1), true)));
      offsets.push(buf.byteLength);
      const part = i => dec.decode(new Uint8Array(buf, offsets[i], offsets[i + 1] - offsets[i]));
      return {type: JSON.parse(part(1)).msg_type, content: JSON.parse(part(4)),
              size: buf.byteLength};
    } catch (e) { return {type: 'unparsed', size: (data.byteLength || data.length || 0)}; }
  }
  const method = m => (m.content && m.content.data && m.content.data.method)
                      || (m.content && m.content.execution_state) || '';
  const Original = window.WebSocket;
  window.WebSocket = function(url, protocols) {
    const ws = protocols ? new Original(url, protocols) : new Original(url);
    log.ws.push({t: performance.now(), dir: 'create'});
    ws.addEventListener('open', () => log.ws.push({t: performance.now(), dir: 'open'}));
    ws.addEventListener('message', e => {
      const m = parse(e.data);
      const states = m.content && m.content.data && m.content.data.states;
      log.ws.push({t: performance.now(), dir: 'in', type: m.type, extra: method(m),
                   size: m.size, nstates: states ? Object.keys(states).length : null});
    });
    const send = ws.send.bind(ws);
    ws.send = d => {
      const m = parse(d);
      log.ws.push({t: performance.now(), dir: 'out', type: m.type, extra: method(m),
                   size: m.size});
      return send(d);
    };
    return ws;
  };
  window.WebSocket.prototype = Original.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  new MutationObserver(() => {
    if (document.querySelector('.jupyter-widgets')) mark('first_widget');
    if (document.querySelector('.widget-dropdown, .widget-toggle-buttons')) mark('first_control');
    if (document.querySelector('.js-plotly-plot')) mark('plot_div');
    for (const p of document.querySelectorAll('.js-plotly-plot'))
      if (p.data && p.data.length && p._fullLayout && p.querySelector('.main-svg .trace'))
        mark('first_trace');
    if (window.Plotly) mark('plotly_global');
  }).observe(document, {subtree: true, childList: true});
})();
"""

COLLECT = r"""() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'))
    .map(p => JSON.stringify({data: p.data, layout: p.layout}).length);
  return {nav: {responseEnd: nav.responseEnd, dcl: nav.domContentLoadedEventEnd,
                load: nav.loadEventEnd, html_bytes: nav.decodedBodySize},
          marks: window.__ks3.marks, ws: window.__ks3.ws, plots};
}"""


def load(browser, server, notebook: str) -> dict:
    """One load in a fresh context: what :data:`INIT` recorded, 1.5 s after the first chart."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.add_init_script(INIT)
    page.set_default_timeout(bd.PAGE_TIMEOUT_S * 1000)
    try:
        page.goto(server.url + bd.HOME.replace("index.ipynb", notebook), wait_until="commit")
        page.wait_for_function(bd.FIRST_CHART_JS, polling="raf")
        page.wait_for_timeout(1500)
        return page.evaluate(COLLECT)
    finally:
        page.close(run_before_unload=True)
        context.close()


def summary(o: dict) -> dict:
    """The timeline of one load (see the module's docstring), in ms."""
    marks, nav, ws = o["marks"], o["nav"], o["ws"]

    def first(pred):
        return next((w["t"] for w in ws if pred(w)), None)

    def ms(x):
        return None if x is None else round(x)

    states = next((w for w in ws if w.get("nstates") is not None), {})
    trace = marks.get("first_trace") or float("inf")
    biggest = sorted((w for w in ws if w["dir"] == "in"), key=lambda w: -w.get("size", 0))[:2]
    return dict(
        html_end=ms(nav["responseEnd"]),
        html_kb=round(nav["html_bytes"] / 1024),
        dcl=ms(nav["dcl"]),
        load=ms(nav["load"]),
        ws_create=ms(first(lambda w: w["dir"] == "create")),
        ws_open=ms(first(lambda w: w["dir"] == "open")),
        states_reply=ms(states.get("t")),
        n_models=states.get("nstates"),
        states_kb=round(states.get("size", 0) / 1024),
        first_widget=ms(marks.get("first_widget")),
        first_control=ms(marks.get("first_control")),
        plotly_global=ms(marks.get("plotly_global")),
        plot_div=ms(marks.get("plot_div")),
        first_trace=ms(marks.get("first_trace")),
        msgs_before_trace=[
            sum(1 for w in ws if w["dir"] == d and w["t"] <= trace) for d in ("in", "out")
        ],
        plot_json_kb=[round(p / 1024) for p in o["plots"]],
        biggest_in=[(w["type"], w["extra"], round(w["size"] / 1024)) for w in biggest],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebook names (default: every dashboard)")
    parser.add_argument("--preheat", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    notebooks = [bd.BASELINE_NOTEBOOK] + [
        n if n.endswith(".ipynb") else f"{n}.ipynb"
        for n in (args.notebooks or [nb for nb, _, _ in bd.DASHBOARDS])
    ]
    env = {"KS3_SURVEY_FILES": "", "KS3_SURVEY_CODEBOOK": "", "KS3_BUNDLE": ""}
    print(f"machine: {bd.machine()}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=bd.CHROMIUM_ARGS,
            headless=True,
        )
        baseline = bd.baseline_folder()
        try:
            for nb in notebooks:
                root = baseline if nb == bd.BASELINE_NOTEBOOK else bd.DASHBOARDS_DIR
                with bd.Server(root, preheat=args.preheat, notebook=nb, env=env) as server:
                    load(browser, server, nb)  # untimed, as bench_dashboards' warm-up
                    for i in range(args.repeats):
                        if args.preheat:
                            server.wait_for_pool(i + 2)
                        else:
                            server.wait_quiet()
                        print(nb, json.dumps(summary(load(browser, server, nb))), flush=True)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
