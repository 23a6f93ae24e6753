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
    Put the returned widget on the page (it draws nothing). ``callback`` is
    called once, with a :class:`Visitor`, when the visitor's browser has
    drawn the page (the widget's first message from the browser), never
    before: a preheated kernel that no one has opened yet waits.
``Visitor.owner``
    The :mod:`analysis.store` owner of this visitor's plans and reviews:
    ``"school:ID"`` when signed in to a network's hub as a member of a school,
    ``"user:NAME"`` for a hub user with no school (a network lead, a
    researcher), ``"browser:KEY"`` on a personal server (one random key per
    browser, kept in that browser's ``localStorage``, so two browsers never
    share a plan by accident).
``Visitor.check_school(school) -> str``
    The school id if this visitor may see that school's own views and
    documents; :class:`Refused` otherwise. Every school id a page receives
    from the browser (a dropdown's value, a crafted websocket message) goes
    through it.

Where the visitor comes from
----------------------------
On a **personal server** (``scripts/start``) the browser's key is the only
thing taken from the page: it says *which* browser, and a forged key can only
reach a plan no browser has (keys are 128 random bits).

On a **network's hub** (:mod:`dashboards.hub`) each user has their own server,
which only they can open (:class:`dashboards.hub_auth.OwnerOnlyIdentityProvider`),
and the hub tells it whose it is: ``JUPYTERHUB_USER``. Their schools and role
come from their hub groups, asked of the hub's REST API with the server's own
token (``JUPYTERHUB_API_TOKEN``) when they arrive, so a change of groups
applies from their next page. Groups (:data:`GROUPS`): ``role-network-lead``,
``role-school-lead``, ``role-researcher``, and ``school-<ID>`` for each school
a user belongs to. Nothing the page sends changes any of it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import anywidget
import ipywidgets as widgets

#: Roles a visitor may have (from hub groups on a hosted network; ``local`` otherwise).
#: ``colleague``: a member of a school who is not its lead; ``member``: signed in to the
#: hub but given no role or school yet.
ROLES = ("network_lead", "school_lead", "researcher", "local", "colleague", "member")
#: Hub group of each role; a school's members are in ``SCHOOL_GROUP_PREFIX + ID``.
GROUPS = {
    "network_lead": "role-network-lead",
    "school_lead": "role-school-lead",
    "researcher": "role-researcher",
}
SCHOOL_GROUP_PREFIX = "school-"
#: A school id as hub groups and the store spell it.
SCHOOL_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
#: A browser's key: 128 random bits, in hex (made by the browser, :data:`ARRIVAL_ESM`).
BROWSER_KEY = re.compile(r"^[0-9a-f]{32}$")
_USER_NAME = re.compile(r"^[A-Za-z0-9_.@+-]{1,128}$")


class Refused(PermissionError):
    """A request for something this visitor may not see (another school's data)."""


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

    @property
    def on_hub(self) -> bool:
        """Signed in to a network's hub (not a personal server)."""
        return self.role != "local"

    def check_school(self, school: object) -> str:
        """``school`` as a string if this visitor may see its own views; else :class:`Refused`.

        On a personal server every school of the survey may be chosen (the person
        holds the whole file). On a hub only the visitor's own schools, whatever
        the page sent.
        """
        if not isinstance(school, str) or not SCHOOL_ID.match(school):
            raise Refused(f"{school!r} is not a school id.")
        if not self.on_hub or school in self.schools:
            return school
        raise Refused(
            f"{self.user or 'This visitor'} is not a member of school {school}; "
            "its views and plans are not shown."
        )

    def owner_for(self, school: object) -> str:
        """The store owner of ``school``'s documents, if this visitor may see them."""
        return f"school:{self.check_school(school)}"

    @property
    def school(self) -> str:
        """The school this visitor works on (whose plans and reviews they see); ``""``
        when their documents are their own (a personal server, a network lead)."""
        kind, _, name = self.owner.partition(":")
        return name if kind == "school" else ""

    @property
    def member_schools(self) -> tuple[str, ...]:
        """The schools this visitor may choose to work on: a school lead's or a
        colleague's schools (one or more); none for anyone else."""
        return self.schools if self.role in ("school_lead", "colleague") else ()

    def working_on(self, school: object) -> Visitor:
        """This visitor working on ``school``, one of :attr:`member_schools`: the same
        person, with that school's plans and reviews (:attr:`owner`).

        Whatever the page sent, a school not theirs is :class:`Refused`.

        >>> dee = visitor_from_groups("dee", ["school-S01", "school-S02"])
        >>> dee.owner, dee.working_on("S02").owner
        ('school:S01', 'school:S02')
        >>> try:
        ...     dee.working_on("S03")
        ... except Refused as refusal:
        ...     print(refusal)
        dee is not a member of school S03; its views and plans are not shown.
        """
        school = self.check_school(school)
        if school not in self.member_schools:
            raise Refused(
                f"{self.user or 'This visitor'} is not a member of school {school}; "
                "its views and plans are not shown."
            )
        return replace(self, owner=f"school:{school}")


LOCAL = Visitor(user="", role="local", schools=(), owner="browser:local")


def browser_visitor(key: object) -> Visitor:
    """The visitor of a personal server whose browser sent ``key``; ``ValueError`` if malformed."""
    if not isinstance(key, str) or not BROWSER_KEY.match(key):
        raise ValueError("not a browser key")
    return Visitor(user="", role="local", schools=(), owner=f"browser:{key}")


def visitor_from_groups(user: str, groups: list[str] | tuple[str, ...]) -> Visitor:
    """The hub user ``user`` with these hub ``groups`` as a :class:`Visitor`.

    A member of several schools works on the first (by id) until they choose
    another (:meth:`Visitor.working_on`, :class:`dashboards.schools.SchoolChoice`).

    >>> visitor_from_groups("ann", ["school-S05", "role-school-lead"])
    Visitor(user='ann', role='school_lead', schools=('S05',), owner='school:S05')
    >>> visitor_from_groups("nia", ["role-network-lead"]).owner
    'user:nia'
    """
    groups = set(groups)
    schools = tuple(
        sorted(
            g[len(SCHOOL_GROUP_PREFIX) :]
            for g in groups
            if g.startswith(SCHOOL_GROUP_PREFIX) and SCHOOL_ID.match(g[len(SCHOOL_GROUP_PREFIX) :])
        )
    )
    if GROUPS["network_lead"] in groups:
        role = "network_lead"
    elif schools and GROUPS["school_lead"] in groups:
        role = "school_lead"
    elif schools:
        role = "colleague"
    elif GROUPS["researcher"] in groups:
        role = "researcher"
    else:
        role = "member"
    if schools and role != "network_lead":
        owner = f"school:{schools[0]}"
    elif _USER_NAME.match(user):
        owner = f"user:{user}"
    else:  # a name the store cannot spell: a stable stand-in
        owner = "user:" + hashlib.sha256(user.encode("utf-8")).hexdigest()[:32]
    return Visitor(user=user, role=role, schools=schools, owner=owner)


def on_hub(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this server was started by a hub for one of its users."""
    environ = os.environ if environ is None else environ
    return bool(environ.get("JUPYTERHUB_USER") and environ.get("JUPYTERHUB_API_URL"))


def hub_visitor(environ: Mapping[str, str] | None = None, timeout: float = 10) -> Visitor:
    """The owner of this hub server, with their groups asked of the hub now.

    The user is the server's owner (``JUPYTERHUB_USER``); only they can open
    it. Their groups come from ``GET {JUPYTERHUB_API_URL}/users/{user}`` with
    the server's token (it has ``read:users:groups!user``, see
    :mod:`dashboards.hub`). If the hub does not answer, the visitor gets no
    school (``member``): nothing of any school is shown.
    """
    environ = os.environ if environ is None else environ
    user = environ["JUPYTERHUB_USER"]
    url = environ["JUPYTERHUB_API_URL"].rstrip("/") + "/users/" + urllib.parse.quote(user, safe="")
    request = urllib.request.Request(
        url, headers={"Authorization": f"token {environ.get('JUPYTERHUB_API_TOKEN', '')}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            model = json.load(answer)
        groups = model.get("groups") or []
        if model.get("name") != user or not isinstance(groups, list):
            raise ValueError(f"the hub answered for {model.get('name')!r}, not {user!r}")
    except (OSError, ValueError) as error:
        print(
            f"dashboards.identity: could not read {user}'s hub groups: {error}", file=sys.__stderr__
        )
        groups = []
    return visitor_from_groups(user, [str(g) for g in groups])


#: The browser side: read (or make) this browser's key and send it once the page is drawn.
ARRIVAL_ESM = """
const KEY = "ks3-browser-key";
function browserKey() {
  let key = null;
  try { key = window.localStorage.getItem(KEY); } catch (e) { key = null; }
  if (!key || !/^[0-9a-f]{32}$/.test(key)) {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    key = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    try { window.localStorage.setItem(KEY, key); } catch (e) { /* private window */ }
  }
  return key;
}
function render({ model, el }) {
  el.setAttribute("aria-hidden", "true");
  model.send({ arrived: browserKey() });
}
export default { render };
"""


class Arrival(anywidget.AnyWidget):
    """An invisible widget whose first message from the browser means: the person is here."""

    _esm = ARRIVAL_ESM

    def __init__(
        self, callback: Callable[[Visitor], None], environ: Mapping[str, str] | None = None
    ):
        super().__init__(layout=widgets.Layout(width="0", height="0", overflow="hidden"))
        self._callback = callback
        self._environ = environ
        self.visitor: Visitor | None = None
        self.on_msg(
            lambda _widget, content, _buffers: self.arrive(
                content.get("arrived") if isinstance(content, dict) else None
            )
        )

    def arrive(self, key: object) -> Visitor | None:
        """The browser says it is here with ``key``: decide the visitor (once) and call back.

        A second message (another view of the same page, or a forged one) changes
        nothing: the visitor is decided once per page.
        """
        if self.visitor is not None:
            return self.visitor
        if on_hub(self._environ):
            visitor = hub_visitor(self._environ)
        else:
            try:
                visitor = browser_visitor(key)
            except ValueError:
                return None  # not a key this page made: wait for the real one
        self.visitor = visitor
        self._callback(visitor)
        return visitor


def on_arrival(
    callback: Callable[[Visitor], None], environ: Mapping[str, str] | None = None
) -> widgets.Widget:
    """Call ``callback(visitor)`` once the visitor is known; return a widget for the page."""
    return Arrival(callback, environ)
