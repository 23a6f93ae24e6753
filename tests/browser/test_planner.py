"""The STEM Planner as a viewer sees it (real Voilà, headless Chromium)."""

from __future__ import annotations

import base64
import json
import re
import struct

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from analysis.planner import files
from analysis.store import Store
from dashboards import planner

from .conftest import PAGE_TIMEOUT_MS, browser_key, open_dashboard, serve_with_store

pytestmark = pytest.mark.browser

PLANNER = "planner.ipynb"
#: Text that would mean Voilà let code or an error through to the viewer.
FORBIDDEN = ("Traceback", "import ", "def ", "main()", "Error:", "Exception")
#: (subject label, number of bars, first bar's title) for each subject trace.
TRACES_JS = """() => Array.from(document.querySelector('.js-plotly-plot').data)
    .filter(t => t.type === 'barpolar' && t.name !== 'stages' && t.name !== 'selected')
    .map(t => [t.name, t.theta ? t.theta.length : 0,
               t.customdata && t.customdata.length ? t.customdata[0][1] : null])"""

#: How many event bars the clock-face in the page draws.
BARS_JS = """() => Array.from(document.querySelector('.js-plotly-plot').data)
    .filter(t => t.type === 'barpolar' && t.name !== 'stages' && t.name !== 'selected')
    .reduce((n, t) => n + (t.theta ? t.theta.length : 0), 0)"""


def assert_no_code_or_traceback(page):
    text = page.inner_text("body")
    shown = [word for word in FORBIDDEN if word in text]
    assert not shown, f"the page shows {shown}:\n{text[:2000]}"


def widget(page, kind: str, label: str):
    """The form control of an ipywidget with this description label."""
    return page.locator(f".widget-{kind}:has(label:text-is('{label}'))")


def add_cycle_day(page, title: str = "Year 7 STEM Cycle Day") -> None:
    widget(page, "text", "Title:").locator("input").fill(title)
    widget(page, "select-multiple", "Subjects:").locator("select").select_option(
        label="Engineering"
    )
    widget(page, "select-multiple", "Year groups:").locator("select").select_option(label="Year 7")
    widget(page, "dropdown", "Term:").locator("select").select_option(label="Summer")
    page.click("button:has-text('2nd half')")
    widget(page, "dropdown", "Stage:").locator("select").select_option(label="late")
    page.click("button:has-text('Add event')")


def test_add_an_event_and_see_it_drawn_listed_balanced_and_saved(page, store_voila, store_path):
    open_dashboard(page, store_voila, PLANNER)
    page.wait_for_selector(".js-plotly-plot .barlayer path", state="attached")
    assert "STEM Planner" in page.inner_text("body")
    assert_no_code_or_traceback(page)
    before = dict((name, n) for name, n, _ in page.evaluate(TRACES_JS))
    assert sum(before.values()) == 0  # an empty plan

    add_cycle_day(page)

    page.wait_for_function(
        """() => Array.from(document.querySelector('.js-plotly-plot').data)
            .some(t => t.name === 'Engineering' && t.theta && t.theta.length === 1)"""
    )
    traces = {name: (n, title) for name, n, title in page.evaluate(TRACES_JS)}
    assert traces["Engineering"] == (1, "Year 7 STEM Cycle Day")
    assert sum(n for n, _ in traces.values()) == 1
    # the list of events shows it (ipywidgets writes option labels with no-break spaces)
    page.wait_for_function("""() => Array.from(document.querySelectorAll('option'),
        o => o.textContent.replace(/\\u00a0/g, ' '))
        .includes('Summer 2, late · Y7 · Year 7 STEM Cycle Day (Engineering)')""")
    body = page.inner_text("body")
    assert "1 pupil events" in body  # the balance report counts it
    assert "Year 8 has no STEM event all year." in body
    assert_no_code_or_traceback(page)

    page.wait_for_selector("text=Saved at")  # the page says so once the store has it
    latest = Store(store_path).latest("plan", f"browser:{browser_key(page)}", planner.PLAN_NAME)
    saved = files.plan_from_json(json.dumps(latest.document))
    assert [(e.title, e.year_groups, e.term, e.half_term, e.stage) for e in saved.events] == [
        ("Year 7 STEM Cycle Day", (7,), "summer", 2, "late")
    ]
    # the JSON download link carries the same plan
    href = page.get_attribute("a[download='stem_plan.json']", "href")
    shown = json.loads(base64.b64decode(href.split(",", 1)[1]))
    assert shown["events"][0]["title"] == "Year 7 STEM Cycle Day"
    # the clock-face picture as PNG: the SVG link's picture (title, numbered key of event
    # names, no selection outline: tests/test_planner_widget.py), drawn by the browser at
    # twice its size; no camera button saving the page's own figure instead
    png_link = "a[download='stem_plan_clock_face.png'][href^='data:image/png;base64,']"
    page.wait_for_selector(png_link, state="attached")
    png = base64.b64decode(page.get_attribute(png_link, "href").split(",", 1)[1])
    svg = base64.b64decode(
        page.get_attribute("a[download='stem_plan_clock_face.svg']", "href").split(",", 1)[1]
    ).decode("utf-8")
    assert ">1. Year 7 STEM Cycle Day (Summer 2, late; years 7)</text>" in svg
    width, height = (
        int(float(re.search(f' {a}="([0-9.]+)"', svg)[1])) for a in ("width", "height")
    )
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (2 * width, 2 * height)
    assert page.locator(".modebar-btn[data-title*='png']").count() == 0


