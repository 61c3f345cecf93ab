"""What a gap report says: the study's figures gathered for one area, scenario and language.

Nothing here draws or typesets; :mod:`circle.report.pdf` does. Figures come
from the same functions as ``circle score`` (:func:`circle.analysis.assess.compute_scores`),
so the report and ``summary.json`` agree.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from circle.analysis.assess import (
    ScoreResult,
    assessment_of,
    compute_scores,
    compute_suggestions,
    study_preset,
)
from circle.analysis.changes import cut_off as _cut_off
from circle.analysis.indicators import compute_indicators
from circle.analysis.planning import flagged_blocks
from circle.analysis.resident_reports import Outcomes, counts_by_place, outcomes, report_places
from circle.analysis.scoring import Assessment, score_blocks, summarize, unscored_changes
from circle.deploy.config import load_deployment
from circle.deploy.db import DATABASE_FILE, database_for
from circle.deploy.reports import KINDS, STATUSES, list_reports
from circle.errors import CircleError
from circle.geo import WGS84
from circle.i18n import t
from circle.report.streets import named_streets
from circle.sources.area import read_area_file
from circle.standards import Preset
from circle.standards.indicator_sets import load_indicator_set
from circle.study import Study
from circle.study.columns import FACILITY_ID, pass_column
from circle.study.comparison import change_status, read_comparison
from circle.study.files import SCENARIOS, SCORES, SUGGESTIONS
from circle.study.scenarios import Change, load_closed, load_scenario
from circle.study.summary import ScoreSummary

Progress = Callable[[float, str], None]
SUGGEST_CATEGORIES = 3
SUGGEST_SITES = 3


@dataclass
class ScenarioContent:
    """A saved scenario against the baseline, both scored under the study's assessment.

    ``unscored`` holds what the scenario does for the categories it adds to
    that the study leaves unscored (:func:`circle.analysis.scoring.unscored_changes`),
    for the blocks reported on.
    """

    name: str
    created: str
    changes: list[dict[str, Any]]
    baseline: ScoreSummary
    scenario: ScoreSummary
    gained: np.ndarray
    lost: np.ndarray
    baseline_pass: dict[str, np.ndarray]
    scenario_pass: dict[str, np.ndarray]
    added: gpd.GeoDataFrame
    removed: gpd.GeoDataFrame
    closure: dict[str, Any] | None = None
    closed: gpd.GeoDataFrame | None = None
    cut_off: np.ndarray | None = None
    unscored: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class ComparisonContent:
    """A comparison (``circle compare``) to report: its summary, its blocks and the blocks that vanished."""

    path: Path
    summary: dict[str, Any]
    blocks: gpd.GeoDataFrame
    vanished: gpd.GeoDataFrame
    status: np.ndarray

    @classmethod
    def read(cls, path: str | Path, crs: str) -> ComparisonContent:
        """Read a comparison folder; its blocks and vanished blocks in ``crs``."""
        summary, blocks, vanished = read_comparison(path)
        return cls(Path(path), summary, blocks.to_crs(crs), vanished.to_crs(crs), change_status(summary, blocks))


@dataclass
class ResidentsContent:
    """The residents' reports about the study (``circle.deploy.reports``): counted by place, and what was done.

    Attributes
    ----------
    grouping : str
        What the places are: ``"community"`` (社区) or ``"block"`` (where the data names no community).
    counts : pandas.DataFrame
        :func:`circle.analysis.resident_reports.counts_by_place`: per place, the reports of each kind and
        status and their total.
    outcomes : Outcomes
        Accepted into which scenario, rejected with which reason, still open.
    kinds, statuses : tuple of str
        The kinds and statuses of a report, in the order the table shows them.
    """

    grouping: str
    counts: pd.DataFrame
    outcomes: Outcomes
    kinds: tuple[str, ...]
    statuses: tuple[str, ...]

    @property
    def total(self) -> int:
        """How many reports there are."""
        return int(self.counts["total"].sum()) if len(self.counts) else 0


@dataclass
class ReportContent:
    """Everything a gap report shows.

    Attributes
    ----------
    study : Study
        The study folder.
    preset : Preset
        The standard the study is scored against.
    result : ScoreResult
        The whole study's scores (as ``circle score`` computes them).
    assessment : Assessment
        Assessable categories and thresholds.
    blocks : geopandas.GeoDataFrame
        The blocks reported on (all, or those inside ``--area``) in the study CRS,
        with their reach and score columns.
    summary : ScoreSummary
        :func:`circle.analysis.scoring.summarize` of those blocks.
    facilities : geopandas.GeoDataFrame
        The study's facilities in its CRS.
    streets : numpy.ndarray
        The walkable segments, shape (n, 2, 2), for the maps.
    outline : geopandas.GeoSeries or None
        The ``--area`` polygon in the study CRS.
    area_name : str or None
        The ``--area`` file's name.
    areas : geopandas.GeoDataFrame
        Candidate renewal areas reported on (inside the area), by priority.
    suggestions : list of dict
        Suggested-site payloads (see :func:`circle.analysis.assess.compute_suggestions`).
    suggestions_saved : bool
        Whether they were read from the study (else computed for the report).
    scenario : ScenarioContent or None
        The scenario compared, when one was asked for.
    indicators : pandas.DataFrame or None
        The city check-up indicator table (:func:`circle.analysis.indicators.compute_indicators`).
    comparison : ComparisonContent or None
        A comparison of two studies, when one was asked for.
    residents : ResidentsContent or None
        The residents' reports about the study, when the deployment holds any.
    named_streets : geopandas.GeoDataFrame or None
        The named streets in the study CRS (:func:`circle.report.streets.named_streets`), None when the
        source file cannot be read again.
    """

    study: Study
    preset: Preset
    result: ScoreResult
    assessment: Assessment
    blocks: gpd.GeoDataFrame
    summary: ScoreSummary
    facilities: gpd.GeoDataFrame
    streets: np.ndarray
    outline: gpd.GeoSeries | None
    area_name: str | None
    areas: gpd.GeoDataFrame
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    suggestions_saved: bool = True
    scenario: ScenarioContent | None = None
    indicators: pd.DataFrame | None = None
    indicator_title: str = ""
    comparison: ComparisonContent | None = None
    residents: ResidentsContent | None = None
    named_streets: gpd.GeoDataFrame | None = None

    def label(self, category: str, lang: str) -> str:
        """Return a category's label in ``lang``."""
        return self.result.labels[category][lang]


