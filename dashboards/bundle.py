"""Results read from a publication bundle, for the public dashboards.

A bundle (written by ``python -m analysis publish``, see
:mod:`analysis.publish` for its format) holds only aggregated tables that
were disclosure-controlled when it was made: :class:`BundleResults` reads
them and answers the same questions as
:class:`dashboards.results.LiveResults`, so every dashboard works on it
unchanged, with no pupil row anywhere in the kernel.

The bundle is checked when it is opened: its manifest's format and version,
every file's SHA-256 against the manifest, the columns of every table and
the values of its group columns. Anything wrong raises
:class:`analysis.errors.SurveyDataError` naming the file and what to do, so a
page shows a message, never half a publication.

Set ``KS3_BUNDLE`` to the bundle's folder before starting Voilà and
:func:`dashboards.data.current` returns a :class:`BundleResults`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import disclosure, manifest, measures, schema
from analysis.errors import Problem, SurveyDataError
from analysis.manifest import read_manifest
from analysis.measures.shapes import components

from .results import COMPARISONS, Results, check_comparison, ordered

#: Text columns of the share and comparison tables (read as text, never as numbers).
_TEXT = {*measures.TEXT_COLUMNS, "compared", "fdr_family", "significant_fdr", "school"}
_BOOL = {"low_base"}
_FIX = manifest.FIX


class BundleResults(Results):
    """The tables of a publication bundle, checked on opening.

    Parameters
    ----------
    path : str or Path
        The bundle's folder (holding ``manifest.json``).

    Attributes
    ----------
    path : Path
    manifest : dict
        ``manifest.json`` as read.
    title : str
    school_label : str or None
        The pseudonym of the one school whose view is published, else None.

    Raises
    ------
    analysis.errors.SurveyDataError
        A file is missing or unreadable, the manifest is not a version-1
        bundle's, a file's hash does not match, or a table lacks columns or
        holds group values the survey does not have.
    """

    published = True

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        self.manifest = read_manifest(self.path)
        rules = self.manifest["rules"]
        self.rules = disclosure.DisclosureRules(
            min_count=rules["min_count"],
            min_base=rules["min_base"],
            min_schools=int(rules["min_schools"]),
        )
        self.has_distributions = bool(self.manifest.get("distributions", False))
        self.title = str(self.manifest.get("title", ""))
        school = self.manifest.get("school")
        self.school_label = str(school["label"]) if school else None
        self._check_hashes()
        self._shares = self._read(
            manifest.SHARES, ["breakdown", *schema.GROUP_COLUMNS, *measures.SHARE_COLUMNS]
        )
        comparison_columns = [
            c
            for c in measures.COMPARISON_COLUMNS
            if c not in ("share_first", "share_second", "n_first", "n_second")
        ]
        self._comparisons = self._read(manifest.COMPARISONS, comparison_columns)
        self._school = None
        if self.school_label is not None:
            self._school = self._read(
                manifest.SCHOOL,
                [
                    "school",
                    *manifest.SCHOOL_BREAKDOWN,
                    "block",
                    "item",
                    "label",
                    "n",
                    "count",
                    "share",
                    "n_schools",
                    "suppressed",
                ],
            )
        self._cache: dict[tuple, pd.DataFrame] = {}

    # -- opening ------------------------------------------------------------

    def _problem(self, name: str, what: str, todo: str = _FIX, column: str | None = None):
        return SurveyDataError(
            Problem(file=str(self.path / name), what=what, todo=todo, column=column)
        )

    def _check_hashes(self) -> None:
        for name, digest in self.manifest["files"].items():
            path = self.path / name
            if Path(name).name != name:
                raise self._problem(
                    manifest.MANIFEST,
                    f"lists {name!r}, which is not a file name in the bundle's folder.",
                )
            if not path.is_file():
                raise self._problem(name, "is missing (the manifest lists it).")
            if manifest.sha256(path) != digest:
                raise self._problem(
                    name,
                    "has changed since the bundle was made (its SHA-256 "
                    "does not match the manifest's).",
                )

    def _read(self, name: str, columns: list[str]) -> pd.DataFrame:
        path = self.path / name
        try:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (
            OSError,
            UnicodeDecodeError,
            pd.errors.ParserError,
            pd.errors.EmptyDataError,
        ) as err:
            raise self._problem(name, f"cannot be read as CSV ({err}).") from None
        missing = [c for c in columns if c not in raw.columns]
        if missing:
            raise self._problem(name, f"lacks the column(s) {', '.join(missing)}.")
        out = {}
        dtypes = schema.dtypes()
        for c in raw.columns:
            values = raw[c]
            if c in dtypes and c in (*schema.GROUP_COLUMNS,):
                out[c] = _group_values(values, c, dtypes[c], self._problem, name)
            elif c == "significant_fdr":  # True / False where a test was shown, else ""
                out[c] = (
                    values.map({"True": True, "False": False})
                    .astype(object)
                    .where(values.isin(["True", "False"]), "")
                )
            elif c in _TEXT:
                out[c] = values.astype("str")
            elif c in _BOOL:
                # a hidden row's flag is hidden with it (blank in the bundle): it stays
                # unknown here, never False, or a page would say its base is not low
                out[c] = values.str.lower().map({"true": True, "false": False}).astype("boolean")
            else:
                number = pd.to_numeric(values.replace("", np.nan), errors="coerce")
                bad = number.isna() & (values != "")
                if bad.any():
                    rows = [int(i) + 2 for i in np.flatnonzero(bad.to_numpy())[:5]]
                    raise SurveyDataError(
                        Problem(
                            file=str(path),
                            column=c,
                            rows=tuple(rows),
                            n_rows=int(bad.sum()),
                            what="holds text where a number belongs.",
                            todo=_FIX,
                        )
                    )
                out[c] = number.astype(float)
        frame = pd.DataFrame(out)
        if "n_schools" in frame and frame["n_schools"].notna().all():
            frame["n_schools"] = frame["n_schools"].astype("int64")
        return frame

    # -- the Results interface ---------------------------------------------

    def shares(self, by: Sequence[str] = (), blocks: Sequence[str] | None = None) -> pd.DataFrame:
        by = tuple(ordered(by))
        if "school_id" in by:
            table = self._school_shares(by)
        else:
            if by not in self._cache:
                name = manifest.breakdown_name(by)
                rows = self._shares[self._shares["breakdown"] == name]
                if not len(rows):
                    raise ValueError(
                        f"the bundle has no table by {name}; it has "
                        f"{', '.join(sorted(set(self._shares['breakdown'])))}"
                    )
                self._cache[by] = rows[[*by, *measures.SHARE_COLUMNS]].reset_index(drop=True)
            table = self._cache[by]
        if blocks is not None:
            table = table[table["block"].isin(list(blocks))].reset_index(drop=True)
        return table

    def _school_shares(self, by: tuple[str, ...]) -> pd.DataFrame:
        """The named school's own rows in the share shape (``school_id`` = its label)."""
        if self._school is None:
            raise ValueError("this bundle publishes no school's figures")
        wanted = ("school_id", *manifest.SCHOOL_BREAKDOWN)
        if set(by) != set(wanted):
            raise ValueError(
                f"the bundle has the school's figures by "
                f"{', '.join(wanted)} only, not by {', '.join(by)}"
            )
        key = ("school", by)
        if key not in self._cache:
            s = self._school[self._school["school"] == self.school_label].reset_index(drop=True)
            frame = pd.DataFrame(
                {
                    "school_id": pd.Categorical([self.school_label] * len(s)),
                    **{c: s[c] for c in manifest.SCHOOL_BREAKDOWN},
                    "measure": "share",
                    "schools": "all",
                    "block": s["block"],
                    "item": s["item"],
                    "label": s["label"],
                    "category": "",
                    "category_label": "",
                    "n": s["n"],
                    "n_pupils": s["n"],
                    "count": s["count"],
                    "share": s["share"],
                }
            )
            for c in ("se", "ci_low", "ci_high", "deff", "n_eff"):
                frame[c] = np.nan
            frame["n_schools"] = 1
            frame["rank"] = np.nan
            frame["low_base"] = s["n"].astype(float) < self.rules.min_base
            frame["suppressed"] = s["suppressed"]
            self._cache[key] = frame[[*ordered(by), *measures.SHARE_COLUMNS]]
        return self._cache[key]

    def school_view(self, blocks: Sequence[str] | None = None) -> pd.DataFrame:
        """``school.csv``: the named school (its label) and ``"other schools"``,
        by wave and year group; empty when the bundle has no school."""
        if self._school is None:
            return pd.DataFrame(
                columns=[
                    "school",
                    *manifest.SCHOOL_BREAKDOWN,
                    "block",
                    "item",
                    "label",
                    "n",
                    "count",
                    "share",
                    "n_schools",
                    "suppressed",
                ]
            )
        table = self._school
        if blocks is not None:
            table = table[table["block"].isin(list(blocks))]
        return table.reset_index(drop=True)

    def comparisons(
        self, measure: str, blocks: Sequence[str] | None = None, schools: str = "all"
    ) -> pd.DataFrame:
        check_comparison(measure, schools)
        key = ("comparison", measure, schools)
        if key not in self._cache:
            c = self._comparisons
            rows = c[(c["measure"] == measure) & (c["schools"] == schools)].reset_index(drop=True)
            by = list(COMPARISONS[measure])
            for col in [*by, *measures.COMPARISON_COLUMNS]:
                if col not in rows:  # comparisons.csv leaves the component shares out
                    rows[col] = np.nan
            if schools == "all" and "_gap_change_" in measure:
                rows = self._with_gaps(rows, measure)
            elif schools == "all":
                rows = self._with_components(rows, measure)
            self._cache[key] = rows[[*by, *measures.COMPARISON_COLUMNS]]
        table = self._cache[key]
        if blocks is not None:
            table = table[table["block"].isin(list(blocks))].reset_index(drop=True)
        return table

    def _with_gaps(self, rows: pd.DataFrame, measure: str) -> pd.DataFrame:
        """A shown all-schools gap change's two gaps (``share_first``, ``share_second``
        as proportions) and their bases (both groups' pupils), read back from this
        bundle's own gap rows: a gap change is shown only if its four shares are, so
        both gaps are shown too."""
        compare, across = measure.split("_gap_change_")
        across = {"years": "year_group", "waves": "wave"}[across]
        gaps = self.comparisons(f"{compare}_gap")
        gaps = gaps[gaps["suppressed"].astype(str) == ""]
        by = ("wave", "year_group")
        lookup = _lookup(
            gaps,
            by,
            gaps["estimate_pp"].astype(float) / 100,
            gaps["n_first"].astype(float) + gaps["n_second"].astype(float),
        )
        cells = [{across: _plain(level)} for level in self.levels(across)]
        return _read_back(rows, by, cells, lookup)

    def _with_components(self, rows: pd.DataFrame, measure: str) -> pd.DataFrame:
        """The two shares a shown all-schools comparison subtracts, and their bases,
        read back from this bundle's own share table (where they are published:
        a comparison is shown only if both its shares are). Like-for-like
        (common schools) figures have no published components: a subset of
        schools' bases, next to the all-schools ones, would give the other
        schools' counts away."""
        table_by, cells = components(measure)
        shares = self.shares(table_by)
        shares = shares[(shares["measure"] == "share") & (shares["suppressed"] == "")]
        lookup = _lookup(shares, table_by, shares["share"].astype(float), shares["n"].astype(float))
        return _read_back(rows, table_by, cells, lookup)

    def levels(self, column: str) -> list:
        if column == "school_id":
            return self.school_ids()
        if column not in schema.GROUP_COLUMNS:
            return []
        values = self._shares[column].dropna()
        return sorted(pd.unique(values.astype(object)).tolist(), key=lambda v: (str(type(v)), v))

    def school_ids(self) -> list[str]:
        return [self.school_label] if self.school_label is not None else []

    @property
    def code_notes(self) -> tuple[str, ...]:
        return tuple(str(n) for n in self.manifest.get("code_notes", ()))

    def note(self):
        from . import page

        r = self.rules
        created = str(self.manifest.get("created", ""))[:10]
        school = (
            f" The view of one school, shown as {html.escape(self.school_label)}, is "
            "published at its request."
            if self.school_label
            else ""
        )
        text = (
            f"<b>Published figures</b>: {html.escape(self.title)}. "
            f"{html.escape(str(self.manifest.get('source', '')))} "
            f"{html.escape(disclosure.regime_sentence(disclosure.PUBLICATION, r))}"
            f"{school} Made {html.escape(created)}."
        )
        text += "".join(f"<br>{html.escape(str(n))}" for n in self.manifest.get("code_notes", ()))
        return page.html_widget(f'<div class="ks3-source">{text}</div>')


