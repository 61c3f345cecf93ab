"""Census tables by community joined to administrative areas: names, codes, totals kept, age groups.

The hand-made town (``tests/data/census_tables/town_admin.geojson``, metres in
UTM 48N from (400000, 3390000)): two 街道 side by side, 玉林街道 (x 0–1200)
and 芳草街道 (x 1200–2400), each of four 社区/村 300 m wide and 600 m high:
玉林社区, 第12社区, 新街社区, 二〇八社区 | 芳华社区居民委员会, 石羊村, 新街社区,
空港社区. Every 社区 holds two blocks wholly inside it, with 3000 m² and
1000 m² of residential floor: each gets ¾ and ¼ of its 社区's residents.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from circle.errors import InputDataError
from circle.prepare.population.census_table import census_table_in_study
from circle.prepare.population.counts import CountedSources, count_residents
from circle.sources.age_bands import Band, BandError, parse_header, partition, resolve_ends
from circle.sources.census_table import CensusTableSpec, parse_columns, read_census_table
from circle.sources.chinese_names import fold, statistical_code, unit_key
from circle.standards import load_preset
from circle.standards.regions import region_for
from tests.conftest import shared_extract

DATA = Path(__file__).parent / "data" / "census_tables"
ADMIN = DATA / "town_admin.geojson"
UTM = "EPSG:32648"
X0, Y0, WIDTH = 400_000.0, 3_390_000.0, 300.0
COMMUNITIES = ["玉林社区", "第12社区", "新街社区A", "二〇八社区", "芳华社区", "石羊村", "新街社区B", "空港社区"]
ESTIMATE = 7.0


def town_blocks() -> gpd.GeoDataFrame:
    """Two blocks per 社区 (3000 m² and 1000 m² of floor), each with an estimate of 7 residents."""
    geometries, floors = [], []
    for i in range(len(COMMUNITIES)):
        left = X0 + i * WIDTH
        geometries += [
            shapely.box(left + 20, Y0 + 100, left + 120, Y0 + 200),
            shapely.box(left + 150, Y0 + 300, left + 250, Y0 + 400),
        ]
        floors += [3000.0, 1000.0]
    n = len(geometries)
    return gpd.GeoDataFrame(
        {
            "block_id": [f"b{i}" for i in range(n)],
            "population": np.full(n, ESTIMATE),
            "pop_source": ["area_density"] * n,
            "area_m2": shapely.area(np.asarray(geometries, dtype=object)),
            "floor_area_m2": floors,
        },
        geometry=geometries,
        crs=UTM,
    )


def china():
    return region_for(104.06, 30.66).apply(load_preset())


def count(table: Path, admin: Path | None = ADMIN, columns: dict | None = None, blocks=None):
    """Count the town's residents from ``table``; return the blocks and the census_table report."""
    imports: dict = {}
    sources = CountedSources(census_table=CensusTableSpec(table, columns or {}), admin_file=admin)
    counted = count_residents(blocks if blocks is not None else town_blocks(), sources, china(), UTM, imports)
    return census_table_in_study(counted, imports["census_table"]), imports["census_table"]


def by_community(blocks: gpd.GeoDataFrame) -> dict[str, list[float]]:
    population = blocks["population"].to_numpy(float)
    return {name: population[2 * i : 2 * i + 2].round(3).tolist() for i, name in enumerate(COMMUNITIES)}


# ---------------------------------------------------------------- names and codes


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("玉林社区", "玉林社区居委会"),
        ("玉林社区", "玉林社区居民委员会"),
        ("玉林社区", "玉林居委会"),
        ("玉林社区", "玉林居民委员会"),
        ("石羊村", "石羊村委会"),
        ("石羊村", "石羊村民委员会"),
        ("玉林街道", "玉林街道办事处"),
        ("玉林街道", "玉林办事处"),
        ("大场镇", "大场乡"),
        ("第12社区", "第１２社区"),
        ("玉林社区", "玉林 社区"),
        ("玉林社区", "玉林社区（居委会）"),
        ("东光社区(东区)", "东光社区（东区）"),
        ("二〇八社区", "二零八社区"),
        ("金牛区", "金牛区 (Jinniu)"),
    ],
)
def test_ways_of_writing_one_unit_fold_alike(a, b):
    assert unit_key(a) == unit_key(b)


@pytest.mark.parametrize(
    ("a", "b"), [("石羊村", "石羊社区"), ("玉林街道", "玉林社区"), ("东光社区(东区)", "东光社区(西区)")]
)
def test_different_units_stay_apart(a, b):
    assert unit_key(a) != unit_key(b)


def test_statistical_codes_compare_as_twelve_digits():
    assert statistical_code("５１０１０７００１００１") == "510107001001"
    assert statistical_code(510107001001) == "510107001001"
    assert statistical_code("510107001") == "510107001000"  # a 街道's nine digits
    assert statistical_code("5101070010") is None and statistical_code("玉林") is None
    assert fold("  ") == ""


# ---------------------------------------------------------------- age groups


def test_age_headers_become_bands():
    headers = ["0-14岁", "15-59岁", "60岁及以上", "65周岁以上", "0～3岁", "3-6岁"]
    parsed = {h: parse_header(h) for h in headers}
    census = resolve_ends({h: parsed[h] for h in headers[:4]})
    assert [b.label() for b in census.values()] == ["[0, 15)", "[15, 60)", "[60, ∞)", "[65, ∞)"]
    planning = resolve_ends({h: parsed[h] for h in headers[4:]})
    assert [b.label() for b in planning.values()] == ["[0, 3)", "[3, 6)"]
    assert resolve_ends({"age_0_14": parse_header("age_0_14")})["age_0_14"] == Band(0, 15)
    assert parse_header("age_60_plus") == (60, None, "open")
    assert parse_header("60岁以上占比") is None and parse_header("常住人口") is None


