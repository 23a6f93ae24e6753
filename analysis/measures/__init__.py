"""Survey measures (moved here from analysis/measures.py; being split by topic)."""

from .aggregates import *  # noqa: F403
