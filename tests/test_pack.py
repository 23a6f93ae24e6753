"""The STEM lead's pack: findings against plain pandas, the slides read back, and a
disclosure scan of every slide, note, chart and report page.

The school's figures are checked against the pupils' rows (plain pandas,
statsmodels' Wilson interval, the clustered interval written out in
``test_my_school``), never against the pack's own earlier output. The
disclosure scan reads everything the pack writes (slide texts, tables, chart
categories, chart values and their embedded workbooks, speaker notes, the
report) and fails on a count under the threshold, on a number where the My
school page hides the figure, and on any percentage the page does not show.
"""

from __future__ import annotations

import html
import io
import math
import re
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation
from statsmodels.stats.proportion import proportion_confint
from test_my_school import agrees, by_hand, clustered_wilson

from analysis import disclosure, schema, synthetic
from analysis.__main__ import main
from analysis.manager.files import load_review
from analysis.manager.framework import default_framework
from analysis.pack import PackError, content, findings, make_pack, report, slides
from analysis.planner.files import load_plan
from dashboards import data, my_school, pack_panel, results

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "data" / "sample" / "plans" / "bradfield.json"
REVIEW = ROOT / "data" / "sample" / "reviews" / "bradfield.json"
SCHOOL = "S13"  # surveyed in both waves, most figures shown
SMALL = "S02"  # a small school: many figures hidden


@pytest.fixture(scope="module")
def sample():
    return data.survey(data.DataSource(data.SAMPLE_FILES, None, True))


@pytest.fixture(scope="module")
def view(sample):
    return my_school.MySchool(results.LiveResults(sample))


@pytest.fixture(scope="module")
def school(view):
    return pack_panel.school_data(view, SCHOOL)


@pytest.fixture(scope="module")
def pack(school):
    review = load_review(REVIEW, default_framework())
    return make_pack(school, plan=load_plan(PLAN), review=review)


@pytest.fixture(scope="module")
def deck(pack):
    return Presentation(io.BytesIO(slides.pptx_bytes(pack)))


# ---------------------------------------------------------------- figures


def hand_shares(table: pd.DataFrame, school: str, item: str, wave: int, year: int):
    """(school n, count), and the other schools' per-school n and count, from pupil rows."""
    hand = by_hand(table, schema.item(item).block, wave, year)
    mine = hand[hand["item"] == item]
    this = mine[mine["school_id"] == school].iloc[0]
    rest = mine[mine["school_id"] != school]
    return this, rest


def test_findings_equal_plain_pandas(sample, pack):
    checked = 0
    for f in pack.candidates.head(12).itertuples():
        this, rest = hand_shares(sample.table, SCHOOL, f.item, f.wave, f.year_group)
        assert f.school_n == this["n"]
        assert f.school_share == pytest.approx(this["count"] / this["n"], rel=1e-12)
        low, high = proportion_confint(int(this["count"]), int(this["n"]), method="wilson")
        assert (f.school_low, f.school_high) == (
            pytest.approx(low, rel=1e-9),
            pytest.approx(high, rel=1e-9),
        )
        p, lo, hi = clustered_wilson(rest["n"].to_numpy(float), rest["count"].to_numpy(float))
        assert f.other_share == pytest.approx(p, rel=1e-12)
        assert f.n_schools == (rest["n"] > 0).sum()
        # MOVER (Newcombe 1998, method 10), written out
        d = f.school_share - p
        assert f.difference_pp == pytest.approx(100 * d, rel=1e-9)
        assert f.low_pp == pytest.approx(
            100 * (d - math.sqrt((f.school_share - low) ** 2 + (hi - p) ** 2)), rel=1e-9
        )
        assert f.high_pp == pytest.approx(
            100 * (d + math.sqrt((high - f.school_share) ** 2 + (p - lo) ** 2)), rel=1e-9
        )
        assert f"{100 * f.school_share:.0f}%" in f.sentence
        assert f"{int(this['n']):,} pupils" in f.sentence
        checked += 1
    assert checked == 12


def test_findings_strongest_first_and_clear_means_interval_excludes_zero(pack):
    c = pack.candidates
    assert (c["clear"] == ((c["low_pp"] > 0) | (c["high_pp"] < 0))).all()
    clear = c[c["clear"]]
    assert c["clear"].iloc[: len(clear)].all(), "clear findings come first"
    nearer = clear[["low_pp", "high_pp"]].abs().min(axis=1)
    assert nearer.is_monotonic_decreasing
    assert len(pack.chosen) == content.DEFAULT_FINDINGS
    assert list(pack.chosen["id"]) == list(clear["id"].head(content.DEFAULT_FINDINGS))


