"""The study folder: the interchange format between the CLI, the app and reports.

Layout (names from :mod:`circle.study.files` and :mod:`circle.study.columns`; every column is described on
the documentation's study-folder page, ``docs/data/study-folder.md``)::

    blocks.parquet            GeoParquet, EPSG:4326: blocks, population, reach columns
    facilities.parquet        GeoParquet, EPSG:4326: facilities by category
    network/nodes.parquet     node, x, y (study CRS), lon, lat, osm_id
    network/edges.parquet     directed edges u, v, length_m, seconds, highway
    access/blocks.parquet     block_id, node, seconds (+ the access point)
    access/facilities.parquet facility_id, node, seconds (+ the access point)
    summary.json              provenance, parameters, counts, timings (written last)
    manifest.json             format_version, and the size and SHA-256 of every file above
    study.gpkg                optional GeoPackage of blocks and facilities

A folder is written under a temporary name beside its destination and renamed
into place only when complete (see :mod:`circle.study.atomic`), so a reader never
sees half a study and an interrupted run leaves the previous study in place.
:meth:`Study.open` checks the format version and the manifest, and says
plainly when a folder is old, damaged or incomplete.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from circle.errors import StudyError
from circle.files import file_sha256
from circle.prepare.network import AccessTable, WalkNetwork
from circle.study.atomic import locked, recover_folder, replace_file, replace_folder
from circle.study.columns import BLOCK_ID, CATEGORY, FACILITY_ID, POPULATION, time_column
from circle.study.files import (
    ACCESS,
    BLOCK_ACCESS,
    BLOCKS,
    CORE_FILES,
    EDGES,
    FACILITIES,
    FACILITY_ACCESS,
    GEOPACKAGE,
    MANIFEST,
    NETWORK,
    NODES,
    SCENARIO,
    SCENARIOS,
    SUMMARY,
)
from circle.study.summary import CategoryCounts, Counts, StudySummary, summary_json

FORMAT_VERSION = 2  # 2: manifest.json with sizes and checksums
ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"


@dataclass
class StudyTables:
    """Everything a study folder holds, in memory."""

    blocks: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    nodes: pd.DataFrame
    edges: pd.DataFrame
    block_access: pd.DataFrame
    facility_access: pd.DataFrame
    summary: StudySummary | None = None
    edge_geometry_crs: str | None = None


def study_counts(tables: StudyTables, categories: list[str], nodes_before_islands: int, block_origin: str) -> Counts:
    """Return the ``counts`` section of ``summary.json`` for these tables.

    Parameters
    ----------
    tables : StudyTables
        Blocks, facilities, nodes and edges as written.
    categories : list of str
        The preset's category keys, in order.
    nodes_before_islands : int
        Network nodes before disconnected pieces were dropped.
    block_origin : str
        How the blocks were made (``landuse``, ``street_blocks``, ``user_file`` …).
    """
    blocks, facilities = tables.blocks, tables.facilities
    per_category = {}
    for category in categories:
        mine = facilities[facilities[CATEGORY] == category]
        per_category[category] = CategoryCounts(
            facilities=len(mine),
            reachable_facilities=int(mine["reachable"].sum()),
            blocks_with_none_within_limit=int(blocks[time_column(category, 1)].isna().sum()),
        )
    edges = tables.edges
    return Counts(
        network_nodes=len(tables.nodes),
        network_segments=_segment_count(edges),
        network_directed_edges=len(edges),
        network_nodes_before_islands=int(nodes_before_islands),
        blocks=len(blocks),
        blocks_unreachable=int((~blocks["reachable"]).sum()),
        blocks_by_pop_source={k: int(v) for k, v in blocks["pop_source"].value_counts().items()},
        block_origin=block_origin,
        population=round(float(blocks[POPULATION].sum()), 1),
        facilities=len(facilities),
        facilities_unreachable=int((~facilities["reachable"]).sum()),
        per_category=per_category,
    )


def _segment_count(edges: pd.DataFrame) -> int:
    """Undirected segments behind a directed edge table."""
    if len(edges) == 0:
        return 0
    u, v = edges["u"].to_numpy(np.int64), edges["v"].to_numpy(np.int64)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    return len(np.unique(lo * (int(max(hi.max(), 0)) + 1) + hi))


def prepare_destination(out: str | Path, overwrite: bool) -> Path:
    """Check that a study may be written to ``out``, before any work is done.

    Parameters
    ----------
    out : str or pathlib.Path
        The study folder to create or replace.
    overwrite : bool
        Whether an existing *study* there may be replaced.

    Returns
    -------
    pathlib.Path
        The absolute destination.

    Raises
    ------
    StudyError
        When ``out`` is a file, holds a study and ``overwrite`` is false, or
        holds anything that is not a circle study (never deleted, even with
        ``overwrite``).
    """
    path = Path(out).expanduser().absolute()
    if not path.exists() and path.parent.is_dir():
        with locked(path, blocking=False) as free:
            if free:
                recover_folder(path)  # an interrupted earlier write: put its study back first
    if path.exists() and not path.is_dir():
        raise StudyError(f"{path} is a file, not a folder. Choose a folder name for the study.", about=("out",))
    if path.is_dir() and any(path.iterdir()):
        if not (path / SUMMARY).is_file():
            raise StudyError(
                f"{path} already holds files that are not a circle study. circle never deletes "
                "them; choose an empty or new folder.",
                about=("out",),
            )
        if not overwrite:
            raise StudyError(
                f"{path} already holds a study. Replace it, or choose another folder.", about=("out", "overwrite")
            )
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StudyError(f"cannot create {parent}: {exc}. Choose a folder you can write to.") from exc
    if not os.access(parent, os.W_OK):
        raise StudyError(f"cannot write in {parent}. Choose a folder you can write to.")
    return path


def write_study(
    tables: StudyTables,
    out: str | Path,
    overwrite: bool = False,
    gpkg: bool = False,
    before_summary: Callable[[StudySummary], None] | None = None,
) -> Path:
    """Write a study folder atomically.

    Parameters
    ----------
    tables : StudyTables
        What to write.
    out : str or pathlib.Path
        Destination folder.
    overwrite : bool
        Replace an existing study at ``out``.
    gpkg : bool
        Also write ``study.gpkg`` with layers ``blocks`` and ``facilities``.
    before_summary : callable, optional
        Called with ``tables.summary`` once every table is written and just
        before ``summary.json`` is, e.g. to record how long writing took.

    Returns
    -------
    pathlib.Path
        The written folder.
    """
    destination = prepare_destination(out, overwrite)

    def write(staging: Path) -> None:
        (staging / NETWORK).mkdir()
        (staging / ACCESS).mkdir()
        tables.blocks.to_parquet(staging / BLOCKS, index=False)
        tables.facilities.to_parquet(staging / FACILITIES, index=False)
        tables.nodes.to_parquet(staging / NODES, index=False)
        tables.edges.to_parquet(staging / EDGES, index=False)
        tables.block_access.to_parquet(staging / BLOCK_ACCESS, index=False)
        tables.facility_access.to_parquet(staging / FACILITY_ACCESS, index=False)
        files = list(CORE_FILES)
        if gpkg:
            tables.blocks.to_file(staging / GEOPACKAGE, layer="blocks", driver="GPKG")
            tables.facilities.to_file(staging / GEOPACKAGE, layer="facilities", driver="GPKG")
            files.append(GEOPACKAGE)
        write_json(staging / MANIFEST, {"format_version": FORMAT_VERSION, "files": manifest_of(staging, files)})
        if tables.summary is None:
            raise StudyError("a study is written with its summary; none was given.")
        if before_summary is not None:
            before_summary(tables.summary)
        (staging / SUMMARY).write_text(summary_json(tables.summary, json_default), encoding="utf-8")
        keep_scenarios(destination, staging)

    return replace_folder(destination, write)


def keep_scenarios(old: Path, new: Path) -> int:
    """Carry the saved scenarios of the study at ``old`` into its new version at ``new``; return how many.

    Called under the study's lock (which scenario saves and deletions take
    too), so a scenario saved while the study was rebuilt is kept as well.
    Each kept ``scenario.json`` says it was computed on the study as built
    before (``computed_on``: ``"previous build"``): its figures are those of
    the old study until it is saved again.
    """
    scenarios = old / SCENARIOS
    if not scenarios.is_dir():
        return 0
    kept = 0
    for folder in sorted(p for p in scenarios.iterdir() if p.is_dir() and not p.name.startswith(".")):
        target = new / SCENARIOS / folder.name
        shutil.copytree(folder, target)
        described = target / SCENARIO
        try:
            payload = json.loads(described.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        payload["computed_on"] = "previous build"
        described.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        kept += 1
    return kept


def manifest_of(folder: Path, files: list[str]) -> dict[str, dict[str, Any]]:
    """Return the size and SHA-256 of each of ``files`` (relative to ``folder``)."""
    return {name: {"bytes": (folder / name).stat().st_size, "sha256": file_sha256(folder / name)} for name in files}


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write a JSON file of the study folder atomically (UTF-8, Chinese kept as is, numpy values made plain)."""
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=json_default) + "\n"
    replace_file(path, text.encode("utf-8"))


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a (Geo)Parquet table of the study folder atomically."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    replace_file(path, buffer.getvalue())


