"""dashboards.upload: files from the page replace the data, or say why not and change nothing."""

from __future__ import annotations

import builtins
import datetime
import html
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import load, schema
from analysis.errors import SurveyDataError
from dashboards import results, shell, subjects, upload

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
EXPORT = SAMPLE / "example_export.csv"
CODEBOOK = SAMPLE / "example_export_codebook.yml"
FAVOURITES = schema.block("favourite").columns


def upload_value(*files: tuple[str, bytes]) -> tuple[dict, ...]:
    """What ipywidgets 8's FileUpload.value holds after the browser sent ``files``."""
    return tuple(
        {
            "name": name,
            "type": "",
            "size": len(content),
            "content": memoryview(content),
            "last_modified": datetime.datetime(2024, 1, 1),
        }
        for name, content in files
    )


@pytest.fixture
def first_survey() -> load.Survey:
    """A small survey in the contract layout: 4 schools, 40 girls and 40 boys a cell."""
    rng = np.random.default_rng(3)
    rows = []
    for wave in (1, 2):
        for year in (7, 9):
            for gender in ("girl", "boy"):
                for i in range(40):
                    rows.append(
                        {
                            "school_id": f"S{i % 4}",
                            "wave": wave,
                            "year_group": year,
                            "gender": gender,
                            **{c: int(rng.random() < 0.5) for c in FAVOURITES},
                        }
                    )
    table = pd.DataFrame(rows).astype(
        {
            "wave": "Int8",
            "year_group": "Int8",
            "gender": pd.CategoricalDtype(list(schema.groups()["gender"].values)),
        }
    )
    return load.Survey(table, ("first.csv",))


@pytest.fixture
def shown(first_survey) -> shell.DashboardPage:
    """The Subjects dashboard in its page frame, with the upload panel."""
    return shell.DashboardPage(results.LiveResults(first_survey), subjects.make)


def dots(figure) -> dict:
    """{(year group, item): percent} of every share dot of a Subjects figure."""
    return {
        (trace.meta["group"], custom[0]): x
        for trace in figure.data
        if trace.meta.get("kind") == "share"
        for custom, x in zip(trace.customdata, trace.x)
    }


def test_uploaded_files_reads_both_ipywidgets_shapes():
    value = upload_value(("a.csv", b"x,y\n"), ("b.csv", b"z\n"))
    assert upload.uploaded_files(value) == [("a.csv", b"x,y\n"), ("b.csv", b"z\n")]
    old = {"a.csv": {"metadata": {}, "content": b"x,y\n"}}  # ipywidgets 7
    assert upload.uploaded_files(old) == [("a.csv", b"x,y\n")]
    assert upload.uploaded_files(()) == []


def test_accepts_every_format_the_loader_reads():
    accept = upload.SurveyUpload(lambda s: None).files.accept.split(",")
    assert {".csv", ".xlsx", ".sav", ".dta", ".parquet"} <= set(accept)


def test_good_files_replace_the_survey_and_redraw(shown, first_survey):
    before = shown.dashboard
    old_shares = dots(before.figure)
    assert len(old_shares) == 2 * len(FAVOURITES)
    shown.upload.files.value = upload_value((EXPORT.name, EXPORT.read_bytes()))
    shown.upload.codebook.value = upload_value((CODEBOOK.name, CODEBOOK.read_bytes()))
    assert shown.upload.use_files() is True
    assert shown.dashboard is not before and shown.body.children == (shown.dashboard.widget,)
    assert shown.results.survey.files == ("example_export.csv",)
    note = shown.note.children[0].value
    assert "<b>Showing your data</b>: example_export.csv" in note
    # independently: the export's pupils, read with plain pandas and the codebook's words
    raw = pd.read_csv(EXPORT, encoding="cp1252")
    year = raw["Pupil\u2019s year"].str.extract(r"(\d+)")[0].astype(int)
    maths = pd.to_numeric(raw["Fav Maths"], errors="coerce").where(lambda s: s >= 0)
    expected = maths.groupby(year).mean()
    new_shares = dots(shown.dashboard.figure)
    assert {year for year, _ in new_shares} == {7, 9}
    for year_group in (7, 9):
        share = new_shares[(year_group, "favourite_maths")]
        assert share == pytest.approx(100 * expected[year_group], rel=1e-12)
    # the export holds wave 2 only: its dashboard offers no wave comparison
    assert "wave" not in [c for _, c in shown.dashboard.compare.options]
    assert new_shares != old_shares
    assert "could not" not in shown.upload.message.value
    assert shown.upload.files.value == () and shown.upload.codebook.value == ()


