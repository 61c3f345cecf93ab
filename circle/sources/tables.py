"""Facility lists from CSV or Excel, as planning bureaus hold them (often exported from AMap or Baidu).

A table has one row per facility with a name, a category and a position:
longitude/latitude in WGS-84, GCJ-02 or BD-09, or x/y in a projected CRS
(``EPSG:4547`` …). Columns are found by common names in Chinese and English
or given explicitly. Positions are converted to WGS-84 before anything meets
OpenStreetMap data; the source of every row is kept.

An AMap, Baidu or Tencent POI export is read as it comes
(:mod:`circle.sources.poi_layouts`): its platform types are mapped to the
preset's categories by the tables of :mod:`circle.sources.taxonomy`, rows of
no category are counted by type and left out (never the reason the file is
refused), and its coordinates are read in the platform's own system unless
one is declared.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from circle.errors import CircleError, InputDataError
from circle.geo import WGS84
from circle.sources.coords import check_system, to_wgs84
from circle.standards import Preset

if TYPE_CHECKING:
    from circle.sources.poi_layouts import PoiLayout
    from circle.sources.taxonomy import Taxonomy

COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "name": ("name", "名称", "设施名称", "机构名称", "title"),
    "category": ("category", "类别", "类型", "设施类别", "type", "kind"),
    "lon": ("lon", "lng", "longitude", "经度", "long"),
    "lat": ("lat", "latitude", "纬度"),
    "x": ("x", "x坐标", "easting"),
    "y": ("y", "y坐标", "northing"),
    "capacity": ("capacity", "beds", "places", "床位", "学位", "规模", "容量"),
}
MODES = ("add", "replace")
#: the coordinate system "auto": a recognised export's platform system, else WGS-84
AUTO = "auto"
#: at most this many types are listed per kind in the import's report
MAX_LISTED_TYPES = 200
MAX_ROWS = 200_000
#: A CSV facility list may be at most this large (200,000 rows of a few hundred bytes).
MAX_TABLE_BYTES = 100_000_000


@dataclass(frozen=True)
class FacilityTableSpec:
    """How to read a facility table.

    Attributes
    ----------
    path : pathlib.Path
        A ``.csv`` or ``.xlsx`` file.
    system : str
        ``auto`` (a recognised AMap/Baidu/Tencent export's own system, else
        WGS-84), ``wgs84``, ``gcj02``, ``bd09`` (longitude/latitude) or an
        ``EPSG:`` code (x/y).
    mode : str
        ``add`` (to the OSM facilities) or ``replace`` (the OSM facilities of
        every category the table holds).
    columns : dict
        Explicit column names for ``name``, ``category``, ``lon``/``lat`` or ``x``/``y``, ``capacity``.
    mapping : pathlib.Path, optional
        A planner's copy of a type mapping table whose rows take precedence
        (:func:`circle.sources.taxonomy.read_mapping`).
    """

    path: Path
    system: str = AUTO
    mode: str = "add"
    columns: dict[str, str] = field(default_factory=dict)
    mapping: Path | None = None


def parse_columns(text: str | None) -> dict[str, str]:
    """Parse ``"name=名称,category=类别,lon=经度,lat=纬度"`` into a mapping.

    Raises
    ------
    InputDataError
        For a malformed item or an unknown role.
    """
    return parse_role_columns(text, tuple(COLUMN_NAMES), "facility", "facilities_columns")


def parse_role_columns(text: str | None, roles: tuple[str, ...], what: str, about: str) -> dict[str, str]:
    """Parse ``"ROLE=COLUMN,ROLE=COLUMN"`` (a table's columns named by hand) into a mapping.

    Parameters
    ----------
    text : str or None
        What the user wrote.
    roles : tuple of str
        The roles a column may take.
    what : str
        The table, for messages (``"facility"``, ``"census table"``).
    about : str
        The option the error is about (the CLI and the app name their flag or field).

    Raises
    ------
    InputDataError
        For a malformed item or an unknown role.

    Examples
    --------
    >>> parse_role_columns("name=名称, lat=纬度", ("name", "lat"), "facility", "facilities_columns")
    {'name': '名称', 'lat': '纬度'}
    """
    if not text:
        return {}
    mapping = {}
    for item in text.split(","):
        role, sep, column = item.partition("=")
        role, column = role.strip(), column.strip()
        if not sep or not column or role not in roles:
            raise InputDataError(
                f"the {what} column mapping {item!r} must be ROLE=COLUMN with ROLE one of {', '.join(roles)}.",
                about=(about,),
            )
        mapping[role] = column
    return mapping


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
    from circle.sources.spreadsheet import check_xlsx

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
    from circle.sources.spreadsheet import read_xlsx

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
    frame.columns = [str(c).replace("\ufeff", "").strip() for c in frame.columns]
    frame = frame.replace(_EMPTY_CELL, np.nan, regex=True)  # AMap's API writes an empty field as []
    frame = frame.dropna(how="all")
    if frame.empty:
        raise InputDataError(f"facility table {path} has no rows.")
    frame = frame.reset_index(drop=True)
    frame.attrs.update(how)
    return frame


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
    import json

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
    from io import StringIO

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
    import json
    import re

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


def _find_column(frame: pd.DataFrame, role: str, given: dict[str, str], required: bool) -> str | None:
    if role in given:
        if given[role] not in frame.columns:
            raise InputDataError(
                f"the facility table has no column {given[role]!r} (for {role}); its columns are "
                f"{', '.join(map(str, frame.columns))}."
            )
        return given[role]
    lowered = {c.lower(): c for c in frame.columns}
    for candidate in COLUMN_NAMES[role]:
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    if required:
        raise InputDataError(
            f"the facility table has no {role} column (looked for {', '.join(COLUMN_NAMES[role])}); its columns are "
            f"{', '.join(map(str, frame.columns))}. Name the column that holds it ({role}=COLUMN).",
            about=("facilities_columns",),
        )
    return None


def category_lookup(preset: Preset) -> dict[str, str]:
    """Return a map from category keys and their Chinese and English labels (lower case) to keys."""
    lookup = {}
    for category in preset.categories:
        for text in (category.key, category.label_zh, category.label_en):
            lookup[text.strip().lower()] = category.key
    return lookup


def read_facility_table(spec: FacilityTableSpec, preset: Preset) -> gpd.GeoDataFrame:
    """Read a facility table into WGS-84 points.

    Parameters
    ----------
    spec : FacilityTableSpec
        The file, its coordinate system, mode and columns.
    preset : Preset
        Categories may be given by key (``clinic``) or label (``社区卫生服务/诊所``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``row`` (1-based data row), ``name``, ``category``, ``capacity``,
        ``declared_lon``/``declared_lat`` (as in the file) and point geometry in WGS-84.

        An AMap/Baidu/Tencent export gives a row per facility and category
        its type maps to, with ``platform_type`` and ``type_rule`` (the rows
        of the mapping that decided); its other rows are left out and
        counted (:func:`read_facility_table_with_report`).

    Raises
    ------
    InputDataError
        Naming the rows and columns at fault: unknown categories (in a table
        of preset categories), missing or non-numeric coordinates, points
        off the globe, a malformed mapping copy.
    """
    return read_facility_table_with_report(spec, preset)[0]


def read_facility_table_with_report(spec: FacilityTableSpec, preset: Preset) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Read a facility table as :func:`read_facility_table` does, and say how it was read.

    Returns
    -------
    tuple of (geopandas.GeoDataFrame, dict)
        The points, and for a recognised export its ``layout`` (platform,
        the columns that told, the coordinate system and where it came from)
        and ``mapping`` (rows mapped, excluded and unmapped, counted per
        platform type with their reasons, most frequent first); ``{}`` for a
        table of preset categories.
    """
    if spec.mode not in MODES:
        raise InputDataError(
            f"imported facilities are added to OSM's or replace them (add or replace), not {spec.mode!r}.",
            about=("facilities_mode",),
        )
    frame = read_table(spec.path)
    projected = spec.system.upper().startswith("EPSG:")
    if not projected:
        from circle.sources.poi_layouts import recognise
        from circle.sources.taxonomy import PLATFORMS, builtin_taxonomy

        taxonomy = builtin_taxonomy()
        layout = None
        if "category" not in spec.columns:
            layout = recognise(frame, {p: taxonomy.platform_level_names(p) for p in PLATFORMS}, spec.columns)
        if layout is None:
            layout = _list_layout(frame, spec, preset)
        if layout is not None:
            return _read_export(frame, layout, spec, preset, taxonomy)
    return _read_categories(frame, spec, preset), {}


def _list_layout(frame: pd.DataFrame, spec: FacilityTableSpec, preset: Preset) -> PoiLayout | None:
    """Return how to read a list of no platform, or None for a list of the preset's categories (read as before).

    A category column with any value that is not a category key or label of
    the preset makes the list one of types, looked up in the platforms'
    tables; a list with names and no category column is classified by its
    names.
    """
    from circle.sources.poi_layouts import list_layout

    category_col = _find_column(frame, "category", spec.columns, required=False)
    name_col = _find_column(frame, "name", spec.columns, required=False)
    headerless = bool(frame.attrs.get("headerless"))
    if category_col is not None:
        values = frame[category_col].fillna("").astype(str).str.strip().str.lower()
        if values.map(category_lookup(preset)).notna().all():
            return None
    elif name_col is None and not headerless:
        return None
    return list_layout(frame, name_col, category_col, spec.columns, headerless)


def _read_categories(frame: pd.DataFrame, spec: FacilityTableSpec, preset: Preset) -> gpd.GeoDataFrame:
    """Read a table whose category column holds the preset's keys or labels."""
    projected = spec.system.upper().startswith("EPSG:")
    system = spec.system if projected else check_system("wgs84" if spec.system == AUTO else spec.system)
    name_col = _find_column(frame, "name", spec.columns, required=False)
    category_col = _find_column(frame, "category", spec.columns, required=True)
    first, second = ("x", "y") if projected else ("lon", "lat")
    first_col = _find_column(frame, first, spec.columns, required=True)
    second_col = _find_column(frame, second, spec.columns, required=True)
    capacity_col = _find_column(frame, "capacity", spec.columns, required=False)

    lookup = category_lookup(preset)
    raw_categories = frame[category_col].fillna("").astype(str).str.strip()
    categories = raw_categories.str.lower().map(lookup)
    unknown = sorted(set(raw_categories[categories.isna()]))
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:8])
        raise InputDataError(
            f"the facility table has categories the preset {preset.name} does not know: {shown}. "
            f"Use one of {', '.join(c.key for c in preset.categories)} (or their Chinese or English labels)."
        )
    first_values = pd.to_numeric(frame[first_col].astype(str).str.strip(), errors="coerce").to_numpy(float)
    second_values = pd.to_numeric(frame[second_col].astype(str).str.strip(), errors="coerce").to_numpy(float)
    bad = ~(np.isfinite(first_values) & np.isfinite(second_values))
    if bad.any():
        rows = ", ".join(str(r) for r in np.flatnonzero(bad)[:10] + 2)
        raise InputDataError(
            f"the facility table has rows without numeric {first_col}/{second_col}: file lines {rows}. "
            "Fill or delete them."
        )
    if projected:
        lon, lat = _projected_to_wgs84(first_values, second_values, spec.system)
        declared = "x/y"
    else:
        off_globe = (np.abs(first_values) > 180) | (np.abs(second_values) > 90)
        if off_globe.any():
            rows = ", ".join(str(r) for r in np.flatnonzero(off_globe)[:10] + 2)
            swapped = (np.abs(second_values) <= 180) & (np.abs(first_values) <= 90)
            hint = " Longitude and latitude look swapped." if swapped[off_globe].all() else ""
            raise InputDataError(
                f"the facility table has coordinates off the globe at file lines {rows}.{hint} "
                "If they are projected metres, declare their coordinate system as EPSG:CODE.",
                about=("facilities_crs",),
            )
        lon, lat = to_wgs84(first_values, second_values, system)
        declared = system
    capacity = (
        pd.to_numeric(frame[capacity_col], errors="coerce").to_numpy(float)
        if capacity_col
        else np.full(len(frame), np.nan)
    )
    names = frame[name_col].fillna("").astype(str).str.strip() if name_col else pd.Series([""] * len(frame))
    return gpd.GeoDataFrame(
        {
            "row": np.arange(2, len(frame) + 2),
            "name": names.to_numpy(object),
            "category": categories.to_numpy(object),
            "capacity": capacity,
            "declared_system": declared,
            "declared_lon": first_values,
            "declared_lat": second_values,
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs=WGS84,
    )


def _projected_to_wgs84(x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    from circle.sources.layer_systems import refuse_unless_horizontal

    try:
        source = CRS.from_user_input(crs)
        refuse_unless_horizontal(source, crs)
    except CRSError as error:
        raise InputDataError(
            f"the facility table's coordinate system {crs} is not a known CRS ({error}).", about=("facilities_crs",)
        ) from error
    except CircleError as error:
        raise InputDataError(str(error), about=("facilities_crs",)) from None
    return Transformer.from_crs(source, WGS84, always_xy=True).transform(x, y)


def _read_export(
    frame: pd.DataFrame, layout: PoiLayout, spec: FacilityTableSpec, preset: Preset, taxonomy: Taxonomy
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Read a recognised AMap/Baidu/Tencent export: map its types, count the rest, read its coordinates.

    A web-map export (and a list of types or names) is a crawl of what the
    platform served: a row without readable coordinates, or one repeating an
    earlier row (the same platform id, as overlapping rectangle searches
    give), is left out and counted with the other left-out rows; the export
    is refused only when no row to import has coordinates. A bureau's own
    list of preset categories (:func:`_read_categories`) is still refused
    for one such row: there every row was meant, and a silently dropped
    school would be a gap on the map.
    """
    from circle.sources.poi_layouts import NAMES_ONLY, PLATFORM_SYSTEMS, SYSTEM_NAMES, TABLE
    from circle.sources.taxonomy import EXCLUDED, MAPPED, PLATFORMS, Verdict, read_mapping

    if spec.mapping is not None:
        default_platform = layout.platform if layout.platform in PLATFORMS else "amap"
        default_platform = "name" if layout.platform == NAMES_ONLY else default_platform
        taxonomy = taxonomy.overridden_by(read_mapping(Path(spec.mapping), default_platform))
    if spec.system != AUTO:
        system, system_from = check_system(spec.system), "declared"
    elif layout.column_system is not None:
        system, system_from = layout.column_system, "columns"
    elif layout.platform in PLATFORMS:
        system, system_from = PLATFORM_SYSTEMS[layout.platform], "platform"
    elif layout.implied_system is not None:
        system, system_from = layout.implied_system, "platform"
    else:
        system, system_from = PLATFORM_SYSTEMS[layout.platform], "default"
    name_col = layout.name_col
    names = frame[name_col].fillna("").astype(str).str.strip() if name_col else pd.Series([""] * len(frame))
    codes, types = layout.codes(frame), layout.types(frame)
    verdicts = _classified(layout.platform, codes, types, names, taxonomy, preset)
    shown_types = [t or c or "(no type)" for c, t in zip(codes, types, strict=True)]
    if layout.platform == NAMES_ONLY:
        shown_types = [_by_name(verdict.reason) for verdict in verdicts]
    mapped = np.array([v.status == MAPPED for v in verdicts])
    if layout.platform in (TABLE, NAMES_ONLY) and not mapped.any():
        raise _nothing_maps(layout.platform, shown_types, verdicts, preset, len(frame))
    first_line = 1 if frame.attrs.get("headerless") or frame.attrs.get("records") else 2
    records = bool(frame.attrs.get("records"))
    lon, lat, lon_col, lat_col = layout.coordinates(frame)
    columns = lon_col if lon_col == lat_col else f"{lon_col}/{lat_col}"
    id_columns = ID_COLUMNS if layout.platform in PLATFORMS else ("uid",)  # a list's own "id" may be anything
    repeats = repeated_rows(frame, names + "\t" + codes + "\t" + types, lon, lat, id_columns)
    for i, said in enumerate(repeats):
        if said:
            verdicts[i] = Verdict(EXCLUDED, reason=f"a repeat of an earlier row ({said})")
    repeats = np.array([bool(said) for said in repeats], dtype=bool)
    mapped = np.array([v.status == MAPPED for v in verdicts])
    unplaced = mapped & ~(np.isfinite(lon) & np.isfinite(lat))
    if unplaced.any() and not (mapped & ~unplaced).any():  # not one row to import has a position: refused
        _check_coordinates(lon, lat, mapped, lon_col, lat_col, first_line, records)
    for i in np.flatnonzero(unplaced):
        verdicts[i] = Verdict(EXCLUDED, reason=f"no readable coordinates in {columns}")
    mapped &= ~unplaced
    _check_coordinates(lon, lat, mapped, lon_col, lat_col, first_line, records)
    rows = np.flatnonzero(mapped)
    exploded = [(i, category) for i in rows for category in verdicts[i].categories]
    index = np.array([i for i, _ in exploded], dtype=int)
    wgs_lon, wgs_lat = to_wgs84(lon[index], lat[index], system)
    capacity_col = _find_column(frame, "capacity", spec.columns, required=False) if layout.platform == TABLE else None
    capacity = (
        pd.to_numeric(frame[capacity_col], errors="coerce").to_numpy(float)[index]
        if capacity_col
        else np.full(len(index), np.nan)
    )
    table = gpd.GeoDataFrame(
        {
            "row": index + first_line,
            "name": names.to_numpy(object)[index],
            "category": np.array([c for _, c in exploded], dtype=object),
            "capacity": capacity,
            "declared_system": system,
            "declared_lon": lon[index],
            "declared_lat": lat[index],
            "platform_type": np.array([shown_types[i] for i in index], dtype=object),
            "type_rule": np.array([verdicts[i].rule for i in index], dtype=object),
        },
        geometry=gpd.points_from_xy(wgs_lon, wgs_lat),
        crs=WGS84,
    )
    excluded = Counter((shown_types[i], v.reason) for i, v in enumerate(verdicts) if v.status == EXCLUDED)
    unmapped = Counter((shown_types[i], v.reason) for i, v in enumerate(verdicts) if v.status not in (MAPPED, EXCLUDED))
    examples = _example_names(shown_types, verdicts, names.tolist())
    report = {
        "layout": {
            "platform": layout.platform,
            "platform_name": layout.platform_name,
            "evidence": layout.evidence,
            "coordinates": lon_col if lon_col == lat_col else f"{lon_col}/{lat_col}",
            "system": system,
            "system_name": SYSTEM_NAMES[system],
            "system_from": system_from,
            "notes": list(layout.notes),
        },
        "mapping": {
            "tables": [t for t in taxonomy.tables if t.startswith(f"{layout.platform}.csv") or "built in" not in t],
            "rows": len(frame),
            "mapped_rows": int(mapped.sum()),
            "excluded_rows": int(sum(excluded.values())),
            "unmapped_rows": int(sum(unmapped.values())),
            "excluded": _listed(excluded, examples),
            "unmapped": _listed(unmapped, examples),
            "duplicate_rows": int(repeats.sum()),
            "rows_without_coordinates": int(unplaced.sum()),
            "lines_without_coordinates": [int(r) for r in np.flatnonzero(unplaced)[:MAX_LISTED_LINES] + first_line],
            "warnings": [],
        },
    }
    if layout.check_columns is not None:
        check = _agreement(frame, lon, lat, layout.check_columns)
        report["layout"]["check"] = check
        if check["warning"]:
            report["mapping"]["warnings"].append(check["warning"])
    left_out = len(frame) - int(mapped.sum())
    if layout.platform == NAMES_ONLY:
        report["layout"]["notes"].append(
            f"no type column: {int(mapped.sum()):,} of {len(frame):,} rows classified by their names; the rest left out"
        )
    elif layout.platform == TABLE and left_out > len(frame) / 2:
        report["mapping"]["warnings"].append(
            f"{left_out:,} of {len(frame):,} rows of {spec.path.name} map to no category of preset {preset.name} "
            "and are left out; see the types listed below"
        )
    if layout.platform not in PLATFORMS:
        report["mapping"]["tables"] = [t for t in taxonomy.tables]
    elif any(v.rule.startswith("name.csv") for v in verdicts if v.status == EXCLUDED):
        report["mapping"]["tables"] += [t for t in taxonomy.tables if t.startswith("name.csv")]
    return table, report


def _classified(
    platform: str, codes: pd.Series, types: pd.Series, names: pd.Series, taxonomy: Taxonomy, preset: Preset
) -> list:
    """Return every row's verdict: by platform type, by a list's type value, or by name alone."""
    import difflib

    from circle.sources.poi_layouts import NAMES_ONLY, TABLE
    from circle.sources.taxonomy import MAPPED, UNMAPPED, Verdict

    keys = frozenset(c.key for c in preset.categories)
    area_keys = {c.key: float(c.min_area_ha.value) for c in preset.categories if c.min_area_ha}
    if platform == NAMES_ONLY:
        return [taxonomy.classify_name(name, keys, area_keys, preset.name) for name in names.tolist()]
    if platform != TABLE:
        return [
            taxonomy.classify(platform, code, type_text, name, keys, area_keys, preset.name)
            for code, type_text, name in zip(codes.tolist(), types.tolist(), names.tolist(), strict=True)
        ]
    lookup = category_lookup(preset)
    verdicts = []
    for label, name in zip(types.tolist(), names.tolist(), strict=True):
        key = lookup.get(label.strip().lower())
        if key is not None:
            verdict = taxonomy.trap(name) or Verdict(MAPPED, (key,), rule=f"category {label} of preset {preset.name}")
        elif not label.strip():
            verdict = Verdict(UNMAPPED, reason="the row has no type")
        elif taxonomy.label_paths(label):
            verdict = taxonomy.classify_label(label, name, keys, area_keys, preset.name)
        else:
            close = difflib.get_close_matches(label.strip().lower(), list(lookup), n=1, cutoff=0.75)
            unknown = taxonomy.classify_label(label, name, keys, area_keys, preset.name)
            if close:  # a likely typo of a key: listed, never guessed
                verdict = Verdict(UNMAPPED, reason=f"{unknown.reason}; did you mean {lookup[close[0]]}?")
            else:  # a label no platform knows: a trap in it (宠物诊所) leaves the row out, else its name may decide
                verdict = taxonomy.trap(label) or taxonomy.classify_name(name, keys, area_keys, preset.name)
                verdict = unknown if verdict.status == UNMAPPED else verdict
        verdicts.append(verdict)
    return verdicts


def _by_name(reason: str) -> str:
    """Return what a list without a type column shows as a row's type: the name that left it out, if it says."""
    import re

    said = re.search(r"\(([^()]*)\)", reason)
    return f"(no type; name {said.group(1).removesuffix(' in its name')})" if said else "(no type column)"


def _nothing_maps(platform: str, shown_types: list[str], verdicts: list, preset: Preset, rows: int) -> InputDataError:
    """Return the error for a list of which no row maps: the values it holds, with their counts and reasons."""
    from circle.sources.poi_layouts import NAMES_ONLY

    keys = ", ".join(c.key for c in preset.categories)
    if platform == NAMES_ONLY:
        return InputDataError(
            f"the facility table has no type column and none of its {rows:,} names says what a place is "
            f"(幼儿园, 小学, 卫生院 …). Add a category column with one of {keys}.",
            about=("facilities_columns",),
        )
    counts = Counter((t, v.reason) for t, v in zip(shown_types, verdicts, strict=True))
    ordered = sorted(counts.items(), key=lambda item: -item[1])
    shown = ", ".join(f"{t!r} ({n} row{'s' if n > 1 else ''}: {reason})" for (t, reason), n in ordered[:12])
    more = f", and {len(ordered) - 12} more" if len(ordered) > 12 else ""
    return InputDataError(
        f"the facility table has categories the preset {preset.name} does not know: {shown}{more}. No row maps to "
        f"a category, by its value or as a type of AMap, Baidu or Tencent. Use one of {keys} (or their Chinese or "
        "English labels), or map the values in an edited copy of a table of circle/standards/taxonomies."
    )


#: a row's platform id columns (lower case), most telling first: Baidu's uid, AMap's and Tencent's id
ID_COLUMNS = ("uid", "id", "poi_id", "poiid")
#: two rows of one name without ids this close (metres) are the same POI served twice
SAME_PLACE_M = 1.0
#: names shown per left-out type, so a planner can check what was dropped
EXAMPLE_NAMES = 3
#: file lines of rows without coordinates kept in the report
MAX_LISTED_LINES = 20
#: a WGS-84 pair and a platform pair of one export further apart than this (median) are not the same places
MAX_AGREEMENT_GAP_M = 30.0


def _agreement(frame: pd.DataFrame, lon: np.ndarray, lat: np.ndarray, other: tuple[str, str, str]) -> dict[str, Any]:
    """Compare the WGS-84 pair read with a platform pair converted to WGS-84: the median gap, and a warning."""
    from circle.sources.poi_layouts import SYSTEM_NAMES

    lon_col, lat_col, system = other
    other_lon = pd.to_numeric(frame[lon_col].astype(str).str.strip(), errors="coerce").to_numpy(float)
    other_lat = pd.to_numeric(frame[lat_col].astype(str).str.strip(), errors="coerce").to_numpy(float)
    both = np.isfinite(lon) & np.isfinite(lat) & np.isfinite(other_lon) & np.isfinite(other_lat)
    both &= (np.abs(other_lon) <= 180) & (np.abs(other_lat) <= 90)
    check: dict[str, Any] = {"columns": f"{lon_col}/{lat_col}", "system": system, "rows": int(both.sum())}
    if not both.any():
        check.update(median_m=None, warning=None)
        return check
    converted_lon, converted_lat = to_wgs84(other_lon[both], other_lat[both], system)
    gap = _metres_apart(lon[both], lat[both], np.asarray(converted_lon), np.asarray(converted_lat))
    raw_gap = _metres_apart(lon[both], lat[both], other_lon[both], other_lat[both])
    median = float(np.median(gap))
    check.update(median_m=round(median, 1), unconverted_median_m=round(float(np.median(raw_gap)), 1))
    check["warning"] = (
        f"the WGS-84 coordinates read and {lon_col}/{lat_col} read as {SYSTEM_NAMES[system]} are a median "
        f"{median:,.0f} m apart ({float(np.median(raw_gap)):,.0f} m unconverted): one pair is mislabelled. "
        "Name the right pair (--facilities-columns lon=COLUMN,lat=COLUMN) and its system (--facilities-crs)"
        if median > MAX_AGREEMENT_GAP_M
        else None
    )
    return check


def _metres_apart(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Return the distance in metres between points a few kilometres apart at most (equirectangular)."""
    mid = np.radians((lat1 + lat2) / 2)
    return np.hypot((lon1 - lon2) * np.cos(mid) * 111_320.0, (lat1 - lat2) * 110_540.0)


def _listed(counts: Counter, examples: dict[tuple[str, str], list[str]]) -> list[dict[str, Any]]:
    """Return types with their counts, reasons and a few example names, most frequent first, at most a few hundred."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    return [
        {"type": t, "rows": n, "reason": reason, "examples": examples.get((t, reason), [])}
        for (t, reason), n in ordered[:MAX_LISTED_TYPES]
    ]


def _example_names(shown_types: list[str], verdicts: list, names: list[str]) -> dict[tuple[str, str], list[str]]:
    """Return up to :data:`EXAMPLE_NAMES` distinct names of the rows left out for each type and reason."""
    from circle.sources.taxonomy import MAPPED

    examples: dict[tuple[str, str], list[str]] = {}
    for shown, verdict, name in zip(shown_types, verdicts, names, strict=True):
        if verdict.status == MAPPED or not name:
            continue
        found = examples.setdefault((shown, verdict.reason), [])
        if len(found) < EXAMPLE_NAMES and name not in found:
            found.append(name)
    return examples


def repeated_rows(
    frame: pd.DataFrame, names: pd.Series, lon: np.ndarray, lat: np.ndarray, id_columns: tuple[str, ...] = ID_COLUMNS
) -> list[str]:
    """Return for every row what makes it a repeat of an earlier one (``"the same uid"``), ``""`` for a first.

    Rectangle crawls serve a POI once per rectangle it lies in. ``names``
    holds each row's name with its type: a school listed once as a primary
    and once as a middle school, at one position, is two facilities.

    A row repeats an earlier one when both carry the same platform id
    (Baidu's ``uid``, AMap's or Tencent's ``id``); a row without an id
    repeats an earlier one of the same name and type within :data:`SAME_PLACE_M`.
    ``id_columns`` are the column names (lower case) that may hold the id.
    """
    lowered = {str(c).strip().lower(): c for c in frame.columns}
    id_col = next((lowered[c] for c in id_columns if c in lowered), None)
    repeats = [""] * len(frame)
    ids = (
        frame[id_col].fillna("").astype(str).str.strip().str.removesuffix(".0").to_numpy(object)
        if id_col is not None
        else np.full(len(frame), "", dtype=object)
    )
    seen_ids: set[str] = set()
    seen_places: dict[str, list[int]] = {}
    for i, (pid, name) in enumerate(zip(ids, names.tolist(), strict=True)):
        if pid and pid.lower() != "nan":
            repeats[i] = f"the same {id_col}" if pid in seen_ids else ""
            seen_ids.add(pid)
            continue
        if not name.split("\t")[0] or not (np.isfinite(lon[i]) and np.isfinite(lat[i])):
            continue
        earlier = seen_places.setdefault(name, [])
        if earlier:
            apart = _metres_apart(
                lon[earlier], lat[earlier], np.full(len(earlier), lon[i]), np.full(len(earlier), lat[i])
            )
            repeats[i] = "the same name and position" if (apart <= SAME_PLACE_M).any() else ""
        if not repeats[i]:
            earlier.append(i)
    return repeats


def _check_coordinates(
    lon: np.ndarray,
    lat: np.ndarray,
    wanted: np.ndarray,
    lon_col: str,
    lat_col: str,
    first_line: int = 2,
    records: bool = False,
) -> None:
    """Refuse rows to be imported that have no numeric position or one off the globe (naming their lines)."""
    columns = lon_col if lon_col == lat_col else f"{lon_col}/{lat_col}"
    where = "records" if records else "file lines"
    bad = wanted & ~(np.isfinite(lon) & np.isfinite(lat))
    if bad.any():
        lines = ", ".join(str(r) for r in np.flatnonzero(bad)[:10] + first_line)
        raise InputDataError(
            f"the facility table has rows without readable coordinates in {columns}: {where} {lines}. "
            "Fill or delete them.",
            about=("facilities_columns",),
        )
    off_globe = wanted & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
    if off_globe.any():
        lines = ", ".join(str(r) for r in np.flatnonzero(off_globe)[:10] + first_line)
        raise InputDataError(
            f"the facility table has coordinates off the globe in {columns} at {where} {lines}.",
            about=("facilities_crs",),
        )
