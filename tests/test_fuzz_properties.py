"""Property-based fuzzing with hypothesis: whatever a reader is given, it answers or raises a CircleError.

Every generated input goes through the same function a user's file reaches;
an answer must make sense (finite coordinates on the globe, facilities in
known categories), a refusal must be a CircleError with a message. The
``ci`` profile (the default) is derandomised so a failure reproduces; set
``HYPOTHESIS_PROFILE=long`` for a longer search.
"""

from __future__ import annotations

import json
import math
import os
import string
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circle.coords import from_wgs84, out_of_china, to_wgs84
from circle.errors import CircleError
from circle.standards import load_preset
from circle.study.scenarios import check_name

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "long", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

HOSTILE_TEXT = st.sampled_from(
    ["<script>alert(1)</script>", "&amp;", "\u202eevil", "幼儿园", "=1+1", "'; DROP TABLE", "\x00", "a" * 300, ""]
)
TEXT = st.one_of(HOSTILE_TEXT, st.text(max_size=40))
NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "inf", "-inf", "1e300", "", " ", "104.06", "30.66", "0", "-0", "1e-320", "abc"]),
    st.floats(min_value=-200, max_value=200).map(lambda v: f"{v:.7f}"),
)
PRESET = load_preset()
KNOWN = {c.key for c in PRESET.categories}


def _scratch(tmp_path_factory, name: str) -> Path:
    return tmp_path_factory.mktemp("fuzz") / name


# -- OpenStreetMap XML ----------------------------------------------------------------------------

node = st.tuples(
    NUMBER_TEXT,
    NUMBER_TEXT,
    st.dictionaries(st.sampled_from(["amenity", "name", "leisure", "entrance"]), TEXT, max_size=2),
)
way = st.tuples(
    st.lists(st.integers(min_value=-2, max_value=12), min_size=0, max_size=6),
    st.dictionaries(st.sampled_from(["highway", "landuse", "name", "foot", "step_count", "incline"]), TEXT, max_size=3),
)


@given(nodes=st.lists(node, max_size=10), ways=st.lists(way, max_size=5))
def test_osm_xml_reader_answers_or_refuses(tmp_path_factory, nodes, ways):
    from circle.sources.osm import read_osm

    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    for index, (lat, lon, tags) in enumerate(nodes, start=1):
        inner = "".join(f"<tag k={quoteattr(k)} v={quoteattr(_xml_safe(v))}/>" for k, v in tags.items())
        lines.append(f"<node id={quoteattr(str(index))} lat={quoteattr(lat)} lon={quoteattr(lon)}>{inner}</node>")
    for index, (refs, tags) in enumerate(ways, start=1):
        inner = "".join(f'<nd ref="{r}"/>' for r in refs)
        inner += "".join(f"<tag k={quoteattr(k)} v={quoteattr(_xml_safe(v))}/>" for k, v in tags.items())
        lines.append(f'<way id="{index}">{inner}</way>')
    lines.append("</osm>")
    path = _scratch(tmp_path_factory, "fuzz.osm")
    path.write_text("\n".join(lines), encoding="utf-8")
    try:
        data = read_osm(path, PRESET, None)
    except CircleError as error:
        assert str(error)
        return
    lon, lat = data.walk.node_lon, data.walk.node_lat
    assert np.all(np.isfinite(lon)) and np.all(np.abs(lon) <= 180) and np.all(np.abs(lat) <= 90)
    assert all(set(categories) <= KNOWN for _, categories in data.facilities)


def _xml_safe(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n\r" or (ord(ch) >= 0x20 and ch not in "\ufffe\uffff"))


@given(
    data=st.binary(min_size=0, max_size=3000),
    prefix=st.sampled_from([b"", b"<?xml version='1.0'?><osm>", b"\x00\x00\x00\x0d"]),
)
def test_osm_reader_on_arbitrary_bytes(tmp_path_factory, data, prefix):
    from circle.sources.osm import read_osm

    path = _scratch(tmp_path_factory, "fuzz.osm.pbf")
    path.write_bytes(prefix + data)
    try:
        read_osm(path, PRESET, None)
    except CircleError as error:
        assert str(error)


# -- facility tables ------------------------------------------------------------------------------


@given(
    rows=st.lists(
        st.tuples(TEXT, st.one_of(st.sampled_from(sorted(KNOWN)), TEXT), NUMBER_TEXT, NUMBER_TEXT, NUMBER_TEXT),
        max_size=8,
    ),
    system=st.sampled_from(["wgs84", "gcj02", "bd09"]),
)
def test_facility_tables_answer_or_refuse(tmp_path_factory, rows, system):
    import csv

    from circle.sources.tables import FacilityTableSpec, read_facility_table_with_report

    path = _scratch(tmp_path_factory, "fuzz.csv")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["名称", "类别", "经度", "纬度", "床位"])
        writer.writerows([[_xml_safe(c) for c in row] for row in rows])
    try:
        table, report = read_facility_table_with_report(FacilityTableSpec(path, system), PRESET)
    except CircleError as error:
        assert str(error)
        return
    # every row is imported or counted as left out (a value of no category is listed, not the file refused)
    mapping = report.get("mapping")
    left_out = mapping["excluded_rows"] + mapping["unmapped_rows"] if mapping else 0
    assert len(table) + left_out <= len(rows)
    if mapping:
        assert mapping["mapped_rows"] + left_out == mapping["rows"] and len(table) >= mapping["mapped_rows"]
    else:
        assert len(table) == len(rows)
    assert set(table["category"]) <= KNOWN
    assert np.all(np.isfinite(table.geometry.x)) and np.all(np.abs(table.geometry.y) <= 90)


