"""Guessing what an export's columns and codes mean: the starter codebook.

:func:`codebook_template` reads a researcher's file (CSV, Excel, SPSS, Stata,
Parquet) and proposes, for every column it can, the survey column it holds and
how its values translate into the survey's codes. It reads

* the column's **name**, after taking off question numbers and prefixes
  (``Q12_Enjoy_Maths``, ``v12``, ``q3b. Enjoy maths``), compared ignoring case,
  spaces and punctuation with the survey's names, common names of the group
  columns and the item labels of ``survey.yml``;
* the **variable label** of an SPSS or Stata file, in the question's own words:
  "I enjoy maths" -> ``enjoy_maths``, "Have you been to a science club?" ->
  ``club_science``;
* the **value labels** (or the words in a CSV): "Female"/"Male"/"Prefer not to
  say" -> ``girl``/``boy``/not stated, "Strongly agree"… -> 4…, a five-point
  scale's middle answer -> ``neutral`` (left out of the base, noted on loading).

Each proposal carries how sure it is (:data:`SURE`, :data:`LIKELY`); a guess
that is not safe enough is written as a clearly marked choice, commented out,
for the researcher to take or leave. Before anything is written the proposed
codebook is tried on the file itself: a mapping that ``check`` would refuse
(a value with no code, a code outside the survey's) is turned back into a
choice with the reason, so a template never makes a file fail that would load
without it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import pandas as pd

from . import schema
from .codebook import NEUTRAL, Codebook, code_key, guess_contract_column

SURE = "sure"
LIKELY = "likely"
UNSURE = "unsure"

#: Values that usually mean "not answered", in any column.
MISSING_WORDS = (
    "-9",
    "-99",
    "-8",
    "-98",
    "-1",
    "not answered",
    "no answer",
    "no response",
    "missing",
    "n/a",
    "na",
    "not stated",
    "not known",
    "unknown",
    "refused",
    "did not answer",
    "not applicable",
    "system missing",
    "blank",
)


# ------------------------------------------------------------- text helpers
_NUMBERING = re.compile(
    r"^\s*(?:(?:q|qu|question|v|var|item|x)\s*)?\d+[a-z]?(?:[._-]?\d+[a-z]?)*"
    r"(?:\s*[._:)\-]\s*|\s+|(?=[A-Z]))",
    re.IGNORECASE,
)


def strip_numbering(text: str) -> str:
    """``text`` without a leading question number or variable prefix.

    >>> strip_numbering("Q12_Enjoy_Maths"), strip_numbering("q3b. I enjoy maths")
    ('Enjoy_Maths', 'I enjoy maths')
    >>> strip_numbering("v12"), strip_numbering("Year group")
    ('', 'Year group')
    """
    text = str(text).strip()
    stripped = _NUMBERING.sub("", text, count=1)
    if re.fullmatch(
        r"(?:q|qu|question|v|var|item|x)?\s*\d+[a-z]?(?:[._-]?\d+[a-z]?)*", text, re.IGNORECASE
    ):
        return ""
    return stripped.strip()


def _words(text: str) -> str:
    """Lower-case words separated by single spaces, '&' as 'and', camelCase split."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(text))
    text = text.replace("&", " and ").replace("’", "'").casefold()
    text = re.sub(r"[^0-9a-z']+", " ", text)
    return f" {' '.join(text.replace(chr(39), '').split())} "


def _has(text: str, phrase: str) -> bool:
    return f" {phrase} " in text


