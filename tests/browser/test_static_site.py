"""The static site in headless Chromium, opened from ``file://``: no request leaves the site.

Every request the pages make is recorded (``page.on("request")``); each must
be a ``file://`` address inside the site's folder. The chart must be drawn by
the site's own plotly.js, answer a hover, and change when a ``<select>`` does,
with its summary and data table; the filters combine.
"""

from __future__ import annotations

from test_static_site import sample_site

from .conftest import wait_for_chart


def _record(page) -> list[str]:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    return requests


def _plotted(page, chart: str) -> dict:
    return page.evaluate(
        """(id) => { const plot = document.querySelector('#' + id + ' .plot');
                    return {title: plot.layout.title.text,
                            x: plot.data.filter(t => t.meta && t.meta.kind === 'share')
                                        .map(t => Array.from(t.x))}; }""",
        chart,
    )


def test_static_site_draws_changes_and_asks_no_other_host(page):
    site = sample_site()
    requests = _record(page)
    page.goto((site / "index.html").as_uri())
    page.click("text=Subjects")
    page.wait_for_url("**/subjects.html")
    wait_for_chart(page)
    before = _plotted(page, "chart-1")
    assert "Favourite subjects" in before["title"] and len(before["x"]) == 2
    # hover over a dot: plotly's hover label appears
    box = page.locator("#chart-1 .scatterlayer .point").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#chart-1 .hoverlayer .hovertext", state="attached")
    # another group of pupils, two filters combined: a different figure is drawn,
    # and the summary and data table shown are that figure's
    page.select_option("#chart-1-choice-3", label="Girls")
    page.select_option("#chart-1-choice-2", label="Wave 2 (2010)")
    page.wait_for_function(
        "() => { const t = document.querySelector('#chart-1 .plot').layout.title.text;"
        "        return t.includes('Girls') && t.includes('wave 2'); }"
    )
    after = _plotted(page, "chart-1")
    assert after["x"] != before["x"]
    page.wait_for_selector("#chart-1 .gtitle >> text=/Girls/", state="attached")
    shown = page.locator("#chart-1 .chart-text:not([hidden])")
    assert shown.count() == 1
    assert "Girls" in shown.inner_text() and "wave 2" in shown.inner_text()
    for name in ("gaps", "waves"):
        page.goto((site / f"{name}.html").as_uri())
        page.wait_for_selector("#chart-1 .js-plotly-plot .main-svg", state="attached")
    page.goto((site / "subjects.html").as_uri())
    wait_for_chart(page)
    page.select_option("#chart-1-choice-3", label="Girls")
    assert requests, "the browser made no request at all?"
    outside = [u for u in requests if not u.startswith(site.as_uri() + "/")]
    assert not outside, f"requests outside the site: {outside}"
    assert any(u.endswith("/plotly.min.js") for u in requests)
