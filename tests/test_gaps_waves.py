"""Gender gaps and Waves and cohort dashboards, driven as Python objects on the sample.

Every number read from a figure is checked against an independent computation
on the sample's pupil rows: plain pandas means for shares and gaps, and
statsmodels OLS with school-clustered covariance for intervals. statsmodels'
cluster covariance (CR1) carries ``G/(G-1) · (N-1)/(N-K)``, ours ``G/(G-1)``
only, so its standard error is ours times ``sqrt((N-1)/(N-K))`` (see
tests/test_stats.py).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as dist

from analysis import measures
from analysis.figures import comparisons as charts
from dashboards import data, downloads, gender_gaps, results, waves

ENGINEERING = "consider_engineering"


@pytest.fixture(scope="module")
def sample():
    return data.survey(data.DataSource(data.SAMPLE_FILES, None, True))


@pytest.fixture(scope="module")
def table(sample) -> pd.DataFrame:
    return sample.table


@pytest.fixture
def live(sample) -> results.LiveResults:
    return results.LiveResults(sample)


def yes(t: pd.DataFrame, item: str) -> pd.Series:
    """1 where the pupil ticked / agreed (binary item: 1), NaN where not answered."""
    return t[item].astype("float64")


def share(t: pd.DataFrame, item: str) -> float:
    return float(yes(t, item).mean())  # mean over pupils who answered


def drawn(fig, role: str = "estimate") -> dict:
    """{item: (x, trace, index)} of the points drawn by traces with ``role``."""
    out = {}
    for trace in fig.data:
        if trace.meta["role"] != role:
            continue
        for i, (x, custom) in enumerate(zip(trace.x, trace.customdata or ())):
            if x is not None:
                out[custom[0]] = (x, trace, i)
    return out


def interval(point) -> tuple[float, float]:
    x, trace, i = point
    return x - trace.error_x.arrayminus[i], x + trace.error_x.array[i]


def cluster_ols(y, X, school):
    codes = pd.factorize(np.asarray(school))[0]
    return sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)


def regression_frame(t: pd.DataFrame, item: str) -> pd.DataFrame:
    d = pd.DataFrame(
        {
            "y": yes(t, item).to_numpy(),
            "boy": (t["gender"] == "boy").astype(float).to_numpy(),
            "y9": (t["year_group"] == 9).astype(float).to_numpy(),
            "school": t["school_id"].astype(str).to_numpy(),
        }
    )
    return d[d["y"].notna().to_numpy()].reset_index(drop=True)


def our_interval_from_statsmodels(fit, coefficient: str, n: int, k: int, schools: int):
    """Our 95% interval in pp from statsmodels' estimate and se, undoing (N-1)/(N-K)."""
    se = fit.bse[coefficient] / np.sqrt((n - 1) / (n - k))
    half = dist.t.ppf(0.975, schools - 1) * se
    return 100 * (fit.params[coefficient] - half), 100 * (fit.params[coefficient] + half)


# ---------------------------------------------------------------- gender gaps


def test_gap_on_the_chart_is_boys_share_minus_girls_share(live, table):
    dashboard = gender_gaps.GenderGaps(live)
    assert (dashboard.block.value, dashboard.wave.value, dashboard.year_group.value) == (
        "consider",
        1,
        7,
    )
    cell = table[(table["wave"] == 1) & (table["year_group"] == 7)]
    boys, girls = cell[cell["gender"] == "boy"], cell[cell["gender"] == "girl"]
    points = drawn(dashboard.gaps.figure)
    assert len(points) == 4
    for item, (x, trace, i) in points.items():
        assert x == pytest.approx(100 * (share(boys, item) - share(girls, item)), rel=1e-10)
        # the hover's bases: boys and girls who answered
        assert trace.customdata[i][3] == yes(boys, item).notna().sum()
        assert trace.customdata[i][4] == yes(girls, item).notna().sum()


def test_gap_interval_is_statsmodels_cluster_ols(live, table):
    dashboard = gender_gaps.GenderGaps(live)
    cell = table[
        (table["wave"] == 1) & (table["year_group"] == 7) & table["gender"].isin(["boy", "girl"])
    ]
    d = regression_frame(cell, ENGINEERING)
    fit = cluster_ols(d["y"], sm.add_constant(d[["boy"]]), d["school"])
    expected = our_interval_from_statsmodels(fit, "boy", len(d), 2, d["school"].nunique())
    point = drawn(dashboard.gaps.figure)[ENGINEERING]
    assert point[0] == pytest.approx(100 * fit.params["boy"], rel=1e-10)
    assert interval(point) == pytest.approx(expected, rel=1e-9)


