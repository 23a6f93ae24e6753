"""The committed synthetic sample reproduces every figure the report publishes.

Read with plain pandas only (no ``analysis`` code), so the figures are checked
independently of the code that made them and of the code that will show them.
Each test is one published finding (``docs/data-contract.md``, "Published
figures the sample reproduces"), with the published number in the assertion.
Published percentages are rounded, so "45%" means 44.5 <= share < 45.5; the
qualitative findings must hold by a clear margin, not by a hair.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
WAVE_FILES = {1: "ks3_survey_wave1_2008.csv", 2: "ks3_survey_wave2_2010.csv"}
STEM_SUBJECTS = ["maths", "science", "design_technology", "ict", "engineering"]
CAREER_AREAS = [
    "design_arts_crafts",
    "performing_arts",
    "leisure_sport_tourism",
    "education_training",
    "engineering_manufacturing",
    "science_research",
    "health_medical",
    "computing_ict",
    "construction",
    "business_finance",
    "law_public_services",
    "animals_land_environment",
    "hair_beauty",
    "armed_forces",
    "media_publishing",
]
ENRICHMENT = [
    f"{kind}_{what}"
    for kind in ("club", "trip")
    for what in ("science", "maths", "technology", "engineering")
] + ["visitor_talk"]
WAVES = [1, 2]
WAVES_AND_POOLED = [1, 2, "both"]


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    parts = [
        pd.read_csv(SAMPLE / name, dtype={"pupil_id": str, "school_id": str})
        for name in WAVE_FILES.values()
    ]
    return pd.concat(parts, ignore_index=True)


def pick(survey: pd.DataFrame, wave=None, year=None, **equal) -> pd.DataFrame:
    mask = pd.Series(True, index=survey.index)
    if wave not in (None, "both"):
        mask &= survey["wave"] == wave
    if year is not None:
        mask &= survey["year_group"] == year
    for column, value in equal.items():
        mask &= survey[column] == value
    return survey[mask]


def pct(table: pd.DataFrame, column: str) -> float:
    """Percentage ticking (1) or agreeing (3 or 4) among pupils who answered."""
    answered = table[column].dropna()
    positive = (
        answered >= 3 if column.split("_")[0] in ("enjoy", "easy", "important") else answered == 1
    )
    return 100.0 * positive.mean()


def rounds_to(value: float, published: int) -> bool:
    return published - 0.5 <= value < published + 0.5


# --------------------------------------------------------------- design
def test_wave_1_has_4073_pupils_in_27_schools(survey):
    w1 = pick(survey, 1)
    assert len(w1) == 4073
    assert w1["school_id"].nunique() == 27


def test_wave_2_has_2216_pupils_in_19_of_those_27_schools(survey):
    w1, w2 = pick(survey, 1), pick(survey, 2)
    assert len(w2) == 2216
    assert w2["school_id"].nunique() == 19
    assert set(w2["school_id"]) <= set(w1["school_id"])


def test_year_7_and_year_9_in_every_school_and_wave(survey):
    years = survey.groupby(["wave", "school_id"])["year_group"].agg(lambda y: sorted(set(y)))
    assert len(years) == 27 + 19
    assert all(y == [7, 9] for y in years)
    assert set(survey["year_group"]) == {7, 9}


def test_school_sizes_vary(survey):
    sizes = pick(survey, 1).groupby("school_id").size()
    assert sizes.min() >= 40 and sizes.max() >= 2 * sizes.min()


def test_pupil_ids_are_pseudonymous_and_unique_within_a_wave(survey):
    assert not survey.duplicated(["wave", "pupil_id"]).any()
    assert survey["pupil_id"].str.fullmatch(r"P\d{4,9}").all()
    assert (survey["pupil_id"].str.len() != 13).all()  # not UPN-like
    assert survey["school_id"].str.fullmatch(r"S\d{2}").all()


def test_some_wave_2_year_9_pupils_are_wave_1_year_7_pupils_of_the_same_school(survey):
    earlier = pick(survey, 1, 7)[["pupil_id", "school_id", "gender"]]
    later = pick(survey, 2, 9)[["pupil_id", "school_id", "gender"]]
    linked = later.merge(earlier, on="pupil_id", suffixes=("", "_2008"))
    assert 0.2 * len(later) < len(linked) < 0.8 * len(later)
    assert (linked["school_id"] == linked["school_id_2008"]).all()
    same_gender = linked["gender"].fillna("") == linked["gender_2008"].fillna("")
    assert same_gender.all()
    # no one else shares an id across waves
    others = pick(survey, 2).loc[lambda t: t["year_group"] == 7, "pupil_id"]
    assert not others.isin(pick(survey, 1)["pupil_id"]).any()


def test_demography_is_plausible(survey):
    gender = survey["gender"].value_counts(normalize=True, dropna=False) * 100
    assert 45 < gender["girl"] < 55 and 45 < gender["boy"] < 55
    assert 0.2 < gender["other"] < 2
    assert 0.5 < gender[np.nan] < 2.5
    ethnicity = survey["ethnicity"].value_counts(normalize=True, dropna=False) * 100
    assert 74 < ethnicity["white_british"] < 81
    assert 1 < ethnicity[np.nan] < 5
    by_school = (
        pick(survey, 1)
        .groupby("school_id")["ethnicity"]
        .apply(lambda e: (e == "other_ethnic_group").mean())
    )
    assert by_school.max() - by_school.min() > 0.2  # schools differ in ethnic mix


def test_a_few_percent_of_answers_missing_more_in_later_items(survey):
    items = survey.columns[6:]
    missing = survey[items].isna().mean() * 100
    assert 0.5 < missing.min() and missing.max() < 10
    assert missing.iloc[-30:].mean() > missing.iloc[:30].mean() + 1


# ---------------------------------------------------- favourite subjects
def test_each_pupil_ticks_at_most_three_favourite_subjects_mostly_three(survey):
    ticks = survey.filter(like="favourite_").sum(axis=1, min_count=1).dropna()
    assert ticks.max() == 3
    assert (ticks == 3).mean() > 0.6
    assert ((ticks == 1) | (ticks == 2)).mean() > 0.05


@pytest.mark.parametrize("wave", WAVES)
def test_pe_art_and_design_technology_most_chosen_and_science_fourth(survey, wave):
    t = pick(survey, wave)
    shares = pd.Series(
        {c.removeprefix("favourite_"): pct(t, c) for c in t.columns if c.startswith("favourite_")}
    ).sort_values(ascending=False)
    assert set(shares.index[:3]) == {"pe", "art", "design_technology"}
    assert shares.index[3] == "science"
    assert shares.iloc[2] - shares.iloc[3] > 2 and shares.iloc[3] - shares.iloc[4] > 2


@pytest.mark.parametrize("wave", WAVES)
@pytest.mark.parametrize("subject", ["maths", "science"])
def test_girls_as_likely_as_boys_to_choose_maths_or_science(survey, wave, subject):
    column = f"favourite_{subject}"
    girls = pct(pick(survey, wave, gender="girl"), column)
    boys = pct(pick(survey, wave, gender="boy"), column)
    assert abs(girls - boys) <= 2


# ------------------------------------------------------------ attitudes
def test_maths_enjoyment_falls_by_12_points_from_wave_1_to_wave_2(survey):
    fall = pct(pick(survey, 1), "enjoy_maths") - pct(pick(survey, 2), "enjoy_maths")
    assert 11.5 <= fall < 12.5


@pytest.mark.parametrize("wave", WAVES)
@pytest.mark.parametrize("block", ["enjoy", "easy"])
@pytest.mark.parametrize("subject", STEM_SUBJECTS)
def test_fewer_rate_stem_subjects_easy_or_enjoyable_in_year_9_than_year_7(
    survey, wave, block, subject
):
    column = f"{block}_{subject}"
    assert pct(pick(survey, wave, 7), column) - pct(pick(survey, wave, 9), column) > 3


@pytest.mark.parametrize("block", ["enjoy", "easy"])
@pytest.mark.parametrize("subject", STEM_SUBJECTS)
def test_fewer_rate_stem_subjects_easy_or_enjoyable_in_wave_2_than_wave_1(survey, block, subject):
    column = f"{block}_{subject}"
    assert pct(pick(survey, 1), column) - pct(pick(survey, 2), column) > 1


@pytest.mark.parametrize("wave", WAVES_AND_POOLED)
def test_about_half_find_science_easy(survey, wave):
    assert 46 < pct(pick(survey, wave), "easy_science") < 54


@pytest.mark.parametrize("wave", WAVES)
@pytest.mark.parametrize("subject", ["engineering", "design_technology", "ict"])
def test_engineering_and_technology_less_important_in_year_9(survey, wave, subject):
    column = f"important_{subject}"
    assert pct(pick(survey, wave, 7), column) - pct(pick(survey, wave, 9), column) > 3


@pytest.mark.parametrize("wave", WAVES)
@pytest.mark.parametrize("subject", ["science", "maths"])
def test_science_and_maths_more_important_in_year_9(survey, wave, subject):
    column = f"important_{subject}"
    assert pct(pick(survey, wave, 9), column) - pct(pick(survey, wave, 7), column) > 2


# ----------------------------------------------------------- enrichment
@pytest.mark.parametrize("wave", WAVES_AND_POOLED)
def test_45_percent_of_year_9_on_a_science_trip(survey, wave):
    assert rounds_to(pct(pick(survey, wave, 9), "trip_science"), 45)


@pytest.mark.parametrize("wave", WAVES_AND_POOLED)
def test_19_percent_of_year_9_in_a_science_club(survey, wave):
    assert rounds_to(pct(pick(survey, wave, 9), "club_science"), 19)


@pytest.mark.parametrize("wave", WAVES_AND_POOLED)
def test_13_percent_of_all_ks3_pupils_in_a_maths_club(survey, wave):
    assert rounds_to(pct(pick(survey, wave), "club_maths"), 13)


@pytest.mark.parametrize("wave", WAVES)
@pytest.mark.parametrize("subject", ["maths", "technology", "engineering"])
def test_trips_in_maths_technology_and_engineering_uncommon(survey, wave, subject):
    t = pick(survey, wave)
    share = pct(t, f"trip_{subject}")
    assert share < 15
    assert pct(t, "trip_science") - share > 20


@pytest.mark.parametrize("wave", WAVES_AND_POOLED)
def test_37_percent_recall_a_visitor_talking_about_their_work(survey, wave):
    assert rounds_to(pct(pick(survey, wave), "visitor_talk"), 37)


@pytest.mark.parametrize("wave", WAVES)
@pytest.mark.parametrize("column", ENRICHMENT)
def test_enrichment_rises_from_year_7_to_year_9(survey, wave, column):
    assert pct(pick(survey, wave, 9), column) - pct(pick(survey, wave, 7), column) > 1.5


@pytest.mark.parametrize("column", ENRICHMENT)
def test_pupils_of_other_ethnic_groups_take_part_more_than_white_british(survey, column):
    other = pct(pick(survey, ethnicity="other_ethnic_group"), column)
    white = pct(pick(survey, ethnicity="white_british"), column)
    assert other - white > 1.5


# --------------------------------------------------- careers information
SOURCES = [
    "family",
    "friends",
    "subject_teacher",
    "form_tutor",
    "careers_adviser",
    "careers_library",
    "internet",
    "social_networking",
    "tv_media",
]


@pytest.mark.parametrize("wave", WAVES)
@pytest.mark.parametrize("year", [7, 9])
def test_family_is_the_most_common_source_of_careers_information(survey, wave, year):
    t = pick(survey, wave, year)
    shares = pd.Series({s: pct(t, f"source_{s}") for s in SOURCES}).sort_values(ascending=False)
    assert shares.index[0] == "family"
    assert shares.iloc[0] - shares.iloc[1] > 5


def test_48_percent_of_year_7_in_wave_1_would_ask_a_subject_teacher(survey):
    assert rounds_to(pct(pick(survey, 1, 7), "source_subject_teacher"), 48)


def test_59_percent_of_year_9_in_wave_2_would_ask_a_subject_teacher(survey):
    assert rounds_to(pct(pick(survey, 2, 9), "source_subject_teacher"), 59)


@pytest.mark.parametrize("wave", WAVES_AND_POOLED)
def test_over_half_of_year_9_would_use_the_internet(survey, wave):
    assert pct(pick(survey, wave, 9), "source_internet") > 53


@pytest.mark.parametrize("wave", WAVES)
@pytest.mark.parametrize("year", [7, 9])
def test_few_would_use_social_networking(survey, wave, year):
    assert pct(pick(survey, wave, year), "source_social_networking") < 12


# ------------------------------------------------------ qualifications
@pytest.mark.parametrize("wave", WAVES)
@pytest.mark.parametrize("column", ["aware_diplomas", "aware_apprenticeships", "aware_a_levels"])
def test_most_know_of_diplomas_apprenticeships_and_a_levels(survey, wave, column):
    assert pct(pick(survey, wave), column) > 55


@pytest.mark.parametrize("wave", WAVES_AND_POOLED)
def test_fewer_than_a_third_know_of_vocational_qualifications(survey, wave):
    assert pct(pick(survey, wave), "aware_vocational") < 100 / 3 - 3


@pytest.mark.parametrize("column", ["aware_apprenticeships", "aware_vocational"])
def test_girls_know_less_of_apprenticeships_and_vocational_routes(survey, column):
    assert pct(pick(survey, gender="boy"), column) - pct(pick(survey, gender="girl"), column) > 3


@pytest.mark.parametrize("wave", WAVES)
def test_most_aim_for_a_levels(survey, wave):
    aims = pick(survey, wave)["qualification_aim"].value_counts(normalize=True) * 100
    assert aims.index[0] == "a_levels"
    assert aims["a_levels"] > 52


# ------------------------------------------------------------ careers
@pytest.mark.parametrize("wave", WAVES)
@pytest.mark.parametrize("area", ["science", "technology", "maths"])
def test_most_would_consider_a_career_in_science_technology_or_maths(survey, wave, area):
    assert pct(pick(survey, wave), f"consider_{area}") > 53


@pytest.mark.parametrize("wave", WAVES)
def test_fewer_than_half_would_consider_engineering(survey, wave):
    assert pct(pick(survey, wave), "consider_engineering") < 45


@pytest.mark.parametrize(
    "area, direction", [("science", 1), ("maths", 1), ("engineering", -1), ("technology", -1)]
)
def test_science_and_maths_career_interest_rises_engineering_and_technology_falls(
    survey, area, direction
):
    change = pct(pick(survey, 2), f"consider_{area}") - pct(pick(survey, 1), f"consider_{area}")
    assert direction * change > 2


def test_boys_want_more_information_about_stem_careers(survey):
    column = "want_stem_careers_info"
    assert pct(pick(survey, gender="boy"), column) - pct(pick(survey, gender="girl"), column) > 4


def test_pupils_of_other_ethnic_groups_want_more_information_about_stem_careers(survey):
    column = "want_stem_careers_info"
    other = pct(pick(survey, ethnicity="other_ethnic_group"), column)
    assert other - pct(pick(survey, ethnicity="white_british"), column) > 4


@pytest.mark.parametrize("wave", WAVES)
def test_design_performing_arts_and_leisure_are_the_most_chosen_career_areas(survey, wave):
    t = pick(survey, wave)
    shares = pd.Series({a: pct(t, f"career_{a}") for a in CAREER_AREAS}).sort_values(
        ascending=False
    )
    assert set(shares.index[:3]) == {
        "design_arts_crafts",
        "performing_arts",
        "leisure_sport_tourism",
    }
    assert shares.iloc[2] - shares.iloc[3] > 3


def test_interest_in_education_and_training_rises_between_waves(survey):
    column = "career_education_training"
    assert pct(pick(survey, 2), column) - pct(pick(survey, 1), column) > 2


@pytest.mark.parametrize("area", ["engineering_manufacturing", "computing_ict"])
def test_some_stem_career_areas_fall_between_waves(survey, area):
    column = f"career_{area}"
    assert pct(pick(survey, 1), column) - pct(pick(survey, 2), column) > 1


def gender_gap(table: pd.DataFrame, column: str) -> float:
    return pct(table[table["gender"] == "girl"], column) - pct(
        table[table["gender"] == "boy"], column
    )


@pytest.mark.parametrize("wave", WAVES)
def test_gender_gaps_in_career_areas_widen_from_year_7_to_year_9(survey, wave):
    y7, y9 = pick(survey, wave, 7), pick(survey, wave, 9)
    widening = {
        a: abs(gender_gap(y9, f"career_{a}")) - abs(gender_gap(y7, f"career_{a}"))
        for a in CAREER_AREAS
    }
    assert sum(w > 0 for w in widening.values()) >= 12, widening
    for big in (
        "design_arts_crafts",
        "performing_arts",
        "engineering_manufacturing",
        "hair_beauty",
        "construction",
    ):
        assert widening[big] > 3, (big, widening[big])


@pytest.mark.parametrize("wave", WAVES_AND_POOLED)
def test_over_half_of_girls_would_consider_design_arts_and_crafts(survey, wave):
    assert pct(pick(survey, wave, gender="girl"), "career_design_arts_crafts") > 52


@pytest.mark.parametrize("wave", WAVES_AND_POOLED)
def test_about_10_percent_of_girls_would_consider_engineering(survey, wave):
    assert 8 <= pct(pick(survey, wave, gender="girl"), "career_engineering_manufacturing") <= 12


# ------------------------------------------------------------ schools
def anova_icc(table: pd.DataFrame, column: str) -> float:
    """One-way random-effects ICC(1) by ANOVA, unequal school sizes.

    ICC = (MSB - MSW) / (MSB + (n0 - 1) MSW), with
    n0 = (N - sum(n_j^2) / N) / (k - 1)  (Snijders & Bosker 2012, sec. 3.3).
    The outcome is 1 if the pupil ticked / agreed, 0 if not.
    """
    y = (
        table[column] >= 3
        if column.split("_")[0] in ("enjoy", "easy", "important")
        else table[column] == 1
    ).astype(float)
    d = pd.DataFrame({"y": y, "school": table["school_id"]})[table[column].notna()]
    groups = d.groupby("school")["y"]
    n_j, mean_j = groups.size(), groups.mean()
    n, k = len(d), len(n_j)
    ss_between = (n_j * (mean_j - d["y"].mean()) ** 2).sum()
    ss_within = ((d["y"] - d["school"].map(mean_j)) ** 2).sum()
    msb, msw = ss_between / (k - 1), ss_within / (n - k)
    n0 = (n - (n_j**2).sum() / n) / (k - 1)
    return (msb - msw) / (msb + (n0 - 1) * msw)


ICC_ITEMS = [
    "trip_science",
    "enjoy_maths",
    "source_subject_teacher",
    "consider_engineering",
    "career_design_arts_crafts",
    "favourite_pe",
]


@pytest.mark.parametrize("wave", WAVES)
@pytest.mark.parametrize("column", ICC_ITEMS)
def test_pupils_in_one_school_resemble_each_other_icc_a_few_hundredths(survey, wave, column):
    assert 0.01 <= anova_icc(pick(survey, wave), column) <= 0.10


# statsmodels warns about the variance boundary for any small variance component;
# the fit is checked below instead (a positive school variance, the same ICC).
@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.ConvergenceWarning")
def test_anova_icc_agrees_with_statsmodels_mixedlm():
    """Independent reference: random-intercept linear probability model (REML),
    ICC = school variance / (school variance + residual variance)."""
    import statsmodels.formula.api as smf

    t = pd.read_csv(
        SAMPLE / WAVE_FILES[1],
        dtype={"pupil_id": str, "school_id": str},
        usecols=["school_id", "visitor_talk"],
    ).dropna()
    fit = smf.mixedlm("visitor_talk ~ 1", t, groups=t["school_id"]).fit(reml=True)
    between = float(fit.cov_re.iloc[0, 0])
    icc_mixed = between / (between + fit.scale)
    icc_anova = anova_icc(t, "visitor_talk")
    assert icc_mixed > 0.01
    assert icc_anova == pytest.approx(icc_mixed, abs=0.01, rel=0.2)
