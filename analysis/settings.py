"""Every environment setting the project reads, in one place.

========================  ==============================================================
``KS3_SURVEY_FILES``      survey files the dashboards show, separated by ``os.pathsep``
                          (default: the synthetic sample, :data:`SAMPLE_FILES`)
``KS3_SURVEY_CODEBOOK``   the codebook of those files (optional)
``KS3_BUNDLE``            a publication bundle (a folder) to show instead of survey files
``KS3_STORE``             the SQLite file of plans and reviews (``~/.ks3/store.sqlite``)
``KS3_PUBLICATIONS``      the ledger of publications (``~/.ks3/publications.json``)
``KS3_HUB_DIR``           a network hub's folder, for a member's own server
``KS3_HUB_PROXY``         the hub's configurable-http-proxy program
``KS3_VISITS``            where each visitor's uploaded files are kept for the visit
                          (``~/.ks3/visits``)
``KS3_VISIT_HOURS``       how long kept files stay after their visitor last used them,
                          in hours (default 24)
``KS3_FRAMEWORK``         the STEM Manager's framework file, a network's own (default:
                          the project's, ``analysis/manager/framework.yml``)
========================  ==============================================================

Each is read when asked for (never at import), so a test or a server can set it.

>>> bundle({"KS3_BUNDLE": "  site/bundle "})
'site/bundle'
>>> bundle({}) is None
True
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SURVEY_FILES = "KS3_SURVEY_FILES"
SURVEY_CODEBOOK = "KS3_SURVEY_CODEBOOK"
BUNDLE = "KS3_BUNDLE"
STORE = "KS3_STORE"
PUBLICATIONS = "KS3_PUBLICATIONS"
HUB_DIR = "KS3_HUB_DIR"
HUB_PROXY = "KS3_HUB_PROXY"
VISITS = "KS3_VISITS"
VISIT_HOURS = "KS3_VISIT_HOURS"
#: Hours a visitor's kept files stay after their last use, unless ``KS3_VISIT_HOURS`` says.
DEFAULT_VISIT_HOURS = 24.0
FRAMEWORK = "KS3_FRAMEWORK"

#: The repository root, found from this package (never from the working directory).
ROOT = Path(__file__).resolve().parents[1]
#: The synthetic sample the dashboards show when no files are named.
SAMPLE_FILES: tuple[Path, ...] = (
    ROOT / "data" / "sample" / "ks3_survey_wave1_2008.csv",
    ROOT / "data" / "sample" / "ks3_survey_wave2_2010.csv",
)


def named(variable: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The setting's value, stripped; ``None`` when it is unset or blank."""
    environ = os.environ if environ is None else environ
    return environ.get(variable, "").strip() or None


def bundle(environ: Mapping[str, str] | None = None) -> str | None:
    """The publication bundle the dashboards show (``KS3_BUNDLE``), if any."""
    return named(BUNDLE, environ)


@dataclass(frozen=True)
class DataSource:
    """The files a dashboard reads and whether they are the synthetic sample."""

    files: tuple[Path, ...]
    codebook: Path | None
    is_sample: bool


def data_source(environ: Mapping[str, str] | None = None) -> DataSource:
    """The files named by ``KS3_SURVEY_FILES`` / ``KS3_SURVEY_CODEBOOK``, else the sample."""
    files = [p.strip() for p in (named(SURVEY_FILES, environ) or "").split(os.pathsep) if p.strip()]
    codebook = named(SURVEY_CODEBOOK, environ)
    if not files:
        return DataSource(SAMPLE_FILES, Path(codebook) if codebook else None, True)
    return DataSource(
        tuple(Path(p).expanduser() for p in files),
        Path(codebook).expanduser() if codebook else None,
        False,
    )


def _path_or_home(variable: str, *default: str, environ: Mapping[str, str] | None = None) -> Path:
    value = named(variable, environ)
    return Path(value).expanduser() if value else Path.home().joinpath(*default)


def visits_path(environ: Mapping[str, str] | None = None) -> Path:
    """The folder of every visitor's kept files: ``KS3_VISITS`` or ``~/.ks3/visits``."""
    return _path_or_home(VISITS, ".ks3", "visits", environ=environ)


def visit_hours(environ: Mapping[str, str] | None = None) -> float:
    """How long a visitor's kept files stay after their last use, in hours
    (``KS3_VISIT_HOURS``, default :data:`DEFAULT_VISIT_HOURS`).

    >>> visit_hours({"KS3_VISIT_HOURS": "2.5"}), visit_hours({})
    (2.5, 24.0)
    >>> visit_hours({"KS3_VISIT_HOURS": "a day"})
    Traceback (most recent call last):
    ...
    ValueError: KS3_VISIT_HOURS is 'a day': give a number of hours above 0, e.g. 24
    """
    value = named(VISIT_HOURS, environ)
    if value is None:
        return DEFAULT_VISIT_HOURS
    try:
        hours = float(value)
    except ValueError:
        hours = float("nan")
    if not hours > 0 or hours == float("inf"):
        raise ValueError(f"{VISIT_HOURS} is {value!r}: give a number of hours above 0, e.g. 24")
    return hours


def framework_file(environ: Mapping[str, str] | None = None) -> Path | None:
    """A network's own STEM Manager framework (``KS3_FRAMEWORK``), if one is named."""
    value = named(FRAMEWORK, environ)
    return Path(value).expanduser() if value else None


def store_path() -> Path:
    """The store's file: ``KS3_STORE`` or ``~/.ks3/store.sqlite``."""
    return _path_or_home(STORE, ".ks3", "store.sqlite")


def ledger_path() -> Path:
    """The ledger of publications: ``KS3_PUBLICATIONS`` or ``~/.ks3/publications.json``."""
    return _path_or_home(PUBLICATIONS, ".ks3", "publications.json")