def gather(
    study: Study,
    area_file: str | Path | None = None,
    scenario: str | None = None,
    progress: Progress | None = None,
    lang: str = "zh",
    compare: str | Path | None = None,
    include_flagged: bool = False,
) -> ReportContent:
    """Collect the figures, tables and layers of a gap report.

    Parameters
    ----------
    study : Study
        The study folder.
    area_file : str or pathlib.Path, optional
        A polygon file: the report covers the blocks inside it.
    scenario : str, optional
        A saved scenario (``circle whatif --name``) to compare with the baseline.
    compare : str or pathlib.Path, optional
        A comparison folder (``circle compare --out``) to report.
    progress : callable, optional
        Called with (fraction done, message).
    lang : str
        Language of the progress messages.
    include_flagged : bool, default False
        Rank blocks whose population is flagged among the priorities.

    Raises
    ------
    CircleError
        When the area holds no block or the scenario does not exist.
    """
    report = progress or (lambda fraction, message: None)
    report(0.05, t("rpt_progress_data", lang))
    preset = study_preset(study)
    result = compute_scores(study, include_flagged=include_flagged)
    assessment = assessment_of(study, preset)
    crs = study.crs
    # the blocks' own pop_flag stays; the scores repeat it beside the priorities (and the residents by age)
    blocks = study.blocks.to_crs(crs)
    blocks = blocks.join(result.scores.drop(columns=[c for c in result.scores.columns if c in blocks.columns]))
    outline = None
    inside = np.ones(len(blocks), dtype=bool)
    if area_file is not None:
        outline = gpd.GeoSeries([read_area_file(area_file).geometry], crs=WGS84).to_crs(crs)
        inside = blocks.geometry.representative_point().within(outline.union_all()).to_numpy()
        if not inside.any():
            raise CircleError(f"no block of the study lies inside {area_file}; check the polygon and its CRS.")
    chosen = blocks[inside].reset_index(drop=True)
    summary = summarize(result.scores[inside].reset_index(drop=True), assessment)
    summary.flagged_blocks = flagged_blocks(chosen)
    summary.flagged_in_priorities = result.summary.flagged_in_priorities
    areas = result.areas.to_crs(crs) if len(result.areas) else result.areas
    if outline is not None and len(areas):
        areas = areas[areas.geometry.representative_point().within(outline.union_all())]
    areas = areas.reset_index(drop=True)
    content = ReportContent(
        study=study,
        preset=preset,
        result=result,
        assessment=assessment,
        blocks=chosen,
        summary=summary,
        facilities=study.facilities.to_crs(crs),
        streets=_streets(study),
        outline=outline,
        area_name=Path(area_file).name if area_file is not None else None,
        areas=areas,
    )
    report(0.25, t("rpt_progress_sites", lang))
    content.suggestions, content.suggestions_saved = _suggestions(study, summary, assessment)
    if scenario is not None:
        content.scenario = _scenario(study, assessment, result.scores, scenario, inside)
    indicator_set = load_indicator_set()
    content.indicators = compute_indicators(study, indicator_set, lang, scores=result.scores)[0]
    content.indicator_title = indicator_set.title_zh if lang == "zh" else indicator_set.title_en
    if compare is not None:
        content.comparison = ComparisonContent.read(compare, crs)
    content.residents = _residents(study, lang, outline)
    content.named_streets = named_streets(study)
    return content


