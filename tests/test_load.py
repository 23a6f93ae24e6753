"""Reading every format, combining files, and failing cleanly.

Each binary fixture is written here from a small DataFrame; the values the
loader returns are compared with that DataFrame, written out by hand.
"""

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from analysis import schema
from analysis.errors import SurveyDataError
from analysis.load import Survey, load_survey, read_file

DATA = Path(__file__).parent / "data"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"

FRAME = pd.DataFrame(
    {
        "pupil_id": ["P001", "P002", "P003"],
        "school_id": ["S01", "S01", "S02"],
        "wave": [1, 1, 1],
        "year_group": [7, 9, 9],
        "gender": ["girl", "boy", None],
        "favourite_maths": [1.0, 0.0, np.nan],
        "enjoy_maths": [4, 2, 1],
    }
)


def expect_frame(t: pd.DataFrame) -> None:
    assert t["pupil_id"].tolist() == ["P001", "P002", "P003"]
    assert t["school_id"].tolist() == ["S01", "S01", "S02"]
    assert t["wave"].tolist() == [1, 1, 1]
    assert t["year_group"].tolist() == [7, 9, 9]
    assert t["gender"].tolist()[:2] == ["girl", "boy"] and pd.isna(t["gender"][2])
    assert t["favourite_maths"].tolist()[:2] == [1, 0] and pd.isna(t["favourite_maths"][2])
    assert t["enjoy_maths"].tolist() == [4, 2, 1]
    for column in t.columns:
        assert t[column].dtype == schema.dtypes()[column], column


# ------------------------------------------------------------------ formats
def test_csv_contract_file():
    survey = load_survey(DATA / "wave1_small.csv")
    assert isinstance(survey, Survey) and survey.files == ("wave1_small.csv",)
    t = survey.table
    assert len(t) == 5
    assert t["enjoy_science"].isna().tolist() == [False, True, False, False, False]
    assert t["qualification_aim"].tolist()[:2] == ["a_levels", "degree"]
    assert list(t.columns) == [c for c in schema.contract_columns() if c in t.columns]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_encodings(encoding):
    text = "pupil_id,school_id,wave,year_group\nP1,École Sainte-Thérèse,1,7\nP2,S’02,1,9\n"
    t = load_survey(("w1.csv", text.encode(encoding))).table
    assert t["school_id"].tolist() == ["École Sainte-Thérèse", "S’02"]
    assert list(t.columns)[0] == "pupil_id"  # no BOM left in the first name


def test_cp1252_is_noted():
    text = "pupil_id,school_id,wave,year_group\nP1,Sé,1,7\n"
    survey = load_survey(("w1.csv", text.encode("cp1252")))
    assert any("Windows-1252" in n for n in survey.notes)


@pytest.mark.parametrize("sep", [";", "\t"])
def test_csv_delimiters(sep):
    data = FRAME.to_csv(sep=sep, index=False).encode()
    expect_frame(load_survey(("w1.csv", data)).table)


def test_semicolon_file_with_decimal_commas_in_unknown_column():
    data = b"pupil_id;school_id;wave;year_group;score\nP1;S1;1;7;1,5\nP2;S1;1;9;2,0\n"
    t = load_survey(("w1.csv", data)).table
    assert t["year_group"].tolist() == [7, 9]


def test_ids_keep_leading_zeros():
    data = b"pupil_id,school_id,wave,year_group\n00123,007,1,7\n00124,007,1,9\n"
    t = load_survey(("w1.csv", data)).table
    assert t["pupil_id"].tolist() == ["00123", "00124"] and t["school_id"].tolist()[0] == "007"


def test_ids_keep_leading_zeros_through_a_codebook():
    data = b"Ref,Sch,yr\n00123,007,7\n"
    book = (
        "cb.yml",
        b"codebook_version: 1\nconstants: {wave: 1}\n"
        b"columns: {pupil_id: Ref, school_id: Sch, year_group: yr}\n",
    )
    t = load_survey(("w1.csv", data), codebook=book).table
    assert t["pupil_id"].tolist() == ["00123"] and t["school_id"].tolist() == ["007"]


def test_column_names_differing_in_case_or_spaces_are_recognised():
    data = b"Pupil_ID , School_ID,WAVE,year_group\nP1,S1,1,7\n"
    t = load_survey(("w1.csv", data)).table
    assert list(t.columns) == ["pupil_id", "school_id", "wave", "year_group"]


