"""Write the published resident site of a study (``circle publish``); the format is in :mod:`circle.publish`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import multiprocessing
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from circle.analysis.assess import compute_scores
from circle.analysis.search import NameIndex, pinyin_forms
from circle.analysis.walks import route
from circle.errors import CircleError
from circle.publish.plane import LocalPlane, rings_local
from circle.publish.streets import LEVELS, street_kind, street_squares
from circle.publish.walks import BlockStarts, category_walks, isochrone_rings, node_plane
from circle.publish.words import missing_lines, not_held_lines
from circle.standards import load_profile
from circle.study import Study
from circle.study.atomic import replace_folder
from circle.study.columns import (
    BLOCK_ID,
    FACILITY_ID,
    nearest_id_column,
    nearest_minutes_column,
    pass_column,
    time_column,
)
from circle.study.completeness import ASSESSED
from circle.study.files import SCORES, SUMMARY

FORMAT = 1
ASSETS = Path(__file__).parent / "assets"
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class PublishOptions:
    """What a published site says of itself and what it offers.

    Attributes
    ----------
    place : dict
        The place's name by language (``{"zh": ..., "en": ...}``); default: the study's area.
    url : str or None
        The address the site will be reached at (for posters' QR codes and ``site.json``).
    reports : bool
        Offer residents the form to report what the data gets wrong (needs ``circle serve --public``).
    posters : bool
        Also write an A4 poster per community or compound (needs ``url``).
    isochrone_minutes : float
        The walk each block's shaded area shows.
    data_date : str or None
        When the map data was taken (``2018`` or ``2018-06-01``), when the source file does not say.
    """

    place: dict[str, str] = field(default_factory=dict)
    url: str | None = None
    reports: bool = True
    posters: bool = False
    isochrone_minutes: float = 15.0
    data_date: str | None = None


@dataclass(frozen=True)
class PublishResult:
    """What ``circle publish`` wrote."""

    path: Path
    blocks: int
    files: int
    bytes: int
    posters: int
    seconds: float
    place: str = ""


def file_id(block_id: str) -> str:
    """Return the name of a block's data file: its id when that is safe in a URL, else a digest of it.

    Examples
    --------
    >>> file_id("w195510641"), file_id("../etc")
    ('w195510641', 'h3801856a827a')
    """
    text = str(block_id)
    return text if _SAFE_ID.fullmatch(text) else "h" + hashlib.sha1(text.encode()).hexdigest()[:12]


def publish_site(
    study_path: Path, out: Path, options: PublishOptions, progress: Callable[[str], None] | None = None
) -> PublishResult:
    """Write the resident site of the study at ``study_path`` into ``out``, replacing it atomically.

    Raises
    ------
    CircleError
        When posters are asked for without the site's address.
    """
    started = time.perf_counter()
    say = progress or (lambda _text: None)
    if options.posters and not options.url:
        raise CircleError("posters need the site's public address for their QR codes.")
    study = Study.open(Path(study_path))
    scores_path = study.path / SCORES
    if scores_path.exists():
        scores = pd.read_parquet(scores_path)
        stored = json.loads((study.path / SUMMARY).read_text(encoding="utf-8")).get("scores") or {}
    else:  # not scored yet: scored here by its own preset, nothing written to the study
        say("scoring the study by its preset")
        result = compute_scores(study)
        scores = result.scores
        stored = {"completeness": result.summary.completeness, "thresholds_min": result.summary.thresholds_min}
    out = Path(out)
    counted: dict = {}

    def write(staging: Path) -> None:
        counted.update(_write_site(study, scores, stored, staging, options, say))

    replace_folder(out, write, durable=False)  # made again from the study at will: no flush of 50,000 files
    files = [p for p in out.rglob("*") if p.is_file()]
    return PublishResult(
        out,
        counted.get("blocks", 0),
        len(files),
        sum(p.stat().st_size for p in files),
        counted.get("posters", 0),
        round(time.perf_counter() - started, 2),
        counted.get("place", ""),
    )


def _write_site(study: Study, scores: pd.DataFrame, stored: dict, root: Path, options: PublishOptions, say) -> dict:
    """Write the site's files into ``root``; return what was written (counts, the place's name)."""
    summary = study.summary
    west, south, east, north = summary.bbox
    plane = LocalPlane((west + east) / 2.0, (south + north) / 2.0)
    blocks = study.blocks.reset_index(drop=True)
    block_ids = blocks[BLOCK_ID].astype(str).to_numpy()
    scores = scores.set_index(scores[BLOCK_ID].astype(str)).reindex(block_ids)
    verdicts = {key: record["verdict"] for key, record in (stored.get("completeness") or {}).items()}
    limits = {key: float(value) for key, value in (stored.get("thresholds_min") or {}).items()}
    labels = {c.key: {"zh": c.label_in("zh"), "en": c.label_in("en")} for c in summary.categories}
    groups = {c.key: c.group for c in summary.categories}
    node_xy = node_plane(study, plane)
    data = root / "data"
    for folder in ("blocks", "streets"):
        (data / folder).mkdir(parents=True)

    say("walking routes to the nearest facility of each category")
    starts = BlockStarts.of(study, block_ids, plane)
    walks = {
        key: category_walks(study, key, starts, plane, node_xy)
        for key in labels
        if verdicts.get(key, ASSESSED) != "absent"
    }
    for key, walk in walks.items():
        _agree_with_study(study, key, walk, blocks, plane)
    facilities = study.facilities.set_index(FACILITY_ID)
    points = facilities.geometry.representative_point()
    fx, fy = plane.to_local(points.x.to_numpy(), points.y.to_numpy())
    facility_xy = dict(
        zip(facilities.index, zip(np.rint(fx).astype(int), np.rint(fy).astype(int), strict=True), strict=True)
    )
    centres = blocks.geometry.representative_point()
    cx, cy = plane.to_local(centres.x.to_numpy(), centres.y.to_numpy())
    names = [_text(v) for v in blocks["name"]]
    places = [
        {"zh": _chinese_place(_text(z)), "en": _text(e)}
        for z, e in zip(_column(blocks, "place_zh"), _column(blocks, "place_en"), strict=True)
    ]
    ids = [file_id(b) for b in block_ids]
    if len(set(ids)) != len(ids):
        raise CircleError("two blocks of the study have the same id; rebuild the study.")

    reach = {column for key in labels for column in (time_column(key, 1), nearest_id_column(key))}
    wanted = [c for c in blocks.columns if c in _BLOCK_FIELDS or c in reach]
    job = _PageJob(
        study=study,
        folder=data / "blocks",
        block_ids=block_ids,
        ids=ids,
        names=names,
        places=places,
        block_rows=blocks[wanted].to_dict("records"),
        geometries=blocks.geometry.to_numpy(),
        score_rows=scores.drop(columns=[BLOCK_ID], errors="ignore").to_dict("records"),
        centres=(cx, cy),
        labels=labels,
        verdicts=verdicts,
        limits=limits,
        walks=walks,
        facility_names=facilities["name"].to_dict(),
        facility_xy=facility_xy,
        plane=plane,
        node_xy=node_xy,
        minutes=options.isochrone_minutes,
    )
    say(f"{len(block_ids):,} block pages with their {options.isochrone_minutes:.0f}-minute areas")
    _run_page_job(job)

    say("search index")
    _dump(data / "search.json", _search_rows(blocks, ids, places))
    example = _search_example(blocks, names)

    say("street squares")
    network = study.network
    x, y = node_xy
    extent = (float(x.min()), float(y.min()), float(x.max()), float(y.max()))
    kinds = street_kind(network.highway)
    tiles_blocks = _blocks_by_square(ids, names, places, cx, cy, scores["score"].to_numpy(float))
    squares = 0
    for level, i, j, lines in street_squares(x, y, network.a, network.b, kinds):
        folder = data / "streets" / str(level.level)
        folder.mkdir(exist_ok=True)
        tile = {"level": level.level, "i": i, "j": j, "size": round(level.size or _side(extent)), "lines": lines}
        if level.level == 0:
            tile["blocks"] = tiles_blocks.pop((i, j), [])
        _dump(folder / f"{i}_{j}.json", tile)
        squares += 1
    _fill_empty_squares(data / "streets", extent, tiles_blocks)

    site = _site_json(study, scores, options, plane, extent, labels, groups, verdicts, len(block_ids), example)
    _dump(data / "site.json", site)
    copy_assets(root)
    posters = 0
    if options.posters:
        # loaded only when posters are asked for: reportlab, the fonts and the QR codes (65 ms)
        from circle.publish.posters import write_posters

        say("notice-board posters")
        posters = len(write_posters(root, options.url))
    return {"blocks": len(block_ids), "squares": squares, "posters": posters, "place": site["place"]["zh"]}


_DEFERRED_SCRIPT = re.compile(r'^[ \t]*<script src="([A-Za-z0-9_.-]+\.js)" defer></script>[ \t]*\n', re.MULTILINE)


def copy_assets(root: Path) -> None:
    """Copy the page into the site, its deferred scripts joined into one file (one request instead of five).

    The scripts run in the order ``index.html`` lists them, as the browser
    would run them; the bundle's name carries a digest of its content, so a
    re-published page never meets an older script in a cache.
    """
    for source in ASSETS.iterdir():
        if source.name.startswith((".", "_")) or source.suffix in {".py", ".md"}:
            continue
        target = root / source.name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
    index = root / "index.html"
    html = index.read_text(encoding="utf-8")
    names = _DEFERRED_SCRIPT.findall(html)
    if len(names) < 2:
        return
    parts = [f"/* {name} */\n" + (root / name).read_text(encoding="utf-8").rstrip() + "\n;\n" for name in names]
    bundle = "".join(parts)
    bundle_name = f"site-{hashlib.sha256(bundle.encode()).hexdigest()[:10]}.js"
    (root / bundle_name).write_text(bundle, encoding="utf-8")
    first = _DEFERRED_SCRIPT.search(html)
    html = _DEFERRED_SCRIPT.sub("", html)
    html = html[: first.start()] + f'<script src="{bundle_name}" defer></script>\n' + html[first.start() :]
    index.write_text(html, encoding="utf-8")


def _fill_empty_squares(
    streets: Path, extent: tuple[float, float, float, float], blocks_left: dict[tuple[int, int], list]
) -> None:
    """Write a square with no street wherever a page may ask for one: inside the extent, or holding blocks.

    A page in view of such a square gets an answer, not a 404; ``blocks_left``
    are the blocks (by level-0 square) no square with streets took.
    """
    xmin, ymin, xmax, ymax = extent
    for level in LEVELS:
        if level.size is None:
            continue
        folder = streets / str(level.level)
        folder.mkdir(exist_ok=True)
        wanted = {
            (i, j)
            for i in range(math.floor(xmin / level.size), math.floor(xmax / level.size) + 1)
            for j in range(math.floor(ymin / level.size), math.floor(ymax / level.size) + 1)
        }
        if level.level == 0:
            wanted |= set(blocks_left)
        for i, j in sorted(wanted):
            path = folder / f"{i}_{j}.json"
            if not path.exists():
                empty = {"level": level.level, "i": i, "j": j, "size": round(level.size), "lines": []}
                _dump(path, empty | ({"blocks": blocks_left.get((i, j), [])} if level.level == 0 else {}))


def _agree_with_study(study: Study, key: str, walk, blocks: pd.DataFrame, plane: LocalPlane) -> None:
    """Where two facilities tie and the search picked another than the study's nearest, walk to the study's."""
    nearest = blocks[nearest_id_column(key)].to_numpy(object)
    for index in np.flatnonzero([isinstance(n, str) for n in nearest]):
        if walk.facility_id[index] in (None, nearest[index]):
            continue
        found = route(study, str(blocks[BLOCK_ID].iloc[index]), nearest[index])
        if found is None:
            continue
        coords = np.asarray(found.geometry.coords)
        x, y = plane.to_local(coords[:, 0], coords[:, 1])
        walk.facility_id[index] = nearest[index]
        walk.metres[index] = found.metres
        walk.steps_metres[index] = found.steps_metres
        walk.routes[index] = np.column_stack([np.rint(x), np.rint(y)]).astype(int).tolist()


@dataclass
class _PageJob:
    """Everything the block pages are written from (shared with forked workers, never changed by them)."""

    study: Study
    folder: Path
    block_ids: np.ndarray
    ids: list[str]
    names: list
    places: list
    block_rows: list[dict]
    geometries: np.ndarray
    score_rows: list[dict]
    centres: tuple[np.ndarray, np.ndarray]
    labels: dict
    verdicts: dict
    limits: dict
    walks: dict
    facility_names: dict
    facility_xy: dict
    plane: LocalPlane
    node_xy: tuple[np.ndarray, np.ndarray]
    minutes: float


_BLOCK_FIELDS = {
    "community",
    "subdistrict",
    "population",
    "population_low",
    "population_high",
    "pop_flag",
    "reachable",
}
#: a study this large writes its pages in as many processes as the machine has cores
_FORK_FROM_BLOCKS = 4000
_forked_job: _PageJob | None = None  # set in the parent just before forking; read by the workers only


def _run_page_job(job: _PageJob) -> None:
    """Write every block page, in a process per core when the study is large (the search per block dominates)."""
    global _forked_job
    n = len(job.block_ids)
    workers = min(os.cpu_count() or 1, 8)
    if n < _FORK_FROM_BLOCKS or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        _write_pages(job, 0, n)
        return
    bounds = np.linspace(0, n, workers * 4 + 1).astype(int)
    _forked_job = job
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pool.starmap(_write_forked_pages, zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))
    finally:
        _forked_job = None


def _write_forked_pages(first: int, last: int) -> None:
    assert _forked_job is not None
    _write_pages(_forked_job, first, last)


def _write_pages(job: _PageJob, first: int, last: int) -> None:
    """Write the pages of blocks ``first`` to ``last`` (positions)."""
    isochrones = isochrone_rings(job.study, job.block_ids[first:last], job.minutes, job.node_xy)
    for index in range(first, last):
        _dump(job.folder / f"{job.ids[index]}.json", _block_page(job, index, isochrones[index - first]))


def _block_page(job: _PageJob, index: int, isochrone: list) -> dict:
    """Return one block's page (the format in :mod:`circle.publish`)."""
    block = job.block_rows[index]
    row = job.score_rows[index]
    services = []
    minutes_of: dict[str, float] = {}
    for key in job.labels:
        verdict = job.verdicts.get(key, ASSESSED)
        entry: dict = {
            "category": key,
            "verdict": verdict,
            "facility": None,
            "metres": None,
            "steps_metres": None,
            "minutes": None,
            "route": None,
        }
        walk = job.walks.get(key)
        nearest = block.get(nearest_id_column(key))
        # the study's own nearest facility (none beyond the engine's search limit); the walk found to it
        if walk is not None and isinstance(nearest, str) and walk.facility_id[index] is not None:
            facility = walk.facility_id[index]
            minutes = _number(row.get(nearest_minutes_column(key)))
            if minutes is None:
                minutes = _number(block.get(time_column(key, 1)))
                minutes = None if minutes is None else minutes / 60.0
            # the dot where the walk arrives (a park's gate or edge, not its middle hundreds of metres in)
            fx, fy = walk.routes[index][-1] if walk.routes[index] else job.facility_xy[facility]
            entry.update(
                facility={"name": _text(job.facility_names.get(facility)), "x": int(fx), "y": int(fy)},
                metres=round(walk.metres[index]),
                steps_metres=round(walk.steps_metres[index]),
                minutes=None if minutes is None else round(minutes, 1),
                route=walk.routes[index],
            )
            if minutes is not None:
                minutes_of[key] = minutes
        services.append(entry)
    labels, verdicts = job.labels, job.verdicts
    failed = [key for key in labels if _fails(row.get(pass_column(key)))]
    cx, cy = job.centres
    return {
        "id": job.ids[index],
        BLOCK_ID: str(job.block_ids[index]),
        "name": job.names[index],
        "place": job.places[index],
        "community": _text(block.get("community")),
        "subdistrict": _text(block.get("subdistrict")),
        "score": _number(row.get("score"), 0),
        # a block no category could be assessed for has no score, and so no band
        "band": {
            lang: _text(row.get(f"band_{lang}")) if _number(row.get("score")) is not None else None
            for lang in ("zh", "en")
        },
        "tier_met": int(_number(row.get("tier_met"), 0) or 0),
        "residents": _number(block.get("population"), 0),
        "residents_low": _number(block.get("population_low"), 0),
        "residents_high": _number(block.get("population_high"), 0),
        "flagged": bool(isinstance(block.get("pop_flag"), str) and block.get("pop_flag")),
        # False: the block could not be joined to the map's walkable streets; its score says nothing of the place
        "connected": bool(block.get("reachable", True)),
        "centre": [round(cx[index]), round(cy[index])],
        "outline": rings_local(job.geometries[index], job.plane),
        "isochrone": isochrone,
        "services": services,
        "missing": {
            lang: missing_lines(labels, failed, minutes_of, job.limits, verdicts, lang) for lang in ("zh", "en")
        },
        "not_held": {lang: not_held_lines(labels, verdicts, lang) for lang in ("zh", "en")},
    }


