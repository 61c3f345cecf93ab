"""A batch file read into tasks: studies, tiled studies and their tiles, checked before anything runs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from circle.errors import InputDataError
from circle.pipeline.tiling import TileGrid, TileOf
from circle.prepare.population.counts import CountedSources
from circle.sources.census_table import CensusTableSpec, parse_columns
from circle.standards.regions import Region, region_for, region_names

#: extra attempts of a task that failed unexpectedly (a worker crash, a full disk …).
RETRIES = 2


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


_STUDY_KEYS = {
    "name",
    "source",
    "bbox",
    "area",
    "blocks",
    "population_column",
    "population",
    "population_total",
    "population_ages",
    "census",
    "census_column",
    "census_table",
    "census_table_columns",
    "admin",
    "admin_name_column",
    "admin_code_column",
    "admin_crs",
    "area_crs",
    "blocks_crs",
    "census_crs",
    "region",
    "block_id_column",
    "block_name_column",
    "preset",
    "profile",
    "engine",
    "tiles",
    "gpkg",
}


#: a study's census-table options (set only when it names a table: other studies' requests stay as they were)
_CENSUS_TABLE_OPTIONS = (
    "census_table",
    "census_table_columns",
    "admin_file",
    "admin_name_column",
    "admin_code_column",
    "admin_crs",
)


def _census_table_options(study: dict[str, Any], base: Path) -> dict[str, Any]:
    """Return the census table's options of a study entry (none when it names no table)."""
    if not study.get("census_table"):
        return {}
    return {
        "census_table": str((base / study["census_table"]).resolve()),
        "census_table_columns": study.get("census_table_columns"),
        "admin_file": str((base / study["admin"]).resolve()) if study.get("admin") else None,
        "admin_name_column": study.get("admin_name_column"),
        "admin_code_column": study.get("admin_code_column"),
        "admin_crs": study.get("admin_crs"),
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


@dataclass(frozen=True)
class TiledStudy:
    """One study computed in tiles and merged (see the module docs)."""

    name: str
    folder: str
    options: dict[str, Any]
    grid: TileGrid

    @property
    def work(self) -> Path:
        """Where its parts and tile studies live until the merge."""
        folder = Path(self.folder)
        return folder.parent / f".{folder.name}.work"

    def tiles(self) -> list[TileOf]:
        """Every tile, row by row."""
        return [TileOf(self.grid, c, r) for r in range(self.grid.rows) for c in range(self.grid.columns)]

    def request(self) -> dict[str, Any]:
        """Return what identifies the merged result."""
        return {
            **{k: v for k, v in sorted(self.options.items()) if k not in {"out", "overwrite", "progress"}},
            "tiles": {"bbox": list(self.grid.bbox), "columns": self.grid.columns, "rows": self.grid.rows},
        }

    @property
    def counted(self) -> CountedSources:
        """The residents the user counted (raster, census, known total): applied once, to the merged city."""
        options = self.options
        table = options.get("census_table")
        return CountedSources(
            options.get("population_raster"),
            options.get("census_file"),
            options.get("census_column"),
            options.get("population_total"),
            census_table=CensusTableSpec(Path(table), parse_columns(options.get("census_table_columns")))
            if table
            else None,
            admin_file=options.get("admin_file"),
            admin_name_column=options.get("admin_name_column"),
            admin_code_column=options.get("admin_code_column"),
            admin_system=options.get("admin_crs"),
            system=options.get("population_crs"),
            ages=options.get("population_ages"),
        )

    @property
    def region(self) -> Region:
        """The region of the whole grid (named, else found from its centre): every tile takes the same."""
        west, south, east, north = self.grid.bbox
        return region_for((west + east) / 2, (south + north) / 2, self.options.get("region"))

    def tile_task(self, tile: TileOf) -> BatchTask:
        """Return the analysis of one tile as a task of its own (its residents estimated; counts come at the merge)."""
        counted_later = dict.fromkeys(
            ("population_raster", "census_file", "census_column", "population_total", "population_ages")
        )
        counted_later.update(dict.fromkeys(k for k in _CENSUS_TABLE_OPTIONS if k in self.options))
        options = {**self.options, **counted_later, "bbox": None, "region": self.region.key}
        return BatchTask(f"{self.name}/{tile.name}", str(self.work / "tiles" / tile.name), options)


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
    attempts: int = 1


@dataclass
class BatchPlan:
    """The tasks of a batch file."""

    tasks: list[BatchTask] = field(default_factory=list)
    tiled: list[TiledStudy] = field(default_factory=list)

    @property
    def steps(self) -> int:
        """How many results a run reports: one per study, plus a split and a result per tile of a tiled one."""
        return len(self.tasks) + sum(1 + len(t.tiles()) + 1 for t in self.tiled)


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
        raise InputDataError(
            f"batch file {path} needs a non-empty 'studies' list (the README's batch section shows one)."
        )
    defaults = raw.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise InputDataError(f"batch file {path}: 'defaults' must be a mapping of options.")
    base = path.resolve().parent
    out = Path(out)
    problems, tasks, tiled, seen = [], [], [], set()
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
        paths = {
            key: study.get(key) for key in ("source", "area", "blocks", "population", "census", "census_table", "admin")
        }
        wrong = [key for key, value in paths.items() if value is not None and not isinstance(value, str)]
        if wrong:
            problems.append(f"{where}.{wrong[0]} must be a file name")
            continue
        source = study.get("source")
        total = study.get("population_total")
        if total is not None and (isinstance(total, bool) or not isinstance(total, int | float) or total < 0):
            problems.append(f"{where}.population_total must be a number of residents (0 or more), not {total!r}")
            continue
        options = {
            "source": str((base / source).resolve()) if source else None,
            "bbox": study.get("bbox"),
            "area_file": str((base / study["area"]).resolve()) if study.get("area") else None,
            "blocks_file": str((base / study["blocks"]).resolve()) if study.get("blocks") else None,
            "block_id_column": study.get("block_id_column"),
            "block_name_column": study.get("block_name_column"),
            "population_column": study.get("population_column"),
            "population_raster": str((base / study["population"]).resolve()) if study.get("population") else None,
            "census_file": str((base / study["census"]).resolve()) if study.get("census") else None,
            "census_column": study.get("census_column"),
            "population_total": float(total) if total is not None else None,
            "population_ages": str(base / study["population_ages"]) if study.get("population_ages") else None,
            "region": study.get("region"),
            "preset": str(study.get("preset", "gb50180_2018")),
            "profile": str(study.get("profile", "standard")),
            "engine": str(study.get("engine", "labels")),
            "gpkg": bool(study.get("gpkg", False)),
            # each layer's declared coordinate system (wgs84, gcj02, bd09, EPSG:CODE), as the --*-crs flags
            "area_crs": study.get("area_crs"),
            "blocks_crs": study.get("blocks_crs"),
            "population_crs": study.get("census_crs"),
        }
        options.update(_census_table_options(study, base))
        if options.get("census_table") and study.get("tiles") is not None and not options.get("admin_file"):
            problems.append(
                f"{where}.census_table: a tiled study joins a census table to a boundary file only (admin: FILE), "
                "as OpenStreetMap's boundaries are not kept when the tiles are merged"
            )
            continue
        if options["region"] is not None and options["region"] not in region_names():
            problems.append(f"{where}.region {options['region']!r} is none of {', '.join(region_names())}")
            continue
        tiles = study.get("tiles")
        if tiles is None:
            tasks.append(BatchTask(name, str(out / name), options))
            continue
        try:
            columns, rows = int(tiles["columns"]), int(tiles["rows"])
            bbox = tuple(float(v) for v in str(study["bbox"]).split(","))
            west, south, east, north = bbox
            if columns < 1 or rows < 1 or columns * rows > 10_000 or not (west < east and south < north):
                raise ValueError
        except (KeyError, TypeError, ValueError):
            problems.append(f"{where}.tiles needs 'columns' and 'rows' (1…100) and the study needs a 'bbox'")
            continue
        tiled.append(TiledStudy(name, str(out / name), options, TileGrid(bbox, columns, rows)))
    if problems:
        raise InputDataError(f"batch file {path}: " + "; ".join(problems) + ".")
    return BatchPlan(tasks, tiled)
