"""The publication bundle (analysis.publish): what goes in, and tests that try to get more out.

One bundle of the synthetic sample is made per test session, through the
command line with one named school and the default population (the pupils
who stated their gender and ethnicity; :func:`school_bundle`, about ten
seconds), and shared with ``test_bundle.py`` and ``test_static_site.py``; a
second one of every pupil (``--all-pupils``, a minute) is made for the tests
of that option (:func:`all_pupils_bundle`). The fast tests of refusals and of
the audit replace the protected tables by a few rows of it. Every check reads the written files with plain
pandas / regular expressions and compares them with the pupil rows, never
with the code's own earlier output. The attacker is
``tests/test_disclosure.py``'s, which knows how the margins add up.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import publish, schema
from analysis.errors import SurveyDataError
from analysis.load import load_survey
from test_disclosure import assert_no_recovery

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = [
    str(ROOT / "data" / "sample" / "ks3_survey_wave1_2008.csv"),
    str(ROOT / "data" / "sample" / "ks3_survey_wave2_2010.csv"),
]
SCHOOL, LABEL, REQUESTED_BY = "S05", "School A", "the school's STEM lead"
GROUPS = ("wave", "year_group", "gender", "ethnicity")


# ----------------------------------------------------------------- session bundles


def _scratch() -> Path:
    path = Path(tempfile.mkdtemp(prefix="ks3-bundle-test-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@functools.cache
def sample_survey():
    return load_survey(SAMPLE)


@functools.cache
def school_bundle() -> tuple[Path, subprocess.CompletedProcess]:
    """The sample's bundle with school S05 named, made by the command line: the one
    real bundle of a test session (making one takes a minute or more)."""
    out = _scratch() / "school bundle"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "publish",
            *SAMPLE,
            "--out",
            str(out),
            "--school",
            SCHOOL,
            "--school-label",
            LABEL,
            "--requested-by",
            REQUESTED_BY,
            "--title",
            "Test publication",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1800,
    )
    return out, run


@functools.cache
def all_pupils_bundle() -> Path:
    """The sample's bundle of every pupil (``stated_only=False``; about a minute)."""
    out = _scratch() / "all pupils bundle"
    # never released beside the session's stated-pupils bundle: a ledger of its own
    publish.build_bundle(
        sample_survey(), out, stated_only=False, ledger=_scratch() / "all pupils ledger.json"
    )
    return out


def sample_bundle() -> Path:
    """The session's bundle of the sample (see :func:`school_bundle`)."""
    out, run = school_bundle()
    assert run.returncode == 0, run.stderr
    return out


@pytest.fixture(scope="session")
def bundle() -> Path:
    return sample_bundle()


def read_csv(path: Path) -> pd.DataFrame:
    t = pd.read_csv(path, encoding="utf-8-sig", low_memory=False)
    for c in ("suppressed", "category"):
        if c in t:
            t[c] = t[c].astype(object).where(t[c].notna(), "").astype(str)
    return t


def sample_pupils() -> pd.DataFrame:
    """The sample's pupils with every binary and agreement item as 1 (ticked / agree 3-4),
    0 or NaN: what a published share counts."""
    t = sample_survey().table
    out = pd.DataFrame(
        {
            c: t[c].astype(object).where(t[c].notna(), np.nan)
            for c in (*GROUPS, "school_id", "pupil_id")
        }
    )
    for c in ("wave", "year_group"):
        out[c] = t[c].astype(float)
    for b in schema.blocks():
        if b.scale == "categorical":
            continue
        yes = {"binary": [1], "agreement": [3, 4]}[b.scale]
        for c in b.columns:
            if c in t:
                v = t[c].astype(float)
                out[c] = np.where(v.isna(), np.nan, v.isin(yes).astype(float))
    return out


def published_pupils() -> pd.DataFrame:
    """:func:`sample_pupils` of the default bundle: those who stated their gender (girl,
    boy) and ethnicity (white British, other ethnic group), selected here with plain pandas."""
    pupils = sample_pupils()
    return pupils[
        pupils["gender"].isin(["boy", "girl"])
        & pupils["ethnicity"].isin(["white_british", "other_ethnic_group"])
    ]


def attack_tables(shares: pd.DataFrame, block: str) -> dict[str, pd.DataFrame]:
    """shares.csv's share rows of a block, one table per breakdown, with its own groups only."""
    rows = shares[(shares["block"] == block) & (shares["measure"] == "share")]
    tables = {}
    for name, part in rows.groupby("breakdown", sort=False):
        dims = [] if name == "all pupils" else name.split(" × ")
        t = part[[*dims, "item", "label", "n", "count", "share", "suppressed"]].copy()
        for c in ("wave", "year_group"):
            if c in dims:
                t[c] = t[c].astype(int)
        tables[name] = t.reset_index(drop=True)
    return tables


# ----------------------------------------------------------------- the bundle


