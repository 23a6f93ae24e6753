"""The hexagon: segments filled by the hand-counted shares, clickable, colour-blind safe."""

from __future__ import annotations

from datetime import date

import pytest

from analysis.figures.style import OKABE_ITO
from analysis.manager import figure
from analysis.manager.framework import default_framework
from analysis.manager.review import Review, progress, scores

from manager_helpers import small_framework

FW = small_framework()


def _review():
    return (
        Review.blank(FW, date(2011, 1, 1))
        .with_status("A1.1", "in_place")
        .with_status("A1.2", "planned")
        .with_status("B1.1", "in_progress")
        .with_status("B1.2", "in_progress")
    )


def test_segments_are_filled_by_each_status_share():
    fig = figure.hexagon(scores(_review(), FW), FW)
    by_status = {t.meta["status"]: t for t in fig.data}
    # by hand: theme A has 3 actions (1 in place, 1 planned, 1 not started),
    # theme B 4 (2 in progress, 2 not started)
    assert list(by_status["in_place"].r) == pytest.approx([1 / 3, 0])
    assert list(by_status["planned"].r) == pytest.approx([1 / 3, 0])
    assert list(by_status["in_progress"].r) == pytest.approx([0, 0.5])
    assert list(by_status["not_started"].r) == pytest.approx([1 / 3, 0.5])
    assert [c[0] for c in by_status["in_place"].customdata] == ["A", "B"]
    assert "33% in place" in by_status["labels"].text[0]


def test_a_hexagon_clickable_and_in_the_projects_palette():
    fw = default_framework()
    fig = figure.hexagon(scores(Review.blank(fw, date(2011, 1, 1)), fw), fw, selected="staff")
    assert fig.layout.polar.gridshape == "linear" and len(fig.data[0].r) == 6
    assert fig.layout.dragmode == "zoom"  # polar charts send clicks only then
    assert fig.data[0].marker.color == OKABE_ITO["blue"]
    patterns = {t.marker.pattern.shape for t in fig.data if t.type == "barpolar"}
    assert len(patterns) == 3  # in place solid, in progress hatched, planned dotted
    widths = list(fig.data[0].marker.line.width)
    assert widths[1] > widths[0]  # Staff, the selected theme, outlined


def test_table_beside_the_figure_holds_the_same_numbers():
    table = figure.hexagon_table(scores(_review(), FW))
    assert table.set_index("theme").loc[
        "Beta", ["in_progress", "not_started", "score"]
    ].tolist() == [2, 2, 0]
    text = figure.hexagon_table_html(scores(_review(), FW))
    assert "<caption>" in text and "<th scope='row'>Alpha</th><td>1 of 3</td>" in text
    assert "<th scope='row'>All themes</th><td>1 of 7</td>" in text


def test_progress_figure_draws_one_line_a_theme():
    first = _review()
    second = first.next_review(date(2011, 7, 1)).with_status("B1.1", "in_place")
    fig = figure.progress_figure(progress([first, second], FW), FW)
    assert [t.name for t in fig.data] == ["Alpha", "Beta"]
    assert list(fig.data[1].y) == pytest.approx([0, 0.25])
