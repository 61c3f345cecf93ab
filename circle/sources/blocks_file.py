"""Reading a user's residential block polygons (GeoPackage, GeoJSON, Shapefile) with their ids, names and residents."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from circle.errors import InputDataError
from circle.sources.layer_offset import OffsetReference, check_layer_offset
from circle.sources.vector import read_layer
from circle.study.columns import BLOCK_ID


def read_blocks_file(
    path: str | Path,
    crs: str,
    id_column: str | None = None,
    name_column: str | None = None,
    population_column: str | None = None,
    area_of_interest=None,
    system: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a user's residential blocks (GeoPackage, GeoJSON, Shapefile).

    Parameters
    ----------
    path : str or pathlib.Path
        The polygon file.
    crs : str
        The study's projected CRS.
    id_column, name_column, population_column : str, optional
        Columns holding a block id, a name and a population count.
    area_of_interest : shapely.Geometry, optional
        Study area in ``crs``.
    system : str, optional
        The file's declared coordinate system (``wgs84``, ``gcj02``, ``bd09``,
        ``EPSG:CODE``); None for the file's own CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        ``block_id``, ``name``, optionally ``population``, geometry in ``crs``.

    Raises
    ------
    InputDataError
        For a missing or unreadable file, one without a CRS, one whose
        coordinates look like swapped latitude and longitude, a missing
        column, or no polygons.
    """
    return _read_blocks(path, crs, id_column, name_column, population_column, area_of_interest, system)[0]


def import_blocks_file(
    path: str | Path,
    crs: str,
    id_column: str | None = None,
    name_column: str | None = None,
    population_column: str | None = None,
    area_of_interest=None,
    system: str | None = None,
    reference: OffsetReference | None = None,
) -> tuple[gpd.GeoDataFrame, dict]:
    """Read a user's blocks as :func:`read_blocks_file` does, and check their coordinate system against OSM.

    The whole file is compared with ``reference`` (before the study area cuts
    it: a shifted file may lie mostly outside the area).

    Returns
    -------
    tuple of (geopandas.GeoDataFrame, dict)
        The blocks of the study area, and the import's report: ``file``,
        ``declared_crs``, ``polygons`` and ``offset_check``
        (:func:`circle.sources.layer_offset.check_layer_offset`).

    Raises
    ------
    InputDataError
        As :func:`read_blocks_file`; when no block lies in the study area and
        another coordinate system fits the data better, the message says so.
    """
    blocks, declared = _read_blocks(path, crs, id_column, name_column, population_column, None, system)
    report = {"file": Path(path).name, "declared_crs": declared, "polygons": len(blocks)}
    if reference is not None:
        report["offset_check"] = check_layer_offset(blocks.geometry, declared, reference, "blocks file")
    inside = clip_to_area(blocks, area_of_interest)
    if inside.empty:
        offset = report.get("offset_check") or {}
        hint = f" {offset['message']}" if offset.get("suggested") else ""
        raise InputDataError(
            f"no block of {path} lies inside the study area.{hint}", about=("blocks_file", "blocks_crs")
        )
    return inside, report


def _read_blocks(
    path, crs, id_column, name_column, population_column, area_of_interest, system
) -> tuple[gpd.GeoDataFrame, str]:
    frame, declared = read_layer(path, "blocks file", InputDataError, system=system)
    for label, column in (("id", id_column), ("name", name_column), ("population", population_column)):
        if column and column not in frame.columns:
            raise InputDataError(
                f"blocks file {path} has no {label} column {column!r}; it has: "
                f"{', '.join(map(str, frame.columns.drop('geometry')))}."
            )
    out = gpd.GeoDataFrame(
        {
            BLOCK_ID: frame[id_column].astype(str).to_numpy()
            if id_column
            else [f"u{i + 1}" for i in range(len(frame))],
            "name": frame[name_column].astype(object).to_numpy() if name_column else None,
        },
        geometry=frame.geometry.to_numpy(),
        crs=frame.crs,
    ).to_crs(crs)
    if out[BLOCK_ID].duplicated().any():
        dupes = out.loc[out[BLOCK_ID].duplicated(), BLOCK_ID].head(5).tolist()
        raise InputDataError(f"blocks file {path}: block ids repeat ({', '.join(dupes)} …); ids must be unique.")
    if population_column:
        population = pd.to_numeric(frame[population_column], errors="coerce").to_numpy()
        bad = ~np.isfinite(population) | (population < 0)
        if bad.any():
            raise InputDataError(
                f"blocks file {path}: {int(bad.sum())} value(s) of {population_column!r} are not "
                "non-negative numbers. Fill them in, or estimate the population instead of reading it.",
                about=("population_column",),
            )
        out["population"] = population
    out = clip_to_area(out, area_of_interest)
    if out.empty:
        raise InputDataError(f"no block of {path} lies inside the study area.")
    return out, declared


def clip_to_area(frame: gpd.GeoDataFrame, area_of_interest) -> gpd.GeoDataFrame:
    """Keep the blocks whose inner point lies in ``area_of_interest`` (all of them when it is None)."""
    if area_of_interest is None or frame.empty:
        return frame.reset_index(drop=True)
    inner = shapely.point_on_surface(frame.geometry.values)
    return frame[shapely.within(inner, area_of_interest)].reset_index(drop=True)