def deployment_reports(study: Study) -> list | None:
    """Return the residents' reports about ``study`` kept by its deployment, or None when it keeps none.

    The reports are those of the database that keeps the records of the
    study's folder (:func:`circle.deploy.db.database_for`) whose site is the
    study's folder name. A study outside any deployment (no database
    configured for its folder and no ``.circle.db`` beside it) has none, and
    none is made for it.
    """
    studies = study.path.parent.expanduser().absolute()
    try:
        deployment = load_deployment()
        configured = bool(deployment.database) and Path(deployment.studies).expanduser().absolute() == studies
    except CircleError:  # settings the report does not need: only the folder's own database is looked at
        configured = False
    if not configured and not (studies / DATABASE_FILE).is_file():
        return None
    return list_reports(database_for(studies), site=study.path.name) or None


def _residents(study: Study, lang: str, outline: gpd.GeoSeries | None) -> ResidentsContent | None:
    """Return the residents' reports counted by place (those inside ``outline`` when given), or None."""
    reports = deployment_reports(study)
    if reports and outline is not None:
        area = outline.to_crs(WGS84).union_all()
        pins = gpd.points_from_xy([r.lon for r in reports], [r.lat for r in reports], crs=WGS84)
        inside = gpd.GeoSeries(pins, crs=WGS84).within(area).to_numpy()
        reports = [r for r, kept in zip(reports, inside, strict=True) if kept]
    if not reports:
        return None
    places = report_places(reports, study.blocks, lang)
    return ResidentsContent(
        grouping=places.grouping,
        counts=counts_by_place(reports, places, KINDS, STATUSES),
        outcomes=outcomes(reports),
        kinds=KINDS,
        statuses=STATUSES,
    )


def _streets(study: Study) -> np.ndarray:
    nodes = study.nodes
    edges = study.edges
    u = edges["u"].to_numpy(np.int64)
    v = edges["v"].to_numpy(np.int64)
    keep = u < v
    x = nodes["x"].to_numpy(float)
    y = nodes["y"].to_numpy(float)
    u, v = u[keep], v[keep]
    return np.stack([np.column_stack([x[u], y[u]]), np.column_stack([x[v], y[v]])], axis=1)


