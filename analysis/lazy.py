"""Names of a package that are imported when first used, not when the package is.

The published server's kernels read a bundle: they need the disclosure rules and
the table shapes, never the audit's linear programmes (scipy's HiGHS) or the
estimation (scipy.stats, sparse matrices), which cost every kernel about 60 MiB and a
second or two of CPU at start (bench/README.md, "Published server under load").
:mod:`analysis.disclosure` and :mod:`analysis.measures` therefore import their light
modules at once and the heavy ones on first use of a name, through a module
``__getattr__`` (PEP 562), the pattern numpy and scipy use for their own submodules.
A name is still defined once, in its module; ``from analysis.disclosure import
protect`` works as before.

>>> import analysis.disclosure as d
>>> d.protect.__module__
'analysis.disclosure.suppression'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def on_first_use(
    package: str, namespace: dict[str, Any], names: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__`` serving ``names`` (``{name:
    submodule}``, e.g. ``{"protect": "suppression"}``): the submodule is imported the
    first time the name is asked for, and the name kept in the package's
    ``namespace`` (its ``globals()``) so later uses cost nothing."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *names})

    return __getattr__, __dir__