def test_change_between_waves_equals_plain_pandas(sample, pack):
    f = pack.changes.iloc[0]
    shares = {}
    for wave in (1, 2):
        this, rest = hand_shares(sample.table, SCHOOL, f["item"], wave, f["year_group"])
        shares[wave] = (this["count"] / this["n"], rest["count"].sum() / rest["n"].sum())
    assert f["school_share"] == pytest.approx(shares[2][0] - shares[1][0], rel=1e-9)
    assert f["other_share"] == pytest.approx(shares[2][1] - shares[1][1], rel=1e-9)
    assert f["difference_pp"] == pytest.approx(
        100 * ((shares[2][0] - shares[1][0]) - (shares[2][1] - shares[1][1])), rel=1e-9
    )
    assert f["low_pp"] < f["difference_pp"] < f["high_pp"]


def test_bases_are_the_school_pupils_who_answered(sample, pack):
    t = sample.table
    for r in pack.bases.itertuples():
        rows = t[
            (t["school_id"] == SCHOOL) & (t["wave"] == r.wave) & (t["year_group"] == r.year_group)
        ]
        answered = max(
            rows[c].notna().sum()
            for b in schema.blocks()
            if b.key in pack.school.tables
            for c in b.columns
        )
        assert r.school_pupils == answered


def test_mover_by_hand():
    d, low, high = findings.mover(0.6, 0.5, 0.7, 0.4, 0.35, 0.45)
    assert (d, low, high) == (
        pytest.approx(0.2),
        pytest.approx(0.2 - math.hypot(0.1, 0.05)),
        pytest.approx(0.2 + math.hypot(0.1, 0.05)),
    )


def test_chosen_findings_by_id_and_unknown_id(school, pack):
    ids = list(pack.candidates["id"].iloc[[5, 0]])
    chosen = make_pack(school, finding_ids=ids).chosen
    assert list(chosen["id"]) == ids
    with pytest.raises(PackError, match="no finding nonsense"):
        make_pack(school, finding_ids=["nonsense"])


# ---------------------------------------------------------------- the slides


def slide_texts(slide) -> list[str]:
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out += [cell.text for row in shape.table.rows for cell in row.cells]
        if shape.has_chart:
            chart = shape.chart
            out += [str(c) for c in chart.plots[0].categories]
            out += [s.name for s in chart.plots[0].series]
    return out


def titles(deck) -> list[str]:
    return [
        next(s.text_frame.text for s in slide.shapes if s.name == "Title") for slide in deck.slides
    ]


def test_slides_read_back(deck, pack):
    names = titles(deck)
    assert names[0] == f"School {SCHOOL}: what our pupils told the STEM survey"
    for wanted in (
        "Who was surveyed",
        "Headline findings",
        "The plan's balance",
        "Action plan",
        "Next steps",
        "About these figures",
    ):
        assert wanted in names
    assert any(n.startswith("Change from 2008 to 2010") for n in names)
    assert any(n.startswith("The STEM plan: ") for n in names)
    assert any(n.startswith("The STEM review of ") for n in names)
    for slide in deck.slides:  # every slide says what it shows (and does not)
        assert slide.has_notes_slide and len(slide.notes_slide.notes_text_frame.text) > 40
    every = "\n".join(t for slide in deck.slides for t in slide_texts(slide))
    for sentence in pack.chosen["sentence"]:
        assert sentence in every
    for event in pack.plan.events:  # the clock-face's key names every event
        assert event.title in every
    charts = [s for slide in deck.slides for s in slide.shapes if s.has_chart]
    assert len(charts) >= 2
    plan_slide = deck.slides[names.index(next(n for n in names if n.startswith("The STEM plan")))]
    freeforms = [s for s in plan_slide.shapes if s.shape_type == 5]  # MSO_SHAPE_TYPE.FREEFORM
    assert len(freeforms) > 100  # the clock-face's stages and events, as native shapes


