"""The planner app in a real headless Chromium (Debian's, driven by Playwright), on loopback.

Screenshots are saved to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from benchmarks.load import CHROMIUM, CHROMIUM_ARGS
from circle.pipeline import AnalysisOptions, analyze
from tests.osm_builder import small_town

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def studies(tmp_path_factory):
    """The small town with a hostile library name, as the one study ``default``."""
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (scripts/system_packages.sh installs it)")
    pytest.importorskip("playwright")
    root = tmp_path_factory.mktemp("browser")
    source = small_town(root / "town.osm")
    text = source.read_text(encoding="utf-8").replace(
        "&lt;b&gt;Reading&lt;/b&gt; &amp; Co", "&lt;img src=x onerror=alert(1)&gt;"
    )
    source.write_text(text, encoding="utf-8")
    analyze(AnalysisOptions(source=source, out=root / "studies" / "default"))
    return root / "studies"


@pytest.fixture(scope="module")
def server(studies):
    """A full deployment of the town with sign-in on (accounts planner-1 and planner-2)."""
    from benchmarks.load import start_server, write_signin_config

    config = write_signin_config(studies.parent / "deployment", studies, planners=2)
    try:
        process, url = start_server(studies, config=config)
    except RuntimeError as error:
        pytest.fail(str(error))
    yield url
    process.terminate()
    process.wait(timeout=20)


def sign_in(page, server: str, name: str = "planner-1", address: str = "/planner", password: str | None = None):
    """Open ``address`` signed out (it shows the sign-in form), sign in as ``name`` and wait for the page."""
    from benchmarks.load import PLANNER_PASSWORD

    page.goto(f"{server}{address}", wait_until="domcontentloaded", timeout=60_000)
    page.get_by_label("账户名").fill(name, timeout=60_000)
    page.get_by_label("密码").fill(password or PLANNER_PASSWORD)
    page.get_by_role("button", name="登录").click()


# the map has drawn: its vector layers (canvas or svg) are there and its images have loaded
DRAWN = ".leaflet-overlay-pane canvas, .leaflet-overlay-pane path"


MAP_ZOOM = "() => window[Object.keys(window).find((k) => k.startsWith('map_') && window[k].getZoom)].getZoom()"
PAGE_SCROLL = "() => document.querySelector('[data-testid=\"stMain\"]').scrollTop"


def map_frame(page, timeout_s: float = 30.0):
    page.wait_for_timeout(1500)  # let Streamlit finish re-rendering the component
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        for frame in page.frames:
            try:
                if frame.query_selector(DRAWN):
                    return frame
            except Exception:  # frames come and go while Streamlit reruns
                continue
        time.sleep(0.2)
    raise AssertionError("the map did not draw")


def test_planner_in_chromium(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    alerts = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
        sign_in(page, server)
        page.get_by_text("15分钟生活圈", exact=True).first.wait_for(timeout=60_000)
        frame = map_frame(page)
        assert frame.query_selector(".leaflet-overlay-pane canvas")  # blocks, facilities, outline
        assert frame.query_selector_all(".leaflet-pane img.leaflet-image-layer")  # the study's own streets
        assert frame.get_by_text(
            "综合得分（0–100）"
        ).first.is_visible()  # the legend, in the map, says what colours mean
        page.screenshot(path=str(ARTIFACTS / "planner-zh.png"), full_page=True)
        # the wheel over the map scrolls the page (the map zooms only once clicked, or with Ctrl)
        zoom = frame.evaluate(MAP_ZOOM)
        scrolled = page.evaluate(PAGE_SCROLL)
        box = frame.locator(".leaflet-container").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 40)
        page.mouse.wheel(0, 400)
        page.wait_for_timeout(800)
        assert frame.evaluate(MAP_ZOOM) == zoom
        assert page.evaluate(PAGE_SCROLL) > scrolled

        page.get_by_text("English", exact=True).click()
        page.get_by_text("15-minute living circle", exact=True).first.wait_for(timeout=30_000)
        frame = map_frame(page)
        page.screenshot(path=str(ARTIFACTS / "planner-en.png"), full_page=True)

        # hostile names stay text: no <img> element was made from the data
        assert frame.query_selector('img[src="x"]') is None
        # click the compound on the map: its card and the reached facilities appear
        frame = map_frame(page)
        container = frame.locator(".leaflet-container").first
        container.scroll_into_view_if_needed()  # a user clicks the map they see
        page.wait_for_timeout(300)
        box = container.bounding_box()
        started = time.perf_counter()
        # the map is fitted to the blocks: its centre is inside the town's only compound
        container.click(position={"x": box["width"] / 2, "y": box["height"] / 2}, force=True)
        page.get_by_text("Block:", exact=False).first.wait_for(timeout=30_000)
        click_seconds = time.perf_counter() - started
        page.get_by_text("Facilities within reach of the chosen point").first.wait_for(timeout=30_000)
        map_frame(page)
        page.screenshot(path=str(ARTIFACTS / "planner-click.png"), full_page=True)

        page.get_by_role("button", name="Add a facility at the chosen point").click()
        result = page.get_by_text("the added facilities put", exact=False).first
        result.wait_for(timeout=30_000)
        # the town maps no kindergarten, so none is scored: one in the middle of the compound is told beside the
        # score, with the 14 of its 400 residents aged 3–6 it puts within the standard's walking distance
        assert result.inner_text().startswith(
            "Kindergarten: none in the map data, so not scored; the added facilities put 14 children aged 3–6"
        ), result.inner_text()
        headline = page.get_by_text("in the scored categories", exact=False).first.inner_text()
        assert headline.startswith("No one newly served or losing service in the scored categories"), headline
        page.screenshot(path=str(ARTIFACTS / "planner-whatif.png"), full_page=True)

        browser.close()
    assert alerts == [], f"a name from the data ran as code: {alerts}"
    assert click_seconds < 10


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_resident_page_at_phone_width(server, lang):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    title = {"zh": "我家附近步行15分钟能到什么", "en": "What can I walk to from home?"}[lang]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 375, "height": 800}, device_scale_factor=2)
        page.goto(f"{server}/resident?lang={lang}", wait_until="domcontentloaded", timeout=60_000)
        page.get_by_text(title, exact=True).first.wait_for(timeout=60_000)
        box = page.get_by_role("textbox").first
        box.fill("xiyuan")
        box.press("Enter")
        page.get_by_text("西园小区", exact=True).first.wait_for(timeout=30_000)
        page.wait_for_timeout(2500)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        page.screenshot(path=str(ARTIFACTS / f"resident-375-{lang}.png"), full_page=True)
        url = page.url
        browser.close()
    assert width <= 380, f"the page is wider than a phone: {width}px"
    assert "block=" in url and f"lang={lang}" in url  # the link to share carries the neighbourhood


def test_two_browser_sessions_at_once_do_not_see_each_other(server):
    """Two people on one server: one switches to English, clicks and adds a facility; the other sees none of it."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        first = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()
        second = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()
        sign_in(first, server, "planner-1")
        sign_in(second, server, "planner-2")
        for page in (first, second):
            page.get_by_text("15分钟生活圈", exact=True).first.wait_for(timeout=60_000)
            map_frame(page)
        first.get_by_text("English", exact=True).click()
        first.get_by_text("15-minute living circle", exact=True).first.wait_for(timeout=30_000)
        frame = map_frame(first)
        container = frame.locator(".leaflet-container").first
        container.scroll_into_view_if_needed()
        first.wait_for_timeout(300)
        box = container.bounding_box()
        container.click(position={"x": box["width"] / 2, "y": box["height"] / 2}, force=True)
        first.get_by_text("Block:", exact=False).first.wait_for(timeout=30_000)
        first.get_by_role("button", name="Add a facility at the chosen point").click()
        first.get_by_text("the added facilities put", exact=False).first.wait_for(timeout=30_000)
        # the second planner, interacting meanwhile, is still in Chinese with no point, block or what-if
        # to the resident page and back by the sidebar's links: two reruns of its own, still signed in
        second.get_by_role("link", name="居民").first.click()
        second.get_by_text("我家附近步行15分钟能到什么", exact=True).first.wait_for(timeout=60_000)
        second.get_by_role("link", name="规划师").first.click()
        second.get_by_text("15分钟生活圈", exact=True).first.wait_for(timeout=60_000)
        map_frame(second)
        assert second.get_by_text("15-minute living circle", exact=True).count() == 0
        assert second.get_by_text("Block:", exact=False).count() == 0
        for trace in ("the added facilities put", "新增设施使", "newly served", "新增覆盖"):
            assert second.get_by_text(trace, exact=False).count() == 0, trace
        second.screenshot(path=str(ARTIFACTS / "two-sessions-second.png"), full_page=True)
        first.screenshot(path=str(ARTIFACTS / "two-sessions-first.png"), full_page=True)
        browser.close()