# ----------------------------------------------------- question wording
# Each block: phrases in a question's wording that say the block. Order
# matters: the first block whose phrase is found is taken.
_BLOCK_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "want_info",
        (
            "find out more about stem",
            "more about stem careers",
            "information about stem careers",
            "info about stem careers",
            "stem careers info",
            "stem careers information",
            "more stem careers",
        ),
    ),
    (
        "aim",
        (
            "qualification you aim",
            "qualification aim",
            "aim for",
            "highest qualification",
            "qualifications aim",
            "hope to get",
            "aiming for",
            "plan to get",
        ),
    ),
    (
        "source",
        (
            "find out about jobs",
            "find out about careers",
            "careers info from",
            "careers information from",
            "careers info source",
            "careers information source",
            "source of careers",
            "go to find out",
            "ask about jobs",
            "ask about careers",
            "info from",
            "source",
        ),
    ),
    ("aware", ("heard of", "aware of", "awareness", "know about", "know of", "aware")),
    (
        "career",
        (
            "kinds of work",
            "kind of work",
            "types of work",
            "type of work",
            "career area",
            "career areas",
            "work in",
            "job in",
            "jobs in",
        ),
    ),
    (
        "consider",
        (
            "career in",
            "consider a career",
            "would consider career",
            "consider career",
            "would consider",
            "consider",
        ),
    ),
    (
        "visitor",
        ("visitor", "visitors", "came to talk", "come to talk", "speaker", "talk about their work"),
    ),
    ("club", ("club", "clubs")),
    ("trip", ("trip", "trips", "outing", "school visit")),
    ("favourite", ("favourite", "favorite", "fav", "fave", "favourites")),
    ("important", ("important", "importance", "useful for my future", "matters for my future")),
    ("easy", ("easy", "ease", "find it easy")),
    ("enjoy", ("enjoy", "enjoyment", "i like", "like")),
)

_SUBJECT_WORDS = {
    "english": ("english",),
    "maths": ("maths", "math", "mathematics"),
    "science": ("science", "sciences"),
    "design_technology": (
        "design and technology",
        "design technology",
        "d and t",
        "dt",
        "d t",
        "design tech",
    ),
    "ict": (
        "ict",
        "computing",
        "information technology",
        "it",
        "computers",
        "information and communication technology",
    ),
    "engineering": ("engineering",),
    "art": ("art", "art and design"),
    "pe": ("pe", "p e", "physical education"),
    "music": ("music",),
    "drama": ("drama",),
    "history": ("history",),
    "geography": ("geography",),
    "languages": (
        "languages",
        "language",
        "mfl",
        "modern foreign languages",
        "modern languages",
        "foreign languages",
    ),
}
_STEM_AREA_WORDS = {
    "science": ("science", "sciences"),
    "maths": ("maths", "math", "mathematics"),
    "technology": ("technology", "tech"),
    "engineering": ("engineering",),
}
_ITEM_WORDS = {  # extra words for items whose labels alone are not enough
    "source_family": ("family", "parents", "parent", "mum", "dad", "relatives"),
    "source_friends": ("friends", "friend"),
    "source_subject_teacher": ("subject teacher", "teacher", "teachers"),
    "source_form_tutor": ("form tutor", "tutor", "form teacher"),
    "source_careers_adviser": (
        "careers adviser",
        "careers advisor",
        "adviser",
        "advisor",
        "connexions",
        "careers advisers",
    ),
    "source_careers_library": ("careers library", "library"),
    "source_internet": ("internet", "web", "online", "websites", "website"),
    "source_social_networking": ("social networking", "social network", "social media", "facebook"),
    "source_tv_media": ("tv and media", "tv", "television", "media"),
    "aware_a_levels": ("a levels", "a level", "alevels", "alevel"),
    "aware_diplomas": ("diplomas", "diploma"),
    "aware_apprenticeships": ("apprenticeships", "apprenticeship"),
    "aware_vocational": ("vocational qualifications", "vocational", "btec", "nvq"),
}


