"""The published Voilà server's settings: argv, folder, environment, kernel cap, template.

Settings are checked through Voilà's own classes (the argv is parsed by
``voila.app.Voila`` and read back from the configurables it configures), so
a misspelt option fails here instead of being ignored by traitlets. The
browser tests (``tests/browser/test_published.py``) try to break into a real
published server.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import re
import tempfile
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader
from tornado import web

from analysis.errors import Problem, SurveyDataError
from dashboards import page, server
from bundle_helpers import manifest_only_bundle


@pytest.fixture
def bundle(tmp_path) -> Path:
    """A folder with only a manifest, as the server reads it (no school)."""
    return manifest_only_bundle(tmp_path / "bundle")


@pytest.fixture
def school_bundle(tmp_path) -> Path:
    return manifest_only_bundle(
        tmp_path / "bundle", {"label": "School A", "requested_by": "the head of science"}
    )


def run_in_own_loop(scenario) -> None:
    """``asyncio.run(scenario())`` in a thread of its own: the browser tests'
    Playwright keeps an event loop running in the main thread for the session."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()


def _parsed(argv: list[str]):
    """Voilà's application with ``argv`` parsed (not started), as ``voila`` would."""
    from traitlets.config import Config
    from voila.app import Voila

    app = Voila()
    app.parse_command_line(argv[1:])
    return app, Config(app.config)


def test_published_command_sets_voilas_hardening_options(tmp_path):
    from voila.configuration import VoilaConfiguration

    argv = server.published_command(
        8123, tmp_path, max_kernels=7, cull_idle=300, cull_interval=30, preheat=2
    )
    app, config = _parsed(argv)
    assert app.extra_args == [str(tmp_path)]
    assert app.port == 8123 and app.ip == "127.0.0.1" and app.port_retries == 0
    assert app.config_file_paths == []
    vc = VoilaConfiguration(config=config)
    assert vc.strip_sources is True and vc.show_tracebacks is False
    # the values Voilà checks: anything but "YES" disables the URL parameter;
    # "NO" also ignores the notebook's metadata
    assert vc.allow_template_override == "NO" and vc.allow_theme_override == "NO"
    assert vc.template == "ks3-published" and vc.theme == "light"
    assert vc.file_allowlist == [] and vc.file_denylist == [".*"]
    assert vc.preheat_kernel is True and vc.default_pool_size == 2
    assert vc.multi_kernel_manager_class is server.CappedKernelManager
    manager = server.CappedKernelManager(config=config)
    assert manager.max_kernels == 7
    assert manager.cull_idle_timeout == 300 and manager.cull_interval == 30
    assert manager.cull_connected is True


def test_published_command_keeps_tornados_websocket_cap_and_sets_a_csp(tmp_path):
    app, _ = _parsed(server.published_command(8123, tmp_path))
    settings = app.tornado_settings
    assert "websocket_max_message_size" not in settings  # tornado's 10 MiB default
    # Voilà's own "shut my kernel down" POST when a reader leaves needs this
    # (standalone Voilà sets no XSRF cookie); the origin check still applies
    assert settings["disable_check_xsrf"] is True
    csp = settings["headers"]["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    for name in (
        "default-src",
        "script-src",
        "style-src",
        "img-src",
        "font-src",
        "connect-src",
        "worker-src",
    ):
        sources = directives[name].split()
        assert "'self'" in sources
        # no other host: only keywords and the data:/blob: schemes
        assert all(s.startswith("'") or s in ("data:", "blob:") for s in sources), name
    # the live server still raises the cap for uploads; the published one must not
    live = " ".join(server.voila_command(8123))
    assert "websocket_max_message_size" in live
    assert "websocket_max_message_size" not in " ".join(server.published_command(8123, tmp_path))


def test_published_command_without_preheat_and_on_another_address(tmp_path):
    argv = server.published_command(8123, tmp_path, ip="0.0.0.0", preheat=0)
    assert not any("preheat" in a or "pool_size" in a for a in argv)
    app, _ = _parsed(argv)
    assert app.ip == "0.0.0.0"


def test_live_command_is_unchanged():
    argv = server.voila_command(8999, preheat=2, extra=["--x=1"])
    assert argv[1] == str(server.DASHBOARDS_DIR) and argv[-1] == "--x=1"
    assert "--preheat_kernel=True" in argv and "--pool_size=2" in argv
    assert not any("template" in a for a in argv)


def test_root_holds_only_the_public_notebooks(bundle, tmp_path):
    root = tmp_path / "root"
    copied = server.prepare_published_root(bundle, root)
    expected = {
        "index.ipynb",
        "subjects.ipynb",
        "careers.ipynb",
        "enrichment.ipynb",
        "gender_gaps.ipynb",
        "waves.ipynb",
    }
    assert set(copied) == expected
    assert {p.name for p in root.iterdir()} == expected
    for name in expected:  # exact copies of the notebooks in dashboards/
        assert (root / name).read_bytes() == (server.DASHBOARDS_DIR / name).read_bytes()


