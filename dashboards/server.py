"""How Voilà serves this folder: the one place that says which flags it gets.

``scripts/start``, the browser tests and ``scripts/screenshot.py`` all start
Voilà through :func:`voila_command` (or :class:`VoilaServer`), so they serve
the same pages the same way. Run ``python -m dashboards.server [--port N]`` to
serve in the foreground; the home page is ``/voila/render/index.ipynb``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from .upload import WEBSOCKET_MAX_BYTES  # noqa: E402

DASHBOARDS_DIR = Path(__file__).resolve().parent
HOME = "/voila/render/index.ipynb"


def voila_command(port: int, root: Path = DASHBOARDS_DIR, *, preheat: int = 0,
                  extra: Sequence[str] = ()) -> list[str]:
    """The argv that starts Voilà on ``127.0.0.1:port`` serving ``root``.

    Sources are stripped and tracebacks hidden (both Voilà's defaults, stated
    here so that no configuration file can turn them back on). ``preheat``:
    keep that many kernels per notebook started and executed ahead of the
    first request (Voilà's ``preheat_kernel``; each holds the data in memory).
    ``extra``: more Voilà arguments, appended last.
    """
    voila = shutil.which("voila", path=str(Path(sys.executable).parent)) or "voila"
    return [
        voila, str(root),
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


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing is listening on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    """

    def __init__(self, env: Mapping[str, str] | None = None, timeout: float = 60.0,
                 preheat: int = 0, extra: Sequence[str] = ()):
        self.port = free_port()
        self.preheat, self.extra = preheat, tuple(extra)
        self.url = f"http://127.0.0.1:{self.port}"
        self.timeout = timeout
        self.env = {**os.environ, **(env or {})}
        self.log = tempfile.NamedTemporaryFile("w+", prefix="voila-", suffix=".log", delete=False)
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "VoilaServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def read_log(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def start(self) -> None:
        self.process = subprocess.Popen(
            voila_command(self.port, preheat=self.preheat, extra=self.extra), stdout=self.log, stderr=subprocess.STDOUT,
            env=self.env, cwd=DASHBOARDS_DIR, start_new_session=True)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Voilà exited with code {self.process.returncode} before "
                                   f"answering. Its log:\n{self.read_log()}")
            try:
                with urllib.request.urlopen(self.url + "/voila/static/", timeout=2):
                    pass
                return
            except urllib.error.HTTPError:
                return  # it answers (even a 404 means the server is up)
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"Voilà did not answer on {self.url} within {self.timeout:.0f} s. "
                           f"Its log:\n{self.read_log()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # Voilà shuts its kernels down on SIGTERM
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def main(argv: list[str] | None = None) -> int:
    """Serve the dashboards in the foreground until Ctrl+C; open a browser unless told not to."""
    parser = argparse.ArgumentParser(prog="python -m dashboards.server",
                                     description="Serve the dashboards with Voilà.")
    parser.add_argument("--port", type=int, default=8866)
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    args = parser.parse_args(argv)
    home = f"http://127.0.0.1:{args.port}{HOME}"
    process = subprocess.Popen(voila_command(args.port), cwd=DASHBOARDS_DIR)
    if not args.no_browser:
        import webbrowser

        webbrowser.open(home)
    print(f"Dashboards at {home}", flush=True)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait()


if __name__ == "__main__":
    sys.exit(main())
