"""The summary workbook read back with openpyxl: findings first, one tidy table a sheet.

Which comparisons are key findings is checked against Benjamini-Hochberg
recomputed with statsmodels from the p-values in the CSV files, family by family.
"""

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter
from statsmodels.stats.multitest import multipletests

from analysis import schema
from analysis.__main__ import main
from analysis.synthetic import SAMPLE_DIR, WAVE_FILES
from analysis.workbook import HEADERS, MEASURE_WORDS, sheet_names

SAMPLE = [str(SAMPLE_DIR / f) for f in WAVE_FILES.values()]
BLOCKS = ("enjoy", "want_info")


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    out = tmp_path_factory.mktemp("summary")
    assert (
        main(
            ["summary", *SAMPLE, "--out", str(out), "--no-disclosure", "--blocks", ",".join(BLOCKS)]
        )
        == 0
    )
    return out, openpyxl.load_workbook(out / "summary.xlsx")


def test_every_block_has_whole_unambiguous_sheet_names_within_31_characters():
    names = [
        n for b in schema.blocks() for n in sheet_names(b.key, ["shares", "comparisons"]).values()
    ]
    assert len(set(n.casefold() for n in names)) == len(names)
    assert max(len(n) for n in names) <= 31
    assert "STEM careers info compared" in names


def test_findings_first_then_readme_then_a_sheet_per_table(summary):
    _, book = summary
    assert book.sheetnames == [
        "Key findings",
        "README",
        "Linked pupils",
        "Linked vs not linked",
        "Enjoyment shares",
        "Enjoyment compared",
        "STEM careers info shares",
        "STEM careers info compared",
    ]


def test_each_table_sheet_is_one_table_with_frozen_header_filters_and_words(summary):
    out, book = summary
    for key in BLOCKS:
        for kind, name in sheet_names(key, ["shares", "comparisons"]).items():
            ws = book[name]
            csv = pd.read_csv(out / f"{key}_{kind}.csv", encoding="utf-8-sig")
            header = [c.value for c in ws[1]]
            assert header == [HEADERS.get(c, c) for c in csv.columns]
            assert not any("_" in h for h in header)
            assert ws.max_row == len(csv) + 1  # one table: nothing below it
            assert ws.freeze_panes == "A2"
            assert ws.auto_filter.ref == f"A1:{get_column_letter(len(header))}{len(csv) + 1}"
    compared = book["Enjoyment compared"]
    words = {c.value for c in next(compared.iter_cols(min_col=8, max_col=8, min_row=2))}
    assert words <= set(MEASURE_WORDS.values())


def test_key_findings_are_the_comparisons_benjamini_hochberg_keeps(summary):
    out, book = summary
    expected = []
    for key in BLOCKS:
        c = pd.read_csv(out / f"{key}_comparisons.csv", encoding="utf-8-sig")
        for _, family in c.groupby("fdr_family"):
            family = family.dropna(subset=["p_value"])
            reject = multipletests(family["p_value"], alpha=0.05, method="fdr_bh")[0]
            expected += [
                (r.label, MEASURE_WORDS[r.measure], round(r.estimate_pp, 6))
                for r, keep in zip(family.itertuples(), reject)
                if keep
            ]
    ws = book["Key findings"]
    rows = list(ws.iter_rows(values_only=True))
    header, rows = rows[0], rows[1:]
    assert header[0] == "Finding" and ws.freeze_panes == "A2"
    paired = "linked pupils: year 9 in 2010 minus year 7 in 2008 (paired)"
    linked = pd.read_csv(out / "linked_pupils.csv", encoding="utf-8-sig")
    assert set(linked["block"]) == set(BLOCKS)
    for _, family in linked.groupby("block"):
        reject = multipletests(family["p_value"], alpha=0.05, method="fdr_bh")[0]
        expected += [
            (r.label, paired, round(r.change_pp, 6))
            for r, keep in zip(family.itertuples(), reject)
            if keep
        ]
    got = [
        (
            r[header.index("Item")],
            r[header.index("Comparison")],
            round(r[header.index("Difference (percentage points)")], 6),
        )
        for r in rows
    ]
    assert any(g[1] == paired for g in got)
    assert sorted(got) == sorted(expected) and len(got) > 5
    first = dict(zip(header, rows[0]))
    lo, hi = first["95% interval, low (points)"], first["95% interval, high (points)"]
    assert f"95% interval {lo:+.1f} to {hi:+.1f}" in first["Finding"]
    assert abs(first["Difference (percentage points)"]) == max(
        abs(dict(zip(header, r))["Difference (percentage points)"])
        for r in rows
        if dict(zip(header, r))["Question block"] == first["Question block"]
        and dict(zip(header, r))["Comparison"] != paired
    )


def test_a_finding_names_each_share_with_its_group(summary):
    from analysis.workbook import finding_sentence

    out, _ = summary
    c = pd.read_csv(out / "enjoy_comparisons.csv", encoding="utf-8-sig")
    maths = c[(c["item"] == "enjoy_maths") & (c.schools == "all")].set_index("measure")
    cohort = finding_sentence(maths.loc["cohort"].to_dict() | {"measure": "cohort"})
    # the cohort's year 7 share is wave 1 year 7's, by the shares table itself
    shares = pd.read_csv(out / "enjoy_shares.csv", encoding="utf-8-sig")
    y7 = shares[
        (shares.breakdown == "wave × year_group")
        & (shares.wave == 1)
        & (shares.year_group == 7)
        & (shares["item"] == "enjoy_maths")
        & (shares.measure == "share")
        & (shares.schools == "all")
    ]["share"].iloc[0]
    assert f"year 7 in 2008 {100 * y7:.0f}%" in cohort
    gap = maths[maths.index == "gender_gap"].iloc[0]
    said = finding_sentence(gap.to_dict() | {"measure": "gender_gap"})
    assert f"boys {100 * gap.share_first:.0f}% against girls {100 * gap.share_second:.0f}%" in said
    assert (gap.share_first - gap.share_second) * 100 == pytest.approx(gap.estimate_pp)


def test_linked_pupils_transition_cells_protected(tmp_path):
    from analysis import linked, measures
    from analysis.disclosure import DisclosureRules
    from analysis.load import load_survey

    survey = load_survey(SAMPLE)
    aggregates = measures.SurveyAggregates(survey.table)
    t = linked.protect_transitions(
        linked.transitions(
            linked.block_columns(survey.table, ["club"]), aggregates.cohort(fdr=False)
        ),
        DisclosureRules(),
    )
    t["suppressed"] = t["suppressed"].fillna("")
    cells = list(linked.TRANSITIONS)
    # the cells as counted from the linked pupils themselves
    table = load_survey(SAMPLE).table
    pupils = linked.link(table)
    for row in t.itertuples():
        y7, y9 = pupils[f"{row.item}_7"], pupils[f"{row.item}_9"]
        both = y7.notna() & y9.notna()
        counts = {
            "yes_both": ((y7 == 1) & (y9 == 1)).sum(),
            "gained": ((y7 == 0) & (y9 == 1)).sum(),
            "lost": ((y7 == 1) & (y9 == 0)).sum(),
            "never": ((y7 == 0) & (y9 == 0)).sum(),
        }
        for c in cells:
            shown = getattr(row, c)
            if pd.isna(shown):
                assert row.suppressed == "c"
            else:
                assert shown == counts[c] >= 10
        if row.suppressed:
            assert pd.isna(row.change_pp) and sum(pd.isna(getattr(row, c)) for c in cells) >= 2
        else:
            assert row.n == both.sum()
    assert (t.suppressed == "c").any() and (t.suppressed == "").any()
