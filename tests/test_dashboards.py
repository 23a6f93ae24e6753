"""dashboards package: data source, messages, and the Subjects dashboard's favourite
subjects (the chart of the retired "Favourite subjects" page)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import measures, schema
from analysis.errors import Problem, SurveyDataError
from analysis.load import Survey
from dashboards import data, page, results, server, subjects

FAVOURITES = schema.block("favourite").columns


@pytest.fixture
def table() -> pd.DataFrame:
    """40 girls and 40 boys in every wave and year group (4 schools), and 3 pupils of
    other gender."""
    rng = np.random.default_rng(7)
    rows = []
    for wave in (1, 2):
        for year in (7, 9):
            for gender, n in (("girl", 40), ("boy", 40), ("other", 3)):
                for i in range(n):
                    rows.append(
                        {
                            "pupil_id": f"P{len(rows)}",
                            "school_id": f"S{i % 4}",
                            "wave": wave,
                            "year_group": year,
                            "gender": gender,
                            **{c: int(rng.random() < 0.3) for c in FAVOURITES},
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


def favourites_shown(figure) -> dict:
    """{(year group, item): percent} of the share dots of a Subjects figure."""
    return {
        (trace.meta["group"], custom[0]): x
        for trace in figure.data
        if trace.meta.get("kind") == "share"
        for custom, x in zip(trace.customdata, trace.x)
    }


def test_data_source_defaults_to_the_sample():
    source = data.data_source({})
    assert source.is_sample and source.files == data.SAMPLE_FILES
    assert all(p.is_absolute() for p in source.files)
    assert data.data_source({"KS3_SURVEY_FILES": ""}).is_sample


def test_data_source_reads_the_environment():
    source = data.data_source(
        {
            "KS3_SURVEY_FILES": os.pathsep.join(["/a/w1.sav", "/b/w2.sav"]),
            "KS3_SURVEY_CODEBOOK": "/a/codebook.yml",
        }
    )
    assert not source.is_sample
    assert source.files == (Path("/a/w1.sav"), Path("/b/w2.sav"))
    assert source.codebook == Path("/a/codebook.yml")


def test_problem_message_shows_the_loaders_words_escaped():
    error = SurveyDataError(
        Problem(
            "w1.csv", "values <5> are not codes.", "Fix them.", column="wave", rows=(2, 7), n_rows=2
        )
    )
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


def test_pupil_rows_are_read_once_and_filters_reuse_the_tables(table, monkeypatch):
    aggregated, computed = [], []
    real_init, real_shares = measures.SurveyAggregates.__init__, measures.SurveyAggregates.shares

    def init(self, *args, **kwargs):
        aggregated.append(1)
        real_init(self, *args, **kwargs)

    def shares(self, by, *args, **kwargs):
        computed.append(tuple(by))
        return real_shares(self, by, *args, **kwargs)

    monkeypatch.setattr(measures.SurveyAggregates, "__init__", init)
    monkeypatch.setattr(measures.SurveyAggregates, "shares", shares)
    monkeypatch.setattr(measures, "shares", lambda *a, **k: pytest.fail("read pupil rows"))
    board = subjects.make(results.LiveResults(Survey(table, ("t.csv",))))
    for _ in range(2):  # there and back again: nothing is computed twice
        board.filters.set(gender="girl")
        board.filters.set(gender="boy")
        board.filters.set(gender="all")
    assert aggregated == [1], "the pupil rows were read more than once"
    # the blocks present, year 7 vs year 9 of all pupils, and of each gender: once each
    assert sorted(computed) == [(), ("year_group",), ("year_group", "gender")]


def test_gender_filter_redraws_with_the_chosen_pupils_shares(table):
    board = subjects.make(results.LiveResults(Survey(table, ("t.csv",))))
    assert board.figure.layout.title.text.endswith("all pupils")
    board.filters.set(gender="girl")
    girls = table[table["gender"] == "girl"]
    assert board.figure.layout.title.text.endswith("Year 7 vs Year 9, Girls")
    shown = favourites_shown(board.figure)
    assert len(shown) == 2 * len(FAVOURITES)
    for (year, column), percent in shown.items():
        answered = girls[girls["year_group"] == year][column].dropna().astype(float)
        assert percent == pytest.approx(100 * answered.mean(), rel=1e-12)
    board.filters.set(gender="all")
    assert board.figure.layout.title.text.endswith("all pupils")


def test_a_small_gender_group_is_neither_offered_nor_compared(table):
    board = subjects.make(results.LiveResults(Survey(table, ("t.csv",))))
    assert [key for _, key in board.filters.dropdowns["gender"].options] == ["all", "boy", "girl"]
    board.compare.value = "gender"
    assert {t.meta["group"] for t in board.figure.data if t.meta.get("kind") == "share"} == {
        "boy",
        "girl",
    }  # "other": 3 pupils a cell


def test_voila_command_serves_the_folder_on_loopback_without_sources():
    argv = server.voila_command(8999)
    assert argv[1] == str(server.DASHBOARDS_DIR)
    assert "--port=8999" in argv and "--Voila.ip=127.0.0.1" in argv
    assert "--VoilaConfiguration.strip_sources=True" in argv
    assert "--VoilaConfiguration.show_tracebacks=False" in argv


def test_home_lists_only_public_dashboards_on_a_bundle(tmp_path):
    from dashboards import home, server

    for name in (*server.PUBLIC_NOTEBOOKS, "planner", "manager"):
        (tmp_path / f"{name}.ipynb").write_text("{}")
    env = {"KS3_BUNDLE": "/some/bundle"}
    listed = [d[0] for d in home.shown(env, tmp_path)]
    assert "planner.ipynb" not in listed and "manager.ipynb" not in listed
    assert set(listed) == {f"{n}.ipynb" for n in server.PUBLIC_NOTEBOOKS} - {"index.ipynb"}
    assert "planner.ipynb" not in home.links(env, tmp_path).value
    assert "manager.ipynb" not in home.links(env, tmp_path).value
    assert home.shown({}) == home.DASHBOARDS


def test_a_published_page_starts_without_the_audit_or_the_estimation():
    """A published server's kernel runs a public page on a bundle: it must not import
    the disclosure audit (scipy's linear programmes), the estimation (scipy.stats,
    sparse matrices) or pupil loading, which cost each kernel about 60 MiB and a
    second of CPU at start (bench/README.md). Each public page, and the page run on a
    real bundle of the sample, in a fresh interpreter."""
    import subprocess
    import sys

    from dashboards import pages

    heavy = (
        "scipy.stats",
        "scipy.optimize",
        "scipy.sparse",
        "analysis.load",
        "analysis.measures.aggregates",
        "analysis.disclosure.suppression",
        "analysis.disclosure.audit",
    )
    names = ["home", *(p.name for p in pages.PAGES if p.audience == "public")]
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(f'dashboards.{name}').main()\n"
        f"print('heavy:', [m for m in {heavy!r} if m in sys.modules])\n"
    )
    from test_publish import sample_bundle

    run = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "KS3_BUNDLE": str(sample_bundle())},
        cwd=Path(__file__).resolve().parents[1],
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "heavy: []", run.stdout[-2000:]
