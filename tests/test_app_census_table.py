"""The study builder takes a census table by community and the boundary file it is joined to (issue 30).

The uploads are the README's bureau example (``data/examples/bureau/``: 13
社区 rows and a 合计 row, 红旗社区 matching no outline, outlines traced on AMap
in GCJ-02) on the embedded central-Chengdu extract; what the join gave is
shown in the page's language, and a boundary file declared in the wrong
system is warned about.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.deployment import use_deployment, write_deployment

ROOT = Path(__file__).resolve().parents[1]
BUREAU = ROOT / "data" / "examples" / "bureau"
TABLE = BUREAU / "七普社区表_示例.csv"
BOUNDARIES = BUREAU / "社区边界_高德.geojson"
EXTRACT = ROOT / "circle" / "data" / "chengdu_central_2018.osm.pbf"


def _builder(lang: str) -> None:
    """The study builder in ``lang``, for planner wang (an AppTest script: its imports are its own)."""
    from circle.deploy.config import load_deployment
    from circle.ui.access import User
    from circle.ui.widgets import study_builder

    study_builder(lang, load_deployment(), User("wang", "planner", "local"))


def _app(lang: str, timeout: int = 60) -> AppTest:
    at = AppTest.from_function(_builder, args=(lang,), default_timeout=timeout)
    at.run()
    return at


@pytest.fixture
def studies(tmp_path, monkeypatch):
    folder = tmp_path / "studies"
    use_deployment(monkeypatch, write_deployment(tmp_path, folder))
    return folder


def _upload(at, key: str, path: Path):
    (widget,) = [w for w in at.get("file_uploader") if w.key == key]
    widget.set_value((path.name, path.read_bytes(), "application/octet-stream"))


def _build(lang: str, name: str, admin_system: str, **uploads: Path):
    """Upload the embedded extract and ``uploads`` (widget key → file), then build the study ``name``."""
    at = _app(lang, timeout=240)
    _upload(at, "upload_osm", EXTRACT)
    for key, path in uploads.items():
        _upload(at, key, path)
    at.radio(key="build_admin_crs").set_value(admin_system)
    at.text_input(key="new_study_name").input(name)
    at.button(key="build_study").click().run()
    assert not at.exception, at.exception
    return at


def _events(studies: Path) -> list[dict]:
    from circle.deploy.audit import read_log

    return list(read_log(studies))


def test_a_census_table_and_its_amap_boundaries_build_a_study_and_say_what_joined(studies):
    at = _build("zh", "bureau", "gcj02", upload_census_table=TABLE, upload_admin=BOUNDARIES)
    assert not at.error, [e.value for e in at.error]
    assert not at.warning, [w.value for w in at.warning]  # declared gcj02, as traced: no offset warning
    (said,) = [i.value for i in at.info if "社区人口表" in i.value]
    assert said.startswith("社区人口表 七普社区表\\_示例\\.csv：")  # as the planner named the upload
    assert "14 行中 12 行对上 12 个社区/街道（边界文件 社区边界\\_高德\\.geojson）" in said
    assert "对上的 22,800 人（全表 23,700 人）按居住建筑面积分到各街坊，研究区内 22,800 人。" in said
    assert "1 行是合计行，单独列出、不重复计数：合计。" in said
    assert "1 行（900 人）没有对上任何社区，未计入：红旗社区。" in said
    assert "12 个对上行的年龄列（0\\-14岁、60岁及以上）" in said
    blocks = pd.read_parquet(studies / "bureau" / "blocks.parquet", columns=["pop_source", "population"])
    census = blocks[blocks["pop_source"] == "census"]
    assert len(census) == 12 and census["population"].sum() == pytest.approx(22_800)
    summary = json.loads((studies / "bureau" / "summary.json").read_text(encoding="utf-8"))
    assert summary["imports"]["census_table"]["declared_crs"] == "gcj02"
    (event,) = _events(studies)
    assert (event["action"], event["outcome"]) == ("build_study", "done")
    sizes = EXTRACT.stat().st_size + TABLE.stat().st_size + BOUNDARIES.stat().st_size
    assert event["uploaded_bytes"] == sizes  # both uploads count against the planner's quota


def test_boundaries_traced_on_amap_but_declared_wgs84_are_warned_about_in_english(studies):
    at = _build("en", "bureau-wgs84", "wgs84", upload_census_table=TABLE, upload_admin=BOUNDARIES)
    assert not at.error, [e.value for e in at.error]
    (warning,) = [w.value for w in at.warning]
    assert warning.startswith("The boundaries' coordinate system may be wrong: read as WGS-84, they lie a median 28 m")
    assert "read as GCJ-02, 0 m. Choose GCJ-02 under “Coordinates of the boundaries” and build again." in warning
    (said,) = [i.value for i in at.info if "Census table" in i.value]
    assert "12 of 14 rows joined" in said and "Rows matching no area, not counted (1, 900 residents): 红旗社区." in said


def test_census_polygons_and_a_census_table_together_are_refused_before_the_build(studies, tmp_path):
    polygons = tmp_path / "census.geojson"
    polygons.write_text(BOUNDARIES.read_text(encoding="utf-8"), encoding="utf-8")
    at = _app("zh")
    _upload(at, "upload_osm", EXTRACT)
    _upload(at, "upload_census", polygons)
    _upload(at, "upload_census_table", TABLE)
    at.button(key="build_study").click().run()
    assert not at.exception, at.exception
    (error,) = [e.value for e in at.error]
    assert "普查面和社区人口表都给出人口，只能用其中一个：请去掉其一后再建立。" in error
    assert not (studies / "新研究区").exists()  # the default name in Chinese
    (event,) = _events(studies)
    assert (event["action"], event["outcome"]) == ("upload_refused", "refused")
    assert event["files"] == [EXTRACT.name, "census.geojson", TABLE.name]


def test_a_boundary_file_without_a_census_table_is_refused(studies):
    at = _app("en")
    _upload(at, "upload_osm", EXTRACT)
    _upload(at, "upload_admin", BOUNDARIES)
    at.button(key="build_study").click().run()
    (error,) = [e.value for e in at.error]
    assert "A boundary file is what a census table is joined to: upload the census table too" in error
    assert [e["action"] for e in _events(studies)] == ["upload_refused"]


def test_the_census_table_and_boundary_file_count_against_the_upload_quota(tmp_path, monkeypatch):
    from circle.deploy.audit import record
    from circle.deploy.config import load_deployment
    from circle.deploy.db import database_of

    studies = tmp_path / "studies"
    config = write_deployment(tmp_path, studies, upload_quota_mb=1)
    use_deployment(monkeypatch, config)
    # earlier today: so much that the extract and the table still fit in 1 MB, and the boundary file does not
    earlier = 1_000_000 - EXTRACT.stat().st_size - TABLE.stat().st_size - 1_000
    assert BOUNDARIES.stat().st_size > 1_000
    database = database_of(load_deployment(config))
    record(studies, "wang", "planner", "build_study", "earlier", database=database, uploaded_bytes=earlier)
    at = _app("en")
    _upload(at, "upload_osm", EXTRACT)
    _upload(at, "upload_census_table", TABLE)
    _upload(at, "upload_admin", BOUNDARIES)
    at.button(key="build_study").click().run()
    (error,) = [e.value for e in at.error]
    assert "the limit is 1 MB" in error
    refused = _events(studies)[-1]
    assert (refused["action"], refused["uploaded_bytes"]) == (
        "upload_refused",
        sum(f.stat().st_size for f in (EXTRACT, TABLE, BOUNDARIES)),
    )


REPORT = {
    "file": "普查.csv",
    "boundary_file": None,
    "areas": {"source": "OpenStreetMap (admin_level 8, 9, 10)", "count": 5},
    "rows": 9,
    "rows_matched": 2,
    "table_residents": 3000.0,
    "matched_residents": 1500.0,
    "unmatched_residents": 1200.0,
    "stated_total": 3100.0,
    "residents_in_study": 1400.0,
    "set_apart": [{"line": 10, "name": "合计"}],
    "unmatched": [{"line": i, "name": f"第{i}社区"} for i in range(2, 8)],
    "allocation": {"polygons_without_blocks": 1, "population_without_blocks": 100.0},
    "areas_without_row": [{"name": "<b>玉林</b>"}],
    "areas_partly_in_study": [{"code": "510107001001"}],
}


def test_the_join_is_said_fact_by_fact_in_both_languages_with_names_as_plain_text():
    from circle.ui.census_join import admin_offset_warning, census_table_lines

    zh = census_table_lines(REPORT, "zh")
    assert zh == [
        "社区人口表 普查\\.csv：9 行中 2 行对上 5 个社区/街道（OpenStreetMap 行政边界）。",
        "对上的 1,500 人（全表 3,000 人）按居住建筑面积分到各街坊，研究区内 1,400 人。",
        "表中合计行为 3,100 人，各行相加为 3,000 人。",
        "1 行是合计行，单独列出、不重复计数：合计。",
        "6 行（1,200 人）没有对上任何社区，未计入：第2社区、第3社区、第4社区、第5社区、第6社区等 6 个。",
        "1 个对上的社区（100 人）内没有地图上的居住街坊，这些人口未计入研究区。",
        "1 个有街坊的社区在表中没有行，沿用估算人口：&lt;b&gt;玉林&lt;/b&gt;。",
        "1 个社区部分在研究区外（510107001001）：研究区只计其街坊分得的人口。",
        "全部行和社区见汇总（summary.json）的 imports.census_table。",
    ]
    en = census_table_lines(REPORT, "en")
    unmatched = "Rows matching no area, not counted (6, 1,200 residents): "
    assert en[4] == unmatched + "第2社区、第3社区、第4社区、第5社区、第6社区 and 1 more."
    assert en[0] == "Census table 普查\\.csv: 2 of 9 rows joined to 5 areas of OpenStreetMap's boundaries."
    assert admin_offset_warning(REPORT, "zh") is None
    offset = {"declared": "bd09", "suggested": "gcj02", "median_m": {"wgs84": 280.4, "gcj02": 3.2, "bd09": 512.0}}
    warning = admin_offset_warning({**REPORT, "offset_check": offset}, "zh")
    assert warning == (
        "社区边界的坐标系可能选错了：按 BD-09 读取，边界离 OpenStreetMap 街道和边界的距离中位数为 512 米，"
        "按 GCJ-02 读取则为 3 米。请在“边界坐标系”中选 GCJ-02 后重新建立。"
    )


def test_the_cli_and_the_app_take_the_same_facts():
    from circle.study.census_join import census_table_facts

    facts = census_table_facts(REPORT)
    assert (facts.rows_matched, facts.rows, facts.stated_total, facts.residents_in_study) == (2, 9, 3100.0, 1400.0)
    assert (
        facts.unmatched.first == ["第2社区", "第3社区", "第4社区", "第5社区", "第6社区"] and facts.unmatched.more == 1
    )
    assert facts.areas_partly_in_study.first == ["510107001001"] and facts.age_columns == []
    assert census_table_facts({**REPORT, "stated_total": 3000.2}).stated_total is None  # said only when it differs


def test_a_census_table_with_unrecognised_columns_says_where_to_name_them(studies, tmp_path):
    table = tmp_path / "人口.csv"
    text = TABLE.read_text(encoding="utf-8-sig").replace("社区名称,常住人口", "单位,数目", 1)
    table.write_text(text, encoding="utf-8")
    at = _build("en", "named", "gcj02", upload_census_table=table, upload_admin=BOUNDARIES)
    (error,) = [e.value for e in at.error]
    assert "census table 人口\\.csv has no column of community names or statistical codes" in error
    assert error.endswith(
        "Name them under “The census table's columns” in “More data”, e.g. name=社区名称,population=常住人口."
    )
    at.text_input(key="build_census_table_columns").input("name=单位,population=数目")
    at.button(key="build_study").click().run()
    assert not at.error, [e.value for e in at.error]
    (said,) = [i.value for i in at.info if "Census table" in i.value]
    assert said.startswith("Census table 人口\\.csv: 12 of 14 rows joined to 12 areas")


def test_a_census_table_past_the_table_limits_is_refused_before_the_build_takes_a_slot(studies, monkeypatch):
    from circle.sources import _table_file  # the limits are read where the file is read

    monkeypatch.setattr(_table_file, "MAX_TABLE_BYTES", 100)  # the example table has 501 bytes
    at = _build("en", "too-big", "gcj02", upload_census_table=TABLE, upload_admin=BOUNDARIES)
    (error,) = [e.value for e in at.error]
    assert "census table 七普社区表\\_示例\\.csv is 0 MB; at most 0 MB" in error and "facility" not in error
    assert not (studies / "too-big").exists()
    (event,) = _events(studies)
    assert (event["action"], event["outcome"], event["error"]) == ("build_study", "refused", "InputDataError")
