"""Studies for the app: where they are, and heavy objects cached per study.

Cached objects are shared between sessions and never modified: a what-if
builds its own :class:`~circle.scenarios.ScenarioEngine` for the session.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import streamlit as st

from circle.assess import ScoreResult, compute_scores
from circle.study import SUMMARY, Study

REPOSITORY = Path(__file__).resolve().parents[2]


def studies_root() -> Path:
    """Return the folder holding studies (``CIRCLE_STUDIES`` or ``data/studies``)."""
    return Path(os.environ.get("CIRCLE_STUDIES", REPOSITORY / "data" / "studies"))


def list_studies(root: Path | None = None) -> list[Path]:
    """Return the study folders under ``root``, the default study first."""
    root = root or studies_root()
    if not root.is_dir():
        return []
    found = sorted(p for p in root.iterdir() if not p.name.startswith(".") and (p / SUMMARY).is_file())
    return sorted(found, key=lambda p: (p.name != "default", p.name))


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
    return study


@st.cache_resource(max_entries=12, show_spinner=False)
def load_scores(path: str, _stamp: float, preset: str) -> ScoreResult:
    """Score a study under a preset (cached per study and preset; nothing is written)."""
    return compute_scores(load_study(path, _stamp), preset or None)


@st.cache_resource(max_entries=6, show_spinner=False)
def blocks_wgs84(path: str, _stamp: float) -> gpd.GeoDataFrame:
    """Return the blocks' geometry simplified for drawing (about 1 m)."""
    blocks = load_study(path, _stamp).blocks
    simplified = blocks[["block_id", "name", "population", "geometry"]].copy()
    simplified["geometry"] = simplified.geometry.simplify(0.00001)
    return simplified


@st.cache_resource(max_entries=12, show_spinner=False)
def blocks_for_display(path: str, _stamp: float, system: str) -> gpd.GeoDataFrame:
    """Return the drawing blocks in the map's display system (shifted for GCJ-02 basemaps)."""
    from circle.ui.maps import shift_frame

    return shift_frame(blocks_wgs84(path, _stamp), system)


@st.cache_resource(max_entries=12, show_spinner=False)
def facilities_for_display(path: str, _stamp: float, system: str) -> gpd.GeoDataFrame:
    """Return the facilities in the map's display system."""
    from circle.ui.maps import shift_frame

    return shift_frame(load_study(path, _stamp).facilities, system)


def choose_study(lang: str, widget_key: str):
    """Let the user pick a study; return ``(path, study, scores)``, or None (with advice) when there is none."""
    from circle.i18n import t

    studies = list_studies()
    if not studies:
        st.info(t("no_study", lang))
        return None
    names = [p.name for p in studies]
    chosen = st.selectbox(t("study", lang), names, key=widget_key)
    path = studies[names.index(chosen)]
    study = load_study(str(path), stamp(path))
    return path, study, load_scores(str(path), stamp(path), study.summary["preset"]["name"])
