"""Studies for the app: where they are, and heavy objects cached per study.

Cached objects are shared between sessions and never modified: a what-if
builds its own :class:`~circle.engine.whatif.ScenarioEngine` for the session.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
import streamlit as st
from pyproj import Transformer

from circle.coords import from_wgs84, transform_geometry
from circle.deploy.config import load_deployment
from circle.errors import CircleError
from circle.i18n import t
from circle.study import MANIFEST, SUMMARY, Study
from circle.study.columns import BLOCK_ID
from circle.study.comparison import is_comparison
from circle.tasks.land import land_of
from circle.tasks.score import ScoreResult, score
from circle.tasks.walks import isochrone
from circle.ui.leaflet_layers import image_list, points_url
from circle.ui.maps import facility_rows, measure_values, scale_for, shift_frame
from circle.ui.overlays import block_overlays, land_overlays, street_overlays
from circle.ui.paths import shown
from circle.ui.served import named_url, write_named


def studies_root() -> Path:
    """Return the folder holding studies (``CIRCLE_STUDIES``, else the settings' ``studies``)."""
    return load_deployment().studies


def list_studies(root: Path | None = None) -> list[Path]:
    """Return the study folders under ``root``, the default study first."""
    root = root or studies_root()
    if not root.is_dir():
        return []
    found = sorted(
        p for p in root.iterdir() if not p.name.startswith(".") and (p / SUMMARY).is_file() and (p / MANIFEST).is_file()
    )
    return sorted(found, key=lambda p: (p.name != "default", p.name))


def list_comparisons(root: Path | None = None) -> list[Path]:
    """Return the comparison folders (``circle compare --out``) under ``root``, by name."""
    root = root or studies_root()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if not p.name.startswith(".") and p.is_dir() and is_comparison(p))


def stamp(path: Path) -> float:
    """Return a value that changes when the study is rewritten (for cache keys)."""
    return (Path(path) / SUMMARY).stat().st_mtime


@st.cache_resource(max_entries=6, show_spinner=False)
def load_study(path: str, _stamp: float) -> Study:
    """Open a study and build its network once (shared, read-only)."""
    study = Study.open(path)
    _ = study.network, study.blocks, study.facilities, study.block_access, study.facility_access
    study.network.csr()
    study.network.csr(reverse=True)
    _warm_up(study)
    return study


def _warm_up(study: Study) -> None:
    """Run one isochrone so the first click of the first user does not load the compiled search."""
    inner = study.blocks.geometry.iloc[:1].representative_point()
    if len(inner):
        with contextlib.suppress(CircleError):
            isochrone(study, (float(inner.y.iloc[0]), float(inner.x.iloc[0])), minutes=(5.0,))


@st.cache_resource(max_entries=12, show_spinner=False)
def load_scores(path: str, _stamp: float, preset: str, include_flagged: bool = False) -> ScoreResult:
    """Score a study under a preset (cached per study, preset and the planner's choice on flagged blocks).

    Nothing is written. ``include_flagged`` keeps blocks whose population is
    flagged implausible in the priorities (see :func:`circle.tasks.score.score`).
    """
    return score(load_study(path, _stamp), preset or None, include_flagged=include_flagged).result


@st.cache_resource(max_entries=6, show_spinner=False)
def blocks_wgs84(path: str, _stamp: float) -> gpd.GeoDataFrame:
    """Return the blocks' geometry simplified for drawing (about 1 m)."""
    blocks = load_study(path, _stamp).blocks
    wanted = [
        BLOCK_ID,
        "name",
        "place_zh",
        "place_en",
        "subdistrict",
        "community",
        "population",
        "area_m2",
        "pop_flag",
        "geometry",
    ]
    simplified = blocks[[c for c in wanted if c in blocks.columns]].copy()
    simplified["geometry"] = simplified.geometry.simplify(0.00001)
    return simplified


@st.cache_resource(max_entries=12, show_spinner=False)
def blocks_for_display(path: str, _stamp: float, system: str) -> gpd.GeoDataFrame:
    """Return the drawing blocks in the map's display system (shifted for GCJ-02 basemaps)."""
    return shift_frame(blocks_wgs84(path, _stamp), system)


@st.cache_resource(max_entries=12, show_spinner=False)
def facilities_for_display(path: str, _stamp: float, system: str) -> gpd.GeoDataFrame:
    """Return the facilities in the map's display system."""
    return shift_frame(load_study(path, _stamp).facilities, system)


def choose_study(lang: str, widget_key: str, visible: Callable[[str], bool] | None = None, root: Path | None = None):
    """Let the user pick a study; return ``(path, study, scores)``, or None (with advice) when there is none.

    ``visible`` limits the choice to the studies whose names it accepts (a
    visitor's: those open to the public); they are told only that none is
    open, and of a study that cannot be read only that it cannot be shown
    (the reason, which names server paths, goes to the server's log).
    ``root`` is the studies folder (default :func:`studies_root`).
    """
    studies = list_studies(root)
    if visible is not None:
        studies = [p for p in studies if visible(p.name)]
        if not studies:
            st.info(t("no_public_study", lang))
            return None
    if not studies:
        st.info(t("no_study", lang))
        return None
    names = [p.name for p in studies]
    chosen = st.selectbox(t("study", lang), names, key=widget_key)
    path = studies[names.index(chosen)]
    try:
        study = load_study(str(path), stamp(path))
        return path, study, load_scores(str(path), stamp(path), study.summary.preset.name)
    except (CircleError, OSError) as exc:
        if visible is None:
            st.error(t("error", lang, message=shown(exc)))
        else:
            print(f"circle: study {path.name} cannot be shown: {exc}", file=sys.stderr)
            st.error(t("study_unavailable", lang))
        return None


