"""The planner map explains itself, offline: its legend, scale and base, in a real headless Chromium on loopback.

Screenshots (1440 × 900, zh and en: the landing map and a clicked block with
its walking bands) are saved to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from benchmarks.load import CHROMIUM, CHROMIUM_ARGS
from circle.pipeline import AnalysisOptions, analyze
from tests.osm_builder import small_town
from tests.test_browser import map_frame, sign_in

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
LEGEND = '[data-testid="map-legend"]'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The small town as the one study, served with the default settings for the map (online tiles off)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (scripts/system_packages.sh installs it)")
    pytest.importorskip("playwright")
    from benchmarks.load import start_server, write_signin_config

    root = tmp_path_factory.mktemp("legend")
    analyze(AnalysisOptions(source=small_town(root / "town.osm"), out=root / "studies" / "default"))
    config = write_signin_config(root / "deployment", root / "studies", planners=1)
    try:
        process, url = start_server(root / "studies", config=config)
    except RuntimeError as error:
        pytest.fail(str(error))
    yield url
    process.terminate()
    process.wait(timeout=20)


def _legend_text(frame) -> str:
    return frame.locator(LEGEND).first.inner_text()


def _wait_for(frame, text: str, present: bool = True, timeout_ms: int = 20_000) -> str:
    """Wait until the legend holds (or no longer holds) ``text``; return the legend's text."""
    deadline = timeout_ms / 200
    for _ in range(int(deadline)):
        try:
            shown = _legend_text(frame)
            if (text in shown) == present:
                return shown
            frame.wait_for_timeout(200)
        except Exception as error:  # Streamlit drew the map again (the frame is detached): read the new one's
            if "detached" not in str(error):
                raise
            frame = map_frame(frame.page)
    raise AssertionError(f"the legend {'lacks' if present else 'still holds'} {text!r}: {_legend_text(frame)!r}")


def _toggle_layer(frame, name: str) -> None:
    """Tick or untick the layer called ``name`` in the map's layer list."""
    frame.locator(".leaflet-control-layers").first.hover()
    frame.locator(".leaflet-control-layers-overlays label", has_text=name).first.locator("input").click()


def test_the_map_explains_itself_offline(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    requests = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.on("request", lambda request: requests.append(request.url))
        sign_in(page, server)
        page.get_by_text("15分钟生活圈", exact=True).first.wait_for(timeout=60_000)
        frame = map_frame(page)
        frame.locator(LEGEND).first.wait_for(timeout=20_000)
        shown = _wait_for(frame, "研究区范围")
        # the score map's classes are the preset's bands, best first; every visible layer has its entry
        for entry in ("图例", "综合得分（0–100）", "优秀（≥ 90）", "很差（≥ 0）", "设施", "研究区范围", "本研究区街道"):
            assert entry in shown, entry
        assert "14.9895" not in shown and "29.9791" not in shown
        # one scale bar, in metres or kilometres only
        scales = frame.locator(".leaflet-control-scale-line")
        assert scales.count() == 1
        assert re.fullmatch(r"\d+ k?m", scales.first.inner_text().strip()), scales.first.inner_text()
        # the layer list names each category's facilities beside its swatch
        assert frame.locator(".leaflet-control-layers-overlays label svg.circle-swatch").count() >= 1
        container = frame.locator(".leaflet-container").first
        container.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        container.screenshot(path=str(ARTIFACTS / "legend-landing-zh.png"))
        page.screenshot(path=str(ARTIFACTS / "legend-page-zh.png"))

        # a layer turned off takes its entry away, and back
        _toggle_layer(frame, "研究区范围")
        _wait_for(frame, "研究区范围", present=False)
        _toggle_layer(frame, "研究区范围")
        _wait_for(frame, "研究区范围")

        # the tier map: its tiers and "none" as separate entries
        chooser = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="地图显示")
        chooser.first.click()
        page.get_by_role("option", name="达到的生活圈层级", exact=True).click()
        frame = map_frame(page)
        shown = _wait_for(frame, "未达到任何层级")
        assert "15 分钟生活圈" in shown and "5 分钟生活圈" in shown

        # a clicked point: its walking range as filled bands with their key (the threshold's thirds)
        container = frame.locator(".leaflet-container").first
        box = container.bounding_box()
        container.click(position={"x": box["width"] / 2, "y": box["height"] / 2}, force=True)
        page.get_by_text("街坊：", exact=False).first.wait_for(timeout=30_000)
        frame = map_frame(page)
        shown = _wait_for(frame, "从所选点步行可达")
        assert "≤ 5分钟" in shown and "5–10分钟" in shown and "10–15分钟" in shown
        container = frame.locator(".leaflet-container").first
        container.screenshot(path=str(ARTIFACTS / "legend-click-zh.png"))
        # a what-if facility is named by its marker
        page.get_by_role("button", name="在所选位置新增设施").click()
        page.get_by_text("新增设施使", exact=False).first.wait_for(timeout=30_000)
        frame = map_frame(page)
        _wait_for(frame, "情景新增设施")

        page.get_by_text("English", exact=True).click()
        page.get_by_text("15-minute living circle", exact=True).first.wait_for(timeout=30_000)
        frame = map_frame(page)
        shown = _wait_for(frame, "Walking range from the chosen point")
        for entry in ("Legend", "No tier met", "Study area", "Study streets", "≤ 5 min"):
            assert entry in shown, entry
        frame.locator(".leaflet-container").first.screenshot(path=str(ARTIFACTS / "legend-click-en.png"))

        # on a small screen the legend starts folded to its button, and opens on a tap
        small = browser.new_page(viewport={"width": 640, "height": 800})
        small.on("request", lambda request: requests.append(request.url))
        sign_in(small, server)
        small.get_by_text("15分钟生活圈", exact=True).first.wait_for(timeout=60_000)
        frame = map_frame(small)
        legend = frame.locator(LEGEND).first
        legend.wait_for(timeout=20_000)
        assert "collapsed" in legend.get_attribute("class")
        assert not legend.locator(".circle-legend-body").is_visible()
        legend.locator("button").click()
        assert "collapsed" not in legend.get_attribute("class")
        assert legend.locator(".circle-legend-body").is_visible()
        browser.close()
    # nothing left the machine: every request went to the app on 127.0.0.1 (or stayed inside the page)
    outside = {urlparse(u).hostname for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")}
    assert outside <= {"127.0.0.1"}, outside