def test_excel_first_sheet(tmp_path):
    path = tmp_path / "w1.xlsx"
    with pd.ExcelWriter(path) as xl:
        FRAME.to_excel(xl, sheet_name="Answers", index=False)
        pd.DataFrame({"x": [1]}).to_excel(xl, sheet_name="Notes", index=False)
    expect_frame(load_survey(path).table)
    expect_frame(load_survey(("w1.xlsx", path.read_bytes())).table)


def test_excel_sheet_named_in_codebook(tmp_path):
    path = tmp_path / "w1.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"x": [1]}).to_excel(xl, sheet_name="Cover", index=False)
        FRAME.to_excel(xl, sheet_name="Pupils", index=False)
    book = ("cb.yml", b"codebook_version: 1\nsheet: Pupils\ncolumns: {}\n")
    expect_frame(load_survey(path, codebook=book).table)
    wrong = ("cb.yml", b"codebook_version: 1\nsheet: Pupil\ncolumns: {}\n")
    with pytest.raises(SurveyDataError) as info:
        load_survey(path, codebook=wrong)
    assert "no sheet named 'Pupil'" in str(info.value)


def test_excel_row_numbers_start_at_2(tmp_path):
    path = tmp_path / "w1.xlsx"
    FRAME.assign(year_group=[7, 9, 8]).to_excel(path, index=False)
    with pytest.raises(SurveyDataError) as info:
        load_survey(path)
    assert info.value.problems[0].rows == (4,)


def write_sav_with_labels(path):
    raw = pd.DataFrame(
        {
            "ref": ["P001", "P002", "P003"],
            "school": ["S01", "S01", "S02"],
            "ncyear": [1.0, 2.0, 2.0],
            "sex": [1.0, 2.0, np.nan],
            "favmaths": [1.0, 2.0, np.nan],
            "enjoymaths": [4.0, 2.0, 1.0],
        }
    )
    labels = {
        "ncyear": {1.0: "Year 7", 2.0: "Year 9"},
        "sex": {1.0: "Female", 2.0: "Male"},
        "favmaths": {1.0: "Yes", 2.0: "No"},
        "enjoymaths": {
            1.0: "Strongly disagree",
            2.0: "Disagree",
            3.0: "Agree",
            4.0: "Strongly agree",
        },
    }
    writer = pyreadstat.write_dta if path.suffix == ".dta" else pyreadstat.write_sav
    writer(raw, str(path), variable_value_labels=labels)


LABEL_BOOK = b"""codebook_version: 1
constants: {wave: 1}
code_sets:
  agree4: {"Strongly disagree": 1, "Disagree": 2, "Agree": 3, "Strongly agree": 4}
columns:
  pupil_id: ref
  school_id: school
  year_group: {from: ncyear, codes: {"Year 7": 7, "Year 9": 9}}
  gender: {from: sex, codes: {female: girl, male: boy}}
  favourite_maths: {from: favmaths, codes: {"yes": 1, "no": 0}}
  enjoy_maths: {from: enjoymaths, codes: agree4}
"""


@pytest.mark.parametrize("ext", [".sav", ".dta"])
def test_spss_and_stata_value_labels_match_codebook_keys(tmp_path, ext):
    path = tmp_path / f"w1{ext}"
    write_sav_with_labels(path)
    expect_frame(load_survey(path, codebook=("cb.yml", LABEL_BOOK)).table)
    expect_frame(load_survey((path.name, path.read_bytes()), codebook=("cb.yml", LABEL_BOOK)).table)


@pytest.mark.parametrize("ext", [".sav", ".dta"])
def test_spss_and_stata_in_contract_codes_need_no_codebook(tmp_path, ext):
    path = tmp_path / f"w1{ext}"
    frame = FRAME.assign(gender=[1.0, 2.0, np.nan])
    writer = pyreadstat.write_dta if ext == ".dta" else pyreadstat.write_sav
    writer(frame, str(path), variable_value_labels={"gender": {1.0: "girl", 2.0: "boy"}})
    expect_frame(load_survey(path).table)


def test_labelled_gender_renamed_by_codebook_uses_its_labels(tmp_path):
    path = tmp_path / "w1.sav"
    frame = FRAME.assign(gender=[1.0, 2.0, np.nan]).rename(columns={"gender": "sex"})
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"sex": {1.0: "girl", 2.0: "boy"}})
    book = ("cb.yml", b"codebook_version: 1\ncolumns: {gender: sex}\n")
    expect_frame(load_survey(path, codebook=book).table)


