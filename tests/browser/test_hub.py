"""A network's JupyterHub (dashboards.hub), real: sign-in, roles, shared school plans,
break-in attempts refused. Headless Chromium signs in as each person."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from analysis.store import Store
from dashboards import hub as network_hub
from dashboards import planner
from dashboards.data import SAMPLE_FILES

from .conftest import PAGE_TIMEOUT_MS

pytestmark = pytest.mark.browser

#: Starting a user's server and drawing the Planner on a loaded 2-core machine.
SPAWN_MS = 240_000
PEOPLE = {
    "nia": "nia-first-pw-1",
    "ann": "ann-first-pw-1",
    "cat": "cat-first-pw-1",
    "bob": "bob-first-pw-1",
    "dee": "dee-first-pw-1",
}


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """nia leads the network; ann leads school S01 with her colleague cat; bob leads S02;
    dee is a colleague in both S01 and S02.

    S01's bundle is published (``publish --school S01``, as ``scripts/hub publish``
    does for each school); S02's and the network's are not (one bundle keeps the
    tests' time down), so bob and nia get the Planner and a home page only."""
    folder = tmp_path_factory.mktemp("hub")
    network_hub.init(folder, "nia", password=PEOPLE["nia"])
    network_hub.add_school(folder, "S01", ["ann"], ["cat"], passwords=PEOPLE)
    network_hub.add_school(folder, "S02", ["bob"], ["dee"], passwords=PEOPLE)
    network_hub.add_school(folder, "S01", [], ["dee"], passwords=PEOPLE)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "publish",
            *map(str, SAMPLE_FILES),
            "--out",
            str(folder / network_hub.BUNDLES / "school-S01"),
            "--school",
            "S01",
        ],
        check=True,
        capture_output=True,
    )
    server = network_hub.HubServer(folder)
    try:
        server.start()
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def people(browser, hub):
    """A signed-in browser context for each person (each its own cookies and storage)."""
    contexts = {}
    for name, password in PEOPLE.items():
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        page = context.new_page()
        page.goto(hub.url + "/hub/login")
        page.fill("#username_input", name)
        page.fill("#password_input", password)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_url(lambda url: "/hub/login" not in url, timeout=SPAWN_MS)
        page.close()
        contexts[name] = context
    yield contexts
    for context in contexts.values():
        context.close()


def open_planner(context, hub, user):
    page = context.new_page()
    page.goto(f"{hub.url}/user/{user}/voila/render/planner.ipynb", timeout=SPAWN_MS)
    page.wait_for_url(
        lambda url: f"/user/{user}/voila/render/planner.ipynb" in url,
        timeout=SPAWN_MS,
        wait_until="commit",
    )
    page.wait_for_selector(".js-plotly-plot .barlayer path", state="attached", timeout=SPAWN_MS)
    return page


def widget(page, kind: str, label: str):
    return page.locator(f".widget-{kind}:has(label:text-is('{label}'))")


def add_event(page, title: str) -> None:
    widget(page, "text", "Title:").locator("input").fill(title)
    widget(page, "select-multiple", "Subjects:").locator("select").select_option(
        label="Engineering"
    )
    widget(page, "select-multiple", "Year groups:").locator("select").select_option(label="Year 7")
    page.click("button:has-text('Add event')")


def status(context, url: str) -> tuple[int, str]:
    """(HTTP status, body) of a GET with this person's cookies, redirects not followed."""
    answer = context.request.get(url, max_redirects=0, fail_on_status_code=False)
    return answer.status, answer.text()


def test_a_signed_out_visitor_sees_only_the_sign_in_page(browser, hub):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{hub.url}/user/ann/voila/render/planner.ipynb")
        page.wait_for_selector("#username_input")
        assert "/hub/login" in page.url
        code, _ = status(context, f"{hub.url}/user/ann/api/kernels")
        assert code in (302, 403, 404)
        code, _ = status(context, f"{hub.url}/hub/api/users")
        assert code == 403
    finally:
        context.close()


