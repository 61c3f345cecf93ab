"""Reading census polygons (sub-districts, communities) and their population totals."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np

from circle.errors import InputDataError
from circle.sources.vector import read_layer

POPULATION_COLUMNS = ("population", "pop", "人口", "常住人口", "户籍人口", "total", "总人口")


def read_census(path: str | Path, column: str | None, crs: str, system: str | None = None) -> gpd.GeoDataFrame:
    """Read census polygons with their population totals, in ``crs``.

    ``system`` is the file's declared coordinate system (``wgs84``,
    ``gcj02``, ``bd09``, ``EPSG:CODE``; None for the file's own CRS).

    Raises
    ------
    InputDataError
        When the file is unreadable, the column is missing or holds a value that
        is not a non-negative number.
    """
    return read_census_layer(path, column, crs, system)[0]


def read_census_layer(
    path: str | Path, column: str | None, crs: str, system: str | None = None
) -> tuple[gpd.GeoDataFrame, str]:
    """Read census polygons as :func:`read_census` does; return them with the system they were read in."""
    polygons, declared = read_layer(Path(path), "census file", InputDataError, system=system)
    if column is None:
        lowered = {str(c).lower(): c for c in polygons.columns}
        column = next((lowered[name] for name in POPULATION_COLUMNS if name in lowered), None)
        if column is None:
            raise InputDataError(
                f"census file {path} has no population column (looked for {', '.join(POPULATION_COLUMNS)}); "
                "name the column that holds it.",
                about=("census_column",),
            )
    elif column not in polygons.columns:
        raise InputDataError(
            f"census file {path} has no column {column!r}; its columns are "
            f"{', '.join(str(c) for c in polygons.columns if c != 'geometry')}."
        )
    values = np.asarray(gpd.pd.to_numeric(polygons[column], errors="coerce"), float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(bad)[:10])
        raise InputDataError(
            f"census file {path}: column {column!r} must hold non-negative numbers; features {rows} do not."
        )
    out = polygons[["geometry"]].copy()
    out["census_population"] = values
    out["census_id"] = np.arange(1, len(out) + 1)
    return out.to_crs(crs), declared
