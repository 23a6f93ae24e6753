"""Dashboard speed in headless Chromium: first chart, and a filter change.

Usage::

    python bench/bench_dashboards.py [--repeats 3] [--changes 10] [--preheat 1]
                                     [--no-large] [--large PATH] [--only NAME ...]

In one run, against real Voilà servers started with the project's flags
(:func:`dashboards.server.voila_command`):

* **baseline**: a bare Voilà page with one plotly chart (a notebook with one
  ``go.Figure`` cell, made in a temporary folder and served the same way);
* **first chart**: for every notebook of :data:`dashboards.home.DASHBOARDS`
  (a notebook whose module does not import yet is skipped, and said so), the
  time from the request (the navigation's start, ``performance.now()`` in the
  page) to the first ``.js-plotly-plot`` with data and a drawn trace; median
  of ``--repeats`` page loads, each in a fresh browser context, with and
  without preheated kernels (Voilà's ``preheat_kernel``, ``--preheat``
  kernels kept for the notebook measured and only for it; the next load
  waits until Voilà has refilled the pool and the new kernel has run the
  notebook, i.e. until the server and its kernels are idle). Each server
  gets one untimed load first (``--no-warmup`` to drop it): its first page
  compiles templates and reads every import from disk, which a viewer of a
  running server does not wait for. Loads without preheat also start when
  the server is idle (the previous page's kernel shut down);
* **filter change**: on the loaded page, ``SETTLE_S`` seconds after the
  first chart (kept from when charts were FigureWidgets, which were seen to drop updates
  sent in their first ~2 s; tests/browser/test_first_change.py changes a filter at once),
  a visible dropdown (Gender, else
  Year group, else Wave; else the first toggle buttons) is switched back and forth
  ``--changes`` times; each time, from the ``change`` event dispatched in
  the page to the moment a plotly graph's data or title differ from before
  and every chart on the page is drawn (seen in ``plotly_afterplot`` or,
  for a chart redrawn whole, on the next animation frame); the median is
  reported;
* the same on the 1,000,000-pupil file (``KS3_SURVEY_FILES``; made by
  ``python -m analysis make-sample --large 1000000`` if missing), without
  preheat (each preheated kernel would hold the data), without a warm-up
  load, and with one load per dashboard unless ``--large-repeats`` says
  otherwise.

Every server is stopped before the script ends (also on Ctrl+C). Chromium is
launched as ``tests/browser/conftest.py`` does (Debian's ``/usr/bin/chromium``
or ``CHROMIUM``). Timings depend on the machine and its load (the machine
line is printed); no test asserts them.

Targets (issue 4): first chart within 1.5x the baseline; a filter change in
under 200 ms median on the sample and under 500 ms on the 1M-pupil file.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboards.home import DASHBOARDS  # noqa: E402
from dashboards.server import (  # noqa: E402
    DASHBOARDS_DIR,
    HOME,
    free_port,
    stop_process,
    voila_command,
)
from machine import describe as machine  # noqa: E402  (bench/ is on sys.path)

LARGE = ROOT / "data" / "sample" / "large" / "ks3_survey_1000000.csv"
CHROMIUM_ARGS = [  # as tests/browser/conftest.py
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BASELINE_NOTEBOOK = "baseline.ipynb"
BASELINE_SOURCE = """import plotly.graph_objects as go

