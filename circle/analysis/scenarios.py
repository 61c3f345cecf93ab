"""What-if scenarios: add, remove or move facilities and update only the blocks affected.

A scenario starts from a study's reach columns. Adding a facility runs one
bounded search from it (see :mod:`circle.engine.whatif`). Removing one runs
one bounded search from it to find the blocks that counted it or may have
had it among their k nearest, then re-searches only those blocks forwards
until their k nearest remaining facilities are known. Moving is removing
then adding. Scenarios are saved under ``scenarios/NAME/`` in the study.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from circle.build.network import AccessTable
from circle.engine import _kernels as kernels
from circle.engine._base import CategoryReach, Destinations, ReachProblem
from circle.engine._labels import COUNT_TOLERANCE_S, PreparedOrigins, grouped
from circle.engine.whatif import add_facility
from circle.errors import CircleError
from circle.geo import WGS84, transform_xy
from circle.study import Study
from circle.study.atomic import locked, replace_folder
from circle.study.columns import count_column, nearest_id_column, time_column

SCENARIOS = "scenarios"
_NAME = re.compile(r"[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9_.\-\u4e00-\u9fff]{0,79}")


@dataclass
class Change:
    """One change: ``add`` (category, lat, lon, name), ``remove`` (facility_id) or ``move`` (both)."""

    kind: str
    category: str | None = None
    lat: float | None = None
    lon: float | None = None
    facility_id: str | None = None
    name: str | None = None


@dataclass
class CategoryState:
    """A category's current answer and its facilities' access, kept in facility-position order."""

    ids: list[str]
    reach: CategoryReach
    access: AccessTable
    removed: set[int] = field(default_factory=set)


class ScenarioEngine:
    """Holds a study's network and reach in memory and applies changes to them.

    Parameters
    ----------
    study : Study
        The baseline study.
    """

    def __init__(self, study: Study):
        self.study = study
        self.network = study.network
        summary = study.summary
        self.k = int(summary["parameters"]["k_nearest"])
        self.thresholds_min = tuple(summary["parameters"]["thresholds_min"])
        self.thresholds_s = tuple(60.0 * m for m in self.thresholds_min)
        self.limit_s = float(summary["parameters"]["search_limit_min"]) * 60.0
        self.speed = float(summary["profile"]["speed_m_s"]["value"])
        self.max_snap = float(summary["parameters"]["max_snap_m"])
        blocks = study.blocks
        self.block_ids = blocks["block_id"].astype(str).to_numpy()
        block_access, owner_ids = study.access_table("blocks")
        position = pd.Series(np.arange(len(self.block_ids)), index=self.block_ids)
        block_access.owner = position.loc[owner_ids[block_access.owner]].to_numpy()
        self.origins = PreparedOrigins.build(block_access, len(self.block_ids), self.network.n_nodes)
        self.states: dict[str, CategoryState] = {}
        for category, (ids, access) in category_access(study).items():
            index = pd.Series(np.arange(len(ids)), index=ids)
            seconds = np.column_stack(
                [blocks[time_column(category, r)].to_numpy(float) * 60.0 for r in range(1, self.k + 1)]
            )
            nearest = np.full((len(blocks), self.k), -1, np.int64)
            nearest[:, 0] = blocks[nearest_id_column(category)].map(index).fillna(-1).to_numpy(np.int64)
            counts = np.column_stack(
                [blocks[count_column(category, m)].to_numpy(np.int64) for m in self.thresholds_min]
            )
            self.states[category] = CategoryState(list(ids), CategoryReach(seconds, nearest, counts), access)

    def snap(self, lat: float, lon: float) -> AccessTable:
        """Return how a point reaches the network (as a new facility would)."""
        x, y = transform_xy(np.array([lon]), np.array([lat]), WGS84, self.study.crs)
        access = self.network.snap(np.zeros(1, np.int64), x, y, self.speed, self.max_snap, towards_point=True)
        if len(access) == 0:
            raise CircleError(
                f"the point {lat:.6f}, {lon:.6f} is more than {self.max_snap:.0f} m from any walkable way of the "
                "study; place the facility on or near a street inside the study area."
            )
        return access

    def add(self, category: str, access: AccessTable, facility_id: str) -> np.ndarray:
        """Add a facility reached through ``access``; return the positions of the blocks changed."""
        state = self._state(category)
        position = len(state.ids)
        state.ids.append(facility_id)
        table = AccessTable(
            np.full(len(access), position, np.int64), access.node, access.seconds, access.x, access.y, access.snap_m
        )
        state.access = AccessTable(
            *(
                np.concatenate([getattr(state.access, f), getattr(table, f)])
                for f in ("owner", "node", "seconds", "x", "y", "snap_m")
            )
        )
        state.reach, changed = add_facility(
            self.network, self.origins, state.reach, position, table, self.thresholds_s, self.limit_s
        )
        return changed

    def remove(self, facility_id: str) -> tuple[str, np.ndarray]:
        """Remove a facility; return its category and the positions of the blocks changed."""
        for category, state in self.states.items():
            if facility_id in state.ids:
                position = state.ids.index(facility_id)
                if position in state.removed:
                    raise CircleError(f"facility {facility_id} is already removed in this scenario.")
                return category, self._remove_position(state, position)
        raise CircleError(f"the study has no facility {facility_id!r}; ids look like clinic:n123456.")

    def _remove_position(self, state: CategoryState, position: int) -> np.ndarray:
        rows = np.flatnonzero(state.access.owner == position)
        origins = self.origins
        hit, seconds = origins.reached_from(
            self.network, state.access.node[rows], state.access.seconds[rows], self.limit_s
        )
        state.removed.add(position)
        reach = CategoryReach(state.reach.seconds.copy(), state.reach.nearest.copy(), state.reach.counts.copy())
        within = seconds[:, None] <= np.asarray(self.thresholds_s)[None, :] + COUNT_TOLERANCE_S
        reach.counts[hit] -= within.astype(np.int64)
        kth = np.where(np.isnan(reach.seconds[hit, -1]), np.inf, reach.seconds[hit, -1])
        affected = hit[seconds <= kth + 1e-6]
        if len(affected):
            excluded = np.zeros(len(state.ids), bool)
            excluded[list(state.removed)] = True
            forward = self.network.csr()
            order, node_ptr = grouped(state.access.node, self.network.n_nodes)
            found_s, found_id = kernels.k_nearest_for_origins(
                forward.indptr,
                forward.indices,
                forward.weights,
                origins.origin_ptr,
                origins.origin_node,
                origins.origin_cost,
                affected.astype(np.int64),
                node_ptr,
                state.access.owner[order],
                state.access.seconds[order],
                excluded,
                self.k,
                self.limit_s,
            )
            reach.seconds[affected] = np.where(np.isfinite(found_s), found_s, np.nan)
            reach.nearest[affected] = found_id
        state.reach = reach
        return np.unique(np.concatenate([hit[within.any(axis=1)], affected]))

    def _state(self, category: str) -> CategoryState:
        if category not in self.states:
            raise CircleError(f"the study has no category {category!r}; it has: {', '.join(self.states)}.")
        return self.states[category]

    def apply(self, changes: list[Change]) -> dict[str, np.ndarray]:
        """Apply changes in order; return, per category, the positions of the blocks changed."""
        changed: dict[str, list[np.ndarray]] = {}
        for number, change in enumerate(changes, start=1):
            if change.kind in {"remove", "move"}:
                category, blocks = self.remove(str(change.facility_id))
                changed.setdefault(category, []).append(blocks)
                if change.kind == "move":
                    change.category = category
            if change.kind in {"add", "move"}:
                access = self.snap(float(change.lat), float(change.lon))
                new_id = f"{change.category}:new{number}"
                changed.setdefault(str(change.category), []).append(self.add(str(change.category), access, new_id))
        return {c: np.unique(np.concatenate(parts)) for c, parts in changed.items()}

    def blocks_frame(self) -> pd.DataFrame:
        """Return the blocks' reach columns in the current state (same layout as ``blocks.parquet``)."""
        frame = self.study.blocks.drop(columns="geometry").copy()
        for category, state in self.states.items():
            for rank in range(self.k):
                frame[time_column(category, rank + 1)] = state.reach.seconds[:, rank] / 60.0
            for column, minutes in enumerate(self.thresholds_min):
                frame[count_column(category, minutes)] = state.reach.counts[:, column].astype(np.int32)
            ids = np.array(state.ids, dtype=object)
            first = state.reach.nearest[:, 0]
            nearest = np.full(len(frame), None, dtype=object)
            nearest[first >= 0] = ids[first[first >= 0]]
            frame[nearest_id_column(category)] = nearest
        return frame


