"""What-if: facilities added, removed or moved and streets closed, compared with the baseline (``circle whatif``).

:func:`what_if` computes a scenario once; the :class:`WhatIf` it returns is
what the app shows, what the command line prints and what
:meth:`WhatIf.save` writes into ``scenarios/NAME/``: a saved scenario stores
what was computed, it is not computed again. Saving claims the name in the
deployment's database first (of two planners saving one name at once, one
saves and the other is told) and records the save in the audit log.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely.geometry

from circle.analysis.assess import assessment_of, closed_segments_frame, closure_figures, study_preset
from circle.analysis.changes import cut_off
from circle.analysis.saved_reach import blocks_with_reach, reach_columns, scenario_engine
from circle.analysis.scoring import Assessment, compare, score_blocks, unscored_changes
from circle.deploy import audit
from circle.deploy.db import Database, database_for
from circle.deploy.owners import claim_scenario, forget_scenario, release_claim, scenario_saved
from circle.errors import CircleError
from circle.sources.closures_file import check_closures_offset, read_closure_layer
from circle.study import Study
from circle.study.columns import BLOCK_ID
from circle.study.scenarios import Change, check_name, delete_scenario, save_scenario, scenario_exists
from circle.tasks._row_delta import RowDelta


@dataclass
class WhatIf:
    """A scenario computed on a study: its changes, the blocks' reach and scores after them, and the comparison.

    Attributes
    ----------
    study : Study
        The baseline study.
    changes : list of Change
        The changes, in the order applied.
    assessment : Assessment
        The study's assessment under the preset it was scored with (:attr:`preset` names it), which scored
        both sides.
    changed_blocks, changed_scores : RowDelta
        The blocks (reach columns included) and their scores after the changes, kept as the rows that differ
        from the study's (a planner's session holds a what-if until it is saved); :attr:`blocks` and
        :attr:`scores` give the whole frames, with exactly the computed values.
    diff : dict
        The comparison with the baseline (:func:`circle.analysis.scoring.compare`), scored as the study is
        (its baseline is ``circle score``'s), with ``blocks_updated`` per category and, when streets were
        closed, ``closure`` (:func:`circle.analysis.assess.closure_figures`). A category the study leaves
        unscored that the plan adds facilities to has its entry under ``categories`` marked ``scored: False``
        (:func:`circle.analysis.scoring.unscored_changes`) and counts in none of the headline figures.
    timings : dict of str to float
        Seconds to load the reach (``load_s``) and to apply the changes (``update_s``).
    changed : dict of str to numpy.ndarray
        Per category, the rows of the blocks whose reach changed.
    closed : geopandas.GeoDataFrame, optional
        The closed walking segments (WGS-84), when streets were closed.
    cut_off : numpy.ndarray, optional
        Which blocks the closures cut off from everything (bool per block), when streets were closed.
    """

    study: Study
    changes: list[Change]
    assessment: Assessment
    changed_blocks: RowDelta
    changed_scores: RowDelta
    diff: dict[str, Any]
    timings: dict[str, float]
    changed: dict[str, np.ndarray] = field(default_factory=dict)
    closed: gpd.GeoDataFrame | None = None
    cut_off: np.ndarray | None = None

    @property
    def preset(self) -> str:
        """Return the name of the preset it was scored with."""
        return self.assessment.preset.name

    @property
    def blocks(self) -> pd.DataFrame:
        """Return the blocks after the changes, no geometry (``blocks.parquet``'s layout), rebuilt from the study."""
        return self.changed_blocks.rebuild(self.study.blocks)

    @property
    def scores(self) -> pd.DataFrame:
        """Return the blocks' scores after the changes (``scores.parquet``'s layout), rebuilt from the study's.

        The rows the changes left as they were are scored again from the study's blocks, the same function on
        the same values the what-if scored.
        """
        return self.changed_scores.rebuild(score_blocks(self.study.blocks, self.assessment))

    @cached_property
    def affected(self) -> list[str]:
        """Return the ids of the blocks whose reach changed, sorted."""
        ids = self.study.blocks[BLOCK_ID].astype(str).to_numpy()
        return sorted({ids[i] for rows in self.changed.values() for i in rows})

    @cached_property
    def cut_off_ids(self) -> list[str]:
        """Return the ids of the blocks the closures cut off (none without closures)."""
        if self.cut_off is None:
            return []
        return self.study.blocks[BLOCK_ID].astype(str).to_numpy()[self.cut_off].tolist()

    @cached_property
    def closed_lines(self) -> list[list[tuple[float, float]]]:
        """Return the closed segments as lists of (lat, lon) points (none without closures)."""
        if self.closed is None:
            return []
        return [[(lat, lon) for lon, lat in geometry.coords] for geometry in self.closed.geometry]

    def save(
        self,
        name: str,
        author: str | None,
        role: str | None = None,
        may_replace: Callable[[str | None], bool] | None = None,
        reports: list[int] | None = None,
        database: Database | None = None,
    ) -> Path:
        """Write ``scenarios/NAME/`` as computed, claimed in the deployment's database and recorded in the audit log.

        Parameters
        ----------
        name : str
            The scenario's name.
        author : str or None
            Who saves it (a planner's name, or ``cli:USER``).
        role : str, optional
            The author's role, for the audit log.
        may_replace : callable, optional
            Given the author of a scenario of that name, whether ``author`` may replace it
            (default: anyone may, as on the command line).
        reports : list of int, optional
            The residents' reports the scenario acts on (kept in ``scenario.json``).
        database : Database, optional
            The deployment's database (default: the one keeping the records of the study's folder).

        Returns
        -------
        pathlib.Path
            The scenario's folder.

        Raises
        ------
        CircleError
            For a name that could escape the scenarios folder; ScenarioTakenError when another
            planner's save of that name is under way or theirs may not be replaced.
        """
        check_name(name)
        study = self.study
        exists = scenario_exists(study, name)
        database = database if database is not None else database_for(study.path.parent)
        claim_scenario(
            database,
            study.path.name,
            name,
            author,
            may_replace=(may_replace or (lambda _owner: True)) if exists else None,
            on_disk=lambda: scenario_exists(study, name),
        )
        try:
            path = save_scenario(
                study,
                name,
                self.changes,
                self.blocks,
                self.scores,
                self.diff,
                self.timings,
                author,
                closed=self.closed,
                reports=reports,
            )
        except BaseException:
            release_claim(database, study.path.name, name, author)
            raise
        scenario_saved(database, study.path.name, name, author)
        details: dict[str, Any] = {"changes": len(self.changes), "replaced": exists}
        if reports:
            details["reports"] = reports
        audit.record(
            study.path.parent,
            author or "",
            role,
            "save_scenario",
            f"{study.path.name}/{name}",
            database=database,
            **details,
        )
        return path


def what_if(study: Study, changes: list[Change], preset: str | Path | None = None) -> WhatIf:
    """Apply changes to a study and compare with the baseline (nothing is written).

    Facility changes update only the blocks affected; closures recompute the
    reach over the streets left open. The study itself is not modified.

    Both sides are scored under the study's own assessment, so the baseline
    is the study's score. A category the data leaves unscored (none mapped,
    or likely incompletely mapped) stays unscored when the plan adds to it:
    what the added facilities do for it is told beside the score, marked
    ``scored: False``, never as a change of F15 or the mean score.

    Parameters
    ----------
    study : Study
        The baseline study.
    changes : list of Change
        At least one change.
    preset : str or pathlib.Path, optional
        Score with this preset (default: the study's own).

    Raises
    ------
    CircleError
        With no change, or a change that cannot be made (a point off the network, an unknown facility).
    """
    if not changes:
        raise CircleError(
            "a scenario needs at least one change: a facility added, removed or moved, or a street closed.",
            about=("changes",),
        )
    loaded = study_preset(study, preset)
    assessment = assessment_of(study, loaded)
    timings = {}
    start = time.perf_counter()
    engine = scenario_engine(study)
    timings["load_s"] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    changed = engine.apply(changes)
    timings["update_s"] = round(time.perf_counter() - start, 3)
    baseline = score_blocks(study.blocks, assessment)
    scenario_blocks = blocks_with_reach(study, engine)
    scenario_scores = score_blocks(scenario_blocks, assessment)
    diff = compare(baseline, scenario_scores, assessment)
    with_added = assessment_of(study, loaded, changes)
    diff["categories"].update(unscored_changes(study.blocks, scenario_blocks, assessment, with_added))
    diff["blocks_updated"] = {c: len(b) for c, b in changed.items()}
    closed = isolated = None
    if any(change.kind == "close" for change in changes):
        isolated = cut_off(study.blocks, scenario_blocks, [c.key for c in assessment.categories()])
        diff["closure"] = closure_figures(study, scenario_blocks, engine, assessment, isolated=isolated)
        closed = closed_segments_frame(engine)
    # kept as the rows that differ from the study's: a block's scores depend on its own row alone, so its
    # scores differ from the baseline's only where its reach does
    touched = np.concatenate([np.asarray(rows, np.int64) for rows in changed.values()] or [np.zeros(0, np.int64)])
    changed_blocks = RowDelta.of(scenario_blocks, study.blocks, reach_columns(engine), also=touched)
    return WhatIf(
        study,
        list(changes),
        assessment,
        changed_blocks,
        RowDelta.at(scenario_scores, changed_blocks.rows),
        diff,
        timings,
        changed,
        closed,
        isolated,
    )


def closure_changes(
    files: list[str | Path], steps_area: str | Path | None = None, system: str | None = None, network=None
) -> tuple[list[Change], list[str]]:
    """Return the ``close`` changes of closure files, and a warning per file whose lines fit another system better.

    Parameters
    ----------
    files : list of path
        Files of lines and polygons (GeoJSON, GeoPackage, Shapefile): the walking segments they cross or
        cover are closed.
    steps_area : path or "", optional
        Close every flight of steps: of the whole study (``""``), or inside the polygons of this file.
    system : str, optional
        The files' coordinates (wgs84, gcj02, bd09, EPSG:CODE); default: their own CRS.
    network : WalkNetwork, optional
        The study's walking network: each file's lines are checked against it, and a warning names the
        coordinate system that fits better (``(file, message, suggested system)`` joined as one line).
    """
    changes: list[Change] = []
    warnings: list[str] = []
    for path in files:
        frame, declared = read_closure_layer(path, system)
        changes += [Change("close", geometry=shapely.geometry.mapping(g)) for g in frame.geometry.to_numpy()]
        if network is not None:
            offset = check_closures_offset(frame, declared, network)
            if offset.get("suggested"):
                warnings.append(f"{path}: {offset['message']} [--close-crs {offset['suggested']}]")
    if steps_area == "":
        changes.append(Change("close", steps=True))
    elif steps_area is not None:
        frame, _ = read_closure_layer(steps_area, system)
        changes += [Change("close", geometry=shapely.geometry.mapping(g), steps=True) for g in frame.geometry]
    return changes, warnings


def delete(study: Study, name: str, author: str | None, role: str | None = None) -> None:
    """Delete saved scenario ``name``, forget its owner in the deployment's database and record it in the audit log.

    Who may delete it is the caller's to check (:func:`circle.study.scenarios.scenario_author`).
    """
    delete_scenario(study, name)
    database = database_for(study.path.parent)
    forget_scenario(database, study.path.name, name)
    target = f"{study.path.name}/{name}"
    audit.record(study.path.parent, author or "", role, "delete_scenario", target, database=database)