go.Figure(go.Bar(x=["English", "Maths", "Science"], y=[0.31, 0.42, 0.27]))"""
#: Which dropdown a filter change uses, in order of preference.
FILTER_LABELS = ["Gender", "Year group", "Wave"]
PAGE_TIMEOUT_S = 300
#: Seconds between the first chart and the first filter change.
SETTLE_S = 5

FIRST_CHART_JS = """() => {
  for (const p of document.querySelectorAll('.js-plotly-plot')) {
    if (p.data && p.data.length && p._fullLayout && p.querySelector('.main-svg .trace'))
      return performance.now();
  }
  return false;
}"""

CHANGE_JS = """async ([labels, index, timeoutMs]) => {
  const plots = () => Array.from(document.querySelectorAll('.js-plotly-plot'));
  const snap = () => plots().map(p => {
    try {
      return JSON.stringify([(p.data || []).map(t => [t.x, t.y, t.z, t.r, t.theta, t.text,
                                                      t.base]),
                             p.layout && p.layout.title]);
    } catch (e) { return 'unreadable'; }
  }).join('|');
  let select = null, button = null, kind = null;
  const visible = e => e.offsetParent !== null;  // a page may hide a filter it splits by
  for (const label of labels) {
    for (const box of document.querySelectorAll('.widget-dropdown')) {
      const l = box.querySelector('label'), s = box.querySelector('select');
      if (l && s && visible(s) && l.textContent.trim() === label && s.options.length > 1) {
        select = s; kind = 'dropdown ' + label; break;
      }
    }
    if (select) break;
  }
  if (!select) {
    const buttons = Array.from(document.querySelectorAll('.widget-toggle-buttons'))
      .filter(visible).map(b => b.querySelectorAll('button'))[0] || [];
    if (buttons.length > 1) { button = buttons[index]; kind = 'toggle buttons'; }
  }
  if (!select && !button) return {error: 'no dropdown or toggle buttons to change'};
  const choice = select ? select.options[index].text : button.textContent.trim();
  const before = snap();
  return await new Promise(resolve => {
    let t0 = 0, done = false;
    const listeners = [];
    // drawn: every chart on the page has data and a drawn trace (a page that redraws a
    // chart whole first removes the old one: that is not yet the updated chart)
    const drawn = () => plots().length > 0 && plots().every(
      p => p.data && p.data.length && p._fullLayout && p.querySelector('.main-svg .trace'));
    const finish = (how) => {
      if (done || !drawn() || snap() === before) return false;
      done = true;
      const ms = performance.now() - t0;
      listeners.forEach(([p, f]) => p.removeListener && p.removeListener('plotly_afterplot', f));
      resolve({ms, how, kind, choice});
      return true;
    };
    for (const p of plots()) {
      if (p.on) { const f = () => finish('plotly_afterplot'); p.on('plotly_afterplot', f);
                  listeners.push([p, f]); }
    }
    const poll = () => {
      if (done || finish('animation frame')) return;
      if (performance.now() - t0 > timeoutMs) {
        done = true; resolve({error: 'no chart changed', kind, choice});
      } else requestAnimationFrame(poll);
    };
    t0 = performance.now();
    if (select) {
      select.selectedIndex = index;
      select.dispatchEvent(new Event('change', {bubbles: true}));
    } else button.click();
    requestAnimationFrame(poll);
  });
}"""


# ------------------------------------------------------------------ servers


class Server:
    """Voilà on a free port, serving ``root`` with the project's flags.

    ``preheat``: kernels kept ready for ``notebook`` only (the other
    notebooks of the folder get none, so that warming them does not load
    the machine while one is measured).
    """

    def __init__(
        self, root: Path, *, preheat: int = 0, notebook: str | None = None, env: dict | None = None
    ):
        self.root, self.preheat, self.notebook = Path(root), preheat, notebook
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **(env or {})}
        self.log = tempfile.NamedTemporaryFile(
            "w+", prefix="bench-voila-", suffix=".log", delete=False
        )
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        extra = []
        if self.preheat:
            pools = {"default": {"pool_size": 0}, self.notebook: {"pool_size": self.preheat}}
            extra.append(f"--VoilaKernelManager.kernel_pools_config={json.dumps(pools)}")
        argv = voila_command(self.port, root=self.root, preheat=self.preheat, extra=extra)
        self.process = subprocess.Popen(
            argv,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=self.root,
            start_new_session=True,
        )
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Voilà exited early:\n{self.read_log()}")
            try:
                with urllib.request.urlopen(self.url + "/voila/static/", timeout=2):
                    break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.3)
        else:
            self.stop()
            raise RuntimeError(f"Voilà did not answer:\n{self.read_log()}")
        if self.preheat:
            self.wait_for_pool(1)
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def read_log(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def pool_fills(self) -> int:
        """How many times Voilà has said the notebook's kernel pool is full."""
        return self.read_log().count(f"Kernel pool of {self.notebook} is filled")

    def wait_for_pool(self, fills: int, timeout: float = PAGE_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while self.pool_fills() < fills:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the kernel pool of {self.notebook} was not refilled within {timeout:.0f} s"
                )
            time.sleep(0.2)
        self.wait_quiet()

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server and its kernels, from /proc.

        Kernels run in sessions of their own (jupyter_client starts them so),
        so they are found as the server's children, not by session."""
        total = 0.0
        pid = self.process.pid
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # fields[1]: parent pid (field 4 of stat); fields[3]: session id (field 6)
            if int(stat.parent.name) == pid or int(fields[1]) == pid or int(fields[3]) == pid:
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def wait_quiet(self, timeout: float = PAGE_TIMEOUT_S) -> None:
        """Wait until the server and its kernels use < 5% of a core for a second:
        a preheated kernel has then finished executing its notebook."""
        deadline = time.monotonic() + timeout
        last = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(1.0)
            now = self.cpu_seconds()
            if now - last < 0.05:
                return
            last = now

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, timeout=30)