def test_a_broken_file_shows_the_loaders_message_and_keeps_the_chart(shown):
    before, note = shown.dashboard, shown.note.children[0].value
    bad = ("<i>bad.csv", b"name,score\nAlice,3\nBob,4\n")
    shown.upload.files.value = upload_value(bad)
    assert shown.upload.use_files() is False
    message = shown.upload.message.value
    with pytest.raises(SurveyDataError) as loader:
        load.load_survey([bad])
    for problem in loader.value.problems:
        assert html.escape(str(problem)) in message
    assert "<i>" not in message and "&lt;i&gt;bad.csv" in message
    assert "ks3-problem" in message and "Traceback" not in message
    assert shown.dashboard is before and shown.body.children == (before.widget,)
    assert shown.note.children[0].value == note
    assert shown.upload.files.value != ()  # kept, so a codebook can be added and retried
    assert not shown.upload.button.disabled


def test_a_survey_without_the_subjects_questions_is_refused_and_the_chart_stays(shown):
    before, drawn = shown.dashboard, dots(shown.dashboard.figure)
    content = b"pupil_id,school_id,wave,year_group,club_science\nP1,S1,1,7,1\nP2,S1,1,9,0\n"
    shown.upload.files.value = upload_value(("clubs_only.csv", content))
    assert shown.upload.use_files() is False
    message = shown.upload.message.value
    assert "clubs_only.csv: has no answers to the questions of this dashboard" in message
    assert "favourite_english" in message
    assert shown.dashboard is before and shown.body.children == (before.widget,)
    assert dots(shown.dashboard.figure) == drawn


def test_an_unexpected_error_is_a_plain_message_and_its_traceback_goes_to_the_log(
    shown, monkeypatch, capfd
):
    def boom(*args, **kwargs):
        raise ZeroDivisionError("secret detail")

    monkeypatch.setattr(load, "load_survey", boom)
    before = shown.dashboard
    shown.upload.files.value = upload_value(("w1.csv", b"a\n1\n"))
    assert shown.upload.use_files() is False
    message = shown.upload.message.value
    assert "log of the dashboard server" in message
    assert "secret detail" not in message and "Traceback" not in message
    assert "ZeroDivisionError: secret detail" in capfd.readouterr().err
    assert shown.dashboard is before


def test_files_over_the_size_cap_are_refused_with_their_sizes(first_survey):
    used = []
    panel = upload.SurveyUpload(used.append, max_bytes=1024 * 1024)
    panel.files.value = upload_value(("big.csv", b"x" * (1024 * 1024 + 1)))
    assert panel.use_files() is False
    assert "big.csv (1.0 MB)" in panel.message.value
    assert "more than the 1.0 MB this page accepts" in panel.message.value
    assert used == []


def test_pressing_the_button_without_files_says_what_to_do():
    panel = upload.SurveyUpload(lambda s: pytest.fail("nothing was uploaded"))
    panel.button.click()
    assert "Survey files: none chosen." in panel.message.value


def test_nothing_uploaded_is_written_to_disk(shown, monkeypatch):
    real_open = builtins.open
    written = []

    def watching_open(file, mode="r", *args, **kwargs):
        if any(m in mode for m in "wax+"):
            written.append(file)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watching_open)
    monkeypatch.setattr(Path, "write_bytes", lambda self, data: written.append(self))
    shown.upload.files.value = upload_value((EXPORT.name, EXPORT.read_bytes()))
    shown.upload.codebook.value = upload_value((CODEBOOK.name, CODEBOOK.read_bytes()))
    assert shown.upload.use_files() is True
    assert written == []


def test_one_uploaded_document_is_read_by_one_reader():
    """upload.read_uploaded: the Planner's, the Manager's and the pack's one-file reader."""
    from datetime import UTC, datetime

    import ipywidgets as widgets

    from analysis.planner.files import plan_to_json, read_plan
    from analysis.planner.model import Plan
    from dashboards.upload import FileProblem, read_uploaded

    def chosen(name: str, content: bytes) -> tuple[dict]:
        return (
            {
                "name": name,
                "type": "",
                "size": len(content),
                "content": memoryview(content),
                "last_modified": datetime.now(UTC),
            },
        )

    box = widgets.FileUpload()
    assert read_uploaded(box, read_plan) is None  # nothing chosen
    plan = Plan(title="Our plan", school="Riddlesdown")
    box.value = chosen("ours.json", plan_to_json(plan).encode("utf-8"))
    assert read_uploaded(box, read_plan, clear=False) == ("ours.json", plan)
    assert box.value  # kept (the pack reads it again for the next pack)
    assert read_uploaded(box, read_plan) == ("ours.json", plan) and box.value == ()
    box.value = chosen("broken.json", b"{not json")
    with pytest.raises(FileProblem) as problem:
        read_uploaded(box, read_plan)
    assert problem.value.name == "broken.json" and problem.value.problems
    assert all(isinstance(p, str) and p for p in problem.value.problems)
    assert box.value == ()  # emptied: the same file can be chosen again
