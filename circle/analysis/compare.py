"""Compare two studies of the same place: two data years, or a baseline and a plan.

Blocks are matched by id first; what is left is matched by overlap, so a
compound redrawn in newer data still matches: an old and a new block match
when their intersection covers at least :data:`OVERLAP_SHARE` of the smaller
of the two, pairs taken by largest intersection first, each block at most
once. New blocks no old one matches have *appeared*, old ones no new one
matches have *vanished*.

Both sides are scored under the same preset (the new side's; the old side
must have the same categories), so "newly served" and "no longer served"
mean what the scores say. The residents counted are the new side's in
matched blocks (where people live now), with appeared and vanished blocks
reported apart. Per category they are the residents of the age group it
serves (:mod:`circle.analysis.demand`; the new side's ``pop_{group}``), and
each side's coverage counts its own residents of that group; a side without
residents by age counts everyone for that category, and the category's
``notes`` say so.

A side is a study folder or a saved scenario (``STUDY/scenarios/NAME``): a
scenario is its study's blocks with the scenario's reach, so comparing a
study with one of its scenarios gives exactly the scenario's diff.

The comparison folder's format (its files and columns, reading and writing it)
is :mod:`circle.study.comparison`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from circle.analysis.assess import assessment_of, study_preset
from circle.analysis.changes import time_changes
from circle.analysis.demand import demand_of, group_columns
from circle.analysis.scoring import Assessment, score_blocks, summarize
from circle.errors import CircleError
from circle.geo import WGS84
from circle.study import Study
from circle.study.atomic import replace_folder
from circle.study.columns import (
    BLOCK_ID,
    NAME,
    POPULATION,
    PROXIMITY_MIN,
    SCORE,
    TIER_MET,
    pass_column,
    time_column,
)
from circle.study.comparison import (
    APPEARED,
    KIND,
    MATCH,
    OLD_BLOCK_ID,
    POPULATION_OLD,
    change_column,
    check_destination,
    new_column,
    old_column,
    status_column,
    write_comparison,
)
from circle.study.files import BLOCKS, SCENARIO, SCENARIOS, SUMMARY

__all__ = [
    "OVERLAP_SHARE",
    "Side",
    "compare_studies",
    "comparison_assessment",
    "match_blocks",
    "open_side",
]

#: Share of the smaller block an overlap must cover for two blocks to match.
OVERLAP_SHARE = 0.5


@dataclass
class Side:
    """One side of a comparison: its blocks (geometry and reach) and where they come from."""

    label: str
    path: Path
    study: Study
    blocks: gpd.GeoDataFrame
    source: dict[str, Any]


def open_side(path: str | Path) -> Side:
    """Open a study folder, or a saved scenario folder as the study it describes.

    Raises
    ------
    CircleError
        When the folder is neither.
    """
    path = Path(path)
    if (path / SCENARIO).is_file() and path.parent.name == SCENARIOS:
        study = Study.open(path.parent.parent)
        description = json.loads((path / SCENARIO).read_text(encoding="utf-8"))
        reach = pd.read_parquet(path / BLOCKS)
        if list(reach[BLOCK_ID].astype(str)) != list(study.blocks[BLOCK_ID].astype(str)):
            raise CircleError(
                f"scenario {path.name} does not hold the blocks of study {study.path}: it was saved from an "
                "older version of the study. Save the scenario again.",
                about=("compare",),
            )
        blocks = gpd.GeoDataFrame(reach, geometry=study.blocks.geometry.to_numpy(), crs=study.blocks.crs)
        label = f"{study.path.name} + {path.name}"
        return Side(label, path, study, blocks, _source(study, scenario=description))
    if not (path / SUMMARY).is_file():
        raise CircleError(
            f"{path} is neither a study folder (made by `circle analyze`) nor a saved scenario (STUDY/scenarios/NAME).",
            about=("compare",),
        )
    study = Study.open(path)
    return Side(study.path.name, study.path, study, study.blocks, _source(study))


def _source(study: Study, scenario: dict[str, Any] | None = None) -> dict[str, Any]:
    summary = study.summary
    info = {
        "study": str(study.path),
        "source": summary.source.file,
        "sha256": summary.source.sha256,
        "data_timestamp": summary.source.data_timestamp,
        "created": summary.created,
        "preset": summary.preset.name,
        "profile": summary.profile.name,
    }
    if scenario is not None:
        info["scenario"] = scenario.get("name")
        info["scenario_created"] = scenario.get("created")
    return info


def match_blocks(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame, crs: str) -> pd.DataFrame:
    """Match old blocks to new ones: by id, then by overlap.

    Parameters
    ----------
    old, new : geopandas.GeoDataFrame
        Blocks with ``block_id`` and polygons.
    crs : str
        A projected CRS to measure areas in.

    Returns
    -------
    pandas.DataFrame
        ``old`` and ``new`` (row positions) and ``match`` (``id`` or
        ``overlap``), one row per matched pair.
    """
    old_ids = old[BLOCK_ID].astype(str).to_numpy()
    new_ids = new[BLOCK_ID].astype(str).to_numpy()
    new_position = pd.Series(np.arange(len(new_ids)), index=new_ids)
    by_id = pd.Series(old_ids).map(new_position)
    matched_old = np.flatnonzero(by_id.notna().to_numpy())
    pairs = [pd.DataFrame({"old": matched_old, "new": by_id.iloc[matched_old].to_numpy(np.int64), "match": "id"})]
    old_left = np.setdiff1d(np.arange(len(old)), matched_old)
    new_left = np.setdiff1d(np.arange(len(new)), pairs[0]["new"].to_numpy())
    if len(old_left) and len(new_left):
        old_shapes = old.geometry.iloc[old_left].to_crs(crs).to_numpy()
        new_shapes = new.geometry.iloc[new_left].to_crs(crs).to_numpy()
        i, j = shapely.STRtree(new_shapes).query(old_shapes, predicate="intersects")
        if len(i):
            shared = shapely.area(shapely.intersection(old_shapes[i], new_shapes[j]))
            smaller = np.minimum(shapely.area(old_shapes[i]), shapely.area(new_shapes[j]))
            keep = shared >= OVERLAP_SHARE * smaller
            i, j, shared = i[keep], j[keep], shared[keep]
            order = np.argsort(-shared, kind="stable")
            used_old, used_new, chosen_old, chosen_new = set(), set(), [], []
            for a, b in zip(i[order], j[order], strict=True):
                if a in used_old or b in used_new:
                    continue
                used_old.add(a)
                used_new.add(b)
                chosen_old.append(old_left[a])
                chosen_new.append(new_left[b])
            pairs.append(
                pd.DataFrame(
                    {
                        "old": np.asarray(chosen_old, np.int64),
                        "new": np.asarray(chosen_new, np.int64),
                        "match": "overlap",
                    }
                )
            )
    return pd.concat(pairs, ignore_index=True)


def comparison_assessment(old: Side, new: Side, preset: str | Path | None) -> Assessment:
    """Return the assessment both sides are scored under (the new side's preset; categories both studies score).

    A scenario side is scored as its study is, as :func:`circle.tasks.whatif.what_if` scores it: facilities a
    plan adds to a category its study leaves unscored do not bring that category into the comparison.
    """
    loaded = study_preset(new.study, preset)
    missing = [c.key for c in loaded.categories if time_column(c.key, 1) not in old.blocks.columns]
    if missing:
        raise CircleError(
            f"the old study has no times for {', '.join(missing)} (it was built with preset "
            f"{old.study.summary.preset.name!r}); analyse both studies with the same preset.",
            about=("compare",),
        )
    new_assessment = assessment_of(new.study, loaded)
    old_assessment = assessment_of(old.study, loaded)
    assessable = tuple(k for k in new_assessment.assessable if k in old_assessment.assessable)
    not_mapped = tuple(c.key for c in loaded.categories if c.key not in assessable)
    return Assessment(loaded, new.study.summary.profile.speed, assessable, not_mapped)


def compare_studies(
    old_path: str | Path, new_path: str | Path, out: str | Path, preset: str | Path | None = None
) -> dict[str, Any]:
    """Compare two studies of the same place and write the comparison folder ``out``.

    Parameters
    ----------
    old_path, new_path : str or pathlib.Path
        Study folders or saved scenarios (``STUDY/scenarios/NAME``).
    out : str or pathlib.Path
        The comparison folder to write (replaced atomically when it exists
        and is a comparison; anything else there is refused).
    preset : str or pathlib.Path, optional
        Score both with this preset (default: the new study's).

    Returns
    -------
    dict
        The comparison's summary (also written as ``summary.json``).
    """
    old, new = open_side(old_path), open_side(new_path)
    out = Path(out)
    check_destination(out)
    assessment = comparison_assessment(old, new, preset)
    crs = new.study.crs
    pairs = match_blocks(old.blocks, new.blocks, crs)
    old_scores = score_blocks(old.blocks, assessment)
    new_scores = score_blocks(new.blocks, assessment)
    blocks, vanished = _block_table(old, new, pairs, old_scores, new_scores, assessment)
    summary = _summary(old, new, pairs, old_scores, new_scores, blocks, vanished, assessment)

    out.parent.mkdir(parents=True, exist_ok=True)
    replace_folder(out, lambda staging: write_comparison(staging, summary, blocks, vanished))
    return summary


def _block_table(
    old: Side,
    new: Side,
    pairs: pd.DataFrame,
    old_scores: pd.DataFrame,
    new_scores: pd.DataFrame,
    assessment: Assessment,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the new blocks with their old values and changes, and the old blocks that vanished."""
    n_new = len(new.blocks)
    old_of_new = np.full(n_new, -1, np.int64)
    old_of_new[pairs["new"].to_numpy(np.int64)] = pairs["old"].to_numpy(np.int64)
    match = np.full(n_new, APPEARED, dtype=object)
    match[pairs["new"].to_numpy(np.int64)] = pairs["match"].to_numpy(object)
    has_old = old_of_new >= 0

    def old_values(values: np.ndarray) -> np.ndarray:
        out = np.full(n_new, np.nan)
        out[has_old] = np.asarray(values, float)[old_of_new[has_old]]
        return out

    frame = pd.DataFrame(
        {
            BLOCK_ID: new.blocks[BLOCK_ID].astype(str).to_numpy(),
            OLD_BLOCK_ID: np.where(has_old, old.blocks[BLOCK_ID].astype(str).to_numpy()[old_of_new], None),
            MATCH: match,
        }
    )
    for column in (NAME, "place_zh", "place_en", "subdistrict", "community"):
        if column in new.blocks:
            frame[column] = new.blocks[column].to_numpy()
    frame[POPULATION_OLD] = old_values(old.blocks[POPULATION].to_numpy(float))
    frame[POPULATION] = new.blocks[POPULATION].to_numpy(float)
    for column in group_columns(assessment.preset, new.blocks):  # the residents a category's figures count
        frame[column] = new.blocks[column].to_numpy()
    for name in (SCORE, TIER_MET, PROXIMITY_MIN):
        before = old_values(old_scores[name].to_numpy(float))
        after = new_scores[name].to_numpy(float)
        frame[old_column(name)] = before
        frame[new_column(name)] = after
        frame[change_column(name)] = after - before
    for category in assessment.categories():
        key = category.key
        minutes = time_column(key, 1)
        before_t = old_values(old.blocks[minutes].to_numpy(float))
        after_t = new.blocks[minutes].to_numpy(float)
        passed_before = old_values(old_scores[pass_column(key)].to_numpy(float)) == 1.0
        passed_after = new_scores[pass_column(key)].to_numpy(bool)
        frame[old_column(minutes)] = before_t
        frame[new_column(minutes)] = after_t
        frame[change_column(minutes)] = after_t - before_t
        frame[status_column(key)] = np.select(
            [~has_old, passed_after & ~passed_before, passed_before & ~passed_after, passed_after],
            [APPEARED, "gained", "lost", "served"],
            "unserved",
        )
    blocks = gpd.GeoDataFrame(frame, geometry=new.blocks.geometry.to_crs(WGS84).to_numpy(), crs=WGS84)
    gone = np.setdiff1d(np.arange(len(old.blocks)), pairs["old"].to_numpy(np.int64))
    vanished = gpd.GeoDataFrame(
        {
            BLOCK_ID: old.blocks[BLOCK_ID].astype(str).to_numpy()[gone],
            POPULATION: old.blocks[POPULATION].to_numpy(float)[gone],
            SCORE: old_scores[SCORE].to_numpy(float)[gone],
            TIER_MET: old_scores[TIER_MET].to_numpy()[gone],
        },
        geometry=old.blocks.geometry.to_crs(WGS84).to_numpy()[gone],
        crs=WGS84,
    )
    return blocks, vanished


def _summary(
    old: Side,
    new: Side,
    pairs: pd.DataFrame,
    old_scores: pd.DataFrame,
    new_scores: pd.DataFrame,
    blocks: gpd.GeoDataFrame,
    vanished: gpd.GeoDataFrame,
    assessment: Assessment,
) -> dict[str, Any]:
    matched = blocks[MATCH].to_numpy(object) != APPEARED
    population = blocks[POPULATION].to_numpy(float)
    before_summary = summarize(old_scores, assessment, worst=0)
    after_summary = summarize(new_scores, assessment, worst=0)
    categories = {}
    old_positions = pairs.sort_values("new")["old"].to_numpy(np.int64)
    matched_old = old.blocks.iloc[old_positions].reset_index(drop=True)
    matched_new = new.blocks.iloc[np.flatnonzero(matched)].reset_index(drop=True)
    demand = {c.key: demand_of(assessment.preset, c, new.blocks) for c in assessment.categories()}
    residents = {key: d.residents(new.blocks) for key, d in demand.items()}
    walk = time_changes(matched_old, matched_new, {k: v[matched] for k, v in residents.items()}, list(demand))
    for category in assessment.categories():
        key = category.key
        status = blocks[status_column(key)].to_numpy(object)
        counted = residents[key]
        notes = {
            side: summary.categories[key].note
            for side, summary in (("old", before_summary), ("new", after_summary))
            if summary.categories[key].note
        }
        categories[key] = {
            "coverage_old": before_summary.categories[key].coverage,
            "coverage_new": after_summary.categories[key].coverage,
            "newly_served": round(float(counted[status == "gained"].sum()), 1),
            "no_longer_served": round(float(counted[status == "lost"].sum()), 1),
            "appeared_served": round(
                float(counted[(status == APPEARED) & new_scores[pass_column(key)].to_numpy(bool)].sum()), 1
            ),
            **walk[key],
            **({"group": demand[key].record()} if demand[key].by_age else {}),
            **({"notes": notes} if notes else {}),
        }
    tier_old = blocks[old_column(TIER_MET)].to_numpy(float)
    tier_new = blocks[new_column(TIER_MET)].to_numpy(float)
    measures = {}
    for name in ("F15", "categories_within_15", "proximity_min", "gini_proximity", "mean_score", "population"):
        before, after = getattr(before_summary, name), getattr(after_summary, name)
        measures[name] = {
            "old": before,
            "new": after,
            "change": None if before is None or after is None else round(after - before, 4),
        }
    counts = pairs["match"].value_counts()
    return {
        "kind": KIND,
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "old": {"label": old.label, **old.source},
        "new": {"label": new.label, **new.source},
        "preset": assessment.preset.name,
        "categories_assessed": list(assessment.assessable),
        "not_mapped": list(assessment.not_mapped),
        "labels": {c.key: {"zh": c.label_zh, "en": c.label_en} for c in assessment.categories()},
        "blocks": {
            "old": len(old.blocks),
            "new": len(new.blocks),
            "matched_by_id": int(counts.get("id", 0)),
            "matched_by_overlap": int(counts.get("overlap", 0)),
            "appeared": int((~matched).sum()),
            "vanished": len(vanished),
            "overlap_share": OVERLAP_SHARE,
        },
        "residents": {
            "matched": round(float(population[matched].sum()), 1),
            "appeared": round(float(population[~matched].sum()), 1),
            "vanished": round(float(vanished[POPULATION].sum()), 1),
        },
        "categories": categories,
        "newly_meeting_15": round(float(population[matched & (tier_old < 15) & (tier_new >= 15)].sum()), 1),
        "no_longer_meeting_15": round(float(population[matched & (tier_old >= 15) & (tier_new < 15)].sum()), 1),
        "measures": measures,
        "blocks_changed": int((matched & (np.abs(blocks[change_column(SCORE)].to_numpy(float)) > 1e-9)).sum()),
    }
