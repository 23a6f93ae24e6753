"""Codebooks: parsing, their own errors, applying them, and the starter template.

Expected values are written out by hand from tests/data/export_small.csv and
its codebook tests/data/export_small_codebook.yml.
"""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis import schema
from analysis.codebook import Codebook, code_key, guess_contract_column
from analysis.guess import codebook_template
from analysis.errors import IdentifyingDataError, SurveyDataError
from analysis.load import load_survey

DATA = Path(__file__).parent / "data"
EXPORT = DATA / "export_small.csv"
CODEBOOK = DATA / "export_small_codebook.yml"
REPO = Path(__file__).resolve().parents[1]


def book_problems(text: str, name: str = "cb.yml"):
    with pytest.raises(SurveyDataError) as info:
        Codebook.from_yaml(text, name)
    return info.value.problems


MINIMAL = "codebook_version: 1\ncolumns:\n  pupil_id: Pupil Ref\n"


def test_export_with_codebook_gives_contract_values():
    survey = load_survey(EXPORT, codebook=CODEBOOK)
    t = survey.table
    assert t["pupil_id"].tolist() == ["R-101", "R-102", "R-103", "R-104"]
    assert t["school_id"].tolist() == ["SCH-A", "SCH-A", "SCH-B", "SCH-B"]
    assert t["wave"].tolist() == [1, 1, 1, 1]  # constants
    assert t["year_group"].tolist() == [7, 9, 9, 7]
    assert t["gender"].tolist()[:3] == ["girl", "boy", "girl"] and pd.isna(t["gender"][3])
    # "strongly disagree" (case), -9 and "Not answered" (missing_values)
    assert t["enjoy_maths"].tolist()[:2] == [3, 1] and pd.isna(t["enjoy_maths"][2])
    assert t["enjoy_maths"][3] == 4  # "Strongly Agree"
    assert pd.isna(t["enjoy_science"][1]) and t["enjoy_science"].tolist()[2:] == [2, 3]
    assert t["favourite_maths"].tolist()[:3] == [1, 0, 1] and pd.isna(t["favourite_maths"][3])
    assert t["qualification_aim"].tolist()[:3] == ["a_levels", "dont_know", "degree"]
    for column in t.columns:
        assert t[column].dtype == schema.dtypes()[column]
    assert any("Teacher comment" in n and "left out" in n for n in survey.notes)


def test_codebook_from_bytes_pair_and_object_give_the_same():
    a = load_survey(EXPORT, codebook=CODEBOOK).table
    b = load_survey(
        ("export.csv", EXPORT.read_bytes()), codebook=("cb.yml", CODEBOOK.read_bytes())
    ).table
    c = load_survey(EXPORT, codebook=Codebook.read(CODEBOOK)).table
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)


def test_value_with_no_code_names_file_both_columns_rows_values_and_fix():
    text = EXPORT.read_text().replace("Agree,Strongly agree", "Neutral,Strongly agree")
    text = text.replace("Strongly Agree,Agree", "neutral,Agree").replace("Year 9,Male", "Y9,Male")
    with pytest.raises(SurveyDataError) as info:
        load_survey(("export.csv", text.encode()), codebook=CODEBOOK)
    by_column = {p.column: p for p in info.value.problems}
    p = by_column["Enjoy Maths"]
    assert p.file == "export.csv" and p.rows == (2, 5) and p.n_rows == 2
    assert "'Neutral'" in p.what and "enjoy_maths" in p.what
    assert "agree4" in p.todo and "export_small_codebook.yml" in p.todo
    year = by_column["NC Year"]
    assert year.rows == (3,) and "year_group" in year.what and "'Y9'" in year.what
    # values with no code are not reported a second time as out of range
    assert len(info.value.problems) == 2


def test_numeric_keys_match_text_and_float_values():
    assert code_key(1) == code_key("1") == code_key(1.0) == code_key(" 1 ") == "1"
    book = Codebook.from_yaml(
        "codebook_version: 1\nconstants: {wave: 2}\ncolumns:\n"
        "  pupil_id: id\n  school_id: sch\n"
        "  year_group: {from: yr, codes: {1: 7, '2': 9}}\n"
    )
    data = b"id,sch,yr\nA,S,1\nB,S,2.0\nC,S, 1\n"
    t = load_survey(("x.csv", data), codebook=book).table
    assert t["year_group"].tolist() == [7, 9, 7]


@pytest.mark.parametrize(
    "text,key,words",
    [
        ("codebook_version: 1\ncolumns: [oops\n", None, "not valid YAML at line"),
        ("codebook_version: 2\ncolumns: {}\n", "codebook_version", "codebook_version is 2"),
        ("columns: {}\n", "codebook_version", "codebook_version is None"),
        (
            MINIMAL + "  enjoy_math: {from: E, codes: agree4}\n",
            "columns: enjoy_math",
            "Did you mean enjoy_maths",
        ),
        (
            MINIMAL + "  enjoy_maths: {from: E, codes: agree5}\n",
            "columns: enjoy_maths",
            "code set 'agree5' is not defined",
        ),
        (MINIMAL.replace("columns", "colums"), "colums", "'colums' is not a codebook key"),
        (MINIMAL + "constants: {waves: 2}\n", "constants: waves", "not a column of the survey"),
        (MINIMAL + "  enjoy_maths: {source: E}\n", "columns: enjoy_maths", "from: <source column>"),
        (MINIMAL + "constants: {pupil_id: X}\n", "columns: pupil_id", "both under constants"),
    ],
)
def test_wrong_codebook_names_the_codebook_and_key(text, key, words):
    found = book_problems(text, "my_codebook.yml")
    assert all(p.file == "my_codebook.yml" for p in found)
    hit = [p for p in found if p.column == key and words in str(p)]
    assert hit, [str(p) for p in found]


