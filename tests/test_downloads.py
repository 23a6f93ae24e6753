"""dashboards.downloads: the data: links carry the table the chart shows, safely."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from analysis import measures, schema
from analysis.load import Survey
from dashboards import downloads, results, subjects

FAVOURITES = schema.block("favourite").columns


@pytest.fixture
def table() -> pd.DataFrame:
    """40 girls and 40 boys in each wave and year group, with some blank answers."""
    rng = np.random.default_rng(11)
    rows = []
    for wave in (1, 2):
        for year in (7, 9):
            for gender in ("girl", "boy"):
                for _ in range(40):
                    rows.append(
                        {
                            "wave": wave,
                            "year_group": year,
                            "gender": gender,
                            **{
                                c: (None if rng.random() < 0.1 else int(rng.random() < 0.4))
                                for c in FAVOURITES
                            },
                        }
                    )
    t = pd.DataFrame(rows)
    return t.astype(
        {
            "wave": "Int8",
            "year_group": "Int8",
            **{c: "Int8" for c in FAVOURITES},
            "gender": pd.CategoricalDtype(list(schema.groups()["gender"].values)),
        }
    )


def links(value: str) -> dict[str, tuple[str, bytes]]:
    """{file name: (media type, content)} for every data: link in an HTML string."""
    found = re.findall(r'href="data:([^;]+);base64,([^"]+)" download="([^"]+)"', value)
    return {name: (media, base64.b64decode(payload)) for media, payload, name in found}


def plain_pandas_shares(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Share who ticked each subject among those who answered, by plain groupby."""
    rows = []
    for keys, part in table.groupby(by, observed=True):
        for column in FAVOURITES:
            answered = part[column].dropna().astype(int)
            rows.append(
                {
                    **dict(zip(by, keys)),
                    "label": schema.item(column).label,
                    "n": len(answered),
                    "count": int(answered.sum()),
                    "share": answered.mean(),
                }
            )
    return pd.DataFrame(rows)


def read_csv_link(value: str, name: str) -> pd.DataFrame:
    media, content = links(value)[name]
    assert media == "text/csv"
    return pd.read_csv(io.BytesIO(content), encoding="utf-8-sig")


def test_csv_link_holds_the_charts_shares(table):
    shown = measures.shares(table, FAVOURITES, by=["wave", "year_group"])
    value = downloads.links_html(shown, "subjects")
    got = read_csv_link(value, "subjects.csv")
    assert list(got.columns) == ["wave", "year_group", "item", "label", "n", "count", "share"]
    expected = plain_pandas_shares(table, ["wave", "year_group"])
    merged = got.merge(expected, on=["wave", "year_group", "label"], suffixes=("", "_pandas"))
    assert len(merged) == len(expected) == 4 * len(FAVOURITES)
    for column in ("n", "count", "share"):
        np.testing.assert_allclose(merged[column], merged[f"{column}_pandas"], rtol=1e-12)


def test_xlsx_link_opens_with_openpyxl_and_holds_the_same_numbers(table):
    shown = measures.shares(table, FAVOURITES, by=["wave", "year_group"])
    media, content = links(downloads.links_html(shown, "x"))["x.xlsx"]
    assert media == downloads.XLSX_TYPE
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("wave", "year_group", "item", "label", "n", "count", "share")
    assert len(rows) == 1 + len(shown)
    expected = plain_pandas_shares(table, ["wave", "year_group"]).set_index(
        ["wave", "year_group", "label"]
    )
    for wave, year, _item, label, n, count, share in rows[1:]:
        assert isinstance(share, float)
        assert (n, count) == tuple(expected.loc[(wave, year, label), ["n", "count"]])
        assert share == pytest.approx(expected.loc[(wave, year, label), "share"], rel=1e-12)


DANGEROUS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "Maths"]


@pytest.fixture
def dangerous() -> pd.DataFrame:
    return pd.DataFrame(
        {"label": DANGEROUS, "n": [-1.5, 2, 3, 4, 5, 6], "share": [-0.25, 0.5, 0.1, 0.2, 0.3, 0.4]}
    )


def test_csv_neutralises_text_that_a_spreadsheet_would_run(dangerous):
    content = downloads.csv_bytes(dangerous).decode("utf-8-sig")
    got = pd.read_csv(io.StringIO(content))
    assert got["label"].tolist() == ["'" + v for v in DANGEROUS[:5]] + ["Maths"]
    assert got["n"].tolist() == [-1.5, 2, 3, 4, 5, 6]  # numbers stay numbers
    assert got["share"].iloc[0] == -0.25
    assert "\n-1.5," not in content and "-1.5" in content  # the number is written as is


def test_xlsx_neutralises_text_and_keeps_negative_numbers(dangerous):
    sheet = openpyxl.load_workbook(io.BytesIO(downloads.xlsx_bytes(dangerous))).active
    labels = [sheet.cell(row=r, column=1) for r in range(2, 2 + len(DANGEROUS))]
    assert all(cell.data_type == "s" for cell in labels), "a label became a formula"
    assert [cell.value for cell in labels] == ["'" + v for v in DANGEROUS[:5]] + ["Maths"]
    assert sheet.cell(row=2, column=2).value == -1.5
    assert sheet.cell(row=2, column=3).data_type == "n"


def test_a_dangerous_column_name_is_neutralised_too():
    content = downloads.csv_bytes(pd.DataFrame({"=cmd": [1]})).decode("utf-8-sig")
    assert content.splitlines()[0] == "'=cmd"


def test_link_names_are_escaped():
    value = downloads.links_html(pd.DataFrame({"a": [1]}), 'x"><script>')
    assert "<script>" not in value and "&quot;&gt;&lt;script&gt;" in value


