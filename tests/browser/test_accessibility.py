"""WCAG 2.2 AA in every page: axe-core run in the research server's pages, the
published server's and the static site's, and the keyboard alone.

axe-core (npm, :data:`conftest.AXE_JS`) checks each page once its chart is
drawn and every "Data table" is opened (a closed ``<details>`` is not
checked); a critical or serious finding fails the test, naming the page, the
rule and the elements.
"""

from __future__ import annotations

import pytest

from .conftest import assert_accessible, open_dashboard, wait_for_chart

#: Every page of the research server (``scripts/start``).
RESEARCH_PAGES = ("index.ipynb", "subjects.ipynb", "careers.ipynb", "enrichment.ipynb",
                  "gender_gaps.ipynb", "waves.ipynb", "my_school.ipynb", "planner.ipynb")
#: Pages without a chart.
NO_CHART = ("index.ipynb",)
OPEN_DETAILS_JS = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"


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