def category_access(study: Study) -> dict[str, tuple[np.ndarray, AccessTable]]:
    """Return, per category of the study, its facility ids and their access rows (owner = position in the ids)."""
    facility_access, facility_ids = study.access_table("facilities")
    facilities = study.facilities
    category_of = facilities.set_index("facility_id")["category"]
    owner_category = category_of.reindex(facility_ids).to_numpy(object)[facility_access.owner]
    out = {}
    for category in [c["key"] for c in study.summary["categories"]]:
        ids = facilities.loc[facilities["category"] == category, "facility_id"].astype(str).to_numpy(object)
        local = pd.Series(np.arange(len(ids)), index=ids)
        access = facility_access.take(np.flatnonzero(owner_category == category))
        access.owner = local.reindex(facility_ids[access.owner]).to_numpy(np.int64)
        out[category] = (ids, access)
    return out


def study_problem(study: Study) -> ReachProblem:
    """Return the reach problem a study was computed from, rebuilt from its own tables."""
    summary = study.summary
    block_ids = study.blocks["block_id"].astype(str).to_numpy()
    block_access, owner_ids = study.access_table("blocks")
    position = pd.Series(np.arange(len(block_ids)), index=block_ids)
    block_access.owner = position.loc[owner_ids[block_access.owner]].to_numpy()
    destinations = {c: Destinations(ids, access) for c, (ids, access) in category_access(study).items()}
    return ReachProblem(
        network=study.network,
        origin_access=block_access,
        n_origins=len(block_ids),
        destinations=destinations,
        k=int(summary["parameters"]["k_nearest"]),
        thresholds_s=tuple(60.0 * m for m in summary["parameters"]["thresholds_min"]),
        limit_s=float(summary["parameters"]["search_limit_min"]) * 60.0,
    )