def test_bands_are_made_a_partition_of_all_ages_from_the_total():
    only_old = partition({Band(60, None): 250.0}, 1000.0)
    assert only_old == {Band(0, 60): 750.0, Band(60, None): 250.0}
    nested = partition({Band(0, 15): 100.0, Band(15, 60): 600.0, Band(60, None): 300.0, Band(65, None): 180.0}, 1000.0)
    assert nested == {Band(0, 15): 100.0, Band(15, 60): 600.0, Band(60, 65): 120.0, Band(65, None): 180.0}
    children = partition({Band(0, 3): 30.0, Band(3, 6): 40.0, Band(60, None): 200.0}, 1000.0)
    assert children == {Band(0, 3): 30.0, Band(3, 6): 40.0, Band(6, 60): 730.0, Band(60, None): 200.0}
    assert sum(children.values()) == 1000.0


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({Band(0, 15): 100.0, Band(10, 20): 50.0}, "overlap"),
        ({Band(0, 15): 600.0, Band(60, None): 500.0}, "more than"),
        ({Band(60, None): 300.0, Band(65, None): 400.0}, "more than"),
        ({Band(15, 60): 600.0}, "cannot be split"),
    ],
)
def test_bands_that_make_no_partition_are_refused(values, words):
    with pytest.raises(BandError, match=words):
        partition(values, 1000.0)


# ---------------------------------------------------------------- the table


def test_totals_and_nameless_rows_are_set_apart():
    table = read_census_table(CensusTableSpec(DATA / "town_table.csv"))
    assert table.columns == {"name": "社区名称", "subdistrict": "街道", "population": "常住人口"}
    apart = table.rows[table.rows["excluded"].notna()]
    assert apart["line"].tolist() == [6, 11]  # 小计 and the 合计 row (its name in the 街道 column)
    assert len(table.joined) == 8


def test_a_sub_district_row_above_its_communities_is_a_subtotal():
    table = read_census_table(CensusTableSpec(DATA / "town_table_layout.csv"))
    apart = table.rows[table.rows["excluded"].notna()]
    assert apart["name"].tolist() == ["玉林街道", "芳草街道办事处"]
    assert "4 社区/村 rows (their sum 10,000, its own 10,000)" in apart["excluded"].iloc[0]
    # the 社区 rows below a 街道 row belong to it
    assert (
        table.joined["subdistrict"].tolist()[2] == "玉林街道"
        and table.joined["subdistrict"].tolist()[6] == "芳草街道办事处"
    )


def test_explicit_columns_and_their_mistakes():
    assert parse_columns("name=社区名称,population=常住人口") == {"name": "社区名称", "population": "常住人口"}
    with pytest.raises(InputDataError, match="ROLE=COLUMN"):
        parse_columns("people=常住人口")
    with pytest.raises(InputDataError, match="no column '人数'"):
        read_census_table(CensusTableSpec(DATA / "town_table.csv", {"population": "人数"}))


# ---------------------------------------------------------------- joined and shared


def test_every_variant_matches_and_totals_are_kept_exactly():
    blocks, report = count(DATA / "town_table.csv")
    assert by_community(blocks) == {
        "玉林社区": [3000.0, 1000.0],  # 玉林社区居委会 4000
        "第12社区": [1500.0, 500.0],  # 第１２社区（居委会） 2000: full-width digits and brackets
        "新街社区A": [2250.0, 750.0],  # 新街社区 of 玉林街道 3000, told apart by the 街道 column
        "二〇八社区": [750.0, 250.0],  # 二零八 社区 1000
        "芳华社区": [3750.0, 1250.0],  # 芳华社区 5000 against 芳华社区居民委员会
        "石羊村": [1125.0, 375.0],  # 石羊村民委员会 1500
        "新街社区B": [1875.0, 625.0],  # 新街社区 of 芳草街道办事处 2500
        "空港社区": [ESTIMATE, ESTIMATE],  # no row: the estimate stays
    }
    from_table = blocks["pop_source"].to_numpy(object) == "census"
    assert blocks["population"].to_numpy()[from_table].sum() == report["matched_residents"] == 19000.0
    assert report["table_residents"] == report["stated_total"] == 19800.0
    assert [m["area"] for m in report["matched"] if m["name"] == "新街社区"] == [
        "新街社区 (玉林街道)",
        "新街社区 (芳草街道)",
    ]
    assert [(u["name"], u["residents"], u["reason"]) for u in report["unmatched"]] == [
        ("不存在社区", 800.0, "no area of this name")
    ]
    assert [s["name"] for s in report["set_apart"]] == ["小计", "合计"]
    assert report["areas_without_row"] == [{"name": "空港社区", "blocks": 2, "estimated_residents": 14.0}]
    assert report["allocation"]["allocated"] == 19000.0


def test_a_name_two_sub_districts_share_is_ambiguous_without_a_sub_district_column():
    blocks, report = count(DATA / "town_table_no_street.csv")
    ambiguous = [u for u in report["unmatched"] if u["name"] == "新街社区"]
    assert [u["residents"] for u in ambiguous] == [3000.0, 2500.0]
    assert all(u["reason"].startswith("ambiguous: 2 areas") for u in ambiguous)
    assert by_community(blocks)["新街社区A"] == by_community(blocks)["新街社区B"] == [ESTIMATE, ESTIMATE]
    assert {a["name"] for a in report["areas_without_row"]} == {
        "新街社区 (玉林街道)",
        "新街社区 (芳草街道)",
        "空港社区",
    }
    assert blocks["population"][blocks["pop_source"] == "census"].sum() == 13500.0


