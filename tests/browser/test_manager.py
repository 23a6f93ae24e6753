"""The STEM Manager as a STEM lead uses it (real Voilà, headless Chromium): set statuses,
see the hexagon and the scores change, reload and find the review, download the action plan."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from analysis.store import Store

from .conftest import (
    PAGE_TIMEOUT_MS,
    browser_key,
    open_dashboard,
    wait_for_chart,
)
from .test_dashboards import assert_no_code_or_traceback

pytestmark = pytest.mark.browser

MANAGER = "manager.ipynb"
#: The hexagon's in-place shares, theme by theme, as the page's plotly chart holds them.
IN_PLACE_JS = """() => {
  const plot = Array.from(document.querySelectorAll('.js-plotly-plot'))
    .find(p => p.data && p.data.some(t => t.type === 'barpolar'));
  const trace = plot && plot.data.find(t => t.meta && t.meta.status === 'in_place');
  return trace ? Array.from(trace.r) : null;
}"""


def action(page, action_id: str):
    return page.locator(f".ks3-action-{action_id.replace('.', '-')}")


def choose_status(page, action_id: str, label: str) -> None:
    action(page, action_id).locator(".widget-dropdown select").select_option(label=label)


def wait_in_place(page, index: int, share: float) -> None:
    page.wait_for_function(f"""() => {{ const r = ({IN_PLACE_JS})();
        return r && Math.abs(r[{index}] - {share}) < 1e-9; }}""")


def test_review_a_theme_reload_and_download_the_action_plan(page, store_voila, store_path):
    open_dashboard(page, store_voila, MANAGER)
    wait_for_chart(page)
    assert "STEM Manager" in page.inner_text("body")
    assert page.evaluate(IN_PLACE_JS) == [0, 0, 0, 0, 0, 0]
    # the hexagon takes its height on the page (it was once drawn 0 px tall in its area,
    # invisible though every path of it was there)
    shown, drawn = page.evaluate("""() => {
      const plot = Array.from(document.querySelectorAll('.js-plotly-plot'))
        .find(p => p.data && p.data.some(t => t.type === 'barpolar'));
      return [plot.getBoundingClientRect().height, plot._fullLayout.height]; }""")
    assert drawn > 300 and shown >= drawn - 2, (shown, drawn)
    assert_no_code_or_traceback(page)

    # Leadership is open first: 15 actions; two in place make 2/15
    choose_status(page, "leadership.ethos.priorities", "In place")
    wait_in_place(page, 0, 1 / 15)
    choose_status(page, "leadership.dedicated.coordinator", "In place")
    wait_in_place(page, 0, 2 / 15)
    page.wait_for_selector("text=2 of 58 actions are in place")

    # Staff, chosen from the keyboard-reachable list: 9 actions
    page.click(".widget-toggle-buttons button:text-is('Staff')")
    action(page, "staff.cpd.careers").wait_for()
    choose_status(page, "staff.cpd.careers", "Planned")
    cpd = action(page, "staff.cpd.careers")
    cpd.locator(".widget-text input").fill("Head of science")
    cpd.locator(".widget-text input").press("Enter")
    cpd.locator("input[type='checkbox']").check()
    page.wait_for_selector("text=The action plan holds the 1 action")
    choose_status(page, "staff.working_group.set_up", "In place")
    wait_in_place(page, 1, 1 / 9)
    page.wait_for_selector("text=3 of 58 actions are in place")
    name = f"review {date.today().isoformat()}"
    # six changes, six versions: the last is saved once the page says so
    page.wait_for_selector(f"text=Saved {name} (version 6,")
    assert_no_code_or_traceback(page)

    # the store holds what the page shows
    saved = Store(store_path).latest("review", f"browser:{browser_key(page)}", name).document
    statuses = {e["action_id"]: e["status"] for e in saved["entries"]}
    assert statuses == {
        "leadership.ethos.priorities": "in_place",
        "leadership.dedicated.coordinator": "in_place",
        "staff.cpd.careers": "planned",
        "staff.working_group.set_up": "in_place",
    }
    assert str(store_path) not in page.inner_text("body")

    # the next day: reload, take the offer, find the review as it was
    page.reload()
    page.wait_for_selector("text=Your latest review is saved")
    wait_for_chart(page)
    page.click("button:has-text('Open it')")
    wait_in_place(page, 0, 2 / 15)
    wait_in_place(page, 1, 1 / 9)
    page.wait_for_selector("text=3 of 58 actions are in place")
    # (ipywidgets writes option labels with no-break spaces)
    selected = (
        action(page, "leadership.ethos.priorities")
        .locator("select")
        .evaluate("s => s.options[s.selectedIndex].text.replace(/\\u00a0/g, ' ')")
    )
    assert selected == "In place"

    # download the action plan, as a person does
    with page.expect_download() as info:
        page.click("a:has-text('Action plan (CSV)')")
    assert info.value.suggested_filename == "stem_action_plan.csv"
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text("utf-8-sig"))))
    assert [(r["theme"], r["action"], r["status"], r["owner"]) for r in rows] == [
        (
            "Staff",
            "CPD on careers and the labour market for STEM teachers",
            "Planned",
            "Head of science",
        )
    ]
    with page.expect_download() as info:
        page.click("a:has-text('Action plan (printable page)')")
    printable = Path(info.value.path()).read_text("utf-8")
    assert "<h2>Staff</h2>" in printable and "Head of science" in printable
    assert_no_code_or_traceback(page)


def test_two_browsers_never_see_each_others_review_and_a_reload_finds_your_own(
    browser, store_voila, store_path
):
    """Two visitors (two browser contexts: each its own localStorage, so its own
    ``ks3-browser-key``) on one server: neither is offered, nor shown, the other's review;
    a reload offers your own review as you left it."""
    contexts = [browser.new_context(viewport={"width": 1280, "height": 800}) for _ in "ab"]
    try:
        ann, bob = (context.new_page() for context in contexts)
        for one in (ann, bob):
            one.set_default_timeout(PAGE_TIMEOUT_MS)
        name = f"review {date.today().isoformat()}"

        open_dashboard(ann, store_voila, MANAGER)
        wait_for_chart(ann)
        school = ann.locator(".widget-text:has(label:text-is('School:')) input")
        school.fill("Ann's Academy")
        school.press("Enter")
        ann.wait_for_selector(f"text=Saved {name} (version 1,")
        choose_status(ann, "leadership.ethos.priorities", "In place")
        wait_in_place(ann, 0, 1 / 15)
        ann.wait_for_selector(f"text=Saved {name} (version 2,")

        open_dashboard(bob, store_voila, MANAGER)
        wait_for_chart(bob)
        assert browser_key(bob) and browser_key(bob) != browser_key(ann)
        assert bob.evaluate(IN_PLACE_JS) == [0, 0, 0, 0, 0, 0]
        shown = bob.inner_text("body")
        assert "Your latest review is saved" not in shown and "Open it" not in shown
        assert "Ann" not in shown
        assert bob.locator(".widget-text:has(label:text-is('School:')) input").input_value() == ""
        # nothing of Ann's in Bob's own list of saved reviews either
        assert (
            bob.locator(".widget-dropdown:has(label:text-is('Your saved reviews:')) option").count()
            == 0
        )
        bob.click(".widget-toggle-buttons button:text-is('Staff')")
        action(bob, "staff.working_group.set_up").wait_for()
        choose_status(bob, "staff.working_group.set_up", "In place")
        wait_in_place(bob, 1, 1 / 9)
        bob.wait_for_selector(f"text=Saved {name} (version 1,")
        assert "Ann" not in bob.inner_text("body")

        # Ann comes back: she is offered her own review, as she left it, not Bob's
        ann.reload()
        ann.wait_for_selector("text=Your latest review is saved")
        wait_for_chart(ann)
        assert "(version 2)" in ann.inner_text("body")
        ann.click("button:has-text('Open it')")
        wait_in_place(ann, 0, 1 / 15)
        wait_in_place(ann, 1, 0)
        assert (
            ann.locator(".widget-text:has(label:text-is('School:')) input").input_value()
            == "Ann's Academy"
        )

        store = Store(store_path)
        mine, theirs = (
            store.latest("review", f"browser:{browser_key(one)}", name).document
            for one in (ann, bob)
        )
        assert {e["action_id"] for e in mine["entries"]} == {"leadership.ethos.priorities"}
        assert {e["action_id"] for e in theirs["entries"]} == {"staff.working_group.set_up"}
        assert "Ann" not in json.dumps(theirs)
        assert_no_code_or_traceback(ann)
        assert_no_code_or_traceback(bob)
    finally:
        for context in contexts:
            context.close()


def test_a_click_on_the_hexagon_opens_its_theme(page, store_voila):
    """A click on a theme's segment opens it (an extra to the theme buttons), on the
    hexagon first drawn and on the one redrawn after the click."""
    open_dashboard(page, store_voila, MANAGER)
    wait_for_chart(page)
    selected = (
        "() => { const b = document.querySelector("
        "'.widget-toggle-buttons button.mod-active'); return b && b.textContent.trim(); }"
    )
    assert page.evaluate(selected) == "Leadership"

    def click_segment(theme: int) -> None:
        """Click the middle of a theme's outermost bar (not started: the whole segment)
        with the mouse, where plotly's drag layer over the bars takes it."""
        x, y = page.evaluate(
            """(i) => {
            const bar = document.querySelectorAll('.ks3-hexagon .barlayer .trace')[3]
                .querySelectorAll('.point path')[i];
            bar.scrollIntoView({block: 'center'});
            const r = bar.getBoundingClientRect();
            return [r.x + r.width / 2, r.y + r.height / 2]; }""",
            theme,
        )
        page.mouse.click(x, y)

    click_segment(1)
    action(page, "staff.cpd.careers").wait_for()
    page.wait_for_function(f"() => ({selected})() === 'Staff'")
    wait_for_chart(page)
    click_segment(4)  # the redrawn hexagon answers too
    action(page, "careers.status.coordinator").wait_for()
    page.wait_for_function(f"() => ({selected})() === 'Careers'")
    assert_no_code_or_traceback(page)