@cache
def _item_phrases() -> dict[str, dict[str, tuple[str, ...]]]:
    """block -> item column -> phrases naming the item in a question's words."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for block in schema.blocks():
        items: dict[str, tuple[str, ...]] = {}
        for it in block.items:
            phrases = {_words(it.label).strip()}
            if block.key in ("favourite", "enjoy", "easy", "important"):
                phrases |= set(_SUBJECT_WORDS.get(it.subject or "", ()))
            elif block.key in ("club", "trip", "consider"):
                phrases |= set(_STEM_AREA_WORDS.get(it.subject or "", ()))
            phrases |= set(_ITEM_WORDS.get(it.column, ()))
            items[it.column] = tuple(p for p in phrases if p)
        out[block.key] = items
    return out


def guess_from_wording(text: str) -> tuple[str | None, str]:
    """The survey column a question's wording (or a column name) names, and why.

    Returns ``(column, reason)``; ``column`` is None when the words name no
    block, or no single item of it.

    >>> guess_from_wording("I enjoy maths")[0]
    'enjoy_maths'
    >>> guess_from_wording("Have you been to a science club?")[0]
    'club_science'
    >>> guess_from_wording("Would you consider a career in engineering?")[0]
    'consider_engineering'
    """
    words = _words(text)
    if not words.strip():
        return None, "no words"
    for block, phrases in _BLOCK_WORDS:
        said = [p for p in phrases if _has(words, p)]
        if not said:
            continue
        items = _item_phrases()[block]
        if len(items) == 1:
            return next(iter(items)), f"the words '{said[0]}'"
        rest = words
        for p in sorted(said, key=len, reverse=True):
            rest = rest.replace(f" {p} ", " ")
        hits: dict[str, int] = {}
        for column, item_phrases in items.items():
            found = [p for p in item_phrases if _has(rest, p)]
            if found:
                hits[column] = max(len(p) for p in found)
        if not hits:
            return None, f"the words '{said[0]}' but no item of that question"
        best = max(hits.values())
        top = [c for c, n in hits.items() if n == best]
        if len(top) > 1 or len(hits) > 1 and block not in ("career",):
            # two items named (e.g. 'maths and science'): not one column
            return None, f"the words '{said[0]}' and more than one item ({', '.join(hits)})"
        return top[0], f"the words '{said[0]}'"
    for column, phrases in _GROUP_WORDS:
        said = [p for p in phrases if _has(words, p)]
        if said:
            return column, f"the words '{said[0]}'"
    return None, "no question of the survey in its words"


# Identifier and group columns in a label's words, after the question blocks
# (first found wins: 'survey year' is the wave, not the year group).
_GROUP_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "pupil_id",
        (
            "pupil id",
            "pupil identifier",
            "pupil reference",
            "pupil ref",
            "pupil code",
            "student id",
            "respondent id",
            "case id",
            "pupil number",
        ),
    ),
    (
        "school_id",
        (
            "school id",
            "school code",
            "school reference",
            "school ref",
            "school number",
            "school",
            "centre",
        ),
    ),
    (
        "wave",
        (
            "survey year",
            "year of survey",
            "year of the survey",
            "wave",
            "sweep",
            "survey round",
            "round of survey",
        ),
    ),
    (
        "year_group",
        (
            "year group",
            "school year",
            "nc year",
            "national curriculum year",
            "which year are you in",
            "year are you in",
            "yeargroup",
        ),
    ),
    ("gender", ("sex", "gender", "boy or a girl", "boy or girl", "girl or boy", "girl or a boy")),
    ("ethnicity", ("ethnic", "ethnicity", "ethnic group", "ethnic background", "ethnic origin")),
)


# ----------------------------------------------------------- value codes
_AGREE_WORDS = (  # (phrase, code), longest first
    ("neither agree nor disagree", "neutral"),
    ("neither agree or disagree", "neutral"),
    ("neither disagree nor agree", "neutral"),
    ("neither", "neutral"),
    ("neutral", "neutral"),
    ("undecided", "neutral"),
    ("no opinion", "neutral"),
    ("in between", "neutral"),
    ("strongly disagree", 1),
    ("disagree strongly", 1),
    ("disagree a lot", 1),
    ("strongly agree", 4),
    ("agree strongly", 4),
    ("agree a lot", 4),
    ("tend to disagree", 2),
    ("disagree a little", 2),
    ("slightly disagree", 2),
    ("mostly disagree", 2),
    ("disagree", 2),
    ("tend to agree", 3),
    ("agree a little", 3),
    ("slightly agree", 3),
    ("mostly agree", 3),
    ("agree", 3),
)
_YES_WORDS = (
    "yes",
    "ticked",
    "tick",
    "selected",
    "checked",
    "chosen",
    "mentioned",
    "true",
    "y",
    "yes ticked",
)
_NO_WORDS = (
    "no",
    "not ticked",
    "unticked",
    "not selected",
    "unselected",
    "not checked",
    "unchecked",
    "not chosen",
    "not mentioned",
    "false",
    "n",
    "no not ticked",
)
_GENDER_WORDS = {
    "female": "girl",
    "girl": "girl",
    "f": "girl",
    "girls": "girl",
    "male": "boy",
    "boy": "boy",
    "m": "boy",
    "boys": "boy",
    "other": "other",
    "o": "other",
    "non binary": "other",
    "nonbinary": "other",
    "another gender": "other",
    "self describe": "other",
    "prefer to self describe": "other",
    "in another way": "other",
    "prefer not to say": None,
    "not stated": None,
    "rather not say": None,
    "not known": None,
    "unknown": None,
    "dont want to say": None,
}
_AIM_WORDS = (
    ("don't know", "dont_know"),
    ("dont know", "dont_know"),
    ("not sure", "dont_know"),
    ("gcse", "gcses"),
    ("gcses", "gcses"),
    ("a level", "a_levels"),
    ("a levels", "a_levels"),
    ("alevel", "a_levels"),
    ("alevels", "a_levels"),
    ("diploma", "diploma"),
    ("diplomas", "diploma"),
    ("apprenticeship", "apprenticeship"),
    ("apprenticeships", "apprenticeship"),
    ("vocational", "vocational"),
    ("btec", "vocational"),
    ("nvq", "vocational"),
    ("degree", "degree"),
    ("university", "degree"),
)
_NOT_STATED = (
    "prefer not to say",
    "not stated",
    "refused",
    "not known",
    "unknown",
    "rather not say",
    "information not obtained",
    "not given",
    "dont want to say",
)


def _is_missing_word(label) -> bool:
    key = code_key(label)
    return key in MISSING_WORDS or _words(label).strip() in MISSING_WORDS


def _agreement_code(label):
    words = _words(label)
    for phrase, code in _AGREE_WORDS:
        if _has(words, phrase):
            return code
    return None


def _binary_code(label):
    words = _words(label).strip()
    if words in _YES_WORDS:
        return 1
    if words in _NO_WORDS:
        return 0
    return None


def _gender_code(label):
    words = _words(label).strip()
    return _GENDER_WORDS.get(words, "?")


def _ethnicity_code(label):
    words = _words(label)
    if any(_has(words, p) for p in _NOT_STATED):
        return None
    if (
        _has(words, "white british")
        or _has(words, "white uk")
        or (_has(words, "white") and _has(words, "british"))
        or _has(words, "wbri")
    ):
        return "white_british"
    if words.strip() in ("white", "w"):
        return "?"  # white, but British or not: not known
    if words.strip() in ("1", "2", "3"):
        return "?"
    return "other_ethnic_group"


def _aim_code(label):
    words = _words(label)
    found = {code for phrase, code in _AIM_WORDS if _has(words, _words(phrase).strip())}
    return found.pop() if len(found) == 1 else "?"


def _year_code(label):
    words = _words(label).strip()
    m = re.fullmatch(r"(?:year|yr|y|nc year|year group)?\s*(\d+)", words)
    if m and int(m.group(1)) in (7, 9):
        return int(m.group(1))
    return "?"


def _wave_code(label):
    words = _words(label)
    for code, marks in (
        (1, ("2008", "wave 1", "w1", "sweep 1", "2008 09")),
        (2, ("2010", "wave 2", "w2", "sweep 2", "2010 11")),
    ):
        if any(_has(words, m) for m in marks):
            return code
    if words.strip() in ("1", "2"):
        return int(words.strip())
    return "?"


@dataclass(frozen=True)
class Codes:
    """How one column's values become the survey's codes."""

    codes: dict | None  # None: the values are used as they are
    code_set: str | None = None  # a shared code set named in the template
    sure: str = SURE
    reason: str = ""


def _values_and_labels(values: pd.Series, labels: Mapping) -> list[tuple[object, str]]:
    """Distinct non-empty values of a column, each with its label (or itself)."""
    out = []
    for v in pd.unique(values.dropna()):
        if isinstance(v, str) and not v.strip():
            continue
        label = labels.get(v)
        if label is None and isinstance(v, float) and v.is_integer():
            label = labels.get(int(v))
        out.append((v, str(label) if label is not None else _plain(v)))
    return out


def _plain(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _numbers(pairs) -> set | None:
    """The values as whole numbers, or None if any is not one."""
    out = set()
    for v, _ in pairs:
        try:
            f = float(v)
        except (TypeError, ValueError):
            return None
        if not f.is_integer():
            return None
        out.add(int(f))
    return out


def propose_codes(target: str, values: pd.Series, labels: Mapping) -> Codes | None:
    """How ``values`` (with SPSS/Stata ``labels``) map onto ``target``'s codes.

    None when no safe mapping is seen (the column is then offered as a choice).
    """
    pairs = [(v, lab) for v, lab in _values_and_labels(values, labels)]
    answers = [
        (v, lab)
        for v, lab in pairs
        if not _is_missing_word(lab) and not _is_missing_word(_plain(v))
    ]
    missing = [(v, lab) for v, lab in pairs if (v, lab) not in answers]
    numbers = _numbers(answers)
    labelled = any(lab != _plain(v) for v, lab in answers)
    if target in schema.ID_COLUMNS:
        return Codes(None, reason="identifiers, used as they are")
    if target == schema.WEIGHT_COLUMN:
        return Codes(None) if numbers is not None or pd.api.types.is_numeric_dtype(values) else None
    scale = None
    items = {i.column: i for i in schema.items()}
    if target in items:
        scale = items[target].scale
    classify = {
        "gender": _gender_code,
        "ethnicity": _ethnicity_code,
        "year_group": _year_code,
        "wave": _wave_code,
    }.get(target)
    if scale == "binary":
        classify = _binary_code
    elif scale == "agreement":
        classify = _agreement_code
    elif scale == "categorical":
        classify = _aim_code
    if classify is None:
        return None
    # labelled codes meaning 'not answered' get null here; in a file without
    # labels they go under missing_values (see _missing_values)
    null_codes = {lab: None for v, lab in missing if lab != _plain(v)}
    if not answers:
        return None
    if not labelled and numbers is not None:  # numbers without labels
        if scale == "binary" and numbers <= {0, 1}:
            return Codes(None, reason="values 0 and 1")
        if scale == "agreement" and numbers <= {1, 2, 3, 4}:
            return Codes(
                None,
                sure=LIKELY,
                reason="values 1-4 without labels: taken as 1 strongly disagree ... "
                "4 strongly agree; check the direction",
            )
        if target == "year_group" and numbers <= {7, 9}:
            return Codes(None, reason="values 7 and 9")
        if target == "wave" and numbers <= {1, 2}:
            return Codes(None, reason="values 1 and 2")
        if target == "wave" and numbers <= {2008, 2010}:
            return Codes({"2008": 1, "2010": 2}, reason="years 2008 and 2010")
        return None
    codes: dict = {}
    for _v, lab in answers:
        code = classify(lab)
        if code is None and classify in (_binary_code, _agreement_code):
            return None
        if code == "?":
            return None
        codes[lab] = code
    mapped = [c for c in codes.values() if c is not None]
    if not mapped:
        return None
    if scale == "binary" and set(mapped) != {0, 1} and len(answers) > 1:
        return None
    sure = SURE
    reason = ("labels " if labelled else "answers ") + ", ".join(f"'{k}'" for k in codes)
    if target == "ethnicity" and any(c == "other_ethnic_group" for c in codes.values()):
        sure = LIKELY
        reason = (
            "every group but White British counted as other ethnic groups (the survey's two groups)"
        )
    if any(c == "neutral" for c in codes.values()):
        reason += "; the middle answer is 'neutral': left out of the base, and noted on loading"
    codes.update(null_codes)
    if target == "gender" and any(c is None for c in codes.values()):
        reason += (
            "; 'prefer not to say' is not stated (empty); write other instead to keep "
            "those pupils as a group"
        )
    named = None if null_codes else _shared_set(codes, scale)
    return Codes(codes, named, sure, reason)


def _shared_set(codes: Mapping, scale) -> str | None:
    """The template's shared code set holding every one of these codes, if any."""
    keys = {code_key(k): v for k, v in codes.items()}
    for name, shared in _SHARED_SETS.items():
        if name.startswith(("yes", "agree4")) and any(v == NEUTRAL for v in keys.values()):
            continue
        if scale == _SHARED_SCALES[name] and all(
            shared.get(k, "absent") == v for k, v in keys.items()
        ):
            return name
    return None


