"""The seeded synthetic sample: pupils who reproduce the published findings.

No real pupil is in this repository. :func:`make_survey` makes a pupil-level
table in the contract layout (``schema.contract_columns()`` without
``weight``) for both waves of the KS3 survey, calibrated so that every figure
*Good Timing* publishes holds in it (see ``data/sample/README.md`` and
``tests/test_sample.py``); :func:`write_sample` writes the committed sample in
``data/sample/`` and :func:`write_large` a large file for benchmarks.

How the sample is made
----------------------
1. **Design.** Wave 1 has 4073 pupils in 27 schools, wave 2 has 2216 pupils
   in 19 of those 27 (``scale`` multiplies pupils and, above 1, schools).
   School sizes are log-normal; each school has a year 7 and a year 9 group of
   unequal size. Integer counts are shared out by largest remainders so the
   totals are exact.
2. **Demography** varies by school: the share of girls (about half, a few
   "other", ~1.5% not stated) and the ethnic mix (about 78% white British
   overall, a few % not stated, from schools with almost none to schools with
   half the pupils of other ethnic groups).
3. **Cells.** Every item has a target share for each wave x year group
   (:data:`TARGETS`), plus a girls-minus-boys gap (per year group, so gaps can
   widen) and an other-ethnic-groups-minus-white-British gap. The share of a
   demographic cell (wave x year x gender x ethnicity) is the base share plus
   its offsets, re-centred so that the wave x year group hits its base:

   .. math:: p_c = p_{wy} + \\tfrac12 g\\,s^{gender}_c + \\tfrac12 e\\,s^{ethnic}_c
             - \\frac{\\sum_c n_c (\\tfrac12 g\\,s^{gender}_c + \\tfrac12 e\\,s^{ethnic}_c)}{\\sum_c n_c}

   with :math:`s = +1` for girls / other ethnic groups, :math:`-1` for boys /
   white British and 0 otherwise. The wave x year total
   ``round(p_wy * answered)`` is shared among its cells by largest remainders,
   so published percentages hold exactly (up to one pupil), in each wave.
4. **Who ticks.** Within a cell exactly that many answering pupils are chosen
   by weighted sampling without replacement (Efraimidis & Spirakis 2006: the
   largest keys :math:`u^{1/w}`, :math:`u \\sim U(0,1)`), with
   :math:`\\log w = \\sigma_j z_{s,j} + \\lambda a_{i}`: a school effect
   :math:`z_{s,j} \\sim N(0,1)` per school and item, and a pupil trait
   :math:`a_i` shared by the items about one subject or one block (so enjoying
   maths goes with finding it easy and choosing it). :math:`\\sigma_j` is set
   for an intraclass correlation :math:`\\rho_j` between 0.02 and 0.06 from the
   first-order approximation of the inclusion probability
   :math:`P = 1 - t^{w}` around :math:`w = 1`, :math:`t = 1 - p`:

   .. math:: \\rho \\approx \\frac{\\sigma^2 (t \\ln t)^2}{p(1-p)}

5. **Missing answers**: a few % per item, more in later items (a per-pupil
   propensity times a rate rising through the questionnaire, and some pupils
   who stop part-way); tick-list blocks are missing whole.
6. **Favourite subjects**: each pupil means to tick 1, 2 or (mostly) 3; the
   subjects are filled in from the most to the least chosen, preferring
   pupils with room left, so nobody ticks more than three.
7. **Same cohort**: about half the year 9 pupils of wave 2 in a school carry
   the ``pupil_id`` (and gender and ethnicity) of a year 7 pupil of wave 1 in
   that school.

Everything is vectorised by cell, not by pupil: 1,000,000 pupils take about
15 seconds and 0.7 GB (``write_large`` adds a few seconds of CSV writing).

References
----------
Efraimidis, P. S. & Spirakis, P. G. (2006). Weighted random sampling with a
reservoir. *Information Processing Letters* 97(5), 181-185.

Examples
--------
>>> from analysis import synthetic
>>> table = synthetic.make_survey()
>>> table.groupby("wave")["pupil_id"].count().tolist()
[4073, 2216]
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import schema

#: The seed of the committed sample.
SEED = 20081
#: Pupils and schools per wave in the published surveys.
WAVE_PUPILS: dict[int, int] = {1: 4073, 2: 2216}
WAVE_SCHOOLS: dict[int, int] = {1: 27, 2: 19}

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"
WAVE_FILES: dict[int, str] = {1: "ks3_survey_wave1_2008.csv", 2: "ks3_survey_wave2_2010.csv"}
EXPORT_FILE = "example_export.csv"
CODEBOOK_FILE = "example_export_codebook.yml"
LARGE_DIR = SAMPLE_DIR / "large"

GENDERS = ("girl", "boy", "other", None)  # None: not stated
ETHNICITIES = ("white_british", "other_ethnic_group", None)
_GENDER_SIGN = np.array([1.0, -1.0, 0.0, 0.0])
_ETHNIC_SIGN = np.array([-1.0, 1.0, 0.0])
_N_DEMOGRAPHIC = len(GENDERS) * len(ETHNICITIES)


# --------------------------------------------------------------------------
# Calibration: what each item should show
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """What one item should show.

    ``shares`` are the share ticking / agreeing (3 or 4) in wave 1 year 7,
    wave 1 year 9, wave 2 year 7, wave 2 year 9. When ``wave_level`` is set,
    ``shares`` is instead (wave 1, wave 2) for all pupils of the wave and
    ``year_gap`` the year 9 minus year 7 difference; the year shares are then
    worked out from the answering pupils so the wave share is hit exactly.
    ``girl_gap`` is girls minus boys in year 7 and year 9; ``ethnic_gap`` is
    other ethnic groups minus white British.
    """

    shares: tuple[float, ...]
    girl_gap: tuple[float, float] = (0.0, 0.0)
    ethnic_gap: float = 0.0
    wave_level: bool = False
    year_gap: float = 0.0

    def year_shares(self, answered: Mapping[tuple[int, int], int]) -> dict[tuple[int, int], float]:
        """Target share for each (wave, year group), given answering pupils."""
        if not self.wave_level:
            return dict(zip([(1, 7), (1, 9), (2, 7), (2, 9)], self.shares))
        out = {}
        for wave, share in zip((1, 2), self.shares):
            n7, n9 = answered.get((wave, 7), 0), answered.get((wave, 9), 0)
            f7 = n7 / (n7 + n9) if n7 + n9 else 0.5
            out[(wave, 7)] = share - self.year_gap * (1 - f7)
            out[(wave, 9)] = share + self.year_gap * f7
        return out

    @property
    def mean(self) -> float:
        return float(np.mean(self.shares))


def _t(
    w1y7: float,
    w1y9: float,
    w2y7: float | None = None,
    w2y9: float | None = None,
    girl: float = 0.0,
    girl9: float | None = None,
    eth: float = 0.0,
) -> Target:
    """Target by wave and year group (wave 2 defaults to wave 1)."""
    return Target(
        (w1y7, w1y9, w1y7 if w2y7 is None else w2y7, w1y9 if w2y9 is None else w2y9),
        (girl, girl if girl9 is None else girl9),
        eth,
    )


def _tw(
    wave1: float,
    wave2: float,
    year_gap: float,
    girl: float = 0.0,
    girl9: float | None = None,
    eth: float = 0.0,
) -> Target:
    """Target for all pupils of each wave, year 9 ``year_gap`` above year 7."""
    return Target(
        (wave1, wave2),
        (girl, girl if girl9 is None else girl9),
        eth,
        wave_level=True,
        year_gap=year_gap,
    )


# Subject blocks, by subject key. Published: PE, art, design and technology the
# three favourites and science fourth in both waves; girls as likely as boys to
# choose maths or science (no gap).
_FAVOURITE = {
    "english": _t(0.15, 0.15, girl=0.04),
    "maths": _t(0.19, 0.18),
    "science": _t(0.28, 0.28),
    "design_technology": _t(0.35, 0.33, girl=-0.04),
    "ict": _t(0.21, 0.19, girl=-0.10),
    "engineering": _t(0.02, 0.02, girl=-0.02),
    "art": _t(0.39, 0.37, girl=0.10),
    "pe": _t(0.47, 0.45, girl=-0.16),
    "music": _t(0.16, 0.14, girl=0.06),
    "drama": _t(0.21, 0.20, girl=0.10),
    "history": _t(0.12, 0.13),
    "geography": _t(0.10, 0.10),
    "languages": _t(0.08, 0.07, girl=0.04),
}
# Enjoyment of maths falls by 12 points between the waves; every STEM subject
# is enjoyed / found easy less in year 9 than in year 7, and a little less in
# wave 2; about half find science easy.
_ENJOY = {
    "english": _t(0.70, 0.65, girl=0.10),
    "maths": _tw(0.70, 0.58, year_gap=-0.08, girl=-0.04),
    "science": _t(0.78, 0.70, 0.75, 0.67, girl=-0.03, eth=0.03),
    "design_technology": _t(0.84, 0.78, 0.82, 0.75),
    "ict": _t(0.80, 0.72, 0.77, 0.69, girl=-0.06),
    "engineering": _t(0.45, 0.38, 0.42, 0.35, girl=-0.15),
    "art": _t(0.72, 0.66, girl=0.10),
    "pe": _t(0.82, 0.74, girl=-0.10),
    "music": _t(0.66, 0.56, girl=0.08),
    "drama": _t(0.72, 0.64, girl=0.14),
    "history": _t(0.62, 0.58),
    "geography": _t(0.60, 0.55),
    "languages": _t(0.55, 0.45, girl=0.08),
}
_EASY = {
    "english": _t(0.60, 0.58, girl=0.06),
    "maths": _t(0.62, 0.52, 0.59, 0.50, girl=-0.04),
    "science": _t(0.53, 0.47, 0.52, 0.46, girl=-0.03),
    "design_technology": _t(0.76, 0.70, 0.74, 0.68),
    "ict": _t(0.74, 0.66, 0.72, 0.64, girl=-0.05),
    "engineering": _t(0.38, 0.32, 0.36, 0.30, girl=-0.10),
    "art": _t(0.62, 0.58, girl=0.08),
    "pe": _t(0.78, 0.72, girl=-0.08),
    "music": _t(0.50, 0.45, girl=0.06),
    "drama": _t(0.66, 0.60, girl=0.10),
    "history": _t(0.55, 0.50),
    "geography": _t(0.58, 0.54),
    "languages": _t(0.38, 0.32, girl=0.05),
}
# Engineering and technology less important in year 9, science and maths more.
_IMPORTANT = {
    "english": _t(0.92, 0.94),
    "maths": _t(0.90, 0.94, 0.91, 0.95),
    "science": _t(0.78, 0.84, 0.80, 0.86),
    "design_technology": _t(0.66, 0.56, 0.64, 0.54),
    "ict": _t(0.74, 0.66, 0.72, 0.64),
    "engineering": _t(0.48, 0.40, 0.46, 0.38, girl=-0.08),
    "art": _t(0.45, 0.40, girl=0.08),
    "pe": _t(0.60, 0.52, girl=-0.06),
    "music": _t(0.38, 0.32),
    "drama": _t(0.40, 0.35, girl=0.06),
    "history": _t(0.50, 0.48),
    "geography": _t(0.52, 0.50),
    "languages": _t(0.58, 0.55, girl=0.04),
}
# Other items, by contract column.
_ITEMS = {
    # Enrichment rises from year 7 to year 9; pupils of other ethnic groups take
    # part more. Year 9: 45% science trip, 19% science club (each wave); 13% of
    # all pupils in a maths club (each wave); 37% recall a visitor (each wave).
    "club_science": _t(0.14, 0.19, eth=0.06),
    "club_maths": _tw(0.13, 0.13, year_gap=0.04, eth=0.05),
    "club_technology": _t(0.08, 0.11, girl=-0.04, eth=0.04),
    "club_engineering": _t(0.04, 0.06, girl=-0.03, eth=0.03),
    "trip_science": _t(0.30, 0.45, eth=0.08),
    "trip_maths": _t(0.06, 0.09, eth=0.04),
    "trip_technology": _t(0.07, 0.10, eth=0.04),
    "trip_engineering": _t(0.04, 0.07, eth=0.03),
    "visitor_talk": _tw(0.37, 0.37, year_gap=0.08, eth=0.05),
    # Family the first source; subject teacher 48% of year 7 in wave 1 and 59%
    # of year 9 in wave 2; over half of year 9 the internet; few social networking.
    "source_family": _t(0.72, 0.70, girl=0.04),
    "source_friends": _t(0.36, 0.40, girl=0.04),
    "source_subject_teacher": _t(0.48, 0.55, 0.50, 0.59),
    "source_form_tutor": _t(0.30, 0.28),
    "source_careers_adviser": _t(0.22, 0.32, 0.23, 0.33),
    "source_careers_library": _t(0.12, 0.16),
    "source_internet": _t(0.44, 0.56, 0.46, 0.58, girl=-0.04),
    "source_social_networking": _t(0.06, 0.08),
    "source_tv_media": _t(0.18, 0.20),
    # Most know of A-levels, diplomas, apprenticeships; under a third of
    # vocational qualifications; girls know less of the last two.
    "aware_a_levels": _t(0.66, 0.80, 0.68, 0.82, girl=0.02),
    "aware_diplomas": _t(0.60, 0.72, 0.62, 0.74),
    "aware_apprenticeships": _t(0.62, 0.74, 0.63, 0.75, girl=-0.08),
    "aware_vocational": _t(0.20, 0.28, 0.21, 0.28, girl=-0.06),
    # Most would consider science, technology or maths, under half engineering;
    # science and maths rise between the waves, engineering and technology fall.
    "consider_science": _t(0.58, 0.56, 0.63, 0.61, girl=-0.04, eth=0.05),
    "consider_technology": _t(0.64, 0.60, 0.59, 0.55, girl=-0.10),
    "consider_engineering": _t(0.40, 0.38, 0.35, 0.33, girl=-0.20, eth=0.04),
    "consider_maths": _t(0.56, 0.54, 0.61, 0.59, girl=-0.02, eth=0.04),
    # Boys and pupils of other ethnic groups want more STEM careers information.
    "want_stem_careers_info": _t(0.42, 0.38, girl=-0.10, eth=0.10),
    # Career areas: design/arts/crafts, performing arts, leisure/sport/tourism
    # the most chosen; education and training rises between waves, STEM areas
    # fall a little; gender gaps widen from year 7 to year 9; over half of
    # girls design, arts and crafts, about 10% engineering.
    "career_design_arts_crafts": _t(0.46, 0.44, girl=0.16, girl9=0.24),
    "career_performing_arts": _t(0.38, 0.36, girl=0.14, girl9=0.22),
    "career_leisure_sport_tourism": _t(0.36, 0.35, girl=-0.06, girl9=-0.10),
    "career_education_training": _t(0.20, 0.18, 0.25, 0.23, girl=0.10, girl9=0.16),
    "career_engineering_manufacturing": _t(0.235, 0.245, 0.215, 0.225, girl=-0.24, girl9=-0.28),
    "career_science_research": _t(0.20, 0.20, 0.19, 0.19, girl=-0.02, girl9=-0.04, eth=0.03),
    "career_health_medical": _t(0.26, 0.28, girl=0.12, girl9=0.18, eth=0.03),
    "career_computing_ict": _t(0.24, 0.22, 0.22, 0.20, girl=-0.12, girl9=-0.18),
    "career_construction": _t(0.16, 0.15, girl=-0.16, girl9=-0.22),
    "career_business_finance": _t(0.22, 0.24, girl=-0.02, girl9=-0.04),
    "career_law_public_services": _t(0.20, 0.22, girl=0.04, girl9=0.06),
    "career_animals_land_environment": _t(0.22, 0.18, girl=0.12, girl9=0.16),
    "career_hair_beauty": _t(0.14, 0.13, girl=0.18, girl9=0.24),
    "career_armed_forces": _t(0.15, 0.14, girl=-0.14, girl9=-0.20),
    "career_media_publishing": _t(0.18, 0.19, girl=0.04, girl9=0.06),
}
_SUBJECT_TARGETS = {
    "favourite": _FAVOURITE,
    "enjoy": _ENJOY,
    "easy": _EASY,
    "important": _IMPORTANT,
}

#: Qualification aim, share of each category in year 7 and year 9 (both
#: waves); most aim for A-levels.
AIM_SHARES: dict[str, tuple[float, float]] = {
    "a_levels": (0.55, 0.55),
    "degree": (0.14, 0.17),
    "gcses": (0.07, 0.06),
    "diploma": (0.04, 0.04),
    "apprenticeship": (0.05, 0.06),
    "vocational": (0.03, 0.03),
    "dont_know": (0.12, 0.09),
}


def _build_targets() -> dict[str, Target]:
    out = {}
    for b in schema.blocks():
        for it in b.items:
            if b.scale == "categorical":
                continue
            table = _SUBJECT_TARGETS.get(b.key)
            out[it.column] = table[it.subject] if table is not None else _ITEMS[it.column]
    return out


#: Target of every binary and agreement item, by contract column.
TARGETS: dict[str, Target] = _build_targets()

# Tick lists: a pupil who skips one leaves the whole list empty.
_TICK_BLOCKS = ("favourite", "source", "career")
# Pupils meaning to tick 1, 2 or 3 favourite subjects (when they answer); those
# who have ticked fewest so far are preferred, so shortfalls fall on the threes.
_FAVOURITE_TICKS = (0.05, 0.10, 0.85)
# Strongly agree among those agreeing; strongly disagree among those disagreeing.
_STRONGLY = (0.40, 0.35)
# Loading of the pupil trait on the weights (see the module docstring).
_TRAIT = 1.0
# Intraclass correlations aimed at, per item, before the pupil trait dilutes them.
_ICC_RANGE = (0.04, 0.08)
# Year 9 pupils of wave 2 who are a wave 1 year 7 pupil of the same school.
_COHORT_LINK = 0.5
# Items whose pupil trait is a subject's: contract subject for "technology".
_TRAIT_SUBJECT = {"technology": "design_technology"}


# --------------------------------------------------------------------------
# Small tools
# --------------------------------------------------------------------------
def _rng(seed: int, purpose: str) -> np.random.Generator:
    """An independent stream for each purpose, so one change does not move all."""
    return np.random.default_rng([seed, zlib.crc32(purpose.encode())])


def _round(x):
    return np.floor(np.asarray(x, dtype=float) + 0.5).astype(np.int64)


def _apportion(total: int, quotas: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Share ``total`` out in proportion to ``quotas``, none above its cap.

    Largest-remainder (Hamilton) method, repeated while caps bind.
    """
    caps = np.asarray(caps, dtype=np.int64)
    total = int(min(total, caps.sum()))
    quotas = np.clip(np.asarray(quotas, dtype=float), 0, None)
    out = np.zeros(len(caps), dtype=np.int64)
    for _ in range(len(caps) + 1):
        left = total - out.sum()
        room = caps - out
        open_ = room > 0
        if left <= 0 or not open_.any():
            break
        q = np.where(open_, quotas, 0.0)
        if q.sum() <= 0:
            q = room.astype(float)
        q = q * left / q.sum()
        add = np.minimum(np.floor(q).astype(np.int64), room)
        rest = left - add.sum()
        if rest > 0:
            frac = np.where(room - add > 0, q - np.floor(q), -1.0)
            order = np.argsort(-frac, kind="stable")[:rest]
            order = order[frac[order] >= 0]
            add[order] += 1
        out += add
    return out