def test_an_example_plan_draws_and_a_click_selects_an_event(page, store_voila):
    open_dashboard(page, store_voila, PLANNER)
    page.wait_for_selector(".js-plotly-plot .barlayer path", state="attached")
    page.locator("select:has(option:text-is('Rushey Mead School'))").select_option(
        label="Rushey Mead School"
    )
    page.wait_for_function(f"() => ({BARS_JS})() > 9")
    page.wait_for_selector("text=Opened the example plan for Rushey Mead School: 9 events.")
    # "Draw a scientist" is year 7's only science event in autumn 1 (early)
    science = page.evaluate("""() => Array.from(document.querySelector('.js-plotly-plot').data)
        .findIndex(t => t.name === 'Science')""")
    bar = page.locator(f".js-plotly-plot .barlayer .trace:nth-child({science + 1}) path").first
    title = widget(page, "text", "Title:").locator("input")
    page.wait_for_selector("text=Opened the example plan")  # sent after the redraw
    for attempt in range(3):  # a click that lands while plotly redraws is lost: click again
        bar.click(force=True)
        try:
            page.wait_for_function(
                "(el) => el.value.length > 0", arg=title.element_handle(), timeout=15_000
            )
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    assert title.input_value() == "Draw a scientist (science induction)"
    assert_no_code_or_traceback(page)


def test_a_broken_plan_file_is_explained_and_the_survey_meets_the_plan(page, store_voila, tmp_path):
    open_dashboard(page, store_voila, PLANNER)
    page.wait_for_selector(".js-plotly-plot .barlayer path", state="attached")
    page.locator("select:has(option:text-is('Bradfield School, Sheffield'))").select_option(
        label="Bradfield School, Sheffield"
    )
    page.wait_for_selector(
        "text=Opened the example plan for Bradfield School, Sheffield: 18 events."
    )
    broken = tmp_path / "future_plan.json"
    broken.write_text(json.dumps({"schema_version": 2, "events": []}), encoding="utf-8")
    with page.expect_file_chooser() as chooser:  # as a person reaches it (see test_upload_download)
        page.click(".ks3-planner-upload")
    chooser.value.set_files(str(broken))
    page.wait_for_selector("text=future_plan.json could not be opened")
    assert "this planner reads schema_version 1 only" in page.inner_text("body")
    # the plan on screen is still Bradfield's: its 18 events make more than 18 bars
    page.wait_for_function(f"() => ({BARS_JS})() > 18")
    page.click("button:has-text('Compare with the survey')")
    page.wait_for_selector("text=only gaps and falls whose 95% interval excludes 0 are shown")
    text = page.inner_text("body")
    assert "Showing the synthetic sample" in text
    assert "girls' consideration of engineering careers is" in text
    assert_no_code_or_traceback(page)


def test_two_browsers_never_see_each_others_plan_and_a_reload_opens_the_latest(browser, tmp_path):
    """Two browsers (two contexts: their own localStorage) on one server that preheats
    (as scripts/start does on the sample: each page was run before anyone opened it);
    a reload."""
    store_path = tmp_path / "store.sqlite"
    preheated = serve_with_store(store_path, preheat=1)
    contexts = [browser.new_context(viewport={"width": 1280, "height": 800}) for _ in "ab"]
    try:
        ann, bob = (context.new_page() for context in contexts)
        for one in (ann, bob):
            one.set_default_timeout(PAGE_TIMEOUT_MS)
        open_dashboard(ann, preheated, PLANNER)
        ann.wait_for_selector(".js-plotly-plot .barlayer path", state="attached")
        add_cycle_day(ann, "Ann's cycle day")
        ann.wait_for_selector("text=Saved at")
        add_cycle_day(ann, "Ann's second day")
        ann.wait_for_selector("text=(version 2)")

        open_dashboard(bob, preheated, PLANNER)
        bob.wait_for_selector(".js-plotly-plot .barlayer path", state="attached")
        bob.wait_for_function(f"() => ({BARS_JS})() === 0")
        assert browser_key(bob) and browser_key(bob) != browser_key(ann)
        assert "Ann" not in bob.inner_text("body") and "Open it" not in bob.inner_text("body")
        add_cycle_day(bob, "Bob's day")
        bob.wait_for_selector("text=Saved at")
        assert "Ann" not in bob.inner_text("body")

        ann.reload()  # the offer is made on arrival and opens the latest saved state
        ann.wait_for_selector("text=saved plan is here")
        assert "(version 2)" in ann.inner_text("body") and "Bob" not in ann.inner_text("body")
        ann.click("button:has-text('Open it')")
        ann.wait_for_selector("text=Opened the saved plan (version 2): 2 events.")
        ann.wait_for_function(f"() => ({BARS_JS})() > 0")
        ann.wait_for_function("""() => Array.from(document.querySelectorAll('option'),
            o => o.textContent).filter(t => t.includes("Ann's")).length === 2""")
        owners = Store(store_path).owners("plan")
        assert {f"browser:{browser_key(ann)}", f"browser:{browser_key(bob)}"} <= set(owners)
        assert str(store_path.parent) not in ann.inner_text("body")  # no server path
        assert_no_code_or_traceback(ann)
    finally:
        for context in contexts:
            context.close()
        preheated.stop()


