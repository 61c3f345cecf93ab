"""Closures drawn on the planner's map, and a comparison's "changes" map, in a real headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.load import CHROMIUM, CHROMIUM_ARGS
from circle.analysis.compare import compare_studies
from circle.pipeline import AnalysisOptions, analyze
from tests.test_browser import ARTIFACTS, map_frame, sign_in
from tests.test_closures import grid_town

pytestmark = pytest.mark.browser
CLOSED_LINES = """() => {
    const map = window[Object.keys(window).find((k) => k.startsWith('map_') && window[k].getZoom)];
    const lines = Object.values(map._layers).filter((l) => l instanceof L.Polyline && !(l instanceof L.Polygon));
    return lines.filter((l) => l.options.color === '#111111').length;
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The grid town (one compound in a cell of four streets) as study ``default``, with a comparison beside it."""
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (scripts/system_packages.sh installs it)")
    pytest.importorskip("playwright")
    from benchmarks.load import start_server, write_signin_config

    root = tmp_path_factory.mktemp("closures-browser")
    studies = root / "studies"
    study = analyze(AnalysisOptions(source=grid_town(root / "town.osm"), out=studies / "default")).path
    compare_studies(study, study, studies / "same-town")
    config = write_signin_config(root / "deployment", studies, planners=1)
    process, url = start_server(studies, config=config)
    yield url
    process.terminate()
    process.wait(timeout=20)


def test_draw_a_closure_round_the_compound_and_see_it_cut_off(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        sign_in(page, server)
        page.get_by_text("15分钟生活圈", exact=True).first.wait_for(timeout=60_000)
        page.get_by_text("English", exact=True).click()
        page.get_by_text("15-minute living circle", exact=True).first.wait_for(timeout=30_000)
        map_frame(page)
        page.get_by_text("Draw closures on the map", exact=True).click()
        frame = map_frame(page)
        tool = frame.locator(".leaflet-draw-draw-rectangle").first
        tool.wait_for(timeout=30_000)
        container = frame.locator(".leaflet-container").first
        container.scroll_into_view_if_needed()
        tool.click()
        box = container.bounding_box()
        # the map is fitted to the compound: a rectangle over most of it holds the four streets round it
        x0, y0 = box["x"] + box["width"] * 0.08, box["y"] + box["height"] * 0.08
        x1, y1 = box["x"] + box["width"] * 0.92, box["y"] + box["height"] * 0.92
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
        page.mouse.move(x1, y1, steps=5)
        page.mouse.up()
        close = page.get_by_role("button", name="Close what is drawn (1)")
        close.wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "planner-closure-drawn.png"), full_page=True)
        close.click()
        message = page.get_by_text("Blocks cut off entirely", exact=False).first
        message.wait_for(timeout=30_000)
        text = message.inner_text()
        page.screenshot(path=str(ARTIFACTS / "planner-closure.png"), full_page=True)
        frame = map_frame(page)
        container = frame.locator(".leaflet-container").first
        container.scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        container.screenshot(path=str(ARTIFACTS / "planner-closure-map.png"))
        # the closed segments are drawn (black lines) with the block they cut off
        closed = frame.evaluate(CLOSED_LINES)
        browser.close()
    assert "Blocks cut off entirely: 1, with" in text, text
    assert closed > 0
    assert any("leaflet-draw-1.0.4/leaflet.draw.js" in url for url in requests)
    assert not [url for url in requests if "cdnjs" in url or "unpkg" in url or "jsdelivr" in url]


def test_the_changes_map_opens_a_comparison(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        sign_in(page, server)
        page.get_by_text("15分钟生活圈", exact=True).first.wait_for(timeout=60_000)
        page.get_by_text("English", exact=True).click()
        page.get_by_text("15-minute living circle", exact=True).first.wait_for(timeout=30_000)
        page.get_by_text("Changes (two data years, or a plan)", exact=True).click()
        chooser = page.locator('[data-testid="stSelectbox"]').filter(has_text="Comparison").locator("input").first
        chooser.click()
        chooser.press_sequentially("same-t")
        page.wait_for_timeout(1000)  # the list filters as one types
        chooser.press("ArrowDown")
        chooser.press("Enter")
        line = page.get_by_text("1 blocks matched by id", exact=False).first
        try:
            line.wait_for(timeout=30_000)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "changes-fail.png"))
            raise
        page.wait_for_timeout(2500)
        line.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "planner-changes.png"), full_page=True)
        browser.close()
