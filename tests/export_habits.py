"""Researchers' own exports of the sample, with other naming habits, and the truth.

Each function writes one export of (part of) the synthetic sample the way a
researcher's statistics program might, and returns its path with the truth:
``{export column: survey column or None}``. Tests score the codebook template
on them (mapped right, mapped wrong, left as a choice) and load them with it.

Habits (all from ``data/sample``, 8 schools, both waves):

* ``labels_only_sav``: SPSS, columns ``v1``…``vN``; the meaning is only in the
  variable labels, in the question's words ("I enjoy maths", "Would you consider
  a career in engineering?"), and the value labels: sex 1 Male / 2 Female / 3
  Prefer not to say, year 1 "Year 7" / 2 "Year 9", survey year 2008 / 2010, a
  **five-point** agreement scale with 3 "Neither agree nor disagree" (12% of
  answers), yes/no as 1 Yes / 2 No, ethnic background in six groups, a free-text
  column and a form column.
* ``numbered_sav``: SPSS, question-number prefixes and mixed case
  (``Q14_Enjoy_Maths``, ``q20b_FAV_SCIENCE``, ``Q4_Gender``), no variable labels,
  four-point agreement with value labels, ticks 0/1 unlabelled.
* ``mixed_case_csv``: CSV of one wave named for it (``..._wave2.csv``), mixed
  case and run-together names (``ENJOY_MATHS``, ``FavScience``, ``YearGroup``),
  words for codes ("Agree", "Yes", "Girl", "Y7").
* ``numbered_labels_sav``: SPSS, ``Q1``…``QN`` names and variable labels that
  start with their question number ("Q12. I find science easy").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis import schema
from analysis.load import load_survey
from analysis.synthetic import SAMPLE_DIR, WAVE_FILES

SCHOOLS = 8
NEUTRAL_SHARE = 0.12


def sample(schools: int = SCHOOLS) -> pd.DataFrame:
    """The sample's pupils of the first ``schools`` schools that are in both waves."""
    table = load_survey([SAMPLE_DIR / f for f in WAVE_FILES.values()]).table
    both = sorted(
        set(table.loc[table.wave == 1, "school_id"]) & set(table.loc[table.wave == 2, "school_id"])
    )[:schools]
    return table[table.school_id.isin(both)].reset_index(drop=True)


def _agree_label(it) -> str:
    s = it.label.lower() if it.label not in ("ICT", "PE") else it.label
    return {
        "enjoy": f"I enjoy {s}",
        "easy": f"I find {s} easy",
        "important": f"{it.label} is important for my future",
    }[it.block]


def _question(it) -> str:
    """An item's question as a questionnaire would print it."""
    b = it.block
    lab = it.label
    if b in ("enjoy", "easy", "important"):
        return _agree_label(it)
    return {
        "favourite": f"Favourite subjects (tick up to three): {lab}",
        "club": f"Have you been to a {lab.lower()}?",
        "trip": f"Have you been on a {lab.lower()}?",
        "visitor": "Has a visitor come into school to talk about their work?",
        "source": f"Where would you go to find out about jobs and careers? {lab}",
        "aware": f"Have you heard of {lab}?",
        "aim": "What is the highest qualification you aim for?",
        "consider": f"Would you consider a career in {lab.lower()}?",
        "want_info": "I would like to find out more about STEM careers",
        "career": f"Which kinds of work would you consider? {lab}",
    }[b]


def _five_point(codes: pd.Series, rng) -> pd.Series:
    """Four-point 1-4 as five-point 1, 2, 4, 5, with a share of answers moved to 3
    (neutral); the truth for those is missing."""
    out = codes.astype("float").map({1: 1, 2: 2, 3: 4, 4: 5})
    answered = out.notna().to_numpy()
    neutral = answered & (rng.random(len(out)) < NEUTRAL_SHARE)
    out[neutral] = 3
    return out


ETHNIC_LABELS = {
    1: "White British",
    2: "White other",
    3: "Mixed",
    4: "Asian or Asian British",
    5: "Black or Black British",
    6: "Other ethnic group",
    9: "Prefer not to say",
}


