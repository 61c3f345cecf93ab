"""Residents estimated from the map when nothing counted them: buildings, land, and how sure the estimate is.

A block's residents are its mapped residential floor area × the share of
homes usually occupied ÷ floor area per person where footprints cover at
least ``min_building_coverage`` of it, or where it is a street block (its
land is not mapped as residential: only its buildings say anyone lives
there). Land mapped as residential (``landuse=residential``, or a user's
block) with fewer footprints is either sparsely built or has buildings no one
mapped yet. Which one is judged from the study's own map around the block:
where at least ``complete_mapping_share`` of the blocks within a square of
``mapping_cell_m`` centred on the block are well covered, buildings are
mapped there and the block counts its buildings (none when it has none: land
with no building holds few people where everything else is mapped);
elsewhere it gets area × the region's density. Its range runs from the lower
of the two figures to the higher either way, so the judgement moves the
figure, never the range. No constant is fitted to a place.

The square is centred on each block, never laid on a grid fixed to the CRS
or to the study: the same area gets the same residents wherever it lies, and
a tile of a batch, which reads a few kilometres around itself, judges every
block it owns as a whole run does.

Every estimated block carries ``population_low`` and ``population_high``:
storeys of buildings without ``building:levels`` or ``height`` between the
region's ``levels_low`` and ``levels_high`` (houses between one storey and
``house_levels``), floor area per person between the region's low and high
figure, every home occupied for the high figure, and, for sparsely built
residential land, both of its figures.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import shapely

from circle.prepare.population._window_sums import window_sums
from circle.study.columns import POPULATION_HIGH, POPULATION_LOW

POP_USER = "user"
POP_BUILDINGS = "buildings"
POP_AREA = "area_density"

#: the estimated sources, which a known total scales and which carry a range of their own.
ESTIMATED = (POP_BUILDINGS, POP_AREA)

#: building values that are houses: without ``building:levels`` or ``height`` they get the region's house storeys.
HOUSE_BUILDINGS = frozenset({"house", "detached", "semidetached_house", "terrace", "farm"})

#: ``building=bungalow`` has one storey.
BUNGALOW_LEVELS = 1.0

#: metres of ``height`` per storey where only the height is mapped.
STOREY_HEIGHT_M = 3.0


def building_levels(buildings: pd.DataFrame, params: Mapping[str, float]) -> np.ndarray:
    """Storeys of each building: ``building:levels``, else ``height`` ÷ 3 m, else by its type, else the default.

    Houses (:data:`HOUSE_BUILDINGS`) get ``house_levels``, bungalows one storey,
    every other building ``default_levels``.

    Examples
    --------
    >>> frame = pd.DataFrame({"levels": ["4", None, None, None, "x"], "height": [None, "12 m", None, None, None],
    ...                       "building": ["yes", "yes", "house", "bungalow", "apartments"]})
    >>> building_levels(frame, {"default_levels": 6.0, "house_levels": 2.0}).tolist()
    [4.0, 4.0, 2.0, 1.0, 6.0]
    """
    return storey_range(buildings, {**params, "levels_low": 0.0, "levels_high": 0.0})[0]


def storey_range(buildings: pd.DataFrame, params: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Storeys of each building, with a low and a high figure where they are not mapped.

    Mapped storeys (``building:levels``, else ``height`` ÷ 3 m) are taken as
    they are (low = high). A house without them has one storey to
    ``house_levels`` (``house_levels`` itself as the figure), a bungalow one,
    any other building ``levels_low`` to ``levels_high`` (``default_levels``
    as the figure).

    Returns
    -------
    tuple of numpy.ndarray
        Storeys, low storeys, high storeys.

    Examples
    --------
    >>> frame = pd.DataFrame({"levels": ["4", None, None], "height": [None, None, None],
    ...                       "building": ["yes", "house", "yes"]})
    >>> [a.tolist() for a in storey_range(frame, {"default_levels": 3.0, "house_levels": 2.0,
    ...                                            "levels_low": 2.0, "levels_high": 5.0})]
    [[4.0, 2.0, 3.0], [4.0, 1.0, 2.0], [4.0, 2.0, 5.0]]
    """
    kind = buildings["building"].to_numpy(object)
    house = buildings["building"].isin(HOUSE_BUILDINGS).to_numpy()
    bungalow = kind == "bungalow"
    by_type = np.where(house, params["house_levels"], np.where(bungalow, BUNGALOW_LEVELS, params["default_levels"]))
    low_type = np.where(house | bungalow, BUNGALOW_LEVELS, params["levels_low"])
    high_type = np.where(house, params["house_levels"], np.where(bungalow, BUNGALOW_LEVELS, params["levels_high"]))
    heights = _parsed_numbers(buildings["height"].to_numpy(object), 0.0, 1000.0) / STOREY_HEIGHT_M
    heights = np.where(np.isfinite(heights), np.maximum(heights, 1.0), np.nan)
    levels = _parsed_numbers(buildings["levels"].to_numpy(object), 0.0, 200.0)
    mapped = np.where(np.isfinite(levels), levels, heights)
    known = np.isfinite(mapped)
    return np.where(known, mapped, by_type), np.where(known, mapped, low_type), np.where(known, mapped, high_type)