#: studies with more blocks than this draw them as one server-made image (vectors only near a click)
VECTOR_BLOCKS_UP_TO = 2500


def draws_blocks_as_image(study: Study) -> bool:
    """Whether the planner's map shows this study's blocks as an image (a city) or as vectors (a district)."""
    return len(study.blocks) > VECTOR_BLOCKS_UP_TO


@st.cache_resource(max_entries=12, show_spinner=False)
def street_overlay(path: str, _stamp: float, system: str):
    """Return the study's walking network drawn as light PNGs in the display system (made once)."""
    study = load_study(path, _stamp)
    nodes, edges = study.nodes, study.edges
    to_lonlat = Transformer.from_crs(study.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform(nodes["x"].to_numpy(float), nodes["y"].to_numpy(float))
    lon, lat = from_wgs84(lon, lat, system)
    u = edges["u"].to_numpy(np.int64)
    v = edges["v"].to_numpy(np.int64)
    once = u < v  # each street drawn once, not once per direction
    return street_overlays(np.asarray(lon), np.asarray(lat), u[once], v[once])


@st.cache_resource(max_entries=24, show_spinner=False)
def block_overlay(path: str, _stamp: float, system: str, preset: str, measure: str, category: str):
    """Return the blocks coloured by a measure as PNGs in the display system (made once per choice).

    ``measure`` and ``category`` are the planner's choices; the values are
    those :func:`circle.ui.maps.measure_values` gives for them.
    """
    study = load_study(path, _stamp)
    result = load_scores(path, _stamp, preset)
    values = measure_values(measure, category, study.blocks, result.scores)
    scale = scale_for(measure, category, values, preset, "en", result.summary.not_mapped)
    return block_overlays(blocks_for_display(path, _stamp, system), list(scale.colours_of(values)))


@st.cache_resource(max_entries=48, show_spinner=False)
def facility_points(path: str, _stamp: float, system: str, category: str, label: str, unnamed: str) -> str | None:
    """Return the URL of one category's facility points for the map (written once), or None when it has none."""
    rows = facility_rows(facilities_for_display(path, _stamp, system), category, label, unnamed)
    return points_url(rows) if rows else None


@st.cache_resource(max_entries=12, show_spinner=False)
def study_hull(path: str, _stamp: float, system: str) -> str:
    """Return the dashed outline of the study (the hull of its blocks, a little widened) as GeoJSON."""
    blocks = blocks_for_display(path, _stamp, system)
    corners = shapely.get_coordinates(np.asarray(blocks.geometry, dtype=object))
    return gpd.GeoSeries([shapely.MultiPoint(corners).convex_hull.buffer(0.0015)], crs=blocks.crs).to_json()


def land_overlay_url(path: str, _stamp: float, system: str) -> str:
    """Return where the list of the study's water and green PNGs (in the display system) will be.

    They are read from the study's OSM file and drawn in a thread, started
    the first time a study's map is shown and waiting :data:`LAND_DELAY_S`
    first, so the first map neither waits for them nor shares the processor
    with them; the thread writes the list under a name fixed by the study's
    version and the system, which the map's script asks for until it is there
    (:class:`circle.ui.leaflet_layers.AwaitedImages`). The list is empty when
    the study's OSM file is gone or holds no water or green.
    """
    study = load_study(path, _stamp)
    name = "land-" + hashlib.sha256(f"{Path(path).resolve()}#{_stamp}#{system}".encode()).hexdigest()[:24] + ".json"
    _land_job(path, _stamp, system, study.summary.source.path, tuple(study.summary.bbox), name)
    return named_url(name)


@st.cache_resource(max_entries=12, show_spinner=False)
def _land_job(path: str, _stamp: float, system: str, source: str, bbox: tuple[float, ...], name: str):
    """Start drawing a study's water and green and writing their list under ``name``; return the job."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="circle-land")
    job = pool.submit(_write_land, path, source, bbox, system, name)
    pool.shutdown(wait=False)  # the thread ends with its one job
    return job


def _write_land(path: str, source: str, bbox: tuple[float, ...], system: str, name: str) -> None:
    """Draw the water and green and write their list (an empty one when they cannot be drawn)."""
    try:
        overlays = _draw_land(source, bbox, system, LAND_DELAY_S)
    except Exception as exc:  # the base map goes without water and green; the log says why
        print(f"circle: no water or green for {Path(path).name}: {exc}", file=sys.stderr)
        overlays = []
    write_named(name, image_list(overlays))


#: seconds the water and green wait before they are read: the first map is drawn meanwhile
LAND_DELAY_S = 2.0


def _draw_land(source: str, bbox: tuple[float, ...], system: str, delay_s: float = 0.0) -> list:

    time.sleep(delay_s)
    west, south, east, north = bbox
    land = land_of(source, (west - 0.01, south - 0.01, east + 0.01, north + 0.01))
    if land is None or land.empty:
        return []
    water, green, rivers = land.water, land.green, land.rivers
    if system != "wgs84":
        water, green, rivers = (transform_geometry(g, system) if len(g) else g for g in (water, green, rivers))
    return land_overlays(water, green, rivers)
