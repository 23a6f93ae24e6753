"""analysis.figures.text and .hidden: the one base-n formatter, and the one set of words
and marks for hidden figures, on every kind of chart."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import disclosure
from analysis.figures import comparisons, hidden, school, text


def test_n_range_writes_one_base_or_a_range_and_nothing_for_none():
    assert text.n_range([1234, 1234.0]) == "1,234"
    assert text.n_range([1200, np.nan, 1234]) == "1,200–1,234"
    assert text.n_range([np.nan, None]) == ""
    assert text.n_range(pd.Series([], dtype=float)) == ""


def test_hidden_words_and_key_say_why_per_symbol():
    assert hidden.hidden_words("c") == "hidden to protect confidentiality (c)"
    assert hidden.hidden_words("u").endswith("(u)") and "too few" in hidden.hidden_words("u")
    rules = disclosure.DisclosureRules(min_base=30, min_schools=3)
    assert "base under 30 pupils or under 3 schools" in hidden.hidden_words("u", rules)
    rows = pd.DataFrame({"suppressed": ["", "u", "c", "c"]})
    assert hidden.hidden_key(rows) == (
        "c: hidden to protect confidentiality; u: not shown: "
        "too few pupils or schools for a reliable figure"
    )
    assert hidden.hidden_key(rows.iloc[:1]) == ""


def test_comparison_and_school_charts_mark_hidden_figures_the_same_way():
    """A hidden gap and a hidden school share are each their bold symbol at 0, with the
    same words saying why."""
    gap = pd.DataFrame(
        [
            {
                "measure": "gender_gap",
                "schools": "all",
                "block": "consider",
                "item": "consider_a",
                "label": "Engineer",
                "compared": "gender: boy − girl",
                "estimate_pp": np.nan,
                "ci_low_pp": np.nan,
                "ci_high_pp": np.nan,
                "share_first": np.nan,
                "share_second": np.nan,
                "n_first": 8.0,
                "n_second": 12.0,
                "n_schools": 3,
                "p_value": np.nan,
                "q_value": np.nan,
                "significant_fdr": False,
                "suppressed": "c",
            }
        ]
    )
    fig = comparisons.gap_dots(gap)
    (note,) = [a for a in fig.layout.annotations if (a.name or "").startswith("hidden:")]
    assert note.text == "<b>c</b>" and note.x == 0
    assert note.hovertext == "Engineer: hidden to protect confidentiality (c)"

    rows = pd.DataFrame(
        {
            "school": [disclosure.THIS_SCHOOL, disclosure.OTHER_SCHOOLS],
            "label": ["Maths"] * 2,
            "n": [np.nan, 500.0],
            "share": [np.nan, 0.5],
            "ci_low": [np.nan, 0.45],
            "ci_high": [np.nan, 0.55],
            "n_eff": [np.nan, 400.0],
            "deff": [np.nan, 1.25],
            "n_schools": [1.0, 20.0],
            "suppressed": ["c", ""],
        }
    )
    spec = school.school_figure_spec(rows, school_id="S01", block="enjoy", wave=1, year_group=7)
    (mark,) = spec["layout"]["annotations"]
    assert mark["text"] == "<b>c</b>" and mark["x"] == 0
    assert mark["hovertext"] == "School S01: hidden to protect confidentiality (c)"
    assert spec["data"][0]["x"] == [None]  # the hidden share is not drawn
    assert "School S01: n = c pupils" in spec["layout"]["title"]["subtitle"]["text"]