#: The focused element is the status dropdown of the action whose class ends in ``name``.
FOCUSED_STATUS_JS = """(name) => { const el = document.activeElement;
    return !!el && el.tagName === 'SELECT' && !!el.closest('.ks3-action-' + name); }"""


def test_score_a_theme_with_the_keyboard_only(page, store_voila):
    """No click, no select_option: a STEM lead opens a theme with Tab and Space and scores
    an action by typing its status into the focused dropdown; every control passed on the
    way shows its focus; the hexagon and the summary follow, and the page's live region
    says the new summary."""
    from .test_accessibility import LIVE_JS, assert_focused_visible
    from .test_planner import FOCUSED_BUTTON_JS, tab_to

    open_dashboard(page, store_voila, MANAGER)
    wait_for_chart(page)
    assert page.evaluate(IN_PLACE_JS) == [0, 0, 0, 0, 0, 0]
    tab_to(page, FOCUSED_BUTTON_JS, "Staff")
    page.keyboard.press("Space")
    action(page, "staff.cpd.careers").wait_for()
    for _ in range(20):
        page.keyboard.press("Tab")
        assert_focused_visible(page, "Manager, the Staff theme")
        if page.evaluate(FOCUSED_STATUS_JS, "staff-cpd-careers"):
            break
    else:
        pytest.fail("Tab never reached the status of the Staff theme's first action")
    page.keyboard.type("In place")
    wait_in_place(page, 1, 1 / 9)
    summary = page.locator(".ks3-manager-summary")
    summary.filter(has_text="1 of 58 actions are in place").wait_for()
    page.wait_for_function(
        f"(s) => ({LIVE_JS})()[0].text === 'Updated: ' + s.textContent.trim()",
        arg=summary.element_handle(),
    )
    assert_no_code_or_traceback(page)
