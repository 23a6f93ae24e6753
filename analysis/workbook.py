"""The ``summary`` workbook, ready for a researcher: findings first, one tidy table a sheet.

:func:`summary_workbook` writes ``summary.xlsx`` from the tables of
:func:`analysis.measures.summary_tables`:

1. **Key findings**: every comparison significant after Benjamini-Hochberg
   control (``significant_fdr``), as a plain sentence with its interval, one row
   each, with the numbers beside it;
2. **README**: the notes and rules (what the columns mean, disclosure control,
   what loading said about the data);
3. for each question block a ``<block> shares`` sheet and a ``<block> compared``
   sheet (and any further tables, e.g. ``<block> linked`` for linked pupils):
   one table each, the header frozen, filters on, headers in words, sheet names
   whole (at most Excel's 31 characters, from ``survey.yml``'s short labels);
4. where pupils link across waves, ``Linked pupils`` (transition tables and
   paired change, :mod:`analysis.linked`) and ``Linked vs not linked``, after
   the README; ``Related items`` for pairs asked for (:mod:`analysis.related`).

The CSV files keep the tables' own column names, for scripts; the workbook is
for people.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from . import export, schema

#: Column headers in words (a column not listed keeps its name).
HEADERS: dict[str, str] = {
    "breakdown": "Breakdown",
    "wave": "Wave",
    "year_group": "Year group",
    "gender": "Gender",
    "ethnicity": "Ethnicity",
    "school_id": "School",
    "measure": "Measure",
    "schools": "Schools",
    "block": "Question block",
    "item": "Item (column)",
    "label": "Item",
    "category": "Answer (code)",
    "category_label": "Answer",
    "n": "Base (pupils answering, weighted)",
    "n_pupils": "Pupils answering",
    "count": "Count",
    "share": "Share (0-1)",
    "se": "Standard error (school-clustered)",
    "ci_low": "95% interval, low",
    "ci_high": "95% interval, high",
    "deff": "Design effect",
    "n_eff": "Effective sample size",
    "n_schools": "Schools",
    "rank": "Rank in block",
    "low_base": "Low base",
    "suppressed": "Hidden (c or u)",
    "compared": "Comparison",
    "share_first": "Share, first group",
    "share_second": "Share, second group",
    "n_first": "Base, first group",
    "n_second": "Base, second group",
    "estimate_pp": "Difference (percentage points)",
    "se_pp": "Standard error (points)",
    "ci_low_pp": "95% interval, low (points)",
    "ci_high_pp": "95% interval, high (points)",
    "t": "t",
    "df": "Degrees of freedom",
    "p_value": "p-value",
    "q_value": "q-value (Benjamini-Hochberg)",
    "significant_fdr": "Significant after Benjamini-Hochberg",
    "fdr_family": "Tested with",
    # linked pupils (analysis.linked)
    "yes_both": "Yes in year 7 and in year 9",
    "gained": "Gained (no, then yes)",
    "lost": "Lost (yes, then no)",
    "never": "No in both",
    "share_7": "Share in year 7 (linked pupils)",
    "share_9": "Share in year 9 (linked pupils)",
    "change_pp": "Paired change (percentage points)",
    "cohort_pp": "Cohort change from cross-sections (points)",
    "linked_minus_cohort_pp": "Paired minus cross-sectional change (points)",
    "n_linked": "Base, linked pupils",
    "share_linked": "Share, linked pupils",
    "hidden_linked": "Hidden, linked pupils (c or u)",
    "n_not_linked": "Base, not linked",
    "share_not_linked": "Share, not linked",
    "hidden_not_linked": "Hidden, not linked (c or u)",
    "difference_pp": "Linked minus not linked (points)",
    # items related to each other (analysis.related)
    "by_item": "By item (column)",
    "by_label": "By item",
    "answer": "Answer to it (code)",
    "answer_label": "Answer to it",
    "rao_scott_F": "Rao-Scott F",
    "df1": "df1",
    "df2": "df2",
    "rao_scott_p": "Rao-Scott p-value",
    "design_effect": "Mean design effect (Rao-Scott)",
    "pearson_chi2": "Pearson chi-square (uncorrected)",
}

#: Sheet names of the linked pupils' and related items' tables.
EXTRA_SHEETS = {
    "linked_pupils": "Linked pupils",
    "linked_vs_not_linked": "Linked vs not linked",
    "related_items": "Related items",
}
_LINKED_HEADERS = {"n": "Linked pupils answering both times"}

#: Comparisons in words, by measure.
MEASURE_WORDS: dict[str, str] = {
    "gender_gap": "boys minus girls",
    "ethnicity_gap": "other ethnic groups minus White British",
    "gender_gap_change_years": "gap (boys minus girls) in year 9 minus gap in year 7",
    "gender_gap_change_waves": "gap (boys minus girls) in 2010 minus gap in 2008",
    "ethnicity_gap_change_years": (
        "gap (other ethnic groups minus White British) in year 9 minus gap in year 7"
    ),
    "ethnicity_gap_change_waves": (
        "gap (other ethnic groups minus White British) in 2010 minus gap in 2008"
    ),
    "change_waves": "2010 (wave 2) minus 2008 (wave 1)",
    "cohort": "the 2008 year 7 pupils as year 9 in 2010 minus as year 7 in 2008",
}

#: The groups of a comparison's ``share_first`` and ``share_second``, in words. A
#: gap is first minus second (boys minus girls); a change second minus first
#: (2010 minus 2008), so a sentence names the later group first.
_GROUPS = {
    "gender_gap": ("boys", "girls"),
    "ethnicity_gap": ("other ethnic groups", "White British"),
    "change_waves": ("2008", "2010"),
    "cohort": ("year 7 in 2008", "year 9 in 2010"),
}
_LATER_FIRST = {"change_waves", "cohort"}


def in_words(table: pd.DataFrame, headers: Mapping[str, str] | None = None) -> pd.DataFrame:
    """``table`` for a person: group codes as labels, comparisons in words,
    headers in words (``headers`` before :data:`HEADERS`)."""
    out = table.copy()
    for column in ("gender", "ethnicity"):
        if column in out:
            labels = schema.groups()[column].values
            out[column] = out[column].astype(object).map(lambda v, labels=labels: labels.get(v, v))
    if "block" in out:
        out["block"] = out["block"].astype(object).map(_block_label)
    if "compared" in out and "measure" in out:
        out["compared"] = [MEASURE_WORDS.get(m, c) for m, c in zip(out["measure"], out["compared"])]
    return out.rename(columns={**HEADERS, **(headers or {})})


def _block_label(key) -> str:
    try:
        return schema.block(str(key)).label
    except KeyError:
        return key


def sheet_names(key: str, kinds: Sequence[str]) -> dict[str, str]:
    """Sheet name of each table kind of a block: ``'STEM careers info compared'``."""
    short = schema.block(key).short
    words = {"shares": "shares", "comparisons": "compared"}
    return {kind: f"{short} {words.get(kind, kind)}" for kind in kinds}


def _where(row) -> str:
    parts = []
    wave = row.get("wave")
    if wave is not None and not _blank(wave):
        parts.append(schema.groups()["wave"].values.get(int(wave), f"wave {wave}"))
    year = row.get("year_group")
    if year is not None and not _blank(year):
        parts.append(f"year {int(year)}")
    if row.get("schools") == "common":
        parts.append("schools in both waves")
    return ", ".join(parts)


def _blank(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or v == ""


def _pct(v) -> str:
    return f"{100 * float(v):.0f}%"


def _item_words(label) -> str:
    """An item's label inside a sentence: 'Maths' -> 'maths', 'ICT' and 'PE' as they are."""
    label = str(label)
    return label[0].lower() + label[1:] if label[:2] != label[:2].upper() else label


