"""Take the README screenshot of the Subjects dashboard (favourite subjects first).

    python scripts/screenshot.py [--out docs/screenshot.png]

Starts Voilà on the synthetic sample (through dashboards.server, as the tests
do), opens the dashboard in headless Debian Chromium (``CHROMIUM`` or
``/usr/bin/chromium``), waits for the chart, saves a 1280x800 PNG, and stops.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from dashboards.server import HOME, VoilaServer

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshot.png"))
    args = parser.parse_args(argv)
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        print(
            f"Chromium is not at {chromium}: install it with `apt-get install chromium` "
            "or set CHROMIUM.",
            file=sys.stderr,
        )
        return 1
    with (
        VoilaServer(env={"KS3_SURVEY_FILES": "", "KS3_SURVEY_CODEBOOK": ""}) as server,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800}, device_scale_factor=1)
        page.set_default_timeout(90_000)
        page.goto(server.url + HOME.replace("index.ipynb", "subjects.ipynb"))
        # the first chart is a ranked dot plot: wait for its dots
        page.wait_for_selector(".js-plotly-plot .scatterlayer .trace .point", state="attached")
        page.mouse.move(0, 0)
        page.wait_for_timeout(1000)  # let plotly finish its transition
        # start at the dashboard's choices, so the shot shows the dashboard, not the page header
        page.locator(".ks3-explorer").first.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=args.out)
        browser.close()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
