"""WCAG 2.2 AA in every page: axe-core run in the research server's pages, the
published server's and the static site's, and the keyboard alone.

axe-core (npm, :data:`conftest.AXE_JS`) checks each page once its chart is
drawn and every "Data table" is opened (a closed ``<details>`` is not
checked); a critical or serious finding fails the test, naming the page, the
rule and the elements.
"""

from __future__ import annotations

import re

import pytest

from .conftest import assert_accessible, open_dashboard, wait_for_chart

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


#: The focused element and its focus indicator as drawn.
FOCUSED_JS = """() => { const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    return {what: el.tagName + ' ' + (el.textContent || el.value || '').trim().slice(0, 40),
            style: style.outlineStyle, width: parseFloat(style.outlineWidth),
            colour: style.outlineColor}; }"""


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a CSS ``rgb()``/``rgba()`` colour."""
    r, g, b = (float(v) / 255 for v in re.findall(r"[\d.]+", colour)[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def assert_focus_visible(page, where: str, stops: int = 60) -> int:
    """Tab through the page (up to ``stops`` times): every control focused shows a solid
    outline at least 2 px wide with at least 3:1 contrast against the white page
    (WCAG 2.2, 2.4.7 and 2.4.13). Returns how many controls were checked."""
    seen = 0
    for _ in range(stops):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is None:
            continue
        seen += 1
        contrast = 1.05 / (_luminance(focused["colour"]) + 0.05)
        assert focused["style"] != "none" and focused["width"] >= 2 and contrast >= 3, (
            f"{where}: no visible focus indicator on {focused['what']!r}: {focused}"
        )
    return seen


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
        assert assert_focus_visible(page, f"static site, {path.name}", stops=20) > 3
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
