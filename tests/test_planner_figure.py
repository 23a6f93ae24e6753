"""analysis.planner.figure: where the clock-face puts each event, checked by hand."""

from __future__ import annotations

import pytest

from analysis.planner.figure import TRACE_ORDER, clock_face, event_ids, plan_page_html
from analysis.planner.model import Event, KeyStage, Plan, subjects

SLOT = (360 - 40) / 18  # degrees per stage: the year less the summer-holiday wedge


def traces(fig, name):
    return [t for t in fig.data if t.name == name]


def bars(fig, subject_label):
    (trace,) = traces(fig, subject_label)
    ids = (row[0] for row in trace.customdata)
    return list(zip(trace.theta, trace.width, trace.base, trace.r, ids))


def test_axes_run_clockwise_from_twelve_and_clicks_reach_python():
    fig = clock_face(Plan())
    polar = fig.layout.polar
    assert polar.angularaxis.direction == "clockwise" and polar.angularaxis.rotation == 90
    assert fig.layout.dragmode == "zoom"
    assert list(polar.angularaxis.ticktext) == [
        "Autumn 1",
        "Autumn 2",
        "Spring 1",
        "Spring 2",
        "Summer 1",
        "Summer 2",
    ]
    assert list(polar.angularaxis.tickvals) == pytest.approx(
        [(h + 0.5) * 3 * SLOT for h in range(6)]
    )


def test_the_same_traces_in_the_same_order_whatever_the_plan():
    empty = [t.name for t in clock_face(Plan()).data]
    full = [
        t.name
        for t in clock_face(
            Plan(events=(Event("Club", ("science",), (7,), "autumn", 1, "early"),))
        ).data
    ]
    assert empty == full
    assert empty == [
        "stages",
        *subjects().values(),
        "selected",
        "events in the stage",
        "terms",
        "half-terms",
        "labels",
    ]
    assert len(TRACE_ORDER) == 7


def test_an_event_sits_in_its_ring_and_stage():
    e = Event("Faraday Challenge", ("science",), (7,), "autumn", 1, "early", id="far")
    fig = clock_face(Plan(events=(e,)))
    # year 7 is the innermost ring: base 1 (the hole), depth 1 less the 0.08 gap
    assert bars(fig, "Science") == [
        (pytest.approx(SLOT / 2), pytest.approx(SLOT), 1.0, pytest.approx(0.92), "far")
    ]
    (trace,) = traces(fig, "Science")
    assert trace.marker.color == "#009E73"  # Okabe-Ito bluish green
    assert "%{customdata[1]}" in trace.hovertemplate
    assert list(trace.customdata[0][1:6]) == [
        "Faraday Challenge",
        "Science",
        "Year 7",
        "Autumn 1, early",
        "Lesson or scheme-of-work unit",
    ]


def test_several_subjects_stack_and_several_events_share_the_stage():
    a = Event("Perfume Project", ("science", "maths"), (9,), "summer", 1, "late", id="a")
    b = Event("Careers quiz", ("maths",), (9,), "summer", 1, "late", id="b")
    fig = clock_face(Plan(events=(a, b)))
    slot = 12 + 2  # summer 1, late
    start = slot * SLOT
    # year 9 is the third ring: base 3; two events split the stage's width
    assert bars(fig, "Science") == [
        (pytest.approx(start + SLOT / 4), pytest.approx(SLOT / 2), 3.0, pytest.approx(0.46), "a")
    ]
    assert bars(fig, "Maths") == [
        (
            pytest.approx(start + SLOT / 4),
            pytest.approx(SLOT / 2),
            pytest.approx(3.46),
            pytest.approx(0.46),
            "a",
        ),
        (
            pytest.approx(start + 3 * SLOT / 4),
            pytest.approx(SLOT / 2),
            3.0,
            pytest.approx(0.92),
            "b",
        ),
    ]
    (counts,) = traces(fig, "events in the stage")
    assert list(counts.text) == ["2"] and counts.theta[0] == pytest.approx(start + SLOT / 2)


def test_throughout_fills_the_half_term_and_teachers_use_the_outer_ring():
    club = Event("STEM club", ("engineering",), (8,), "spring", 2, "throughout", "club", id="c")
    cpd = Event("Lesson observation", ("stem",), (), "autumn", 2, "middle", "cpd", id="t")
    fig = clock_face(Plan(events=(club, cpd)))
    assert [round(b[0], 6) for b in bars(fig, "Engineering")] == [
        round((s + 0.5) * SLOT, 6) for s in (9, 10, 11)
    ]
    assert {b[2] for b in bars(fig, "Engineering")} == {2.0}  # year 8: second ring
    assert bars(fig, "Cross-curricular STEM")[0][2] == 4.0  # outside years 7, 8, 9
    assert event_ids(fig) == {"c", "t"}


