"""Trying to break into a published Voilà server (``dashboards.server --publish``).

One publication bundle is made from the synthetic sample per session
(``analysis.publish.build_bundle``, about a minute) and served on loopback
exactly as ``python -m dashboards.server --publish`` serves it. The tests
ask for what must stay private (data files, the bundle's files, notebook
sources, Jupyter's APIs, the terminal, paths outside the served folder, URL
template and theme overrides), send forged widget values the way a crafted
client can (through the page's own widget manager, over the websocket), and
record every request a published page makes.
"""

from __future__ import annotations

import http.client
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest

from dashboards import data, server
from dashboards.server import VoilaServer

from .conftest import PAGE_TIMEOUT_MS, open_dashboard

SAMPLE_DIR = Path(data.__file__).resolve().parents[1] / "data" / "sample"
#: Pages of the published dashboards the browser tests open.
PAGES = ("index.ipynb", "subjects.ipynb")
#: What a response must never contain: notebook source, tracebacks, bundle contents.
SECRETS = (
    "from dashboards import",
    "Traceback",
    "ks3-stem-publication",
    "breakdown,wave",
    '"cell_type"',
    "pupil_id",
    "KS3_BUNDLE=",
)
PUPIL_ID = re.compile(r"\bP\d{5}\b")


@pytest.fixture(scope="session")
def pupil_ids() -> set[str]:
    files = sorted(SAMPLE_DIR.glob("ks3_survey_wave*.csv"))
    assert files, f"no sample files in {SAMPLE_DIR}"
    return set(
        pd.concat([pd.read_csv(f, usecols=["pupil_id"], dtype=str) for f in files])["pupil_id"]
    )


def raw_get(srv: VoilaServer, path: str) -> tuple[int, str]:
    """GET ``path`` exactly as written (no client-side ``..`` or %-decoding)."""
    connection = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=PAGE_TIMEOUT_MS / 1000)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def assert_reveals_nothing(body: str, srv: VoilaServer, bundle: Path, pupil_ids: set[str]):
    for secret in (*SECRETS, str(bundle), str(srv.root), str(server.DASHBOARDS_DIR)):
        assert secret not in body, secret
    assert not (set(PUPIL_ID.findall(body)) & pupil_ids)


def _attacks(bundle: Path) -> list[str]:
    sample = sorted(SAMPLE_DIR.glob("ks3_survey_wave*.csv"))[0].name
    return [
        # data files: the sample, the bundle's files by name and by absolute path
        f"/voila/files/{sample}",
        f"/voila/files/../data/sample/{sample}",
        f"/voila/files/..%2f..%2fdata%2fsample%2f{sample}",
        f"/voila/files/%2e%2e/%2e%2e/data/sample/{sample}",
        f"/voila/files/..%2F..%2Fdata%2Fsample%2F{sample}",
        "/voila/files/shares.csv",
        "/voila/files/manifest.json",
        "/voila/files/comparisons.csv",
        f"/voila/files/{bundle}/shares.csv",
        f"/voila/files/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2f{str(bundle).lstrip('/')}"
        "%2fshares.csv",
        f"/voila/static/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2f{str(bundle).lstrip('/')}"
        "%2fshares.csv",
        "/voila/static/../../../../../../../../etc/passwd",
        "/voila/templates/lab/static/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/voila/labextensions/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        # notebook sources, raw or through the contents API
        "/voila/files/index.ipynb",
        "/voila/files/subjects.ipynb",
        "/voila/files/subjects.ipynb?download=1",
        "/voila/api/contents/subjects.ipynb?content=1",
        "/voila/api/contents/subjects.ipynb?format=text",
        "/api/contents",
        "/api/contents/subjects.ipynb",
        # notebooks that are not published, and ways round the folder
        "/voila/render/planner.ipynb",
        "/voila/render/manager.ipynb",
        "/voila/render/my_school.ipynb",
        "/voila/render/..%2fplanner.ipynb",
        "/voila/render/../planner.ipynb",
        "/voila/render/%2e%2e/%2e%2e/dashboards/planner.ipynb",
        f"/voila/render/{server.DASHBOARDS_DIR}/planner.ipynb",
        "/voila/tree/..",
        "/voila/tree/..%2f..",
        # Jupyter's APIs and the terminal
        "/api/kernels",
        "/api/kernels/00000000-0000-0000-0000-000000000000",
        "/api/sessions",
        "/api/kernelspecs",
        "/api/terminals",
        "/terminals",
        "/terminals/websocket/1",
        "/api/config",
        "/api/nbconvert",
        "/lab",
        "/tree",
        "/edit",
        "/voila/api/shutdown/00000000-0000-0000-0000-000000000000",
    ]