def json_default(value: Any) -> Any:
    """Turn numpy scalars and arrays and paths into plain JSON values (NaN becomes null)."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


@dataclass
class Study:
    """A study folder opened for reading; tables load on first use."""

    path: Path
    summary: StudySummary = field(repr=False)

    @classmethod
    def open(cls, path: str | Path, verify: bool = True) -> Study:
        """Open a study folder, checking its format version and (with ``verify``) its manifest.

        A folder left missing by an interrupted write is first restored from
        the complete version the write left beside it.

        Raises
        ------
        StudyError
            When the folder is missing, is not a study, was written by an
            older or newer circle, or a file differs from what was written.
        """
        path = Path(path).expanduser()
        if not path.exists():
            with locked(path, blocking=False) as free:
                if free:
                    recover_folder(path)
        summary_path = path / SUMMARY
        if not summary_path.is_file():
            raise StudyError(
                f"{path} is not a circle study (no {SUMMARY}). Build a study there first.", about=("study",)
            )
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StudyError(f"{summary_path} is damaged ({exc}). Rebuild the study with `circle analyze`.") from exc
        if not isinstance(summary, dict):
            raise StudyError(f"{summary_path} is damaged (not a JSON object). Rebuild the study with `circle analyze`.")
        check_format_version(path, summary.get("format_version"))
        if verify:
            verify_manifest(path)
        try:
            typed = StudySummary.from_dict(summary)
        except StudyError as exc:
            raise StudyError(f"{summary_path} is damaged: {exc} Rebuild the study with `circle analyze`.") from None
        return cls(path=path, summary=typed)

    def _read(self, relative: str, geo: bool = False):
        file = self.path / relative
        if not file.is_file():
            raise StudyError(f"{file} is missing: the study is incomplete. Rebuild it with `circle analyze`.")
        try:
            return gpd.read_parquet(file) if geo else pd.read_parquet(file)
        except Exception as exc:  # pyarrow raises several types for damaged files
            raise StudyError(f"{file} cannot be read ({exc}). Rebuild the study with `circle analyze`.") from exc

    @cached_property
    def blocks(self) -> gpd.GeoDataFrame:
        """Blocks with their reach columns (EPSG:4326)."""
        return self._read(BLOCKS, geo=True)

    @cached_property
    def facilities(self) -> gpd.GeoDataFrame:
        """Facilities (EPSG:4326)."""
        return self._read(FACILITIES, geo=True)

    @cached_property
    def nodes(self) -> pd.DataFrame:
        """Network nodes."""
        return self._read(NODES)

    @cached_property
    def edges(self) -> pd.DataFrame:
        """Directed network edges."""
        frame = self._read(EDGES)
        return frame.drop(columns=[c for c in ("geometry",) if c in frame.columns])

    @cached_property
    def block_access(self) -> pd.DataFrame:
        """How blocks reach the network."""
        return self._read(BLOCK_ACCESS)

    @cached_property
    def facility_access(self) -> pd.DataFrame:
        """How facilities reach the network."""
        return self._read(FACILITY_ACCESS)

    @property
    def crs(self) -> str:
        """The study's projected CRS."""
        return self.summary.crs

    @cached_property
    def network(self) -> WalkNetwork:
        """The walking network rebuilt from ``network/``."""
        return network_from_tables(self.nodes, self.edges, self.crs)

    def access_table(self, kind: str, owner_ids: list[str] | None = None) -> tuple[AccessTable, np.ndarray]:
        """Return an access table (``"blocks"`` or ``"facilities"``) with owner positions.

        Parameters
        ----------
        kind : str
            ``"blocks"`` or ``"facilities"``.
        owner_ids : list of str, optional
            Keep only these owners.

        Returns
        -------
        tuple of (AccessTable, numpy.ndarray)
            The table (``owner`` indexes the returned id array) and the ids.
        """
        frame = self.block_access if kind == "blocks" else self.facility_access
        id_column = BLOCK_ID if kind == "blocks" else FACILITY_ID
        if owner_ids is not None:
            frame = frame[frame[id_column].isin(owner_ids)]
        ids, owner = np.unique(frame[id_column].to_numpy(dtype=object), return_inverse=True)
        table = AccessTable(
            owner=owner.astype(np.int64),
            node=frame["node"].to_numpy(np.int64),
            seconds=frame["seconds"].to_numpy(float),
            x=frame["x"].to_numpy(float),
            y=frame["y"].to_numpy(float),
            snap_m=frame["snap_m"].to_numpy(float),
        )
        return table, ids