def test_a_plan_is_shared_by_its_school_and_no_other(hub, people):
    ann = open_planner(people["ann"], hub, "ann")
    add_event(ann, "S01 Cycle Day")
    ann.wait_for_selector("text=Saved at")
    assert "S01" not in network_hub.read_network(hub.folder)["schools"]["S02"]["leads"]

    cat = open_planner(people["cat"], hub, "cat")  # ann's colleague, on her own server
    cat.wait_for_selector("text=Your school's saved plan is here")
    assert "by ann" in cat.inner_text("body")
    cat.click("button:has-text('Open it')")
    cat.wait_for_selector("text=Opened the saved plan (version 1): 1 event.")
    cat.wait_for_function("""() => Array.from(document.querySelectorAll('option'),
        o => o.textContent.replace(/\u00a0/g, ' ')).some(t => t.includes('S01 Cycle Day'))""")

    bob = open_planner(people["bob"], hub, "bob")  # another school
    bob.wait_for_selector("text=Saved versions:")
    body = bob.inner_text("body")
    assert "S01 Cycle Day" not in body and "saved plan is here" not in body
    add_event(bob, "S02 Science Week")
    bob.wait_for_selector("text=Saved at")

    store = Store(hub.folder / network_hub.STORE_FILE)
    s01 = json.dumps(store.latest("plan", "school:S01", planner.PLAN_NAME).document)
    s02 = json.dumps(store.latest("plan", "school:S02", planner.PLAN_NAME).document)
    assert "S01 Cycle Day" in s01 and "S02" not in s01
    assert "S02 Science Week" in s02 and "S01" not in s02
    assert str(hub.folder) not in body  # no server path on the page
    for page in (ann, cat, bob):
        page.close()


@pytest.mark.parametrize(
    "path",
    [
        "/user/ann/voila/render/planner.ipynb",  # another person's server (another school)
        "/user/ann/voila/tree",
        "/user/bob/api/contents",  # Jupyter's REST APIs: not there
        "/user/bob/api/kernels",
        "/user/bob/api/terminals",
        "/user/bob/api/sessions",
        "/user/bob/lab",
        "/user/bob/voila/files/..%2F..%2Fnetwork.json",  # path traversal
        "/user/bob/voila/render/..%2F..%2Fnetwork.json",
        "/user/bob/voila/files/store.sqlite",
        "/hub/api/users",  # the hub's own API, without admin rights
        "/hub/api/users/ann",
        "/hub/admin",
    ],
)
def test_break_in_attempts_are_refused(hub, people, path):
    code, body = status(people["bob"], hub.url + path)
    assert code in (302, 403, 404, 405), (path, code)
    assert "S01 Cycle Day" not in body and "$2b$" not in body
    if code == 302:  # sent to sign in again (another server's OAuth), never in
        answer = people["bob"].request.get(hub.url + path, fail_on_status_code=False)
        assert answer.status in (403, 404) or "/hub/login" in answer.url, (path, answer.url)


def test_the_network_lead_administers_but_cannot_open_a_school_leads_server(hub, people):
    code, body = status(people["nia"], hub.url + "/hub/api/users")
    assert code == 200 and {u["name"] for u in json.loads(body)} >= {"ann", "bob", "cat"}
    groups = {u["name"]: set(u["groups"]) for u in json.loads(body)}
    assert groups["ann"] == {"school-S01", "role-school-lead"}
    assert groups["cat"] == {"school-S01"} and groups["bob"] == {"school-S02", "role-school-lead"}
    # the hub lets its admin start a user's server (its "spawn pending" page), but the
    # server itself refuses anyone but its owner
    nia = people["nia"].new_page()
    nia.goto(hub.url + "/user/ann/voila/render/planner.ipynb", timeout=SPAWN_MS)
    nia.wait_for_url(lambda url: "spawn-pending" not in url, timeout=SPAWN_MS, wait_until="commit")
    nia.wait_for_load_state()
    if "Authorize access" in nia.inner_text("body"):  # the hub asks nia to let ann's server
        nia.click("input[type=submit][value=Authorize], button:has-text('Authorize')")
        nia.wait_for_url(
            lambda url: "oauth2/authorize" not in url, timeout=SPAWN_MS, wait_until="commit"
        )  # know her name: granted, and then refused
        nia.wait_for_load_state()
    body = nia.inner_text("body")
    assert "S01 Cycle Day" not in body and "STEM Planner" not in body
    assert "403" in body and "/user/ann/" in nia.url, (nia.url, body)  # refused by ann's server
    nia.close()


