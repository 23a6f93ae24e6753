"""The pairs table of a protected summary, attacked with the shares published with it.

The attacker of tests/test_disclosure.py (independent of analysis.disclosure) sees the
pairs table as written and each item's all-pupils base and count (the summary's
total share, computed here with plain pandas), and models the other item's answer as a
grouping whose "not stated" pupils are those who answered the item but not the other.
It must recover no hidden count, and no small group (the pupils who answered one item
but not the other included).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_disclosure import assert_no_recovery

from analysis import related, schema
from analysis.disclosure import DisclosureRules
from dashboards import data

RULES = DisclosureRules()
#: The attacker's column for the other item's answer (one of test_disclosure's groupings
#: a pupil may leave empty).
ANSWER = "ethnicity"


def yes(values: pd.Series, item: str) -> pd.Series:
    """1 for a tick or agreeing (3, 4), 0 otherwise, NaN unanswered: plain pandas."""
    agree = schema.item(item).scale == "agreement"
    return values.astype(float).map(
        lambda v: np.nan if pd.isna(v) else float(v >= 3 if agree else v == 1)
    )


def total(pupils: pd.DataFrame, item: str) -> pd.DataFrame:
    answered = pupils[item].notna()
    n, count = float(answered.sum()), float(pupils.loc[answered, item].sum())
    return pd.DataFrame([{"item": item, "label": item, "n": n, "count": count, "share": count / n}])


def attack(survey: pd.DataFrame, written: pd.DataFrame, item: str, by_item: str) -> None:
    """Fail if the pair (as ``written``) and both items' totals give anything away."""
    rows = written[(written["item"] == item) & (written["by_item"] == by_item)]
    # the item's side: its total and its share among each answer of the other item
    pupils = pd.DataFrame(
        {
            item: yes(survey[item], item),
            ANSWER: survey[by_item]
            .astype(object)
            .map(lambda v: v if pd.isna(v) else str(float(v))),
        }
    )
    pairs = pd.DataFrame(
        {
            ANSWER: rows["answer"].astype(float).astype(str).to_numpy(),
            "item": item,
            "label": item,
            "n": rows["n"].to_numpy(float),
            "count": rows["count"].to_numpy(float),
            "suppressed": rows["suppressed"].fillna("").to_numpy(),
        }
    )
    assert_no_recovery({"total": total(pupils, item), "pairs": pairs}, pupils, RULES, item)
    # the other item's side (binary): its total, and its yes and no among those who
    # answered the item too, from the pair's bases
    if schema.item(by_item).scale == "binary":
        answered = survey[item].notna()
        other = pd.DataFrame(
            {by_item: survey[by_item].astype(float), ANSWER: np.where(answered, "both", None)}
        )
        shown = rows["n"].notna().all()
        n = rows["n"].sum() if shown else np.nan
        count = rows.loc[rows["answer"].astype(float) == 1, "n"].sum() if shown else np.nan
        both = pd.DataFrame(
            [
                {
                    ANSWER: "both",
                    "item": by_item,
                    "label": by_item,
                    "n": n,
                    "count": count,
                    "suppressed": "" if shown else "c",
                }
            ]
        )
        assert_no_recovery({"total": total(other, by_item), "both": both}, other, RULES, by_item)


def made_up(skipped: int, skipped_yes: int, seed: int = 7) -> pd.DataFrame:
    """300 pupils of 6 schools answering consider_science and enjoy_science, and
    ``skipped`` more who answered consider_science only (``skipped_yes`` of them yes)."""
    rng = np.random.default_rng(seed)
    enjoy = rng.integers(1, 5, 300).astype(float)
    consider = (rng.random(300) < 0.2 + 0.15 * enjoy).astype(float)
    table = pd.DataFrame(
        {
            "school_id": [f"S{i % 6}" for i in range(300)],
            "consider_science": consider,
            "enjoy_science": enjoy,
        }
    )
    extra = pd.DataFrame(
        {
            "school_id": [f"S{i % 6}" for i in range(skipped)],
            "consider_science": [1.0] * skipped_yes + [0.0] * (skipped - skipped_yes),
            "enjoy_science": np.nan,
        }
    )
    return pd.concat([table, extra], ignore_index=True)


PAIR = ("consider_science", "enjoy_science")


def test_the_primary_rules_alone_let_the_pupils_who_skipped_one_item_be_counted():
    survey = made_up(skipped=6, skipped_yes=3)
    bare = related.pairs_table(survey, [PAIR], RULES)  # every cell passes the primary rules
    assert (bare["suppressed"] == "").all()
    with pytest.raises(AssertionError, match="recovered"):
        attack(survey, bare, *PAIR)


def test_the_audited_pairs_table_recovers_nothing():
    survey = made_up(skipped=6, skipped_yes=3)
    written = related.pairs_table(survey, [PAIR], RULES, audited=True)
    assert (written["suppressed"] != "").any()  # something had to be hidden ...
    assert written["rao_scott_p"].isna().all()  # ... and then the test, which could tell it
    attack(survey, written, *PAIR)


def test_a_pair_with_no_small_group_is_shown_whole():
    survey = made_up(skipped=40, skipped_yes=20)
    written = related.pairs_table(survey, [PAIR], RULES, audited=True)
    assert (written["suppressed"] == "").all() and written["rao_scott_p"].notna().all()
    attack(survey, written, *PAIR)


@pytest.mark.parametrize(
    "pair", [PAIR, ("club_maths", "trip_engineering"), ("enjoy_maths", "visitor_talk")]
)
def test_the_samples_pairs_as_a_protected_summary_writes_them(pair):
    survey = data.survey().table
    written = related.pairs_table(survey, [pair], RULES, audited=True)
    attack(survey, written, *pair)


def test_a_protected_summary_writes_the_pairs_audited(tmp_path):
    from analysis.__main__ import main

    files = [str(f) for f in data.SAMPLE_FILES]
    assert (
        main(
            [
                "summary",
                *files,
                "--out",
                str(tmp_path),
                "--blocks",
                "visitor",
                "--pairs",
                "consider_science:enjoy_science,enjoy_maths:qualification_aim",
            ]
        )
        == 0
    )
    written = pd.read_csv(
        tmp_path / "related_items.csv", encoding="utf-8-sig", keep_default_na=False, na_values=[""]
    )
    expected = related.pairs_table(
        data.survey().table, [PAIR, ("enjoy_maths", "qualification_aim")], RULES, audited=True
    )
    assert written["suppressed"].fillna("").tolist() == expected["suppressed"].tolist()
    # the aim's codes among the pupils who skipped enjoy_maths are a handful: hidden whole
    aims = written[written["by_item"] == "qualification_aim"]
    assert (aims["suppressed"] == "c").all() and aims[["n", "count", "share"]].isna().all().all()
    attack(data.survey().table, written.assign(suppressed=written["suppressed"].fillna("")), *PAIR)
    readme = (tmp_path / "README.md").read_text()
    assert "## Items related to each other" in readme and "protect_pairs" in readme
