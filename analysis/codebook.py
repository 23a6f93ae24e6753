"""Codebooks: how a researcher's own export maps onto the survey's layout.

A codebook is a small YAML file (format in ``docs/codebook.md``) saying, for
each column of the contract, which column of the export holds it and how the
export's values translate into the contract's codes::

    codebook_version: 1
    missing_values: [-9, "Not answered"]
    constants: {wave: 2}
    code_sets:
      agree4: {"Strongly disagree": 1, "Disagree": 2, "Agree": 3, "Strongly agree": 4}
    columns:
      pupil_id: "Pupil Ref"
      enjoy_maths: {from: "Enjoy Maths", codes: agree4}

:meth:`Codebook.from_yaml` / :meth:`Codebook.read` parse and check it;
:meth:`Codebook.apply` turns a file as read into contract-named columns;
:func:`analysis.guess.codebook_template` writes a starter codebook for a file
(it reads files, so it lives above :mod:`analysis.load`, not here).

Matching rules
--------------
* A code key matches a source value compared as text after trimming, ignoring
  case: ``1``, ``"1"`` and ``1.0`` all match key ``1``; ``"agree"`` matches
  ``"Agree"``. For SPSS/Stata files a key matches either the stored value or
  its value label (the stored value first).
* ``missing_values`` (and empty cells) become missing in every column, before
  codes apply. A code may also map to ``null`` (missing).
* A source column is found by its exact name, else by its name trimmed and
  ignoring case.
* A file column already named as a contract column is kept as it is unless
  the codebook maps another source column onto that contract column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import schema
from .errors import Problem, SurveyDataError, display_name

SUPPORTED_VERSIONS = (1,)
TOP_LEVEL_KEYS = (
    "codebook_version",
    "description",
    "missing_values",
    "constants",
    "sheet",
    "code_sets",
    "columns",
)
DOCS = "docs/codebook.md"


class _CodebookLoader(yaml.SafeLoader):
    """YAML as usual, except that yes/no/on/off stay words.

    YAML 1.1 reads an unquoted ``Yes`` as ``true``; in a codebook ``{Yes: 1}``
    means the answer "Yes". Only ``true`` and ``false`` are booleans here.
    """


_CodebookLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_CodebookLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def code_key(value) -> str:
    """The text a code key or a source value is compared as.

    >>> code_key(" Agree "), code_key(1.0), code_key("1"), code_key(True)
    ('agree', '1', '1', '1')
    """
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip().casefold()


@dataclass(frozen=True)
class ColumnMap:
    """One contract column and where it comes from in the export."""

    target: str
    source: str
    codes: dict[str, object] | None = None  # code_key(source value) -> contract value
    code_set: str | None = None  # name of the shared code set, if one was used


@dataclass(frozen=True)
class Codebook:
    """A parsed, checked codebook. Build with :meth:`from_yaml` or :meth:`read`."""

    name: str
    columns: tuple[ColumnMap, ...] = ()
    constants: dict[str, object] = field(default_factory=dict)
    missing_values: tuple = ()
    sheet: str | None = None
    description: str = ""

    # ---------------------------------------------------------------- parse
    @classmethod
    def from_yaml(cls, text: str | bytes, name: str = "codebook.yml") -> Codebook:
        """Parse codebook YAML ``text``; ``name`` is used in messages.

        Raises
        ------
        SurveyDataError
            naming the codebook and the key, for bad YAML, an unknown version,
            top-level key, contract column or code set, or a malformed entry.
        """
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = text.decode("cp1252", errors="replace")
        try:
            raw = yaml.load(text, Loader=_CodebookLoader)
        except yaml.YAMLError as exc:
            where = getattr(exc, "problem_mark", None)
            at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
            raise SurveyDataError(
                Problem(
                    name,
                    f"is not valid YAML{at} ({getattr(exc, 'problem', exc)}).",
                    f"Fix the codebook's layout (indentation, quotes, colons); see {DOCS}.",
                )
            ) from None
        if not isinstance(raw, Mapping):
            raise SurveyDataError(
                Problem(
                    name,
                    "is not a codebook: it should be a YAML mapping with "
                    "'codebook_version' and 'columns'.",
                    f"Start from the example in {DOCS}.",
                )
            )
        problems: list[Problem] = []

        def bad(key: str, what: str, todo: str) -> None:
            problems.append(Problem(name, what, todo, column=key))

        contract = set(schema.contract_columns())
        version = raw.get("codebook_version")
        if version not in SUPPORTED_VERSIONS:
            bad(
                "codebook_version",
                f"codebook_version is {version!r}; this version of the analysis reads "
                f"codebook_version {', '.join(map(str, SUPPORTED_VERSIONS))}.",
                "Write 'codebook_version: 1' at the top of the codebook.",
            )
        for key in raw:
            if key not in TOP_LEVEL_KEYS:
                bad(
                    str(key),
                    f"'{key}' is not a codebook key.",
                    f"Use only {', '.join(TOP_LEVEL_KEYS)}; see {DOCS}.",
                )

        missing = raw.get("missing_values") or []
        if not isinstance(missing, list):
            missing = [missing]

        constants = raw.get("constants") or {}
        if not isinstance(constants, Mapping):
            bad("constants", "constants should be a mapping such as {wave: 2}.", f"See {DOCS}.")
            constants = {}
        for key in constants:
            if key not in contract:
                bad(
                    f"constants: {key}",
                    f"'{key}' is not a column of the survey.",
                    _did_you_mean(str(key)),
                )

        code_sets_raw = raw.get("code_sets") or {}
        code_sets: dict[str, dict[str, object]] = {}
        if not isinstance(code_sets_raw, Mapping):
            bad(
                "code_sets",
                "code_sets should be a mapping of names to {label: code} mappings.",
                f"See {DOCS}.",
            )
            code_sets_raw = {}
        for set_name, codes in code_sets_raw.items():
            if not isinstance(codes, Mapping):
                bad(
                    f"code_sets: {set_name}",
                    "a code set should be a mapping {value: code}.",
                    'Write it as {"Yes": 1, "No": 0}.',
                )
                continue
            code_sets[str(set_name)] = {code_key(k): v for k, v in codes.items()}

        columns_raw = raw.get("columns") or {}
        if not isinstance(columns_raw, Mapping):
            bad(
                "columns",
                "columns should be a mapping of contract column to source column.",
                f"See {DOCS}.",
            )
            columns_raw = {}
        maps: list[ColumnMap] = []
        for target, spec in columns_raw.items():
            key = f"columns: {target}"
            target = str(target)
            if target not in contract:
                bad(key, f"'{target}' is not a column of the survey.", _did_you_mean(target))
                continue
            if target in constants:
                bad(
                    key,
                    f"'{target}' is given both under constants and under columns.",
                    "Keep one of the two.",
                )
                continue
            if isinstance(spec, (str, int, float)) and not isinstance(spec, bool):
                maps.append(ColumnMap(target, str(spec)))
                continue
            if not isinstance(spec, Mapping) or "from" not in spec:
                bad(
                    key,
                    "should be a source column name, or {from: <source column>, "
                    "codes: <code set or mapping>}.",
                    f"See {DOCS}.",
                )
                continue
            extra = set(spec) - {"from", "codes"}
            if extra:
                bad(
                    key,
                    f"unknown key(s) {', '.join(map(str, sorted(extra, key=str)))}.",
                    "A column entry takes only 'from' and 'codes'.",
                )
            codes = spec.get("codes")
            set_name = None
            if codes is None:
                mapping = None
            elif isinstance(codes, str):
                if codes not in code_sets:
                    known = ", ".join(code_sets) or "none defined"
                    bad(
                        key,
                        f"code set '{codes}' is not defined under code_sets ({known}).",
                        "Define it under code_sets or correct its name.",
                    )
                    continue
                mapping, set_name = code_sets[codes], codes
            elif isinstance(codes, Mapping):
                mapping = {code_key(k): v for k, v in codes.items()}
            else:
                bad(
                    key,
                    "codes should be the name of a code set or a mapping {value: code}.",
                    f"See {DOCS}.",
                )
                continue
            maps.append(ColumnMap(target, str(spec["from"]), mapping, set_name))

        sheet = raw.get("sheet")
        if problems:
            raise SurveyDataError(problems)
        return cls(
            name=name,
            columns=tuple(maps),
            constants=dict(constants),
            missing_values=tuple(missing),
            sheet=None if sheet is None else str(sheet),
            description=str(raw.get("description") or ""),
        )

    @classmethod
    def read(cls, path: str | Path) -> Codebook:
        """Read and check the codebook file at ``path``."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SurveyDataError(
                Problem(
                    display_name(path),
                    f"could not be opened ({exc.strerror or exc}).",
                    "Check the codebook's path.",
                )
            ) from None
        return cls.from_yaml(data, display_name(path))

    # ---------------------------------------------------------------- apply
    def source_columns(self, header) -> dict[str, str]:
        """Contract column -> column of ``header`` it is read from."""
        found = {}
        for m in self.columns:
            source = _find(m.source, header)
            if source is not None:
                found[m.target] = source
        return found

    def apply(
        self,
        raw: pd.DataFrame,
        file: str,
        value_labels: Mapping[str, Mapping] | None = None,
        first_row: int = 2,
    ) -> tuple[pd.DataFrame, list[Problem], list[str]]:
        """Map a file as read onto contract columns.

        Parameters
        ----------
        raw : the file as read (its own column names)
        file : the file's name, for messages
        value_labels : SPSS/Stata value labels, ``{column: {value: label}}``
        first_row : the row number a person sees for the first data row

        Returns
        -------
        table : contract-named columns (values in contract codes, not yet
            validated), then the file's remaining columns under their own names
        problems : source columns not in the file, values with no code
        notes : what the codes did beyond translating (answers left out as
            ``neutral`` or set to not answered by a ``null`` code, answers of
            different values counted as one code), with how many answers each;
            see :func:`code_notes`
        """
        value_labels = value_labels or {}
        problems: list[Problem] = []
        touched: list[tuple[str, str, str, str, int]] = []
        missing = {code_key(v) for v in self.missing_values}
        out: dict[str, pd.Series] = {}
        used: set[str] = set()
        for m in self.columns:
            source = _find(m.source, raw.columns)
            if source is None:
                problems.append(
                    Problem(
                        self.name,
                        f"the column '{m.source}' (for {m.target}) is not in {file}.",
                        f"Correct the source name under columns: {m.target} (the file's columns "
                        f"are {_list(raw.columns)}), or remove the line if the file lacks it.",
                        column=f"columns: {m.target}",
                    )
                )
                continue
            used.add(source)
            values = raw[source]
            if missing:
                values = _blank(values, missing)
            if m.codes is not None:
                values, problem, effects = _recode(
                    values, m, source, file, self.name, value_labels.get(source, {}), first_row
                )
                if problem:
                    problems.append(problem)
                touched.extend(effects)
            out[m.target] = values
        for target, value in self.constants.items():
            out[target] = (
                pd.Series([value] * len(raw), index=raw.index, dtype=object)
                if not isinstance(value, (int, float))
                else pd.Series(np.full(len(raw), value), index=raw.index)
            )
        for column in raw.columns:
            if column in used or column in out:
                continue
            values = raw[column]
            out[column] = _blank(values, missing) if missing else values
        return pd.DataFrame(out, index=raw.index), problems, code_notes(touched, file, self.name)


