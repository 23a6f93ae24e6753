"""A network of schools on one JupyterHub: each person signs in and sees only their own.

One folder (the **hub folder**) holds everything of a network's hub:
``network.json`` (the schools, who leads them, their colleagues, the
researchers, and each account's first password as a bcrypt hash), the hub's
own database and secret, the plans' store (``store.sqlite``), the publication
bundles (``bundles/network`` and ``bundles/school-ID``) and each user's
server's home. ``scripts/hub`` runs the commands below.

Commands (``python -m dashboards.hub COMMAND HUB_FOLDER ...``)::

    init DIR --lead NAME [--port 8000]       a new network; NAME is its network lead
    add-school DIR ID --lead NAME [--colleague NAME ...]
    add-researcher DIR NAME
    publish DIR FILE... [--codebook F]       the network's bundle and each school's
    start DIR                                run the hub (Ctrl+C stops it)

Each new account is printed with a first password, once; the person changes it
at ``/hub/change-password`` after signing in. After ``add-school`` or
``add-researcher``, restart the hub (``start``) so it knows the new groups.

Roles are hub groups (:data:`dashboards.identity.GROUPS`): the network lead is
``role-network-lead`` and the hub's admin (the admin pages: users, groups,
servers); a school's members are ``school-ID``, its leads also
``role-school-lead``; researchers ``role-researcher``.

What each user's server serves (:func:`pages_for`), as a standalone Voilà
that only its owner can open (:mod:`dashboards.hub_auth`) with the hardened
settings of a published server (:func:`dashboards.server.published_command`:
no code execution, no JupyterLab, no contents, kernels or terminals API, no
file served, sources stripped, tracebacks in the log only):

* a school lead or colleague: the network's dashboards and My school from
  their school's bundle (``publish --school``: their school against the
  others, disclosure-controlled; never a pupil row), and the STEM Planner
  with their school's plans (shared with their colleagues only). A member of
  several schools starts on the first and chooses among their own schools on
  each page once they arrive (:mod:`dashboards.schools`): My school among
  those published, the Planner's plans and the Manager's reviews among all;
* the network lead: the network's dashboards, the Planner and the Manager (their
  own), and the network view (:mod:`dashboards.network`: every member school's plan
  and review side by side), which no one else's server has;
* a researcher: every dashboard on the survey files (pupil level);
* anyone else signed in: the network's dashboards.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from analysis import settings
from analysis.manifest import read_manifest
from analysis.store import STORE_VARIABLE

from . import identity, pages, schools, server

NETWORK_FILE = "network.json"
STORE_FILE = "store.sqlite"
BUNDLES = schools.BUNDLES
NETWORK_BUNDLE = schools.NETWORK_BUNDLE
#: The Voilà page a user lands on after signing in.
HOME = "/voila/render/index.ipynb"
#: Pages of a network member who is not a researcher (besides the public ones).
#: (Pages not in this checkout, e.g. the Manager before it is merged, are left out.)
SCHOOL_PAGES = pages.SCHOOL_PAGES
PLANNER_PAGES = pages.PLANNER_PAGES
#: Pages of the network lead only (:mod:`dashboards.network`), kept in a folder of their
#: own so that no other server serves them: only the lead's server gets a copy.
NETWORK_LEAD_PAGES = ("network",)
LEAD_PAGES_DIR = server.DASHBOARDS_DIR / "lead"
#: Seconds a user's server has to start and to answer (a loaded 2-core machine is slow).
START_TIMEOUT = 180
#: bcrypt's cost for first passwords (NativeAuthenticator's own is 12 too).
BCRYPT_ROUNDS = 12
#: configurable-http-proxy, as scripts/setup-env.sh installs it (npm) into the venv.
PROXY_VARIABLE = settings.HUB_PROXY


class NetworkError(ValueError):
    """A hub command that cannot be done as asked (the message says what to do)."""


# ------------------------------------------------------------------ the network file


def read_network(folder: Path) -> dict:
    path = Path(folder) / NETWORK_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NetworkError(
            f"{path}: no network here. Make one with `scripts/hub init FOLDER --lead NAME`."
        ) from None


def write_network(folder: Path, network: dict) -> None:
    path = Path(folder) / NETWORK_FILE
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(network, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.chmod(partial, 0o600)
    partial.replace(path)


def _check_name(name: str) -> str:
    name = name.strip().lower()
    if not identity._USER_NAME.match(name) or name != name.strip("."):
        raise NetworkError(f"{name!r} is not a user name: use letters, digits and . _ - @ +.")
    return name


def _add_account(network: dict, name: str, password: str | None = None) -> str | None:
    """Give ``name`` an account with a first password; return it (``None``: already one)."""
    import bcrypt

    if name in network["accounts"]:
        return None
    password = password or secrets.token_urlsafe(9)
    network["accounts"][name] = bcrypt.hashpw(
        password.encode(), bcrypt.gensalt(BCRYPT_ROUNDS)
    ).decode()
    return password


def init(folder: Path, lead: str, port: int = 8000, password: str | None = None) -> str:
    """A new network in ``folder`` led by ``lead``; returns the lead's first password."""
    folder = Path(folder)
    if (folder / NETWORK_FILE).exists():
        raise NetworkError(f"{folder / NETWORK_FILE}: a network is already here.")
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    lead = _check_name(lead)
    network = {"lead": lead, "port": int(port), "schools": {}, "researchers": [], "accounts": {}}
    first = _add_account(network, lead, password)
    write_network(folder, network)
    return first