# ------------------------------------------------------------------ measuring


def first_chart(browser, server: Server, notebook: str, *, changes: int = 0) -> dict:
    """Seconds from the request to the first drawn chart; then ``changes`` filter changes."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_S * 1000)
    out: dict = {}
    try:
        page.goto(server.url + HOME.replace("index.ipynb", notebook), wait_until="commit")
        handle = page.wait_for_function(FIRST_CHART_JS, polling="raf")
        out["first_chart_s"] = handle.json_value() / 1000
        times, how, kind, errors = [], set(), None, []
        if changes:
            # kept from the FigureWidget charts (anywidget was seen to drop updates in
            # its first ~2 s); the filter-change times stay comparable with earlier runs
            page.wait_for_timeout(SETTLE_S * 1000)
        for i in range(changes):
            r = page.evaluate(CHANGE_JS, [FILTER_LABELS, 1 if i % 2 == 0 else 0, 15_000])
            if "error" in r:
                errors.append(r["error"])
                break
            times.append(r["ms"])
            how.add(r["how"])
            kind = f"{r['kind']}: {r['choice']}" if i == 0 else kind
            page.wait_for_timeout(300)
        out.update(changes_ms=times, change_how=sorted(how), control=kind, errors=errors)
    finally:
        try:
            page.close(run_before_unload=True)  # Voilà shuts the page's kernel down
        except Exception:  # noqa: BLE001 - a closed page is what we want
            pass
        context.close()
    return out


def measure(
    browser,
    root: Path,
    notebook: str,
    *,
    preheat: int,
    repeats: int,
    changes: int,
    env: dict | None = None,
    warmup: bool = True,
) -> dict:
    """First-chart times over ``repeats`` loads (and filter changes on the last load).

    ``warmup``: one untimed load first (the server's first page compiles
    templates and reads every import from disk)."""
    loads, change = [], {}
    with Server(root, preheat=preheat, notebook=notebook, env=env) as server:
        if warmup:  # untimed: the server's first page pays one-off costs a viewer would not
            first_chart(browser, server, notebook)
        for i in range(repeats):
            if preheat:
                server.wait_for_pool(i + 1 + int(warmup))
            else:
                server.wait_quiet()
            r = first_chart(browser, server, notebook, changes=changes if i == repeats - 1 else 0)
            loads.append(r["first_chart_s"])
            if i == repeats - 1:
                change = r
            time.sleep(1.0)
    return {
        "loads": loads,
        "first_chart_s": statistics.median(loads),
        "changes_ms": change.get("changes_ms", []),
        "control": change.get("control"),
        "change_how": change.get("change_how", []),
        "errors": change.get("errors", []),
    }


def importable(notebook: str) -> str | None:
    """None if the notebook's module imports, else why not."""
    name = Path(notebook).stem
    if not (DASHBOARDS_DIR / notebook).exists():
        return f"no notebook {notebook}"
    try:
        importlib.import_module(f"dashboards.{name}")
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return f"dashboards.{name} does not import: {type(error).__name__}: {error}"
    return None


def baseline_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="bench-baseline-"))
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "baseline",
                "metadata": {},
                "outputs": [],
                "source": BASELINE_SOURCE,
            }
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (folder / BASELINE_NOTEBOOK).write_text(json.dumps(nb), encoding="utf-8")
    return folder


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values):.0f}" if values else "–"


