"""The resident page of a study that lacks a category, in a real headless Chromium at phone width.

No elderly-care facility is mapped in the embedded central-Chengdu extract and its
kindergartens are too few: the page must say the map data does not hold them, never
that the resident has none within 30 minutes. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.load import CHROMIUM, CHROMIUM_ARGS
from circle.pipeline import AnalysisOptions, analyze

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def chengdu_site(tmp_path_factory):
    """The embedded Chengdu study served by ``public_app.py`` (the resident page alone)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (scripts/system_packages.sh installs it)")
    pytest.importorskip("playwright")
    from benchmarks.load import start_server

    root = tmp_path_factory.mktemp("gaps")
    result = analyze(AnalysisOptions(source=None, out=root / "studies" / "default"))
    try:
        process, url = start_server(root / "studies", script="public_app.py")
    except RuntimeError as error:
        pytest.fail(str(error))
    yield url, result.path
    process.terminate()
    process.wait(timeout=20)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_category_the_data_lacks_is_not_a_missing_service(chengdu_site, lang):
    from playwright.sync_api import sync_playwright

    from circle.analysis.assess import compute_scores
    from circle.study import Study

    url, path = chengdu_site
    result = compute_scores(Study.open(path))
    assert "elderly_care" in result.summary.not_mapped
    assert "kindergarten" in result.summary.likely_incomplete
    # a block with no mapped kindergarten within 30 minutes: the page must not say it has none
    scores = result.scores
    block = str(scores.loc[scores["minutes_kindergarten"].isna(), "block_id"].iloc[0])
    said = {
        "zh": (
            "地图数据里没有收录养老服务",
            "步行 30 分钟内没有地图上收录的",
            "关于这些数据",
            "步行 30 分钟内没有养老服务",
        ),
        "en": (
            "The map data holds no Elderly care",
            "on the map within a 30-minute walk",
            "About this data",
            "No Elderly care within a 30-minute walk",
        ),
    }[lang]
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        page.goto(f"{url}/resident?lang={lang}&block={block}", wait_until="domcontentloaded", timeout=60_000)
        page.get_by_text(said[2], exact=True).first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        text = page.inner_text("body")
        page.screenshot(path=str(ARTIFACTS / f"resident-data-gaps-{lang}.png"), full_page=True)
        # Streamlit scrolls inside its own container: the answer is photographed where it scrolled to
        page.get_by_text(said[2], exact=True).first.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / f"resident-data-gaps-{lang}-answer.png"))
        browser.close()
    assert said[0] in text, "elderly care is said to be missing from the data"
    assert said[1] in text, "kindergartens are said to be incompletely mapped"
    assert said[3] not in text, "no resident is told a category the data lacks is missing where they live"
