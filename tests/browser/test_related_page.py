"""The Related items page as served: any item by another's answer, with a filter; its
figures are the pupils' (plain pandas), in the chart's data table and sentence."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import schema
from dashboards import data

from .conftest import open_dashboard, wait_for_chart
from .test_dashboards import assert_no_code_or_traceback, choose

pytestmark = pytest.mark.browser


def shares(where: dict) -> pd.Series:
    """Share considering a science career by answer to 'I enjoy science': plain pandas."""
    pupils = data.survey(data.DataSource(data.SAMPLE_FILES, None, True)).table
    for column, value in where.items():
        pupils = pupils[pupils[column] == value]
    pupils = pupils.dropna(subset=["consider_science", "enjoy_science"])
    return pupils.groupby(pupils["enjoy_science"].astype(int))["consider_science"].mean()


def table_text(page) -> str:
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    return page.inner_text(".ks3-chart-text table")


def test_related_page_shows_the_pupils_shares_and_redraws_for_a_filter(page, voila):
    open_dashboard(page, voila, "related.ipynb")
    wait_for_chart(page)
    page.wait_for_selector("text=Rao-Scott corrected chi-square")
    labels = schema.scale_codes("agreement")
    text = table_text(page)
    for code, share in shares({}).items():
        assert f"{labels[code]}\t{100 * share:.1f}" in text
    choose(page, "Gender", "Girls")
    girls = shares({"gender": "girl"})
    first = f"{labels[1]}\t{100 * girls[1]:.1f}"
    # the redrawn table is in a closed <details> again: open it, then read it
    page.wait_for_function(
        "want => { document.querySelectorAll('details').forEach(d => { d.open = true; });"
        " const t = document.querySelector('.ks3-chart-text table');"
        " return t && t.innerText.includes(want); }",
        arg=first,
    )
    text = table_text(page)
    for code, share in girls.items():
        assert f"{labels[code]}\t{100 * share:.1f}" in text
    assert_no_code_or_traceback(page)
