"""STEM Manager page: a school's self-review across the framework's themes, its
hexagon, and the action plan that meets the school's STEM plan.

Only wiring lives here; the framework, the review, its scores, files, hexagon and
links to the plan and the survey are :mod:`analysis.manager`.

Who is looking is learnt only through :func:`dashboards.identity.on_arrival`:
the page's per-person part (:class:`Manager`) is built in its callback, never at
import or preheat time. Reviews are kept in :class:`analysis.store.Store` (kind
``"review"``) under the visitor's ``owner``, one document a review date
(``"review 2011-07-15"``), every saved version kept:

- every change is saved at once (autosave), as a new version of the review on
  screen; if someone saved that review elsewhere meanwhile (:class:`Conflict`),
  nothing is written and the page asks which to keep;
- on arrival the page offers the latest saved review; the offer reads the store
  when it is taken, so it always opens the latest saved state;
- opening a file, an example or another saved review never replaces work on
  screen that is not saved without asking, nor a saved review of the same date
  (the page asks, and the older one stays as a version);
- a new review starts as a copy of the one on screen, with a new date;
- no server path is shown, only review names and dates.

The hexagon is a plain plotly figure in an ``Output``, redrawn whole on every
change, and themes open from a row of buttons (reachable from the keyboard)
that the hexagon outlines. A clickable ``FigureWidget`` was tried first: in
Voilà (plotly 7's anywidget FigureWidget) about half of the page loads drew a
view that never took the kernel's updates, so the hexagon showed stale scores
(see the report of issue 14); a picture that is wrong is worse than one that
is not clickable. So a click on the plain figure reaches the kernel through
:class:`HexagonClicks`, an invisible widget whose browser side listens for
plotly's ``plotly_click`` on each hexagon drawn and sends the theme id (the
bars' ``customdata``); the page opens it only if it is a theme of the
framework. The buttons stay: the click is an extra for mouse users.
"""

from __future__ import annotations

import html
import json
import sys
import traceback
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import anywidget
import ipywidgets as widgets
import plotly.graph_objects as go

from analysis import settings
from analysis.errors import SurveyDataError
from analysis.manager import figure, files, links
from analysis.manager.framework import (
    Framework,
    FrameworkError,
    configured_framework,
    default_framework,
)
from analysis.manager.review import (
    SCALE_TEXT,
    STATUS_MEANINGS,
    STATUSES,
    ActionReview,
    Review,
    ReviewValueError,
    progress,
    scores,
    summary,
)
from analysis.planner import files as plan_files
from analysis.planner.model import Plan
from analysis.store import Conflict, Store, StoreError

from . import data, downloads, identity, page, schools
from . import planner as planner_page
from .data import ROOT
from .explorer import put_chart
from .upload import FileProblem, read_uploaded

KIND = "review"
EXAMPLES_DIR = ROOT / "data" / "sample" / "reviews"
FILENAME = "stem_review"
CSS = """<style>
.ks3-manager-table { border-collapse: collapse; margin: 0.3em 0; }
.ks3-manager-table td, .ks3-manager-table th { border: 1px solid #ccd; padding: 0.1em 0.5em;
  font-size: 0.9em; text-align: left; }
.ks3-manager-table caption { text-align: left; font-size: 0.9em; color: #555; }
.ks3-action { border-top: 1px solid #dde; padding: 0.4em 0; }
.ks3-provenance { color: #555; font-size: 0.85em; }
.ks3-none { color: #8a3600; }
</style>"""


#: The browser side of :class:`HexagonClicks`: on every hexagon drawn in the page
#: (``.ks3-hexagon``, found again after each redraw), send the clicked bar's theme id.
HEXAGON_CLICKS_ESM = """
function hook(model) {
  for (const plot of document.querySelectorAll(".ks3-hexagon .js-plotly-plot")) {
    if (plot.__ks3Clicks || typeof plot.on !== "function") continue;
    plot.__ks3Clicks = true;
    plot.on("plotly_click", (event) => {
      const point = event && event.points && event.points[0];
      const theme = point && point.customdata && point.customdata[0];
      if (typeof theme === "string") model.send({ theme: theme });
    });
  }
}
function render({ model, el }) {
  el.setAttribute("aria-hidden", "true");
  hook(model);
  const observer = new MutationObserver(() => hook(model));
  observer.observe(document.body, { subtree: true, childList: true });
  return () => observer.disconnect();
}
export default { render };
"""


class HexagonClicks(anywidget.AnyWidget):
    """An invisible widget: ``callback(theme_id)`` for each click on a hexagon's theme.

    Only ids in ``themes`` are passed on; anything else a browser sends is ignored."""

    _esm = HEXAGON_CLICKS_ESM

    def __init__(self, themes, callback):
        super().__init__(layout=widgets.Layout(width="0", height="0", overflow="hidden"))
        self._themes = frozenset(themes)
        self._callback = callback
        self.on_msg(
            lambda _widget, content, _buffers: self.clicked(
                content.get("theme") if isinstance(content, dict) else None
            )
        )

    def clicked(self, theme: object) -> bool:
        if not isinstance(theme, str) or theme not in self._themes:
            return False
        self._callback(theme)
        return True


