"""A network's hub (dashboards.hub): sign-in to first chart, alone and 20 at once, and
memory per user, next to the single-server first chart measured in the same run.

Usage::

    python bench/bench_hub.py [--users 20] [--repeats 3] [--notebook planner.ipynb]

What it does, all on loopback with headless Chromium (Debian's, as the browser tests):

1. **single server**: Voilà serving the dashboards as ``scripts/start`` does
   without preheat (``bench_dashboards.Server``), one untimed load, then
   ``--repeats`` loads of ``--notebook``: request to first drawn chart;
2. **one user on the hub**: a network of ``--users`` schools, each with its own
   school lead, on a real JupyterHub (:class:`dashboards.hub.HubServer`). One
   lead signs in: from pressing "Sign in" until the first chart of
   ``--notebook`` is drawn (their server is started by the sign-in: the hub's
   spawn, Voilà starting, then the notebook), split into ``spawn_s`` (their
   server started and answering) and the rest; then
   ``--repeats`` loads of the notebook on their running server (as the
   single-server loads: request to first chart);
3. **all at once**: the other leads sign in at the same moment (one browser
   context each, one event loop), each to their first chart; then each
   user's memory: the proportional set size (PSS: shared pages split among
   the processes sharing them) of their Voilà server and its kernels, found
   by ``JUPYTERHUB_USER`` in their environment.

The default notebook is the STEM Planner: a member's server has it before the
network's survey is published (publishing a bundle per school would take
minutes), and a school lead opens it first. One line of JSON per measurement
and a summary; the machine and its load (``uptime``) before and after.
Timings depend on the machine and its load; compare lines of one run only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_dashboards as bd
from machine import describe

from dashboards import hub
from dashboards.server import DASHBOARDS_DIR

PASSWORD = "bench-password-1"
#: Seconds a sign-in may take to its first chart (20 servers starting at once on 2 cores).
CROWD_TIMEOUT_S = 1200
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def network(folder: Path, users: int) -> list[str]:
    """A network led by ``nia`` with ``users`` schools, each with its lead; their names."""
    hub.BCRYPT_ROUNDS = 4  # the cheapest: these passwords guard nothing
    hub.init(folder, "nia", password=PASSWORD)
    leads = [f"lead{i:02d}" for i in range(1, users + 1)]
    for i, name in enumerate(leads, start=1):
        hub.add_school(folder, f"S{i:02d}", [name], passwords={name: PASSWORD})
    return leads


def single_server(browser, notebook: str, repeats: int, store: Path) -> list[float]:
    """First-chart seconds of ``repeats`` loads on one Voilà (after an untimed load)."""
    env = {"KS3_SURVEY_FILES": "", "KS3_SURVEY_CODEBOOK": "", "KS3_STORE": str(store)}
    return bd.measure(
        browser, DASHBOARDS_DIR, notebook, preheat=0, repeats=repeats, changes=0, env=env
    )["loads"]


async def sign_in_to_first_chart(browser, url: str, user: str, notebook: str) -> dict:
    """Sign ``user`` in (their server starts) and open ``notebook``: seconds from pressing
    "Sign in" to their home page (``spawn_s``) and to the notebook's first chart."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    page.set_default_timeout(CROWD_TIMEOUT_S * 1000)
    try:
        await page.goto(f"{url}/hub/login")
        await page.fill("#username_input", user)
        await page.fill("#password_input", PASSWORD)
        start = time.monotonic()
        await page.click("input[type=submit], button[type=submit]")
        await page.wait_for_url(
            lambda u: f"/user/{user}/" in u and "spawn" not in u, wait_until="commit"
        )  # their server started and routed
        spawn = time.monotonic() - start
        await page.goto(f"{url}/user/{user}/voila/render/{notebook}", wait_until="commit")
        await page.wait_for_function(bd.FIRST_CHART_JS, polling="raf")
        return {
            "user": user,
            "spawn_s": round(spawn, 2),
            "sign_in_to_first_chart_s": round(time.monotonic() - start, 2),
            "context": context,
        }
    except Exception:
        await context.close()
        raise


async def reload_first_chart(context, url: str, user: str, notebook: str) -> float:
    """Request to first chart of ``notebook`` on the user's running server (seconds,
    measured in the page as the single-server loads are)."""
    page = await context.new_page()
    page.set_default_timeout(bd.PAGE_TIMEOUT_S * 1000)
    try:
        await page.goto(f"{url}/user/{user}/voila/render/{notebook}", wait_until="commit")
        handle = await page.wait_for_function(bd.FIRST_CHART_JS, polling="raf")
        return (await handle.json_value()) / 1000
    finally:
        await page.close(run_before_unload=True)


