"""Notice-board posters (``circle publish --posters``) of a small hand-made published site.

The site folder is written here, following the format of :mod:`circle.publish`,
so the posters are tested without publishing a study. The PDFs are read back
with poppler (``pdftotext``, ``pdftoppm``) and their QR codes decoded with
zxing-cpp; one poster is rendered into ``test-artifacts/`` to be looked at.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import pytest

from circle.errors import CircleError
from circle.publish.posters import nearest_services, page_url, poster_files, safe_file_name, write_posters
from circle.report.fonts import find_font

URL = "https://circle.example.gov.cn/heping/"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdftotext, pdftoppm) is not installed; scripts/system_packages.sh installs it",
)
needs_cjk = pytest.mark.skipif(
    not find_font().has_cjk, reason="no Chinese TrueType font (fonts-wqy-microhei) is installed"
)

CATEGORIES = [
    # key, group, zh, en, verdict
    ("kindergarten", "schools", "幼儿园", "Kindergarten", "assessed"),
    ("primary_school", "schools", "小学", "Primary school", "assessed"),
    ("clinic", "clinics", "社区卫生服务/诊所", "Clinic / community health", "likely_incomplete"),
    ("park", "parks", "公园绿地", "Park / public green", "assessed"),
    ("park_1ha", "parks", "居住区公园（≥1公顷）", "Residential park (≥ 1 ha)", "assessed"),
    ("sports", "sports", "体育场地", "Sports ground", "likely_incomplete"),
    ("elderly_care", "care", "养老服务", "Elderly care", "absent"),
    ("food_market", "shops", "菜市场/生鲜超市", "Food market / supermarket", "assessed"),
]
LABELS = {key: {"zh": zh, "en": en} for key, _g, zh, en, _v in CATEGORIES}


def _site_json(data_date: str | None) -> dict:
    return {
        "format": 1,
        "name": "heping",
        "published": "2026-12-04",
        "title": {"zh": "和平街道 15分钟生活圈", "en": "Heping: your 15-minute neighbourhood"},
        "place": {"zh": "和平街道", "en": "Heping"},
        "data_date": data_date,
        "source": {"zh": "OpenStreetMap 地图数据（测试）", "en": "OpenStreetMap map data (test)"},
        "attribution": "© OpenStreetMap contributors",
        "origin": {"lon": 104.08, "lat": 30.69},
        "extent": [-1500, -1500, 1500, 1500],
        "levels": [{"level": 0, "size": 1000, "max_view_m": 3000}],
        "categories": [
            {"key": key, "group": group, "label": {"zh": zh, "en": en}, "verdict": verdict}
            for key, group, zh, en, verdict in CATEGORIES
        ],
        "profiles": {"standard": {"speed": 1.1, "steps_speed": 0.55}, "elderly": {"speed": 0.8, "steps_speed": 0.28}},
        "median_score": 47.0,
        "blocks": 4,
        "isochrone_minutes": 15,
        "reports": True,
        "url": URL,
    }


def _service(key: str, name: str | None, x: int, y: int, metres: int, steps: int = 0) -> dict:
    minutes = ((metres - steps) / 1.1 + steps / 0.55) / 60.0
    return {
        "category": key,
        "verdict": dict((k, v) for k, _g, _z, _e, v in CATEGORIES)[key],
        "facility": {"name": name, "x": x, "y": y},
        "metres": metres,
        "steps_metres": steps,
        "minutes": round(minutes, 1),
        "route": [[0, 0], [x, y]],
    }


def _block(fid: str, name: str | None, community: str | None, centre: tuple[int, int], score: int) -> dict:
    cx, cy = centre
    park = ("人民公园", cx + 500, cy + 300, 700)
    services = [
        _service("kindergarten", "小太阳幼儿园", cx - 300, cy + 100, 380),
        _service("primary_school", "和平路小学", cx + 200, cy - 500, 610, steps=40),
        _service("clinic", None, cx - 600, cy - 200, 820),  # a clinic without a name on the map
        _service("park", *park),
        _service("park_1ha", *park),  # the same park again: listed once
        _service("sports", "全民健身广场", cx + 900, cy + 800, 1300),
        {
            "category": "elderly_care",
            "verdict": "absent",
            "facility": None,
            "metres": None,
            "steps_metres": None,
            "minutes": None,
            "route": None,
        },
        _service("food_market", "红旗连锁", cx + 60, cy + 40, 95),
    ]
    outline = [[[cx - 80, cy - 60], [cx + 80, cy - 60], [cx + 80, cy + 60], [cx - 80, cy + 60], [cx - 80, cy - 60]]]
    isochrone = [
        [[x0, y0], [x0 + 400, y0], [x0 + 400, y0 + 50], [x0, y0 + 50]]
        for x0, y0 in ((cx - 700 + 50 * (k % 3), cy - 700 + 50 * k) for k in range(28))
    ]
    return {
        "id": fid,
        "block_id": fid,
        "name": name,
        "community": community,
        "place": {"zh": "和平路以东、建设路以南", "en": "east of 和平路, south of 建设路"},
        "subdistrict": "和平街道",
        "score": score,
        "band": {"zh": "一般", "en": "Fair"} if score >= 50 else {"zh": "较差", "en": "Poor"},
        "tier_met": 5,
        "residents": 900,
        "residents_low": 700,
        "residents_high": 1100,
        "flagged": False,
        "centre": [cx, cy],
        "outline": outline,
        "isochrone": isochrone,
        "services": services,
        "missing": {"zh": [], "en": []},
        "not_held": {
            "zh": ["地图数据里没有收录养老服务，所以这里说不出最近的在哪里。这不代表您家附近没有。"],
            "en": ["The map data holds no Elderly care, so we cannot tell you where the nearest is."],
        },
    }


BLOCKS = [
    _block("w101", "西园小区", "和平社区", (0, 0), 62),
    _block("w102", "东苑", "和平社区", (600, 200), 41),
    _block("w103", None, "和平社区", (-400, 500), 30),  # unnamed: no page
    _block("r7", "北里/南院:二期", None, (-900, -600), 55),  # risky characters in its name
]


def _write_site(root: Path, data_date: str | None = "2018-06-01") -> Path:
    data = root / "data"
    (data / "blocks").mkdir(parents=True)
    (data / "streets" / "0").mkdir(parents=True)
    (data / "site.json").write_text(json.dumps(_site_json(data_date), ensure_ascii=False), encoding="utf-8")
    for block in BLOCKS:
        (data / "blocks" / f"{block['id']}.json").write_text(json.dumps(block, ensure_ascii=False), encoding="utf-8")
    for i in (-2, -1, 0, 1):
        for j in (-2, -1, 0, 1):
            x0, y0 = i * 1000, j * 1000
            lines = [[0, x0, y0 + 500, 1000, 0]]  # a main road across the square
            lines += [[1, x0 + dx, y0, 0, 1000] for dx in (150, 450, 750)]  # streets up it
            lines += [[2, x0 + 100, y0 + 100, 200, 150, 300, -50]]  # a path
            tile = {"level": 0, "i": i, "j": j, "size": 1000, "lines": lines, "blocks": []}
            (data / "streets" / "0" / f"{i}_{j}.json").write_text(json.dumps(tile), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def posters(tmp_path_factory) -> dict[str, Path]:
    if not find_font().has_cjk:
        pytest.skip("no Chinese TrueType font (fonts-wqy-microhei) is installed")
    site = _write_site(tmp_path_factory.mktemp("site"))
    return {path.stem: path for path in write_posters(site, URL)}


def _text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _minutes(value: float) -> str:
    return "不到1分钟" if value < 0.5 else f"{math.floor(value + 0.5)}分钟"


# --------------------------------------------------------------------------------------------- files


@needs_cjk
def test_one_file_per_community_and_per_compound_outside_one(posters):
    assert sorted(posters) == ["北里_南院_二期", "和平社区"]
    for path in posters.values():
        assert path.parent.name == "posters"
        assert path.read_bytes().startswith(b"%PDF")
    assert not list(posters["和平社区"].parent.glob(".*"))  # no partial file left behind


@needs_cjk
@needs_poppler
def test_a_community_file_holds_one_page_per_named_compound(posters):
    pages = _text(posters["和平社区"]).split("\f")
    pages = [page for page in pages if page.strip()]
    assert len(pages) == 2  # 西园小区 and 东苑; the unnamed block gets no page
    assert "东苑" in pages[0] and "西园小区" in pages[1]  # in order of name
    info = subprocess.run(["pdfinfo", str(posters["和平社区"])], capture_output=True, text=True, check=True).stdout
    assert "A4" in info


def test_file_names_are_safe_and_keep_chinese():
    assert safe_file_name("和平社区") == "和平社区"
    for risky in ("../../etc/passwd", "a/b\\c", "名字:*?<>|", "..", "\x00x", " "):
        name = safe_file_name(risky)
        assert name and "/" not in name and "\\" not in name and not name.startswith(".")
        assert all(ch.isalnum() or ch in "_-·" for ch in name)
    blocks = [
        {"id": "a", "name": "x", "community": "A/B", "place": {}},
        {"id": "b", "name": "y", "community": "A:B", "place": {}},
    ]
    assert sorted(poster_files(blocks)) == ["A_B", "A_B-2"]  # two communities never share a file


# --------------------------------------------------------------------------------------------- words


@needs_cjk
@needs_poppler
def test_a_poster_says_what_the_compound_page_says(posters):
    block = BLOCKS[0]
    text = _text(posters["和平社区"])
    page = _squeezed(next(p for p in text.split("\f") if "西园小区" in p))
    site = _site_json("2018-06-01")
    assert "西园小区" in page and "和平社区" in page
    assert "62" in page and block["band"]["zh"] in page and block["band"]["en"] in page
    # the median is of the blocks the site holds, never called the city's
    assert "本站居住区中位数" in page and "本市" not in page and "citymedian" not in page
    listed = nearest_services(block)
    assert [s["category"] for s in listed] == ["food_market", "kindergarten", "primary_school", "park", "clinic"]
    for service in listed:
        label = LABELS[service["category"]]["zh"]
        name = service["facility"]["name"] or "（地图上未标名称）"
        assert _squeezed(f"{label}：{name}") in page, service["category"]
        standard = service["minutes"]
        assert f"步行约{_minutes(standard)}" in page
        flat = service["metres"] - service["steps_metres"]
        older = standard * (flat / 0.8 + service["steps_metres"] / 0.28) / (flat / 1.1 + service["steps_metres"] / 0.55)
        assert f"老年人约{_minutes(older)}" in page
        assert f"{service['metres']:,}米" in page
    assert "全民健身广场" not in page  # the sixth service is not listed
    # the park is listed once although two categories reach it (in Chinese and in English)
    assert page.count("人民公园") == 2 and "居住区公园" not in page
    # the category the map data does not hold is said as such, never "none"
    assert "地图数据里没有收录：养老服务" in page and "Themapdatadoesnothold:Elderlycare" in page
    assert "没有养老" not in page and "Noelderly" not in page.replace(" ", "")
    # a category the map holds only partly is marked, and the mark explained
    assert "地图上这类设施收录不全" in page
    # the data's date, source, attribution and the publishing date
    assert "数据日期：2018-06-01" in page and "发布日期：2026-12-04" in page
    assert _squeezed(site["source"]["zh"]) in page and "©OpenStreetMapcontributors" in page
    assert _squeezed(page_url(URL, "w101")) in page


@needs_cjk
@needs_poppler
def test_an_unknown_data_date_is_said(tmp_path):
    site = _write_site(tmp_path, data_date=None)
    paths = write_posters(site, URL)
    text = _squeezed(_text(next(p for p in paths if p.stem == "北里_南院_二期")))
    assert "数据日期：日期不详" in text and "dateunknown" in text
    assert "北里/南院:二期" in text  # the name itself is printed as it is


def test_a_missing_address_is_a_clear_error(tmp_path):
    site = _write_site(tmp_path)
    for url in (None, "", "  "):
        with pytest.raises(CircleError, match="public address"):
            write_posters(site, url)
    assert not (site / "posters").exists()


def test_a_folder_that_is_not_a_site_is_a_clear_error(tmp_path):
    with pytest.raises(CircleError, match=r"site\.json"):
        write_posters(tmp_path, URL)


def test_a_site_without_named_blocks_gets_no_posters(tmp_path):
    site = _write_site(tmp_path)
    for path in (site / "data" / "blocks").glob("*.json"):
        block = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps({**block, "name": None}, ensure_ascii=False), encoding="utf-8")
    assert write_posters(site, URL) == []


# --------------------------------------------------------------------------------------------- QR


@needs_cjk
@needs_poppler
def test_each_qr_code_leads_to_its_compound_page(posters, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp reads the QR codes back")
    from PIL import Image

    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(posters["和平社区"]), str(tmp_path / "page")], check=True)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == 2
    found = []
    for png in pngs:
        codes = [r.text for r in zxingcpp.read_barcodes(Image.open(png)) if r.format == zxingcpp.BarcodeFormat.QRCode]
        assert len(codes) == 1, png.name
        found.append(codes[0])
    assert found == [page_url(URL, "w102"), page_url(URL, "w101")]  # 东苑, then 西园小区
    shutil.copy(pngs[1], ARTIFACTS / "poster-xiyuan.png")  # to be looked at


# --------------------------------------------------------------------------------------------- layout


def _crowded(block: dict) -> dict:
    """The block with long names everywhere and every category but two out of reach."""
    services = []
    for service in block["services"]:
        if service["category"] in ("food_market", "clinic"):
            name = "成都市第三人民医院华安街社区卫生服务中心东区分院" if service["category"] == "clinic" else None
            services.append({**service, "facility": {**service["facility"], "name": name}})
        elif service["verdict"] != "absent":
            services.append({**service, "facility": None, "metres": None, "minutes": None, "route": None})
        else:
            services.append(service)
    return {**block, "name": "四川省电力公司送变电建设公司职工住宅小区（二期）北区", "services": services}


def _text_lines(path: Path) -> list[list[tuple[float, float, float, float]]]:
    """Return each page's text lines as boxes (x0, y0, x1, y1; y down from the top), read back by poppler."""
    import re

    xml = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, text=True, check=True)
    pages = []
    for page in xml.stdout.split("<page ")[1:]:
        boxes = re.findall(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', page)
        pages.append([tuple(float(v) for v in box) for box in boxes])
    return pages


@needs_cjk
@needs_poppler
def test_a_crowded_poster_keeps_its_lines_apart_and_on_the_page(tmp_path):
    site = _write_site(tmp_path)
    path = site / "data" / "blocks" / "r7.json"
    block = _crowded(json.loads(path.read_text(encoding="utf-8")))
    path.write_text(json.dumps(block, ensure_ascii=False), encoding="utf-8")
    poster = next(p for p in write_posters(site, URL) if p.stem == safe_file_name(block["name"]))
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", str(poster), str(ARTIFACTS / "poster-crowded")])
    text = _squeezed(_text(poster))
    # the categories out of reach are named, said to be missing from the map (not from the neighbourhood)
    unreached = [LABELS[k]["zh"] for k in ("kindergarten", "primary_school", "park", "park_1ha", "sports")]
    assert "步行可到的范围内，地图上没有：" + "、".join(unreached) in text
    assert "成都市第三人民医院" in text and "（地图上未标名称）" in text
    (boxes,) = _text_lines(poster)
    width, height = 595.3, 841.9
    for x0, y0, x1, y1 in boxes:
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
    for k, (ax0, ay0, ax1, ay1) in enumerate(boxes):
        for bx0, by0, bx1, by1 in boxes[k + 1 :]:
            side_by_side = ax1 <= bx0 + 0.5 or bx1 <= ax0 + 0.5
            stacked = ay1 <= by0 + 1.0 or by1 <= ay0 + 1.0  # glyph boxes of adjacent lines may touch
            assert side_by_side or stacked, ((ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1))


# --------------------------------------------------------------------------------------------- end to end


@needs_cjk
@needs_poppler
def test_circle_publish_posters_writes_the_compound_poster_from_its_page(tmp_path):
    from circle.cli import main as cli
    from circle.pipeline import AnalysisOptions, analyze
    from circle.study import Study
    from circle.tasks.score import score
    from tests.osm_builder import small_town

    analyze(AnalysisOptions(source=small_town(tmp_path / "town.osm"), out=tmp_path / "town"))
    score(Study.open(tmp_path / "town")).save()
    site = tmp_path / "site"
    args = ["publish", "--study", str(tmp_path / "town"), "--out", str(site), "--url", URL, "--posters"]
    assert cli(args) == 0
    (poster,) = sorted((site / "posters").glob("*.pdf"))
    assert poster.name == "西园小区.pdf"
    block = next(
        page
        for page in (json.loads(p.read_text(encoding="utf-8")) for p in (site / "data" / "blocks").glob("*.json"))
        if page["name"] == "西园小区"
    )
    text = _squeezed(_text(poster))
    assert f"{block['score']}分" in text and block["band"]["zh"] in text
    for service in nearest_services(block):
        assert f"步行约{_minutes(service['minutes'])}" in text
        assert _squeezed(service["facility"]["name"] or "（地图上未标名称）") in text
    assert _squeezed(page_url(URL, block["id"])) in text