def test_my_school_only_with_a_school_in_the_bundle(school_bundle, tmp_path):
    copied = server.prepare_published_root(school_bundle, tmp_path / "root")
    assert sorted(copied) == sorted(
        f"{n}.ipynb" for n in (*server.PUBLIC_NOTEBOOKS, server.SCHOOL_NOTEBOOK)
    )
    assert "planner.ipynb" not in copied and "manager.ipynb" not in copied


def test_root_must_be_empty(bundle, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "wave1.csv").write_text("pupil_id\n1\n")
    with pytest.raises(ValueError, match="not empty"):
        server.prepare_published_root(bundle, root)


@pytest.mark.parametrize(
    "content, words",
    [
        (None, "manifest.json: is missing"),
        ("{not json", "manifest.json: cannot be read as JSON"),
        (json.dumps({"format": "something else"}), "format is not 'ks3-stem-publication'"),
    ],
)
def test_a_folder_that_is_not_a_bundle_is_refused_with_its_file_named(tmp_path, content, words):
    folder = tmp_path / "b"
    folder.mkdir()
    if content is not None:
        (folder / "manifest.json").write_text(content)
    with pytest.raises(ValueError) as error:
        server.prepare_published_root(folder, tmp_path / "root")
    assert words in str(error.value) and "python -m analysis publish" in str(error.value)


