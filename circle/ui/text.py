"""Text from data made safe for Streamlit's markdown: no HTML, no links, no images, no formatting."""

from __future__ import annotations

import html
import re

import pandas as pd

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>:])")


def md(value) -> str:
    """Return a value from data (a name, a file name, a label) as plain text inside markdown.

    HTML is escaped and every markdown special character is backslash-escaped,
    so ``![x](http://…)`` shows as text instead of loading an image, and
    ``<b>`` shows as ``<b>``.
    """
    text = html.escape("" if value is None else str(value), quote=False)
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Return a table as UTF-8 CSV (with BOM, so Excel reads Chinese) that spreadsheets will not execute.

    A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return would be read as a formula by Excel or LibreOffice (CSV injection);
    such cells get a leading apostrophe. Numbers are untouched.
    """
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v
            )
    return safe.to_csv(index=False).encode("utf-8-sig")
