"""The new-study page: the server's files listed (inside the data folders only), boxes saying the limits they
enforce, stages in words, and the study built opened on the planner page without another click."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from circle.deploy.server_files import list_server_files
from tests.deployment import sign_in, use_deployment, write_deployment
from tests.osm_builder import small_town

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")


def test_the_file_list_shows_the_osm_files_inside_the_data_folders_with_their_sizes(tmp_path):
    data = tmp_path / "data"
    (data / "2026" / ".cache").mkdir(parents=True)
    (data / "town.osm.pbf").write_bytes(b"\x00" * 3000)
    (data / "2026" / "haidian.osm").write_bytes(b"<osm/>" * 100)  # 600 bytes, one folder down
    (data / "2026" / ".cache" / "hidden.osm").write_bytes(b"<osm/>")  # a hidden folder: not listed
    (data / ".partial.osm.pbf").write_bytes(b"\x00")  # a hidden file: not listed
    (data / "notes.txt").write_text("not OSM", encoding="utf-8")
    (data / "TOWN.OSM").write_bytes(b"<osm/>")  # endings in capitals are OSM files too
    secret = tmp_path / "outside" / "secret.osm"
    secret.parent.mkdir()
    secret.write_bytes(b"<osm/>")
    (data / "link-out.osm").symlink_to(secret)  # a link leading out: never listed
    (data / "folder-out").symlink_to(secret.parent, target_is_directory=True)  # nor a folder link out
    (data / "again.osm.pbf").symlink_to(data / "town.osm.pbf")  # a link inside: the same file, listed once

    listed = list_server_files([data])
    assert [(f.name, f.size_bytes) for f in listed] == [
        ("2026/haidian.osm", 600),
        ("TOWN.OSM", 6),
        ("town.osm.pbf", 3000),
    ]
    assert all(f.path.is_relative_to(data.resolve()) for f in listed)
    assert "secret" not in " ".join(str(f.path) for f in listed)
    os.utime(data / "2026" / "haidian.osm", (1_700_000_000, 1_700_000_000))
    (haidian,) = [f for f in list_server_files([data]) if f.name == "2026/haidian.osm"]
    assert haidian.modified.strftime("%Y-%m-%d") == "2023-11-14"


def test_two_data_folders_name_each_file_by_its_folder_and_the_list_is_bounded(tmp_path):
    first, second = tmp_path / "osm", tmp_path / "bureau"
    for folder in (first, second):
        folder.mkdir()
        (folder / "city.osm").write_bytes(b"<osm/>")
    assert [f.name for f in list_server_files([first, second])] == ["bureau/city.osm", "osm/city.osm"]
    for number in range(5):
        (first / f"part-{number}.osm").write_bytes(b"<osm/>")
    assert len(list_server_files([first], limit=3)) == 3
    assert list_server_files([tmp_path / "missing"]) == []


def test_every_stage_of_a_build_is_named_in_words_in_both_languages(tmp_path):
    from circle.i18n import t
    from circle.pipeline import AnalysisOptions, analyze
    from circle.ui.widgets import BUILD_STAGES, stage_words

    seen = []
    analyze(AnalysisOptions(source=small_town(tmp_path / "town.osm"), out=tmp_path / "study"), on_stage=seen.append)
    assert [m.stage for m in seen] == ["read", "blocks", "facilities", "network", "engine", "write"]
    assert set(m.stage for m in seen) <= set(BUILD_STAGES)
    assert [stage_words(m, "zh") for m in seen][:2] == ["读取 OpenStreetMap 数据", "划分居住街坊并估算人口"]
    assert stage_words(seen[0], "en") == t("stage_read", "en") == "reading the OpenStreetMap data"
    assert stage_words("an older message", "zh") == "an older message"  # a message without its stage, as it is


@pytest.fixture
def deployment(tmp_path, monkeypatch):
    """A deployment with one study, ``default``, and a data folder holding the town's OSM file."""
    from circle.pipeline import AnalysisOptions, analyze

    data = tmp_path / "data"
    data.mkdir()
    source = small_town(data / "town.osm")
    studies = tmp_path / "studies"
    analyze(AnalysisOptions(source=source, out=studies / "default"))
    use_deployment(monkeypatch, write_deployment(tmp_path / "deployment", studies, data_folders=(data,)))
    return studies