def test_year7_to_year9_change_is_the_ols_interaction(live, table):
    """The issue's question: did girls fall further behind boys in engineering careers
    between year 7 and year 9 (wave 1), and is that more than noise?"""
    dashboard = gender_gaps.GenderGaps(live)
    assert "year 7 and year 9" in dashboard.years.figure.layout.title.text
    wave = table[(table["wave"] == 1) & table["gender"].isin(["boy", "girl"])]
    d = regression_frame(wave, ENGINEERING)
    d["boy_y9"] = d["boy"] * d["y9"]
    fit = cluster_ols(d["y"], sm.add_constant(d[["boy", "y9", "boy_y9"]]), d["school"])
    point = drawn(dashboard.years.figure)[ENGINEERING]
    assert point[0] == pytest.approx(100 * fit.params["boy_y9"], rel=1e-9)
    expected = our_interval_from_statsmodels(fit, "boy_y9", len(d), 4, d["school"].nunique())
    assert interval(point) == pytest.approx(expected, rel=1e-9)
    # the dumbbell's ends are the gaps at year 7 and year 9
    y7 = wave[wave["year_group"] == 7]
    gap7 = share(y7[y7["gender"] == "boy"], ENGINEERING) - share(
        y7[y7["gender"] == "girl"], ENGINEERING
    )
    assert drawn(dashboard.years.figure, "first")[ENGINEERING][0] == pytest.approx(100 * gap7)
    # the answer is on the chart: significant (filled) or not (hollow), by BH q < 0.05
    q = (
        live.comparisons("gender_gap_change_years", ["consider"])
        .set_index(["wave", "item"])
        .loc[(1, ENGINEERING), "q_value"]
    )
    assert point[1].meta["significant"] == bool(q < 0.05)


def test_ethnicity_toggle_shows_other_minus_white_british(live, table):
    dashboard = gender_gaps.GenderGaps(live)
    before = drawn(dashboard.gaps.figure)[ENGINEERING][0]
    dashboard.compare.value = "ethnicity"
    assert dashboard.gaps.figure.layout.title.text.startswith("Ethnicity gap")
    cell = table[(table["wave"] == 1) & (table["year_group"] == 7)]
    other = cell[cell["ethnicity"] == "other_ethnic_group"]
    white = cell[cell["ethnicity"] == "white_british"]
    after = drawn(dashboard.gaps.figure)[ENGINEERING][0]
    assert after == pytest.approx(
        100 * (share(other, ENGINEERING) - share(white, ENGINEERING)), rel=1e-10
    )
    assert after != pytest.approx(before)


def test_wave_and_year_choices_redraw_the_gaps(live, table):
    dashboard = gender_gaps.GenderGaps(live)
    dashboard.wave.value = 2
    dashboard.year_group.value = 9
    assert "wave 2 (2010), year 9" in dashboard.gaps.figure.layout.title.text
    cell = table[(table["wave"] == 2) & (table["year_group"] == 9)]
    expected = 100 * (
        share(cell[cell["gender"] == "boy"], "consider_maths")
        - share(cell[cell["gender"] == "girl"], "consider_maths")
    )
    assert drawn(dashboard.gaps.figure)["consider_maths"][0] == pytest.approx(expected)
    assert "year 9" in dashboard.waves.figure.layout.title.text


def test_all_blocks_lists_every_item_with_its_block(live):
    dashboard = gender_gaps.GenderGaps(live)
    dashboard.block.value = gender_gaps.ALL_BLOCKS
    rows = list(dashboard.gaps.figure.layout.yaxis.categoryarray)
    expected = live.comparisons("gender_gap").query("wave == 1 and year_group == 7")
    assert len(rows) == len(expected) > 50
    assert "Enjoyment: Maths" in rows and "STEM careers considered: Engineering" in rows


