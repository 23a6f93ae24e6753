"""Charts take their container's width whenever the container gets it.

The race behind charts drawn 700 px wide (plotly's default) on a busy
machine, made to happen every time: an init script gives the page's content
no width (it is not displayed) until the first chart has
been drawn, as when a chart is drawn into a container not yet on the page.
Then the content gets its width, and every chart must follow it: on the live
dashboards (plotly's mime renderer in an Output, and the Planner's
FigureWidget), on the published server and on the static site.
"""

from __future__ import annotations

import pytest

from test_static_site import sample_site

from .conftest import FITTED_JS, WIDTHS_JS, open_dashboard, wait_for_chart

pytestmark = pytest.mark.browser

#: Before the page's own scripts: its content is not displayed (so has no width)
#: until the test removes the style ``#ks3-late``, as when a chart is drawn into
#: a container not yet on the page. Added as soon as the parser makes ``<head>``.
LATE_WIDTH = """(() => {
  const hide = () => {
    const style = document.createElement('style');
    style.id = 'ks3-late';
    style.textContent = '.jp-Cell-outputArea, main { display: none !important; }';
    document.head.appendChild(style);
  };
  new MutationObserver((_, observer) => {
    if (document.head) { observer.disconnect(); hide(); }
  }).observe(document, {childList: true, subtree: true});
})();"""
VIEWPORT = {"width": 1280, "height": 900}


def assert_charts_follow_their_container(page) -> None:
    """With the content given no width, the chart is drawn at a width that is not
    its container's (the race happens); once the content gets its width, every chart
    fits it."""
    wait_for_chart(page)
    before = page.evaluate(WIDTHS_JS)
    # the race, forced: drawn while its container had no width
    assert before and all(c["container"] == 0 for c in before), before
    page.evaluate("() => document.getElementById('ks3-late').remove()")
    # event-driven: fails only if no chart ever resizes to its container
    page.wait_for_function(FITTED_JS, timeout=30_000)
    for chart in page.evaluate(WIDTHS_JS):
        assert chart["container"] >= 0.6 * VIEWPORT["width"], chart


@pytest.mark.parametrize("notebook", ["subjects.ipynb", "gender_gaps.ipynb", "planner.ipynb"])
def test_live_charts_take_their_containers_width_when_it_comes_late(page, voila, notebook):
    page.set_viewport_size(VIEWPORT)
    page.add_init_script(LATE_WIDTH)
    open_dashboard(page, voila, notebook)
    assert_charts_follow_their_container(page)


def test_published_chart_takes_its_containers_width_when_it_comes_late(page, published):
    page.set_viewport_size(VIEWPORT)
    page.add_init_script(LATE_WIDTH)
    open_dashboard(page, published, "subjects.ipynb")
    assert_charts_follow_their_container(page)


def test_static_site_chart_takes_its_containers_width_when_it_comes_late(page):
    """A guard: on the static site (plotly.js in the page, ``responsive``) this
    passed before the shared sizing script too; the live pages failed."""
    site = sample_site()
    page.set_viewport_size(VIEWPORT)
    page.add_init_script(LATE_WIDTH)
    page.goto((site / "subjects.html").as_uri())
    assert_charts_follow_their_container(page)
    # the page's column narrows with no window resize (a style, a side panel):
    # the charts follow it too
    page.evaluate("() => { document.querySelector('main').style.maxWidth = '800px'; }")
    page.wait_for_function(
        FITTED_JS.replace("c.container > 600", "c.container > 600 && c.container <= 800"),
        timeout=30_000,
    )


def test_charts_follow_a_viewport_made_narrow_then_wide(page, voila):
    """A reader who widens the window gets a wider chart, and a narrower one on narrowing."""
    page.set_viewport_size({"width": 700, "height": 900})
    open_dashboard(page, voila, "subjects.ipynb")
    wait_for_chart(page)
    page.wait_for_function(
        FITTED_JS.replace("c.container > 600", "c.container > 300"), timeout=30_000
    )
    page.set_viewport_size(VIEWPORT)
    page.wait_for_function(FITTED_JS, timeout=30_000)