def _site_json(study, scores, options, plane, extent, labels, groups, verdicts, n_blocks, example) -> dict:
    summary = study.summary
    source = summary.source
    area = summary.study_area if summary.study_area and summary.study_area != "whole extract" else None
    place = {
        "zh": options.place.get("zh") or area or study.path.name,
        "en": options.place.get("en") or options.place.get("zh") or area or study.path.name,
    }
    date = options.data_date or (source.data_timestamp[:10] if source.data_timestamp else None)
    profiles = {}
    for name in ("standard", "elderly"):
        profile = load_profile(name)
        profiles[name] = {"speed": profile.speed, "steps_speed": profile.steps_speed}
    return {
        "format": FORMAT,
        "name": study.path.name,
        "published": dt.date.today().isoformat(),
        "title": {"zh": f"{place['zh']} 15分钟生活圈", "en": f"{place['en']}: your 15-minute neighbourhood"},
        "place": place,
        "data_date": date,
        "source": {
            "zh": f"OpenStreetMap 开放地图数据（{source.file}）",
            "en": f"OpenStreetMap map data ({source.file})",
        },
        "attribution": "© OpenStreetMap contributors",
        "origin": plane.as_json(),
        "extent": [math.floor(v) for v in extent],
        "levels": [level.as_json(_side(extent)) for level in LEVELS],
        "categories": [
            {"key": key, "group": groups.get(key, ""), "label": label, "verdict": verdicts.get(key, ASSESSED)}
            for key, label in labels.items()
        ],
        "profiles": profiles,
        "median_score": _median(scores["score"].to_numpy(float)),
        "blocks": n_blocks,
        "isochrone_minutes": options.isochrone_minutes,
        "reports": options.reports,
        "url": options.url,
        "example": example,
    }


