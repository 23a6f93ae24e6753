"""The static site (dashboards.static_site): built only from the bundle, nothing from other hosts.

The site is made once a session from the session's bundle
(``test_publish.sample_bundle``). Its numbers are checked against the
bundle's CSV files read with plain pandas; its pages are read as text.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from plotly.offline import get_plotlyjs

from analysis.errors import SurveyDataError
from dashboards import static_site
from test_publish import ROOT, _scratch, read_csv, sample_bundle, sample_survey

PAGES = [
    "index.html",
    "subjects.html",
    "careers.html",
    "enrichment.html",
    "gaps.html",
    "waves.html",
]


@functools.cache
def sample_site() -> Path:
    """The site of the session's bundle (made once a session)."""
    return static_site.build_site(sample_bundle(), _scratch() / "site")


@pytest.fixture(scope="module")
def site() -> Path:
    return sample_site()


def charts(page: str) -> list[dict[tuple[str, ...], dict]]:
    """Every chart's embedded figures: per chart, ``{key: plotly figure dict}``, the key
    being the values of the chart's ``<select>`` elements."""
    blocks = re.findall(
        r'<script type="application/json" class="figures">(.*?)</script>', page, flags=re.S
    )
    out = []
    for block in blocks:
        drawn = json.loads(block)
        assert len(drawn["keys"]) == len(drawn["figures"]) == len(drawn["configs"])
        out.append({tuple(k.split("|")): f for k, f in zip(drawn["keys"], drawn["figures"])})
    return out


def selects(page: str, chart: int) -> list[list[str]]:
    """The option values of each ``<select>`` of chart ``chart`` (1, 2, …), in order."""
    section = re.search(
        rf'<section class="chart" id="chart-{chart}">(.*?)</section>', page, flags=re.S
    )[1]
    return [
        re.findall(r'<option value="([^"]*)"', s)
        for s in re.findall(r"<select.*?</select>", section, flags=re.S)
    ]


def numbers(values) -> list:
    """A trace's x as plain floats (None for a gap), whether plotly wrote a list or typed array."""
    if isinstance(values, dict) and "bdata" in values:
        import base64

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return [None if v is None else float(v) for v in values]


def test_every_page_and_plotly_from_the_site_itself(site):
    names = sorted(p.name for p in site.iterdir())
    assert names == sorted([*PAGES, "plotly.min.js", static_site.TABLES])
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
    """Every figure of the Subjects chart (each question and each combination of the
    filters) draws the bundle's shares, with their 95% intervals, and marks every hidden
    one, read back from shares.csv with plain pandas."""
    shares = read_csv(sample_bundle() / "shares.csv")
    page = (site / "subjects.html").read_text(encoding="utf-8")
    chart = charts(page)[0]
    options = selects(page, 1)
    assert [len(o) for o in options] == [4, 3, 3, 3]  # question; wave, gender, ethnicity
    assert set(chart) == set(itertools.product(*options))  # every combination drawn
    blocks = ["favourite", "enjoy", "easy", "important"]
    checked = hidden_seen = 0
    for (question, *filters), figure in chart.items():
        where = {c: v for c, v in zip(("wave", "gender", "ethnicity"), filters) if v}
        name = " × ".join(
            c for c in ("wave", "year_group", "gender", "ethnicity") if c in {"year_group", *where}
        )
        rows = shares[
            (shares["breakdown"] == name)
            & (shares["block"] == blocks[int(question)])
            & (shares["measure"] == "share")
        ]
        for c, v in where.items():
            rows = rows[rows[c].astype(str).str.replace(".0", "", regex=False) == v]
        dots = [t for t in figure["data"] if (t.get("meta") or {}).get("kind") == "share"]
        assert sorted(t["meta"]["group"] for t in dots) == [7, 9]
        marks = next(t for t in figure["data"] if (t.get("meta") or {}).get("kind") == "hidden")
        for trace in dots:
            part = rows[rows["year_group"] == trace["meta"]["group"]].set_index("item")
            items = [c[0] for c in trace["customdata"]]
            assert sorted(items) == sorted(part.index)
            plus, minus = (
                numbers(trace["error_x"]["array"]),
                numbers(trace["error_x"]["arrayminus"]),
            )
            for item, x, up, down in zip(items, numbers(trace["x"]), plus, minus):
                expected = part.loc[item]
                if expected["suppressed"]:
                    assert x is None and expected["suppressed"] in ("c", "u")
                    hidden_seen += 1
                    continue
                assert x == pytest.approx(100 * expected["share"], rel=1e-9)
                assert x + up == pytest.approx(100 * expected["ci_high"], rel=1e-9)
                assert x - down == pytest.approx(100 * expected["ci_low"], rel=1e-9)
                checked += 1
        # one mark per hidden share, and only those
        assert sorted(re.sub("<[^>]+>", "", t) for t in marks["text"]) == sorted(
            rows.loc[rows["suppressed"] != "", "suppressed"]
        )
    assert checked > 1000 and hidden_seen > 10


