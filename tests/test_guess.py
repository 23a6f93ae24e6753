"""The starter codebook on exports with other naming habits (tests/export_habits.py).

The truth of every export column is known (it was written from the sample), so
the template is scored against it, and the export loaded with the template is
compared with the sample's own rows of the same pupils.
"""

import pandas as pd
import pytest
import yaml

import export_habits as habits
from analysis import schema
from analysis.codebook import Codebook
from analysis.errors import SurveyDataError
from analysis.guess import codebook_template, guess_from_wording, strip_numbering
from analysis.load import load_survey


@pytest.fixture(scope="module")
def table():
    return habits.sample()


@pytest.fixture(scope="module", params=list(habits.HABITS))
def export(request, table, tmp_path_factory):
    folder = tmp_path_factory.mktemp("habit")
    path, truth, expected = habits.HABITS[request.param](folder, table)
    return request.param, path, truth, expected, codebook_template(path)


def test_template_maps_most_columns_right_and_none_wrong(export):
    name, path, truth, _, text = export
    s = habits.score(text, truth)
    assert s["wrong"] == [], f"{name}: mapped wrong: {s['wrong']}"
    assert s["right"] >= 0.9 * s["survey columns"], f"{name}: {s}"


def test_export_loads_with_its_template_as_the_sample_reads(export):
    name, path, truth, expected, text = export
    survey = load_survey(path, codebook=Codebook.from_yaml(text, "template.yml"))
    got = survey.table.set_index(["pupil_id", "wave"]).sort_index()
    want = expected.set_index(["pupil_id", "wave"]).loc[got.index]
    assert len(got) == len(want) == len(expected)
    mapped = [c for c in got.columns if c in want.columns]
    assert len(mapped) >= 0.9 * len(schema.contract_columns()) - 5
    for column in mapped:
        a, b = got[column], want[column]
        if column == "school_id":
            a, b = a.astype(str), b.astype(str)
        else:
            a, b = a.astype(object), b.astype(object)
        a = a.where(a.notna(), None)
        b = b.where(b.notna(), None)
        assert a.tolist() == b.tolist(), f"{name}: {column}"


def test_five_point_neutral_answers_are_left_out_and_counted_in_a_note(tmp_path, table):
    import pyreadstat

    path, truth, expected = habits.labels_only_sav(tmp_path, table)
    survey = load_survey(path, codebook=Codebook.from_yaml(codebook_template(path)))
    frame, _ = pyreadstat.read_sav(str(path))
    agreement = [
        s
        for s, t in truth.items()
        if t
        and t in schema.contract_columns()
        and t not in schema.GROUP_COLUMNS
        and t not in schema.ID_COLUMNS
        and schema.item(t).scale == "agreement"
    ]
    neutral = int((frame[agreement] == 3).sum().sum())  # counted in the file itself
    assert neutral > 0.1 * frame[agreement].notna().sum().sum()
    note = [n for n in survey.notes if "Neither agree nor disagree" in n]
    assert len(note) == 1
    assert f"{neutral:,} answers in {len(agreement)} columns" in note[0]
    assert "left out of those items' bases" in note[0]
    gender = [n for n in survey.notes if "Prefer not to say" in n]
    assert gender and f"{int((frame['v5'] == 3).sum()):,} answer" in gender[0]


def test_template_never_maps_what_loading_refuses(tmp_path):
    # a 1-5 scale without labels, ticks coded 0/1/2, a blank school: nothing
    # here can be mapped safely
    path = tmp_path / "odd.csv"
    path.write_text(
        "Pupil ID,School,Wave,Year,Enjoy Maths,Fav Maths,Fav Art\n"
        "P1,S1,1,7,5,2,1\nP2,,1,9,1,0,0\nP3,S2,2,7,3,1,1\n"
    )
    text = codebook_template(path)
    raw = yaml.safe_load(text)["columns"]
    assert "enjoy_maths" not in raw and "favourite_maths" not in raw
    assert "school_id" not in raw
    assert "# enjoy_maths:" in text and "# favourite_maths:" in text  # offered as choices
    assert raw["favourite_art"] == "Fav Art"
    with pytest.raises(SurveyDataError) as info:
        load_survey(path, codebook=Codebook.from_yaml(text))
    assert all("required column" in p.what for p in info.value.problems)


