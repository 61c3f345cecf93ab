"""The published resident site in Chromium at phone width, as WeChat's in-app browser presents itself.

The hand-drawn town (:func:`tests.osm_builder.small_town`) is analysed, scored
and published; a plain static server serves it (as any web host would). The
page is driven at 360 × 740 with WeChat's user agent, touch and a phone's
viewport: search by pinyin and initials, a block page against its JSON and the
study's tables, the legend against what the map draws, share, the QR code read
back with zxing, the first screen's weight, no sideways scroll, English chrome
with no Chinese words of its own, and the report form against a stubbed
endpoint. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import functools
import http.server
import io
import json
import math
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
DEFAULT_STUDY = REPO / "data" / "studies" / "default"
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; M2012K11AC Build/TKQ1.220829.002; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 "
    "MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)
PHONE = {"width": 360, "height": 740}
FIRST_SCREEN_BUDGET = 300 * 1024
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")

if not CHROMIUM.exists():
    pytest.skip("Debian chromium (/usr/bin/chromium) is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed in this environment")


# ------------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Path:
    """The hand-drawn town, analysed and scored as ``circle analyze`` does."""
    from circle.pipeline import AnalysisOptions, analyze
    from circle.study import Study
    from circle.tasks.score import score
    from tests.osm_builder import small_town

    root = tmp_path_factory.mktemp("town")
    analyze(AnalysisOptions(source=small_town(root / "town.osm"), out=root / "town"))
    score(Study.open(root / "town")).save()
    return root / "town"


@pytest.fixture(scope="module")
def town_site(town, tmp_path_factory) -> Path:
    from circle.publish.site import PublishOptions, publish_site

    out = tmp_path_factory.mktemp("sites") / "town"
    publish_site(town, out, PublishOptions(place={"zh": "小镇", "en": "Small Town"}))
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the test's output is for failures
        pass


@pytest.fixture(scope="module")
def served(town_site) -> Iterator[str]:
    """The site on a plain static server (no report endpoint), as any web host serves it."""
    yield from _serve(town_site)


def _serve(root: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def phone(browser):
    """A page as WeChat's in-app browser on an Android phone; no system share sheet, so share copies."""
    context = browser.new_context(
        viewport=PHONE,
        user_agent=WECHAT_UA,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale="zh-CN",
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.add_init_script("try { delete Navigator.prototype.share; } catch (e) {}")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"the page raised: {errors}"


def _load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _the_compound(site: Path) -> tuple[str, dict]:
    (row,) = [r for r in _load(site / "data" / "search.json") if r[1] == "西园小区"]
    return row[0], _load(site / "data" / "blocks" / f"{row[0]}.json")


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_load_state("networkidle")


def _shot(page, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"published_site_{name}.png"), full_page=full_page)


def _minutes_words(minutes: float, lang: str = "zh") -> str:
    if minutes < 0.5:
        return "不到 1 分钟" if lang == "zh" else "under 1 min"
    n = math.floor(minutes + 0.5)
    return f"{n} 分钟" if lang == "zh" else f"{n} min"


def _chrome_text(page) -> str:
    """The page's visible words less the data's own (names, places, the site's sentences, marked data-d)
    and the link to the other language."""
    return page.evaluate(
        """() => {
            const copy = document.body.cloneNode(true);
            copy.querySelectorAll('[data-d]').forEach(node => node.remove());
            // the link to the Chinese page says its name in Chinese, marked as such (lang="zh-CN")
            copy.querySelectorAll('[lang="zh-CN"]').forEach(node => node.remove());
            copy.querySelectorAll('[hidden]').forEach(node => node.remove());
            copy.querySelectorAll('noscript').forEach(node => node.remove());
            return copy.innerText + '\\n' + [...copy.querySelectorAll('[aria-label],[title],[placeholder]')]
                .map(node => [node.getAttribute('aria-label'), node.getAttribute('title'),
                              node.getAttribute('placeholder')].join(' ')).join('\\n');
        }"""
    )


# ------------------------------------------------------------------------------------------------ search