def test_chart_values_are_the_pages_shown_shares(deck, pack):
    """Every bar is a share the page shows; a hidden figure has no bar and says hidden."""
    checked = hidden = 0
    for slide in deck.slides:
        for shape in slide.shapes:
            title = next(s.text_frame.text for s in slide.shapes if s.name == "Title")
            block_chart = re.match(r"(.+), year (\d), wave (\d)", title)
            if not shape.has_chart or not block_chart:
                continue
            label, year, wave = block_chart.groups()
            block = next(b.key for b in schema.blocks() if b.label == label)
            table = pack.school.tables[block]
            table = table[(table["wave"] == int(wave)) & (table["year_group"] == int(year))]
            plot = shape.chart.plots[0]
            for series, who in zip(plot.series, (disclosure.THIS_SCHOOL, disclosure.OTHER_SCHOOLS)):
                rows = table[table["school"] == who]
                for category, value, row in zip(plot.categories, series.values, rows.itertuples()):
                    assert str(category).startswith(row.label)
                    if row.suppressed:
                        assert value is None and "hidden" in str(category)
                        hidden += 1
                    else:
                        assert value == pytest.approx(100 * row.share)
                        checked += 1
    assert checked > 20 and hidden >= 1


# ---------------------------------------------------------------- disclosure scan


SURVEY_SLIDES = ("Who was surveyed", "Headline findings", "Change")


def everything_written(pptx: bytes, html: str) -> tuple[list[str], list[str], list[float]]:
    """Every text of the slides (shapes, tables, chart categories, notes) and the report,
    the survey's part apart from the plan's and review's, and every number stored in a
    chart (its values and its embedded workbook)."""
    deck = Presentation(io.BytesIO(pptx))
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", html, flags=re.DOTALL))
    cut = min(
        i for i in (text.find("The STEM plan:"), text.find("Next steps"), len(text)) if i >= 0
    )
    survey, other, numbers = [text[:cut]], [text[cut:]], []
    blocks = tuple(b.label for b in schema.blocks())
    for slide, title in zip(deck.slides, titles(deck)):
        texts = [*slide_texts(slide), slide.notes_slide.notes_text_frame.text]
        (survey if title.startswith(SURVEY_SLIDES + blocks) else other).extend(texts)
        for shape in slide.shapes:
            if shape.has_chart:
                for series in shape.chart.plots[0].series:
                    numbers += [v for v in series.values if v is not None]
                blob = shape.chart.part.chart_workbook.xlsx_part.blob
                for row in openpyxl.load_workbook(io.BytesIO(blob)).active.iter_rows(
                    values_only=True
                ):
                    numbers += [v for v in row if isinstance(v, (int, float))]
    return survey, other, numbers


def scan(
    survey: list[str],
    other: list[str],
    numbers: list[float],
    school: content.SchoolData,
    pupils: pd.DataFrame,
) -> list[str]:
    """What a disclosure scan finds (empty when the pack is safe), judged by the page's
    own tables (``school.tables``) and the pupils' rows."""
    problems = []
    # 1. no count of pupils under the threshold, anywhere
    for text in survey + other:
        for n in re.findall(r"(?<![Yy]ear )(?<![\d,])(\d[\d,]*) pupils", text):
            if int(n.replace(",", "")) < school.rules.min_count:
                problems.append(f"{n} pupils: {text[:80]}")
    # 2. every percentage about the survey is one the page shows
    shown = pd.concat([t[t["suppressed"].fillna("") == ""] for t in school.tables.values()])
    allowed = {
        f"{100 * v:.0f}%" for c in ("share", "ci_low", "ci_high") for v in shown[c].dropna()
    } | {"95%"}
    for text in survey:
        problems += [
            f"{p} is not a figure the page shows: {text[:80]}"
            for p in re.findall(r"\d+%", text)
            if p not in allowed
        ]
    # 3. no chart number is a hidden figure's true value (computed from the pupils)
    hidden = pd.concat([t[t["suppressed"].fillna("") != ""] for t in school.tables.values()])
    stored = {round(v, 6) for v in numbers}
    shown_values = set((100 * shown["share"]).round(6))
    for r in hidden.itertuples():
        rows = pupils[(pupils["wave"] == r.wave) & (pupils["year_group"] == r.year_group)]
        mine = rows["school_id"].astype(str) == school.school_id
        rows = rows[mine] if r.school == disclosure.THIS_SCHOOL else rows[~mine]
        a = agrees(r.item, rows[r.item]).dropna()
        true = round(100 * a.mean(), 6) if len(a) else None
        if true in stored and true not in shown_values:
            problems.append(
                f"hidden {r.item} wave {r.wave} year {r.year_group} ({r.school}) is in a chart"
            )
    return problems