def _suggestions(study: Study, summary: ScoreSummary, assessment: Assessment) -> tuple[list[dict[str, Any]], bool]:
    """Return saved suggestions, or compute a few for the categories with most residents unserved."""
    folder = study.path / SUGGESTIONS
    saved = []
    if folder.is_dir():
        for path in sorted(folder.glob("*.json")):
            try:
                saved.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, json.JSONDecodeError):
                continue
    if saved:
        return saved, True
    ranked = sorted(
        (key for key, value in summary.categories.items() if value.unserved > 0 and key in assessment.assessable),
        key=lambda key: (-summary.categories[key].unserved, key),
    )
    computed = []
    for category in ranked[:SUGGEST_CATEGORIES]:
        try:
            _, payload = compute_suggestions(study, category, SUGGEST_SITES)
        except CircleError:
            continue
        computed.append(payload)
    return computed, False


def _scenario(
    study: Study, assessment: Assessment, baseline_scores: pd.DataFrame, name: str, inside: np.ndarray
) -> ScenarioContent:
    """Return a saved scenario against the baseline: the study's scores, under the study's ``assessment``."""
    preset = assessment.preset
    description, scenario_blocks = load_scenario(study, name)
    changes = [Change(**change) for change in description["changes"]]
    scenario_scores = pd.read_parquet(study.path / SCENARIOS / name / SCORES)
    if any(pass_column(c.key) in scenario_scores for c in preset.categories if c.key not in assessment.assessable):
        # saved before what-ifs were scored as their study: it scored a category the study leaves out
        scenario_scores = score_blocks(scenario_blocks, assessment)
    unscored = unscored_changes(
        study.blocks[inside].reset_index(drop=True),
        scenario_blocks[inside].reset_index(drop=True),
        assessment,
        assessment_of(study, preset, changes),
    )
    baseline_scores, scenario_scores = (
        baseline_scores[inside].reset_index(drop=True),
        scenario_scores[inside].reset_index(drop=True),
    )
    keys = [category.key for category in assessment.categories()]
    before = {key: baseline_scores[pass_column(key)].to_numpy(bool) for key in keys}
    after = {key: scenario_scores[pass_column(key)].to_numpy(bool) for key in keys}
    gained = np.zeros(len(baseline_scores), dtype=bool)
    lost = np.zeros(len(baseline_scores), dtype=bool)
    for key in keys:
        gained |= after[key] & ~before[key]
        lost |= before[key] & ~after[key]
    facilities = study.facilities.to_crs(study.crs)
    added = [c for c in changes if c.kind in ("add", "move") and c.lon is not None]
    moved_away = {c.facility_id for c in changes if c.kind in ("remove", "move")}
    added_points = gpd.GeoDataFrame(
        {"category": [c.category for c in added]},
        geometry=gpd.points_from_xy([c.lon for c in added], [c.lat for c in added]),
        crs=WGS84,
    ).to_crs(study.crs)
    removed = facilities[facilities[FACILITY_ID].isin(moved_away)].copy()
    removed["geometry"] = removed.geometry.representative_point()
    closure = description.get("diff", {}).get("closure")
    closed = load_closed(study, name)
    cut_off = None
    if closure is not None and closure["blocks_cut_off"]:
        cut_off = _cut_off(study.blocks, scenario_blocks, keys)[inside]
    return ScenarioContent(
        name=name,
        created=description.get("created", ""),
        changes=description["changes"],
        baseline=summarize(baseline_scores, assessment, worst=0),
        scenario=summarize(scenario_scores, assessment, worst=0),
        gained=gained,
        lost=lost,
        baseline_pass=before,
        scenario_pass=after,
        added=added_points,
        removed=removed,
        closure=closure,
        closed=None if closed is None else closed.to_crs(study.crs),
        cut_off=cut_off,
        unscored=unscored,
    )
