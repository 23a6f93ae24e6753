"""A publication bundle's manifest: the names and format :mod:`analysis.publish`
writes, and the one reader that checks it (:func:`read_manifest`).

Kept apart from :mod:`analysis.publish` and :mod:`dashboards.bundle` so that the
published server can check a bundle before it starts without loading pandas.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from .errors import Problem, SurveyDataError

FORMAT = "ks3-stem-publication"
BUNDLE_VERSION = 1
MANIFEST = "manifest.json"
SHARES = "shares.csv"
COMPARISONS = "comparisons.csv"
SCHOOL = "school.csv"
#: The breakdown of ``school.csv``: a school's own figures by wave and year group.
SCHOOL_BREAKDOWN: tuple[str, ...] = ("wave", "year_group")
#: What to do when a bundle cannot be used.
FIX = (
    "Make the bundle again with `python -m analysis publish FILE... --out DIR` and "
    "point KS3_BUNDLE at that folder."
)


def breakdown_name(by: Iterable[str]) -> str:
    """The ``breakdown`` value of a table by ``by``: ``"wave × gender"``, ``"all pupils"``."""
    return " × ".join(by) or "all pupils"


def sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(path: str | Path) -> dict:
    """The bundle's ``manifest.json``, read and checked: its format and version,
    the disclosure rules, the files it lists. The one reader of a manifest for
    those who show a bundle (:class:`dashboards.bundle.BundleResults`, which then
    checks the files' hashes; the published server; a network's hub).

    Raises
    ------
    analysis.errors.SurveyDataError
        The folder or its manifest cannot be used; the message names the file
        and says what to do.
    """
    path = Path(path)

    def problem(name: str, what: str, todo: str = FIX) -> SurveyDataError:
        return SurveyDataError(Problem(file=str(path / name), what=what, todo=todo))

    name = MANIFEST
    if not path.is_dir():
        raise SurveyDataError(
            Problem(
                file=str(path),
                what="is not a folder (no such folder): no publication bundle here.",
                todo="Give the folder written by `python -m analysis publish` (in KS3_BUNDLE, "
                "or to the server's --publish).",
            )
        )
    try:
        manifest = json.loads((path / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise problem(
            name,
            "is missing: this folder is not a publication bundle.",
            "Set KS3_BUNDLE to the folder written by `python -m analysis publish`.",
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise problem(name, f"cannot be read as JSON ({err}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise problem(
            name, f"is not a publication bundle's manifest (its format is not {FORMAT!r})."
        )
    version = manifest.get("bundle_version")
    if version != BUNDLE_VERSION:
        raise problem(
            name, f"is bundle version {version!r}; these dashboards read version {BUNDLE_VERSION}."
        )
    missing = [
        k for k in ("rules", "files", "title", "source", "blocks", "created") if k not in manifest
    ]
    rules = manifest.get("rules")
    if not missing and not (
        isinstance(rules, dict)
        and all(
            isinstance(rules.get(k), (int, float)) for k in ("min_count", "min_base", "min_schools")
        )
    ):
        missing.append("rules.min_count/min_base/min_schools")
    if not missing and not isinstance(manifest["files"], dict):
        missing.append("files")
    if missing:
        raise problem(name, f"lacks or has a wrong {', '.join(missing)}.")
    needed = [SHARES, COMPARISONS]
    if manifest.get("school"):
        if not isinstance(manifest["school"], dict) or "label" not in manifest["school"]:
            raise problem(name, "names a school without its label.")
        needed.append(SCHOOL)
    unlisted = [n for n in needed if n not in manifest["files"]]
    if unlisted:
        raise problem(name, f"does not list {', '.join(unlisted)}.")
    return manifest
