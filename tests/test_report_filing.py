"""A report a bureau files: the cover's place, issuer, author, number, date and sources; no command-line words
in its text; places named by street and 社区 with coordinates in an appendix; street names on the maps;
standards in their own numbers.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import matplotlib.pyplot as plt
import pandas as pd
import pytest
import shapely
from matplotlib.font_manager import FontProperties

from circle.cli import main
from circle.deploy.config import load_deployment
from circle.errors import InputDataError
from circle.report import build_report
from circle.report._street_labels import draw_street_labels, label_width_pt, short_name
from circle.report.filing import (
    KNOWN_EXTRACTS,
    FilingDetails,
    data_date_text,
    made_number,
    place_of_units,
    resolve_place,
)
from tests.test_report import WHEN, needs_cjk, needs_poppler, pdf_text, render, town  # noqa: F401 - fixture

#: the sub-commands of ``circle``: none may be named in a report's text
SUBCOMMANDS = (
    "analyze|score|suggest|whatif|report|compare|indicators|publish|serve|users|closures|batch|"
    "import|check|scenario|export|triage"
)
CLI_WORDS = re.compile(rf"--[a-z]|(?<![\w-])circle ({SUBCOMMANDS})\b")


def _study(sha: str = "0" * 64, timestamp: str | None = None, path: str = "") -> SimpleNamespace:
    source = SimpleNamespace(sha256=sha, data_timestamp=timestamp, path=path, file="x.osm.pbf")
    return SimpleNamespace(summary=SimpleNamespace(source=source), path=Path("/studies/haidian"))


# the place ---------------------------------------------------------------------------------------------


def test_the_place_is_the_sub_districts_with_most_residents_then_counted():
    blocks = pd.DataFrame(
        {
            "subdistrict": ["玉林街道", "芳草街道", "玉林街道", "火车南站街道", None],
            "community": ["玉林社区", "芳草社区", "玉林社区", "桐梓林社区", None],
            "population": [10.0, 30.0, 40.0, 5.0, 1.0],
        }
    )
    assert place_of_units(blocks, "zh") == "玉林街道、芳草街道等3个街道"
    assert place_of_units(blocks, "en") == "玉林街道, 芳草街道 and 1 more sub-districts"
    assert place_of_units(blocks.iloc[:3], "zh") == "玉林街道、芳草街道"
    # communities only, when no sub-district is named
    only = blocks.assign(subdistrict=None).iloc[:2]
    assert place_of_units(only, "zh") == "芳草社区、玉林社区"


def test_a_few_units_in_a_larger_study_do_not_name_it():
    blocks = pd.DataFrame({"community": ["泉水社区", None, None], "population": [100.0, 500.0, 400.0]})
    assert place_of_units(blocks, "zh") == "", "10 % of the residents: the study is not 泉水社区"
    assert place_of_units(pd.DataFrame({"population": [1.0]}), "zh") == ""


def test_the_place_given_wins_then_the_data_then_the_shipped_extract_else_none():
    blocks = pd.DataFrame({"subdistrict": ["玉林街道"], "population": [10.0]})
    sha = next(iter(KNOWN_EXTRACTS))
    given = FilingDetails(place="武侯区", place_en="Wuhou District")
    assert resolve_place(_study(sha), blocks, given, "zh") == ("武侯区", "given")
    assert resolve_place(_study(sha), blocks, given, "en") == ("Wuhou District", "given")
    assert resolve_place(_study(sha), blocks, FilingDetails(place="武侯区"), "en") == ("武侯区", "given")
    assert resolve_place(_study(sha), blocks, FilingDetails(), "zh") == ("玉林街道", "admin")
    empty = pd.DataFrame({"population": [10.0]})
    assert resolve_place(_study(sha), empty, FilingDetails(), "zh") == ("成都市中心城区", "extract")
    assert resolve_place(_study(), empty, FilingDetails(), "zh") == ("", "none")


def test_details_given_override_the_settings_field_by_field():
    given = FilingDetails(issuer="海淀分局", number=" ")
    settings = FilingDetails(issuer="规划院", author="李四", number="A-1", number_prefix="京规")
    merged = given.over(settings)
    assert (merged.issuer, merged.author, merged.number, merged.number_prefix) == ("海淀分局", "李四", "A-1", "京规")
    assert made_number("京规", "haidian", dt.date(2026, 12, 4)).startswith("京规-20261204-")
    assert made_number("京规", "haidian", dt.date(2026, 12, 4)) == made_number("京规", "haidian", dt.date(2026, 12, 4))


# the data's date ---------------------------------------------------------------------------------------


def test_the_data_date_says_what_is_known_and_no_more(tmp_path):
    recorded = _study(timestamp="2025-06-01T00:00:00Z").summary.source
    assert data_date_text(recorded, "zh") == "2025-06-01 00:00:00（文件记录）"
    shipped = _study(sha=next(iter(KNOWN_EXTRACTS))).summary.source
    assert "2018年年中" in data_date_text(shipped, "zh") and "文件本身未记录" in data_date_text(shipped, "zh")
    extract = tmp_path / "city.osm.pbf"
    extract.write_bytes(b"x")
    os.utime(extract, (dt.datetime(2024, 3, 5, tzinfo=dt.UTC).timestamp(),) * 2)
    on_disk = _study(path=str(extract)).summary.source
    assert data_date_text(on_disk, "zh") == "文件未记录；数据文件的修改日期为 2024-03-05（数据不晚于此日）"
    assert "last modified on 2024-03-05" in data_date_text(on_disk, "en")
    gone = _study(path=str(tmp_path / "gone.pbf")).summary.source
    assert "时点不明" in data_date_text(gone, "zh")


# the settings ------------------------------------------------------------------------------------------


def test_the_report_table_of_the_settings_is_read_and_checked(tmp_path):
    settings = tmp_path / "circle.toml"
    settings.write_text('[report]\nissuing_body = "海淀规划分局"\nnumber_prefix = "海规评"\n', encoding="utf-8")
    report = load_deployment(settings).report
    assert (report.issuing_body, report.number_prefix, report.author) == ("海淀规划分局", "海规评", "")
    settings.write_text('[report]\nissuer = "x"\n', encoding="utf-8")
    with pytest.raises(InputDataError, match=r"\[report\] takes only texts for author, issuing_body"):
        load_deployment(settings)


# the PDF -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def filed_reports(town, tmp_path_factory):  # noqa: F811 - the fixture imported above
    folder = tmp_path_factory.mktemp("filed")
    details = FilingDetails(place="西园街道", place_en="Xiyuan", issuer="某市规划和自然资源局", author="王五")
    return {
        lang: build_report(town, folder / f"filed-{lang}.pdf", lang, when=WHEN, filing=details) for lang in ("zh", "en")
    }


@needs_poppler
@needs_cjk
def test_the_cover_files_the_report(filed_reports):
    cover = pdf_text(filed_reports["zh"].path, 1)
    assert "西园街道15分钟生活圈服务缺口报告" in cover
    for line in ("编制单位", "某市规划和自然资源局", "编制人", "王五", "报告编号", "报告日期", "2026-11-23"):
        assert line in cover, line
    for line in ("数据与来源", "OpenStreetMap 数据文件", "数据时点", "审核与批准", "审核", "批准", "签名"):
        assert line in cover, line
    assert "town.osm" not in cover.splitlines()[0], "the title is the place, never the file"
    header = pdf_text(filed_reports["zh"].path, 2).splitlines()[0]
    assert "西园街道15分钟生活圈服务缺口报告" in header and "town.osm" not in header
    english = pdf_text(filed_reports["en"].path, 1)
    assert "Xiyuan: 15-minute living circle service gap report" in english and "Approved" in english
    render(filed_reports["zh"].path, "filed-zh")


@needs_poppler
@needs_cjk
def test_no_command_line_words_in_either_report(filed_reports):
    for lang, result in filed_reports.items():
        text = pdf_text(result.path)
        assert not CLI_WORDS.findall(text), (lang, sorted(set(CLI_WORDS.findall(text))))
        assert "pop_flag" not in text


def test_the_scan_finds_command_line_words_and_spares_living_circle_prose():
    assert CLI_WORDS.search("import with --population FILE") and CLI_WORDS.search("run circle suggest first")
    assert not CLI_WORDS.search("the 15-minute circle facilities; living-circle score; living-circle report")


@needs_poppler
@needs_cjk
def test_places_are_named_in_words_and_located_in_the_appendix(filed_reports, town):  # noqa: F811
    text = pdf_text(filed_reports["zh"].path)
    assert "位置按相邻或最近的有名称道路表示" in text, "the town has no 街道/社区: said once"
    body, appendix = text.split("位置坐标与数据编号")
    assert not re.search(r"\d{2,3}\.\d{5}, \d{1,2}\.\d{5}", body), "coordinates only in the appendix"
    assert re.search(r"\d{1,3}\.\d{5}, -?\d{1,2}\.\d{5}", appendix)
    assert "优先街坊 1" in appendix or "选址 1.1" in appendix
    ids = [b for b in town.blocks["block_id"].astype(str) if b in appendix]
    assert ids, "the appendix gives the blocks' ids"
    assert not [b for b in ids if re.search(rf"(?<![\w]){re.escape(b)}(?![\w])", body)], "ids only in the appendix"


@needs_poppler
@needs_cjk
def test_standards_in_their_own_metres_with_the_walkers_minutes_beside(filed_reports):
    text = pdf_text(filed_reports["zh"].path)
    assert "300米内" in text and "该人群约4.5分钟" in text, "300 m at 1.1 m/s: about 4.5 minutes"
    assert not re.search(r"\d+\.\d\d ?分钟", text.split("附录")[0].split("城市体检指标")[0]), "no 4.55 / 7.58 minutes"


def test_the_terminal_names_the_commands_the_report_leaves_out(town, tmp_path, capsys):  # noqa: F811
    out = tmp_path / "town.pdf"
    assert main(["report", "--study", str(town.path), "--out", str(out), "--lang", "en", "--issuer", "Bureau"]) == 0
    printed = capsys.readouterr().out
    assert "Prepared by (--author), Report number (--number)" in printed
    assert "circle suggest --study" in printed or "circle indicators --study" in printed


# street names on the maps ------------------------------------------------------------------------------


def test_street_names_are_written_along_long_streets_once_and_never_on_each_other():
    streets = gpd.GeoDataFrame(
        {"name": ["人民南路", "人民南路", "蜀都大道", "小巷", "Long Avenue - 长街"], "rank": [1, 1, 1, 1, 2]},
        geometry=[
            shapely.LineString([(0, 500), (400, 500)]),
            shapely.LineString([(400, 500), (1000, 500)]),  # the same street in two pieces: one name
            shapely.LineString([(500, 0), (500, 1000)]),  # crosses 人民南路 in the middle
            shapely.LineString([(900, 900), (910, 905)]),  # far shorter than its name
            shapely.LineString([(100, 100), (900, 180)]),
        ],
        crs="EPSG:32648",
    )
    figure = plt.figure(figsize=(4, 4))
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 1000)
    ax.set_ylim(0, 1000)
    ax.set_aspect("equal")
    placed = draw_street_labels(ax, streets, FontProperties(size=6))
    written = {text.get_text(): text for text in ax.texts}
    plt.close(figure)
    assert placed == len(written) == 2, sorted(written)
    assert "人民南路" in written and "小巷" not in written, "one name per street, none where it does not fit"
    assert "蜀都大道" not in written, "it would sit on 人民南路's name where they cross"
    assert written["人民南路"].get_rotation() == 0
    assert "长街" in written and abs(written["长街"].get_rotation() - 5.7) < 0.5, "along its line, Chinese half"


def test_short_names_and_widths():
    assert short_name("东城根南街 - Dongchenggen Street South") == "东城根南街"
    assert label_width_pt("人民路", 6) == 18 and label_width_pt("Main", 10) == pytest.approx(22.4)


def test_the_report_module_names_no_cli_word_in_its_strings():
    """Every report string a reader sees is scanned too (the CLI's own hints are apart: cli_report_hint_*)."""
    from circle.i18n.report_strings import REPORT_STRINGS

    for key, texts in REPORT_STRINGS.items():
        if key.startswith("cli_"):
            continue
        for lang, text in texts.items():
            assert not CLI_WORDS.search(text), (key, lang, text)


@needs_poppler
def test_pdftotext_is_what_the_scan_reads(filed_reports):
    """The scan reads what a person copying text from the PDF gets (poppler's text, not reportlab's source)."""
    out = subprocess.run(["pdftotext", str(filed_reports["en"].path), "-"], capture_output=True, text=True)
    assert out.returncode == 0 and "Review and approval" in out.stdout


def _report_page():
    from circle.ui import report

    report.page()


@needs_poppler
@needs_cjk
def test_the_app_fills_the_cover_from_its_inputs_prefilled_from_the_settings(town, tmp_path, monkeypatch):  # noqa: F811
    from streamlit.testing.v1 import AppTest

    settings = tmp_path / "circle.toml"
    settings.write_text('[report]\nissuing_body = "某区规划分局"\nnumber_prefix = "规评"\n', encoding="utf-8")
    monkeypatch.setenv("CIRCLE_CONFIG", str(settings))
    monkeypatch.setenv("CIRCLE_STUDIES", str(town.path.parent))
    at = AppTest.from_function(_report_page, default_timeout=120)
    at.run()
    assert not at.exception
    assert at.text_input(key="report_filing_issuer").value == "某区规划分局", "pre-filled from [report]"
    at.text_input(key="report_filing_place").input("西园街道")
    at.text_input(key="report_filing_author").input("赵六")
    at.button(key="report_pdf_make").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    pdf = tmp_path / "app.pdf"
    pdf.write_bytes(at.session_state["report_pdf"]["bytes"])
    cover = pdf_text(pdf, 1)
    assert "西园街道15分钟生活圈服务缺口报告" in cover and "某区规划分局" in cover and "赵六" in cover
    assert re.search(r"规评-\d{8}-[0-9A-F]{4}", cover), "a number made from the settings' prefix"
    standards = at.dataframe[0].value.iloc[:, 1].tolist()
    assert any("米内（该人群约" in s for s in standards), standards


def test_street_names_come_from_the_study_file_or_not_at_all(town, tmp_path):  # noqa: F811
    from circle.report.streets import named_streets

    streets = named_streets(town)
    assert streets is not None and "Main Street" in set(streets["name"]), "read again from the town's OSM file"
    assert streets.crs == town.blocks.crs or str(streets.crs) == str(town.crs)
    moved = SimpleNamespace(summary=SimpleNamespace(source=SimpleNamespace(path=str(tmp_path / "gone.osm"))))
    assert named_streets(moved) is None, "the file is gone: no names, and the report says so"


def test_near_prefers_a_major_street_close_by_to_the_nearest_lane():
    from circle.report.streets import nearest_street

    streets = gpd.GeoDataFrame(
        {"name": ["后巷", "人民南路 - Renmin Road South", "远路"], "rank": [4, 1, 4]},
        geometry=[
            shapely.LineString([(0, 10), (100, 10)]),  # 10 m away, a lane
            shapely.LineString([(0, 60), (100, 60)]),  # 60 m away, a primary road
            shapely.LineString([(0, 5000), (100, 5000)]),
        ],
        crs="EPSG:32648",
    )
    points = gpd.GeoSeries([shapely.Point(50, 0), shapely.Point(50, 4000)], crs="EPSG:32648")
    assert nearest_street(points, streets).tolist() == ["人民南路", ""], "nothing within 500 m of the second"
    assert nearest_street(points, None).tolist() == ["", ""]
