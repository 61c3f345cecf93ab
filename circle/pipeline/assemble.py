"""Assembling a study's outputs: its tables and its summary, from the inputs and the engine's answer."""

from __future__ import annotations

import datetime as dt
import resource
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

import circle
from circle.engine import CategoryReach
from circle.geo import WGS84, transform_xy
from circle.prepare.network import AccessTable
from circle.prepare.population.ages import age_summary, group_ages
from circle.prepare.population.totals import population_summary
from circle.standards.age_groups import population_column
from circle.study import ATTRIBUTION, FORMAT_VERSION, StudyTables, study_counts
from circle.study.columns import (
    BLOCK_ID,
    FACILITY_ID,
    MATCHED_RULE,
    POP_AGE_SOURCE,
    POPULATION_HIGH,
    POPULATION_LOW,
    count_column,
    nearest_id_column,
    time_column,
)
from circle.study.summary import (
    CategoryInfo,
    Imports,
    Memory,
    Parameters,
    PresetInfo,
    ProfileInfo,
    SourceInfo,
    StudySummary,
)

if TYPE_CHECKING:
    from circle.pipeline.inputs import StudyInputs
    from circle.standards import Preset


def study_tables(inputs: StudyInputs, reach: dict[str, CategoryReach]) -> StudyTables:
    """Return the study's tables: blocks with their reach columns, facilities, network and access rows."""
    blocks, facilities, network = inputs.blocks, inputs.facilities, inputs.network
    block_access, facility_access, preset = inputs.block_access, inputs.facility_access, inputs.preset
    n_blocks = len(blocks)
    access_count = np.bincount(block_access.owner, minlength=n_blocks)
    block_reaches, facility_reaches = reach_each_other(
        inputs.network, block_access, facility_access, n_blocks, len(facilities)
    )
    access_m = _min_per_owner(block_access.owner, block_access.snap_m, n_blocks)
    via = np.zeros(n_blocks, bool)
    via[inputs.block_point_owner[inputs.block_via_entrance]] = True
    out = pd.DataFrame(
        {
            BLOCK_ID: blocks[BLOCK_ID].astype(str).to_numpy(),
            "name": blocks["name"].to_numpy(object),
            "place_zh": blocks["place_zh"].to_numpy(object),
            "place_en": blocks["place_en"].to_numpy(object),
            "subdistrict": blocks["subdistrict"].to_numpy(object),
            "community": blocks["community"].to_numpy(object),
            "population": blocks["population"].to_numpy(float),
            POPULATION_LOW: blocks[POPULATION_LOW].to_numpy(float),
            POPULATION_HIGH: blocks[POPULATION_HIGH].to_numpy(float),
            "pop_source": blocks["pop_source"].to_numpy(object),
            "pop_flag": blocks["pop_flag"].to_numpy(object),
            **_age_columns(blocks, preset),
            "parent_id": blocks["parent_id"].astype(str).to_numpy(object),
            "area_m2": np.round(blocks["area_m2"].to_numpy(float), 1),
            "floor_area_m2": np.round(blocks["floor_area_m2"].to_numpy(float), 1),
            "access_points": access_count,
            "access_via": np.where(via, "entrances", "boundary"),
            "access_m": np.round(access_m, 1),
            "reachable": block_reaches,
        }
    )
    columns = {}
    for category in preset.categories:
        answer = reach[category.key]
        ids = answer.nearest[:, 0]
        for rank in range(preset.k_nearest):
            columns[time_column(category.key, rank + 1)] = answer.seconds[:, rank] / 60.0
        for position, minutes in enumerate(preset.thresholds_min):
            columns[count_column(category.key, minutes)] = answer.counts[:, position].astype(np.int32)
        category_ids = facilities.loc[facilities["category"] == category.key, FACILITY_ID].to_numpy(object)
        nearest = np.full(n_blocks, None, dtype=object)
        nearest[ids >= 0] = category_ids[ids[ids >= 0]]
        columns[nearest_id_column(category.key)] = nearest
    out = pd.concat([out, pd.DataFrame(columns)], axis=1)
    block_table = gpd.GeoDataFrame(out, geometry=blocks.geometry.to_crs(WGS84).to_numpy(), crs=WGS84)

    facility_count = np.bincount(facility_access.owner, minlength=len(facilities))
    facility_table = gpd.GeoDataFrame(
        {
            FACILITY_ID: facilities[FACILITY_ID].to_numpy(object),
            "category": facilities["category"].to_numpy(object),
            "name": facilities["name"].to_numpy(object),
            "osm_id": facilities["osm_id"].to_numpy(np.int64) if len(facilities) else np.zeros(0, np.int64),
            "osm_type": facilities["osm_type"].to_numpy(object),
            "source": facilities["source"].to_numpy(object),
            MATCHED_RULE: (
                facilities[MATCHED_RULE].to_numpy(object) if MATCHED_RULE in facilities else [None] * len(facilities)
            ),
            "capacity": [_number(t.get("capacity")) for t in facilities["tags"]],
            "beds": [_number(t.get("beds")) for t in facilities["tags"]],
            "access_points": facility_count,
            "access_m": np.round(_min_per_owner(facility_access.owner, facility_access.snap_m, len(facilities)), 1),
            "reachable": facility_reaches,
        },
        geometry=facilities.geometry.to_crs(WGS84).to_numpy(),
        crs=WGS84,
    )
    lon, lat = network.lonlat()
    nodes = pd.DataFrame(
        {
            "node": np.arange(network.n_nodes),
            "x": network.x,
            "y": network.y,
            "lon": lon,
            "lat": lat,
            "osm_id": network.osm_id,
        }
    )
    edges = network.directed_edges()
    block_ids = block_table[BLOCK_ID].to_numpy(object)
    facility_ids = facility_table[FACILITY_ID].to_numpy(object)
    return StudyTables(
        blocks=block_table,
        facilities=facility_table,
        nodes=nodes,
        edges=edges,
        block_access=_access_frame(block_access, block_ids, BLOCK_ID, network.crs),
        facility_access=_access_frame(facility_access, facility_ids, FACILITY_ID, network.crs),
    )


