"""Administrative areas from a boundary file (街道/社区 polygons with a name and/or a statistical code).

A bureau's boundary file holds 街道 or 社区 polygons (or both) with their
name and often their 12-digit statistical code; GIS exports name them
``XZQMC``/``XZQDM`` (行政区名称/代码). Each area's level (街道/乡镇, or 社区/村)
is read from a level column where there is one (8, 9, 10 or 街道, 社区 …),
else from its code (a 街道's ends in ``000``), else from its name's suffix;
an area none of them places has no level and may match either.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from circle.errors import InputDataError
from circle.sources.chinese_names import UPPER_KINDS, clean, fold, is_upper_code, statistical_code, unit_key
from circle.sources.vector import read_layer

NAME_COLUMNS = ("name", "名称", "社区名称", "街道名称", "村居名称", "区划名称", "xzqmc", "name_zh", "name:zh")
CODE_COLUMNS = ("code", "代码", "区划代码", "统计用区划代码", "xzqdm", "ref:admin:cn:nbs", "ref:admin:cn", "ref")
LEVEL_COLUMNS = ("admin_level", "level", "级别", "层级")
_UPPER_WORDS = {"8", "街道", "乡镇", "镇", "乡", "subdistrict", "town", "township"}
_LOWER_WORDS = {"9", "10", "社区", "村", "居委会", "村委会", "community", "village", "neighbourhood"}

#: the columns of an administrative-areas frame (:func:`read_admin_file`, :func:`osm_admin_areas`)
AREA_COLUMNS = ["name", "alt_name", "code", "upper", "geometry"]


def read_admin_file(
    path: str | Path, name_column: str | None, code_column: str | None, crs: str, system: str | None = None
) -> gpd.GeoDataFrame:
    """Read administrative areas from a polygon file, in ``crs``.

    Parameters
    ----------
    path : str or pathlib.Path
        A GeoPackage, GeoJSON, Shapefile …
    name_column, code_column : str, optional
        The columns of names and of statistical codes; found by name when omitted (one of them must exist).
    crs : str
        The CRS to return the areas in.
    system : str, optional
        The file's declared coordinate system (``wgs84``, ``gcj02``, ``bd09``, ``EPSG:CODE``): boundaries traced
        on an AMap or Baidu screen are GCJ-02 or BD-09 although labelled EPSG:4326. Default: the file's own CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``alt_name`` (None), ``code`` (12 digits or None), ``upper``
        (True for a 街道/乡镇, False for a 社区/村, None when unknown) and geometry; ``attrs["declared_system"]``
        says the system it was read in (for the offset check), ``attrs["text_encoding"]`` that its text was read
        as GBK (:func:`~circle.sources.vector.read_layer`).

    Raises
    ------
    InputDataError
        When the file is unreadable, or has neither a name nor a code column.
    """
    path = Path(path)
    polygons, declared = read_layer(path, "administrative boundary file", InputDataError, system=system)
    name = _column(polygons, name_column, NAME_COLUMNS, path, "admin_name_column")
    code = _column(polygons, code_column, CODE_COLUMNS, path, "admin_code_column")
    if name is None and code is None:
        raise InputDataError(
            f"administrative boundary file {path.name} has no column of names or codes (looked for "
            f"{', '.join(NAME_COLUMNS[:5])} …, {', '.join(CODE_COLUMNS[:4])} …); its columns are "
            f"{', '.join(str(c) for c in polygons.columns if c != 'geometry')}. "
            "Name the column that holds them.",
            about=("admin_name_column", "admin_code_column"),
        )
    level = _column(polygons, None, LEVEL_COLUMNS, path, "")
    names = pd.Series([clean(v) if fold(v) else None for v in polygons[name]], dtype=object) if name else None
    codes = pd.Series([statistical_code(v) for v in polygons[code]] if code else [None] * len(polygons), dtype=object)
    out = gpd.GeoDataFrame(
        {
            "name": names if names is not None else pd.Series([None] * len(polygons), dtype=object),
            "alt_name": pd.Series([None] * len(polygons), dtype=object),
            "code": codes,
            "upper": pd.Series(_levels(polygons[level] if level else None, names, codes), dtype=object),
        },
        geometry=polygons.geometry.to_numpy(),
        crs=polygons.crs,
    )
    out = out.to_crs(crs).reset_index(drop=True)
    out.attrs["declared_system"] = declared
    if polygons.attrs.get("text_encoding"):  # a Shapefile without its .cpg, read again as GBK
        out.attrs["text_encoding"] = polygons.attrs["text_encoding"]
    return out


def _column(frame: pd.DataFrame, given: str | None, candidates: tuple[str, ...], path: Path, role: str) -> str | None:
    if given is not None:
        if given not in frame.columns:
            raise InputDataError(
                f"administrative boundary file {path.name} has no column {given!r}; its columns are "
                f"{', '.join(str(c) for c in frame.columns if c != 'geometry')}.",
                about=(role,),
            )
        return given
    lowered = {str(c).strip().lower(): c for c in frame.columns if c != "geometry"}
    return next((lowered[c] for c in candidates if c in lowered), None)


def _levels(level: pd.Series | None, names: pd.Series | None, codes: pd.Series) -> np.ndarray:
    """Return True for a 街道/乡镇, False for a 社区/村, None when neither column, code nor name says."""
    out = np.full(len(codes), None, dtype=object)
    for i in range(len(codes)):
        word = fold(level.iloc[i]) if level is not None else ""
        word = word.removesuffix(".0")
        if word in _UPPER_WORDS:
            out[i] = True
        elif word in _LOWER_WORDS:
            out[i] = False
        elif codes.iloc[i] is not None:
            out[i] = is_upper_code(codes.iloc[i])
        elif names is not None and names.iloc[i]:
            kind = unit_key(names.iloc[i]).kind
            out[i] = (kind in UPPER_KINDS) if kind else None
    return out
