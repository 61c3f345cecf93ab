"""The Streamlit app through streamlit.testing: every page and control, no exception, state as expected."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from circle.pipeline import AnalysisOptions, analyze
from tests.deployment import sign_in, use_deployment, write_deployment
from tests.osm_builder import small_town, to_lonlat

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def studies(tmp_path_factory):
    root = tmp_path_factory.mktemp("studies")
    source = small_town(root / "town.osm")
    text = source.read_text(encoding="utf-8").replace("<b>Reading</b> &amp; Co", HOSTILE.replace("<", "&lt;"))
    source.write_text(text, encoding="utf-8")
    analyze(AnalysisOptions(source=source, out=root / "studies" / "default"))
    return root / "studies"


@pytest.fixture(scope="module")
def config(studies, tmp_path_factory):
    """A full deployment of ``studies`` whose data folder holds the town's OSM file."""
    return write_deployment(
        tmp_path_factory.mktemp("deployment"), studies, data_folders=(studies.parent,), online_basemaps=True
    )


@pytest.fixture
def app(config, monkeypatch):
    use_deployment(monkeypatch, config)
    at = sign_in(AppTest.from_file(APP, default_timeout=120))
    at.run()
    assert not at.exception, at.exception
    return at


def _work(at):
    """Return the planner's state of the study the session shows (circle.ui.study_state.StudyState)."""
    return at.session_state["study_states"][at.session_state["active_study"]]


def test_planner_opens_in_chinese_with_the_default_study(app):
    assert app.title[0].value == "15分钟生活圈"
    assert app.metric[0].label == "15分钟生活圈覆盖（F15）"
    assert app.sidebar.selectbox(key="study_path").value == "default"


def test_language_switch_translates_labels_and_keeps_choices(app):
    app.sidebar.selectbox(key="measure__zh").set_value("priority").run()
    app.sidebar.radio(key="lang").set_value("en").run()
    assert not app.exception
    assert app.title[0].value == "15-minute living circle"
    assert app.metric[0].label == "Residents in a full 15-minute circle (F15)"
    measure = app.sidebar.selectbox(key="measure__en")
    assert measure.value == "priority"
    assert "Renewal priority" in measure.options


@pytest.mark.parametrize("measure", ["score", "time", "tier", "priority", "population"])
def test_every_measure_draws(app, measure):
    app.sidebar.selectbox(key="measure__zh").set_value(measure).run()
    assert not app.exception


def test_controls_category_threshold_basemap(app):
    app.sidebar.selectbox(key="category__zh").set_value("park").run()
    app.sidebar.slider(key="threshold").set_value(10).run()
    app.sidebar.radio(key="basemap__zh").set_value("study").run()
    assert not app.exception
    app.sidebar.radio(key="basemap__zh").set_value("custom").run()
    app.sidebar.text_input(key="tile_url").input("http://tiles.example.internal/{z}/{x}/{y}.png").run()
    assert not app.exception


def test_gcj02_basemap_shifts_the_layers_and_takes_clicks_back_to_wgs84(app, studies):
    from circle.coords import wgs84_to_gcj02
    from circle.ui import maps
    from circle.ui.data import blocks_for_display, stamp

    app.sidebar.radio(key="basemap__zh").set_value("amap").run()
    assert not app.exception
    assert app.session_state["display_system"] == "gcj02"
    assert any("GCJ-02" in info.value for info in app.info)
    path = studies / "default"
    shown = blocks_for_display(str(path), stamp(path), "gcj02").geometry.iloc[0].exterior.coords[0]
    truth = blocks_for_display(str(path), stamp(path), "wgs84").geometry.iloc[0].exterior.coords[0]
    expected = wgs84_to_gcj02(truth[0], truth[1])
    assert shown == pytest.approx((float(expected[0]), float(expected[1])), abs=1e-9)
    # a click on the shifted map at a block's shifted corner is that block's true corner
    lat, lon = maps.unshift_point(shown[1], shown[0], "gcj02")
    assert (lon, lat) == pytest.approx(truth, abs=1e-8)
    app.sidebar.radio(key="basemap__zh").set_value("custom").run()
    app.sidebar.checkbox(key="tile_gcj02").check().run()
    assert app.session_state["display_system"] == "gcj02"
    app.sidebar.checkbox(key="tile_gcj02").uncheck().run()
    assert app.session_state["display_system"] == "wgs84"


def test_point_explores_isochrone_block_and_whatif(app):
    lon, lat = to_lonlat(200, 60)  # inside the compound
    app.number_input(key="lat_input").set_value(lat).run()
    app.number_input(key="lon_input").set_value(lon).run()
    app.button(key="explore_point").click().run()
    assert not app.exception
    assert _work(app).block is not None
    assert any("西园小区" in m.value for m in app.markdown)
    app.selectbox(key="whatif_category__zh").set_value("kindergarten").run()
    app.button(key="whatif_add").click().run()
    assert not app.exception
    # the town maps no kindergarten: the added one is told beside the score, which it leaves as it was
    assert app.success[0].value.startswith("计分类别中无人新增或失去覆盖"), app.success[0].value
    assert any("幼儿园：数据中一处也没有录入，不计入得分；新增设施使" in m.value for m in app.info)
    app.button(key="save_scenario").click().run()
    assert not app.exception


