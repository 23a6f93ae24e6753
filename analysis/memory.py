"""Memory freed by a step given back to the operating system, so it does not count in
the peak of every step after it (:mod:`analysis.load` after reading files,
:class:`analysis.measures.SurveyAggregates` after each block of ``all_measures``)."""

from __future__ import annotations


def give_back_memory() -> None:
    """Return memory freed while reading to the operating system.

    Parsing a large file leaves hundreds of MB freed but still held by the
    process (glibc's heap, pyarrow's pool): 0.5 GiB after the 1,000,000-pupil
    CSV. Large arrays made later are mapped afresh, not from that heap, so it
    would count in the peak of everything after loading. Where the C library
    has no ``malloc_trim`` (not glibc) nothing happens."""
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except Exception:  # noqa: BLE001 - pyarrow missing or without the call
        pass
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