def _lookup(table: pd.DataFrame, by, share: pd.Series, n: pd.Series) -> dict:
    """``{(*group values of by, item): (share, n)}`` of ``table``'s rows."""
    keys = zip(*(table[c].astype(object) for c in by), table["item"].astype(str))
    return {
        (*(_plain(v) for v in key[:-1]), key[-1]): (sh, nn) for key, sh, nn in zip(keys, share, n)
    }


def _read_back(rows: pd.DataFrame, by, cells: list[dict], lookup: dict) -> pd.DataFrame:
    """``rows`` with ``share_first``/``n_first`` and ``share_second``/``n_second`` from
    ``lookup``, for the first and second of ``cells`` (group values fixed by the
    comparison; the rest from the row), on shown rows only (NaN elsewhere)."""
    rows = rows.copy()
    shown = (rows["suppressed"].astype(str) == "").to_numpy()
    records = rows.to_dict("records")
    for cell, (share_col, n_col) in zip(
        cells, (("share_first", "n_first"), ("share_second", "n_second"))
    ):
        found = [
            lookup.get(
                (*(_plain(cell.get(c, row.get(c))) for c in by), str(row["item"])), (np.nan, np.nan)
            )
            if ok
            else (np.nan, np.nan)
            for ok, row in zip(shown, records)
        ]
        rows[share_col] = [f[0] for f in found]
        rows[n_col] = [f[1] for f in found]
    return rows


def _group_values(values: pd.Series, column: str, dtype, problem, name: str) -> pd.Series:
    """A group column read from text into the survey's dtype; unknown values raise."""
    text = values.replace("", np.nan)
    known = list(schema.groups()[column].values)
    if isinstance(dtype, pd.CategoricalDtype):
        bad = text.notna() & ~text.isin([str(v) for v in known])
    else:
        number = pd.to_numeric(text, errors="coerce")
        bad = text.notna() & ~number.isin(known)
    if bad.any():
        shown = ", ".join(sorted(set(text[bad].astype(str)))[:5])
        raise problem(name, f"holds values the survey does not have ({shown}).", column=column)
    out = text.astype(dtype) if isinstance(dtype, pd.CategoricalDtype) else number.astype(dtype)
    return out


def _plain(value):
    """A group value as a plain Python value (``np.int8(1)`` -> ``1``), for lookups."""
    if isinstance(value, (np.integer,)) and not isinstance(value, bool):
        return int(value)
    return value