def test_suggestions(app):
    app.selectbox(key="suggest_category__zh").set_value("kindergarten").run()
    app.button(key="suggest_go").click().run()
    assert not app.exception
    assert len(_work(app).suggestions) >= 1


def test_hostile_names_are_escaped_in_the_app(app):
    # the library's name from the data is markup: wherever the page shows it, it is text
    for element in app.markdown:
        assert HOSTILE not in element.value


def _resident_script():
    from circle.ui import resident

    resident.page()


def test_resident_page_finds_a_compound_by_partial_name(studies, monkeypatch):
    monkeypatch.setenv("CIRCLE_STUDIES", str(studies))
    at = AppTest.from_function(_resident_script, default_timeout=60)
    at.run()
    at.text_input(key="resident_query").input("西园").run()
    assert not at.exception
    assert at.header[0].value == "西园小区"
    assert at.subheader[0].value.startswith("您所在街坊的得分")
    clinic = next(m.value for m in at.markdown if "社区卫生服务/诊所" in m.value)
    # 510.5 m at 1.1 m/s (worked out in test_pipeline_small_town): 8 minutes, about 510 m
    assert "步行 8 分钟" in clinic and "约 510 米" in clinic
    block_id = at.query_params["block"]
    block_id = block_id[0] if isinstance(block_id, list) else block_id
    assert block_id.startswith("w")
    for query in ("xiyuan", "xy"):  # pinyin and initials find it too
        at.text_input(key="resident_query").input(query).run()
        assert at.header[0].value == "西园小区", query


def test_resident_finds_home_by_coordinates(studies, monkeypatch):
    monkeypatch.setenv("CIRCLE_STUDIES", str(studies))
    at = AppTest.from_function(_resident_script, default_timeout=60)
    at.run()
    lon, lat = to_lonlat(150, 50)
    at.number_input(key="resident_lat").set_value(lat).run()
    at.number_input(key="resident_lon").set_value(lon).run()
    at.button(key="resident_coordinates").click().run()
    assert not at.exception
    assert at.header[0].value == "西园小区"


def test_resident_link_reopens_the_same_neighbourhood_in_its_language(studies, monkeypatch):
    import geopandas as gpd

    monkeypatch.setenv("CIRCLE_STUDIES", str(studies))
    block_id = gpd.read_parquet(studies / "default" / "blocks.parquet")["block_id"].iloc[0]
    at = AppTest.from_function(_resident_script, default_timeout=60)
    at.session_state["lang"] = "en"  # app.py takes the language from the link; this page reads it from the state
    at.query_params["block"] = block_id
    at.query_params["pace"] = "elderly"
    at.run()
    assert not at.exception
    assert at.header[0].value == "西园小区"
    clinic = next(m.value for m in at.markdown if "Clinic / community health" in m.value)
    # the same 510.5 m at the older people's pace of 0.8 m/s: 10.6 minutes
    assert "11 min walk" in clinic and "about 510 m" in clinic


def test_no_study_shows_how_to_make_one(tmp_path, monkeypatch):
    use_deployment(monkeypatch, write_deployment(tmp_path, tmp_path / "nothing"))
    at = sign_in(AppTest.from_file(APP, default_timeout=60))
    at.run()
    assert not at.exception
    assert "“新建研究区”页" in at.info[0].value  # the new-study page, linked above it
    assert [link.proto.page for link in at.get("page_link") if link.proto.page == "new-study"]


def test_two_planners_sessions_do_not_see_each_other(config, monkeypatch):
    use_deployment(monkeypatch, config)
    first = sign_in(AppTest.from_file(APP, default_timeout=120), "wang")
    second = sign_in(AppTest.from_file(APP, default_timeout=120), "li")
    first.run()
    second.run()
    lon, lat = to_lonlat(200, 60)
    first.sidebar.radio(key="lang").set_value("en").run()
    first.number_input(key="lat_input").set_value(lat).run()
    first.number_input(key="lon_input").set_value(lon).run()
    first.button(key="explore_point").click().run()
    first.button(key="whatif_add").click().run()
    assert _work(first).scenario is not None
    second.run()
    assert not second.exception
    assert second.title[0].value == "15分钟生活圈"  # still Chinese
    assert _work(second).scenario is None and _work(second).point is None
    # the shared, cached study was not changed by the first session's what-if
    assert second.metric[0].value == first.metric[0].value
    assert second.session_state["signed_in_user"]["name"] == "li"
    assert first.session_state["signed_in_user"]["name"] == "wang"


