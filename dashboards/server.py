"""How Voilà serves this folder: the one place that says which flags it gets.

``scripts/start``, the browser tests and ``scripts/screenshot.py`` all start
Voilà through :func:`voila_command` (or :class:`VoilaServer`), so they serve
the same pages the same way. Run ``python -m dashboards.server [--port N]`` to
serve in the foreground; the home page is ``/voila/render/index.ipynb``.

Published mode
--------------
``python -m dashboards.server --publish BUNDLE`` (or
``VoilaServer(published=BUNDLE)``) serves the public dashboards on a
publication bundle (``python -m analysis publish``) with the hardened
settings of :func:`published_command`:

- standalone ``voila`` (it refuses every kernel message but the widgets'
  comm messages, so a client cannot run code), serving a folder made at
  start-up that holds only copies of :data:`PUBLIC_NOTEBOOKS` (and
  ``my_school`` when the bundle has a school): no planner or manager, no survey file,
  no bundle file in reach of a URL;
- ``KS3_BUNDLE`` set for the kernels, ``KS3_SURVEY_FILES`` emptied; no upload
  (the page frame offers none on a bundle) and tornado's default websocket
  message cap;
- sources stripped, tracebacks hidden, ``/voila/files`` serving nothing,
  template and theme overrides from the URL or the notebook switched off,
  no configuration file read;
- at most ``max_kernels`` kernels (:class:`CappedKernelManager`: a reader
  over the cap gets a "503: too many readers" page), a reader's kernel shut
  down when they leave the page, idle kernels culled, connected or not, and
  one kernel per notebook preheated;
- the template ``ks3-published`` (``dashboards/templates``): Voilà's lab
  template without its links to public CDNs (Font Awesome; the error and
  tree pages' Font Awesome 4; the mermaid loader), and a
  Content-Security-Policy that lets a page load nothing from another host.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Integer

from analysis import settings
from analysis.manifest import read_manifest

from . import pages

DASHBOARDS_DIR = Path(__file__).resolve().parent
HOME = "/voila/render/index.ipynb"

#: The notebooks a published server serves (``my_school`` only when the bundle names a school).
PUBLIC_NOTEBOOKS = pages.PUBLIC_NOTEBOOKS
SCHOOL_NOTEBOOK = pages.SCHOOL_NOTEBOOK
#: The environment variable naming the bundle (as :data:`dashboards.results.BUNDLE_VARIABLE`).
BUNDLE_VARIABLE = settings.BUNDLE
#: Jupyter data folder holding the published template (``voila/templates/ks3-published``).
TEMPLATES_DIR = DASHBOARDS_DIR / "templates"
PUBLISHED_TEMPLATE = "ks3-published"
#: Files ``/voila/files/`` may serve on a published server: none (the pages need no file;
#: downloads are ``data:`` URIs) ...
PUBLISHED_FILE_ALLOWLIST: tuple[str, ...] = ()
#: ... and, should the allowlist ever grow, everything is still refused by default.
PUBLISHED_FILE_DENYLIST: tuple[str, ...] = (r".*",)
#: What a published page may load: its own server only ('self', and the websocket to it);
#: inline scripts and styles, ``data:`` and ``blob:`` URIs, which Voilà, the widgets and plotly
#: use; no other host.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-ancestors 'self'",
        "form-action 'self'",
        "base-uri 'self'",
    ]
)
#: Defaults of a published server, sized for a 2-core machine with a few GB free.
MAX_KERNELS = 40
CULL_IDLE_SECONDS = 900
CULL_INTERVAL_SECONDS = 60


def voila_command(
    port: int, root: Path = DASHBOARDS_DIR, *, preheat: int = 0, extra: Sequence[str] = ()
) -> list[str]:
    """The argv that starts Voilà on ``127.0.0.1:port`` serving ``root``.

    Sources are stripped and tracebacks hidden (both Voilà's defaults, stated
    here so that no configuration file can turn them back on). ``preheat``:
    keep that many kernels per notebook started and executed ahead of the
    first request (Voilà's ``preheat_kernel``; each holds the data in memory).
    ``extra``: more Voilà arguments, appended last.
    """
    from .upload import WEBSOCKET_MAX_BYTES

    return [
        _voila(),
        str(root),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        # An upload reaches the kernel as one websocket message; tornado's default
        # cap (10 MiB) would drop the connection before the page's own size check
        # can answer. A published (public) server must not allow uploads at all.
        f'--Voila.tornado_settings={{"websocket_max_message_size": {WEBSOCKET_MAX_BYTES}}}',
        *(["--preheat_kernel=True", f"--pool_size={preheat}"] if preheat else []),
        *extra,
    ]


def _voila() -> str:
    return shutil.which("voila", path=str(Path(sys.executable).parent)) or "voila"


def published_command(
    port: int,
    root: Path,
    *,
    ip: str = "127.0.0.1",
    preheat: int = 1,
    max_kernels: int = MAX_KERNELS,
    cull_idle: int = CULL_IDLE_SECONDS,
    cull_interval: int = CULL_INTERVAL_SECONDS,
    extra: Sequence[str] = (),
) -> list[str]:
    """The argv of a published (public, read-only) Voilà server serving ``root``.

    ``root`` is a folder made by :func:`prepare_published_root`; run the
    command with the environment of :func:`published_env`, which names the
    bundle and the template folder.

    Parameters
    ----------
    port : int
        The port to listen on.
    root : Path
        The folder of public notebooks to serve.
    ip : str
        The address to listen on; loopback by default, behind a reverse proxy.
    preheat : int
        Kernels per notebook started and executed ahead of the first reader
        (0: none).
    max_kernels : int
        The most kernels running at once, preheated ones included
        (:class:`CappedKernelManager`); a reader over the cap gets a 503 page.
    cull_idle, cull_interval : int
        Seconds: a kernel idle for ``cull_idle`` is shut down, even with its
        page still open (``cull_connected``); checked every ``cull_interval``.
    extra : sequence of str
        More Voilà arguments, appended last.
    """
    settings = {
        "headers": {"Content-Security-Policy": CONTENT_SECURITY_POLICY},
        # Voilà's page asks the server to shut its kernel down when the reader leaves
        # (POST /voila/api/shutdown/<id>); standalone Voilà sets no XSRF cookie, so
        # jupyter_server refused it and kernels waited for the culler. The POST still
        # has to come from the server's own origin (APIHandler's origin check).
        "disable_check_xsrf": True,
    }
    return [
        _voila(),
        str(root),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--Voila.port_retries=0",
        # no voila.json / jupyter config folder can change what is set here
        "--Voila.config_file_paths=[]",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        f"--VoilaConfiguration.template={PUBLISHED_TEMPLATE}",
        "--VoilaConfiguration.theme=light",
        "--VoilaConfiguration.allow_template_override=NO",
        "--VoilaConfiguration.allow_theme_override=NO",
        f"--VoilaConfiguration.file_allowlist={list(PUBLISHED_FILE_ALLOWLIST)!r}",
        f"--VoilaConfiguration.file_denylist={list(PUBLISHED_FILE_DENYLIST)!r}",
        "--VoilaConfiguration.multi_kernel_manager_class=dashboards.server.CappedKernelManager",
        f"--CappedKernelManager.max_kernels={max_kernels}",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle}",
        f"--MappingKernelManager.cull_interval={cull_interval}",
        "--MappingKernelManager.cull_connected=True",
        # tornado's default websocket message cap (10 MiB): no upload to make room for
        f"--Voila.tornado_settings={settings!r}",
        *(["--preheat_kernel=True", f"--pool_size={preheat}"] if preheat else []),
        *extra,
    ]


def published_notebooks(manifest: Mapping) -> list[str]:
    """The notebook names a published server serves for this bundle."""
    school = manifest.get("school")
    return [*PUBLIC_NOTEBOOKS, *([SCHOOL_NOTEBOOK] if school else [])]


def prepare_published_root(bundle: Path, root: Path) -> list[str]:
    """Copy the public notebooks for ``bundle`` into the empty folder ``root``.

    Returns the file names copied. Nothing else goes into ``root``: it is
    all ``/voila/render``, ``/voila/tree`` and ``/voila/api/contents`` can
    reach.
    """
    manifest = read_manifest(bundle)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    if any(root.iterdir()):
        raise ValueError(f"{root}: not empty; a published server serves a folder made for it.")
    copied = []
    for name in published_notebooks(manifest):
        source = DASHBOARDS_DIR / f"{name}.ipynb"
        shutil.copyfile(source, root / source.name)
        copied.append(source.name)
    return copied


#: IPython configuration of a published server's kernels (``ipython_kernel_config.py``).
#: ``showtraceback`` is how IPython (and ipywidgets, when a widget message
#: fails, e.g. a forged out-of-range index) sends a traceback to the browser
#: as an ``error`` message: in a published kernel it writes to the server's
#: log instead. Output written to file descriptor 2 (``sys.__stderr__``, where
#: the dashboards log what went wrong) stays in the log too, instead of being
#: forwarded to the browser as a ``stream`` message (``capture_fd_output``).
KERNEL_CONFIG = """\
# Written by dashboards.server for a published (public) server's kernels.
c = get_config()  # noqa: F821
c.IPKernelApp.capture_fd_output = False
c.IPKernelApp.exec_lines = [
    "def _ks3_log_traceback(exc_tuple=None, *args, **kwargs):\\n"
    "    import sys, traceback\\n"
    "    traceback.print_exception(*(exc_tuple or sys.exc_info()), file=sys.__stderr__)\\n"
    "get_ipython().showtraceback = _ks3_log_traceback\\n"
    "del _ks3_log_traceback",
]
"""


def prepare_kernel_profile(ipython_dir: Path) -> Path:
    """Write :data:`KERNEL_CONFIG` as the default profile of ``ipython_dir``; return the file."""
    profile = Path(ipython_dir) / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    path = profile / "ipython_kernel_config.py"
    path.write_text(KERNEL_CONFIG, encoding="utf-8")
    return path


def published_env(
    bundle: Path, base: Mapping[str, str] | None = None, ipython_dir: Path | None = None
) -> dict[str, str]:
    """The environment of a published server and its kernels.

    ``KS3_BUNDLE`` names the bundle (absolute path), the survey-file
    variables are emptied, ``JUPYTER_PATH`` starts with
    :data:`TEMPLATES_DIR` so Voilà finds the ``ks3-published`` template, and
    ``IPYTHONDIR`` names ``ipython_dir`` (a folder made by
    :func:`prepare_kernel_profile`, outside the served folder) when given.
    """
    env = dict(os.environ if base is None else base)
    if ipython_dir is not None:
        env["IPYTHONDIR"] = str(Path(ipython_dir).resolve())
    env[BUNDLE_VARIABLE] = str(Path(bundle).resolve())
    env[settings.SURVEY_FILES] = ""
    env[settings.SURVEY_CODEBOOK] = ""
    env["JUPYTER_PATH"] = os.pathsep.join(
        [str(TEMPLATES_DIR), *([env["JUPYTER_PATH"]] if env.get("JUPYTER_PATH") else [])]
    )
    return env


class CappedKernelManager(AsyncMappingKernelManager):
    """Voilà's kernel manager with a cap on the kernels running at once.

    Voilà 0.5 has no such setting. Over the cap, starting a kernel raises
    ``HTTPError(503)``, which Voilà answers with its error page ("503: Too
    many readers"). Preheated kernels count. A preheated kernel refused at
    the cap would leave a failed entry in Voilà's pool (on which Voilà's
    ``shutdown_kernel`` raises): it is dropped at once, and whenever a kernel
    is shut down (its page closed, or culled) the pools are refilled, so
    preheating resumes once there is room.
    """

    max_kernels = Integer(
        MAX_KERNELS, config=True, help="The most kernels running at once (0: no cap)."
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._starting = 0
        self._stopping = False

    def running(self) -> int:
        """Kernels running or starting."""
        return len(self._kernels) + self._starting

    async def start_kernel(self, *args, **kwargs):
        if self.max_kernels > 0 and self.running() >= self.max_kernels:
            self.log.warning(
                "Kernel cap reached (%d kernels): refusing a new one", self.max_kernels
            )
            if (kwargs.get("env") or {}).get("VOILA_PREHEAT") == "True":
                # a refused preheat leaves a failed entry in Voilà's pool, and Voilà's
                # shutdown_kernel raises on such an entry (so no kernel could be shut
                # down any more): drop it as soon as it has failed
                asyncio.get_running_loop().call_later(0.1, self._drop_failed_preheats)
            raise web.HTTPError(
                503, "%d kernels are running, the cap", self.max_kernels, reason="Too many readers"
            )
        self._starting += 1
        try:
            return await super().start_kernel(*args, **kwargs)
        finally:
            self._starting -= 1

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        result = await super().shutdown_kernel(kernel_id, *args, **kwargs)
        if not self._stopping:
            self._refill_pools()
        return result

    async def shutdown_all(self, *args, **kwargs):
        self._stopping = True
        return await super().shutdown_all(*args, **kwargs)

    def _drop_failed_preheats(self) -> None:
        for pool in (getattr(self, "_pools", None) or {}).values():  # only when preheating
            pool[:] = [
                task
                for task in pool
                if not (task.done() and (task.cancelled() or task.exception() is not None))
            ]

    def _refill_pools(self) -> None:
        self._drop_failed_preheats()
        for name in list(getattr(self, "_pools", None) or {}):
            self.fill_if_needed(notebook_name=name)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing is listening on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM (Voilà shuts its kernels down on it), then SIGKILL after ``timeout`` s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class VoilaServer:
    """A Voilà server in a subprocess, for tests and scripts.

    Use as a context manager: ``with VoilaServer(env=...) as server:
    page.goto(server.url + HOME)``. Starting waits until the server answers
    and raises ``RuntimeError`` with the server's log if it does not.

    Parameters
    ----------
    env : mapping, optional
        Extra environment variables for the server and its kernels, e.g.
        ``{"KS3_SURVEY_FILES": "/path/broken.csv"}``.
    timeout : float
        Seconds to wait for the server to answer.
    preheat, extra : see :func:`voila_command`.
    published : path, optional
        A publication bundle: serve it as the public would see it
        (:func:`published_command`), from a folder of public notebooks made
        at start and removed at stop (:attr:`root`).
    published_options : mapping, optional
        Keyword arguments for :func:`published_command` (``max_kernels``,
        ``cull_idle``…); ``preheat`` defaults to 1 when published.
    """

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        timeout: float = 60.0,
        preheat: int | None = None,
        extra: Sequence[str] = (),
        published: Path | str | None = None,
        published_options: Mapping[str, object] | None = None,
    ):
        self.port = free_port()
        self.published = Path(published) if published is not None else None
        self.published_options = dict(published_options or {})
        self.preheat = (1 if self.published else 0) if preheat is None else preheat
        self.extra = tuple(extra)
        self.url = f"http://127.0.0.1:{self.port}"
        self.timeout = timeout
        self.env = {**os.environ, **(env or {})}
        self.root: Path | None = None
        self.ipython_dir: Path | None = None
        self.log = tempfile.NamedTemporaryFile("w+", prefix="voila-", suffix=".log", delete=False)
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "VoilaServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def read_log(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def command(self) -> tuple[list[str], dict[str, str], Path]:
        """The argv, environment and working folder :meth:`start` uses."""
        if self.published is None:
            return (
                voila_command(self.port, preheat=self.preheat, extra=self.extra),
                self.env,
                DASHBOARDS_DIR,
            )
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="ks3-published-"))
            self.ipython_dir = Path(tempfile.mkdtemp(prefix="ks3-published-ipython-"))
            prepare_published_root(self.published, self.root)
            prepare_kernel_profile(self.ipython_dir)
        argv = published_command(
            self.port, self.root, preheat=self.preheat, extra=self.extra, **self.published_options
        )
        return argv, published_env(self.published, self.env, self.ipython_dir), self.root

    def start(self) -> None:
        argv, env, cwd = self.command()
        self.process = subprocess.Popen(
            argv,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._remove_folders()
                raise RuntimeError(
                    f"Voilà exited with code {self.process.returncode} before "
                    f"answering. Its log:\n{self.read_log()}"
                )
            try:
                with urllib.request.urlopen(self.url + "/voila/static/", timeout=2):
                    pass
                return
            except urllib.error.HTTPError:
                return  # it answers (even a 404 means the server is up)
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(
            f"Voilà did not answer on {self.url} within {self.timeout:.0f} s. "
            f"Its log:\n{self.read_log()}"
        )

    def _remove_folders(self) -> None:
        for folder in (self.root, self.ipython_dir):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        self.root = self.ipython_dir = None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self._remove_folders()
            return
        try:
            stop_process(self.process, timeout=15)
        finally:
            self._remove_folders()


def main(argv: list[str] | None = None) -> int:
    """Serve the dashboards in the foreground until Ctrl+C; open a browser unless told not to.

    ``--publish BUNDLE`` serves a publication bundle as the public sees it
    (:func:`published_command`), on loopback unless ``--ip`` says otherwise.
    """
    parser = argparse.ArgumentParser(
        prog="python -m dashboards.server", description="Serve the dashboards with Voilà."
    )
    parser.add_argument("--port", type=int, default=8866)
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument(
        "--publish",
        metavar="BUNDLE",
        type=Path,
        help="serve this publication bundle read-only, hardened for the public",
    )
    parser.add_argument(
        "--ip", default="127.0.0.1", help="address to listen on with --publish (default 127.0.0.1)"
    )
    parser.add_argument(
        "--max-kernels",
        type=int,
        default=MAX_KERNELS,
        help=f"with --publish: most kernels at once (default {MAX_KERNELS})",
    )
    parser.add_argument(
        "--cull-idle",
        type=int,
        default=CULL_IDLE_SECONDS,
        help="with --publish: seconds before an idle kernel is shut down "
        f"(default {CULL_IDLE_SECONDS})",
    )
    parser.add_argument(
        "--preheat",
        type=int,
        default=None,
        help="kernels per notebook started and run ahead, each holding the data "
        "(default 1 with --publish and on the sample, about 0.25 GB a "
        "notebook; 0 on your own files, which may be large)",
    )
    args = parser.parse_args(argv)
    home = f"http://127.0.0.1:{args.port}{HOME}"
    folders: list[Path] = []
    if args.publish is not None:
        root = Path(tempfile.mkdtemp(prefix="ks3-published-"))
        ipython_dir = Path(tempfile.mkdtemp(prefix="ks3-published-ipython-"))
        folders += [root, ipython_dir]
        try:
            served = prepare_published_root(args.publish, root)
        except ValueError as error:
            for folder in folders:
                shutil.rmtree(folder, ignore_errors=True)
            print(f"Cannot publish: {error}", file=sys.stderr)
            return 2
        prepare_kernel_profile(ipython_dir)
        command = published_command(
            args.port,
            root,
            ip=args.ip,
            preheat=1 if args.preheat is None else args.preheat,
            max_kernels=args.max_kernels,
            cull_idle=args.cull_idle,
        )
        process = subprocess.Popen(
            command, cwd=root, env=published_env(args.publish, ipython_dir=ipython_dir)
        )
        print(f"Publishing {args.publish} ({', '.join(served)}) at {home}", flush=True)
    else:
        # a preheated kernel has run the notebook before the page is asked for: the
        # first chart comes about 2x sooner (bench/README.md, Dashboards)
        from .data import data_source

        preheat = args.preheat if args.preheat is not None else int(data_source().is_sample)
        process = subprocess.Popen(voila_command(args.port, preheat=preheat), cwd=DASHBOARDS_DIR)
        print(f"Dashboards at {home}", flush=True)
    if not args.no_browser:
        import webbrowser

        webbrowser.open(home)

    def stop(_signum, _frame):  # a service manager stops us with SIGTERM: as Ctrl+C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()  # Voilà shuts its kernels down on SIGTERM
        return process.wait()
    finally:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
