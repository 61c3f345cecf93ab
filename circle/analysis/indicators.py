"""Indicators a bureau reports: each by its official definition and, beside it, by the walking network.

Definitions come from an indicator set (:mod:`circle.standards.indicator_sets`).
Every figure is computed from the study's own tables:

- **service-radius coverage**, straight line (the official 城市体检 way):
  the residential land (the blocks' polygons) within ``radius_m`` of a
  qualifying facility's outline, exactly (buffers intersected with the
  blocks), over all residential land; a facility qualifies by category and
  by its mapped area (a point has none). **By the network:** the land of the
  blocks whose walk to a qualifying facility is within the radius (walked at
  the profile's flat speed, as the preset's ``distance`` criterion), over all
  land, and the same by residents.
- **compounds lacking** a facility of each category of the preset: a
  compound is a residential area (``parent_id``: the parts of a cut one
  count once); it has the facility when any of its blocks passes (network)
  or when any block's inner point lies within the radius (straight line).
- **category coverage**, **F15**, **proximity time**, **Gini**: the study's
  own scores (network), and beside them the same formulas with each block's
  time taken as the straight-line distance from its inner point to the
  nearest facility's outline, walked at the flat speed. A category's
  coverage counts the age group it serves, both ways
  (:mod:`circle.analysis.demand`), and its note names the group.

The walking figures of facility subsets (parks of a size) are a fresh run of
the labels engine over the study's network and access rows, so they equal
what the study's reach columns would say for that subset.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from circle.analysis.assess import assessment_of, study_preset
from circle.analysis.demand import group_columns
from circle.analysis.saved_reach import study_problem
from circle.analysis.scoring import Assessment, score_blocks, summarize
from circle.engine import Destinations, get_backend
from circle.standards.indicator_sets import Indicator, IndicatorSet, RadiusRule
from circle.study import Study
from circle.study.columns import BLOCK_ID, FACILITY_ID, pass_column, time_column
from circle.words.findings import explain

COLUMNS = (
    "key",
    "category",
    "name",
    "definition",
    "unit",
    "weighting",
    "official_radius",
    "official_value",
    "straight_line_value",
    "network_value",
    "difference",
    "network_residents_value",
    "note",
    "source",
    "verified",
)


@dataclass
class StudyGeometry:
    """The study's blocks and facilities in its projected CRS, with what every indicator reads."""

    study: Study
    assessment: Assessment
    blocks: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    population: np.ndarray
    land_m2: np.ndarray
    speed: float

    @classmethod
    def of(cls, study: Study, preset=None) -> StudyGeometry:
        """Project the study's tables once."""
        loaded = study_preset(study, preset)
        blocks = study.blocks.to_crs(study.crs)
        facilities = study.facilities.to_crs(study.crs)
        return cls(
            study,
            assessment_of(study, loaded),
            blocks,
            facilities,
            blocks["population"].to_numpy(float),
            shapely.area(blocks.geometry.to_numpy()),
            study.summary.profile.speed,
        )

    def qualifying(self, rule: RadiusRule) -> gpd.GeoDataFrame:
        """Return the facilities a rule counts (its category, its size range by mapped area)."""
        chosen = self.facilities[self.facilities["category"] == rule.category]
        area = shapely.area(chosen.geometry.to_numpy())
        keep = np.ones(len(chosen), bool)
        if rule.min_area_m2 is not None:
            keep &= area >= rule.min_area_m2
        if rule.max_area_m2 is not None:
            keep &= area < rule.max_area_m2
        return chosen[keep]


def covered_land(geometry: StudyGeometry, rules: tuple[RadiusRule, ...]) -> np.ndarray:
    """Per block, the area (m²) within each rule's straight-line radius of one of its facilities' outlines."""
    buffers = [
        shapely.buffer(geometry.qualifying(rule).geometry.to_numpy(), rule.radius_m, quad_segs=16) for rule in rules
    ]
    buffers = np.concatenate(buffers) if buffers else np.zeros(0, dtype=object)
    covered = np.zeros(len(geometry.blocks))
    if not len(buffers):
        return covered
    shapes = geometry.blocks.geometry.to_numpy()
    block, buffer = shapely.STRtree(buffers).query(shapes, predicate="intersects")
    if not len(block):
        return covered
    pieces = shapely.intersection(shapes[block], buffers[buffer])
    # most blocks meet one buffer: its piece's area is theirs; the others union their pieces first
    many = np.bincount(block, minlength=len(shapes)) > 1
    single = ~many[block]
    covered[block[single]] = shapely.area(pieces[single])
    order = np.flatnonzero(~single)
    order = order[np.argsort(block[order], kind="stable")]
    starts = np.flatnonzero(np.r_[True, block[order][1:] != block[order][:-1]]) if len(order) else order
    for begin, end in zip(starts, np.r_[starts[1:], len(order)], strict=True):
        covered[block[order[begin]]] = shapely.area(shapely.union_all(pieces[order[begin:end]]))
    return np.minimum(covered, geometry.land_m2)