@pytest.mark.parametrize("school_id", [SCHOOL, SMALL])
def test_disclosure_scan_of_slides_notes_and_report(view, sample, school_id):
    school = pack_panel.school_data(view, school_id)
    pack = make_pack(school, plan=load_plan(PLAN), review=load_review(REVIEW, default_framework()))
    pptx, html = slides.pptx_bytes(pack), report.report_html(pack)
    assert len(pack.hidden), "the scan must meet hidden figures to mean anything"
    assert scan(*everything_written(pptx, html), school, sample.table) == []
    for sentence in pack.hidden["sentence"]:
        assert "hidden (" in sentence and not re.search(r"\d+(\.\d+)?%", sentence)
    assert html.count("hidden (") >= 1


def test_disclosure_scan_can_fail(view, sample):
    """The scan finds a hidden figure put back as a number, and a count under 10."""
    school = pack_panel.school_data(view, SMALL)
    tables = {k: v.copy() for k, v in school.tables.items()}
    leaked = content.SchoolData(
        school.school_id, school.name, tables, school.survey_text, school.source, school.rules
    )
    pupils = sample.table
    t = tables["enjoy"]
    i = t.index[(t["suppressed"] == "c") & (t["school"] == disclosure.THIS_SCHOOL)][0]
    item, wave, year = t.at[i, "item"], int(t.at[i, "wave"]), int(t.at[i, "year_group"])
    rows = pupils[(pupils["wave"] == wave) & (pupils["year_group"] == year)]
    mine = rows["school_id"] == SMALL
    # the school's hidden figure, and the other schools' (hidden with it), put back
    for j in t.index[(t["item"] == item) & (t["wave"] == wave) & (t["year_group"] == year)]:
        who = mine if t.at[j, "school"] == disclosure.THIS_SCHOOL else ~mine
        t.loc[j, ["share", "ci_low", "ci_high", "suppressed"]] = [
            agrees(item, rows.loc[who, item]).dropna().mean(),
            0.0,
            1.0,
            "",
        ]
    pack = make_pack(leaked, finding_ids=[f"{item}-w{wave}-y{year}"])
    survey, other, numbers = everything_written(slides.pptx_bytes(pack), report.report_html(pack))
    problems = scan(survey, other, numbers, school, pupils)  # judged by the page's tables
    assert any("is in a chart" in p for p in problems)
    assert any("is not a figure the page shows" in p for p in problems)
    assert scan([], ["Year 7: 9 pupils took part."], [], school, pupils) == [
        "9 pupils: Year 7: 9 pupils took part."
    ]


# ---------------------------------------------------------------- the command line


def test_command_line_with_a_school_of_another_file(tmp_path, capsys):
    table = synthetic.make_survey(seed=7, scale=0.5)
    path = tmp_path / "other_survey.csv"
    synthetic._write_csv(table, path)
    only_wave1 = set(table.loc[table["wave"] == 1, "school_id"]) - set(
        table.loc[table["wave"] == 2, "school_id"]
    )
    once = table[table["school_id"].isin(only_wave1)]["school_id"].value_counts().index[0]
    assert main(["pack", str(path), "--school", once, "--list-findings"]) == 0
    listing = capsys.readouterr().out
    first = listing.split()[0]
    assert re.fullmatch(r"[a-z_]+-w1-y[79]", first)
    out = tmp_path / "pack"
    assert (
        main(
            [
                "pack",
                "--data",
                str(path),
                "--school",
                once,
                "--out",
                str(out),
                "--findings",
                first,
                "--no-pdf",
            ]
        )
        == 0
    )
    deck = Presentation(out / "pack.pptx")
    assert titles(deck)[0] == f"School {once}: what our pupils told the STEM survey"
    every = "\n".join(t for slide in deck.slides for t in slide_texts(slide))
    assert "was surveyed in one wave only" in every
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "was surveyed in one wave only" in html
    # the school's figure against pandas on this file's pupils
    row = listing.splitlines()[0]
    item, wave, year = re.fullmatch(r"([a-z_]+)-w(\d)-y(\d)", first).groups()
    pupils = table[
        (table["school_id"] == once)
        & (table["wave"] == int(wave))
        & (table["year_group"] == int(year))
    ]
    a = agrees(item, pupils[item]).dropna()
    assert f"{100 * a.mean():.0f}% of School {once}'s pupils" in row
    assert f"{len(a):,} pupils" in row
    view = my_school.MySchool(
        results.LiveResults(data.survey(data.DataSource((path,), None, False)))
    )
    school = pack_panel.school_data(view, once)
    again = make_pack(school, finding_ids=[first])
    assert scan(*everything_written((out / "pack.pptx").read_bytes(), html), school, table) == []
    assert list(again.chosen["id"]) == [first]


