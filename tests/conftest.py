"""Test-wide settings.

Property-based tests explore new random cases on every local run (that is how
they find bugs), but CI must give the same answer for the same commit: under
``CI=true`` hypothesis draws a fixed sequence of examples. A failure found
locally is saved in ``.hypothesis/`` and replayed first next time.
"""

import atexit
import os
import shutil
import tempfile

from hypothesis import settings

# Publishing records which population of each survey was published (a ledger in the
# home folder by default): the tests keep theirs apart from the person's own, and
# every process they start (the command line, Voilà) inherits it.
_LEDGER_DIR = tempfile.mkdtemp(prefix="ks3-test-ledger-")
atexit.register(shutil.rmtree, _LEDGER_DIR, ignore_errors=True)
os.environ["KS3_PUBLICATIONS"] = os.path.join(_LEDGER_DIR, "publications.json")
# Files a visitor uploads are kept for their visit (dashboards.visit), in the home folder
# by default: the tests' pages keep theirs in the same temporary folder.
os.environ["KS3_VISITS"] = os.path.join(_LEDGER_DIR, "visits")

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")
