"""The planner's map keeps its place: a redraw keeps the view, drawing is no click, a chosen row is brought into view.

In a real headless Chromium against the small town (one compound, a gap in
kindergartens), signed in as a planner.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.load import CHROMIUM, CHROMIUM_ARGS
from circle.pipeline import AnalysisOptions, analyze
from tests.osm_builder import small_town
from tests.test_browser import ARTIFACTS, map_frame, sign_in

pytestmark = pytest.mark.browser
VIEW = """() => {
    const map = window[Object.keys(window).find((k) => k.startsWith('map_') && window[k].getZoom)];
    const c = map.getCenter();
    return {lat: c.lat, lng: c.lng, zoom: map.getZoom()};
}"""
SET_VIEW = """([lat, lng, zoom]) => {
    const map = window[Object.keys(window).find((k) => k.startsWith('map_') && window[k].getZoom)];
    map.setView([lat, lng], zoom, {animate: false});
}"""
#: the map's frame (its title is put in Chinese for screen readers; the English one is kept beside it)
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"], iframe[data-circle-en-title="streamlit_folium.st_folium"]'
LAST_CLICK = "() => window.__GLOBAL_DATA__ && window.__GLOBAL_DATA__.lat_lng_clicked"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The small town as the one study ``default``, served with sign-in on."""
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (scripts/system_packages.sh installs it)")
    pytest.importorskip("playwright")
    from benchmarks.load import start_server, write_signin_config

    root = tmp_path_factory.mktemp("map-view")
    analyze(AnalysisOptions(source=small_town(root / "town.osm"), out=root / "studies" / "default"))
    config = write_signin_config(root / "deployment", root / "studies", planners=1)
    process, url = start_server(root / "studies", config=config)
    yield url
    process.terminate()
    process.wait(timeout=20)


def _signed_in(playwright, server: str):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    sign_in(page, server)
    page.get_by_text("15分钟生活圈", exact=True).first.wait_for(timeout=60_000)
    return browser, page


def test_a_sidebar_change_and_the_drawing_tools_keep_the_view(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page = _signed_in(playwright, server)
        frame = map_frame(page)
        whole = frame.evaluate(VIEW)
        # the planner zooms in two steps and pans a little
        wanted = [whole["lat"] + 0.0004, whole["lng"] - 0.0006, whole["zoom"] + 2]
        frame.evaluate(SET_VIEW, wanted)
        page.wait_for_timeout(800)
        # another measure redraws the map (a new frame): it opens where the planner was
        page.get_by_text("English", exact=True).click()
        page.get_by_text("15-minute living circle", exact=True).first.wait_for(timeout=30_000)
        frame = map_frame(page)
        page.wait_for_timeout(500)
        after_language = frame.evaluate(VIEW)
        page.get_by_text("Draw closures on the map", exact=True).click()
        frame = map_frame(page)
        frame.locator(".leaflet-draw-draw-rectangle").first.wait_for(timeout=30_000)
        page.wait_for_timeout(500)
        after_drawing = frame.evaluate(VIEW)
        browser.close()
    for view in (after_language, after_drawing):
        assert view["zoom"] == wanted[2], view
        assert abs(view["lat"] - wanted[0]) < 1e-5 and abs(view["lng"] - wanted[1]) < 1e-5, view


def test_drawing_a_rectangle_does_not_choose_a_point(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page = _signed_in(playwright, server)
        page.get_by_text("English", exact=True).click()
        page.get_by_text("15-minute living circle", exact=True).first.wait_for(timeout=30_000)
        page.get_by_text("Draw closures on the map", exact=True).click()
        frame = map_frame(page)
        tool = frame.locator(".leaflet-draw-draw-rectangle").first
        tool.wait_for(timeout=30_000)
        container = frame.locator(".leaflet-container").first
        container.scroll_into_view_if_needed()
        tool.click()
        box = container.bounding_box()
        x0, y0 = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3
        x1, y1 = box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.6
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move(x1, y1, steps=6)
        page.mouse.up()
        page.get_by_role("button", name="Close what is drawn (1)").wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        chosen = page.get_by_text("Facilities within reach of the chosen point").count()
        clicked = map_frame(page).evaluate(LAST_CLICK)
        page.screenshot(path=str(ARTIFACTS / "planner-drawn-no-click.png"))
        browser.close()
    assert chosen == 0, "drawing the rectangle chose a point on the map"
    assert clicked is None


def test_a_selected_priority_row_brings_the_map_into_view(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page = _signed_in(playwright, server)
        map_frame(page)
        table = page.locator('[data-testid="stDataFrame"]').filter(has_text="优先级").first
        table.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        # the map is scrolled out of sight, above the table
        assert page.locator(MAP_IFRAME).first.bounding_box()["y"] < 0
        box = table.bounding_box()
        page.mouse.click(box["x"] + 18, box["y"] + 52)  # the first row's selection box
        page.get_by_text("加权缺口人数", exact=False).nth(1).wait_for(timeout=30_000)
        page.wait_for_timeout(2500)
        frame_box = page.locator(MAP_IFRAME).first.bounding_box()
        page.screenshot(path=str(ARTIFACTS / "planner-row-selected.png"))
        browser.close()
    viewport_height = 900
    assert frame_box["y"] > -frame_box["height"] / 2 and frame_box["y"] < viewport_height / 2, frame_box


def test_water_and_green_arrive_in_the_map_already_shown(server):
    """The town's park is drawn in the background; it appears in the map frame already shown, not a rebuilt one."""
    from playwright.sync_api import sync_playwright

    # the streets' images are drawn at opacity 0.9; the water and green ones opaque (no opacity set)
    land_images = """() => [...document.querySelectorAll('.leaflet-circle_streets-pane img')]
        .filter((image) => image.complete && image.style.opacity !== '0.9').length"""
    with sync_playwright() as playwright:
        browser, page = _signed_in(playwright, server)
        frame = map_frame(page)
        waited = 0.0
        while frame.evaluate(land_images) == 0 and waited < 40:  # drawn 2 s after the first map, or cached
            page.wait_for_timeout(500)
            waited += 0.5
        found = frame.evaluate(land_images)
        detached = frame.is_detached()
        browser.close()
    assert found > 0, "the park never arrived on the map"
    assert not detached
