"""dashboards.shell: the page frame keeps what it shows when an upload cannot be used."""

from __future__ import annotations

import ipywidgets as widgets
import pytest

from analysis.load import Survey
from analysis.errors import Problem, SurveyDataError
from dashboards import data, results, shell


class Counting:
    """A stand-in dashboard: says how many pupils its results hold."""

    def __init__(self, shown):
        if len(shown.survey.table) < 100:
            raise SurveyDataError(Problem("upload.csv", "has too few pupils.", "Upload more."))
        self.results = shown
        self.widget = widgets.HTML(f"{len(shown.survey.table)} pupils")


@pytest.fixture(scope="module")
def sample():
    return data.survey(data.DataSource(data.SAMPLE_FILES, None, True))


def test_an_upload_replaces_the_dashboard(sample):
    framed = shell.DashboardPage(results.LiveResults(sample), Counting)
    assert framed.upload is not None
    half = Survey(sample.table.iloc[:3000], ("mine.csv",))
    framed.use(half)
    assert framed.body.children[0].value == "3000 pupils"
    assert framed.results.uploaded and "uploaded in this visit" in framed.note.children[0].value


def test_a_failed_upload_keeps_the_page(sample):
    framed = shell.DashboardPage(results.LiveResults(sample), Counting)
    before = (framed.dashboard, framed.body.children, framed.note.children)
    tiny = Survey(sample.table.iloc[:50], ("tiny.csv",))
    with pytest.raises(SurveyDataError):
        framed.use(tiny)
    assert (framed.dashboard, framed.body.children, framed.note.children) == before


def test_no_upload_on_published_results(sample):
    class Published(results.LiveResults):
        published = True

    framed = shell.DashboardPage(Published(sample), Counting)
    assert framed.upload is None
    assert len(framed.widget.children) == 2