def test_every_chart_has_its_summary_table_and_csv_of_the_bundles_rows(site):
    """Under each figure its summary and data table, and a link to its table as CSV,
    written beside the pages: the rows the figure draws, as the bundle has them."""
    shares = read_csv(sample_bundle() / "shares.csv")
    for name in PAGES[1:]:
        page = (site / name).read_text(encoding="utf-8")
        texts = page.split('<div class="chart-text"')[1:]
        links = re.findall(r'<a href="tables/([^"]+\.csv)" download=', page)
        assert len(texts) == len(links) == sum(len(c) for c in charts(page)), name
        assert all("<table>" in t[: t.index("tables/")] or "It shows no figure" in t for t in texts)
        assert all((site / "tables" / link).is_file() for link in links)
    # one table read back: Enjoyment of girls, year 7 and year 9, every item
    table = read_csv(site / "tables" / "subjects_enjoy_share_by_year_group_girls.csv")
    bundle = shares[
        (shares["breakdown"] == "year_group × gender")
        & (shares["block"] == "enjoy")
        & (shares["measure"] == "share")
        & (shares["gender"] == "girl")
    ]
    merged = table.merge(bundle, on=["year_group", "item"], suffixes=("", "_bundle"))
    assert len(merged) == len(bundle) == len(table) > 0
    np.testing.assert_allclose(merged["share"], merged["share_bundle"], rtol=1e-12)
    assert (merged["suppressed"] == merged["suppressed_bundle"]).all()


def _estimates(figure: dict, axis: str = "x") -> dict[str, tuple[float, bool]]:
    """``{item: (estimate, filled)}`` of a comparison figure's estimate dots on ``axis``."""
    out = {}
    for trace in figure["data"]:
        meta = trace.get("meta") or {}
        if meta.get("role") != "estimate" or trace.get("xaxis", "x") != axis:
            continue
        for x, custom in zip(numbers(trace["x"]), trace.get("customdata", [])):
            if x is not None:
                out[custom[0]] = (x, meta["significant"])
    return out


