"""The pack as PowerPoint slides (python-pptx): native charts and shapes, speaker notes.

Charts are native PowerPoint bar charts (a teacher can restyle or edit them)
with 95% intervals as custom error bars; the clock-face and the hexagon are
native shapes (:mod:`.shapes`). Colours are the project's Okabe–Ito palette
(:mod:`analysis.figures`). A hidden figure has no value in the chart (and none
in the chart's embedded workbook): its category says "hidden" and the slide
lists why. Every slide has speaker notes saying what it shows and what it
does not.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import pandas as pd
from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from analysis import disclosure, schema
from analysis.figures import style
from analysis.planner.figure import event_key

from . import findings as found
from . import shapes
from .content import Pack

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
TITLE_SIZE, BODY_SIZE, SMALL_SIZE = Pt(30), Pt(18), Pt(13)
MARGIN = Inches(0.5)
COLOURS = {
    "school": style.SCHOOL_COLOURS["this school"],
    "other": style.SCHOOL_COLOURS["other schools"],
}


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _notes(slide, text: str) -> None:
    slide.notes_slide.notes_text_frame.text = text


def _title(slide, text: str) -> None:
    box = slide.shapes.add_textbox(MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, Inches(0.9))
    frame = box.text_frame
    frame.word_wrap = True
    frame.text = text
    run = frame.paragraphs[0].runs[0]
    run.font.size, run.font.bold = TITLE_SIZE, True
    run.font.color.rgb = _rgb(style.TEXT_COLOUR)
    box.name = "Title"


def _text(
    slide, lines: Iterable[str], left, top, width, height, size=BODY_SIZE, bullets: bool = True
) -> None:
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        p.text = ("• " if bullets else "") + line
        p.space_after = Pt(8)
        for run in p.runs:
            run.font.size = size
            run.font.color.rgb = _rgb(style.TEXT_COLOUR)


def _slide(deck, title: str, notes: str):
    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank
    _title(slide, title)
    _notes(slide, notes)
    return slide


def _error_bars(series, plus: list, minus: list) -> None:
    """Custom 95% interval bars on a bar series (python-pptx has no API for them)."""
    c = "http://schemas.openxmlformats.org/drawingml/2006/chart"
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"

    def values(tag, numbers):
        el = etree.SubElement(bars, f"{{{c}}}{tag}")
        lit = etree.SubElement(el, f"{{{c}}}numLit")
        etree.SubElement(lit, f"{{{c}}}formatCode").text = "General"
        etree.SubElement(lit, f"{{{c}}}ptCount", val=str(len(numbers)))
        for i, v in enumerate(numbers):
            pt = etree.SubElement(lit, f"{{{c}}}pt", idx=str(i))
            etree.SubElement(pt, f"{{{c}}}v").text = f"{0.0 if v is None else v:.4f}"

    ser = series._element
    bars = etree.Element(f"{{{c}}}errBars")
    etree.SubElement(bars, f"{{{c}}}errBarType", val="both")
    etree.SubElement(bars, f"{{{c}}}errValType", val="cust")
    etree.SubElement(bars, f"{{{c}}}noEndCap", val="0")
    values("plus", plus)
    values("minus", minus)
    sp = etree.SubElement(bars, f"{{{c}}}spPr")
    ln = etree.SubElement(sp, f"{{{a}}}ln", w="15875")
    fill = etree.SubElement(ln, f"{{{a}}}solidFill")
    etree.SubElement(fill, f"{{{a}}}srgbClr", val="333333")
    ser.find(qn("c:cat")).addprevious(bars)


def chart_rows(table: pd.DataFrame, wave: int, year: int) -> pd.DataFrame:
    """One row per item of a block for one wave and year group: the school's and the other
    schools' shares and intervals in percent, ``None`` where the page hides them, and
    the category name (``"Art (School S13 hidden)"``)."""
    part = table[(table["wave"] == wave) & (table["year_group"] == year)]
    out = []
    for label in dict.fromkeys(part["label"].astype(str)):
        row = {"label": label}
        for who, key in ((disclosure.THIS_SCHOOL, "school"), (disclosure.OTHER_SCHOOLS, "other")):
            r = part[(part["label"].astype(str) == label) & (part["school"] == who)]
            shown = len(r) and str(r["suppressed"].iloc[0] or "") == ""
            r = r.iloc[0] if len(r) else None
            row[key] = 100 * float(r["share"]) if shown else None
            row[f"{key}_low"] = (
                100 * float(r["ci_low"]) if shown and pd.notna(r["ci_low"]) else None
            )
            row[f"{key}_high"] = (
                100 * float(r["ci_high"]) if shown and pd.notna(r["ci_high"]) else None
            )
            row[f"{key}_mark"] = "" if shown else (str(r["suppressed"]) if r is not None else "")
        out.append(row)
    return pd.DataFrame(out)


def _values(column) -> list:
    """Plain floats, ``None`` for a missing (hidden) value: never NaN in a chart or its workbook."""
    return [None if v is None or pd.isna(v) else float(v) for v in column]


def _category(row, name: str) -> str:
    hidden = [
        who
        for who, key in ((name, "school"), ("other schools", "other"))
        if row[key] is None or pd.isna(row[key])
    ]
    return row["label"] + (f" ({' and '.join(hidden)} hidden)" if hidden else "")


def _bar_chart(slide, rows: pd.DataFrame, name: str, left, top, width, height) -> None:
    data = CategoryChartData(number_format='0"%"')
    data.categories = [_category(r, name) for r in rows.to_dict("records")]
    data.add_series(name, _values(rows["school"]))
    data.add_series("Other schools", _values(rows["other"]))
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, left, top, width, height, data)
    chart = frame.chart
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.TOP
    chart.legend.include_in_layout = False
    chart.legend.font.size = SMALL_SIZE
    chart.font.size = SMALL_SIZE
    chart.category_axis.reverse_order = True
    chart.category_axis.tick_labels.font.size = SMALL_SIZE
    value_axis = chart.value_axis
    value_axis.minimum_scale, value_axis.maximum_scale = 0, 100
    value_axis.has_major_gridlines = True
    value_axis.tick_labels.number_format = '0"%"'
    value_axis.tick_labels.number_format_is_linked = False
    plot = chart.plots[0]
    plot.gap_width, plot.overlap = 60, 0
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format, labels.number_format_is_linked = '0"%"', False
    labels.font.size = Pt(11)
    for series, key in zip(plot.series, ("school", "other")):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = _rgb(COLOURS[key])
        value, low, high = (_values(rows[k]) for k in (key, f"{key}_low", f"{key}_high"))
        plus = [None if v is None or h is None else h - v for v, h in zip(value, high)]
        minus = [None if v is None or lo is None else v - lo for v, lo in zip(value, low)]
        _error_bars(series, plus, minus)


def _hidden_lines(pack: Pack, block: str, wave: int, year: int) -> list[str]:
    h = pack.hidden
    part = h[(h["block"] == block) & (h["wave"] == wave) & (h["year_group"] == year)]
    return [
        f"{r.label}, {pack.school.name if r.school == disclosure.THIS_SCHOOL else 'other schools'}:"
        f" hidden ({r.why})"
        for r in part.itertuples()
    ]


def _finding_slides(deck, pack: Pack) -> None:
    name = pack.school.name
    chosen = pack.chosen
    if not len(chosen):
        slide = _slide(
            deck,
            "Headline findings",
            "No finding was chosen, or none of this "
            "school's differences from the other schools has an interval that "
            "excludes 0.",
        )
        _text(
            slide,
            [
                (
                    "No difference between this school and the other schools is clear "
                    "enough to headline (every 95% interval includes 0)."
                )
            ],
            MARGIN,
            Inches(1.4),
            WIDTH - 2 * MARGIN,
            Inches(5),
        )
        return
    for start in range(0, len(chosen), 3):
        part = chosen.iloc[start : start + 3]
        slide = _slide(
            deck,
            "Headline findings" + (" (continued)" if start else ""),
            "Each sentence compares this school's pupils with the other schools' pupils in "
            "the same year group and wave. The findings were chosen by the size and the "
            "certainty of the difference: its 95% interval (in brackets) excludes 0 when the "
            "sentence ends with a full stop. It does not say why a difference arises, and "
            "among many comparisons a few will look clear by chance. Figures the My school "
            "page hides are not used.",
        )
        _text(slide, part["sentence"], MARGIN, Inches(1.3), WIDTH - 2 * MARGIN, Inches(5.8))
    groups = chosen.drop_duplicates(["block", "wave", "year_group"])
    for g in groups.itertuples():
        block = schema.block(g.block)
        rows = chart_rows(pack.school.tables[g.block], g.wave, g.year_group)
        what = "share agreeing" if block.scale == "agreement" else "share ticking"
        title = f"{block.label}, year {g.year_group}, {found.wave_text(g.wave)}"
        slide = _slide(
            deck,
            title,
            f"What it shows: for every question of “{block.question}”, the {what} among "
            f"{name}'s year {g.year_group} pupils (vermillion bars) and among the "
            f"other schools' year {g.year_group} pupils (sky blue), {found.wave_text(g.wave)}, "
            "each with its 95% interval (the black lines): a binomial interval for the school, "
            "one allowing for pupils clustered in schools for the others. What it does not "
            "show: figures the My school page hides (the category says hidden and has no bar), "
            "other waves and year groups, pupils' reasons, or the school's rank among schools.",
        )
        hidden = _hidden_lines(pack, g.block, g.wave, g.year_group)
        chart_height = Inches(5.6 if not hidden else 4.6)
        _bar_chart(slide, rows, name, MARGIN, Inches(1.2), WIDTH - 2 * MARGIN, chart_height)
        if hidden:
            _text(
                slide,
                ["Hidden: " + "; ".join(hidden)],
                MARGIN,
                Inches(5.9),
                WIDTH - 2 * MARGIN,
                Inches(1.4),
                size=Pt(11),
                bullets=False,
            )


def _change_slides(deck, pack: Pack) -> None:
    name = pack.school.name
    waves = set(pack.bases["wave"].astype(int)) if len(pack.bases) else set()
    if waves != {1, 2}:
        slide = _slide(
            deck,
            "Change between the waves",
            "The school was surveyed in one wave only, so there is no change to show.",
        )
        _text(
            slide,
            [
                (
                    f"{name} was surveyed in one wave only, so its change between 2008 "
                    "and 2010 cannot be shown."
                )
            ],
            MARGIN,
            Inches(1.4),
            WIDTH - 2 * MARGIN,
            Inches(2),
        )
        return
    changes = pack.changes
    notes = (
        "What it shows: for each question, how far the share of the school's pupils "
        "changed from wave 1 (2008) to wave 2 (2010) in the same year group, next to the "
        "other schools' change, with 95% intervals. These are different pupils in each "
        "wave, and the other schools are those surveyed in each wave, not always the same "
        "schools. What it does not show: questions where any of the four figures is hidden "
        "on the My school page, or why the change happened."
    )
    if not len(changes):
        slide = _slide(deck, "Change between the waves", notes)
        _text(
            slide,
            [
                (
                    "No question has all four figures shown (the school and the other "
                    "schools in both waves), so no change can be compared."
                )
            ],
            MARGIN,
            Inches(1.4),
            WIDTH - 2 * MARGIN,
            Inches(2),
        )
        return
    top = changes.head(8)
    slide = _slide(deck, f"Change from 2008 to 2010: {name} against the other schools", notes)
    data = CategoryChartData(number_format="+0;-0;0")
    data.categories = [
        f"Year {r.year_group}: {schema.block(r.block).label}, {r.label}" for r in top.itertuples()
    ]
    data.add_series(f"{name}'s change (points)", (100 * top["school_share"]).round(1).tolist())
    data.add_series("Other schools' change (points)", (100 * top["other_share"]).round(1).tolist())
    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.BAR_CLUSTERED, MARGIN, Inches(1.2), Inches(7.6), Inches(5.9), data
    )
    chart = frame.chart
    chart.has_legend, chart.legend.position = True, XL_LEGEND_POSITION.TOP
    chart.legend.include_in_layout = False
    chart.font.size = Pt(11)
    chart.category_axis.reverse_order = True
    plot = chart.plots[0]
    plot.has_data_labels = True
    plot.data_labels.number_format, plot.data_labels.number_format_is_linked = "+0;-0;0", False
    for series, key in zip(plot.series, ("school", "other")):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = _rgb(COLOURS[key])
        d = 100 * top[f"{key}_share"]
        _error_bars(
            series, (100 * top[f"{key}_high"] - d).tolist(), (d - 100 * top[f"{key}_low"]).tolist()
        )
    _text(
        slide,
        top["sentence"].head(3),
        Inches(8.3),
        Inches(1.2),
        Inches(4.6),
        Inches(5.9),
        size=Pt(12),
    )


def _plan_slides(deck, pack: Pack) -> None:
    plan = pack.plan
    title = plan.title or "STEM plan"
    slide = _slide(
        deck,
        f"The STEM plan: {title}",
        "What it shows: the plan's events on the clock-face (12 o'clock is September, time "
        "runs clockwise; one ring per year group from the centre, teachers outermost), "
        "coloured by subject, each numbered as in the key. What it does not show: how many "
        "pupils take part, or whether an event happened.",
    )
    polygons, labels, lines = shapes.clock_face(plan)
    _draw(slide, polygons, labels, lines, Inches(0.3), Inches(1.1), Inches(6.3))
    key = [f"{n}. {text}" for n, text in event_key(plan)]
    size = Pt(11) if len(key) <= 24 else Pt(8)
    colours = "; ".join(f"{label}: {_colour_name(c)}" for label, c in _subject_colours())
    _text(
        slide,
        key + [f"Colours: {colours}."],
        Inches(6.8),
        Inches(1.1),
        Inches(6.2),
        Inches(6.2),
        size=size,
        bullets=False,
    )
    report = pack.balance
    warnings = report.warnings or ["The balance report finds nothing to warn about."]
    slide = _slide(
        deck,
        "The plan's balance",
        "What it shows: the balance report of the STEM Planner (gaps without "
        "activity, missing subjects, bunching, careers links, teacher CPD). What it "
        "does not show: the quality of an event.",
    )
    share = (
        "no pupil events"
        if report.pupil_events == 0
        else f"{report.careers_events} of {report.pupil_events} pupil events linked to careers"
    )
    _text(
        slide,
        [
            (
                f"{report.pupil_events} pupil events and {report.teacher_events} teacher "
                f"events; {share}."
            ),
            *warnings,
        ],
        MARGIN,
        Inches(1.3),
        WIDTH - 2 * MARGIN,
        Inches(5.8),
    )


def _subject_colours() -> list[tuple[str, str]]:
    from analysis.planner.figure import subject_colours
    from analysis.planner.model import subjects

    colours = subject_colours()
    return [(label, colours[key]) for key, label in subjects().items()]


def _colour_name(hex_colour: str) -> str:
    names = {v.lower(): k.replace("_", " ") for k, v in style.OKABE_ITO.items()}
    return names.get(hex_colour.lower(), hex_colour)


def _draw(slide, polygons, labels, lines, left, top, size) -> None:
    """Polygons, lines and labels of :mod:`.shapes` as native shapes in a square of ``size``."""

    def at(x, y):
        return Emu(int(left + x * size)), Emu(int(top + y * size))

    for p in polygons:
        (x0, y0), *rest = [at(x, y) for x, y in p.points]
        builder = slide.shapes.build_freeform(x0, y0, scale=1.0)
        builder.add_line_segments(rest, close=True)
        shape = builder.convert_to_shape()
        shape.fill.solid()
        shape.fill.fore_color.rgb = _rgb(p.fill)
        shape.line.color.rgb = _rgb(p.line)
        shape.line.width = Pt(0.5)
        shape.name = p.name[:200] or "shape"
    for a, b, colour, width in lines:
        (x1, y1), (x2, y2) = at(*a), at(*b)
        line = slide.shapes.add_connector(1, x1, y1, x2, y2)
        line.line.color.rgb = _rgb(colour)
        line.line.width = Pt(width)
    for lab in labels:
        x, y = at(lab.x, lab.y)
        w, h = Inches(1.6), Inches(0.28 * (lab.text.count("\n") + 1))
        box = slide.shapes.add_textbox(Emu(int(x - w / 2)), Emu(int(y - h / 2)), w, h)
        frame = box.text_frame
        frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
        frame.word_wrap = False
        for i, row in enumerate(lab.text.split("\n")):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            para.alignment = 2  # centre
            para.text = row
            for run in para.runs:
                run.font.size, run.font.bold = Pt(lab.size), lab.bold
                run.font.color.rgb = _rgb(lab.colour)


def _review_slides(deck, pack: Pack) -> None:
    from analysis.manager.files import action_plan
    from analysis.manager.review import summary

    review, framework, score = pack.review, pack.framework, pack.scores
    slide = _slide(
        deck,
        f"The STEM review of {review.reviewed_on:%d %B %Y}",
        "What it shows: the STEM Manager's hexagon, one segment per theme, filled from the "
        "centre by the share of its actions in place (dark blue), then in progress (sky blue) "
        "and planned (pale blue). What it does not show: how well an action is done; the "
        "statuses are the school's own judgement.",
    )
    polygons, labels = shapes.hexagon(score, framework)
    _draw(slide, polygons, labels, [], Inches(0.3), Inches(1.1), Inches(6.3))
    _text(
        slide,
        [
            summary(review, framework, score),
            (
                "Dark blue: in place · sky blue: in progress · pale blue: planned · grey: not "
                "started."
            ),
        ],
        Inches(7.0),
        Inches(1.3),
        Inches(5.8),
        Inches(5.5),
        bullets=False,
    )
    plan = action_plan(review, framework)
    slide = _slide(
        deck,
        "Action plan",
        "What it shows: the actions the school committed to in its review, with "
        "their status, owner and target date. What it does not show: actions not "
        "ticked for the action plan.",
    )
    if not len(plan):
        _text(
            slide,
            ["No action is marked for the action plan yet."],
            MARGIN,
            Inches(1.3),
            WIDTH - 2 * MARGIN,
            Inches(2),
        )
        return
    rows = plan.head(10)
    table = slide.shapes.add_table(
        len(rows) + 1, 5, MARGIN, Inches(1.3), WIDTH - 2 * MARGIN, Inches(0.4) * (len(rows) + 1)
    ).table
    heads = ("Theme", "Action", "Status", "Owner", "Target date")
    for j, h in enumerate(heads):
        table.cell(0, j).text = h
    for i, r in enumerate(rows.itertuples(), start=1):
        for j, v in enumerate((r.theme, r.action, r.status, r.owner, r.target_date)):
            table.cell(i, j).text = str(v)
    for cell in (table.cell(i, j) for i in range(len(rows) + 1) for j in range(5)):
        for para in cell.text_frame.paragraphs:
            for run in para.runs:
                run.font.size = Pt(12)
    if len(plan) > len(rows):
        _text(
            slide,
            [f"… and {len(plan) - len(rows)} more actions: see the printable report."],
            MARGIN,
            Inches(6.8),
            WIDTH - 2 * MARGIN,
            Inches(0.5),
            size=Pt(12),
            bullets=False,
        )


def _bases_slide(deck, pack: Pack) -> None:
    name = pack.school.name
    slide = _slide(
        deck,
        "Who was surveyed",
        "What it shows: how many of the school's pupils answered the survey in each wave and "
        "year group (the largest number answering any question), and how many pupils in how "
        "many other schools. Years 7 and 9 were surveyed in autumn 2008 and autumn 2010. "
        "What it does not show: pupils who did not answer; a number the My school page hides "
        "is written as hidden.",
    )
    b = pack.bases
    rows = len(b) + 1
    table = slide.shapes.add_table(
        rows, 4, MARGIN, Inches(2.3), WIDTH - 2 * MARGIN, Inches(0.5) * rows
    ).table
    for j, h in enumerate(("Wave", "Year group", f"{name}: pupils", "Other schools: pupils")):
        table.cell(0, j).text = h
    for i, r in enumerate(b.itertuples(), start=1):
        school = (
            f"hidden (fewer than {pack.school.rules.min_count:g} pupils)"
            if pd.isna(r.school_pupils)
            else f"{int(r.school_pupils):,}"
        )
        other = (
            "hidden"
            if pd.isna(r.other_pupils)
            else f"{int(r.other_pupils):,} in {int(r.n_schools)} schools"
        )
        for j, v in enumerate(
            (found.wave_text(r.wave).capitalize(), f"Year {r.year_group}", school, other)
        ):
            table.cell(i, j).text = v
    _text(
        slide,
        [f"All schools: {pack.school.survey_text}", f"Source: {pack.school.source}."],
        MARGIN,
        Inches(1.2),
        WIDTH - 2 * MARGIN,
        Inches(1.0),
        size=Pt(14),
        bullets=False,
    )


def build(pack: Pack) -> Presentation:
    """The pack's slides (see the module notes)."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    name = pack.school.name
    slide = _slide(
        deck,
        f"{name}: what our pupils told the STEM survey",
        "This pack was made from the My school page's figures: this school against "
        "all the other schools, protected so that no small group of pupils can be "
        "picked out. Numbers the page hides are written as hidden.",
    )
    _text(
        slide,
        [
            (
                f"KS3 STEM attitude survey, years 7 and 9. Made on {pack.made_on:%d %B %Y} "
                f"from {pack.school.source}."
            ),
            (
                "Figures are protected as on the My school page: a figure about fewer than "
                f"{pack.school.rules.min_count:g} pupils is never shown."
            ),
        ],
        MARGIN,
        Inches(1.6),
        WIDTH - 2 * MARGIN,
        Inches(3),
        bullets=False,
    )
    _bases_slide(deck, pack)
    _finding_slides(deck, pack)
    _change_slides(deck, pack)
    if pack.plan is not None:
        _plan_slides(deck, pack)
    if pack.review is not None:
        _review_slides(deck, pack)
    slide = _slide(
        deck,
        "Next steps",
        "Suggestions drawn from the findings, the plan's balance and the review: a "
        "starting point for the discussion, not a verdict.",
    )
    _text(slide, pack.next_steps, MARGIN, Inches(1.3), WIDTH - 2 * MARGIN, Inches(5.8))
    slide = _slide(
        deck, "About these figures", "How to read the intervals and why some figures are hidden."
    )
    _text(
        slide,
        [
            (
                "Each share has a 95% interval: the range the school's true figure is likely to lie "
                "in. A difference is called clear when its interval excludes 0; with many "
                "comparisons, a few will look clear by chance."
            ),
            (
                f"{len(pack.hidden)} figures are hidden, as on the My school page: fewer than "
                f"{pack.school.rules.min_count:g} pupils gave, or did not give, the answer, a base "
                f"under {pack.school.rules.min_base:g} pupils, or a figure that could otherwise be "
                "worked out. They are written as hidden, never as numbers."
            ),
            "The school's rank among schools is never shown.",
        ],
        MARGIN,
        Inches(1.3),
        WIDTH - 2 * MARGIN,
        Inches(5.8),
    )
    return deck


def pptx_bytes(pack: Pack) -> bytes:
    """The slides as the bytes of a ``.pptx`` file."""
    buffer = io.BytesIO()
    build(pack).save(buffer)
    return buffer.getvalue()
