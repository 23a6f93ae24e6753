"""The static site (dashboards.static_site): built only from the bundle, nothing from other hosts.

The site is made once a session from the session's bundle
(``test_publish.sample_bundle``). Its numbers are checked against the
bundle's CSV files read with plain pandas; its pages are read as text.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from plotly.offline import get_plotlyjs

from analysis import schema
from analysis.errors import SurveyDataError
from dashboards import static_site
from test_publish import ROOT, _scratch, read_csv, sample_bundle, sample_survey

PAGES = ["index.html", "subjects.html", "careers.html", "enrichment.html", "gaps.html",
         "waves.html"]


@functools.cache
def sample_site() -> Path:
    """The site of the session's bundle (made once a session)."""
    return static_site.build_site(sample_bundle(), _scratch() / "site")


@pytest.fixture(scope="module")
def site() -> Path:
    return sample_site()


def charts(page: str) -> list[list[dict]]:
    """Every chart's embedded figures (a list of plotly figure dicts per chart)."""
    text = page
    blocks = re.findall(r'<script type="application/json" class="figures">(.*?)</script>',
                        text, flags=re.S)
    return [json.loads(b) for b in blocks]


def numbers(values) -> list:
    """A trace's x as plain floats (None for a gap), whether plotly wrote a list or typed array."""
    if isinstance(values, dict) and "bdata" in values:
        import base64

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return [None if v is None else float(v) for v in values]


def test_every_page_and_plotly_from_the_site_itself(site):
    names = sorted(p.name for p in site.iterdir())
    assert names == sorted([*PAGES, "plotly.min.js"])
    assert (site / "plotly.min.js").read_text(encoding="utf-8") == get_plotlyjs()
    for name in PAGES[1:]:
        text = (site / name).read_text(encoding="utf-8")
        assert '<script src="plotly.min.js"></script>' in text
        assert "<select" in text and "Plotly.react" in text


@pytest.mark.parametrize("name", PAGES)
def test_pages_reference_no_other_host(name, site):
    text = (site / name).read_text(encoding="utf-8")
    for attribute, target in re.findall(r'\b(src|href)\s*=\s*["\']?([^"\' >]+)', text, flags=re.I):
        assert "://" not in target and not target.startswith("//"), (attribute, target)
        assert (site / target.split("#")[0]).exists(), target  # every link stays on the site
    assert not re.search(r"https?://", text), "no address of another host in the page at all"
    assert "mathjax" not in text.lower() and "@import" not in text and "@font-face" not in text
    assert "cdn" not in text.lower()


@pytest.mark.parametrize("name", PAGES)
def test_pages_hold_no_pupil_or_school_id(name, site):
    t = sample_survey().table
    words = set(re.findall(r"[A-Za-z0-9]+", (site / name).read_text(encoding="utf-8")))
    assert not words & set(t["pupil_id"].astype(str))
    assert not words & set(t["school_id"].astype(str))


def test_share_figures_hold_the_bundles_numbers(site):
    shares = read_csv(sample_bundle() / "shares.csv")
    page = (site / "subjects.html").read_text(encoding="utf-8")
    favourite = charts(page)[0]
    assert len(favourite) == len(static_site.FILTERS)  # one figure per <select> option
    checked = 0
    for figure, (who, where) in zip(favourite, static_site.FILTERS):
        assert "Favourite subjects" in figure["layout"]["title"]["text"]
        assert who in figure["layout"]["title"]["text"]
        name = " × ".join(c for c in ("wave", "year_group", "gender", "ethnicity")
                          if c in {"year_group", *where})
        rows = shares[(shares["breakdown"] == name) & (shares["block"] == "favourite")
                      & (shares["measure"] == "share")]
        for c, v in where.items():
            rows = rows[rows[c] == v]
        bars = [t for t in figure["data"] if t["type"] == "bar"]
        marks = {t["offsetgroup"]: t for t in figure["data"] if t["type"] == "scatter"}
        assert len(bars) == 2
        for trace in bars:
            year = trace["meta"]["year_group"]
            part = rows[rows["year_group"] == year].set_index("label")
            assert "base" in trace["name"]  # the base n is stated
            for label, x in zip(trace["y"], numbers(trace["x"])):
                expected = part.loc[label, "share"]
                if np.isnan(expected):
                    assert x is None and part.loc[label, "suppressed"] in ("c", "u")
                else:
                    assert x == pytest.approx(expected, rel=1e-12)
                    checked += 1
            # every hidden share is marked c / u in its bar's slot, and nothing else is
            hidden = part[part["suppressed"] != ""]
            mark = marks.get(trace["offsetgroup"], {"y": [], "text": []})
            assert dict(zip(mark["y"], mark["text"])) == hidden["suppressed"].to_dict()
    assert checked > 20


