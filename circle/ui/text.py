"""Text from data made safe for Streamlit's markdown (no HTML, links, images, formatting) and for CSV downloads."""

from __future__ import annotations

import html
import re

from circle.exports import FORMULA_STARTS, csv_bytes  # the app's CSV downloads neutralise formulas there

__all__ = ["FORMULA_STARTS", "csv_bytes", "md"]

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>:])")


def md(value) -> str:
    """Return a value from data (a name, a file name, a label) as plain text inside markdown.

    HTML is escaped and every markdown special character is backslash-escaped,
    so ``![x](http://…)`` shows as text instead of loading an image, and
    ``<b>`` shows as ``<b>``.
    """
    text = html.escape("" if value is None else str(value), quote=False)
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)