def test_manifest_lists_every_file_with_its_hash(bundle):
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "ks3-stem-publication" and manifest["bundle_version"] == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", manifest["created"])
    assert manifest["rules"] == {"min_count": 10, "min_base": 30, "min_schools": 3}
    assert manifest["distributions"] is False
    assert manifest["blocks"] == [b.key for b in schema.blocks() if b.scale != "categorical"]
    assert sorted(p.name for p in bundle.iterdir()) == [
        "comparisons.csv",
        "manifest.json",
        "school.csv",
        "shares.csv",
    ]
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((bundle / name).read_bytes()).hexdigest() == digest
    # 4073 + 2216 pupils (rounded to the nearest 10) in 27 + 19 schools; no file names
    assert "Wave 1 (2008): about 4,070 pupils in 27 schools" in manifest["source"]
    assert "Wave 2 (2010): about 2,220 pupils in 19 schools" in manifest["source"]
    # who the figures describe: by default the pupils who stated gender and ethnicity
    stated = len(published_pupils())
    assert 5900 < stated < 6289
    assert manifest["population"] == (
        "only the pupils who stated their gender (girl or boy) and ethnicity: "
        f"about {int(round(stated, -1)):,} of about 6,290 pupils"
    )
    assert manifest["source"].endswith(f"Figures describe {manifest['population']}.")
    assert ".csv" not in manifest["source"] and "sample" not in manifest["source"]
    assert len(manifest["breakdowns"]) == 16 and [] in manifest["breakdowns"]
    shares = read_csv(bundle / "shares.csv")
    names = {" × ".join(b) or "all pupils" for b in manifest["breakdowns"]}
    assert set(shares["breakdown"]) == names


def test_no_pupil_id_and_no_school_id_in_any_file(bundle):
    folder = bundle
    t = sample_survey().table
    pupil_ids = set(t["pupil_id"].astype(str))
    school_ids = set(t["school_id"].astype(str))
    assert len(pupil_ids) > 4000 and len(school_ids) == 27
    for path in folder.iterdir():
        text = path.read_bytes().decode("utf-8-sig")
        words = set(re.findall(r"[A-Za-z0-9]+", text))
        assert not words & pupil_ids, f"{path.name} holds pupil ids"
        assert not words & school_ids, f"{path.name} holds school ids"
        assert not re.search(r"\bP\d{5}\b", text)  # nothing shaped like a pupil id either
        if path.suffix == ".csv":
            header = text.splitlines()[0].split(",")
            assert "pupil_id" not in header and "school_id" not in header
    # never a pupil row: no file has as many lines as pupils in a wave with a pupil's columns
    for path in folder.glob("*.csv"):
        assert "favourite_maths," not in path.read_text(encoding="utf-8-sig").splitlines()[0]


def test_no_shown_count_under_the_threshold(bundle):
    folder = bundle
    shares = read_csv(folder / "shares.csv")
    shown = shares[shares["count"].notna() & (shares["n"] > 0)]
    assert len(shown) > 1000  # the bundle is not all hidden
    assert (shown["count"] >= 10).all()
    assert (shown["n"] - shown["count"] >= 10).all()
    assert (shares.loc[shares["n"].notna() & (shares["n"] > 0), "n"] >= 10).all()
    with_share = shares[shares["share"].notna()]
    assert (with_share["n_pupils"] >= 30).all() and (with_share["n_schools"] >= 3).all()
    hidden = shares[shares["suppressed"] != ""]
    assert set(hidden["suppressed"]) <= {"c", "u"} and len(hidden) > 0
    for c in ("count", "share", "ci_low", "ci_high", "se"):
        assert hidden[c].isna().all()
    comparisons = read_csv(folder / "comparisons.csv")
    assert {"share_first", "share_second", "n_first", "n_second"}.isdisjoint(comparisons)
    shown_c = comparisons[comparisons["estimate_pp"].notna()]
    assert len(shown_c) > 0 and (shown_c["suppressed"] == "").all()
    assert comparisons.loc[comparisons["suppressed"] == "c", "estimate_pp"].isna().all()


@pytest.mark.parametrize("block", ["visitor", "club", "trip", "enjoy", "career"])
def test_an_attacker_who_knows_the_margins_recovers_no_hidden_count(block, bundle):
    shares = read_csv(bundle / "shares.csv")
    tables = attack_tables(shares, block)
    assert len(tables) == 16
    pupils = published_pupils()
    for item in schema.block(block).columns:
        assert_no_recovery(tables, pupils=pupils, item=item)


def test_a_leaky_bundle_is_caught_by_the_attacker(bundle):
    """The attack can fail: showing one hidden count of the total table is caught."""
    shares = read_csv(bundle / "shares.csv")
    tables = attack_tables(shares, "club")
    pupils = published_pupils()
    item = "club_engineering"
    total = tables["wave × year_group × gender × ethnicity"]
    hidden = total[(total["item"] == item) & (total["suppressed"] == "c")].index
    assert len(hidden) > 0

    def truth(i):
        key = total.loc[i, ["wave", "year_group", "gender", "ethnicity"]]
        sel = np.ones(len(pupils), dtype=bool)
        for c, v in key.items():
            sel &= (pupils[c] == v).to_numpy()
        return (
            float((pupils.loc[sel, item] == 1).sum()),
            float(pupils.loc[sel, item].notna().sum()),
        )

    # a cell hidden for its own small count (not one hidden to protect another)
    i = next(i for i in hidden if min(truth(i)[0], truth(i)[1] - truth(i)[0]) < 10)
    total.loc[i, "count"], total.loc[i, "n"] = truth(i)
    total.loc[i, "suppressed"] = ""
    with pytest.raises(AssertionError):
        assert_no_recovery(tables, pupils=pupils, item=item)


