"""dashboards.hub without a running hub: the network file, groups, pages per role, config."""

from __future__ import annotations

import json
import stat

import bcrypt
import pytest
from traitlets.config import Config

from dashboards import hub, identity, server
from bundle_helpers import manifest_only_bundle


@pytest.fixture
def network(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "BCRYPT_ROUNDS", 4)  # the cheapest: these passwords guard nothing
    folder = tmp_path / "hub"
    hub.init(folder, "Nia", password="nia-secret-1")
    hub.add_school(folder, "S01", ["ann"], ["cat"], passwords={"ann": "ann-secret-1"})
    hub.add_school(folder, "S02", ["bob"])
    hub.add_researcher(folder, "rhys")
    return folder


def test_accounts_keep_only_password_hashes(network):
    text = (network / hub.NETWORK_FILE).read_text()
    assert "ann-secret-1" not in text and "nia-secret-1" not in text
    accounts = json.loads(text)["accounts"]
    assert set(accounts) == {"nia", "ann", "cat", "bob", "rhys"}  # names lower-cased
    assert bcrypt.checkpw(b"ann-secret-1", accounts["ann"].encode())
    assert stat.S_IMODE((network / hub.NETWORK_FILE).stat().st_mode) == 0o600


def test_a_second_add_gives_no_new_password(network):
    assert hub.add_school(network, "S01", ["ann"]) == {}
    assert set(hub.add_school(network, "S01", colleagues=["dee"])) == {"dee"}


def test_groups_are_the_roles_identity_reads(network):
    groups = hub.groups(hub.read_network(network))
    assert groups == {
        "role-network-lead": ["nia"],
        "role-school-lead": ["ann", "bob"],
        "role-researcher": ["rhys"],
        "school-S01": ["ann", "cat"],
        "school-S02": ["bob"],
    }
    member_of = {}
    for group, users in groups.items():
        for user in users:
            member_of.setdefault(user, []).append(group)
    assert identity.visitor_from_groups("cat", member_of["cat"]).owner == "school:S01"
    assert identity.visitor_from_groups("bob", member_of["bob"]).role == "school_lead"


@pytest.mark.parametrize("school", ["../S01", "S 01", "", "S01/..", "x" * 65])
def test_a_bad_school_id_is_refused(network, school):
    with pytest.raises(hub.NetworkError, match="not a school id"):
        hub.add_school(network, school, ["eve"])


@pytest.mark.parametrize("name", ["", "ann smith", "../x", "a/b"])
def test_a_bad_user_name_is_refused(network, name):
    with pytest.raises(hub.NetworkError, match="not a user name"):
        hub.add_researcher(network, name)


def test_a_network_is_made_once(network):
    with pytest.raises(hub.NetworkError, match="already here"):
        hub.init(network, "someone")


def _bundle(folder, school=None):
    manifest_only_bundle(folder, school and {"label": "School A"})


def test_pages_per_role_before_and_after_publishing(network):
    lead = identity.visitor_from_groups("ann", ["school-S01", "role-school-lead"])
    nia = identity.visitor_from_groups("nia", ["role-network-lead"])
    member = identity.visitor_from_groups("zed", [])
    researcher = identity.visitor_from_groups("rhys", ["role-researcher"])
    # nothing published: no page reads a survey but the researcher's
    mine = [p for p in ("planner", "manager") if (server.DASHBOARDS_DIR / f"{p}.ipynb").exists()]
    assert hub.pages_for(lead, network) == (["index", *mine], None)
    assert hub.pages_for(member, network) == (["index"], None)
    pages, bundle = hub.pages_for(researcher, network)
    assert bundle is None and {"subjects", "my_school", "planner"} <= set(pages)
    _bundle(network / "bundles" / "network")
    _bundle(network / "bundles" / "school-S01", school="S01")
    pages, bundle = hub.pages_for(lead, network)
    assert bundle == network / "bundles" / "school-S01"
    assert pages == [
        "index",
        "subjects",
        "careers",
        "enrichment",
        "gender_gaps",
        "waves",
        "my_school",
        *mine,
    ]
    bob = identity.visitor_from_groups("bob", ["school-S02", "role-school-lead"])
    pages, bundle = hub.pages_for(bob, network)  # S02 has no bundle of its own yet
    assert bundle == network / "bundles" / "network" and "my_school" not in pages
    assert hub.pages_for(nia, network)[0][-len(mine) - 1 :] == [*mine, "network"]
    assert "planner" not in hub.pages_for(member, network)[0]


def test_the_hub_configuration(network, monkeypatch, tmp_path):
    proxy = tmp_path / "configurable-http-proxy"
    proxy.write_text("#!/bin/sh\n")
    monkeypatch.setenv(hub.PROXY_VARIABLE, str(proxy))
    c = Config()
    hub.configure(c, network, port=18000)
    assert c.JupyterHub.bind_url == "http://127.0.0.1:18000"
    assert c.ConfigurableHTTPProxy.command == [str(proxy)]
    assert c.Authenticator.admin_users == {"nia"}
    assert c.NativeAuthenticator.enable_signup is False
    assert c.JupyterHub.load_groups["school-S01"] == {"users": ["ann", "cat"]}
    assert c.Spawner.cmd[-2:] == ["dashboards.hub", "singleuser"]
    assert "read:users:groups!user" in c.Spawner.server_token_scopes


def test_the_users_server_is_hardened_voila(network, tmp_path, monkeypatch):
    monkeypatch.setattr(
        identity,
        "hub_visitor",
        lambda environ: identity.visitor_from_groups("ann", ["school-S01", "role-school-lead"]),
    )
    root, ipython = tmp_path / "root", tmp_path / "ipython"
    root.mkdir()
    environ = {
        "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:45678/user/ann/",
        "JUPYTERHUB_SERVICE_PREFIX": "/user/ann/",
        "KS3_HUB_DIR": str(network),
        "JUPYTERHUB_USER": "ann",
        "JUPYTERHUB_API_URL": "http://127.0.0.1:1/hub/api",
    }
    argv, env = hub.singleuser_command(environ, root, ipython)
    assert {p.name for p in root.iterdir()} <= {"index.ipynb", "planner.ipynb", "manager.ipynb"}
    assert {"index.ipynb", "planner.ipynb"} <= {p.name for p in root.iterdir()}
    assert "--port=45678" in argv and "--Voila.base_url=/user/ann/" in argv
    assert "--Voila.identity_provider_class=dashboards.hub_auth.OwnerOnlyIdentityProvider" in argv
    assert "--VoilaConfiguration.file_denylist=['.*']" in argv
    assert env["KS3_STORE"] == str(network / "store.sqlite") and "KS3_BUNDLE" not in env


def test_a_members_home_page_links_the_planner_on_a_hub(tmp_path):
    from dashboards import home

    for name in ("index", "subjects", "planner"):
        (tmp_path / f"{name}.ipynb").write_text("{}")
    on_hub = {"KS3_BUNDLE": "/b", "JUPYTERHUB_USER": "ann"}
    assert [d[0] for d in home.shown(on_hub, tmp_path)] == ["subjects.ipynb", "planner.ipynb"]
    assert "planner.ipynb" not in [d[0] for d in home.shown({"KS3_BUNDLE": "/b"}, tmp_path)]
