"""Pupil-identifying columns are refused, by name and by value; pseudonyms are not."""

import datetime as dt

import pandas as pd
import pytest

from analysis import privacy
from analysis.errors import IdentifyingDataError, SurveyDataError
from analysis.load import load_survey

IDS = {
    "pupil_id": [f"P{i:05d}" for i in range(1, 11)],
    "school_id": [f"S{i % 3 + 1:02d}" for i in range(10)],
}


def flagged(column, values):
    table = pd.DataFrame({**IDS, column: list(values)[:10]})
    return [p.column for p in privacy.identifying_columns(table, "x.csv")]


@pytest.mark.parametrize(
    "name",
    [
        "name",
        "Name",
        "forename",
        "First Name",
        "first_name",
        "LastName",
        "surname",
        "Surname",
        "full name",
        "Pupil Name",
        "date of birth",
        "DOB",
        "d.o.b.",
        "birth_date",
        "BirthDate",
        "postcode",
        "Post Code",
        "home address",
        "Address 1",
        "UPN",
        "unique pupil number",
        "email",
        "E-mail",
        "Email Address",
        "phone",
        "Telephone",
        "mobile",
    ],
)
def test_identifying_column_names(name):
    assert flagged(name, ["x"] * 10) == [name]


@pytest.mark.parametrize(
    "name",
    [
        "pupil_id",
        "school_id",
        "school name",
        "School Address",
        "Sex",
        "NC Year",
        "enjoy_maths",
        "career_media_publishing",
        "source_internet",
        "renamed",
        "named_in_report",
    ],
)
def test_ordinary_column_names_not_flagged(name):
    assert flagged(name, ["x"] * 10) == []


EMAILS = [f"pupil{i}@school{i % 2}.sch.uk" for i in range(10)]
POSTCODES = [
    "SW1A 1AA",
    "M1 1AE",
    "B33 8TH",
    "CR2 6XH",
    "DN55 1PT",
    "LS1 4AP",
    "YO1 7HH",
    "EC1A 1BB",
    "W1A 0AX",
    "NE1 7RU",
]
UPNS = [f"A{800000000000 + 7919 * i:012d}" for i in range(10)]
NAMES = [
    "Amy Smith",
    "Ben Jones",
    "Chloe Taylor",
    "Dan Brown",
    "Ella Wilson",
    "Finn Davies",
    "Grace Evans",
    "Harry Thomas",
    "Isla Roberts",
    "Jack Walker",
]
BIRTHDAYS = [dt.date(1996, 9, 3) + dt.timedelta(days=97 * i) for i in range(10)]


@pytest.mark.parametrize(
    "values,why",
    [
        (EMAILS, "e-mail"),
        (POSTCODES, "postcodes"),
        ([p.lower().replace(" ", "") for p in POSTCODES], "postcodes"),
        (UPNS, "Unique Pupil Numbers"),
        (NAMES, "names"),
        ([d.strftime("%d/%m/%Y") for d in BIRTHDAYS], "dates of birth"),
        ([d.isoformat() for d in BIRTHDAYS], "dates of birth"),
        (pd.to_datetime(BIRTHDAYS), "dates of birth"),
    ],
)
def test_identifying_values_under_an_innocent_name(values, why):
    table = pd.DataFrame({**IDS, "Q7": values})
    (p,) = privacy.identifying_columns(table, "x.csv")
    assert p.column == "Q7" and why in p.what and p.file == "x.csv"
    assert "Remove this column" in p.todo


@pytest.mark.parametrize(
    "values",
    [
        ["White British", "Other ethnic group", "White British", "Mixed Race"] * 3,  # few labels
        ["Strongly Agree", "Agree", "Strongly Disagree", "Disagree"] * 3,
        [f"2008-10-{d:02d}" for d in range(1, 13)],  # the day of the survey, not a birthday
        [f"P{i:05d}" for i in range(12)],
        [f"S{i:02d}" for i in range(12)],
        [f"R-{100 + i}" for i in range(12)],
        ["Year 7", "Year 9"] * 6,
    ],
)
def test_survey_like_values_not_flagged(values):
    assert flagged("Q7", values) == []


def test_the_samples_own_columns_not_flagged():
    # the sample's identifiers look like these: pupil "P00123", school "S01"
    table = pd.DataFrame(
        {
            "pupil_id": [f"P{i:05d}" for i in range(2000)],
            "school_id": [f"S{i % 27 + 1:02d}" for i in range(2000)],
            "gender": ["girl", "boy"] * 1000,
            "ethnicity": ["white_british", "other_ethnic_group"] * 1000,
            "wave": [1] * 2000,
        }
    )
    assert privacy.identifying_columns(table, "w1.csv") == []


def test_load_refuses_file_before_unknown_columns_are_dropped():
    data = b"pupil_id,school_id,wave,year_group,Pupil Email\nP1,S1,1,7,a@b.org\nP2,S1,1,9,c@d.org\n"
    with pytest.raises(IdentifyingDataError) as info:
        load_survey(("w1.csv", data))
    (p,) = info.value.problems
    assert p.file == "w1.csv" and p.column == "Pupil Email"
    assert "e-mail" in str(info.value)
    assert isinstance(info.value, SurveyDataError)  # callers catching SurveyDataError see it


def test_identifying_values_in_a_mapped_column_are_refused():
    # pupil_id holding UPNs: the contract column itself identifies pupils
    rows = "\n".join(f"{u},S1,1,7" for u in UPNS)
    with pytest.raises(IdentifyingDataError) as info:
        load_survey(("w1.csv", f"pupil_id,school_id,wave,year_group\n{rows}\n".encode()))
    assert info.value.problems[0].column == "pupil_id"


def test_sample_checked_is_bounded():
    values = pd.Series([f"P{i:07d}" for i in range(100_000)])
    assert len(privacy._sample(values)) == privacy.SAMPLE_SIZE
