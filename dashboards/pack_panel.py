"""My school's "Make a pack": the school's findings, plan and review as slides and a report.

:func:`school_data` hands :mod:`analysis.pack` the page's own protected tables
(:meth:`dashboards.my_school.MySchool.school_block`, one per block), so the
pack shows exactly what the page may show. The command line
(``python -m analysis pack``) makes the same :class:`~dashboards.my_school.MySchool`
and calls the same function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import html
import sys
from pathlib import Path

import ipywidgets as widgets

from analysis.manager.files import read_review
from analysis.manager.framework import configured_framework
from analysis.pack import findings, make_pack
from analysis.pack.content import DEFAULT_FINDINGS, SchoolData
from analysis.pack import report
from analysis.pack.report import report_html
from analysis.pack.slides import pptx_bytes
from analysis.planner.files import read_plan
from analysis.figures.school import school_name
from analysis.publish import source_text

from . import downloads, page
from .upload import FileProblem, read_uploaded

if TYPE_CHECKING:  # the page that holds this panel; it imports this module
    from .my_school import MySchool


def survey_text(results) -> str:
    """Who was surveyed in all, pupils rounded to 10 (a bundle: its manifest's words)."""
    if getattr(results, "survey", None) is not None:
        return source_text(results.survey.table)
    return str(getattr(results, "manifest", {}).get("source", ""))


def source_words(results) -> str:
    """Where the figures come from: the files' names, or the publication's title."""
    survey = getattr(results, "survey", None)
    if survey is not None:
        return ", ".join(Path(f).name for f in survey.files)
    return str(getattr(results, "manifest", {}).get("title", "a publication bundle"))


def school_data(view: MySchool, school_id: str) -> SchoolData:
    """One school's protected My school tables, every block, wave and year group."""
    if school_id not in view.schools:
        raise ValueError(
            f"no school '{school_id}' in these data; schools are "
            f"{', '.join(view.schools[:10])}{' …' if len(view.schools) > 10 else ''}"
        )
    tables = {b.key: view.school_block(school_id, b.key) for b in view.blocks}
    return SchoolData(
        school_id=school_id,
        name=school_name(school_id),
        tables=tables,
        survey_text=survey_text(view.results),
        source=source_words(view.results),
        rules=view.rules,
    )


#: Media type of a PowerPoint file.
PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
#: Checkbox labels wrap (a finding is a sentence), never cut off with an ellipsis.
PANEL_CSS = """<style>
.ks3-pack .widget-checkbox { height: auto; align-items: flex-start; margin: 0.15em 0; }
.ks3-pack .widget-checkbox input { margin-top: 0.3em; }
.ks3-pack .widget-checkbox label, .ks3-pack .widget-checkbox .widget-label-basic,
.ks3-pack .widget-checkbox .widget-label-basic span { white-space: normal; overflow: visible;
  text-overflow: clip; height: auto; line-height: 1.35; }
</style>"""
#: How many findings are listed at first, and how many more each "Show more" opens.
PAGE_OF_FINDINGS = 12


class PackPanel:
    """ "Make a pack" under My school: choose findings (strongest first), then download.

    Nothing is computed until the reader asks: "List this school's findings"
    reads the chosen school's protected tables (:func:`school_data`) and lists
    every finding as a checkbox, strongest first, the strongest clear ones
    ticked, :data:`PAGE_OF_FINDINGS` at a time ("Show more findings" opens the
    rest). The reader may add the school's STEM plan and review (files saved
    by the Planner and the Manager). "Make the pack" gives the slides and the
    printable report as download links (``data:`` URIs: Voilà answers a
    FileLink with 403).

    Parameters
    ----------
    view : MySchool
        The page; its school dropdown says which school the pack is for.
    """

    def __init__(self, view: MySchool):
        self.view = view
        self.school = None  # SchoolData of the school listed
        self.candidates = None
        self.boxes: list = []
        self.shown = 0
        self.heading = page.html_widget(
            PANEL_CSS
            + "<h2>Make a pack for a staff meeting</h2><p>Slides (PowerPoint) and a printable "
            "report of this school's findings against the other schools, with the same "
            "figures hidden as on this page. List the findings, tick the ones to show, add "
            "the school's STEM plan and review if you have them, then make the pack.</p>"
        )
        self.list_button = widgets.Button(
            description="List this school's findings",
            icon="list",
            layout=widgets.Layout(width="auto"),
        )
        self.list_button.on_click(lambda _: self.list_findings())
        self.findings_box = widgets.VBox([])
        self.more_button = widgets.Button(
            description="Show more findings", layout=widgets.Layout(width="auto", display="none")
        )
        self.more_button.on_click(lambda _: self.show_more())
        self.plan_upload = widgets.FileUpload(
            accept=".json,.csv", multiple=False, description="STEM plan (optional)"
        )
        self.review_upload = widgets.FileUpload(
            accept=".json,.csv", multiple=False, description="STEM review (optional)"
        )
        for upload in (self.plan_upload, self.review_upload):
            upload.layout = widgets.Layout(width="auto")
        self.make_button = widgets.Button(
            description="Make the pack",
            button_style="primary",
            icon="file",
            disabled=True,
            layout=widgets.Layout(width="auto"),
        )
        self.make_button.on_click(lambda _: self.make())
        self.message = page.html_widget("")
        self.links = page.html_widget("")
        self.widget = widgets.VBox(
            [
                self.heading,
                self.list_button,
                self.findings_box,
                self.more_button,
                page.row([self.plan_upload, self.review_upload]),
                self.make_button,
                self.message,
                self.links,
            ]
        )
        self.widget.add_class("ks3-pack")

    def _say(self, text: str, problem: bool = False) -> None:
        css = "ks3-problem" if problem else "ks3-note"
        self.message.value = page.html_widget(
            f'<p class="{css}" role="status">{html.escape(text)}</p>'
        ).value

    def list_findings(self) -> None:
        """Read the chosen school's tables and list its findings, strongest first."""
        school_id = self.view.value["school_id"]
        self._say(f"Reading {school_name(school_id)}'s figures…")
        self.school = school_data(self.view, school_id)
        self.candidates = findings.school_findings(self.school.tables, self.school.name)
        self.boxes, self.shown = [], 0
        self.findings_box.children = ()
        self.links.value = ""
        self.show_more()
        self.make_button.disabled = False
        results = self.view.results
        if (
            not len(self.candidates)
            and getattr(results, "published", False)
            and "ci_low" not in results.school_view().columns
        ):
            self._say(
                f"No findings for {self.school.name}: this publication was made before "
                "bundles carried the other schools' intervals, so no difference can be "
                "judged (publish it again with `python -m analysis publish --school`). The "
                "pack still shows who was surveyed, and the STEM plan and review if you add "
                "them; the page above shows the school's figures next to the other schools'."
            )
            return
        clear = int(self.candidates["clear"].astype(bool).sum())
        self._say(
            f"{len(self.candidates)} findings for {self.school.name}, {clear} of them "
            "clear (their 95% interval excludes 0), strongest first. Figures this page "
            "hides are not among them."
        )

    def show_more(self) -> None:
        """Add the next :data:`PAGE_OF_FINDINGS` findings as checkboxes."""
        rows = self.candidates.iloc[self.shown : self.shown + PAGE_OF_FINDINGS]
        new = []
        for i, r in enumerate(rows.itertuples(), start=self.shown):
            box = widgets.Checkbox(
                value=bool(r.clear) and i < DEFAULT_FINDINGS,
                description=r.sentence,
                indent=False,
                layout=widgets.Layout(width="auto"),
            )
            box.finding_id = r.id
            new.append(box)
        self.boxes += new
        self.shown += len(rows)
        self.findings_box.children = tuple(self.boxes)
        left = len(self.candidates) - self.shown
        self.more_button.description = f"Show more findings ({left} more)"
        self.more_button.layout.display = None if left > 0 else "none"

    def chosen_ids(self) -> list[str]:
        """The ids of the ticked findings, in the order listed."""
        return [b.finding_id for b in self.boxes if b.value]

    def _read(self, upload, reader, what: str):
        """The uploaded plan or review, kept in its upload for the next pack (or None)."""
        try:
            read = read_uploaded(upload, reader, clear=False)
        except FileProblem as problem:
            raise ValueError(
                f"The {what} {problem.name} could not be read: " + "; ".join(problem.problems)
            ) from problem
        return None if read is None else read[1]

    @staticmethod
    def _pdf(report_text: str, safe: str) -> tuple[str, str]:
        """(a link to the report as PDF or "", what to say about the PDF).

        The PDF is Chromium's print of the same report text as the HTML link (so the
        pack's disclosure scan covers it); where the server has no Chromium, it says so.
        """
        chromium = report.find_chromium()
        if chromium is None:
            return "", (
                "This server cannot make a PDF (it has no Chromium or Chrome): open the "
                "report in a browser and print it, or save it as PDF from the print window."
            )
        pdf, why_not = report.report_pdf(report_text, chromium)
        if pdf is None:
            print(f"dashboards.pack_panel: {why_not}", file=sys.__stderr__)  # the server's log
            return "", (
                "The PDF could not be made this time (the details are in the server's log): "
                "open the report in a browser and print it, or save it as PDF."
            )
        pdf_uri = downloads.data_uri(pdf, "application/pdf")
        return (
            f" · <a class='ks3-download' href='{pdf_uri}' download='report_{safe}.pdf'>"
            "Download the report (PDF)</a>",
            "The PDF is the printable report, printed on the server.",
        )

    def make(self) -> None:
        """Make the slides and the report, and show them as download links."""
        if self.school is None or self.view.value["school_id"] != self.school.school_id:
            self._say("The school changed: list its findings first.", problem=True)
            return
        ids = self.chosen_ids()
        framework = configured_framework()
        try:
            plan = self._read(self.plan_upload, read_plan, "plan")
            review = self._read(
                self.review_upload, lambda c, n: read_review(c, n, framework), "review"
            )
        except ValueError as error:
            self._say(f"{error} The pack was not made; choose another file.", problem=True)
            return
        pack = make_pack(
            self.school,
            finding_ids=ids,
            n_findings=0,
            plan=plan,
            review=review,
            framework=framework,
        )
        safe = "".join(ch for ch in self.school.school_id if ch.isalnum() or ch in "-_")
        slides_uri = downloads.data_uri(pptx_bytes(pack), PPTX_TYPE)
        report_text = report_html(pack)
        report_uri = downloads.data_uri(report_text.encode("utf-8"), "text/html")
        pdf_link, pdf_words = self._pdf(report_text, safe)
        self.links.value = page.html_widget(
            f'<p><a class="ks3-download" href="{slides_uri}" download="pack_{safe}.pptx">'
            f"Download the slides (PowerPoint)</a> · <a class='ks3-download' href='{report_uri}' "
            f"download='report_{safe}.html'>Download the printable report (HTML)</a>{pdf_link}"
            f"</p><p class='ks3-note'>{pdf_words} {len(pack.chosen)} findings chosen"
            + (", with the plan" if plan is not None else "")
            + (", with the review" if review is not None else "")
            + ".</p>"
        ).value
        self._say(f"The pack for {self.school.name} is ready.")