def labels_only_sav(folder: Path, table: pd.DataFrame | None = None, seed: int = 17):
    """SPSS with v1..vN names; see the module's docstring. Returns
    ``(path, truth, expected)``: ``expected`` is the contract table the export
    should load as (neutral answers missing)."""
    import pyreadstat

    rng = np.random.default_rng(seed)
    t = sample() if table is None else table
    data, labels, values, truth = {}, {}, {}, {}
    expected = t.copy()
    n = [0]

    def add(values_, label, target, value_labels=None):
        n[0] += 1
        name = f"v{n[0]}"
        data[name] = values_
        labels[name] = label
        if value_labels:
            values[name] = value_labels
        truth[name] = target
        return name

    add(t.pupil_id.astype(str), "Pupil ID", "pupil_id")
    add(t.school_id.astype(str), "School code", "school_id")
    add(
        t.wave.astype(float).map({1: 2008, 2: 2010}),
        "Survey year",
        "wave",
        {2008: "Autumn 2008", 2010: "Autumn 2010"},
    )
    add(
        t.year_group.astype(float).map({7: 1, 9: 2}),
        "Year group",
        "year_group",
        {1: "Year 7", 2: "Year 9"},
    )
    add(
        t.gender.astype(object).map({"boy": 1, "girl": 2, "other": 3}).astype(float),
        "Sex of pupil",
        "gender",
        {1: "Male", 2: "Female", 3: "Prefer not to say"},
    )
    expected["gender"] = expected.gender.where(expected.gender != "other")
    other = rng.choice([2, 3, 4, 5, 6], len(t))
    eth = np.where(
        t.ethnicity.astype(object) == "white_british", 1, np.where(t.ethnicity.isna(), 9, other)
    ).astype(float)
    add(eth, "Ethnic background", "ethnicity", ETHNIC_LABELS)
    expected["ethnicity"] = expected.ethnicity.astype(object).where(eth != 9)
    add(rng.choice(["A", "B", "C"], len(t)), "Tutor group", None)
    agree5 = {
        1: "Strongly disagree",
        2: "Disagree",
        3: "Neither agree nor disagree",
        4: "Agree",
        5: "Strongly agree",
    }
    for it in schema.items():
        if it.column not in t.columns:
            continue
        col = t[it.column]
        if it.scale == "agreement":
            five = _five_point(col, rng)
            expected[it.column] = col.astype("Int8").where(five.to_numpy() != 3)
            add(five, _question(it), it.column, agree5)
        elif it.scale == "binary":
            add(col.astype(float).map({1: 1, 0: 2}), _question(it), it.column, {1: "Yes", 2: "No"})
        else:
            cats = list(schema.block(it.block).categories)
            add(
                col.astype(object).map({c: i + 1 for i, c in enumerate(cats)}).astype(float),
                _question(it),
                it.column,
                {i + 1: lab for i, lab in enumerate(schema.block(it.block).categories.values())},
            )
    add(
        np.where(rng.random(len(t)) < 0.1, "likes the robots club", ""),
        "Anything else you want to tell us?",
        None,
    )
    # questions the survey does not have, some in words close to its own
    add(rng.integers(1, 5, len(t)).astype(float), "I enjoy maths and science", None, agree5)
    add(rng.integers(1, 6, len(t)).astype(float), "Do you like school?", None, agree5)
    add(rng.integers(1, 5, len(t)).astype(float), "Maths set", None)
    add(
        rng.integers(0, 4, len(t)).astype(float), "How many brothers and sisters do you have?", None
    )
    add(
        rng.integers(1, 3, len(t)).astype(float),
        "Do you have a computer at home?",
        None,
        {1: "Yes", 2: "No"},
    )
    add(
        rng.integers(1, 3, len(t)).astype(float),
        "Would you consider going to university?",
        None,
        {1: "Yes", 2: "No"},
    )
    frame = pd.DataFrame(data)
    path = Path(folder) / "my_survey.sav"
    pyreadstat.write_sav(frame, str(path), column_labels=labels, variable_value_labels=values)
    return path, truth, expected


def numbered_sav(folder: Path, table: pd.DataFrame | None = None):
    """SPSS with Q-number prefixes and mixed case; no variable labels."""
    import pyreadstat

    t = sample() if table is None else table
    data, values, truth = {}, {}, {}
    q = [0]

    def add(name, values_, target, value_labels=None):
        q[0] += 1
        name = f"{'Q' if q[0] % 3 else 'q'}{q[0]}{'b' if q[0] % 5 == 0 else ''}_{name}"
        data[name] = values_
        if value_labels:
            values[name] = value_labels
        truth[name] = target

    add("PupilID", t.pupil_id.astype(str), "pupil_id")
    add("SchoolID", t.school_id.astype(str), "school_id")
    add("Wave", t.wave.astype(float), "wave")
    add("YearGroup", t.year_group.astype(float), "year_group")
    add(
        "Gender",
        t.gender.astype(object).map({"girl": 1, "boy": 2, "other": 3}).astype(float),
        "gender",
        {1: "Girl", 2: "Boy", 3: "Other"},
    )
    add("Form", np.full(len(t), "7X"), None)
    agree4 = dict(schema.scale_codes("agreement"))
    for it in schema.items():
        if it.column not in t.columns or it.scale == "categorical":
            continue
        words = it.column.split("_")
        name = "_".join(w.upper() if len(w) <= 3 else w.capitalize() for w in words)
        if it.block == "favourite":
            name = "FAV_" + "_".join(words[1:]).upper()
        if it.scale == "agreement":
            add(name, t[it.column].astype(float), it.column, agree4)
        else:
            add(name, t[it.column].astype(float), it.column)
    frame = pd.DataFrame(data)
    path = Path(folder) / "ks3_numbered.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels=values)
    return path, truth, t