def add_school(
    folder: Path, school: str, leads=(), colleagues=(), passwords: dict | None = None
) -> dict[str, str]:
    """Add a school (or people to it); returns ``{new user: first password}``."""
    if not identity.SCHOOL_ID.match(school):
        raise NetworkError(
            f"{school!r} is not a school id: use letters, digits and . _ -, "
            "as in the survey's school_id column."
        )
    network = read_network(folder)
    entry = network["schools"].setdefault(school, {"leads": [], "colleagues": []})
    new = {}
    for kind, names in (("leads", leads), ("colleagues", colleagues)):
        for name in map(_check_name, names):
            if name not in entry[kind]:
                entry[kind].append(name)
            first = _add_account(network, name, (passwords or {}).get(name))
            if first:
                new[name] = first
    write_network(folder, network)
    return new


def add_researcher(folder: Path, name: str, password: str | None = None) -> dict[str, str]:
    network = read_network(folder)
    name = _check_name(name)
    if name not in network["researchers"]:
        network["researchers"].append(name)
    first = _add_account(network, name, password)
    write_network(folder, network)
    return {name: first} if first else {}


def groups(network: dict) -> dict[str, list[str]]:
    """The hub groups of the network (:data:`dashboards.identity.GROUPS`)."""
    out = {
        identity.GROUPS["network_lead"]: [network["lead"]],
        identity.GROUPS["school_lead"]: sorted(
            {n for s in network["schools"].values() for n in s["leads"]}
        ),
        identity.GROUPS["researcher"]: sorted(network["researchers"]),
    }
    for school, entry in sorted(network["schools"].items()):
        out[identity.SCHOOL_GROUP_PREFIX + school] = sorted(
            set(entry["leads"]) | set(entry["colleagues"])
        )
    return out


# ------------------------------------------------------------------ what a user's server serves


def bundle_for(visitor: identity.Visitor, folder: Path) -> Path | None:
    """The bundle a member's pages start with: the first of their schools' that is
    published, else the network's, if published. A member of several schools chooses
    among their published schools on the page (:mod:`dashboards.schools`)."""
    own = schools.published_schools(visitor, folder)
    if own:
        return own[visitor.school] if visitor.school in own else next(iter(own.values()))
    network = Path(folder) / BUNDLES / NETWORK_BUNDLE
    return network if (network / "manifest.json").exists() else None


def pages_for(visitor: identity.Visitor, folder: Path) -> tuple[list[str], Path | None]:
    """(notebook names, bundle or None) a user's server serves; see the module docstring.

    Before the network lead has published, members get the Planner only (and
    the home page): no page reads pupil rows but a researcher's.
    """
    if visitor.role == "researcher":
        return [pages.HOME_NOTEBOOK, *(p.name for p in pages.PAGES)], None
    bundle = bundle_for(visitor, folder)
    own = {
        "school_lead": SCHOOL_PAGES,
        "colleague": SCHOOL_PAGES,
        "network_lead": (*PLANNER_PAGES, *NETWORK_LEAD_PAGES),
    }.get(visitor.role, ())
    public = list(server.PUBLIC_NOTEBOOKS) if bundle is not None else ["index"]
    if bundle is None:
        own = tuple(p for p in own if p in (*PLANNER_PAGES, *NETWORK_LEAD_PAGES))
    elif server.SCHOOL_NOTEBOOK in own and not read_manifest(bundle).get("school"):
        own = tuple(p for p in own if p != server.SCHOOL_NOTEBOOK)
    own = tuple(p for p in own if notebook_path(p).exists())
    return [*public, *own], bundle


