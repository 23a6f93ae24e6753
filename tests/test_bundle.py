"""BundleResults (dashboards.bundle): the public dashboards' numbers from a publication bundle.

The bundles are the session's (``test_publish.sample_bundle`` /
``school_bundle``), of the pupils who stated their gender and ethnicity (the
default). Every shown number is checked twice: against plain-pandas shares of
those pupils (independent of analysis.measures) and against
:class:`~dashboards.results.LiveResults` on the same pupils, cell for cell.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from analysis import measures, publish
from analysis.errors import SurveyDataError
from dashboards import data, filters, results
from dashboards.bundle import BundleResults
from dashboards.results import COMPARISONS, LiveResults
from test_publish import LABEL, published_pupils, sample_bundle, sample_survey

GROUPS = ("wave", "year_group", "gender", "ethnicity")
BREAKDOWNS = [list(c) for k in range(5) for c in itertools.combinations(GROUPS, k)]


@pytest.fixture(scope="module")
def published() -> BundleResults:
    return BundleResults(sample_bundle())


@pytest.fixture(scope="module")
def live() -> LiveResults:
    survey, _ = publish.published_pupils(sample_survey())
    return LiveResults(survey)


@pytest.fixture(scope="module")
def pupils() -> pd.DataFrame:
    return published_pupils()


def plain_shares(pupils: pd.DataFrame, by: list[str], items: list[str]) -> pd.DataFrame:
    """n answered and count ticked / agreeing per group and item, with plain pandas:
    columns ``*by, item, n_plain, count_plain``."""
    frame = pupils[[*by, *items]].dropna(subset=by).assign(_all=0)
    keys = by or ["_all"]
    n = frame.groupby(keys)[items].count().stack().rename("n_plain")
    count = frame.groupby(keys)[items].sum().stack().rename("count_plain")
    out = pd.concat([n, count], axis=1).reset_index()
    out = out.rename(columns={out.columns[len(keys)]: "item"})
    return out.drop(columns=["_all"], errors="ignore")


@pytest.mark.parametrize("by", BREAKDOWNS, ids=lambda b: "×".join(b) or "all")
def test_shown_shares_are_the_pupils_shares(by, published, pupils):
    table = published.shares(by)
    table = table[table["measure"] == "share"]
    items = sorted(set(table["item"]))
    plain = plain_shares(pupils, by, items)
    keyed = table.assign(
        **{
            c: table[c].astype(object).astype(float if c in ("wave", "year_group") else str)
            for c in by
        }
    )
    plain = plain.assign(
        **{c: plain[c].astype(float if c in ("wave", "year_group") else str) for c in by}
    )
    merged = keyed.merge(plain, on=[*by, "item"], how="left", validate="one_to_one")
    assert len(merged) == len(keyed)
    shown = merged[merged["suppressed"] == ""]
    assert len(shown) > 0
    np.testing.assert_array_equal(shown["count"], shown["count_plain"])
    np.testing.assert_array_equal(shown["n"], shown["n_plain"])
    np.testing.assert_allclose(shown["share"], shown["count_plain"] / shown["n_plain"], rtol=1e-12)
    hidden = merged[merged["suppressed"] != ""]
    assert set(hidden["suppressed"]) <= {"c", "u"}
    assert hidden[["count", "share", "ci_low", "ci_high"]].isna().all().all()


@pytest.mark.parametrize("by", BREAKDOWNS, ids=lambda b: "×".join(b) or "all")
def test_bundle_and_live_results_agree_on_every_shown_cell(by, published, live):
    b = published.shares(by)
    lv = live.shares(by)
    lv = lv[lv["measure"] == "share"]
    for c in by:  # filters compare equal to live values
        assert b[c].dtype == lv[c].dtype, c
    assert list(b.columns) == list(lv.columns)
    keys = [*by, "item"]
    merged = b.merge(
        lv, on=keys, how="outer", suffixes=("", "_live"), validate="one_to_one", indicator=True
    )
    assert (merged["_merge"] == "both").all()  # the same groups and items
    shown = merged[merged["suppressed"] == ""]
    # a cell the bundle shows passes the primary rules live too, with the same numbers
    assert (shown["suppressed_live"] == "").all()
    for c in ("n", "count", "share", "se", "ci_low", "ci_high", "deff", "n_eff", "n_schools"):
        np.testing.assert_allclose(
            shown[c].astype(float), shown[f"{c}_live"].astype(float), rtol=1e-9, err_msg=c
        )
    # what the primary rules hide live is hidden in the bundle too
    assert (merged.loc[merged["suppressed_live"] != "", "suppressed"] != "").all()


@pytest.mark.parametrize(
    "measure, schools",
    [
        *((m, "all") for m in COMPARISONS),
        ("change_waves", "common"),
        ("cohort", "common"),
        ("gender_gap_change_waves", "common"),
        ("ethnicity_gap_change_waves", "common"),
    ],
)
def test_bundle_and_live_comparisons_agree_where_shown(measure, schools, published, live):
    b = published.comparisons(measure, schools=schools)
    lv = live.comparisons(measure, schools=schools)
    assert list(b.columns) == list(lv.columns) and len(b) == len(lv) > 0
    by = list(COMPARISONS[measure])
    for c in by:
        assert b[c].dtype == lv[c].dtype
    merged = b.merge(lv, on=[*by, "item"], suffixes=("", "_live"), validate="one_to_one")
    shown = merged[merged["estimate_pp"].notna()]
    hidden = merged[merged["estimate_pp"].isna()]
    assert (hidden["suppressed"] == "c").all()
    assert (shown["suppressed"] == "").all()
    # published to a tenth of a point (se to 0.01, p to two significant figures); the
    # q-values are over the shown tests only, so they are compared in test_publish
    for c, within in (
        ("estimate_pp", 0.05),
        ("ci_low_pp", 0.05),
        ("ci_high_pp", 0.05),
        ("se_pp", 0.005),
    ):
        np.testing.assert_allclose(
            shown[c], shown[f"{c}_live"], rtol=0, atol=within + 1e-9, err_msg=c
        )
    np.testing.assert_allclose(
        shown["p_value"], shown["p_value_live"], rtol=0.05 + 1e-9, atol=0, err_msg="p_value"
    )
    parts = ["share_first", "share_second", "n_first", "n_second"]
    if schools == "common":
        assert b[parts].isna().all().all()  # not published
    else:
        # read back from the bundle's own shares (gaps, for gap changes): the live
        # figures, where shown
        assert len(shown) > 0
        for c in parts:
            # a gap change's parts are the two gaps (proportions), published to a tenth
            # of a point; the other comparisons' parts are shares, published exactly
            within = 0.0005 if "gap_change" in measure and c.startswith("share") else 0
            np.testing.assert_allclose(
                shown[c].astype(float),
                shown[f"{c}_live"].astype(float),
                rtol=1e-9,
                atol=within + 1e-12,
                err_msg=c,
            )
        assert hidden[parts].isna().all().all()


def test_levels_blocks_and_filters_match_the_live_results(published, live):
    for column in GROUPS:
        assert published.levels(column) == live.levels(column)
    assert published.levels("wave") == [1, 2] and type(published.levels("wave")[0]) is int
    assert [b.key for b in published.blocks()] == [
        b.key for b in live.blocks() if b.scale != "categorical"
    ]
    assert published.published and not published.has_distributions
    assert published.rules == live.rules
    f = filters.Filters(published)
    f.set(wave=2, gender="girl")
    view = published.view(["year_group"], f.value, ["favourite"])
    assert set(view["wave"]) == {2} and set(view["gender"].astype(str)) == {"girl"}
    same = live.view(["year_group"], f.value, ["favourite"])
    shown = view["suppressed"] == ""
    np.testing.assert_allclose(view.loc[shown, "share"], same.loc[shown, "share"])


def test_note_says_published_and_disclosure_controlled(published):
    text = published.note().value
    assert "Published figures" in text and "protected for publication" in text
    assert "base under 10 pupils is hidden (c)" in text and "3 schools" in text
    assert "like-for-like comparisons" in text
    assert "4,070 pupils" in text


def test_named_school_is_its_pseudonym_only(published):
    r = published
    assert r.school_ids() == [LABEL] and r.levels("school_id") == [LABEL]
    own = r.shares(["school_id", "wave", "year_group"], ["club"])
    assert set(own["school_id"].astype(str)) == {LABEL}
    assert list(own.columns) == ["wave", "year_group", "school_id", *measures.SHARE_COLUMNS]
    pupils = published_pupils()
    mine = pupils[pupils["school_id"] == "S05"]
    for _, row in own[own["suppressed"] == ""].iterrows():
        cell = mine[(mine["wave"] == row["wave"]) & (mine["year_group"] == row["year_group"])]
        assert row["count"] == (cell[row["item"]] == 1).sum()
    with pytest.raises(ValueError, match="wave, year_group only"):
        r.shares(["school_id"])
    assert set(r.school_view()["school"]) == {LABEL, "other schools"}
    assert "School A" in r.note().value


def test_a_bundle_without_a_school_offers_none(copy):
    (copy / "school.csv").unlink()
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    del manifest["files"]["school.csv"]
    manifest["school"] = None
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    r = BundleResults(copy)
    assert r.school_ids() == [] and r.levels("school_id") == []
    with pytest.raises(ValueError, match="no school"):
        r.shares(["school_id", "wave", "year_group"])


def test_current_reads_the_bundle_named_by_the_environment(monkeypatch):
    monkeypatch.setattr(data, "_current", {})
    monkeypatch.setenv(results.BUNDLE_VARIABLE, str(sample_bundle()))
    r = data.current()
    assert isinstance(r, BundleResults) and r.published


# ----------------------------------------------------------------- broken bundles


@pytest.fixture
def copy(tmp_path):
    dest = tmp_path / "copy"
    shutil.copytree(sample_bundle(), dest)
    return dest


def rehash(folder, name):
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"][name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def edit_manifest(folder, **changes):
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(changes)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def broken(folder) -> SurveyDataError:
    with pytest.raises(SurveyDataError) as err:
        BundleResults(folder)
    problem = err.value.problems[0]
    assert problem.todo  # always says what to do
    return err.value


def test_missing_manifest_or_folder(copy, tmp_path):
    (copy / "manifest.json").unlink()
    err = broken(copy)
    assert err.problems[0].file.endswith("manifest.json") and "missing" in str(err)
    err = broken(tmp_path / "nowhere")
    assert "not a folder" in str(err)


@pytest.mark.parametrize(
    "changes, said",
    [
        ({"format": "something-else"}, "not a publication bundle"),
        ({"bundle_version": 2}, "version 2"),
        ({"rules": {"min_count": "ten"}}, "rules"),
    ],
)
def test_wrong_format_or_version(copy, changes, said):
    edit_manifest(copy, **changes)
    err = broken(copy)
    assert said in str(err) and err.problems[0].file.endswith("manifest.json")


def test_not_json(copy):
    (copy / "manifest.json").write_text("{not json", encoding="utf-8")
    assert "cannot be read as JSON" in str(broken(copy))


def test_a_changed_file_fails_its_hash(copy):
    text = (copy / "shares.csv").read_text(encoding="utf-8-sig")
    (copy / "shares.csv").write_text(text.replace(",c\n", ",\n", 1), encoding="utf-8-sig")
    err = broken(copy)
    assert err.problems[0].file.endswith("shares.csv") and "SHA-256" in str(err)


def test_a_missing_file(copy):
    (copy / "comparisons.csv").unlink()
    err = broken(copy)
    assert err.problems[0].file.endswith("comparisons.csv") and "missing" in str(err)


def test_a_missing_column(copy):
    t = pd.read_csv(copy / "shares.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    t.drop(columns=["share"]).to_csv(copy / "shares.csv", index=False, encoding="utf-8-sig")
    rehash(copy, "shares.csv")
    err = broken(copy)
    assert err.problems[0].file.endswith("shares.csv") and "lacks the column(s) share" in str(err)


def test_a_group_value_the_survey_does_not_have(copy):
    t = pd.read_csv(copy / "shares.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    t.loc[t["gender"] == "girl", "gender"] = "martian"
    t.to_csv(copy / "shares.csv", index=False, encoding="utf-8-sig")
    rehash(copy, "shares.csv")
    err = broken(copy)
    assert err.problems[0].column == "gender" and "martian" in str(err)
