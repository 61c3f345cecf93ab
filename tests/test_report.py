"""The PDF gap report: its figures, fonts, pages, determinism, languages, scenario and area, CLI and app.

Text is read back with poppler's ``pdftotext``, fonts with ``pdffonts``, page
counts with ``pdfinfo``; page images go to ``test-artifacts/report/`` (made
with ``pdftoppm``) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from circle.cli import main
from circle.errors import CircleError
from circle.pipeline import AnalysisOptions, analyze
from circle.report import build_report
from circle.report.fonts import find_font, has_cjk
from circle.report.pdf import romanise
from circle.study import Study
from circle.study.scenarios import Change
from circle.tasks.score import score
from tests.conftest import shared_extract
from tests.osm_builder import small_town

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "report"
WHEN = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
HOSTILE = '西园<b>小区</b> & <img src="x"/>'

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils (pdftotext, pdffonts, pdfinfo, pdftoppm) is not installed; "
    "`bash scripts/system_packages.sh` as root installs it",
)
needs_cjk = pytest.mark.skipif(
    not find_font().has_cjk, reason="no CJK font installed; `bash scripts/system_packages.sh` as root installs one"
)


def pdf_text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", "-layout", *pages, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def pdf_fonts(path: Path) -> list[list[str]]:
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    return [line.split() for line in lines[2:]]


def render(path: Path, name: str) -> list[Path]:
    """Render every page to PNG under test-artifacts/report/NAME-*.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(path), str(ARTIFACTS / name)], check=True)
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Study:
    root = tmp_path_factory.mktemp("report")
    source = small_town(root / "town.osm")
    text = source.read_text(encoding="utf-8").replace(
        "西园小区", HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    )
    source.write_text(text, encoding="utf-8")
    study = analyze(AnalysisOptions(source=source, out=root / "study")).path
    return Study.open(study)


