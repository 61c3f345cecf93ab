"""Merge the tiles of a tiled study into one study folder.

Each tile (see :mod:`circle.pipeline.tiling`) owns its blocks; a facility belongs to
the tile whose cell holds its inner point (the nearest cell for one outside
the grid), where its whole neighbourhood was seen. The merged folder has
every tile's blocks with their reach columns and access rows, every
facility once, and the union of the tiles' networks, nodes matched by their
OpenStreetMap ids and renumbered in id order. Counts are recomputed from the
merged tables, and so are the population figures (residents the user
counted are shared among the merged blocks here, once); the summary keeps
what every tile shares (preset, profile, CRS, parameters) and records the
tiles under ``batch``. The folder is written atomically like any study.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import resource
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from circle.errors import StudyError
from circle.geo import WGS84
from circle.pipeline.tiling import TileGrid, TileOf
from circle.prepare.population.ages import age_summary, recorded_group_ages
from circle.prepare.population.counts import CountedSources, recount_merged
from circle.prepare.population.totals import population_summary
from circle.standards import Preset
from circle.study import Study, StudyTables, study_counts, write_study
from circle.study.columns import BLOCK_ID, FACILITY_ID
from circle.study.summary import Imports, Memory, SourceInfo

#: blocks of these id prefixes come first, in this order (as ``circle analyze`` lists them).
_BLOCK_KIND_ORDER = {"w": 0, "r": 0, "s": 1, "g": 2}


def merge_tiles(
    tiles: Sequence[tuple[TileOf, Path]],
    out: str | Path,
    source: SourceInfo,
    extra: dict[str, Any] | None = None,
    population: tuple[CountedSources, Preset] | None = None,
) -> Path:
    """Merge tile studies into one study folder at ``out``.

    Parameters
    ----------
    tiles : sequence of (TileOf, pathlib.Path)
        Every tile of the grid and its study folder.
    out : str or pathlib.Path
        The merged study folder (replaced atomically).
    source : SourceInfo
        The merged study's source (the city file, its SHA-256 …).
    extra : dict, optional
        Recorded under ``batch`` in the summary (split and tile timings).
    population : tuple of (CountedSources, Preset), optional
        Residents the user counted, shared among the merged blocks (with the region's values in the preset);
        the tiles hold estimates only.

    Returns
    -------
    pathlib.Path
        The merged folder.

    Raises
    ------
    StudyError
        When a tile is missing, damaged or from another grid, CRS or preset.
    """
    started = time.perf_counter()
    studies = [(tile, Study.open(folder)) for tile, folder in tiles]
    if not studies:
        raise StudyError("no tile to merge.")
    template = studies[0][1].summary
    for tile, study in studies:
        for key in ("crs", "profile", "preset", "parameters", "categories", "engine"):
            if getattr(study.summary, key) != getattr(template, key):
                raise StudyError(f"tile {tile.name} ({study.path}) differs from the others in {key}: rebuild it.")
    grid = studies[0][0].grid
    osm_ids = np.unique(np.concatenate([s.nodes["osm_id"].to_numpy(np.int64) for _, s in studies]))
    blocks, block_access = _merged_blocks(studies, osm_ids)
    imports = template.imports.to_dict()
    if population is not None and len(blocks):
        counted, preset = population
        region = template.parameters.region
        blocks, reports, population_section = recount_merged(blocks, counted, preset, template.crs, region)
        imports.update(reports)
    else:
        population_section = population_summary(blocks)  # the city's, not the first tile's
        # the tiles' residents by age group stand as they are; their totals are the city's
        ages = age_summary(blocks, recorded_group_ages(template.population.get("ages")), template.parameters.region)
        population_section.update({"ages": ages} if ages else {})
    facilities, facility_access = _merged_facilities(studies, osm_ids, grid)
    nodes, edges = _merged_network(studies, osm_ids)
    tables = StudyTables(blocks, facilities, nodes, edges, block_access, facility_access)
    categories = template.category_keys
    origins = sorted({s.summary.counts.block_origin for _, s in studies if s.summary.counts.blocks})
    west, south, east, north = blocks.total_bounds if len(blocks) else (np.nan,) * 4
    summary = dataclasses.replace(
        template,
        created=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        source=source,
        study_area=f"bbox {','.join(f'{v:g}' for v in grid.bbox)} in {grid.columns}×{grid.rows} tiles",
        study_area_wkt=shapely.box(*grid.bbox).wkt,
        imports=Imports.from_dict(imports),
        population=population_section,
        bbox=[float(west), float(south), float(east), float(north)],
        counts=study_counts(
            tables,
            categories,
            sum(s.summary.counts.network_nodes_before_islands for _, s in studies),
            "+".join(origins) if origins else "none",
        ),
        dropped_islands={"per_tile": {tile.name: s.summary.dropped_islands for tile, s in studies}},
        memory=Memory(
            estimated_peak_mb=max((s.summary.memory.estimated_peak_mb or 0) for _, s in studies),
            measured_peak_mb=max(s.summary.memory.measured_peak_mb for _, s in studies),
        ),
        timings_s={
            "tiles_total": round(sum(s.summary.timings_s.get("total", 0.0) for _, s in studies), 3),
            "merge": round(time.perf_counter() - started, 3),
        },
        batch={
            "grid": {"bbox": list(grid.bbox), "columns": grid.columns, "rows": grid.rows},
            "tiles": {
                tile.name: {"blocks": s.summary.counts.blocks, "timings_s": s.summary.timings_s} for tile, s in studies
            },
            **(extra or {}),
        },
    )
    summary.memory.merge_peak_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    tables.summary = summary
    return write_study(tables, out, overwrite=True)


def _node_index(study: Study, osm_ids: np.ndarray) -> np.ndarray:
    """For each of a tile's node numbers, its number in the merged network."""
    nodes = study.nodes.sort_values("node")
    return np.searchsorted(osm_ids, nodes["osm_id"].to_numpy(np.int64))


def _merged_blocks(studies, osm_ids: np.ndarray) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    frames, access = [], []
    for _, study in studies:
        if len(study.blocks) == 0:
            continue
        frames.append(study.blocks)
        rows = study.block_access.copy()
        rows["node"] = _node_index(study, osm_ids)[rows["node"].to_numpy(np.int64)]
        access.append(rows)
    if not frames:
        return studies[0][1].blocks.iloc[:0], studies[0][1].block_access.iloc[:0]
    blocks = pd.concat(frames, ignore_index=True)
    if blocks[BLOCK_ID].duplicated().any():
        twice = blocks.loc[blocks[BLOCK_ID].duplicated(), BLOCK_ID].head(3).tolist()
        raise StudyError(f"blocks {', '.join(twice)} belong to two tiles: the tiles are from different grids.")
    ids = blocks[BLOCK_ID].astype(str)
    kind = ids.str[0].map(_BLOCK_KIND_ORDER).fillna(3).to_numpy()
    order = np.lexsort((ids.to_numpy(), kind))
    blocks = gpd.GeoDataFrame(blocks.iloc[order].reset_index(drop=True), geometry="geometry", crs=WGS84)
    access = pd.concat(access, ignore_index=True)
    position = pd.Series(np.arange(len(blocks)), index=blocks[BLOCK_ID])
    access = access.iloc[np.lexsort((access["node"].to_numpy(), position[access[BLOCK_ID]].to_numpy()))]
    return blocks, access.reset_index(drop=True)


def _merged_facilities(studies, osm_ids: np.ndarray, grid: TileGrid) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    frames, access = [], []
    for tile, study in studies:
        facilities = study.facilities
        if len(facilities) == 0:
            continue
        inner = shapely.point_on_surface(facilities.geometry.values)
        column, row = grid.nearest_index(shapely.get_x(inner), shapely.get_y(inner))
        mine = facilities[(column == tile.column) & (row == tile.row)]
        frames.append(mine)
        rows = study.facility_access[study.facility_access[FACILITY_ID].isin(mine[FACILITY_ID])].copy()
        rows["node"] = _node_index(study, osm_ids)[rows["node"].to_numpy(np.int64)]
        access.append(rows)
    if not frames:
        return studies[0][1].facilities.iloc[:0], studies[0][1].facility_access.iloc[:0]
    facilities = pd.concat(frames, ignore_index=True)
    order = {key: i for i, key in enumerate(studies[0][1].summary.category_keys)}
    facilities = facilities.iloc[
        np.lexsort((facilities[FACILITY_ID].to_numpy(), facilities["category"].map(order).to_numpy()))
    ]
    facilities = gpd.GeoDataFrame(facilities.reset_index(drop=True), geometry="geometry", crs=WGS84)
    access = pd.concat(access, ignore_index=True)
    position = pd.Series(np.arange(len(facilities)), index=facilities[FACILITY_ID])
    access = access.iloc[np.lexsort((access["node"].to_numpy(), position[access[FACILITY_ID]].to_numpy()))]
    return facilities, access.reset_index(drop=True)


def _merged_network(studies, osm_ids: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    node_frames, edge_frames = [], []
    for _, study in studies:
        index = _node_index(study, osm_ids)
        nodes = study.nodes.sort_values("node")
        node_frames.append(nodes.assign(node=index))
        edges = study.edges
        edge_frames.append(edges.assign(u=index[edges["u"].to_numpy(np.int64)], v=index[edges["v"].to_numpy(np.int64)]))
    nodes = pd.concat(node_frames, ignore_index=True).drop_duplicates("node").sort_values("node")
    edges = pd.concat(edge_frames, ignore_index=True)
    edges = edges.sort_values(["u", "v", "seconds"], kind="stable").drop_duplicates(["u", "v"])
    return nodes.reset_index(drop=True), edges.reset_index(drop=True)
