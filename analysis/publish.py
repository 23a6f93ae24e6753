"""The publication bundle: the figures the public dashboards show, and nothing more.

``python -m analysis publish FILE... --out DIR`` (or :func:`build_bundle`)
writes a folder of aggregated, disclosure-controlled tables that the public
dashboards (:class:`dashboards.bundle.BundleResults`) and the static site
(:mod:`dashboards.static_site`) read instead of survey files. No pupil row,
pupil id or school id goes into it.

Format (``bundle_version`` 1)
-----------------------------
``manifest.json``
    ``format`` (``"ks3-stem-publication"``), ``bundle_version`` (1),
    ``created`` (ISO 8601, UTC), ``title``, ``source`` (waves, pupils and
    schools in plain words, pupils rounded to the nearest 10, and who the
    figures describe; never a file path), ``population`` (who the figures
    describe: by default only the pupils who stated their gender and
    ethnicity, see :func:`published_pupils`), ``rules`` (``min_count``, ``min_base``, ``min_schools``),
    ``breakdowns`` (the group columns of each breakdown in ``shares.csv``),
    ``blocks`` (block keys), ``distributions`` (whether answer-code
    distributions are in), ``school`` (``null``, or ``{"label",
    "requested_by"}`` when one named school's view is published) and
    ``survey`` (:func:`survey_fingerprint`: the same survey, whatever population is
    published of it) and ``files`` (``{file name: sha256 of its bytes}``).
``shares.csv``
    Every block's protected share rows (:func:`analysis.measures.summary_tables`)
    stacked: ``breakdown`` (``"all pupils"``, ``"wave × gender"``…), the group
    columns ``wave``, ``year_group``, ``gender``, ``ethnicity`` (empty where the
    breakdown does not use them), then :data:`analysis.measures.SHARE_COLUMNS`.
    Hidden numbers are empty and ``suppressed`` is ``c`` or ``u``.
``comparisons.csv``
    The protected standard comparisons (gaps, their changes, changes between
    waves, the cohort): group columns, then the comparison columns that
    :func:`analysis.measures.protect_comparisons` leaves.
``school.csv`` (only with ``school=``)
    :func:`analysis.disclosure.school_view` of the named school by wave and
    year group, the school shown as its pseudonym (``"School A"``) against
    ``"other schools"``; its school id appears nowhere.

CSV files are UTF-8 with formula injection neutralised
(:func:`analysis.export.write_csv`).

Safety
------
Before anything is moved into place, :func:`check_bundle` audits what was
written: no ``pupil_id`` or ``school_id`` column, no pupil id or school id of
the survey in any text, every shown count and its complement at least
``rules.min_count``, every shown share on a base of at least
``rules.min_base`` pupils from at least ``rules.min_schools`` schools, every
file's hash as in the manifest. The bundle is written into a temporary
folder next to ``out_dir`` and renamed at the end, so a failed run leaves
nothing half-written; a non-empty folder that is not a bundle is never
written into.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import disclosure, export, measures, schema, settings, stats
from .disclosure import DisclosureRules
from .errors import Problem, SurveyDataError
from .manifest import (
    BUNDLE_VERSION,
    COMPARISONS,
    FORMAT,
    MANIFEST,
    SCHOOL,
    SCHOOL_BREAKDOWN,
    SHARES,
    breakdown_name,
    sha256,
)
from .measures.shapes import _GAP_GROUPS

if TYPE_CHECKING:  # a bundle is made from a Survey, but reading one never loads pupils
    from .load import Survey

#: Group columns of ``shares.csv`` (every published breakdown uses some of them).
GROUP_COLUMNS: tuple[str, ...] = tuple(schema.GROUP_COLUMNS)
DEFAULT_TITLE = "KS3 STEM attitude survey"
#: Columns that would identify a pupil or a school; never in a bundle.
IDENTIFYING_COLUMNS: tuple[str, ...] = tuple(schema.ID_COLUMNS)


def is_bundle(folder: str | Path) -> bool:
    """True if ``folder`` holds a bundle's manifest (of any version) and nothing else
    but the files it lists."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return False
    listed = set(manifest.get("files") or {}) | {MANIFEST}
    return {p.name for p in folder.iterdir()} <= listed