def test_spss_row_numbers_are_case_numbers(tmp_path):
    path = tmp_path / "w1.sav"
    pyreadstat.write_sav(FRAME.assign(wave=[1, 1, 5]).drop(columns="gender"), str(path))
    with pytest.raises(SurveyDataError) as info:
        load_survey(path)
    assert info.value.problems[0].rows == (3,)


def test_parquet(tmp_path):
    path = tmp_path / "w1.parquet"
    FRAME.to_parquet(path)
    expect_frame(load_survey(path).table)
    expect_frame(load_survey(("w1.parquet", path.read_bytes())).table)


# -------------------------------------------------------------- bad files
@pytest.mark.parametrize(
    "name,data,words",
    [
        ("w1.xlsx", b"PK\x03\x04 this is not really a zip", "could not be read as an Excel"),
        ("w1.sav", b"$FL2 not really spss" * 10, "could not be read as an SPSS"),
        ("w1.dta", b"<stata_dta> nonsense", "could not be read as a Stata"),
        ("w1.parquet", b"PAR1 nonsense", "could not be read as a Parquet"),
        ("w1.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text (CSV) file"),
        ("w1.csv", b'a,b\n"unterminated,1\n', "could not be read as a CSV"),
        ("w1.pdf", b"%PDF-1.4", "not a file type the loader reads"),
        ("w1.xls", b"\xd0\xcf\x11\xe0", "save it as an .xlsx"),
    ],
)
def test_unreadable_files_get_a_message_naming_the_file(name, data, words):
    with pytest.raises(SurveyDataError) as info:
        load_survey((name, data))
    (p,) = info.value.problems
    assert p.file == name and words in str(p), str(p)


def test_empty_excel_sheet(tmp_path):
    path = tmp_path / "w1.xlsx"
    pd.DataFrame().to_excel(path, index=False)
    with pytest.raises(SurveyDataError) as info:
        load_survey(path)
    assert "holds no data" in str(info.value)


def test_blank_lines_only_csv():
    with pytest.raises(SurveyDataError) as info:
        load_survey(("w1.csv", b"\n\n\n"))
    assert "no column names" in str(info.value)


def test_missing_path():
    with pytest.raises(SurveyDataError) as info:
        load_survey("/nonexistent/w9.csv")
    assert info.value.problems[0].file == "w9.csv"


# ---------------------------------------------------------------- combining
def test_two_waves_combine_with_missing_columns_missing():
    survey = load_survey([DATA / "wave1_small.csv", DATA / "wave2_small.csv"])
    t = survey.table
    assert survey.files == ("wave1_small.csv", "wave2_small.csv")
    assert len(t) == 8 and t["wave"].tolist() == [1] * 5 + [2] * 3
    assert t["weight"].isna().tolist() == [True] * 5 + [False] * 3
    assert t["trip_science"].tolist()[5:] == [1, 0, 0] and t["trip_science"][:5].isna().all()
    assert t["club_science"][5:].isna().all()
    assert set(t["school_id"].cat.categories) == {"S01", "S02"}
    for column in t.columns:
        assert t[column].dtype == schema.dtypes()[column], column
    assert [b.key for b in survey.blocks] == ["favourite", "enjoy", "club", "trip", "aim"]
    # weights in one file only: said when loading, refused (in plain words) when analysing
    (note,) = [n for n in survey.notes if "'weight' column" in n]
    assert "wave2_small.csv has" in note and "wave1_small.csv has none" in note
    from analysis.measures import SurveyAggregates

    with pytest.raises(ValueError, match="empty for 5 of 8 pupils.*add weights to every file"):
        SurveyAggregates(t)


def test_one_codebook_per_file():
    survey = load_survey(
        [DATA / "wave1_small.csv", DATA / "export_small.csv"],
        codebook=[None, DATA / "export_small_codebook.yml"],
    )
    assert len(survey.table) == 9
    with pytest.raises(ValueError, match="one codebook"):
        load_survey([DATA / "wave1_small.csv"], codebook=[None, None])


def test_failed_load_leaves_previous_survey_untouched():
    before = load_survey(DATA / "wave1_small.csv")
    copy = before.table.copy()
    with pytest.raises(SurveyDataError):
        load_survey([DATA / "wave1_small.csv", ("bad.csv", b"pupil_id\n")])
    pd.testing.assert_frame_equal(before.table, copy)
    with pytest.raises(AttributeError):
        before.table = None  # frozen


def test_inputs_not_modified(tmp_path):
    path = tmp_path / "w1.csv"
    path.write_bytes((DATA / "wave1_small.csv").read_bytes())
    before = path.read_bytes()
    load_survey(path)
    assert path.read_bytes() == before


