"""A city mosaic: copies of a real OpenStreetMap extract side by side, as one ``.osm.pbf``.

The city workload of the harness needs what a planner loads: one city-sized
OSM file, read by the same ``circle analyze`` a user runs. A mosaic of N tiles
lays N copies of a shared extract (central Chengdu by default) on a near-square
grid, each shifted by the extract's own extent plus a small gap, with node, way
and relation ids offset per tile so that every object stays unique and the file
stays sorted. Neighbouring tiles are joined by short footways at their seams
(one per band along the seam, between the outermost walkable nodes of the two
tiles), so the whole city is one walking network. Files are cached in
``~/.cache/circle/benchmarks/`` (``CIRCLE_CACHE_DIR``) and never committed.

Usage::

    python benchmarks/mosaic.py --tiles 16 [--extract chengdu] [--out FILE]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import osmium  # noqa: E402

from circle.settings import cache_dir  # noqa: E402
from circle.sources.osm_walk import is_walkable  # noqa: E402

FORMAT = 1
EXTRACTS = {
    "chengdu": "chengdu_central_2018.osm.pbf",
    "andorra": "andorra_2020.osm.pbf",
    "monaco": "monaco_2016.osm.pbf",
    "aguascalientes": "aguascalientes_tiny.osm.pbf",
}
#: gap between neighbouring tiles, in degrees of latitude (about 50 m).
GAP_DEG = 0.00045
#: footways joining two neighbouring tiles, one per band along their seam.
SEAM_LINKS = 16


@dataclass(frozen=True)
class Mosaic:
    """A generated mosaic file and how it was made."""

    path: Path
    extract: str
    tiles: int
    columns: int
    rows: int
    seam_footways: int
    build_s: float | None

    @property
    def megabytes(self) -> float:
        """Size of the file in MB."""
        return self.path.stat().st_size / 1e6


@dataclass
class _Extract:
    """The objects of one extract, held in memory to be copied."""

    nodes: list[tuple[int, float, float, list[tuple[str, str]]]]
    ways: list[tuple[int, list[int], list[tuple[str, str]]]]
    relations: list[tuple[int, list[tuple[str, int, str]], list[tuple[str, str]]]]
    walk_nodes: set[int]

    @property
    def max_id(self) -> int:
        """The largest id of any object."""
        ids = [n[0] for n in self.nodes[-1:]] + [w[0] for w in self.ways[-1:]] + [r[0] for r in self.relations[-1:]]
        return max(ids)


def shared_osm_folder() -> Path:
    """Return ``../shared/data/osm`` seen from the repository root."""
    return ROOT.parent / "shared" / "data" / "osm"


def grid(tiles: int) -> tuple[int, int]:
    """Return (columns, rows) of the most nearly square grid of exactly ``tiles`` tiles.

    >>> grid(1), grid(4), grid(16), grid(64), grid(100), grid(36), grid(12)
    ((1, 1), (2, 2), (4, 4), (8, 8), (10, 10), (6, 6), (4, 3))
    """
    rows = math.isqrt(tiles)
    while tiles % rows:
        rows -= 1
    return tiles // rows, rows


def mosaic_path(tiles: int, extract: str = "chengdu") -> Path:
    """Return where the cached mosaic of ``tiles`` tiles of ``extract`` lives."""
    return cache_dir() / "benchmarks" / f"mosaic-{extract}-{tiles}-v{FORMAT}.osm.pbf"


def load_or_build(tiles: int, extract: str = "chengdu") -> Mosaic:
    """Return the cached mosaic, generating it first when missing."""
    path = mosaic_path(tiles, extract)
    columns, rows = grid(tiles)
    if path.is_file():
        return Mosaic(path, extract, tiles, columns, rows, _seams(columns, rows), None)
    return build_mosaic(shared_osm_folder() / EXTRACTS[extract], tiles, path, extract)


def build_mosaic(source: Path, tiles: int, out: Path, extract: str = "chengdu") -> Mosaic:
    """Write a mosaic of ``tiles`` copies of ``source`` to ``out`` (atomically).

    Parameters
    ----------
    source : pathlib.Path
        A sorted ``.osm.pbf`` or ``.osm`` extract.
    tiles : int
        Number of copies; laid out by :func:`grid`.
    out : pathlib.Path
        The ``.osm.pbf`` to write.
    extract : str
        A name for the record.

    Returns
    -------
    Mosaic
        The file and its layout.
    """
    started = time.perf_counter()
    data = _read(source)
    columns, rows = grid(tiles)
    lons = np.array([n[1] for n in data.nodes])
    lats = np.array([n[2] for n in data.nodes])
    west, east, south, north = lons.min(), lons.max(), lats.min(), lats.max()
    step_lon = (east - west) + GAP_DEG / max(math.cos(math.radians(north)), 0.1)
    step_lat = (north - south) + GAP_DEG
    offset = 10 ** len(str(data.max_id))  # a power of ten above every id, so tile t's ids start at t × offset

    def shift(tile: int) -> tuple[float, float]:
        return (tile % columns) * step_lon, (tile // columns) * step_lat

    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part.osm.pbf")
    partial.unlink(missing_ok=True)
    header = osmium.io.Header()
    header.add_box(
        osmium.osm.Box(
            osmium.osm.Location(float(west), float(south)),
            osmium.osm.Location(float(west + columns * step_lon), float(south + rows * step_lat)),
        )
    )
    header.set("generator", "circle benchmarks/mosaic.py")
    writer = osmium.SimpleWriter(str(partial), header=header)
    mutable = osmium.osm.mutable
    try:
        for tile in range(tiles):
            dlon, dlat = shift(tile)
            base = tile * offset
            for node_id, lon, lat, tags in data.nodes:
                writer.add_node(
                    mutable.Node(id=base + node_id, location=(lon + dlon, lat + dlat), tags=tags, version=1)
                )
        for tile in range(tiles):
            base = tile * offset
            for way_id, refs, tags in data.ways:
                writer.add_way(mutable.Way(id=base + way_id, nodes=[base + r for r in refs], tags=tags, version=1))
        seam_id = tiles * offset
        for a, b in _seam_pairs(data, columns, rows, west, east, south, north):
            tile_a, node_a, tile_b, node_b = a[0], a[1], b[0], b[1]
            seam_id += 1
            writer.add_way(
                mutable.Way(
                    id=seam_id,
                    nodes=[tile_a * offset + node_a, tile_b * offset + node_b],
                    tags=[("highway", "footway"), ("note", "mosaic seam")],
                    version=1,
                )
            )
        for tile in range(tiles):
            base = tile * offset
            for relation_id, members, tags in data.relations:
                writer.add_relation(
                    mutable.Relation(
                        id=base + relation_id,
                        members=[(kind, base + ref, role) for kind, ref, role in members],
                        tags=tags,
                        version=1,
                    )
                )
    finally:
        writer.close()
    partial.replace(out)
    return Mosaic(out, extract, tiles, columns, rows, _seams(columns, rows), round(time.perf_counter() - started, 1))


def _seams(columns: int, rows: int) -> int:
    return SEAM_LINKS * ((columns - 1) * rows + (rows - 1) * columns)


def _read(source: Path) -> _Extract:
    nodes, ways, relations = [], [], []
    walk: set[int] = set()
    for obj in osmium.FileProcessor(str(source)):
        tags = [(t.k, t.v) for t in obj.tags]
        if obj.is_node():
            if obj.location.valid():
                nodes.append((obj.id, obj.location.lon, obj.location.lat, tags))
        elif obj.is_way():
            refs = [n.ref for n in obj.nodes]
            ways.append((obj.id, refs, tags))
            if is_walkable(dict(tags)):
                walk.update(refs)
        elif obj.is_relation():
            relations.append((obj.id, [(m.type, m.ref, m.role) for m in obj.members], tags))
    located = {n[0] for n in nodes}
    ways = [(i, [r for r in refs if r in located], tags) for i, refs, tags in ways]
    ways = [w for w in ways if len(w[1]) >= 2]
    return _Extract(nodes, ways, relations, walk & located)


def _seam_pairs(data: _Extract, columns: int, rows: int, west: float, east: float, south: float, north: float):
    """Yield ((tile, node), (tile, node)) pairs to join by footways across every seam."""
    walk = [(n[0], n[1], n[2]) for n in data.nodes if n[0] in data.walk_nodes]
    ids = np.array([w[0] for w in walk], np.int64)
    lon = np.array([w[1] for w in walk])
    lat = np.array([w[2] for w in walk])
    east_side, west_side = (
        _outermost(ids, lat, lon, south, north, largest=True),
        _outermost(ids, lat, lon, south, north, largest=False),
    )
    north_side, south_side = (
        _outermost(ids, lon, lat, west, east, largest=True),
        _outermost(ids, lon, lat, west, east, largest=False),
    )
    for tile in range(columns * rows):
        column, row = tile % columns, tile // columns
        if column + 1 < columns:
            for band, node in east_side.items():
                if band in west_side:
                    yield (tile, node), (tile + 1, west_side[band])
        if row + 1 < rows:
            for band, node in north_side.items():
                if band in south_side:
                    yield (tile, node), (tile + columns, south_side[band])


def _outermost(
    ids: np.ndarray, along: np.ndarray, across: np.ndarray, low: float, high: float, largest: bool
) -> dict[int, int]:
    """For each of SEAM_LINKS bands of ``along``, the node farthest out in ``across``."""
    band = np.clip(((along - low) / max(high - low, 1e-12) * SEAM_LINKS).astype(int), 0, SEAM_LINKS - 1)
    chosen: dict[int, int] = {}
    order = np.argsort(-across if largest else across, kind="stable")
    for position in order:
        chosen.setdefault(int(band[position]), int(ids[position]))
        if len(chosen) == SEAM_LINKS:
            break
    return chosen


def main(argv: list[str] | None = None) -> int:
    """Generate (or find cached) mosaics and print where they are."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiles", default="1,4,16", help="comma-separated tile counts")
    parser.add_argument("--extract", default="chengdu", choices=sorted(EXTRACTS))
    parser.add_argument("--out", type=Path, help="write here instead of the cache (one tile count only)")
    args = parser.parse_args(argv)
    for tiles in (int(t) for t in args.tiles.split(",")):
        if args.out:
            mosaic = build_mosaic(shared_osm_folder() / EXTRACTS[args.extract], tiles, args.out, args.extract)
        else:
            mosaic = load_or_build(tiles, args.extract)
        made = f"generated in {mosaic.build_s} s" if mosaic.build_s is not None else "cached"
        print(
            f"{tiles} tiles ({mosaic.columns}×{mosaic.rows}) of {args.extract}: {mosaic.path} "
            f"({mosaic.megabytes:.1f} MB, {mosaic.seam_footways} seam footways, {made})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