def network_passes(geometry: StudyGeometry, rules: tuple[RadiusRule, ...]) -> np.ndarray:
    """Per block, whether it walks to a facility of some rule within that rule's radius (at the flat speed)."""
    study = geometry.study
    problem = study_problem(study)
    destinations = {}
    for number, rule in enumerate(rules):
        if rule.category not in problem.destinations:
            continue
        ids, access = problem.destinations[rule.category].ids, problem.destinations[rule.category].access
        kept = pd.Index(ids).isin(geometry.qualifying(rule)[FACILITY_ID].astype(str))
        local = np.cumsum(kept) - 1  # a kept facility's position among the kept
        subset = access.take(np.flatnonzero(kept[access.owner]))
        subset.owner = local[subset.owner].astype(np.int64)
        destinations[f"rule{number}"] = Destinations(ids[kept], subset)
    passed = np.zeros(problem.n_origins, bool)
    if not destinations:
        return passed
    subsets = dataclasses.replace(
        problem, destinations=destinations, k=1, thresholds_s=(max(r.radius_m for r in rules) / geometry.speed,)
    )
    reach = get_backend("labels").solve(subsets)
    for number, rule in enumerate(rules):
        if f"rule{number}" in reach:
            seconds = reach[f"rule{number}"].seconds[:, 0]
            passed |= seconds / 60.0 <= rule.radius_m / geometry.speed / 60.0 + 1e-9
    return passed


def straight_line_minutes(geometry: StudyGeometry) -> pd.DataFrame:
    """Return a blocks frame whose ``{c}_t1`` is the straight-line minutes from each block's inner point.

    The distance is to the nearest facility outline of ``c``, walked at the
    flat speed; beyond the search limit it is NaN, as a walking time would be.
    """
    points = shapely.point_on_surface(geometry.blocks.geometry.to_numpy())
    limit_min = geometry.assessment.preset.search_limit_s / 60.0
    frame = pd.DataFrame({BLOCK_ID: geometry.blocks[BLOCK_ID].to_numpy(), "population": geometry.population})
    for column in group_columns(geometry.assessment.preset, geometry.blocks):
        frame[column] = geometry.blocks[column].to_numpy()
    for category in geometry.assessment.preset.categories:
        shapes = geometry.facilities.loc[geometry.facilities["category"] == category.key].geometry.to_numpy()
        minutes = np.full(len(points), np.nan)
        if len(shapes):
            _, distance = shapely.STRtree(shapes).query_nearest(points, return_distance=True, all_matches=False)
            minutes = distance / geometry.speed / 60.0
            minutes[minutes > limit_min] = np.nan
        frame[time_column(category.key, 1)] = minutes
    return frame


