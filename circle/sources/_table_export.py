"""Reading a map platform's export, or a list of types or names: each row's verdict, and the import's report.

An AMap, Baidu or Tencent POI export (and a list whose category column holds
types rather than the preset's categories, or names alone) is classified row
by row through :mod:`circle.sources.taxonomy`; rows of no category, repeats
and rows without a position are left out and counted by type with their
reasons, and the coordinates are read in the platform's own system unless one
is declared (:func:`read_export`).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from circle.coords import check_system, to_wgs84
from circle.errors import InputDataError
from circle.geo import WGS84
from circle.sources._table_positions import ID_COLUMNS, agreement, check_coordinates, repeated_rows
from circle.sources._table_spec import AUTO, FacilityTableSpec, category_lookup, find_column
from circle.sources.poi_layouts import NAMES_ONLY, PLATFORM_SYSTEMS, SYSTEM_NAMES, TABLE, PoiLayout
from circle.sources.taxonomy import EXCLUDED, MAPPED, PLATFORMS, UNMAPPED, Taxonomy, Verdict, read_mapping
from circle.standards import Preset

#: at most this many types are listed per kind in the import's report
MAX_LISTED_TYPES = 200
#: names shown per left-out type, so a planner can check what was dropped
EXAMPLE_NAMES = 3
#: file lines of rows without coordinates kept in the report
MAX_LISTED_LINES = 20


def read_export(
    frame: pd.DataFrame, layout: PoiLayout, spec: FacilityTableSpec, preset: Preset, taxonomy: Taxonomy
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Read a recognised AMap/Baidu/Tencent export: map its types, count the rest, read its coordinates.

    A web-map export (and a list of types or names) is a crawl of what the
    platform served: a row without readable coordinates, or one repeating an
    earlier row (the same platform id, as overlapping rectangle searches
    give), is left out and counted with the other left-out rows; the export
    is refused only when no row to import has coordinates. A bureau's own
    list of preset categories (read by
    :func:`circle.sources.tables.read_facility_table`) is still refused for
    one such row: there every row was meant, and a silently dropped school
    would be a gap on the map.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table's text cells (:func:`circle.sources._table_file.read_table`).
    layout : PoiLayout
        How its columns were recognised (:mod:`circle.sources.poi_layouts`).
    spec : FacilityTableSpec
        The reading's settings (a declared coordinate system, a mapping copy).
    preset : Preset
        The categories rows are mapped to.
    taxonomy : Taxonomy
        The built-in type mapping tables.

    Returns
    -------
    tuple of (geopandas.GeoDataFrame, dict)
        The points, and the import's ``layout`` and ``mapping`` report
        (see :func:`circle.sources.tables.read_facility_table_with_report`).
    """
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
        check_coordinates(lon, lat, mapped, lon_col, lat_col, first_line, records)
    for i in np.flatnonzero(unplaced):
        verdicts[i] = Verdict(EXCLUDED, reason=f"no readable coordinates in {columns}")
    mapped &= ~unplaced
    check_coordinates(lon, lat, mapped, lon_col, lat_col, first_line, records)
    rows = np.flatnonzero(mapped)
    exploded = [(i, category) for i in rows for category in verdicts[i].categories]
    index = np.array([i for i, _ in exploded], dtype=int)
    wgs_lon, wgs_lat = to_wgs84(lon[index], lat[index], system)
    capacity_col = find_column(frame, "capacity", spec.columns, required=False) if layout.platform == TABLE else None
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
        check = agreement(frame, lon, lat, layout.check_columns)
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
    said = re.search(r"\(([^()]*)\)", reason)
    return f"(no type; name {said.group(1).removesuffix(' in its name')})" if said else "(no type column)"


def _nothing_maps(platform: str, shown_types: list[str], verdicts: list, preset: Preset, rows: int) -> InputDataError:
    """Return the error for a list of which no row maps: the values it holds, with their counts and reasons."""
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


def _listed(counts: Counter, examples: dict[tuple[str, str], list[str]]) -> list[dict[str, Any]]:
    """Return types with their counts, reasons and a few example names, most frequent first, at most a few hundred."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    return [
        {"type": t, "rows": n, "reason": reason, "examples": examples.get((t, reason), [])}
        for (t, reason), n in ordered[:MAX_LISTED_TYPES]
    ]


def _example_names(shown_types: list[str], verdicts: list, names: list[str]) -> dict[tuple[str, str], list[str]]:
    """Return up to :data:`EXAMPLE_NAMES` distinct names of the rows left out for each type and reason."""
    examples: dict[tuple[str, str], list[str]] = {}
    for shown, verdict, name in zip(shown_types, verdicts, names, strict=True):
        if verdict.status == MAPPED or not name:
            continue
        found = examples.setdefault((shown, verdict.reason), [])
        if len(found) < EXAMPLE_NAMES and name not in found:
            found.append(name)
    return examples
