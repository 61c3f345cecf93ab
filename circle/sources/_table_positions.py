"""Where the rows of an export are: repeats of one place, positions that cannot be, two pairs that disagree.

Rectangle crawls of a map platform serve a POI once per rectangle it lies in
(:func:`repeated_rows`); a row to be imported needs a position on the globe
(:func:`check_coordinates`); an export holding both a WGS-84 pair and a
platform pair should say the same places with both (:func:`agreement`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from circle.coords import to_wgs84
from circle.errors import InputDataError
from circle.sources.poi_layouts import SYSTEM_NAMES

#: a row's platform id columns (lower case), most telling first: Baidu's uid, AMap's and Tencent's id
ID_COLUMNS = ("uid", "id", "poi_id", "poiid")
#: two rows of one name without ids this close (metres) are the same POI served twice
SAME_PLACE_M = 1.0
#: a WGS-84 pair and a platform pair of one export further apart than this (median) are not the same places
MAX_AGREEMENT_GAP_M = 30.0


def agreement(frame: pd.DataFrame, lon: np.ndarray, lat: np.ndarray, other: tuple[str, str, str]) -> dict[str, Any]:
    """Compare the WGS-84 pair read with a platform pair converted to WGS-84: the median gap, and a warning."""
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
    gap = metres_apart(lon[both], lat[both], np.asarray(converted_lon), np.asarray(converted_lat))
    raw_gap = metres_apart(lon[both], lat[both], other_lon[both], other_lat[both])
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


def metres_apart(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Return the distance in metres between points a few kilometres apart at most (equirectangular)."""
    mid = np.radians((lat1 + lat2) / 2)
    return np.hypot((lon1 - lon2) * np.cos(mid) * 111_320.0, (lat1 - lat2) * 110_540.0)


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
            apart = metres_apart(
                lon[earlier], lat[earlier], np.full(len(earlier), lon[i]), np.full(len(earlier), lat[i])
            )
            repeats[i] = "the same name and position" if (apart <= SAME_PLACE_M).any() else ""
        if not repeats[i]:
            earlier.append(i)
    return repeats


def check_coordinates(
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
