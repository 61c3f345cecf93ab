"""Residential blocks and their population.

Blocks come, in order of preference, from a user's polygon file, from
``landuse=residential`` areas, or from street blocks (areas enclosed by
streets) that hold residential buildings. Each block's population comes from
a user column, else from residential floor area, else from its area times a
density; ``pop_source`` says which.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from circle.build._block_split import SplitRule, gated, split_geometries
from circle.build._street_faces import cells_holding, faces_holding
from circle.errors import InputDataError
from circle.geo import WGS84, canonical_multipolygons, polygonal_part
from circle.sources.osm import OsmData
from circle.sources.osm_features import STRICT_RESIDENTIAL_BUILDINGS
from circle.standards import Preset

POP_USER = "user"


POP_BUILDINGS = "buildings"


POP_AREA = "area_density"


#: a leftover piece of an overlapping residential area smaller than this is dropped (m²).
MIN_BLOCK_AREA_M2 = 200.0


NO_RESIDENTIAL_BLOCKS = (
    "the study area has no residential blocks: no landuse=residential areas and no residential buildings "
    "inside street blocks are mapped. Give your own block polygons (GeoPackage, GeoJSON or "
    "Shapefile with a CRS), or widen the area."
)


#: residential buildings that no street block of a walkable size encloses are filed in squares this large (m).
LOOSE_BUILDING_CELL_M = 250.0


#: building values that are houses: without ``building:levels`` or ``height`` they get the region's house storeys.
HOUSE_BUILDINGS = frozenset({"house", "detached", "semidetached_house", "terrace", "farm"})


#: ``building=bungalow`` has one storey.
BUNGALOW_LEVELS = 1.0


#: metres of ``height`` per storey where only the height is mapped.
STOREY_HEIGHT_M = 3.0


def blocks_from_osm(osm: OsmData, crs: str) -> tuple[gpd.GeoDataFrame, str]:
    """Make residential blocks from an OSM extract.

    ``landuse=residential`` areas are used where mapped. Where they overlap
    (a large estate holding smaller named compounds), each smaller one is
    kept whole and cut out of the larger, so no one is counted twice. With no
    residential land use in the area, street blocks holding residential
    buildings are used instead.

    Parameters
    ----------
    osm : OsmData
        What :func:`circle.sources.osm.read_osm` read.
    crs : str
        The study's projected CRS.

    Returns
    -------
    tuple of (geopandas.GeoDataFrame, str)
        Blocks (``block_id``, ``name``, geometry in ``crs``) and how they were
        made (``"landuse"`` or ``"street_blocks"``).

    Raises
    ------
    InputDataError
        When the area has neither residential land use nor residential
        buildings inside street blocks.
    """
    landuse = _landuse_blocks(osm, crs)
    # Street blocks fill the gaps: where landuse=residential is mapped, only
    # explicitly residential buildings (apartments, houses …) outside it make
    # a street block residential; with no residential land use at all, any
    # building that is not known to be something else does.
    streets = _street_blocks(osm, crs, strict=not landuse.empty, exclude=landuse)
    if landuse.empty and streets.empty:
        raise InputDataError(NO_RESIDENTIAL_BLOCKS, about=("blocks_file", "bbox", "area_file"))
    if streets.empty:
        return _canonical(landuse), "landuse"
    if landuse.empty:
        return _canonical(streets), "street_blocks"
    combined = pd.concat([landuse, streets], ignore_index=True)
    return _canonical(gpd.GeoDataFrame(combined, geometry="geometry", crs=crs)), "landuse+street_blocks"


def _canonical(blocks: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give every outline one canonical vertex order, so access points do not depend on how cuts were made."""
    blocks = blocks.copy()
    blocks["geometry"] = canonical_multipolygons(blocks.geometry.to_numpy())
    return blocks


def _landuse_blocks(osm: OsmData, crs: str) -> gpd.GeoDataFrame:
    residential = osm.residential
    if residential.empty:
        return gpd.GeoDataFrame({"block_id": [], "name": []}, geometry=[], crs=crs)
    names = residential["name"].fillna(residential["name_zh"]).fillna(residential["name_en"])
    frame = gpd.GeoDataFrame(
        {
            "block_id": residential["osm_type"].str[0] + residential["osm_id"].astype(str),
            "name": names.to_numpy(object),
        },
        geometry=residential.geometry.to_numpy(),
        crs=WGS84,
    ).to_crs(crs)
    return _remove_overlaps(frame)


