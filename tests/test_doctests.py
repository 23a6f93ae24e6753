"""The docstring examples (``>>>``) of ``analysis`` and ``dashboards`` run, so they stay true.

One test per module that has examples; a failing example prints what it
expected and what it got.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import analysis
import dashboards


def modules_with_examples() -> list[str]:
    names = []
    for package in (analysis, dashboards):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            spec = importlib.util.find_spec(info.name)
            if spec.origin and ">>>" in Path(spec.origin).read_text(encoding="utf-8"):
                names.append(info.name)
    return sorted(names)


def test_examples_are_found():
    """The finder sees the modules known to have examples (it cannot pass by finding none)."""
    assert {"analysis.settings", "analysis.codebook", "analysis.store"} <= set(
        modules_with_examples()
    )


@pytest.mark.parametrize("name", modules_with_examples())
def test_docstring_examples_hold(name, capsys):
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner()
    for test in doctest.DocTestFinder().find(module, name):
        runner.run(test)
    failed, attempted = runner.summarize(verbose=False)
    report = capsys.readouterr().out
    assert failed == 0, report