@pytest.fixture(scope="module")
def town_report(town, tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("out") / "town-zh.pdf"
    return out, build_report(town, out, "zh", when=WHEN)


@needs_poppler
@needs_cjk
def test_figures_match_the_summary_and_every_page_has_attribution_and_number(town, town_report):
    path, result = town_report
    scored = score(town)
    scored.save()
    summary = scored.result.summary
    text = pdf_text(path)
    assert "15分钟生活圈服务缺口报告" in pdf_text(path, 1) and "主要发现" in pdf_text(path, 2)
    assert f"{summary.population:,.0f}" in text
    for key, values in summary.categories.items():
        assert f"{100 * values.coverage:.1f}%" in text, key
        assert f"{values.unserved:,.0f}" in text, key
    assert f"{summary.gini_proximity:.3f}" in text
    assert f"{summary.mean_score:.1f}" in text
    pages = pdf_pages(path)
    assert pages == result.pages >= 8
    for page in range(1, pages + 1):
        page_text = pdf_text(path, page)
        assert "OpenStreetMap contributors" in page_text, page
        assert f"第 {page} 页，共 {pages} 页" in page_text, page
    render(path, "town-zh")


@needs_poppler
@needs_cjk
def test_data_strings_print_literally_not_as_markup(town_report):
    path, _ = town_report
    text = pdf_text(path)
    assert '<img src="x"/>' in text and "<b>小区</b>" in text


@needs_poppler
@needs_cjk
def test_every_font_is_embedded_and_chinese_is_in_a_cjk_font(town_report):
    path, _ = town_report
    fonts = pdf_fonts(path)
    assert fonts, "no font listed"
    for row in fonts:
        name, embedded = row[0], row[-5]
        assert embedded == "yes", f"{name} is not embedded"
    assert any("WenQuanYi" in row[0] or "Droid" in row[0] or "ZenHei" in row[0] for row in fonts)


@needs_cjk
def test_same_study_same_bytes_and_the_date_is_the_only_difference(town, tmp_path):
    first = build_report(town, tmp_path / "a.pdf", "en", when=WHEN).path.read_bytes()
    second = build_report(town, tmp_path / "b.pdf", "en", when=WHEN).path.read_bytes()
    assert first == second
    later = build_report(town, tmp_path / "c.pdf", "en", when=WHEN + dt.timedelta(days=1)).path.read_bytes()
    assert later != first
    assert b"D:20261123080000" in first and b"D:20261124080000" in later


def test_chinese_without_a_cjk_font_says_how_to_install_one(town, tmp_path, monkeypatch):
    monkeypatch.setenv("CIRCLE_CJK_FONT", "none")
    with pytest.raises(CircleError, match="fonts-wqy-microhei"):
        build_report(town, tmp_path / "zh.pdf", "zh")
    assert not (tmp_path / "zh.pdf").exists()


@needs_poppler
def test_english_without_a_cjk_font_prints_names_in_pinyin_and_says_why(town, tmp_path, monkeypatch):
    monkeypatch.setenv("CIRCLE_CJK_FONT", "none")
    result = build_report(town, tmp_path / "en.pdf", "en", when=WHEN)
    text = pdf_text(result.path)
    assert not has_cjk(text), "Chinese glyphs printed with a Latin font would be empty boxes"
    assert "Xi Yuan" in text
    assert "pinyin" in text and "fonts-wqy-microhei" in text
    assert all("DejaVu" in row[0] for row in pdf_fonts(result.path))


def test_romanise_folds_full_width_punctuation():
    assert romanise("锦江区（东）") == "Jin Jiang Qu (Dong)"
    assert romanise("Riverside 小学") == "Riverside Xiao Xue"


@needs_poppler
@needs_cjk
def test_scenario_and_area_reports(town, tmp_path):
    from circle.tasks.whatif import what_if
    from tests.osm_builder import to_lonlat

    lon, lat = to_lonlat(200, 20)
    scenario = what_if(town, [Change("add", category="kindergarten", lat=lat, lon=lon, name="新幼儿园")])
    scenario.save("加幼儿园", None)
    newly = scenario.diff["categories"]["kindergarten"]["newly_served"]
    assert newly > 0
    result = build_report(town, tmp_path / "scenario.pdf", "zh", scenario="加幼儿园", when=WHEN)
    text = pdf_text(result.path)
    assert "方案比较：加幼儿园" in text and "新幼儿园" in text
    assert f"{newly:,.0f}" in text
    render(result.path, "town-scenario-zh")
    area = tmp_path / "area.geojson"
    corners = [to_lonlat(e, n) for e, n in [(50, -5), (350, -5), (350, 150), (50, 150), (50, -5)]]
    area.write_text(json.dumps({"type": "Polygon", "coordinates": [corners]}), encoding="utf-8")
    inside = build_report(town, tmp_path / "area.pdf", "en", area_file=area, when=WHEN)
    area_text = pdf_text(inside.path)
    assert "area.geojson (user-supplied boundary, 1 blocks)" in area_text


def test_bad_requests_fail_clearly_and_keep_the_previous_report(town, tmp_path):
    out = tmp_path / "kept.pdf"
    out.write_bytes(b"%PDF-1.4 previous report")
    with pytest.raises(CircleError, match="no scenario 'missing'"):
        build_report(town, out, "en", scenario="missing")
    assert out.read_bytes() == b"%PDF-1.4 previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.pdf"], "a partial file was left behind"
    with pytest.raises(CircleError, match=r"\.pdf"):
        build_report(town, tmp_path / "report.txt", "en")
    with pytest.raises(CircleError, match="written in zh or en") as refused:
        build_report(town, out, "fr")
    assert refused.value.about == ("lang",), "the library names the input; the CLI adds --lang"
    with pytest.raises(CircleError, match="scenario"):
        build_report(town, out, "en", scenario="../../etc")


@needs_cjk
def test_cli_writes_the_report(town, tmp_path, capsys):
    out = tmp_path / "reports" / "town.pdf"
    assert main(["report", "--study", str(town.path), "--lang", "en", "--out", str(out)]) == 0
    assert out.read_bytes()[:5] == b"%PDF-"
    assert "pages" in capsys.readouterr().out
    assert main(["report", "--study", str(town.path), "--out", str(tmp_path / "x.docx")]) == 2
    assert ".pdf" in capsys.readouterr().err


def _report_script():
    from circle.ui import report

    report.page()


