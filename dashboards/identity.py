"""Who is looking at a page: the one place a page learns whose plans, reviews and
schools it may show.

Pages never decide this from a value the browser sent. A page that shows
per-person things (the Planner's plans, the Manager's reviews, My school) asks
:func:`on_arrival` for the visitor and builds those parts only in its callback,
*when the person has arrived*: Voilà's preheat runs a notebook before anyone
opens it, so nothing per-person may be decided at import or build time.

Contract (used by ``dashboards.planner`` and ``dashboards.manager``)
-------------------------------------------------------------------
``on_arrival(callback) -> ipywidgets.Widget``
    Put the returned widget on the page (it may be invisible). ``callback`` is
    called once, with a :class:`Visitor`, when the visitor is known.
``Visitor.owner``
    The :mod:`analysis.store` owner of this visitor's plans and reviews:
    ``"school:ID"`` when signed in to a network's hub as a member of a school,
    ``"browser:KEY"`` on a personal server (one key per browser, so two browsers
    never share a plan by accident).

This first version knows only a personal server with one browser
(``"browser:local"``); the hosted-network work (issue 15) fills it in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets

#: Roles a visitor may have (hub groups on a hosted network; ``local`` otherwise).
ROLES = ("network_lead", "school_lead", "researcher", "local")


@dataclass(frozen=True)
class Visitor:
    """The person on the page."""

    user: str  # the hub user name; "" on a personal server
    role: str  # one of ROLES
    schools: tuple[str, ...]  # school ids whose own views this visitor may see
    owner: str  # analysis.store owner of their plans and reviews

    @property
    def signed_in(self) -> bool:
        return bool(self.user)


LOCAL = Visitor(user="", role="local", schools=(), owner="browser:local")


def on_arrival(callback: Callable[[Visitor], None]) -> widgets.Widget:
    """Call ``callback(visitor)`` once the visitor is known; return a widget for the page."""
    callback(LOCAL)
    return widgets.HTML("")