def estimate_population(blocks: gpd.GeoDataFrame, osm: OsmData | None, preset: Preset) -> gpd.GeoDataFrame:
    """Give every block a population and record where it came from.

    A user-given ``population`` column is kept (``pop_source = "user"``).
    Otherwise, where mapped residential footprints cover at least
    ``min_building_coverage`` of the block, population = Σ footprint × levels
    ÷ floor area per person (``"buildings"``); else block area × density
    (``"area_density"``). Where at least ``complete_mapping_share`` of the
    blocks of a square of the grid of ``mapping_cell_m`` pass that coverage
    test, buildings are judged completely mapped there, and a sparsely built
    block with any mapped residential floor area is counted from its
    buildings too (area × density would invent residents on empty hillsides). All parameters come from the preset's
    ``population`` section.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Blocks in a projected CRS.
    osm : OsmData or None
        Source of building footprints; None when there is none.
    preset : Preset
        Holds the population parameters.

    Returns
    -------
    geopandas.GeoDataFrame
        ``blocks`` with ``population``, ``pop_source``, ``area_m2`` and
        ``floor_area_m2`` columns.
    """
    params = {key: float(value.value) for key, value in preset.population.items()}
    blocks = blocks.copy()
    area = blocks.geometry.area.to_numpy()
    blocks["area_m2"] = area
    floor_area, footprint = _residential_floor_area(blocks, osm, params)
    blocks["floor_area_m2"] = floor_area
    covered = footprint >= params["min_building_coverage"] * area
    mapping_complete = _well_mapped_squares(blocks, covered, params["mapping_cell_m"], params["complete_mapping_share"])
    by_buildings = covered | (mapping_complete & (floor_area > 0))
    estimated = np.where(
        by_buildings,
        floor_area / params["floor_area_per_person_m2"],
        area / 1e6 * params["density_per_km2"],
    )
    source = np.where(by_buildings, POP_BUILDINGS, POP_AREA).astype(object)
    if "population" in blocks.columns:
        given = blocks["population"].to_numpy(dtype=float)
        has = np.isfinite(given)
        estimated = np.where(has, given, estimated)
        source = np.where(has, POP_USER, source).astype(object)
    blocks["population"] = np.round(estimated, 1)
    blocks["pop_source"] = source
    return blocks


def split_rule(preset: Preset) -> SplitRule:
    """Return the preset's bounds on block size (``max_block_area_ha``, ``max_block_span_m``, ``block_cell_m``)."""
    return SplitRule(
        max_area_m2=float(preset.analysis["max_block_area_ha"].value) * 1e4,
        max_span_m=float(preset.analysis["max_block_span_m"].value),
        cell_m=float(preset.analysis["block_cell_m"].value),
    )