def test_command_line_errors(tmp_path, capsys):
    assert main(["pack", "--school", "NOPE", "--out", str(tmp_path)]) == 2
    assert "no school 'NOPE'" in capsys.readouterr().err
    assert main(["pack", "--school", SCHOOL, "--findings", "nonsense", "--out", str(tmp_path)]) == 2
    assert "no finding nonsense" in capsys.readouterr().err
    bad = tmp_path / "plan.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["pack", "--school", SCHOOL, "--plan", str(bad), "--out", str(tmp_path)]) == 1
    assert "plan.json" in capsys.readouterr().err


def test_pdf_where_chromium_is_found_and_said_plainly_where_not(tmp_path, pack, monkeypatch):
    html = tmp_path / "report.html"
    html.write_text(report.report_html(pack), encoding="utf-8")
    monkeypatch.setattr(report, "find_chromium", lambda: None)
    note = report.print_pdf(html, tmp_path / "report.pdf")
    assert (
        note.startswith("No PDF was made: no Chromium") and not (tmp_path / "report.pdf").exists()
    )
    monkeypatch.undo()
    if report.find_chromium() is None:
        pytest.fail("no Chromium on this machine: scripts/test installs one")
    assert report.print_pdf(html, tmp_path / "report.pdf") is None
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")


# ---------------------------------------------------------------- from the page


def upload_value(path: Path, content: bytes | None = None) -> tuple[dict]:
    content = path.read_bytes() if content is None else content
    return (
        {
            "name": path.name,
            "type": "",
            "size": len(content),
            "content": memoryview(content),
            "last_modified": datetime.now(UTC),
        },
    )


def data_link(html: str, extension: str) -> bytes:
    import base64

    uri = re.search(
        rf"href=[\"']data:[^;]+;base64,([^\"']+)[\"'] download=[\"'][^\"']+\.{extension}", html
    ).group(1)
    return base64.b64decode(uri)


def test_make_a_pack_from_the_page(view, pack):
    panel = view.pack_panel
    view.choices["school_id"].value = SCHOOL
    panel.list_findings()
    assert len(panel.boxes) == 12
    assert [b.description for b in panel.boxes] == list(pack.candidates["sentence"].head(12))
    assert [b.value for b in panel.boxes] == [True] * 6 + [False] * 6
    assert "more" in panel.more_button.description
    panel.show_more()
    assert len(panel.boxes) == 24
    for box in panel.boxes:
        box.value = False
    panel.boxes[20].value = panel.boxes[1].value = True
    panel.plan_upload.value = upload_value(PLAN)
    panel.make()
    deck = Presentation(io.BytesIO(data_link(panel.links.value, "pptx")))
    every = "\n".join(t for slide in deck.slides for t in slide_texts(slide))
    assert panel.boxes[1].description in every and panel.boxes[20].description in every
    assert panel.boxes[0].description not in every
    assert "Family STEM Night" in every  # the plan's key
    report_text = data_link(panel.links.value, "html").decode("utf-8")
    assert html.escape(panel.boxes[20].description) in report_text


def test_the_page_says_why_a_plan_file_cannot_be_used(view):
    panel = view.pack_panel
    view.choices["school_id"].value = SMALL
    panel.list_findings()
    panel.plan_upload.value = upload_value(Path("broken_plan.json"), b"{not json")
    panel.links.value = ""
    panel.make()
    assert "broken_plan.json could not be read" in panel.message.value
    assert panel.links.value == ""
    view.choices["school_id"].value = SCHOOL  # another school: list its findings first
    panel.plan_upload.value = ()
    panel.make()
    assert "list its findings first" in panel.message.value


def test_the_page_offers_the_report_as_pdf_printed_from_the_same_report(view, monkeypatch):
    """Where the server has Chromium, "Make a pack" adds the report as PDF: Chromium's
    print of exactly the report text the HTML link carries (which the scan above reads)."""
    panel = view.pack_panel
    view.choices["school_id"].value = SCHOOL
    panel.list_findings()
    panel.plan_upload.value = ()
    printed = []

    def print_pdf(html_path, pdf_path, chromium=None, timeout=120):
        printed.append(Path(html_path).read_text(encoding="utf-8"))
        Path(pdf_path).write_bytes(b"%PDF-1.4 printed")

    monkeypatch.setattr(report, "find_chromium", lambda: "/usr/bin/chromium-stand-in")
    monkeypatch.setattr(report, "print_pdf", print_pdf)
    panel.make()
    assert data_link(panel.links.value, "pdf") == b"%PDF-1.4 printed"
    assert printed == [data_link(panel.links.value, "html").decode("utf-8")]
    assert "Download the report (PDF)" in panel.links.value


