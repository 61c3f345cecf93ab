"""Residents by age group on every block (issue 30): census bands, WorldPop age rasters, the region's structure.

Each source is checked on hand-made blocks whose answers are worked out on
paper from the China structure of ``circle/standards/age_structure.yaml``
(percent of residents by five-year band: 0–4 5.52, 5–9 6.39, 10–14 6.04 …,
60+ 18.70), then in a written study, after a tiled city's recount, and the
new categories on the shared extracts.
"""

from __future__ import annotations

import json
from importlib import resources

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import yaml

from circle.errors import InputDataError
from circle.pipeline import AnalysisOptions, analyze
from circle.prepare.population.ages import AGE_FROM_CENSUS, AGE_FROM_RASTER, AGE_FROM_REGION, assign_age_groups
from circle.prepare.population.counts import CountedSources, recount_merged
from circle.sources.age_rasters import WORLDPOP_AGES
from circle.sources.osm import read_osm
from circle.standards import load_preset
from circle.standards.age_structure import age_structures, structure_for
from circle.standards.regions import region_for
from circle.study import Study
from circle.study.columns import POP_AGE_SOURCE
from tests.conftest import shared_extract
from tests.osm_builder import small_town
from tests.test_population_sources import write_raster

UTM = "EPSG:32648"
X0, Y0 = 400_000.0, 3_390_000.0

#: the China structure's share of each one year inside 0–4, 5–9 and 10–14 (percent of residents ÷ 5 years)
Y0_4, Y5_9, Y10_14 = 5.52 / 5 / 100, 6.39 / 5 / 100, 6.04 / 5 / 100
#: residents aged 60 and over in the China structure (the 7th census bulletin's 18.70 %)
OVER_60 = 0.1870

GB_GROUPS = ["pop_age_3_6", "pop_age_6_12", "pop_age_12_15", "pop_age_60_plus", "pop_age_0_3"]


def china():
    return region_for(104.06, 30.66).apply(load_preset())


def square_blocks(n: int, population, size: float = 100.0) -> gpd.GeoDataFrame:
    """``n`` squares of ``size`` m in a row (UTM 48N), each of its floor area 1000 m²."""
    squares = [shapely.box(X0 + i * size, Y0, X0 + (i + 1) * size, Y0 + size) for i in range(n)]
    return gpd.GeoDataFrame(
        {
            "block_id": [f"b{i}" for i in range(n)],
            "population": np.asarray(population, float),
            "pop_source": ["buildings"] * n,
            "area_m2": [size * size] * n,
            "floor_area_m2": [1000.0] * n,
        },
        geometry=squares,
        crs=UTM,
    )


# ---- the regional structure ------------------------------------------------------------------------------------


def test_the_structures_are_sourced_and_sum_to_one():
    structures = age_structures()
    assert set(structures) == {"china", "europe", "world"}
    for structure in structures.values():
        assert sum(structure.shares) == pytest.approx(1.0)
        assert structure.lower[0] == 0 and structure.source and isinstance(structure.verified, bool)
    china_ = structures["china"]
    # the bulletin's aggregates hold: 0–14 17.95 %, 60+ 18.70 %, 65+ 13.50 %
    assert china_.share_between(0, 15) == pytest.approx(0.1795, abs=1e-4)
    assert china_.share_between(60, None) == pytest.approx(OVER_60, abs=1e-4)
    assert china_.share_between(65, None) == pytest.approx(0.1350, abs=1e-4)
    assert structure_for("atlantis") is structures["world"]


def test_without_census_or_rasters_a_block_takes_the_regions_shares():
    blocks, report = assign_age_groups(square_blocks(2, [1000.0, 0.0]), china(), "china")
    first = blocks.iloc[0]
    assert first["pop_age_0_3"] == pytest.approx(1000 * 3 * Y0_4)  # 33.12
    assert first["pop_age_3_6"] == pytest.approx(1000 * (2 * Y0_4 + Y5_9))  # 34.86
    assert first["pop_age_6_12"] == pytest.approx(1000 * (4 * Y5_9 + 2 * Y10_14))  # 75.28
    assert first["pop_age_12_15"] == pytest.approx(1000 * 3 * Y10_14)  # 36.24
    assert first["pop_age_60_plus"] == pytest.approx(1000 * OVER_60, rel=1e-3)
    assert (blocks.iloc[1][GB_GROUPS] == 0).all()  # nobody lives there, nobody of any age
    assert (blocks[POP_AGE_SOURCE] == AGE_FROM_REGION).all()
    assert report == {"regional_structure": "china", "blocks": {"region": 2}}