def test_dashboard_links_follow_the_filter(table):
    """Subjects' links hold the rows its chart draws, named after the view, and follow a
    filter; so does the chart image's name."""
    table = table.assign(school_id=[f"S{i % 4}" for i in range(len(table))])
    board = subjects.make(results.LiveResults(Survey(table, ("t.csv",))))
    name = "subjects_favourite_share_by_year_group"
    value = board.downloads.widget.value
    assert set(links(value)) == {f"{name}.csv", f"{name}.xlsx"}
    got = read_csv_link(value, f"{name}.csv")
    expected = plain_pandas_shares(table, ["year_group"])
    merged = got.merge(expected, on=["year_group", "label"], suffixes=("", "_pandas"))
    assert len(merged) == len(got) == len(expected) == 2 * len(FAVOURITES)
    for column in ("n", "count", "share"):
        np.testing.assert_allclose(merged[column], merged[f"{column}_pandas"], rtol=1e-12)

    board.filters.set(gender="girl")
    value = board.downloads.widget.value
    assert set(links(value)) == {f"{name}_girls.csv", f"{name}_girls.xlsx"}
    got = read_csv_link(value, f"{name}_girls.csv")
    assert set(got["gender"]) == {"girl"}
    expected = plain_pandas_shares(table[table["gender"] == "girl"], ["year_group"])
    merged = got.merge(expected, on=["year_group", "label"], suffixes=("", "_pandas"))
    assert len(merged) == len(got) == len(expected)
    np.testing.assert_allclose(merged["share"], merged["share_pandas"], rtol=1e-12)
    np.testing.assert_allclose(merged["n"], merged["n_pandas"], rtol=1e-12)
    # the XLSX link holds the same rows
    media, content = links(value)[f"{name}_girls.xlsx"]
    book = pd.read_excel(io.BytesIO(content))
    pd.testing.assert_frame_equal(
        book[["year_group", "label", "n", "share"]],
        got[["year_group", "label", "n", "share"]],
        check_dtype=False,
    )
    config = board.chart.outputs[0]["data"]["application/vnd.plotly.v1+json"]["config"]
    assert config["toImageButtonOptions"]["filename"] == f"{name}_girls"


def test_image_config_names_a_png():
    config = downloads.image_config("subjects")
    assert config["toImageButtonOptions"] == {"format": "png", "filename": "subjects", "scale": 2}
    # the chart follows its container (tests/browser/test_chart_width.py)
    assert config["responsive"] is True


NOTE_SOME = (
    "w1.sav: 45 answers in 2 columns (fav_maths 30, fav_science 15) were Neither "
    "agree nor disagree, the scale's middle answer: coded neutral by codebook.yml, they "
    "are left out of those items' bases (as not answered)."
)
NOTE_ALL = "w1.sav: 12 answers in 9 columns (a 4, b 3, c 2, d 1 and 5 more) were 9: null."


def test_a_code_note_is_a_column_on_the_rows_it_touches_and_a_notes_sheet():
    t = pd.DataFrame({"item": ["fav_maths", "fav_art", "fav_science"], "n": [50, 60, 70]})
    got = pd.read_csv(io.BytesIO(downloads.csv_bytes(t, [NOTE_SOME])), encoding="utf-8-sig")
    assert list(got.columns) == ["item", "n", "code_note"]  # the header is the first line
    assert got["n"].tolist() == [50, 60, 70]
    assert got["code_note"].fillna("").tolist() == [NOTE_SOME, "", NOTE_SOME]
    # a note whose column list was cut short may touch any item: on every row
    both = pd.read_csv(io.BytesIO(downloads.csv_bytes(t, [NOTE_SOME, NOTE_ALL])))
    assert both["code_note"].tolist()[1] == NOTE_ALL
    assert both["code_note"].tolist()[0] == f"{NOTE_SOME} | {NOTE_ALL}"
    book = openpyxl.load_workbook(io.BytesIO(downloads.xlsx_bytes(t, notes=[NOTE_SOME])))
    assert book.sheetnames == ["table", "Notes"]
    assert [c.value for c in book["table"][1]] == ["item", "n", "code_note"]
    assert [r[0].value for r in book["Notes"].iter_rows()] == ["Note", NOTE_SOME]


def test_no_note_leaves_a_download_as_it_was():
    t = pd.DataFrame({"item": ["fav_art"], "n": [60]})
    assert downloads.csv_bytes(t, [NOTE_SOME]) == downloads.csv_bytes(t)
    assert openpyxl.load_workbook(io.BytesIO(downloads.xlsx_bytes(t, notes=[]))).sheetnames == [
        "table"
    ]


def test_a_dashboards_downloads_carry_the_surveys_code_notes(table):
    table = table.assign(school_id=[f"S{i % 4}" for i in range(len(table))])
    note = f"t.sav: 7 answers in 1 column ({FAVOURITES[0]} 7) were 9: codebook.yml codes it null."
    board = subjects.make(results.LiveResults(Survey(table, ("t.csv",), code_notes=(note,))))
    name = "subjects_favourite_share_by_year_group"
    got = read_csv_link(board.downloads.widget.value, f"{name}.csv")
    touched = got["item"] == FAVOURITES[0]
    assert touched.any() and (got.loc[touched, "code_note"] == note).all()
    assert got.loc[~touched, "code_note"].isna().all()
    board.filters.set(gender="girl")  # and after the chart redraws
    _, content = links(board.downloads.widget.value)[f"{name}_girls.xlsx"]
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert [r[0].value for r in book["Notes"].iter_rows()] == ["Note", note]
