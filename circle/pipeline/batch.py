"""Many studies at once on a Dask distributed cluster: ``circle batch``.

A batch file (YAML) lists studies; each is one task. A study with ``tiles``
is one study of a city too big for one process, computed in three steps:

1. **split** (one task): the source is read once and cut into one part per
   tile (the tile's cell widened by a walk's reach, the snapping limit and a
   block margin; see :mod:`circle.sources.osm_parts`), written beside the
   batch in ``OUT/.NAME.work/parts/``;
2. **tiles** (one task each): a tile reads only its part and builds its own
   blocks (those whose inner point is in its cell) in the whole study's CRS,
   with the network and facilities around them, as a whole run would see them;
3. **merge** (one task): the tiles become one study folder ``OUT/NAME``,
   written atomically; the work folder is then removed.

A task that raises an unexpected error is retried (twice) and reported with
its attempts; a bad input fails at once, with its message. A failing task
does not stop the others, and a study (or tile, or split) already complete
for the same request is skipped, so a re-run resumes an interrupted batch.
Without a scheduler address a local cluster is started on this machine
(loopback only).

Example batch file::

    defaults:
      preset: gb50180_2018
      profile: standard
    studies:
      - name: chengdu
        source: ../shared/data/osm/chengdu_central_2018.osm.pbf
      - name: andorra-la-vella
        source: ../shared/data/osm/andorra_2020.osm.pbf
        bbox: 1.50,42.49,1.54,42.52
      - name: andorra-tiled
        source: ../shared/data/osm/andorra_2020.osm.pbf
        bbox: 1.41,42.43,1.79,42.66
        tiles: {columns: 2, rows: 2}
      - name: chengdu-counted
        source: ../shared/data/osm/chengdu_central_2018.osm.pbf
        census: census/jiedao_2020.gpkg    # or population: worldpop_2020.tif
        population_total: 1_500_000        # optional: a known total of the area
        region: china                      # optional: found from the area's centre

A tiled study estimates its residents in each tile and counts them once,
after the merge, from the raster, the census and the known total: a cell or
polygon on a tile's edge is shared among the blocks of every tile it covers,
and the total is the city's. Blocks outside the grid get none of it, so a
census polygon crossing the grid's edge gives all its residents to the
blocks inside: draw the grid over the whole of the census area.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numba
from distributed import Client, LocalCluster, as_completed

from circle.errors import CircleError, InputDataError
from circle.pipeline import AnalysisOptions, analyze
from circle.pipeline.batch_plan import RETRIES, BatchPlan, BatchTask, TaskResult, TiledStudy
from circle.pipeline.memory import check_memory
from circle.pipeline.merge import merge_tiles
from circle.pipeline.resolve import read_bounds_for
from circle.pipeline.tiling import TileGrid, TileOf
from circle.sources.osm import read_decoded
from circle.sources.osm_areas import NodeLookup
from circle.sources.osm_parts import part_of, save_part
from circle.standards import load_preset, load_profile
from circle.study import SUMMARY, Study, file_sha256
from circle.study.summary import read_summary

#: seconds to wait for a named Dask scheduler to answer before saying it cannot be reached
SCHEDULER_TIMEOUT_S = 20.0

REPORT = "batch-report.json"


def run_task(task: BatchTask, numba_threads: int | None = None) -> TaskResult:
    """Analyse one task; a bad input is returned as a failure, so other tasks go on.

    Parameters
    ----------
    task : BatchTask
        The study (or tile) to build.
    numba_threads : int, optional
        Threads for the compiled engine in this worker (avoid oversubscribing
        cores shared by several workers).

    Returns
    -------
    TaskResult
        ``done``, ``skipped`` (already complete for the same request) or ``failed``.

    Raises
    ------
    Exception
        Anything unexpected, so that the cluster retries the task.
    """
    started = time.perf_counter()
    folder = Path(task.folder)
    if is_complete(folder, task):
        counts = read_summary(folder / SUMMARY).counts
        return TaskResult(task.name, task.folder, "skipped", 0.0, "already complete", counts.blocks, counts.population)
    attempts = _count_attempt(folder)
    _limit_threads(numba_threads)
    options = dict(task.options)
    if isinstance(options.get("tile"), dict):
        spec = options["tile"]
        grid = TileGrid(tuple(spec["bbox"]), spec["columns"], spec["rows"])
        options["tile"] = TileOf(grid, spec["column"], spec["row"])
    try:
        result = analyze(AnalysisOptions(out=folder, overwrite=True, **options))
    except CircleError as exc:
        return TaskResult(
            task.name, task.folder, "failed", round(time.perf_counter() - started, 2), str(exc), attempts=attempts
        )
    _record_request(folder, task)
    counts = result.summary.counts
    return TaskResult(
        task.name,
        task.folder,
        "done",
        round(time.perf_counter() - started, 2),
        "",
        counts.blocks,
        counts.population,
        attempts,
    )


def _limit_threads(numba_threads: int | None) -> None:
    if numba_threads:
        numba.set_num_threads(max(1, min(numba_threads, numba.config.NUMBA_NUM_THREADS)))


def _count_attempt(folder: Path) -> int:
    """Count this start of the task beside its folder (the report says how many it took)."""
    marker = folder.parent / f".{folder.name}.attempts"
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        attempts = int(marker.read_text(encoding="utf-8") or 0) + 1 if marker.is_file() else 1
        marker.write_text(str(attempts), encoding="utf-8")
    except (OSError, ValueError):
        return 1
    return attempts


def _finish_attempts(folder: Path) -> None:
    (folder.parent / f".{folder.name}.attempts").unlink(missing_ok=True)


@dataclass
class SplitResult:
    """The parts of a tiled study's source, one per tile."""

    name: str
    ok: bool
    message: str = ""
    checksum: str = ""
    parts: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    skipped: bool = False
    attempts: int = 1
    source: dict[str, Any] = field(default_factory=dict)


