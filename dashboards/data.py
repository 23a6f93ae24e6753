"""Which survey data the dashboards show, loaded once per kernel.

By default the dashboards show the synthetic sample in ``data/sample/``. To show
your own files, set two environment variables before starting Voilà:

``KS3_SURVEY_FILES``
    the survey files, one per wave, separated by ``os.pathsep`` (``:`` on
    Linux and macOS, ``;`` on Windows);
``KS3_SURVEY_CODEBOOK``
    optional: the codebook mapping your columns and codes onto the survey's.

Every dashboard calls :func:`survey`; the first call in a kernel reads the files
through :func:`analysis.load.load_survey`, later calls return the same object.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: The repository root, found from this package (never from the working directory).
ROOT = Path(__file__).resolve().parents[1]
SAMPLE_FILES: tuple[Path, ...] = (
    ROOT / "data" / "sample" / "ks3_survey_wave1_2008.csv",
    ROOT / "data" / "sample" / "ks3_survey_wave2_2010.csv",
)
FILES_VARIABLE = "KS3_SURVEY_FILES"
CODEBOOK_VARIABLE = "KS3_SURVEY_CODEBOOK"


@dataclass(frozen=True)
class DataSource:
    """The files a dashboard reads and whether they are the synthetic sample."""

    files: tuple[Path, ...]
    codebook: Path | None
    is_sample: bool


def data_source(environ: Mapping[str, str] | None = None) -> DataSource:
    """The files named by ``KS3_SURVEY_FILES`` / ``KS3_SURVEY_CODEBOOK``, else the sample."""
    environ = os.environ if environ is None else environ
    named = [p.strip() for p in environ.get(FILES_VARIABLE, "").split(os.pathsep) if p.strip()]
    codebook = environ.get(CODEBOOK_VARIABLE, "").strip() or None
    if not named:
        return DataSource(SAMPLE_FILES, Path(codebook) if codebook else None, True)
    return DataSource(tuple(Path(p).expanduser() for p in named),
                      Path(codebook).expanduser() if codebook else None, False)


_loaded: dict[DataSource, object] = {}


def survey(source: DataSource | None = None):
    """The survey for ``source`` (default: :func:`data_source`), read once per kernel.

    Returns
    -------
    analysis.load.Survey
        ``table`` (contract layout), ``files``, ``notes``, ``blocks``.

    Raises
    ------
    analysis.errors.SurveyDataError
        The loader's own message: which file, column and rows, and what to do.
    """
    from analysis.load import load_survey

    source = data_source() if source is None else source
    if source not in _loaded:
        _loaded[source] = load_survey([str(p) for p in source.files],
                                      codebook=str(source.codebook) if source.codebook else None)
    return _loaded[source]

