"""Analysis of the KS3 STEM attitude surveys (STEM Careers Awareness Timeline).

Modules
-------
schema      the survey's columns, codes and labels (read from ``survey.yml``)
errors      the exception a person sees when a file is wrong
synthetic   the seeded generator of the synthetic sample in ``data/sample/``
"""

__version__ = "0.1.0"