def _about(n: float) -> str:
    """``n`` rounded to the nearest 10 in words: ``"about 4,070"``, ``"fewer than 5"``."""
    rounded = int(10 * math.floor(n / 10 + 0.5))
    return f"about {rounded:,}" if rounded else "fewer than 5"


#: A code note's count of answers, with the columns it names and their counts
#: (:func:`analysis.codebook.code_notes`).
_ANSWERS_COUNTED = re.compile(r"(?P<n>\d[\d,]*) answers? in (?P<k>\d+) columns? \([^)]*\)")


def published_code_notes(notes) -> list[str]:
    """What a codebook's codes did to answers (``Survey.code_notes``: a scale's middle
    answer left out, answers coded as not answered), in words a publication may carry:
    without the file's name, the answers touched rounded to the nearest 10 as
    :func:`source_text` rounds pupils, and no count per column.

    >>> published_code_notes(["w1.sav: 1,234 answers in 2 columns (enjoy_maths 700, "
    ...                       "enjoy_science 534) were Neither agree nor disagree: ..."])
    ['About 1,230 answers in 2 columns were Neither agree nor disagree: ...']
    """
    out = []
    for note in notes:
        text = str(note).split(": ", 1)[-1]
        text = _ANSWERS_COUNTED.sub(
            lambda m: (
                f"{_about(int(m['n'].replace(',', '')))} "
                f"answers in {m['k']} column{'' if m['k'] == '1' else 's'}"
            ),
            text,
        )
        out.append(text[:1].upper() + text[1:])
    return out


def source_text(table: pd.DataFrame) -> str:
    """Plain words for what a survey holds: pupils rounded to the nearest 10, schools
    exact (how many schools took part is no secret, and the pages name it elsewhere).

    >>> source_text(pd.DataFrame({"wave": [1] * 4073, "school_id": ["S1", "S2"] * 2036 + ["S1"]}))
    'Wave 1 (2008): about 4,070 pupils in 2 schools.'
    """
    waves = schema.groups()["wave"].values
    parts = []
    for wave, part in table.groupby("wave", observed=True):
        label = waves.get(int(wave), f"Wave {int(wave)}")
        schools = int(part["school_id"].nunique())
        parts.append(
            f"{label}: {_about(len(part))} pupils in {schools} school{'s' if schools != 1 else ''}"
        )
    return "; ".join(parts) + "."


def _problem(folder: Path, what: str, todo: str) -> SurveyDataError:
    return SurveyDataError(Problem(file=str(folder), what=what, todo=todo))


def _check_out_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise _problem(out, "is a file, not a folder.", "Choose a new folder name for --out.")
    if out.is_dir() and any(out.iterdir()) and not is_bundle(out):
        raise _problem(
            out,
            "is not empty and is not a publication bundle; nothing was "
            "written, to keep what is in it.",
            "Choose an empty or new folder for --out (an existing bundle is replaced).",
        )


# ---------------------------------------------------------------- tables


def _share_blocks(aggregates: measures.SurveyAggregates, distributions: bool) -> list[str]:
    return [b.key for b in aggregates.blocks if distributions or b.scale != "categorical"]


def _stack(tables: Mapping[str, Mapping[str, pd.DataFrame]], kind: str) -> pd.DataFrame:
    parts = [t[kind] for t in tables.values() if kind in t and len(t[kind])]
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)


def _shares_table(tables) -> pd.DataFrame:
    frame = _stack(tables, "shares")
    for c in GROUP_COLUMNS:
        if c not in frame.columns:
            frame[c] = np.nan
    return frame[["breakdown", *GROUP_COLUMNS, *measures.SHARE_COLUMNS]]