def test_report_page_makes_and_downloads_the_pdf(server, tmp_path):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1300, "height": 1400}, accept_downloads=True).new_page()
        sign_in(page, server, address="/report")  # asked for the report signed out: after sign-in, the report
        page.get_by_role("button", name="生成 PDF 报告").click()
        button = page.get_by_role("button", name="下载 PDF 报告")
        button.wait_for(timeout=120_000)
        page.screenshot(path=str(ARTIFACTS / "report-page-zh.png"), full_page=True)
        with page.expect_download() as download:
            button.click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        browser.close()
    assert saved.name == "default-zh.pdf"
    assert saved.read_bytes()[:5] == b"%PDF-"


PLANNER_WORDS = ("服务器上的文件路径", "上传", "保存情景", "建立", "规划师登录")


def test_a_stranger_with_the_resident_link_reaches_nothing_else(server):
    """Only the resident page opens signed out; planner addresses show the sign-in form and nothing of the planner."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1300, "height": 1000}).new_page()
        page.goto(server, wait_until="domcontentloaded", timeout=60_000)
        page.get_by_text("我家附近步行15分钟能到什么", exact=True).first.wait_for(timeout=60_000)
        assert page.url.split("?")[0].endswith("/resident")
        for address in ("/planner", "/report", "/account"):
            page.goto(f"{server}{address}", wait_until="domcontentloaded", timeout=60_000)
            page.get_by_label("密码").wait_for(timeout=60_000)
            assert page.url.split("?")[0].endswith("/signin"), (address, page.url)
            body = page.inner_text("body")
            assert "15分钟生活圈覆盖" not in body and "服务器上的文件路径" not in body and "保存情景" not in body
        page.screenshot(path=str(ARTIFACTS / "signin-zh.png"), full_page=True)
        # a wrong password and an unknown name get the same words, after the same wait
        answers = []
        for name in ("planner-1", "nobody-at-all"):
            started = time.perf_counter()
            sign_in(page, server, name, address="/signin", password="wrong-password-1")
            refused = page.get_by_text("账户名或密码不正确")
            refused.first.wait_for(timeout=30_000)
            answers.append((refused.count(), time.perf_counter() - started >= 1.0))
            assert "15分钟生活圈覆盖" not in page.inner_text("body")
        page.screenshot(path=str(ARTIFACTS / "signin-refused-zh.png"), full_page=True)
        browser.close()
    assert answers == [(1, True), (1, True)]
