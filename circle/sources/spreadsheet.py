"""Reading an ``.xlsx`` sheet with bounded time and memory, after checking what it declares.

An ``.xlsx`` file is a zip of XML. A few hundred kilobytes can unpack to
hundreds of thousands of rows (a zip bomb), and a parser only learns so
after reading them all. :func:`check_xlsx` therefore looks before anything
is parsed, from the zip's directory and the first bytes of the sheet:

* the number of members, each member's and the total uncompressed size,
  and how much each large member is compressed;
* the first sheet's declared ``<dimension ref="A1:D300000"/>`` against the
  row, column and cell limits;
* the ``<row`` and ``<c`` tags the sheet's XML holds, counted as bytes
  while it is unpacked (never parsed), against the same limits.

It takes well under a second for any file the size limits let through. :func:`read_xlsx` then reads
the first sheet in openpyxl's streaming (read-only) mode, stored values only
(formulas are never evaluated), and stops at the row and cell limits and at
a time limit, so a sheet that declares no dimension, or a false one, is
refused as soon as it goes past them.
"""

from __future__ import annotations

import math
import posixpath
import re
import time
import zipfile
from pathlib import Path

import pandas as pd

from circle.errors import InputDataError

#: At most this many bytes once unpacked (all members together, and any one of them).
MAX_UNPACKED_BYTES = 100_000_000
#: At most this many bytes of shared strings (they are all held in memory while the sheet is read).
MAX_STRINGS_BYTES = 40_000_000
#: the most a workbook's styles may unpack to: openpyxl parses them all before a row is read (a sheet of a few
#: hundred styles is well under 1 MB; 1.2 million fonts, 86 MB, took 42 s and 2.6 GB)
MAX_STYLES_BYTES = 10_000_000
#: A member larger than :data:`RATIO_FROM_BYTES` unpacked may be at most this many times its packed size.
MAX_RATIO = 100.0
RATIO_FROM_BYTES = 1_000_000
#: At most this many members in the zip (a workbook has a dozen or so).
MAX_MEMBERS = 2_000
#: At most this many columns and cells in the sheet.
MAX_COLUMNS = 200
MAX_CELLS = 4_000_000
#: Reading the sheet stops after this many seconds.
TIME_LIMIT_S = 90.0
#: How much of the sheet's XML is read to find its ``<dimension>`` (it comes before the data).
HEAD_BYTES = 65_536

_ADVICE = "Save the sheet as CSV, or split it, and import that."
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref\s*=\s*[\"']([A-Za-z0-9:$]+)[\"']")
_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")
_ROOT = re.compile(rb"<(\w+:)?worksheet\b")
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\b\w+:id\s*=\s*[\"']([^\"']+)[\"']")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(rb"\b(Id|Target)\s*=\s*[\"']([^\"']+)[\"']")