def test_a_sub_district_row_above_tells_the_shared_name_apart_and_is_not_counted_twice():
    blocks, report = count(DATA / "town_table_layout.csv")
    assert by_community(blocks)["新街社区A"] == [2250.0, 750.0]
    assert by_community(blocks)["新街社区B"] == [1875.0, 625.0]
    assert blocks["population"][blocks["pop_source"] == "census"].sum() == 19000.0
    assert report["rows_set_apart"] == 2


def test_gb18030_utf16_csv_and_xlsx_read_like_utf8(tmp_path):
    utf8, _ = count(DATA / "town_table.csv")
    gb, report = count(DATA / "town_table_gb18030.csv")
    assert gb["population"].tolist() == utf8["population"].tolist()
    assert report["rows_matched"] == 7
    utf16 = tmp_path / "utf16.csv"
    utf16.write_text((DATA / "town_table.csv").read_text(encoding="utf-8"), encoding="utf-16")
    assert count(utf16)[0]["population"].tolist() == utf8["population"].tolist()
    with pytest.raises(InputDataError, match=r"census table .*missing\.csv does not exist"):
        count(tmp_path / "missing.csv")
    book, report = count(DATA / "town_table.xlsx")
    # codes (numbers in the sheet) for three rows, the name 石羊村委会 for the one without
    assert [m["by"] for m in report["matched"]] == ["code", "code", "code", "name"]
    assert by_community(book)["新街社区B"] == [1875.0, 625.0]
    assert report["age_bands"]["columns"] == {"0～14岁": "[0, 15)", "15-64岁": "[15, 65)", "65周岁以上": "[65, ∞)"}
    assert report["age_bands"]["ignored_columns"] == ["65岁及以上占比"]


def test_twelve_digit_codes_match_exactly():
    blocks, report = count(DATA / "town_codes.csv")
    assert [(m["code"], m["area"]) for m in report["matched"]] == [
        ("510107001001", "玉林社区"),
        ("510107001003", "新街社区 (玉林街道)"),
        ("510107002003", "新街社区 (芳草街道)"),  # written in full-width digits
    ]
    assert report["unmatched"][0]["reason"] == "no area has the code 510107009001"
    assert by_community(blocks)["新街社区B"] == [1875.0, 625.0]


def test_age_bands_are_shared_like_the_residents():
    blocks, report = count(DATA / "town_table.csv")
    assert report["age_bands"]["block_columns"] == [
        "age_band_0_15",
        "age_band_15_60",
        "age_band_60_65",
        "age_band_65_inf",
    ]
    bands = blocks[report["age_bands"]["block_columns"]].to_numpy(float)
    # 玉林社区 (4000: 0-14 400, 15-59 2600, 60+ 1000, 65+ 600): its first block takes ¾
    assert bands[0].tolist() == [300.0, 1950.0, 300.0, 450.0]
    # 新街社区 of 芳草街道 (2500: 250, 1500, 750, 400): ¼ to the small block
    assert bands[13].tolist() == [62.5, 375.0, 87.5, 100.0]
    given = ~np.isnan(bands).any(axis=1)
    np.testing.assert_allclose(bands[given].sum(axis=1), blocks["population"].to_numpy()[given])
    # 第12社区's row gives no age figures, 空港社区 has no row: no bands there
    assert np.isnan(bands[[2, 3, 14, 15]]).all()
    assert given.sum() == 12