def test_data_sources_apis_and_traversal_are_refused_or_harmless(published, bundle, pupil_ids):
    answered = {}
    for path in _attacks(bundle):
        status, body = raw_get(published, path)
        answered[path] = status
        assert_reveals_nothing(body, published, bundle, pupil_ids)
        if status < 400:
            # only Voilà's directory listing may answer: names, no content
            assert path.startswith(("/voila/api/contents", "/voila/tree")), (path, status)
        if status >= 500:
            # Voilà's template-file handler asserts on the shape of its path and
            # answers tornado's bare 500 page (no traceback: debug is off)
            assert path.startswith("/voila/templates/"), (path, status)
            assert body.strip().endswith("<body>500: Internal Server Error</body></html>"), body
    print(answered)
    listings = [p for p, s in answered.items() if s < 400]
    assert len(listings) <= 4, listings  # the four listing requests at most


def test_the_listing_names_only_the_public_notebooks_and_no_content(published):
    import json

    status, body = raw_get(published, "/voila/api/contents")
    assert status == 200
    listing = json.loads(body)
    assert {item["name"] for item in listing["content"]} == {
        f"{n}.ipynb" for n in server.PUBLIC_NOTEBOOKS
    }
    status, body = raw_get(published, "/voila/api/contents/subjects.ipynb")
    assert status == 200 and json.loads(body)["content"] is None  # the name only


def test_url_overrides_change_nothing_and_no_page_shows_code(published, bundle, pupil_ids):
    status, body = raw_get(published, "/voila/render/index.ipynb?template=classic&theme=dark")
    assert status == 200
    assert 'data-jp-theme-name="JupyterLab Light"' in body  # not dark
    assert "voila/templates/classic" not in body and "jp-InputArea-editor" not in body
    assert "cdn.jsdelivr.net" not in body and "cdnjs" not in body
    assert_reveals_nothing(body, published, bundle, pupil_ids)
    status, body = raw_get(published, "/voila/render/index.ipynb?template=..%2f..%2f..&theme=x")
    assert status == 200 and "theme-light" in body
    assert_reveals_nothing(body, published, bundle, pupil_ids)


def test_pages_show_no_code_or_traceback_even_after_bad_requests(published, page, bundle):
    for path in (
        "/voila/files/..%2f..%2fsecret",
        "/voila/render/nope.ipynb",
        "/voila/render/subjects.ipynb?template=%00",
        "/api/kernels",
    ):
        raw_get(published, path)
    for notebook in PAGES:
        open_dashboard(page, published, notebook)
        page.wait_for_selector(".ks3-page", state="attached")
        text = page.inner_text("body")
        html = page.content()
        for secret in ("from dashboards import", "Traceback", "Error", "main()"):
            assert secret not in text, (notebook, secret)
        assert "jp-InputArea-editor" not in html  # sources stripped
        assert str(bundle) not in html
    status, body = raw_get(published, "/voila/render/nope.ipynb")
    assert status == 404 and "Traceback" not in body and "https://" not in body