def split_large_blocks(
    blocks: gpd.GeoDataFrame,
    osm: OsmData | None,
    street_lines: np.ndarray,
    preset: Preset,
    gate_x: np.ndarray,
    gate_y: np.ndarray,
) -> gpd.GeoDataFrame:
    """Cut blocks over the preset's size bounds into parts that share the parent's residents.

    See :mod:`circle.build._block_split` for the rule. A part gets the parent's
    population in proportion to its residential floor area when the parent
    was counted from buildings (or given) and has some, else to its area, so
    the parts together hold exactly the parent's residents; a part that so
    gets no one (no residential building on it) is no block and is left out.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Blocks with ``population``, ``pop_source``, ``area_m2`` and ``floor_area_m2``
        (from :func:`estimate_population`), in a projected CRS.
    osm : OsmData or None
        The buildings that locate residents within a block.
    street_lines : numpy.ndarray
        Streets that cut large blocks, in the blocks' CRS.
    preset : Preset
        Gives the bounds (:func:`split_rule`) and the storeys of buildings.
    gate_x, gate_y : numpy.ndarray
        Mapped gates and entrances of compounds, in the same CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        The blocks with ``parent_id`` (a block's own id when it was not cut)
        and ``fence`` (the outline of a gated compound that was cut, for each
        of its parts; None elsewhere).
    """
    blocks = blocks.reset_index(drop=True)
    geometry = blocks.geometry.to_numpy()
    parts, parent = split_geometries(geometry, street_lines, split_rule(preset))
    count = np.bincount(parent, minlength=len(blocks))
    ids = blocks["block_id"].astype(str).to_numpy(object)
    out = blocks.iloc[parent].reset_index(drop=True)
    out["parent_id"] = ids[parent]
    out = out.set_geometry(gpd.GeoSeries(parts, crs=blocks.crs).values)
    cut = count[parent] > 1
    if not cut.any():
        out["fence"] = None
        return out
    rank = np.arange(len(parent)) - np.searchsorted(parent, parent)
    out.loc[cut, "block_id"] = [f"{i}-{r + 1}" for i, r in zip(ids[parent[cut]], rank[cut], strict=True)]
    params = {key: float(value.value) for key, value in preset.population.items()}
    # only the parts need their floor area found; a block that was not cut keeps the one it has
    floor = out["floor_area_m2"].to_numpy(float).copy()
    floor[cut] = _residential_floor_area(out[cut], osm, params)[0]
    area = shapely.area(parts)
    by_floor = blocks["pop_source"].isin([POP_BUILDINGS, POP_USER]).to_numpy() & (
        np.bincount(parent, weights=floor, minlength=len(blocks)) > 0
    )
    weight = np.where(by_floor[parent], floor, area)
    total = np.bincount(parent, weights=weight, minlength=len(blocks))
    share = np.where(total[parent] > 0, weight / np.where(total[parent] > 0, total[parent], 1.0), 1.0 / count[parent])
    population = blocks["population"].to_numpy(float)[parent]
    out["population"] = np.where(cut, population * share, population)
    out["area_m2"] = np.where(cut, area, out["area_m2"].to_numpy(float))
    out["floor_area_m2"] = np.where(cut, floor, out["floor_area_m2"].to_numpy(float))
    fenced = gated(geometry, gate_x, gate_y) & (count > 1)
    fence = np.full(len(out), None, dtype=object)
    where = fenced[parent]
    fence[where] = shapely.boundary(geometry[parent[where]])
    out["fence"] = fence
    # a part without a residential building of an area counted from its buildings holds no one: no block
    empty = cut & by_floor[parent] & (floor <= 0)
    return out[~empty].reset_index(drop=True)


def _well_mapped_squares(blocks: gpd.GeoDataFrame, covered: np.ndarray, cell_m: float, share: float) -> np.ndarray:
    """Whether each block lies in a square (fixed grid of ``cell_m``) where ``share`` of the blocks are well mapped."""
    if len(blocks) == 0:
        return np.zeros(0, bool)
    inner = shapely.point_on_surface(blocks.geometry.values)
    cells = np.column_stack([np.floor(shapely.get_x(inner) / cell_m), np.floor(shapely.get_y(inner) / cell_m)])
    _, cell_of = np.unique(cells, axis=0, return_inverse=True)
    cell_of = np.ravel(cell_of)
    mean = np.bincount(cell_of, weights=covered.astype(float)) / np.bincount(cell_of)
    return mean[cell_of] >= share