def test_search_by_pinyin_and_by_initials_opens_the_compound(phone, served, town_site):
    fid, _ = _the_compound(town_site)
    requested: list[str] = []
    phone.on("request", lambda request: requested.append(request.url))
    _open(phone, served + "index.html")
    assert phone.title() == "小镇 15分钟生活圈"
    assert not any("search.json" in url for url in requested), "the index is fetched only when the resident types"
    _shot(phone, "search_zh", full_page=False)

    box = phone.locator("#q")
    for query in ("xiyuan", "xyxq", "XYXQ", "Xī Yuán", "西园"):
        box.fill("")
        box.type(query)
        link = phone.locator("#results a").first
        link.wait_for()
        assert link.inner_text() == "西园小区 · Main Street以北", query  # the street tells apart one name's blocks
        assert link.get_attribute("href") == f"?b={fid}&lang=zh"
    assert sum("search.json" in url for url in requested) == 1, "the index is fetched once"
    box.fill("")
    box.type("xyxqz")
    phone.wait_for_function("document.querySelector('#search-status').textContent.includes('没有找到')")
    assert phone.locator("#results a").count() == 0

    box.fill("")
    box.type("xyxq")
    phone.locator("#results a").first.click()
    phone.wait_for_selector("body[data-ready='1'] #block-name")
    assert phone.url.endswith(f"index.html?b={fid}&lang=zh")
    assert phone.locator("#block-name").inner_text() == "西园小区"
    assert phone.title().startswith("西园小区")


NAMES = ["西园小区", "西园", "东西园小区", "新苑小区", "西苑", "Standard City", "xiyuan lu 8号", "园西里", "锦绣东方"]


@pytest.mark.parametrize("query", ["xiyuan", "xy", "xyxq", "西园", "园", "standard", "x", "yuan", "8", "jxdf"])
def test_the_page_ranks_names_as_the_planners_search_does(phone, served, query):
    """Exact, prefix, anywhere; characters, full pinyin, initials; shorter names first (circle.analysis.search)."""
    from circle.analysis.search import NameIndex, pinyin_forms

    index = NameIndex.build(pd.DataFrame({"block_id": [f"b{i}" for i in range(len(NAMES))], "name": NAMES}))
    expected = index.search(query, limit=10)["block_id"].tolist()
    rows = [[f"b{i}", name, *pinyin_forms(name)] for i, name in enumerate(NAMES)]
    _open(phone, served + "index.html")
    found = phone.evaluate(
        """([rows, query]) => {
            const index = prepareIndex(rows);
            return searchIndex(index, query, 10, learnPinyin(index)).rows.map(hit => hit[2]);
        }""",
        [rows, query],
    )
    assert found == expected


# ------------------------------------------------------------------------------------------------ block page


