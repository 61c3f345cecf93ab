"""Building the walking network from the walkable ways of OSM, and keeping the parts blocks and facilities reach."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from circle.errors import NetworkError
from circle.geo import WGS84, transform_xy
from circle.prepare.network.costing import flight_rise
from circle.prepare.network.model import STEPS, WalkNetwork
from circle.sources.osm_walk import WalkWays
from circle.standards import WalkingProfile

NO_WALKABLE_WAYS = (
    "the area has no walkable ways (footways, paths, streets). Check that the bounding box or polygon "
    "covers a built-up area of the file, or use a larger extract."
)


def network_from_ways(
    ways: WalkWays,
    profile: WalkingProfile,
    crs: str,
    keep_within=None,
    dem=None,
) -> WalkNetwork:
    """Build the network from walkable ways read from OSM.

    Parameters
    ----------
    ways : WalkWays
        Segments in WGS-84 from :func:`circle.sources.osm.read_osm`.
    profile : WalkingProfile
        Flat and steps speeds.
    crs : str
        Projected CRS to work in.
    keep_within : shapely.Geometry, optional
        A polygon in ``crs``; segments with an end outside it are dropped.
    dem : circle.prepare.terrain.Dem, optional
        Heights: segments then follow Tobler's hiking function, each direction its own.

    Returns
    -------
    WalkNetwork
        The network, not yet cut to its connected part.

    Raises
    ------
    NetworkError
        When no walkable segment is left.
    """
    if ways.is_empty:
        raise NetworkError(NO_WALKABLE_WAYS)
    x_all, y_all = transform_xy(ways.node_lon, ways.node_lat, WGS84, crs)
    position = pd.Series(np.arange(len(ways.node_ids)), index=ways.node_ids)
    ua = position.loc[ways.u].to_numpy()
    vb = position.loc[ways.v].to_numpy()
    keep = np.ones(len(ua), bool)
    if keep_within is not None:
        inside = shapely.contains_xy(keep_within, x_all, y_all)
        keep &= inside[ua] & inside[vb]
    highway = ways.highway
    off_ground = ways.off_ground if ways.off_ground is not None else np.zeros(len(ua), bool)
    step_count = ways.step_count if ways.step_count is not None else np.full(len(ua), np.nan)
    incline = ways.incline if ways.incline is not None else np.full(len(ua), np.nan)
    way_id = ways.way_id
    if not profile.steps_passable:
        keep &= highway != STEPS
    ua, vb, highway, off_ground = ua[keep], vb[keep], highway[keep], off_ground[keep]
    step_count, incline, way_id = step_count[keep], incline[keep], way_id[keep]
    if len(ua) == 0:
        raise NetworkError(
            "no walkable ways lie inside the study area. Check the bounding box or polygon "
            "(west,south,east,north in degrees) against the extract's coverage."
        )
    # Reindex to the nodes still used, and drop duplicated segments.
    used, inverse = np.unique(np.concatenate([ua, vb]), return_inverse=True)
    a, b = inverse[: len(ua)], inverse[len(ua) :]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    incline = np.where(a > b, -incline, incline)  # keep it along lo → hi
    _, unique_rows = np.unique(np.column_stack([lo, hi]), axis=0, return_index=True)
    unique_rows = np.sort(unique_rows)
    a, b, highway, off_ground = lo[unique_rows], hi[unique_rows], highway[unique_rows], off_ground[unique_rows]
    step_count, incline, way_id = step_count[unique_rows], incline[unique_rows], way_id[unique_rows]
    x, y = x_all[used], y_all[used]
    length = np.hypot(x[a] - x[b], y[a] - y[b])
    step_rise = flight_rise(step_count, way_id, length, highway == STEPS)
    elevation = dem.sample(x, y, crs) if dem is not None else None
    network = WalkNetwork(
        crs=crs,
        osm_id=ways.node_ids[used],
        x=x,
        y=y,
        a=a.astype(np.int64),
        b=b.astype(np.int64),
        length_m=length,
        seconds_ab=length.copy(),
        seconds_ba=length.copy(),
        highway=highway,
        profile_name=profile.name,
        step_rise_m=step_rise,
        incline=incline,
        elevation=elevation,
        off_ground=np.asarray(off_ground, bool),
    )
    network.set_seconds(profile)
    return network


def keep_reachable_part(
    network: WalkNetwork,
    anchors_x: np.ndarray,
    anchors_y: np.ndarray,
    max_snap_m: float,
) -> WalkNetwork:
    """Keep the connected parts that blocks and facilities reach; report the rest.

    The largest component is always kept. Another component is kept when an
    anchor point (a block or facility access point) steps onto it because no
    segment of the largest one is within reach (see
    :meth:`WalkNetwork.nearest_segments`): an island that residents or
    services actually sit on is not thrown away. Everything else is dropped and counted in
    ``network.dropped``.

    Parameters
    ----------
    network : WalkNetwork
        The full network.
    anchors_x, anchors_y : numpy.ndarray
        Access points of blocks and facilities (study CRS).
    max_snap_m : float
        Snapping limit used for the anchors.

    Returns
    -------
    WalkNetwork
        The kept part, with ``dropped`` holding the count of dropped
        components, nodes, segments and their length.
    """
    labels = network.components()
    sizes = np.bincount(labels)
    kept_labels = {int(np.argmax(sizes))}
    if len(anchors_x):
        segment_idx, _, _ = network.nearest_segments(anchors_x, anchors_y, max_snap_m)
        segment_idx = segment_idx[segment_idx >= 0]
        kept_labels.update(int(label) for label in np.unique(labels[network.a[segment_idx]]))
    node_mask = np.isin(labels, list(kept_labels))
    dropped_segments = ~(node_mask[network.a] & node_mask[network.b])
    kept = network.subset(node_mask)
    kept.dropped = {
        "components": int(len(sizes) - len(kept_labels)),
        "nodes": int((~node_mask).sum()),
        "segments": int(dropped_segments.sum()),
        "length_m": round(float(network.length_m[dropped_segments].sum()), 1),
        "kept_components": len(kept_labels),
    }
    return kept
