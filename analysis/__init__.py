"""Analysis of the KS3 STEM attitude surveys (STEM Careers Awareness Timeline).

Modules
-------
schema      the survey's columns, codes and labels (read from ``survey.yml``)
errors      the exception a person sees when a file is wrong
load        read, map, check and combine survey files (load_survey, Survey)
codebook    codebook YAML: map a researcher's export onto the survey layout
validate    the data contract's checks and the survey's dtypes
privacy     refuse files with pupil-identifying columns
measures    survey measures in one tidy shape
stats       shares, gaps and changes with school-clustered standard errors
disclosure  what may be shown: primary and secondary suppression
figures     plotly figures (no widgets)
synthetic   the seeded generator of the synthetic sample in ``data/sample/``
settings    every environment setting (``KS3_*``) the project reads
"""

import importlib

from .errors import IdentifyingDataError, Problem, SurveyDataError

__version__ = "0.1.0"
__all__ = ["IdentifyingDataError", "Problem", "Survey", "SurveyDataError", "load_survey"]


def __getattr__(name: str):
    """``Survey``, ``load_survey`` and the modules, imported when first used: a light
    user (``analysis.settings``, the server's process) does not load pandas."""
    if name in ("Survey", "load_survey"):
        from . import load

        return getattr(load, name)
    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{name}":
            raise  # the module exists but needs something missing
        raise AttributeError(f"module 'analysis' has no attribute {name!r}") from None