def notebook_path(name: str) -> Path:
    """Where the notebook of page ``name`` is kept (:data:`NETWORK_LEAD_PAGES` apart)."""
    folder = LEAD_PAGES_DIR if name in NETWORK_LEAD_PAGES else server.DASHBOARDS_DIR
    return folder / f"{name}.ipynb"


def _dashboards():
    from .home import DASHBOARDS

    return DASHBOARDS


def singleuser_command(
    environ: dict[str, str], root: Path, ipython_dir: Path
) -> tuple[list[str], dict[str, str]]:
    """The argv and environment of a user's Voilà, started by the hub's spawner.

    Copies the user's notebooks (:func:`pages_for`) into the empty folder ``root``.
    """
    url = urlparse(environ["JUPYTERHUB_SERVICE_URL"])
    prefix = environ["JUPYTERHUB_SERVICE_PREFIX"]
    folder = Path(environ[settings.HUB_DIR])
    visitor = identity.hub_visitor(environ)
    notebooks, bundle = pages_for(visitor, folder)
    for name in notebooks:
        shutil.copyfile(notebook_path(name), root / f"{name}.ipynb")
    server.prepare_kernel_profile(ipython_dir)
    argv = server.published_command(
        url.port,
        root,
        ip=url.hostname or "127.0.0.1",
        preheat=0,
        max_kernels=8,
        extra=[
            f"--Voila.base_url={prefix}",
            "--Voila.identity_provider_class=dashboards.hub_auth.OwnerOnlyIdentityProvider",
        ],
    )
    if bundle is not None:
        env = server.published_env(bundle, environ, ipython_dir)
    else:
        env = server.published_env(Path(root), environ, ipython_dir)
        env.pop(server.BUNDLE_VARIABLE)
        if visitor.role == "researcher":  # the network's survey files, pupil level
            survey = read_network(folder).get("survey", {})
            env[settings.SURVEY_FILES] = os.pathsep.join(survey.get("files", []))
            env[settings.SURVEY_CODEBOOK] = survey.get("codebook") or ""
    env[STORE_VARIABLE] = str(folder / STORE_FILE)
    return argv, env


def singleuser(environ: dict[str, str] | None = None) -> int:
    """Run a user's Voilà in the foreground (the hub's ``Spawner.cmd``)."""
    environ = dict(os.environ if environ is None else environ)
    root = Path(tempfile.mkdtemp(prefix="ks3-hub-pages-"))
    ipython_dir = Path(tempfile.mkdtemp(prefix="ks3-hub-ipython-"))
    try:
        argv, env = singleuser_command(environ, root, ipython_dir)
        process = subprocess.Popen(argv, cwd=root, env=env)
        import signal

        signal.signal(signal.SIGTERM, lambda *_: process.terminate())
        return process.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(ipython_dir, ignore_errors=True)


# ------------------------------------------------------------------ the hub's configuration


def proxy_command() -> str:
    """configurable-http-proxy: ``KS3_HUB_PROXY``, the venv's (scripts/setup-env.sh), or PATH."""
    named = os.environ.get(PROXY_VARIABLE, "").strip()
    venv = Path(sys.prefix) / "hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
    for candidate in (named, str(venv), shutil.which("configurable-http-proxy") or ""):
        if candidate and Path(candidate).exists():
            return candidate
    raise NetworkError(
        "configurable-http-proxy is not installed: run scripts/hub (it "
        "installs it with npm), or set KS3_HUB_PROXY to its path."
    )