def _open(at, url_path: str):
    """Open the page at ``url_path`` as a typed address would."""
    from streamlit.util import calc_hash

    at._page_hash = calc_hash(url_path)
    at.run()
    at._page_hash = ""
    return at


def _on(at, url_path: str) -> bool:
    from streamlit.util import calc_hash

    return at._finished_page_script_hash == calc_hash(url_path)


def test_a_study_built_on_the_new_study_page_opens_on_the_planner_page_chosen(deployment):
    from circle.ui import state as key

    at = _open(sign_in(AppTest.from_file(APP, default_timeout=180), "wang").run(), "new-study")
    assert not at.exception and _on(at, "new-study")
    files = at.selectbox(key="server_osm_path")
    assert files.value is None and files.placeholder == "选择一个文件"
    (offered,) = files.options
    assert offered.startswith("town.osm（") and " KB，20" in offered  # name, size and date
    # the standard and the profile in words, with a line each saying what they mean
    preset = at.radio(key="build_preset__zh")
    assert preset.value == "gb50180_2018" and "5、10、15 分钟" in str(preset.proto)
    profile = at.radio(key="build_profile__zh")
    assert "老年人（0.8 米/秒）" in profile.options and "约走 700 米" in str(profile.proto)
    files.set_value("town.osm")
    at.text_input(key="new_study_name").input("海淀")
    at.radio(key="build_profile__zh").set_value("elderly")
    at.button(key="build_study").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    # the planner page, on the new study, without another click
    assert _on(at, "planner")
    assert at.session_state[key.STUDY] == "海淀" and at.sidebar.selectbox(key=key.STUDY).value == "海淀"
    assert any("研究区已建立：海淀" in s.value for s in at.success)
    assert (deployment / "海淀" / "summary.json").is_file() and (deployment / "default" / "summary.json").is_file()
    at.run()  # said once: the next run of the planner page no longer says it
    assert not any("研究区已建立" in s.value for s in at.success)


def test_a_build_without_a_source_says_what_to_do_and_stays_on_the_page(deployment):
    at = _open(sign_in(AppTest.from_file(APP, default_timeout=60), "wang").run(), "new-study")
    at.button(key="build_study").click().run()
    assert _on(at, "new-study")
    assert any("请选择数据文件夹中的一个文件，或上传一个 .osm.pbf / .osm 文件" in e.value for e in at.error)
    assert sorted(p.name for p in deployment.iterdir() if not p.name.startswith(".")) == ["default"]


def test_each_file_box_enforces_the_limit_it_states_and_none_passes_the_servers(deployment):
    from circle.deploy.serve import UPLOAD_LIMIT_MB

    server_mb = UPLOAD_LIMIT_MB["full"]
    at = _open(sign_in(AppTest.from_file(APP, default_timeout=60), "wang").run(), "new-study")
    boxes = {box.key: box.proto.max_upload_size_mb for box in at.get("file_uploader")}
    assert boxes["upload_osm"] == server_mb  # the OSM box takes what the server lets through
    assert boxes["upload_facilities"] == boxes["upload_census_table"] == 50
    assert all(0 < limit <= server_mb for limit in boxes.values()), boxes
    captions = " ".join(c.value for c in at.caption)
    for limit in set(boxes.values()):
        assert f"每个不超过 {limit} MB" in captions
    assert "200MB" not in captions and "Limit" not in captions
    # the report's area box: it says 20 MB and takes 20 MB
    at = _open(at, "report")
    (area,) = [box for box in at.get("file_uploader") if box.key == "report_pdf_area"]
    from circle.ui.report import AREA_LIMIT_MB

    assert area.proto.max_upload_size_mb == AREA_LIMIT_MB
    assert any(f"每个不超过 {AREA_LIMIT_MB} MB" in c.value for c in at.caption)


