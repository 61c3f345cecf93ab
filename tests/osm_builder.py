"""Write small OSM XML files for tests, with coordinates laid out in metres.

Coordinates are given in metres east and north of an origin and converted
with a local equirectangular approximation, which is exact to well under a
metre over the few hundred metres these files span.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

ORIGIN_LON = 104.06
ORIGIN_LAT = 30.66
METRES_PER_DEG_LAT = 110_852.0  # near 30.66° N (WGS-84 ellipsoid)


def to_lonlat(east_m: float, north_m: float) -> tuple[float, float]:
    lat = ORIGIN_LAT + north_m / METRES_PER_DEG_LAT
    lon = ORIGIN_LON + east_m / (111_412.0 * math.cos(math.radians(ORIGIN_LAT)) * 1.0)
    return lon, lat


@dataclass
class OsmBuilder:
    nodes: list[tuple[int, float, float, dict]] = field(default_factory=list)
    ways: list[tuple[int, list[int], dict]] = field(default_factory=list)
    relations: list[tuple[int, list[tuple[str, int, str]], dict]] = field(default_factory=list)
    _next_node: int = 1
    _next_way: int = 1
    _next_relation: int = 1

    def node(self, east_m: float, north_m: float, **tags: str) -> int:
        node_id = self._next_node
        self._next_node += 1
        lon, lat = to_lonlat(east_m, north_m)
        self.nodes.append((node_id, lon, lat, {k.replace("__", ":"): v for k, v in tags.items()}))
        return node_id

    def way(self, node_ids: list[int], **tags: str) -> int:
        way_id = self._next_way
        self._next_way += 1
        self.ways.append((way_id, list(node_ids), {k.replace("__", ":"): v for k, v in tags.items()}))
        return way_id

    def polygon(self, corners_m: list[tuple[float, float]], **tags: str) -> int:
        ids = [self.node(e, n) for e, n in corners_m]
        return self.way([*ids, ids[0]], **tags)

    def relation(self, members: list[tuple[str, int, str]], **tags: str) -> int:
        """Add a relation of ``(type, ref, role)`` members (type ``node``, ``way`` or ``relation``)."""
        relation_id = self._next_relation
        self._next_relation += 1
        self.relations.append((relation_id, list(members), {k.replace("__", ":"): v for k, v in tags.items()}))
        return relation_id

    def write(self, path: Path) -> Path:
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="circle-tests">']
        for node_id, lon, lat, tags in self.nodes:
            attrs = f'id="{node_id}" lat="{lat:.8f}" lon="{lon:.8f}" version="1" timestamp="2024-05-01T00:00:00Z"'
            if tags:
                lines.append(f"  <node {attrs}>")
                lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
                lines.append("  </node>")
            else:
                lines.append(f"  <node {attrs}/>")
        for way_id, refs, tags in self.ways:
            lines.append(f'  <way id="{way_id}" version="1" timestamp="2024-05-01T00:00:00Z">')
            lines += [f'    <nd ref="{r}"/>' for r in refs]
            lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
            lines.append("  </way>")
        for relation_id, members, tags in self.relations:
            lines.append(f'  <relation id="{relation_id}" version="1" timestamp="2024-05-01T00:00:00Z">')
            lines += [f'    <member type={quoteattr(t)} ref="{r}" role={quoteattr(role)}/>' for t, r, role in members]
            lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
            lines.append("  </relation>")
        lines.append("</osm>")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


def small_town(path: Path, entrances: bool = False) -> Path:
    """A hand-checkable town.

    One east–west street from (0, 0) to (1200, 0) with nodes every 100 m; a
    residential compound 西园小区 north of it between x = 100 and 300 (y 10 to
    110); a clinic node on the street at x = 800; a school polygon south of
    the street from x = 500 to 600 (y −10 to −110); a park south at x = 1100
    to 1200; a motorway and a foot=no path that must not be walked.

    With ``entrances``, the compound has one gate, in its east side at
    (300, 60), and the park one entrance, in its east side at (1200, −60).
    """
    town = OsmBuilder()
    street = [town.node(100.0 * i, 0.0) for i in range(13)]
    town.way(street, highway="residential", name="Main Street")
    town.polygon([(100, 10), (300, 10), (300, 110), (100, 110)], landuse="residential", name="西园小区")
    if entrances:
        town.node(300, 60, barrier="gate")
        town.node(1200, -60, entrance="yes")
    town.node(800, 0.5, amenity="clinic", name="社区卫生服务站")
    town.polygon([(500, -10), (600, -10), (600, -110), (500, -110)], amenity="school", name="Riverside 小学")
    town.polygon([(1100, -10), (1200, -10), (1200, -110), (1100, -110)], leisure="park", name="滨河公园")
    town.node(1000, 0.5, amenity="library", name="<b>Reading</b> & Co")
    motorway = [town.node(100.0 * i, 200.0) for i in range(13)]
    town.way(motorway, highway="motorway")
    town.way([town.node(200, 110), town.node(200, 200)], highway="path", foot="no")
    return town.write(path)