def examples() -> dict[str, Path]:
    """``{label: path}`` of the example reviews in ``data/sample/reviews``."""
    out = {}
    for path in sorted(EXAMPLES_DIR.glob("*.json")):
        try:
            review = files.load_review(path, default_framework())
        except files.ReviewFileError:
            continue
        out[f"{review.school or path.stem} ({review.reviewed_on:%B %Y})"] = path
    return out


def _html(body: str) -> str:
    return page.html_widget(CSS + body).value


def _problem(title: str, items: list[str], todo: str = "") -> str:
    lis = "".join(f"<li>{html.escape(i)}</li>" for i in items)
    return _html(
        f'<div class="ks3-problem"><h2>{html.escape(title)}</h2><ul>{lis}</ul>'
        f"{f'<p>{html.escape(todo)}</p>' if todo else ''}</div>"
    )


def _note(text: str) -> str:
    return _html(f'<p class="ks3-note">{html.escape(text)}</p>')


def _when(saved_at: str) -> str:
    """A store time (ISO, UTC) in words."""
    try:
        return f"{datetime.fromisoformat(saved_at):%d %B %Y at %H:%M} UTC"
    except ValueError:
        return saved_at


class Manager:
    """The STEM Manager's widgets and what each one does, for one owner.

    Parameters
    ----------
    owner : str
        The :mod:`analysis.store` owner of the reviews (from
        :func:`dashboards.identity.on_arrival`, never from the browser).
    store : Store, optional
        Default ``Store()`` (``KS3_STORE``).
    framework : Framework, optional
        Default the project's (``analysis/manager/framework.yml``).
    survey : callable, optional
        Returns a loaded survey for the evidence panel (default :func:`dashboards.data.survey`).
    """

    def __init__(
        self,
        owner: str,
        store: Store | None = None,
        framework: Framework | None = None,
        survey=None,
        saved_by: str = "",
    ):
        self.owner = owner
        self.store = store if store is not None else Store()
        self.framework = framework or configured_framework()
        self.saved_by = saved_by
        self._survey = survey
        self.survey_findings = None
        self.review = Review.blank(self.framework)
        self.version: int | None = None  # the stored version the screen's review is based on
        self.dirty = False  # on screen but not saved (a failed or refused save)
        self.theme_id = self.framework.themes[0].id
        self._shown_theme: str | None = None
        self._filling = False
        self.action_widgets: dict[str, dict] = {}
        wide = {"description_width": "initial"}

        self.restore_bar = widgets.VBox([])
        self.ask_bar = widgets.VBox([])
        self.save_message = widgets.HTML()
        self.school = widgets.Text(description="School:", style=wide, continuous_update=False)
        self.reviewer = widgets.Text(
            description="Reviewed by (role):", style=wide, continuous_update=False
        )
        self.school.observe(lambda _: self._settings_changed(), names="value")
        self.reviewer.observe(lambda _: self._settings_changed(), names="value")
        self.heading = widgets.HTML()
        self.new_date = widgets.DatePicker(
            description="New review dated:", style=wide, value=date.today()
        )
        self.new_button = widgets.Button(
            description="Start a new review",
            icon="copy",
            tooltip="A copy of the review on screen, with this date",
        )
        self.new_button.on_click(lambda _: self.start_new_review(self.new_date.value))
        self.saved_reviews = widgets.Dropdown(
            description="Your saved reviews:", style=wide, layout=widgets.Layout(width="420px")
        )
        self.saved_reviews.observe(
            lambda c: (
                c["new"]
                and self.ask_then(f"open your review {c['new']}", lambda: self.open_saved(c["new"]))
            ),
            names="value",
        )

        # the hexagon (a plain figure: see the module notes), its summary and table
        self.picture = widgets.Output()
        self.picture.add_class("ks3-hexagon")
        self.hexagon_clicks = HexagonClicks([t.id for t in self.framework.themes], self.open_theme)
        self.figure: go.Figure | None = None
        self.summary = widgets.HTML()
        self.table = widgets.HTML()

        # the theme
        self.theme = widgets.ToggleButtons(
            options=[(t.title, t.id) for t in self.framework.themes],
            value=self.theme_id,
            description="Open a theme:",
            style={**wide, "button_width": "auto"},
        )
        self.theme.observe(lambda c: self.open_theme(c["new"]), names="value")
        self.theme_panel = widgets.VBox([])

        # the plan, files, evidence, progress
        self.plan_choice = widgets.Dropdown(
            description="Link a STEM plan:", style=wide, layout=widgets.Layout(width="460px")
        )
        self.plan_choice.observe(
            lambda c: c["new"] and self.link_plan_choice(c["new"]), names="value"
        )
        self.plan_upload = widgets.FileUpload(
            accept=".json,.csv", multiple=False, description="Link a plan file"
        )
        self.plan_upload.observe(lambda _: self.link_plan_upload(), names="value")
        self.plan_message = widgets.HTML()
        self.coverage = widgets.HTML()
        self.example = widgets.Dropdown(
            options=[("Choose an example review…", "")]
            + [(label, str(path)) for label, path in examples().items()],
            description="Example review:",
            style=wide,
            layout=widgets.Layout(width="460px"),
        )
        self.example.observe(
            lambda c: (
                c["new"] and self.ask_then("open the example", lambda: self.open_example(c["new"]))
            ),
            names="value",
        )
        self.upload = widgets.FileUpload(
            accept=".json,.csv", multiple=False, description="Open a review file"
        )
        self.upload.add_class("ks3-manager-upload")
        self.upload.observe(lambda _: self.open_upload(), names="value")
        self.links = widgets.HTML()
        self.file_message = widgets.HTML()
        self.survey_button = widgets.Button(
            description="Compare with the survey",
            icon="search",
            layout=widgets.Layout(width="auto"),
        )
        self.survey_button.on_click(lambda _: self.compare_with_survey())
        self.evidence = widgets.HTML()
        self.progress_box = widgets.VBox([])

        self.widget = self._layout()
        self._plan_options()
        self._saved_options()
        self.offer_restore()
        self.show_review()

    # ------------------------------------------------------------- layout

    def _layout(self) -> widgets.VBox:
        picture = widgets.VBox(
            [self.picture, self.hexagon_clicks], layout=widgets.Layout(width="60%")
        )
        beside = widgets.VBox(
            [page.html_widget("<h3>Where the school stands</h3>"), self.summary, self.table],
            layout=widgets.Layout(width="40%"),
        )
        return widgets.VBox(
            [
                self.restore_bar,
                self.ask_bar,
                self.heading,
                widgets.HBox([self.school, self.reviewer]),
                widgets.HBox([self.saved_reviews, self.new_date, self.new_button]),
                self.save_message,
                widgets.HBox([picture, beside]),
                page.html_widget(
                    "<h2>Review a theme</h2><p class='ks3-note'>Open a theme with its "
                    "button (it is outlined on the hexagon). For each action choose the status that "
                    "fits best, who owns it and by when, and tick “In the action "
                    "plan” "
                    "for the actions the school commits to. Every change is saved at "
                    "once.</p>"
                ),
                self.theme,
                self.theme_panel,
                page.html_widget(
                    "<h2>The school's STEM plan</h2><p class='ks3-note'>Link the plan "
                    "made in the STEM Planner: actions then show the events that carry "
                    "them out, and the plan's balance points to the objectives it "
                    "bears on.</p>"
                ),
                widgets.HBox([self.plan_choice, self.plan_upload]),
                self.plan_message,
                self.coverage,
                page.html_widget("<h2>Evidence</h2>"),
                self.evidence,
                planner_page.Planner._survey_source_note(),
                self.survey_button,
                page.html_widget("<h2>Progress between reviews</h2>"),
                self.progress_box,
                page.html_widget("<h2>Action plan and files</h2>"),
                self.links,
                widgets.HBox([self.example, self.upload]),
                self.file_message,
            ]
        )

    # ------------------------------------------------------------- drawing

    def redraw(self) -> None:
        """Scores, hexagon (in place), summary, table, links, coverage, evidence, progress."""
        score = scores(self.review, self.framework)
        self.figure = figure.hexagon(score, self.framework, selected=self.theme_id)
        put_chart(self.picture, self.figure, downloads.image_config("stem_manager_hexagon"))
        self.summary.value = _html(
            f"<p class='ks3-manager-summary {page.SUMMARY_CLASS}'>"  # said when it changes
            f"{html.escape(summary(self.review, self.framework, score))}"
            f"</p><p class='ks3-note'>{html.escape(SCALE_TEXT)}</p>"
        )
        self.table.value = _html(figure.hexagon_table_html(score))
        self.heading.value = _html(
            f"<h2>Review of {self.review.reviewed_on:%d %B %Y}"
            f"{' – ' + html.escape(self.review.school) if self.review.school else ''}</h2>"
        )
        self.links.value = self.links_html(score)
        self.coverage.value = self.coverage_html()
        self.evidence.value = self.evidence_html()
        for action_id, parts in self.action_widgets.items():
            parts["events_note"].value = self._events_note(action_id)

    def show_review(self) -> None:
        """Put the whole review on screen (after opening one)."""
        self._filling = True
        try:
            self.school.value, self.reviewer.value = self.review.school, self.review.reviewer
        finally:
            self._filling = False
        self.open_theme(self.theme_id, rebuild=True)
        self.show_progress()

    def open_theme(self, theme_id: str, rebuild: bool = False) -> None:
        """Show a theme's objectives and actions (from the list or a click on the hexagon)."""
        if self.theme.value != theme_id:
            self.theme_id = theme_id
            self.theme.value = theme_id  # comes back here through the observer
            return
        if theme_id == self._shown_theme and not rebuild:
            return
        self.theme_id = self._shown_theme = theme_id
        theme = self.framework.theme(theme_id)
        self.action_widgets = {}
        parts = [
            page.html_widget(
                f"<h3>{html.escape(theme.title)}</h3><p class='ks3-note'>Overseen by: "
                f"{html.escape(theme.overseen_by or 'not said')}. "
                f"<span class='ks3-provenance'>{html.escape(theme.provenance.text)}</span></p>"
            )
        ]
        for objective in theme.objectives:
            parts.append(
                page.html_widget(
                    CSS + f"<h4>{html.escape(objective.title)}</h4><p class='ks3-provenance'>"
                    f"{html.escape(objective.provenance.text)}</p>"
                )
            )
            parts += [self._action_box(action) for action in objective.actions]
        self.theme_panel.children = parts
        self.redraw()

    #: An action's fields shown only when its details are opened: (field, label).
    DETAILS = (
        ("evidence", "Evidence:"),
        ("next_step", "Next step:"),
        ("resources", "Resources:"),
        ("success_criteria", "Success criteria:"),
    )

    def _action_box(self, action) -> widgets.VBox:
        """One action: status, owner, target date and "in the action plan" in a row;
        evidence, next step, resources, success criteria and linked events under
        "Details", made when first opened (a theme opens fast)."""
        entry = self.review.entry(action.id)
        wide = {"description_width": "initial"}
        status = widgets.Dropdown(
            options=[(label, key) for key, label in STATUSES.items()],
            value=entry.status,
            description="Status:",
            style=wide,
        )
        owner = widgets.Text(
            value=entry.owner,
            description="Owner (role):",
            style=wide,
            placeholder="e.g. STEM coordinator",
            continuous_update=False,
        )
        target = widgets.DatePicker(value=entry.target_date, description="Target date:", style=wide)
        committed = widgets.Checkbox(
            value=entry.committed, description="In the action plan", indent=False
        )
        details_button = widgets.ToggleButton(
            description="Details",
            icon="pencil",
            value=False,
            tooltip="Evidence, next step, resources, success criteria, linked plan events",
        )
        details = widgets.VBox([])
        events_note = widgets.HTML(self._events_note(action.id))
        resources = "".join(
            f"<li>{html.escape(r.title)} <span class='ks3-provenance'>"
            f"({html.escape(r.provenance.text)})</span></li>"
            for r in action.resources
        )
        filled = [label.rstrip(":").lower() for name, label in self.DETAILS if getattr(entry, name)]
        written = f" <span class=ks3-note>({', '.join(filled)} written)</span>" if filled else ""
        head = page.html_widget(
            CSS + f"<div class='ks3-action'><b>{html.escape(action.title)}</b>"
            f"{written}"
            f"<details><summary class='ks3-note'>Where this comes from"
            f"{' and documents' if action.resources else ''}</summary>"
            f"<p class='ks3-provenance'>{html.escape(action.provenance.text)}</p>"
            f"{f'<ul>{resources}</ul>' if resources else ''}</details></div>"
        )
        message = widgets.HTML()
        parts = {
            "status": status,
            "owner": owner,
            "target_date": target,
            "committed": committed,
            "events_note": events_note,
            "message": message,
            "details": details,
        }
        self.action_widgets[action.id] = parts
        for name in ("status", "owner", "target_date", "committed"):
            parts[name].observe(lambda _c, a=action.id: self._entry_changed(a), names="value")
        details_button.observe(lambda c, a=action.id: self.show_details(a, c["new"]), names="value")
        box = widgets.VBox(
            [
                head,
                widgets.HBox([status, owner, target, committed, details_button]),
                details,
                events_note,
                message,
            ]
        )
        box.add_class("ks3-action-box")
        box.add_class("ks3-action-" + action.id.replace(".", "-"))
        return box

    def show_details(self, action_id: str, shown: bool = True) -> None:
        """Open (making them the first time) or close an action's details."""
        parts = self.action_widgets[action_id]
        if not shown:
            parts["details"].layout.display = "none"
            return
        parts["details"].layout.display = None
        if "evidence" in parts:
            return
        entry = self.review.entry(action_id)
        wide = {"description_width": "initial"}
        for name, label in self.DETAILS:
            parts[name] = widgets.Textarea(
                value=getattr(entry, name),
                description=label,
                style=wide,
                continuous_update=False,
                layout=widgets.Layout(width="48%", height="52px"),
            )
        events = widgets.SelectMultiple(
            description="Linked plan events:",
            style=wide,
            rows=4,
            layout=widgets.Layout(width="70%"),
        )
        self._event_options(events, entry)
        parts["plan_events"] = events
        for name in (*(n for n, _ in self.DETAILS), "plan_events"):
            parts[name].observe(lambda _c, a=action_id: self._entry_changed(a), names="value")
        parts["details"].children = [
            widgets.HBox([parts["evidence"], parts["next_step"]]),
            widgets.HBox([parts["resources"], parts["success_criteria"]]),
            events,
        ]

    def _event_options(self, control: widgets.SelectMultiple, entry: ActionReview) -> None:
        plan = self.review.plan
        self._filling = True
        try:
            if plan is None:
                control.options, control.value, control.disabled = [], (), True
                return
            control.disabled = False
            control.options = [(f"{e.when} · {e.title}", e.id) for e in plan.events]
            control.value = tuple(i for i in entry.plan_events if i in {e.id for e in plan.events})
        finally:
            self._filling = False

    def _events_note(self, action_id: str) -> str:
        action = self.framework.action(action_id)
        if self.review.plan is None:
            looks = f" (it would look for: {action.plan_events.text})" if action.plan_events else ""
            return _note(f"No STEM plan linked{looks}.")
        found = links.planned_events(self.review, action)
        if not found:
            return _html(
                "<p class='ks3-note ks3-none'>No planned event in the STEM plan"
                + (
                    f" (looked for: {html.escape(action.plan_events.text)})"
                    if action.plan_events
                    else ""
                )
                + ".</p>"
            )
        items = ", ".join(
            f"{html.escape(e.title)} ({html.escape(e.when)}{', linked' if how == 'linked' else ''})"
            for e, how in found[:6]
        )
        more = f" and {len(found) - 6} more" if len(found) > 6 else ""
        return _html(f"<p class='ks3-note'>Planned events: {items}{more}.</p>")

    # ------------------------------------------------------------- changes

    def _entry_changed(self, action_id: str) -> None:
        if self._filling:
            return
        parts = self.action_widgets[action_id]
        current = self.review.entry(action_id)
        details = {
            name: parts[name].value if name in parts else getattr(current, name)
            for name, _ in self.DETAILS
        }
        links_chosen = (
            self._kept_links(action_id, parts["plan_events"].value)
            if "plan_events" in parts
            else current.plan_events
        )
        try:
            entry = ActionReview(
                action_id,
                status=parts["status"].value,
                owner=parts["owner"].value,
                target_date=parts["target_date"].value,
                committed=bool(parts["committed"].value),
                plan_events=links_chosen,
                **details,
            )
        except ReviewValueError as error:
            parts["message"].value = _problem(
                "This change was not kept",
                [str(p) for p in error.problems],
                "The action is as it was.",
            )
            return
        parts["message"].value = ""
        self.set_review(self.review.with_entry(entry))

    def _kept_links(self, action_id: str, chosen) -> tuple[str, ...]:
        """The chosen events, plus links to events not in the linked plan (kept, not lost)."""
        plan_ids = {e.id for e in self.review.plan.events} if self.review.plan else set()
        kept = [i for i in self.review.entry(action_id).plan_events if i not in plan_ids]
        return tuple(dict.fromkeys([*chosen, *kept]))

    def _settings_changed(self) -> None:
        if self._filling:
            return
        try:
            review = replace(self.review, school=self.school.value, reviewer=self.reviewer.value)
        except ReviewValueError as error:
            self.save_message.value = _problem(
                "This change was not kept", [str(p) for p in error.problems]
            )
            return
        self.set_review(review)

    def set_review(self, review: Review) -> None:
        """The one way the review on screen changes by editing: redraw, then save."""
        self.review = review
        self.redraw()
        self.autosave()

    def set_status(self, action_id: str, status: str) -> None:
        """Set an action's status as its dropdown would (opens its theme)."""
        theme, _, _ = self.framework.placed(action_id)
        self.open_theme(theme.id)
        self.action_widgets[action_id]["status"].value = status

    # ------------------------------------------------------------- storage

    def autosave(self) -> bool:
        """Save the review on screen as a new version; on a conflict, ask (nothing lost)."""
        name = self.review.name
        try:
            saved = self.store.save(
                KIND,
                self.owner,
                name,
                files.review_document(self.review),
                expected=self.version,
                saved_by=self.saved_by,
            )
        except Conflict as conflict:
            self.dirty = True
            self._ask_conflict(conflict)
            return False
        except (OSError, StoreError, Exception) as error:  # noqa: BLE001 - say it, keep work
            traceback.print_exc(file=sys.__stderr__)
            self.dirty = True
            self.save_message.value = _problem(
                "Not saved",
                [f"The review could not be saved ({type(error).__name__})."],
                "Your review is still on this page: download it as JSON below to keep it.",
            )
            return False
        self.version, self.dirty = saved.version, False
        self.save_message.value = _note(
            f"Saved {self.review.name} (version {saved.version}, {_when(saved.saved_at)})."
        )
        self._saved_options()
        self.show_progress()
        return True

    def _ask_conflict(self, conflict: Conflict) -> None:
        latest = conflict.latest

        def keep_mine():
            self.version = latest.version
            self.ask_bar.children = ()
            self.autosave()

        def take_theirs():
            self.ask_bar.children = ()
            self.use_review(
                files.review_from_dict(latest.document, latest.name, self.framework),
                latest.version,
                f"the saved {latest.name}",
            )

        who = f" by {latest.saved_by}" if latest.saved_by else ""
        self._ask(
            f"{latest.name} was saved{who} on {_when(latest.saved_at)} (version "
            f"{latest.version}), not from this page's copy. Your changes on screen are "
            "not saved yet.",
            ("Keep mine as a new version", keep_mine),
            ("Open the saved one", take_theirs),
        )

    def _ask(self, question: str, *choices) -> None:
        buttons = []
        for label, do in choices:
            button = widgets.Button(description=label, layout=widgets.Layout(width="auto"))
            button.on_click(lambda _b, do=do: do())
            buttons.append(button)
        buttons[0].button_style = "primary"
        self.ask_bar.children = [
            page.html_widget(f'<div class="ks3-source">{html.escape(question)}</div>'),
            widgets.HBox(buttons),
        ]

    def ask_then(self, what: str, do) -> None:
        """Do ``do()`` at once if nothing on screen is unsaved, else ask first."""
        if not self.dirty:
            do()
            return

        def go_on():
            self.ask_bar.children = ()
            do()

        def keep():
            self.ask_bar.children = ()
            self._reset_choosers()

        self._ask(
            f"The review on screen has changes that are not saved. To {what}, they "
            "would be replaced. Download the review (JSON) first to keep them.",
            ("Keep the review on screen", keep),
            (f"Replace it and {what}", go_on),
        )

    def _reset_choosers(self) -> None:
        self._filling = True
        try:
            self.example.value = ""
            self.saved_reviews.value = None
        finally:
            self._filling = False

    def use_review(self, review: Review, version: int | None, what: str) -> None:
        """Put an opened review on screen. ``version``: its stored version, or ``None``
        for a review from a file or an example, which is then saved (asking first if a
        saved review of its date would be superseded)."""
        self.review, self.version, self.dirty = review, version, False
        self.survey_findings = None
        self._reset_choosers()
        self.show_review()
        self.file_message.value = _note(f"Opened {what}.")
        if version is None:
            self.autosave()

    def open_saved(self, name: str) -> bool:
        saved = self.store.latest(KIND, self.owner, name)
        if saved is None:
            return False
        try:
            review = files.review_from_dict(saved.document, name, self.framework)
        except files.ReviewFileError as error:
            self.file_message.value = _problem(
                f"{name} could not be opened", [str(p) for p in error.problems]
            )
            return False
        self.use_review(review, saved.version, f"your {name} (version {saved.version})")
        return True

    def offer_restore(self) -> None:
        """Offer the latest saved review; taking the offer reads the store again then."""
        names = self.store.names(KIND, self.owner)
        if not names:
            return
        latest = self.store.latest(KIND, self.owner, names[0])
        restore = widgets.Button(description="Open it", button_style="primary")
        dismiss = widgets.Button(description="Not now")

        def take(_):
            self.restore_bar.children = ()
            newest = self.store.names(KIND, self.owner)
            self.ask_then("open your latest review", lambda: self.open_saved(newest[0]))

        restore.on_click(take)
        dismiss.on_click(lambda _: setattr(self.restore_bar, "children", ()))
        self.restore_bar.children = [
            page.html_widget(
                f'<div class="ks3-source">Your latest review is saved: {html.escape(latest.name)}'
                f", last saved {_when(latest.saved_at)} (version {latest.version}).</div>"
            ),
            widgets.HBox([restore, dismiss]),
        ]

    def _saved_options(self) -> None:
        names = sorted(self.store.names(KIND, self.owner), reverse=True)
        self._filling = True
        try:
            self.saved_reviews.options = [(n, n) for n in names]
            self.saved_reviews.value = None
        finally:
            self._filling = False

    def start_new_review(self, when: date | None) -> bool:
        """A new review dated ``when``, starting as a copy of the review on screen."""
        if when is None:
            self.save_message.value = _note("Choose the new review's date first.")
            return False
        if self.store.latest(KIND, self.owner, f"review {when.isoformat()}") is not None:
            self.save_message.value = _note(
                f"A review dated {when:%d %B %Y} is already saved: open it from your saved "
                "reviews, or choose another date."
            )
            return False
        self.review, self.version = self.review.next_review(when), None
        self.show_review()
        return self.autosave()

    def show_progress(self) -> None:
        reviews = []
        for name in self.store.names(KIND, self.owner):
            saved = self.store.latest(KIND, self.owner, name)
            try:
                found = files.review_from_dict(saved.document, name, self.framework)
            except files.ReviewFileError:
                continue
            if found.school == self.review.school and found.reviewed_on != self.review.reviewed_on:
                reviews.append(found)
        reviews.append(self.review)
        if len(reviews) < 2:
            self.progress_box.children = [
                page.html_widget(
                    "<p class='ks3-note'>One review so far. Review again next term (Start a new "
                    "review: it begins as a copy of this one) to see progress here.</p>"
                )
            ]
            return
        table = progress(reviews, self.framework)
        rows = "".join(
            f"<tr><th scope='row'>{html.escape(r.title)}</th><td>{r.reviewed_on:%d %b %Y}</td>"
            f"<td>{r.in_place} of {r.actions} ({r.score:.0%})</td><td>"
            + ("–" if r.change != r.change else f"{r.change * 100:+.0f} points")
            + "</td></tr>"
            for r in table.sort_values(["id", "reviewed_on"], kind="stable").itertuples()
        )
        chart = widgets.Output()
        put_chart(
            chart,
            figure.progress_figure(table, self.framework),
            downloads.image_config("stem_manager_progress"),
        )
        self.progress_box.children = [
            chart,
            page.html_widget(
                CSS + "<table class='ks3-manager-table'><caption>Score at each review and change "
                "since the one before</caption><tr><th scope='col'>Theme</th><th scope='col'>"
                "Review</th><th scope='col'>In place</th><th scope='col'>Change</th></tr>"
                f"{rows}</table>"
            ),
        ]

    # ------------------------------------------------------------- files

    def open_example(self, path: str) -> bool:
        try:
            review = files.load_review(path, self.framework)
        except files.ReviewFileError as error:
            self.file_message.value = _problem(
                "The example could not be opened", [str(p) for p in error.problems]
            )
            return False
        self._open_unsaved(review, f"the example review of {review.school}")
        return True

    def open_upload(self) -> bool:
        self._filling = True  # emptying the upload is not a new file to open
        try:
            read = read_uploaded(
                self.upload, lambda content, name: files.read_review(content, name, self.framework)
            )
        except FileProblem as problem:
            self.file_message.value = _problem(
                f"{problem.name} could not be opened",
                problem.problems,
                "Correct the file and open it again; the review on screen is as it was.",
            )
            return False
        finally:
            self._filling = False
        if read is None:
            return False
        name, review = read
        self.ask_then(f"open {name}", lambda: self._open_unsaved(review, name))
        return True

    def _open_unsaved(self, review: Review, what: str) -> None:
        """Open a review from a file or example; ask before superseding a saved one of its date."""
        saved = self.store.latest(KIND, self.owner, review.name)
        if saved is None or saved.document == files.review_document(review):
            self.use_review(review, None if saved is None else saved.version, what)
            return

        def replace_saved():
            self.ask_bar.children = ()
            self.use_review(review, saved.version, what)
            self.autosave()

        def keep_saved():
            self.ask_bar.children = ()
            self._reset_choosers()

        self._ask(
            f"You have a saved {saved.name} (version {saved.version}, "
            f"{_when(saved.saved_at)}). Opening {what} would save it as the next version "
            "of that review (the saved one stays as an earlier version).",
            ("Keep the saved review", keep_saved),
            (f"Open {what}", replace_saved),
        )

    def links_html(self, score=None) -> str:
        """Downloads: the review (JSON, CSV) and the action plan (printable page, CSV, XLSX)."""
        plan_table = files.action_plan(self.review, self.framework)
        items = [
            (
                "Save review (JSON)",
                f"{FILENAME}.json",
                files.review_to_json(self.review).encode("utf-8"),
                "application/json",
            ),
            (
                "Save review (CSV, one row per action)",
                f"{FILENAME}.csv",
                files.review_to_csv(self.review, self.framework).encode("utf-8-sig"),
                downloads.CSV_TYPE,
            ),
            (
                "Action plan (printable page)",
                "stem_action_plan.html",
                files.action_plan_html(self.review, self.framework, score).encode("utf-8"),
                "text/html",
            ),
            (
                "Action plan (CSV)",
                "stem_action_plan.csv",
                downloads.csv_bytes(plan_table),
                downloads.CSV_TYPE,
            ),
            (
                "Action plan (XLSX)",
                "stem_action_plan.xlsx",
                downloads.xlsx_bytes(plan_table, "action plan"),
                downloads.XLSX_TYPE,
            ),
        ]
        anchors = " · ".join(
            f'<a class="ks3-download" href="{downloads.data_uri(content, kind)}" '
            f'download="{name}">{text}</a>'
            for text, name, content, kind in items
        )
        n = len(plan_table)
        return _html(
            f"<p>{anchors}</p><p class='ks3-note'>The action plan holds the {n} "
            f"action{'' if n == 1 else 's'} marked “In the action plan”, with owner, "
            "target date, next step, resources, success criteria and planned "
            "events.</p>"
        )

    # ------------------------------------------------------------- the plan

    def _plan_options(self) -> None:
        options = [("Choose a plan…", "")]
        for name in self.store.names("plan", self.owner):
            options.append((f"Saved plan: {name}", f"store:{name}"))
        options += [
            (f"Example plan: {name}", f"example:{path}")
            for name, path in planner_page.examples().items()
        ]
        self.plan_choice.options = options

    def link_plan_choice(self, choice: str) -> bool:
        kind, _, rest = choice.partition(":")
        try:
            if kind == "store":
                saved = self.store.latest("plan", self.owner, rest)
                plan = plan_files.plan_from_json(json.dumps(saved.document), rest)
            else:
                plan = plan_files.load_plan(rest)
        except plan_files.PlanFileError as error:
            self.plan_message.value = _problem(
                "The plan could not be linked", [str(p) for p in error.problems]
            )
            return False
        finally:
            self.plan_choice.value = ""
        self.link_plan(plan)
        return True

    def link_plan_upload(self) -> bool:
        try:
            read = read_uploaded(self.plan_upload, plan_files.read_plan)
        except FileProblem as problem:
            self.plan_message.value = _problem(
                f"{problem.name} could not be linked", problem.problems, "The review is as it was."
            )
            return False
        if read is None:
            return False
        self.link_plan(read[1])
        return True

    def link_plan(self, plan: Plan) -> None:
        """Keep a copy of the plan in the review; actions then show its events."""
        n = len(plan.events)
        self.plan_message.value = _note(
            f"Linked “{plan.title}”{', ' + plan.school if plan.school else ''}: {n} event"
            f"{'' if n == 1 else 's'}. A copy is kept with the review; link it again after "
            "changing the plan in the Planner."
        )
        self.survey_findings = None
        self.set_review(replace(self.review, plan=plan))
        self.open_theme(self.theme_id, rebuild=True)

    def coverage_html(self) -> str:
        if self.review.plan is None:
            return _note("No STEM plan linked.")
        table = links.plan_coverage(self.review, self.framework)
        with_events = table[table["has_events"]]
        none = table[~table["has_events"]]
        titles = {o.id: o.title for o in self.framework.objectives}

        def items(part):
            return "".join(
                f"<li>{html.escape(r.action)} <span class='ks3-note'>("
                f"{html.escape(titles[r.objective])})</span></li>"
                for r in part.itertuples()
            )

        committed_none = none[none["action_id"].map(lambda a: self.review.entry(a).committed)]
        return _html(
            f"<p>{len(with_events)} of {len(table)} actions have planned events in "
            f"“{html.escape(self.review.plan.title)}”; {len(none)} have none.</p>"
            + (
                f"<p class='ks3-none'>In the action plan but with no planned event:</p>"
                f"<ul>{items(committed_none)}</ul>"
                if len(committed_none)
                else ""
            )
            + f"<details><summary>Actions with planned events ({len(with_events)})</summary>"
            f"<ul>{items(with_events)}</ul></details>"
            f"<details><summary>Actions with none ({len(none)})</summary>"
            f"<ul>{items(none)}</ul></details>"
        )

    # ------------------------------------------------------------- evidence

    def evidence_html(self) -> str:
        table = links.evidence_for(self.framework, self.review.plan, self.survey_findings)
        if not len(table):
            what = (
                "the linked plan's balance"
                if self.review.plan is not None
                else "a STEM plan (link one above)"
            )
            survey = " and the survey" if self.survey_findings is not None else ""
            return _note(f"Nothing in {what}{survey} points to an objective of this framework.")
        parts = []
        for (theme, _objective), part in table.groupby(["theme", "objective"], sort=False):
            items = "".join(
                f"<li>{'Plan' if r.source == 'plan' else 'Survey'}: {html.escape(r.finding)}</li>"
                for r in part.drop_duplicates("finding").itertuples()
            )
            parts.append(
                f"<p><b>{html.escape(self.framework.theme(theme).title)} › "
                f"{html.escape(part['objective_title'].iloc[0])}</b></p><ul>{items}</ul>"
            )
        return _html(
            "".join(parts) + "<p class='ks3-note'>Survey findings are shown only when "
            "their 95% interval excludes 0 (one comparison at a time), never from a "
            "hidden or small base.</p>"
        )

    def compare_with_survey(self) -> bool:
        from analysis.measures import SurveyAggregates

        try:
            survey = (self._survey or data.survey)()
            self.survey_findings = links.survey_findings(
                SurveyAggregates(survey.table), self.review.plan
            )
        except (SurveyDataError, OSError) as error:
            self.evidence.value = page.problem_message(error).value
            return False
        except Exception:  # noqa: BLE001 - the page must never show a traceback
            traceback.print_exc(file=sys.__stderr__)
            self.evidence.value = page.unexpected_message().value
            return False
        self.evidence.value = self.evidence_html()
        return True


