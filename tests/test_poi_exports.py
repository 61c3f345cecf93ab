"""AMap, Baidu and Tencent POI exports read as they come (issue 30).

The hand-made exports under ``tests/data/poi_exports`` hold real kinds of
places and the traps a hand mapping lets through: a pet clinic typed as a
pet clinic and one typed as a plain clinic, a dental clinic, a driving
school, a training school, a senior-only high school, a wholesale market
and an electronics store. Their answers can be read off the files: which
row lands in which category, which is left out and why.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from circle.cli import main
from circle.coords import from_wgs84, to_wgs84
from circle.errors import InputDataError
from circle.prepare.facilities import facilities_from_osm, import_facility_table
from circle.sources.embedded import default_source
from circle.sources.osm import read_osm
from circle.sources.poi_layouts import coordinate_column, parse_locations
from circle.sources.tables import (
    FacilityTableSpec,
    parse_columns,
    read_facility_table,
    read_facility_table_with_report,
    read_table,
)
from circle.sources.taxonomy import (
    EXCLUDE,
    EXCLUDED,
    MAPPED,
    UNMAPPED,
    Taxonomy,
    base_name,
    builtin_taxonomy,
    parse_mapping,
)
from circle.standards import builtin_presets, load_preset

DATA = Path(__file__).parent / "data" / "poi_exports"
CHENGDU_UTM = "EPSG:32648"
#: rows of amap_types.csv that no category of GB 50180 may hold
AMAP_TRAPS = {
    "乐宠宠物诊所",
    "安安宠物医院",
    "金信康口腔诊所",
    "通达驾校报名处",
    "学而思培训中心",
    "虹口农副产品批发市场",
    "国美电器(四川北路店)",
    "复兴高级中学",
}
AMAP_MAPPED = {
    "clinic": {"上海市第一人民医院", "北外滩社区卫生服务站"},
    "primary_school": {"虹口区第三中心小学"},
    "middle_school": {"复兴初级中学"},
    "kindergarten": {"小红帽幼儿园"},
    "food_market": {"曲阳菜市场", "联华超市(东宝兴路店)"},
    "park": {"鲁迅公园"},
}


def read(name: str | Path, preset: str = "gb50180_2018", **spec):
    return read_facility_table_with_report(FacilityTableSpec(DATA / name, **spec), load_preset(preset))


def names_by_category(table) -> dict[str, set[str]]:
    return {category: set(group["name"]) for category, group in table.groupby("category")}


# -- AMap ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["amap_types.csv", "amap_types_gb18030.csv", "amap_types.xlsx"])
def test_an_amap_export_with_type_paths_keeps_every_trap_out(name):
    table, report = read(name)
    assert names_by_category(table) == AMAP_MAPPED
    assert not AMAP_TRAPS & set(table["name"])
    mapping = report["mapping"]
    assert (mapping["rows"], mapping["mapped_rows"], mapping["excluded_rows"], mapping["unmapped_rows"]) == (
        19,
        8,
        8,
        3,
    )
    # unmapped types are counted, most frequent first, with the reason
    assert mapping["unmapped"][0]["type"] == "餐饮服务;中餐厅;中餐厅" and mapping["unmapped"][0]["rows"] == 2
    assert "restaurants" in mapping["unmapped"][0]["reason"] and "gb50180_2018" in mapping["unmapped"][0]["reason"]
    reasons = {(item["type"], item["reason"]) for item in mapping["excluded"]}
    assert any(t == "科教文化服务;驾校;驾校" and "driving school" in r for t, r in reasons)
    assert any(t == "医疗保健服务;诊所;诊所" and "dentist" in r for t, r in reasons)
    assert any(t == "医疗保健服务;诊所;诊所" and "animal clinic" in r for t, r in reasons), "宠物医院 typed as a clinic"
    assert any(t == "购物服务;综合市场;农副产品市场" and "wholesale" in r for t, r in reasons)
    assert report["layout"]["platform"] == "amap" and report["layout"]["system"] == "gcj02"
    assert report["layout"]["system_from"] == "platform"
    # read as GCJ-02: the hospital moved from AMap's position to WGS-84 (a few hundred metres in Shanghai)
    hospital = table[table["name"] == "上海市第一人民医院"].geometry.iloc[0]
    lon, lat = to_wgs84(121.487530, 31.247321, "gcj02")
    assert (hospital.x, hospital.y) == pytest.approx((float(lon), float(lat)), abs=1e-9)
    assert abs(hospital.x - 121.487530) > 0.003


def test_an_amap_export_by_typecode_alone_falls_back_to_parent_codes_and_names():
    table, report = read("amap_typecode.csv")
    preset = load_preset()
    keys = {c.key for c in preset.categories}
    by_category = names_by_category(table)
    assert by_category["clinic"] == {"和平诊所"} and by_category["primary_school"] == {"第二小学"}
    assert by_category["elderly_care"] == {"幸福养老院"}, "080402 疗养院 counts only when the name says elderly care"
    assert "爱宠动物医院" not in set(table["name"]) and "兽医站" not in set(table["name"])
    mapping = report["mapping"]
    excluded = {item["type"]: item["reason"] for item in mapping["excluded"]}
    assert "home-electronics" in excluded["060305"], "060305 手机销售 falls back to its parent 060300"
    unmapped = {item["type"]: item["reason"] for item in mapping["unmapped"]}
    assert unmapped["080402"] == "no row of the mapping names this type"  # 海滨疗养院: a sanatorium
    # the two categories another change adds to GB 50180: mapped when the preset has them, else said so
    for category, name, code in (
        ("community_canteen", "社区长者食堂", "050100"),
        ("childcare", "阳光托育中心", "141204"),
    ):
        if category in keys:
            assert name in by_category[category]
        else:
            assert category in unmapped[code] and "does not have" in unmapped[code]
    assert "阳光托育中心" not in by_category.get("kindergarten", set()), "托育 is not a kindergarten"
    assert report["layout"]["coordinates"] == "location"


def test_a_download_tool_export_with_converted_columns_is_read_as_wgs84():
    table, report = read("amap_download_tool.csv")
    assert report["layout"]["system"] == "wgs84" and report["layout"]["system_from"] == "columns"
    assert report["layout"]["coordinates"] == "wgs84_lng/wgs84_lat"
    hospital = table[table["name"] == "东区医院"].geometry.iloc[0]
    assert (hospital.x, hospital.y) == pytest.approx((104.0866, 30.6572), abs=1e-9)
    assert set(table["category"]) == {"clinic", "kindergarten"}
    assert report["mapping"]["excluded"][0]["type"] == "购物服务;家居建材市场;家具建材综合市场"


def test_a_declared_system_wins_over_the_platform_default():
    table, report = read("amap_types.csv", system="wgs84")
    assert report["layout"]["system"] == "wgs84" and report["layout"]["system_from"] == "declared"
    hospital = table[table["name"] == "上海市第一人民医院"].geometry.iloc[0]
    assert (hospital.x, hospital.y) == pytest.approx((121.487530, 31.247321), abs=1e-12)


def test_other_presets_get_their_own_categories_from_the_same_export():
    table, _ = read("amap_types.csv", preset="tdt1062_2021")
    by_category = names_by_category(table)
    assert by_category["health_centre"] == {"上海市第一人民医院"}
    assert by_category["health_station"] == {"北外滩社区卫生服务站"}
    assert "联华超市(东宝兴路店)" in by_category["convenience"] & by_category["food_market"]
    walkscore, _ = read("amap_types.csv", preset="walkscore")
    assert names_by_category(walkscore)["restaurants"] == {"老上海面馆", "小杨生煎", "阿娘面"}


# -- Baidu and Tencent -----------------------------------------------------------------------


def test_a_baidu_place_export_is_read_in_bd09_with_its_traps_left_out():
    table, report = read("baidu_place.csv")
    assert names_by_category(table) == {
        "clinic": {"四川大学华西医院", "玉林社区卫生服务中心"},
        "kindergarten": {"玉林幼儿园"},
        "food_market": {"玉林菜市场"},
    }
    assert report["layout"]["platform"] == "baidu" and report["layout"]["system"] == "bd09"
    reasons = " ".join(item["reason"] for item in report["mapping"]["excluded"])
    for words in ("animal clinic", "pet services", "training school", "electronics", "wholesale", "early education"):
        assert words in reasons
    hospital = table[table["name"] == "四川大学华西医院"].geometry.iloc[0]
    lon, lat = to_wgs84(104.0699, 30.6481, "bd09")
    assert (hospital.x, hospital.y) == pytest.approx((float(lon), float(lat)), abs=1e-9)


def test_a_baidu_location_cell_holding_a_dict_is_read():
    table, report = read("baidu_location_dict.csv")
    assert names_by_category(table) == {"primary_school": {"玉林小学"}, "park": {"玉林公园"}}
    assert report["layout"]["coordinates"] == "location"
    lon, lat = to_wgs84(104.0619, 30.6351, "bd09")
    school = table[table["name"] == "玉林小学"].geometry.iloc[0]
    assert (school.x, school.y) == pytest.approx((float(lon), float(lat)), abs=1e-9)


def test_a_tencent_export_is_read_in_gcj02_with_colon_paths():
    table, report = read("tencent_search.csv")
    assert names_by_category(table) == {
        "park": {"人民公园"},
        "primary_school": {"草市街小学"},
        "clinic": {"成都市第二医院"},
        "culture": {"成都市图书馆"},
    }
    assert report["layout"]["platform"] == "tencent" and report["layout"]["system"] == "gcj02"
    assert {item["type"] for item in report["mapping"]["excluded"]} == {"医疗保健:体检", "医疗保健:诊所"}


def test_location_cells_are_read_in_either_order_and_as_dicts():
    lon, lat = parse_locations(pd.Series(["104.06,30.65", "104.07, 30.66", ""]))
    assert lon[:2].tolist() == [104.06, 104.07] and lat[:2].tolist() == [30.65, 30.66] and np.isnan(lon[2])
    lon, lat = parse_locations(pd.Series(["30.65,104.06", "30.66,104.07"]))  # lat,lng as Tencent's API writes it
    assert lon.tolist() == [104.06, 104.07]
    lon, lat = parse_locations(pd.Series(['{"lng": 104.06, "lat": 30.65}', "{'lat': 30.66, 'lng': 104.07}"]))
    assert lon.tolist() == [104.06, 104.07] and lat.tolist() == [30.65, 30.66]


# -- the mapping tables ----------------------------------------------------------------------


def test_the_builtin_tables_name_only_categories_of_some_preset_and_give_every_exclusion_a_reason():
    taxonomy = builtin_taxonomy()
    known = {c.key for name in builtin_presets() for c in load_preset(name).categories}
    known |= {EXCLUDE, "childcare", "community_canteen"}  # the two GB 50180 gains in issue 30
    assert {rule.category for rule in taxonomy.rules} <= known
    assert all(rule.reason for rule in taxonomy.rules if rule.category == EXCLUDE)
    assert {rule.platform for rule in taxonomy.rules} == {"amap", "baidu", "tencent", "any", "name"}
    assert all(rule.category == EXCLUDE for rule in taxonomy.rules if rule.platform == "any"), "any rows are traps"
    assert all(rule.name_pattern for rule in taxonomy.rules if rule.platform in ("any", "name"))
    assert not any(rule.category in ("park_1ha", "park_5ha") for rule in taxonomy.rules), "a point has no area"


def test_the_most_specific_level_decides_and_an_exclusion_beats_its_parent():
    text = (
        "platform,code,type,name_pattern,category,reason\n"
        "amap,090000,医疗保健服务,,clinic,\n"
        "amap,090700,医疗保健服务;动物医疗场所,,exclude,animals\n"
        "amap,090300,医疗保健服务;诊所,,clinic,\n"
        "amap,090000,医疗保健服务,宠物,exclude,a pet clinic by name\n"
        "amap,110101,风景名胜;公园广场;公园,,park_1ha,\n"
        "amap,050000,餐饮服务,,restaurants,\n"
    )
    taxonomy = Taxonomy(parse_mapping(text, "test.csv", None))
    keys = frozenset({"clinic", "park_1ha"})

    def verdict(code="", path="", name=""):
        return taxonomy.classify("amap", code, path, name, keys, {"park_1ha": 1.0}, "test")

    assert verdict("090701").status == EXCLUDED and verdict("090701").reason == "animals"
    assert verdict(path="医疗保健服务;动物医疗场所;宠物诊所").status == EXCLUDED
    assert verdict("090101").categories == ("clinic",), "a child code with no row falls back to 090000"
    assert verdict("090300", name="安安宠物医院").reason == "a pet clinic by name", "a name beats a type"
    assert verdict("090300", name="和平诊所").categories == ("clinic",)
    assert "has no area" in verdict("110101").reason and verdict("110101").status == UNMAPPED
    assert "restaurants" in verdict("050100").reason and verdict("050100").status == UNMAPPED
    assert verdict("999999").reason == "no row of the mapping names this type"
    both = verdict("050100|090300", "餐饮服务;中餐厅;中餐厅|医疗保健服务;诊所;诊所")
    assert both.status == MAPPED and both.categories == ("clinic",), "several types: any that maps counts"


def test_an_edited_mapping_copy_overrides_a_builtin_row(tmp_path):
    copy = tmp_path / "our_mapping.csv"
    copy.write_text(
        "platform,code,type,name_pattern,category,reason,source,verified\n"
        "amap,141202,科教文化服务;学校;中学,高级中学|高中,middle_school,,our 高级中学 also teach 初中,true\n",
        encoding="utf-8",
    )
    table, report = read("amap_types.csv", mapping=copy)
    assert names_by_category(table)["middle_school"] == {"复兴初级中学", "复兴高级中学"}
    assert report["mapping"]["tables"] == ["amap.csv (built in)", "our_mapping.csv (1 rows, taking precedence)"]
    assert report["mapping"]["excluded_rows"] == 7


def test_a_malformed_mapping_row_is_named_by_its_line(tmp_path):
    copy = tmp_path / "bad.csv"
    copy.write_text(
        "code,type,category,reason\n090300,医疗保健服务;诊所,clinic,\n9030,,clinic,\n090700,,exclude,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputDataError, match=r"bad.csv line 3: code '9030'.*bad.csv line 4: an exclude row needs"):
        read("amap_types.csv", mapping=copy)


# -- what stays as it was, and what is still refused ------------------------------------------


def test_a_table_of_preset_categories_reads_as_before(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("name,category,lon,lat\n诊所,clinic,104.06,30.65\n", encoding="utf-8")
    table, report = read_facility_table_with_report(FacilityTableSpec(path), load_preset())
    assert report == {} and table["declared_system"].tolist() == ["wgs84"]
    assert (table.geometry.x.iloc[0], table.geometry.y.iloc[0]) == (104.06, 30.65)
    # a value that is no category is looked up among the platforms' type names (动物医疗场所 is AMap's
    # 中类 of animal clinics, excluded) and, if none, checked for traps before its name (诊所) may decide;
    # with no row left the list is refused, naming each value and its fate
    path.write_text(
        "name,category,lon,lat\n诊所,宠物诊所,104.06,30.65\n宠物医院,动物医疗场所,104.07,30.65\n", encoding="utf-8"
    )
    with pytest.raises(InputDataError) as refused:
        read_facility_table(FacilityTableSpec(path), load_preset())
    assert "does not know: '宠物诊所' (1 row: animal clinic" in str(refused.value), "the trap in the value"
    assert "'动物医疗场所' (1 row: animal clinic" in str(refused.value)


def test_an_export_without_coordinates_or_with_a_broken_one_is_refused(tmp_path):
    path = tmp_path / "no_coordinates.csv"
    path.write_text("name,type,typecode\n和平诊所,医疗保健服务;诊所;诊所,090300\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"AMap \(高德\) export .* has no coordinates"):
        read(path)
    path.write_text(
        'name,typecode,location\n和平诊所,090300,"104.06,30.65"\n社区诊所,090300,""\n川菜馆,050100,""\n',
        encoding="utf-8",
    )
    table, report = read(path)  # line 3 is left out and listed; line 4 is a restaurant, left out anyway
    assert list(table["name"]) == ["和平诊所"]
    mapping = report["mapping"]
    assert (mapping["rows_without_coordinates"], mapping["lines_without_coordinates"]) == (1, [3])
    assert (mapping["mapped_rows"], mapping["excluded_rows"] + mapping["unmapped_rows"]) == (1, 2)
    unplaced = next(item for item in mapping["excluded"] if "no readable coordinates" in item["reason"])
    assert (unplaced["rows"], unplaced["examples"]) == (1, ["社区诊所"])
    path.write_text('name,typecode,location\n和平诊所,090300,""\n社区诊所,090300,""\n', encoding="utf-8")
    with pytest.raises(InputDataError, match=r"file lines 2, 3\. Fill"):
        read(path)  # not one row has a position: nothing to import


def test_a_bureau_list_of_categories_is_still_refused_for_one_row_without_coordinates(tmp_path):
    path = tmp_path / "bureau.csv"
    path.write_text("name,category,lon,lat\n和平诊所,clinic,104.06,30.65\n社区诊所,clinic,,\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"file lines 3\. Fill"):
        read(path)  # every row of the bureau's own list was meant


def test_repeated_rows_of_a_crawl_are_counted_once(tmp_path):
    path = tmp_path / "crawl.csv"
    path.write_text(
        "name,lat,lng,detail_info.tag,uid\n"
        "和平诊所,30.65,104.06,医疗;诊所,269e0d37f2a74de452e6b438\n"
        "和平诊所,30.65,104.06,医疗;诊所,269e0d37f2a74de452e6b438\n"  # the same uid: a repeat
        "和平诊所,30.66,104.07,医疗;诊所,d23f0824128b2f330c5c7fd0\n"  # another branch, 1.4 km away
        "社区诊所,30.67,104.08,医疗;诊所,\n"
        "社区诊所,30.670005,104.080005,医疗;诊所,\n"  # no uid, same name 0.7 m away: a repeat
        "社区诊所,30.6701,104.08,医疗;诊所,\n"  # 11 m away: another place
        "社区诊所,30.67,104.08,医疗;综合医院,\n",  # the same place as another type: kept
        encoding="utf-8",
    )
    table, report = read(path)
    assert len(table) == 5
    mapping = report["mapping"]
    assert mapping["duplicate_rows"] == 2
    reasons = {item["reason"]: item["rows"] for item in mapping["excluded"]}
    assert reasons == {
        "a repeat of an earlier row (the same uid)": 1,
        "a repeat of an earlier row (the same name and position)": 1,
    }
    assert mapping["rows"] == mapping["mapped_rows"] + mapping["excluded_rows"] + mapping["unmapped_rows"]


def test_left_out_types_name_up_to_three_examples(tmp_path):
    path = tmp_path / "pets.csv"
    lines = [f'宠物诊所{i},医疗保健服务;动物医疗场所;宠物诊所,090700,"104.06,30.6{i}"' for i in range(5)]
    path.write_text("name,type,typecode,location\n" + "\n".join(lines) + "\n", encoding="utf-8")
    _, report = read(path)
    (item,) = report["mapping"]["excluded"]
    assert (item["rows"], item["examples"]) == (5, ["宠物诊所0", "宠物诊所1", "宠物诊所2"])


# -- real places: the Chengdu extract shifted to GCJ-02, as AMap shows it ---------------------


@pytest.fixture(scope="module")
def chengdu_osm_facilities():
    preset = load_preset()
    osm = read_osm(default_source(), preset)
    return facilities_from_osm(osm.facilities, preset, CHENGDU_UTM)


def amap_export_of(osm, path: Path, bbox=None) -> tuple[Path, pd.DataFrame]:
    """Write the OSM clinics, kindergartens and schools as AMap would list them, with traps beside them."""
    types = {
        "clinic": ("医疗保健服务;诊所;诊所", "090300"),
        "kindergarten": ("科教文化服务;学校;幼儿园", "141204"),
        "primary_school": ("科教文化服务;学校;小学", "141203"),
    }
    chosen = osm[osm["category"].isin(list(types))].reset_index(drop=True)
    points = chosen.to_crs(4326).geometry.representative_point()
    if bbox is not None:
        west, south, east, north = bbox
        inside = (points.x > west) & (points.x < east) & (points.y > south) & (points.y < north)
        chosen, points = chosen[inside.to_numpy()].reset_index(drop=True), points[inside].reset_index(drop=True)
    lon, lat = from_wgs84(points.x.to_numpy(), points.y.to_numpy(), "gcj02")
    rows = [
        {"name": name or f"设施{i}", "type": types[c][0], "typecode": types[c][1], "location": f"{x:.6f},{y:.6f}"}
        for i, (name, c, x, y) in enumerate(zip(chosen["name"], chosen["category"], lon, lat, strict=True))
    ]
    traps = [
        ("宠爱宠物诊所", "医疗保健服务;动物医疗场所;宠物诊所", "090701"),
        ("瑞鹏宠物医院", "医疗保健服务;诊所;诊所", "090300"),
        ("贝格口腔诊所", "医疗保健服务;诊所;诊所", "090300"),
        ("蓝天驾校", "科教文化服务;驾校;驾校", "141500"),
        ("新东方培训学校", "科教文化服务;培训机构;培训机构", "141400"),
        ("荷花池批发市场", "购物服务;综合市场;农副产品市场", "060703"),
        ("苏宁易购", "购物服务;家电电子卖场;苏宁", "060304"),
    ]
    for k, (name, type_path, code) in enumerate(traps):
        rows.append(
            {
                "name": name,
                "type": type_path,
                "typecode": code,
                "location": f"{lon[k % len(lon)] + 0.0003:.6f},{lat[k % len(lat)]:.6f}",
            }
        )
    frame = pd.DataFrame(rows)
    frame.insert(1, "address", "成都市")
    frame.insert(2, "pname", "四川省")
    frame.insert(3, "cityname", "成都市")
    frame.to_csv(path, index=False, encoding="utf-8")
    return path, chosen.assign(wgs_lon=points.x.to_numpy(), wgs_lat=points.y.to_numpy())


def test_a_gcj02_export_of_real_chengdu_places_lands_on_them_with_no_flags(tmp_path, chengdu_osm_facilities):
    osm = chengdu_osm_facilities
    path, chosen = amap_export_of(osm, tmp_path / "amap_chengdu.csv")
    added, report = import_facility_table(FacilityTableSpec(path), load_preset(), osm, CHENGDU_UTM)
    # added to OSM (the default), OSM's own places are OSM's: none is counted twice
    assert len(added) == len(osm) and (added["source"] == "osm").all()
    matched = report["matched_osm"]
    assert matched["rows"] == len(chosen) and matched["distance_m"] == 50
    assert matched["per_category"]["clinic"]["matched"] == (chosen["category"] == "clinic").sum()
    merged, report = import_facility_table(FacilityTableSpec(path, mode="replace"), load_preset(), osm, CHENGDU_UTM)
    assert report["layout"]["system"] == "gcj02" and report["declared_crs"] == "gcj02"
    check = report["offset_check"]
    assert check["suggested"] is None and check["median_m"]["gcj02"] < 1.0 and check["median_m"]["wgs84"] > 100
    imported = merged[merged["source"] == "import:amap_chengdu.csv"].to_crs(4326)
    assert len(imported) == len(chosen), "every real place and none of the seven traps"
    assert not {"宠爱宠物诊所", "瑞鹏宠物医院", "贝格口腔诊所", "蓝天驾校", "新东方培训学校"} & set(imported["name"])
    row = imported["facility_id"].str.split(":x").str[1].astype(int).to_numpy() - 2
    gap_deg = np.hypot(
        imported.geometry.x.to_numpy() - chosen["wgs_lon"].to_numpy()[row],
        imported.geometry.y.to_numpy() - chosen["wgs_lat"].to_numpy()[row],
    )
    assert gap_deg.max() * 111_000 < 1.0
    assert report["mapping"]["excluded_rows"] == 7
    assert imported["matched_rule"].iloc[0].startswith("import:amap_chengdu.csv (")


def test_circle_analyze_reads_an_amap_export_and_says_what_it_left_out(tmp_path, capsys, chengdu_osm_facilities):
    bbox = (104.07, 30.66, 104.09, 30.68)
    path, chosen = amap_export_of(chengdu_osm_facilities, tmp_path / "amap.csv", bbox)
    out = tmp_path / "study"
    code = main(["analyze", "--out", str(out), "--bbox", ",".join(map(str, bbox)), "--facilities", str(path)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "Recognised an AMap (高德) export" in printed and "read as GCJ-02, the platform's own system" in printed
    assert (
        f"{len(chosen)} of {len(chosen) + 7} rows mapped to categories by amap.csv (built in); "
        "left out: 7 excluded, 0 of no category" in printed
    )
    assert "医疗保健服务;动物医疗场所;宠物诊所  (excluded: animal clinic" in printed
    assert "--facilities-mapping FILE" in printed
    clinics = int((chosen["category"] == "clinic").sum())
    assert f"clinic {clinics} of {clinics}" in printed and "matched OpenStreetMap's of their category" in printed
    facilities = json.loads((out / "summary.json").read_text(encoding="utf-8"))["imports"]["facilities"]
    assert facilities["matched_osm"]["per_category"]["clinic"] == {"matched": clinics, "imported": clinics}
    assert facilities["declared_crs"] == "gcj02" and facilities["layout"]["platform"] == "amap"
    assert facilities["mapping"]["excluded_rows"] == 7 and facilities["mapping"]["mapped_rows"] == len(chosen)


def test_the_report_and_the_app_say_how_an_export_was_read_in_both_languages():
    from circle.i18n import t
    from circle.report.pdf.method import poi_export_sentence
    from circle.ui.widgets import poi_mapping_facts

    _, facilities = read("amap_types.csv")

    class Words:  # the two things poi_export_sentence asks of the report's writer
        def __init__(self, lang):
            self.lang = lang

        def s(self, key, **values):
            return t(key, self.lang, **values)

    english = poi_export_sentence(Words("en"), facilities)
    assert "POI export of AMap (高德)" in english and "read as GCJ-02" in english and "Of its 19 rows, 8" in english
    assert "8 were excluded" in english and "餐饮服务;中餐厅;中餐厅 (2)" in english
    assert "19 行中 8 行" in poi_export_sentence(Words("zh"), facilities)
    for lang, platform in (("zh", "识别为高德地图导出的 POI"), ("en", "Recognised a POI export of AMap (高德)")):
        facts = poi_mapping_facts(facilities, lang)
        # a type left out for two reasons (a pet hospital and a dentist filed as 诊所) is listed once, its rows summed
        assert facts["left"] == 11 and facts["top"].startswith("医疗保健服务;诊所;诊所 (2); 餐饮服务;中餐厅;中餐厅 (2)")
        said = t("built_poi_mapping", lang, **facts)
        assert "GCJ-02" in said and said.startswith(platform)


def test_typecodes_a_spreadsheet_read_as_numbers_get_their_leading_zero_back(tmp_path):
    path = tmp_path / "numbers.csv"
    path.write_text(
        'name,typecode,location\n和平诊所,90300,"104.06,30.65"\n宠物诊所,90701.0,"104.07,30.65"\n', encoding="utf-8"
    )
    table, report = read(path)
    assert table["name"].tolist() == ["和平诊所"] and table["platform_type"].tolist() == ["090300"]
    assert report["mapping"]["excluded"][0]["type"] == "090701"


def test_the_app_reads_an_uploaded_list_in_the_automatic_system_by_default(monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    from tests.deployment import use_deployment, write_deployment

    use_deployment(monkeypatch, write_deployment(tmp_path, tmp_path / "studies"))

    def script():
        from circle.deploy.config import load_deployment
        from circle.ui.access import User
        from circle.ui.widgets import study_builder

        study_builder("en", load_deployment(), User("wang", "planner", "local"))

    at = AppTest.from_function(script, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.radio(key="build_crs").value == "auto"
    assert at.radio(key="build_crs").options[0].startswith("Automatic (an AMap, Baidu or Tencent export")


def test_a_name_that_marks_a_trap_wins_over_a_name_that_names_a_category():
    taxonomy = builtin_taxonomy()
    keys = frozenset(c.key for c in load_preset().categories)

    def verdict(code, name, platform="amap"):
        return taxonomy.classify(platform, code, "", name, keys, {}, "gb50180_2018")

    assert verdict("060700", "曲阳菜市场").categories == ("food_market",)
    assert verdict("060700", "曲阳农贸批发市场").status == EXCLUDED
    assert verdict("070000", "幸福养老院").categories == ("elderly_care",)
    assert verdict("070000", "爱宠宠物养老院").status == EXCLUDED, "a pet retirement home is no care home"


def test_columns_the_planner_names_are_taken_in_an_export(tmp_path):
    path = tmp_path / "renamed.csv"
    path.write_text("名称,typecode,东经,北纬\n和平诊所,090300,104.06,30.65\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="has no coordinates"):
        read(path)
    table, report = read(path, columns=parse_columns("lon=东经,lat=北纬"))
    assert table["name"].tolist() == ["和平诊所"] and report["layout"]["coordinates"] == "东经/北纬"
    with pytest.raises(InputDataError, match="no column '经度'"):
        read(path, columns=parse_columns("lon=经度,lat=北纬"))


def test_circle_analyze_refuses_a_malformed_mapping_before_reading_the_map(tmp_path, capsys):
    copy = tmp_path / "ours.csv"
    copy.write_text("code,type,category,reason\n090300,医疗保健服务;诊所,Clinic!,\n", encoding="utf-8")
    listing = DATA / "amap_types.csv"
    code = main(
        ["analyze", "--out", str(tmp_path / "s"), "--facilities", str(listing), "--facilities-mapping", str(copy)]
    )
    err = " ".join(capsys.readouterr().err.split())  # the CLI wraps long lines
    assert code == 2 and "ours.csv line 2: category 'Clinic!' is not a category key" in err
    assert "[--facilities-mapping]" in err and not (tmp_path / "s").exists()


# -- real exports' layouts (issue 30, round 2): each fixture is hand-made in the layout of a real file --------


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("XGCJ", ("lon", "gcj02")),
        ("YGCJ", ("lat", "gcj02")),
        ("XWGS", ("lon", "wgs84")),
        ("gcj_lng", ("lon", "gcj02")),
        ("lng_gcj", ("lon", "gcj02")),
        ("gcj02_x", ("lon", "gcj02")),
        ("wgs84_lng", ("lon", "wgs84")),
        ("lon_wgs", ("lon", "wgs84")),
        ("BD_LNG", ("lon", "bd09")),
        ("x_bd09", ("lon", "bd09")),
        ("火星纬度", ("lat", "gcj02")),
        ("location.lat", ("lat", None)),
        ("经度", ("lon", None)),
        ("category", None),
        ("lng,lat", None),
        ("y坐标", None),
    ],
)
def test_coordinate_columns_that_name_their_system_are_recognised(column, expected):
    parsed = coordinate_column(column)
    assert (parsed and (parsed[0], parsed[2])) == expected


def test_an_amap_export_with_renamed_columns_reads_the_wgs84_pair_and_checks_the_gcj_pair_agrees():
    table, report = read("amap_renamed_columns.csv")
    layout = report["layout"]
    assert layout["coordinates"] == "XWGS/YWGS" and layout["system"] == "wgs84" and layout["system_from"] == "columns"
    check = layout["check"]
    assert check["columns"] == "XGCJ/YGCJ" and check["rows"] == 10
    assert check["median_m"] < 1.0 and check["unconverted_median_m"] > 300 and check["warning"] is None
    assert "read the WGS-84 pair XWGS/YWGS" in layout["notes"][0]
    assert names_by_category(table) == {
        "clinic": {"江岸区中心医院", "丹水池社区卫生服务站"},
        "kindergarten": {"春天幼儿园(动物园路)", "小太阳幼儿园"},  # 动物园路 is its street, not an animal clinic
        "primary_school": {"育才小学"},
    }
    reasons = {item["reason"].split(" (")[0] for item in report["mapping"]["excluded"]}
    assert reasons == {
        "a building or department of a hospital",  # 住院部
        "a toilet or nursing room",  # 卫生间 typed 诊所
        "cosmetic or wellness business by its name",  # 整形美容
        "training school",  # 金帆培训学校… typed 小学
        "university or college, not a school of the living circle",  # 动物医学院: a university, not by 动物
    }
    assert read_table(DATA / "amap_renamed_columns.csv")["ADDRESS"].isna().sum() == 4, "[] is an empty field"


def test_a_mislabelled_coordinate_pair_is_caught_by_the_check(tmp_path):
    frame = read_table(DATA / "amap_renamed_columns.csv")
    frame["XWGS"], frame["YWGS"] = frame["XGCJ"], frame["YGCJ"]  # WGS-84 columns that hold GCJ-02
    path = tmp_path / "mislabelled.csv"
    frame.to_csv(path, index=False)
    _, report = read(path)
    warning = report["mapping"]["warnings"][0]
    assert report["layout"]["check"]["median_m"] > 300
    assert "are a median" in warning and "one pair is mislabelled" in warning and "--facilities-crs" in warning


def test_a_list_of_its_authors_own_labels_maps_platform_type_names_and_counts_the_rest():
    table, report = read("own_labels.csv")
    assert report["layout"]["platform"] == "table" and report["layout"]["system_from"] == "default"
    # 公园 is AMap's, Baidu's and Tencent's 公园; 广场 is no platform's type, so 百花潭公园's name decides
    assert names_by_category(table) == {"park": {"望江公园", "人民公园", "百花潭公园"}}
    assert table.loc[table["name"] == "百花潭公园", "type_rule"].iloc[0].startswith("name.csv named like 公园")
    mapping = report["mapping"]
    assert (mapping["mapped_rows"], mapping["excluded_rows"], mapping["unmapped_rows"]) == (3, 7, 3)
    assert {(i["type"], i["rows"]) for i in mapping["unmapped"]} == {("景区", 2), ("广场", 1)}
    assert {i["reason"].split(" (")[0] for i in mapping["excluded"]} == {
        "a bus or metro stop",
        "a car park",
        "a toilet or nursing room",
        "a government office",
        "a company's office",
        "the name of a district or county",
        "a business or industrial park",  # 产业园区, where a kindergarten's 园区 is its campus
    }
    assert mapping["warnings"] == [
        "10 of 13 rows of own_labels.csv map to no category of preset gb50180_2018 and are left out; "
        "see the types listed below"
    ]


def test_a_list_of_which_no_row_maps_is_refused_listing_its_values_and_a_likely_typo(tmp_path):
    path = tmp_path / "typo.csv"
    path.write_text("name,category,lon,lat\n和平诊所,clinc,104.06,30.65\n广场,广场,104.07,30.66\n", encoding="utf-8")
    with pytest.raises(InputDataError) as refused:
        read(path)
    message = str(refused.value)
    assert "does not know: 'clinc' (1 row: " in message and "did you mean clinic?" in message and "'广场'" in message
    path.write_text(
        "name,category,lon,lat\n和平诊所,clinc,104.06,30.65\n育才小学,小学,104.07,30.66\n", encoding="utf-8"
    )
    table, report = read(path)
    assert names_by_category(table) == {"primary_school": {"育才小学"}}  # AMap's 小类 小学
    assert report["mapping"]["unmapped"][0]["reason"].endswith("did you mean clinic?")


def test_a_headerless_crawl_without_a_type_column_is_classified_by_names_alone():
    table, report = read("baidu_headerless.csv")
    layout = report["layout"]
    assert layout["platform"] == "name" and layout["evidence"].startswith("no header row")
    assert layout["coordinates"] == "column 4/column 3", "latitude first, found by its values"
    assert layout["system"] == "wgs84" and layout["system_from"] == "default"
    assert layout["notes"] == ["no type column: 9 of 20 rows classified by their names; the rest left out"]
    assert names_by_category(table) == {
        "kindergarten": {"勐库镇中心幼儿园"},
        "primary_school": {"勐库镇中心小学"},
        "middle_school": {"勐库镇初级中学"},
        "clinic": {"勐库镇卫生院", "冯家村卫生室"},
        "elderly_care": {"勐库镇敬老院"},
        "food_market": {"勐库农贸市场"},
        "culture": {"勐库镇文化站"},
        "park": {"滨河公园"},
    }
    point = table[table["name"] == "滨河公园"].geometry.iloc[0]
    assert (point.x, point.y) == (100.0515, 23.5115)
    assert table["row"].min() == 1, "the first line is a row"
    assert report["mapping"]["excluded_rows"] == 8 and report["mapping"]["unmapped_rows"] == 3


def test_name_rules_look_at_the_name_without_its_branch_and_traps_win():
    taxonomy = builtin_taxonomy()
    keys = frozenset(c.key for c in load_preset().categories)

    def by_name(name):
        return taxonomy.classify_name(name, keys, {}, "gb50180_2018")

    assert base_name("春天幼儿园(动物园路)") == "春天幼儿园" and base_name("滨河公园站(公交站)") == "滨河公园站(公交站)"
    assert by_name("春天幼儿园(动物园路)").categories == ("kindergarten",)
    assert by_name("清真寺(新沟村卫生室西)").status == UNMAPPED, "a bracket saying where it lies is not what it is"
    assert by_name("加油站(希望小学南)").status == UNMAPPED
    assert taxonomy.trap("义烈巷幼儿园荣东园区") is None, "a kindergarten's 园区 is its campus, no business park"
    assert taxonomy.trap("青羊绿舟文化产业园区").status == EXCLUDED and taxonomy.trap("成华区").status == EXCLUDED
    assert taxonomy.trap("玉林社区") is None
    assert by_name("华中农业大学动物医学院").status == EXCLUDED
    assert by_name("美好口腔医院").status == EXCLUDED, "a dentist, though 医院 names a clinic"
    assert by_name("第一高级中学").status == EXCLUDED, "a senior high school, though 中学 names a middle school"
    assert by_name("龙泉山庄").status == UNMAPPED
    assert by_name("公园路小区").status == UNMAPPED, "a street named 公园 is no park"


def test_json_answers_of_the_three_platforms_and_geojson_are_read_through_the_same_path():
    table, report = read("amap_v3_pages.json")  # two responses one after the other
    assert report["layout"]["platform"] == "amap" and report["mapping"]["rows"] == 4
    assert names_by_category(table)["clinic"] == {"南山区蛇口社区健康服务中心"}
    table, report = read("baidu_place_v2.json")
    assert report["layout"]["system"] == "bd09" and report["layout"]["coordinates"] == "location.lng/location.lat"
    assert names_by_category(table) == {"clinic": {"玉林社区卫生服务中心"}, "primary_school": {"玉林小学"}}
    table, report = read("tencent_pages.json")
    assert names_by_category(table) == {"elderly_care": {"深圳市南山区四海长者颐养院"}}, "no AED becomes a clinic"
    assert {i["type"]: i["rows"] for i in report["mapping"]["excluded"]} == {
        "医疗保健:其它医疗保健": 2,
        "医疗保健:诊所": 1,
    }
    table, report = read("amap_points.geojson")
    assert table["name"].tolist() == ["玉林社区卫生服务中心"] and report["layout"]["coordinates"] == "lng/lat"
    table, _ = read("amap_types.tsv")
    assert table["name"].tolist() == ["和平诊所"]
    table, report = read("amap_responses.tsv")  # a scraper's log: adcode, typecode, page, the answer as a string
    assert report["mapping"]["rows"] == 4 and names_by_category(table)["clinic"] == {"南山区蛇口社区健康服务中心"}


def test_json_that_is_broken_too_deep_too_long_or_empty_is_refused_cleanly(tmp_path, monkeypatch):
    from circle.sources import _table_file  # the limits are read where the file is read

    monkeypatch.setattr(_table_file, "MAX_ROWS", 3)
    with pytest.raises(InputDataError, match="has more than 3 rows"):
        read("amap_v3_pages.json")  # four records in two answers
    monkeypatch.undo()
    path = tmp_path / "broken.json"
    path.write_text('{"status": "1", "pois": [', encoding="utf-8")
    with pytest.raises(InputDataError, match="is not JSON at line 1"):
        read(path)
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(InputDataError, match="nests its JSON"):
        read(path)
    path.write_text('{"status": "0", "info": "INVALID_USER_KEY", "pois": []}', encoding="utf-8")
    with pytest.raises(InputDataError, match=r"holds no POI records \(the answers say: status 0: INVALID_USER_KEY\)"):
        read(path)


def test_the_cli_says_how_a_list_was_read_and_warns_when_most_of_it_is_left_out():
    from circle.cli._analyze_result import describe_layout

    _, report = read("baidu_headerless.csv")
    text = describe_layout(report["layout"])
    assert text.startswith("Read a facility list without a type column (no header row")
    assert "read as WGS-84, as no platform says otherwise; declare --facilities-crs gcj02 or bd09" in text
    assert "No type column: 9 of 20 rows classified by their names; the rest left out." in text
    _, report = read("amap_renamed_columns.csv")
    assert "XGCJ/YGCJ (gcj02), converted, lie a median 0." in describe_layout(report["layout"])


# -- issue 30 review, round 3: what a planner adding an export to OSM can trust ---------------


def test_traps_of_the_chengdu_review_are_decided_as_a_planner_would():
    taxonomy = builtin_taxonomy()
    keys = frozenset(c.key for c in load_preset().categories)

    def verdict(platform, path, name, code=""):
        return taxonomy.classify(platform, code, path, name, keys, {}, "gb50180_2018")

    # early education is neither a kindergarten nor childcare, unless the name says 托育/托儿所
    assert verdict("baidu", "教育培训;幼儿园", "金宝贝早教中心").status == EXCLUDED
    assert verdict("baidu", "教育培训;幼儿园", "小天使亲子园").status == EXCLUDED
    assert verdict("baidu", "教育培训;幼儿园", "成华区三心幼儿园").categories == ("kindergarten",)
    assert verdict("baidu", "教育培训", "童馨早教托育中心").categories == ("childcare",)
    # a chain convenience store filed as a supermarket is no food market; a real supermarket is
    assert verdict("baidu", "购物;超市", "红旗连锁(建设路店)").status == EXCLUDED
    assert verdict("amap", "", "舞东风超市", code="060400").status == EXCLUDED
    assert verdict("tencent", "购物:超市", "美宜佳便利店").status == EXCLUDED
    assert verdict("baidu", "购物;超市", "红旗超市").status == EXCLUDED
    assert verdict("tencent", "购物:农贸市场", "府河桥市场").categories == ("food_market",)
    assert verdict("baidu", "购物;超市", "永辉超市(建设路店)").categories == ("food_market",)
    assert verdict("amap", "", "伊藤洋华堂", code="060400").categories == ("food_market",)
    # a plain market the platform files as 综合市场/市场 sells food, unless its name says other goods
    assert verdict("baidu", "购物;市场", "横桥自强便民市场").categories == ("food_market",)
    assert verdict("amap", "", "府河桥市场", code="060700").categories == ("food_market",)
    assert verdict("amap", "", "府河桥服装市场", code="060700").status == EXCLUDED
    assert verdict("baidu", "购物;市场", "西部建材市场").status == EXCLUDED


def _osm_facilities(crs: str, rows: list[tuple[str, str | None, object]]):
    import geopandas as gpd

    return gpd.GeoDataFrame(
        {
            "facility_id": [f"{c}:n{i}" for i, (c, _, _) in enumerate(rows)],
            "category": [c for c, _, _ in rows],
            "name": [n for _, n, _ in rows],
            "osm_id": list(range(len(rows))),
            "osm_type": "node",
            "source": "osm",
            "matched_rule": "test",
            "tags": [{} for _ in rows],
        },
        geometry=[g for _, _, g in rows],
        crs=crs,
    )


def test_an_added_list_does_not_count_osm_places_twice_and_leaves_out_rows_beyond_the_map(tmp_path):
    import shapely

    # metres in UTM 48N near Chengdu: OSM has a clinic at the origin and a kindergarten's grounds 1 km east
    x0, y0 = 400_000.0, 3_390_000.0
    grounds = shapely.box(x0 + 1000, y0, x0 + 1200, y0 + 200)
    osm = _osm_facilities(
        CHENGDU_UTM,
        [("clinic", "和平诊所", shapely.Point(x0, y0)), ("kindergarten", None, grounds)],
    )
    path = tmp_path / "bureau.csv"
    path.write_text(
        "name,category,x,y\n"
        f"和平诊所,clinic,{x0 + 30},{y0}\n"  # 30 m from OSM's clinic: the same place
        f"和平诊所二部,clinic,{x0 + 40},{y0}\n"  # also near it, but OSM's clinic is taken: added
        f"社区诊所,clinic,{x0 + 80},{y0}\n"  # 80 m away: another clinic, added
        f"春天幼儿园,kindergarten,{x0 + 1150},{y0 + 150}\n"  # inside OSM's grounds: the same, its name given
        f"幼儿园诊所,clinic,{x0 + 1100},{y0 + 100}\n"  # inside the grounds, but a clinic: added
        f"北京诊所,clinic,{x0 + 900_000},{y0 + 900_000}\n",  # far beyond the map data: left out
        encoding="utf-8",
    )
    extent = shapely.box(x0 - 5000, y0 - 5000, x0 + 5000, y0 + 5000)
    spec = FacilityTableSpec(path, system=CHENGDU_UTM)
    merged, report = import_facility_table(spec, load_preset(), osm, CHENGDU_UTM, extent=extent)
    assert report["outside"] == {"rows": 1, "examples": ["北京诊所"]}
    assert report["per_category"] == {"clinic": 4, "kindergarten": 1}
    assert report["matched_osm"]["per_category"] == {
        "clinic": {"matched": 1, "imported": 4},
        "kindergarten": {"matched": 1, "imported": 1},
    }
    assert sorted(merged["name"]) == sorted(["和平诊所", "春天幼儿园", "和平诊所二部", "社区诊所", "幼儿园诊所"])
    assert merged.loc[merged["category"] == "kindergarten", "source"].tolist() == ["osm"]
    # replace keeps the bureau's list alone, but still not what lies beyond the map
    merged, report = import_facility_table(
        FacilityTableSpec(path, system=CHENGDU_UTM, mode="replace"), load_preset(), osm, CHENGDU_UTM, extent=extent
    )
    assert len(merged) == 5 and report["matched_osm"]["rows"] == 0 and report["outside"]["rows"] == 1


def test_the_cli_says_what_was_matched_and_what_lay_beyond_the_map():
    from circle.cli._analyze_result import describe_mapping, describe_placement

    facilities = {
        "outside": {"rows": 3, "examples": ["北京诊所", "上海诊所", "广州诊所"]},
        "matched_osm": {
            "distance_m": 50.0,
            "per_category": {"clinic": {"matched": 31, "imported": 60}, "school": {"matched": 0, "imported": 2}},
        },
    }
    assert describe_placement(facilities) == [
        "3 rows lie outside the map data (北京诊所, 上海诊所, 广州诊所) and were left out.",
        "31 of 62 imported facilities matched OpenStreetMap's of their category within 50 m and were not added "
        "twice (clinic 31 of 60); --facilities-mode replace keeps the list alone.",
    ]
    mapping = {
        "mapped_rows": 1,
        "rows": 2,
        "tables": ["baidu.csv (built in)"],
        "excluded_rows": 1,
        "unmapped_rows": 0,
        "excluded": [
            {"type": "教育培训;幼儿园", "rows": 1, "reason": "early education", "examples": ["金宝贝早教中心"]}
        ],
        "unmapped": [],
    }
    assert "  教育培训;幼儿园  (excluded: early education; e.g. 金宝贝早教中心)" in "\n".join(describe_mapping(mapping))


def test_the_report_says_in_both_languages_what_was_matched_and_what_lay_beyond_the_map():
    from circle.i18n import t
    from circle.report.pdf.method import placement_sentence

    class Words:  # what placement_sentence asks of the report's writer
        def __init__(self, lang):
            self.lang = lang
            self.content = self

        def s(self, key, **values):
            return t(key, self.lang, **values)

        def label(self, key, lang):
            return {"zh": "社区卫生服务/诊所", "en": "clinics"}[lang]

    facilities = {
        "outside": {"rows": 3, "examples": ["北京诊所"]},
        "matched_osm": {
            "distance_m": 50.0,
            "per_category": {"clinic": {"matched": 31, "imported": 60}, "school": {"matched": 0, "imported": 2}},
        },
    }
    english = placement_sentence(Words("en"), facilities)
    assert "3 rows lie outside the map data and were left out (北京诊所)." in english
    assert "within 50 m of one of its category" in english and "31 of 60 imported clinics." in english
    assert "school" not in english
    chinese = placement_sentence(Words("zh"), facilities)
    assert (
        "50 米以内" in chinese
        and "社区卫生服务/诊所 60 处中 31 处" in chinese
        and "3 行位于地图数据范围之外" in chinese
    )
    assert placement_sentence(Words("en"), {"outside": {"rows": 0}, "matched_osm": {"per_category": {}}}) == ""


def test_a_planners_own_id_column_does_not_make_rows_repeats(tmp_path):
    path = tmp_path / "own.csv"
    path.write_text(
        "id,name,lon,lat\n7,春天幼儿园,104.06,30.65\n7,秋天幼儿园,104.07,30.66\n",
        encoding="utf-8",
    )
    table, report = read(path)  # "id" here is the bureau's community number, not a platform's POI id
    assert sorted(table["name"]) == ["春天幼儿园", "秋天幼儿园"] and report["mapping"]["duplicate_rows"] == 0