def report(rows: list[dict]) -> None:
    """Print the table of results (markdown)."""
    base = {(r["data"], r["preheat"]): r["first_chart_s"] for r in rows if r["page"] == "baseline"}
    print(
        "\n| page | data | preheat | first chart s (median) | loads s | x baseline | "
        "filter change ms (median) | changes | min–max ms | control |"
    )
    print("|---|---|---:|---:|---|---:|---:|---:|---|---|")
    for r in rows:
        if "skipped" in r:
            print(f"| {r['page']} | {r['data']} | | skipped: {r['skipped']} | | | | | | |")
            continue
        b = base.get((r["data"], r["preheat"])) or base.get(("sample", r["preheat"]))
        ratio = f"{r['first_chart_s'] / b:.2f}" if b and r["page"] != "baseline" else ""
        ch = r.get("changes_ms", [])
        spread = f"{min(ch):.0f}–{max(ch):.0f}" if ch else ""
        control = r.get("control") or ("; ".join(r.get("errors", [])) or "")
        print(
            f"| {r['page']} | {r['data']} | {r['preheat']} | {r['first_chart_s']:.2f} | "
            f"{', '.join(f'{x:.2f}' for x in r['loads'])} | {ratio} | {median_ms(ch)} | "
            f"{len(ch)} | {spread} | {control} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="page loads per measurement")
    parser.add_argument("--changes", type=int, default=10, help="filter changes per page")
    parser.add_argument(
        "--preheat",
        type=int,
        default=1,
        help="preheated kernels for the notebook measured (0: no preheat runs)",
    )
    parser.add_argument("--no-large", action="store_true", help="skip the 1M-pupil file")
    parser.add_argument("--large", type=Path, default=LARGE)
    parser.add_argument("--large-repeats", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="notebook names (without .ipynb) to measure")
    parser.add_argument(
        "--no-warmup", action="store_true", help="no untimed first load on each server"
    )
    args = parser.parse_args(argv)

    print(f"machine: {machine()}")
    print(f"started {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    notebooks, rows = [], []
    for notebook, _title, _ in DASHBOARDS:
        if args.only and Path(notebook).stem not in args.only:
            continue
        why = importable(notebook)
        if why:
            print(f"skip {notebook}: {why}")
            rows.append({"page": notebook, "data": "sample", "skipped": why})
        else:
            notebooks.append(notebook)
    preheats = [0] + ([args.preheat] if args.preheat else [])
    sample_env = {"KS3_SURVEY_FILES": "", "KS3_SURVEY_CODEBOOK": "", "KS3_BUNDLE": ""}

    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    folder = baseline_folder()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS, headless=True
        )
        try:
            for preheat in preheats:
                r = measure(
                    browser,
                    folder,
                    BASELINE_NOTEBOOK,
                    preheat=preheat,
                    repeats=args.repeats,
                    changes=0,
                    env=sample_env,
                    warmup=not args.no_warmup,
                )
                rows.append({"page": "baseline", "data": "sample", "preheat": preheat, **r})
                print(f"baseline preheat={preheat}: {r['loads']}", flush=True)
            for notebook in notebooks:
                for preheat in preheats:
                    try:
                        r = measure(
                            browser,
                            DASHBOARDS_DIR,
                            notebook,
                            preheat=preheat,
                            repeats=args.repeats,
                            changes=args.changes,
                            env=sample_env,
                            warmup=not args.no_warmup,
                        )
                    except Exception as error:  # noqa: BLE001 - one page failing is a result
                        traceback.print_exc()
                        rows.append(
                            {
                                "page": notebook,
                                "data": "sample",
                                "skipped": f"failed: {type(error).__name__}: "
                                f"{str(error).splitlines()[0][:120]}",
                            }
                        )
                        break
                    rows.append({"page": notebook, "data": "sample", "preheat": preheat, **r})
                    print(
                        f"{notebook} preheat={preheat}: loads {r['loads']}, changes "
                        f"{[round(x) for x in r['changes_ms']]} ({r['control']}) "
                        f"{r['errors']}",
                        flush=True,
                    )
            if not args.no_large:
                if not args.large.exists():
                    print(f"making {args.large} (python -m analysis make-sample --large)")
                    subprocess.run(
                        [sys.executable, "-m", "analysis", "make-sample", "--large", "1000000"],
                        check=True,
                        cwd=ROOT,
                    )
                large_env = {**sample_env, "KS3_SURVEY_FILES": str(args.large)}
                pupils = "1M"
                for notebook in notebooks:
                    if notebook == "index.ipynb":
                        continue
                    try:
                        # no warm-up load: the server's one-off costs are small next to
                        # loading a million pupils, and the files are in the disk cache
                        r = measure(
                            browser,
                            DASHBOARDS_DIR,
                            notebook,
                            preheat=0,
                            repeats=args.large_repeats,
                            changes=args.changes,
                            env=large_env,
                            warmup=False,
                        )
                    except Exception as error:  # noqa: BLE001
                        traceback.print_exc()
                        rows.append(
                            {
                                "page": notebook,
                                "data": pupils,
                                "skipped": f"failed: {type(error).__name__}: "
                                f"{str(error).splitlines()[0][:120]}",
                            }
                        )
                        continue
                    rows.append({"page": notebook, "data": pupils, "preheat": 0, **r})
                    print(
                        f"{notebook} 1M: loads {r['loads']}, changes "
                        f"{[round(x) for x in r['changes_ms']]} ({r['control']}) "
                        f"{r['errors']}",
                        flush=True,
                    )
        finally:
            browser.close()
    report(rows)
    print(f"\nfinished {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; machine: {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
