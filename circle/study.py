"""The study folder: the interchange format between the CLI, the app and reports.

Layout (see the README for every column)::

    blocks.parquet            GeoParquet, EPSG:4326: blocks, population, reach columns
    facilities.parquet        GeoParquet, EPSG:4326: facilities by category
    network/nodes.parquet     node, x, y (study CRS), lon, lat, osm_id
    network/edges.parquet     directed edges u, v, length_m, seconds, highway
    access/blocks.parquet     block_id, node, seconds (+ the access point)
    access/facilities.parquet facility_id, node, seconds (+ the access point)
    summary.json              provenance, parameters, counts, timings
    study.gpkg                optional GeoPackage of blocks and facilities

A folder is written under a temporary name beside its destination and renamed
into place only when complete, so a reader never sees half a study and an
interrupted run leaves the previous study untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from circle.errors import StudyError
from circle.network import AccessTable, WalkNetwork

FORMAT_VERSION = 1
SUMMARY = "summary.json"
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
    summary: dict[str, Any]
    edge_geometry_crs: str | None = None


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
    if path.exists() and not path.is_dir():
        raise StudyError(f"--out {path} is a file, not a folder. Choose a folder name for the study.")
    if path.is_dir() and any(path.iterdir()):
        if not (path / SUMMARY).is_file():
            raise StudyError(
                f"--out {path} already holds files that are not a circle study. circle never deletes "
                "them; choose an empty or new folder."
            )
        if not overwrite:
            raise StudyError(
                f"--out {path} already holds a study. Pass --overwrite to replace it, or choose another folder."
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
    before_summary: Callable[[dict[str, Any]], None] | None = None,
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
    staging = destination.parent / f".{destination.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        staging.mkdir()
        (staging / "network").mkdir()
        (staging / "access").mkdir()
        tables.blocks.to_parquet(staging / "blocks.parquet", index=False)
        tables.facilities.to_parquet(staging / "facilities.parquet", index=False)
        tables.nodes.to_parquet(staging / "network" / "nodes.parquet", index=False)
        tables.edges.to_parquet(staging / "network" / "edges.parquet", index=False)
        tables.block_access.to_parquet(staging / "access" / "blocks.parquet", index=False)
        tables.facility_access.to_parquet(staging / "access" / "facilities.parquet", index=False)
        if gpkg:
            tables.blocks.to_file(staging / "study.gpkg", layer="blocks", driver="GPKG")
            tables.facilities.to_file(staging / "study.gpkg", layer="facilities", driver="GPKG")
        if before_summary is not None:
            before_summary(tables.summary)
        _write_json(staging / SUMMARY, tables.summary)
        _fsync_tree(staging)
        _swap_into_place(staging, destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return destination


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(payload, handle, ensure_ascii=False, indent=2, default=json_default)
        handle.write("\n")


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


def _fsync_tree(folder: Path) -> None:
    for item in folder.rglob("*"):
        if item.is_file():
            with item.open("rb") as handle:
                os.fsync(handle.fileno())


def _swap_into_place(staging: Path, destination: Path) -> None:
    if destination.exists() and any(destination.iterdir()):
        retired = destination.parent / f".{destination.name}.old-{uuid.uuid4().hex[:8]}"
        os.rename(destination, retired)
        os.rename(staging, destination)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        if destination.exists():
            destination.rmdir()
        os.rename(staging, destination)


@dataclass
class Study:
    """A study folder opened for reading; tables load on first use."""

    path: Path
    summary: dict[str, Any] = field(repr=False)

    @classmethod
    def open(cls, path: str | Path) -> Study:
        """Open a study folder.

        Raises
        ------
        StudyError
            When the folder is missing, is not a study, or was written by an
            incompatible version.
        """
        path = Path(path).expanduser()
        summary_path = path / SUMMARY
        if not summary_path.is_file():
            raise StudyError(
                f"{path} is not a circle study (no {SUMMARY}). Build one with `circle analyze --out {path}`."
            )
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise StudyError(f"{summary_path} is damaged ({exc}). Rebuild the study with `circle analyze`.") from exc
        version = summary.get("format_version")
        if version != FORMAT_VERSION:
            raise StudyError(
                f"{path} was written in study format {version!r}; this circle reads format {FORMAT_VERSION}. "
                "Rebuild the study with `circle analyze`."
            )
        return cls(path=path, summary=summary)

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
        return self._read("blocks.parquet", geo=True)

    @cached_property
    def facilities(self) -> gpd.GeoDataFrame:
        """Facilities (EPSG:4326)."""
        return self._read("facilities.parquet", geo=True)

    @cached_property
    def nodes(self) -> pd.DataFrame:
        """Network nodes."""
        return self._read("network/nodes.parquet")

    @cached_property
    def edges(self) -> pd.DataFrame:
        """Directed network edges."""
        frame = self._read("network/edges.parquet")
        return frame.drop(columns=[c for c in ("geometry",) if c in frame.columns])

    @cached_property
    def block_access(self) -> pd.DataFrame:
        """How blocks reach the network."""
        return self._read("access/blocks.parquet")

    @cached_property
    def facility_access(self) -> pd.DataFrame:
        """How facilities reach the network."""
        return self._read("access/facilities.parquet")

    @property
    def crs(self) -> str:
        """The study's projected CRS."""
        return self.summary["crs"]

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
        id_column = "block_id" if kind == "blocks" else "facility_id"
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


def network_from_tables(nodes: pd.DataFrame, edges: pd.DataFrame, crs: str) -> WalkNetwork:
    """Rebuild a :class:`~circle.network.WalkNetwork` from a study's node and edge tables.

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
        },
        index=key,
    )
    grouped = frame.groupby(level=[0, 1], sort=True).agg(
        {"length_m": "first", "ab": "min", "ba": "min", "highway": "first"}
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
    )