def test_gap_figures_hold_the_bundles_numbers(site):
    comparisons = read_csv(sample_bundle() / "comparisons.csv")
    page = (site / "gaps.html").read_text(encoding="utf-8")
    gender = charts(page)[0]
    blocks = [b.key for b in schema.blocks() if b.scale != "categorical"]
    assert len(gender) == len(blocks)
    shown = 0
    for figure, block in zip(gender, blocks):
        assert schema.block(block).label in figure["layout"]["title"]["text"]
        rows = comparisons[(comparisons["measure"] == "gender_gap")
                           & (comparisons["block"] == block)]
        for trace in (t for t in figure["data"] if t["type"] == "bar"):
            wave, year = (int(s) for s in re.findall(r"Wave (\d).*Year (\d)", trace["name"])[0])
            part = rows[(rows["wave"] == wave) & (rows["year_group"] == year)].set_index("label")
            for label, x, text in zip(trace["y"], numbers(trace["x"]), trace["text"]):
                expected = part.loc[label, "estimate_pp"]
                if np.isnan(expected):
                    assert x is None and part.loc[label, "suppressed"] == "c"
                else:
                    assert x == pytest.approx(expected, abs=1e-6)
                    assert float(text) == pytest.approx(expected, abs=0.05)  # one decimal
                    shown += 1
    assert shown == comparisons.loc[comparisons["measure"] == "gender_gap",
                                    "estimate_pp"].notna().sum()


def test_footnote_states_the_rules(site):
    for name in PAGES:
        text = (site / name).read_text(encoding="utf-8")
        assert "fewer than 10" in text and "under 30 pupils or under 3 schools" in text
        assert "no pupil-level data" in text


def test_a_folder_that_is_not_a_site_is_refused_and_a_site_replaced(tmp_path, site):
    out = tmp_path / "web"
    out.mkdir()
    (out / "mine.html").write_text("mine", encoding="utf-8")
    with pytest.raises(SurveyDataError, match="not a site made from a bundle"):
        static_site.build_site(sample_bundle(), out)
    assert [p.name for p in out.iterdir()] == ["mine.html"]
    again = tmp_path / "again"
    static_site.build_site(sample_bundle(), again)
    (again / "index.html").write_text((again / "index.html").read_text(encoding="utf-8")
                                      .replace("<h1>", "<h1>OLD "), encoding="utf-8")
    static_site.build_site(sample_bundle(), again)
    assert "OLD" not in (again / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again", "web"]


def test_command_line_says_why_a_bundle_cannot_be_used(tmp_path):
    run = subprocess.run([sys.executable, "-m", "dashboards.static_site", str(tmp_path / "none"),
                          "--out", str(tmp_path / "site")], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert run.returncode == 1
    assert "Nothing was written" in run.stderr and "not a folder" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("name", ["gaps.html", "waves.html"])
def test_comparison_charts_carry_no_more_precision_than_the_bundle(name, site):
    """The static site's embedded data are audited with the bundle: a comparison's
    estimate and interval ends are a tenth of a point there, as in comparisons.csv
    (the cohort chart once carried the float's digits, through the interval's
    midpoint, and gave a common-schools share back as one exact fraction)."""
    page = (site / name).read_text(encoding="utf-8")
    checked = 0
    for chart in charts(page):
        for figure in chart:
            for trace in figure["data"]:
                if trace.get("type") != "bar" or "measure" not in (trace.get("meta") or {}):
                    continue
                values = [v for v in numbers(trace["x"]) if v is not None]
                values += [v for row in trace.get("customdata", []) for v in row[:2]
                           if isinstance(v, (int, float))]
                for v in values:
                    assert abs(v * 10 - round(v * 10)) < 1e-6, (name, trace.get("name"), v)
                checked += len(values)
    assert checked > 100