def test_every_request_of_a_published_page_goes_to_its_own_server(published, page):
    origin = published.url
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => {"
        " (window.__blocked = window.__blocked || []).push(e.blockedURI); });"
    )
    for notebook in PAGES:
        open_dashboard(page, published, notebook)
        if notebook != "index.ipynb":
            page.wait_for_selector(".js-plotly-plot", state="attached")
        page.wait_for_load_state("networkidle")
        # nothing was even tried elsewhere (the policy would have blocked and reported it)
        assert page.evaluate("window.__blocked || []") == []
    assert len(requests) > 20  # the page, its scripts, styles and the websocket

    def own(url: str) -> bool:
        if url.startswith("data:"):
            return True
        if url.startswith("blob:"):
            url = url[len("blob:") :]
        parts = urlsplit(url)
        return (
            f"{'http' if parts.scheme in ('http', 'ws') else parts.scheme}://"
            f"{parts.netloc}" == origin
        )

    elsewhere = [u for u in requests if not own(u)]
    assert elsewhere == []


FIND_DROPDOWN = """async (description) => {
  const manager = window.jupyterapp.widgetManager;
  const models = await Promise.all(Object.values(manager._models));
  const m = models.find(m => m.get('_model_name') === 'DropdownModel'
                             && m.get('description') === description);
  return m ? [m.model_id, m.get('index'), m.get('_options_labels')] : null;
}"""
#: A crafted client: its own websocket to the page's kernel (the kernel id is in the
#: page, the widget's comm id in its widget manager), one comm message setting a
#: widget's state, and every message the kernel sends until it is idle again.
FORGE = """async ([commId, state]) => {
  const kernelId = JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId;
  const session = 'crafted-' + Math.random();
  const ws = new WebSocket(`ws://${location.host}/api/kernels/${kernelId}/channels?session_id=${session}`);
  await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
  const msgId = 'forged-' + Math.random();
  const received = [];
  const idle = new Promise(ok => { ws.onmessage = e => {
    const msg = JSON.parse(e.data);
    received.push(msg);
    if (msg.msg_type === 'status' && msg.content.execution_state === 'idle'
        && msg.parent_header.msg_id === msgId) ok();
  }; });
  ws.send(JSON.stringify({
    header: {msg_id: msgId, msg_type: 'comm_msg', username: '', session,
             date: new Date().toISOString(), version: '5.3'},
    parent_header: {}, metadata: {}, channel: 'shell', buffers: [],
    content: {comm_id: commId, data: {method: 'update', state, buffer_paths: []}}}));
  await idle;
  ws.close();
  return received;
}"""


def _updates(replies: list[dict]) -> list[tuple[str, dict]]:
    """(comm id, state) of every widget update the kernel sent (echoes left out)."""
    return [
        (r["content"]["comm_id"], r["content"]["data"].get("state", {}))
        for r in replies
        if r["msg_type"] == "comm_msg" and r["content"]["data"].get("method") == "update"
    ]


def test_forged_widget_values_get_a_message_or_nothing_never_other_data(published, page):
    open_dashboard(page, published, "subjects.ipynb")
    page.wait_for_selector(".js-plotly-plot .gtitle", state="attached")
    wave, index, labels = page.evaluate(FIND_DROPDOWN, "Wave")
    assert (index, labels) == (0, ["All", "Wave 1 (2008)", "Wave 2 (2010)"])
    question = page.evaluate(FIND_DROPDOWN, "Question")[0]
    everything = []

    # an index past the options, a negative one, made-up options with an index into
    # them: Python refuses each (traitlets; the error goes to the server's log only)
    # and the kernel answers nothing but its echo: no redraw, no data, no traceback
    for state in (
        {"index": 9},
        {"index": -1},
        {"_options_labels": ["All", "a", "b", "c", "d"], "index": 4},
    ):
        replies = page.evaluate(FORGE, [wave, state])
        everything += replies
        assert _updates(replies) == [], state
        assert not [r for r in replies if r["msg_type"] in ("error", "stream")], state
    log = published.read_log()
    assert "TraitError: Invalid selection: index out of bounds" in log
    assert "IndexError: tuple index out of range" in log

    # no choice at all (index None reaches Python as value None): Filters.checked
    # refuses it, says so and puts the dropdown back on "All"
    replies = page.evaluate(FORGE, [wave, {"index": None}])
    everything += replies
    assert (wave, {"index": 0}) in [
        (c, {k: v for k, v in st.items() if k == "index"}) for c, st in _updates(replies)
    ]
    sent = " ".join(str(st) for _, st in _updates(replies))
    assert "Wave: that choice is not offered." in sent  # the answer is a message
    assert "wave 1" not in sent and "wave 2" not in sent  # and no wave's data

    # the Question dropdown forged to no question: the page answers with a message
    replies = page.evaluate(FORGE, [question, {"index": None}])
    everything += replies
    messages = [st.get("value", "") for _, st in _updates(replies)]
    assert any("This chart could not be redrawn" in m for m in messages), messages

    # nothing the kernel sent carried code, a traceback or a path on the server
    text = str(everything)
    assert "Traceback" not in text and "site-packages" not in text
    assert str(server.DASHBOARDS_DIR) not in text
    assert "Traceback" not in page.inner_text("body")