def _select(
    cells: list[np.ndarray],
    k: np.ndarray,
    logw: np.ndarray,
    eligible: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Choose exactly ``k[c]`` eligible pupils among the rows ``cells[c]`` of each cell.

    Weighted sampling without replacement (Efraimidis-Spirakis): a pupil's
    key is :math:`u^{1/w}`, the ``k`` largest keys of a cell are chosen (fewer
    if the cell has fewer eligible pupils).
    """
    u = rng.random(len(logw))
    with np.errstate(divide="ignore"):
        key = np.exp(np.log(u) * np.exp(-logw))  # u ** (1 / w), in [0, 1]
    key[~eligible] = -1.0
    chosen = np.zeros(len(logw), dtype=bool)
    for rows, want in zip(cells, k):
        if want <= 0 or not len(rows):
            continue
        keys = key[rows]
        take = min(int(want), int((keys >= 0).sum()))
        if take >= len(rows):
            chosen[rows] = keys >= 0
        elif take > 0:
            chosen[rows[np.argpartition(-keys, take - 1)[:take]]] = True
    return chosen


def _standardise(z: np.ndarray) -> np.ndarray:
    """Mean 0, sd 1 among these schools: a wave's ICC then varies less by chance."""
    return (z - z.mean()) / z.std() if len(z) > 1 and z.std() > 0 else z * 0.0


def _school_sigma(p: float, icc: float) -> float:
    """School effect sd giving intraclass correlation ``icc`` at share ``p``."""
    p = min(max(p, 0.01), 0.99)
    t = 1.0 - p
    return float(min(np.sqrt(icc * p * (1 - p)) / (t * abs(np.log(t))), 1.5))


# --------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------
@dataclass
class _Pupils:
    wave: np.ndarray
    year: np.ndarray
    school: np.ndarray  # index into the school list
    gender: np.ndarray  # index into GENDERS
    ethnicity: np.ndarray  # index into ETHNICITIES
    pupil_number: np.ndarray

    @property
    def group(self) -> np.ndarray:
        """wave x year group: 0 w1y7, 1 w1y9, 2 w2y7, 3 w2y9."""
        return (self.wave - 1) * 2 + (self.year == 9)

    @property
    def cell(self) -> np.ndarray:
        return (self.group * len(GENDERS) + self.gender) * len(ETHNICITIES) + self.ethnicity


def _sizes(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    n = len(weights)
    if total < minimum * n:
        raise ValueError(
            f"{total} pupils are too few for {n} schools: "
            f"use a larger scale (at least {minimum} pupils a school)."
        )
    return minimum + _apportion(total - minimum * n, weights, np.full(n, total))


def _design(n1: int, n2: int, s1: int, s2: int, seed: int) -> tuple[_Pupils, np.ndarray]:
    """Pupils' wave, school and year group, in file order; wave-2 school indices."""
    rng = _rng(seed, "design")
    size = rng.lognormal(0.0, 0.45, s1)
    in_wave2 = np.sort(rng.choice(s1, s2, replace=False))
    waves, schools, years = [], [], []
    for wave, total, idx in ((1, n1, np.arange(s1)), (2, n2, in_wave2)):
        weight = size[idx] * (rng.lognormal(0.0, 0.15, len(idx)) if wave == 2 else 1.0)
        per_school = _sizes(total, weight, 4)
        f7 = np.clip(rng.normal(0.5, 0.07, len(idx)), 0.3, 0.7)
        n7 = np.clip(_round(f7 * per_school), 2, per_school - 2)
        for school, n, m7 in zip(idx, per_school, n7):
            schools.append(np.full(n, school, dtype=np.int32))
            years.append(np.repeat(np.array([7, 9], dtype=np.int8), [m7, n - m7]))
            waves.append(np.full(n, wave, dtype=np.int8))
    wave = np.concatenate(waves)
    school = np.concatenate(schools)
    year = np.concatenate(years)
    pupils = _Pupils(
        wave,
        year,
        school,
        np.zeros(len(wave), np.int8),
        np.zeros(len(wave), np.int8),
        np.zeros(len(wave), np.int64),
    )
    return pupils, in_wave2


def _demography(p: _Pupils, n_schools: int, seed: int) -> None:
    rng = _rng(seed, "demography")
    girls = np.clip(rng.normal(0.49, 0.04, n_schools), 0.3, 0.7)
    other_ethnic = rng.beta(2.0, 10.0, n_schools)
    n = len(p.wave)
    u = rng.random(n)
    g = girls[p.school]
    not_stated, other = 0.015, 0.007
    p.gender[:] = np.where(
        u < not_stated,
        3,
        np.where(
            u < not_stated + other,
            2,
            np.where(u < not_stated + other + g * (1 - not_stated - other), 0, 1),
        ),
    )
    u = rng.random(n)
    o = other_ethnic[p.school] * 0.97
    p.ethnicity[:] = np.where(u < 0.03, 2, np.where(u < 0.03 + o, 1, 0))


def _pupil_ids(p: _Pupils, seed: int) -> tuple[np.ndarray, int]:
    """Pseudonymous numbers; some wave 2 year 9 pupils are wave 1 year 7 pupils."""
    rng = _rng(seed, "pupil_id")
    n = len(p.wave)
    p.pupil_number[:] = rng.permutation(n).astype(np.int64) * 10 + rng.integers(0, 10, n) + 10
    w1y7 = np.flatnonzero((p.wave == 1) & (p.year == 7))
    w2y9 = np.flatnonzero((p.wave == 2) & (p.year == 9))
    by_school_1 = np.split(w1y7, np.flatnonzero(np.diff(p.school[w1y7])) + 1)
    first = {int(p.school[g[0]]): g for g in by_school_1 if len(g)}
    for group in np.split(w2y9, np.flatnonzero(np.diff(p.school[w2y9])) + 1):
        if not len(group):
            continue
        earlier = first.get(int(p.school[group[0]]))
        if earlier is None:
            continue
        m = int(_round(_COHORT_LINK * min(len(group), len(earlier))))
        later = rng.choice(group, m, replace=False)
        source = rng.choice(earlier, m, replace=False)
        p.pupil_number[later] = p.pupil_number[source]
        p.gender[later] = p.gender[source]
        p.ethnicity[later] = p.ethnicity[source]
    return p.pupil_number, len(str(10 * n + 10))


def _missing(p: _Pupils, seed: int) -> dict[str, np.ndarray]:
    """Which answers are missing, per item column (True = empty)."""
    rng = _rng(seed, "missing")
    n = len(p.wave)
    propensity = rng.gamma(0.6, 1 / 0.6, n)
    columns = [it.column for it in schema.items()]
    n_items = len(columns)
    stop = np.where(rng.random(n) < 0.015, rng.integers(n_items // 2, n_items, n), n_items)
    out = {}
    for b in schema.blocks():
        first = columns.index(b.items[0].column)
        if b.key in _TICK_BLOCKS:
            rate = 0.01 + 0.04 * first / n_items
            whole = (rng.random(n) < np.minimum(1.5 * rate * propensity, 0.9)) | (stop <= first)
            for it in b.items:
                out[it.column] = whole
            continue
        for it in b.items:
            j = columns.index(it.column)
            rate = 0.008 + 0.035 * j / n_items
            out[it.column] = (rng.random(n) < np.minimum(rate * propensity, 0.9)) | (stop <= j)
    return out


class _Generator:
    def __init__(self, n1: int, n2: int, s1: int, s2: int, seed: int):
        self.seed = seed
        self.n_schools = s1
        self.pupils, self.in_wave2 = _design(n1, n2, s1, s2, seed)
        _demography(self.pupils, s1, seed)
        self.numbers, self.id_width = _pupil_ids(self.pupils, seed)
        self.missing = _missing(self.pupils, seed)
        self.cell = self.pupils.cell.astype(np.int64)
        self.group = self.pupils.group.astype(np.int64)
        self.n_cells = 4 * _N_DEMOGRAPHIC
        by_cell = np.argsort(self.cell, kind="stable")
        bounds = np.cumsum(np.bincount(self.cell, minlength=self.n_cells))[:-1]
        self.cells = np.split(by_cell, bounds)
        self._traits: dict[str, np.ndarray] = {}
        rng = _rng(seed, "icc")
        self.icc = {it.column: rng.uniform(*_ICC_RANGE) for it in schema.items()}

    # pupil traits and school effects -------------------------------------
    def trait(self, name: str) -> np.ndarray:
        if name not in self._traits:
            rng = _rng(self.seed, f"trait:{name}")
            self._traits[name] = rng.standard_normal(len(self.cell)).astype(np.float32)
        return self._traits[name]

    def trait_name(self, it: schema.Item) -> str:
        if it.subject:
            return _TRAIT_SUBJECT.get(it.subject, it.subject)
        return it.block

    def school_effect(self, name: str, sigma: float) -> np.ndarray:
        """sigma * z per pupil: z per school (standardised within each wave's
        schools), drifting a little between waves."""
        rng = _rng(self.seed, f"school:{name}")
        z1 = _standardise(rng.standard_normal(self.n_schools))
        z2 = 0.95 * z1 + np.sqrt(1 - 0.95**2) * rng.standard_normal(self.n_schools)
        z2[self.in_wave2] = _standardise(z2[self.in_wave2])
        z = np.where(self.pupils.wave == 1, z1[self.pupils.school], z2[self.pupils.school])
        return sigma * z

    # exact counts per cell -------------------------------------------------
    def counts(self, target: Target, answered: np.ndarray) -> np.ndarray:
        """Pupils to choose in each cell: exact per wave x year, spread by offsets."""
        n_cell = np.bincount(self.cell, weights=answered, minlength=self.n_cells).astype(np.int64)
        n_cell = n_cell.reshape(4, len(GENDERS), len(ETHNICITIES))
        by_group = {(1 + g // 2, 7 if g % 2 == 0 else 9): int(n_cell[g].sum()) for g in range(4)}
        shares = target.year_shares(by_group)
        k = np.zeros_like(n_cell)
        for g in range(4):
            wave, year = 1 + g // 2, (7 if g % 2 == 0 else 9)
            n = n_cell[g]
            if n.sum() == 0:
                continue
            gap = target.girl_gap[0 if year == 7 else 1]
            offset = (
                0.5 * gap * _GENDER_SIGN[:, None] + 0.5 * target.ethnic_gap * _ETHNIC_SIGN[None, :]
            )
            base = shares[(wave, year)]
            p = np.clip(base + offset - (n * offset).sum() / n.sum(), 0.002, 0.998)
            total = int(_round(base * n.sum()))
            k[g] = _apportion(total, (p * n).ravel(), n.ravel()).reshape(n.shape)
        return k.ravel()

    def choose(
        self,
        column: str,
        target: Target,
        answered: np.ndarray,
        k: np.ndarray | None = None,
        extra_logw: np.ndarray | float = 0.0,
        eligible: np.ndarray | None = None,
        trait: str | None = None,
    ) -> np.ndarray:
        it = schema.item(column)
        k = self.counts(target, answered) if k is None else k
        sigma = _school_sigma(target.mean, self.icc[column])
        logw = (
            self.school_effect(column, sigma)
            + _TRAIT * self.trait(trait or self.trait_name(it))
            + extra_logw
        )
        eligible = answered if eligible is None else eligible & answered
        return _select(self.cells, k, logw, eligible, _rng(self.seed, f"select:{column}"))

    # blocks ----------------------------------------------------------------
    def binary(self, it: schema.Item) -> np.ndarray:
        answered = ~self.missing[it.column]
        chosen = self.choose(it.column, TARGETS[it.column], answered)
        return np.where(answered, chosen.astype(np.int8), -1).astype(np.int8)

    def agreement(self, it: schema.Item) -> np.ndarray:
        answered = ~self.missing[it.column]
        agree = self.choose(it.column, TARGETS[it.column], answered)
        rng = _rng(self.seed, f"strength:{it.column}")
        trait = self.trait(self.trait_name(it))
        u = rng.random(len(agree))
        logit = lambda q: np.log(q / (1 - q))  # noqa: E731
        strong_agree = u < 1 / (1 + np.exp(-(logit(_STRONGLY[0]) + 0.8 * trait)))
        strong_disagree = u < 1 / (1 + np.exp(-(logit(_STRONGLY[1]) - 0.8 * trait)))
        code = np.where(agree, np.where(strong_agree, 4, 3), np.where(strong_disagree, 1, 2))
        return np.where(answered, code, -1).astype(np.int8)

    def favourites(self, b: schema.Block) -> dict[str, np.ndarray]:
        """Tick up to three: subjects filled from the most chosen, room first."""
        answered = ~self.missing[b.items[0].column]
        rng = _rng(self.seed, "favourite:ticks")
        room = 1 + np.searchsorted(
            np.cumsum(_FAVOURITE_TICKS), rng.random(len(answered)), side="right"
        )
        room = np.minimum(room, b.max_ticks or 3)
        ticked = np.zeros(len(answered), dtype=np.int8)
        order = sorted(b.items, key=lambda it: -TARGETS[it.column].mean)
        out = {}
        for it in order:
            chosen = self.choose(
                it.column, TARGETS[it.column], answered, extra_logw=-2.0 * ticked, eligible=room > 0
            )
            room = room - chosen
            ticked = ticked + chosen
            out[it.column] = np.where(answered, chosen.astype(np.int8), -1).astype(np.int8)
        # a tick list with nothing ticked cannot be told from one skipped
        blank = answered & (ticked == 0)
        return {it.column: np.where(blank, -1, out[it.column]).astype(np.int8) for it in b.items}

    def categorical(self, b: schema.Block) -> np.ndarray:
        it = b.items[0]
        answered = ~self.missing[it.column]
        assigned = np.full(len(answered), -1, dtype=np.int8)
        cats = list(b.categories)
        for i, cat in enumerate(cats):
            free = answered & (assigned < 0)
            if i == len(cats) - 1:
                assigned[free] = i
                break
            y7, y9 = AIM_SHARES[cat]
            target = _t(y7, y9)
            # shares of all answering pupils, asked of those still free
            k = self.counts(target, answered)
            sigma = _school_sigma(target.mean, self.icc[it.column])
            logw = self.school_effect(f"{it.column}:{cat}", sigma) + _TRAIT * self.trait(
                f"aim:{cat}"
            )
            chosen = _select(
                self.cells, k, logw, free, _rng(self.seed, f"select:{it.column}:{cat}")
            )
            assigned[chosen] = i
        return assigned

    # the table -------------------------------------------------------------
    def table(self) -> pd.DataFrame:
        p = self.pupils
        dtypes = schema.dtypes()
        width = self.id_width
        school_width = max(2, len(str(self.n_schools)))
        school_names = np.array(
            [f"S{i + 1:0{school_width}d}" for i in range(self.n_schools)], dtype=object
        )
        data: dict[str, object] = {
            "pupil_id": pd.array(
                np.char.add("P", np.char.zfill(self.numbers.astype(str), width)),
                dtype=dtypes["pupil_id"],
            ),
            "school_id": pd.Categorical.from_codes(p.school, categories=school_names),
            "wave": pd.array(p.wave, dtype=dtypes["wave"]),
            "year_group": pd.array(p.year, dtype=dtypes["year_group"]),
        }
        for column, values, codes in (
            ("gender", GENDERS, p.gender),
            ("ethnicity", ETHNICITIES, p.ethnicity),
        ):
            cats = [v for v in values if v is not None]
            data[column] = pd.Categorical.from_codes(
                np.where(codes < len(cats), codes, -1), dtype=dtypes[column]
            )
        for b in schema.blocks():
            if b.scale == "categorical":
                codes = self.categorical(b)
                data[b.items[0].column] = pd.Categorical.from_codes(
                    codes, dtype=dtypes[b.items[0].column]
                )
                continue
            if b.key == "favourite":
                values = self.favourites(b)
            else:
                make = self.agreement if b.scale == "agreement" else self.binary
                values = {it.column: make(it) for it in b.items}
            for column, v in values.items():
                data[column] = pd.arrays.IntegerArray(v, v < 0)
        return pd.DataFrame(data)


def survey_columns() -> tuple[str, ...]:
    """The columns :func:`make_survey` writes: the contract's, without ``weight``."""
    return tuple(c for c in schema.contract_columns() if c != schema.WEIGHT_COLUMN)


def _make(n1: int, n2: int, s1: int, s2: int, seed: int) -> pd.DataFrame:
    table = _Generator(n1, n2, s1, s2, seed).table()
    return table[list(survey_columns())]


def make_survey(seed: int = SEED, scale: float = 1.0) -> pd.DataFrame:
    """A synthetic pupil-level survey in the contract layout, both waves.

    Parameters
    ----------
    seed : random seed; the committed sample uses :data:`SEED`
    scale : multiplies the number of pupils of each wave (4073 and 2216 at
        scale 1). Above 1 the number of schools grows in step (27 and 19 at
        scale 1), keeping schools of a realistic size; below 1 the schools
        stay and get smaller.

    Returns
    -------
    DataFrame with the columns of ``schema.contract_columns()`` except
    ``weight``, typed as ``schema.dtypes()``; wave 1 then wave 2, by school
    and year group.

    Examples
    --------
    >>> t = make_survey(scale=0.1)
    >>> t.groupby("wave")["school_id"].nunique().tolist()
    [27, 19]
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, not {scale}")
    s1 = max(WAVE_SCHOOLS[1], int(_round(WAVE_SCHOOLS[1] * scale)))
    s2 = int(_round(s1 * WAVE_SCHOOLS[2] / WAVE_SCHOOLS[1]))
    return _make(
        int(_round(WAVE_PUPILS[1] * scale)), int(_round(WAVE_PUPILS[2] * scale)), s1, s2, seed
    )


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------
def _write_csv(table: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV, codes as integers, empty cell = missing, ``\\n`` line ends."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    arrays = {}
    for column in table.columns:
        s = table[column]
        if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == "string" or s.dtype == object:
            arrays[column] = _strings(s)
        else:
            arrays[column] = pa.array(
                s.to_numpy(dtype="int8", na_value=0), mask=s.isna().to_numpy(), type=pa.int8()
            )
    with open(path, "wb") as f:
        f.write((",".join(table.columns) + "\n").encode("utf-8"))
        pacsv.write_csv(
            pa.table(arrays),
            f,
            write_options=pacsv.WriteOptions(include_header=False, quoting_style="none"),
        )


def _strings(s: pd.Series):
    import pyarrow as pa

    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = pa.array(list(s.cat.categories), type=pa.string())
        codes = s.cat.codes.to_numpy()
        idx = pa.array(codes, mask=codes < 0, type=pa.int32())
        return pa.DictionaryArray.from_arrays(idx, cats).cast(pa.string())
    return pa.array(s.to_numpy(dtype=object, na_value=None), type=pa.string())


def write_large(
    path: str | Path | None = None, n_pupils: int = 1_000_000, seed: int = SEED + 1
) -> Path:
    """Write a large survey file of ``n_pupils`` pupils for benchmarks.

    Both waves in one CSV in the contract layout, in the proportions of the
    real waves (4073 : 2216) and with schools of the real size. Never
    committed: the default path is in the git-ignored ``data/sample/large/``.

    Returns
    -------
    The path written.
    """
    path = Path(path) if path is not None else LARGE_DIR / f"ks3_survey_{n_pupils}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    total = sum(WAVE_PUPILS.values())
    n1 = int(_round(n_pupils * WAVE_PUPILS[1] / total))
    n2 = n_pupils - n1
    s1 = max(WAVE_SCHOOLS[1], int(_round(n1 / (WAVE_PUPILS[1] / WAVE_SCHOOLS[1]))))
    s2 = int(_round(s1 * WAVE_SCHOOLS[2] / WAVE_SCHOOLS[1]))
    while n1 < 4 * s1 or n2 < 4 * s2:  # tiny files: fewer schools
        s1, s2 = max(1, s1 // 2), max(1, s2 // 2)
        if s1 == 1 and s2 == 1:
            break
    _write_csv(_make(n1, n2, s1, s2, seed), path)
    return path


def write_sample(out_dir: str | Path = SAMPLE_DIR, seed: int = SEED) -> list[Path]:
    """Write the committed synthetic sample into ``out_dir``.

    Files: one CSV a wave (:data:`WAVE_FILES`), a researcher's own export of
    part of wave 2 (:data:`EXPORT_FILE`, Windows-1252, own names and codes)
    with the codebook that maps it onto the contract (:data:`CODEBOOK_FILE`),
    and ``README.md``. Same seed, same bytes.

    Returns
    -------
    The paths written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = make_survey(seed=seed)
    written = []
    for wave, name in WAVE_FILES.items():
        part = table[table["wave"] == wave].reset_index(drop=True)
        _write_csv(part, out / name)
        written.append(out / name)
    export, codebook = example_export(table[table["wave"] == 2].reset_index(drop=True))
    with open(out / EXPORT_FILE, "w", encoding="cp1252", newline="") as f:
        export.to_csv(f, index=False, lineterminator="\r\n")
    (out / CODEBOOK_FILE).write_text(codebook, encoding="utf-8", newline="\n")
    (out / "README.md").write_text(_readme(table, seed), encoding="utf-8", newline="\n")
    written += [out / EXPORT_FILE, out / CODEBOOK_FILE, out / "README.md"]
    return written


# --------------------------------------------------------------------------
# The example export: a researcher's own file and its codebook
# --------------------------------------------------------------------------
_EXPORT_MIN_PUPILS = 250
_AGREE_WORDS = {1: "Strongly disagree", 2: "Disagree", 3: "Agree", 4: "Strongly agree"}
_YES_NO = {1: "Yes", 0: "No"}
_SEX = {"girl": "F", "boy": "M", "other": "O"}
_ETHNIC_WORDS = {"white_british": "White British", "other_ethnic_group": "Other ethnic group"}
_YEAR_WORDS = {7: "Year 7", 9: "Year 9"}
_AIM_WORDS = {
    "gcses": "GCSEs",
    "a_levels": "A levels",
    "diploma": "Diploma",
    "apprenticeship": "Apprenticeship",
    "vocational": "Vocational qualification",
    "degree": "University degree",
    "dont_know": "Don\u2019t know",
}
_NOT_ANSWERED = "Not answered"
_MINUS_NINE = "-9"
# Blocks in the export, and how the researcher wrote each one.
_EXPORT_BLOCKS = {
    "favourite": "tick",
    "enjoy": "agree4",
    "club": "yes_no",
    "trip": "yes_no",
    "source": "yes_no",
    "aim": "aim",
    "consider": "yes_no",
}
_EXPORT_NAMES = {
    "favourite": "Fav {}",
    "enjoy": "Enjoy {}",
    "club": "{}",
    "trip": "{}",
    "source": "Careers info from: {}",
    "aim": "Highest qualification aimed for",
    "consider": "Would consider: {}",
}


def _q(value) -> str:
    """A YAML scalar, always quoted (so Yes/No/F/9 stay text)."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def example_export(wave2: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """A few hundred wave 2 pupils as a researcher's Excel export, and its codebook.

    The pupils are all those of the first wave 2 schools (in file order) up to
    at least 250 pupils, with the ``pupil_id`` of the wave 2 file. Returns
    the export (all text, written as Windows-1252 by :func:`write_sample`)
    and the codebook YAML text.
    """
    schools = wave2["school_id"].astype(str)
    sizes = schools.value_counts(sort=False).reindex(pd.unique(schools))
    keep = sizes.index[: int(np.searchsorted(sizes.cumsum().to_numpy(), _EXPORT_MIN_PUPILS)) + 1]
    part = wave2[schools.isin(keep)].reset_index(drop=True)

    def words(series: pd.Series, mapping: Mapping, missing: str) -> pd.Series:
        values = series.astype(object)
        return pd.Series([missing if pd.isna(v) else mapping[v] for v in values], dtype=object)

    cols: dict[str, pd.Series] = {
        "Pupil Ref": part["pupil_id"].astype(object),
        "School": part["school_id"].astype(str).astype(object),
        "Pupil\u2019s year": words(part["year_group"], _YEAR_WORDS, _NOT_ANSWERED),
        "Form": pd.Series(
            [f"{y}{'RKSTHB'[i % 6]}" for i, y in enumerate(part["year_group"].astype(int))],
            dtype=object,
        ),
        "Sex": words(part["gender"], _SEX, _NOT_ANSWERED),
        "Ethnic group": words(part["ethnicity"], _ETHNIC_WORDS, _NOT_ANSWERED),
    }
    sources: dict[str, str] = {}
    for key, style in _EXPORT_BLOCKS.items():
        b = schema.block(key)
        for it in b.items:
            name = _EXPORT_NAMES[key].format(it.label)
            sources[it.column] = name
            v = part[it.column]
            if style == "tick":
                cols[name] = words(v, {1: "1", 0: "0"}, _MINUS_NINE)
            elif style == "agree4":
                cols[name] = words(v, _AGREE_WORDS, _NOT_ANSWERED)
            elif style == "yes_no":
                cols[name] = words(v, _YES_NO, _MINUS_NINE)
            else:
                cols[name] = words(v, _AIM_WORDS, _NOT_ANSWERED)
    return pd.DataFrame(cols), _codebook_text(sources, len(part), len(keep))


def _codebook_text(sources: dict[str, str], n_pupils: int, n_schools: int) -> str:
    lines = [
        "# Codebook for data/sample/example_export.csv: a worked example.",
        "#",
        "# The export is how a researcher might save part of wave 2 from Excel:",
        "# Windows-1252 text, their own column names (one with a curly apostrophe,",
        '# "Pupil\u2019s year"), words instead of codes, and -9 or "Not answered" for a',
        "# missing answer. This codebook tells the loader which of those columns is",
        "# which survey column, and how the words become the survey's codes. Loading",
        "# the export with it gives exactly the wave 2 rows of the same pupils in",
        "# ks3_survey_wave2_2010.csv (for the columns the export has).",
        "#",
        "# Written by analysis/synthetic.py (python scripts/make_sample.py); the",
        "# format is described in docs/codebook.md.",
        "",
        "# Always 1 for now: lets a later version of the analysis read old codebooks.",
        "codebook_version: 1",
        "",
        "description: >-",
        f"  Example export: wave 2 (autumn 2010), the {n_pupils} pupils of {n_schools} schools,",
        "  saved from Excel as CSV (Windows-1252). Synthetic data.",
        "",
        '# Values that mean "no answer" in every column, besides empty cells. They are',
        '# compared as text after trimming spaces, so -9 matches the cell "-9".',
        f"missing_values: [-9, {_q(_NOT_ANSWERED)}]",
        "",
        "# Columns the file does not have because they are the same for every row:",
        "# this export holds one wave, so `wave` is given here.",
        "constants:",
        "  wave: 2",
        "",
        "# Sets of codes shared by several columns: the export's word -> the survey's",
        "# code. Keys are quoted so that YAML keeps Yes and No as words (unquoted, YAML",
        "# would read them as true and false).",
        "code_sets:",
        '  # "Yes"/"No" answers -> 1 (yes) / 0 (no)',
        "  yes_no: {" + ", ".join(f"{_q(w)}: {c}" for c, w in _YES_NO.items()) + "}",
        "  # the four-point agreement scale -> 1 strongly disagree ... 4 strongly agree",
        "  agree4: {" + ", ".join(f"{_q(w)}: {c}" for c, w in _AGREE_WORDS.items()) + "}",
        "",
        "# Survey (contract) column -> the export's column. Either just the export's",
        "# column name, when its values are already the survey's codes, or",
        "# {from: <export column>, codes: <a code set above, or a mapping>}.",
        '# The export\'s "Form" (tutor group) column is not named here: the loader',
        "# reports it and leaves it out. Survey blocks the export lacks (ease,",
        "# importance, visitors, awareness, career areas...) are simply absent.",
        "columns:",
        "  # identifiers: pseudonymous codes, kept as they are",
        f"  pupil_id: {_q('Pupil Ref')}",
        f"  school_id: {_q('School')}",
        "  # groups: the export's words -> the survey's codes",
        f"  year_group: {{from: {_q('Pupil’s year')}, codes: {{"
        + ", ".join(f"{_q(w)}: {c}" for c, w in _YEAR_WORDS.items())
        + "}}",
        f"  gender: {{from: {_q('Sex')}, codes: {{"
        + ", ".join(f"{_q(w)}: {_q(c)}" for c, w in _SEX.items())
        + "}}",
        f"  ethnicity: {{from: {_q('Ethnic group')}, codes: {{"
        + ", ".join(f"{_q(w)}: {_q(c)}" for c, w in _ETHNIC_WORDS.items())
        + "}}",
    ]
    notes = {
        "tick": "ticks already 1 (ticked) / 0 (not ticked): no codes needed",
        "agree4": "agreement in words, through the agree4 code set",
        "yes_no": "Yes/No answers, through the yes_no code set",
        "aim": "one answer among several: a mapping of its own",
    }
    for key, style in _EXPORT_BLOCKS.items():
        b = schema.block(key)
        lines.append(f"  # {b.label}: {notes[style]}")
        for it in b.items:
            src = _q(sources[it.column])
            if style == "tick":
                lines.append(f"  {it.column}: {src}")
            elif style == "aim":
                lines.append(f"  {it.column}:")
                lines.append(f"    from: {src}")
                lines.append("    codes:")
                for code, word in _AIM_WORDS.items():
                    lines.append(f"      {_q(word)}: {code}")
            else:
                lines.append(f"  {it.column}: {{from: {src}, codes: {style}}}")
    return "\n".join(lines) + "\n"


def _readme(table: pd.DataFrame, seed: int) -> str:
    by_wave = table.groupby("wave", observed=True).agg(
        pupils=("pupil_id", "size"), schools=("school_id", "nunique")
    )
    n1, n2 = (int(by_wave.loc[w, "pupils"]) for w in (1, 2))
    s1, s2 = (int(by_wave.loc[w, "schools"]) for w in (1, 2))
    return f"""# The synthetic sample

**Every pupil here is made up.** These files are written by a seeded generator,
`analysis/synthetic.py`, so that the dashboards and tests have realistic data
without any real pupil in the repository. The generator is calibrated to
reproduce the figures published in *Good Timing* (the final report of the STEM
Careers Awareness Timeline project) for its KS3 surveys; any other pattern in
the files (a school's results, a correlation between items) is made up too.

| file | what |
|---|---|
| `{WAVE_FILES[1]}` | wave 1 (autumn 2008): {n1} pupils in {s1} schools, years 7 and 9 |
| `{WAVE_FILES[2]}` | wave 2 (autumn 2010): {n2} pupils in {s2} of those schools |
| `{EXPORT_FILE}` | part of wave 2 as a researcher's own Excel export: Windows-1252, own column names, words for codes, `-9` / `Not answered` for missing |
| `{CODEBOOK_FILE}` | the codebook that maps the export onto the survey's layout (a commented worked example) |
| `large/` | benchmark files (`--large N`), never committed |

The wave files are in the survey's own layout (`docs/data-contract.md`): UTF-8,
one row a pupil, codes as integers, an empty cell for a missing answer. About
half the year 9 pupils of wave 2 carry the `pupil_id` of a year 7 pupil of wave 1
in the same school (the same cohort two years on). Loading the export with its
codebook gives exactly the rows of the same pupils in the wave 2 file.

## Regenerating

```bash
python scripts/make_sample.py               # seed {seed}: same seed, same bytes
python scripts/make_sample.py --large 1000000   # 1,000,000 pupils into large/
```

`tests/test_synthetic.py` fails if the committed files differ from what the
generator writes, so regenerate and commit them together with any change to
the generator.

## How the figures were calibrated

Each item has a target share for each wave and year group, a girls-minus-boys
gap (per year group, so gaps can widen) and an ethnic gap (`TARGETS` in
`analysis/synthetic.py`). Within each wave x year group, exactly
round(share x pupils answering) pupils tick the item (agree: 3 or 4), shared
among gender x ethnicity cells by their offsets, re-centred so the wave x year
share is unchanged. So a published percentage holds in each wave, and pooled:

- year 9: 45% science trip and 19% science club (each wave and both together);
- 13% of all pupils in a maths club and 37% recall a visitor (each wave);
- 48% of year 7 in wave 1 and 59% of year 9 in wave 2 would ask a subject teacher;
- enjoyment of maths (agree or strongly agree) falls by 12 points from wave 1
  to wave 2;

and the qualitative findings (PE, art, design and technology the favourite
subjects and science fourth; rises, falls, widening gender gaps; "over half",
"fewer than a third", "about 10%") hold with margins of a few points, not by a
hair. Which pupils tick is drawn by weighted sampling without replacement,
with a school effect per item (intraclass correlations of a few hundredths, as
in real school surveys) and a pupil trait per subject or block (so answers
about one subject hang together). A few % of answers are missing, more in
later questions. `tests/test_sample.py` checks every published figure on these
files with plain pandas.
"""