def test_the_block_page_says_the_numbers_of_its_json_and_of_the_study(phone, served, town, town_site):
    from circle.study import Study
    from circle.study.columns import nearest_minutes_column

    fid, block = _the_compound(town_site)
    site = _load(town_site / "data" / "site.json")
    _open(phone, served + f"index.html?b={fid}")
    _shot(phone, "block_zh")

    # the score in words first, out of 100, as the JSON and the study's scores say
    scores = pd.read_parquet(town / "scores.parquet").set_index("block_id")
    row = scores.loc[block["block_id"]]
    assert block["score"] == round(float(row["score"]))
    line = phone.locator("#score-line").inner_text()
    assert line == f"{block['band']['zh']} — {block['score']} 分（满分100）"
    assert block["band"]["zh"] == row["band_zh"]
    median = phone.locator("#median").inner_text()
    if abs(block["score"] - site["median_score"]) < 2:
        assert median == f"与本站所有居住区的中位数（{round(site['median_score'])} 分）差不多。"
    else:
        assert str(round(site["median_score"])) in median and ("高" in median or "低" in median)
    assert (
        phone.locator("#tier")
        .inner_text()
        .startswith(
            {
                15: "5分钟、10分钟、15分钟",
                10: "达到了5分钟和10分钟",
                5: "达到了5分钟生活圈",
                0: "5分钟生活圈的标准还没有",
            }[block["tier_met"]]
        )
    )

    study = Study.open(town)
    facilities = study.facilities.set_index("facility_id")
    blocks = study.blocks.set_index("block_id")
    shown = 0
    for service in block["services"]:
        item = phone.locator(f"li.service[data-category='{service['category']}']")
        text = item.inner_text()
        label = next(c["label"]["zh"] for c in site["categories"] if c["key"] == service["category"])
        assert text.startswith(label)
        if service["verdict"] == "absent":
            assert "地图数据里没有收录这类场所" in text and "这不代表附近没有" in text
            assert "步行约" not in text
            continue
        if service["facility"] is None:
            assert "地图上没有找到" in text
            continue
        shown += 1
        name = service["facility"]["name"]
        assert item.locator(".facility-name").inner_text() == (name or "（地图上没有名字）")
        walk = item.locator(".walk").inner_text()
        assert walk == f"步行约 {_minutes_words(service['minutes'])} · {service['metres']:,} 米"
        # the study's own tables: the nearest facility's name, and the minutes within the rounding
        nearest = blocks.loc[block["block_id"], f"{service['category']}_id1"]
        assert name == (facilities.loc[nearest, "name"] or None)
        study_minutes = float(row[nearest_minutes_column(service["category"])])
        assert abs(float(item.locator(".walk").get_attribute("data-minutes")) - study_minutes) < 0.06
        if service["verdict"] == "likely_incomplete":
            assert "可能漏掉" in text
    assert shown >= 2, "the town's compound reaches its clinic and its school"

    missing = phone.locator("#missing").inner_text()
    for sentence in block["missing"]["zh"] + block["not_held"]["zh"]:
        assert sentence in missing
    footer = phone.locator("#foot").inner_text()
    assert (f"数据日期：{site['data_date']}" if site["data_date"] else "数据日期：不清楚") in footer
    assert "—" not in footer and site["attribution"] in footer and site["source"]["zh"] in footer


def test_an_older_persons_pace_gives_the_minutes_of_the_posters(phone, served, town_site):
    from circle.publish.posters import older_minutes

    fid, block = _the_compound(town_site)
    site = _load(town_site / "data" / "site.json")
    _open(phone, served + f"index.html?b={fid}")
    phone.locator("label[for='pace-elderly']").click()
    assert phone.url.endswith(f"?b={fid}&lang=zh&pace=elderly")
    for service in block["services"]:
        if service["facility"] is None or service["verdict"] == "absent":
            continue
        older = older_minutes(service, site["profiles"])
        walk = phone.locator(f"li.service[data-category='{service['category']}'] .walk").inner_text()
        assert walk.startswith(f"步行约 {_minutes_words(older)}")
        assert older > service["minutes"]
    assert "老年人步速" in phone.locator("#pace-note").inner_text()
    # the links that leave the page keep the pace: to English, home, and back to the search
    assert phone.locator("#lang-switch").get_attribute("href") == f"?b={fid}&lang=en&pace=elderly"
    assert phone.locator("#back-link").get_attribute("href").endswith("pace=elderly")
    _open(phone, served + f"index.html?b={fid}&pace=elderly")  # the pace is kept in the address
    assert phone.locator("#pace-elderly").is_checked()