def test_the_served_folder_and_bundle_hold_no_pupil_id(published, bundle, pupil_ids):
    served = sorted(p.name for p in published.root.iterdir())
    assert served == sorted(f"{n}.ipynb" for n in server.PUBLIC_NOTEBOOKS)
    for path in [*published.root.iterdir(), *bundle.iterdir()]:
        text = path.read_text(encoding="utf-8-sig")
        assert "pupil_id" not in text, path.name
        assert not (set(PUPIL_ID.findall(text)) & pupil_ids), path.name


def test_a_reader_leaving_frees_their_kernel_and_no_other_site_can(published, browser):
    context = browser.new_context()
    try:
        reader = context.new_page()
        reader.set_default_timeout(PAGE_TIMEOUT_MS)
        open_dashboard(reader, published, "subjects.ipynb")
        reader.wait_for_selector(".js-plotly-plot", state="attached")
        kernel = reader.evaluate(
            "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
        )
        # another site making the reader's browser ask: refused, the kernel lives
        connection = http.client.HTTPConnection("127.0.0.1", published.port, timeout=30)
        connection.request(
            "POST", f"/voila/api/shutdown/{kernel}", headers={"Origin": "https://elsewhere.example"}
        )
        assert connection.getresponse().status == 404
        connection.close()
        assert f"Kernel shutdown: {kernel}" not in published.read_log()
        # the reader closes the tab: Voilà's page asks, the server shuts the kernel down
        reader.close(run_before_unload=True)
        deadline = time.monotonic() + 60  # a bound on the wait, not a speed check
        while f"Kernel shutdown: {kernel}" not in published.read_log():
            assert time.monotonic() < deadline, published.read_log()[-2000:]
            time.sleep(0.5)
    finally:
        context.close()


def test_readers_over_the_kernel_cap_get_a_busy_page_until_a_kernel_is_culled(bundle):
    """One kernel at most, culled after 2 s idle: the second reader is told to wait,
    and gets the page once the first reader's kernel has been culled."""
    options = {"max_kernels": 1, "cull_idle": 2, "cull_interval": 1}
    with VoilaServer(published=bundle, preheat=0, timeout=120, published_options=options) as capped:
        status, _ = raw_get(capped, "/voila/render/index.ipynb")
        assert status == 200
        status, body = raw_get(capped, "/voila/render/subjects.ipynb")
        assert status == 503, capped.read_log()[-2000:]
        assert "Too many readers" in body and "try again in a few minutes" in body
        assert "https://" not in body
        deadline = time.monotonic() + 60  # a bound on the wait, not a speed check
        while status == 503 and time.monotonic() < deadline:
            time.sleep(1)
            status, body = raw_get(capped, "/voila/render/index.ipynb")
        assert status == 200, capped.read_log()[-2000:]
        assert re.search(
            r"Culling 'idle' kernel .* due to \d+ seconds of inactivity", capped.read_log()
        )