def configure(
    c,
    folder: Path,
    *,
    port: int | None = None,
    hub_port: int | None = None,
    proxy_port: int | None = None,
) -> None:
    """Fill JupyterHub's configuration ``c`` for the network in ``folder``.

    Called by the ``jupyterhub_config.py`` that :func:`start` writes. Ports:
    the public one from ``network.json`` (or ``port``), the hub's API and the
    proxy's API on loopback (``hub_port``, ``proxy_port`` in ``network.json``,
    else the next two ports) unless given.
    """
    folder = Path(folder).resolve()
    network = read_network(folder)
    port = port or network["port"]
    hub_port = hub_port or network.get("hub_port") or port + 1
    proxy_port = proxy_port or network.get("proxy_port") or port + 2
    c.JupyterHub.bind_url = f"http://{network.get('ip', '127.0.0.1')}:{port}"
    c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{hub_port}"
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{proxy_port}"
    c.ConfigurableHTTPProxy.command = [proxy_command()]
    c.ConfigurableHTTPProxy.should_start = True
    c.JupyterHub.db_url = f"sqlite:///{folder / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(folder / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(folder / "jupyterhub.pid")
    c.ConfigurableHTTPProxy.pid_file = str(folder / "proxy.pid")
    c.JupyterHub.cleanup_servers = True
    c.JupyterHub.load_groups = {name: {"users": users} for name, users in groups(network).items()}
    # sign-in: accounts the network lead made (network.json); no one signs up on their own
    c.JupyterHub.authenticator_class = "dashboards.hub.NetworkAuthenticator"
    c.NetworkAuthenticator.network_folder = str(folder)
    c.NativeAuthenticator.enable_signup = False
    c.Authenticator.admin_users = {network["lead"]}
    c.Authenticator.allowed_users = set(network["accounts"])
    # each user's server: standalone Voilà serving this project's pages (pages_for)
    c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
    c.SimpleLocalProcessSpawner.home_dir_template = str(folder / "users" / "{username}")
    c.Spawner.cmd = [sys.executable, "-m", "dashboards.hub", "singleuser"]
    c.Spawner.default_url = HOME
    c.Spawner.environment = {settings.HUB_DIR: str(folder)}
    c.Spawner.server_token_scopes = [
        "access:servers!server",
        "users:activity!user",
        "read:users:name!user",
        "read:users:groups!user",
    ]
    c.Spawner.start_timeout = START_TIMEOUT
    c.Spawner.http_timeout = START_TIMEOUT
    c.JupyterHub.template_vars = {
        "announcement_login": network.get(
            "welcome", "Sign in with the account your network lead gave you."
        )
    }


CONFIG = """\
# Written by `python -m dashboards.hub start`; edit network.json, not this file.
from pathlib import Path
from dashboards.hub import configure
configure(c, Path(__file__).parent)  # noqa: F821
"""


def start(folder: Path, extra: list[str] | None = None) -> int:
    """Run the hub for the network in ``folder`` in the foreground."""
    folder = Path(folder).resolve()
    read_network(folder)
    proxy_command()
    config = folder / "jupyterhub_config.py"
    config.write_text(CONFIG, encoding="utf-8")
    hub = shutil.which("jupyterhub", path=str(Path(sys.executable).parent)) or "jupyterhub"
    os.chdir(folder)
    # the hub replaces this process: a service manager's SIGTERM reaches it, and it then
    # stops every user's server and the proxy it started
    os.execv(hub, [hub, "-f", str(config), *(extra or [])])


def _authenticator_class():
    from nativeauthenticator import NativeAuthenticator
    from nativeauthenticator.orm import UserInfo
    from traitlets import Unicode

    class NetworkAuthenticator(NativeAuthenticator):
        """NativeAuthenticator whose accounts are the network's (``network.json``).

        An account in ``network.json`` is created (authorised, with its first
        password) the first time anyone signs in; from then on its password is
        the one its owner set (``/hub/change-password``).
        """

        network_folder = Unicode(config=True, help="The hub folder holding network.json.")

        def _sync_accounts(self) -> None:
            accounts = read_network(Path(self.network_folder))["accounts"]
            added = False
            for name, hashed in accounts.items():
                if UserInfo.find(self.db, name) is None:
                    self.db.add(
                        UserInfo(username=name, password=hashed.encode(), is_authorized=True)
                    )
                    added = True
            if added:
                self.db.commit()

        async def authenticate(self, handler, data):
            self._sync_accounts()
            return await super().authenticate(handler, data)

    return NetworkAuthenticator


_AUTHENTICATOR = []


def __getattr__(name):  # the authenticator needs the hub's packages: made when asked for
    if name == "NetworkAuthenticator":
        if not _AUTHENTICATOR:
            _AUTHENTICATOR.append(_authenticator_class())
        return _AUTHENTICATOR[0]
    raise AttributeError(name)