def test_the_legend_names_everything_the_map_draws(phone, served, town_site):
    fid, block = _the_compound(town_site)
    site = _load(town_site / "data" / "site.json")
    _open(phone, served + f"index.html?b={fid}")
    phone.wait_for_function("document.querySelectorAll('.streets path').length > 0")
    phone.locator(".map-wrap").screenshot(path=str(ARTIFACTS / "published_site_map.png"))
    legend = phone.locator("#legend")
    swatches = legend.locator("li").evaluate_all("items => items.map(i => [i.dataset.swatch, i.innerText])")
    kinds = [s for s, _ in swatches]
    assert kinds.count("block") == 1 and kinds.count("area") == 1
    assert ["block", "本小区"] in swatches
    assert ["area", f"步行 {round(site['isochrone_minutes'])} 分钟可到的范围"] in swatches
    labels = {c["key"]: c["label"]["zh"] for c in site["categories"]}
    drawn = phone.locator("path.route").evaluate_all(
        "paths => paths.map(p => [p.dataset.category, p.getAttribute('stroke')])"
    )
    dots = phone.locator("circle.facility").evaluate_all(
        "dots => dots.map(d => [d.dataset.category, d.getAttribute('fill')])"
    )
    reached = [s["category"] for s in block["services"] if s["facility"] and s["verdict"] != "absent"]
    assert sorted(c for c, _ in dots) == sorted(reached)
    assert {c for c, _ in drawn} <= set(reached)
    for category, colour in dots:
        item = legend.locator(f"li[data-category='{category}']")
        assert item.inner_text() == f"{labels[category]}：步行路线和地点"
        assert item.locator("circle").get_attribute("fill") == colour
    # the street kinds drawn in view, and only those
    drawn_kinds = phone.evaluate(
        """() => [...document.querySelectorAll('.streets g[data-level]')]
            .filter(g => g.style.display !== 'none')
            .flatMap(g => [...g.querySelectorAll('g[data-kind]')].filter(k => k.children.length)
            .map(k => Number(k.dataset.kind)))"""
    )
    words = {0: "主要道路", 1: "街道", 2: "步行小路"}
    assert drawn_kinds, "the town's street is drawn"
    assert sorted(t for s, t in swatches if s == "street") == sorted(words[k] for k in set(drawn_kinds))


def test_the_map_pans_and_zooms_and_loads_only_the_squares_it_shows(phone, served, town_site):
    fid, _ = _the_compound(town_site)
    site = _load(town_site / "data" / "site.json")
    squares: list[str] = []
    phone.on("request", lambda r: "/data/streets/" in r.url and squares.append(r.url.split("/data/streets/")[1]))
    _open(phone, served + f"index.html?b={fid}")

    def matrix() -> list[float]:
        return [float(v) for v in re.findall(r"-?[\d.e-]+", phone.locator(".map > g").first.get_attribute("transform"))]

    start = matrix()
    assert all(s.startswith("0/") for s in squares), "a compound's view is drawn from the finest level"
    phone.get_by_role("button", name="放大").click()
    assert matrix()[0] == pytest.approx(2 * start[0])
    box = phone.locator("svg.map").bounding_box()
    phone.mouse.move(box["x"] + 100, box["y"] + 100)
    phone.mouse.wheel(0, 300)
    phone.wait_for_timeout(100)
    assert matrix()[0] < 2 * start[0], "the wheel turned towards the resident zooms out"
    before = matrix()
    phone.mouse.down()
    phone.mouse.move(box["x"] + 160, box["y"] + 140, steps=5)
    phone.mouse.up()
    after = matrix()
    assert after[4] - before[4] == pytest.approx(60, abs=1) and after[5] - before[5] == pytest.approx(40, abs=1)
    for _ in range(8):
        phone.get_by_role("button", name="缩小").click()
    phone.wait_for_timeout(400)
    # the town is 1.2 km across: the widest view it allows (1.5 times that) is still the finest level's
    assert site["levels"][0]["max_view_m"] >= 1.5 * max(site["extent"][2] - site["extent"][0], 1000)
    assert squares and all(s.startswith("0/") for s in squares)
    assert len(squares) == len(set(squares)), "each square is fetched once"
    on_disk = {f"0/{p.name}" for p in (town_site / "data" / "streets" / "0").iterdir()}
    assert set(squares) <= on_disk, "no square outside the study's streets is asked for"


def test_share_copies_the_link_and_the_qr_code_reads_back_as_the_pages_address(phone, served, town_site):
    zxingcpp = pytest.importorskip("zxingcpp", reason="the zxing-cpp module reads QR codes back")
    from PIL import Image

    fid, _ = _the_compound(town_site)
    _open(phone, served + f"index.html?b={fid}&pace=elderly")
    expected = served + f"index.html?b={fid}&lang=zh"
    phone.locator("#share-button").click()
    phone.wait_for_function("document.querySelector('#share-status').textContent.length > 0")
    assert phone.locator("#share-status").inner_text() == "链接已复制，可以粘贴到微信群里。"
    assert phone.evaluate("navigator.clipboard.readText()") == expected

    qr = phone.locator("#qr")
    qr.wait_for()
    qr.scroll_into_view_if_needed()
    _shot(phone, "share_zh", full_page=False)
    image = Image.open(io.BytesIO(qr.screenshot())).convert("L")
    found = zxingcpp.read_barcodes(image)
    assert [code.text for code in found] == [expected]
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode


