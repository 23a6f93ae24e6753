"""Test-wide settings.

Property-based tests explore new random cases on every local run (that is how
they find bugs), but CI must give the same answer for the same commit: under
``CI=true`` hypothesis draws a fixed sequence of examples. A failure found
locally is saved in ``.hypothesis/`` and replayed first next time.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")