def test_my_school_is_the_school_leads_own_school_only(hub, people):
    ann = people["ann"].new_page()
    ann.goto(f"{hub.url}/user/ann/voila/render/index.ipynb", timeout=SPAWN_MS)
    ann.wait_for_selector("a[href='my_school.ipynb']", timeout=SPAWN_MS)
    ann.wait_for_selector("a[href='planner.ipynb']")
    ann.goto(f"{hub.url}/user/ann/voila/render/my_school.ipynb", timeout=SPAWN_MS)
    ann.wait_for_selector("text=School A", timeout=SPAWN_MS)  # S01 under its pseudonym
    body = ann.inner_text("body")
    assert "S02" not in body and "S01" not in body  # no school id, no other school
    ann.close()
    for person, path in (
        ("bob", "/user/bob/voila/render/my_school.ipynb"),
        ("nia", "/user/nia/voila/render/my_school.ipynb"),
        ("bob", "/user/bob/voila/render/subjects.ipynb"),
    ):
        answer = people[person].request.get(
            hub.url + path, fail_on_status_code=False, timeout=SPAWN_MS
        )  # redirects followed: signs in
        assert answer.status == 404 and "School A" not in answer.text(), (
            person,
            path,
            answer.status,
            answer.url,
        )


def test_only_the_network_lead_reaches_the_network_view(hub, people):
    """The network view (dashboards.network): nia sees every member school's plan and
    review side by side; a school lead's server has no such page."""
    from analysis.manager import files as review_files
    from analysis.manager.framework import default_framework
    from analysis.manager.review import Review

    store = Store(hub.folder / network_hub.STORE_FILE)
    review = Review.blank(default_framework(), school="S02").with_status(
        "careers.status.coordinator", "in_place"
    )
    store.save(
        "review",
        "school:S02",
        "review 2026-11-30",
        review_files.review_document(review),
        expected=store.latest("review", "school:S02", "review 2026-11-30") and 1,
    )
    nia = people["nia"].new_page()
    nia.goto(f"{hub.url}/user/nia/voila/render/network.ipynb", timeout=SPAWN_MS)
    nia.wait_for_selector("h2:text-is('Side by side')", timeout=SPAWN_MS)
    body = nia.inner_text("body")
    assert "2 member schools:" in body and "1 with a Manager review" in body
    assert "S01" in body and "S02" in body and "Traceback" not in body
    nia.close()
    for who in ("ann", "bob"):  # their own servers (signed in): no such page
        answer = people[who].request.get(
            f"{hub.url}/user/{who}/voila/render/network.ipynb", fail_on_status_code=False
        )
        assert answer.status == 404 and f"/user/{who}/" in answer.url, (who, answer.status)
        assert "Side by side" not in answer.text() and "member schools" not in answer.text()


def save_plan(hub, school: str, title: str) -> None:
    """A plan of ``school`` saved in the hub's store, as one of its colleagues would."""
    from analysis.planner import files
    from analysis.planner.model import Plan

    store = Store(hub.folder / network_hub.STORE_FILE)
    key = ("plan", f"school:{school}", planner.PLAN_NAME)
    latest = store.latest(*key)
    document = json.loads(files.plan_to_json(Plan(school=school, title=title)))
    store.save(*key, document, expected=latest.version if latest else None, saved_by="test")


def test_a_member_of_two_schools_chooses_between_them_and_no_other(hub, people):
    """dee (S01 and S02) is offered exactly her two schools and sees each one's plan;
    ann (S01 only) is offered no choice."""
    save_plan(hub, "S01", "Plan of S01 for the choice")
    save_plan(hub, "S02", "Plan of S02 for the choice")
    dee = open_planner(people["dee"], hub, "dee")
    dee.wait_for_selector("text=Plan of S01 for the choice")  # arrived: S01 first
    choice = widget(dee, "dropdown", "Your school:").locator("select")
    options = [t.replace("\xa0", " ") for t in choice.locator("option").all_inner_texts()]
    assert options == ["School S01", "School S02"]  # (ipywidgets writes no-break spaces)
    choice.select_option(index=1)
    dee.wait_for_selector("text=Plan of S02 for the choice")
    assert "Plan of S01 for the choice" not in dee.inner_text("body")
    choice.select_option(index=0)
    dee.wait_for_selector("text=Plan of S01 for the choice")

    ann = open_planner(people["ann"], hub, "ann")
    ann.wait_for_selector("text=Plan of S01 for the choice")  # arrived
    assert widget(ann, "dropdown", "Your school:").count() == 0
    assert "S02" not in ann.inner_text("body")
    for page in (dee, ann):
        page.close()