def test_a_european_study_takes_the_eu_structure():
    blocks, _ = assign_age_groups(square_blocks(1, [1000.0]), china(), "europe")
    europe = age_structures()["europe"]
    assert blocks["pop_age_60_plus"].iloc[0] == pytest.approx(1000 * europe.share_between(60, None))
    assert europe.share_between(65, None) == pytest.approx(0.211, abs=1e-3)  # Eurostat 2022: 21.1 % aged 65+


def test_a_preset_of_its_own_counts_its_own_group(tmp_path):
    raw = yaml.safe_load((resources.files("circle.standards") / "gb50180_2018.yaml").read_text(encoding="utf-8"))
    raw["age_groups"] = {
        "age_0_2": {
            "label": {"zh": "2岁以下", "en": "under 2"},
            "min_age": 0,
            "max_age": 2,
            "source": "test",
            "verified": True,
        },
        # Shanghai's 5-4 system: primary school is 6–11
        "age_6_12": {
            "label": {"zh": "小学", "en": "primary"},
            "min_age": 6,
            "max_age": 11,
            "source": "test",
            "verified": True,
        },
    }
    childcare = next(c for c in raw["categories"] if c["key"] == "childcare")
    childcare["serves"] = {"value": "age_0_2", "source": "test", "verified": True}
    path = tmp_path / "custom.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    preset = region_for(104.06, 30.66).apply(load_preset(path))
    blocks, _ = assign_age_groups(square_blocks(1, [1000.0]), preset, "china")
    assert "pop_age_0_3" not in blocks.columns  # no category serves it any more
    assert blocks["pop_age_0_2"].iloc[0] == pytest.approx(1000 * 2 * Y0_4)  # 22.08
    assert blocks["pop_age_6_12"].iloc[0] == pytest.approx(1000 * (4 * Y5_9 + Y10_14))  # 63.2


# ---- census age bands ------------------------------------------------------------------------------------------


def test_census_bands_are_split_into_groups_as_worked_out_on_paper():
    blocks = square_blocks(3, [400.0, 100.0, 100.0])
    # block 0: 10 under 3, 30 aged 3–14, 100 aged 15–59, 60 aged 60+ (200 counted; the block holds 400)
    # block 1: its community's bands unknown (NaN): the region's shares; block 2: bands of nobody
    blocks["age_band_0_3"] = [10.0, np.nan, 0.0]
    blocks["age_band_3_15"] = [30.0, np.nan, 0.0]
    blocks["age_band_15_60"] = [100.0, np.nan, 0.0]
    blocks["age_band_60_inf"] = [60.0, np.nan, 0.0]
    out, report = assign_age_groups(blocks, china(), "china")
    assert not [c for c in out.columns if c.startswith("age_band_")]  # read, then dropped
    assert out[POP_AGE_SOURCE].tolist() == [AGE_FROM_CENSUS, AGE_FROM_REGION, AGE_FROM_REGION]
    assert report["census"]["bands"] == ["age_band_0_3", "age_band_3_15", "age_band_15_60", "age_band_60_inf"]
    first = out.iloc[0]
    # the band shares (of 200) scale to the block's 400: 0–3 is 10/200, 60+ is 60/200
    assert first["pop_age_0_3"] == pytest.approx(20.0)
    assert first["pop_age_60_plus"] == pytest.approx(120.0)
    # 3–14 is split as the China structure spreads its 12 years: 3–5 of them 2 × 5.52/5 + 6.39/5, and so on
    band = 2 * Y0_4 + 5 * Y5_9 + 5 * Y10_14
    assert first["pop_age_3_6"] == pytest.approx(60.0 * (2 * Y0_4 + Y5_9) / band)  # 14.29
    assert first["pop_age_6_12"] == pytest.approx(60.0 * (4 * Y5_9 + 2 * Y10_14) / band)  # 30.86
    assert first["pop_age_12_15"] == pytest.approx(60.0 * 3 * Y10_14 / band)  # 14.85
    assert first[["pop_age_3_6", "pop_age_6_12", "pop_age_12_15"]].sum() == pytest.approx(60.0)
    assert out.iloc[1]["pop_age_60_plus"] == pytest.approx(100 * OVER_60, rel=1e-3)