#: The code that marks a scale's middle answer ("Neither agree nor disagree"):
#: left out of the item's base, like a missing answer, and noted with its count.
NEUTRAL = "neutral"


def value_words(value, labels: Mapping | None = None) -> str:
    """A value as the file shows it, with its SPSS/Stata label: ``3 (Prefer not to say)``.

    >>> print(value_words(3.0, {3: "Prefer not to say"}), value_words("Agree"), value_words(2.0))
    3 (Prefer not to say) 'Agree' 2
    """
    shown = (
        int(value)
        if isinstance(value, (float, np.floating)) and float(value).is_integer()
        else value
    )
    label = None
    if labels:
        label = labels.get(value)
        if label is None:
            wanted = code_key(value)
            label = next((v for k, v in labels.items() if code_key(k) == wanted), None)
    if label is not None and code_key(label) != code_key(shown):
        return f"{shown} ({label})"
    return repr(shown) if isinstance(shown, str) else str(shown)


def code_notes(touched, file: str, codebook: str, shown: int = 4) -> list[str]:
    """Notes, one per kind of effect and answer, for what codes did to answers.

    ``touched``: ``(kind, answer, target, code words, count)`` with ``kind``
    ``"neutral"``, ``"null"`` or ``"merged"``. Each note says how many answers
    in how many columns, and the columns with the most.
    """
    groups: dict[tuple[str, str, str], list[tuple[str, int]]] = {}
    for kind, answer, target, code, n in touched:
        groups.setdefault((kind, answer, code), []).append((target, n))
    notes = []
    for (kind, answer, code), where in groups.items():
        total = sum(n for _, n in where)
        if not total:
            continue
        where = sorted(where, key=lambda x: -x[1])
        columns = ", ".join(f"{t} {n:,}" for t, n in where[:shown]) + (
            f" and {len(where) - shown} more" if len(where) > shown else ""
        )
        count = (
            f"{total:,} answer{'s' if total != 1 else ''} in {len(where)} "
            f"column{'s' if len(where) != 1 else ''} ({columns})"
        )
        if kind == NEUTRAL:
            what = (
                f"{count} were {answer}, the scale's middle answer: coded neutral by "
                f"{codebook}, they are left out of those items' bases (as not answered) "
                "and out of their four-point distributions"
            )
        elif kind == "null":
            what = f"{count} were {answer}: {codebook} codes it null, so they count as not answered"
        else:
            them = "it" if total == 1 else "them"
            what = f"{count} were {answer}: {codebook} counts {them} as {code}"
        notes.append(f"{file}: {what}.")
    return notes