def test_a_mapping_refused_on_loading_becomes_a_choice_with_the_reason(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("pupil,school,wave,year,sex\nP1,S1,1,7,girl\nP2,S1,1,8,boy\n")
    text = codebook_template(path)
    assert "# year_group:" in text and "8" in text
    raw = yaml.safe_load(text)["columns"]
    assert "year_group" not in raw and raw["gender"]["codes"] == {"girl": "girl", "boy": "boy"}


@pytest.mark.parametrize(
    "text, column",
    [
        ("I enjoy maths", "enjoy_maths"),
        ("Q12. I find science easy", "easy_science"),
        ("Have you been to a maths club?", "club_maths"),
        ("Would you consider a career in engineering?", "consider_engineering"),
        ("Where would you go to find out about jobs and careers? Internet", "source_internet"),
        ("Have you heard of apprenticeships?", "aware_apprenticeships"),
        ("Which kinds of work would you consider? Hair and beauty", "career_hair_beauty"),
        ("I would like to find out more about STEM careers", "want_stem_careers_info"),
        ("Sex of pupil", "gender"),
        ("Survey year", "wave"),
        ("I enjoy maths and science", None),
        ("Do you like school?", None),
        ("How many brothers and sisters do you have?", None),
    ],
)
def test_question_wording(text, column):
    assert guess_from_wording(strip_numbering(text))[0] == column


@pytest.mark.parametrize(
    "name, stripped",
    [
        ("Q12_Enjoy_Maths", "Enjoy_Maths"),
        ("q3b. I enjoy maths", "I enjoy maths"),
        ("v12", ""),
        ("Q4_Gender", "Gender"),
        ("Year group", "Year group"),
        ("Q12", ""),
        ("12. Sex", "Sex"),
    ],
)
def test_strip_numbering(name, stripped):
    assert strip_numbering(name) == stripped


def test_codes_without_a_mapping_are_named_by_value_and_label(tmp_path):
    import pyreadstat

    frame = pd.DataFrame(
        {"id": ["P1", "P2", "P3"], "sch": ["S1", "S1", "S2"], "sex": [1.0, 2.0, 3.0]}
    )
    path = tmp_path / "x.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={"sex": {1: "Male", 2: "Female", 3: "Prefer not to say"}},
    )
    book = Codebook.from_yaml(
        "codebook_version: 1\nconstants: {wave: 1, year_group: 7}\n"
        "columns:\n  pupil_id: id\n  school_id: sch\n"
        "  gender: {from: sex, codes: {1: boy, 2: girl}}\n"
    )
    with pytest.raises(SurveyDataError) as info:
        load_survey(path, codebook=book)
    text = str(info.value)
    assert "value 3 (Prefer not to say) in 'sex'" in text
    assert "3.0" not in text


def test_a_wrong_code_of_a_labelled_file_without_codebook_is_named_by_its_label(tmp_path):
    import pyreadstat

    frame = pd.DataFrame(
        {
            "pupil_id": ["P1", "P2"],
            "school_id": ["S1", "S1"],
            "wave": [1.0, 1.0],
            "year_group": [7.0, 9.0],
            "enjoy_maths": [5.0, 1.0],
        }
    )
    path = tmp_path / "y.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={
            "enjoy_maths": {
                1: "Strongly disagree",
                3: "Neither agree nor disagree",
                5: "Strongly agree",
            }
        },
    )
    with pytest.raises(SurveyDataError) as info:
        load_survey(path)
    assert "value 5 (Strongly agree) is not a code of enjoy_maths" in str(info.value)


@pytest.fixture(scope="module")
def five_point(tmp_path_factory, table):
    folder = tmp_path_factory.mktemp("five")
    path, truth, expected = habits.labels_only_sav(folder, table)
    book = folder / "template.yml"
    book.write_text(codebook_template(path))
    return path, book


