"""Issue 27, part 5, in a real headless Chromium: one study's what-if, closure and sites never show under another.

A planner adds a kindergarten, closes the streets round the compound (drawn on
the map) and asks for sites on study ``default``, then chooses ``north``:
nothing of the first study shows, neither figures, sites, errors, closed
streets nor drawn shapes. Choosing ``default`` again restores its work (the
same study version): the what-if, the closure and the sites, but not the
shape drawn and not closed, nor any error. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from benchmarks.load import CHROMIUM, CHROMIUM_ARGS
from tests.test_app_study_state import two_towns
from tests.test_browser import ARTIFACTS, map_frame, sign_in
from tests.test_browser_closures import CLOSED_LINES

pytestmark = pytest.mark.browser
#: what the first study's work shows on the page (its what-if, closure and sites, what its point reaches)
TRACES = ("新增覆盖", "封闭步行路段", "第1处", "从所选位置步行可达的设施", "出错了")
#: shapes drawn with Leaflet.draw's tools and not yet closed (the closed streets are plain polylines)
DRAWN_SHAPES = """() => {
    const map = window[Object.keys(window).find((k) => k.startsWith('map_') && window[k].getZoom)];
    return Object.values(map._layers).filter((l) => l instanceof L.Rectangle).length;
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The small town as ``default`` and the grid town, 5.5 km further north, as ``north``; sign-in on."""
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (scripts/system_packages.sh installs it)")
    pytest.importorskip("playwright")
    from benchmarks.load import start_server, write_signin_config

    root = tmp_path_factory.mktemp("study-state-browser")
    studies = two_towns(root)
    config = write_signin_config(root / "deployment", studies, planners=1)
    process, url = start_server(studies, config=config)
    yield url
    process.terminate()
    process.wait(timeout=20)


def _choose_study(page, name: str) -> None:
    chooser = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="研究区").first
    chooser.click()
    page.get_by_role("option", name=name, exact=True).click()


def _until(check, timeout_s: float = 30.0) -> None:
    deadline = time.time() + timeout_s
    while not check():
        if time.time() > deadline:
            raise AssertionError("the page did not settle")
        time.sleep(0.25)


def _draw_rectangle(page, inset: float) -> None:
    """Draw a rectangle over the map, ``inset`` (a fraction) from each edge, with Leaflet.draw's tool."""
    for attempt in range(3):  # the map's frame is replaced when a rerun draws it again
        frame = map_frame(page)
        tool = frame.locator(".leaflet-draw-draw-rectangle").first
        try:
            tool.wait_for(timeout=10_000)
            break
        except Exception:
            if attempt == 2:
                raise
    container = frame.locator(".leaflet-container").first
    container.scroll_into_view_if_needed()
    tool.click()
    box = container.bounding_box()
    x0, y0 = box["x"] + box["width"] * inset, box["y"] + box["height"] * inset
    x1, y1 = box["x"] + box["width"] * (1 - inset), box["y"] + box["height"] * (1 - inset)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()


def _shows(page, text: str) -> bool:
    return page.get_by_text(text, exact=False).count() > 0


def test_a_what_if_closure_and_sites_stay_with_their_study(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 3200})
        sign_in(page, server)
        page.get_by_text("15分钟生活圈", exact=True).first.wait_for(timeout=60_000)
        # study default: a click in the compound, a kindergarten there
        frame = map_frame(page)
        container = frame.locator(".leaflet-container").first
        container.scroll_into_view_if_needed()
        box = container.bounding_box()
        container.click(position={"x": box["width"] / 2, "y": box["height"] / 2}, force=True)
        page.get_by_text("街坊：西园小区", exact=False).first.wait_for(timeout=30_000)
        page.get_by_role("button", name="在所选位置新增设施").click()
        page.get_by_text("新增设施使 14 名3–6岁幼儿", exact=False).first.wait_for(timeout=30_000)
        # a closure drawn round the compound, then a second shape drawn and left open
        page.get_by_text("在地图上绘制封闭线或封闭区域", exact=True).click()
        _draw_rectangle(page, 0.08)
        page.get_by_role("button", name="封闭所画路段（1 处）").click()
        page.get_by_text("封闭步行路段", exact=False).first.wait_for(timeout=30_000)
        _draw_rectangle(page, 0.3)
        page.get_by_role("button", name="封闭所画路段（2 处）").wait_for(timeout=30_000)
        # suggested sites for kindergartens
        page.get_by_role("button", name="给出建议").click()
        page.get_by_text("第1处", exact=False).first.wait_for(timeout=60_000)
        frame = map_frame(page)
        first = {"closed": frame.evaluate(CLOSED_LINES), "drawn": frame.evaluate(DRAWN_SHAPES)}
        page.screenshot(path=str(ARTIFACTS / "study-state-1-default.png"), full_page=True)
        first_seen = {trace: _shows(page, trace) for trace in TRACES}

        # study north: nothing of default shows
        _choose_study(page, "north")
        _until(lambda: not _shows(page, "新增覆盖") and not _shows(page, "第1处"))
        frame = map_frame(page)
        page.get_by_role("button", name="封闭所画路段（0 处）").wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        second = {"closed": frame.evaluate(CLOSED_LINES), "drawn": frame.evaluate(DRAWN_SHAPES)}
        page.screenshot(path=str(ARTIFACTS / "study-state-2-north.png"), full_page=True)
        second_seen = {trace: _shows(page, trace) for trace in TRACES}
        second_text = page.inner_text("body")

        # study default again: its work is back, the shape left open is not
        _choose_study(page, "default")
        page.get_by_text("新增覆盖3–6岁幼儿 14 人", exact=False).first.wait_for(timeout=30_000)  # the first site
        frame = map_frame(page)
        page.get_by_role("button", name="封闭所画路段（0 处）").wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        third = {"closed": frame.evaluate(CLOSED_LINES), "drawn": frame.evaluate(DRAWN_SHAPES)}
        page.screenshot(path=str(ARTIFACTS / "study-state-3-default-again.png"), full_page=True)
        third_seen = {trace: _shows(page, trace) for trace in TRACES}
        browser.close()
    assert first_seen == {**dict.fromkeys(TRACES, True), "出错了": False}, first_seen
    assert first["closed"] > 0 and first["drawn"] == 2, first
    assert second_seen == dict.fromkeys(TRACES, False), second_seen
    assert second == {"closed": 0, "drawn": 0}, second
    assert "outside the study" not in second_text and "30.66" not in second_text
    assert third_seen == first_seen, third_seen
    assert third == {"closed": first["closed"], "drawn": 0}, third
