"""Uploading files through the served page, and downloading the chart's table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import schema
from dashboards import data

from .conftest import open_dashboard, wait_for_chart
from .test_dashboards import FAVOURITES, assert_no_code_or_traceback, chart_shares

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
EXPORT = SAMPLE / "example_export.csv"
CODEBOOK = SAMPLE / "example_export_codebook.yml"
TITLE_JS = "() => document.querySelector('.js-plotly-plot').layout.title.text"


def choose(page, button: str, files) -> None:
    """Press an upload button and pick ``files`` in the file chooser it opens.

    (ipywidgets 8 keeps the FileUpload's ``<input type=file>`` out of the
    document, so it is reached through the chooser, as a person reaches it.)
    """
    with page.expect_file_chooser() as chooser:
        page.click(button)
    chooser.value.set_files(files)


def upload(page, files, codebook=None) -> None:
    """Choose files in the page's upload buttons and press 'Use these files'."""
    choose(page, ".ks3-upload-files", files)
    page.wait_for_selector(f".ks3-upload-files:has-text('({len(files)})')")
    if codebook is not None:
        choose(page, ".ks3-upload-codebook", codebook)
        page.wait_for_selector(".ks3-upload-codebook:has-text('(1)')")
    page.click("button:has-text('Use these files')")


def test_upload_export_with_codebook_then_a_broken_file(page, voila, tmp_path):
    open_dashboard(page, voila, FAVOURITES)
    wait_for_chart(page)
    before = chart_shares(page)
    assert set(before["wave"]) == {1, 2}

    upload(page, [EXPORT], CODEBOOK)
    page.wait_for_selector("text=Showing your data: example_export.csv")
    page.wait_for_function("() => Array.from(document.querySelector('.js-plotly-plot').data)"
                           ".every(t => t.meta.wave === 2)")
    wait_for_chart(page)
    mine = chart_shares(page)
    assert set(mine["wave"]) == {2}  # the export holds wave 2 only
    # independently: share who ticked Maths among those who answered, by year group
    raw = pd.read_csv(EXPORT, encoding="cp1252")
    year = raw["Pupil\u2019s year"].str.extract(r"(\d+)")[0].astype(int)
    maths = pd.to_numeric(raw["Fav Maths"], errors="coerce").where(lambda s: s >= 0)
    for year_group, share in maths.groupby(year).mean().items():
        shown = mine[(mine["year_group"] == year_group) & (mine["label"] == "Maths")]["share"]
        assert shown.item() == pytest.approx(share, rel=1e-12)
    assert "Showing the synthetic sample" not in page.inner_text("body")

    broken = tmp_path / "not_a_survey.csv"
    broken.write_text("name,score\nAlice,3\nBob,4\n", encoding="utf-8")
    upload(page, [broken])
    page.wait_for_selector("text=These files could not be used")
    text = page.inner_text("body")
    assert "not_a_survey.csv" in text
    assert "Showing your data: example_export.csv" in text  # the note stays
    pd.testing.assert_frame_equal(chart_shares(page), mine)  # and so does the chart
    assert_no_code_or_traceback(page)


def test_csv_download_is_the_table_the_chart_shows(page, voila):
    open_dashboard(page, voila, FAVOURITES)
    wait_for_chart(page)
    with page.expect_download() as info:
        page.click("a:has-text('Download table (CSV)')")
    download = info.value
    assert download.suggested_filename == "favourite_subjects.csv"
    got = pd.read_csv(download.path(), encoding="utf-8-sig")
    assert list(got.columns) == ["wave", "year_group", "item", "label", "n", "count", "share"]
    # independently, from the sample's pupil rows with plain pandas
    table = data.survey(data.DataSource(data.SAMPLE_FILES, None, True)).table
    assert len(got) == 4 * len(schema.block("favourite").columns)
    for row in got.itertuples():
        cell = table[(table["wave"] == row.wave) & (table["year_group"] == row.year_group)]
        answered = cell[row.item].dropna().astype(float)
        assert (row.n, row.count) == (len(answered), answered.sum())
        assert row.share == pytest.approx(answered.mean(), rel=1e-12)
    np.testing.assert_allclose(  # and the chart shows the same shares
        got.sort_values(["wave", "year_group", "label"])["share"].to_numpy(),
        chart_shares(page)["share"].to_numpy(), rtol=1e-12)

    page.click("button:has-text('Girls')")
    page.wait_for_function(f"() => ({TITLE_JS})().includes('girls')")
    page.wait_for_selector("a[download='favourite_subjects_girls.csv']", state="attached")
    with page.expect_download() as info:
        page.click("a:has-text('Download table (CSV)')")
    girls = pd.read_csv(info.value.path(), encoding="utf-8-sig")
    assert info.value.suggested_filename == "favourite_subjects_girls.csv"
    assert set(girls["gender"]) == {"girl"}
    np.testing.assert_allclose(girls.sort_values(["wave", "year_group", "label"])["share"],
                               chart_shares(page)["share"], rtol=1e-12)


def test_chart_image_button_names_the_png(page, voila):
    open_dashboard(page, voila, FAVOURITES)
    wait_for_chart(page)
    options = page.evaluate(
        "() => document.querySelector('.js-plotly-plot')._context.toImageButtonOptions")
    assert options == {"format": "png", "filename": "favourite_subjects", "scale": 2}