def _residential_floor_area(
    blocks: gpd.GeoDataFrame, osm: OsmData | None, params: dict[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Residential floor area and footprint of the buildings whose inner point lies in each block."""
    floor_area = np.zeros(len(blocks))
    footprint = np.zeros(len(blocks))
    if osm is None or osm.buildings.empty or len(blocks) == 0:
        return floor_area, footprint
    buildings = osm.buildings[osm.buildings["residential"].to_numpy(bool)]
    if buildings.empty:
        return floor_area, footprint
    geoms = buildings.geometry.to_crs(blocks.crs)
    levels = building_levels(buildings, params)
    points = shapely.point_on_surface(geoms.values)
    tree = shapely.STRtree(blocks.geometry.values)
    building_idx, block_idx = tree.query(points, predicate="within")
    areas = geoms.area.to_numpy()
    np.add.at(footprint, block_idx, areas[building_idx])
    np.add.at(floor_area, block_idx, areas[building_idx] * levels[building_idx])
    return floor_area, footprint


def building_levels(buildings: pd.DataFrame, params: dict[str, float]) -> np.ndarray:
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
    by_type = np.where(
        buildings["building"].isin(HOUSE_BUILDINGS).to_numpy(),
        params["house_levels"],
        np.where(buildings["building"].to_numpy(object) == "bungalow", BUNGALOW_LEVELS, params["default_levels"]),
    )
    heights = _parsed_numbers(buildings["height"].to_numpy(object), 0.0, 1000.0) / STOREY_HEIGHT_M
    fallback = np.where(np.isfinite(heights), np.maximum(heights, 1.0), by_type)
    levels = _parsed_numbers(buildings["levels"].to_numpy(object), 0.0, 200.0)
    return np.where(np.isfinite(levels), levels, fallback)


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


def _remove_overlaps(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Cut every area by the smaller areas overlapping it, so no one is counted twice.

    Each polygon loses the union of the smaller ones it intersects (one
    spatial query for all, then one union per overlapped polygon): linear in
    the number of polygons and their overlaps, never a union of everything.
    """
    frame = frame[frame.geometry.area > 0].copy()
    frame = frame.iloc[np.argsort(frame.geometry.area.to_numpy(), kind="stable")]
    geoms = frame.geometry.to_numpy().copy()
    frame["geometry"] = _minus_overlapping(geoms, geoms, smaller_only=True)
    frame["geometry"] = [polygonal_part(g) for g in frame.geometry.values]
    frame = frame[frame.geometry.area >= MIN_BLOCK_AREA_M2]
    return frame.sort_values("block_id").reset_index(drop=True)


def _minus_overlapping(targets: np.ndarray, cutters: np.ndarray, smaller_only: bool = False) -> np.ndarray:
    """Return each target minus the union of the cutters that intersect it.

    With ``smaller_only`` (targets and cutters the same array, sorted by area),
    a target is cut only by those before it.
    """
    targets = np.asarray(targets, dtype=object).copy()
    if len(targets) == 0 or len(cutters) == 0:
        return targets
    tree = shapely.STRtree(cutters)
    target_idx, cutter_idx = tree.query(targets, predicate="intersects")
    if smaller_only:
        keep = cutter_idx < target_idx
        target_idx, cutter_idx = target_idx[keep], cutter_idx[keep]
    if len(target_idx) == 0:
        return targets
    order = np.argsort(target_idx, kind="stable")
    target_idx, cutter_idx = target_idx[order], cutter_idx[order]
    starts = np.flatnonzero(np.r_[True, target_idx[1:] != target_idx[:-1]])
    ends = np.r_[starts[1:], len(target_idx)]
    cut = target_idx[starts]
    unions = np.array(
        [shapely.union_all(cutters[cutter_idx[a:b]]) for a, b in zip(starts, ends, strict=True)], dtype=object
    )
    result = shapely.difference(targets[cut], unions)
    invalid = ~shapely.is_valid(result)
    if invalid.any():
        result[invalid] = shapely.make_valid(result[invalid])
    targets[cut] = result
    return targets


def _street_blocks(osm: OsmData, crs: str, strict: bool, exclude: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    empty = gpd.GeoDataFrame({"block_id": [], "name": []}, geometry=[], crs=crs)
    buildings = osm.buildings
    chosen = buildings["residential"].to_numpy(bool)
    if strict:
        chosen = chosen & buildings["building"].isin(STRICT_RESIDENTIAL_BUILDINGS).to_numpy()
    residential = buildings[chosen]
    if osm.street_lines.empty or residential.empty:
        return empty
    building_points = shapely.point_on_surface(residential.geometry.to_crs(crs).values)
    if not exclude.empty:
        covered = shapely.STRtree(exclude.geometry.values).query(building_points, predicate="within")[0]
        building_points = np.delete(building_points, np.unique(covered))
    holding, ids, left = faces_holding(osm.street_lines_in(crs).geometry.values, building_points)
    cells, cell_ids = cells_holding(building_points[left], LOOSE_BUILDING_CELL_M)
    holding, ids = np.concatenate([holding, cells]), np.concatenate([ids, cell_ids])
    if len(holding) == 0:
        return empty
    if not exclude.empty:
        cut = _minus_overlapping(holding, exclude.geometry.to_numpy())
        holding = np.array([polygonal_part(p) for p in cut], dtype=object)
        large = shapely.area(holding) >= MIN_BLOCK_AREA_M2
        holding, ids = holding[large], ids[large]
    return gpd.GeoDataFrame({"block_id": ids, "name": None}, geometry=list(holding), crs=crs)