def _find(source: str, header) -> str | None:
    header = [str(c) for c in header]
    if source in header:
        return source
    key = source.strip().casefold()
    matches = [c for c in header if c.strip().casefold() == key]
    return matches[0] if len(matches) == 1 else None


def _list(names, n: int = 8) -> str:
    names = [str(x) for x in names]
    shown = ", ".join(f"'{x}'" for x in names[:n])
    return shown + (f" and {len(names) - n} more" if len(names) > n else "")


def _did_you_mean(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, schema.contract_columns(), n=3)
    hint = f" Did you mean {' or '.join(close)}?" if close else ""
    return f"Use a column name of the survey (listed in {DOCS}).{hint}"


def _blank(values: pd.Series, missing: set[str]) -> pd.Series:
    """Set values listed as missing to NA (compared as code keys)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:
        return values
    drop = np.array([code_key(u) in missing for u in uniques], dtype=bool)
    if not drop.any():
        return values
    mask = np.zeros(len(values), dtype=bool)
    valid = codes >= 0
    mask[valid] = drop[codes[valid]]
    return values.mask(mask)


def _recode(
    values: pd.Series,
    m: ColumnMap,
    source: str,
    file: str,
    codebook: str,
    labels: Mapping,
    first_row: int,
) -> tuple[pd.Series, Problem | None, list[tuple[str, str, str, str, int]]]:
    """Translate source values to contract codes through ``m.codes``; also what
    the codes did beyond translating (see :func:`code_notes`)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    label_keys = {code_key(k): v for k, v in labels.items()}
    mapped: list[object] = []
    unknown: list[int] = []
    explicit: list[bool] = []  # the value has a code in the codebook (null included)
    for i, u in enumerate(uniques):
        key = code_key(u)
        if key in m.codes:
            mapped.append(m.codes[key])
            explicit.append(True)
        elif key in label_keys and code_key(label_keys[key]) in m.codes:
            mapped.append(m.codes[code_key(label_keys[key])])
            explicit.append(True)
        elif key == "":
            mapped.append(None)
            explicit.append(False)
        else:
            mapped.append(None)
            explicit.append(False)
            unknown.append(i)
    effects = _effects(codes, uniques, mapped, explicit, m.target, labels)
    mapped = [None if isinstance(v, str) and v.casefold() == NEUTRAL else v for v in mapped]
    result_values = np.array([np.nan if v is None else v for v in mapped] + [np.nan], dtype=object)
    out = pd.Series(result_values[codes], index=values.index, dtype=object)
    numeric = [v for v in mapped if v is not None]
    if numeric and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numeric):
        out = pd.to_numeric(out)
    problem = None
    if unknown:
        bad = np.isin(codes, unknown)
        rows = np.flatnonzero(bad)
        found = [value_words(uniques[i], labels) for i in unknown]
        where = f"code set '{m.code_set}'" if m.code_set else f"codes of {m.target}"
        shown = ", ".join(found[:6]) + (f" and {len(found) - 6} more" if len(found) > 6 else "")
        problem = Problem(
            file,
            f"{'value' if len(found) == 1 else 'values'} {shown} in '{source}' "
            f"(read as {m.target}) {'has' if len(found) == 1 else 'have'} no code in "
            f"{codebook}.",
            f"Add {'it' if len(found) == 1 else 'them'} to the {where} in {codebook}, or to "
            f"missing_values if {'it means' if len(found) == 1 else 'they mean'} "
            f"'not answered'.",
            column=source,
            rows=tuple(int(r) + first_row for r in rows[:5]),
            n_rows=int(bad.sum()),
        )
    return out, problem, effects


