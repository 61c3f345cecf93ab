"""Reading a facility table file into text cells: CSV or TSV, ``.xlsx``, and the map platforms' JSON answers.

Sizes are checked before anything is parsed (:func:`check_table`); a CSV is
read as UTF-8, GB18030 or Excel's UTF-16, a file with no header row gets
numbered columns, and JSON as the AMap, Baidu and Tencent APIs answer it
(or a tab-separated log of such answers) becomes one column per field
(:func:`read_json_records`). Every cell stays text: what a column means is
decided later.
"""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from circle.errors import InputDataError
from circle.sources.spreadsheet import check_xlsx, read_xlsx

#: a table is read to at most this many rows (the readers stop one row past it)
MAX_ROWS = 200_000
#: A CSV facility list may be at most this large (200,000 rows of a few hundred bytes).
MAX_TABLE_BYTES = 100_000_000
#: a cell that is empty: blank, or the ``[]`` AMap's API writes for a field it has no value of
_EMPTY_CELL = r"^\s*(\[\s*\])?\s*$"
#: a JSON export is read to at most this depth of nesting (responses, their records, and nested fields)
MAX_JSON_DEPTH = 32
#: a JSON export may be at most this large: it is decoded whole, and Python's objects take about 30 times its
#: bytes (99 MB of tiny records took 3 GB); 30 MB holds about 40,000 POIs of an AMap answer
MAX_JSON_BYTES = 30_000_000
#: a CSV may have at most this many columns (pandas spends seconds and gigabytes per 100,000; an export has dozens)
MAX_CSV_COLUMNS = 500
#: how many distinct answers of an API an error quotes
SHOWN_ANSWERS = 5
#: the record lists of the platforms' responses: AMap ``pois``, Baidu ``results``, Tencent ``data``, GeoJSON
_RECORD_LISTS = ("pois", "results", "data", "features")


def check_table(path: Path) -> None:
    """Refuse a facility table that is too large to read, in a moment and without parsing it.

    A CSV may be at most :data:`MAX_TABLE_BYTES`; an ``.xlsx`` file is
    checked by :func:`~circle.sources.spreadsheet.check_xlsx` (its unpacked
    sizes, compression and declared rows and columns). The app calls this
    before a build takes its turn, so a zip bomb never holds a build slot.

    Raises
    ------
    InputDataError
        When the file is missing or past those limits.
    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError(f"facility table {path} does not exist.")
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK\x03\x04"):
        check_xlsx(path, f"facility table {path.name}", MAX_ROWS)
    elif path.stat().st_size > MAX_TABLE_BYTES:
        raise InputDataError(
            f"facility table {path.name} is {path.stat().st_size / 1e6:,.0f} MB; at most "
            f"{MAX_TABLE_BYTES / 1e6:,.0f} MB ({MAX_ROWS:,} rows) are read. Split it."
        )


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV (UTF-8 or GB18030, as Chinese Excel exports are) or an ``.xlsx`` sheet as text.

    Sizes are checked first (:func:`check_table`); an ``.xlsx`` sheet is then
    streamed with row, cell and time limits
    (:func:`~circle.sources.spreadsheet.read_xlsx`), never whole.

    Raises
    ------
    InputDataError
        When the file is missing, of another type, unreadable, empty or past the limits.
    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError(f"facility table {path} does not exist.")
    with path.open("rb") as handle:
        head = handle.read(8)
    suffix = path.suffix.lower()
    try:
        if head.startswith(b"PK\x03\x04"):
            frame = read_xlsx(path, f"facility table {path.name}", MAX_ROWS)
        elif suffix in (".xlsx", ".xlsm", ".xls"):
            raise InputDataError(f"{path} is named like an Excel file but is not one; save it as .xlsx or .csv.")
        else:
            check_table(path)
            frame = _read_text_table(path)
    except InputDataError:
        raise
    except Exception as error:  # any parser failure becomes advice
        raise InputDataError(f"cannot read facility table {path}: {error}. Save it as UTF-8 CSV or .xlsx.") from error
    if len(frame) > MAX_ROWS:  # the readers stop one row past the limit
        raise InputDataError(f"facility table {path} has more than {MAX_ROWS:,} rows; split it.")
    how = dict(frame.attrs)
    frame.columns = distinct_headings([str(c).replace("\ufeff", "").strip() for c in frame.columns])
    frame = frame.replace(_EMPTY_CELL, np.nan, regex=True)  # AMap's API writes an empty field as []
    frame = frame.dropna(how="all")
    if frame.empty:
        raise InputDataError(f"facility table {path} has no rows.")
    frame = frame.reset_index(drop=True)
    frame.attrs.update(how)
    return frame


def distinct_headings(headings: list[str]) -> list[str]:
    """Return the headings with a repeat renamed ``type (column 8)``, so that each names one column.

    Headings that differ only in spaces or control characters around them
    (``type``, and ``type`` with a form feed after it) are one once trimmed; the first keeps the name
    and is the one read, as pandas reads the first of repeated headings.
    """
    names: list[str] = []
    taken: set[str] = set()
    for number, heading in enumerate(headings, start=1):
        name = heading
        while name in taken:  # a file may already hold a heading ``type (column 8)``
            name = f"{name} (column {number})"
        names.append(name)
        taken.add(name)
    return names


def _decoded(path: Path) -> str:
    """Return a text file's text (UTF-16 as Excel's Unicode text, UTF-8 or GB18030)."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)  # Excel's "Unicode text" export
    elif b"\x00" in raw[:4096]:
        raise InputDataError(f"{path} is a binary file, not a CSV table.")
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputDataError(f"{path} is neither UTF-8 nor GB18030 text; save it as UTF-8 CSV.")


