"""WCAG 2.2 AA in every page: axe-core run in the research server's pages, the
published server's and the static site's, and the keyboard alone.

axe-core (npm, :data:`conftest.AXE_JS`) checks each page once its chart is
drawn and every "Data table" is opened (a closed ``<details>`` is not
checked); a critical or serious finding fails the test, naming the page, the
rule and the elements.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import assert_accessible, open_dashboard, wait_for_chart
from .test_planner import FOCUSED_LABELLED_JS, tab_to

SUBJECTS = "subjects.ipynb"
#: The file name of the Subjects page's first chart (no extension).
FIRST_VIEW = "subjects_favourite_share_by_year_group"

#: Every page of the research server (``scripts/start``).
RESEARCH_PAGES = (
    "index.ipynb",
    "subjects.ipynb",
    "careers.ipynb",
    "enrichment.ipynb",
    "gender_gaps.ipynb",
    "waves.ipynb",
    "related.ipynb",
    "my_school.ipynb",
    "planner.ipynb",
    "manager.ipynb",
)
#: Pages without a chart.
NO_CHART = ("index.ipynb",)
OPEN_DETAILS_JS = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"
#: The entries of every chart's menu (plotly's modebar), by their accessible names.
MENU_JS = "() => Array.from(document.querySelectorAll('.modebar-btn'), b => b.ariaLabel)"
#: The one entry a chart's menu may hold (dashboards.downloads.CHART_CONFIG).
PNG_ENTRY = "Download plot as a PNG"
#: The page's live region(s): role, politeness and text.
LIVE_JS = """() => Array.from(document.querySelectorAll('[aria-live]'), r =>
    ({role: r.getAttribute('role'), live: r.ariaLive, text: r.textContent}))"""
#: The summary sentences displayed (a chart's ``.ks3-summary``).
SUMMARIES_JS = """() => Array.from(document.querySelectorAll('.ks3-summary'))
    .filter(s => s.getClientRects().length).map(s => s.textContent.trim())"""


#: The focused element and its focus indicator as drawn.
FOCUSED_JS = """() => { const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    return {what: el.tagName + ' ' + (el.textContent || el.value || '').trim().slice(0, 40),
            style: style.outlineStyle, width: parseFloat(style.outlineWidth),
            colour: style.outlineColor}; }"""


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a CSS ``rgb()``/``rgba()`` colour, a translucent one as
    drawn over the white page."""
    values = [float(v) for v in re.findall(r"[\d.]+", colour)[:4]]
    alpha = values[3] if len(values) == 4 else 1.0
    r, g, b = ((alpha * v + (1 - alpha) * 255) / 255 for v in values[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def assert_focus_visible(page, where: str, stops: int = 400) -> int:
    """Tab through the whole page, every control once (until the focus comes back to the
    first control focused, or ``stops`` presses): every control focused shows a solid
    outline at least 2 px wide with at least 3:1 contrast against the white page
    (WCAG 2.2, 2.4.7 and 2.4.13). Returns how many controls were checked."""
    seen = 0
    page.evaluate("() => { window.ks3FirstFocused = null; }")
    for _ in range(stops):
        page.keyboard.press("Tab")
        if page.evaluate(
            "() => { const el = document.activeElement; if (!el || el === document.body) "
            "return false; if (window.ks3FirstFocused === el) return true; "
            "window.ks3FirstFocused = window.ks3FirstFocused || el; return false; }"
        ):
            break
        seen += assert_focused_visible(page, where)
    return seen


def assert_focused_visible(page, where: str) -> bool:
    """The control that has the focus (if any: returns whether one has) shows a solid
    outline at least 2 px wide with at least 3:1 contrast against the white page."""
    focused = page.evaluate(FOCUSED_JS)
    if focused is None:
        return False
    contrast = 1.05 / (_luminance(focused["colour"]) + 0.05)
    assert focused["style"] != "none" and focused["width"] >= 2 and contrast >= 3, (
        f"{where}: no visible focus indicator on {focused['what']!r}: {focused}"
    )
    return True


def assert_menus_do_something(page, where: str, charts: bool = True) -> None:
    """Every entry of every chart's menu is the PNG download (nothing that does nothing);
    a page with a chart has one."""
    menu = page.evaluate(MENU_JS)
    assert set(menu) <= {PNG_ENTRY}, f"{where}: chart menu entries {menu}"
    if charts:
        assert menu, f"{where}: no chart menu, so no PNG download"


def _ready(page, notebook: str) -> None:
    if notebook not in NO_CHART:
        wait_for_chart(page)
    else:
        page.wait_for_selector(".ks3-source", state="attached")
    page.evaluate(OPEN_DETAILS_JS)


@pytest.mark.parametrize("notebook", RESEARCH_PAGES)
def test_research_pages_pass_axe(voila, page, notebook):
    open_dashboard(page, voila, notebook)
    _ready(page, notebook)
    assert_accessible(page, f"research server, {notebook}")
    assert_menus_do_something(page, notebook, charts=notebook not in NO_CHART)
    assert assert_focus_visible(page, f"research server, {notebook}") > 3


def test_published_pages_pass_axe(published, page):
    notebooks = sorted(p.name for p in published.root.glob("*.ipynb"))
    assert "subjects.ipynb" in notebooks and "index.ipynb" in notebooks, notebooks
    for notebook in notebooks:
        open_dashboard(page, published, notebook)
        _ready(page, notebook)
        assert_accessible(page, f"published server, {notebook}")


def test_static_site_pages_pass_axe(page):
    from test_static_site import sample_site

    site = sample_site()
    pages = sorted(site.glob("*.html"))
    assert len(pages) >= 3, pages
    for path in pages:
        page.goto(path.as_uri())
        if page.locator(".plot").count():
            wait_for_chart(page)
        page.evaluate(OPEN_DETAILS_JS)
        assert_accessible(page, f"static site, {path.name}")
        assert_menus_do_something(page, path.name, charts=bool(page.locator(".plot").count()))
        assert assert_focus_visible(page, f"static site, {path.name}") > 3
    # the data table shown is the chosen figure's: another choice, another table
    page.goto((site / "subjects.html").as_uri())
    wait_for_chart(page)
    page.select_option("#chart-1-choice-3", label="Girls")  # gender
    page.wait_for_function(
        "() => document.querySelector('#chart-1 .plot').layout.title.text.includes('Girls')"
    )
    shown = page.locator("#chart-1 .chart-text:not([hidden])")
    assert shown.count() == 1
    assert "Girls" in shown.locator("caption").text_content()  # in the closed <details>
    assert "Girls" in shown.locator("p").first.inner_text()
    # ... and the page's live region says so
    summary = shown.locator(".ks3-summary").inner_text()
    page.wait_for_function(f"() => ({LIVE_JS})()[0].text === {'Updated: ' + summary!r}")


def test_chart_download_from_the_keyboard(voila, page):
    """Tab reaches the chart's menu, which shows while it has the focus; Enter downloads
    the chart as a PNG named after what it shows."""
    open_dashboard(page, voila, SUBJECTS)
    wait_for_chart(page)
    # the camera is drawn at 3:1 or more against the white chart (WCAG 1.4.11), not faint
    fill = page.evaluate("() => getComputedStyle(document.querySelector('.modebar-btn path')).fill")
    assert 1.05 / (_luminance(fill) + 0.05) >= 3, fill
    tab_to(page, "(name) => document.activeElement.ariaLabel === name", PNG_ENTRY)
    assert page.evaluate("() => document.activeElement.matches('.modebar-btn')")
    # shown (plotly fades the menu in over 0.3 s), and outlined like every control
    page.wait_for_function(
        "() => getComputedStyle(document.activeElement.closest('.modebar-group')).opacity === '1'"
    )
    assert assert_focused_visible(page, SUBJECTS)
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    assert info.value.suggested_filename == f"{FIRST_VIEW}.png"
    assert Path(info.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_live_region_says_the_new_summary(voila, page):
    """One polite status region; changing a filter from the keyboard makes it say the
    chart's new summary, and the page stays free of axe findings."""
    open_dashboard(page, voila, SUBJECTS)
    wait_for_chart(page)
    page.wait_for_selector(".ks3-summary", state="attached")
    assert page.evaluate(LIVE_JS) == [{"role": "status", "live": "polite", "text": ""}]
    before = page.evaluate(SUMMARIES_JS)
    assert len(before) == 1 and "all pupils" in before[0], before
    tab_to(page, FOCUSED_LABELLED_JS, "Gender")
    page.keyboard.press("ArrowDown")  # All -> Boys
    page.wait_for_function(
        f"() => {{ const now = ({SUMMARIES_JS})()[0];"
        f" return now !== {before[0]!r} && ({LIVE_JS})()[0].text === 'Updated: ' + now; }}"
    )
    assert "Boys" in page.evaluate(SUMMARIES_JS)[0]
    assert_accessible(page, "Subjects after a change")