def test_main_refuses_a_missing_bundle_before_starting(tmp_path, capsys):
    assert server.main(["--publish", str(tmp_path / "nope"), "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert "Cannot publish" in err and "no such folder" in err


def test_environment_names_the_bundle_and_no_survey_files(bundle):
    env = server.published_env(
        bundle,
        {
            "KS3_SURVEY_FILES": "/data/wave1.csv",
            "KS3_SURVEY_CODEBOOK": "/data/cb.yml",
            "JUPYTER_PATH": "/elsewhere",
        },
    )
    assert env["KS3_BUNDLE"] == str(bundle.resolve()) and Path(env["KS3_BUNDLE"]).is_absolute()
    assert env["KS3_SURVEY_FILES"] == "" and env["KS3_SURVEY_CODEBOOK"] == ""
    assert env["JUPYTER_PATH"].split(os.pathsep) == [str(server.TEMPLATES_DIR), "/elsewhere"]


def test_voila_finds_the_published_template_and_it_names_no_other_host(monkeypatch):
    from voila.paths import collect_template_paths

    monkeypatch.setenv("JUPYTER_PATH", str(server.TEMPLATES_DIR))
    paths = collect_template_paths(["voila", "nbconvert"], server.PUBLISHED_TEMPLATE, prune=True)
    ours = server.TEMPLATES_DIR / "voila" / "templates" / server.PUBLISHED_TEMPLATE
    assert paths[0] == str(ours)
    for file in ours.iterdir():
        assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", file.read_text()), file.name
    # the error and 404 pages, rendered as Voilà renders them, link nothing elsewhere
    env = Environment(
        loader=FileSystemLoader(paths), extensions=["jinja2.ext.i18n"], autoescape=True
    )
    env.install_null_translations()
    for name, status in (("error.html", 503), ("404.html", 404), ("error.html", 500)):
        html = env.get_template(name).render(
            status_code=status,
            status_message="Too many readers",
            message="secret detail",
            base_url="/",
            include_css=lambda path: f'<link href="/voila/static/{path}">',
        )
        assert "https://" not in html and "http://" not in html
        assert "secret detail" not in html  # an exception's text is never shown
        assert f"{status}: Too many readers" in html
    busy = env.get_template("error.html").render(status_code=503, status_message="x", base_url="/")
    assert "try again in a few minutes" in busy


def test_kernel_cap_refuses_a_kernel_over_the_cap_and_frees_the_slot():
    async def scenario():
        manager = server.CappedKernelManager(max_kernels=1)
        first = await manager.start_kernel(kernel_name="python3")
        try:
            with pytest.raises(web.HTTPError) as refused:
                await manager.start_kernel(kernel_name="python3")
            assert refused.value.status_code == 503
            assert manager.list_kernel_ids() == [first]
            await manager.shutdown_kernel(first)
            second = await manager.start_kernel(kernel_name="python3")
            assert manager.list_kernel_ids() == [second]
        finally:
            await manager.shutdown_all()
        assert manager.list_kernel_ids() == []

    run_in_own_loop(scenario)


def test_failed_preheat_entries_are_dropped_and_pools_refilled():
    async def scenario():
        manager = server.CappedKernelManager(max_kernels=1)
        loop = asyncio.get_running_loop()
        failed, ready = loop.create_future(), loop.create_future()
        failed.set_exception(web.HTTPError(503))
        ready.set_result({"kernel_id": "k"})
        manager._pools = {"subjects.ipynb": [failed, ready]}
        refills = []
        manager.fill_if_needed = lambda notebook_name, **kw: refills.append(notebook_name)
        manager._refill_pools()
        assert manager._pools["subjects.ipynb"] == [ready]
        assert refills == ["subjects.ipynb"]
        failed.exception()  # retrieved: no "never retrieved" warning

    run_in_own_loop(scenario)


def test_bundle_problem_names_the_bundle_not_survey_files_nor_its_path(monkeypatch, tmp_path):
    bundle = tmp_path / "srv" / "bundles" / "wave-2010"
    monkeypatch.setenv("KS3_BUNDLE", str(bundle))
    error = SurveyDataError(
        Problem(
            file=str(bundle / "shares.csv"),
            column="share",
            rows=(3, 4),
            n_rows=2,
            what="is not a number.",
            todo="Make the bundle again.",
        )
    )
    html = page.problem_message(error).value
    assert "published figures could not be loaded" in html
    assert "wave-2010" in html and "shares.csv" in html and "rows 3, 4" in html
    assert str(tmp_path) not in html  # the server's folders stay private
    assert "KS3_BUNDLE" in html and "python -m analysis publish" in html
    assert "survey data" not in html and "KS3_SURVEY_FILES" not in html
    missing = page.problem_message(
        FileNotFoundError(2, "No such file or directory", str(bundle / "manifest.json"))
    ).value
    assert "manifest.json: No such file or directory" in missing and str(tmp_path) not in missing
    odd = page.problem_message(RuntimeError(str(bundle))).value
    assert "log of the dashboard server" in odd and str(tmp_path) not in odd


def test_without_a_bundle_the_survey_message_is_unchanged(monkeypatch):
    monkeypatch.delenv("KS3_BUNDLE", raising=False)
    html = page.problem_message(
        SurveyDataError(Problem(file="a.csv", what="bad.", todo="Fix it."))
    ).value
    assert "The survey data could not be loaded" in html


def test_published_kernels_log_tracebacks_instead_of_sending_them(tmp_path, capfd):
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    path = server.prepare_kernel_profile(tmp_path / "ipython")
    assert path == tmp_path / "ipython" / "profile_default" / "ipython_kernel_config.py"
    namespace = {"get_config": Config}
    exec(path.read_text(), namespace)
    config = namespace["c"]
    assert config.IPKernelApp.capture_fd_output is False
    shell = InteractiveShell.instance()
    try:
        published = []
        shell._showtraceback = lambda *args: published.append(args)  # what sends it out
        for line in config.IPKernelApp.exec_lines:
            assert shell.run_cell(line).success
        try:
            raise KeyError("forged value")
        except KeyError:
            shell.showtraceback()
        assert published == []
        err = capfd.readouterr().err
        assert "Traceback" in err and "KeyError: 'forged value'" in err
    finally:
        InteractiveShell.clear_instance()
    env = server.published_env(tmp_path, {}, tmp_path / "ipython")
    assert env["IPYTHONDIR"] == str((tmp_path / "ipython").resolve())


def test_a_preheat_refused_at_the_cap_leaves_no_failed_entry_in_the_pool():
    async def scenario():
        manager = server.CappedKernelManager(max_kernels=1)
        first = await manager.start_kernel(kernel_name="python3")
        try:
            fill = asyncio.ensure_future(
                manager.start_kernel(kernel_name="python3", env={"VOILA_PREHEAT": "True"})
            )
            manager._pools = {"subjects.ipynb": [fill]}
            with pytest.raises(web.HTTPError):
                await fill
            await asyncio.sleep(0.5)
            assert manager._pools == {"subjects.ipynb": []}
        finally:
            manager._pools = {}
            await manager.shutdown_all()
        assert first not in manager.list_kernel_ids()

    run_in_own_loop(scenario)


def test_a_server_that_cannot_start_leaves_no_folder_behind(bundle):
    made = set(Path(tempfile.gettempdir()).glob("ks3-published-*"))
    # Voilà refuses a setting that is not a dict and exits before answering
    srv = server.VoilaServer(
        published=bundle, timeout=60, preheat=0, extra=["--Voila.tornado_settings=not a dict"]
    )
    with pytest.raises(RuntimeError, match="exited with code"):
        srv.start()
    assert srv.root is None and srv.ipython_dir is None
    assert set(Path(tempfile.gettempdir()).glob("ks3-published-*")) == made


def test_publish_command_stops_cleanly_on_sigterm(bundle):
    """As a service manager stops it: Voilà is stopped and the folders removed."""
    import signal
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    made = set(Path(tempfile.gettempdir()).glob("ks3-published-*"))
    port = server.free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dashboards.server",
            "--publish",
            str(bundle),
            "--no-browser",
            f"--port={port}",
            "--preheat=0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60  # a bound on the wait, not a speed check
        while True:
            assert process.poll() is None, process.stdout.read().decode()
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/static/", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                assert time.monotonic() < deadline, "the published server never answered"
                time.sleep(0.3)
        assert len(set(Path(tempfile.gettempdir()).glob("ks3-published-*")) - made) == 2
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    with pytest.raises(OSError):  # Voilà is gone too
        urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/static/", timeout=2)
    assert set(Path(tempfile.gettempdir()).glob("ks3-published-*")) == made