def parse_add(text: str) -> Change:
    """Parse ``CATEGORY:LAT,LON`` (``--add``)."""
    try:
        category, coordinates = text.split(":", 1)
        lat, lon = (float(v) for v in coordinates.split(","))
    except ValueError:
        raise CircleError(f"--add {text!r} must look like clinic:30.66,104.07 (category:lat,lon).") from None
    return Change("add", category=category.strip(), lat=lat, lon=lon)


def parse_move(text: str) -> Change:
    """Parse ``FACILITY_ID@LAT,LON`` (``--move``)."""
    try:
        facility_id, coordinates = text.rsplit("@", 1)
        lat, lon = (float(v) for v in coordinates.split(","))
    except ValueError:
        raise CircleError(f"--move {text!r} must look like clinic:n123@30.66,104.07 (facility_id@lat,lon).") from None
    return Change("move", facility_id=facility_id.strip(), lat=lat, lon=lon)


def check_name(name: str) -> str:
    """Refuse scenario names that could escape the scenarios folder."""
    if not _NAME.fullmatch(name or ""):
        raise CircleError(
            f"scenario name {name!r} may use letters, digits, Chinese characters, '-', '_' and '.', "
            "must start with a letter or digit, and be at most 80 characters."
        )
    return name


def save_scenario(
    study: Study,
    name: str,
    changes: list[Change],
    blocks: pd.DataFrame,
    scores: pd.DataFrame,
    diff: dict[str, Any],
    timings: dict[str, float],
    author: str | None = None,
) -> Path:
    """Write ``scenarios/NAME/`` atomically (replacing a scenario of the same name).

    ``author`` is who saved it (a planner's name, or ``cli:USER``); it is kept
    in ``scenario.json`` and decides who may replace or delete it in the app.
    """
    check_name(name)
    root = study.path / SCENARIOS
    root.mkdir(exist_ok=True)

    def write(staging: Path) -> None:
        blocks.to_parquet(staging / "blocks.parquet", index=False)
        scores.to_parquet(staging / "scores.parquet", index=False)
        payload = {
            "name": name,
            "author": author,
            "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "changes": [asdict(c) for c in changes],
            "diff": diff,
            "timings_s": timings,
        }
        (staging / "scenario.json").write_text(
            json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )

    return replace_folder(root / name, write)


def list_scenarios(study: Study) -> list[dict[str, Any]]:
    """Return the saved scenarios' ``scenario.json`` contents, by name."""
    root = study.path / SCENARIOS
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            found.append(json.loads((folder / "scenario.json").read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            continue
    return found


def scenario_author(study: Study, name: str) -> str | None:
    """Return who saved scenario ``name`` (None when no one is recorded); raise when there is none."""
    folder = study.path / SCENARIOS / check_name(name)
    try:
        payload = json.loads((folder / "scenario.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CircleError(f"the study has no scenario {name!r}.") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise CircleError(f"scenario {name!r} has an unreadable scenario.json ({type(exc).__name__}).") from None
    author = payload.get("author")
    return str(author) if author else None


def scenario_exists(study: Study, name: str) -> bool:
    """Whether the study holds a saved scenario called ``name``."""
    return (study.path / SCENARIOS / check_name(name) / "scenario.json").is_file()


def load_scenario(study: Study, name: str) -> tuple[dict[str, Any], pd.DataFrame]:
    """Return a saved scenario's description and its blocks."""
    folder = study.path / SCENARIOS / check_name(name)
    if not (folder / "scenario.json").is_file():
        raise CircleError(f"the study has no scenario {name!r}; `circle whatif --study DIR --list` lists them.")
    return json.loads((folder / "scenario.json").read_text(encoding="utf-8")), pd.read_parquet(
        folder / "blocks.parquet"
    )


def delete_scenario(study: Study, name: str) -> None:
    """Delete a saved scenario (renamed aside first, so a killed delete never leaves half of one)."""
    folder = study.path / SCENARIOS / check_name(name)
    if not folder.is_dir():
        raise CircleError(f"the study has no scenario {name!r}.")
    with locked(folder):
        retired = folder.parent / f".{folder.name}.del-{uuid.uuid4().hex[:8]}"
        folder.rename(retired)
        shutil.rmtree(retired, ignore_errors=True)