_SHARED_SCALES = {"yes_no": "binary", "agree4": "agreement", "agree5": "agreement"}
_SHARED_SETS = {
    "yes_no": {code_key(v): k for k, v in schema.scale_codes("binary").items()},
    "agree4": {code_key(v): k for k, v in schema.scale_codes("agreement").items()},
    "agree5": {
        **{code_key(v): k for k, v in schema.scale_codes("agreement").items()},
        "neither agree nor disagree": NEUTRAL,
    },
}


# ------------------------------------------------------------ proposals
@dataclass(frozen=True)
class Proposal:
    """One column of the file and what the template says about it."""

    source: str
    target: str | None
    sure: str  # SURE, LIKELY or UNSURE
    why: str
    codes: Codes | None = None
    seen: str = ""
    label: str = ""


def _name_guess(name: str) -> tuple[str | None, str]:
    target = guess_contract_column(name)
    if target:
        return target, f"its name '{name}'"
    stripped = strip_numbering(name)
    if stripped and stripped != name:
        target = guess_contract_column(stripped)
        if target:
            return target, f"its name '{name}' without the question number"
    return None, ""


def propose(
    frame: pd.DataFrame, value_labels: Mapping, column_labels: Mapping, max_values: int = 6
) -> list[Proposal]:
    """What each column of a file holds, as far as its name and labels say."""
    out = []
    for column in frame.columns:
        labels = value_labels.get(column, {})
        pairs = _values_and_labels(frame[column].head(5000), labels)
        shown = [lab for _, lab in pairs][:max_values]
        seen = "values: " + ", ".join(shown) if shown else "no values"
        label = column_labels.get(column, "")
        by_name, why_name = _name_guess(str(column))
        by_label, why_label = (None, "")
        label_named = False
        if label:
            by_label = guess_contract_column(strip_numbering(label))
            why_label = f"its label '{label}'" if by_label else ""
            label_named = by_label is not None
            if by_label is None:
                by_label, words = guess_from_wording(strip_numbering(label))
                why_label = f"{words} in its label '{label}'" if by_label else ""
        if by_name is None:
            words_target, words = guess_from_wording(strip_numbering(str(column)))
            if words_target:
                by_words, why_words = words_target, f"{words} in its name '{column}'"
            else:
                by_words, why_words = None, ""
        else:
            by_words, why_words = None, ""
        if by_name and by_label and by_name != by_label:
            out.append(
                Proposal(
                    column,
                    by_name,
                    UNSURE,
                    f"{why_name} says {by_name} but {why_label} says {by_label}",
                    seen=seen,
                    label=label,
                )
            )
            continue
        if by_name:
            target, sure, why = by_name, SURE, why_name + (" and label" if by_label else "")
        elif by_label:
            target, sure, why = by_label, SURE if label_named else LIKELY, why_label
            if by_words and by_words == by_label:
                sure, why = SURE, why_label + " and its name"
            elif by_words and by_words != by_label:
                out.append(
                    Proposal(
                        column,
                        by_label,
                        UNSURE,
                        f"{why_label} says {by_label} but {why_words} says {by_words}",
                        seen=seen,
                        label=label,
                    )
                )
                continue
        elif by_words:
            target, sure, why = by_words, LIKELY, why_words
        else:
            out.append(Proposal(column, None, UNSURE, "", seen=seen, label=label))
            continue
        codes = propose_codes(target, frame[column], labels)
        if codes is None:
            out.append(
                Proposal(
                    column,
                    target,
                    UNSURE,
                    f"{why}, but its values ({', '.join(shown) or 'none'}) do not "
                    f"say how they map onto {target}'s codes",
                    seen=seen,
                    label=label,
                )
            )
            continue
        if codes.sure == LIKELY and sure == SURE:
            sure = LIKELY
        out.append(Proposal(column, target, sure, why, codes, seen, label))
    return _one_column_each(out)


