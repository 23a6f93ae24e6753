"""The survey's columns, codes and labels, read from ``survey.yml``.

Every other module asks this one what the survey contains; none keeps a list
of items of its own. The canonical (contract) layout is:

* identifiers: ``pupil_id``, ``school_id``;
* groups: ``wave``, ``year_group``, ``gender``, ``ethnicity``;
* optional ``weight``;
* question blocks, each a set of items (binary, four-point agreement, or one
  categorical column).

Examples
--------
>>> from analysis import schema
>>> schema.block("enjoy").items[1].column
'enjoy_maths'
>>> schema.item("trip_science").label
'Science trip'
>>> schema.REQUIRED_COLUMNS
('pupil_id', 'school_id', 'wave', 'year_group')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Literal

import pandas as pd
import yaml

Scale = Literal["binary", "agreement", "categorical"]

ID_COLUMNS: tuple[str, ...] = ("pupil_id", "school_id")
GROUP_COLUMNS: tuple[str, ...] = ("wave", "year_group", "gender", "ethnicity")
REQUIRED_COLUMNS: tuple[str, ...] = ("pupil_id", "school_id", "wave", "year_group")
WEIGHT_COLUMN = "weight"


@dataclass(frozen=True)
class Item:
    """One question item: one column of the contract."""

    column: str
    block: str
    label: str
    scale: Scale
    subject: str | None = None
    stem: bool = False


@dataclass(frozen=True)
class Block:
    """A question block: items asked together, sharing one scale."""

    key: str
    section: str
    label: str
    question: str
    scale: Scale
    items: tuple[Item, ...]
    categories: dict[str, str] = field(default_factory=dict)
    max_ticks: int | None = None
    short_label: str = ""  # for tight places (sheet names); the label if not given

    @property
    def short(self) -> str:
        """A short name of the block (at most 22 characters), for sheet names."""
        return self.short_label or self.label

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(i.column for i in self.items)


@dataclass(frozen=True)
class Group:
    """A grouping column (wave, year group, gender, ethnicity) and its values."""

    column: str
    label: str
    values: dict  # code -> label, in display order


@dataclass(frozen=True)
class Subject:
    key: str
    label: str
    stem: bool


@dataclass(frozen=True)
class Schema:
    groups: dict[str, Group]
    subjects: tuple[Subject, ...]
    scales: dict[str, dict]
    blocks: tuple[Block, ...]

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for b in self.blocks for i in b.items)


@cache
def _schema() -> Schema:
    text = resources.files("analysis").joinpath("survey.yml").read_text("utf-8")
    raw = yaml.safe_load(text)
    subjects = tuple(Subject(**s) for s in raw["subjects"])
    stem_subjects = {s.key for s in subjects if s.stem}
    blocks = []
    for b in raw["blocks"]:
        scale = b["scale"]
        if b.get("subjects"):
            items = tuple(
                Item(f"{b['prefix']}_{s.key}", b["key"], s.label, scale, s.key, s.stem)
                for s in subjects
            )
        elif scale == "categorical":
            items = (Item(b["column"], b["key"], b["label"], scale),)
        else:
            items = tuple(
                Item(
                    i["column"],
                    b["key"],
                    i["label"],
                    scale,
                    i.get("subject"),
                    i.get(
                        "stem",
                        i.get("subject") in stem_subjects
                        or i.get("subject") in ("technology", "engineering"),
                    ),
                )
                for i in b["items"]
            )
        blocks.append(
            Block(
                b["key"],
                b["section"],
                b["label"],
                b["question"],
                scale,
                items,
                dict(b.get("categories", {})),
                b.get("max_ticks"),
                b.get("short", ""),
            )
        )
    groups = {k: Group(k, g["label"], dict(g["values"])) for k, g in raw["groups"].items()}
    return Schema(groups, subjects, raw["scales"], tuple(blocks))


def blocks() -> tuple[Block, ...]:
    """All question blocks, in questionnaire order."""
    return _schema().blocks


def block(key: str) -> Block:
    """The block called ``key`` (``"favourite"``, ``"enjoy"``, ``"source"``…)."""
    for b in blocks():
        if b.key == key:
            return b
    raise KeyError(f"no question block {key!r}; blocks are {[b.key for b in blocks()]}")


def items() -> tuple[Item, ...]:
    """All question items, in questionnaire order."""
    return _schema().items


def item(column: str) -> Item:
    """The item stored in ``column``."""
    for i in items():
        if i.column == column:
            return i
    raise KeyError(f"{column!r} is not a question item of the survey")


def subjects() -> tuple[Subject, ...]:
    return _schema().subjects


def groups() -> dict[str, Group]:
    """Grouping columns with their codes and labels, in display order."""
    return _schema().groups


def scale_codes(scale: Scale) -> dict[int, str]:
    """Valid codes of a ``binary`` or ``agreement`` scale, with labels."""
    return dict(_schema().scales[scale]["codes"])


def positive_codes(scale: Scale) -> tuple[int, ...]:
    """Codes that count as "yes" / "agree" in a published share."""
    return tuple(_schema().scales[scale]["positive"])


def contract_columns() -> tuple[str, ...]:
    """Every column of the contract, in canonical order (weight included)."""
    return (*ID_COLUMNS, *GROUP_COLUMNS, WEIGHT_COLUMN, *(i.column for i in items()))


def dtypes() -> dict[str, object]:
    """The pandas dtype of every contract column in a validated table.

    Small nullable integers for codes (1 byte plus a 1-byte mask per value),
    categoricals for strings with few values: about 200 bytes per pupil for
    the whole questionnaire.
    """
    g = groups()
    out: dict[str, object] = {
        "pupil_id": pd.StringDtype(),
        "school_id": "category",
        "wave": pd.Int8Dtype(),
        "year_group": pd.Int8Dtype(),
        "gender": pd.CategoricalDtype(list(g["gender"].values)),
        "ethnicity": pd.CategoricalDtype(list(g["ethnicity"].values)),
        WEIGHT_COLUMN: pd.Float64Dtype(),
    }
    for b in blocks():
        for i in b.items:
            out[i.column] = (
                pd.CategoricalDtype(list(b.categories))
                if b.scale == "categorical"
                else pd.Int8Dtype()
            )
    return out