def test_no_group_ever_exceeds_the_blocks_residents():
    rng = np.random.default_rng(30)
    n = 200
    blocks = square_blocks(n, rng.uniform(0, 3000, n))
    edges = [0, 1, 3, 7, 14, 25, 61, 66, 90]
    for low, high in zip(edges, [*edges[1:], "inf"], strict=True):
        blocks[f"age_band_{low}_{high}"] = rng.uniform(0, 500, n) * (rng.uniform(size=n) > 0.2)
    out, _ = assign_age_groups(blocks, china(), "china")
    population = out["population"].to_numpy()
    for column in GB_GROUPS:
        assert (out[column].to_numpy() >= 0).all()
        assert (out[column].to_numpy() <= population + 1e-9).all()
    disjoint = out[["pop_age_0_3", "pop_age_3_6", "pop_age_6_12", "pop_age_12_15", "pop_age_60_plus"]].sum(axis=1)
    assert (disjoint.to_numpy() <= population + 1e-6).all()


# ---- WorldPop age/sex rasters ----------------------------------------------------------------------------------


def write_worldpop(folder, cells: dict[tuple[str, int], list[float]], width: int = 2, origin=(X0, Y0 + 100.0)):
    """Write every WorldPop band of both sexes over ``width`` 100 m cells on a row (zero where not given).

    ``origin`` is the top-left corner (UTM 48N); by default the cells lie over :func:`square_blocks`.
    """
    from rasterio.transform import from_origin

    folder.mkdir(exist_ok=True)
    transform = from_origin(*origin, 100.0, 100.0)
    for sex in ("f", "m"):
        for age in WORLDPOP_AGES:
            values = cells.get((sex, age), [0.0] * width)
            write_raster(folder / f"chn_{sex}_{age}_2020.tif", [values], transform, UTM)
    return folder


def test_worldpop_rasters_give_each_block_the_age_structure_of_its_cells(tmp_path):
    # cell 0 (over block 0): 4 under 1, 8 aged 1–4, 10 aged 60–64, 10 aged 65–69, 5 aged 80+ (37 in all)
    # cell 1 (over block 1): 10 boys aged 5–9; block 2 lies beyond the rasters
    folder = write_worldpop(
        tmp_path / "worldpop",
        {
            ("f", 0): [2.0, 0.0],
            ("m", 0): [2.0, 0.0],
            ("f", 1): [4.0, 0.0],
            ("m", 1): [4.0, 0.0],
            ("f", 60): [10.0, 0.0],
            ("m", 65): [10.0, 0.0],
            ("f", 80): [5.0, 0.0],
            ("m", 5): [0.0, 10.0],
        },
    )
    blocks = square_blocks(3, [74.0, 50.0, 100.0])
    out, report = assign_age_groups(blocks, china(), "china", folder)
    assert out[POP_AGE_SOURCE].tolist() == [AGE_FROM_RASTER, AGE_FROM_RASTER, AGE_FROM_REGION]
    first, second = out.iloc[0], out.iloc[1]
    # block 0 keeps its 74: the 0-band's 4 and half the 1–4 band's 8 (ages 1 and 2 of 1–4) are under 3: 8/37
    assert first["pop_age_0_3"] == pytest.approx(74 * 8 / 37)  # 16
    assert first["pop_age_3_6"] == pytest.approx(74 * 4 / 37)  # 8: ages 3 and 4 of the 1–4 band
    assert first["pop_age_60_plus"] == pytest.approx(74 * 25 / 37)  # 50
    assert first["pop_age_6_12"] == 0
    # block 1: ages 6–9 of the 5–9 band are primary school age, age 5 kindergarten age
    assert second["pop_age_6_12"] == pytest.approx(40.0)
    assert second["pop_age_3_6"] == pytest.approx(10.0)
    assert out.iloc[2]["pop_age_60_plus"] == pytest.approx(100 * OVER_60, rel=1e-3)
    assert report["raster"]["files"] == 36 and report["raster"]["year"] == "2020"
    assert report["raster"]["residents_in_cells"] == pytest.approx(47.0)
    assert report["raster"]["blocks_with_raster_residents"] == 2


