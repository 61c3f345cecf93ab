"""Monaco's own boundary (relation 1124039) from the shared 2016 extract, as a polygon file for ``--area``."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import osmium
import shapely

#: the land ways of relation 1124039, in ring order (its maritime ways are cut off by the extract).
LAND_WAYS = (
    398372185,
    37794470,
    398372186,
    37794471,
    398377196,
    398377195,
    398362859,
    37811853,
    176533407,
    212810311,
)

#: the maritime way from the coast at Larvotto out to sea; the ring is closed at sea along it.
SEA_WAY = 30630044


def monaco_boundary(source: Path, out: Path) -> Path:
    """Write Monaco's boundary to ``out`` (GeoJSON): the land ways, closed at sea past the last one's end."""
    ways: dict[int, list[tuple[int, float, float]]] = {}
    wanted = {*LAND_WAYS, SEA_WAY}

    class Ways(osmium.SimpleHandler):
        def way(self, way) -> None:
            if way.id in wanted:
                ways[way.id] = [(n.ref, n.location.lon, n.location.lat) for n in way.nodes]

    Ways().apply_file(str(source), locations=True)
    ring: list[tuple[float, float]] = []
    end = None
    for way_id in LAND_WAYS:
        nodes = ways[way_id]
        if end is not None and nodes[-1][0] == end:
            nodes = nodes[::-1]
        ring += [(x, y) for _, x, y in nodes]
        end = nodes[-1][0]
    sea = ways[SEA_WAY]
    ring += [sea[-1][1:], sea[0][1:]]
    frame = gpd.GeoDataFrame({"name": ["Monaco"]}, geometry=[shapely.Polygon(ring)], crs=4326)
    frame.to_file(out)
    return out
