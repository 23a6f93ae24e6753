"""Time cluster_totals + proportions on a large table against a plain pandas groupby.

Usage::

    python bench/bench_stats.py [--pupils 1000000] [--repeat 3] [--weighted]

Builds a random table of ``--pupils`` pupils in 600 schools with every binary
and agreement item of the survey (Int8 codes, 5% missing; the dtypes of a
validated table), then for a few breakdowns times, in the same run:

* ``stats``: ``cluster_totals`` (the one pass over pupil rows) and
  ``proportions`` (shares with school-clustered se and Wilson intervals);
* ``baseline``: a plain pandas groupby of the same shares (0/1 outcomes for
  all items, then ``groupby(by).mean()``), shares only, no standard errors;

and checks the two give the same shares. Prints the best of ``--repeat`` runs.
Timings depend on the machine and its load; no test asserts them.
"""

from __future__ import annotations

import argparse
import time
from functools import partial

import numpy as np
import pandas as pd

from analysis import schema, stats

BREAKDOWNS = (
    ["wave"],
    ["wave", "year_group"],
    ["wave", "year_group", "gender"],
    ["year_group", "ethnicity"],
)


def make_table(n: int, seed: int = 0, weighted: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    groups = schema.groups()
    dtypes = schema.dtypes()
    data = {
        "school_id": pd.Categorical([f"S{g:03d}" for g in rng.integers(0, 600, n)]),
        "wave": pd.array(rng.integers(1, 3, n), dtype="Int8"),
        "year_group": pd.array(rng.choice(list(groups["year_group"].values), n), dtype="Int8"),
        "gender": pd.Categorical(
            rng.choice(["girl", "boy", "other", None], n, p=[0.48, 0.48, 0.01, 0.03]),
            dtype=dtypes["gender"],
        ),
        "ethnicity": pd.Categorical(
            rng.choice(["white_british", "other_ethnic_group", None], n, p=[0.7, 0.27, 0.03]),
            dtype=dtypes["ethnicity"],
        ),
    }
    if weighted:
        data["weight"] = rng.uniform(0.5, 2.0, n)
    for it in items():
        codes = list(schema.scale_codes(it.scale))
        v = pd.array(rng.choice(codes, n).astype("int8"), dtype="Int8")
        v[rng.random(n) < 0.05] = pd.NA
        data[it.column] = v
    return pd.DataFrame(data)


def items():
    return [i for i in schema.items() if i.scale != "categorical"]


def baseline(table: pd.DataFrame, by: list[str], weighted: bool) -> pd.DataFrame:
    """Shares by a plain pandas groupby: 0/1/NaN per item, then weighted means."""
    frame = table[by].copy()
    for it in items():
        v = table[it.column].astype("float64")
        y = v.isin(schema.positive_codes(it.scale)).astype("float64").where(v.notna())
        frame[it.column] = y
    if not weighted:
        return frame.groupby(by, observed=True).mean()
    w = table["weight"]
    cols = [it.column for it in items()]
    num = (
        frame[cols]
        .mul(w, axis=0)
        .assign(**{c: frame[c] for c in by})
        .groupby(by, observed=True)
        .sum()
    )
    den = (
        frame[cols]
        .notna()
        .mul(w, axis=0)
        .assign(**{c: frame[c] for c in by})
        .groupby(by, observed=True)
        .sum()
    )
    return num / den


def best(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pupils", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--weighted", action="store_true")
    args = ap.parse_args()

    t0 = time.perf_counter()
    table = make_table(args.pupils, weighted=args.weighted)
    columns = [it.column for it in items()]
    weight = "weight" if args.weighted else None
    print(
        f"{args.pupils:,} pupils × {len(columns)} items, 600 schools"
        f"{', weighted' if weight else ''} (table built in {time.perf_counter() - t0:.1f} s)"
    )
    print(
        f"{'breakdown':<32}{'cluster_totals':>15}{'proportions':>13}{'stats total':>13}"
        f"{'baseline':>10}"
    )
    sum_stats = sum_base = 0.0
    for by in BREAKDOWNS:
        t_tot, totals = best(
            partial(stats.cluster_totals, table, columns, by=by, weight=weight), args.repeat
        )
        t_prop, props = best(partial(stats.proportions, totals, by=by), args.repeat)
        t_base, base = best(partial(baseline, table, by, args.weighted), args.repeat)
        mine = props.pivot_table(index=by, columns="item", values="share", observed=True)
        diff = np.nanmax(np.abs(mine[columns].to_numpy() - base[columns].to_numpy()))
        assert diff < 1e-9, f"shares differ from the baseline by {diff}"
        sum_stats += t_tot + t_prop
        sum_base += t_base
        print(
            f"{' × '.join(by):<32}{t_tot:>14.2f}s{t_prop:>12.3f}s{t_tot + t_prop:>12.2f}s"
            f"{t_base:>9.2f}s"
        )
    print(f"{'all breakdowns':<32}{'':>15}{'':>13}{sum_stats:>12.2f}s{sum_base:>9.2f}s")
    print("stats: shares + school-clustered se + Wilson intervals; baseline: shares only")


if __name__ == "__main__":
    main()
