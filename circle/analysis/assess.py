"""Study-level measures: scores, renewal priorities, supply, green, closures' effects and suggested sites.

Each reads an open study and computes with :mod:`circle.analysis.scoring`,
:mod:`circle.analysis.planning`, :mod:`circle.analysis.supply`, :mod:`circle.engine.whatif` and
:mod:`circle.analysis.suggest`; nothing is written, and no file but the
study's is read. The tasks (:mod:`circle.tasks.score`,
:mod:`circle.tasks.whatif`, :mod:`circle.tasks.suggest`) call them and save
the results into the study folder.

A category's E2SFCA demand and the residents a suggested site serves are
those of the age group the category serves (:mod:`circle.analysis.demand`):
a kindergarten's demand is the 3–6-year-olds of its catchment, a suggested
kindergarten goes where unserved children live. Counted by age, a place (a
kindergarten place, a bed) serves one resident of the group, so a facility is
over-subscribed when its weighted demand exceeds its places; counted over all
residents, the preset's ``residents_per_capacity_unit`` applies as before.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from circle.analysis.changes import cut_off, time_changes
from circle.analysis.completeness import category_completeness, register_mask
from circle.analysis.demand import demand_of
from circle.analysis.planning import flagged_blocks, renewal_areas, renewal_priority
from circle.analysis.saved_reach import scenario_engine
from circle.analysis.scoring import Assessment, score_blocks, summarize
from circle.analysis.suggest import candidate_coverage, greedy_mclp
from circle.analysis.supply import capacity_of, capacity_report, e2sfca
from circle.engine.closures import segment_lines
from circle.engine.whatif import ScenarioEngine
from circle.errors import CircleError
from circle.geo import WGS84, transform_xy
from circle.standards import Preset, load_preset
from circle.study import Study
from circle.study.block_figures import population_flags
from circle.study.columns import BLOCK_ID, FACILITY_ID, e2sfca_column, time_column
from circle.study.scenarios import Change
from circle.study.summary import ScoreSummary

#: residents of a category's age group one place serves when the preset does not say (``served_per_place``):
#: one child per kindergarten or school place, as 学位 are planned for every child of the age
GROUP_RESIDENTS_PER_PLACE = 1.0


def study_preset(study: Study, preset: str | Path | None = None) -> Preset:
    """Return the preset to score with: the given one, else the one the study was built with.

    Raises
    ------
    CircleError
        When the preset has categories the study did not compute.
    """
    if preset is None:
        recorded = study.summary.preset
        path = recorded.path or ""
        preset = recorded.name if path.endswith("(built-in)") or not Path(path).is_file() else path
    loaded = load_preset(preset)
    missing = [c.key for c in loaded.categories if time_column(c.key, 1) not in study.blocks.columns]
    if missing:
        raise CircleError(
            f"the study was built with preset {study.summary.preset.name!r} and has no times for "
            f"{', '.join(missing)}. Analyse the study again with preset {loaded.name}.",
            about=("preset",),
        )
    return loaded


def assessment_of(study: Study, preset: Preset, changes: list[Change] = ()) -> Assessment:
    """Return the assessment of a study under a preset.

    Only categories the data holds completely enough are assessable (see
    :mod:`circle.analysis.completeness`). A category a scenario adds facilities
    to counts those as the planner's own list, so adding the first
    kindergarten is assessed (its baseline then serves nobody).
    """
    added: dict[str, int] = {}
    for change in changes:
        if change.kind == "add" and change.category:
            added[change.category] = added.get(change.category, 0) + 1
    facilities = study.facilities
    imports = study.summary.imports
    found = category_completeness(
        preset,
        study.blocks,
        facilities["category"],
        facilities.get("source"),
        inside_area=_inside_study_area(study, facilities),
        extra_facilities=added,
        registers=register_mask(facilities.get("source"), imports.facilities if imports else None),
    )
    return Assessment.of_completeness(preset, study.summary.profile.speed, found)


def _inside_study_area(study: Study, facilities: gpd.GeoDataFrame) -> np.ndarray | None:
    """Return which facilities lie inside the study area (None: the whole extract is the area)."""
    wkt = study.summary.study_area_wkt
    if not wkt or facilities.empty:
        return None
    area = shapely.from_wkt(wkt)
    points = facilities.geometry.representative_point()
    if facilities.crs is not None and str(facilities.crs) != WGS84:
        points = points.to_crs(WGS84)
    return shapely.intersects(area, points.to_numpy())


@dataclass
class ScoreResult:
    """What ``circle score`` produced."""

    scores: pd.DataFrame
    summary: ScoreSummary
    areas: gpd.GeoDataFrame
    labels: dict[str, dict[str, str]]


def compute_scores(
    study: Study,
    preset: str | Path | None = None,
    sub_area: tuple[str, BaseGeometry] | None = None,
    include_flagged: bool = False,
) -> ScoreResult:
    """Score every block, rank renewal priorities and compute E2SFCA where capacities are known.

    Nothing is written or read but the study (the app calls this for each
    preset a planner tries); :func:`circle.tasks.score.score` reads a
    sub-area's file and saves.

    Parameters
    ----------
    study : Study
        The study folder.
    preset : str or pathlib.Path, optional
        A preset name or file (default: the study's own).
    sub_area : tuple of (str, shapely geometry), optional
        A sub-area (a district): the file it was read from and its polygon (WGS-84); its summary is added
        under ``areas``, keyed by the file's name.
    include_flagged : bool, default False
        Rank blocks whose population is flagged implausible among the renewal
        priorities too (by default they are listed apart, to be checked first).

    Returns
    -------
    ScoreResult
        The scored blocks, their summary and the candidate renewal areas.
    """
    started = time.perf_counter()
    loaded = study_preset(study, preset)
    assessment = assessment_of(study, loaded)
    blocks = study.blocks
    scores = score_blocks(blocks, assessment)
    scores = renewal_priority(scores, blocks, assessment, include_flagged)
    areas = renewal_areas(scores, blocks.geometry, assessment, study.crs)
    supply = _supply(study, loaded, assessment, scores)
    summary = dataclasses.replace(
        summarize(scores, assessment),
        preset=loaded.name,
        scoring=loaded.scoring.to_dict(),
        thresholds_min={c.key: round(assessment.threshold_s(c) / 60.0, 2) for c in assessment.categories()},
        renewal_areas=len(areas),
        top_areas=[
            {k: row[k] for k in ("area_id", "blocks", "population", "priority", "missing_en", "missing_zh")}
            for row in areas.head(10).to_dict("records")
        ],
        supply=supply,
        green=_green(study, loaded, scores),
        flagged_blocks=flagged_blocks(blocks),
        flagged_in_priorities=include_flagged,
    )
    if sub_area is not None:
        source, polygons = sub_area
        summary.areas = {Path(source).name: _sub_area(study, scores, assessment, source, polygons)}
    summary.seconds = round(time.perf_counter() - started, 3)
    labels = {c.key: {"zh": c.label_zh, "en": c.label_en} for c in loaded.categories}
    return ScoreResult(scores, summary, areas, labels)


def _sub_area(
    study: Study, scores: pd.DataFrame, assessment: Assessment, source: str, polygon: BaseGeometry
) -> ScoreSummary:
    inner = study.blocks.geometry.representative_point()
    inside = inner.within(polygon).to_numpy()
    if not inside.any():
        raise CircleError(f"no block of the study lies inside {source}; check the polygon and its CRS.")
    return summarize(scores[inside].reset_index(drop=True), assessment)


def _supply(study: Study, preset: Preset, assessment: Assessment, scores: pd.DataFrame) -> dict[str, Any]:
    rules = preset.scoring.e2sfca
    facilities = study.facilities
    report = capacity_report(facilities, list(assessment.assessable))
    if not rules:
        return {"note": "the preset has no e2sfca section", "capacity": report}
    capacity = capacity_of(facilities)
    engine = None
    limits = [float(v) for v in rules["band_limits_min"].value]
    weights = [float(v) for v in rules["band_weights"].value]
    result: dict[str, Any] = {"capacity": report, "categories": {}}
    for category in assessment.assessable:
        demand = demand_of(preset, preset.category(category), scores)
        # counted by age, one place serves the category's served_per_place residents of its group (a kindergarten
        # place one child; an elderly-care bed about 31 older residents); counted by everyone, the preset's rule
        per_place = preset.category(category).served_per_place
        if demand.by_age:
            per_unit = float(per_place.value) if per_place is not None else GROUP_RESIDENTS_PER_PLACE
        else:
            per_unit = float(rules["residents_per_capacity_unit"].value)
        known = np.flatnonzero((facilities["category"] == category).to_numpy() & np.isfinite(capacity))
        if len(known) == 0:
            result["categories"][category] = "no facility has a known capacity: E2SFCA not computed"
            continue
        engine = engine or scenario_engine(study)
        state = engine.states[category]
        ids = facilities[FACILITY_ID].to_numpy()[known]
        access = [state.access.take(np.flatnonzero(state.access.owner == state.ids.index(i))) for i in ids]
        accessibility, per_facility = e2sfca(
            engine.network,
            engine.origins,
            demand.residents(scores),
            access,
            capacity[known],
            limits,
            weights,
        )
        scores[e2sfca_column(category)] = accessibility
        per_facility.insert(0, FACILITY_ID, ids)
        per_facility["capacity"] = capacity[known]
        per_facility["oversubscribed"] = per_facility["weighted_demand"] > per_unit * per_facility["capacity"]
        partial = report[category]["with_capacity"] < report[category]["facilities"]
        result["categories"][category] = {
            "facilities_with_capacity": len(known),
            "partial": partial,
            "note": "capacity unknown for some facilities: their supply is missing, so ratios are understated"
            if partial
            else "",
            "oversubscribed": per_facility.loc[per_facility["oversubscribed"], FACILITY_ID].tolist(),
            "facilities": per_facility.round(6).to_dict("records"),
            "residents_per_place": per_unit,
            **({"group": demand.record()} if demand.by_age else {}),
            **({"demand_note": demand.notes()} if demand.fallback else {}),
        }
    return result


def _green(study: Study, preset: Preset, scores: pd.DataFrame) -> dict[str, Any] | None:
    rules = preset.scoring.green
    if not rules:
        return None
    facilities = study.facilities
    green = facilities[facilities["category"].isin(rules["categories"])]
    polygons = green[green.geometry.geom_type.isin(["Polygon", "MultiPolygon"])].to_crs(study.crs)
    standard = float(rules["per_capita_m2"].value)
    if len(green) and polygons.empty:
        # parks known only as points (an imported web-map export replaced OSM's areas): their area is unknown,
        # which is no 0 m² per resident
        return {
            "public_green_m2": None,
            "per_capita_m2": None,
            "standard_m2": standard,
            "renewal_minimum_m2": round(standard * float(rules["renewal_share"].value), 2),
            "meets_standard": None,
            "note": f"the {len(green)} public green facilities are points (an imported list): their area is unknown, "
            "so green per resident cannot be computed; keep OpenStreetMap's park areas (--facilities-mode add) or "
            "import a list with areas",
        }
    blocks_hull = shapely.convex_hull(
        shapely.multipoints(shapely.get_coordinates(study.blocks.to_crs(study.crs).geometry.values))
    )
    area = float(polygons.drop_duplicates("osm_id").intersection(blocks_hull).area.sum())
    population = float(scores["population"].sum())
    per_capita = area / population if population else None
    return {
        "public_green_m2": round(area, 1),
        "per_capita_m2": round(per_capita, 2) if per_capita is not None else None,
        "standard_m2": standard,
        "renewal_minimum_m2": round(standard * float(rules["renewal_share"].value), 2),
        "meets_standard": per_capita is not None and per_capita >= standard,
        "note": "mapped public green inside the convex hull of the study's blocks, per resident of those blocks",
    }


def closure_figures(
    study: Study,
    scenario_blocks: pd.DataFrame,
    engine: ScenarioEngine,
    assessment: Assessment,
    isolated: np.ndarray | None = None,
) -> dict[str, Any]:
    """Return what a scenario's closures did: segments closed, blocks cut off, longer walks per category.

    ``isolated`` flags the blocks cut off when the caller has found them already
    (:func:`circle.analysis.changes.cut_off`); the figures list the 50 most populous.
    """
    blocks = study.blocks
    categories = [c.key for c in assessment.categories()]
    population = blocks["population"].to_numpy(float)
    demand = {c.key: demand_of(assessment.preset, c, blocks) for c in assessment.categories()}
    residents = {key: d.residents(blocks) for key, d in demand.items()}
    if isolated is None:
        isolated = cut_off(blocks, scenario_blocks, categories)
    order = np.argsort(-population[isolated], kind="stable")
    return {
        "segments_closed": engine.closed.count,
        "length_closed_m": round(engine.closed.length_m, 1),
        "steps_closed": engine.closed.steps,
        "blocks_cut_off": int(isolated.sum()),
        "residents_cut_off": round(float(population[isolated].sum()), 1),
        "cut_off_blocks": blocks[BLOCK_ID].astype(str).to_numpy()[isolated][order][:50].tolist(),
        "categories": {
            category: {**figures, **({"group": demand[category].record()} if demand[category].by_age else {})}
            for category, figures in time_changes(blocks, scenario_blocks, residents, categories).items()
            if figures["residents_longer"] or figures["residents_lost_reach"] or figures["residents_shorter"]
        },
    }


def closed_segments_frame(engine: ScenarioEngine) -> gpd.GeoDataFrame:
    """Return the closed segments as lines in WGS-84 (for the app's and the report's maps)."""
    network = engine.base_network
    segments = engine.closed.segments
    lines = segment_lines(network, segments)
    frame = gpd.GeoDataFrame(
        {
            "a": network.a[segments],
            "b": network.b[segments],
            "highway": np.asarray(network.highway, dtype=object)[segments],
            "length_m": network.length_m[segments],
        },
        geometry=lines,
        crs=engine.crs,
    )
    return frame.to_crs(WGS84)


def compute_suggestions(
    study: Study,
    category: str,
    sites: int,
    candidates: gpd.GeoSeries | None = None,
    preset=None,
    include_flagged: bool = False,
    candidate_source: str | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Suggest ``sites`` new sites for ``category`` (nothing is written or read but the study).

    Candidates are the ``candidates`` points (available parcels, with a CRS;
    ``candidate_source`` names where they came from), or else the network
    nodes where unserved blocks join the network. Blocks
    whose population is flagged implausible weigh nothing unless
    ``include_flagged`` (a data error must not pull a new site towards it).
    The residents weighed are those of the age group the category serves
    (:mod:`circle.analysis.demand`): a kindergarten goes where the children are.

    Returns
    -------
    pandas.DataFrame
        One row per suggested site: ``rank``, ``lat``, ``lon``, ``gain`` (residents
        of the category's group newly served), ``cumulative`` and ``candidate``.
        The payload names the ``group`` (absent when everyone counts) and,
        when the study lacks it, a ``note``.
    """
    if sites < 1:
        raise CircleError(f"at least one site must be asked for, not {sites}.", about=("sites",))
    loaded = study_preset(study, preset)
    assessment = assessment_of(study, loaded)
    category_rules = loaded.category(category)
    engine = scenario_engine(study)
    demand = demand_of(loaded, category_rules, study.blocks)
    population = demand.residents(study.blocks)
    flagged = population_flags(study.blocks) != ""
    if not include_flagged:
        population = np.where(flagged, 0.0, population)
    # served by what is mapped, whatever the category's verdict: a site is never suggested for blocks it reaches
    nearest = study.blocks[time_column(category, 1)].to_numpy(float)
    unserved = ~assessment.passes(category_rules, nearest)
    if not unserved.any():
        raise CircleError(f"every block already has a {category} within the standard: nothing to suggest.")
    xs, ys = _candidate_points(study, engine, unserved, candidates)
    # every candidate snapped at once, as the facility it would be
    access = engine.network.snap(
        np.arange(len(xs), dtype=np.int64), xs, ys, engine.speed, engine.max_snap, towards_point=True
    )
    usable = np.unique(access.owner)
    position = np.full(len(xs), -1, np.int64)
    position[usable] = np.arange(len(usable))
    access.owner = position[access.owner]
    threshold = assessment.threshold_s(category_rules)
    coverage = candidate_coverage(engine.network, engine.origins, access, len(usable), threshold, unserved, population)
    chosen = greedy_mclp(coverage, sites)
    lon, lat = transform_xy(
        np.array([xs[usable[c]] for c, _ in chosen]), np.array([ys[usable[c]] for c, _ in chosen]), study.crs, WGS84
    )
    gains = [g for _, g in chosen]
    result = pd.DataFrame(
        {
            "rank": np.arange(1, len(chosen) + 1),
            "lat": lat,
            "lon": lon,
            "gain": np.round(gains, 1),
            "cumulative": np.round(np.cumsum(gains), 1),
            "candidate": [usable[c] for c, _ in chosen],
        }
    )
    payload = {
        "category": category,
        "sites_requested": sites,
        "candidates": len(usable),
        "candidate_source": candidate_source if candidates is not None else "network nodes where unserved blocks join",
        "unserved_before": round(float(population[unserved].sum()), 1),
        "threshold_min": round(threshold / 60.0, 2),
        "data_verdict": assessment.completeness[category].verdict if category in assessment.completeness else None,
        "flagged_blocks_weighted": bool(include_flagged),
        "flagged_blocks_left_out": 0 if include_flagged else int(flagged.sum()),
        **({"group": demand.record()} if demand.by_age else {}),
        **({"note": demand.notes()} if demand.fallback else {}),
        "sites": result.to_dict("records"),
    }
    return result, payload


def _candidate_points(study: Study, engine: ScenarioEngine, unserved: np.ndarray, candidates: gpd.GeoSeries | None):
    if candidates is not None:
        points = candidates.representative_point().to_crs(study.crs)
        return points.x.to_numpy(), points.y.to_numpy()
    access = study.block_access
    wanted = set(study.blocks[BLOCK_ID].astype(str).to_numpy()[unserved])
    nodes = np.unique(access.loc[access[BLOCK_ID].astype(str).isin(wanted), "node"].to_numpy(np.int64))
    return engine.network.x[nodes], engine.network.y[nodes]