def test_age_groups_holding_more_than_the_total_are_left_out_for_that_row_only(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text(
        "社区名称,常住人口,0-14岁,60岁及以上\n玉林社区,1000,300,800\n石羊村,1500,150,450\n", encoding="utf-8"
    )
    blocks, report = count(table)
    assert report["age_rows_left_out"] == [
        {"line": 2, "name": "玉林社区", "reason": "0–14岁 + 60岁及以上 = 1,100, more than the row's 1,000 residents"}
    ]
    assert by_community(blocks)["玉林社区"] == [750.0, 250.0]  # its residents still count
    bands = blocks[report["age_bands"]["block_columns"]].to_numpy(float)
    assert np.isnan(bands[0:2]).all()
    assert bands[10].tolist() == [112.5, 675.0, 337.5]  # 石羊村 gets ¾ of 150, 1500 − 150 − 450 and 450


def test_age_groups_that_overlap_refuse_the_table_naming_them_in_words(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("社区名称,常住人口,0-14岁,10-19岁\n玉林社区,1000,300,200\n", encoding="utf-8")
    overlap = r"line 2 \(玉林社区\): the age groups 0–14岁 and 10–19岁 overlap"
    with pytest.raises(InputDataError, match=overlap) as error:
        count(table)
    assert "[" not in str(error.value)


# ---------------------------------------------------------------- tables as a 街道 office sends them
# town_office.xlsx: a title and 单位：人 above a header of two rows (序号, 社区（村）名称, 常住人口（人）, then a
# merged 年龄构成 over 0—14岁, １５－５９岁, 60岁及以上, 其中：65岁及以上), a 合计 row, 玉林社区居委会 (4,000;
# its groups add up to 4,003), 第12社区居民委员会 (2,000; 2,100), a row holding only its 序号, the header
# repeated, 二〇八社区 (1,000), a blank row and two notes (注：…, 资料来源：…).
OFFICE = DATA / "town_office.xlsx"


def test_a_title_and_a_two_row_header_are_read_as_an_office_writes_them():
    table = read_census_table(CensusTableSpec(OFFICE))
    assert table.header == {
        "lines": [3, 4],
        "skipped": [{"line": 1, "text": "玉林街道第七次全国人口普查主要数据"}, {"line": 2, "text": "单位：人"}],
    }
    assert table.columns == {"name": "社区（村）名称", "population": "常住人口（人）"}
    assert {h: b.words() for h, b in table.bands.items()} == {
        "0—14岁": "0–14岁",
        "１５－５９岁": "15–59岁",
        "60岁及以上": "60岁及以上",
        "其中：65岁及以上": "65岁及以上",
    }
    assert table.unread_age_columns == []
    assert table.rows["line"].tolist() == [5, 6, 7, 10]
    assert table.rows["excluded"].notna().tolist() == [True, False, False, False]  # only 合计 is a total
    assert table.ignored_rows == [
        {"line": 8, "text": "3", "reason": "blank"},
        {"line": 9, "text": "序号", "reason": "the header repeated"},
        {"line": 11, "text": None, "reason": "blank"},  # a blank sheet row still counts: lines are the sheet's rows
        {"line": 12, "text": "注：本表数据来源于第七次全国人口普查，标准时点为2020年11月1日零时。", "reason": "a note"},
        {"line": 13, "text": "资料来源：玉林街道办事处", "reason": "a note"},
    ]


def test_a_slip_of_a_few_residents_is_scaled_and_a_larger_one_leaves_that_rows_ages_out():
    blocks, report = count(OFFICE)
    assert report["rows_matched"] == 3
    assert report["age_rows_adjusted"] == [
        {
            "line": 6,
            "name": "玉林社区居委会",
            "reason": "0–14岁 + 15–59岁 + 60岁及以上 = 4,003, more than the row's 4,000 residents",
        }
    ]
    # 2,100 against 2,000: 100 > max(1 % of 2,000, 5)
    assert [(e["line"], e["name"]) for e in report["age_rows_left_out"]] == [(7, "第12社区居民委员会")]
    assert report["set_apart"][0]["name"] == "合计" and len(report["set_apart"]) == 1
    reasons = ["blank", "the header repeated", "blank", "a note", "a note"]
    assert [r["reason"] for r in report["ignored_rows"]] == reasons
    assert by_community(blocks)["第12社区"] == [1500.0, 500.0]  # its residents count
    bands = blocks[report["age_bands"]["block_columns"]].to_numpy(float)
    scale = 4000 / 4003
    np.testing.assert_allclose(bands[0], np.array([400, 2600, 403, 600]) * scale * 0.75)
    assert bands[0].sum() == pytest.approx(3000.0)
    assert np.isnan(bands[2:4]).all()


def test_a_table_without_any_known_header_says_so_without_unnamed_columns(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("玉林街道人口,,\n单位：人,,\n地方,人,岁数\n玉林社区,4000,\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"first 15 rows.*玉林街道人口, column 2, column 3") as error:
        read_census_table(CensusTableSpec(table))
    assert "Unnamed" not in str(error.value)


def test_headers_that_look_like_age_groups_but_are_not_read_are_listed(tmp_path, capsys):
    from circle.cli._analyze_result import _print_census_table

    table = tmp_path / "t.csv"
    table.write_text("社区名称,常住人口,年龄构成,老年人口,60岁以上占比\n玉林社区,4000,,900,0.2\n", encoding="utf-8")
    _, report = count(table)
    assert report["age_columns_not_read"] == ["年龄构成", "老年人口"]
    assert "age_bands" not in report
    _print_census_table(report)
    assert "age columns not read: 年龄构成, 老年人口" in capsys.readouterr().err


@pytest.mark.parametrize(
    "header, band",
    [
        ("其中：65岁及以上", (65, None, "open")),
        ("其中:65岁及以上", (65, None, "open")),
        ("内:65岁及以上", (65, None, "open")),
        ("含65岁及以上", (65, None, "open")),
        ("0—14岁", (0, 14, "range")),
        ("０－１４岁", (0, 14, "range")),
        ("15～59岁", (15, 59, "range")),
        ("15―59岁", (15, 59, "range")),
    ],
)
def test_age_headers_as_offices_write_them(header, band):
    assert parse_header(header) == band


def test_the_cli_says_where_the_header_was_and_which_rows_were_ignored(capsys):
    from circle.cli._analyze_result import _print_census_table

    _, report = count(OFFICE)
    _print_census_table(report)
    printed = capsys.readouterr().out
    title = "玉林街道第七次全国人口普查主要数据 / 单位：人"
    assert f"Read its header on lines 3–4; lines 1–2 (a title: {title}) skipped." in printed
    assert "1 rows set apart as totals, not counted twice: 合计." in printed
    ignored = "line 8 (blank)、line 9 (the header repeated)、line 11 (blank)、line 12 (a note)、line 13 (a note)"
    assert f"5 rows ignored, no part of the table: {ignored}." in printed
    scaled = "were scaled to it: 玉林社区居委会 (0–14岁 + 15–59岁 + 60岁及以上 = 4,003, more than"
    assert f"1 rows' age groups miss their total by a few residents and {scaled}" in printed
    assert "1 rows' age groups do not add up to their total and are left out" in printed


def test_areas_cut_by_the_study_are_not_listed_when_the_boundary_file_is_in_the_wrong_system(capsys):
    from circle.cli._analyze_result import _print_census_table

    imports: dict = {}
    sources = CountedSources(census_table=CensusTableSpec(DATA / "town_table.csv"), admin_file=ADMIN)
    counted = count_residents(town_blocks(), sources, china(), UTM, imports)
    census_table_in_study(counted.iloc[1:].reset_index(drop=True), imports["census_table"])
    report = imports["census_table"]
    _print_census_table(report)
    assert "1 areas lie partly outside the study (玉林社区居委会)" in capsys.readouterr().out
    report["offset_check"] = {"suggested": "gcj02", "declared": "wgs84", "message": "…"}
    _print_census_table(report)
    printed = capsys.readouterr().out
    assert "partly outside" not in printed
    assert "seems read in the wrong coordinate system" in printed


def test_blocks_are_named_after_the_boundary_files_areas_where_osm_maps_none():
    from circle.prepare.admin_units import admin_units

    blocks, _ = count(DATA / "town_table.csv")
    assert blocks["community"].iloc[0] == "玉林社区" and blocks["subdistrict"].iloc[0] == "玉林街道"
    assert blocks["community"].iloc[10] == "石羊村"
    subdistrict, community = admin_units(blocks, gpd.GeoDataFrame(geometry=[], crs=UTM))
    assert community.tolist() == blocks["community"].tolist()
    assert subdistrict[15] == "芳草街道"


def test_a_gbk_shapefile_without_its_cpg_is_read_as_gbk(tmp_path, capsys):
    from circle.cli._analyze_result import _print_census_table

    shapefile = tmp_path / "社区界线.shp"
    gpd.read_file(ADMIN).to_file(shapefile, encoding="gbk")
    shapefile.with_suffix(".cpg").unlink()
    assert gpd.read_file(shapefile).iloc[:, 0].str.contains("[\u00c0-\u00ff]").any()  # what GDAL reads by itself
    _, report = count(DATA / "town_table.csv", admin=shapefile)
    assert report["rows_matched"] == 7  # as from the GeoJSON
    assert "read as GBK" in report["boundary_encoding"]
    report["boundary_file"] = shapefile.name
    _print_census_table(report)
    assert "Boundary file 社区界线.shp: its text read as GBK" in capsys.readouterr().out


def test_a_sub_district_row_gives_the_rest_of_its_residents_to_the_rest_of_it(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("名称,人口\n玉林社区,4000\n玉林街道办事处,10000\n芳草街道,9800\n", encoding="utf-8")
    blocks, report = count(table)
    shares = by_community(blocks)
    assert shares["玉林社区"] == [3000.0, 1000.0]
    # the other 6000 of 玉林街道 over its other three 社区 (12000 m² of floor)
    assert shares["第12社区"] == shares["新街社区A"] == shares["二〇八社区"] == [1500.0, 500.0]
    # 芳草街道's 9800 over all its blocks (16000 m²), 空港社区 included
    assert shares["空港社区"] == [1837.5, 612.5]
    assert blocks["population"].sum() == 19800.0
    assert report["areas_without_row"] == []
    table.write_text("名称,人口\n玉林社区,12000\n玉林街道,10000\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"line 3 .*10,000 residents, fewer than the 12,000"):
        count(table)


def test_two_rows_naming_one_area_are_neither_used(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("社区名称,常住人口\n玉林社区,4000\n玉林居委会,3000\n石羊村,1500\n", encoding="utf-8")
    blocks, report = count(table)
    assert [u["reason"] for u in report["unmatched"]] == ["lines 2, 3 all name one area: none is used"] * 2
    assert by_community(blocks)["玉林社区"] == [ESTIMATE, ESTIMATE]


def test_a_table_that_matches_nothing_shows_names_from_both_sides(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("社区名称,常住人口\n红星社区,4000\n光明村,1500\n", encoding="utf-8")
    with pytest.raises(InputDataError) as error:
        count(table)
    message = str(error.value)
    assert "红星社区" in message and "光明村" in message and "玉林街道" in message and "玉林社区" in message
    assert error.value.about == ("census_table", "admin_file")


def test_without_boundaries_the_table_is_refused_with_advice():
    imports: dict = {}
    sources = CountedSources(census_table=CensusTableSpec(DATA / "town_table.csv"))
    with pytest.raises(InputDataError, match=r"holds no 街道/社区 boundary here\. Give a boundary file"):
        count_residents(town_blocks(), sources, china(), UTM, imports)


def test_census_polygons_and_a_census_table_are_not_both_taken():
    sources = CountedSources(census=ADMIN, census_table=CensusTableSpec(DATA / "town_table.csv"), admin_file=ADMIN)
    with pytest.raises(InputDataError, match="give one of them"):
        count_residents(town_blocks(), sources, china(), UTM, {})


def test_an_area_partly_in_the_study_keeps_only_its_blocks_share():
    imports: dict = {}
    sources = CountedSources(census_table=CensusTableSpec(DATA / "town_table.csv"), admin_file=ADMIN)
    counted = count_residents(town_blocks(), sources, china(), UTM, imports)
    study = counted.iloc[1:].reset_index(drop=True)  # the study area leaves out the large block of 玉林社区
    kept = census_table_in_study(study, imports["census_table"])
    assert not [c for c in kept.columns if c.startswith("_census")]
    report = imports["census_table"]
    assert report["areas_partly_in_study"] == [
        {"name": "玉林社区居委会", "residents": 4000.0, "in_study": 1000.0, "to_blocks": 4000.0}
    ]
    assert report["areas_outside_study"] == []
    assert report["residents_in_study"] == 16000.0
    assert "the study keeps the shares of its own blocks" in report["partly_covered_rule"]


# ---------------------------------------------------------------- through the study and the CLI


def test_the_study_joins_a_table_to_openstreetmaps_boundaries(tmp_path, capsys):
    from circle.cli import main
    from tests.test_admin_units import town_with_sub_districts

    source = town_with_sub_districts(tmp_path / "t.osm")
    table = tmp_path / "普查.csv"
    table.write_text(
        "街道,社区名称,常住人口,60岁及以上\n玉林街道办事处,玉林社区居民委员会,1200,300\n"
        "芳草街道办事处,芳草街道办事处,900,\n玉林街道,不存在社区,50,\n合计,,2150,\n",
        encoding="gb18030",
    )
    out = tmp_path / "study"
    assert main(["analyze", str(source), "--out", str(out), "--census-table", str(table), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "Census table 普查.csv: 2 of 4 rows joined to 5 areas of OpenStreetMap (admin_level 8, 9, 10)" in printed
    assert "1 rows (50 residents) match no area: 不存在社区; see summary.json" in printed
    assert "rows set apart as totals, not counted twice: 合计" in printed
    blocks = gpd.read_parquet(out / "blocks.parquet")
    assert blocks["population"].sum() == pytest.approx(2100.0, abs=1e-6)
    east = blocks["subdistrict"] == "芳草街道"
    assert blocks["population"][east].sum() == pytest.approx(900.0)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    report = summary["imports"]["census_table"]
    assert report["matched_residents"] == 2100.0 and report["residents_in_study"] == pytest.approx(2100.0)
    assert [u["name"] for u in report["unmatched"]] == ["不存在社区"]


def test_a_bad_census_table_column_names_the_flag(tmp_path, capsys):
    from circle.cli import main
    from tests.test_admin_units import town_with_sub_districts

    source = town_with_sub_districts(tmp_path / "t.osm")
    args = ["analyze", str(source), "--out", str(tmp_path / "s"), "--census-table", str(DATA / "town_table.csv")]
    assert main([*args, "--census-table-columns", "population=人数", "--quiet"]) == 2
    assert "--census-table-columns" in capsys.readouterr().err


# ---------------------------------------------------------------- a real extract


def test_a_table_of_chengdus_own_community_names_joins_a_real_study(tmp_path):
    """Central Chengdu (2018) maps no 街道/社区 boundary; twelve residential areas carry 社区 names.

    Their outlines become the boundary file and a table names them the ways
    a census table does; a study of a small box around three of them shares
    each row among the blocks inside.
    """
    from circle.pipeline import AnalysisOptions, analyze
    from circle.sources.osm import read_osm

    extract = shared_extract("chengdu_central_2018.osm")
    osm = read_osm(extract, load_preset("gb50180_2018"))
    assert osm.admin_areas.empty  # what the extract holds: no level 8/9/10 boundary
    named = osm.residential[osm.residential["name"].fillna("").str.endswith("社区")]
    assert len(named) == 12
    admin = tmp_path / "communities.geojson"
    named[["name", "geometry"]].rename(columns={"name": "社区名称"}).to_file(admin, driver="GeoJSON")
    table = tmp_path / "七普.csv"
    table.write_text(
        "社区名称,常住人口,60岁及以上\n培华社区居委会,3000,600\n菽香里 社区居民委员会,2000,500\n"
        "新兴社区（居委会）,4000,900\n东沙路社区,1500,300\n红旗社区,800,100\n合计,11300,\n",
        encoding="gb18030",
    )
    result = analyze(
        AnalysisOptions(
            source=extract,
            out=tmp_path / "study",
            bbox="104.092,30.664,104.103,30.676",
            census_table=table,
            admin_file=admin,
            admin_name_column="社区名称",
        )
    )
    report = result.summary.imports.census_table
    assert [m["area"] for m in report["matched"]] == ["培华社区", "菽香里社区", "新兴社区", "东沙路社区"]
    assert [u["name"] for u in report["unmatched"]] == ["红旗社区"]
    in_study = {m["area"]: m["residents_in_study"] for m in report["matched"]}
    # the three in the box keep their totals whole; 东沙路社区 lies 4 km north: its residents go to its own
    # blocks, outside the study, and the report says so
    assert in_study["培华社区"] == pytest.approx(3000.0, abs=0.5)
    assert in_study["菽香里社区"] == pytest.approx(2000.0, abs=0.5)
    assert in_study["新兴社区"] == pytest.approx(4000.0, abs=0.5)
    assert in_study["东沙路社区"] == 0.0
    assert report["areas_partly_in_study"] == []
    assert [p["name"] for p in report["areas_outside_study"]] == ["东沙路社区"]
    assert report["allocation"]["allocated"] == pytest.approx(10500.0)
    frame = gpd.read_parquet(result.path / "blocks.parquet")
    assert frame["population"][frame["pop_source"] == "census"].sum() == pytest.approx(9000.0, abs=0.5)
    # the extract maps no 社区: the blocks are placed in the boundary file's, by their inner point
    from_table = frame[frame["pop_source"] == "census"]
    assert set(from_table["community"]) == {"培华社区", "菽香里社区", "新兴社区"}
    assert frame["subdistrict"].isna().all()  # the file holds no 街道


@pytest.mark.parametrize(
    "name",
    [
        "circle.sources.chinese_names",
        "circle.sources.age_bands",
        "circle.sources.census_table",
        "circle.sources.vector",
        "circle.study.census_join",
    ],
)
def test_the_examples_in_the_docstrings_hold(name):
    """``circle.sources`` is a namespace package, which tests/test_doctests.py does not walk into."""
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------- circle batch


def test_a_batch_study_takes_a_census_table_and_a_tiled_one_needs_a_boundary_file(tmp_path):
    import yaml

    from circle.pipeline.batch_plan import read_batch_file

    config = tmp_path / "batch.yaml"
    studies = [
        {"name": "one", "source": "x.osm", "census_table": "普查.csv", "census_table_columns": "name=社区名称"},
        {"name": "tiled", "source": "x.osm", "bbox": "104,30,104.1,30.1", "tiles": {"columns": 2, "rows": 1}},
    ]
    studies[1].update(census_table="普查.csv", admin="areas.geojson", admin_name_column="名称")
    config.write_text(yaml.safe_dump({"studies": studies}, allow_unicode=True), encoding="utf-8")
    plan = read_batch_file(config, tmp_path / "out")
    assert plan.tasks[0].options["census_table"] == str(tmp_path / "普查.csv")
    assert plan.tasks[0].options["admin_file"] is None
    counted = plan.tiled[0].counted
    assert counted.census_table.path == tmp_path / "普查.csv" and counted.admin_file == str(tmp_path / "areas.geojson")
    tile = plan.tiled[0].tile_task(plan.tiled[0].tiles()[0])
    assert tile.options["census_table"] is None  # counted once, at the merge
    del studies[1]["admin"]
    config.write_text(yaml.safe_dump({"studies": studies}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputDataError, match=r"studies\[1\]\.census_table: a tiled study joins a census table to a"):
        read_batch_file(config, tmp_path / "out")


def test_a_merged_city_is_counted_from_the_table_once(tmp_path):
    from circle.prepare.population.counts import recount_merged
    from circle.study.columns import POPULATION_HIGH, POPULATION_LOW

    blocks = town_blocks().assign(**{POPULATION_LOW: ESTIMATE, POPULATION_HIGH: ESTIMATE}, parent_id="p")
    blocks = blocks.to_crs("EPSG:4326")
    sources = CountedSources(census_table=CensusTableSpec(DATA / "town_table.csv"), admin_file=ADMIN)
    merged, imports, _ = recount_merged(blocks, sources, china(), UTM)
    assert merged.crs == blocks.crs and not [c for c in merged.columns if c.startswith("_census")]
    assert merged["population"][merged["pop_source"] == "census"].sum() == pytest.approx(19000.0)
    assert imports["census_table"]["residents_in_study"] == pytest.approx(19000.0)
    # the table's age bands split the merged blocks into the preset's groups, and are not kept themselves
    assert not [c for c in merged.columns if c.startswith("age_band_")]
    assert merged["pop_age_source"].iloc[0] == "census"
    assert merged["pop_age_60_plus"].iloc[0] > 450.0  # its 65+ band (450) and a part of its 60-64 band


def test_openstreetmaps_statistical_code_tags_join_by_code(tmp_path):
    """Units tagged ``ref:admin:CN:nbs`` (else ``ref:admin:CN``) are joined by code, whatever their names."""
    from circle.pipeline import AnalysisOptions, analyze
    from tests.osm_builder import OsmBuilder
    from tests.test_admin_units import _ring_of_ways

    town = OsmBuilder()
    town.way([town.node(100.0 * i - 100, -20.0) for i in range(12)], highway="residential")
    town.node(950, -19.5, amenity="clinic")
    for corners, name, tags in (
        ([(-100, -200), (500, -200), (500, 500), (-100, 500)], "西社区", {"ref__admin__CN__nbs": "510107001001"}),
        ([(500, -200), (1100, -200), (1100, 500), (500, 500)], "东社区", {"ref__admin__CN": "510107001002"}),
    ):
        town.relation(
            _ring_of_ways(town, corners),
            type="boundary",
            boundary="administrative",
            admin_level="10",
            name=name,
            **tags,
        )
    town.polygon([(0, 10), (80, 10), (80, 90), (0, 90)], landuse="residential")
    town.polygon([(660, 10), (740, 10), (740, 90), (660, 90)], landuse="residential")
    table = tmp_path / "codes.csv"
    table.write_text("代码,常住人口\n510107001001,800\n510107001002,1300\n", encoding="utf-8")
    result = analyze(AnalysisOptions(source=town.write(tmp_path / "t.osm"), out=tmp_path / "s", census_table=table))
    report = result.summary.imports.census_table
    assert [(m["area"], m["by"]) for m in report["matched"]] == [("西社区", "code"), ("东社区", "code")]
    blocks = gpd.read_parquet(result.path / "blocks.parquet").sort_values("community")
    assert blocks["community"].tolist() == ["东社区", "西社区"]
    assert blocks["population"].tolist() == pytest.approx([1300.0, 800.0])


# ---------------------------------------------------------------- more ways tables and boundary files are written


def test_a_sub_district_code_over_its_community_codes_is_a_subtotal(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text(
        "代码,人口\n510107001000,7000\n510107001001,4000\n510107001003,3000\n510107002001,5000\n", encoding="utf-8"
    )
    read = read_census_table(CensusTableSpec(table))
    assert read.rows["excluded"].notna().tolist() == [True, False, False, False]
    blocks, report = count(table)
    assert report["matched_residents"] == 12000.0 and by_community(blocks)["芳华社区"] == [3750.0, 1250.0]


def test_names_whose_suffix_is_part_of_the_name_still_match():
    import pandas as pd

    from circle.prepare.population._table_join import match_rows

    areas = gpd.GeoDataFrame(
        {
            "name": pd.Series(["曹杨新村社区", "大场镇", "玉林"], dtype=object),
            "alt_name": pd.Series([None, None, None], dtype=object),
            "code": pd.Series([None, None, None], dtype=object),
            "upper": pd.Series([False, True, None], dtype=object),
        },
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(2, 0, 3, 1), shapely.box(4, 0, 5, 1)],
        crs=UTM,
    )
    rows = pd.DataFrame(
        {
            "line": [2, 3, 4, 5, 6],
            "name": ["曹杨新村", "大场乡人民政府", "玉林社区居委会", "大场社区", "曹杨新村街道"],
            "code": pd.Series([None] * 5, dtype=object),
            "subdistrict": [""] * 5,
        }
    )
    matches = match_rows(rows, areas)
    # a 社区 row never takes the 镇 of the same stem, nor a 街道 row the 社区
    assert matches.area.tolist() == [0, 1, 2, -1, -1]


def test_a_boundary_files_levels_come_from_its_level_column_codes_or_names(tmp_path):
    from circle.sources.admin_file import read_admin_file

    frame = gpd.GeoDataFrame(
        {
            "XZQMC": ["玉林街道", "玉林社区", "甲", "乙", "丙"],
            "XZQDM": [None, None, "510107001000", "510107001001", None],
            "级别": [None, None, None, None, "社区"],
        },
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(5)],
        crs=UTM,
    )
    path = tmp_path / "areas.gpkg"
    frame.to_file(path)
    areas = read_admin_file(path, None, None, UTM)
    assert areas["upper"].tolist() == [True, False, True, False, False]
    assert areas["code"].tolist() == [None, None, "510107001000", "510107001001", None]
    frame[["geometry"]].assign(人口=1).to_file(path)
    with pytest.raises(InputDataError, match="has no column of names or codes") as error:
        read_admin_file(path, None, None, UTM)
    assert error.value.about == ("admin_name_column", "admin_code_column")


def test_the_app_says_where_the_header_was_and_which_rows_were_ignored_in_chinese():
    from circle.ui.census_join import census_table_lines

    _, report = count(OFFICE)
    lines = census_table_lines(report, "zh")
    assert "表头在第 3–4 行；上方第 1–2 行是标题（玉林街道第七次全国人口普查主要数据 / 单位：人），已跳过。" in lines
    ignored = "第 8 行（空行）、第 9 行（重复表头）、第 11 行（空行）、第 12 行（注释）、第 13 行（注释）。"
    assert any(line.endswith(ignored) for line in lines)
    scaled = "1 行的年龄组合计与总人口相差很小，已按总人口等比调整：玉林社区居委会"
    assert any(line.startswith(scaled) for line in lines)


def test_a_community_name_two_sub_districts_share_is_given_plain_beside_its_sub_district():
    blocks, _ = count(DATA / "town_table.csv")
    assert blocks[["subdistrict", "community"]].iloc[[4, 12]].to_numpy().tolist() == [
        ["玉林街道", "新街社区"],
        ["芳草街道", "新街社区"],
    ]


def test_a_provinces_table_of_22000_rows_sets_its_towns_apart_without_a_pass_per_town(tmp_path):
    """2,000 乡镇 rows over 20,000 村 rows (by code): each 乡镇 row is a subtotal of its ten 村 rows. Row by row
    this took minutes (300 × 3,000 took 33 s); indexed once it is about a second."""
    rows = ["社区名称,代码,常住人口"]
    for i in range(2000):
        prefix = f"{510000000 + i * 1000:09d}"
        rows.append(f"镇{i}镇,{prefix}000,1000")
        rows += [f"村{i}x{j}村,{prefix}{j + 1:03d},100" for j in range(10)]
    path = tmp_path / "省.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    table = read_census_table(CensusTableSpec(path))
    apart = table.rows["excluded"].dropna()
    assert len(apart) == 2000 and apart.str.startswith("a 街道/乡镇 row above its 10 社区/村 rows").all()
    assert table.joined["population"].sum() == pytest.approx(2_000_000)


def test_a_row_of_more_residents_than_any_county_is_refused(tmp_path):
    """1e308 residents were taken, and the study said "inf residents"."""
    path = tmp_path / "表.csv"
    path.write_text("社区名称,常住人口\n甲社区,1e308\n乙社区,1200\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"line 2 \(甲社区\) are not a number of 0 to 10,000,000"):
        read_census_table(CensusTableSpec(path))


def test_a_code_of_the_wrong_length_is_named_not_called_missing(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("代码,常住人口\n51010402000,100\n510104020003,200\n", encoding="utf-8")
    table = read_census_table(CensusTableSpec(path))
    reasons = table.rows["excluded"].tolist()
    assert reasons[0] == "a code '51010402000' that is no 12-digit statistical code (统计用区划代码), and no name"
    assert reasons[1] is None


def test_an_age_column_of_one_year_counts_it_and_one_running_backwards_is_refused(tmp_path):
    """0-0岁 (infants under one) had become an empty band and its residents were lost unsaid; 60-14岁 holds no age."""
    path = tmp_path / "ages.csv"
    path.write_text("社区名称,常住人口,0-0岁,1-14岁,15-59岁,60岁及以上\n甲社区,1000,10,90,700,200\n", encoding="utf-8")
    table = read_census_table(CensusTableSpec(path))
    assert [band.label() for band in table.bands.values()] == ["[0, 1)", "[1, 15)", "[15, 60)", "[60, ∞)"]
    backwards = tmp_path / "backwards.csv"
    backwards.write_text("社区名称,常住人口,60-14岁\n甲社区,1000,10\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"'60-14岁' holds no age \(it runs backwards or below 0\)"):
        read_census_table(CensusTableSpec(backwards))