def compute_indicators(
    study: Study, indicator_set: IndicatorSet, lang: str = "zh", preset=None, scores: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, list[tuple[str, str]]]:
    """Compute an indicator set on a study.

    Parameters
    ----------
    study : Study
        The study.
    indicator_set : IndicatorSet
        The indicators.
    lang : str
        Language of names and definitions (``zh`` or ``en``).
    preset : str or pathlib.Path, optional
        Score with this preset (default: the study's).
    scores : pandas.DataFrame, optional
        The blocks already scored under that preset (:func:`~circle.analysis.scoring.score_blocks`),
        so a caller that has them (the report) does not score twice.

    Returns
    -------
    tuple of (pandas.DataFrame, pandas.DataFrame, list)
        The indicators (:data:`COLUMNS`; percentages as 0–100), the
        community-level counts (one row per 街道/社区 with compounds and
        those lacking each category), and the sources as (item, value) pairs.
    """
    geometry = StudyGeometry.of(study, preset)
    scores = score_blocks(study.blocks, geometry.assessment) if scores is None else scores
    straight = score_blocks(straight_line_minutes(geometry), geometry.assessment)
    network_summary = summarize(scores, geometry.assessment, worst=0)
    straight_summary = summarize(straight, geometry.assessment, worst=0)
    rows: list[dict[str, Any]] = []
    for indicator in indicator_set.indicators:
        if indicator.method == "service_radius_coverage":
            rows.append(_service_radius_row(geometry, indicator, lang))
        elif indicator.method == "compounds_lacking":
            rows += _compound_rows(geometry, indicator, scores, straight, lang)
        elif indicator.method == "category_coverage":
            rows += _coverage_rows(geometry, indicator, network_summary, straight_summary, lang)
        elif indicator.method == "study_measure":
            rows.append(_measure_row(indicator, network_summary, straight_summary, lang))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return table, community_counts(geometry, scores, lang), sources_of(study, indicator_set, geometry, lang)


def _base(indicator: Indicator, lang: str, facility: str = "", category: str = "") -> dict[str, Any]:
    return {
        "key": indicator.key,
        "category": category,
        "name": indicator.name(lang, facility),
        "definition": indicator.definition(lang, facility),
        "unit": indicator.unit,
        "weighting": indicator.weighting,
        "official_radius": indicator.radius,
        "source": indicator.source,
        "verified": indicator.verified,
        "note": "",
    }


def _with_values(row: dict[str, Any], straight: float | None, network: float | None) -> dict[str, Any]:
    row["straight_line_value"] = straight
    row["network_value"] = network
    row["official_value"] = straight if row["official_radius"] == "straight_line" else network
    digits = 4 if row["unit"] == "index" else 2
    row["difference"] = None if straight is None or network is None else round(network - straight, digits)
    return row


def _percent(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 2) if whole > 0 else None


def _service_radius_row(geometry: StudyGeometry, indicator: Indicator, lang: str) -> dict[str, Any]:
    row = _base(indicator, lang)
    present = set(geometry.facilities["category"])
    missing = sorted({r.category for r in indicator.facilities} - present)
    if missing:
        row["note"] = (
            f"本研究没有 {', '.join(missing)} 类设施数据，无法计算；可在标准预设中增加该类别，或导入主管部门的设施名录"
            if lang == "zh"
            else f"the study has no {', '.join(missing)} facilities, so this cannot be computed; add the category "
            "to the preset or import the bureau's list"
        )
        return _with_values(row, None, None)
    counted = sum(len(geometry.qualifying(r)) for r in indicator.facilities)
    shapes = geometry.facilities[geometry.facilities["category"].isin({r.category for r in indicator.facilities})]
    if counted == 0 and len(shapes) and not shapes.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).any():
        # sized by area, and every facility of the categories is a point (an imported list): unknown, not 0 %
        row["note"] = (
            f"{len(shapes)} 处设施均为点（导入的清单），没有面积，无法按面积分级，故无法计算；"
            "导入名录时并入而非替换 OpenStreetMap 的公园面，或导入带面积的名录"
            if lang == "zh"
            else f"the {len(shapes)} facilities are all points (an imported list) without area, so they cannot be "
            "sized and this cannot be computed; keep OpenStreetMap's park areas (import the list "
            "to add to them, not to replace them) or import a list with areas"
        )
        return _with_values(row, None, None)
    land = geometry.land_m2
    covered = covered_land(geometry, indicator.facilities)
    passes = network_passes(geometry, indicator.facilities)
    row = _with_values(row, _percent(covered.sum(), land.sum()), _percent(land[passes].sum(), land.sum()))
    row["network_residents_value"] = _percent(geometry.population[passes].sum(), geometry.population.sum())
    row["note"] = (
        f"计入设施 {counted} 处（按地图面积分级，点状设施无面积不计）；居住用地 {land.sum() / 1e4:,.1f} 公顷"
        if lang == "zh"
        else f"{counted} facilities counted (sized by mapped area; points have none); "
        f"residential land {land.sum() / 1e4:,.1f} ha"
    )
    return row