def _age_columns(blocks: pd.DataFrame, preset: Preset) -> dict[str, np.ndarray]:
    """Return the blocks' residents of each group the preset serves, and where their split came from (when made)."""
    columns = [population_column(group.key) for group in preset.served_groups]
    if POP_AGE_SOURCE not in blocks.columns:
        return {}
    out = {column: blocks[column].to_numpy(float) for column in columns}
    out[POP_AGE_SOURCE] = blocks[POP_AGE_SOURCE].to_numpy(object)
    return out


def _population_section(blocks: pd.DataFrame, preset: Preset, region: str | None) -> dict[str, Any]:
    """Return the summary's ``population`` section, with residents by age group under ``ages``."""
    ages = age_summary(blocks, group_ages(preset.served_groups), region)
    return {**population_summary(blocks), **({"ages": ages} if ages else {})}


def _number(text: str | None) -> float:
    try:
        return float(str(text).strip()) if text is not None else np.nan
    except ValueError:
        return np.nan


def off_ground_access(network, block_access, facility_access) -> dict[str, int]:
    """Count the blocks and facilities entered only from bridges, tunnels or other layers (nothing at ground near)."""
    ground = ~network.ground_flags()
    at_ground = np.zeros(network.n_nodes, bool)
    at_ground[network.a[ground]] = True
    at_ground[network.b[ground]] = True
    counts = {}
    for name, access in (("blocks", block_access), ("facilities", facility_access)):
        if not len(access):
            counts[name] = 0
            continue
        grounded = np.bincount(access.owner, weights=at_ground[access.node].astype(float))
        rows = np.bincount(access.owner)
        counts[name] = int(((rows > 0) & (grounded == 0)).sum())
    return counts