def residential_floor_area(blocks, osm, params: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Residential floor area (figure, low, high) and footprint of the buildings whose inner point is in each block.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Blocks in a projected CRS.
    osm : OsmData or None
        Its ``buildings`` (with ``residential``, ``building``, ``levels``, ``height``).
    params : mapping of str to float
        The population values (storeys of :func:`storey_range`).

    Returns
    -------
    tuple of numpy.ndarray
        Floor area and footprint per block (m²); shape ``(n, )`` each, and the floor area's low and high
        as a third array of shape ``(n, 2)``.
    """
    floor = np.zeros((len(blocks), 3))
    footprint = np.zeros(len(blocks))
    if osm is None or osm.buildings.empty or len(blocks) == 0:
        return floor[:, 0], footprint, floor[:, 1:]
    buildings = osm.buildings[osm.buildings["residential"].to_numpy(bool)]
    if buildings.empty:
        return floor[:, 0], footprint, floor[:, 1:]
    geoms = buildings.geometry.to_crs(blocks.crs)
    levels = np.column_stack(storey_range(buildings, params))
    points = shapely.point_on_surface(geoms.values)
    building_idx, block_idx = shapely.STRtree(blocks.geometry.values).query(points, predicate="within")
    areas = geoms.area.to_numpy()
    np.add.at(footprint, block_idx, areas[building_idx])
    np.add.at(floor, block_idx, areas[building_idx, None] * levels[building_idx])
    return floor[:, 0], footprint, floor[:, 1:]


def local_share(points: np.ndarray, part: np.ndarray, whole: np.ndarray, side_m: float) -> np.ndarray:
    """Σ ``part`` ÷ Σ ``whole`` over the points within a square of ``side_m`` centred on each point.

    The square moves with the point, so the share does not depend on where
    the points lie, only on how they lie to one another. A point whose
    square holds no ``whole`` gets 0.

    Examples
    --------
    >>> pts = shapely.points([0, 100, 5000], [0, 0, 0])
    >>> local_share(pts, np.array([1.0, 0.0, 0.0]), np.array([1.0, 1.0, 1.0]), 2000.0).tolist()
    [0.5, 0.5, 0.0]
    """
    if len(points) == 0:
        return np.zeros(0)
    half = side_m / 2
    x, y = shapely.get_x(points), shapely.get_y(points)
    # summed with a sweep and a Fenwick tree, O(n log n): a query per point costs every pair within the square
    part_sum = window_sums(x, y, np.asarray(part, float), half)
    whole_sum = window_sums(x, y, np.asarray(whole, float), half)
    # the sums are differences of prefix sums: a square holding nothing may come out at ±1e-12
    held = whole_sum > 1e-9 * (1.0 + np.abs(whole).max())
    return np.divide(part_sum, whole_sum, out=np.zeros(len(points)), where=held)


def estimate_residents(
    blocks,
    osm,
    params: Mapping[str, float],
    street: np.ndarray,
) -> pd.DataFrame:
    """Estimate every block's residents from its buildings and land, with a low and a high figure.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Blocks in a projected CRS.
    osm : OsmData or None
        Source of building footprints; None when there is none.
    params : mapping of str to float
        The preset's ``population`` values with the region's applied.
    street : numpy.ndarray of bool
        Which blocks are street blocks (land not mapped as residential).

    Returns
    -------
    pandas.DataFrame
        ``area_m2``, ``floor_area_m2``, ``population``, ``population_low``, ``population_high``,
        ``pop_source`` and ``mapped_share`` (the share of well-covered blocks around), one row per block.
    """
    area = blocks.geometry.area.to_numpy()
    floor, footprint, floor_range = residential_floor_area(blocks, osm, params)
    occupied = params["occupied_share"]
    by_buildings = floor * occupied / params["floor_area_per_person_m2"]
    low_buildings = floor_range[:, 0] * occupied / params["floor_area_per_person_high_m2"]
    high_buildings = floor_range[:, 1] / params["floor_area_per_person_low_m2"]
    by_area = area / 1e6 * params["density_per_km2"]
    covered = footprint >= params["min_building_coverage"] * area
    inner = shapely.point_on_surface(blocks.geometry.values)
    mapped = local_share(inner, covered.astype(float), np.ones(len(area)), params["mapping_cell_m"])
    complete = mapped >= params["complete_mapping_share"]
    from_buildings = covered | np.asarray(street, bool) | complete
    population = np.where(from_buildings, by_buildings, by_area)
    sure = covered | np.asarray(street, bool)
    low = np.where(sure, low_buildings, np.minimum(low_buildings, by_area))
    high = np.where(sure, high_buildings, np.maximum(high_buildings, by_area))
    return pd.DataFrame(
        {
            "area_m2": area,
            "floor_area_m2": floor,
            "population": population,
            POPULATION_LOW: np.minimum(low, population),
            POPULATION_HIGH: np.maximum(high, population),
            "pop_source": np.where(from_buildings, POP_BUILDINGS, POP_AREA).astype(object),
            "mapped_share": mapped,
        },
        index=blocks.index,
    )


def counted_range(blocks: pd.DataFrame) -> pd.DataFrame:
    """Give blocks whose residents were counted (not :data:`ESTIMATED`) a range of their figure alone.

    Blocks with no range columns yet get them; an estimated block keeps its own.
    """
    out = blocks.copy()
    population = out["population"].to_numpy(float)
    estimated = out["pop_source"].isin(ESTIMATED).to_numpy()
    for column in (POPULATION_LOW, POPULATION_HIGH):
        own = out[column].to_numpy(float) if column in out.columns else population
        out[column] = np.where(estimated & np.isfinite(own), own, population)
    return out


def _parsed_numbers(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Parse tag values once per distinct value (``"6"``, ``"5;7"`` → 5, ``"12 m"`` → 12); NaN where unusable."""
    distinct, inverse = np.unique(np.where(pd.isna(values), "", values).astype(str), return_inverse=True)
    return np.array([_number(text, low, high) for text in distinct], float)[np.ravel(inverse)]


def _number(text: str, low: float, high: float) -> float:
    head = str(text).split(";")[0].strip().removesuffix("m").strip()
    try:
        value = float(head)
    except ValueError:
        return float("nan")
    return value if low < value < high else float("nan")
