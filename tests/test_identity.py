"""dashboards.identity: who is looking, decided on arrival, never from a value the page sent."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from dashboards import identity
from dashboards.identity import Refused, Visitor

KEY = "0123456789abcdef0123456789abcdef"


def test_nothing_is_decided_before_the_browser_says_it_is_here():
    seen = []
    arrival = identity.on_arrival(seen.append, environ={})
    assert seen == []  # built (as Voilà's preheat builds a page) and nobody has arrived
    assert arrival.arrive(KEY) == Visitor("", "local", (), f"browser:{KEY}")
    assert seen == [Visitor("", "local", (), f"browser:{KEY}")]
    # a second message (another view, or a forged key) changes nothing
    arrival.arrive("f" * 32)
    assert len(seen) == 1 and arrival.visitor.owner == f"browser:{KEY}"


def test_the_widget_message_from_the_browser_is_the_arrival():
    seen = []
    arrival = identity.on_arrival(seen.append, environ={})
    arrival._handle_custom_msg({"arrived": KEY}, [])  # what anywidget's model.send delivers
    assert [v.owner for v in seen] == [f"browser:{KEY}"]


@pytest.mark.parametrize("key", [None, "", "local", "../../etc", KEY.upper(), KEY + "0", 5])
def test_a_malformed_browser_key_is_ignored(key):
    seen = []
    arrival = identity.on_arrival(seen.append, environ={})
    assert arrival.arrive(key) is None and seen == []
    with pytest.raises(ValueError):
        identity.browser_visitor(key)


def test_two_browsers_are_two_owners():
    a = identity.browser_visitor("a" * 32)
    b = identity.browser_visitor("b" * 32)
    assert a.owner != b.owner


@pytest.mark.parametrize(
    "groups, role, schools, owner",
    [
        (["school-S05", "role-school-lead"], "school_lead", ("S05",), "school:S05"),
        (["school-S05"], "colleague", ("S05",), "school:S05"),
        (["school-S07", "school-S05"], "colleague", ("S05", "S07"), "school:S05"),
        (["role-network-lead"], "network_lead", (), "user:ann"),
        (["role-network-lead", "school-S05"], "network_lead", ("S05",), "user:ann"),
        (["role-researcher"], "researcher", (), "user:ann"),
        (["role-school-lead"], "member", (), "user:ann"),  # a lead of no school yet
        ([], "member", (), "user:ann"),
        (["school-../x", "school-"], "member", (), "user:ann"),  # not school ids
    ],
)
def test_roles_and_schools_come_from_hub_groups(groups, role, schools, owner):
    assert identity.visitor_from_groups("ann", groups) == Visitor("ann", role, schools, owner)


def test_a_user_name_the_store_cannot_spell_gets_a_stable_owner():
    a = identity.visitor_from_groups("ann smith/..", [])
    assert (
        a.owner.startswith("user:")
        and a.owner == identity.visitor_from_groups("ann smith/..", []).owner
    )


def test_on_a_hub_only_the_visitors_own_schools_pass():
    lead = identity.visitor_from_groups("ann", ["school-S05", "role-school-lead"])
    assert lead.check_school("S05") == "S05" and lead.owner_for("S05") == "school:S05"
    for other in ("S06", "S05 ", "../S05", None, 5):
        with pytest.raises(Refused):
            lead.check_school(other)
    # a personal server holds the whole survey file: any school may be chosen
    assert identity.LOCAL.check_school("S06") == "S06"


class FakeHub(BaseHTTPRequestHandler):
    """The hub's REST API, as far as the identity asks it: GET /users/NAME."""

    users = {"ann": ["school-S05", "role-school-lead"], "bob": ["school-S06"]}
    token = "server-token"

    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        if self.headers.get("Authorization") != f"token {self.token}" or name not in self.users:
            self.send_response(403)
            self.end_headers()
            return
        body = json.dumps({"name": name, "groups": self.users[name]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def hub():
    server = HTTPServer(("127.0.0.1", 0), FakeHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hub/api"
    server.shutdown()
    server.server_close()


def test_on_a_hub_the_visitor_is_the_servers_owner_whatever_the_page_sends(hub):
    env = {
        "JUPYTERHUB_USER": "ann",
        "JUPYTERHUB_API_URL": hub,
        "JUPYTERHUB_API_TOKEN": FakeHub.token,
    }
    seen = []
    arrival = identity.on_arrival(seen.append, environ=env)
    assert seen == []
    arrival.arrive("b" * 32)  # the browser's key means nothing on a hub
    assert seen == [Visitor("ann", "school_lead", ("S05",), "school:S05")]


def test_a_hub_that_refuses_gives_no_school(hub):
    env = {"JUPYTERHUB_USER": "ann", "JUPYTERHUB_API_URL": hub, "JUPYTERHUB_API_TOKEN": "wrong"}
    assert identity.hub_visitor(env) == Visitor("ann", "member", (), "user:ann")