def _effects(
    codes: np.ndarray, uniques, mapped: list, explicit: list[bool], target: str, labels: Mapping
) -> list[tuple[str, str, str, str, int]]:
    """Answers a code left out (neutral, null) or counted with another answer."""
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    scale = None
    if target in _item_scales():
        scale = _item_scales()[target]
    words_of = schema.scale_codes(scale) if scale in ("binary", "agreement") else {}
    effects = []
    by_code: dict[object, list[int]] = {}
    for i, (code, has) in enumerate(zip(mapped, explicit)):
        if not has:
            continue
        words = value_words(uniques[i], labels)
        if isinstance(code, str) and code.casefold() == NEUTRAL:
            effects.append((NEUTRAL, words, target, "", int(counts[i])))
        elif code is None:
            effects.append(("null", words, target, "", int(counts[i])))
        else:
            key = code_key(labels.get(uniques[i], uniques[i])) if labels else code_key(uniques[i])
            by_code.setdefault(code, [])
            if key not in [k for k, _ in by_code[code]]:
                by_code[code].append((key, i))
    for code, answers in by_code.items():
        if len(answers) < 2 or scale not in ("binary", "agreement"):
            continue
        # the answer whose words are the code's own is not 'merged'; the others are
        own = code_key(words_of.get(code, ""))
        for key, i in answers:
            if key == own or key == code_key(code):
                continue
            label = words_of.get(code)
            effects.append(
                (
                    "merged",
                    value_words(uniques[i], labels),
                    target,
                    f"{code} ({label})" if label else str(code),
                    int(counts[i]),
                )
            )
    return effects