def check_format_version(path: Path, version: Any) -> None:
    """Refuse a study written in another format, saying which way to go.

    Raises
    ------
    StudyError
        For a missing, older or newer format version.
    """
    if version == FORMAT_VERSION:
        return
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise StudyError(
            f"{path} was written by a newer circle (study format {version}; this one reads {FORMAT_VERSION}). "
            "Update circle, or rebuild the study with this version."
        )
    raise StudyError(
        f"{path} is in an old or unknown study format ({version!r}; this circle reads {FORMAT_VERSION}). "
        "Rebuild the study (analyse its source again into this folder).",
        about=("study",),
    )


def verify_manifest(path: Path) -> None:
    """Check every file the manifest lists: present, same size, same SHA-256.

    Raises
    ------
    StudyError
        Naming the first file that is missing or differs, or the missing manifest.
    """
    manifest_path = path / MANIFEST
    rebuild = "Rebuild the study (analyse its source again into this folder)."
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = manifest["files"]
        check_format_version(path, manifest.get("format_version"))
    except FileNotFoundError as exc:
        raise StudyError(
            f"{path} has no {MANIFEST}: it was written by an older circle or is damaged. {rebuild}",
            about=("study",),
        ) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise StudyError(f"{manifest_path} is damaged ({exc}). {rebuild}", about=("study",)) from exc
    for name, expected in files.items():
        file = path / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            raise StudyError(f"{manifest_path} names a file outside the study ({name!r}). {rebuild}", about=("study",))
        if not file.is_file():
            raise StudyError(f"{file} is missing: the study is incomplete. {rebuild}", about=("study",))
        if file.stat().st_size != expected.get("bytes") or file_sha256(file) != expected.get("sha256"):
            raise StudyError(
                f"{file} is damaged: it differs from what circle wrote (size or checksum). {rebuild}", about=("study",)
            )