def _median(values: np.ndarray) -> float | None:
    """Return the median of the finite values to a tenth, or None when there is none (JSON has no NaN)."""
    finite = values[np.isfinite(values)]
    return round(float(np.median(finite)), 1) if len(finite) else None


def _search_rows(blocks: pd.DataFrame, ids: list[str], places: list[dict]) -> list[list]:
    """Return the search index's rows: ``[id, name, pinyin, initials, where]``.

    Unnamed blocks are found by their place description ("华安街以东、华油路以南"),
    so a resident can search by street. ``where`` (the community, else the
    place description) tells apart the many blocks with one name ("住宅区").
    """
    described = [_text(n) or places[k]["zh"] for k, n in enumerate(blocks["name"])]
    index = NameIndex.build(blocks.assign(**{BLOCK_ID: ids, "name": described}))
    named = {fid for fid, n in zip(ids, blocks["name"], strict=True) if _text(n)}
    community = dict(zip(ids, _column(blocks, "community"), strict=True))
    place = {fid: places[k]["zh"] for k, fid in enumerate(ids)}
    rows = []
    for fid, name, pinyin, initials in index.frame[[BLOCK_ID, "name", "pinyin", "initials"]].itertuples(index=False):
        where = _text(community[fid]) or (place[fid] if fid in named else None)
        rows.append([fid, name, pinyin, initials, where])
    return rows


