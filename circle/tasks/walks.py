"""Walks on a study: isochrone bands from a point or a block, the facilities a point reaches, routes to a facility.

What ``circle isochrone``, the planner's map (a clicked point) and the
resident's page (the walk to the nearest clinic) ask of a study; computed by
:mod:`circle.analysis.walks` on the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from circle.analysis import walks
from circle.analysis.walks import facilities_reached as reachable
from circle.analysis.walks import route
from circle.engine.isochrones import DEFAULT_MARGIN_M
from circle.engine.routes import Route, walking_minutes
from circle.errors import CircleError
from circle.study import Study

__all__ = ["Isochrone", "Route", "isochrone", "reachable", "route", "walking_minutes"]


@dataclass
class Isochrone:
    """Walking bands (5/10/15 minutes …) from one start.

    Attributes
    ----------
    bands : geopandas.GeoDataFrame
        One polygon per band (WGS-84): ``from_minutes``, ``minutes``, ``area_m2``.
    origin : str
        The start, in words ("block B12", "30.66, 104.07").
    attribution : str
        The map data's attribution, kept with the bands when saved.
    """

    bands: gpd.GeoDataFrame
    origin: str
    attribution: str

    def save(self, path: str | Path) -> Path:
        """Write the bands as GeoJSON (with the attribution), under a temporary name renamed into place."""
        out = Path(path)
        frame = self.bands.assign(attribution=self.attribution)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.part")
        frame.to_file(partial, driver="GeoJSON")
        partial.replace(out)
        return out


def isochrone(
    study: Study,
    point: tuple[float, float] | None = None,
    block: str | None = None,
    minutes: tuple[float, ...] = (5, 10, 15),
    margin_m: float = DEFAULT_MARGIN_M,
) -> Isochrone:
    """Return the walking bands from a point (lat, lon in WGS-84) or from a block (all its access points at once).

    Raises
    ------
    CircleError
        For neither or both of a point and a block, a point outside the study or far from every walkable way,
        an unknown block, or bad minutes.
    """
    if (point is None) == (block is None):
        raise CircleError("an isochrone starts from a point (lat, lon) or from a block: give one of them.")
    if block is not None:
        bands = walks.block_isochrone(study, block, minutes, margin_m)
        origin = f"block {block}"
    else:
        lat, lon = point
        bands = walks.point_isochrone(study, lat, lon, minutes, margin_m)
        origin = f"{lat}, {lon}"
    return Isochrone(bands, origin, study.summary.attribution)