_RANK = {SURE: 0, LIKELY: 1, UNSURE: 2}


def _one_column_each(proposals: list[Proposal]) -> list[Proposal]:
    """Where two columns claim one survey column, the surer keeps it; a tie leaves
    both as choices."""
    by_target: dict[str, list[int]] = {}
    for i, p in enumerate(proposals):
        if p.target and p.sure != UNSURE:
            by_target.setdefault(p.target, []).append(i)
    out = list(proposals)
    for target, idx in by_target.items():
        if len(idx) < 2:
            continue
        best = min(_RANK[proposals[i].sure] for i in idx)
        keep = [i for i in idx if _RANK[proposals[i].sure] == best]
        for i in idx:
            if len(keep) > 1 or i not in keep:
                others = ", ".join(f"'{proposals[j].source}'" for j in idx if j != i)
                out[i] = replace(
                    proposals[i],
                    sure=UNSURE,
                    why=f"{proposals[i].why}; {others} also looks like {target}",
                )
    return out


# ------------------------------------------------------------- template
def codebook_template(file, *, max_values: int = 6) -> str:
    """A starter codebook (YAML text) for ``file``, to be checked and completed.

    Every column of the file is listed, with how sure the template is of it:
    ``sure`` and ``likely`` mappings are written; ``unsure`` ones are written
    commented out, marked ``CHOOSE``, with the reason. The proposed codebook is
    tried on the file before it is returned: a mapping that loading would
    refuse becomes a choice, so the template never makes a file fail.

    Parameters
    ----------
    file : path, or ``(name, bytes)`` as an upload gives
    max_values : how many distinct values to show for a column

    Returns
    -------
    str : YAML text; :meth:`~analysis.codebook.Codebook.from_yaml` reads it.

    Raises
    ------
    SurveyDataError, IdentifyingDataError
        if the file cannot be read or holds pupil-identifying columns (values
        of those would otherwise be copied into the template).
    """
    from . import load, privacy

    read = load.read_file(file)
    privacy.check_identifying(read.frame, read.name)
    proposals = propose(read.frame, read.value_labels, read.column_labels, max_values)
    missing = _missing_values(read)
    constants = (
        _wave_from_name(read.name)
        if not any(p.target == "wave" and p.sure != UNSURE for p in proposals)
        else {}
    )
    for _ in range(len(proposals) + 1):
        text = _render(read.name, proposals, missing, constants)
        refused = _refused(read, text)
        if not refused:
            return text
        proposals = [
            replace(p, sure=UNSURE, why=f"{p.why}; but loading refuses it: {refused[p.source]}")
            if p.source in refused and p.sure != UNSURE
            else p
            for p in proposals
        ]
        if "__constants__" in refused:
            constants = {}
    return _render(read.name, [replace(p, sure=UNSURE) for p in proposals], missing, {})


