"""Disclosure control: try to break it.

The attackers below are written independently of analysis.disclosure: they see
only the protected tables (and, for the "truth" checks, the pupils the test
made up), build every margin with plain pandas/numpy, and try

* subtraction: any margin (parent = sum of its children, the gender "not
  stated" residual being an unknown child) with one unknown left gives it;
  repeated until nothing new is found; base - count gives the complement;
* linear algebra: every shown number is a sum of cells of the finest
  cross-classification; a hidden number is recoverable iff its indicator lies
  in the row space of the shown ones (rank test).

Neither may recover a hidden count or base, nor any small group (count,
complement or base under the threshold), shown or implicit.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.disclosure.audit import _Item
from analysis.disclosure.cells import _NOT_STATED, _Cell
from analysis.disclosure.margin_audit import _lp2, _MarginItem
from analysis.disclosure import (
    DisclosureRules,
    display_value,
    format_for_display,
    protect,
    school_view,
)

ITEM, LABEL = "visitor_talk", "Visitor talk"
NS = "<not stated>"
INCOMPLETE = {"gender", "ethnicity", "school_set"}
DIMS = ("wave", "year_group", "gender", "ethnicity", "school_set", "school_id", "school")


# ----------------------------------------------------------------- helpers


def row(n, count, **groups):
    return {
        **groups,
        "item": ITEM,
        "label": LABEL,
        "n": float(n),
        "count": float(count),
        "share": count / n if n else math.nan,
    }


def table(*rows):
    return pd.DataFrame(list(rows))


def breakdown(pupils: pd.DataFrame, by: list[str], items=(ITEM,)) -> pd.DataFrame:
    """The tidy shape with plain pandas: n answered, count ticked, share."""
    parts = []
    for item in items:
        frame = pupils[[*by, item]].dropna(subset=by)
        frame = frame.assign(
            n=frame[item].notna().astype(float), count=(frame[item] == 1).astype(float)
        )
        if by:
            agg = frame.groupby(by, dropna=True)[["n", "count"]].sum().reset_index()
        else:
            agg = pd.DataFrame({"n": [frame["n"].sum()], "count": [frame["count"].sum()]})
        agg["item"], agg["label"] = item, item
        parts.append(agg)
    out = pd.concat(parts, ignore_index=True)
    out["share"] = out["count"] / out["n"].where(out["n"] > 0)
    return out[[*by, "item", "label", "n", "count", "share"]]


def dims_of(t: pd.DataFrame) -> list[str]:
    return [d for d in DIMS if d in t.columns]


def cell_key(dims, values) -> frozenset:
    return frozenset((d, v.item() if hasattr(v, "item") else v) for d, v in zip(dims, values))


class View:
    """What an attacker sees of one item: shown and hidden numbers, per cell."""

    def __init__(self, tables: dict[str, pd.DataFrame], item: str = ITEM):
        self.shown = {"n": {}, "count": {}}
        self.hidden = {"n": set(), "count": set()}
        self.levels: dict[tuple, dict[str, list]] = {}
        self.categories: dict[str, list] = {}
        for t in tables.values():
            t = t[t["item"] == item]
            dims = dims_of(t)
            seen = self.levels.setdefault(tuple(dims), {d: [] for d in dims})
            for d in dims:
                for v in t[d].unique():
                    v = v.item() if hasattr(v, "item") else v
                    for bucket in (seen[d], self.categories.setdefault(d, [])):
                        if v not in bucket:
                            bucket.append(v)
            for _, r in t.iterrows():
                key = cell_key(dims, [r[d] for d in dims])
                for q in ("n", "count"):
                    if pd.notna(r[q]):
                        self.shown[q][key] = float(r[q])
                    # a 'u' count is hidden for reliability, not confidentiality:
                    # it is at least 10 both ways, so recovering it is no disclosure
                    elif q == "n" or r.get("suppressed", "c") == "c":
                        self.hidden[q].add(key)
        for d in self.categories:
            if d in INCOMPLETE:
                self.categories[d].append(NS)
        # rows absent from a table that shows those values: empty groups, known 0
        for dims, seen in self.levels.items():
            for combo in itertools.product(*[seen[d] for d in dims]):
                key = cell_key(dims, combo)
                if key not in self.shown["n"] and key not in self.hidden["n"]:
                    self.shown["n"][key] = self.shown["count"][key] = 0.0

    def level_cells(self, dims):
        for combo in itertools.product(*[self.categories[d] for d in dims]):
            yield cell_key(dims, combo)

    def margins(self):
        """(parent, children) for every published level and one more dimension."""
        out = []
        for dims in self.levels:
            for d in self.categories:
                if d in dims:
                    continue
                wider = tuple(x for x in DIMS if x in dims or x == d)
                if wider not in self.levels:
                    continue
                for parent in self.level_cells(list(dims)):
                    out.append((parent, [parent | {(d, v)} for v in self.categories[d]]))
        return out


def subtraction_attack(view: View) -> dict[str, dict]:
    """Total minus shown siblings, along every margin, until nothing new."""
    found = {}
    for q in ("n", "count"):
        known = dict(view.shown[q])
        margins = view.margins()
        progress = True
        while progress:
            progress = False
            for parent, children in margins:
                terms = [parent, *children]
                unknown = [t for t in terms if t not in known]
                if len(unknown) != 1:
                    continue
                u = unknown[0]
                kids = sum(known.get(c, 0.0) for c in children)
                known[u] = kids if u == parent else known[parent] - (kids - known.get(u, 0.0))
                progress = True
        found[q] = {k: v for k, v in known.items() if k not in view.shown[q]}
    return found


def rank_attack(view: View, targets) -> dict[str, set]:
    """Which target cells are determined by the shown numbers (linear algebra)."""
    dims = list(view.categories)
    finest = list(itertools.product(*[view.categories[d] for d in dims]))

    def indicator(key):
        k = dict(key)
        return np.array(
            [all(k[d] == f[i] for i, d in enumerate(dims) if d in k) for f in finest], dtype=float
        )

    out = {}
    for q in ("n", "count"):
        rows = [indicator(k) for k in view.shown[q]]
        m = np.array(rows) if rows else np.zeros((0, len(finest)))
        r = np.linalg.matrix_rank(m) if len(m) else 0
        out[q] = {t for t in targets if np.linalg.matrix_rank(np.vstack([m, indicator(t)])) == r}
    return out


def truth(pupils: pd.DataFrame, key, item=ITEM):
    sel = pd.Series(True, index=pupils.index)
    for d, v in key:
        sel &= pupils[d].isna() if v == NS else (pupils[d] == v)
    answered = pupils.loc[sel, item].notna()
    return float(answered.sum()), float((pupils.loc[sel, item] == 1).sum())


def assert_no_recovery(tables, pupils=None, rules=DisclosureRules(), item=ITEM):
    """Attack the protected view; fail if anything confidential comes out."""
    view = View(tables, item)
    sub = subtraction_attack(view)
    # hidden numbers must stay hidden
    for q in ("n", "count"):
        leaked = view.hidden[q] & set(sub[q])
        assert not leaked, f"subtraction recovers hidden {q} of {[dict(k) for k in leaked]}"
    targets = view.hidden["n"] | view.hidden["count"]
    sensitive = {}
    if pupils is not None:
        # every group at a published level, the "not stated" residuals included
        for dims in view.levels:
            for key in view.level_cells(list(dims)):
                n, count = truth(pupils, key, item)
                if n > 0 and (
                    count < rules.min_count or n - count < rules.min_count or n < rules.min_count
                ):
                    sensitive[key] = (n, count)
        targets |= set(sensitive)
    ranks = rank_attack(view, targets)
    for q in ("n", "count"):
        leaked = view.hidden[q] & ranks[q]
        assert not leaked, f"linear algebra recovers hidden {q} of {[dict(k) for k in leaked]}"
    for key, (n, count) in sensitive.items():
        got_n = key in view.shown["n"] or key in sub["n"] or key in ranks["n"]
        got_count = key in view.shown["count"] or key in sub["count"] or key in ranks["count"]
        assert not (got_count and count < rules.min_count), (
            f"count {count:g} of {dict(key)} recovered"
        )
        assert not (got_count and got_n and n - count < rules.min_count), (
            f"complement {n - count:g} of {dict(key)} recovered"
        )
        assert not (got_n and n < rules.min_count), f"base {n:g} of {dict(key)} recovered"


def assert_thresholds(tables, rules=DisclosureRules()):
    """No shown number is a small count of pupils."""
    for t in tables.values():
        shown = t[t["count"].notna()]
        assert (shown["suppressed"] == "").all()
        empty = shown["n"] == 0
        assert (shown.loc[~empty, "count"] >= rules.min_count).all()
        assert (shown.loc[~empty, "n"] - shown.loc[~empty, "count"] >= rules.min_count).all()
        n_shown = t.loc[t["n"].notna() & (t["n"] > 0), "n"]
        assert (n_shown >= rules.min_count).all()
        assert t.loc[t["suppressed"] != "", "share"].isna().all()


# ----------------------------------------------------------------- primary rules


@pytest.mark.parametrize(
    "n, count, symbol",
    [
        (100, 9, "c"),  # count under 10
        (100, 10, ""),  # exactly 10 may be shown
        (100, 91, "c"),  # 9 did not tick: the complement is a count too
        (100, 90, ""),
        (8, 4, "c"),  # base itself under 10
        (29, 15, "u"),  # base under 30: share unreliable
        (30, 15, ""),
    ],
)
def test_primary_rules_single_cell(n, count, symbol):
    t = table(row(n, count)).assign(ci_low=0.1, ci_high=0.9, se=0.05)
    out = protect({"total": t})["total"]
    assert out.loc[0, "suppressed"] == symbol
    hidden = symbol != ""
    for col in ("count", "share", "ci_low", "ci_high", "se"):
        assert pd.isna(out.loc[0, col]) == hidden, col
    assert pd.isna(out.loc[0, "n"]) == (n < 10)
    if not hidden:
        assert out.loc[0, "count"] == count and out.loc[0, "share"] == pytest.approx(count / n)


def test_fewer_than_three_schools_is_low_base():
    t = table(row(200, 80), row(200, 80)).assign(n_schools=[2, 3], year_group=[7, 9])
    out = protect({"t": t})["t"]
    assert out["suppressed"].tolist() == ["u", ""]
    assert pd.isna(out.loc[0, "share"]) and out.loc[0, "n"] == 200  # base stays visible


def test_a_table_by_school_has_one_school_per_cell():
    t = table(row(200, 80, school_id="S01"), row(150, 60, school_id="S02"))
    out = protect({"t": t})["t"]
    assert (out["suppressed"] == "u").all() and out["share"].isna().all()


def test_rows_columns_and_order_kept_other_columns_untouched():
    t = table(row(100, 40, year_group=9), row(100, 50, year_group=7)).assign(extra=["a", "b"])
    out = protect({"t": t})["t"]
    assert out["year_group"].tolist() == [9, 7] and out["extra"].tolist() == ["a", "b"]
    assert list(out.columns) == [*t.columns, "suppressed"]
    assert "suppressed" not in t.columns  # input untouched


# ----------------------------------------------------------------- secondary: hand-made


def test_total_minus_sibling_attack_fails():
    total = table(row(125, 44))
    by_year = table(row(60, 4, year_group=7), row(65, 40, year_group=9))
    out = protect({"total": total, "by_year": by_year})
    assert out["by_year"]["suppressed"].tolist() == ["c", "c"]  # year 9 hidden too
    assert out["total"]["suppressed"].tolist() == [""]  # the total is still published
    assert_no_recovery(out)
    assert_thresholds(out)


def test_the_same_cell_in_two_tables_is_hidden_in_both():
    total = table(row(125, 44))
    by_year = table(row(60, 4, year_group=7), row(65, 40, year_group=9))
    again = by_year.iloc[[1]].reset_index(drop=True)  # year 9 shown on its own elsewhere
    out = protect({"total": total, "by_year": by_year, "year9": again})
    assert out["year9"]["suppressed"].tolist() == ["c"]
    assert_no_recovery(out)


def test_two_way_table_with_margins():
    # one small cell in a 2 x 3 table with both margins and the total
    cells = {
        (7, "girl"): (50, 20),
        (7, "boy"): (55, 3),
        (7, "other"): (40, 15),
        (9, "girl"): (60, 30),
        (9, "boy"): (45, 25),
        (9, "other"): (42, 21),
    }
    inner = table(*[row(n, c, year_group=y, gender=g) for (y, g), (n, c) in cells.items()])
    by_year = (
        inner.groupby("year_group")[["n", "count"]]
        .sum()
        .reset_index()
        .assign(item=ITEM, label=LABEL, share=lambda t: t["count"] / t["n"])
    )
    by_gender = (
        inner.groupby("gender")[["n", "count"]]
        .sum()
        .reset_index()
        .assign(item=ITEM, label=LABEL, share=lambda t: t["count"] / t["n"])
    )
    total = table(row(inner["n"].sum(), inner["count"].sum()))
    out = protect({"inner": inner, "year": by_year, "gender": by_gender, "total": total})
    hidden = out["inner"].loc[out["inner"]["suppressed"] == "c", ["year_group", "gender"]]
    assert len(hidden) >= 4  # a rectangle at least: two per row and per column
    assert_no_recovery(out)
    assert_thresholds(out)


def test_two_small_cells_do_not_protect_each_other():
    # girls 2 and boys 1 both hidden while 'other' and the total are shown:
    # total - other = 3 would tell that both are at most 3, so a third cell goes
    total = table(row(150, 33))
    by_gender = table(
        row(50, 2, gender="girl"), row(50, 1, gender="boy"), row(50, 30, gender="other")
    )
    out = protect({"total": total, "gender": by_gender})
    assert (out["gender"]["suppressed"] == "c").all() or (out["total"]["suppressed"] == "c").all()
    assert_no_recovery(out)
    # with exact protection only (range width 1), the pair would be enough
    exact = protect({"total": total, "gender": by_gender}, DisclosureRules(protection=1))
    assert exact["gender"]["suppressed"].tolist() == ["c", "c", ""]
    assert_no_recovery(exact)


# ----------------------------------------------------------------- the not-stated residual


def test_not_stated_residual_is_an_implicit_cell():
    # 3 pupils did not state a gender: total - girls - boys would give them away
    total = table(row(100, 40))
    by_gender = table(row(50, 20, gender="girl"), row(47, 18, gender="boy"))
    out = protect({"total": total, "gender": by_gender})
    assert (out["gender"]["suppressed"] == "c").any()
    # count and base of the residual are not recoverable
    pupils = pd.DataFrame(
        {
            "gender": ["girl"] * 50 + ["boy"] * 47 + [None] * 3,
            ITEM: [1] * 20 + [0] * 30 + [1] * 18 + [0] * 29 + [1, 1, 0],
        }
    )
    assert_no_recovery(out, pupils)


def test_a_residual_empty_in_one_wave_is_still_protected_in_the_other():
    """The audit proves 'not stated' groups empty in a few programmes and skips
    the cells inside them (no one to disclose). Here 3 pupils of wave 1 did not
    state a gender and every pupil of wave 2 did (as schools surveyed once exist
    in wave 1 only): the wave-2 residual is proven empty, the wave-1 one is not,
    and its 3 pupils stay unrecoverable."""

    rng = np.random.default_rng(3)
    gender = np.array(["girl", "boy"] * 60 + ["girl", "boy"] * 50 + [None] * 3, dtype=object)
    wave = np.array([1] * 120 + [2] * 100 + [1] * 3)
    pupils = pd.DataFrame(
        {"wave": wave, "gender": gender, ITEM: (rng.random(len(wave)) < 0.4).astype(float)}
    )
    tables = {
        ",".join(b) or "total": breakdown(pupils, list(b))
        for b in [(), ("wave",), ("gender",), ("wave", "gender")]
    }
    proven = {}
    original = _Item._provably_empty

    def recording(self):
        empty = original(self)
        proven.update(
            {
                tuple(self.categories[d][i] for d, i in zip(self.dims, f)): bool(e)
                for f, e in zip(self.finest, empty)
            }
        )
        return empty

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_Item, "_provably_empty", recording)
        out = protect(tables)
    not_stated = _NOT_STATED
    assert proven[(2, not_stated)] and not proven[(1, not_stated)]
    assert not any(v for k, v in proven.items() if not_stated not in k)
    assert (out["wave,gender"]["suppressed"] == "c").any()
    assert_no_recovery(out, pupils)


def test_large_residual_needs_nothing():
    total = table(row(200, 80))
    by_gender = table(row(90, 36, gender="girl"), row(85, 30, gender="boy"))
    out = protect({"total": total, "gender": by_gender})
    assert (out["gender"]["suppressed"] == "").all()


def test_residual_without_the_total_is_no_risk():
    by_gender = table(row(50, 20, gender="girl"), row(47, 18, gender="boy"))
    out = protect({"gender": by_gender})
    assert (out["gender"]["suppressed"] == "").all()


# ----------------------------------------------------------------- configurable


def test_thresholds_are_configurable():
    total = table(row(125, 46))
    by_year = table(row(60, 6, year_group=7), row(65, 40, year_group=9))
    assert (protect({"t": total, "y": by_year})["y"]["suppressed"] == "c").all()
    rules = DisclosureRules(min_count=5)
    out = protect({"t": total, "y": by_year}, rules)
    assert (out["y"]["suppressed"] == "").all()
    by_year.loc[0, "count"] = 4.0
    total.loc[0, "count"] = 44.0
    out = protect({"t": total, "y": by_year}, rules)
    assert (out["y"]["suppressed"] == "c").all()
    assert_no_recovery(out, rules=rules)
    assert_thresholds(out, rules)
    small = DisclosureRules(min_count=5, min_base=10, min_schools=1)
    assert protect({"t": table(row(12, 6))}, small)["t"].loc[0, "suppressed"] == ""


def test_rules_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DisclosureRules().min_count = 3


# ----------------------------------------------------------------- property-based


BREAKDOWNS = [
    (),
    ("gender",),
    ("year_group",),
    ("year_group", "gender"),
    ("school_id",),
    ("school_id", "year_group"),
    ("wave",),
    ("wave", "gender"),
]


@st.composite
def pupils_strategy(draw, min_size=20, max_size=300):
    """Random pupils over waves, year groups, genders (some not stated) and 4
    schools; each ticks the item with a random probability, some skip it."""
    size = draw(st.integers(min_size, max_size))
    seed = draw(st.integers(0, 2**32 - 1))
    p_tick = draw(st.floats(0.0, 1.0))
    p_missing_gender = draw(st.sampled_from([0.0, 0.02, 0.1]))
    p_other = draw(st.sampled_from([0.0, 0.03, 0.2]))
    rng = np.random.default_rng(seed)
    p_girl = (1 - p_missing_gender - p_other) / 2
    gender = rng.choice(
        np.array(["girl", "boy", "other", None], dtype=object),
        size,
        p=[p_girl, p_girl, p_other, p_missing_gender],
    )
    answer = np.where(rng.random(size) < p_tick, 1.0, 0.0)
    answer[rng.random(size) < 0.05] = np.nan
    return pd.DataFrame(
        {
            "wave": rng.choice([1, 2], size),
            "year_group": rng.choice([7, 9], size),
            "gender": gender,
            "school_id": rng.choice(list("ABCD"), size, p=[0.4, 0.3, 0.2, 0.1]),
            ITEM: answer,
        }
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pupils=pupils_strategy(),
    chosen=st.sets(st.sampled_from(range(len(BREAKDOWNS))), min_size=1, max_size=4),
)
def test_random_views_resist_differencing(pupils, chosen):
    tables = {
        "by " + ",".join(BREAKDOWNS[i]) or "total": breakdown(pupils, list(BREAKDOWNS[i]))
        for i in sorted(chosen)
    }
    out = protect(tables)
    assert_thresholds(out)
    assert_no_recovery(out, pupils)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pupils=pupils_strategy(min_size=20, max_size=200))
def test_random_views_with_min_count_5(pupils):
    tables = {
        str(b): breakdown(pupils, list(b)) for b in [(), ("gender",), ("year_group", "gender")]
    }
    rules = DisclosureRules(min_count=5)
    out = protect(tables, rules)
    assert_thresholds(out, rules)
    assert_no_recovery(out, pupils, rules)


@st.composite
def school_pupils_strategy(draw):
    """Random pupils in 3 to 7 schools of uneven size, genders partly not
    stated: tables by school and school x gender hold many small cells, and
    their finest cells are published cells themselves."""
    pupils = draw(pupils_strategy(min_size=30, max_size=250))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    k = draw(st.integers(3, 7))
    sizes = rng.dirichlet(np.full(k, 0.7))
    pupils["school_id"] = rng.choice([f"S{i}" for i in range(k)], len(pupils), p=sizes)
    return pupils


SCHOOL_VIEWS = [
    [(), ("school_id",), ("school_id", "gender")],
    [(), ("school_id", "gender")],
    [(), ("gender",), ("school_id", "gender")],
    [(), ("school_id",), ("school_id", "year_group", "gender")],
]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pupils=school_pupils_strategy(), which=st.sampled_from(range(len(SCHOOL_VIEWS))))
def test_random_school_views_resist_differencing(pupils, which):
    tables = {",".join(b) or "total": breakdown(pupils, list(b)) for b in SCHOOL_VIEWS[which]}
    out = protect(tables)
    assert_thresholds(out)
    assert_no_recovery(out, pupils)


def test_school_by_gender_small_cells_and_residuals():
    # every school x gender cell is a finest cell; school C's girls (4) are small,
    # and 2 pupils of school B did not state a gender (total - the rest gives them)
    spec = {
        ("A", "girl"): (40, 15),
        ("A", "boy"): (38, 20),
        ("B", "girl"): (30, 12),
        ("B", "boy"): (33, 14),
        ("B", None): (2, 1),
        ("C", "girl"): (4, 2),
        ("C", "boy"): (45, 22),
    }
    rows = []
    for (school, gender), (n, count) in spec.items():
        rows += [{"school_id": school, "gender": gender, ITEM: float(i < count)} for i in range(n)]
    pupils = pd.DataFrame(rows)
    tables = {"total": breakdown(pupils, []), "sg": breakdown(pupils, ["school_id", "gender"])}
    out = protect(tables)
    sg = out["sg"].set_index(["school_id", "gender"])["suppressed"]
    assert sg[("C", "girl")] == "c"
    assert (sg == "c").sum() >= 2
    assert out["total"].loc[0, "suppressed"] == ""
    assert_thresholds(out)
    assert_no_recovery(out, pupils)


# ----------------------------------------------------------------- My school


def test_school_view_protects_own_small_counts_against_the_total():
    rng = np.random.default_rng(7)
    pupils = pd.DataFrame(
        {"school_id": rng.choice(list("ABCDEF"), 600), "year_group": rng.choice([7, 9], 600)}
    )
    pupils[ITEM] = (rng.random(600) < 0.4).astype(float)
    pupils.loc[(pupils.school_id == "A") & (pupils.year_group == 7), ITEM] = 0.0
    pupils.loc[pupils[(pupils.school_id == "A") & (pupils.year_group == 7)].index[:3], ITEM] = 1.0
    by_school = breakdown(pupils, ["school_id", "year_group"])
    view = school_view(by_school, "A")
    assert set(view["school"]) == {"this school", "other schools"}
    y7 = view[view.year_group == 7].set_index("school")
    assert y7.loc["this school", "suppressed"] == "c"
    assert y7.loc["other schools", "suppressed"] == "c"  # else total - rest = own
    y9 = view[view.year_group == 9].set_index("school")
    assert y9.loc["this school", "suppressed"] == ""  # own school: exempt from min_schools
    assert y9.loc["other schools", "n_schools"] == 5
    # n and count of the other schools: plain sums
    rest = pupils[(pupils.school_id != "A") & (pupils.year_group == 9)]
    assert y9.loc["other schools", "count"] == (rest[ITEM] == 1).sum()
    total = breakdown(pupils, ["year_group"])
    assert_no_recovery({"view": view, "total": total.assign(suppressed="")})


def test_school_view_unknown_school():
    by_school = table(row(40, 20, school_id="A"), row(40, 20, school_id="B"))
    with pytest.raises(ValueError, match="school 'Z' is not in the table"):
        school_view(by_school, "Z")


# ----------------------------------------------------------------- display


def test_format_for_display():
    total = table(row(125, 44)).assign(ci_low=0.27, ci_high=0.44)
    by_year = table(row(60, 4, year_group=7), row(65, 40, year_group=9)).assign(
        ci_low=0.0, ci_high=0.5
    )
    out = protect({"total": total, "y": by_year})
    shown = format_for_display(out["total"])
    assert shown.loc[0, ["n", "count", "share", "ci_low"]].tolist() == [
        "125",
        "44",
        "35.2%",
        "27.0%",
    ]
    hidden = format_for_display(out["y"])
    assert hidden.loc[0, ["n", "count", "share", "ci_high"]].tolist() == ["60", "c", "c", "c"]
    low = protect({"t": table(row(20, 10))})["t"]
    assert format_for_display(low).loc[0, ["n", "count", "share"]].tolist() == ["20", "u", "u"]
    assert display_value(low.iloc[0], "share", percent=False) == "u"
    assert (
        display_value({"n": 40.0, "share": 0.25, "suppressed": ""}, "share", percent=False)
        == "0.250"
    )
    with pytest.raises(ValueError, match="protect it first"):
        format_for_display(total)


# ----------------------------------------------------------------- bad input


def test_tables_that_do_not_add_up_are_refused():
    total = table(row(50, 20))
    by_year = table(row(60, 30, year_group=7), row(65, 40, year_group=9))
    with pytest.raises(ValueError, match="do not add up"):
        protect({"total": total, "y": by_year})


def test_disagreeing_tables_are_refused():
    a = table(row(60, 30, year_group=7))
    b = table(row(60, 31, year_group=7))
    with pytest.raises(ValueError, match="disagree"):
        protect({"a": a, "b": b})


def test_missing_column_and_double_protection_are_refused():
    with pytest.raises(ValueError, match="no column 'count'"):
        protect({"t": table(row(60, 30)).drop(columns="count")})
    out = protect({"t": table(row(60, 30))})
    with pytest.raises(ValueError, match="already has a 'suppressed' column"):
        protect(out)


# ----------------------------------------------------------------- one-dimensional margins in closed form
# A breakdown by one column plus its total is audited by _MarginItem (two-variable
# LPs) instead of one simplex over every group. Checked against scipy's linprog and
# the general LP audit, and attacked like any other view.

from scipy.optimize import linprog  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(
    a=st.sampled_from([-1.0, 0.0, 1.0]),
    b=st.sampled_from([-1.0, 0.0, 1.0]),
    rows=st.lists(
        st.tuples(st.integers(-2, 2), st.integers(-2, 2), st.integers(-30, 30)),
        min_size=1,
        max_size=8,
    ),
)
def test_two_variable_lp_matches_linprog(a, b, rows):
    got = _lp2(a, b, [tuple(map(float, r)) for r in rows])
    res = linprog(
        [a, b],
        A_ub=[r[:2] for r in rows],
        b_ub=[r[2] for r in rows],
        bounds=[(None, None), (None, None)],
        method="highs",
    )
    if res.status == 2:
        assert math.isnan(got)
    elif res.status == 3:
        assert got == -math.inf
    else:
        assert got == pytest.approx(res.fun, abs=1e-7)


@st.composite
def margin_strategy(draw):
    """Cells of one item by one column (k groups, a 'not stated' residual when
    the column may be empty) with the total, each count and base shown or
    hidden at random: the states the suppression loop passes through."""
    k = draw(st.integers(1, 6))
    dim = draw(st.sampled_from(["gender", "school_id"]))
    values = [f"g{i}" for i in range(k)]
    ns = draw(st.integers(0, 1 if dim == "gender" else 0)) * draw(st.integers(0, 15))
    sizes = [draw(st.integers(0, 40)) for _ in range(k)] + ([ns] if dim == "gender" else [])
    ticks = [draw(st.integers(0, s)) for s in sizes]
    categories = {dim: values + ([_NOT_STATED] if dim == "gender" else [])}
    cells = {}
    for v, n, c in zip(categories[dim], sizes, ticks):
        key = ((dim, v),)
        published = v != _NOT_STATED
        cell = _Cell(key, float(n), float(c), published=published)
        if published:
            cell.n_hidden = draw(st.booleans())
            cell.count_hidden = cell.n_hidden or draw(st.booleans())
        cells[key] = cell
    if draw(st.booleans()):  # the total, shown, or partly hidden
        total = _Cell((), float(sum(sizes)), float(sum(ticks)))
        total.n_hidden = draw(st.booleans())
        total.count_hidden = total.n_hidden or draw(st.booleans())
        cells[()] = total
    return cells, categories


@settings(max_examples=150, deadline=None)
@given(margin=margin_strategy())
def test_margin_ranges_equal_the_general_lp(margin):
    cells, categories = margin
    if not _MarginItem.applies(cells, categories):
        return  # a single group and nothing else: the general audit keeps it
    rules = DisclosureRules()
    general = _Item(cells, categories, rules, ITEM)
    general_members = {id(c): c.members for c in cells.values()}
    fast = _MarginItem(cells, categories, rules, ITEM)
    assert fast.feasible_range(np.zeros(fast.n_finest), "n")[0] == 0.0  # they add up
    for cell in cells.values():
        for q in ("count", "n", "complement"):
            want = general.feasible_range(general_members[id(cell)], q)
            got = fast.feasible_range(cell.members, q)
            assert got == pytest.approx(want, abs=1e-6), (dict(cell.key), q)


@pytest.mark.parametrize("by", [["gender"], ["school_id"], ["year_group"]])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pupils=school_pupils_strategy())
def test_margin_views_same_as_general_audit_and_resist_differencing(by, pupils):
    tables = {"total": breakdown(pupils, []), "by": breakdown(pupils, by)}
    out = protect(tables)
    assert_thresholds(out)
    assert_no_recovery(out, pupils)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_MarginItem, "applies", staticmethod(lambda cells, cats: False))
        general = protect(tables)
    for name in tables:
        pd.testing.assert_frame_equal(out[name], general[name])


def test_margin_view_that_does_not_add_up_is_refused():
    total = table(row(50, 20))
    by_school = table(row(60, 30, school_id="A"), row(65, 40, school_id="B"))
    with pytest.raises(ValueError, match="do not add up"):
        protect({"total": total, "s": by_school})


def test_a_breakdown_over_one_school_is_that_school():
    # found by hypothesis: all stated genders are in school S1, so gender 'boy' and
    # (S1, boy) are the same pupils; hiding one's base while the other shows it
    # gave it away. One pupil of S0 did not state a gender (the total's residual).
    spec = {("S1", "boy"): (14, 0), ("S1", "girl"): (15, 0), ("S0", None): (1, 0)}
    rows = []
    for (school, gender), (n, count) in spec.items():
        rows += [{"school_id": school, "gender": gender, ITEM: float(i < count)} for i in range(n)]
    pupils = pd.DataFrame(rows)
    pupils.loc[len(pupils) - 2, ITEM] = np.nan  # a girl skipped the item: 14 answered
    tables = {
        "total": breakdown(pupils, []),
        "gender": breakdown(pupils, ["gender"]),
        "sg": breakdown(pupils, ["school_id", "gender"]),
    }
    out = protect(tables)
    assert_thresholds(out)
    assert_no_recovery(out, pupils)


# ----------------------------------------------------------------- distributions: answer codes
# A four-point item's codes add up to its base (1 + 2 + 3 + 4 = n) and its agree
# share is codes 3 + 4. The attacker below knows both: every shown number is a
# sum of counts x[g, code] of the finest groups g (the "not stated" residual of
# gender among them), a base n the sum over all four codes. It solves shown
# equations with one unknown left (subtraction), tests the row space (linear
# algebra), and bounds small numbers with scipy's linprog.

CODES = ("1", "2", "3", "4")
AGREE = {"1": {"1"}, "2": {"2"}, "3": {"3"}, "4": {"4"}, "agree": {"3", "4"}}


def distribution(pupils: pd.DataFrame, by: list[str], agree=True, item=ITEM) -> pd.DataFrame:
    """Rows per group: the four codes (n answered, count with that code) and
    the agree margin (codes 3 + 4), with plain pandas."""
    frame = pupils[[*by, item]].dropna(subset=[*by, item])
    rows = []
    for g, part in frame.groupby(by) if by else [((), frame)]:
        g = g if isinstance(g, tuple) else (g,)
        groups = {d: (v.item() if hasattr(v, "item") else v) for d, v in zip(by, g)}
        n = float(len(part))
        for cat in (*CODES, "agree") if agree else CODES:
            c = float(part[item].astype(int).astype(str).isin(AGREE[cat]).sum())
            rows.append(
                {
                    **groups,
                    "item": item,
                    "label": item,
                    "category": cat,
                    "n": n,
                    "count": c,
                    "share": c / n,
                }
            )
    return pd.DataFrame(rows)


class CodeView:
    """Shown and hidden numbers of one item's distributions, as linear forms
    over x[g, code] (g: finest group, the 'not stated' residual included)."""

    def __init__(self, tables: dict[str, pd.DataFrame], item: str = ITEM):
        self.categories: dict[str, list] = {}
        parts = []
        for t in tables.values():
            t = t[t["item"] == item]
            dims = dims_of(t)
            for d in dims:
                for v in t[d].unique():
                    v = v.item() if hasattr(v, "item") else v
                    if v not in self.categories.setdefault(d, []):
                        self.categories[d].append(v)
            parts.append((t, dims))
        for d in self.categories:
            if d in INCOMPLETE:
                self.categories[d].append(NS)
        self.dims = list(self.categories)
        self.groups = list(itertools.product(*[self.categories[d] for d in self.dims]))
        self.cols = [(g, c) for g in self.groups for c in CODES]
        self.shown, self.hidden = [], []  # (form, value or label)
        for t, dims in parts:
            present = set()
            for _, r in t.iterrows():
                key = {d: (r[d].item() if hasattr(r[d], "item") else r[d]) for d in dims}
                present.add(tuple(key.values()))
                cat = str(r["category"])
                for q, form in (
                    ("count", self.form(key, AGREE[cat])),
                    ("n", self.form(key, set(CODES))),
                ):
                    if pd.notna(r[q]):
                        self.shown.append((form, float(r[q])))
                    elif q == "n" or r["suppressed"] == "c":
                        self.hidden.append((form, (q, key, cat)))
            # a group of a shown level with no rows: nobody
            for combo in itertools.product(*[t[d].unique() for d in dims]):
                combo = tuple(v.item() if hasattr(v, "item") else v for v in combo)
                if combo not in present:
                    self.shown.append((self.form(dict(zip(dims, combo)), set(CODES)), 0.0))

    def form(self, key: dict, codes: set) -> np.ndarray:
        return np.array(
            [
                all(g[self.dims.index(d)] == v for d, v in key.items()) and c in codes
                for g, c in self.cols
            ],
            dtype=float,
        )


def code_subtraction_attack(view: CodeView) -> list:
    """Equations among shown numbers: any shown sum minus shown sums of
    disjoint parts leaves one hidden number; repeat until nothing new."""
    known = {tuple(f): v for f, v in view.shown}
    found = []
    progress = True
    while progress:
        progress = False
        forms = list(known.items())
        for form, value in view.hidden:
            k = tuple(form)
            if k in known:
                continue
            f = np.array(form)
            for whole, total in forms:  # whole = form + disjoint known parts
                w = np.array(whole)
                rest = w - f
                if (rest < 0).any():
                    continue
                parts, covered = 0.0, np.zeros_like(rest)
                for part, pv in forms:
                    p = np.array(part)
                    if p.any() and ((p > 0) <= (rest - covered > 0)).all():
                        covered += p
                        parts += pv
                if np.array_equal(covered, rest):
                    known[k] = total - parts
                    found.append(value)
                    progress = True
                    break
    return found


def code_rank_attack(view: CodeView) -> list:
    if not view.hidden:
        return []
    width = len(view.hidden[0][0])
    # everything suppressed: no equation is shown (rank 0), keep the matrix's width
    m = np.array([f for f, _ in view.shown], dtype=float).reshape(-1, width)
    r = np.linalg.matrix_rank(m) if len(m) else 0
    return [label for f, label in view.hidden if np.linalg.matrix_rank(np.vstack([m, f])) == r]


def code_range(view: CodeView, form: np.ndarray) -> tuple[float, float]:
    """Least and greatest value of ``form`` given the shown numbers (x >= 0)."""
    a = np.array([f for f, _ in view.shown], dtype=float).reshape(-1, len(form))
    b = np.array([v for _, v in view.shown], dtype=float)
    if not len(a):  # nothing shown: no equality constraints
        a, b = None, None
    lo = linprog(form, A_eq=a, b_eq=b, bounds=[(0, None)] * len(form), method="highs")
    hi = linprog(-form, A_eq=a, b_eq=b, bounds=[(0, None)] * len(form), method="highs")
    assert lo.status == 0 and hi.status in (0, 3)  # 3: unbounded, no upper limit
    return lo.fun, (math.inf if hi.status == 3 else -hi.fun)


def assert_codes_safe(out, pupils=None, rules=DisclosureRules(), item=ITEM):
    view = CodeView(out, item)
    assert not code_subtraction_attack(view), "subtraction recovers a hidden code"
    leaked = code_rank_attack(view)
    assert not leaked, f"linear algebra recovers {leaked[:3]}"
    if pupils is None:
        return
    # every small true number of a shown level (codes, agree, complements and bases,
    # the 'not stated' residual too) stays at least `protection` wide
    width = rules.protection_width
    levels = {tuple(dims_of(t)) for t in out.values()}
    for dims in levels:
        for combo in itertools.product(*[view.categories[d] for d in dims]):
            key = dict(zip(dims, combo))
            sel = pd.Series(True, index=pupils.index)
            for d, v in key.items():
                sel &= pupils[d].isna() if v == NS else (pupils[d] == v)
            answers = pupils.loc[sel, item].dropna().astype(int).astype(str)
            n = len(answers)
            if n == 0:
                continue
            base = view.form(key, set(CODES))
            for cat, codes in AGREE.items():
                count = answers.isin(codes).sum()
                form = view.form(key, codes)
                for value, f in ((count, form), (n - count, base - form), (n, base)):
                    if value < rules.min_count:
                        lo, hi = code_range(view, f)
                        assert hi - lo >= width - 1e-6, (
                            f"{dict(key)} code {cat}: {value} pinned to [{lo:g}, {hi:g}]"
                        )


def code_pupils(spec: dict) -> pd.DataFrame:
    """Pupils from {(gender, year_group): [pupils with code 1, 2, 3, 4]}."""
    rows = []
    for (gender, year), counts in spec.items():
        for code, k in enumerate(counts, start=1):
            rows += [{"gender": gender, "year_group": year, ITEM: float(code)}] * k
    return pd.DataFrame(rows)


def test_hidden_code_not_the_base_minus_the_others():
    pupils = code_pupils({("girl", 7): [3, 40, 50, 60], ("boy", 7): [30, 40, 50, 60]})
    tables = {"total": distribution(pupils, []), "gender": distribution(pupils, ["gender"])}
    out = protect(tables)
    girls = out["gender"][out["gender"].gender == "girl"].set_index("category")["suppressed"]
    assert girls["1"] == "c"
    assert (girls[list(CODES)] == "c").sum() >= 2  # one code alone = n - the others
    assert_thresholds(out)
    assert_codes_safe(out, pupils)


def test_hidden_code_not_agree_minus_the_other_agree_code():
    # code 4 of girls is small; agree (3 + 4) shown would give it as agree - code 3
    pupils = code_pupils({("girl", 7): [30, 40, 50, 4], ("boy", 7): [30, 40, 50, 60]})
    tables = {"total": distribution(pupils, []), "gender": distribution(pupils, ["gender"])}
    out = protect(tables)
    girls = out["gender"][out["gender"].gender == "girl"].set_index("category")["suppressed"]
    assert girls["4"] == "c" and (girls["3"] == "c" or girls["agree"] == "c")
    assert_thresholds(out)
    assert_codes_safe(out, pupils)


def test_agree_share_alone_keeps_the_other_codes_unknown():
    # only the agree margin of the item is published: codes 1 + 2 are its complement
    pupils = code_pupils({("girl", 7): [3, 4, 50, 60], ("boy", 7): [30, 40, 5, 3]})
    tables = {
        name: t[t.category == "agree"].reset_index(drop=True)
        for name, t in {
            "total": distribution(pupils, []),
            "gender": distribution(pupils, ["gender"]),
        }.items()
    }
    out = protect(tables)
    s = out["gender"].set_index("gender")["suppressed"]
    assert s["girl"] == "c" and s["boy"] == "c"  # 7 girls disagree: total minus boys gives it
    assert_thresholds(out)


def test_without_agree_margins_codes_are_plain_categories():
    pupils = code_pupils({("girl", 7): [30, 40, 50, 60], ("boy", 7): [30, 40, 50, 60]})
    tables = {
        "total": distribution(pupils, [], agree=False),
        "gender": distribution(pupils, ["gender"], agree=False),
    }
    out = protect(tables, category_margins={})
    assert (out["gender"]["suppressed"] == "").all()
    # 'agree' not declared a margin is one more code: the codes then exceed the base
    with pytest.raises(ValueError, match="do not add up"):
        protect({"total": distribution(pupils, [])}, category_margins={})


def test_an_item_with_and_without_categories_is_refused():
    pupils = code_pupils({("girl", 7): [30, 40, 50, 60], ("boy", 7): [30, 40, 50, 60]})
    share = distribution(pupils, []).query("category == 'agree'").drop(columns="category")
    with pytest.raises(ValueError, match="some tables give it by answer category"):
        protect({"total": share, "gender": distribution(pupils, ["gender"])})


@st.composite
def code_pupils_strategy(draw):
    """Random pupils by gender (some not stated) and year group with a
    four-point answer whose code probabilities are random (small codes common)."""
    size = draw(st.integers(20, 220))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    p = rng.dirichlet(np.full(4, draw(st.sampled_from([0.3, 1.0, 3.0]))))
    p_ns = draw(st.sampled_from([0.0, 0.03, 0.1]))
    gender = rng.choice(
        np.array(["girl", "boy", "other", None], dtype=object),
        size,
        p=[(1 - p_ns) * 0.47, (1 - p_ns) * 0.47, (1 - p_ns) * 0.06, p_ns],
    )
    answer = rng.choice([1.0, 2.0, 3.0, 4.0], size, p=p)
    answer[rng.random(size) < 0.05] = np.nan
    return pd.DataFrame(
        {
            "gender": gender,
            "year_group": rng.choice([7, 9], size),
            "school_id": rng.choice(list("ABC"), size),
            ITEM: answer,
        }
    )


CODE_VIEWS = [
    [(), ("gender",)],
    [(), ("year_group",), ("year_group", "gender")],
    [(), ("school_id",)],
    [("gender",)],
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pupils=code_pupils_strategy(),
    which=st.sampled_from(range(len(CODE_VIEWS))),
    agree=st.booleans(),
)
def test_random_distributions_resist_differencing(pupils, which, agree):
    tables = {
        ",".join(b) or "total": distribution(pupils, list(b), agree) for b in CODE_VIEWS[which]
    }
    out = protect(tables)
    assert_thresholds(out)
    assert_codes_safe(out, pupils)


# ----------------------------------------------------------------- skipped candidates


def _check_skips(tables, seen):
    """Protect ``tables`` with every end of a range the audit does not solve
    (no constraint the candidates free binds there) solved anyway: hiding the
    candidates must not move that end (with a tolerance well above solver
    noise)."""

    may_widen, range_binding = _Item._may_widen, _Item._range_binding

    def recording_range_binding(self, members, quantity):
        lo, hi, found = range_binding(self, members, quantity)
        self._asked = (members, quantity, lo, hi, found)
        return lo, hi, found

    def checking_may_widen(self, extras, system, mask):
        answer = may_widen(self, extras, system, mask)
        if not answer:
            members, quantity, lo, hi, found = self._asked
            side = "min" if mask is found["min"] else "max"
            assert mask is found[side]
            touched = self._touched(extras, system)
            saved = [(c.count_hidden, c.n_hidden, c.low_base_only) for c in touched]
            for extra in extras:
                self._hide(extra, system)
            new_lo, new_hi = self.feasible_range(members, quantity)
            for c, (ch, nh, lb) in zip(touched, saved):
                c.count_hidden, c.n_hidden, c.low_base_only = ch, nh, lb
                self._set_bounds(c)
            seen.append(1)
            moved = lo - new_lo if side == "min" else new_hi - hi
            assert moved <= 1e-6, (
                f"{self.item}: hiding {[dict(e.key) for e in extras]} ({system}) moves the "
                f"{side} of {quantity} by {moved} but it was not solved"
            )
        return answer

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_Item, "_range_binding", recording_range_binding)
        mp.setattr(_Item, "_may_widen", checking_may_widen)
        return protect(tables)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pupils=pupils_strategy(min_size=60, max_size=300), distributions=st.booleans())
def test_skipped_candidates_cannot_widen(pupils, distributions):
    seen = []
    if distributions:
        pupils = pupils.assign(
            **{ITEM: np.where(pupils[ITEM].isna(), np.nan, (np.arange(len(pupils)) % 4) + 1.0)}
        )
        tables = {
            ",".join(b) or "total": distribution(pupils, list(b))
            for b in [(), ("year_group",), ("year_group", "gender")]
        }
    else:
        tables = {
            ",".join(b) or "total": breakdown(pupils, list(b))
            for b in [(), ("wave",), ("wave", "year_group"), ("wave", "year_group", "gender")]
        }
    _check_skips(tables, seen)


def test_candidates_are_skipped_on_a_summary_like_view():
    """Every combination of four grouping columns with its margins (as the
    summary command protects a block): the dual test skips candidates there
    (so the check above is not vacuous), none of them wrongly, and the result
    still resists differencing."""
    rng = np.random.default_rng(5)
    size = 400
    pupils = pd.DataFrame(
        {
            "wave": rng.choice([1, 2], size),
            "year_group": rng.choice([7, 9], size),
            "gender": rng.choice(
                np.array(["girl", "boy", "other", None], dtype=object),
                size,
                p=[0.47, 0.47, 0.04, 0.02],
            ),
            "ethnicity": rng.choice(
                np.array(["a", "b", "c", None], dtype=object), size, p=[0.8, 0.1, 0.05, 0.05]
            ),
            ITEM: np.where(rng.random(size) < 0.05, 1.0, 0.0),
        }
    )
    dims = ["wave", "year_group", "gender", "ethnicity"]
    tables = {
        ",".join(b) or "total": breakdown(pupils, list(b))
        for r in range(len(dims) + 1)
        for b in itertools.combinations(dims, r)
    }
    seen = []
    out = _check_skips(tables, seen)
    assert len(seen) > 100, f"only {len(seen)} candidates skipped"
    assert_thresholds(out)
    assert_no_recovery(out, pupils)


def test_trying_all_candidates_at_once_changes_no_result():
    """The audit asks first whether hiding every hopeful candidate at once widens a
    range, and tries them one by one only if it does (hiding more only relaxes the
    programme). With that shortcut turned off (every candidate tried alone, as
    before) the same cells are hidden, on a view with a long cascade."""

    rng = np.random.default_rng(11)
    size = 600
    pupils = pd.DataFrame(
        {
            "wave": rng.choice([1, 2], size),
            "year_group": rng.choice([7, 9], size),
            "gender": rng.choice(np.array(["girl", "boy"], dtype=object), size),
            "ethnicity": rng.choice(
                np.array(["a", "b", None], dtype=object), size, p=[0.75, 0.2, 0.05]
            ),
            ITEM: np.where(rng.random(size) < 0.04, 1.0, 0.0),
        }
    )
    dims = ["wave", "year_group", "gender", "ethnicity"]
    tables = {
        ",".join(b) or "total": breakdown(pupils, list(b))
        for r in range(len(dims) + 1)
        for b in itertools.combinations(dims, r)
    }
    widens = _Item._widens
    calls = {"joint": 0}

    def one_by_one(self, cell, quantity, extras, system, lo, hi, binding):
        if len(extras) > 1:
            calls["joint"] += 1
            return True  # no shortcut: go on to try each candidate alone
        return widens(self, cell, quantity, extras, system, lo, hi, binding)

    fast = protect(tables)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_Item, "_widens", one_by_one)
        slow = protect(tables)
    assert calls["joint"] > 0
    hidden = sum(int((t["suppressed"] != "").sum()) for t in fast.values())
    assert hidden > len(tables), "no cascade: the view does not exercise the shortcut"
    for name in tables:
        pd.testing.assert_frame_equal(fast[name], slow[name])


def test_every_output_names_its_regime_in_the_same_words():
    """Dashboards, summary and bundles say which rules a figure was made under, from
    one sentence each (analysis.disclosure.regime_sentence)."""
    from analysis.disclosure import INTERNAL_USE, PUBLICATION, regime_sentence

    internal = regime_sentence(INTERNAL_USE, DisclosureRules(min_count=5, min_base=20))
    assert "under 5 pupils" in internal and "fewer than 20 pupils" in internal
    assert "shown here" in internal and "never from this output" in internal
    published = regime_sentence(PUBLICATION)
    assert "under 10 pupils" in published and "like-for-like" in published
    with pytest.raises(ValueError):
        regime_sentence("something else")