def test_share_shows_the_link_selected_where_nothing_can_copy(phone, served, town_site):
    fid, _ = _the_compound(town_site)
    phone.add_init_script(
        "Object.defineProperty(navigator, 'clipboard', {value: undefined});"
        "document.execCommand = function () { return false; };"
    )
    _open(phone, served + f"index.html?b={fid}")
    phone.locator("#share-button").click()
    link = phone.locator("#share-link")
    link.wait_for(state="visible")
    assert link.input_value() == served + f"index.html?b={fid}&lang=zh"
    assert phone.evaluate("document.activeElement.id") == "share-link"
    assert phone.evaluate("window.getSelection().toString() || document.activeElement.selectionEnd") not in ("", 0)


# ------------------------------------------------------------------------------------------------ phone fit


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_scrolls_sideways_at_360_px(phone, served, town_site, lang):
    fid, _ = _the_compound(town_site)
    for address in (f"index.html?lang={lang}", f"index.html?b={fid}&lang={lang}"):
        _open(phone, served + address)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], address
        assert float(phone.evaluate("getComputedStyle(document.body).fontSize").removesuffix("px")) >= 18


def test_the_english_page_has_no_chinese_words_of_its_own(phone, served, town_site):
    fid, block = _the_compound(town_site)
    for address in ("index.html?lang=en", f"index.html?b={fid}&lang=en"):
        _open(phone, served + address)
        words = _chrome_text(phone)
        assert not HAN.findall(words), f"{address}: {sorted(set(HAN.findall(words)))} in {words!r}"
    assert phone.evaluate("document.documentElement.lang") == "en"
    assert phone.locator("#score-line").inner_text() == f"{block['band']['en']} — {block['score']} out of 100"
    assert phone.locator("#lang-switch").inner_text() == "中文"
    _shot(phone, "block_en")


def test_a_block_pages_first_screen_is_within_300_kb(phone, served, town_site):
    fid, _ = _the_compound(town_site)
    assert _first_screen_bytes(phone, served + f"index.html?b={fid}") <= FIRST_SCREEN_BUDGET


def _first_screen_bytes(page, url: str) -> int:
    """Bytes transferred (headers and bodies, as the browser counts them) until the page is drawn and idle."""
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    _open(page, url)
    page.wait_for_timeout(300)
    sizes = [request.sizes() for request in finished]
    assert any(r.url.endswith(".json") and "/data/blocks/" in r.url for r in finished)
    return sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes)


@pytest.mark.slow
def test_the_default_studys_first_screen_is_within_300_kb(phone, tmp_path):
    """The embedded central-Chengdu study: a dense city centre, the heaviest first screen of its compounds."""
    if not (DEFAULT_STUDY / "summary.json").exists():
        pytest.skip(f"no default study at {DEFAULT_STUDY} (scripts/study.sh makes it)")
    from circle.publish.site import PublishOptions, publish_site

    site = tmp_path / "default"
    publish_site(DEFAULT_STUDY, site, PublishOptions(place={"zh": "成都市中心", "en": "Central Chengdu"}))
    blocks = site / "data" / "blocks"
    heaviest = max(blocks.iterdir(), key=lambda p: p.stat().st_size).stem
    server = _serve(site)
    base = next(server)
    squares: list[str] = []
    phone.on("request", lambda r: "/data/streets/" in r.url and squares.append(r.url.split("/data/streets/")[1]))
    try:
        weight = _first_screen_bytes(phone, base + f"index.html?b={heaviest}")
        phone.locator(".map-wrap").screenshot(path=str(ARTIFACTS / "published_site_default_map.png"))
        first = set(squares)
        # zoomed out step by step, the map moves to the coarser levels and their squares in view
        for _ in range(6):
            phone.get_by_role("button", name="缩小").click()
            phone.wait_for_timeout(250)
        phone.locator(".map-wrap").screenshot(path=str(ARTIFACTS / "published_site_default_map_wide.png"))
    finally:
        server.close()
    assert weight <= FIRST_SCREEN_BUDGET, f"{weight:,} bytes"
    assert len({s.split("/")[0] for s in first}) == 1, "one level of detail at a time"
    assert "2/0_0.json" in squares and {s.split("/")[0] for s in squares} >= {"1", "2"}
    assert len(squares) == len(set(squares)), "each square is fetched once"