def test_read_file_keeps_raw_columns():
    raw = read_file(DATA / "export_small.csv")
    assert list(raw.frame.columns)[:3] == ["Pupil Ref", "School", "NC Year"]
    assert raw.first_row == 2


# ------------------------------------------------------------------- sample
def sample_ready():
    return (SAMPLE / "example_export.csv").exists() and (
        SAMPLE / "ks3_survey_wave2_2010.csv"
    ).exists()


def test_sample_export_with_its_codebook_equals_the_wave2_rows():
    if not sample_ready():
        pytest.fail("data/sample/example_export.csv is not there: run the sample generator")
    survey = load_survey(
        SAMPLE / "example_export.csv", codebook=SAMPLE / "example_export_codebook.yml"
    )
    export = survey.table
    wave2 = load_survey(SAMPLE / "ks3_survey_wave2_2010.csv").table
    wave2 = wave2[wave2["pupil_id"].isin(export["pupil_id"])]
    # the export carries these columns; every one must hold the same values
    columns = list(export.columns)
    left = export.sort_values("pupil_id").reset_index(drop=True)
    right = wave2[columns].sort_values("pupil_id").reset_index(drop=True)
    assert len(left) == len(export) == len(right) > 0
    for column in columns:
        a, b = left[column], right[column]
        if isinstance(a.dtype, pd.CategoricalDtype):
            a, b = a.astype("string"), b.astype("string")
        pd.testing.assert_series_equal(a, b, check_names=False, obj=column)


# ------------------------------------------------------------ chunked reading
# A large contract-layout CSV is read in chunks with its code columns kept Int8
# (analysis.load._read_chunks). Here the chunks are made tiny (7 rows, every file
# chunked) so a few dozen rows span several; the reference is the file read
# whole (chunking switched off) and, for values and rows, the file's text itself.
CHUNK_HEADER = (
    "pupil_id,school_id,wave,year_group,gender,ethnicity,favourite_maths,"
    "favourite_science,favourite_english,favourite_art,enjoy_maths,weight"
)


def _rows(n: int, bad: dict | None = None) -> list[str]:
    """n pupil rows; ``bad`` replaces whole rows by their index (0 = row 2)."""
    rows = []
    for i in range(n):
        gender = ("girl", "boy", "")[i % 3]
        fav = "" if i % 5 == 4 else str(i % 2)
        enjoy = "" if i % 7 == 6 else str(1 + i % 4)
        rows.append(
            f"P{i:03d},S{i % 4},{1 + i % 2},{7 if i % 3 else 9},{gender},"
            f"white_british,{fav},{(i + 1) % 2},0,{i % 2},{enjoy},1.5"
        )
    for i, row in (bad or {}).items():
        rows[i] = row
    return rows


def _chunked(monkeypatch, rows=7):
    from analysis import load

    monkeypatch.setattr(load, "_CHUNK_BYTES", 0)
    monkeypatch.setattr(load, "_CHUNK_ROWS", rows)


def _whole(monkeypatch):
    from analysis import load

    monkeypatch.setattr(load, "_CHUNK_BYTES", 10**15)


def _load_or_problems(data: bytes):
    try:
        survey = load_survey(("big.csv", data))
    except SurveyDataError as exc:
        return (
            None,
            [str(p) for p in exc.problems],
            [(p.column, p.rows, p.n_rows) for p in exc.problems],
        )
    return survey, list(survey.notes), []


def test_chunked_read_gives_the_whole_reads_table_and_the_files_values(monkeypatch):
    from analysis import load

    data = "\n".join([CHUNK_HEADER, *_rows(40)]).encode() + b"\n"
    _chunked(monkeypatch)
    raw = read_file(
        ("big.csv", data),
        text_columns=lambda h: ["pupil_id", "school_id"],
        code_columns=load._code_columns,
    )
    # the chunked path was taken: code columns Int8 as read, others as parsed
    assert raw.frame["favourite_maths"].dtype == "Int8" and raw.frame["wave"].dtype == "Int8"
    assert raw.frame["weight"].dtype == "float64"
    chunked = load_survey(("big.csv", data))
    _whole(monkeypatch)
    whole = load_survey(("big.csv", data))
    pd.testing.assert_frame_equal(chunked.table, whole.table, check_exact=True)
    assert chunked.notes == whole.notes
    # and the values are the file's, read off its text
    plain = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    for c in ("favourite_maths", "enjoy_maths", "wave", "year_group"):
        expect = [int(v) if v else None for v in plain[c]]
        got = [None if pd.isna(v) else int(v) for v in chunked.table[c]]
        assert got == expect, c
    assert (
        chunked.table["gender"].astype(object).where(chunked.table["gender"].notna(), "").tolist()
        == plain["gender"].tolist()
    )