def _search_example(blocks: pd.DataFrame, names: list) -> dict | None:
    """Return the most populous named block's name, pinyin and initials: the search hint's example."""
    population = pd.to_numeric(pd.Series(list(_column(blocks, "population"))), errors="coerce")
    named = [k for k, name in enumerate(names) if name]
    if not named:
        return None
    best = max(named, key=lambda k: (0.0 if pd.isna(population.iloc[k]) else float(population.iloc[k]), -k))
    pinyin, initials = pinyin_forms(names[best])
    return {"name": names[best], "pinyin": pinyin, "initials": initials}


def _blocks_by_square(ids, names, places, cx, cy, score) -> dict[tuple[int, int], list]:
    squares: dict[tuple[int, int], list] = {}
    size = LEVELS[0].size
    for k, fid in enumerate(ids):
        key = (math.floor(cx[k] / size), math.floor(cy[k] / size))
        shown = names[k] or places[k]["zh"]
        value = None if not math.isfinite(score[k]) else round(score[k])
        squares.setdefault(key, []).append([fid, shown, round(cx[k]), round(cy[k]), value])
    return squares


_ENGLISH_AFTER_CHINESE = re.compile(r"(?<=[\u4e00-\u9fff])\s+-\s+[A-Za-z0-9 .'’()-]+?(?=以|、|，|$)")


def _chinese_place(text: str | None) -> str | None:
    """Drop the English half of bilingual street names in a Chinese place description.

    Examples
    --------
    >>> _chinese_place("人民南路二段 - Section 2 Renmin Road South以西")
    '人民南路二段以西'
    """
    return None if text is None else _ENGLISH_AFTER_CHINESE.sub("", text)


def _fails(passed) -> bool:
    """Whether a block's ``pass_`` value says it misses the standard (None or NaN: not assessed)."""
    return passed is not None and not (isinstance(passed, float) and math.isnan(passed)) and not bool(passed)


def _side(extent) -> float:
    return max(extent[2] - extent[0], extent[3] - extent[1], 1.0)


def _column(frame: pd.DataFrame, name: str):
    return frame[name] if name in frame.columns else [None] * len(frame)


def _text(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _number(value, digits: int | None = None):
    if value is None or isinstance(value, str):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    return round(number) if digits == 0 else number


def _dump(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
