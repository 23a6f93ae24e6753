"""An upload serves the whole visit: files uploaded on one research page are shown by
every research page that browser opens, never by another browser's, until closed."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboards import visit

from .conftest import PAGE_TIMEOUT_MS, browser_key, open_dashboard, wait_for_chart
from .test_upload_download import CODEBOOK, EXPORT, upload

pytestmark = pytest.mark.browser

SUBJECTS, CAREERS = "subjects.ipynb", "careers.ipynb"
NOTE = "text=Showing your data: example_export.csv"


def test_an_upload_on_one_page_is_shown_on_the_next_in_that_browser_only(page, browser, voila):
    # independently of the loader: the export's schools and pupils, read with plain pandas
    raw = pd.read_csv(EXPORT, encoding="cp1252")
    schools, pupils = raw["School"].nunique(), len(raw)

    open_dashboard(page, voila, SUBJECTS)
    wait_for_chart(page)
    upload(page, [EXPORT], CODEBOOK)
    page.wait_for_selector(NOTE)
    page.wait_for_selector("text=Every research page you open in this browser shows them")

    careers = page.context.new_page()  # the same browser, another research page
    careers.set_default_timeout(PAGE_TIMEOUT_MS)
    open_dashboard(careers, voila, CAREERS)
    careers.wait_for_selector(NOTE)
    text = careers.inner_text("body")
    assert f"wave 2: {pupils:,} pupils in {schools} schools" in text
    # the loader's notes, where the data are described
    assert "1 column not part of the survey left out: Form" in text
    assert "no columns of 6 question blocks" in text
    assert "Showing the synthetic sample" not in text
    assert visit.visits_dir().as_posix() not in careers.content()  # no server path shown

    other = browser.new_context(viewport={"width": 1280, "height": 800})  # another browser
    try:
        stranger = other.new_page()
        stranger.set_default_timeout(PAGE_TIMEOUT_MS)
        open_dashboard(stranger, voila, CAREERS)
        wait_for_chart(stranger)
        stranger.wait_for_selector("text=Showing the synthetic sample")
        assert "example_export.csv" not in stranger.inner_text("body")
    finally:
        other.close()

    # closing deletes them from the server; the page shows the sample again
    kept = visit.VisitFiles(f"browser:{browser_key(careers)}")
    assert kept.read().names == (EXPORT.name,)
    careers.click("button:has-text('Close these files')")
    careers.wait_for_selector("text=Your files are closed and deleted from the server")
    careers.wait_for_selector("text=Showing the synthetic sample")
    assert kept.read() is None
    careers.close()