def finding_sentence(row: Mapping) -> str:
    """One significant comparison in plain words, with its interval.

    >>> finding_sentence({"measure": "gender_gap", "block": "want_info", "wave": 1,
    ...     "year_group": 7, "schools": "all", "label": "Wants to find out more about STEM careers",
    ...     "share_first": 0.469, "share_second": 0.370, "estimate_pp": 9.89, "ci_low_pp": 3.90,
    ...     "ci_high_pp": 15.88, "q_value": 0.0022})
    'Wanting STEM careers information, wants to find out more about STEM careers (Wave 1 (2008), year 7): boys 47% against girls 37%; boys minus girls = +9.9 percentage points (95% interval +3.9 to +15.9; q = 0.002).'
    """
    measure = row["measure"]
    block = schema.block(str(row["block"]))
    item = _item_words(row["label"])
    where = _where(row)
    head = f"{block.label}, {item}" + (f" ({where})" if where else "")
    shares = ""
    groups = _GROUPS.get(measure)
    if groups and not _blank(row.get("share_first")) and not _blank(row.get("share_second")):
        said = [(groups[0], row["share_first"]), (groups[1], row["share_second"])]
        if measure in _LATER_FIRST:
            said.reverse()
        shares = f" {said[0][0]} {_pct(said[0][1])} against {said[1][0]} {_pct(said[1][1])};"
    words = MEASURE_WORDS.get(measure, str(row.get("compared", measure)))
    q = float(row["q_value"])
    q_text = "q < 0.001" if q < 0.001 else f"q = {q:.3f}"
    return (
        f"{head}:{shares} {words} = {float(row['estimate_pp']):+.1f} percentage points "
        f"(95% interval {float(row['ci_low_pp']):+.1f} to {float(row['ci_high_pp']):+.1f}; "
        f"{q_text})."
    )