# ------------------------------------------------------------------------------------------------ reports


def test_a_plain_static_host_shows_no_report_form(phone, served, town_site):
    fid, _ = _the_compound(town_site)
    _open(phone, served + f"index.html?b={fid}")
    phone.wait_for_timeout(300)
    assert phone.locator("#report").is_hidden()
    assert phone.locator("#report-open").count() == 0


def test_a_site_published_without_reports_never_asks_for_a_token(phone, served, town_site, tmp_path):
    fid, _ = _the_compound(town_site)
    asked = []
    phone.route("**/api/reports/token", lambda route: (asked.append(1), route.fulfill(json={"token": "t"})))
    phone.route(
        "**/data/site.json", lambda route: route.fulfill(json={**_load(town_site / "data/site.json"), "reports": False})
    )
    _open(phone, served + f"index.html?b={fid}")
    phone.wait_for_timeout(300)
    assert not asked and phone.locator("#report").is_hidden()


def test_a_report_is_sent_with_its_token_pin_and_words(phone, served, town_site):
    from circle.publish.plane import LocalPlane

    fid, block = _the_compound(town_site)
    site = _load(town_site / "data" / "site.json")
    sent: list[dict] = []

    def token(route):
        route.fulfill(json={"token": f"token-{len(sent)}"})

    def submit(route):
        request = route.request
        sent.append({"body": json.loads(request.post_data), "headers": request.headers, "method": request.method})
        if len(sent) == 1:
            route.fulfill(json={"ok": True})
        else:
            route.fulfill(
                status=429, json={"error": "too many reports from this address; try later.", "code": "too_many"}
            )

    phone.route("**/api/reports/token", token)
    phone.route("**/api/reports", submit)
    _open(phone, served + f"index.html?b={fid}")
    phone.locator("#report-open").click()
    assert phone.locator(".pin").count() == 1
    assert ["pin", "您标记的位置"] in phone.locator("#legend li").evaluate_all(
        "items => items.map(i => [i.dataset.swatch, i.innerText])"
    )
    phone.locator("label[for='kind-closed']").click()
    phone.locator("#report-category").select_option("clinic")
    phone.locator("#report-text").fill("诊所关门了")
    assert phone.locator("#report-counter").inner_text() == "还可以写 495 字"
    assert phone.locator("#report-text").get_attribute("maxlength") == "500"
    assert phone.locator("#report-contact").get_attribute("maxlength") == "100"
    assert "绝不会公开显示" in phone.locator("#report-form").inner_text()
    _shot(phone, "report_zh")
    phone.locator("#report-send").click()
    phone.locator("#report-done").wait_for()
    assert phone.locator("#report-done").inner_text() == "已收到，谢谢您！规划部门会核实，并在下一次分析时采用。"

    (first,) = sent
    assert first["method"] == "POST" and first["headers"]["x-circle-token"] == "token-0"
    assert first["headers"]["content-type"] == "application/json"
    body = first["body"]
    assert {k: body[k] for k in ("site", "block_id", "kind", "category", "text", "contact")} == {
        "site": site["name"],
        "block_id": fid,
        "kind": "closed",
        "category": "clinic",
        "text": "诊所关门了",
        "contact": None,
    }
    # the pin defaults to the block's centre, turned back into degrees with the inverse of the site's plane
    lon, lat = LocalPlane(site["origin"]["lon"], site["origin"]["lat"]).to_lonlat(
        *(np.array([v]) for v in block["centre"])
    )
    assert body["lon"] == pytest.approx(float(lon[0]), abs=2e-7) and body["lat"] == pytest.approx(
        float(lat[0]), abs=2e-7
    )

    # a second report, its pin tapped on the map, refused by the server: its reason is said plainly
    phone.locator("#report-open").click()
    box = phone.locator("svg.map").bounding_box()
    phone.locator("svg.map").tap(position={"x": 60, "y": 60})
    assert phone.locator("#report-pin").inner_text() == "位置：已放在您在地图上点的地方。"
    phone.locator("#report-text").fill("路口的门锁了")
    phone.locator("#report-contact").fill("13800000000")
    phone.locator("#report-send").click()
    phone.wait_for_function("document.querySelector('#report-status').textContent.startsWith('没有提交成功')")
    assert phone.locator("#report-status").inner_text() == "没有提交成功：提交次数太多了，请过一会儿再试。"
    second = sent[1]["body"]
    assert second["kind"] == "missing" and second["category"] is None and second["contact"] == "13800000000"
    tapped = phone.evaluate(
        "([x, y]) => { const m = document.querySelector('.map > g').transform.baseVal.consolidate().matrix;"
        " return [(x - m.e) / m.a, (y - m.f) / m.d]; }",
        [60, 60],
    )
    lon, lat = LocalPlane(site["origin"]["lon"], site["origin"]["lat"]).to_lonlat(
        np.array([round(tapped[0])]), np.array([round(tapped[1])])
    )
    assert second["lon"] == pytest.approx(float(lon[0]), abs=2e-7) and second["lat"] == pytest.approx(
        float(lat[0]), abs=2e-7
    )
    assert box["width"] <= PHONE["width"]