def test_a_hidden_gap_is_marked_not_drawn(live):
    dashboard = gender_gaps.GenderGaps(live)
    dashboard.block.value = "favourite"
    shown = live.comparisons("gender_gap", ["favourite"]).query("wave == 1 and year_group == 7")
    hidden = shown[shown["suppressed"] != ""]
    assert len(hidden)  # the sample hides at least one (few girls choose engineering)
    for row in hidden.itertuples():
        assert row.item not in drawn(dashboard.gaps.figure)
        notes = [
            a.text
            for a in dashboard.gaps.figure.layout.annotations
            if a.name == f"hidden:{row.item}"
        ]
        assert notes == [f"<b>{row.suppressed}</b>"]
    # the download keeps the row, with its mark and no number
    csv = pd.read_csv(io.BytesIO(downloads.csv_bytes(dashboard.gaps.downloads.table)))
    kept = csv[csv["item"].isin(hidden["item"])]
    assert len(kept) == len(hidden) and kept["estimate_pp"].isna().all()
    assert set(kept["suppressed"]) == set(hidden["suppressed"])


def test_schools_toggle_says_which_schools_the_waves_chart_uses(live):
    dashboard = gender_gaps.GenderGaps(live)
    assert "all schools" in dashboard.waves.figure.layout.title.text
    before = [list(t.x) for t in dashboard.waves.figure.data]
    dashboard.schools.value = "common"
    assert "only the 19 schools surveyed in both waves" in dashboard.waves.figure.layout.title.text
    assert [list(t.x) for t in dashboard.waves.figure.data] != before
    assert set(dashboard.waves.table["schools"]) == {"common"}


def test_the_page_says_fdr_is_per_block(live):
    dashboard = gender_gaps.GenderGaps(live)
    assert "per block" in gender_gaps.INTRO and "Benjamini-Hochberg" in gender_gaps.INTRO
    family = live.comparisons("gender_gap", ["consider"])["fdr_family"].iloc[0]
    assert (
        gender_gaps.fdr_sentence(pd.DataFrame({"fdr_family": [family]})) in dashboard.gaps.fdr.value
    )


def test_choices_never_recompute_the_tables(live, monkeypatch):
    dashboard = gender_gaps.GenderGaps(live)
    calls = []
    for name in ("gaps", "gap_change", "change", "cohort", "shares"):
        real = getattr(live.aggregates, name)
        monkeypatch.setattr(
            live.aggregates,
            name,
            lambda *a, _real=real, _name=name, **k: calls.append(_name) or _real(*a, **k),
        )
    for control, value in (
        (dashboard.compare, "ethnicity"),
        (dashboard.wave, 2),
        (dashboard.block, "enjoy"),
        (dashboard.schools, "common"),
        (dashboard.year_group, 9),
        (dashboard.compare, "gender"),
    ):
        control.value = value
    assert calls == []


# ------------------------------------------------------------- waves and cohort


def test_change_between_waves_shows_both_shares_and_their_difference(live, table):
    dashboard = waves.Waves(live)
    assert dashboard.block.value == "consider" and dashboard.year_group.value == 7
    y7 = table[table["year_group"] == 7]
    first = share(y7[y7["wave"] == 1], ENGINEERING)
    second = share(y7[y7["wave"] == 2], ENGINEERING)
    fig = dashboard.change.figure
    assert drawn(fig, "first")[ENGINEERING][0] == pytest.approx(100 * first, rel=1e-10)
    assert drawn(fig, "second")[ENGINEERING][0] == pytest.approx(100 * second, rel=1e-10)
    assert drawn(fig)[ENGINEERING][0] == pytest.approx(100 * (second - first), rel=1e-10)
    assert "all schools" in fig.layout.title.text


def test_like_for_like_uses_only_schools_in_both_waves(live, table):
    dashboard = waves.Waves(live)
    dashboard.schools.value = "common"
    fig = dashboard.change.figure
    assert "only the 19 schools surveyed in both waves" in fig.layout.title.text
    y7 = table[(table["year_group"] == 7) & table[ENGINEERING].notna()]
    both = set(y7.loc[y7["wave"] == 1, "school_id"]) & set(y7.loc[y7["wave"] == 2, "school_id"])
    assert len(both) == 19
    kept = y7[y7["school_id"].isin(both)]
    first = share(kept[kept["wave"] == 1], ENGINEERING)
    second = share(kept[kept["wave"] == 2], ENGINEERING)
    assert drawn(fig, "first")[ENGINEERING][0] == pytest.approx(100 * first, rel=1e-10)
    assert drawn(fig)[ENGINEERING][0] == pytest.approx(100 * (second - first), rel=1e-10)
    assert "only the 19 schools" in dashboard.cohort.figure.layout.title.text


