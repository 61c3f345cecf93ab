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

This module decides how a table is read and reads a list of the preset's
categories; the steps live in internal modules: :mod:`~circle.sources._table_spec`
(the reading's settings and the columns' roles), :mod:`~circle.sources._table_file`
(a file into text cells, with its size limits), :mod:`~circle.sources._table_export`
(a platform's export or a list of types: verdicts and the import's report) and
:mod:`~circle.sources._table_positions` (repeats, impossible positions, two
pairs that disagree). The limits are read where they are used, in
:mod:`~circle.sources._table_file`: the names here are copies.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from circle.coords import check_system, to_wgs84
from circle.errors import CircleError, InputDataError
from circle.geo import WGS84
from circle.sources._table_export import EXAMPLE_NAMES, MAX_LISTED_LINES, MAX_LISTED_TYPES, read_export
from circle.sources._table_file import (
    MAX_CSV_COLUMNS,
    MAX_JSON_BYTES,
    MAX_JSON_DEPTH,
    MAX_ROWS,
    MAX_TABLE_BYTES,
    SHOWN_ANSWERS,
    check_table,
    distinct_headings,
    read_json_records,
    read_table,
)
from circle.sources._table_positions import (
    ID_COLUMNS,
    MAX_AGREEMENT_GAP_M,
    SAME_PLACE_M,
    repeated_rows,
)
from circle.sources._table_spec import (
    AUTO,
    COLUMN_NAMES,
    MODES,
    FacilityTableSpec,
    category_lookup,
    find_column,
    parse_columns,
    parse_role_columns,
)
from circle.sources.layer_systems import refuse_unless_horizontal
from circle.sources.poi_layouts import PoiLayout, list_layout, recognise
from circle.sources.taxonomy import PLATFORMS, builtin_taxonomy
from circle.standards import Preset

__all__ = [
    "AUTO",
    "COLUMN_NAMES",
    "EXAMPLE_NAMES",
    "ID_COLUMNS",
    "MAX_AGREEMENT_GAP_M",
    "MAX_CSV_COLUMNS",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_LISTED_LINES",
    "MAX_LISTED_TYPES",
    "MAX_ROWS",
    "MAX_TABLE_BYTES",
    "MODES",
    "SAME_PLACE_M",
    "SHOWN_ANSWERS",
    "FacilityTableSpec",
    "category_lookup",
    "check_table",
    "distinct_headings",
    "parse_columns",
    "parse_role_columns",
    "read_facility_table",
    "read_facility_table_with_report",
    "read_json_records",
    "read_table",
    "repeated_rows",
]


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
        taxonomy = builtin_taxonomy()
        layout = None
        if "category" not in spec.columns:
            layout = recognise(frame, {p: taxonomy.platform_level_names(p) for p in PLATFORMS}, spec.columns)
        if layout is None:
            layout = _list_layout(frame, spec, preset)
        if layout is not None:
            return read_export(frame, layout, spec, preset, taxonomy)
    return _read_categories(frame, spec, preset), {}


def _list_layout(frame: pd.DataFrame, spec: FacilityTableSpec, preset: Preset) -> PoiLayout | None:
    """Return how to read a list of no platform, or None for a list of the preset's categories (read as before).

    A category column with any value that is not a category key or label of
    the preset makes the list one of types, looked up in the platforms'
    tables; a list with names and no category column is classified by its
    names.
    """
    category_col = find_column(frame, "category", spec.columns, required=False)
    name_col = find_column(frame, "name", spec.columns, required=False)
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
    name_col = find_column(frame, "name", spec.columns, required=False)
    category_col = find_column(frame, "category", spec.columns, required=True)
    first, second = ("x", "y") if projected else ("lon", "lat")
    first_col = find_column(frame, first, spec.columns, required=True)
    second_col = find_column(frame, second, spec.columns, required=True)
    capacity_col = find_column(frame, "capacity", spec.columns, required=False)

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