#: The focused element is the control of the widget whose own label says ``label``.
FOCUSED_LABELLED_JS = """(label) => { const el = document.activeElement;
    const w = el && el.closest('.jupyter-widgets');
    const l = w && w.querySelector(':scope > label');
    return !!l && l.textContent.trim() === label && el.matches('input, select, textarea'); }"""
#: The focused element is an enabled button saying ``text``.
FOCUSED_BUTTON_JS = """(text) => { const el = document.activeElement;
    return !!el && el.tagName === 'BUTTON' && !el.disabled
        && el.textContent.trim() === text; }"""
#: Option labels of the list of events (no-break spaces as spaces).
LISTED_JS = """() => Array.from(
    document.querySelectorAll('.ks3-label-hidden select:not([multiple]) option'),
    o => o.textContent.replace(/\\u00a0/g, ' '))"""


def tab_to(page, predicate: str, arg: str, most: int = 120, back: bool = False) -> None:
    """Press Tab (Shift+Tab if ``back``) until ``predicate(arg)`` holds for the focused
    element; fail if it does not within ``most`` presses: it is out of keyboard reach."""
    for _ in range(most):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate(predicate, arg):
            return
    pytest.fail(f"{arg!r} cannot be reached with the Tab key ({most} presses)")


def test_add_edit_and_select_an_event_with_the_keyboard_only(page, store_voila):
    """No click, no fill: Tab, typing, arrows, Space and Enter, as a keyboard user works."""
    open_dashboard(page, store_voila, PLANNER)
    page.wait_for_selector(".js-plotly-plot .barlayer path", state="attached")
    if page.locator("button:has-text('Start afresh')").count():  # an autosave from before
        tab_to(page, FOCUSED_BUTTON_JS, "Start afresh")
        page.keyboard.press("Enter")
    before = len(page.evaluate(LISTED_JS))

    tab_to(page, FOCUSED_LABELLED_JS, "Title:")
    page.keyboard.type("Keyboard STEM day")
    tab_to(page, FOCUSED_LABELLED_JS, "Subjects:")
    page.keyboard.type("Engineering")  # a list box selects the option typed
    tab_to(page, FOCUSED_LABELLED_JS, "Year groups:")
    page.keyboard.type("Year 8")
    tab_to(page, FOCUSED_LABELLED_JS, "Term:")
    page.keyboard.type("Spring")
    tab_to(page, FOCUSED_BUTTON_JS, "2nd half")
    page.keyboard.press("Space")
    tab_to(page, FOCUSED_BUTTON_JS, "Add event")
    page.keyboard.press("Enter")
    added = "Spring 2, middle · Y8 · Keyboard STEM day (Engineering)"
    page.wait_for_function(f"() => ({LISTED_JS})().includes({added!r})")
    assert len(page.evaluate(LISTED_JS)) == before + 1

    # clear the form, select the event in the list with the arrows: the form fills again
    title = widget(page, "text", "Title:").locator("input")
    tab_to(page, FOCUSED_BUTTON_JS, "Clear form")
    page.keyboard.press("Enter")
    page.wait_for_function("(el) => el.value === ''", arg=title.element_handle())
    page.wait_for_selector("button:has-text('Save changes')[disabled]")
    tab_to(page, FOCUSED_LABELLED_JS, "All events")
    page.keyboard.press("Home")
    for _ in range(len(page.evaluate(LISTED_JS))):
        if (
            page.evaluate(
                "() => document.activeElement.selectedOptions[0]?.textContent"
                ".replace(/\\u00a0/g, ' ')"
            )
            == added
        ):
            break
        page.keyboard.press("ArrowDown")
    page.wait_for_function("(el) => el.value === 'Keyboard STEM day'", arg=title.element_handle())
    page.wait_for_selector("button:has-text('Save changes'):not([disabled])")
    # back up to the title, change it and save
    tab_to(page, FOCUSED_LABELLED_JS, "Title:", back=True)
    page.keyboard.press("End")
    page.keyboard.type(" (edited)")
    tab_to(page, FOCUSED_BUTTON_JS, "Save changes")
    page.keyboard.press("Enter")
    edited = "Spring 2, middle · Y8 · Keyboard STEM day (edited) (Engineering)"
    page.wait_for_function(f"() => ({LISTED_JS})().includes({edited!r})")
    listed = page.evaluate(LISTED_JS)
    assert added not in listed and len(listed) == before + 1
    assert_no_code_or_traceback(page)