def network_from_tables(nodes: pd.DataFrame, edges: pd.DataFrame, crs: str) -> WalkNetwork:
    """Rebuild a :class:`~circle.prepare.network.WalkNetwork` from a study's node and edge tables.

    Directed edges are paired into undirected segments; a direction missing
    from the table is impassable (infinite seconds).
    """
    u = edges["u"].to_numpy(np.int64)
    v = edges["v"].to_numpy(np.int64)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    forward = u <= v
    key = pd.MultiIndex.from_arrays([lo, hi])
    frame = pd.DataFrame(
        {
            "length_m": edges["length_m"].to_numpy(float),
            "ab": np.where(forward, edges["seconds"].to_numpy(float), np.inf),
            "ba": np.where(~forward, edges["seconds"].to_numpy(float), np.inf),
            "highway": edges["highway"].to_numpy(object) if "highway" in edges else "",
            "off_ground": edges["off_ground"].to_numpy(bool) if "off_ground" in edges else False,
        },
        index=key,
    )
    grouped = frame.groupby(level=[0, 1], sort=True).agg(
        {"length_m": "first", "ab": "min", "ba": "min", "highway": "first", "off_ground": "max"}
    )
    a = grouped.index.get_level_values(0).to_numpy(np.int64)
    b = grouped.index.get_level_values(1).to_numpy(np.int64)
    order = np.argsort(nodes["node"].to_numpy())
    return WalkNetwork(
        crs=crs,
        osm_id=nodes["osm_id"].to_numpy(np.int64)[order],
        x=nodes["x"].to_numpy(float)[order],
        y=nodes["y"].to_numpy(float)[order],
        a=a,
        b=b,
        length_m=grouped["length_m"].to_numpy(float),
        seconds_ab=grouped["ab"].to_numpy(float),
        seconds_ba=grouped["ba"].to_numpy(float),
        highway=grouped["highway"].to_numpy(object),
        off_ground=grouped["off_ground"].to_numpy(bool),
    )
