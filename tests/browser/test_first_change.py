"""A filter changed the moment the first chart appears is not lost.

A viewer can pick a filter as soon as the page shows its chart. Subjects is
opened from a fresh kernel and from a preheated one (Voilà's
``preheat_kernel``: the kernel has run the notebook before the page asks for
it), the Gender dropdown is changed at once, twice in a row (Girls, then
Boys), with no pause after the chart is drawn, and the chart must end up
showing boys' shares, checked against plain pandas on the sample's pupil rows.
"""

from __future__ import annotations

import json
import time

import pytest


from .conftest import open_dashboard, serve, wait_for_chart
from .test_dashboards import assert_no_code_or_traceback
from .test_shares_dashboards import TITLE_JS, choose, drawn, sample_table  # noqa: F401

pytestmark = pytest.mark.browser

NOTEBOOK = "subjects.ipynb"


@pytest.fixture(scope="module")
def preheated():
    """Voilà on the sample with one kernel preheated for Subjects only."""
    pools = {"default": {"pool_size": 0}, NOTEBOOK: {"pool_size": 1}}
    server = serve(
        {"KS3_SURVEY_FILES": "", "KS3_SURVEY_CODEBOOK": ""},
        preheat=1,
        extra=[f"--VoilaKernelManager.kernel_pools_config={json.dumps(pools)}"],
    )
    yield server
    server.stop()


def wait_for_pool(server, timeout: float = 180) -> None:
    """Until Voilà says the notebook's preheated kernel has run it."""
    deadline = time.monotonic() + timeout
    while f"Kernel pool of {NOTEBOOK} is filled" not in server.read_log():
        assert time.monotonic() < deadline, "the preheated kernel never ran the notebook"
        time.sleep(0.3)


@pytest.mark.parametrize("kernel", ["fresh", "preheated"])
def test_a_filter_changed_as_the_chart_appears_is_followed(
    page,
    request,
    sample_table,  # noqa: F811
    kernel,
):
    server = request.getfixturevalue("voila" if kernel == "fresh" else "preheated")
    if kernel == "preheated":
        wait_for_pool(server)
    page.set_viewport_size({"width": 1280, "height": 1500})
    open_dashboard(page, server, NOTEBOOK)
    wait_for_chart(page)
    # no pause: the viewer picks Girls, then Boys, the moment the chart is there
    choose(page, "Gender", "Girls")
    choose(page, "Gender", "Boys")
    page.wait_for_function(f"() => ({TITLE_JS})().endsWith('Boys')", timeout=60_000)
    shown = drawn(page)
    boys = sample_table[sample_table["gender"] == "boy"]
    assert set(shown["group"]) == {7, 9}
    for row in shown.itertuples():
        answers = boys[boys["year_group"] == row.group][row.item].dropna()
        assert row.x == pytest.approx(100 * answers.mean(), rel=1e-9), row
    # the chart still follows a later change
    choose(page, "Gender", "All")
    page.wait_for_function(
        f"() => !({TITLE_JS})().includes('Boys') && ({TITLE_JS})()", timeout=60_000
    )
    everyone = drawn(page)
    maths7 = everyone[(everyone["group"] == 7) & (everyone["item"] == "favourite_maths")]
    year7 = sample_table[sample_table["year_group"] == 7]["favourite_maths"].dropna()
    assert maths7["x"].item() == pytest.approx(100 * year7.mean(), rel=1e-9)
    assert_no_code_or_traceback(page)