def test_gap_figures_hold_the_bundles_numbers_and_significance(site):
    comparisons = read_csv(sample_bundle() / "comparisons.csv")
    page = (site / "gaps.html").read_text(encoding="utf-8")
    gaps, years, waves = charts(page)
    compares, blocks, wave_values, year_values = selects(page, 1)
    assert compares == ["gender", "ethnicity"] and blocks[0] == "all"
    shown = 0
    for (compare, block, wave, year), figure in gaps.items():
        if block == "all":
            continue
        rows = comparisons[
            (comparisons["measure"] == f"{compare}_gap")
            & (comparisons["block"] == block)
            & (comparisons["wave"] == int(wave))
            & (comparisons["year_group"] == int(year))
        ].set_index("item")
        drawn = _estimates(figure)
        assert set(drawn) == set(rows.index[rows["estimate_pp"].notna()])
        for item, (x, filled) in drawn.items():
            assert x == pytest.approx(rows.loc[item, "estimate_pp"], abs=1e-9)
            assert filled == bool(rows.loc[item, "significant_fdr"])
        hidden = {
            a["name"][len("hidden:") :]: re.sub("<[^>]+>", "", a["text"])
            for a in figure["layout"]["annotations"]
            if a.get("name", "").startswith("hidden:") and "–" not in a["text"]
        }
        assert hidden == rows.loc[rows["suppressed"] != "", "suppressed"].to_dict()
        shown += len(drawn)
    assert (
        shown
        == comparisons.loc[
            comparisons["measure"].isin(["gender_gap", "ethnicity_gap"]), "estimate_pp"
        ]
        .notna()
        .sum()
    )
    # year 7 -> 9: each wave's change of the gap, on the right panel
    figure = years[("gender", "consider", "1")]
    rows = comparisons[
        (comparisons["measure"] == "gender_gap_change_years")
        & (comparisons["block"] == "consider")
        & (comparisons["wave"] == 1)
    ]
    drawn = _estimates(figure, "x2")
    assert drawn and set(drawn) == set(rows.loc[rows["estimate_pp"].notna(), "item"])
    for item, (x, _) in drawn.items():
        assert x == pytest.approx(rows.set_index("item").loc[item, "estimate_pp"], abs=1e-9)
    assert {k[-1] for k in waves} == {"all", "common"}  # the gap between waves, like for like