def test_summary_readme_states_what_the_codes_left_out(five_point, tmp_path):
    from openpyxl import load_workbook

    from analysis.__main__ import main

    path, book = five_point
    survey = load_survey(path, codebook=book)
    (neutral,) = [n for n in survey.code_notes if "neutral" in n]
    assert (
        main(
            [
                "summary",
                str(path),
                "--codebook",
                str(book),
                "--out",
                str(tmp_path),
                "--no-disclosure",
                "--blocks",
                "enjoy",
            ]
        )
        == 0
    )
    readme = (tmp_path / "README.md").read_text()
    assert f"- {neutral}" in readme
    sheet = load_workbook(tmp_path / "summary.xlsx", read_only=True)["README"]
    assert any(neutral in str(row[0]) for row in sheet.iter_rows(values_only=True))


def test_every_page_says_what_the_codes_left_out(five_point):
    from dashboards import page

    path, book = five_point
    survey = load_survey(path, codebook=book)
    assert len(survey.code_notes) == 3  # neutral, sex and ethnicity not stated
    html = page.source_note(survey).value
    for note in survey.code_notes:
        assert note.split(":")[1].strip()[:30] in html


# ------------------------------------------------- never a mapping loading refuses
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

NAMES = [
    "Pupil ID",
    "School",
    "Wave",
    "Year",
    "Sex",
    "Ethnic group",
    "Enjoy Maths",
    "Q3_EASY_SCIENCE",
    "Fav Art",
    "Science club",
    "Would consider: Maths",
    "v7",
    "Aim",
    "Comment",
    "I enjoy maths and science",
    "Maths set",
]
VALUES = st.sampled_from(
    [
        "",
        "1",
        "0",
        "2",
        "3",
        "4",
        "5",
        "7",
        "8",
        "9",
        "-9",
        "Yes",
        "No",
        "Agree",
        "Strongly agree",
        "Neither agree nor disagree",
        "Disagree",
        "Female",
        "Male",
        "Prefer not to say",
        "M",
        "F",
        "X",
        "Year 7",
        "Year 9",
        "2008",
        "2010",
        "White British",
        "Asian",
        "White",
        "Not answered",
        "A levels",
        "Degree",
        "maybe",
        "S1",
        "P1",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(st.sampled_from(NAMES), min_size=1, max_size=8, unique=True),
    rows=st.integers(1, 6),
    data=st.data(),
)
def test_a_template_never_maps_a_column_loading_refuses(tmp_path_factory, names, rows, data):
    """Whatever the file holds, loading with its template fails only for a required
    column the template could not map (or a pupil repeated in a wave, a fault of the
    data): never for a mapping it wrote."""
    cells = [[data.draw(VALUES) for _ in names] for _ in range(rows)]
    path = tmp_path_factory.mktemp("any") / "any.csv"
    pd.DataFrame(cells, columns=names).to_csv(path, index=False)
    text = codebook_template(path)
    book = Codebook.from_yaml(text, "template.yml")
    try:
        load_survey(path, codebook=book)
    except SurveyDataError as err:
        refused = [
            p
            for p in err.problems
            if "required column" not in p.what
            and "does not look like" not in p.what
            and "more than once" not in p.what
        ]
        assert not refused, f"{text}\n{[str(p) for p in refused]}"


def test_a_publication_says_what_the_codes_left_out_rounded(five_point):
    """A bundle's manifest carries the code notes, rounded as its pupil counts are, with
    no file name and no count per column; every published page shows them."""
    import html
    import re
    import types

    from analysis import publish
    from analysis.disclosure import DisclosureRules
    from dashboards.bundle import BundleResults

    path, book = five_point
    survey = load_survey(path, codebook=book)
    (neutral,) = [n for n in survey.code_notes if "neutral" in n]
    exact = int(re.search(r"([\d,]+) answers", neutral)[1].replace(",", ""))
    published = publish.published_code_notes(survey.code_notes)
    assert len(published) == len(survey.code_notes)
    (said,) = [n for n in published if "neutral" in n]
    assert f"About {(exact + 5) // 10 * 10:,} answers in " in said  # half up, as for pupils
    assert path.name not in " ".join(published) and f"{exact:,}" not in said
    assert "enjoy_maths" not in said and "left out of those items' bases" in said
    shown = types.SimpleNamespace(
        manifest={"code_notes": published}, rules=DisclosureRules(), title="T", school_label=""
    )
    note = BundleResults.note(shown).value
    assert all(html.escape(n) in note for n in published)