def test_choice_boxes_say_their_placeholder_in_the_readers_language():
    from circle.ui.builtin_words import placeholder

    assert placeholder("zh", ["a"]) == "请选择" and placeholder("en", ["a"]) == "Choose an option"
    assert (
        placeholder("zh", [], many=True) == "没有可选项" and placeholder("zh", ["a"], many=True) == "请选择（可多选）"
    )


def test_leaflet_draw_gets_its_words_in_chinese_before_its_tools_are_made():
    import folium

    from circle.ui.closures import add_drawing_tools

    fmap = folium.Map(location=[30.66, 104.06], zoom_start=14)
    with pytest.MonkeyPatch.context() as patch:
        import streamlit as st

        patch.setattr(st, "session_state", {"lang": "zh"})
        add_drawing_tools(fmap)
    html = fmap.get_root().render()
    words, tools = html.index("L.drawLocal"), html.index("new L.Control.Draw")
    assert words < tools and "画一条封闭线" in html and "点击开始画线。" in html
    english = folium.Map(location=[30.66, 104.06])
    with pytest.MonkeyPatch.context() as patch:
        import streamlit as st

        patch.setattr(st, "session_state", {"lang": "en"})
        add_drawing_tools(english)
    assert "L.drawLocal" not in english.get_root().render()


def test_a_failed_build_says_why_and_leaves_the_other_studies_as_they_were(deployment):
    from circle.ui import state as key

    broken = deployment.parent / "data" / "broken.osm.pbf"
    broken.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all")
    before = (deployment / "default" / "summary.json").read_bytes()
    at = _open(sign_in(AppTest.from_file(APP, default_timeout=120), "wang").run(), "new-study")
    at.selectbox(key="server_osm_path").set_value("broken.osm.pbf")
    at.text_input(key="new_study_name").input("default")  # a name taken: refused, the study kept
    at.button(key="build_study").click().run()
    assert _on(at, "new-study") and key.STUDY not in at.session_state
    (said,) = [e.value for e in at.error]
    assert said == "出错了：已有名为“default”的研究区：请换一个名称。"
    at.text_input(key="new_study_name").input("broken").run()
    at.button(key="build_study").click().run()
    (said,) = [e.value for e in at.error]
    assert said.startswith("出错了：") and "broken.osm.pbf" in said and "/" not in said.split("broken.osm.pbf")[0][-3:]
    assert _on(at, "new-study")
    assert (deployment / "default" / "summary.json").read_bytes() == before
    assert sorted(p.name for p in deployment.iterdir() if not p.name.startswith(".")) == ["default"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_gets_streamlits_own_words_from_a_fixed_table_in_chinese_only(lang):
    from circle.i18n.builder_strings import BUILTIN_PATTERNS_ZH, BUILTIN_WORDS_ZH

    def script(lang: str) -> None:
        from circle.ui.builtin_words import translate_builtin_words

        translate_builtin_words(lang)

    at = AppTest.from_function(script, args=(lang,)).run()
    (html,) = at.get("html")
    body = html.proto.body
    assert "MutationObserver" in body and "<script>" in body
    assert ("跳到主要内容" in body) == (lang == "zh") and ("移除 $1" in body) == (lang == "zh")
    # every word the table puts in Chinese has some Chinese (the page's own words are ours, in zh already)
    assert all(any("\u4e00" <= c <= "\u9fff" for c in zh) for zh in BUILTIN_WORDS_ZH.values())
    assert all(source.startswith("^") and source.endswith("$") for source, _ in BUILTIN_PATTERNS_ZH)
