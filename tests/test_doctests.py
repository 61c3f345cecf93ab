"""The examples in circle's docstrings run as tests (they are documentation a reader may copy)."""

import doctest
import importlib
import pkgutil

import pytest

import circle

MODULES = sorted(m.name for m in pkgutil.walk_packages(circle.__path__, "circle.") if not m.name.endswith("__main__"))


def _with_examples() -> list[str]:
    finder = doctest.DocTestFinder()
    found = []
    for name in MODULES:
        module = importlib.import_module(name)
        if any(test.examples for test in finder.find(module, name)):
            found.append(name)
    return found


@pytest.mark.parametrize("name", _with_examples())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"


def test_the_package_has_examples_to_run():
    assert len(_with_examples()) >= 10