def test_cohort_is_year7_in_2008_against_year9_in_2010_with_ols_interval(live, table):
    dashboard = waves.Waves(live)
    fig = dashboard.cohort.figure
    before = table[(table["wave"] == 1) & (table["year_group"] == 7)]
    after = table[(table["wave"] == 2) & (table["year_group"] == 9)]
    assert drawn(fig, "first")[ENGINEERING][0] == pytest.approx(100 * share(before, ENGINEERING))
    assert drawn(fig, "second")[ENGINEERING][0] == pytest.approx(100 * share(after, ENGINEERING))
    both = pd.concat([before, after])
    d = pd.DataFrame(
        {
            "y": yes(both, ENGINEERING).to_numpy(),
            "later": (both["wave"] == 2).astype(float).to_numpy(),
            "school": both["school_id"].astype(str).to_numpy(),
        }
    ).dropna()
    fit = cluster_ols(d["y"], sm.add_constant(d[["later"]]), d["school"])
    point = drawn(fig)[ENGINEERING]
    assert point[0] == pytest.approx(100 * fit.params["later"], rel=1e-9)
    expected = our_interval_from_statsmodels(fit, "later", len(d), 2, d["school"].nunique())
    assert interval(point) == pytest.approx(expected, rel=1e-9)


def test_year_and_block_choices_redraw_the_waves_charts(live):
    dashboard = waves.Waves(live)
    before = dashboard.change.figure.layout.title.text
    dashboard.year_group.value = 9
    assert dashboard.change.figure.layout.title.text != before
    assert "year 9" in dashboard.change.figure.layout.title.text
    dashboard.block.value = "enjoy"
    assert "Enjoyment" in dashboard.cohort.figure.layout.title.text
    rows = list(dashboard.cohort.figure.layout.yaxis.categoryarray)
    assert len(rows) == len(live.comparisons("cohort", ["enjoy"]))
    # sorted by the change, largest first
    table = live.comparisons("cohort", ["enjoy"]).sort_values("estimate_pp", ascending=False)
    assert rows == list(charts.row_labels(table))


def test_every_chart_table_is_the_comparison_shape(live):
    for panel in (waves.Waves(live).change, gender_gaps.GenderGaps(live).gaps):
        assert set(measures.COMPARISON_COLUMNS) <= set(panel.downloads.table.columns)
        assert "row_label" not in panel.downloads.table.columns


def test_a_failed_redraw_keeps_the_chart_and_says_so(live, monkeypatch, capsys):
    dashboard = gender_gaps.GenderGaps(live)
    shown = dashboard.gaps.figure

    def broken(*args, **kwargs):
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(charts, "gap_dots", broken)
    dashboard.wave.value = 2
    assert dashboard.gaps.figure is shown  # the wave 1 chart stays
    assert "could not be redrawn" in dashboard.gaps.problem.value
    assert "drawing failed" not in dashboard.gaps.problem.value  # no error text on the page
    # the other chart the choice concerns was still redrawn
    assert "wave 2 (2010)" in dashboard.years.figure.layout.title.text


# ----------------------------------------------------------------- data of one wave


@pytest.fixture(scope="module")
def one_wave(table) -> results.LiveResults:
    """The sample's wave 2 only, as a person's own file of one wave would be."""
    from analysis.load import Survey

    return results.LiveResults(Survey(table[table["wave"] == 2].reset_index(drop=True)))


def test_one_wave_gaps_page_says_there_is_nothing_to_compare_between_waves(one_wave):
    page = gender_gaps.GenderGaps(one_wave)
    texts = [getattr(w, "value", "") for w in page.widget.children]
    note = [t for t in texts if "nothing to compare" in t]
    assert len(note) == 1 and "only one wave (Wave 2 (2010))" in note[0]
    assert page.waves.widget not in page.widget.children and page.waves.figure is None
    # the gaps and the year 7 to year 9 charts are drawn as before
    assert page.gaps.figure is not None and page.years.figure is not None
    assert page.gaps.widget in page.widget.children


def test_one_wave_waves_page_is_a_note_only(one_wave):
    page = waves.Waves(one_wave)
    assert "nothing to compare" in page.widget.value and "Wave 2 (2010)" in page.widget.value


def test_two_waves_show_every_chart(live):
    page = gender_gaps.GenderGaps(live)
    assert page.notes == {page.years: None, page.waves: None}
    assert page.waves.widget in page.widget.children and page.waves.figure is not None


