"""Statistical disclosure control (moved here from analysis/disclosure.py; being split by topic)."""

from .audit import *  # noqa: F403
