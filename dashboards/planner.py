"""STEM Planner page: plan a key stage's STEM events on the report's clock-face.

Only wiring lives here; the plan, its files, its balance, its picture and the
survey's evidence are :mod:`analysis.planner`. The page works without any
survey: a STEM lead opens it to plan. The "survey meets the plan" panel reads
the dashboards' survey (:func:`dashboards.data.survey`) only when asked.

Every change makes a new :class:`~analysis.planner.Plan` and redraws the
clock-face (in place), the balance report, the event list and the download
links, then **saves** the plan as a new version in :mod:`analysis.store`
(the file named by ``KS3_STORE``, default ``~/.ks3/store.sqlite``), under the
visitor's owner (:mod:`dashboards.identity`): their school on a network's
hub, their browser on a personal server. So:

* whose plan is shown is decided when the person arrives, never when Voilà
  preheats the page; the offer to open the saved plan reads the latest
  version when it is pressed, so it is always the latest saved state;
* every saved version is kept and can be restored (as a new version);
* two colleagues saving at once: the second is told who saved what and
  when, and chooses (keep theirs as the newest version, or open the other);
* opening a plan file, an example or an earlier version in place of a plan
  with events asks first;
* no server path is ever shown.

A refused change (a form with a problem, a file that cannot be read, a save
that fails) leaves the plan on screen as it was and says why.
"""

from __future__ import annotations

import html
import json
import sqlite3
import sys
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import anywidget
import ipywidgets as widgets
import plotly.graph_objects as go

from analysis.errors import SurveyDataError
from analysis.store import Conflict, Saved, Store, StoreError
from analysis.planner import balance as balance_module
from analysis.planner import evidence, figure, files
from analysis.planner.model import (
    HALF_TERMS,
    STAGES_IN_HALF_TERM,
    Event,
    KeyStage,
    Plan,
    PlanValueError,
    kinds,
    slot_name,
    stages,
    subjects,
    teacher_kinds,
    terms,
)

from . import data, downloads, identity, page, schools
from .data import ROOT
from .svg_png import PngLink
from .upload import FileProblem, read_uploaded

#: The survey panel's choice of no school: the whole survey's figures.
EVERY_SCHOOL = "No school: every school together"
#: The name of each owner's plan in :mod:`analysis.store` (one working plan per owner,
#: every version kept).
PLAN_NAME = "STEM plan"
EXAMPLES_DIR = ROOT / "data" / "sample" / "plans"
#: Name of downloaded files (without extension).
FILENAME = "stem_plan"
#: The key stages offered: two or three consecutive years.
KEY_STAGES: dict[str, tuple[int, ...]] = {
    "Years 7, 8 and 9 (three-year Key Stage 3)": (7, 8, 9),
    "Years 7 and 8 (two-year Key Stage 3)": (7, 8),
    "Years 8 and 9": (8, 9),
    "Years 10 and 11 (Key Stage 4)": (10, 11),
}
#: Human names of the form's fields, for messages.
FIELD_NAMES = {
    "title": "Title",
    "subjects": "Subjects",
    "year_groups": "Year groups",
    "term": "Term",
    "half_term": "Half-term",
    "stage": "Stage",
    "kind": "Kind",
    "careers_linked": "Careers-linked",
    "lead": "Lead",
    "partner": "Partner",
    "notes": "Notes",
    "id": "Id",
}
NOTE_CSS = f"<style>{balance_module.CSS}</style>"


def examples() -> dict[str, Path]:
    """``{school name: path}`` of the example plans in ``data/sample/plans``."""
    out = {}
    for path in sorted(EXAMPLES_DIR.glob("*.json")):
        try:
            out[files.load_plan(path).school or path.stem] = path
        except files.PlanFileError:
            continue
    return out


def _problem_html(title: str, items: list[str], todo: str = "") -> str:
    lis = "".join(f"<li>{html.escape(i)}</li>" for i in items)
    return page.html_widget(
        f'<div class="ks3-problem"><h2>{html.escape(title)}</h2>'
        f"<ul>{lis}</ul>{f'<p>{html.escape(todo)}</p>' if todo else ''}"
        "</div>"
    ).value


def _note_html(text: str) -> str:
    return page.html_widget(f'<p class="ks3-note">{html.escape(text)}</p>').value


#: The browser side of :class:`Settled`: answer each question at once.
SETTLED_ESM = """
function initialize({ model }) {
  model.on("msg:custom", (msg) => {
    if (msg && Number.isInteger(msg.settle)) model.send({ settled: msg.settle });
  });
}
function render({ el }) { el.setAttribute("aria-hidden", "true"); }
export default { initialize, render };
"""


class Settled(anywidget.AnyWidget):
    """Runs a button's action once every change the person made before pressing it has
    reached the kernel (:meth:`then`).

    ipywidgets sends a control's first change at once, but holds its next changes back
    until the kernel has answered the first; a button's press is never held back. On a
    busy kernel (a slow connection, a loaded server) a press therefore overtook the form's
    last change: two subjects ticked and "Add event" pressed, the event was added with
    one subject while the form showed two. So the action waits for a question sent
    through the browser: the browser answers after it has had the kernel's answer to
    every earlier change, and so after it has sent the changes it held back.
    """

    _esm = SETTLED_ESM

    def __init__(self):
        super().__init__(layout=widgets.Layout(width="0", height="0", overflow="hidden"))
        self._waiting: dict[int, Callable[[], object]] = {}
        self._asked = 0
        self.on_msg(
            lambda _widget, content, _buffers: self.settled(
                content.get("settled") if isinstance(content, dict) else None
            )
        )

    def then(self, action: Callable[[], object]) -> None:
        """Run ``action`` when the browser answers (every earlier change is in)."""
        self._asked += 1
        self._waiting[self._asked] = action
        self.send({"settle": self._asked})

    def settled(self, question: object) -> None:
        """The browser's answer to ``question``: run its action (once; others ignored)."""
        action = self._waiting.pop(question, None) if isinstance(question, int) else None
        if action is not None:
            action()