def test_a_two_year_key_stage_draws_two_year_rings():
    cpd = Event("Planning day", ("stem",), (), "summer", 2, "late", "teacher_planning", id="t")
    fig = clock_face(Plan(key_stage=KeyStage((8, 9)), events=(cpd,)))
    (labels,) = traces(fig, "labels")
    assert list(labels.text) == ["Year 8", "Year 9", "Teachers"]
    assert bars(fig, "Cross-curricular STEM")[0][2] == 3.0
    (grid,) = traces(fig, "stages")
    assert len(grid.theta) == 3 * 18


def test_term_lines_at_thirds_of_the_school_year():
    (terms,) = traces(clock_face(Plan()), "terms")
    assert [t for t in terms.theta if t is not None][::2] == pytest.approx(
        [0, 320 / 3, 640 / 3, 320]
    )
    (halves,) = traces(clock_face(Plan()), "half-terms")
    assert [t for t in halves.theta if t is not None][::2] == pytest.approx([160 / 3, 160, 800 / 3])


def test_the_selected_event_is_outlined():
    e = Event("Solar Challenge", ("science",), (9,), "summer", 2, "middle", id="s")
    (outline,) = traces(clock_face(Plan(events=(e,)), selected="s"), "selected")
    assert [c[0] for c in outline.customdata] == ["s"] and outline.marker.line.width == 3
    (none,) = traces(clock_face(Plan(events=(e,))), "selected")
    assert len(none.theta) == 0


def test_printable_page_lists_every_event_escaped():
    e = Event(
        "<script>x</script> Cycle Day", ("engineering",), (7,), "summer", 2, "late", lead="A & B"
    )
    page = plan_page_html(Plan(events=(e,), school="Bradfield"))
    assert "<script>" not in page and "&lt;script&gt;x&lt;/script&gt; Cycle Day" in page
    assert "A &amp; B" in page and "<h2>Balance</h2>" in page
    assert page.count("<tr><th>Summer 2</th>") == 1


def test_the_static_svg_draws_the_same_geometry():
    from analysis.planner.figure import EMPTY_COLOUR, clock_face_svg

    e = Event("Faraday Challenge", ("science", "maths"), (7,), "autumn", 1, "early")
    svg = clock_face_svg(Plan(events=(e,)), size=560)
    assert svg.startswith("<svg") and "<script" not in svg
    # 4 rings x 18 stages of grid, and one piece per subject of the event
    assert svg.count(f'fill="{EMPTY_COLOUR}"') == 4 * 18
    assert svg.count('fill="#009E73"') == 2  # the science piece, and its key swatch
    # by hand: the outer edge is ring base 5, scaled to 280 - 50 = 230 px, so 46 px a unit;
    # the science band (the first of two) runs from radius 1 to 1.46 from 12 o'clock
    r2 = 1.46 * 46
    assert f'<path d="M280.00,{280 - r2:.2f} A{r2:.2f},{r2:.2f} 0 0 1 ' in svg
    assert svg.count('stroke="#333"') == 4 and svg.count("stroke-dasharray") == 3
    for label in ("Year 7", "Year 9", "Teachers", "Autumn 1", "Summer 2"):
        assert f">{label}</text>" in svg


def test_the_svg_stands_alone_with_a_title_numbers_and_a_key_of_events():
    from analysis.planner.figure import clock_face_svg

    e = Event("Faraday Challenge", ("science",), (7, 8), "autumn", 1, "early")
    cpd = Event("Twilight CPD", ("stem",), (), "spring", 2, "late", kind="cpd")
    svg = clock_face_svg(Plan(events=(e, cpd), title="Our plan", school="Riddlesdown"))
    assert "<title>Clock-face of Our plan · Riddlesdown · Key Stage 3</title>" in svg
    assert ">Our plan · Riddlesdown · Key Stage 3</text>" in svg  # a visible title
    # the number of each event on its first piece in each of its rings
    assert svg.count('paint-order="stroke">1</text>') == 2  # years 7 and 8
    assert svg.count('paint-order="stroke">2</text>') == 1  # the teachers' ring
    assert ">1. Faraday Challenge (Autumn 1, early; years 7, 8)</text>" in svg
    assert ">2. Twilight CPD (Spring 2, late; teachers)</text>" in svg
