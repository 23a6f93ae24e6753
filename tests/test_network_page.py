"""The network lead's page (dashboards.network) without a browser: the view for the
network lead, a refusal for everyone else, whatever the browser sends."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from test_network import IN_PLACE, plans, review

from analysis.manager import files as review_files
from analysis.planner import files as plan_files
from analysis.store import STORE_VARIABLE, Store
from dashboards import hub, identity
from dashboards import network as network_page

NIA = identity.visitor_from_groups("nia", ["role-network-lead"])
OTHERS = {
    "school lead": identity.visitor_from_groups("ann", ["school-S01", "role-school-lead"]),
    "colleague": identity.visitor_from_groups("cat", ["school-S01"]),
    "researcher": identity.visitor_from_groups("rhys", ["role-researcher"]),
    "member": identity.visitor_from_groups("zed", []),
    "personal server": identity.browser_visitor("a" * 32),
}


@pytest.fixture
def store(tmp_path) -> Store:
    """S01 and S02 with plans and reviews (tests/test_network.py), S04 a review only."""
    found = Store(tmp_path / "store.sqlite")
    for school, plan in plans().items():
        found.save(
            "plan",
            f"school:{school}",
            "STEM plan",
            json.loads(plan_files.plan_to_json(plan)),
            expected=None,
        )
    for school in IN_PLACE:
        r = review(school)
        found.save(
            "review", f"school:{school}", r.name, review_files.review_document(r), expected=None
        )
    return found


def _text(widget) -> str:
    if hasattr(widget, "children"):
        return "\n".join(_text(child) for child in widget.children)
    return str(getattr(widget, "value", ""))


def test_the_network_lead_sees_every_school_side_by_side(store):
    from manager_helpers import small_framework

    shown = _text(
        network_page.content_for(NIA, store, ["S01", "S02", "S03", "S04", "S05"], small_framework())
    )
    assert "5 member schools: 3 with a STEM plan, 3 with a Manager review." in shown
    assert (
        "Thin year groups (pupil activity in fewer than half of the schools with a plan): "
        "Year 8 (1 of 3)." in shown
    )
    for school in ("S01", "S02", "S03", "S04", "S05"):
        assert f'<th scope="row">{school}</th>' in shown
    assert "<caption>Each school&#x27;s latest plan and review" in shown
    assert "S01 has 2 of 3 Alpha actions in place (67%); S02 has 0 of 3 (0%)." in shown
    assert '<th scope="row">Alpha</th><td>3</td><td>33%</td>' in shown  # weakest theme first


@pytest.mark.parametrize("who", list(OTHERS))
def test_anyone_else_is_refused_and_sees_no_school(store, who):
    shown = _text(network_page.content_for(OTHERS[who], store, ["S01", "S02"]))
    assert network_page.REFUSAL.split(":")[0] in shown.replace("&#x27;", "'")
    assert "S01" not in shown and "S02" not in shown and "Side by side" not in shown


def test_a_crafted_message_does_not_make_a_school_lead_the_network_lead(store, monkeypatch):
    """On a hub the page asks the hub who is looking; what the browser sends (here a
    message claiming the network lead's role and both schools) changes nothing."""
    monkeypatch.setenv("JUPYTERHUB_USER", "ann")
    monkeypatch.setenv("JUPYTERHUB_API_URL", "http://127.0.0.1:1/hub/api")
    monkeypatch.setenv(STORE_VARIABLE, str(store._path))
    monkeypatch.setattr(identity, "hub_visitor", lambda environ=None: OTHERS["school lead"])
    page = network_page.build()
    arrival = next(w for w in page.children if isinstance(w, identity.Arrival))
    arrival._handle_custom_msg(
        {
            "arrived": "b" * 32,
            "role": "network_lead",
            "schools": ["S01", "S02"],
            "owner": "user:nia",
        },
        [],
    )
    shown = _text(page)
    assert "Not for you" in shown and "S02" not in shown and "Side by side" not in shown
    arrival._handle_custom_msg({"arrived": "c" * 32}, [])  # a second message: still ann
    assert "Not for you" in _text(page)


def test_the_members_come_from_the_hubs_network_file(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "BCRYPT_ROUNDS", 4)
    folder = tmp_path / "hub"
    hub.init(folder, "nia", password="x" * 12)
    hub.add_school(folder, "S02", ["bob"], passwords={"bob": "y" * 12})
    hub.add_school(folder, "S01", ["ann"], passwords={"ann": "z" * 12})
    assert network_page.member_schools({"KS3_HUB_DIR": str(folder)}) == ["S01", "S02"]
    assert network_page.member_schools({}) is None


def test_only_the_network_leads_server_has_the_page(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "BCRYPT_ROUNDS", 4)
    folder = tmp_path / "hub"
    hub.init(folder, "nia", password="x" * 12)
    for visitor in OTHERS.values():
        if visitor.role != "local":
            assert "network" not in hub.pages_for(visitor, folder)[0]
    assert hub.pages_for(NIA, folder)[0][-1] == "network"
    assert hub.notebook_path("network").exists()
    assert not (hub.server.DASHBOARDS_DIR / "network.ipynb").exists()  # never served as is
    root = tmp_path / "root"
    root.mkdir()
    monkeypatch.setattr(identity, "hub_visitor", lambda environ: NIA)
    hub.singleuser_command(
        {
            "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:45678/user/nia/",
            "JUPYTERHUB_SERVICE_PREFIX": "/user/nia/",
            "KS3_HUB_DIR": str(folder),
            "JUPYTERHUB_USER": "nia",
            "JUPYTERHUB_API_URL": "http://127.0.0.1:1/hub/api",
        },
        root,
        tmp_path / "ipython",
    )
    assert (root / "network.ipynb").exists()
    from dashboards import home

    listed = [d[0] for d in home.shown({"KS3_BUNDLE": "/b", "JUPYTERHUB_USER": "nia"}, root)]
    assert listed[-1] == "network.ipynb"


def test_the_notebook_runs_and_waits_for_the_visitor():
    path = Path(hub.notebook_path("network"))
    nb = nbformat.read(path, as_version=4)
    assert [c.source for c in nb.cells if c.cell_type == "code"] == [
        "from dashboards import network\n\nnetwork.main()"
    ]
    NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    errors = [
        o
        for c in nb.cells
        for o in c.get("outputs", [])
        if o.output_type == "error" or o.get("name") == "stderr"
    ]
    assert not errors
    models = nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"].values()
    shown = "\n".join(m["state"].get("value", "") for m in models if m["model_name"] == "HTMLModel")
    assert "Opening the network view" in shown and "Side by side" not in shown