@pytest.mark.parametrize(
    "bad, column, rows",
    [
        # (row index → row text; row index 0 is file row 2); chunks of 7 rows: rows 2-8, 9-15…
        ({20: "P020,S0,1,7,girl,white_british,5,0,0,0,3,1.5"}, "favourite_maths", (22,)),
        (
            {
                20: "P020,S0,1,7,girl,white_british,1.5,0,0,0,3,1.5",
                33: "P033,S1,1,7,girl,white_british,abc,0,0,0,3,1.5",
            },
            "favourite_maths",
            (22, 35),
        ),
        ({15: "P015,S0,1,7,girl,white_british,1,0,0,0,300,1.5"}, "enjoy_maths", (17,)),
        ({9: "P009,S0,,7,girl,white_british,1,0,0,0,3,1.5"}, "wave", (11,)),
        ({30: "P030,S0,1,8,girl,white_british,1,0,0,0,3,1.5"}, "year_group", (32,)),
        ({25: "P025,S0,1,7,martian,white_british,1,0,0,0,3,1.5"}, "gender", (27,)),
        ({26: "P026,S0,1,7,girl,white_british,1,0,0,0,3,-1"}, "weight", (28,)),
        ({3: "P033,S0,2,7,girl,white_british,1,0,0,0,3,1.5"}, "pupil_id", (5, 35)),
    ],
)
def test_chunked_read_reports_what_the_whole_read_does_in_later_chunks(
    monkeypatch, bad, column, rows
):
    """A problem in a chunk other than the first: the same messages, naming the
    file, column and the rows a person sees (counted here by hand)."""
    data = "\n".join([CHUNK_HEADER, *_rows(40, bad)]).encode() + b"\n"
    _chunked(monkeypatch)
    got = _load_or_problems(data)
    _whole(monkeypatch)
    expect = _load_or_problems(data)
    assert got[1:] == expect[1:]
    (hit,) = [p for p in got[2] if p[0] == column]
    assert hit[1] == rows
    assert any(m.startswith(f"big.csv: column '{column}': row") for m in got[1])


def test_chunked_read_of_a_broken_line_in_a_later_chunk(monkeypatch):
    rows = _rows(40, {24: "P024,S0,1,7,girl,white_british,1,0,0,0,3,1.5,extra,fields"})
    data = "\n".join([CHUNK_HEADER, *rows]).encode() + b"\n"
    _chunked(monkeypatch)
    got = _load_or_problems(data)
    _whole(monkeypatch)
    assert got[1:] == _load_or_problems(data)[1:]
    assert "big.csv: could not be read as a CSV file" in got[1][0] and "line 26" in got[1][0]


def test_chunked_read_notes_ticks_over_the_limit_in_every_chunk(monkeypatch):
    over = {i: f"P{i:03d},S0,1,7,girl,white_british,1,1,1,1,3,1.5" for i in (1, 12, 30)}
    data = "\n".join([CHUNK_HEADER, *_rows(40, over)]).encode() + b"\n"
    _chunked(monkeypatch)
    got = load_survey(("big.csv", data))
    _whole(monkeypatch)
    whole = load_survey(("big.csv", data))
    assert got.notes == whole.notes
    pd.testing.assert_frame_equal(got.table, whole.table, check_exact=True)
    (note,) = [n for n in got.notes if "ticked more than" in n]
    assert "3 pupils" in note and "rows 3, 14, 32" in note


def test_chunked_read_with_a_column_empty_in_the_first_chunk(monkeypatch):
    """gender empty in the first chunk, text later: types differ between chunks,
    so the file is read whole, with the same result."""
    rows = [
        r.replace(",girl,", ",,").replace(",boy,", ",,") if i < 10 else r
        for i, r in enumerate(_rows(30))
    ]
    data = "\n".join([CHUNK_HEADER, *rows]).encode() + b"\n"
    _chunked(monkeypatch)
    got = load_survey(("big.csv", data))
    _whole(monkeypatch)
    pd.testing.assert_frame_equal(got.table, load_survey(("big.csv", data)).table, check_exact=True)
    assert got.table["gender"].iloc[:10].isna().all()
    assert got.table["gender"].iloc[10:].notna().any()