def test_census_bands_win_over_the_rasters(tmp_path):
    folder = write_worldpop(tmp_path / "worldpop", {("f", 60): [10.0, 10.0]})
    blocks = square_blocks(2, [100.0, 100.0])
    blocks["age_band_0_60"] = [np.nan, 100.0]
    blocks["age_band_60_inf"] = [np.nan, 0.0]
    out, _ = assign_age_groups(blocks, china(), "china", folder)
    assert out[POP_AGE_SOURCE].tolist() == [AGE_FROM_RASTER, AGE_FROM_CENSUS]
    assert out["pop_age_60_plus"].tolist() == pytest.approx([100.0, 0.0])


def test_a_missing_band_or_a_bad_name_is_refused_with_what_to_do(tmp_path):
    folder = write_worldpop(tmp_path / "worldpop", {})
    (folder / "chn_m_5_2020.tif").unlink()
    with pytest.raises(InputDataError, match=r"lack the bands m_5"):
        assign_age_groups(square_blocks(1, [10.0]), china(), "china", folder)
    (folder / "notes.tif").write_bytes(b"")
    with pytest.raises(InputDataError, match=r"notes.tif does not say its sex and age band"):
        assign_age_groups(square_blocks(1, [10.0]), china(), "china", folder)
    with pytest.raises(InputDataError, match=r"give the folder"):
        assign_age_groups(square_blocks(1, [10.0]), china(), "china", folder / "chn_f_0_2020.tif")


def test_a_glob_names_the_rasters_too(tmp_path):
    folder = write_worldpop(tmp_path / "worldpop", {("m", 65): [3.0, 3.0]})
    out, _ = assign_age_groups(square_blocks(1, [9.0]), china(), "china", str(folder / "chn_*_2020.tif"))
    assert out["pop_age_60_plus"].iloc[0] == pytest.approx(9.0)


# ---- in a study, and after a tiled city's merge ----------------------------------------------------------------


def test_a_written_study_holds_the_age_columns_and_their_totals(tmp_path):
    source = small_town(tmp_path / "town.osm")
    analyze(AnalysisOptions(source=source, out=tmp_path / "study"))
    study = Study.open(tmp_path / "study")
    blocks = study.blocks
    assert set(GB_GROUPS) <= set(blocks.columns)
    assert (blocks[POP_AGE_SOURCE] == AGE_FROM_REGION).all()
    population = blocks["population"].sum()
    assert blocks["pop_age_60_plus"].sum() == pytest.approx(population * OVER_60, rel=1e-3)
    ages = json.loads((tmp_path / "study" / "summary.json").read_text(encoding="utf-8"))["population"]["ages"]
    assert set(ages["groups"]) == {c.removeprefix("pop_") for c in GB_GROUPS}
    assert ages["groups"]["age_0_3"]["residents"] == pytest.approx(round(population * 3 * Y0_4, 1), abs=0.1)
    assert ages["by_source"] == {"region": {"blocks": len(blocks), "residents": round(population, 1)}}
    assert ages["structure"]["region"] == "china" and ages["structure"]["verified"] is False


