"""The pack as a printable HTML report, and as PDF where a Chromium is found.

The report says what the slides say (:mod:`.content`), laid out for A4
paper: the findings as sentences, each chart as a table with a bar drawn in
CSS (hidden figures written as hidden), the clock-face and the hexagon as SVG
with their keys. No JavaScript. The PDF is Chromium's own ``--print-to-pdf``
of that page; on a machine without Chromium the report says so and the HTML
prints from any browser.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

from analysis import schema
from analysis.planner.figure import clock_face_svg

from . import findings as found
from . import shapes
from .content import Pack
from .slides import COLOURS, chart_rows

CSS = """
@page { size: A4; margin: 1.6cm; }
body { font-family: Helvetica, Arial, sans-serif; color: #222; font-size: 11pt; line-height: 1.4;
       max-width: 48em; margin: 1.5em auto; }
h1 { font-size: 20pt; margin: 0 0 0.2em 0; } h2 { font-size: 14pt; margin: 1.4em 0 0.4em 0; }
h3 { font-size: 12pt; margin: 1em 0 0.3em 0; }
table { border-collapse: collapse; width: 100%; margin: 0.4em 0 1em 0; }
th, td { border: 1px solid #999; padding: 0.25em 0.45em; text-align: left; vertical-align: top;
         font-size: 10pt; }
