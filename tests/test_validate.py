"""Every case of the contract's "What bad input gets", one test each.

Files are written here by hand as CSV text, so every expected row number and
value can be read off the test itself (row 1 is the header, row 2 the first
pupil, as in a spreadsheet).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import schema
from analysis.errors import SurveyDataError
from analysis.load import load_survey
from analysis.validate import duplicate_pupils, validate

DATA = Path(__file__).parent / "data"
HEADER = "pupil_id,school_id,wave,year_group,gender,ethnicity,favourite_maths,enjoy_maths"


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def problems(data: bytes, name: str = "w1.csv"):
    with pytest.raises(SurveyDataError) as info:
        load_survey((name, data))
    return info.value.problems


def only(found, column):
    hits = [p for p in found if p.column == column]
    assert len(hits) == 1, [str(p) for p in found]
    return hits[0]


GOOD = ("P1,S1,1,7,girl,white_british,1,3", "P2,S1,1,9,boy,,0,4")


def test_valid_file_gets_schema_dtypes_and_values():
    survey = load_survey(("w1.csv", csv(*GOOD)))
    t = survey.table
    assert list(t.columns) == HEADER.split(",")
    for column in t.columns:
        assert t[column].dtype == schema.dtypes()[column], column
    assert t["enjoy_maths"].tolist() == [3, 4]
    assert t["gender"].tolist() == ["girl", "boy"]
    assert t["ethnicity"].isna().tolist() == [False, True]


def test_missing_required_column():
    header = "pupil_id,wave,year_group,favourite_maths"
    found = problems(csv("P1,1,7,1", header=header))
    p = only(found, "school_id")
    assert "required column school_id is missing" in p.what
    assert "codebook" in p.todo


def test_wave_missing_suggests_constant_in_codebook():
    found = problems(csv("P1,S1,7,1", header="pupil_id,school_id,year_group,favourite_maths"))
    assert "constants: {wave: 2}" in only(found, "wave").todo


@pytest.mark.parametrize(
    "column,bad,good_row",
    [
        ("favourite_maths", "2", "P2,S1,1,9,boy,,{},4"),
        ("enjoy_maths", "5", "P2,S1,1,9,boy,,0,{}"),
        ("enjoy_maths", "0", "P2,S1,1,9,boy,,0,{}"),
        ("enjoy_maths", "1.5", "P2,S1,1,9,boy,,0,{}"),
        ("favourite_maths", "yes", "P2,S1,1,9,boy,,{},4"),
        ("gender", "male", "P2,S1,1,9,{},,0,4"),
        ("ethnicity", "asian", "P2,S1,1,9,boy,{},0,4"),
    ],
)
def test_code_outside_its_range(column, bad, good_row):
    found = problems(csv(GOOD[0], good_row.format(bad)))
    p = only(found, column)
    assert p.rows == (3,) and p.n_rows == 1
    assert repr(bad) in p.what or bad in p.what
    assert "not a code" in p.what


def test_qualification_aim_outside_categories():
    header = "pupil_id,school_id,wave,year_group,qualification_aim"
    found = problems(csv("P1,S1,1,7,degree", "P2,S1,1,7,phd", header=header))
    p = only(found, "qualification_aim")
    assert "'phd'" in p.what and p.rows == (3,)
    assert "dont_know" in p.what  # the allowed codes are listed


def test_duplicate_pupil_within_a_wave_lists_both_copies():
    found = problems(csv(GOOD[0], GOOD[1], "P1,S2,1,9,boy,,0,2"))
    p = only(found, "pupil_id")
    assert p.rows == (2, 4) and p.n_rows == 2
    assert "'P1'" in p.what


def test_same_pupil_in_two_waves_is_fine():
    survey = load_survey(("both.csv", csv(GOOD[0], "P1,S1,2,9,girl,white_british,0,3")))
    assert len(survey.table) == 2


def test_duplicate_across_files_names_both():
    found = problems_of([("a.csv", csv(*GOOD)), ("b.csv", csv("P2,S1,1,9,boy,,0,4"))])
    by_file = {p.file: p for p in found}
    assert by_file["a.csv"].rows == (3,) and by_file["b.csv"].rows == (2,)
    assert "b.csv" in by_file["a.csv"].what


def problems_of(files):
    with pytest.raises(SurveyDataError) as info:
        load_survey(files)
    return info.value.problems


@pytest.mark.parametrize(
    "column,row,value",
    [
        ("wave", "P2,S1,3,9,boy,,0,4", "3"),
        ("year_group", "P2,S1,1,8,boy,,0,4", "8"),
    ],
)
def test_wave_or_year_group_outside_the_design(column, row, value):
    p = only(problems(csv(GOOD[0], row)), column)
    assert p.rows == (3,) and value in p.what


@pytest.mark.parametrize(
    "column,row",
    [
        ("wave", "P2,S1,,9,boy,,0,4"),
        ("year_group", "P2,S1,1,,boy,,0,4"),
        ("pupil_id", ",S1,1,9,boy,,0,4"),
        ("school_id", "P2, ,1,9,boy,,0,4"),
    ],
)
def test_empty_required_value(column, row):
    p = only(problems(csv(GOOD[0], row)), column)
    assert p.rows == (3,) and "empty" in p.what


def test_zero_byte_file(tmp_path):
    path = tmp_path / "w1.csv"
    path.write_bytes(b"")
    (p,) = problems_of(str(path))
    assert p.file == "w1.csv" and "0 bytes" in p.what


def test_header_only_file():
    (p,) = problems(csv())
    assert "no data rows" in p.what


def test_random_csv_is_not_a_survey():
    (p,) = problems(b"city,population\nLeeds,800000\nYork,200000\n")
    assert "does not look like a KS3 survey file" in p.what
    assert "'city'" in p.what and "docs/codebook.md" in p.todo


def test_text_file_renamed_csv_is_not_a_survey():
    prose = (
        b"Minutes of the STEM leads meeting, 3 October.\n"
        b"We agreed to run the survey in all year 7 and year 9 classes; "
        b"results, as usual, go to the head.\nNext meeting: November.\n"
    )
    found = problems(prose, "notes.csv")
    assert len(found) == 1
    assert "does not look like a KS3 survey file" in found[0].what
    assert "docs/codebook.md" in found[0].todo


@pytest.mark.parametrize("weight", ["0", "-1", "", "heavy"])
def test_weight_not_positive(weight):
    header = HEADER + ",weight"
    p = only(problems(csv(GOOD[0] + ",1", GOOD[1] + f",{weight}", header=header)), "weight")
    assert p.rows == (3,) and "positive" in p.what


def test_unknown_columns_noted_and_left_out():
    header = HEADER + ",Teacher,room"
    survey = load_survey(("w1.csv", csv(GOOD[0] + ",Mr X,12", GOOD[1] + ",Ms Y,3", header=header)))
    assert "Teacher" not in survey.table.columns and "room" not in survey.table.columns
    (note,) = [n for n in survey.notes if "left out" in n and "Teacher" in n]
    assert note.startswith("w1.csv:") and "room" in note


def test_block_with_some_columns_missing_is_noted():
    survey = load_survey(("w1.csv", csv(*GOOD)))
    note = next(n for n in survey.notes if "Enjoyment" in n)
    assert "1 of its 13" in note and "enjoy_science" in note


def test_absent_blocks_are_noted_and_not_listed():
    survey = load_survey(("w1.csv", csv(*GOOD)))
    assert [b.key for b in survey.blocks] == ["favourite", "enjoy"]
    assert any("Career areas" in n and "left out of the dashboards" in n for n in survey.notes)


def test_more_than_three_favourites_is_a_note_with_rows():
    header = (
        "pupil_id,school_id,wave,year_group,favourite_maths,favourite_art,favourite_pe,"
        "favourite_music"
    )
    survey = load_survey(
        (
            "w1.csv",
            csv("P1,S1,1,7,1,1,1,1", "P2,S1,1,7,1,1,1,0", "P3,S1,1,7,1,1,1,1", header=header),
        )
    )
    note = next(n for n in survey.notes if "more than 3" in n)
    assert note.startswith("w1.csv: 2 pupils") and "rows 2, 4" in note


def test_all_problems_of_a_file_at_once_rows_capped_at_five():
    rows = [f"P{i},S1,1,7,girl,,7,3" for i in range(1, 9)] + ["P9,S1,4,7,girl,,0,9"]
    found = problems(csv(*rows))
    fav = only(found, "favourite_maths")
    assert fav.rows == (2, 3, 4, 5, 6) and fav.n_rows == 8
    assert "and 3 more" in str(fav)
    assert only(found, "wave").rows == (10,)
    assert only(found, "enjoy_maths").rows == (10,)
    with pytest.raises(SurveyDataError) as info:
        load_survey(("w1.csv", csv(*rows)))
    message = str(info.value)
    assert message.startswith("3 problems:") and "w1.csv: column 'wave': row 10" in message


def test_validate_direct_on_numbers_and_text():
    t = pd.DataFrame(
        {
            "pupil_id": [101, 102],
            "school_id": ["S1", "S1"],
            "wave": [1.0, 2.0],
            "year_group": ["7", " 9 "],
            "gender": [" Girl", np.nan],
            "club_maths": [np.nan, 1.0],
        }
    )
    table, found, _ = validate(t, "x.csv", first_row=1)
    assert found == []
    assert table["pupil_id"].tolist() == ["101", "102"]
    assert table["year_group"].tolist() == [7, 9]
    assert table["gender"].tolist()[0] == "girl" and pd.isna(table["gender"].tolist()[1])
    assert table["club_maths"].isna().tolist() == [True, False]


def test_duplicate_pupils_without_wave_column_checks_the_file():
    t = pd.DataFrame({"pupil_id": pd.array(["A", "B", "A"], dtype="string")})
    (p,) = duplicate_pupils([("x.sav", t, 1)])
    assert p.rows == (1, 3)
