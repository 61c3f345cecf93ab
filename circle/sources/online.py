"""Fetch OpenStreetMap data for a place name (needs the internet).

The place is geocoded with osmnx and its OSM data downloaded as XML through
the Overpass endpoint osmnx is configured with, into the cache folder; the
file is then read like any local extract. Never used by the tests.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from circle.errors import OnlineSourceError
from circle.settings import cache_dir

_OFFLINE_ADVICE = (
    "This machine could not reach the online OpenStreetMap services. Download an .osm.pbf or "
    ".osm extract of the area on a connected machine and pass the file to `circle analyze`."
)


def fetch_place(place: str, timeout_s: int = 180) -> tuple[Path, object]:
    """Download the OSM data of a named place into the cache.

    Parameters
    ----------
    place : str
        A place name, e.g. ``"Jinjiang District, Chengdu, China"``.
    timeout_s : int
        Network timeout in seconds.

    Returns
    -------
    tuple of (pathlib.Path, shapely.Geometry)
        The cached ``.osm`` file and the place's boundary (WGS-84).

    Raises
    ------
    OnlineSourceError
        When the services cannot be reached or the place is unknown.
    """
    try:
        # loaded only to download a place: osmnx is 1.5 s
        import osmnx as ox
        import requests
    except ImportError as exc:  # pragma: no cover - both are pinned
        raise OnlineSourceError(f"fetching by place name needs osmnx and requests ({exc}).") from exc
    try:
        boundary = ox.geocode_to_gdf(place).geometry.iloc[0]
    except Exception as exc:  # osmnx raises many types for network and lookup failures
        if _looks_offline(exc):
            raise OnlineSourceError(_OFFLINE_ADVICE) from exc
        raise OnlineSourceError(f"could not find the place {place!r} ({exc}). Check the spelling.") from exc
    west, south, east, north = boundary.bounds
    query = f"[out:xml][timeout:{timeout_s}];(nwr({south},{west},{north},{east}););(._;>;);out meta;"
    target = cache_dir() / "places" / f"{hashlib.sha256(place.encode()).hexdigest()[:16]}.osm"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        response = requests.post(
            ox.settings.overpass_url.rstrip("/") + "/interpreter", data={"data": query}, timeout=timeout_s
        )
        response.raise_for_status()
    except requests.RequestException as exc:
        raise OnlineSourceError(_OFFLINE_ADVICE + f" ({exc})") from exc
    partial = target.with_suffix(".osm.part")
    partial.write_bytes(response.content)
    partial.replace(target)
    return target, boundary


def _looks_offline(exc: Exception) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return any(word in text for word in ("connection", "resolve", "timeout", "unreachable", "network"))