def _report_script():
    from circle.ui import report

    report.page()


def test_report_page_shows_the_figures_and_offers_files(studies, monkeypatch):
    monkeypatch.setenv("CIRCLE_STUDIES", str(studies))
    at = AppTest.from_function(_report_script, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.title[0].value == "报告"
    assert at.metric[0].label == "居民"
    assert len(at.get("download_button")) == 2


def test_downloads_are_real_files(studies, monkeypatch, tmp_path):
    monkeypatch.setenv("CIRCLE_STUDIES", str(studies))
    from circle.ui.planner_gaps import _download_files

    path = str(studies / "default")
    csv, gpkg = _download_files(path, "", "gb50180_2018", "blocks")
    assert csv.decode("utf-8-sig").splitlines()[0].startswith("block_id,population")
    assert gpkg[:16] == b"SQLite format 3\x00"
    (tmp_path / "b.gpkg").write_bytes(gpkg)
    import geopandas as gpd

    layer = gpd.read_file(tmp_path / "b.gpkg", layer="blocks")
    assert len(layer) == 1 and layer.crs.to_epsg() == 4326


class _Upload:
    """What st.file_uploader hands over: a name, a size and the bytes."""

    def __init__(self, name: str, data: bytes):
        self.name, self._data, self.size = name, data, len(data)

    def getvalue(self) -> bytes:
        return self._data

    def getbuffer(self) -> memoryview:
        return memoryview(self._data)


def test_uploads_are_checked_by_content_and_saved_under_fixed_names(tmp_path):
    from circle.errors import CircleError
    from circle.ui.widgets import OSM_MAGIC, TIFF_MAGIC, _save_upload

    saved = _save_upload(
        _Upload("../../evil.osm", b"<?xml version='1.0'?><osm/>"), tmp_path / "upload.osm.data", 1, OSM_MAGIC, "en"
    )
    assert saved == tmp_path / "upload.osm.data" and saved.read_bytes().startswith(b"<?xml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["upload.osm.data"]
    with pytest.raises(CircleError, match="not what its type says"):
        _save_upload(_Upload("dem.tif", b"%PDF-1.7 not a tiff"), tmp_path / "dem.tif", 1, TIFF_MAGIC, "en")
    with pytest.raises(CircleError, match="1 MB"):
        _save_upload(_Upload("big.osm", b"<osm>" + b" " * (1024 * 1024)), tmp_path / "big", 1, OSM_MAGIC, "en")
    assert not (tmp_path / "dem.tif").exists() and not (tmp_path / "big").exists()


def test_study_builder_builds_from_a_listed_server_file_with_a_profile(monkeypatch, tmp_path):
    studies = tmp_path / "studies"
    (tmp_path / "osm").mkdir()
    source = small_town(tmp_path / "osm" / "town.osm")
    use_deployment(monkeypatch, write_deployment(tmp_path, studies, data_folders=(tmp_path / "osm",)))

    def script():
        from circle.deploy.config import load_deployment
        from circle.ui.access import User
        from circle.ui.widgets import study_builder

        study_builder("en", load_deployment(), User("wang", "planner", "local"))

    at = AppTest.from_function(script, default_timeout=120)
    at.run()
    at.selectbox(key="server_osm_path").set_value("town.osm")
    at.text_input(key="new_study_name").input("wheels")
    at.radio(key="build_profile__en").set_value("wheelchair")
    at.checkbox(key="build_ignore_gates").check()
    at.button(key="build_study").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    import json

    summary = json.loads((studies / "wheels" / "summary.json").read_text(encoding="utf-8"))
    assert summary["profile"]["name"] == "wheelchair"
    assert summary["imports"]["gates"].startswith("ignored")
    from circle.deploy.audit import read_log
    from circle.study import file_sha256

    (event,) = read_log(studies)
    seen = (event["user"], event["action"], event["target"], event["outcome"])
    assert seen == ("wang", "build_study", "wheels", "done")
    assert event["source_sha256"] == file_sha256(source)


def test_data_strings_are_plain_text_in_markdown_and_csv_exports_cannot_run_formulas():
    from circle.ui.text import csv_bytes, md

    shown = md("![x](http://evil.example/p.png) [y](javascript:alert(1)) <b>z</b>")
    assert "![" not in shown and "](" not in shown and "<b>" not in shown
    assert shown.replace("\\", "") == "![x](http://evil.example/p.png) [y](javascript:alert(1)) &lt;b&gt;z&lt;/b&gt;"
    import pandas as pd

    text = csv_bytes(pd.DataFrame({"name": ["=HYPERLINK(1)", "+1", "@x", "站"], "n": [-1, 2, 3, 4]})).decode(
        "utf-8-sig"
    )
    assert text.splitlines() == ["name,n", "'=HYPERLINK(1),-1", "'+1,2", "'@x,3", "站,4"]