def test_wave_change_like_for_like_holds_the_bundles_numbers(site):
    comparisons = read_csv(sample_bundle() / "comparisons.csv")
    page = (site / "waves.html").read_text(encoding="utf-8")
    change, cohort = charts(page)
    assert selects(page, 1)[2] == ["all", "common"]
    for schools in ("all", "common"):
        figure = change[("enjoy", "9", schools)]
        assert ("both waves" in figure["layout"]["title"]["text"]) is (schools == "common")
        rows = comparisons[
            (comparisons["measure"] == "change_waves")
            & (comparisons["schools"] == schools)
            & (comparisons["block"] == "enjoy")
            & (comparisons["year_group"] == 9)
        ].set_index("item")
        drawn = _estimates(figure, "x2")
        assert set(drawn) == set(rows.index[rows["estimate_pp"].notna()]) and drawn
        for item, (x, filled) in drawn.items():
            assert x == pytest.approx(rows.loc[item, "estimate_pp"], abs=1e-9)
            assert filled == bool(rows.loc[item, "significant_fdr"])
    assert set(cohort) >= {("enjoy", "all"), ("enjoy", "common")}


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
    (again / "index.html").write_text(
        (again / "index.html").read_text(encoding="utf-8").replace("<h1>", "<h1>OLD "),
        encoding="utf-8",
    )
    static_site.build_site(sample_bundle(), again)
    assert "OLD" not in (again / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again", "web"]


def test_command_line_says_why_a_bundle_cannot_be_used(tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "dashboards.static_site",
            str(tmp_path / "none"),
            "--out",
            str(tmp_path / "site"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert run.returncode == 1
    assert "Nothing was written" in run.stderr and "not a folder" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("name", ["gaps.html", "waves.html"])
def test_comparison_charts_carry_no_more_precision_than_the_bundle(name, site):
    """The static site's embedded data are audited with the bundle: a comparison's
    estimate and interval ends are a tenth of a point there, as in comparisons.csv
    (the cohort chart once carried the float's digits, through the interval's
    midpoint, and gave a common-schools share back as one exact fraction): every
    estimate, interval end and interval arm drawn is a tenth of a point."""
    page = (site / name).read_text(encoding="utf-8")
    checked = 0
    for chart in charts(page):
        for figure in chart.values():
            for trace in figure["data"]:
                if (trace.get("meta") or {}).get("role") != "estimate":
                    continue
                values = [v for v in numbers(trace["x"]) if v is not None]
                values += [
                    v
                    for key in ("array", "arrayminus")
                    for v in numbers(trace["error_x"][key])
                    if v is not None
                ]
                values += [
                    v
                    for row in trace.get("customdata", [])
                    for v in row[5:7]
                    if isinstance(v, (int, float))
                ]
                for v in values:
                    assert abs(v * 10 - round(v * 10)) < 1e-6, (name, trace.get("name"), v)
                checked += len(values)
    assert checked > 100


#: What names one row of comparisons.csv (with the wave and year group a table has).
COMPARISON_KEYS = ("wave", "year_group", "measure", "schools", "block", "item", "compared")


def test_the_sites_tables_publish_nothing_the_bundle_does_not(site):
    """The static site's data enter the bundle's audit only if they add nothing to it:
    every share row of every table CSV is a row of shares.csv, unchanged, and every
    comparison row is a row of comparisons.csv whose component shares and bases
    (``share_first``, ``n_first``, …) are shown rows of shares.csv (for a gap change,
    its two gaps: shown gap rows, and the sum of two shown bases); like-for-like rows
    carry no components (the common-schools shares are not published). A hidden row's
    flags are blank, as in the bundle (the site once wrote ``low_base`` False there)."""
    shares = read_csv(sample_bundle() / "shares.csv")
    comparisons = read_csv(sample_bundle() / "comparisons.csv")
    shown = shares[(shares["suppressed"] == "") & shares["n"].notna() & shares["share"].notna()]
    published = {
        (r.block, r.item, float(r.n), round(float(r.share), 12))
        for r in shown.itertuples(index=False)
    }
    n_shown: dict[tuple, set] = {}
    for r in shown.itertuples(index=False):
        n_shown.setdefault((r.block, r.item), set()).add(float(r.n))
    gap_rows = comparisons[
        comparisons["measure"].str.endswith("_gap") & (comparisons["suppressed"] == "")
    ]
    gaps = {
        (r.block, r.item, round(float(r.estimate_pp), 1)) for r in gap_rows.itertuples(index=False)
    }
    tables = sorted((site / "tables").glob("*.csv"))
    assert len(tables) > 100
    checked = {"share": 0, "comparison": 0, "component": 0}
    for path in tables:
        table = read_csv(path)
        if "compared" in table:
            keys = [c for c in COMPARISON_KEYS if c in table]
            merged = table.merge(comparisons, on=keys, how="left", suffixes=("", "_b"))
            assert len(merged) == len(table), path.name
            for c in comparisons.columns.difference([*keys, "wave", "year_group"]):
                a, b = merged[c], merged[f"{c}_b"]
                same = (a.isna() & b.isna()) | (a.astype(str) == b.astype(str))
                assert same.all(), (path.name, c)
            checked["comparison"] += len(table)
            for r in table.itertuples(index=False):
                for side in ("first", "second"):
                    n, share = getattr(r, f"n_{side}"), getattr(r, f"share_{side}")
                    if r.schools != "all":
                        assert np.isnan(n) and np.isnan(share), (path.name, r.item)
                    elif np.isnan(n):
                        continue
                    elif "_gap_change_" in r.measure:
                        # the two gaps, each a shown gap row: its estimate, both its bases
                        assert (r.block, r.item, round(share * 100, 1)) in gaps, (path.name, r)
                        bases = sorted(n_shown[(r.block, r.item)])
                        assert any(n - a in n_shown[(r.block, r.item)] for a in bases), r
                        checked["component"] += 1
                    else:
                        key = (r.block, r.item, float(n), round(float(share), 12))
                        assert key in published, (path.name, r.item, side, n, share)
                        checked["component"] += 1
        else:
            keys = [c for c in shares.columns if c in table]
            merged = table.merge(shares, on=keys, how="left", indicator=True)
            assert (merged["_merge"] == "both").all(), path.name
            checked["share"] += len(table)
    assert min(checked.values()) > 100, checked
