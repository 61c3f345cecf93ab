"""Renewal priority: which blocks to improve first, why, and which gap blocks form areas.

priority_b = Σ_c w_c × shortfall_bc × P_{b,g(c)}^α

with P_{b,g(c)} the block's residents of the age group g(c) category c
serves (children aged 3–6 for a kindergarten, residents aged 60 and over for
elderly care, everyone for a park; :mod:`circle.analysis.demand`), α the
preset's ``population_exponent``, w_c the category ``weight`` and
shortfall_bc = min(1, (t_bc − T_c) / T_c) for a category the block fails (1
when no facility is within the search limit; 0 when it passes). When every
category serves everyone this is P_b^α × Σ_c w_c × shortfall_bc. A block of
retirees missing a kindergarten thus weighs little, a block of young families
missing one weighs much; a reason names the group ("no kindergarten within a
30-minute walk, for 120 children aged 3–6"). A category whose group the study
lacks counts all residents (the scores' notes say so).

Gap blocks (priority > 0) closer than ``adjacency_m`` to each other form
candidate renewal areas; an area counts, per category, the people of its
group lacking it.

A block whose population the study flags as implausible (``pop_flag``) is a
data problem before it is a service gap: it gets no priority (listed instead
by :func:`flagged_blocks` as "check these data first") unless the planner
keeps flagged blocks in, and then its reasons start with the flag.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from circle.analysis.demand import demand_of
from circle.analysis.scoring import Assessment
from circle.i18n import t
from circle.study.block_figures import population_flags
from circle.study.columns import BLOCK_ID, POP_FLAG, pass_column, shortfall_column, time_column


def flagged_blocks(blocks: pd.DataFrame) -> list[dict]:
    """Return the blocks whose population is flagged implausible, most residents first.

    Each entry holds ``block_id``, ``population``, ``density_per_ha`` and ``pop_flag``.
    """
    flags = population_flags(blocks)
    rows = np.flatnonzero(flags != "")
    population = blocks["population"].to_numpy(float)
    area_ha = blocks["area_m2"].to_numpy(float) / 10_000.0 if "area_m2" in blocks else np.full(len(blocks), np.nan)
    ids = blocks[BLOCK_ID].astype(str).to_numpy()
    order = rows[np.argsort(-population[rows], kind="stable")]
    return [
        {
            BLOCK_ID: str(ids[i]),
            "population": round(float(population[i]), 1),
            "density_per_ha": round(float(population[i] / area_ha[i]), 1) if area_ha[i] > 0 else None,
            "pop_flag": str(flags[i]),
        }
        for i in order
    ]


def renewal_priority(
    scores: pd.DataFrame, blocks: pd.DataFrame, assessment: Assessment, include_flagged: bool = False
) -> pd.DataFrame:
    """Add ``priority``, ``priority_rank``, ``reasons_zh``, ``reasons_en`` and ``pop_flag`` to scored blocks.

    Parameters
    ----------
    scores : pandas.DataFrame
        From :func:`circle.analysis.scoring.score_blocks`.
    blocks : pandas.DataFrame
        The study's blocks (for the nearest times in the reasons).
    assessment : Assessment
        Preset and assessable categories.
    include_flagged : bool, default False
        Keep blocks with a flagged population in the ranking (their reasons then
        start with the flag); by default they get no priority.

    Returns
    -------
    pandas.DataFrame
        ``scores`` with the new columns (rank 1 = most urgent; 0 where no gap
        or, unless ``include_flagged``, where the population is flagged).
    """
    rules = assessment.preset.scoring
    alpha = float(rules.priority["population_exponent"].value)
    priority = np.zeros(len(scores))
    reasons_en = [[] for _ in range(len(scores))]
    reasons_zh = [[] for _ in range(len(scores))]
    for category in assessment.categories():
        demand = demand_of(assessment.preset, category, blocks)
        residents = np.maximum(demand.residents(blocks), 0.0)
        shortfall = scores[shortfall_column(category.key)].to_numpy(float)
        priority += float(category.weight.value) * shortfall * np.power(residents, alpha)
        t1 = blocks[time_column(category.key, 1)].to_numpy(float)
        within_en = category.describe_threshold(rules.criterion, "en")
        within_zh = category.describe_threshold(rules.criterion, "zh")
        for index in np.flatnonzero(shortfall > 0):
            group_en = group_zh = ""
            if demand.by_age:
                group_en = t("demand_reason_group", "en", count=residents[index], group=demand.who("en"))
                group_zh = t("demand_reason_group", "zh", count=residents[index], group=demand.who("zh"))
            if np.isnan(t1[index]):
                reasons_en[index].append(f"no {category.label_en.lower()} within a 30-minute walk{group_en}")
                reasons_zh[index].append(f"步行30分钟内无{category.label_zh}{group_zh}")
            else:
                reasons_en[index].append(
                    f"nearest {category.label_en.lower()} {t1[index]:.0f} min away (standard: within {within_en})"
                    + group_en
                )
                reasons_zh[index].append(
                    f"最近的{category.label_zh}需步行{t1[index]:.0f}分钟（标准：{within_zh}内）{group_zh}"
                )
    population = scores["population"].to_numpy(float)
    flags = population_flags(blocks)
    flagged = flags != ""
    if not include_flagged:
        priority = np.where(flagged, 0.0, priority)
    for index in np.flatnonzero(flagged & (priority > 0)):
        reasons_en[index].insert(0, f"population flagged {flags[index].replace('_', ' ')}: check it first")
        reasons_zh[index].insert(0, f"人口数据异常（{_FLAG_ZH.get(flags[index], flags[index])}），请先核实")
    out = scores.copy()
    out[POP_FLAG] = flags
    out["priority"] = np.round(priority, 3)
    ranks = pd.Series(-priority).rank(method="first").to_numpy().astype(int)
    out["priority_rank"] = np.where(priority > 0, ranks, 0)
    out["reasons_en"] = [
        f"{population[i]:,.0f} residents: " + "; ".join(items) if items else "" for i, items in enumerate(reasons_en)
    ]
    out["reasons_zh"] = [
        f"居民{population[i]:,.0f}人：" + "；".join(items) if items else "" for i, items in enumerate(reasons_zh)
    ]
    return out


_FLAG_ZH = {"too_dense": "密度过高", "too_sparse": "密度过低"}


def renewal_areas(scored: pd.DataFrame, geometry: gpd.GeoSeries, assessment: Assessment, crs: str) -> gpd.GeoDataFrame:
    """Group adjacent gap blocks into candidate renewal areas.

    Parameters
    ----------
    scored : pandas.DataFrame
        With ``priority`` (see :func:`renewal_priority`) and ``pass_{c}``.
    geometry : geopandas.GeoSeries
        The blocks' polygons, aligned with ``scored``.
    assessment : Assessment
        Gives ``adjacency_m`` and the categories.
    crs : str
        A projected CRS for the adjacency test.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per area, by total priority: ``area_id``, ``blocks``,
        ``population``, ``priority``, ``block_ids``, ``missing_en``/``missing_zh``
        (people lacking each category, of the age group it serves), geometry (EPSG:4326). Also sets
        ``scored["area_id"]``.
    """
    gap = np.flatnonzero(scored["priority"].to_numpy() > 0)
    scored["area_id"] = pd.array([pd.NA] * len(scored), dtype="Int64")
    if len(gap) == 0:
        return gpd.GeoDataFrame(
            {"area_id": [], "blocks": [], "population": [], "priority": []}, geometry=[], crs="EPSG:4326"
        )
    projected = geometry.to_crs(crs).to_numpy()[gap]
    distance = float(assessment.preset.scoring.priority["adjacency_m"].value)
    left, right = shapely.STRtree(projected).query(projected, predicate="dwithin", distance=distance)
    graph = coo_array((np.ones(len(left)), (left, right)), shape=(len(gap), len(gap)))
    _, labels = connected_components(graph, directed=False)
    priority = scored["priority"].to_numpy(float)[gap]
    population = scored["population"].to_numpy(float)[gap]
    n_labels = int(labels.max()) + 1
    total_priority = np.bincount(labels, weights=priority, minlength=n_labels)
    order = np.argsort(-total_priority, kind="stable")
    area_of_label = np.empty(n_labels, np.int64)
    area_of_label[order] = np.arange(1, n_labels + 1)
    scored.loc[scored.index[gap], "area_id"] = area_of_label[labels]
    members = np.bincount(labels, minlength=n_labels)
    people = np.bincount(labels, weights=population, minlength=n_labels)
    lacking = []
    for category in assessment.categories():
        demand = demand_of(assessment.preset, category, scored)
        unserved = demand.residents(scored)[gap] * ~scored[pass_column(category.key)].to_numpy(bool)[gap]
        lacking.append((category, demand, np.bincount(labels, weights=unserved, minlength=n_labels)))
    ids = scored[BLOCK_ID].astype(str).to_numpy()[gap]
    by_label = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[by_label], np.arange(n_labels + 1))
    shapes = geometry.to_numpy()[gap]
    rows = []
    for label in range(n_labels):
        mine = by_label[bounds[label] : bounds[label + 1]]
        lacking_en = [_lacking(c, d, v[label], "en") for c, d, v in lacking if v[label] > 0]
        lacking_zh = [_lacking(c, d, v[label], "zh") for c, d, v in lacking if v[label] > 0]
        rows.append(
            {
                "area_id": int(area_of_label[label]),
                "blocks": int(members[label]),
                "population": round(float(people[label]), 1),
                "priority": round(float(total_priority[label]), 3),
                "block_ids": ",".join(ids[mine]),
                "missing_en": "; ".join(lacking_en),
                "missing_zh": "；".join(lacking_zh),
                # one block is its own area; only groups need a union
                "geometry": shapes[mine[0]] if len(mine) == 1 else shapely.union_all(shapes[mine]),
            }
        )
    areas = gpd.GeoDataFrame(rows, geometry="geometry", crs=geometry.crs).to_crs("EPSG:4326")
    return areas.sort_values("area_id").reset_index(drop=True)


def _lacking(category, demand, count: float, lang: str) -> str:
    """Return "Kindergarten: 120 children aged 3–6" (or "Park: 800 residents" when everyone counts)."""
    if demand.by_age:
        return t("demand_area_lacking", lang, label=category.label(lang), count=count, group=demand.who(lang))
    return f"{category.label_en}: {count:,.0f} residents" if lang == "en" else f"{category.label_zh}：{count:,.0f}人"