def reach_each_other(
    network, block_access, facility_access, n_blocks: int, n_facilities: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return which blocks and which facilities are reachable, true by construction.

    A block is reachable when one of its access rows lies on a piece of the
    network that some facility's access row lies on too, and a facility when
    it shares a piece with some block: an owner that reaches only a detached
    piece (or no network at all) is counted and listed as unreachable.
    """
    labels = network.components() if network.n_nodes else np.zeros(0, np.int64)
    block_piece = labels[block_access.node] if len(block_access) else np.zeros(0, np.int64)
    facility_piece = labels[facility_access.node] if len(facility_access) else np.zeros(0, np.int64)
    # with nothing on the other side (no facility mapped at all), any piece will do
    block_ok = np.zeros(n_blocks, bool)
    block_ok[block_access.owner[np.isin(block_piece, facility_piece) if len(facility_piece) else slice(None)]] = True
    facility_ok = np.zeros(n_facilities, bool)
    facility_ok[facility_access.owner[np.isin(facility_piece, block_piece) if len(block_piece) else slice(None)]] = True
    return block_ok, facility_ok


def _min_per_owner(owner: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    result = np.full(n, np.nan)
    if len(owner):
        order = np.lexsort((values, owner))
        first = np.ones(len(order), bool)
        first[1:] = owner[order][1:] != owner[order][:-1]
        result[owner[order][first]] = values[order][first]
    return result


def _access_frame(access: AccessTable, ids: np.ndarray, id_column: str, crs: str) -> pd.DataFrame:
    lon, lat = transform_xy(access.x, access.y, crs, WGS84)
    return pd.DataFrame(
        {
            id_column: ids[access.owner] if len(access) else np.zeros(0, object),
            "node": access.node,
            "seconds": access.seconds,
            "x": access.x,
            "y": access.y,
            "lon": lon,
            "lat": lat,
            "snap_m": access.snap_m,
        }
    )


def terrain_comparison(
    inputs: StudyInputs, reach: dict[str, CategoryReach], flat_reach: dict[str, CategoryReach]
) -> dict[str, Any]:
    """Compare coverage with the terrain against flat ground, per category.

    Returns
    -------
    dict
        Per category: the population share whose nearest facility is within
        the preset's threshold on flat ground and with the terrain, the change
        in points, and the median change of the nearest time in minutes.
    """
    population = inputs.blocks["population"].to_numpy(float)
    total = float(population.sum()) or 1.0
    criterion = inputs.preset.scoring.criterion if inputs.preset.scoring else "time"
    result = {}
    for category in inputs.preset.categories:
        threshold = category.threshold_s(criterion, inputs.profile.speed)
        hilly = reach[category.key].seconds[:, 0]
        level = flat_reach[category.key].seconds[:, 0]
        both = np.isfinite(hilly) & np.isfinite(level)
        share_flat = float(population[np.isfinite(level) & (level <= threshold)].sum()) / total
        share_terrain = float(population[np.isfinite(hilly) & (hilly <= threshold)].sum()) / total
        result[category.key] = {
            "coverage_flat": round(share_flat, 4),
            "coverage_terrain": round(share_terrain, 4),
            "change_points": round(100 * (share_terrain - share_flat), 2),
            "median_change_min": round(float(np.median((hilly - level)[both])) / 60.0, 3) if both.any() else None,
        }
    return result


def study_summary(
    inputs: StudyInputs,
    engine: str,
    tables: StudyTables,
    timings: dict[str, float],
) -> StudySummary:
    """Return the study's summary: where it came from, how it was computed, what it holds and cost."""
    preset, profile, path, osm, area = inputs.preset, inputs.profile, inputs.path, inputs.osm, inputs.area
    network, full_size = inputs.network, inputs.full_size
    blocks = tables.blocks
    west, south, east, north = blocks.total_bounds if len(blocks) else (np.nan,) * 4
    return StudySummary(
        format_version=FORMAT_VERSION,
        circle_version=circle.__version__,
        created=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        source=SourceInfo(
            label=inputs.source_label,
            path=str(path.resolve()),
            file=path.name,
            sha256=inputs.checksum,
            data_timestamp=osm.data_timestamp,
            reader_warnings=osm.warnings[:20],
            reader_warning_count=len(osm.warnings),
        ),
        study_area=area.description if area else "whole extract",
        study_area_wkt=area.geometry.wkt if area else None,
        bbox=[float(west), float(south), float(east), float(north)],
        crs=inputs.crs,
        profile=ProfileInfo.from_dict(profile.to_dict()),
        preset=PresetInfo(
            name=preset.name,
            path=preset.path,
            title={"zh": preset.title_zh, "en": preset.title_en},
            source=preset.source,
        ),
        engine=engine,
        parameters=Parameters(
            k_nearest=preset.k_nearest,
            thresholds_min=list(preset.thresholds_min),
            search_limit_min=preset.search_limit_s / 60.0,
            max_snap_m=inputs.max_snap_m,
            analysis={k: v.to_dict() for k, v in preset.analysis.items()},
            population={k: v.to_dict() for k, v in preset.population.items()},
            region=inputs.region,
        ),
        population=_population_section(blocks, preset, inputs.region),
        categories=[CategoryInfo.from_dict(c.to_dict()) for c in preset.categories],
        scoring=preset.scoring.to_dict() if preset.scoring else None,
        counts=study_counts(tables, [c.key for c in preset.categories], full_size[0], inputs.block_origin),
        dropped_islands=network.dropped,
        off_ground_access=off_ground_access(network, inputs.block_access, inputs.facility_access),
        imports=Imports.from_dict(inputs.imports),
        memory=Memory(
            estimated_peak_mb=inputs.memory_estimate_mb,
            measured_peak_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        ),
        terrain=network.terrain or None,
        timings_s=dict(timings),
        attribution=ATTRIBUTION,
    )
