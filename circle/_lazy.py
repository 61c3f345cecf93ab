"""Names a package exports but imports only when first used (PEP 562), so importing the package stays cheap.

Examples
--------
In a package's ``__init__.py``::

    __getattr__, __dir__ = lazy_names(__name__, {"Study": "circle.study.folder"})
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(package: str, public: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return the ``__getattr__`` and ``__dir__`` of ``package`` for names defined in other modules.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    public : mapping of str to str
        Each name, and the module that defines it (imported when the name is first used, then kept in the
        package's namespace so the next use costs nothing).
    """

    def attribute(name: str) -> Any:
        if name in public:
            value = getattr(importlib.import_module(public[name]), name)
            setattr(sys.modules[package], name, value)
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def names() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(public))

    return attribute, names
