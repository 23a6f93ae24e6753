"""The generator of the synthetic sample: determinism, freshness, scale, files."""

from __future__ import annotations

import filecmp

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis import schema, synthetic

SAMPLE_FILES = [
    *synthetic.WAVE_FILES.values(),
    synthetic.EXPORT_FILE,
    synthetic.CODEBOOK_FILE,
    "README.md",
]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The sample written twice, into two fresh folders."""
    first = tmp_path_factory.mktemp("first")
    second = tmp_path_factory.mktemp("second")
    synthetic.write_sample(first)
    synthetic.write_sample(second)
    return first, second


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_same_seed_same_bytes(written, name):
    first, second = written
    assert (first / name).read_bytes() == (second / name).read_bytes()


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_committed_sample_is_what_the_generator_writes(written, name):
    committed = synthetic.SAMPLE_DIR / name
    assert committed.exists(), f"{committed} missing: run python scripts/make_sample.py"
    assert filecmp.cmp(written[0] / name, committed, shallow=False), (
        f"{committed} is stale: run python scripts/make_sample.py and commit data/sample/"
    )


def test_another_seed_gives_another_sample():
    a = synthetic.make_survey(seed=1, scale=0.1)
    b = synthetic.make_survey(seed=2, scale=0.1)
    assert not a["enjoy_maths"].equals(b["enjoy_maths"])


def test_every_item_has_a_target():
    expected = {i.column for i in schema.items() if i.scale != "categorical"}
    assert set(synthetic.TARGETS) == expected
    assert set(synthetic.AIM_SHARES) == set(schema.block("aim").categories)
    for y7_y9 in zip(*synthetic.AIM_SHARES.values()):
        assert sum(y7_y9) == pytest.approx(1.0)


def test_make_survey_has_the_contract_columns_and_dtypes():
    t = synthetic.make_survey(scale=0.1)
    expected = [c for c in schema.contract_columns() if c != "weight"]
    assert list(t.columns) == expected
    dtypes = schema.dtypes()
    for column in t.columns:
        if column == "school_id":
            assert isinstance(t[column].dtype, pd.CategoricalDtype)
        else:
            assert t[column].dtype == dtypes[column], column


def test_scale_0_1_keeps_the_design_with_fewer_pupils():
    t = synthetic.make_survey(scale=0.1)
    assert t.groupby("wave").size().to_dict() == {1: 407, 2: 222}
    schools = t.groupby("wave", observed=True)["school_id"].nunique().to_dict()
    assert schools == {1: 27, 2: 19}
    years = t.groupby(["wave", "school_id"], observed=True)["year_group"].nunique()
    assert (years == 2).all()


def test_scale_above_1_adds_schools_of_the_same_size():
    t = synthetic.make_survey(scale=3)
    assert t.groupby("wave").size().to_dict() == {1: 3 * 4073, 2: 3 * 2216}
    schools = t.groupby("wave", observed=True)["school_id"].nunique().to_dict()
    assert schools == {1: 81, 2: 57}
    assert not t.duplicated(["wave", "pupil_id"]).any()


def test_scale_too_small_says_so():
    with pytest.raises(ValueError, match="too few"):
        synthetic.make_survey(scale=0.01)


def test_exact_share_is_hit_at_any_scale():
    """Published shares come from exact counts, not chance: hold at scale 2 too.

    45% of year 9 on a science trip, recomputed by hand from the table.
    """
    t = synthetic.make_survey(scale=2, seed=7)
    for wave in (1, 2):
        answers = t.loc[(t["wave"] == wave) & (t["year_group"] == 9), "trip_science"].dropna()
        assert 44.5 <= 100 * (answers == 1).mean() < 45.5


def test_write_large_writes_n_rows_with_the_contract_columns(tmp_path):
    path = synthetic.write_large(tmp_path / "large.csv", n_pupils=3000)
    table = pd.read_csv(path, dtype={"pupil_id": str, "school_id": str})
    assert len(table) == 3000
    assert list(table.columns) == [c for c in schema.contract_columns() if c != "weight"]
    assert not table.duplicated(["wave", "pupil_id"]).any()
    assert set(table["wave"]) == {1, 2} and set(table["year_group"]) == {7, 9}
    assert set(table["enjoy_maths"].dropna()) <= {1, 2, 3, 4}


def test_write_large_defaults_to_the_ignored_folder():
    import inspect

    assert synthetic.LARGE_DIR == synthetic.SAMPLE_DIR / "large"
    assert inspect.signature(synthetic.write_large).parameters["n_pupils"].default == 1_000_000


def test_select_chooses_exactly_k_eligible_pupils_per_cell():
    rng = np.random.default_rng(0)
    cells = [np.arange(0, 50), np.arange(50, 60), np.arange(60, 100)]
    eligible = np.ones(100, dtype=bool)
    eligible[50:58] = False  # cell 1 has only 2 eligible pupils
    chosen = synthetic._select(cells, np.array([20, 5, 0]), rng.normal(size=100), eligible, rng)
    assert chosen[:50].sum() == 20
    assert chosen[50:60].sum() == 2 and not chosen[50:58].any()
    assert chosen[60:].sum() == 0


def test_select_prefers_heavier_pupils():
    """Efraimidis-Spirakis: with weights 1 and 4, inclusion of one out of two
    is w/(w1+w2) for the first draw: 4/5 for the heavy pupil (by hand)."""
    rng = np.random.default_rng(1)
    cells = [np.array([0, 1])]
    logw = np.log(np.array([1.0, 4.0]))
    picks = [
        synthetic._select(cells, np.array([1]), logw, np.ones(2, bool), rng)[1] for _ in range(4000)
    ]
    assert np.mean(picks) == pytest.approx(0.8, abs=0.025)


def test_apportion_is_largest_remainder_within_caps():
    # by hand: quotas 3.5, 1.75, 1.75 -> floors 3, 1, 1; the two largest
    # remainders (0.75, 0.75) get the 2 left over
    assert synthetic._apportion(7, np.array([0.5, 0.25, 0.25]), np.array([9, 9, 9])).tolist() == [
        3,
        2,
        2,
    ]
    # a cap binds: 10 over three equal quotas with the first capped at 2 -> 2, 4, 4
    assert synthetic._apportion(10, np.ones(3), np.array([2, 10, 10])).tolist() == [2, 4, 4]


# ------------------------------------------------------------- the export
def test_export_is_windows_1252_with_a_non_ascii_name_and_value():
    raw = (synthetic.SAMPLE_DIR / synthetic.EXPORT_FILE).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert "Pupil\u2019s year" in text.splitlines()[0]
    assert "Don\u2019t know" in text
    assert "\r\n" in text


def test_export_holds_a_few_hundred_wave_2_pupils_with_their_ids():
    export = pd.read_csv(synthetic.SAMPLE_DIR / synthetic.EXPORT_FILE, encoding="cp1252", dtype=str)
    wave2 = pd.read_csv(synthetic.SAMPLE_DIR / synthetic.WAVE_FILES[2], dtype=str)
    assert 200 <= len(export) <= 500
    assert export["Pupil Ref"].isin(wave2["pupil_id"]).all()
    assert "wave" not in export.columns
    assert set(export["Sex"]) <= {"F", "M", "O", "Not answered"}
    assert {"Strongly agree", "Not answered"} <= set(export["Enjoy Maths"])
    assert {"Yes", "No", "-9"} <= set(export["Would consider: Science"])


def test_export_words_match_the_wave_2_codes():
    """Spot-check one column of each kind against the wave 2 file."""
    export = pd.read_csv(
        synthetic.SAMPLE_DIR / synthetic.EXPORT_FILE,
        encoding="cp1252",
        dtype=str,
        keep_default_na=False,
    ).set_index("Pupil Ref")
    wave2 = (
        pd.read_csv(synthetic.SAMPLE_DIR / synthetic.WAVE_FILES[2], dtype={"pupil_id": str})
        .set_index("pupil_id")
        .loc[export.index]
    )
    agree = {"Strongly disagree": 1, "Disagree": 2, "Agree": 3, "Strongly agree": 4}
    enjoy = export["Enjoy Maths"].map(agree)
    assert enjoy.fillna(-1).tolist() == wave2["enjoy_maths"].fillna(-1).tolist()
    yes_no = export["Science trip"].map({"Yes": 1, "No": 0})
    assert yes_no.fillna(-1).tolist() == wave2["trip_science"].fillna(-1).tolist()
    year = export["Pupil\u2019s year"].str.removeprefix("Year ").astype(int)
    assert year.tolist() == wave2["year_group"].tolist()


def test_codebook_parses_as_yaml_with_the_format_keys():
    text = (synthetic.SAMPLE_DIR / synthetic.CODEBOOK_FILE).read_text("utf-8")
    book = yaml.safe_load(text)
    assert book["codebook_version"] == 1
    assert set(book) == {
        "codebook_version",
        "description",
        "missing_values",
        "constants",
        "code_sets",
        "columns",
    }
    assert book["missing_values"] == [-9, "Not answered"]
    assert book["constants"] == {"wave": 2}
    assert book["code_sets"]["yes_no"] == {"Yes": 1, "No": 0}
    assert book["code_sets"]["agree4"]["Strongly agree"] == 4
    columns = book["columns"]
    assert columns["pupil_id"] == "Pupil Ref"
    assert columns["gender"] == {"from": "Sex", "codes": {"F": "girl", "M": "boy", "O": "other"}}
    assert columns["year_group"]["from"] == "Pupil\u2019s year"
    assert set(columns) <= set(schema.contract_columns())
    export = pd.read_csv(synthetic.SAMPLE_DIR / synthetic.EXPORT_FILE, encoding="cp1252", nrows=0)
    for target, spec in columns.items():
        source = spec if isinstance(spec, str) else spec["from"]
        assert source in export.columns, (target, source)
        if isinstance(spec, dict) and isinstance(spec["codes"], str):
            assert spec["codes"] in book["code_sets"]
    assert text.count("#") > 20  # commented: it is the worked example in the docs


def test_readme_names_the_seed_and_how_to_regenerate():
    text = (synthetic.SAMPLE_DIR / "README.md").read_text("utf-8")
    assert "synthetic" in text.lower() or "made up" in text
    assert str(synthetic.SEED) in text
    assert "python scripts/make_sample.py" in text
