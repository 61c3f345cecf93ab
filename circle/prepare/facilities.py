"""Facilities: OSM objects sorted into the categories of a standards preset."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from circle.geo import WGS84
from circle.sources.offset_check import check_offset
from circle.sources.osm_features import OsmFeature
from circle.sources.tables import FacilityTableSpec, read_facility_table_with_report
from circle.standards import Preset
from circle.study.columns import FACILITY_ID, MATCHED_RULE

FACILITY_COLUMNS = [FACILITY_ID, "category", "name", "osm_id", "osm_type", "source", MATCHED_RULE, "geometry"]


def facility_name(tags: dict[str, str]) -> str | None:
    """Return the best display name of an OSM object (``name``, then zh, then en)."""
    for key in ("name", "name:zh", "name:en"):
        if tags.get(key):
            return tags[key]
    return None


def facilities_from_osm(features: list[tuple[OsmFeature, list[str]]], preset: Preset, crs: str) -> gpd.GeoDataFrame:
    """Turn classified OSM objects into a facilities table.

    An object in several categories gives one row per category; a category
    with ``min_area_ha`` keeps only areas at least that large. A point that
    lies inside an area of the same category (a school mapped both as a node
    and as its grounds) is the same facility: the point is dropped and its
    name kept for the area when the area has none.

    Parameters
    ----------
    features : list of (OsmFeature, list of str)
        Objects and their category keys, from :func:`circle.sources.osm.read_osm`.
    preset : Preset
        Gives the category order.
    crs : str
        The study's projected CRS; the returned geometries are in it.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`FACILITY_COLUMNS`; ``facility_id`` is
        ``"{category}:{n|w|r}{osm_id}"``, stable across runs of the same data;
        ``matched_rule`` the rule that put it in its category (``"shop=supermarket"``).
    """
    rows = []
    for feature, categories in features:
        for category in categories:
            rows.append(
                {
                    "category": category,
                    "name": facility_name(feature.tags),
                    "osm_id": int(feature.osm_id),
                    "osm_type": feature.osm_type,
                    "source": "osm",
                    MATCHED_RULE: feature.matched.get(category),
                    "geometry": feature.geometry,
                    "tags": feature.tags,
                }
            )
    if not rows:
        return empty_facilities(crs)
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84).to_crs(crs)
    frame = _merge_points_into_areas(frame)
    frame = _drop_too_small(frame, preset)
    frame[FACILITY_ID] = frame["category"] + ":" + frame["osm_type"].str[0] + frame["osm_id"].astype(str)
    frame = frame.drop_duplicates(FACILITY_ID)
    order = {c.key: i for i, c in enumerate(preset.categories)}
    frame = frame.assign(_order=frame["category"].map(order)).sort_values(["_order", FACILITY_ID])
    return frame[[*FACILITY_COLUMNS, "tags"]].reset_index(drop=True)


def empty_facilities(crs: str) -> gpd.GeoDataFrame:
    """Return a facilities table with no rows."""
    frame = pd.DataFrame({column: pd.Series(dtype=object) for column in FACILITY_COLUMNS[:-1]})
    frame["tags"] = pd.Series(dtype=object)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def _drop_too_small(frame: gpd.GeoDataFrame, preset: Preset) -> gpd.GeoDataFrame:
    """Drop facilities smaller than their category's ``min_area_ha`` (points have no area)."""
    minimum_m2 = {c.key: float(c.min_area_ha.value) * 10_000 for c in preset.categories if c.min_area_ha}
    if not minimum_m2:
        return frame
    needed = frame["category"].map(minimum_m2).fillna(0.0).to_numpy()
    return frame[frame.geometry.area.to_numpy() >= needed]


