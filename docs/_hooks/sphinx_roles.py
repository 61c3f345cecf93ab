"""A griffe extension for the API reference: Sphinx roles in the docstrings become cross-references.

circle's docstrings name other objects the Sphinx way (:mod:`circle.study.folder`, :class:`Study`,
:func:`~circle.study.write_study`). mkdocstrings does not read roles, so without this they print as
``:mod:`` followed by code. Each role becomes an *optional* autorefs link: a link where the target is on a
reference page, plain code where it is not (a private module, say), and never a build warning.
"""

from __future__ import annotations

import html
import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:mod|class|func|meth|attr|data|exc|obj|const):`(?P<target>[^`]+)`")


def _cross_reference(obj: griffe.Object, target: str) -> str:
    """Return the autorefs tag for one role's target, seen from ``obj``."""
    short = target.startswith("~")
    name = target.lstrip("~.")
    display = name.rsplit(".", 1)[-1] if short else name
    identifier = name
    if not name.startswith("circle."):
        try:
            identifier = obj.resolve(name.split(".", 1)[0]) + ("." + name.split(".", 1)[1] if "." in name else "")
        except (griffe.NameResolutionError, ValueError, AttributeError):
            identifier = name
    return f'<autoref identifier="{html.escape(identifier)}" optional><code>{html.escape(display)}</code></autoref>'


class SphinxRoles(griffe.Extension):
    """Rewrite ``:role:`target``` in every docstring as an optional cross-reference."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Rewrite the roles of one object's docstring, once the whole tree is known."""
        if obj.docstring is None or ":" not in obj.docstring.value:
            return
        obj.docstring.value = ROLE.sub(lambda match: _cross_reference(obj, match["target"]), obj.docstring.value)
