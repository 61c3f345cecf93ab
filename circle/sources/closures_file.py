"""Read a closures file: lines drawn across the streets to close, or polygons of areas closed off."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
import shapely.geometry

from circle.errors import InputDataError
from circle.geo import WGS84
from circle.sources.layer_offset import OffsetReference, check_layer_offset
from circle.sources.vector import LINES_AND_POLYGONS, read_layer

#: how many metres closer to the streets another system must put the closure lines (see :func:`check_closures_offset`)
CLOSURE_GAIN_M = 3.0


def read_closures(path: str | Path, system: str | None = None) -> list[dict]:
    """Return each line or polygon of a closures file as a GeoJSON geometry in WGS-84 degrees.

    Parameters
    ----------
    path : str or pathlib.Path
        A GeoJSON, GeoPackage or Shapefile with a CRS holding lines and/or
        polygons (points and other rows are ignored).
    system : str, optional
        Its declared coordinate system (``wgs84``, ``gcj02`` for lines drawn on
        AMap/高德 or Tencent/腾讯, ``bd09`` for Baidu/百度, ``EPSG:CODE``); None
        for the file's own CRS.

    Returns
    -------
    list of dict
        One GeoJSON geometry per feature, in the file's order.

    Raises
    ------
    InputDataError
        When the file is missing, unreadable, has no CRS or holds no line or polygon.
    """
    return [shapely.geometry.mapping(geometry) for geometry in read_closure_layer(path, system)[0].geometry.to_numpy()]


def read_closure_layer(path: str | Path, system: str | None = None) -> tuple[gpd.GeoDataFrame, str]:
    """Return a closures file's lines and polygons in WGS-84, and the system they were read in."""
    try:
        frame, declared = read_layer(path, "closures file", InputDataError, kinds=LINES_AND_POLYGONS, system=system)
    except InputDataError as exc:
        raise InputDataError(str(exc), about=("closures_file",)) from None
    return frame.to_crs(WGS84), declared


def check_closures_offset(frame: gpd.GeoDataFrame, declared: str, network) -> dict:
    """Compare closure lines with the study's walking segments under each coordinate system.

    A line drawn across a street touches it (0 m) in the right system;
    shifted by GCJ-02 or BD-09, a short line in a dense network still touches
    some street half the time, and misses the others by a few metres. So a
    smaller gain than for outlines (:data:`CLOSURE_GAIN_M`) is asked: a file
    declared rightly has a median of 0 m, which no other system can beat
    by half. Polygons are left out (an area closed off covers streets
    wherever it is shifted), and fewer than five lines are too few to judge:
    the check then says it was skipped.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        From :func:`read_closure_layer`.
    declared : str
        The system it was read in.
    network : circle.prepare.network.WalkNetwork
        The study's walking network.
    """
    lines = frame[frame.geometry.geom_type.isin(["LineString", "MultiLineString"])]
    if lines.empty:
        return {
            "declared": declared,
            "suggested": None,
            "message": "offset check skipped: the closures file holds no lines (areas closed off are not compared)",
        }
    segments = shapely.linestrings(
        np.stack(
            [
                np.column_stack([network.x[network.a], network.y[network.a]]),
                np.column_stack([network.x[network.b], network.y[network.b]]),
            ],
            axis=1,
        )
    )
    reference = OffsetReference(network.crs, segments, words="walking segment of the study")
    return check_layer_offset(
        lines.geometry,
        declared,
        reference,
        "closures file",
        min_features=5,
        min_pieces=5,
        whole=True,
        min_gain_m=CLOSURE_GAIN_M,
    )