def pss_mib(folder: Path) -> dict[str, float]:
    """Per hub user: PSS (MiB) of the processes whose environment names them and this hub."""
    marker = f"KS3_HUB_DIR={folder}".encode()
    out: dict[str, float] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
            if marker not in environ:
                continue
            user = next(
                (
                    e.split(b"=", 1)[1].decode()
                    for e in environ
                    if e.startswith(b"JUPYTERHUB_USER=")
                ),
                None,
            )
            if not user:
                continue
            pss = next(
                int(line.split()[1])
                for line in (proc / "smaps_rollup").read_text().splitlines()
                if line.startswith("Pss:")
            )
        except (OSError, StopIteration, ValueError):
            continue
        out[user] = out.get(user, 0.0) + pss / 1024
    return out


async def on_the_hub(folder: Path, leads: list[str], notebook: str, repeats: int) -> dict:
    from playwright.async_api import async_playwright

    with hub.HubServer(folder, timeout=300) as server:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=bd.CHROMIUM_ARGS, headless=True
            )
            first = await sign_in_to_first_chart(browser, server.url, leads[0], notebook)
            reloads = []
            for _ in range(repeats):
                reloads.append(
                    await reload_first_chart(first["context"], server.url, leads[0], notebook)
                )
            await first.pop("context").close()
            print(
                json.dumps(
                    {"hub_alone": first, "hub_alone_reloads_s": [round(r, 2) for r in reloads]}
                ),
                flush=True,
            )
            load_before = uptime()
            started = time.monotonic()
            crowd = await asyncio.gather(
                *(
                    sign_in_to_first_chart(browser, server.url, user, notebook)
                    for user in leads[1:]
                ),
                return_exceptions=True,
            )
            wall = time.monotonic() - started
            memory = pss_mib(server.folder)
            errors = [repr(r) for r in crowd if isinstance(r, BaseException)]
            done = [r for r in crowd if not isinstance(r, BaseException)]
            for r in done:
                await r.pop("context").close()
            await browser.close()
    return {
        "alone": first,
        "alone_reloads_s": reloads,
        "crowd": done,
        "crowd_errors": errors,
        "crowd_wall_s": round(wall, 1),
        "load_before_crowd": load_before,
        "memory_mib": memory,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="school leads (default 20)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--notebook", default="planner.ipynb")
    args = parser.parse_args(argv)
    print(describe())
    print("before:", uptime(), flush=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-hub-") as tmp:
        tmp = Path(tmp)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=bd.CHROMIUM_ARGS, headless=True
            )
            single = single_server(browser, args.notebook, args.repeats, tmp / "single.sqlite")
            browser.close()
        print(
            json.dumps({"single_server_first_chart_s": [round(s, 2) for s in single]}), flush=True
        )
        leads = network(tmp / "hub", args.users)
        result = asyncio.run(on_the_hub(tmp / "hub", leads, args.notebook, args.repeats))
    alone = result["alone"]
    crowd = result["crowd"]
    for r in crowd:
        print(json.dumps({"hub_at_once": r}))
    memory = result["memory_mib"]
    print(json.dumps({"memory_pss_mib": {k: round(v) for k, v in sorted(memory.items())}}))
    single_median = statistics.median(single)
    reload_median = statistics.median(result["alone_reloads_s"])
    print(
        f"\nsingle server, first chart of {args.notebook}: median {single_median:.2f} s "
        f"({', '.join(f'{s:.2f}' for s in single)})"
    )
    print(
        f"hub, one lead alone: sign-in to first chart {alone['sign_in_to_first_chart_s']:.1f} s"
        f" (of which their server starting {alone['spawn_s']:.1f} s); then "
        f"first chart on their running server: median {reload_median:.2f} s, "
        f"{reload_median / single_median:.2f}x the single server"
    )
    if crowd:
        times = sorted(r["sign_in_to_first_chart_s"] for r in crowd)
        print(
            f"hub, {len(crowd)} leads signing in at once ({result['load_before_crowd']}): "
            f"sign-in to first chart median {statistics.median(times):.1f} s, slowest "
            f"{times[-1]:.1f} s; all done in {result['crowd_wall_s']:.0f} s"
        )
    if result["crowd_errors"]:
        print(f"{len(result['crowd_errors'])} sign-ins failed: {result['crowd_errors'][:3]}")
    if memory:
        values = sorted(memory.values())
        print(
            f"memory per user (PSS of their Voilà and kernels, {len(values)} users): median "
            f"{statistics.median(values):.0f} MiB, largest {values[-1]:.0f} MiB, total "
            f"{sum(values) / 1024:.1f} GiB"
        )
    print("after:", uptime())
    return 1 if result["crowd_errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
