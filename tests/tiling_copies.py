"""Copies of an OSM extract laid side by side, for tests that the same data gets the same answer wherever it lies.

:func:`tile_copies` writes an ``rows`` × ``cols`` arrangement of copies of an
extract: every node, way and relation of copy ``k`` gets a new id in a band
of its own (``(k + 1) × 10¹²`` + the old id, so copies never collide and ids
keep their digit count and their order, numeric and as text, within every
copy), references are renumbered the same way (also those to members the file
does not hold, so an openstreetmap.org export's relations stay as incomplete
as they were), and coordinates are shifted by whole steps of the file's node
extent plus a gap, so the copies never touch, even where ways run far past the
file's ``<bounds>``. The header's bounds become the union of the copies'.

Copies are shifted in longitude towards the central meridian of the UTM zone
of the original's centre, so that they stay in that zone (the study is
projected to the zone of its centre), and northwards in latitude. A copy moved
north is stretched about its centre by the ratio of the ellipsoid's radii
(:func:`_ground_stretch`; about tan φ·Δφ, 0.1–0.3 % here), so that it is as
large on the ground as the original; a copy moved east is the same on the
ground exactly. The UTM projection is no translation, though: a copy a few
kilometres east is drawn turned by the change of meridian convergence (about
Δλ·sin φ, up to 3·10⁻³ rad for these extracts) and at a scale a few parts in a
million different, so positions within a copy agree with the first copy's to
metres over kilometres, not to the last bit. Moved coordinates are rounded to
OSM's 10⁻⁷ degree. :meth:`Copies.copy_of` tells which copy a point lies in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
import shapely

#: ids of copy ``k`` are ``(k + 1) * ID_BAND`` + the original id (OSM ids are far below 10¹²).
ID_BAND = 10**12

#: default gap between the node extents of neighbouring copies (metres).
GAP_M = 3000.0


@dataclass(frozen=True)
class Copies:
    """Where the copies of an extract lie.

    Attributes
    ----------
    path : pathlib.Path
        The file written.
    rows, cols : int
        Copies north–south and east–west.
    extent : tuple of float
        The original's node extent (west, south, east, north), degrees.
    dlon, dlat : float
        Shift from one column (row) to the next, degrees (``dlon`` negative when copies go west).
    """

    path: Path
    rows: int
    cols: int
    extent: tuple[float, float, float, float]
    dlon: float
    dlat: float

    @property
    def count(self) -> int:
        """The number of copies."""
        return self.rows * self.cols

    def shift(self, copy: int) -> tuple[float, float]:
        """Return the (lon, lat) shift of copy ``copy`` (row-major: copy 0 is the original's place)."""
        row, col = divmod(copy, self.cols)
        return col * self.dlon, row * self.dlat

    def place(self, copy: int, lon, lat):
        """Return where a point of the original lies in copy ``copy`` (moved and stretched, see the module)."""
        west, south, east, north = self.extent
        mid_lon, mid_lat = (west + east) / 2, (south + north) / 2
        sx, sy = self.shift(copy)
        fx, fy = _ground_stretch(mid_lat, sy)
        return mid_lon + sx + (np.asarray(lon) - mid_lon) * fx, mid_lat + sy + (np.asarray(lat) - mid_lat) * fy

    def back(self, copy: np.ndarray, lon, lat):
        """Return where points of the copies ``copy`` (one per point) lie in the original."""
        west, south, east, north = self.extent
        mid_lon, mid_lat = (west + east) / 2, (south + north) / 2
        shifts = np.array([self.shift(k) for k in range(self.count)])
        factors = np.array([_ground_stretch(mid_lat, sy) for _, sy in shifts])
        copy = np.asarray(copy)
        return (
            mid_lon + (np.asarray(lon) - mid_lon - shifts[copy, 0]) / factors[copy, 0],
            mid_lat + (np.asarray(lat) - mid_lat - shifts[copy, 1]) / factors[copy, 1],
        )

    def copy_of(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Return which copy each point lies in (by the copies' node extents widened by half the gap), -1 for none."""
        lon, lat = np.asarray(lon, float), np.asarray(lat, float)
        west, south, east, north = self.extent
        half_lon = (abs(self.dlon) - (east - west)) / 2
        half_lat = (self.dlat - (north - south)) / 2
        out = np.full(len(lon), -1, np.int64)
        for copy in range(self.count):
            sx, sy = self.shift(copy)
            inside = (
                (lon >= west + sx - half_lon)
                & (lon <= east + sx + half_lon)
                & (lat >= south + sy - half_lat)
                & (lat <= north + sy + half_lat)
            )
            out[inside] = copy
        return out


def _ground_stretch(lat: float, dlat: float) -> tuple[float, float]:
    """Return the factors that keep a copy moved ``dlat`` north as large on the ground as the original at ``lat``.

    A degree of longitude spans N(φ)·cos φ metres and a degree of latitude M(φ) (the WGS-84 ellipsoid's
    prime-vertical and meridian radii): a copy moved north is stretched about its centre by their ratios.
    """
    a, e2 = 6_378_137.0, 0.00669437999014

    def radii(phi: float) -> tuple[float, float]:
        w = 1.0 - e2 * math.sin(phi) ** 2
        return a / math.sqrt(w) * math.cos(phi), a * (1.0 - e2) / w**1.5

    here, there = radii(math.radians(lat)), radii(math.radians(lat + dlat))
    return here[0] / there[0], here[1] / there[1]


def node_extent(path: Path) -> tuple[float, float, float, float]:
    """Return the extent (west, south, east, north) of every node of an extract, degrees."""
    west = south = math.inf
    east = north = -math.inf
    for node in osmium.FileProcessor(str(path), osmium.osm.NODE):
        if node.location.valid():
            west, east = min(west, node.location.lon), max(east, node.location.lon)
            south, north = min(south, node.location.lat), max(north, node.location.lat)
    return west, south, east, north


def tile_copies(source: Path, out: Path, rows: int = 2, cols: int = 2, gap_m: float = GAP_M) -> Copies:
    """Write ``rows`` × ``cols`` copies of ``source`` to ``out``, side by side and not touching.

    Parameters
    ----------
    source : pathlib.Path
        An ``.osm`` or ``.osm.pbf`` extract.
    out : pathlib.Path
        Where to write; its suffix (``.osm`` or ``.osm.pbf``) chooses the format.
    rows, cols : int
        Copies north–south and east–west.
    gap_m : float
        Gap between the node extents of neighbouring copies (metres).

    Returns
    -------
    Copies
        Where each copy lies.
    """
    west, south, east, north = extent = node_extent(source)
    mid_lat = (south + north) / 2
    dlat = (north - south) + gap_m / 111_320.0
    width = (east - west) + gap_m / (111_320.0 * math.cos(math.radians(mid_lat)))
    zone_centre = math.floor(((west + east) / 2 + 180) / 6) * 6 - 180 + 3
    # whole ten-thousandths of a degree: shifted coordinates stay exact in OSM's 10⁻⁷ degree fixed point
    dlat, width = math.ceil(dlat * 1e4) / 1e4, math.ceil(width * 1e4) / 1e4
    dlon = width if (west + east) / 2 <= zone_centre else -width
    copies = Copies(Path(out), rows, cols, extent, dlon, dlat)

    reader = osmium.io.Reader(str(source), osmium.osm.NODE)
    box = reader.header().box()
    reader.close()
    header = osmium.io.Header()
    if box.valid():
        b_west, b_south = box.bottom_left.lon, box.bottom_left.lat
        b_east, b_north = box.top_right.lon, box.top_right.lat
        corners = [copies.place(k, [b_west, b_east], [b_south, b_north]) for k in range(copies.count)]
        lons, lats = np.concatenate([c[0] for c in corners]), np.concatenate([c[1] for c in corners])
        header.add_box(
            osmium.osm.Box(
                osmium.osm.Location(float(lons.min()), float(lats.min())),
                osmium.osm.Location(float(lons.max()), float(lats.max())),
            )
        )
    header.set("generator", "circle-tests tiling_copies")
    out = Path(out)
    out.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(out), header=header)
    try:
        # all nodes first, then ways, then relations: each kind sorted by id, as a file should be
        for kind in (osmium.osm.NODE, osmium.osm.WAY, osmium.osm.RELATION):
            for copy in range(copies.count):
                band = (copy + 1) * ID_BAND
                # place() written out for plain floats: one numpy call per node would dominate the time
                (x0, x1), (y0, y1) = copies.place(copy, [0.0, 1.0], [0.0, 1.0])
                fx, fy, x0, y0 = float(x1 - x0), float(y1 - y0), float(x0), float(y0)
                for obj in osmium.FileProcessor(str(source), kind):
                    if obj.is_node():
                        location = obj.location
                        moved = (
                            osmium.osm.Location(x0 + location.lon * fx, y0 + location.lat * fy)
                            if location.valid()
                            else osmium.osm.Location()
                        )
                        writer.add_node(obj.replace(id=obj.id + band, location=moved))
                    elif obj.is_way():
                        writer.add_way(obj.replace(id=obj.id + band, nodes=[n.ref + band for n in obj.nodes]))
                    else:
                        members = [(m.type, m.ref + band, m.role) for m in obj.members]
                        writer.add_relation(obj.replace(id=obj.id + band, members=members))
    finally:
        writer.close()
    return copies


def blocks_by_copy(blocks, copies: Copies):
    """Return the blocks (any CRS) with ``copy`` (which copy holds the block's centroid) and ``lon0``, ``lat0``.

    ``lon0``, ``lat0`` are the centroid moved back to the first copy's place, to match a block with its twin.
    """
    # the centroid in degrees: no true centroid, but moved with its copy exactly, which is all matching needs
    centre = shapely.centroid(blocks.geometry.to_crs("EPSG:4326").values)
    lon, lat = shapely.get_x(centre), shapely.get_y(centre)
    out = blocks.copy()
    out["copy"] = copies.copy_of(lon, lat)
    out["lon0"], out["lat0"] = copies.back(np.maximum(out["copy"].to_numpy(), 0), lon, lat)
    return out


def twins(blocks, copy: int, tolerance_m: float = 2.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pair the blocks of ``copy`` with the first copy's by their centroids moved back.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        What :func:`blocks_by_copy` returns.
    copy : int
        The copy to pair with copy 0.
    tolerance_m : float
        How far apart twins' centroids may lie (metres).

    Returns
    -------
    tuple of numpy.ndarray
        Row positions in ``blocks`` of the paired first-copy blocks and of their twins, and the positions of
        blocks of either copy left without a twin.
    """
    first = np.flatnonzero(blocks["copy"].to_numpy() == 0)
    other = np.flatnonzero(blocks["copy"].to_numpy() == copy)
    lat = np.radians(blocks["lat0"].to_numpy())
    x = blocks["lon0"].to_numpy() * 111_320.0 * np.cos(lat)
    y = blocks["lat0"].to_numpy() * 111_320.0
    if len(first) == 0 or len(other) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.concatenate([first, other])
    distance = np.hypot(x[first][:, None] - x[other][None, :], y[first][:, None] - y[other][None, :])
    nearest = np.argmin(distance, axis=1)
    mutual = np.argmin(distance, axis=0)[nearest] == np.arange(len(first))
    paired = mutual & (distance[np.arange(len(first)), nearest] <= tolerance_m)
    a, b = first[paired], other[nearest[paired]]
    alone = np.concatenate([np.setdiff1d(first, a), np.setdiff1d(other, b)])
    return a, b, alone


def crop_export(source: Path, out: Path, bbox: tuple[float, float, float, float]) -> Path:
    """Write the part of ``source`` within ``bbox`` as openstreetmap.org's export cuts it.

    Every node inside the box, every way with a node inside (with all its nodes, so ways run past the
    bounds), every relation with a member so kept (listing all its members, also those not in the file),
    and ``bbox`` as the file's bounds.

    Parameters
    ----------
    source : pathlib.Path
        An extract.
    out : pathlib.Path
        The ``.osm`` or ``.osm.pbf`` to write.
    bbox : tuple of float
        West, south, east, north (degrees).

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    west, south, east, north = bbox
    inside: set[int] = set()
    for node in osmium.FileProcessor(str(source), osmium.osm.NODE):
        location = node.location
        if location.valid() and west <= location.lon <= east and south <= location.lat <= north:
            inside.add(node.id)
    ways: set[int] = set()
    needed = set(inside)
    for way in osmium.FileProcessor(str(source), osmium.osm.WAY):
        refs = [n.ref for n in way.nodes]
        if any(r in inside for r in refs):
            ways.add(way.id)
            needed.update(refs)
    relations = {
        relation.id
        for relation in osmium.FileProcessor(str(source), osmium.osm.RELATION)
        if any((m.type == "n" and m.ref in inside) or (m.type == "w" and m.ref in ways) for m in relation.members)
    }
    header = osmium.io.Header()
    header.add_box(osmium.osm.Box(osmium.osm.Location(west, south), osmium.osm.Location(east, north)))
    out = Path(out)
    out.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(out), header=header)
    try:
        for obj in osmium.FileProcessor(str(source)):
            if obj.is_node() and obj.id in needed:
                writer.add_node(obj)
            elif obj.is_way() and obj.id in ways:
                writer.add_way(obj)
            elif obj.is_relation() and obj.id in relations:
                writer.add_relation(obj)
    finally:
        writer.close()
    return out