def mixed_case_csv(folder: Path, table: pd.DataFrame | None = None):
    """CSV of wave 2 only, mixed-case names, words for codes."""
    t = sample() if table is None else table
    t = t[t.wave == 2].reset_index(drop=True)
    agree = dict(schema.scale_codes("agreement"))
    data, truth = {}, {}
    data["PUPIL_ID"] = t.pupil_id.astype(str)
    truth["PUPIL_ID"] = "pupil_id"
    data["SchoolRef"] = t.school_id.astype(str)
    truth["SchoolRef"] = "school_id"
    data["YearGroup"] = t.year_group.astype(float).map({7: "Y7", 9: "Y9"})
    truth["YearGroup"] = "year_group"
    data["gender"] = t.gender.astype(object).map({"girl": "Girl", "boy": "Boy", "other": "Other"})
    truth["gender"] = "gender"
    data["Class"] = "9Z"
    truth["Class"] = None
    for it in schema.items():
        if it.column not in t.columns or it.scale == "categorical":
            continue
        words = it.column.split("_")
        if it.block == "favourite":
            name = "Fav" + "".join(w.capitalize() for w in words[1:])
        elif it.block in ("enjoy", "easy", "important"):
            name = it.column.upper()
        else:
            name = it.column.replace("_", " ").title()
        if it.scale == "agreement":
            data[name] = t[it.column].astype(float).map(agree)
        else:
            data[name] = t[it.column].astype(float).map({1: "Yes", 0: "No"})
        truth[name] = it.column
    frame = pd.DataFrame(data)
    path = Path(folder) / "pupil_survey_wave2.csv"
    frame.to_csv(path, index=False)
    return path, truth, t.assign(wave=t.wave)


def numbered_labels_sav(folder: Path, table: pd.DataFrame | None = None):
    """SPSS with Q1..QN names and variable labels starting with their number."""
    import pyreadstat

    t = sample() if table is None else table
    data, labels, values, truth = {}, {}, {}, {}
    k = [0]

    def add(values_, label, target, value_labels=None):
        k[0] += 1
        name = f"Q{k[0]}"
        data[name] = values_
        labels[name] = f"Q{k[0]}. {label}"
        if value_labels:
            values[name] = value_labels
        truth[name] = target

    add(t.pupil_id.astype(str), "Pupil reference", "pupil_id")
    add(t.school_id.astype(str), "School", "school_id")
    add(t.wave.astype(float), "Wave", "wave", {1: "Wave 1 (2008)", 2: "Wave 2 (2010)"})
    add(t.year_group.astype(float), "NC year", "year_group", {7: "Year 7", 9: "Year 9"})
    add(
        t.gender.astype(object).map({"girl": 1, "boy": 2, "other": 3}).astype(float),
        "Are you a boy or a girl?",
        "gender",
        {1: "Girl", 2: "Boy", 3: "Other"},
    )
    agree4 = dict(schema.scale_codes("agreement"))
    for it in schema.items():
        if it.column not in t.columns or it.scale == "categorical":
            continue
        if it.scale == "agreement":
            add(t[it.column].astype(float), _question(it), it.column, agree4)
        else:
            add(
                t[it.column].astype(float), _question(it), it.column, {1: "Ticked", 0: "Not ticked"}
            )
    frame = pd.DataFrame(data)
    path = Path(folder) / "ks3_q_numbers.sav"
    pyreadstat.write_sav(frame, str(path), column_labels=labels, variable_value_labels=values)
    return path, truth, t


HABITS = {
    "labels only (SPSS)": labels_only_sav,
    "question numbers (SPSS)": numbered_sav,
    "mixed case (CSV)": mixed_case_csv,
    "numbered labels (SPSS)": numbered_labels_sav,
}


def score(template: str, truth: dict) -> dict:
    """How a template did against the truth: right, wrong, choices, missed."""
    import yaml

    raw = yaml.safe_load(template)
    mapped = {}
    for target, spec in (raw.get("columns") or {}).items():
        source = spec["from"] if isinstance(spec, dict) else spec
        mapped[str(source)] = target
    wanted = {s for s, t in truth.items() if t is not None}
    right = sorted(s for s, t in mapped.items() if truth.get(s) == t)
    wrong = sorted(s for s, t in mapped.items() if truth.get(s) != t)
    return {
        "columns": len(truth),
        "survey columns": len(wanted),
        "right": len(right),
        "wrong": wrong,
        "not mapped": sorted(wanted - set(mapped)),
    }