def _missing_values(read) -> list[str]:
    seen = set()
    for column in read.frame.columns:
        if column in read.value_labels:
            continue  # labelled codes meaning 'not answered' get null in their codes
        for v in pd.unique(read.frame[column].dropna())[:200]:
            if _is_missing_word(v):
                seen.add(_plain(v))
    return sorted(seen, key=str)


def _wave_from_name(name: str) -> dict:
    stem = Path(name).stem.casefold()
    waves = {
        w
        for w, marks in (
            (1, ("2008", "wave1", "wave_1", "wave 1", "w1")),
            (2, ("2010", "wave2", "wave_2", "wave 2", "w2")),
        )
        if any(m in stem for m in marks)
    }
    return {"wave": waves.pop()} if len(waves) == 1 else {}


def _refused(read, text: str) -> dict[str, str]:
    """Source column -> why loading refuses its mapping ('__constants__' for the
    constants), for the template ``text`` tried on the file ``read``."""
    from .validate import validate

    book = Codebook.from_yaml(text, "template.yml")
    mapped, problems = book.apply(read.frame, read.name, read.value_labels, read.first_row)[:2]
    sources = book.source_columns(read.frame.columns)
    target_of = {v: k for k, v in sources.items()}
    out: dict[str, str] = {}
    for p in problems:
        if p.column in target_of:
            out[p.column] = p.what
    _, found, _ = validate(mapped, read.name, read.first_row)
    for p in found:
        column = sources.get(p.column or "")
        if column and "required column" not in p.what:
            out.setdefault(column, p.what)
        elif p.column in book.constants:
            out["__constants__"] = p.what
    return out