# ----------------------------------------------------------------- a named school


def test_command_line_publishes_one_named_school_under_its_pseudonym(bundle):
    _, run = school_bundle()
    named = bundle
    assert "blocks: 100%" in run.stderr  # the progress bar
    assert "wrote the publication bundle" in run.stdout
    manifest = json.loads((named / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["school"] == {"label": LABEL, "requested_by": REQUESTED_BY}
    assert manifest["title"] == "Test publication"
    assert set(manifest["files"]) == {"shares.csv", "comparisons.csv", "school.csv"}
    school = read_csv(named / "school.csv")
    assert set(school["school"]) == {LABEL, "other schools"}
    assert "school_id" not in school.columns
    # the school's shown figures are its own pupils', counted with plain pandas
    pupils = published_pupils()
    own = pupils[pupils["school_id"] == SCHOOL]
    mine = school[(school["school"] == LABEL) & school["count"].notna()]
    assert len(mine) >= 20
    for _, r in mine.iterrows():
        cell = own[(own["wave"] == r["wave"]) & (own["year_group"] == r["year_group"])][r["item"]]
        assert r["n"] == cell.notna().sum() and r["count"] == (cell == 1).sum(), r["item"]
    shown = school[school["count"].notna() & (school["n"] > 0)]
    assert (shown["count"] >= 10).all() and (shown["n"] - shown["count"] >= 10).all()
    others = school[(school["school"] == "other schools") & school["n"].notna()]
    assert (others["n_schools"] >= 3).all()


# ----------------------------------------------------------------- refusals and atomic writing


def test_a_folder_that_is_not_a_bundle_is_never_written_into(tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SurveyDataError) as err:
        publish.build_bundle(sample_survey(), out)
    assert "results" in str(err.value) and "not a publication bundle" in str(err.value)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    afile = tmp_path / "a_file"
    afile.write_text("x", encoding="utf-8")
    with pytest.raises(SurveyDataError, match="is a file"):
        publish.build_bundle(sample_survey(), afile)


def test_unknown_school_and_a_label_holding_a_school_id_are_refused(tmp_path):
    with pytest.raises(SurveyDataError, match="no school 'S99'") as err:
        publish.build_bundle(sample_survey(), tmp_path / "b", school="S99")
    assert err.value.problems[0].column == "school_id"
    with pytest.raises(SurveyDataError, match="pseudonym"):
        publish.build_bundle(
            sample_survey(), tmp_path / "b", school="S05", school_label="School S05"
        )
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def fake_tables(bundle, monkeypatch):
    """Make build_bundle fast: summary_tables returns the session bundle's visitor rows
    (a test then spoils them to see the audit refuse them)."""
    shares = read_csv(bundle / "shares.csv")
    comparisons = read_csv(bundle / "comparisons.csv")
    tables = {
        "visitor": {
            "shares": shares[shares["block"] == "visitor"].reset_index(drop=True),
            "comparisons": comparisons[comparisons["block"] == "visitor"].reset_index(drop=True),
        }
    }
    monkeypatch.setattr(publish.measures, "summary_tables", lambda *a, **k: tables)
    return tables["visitor"]


def test_an_existing_bundle_is_replaced_whole(tmp_path, fake_tables):
    out = tmp_path / "pub"
    publish.build_bundle(sample_survey(), out, title="first")
    publish.build_bundle(sample_survey(), out, title="second")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["title"] == "second" and manifest["blocks"] == ["visitor"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pub"]  # no temporary left
    assert publish.is_bundle(out)


def test_no_school_is_published_unless_named(tmp_path, fake_tables):
    out = publish.build_bundle(sample_survey(), tmp_path / "pub")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["school"] is None and set(manifest["files"]) == {
        "shares.csv",
        "comparisons.csv",
    }
    assert sorted(p.name for p in out.iterdir()) == [
        "comparisons.csv",
        "manifest.json",
        "shares.csv",
    ]


@pytest.mark.parametrize(
    "spoil, complaint",
    [
        ("small count", "count under 10"),
        ("small complement", "complement under 10"),
        ("few schools", "under 3 schools"),
        ("pupil id in a label", "survey identifier"),
        ("school id in a label", "survey identifier"),
    ],
)
def test_the_audit_refuses_a_leak_and_leaves_nothing_written(
    spoil, complaint, tmp_path, fake_tables
):
    shares = fake_tables["shares"]
    i = shares.index[shares["count"].notna() & (shares["breakdown"] == "wave")][0]
    pupil = sample_survey().table["pupil_id"].iloc[17]
    if spoil == "small count":
        shares.loc[i, "count"] = 3.0
    elif spoil == "small complement":
        shares.loc[i, "count"] = shares.loc[i, "n"] - 4
    elif spoil == "few schools":
        shares.loc[i, "n_schools"] = 2
    elif spoil == "pupil id in a label":
        shares.loc[i, "label"] = f"Visitor ({pupil})"
    else:
        shares.loc[i, "label"] = "Visitor at S12"
    out = tmp_path / "pub"
    with pytest.raises(SurveyDataError, match=complaint):
        publish.build_bundle(sample_survey(), out)
    assert list(tmp_path.iterdir()) == []  # neither the bundle nor a temporary folder


def test_command_line_on_a_file_that_is_not_a_survey(tmp_path):
    bad = tmp_path / "scores.csv"
    bad.write_text("name,score\nAlice,3\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "analysis", "publish", str(bad), "--out", str(tmp_path / "pub")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert run.returncode == 1 and "scores.csv" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "pub").exists()


# ----------------------------------------------------------------- who is published


def test_the_default_bundle_is_the_stated_pupils_shares(bundle):
    pupils = published_pupils()
    shares = read_csv(bundle / "shares.csv")
    # the all-pupils base is the stated pupils', by plain pandas
    total = shares[
        (shares["breakdown"] == "all pupils")
        & (shares["item"] == "enjoy_science")
        & (shares["measure"] == "share")
    ]
    assert total["n"].item() == pupils["enjoy_science"].notna().sum()
    assert total["share"].item() == pytest.approx(pupils["enjoy_science"].mean(), rel=1e-12)
    # and no group of the others appears
    assert set(shares["gender"].dropna()) == {"boy", "girl"}
    assert set(shares["ethnicity"].dropna()) == {"white_british", "other_ethnic_group"}


def test_every_pupil_only_when_asked_and_then_far_more_is_hidden(bundle):
    every_folder = all_pupils_bundle()
    manifest = json.loads((every_folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["population"] == "every pupil of the survey"
    assert manifest["source"].endswith("Figures describe every pupil of the survey.")
    every = read_csv(every_folder / "shares.csv")
    total = every[
        (every["breakdown"] == "all pupils")
        & (every["item"] == "enjoy_science")
        & (every["measure"] == "share")
    ]
    assert total["n"].item() == sample_pupils()["enjoy_science"].notna().sum()
    stated = read_csv(bundle / "shares.csv")
    hidden = {
        name: (t["suppressed"] != "").mean() for name, t in (("every", every), ("stated", stated))
    }
    assert hidden["stated"] < hidden["every"] / 2, hidden
    gaps = read_csv(bundle / "comparisons.csv")
    gaps = gaps[gaps["measure"] == "gender_gap"]
    assert (gaps["suppressed"] == "").mean() > 0.5


@pytest.mark.parametrize("block", ["club", "enjoy"])
def test_the_every_pupil_bundle_resists_the_attacker(block):
    tables = attack_tables(read_csv(all_pupils_bundle() / "shares.csv"), block)
    assert len(tables) == 16
    pupils = sample_pupils()
    for item in schema.block(block).columns:
        assert_no_recovery(tables, pupils=pupils, item=item)


def test_command_line_all_pupils_flag_and_refusal_of_both(tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "publish",
            *SAMPLE,
            "--out",
            str(tmp_path / "pub"),
            "--all-pupils",
            "--stated-only",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert run.returncode == 2 and "not allowed with argument" in run.stderr
    assert not (tmp_path / "pub").exists()


@pytest.mark.parametrize(
    "flags, stated", [([], True), (["--stated-only"], True), (["--all-pupils"], False)]
)
def test_command_line_passes_who_to_publish(flags, stated, tmp_path, monkeypatch, capsys):
    from analysis.__main__ import main

    seen = {}

    def fake_build(survey, out, **kw):
        seen.update(kw)
        return Path(out)

    monkeypatch.setattr(publish, "build_bundle", fake_build)
    assert main(["publish", *SAMPLE, "--out", str(tmp_path / "pub"), *flags]) == 0
    assert seen["stated_only"] is stated
    said = capsys.readouterr().out
    if stated:
        assert "It describes only the pupils who stated their gender" in said
        assert re.search(r"differ from every pupil's by \d+\.\d\d percentage points", said)
    else:
        assert "It describes every pupil." in said


def test_population_difference_is_the_plain_pandas_largest_gap():
    survey = sample_survey()
    median, largest = publish.population_difference(survey, publish.published_pupils(survey)[0])
    every, kept = sample_pupils(), published_pupils()
    items = [
        c for b in schema.blocks() if b.scale != "categorical" for c in b.columns if c in every
    ]
    diffs = [(every[items].mean() - kept[items].mean()).abs()]
    for _, key in every[["wave", "year_group"]].drop_duplicates().iterrows():

        def sel(t, key=key):
            return t[(t["wave"] == key["wave"]) & (t["year_group"] == key["year_group"])]

        diffs.append((sel(every)[items].mean() - sel(kept)[items].mean()).abs())
    d = pd.concat(diffs).dropna() * 100
    assert largest == pytest.approx(d.max(), abs=1e-9)
    assert median == pytest.approx(d.median(), abs=1e-9)
    assert 0 < largest < 1  # on the sample the pupils left out answer like the rest


# ----------------------------------------------------------------- every number published together
# The outside audit of issue 11 recovered hidden counts from what a bundle publishes
# *together*: like-for-like comparisons (schools surveyed in both waves) next to the
# all-schools shares, flags of hidden rows, bases shared by the items of a block,
# q-values. Each vector is tried here as that auditor would, with plain pandas.


def common_schools(pupils: pd.DataFrame) -> set:
    waves = pupils.groupby("school_id")["wave"].nunique()
    return set(waves.index[waves == 2])


def with_school_set(pupils: pd.DataFrame) -> pd.DataFrame:
    """The pupils with ``school_set`` "common" (a school surveyed in both waves) or
    empty (surveyed once: the attacker's unknown residual)."""
    common = pupils["school_id"].isin(common_schools(pupils))
    return pupils.assign(school_set=np.where(common, "common", None))


def _cell_truth(pupils: pd.DataFrame, item: str, **key) -> tuple[float, float]:
    sel = np.ones(len(pupils), dtype=bool)
    for c, v in key.items():
        sel &= (pupils[c] == v).to_numpy()
    answers = pupils.loc[sel, item]
    return float(answers.notna().sum()), float((answers == 1).sum())


#: What each like-for-like comparison is computed from, written from its definition:
#: (table dims, the component cells of a row) for the schools surveyed in both waves.
LIKE_FOR_LIKE = {
    "change_waves": (
        ("wave", "year_group"),
        lambda r: [{"wave": w, "year_group": r["year_group"]} for w in (1, 2)],
    ),
    "cohort": (
        ("wave", "year_group"),
        lambda r: [{"wave": 1, "year_group": 7}, {"wave": 2, "year_group": 9}],
    ),
    "gender_gap_change_waves": (
        ("wave", "year_group", "gender"),
        lambda r: [
            {"wave": w, "year_group": r["year_group"], "gender": g}
            for w in (1, 2)
            for g in ("boy", "girl")
        ],
    ),
    "ethnicity_gap_change_waves": (
        ("wave", "year_group", "ethnicity"),
        lambda r: [
            {"wave": w, "year_group": r["year_group"], "ethnicity": e}
            for w in (1, 2)
            for e in ("white_british", "other_ethnic_group")
        ],
    ),
}


def like_for_like_tables(
    comparisons: pd.DataFrame, pupils: pd.DataFrame, block: str
) -> dict[str, pd.DataFrame]:
    """The common-schools tables a reader can work out from the shown like-for-like
    comparisons, at worst: every component cell of a shown comparison as if its base
    and count were printed (true values, plain pandas), the others hidden."""
    common = pupils[pupils["school_id"].isin(common_schools(pupils))]
    rows = comparisons[(comparisons["block"] == block) & (comparisons["schools"] == "common")]
    cells: dict[tuple, dict] = {}
    for _, r in rows.iterrows():
        dims, parts = LIKE_FOR_LIKE[r["measure"]]
        shown = r["suppressed"] == ""
        for part in parts(r):
            key = (dims, tuple(part[d] for d in dims), r["item"])
            if shown or key not in cells:
                n, count = _cell_truth(common, r["item"], **part) if shown else (np.nan, np.nan)
                cells[key] = {
                    **part,
                    "school_set": "common",
                    "item": r["item"],
                    "label": r["item"],
                    "n": n,
                    "count": count,
                    "share": count / n if shown and n else np.nan,
                    "suppressed": "" if shown else "c",
                }
    tables: dict[str, list] = {}
    for (dims, _, _), cell in cells.items():
        tables.setdefault(" × ".join(dims) + " (common)", []).append(cell)
    return {name: pd.DataFrame(rows) for name, rows in tables.items()}


def test_the_like_for_like_attack_can_fail(bundle):
    """Shown with every common-schools cell, an item whose schools-surveyed-once group
    is small gives it away: the joint attack at the end of this file catches that."""
    pupils = with_school_set(published_pupils())
    comparisons = read_csv(bundle / "comparisons.csv")
    comparisons = comparisons.assign(suppressed="")  # as if every comparison were shown
    caught = 0
    for block in ("club", "consider"):
        tables = {
            **attack_tables(read_csv(bundle / "shares.csv"), block),
            **like_for_like_tables(comparisons, pupils, block),
        }
        for item in schema.block(block).columns:
            try:
                assert_no_recovery(tables, pupils=pupils, item=item)
            except AssertionError:
                caught += 1
    assert caught > 0


def _fractions_near(value: float, half_width: float, max_n: int) -> list[tuple[int, int]]:
    """Every count / base with base <= max_n within half_width of value."""
    out = []
    for n in range(1, max_n + 1):
        lo, hi = (
            math.ceil((value - half_width) * n - 1e-9),
            math.floor((value + half_width) * n + 1e-9),
        )
        out.extend((c, n) for c in range(max(lo, 0), min(hi, n) + 1))
    return out


def test_published_precision_pins_no_common_schools_share(bundle):
    """The audit's first step: wave 2's schools were all surveyed in 2008 too, so the
    common-schools wave-2 share is the published all-schools one, and wave 1's is it
    minus the like-for-like change. At the float's precision that difference is one
    fraction count / base; at the published tenth of a point it is hundreds."""
    pupils = published_pupils()
    wave2_schools = set(pupils.loc[pupils["wave"] == 2, "school_id"])
    assert wave2_schools <= common_schools(pupils)
    common = pupils[pupils["school_id"].isin(common_schools(pupils))]
    shares = read_csv(bundle / "shares.csv")
    comparisons = read_csv(bundle / "comparisons.csv")
    rows = comparisons[
        (comparisons["measure"] == "change_waves")
        & (comparisons["schools"] == "common")
        & (comparisons["suppressed"] == "")
    ]
    assert len(rows) > 50
    decimals = rows["estimate_pp"].map(lambda v: len(f"{v:.10g}".partition(".")[2]))
    assert (decimals <= 1).all()
    checked = 0
    for _, r in rows.sample(20, random_state=1).iterrows():
        item, year = r["item"], int(r["year_group"])
        w2 = shares[
            (shares["breakdown"] == "wave × year_group")
            & (shares["item"] == item)
            & (shares["measure"] == "share")
            & (shares["wave"] == 2)
            & (shares["year_group"] == year)
        ]
        if w2["share"].isna().any():
            continue
        n1, c1 = _cell_truth(common, item, wave=1, year_group=year)
        max_n = int((pupils["wave"] == 1).sum())
        # the float's precision: the plain-pandas difference gives the fraction back
        exact = w2["share"].item() - (w2["share"].item() - c1 / n1)
        assert (int(c1), int(n1)) in _fractions_near(exact, 1e-12, max_n)
        # the published precision (0.05 pp either side): many fractions fit
        published = w2["share"].item() - r["estimate_pp"] / 100
        assert len(_fractions_near(published, 0.0005, max_n)) > 100
        checked += 1
    assert checked >= 10


def test_hidden_rows_carry_no_flag_that_bounds_them():
    """A row whose base is hidden shows neither low_base nor n_schools (with them 77
    hidden bases were proven under 10), and no hidden row says from how many schools."""
    shares = read_csv(all_pupils_bundle() / "shares.csv")
    hidden_n = shares["n"].isna() & (shares["suppressed"] != "")
    assert hidden_n.sum() > 0
    assert shares.loc[hidden_n, "low_base"].isna().all()
    assert shares.loc[shares["suppressed"] != "", "n_schools"].isna().all()


def test_a_base_shared_by_a_blocks_items_is_hidden_in_all_of_them_or_none():
    """Where every item of a block has the same base in a group (plain pandas says
    which blocks: every pupil who answered one item answered all), a base hidden for one
    item and shown for another would be read off the other."""
    pupils = sample_pupils()
    shares = read_csv(all_pupils_bundle() / "shares.csv")
    same_base_blocks = 0
    for block in schema.blocks():
        items = [c for c in block.columns if c in pupils]
        if block.scale == "categorical" or len(items) < 2:
            continue
        if not (pupils[items].notna().nunique(axis=1) == 1).all():
            continue  # the items' bases differ: each is its own
        same_base_blocks += 1
        rows = shares[(shares["block"] == block.key) & (shares["measure"] == "share")]
        cols = rows[["breakdown", *GROUPS]].astype(object)
        groups = cols.where(cols.notna(), "").map(str).agg("|".join, axis=1)
        state = rows.assign(g=groups.to_numpy(), hidden=rows["n"].isna()).groupby("g")["hidden"]
        mixed = state.any() & ~state.all()
        assert not mixed.any(), (block.key, list(mixed.index[mixed])[:5])
    assert same_base_blocks >= 3  # favourite subjects, careers, sources at least


def test_q_values_are_over_the_shown_comparisons_only(bundle):
    """A q-value computed over hidden tests too gives a hidden p-value away: each
    family's count in fdr_family is its shown tests, and BH over the shown p-values
    (statsmodels) agrees with the published q-values to their printed precision."""
    from statsmodels.stats.multitest import multipletests

    comparisons = read_csv(bundle / "comparisons.csv")
    checked = 0
    for family, part in comparisons.groupby("fdr_family"):
        shown = part[part["suppressed"] == ""]
        assert part.loc[part["suppressed"] != "", ["p_value", "q_value"]].isna().all().all()
        m = int(re.search(r"over the (\d+) ", family)[1])
        assert m == len(shown), family
        if len(shown) < len(part) and len(shown) > 2:
            q = multipletests(shown["p_value"], method="fdr_bh")[1]
            # p-values are printed to 2 significant figures: q agrees to about 5%
            assert np.allclose(q, shown["q_value"], rtol=0.06, atol=1e-4)
            checked += 1
    assert checked > 0


def test_a_second_population_of_the_same_survey_is_refused(tmp_path, fake_tables):
    """A stated-pupils bundle and an every-pupil bundle of one survey, each protected
    alone, gave 2,675 hidden counts by subtraction: the second is refused, whether the
    first is recorded in the ledger or lies beside it, until it is withdrawn."""
    ledger = tmp_path / "ledger.json"
    first = publish.build_bundle(sample_survey(), tmp_path / "stated", ledger=ledger)
    manifest = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["survey"])
    with pytest.raises(SurveyDataError, match="was published before") as info:
        publish.build_bundle(sample_survey(), tmp_path / "every", stated_only=False, ledger=ledger)
    assert "--withdraw-earlier" in str(info.value) and not (tmp_path / "every").exists()
    # a bundle beside it, not in this ledger, is found too
    with pytest.raises(SurveyDataError, match="was published before"):
        publish.build_bundle(
            sample_survey(),
            tmp_path / "every",
            stated_only=False,
            ledger=tmp_path / "other ledger.json",
        )
    # the same population again is fine; so is the other one once the first is withdrawn
    publish.build_bundle(sample_survey(), tmp_path / "stated again", ledger=ledger)
    shutil.rmtree(tmp_path / "stated")
    shutil.rmtree(tmp_path / "stated again")
    publish.build_bundle(
        sample_survey(), tmp_path / "every", stated_only=False, ledger=ledger, withdraw_earlier=True
    )
    assert (
        json.loads(ledger.read_text())[manifest["survey"]][0]["population"]
        == "every pupil of the survey"
    )


def test_the_fingerprint_is_the_surveys_not_the_populations():
    survey = sample_survey()
    kept = publish.published_pupils(survey)[0]
    assert publish.survey_fingerprint(survey.table) != publish.survey_fingerprint(kept.table)
    pairs = sorted(
        f"{p}\x1f{w}"
        for p, w in zip(survey.table["pupil_id"].astype(str), survey.table["wave"].astype(str))
    )
    assert (
        publish.survey_fingerprint(survey.table)
        == hashlib.sha256("\x1e".join(pairs).encode()).hexdigest()
    )


# ----------------------------------------------------------------- a file of a few schools

FEW_SCHOOLS = ["S01", "S02", "S04", "S05", "S06"]  # three in both waves, two in 2008 only


def _one_school_minority(table: pd.DataFrame) -> pd.Series:
    """The rows made white British in the few-schools file, so that in 2010 the pupils
    of other ethnic groups all come from one school (S01), as in many small surveys."""
    return (
        (table["wave"].astype(float) == 2)
        & table["school_id"].astype(str).isin(["S02", "S04"])
        & (table["ethnicity"].astype(object) == "other_ethnic_group")
    )


@functools.cache
def few_schools() -> tuple[Path, pd.DataFrame]:
    """A bundle of five schools of the sample (a researcher's small survey) whose 2010
    pupils of other ethnic groups come from one school, and its published pupils,
    selected with plain pandas."""
    from dataclasses import replace

    survey = sample_survey()
    table = survey.table
    table = table[table["school_id"].astype(str).isin(FEW_SCHOOLS)].reset_index(drop=True)
    table.loc[_one_school_minority(table), "ethnicity"] = "white_british"
    out = _scratch() / "few schools bundle"
    publish.build_bundle(
        replace(survey, table=table), out, ledger=_scratch() / "few schools ledger.json"
    )
    pupils = published_pupils()
    pupils = pupils[pupils["school_id"].isin(FEW_SCHOOLS)].copy()
    pupils.loc[_one_school_minority(pupils), "ethnicity"] = "white_british"
    return out, pupils


@pytest.mark.parametrize("block", ["club", "enjoy", "consider"])
def test_a_few_schools_bundle_resists_every_attack(block):
    folder, pupils = few_schools()
    pupils = with_school_set(pupils)
    assert pupils["school_set"].isna().any() and pupils["school_set"].notna().any()
    tables = {
        **attack_tables(read_csv(folder / "shares.csv"), block),
        **like_for_like_tables(read_csv(folder / "comparisons.csv"), pupils, block),
    }
    for item in schema.block(block).columns:
        if item in pupils:
            assert_no_recovery(tables, pupils=pupils, item=item)


def test_a_share_from_fewer_than_three_schools_is_not_one_subtraction_away():
    """A 'u' group from one or two schools is those schools' own figure: neither the
    shown margins nor linear algebra may pin its count (the audit found groups from one
    school that were the total minus the other groups)."""
    from test_disclosure import View, rank_attack, subtraction_attack

    folder, pupils = few_schools()
    shares = read_csv(folder / "shares.csv")
    checked = 0
    for block in ("club", "enjoy", "visitor", "consider"):
        tables = attack_tables(shares, block)
        for item in schema.block(block).columns:
            view = View(tables, item)
            few = set()
            for name, t in tables.items():
                dims = [] if name == "all pupils" else name.split(" × ")
                for _, r in t[t["item"] == item].iterrows():
                    sel = np.ones(len(pupils), dtype=bool)
                    for d in dims:
                        sel &= (pupils[d] == r[d]).to_numpy()
                    answered = pupils.loc[sel & pupils[item].notna().to_numpy()]
                    if 0 < answered["school_id"].nunique() < 3:
                        assert r["suppressed"] in ("u", "c"), (name, item, dict(r))
                        few.add(
                            frozenset(
                                (d, r[d].item() if hasattr(r[d], "item") else r[d]) for d in dims
                            )
                        )
            if not few:
                continue
            checked += len(few)
            found = subtraction_attack(view)["count"]
            ranks = rank_attack(view, few)["count"]
            assert not (few & set(found)), "a few-school count comes back by subtraction"
            assert not (few & ranks), "a few-school count comes back by linear algebra"
    assert checked > 0


# ----------------------------------------------------------------- everything together


def school_tables(school: pd.DataFrame, block: str) -> dict[str, pd.DataFrame]:
    """school.csv's rows of a block as the attacker's table by school, wave and year group."""
    view = school[school["block"] == block][
        ["school", "wave", "year_group", "item", "label", "n", "count", "share", "suppressed"]
    ]
    return {"school": view.astype({"wave": int, "year_group": int}).reset_index(drop=True)}


@pytest.mark.parametrize("block", ["favourite", "club", "enjoy", "career", "consider"])
def test_the_named_school_with_the_shares_and_like_for_like_recovers_nothing(block, bundle):
    """One audit of everything a school bundle publishes together, as the outside audit
    of issue 11 read it: the named school's table (school against the other schools),
    the shares of every breakdown and, at worst, the common-schools shares behind every
    shown like-for-like comparison (with the all-schools shares those give the schools
    surveyed once, and their gender and ethnicity splits). The school was
    surveyed in 2008 only, so its rows cut the schools surveyed once (all schools minus
    the common ones) into itself and the seven others: no hidden or small count may
    come back from any mix."""
    pupils = with_school_set(published_pupils())
    pupils["school"] = np.where(pupils["school_id"] == SCHOOL, LABEL, "other schools")
    assert SCHOOL not in common_schools(pupils)
    tables = {
        **attack_tables(read_csv(bundle / "shares.csv"), block),
        **like_for_like_tables(read_csv(bundle / "comparisons.csv"), pupils, block),
        **school_tables(read_csv(bundle / "school.csv"), block),
    }
    for item in schema.block(block).columns:
        if item in pupils:
            assert_no_recovery(tables, pupils=pupils, item=item)


def test_the_joint_attack_catches_a_school_row_shown_against_the_rules(bundle):
    """The attack above can fail: print the named school's true figures in every row
    (hidden ones included) and its small counts come back."""
    pupils = with_school_set(published_pupils())
    pupils["school"] = np.where(pupils["school_id"] == SCHOOL, LABEL, "other schools")
    school = school_tables(read_csv(bundle / "school.csv"), "club")["school"]
    hidden = school["suppressed"] != ""
    assert hidden.any()
    for i in school.index[hidden]:
        r = school.loc[i]
        n, count = _cell_truth(
            pupils, r["item"], school=r["school"], wave=r["wave"], year_group=r["year_group"]
        )
        school.loc[i, ["n", "count", "share", "suppressed"]] = [n, count, count / n, ""]
    tables = {
        **attack_tables(read_csv(bundle / "shares.csv"), "club"),
        **like_for_like_tables(read_csv(bundle / "comparisons.csv"), pupils, "club"),
        "school": school,
    }
    caught = 0
    for item in schema.block("club").columns:
        try:
            assert_no_recovery(tables, pupils=pupils, item=item)
        except AssertionError:
            caught += 1
    assert caught > 0


def test_the_named_schools_intervals_are_wilson_and_the_others_school_clustered(bundle):
    """school.csv carries 95% intervals so that My school and the pack on a bundle can
    judge a difference: the school's a Wilson interval on its pupils (statsmodels), the
    other schools' the school-clustered Wilson interval written out from its formulas
    (tests/test_my_school.py), and the others' only where the school's row is shown."""
    from statsmodels.stats.proportion import proportion_confint
    from test_my_school import clustered_wilson

    school = read_csv(bundle / "school.csv")
    pupils = published_pupils()
    mine = school["school"] == LABEL
    shown = school["suppressed"] == ""
    assert (school.loc[~shown, ["ci_low", "ci_high"]].isna()).all().all()
    checked = {"school": 0, "others": 0, "left out": 0}
    for (wave, year, item), rows in school.groupby(["wave", "year_group", "item"]):
        group = pupils[(pupils["wave"] == wave) & (pupils["year_group"] == year)]
        own_row, other_row = rows[rows["school"] == LABEL], rows[rows["school"] != LABEL]
        own_shown = len(own_row) == 1 and own_row["suppressed"].iloc[0] == ""
        if own_shown:
            answers = group.loc[group["school_id"] == SCHOOL, item].dropna()
            low, high = proportion_confint(int(answers.sum()), len(answers), method="wilson")
            assert own_row["ci_low"].iloc[0] == pytest.approx(low, rel=1e-9)
            assert own_row["ci_high"].iloc[0] == pytest.approx(high, rel=1e-9)
            checked["school"] += 1
        if len(other_row) == 1 and other_row["suppressed"].iloc[0] == "":
            if not own_shown:
                assert np.isnan(other_row["ci_low"].iloc[0]), (wave, year, item)
                checked["left out"] += 1
                continue
            rest = group[group["school_id"] != SCHOOL].dropna(subset=[item])
            per_school = rest.groupby("school_id")[item].agg(["size", "sum"])
            _, low, high = clustered_wilson(
                per_school["size"].to_numpy(float), per_school["sum"].to_numpy(float)
            )
            assert other_row["ci_low"].iloc[0] == pytest.approx(low, rel=1e-9)
            assert other_row["ci_high"].iloc[0] == pytest.approx(high, rel=1e-9)
            checked["others"] += 1
    assert checked["school"] > 20 and checked["others"] > 20, checked
    assert mine.any()
