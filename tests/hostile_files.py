"""Named hostile and broken files, made on the fly: truncated, renamed, empty, huge or NaN coordinates, mixed CRS …

Each :class:`Hostile` says which reader gets the file and what a useful
refusal must mention; ``expect=None`` means the file is odd but valid and
must be read correctly (checked by ``verify``).
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.osm_builder import small_town, to_lonlat


@dataclass(frozen=True)
class Hostile:
    """One named bad file."""

    name: str
    reader: str  # osm, table, area, blocks, census, preset, dem, batch
    make: Callable[[Path], bytes]
    expect: str | None  # a regex the CircleError's message must match; None: must succeed
    verify: Callable | None = None


def _town_xml(tmp: Path) -> bytes:
    return small_town(tmp / "town.osm").read_bytes()


def _town_pbf(tmp: Path) -> bytes:
    import osmium

    source = small_town(tmp / "town-for-pbf.osm")
    target = tmp / "town.osm.pbf"
    target.unlink(missing_ok=True)
    with osmium.SimpleWriter(str(target)) as writer:
        for obj in osmium.FileProcessor(str(source)):
            writer.add(obj)
    return target.read_bytes()


def _png() -> bytes:
    raw = b"\x00\xff\x00\x00"
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))  # noqa: E731
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _node_moved(lat: str, lon: str) -> Callable[[Path], bytes]:
    def make(tmp: Path) -> bytes:
        text = _town_xml(tmp).decode("utf-8")
        first = text.index('<node id="2" ')
        end = text.index(">", first)
        tag = text[first:end]
        import re

        moved = re.sub(r'lat="[^"]*"', f'lat="{lat}"', tag)
        moved = re.sub(r'lon="[^"]*"', f'lon="{lon}"', moved)
        return (text[:first] + moved + text[end:]).encode("utf-8")

    return make


def _duplicated_node_ids(tmp: Path) -> bytes:
    text = _town_xml(tmp).decode("utf-8")
    first = text.index('<node id="3" ')
    end = text.index("/>", first) + 2
    duplicate = text[first:end].replace('lat="30.', 'lat="31.')
    return (text[:end] + "\n  " + duplicate + text[end:]).encode("utf-8")


def _polygon_geojson(coordinates, properties=None, crs: str | None = None, geometry_type: str = "Polygon") -> bytes:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": properties or {}, "geometry": {"type": geometry_type, "coordinates": c}}
            for c in coordinates
        ],
    }
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(collection, allow_nan=True).encode("utf-8")


def _square(east: float, north: float, size: float = 80.0) -> list:
    corners = [(east, north), (east + size, north), (east + size, north + size), (east, north + size), (east, north)]
    return [[list(to_lonlat(e, n)) for e, n in corners]]


def _table(rows: list[list], header=("名称", "类别", "经度", "纬度"), encoding: str = "utf-8") -> bytes:
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def _xlsx_with_formula(tmp: Path) -> bytes:
    import pandas as pd

    buffer = io.BytesIO()
    lon, lat = to_lonlat(300, 0.5)
    pd.DataFrame(
        {"名称": ['=HYPERLINK("http://evil.example","点我")'], "类别": ["clinic"], "经度": [lon], "纬度": [lat]}
    ).to_excel(buffer, index=False)
    return buffer.getvalue()


def _tif(tmp: Path, heights=None, transform=True, nodata=-9999.0, where=(0.0, 0.0)) -> bytes:
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    path = tmp / "dem-source.tif"
    path.unlink(missing_ok=True)
    lon0, lat1 = to_lonlat(-200 + where[0], 300 + where[1])
    data = np.full((40, 80), 100.0, "float32") if heights is None else heights
    profile = {"driver": "GTiff", "height": data.shape[0], "width": data.shape[1], "count": 1, "dtype": "float32"}
    if transform:
        profile.update(crs="EPSG:4326", transform=from_origin(lon0, lat1, 0.0003, 0.0003), nodata=nodata)
    with rasterio.open(path, "w", **profile) as target:
        target.write(data, 1)
    return path.read_bytes()


def _nested_yaml(depth: int) -> bytes:
    return ("name: x\ncategories: " + "[" * depth + "]" * depth + "\n").encode("utf-8")


BILLION_LAUGHS = b"""name: lol
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
categories: [*g,*g,*g,*g,*g,*g,*g,*g,*g]
"""


def _numeric_heights(value: float):
    import numpy as np

    heights = np.full((40, 80), value, "float32")
    return heights


REGRESSIONS = Path(__file__).resolve().parent / "data" / "fuzz-regressions"

HOSTILE_FILES: list[Hostile] = [
    # inputs atheris found crashing a reader once (kept so they never come back)
    Hostile(
        "fuzz-engineering-crs.tif",
        "dem",
        lambda t: (REGRESSIONS / "engineering-crs.tif").read_bytes(),
        r"cannot be related to longitude|coordinate reference system|not georeferenced",
    ),
    Hostile(
        "fuzz-degenerate-transform.tif",
        "dem",
        lambda t: (REGRESSIONS / "degenerate-transform.tif").read_bytes(),
        r"not georeferenced|cannot read DEM|coordinate",
    ),
    Hostile(
        "fuzz-headings-equal-once-trimmed.csv",
        "table",
        lambda t: (REGRESSIONS / "headings-equal-once-trimmed.csv").read_bytes(),
        r"no lon column .*type, adname\.1, pname, type \(column 8\)",
    ),
    Hostile(
        "fuzz-null-key-batch.yaml", "batch", lambda t: (REGRESSIONS / "null-key-batch.yaml").read_bytes(), r"batch file"
    ),
    # OpenStreetMap extracts
    Hostile("truncated.osm.pbf", "osm", lambda t: _town_pbf(t)[: len(_town_pbf(t)) * 2 // 3], r"truncated or damaged"),
    Hostile("truncated.osm", "osm", lambda t: _town_xml(t)[:1500], r"truncated or damaged"),
    Hostile("empty.osm.pbf", "osm", lambda t: b"", r"empty"),
    Hostile("png-renamed.osm.pbf", "osm", lambda t: _png(), r"neither an OpenStreetMap PBF nor an OSM XML"),
    Hostile(
        "zip-renamed.osm",
        "osm",
        lambda t: b"PK\x03\x04" + b"\x00" * 200,
        r"neither an OpenStreetMap PBF nor an OSM XML",
    ),
    Hostile("huge-coordinates.osm", "osm", _node_moved("1e300", "1e300"), r"coordinates .*(off the globe|not numbers)"),
    Hostile("nan-coordinates.osm", "osm", _node_moved("nan", "nan"), r"coordinates .*(off the globe|not numbers)"),
    Hostile("latitude-95.osm", "osm", _node_moved("95.0", "104.06"), r"coordinates .*(off the globe|not numbers)"),
    Hostile("duplicated-node-ids.osm", "osm", _duplicated_node_ids, r"more than once or out of order"),
    Hostile(
        "no-walkable-ways.osm",
        "osm",
        lambda t: _town_xml(t).replace(b'k="highway"', b'k="disused:highway"'),
        r"no walkable ways",
    ),
    # facility tables
    Hostile("empty.csv", "table", lambda t: b"", r"no rows|cannot read|empty"),
    Hostile("header-only.csv", "table", lambda t: _table([]), r"no rows"),
    Hostile("nan-coordinates.csv", "table", lambda t: _table([["a", "clinic", "nan", "nan"]]), r"without numeric"),
    Hostile("inf-coordinates.csv", "table", lambda t: _table([["a", "clinic", "inf", "30"]]), r"without numeric"),
    Hostile("huge-coordinates.csv", "table", lambda t: _table([["a", "clinic", "1e300", "1e300"]]), r"off the globe"),
    Hostile("pdf-renamed.xlsx", "table", lambda t: b"%PDF-1.7\n" + b"x" * 100, r"not one"),
    Hostile(
        "utf16.csv",
        "table",
        lambda t: _table([["甲", "clinic", *to_lonlat(300, 0.5)]], encoding="utf-16"),
        None,
        lambda result: result["category"].tolist() == ["clinic"] and result["name"].tolist() == ["甲"],
    ),
    Hostile(
        "headings-equal-once-trimmed.csv",
        "table",
        # "类别" and "类别\t" are one heading once trimmed: the first is read, the second renamed, never both at once
        lambda t: _table(
            [["甲", "clinic", "school", *to_lonlat(300, 0.5)]], header=("名称", "类别", "类别\t", "经度", "纬度")
        ),
        None,
        lambda result: result["category"].tolist() == ["clinic"] and result["name"].tolist() == ["甲"],
    ),
    Hostile(
        "formula-name.xlsx",
        "table",
        _xlsx_with_formula,
        None,
        # formulas are never evaluated: the row is read, its name is the cell's stored value (none here)
        lambda result: result["category"].tolist() == ["clinic"] and not str(result["name"].iloc[0]).startswith("="),
    ),
    # polygon files
    Hostile("empty.geojson", "area", lambda t: b"", r"could not be read"),
    Hostile("no-features.geojson", "area", lambda t: _polygon_geojson([]), r"holds no polygons"),
    Hostile(
        "points.geojson",
        "area",
        lambda t: _polygon_geojson([list(to_lonlat(10, 10))], geometry_type="Point"),
        r"holds no polygons",
    ),
    Hostile(
        "nan-coordinates.geojson",
        "area",
        lambda t: _polygon_geojson([[[[float("nan"), 30.0], [104.0, 30.1], [104.1, 30.1], [float("nan"), 30.0]]]]),
        r"not finite|invalid|NaN|could not be read|holds no polygons",
    ),
    Hostile(
        "huge-coordinates.geojson",
        "area",
        lambda t: _polygon_geojson([[[[1e300, 1e300], [1e300, -1e300], [-1e300, 0], [1e300, 1e300]]]]),
        r"beyond ±90|swapped|not finite",
    ),
    Hostile(
        "metres-declared-as-degrees.geojson",
        "area",
        lambda t: _polygon_geojson(
            [[[[500000.0, 3390000.0], [500100.0, 3390000.0], [500100.0, 3390100.0], [500000.0, 3390000.0]]]]
        ),
        r"beyond ±90|swapped|look like projected metres",
    ),
    Hostile(
        "mixed-crs.geojson",
        "area",
        lambda t: _polygon_geojson([_square(0, 0)], crs="urn:ogc:def:crs:EPSG::3857"),
        r"does not overlap|outside|no block|overlap",
    ),
    Hostile(
        "duplicated-block-ids.geojson",
        "blocks",
        lambda t: json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"id": "b1"},
                        "geometry": {"type": "Polygon", "coordinates": _square(50, 10)},
                    },
                    {
                        "type": "Feature",
                        "properties": {"id": "b1"},
                        "geometry": {"type": "Polygon", "coordinates": _square(200, 10)},
                    },
                ],
            }
        ).encode("utf-8"),
        r"duplicate",
    ),
    Hostile(
        "negative-census.geojson", "census", lambda t: _polygon_geojson([_square(0, 0)], {"人口": -5}), r"non-negative"
    ),
    Hostile(
        "text-census.geojson", "census", lambda t: _polygon_geojson([_square(0, 0)], {"人口": "many"}), r"non-negative"
    ),
    # presets
    Hostile(
        "python-tag.yaml",
        "preset",
        lambda t: b"name: !!python/object/apply:os.system ['touch /tmp/circle-pwned']\n",
        r"could not be read|YAML|not a valid",
    ),
    Hostile("billion-laughs.yaml", "preset", lambda t: BILLION_LAUGHS, r"categories|mapping|must"),
    Hostile("deep-nesting.yaml", "preset", lambda t: _nested_yaml(5000), r"nested too deeply|categories"),
    Hostile("empty.yaml", "preset", lambda t: b"", r"empty|mapping|must"),
    Hostile("binary.yaml", "preset", lambda t: _png(), r"not a UTF-8 text \(YAML\) file"),
    # elevation models
    Hostile("png-renamed.tif", "dem", lambda t: _png(), r"PNG file, not a GeoTIFF"),
    Hostile("not-georeferenced.tif", "dem", lambda t: _tif(t, transform=False), r"not georeferenced"),
    Hostile(
        "nodata-everywhere.tif",
        "dem",
        lambda t: _tif(t, heights=_numeric_heights(-9999.0)),
        r"does not cover|no heights",
    ),
    Hostile(
        "absurd-heights.tif",
        "dem",
        lambda t: _tif(t, heights=_numeric_heights(1e30)),
        r"no heights there",
    ),
    Hostile("elsewhere.tif", "dem", lambda t: _tif(t, where=(500_000.0, 500_000.0)), r"does not cover"),
    # batch files
    Hostile(
        "billion-laughs-batch.yaml",
        "batch",
        lambda t: BILLION_LAUGHS.replace(b"categories", b"studies"),
        r"studies|mapping|must",
    ),
    Hostile(
        "traversal-batch.yaml",
        "batch",
        lambda t: b"studies:\n  - {name: ../../etc, source: town.osm}\n  - {name: /abs, source: town.osm}\n",
        r"'\.\./\.\./etc'",
    ),
]
