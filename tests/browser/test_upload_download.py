"""Uploading files through the served page, and downloading the chart and its table.

On the Subjects dashboard (its upload panel and download links are the page
frame's and the explorer's, shared by every dashboard of that kind).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from analysis import load, schema
from analysis.errors import SurveyDataError
from dashboards import data

from .conftest import open_dashboard, wait_for_chart
from .test_dashboards import (
    FAVOURITES,
    SUBJECTS,
    TITLE_JS,
    assert_chart_shows,
    assert_no_code_or_traceback,
    chart_shares,
    choose,
    should_hide,
    title_contains,
)

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
EXPORT = SAMPLE / "example_export.csv"
CODEBOOK = SAMPLE / "example_export_codebook.yml"
#: The file names of the first view's downloads and chart image (no extension).
FIRST_VIEW = "subjects_favourite_share_by_year_group"
#: The buttons of the "Compare" toggle, in words.
COMPARE_JS = (
    "() => Array.from(document.querySelectorAll('.widget-toggle-buttons button'), "
    "b => b.innerText.trim())"
)


@pytest.fixture(scope="module")
def sample_table():
    return data.survey(data.DataSource(data.SAMPLE_FILES, None, True)).table


def choose_files(page, button: str, files) -> None:
    """Press an upload button and pick ``files`` in the file chooser it opens.

    (ipywidgets 8 keeps the FileUpload's ``<input type=file>`` out of the
    document, so it is reached through the chooser, as a person reaches it.)
    """
    with page.expect_file_chooser() as chooser:
        page.click(button)
    chooser.value.set_files(files)


def upload(page, files, codebook=None) -> None:
    """Choose files in the page's upload buttons and press 'Use these files'."""
    choose_files(page, ".ks3-upload-files", files)
    page.wait_for_selector(f".ks3-upload-files:has-text('({len(files)})')")
    if codebook is not None:
        choose_files(page, ".ks3-upload-codebook", codebook)
        page.wait_for_selector(".ks3-upload-codebook:has-text('(1)')")
    page.click("button:has-text('Use these files')")


def export_favourites() -> pd.DataFrame:
    """The export's favourite-subject ticks by year group, read with plain pandas and the
    export's own column names ("Fav Maths"), its missing code -9 left out."""
    raw = pd.read_csv(EXPORT, encoding="cp1252")
    pupils = pd.DataFrame(
        {
            "year_group": raw["Pupil\u2019s year"].str.extract(r"(\d+)")[0].astype(int),
            "school_id": raw["School"],
        }
    )
    for column in FAVOURITES:
        ticks = pd.to_numeric(raw[f"Fav {schema.item(column).label}"], errors="coerce")
        pupils[column] = ticks.where(ticks >= 0)
    return pupils


def test_upload_export_with_codebook_then_a_broken_file(page, voila, tmp_path):
    open_dashboard(page, voila, SUBJECTS)
    wait_for_chart(page)
    assert "Wave" in page.evaluate(COMPARE_JS)  # the sample has both waves

    upload(page, [EXPORT], CODEBOOK)
    page.wait_for_selector("text=Showing your data: example_export.csv")
    # the export holds wave 2 only: waves can no longer be compared
    page.wait_for_function(f"() => !({COMPARE_JS})().includes('Wave')")
    wait_for_chart(page)
    mine = chart_shares(page)
    assert "Showing the synthetic sample" not in page.inner_text("body")
    # independently: share who ticked each subject among those who answered, by year group
    assert_chart_shows(page, export_favourites())
    assert mine["percent"].notna().sum() >= 20  # most figures are shown

    # a file the loader refuses: its message names the file, column and rows
    broken = tmp_path / "bad_codes.csv"
    broken.write_bytes(
        b"pupil_id,school_id,wave,year_group,favourite_maths\n"
        b"P1,S1,1,7,1\nP2,S1,1,8,0\nP3,S1,1,9,7\nP4,S2,1,7,1\n"
    )
    with pytest.raises(SurveyDataError) as loader:
        load.load_survey([broken])
    upload(page, [broken])
    page.wait_for_selector("text=These files could not be used")
    text = page.inner_text("body")
    for problem in loader.value.problems:
        assert str(problem) in text
    assert "bad_codes.csv: column 'year_group': row 3: value 8" in text
    assert "Showing your data: example_export.csv" in text  # the note stays
    pd.testing.assert_frame_equal(chart_shares(page), mine)  # and so does the chart
    assert_no_code_or_traceback(page)


def download(page, link_text: str):
    with page.expect_download() as info:
        page.click(f"a:has-text('{link_text}')")
    return info.value


