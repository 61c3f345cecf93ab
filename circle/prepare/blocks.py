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

from circle.errors import InputDataError
from circle.geo import WGS84, canonical_multipolygons, polygonal_part
from circle.prepare._block_split import SplitRule, gated, split_geometries
from circle.prepare._street_faces import MARGINS_M, cells_holding, faces_holding
from circle.prepare.population.estimate import (
    POP_BUILDINGS,
    POP_USER,
    estimate_residents,
    local_share,
    residential_floor_area,
)
from circle.prepare.population.estimate import building_levels as building_levels
from circle.sources.osm import OsmData
from circle.sources.osm_features import STRICT_RESIDENTIAL_BUILDINGS
from circle.standards import Preset
from circle.study.columns import BLOCK_ID, POPULATION_HIGH, POPULATION_LOW

#: a leftover piece of an overlapping residential area smaller than this is dropped (m²).
MIN_BLOCK_AREA_M2 = 200.0


NO_RESIDENTIAL_BLOCKS = (
    "the study area has no residential blocks: no landuse=residential areas and no residential buildings "
    "inside street blocks are mapped. Give your own block polygons (GeoPackage, GeoJSON or "
    "Shapefile with a CRS), or widen the area."
)


#: residential buildings that no street block of a walkable size encloses are filed in squares this large (m).
LOOSE_BUILDING_CELL_M = 250.0


def population_reach_m(preset: Preset) -> float:
    """Return how far beyond a block's inner point the data its residents are judged by may lie (metres).

    A block's estimate looks at the blocks whose inner points lie within a square of ``mapping_cell_m``
    centred on its own (half a square away); such a street block is at most :data:`MARGINS_M`'s widest
    across, and whether it is residential at all is judged around each of its buildings in a square of
    the same size (half a square again): ``mapping_cell_m`` + the widest street block in all (4 km by
    default). A study area, or a tile of a batch, must be read at least this much wider, or a block at its
    edge is judged on part of what a whole run sees.
    """
    return float(preset.population["mapping_cell_m"].value) + MARGINS_M[-1]


def blocks_from_osm(osm: OsmData, crs: str, preset: Preset | None = None) -> tuple[gpd.GeoDataFrame, str]:
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
    preset : Preset, optional
        Its ``population`` values judge, around each building outside residential land use, whether land
        use is how residential land is mapped there (:func:`landuse_mapped_around`); without it, it is
        wherever any residential land use is mapped.

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
    # Street blocks fill the gaps: where landuse=residential is how residential
    # land is mapped around a building, only explicitly residential buildings
    # (apartments, houses …) outside it make a street block residential;
    # elsewhere any building that is not known to be something else does.
    streets = _street_blocks(osm, crs, strict=not landuse.empty, exclude=landuse, preset=preset)
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
        return gpd.GeoDataFrame({BLOCK_ID: [], "name": []}, geometry=[], crs=crs)
    names = residential["name"].fillna(residential["name_zh"]).fillna(residential["name_en"])
    frame = gpd.GeoDataFrame(
        {
            BLOCK_ID: residential["osm_type"].str[0] + residential["osm_id"].astype(str),
            "name": names.to_numpy(object),
        },
        geometry=residential.geometry.to_numpy(),
        crs=WGS84,
    ).to_crs(crs)
    return _remove_overlaps(frame)


