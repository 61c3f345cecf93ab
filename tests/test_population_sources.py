"""Population from a raster, scaled to a known total, with regional defaults and plausibility flags."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from circle.errors import InputDataError, PresetError
from circle.geo import transform_xy
from circle.prepare.blocks import building_levels
from circle.prepare.population.raster import allocate_raster
from circle.prepare.population.totals import FLAG_DENSE, FLAG_SPARSE, plausibility_flags, scale_to_total
from circle.standards import load_preset
from circle.standards.regions import region_for

UTM = "EPSG:32648"
X0, Y0 = 400_000.0, 3_390_000.0


def write_raster(path, values, transform, crs):
    import rasterio

    values = np.asarray(values, dtype="float32")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=values.shape[0],
        width=values.shape[1],
        count=1,
        dtype="float32",
        crs=crs,
        transform=transform,
        nodata=-99999.0,
    ) as sink:
        sink.write(values, 1)
    return path


def blocks_frame(geometries, floor_area=None, crs=UTM):
    n = len(geometries)
    return gpd.GeoDataFrame(
        {
            "block_id": [f"b{i}" for i in range(n)],
            "population": np.full(n, 1.0),
            "pop_source": ["area_density"] * n,
            "area_m2": shapely.area(np.asarray(geometries, dtype=object)),
            "floor_area_m2": np.zeros(n) if floor_area is None else np.asarray(floor_area, float),
        },
        geometry=list(geometries),
        crs=crs,
    )


def china():
    return region_for(104.06, 30.66).apply(load_preset())


def test_raster_cells_are_shared_by_hand_checkable_overlaps(tmp_path):
    from rasterio.transform import from_origin

    # a 2 × 2 grid of 100 m cells, north-west corner at (X0, Y0 + 200): counts by row from the north
    counts = [[100.0, 50.0], [-99999.0, 30.0]]
    path = write_raster(tmp_path / "pop.tif", counts, from_origin(X0, Y0 + 200, 100, 100), UTM)
    a = shapely.box(X0, Y0 + 100, X0 + 100, Y0 + 200)  # the north-west cell exactly
    b = shapely.box(X0 + 100, Y0 + 100, X0 + 150, Y0 + 200)  # the west half of the north-east cell
    c = shapely.box(X0 + 150, Y0, X0 + 200, Y0 + 200)  # the east halves of both eastern cells
    # c has floor area: weight per m² 4 against the area ratio of the others (20,000/km² × 40 m² = 0.8)
    blocks = blocks_frame([a, b, c], floor_area=[0.0, 0.0, 4.0 * c.area])
    out, report = allocate_raster(blocks, path, china())
    share_b = 0.8 / (0.8 + 4.0)  # b and c halve the north-east cell's area; weights 0.8 and 4 per m²
    assert out["population"].tolist() == pytest.approx([100.0, 50.0 * share_b, 50.0 * (1 - share_b) + 30.0])
    assert set(out["pop_source"]) == {"raster"}
    assert report["total"] == pytest.approx(180.0) and report["allocated"] == pytest.approx(180.0)
    assert report["polygons"] == 3 and report["polygons_without_blocks"] == 0


def test_cells_with_people_but_no_block_are_reported(tmp_path):
    from rasterio.transform import from_origin

    path = write_raster(tmp_path / "pop.tif", [[10.0, 20.0, 40.0]], from_origin(X0, Y0 + 100, 100, 100), UTM)
    # blocks in the west and east cells; the middle cell's 20 people live on no residential block
    blocks = blocks_frame(
        [shapely.box(X0 + 10, Y0 + 10, X0 + 90, Y0 + 90), shapely.box(X0 + 210, Y0, X0 + 300, Y0 + 50)]
    )
    out, report = allocate_raster(blocks, path, china())
    assert out["population"].tolist() == pytest.approx([10.0, 40.0])
    assert report["polygons_without_blocks"] == 1 and report["population_without_blocks"] == pytest.approx(20.0)
    assert report["allocated"] == pytest.approx(50.0)


def test_a_raster_in_another_crs_gives_the_same_answer(tmp_path):
    from rasterio.transform import from_origin

    counts = np.array([[5.0, 7.0, 0.0], [11.0, 13.0, 17.0]])
    utm = allocate_raster(
        _cell_blocks(from_origin(X0, Y0 + 200, 100, 100), UTM, 2, 3),
        write_raster(tmp_path / "utm.tif", counts, from_origin(X0, Y0 + 200, 100, 100), UTM),
        china(),
    )[0]
    lonlat_transform = from_origin(104.05, 30.66, 0.001, 0.001)
    degrees = allocate_raster(
        _cell_blocks(lonlat_transform, "EPSG:4326", 2, 3),
        write_raster(tmp_path / "wgs84.tif", counts, lonlat_transform, "EPSG:4326"),
        china(),
    )[0]
    expected = [5.0, 7.0, 1.0, 11.0, 13.0, 17.0]  # the empty cell's block keeps its estimate (1.0)
    assert utm["population"].tolist() == pytest.approx(expected)
    assert degrees["population"].tolist() == pytest.approx(expected)


def _cell_blocks(transform, crs, rows, cols):
    """One block per raster cell, its corners taken into the UTM study CRS."""
    blocks = []
    for row in range(rows):
        for col in range(cols):
            cx = np.array([col, col + 1, col + 1, col], float)
            cy = np.array([row, row, row + 1, row + 1], float)
            x = transform.a * cx + transform.b * cy + transform.c
            y = transform.d * cx + transform.e * cy + transform.f
            px, py = transform_xy(x, y, crs, UTM)
            blocks.append(shapely.Polygon(np.column_stack([px, py])))
    return blocks_frame(blocks)


def test_a_raster_that_misses_the_blocks_or_is_no_raster_is_refused(tmp_path):
    from rasterio.transform import from_origin

    far = write_raster(tmp_path / "far.tif", [[1.0]], from_origin(X0 + 50_000, Y0, 100, 100), UTM)
    blocks = blocks_frame([shapely.box(X0, Y0, X0 + 100, Y0 + 100)])
    with pytest.raises(InputDataError, match="does not cover the study area"):
        allocate_raster(blocks, far, china())
    text = tmp_path / "pop.tif"
    text.write_text("not a raster")
    with pytest.raises(InputDataError, match=r"population raster .*pop\.tif"):
        allocate_raster(blocks, text, china())


def test_a_known_total_scales_only_the_estimates():
    blocks = blocks_frame([shapely.box(0, 0, 10, 10)] * 4)
    blocks["population"] = [100.0, 300.0, 50.0, 0.0]
    blocks["pop_source"] = ["buildings", "area_density", "census", "buildings"]
    out, report = scale_to_total(blocks, 850.0)
    # 850 − 50 counted = 800 for the estimated 400: factor 2
    assert out["population"].tolist() == pytest.approx([200.0, 600.0, 50.0, 0.0])
    assert out["pop_source"].tolist() == ["buildings_scaled", "area_density_scaled", "census", "buildings_scaled"]
    assert report["factor"] == pytest.approx(2.0) and report["estimate_before"] == pytest.approx(450.0)
    with pytest.raises(InputDataError, match="smaller than the 50 already counted"):
        scale_to_total(blocks, 40.0)
    with pytest.raises(InputDataError, match="non-negative"):
        scale_to_total(blocks, -1.0)


def test_regions_are_found_by_place_and_a_preset_value_wins():
    assert region_for(104.06, 30.66).key == "china"
    assert region_for(1.52, 42.51).key == "europe"
    assert region_for(24.94, 60.17).key == "europe"
    assert region_for(-102.3, 21.88).key == "world"
    assert region_for(104.06, 30.66, "europe").key == "europe"
    with pytest.raises(PresetError, match="no region 'mars'"):
        region_for(0, 0, "mars")
    preset = load_preset()
    europe = region_for(1.52, 42.51).apply(preset)
    assert europe.population["default_levels"].value == 3
    assert europe.population["floor_area_per_person_m2"].source  # every regional value says where it comes from
    edited = type(preset)(
        **{
            **preset.__dict__,
            "population": {
                **preset.population,
                "default_levels": preset.population["min_building_coverage"].__class__(9, "my survey", True),
            },
        }
    )
    assert region_for(1.52, 42.51).apply(edited).population["default_levels"].value == 9


def test_storeys_from_levels_height_and_type():
    frame = pd.DataFrame(
        {
            "levels": ["4", "5;7", None, None, None, None, "0"],
            "height": [None, None, "15", "2.5 m", None, None, None],
            "building": ["yes", "yes", "yes", "yes", "detached", "bungalow", "apartments"],
        }
    )
    levels = building_levels(frame, {"default_levels": 6.0, "house_levels": 2.0})
    assert levels.tolist() == [4.0, 5.0, 5.0, 1.0, 2.0, 1.0, 6.0]


def test_implausible_densities_are_flagged():
    blocks = blocks_frame([shapely.box(0, 0, 100, 100), shapely.box(0, 0, 300, 300), shapely.box(0, 0, 100, 100)])
    blocks["population"] = [2_000.0, 10.0, 50.0]  # 2,000 /ha; 1.1 /ha on 9 ha; 50 /ha
    assert plausibility_flags(blocks, china().population).tolist() == [FLAG_DENSE, FLAG_SPARSE, ""]