def key_findings(
    tables: Mapping[str, Mapping[str, pd.DataFrame]],
    linked: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Every comparison significant after Benjamini-Hochberg, shown (not hidden),
    as a sentence, in block order and by size of difference within a block;
    then the linked pupils' paired changes significant likewise."""
    rows = []
    for key, parts in tables.items():
        comparisons = parts.get("comparisons")
        if comparisons is None or comparisons.empty:
            continue
        hidden = (
            comparisons["suppressed"].astype(str).str.strip() != ""
            if "suppressed" in comparisons
            else False
        )
        keep = comparisons[(comparisons["significant_fdr"].astype(str) == "True") & ~hidden]
        keep = keep.assign(size=keep["estimate_pp"].astype(float).abs()).sort_values(
            "size", ascending=False, kind="stable"
        )
        for _, row in keep.iterrows():
            rows.append(
                {
                    "Finding": finding_sentence(row),
                    "Question block": schema.block(key).label,
                    "Item": row["label"],
                    "Comparison": MEASURE_WORDS.get(row["measure"], row["compared"]),
                    "Wave": row.get("wave"),
                    "Year group": row.get("year_group"),
                    "Schools": row.get("schools"),
                    "Difference (percentage points)": float(row["estimate_pp"]),
                    "95% interval, low (points)": float(row["ci_low_pp"]),
                    "95% interval, high (points)": float(row["ci_high_pp"]),
                    "q-value (Benjamini-Hochberg)": float(row["q_value"]),
                }
            )
    for row in _linked_findings(linked):
        rows.append(row)
    if not rows:
        return pd.DataFrame(
            {
                "Finding": [
                    "No comparison is significant after "
                    "Benjamini-Hochberg control (or every one is hidden)."
                ]
            }
        )
    return pd.DataFrame(rows)


def _linked_findings(linked: Mapping[str, pd.DataFrame] | None) -> list[dict]:
    table = (linked or {}).get("linked_pupils")
    if table is None or table.empty:
        return []
    keep = table[table["significant_fdr"].astype(str) == "True"]
    keep = keep.assign(size=keep["change_pp"].astype(float).abs()).sort_values(
        "size", ascending=False, kind="stable"
    )
    rows = []
    for _, row in keep.iterrows():
        block = schema.block(str(row["block"]))
        label = str(row["label"])
        item = _item_words(label)
        q = float(row["q_value"])
        rows.append(
            {
                "Finding": (
                    f"{block.label}, {item} (the same {int(row['n']):,} pupils followed from "
                    f"year 7 in 2008 to year 9 in 2010): {_pct(row['share_9'])} in year 9 "
                    f"against {_pct(row['share_7'])} in year 7; paired change = "
                    f"{float(row['change_pp']):+.1f} percentage points (95% interval "
                    f"{float(row['ci_low_pp']):+.1f} to {float(row['ci_high_pp']):+.1f}; "
                    + ("q < 0.001" if q < 0.001 else f"q = {q:.3f}")
                    + ")."
                ),
                "Question block": block.label,
                "Item": label,
                "Comparison": "linked pupils: year 9 in 2010 minus year 7 in 2008 (paired)",
                "Wave": None,
                "Year group": None,
                "Schools": "all",
                "Difference (percentage points)": float(row["change_pp"]),
                "95% interval, low (points)": float(row["ci_low_pp"]),
                "95% interval, high (points)": float(row["ci_high_pp"]),
                "q-value (Benjamini-Hochberg)": q,
            }
        )
    return rows


def summary_workbook(
    tables: Mapping[str, Mapping[str, pd.DataFrame]],
    readme: Sequence[str],
    path: str | Path,
    extra: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """Write the summary workbook (see the module's docstring) to ``path``;
    ``extra``: the linked pupils' and related items' tables by name
    (:data:`EXTRA_SHEETS`), after the README."""
    sheets: dict[str, pd.DataFrame] = {
        "Key findings": key_findings(tables, extra),
        "README": export.write_text_sheet(readme),
    }
    for name, table in (extra or {}).items():
        sheets[EXTRA_SHEETS[name]] = in_words(
            table, _LINKED_HEADERS if name.startswith("linked") else None
        )
    for key, parts in tables.items():
        names = sheet_names(key, list(parts))
        for kind, table in parts.items():
            sheets[names[kind]] = in_words(table)
    return export.write_xlsx(sheets, path, filters=True)