def _comparisons_table(tables) -> pd.DataFrame:
    frame = _stack(tables, "comparisons")
    groups = [c for c in measures.BREAKDOWN_COLUMNS if c in frame.columns]
    return frame[[*groups, *[c for c in frame.columns if c not in groups]]]


def school_table(
    aggregates: measures.SurveyAggregates,
    school_id: str,
    label: str,
    shares: pd.DataFrame,
    rules: DisclosureRules = DisclosureRules(),
    blocks: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The named school against the other schools, by wave and year group, protected.

    :func:`analysis.disclosure.school_view` of the agree / tick shares, with
    ``"this school"`` replaced by ``label`` and a ``block`` column. The school
    and the other schools add up to the all-schools figure of ``shares``
    (breakdown wave × year group), which the bundle protected on its own:
    :func:`_hide_against_total` hides more school rows where needed so that
    no hidden number is the difference of two shown ones.
    """
    by_school = aggregates.shares(
        ["school_id", *SCHOOL_BREAKDOWN], list(blocks) if blocks else None
    )
    by_school = by_school[(by_school["measure"] == "share") & (by_school["schools"] == "all")]
    frame = by_school[
        ["school_id", *SCHOOL_BREAKDOWN, "item", "label", "n", "count", "share"]
    ].copy()
    frame["school_id"] = frame["school_id"].astype(str)
    view = disclosure.school_view(frame.reset_index(drop=True), str(school_id), rules)
    view["school"] = view["school"].replace({disclosure.THIS_SCHOOL: label})
    view.insert(
        view.columns.get_loc("item"),
        "block",
        [schema.item(i).block for i in view["item"].astype(str)],
    )
    view = _hide_against_total(view, shares)
    return _with_intervals(view, aggregates, by_school, str(school_id), label, blocks)


def _with_intervals(
    view: pd.DataFrame,
    aggregates: measures.SurveyAggregates,
    by_school: pd.DataFrame,
    school_id: str,
    label: str,
    blocks: Iterable[str] | None,
) -> pd.DataFrame:
    """``ci_low`` and ``ci_high`` (95%) on the school view's shown rows, so that My school
    and the pack read from a bundle can say whether the school differs from the others.

    The school: a Wilson interval on its own pupils (Kish's effective n). The other
    schools: their school-clustered interval (every school but this one), on a row
    only where the school's own row is shown too. Where the school's figure is hidden
    the others' interval is left out: with the all-schools design effect of
    ``shares.csv`` the others' clustered variance would say how far the school's
    hidden count lies from the mean (a second-moment difference the linear audit does
    not model).
    """
    view = view.copy()
    keys = [*SCHOOL_BREAKDOWN, "item"]

    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.astype({c: "int64" for c in SCHOOL_BREAKDOWN}).astype({"item": str})

    cells = keyed(view[keys])
    z = stats.normal_quantile(0.975)
    mine = view["school"].astype(str).to_numpy() == label
    shown = (view["suppressed"].fillna("").astype(str) == "").to_numpy() & view[
        "share"
    ].notna().to_numpy()

    own = keyed(by_school[by_school["school_id"].astype(str) == school_id])
    own_eff = cells.merge(own[[*keys, "n_eff"]], on=keys, how="left")["n_eff"].to_numpy(float)
    low_own, high_own = stats.wilson_interval(view["share"].to_numpy(float), own_eff, z)

    rest = [s for s in pd.unique(by_school["school_id"].astype(str)) if s != school_id]
    others = aggregates.shares(
        list(SCHOOL_BREAKDOWN), list(blocks) if blocks else None, where={"school_id": rest}
    )
    others = keyed(others[others["measure"] == "share"])
    got = cells.merge(others[[*keys, "ci_low", "ci_high"]], on=keys, how="left")

    school_shown = {tuple(k) for k in cells[mine & shown].itertuples(index=False, name=None)}
    partner_shown = np.array(
        [tuple(k) in school_shown for k in cells.itertuples(index=False, name=None)]
    )
    keep_own, keep_other = mine & shown, ~mine & shown & partner_shown
    at = view.columns.get_loc("share") + 1
    for end, own_end in (("ci_high", high_own), ("ci_low", low_own)):
        view.insert(at, end, np.where(keep_own, own_end, np.where(keep_other, got[end], np.nan)))
    return view


def _hide_against_total(view: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Hide school rows so that school + other schools = total gives nothing away.

    For each wave, year group and item, the school's number, the other
    schools' number and the all-schools number in ``shares`` (breakdown wave
    × year group) add up, for bases ``n`` and for ``count`` alike (a part with
    no row, the school not surveyed in that wave, is a known 0). If exactly
    one of the three is unknown it is their difference: the shown part (or
    parts) of the school view is hidden too. A hidden base hides the count
    and share of its row as well. Repeated until nothing changes.
    """
    view = view.reset_index(drop=True)
    total = shares[
        (shares["breakdown"] == breakdown_name(SCHOOL_BREAKDOWN)) & (shares["measure"] == "share")
    ]
    key = [*SCHOOL_BREAKDOWN, "item"]

    def keys(frame):
        return [tuple(_plain(v) for v in r) for r in frame[key].astype(object).to_numpy().tolist()]

    shown_total = {q: dict(zip(keys(total), total[q].notna().to_numpy())) for q in ("n", "count")}
    cells = keys(view)
    changed = True
    while changed:
        changed = False
        for q in ("n", "count"):
            shown = view[q].notna().to_numpy()
            by_cell: dict[tuple, list[int]] = {}
            for i, cell in enumerate(cells):
                by_cell.setdefault(cell, []).append(i)
            for cell, parts in by_cell.items():
                unknown = sum(not shown[i] for i in parts) + (
                    0 if shown_total[q].get(cell, False) else 1
                )
                if unknown == 1:  # a part absent (no pupils) is a known 0
                    hide = [i for i in parts if shown[i]]
                    cols = ("n", "count", "share") if q == "n" else ("count", "share")
                    for c in cols:
                        view.loc[hide, c] = np.nan
                    view.loc[hide, "suppressed"] = disclosure.CONFIDENTIAL
                    changed = True
    return view


def _plain(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    return v


# ---------------------------------------------------------------- checks


_WORD = re.compile(r"[^\W_]+")


def _text_tokens(values: Iterable) -> set[str]:
    """Every text value whole, and its words (runs of letters and digits)."""
    tokens: set[str] = set()
    for v in values:
        if isinstance(v, str) and v.strip():
            tokens.add(v.strip())
            tokens.update(_WORD.findall(v))
    return tokens


def _file_texts(path: Path) -> list[str]:
    """The text values of a bundle file: CSV cells that are not numbers, JSON strings."""
    if path.suffix == ".json":
        out: list[str] = []

        def walk(v) -> None:
            if isinstance(v, str):
                out.append(v)
            elif isinstance(v, dict):
                for k, x in v.items():
                    out.append(str(k))
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)

        walk(json.loads(path.read_text(encoding="utf-8")))
        return out
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [
            cell
            for row in csv.reader(f)
            for cell in row
            if cell and not export._PLAIN_NUMBER.match(cell)
        ]


def identifier_hits(
    paths: Iterable[str | Path], identifiers: Iterable[str]
) -> list[tuple[str, str]]:
    """``(file name, identifier)`` for every identifier found in a file's text.

    A file's text values (CSV cells that are not numbers, JSON strings and
    keys) are taken whole and split into words (runs of letters and digits);
    an identifier is found when it is one of them. Identifiers of 3 digits or
    fewer are not looked for (they cannot be told from "year 7" or "wave 1").
    """
    wanted = {str(i).strip() for i in identifiers if str(i).strip()}
    wanted = {i for i in wanted if not (i.isdigit() and len(i) <= 3)}
    hits = []
    for path in paths:
        found = wanted & _text_tokens(_file_texts(Path(path)))
        hits.extend((Path(path).name, i) for i in sorted(found))
    return hits


def threshold_problems(
    shares: pd.DataFrame, rules: DisclosureRules, file: str = SHARES, *, check_schools: bool = True
) -> list[str]:
    """Rows of a share-shaped table that show what the rules forbid, in words.

    A shown count (``count`` present, base ``n`` > 0) must be at least
    ``rules.min_count``, and so must its complement ``n - count``; a shown
    share must have a base of at least ``rules.min_base`` pupils (``n_pupils``
    where the table has it) and (``check_schools``) at least
    ``rules.min_schools`` schools; a shown base must be at least
    ``rules.min_count``. Returns one sentence per kind of problem (empty: fine).
    """
    out = []
    n = shares["n"].astype(float)
    base = shares["n_pupils"].astype(float) if "n_pupils" in shares else n
    count = shares["count"].astype(float)
    some = n > 0
    shown = count.notna() & some

    def rows(mask) -> str:
        idx = np.flatnonzero(mask.to_numpy())
        return ", ".join(str(i + 2) for i in idx[:5]) + (" …" if len(idx) > 5 else "")

    for mask, what in (
        (shown & (count < rules.min_count), f"a shown count under {rules.min_count:g}"),
        (shown & (n - count < rules.min_count), f"a shown complement under {rules.min_count:g}"),
        (n.notna() & some & (n < rules.min_count), f"a shown base under {rules.min_count:g}"),
        (
            shares["share"].notna() & (base < rules.min_base),
            f"a shown share on a base under {rules.min_base:g}",
        ),
    ):
        if mask.any():
            out.append(f"{file} rows {rows(mask)}: {what}")
    if check_schools and "n_schools" in shares:
        mask = shares["share"].notna() & (shares["n_schools"].astype(float) < rules.min_schools)
        if mask.any():
            out.append(
                f"{file} rows {rows(mask)}: a shown share from under {rules.min_schools} schools"
            )
    hidden = shares["suppressed"].astype(object).fillna("").astype(str) != ""
    mask = hidden & shares["share"].notna()
    if mask.any():
        out.append(f"{file} rows {rows(mask)}: a share marked c/u is shown")
    return out


def check_bundle(folder: str | Path, identifiers: Iterable[str] = ()) -> None:
    """Audit a written bundle; raise :class:`SurveyDataError` listing everything wrong.

    Checks the manifest (format, version, rules, file hashes), that no table
    has a ``pupil_id`` or ``school_id`` column, that none of ``identifiers``
    (the survey's pupil and school ids) appears as a word in any file
    (:func:`identifier_hits`), and :func:`threshold_problems` for
    ``shares.csv`` and ``school.csv`` (the school's own figures are exempt
    from the schools rule: they are one school's). Comparisons: a shown
    estimate must come from at least ``min_schools`` schools.
    """
    folder = Path(folder)
    problems: list[Problem] = []

    def add(
        file: str, what: str, todo: str = "The bundle must not be published; report this as a bug."
    ) -> None:
        problems.append(Problem(file=str(folder / file), what=what, todo=todo))

    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT or manifest.get("bundle_version") != BUNDLE_VERSION:
        add(MANIFEST, "is not a version-1 publication bundle manifest.")
    rules = DisclosureRules(
        **{k: manifest["rules"][k] for k in ("min_count", "min_base", "min_schools")}
    )
    for name, digest in manifest["files"].items():
        if not (folder / name).is_file() or sha256(folder / name) != digest:
            add(name, "does not match the hash in the manifest.")
    files = [folder / MANIFEST, *(folder / n for n in manifest["files"])]
    for name, ident in identifier_hits([f for f in files if f.is_file()], identifiers):
        add(name, f"contains the survey identifier {ident!r}.")
    tables = {
        name: pd.read_csv(
            folder / name,
            encoding="utf-8-sig",
            keep_default_na=False,
            na_values=[""],
            low_memory=False,
        )
        for name in manifest["files"]
        if name.endswith(".csv")
    }
    for name, t in tables.items():
        bad = [c for c in IDENTIFYING_COLUMNS if c in t.columns]
        if bad:
            add(name, f"has the identifying column(s) {', '.join(bad)}.")
    if SHARES in tables:
        for what in threshold_problems(tables[SHARES], rules, SHARES):
            add(SHARES, what + ".")
    if SCHOOL in tables:
        for what in threshold_problems(tables[SCHOOL], rules, SCHOOL, check_schools=False):
            add(SCHOOL, what + ".")
    if COMPARISONS in tables:
        c = tables[COMPARISONS]
        mask = c["estimate_pp"].notna() & (c["n_schools"].astype(float) < rules.min_schools)
        if mask.any():
            add(
                COMPARISONS,
                f"{int(mask.sum())} shown estimate(s) from under {rules.min_schools} schools.",
            )
    if problems:
        raise SurveyDataError(problems)


# ---------------------------------------------------------------- building


def build_bundle(
    survey,
    out_dir: str | Path,
    rules: DisclosureRules = DisclosureRules(),
    *,
    school: str | None = None,
    school_label: str = "School A",
    requested_by: str = "",
    distributions: bool = False,
    title: str = DEFAULT_TITLE,
    stated_only: bool = True,
    progress: Callable[[str], None] | None = None,
    ledger: str | Path | None = None,
    withdraw_earlier: bool = False,
) -> Path:
    """Write a publication bundle of ``survey`` into ``out_dir``.

    Parameters
    ----------
    survey : analysis.load.Survey
        The loaded survey (its ``table``); only aggregates of it are written.
    out_dir : path
        The bundle's folder: new, empty, or an existing bundle (replaced).
        Any other non-empty folder is refused.
    rules : DisclosureRules
        Thresholds of the disclosure control.
    school : str, optional
        The school id of the one school whose "My school" view is published,
        under ``school_label``; by default no school view is published.
    school_label : str
        The pseudonym the named school is shown as.
    requested_by : str
        Free text for the manifest: who asked for the school's view.
    distributions : bool
        Include answer-code distributions (four-point items, qualification
        aim); exact but slow to protect (minutes a block).
    title : str
        Title of the publication, shown on the public pages.
    stated_only : bool
        True (the default): publish only the pupils who stated their gender
        as girl or boy and their ethnicity (:func:`published_pupils`). With
        every pupil published (False), the pupils in neither group of a
        gender (or ethnicity) table are its total minus the groups shown,
        usually fewer than 10 a cell, so most gender and ethnicity figures
        must be hidden (about 80% of the share rows on the sample, see
        docs/publishing.md); without them nothing about those pupils can be
        worked out. The manifest's ``source`` and ``population`` say which.
    progress : callable, optional
        ``progress(block_key)`` after each block is protected.
    ledger : path, optional
        The file recording which population of which survey was published
        (default :func:`ledger_path`). A bundle of one population of a survey
        is refused while another population of it was published, here or in a
        bundle beside ``out_dir``: the two, each protected alone, would give
        hidden counts away by subtraction (:func:`check_population`).
    withdraw_earlier : bool
        The person says the earlier bundle of the other population was never
        released, or has been taken down: it is forgotten and this one recorded.

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    analysis.errors.SurveyDataError
        ``out_dir`` is not a place a bundle may be written, the school is not
        in the survey, or the audit (:func:`check_bundle`) found something that
        must not be published; nothing is written then.
    """
    out = Path(out_dir)
    _check_out_dir(out)
    table = survey.table
    pupil_ids = table["pupil_id"].astype(str).unique().tolist()
    school_ids = table["school_id"].astype(str).unique().tolist()
    if school is not None:
        school = str(school)
        if school not in set(school_ids):
            known = sorted(school_ids)
            raise SurveyDataError(
                Problem(
                    file=", ".join(str(f) for f in survey.files),
                    column="school_id",
                    what=f"has no school '{school}' (schools: {', '.join(known[:10])}"
                    f"{' …' if len(known) > 10 else ''}).",
                    todo="Name a school of the survey with --school.",
                )
            )
        if not school_label.strip() or set(_text_tokens([school_label])) & set(school_ids):
            raise SurveyDataError(
                Problem(
                    file="--school-label",
                    what=f"{school_label!r} is empty or holds a school id.",
                    todo="Give the school a pseudonym such as 'School A'.",
                )
            )
    source = source_text(table)
    fingerprint = survey_fingerprint(table)
    kept, population = published_pupils(survey, stated_only)
    check_population(fingerprint, population, out, ledger, withdraw_earlier)
    table = kept.table
    aggregates = measures.SurveyAggregates(table)
    blocks = _share_blocks(aggregates, distributions)
    tables = measures.summary_tables(
        aggregates,
        protect=True,
        rules=rules,
        blocks=blocks,
        distributions=distributions,
        progress=progress,
    )
    shares = _shares_table(tables)
    comparisons = _comparisons_table(tables)
    with export.whole_folder(out) as work:
        written = {
            SHARES: export.write_csv(shares, work / SHARES),
            COMPARISONS: export.write_csv(comparisons, work / COMPARISONS),
        }
        if school is not None:
            written[SCHOOL] = export.write_csv(
                school_table(aggregates, school, school_label, shares, rules, blocks), work / SCHOOL
            )
        manifest = {
            "format": FORMAT,
            "bundle_version": BUNDLE_VERSION,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "title": title,
            "source": f"{source} Figures describe {population}.",
            "population": population,
            "rules": {
                "min_count": rules.min_count,
                "min_base": rules.min_base,
                "min_schools": rules.min_schools,
            },
            "breakdowns": [list(b) for b in measures.PUBLISHED_BREAKDOWNS],
            "blocks": list(tables),
            "distributions": bool(distributions),
            "school": None
            if school is None
            else {"label": school_label, "requested_by": requested_by},
            "survey": fingerprint,
            # what a codebook's codes did to answers (a scale's middle answer left out…)
            "code_notes": published_code_notes(getattr(survey, "code_notes", ())),
            "files": {name: sha256(path) for name, path in written.items()},
        }
        (work / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        check_bundle(work, [*pupil_ids, *school_ids])
        _check_out_dir(out)  # again: the folder may have changed while the tables were made
    record_population(fingerprint, population, out, ledger)
    return out


# ---------------------------------------------------------------- one population


#: Environment variable naming the publication ledger (default :func:`ledger_path`).
LEDGER_VARIABLE = settings.PUBLICATIONS
ledger_path = settings.ledger_path


def survey_fingerprint(table: pd.DataFrame) -> str:
    """SHA-256 of the survey's sorted (pupil id, wave) pairs: the same survey gives the
    same fingerprint whatever population of it is published; no id can be read back."""
    pairs = sorted(
        f"{p}\x1f{w}" for p, w in zip(table["pupil_id"].astype(str), table["wave"].astype(str))
    )
    return hashlib.sha256("\x1e".join(pairs).encode("utf-8")).hexdigest()


def _read_ledger(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:
        raise SurveyDataError(
            Problem(
                file=str(path),
                what=f"cannot be read as the publication ledger ({err}).",
                todo="Repair or remove the file (it records which population of each survey "
                "was published), or name another with KS3_PUBLICATIONS.",
            )
        ) from None
    return data if isinstance(data, dict) else {}


def check_population(
    fingerprint: str,
    population: str,
    out: Path,
    ledger: str | Path | None = None,
    withdraw_earlier: bool = False,
) -> None:
    """Refuse a bundle of a population other than the one already published of a survey.

    Two bundles of one survey, one of every pupil and one of the pupils who
    stated their gender and ethnicity, each protected alone, give by subtraction
    the hidden counts of the pupils in one and not the other (2,675 exact counts
    on the sample). The earlier publications are found in the ledger
    (:func:`ledger_path`) and among the bundles beside ``out``.
    """
    path = Path(ledger) if ledger is not None else ledger_path()
    earlier = [
        (entry.get("population"), entry.get("bundle", "?"))
        for entry in _read_ledger(path).get(fingerprint, [])
    ]
    parent = out.resolve().parent
    if parent.is_dir():
        for sibling in parent.iterdir():
            if sibling.resolve() == out.resolve() or not sibling.is_dir() or not is_bundle(sibling):
                continue
            try:
                manifest = json.loads((sibling / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if manifest.get("survey") == fingerprint:
                earlier.append((manifest.get("population"), str(sibling)))
    other = [(p, where) for p, where in earlier if p != population]
    if other and not withdraw_earlier:
        p, where = other[0]
        raise SurveyDataError(
            Problem(
                file=str(out),
                what=f"would publish {population}, but a bundle of this survey "
                f"describing {p} was published before ({where}). Each protected "
                "alone, the two give hidden counts away by subtraction.",
                todo="Publish the same population again (with or without --all-pupils, as "
                "before). If the earlier bundle was never released or has been taken "
                "down, say so with --withdraw-earlier.",
            )
        )


def record_population(
    fingerprint: str, population: str, out: Path, ledger: str | Path | None = None
) -> None:
    """Write into the ledger that ``population`` of the survey was published at ``out``
    (replacing what it said of that survey: one population per survey)."""
    path = Path(ledger) if ledger is not None else ledger_path()
    data = _read_ledger(path)
    data[fingerprint] = [
        {
            "population": population,
            "bundle": str(out.resolve()),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".publications.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
    os.replace(tmp, path)


def published_pupils(survey: Survey, stated_only: bool = True) -> tuple[Survey, str]:
    """The pupils a bundle publishes, and who they are in words for its manifest.

    With ``stated_only`` (the default for bundles), the pupils of
    :func:`stated_pupils` only: ``(survey restricted to them, "only the pupils
    who stated their gender (girl or boy) and ethnicity: about 5,980 of about
    6,290 pupils")``; otherwise ``(survey, "every pupil of the survey")``.
    Tests and the live dashboards use it to compare like with like.
    """
    table = survey.table
    if not stated_only:
        return survey, "every pupil of the survey"
    kept = stated_pupils(table)
    words = (
        f"only the pupils who stated their gender (girl or boy) and ethnicity: "
        f"{_about(int(kept.sum()))} of {_about(len(table))} pupils"
    )
    return replace(survey, table=table[kept].reset_index(drop=True)), words


def population_difference(survey: Survey, published: Survey) -> tuple[float, float]:
    """How far the published pupils' shares are from every pupil's: the median and
    the largest absolute difference, in percentage points, over the items' shares of
    all pupils and of each wave × year group. For the researcher, to judge the
    choice of :func:`published_pupils`; never written into a bundle."""
    diffs = []
    for by in ([], ["wave", "year_group"]):
        every = measures.SurveyAggregates(survey.table).shares(by)
        kept = measures.SurveyAggregates(published.table).shares(by)
        every, kept = (t[t["measure"] == "share"] for t in (every, kept))
        both = every.merge(kept, on=[*by, "item"], suffixes=("_every", "_kept"))
        diffs.append((both["share_every"] - both["share_kept"]).abs().to_numpy() * 100)
    d = np.concatenate(diffs)
    d = d[~np.isnan(d)]
    return (float(np.median(d)), float(d.max())) if len(d) else (0.0, 0.0)


def stated_pupils(table: pd.DataFrame) -> np.ndarray:
    """True for each pupil whose gender is one of the two compared in gender gaps
    (boy, girl) and whose ethnicity is one of the two compared in ethnicity gaps."""
    keep = np.ones(len(table), dtype=bool)
    for column, pair in _GAP_GROUPS.items():
        if column in table:
            keep &= table[column].astype(object).isin(list(pair)).to_numpy()
    return keep