class Planner:
    """The planner's widgets and what each one does.

    Parameters
    ----------
    plan : Plan, optional
        What to show first (default: an empty Key Stage 3 plan).
    store : Store or False, optional
        Where plans are saved; default ``Store()`` (``KS3_STORE``), opened when
        the visitor arrives. ``False``: nothing is saved.
    survey : callable, optional
        Returns a loaded survey for the evidence panel (default
        :func:`dashboards.data.survey`).
    visitor : identity.Visitor, optional
        Who is looking, if already known; otherwise nothing is read or saved
        until :meth:`arrive` is called (by :func:`build`, through
        :func:`dashboards.identity.on_arrival`).

    Attributes
    ----------
    plan : Plan
        The plan on screen.
    selected : str or None
        Id of the selected event (outlined, in the form).
    version : int or None
        The saved version the plan on screen descends from (``None``: not
        saved yet); the next save expects it to be the latest.
    figure : plotly.graph_objects.FigureWidget
        The clock-face; clicking an event selects it.
    widget : ipywidgets.VBox
    """

    def __init__(
        self,
        plan: Plan | None = None,
        store: Store | None | bool = None,
        survey=None,
        visitor: identity.Visitor | None = None,
    ):
        self.plan = plan if plan is not None else Plan()
        self.selected: str | None = None
        self._store_choice = store
        self.store: Store | None = None
        self.visitor: identity.Visitor | None = None
        self.version: int | None = None
        self.conflict: Conflict | None = None
        self._save_failing = False
        self._survey = survey
        self.survey_tables: list | None = None
        ks = self.plan.key_stage
        wide = {"description_width": "initial"}
        # Text goes to the kernel when its field is left (Tab, Enter or a click elsewhere),
        # in one message: typed fast, keystroke by keystroke, ipywidgets holds a field's
        # later updates back until the kernel answers the first, and the press of the
        # button that follows overtook them (a save took the title half typed).
        typed = {"continuous_update": False}
        # buttons that read the form act once its last changes are in (Settled)
        self.settle = Settled()

        # -- settings
        self.school = widgets.Text(
            value=self.plan.school, description="School:", style=wide, **typed
        )
        self.plan_title = widgets.Text(
            value=self.plan.title, description="Plan title:", style=wide, **typed
        )
        self.key_stage = widgets.Dropdown(
            options=self._key_stage_options(ks.year_groups),
            value=ks.year_groups,
            description="Key stage:",
            style=wide,
        )
        self.school_year = widgets.Text(
            value=ks.school_year,
            description="School year:",
            placeholder="e.g. 2010/11",
            style=wide,
            **typed,
            layout=widgets.Layout(width="220px"),
        )
        self.apply_settings_button = widgets.Button(description="Apply settings", icon="check")
        self.apply_settings_button.on_click(lambda _: self.settle.then(self.apply_settings))
        self.settings_message = widgets.HTML()

        # -- the form
        self.title = widgets.Text(
            description="Title:",
            placeholder="e.g. Perfume Project",
            style=wide,
            **typed,
            layout=widgets.Layout(width="98%"),
        )
        self.subjects = widgets.SelectMultiple(
            options=[(label, key) for key, label in subjects().items()],
            description="Subjects:",
            rows=len(subjects()),
            style=wide,
        )
        self.year_groups = widgets.SelectMultiple(
            options=self._year_options(), description="Year groups:", rows=3, style=wide
        )
        self.term = widgets.Dropdown(
            options=[(label, key) for key, label in terms().items()],
            description="Term:",
            style=wide,
        )
        self.half_term = widgets.ToggleButtons(
            options=[("1st half", 1), ("2nd half", 2)], description="Half-term:", style=wide
        )
        self.stage = widgets.Dropdown(
            options=[(label, key) for key, label in stages().items()],
            value="middle",
            description="Stage:",
            style=wide,
        )
        self.kind = widgets.Dropdown(
            options=[(label, key) for key, label in kinds().items()],
            description="Kind:",
            style=wide,
        )
        self.kind.observe(
            lambda change: setattr(self.year_groups, "disabled", change["new"] in teacher_kinds()),
            names="value",
        )
        self.careers_linked = widgets.Checkbox(description="Linked to careers", indent=False)
        self.lead = widgets.Text(
            description="Lead:", placeholder="who leads it", style=wide, **typed
        )
        self.partner = widgets.Text(
            description="Partner:", placeholder="employer, university…", style=wide, **typed
        )
        self.notes = widgets.Textarea(
            description="Notes:",
            style=wide,
            **typed,
            layout=widgets.Layout(width="98%", height="60px"),
        )
        self.add_button = widgets.Button(
            description="Add event", button_style="primary", icon="plus"
        )
        self.save_button = widgets.Button(description="Save changes", icon="save", disabled=True)
        self.clear_button = widgets.Button(description="Clear form", icon="eraser")
        self.add_button.on_click(lambda _: self.settle.then(self.add_event))
        self.save_button.on_click(lambda _: self.settle.then(self.save_event))
        self.clear_button.on_click(lambda _: self.clear_form())
        self.form_message = widgets.HTML()

        # -- the list of events
        self.events = page.named(
            widgets.Select(options=[], rows=14, layout=widgets.Layout(width="98%")),
            "All events",
            shown=False,
        )
        self._listing = False  # True while the list's options are being replaced
        self.events.observe(
            lambda change: self._listing or self.select(change["new"]), names="value"
        )
        self.delete_button = widgets.Button(
            description="Delete", icon="trash", button_style="danger", disabled=True
        )
        self.delete_button.on_click(lambda _: self.delete_selected())
        self.duplicate_years = page.named(
            widgets.SelectMultiple(
                options=self._year_options(), rows=3, layout=widgets.Layout(width="110px")
            ),
            "Year groups to copy the event to",
            shown=False,
        )
        self.duplicate_button = widgets.Button(
            description="Duplicate to years", icon="copy", disabled=True
        )
        self.duplicate_button.on_click(lambda _: self.settle.then(self.duplicate_selected))

        # -- picture, balance, files, evidence
        self.picture = widgets.VBox([])
        self.figure = self._figure_widget()
        self.balance = widgets.HTML()
        self.example = page.named(
            widgets.Dropdown(
                options=[("Choose an example plan…", "")]
                + [(name, str(path)) for name, path in examples().items()],
                layout=widgets.Layout(width="auto"),
            ),
            "Example plan:",
        )
        self.example.observe(
            lambda change: change["new"] and self.load_example(change["new"]), names="value"
        )
        self.upload = widgets.FileUpload(
            accept=".json,.csv", multiple=False, description="Open a plan file"
        )
        self.upload.add_class("ks3-planner-upload")
        self.upload.observe(lambda change: self.open_upload(), names="value")
        self.links = widgets.HTML()
        # the clock-face picture as a PNG: the SVG download's picture, drawn by the browser
        self.picture_png = PngLink(
            filename=f"{FILENAME}_clock_face.png", text="Clock-face picture (PNG)"
        )
        self.file_message = widgets.HTML()
        self.autosave_message = widgets.HTML()
        self.restore_bar = widgets.VBox([])  # the offer to open the saved plan
        self.ask_bar = widgets.VBox([])  # a question before the plan on screen is replaced
        self.conflict_bar = widgets.VBox([])  # someone else saved since this copy was opened
        self.versions = widgets.Dropdown(
            options=[],
            description="Saved versions:",
            style=wide,
            layout=widgets.Layout(width="420px"),
        )
        self.restore_version_button = widgets.Button(
            description="Open this version", icon="history", disabled=True
        )
        self.restore_version_button.on_click(
            lambda _: self.settle.then(lambda: self.open_version(self.versions.value))
        )
        self.survey_button = widgets.Button(
            description="Compare with the survey",
            icon="search",
            layout=widgets.Layout(width="auto"),
        )
        self.survey_button.on_click(lambda _: self.compare_with_survey())
        self.evidence = widgets.HTML(
            _note_html(
                "Press the button to read the survey results next to this plan: gender gaps and "
                "falls in pupils' attitudes, for the plan's years and subjects."
            )
        )
        self.survey_note = widgets.VBox([self._survey_source_note()])
        # the school whose own figures the panel reads (My school's, disclosure-controlled)
        self.survey_school = widgets.Dropdown(
            options=[(EVERY_SCHOOL, "")],
            value="",
            disabled=True,
            description="Your school in the survey:",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto"),
        )
        self.survey_school.observe(lambda _: self._show_evidence(), names="value")
        self._survey_data = None
        self._school_view = None
        self._school_findings: dict[str, object] = {}

        self.widget = self._layout()
        self.refresh(autosave=False)
        if visitor is not None:
            self.arrive(visitor)

    # ------------------------------------------------------------- layout

    def _layout(self) -> widgets.VBox:
        settings = widgets.VBox(
            [
                widgets.HBox([self.school, self.plan_title]),
                widgets.HBox([self.key_stage, self.school_year, self.apply_settings_button]),
                self.settings_message,
            ]
        )
        form = widgets.VBox(
            [
                page.html_widget("<h2>Event</h2>"),
                self.title,
                widgets.HBox([self.subjects, self.year_groups]),
                widgets.HBox([self.term, self.stage]),
                self.half_term,
                widgets.HBox([self.kind, self.careers_linked]),
                widgets.HBox([self.lead, self.partner]),
                self.notes,
                widgets.HBox([self.add_button, self.save_button, self.clear_button]),
                self.form_message,
                self.settle,
            ],
            layout=widgets.Layout(width="55%"),
        )
        table = widgets.VBox(
            [
                page.html_widget(
                    "<h2>All events</h2><p class='ks3-note'>Pick one (or click it on "
                    "the clock-face) to edit, delete or copy it.</p>"
                ),
                self.events,
                widgets.HBox([self.delete_button, self.duplicate_button, self.duplicate_years]),
            ],
            layout=widgets.Layout(width="45%"),
        )
        picture = widgets.VBox([self.picture], layout=widgets.Layout(width="62%"))
        report = widgets.VBox(
            [page.html_widget("<h2>Balance</h2>"), self.balance], layout=widgets.Layout(width="38%")
        )
        file_row = widgets.VBox(
            [
                widgets.HBox([self.example, self.upload]),
                self.links,
                self.picture_png,
                self.file_message,
                self.autosave_message,
                widgets.HBox([self.versions, self.restore_version_button]),
            ]
        )
        return widgets.VBox(
            [
                self.restore_bar,
                self.conflict_bar,
                self.ask_bar,
                settings,
                widgets.HBox([picture, report]),
                widgets.HBox([form, table]),
                page.html_widget("<h2>Files</h2>"),
                file_row,
                page.html_widget("<h2>The survey meets the plan</h2>"),
                widgets.VBox(
                    [self.survey_button, self.survey_school, self.survey_note, self.evidence]
                ),
            ]
        )

    # ------------------------------------------------------------- helpers

    @staticmethod
    def _key_stage_options(years: tuple[int, ...]) -> list:
        options = [(label, value) for label, value in KEY_STAGES.items()]
        if years not in KEY_STAGES.values():
            options.append((f"Years {', '.join(map(str, years))}", years))
        return options

    def _year_options(self) -> list:
        return [(f"Year {y}", y) for y in self.plan.key_stage.year_groups]

    def _figure_widget(self) -> go.FigureWidget:
        """The clock-face widget (made once, then updated in place), clicks wired."""
        shown = go.FigureWidget(figure.clock_face(self.plan, selected=self.selected))
        # no camera button: its PNG would be the page's figure (no names, the selection
        # outlined); the picture is saved from the links below it (picture_svg)
        config = downloads.image_config(FILENAME)
        config.pop("toImageButtonOptions")
        shown._config = {**config, "modeBarButtonsToRemove": ["toImage"]}
        for trace in shown.data:
            if trace.type == "barpolar":
                trace.on_click(self._clicked)
        self.picture.children = [shown]
        return shown

    def form_values(self) -> dict:
        """The form's values as :class:`Event` fields (no id)."""
        return {
            "title": self.title.value,
            "subjects": tuple(self.subjects.value),
            "year_groups": tuple(self.year_groups.value),
            "term": self.term.value,
            "half_term": self.half_term.value,
            "stage": self.stage.value,
            "kind": self.kind.value,
            "careers_linked": bool(self.careers_linked.value),
            "lead": self.lead.value,
            "partner": self.partner.value,
            "notes": self.notes.value,
        }

    def fill_form(self, event: Event) -> None:
        self.title.value = event.title
        self.subjects.value = tuple(event.subjects)
        self.year_groups.value = tuple(
            y for y in event.year_groups if y in self.plan.key_stage.year_groups
        )
        self.term.value, self.half_term.value = event.term, event.half_term
        self.stage.value, self.kind.value = event.stage, event.kind
        self.careers_linked.value = event.careers_linked
        self.lead.value, self.partner.value, self.notes.value = (
            event.lead,
            event.partner,
            event.notes,
        )

    def clear_form(self) -> None:
        """Empty the form and forget the selection."""
        self.title.value = ""
        self.subjects.value = ()
        self.year_groups.value = ()
        self.stage.value = "middle"
        self.careers_linked.value = False
        self.lead.value = self.partner.value = self.notes.value = ""
        self.form_message.value = ""
        self.select(None)

    def _form_event(self, event_id: str | None = None) -> Event | None:
        """An event from the form, or ``None`` with the problems shown under it."""
        values = self.form_values()
        if values["kind"] in teacher_kinds():
            values["year_groups"] = ()  # teacher events have no year group, whatever is ticked
        if event_id:
            values["id"] = event_id
        try:
            return Event(**values)
        except PlanValueError as error:
            self.form_message.value = _problem_html(
                "The event was not saved",
                [f"{FIELD_NAMES.get(p.field, p.field)}: {p.what} {p.todo}" for p in error.problems],
                "Correct the form and press the button again; the plan is as it was.",
            )
            return None

    # ------------------------------------------------------------- changes

    def set_plan(self, plan: Plan, autosave: bool = True) -> None:
        """Show ``plan``: redraw everything, then autosave it."""
        self.plan = plan
        if self.selected is not None and self.selected not in {e.id for e in plan.events}:
            self.selected = None
        self.refresh(autosave=autosave)

    def add_event(self) -> bool:
        """Add the form's event to the plan. Returns whether it was added."""
        event = self._form_event()
        if event is None:
            return False
        try:
            plan = self.plan.add(event)
        except PlanValueError as error:
            self.form_message.value = _problem_html(
                "The event was not added", [p.what for p in error.problems]
            )
            return False
        self.selected = event.id  # drawn selected in the one redraw below
        self.set_plan(plan)
        self.select(event.id)  # the list, form and buttons follow (no second redraw)
        self.form_message.value = _note_html(f"Added “{event.title}” ({event.when}).")
        return True

    def save_event(self) -> bool:
        """Save the form over the selected event."""
        if self.selected is None:
            self.form_message.value = _note_html("Pick an event first.")
            return False
        event = self._form_event(self.selected)
        if event is None:
            return False
        self.set_plan(self.plan.replace_event(event))
        self.form_message.value = _note_html(f"Saved “{event.title}”.")
        return True

    def delete_selected(self) -> bool:
        if self.selected is None:
            return False
        title = self.plan.event(self.selected).title
        plan = self.plan.remove(self.selected)
        self.selected = None
        self.set_plan(plan)
        self.form_message.value = _note_html(
            f"Deleted “{title}”. The form still holds it: press Add event to put it back."
        )
        return True

    def duplicate_selected(self) -> bool:
        """Copy the selected event to each year in ``duplicate_years``."""
        if self.selected is None or not self.duplicate_years.value:
            self.form_message.value = _note_html("Pick an event and the years to copy it to.")
            return False
        original = self.plan.event(self.selected)
        if original.for_teachers:
            self.form_message.value = _note_html(
                "Teacher planning and CPD events have no year group to copy to."
            )
            return False
        years = tuple(self.duplicate_years.value)
        self.set_plan(self.plan.duplicate(self.selected, years))
        self.form_message.value = _note_html(
            f"Copied “{original.title}” to year {', '.join(map(str, years))}."
        )
        self.duplicate_years.value = ()
        return True

    def select(self, event_id: str | None) -> None:
        """Select an event (or none): the list, the form and the outline follow."""
        if event_id is not None and event_id not in {e.id for e in self.plan.events}:
            event_id = None
        changed = event_id != self.selected
        self.selected = event_id
        if self.events.value != event_id:
            self.events.value = event_id
        self._sync_buttons()
        if event_id is not None:
            self.fill_form(self.plan.event(event_id))
        if changed:
            self._redraw()

    def _sync_buttons(self) -> None:
        for button in (self.save_button, self.delete_button, self.duplicate_button):
            button.disabled = self.selected is None

    def _clicked(self, trace, points, _state) -> None:
        """A click on the clock-face: select the event, or start one in an empty stage."""
        if not points.point_inds:
            return
        row = trace.customdata[points.point_inds[0]]
        if row[0]:
            self.select(row[0])
        else:
            self.start_event_at(row[1], int(row[2]))

    def start_event_at(self, ring, slot: int) -> None:
        """Put a clicked empty stage's year, term, half-term and stage into the form."""
        self.select(None)
        per_term = len(HALF_TERMS) * STAGES_IN_HALF_TERM
        self.term.value = list(terms())[slot // per_term]
        self.half_term.value = HALF_TERMS[(slot % per_term) // STAGES_IN_HALF_TERM]
        self.stage.value = list(stages())[slot % STAGES_IN_HALF_TERM]
        if ring == figure.TEACHERS.lower():
            if self.kind.value not in teacher_kinds():
                self.kind.value = teacher_kinds()[0]
            self.year_groups.value = ()
        else:
            if self.kind.value in teacher_kinds():
                self.kind.value = "lesson"
            self.year_groups.value = (int(ring),)
        self.form_message.value = _note_html(
            f"New event at {slot_name(slot)}: fill in the title and subjects, then Add event."
        )

    def apply_settings(self) -> bool:
        """Use the settings' values; refused (and said why) if an event would not fit."""
        try:
            ks = KeyStage(
                tuple(self.key_stage.value),
                name="Key Stage 3" if max(self.key_stage.value) <= 9 else "Key Stage 4",
                school_year=self.school_year.value,
            )
            plan = Plan(
                key_stage=ks,
                events=self.plan.events,
                school=self.school.value,
                title=self.plan_title.value,
                notes=self.plan.notes,
            )
        except PlanValueError as error:
            self.settings_message.value = _problem_html(
                "The settings were not changed",
                [f"{p.field}: {p.what} {p.todo}" for p in error.problems],
                "The plan is as it was.",
            )
            self._show_settings()
            return False
        self.settings_message.value = ""
        self.set_plan(plan)
        return True

    def _show_settings(self) -> None:
        ks = self.plan.key_stage
        self.school.value, self.plan_title.value = self.plan.school, self.plan.title
        self.key_stage.options = self._key_stage_options(ks.year_groups)
        self.key_stage.value = ks.year_groups
        self.school_year.value = ks.school_year

    # ------------------------------------------------------------- files

    def use_file_plan(self, plan: Plan, what: str, autosave: bool = True) -> None:
        """Show ``plan`` in place of the plan on screen (and save it, unless told not to)."""
        self.ask_bar.children = ()
        self.selected = None
        self.set_plan(plan, autosave=autosave)
        self._show_settings()
        self.clear_form()
        n = len(plan.events)
        self.file_message.value = _note_html(f"Opened {what}: {n} event{'' if n == 1 else 's'}.")

    def open_asking(self, plan: Plan, what: str, then=None, autosave: bool = True) -> bool:
        """Open ``plan`` in place of the plan on screen, asking first if that has events.

        Returns whether it was opened now (``False``: the person is asked, and
        :attr:`ask_bar` holds the question and its two buttons). ``then`` is
        called after opening (e.g. to say which version it was).
        """

        def go():
            self.use_file_plan(plan, what, autosave=autosave)
            if then is not None:
                then()

        if not self.plan.events or self.plan == plan:
            go()
            return True
        n = len(self.plan.events)
        if self.version is not None and self.conflict is None:
            kept = f"It is saved (version {self.version}) and stays in the list of saved versions."
        else:
            kept = "It is <b>not saved</b>: save it with the JSON link below first to keep it."
        self.ask_bar.children = _question(
            f'<div class="ks3-source" role="alert">Open {html.escape(what)} in place of the '
            f"plan on screen (“{html.escape(self.plan.title)}”, {n} event"
            f"{'' if n == 1 else 's'})? {kept}</div>",
            (f"Open {_short(what)}", "warning", go),
            ("Keep the plan on screen", "primary", lambda: setattr(self.ask_bar, "children", ())),
        )
        return False

    def load_example(self, path: str) -> bool:
        try:
            plan = files.load_plan(path)
        except files.PlanFileError as error:
            self.file_message.value = _problem_html(
                "The example could not be opened", [str(p) for p in error.problems]
            )
            return False
        self.example.value = ""  # so the same example can be opened again
        return self.open_asking(plan, f"the example plan for {plan.school}")

    def open_upload(self) -> bool:
        """Read the uploaded plan file; on a problem, say so and keep the plan shown."""
        try:
            read = read_uploaded(self.upload, files.read_plan)
        except FileProblem as problem:
            self.file_message.value = _problem_html(
                f"{problem.name} could not be opened",
                problem.problems,
                "Correct the file and open it again; the plan on screen is as it was.",
            )
            return False
        if read is None:
            return False
        name, plan = read
        return self.open_asking(plan, name)

    def links_html(self) -> str:
        """Download links: the plan as JSON and CSV, and the printable page."""
        json_uri = downloads.data_uri(
            files.plan_to_json(self.plan).encode("utf-8"), "application/json"
        )
        csv_uri = downloads.data_uri(
            files.plan_to_csv(self.plan).encode("utf-8-sig"), downloads.CSV_TYPE
        )
        page_uri = downloads.data_uri(
            figure.plan_page_html(self.plan, self.report).encode("utf-8"), "text/html"
        )
        svg_uri = downloads.data_uri(self.picture_svg().encode("utf-8"), "image/svg+xml")
        return page.html_widget(
            f'<p class="ks3-note"><a href="{json_uri}" download="{FILENAME}.json">Save plan '
            f'(JSON)</a> · <a href="{csv_uri}" download="{FILENAME}.csv">Save plan (CSV, one '
            f'row per event)</a> · <a href="{page_uri}" download="{FILENAME}.html" '
            f'target="_blank">Printable page (HTML)</a> · <a href="{svg_uri}" '
            f'download="{FILENAME}_clock_face.svg">Clock-face picture (SVG)</a> (below: the '
            "same picture as a PNG).</p>"
        ).value

    def picture_svg(self) -> str:
        """The clock-face to download, as SVG and as PNG (:attr:`picture_png`): one picture,
        :func:`analysis.planner.figure.clock_face_svg`, with its title and numbered key of
        event names and no event selected (the page's outline is for the page only)."""
        return figure.clock_face_svg(self.plan)

    # ------------------------------------------------------------- the store

    def arrive(self, visitor: identity.Visitor) -> None:
        """The person is here: open the store and offer their latest saved plan."""
        self.visitor = visitor
        if self._store_choice is False:
            return
        try:
            self.store = self._store_choice if isinstance(self._store_choice, Store) else Store()
            latest = self.store.latest("plan", visitor.owner, PLAN_NAME)
        except (StoreError, sqlite3.Error, OSError) as error:
            self.store = None
            self._save_failed(error)
            return
        self._list_versions()
        if latest is None:
            if self.plan.events:
                self.autosave()
            return
        self.restore_bar.children = _question(
            f'<div class="ks3-source">{self._whose()} saved plan is here: '
            f"{_describe(latest)}. Open it, or start afresh (it stays in the list of saved "
            "versions).</div>",
            ("Open it", "primary", self.open_latest),
            ("Start afresh", "", self.start_afresh),
        )

    @property
    def unsaved(self) -> bool:
        """Whether the plan on screen holds work not saved (a conflict not settled, or a
        save that failed)."""
        return self.conflict is not None or self._save_failing

    def _whose(self) -> str:
        if self.visitor is not None and self.visitor.owner.startswith("school:"):
            return "Your school's"
        return "Your"

    def _key(self) -> tuple[str, str, str] | None:
        if self.store is None or self.visitor is None:
            return None
        return ("plan", self.visitor.owner, PLAN_NAME)

    def open_latest(self) -> bool:
        """Open the latest saved version (read now: always the latest saved state)."""
        key = self._key()
        latest = None if key is None else self.store.latest(*key)
        self.restore_bar.children = ()
        if latest is None:
            return False
        return self._open_saved(latest, f"the saved plan (version {latest.version})")

    def start_afresh(self) -> None:
        """Keep the plan on screen; the saved one stays among the saved versions."""
        self.restore_bar.children = ()
        key = self._key()
        latest = None if key is None else self.store.latest(*key)
        self.version = None if latest is None else latest.version
        if self.plan.events:
            self.autosave()

    def open_version(self, version: int | None) -> bool:
        """Open an earlier saved version (asking first if the plan on screen has events);
        the next change saves it as the newest version."""
        key = self._key()
        if key is None or version is None:
            return False
        try:
            saved = self.store.get(*key, int(version))
        except (KeyError, ValueError, TypeError):
            return False
        return self._open_saved(saved, f"saved version {saved.version}")

    def _open_saved(self, saved: Saved, what: str) -> bool:
        try:
            plan = files.plan_from_json(json.dumps(saved.document))
        except files.PlanFileError as error:
            self.file_message.value = _problem_html(
                f"{what.capitalize()} could not be opened", [str(p) for p in error.problems]
            )
            return False
        key = self._key()

        def opened():
            self.conflict = None
            self.conflict_bar.children = ()
            latest = self.store.latest(*key)
            self.version = latest.version if latest is not None else None
            if saved.version != self.version:  # an earlier version becomes the newest
                self.autosave()
            self._list_versions()

        return self.open_asking(plan, what, then=opened, autosave=False)

    def autosave(self) -> bool:
        """Save the plan as the next version; on a conflict or a failure say so (nothing lost)."""
        key = self._key()
        if key is None:
            return False
        if self.conflict is not None:
            self.autosave_message.value = _note_html(
                "Not saved: someone else saved this plan since you opened it. Choose above "
                "which to keep."
            )
            return False
        document = json.loads(files.plan_to_json(self.plan))
        try:
            saved = self.store.save(
                *key, document, expected=self.version, saved_by=self.visitor.user
            )
        except Conflict as conflict:
            self._conflicted(conflict)
            return False
        except (StoreError, sqlite3.Error, OSError) as error:
            self._save_failed(error)
            return False
        self.version = saved.version
        self._save_failing = False
        self.restore_bar.children = ()
        self.autosave_message.value = _note_html(
            f"Saved at {datetime.now():%H:%M:%S} (version {saved.version})."
        )
        self._list_versions()
        return True

    def _save_failed(self, error: BaseException) -> None:
        traceback.print_exception(error, file=sys.__stderr__)  # the details: the server's log
        self._save_failing = bool(self.plan.events)
        self.autosave_message.value = page.html_widget(
            '<div class="ks3-problem"><h2>Autosave failed</h2><p>The plan could not be saved '
            "on the server. Your plan is still on this page: save it with the JSON link above, "
            "and tell whoever runs the dashboards (the details are in the server's log).</p>"
            "</div>"
        ).value

    def _conflicted(self, conflict: Conflict) -> None:
        """Someone saved a newer version: show who and when, and let the person choose."""
        self.conflict = conflict
        latest = conflict.latest
        mine = downloads.data_uri(files.plan_to_json(self.plan).encode("utf-8"), "application/json")
        self.conflict_bar.children = _question(
            f'<div class="ks3-problem" role="alert"><h2>Someone else saved this plan</h2><p>'
            f"{_describe(latest)}, after you opened it. Your changes are on this page and are "
            "<b>not saved</b>. Keep yours as the newest version (theirs stays in the list of "
            "saved versions), or open theirs (keep yours first with this link: "
            f'<a href="{mine}" download="{FILENAME}_mine.json">your plan as JSON</a>).</p>'
            "</div>",
            ("Keep mine as the newest", "primary", self.keep_mine),
            ("Open theirs", "", self.open_theirs),
        )
        self.autosave_message.value = _note_html("Not saved: choose above which to keep.")

    def keep_mine(self) -> bool:
        """Save the plan on screen as the newest version, after the one that conflicted."""
        if self.conflict is None:
            return False
        self.version = self.conflict.latest.version
        self.conflict = None
        self.conflict_bar.children = ()
        return self.autosave()

    def open_theirs(self) -> bool:
        """Open the latest saved version in place of the plan on screen (the person chose)."""
        key = self._key()
        latest = None if key is None else self.store.latest(*key)
        self.conflict = None
        self.conflict_bar.children = ()
        if latest is None:
            return False
        plan = files.plan_from_json(json.dumps(latest.document))
        self.use_file_plan(
            plan, f"the newest saved plan (version {latest.version})", autosave=False
        )
        self.version = latest.version
        self._list_versions()
        return True

    def _list_versions(self) -> None:
        key = self._key()
        if key is None:
            return
        try:
            versions = self.store.versions(*key)
        except (StoreError, sqlite3.Error):
            return
        self.versions.options = [
            (
                f"version {v.version}, {_when(v.saved_at)}{' by ' + v.saved_by if v.saved_by else ''}",
                v.version,
            )
            for v in versions
        ]
        self.versions.value = versions[0].version if versions else None
        self.restore_version_button.disabled = not versions

    # ------------------------------------------------------------- evidence

    def compare_with_survey(self) -> bool:
        """Read the survey's results (once) and show them next to the plan."""
        if self.survey_tables is None:
            from analysis.measures import SurveyAggregates

            try:
                survey = (self._survey or data.survey)()
                self.survey_tables = evidence.survey_tables(SurveyAggregates(survey.table))
                self._survey_data = survey
                self._offer_schools(survey)
            except (SurveyDataError, OSError) as error:
                self.evidence.value = page.problem_message(error).value
                return False
            except Exception:  # noqa: BLE001 - the page must never show a traceback
                traceback.print_exc(file=sys.__stderr__)
                self.evidence.value = page.unexpected_message().value
                return False
        self._show_evidence()
        return True

    @staticmethod
    def _survey_source_note() -> widgets.HTML:
        """Which survey the comparison will read, said before it is read (nothing loads)."""
        source = data.data_source()
        if source.is_sample:
            text = (
                "<b>Showing the synthetic sample</b> in this comparison: made up to "
                "reproduce the published figures, it describes no real pupil. To compare "
                f"with your own survey files, set <code>{data.FILES_VARIABLE}</code> and "
                "restart the dashboards."
            )
            css = "ks3-source sample"
        else:
            # file names only: a page never shows where the server keeps them
            names = ", ".join(html.escape(Path(f).name) for f in source.files)
            text = f"<b>Comparing with your data</b>: {names}."
            css = "ks3-source"
        return page.html_widget(f'<div class="{css}">{text}</div>')

    def _offer_schools(self, survey) -> None:
        """The survey's schools to choose from: on a network's hub only the visitor's own
        school (one school's figures are never shown to another), chosen at once."""
        schools = sorted(survey.table["school_id"].dropna().astype(str).unique())
        own = None
        if self.visitor is not None and self.visitor.owner.startswith("school:"):
            own = self.visitor.owner.split(":", 1)[1]
            schools = [s for s in schools if s == own]
        self.survey_school.options = [(EVERY_SCHOOL, ""), *((f"School {s}", s) for s in schools)]
        self.survey_school.value = own if own in schools else ""
        self.survey_school.disabled = not schools

    def _findings_of(self, school: str):
        """:func:`analysis.pack.findings.school_findings` of one school, from the My school
        page's own disclosure-controlled tables, computed once."""
        if school not in self._school_findings:
            from analysis.pack.findings import school_findings

            from . import my_school, pack_panel, results

            if self._school_view is None:
                self._school_view = my_school.MySchool(results.LiveResults(self._survey_data))
            tables = pack_panel.school_data(self._school_view, school)
            self._school_findings[school] = school_findings(tables.tables, tables.name)
        return self._school_findings[school]

    def _show_evidence(self) -> None:
        if self.survey_tables is None:
            return
        result = evidence.findings(self.survey_tables, self.plan)
        school = self.survey_school.value
        if school not in {v for _, v in self.survey_school.options}:
            school = ""  # a value no option offers is never used
        if school:
            from .my_school import school_name

            text = (
                evidence.school_findings_html(
                    self._findings_of(school), self.plan, school_name(school)
                )
                + "<p><b>Every school together</b>:</p>"
                + evidence.findings_html(result)
            )
        else:
            text = evidence.findings_html(result)
        self.evidence.value = page.html_widget(text).value

    # ------------------------------------------------------------- redraw

    def _redraw(self) -> None:
        """Redraw the clock-face in place: same traces, new values, one update message.

        (A new FigureWidget per change would resend plotly's 5 MB widget code
        each time, and its first view can draw before its data arrive.)
        """
        new = figure.clock_face(self.plan, selected=self.selected)
        with self.figure.batch_update():
            for trace, fresh in zip(self.figure.data, new.data):
                trace.update(fresh.to_plotly_json(), overwrite=True)
            self.figure.update_layout(new.layout.to_plotly_json(), overwrite=True)

    def refresh(self, autosave: bool = True) -> None:
        """Redraw the picture, balance, list and links from ``self.plan``."""
        self.report = balance_module.balance(self.plan)
        self._redraw()
        self.balance.value = (
            NOTE_CSS + page.html_widget(balance_module.balance_html(self.report, self.plan)).value
        )
        options = [
            (self._event_label(e), e.id)
            for e in sorted(
                self.plan.events, key=lambda e: (e.slots[0], e.year_groups or (99,), e.title)
            )
        ]
        self._listing = True
        try:
            self.events.options = options
            self.events.value = self.selected
        finally:
            self._listing = False
        self._sync_buttons()
        years = self._year_options()
        if list(self.year_groups.options) != years:
            self.year_groups.options = years
            self.duplicate_years.options = years
        self.links.value = self.links_html()
        self.picture_png.svg = self.picture_svg()
        self._show_evidence()
        if autosave:
            self.autosave()

    @staticmethod
    def _event_label(e: Event) -> str:
        who = "Teachers" if e.for_teachers else "Y" + ",".join(map(str, e.year_groups))
        labels = subjects()
        return f"{e.when} · {who} · {e.title} ({', '.join(labels[s] for s in e.subjects)})"


def _question(text: str, *choices) -> list[widgets.Widget]:
    """A question (HTML written by this module) and one button per ``(label, style, action)``."""
    buttons = []
    for label, style, action in choices:
        button = widgets.Button(description=label, button_style=style)
        button.on_click(lambda _, act=action: act())
        buttons.append(button)
    return [page.html_widget(text), widgets.HBox(buttons)]


def _short(what: str) -> str:
    """A button's words for ``what`` (``"the example plan for X"`` -> ``"the example"``)."""
    return what if len(what) <= 28 else what.split(" for ")[0][:28]


def _when(saved_at: str) -> str:
    """A store's ISO time in the server's local time, as a person reads it."""
    try:
        return datetime.fromisoformat(saved_at).astimezone().strftime("%d %B %Y at %H:%M")
    except ValueError:
        return saved_at


def _describe(saved: Saved) -> str:
    """Version, title, events, when and by whom, as HTML (no server path)."""
    document = saved.document
    events = document.get("events") or []
    title = html.escape(str(document.get("title") or "untitled plan"))
    school = html.escape(str(document.get("school") or ""))
    who = f" by {html.escape(saved.saved_by)}" if saved.saved_by else ""
    return (
        f"“{title}”{', ' + school if school else ''}, {len(events)} event"
        f"{'' if len(events) == 1 else 's'}, saved {_when(saved.saved_at)}{who} "
        f"(version {saved.version})"
    )


def build() -> widgets.Widget:
    """The whole page: heading, the planner, and how to use it.

    The plan shown is the visitor's (their school's on a hub, their browser's on a
    personal server), decided when they arrive (:func:`dashboards.identity.on_arrival`).
    """
    planner = Planner()
    # a member of several schools chooses which school's plans the page shows
    per_school = schools.PerSchool(
        lambda visitor: Planner(visitor=visitor), part=planner, unsaved=lambda p: p.unsaved
    )

    def arrived(visitor: identity.Visitor) -> None:
        planner.arrive(visitor)
        per_school.arrive(visitor)

    arrival = identity.on_arrival(arrived)
    heading = page.html_widget(
        '<p class="ks3-note"><a href="index.ipynb">← All dashboards</a></p>'
        "<h1>STEM Planner</h1>"
        "<p>Plan a key stage's STEM events over the school year and see them on the report's "
        "clock-face: one ring per year group (the youngest inside), teachers' planning and "
        "CPD on the outer ring, September at 12 o'clock and the year running clockwise. "
        "The balance report beside it shows empty subjects, long gaps and careers links. "
        "Start from an example plan (built from the report's case studies) or an empty "
        "one.</p>"
    )
    footnote = page.html_widget(
        '<p class="ks3-note">Stages: each half-term is cut into early, middle and late thirds; '
        "an event “throughout the half-term” fills all three. Terms are drawn as equal "
        "thirds of the year. Every change is saved on the server as a new version, kept for "
        "you only (for your school when you sign in to a network's hub); any saved version "
        "can be opened again. Save the plan as JSON to keep a copy of your own.</p>"
    )
    box = widgets.VBox([heading, arrival, per_school.widget, footnote])
    box.per_school = per_school  # for tests
    return box


def main() -> None:
    """What the notebook runs."""
    page.show(build, "Opening the STEM Planner…")