def _merge_points_into_areas(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    is_point = shapely.get_type_id(frame.geometry.values) == 0
    drop = np.zeros(len(frame), bool)
    for _, group in frame.groupby("category"):
        points = group[is_point[group.index]]
        areas = group[~is_point[group.index]]
        if points.empty or areas.empty:
            continue
        tree = shapely.STRtree(areas.geometry.values)
        point_idx, area_idx = tree.query(points.geometry.values, predicate="within")
        for p, a in zip(point_idx, area_idx, strict=True):
            area_row = areas.index[a]
            point_row = points.index[p]
            if not frame.at[area_row, "name"] and frame.at[point_row, "name"]:
                frame.at[area_row, "name"] = frame.at[point_row, "name"]
            drop[point_row] = True
    return frame[~drop]


#: an imported facility this close (metres) to an OSM facility of its category, or inside its outline, is the
#: same place: a platform's point and OSM's node or grounds of one kindergarten lie a few to some tens of metres
#: apart (entrance, building or grounds centre; GCJ-02 undone to ~1 m), while two kindergartens or clinics of a
#: neighbourhood rarely lie closer than 50 m; each OSM facility takes at most one imported row, the nearest
SAME_FACILITY_M = 50.0


def import_facility_table(
    spec: FacilityTableSpec,
    preset: Preset,
    osm_facilities: gpd.GeoDataFrame,
    crs: str,
    extent: Any = None,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Read a facility table, check its coordinate system against OSM, and add it or let it replace OSM's.

    Rows outside ``extent`` (the map data, widened by the walk's reach) are
    left out and counted: a Beijing row in a Chengdu export would only be
    a facility no one can reach. In ``add`` mode an imported facility
    within :data:`SAME_FACILITY_M` of an OSM facility of its category (or
    inside its outline) is the same place and is not added twice: OSM's is
    kept, with the imported name when it has none.

    Parameters
    ----------
    spec : FacilityTableSpec
        The file, its system, mode, columns and mapping.
    preset : Preset
        The categories.
    osm_facilities : geopandas.GeoDataFrame
        OSM's facilities, in ``crs``.
    crs : str
        The study's projected CRS.
    extent : shapely.Geometry, optional
        Where the map data lies, in ``crs``; rows beyond it are left out.

    Returns
    -------
    tuple of (geopandas.GeoDataFrame, dict)
        The facilities (the preset's category order kept) and the import's
        report (file, declared system, mode, rows per category, OSM facilities
        replaced, the coordinate-offset check, ``outside`` (rows beyond the
        map data, with example names) and ``matched_osm`` (imported rows
        that were OSM's facilities, per category); for an AMap/Baidu/Tencent
        export also ``layout``, how it was recognised and in which system it
        was read, and ``mapping``, the rows mapped, excluded and unmapped
        per platform type).
    """
    table, how = read_facility_table_with_report(spec, preset)
    offset = check_offset(table, osm_facilities, crs)
    imported = table.to_crs(crs)
    label = f"import:{spec.path.name}"
    rows = gpd.GeoDataFrame(
        {
            FACILITY_ID: [f"{c}:x{r}" for c, r in zip(imported["category"], imported["row"], strict=True)],
            "category": imported["category"].to_numpy(object),
            "name": imported["name"].to_numpy(object),
            "osm_id": np.zeros(len(imported), np.int64),
            "osm_type": "import",
            "source": label,
            MATCHED_RULE: _matched_rules(imported, label),
            "tags": [{"capacity": str(c)} if np.isfinite(c) else {} for c in imported["capacity"]],
        },
        geometry=imported.geometry.to_numpy(),
        crs=crs,
    )
    rows, outside = _inside(rows, extent)
    categories = sorted(set(rows["category"]))
    per_category = {c: int((rows["category"] == c).sum()) for c in categories}
    imported_rows = len(rows)
    matched = {}
    if spec.mode == "add":
        rows, osm_facilities, matched = _matched_to_osm(rows, osm_facilities)
    replaced = 0
    if spec.mode == "replace":
        dropping = osm_facilities["category"].isin(categories)
        replaced = int(dropping.sum())
        osm_facilities = osm_facilities[~dropping]
    merged = pd.concat([osm_facilities, rows], ignore_index=True)
    order = {c.key: i for i, c in enumerate(preset.categories)}
    merged = merged.assign(_order=merged["category"].map(order)).sort_values(["_order", FACILITY_ID], kind="stable")
    merged = gpd.GeoDataFrame(merged.drop(columns="_order").reset_index(drop=True), geometry="geometry", crs=crs)
    report = {
        "file": spec.path.name,
        "declared_crs": how["layout"]["system"] if how else _declared(spec.system),
        "mode": spec.mode,
        "rows": imported_rows,
        "per_category": per_category,
        "outside": outside,
        "matched_osm": {
            "distance_m": SAME_FACILITY_M,
            "rows": sum(n for n, _ in matched.values()),
            "per_category": {c: {"matched": n, "imported": total} for c, (n, total) in matched.items()},
        },
        "osm_facilities_replaced": replaced,
        "offset_check": offset,
        **how,
    }
    return merged, report


def _inside(rows: gpd.GeoDataFrame, extent: Any) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Leave out imported rows beyond the map data; count them (once per file line) and name a few."""
    if extent is None or rows.empty:
        return rows, {"rows": 0, "examples": []}
    inside = shapely.intersects(rows.geometry.values, extent)
    beyond = rows[~inside].drop_duplicates(FACILITY_ID)
    lines = beyond[FACILITY_ID].str.split(":x").str[-1]
    names = [n for n in dict.fromkeys(beyond["name"].fillna("").astype(str)) if n]
    return rows[inside].reset_index(drop=True), {"rows": int(lines.nunique()), "examples": names[:3]}


def _matched_to_osm(
    rows: gpd.GeoDataFrame, osm: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict[str, tuple[int, int]]]:
    """Pair imported rows with OSM facilities of their category within :data:`SAME_FACILITY_M`, nearest first.

    Returns
    -------
    tuple
        The imported rows OSM does not have; OSM's facilities (an unnamed one
        given its partner's name); and per category (rows matched, rows imported).
    """
    drop = np.zeros(len(rows), bool)
    osm = osm.copy()
    counts: dict[str, tuple[int, int]] = {}
    for category, group in rows.groupby("category", sort=True):
        same = osm[osm["category"] == category]
        matched = 0
        if not same.empty:
            tree = shapely.STRtree(same.geometry.values)
            row_idx, osm_idx = tree.query(group.geometry.values, predicate="dwithin", distance=SAME_FACILITY_M)
            gaps = shapely.distance(group.geometry.values[row_idx], same.geometry.values[osm_idx])
            taken_rows, taken_osm = set(), set()
            for k in np.argsort(gaps, kind="stable"):
                r, o = int(row_idx[k]), int(osm_idx[k])
                if r in taken_rows or o in taken_osm:
                    continue
                taken_rows.add(r)
                taken_osm.add(o)
                drop[rows.index.get_loc(group.index[r])] = True
                osm_row = same.index[o]
                if _unnamed(osm.at[osm_row, "name"]) and not _unnamed(group["name"].iloc[r]):
                    osm.at[osm_row, "name"] = group["name"].iloc[r]
            matched = len(taken_rows)
        counts[str(category)] = (matched, len(group))
    return rows[~drop].reset_index(drop=True), osm, counts


def _unnamed(name: Any) -> bool:
    """Whether a facility's name is missing (None, NaN or empty)."""
    return name is None or (isinstance(name, float) and np.isnan(name)) or not str(name).strip()


def _declared(system: str) -> str:
    """Return the system a table of preset categories was read in (``auto`` means WGS-84 there)."""
    return "wgs84" if system == "auto" else system


def _matched_rules(imported: gpd.GeoDataFrame, label: str) -> list[str]:
    """Say why each imported row is in its category: the file, and for an export its platform type."""
    if "platform_type" not in imported.columns:
        return [f"{label} ({c})" for c in imported["category"]]
    return [f"{label} ({t} → {c})" for t, c in zip(imported["platform_type"], imported["category"], strict=True)]