@needs_cjk
def test_app_report_page_makes_the_pdf_and_offers_it(town, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CIRCLE_STUDIES", str(town.path.parent))
    at = AppTest.from_function(_report_script, default_timeout=120)
    at.run()
    assert not at.exception
    at.button(key="report_pdf_make").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    made = at.session_state["report_pdf"]
    assert made["bytes"][:5] == b"%PDF-" and made["pages"] >= 8
    assert made["name"] == "study-zh.pdf"
    assert len(at.get("download_button")) == 3


@pytest.mark.slow
@needs_poppler
@needs_cjk
def test_chengdu_report_in_chinese(tmp_path):
    source = shared_extract("chengdu_central_2018.osm.pbf")
    study = Study.open(analyze(AnalysisOptions(source=source, out=tmp_path / "chengdu")).path)
    scored = score(study)
    scored.save()
    summary = scored.result.summary
    result = build_report(study, tmp_path / "chengdu-zh.pdf", "zh", when=WHEN)
    assert result.size_bytes < 6_000_000
    text = pdf_text(result.path)
    assert f"{summary.population:,.0f}" in text
    for values in summary.categories.values():
        assert f"{100 * values.coverage:.1f}%" in text
    assert "养老服务" in text and "数据中无此类设施" in text, "the unmapped category is named, not hidden"
    named = study.blocks.dropna(subset=["name"])
    shown = [n for n in named["name"].unique() if n in text]
    assert len(shown) >= 3, "Chinese block names print in the priority table"
    assert "层数、人均住房面积与密度的默认值取自“中国城市”" in text, "the method section names the region"
    if (study.summary.population or {}).get("mostly_area_density"):
        assert "按“街坊面积 × 密度”估算" in text, "the cover warns that most residents come from area × density"
    # the categories the 2018 data holds too few of are named apart, never as missing service
    assert "未计入得分、生活圈层级、F15 与优先级" in text and "各类设施的数据完整性" in text
    assert "请先核实这些数据" in text, "the flagged blocks are listed before the priorities"
    assert "城市更新优先级" in text and "方法与数据说明" in text
    render(result.path, "chengdu-zh")


@pytest.mark.slow
@needs_poppler
@needs_cjk
def test_default_study_report_in_english(tmp_path):
    from circle.sources.embedded import default_source

    study = Study.open(analyze(AnalysisOptions(source=default_source(), out=tmp_path / "default")).path)
    result = build_report(study, tmp_path / "default-en.pdf", "en", when=WHEN)
    text = pdf_text(result.path)
    assert "Central Chengdu: 15-minute living circle service" in text, "titled by its place, never its file"
    assert "Map 1" in text and "Map 2" in text and "Map 3" in text
    assert f"Page {result.pages} of {result.pages}" in text
    render(result.path, "default-en")


def test_blocks_too_small_to_see_are_shown_as_squares_weighted_by_residents():
    import geopandas as gpd
    import numpy as np
    import shapely

    from circle.report.maps import city_squares

    # a map 100 km wide: 83 m a pixel, squares of a round 1,000 m (about 8 pixels);
    # four 20 m blocks, three in the square [0, 1000) m, one in [1000, 2000)
    corners = [(100, 100), (300, 300), (600, 900), (1600, 100)]
    blocks = gpd.GeoDataFrame(
        {"population": [100.0, 300.0, 0.0, 50.0]},
        geometry=[shapely.box(x, y, x + 20, y + 20) for x, y in corners],
        crs="EPSG:32648",
    )
    squares = city_squares(blocks, (0.0, 0.0, 100_000.0, 100_000.0))
    assert squares is not None and squares.side_m == 1000.0
    assert len(squares.paths) == 2 and squares.owner.tolist() == [0, 0, 0, 1]
    score = np.array([40.0, 80.0, 10.0, 55.0])
    # residents-weighted: (100 × 40 + 300 × 80) / 400 = 70; the empty block weighs (almost) nothing
    assert squares.combine(score, blocks["population"].to_numpy(), "mean") == pytest.approx([70.0, 55.0])
    assert squares.combine(score, blocks["population"].to_numpy(), "max").tolist() == [80.0, 55.0]
    gained = np.array([False, False, True, False])
    assert squares.combine(gained, blocks["population"].to_numpy(), "any").tolist() == [True, False]
    # on a district map (2 km wide) the same blocks are seen as they are
    assert city_squares(blocks, (0.0, 0.0, 2_000.0, 2_000.0)) is None


def test_a_layer_read_in_the_wrong_system_leads_the_findings():
    """A file whose offset check found another system fitting better is named first, above every finding."""
    from types import SimpleNamespace

    from circle.report.pdf.cover import misread_layers

    fits = {"offset_check": {"declared": "gcj02", "suggested": None}, "file": "ok.csv"}
    wrong = {"offset_check": {"declared": "wgs84", "suggested": "gcj02"}, "file": "amap.csv"}
    boundary = {"offset_check": {"suggested": "bd09"}, "file": "七普.csv", "boundary_file": "社区边界.geojson"}
    imports = SimpleNamespace(facilities=wrong, area=None, blocks=fits, census=None, census_table=boundary)
    assert misread_layers(imports) == ["amap.csv", "社区边界.geojson"]
    assert misread_layers(SimpleNamespace(facilities=fits)) == [] and misread_layers(None) == []