def test_a_refusal_in_english_gives_the_servers_own_words(phone, served, town_site):
    fid, _ = _the_compound(town_site)
    phone.route("**/api/reports/token", lambda route: route.fulfill(json={"token": "t"}))
    phone.route(
        "**/api/reports",
        lambda route: route.fulfill(status=400, json={"error": "the pin lies outside the area.", "code": "place"}),
    )
    _open(phone, served + f"index.html?b={fid}&lang=en")
    phone.locator("#report-open").click()
    phone.locator("#report-send").click()
    assert phone.locator("#report-status").inner_text() == "Please say in a few words what is wrong."
    phone.locator("#report-text").fill("The gate is locked")
    phone.locator("#report-send").click()
    phone.wait_for_function("document.querySelector('#report-status').textContent.startsWith('Not sent')")
    assert phone.locator("#report-status").inner_text() == "Not sent: the pin lies outside the area."


def test_the_vendored_qr_encoder_keeps_its_licence():
    text = (REPO / "circle" / "publish" / "assets" / "qr.js").read_text(encoding="utf-8")
    assert "Copyright (c) 2009 Kazuhiko Arase" in text[:600] and "MIT license" in text[:600]


@pytest.mark.parametrize(
    ("median", "said"),
    [
        (None, "与本站所有居住区的中位数（{score} 分）差不多。"),
        (-0.6, "与本站所有居住区的中位数（{median} 分）差不多。"),
        (10.0, "比本站所有居住区的中位数（{median} 分）低 10 分。"),
        (-7.4, "比本站所有居住区的中位数（{median} 分）高 7 分。"),
    ],
)
def test_the_city_median_is_compared_honestly(phone, served, town_site, median, said):
    """A score equal to the median (or within a point or so of it) is "about the same", never "below"."""
    fid, block = _the_compound(town_site)
    value = float(block["score"]) + (median or 0.0)
    changed = {**_load(town_site / "data" / "site.json"), "median_score": value}
    phone.route("**/data/site.json", lambda route: route.fulfill(json=changed))
    _open(phone, served + f"index.html?b={fid}")
    assert phone.locator("#median").inner_text() == said.format(score=block["score"], median=round(value))