def check_xlsx(path: Path, what: str, max_rows: int) -> None:
    """Refuse an ``.xlsx`` file whose sizes, declared dimension or rows are past the limits, without parsing it.

    Parameters
    ----------
    path : pathlib.Path
        The file (already known to start like a zip).
    what : str
        How to name it in messages (``"facility table list.xlsx"``).
    max_rows : int
        The most data rows allowed (the heading row comes on top).

    Raises
    ------
    InputDataError
        When the zip is unreadable, holds too many members, unpacks past
        :data:`MAX_UNPACKED_BYTES` (its shared strings past
        :data:`MAX_STRINGS_BYTES`, its styles past :data:`MAX_STYLES_BYTES`), a large member is compressed more than
        :data:`MAX_RATIO` times, or the first sheet declares or holds more
        rows, columns or cells than allowed.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise InputDataError(f"{what} holds {len(members):,} files inside; a workbook has a few. {_ADVICE}")
            total = 0
            for member in members:
                total += member.file_size
                limit = MAX_UNPACKED_BYTES
                if member.filename.endswith("sharedStrings.xml"):
                    limit = MAX_STRINGS_BYTES
                elif member.filename.endswith("styles.xml"):
                    limit = MAX_STYLES_BYTES
                if member.file_size > limit or total > MAX_UNPACKED_BYTES:
                    raise InputDataError(
                        f"{what} unpacks to more than {limit / 1e6:,.0f} MB ({member.filename}: "
                        f"{member.file_size / 1e6:,.1f} MB); it is not a facility list a sheet can hold. {_ADVICE}"
                    )
                if member.file_size > RATIO_FROM_BYTES and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                    raise InputDataError(
                        f"{what} is compressed {member.file_size / max(member.compress_size, 1):,.0f} times "
                        f"({member.filename}), as zip bombs are, not as spreadsheets are. {_ADVICE}"
                    )
            sheet = _first_sheet(archive)
            if sheet is None:
                return  # no sheet: openpyxl says so in its own words
            with archive.open(sheet) as stream:
                head = stream.read(HEAD_BYTES)
                _check_dimension(head, what, max_rows)
                rows, cells = _count(stream, head)
    except InputDataError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, KeyError, ValueError, RuntimeError) as error:
        raise InputDataError(f"{what} is not a readable .xlsx file ({error}). {_ADVICE}") from error
    if rows > max_rows + 1 or cells > MAX_CELLS:
        raise InputDataError(
            f"{what} holds {rows - 1:,} rows and {cells:,} cells; at most {max_rows:,} rows and {MAX_CELLS:,} "
            f"cells are read. {_ADVICE}"
        )


def _check_dimension(head: bytes, what: str, max_rows: int) -> None:
    """Refuse a sheet whose ``<dimension>`` (in the first bytes of its XML) is past the limits."""
    data = _DATA.search(head)
    found = _DIMENSION.search(head[: data.start()] if data else head)
    if found is None:
        return  # no dimension declared: the rows are counted instead
    ref = found.group(1).decode("ascii")
    rows, columns = _extent(ref)
    if rows > max_rows + 1 or columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
        raise InputDataError(
            f"{what} declares {rows:,} rows and {columns:,} columns ({ref}); at most {max_rows:,} rows, "
            f"{MAX_COLUMNS} columns and {MAX_CELLS:,} cells are read. {_ADVICE}"
        )


def _count(stream, head: bytes) -> tuple[int, int]:
    """Count the ``<row`` and ``<c`` tags of a sheet's XML, streamed from after ``head`` (no parsing).

    Counting bytes is some 30 times faster than parsing, so a sheet of any
    size allowed is counted within a second. The tags carry the root
    element's namespace prefix, if it has one (``<x:row>``).
    """
    root = _ROOT.search(head)
    prefix = (root.group(1) if root else None) or b""
    row, cell, closed = b"<" + prefix + b"row", b"<" + prefix + b"c ", b"<" + prefix + b"c>"
    rows = cells = 0
    row_tail = cell_tail = b""
    chunk = head
    while chunk:
        # a tag cut by the chunk's end is counted whole the next time, and never twice
        text = row_tail + chunk
        rows += text.count(row)
        row_tail = text[-(len(row) - 1) :]
        text = cell_tail + chunk
        cells += text.count(cell) + text.count(closed)
        cell_tail = text[-(len(cell) - 1) :]
        chunk = stream.read(1 << 20)
    return rows, cells


def read_xlsx(path: Path, what: str, max_rows: int, time_limit_s: float = TIME_LIMIT_S) -> pd.DataFrame:
    """Read the first sheet as text, the first row as headings, within the row, cell and time limits.

    Values are those stored in the file (a formula's last computed value,
    never the formula); numbers become text as :func:`pandas.read_excel`
    with ``dtype=str`` writes them (``3`` for a whole number, ``104.06``),
    empty cells are missing, and unnamed or repeated headings are named
    ``Unnamed: 3`` and ``name.1`` as pandas names them.

    Raises
    ------
    InputDataError
        When the file fails :func:`check_xlsx`, holds more than ``max_rows``
        rows, :data:`MAX_COLUMNS` columns or :data:`MAX_CELLS` cells, or takes
        longer than ``time_limit_s`` to read.
    """
    import openpyxl  # loaded only for an .xlsx sheet: 50 ms

    check_xlsx(path, what, max_rows)
    started = time.monotonic()
    book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise InputDataError(f"{what} holds no sheet.")
        # read-only openpyxl trusts the declared dimension and would cut a sheet that understates it;
        # the limits above and below bound the sheet instead
        sheet.reset_dimensions()
        rows: list[list] = []
        cells = 0
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = list(row)
            while values and values[-1] in (None, ""):
                values.pop()
            if len(values) > MAX_COLUMNS:
                raise InputDataError(f"{what} has {len(values):,} columns in row {number}; at most {MAX_COLUMNS}.")
            if len(rows) > max_rows:
                raise InputDataError(f"{what} has more than {max_rows:,} rows; split it. {_ADVICE}")
            cells += len(values)
            if cells > MAX_CELLS:
                raise InputDataError(f"{what} has more than {MAX_CELLS:,} cells; at most that many are read. {_ADVICE}")
            if number % 1000 == 0 and time.monotonic() - started > time_limit_s:
                raise InputDataError(
                    f"{what} took more than {time_limit_s:g} s to read (row {number:,}); it is too large for a "
                    f"sheet import. {_ADVICE}"
                )
            rows.append(values)
    finally:
        book.close()
    while rows and not rows[-1]:
        rows.pop()
    if not rows:
        return pd.DataFrame()
    width = max(len(r) for r in rows)
    header = _headings(rows[0] + [None] * (width - len(rows[0])))
    body = [[_text(v) for v in r] + [None] * (width - len(r)) for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=object)


def _first_sheet(archive: zipfile.ZipFile) -> str | None:
    """Return the zip member of the workbook's first sheet (as openpyxl would read it), or ``None``."""
    names = set(archive.namelist())
    try:
        workbook = archive.read("xl/workbook.xml")
        relations = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        fallback = sorted(n for n in names if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n))
        return fallback[0] if fallback else None
    sheets = _SHEET.search(workbook)
    if sheets is None:
        return None
    wanted = sheets.group(1)
    for tag in _RELATIONSHIP.findall(relations):
        attributes = {k.decode(): v.decode("utf-8", "replace") for k, v in _ATTRIBUTE.findall(tag)}
        if attributes.get("Id") == wanted.decode("utf-8", "replace") and "Target" in attributes:
            target = attributes["Target"]
            member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            return member if member in names else None
    return None


def _extent(ref: str) -> tuple[int, int]:
    """Return the (rows, columns) a ``dimension`` reference spans (``A1:D300000`` → 300000, 4)."""
    corners = [_CELL.match(part) for part in ref.split(":")]
    if not all(corners):
        return 0, 0  # an odd reference says nothing; the read's own limits hold
    rows = [int(c.group(2)) for c in corners]
    columns = [_column_number(c.group(1)) for c in corners]
    return max(rows) - min(rows) + 1, max(columns) - min(columns) + 1


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _text(value) -> str | None:
    """Return a cell's value as :func:`pandas.read_excel` with ``dtype=str`` writes it (``None`` when empty)."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, str):
        return value
    return str(value)


def _headings(values: list) -> list[str]:
    """Name the columns as pandas does: ``Unnamed: N`` for a blank heading, ``name.1`` for a repeated one."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for position, value in enumerate(values):
        name = f"Unnamed: {position}" if _text(value) is None else _text(value)
        if name in seen:
            count = seen[name]
            while f"{name}.{count}" in seen:
                count += 1
            seen[name] = count + 1
            name = f"{name}.{count}"
        seen.setdefault(name, 1)
        out.append(name)
    return out