th { background: #eef1f4; }
.bar { display: inline-block; height: 0.8em; vertical-align: middle; margin-right: 0.3em; }
.note { color: #555; font-size: 9.5pt; }
.hidden { color: #555; font-style: italic; }
section { page-break-inside: avoid; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; } }
"""


def _esc(text) -> str:
    return html.escape(str(text))


def _share_cell(value, low, high, colour: str, mark: str, rules) -> str:
    if value is None or pd.isna(value):
        why = found.hidden_why(mark, rules) if mark else "no pupils"
        return f"<td class='hidden'>hidden ({_esc(why)})</td>"
    interval = "" if low is None or pd.isna(low) else f" ({low:.0f}% to {high:.0f}%)"
    return (
        f"<td><span class='bar' style='width:{value / 100 * 8:.2f}em;background:{colour}'>"
        f"</span>{value:.0f}%{interval}</td>"
    )


def _chart_table(pack: Pack, block: str, wave: int, year: int) -> str:
    rows = chart_rows(pack.school.tables[block], wave, year)
    rules = pack.school.rules
    the_block = schema.block(block)
    body = "".join(
        f"<tr><th scope='row'>{_esc(r['label'])}</th>"
        + _share_cell(
            r["school"],
            r["school_low"],
            r["school_high"],
            COLOURS["school"],
            r["school_mark"],
            rules,
        )
        + _share_cell(
            r["other"], r["other_low"], r["other_high"], COLOURS["other"], r["other_mark"], rules
        )
        + "</tr>"
        for r in rows.to_dict("records")
    )
    what = "agreeing" if the_block.scale == "agreement" else "ticking"
    return (
        f"<h3>{_esc(the_block.label)}, year {year}, {_esc(found.wave_text(wave))}</h3>"
        f"<table><caption class='note'>Share {what} “{_esc(the_block.question)}”, with "
        "95% intervals</caption><tr><th scope='col'>Question</th>"
        f"<th scope='col'>{_esc(pack.school.name)}</th><th scope='col'>Other schools</th>"
        f"</tr>{body}</table>"
    )


def _list(items) -> str:
    return "<ul>" + "".join(f"<li>{_esc(t)}</li>" for t in items) + "</ul>"


def report_html(pack: Pack, pdf_note: str = "") -> str:
    """The whole report as one HTML page (see the module notes)."""
    name = pack.school.name
    parts = [
        f"<h1>{_esc(name)}: what our pupils told the STEM survey</h1>",
        (
            f"<p>KS3 STEM attitude survey, years 7 and 9. Made on {pack.made_on:%d %B %Y} from "
            f"{_esc(pack.school.source)}. Figures are protected as on the My school page: "
            "numbers the page hides are written as hidden.</p>"
        ),
    ]
    if pdf_note:
        parts.append(f"<p class='note'>{_esc(pdf_note)}</p>")
    b = pack.bases
    rows = "".join(
        f"<tr><td>{_esc(found.wave_text(r.wave).capitalize())}</td><td>Year {r.year_group}</td>"
        + (
            f"<td class='hidden'>hidden (fewer than {pack.school.rules.min_count:g} pupils)</td>"
            if pd.isna(r.school_pupils)
            else f"<td>{int(r.school_pupils):,}</td>"
        )
        + (
            "<td class='hidden'>hidden</td>"
            if pd.isna(r.other_pupils)
            else f"<td>{int(r.other_pupils):,} in {int(r.n_schools)} schools</td>"
        )
        + "</tr>"
        for r in b.itertuples()
    )
    parts.append(
        "<section><h2>Who was surveyed</h2>"
        f"<p>All schools: {_esc(pack.school.survey_text)}</p><table><tr><th>Wave</th>"
        f"<th>Year group</th><th>{_esc(name)}: pupils</th><th>Other schools: pupils</th></tr>"
        f"{rows}</table><p class='note'>Pupils: the largest number answering any question."
        "</p></section>"
    )
    parts.append("<section><h2>Headline findings</h2>")
    if len(pack.chosen):
        parts.append(_list(pack.chosen["sentence"]))
        for g in pack.chosen.drop_duplicates(["block", "wave", "year_group"]).itertuples():
            parts.append(_chart_table(pack, g.block, g.wave, g.year_group))
    else:
        parts.append(
            "<p>No difference from the other schools is clear enough to headline "
            "(every 95% interval includes 0).</p>"
        )
    parts.append(
        "<p class='note'>Findings are chosen by the size and certainty of the "
        "difference; a difference is clear when its 95% interval excludes 0. Among "
        "many comparisons a few will look clear by chance.</p></section>"
    )
    parts.append("<section><h2>Change between the waves</h2>")
    waves = set(b["wave"].astype(int)) if len(b) else set()
    if waves != {1, 2}:
        parts.append(
            f"<p>{_esc(name)} was surveyed in one wave only, so its change between "
            "2008 and 2010 cannot be shown.</p>"
        )
    elif not len(pack.changes):
        parts.append("<p>No question has all four figures shown, so no change can be compared.</p>")
    else:
        parts.append(_list(pack.changes["sentence"].head(6)))
        parts.append(
            "<p class='note'>Different pupils in each wave; the other schools are "
            "those surveyed in each wave.</p>"
        )
    parts.append("</section>")
    if pack.plan is not None:
        title = pack.plan.title or "STEM plan"
        parts.append(
            f"<section><h2>The STEM plan: {_esc(title)}</h2>{clock_face_svg(pack.plan)}"
            "<h3>Balance</h3>"
            + _list(pack.balance.warnings or ["The balance report finds nothing to warn about."])
            + "</section>"
        )
    if pack.review is not None:
        from analysis.manager.figure import hexagon_table_html
        from analysis.manager.files import action_plan
        from analysis.manager.review import summary

        polygons, labels = shapes.hexagon(pack.scores, pack.framework)
        plan = action_plan(pack.review, pack.framework)
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{_esc(v)}</td>" for v in (r.theme, r.action, r.status, r.owner, r.target_date)
            )
            + "</tr>"
            for r in plan.itertuples()
        )
        parts.append(
            f"<section><h2>The STEM review of {pack.review.reviewed_on:%d %B %Y}</h2>"
            + shapes.svg(polygons, labels, title="Hexagon of the review")
            + f"<p>{_esc(summary(pack.review, pack.framework, pack.scores))}</p>"
            + hexagon_table_html(pack.scores)
            + "<h3>Action plan</h3>"
            + (
                f"<table><tr><th>Theme</th><th>Action</th><th>Status</th><th>Owner</th>"
                f"<th>Target date</th></tr>{rows}</table>"
                if len(plan)
                else "<p>No action is marked for the action plan yet.</p>"
            )
            + "</section>"
        )
    parts.append("<section><h2>Next steps</h2>" + _list(pack.next_steps) + "</section>")
    parts.append(
        "<section><h2>About these figures</h2><p class='note'>Each share has a 95% interval. "
        f"{len(pack.hidden)} figures are hidden, as on the My school page (fewer than "
        f"{pack.school.rules.min_count:g} pupils gave, or did not give, the answer; a base under "
        f"{pack.school.rules.min_base:g} pupils; or a figure that could otherwise be worked "
        "out). The school's rank among schools is never shown.</p></section>"
    )
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>"
        f"{_esc(name)}: STEM survey pack</title><style>{CSS}</style></head><body>"
        + "".join(parts)
        + "</body></html>"
    )


def find_chromium() -> str | None:
    """A Chromium or Chrome to print with: ``$CHROMIUM``, else the first on ``PATH``."""
    named = os.environ.get("CHROMIUM")
    if named and Path(named).exists():
        return named
    for candidate in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found_at = shutil.which(candidate)
        if found_at:
            return found_at
    return None


def print_pdf(
    html_path: Path, pdf_path: Path, chromium: str | None = None, timeout: float = 120
) -> str | None:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium.

    Returns None when done, or a sentence saying why no PDF was made.
    """
    chromium = chromium or find_chromium()
    if chromium is None:
        return (
            "No PDF was made: no Chromium or Chrome was found on this machine (set "
            "CHROMIUM to one); open report.html in a browser and print it."
        )
    with tempfile.TemporaryDirectory(prefix="ks3-pdf-") as profile:
        done = subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={pdf_path}",
                Path(html_path).resolve().as_uri(),
            ],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0 or not Path(pdf_path).exists():
        return (
            f"No PDF was made: {chromium} stopped with code {done.returncode}; open "
            "report.html in a browser and print it."
        )
    return None


def report_pdf(report: str, chromium: str | None = None) -> tuple[bytes | None, str | None]:
    """The report's HTML text (:func:`report_html`) printed to PDF by :func:`print_pdf`,
    in a folder of its own that is removed after: ``(pdf, None)``, or ``(None, why not)``."""
    with tempfile.TemporaryDirectory(prefix="ks3-report-") as folder:
        html_path, pdf_path = Path(folder) / "report.html", Path(folder) / "report.pdf"
        html_path.write_text(report, encoding="utf-8")
        note = print_pdf(html_path, pdf_path, chromium)
        return (None, note) if note else (pdf_path.read_bytes(), None)


def write_pack(pack: Pack, out_dir: str | Path, *, pdf: bool = True) -> dict[str, Path | str]:
    """Write ``pack.pptx``, ``report.html`` and (where Chromium is found) ``report.pdf``.

    Returns ``{"pptx": path, "html": path, "pdf": path}``, with ``"pdf_note"``
    (why there is no PDF) in place of ``"pdf"`` when none was made.
    """
    from .slides import pptx_bytes

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} is a file, not a folder: give --out a folder.")
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path | str] = {"pptx": out / "pack.pptx", "html": out / "report.html"}
    written["pptx"].write_bytes(pptx_bytes(pack))
    written["html"].write_text(report_html(pack), encoding="utf-8")
    if pdf:
        note = print_pdf(written["html"], out / "report.pdf")
        if note:
            written["pdf_note"] = note
        else:
            written["pdf"] = out / "report.pdf"
    return written