# -- polygon files (areas, blocks, census) -----------------------------------------------------------

coordinate = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(min_value=-200, max_value=200))
ring = st.lists(st.tuples(coordinate, coordinate), min_size=0, max_size=6)


@given(
    rings=st.lists(ring, min_size=0, max_size=3),
    population=st.one_of(st.floats(allow_nan=True), st.integers(), TEXT, st.none()),
    kind=st.sampled_from(["Polygon", "Point", "LineString"]),
)
def test_polygon_files_answer_or_refuse(tmp_path_factory, rings, population, kind):
    from circle.sources.census import read_census
    from circle.sources.vector import read_polygons

    features = []
    for points in rings:
        closed = [list(p) for p in points] + ([list(points[0])] if points else [])
        geometry = {"Polygon": [closed], "Point": closed[0] if closed else [], "LineString": closed}[kind]
        features.append(
            {"type": "Feature", "properties": {"人口": population}, "geometry": {"type": kind, "coordinates": geometry}}
        )
    path = _scratch(tmp_path_factory, "fuzz.geojson")
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, allow_nan=True), encoding="utf-8")
    for read in (lambda: read_polygons(path, "area file", CircleError), lambda: read_census(path, None, "EPSG:32648")):
        try:
            frame = read()
        except CircleError as error:
            assert str(error)
            continue
        import shapely

        coordinates = shapely.get_coordinates(frame.geometry.to_numpy())
        assert np.all(np.isfinite(coordinates)), "a polygon with non-finite coordinates was accepted"


# -- presets ---------------------------------------------------------------------------------------

scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), TEXT)
yaml_value = st.recursive(
    scalar,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)),
    max_leaves=20,
)


@given(
    document=st.dictionaries(
        st.sampled_from(
            ["name", "title", "source", "analysis", "population", "scoring", "categories", "school_levels", "x"]
        ),
        yaml_value,
        max_size=8,
    )
)
def test_presets_answer_or_refuse(tmp_path_factory, document):
    import yaml

    path = _scratch(tmp_path_factory, "fuzz.yaml")
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        preset = load_preset(path)
    except CircleError as error:
        assert str(error)
        return
    assert preset.categories


@given(
    drop=st.sets(st.sampled_from(["radius_m", "tier", "label", "osm", "weight", "key"]), max_size=3),
    position=st.integers(0, 10),
    value=yaml_value,
)
def test_a_valid_preset_damaged_in_one_place_is_refused_by_name(tmp_path_factory, drop, position, value):
    import importlib.resources

    import yaml

    text = (importlib.resources.files("circle.standards") / "gb50180_2018.yaml").read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    category = document["categories"][position % len(document["categories"])]
    for key in drop:
        category.pop(key, None)
    if not drop:
        category["radius_m"] = value
    path = _scratch(tmp_path_factory, "damaged.yaml")
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        load_preset(path)
    except CircleError as error:
        assert "categor" in str(error) or any(key in str(error) for key in drop | {"radius_m"})


# -- elevation models --------------------------------------------------------------------------------


@given(
    heights=st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=4, max_size=4),
    cell=st.floats(min_value=1e-7, max_value=10.0),
    origin=st.tuples(st.floats(-180, 180), st.floats(-90, 90)),
    nodata=st.one_of(st.none(), st.floats(-1e4, 1e4)),
)
def test_dems_answer_or_refuse(tmp_path_factory, heights, cell, origin, nodata):
    import rasterio
    from rasterio.transform import from_origin

    from circle.sources.dem import Dem

    path = _scratch(tmp_path_factory, "fuzz.tif")
    data = np.array(heights, "float32").reshape(2, 2)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=2,
        width=2,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(origin[0], origin[1], cell, cell),
        nodata=nodata,
    ) as target:
        target.write(data, 1)
    bounds = (origin[0], origin[1] - 2 * cell, origin[0] + 2 * cell, origin[1])
    try:
        dem = Dem.read(path, bounds)
    except CircleError as error:
        assert str(error)
        return
    sampled = dem.sample(np.array([origin[0] + cell]), np.array([origin[1] - cell]), "EPSG:4326")
    assert np.all(np.isnan(sampled) | ((sampled >= -500) & (sampled <= 9000)))


# -- coordinates and names ---------------------------------------------------------------------------


@given(lon=st.floats(-180, 180), lat=st.floats(-90, 90), system=st.sampled_from(["gcj02", "bd09"]))
def test_coordinate_round_trip_anywhere(lon, lat, system):
    back_lon, back_lat = to_wgs84(*from_wgs84(lon, lat, system), system)
    if out_of_china(lon, lat):
        assert (float(back_lon), float(back_lat)) == (lon, lat)
    else:
        assert math.hypot((float(back_lon) - lon) * math.cos(math.radians(lat)), float(back_lat) - lat) * 111_320 < 0.01


@given(name=st.text(alphabet=string.printable + "./\\\x00幼儿园", max_size=40))
def test_names_never_leave_their_folder(name, tmp_path_factory):
    root = tmp_path_factory.mktemp("names")
    try:
        checked = check_name(name)
    except CircleError:
        return
    target = (root / checked).resolve()
    assert target.parent == root.resolve() and "/" not in checked and "\\" not in checked and checked not in (".", "..")
