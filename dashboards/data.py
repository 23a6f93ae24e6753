"""Which survey data the dashboards show, loaded once per kernel.

By default the dashboards show the synthetic sample in ``data/sample/``. To show
your own files, set two environment variables before starting Voilà:

``KS3_SURVEY_FILES``
    the survey files, one per wave, separated by ``os.pathsep`` (``:`` on
    Linux and macOS, ``;`` on Windows);
``KS3_SURVEY_CODEBOOK``
    optional: the codebook mapping your columns and codes onto the survey's.

Or show a publication bundle instead: ``KS3_BUNDLE`` names its folder. Every
variable is defined in :mod:`analysis.settings`.

Every dashboard calls :func:`current` (the results it shows: the bundle's, or the
survey's); the first call of :func:`survey` in a kernel reads the files through
:func:`analysis.load.load_survey`, later calls return the same object.
"""

from __future__ import annotations

from analysis import settings
from analysis.settings import ROOT, SAMPLE_FILES, DataSource, data_source

from .results import LiveResults, Results

FILES_VARIABLE = settings.SURVEY_FILES
CODEBOOK_VARIABLE = settings.SURVEY_CODEBOOK
__all__ = [
    "CODEBOOK_VARIABLE",
    "FILES_VARIABLE",
    "ROOT",
    "SAMPLE_FILES",
    "DataSource",
    "current",
    "data_source",
    "published",
    "survey",
]


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
        _loaded[source] = load_survey(
            [str(p) for p in source.files],
            codebook=str(source.codebook) if source.codebook else None,
        )
    return _loaded[source]


_current: dict[str, Results] = {}


def current() -> Results:
    """The results the server shows, made once per kernel.

    ``KS3_BUNDLE`` set: the publication bundle it names
    (:class:`dashboards.bundle.BundleResults`). Otherwise the survey of
    :func:`survey` (the sample, or ``KS3_SURVEY_FILES``).

    Raises
    ------
    analysis.errors.SurveyDataError
        The files or the bundle cannot be used; the message says why.
    """
    bundle = settings.bundle() or ""
    if bundle:
        return published(bundle)
    if "survey" not in _current:
        _current["survey"] = LiveResults(survey())
    return _current["survey"]


def published(path) -> Results:
    """The publication bundle in folder ``path``, opened and checked once per kernel
    (:class:`dashboards.bundle.BundleResults`; its errors as :func:`current`'s)."""
    from .bundle import BundleResults

    key = f"bundle:{path}"
    if key not in _current:
        _current[key] = BundleResults(path)
    return _current[key]