def compound_lacking(blocks: pd.DataFrame, passed: np.ndarray) -> pd.Series:
    """Per compound (``parent_id``), whether none of its blocks passes."""
    return ~pd.Series(passed, index=blocks["parent_id"].astype(str).to_numpy()).groupby(level=0).any()


def _compound_rows(
    geometry: StudyGeometry, indicator: Indicator, scores: pd.DataFrame, straight: pd.DataFrame, lang: str
) -> list[dict[str, Any]]:
    blocks = geometry.blocks
    residents = pd.Series(geometry.population, index=blocks["parent_id"].astype(str).to_numpy()).groupby(level=0).sum()
    rows = []
    for category in geometry.assessment.preset.categories:
        label = category.label(lang)
        row = _base(indicator, lang, label, category.key)
        if category.key in geometry.assessment.not_mapped:
            rows.append(_set_apart(_with_values(row, None, None), geometry, category.key, "", lang))
            continue
        lacking_network = compound_lacking(blocks, _passes(geometry, scores, category))
        lacking_straight = compound_lacking(blocks, _passes(geometry, straight, category))
        row = _with_values(row, float(lacking_straight.sum()), float(lacking_network.sum()))
        row["network_residents_value"] = round(float(residents[lacking_network[lacking_network].index].sum()), 1)
        row["note"] = (
            f"共 {len(lacking_network)} 个小区（街坊）；缺口小区居民 {row['network_residents_value']:,.0f} 人（步行）"
            if lang == "zh"
            else f"of {len(lacking_network)} compounds; {row['network_residents_value']:,.0f} residents live in "
            "the compounds lacking it (network)"
        )
        if category.key not in geometry.assessment.assessable:
            mapped = (
                f"按已录入设施计算为 {row['official_value']:,.0f} 个（上限）"
                if lang == "zh"
                else f"{row['official_value']:,.0f} by the mapped facilities (an upper bound)"
            )
            row = _set_apart(_with_values(row, None, None), geometry, category.key, mapped, lang)
            row["network_residents_value"] = None
        rows.append(row)
    return rows


def _passes(geometry: StudyGeometry, frame: pd.DataFrame, category) -> np.ndarray:
    """Whether each block's nearest ``category`` is within its threshold in ``frame`` (scores or straight lines)."""
    column = pass_column(category.key)
    if column in frame:
        return frame[column].to_numpy(bool)
    minutes = frame.get(time_column(category.key, 1))  # straight lines have it; scores take the blocks' times
    if minutes is None:
        minutes = geometry.blocks[time_column(category.key, 1)]
    return geometry.assessment.passes(category, minutes.to_numpy(float))


def _set_apart(row: dict[str, Any], geometry: StudyGeometry, key: str, mapped: str, lang: str) -> dict[str, Any]:
    """Leave a category the data does not hold (or holds in part) without a figure, and say why in the note."""
    record = geometry.assessment.completeness.get(key)
    label = geometry.assessment.preset.category(key).label(lang)
    why = explain(record, label, float(geometry.population.sum()), lang) if record is not None else label
    separator = "；" if lang == "zh" else "; "
    row["note"] = separator.join(part for part in (why, mapped) if part)
    return row


def _coverage_rows(geometry, indicator: Indicator, network, straight, lang: str) -> list[dict[str, Any]]:
    rows = []
    for category in geometry.assessment.preset.categories:
        row = _base(indicator, lang, category.label(lang), category.key)
        if category.key not in geometry.assessment.assessable:
            lower = (network.set_apart or {}).get(category.key)
            mapped = ""
            if lower is not None and lower.coverage is not None:
                mapped = (
                    f"按已录入设施计算为 {100 * lower.coverage:.2f}%（下限）"
                    if lang == "zh"
                    else f"{100 * lower.coverage:.2f} % by the mapped facilities (a lower bound)"
                )
            rows.append(_set_apart(_with_values(row, None, None), geometry, category.key, mapped, lang))
            continue
        on_foot, by_line = network.categories[category.key].coverage, straight.categories[category.key].coverage
        counted = network.categories[category.key]
        if counted.note:
            row["note"] = counted.note[lang]
        elif counted.group:
            row["note"] = f"按{counted.group['zh']}计" if lang == "zh" else f"share of {counted.group['en']}"
        rows.append(
            _with_values(
                row,
                None if by_line is None else round(100 * by_line, 2),
                None if on_foot is None else round(100 * on_foot, 2),
            )
        )
    return rows


