"""Many studies at once on a Dask distributed cluster: ``circle batch``.

A batch file (YAML) lists studies; a study with ``tiles`` is split into a
grid of tiles over its bounding box, each analysed as its own study (the
network and facilities reach past each tile's edge exactly as for
``circle analyze --bbox``). Every study or tile is one task. A failing task
is reported and does not stop the others; a study folder that is already
complete for the same request is skipped, so a re-run resumes an
interrupted batch. Without a scheduler address a local cluster is started
on this machine (loopback only).

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
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from circle.errors import CircleError, InputDataError
from circle.pipeline import AnalysisOptions, analyze
from circle.study import SUMMARY

REPORT = "batch-report.json"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_STUDY_KEYS = {
    "name",
    "source",
    "bbox",
    "area",
    "blocks",
    "population_column",
    "block_id_column",
    "block_name_column",
    "preset",
    "profile",
    "engine",
    "tiles",
    "gpkg",
}


@dataclass(frozen=True)
class BatchTask:
    """One study (or one tile of a study) to analyse."""

    name: str
    folder: str
    options: dict[str, Any]

    def request(self) -> dict[str, Any]:
        """Return what identifies the result: the analysis options without the output folder."""
        return {k: v for k, v in sorted(self.options.items()) if k not in {"out", "overwrite", "progress"}}


@dataclass
class TaskResult:
    """What happened to one task."""

    name: str
    folder: str
    status: str  # "done", "skipped" or "failed"
    seconds: float = 0.0
    message: str = ""
    blocks: int | None = None
    population: float | None = None


@dataclass
class BatchPlan:
    """The tasks of a batch file."""

    tasks: list[BatchTask] = field(default_factory=list)


def read_batch_file(path: str | Path, out: str | Path) -> BatchPlan:
    """Read and check a batch file; return its tasks.

    Relative paths in the file are taken relative to the file's folder.

    Raises
    ------
    InputDataError
        For an unreadable file or any malformed study, listing every problem.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputDataError(f"cannot read batch file {path}: {exc}.") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("studies"), list) or not raw["studies"]:
        raise InputDataError(f"batch file {path} needs a non-empty 'studies' list (see `circle batch --help`).")
    defaults = raw.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise InputDataError(f"batch file {path}: 'defaults' must be a mapping of options.")
    base = path.resolve().parent
    out = Path(out)
    problems, tasks, seen = [], [], set()
    for index, entry in enumerate(raw["studies"]):
        where = f"studies[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be a mapping")
            continue
        study = {**defaults, **entry}
        unknown = set(study) - _STUDY_KEYS
        if unknown:
            problems.append(f"{where} has unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        name = str(study.get("name", ""))
        if not _NAME.fullmatch(name) or name in {".", ".."}:
            problems.append(f"{where}.name {name!r} must be letters, digits, '-', '_' or '.' (it names a folder)")
            continue
        if name in seen:
            problems.append(f"{where}.name {name!r} is used twice")
        seen.add(name)
        paths = {key: study.get(key) for key in ("source", "area", "blocks")}
        wrong = [key for key, value in paths.items() if value is not None and not isinstance(value, str)]
        if wrong:
            problems.append(f"{where}.{wrong[0]} must be a file name")
            continue
        source = study.get("source")
        options = {
            "source": str((base / source).resolve()) if source else None,
            "bbox": study.get("bbox"),
            "area_file": str((base / study["area"]).resolve()) if study.get("area") else None,
            "blocks_file": str((base / study["blocks"]).resolve()) if study.get("blocks") else None,
            "block_id_column": study.get("block_id_column"),
            "block_name_column": study.get("block_name_column"),
            "population_column": study.get("population_column"),
            "preset": str(study.get("preset", "gb50180_2018")),
            "profile": str(study.get("profile", "standard")),
            "engine": str(study.get("engine", "labels")),
            "gpkg": bool(study.get("gpkg", False)),
        }
        tiles = study.get("tiles")
        if tiles is None:
            tasks.append(BatchTask(name, str(out / name), options))
            continue
        try:
            columns, rows = int(tiles["columns"]), int(tiles["rows"])
            west, south, east, north = (float(v) for v in str(study["bbox"]).split(","))
            if columns < 1 or rows < 1 or columns * rows > 10_000:
                raise ValueError
        except (KeyError, TypeError, ValueError):
            problems.append(f"{where}.tiles needs 'columns' and 'rows' (1…100) and the study needs a 'bbox'")
            continue
        for row in range(rows):
            for column in range(columns):
                w = west + (east - west) * column / columns
                e = west + (east - west) * (column + 1) / columns
                s = south + (north - south) * row / rows
                n = south + (north - south) * (row + 1) / rows
                tile = f"r{row}c{column}"
                tile_options = {**options, "bbox": f"{w:.7f},{s:.7f},{e:.7f},{n:.7f}"}
                tasks.append(BatchTask(f"{name}/{tile}", str(out / name / tile), tile_options))
    if problems:
        raise InputDataError(f"batch file {path}: " + "; ".join(problems) + ".")
    return BatchPlan(tasks)


def run_task(task: BatchTask, numba_threads: int | None = None) -> TaskResult:
    """Analyse one task; never raises (failures are returned), so other tasks go on.

    Parameters
    ----------
    task : BatchTask
        The study to build.
    numba_threads : int, optional
        Threads for the compiled engine in this worker (avoid oversubscribing
        cores shared by several workers).

    Returns
    -------
    TaskResult
        ``done``, ``skipped`` (already complete for the same request) or ``failed``.
    """
    started = time.perf_counter()
    folder = Path(task.folder)
    if is_complete(folder, task):
        summary = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
        return TaskResult(
            task.name,
            task.folder,
            "skipped",
            0.0,
            "already complete",
            summary["counts"]["blocks"],
            summary["counts"]["population"],
        )
    if numba_threads:
        import numba

        numba.set_num_threads(max(1, min(numba_threads, numba.config.NUMBA_NUM_THREADS)))
    try:
        options = AnalysisOptions(out=folder, overwrite=True, **task.options)
        result = analyze(options)
        _record_request(folder, task)
        counts = result.summary["counts"]
        return TaskResult(
            task.name,
            task.folder,
            "done",
            round(time.perf_counter() - started, 2),
            "",
            counts["blocks"],
            counts["population"],
        )
    except CircleError as exc:
        return TaskResult(task.name, task.folder, "failed", round(time.perf_counter() - started, 2), str(exc))
    except Exception as exc:  # a batch must survive any single study's failure
        return TaskResult(
            task.name,
            task.folder,
            "failed",
            round(time.perf_counter() - started, 2),
            f"unexpected {type(exc).__name__}: {exc}",
        )


def _record_request(folder: Path, task: BatchTask) -> None:
    # Written after the study is complete: a folder without it is redone.
    partial = folder / ".batch-request.json.part"
    partial.write_text(json.dumps(task.request(), sort_keys=True), encoding="utf-8")
    partial.replace(folder / ".batch-request.json")


def is_complete(folder: Path, task: BatchTask) -> bool:
    """Return whether ``folder`` holds a complete study made for the same request."""
    from circle.study import Study

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
        In the order of the plan.
    """
    from distributed import Client, LocalCluster, as_completed

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise CircleError(
                f"cannot reach the Dask scheduler at {scheduler} ({exc}). Check the address and that "
                "`dask scheduler` runs there, or leave out --scheduler to use this machine."
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
    try:
        futures = {
            client.submit(run_task, task, threads, pure=False, key=f"circle-{i}-{task.name}"): task
            for i, task in enumerate(plan.tasks)
        }
        for future in as_completed(futures):
            task = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # a worker died: report the task, keep going
                result = TaskResult(task.name, task.folder, "failed", 0.0, f"worker lost: {exc}")
            results[task.name] = result
            if on_result:
                on_result(result)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    ordered = [results[t.name] for t in plan.tasks]
    report = out / REPORT
    partial = out / f".{REPORT}.part"
    partial.write_text(json.dumps([asdict(r) for r in ordered], ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    partial.replace(report)
    return ordered