def test_the_page_says_plainly_when_it_cannot_make_a_pdf(view, monkeypatch):
    panel = view.pack_panel
    view.choices["school_id"].value = SCHOOL
    panel.list_findings()
    panel.plan_upload.value = ()
    monkeypatch.setattr(report, "find_chromium", lambda: None)
    panel.make()
    assert ".pdf" not in panel.links.value and "(PDF)" not in panel.links.value
    assert "This server cannot make a PDF (it has no Chromium or Chrome)" in panel.links.value
    assert data_link(panel.links.value, "pptx") and data_link(panel.links.value, "html")
    # Chromium found but failing: said, and the HTML and slides are still there
    monkeypatch.setattr(report, "find_chromium", lambda: "/bin/false")
    panel.make()
    assert "The PDF could not be made this time" in panel.links.value
    assert data_link(panel.links.value, "html")


def test_the_real_pdf_from_the_page(view):
    if report.find_chromium() is None:
        pytest.fail("no Chromium on this machine: scripts/test installs one")
    panel = view.pack_panel
    view.choices["school_id"].value = SMALL
    panel.list_findings()
    panel.plan_upload.value = ()
    panel.make()
    assert data_link(panel.links.value, "pdf").startswith(b"%PDF")


def test_make_a_pack_from_a_published_school_bundle(sample, monkeypatch):
    """My school on a publication bundle (``KS3_BUNDLE``, as a school lead's server on a
    hub): the pack is made from the bundle's protected school view, and passes the scan."""
    from test_publish import LABEL, SCHOOL as NAMED, sample_bundle

    from dashboards.bundle import BundleResults

    monkeypatch.setattr(report, "find_chromium", lambda: None)  # the PDF is tested above
    view = my_school.MySchool(BundleResults(sample_bundle()))
    assert view.schools == [LABEL]
    panel = view.pack_panel
    panel.list_findings()
    # the bundle carries the school's and the other schools' intervals (publish), so the
    # pack judges the school's differences from the bundle as it does from the survey
    assert panel.boxes, panel.message.value
    panel.plan_upload.value = upload_value(PLAN)
    panel.make()
    assert f"The pack for {LABEL} is ready." in panel.message.value
    pptx = data_link(panel.links.value, "pptx")
    html_text = data_link(panel.links.value, "html").decode("utf-8")
    assert LABEL in html_text and NAMED not in html_text  # the pseudonym, never the id
    every = "\n".join(
        t for slide in Presentation(io.BytesIO(pptx)).slides for t in slide_texts(slide)
    )
    assert "Family STEM Night" in every and "Family STEM Night" in html_text  # the plan
    # the scan, judged by the bundle's tables and the real school's pupils
    school = panel.school
    real = content.SchoolData(
        NAMED, school.name, school.tables, school.survey_text, school.source, school.rules
    )
    assert scan(*everything_written(pptx, html_text), real, sample.table) == []


def test_a_bundle_made_before_school_intervals_says_why_it_has_no_findings(
    sample, monkeypatch, tmp_path
):
    """An older bundle's school table has no intervals: the panel says why there are no
    findings and how to get them, instead of "0 findings"."""
    import json
    import shutil

    from test_publish import sample_bundle

    from analysis import manifest
    from dashboards.bundle import BundleResults

    old = tmp_path / "old bundle"
    shutil.copytree(sample_bundle(), old)
    school = pd.read_csv(old / manifest.SCHOOL, dtype=str, keep_default_na=False)
    school.drop(columns=["ci_low", "ci_high"]).to_csv(old / manifest.SCHOOL, index=False)
    about = json.loads((old / manifest.MANIFEST).read_text(encoding="utf-8"))
    about["files"][manifest.SCHOOL] = manifest.sha256(old / manifest.SCHOOL)
    (old / manifest.MANIFEST).write_text(json.dumps(about), encoding="utf-8")
    panel = my_school.MySchool(BundleResults(old)).pack_panel
    panel.list_findings()
    assert panel.boxes == []
    assert "made before bundles carried the other schools&#x27; intervals" in panel.message.value