def estimate_population(
    blocks: gpd.GeoDataFrame, osm: OsmData | None, preset: Preset, *, user_blocks: bool = False
) -> gpd.GeoDataFrame:
    """Give every block a population, its low and high figure, and record where it came from.

    A user-given ``population`` column is kept (``pop_source = "user"``).
    Otherwise residents are estimated from the buildings and the land
    (:mod:`circle.prepare.population.estimate`): Σ footprint × levels ÷ floor
    area per person (``"buildings"``) where footprints cover at least
    ``min_building_coverage`` of the block or the block is a street block;
    on residential land with fewer footprints, area × density weighted by how
    much of the land around is well mapped (``"area_density"``). All
    parameters come from the preset's ``population`` section.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Blocks in a projected CRS.
    osm : OsmData or None
        Source of building footprints; None when there is none.
    preset : Preset
        Holds the population parameters.
    user_blocks : bool, optional
        The blocks are the user's (all residential land), not OSM's (``s…``/``g…`` street blocks).

    Returns
    -------
    geopandas.GeoDataFrame
        ``blocks`` with ``population``, ``population_low``, ``population_high``, ``pop_source``,
        ``area_m2`` and ``floor_area_m2`` columns.
    """
    params = {key: float(value.value) for key, value in preset.population.items()}
    blocks = blocks.copy()
    ids = blocks[BLOCK_ID].astype(str)
    street = np.zeros(len(blocks), bool) if user_blocks else ids.str.match(r"[sg]").to_numpy(bool)
    estimated = estimate_residents(blocks, osm, params, street).drop(columns="mapped_share")
    if "population" in blocks.columns:
        given = blocks["population"].to_numpy(dtype=float)
        has = np.isfinite(given)
        for column in ("population", POPULATION_LOW, POPULATION_HIGH):
            estimated[column] = np.where(has, given, estimated[column].to_numpy(float))
        estimated["pop_source"] = np.where(has, POP_USER, estimated["pop_source"].to_numpy(object)).astype(object)
    for column in ("population", POPULATION_LOW, POPULATION_HIGH):
        estimated[column] = np.round(estimated[column].to_numpy(float), 1)
    for column, values in estimated.items():
        blocks[column] = values.to_numpy()
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

    See :mod:`circle.prepare._block_split` for the rule. A part gets the parent's
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
    ids = blocks[BLOCK_ID].astype(str).to_numpy(object)
    out = blocks.iloc[parent].reset_index(drop=True)
    out["parent_id"] = ids[parent]
    out = out.set_geometry(gpd.GeoSeries(parts, crs=blocks.crs).values)
    cut = count[parent] > 1
    if not cut.any():
        out["fence"] = None
        return out
    rank = np.arange(len(parent)) - np.searchsorted(parent, parent)
    out.loc[cut, BLOCK_ID] = [f"{i}-{r + 1}" for i, r in zip(ids[parent[cut]], rank[cut], strict=True)]
    params = {key: float(value.value) for key, value in preset.population.items()}
    # only the parts need their floor area found; a block that was not cut keeps the one it has
    floor = out["floor_area_m2"].to_numpy(float).copy()
    floor[cut] = residential_floor_area(out[cut], osm, params)[0]
    area = shapely.area(parts)
    by_floor = blocks["pop_source"].isin([POP_BUILDINGS, POP_USER]).to_numpy() & (
        np.bincount(parent, weights=floor, minlength=len(blocks)) > 0
    )
    weight = np.where(by_floor[parent], floor, area)
    total = np.bincount(parent, weights=weight, minlength=len(blocks))
    share = np.where(total[parent] > 0, weight / np.where(total[parent] > 0, total[parent], 1.0), 1.0 / count[parent])
    for column in [c for c in ("population", POPULATION_LOW, POPULATION_HIGH) if c in blocks.columns]:
        values = blocks[column].to_numpy(float)[parent]
        out[column] = np.where(cut, values * share, values)
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
    return frame.sort_values(BLOCK_ID).reset_index(drop=True)


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


def landuse_mapped_around(points: np.ndarray, footprint: np.ndarray, inside: np.ndarray, preset: Preset) -> np.ndarray:
    """Whether ``landuse=residential`` is how residential land is mapped around each building.

    It is where at least ``complete_mapping_share`` of the residential
    footprint within a square of ``mapping_cell_m`` centred on the building
    lies inside residential land use (``inside``). Elsewhere (a city mapped
    by its buildings alone, like Monaco in 2016 inside a file whose French
    neighbours are mapped by land use) a building outside it that is not
    known to be something else is a home. The square moves with the
    building (:func:`circle.prepare.population.estimate.local_share`).
    """
    params = {key: float(value.value) for key, value in preset.population.items()}
    share = local_share(points, np.where(inside, footprint, 0.0), footprint, params["mapping_cell_m"])
    return share >= params["complete_mapping_share"]


def _street_blocks(
    osm: OsmData, crs: str, strict: bool, exclude: gpd.GeoDataFrame, preset: Preset | None = None
) -> gpd.GeoDataFrame:
    empty = gpd.GeoDataFrame({BLOCK_ID: [], "name": []}, geometry=[], crs=crs)
    buildings = osm.buildings
    residential = buildings[buildings["residential"].to_numpy(bool)]
    if osm.street_lines.empty or residential.empty:
        return empty
    geoms = residential.geometry.to_crs(crs).values
    building_points = shapely.point_on_surface(geoms)
    inside = np.zeros(len(building_points), bool)
    if not exclude.empty:
        inside[shapely.STRtree(exclude.geometry.values).query(building_points, predicate="within")[0]] = True
    keep = ~inside
    if strict:
        explicit = residential["building"].isin(STRICT_RESIDENTIAL_BUILDINGS).to_numpy()
        if preset is not None:
            explicit = explicit | ~landuse_mapped_around(building_points, shapely.area(geoms), inside, preset)
        keep = keep & explicit
    building_points = building_points[keep]
    if len(building_points) == 0:
        return empty
    holding, ids, left = faces_holding(osm.street_lines_in(crs).geometry.values, building_points)
    cells, cell_ids = cells_holding(building_points[left], LOOSE_BUILDING_CELL_M)
    if len(cells) and len(holding):
        # a square round loose buildings may reach into a street block holding others: those are the block's,
        # and a building counted in both would be counted twice
        cells = np.array([polygonal_part(p) for p in _minus_overlapping(cells, holding)], dtype=object)
        kept = shapely.area(cells) >= MIN_BLOCK_AREA_M2
        cells, cell_ids = cells[kept], cell_ids[kept]
    holding, ids = np.concatenate([holding, cells]), np.concatenate([ids, cell_ids])
    if len(holding) == 0:
        return empty
    if not exclude.empty:
        cut = _minus_overlapping(holding, exclude.geometry.to_numpy())
        holding = np.array([polygonal_part(p) for p in cut], dtype=object)
        large = shapely.area(holding) >= MIN_BLOCK_AREA_M2
        holding, ids = holding[large], ids[large]
    return gpd.GeoDataFrame({BLOCK_ID: ids, "name": None}, geometry=list(holding), crs=crs)