@cache
def _item_scales() -> dict[str, str]:
    return {i.column: i.scale for i in schema.items()}


# Common names of the identifier and group columns in exports, and
# abbreviations of block names; items are matched through survey.yml's labels.
_ALIASES = {
    "pupil_id": (
        "pupil",
        "pupil ref",
        "pupil reference",
        "pupil code",
        "pupil number",
        "pupil no",
        "student id",
        "id",
    ),
    "school_id": ("school", "school ref", "school code", "school number", "school no"),
    "year_group": ("year", "nc year", "school year", "pupils year", "pupil s year", "yr"),
    "gender": ("sex",),
    "ethnicity": ("ethnic group", "ethnic", "ethnic origin"),
    "wave": ("survey wave", "sweep"),
}
_ABBREVIATIONS = {
    "fav": "favourite",
    "fave": "favourite",
    "favorite": "favourite",
    "enjoyment": "enjoy",
    "ease": "easy",
    "importance": "important",
    "and": "",
    "the": "",
    "in": "",
    "of": "",
}


def _squeeze(text: str) -> str:
    words = re.split(r"[^0-9a-z]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", str(text)).casefold())
    return "".join(_ABBREVIATIONS.get(w, w) for w in words)


@cache
def _known_names() -> dict[str, str]:
    """Squeezed name -> contract column, from names, aliases and labels."""
    names: dict[str, str] = {}
    for column in schema.contract_columns():
        names.setdefault(_squeeze(column), column)
    for column, aliases in _ALIASES.items():
        for alias in aliases:
            names.setdefault(_squeeze(alias), column)
    labels = [i.label for i in schema.items()]
    for item in schema.items():
        if labels.count(item.label) == 1 and " " in item.label.strip():
            names.setdefault(_squeeze(item.label), item.column)  # "Science club"
    for block in schema.blocks():
        prefix = block.columns[0].split("_")[0]
        for item in block.items:
            for head in (block.key, prefix, block.label):
                for tail in filter(None, (item.label, item.subject)):
                    names.setdefault(_squeeze(f"{head} {tail}"), item.column)
    return names


def guess_contract_column(name: str) -> str | None:
    """The contract column a file's column name most likely means, or None.

    Compared ignoring case, spaces and punctuation: the contract's names
    (``"Enjoy Maths"`` -> ``enjoy_maths``), common names of the identifier and
    group columns (``"Pupil Ref"`` -> ``pupil_id``, ``"Sex"`` -> ``gender``), and
    block + item labels from ``survey.yml`` (``"Fav Design and technology"`` ->
    ``favourite_design_technology``).

    >>> guess_contract_column("Enjoy Maths"), guess_contract_column("PupilID")
    ('enjoy_maths', 'pupil_id')
    """
    return _known_names().get(_squeeze(name))