def assert_download_is_the_chart(got: pd.DataFrame, pupils: pd.DataFrame, page) -> None:
    """Rows of a downloaded table: each base, count and share is plain pandas', and the
    chart draws the same shares."""
    assert len(got) == 2 * len(FAVOURITES)
    assert set(got["block"]) == {"favourite"} and set(got["measure"]) == {"share"}
    schools = pupils.groupby("year_group", observed=True)["school_id"].nunique()
    for row in got.itertuples():
        answered = pupils[pupils["year_group"] == row.year_group][row.item].dropna().astype(float)
        assert row.label == schema.item(row.item).label
        assert row.n == len(answered), row
        hidden = should_hide(answered.sum(), len(answered), schools[row.year_group])
        if hidden:  # marked, and its numbers are not in the download either
            assert row.suppressed in ("c", "u") and pd.isna(row.count) and pd.isna(row.share)
            continue
        assert pd.isna(row.suppressed), row
        assert row.count == answered.sum(), row
        assert row.share == pytest.approx(answered.mean(), rel=1e-12), row
    shown = chart_shares(page)
    np.testing.assert_allclose(
        got.sort_values(["year_group", "item"])["share"].to_numpy() * 100,
        shown["percent"].to_numpy(dtype=float),
        rtol=1e-12,
    )


def test_csv_and_xlsx_downloads_are_the_table_the_chart_shows(page, voila, sample_table):
    open_dashboard(page, voila, SUBJECTS)
    wait_for_chart(page)
    csv = download(page, "Download table (CSV)")
    assert csv.suggested_filename == f"{FIRST_VIEW}.csv"
    content = Path(csv.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")  # a byte-order mark, so Excel reads accents
    got = pd.read_csv(io.BytesIO(content), encoding="utf-8-sig")
    assert {
        "year_group",
        "item",
        "label",
        "n",
        "count",
        "share",
        "ci_low",
        "ci_high",
        "suppressed",
    } <= set(got.columns)
    assert "wave" not in got.columns and "gender" not in got.columns  # all pupils
    assert_download_is_the_chart(got, sample_table, page)

    xlsx = download(page, "Download table (XLSX)")
    assert xlsx.suggested_filename == f"{FIRST_VIEW}.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(Path(xlsx.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(got.columns)
    book = pd.DataFrame(rows[1:], columns=rows[0])
    assert all(isinstance(v, float) for v in book["share"])  # numbers stay numbers
    pd.testing.assert_frame_equal(
        book[["year_group", "item", "n", "count", "share"]],
        got[["year_group", "item", "n", "count", "share"]],
        check_dtype=False,
        rtol=1e-12,
    )

    choose(page, "Gender", "Girls")
    title_contains(page, "Girls")
    page.wait_for_selector(f"a[download='{FIRST_VIEW}_girls.csv']", state="attached")
    girls_csv = download(page, "Download table (CSV)")
    assert girls_csv.suggested_filename == f"{FIRST_VIEW}_girls.csv"
    girls = pd.read_csv(girls_csv.path(), encoding="utf-8-sig")
    assert set(girls["gender"]) == {"girl"}  # the download says which pupils it describes
    assert_download_is_the_chart(girls, sample_table[sample_table["gender"] == "girl"], page)
    assert_no_code_or_traceback(page)


def test_chart_image_button_downloads_a_named_png(page, voila):
    open_dashboard(page, voila, SUBJECTS)
    wait_for_chart(page)
    options = page.evaluate(
        "() => document.querySelector('.js-plotly-plot')._context.toImageButtonOptions"
    )
    assert options == {"format": "png", "filename": FIRST_VIEW, "scale": 2}
    # press the camera as a viewer does: plotly makes the PNG in the page and downloads it
    page.hover(".js-plotly-plot")
    with page.expect_download() as info:
        page.click(".js-plotly-plot .modebar-btn[data-title='Download plot as a PNG' i]")
    assert info.value.suggested_filename == f"{FIRST_VIEW}.png"
    png = Path(info.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    chart = page.locator(".js-plotly-plot .main-svg").first.bounding_box()
    assert width == pytest.approx(2 * chart["width"], abs=4)  # scale 2

    choose(page, "Gender", "Girls")
    title_contains(page, "Girls")
    options = page.evaluate(
        "() => document.querySelector('.js-plotly-plot')._context.toImageButtonOptions"
    )
    assert options["filename"] == f"{FIRST_VIEW}_girls"
    assert "Girls" in page.evaluate(TITLE_JS)
