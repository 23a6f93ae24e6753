"""dashboards package: data source, messages, and the favourite subjects wiring."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import measures, schema
from analysis.errors import Problem, SurveyDataError
from dashboards import data, favourite_subjects, page, server


@pytest.fixture
def table() -> pd.DataFrame:
    """40 girls and 40 boys in every wave and year group, and 3 pupils of other gender."""
    rng = np.random.default_rng(7)
    rows = []
    for wave in (1, 2):
        for year in (7, 9):
            for gender, n in (("girl", 40), ("boy", 40), ("other", 3)):
                for _ in range(n):
                    rows.append({"wave": wave, "year_group": year, "gender": gender,
                                 **{c: int(rng.random() < 0.3) for c in
                                    schema.block("favourite").columns}})
    t = pd.DataFrame(rows)
    return t.astype({"wave": "Int8", "year_group": "Int8",
                     "gender": pd.CategoricalDtype(list(schema.groups()["gender"].values))})


def test_data_source_defaults_to_the_sample():
    source = data.data_source({})
    assert source.is_sample and source.files == data.SAMPLE_FILES
    assert all(p.is_absolute() for p in source.files)
    assert data.data_source({"KS3_SURVEY_FILES": ""}).is_sample


def test_data_source_reads_the_environment():
    source = data.data_source({"KS3_SURVEY_FILES": os.pathsep.join(["/a/w1.sav", "/b/w2.sav"]),
                               "KS3_SURVEY_CODEBOOK": "/a/codebook.yml"})
    assert not source.is_sample
    assert source.files == (Path("/a/w1.sav"), Path("/b/w2.sav"))
    assert source.codebook == Path("/a/codebook.yml")


def test_problem_message_shows_the_loaders_words_escaped():
    error = SurveyDataError(Problem("w1.csv", "values <5> are not codes.", "Fix them.",
                                    column="wave", rows=(2, 7), n_rows=2))
    source = data.DataSource((Path("/x/w1.csv"),), None, False)
    shown = page.problem_message(error, source).value
    assert "w1.csv: column &#x27;wave&#x27;: rows 2, 7: values &lt;5&gt; are not codes." in shown
    assert "KS3_SURVEY_FILES" in shown and "Traceback" not in shown


def test_show_turns_a_loader_error_into_a_message(monkeypatch):
    error = SurveyDataError(Problem("w1.csv", "not a survey.", "Check the file."))

    def build():
        raise error

    box = page.show(build)
    assert "could not be loaded" in box.children[0].value
    assert "w1.csv: not a survey." in box.children[0].value


def test_show_hides_an_unexpected_error(capsys):
    def build():
        raise ZeroDivisionError("boom")

    box = page.show(build)
    assert "could not be drawn" in box.children[0].value
    assert "boom" not in box.children[0].value


def test_aggregates_are_computed_once_and_filter_reuses_them(table, monkeypatch):
    calls = []
    real = measures.shares
    monkeypatch.setattr(measures, "shares", lambda *a, **k: calls.append(k["by"]) or real(*a, **k))
    dashboard = favourite_subjects.FavouriteSubjects(table)
    assert calls == [["wave", "year_group"], ["gender", "wave", "year_group"]]
    dashboard.gender.value = "girl"
    dashboard.gender.value = "boy"
    assert len(calls) == 2, "a filter change went back to the pupil rows"


def test_filter_redraws_with_the_chosen_pupils_shares(table):
    dashboard = favourite_subjects.FavouriteSubjects(table)
    dashboard.gender.value = "girl"
    girls = table[table["gender"] == "girl"]
    assert "girls" in dashboard.figure.layout.title.text
    for trace in dashboard.figure.data:
        cell = girls[(girls["wave"] == trace.meta["wave"])
                     & (girls["year_group"] == trace.meta["year_group"])]
        for label, share in zip(trace.y, trace.x):
            column = next(c for c in schema.block("favourite").columns
                          if schema.item(c).label == label)
            assert share == pytest.approx(cell[column].mean(), rel=1e-12)
    dashboard.gender.value = favourite_subjects.ALL_PUPILS
    assert "all pupils" in dashboard.figure.layout.title.text


def test_small_gender_groups_are_not_offered(table):
    dashboard = favourite_subjects.FavouriteSubjects(table)
    keys = [key for _, key in dashboard.gender.options]
    assert keys == [favourite_subjects.ALL_PUPILS, "girl", "boy"]  # "other": 3 < MIN_BASE


def test_voila_command_serves_the_folder_on_loopback_without_sources():
    argv = server.voila_command(8999)
    assert argv[1] == str(server.DASHBOARDS_DIR)
    assert "--port=8999" in argv and "--Voila.ip=127.0.0.1" in argv
    assert "--VoilaConfiguration.strip_sources=True" in argv
    assert "--VoilaConfiguration.show_tracebacks=False" in argv


def test_home_lists_only_public_dashboards_on_a_bundle(tmp_path):
    from dashboards import home, server

    for name in (*server.PUBLIC_NOTEBOOKS, "planner"):
        (tmp_path / f"{name}.ipynb").write_text("{}")
    env = {"KS3_BUNDLE": "/some/bundle"}
    listed = [d[0] for d in home.shown(env, tmp_path)]
    assert "planner.ipynb" not in listed and "favourite_subjects.ipynb" not in listed
    assert set(listed) == {f"{n}.ipynb" for n in server.PUBLIC_NOTEBOOKS} - {"index.ipynb"}
    assert "planner.ipynb" not in home.links(env, tmp_path).value
    assert home.shown({}) == home.DASHBOARDS