def test_fdr_sentence_is_in_words_with_the_family_size(live):
    rows = live.comparisons("gender_gap", ["consider"])
    m = int(np.isfinite(rows["p_value"].astype(float)).sum())  # every wave x year group
    words = gender_gaps.fdr_sentence(rows)
    assert (
        f"Benjamini-Hochberg at 5% over the {m} gender gaps of the block "
        "“STEM careers considered”" in words
    )
    assert "gender_gap" not in words and "'consider'" not in words
    # a family the page does not know is shown as written, not lost
    odd = pd.DataFrame({"fdr_family": ["Benjamini-Hochberg at 0.05 over the 3 odd tests"]})
    assert "over the 3 odd tests" in gender_gaps.fdr_sentence(odd)


def test_a_chart_with_hidden_figures_says_what_c_means_in_the_figure(live):
    page = gender_gaps.GenderGaps(live)
    page.block.value = "favourite"  # girls choosing engineering: fewer than 10 in places
    for panel in (page.gaps, page.years, page.waves):
        marks = set(panel.table["suppressed"].astype(str)) - {""}
        assert marks == {"c"}
        footer = [a.text for a in panel.figure.layout.annotations if a.name == "footer"]
        assert bool(footer) is bool(marks)
        if "c" in marks:
            assert "c: hidden to protect confidentiality" in footer[0]
    page.block.value = "consider"  # nothing hidden: no key
    assert not any(a.name == "footer" for a in page.gaps.figure.layout.annotations)


def schools_file(table: pd.DataFrame, in_both: int, one_wave_only: int):
    """The sample's first ``in_both`` schools surveyed in both waves, and
    ``one_wave_only`` schools surveyed in wave 1 alone: a researcher's own file."""
    from analysis.load import Survey

    one, two = (set(table[table["wave"] == w]["school_id"]) for w in (1, 2))
    keep = sorted(one & two)[:in_both] + sorted(one - two)[:one_wave_only]
    assert len(keep) == in_both + one_wave_only
    return results.LiveResults(
        Survey(table[table["school_id"].isin(keep)].reset_index(drop=True), ("own.csv",))
    )


@pytest.mark.parametrize("in_both, wave_1_only", [(8, 0), (5, 3)])
def test_every_sentence_about_schools_and_waves_is_the_data_shown(table, in_both, wave_1_only):
    """On a file whose 8 schools are all in both waves, and on one where 3 are in
    wave 1 only: the counts and claims of every page's sentences (the Waves
    page's note, the subtitles of every chart across waves, in the page and so
    in the downloaded PNG) are plain pandas' counts of the file's schools."""
    live = schools_file(table, in_both, wave_1_only)
    sub = live.survey.table
    per_wave = {w: sub[sub["wave"] == w]["school_id"].nunique() for w in (1, 2)}
    both = len(set(sub[sub["wave"] == 1]["school_id"]) & set(sub[sub["wave"] == 2]["school_id"]))
    assert (per_wave, both) == ({1: in_both + wave_1_only, 2: in_both}, in_both)
    assert live.wave_schools() == results.WaveSchools(per_wave, 8, both)

    page = waves.Waves(live)
    gaps = gender_gaps.GenderGaps(live)
    note = page.schools_note.value
    subtitles = [
        p.figure.layout.title.subtitle.text for p in (page.change, page.cohort, gaps.waves)
    ]
    said = " ".join([note, *subtitles, waves.INTRO, gender_gaps.INTRO])
    for words in subtitles:  # all schools: both waves' schools counted together
        assert "8 schools in all" in words, words
    if wave_1_only:
        assert "Wave 2 surveyed fewer schools than wave 1 (5 against 8; 5 in both waves)" in note
        assert all(w.endswith("8 schools in all, 5 of them in both waves") for w in subtitles)
    else:
        assert "All 8 schools were surveyed in both waves" in note
        assert all(w.endswith("8 schools in all, all in both waves") for w in subtitles)
        assert "fewer schools" not in said and "not all in both" not in said
    # like for like names the schools in both waves
    page.schools.value = "common"
    assert f"only the {both} schools surveyed in both waves" in page.change.figure.layout.title.text
    assert page.change.figure.layout.title.subtitle.text.endswith(f"{both} schools in all")


def test_fdr_sentence_says_the_families_own_level():
    families = pd.DataFrame(
        {
            "fdr_family": [
                "Benjamini-Hochberg at 0.1 over the 3 gender_gap tests of block 'enjoy'",
                "Benjamini-Hochberg at 0.1 over the 4 gender_gap tests of block 'easy'",
            ]
        }
    )
    assert "Benjamini-Hochberg at 10% over each block's tests" in gender_gaps.fdr_sentence(families)