def _read_text_table(path: Path) -> pd.DataFrame:
    """Read a CSV or TSV, or a JSON export as the platforms' APIs answer (``.json``, ``.geojson``, ``.js``)."""
    text = _decoded(path)
    # a BOM inside the text (files joined by hand) and old Mac line ends (CR alone) are neither data nor breaks
    text = text.replace("\ufeff", "")
    if "\r" in text and "\n" not in text:
        text = text.replace("\r", "\n")
    if path.suffix.lower() in (".json", ".geojson", ".js") or text.lstrip()[:1] in ("{", "["):
        if path.stat().st_size > MAX_JSON_BYTES:
            raise InputDataError(
                f"facility table {path.name} is {path.stat().st_size / 1e6:,.0f} MB of JSON; at most "
                f"{MAX_JSON_BYTES / 1e6:,.0f} MB are read (it is decoded whole). Split it, or save it as CSV."
            )
        return read_json_records(text, path, single=path.suffix.lower() == ".js")
    first_line = text[: text.find("\n")] if "\n" in text else text
    if "\t{" in first_line or '\t"{' in first_line:
        responses = _responses_in_cells(text, path)
        if responses is not None:
            return responses
    return _read_csv(text, path)


def _responses_in_cells(text: str, path: Path) -> pd.DataFrame | None:
    """Read a tab-separated log of API answers, one whole JSON response per line in a cell (as scrapers save them).

    A cell may hold the response itself, or a JSON string of it (quoted, its
    inner quotes escaped with backslashes). Returns None when no cell of
    the first line holds a response.
    """
    lines = text.splitlines()
    cells = lines[0].split("\t")
    column = next((i for i, cell in enumerate(cells) if _cell_response(cell) is not None), None)
    if column is None:
        return None
    records: list[dict[str, str]] = []
    answers: list[str] = []
    for line in lines:
        cells = line.split("\t")
        response = _cell_response(cells[column]) if len(cells) > column else None
        if response is not None:
            _collect(response, records, answers, path, 0)
        if len(records) > MAX_ROWS:
            break
    if not records:
        return None
    frame = pd.DataFrame.from_records(records[: MAX_ROWS + 1])
    frame.attrs["records"] = True
    return frame


def _cell_response(cell: str) -> dict | None:
    """Return the API response a cell holds (as JSON, or as a JSON string of JSON), or None."""
    cell = cell.strip()
    if not cell.startswith(("{", '"{')):
        return None
    try:
        value = json.loads(cell)
        if isinstance(value, str):
            value = json.loads(value)
    except (ValueError, RecursionError):
        return None
    if isinstance(value, dict) and any(isinstance(value.get(key), list) for key in _RECORD_LISTS):
        return value
    return None


def _read_csv(text: str, path: Path) -> pd.DataFrame:
    """Read CSV (or tab-separated) text as text cells; a file whose first line is data gets numbered columns."""
    head = text[: text.find("\n")] if "\n" in text else text
    widest = max(head.count(","), head.count("\t"), head.count(";"), head.count("|")) + 1
    if widest > MAX_CSV_COLUMNS:
        raise InputDataError(
            f"facility table {path.name} has {widest:,} columns in its first line; a list has a few dozen at most "
            f"(at most {MAX_CSV_COLUMNS} are read). Keep the columns you need and save it again."
        )
    sep = "\t" if path.suffix.lower() == ".tsv" else None
    frame = pd.read_csv(StringIO(text), dtype=str, sep=sep, engine="python", nrows=MAX_ROWS + 1)
    if _first_line_is_data(frame):
        frame = pd.read_csv(StringIO(text), dtype=str, sep=sep, engine="python", nrows=MAX_ROWS + 1, header=None)
        frame.columns = [f"column {i + 1}" for i in range(frame.shape[1])]
        frame.attrs["headerless"] = True
    return frame


def _first_line_is_data(frame: pd.DataFrame) -> bool:
    """Return whether the "header" holds numbers where the rows below hold numbers: a file with no header row."""
    for column in frame.columns:
        try:
            float(str(column).strip())
        except ValueError:
            continue
        values = pd.to_numeric(frame[column].dropna().head(500).str.strip(), errors="coerce")
        if len(values) and values.notna().mean() > 0.8:
            return True
    return False