def build() -> widgets.Widget:
    """The page: heading, the Manager for the visitor (built when they arrive), help."""
    body = widgets.VBox([page.loading("Opening the STEM Manager…")])

    def arrived(visitor: identity.Visitor) -> None:
        try:
            framework = configured_framework()
        except FrameworkError as error:
            body.children = [
                widgets.HTML(
                    _problem(
                        "The STEM Manager's framework file cannot be used",
                        [str(error)],
                        f"Correct the file named by {settings.FRAMEWORK}, or unset it to use the "
                        "project's framework.",
                    )
                )
            ]
            return
        # a member of several schools chooses which school's reviews the page shows
        per_school = schools.PerSchool(
            lambda chosen: Manager(chosen.owner, saved_by=chosen.user, framework=framework),
            unsaved=lambda manager: manager.dirty,
        )
        try:
            per_school.arrive(visitor)
        except Exception:  # noqa: BLE001 - the page must never show a traceback
            traceback.print_exc(file=sys.__stderr__)
            body.children = [page.unexpected_message()]
            return
        body.children = [per_school.widget]
        body.per_school = per_school  # for tests

    heading = page.html_widget(
        '<p class="ks3-note"><a href="index.ipynb">← All dashboards</a> · '
        '<a href="planner.ipynb">STEM Planner</a></p><h1>STEM Manager</h1>'
        "<p>A school's self-review of how it makes STEM and STEM careers work, across the six "
        "themes of the report's STEM Manager, drawn as a hexagon. Review a theme at a time, "
        "choose for each action where it stands, and mark the actions the school commits to: "
        "they make the action plan, which you can print or download. Link the school's STEM "
        "plan from the Planner to see which actions have planned events.</p>"
    )
    scale = "; ".join(
        f"<b>{html.escape(STATUSES[k])}</b>: {html.escape(v)}" for k, v in STATUS_MEANINGS.items()
    )
    footnote = page.html_widget(
        f"<p class='ks3-note'>The scale (choose the best fit): {scale}. {html.escape(SCALE_TEXT)}"
        " Reviews are kept for you, one a date, every saved version; nobody else sees them. "
        "The themes come from the report; Leadership's objectives and the actions of a STEM "
        "ethos are the report's own, the rest were written for this project from its findings "
        "and case studies (each says where it comes from).</p>"
    )
    return widgets.VBox([heading, identity.on_arrival(arrived), body, footnote])


def main() -> None:
    """What the notebook runs."""
    page.show(build, "Opening the STEM Manager…")
