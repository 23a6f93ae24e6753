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
"""

from .errors import IdentifyingDataError, Problem, SurveyDataError
from .load import Survey, load_survey

__version__ = "0.1.0"
__all__ = ["IdentifyingDataError", "Problem", "Survey", "SurveyDataError", "load_survey"]
