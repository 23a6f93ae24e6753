"""Tests for analysis.export: spreadsheet formula injection, numbers kept, workbooks."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis import export


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://evil.example","click")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_formula_starts_are_neutralised(text):
    assert export.neutralise(text) == "'" + text


@pytest.mark.parametrize("value", [-12.5, -3, "-12.5", "+4", "Maths", "", None, 0.0])
def test_numbers_and_plain_text_are_kept(value):
    assert export.neutralise(value) == value


def table():
    return pd.DataFrame(
        {
            "label": ['=HYPERLINK("http://evil.example","click")', "Maths"],
            "estimate_pp": [-12.5, 3.0],
            "n": [100, 200],
            "flag": [True, False],
        }
    )


def test_csv_keeps_negative_numbers_and_neutralises_labels(tmp_path):
    path = export.write_csv(table(), tmp_path / "t.csv")
    text = path.read_text("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back["estimate_pp"].tolist() == [-12.5, 3.0]  # still numbers
    assert back["label"].iloc[0].startswith("'=")


def test_xlsx_has_a_sheet_per_key_numbers_stay_numbers_no_formula(tmp_path):
    path = export.write_xlsx(
        {
            "README": export.write_text_sheet(["=cmd|' /C calc'!A0"]),
            "Enjoyment": [("Enjoyment: shares", table()), ("Enjoyment: comparisons", table())],
            "a/b:c?" * 10: table(),
        },
        tmp_path / "t.xlsx",
    )
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


def mixed_table():
    texts = [
        "=a",
        "+1",
        "-3",
        "-3\n",
        "@x",
        "\t=1",
        "\r=1",
        "Maths",
        "",
        "-",
        "'=a",
        ".5",
        "-.5e3",
        "+4.",
        "-x",
    ]
    return pd.DataFrame(
        {
            "string": pd.Series(texts, dtype="string"),
            "object": pd.Series(texts, dtype=object),
            "category": pd.Categorical(texts),
            "mixed": pd.Series(
                [
                    1,
                    "=a",
                    None,
                    2.5,
                    float("nan"),
                    "-3",
                    True,
                    "x",
                    pd.NA,
                    "@",
                    "b",
                    3,
                    "c",
                    "-d",
                    "e",
                ],
                dtype=object,
            ),
            "with_na": pd.Series(texts[:12] + [None, pd.NA, float("nan")], dtype="string"),
            "number": [float(x) for x in range(-7, 8)],
            "Int64": pd.array([None, *range(-6, 8)], dtype="Int64"),
            "flag": [True, False] * 7 + [True],
            "=SUM(A1)": ["a"] * 15,
        }
    )


def test_neutralise_frame_is_neutralise_on_every_cell():
    t = mixed_table()
    out = export.neutralise_frame(t)
    assert list(out.columns) == [export.neutralise(c) for c in t.columns]
    assert out.columns[-1] == "'=SUM(A1)"
    for source, column in zip(t.columns, out.columns):
        expected = [export.neutralise(v) for v in t[source].astype(object)]
        got = out[column].tolist()
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert type(g) is type(e) and (g is e or g == e or (g != g and e != e)), (source, g, e)
    assert out["number"].tolist() == t["number"].tolist()  # numbers untouched
    assert out["string"].tolist()[4:8] == ["'@x", "'\t=1", "'\r=1", "Maths"]
    assert out["mixed"].tolist()[:2] == [1, "'=a"] and out["mixed"].tolist()[13] == "'-d"


def test_xlsx_cells_have_the_right_types_and_missing_values_are_empty(tmp_path):
    t = mixed_table()
    t["float_na"] = [float("nan"), *map(float, range(14))]
    path = export.write_xlsx({"Mixed": t}, tmp_path / "m.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Mixed"]
    assert ws.freeze_panes == "A2"  # one untitled table: its header stays in view
    header = [c.value for c in ws[1]]
    assert header == list(export.neutralise_frame(t).columns)
    col = {
        name: [ws.cell(row=r, column=j + 1).value for r in range(2, 17)]
        for j, name in enumerate(header)
    }
    for cells in ws.iter_rows():
        assert all(c.data_type != "f" for c in cells)
    # text stays text, even text that is a plain number
    assert col["string"][:3] == ["'=a", "+1", "-3"] and isinstance(col["string"][2], str)
    assert col["with_na"][12:] == [None, None, None]
    assert col["mixed"][:4] == [1, "'=a", None, 2.5] and col["mixed"][4] is None
    assert col["mixed"][6] is True and col["mixed"][5] == "-3"
    assert col["number"] == [float(x) for x in range(-7, 8)]
    assert col["Int64"] == [None, *range(-6, 8)] and isinstance(col["Int64"][1], int)
    assert col["float_na"] == [None, *map(float, range(14))]
    assert col["flag"] == [True, False] * 7 + [True]
    assert col["category"][0] == "'=a" and col["'=SUM(A1)"] == ["a"] * 15


# ---------------------------------------------------------------- whole folders


def _folder(path: Path, text: str) -> Path:
    path.mkdir()
    (path / "index.html").write_text(text)
    return path


def test_a_whole_folder_replaces_the_old_one_and_leaves_nothing_beside_it(tmp_path):
    out = _folder(tmp_path / "site", "old")
    with export.whole_folder(out) as work:
        (work / "index.html").write_text("new")
        assert (out / "index.html").read_text() == "old"  # untouched until the end
    assert (out / "index.html").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_a_failure_while_writing_leaves_the_old_folder_as_it_was(tmp_path):
    out = _folder(tmp_path / "site", "old")
    with pytest.raises(RuntimeError, match="half-way"):
        with export.whole_folder(out) as work:
            (work / "index.html").write_text("new")
            raise RuntimeError("half-way")
    assert (out / "index.html").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_a_failed_swap_puts_the_old_folder_back(tmp_path, monkeypatch):
    """The new folder cannot take the old one's place (here: its rename fails after
    the old folder was moved aside): the old folder is renamed back."""
    out = _folder(tmp_path / "site", "old")
    rename = Path.rename

    def failing_rename(self, target):
        if self.name.endswith(".partial"):
            raise OSError("no space left on device")
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", failing_rename)
    with pytest.raises(OSError, match="no space"):
        with export.whole_folder(out) as work:
            (work / "index.html").write_text("new")
    assert (out / "index.html").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