def test_all_codebook_problems_at_once():
    found = book_problems("codebook_version: 3\ncolumns:\n  nonsense: a\n  other: b\n")
    assert len(found) == 3


def test_source_column_not_in_file_names_codebook_key_and_file():
    book = Codebook.from_yaml(MINIMAL + "  school_id: Skool\n", "cb.yml")
    with pytest.raises(SurveyDataError) as info:
        load_survey(EXPORT, codebook=book)
    p = next(p for p in info.value.problems if p.file == "cb.yml")
    assert p.column == "columns: school_id"
    assert "'Skool'" in p.what and "export_small.csv" in p.what
    assert "'School'" in p.todo  # the file's actual columns are listed


def test_source_columns_match_ignoring_case_and_spaces():
    book = Codebook.from_yaml(
        MINIMAL.replace("Pupil Ref", " pupil ref ")
        + "  school_id: school\nconstants: {wave: 1, year_group: 7}\n"
    )
    t = load_survey(EXPORT, codebook=book).table
    assert t["pupil_id"].tolist()[0] == "R-101" and t["year_group"].tolist() == [7] * 4


def test_codebook_read_missing_file(tmp_path):
    with pytest.raises(SurveyDataError) as info:
        Codebook.read(tmp_path / "nope.yml")
    assert info.value.problems[0].file == "nope.yml"


def test_codebook_problems_and_file_problems_reported_together():
    bad_file = ("w1.csv", b"pupil_id,school_id,wave,year_group\nP1,S1,1,8\n")
    with pytest.raises(SurveyDataError) as info:
        load_survey([EXPORT, bad_file], codebook=[("bad.yml", b"codebook_version: 9\n"), None])
    assert {p.file for p in info.value.problems} == {"bad.yml", "w1.csv"}


def test_code_mapped_to_null_is_missing_not_an_error():
    t = load_survey(EXPORT, codebook=CODEBOOK).table
    assert pd.isna(t["gender"][3])  # "Prefer not to say": null


# ---------------------------------------------------------------- templates
def test_guess_contract_column():
    assert guess_contract_column("Enjoy Maths") == "enjoy_maths"
    assert guess_contract_column("PupilID") == "pupil_id"
    assert guess_contract_column("YEAR GROUP") == "year_group"
    assert guess_contract_column("Pupil Ref") == "pupil_id"
    assert guess_contract_column("Sex") == "gender"
    assert guess_contract_column("Fav Design and technology") == "favourite_design_technology"
    assert guess_contract_column("Science club") == "club_science"
    assert guess_contract_column("Teacher comment") is None
    assert guess_contract_column("Science") is None  # ambiguous: not guessed


def test_template_of_an_export_parses_and_lists_every_column():
    text = codebook_template(EXPORT)
    raw = yaml.safe_load(text)
    assert raw["codebook_version"] == 1
    assert raw["missing_values"] == [-9, "Not answered"]
    agree = {"codes": "agree4"}
    assert raw["columns"] == {
        "pupil_id": "Pupil Ref",
        "school_id": "School",
        "year_group": {"from": "NC Year", "codes": {"Year 7": 7, "Year 9": 9}},
        "gender": {
            "from": "Sex",
            "codes": {"Female": "girl", "Male": "boy", "Prefer not to say": None},
        },
        "enjoy_maths": {"from": "Enjoy Maths", **agree},
        "enjoy_science": {"from": "Enjoy Science", **agree},
        "favourite_maths": {"from": "Fav Maths", "codes": "yes_no"},
    }
    assert '# ???: "Aim"' in text and '# ???: "Teacher comment"' in text
    assert text.rstrip().endswith("# required and not yet mapped: wave")
    Codebook.from_yaml(text, "template.yml")  # valid as it stands


def test_completed_template_loads_like_the_hand_written_codebook():
    text = codebook_template(EXPORT).replace("constants: {}", "constants: {wave: 1}")
    from_template = load_survey(EXPORT, codebook=Codebook.from_yaml(text)).table
    by_hand = load_survey(EXPORT, codebook=CODEBOOK).table.drop(columns="qualification_aim")
    pd.testing.assert_frame_equal(from_template, by_hand)


def test_template_of_a_contract_file_loads_the_same_as_without():
    path = DATA / "wave1_small.csv"
    book = Codebook.from_yaml(codebook_template(path))
    with_book = load_survey(path, codebook=book).table
    pd.testing.assert_frame_equal(with_book, load_survey(path).table)


def test_template_refuses_identifying_file():
    with pytest.raises(IdentifyingDataError):
        codebook_template(("x.csv", b"Pupil Ref,Surname\nR1,Smith\n"))


def test_docs_describe_every_top_level_key():
    docs = (REPO / "docs" / "codebook.md").read_text()
    from analysis.codebook import TOP_LEVEL_KEYS

    for key in TOP_LEVEL_KEYS:
        assert f"`{key}`" in docs


def test_unquoted_yes_no_keys_stay_words():
    book = Codebook.from_yaml(
        "codebook_version: 1\ncolumns:\n"
        "  favourite_maths: {from: Fav Maths, codes: {Yes: 1, No: 0}}\n"
        "  pupil_id: Pupil Ref\n  school_id: School\n"
        "constants: {wave: 1, year_group: 7}\nmissing_values: [-9]\n"
    )
    t = load_survey(EXPORT, codebook=book).table
    assert t["favourite_maths"].tolist()[:3] == [1, 0, 1]
