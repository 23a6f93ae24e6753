"""Which of their schools a member of several works on, chosen when they arrive.

On a network's hub (:mod:`dashboards.hub`) a school lead or a colleague may
belong to more than one school (one ``school-ID`` group each). Each of their
pages that shows one school's things (My school, the Planner's plans, the
Manager's reviews, the pack) starts with the first of their schools and offers
the others in a :class:`SchoolChoice`, drawn only once the person has arrived
(:func:`dashboards.identity.on_arrival`: Voilà's preheat runs a page before
anyone opens it). A member of one school is offered no choice.

The choice lists only the visitor's own schools, asked of the hub when they
arrive; whatever the browser sends back goes through
:meth:`dashboards.identity.Visitor.working_on`, which refuses a school not
theirs. Plans and reviews are stored per school (``school:ID`` in
:mod:`analysis.store`), so a school chosen shows that school's documents,
shared with its colleagues.

The hub folder's publication bundles (written by ``scripts/hub publish``):
``bundles/network`` and ``bundles/school-ID`` (:func:`school_bundle`).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path

import ipywidgets as widgets

from analysis import settings

from . import identity

#: The hub folder's bundles: the network's, and one per school (``school-ID``).
BUNDLES = "bundles"
NETWORK_BUNDLE = "network"


def school_bundle(folder: Path | str, school: str) -> Path | None:
    """School ``school``'s bundle in the hub folder ``folder``, if it is published."""
    if not identity.SCHOOL_ID.match(school):
        return None
    path = Path(folder) / BUNDLES / f"school-{school}"
    return path if (path / "manifest.json").exists() else None


def published_schools(
    visitor: identity.Visitor, folder: Path | str | None = None
) -> dict[str, Path]:
    """``{school: bundle}`` of the visitor's own schools whose bundle is published.

    ``folder``: the hub folder (default ``KS3_HUB_DIR``); none, none.
    """
    folder = folder if folder is not None else settings.named(settings.HUB_DIR)
    if not folder:
        return {}
    found = {s: school_bundle(folder, s) for s in visitor.member_schools}
    return {s: path for s, path in found.items() if path is not None}


class SchoolChoice:
    """A dropdown of the visitor's schools; choosing one calls ``on_choose(visitor)``
    with the visitor working on it (:meth:`~dashboards.identity.Visitor.working_on`).

    Parameters
    ----------
    visitor : Visitor
        Who arrived (their schools come from the hub, never from the page).
    on_choose : callable
        Called with the visitor working on the chosen school. It may raise
        :class:`ChoiceRefused` to keep the school it has (the message is shown).
    schools : sequence of str, optional
        The schools to offer (default: all the visitor's); any not theirs is left out.
    chosen : str, optional
        The school shown first (default: the one the visitor works on).

    Attributes
    ----------
    widget : ipywidgets.VBox
        Empty when there is nothing to choose (fewer than two schools).
    """

    def __init__(
        self,
        visitor: identity.Visitor,
        on_choose: Callable[[identity.Visitor], None],
        schools: Sequence[str] | None = None,
        chosen: str | None = None,
    ):
        self.visitor = visitor
        self.on_choose = on_choose
        offered = visitor.member_schools if schools is None else schools
        self.schools = tuple(s for s in offered if s in visitor.member_schools)
        first = chosen if chosen in self.schools else visitor.school
        self.chosen = first if first in self.schools else (self.schools or ("",))[0]
        self.message = widgets.HTML()
        self.dropdown = widgets.Dropdown(
            options=[(f"School {s}", s) for s in self.schools],
            value=self.chosen or None,
            description="Your school:",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto"),
        )
        self.dropdown.observe(lambda change: self.choose(change["new"]), names="value")
        self.widget = widgets.VBox(
            [
                widgets.HTML(
                    '<p class="ks3-note">You are a member of more than one school: choose '
                    "which one this page shows. Each school's figures, plans and reviews are "
                    "its own, shared with its colleagues only.</p>"
                ),
                self.dropdown,
                self.message,
            ]
            if len(self.schools) > 1
            else []
        )

    def choose(self, school: object) -> identity.Visitor | None:
        """Work on ``school``; a school not offered, or refused by the page, is refused
        with a message and the page keeps the school it shows."""
        if school == self.chosen:
            return None
        try:
            if school not in self.schools:
                raise identity.Refused(f"{school!r} is not one of your schools here.")
            working = self.visitor.working_on(school)
            self.on_choose(working)
        except (identity.Refused, ChoiceRefused) as refusal:
            self.message.value = (
                f'<div class="ks3-problem" role="alert"><p>{html.escape(str(refusal))}</p></div>'
            )
            if self.dropdown.value != self.chosen:
                self.dropdown.value = self.chosen  # back to the school still shown
            return None
        self.chosen = school
        self.message.value = ""
        return working


class ChoiceRefused(Exception):
    """The page cannot change school now (its message says why and what to do)."""


#: What a page says when it cannot change school: something on screen is not saved.
UNSAVED = (
    "This page has changes that are not saved (see the message on the page). Save them, "
    "or download them, before you choose another school."
)


class PerSchool:
    """The part of a page that shows one school's documents (the Planner, the Manager),
    made again for the school the visitor chooses (:class:`SchoolChoice`).

    Parameters
    ----------
    make : callable
        ``make(visitor)`` returns an object with a ``.widget``, for the school the
        visitor works on (``visitor.owner``).
    part : object, optional
        The part already on the page (built before anyone arrived); else made on arrival.
    unsaved : callable, optional
        ``unsaved(part)`` is true when the part has work not saved: the school is
        then not changed (nothing on screen is replaced without asking).

    Attributes
    ----------
    part : object
        The part on the page now.
    choice : SchoolChoice or None
        Once the visitor has arrived.
    widget : ipywidgets.VBox
    """

    def __init__(
        self,
        make: Callable[[identity.Visitor], object],
        part: object | None = None,
        unsaved: Callable[[object], bool] = lambda part: False,
    ):
        self.make = make
        self.part = part
        self.unsaved = unsaved
        self.choice: SchoolChoice | None = None
        self.choices = widgets.VBox([])
        self.body = widgets.VBox([part.widget] if part is not None else [])
        self.widget = widgets.VBox([self.choices, self.body])

    def arrive(self, visitor: identity.Visitor) -> None:
        """The visitor is here: their part (made now unless already on the page) and,
        for a member of several schools, the choice of school."""
        if self.part is None:
            self.part = self.make(visitor)
            self.body.children = [self.part.widget]
        self.choice = SchoolChoice(visitor, self.switch)
        self.choices.children = [self.choice.widget]

    def switch(self, visitor: identity.Visitor) -> None:
        """Show the part of the school ``visitor`` works on (raises :class:`ChoiceRefused`
        if the part on screen has unsaved work)."""
        if self.part is not None and self.unsaved(self.part):
            raise ChoiceRefused(UNSAVED)
        self.part = self.make(visitor)
        self.body.children = [self.part.widget]