def test_a_recount_after_the_merge_splits_the_recounted_residents(tmp_path):
    folder = write_worldpop(tmp_path / "worldpop", {("f", 80): [6.0, 0.0], ("m", 1): [0.0, 4.0]})
    blocks = square_blocks(2, [10.0, 10.0]).to_crs("EPSG:4326")
    blocks["population_low"], blocks["population_high"] = 5.0, 20.0
    blocks["pop_flag"], blocks["parent_id"] = "", blocks["block_id"]
    blocks["pop_age_60_plus"], blocks[POP_AGE_SOURCE] = 1.9, AGE_FROM_REGION  # the tiles' split of their estimate
    sources = CountedSources(total=50.0, ages=folder)
    out, imports, section = recount_merged(blocks, sources, china(), UTM, "china")
    assert out["population"].sum() == pytest.approx(50.0)
    assert out[POP_AGE_SOURCE].tolist() == [AGE_FROM_RASTER, AGE_FROM_RASTER]
    # (cells and blocks meet on a line; reprojected, a sliver of 1e-11 of a cell may fall across it)
    assert out["pop_age_60_plus"].tolist() == pytest.approx([25.0, 0.0], abs=1e-6)  # block 0's are all 80+
    assert out["pop_age_0_3"].tolist() == pytest.approx([0.0, 25.0 * 2 / 4], abs=1e-6)  # ages 1–2 of the 1–4 band
    assert imports["population_ages"]["blocks"] == {"raster": 2}
    assert section["ages"]["groups"]["age_60_plus"]["residents"] == pytest.approx(25.0)
    assert out.crs == blocks.crs and out.geometry.equals(blocks.geometry)


# ---- the new categories on the shared extracts -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("extract", "childcare", "canteens"),
    [
        ("chengdu_central_2018.osm.pbf", {("way", 239428437)}, set()),  # an unnamed amenity=childcare
        ("andorra_2020.osm.pbf", {("node", 5734220251)}, set()),  # Escola bresol Prada Casadet
        ("beijing_haidian_2026.osm", set(), set()),  # its 食堂 are a restaurant and a staff canteen
        ("shanghai_baoshan_2021.osm", set(), set()),  # 山明食堂, 尔美食堂: restaurants
    ],
)
def test_what_the_new_categories_find_on_the_shared_extracts(extract, childcare, canteens):
    found: dict[str, set] = {"childcare": set(), "community_canteen": set(), "kindergarten": set()}
    for feature, categories in read_osm(shared_extract(extract), load_preset()).facilities:
        for category in set(categories) & set(found):
            found[category].add((feature.osm_type, feature.osm_id))
    assert found["childcare"] == childcare
    assert found["community_canteen"] == canteens
    assert ("way", 239428437) not in found["kindergarten"]  # amenity=childcare is no kindergarten any more


def test_the_served_groups_of_the_chinese_presets():
    served = {c.key: c.serves.value for c in load_preset().categories}
    assert served["kindergarten"] == "age_3_6" and served["childcare"] == "age_0_3"
    assert served["primary_school"] == "age_6_12" and served["middle_school"] == "age_12_15"
    assert served["elderly_care"] == served["community_canteen"] == "age_60_plus"
    assert {served[k] for k in ("clinic", "park", "culture", "sports", "food_market")} == {"everyone"}
    for name in ("complete_community", "tdt1062_2021"):
        preset = load_preset(name)
        assert {c.key: c.serves.value for c in preset.categories}["nursery"] == "age_0_3"
    for name in ("bruno2024", "walkscore"):
        assert load_preset(name).served_groups == ()
    tags = pd.Series(
        {
            "长者食堂": {"amenity": "restaurant", "name": "金桥长者食堂"},
            "人民食堂": {"amenity": "restaurant", "name": "人民食堂"},
            "职工食堂": {"amenity": "canteen", "name": "石科院职工食堂"},
            "早教": {"shop": "baby_goods", "name": "金宝贝早教中心"},
            "托儿所": {"amenity": "kindergarten", "name": "机关托儿所"},
        }
    )
    classified = {key: load_preset().classify(value) for key, value in tags.items()}
    assert classified == {
        "长者食堂": ["community_canteen"],
        "人民食堂": [],
        "职工食堂": [],
        "早教": [],
        "托儿所": ["kindergarten", "childcare"],
    }