def read_json_records(text: str, path: Path, single: bool = False) -> pd.DataFrame:
    """Read POIs from JSON as the platforms' APIs answer, one column per field (nested keys joined with ``.``).

    Takes an AMap v3 response (``{"status": "1", "pois": [...]}``), Baidu
    Place v2 (``results``), Tencent (``data``), a GeoJSON FeatureCollection
    of points (properties, and ``lng``/``lat`` from the geometry), a list of
    any of these or of records, and several documents written one after the
    other (which ``json.load`` refuses). Nested fields are flattened
    (``location.lat``, ``detail_info.tag``); a list of plain values is
    joined with ``|`` and an empty one (``[]``) is empty.

    Parameters
    ----------
    text : str
        The file's text.
    path : pathlib.Path
        The file (named in errors).
    single : bool
        Read one document only (an ES module ``export const x = [...]``:
        the text before its first bracket and after the value is code).

    Raises
    ------
    InputDataError
        When the text is not JSON, nests deeper than :data:`MAX_JSON_DEPTH`,
        holds more than :data:`MAX_ROWS` records or none.
    """
    decoder = json.JSONDecoder()
    start = re.search(r"[\[{]", text)
    position = start.start() if start else len(text)
    records: list[dict[str, str]] = []
    answers: list[str] = []
    while position < len(text) and len(records) <= MAX_ROWS:
        try:
            document, position = decoder.raw_decode(text, position)
        except RecursionError as error:
            raise InputDataError(
                f"facility table {path.name} nests its JSON too deeply to be a POI export; save it as CSV."
            ) from error
        except json.JSONDecodeError as error:
            raise InputDataError(
                f"facility table {path.name} is not JSON at line {error.lineno}, column {error.colno} "
                f"({error.msg}). Save the API's answers as they come, or as CSV."
            ) from error
        _collect(document, records, answers, path, 0)
        if single:
            break
        skipped = re.compile(r"[\s,;]*").match(text, position)
        position = skipped.end() if skipped else position
    if not records:
        distinct = list(dict.fromkeys(a[:200] for a in answers))
        more = f"; and {len(distinct) - SHOWN_ANSWERS:,} more" if len(distinct) > SHOWN_ANSWERS else ""
        said = f" (the answers say: {'; '.join(distinct[:SHOWN_ANSWERS])}{more})" if answers else ""
        raise InputDataError(
            f"facility table {path.name} holds no POI records{said}: expected AMap pois, Baidu results, Tencent "
            "data or GeoJSON features."
        )
    frame = pd.DataFrame.from_records(records[: MAX_ROWS + 1])
    frame.attrs["records"] = True
    return frame


def _collect(document: Any, records: list[dict[str, str]], answers: list[str], path: Path, depth: int) -> None:
    """Add the POI records of one JSON value (a response, a list of them, or records) to ``records``."""
    if depth > MAX_JSON_DEPTH:
        raise InputDataError(
            f"facility table {path.name} nests its JSON deeper than {MAX_JSON_DEPTH} levels; it is no POI export."
        )
    if isinstance(document, list):
        for item in document:
            _collect(item, records, answers, path, depth + 1)
            if len(records) > MAX_ROWS:
                return
        return
    if not isinstance(document, dict):
        return
    answer = document.get("info") or document.get("message")
    if answer:  # said when no record comes
        answers.append(f"status {document.get('status', '?')}: {answer}")
    lists = [key for key in _RECORD_LISTS if isinstance(document.get(key), list)]
    if lists:
        for item in document[lists[0]]:
            if isinstance(item, dict):
                records.append(_flattened(_geojson_record(item), path, depth + 1))
            if len(records) > MAX_ROWS:
                return
        return
    if any(key in document for key in ("name", "title", "location", "geometry")):
        records.append(_flattened(_geojson_record(document), path, depth))


def _geojson_record(item: dict) -> dict:
    """Return a GeoJSON point feature as its properties with ``lng``/``lat``; any other record as it is."""
    if item.get("type") != "Feature":
        return item
    record = dict(item.get("properties") or {})
    geometry = item.get("geometry") or {}
    if geometry.get("type") == "Point" and len(geometry.get("coordinates") or []) >= 2:
        record["lng"], record["lat"] = geometry["coordinates"][:2]
    return record


def _flattened(record: dict, path: Path, depth: int, prefix: str = "") -> dict[str, str]:
    """Return a record's fields as text, nested keys joined with ``.``."""
    if depth > MAX_JSON_DEPTH:
        raise InputDataError(
            f"facility table {path.name} nests its JSON deeper than {MAX_JSON_DEPTH} levels; it is no POI export."
        )
    flat: dict[str, str] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flattened(value, path, depth + 1, f"{name}."))
        elif isinstance(value, list):
            if all(not isinstance(v, dict | list) for v in value):
                flat[name] = "|".join("" if v is None else str(v) for v in value)
        elif value is not None:
            flat[name] = str(value)
    return flat
