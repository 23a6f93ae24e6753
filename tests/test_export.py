"""Tests for analysis.export: spreadsheet formula injection, numbers kept, workbooks."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from analysis import export


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example","click")', "+1+2",
                                  "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_starts_are_neutralised(text):
    assert export.neutralise(text) == "'" + text


@pytest.mark.parametrize("value", [-12.5, -3, "-12.5", "+4", "Maths", "", None, 0.0])
def test_numbers_and_plain_text_are_kept(value):
    assert export.neutralise(value) == value


def table():
    return pd.DataFrame({"label": ['=HYPERLINK("http://evil.example","click")', "Maths"],
                         "estimate_pp": [-12.5, 3.0], "n": [100, 200],
                         "flag": [True, False]})


def test_csv_keeps_negative_numbers_and_neutralises_labels(tmp_path):
    path = export.write_csv(table(), tmp_path / "t.csv")
    text = path.read_text("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back["estimate_pp"].tolist() == [-12.5, 3.0]  # still numbers
    assert back["label"].iloc[0].startswith("'=")


def test_xlsx_has_a_sheet_per_key_numbers_stay_numbers_no_formula(tmp_path):
    path = export.write_xlsx({"README": export.write_text_sheet(["=cmd|' /C calc'!A0"]),
                              "Enjoyment": [("Enjoyment: shares", table()),
                                            ("Enjoyment: comparisons", table())],
                              "a/b:c?" * 10: table()}, tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["README", "Enjoyment"] and len(wb.sheetnames) == 3
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in wb.sheetnames)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
    ws = wb["Enjoyment"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    values = [[v for v in row if v is not None] for row in values]
    assert values[0] == ["Enjoyment: shares"]
    assert values[1] == ["label", "estimate_pp", "n", "flag"]
    assert values[2][1] == -12.5 and isinstance(values[2][1], float)
    assert values[2][0].startswith("'=HYPERLINK") and values[2][3] is True
    assert ["Enjoyment: comparisons"] in values
    assert wb["README"]["A2"].value == "'=cmd|' /C calc'!A0"


def test_sheet_names_are_unique():
    assert export.sheet_name("Enjoyment", ["enjoyment"]) == "Enjoyment (2)"