def test_the_cli_takes_the_files_a_shell_expanded_and_says_the_groups(tmp_path, capsys):
    from circle.cli import main
    from circle.geo import WGS84, transform_xy
    from tests.osm_builder import to_lonlat

    source = small_town(tmp_path / "town.osm")
    # two cells of 100 m over the town's compound (x 100–300, y 10–110 m from its origin), in its UTM zone
    lon, lat = to_lonlat(100.0, 110.0)
    x, y = transform_xy(np.array([lon]), np.array([lat]), WGS84, UTM)
    folder = write_worldpop(tmp_path / "worldpop", {("f", 65): [5.0, 5.0]}, origin=(float(x[0]), float(y[0])))
    files = sorted(str(p) for p in folder.iterdir())
    assert main(["analyze", str(source), "--out", str(tmp_path / "study"), "--population-ages", *files]) == 0
    printed = capsys.readouterr().out
    # every resident of the compound is 65–69 in the rasters: all are 60+, none a child
    assert "Residents by age group (pop_age_* in blocks.parquet): 0–3 0, 3–6 0, 6–12 0, 12–15 0, 60+ 400" in printed
    assert "Split by age rasters 100 %; within a band as in China, 7th national census" in printed


def test_a_batch_file_names_the_age_rasters_and_a_tiled_city_uses_them_once_merged(tmp_path):
    from circle.pipeline.batch_plan import read_batch_file

    (tmp_path / "batch.yaml").write_text(
        "studies:\n"
        "  - {name: whole, source: city.osm.pbf, population_ages: worldpop}\n"
        "  - {name: tiled, source: city.osm.pbf, bbox: '1.4,42.4,1.8,42.7', tiles: {columns: 2, rows: 1},"
        " population_ages: 'worldpop/chn_*_2020.tif'}\n",
        encoding="utf-8",
    )
    plan = read_batch_file(tmp_path / "batch.yaml", tmp_path / "out")
    assert plan.tasks[0].options["population_ages"] == str(tmp_path / "worldpop")
    tiled = plan.tiled[0]
    assert tiled.counted.ages == str(tmp_path / "worldpop" / "chn_*_2020.tif")
    assert bool(CountedSources(ages="x"))  # the merge recounts when only ages were given
    # each tile splits its estimate by the region; the rasters are read once, for the merged city
    assert tiled.tile_task(tiled.tiles()[0]).options["population_ages"] is None


def test_the_embedded_extract_writes_every_group_and_finds_the_one_childcare(tmp_path):
    analyze(AnalysisOptions(out=tmp_path / "study"))
    study = Study.open(tmp_path / "study")
    blocks = study.blocks
    assert set(GB_GROUPS) <= set(blocks.columns)
    population = blocks["population"].to_numpy()
    for column in GB_GROUPS:
        assert (blocks[column].to_numpy() <= population + 1e-9).all()
    assert blocks["pop_age_60_plus"].sum() == pytest.approx(population.sum() * OVER_60, rel=1e-3)
    per_category = study.summary.counts.per_category
    # central Chengdu 2018: one amenity=childcare (no longer a kindergarten), no community canteen mapped
    assert per_category["childcare"].facilities == 1 and per_category["community_canteen"].facilities == 0
    assert study.summary.population["ages"]["by_source"]["region"]["blocks"] == len(blocks)


def test_rasters_with_no_residents_over_the_study_say_so_instead_of_being_ignored(tmp_path):
    folder = write_worldpop(tmp_path / "worldpop", {})  # zero in every band
    with pytest.raises(InputDataError, match=r"hold no residents over the study area"):
        assign_age_groups(square_blocks(2, [10.0, 10.0]), china(), "china", folder)


def test_the_age_bands_share_one_populations_cell_budget(tmp_path, monkeypatch):
    """The 18 bands are held together: each may have 1/18 of the cells a population raster may (a raster of tiny
    pixels took more than 7 GB)."""
    from circle.prepare.population import ages

    folder = write_worldpop(tmp_path / "worldpop", {("f", 60): [10.0, 10.0]})
    monkeypatch.setattr(ages, "MAX_POPULATION_CELLS", 18)  # 1 cell per band; the window holds 2
    with pytest.raises(InputDataError, match=r"at most 1 cells per band are read"):
        assign_age_groups(square_blocks(2, [10.0, 10.0]), china(), "china", folder)
