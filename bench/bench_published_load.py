"""Many readers at once on a published Voilà server: first charts, times, memory per kernel.

Run from the repository root::

    python bench/bench_published_load.py                     # 20 readers of subjects.ipynb
    python bench/bench_published_load.py --viewers 30 --bundle path/to/bundle
    python bench/bench_published_load.py --max-kernels 16    # readers over the cap

It starts the published server exactly as ``python -m dashboards.server
--publish`` does (:class:`dashboards.server.VoilaServer` with ``published=``;
one preheated kernel per notebook), on loopback, on a bundle of the synthetic
sample made once in a temporary folder (about a minute) unless ``--bundle``
names one. Once the preheated kernels are ready it opens ``--viewers``
readers at the same moment: one Chromium (Debian's ``/usr/bin/chromium``) per
``--per-browser`` readers, a fresh browser context (no shared cache or
cookies) per reader. Each reader waits for its first chart, at most
``--timeout`` seconds; the whole run is bounded by that too.

It prints and returns, for every reader, whether it got its first chart and
how long after the start it appeared (or the page it got instead: a 503 over
the kernel cap, an error, a time-out); while all the pages are still open,
the resident memory (RSS) of every kernel process and of the server
(``psutil``); then every reader closes their tab (``beforeunload`` runs, so
Voilà's page asks the server to shut its kernel down, as a real browser does)
and it counts the kernels left; and, after every reader has gone, whether the
server still serves a new reader its chart. Figures: ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboards import server  # noqa: E402
from machine import describe as machine  # noqa: E402  (bench/ is on sys.path)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
CHART = ".js-plotly-plot"
MIB = 2**20


def make_bundle(folder: Path) -> Path:
    """A publication bundle of the synthetic sample (no school)."""
    from analysis.publish import build_bundle
    from dashboards import data

    return build_bundle(data.survey(), folder / "bundle")


def kernel_memory(pid: int) -> tuple[list[int], int]:
    """RSS in bytes of every kernel under the server ``pid``, and of the server itself."""
    import psutil

    parent = psutil.Process(pid)
    kernels = []
    for child in parent.children(recursive=True):
        try:
            if "ipykernel" in " ".join(child.cmdline()):
                kernels.append(child.memory_info().rss)
        except psutil.NoSuchProcess:
            continue
    return kernels, parent.memory_info().rss


async def wait_for_pools(srv: server.VoilaServer, notebooks: int, limit: float) -> float:
    """Seconds until every notebook's preheated kernel has started (Voilà says so) and
    run its notebook (the kernels' CPU use has fallen under 10 % of a core)."""
    import psutil

    start = time.monotonic()
    while time.monotonic() - start < limit:
        if srv.read_log().count("Kernel pool of") >= notebooks:
            break
        await asyncio.sleep(0.5)
    parent = psutil.Process(srv.process.pid)
    while time.monotonic() - start < limit:
        kernels = [
            p for p in parent.children(recursive=True) if "ipykernel" in " ".join(p.cmdline())
        ]
        for p in kernels:
            p.cpu_percent(None)
        await asyncio.sleep(2)
        busy = 0.0
        for p in kernels:
            try:
                busy += p.cpu_percent(None)
            except psutil.NoSuchProcess:
                pass
        if busy < 10:
            break
    return time.monotonic() - start


async def reader(browser, url: str, start: float, timeout: float) -> dict:
    """One reader: a fresh context, the page, its first chart (or what came instead)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    result = {"ok": False, "seconds": None, "what": ""}
    try:
        response = await page.goto(url, timeout=timeout * 1000)
        if response is not None and response.status >= 400:
            result["what"] = f"HTTP {response.status}"
            return result
        left = max(1.0, timeout - (time.monotonic() - start))
        await page.wait_for_selector(CHART, state="attached", timeout=left * 1000)
        result.update(ok=True, seconds=time.monotonic() - start, what="chart")
    except Exception as error:  # noqa: BLE001 - a reader's failure is a figure, not a crash
        result["what"] = type(error).__name__
    finally:
        result["context"], result["page"] = context, page
    return result


async def leave(result: dict) -> None:
    """The reader closes the tab: Voilà's page asks the server to shut its kernel down."""
    try:
        await result.pop("page").close(run_before_unload=True)
    finally:
        await result.pop("context").close()


async def run(args) -> dict:
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory(prefix="ks3-load-") as tmp:
        bundle = Path(args.bundle) if args.bundle else make_bundle(Path(tmp))
        options = {"max_kernels": args.max_kernels}
        with server.VoilaServer(published=bundle, timeout=180, published_options=options) as srv:
            notebooks = len(list(srv.root.glob("*.ipynb")))
            warm = await wait_for_pools(srv, notebooks, 300)
            url = srv.url + server.HOME.replace("index.ipynb", args.notebook)
            async with async_playwright() as pw:
                browsers = [
                    await pw.chromium.launch(
                        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                    )
                    for _ in range(-(-args.viewers // args.per_browser))
                ]
                start = time.monotonic()
                tasks = [
                    reader(browsers[i // args.per_browser], url, start, args.timeout)
                    for i in range(args.viewers)
                ]
                results = await asyncio.wait_for(asyncio.gather(*tasks), args.timeout + 60)
                wall = time.monotonic() - start
                kernels, server_rss = kernel_memory(srv.process.pid)
                for r in results:
                    await leave(r)
                for b in browsers:
                    await b.close()
                await asyncio.sleep(10)  # shutdowns and the pool's refill
                left = len(kernel_memory(srv.process.pid)[0])
                # after the load: one more reader, alone, must get a chart
                browser = await pw.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                after = await reader(browser, url, time.monotonic(), args.timeout)
                await leave(after)
                await browser.close()
            log = srv.read_log()
    return {
        "results": results,
        "wall": wall,
        "warm": warm,
        "kernels": kernels,
        "server_rss": server_rss,
        "after": after,
        "left": left,
        "refused": log.count("Kernel cap reached"),
    }


def report(args, figures: dict) -> None:
    results = figures["results"]
    ok = [r["seconds"] for r in results if r["ok"]]
    others: dict[str, int] = {}
    for r in results:
        if not r["ok"]:
            others[r["what"]] = others.get(r["what"], 0) + 1
    print(f"machine: {machine()}")
    print(
        f"published server: {args.notebook}, {args.viewers} readers at once "
        f"({-(-args.viewers // args.per_browser)} Chromium, one context each), "
        f"kernel cap {args.max_kernels}, time-out {args.timeout:.0f} s; "
        f"preheated kernels started and idle after {figures['warm']:.0f} s"
    )
    print(
        f"first chart: {len(ok)} of {len(results)} readers"
        + (f"; others: {others}" if others else "")
    )
    if ok:
        ok.sort()
        p90 = ok[min(len(ok) - 1, int(round(0.9 * (len(ok) - 1))))]
        print(
            f"seconds to first chart: min {ok[0]:.1f}, median {statistics.median(ok):.1f}, "
            f"90th percentile {p90:.1f}, max {ok[-1]:.1f} (all readers started together)"
        )
    kernels = figures["kernels"]
    if kernels:
        print(
            f"kernels running with every page open: {len(kernels)}; RSS per kernel: "
            f"median {statistics.median(kernels) / MIB:.0f} MiB "
            f"(min {min(kernels) / MIB:.0f}, max {max(kernels) / MIB:.0f}), "
            f"all kernels {sum(kernels) / 2**30:.2f} GiB; "
            f"server process {figures['server_rss'] / MIB:.0f} MiB"
        )
    print(
        f"kernel starts refused at the cap: {figures['refused']}; kernels left 10 s after "
        f"every reader closed their tab: {figures['left']}"
    )
    after = figures["after"]
    print(
        "after the load: "
        + (
            f"a new reader got its chart in {after['seconds']:.1f} s"
            if after["ok"]
            else f"a new reader got {after['what']}"
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--viewers", type=int, default=20, help="readers at once (default 20)")
    parser.add_argument(
        "--per-browser", type=int, default=10, help="readers per Chromium process (default 10)"
    )
    parser.add_argument("--notebook", default="subjects.ipynb")
    parser.add_argument("--bundle", help="a publication bundle (default: made from the sample)")
    parser.add_argument("--max-kernels", type=int, default=server.MAX_KERNELS)
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds a reader waits for its first chart (default 300)",
    )
    args = parser.parse_args(argv)
    if args.viewers < 1 or args.viewers > 100:
        parser.error("--viewers: between 1 and 100")
    figures = asyncio.run(run(args))
    report(args, figures)
    return 0 if figures["after"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