def _measure_row(indicator: Indicator, network, straight, lang: str) -> dict[str, Any]:
    row = _base(indicator, lang)
    apart = [*network.likely_incomplete, *network.not_mapped]
    if apart:  # F15, proximity time and Gini count the assessed categories only
        row["note"] = (
            f"只按参与评估的 {len(network.categories)} 个类别计算（{len(apart)} 个类别数据不全或没有）"
            if lang == "zh"
            else f"over the {len(network.categories)} assessed categories only ({len(apart)} incompletely "
            "mapped or absent)"
        )
    on_foot, by_line = getattr(network, indicator.measure), getattr(straight, indicator.measure)
    if indicator.unit == "percent":
        on_foot = None if on_foot is None else round(100 * on_foot, 2)
        by_line = None if by_line is None else round(100 * by_line, 2)
    return _with_values(row, by_line, on_foot)


def community_counts(geometry: StudyGeometry, scores: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per 街道/社区: compounds, residents, and compounds lacking each category (network)."""
    blocks = geometry.blocks
    unnamed = "（未标注）" if lang == "zh" else "(not mapped)"
    frame = pd.DataFrame(
        {
            "subdistrict": blocks["subdistrict"].fillna("").replace("", unnamed).to_numpy()
            if "subdistrict" in blocks
            else unnamed,
            "community": blocks["community"].fillna("").replace("", unnamed).to_numpy()
            if "community" in blocks
            else unnamed,
            "compound": blocks["parent_id"].astype(str).to_numpy(),
            "population": geometry.population,
        }
    )
    keys = [c.key for c in geometry.assessment.categories()]
    for key in keys:
        frame[key] = scores[pass_column(key)].to_numpy(bool)
    # a compound belongs to the unit most of its residents live in
    per_compound = frame.groupby("compound").agg(
        {"population": "sum", **{k: "any" for k in keys}, "subdistrict": "first", "community": "first"}
    )
    out = per_compound.groupby(["subdistrict", "community"]).agg(
        compounds=("population", "size"),
        population=("population", "sum"),
        **{k: (k, lambda s: int((~s).sum())) for k in keys},
    )
    return out.reset_index().sort_values(["subdistrict", "community"], kind="stable").reset_index(drop=True)


def sources_of(study: Study, indicator_set: IndicatorSet, geometry: StudyGeometry, lang: str) -> list[tuple[str, str]]:
    """Return the study's sources and dates, and the indicator set's, as (item, value) pairs."""
    summary = study.summary
    zh = lang == "zh"
    population = summary.population or {}
    items = [
        ("指标体系" if zh else "indicator set", f"{indicator_set.title_zh if zh else indicator_set.title_en}"),
        ("指标体系来源" if zh else "indicator set source", indicator_set.source),
        ("研究" if zh else "study", str(study.path)),
        ("数据源文件" if zh else "source file", summary.source.file),
        ("数据源 SHA-256" if zh else "source SHA-256", summary.source.sha256),
        ("数据时间" if zh else "data timestamp", summary.source.data_timestamp or ("未记录" if zh else "not recorded")),
        ("研究生成时间" if zh else "study created", summary.created),
        ("标准预设" if zh else "preset", f"{summary.preset.name} ({summary.preset.path})"),
        ("步行速度" if zh else "walking speed", f"{summary.profile.name} {summary.profile.speed} m/s"),
        ("人口来源" if zh else "population by source", _population_sources(population)),
        ("街坊数" if zh else "blocks", f"{len(geometry.blocks):,}"),
        ("居民数" if zh else "residents", f"{geometry.population.sum():,.0f}"),
        ("计算时间" if zh else "computed", dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("地图数据" if zh else "map data", summary.attribution),
    ]
    if summary.imports.facilities:
        items.append(("设施名录" if zh else "facility list", str(summary.imports.facilities)))
    if summary.imports.census:
        items.append(("人口普查" if zh else "census", str(summary.imports.census)))
    return items


def _population_sources(population: dict[str, Any]) -> str:
    """Residents per ``pop_source`` as the summary records them (:func:`circle.prepare.population.totals.by_source`)."""
    return ", ".join(f"{k} {v['residents']:,.0f}" for k, v in (population.get("by_source") or {}).items())