@pytest.mark.parametrize("tier", [0, 5, 10, 15])
def test_the_circle_met_is_said_in_residents_words(phone, served, town_site, tier):
    fid, block = _the_compound(town_site)
    changed = {**block, "tier_met": tier}
    phone.route(f"**/data/blocks/{fid}.json", lambda route: route.fulfill(json=changed))
    _open(phone, served + f"index.html?b={fid}")
    said = phone.locator("#tier").inner_text()
    assert (
        said
        == {
            15: "5分钟、10分钟、15分钟生活圈的标准都达到了。",
            10: "达到了5分钟和10分钟生活圈的标准，15分钟生活圈还没达到。",
            5: "达到了5分钟生活圈的标准，10分钟和15分钟生活圈还没达到。",
            0: "5分钟生活圈的标准还没有达到（生活圈按5、10、15分钟逐级评定，下面写了还缺什么）。",
        }[tier]
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_unknown_data_date_is_said_so(phone, served, town_site, lang):
    fid, _ = _the_compound(town_site)
    changed = {**_load(town_site / "data" / "site.json"), "data_date": None}
    phone.route("**/data/site.json", lambda route: route.fulfill(json=changed))
    _open(phone, served + f"index.html?b={fid}&lang={lang}")
    footer = phone.locator("#data-date").inner_text()
    assert (
        footer
        == {
            "zh": "数据日期：不清楚（数据来源没有写明日期）",
            "en": "Data date: not known (the source does not give one)",
        }[lang]
    )
    assert "—" not in phone.locator("#foot").inner_text()


def test_a_block_page_that_is_not_there_says_so_and_leads_back(phone, served):
    phone.goto(served + "index.html?b=nosuchblock")
    phone.locator(".problem").wait_for()
    assert phone.locator(".problem").inner_text() == "没有找到这个小区的页面，可能链接不完整。"
    assert phone.locator(".back a").get_attribute("href") == "?lang=zh"


@pytest.mark.parametrize("pointer_events", [True, False], ids=["pointer-events", "touch-events-only"])
def test_two_fingers_spread_zoom_the_map_in(phone, served, town_site, pointer_events):
    """With pointer events, and in an older in-app browser with touch events only."""
    fid, _ = _the_compound(town_site)
    if not pointer_events:
        phone.add_init_script("delete window.PointerEvent;")
    _open(phone, served + f"index.html?b={fid}")
    svg = phone.locator("svg.map")
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    before = phone.evaluate("document.querySelector('.map > g').transform.baseVal.consolidate().matrix.a")
    cdp = phone.context.new_cdp_session(phone)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    def touch(kind: str, spread: float) -> None:
        points = [] if kind == "touchEnd" else [{"x": x - spread, "y": y, "id": 0}, {"x": x + spread, "y": y, "id": 1}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", 20)
    for spread in (30, 40, 60, 80):
        touch("touchMove", spread)
    touch("touchEnd", 0)
    after = phone.evaluate("document.querySelector('.map > g').transform.baseVal.consolidate().matrix.a")
    assert after == pytest.approx(4 * before, rel=0.05), "fingers 40 px apart spread to 160 px zoom in four times"


def test_a_folder_name_is_never_shown_as_the_place(phone, served, town_site):
    """A site published without --place, whose study's area has no name, knows only its folder's name."""
    changed = {
        **_load(town_site / "data" / "site.json"),
        "name": "default",
        "place": {"zh": "default", "en": "default"},
    }
    phone.route("**/data/site.json", lambda route: route.fulfill(json=changed))
    _open(phone, served + "index.html")
    assert phone.title() == "15分钟生活圈"
    assert "default" not in phone.locator("#top").inner_text()


def test_share_uses_the_phones_share_sheet_where_there_is_one(phone, served, town_site):
    fid, _ = _the_compound(town_site)
    phone.add_init_script(
        "window.__shared = [];"
        "navigator.share = function (data) { window.__shared.push(data); return Promise.resolve(); };"
    )
    _open(phone, served + f"index.html?b={fid}&lang=en")
    phone.locator("#share-button").click()
    phone.wait_for_function("document.querySelector('#share-status').textContent.length > 0")
    assert phone.locator("#share-status").inner_text() == "Shared."
    (shared,) = phone.evaluate("window.__shared")
    assert shared["url"] == served + f"index.html?b={fid}&lang=en"
    assert shared["title"].startswith("西园小区 · Small Town")