class HubServer:
    """A hub for ``folder`` in a subprocess on free loopback ports (for tests and bench/).

    ``with HubServer(folder) as hub: hub.url``; starting waits until the hub
    answers and raises ``RuntimeError`` with its log if it does not.
    """

    def __init__(self, folder: Path, timeout: float = 120):
        self.folder = Path(folder).resolve()
        self.timeout = timeout
        network = read_network(self.folder)
        network["port"], network["hub_port"], network["proxy_port"] = (
            server.free_port() for _ in range(3)
        )
        write_network(self.folder, network)
        self.url = f"http://127.0.0.1:{network['port']}"
        self.log = self.folder / "hub.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "HubServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        import time
        import urllib.request

        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "dashboards.hub", "start", str(self.folder)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the hub exited ({self.process.returncode}):\n"
                    + self.log.read_text(errors="replace")
                )
            try:  # 200 once the hub's route is in the proxy (404 before)
                with urllib.request.urlopen(self.url + "/hub/health", timeout=2):
                    return
            except OSError:  # urllib.error.HTTPError included
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(
            f"the hub did not answer on {self.url}:\n" + self.log.read_text(errors="replace")
        )

    def stop(self) -> None:
        """SIGTERM the hub (it stops the users' servers and the proxy it started); then
        make sure nothing it started is left (its process group, and the users' servers,
        each in a session of its own, found by their prefix in the hub's folder)."""
        import signal

        if self.process is None:
            return
        server.stop_process(self.process, timeout=60)
        groups = {self.process.pid, *self._user_groups()}
        try:  # the proxy runs in a session of its own: ours if it serves our port
            pid = int((self.folder / "proxy.pid").read_text().strip())
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if (
                b"--port" in argv
                and argv[argv.index(b"--port") + 1] == self.url.rsplit(":", 1)[1].encode()
            ):
                groups.add(os.getpgid(pid))
        except (OSError, ValueError, IndexError, ProcessLookupError):
            pass
        for pgid in groups:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def _user_groups(self) -> set[int]:
        """Process groups of processes whose environment names this hub's folder."""
        found = set()
        marker = f"{settings.HUB_DIR}={self.folder}".encode()
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                if marker in (proc / "environ").read_bytes().split(b"\0"):
                    found.add(os.getpgid(int(proc.name)))
            except (OSError, ProcessLookupError):
                continue
        return found


# ------------------------------------------------------------------ the command line


def _print_accounts(new: dict[str, str]) -> None:
    for name, password in new.items():
        print(
            f"  account {name}: first password {password} (give it to them; they change "
            "it at /hub/change-password)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/hub", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init", help="a new network")
    p.add_argument("folder", type=Path)
    p.add_argument("--lead", required=True, help="the network lead's user name")
    p.add_argument("--port", type=int, default=8000)
    p = sub.add_parser("add-school", help="a school, its leads and colleagues")
    p.add_argument("folder", type=Path)
    p.add_argument("school", help="the school's id, as in the survey's school_id column")
    p.add_argument("--lead", action="append", default=[])
    p.add_argument("--colleague", action="append", default=[])
    p = sub.add_parser("add-researcher", help="a researcher (pupil-level dashboards)")
    p.add_argument("folder", type=Path)
    p.add_argument("name")
    p = sub.add_parser("publish", help="the network's bundle and each school's")
    p.add_argument("folder", type=Path)
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--codebook", type=Path)
    p = sub.add_parser("start", help="run the hub")
    p.add_argument("folder", type=Path)
    sub.add_parser("singleuser", help="(run by the hub) one user's dashboards server")
    args = parser.parse_args(argv)
    try:
        if args.command == "init":
            first = init(args.folder, args.lead, args.port)
            print(f"A network in {args.folder}, led by {args.lead}.")
            _print_accounts({args.lead: first})
            print("Next: add schools (add-school), publish the survey (publish), start.")
        elif args.command == "add-school":
            _print_accounts(add_school(args.folder, args.school, args.lead, args.colleague))
            print(f"School {args.school} is in the network; restart the hub to apply.")
        elif args.command == "add-researcher":
            _print_accounts(add_researcher(args.folder, args.name))
            print("Restart the hub to apply.")
        elif args.command == "publish":
            return publish(args.folder, args.files, args.codebook)
        elif args.command == "start":
            return start(args.folder)
        elif args.command == "singleuser":
            return singleuser()
    except NetworkError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def publish(folder: Path, files: list[Path], codebook: Path | None = None) -> int:
    """The network's bundle and one per school (``analysis publish``), replacing the old ones."""
    folder = Path(folder).resolve()
    network = read_network(folder)
    files = [Path(f).resolve() for f in files]
    network["survey"] = {
        "files": [str(f) for f in files],
        "codebook": str(Path(codebook).resolve()) if codebook else "",
    }
    common = [
        sys.executable,
        "-m",
        "analysis",
        "publish",
        *map(str, files),
        *(["--codebook", str(codebook)] if codebook else []),
    ]
    targets = [(NETWORK_BUNDLE, [])] + [
        (f"school-{s}", ["--school", s]) for s in sorted(network["schools"])
    ]
    for name, more in targets:
        out = folder / BUNDLES / name
        fresh = out.with_name(name + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        print(f"==> {name}", flush=True)
        code = subprocess.call([*common, "--out", str(fresh), *more])
        if code:
            shutil.rmtree(fresh, ignore_errors=True)
            return code
        shutil.rmtree(out, ignore_errors=True)
        fresh.replace(out)
    write_network(folder, network)
    return 0


if __name__ == "__main__":
    sys.exit(main())