def split_source(study: TiledStudy) -> SplitResult:
    """Read a tiled study's source once and write one part per tile (skipped when they exist for the same source).

    Raises
    ------
    Exception
        Anything unexpected, so that the cluster retries the split.
    """
    started = time.perf_counter()
    name = f"{study.name}/split"
    folder = study.work / "parts"
    source = Path(study.options["source"]) if study.options.get("source") else None
    try:
        if source is None:
            raise InputDataError("a tiled study needs a 'source' file.")
        if not source.is_file():
            raise InputDataError(f"{source} does not exist. Check the path and run again.")
        stat = source.stat()
        identity = {"request": study.request(), "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        manifest = folder / "manifest.json"
        if manifest.is_file():
            known = json.loads(manifest.read_text(encoding="utf-8"))
            if known.get("identity") == json.loads(json.dumps(identity)) and all(
                Path(p).is_file() for p in known["parts"].values()
            ):
                return SplitResult(name, True, "already split", known["checksum"], known["parts"], 0.0, True)
        attempts = _count_attempt(folder)
        check_memory(source, decode_only=True)
        preset, profile = load_preset(study.options["preset"]), load_profile(study.options["profile"])
        checksum = file_sha256(source)
        pbf = read_decoded(source, preset)
        lookup = NodeLookup.build(pbf)
        folder.mkdir(parents=True, exist_ok=True)
        parts = {}
        for tile in study.tiles():
            box = read_bounds_for(tile.bounds, preset, profile, terrain=bool(study.options.get("dem_file")))
            path = folder / f"{tile.name}.npz"
            save_part(part_of(pbf, box, lookup), path)
            parts[tile.name] = str(path)
        staging = folder / ".manifest.json.tmp"
        staging.write_text(
            json.dumps({"identity": identity, "checksum": checksum, "parts": parts}, ensure_ascii=False),
            encoding="utf-8",
        )
        staging.replace(manifest)
        _finish_attempts(folder)
        return SplitResult(name, True, "", checksum, parts, round(time.perf_counter() - started, 2), attempts=attempts)
    except CircleError as exc:
        return SplitResult(name, False, str(exc), seconds=round(time.perf_counter() - started, 2))


def run_tile(study: TiledStudy, tile: TileOf, split: SplitResult, numba_threads: int | None = None) -> TaskResult:
    """Build one tile of a tiled study from its part of the source."""
    task = study.tile_task(tile)
    if not split.ok:
        return TaskResult(task.name, task.folder, "failed", 0.0, f"the source was not split: {split.message}")
    options = {
        **task.options,
        "tile": {"bbox": list(study.grid.bbox), "columns": study.grid.columns, "rows": study.grid.rows}
        | {"column": tile.column, "row": tile.row},
        "osm_part": split.parts[tile.name],
        "source_checksum": split.checksum,
    }
    _inject_fault(task.name, Path(task.folder))
    result = run_task(BatchTask(task.name, task.folder, options), numba_threads)
    _finish_attempts(Path(task.folder))
    return result


def _inject_fault(name: str, folder: Path) -> None:
    """Fail the first attempts of a tile on purpose (tests of retries): ``CIRCLE_BATCH_FAULTS=NAME/rRcC:N``."""
    for entry in filter(None, os.environ.get("CIRCLE_BATCH_FAULTS", "").split(",")):
        target, _, count = entry.rpartition(":")
        marker = folder.parent / f".{folder.name}.attempts"
        attempts = int(marker.read_text(encoding="utf-8") or 0) if marker.is_file() else 0
        if target == name and attempts < int(count or 1):
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(str(attempts + 1), encoding="utf-8")
            raise RuntimeError(f"fault injected into {name} (attempt {attempts + 1})")


def merge_study(study: TiledStudy, split: SplitResult, tiles: list[TaskResult]) -> TaskResult:
    """Merge the tiles of a study into ``study.folder`` once all are built, then remove the work folder."""
    started = time.perf_counter()
    failed = [t.name for t in tiles if t.status == "failed"]
    if not split.ok or failed:
        why = f"the source was not split: {split.message}" if not split.ok else f"{len(failed)} tile(s) failed"
        return TaskResult(
            study.name, study.folder, "failed", 0.0, f"not merged: {why} (see above); run again to resume"
        )
    folders = [(tile, Path(study.tile_task(tile).folder)) for tile in study.tiles()]
    first = Study.open(folders[0][1]).summary.source
    stamps = [Study.open(f).summary.source.data_timestamp for _, f in folders]
    source = dataclasses.replace(first, data_timestamp=max((s for s in stamps if s), default=None))
    extra = {
        "split_s": split.seconds,
        "tile_seconds": {t.name.rsplit("/", 1)[-1]: t.seconds for t in tiles},
        "tile_attempts": {t.name.rsplit("/", 1)[-1]: t.attempts for t in tiles},
        "how": "the source read once and cut into one part per tile (its cell widened by a walk's reach, the "
        "snapping limit and a block margin); each tile built from its part, its own blocks only, in the "
        "study's CRS; tiles merged by OpenStreetMap node ids",
    }
    counted = study.counted
    population = (counted, study.region.apply(load_preset(study.options["preset"]))) if counted else None
    merged = merge_tiles(folders, study.folder, source, extra, population)
    _record_request(merged, study)
    shutil.rmtree(study.work, ignore_errors=True)
    counts = Study.open(merged).summary.counts
    return TaskResult(
        study.name,
        study.folder,
        "done",
        round(time.perf_counter() - started, 2),
        "",
        counts.blocks,
        counts.population,
    )


def _record_request(folder: Path, task: BatchTask | TiledStudy) -> None:
    # Written after the study is complete: a folder without it is redone.
    partial = folder / ".batch-request.json.part"
    partial.write_text(json.dumps(task.request(), sort_keys=True), encoding="utf-8")
    partial.replace(folder / ".batch-request.json")


def is_complete(folder: Path, task: BatchTask | TiledStudy) -> bool:
    """Return whether ``folder`` holds a complete study made for the same request."""
    marker = folder / ".batch-request.json"
    if not (folder / SUMMARY).is_file() or not marker.is_file():
        return False
    try:
        Study.open(folder)  # format version and checksums: a damaged study is redone
        return json.loads(marker.read_text(encoding="utf-8")) == json.loads(json.dumps(task.request()))
    except (CircleError, OSError, json.JSONDecodeError):
        return False


def run_batch(
    plan: BatchPlan,
    out: str | Path,
    scheduler: str | None = None,
    workers: int = 2,
    on_result=None,
) -> list[TaskResult]:
    """Run every task on a Dask cluster and write ``batch-report.json`` in ``out``.

    Parameters
    ----------
    plan : BatchPlan
        The tasks.
    out : str or pathlib.Path
        The batch folder.
    scheduler : str, optional
        Address of an existing scheduler (``tcp://host:8786``); a local
        cluster of ``workers`` processes on 127.0.0.1 otherwise.
    workers : int
        Worker processes of the local cluster.
    on_result : callable, optional
        Called with each :class:`TaskResult` as it arrives.

    Returns
    -------
    list of TaskResult
        Plain studies in the order of the plan, then each tiled study's split, tiles and merge.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{SCHEDULER_TIMEOUT_S:g}s")
        except OSError as exc:
            raise CircleError(
                f"cannot reach the Dask scheduler at {scheduler} ({exc}). Check the address and that "
                "`dask scheduler` runs there, or run on a local cluster of this machine instead.",
                about=("scheduler",),
            ) from exc
        threads = None
    else:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=40,
        )
        client = Client(cluster)
        threads = 1
    results: dict[str, TaskResult] = {}
    order: list[str] = []
    try:
        futures = {}
        for i, task in enumerate(plan.tasks):
            future = client.submit(run_task, task, threads, pure=False, retries=RETRIES, key=f"circle-{i}-{task.name}")
            futures[future] = (task.name, task.folder)
            order.append(task.name)
        for study in plan.tiled:
            if is_complete(Path(study.folder), study):
                results[study.name] = TaskResult(study.name, study.folder, "skipped", 0.0, "already complete")
                order.append(study.name)
                if on_result:
                    on_result(results[study.name])
                continue
            key = f"circle-tiled-{study.name}"
            split = client.submit(split_source, study, pure=False, retries=RETRIES, key=f"{key}-split")
            futures[split] = (f"{study.name}/split", str(study.work / "parts"))
            order.append(f"{study.name}/split")
            tiles = []
            for tile in study.tiles():
                task = study.tile_task(tile)
                future = client.submit(
                    run_tile, study, tile, split, threads, pure=False, retries=RETRIES, key=f"{key}-{tile.name}"
                )
                futures[future] = (task.name, task.folder)
                order.append(task.name)
                tiles.append(future)
            merge = client.submit(merge_study, study, split, tiles, pure=False, retries=RETRIES, key=f"{key}-merge")
            futures[merge] = (study.name, study.folder)
            order.append(study.name)
        for future in as_completed(futures):
            name, folder = futures[future]
            try:
                result = _as_result(future.result())
            except Exception as exc:  # retried and still failing, or a worker died: report it, keep going
                result = TaskResult(
                    name,
                    folder,
                    "failed",
                    0.0,
                    f"failed after {RETRIES + 1} attempts: {type(exc).__name__}: {exc}",
                    attempts=RETRIES + 1,
                )
            results[name] = result
            if on_result:
                on_result(result)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    ordered = [results[name] for name in order]
    report = out / REPORT
    partial = out / f".{REPORT}.{os.getpid()}.part"
    partial.write_text(json.dumps([asdict(r) for r in ordered], ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    partial.replace(report)
    return ordered


def _as_result(value: TaskResult | SplitResult) -> TaskResult:
    if isinstance(value, TaskResult):
        return value
    status = "skipped" if value.skipped else ("done" if value.ok else "failed")
    return TaskResult(value.name, "", status, value.seconds, value.message, attempts=value.attempts)
