"""Real Voilà servers and headless Chromium for the browser tests.

Every test here is marked ``browser`` (run them alone with ``pytest -m browser``,
leave them out with ``-m "not browser"``). Chromium is Debian's
(``/usr/bin/chromium``, or the path in ``CHROMIUM``): Playwright's own browser
download does not work here, so never call ``playwright install``.
"""

from __future__ import annotations

import collections
import os
import sys
import time
from pathlib import Path

import pytest

from dashboards.server import HOME, VoilaServer

ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: axe-core (npm), installed by ``scripts/test`` (``ensure_axe`` in ``scripts/setup-env.sh``).
AXE_JS = Path(
    os.environ.get("KS3_AXE_JS", "")
    or Path(sys.prefix) / "npm" / "node_modules" / "axe-core" / "axe.min.js"
)
#: axe-core's impacts that fail a test: WCAG 2.2 AA violations a reader cannot work round.
AXE_FAILING = ("critical", "serious")
#: Plenty for a page to execute and draw its chart on a shared 2-core machine.
PAGE_TIMEOUT_MS = 90_000


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists():
        pytest.fail(
            f"Chromium is not at {path}. Install it with `apt-get install chromium` "
            "(Debian/Ubuntu), or set CHROMIUM to the path of a Chromium binary. "
            "Do not run `playwright install`.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


def serve(env=None, **settings) -> VoilaServer:
    """Start Voilà (``VoilaServer(env=env, **settings)``, 90 s to answer unless
    ``timeout`` says otherwise); fail (not skip) with its log if it does not answer."""
    server = VoilaServer(env=env, **{"timeout": 90, **settings})
    try:
        server.start()
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    return server


def serve_with_store(store_path: Path, **settings) -> VoilaServer:
    """:func:`serve` on the sample, saving plans and reviews into ``store_path``."""
    from analysis.store import STORE_VARIABLE

    return serve(
        {"KS3_SURVEY_FILES": "", "KS3_SURVEY_CODEBOOK": "", STORE_VARIABLE: str(store_path)},
        **settings,
    )


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    """A module's own store of plans and reviews (the Planner's and the Manager's tests)."""
    return tmp_path_factory.mktemp("store") / "store.sqlite"


@pytest.fixture(scope="module")
def store_voila(store_path):
    """Voilà on the sample saving into :func:`store_path`, for one test module."""
    server = serve_with_store(store_path)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def voila():
    """Voilà serving the dashboards on the synthetic sample."""
    server = serve({"KS3_SURVEY_FILES": "", "KS3_SURVEY_CODEBOOK": ""})
    yield server
    server.stop()


@pytest.fixture(scope="session")
def bundle(tmp_path_factory) -> Path:
    """A publication bundle of the synthetic sample (no school), made once a session."""
    from analysis.publish import build_bundle
    from dashboards import data

    return build_bundle(data.survey(), tmp_path_factory.mktemp("published") / "bundle")


@pytest.fixture(scope="session")
def published(bundle):
    """The published server on that bundle, as ``--publish`` starts it."""
    srv = serve(published=bundle, timeout=120)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def broken_file(tmp_path_factory) -> Path:
    """A CSV that is not a survey at all."""
    path = tmp_path_factory.mktemp("broken") / "not_a_survey.csv"
    path.write_text("name,score\nAlice,3\nBob,4\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def broken_voila(broken_file):
    """Voilà serving the dashboards with KS3_SURVEY_FILES pointing at a broken file."""
    server = serve({"KS3_SURVEY_FILES": str(broken_file), "KS3_SURVEY_CODEBOOK": ""})
    yield server
    server.stop()


#: How many websocket frames a page keeps for :func:`save_failure` (the last ones).
FRAMES_KEPT = 400


def watch_frames(frames, socket) -> None:
    """Keep the start of each frame the page sends to or receives from a kernel, timed:
    in what order the browser sent its widgets' changes and the kernel answered."""
    start = time.monotonic()

    def keep(way: str, payload) -> None:
        if isinstance(payload, bytes):
            payload = payload.decode("utf-8", errors="replace")
        text = "".join(ch if ch.isprintable() else "." for ch in payload[:FRAME_CHARS])
        frames.append(f"{time.monotonic() - start:8.3f} {way} {text}")

    socket.on("framesent", lambda payload: keep(">", payload))
    socket.on("framereceived", lambda payload: keep("<", payload))


#: How much of each frame is kept.
FRAME_CHARS = 600


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test (``item.ks3_failed``), for :func:`page`."""
    report = yield
    if report.failed:
        item.ks3_failed = True
    return report


def save_failure(page, request) -> None:
    """What the page showed and what its servers logged when a browser test failed:
    ``tests/artefacts/<test>.txt`` (the page's text, its console, then each Voilà
    server's log) next to the screenshot."""
    from playwright.sync_api import Error as PlaywrightError

    parts = [f"{request.node.nodeid} failed; page {page.url}"]
    try:
        parts += ["--- page text", page.inner_text("body", timeout=5_000)]
    except PlaywrightError as error:  # a page that is gone still gets its servers' logs
        parts += [f"--- page text not read: {error}"]
    parts += ["--- browser console", *getattr(page, "ks3_console", [])]
    parts += ["--- the last websocket frames (kernel messages), oldest first"]
    parts += list(getattr(page, "ks3_frames", []))
    for name, value in request.node.funcargs.items():
        if isinstance(value, VoilaServer):
            parts += [f"--- Voilà log of fixture {name!r} ({value.url})", value.read_log()]
    (ARTEFACTS / f"{request.node.name}.txt").write_text("\n".join(parts), encoding="utf-8")


@pytest.fixture
def page(browser, request):
    """A fresh 1280x800 page; a screenshot of it is saved under tests/artefacts/, and
    when the test fails, the page's text, console and servers' logs (:func:`save_failure`)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.ks3_console = []
    page.on("console", lambda message: page.ks3_console.append(f"{message.type}: {message.text}"))
    page.ks3_frames = collections.deque(maxlen=FRAMES_KEPT)
    page.on("websocket", lambda socket: watch_frames(page.ks3_frames, socket))
    yield page
    ARTEFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=ARTEFACTS / f"{request.node.name}.png", full_page=True)
        if getattr(request.node, "ks3_failed", False):
            save_failure(page, request)
    finally:
        context.close()


def open_dashboard(page, server, notebook: str = "index.ipynb") -> None:
    """Go to a dashboard and wait until Voilà has finished executing it."""
    page.goto(server.url + HOME.replace("index.ipynb", notebook))
    # Voilà's spinner goes, and widgets are drawn
    page.wait_for_selector(".jupyter-widgets", state="attached")


#: A plotly chart has drawn a trace: a marker or bar (``.point``: scatter's
#: ``path.point``, a bar's ``g.point``, a polar bar's), a line (``.js-line``) or a
#: pie slice (``.slice``), with a shape (``d``) that is not empty. Text-only
#: traces (the ``c`` / ``u`` marks) do not count.
DRAWN_TRACE_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).some(p =>
  p.data && p.data.length && p._fullLayout &&
  Array.from(p.querySelectorAll(
      '.main-svg .trace .point, .main-svg .trace .point path, .main-svg .trace path.js-line, '
      + '.main-svg .trace .slice path')).some(e => {
    const path = e.tagName.toLowerCase() === 'path' ? e : e.querySelector('path');
    const d = path && path.getAttribute('d');
    return d && d !== 'M0,0Z' && d.length > 4;
  }))"""


#: The page's charts (not the plotly warm-up figure): drawn width and container width.
WIDTHS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .filter(p => p._fullLayout && !(p.layout && p.layout.meta === 'ks3-warmup'))
  .map(p => ({drawn: p._fullLayout.width, container: p.getBoundingClientRect().width}))"""
#: Every chart is drawn as wide as its container, whatever that is (plotly rounds to a
#: pixel): the state a chart settles in once its container is on the page.
SIZED_JS = f"""() => {{ const w = ({WIDTHS_JS})();
  return w.length > 0 && w.every(c => c.container > 0 && Math.abs(c.drawn - c.container) <= 2);
}}"""
#: Every chart is as wide as its container, and the container is wide (over 600 px).
FITTED_JS = f"""() => {{ const w = ({WIDTHS_JS})();
  return w.length > 0 && w.every(c => c.container > 600 && Math.abs(c.drawn - c.container) <= 2);
}}"""


def wait_for_chart(page, timeout: float | None = None) -> None:
    """Wait until a plotly chart on the page has drawn a trace of any kind:
    dots (scatter), bars, lines, polar bars or pie slices (:data:`DRAWN_TRACE_JS`).

    ``timeout`` in ms (default: the page's default timeout)."""
    kwargs = {} if timeout is None else {"timeout": timeout}
    page.wait_for_function(DRAWN_TRACE_JS, polling="raf", **kwargs)


def axe_findings(page) -> list[dict]:
    """Run axe-core (:data:`AXE_JS`) on the page as it is now: every violation of
    WCAG 2.0-2.2 A/AA and axe's best practices, as ``{"rule", "impact", "help",
    "elements"}`` (the CSS selectors of the elements at fault)."""
    if not AXE_JS.exists():
        pytest.fail(
            f"axe-core is not at {AXE_JS}. `scripts/test` installs it (npm install "
            f"--prefix {Path(sys.prefix) / 'npm'} axe-core@VERSION, the version in "
            "scripts/setup-env.sh), or set KS3_AXE_JS to an axe.min.js.",
            pytrace=False,
        )
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "elements": [" ".join(map(str, n["target"])) for n in v["nodes"]],
        }
        for v in result["violations"]
    ]


def assert_accessible(page, where: str) -> list[dict]:
    """Fail on any critical or serious axe-core finding, naming the page, the rule and
    the elements; return every finding (the moderate and minor ones too)."""
    findings = axe_findings(page)
    bad = [f for f in findings if f["impact"] in AXE_FAILING]
    assert not bad, f"{where}: " + "; ".join(
        f"{f['impact']} {f['rule']} ({f['help']}) on {', '.join(f['elements'][:5])}" for f in bad
    )
    return findings


def browser_key(page) -> str:
    """The key this browser keeps in its localStorage (dashboards.identity): its plans and
    reviews are stored under the owner ``browser:<key>``."""
    return page.evaluate("() => window.localStorage.getItem('ks3-browser-key')")