def _render(name: str, proposals: list[Proposal], missing: list[str], constants: dict) -> str:
    binary = {v: k for k, v in schema.scale_codes("binary").items()}
    agree = {v: k for k, v in schema.scale_codes("agreement").items()}
    used_sets = {
        p.codes.code_set for p in proposals if p.sure != UNSURE and p.codes and p.codes.code_set
    }
    missing_line = (
        (
            "missing_values: ["
            + ", ".join(v if re.fullmatch(r"-?\d+", v) else _q(v) for v in missing)
            + "]"
            + "  # values seen that usually mean 'not answered': check"
        )
        if missing
        else 'missing_values: []        # e.g. [-9, "Not answered"]'
    )
    constants_line = (
        ("constants: " + _flow_plain(constants) + "         # from the file's name: check")
        if constants
        else "constants: {}             # e.g. {wave: 2} if the file has no wave column"
    )
    n_sure = sum(p.sure == SURE and p.target is not None for p in proposals)
    n_likely = sum(p.sure == LIKELY for p in proposals)
    n_choose = sum(p.sure == UNSURE and p.target is not None for p in proposals)
    lines = [
        "codebook_version: 1",
        f"description: {_q('Starter codebook for ' + name + ': check every line.')}",
        f"# {len(proposals)} columns: {n_sure} mapped (sure), {n_likely} mapped (likely: check), "
        f"{n_choose} to choose (CHOOSE lines, commented out), "
        f"{len(proposals) - n_sure - n_likely - n_choose} not recognised (???)",
        missing_line,
        constants_line,
        "code_sets:",
        "  yes_no: " + _flow(binary),
        "  agree4: " + _flow(agree),
    ]
    if "agree5" in used_sets:
        lines += [
            "  # five-point: the middle answer is 'neutral' (left out of the base and "
            "noted on loading);",
            "  # write 2 instead of neutral to count it as not agreeing (docs/codebook.md)",
            "  agree5: " + _flow({**agree, "Neither agree nor disagree": "neutral"}),
        ]
    lines.append("columns:")
    mapped: set[str] = set()
    for p in proposals:
        if p.target is None:
            label = f" (label '{p.label}')" if p.label else ""
            lines.append(f"  # ???: {_q(p.source)}  # not recognised{label}; {p.seen}")
            continue
        entry = f"{p.target}: {_entry(p)}"
        if p.sure == UNSURE:
            lines.append(f"  # CHOOSE: {p.why}. {p.seen}")
            lines.append("  #   remove the '#' below to use it, with its codes checked")
            lines.append(f"  # {p.target}: {_entry(p)}")
            continue
        mapped.add(p.target)
        reason = f"; {p.codes.reason}" if p.codes and p.codes.reason else ""
        lines.append(f"  {entry}  # {p.sure}: {p.why}{reason}")
    if not mapped:
        lines.append("  {}  # no column recognised; fill in the lines above")
    absent = [c for c in schema.REQUIRED_COLUMNS if c not in mapped and c not in constants]
    if absent:
        lines.append(f"# required and not yet mapped: {', '.join(absent)}")
    return "\n".join(lines) + "\n"


def _entry(p: Proposal) -> str:
    if p.codes is None:
        return _q(p.source)
    if p.codes.code_set:
        return f"{{from: {_q(p.source)}, codes: {p.codes.code_set}}}"
    if p.codes.codes is None:
        return _q(p.source)
    return f"{{from: {_q(p.source)}, codes: {_flow(p.codes.codes)}}}"


def _q(text) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _yaml_value(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    return str(v)


def _flow(mapping: Mapping) -> str:
    return "{" + ", ".join(f"{_q(k)}: {_yaml_value(v)}" for k, v in mapping.items()) + "}"


def _flow_plain(mapping: Mapping) -> str:
    return "{" + ", ".join(f"{k}: {_yaml_value(v)}" for k, v in mapping.items()) + "}"
