"""The capacity benchmark of the published site (benchmarks/public_load.py): its visits and a small bounded run."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from benchmarks.public_load import TOKEN_PATH, Options, page_files, plan_visits, run, table

CHROMIUM = Path("/usr/bin/chromium")


def _hand_made_site(root: Path) -> Path:
    """A published site by hand: a page with a style, two scripts (one importing a third), two blocks, streets."""
    site = root / "town"
    (site / "data" / "blocks").mkdir(parents=True)
    (site / "data" / "streets" / "0").mkdir(parents=True)
    (site / "index.html").write_text(
        '<!doctype html><html><head><link rel="stylesheet" href="site.css">'
        '<link rel="icon" href="https://example.org/icon.png">'
        '<script src="site.js" defer></script><script type="module" src="./map.js?v=2"></script>'
        "</head><body></body></html>",
        encoding="utf-8",
    )
    (site / "site.css").write_text("body{}", encoding="utf-8")
    (site / "site.js").write_text("console.log(1)", encoding="utf-8")
    (site / "map.js").write_text('import { draw } from "./draw.js";\ndraw();', encoding="utf-8")
    (site / "draw.js").write_text("export function draw() {}", encoding="utf-8")
    about = {"format": 1, "name": "town", "levels": [{"level": 0, "size": 1000, "max_view_m": 3000}], "reports": True}
    (site / "data" / "site.json").write_text(json.dumps(about), encoding="utf-8")
    for name, centre in (("a", [100, 100]), ("b", [7600, 100])):
        block = {"id": name, "block_id": f"w{name}", "centre": centre}
        (site / "data" / "blocks" / f"{name}.json").write_text(json.dumps(block), encoding="utf-8")
    for i in range(-3, 8):
        for j in range(-3, 3):
            (site / "data" / "streets" / "0" / f"{i}_{j}.json").write_text("{}", encoding="utf-8")
    return site


def test_a_visit_is_the_page_its_scripts_the_study_the_block_and_the_streets_around_it(tmp_path):
    site = _hand_made_site(tmp_path)
    # styles and scripts in document order, the module a script imports, nothing from another origin
    assert page_files(site) == ["index.html", "site.css", "site.js", "map.js", "draw.js"]
    visits = {v.file_id: v for v in plan_visits(site, prefix="/town/", radius_m=1500)}
    assert set(visits) == {"a", "b"} and visits["a"].block_id == "wa"
    a = visits["a"].paths
    assert a[:7] == [
        "/town/?b=a&lang=zh",
        *(f"/town/{name}" for name in page_files(site)[1:]),
        "/town/data/site.json",
        "/town/data/blocks/a.json",
    ]
    assert a[-1] == TOKEN_PATH  # the site takes reports: the page asks the server for a token
    squares = {p.removeprefix("/town/data/streets/0/").removesuffix(".json") for p in a[7:-1]}
    # centre (100, 100), 1 km squares: those reaching within 1.5 km, i and j in -2..1 but the far corner (1.56 km)
    assert squares == {f"{i}_{j}" for i in range(-2, 2) for j in range(-2, 2)} - {"-2_-2"}
    assert a[7] == "/town/data/streets/0/0_0.json"  # the block's own square first
    # near the site's edge only the squares the site holds are fetched
    columns = {int(p.split("/")[-1].split("_")[0]) for p in visits["b"].paths[7:-1]}
    assert columns == {6, 7}


def test_a_page_naming_a_missing_script_is_refused(tmp_path):
    from benchmarks.public_load import LoadError

    site = _hand_made_site(tmp_path)
    (site / "map.js").unlink()
    with pytest.raises(LoadError, match=r"loads map\.js"):
        page_files(site)


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Path:
    from circle.pipeline import AnalysisOptions, analyze
    from circle.study import Study
    from circle.tasks.score import score
    from tests.osm_builder import small_town

    root = tmp_path_factory.mktemp("public-load")
    analyze(AnalysisOptions(source=small_town(root / "town.osm"), out=root / "town"))
    score(Study.open(root / "town")).save()  # as `circle analyze` does
    return root / "town"


def _sane(part: dict) -> None:
    ms = part["visit_ms"]
    assert part["visits"] > 0 and part["errors"] == 0
    assert 0 < ms["p50"] <= ms["p95"] <= ms["p99"] <= ms["max"]
    assert part["cpu_s"] > 0 and part["cpu_s_per_visit"] == pytest.approx(part["cpu_s"] / part["visits"], rel=1e-6)


@pytest.mark.slow
def test_a_short_run_against_the_published_town_reports_its_visits(town):
    if shutil.which("wrk") is None:
        pytest.skip("needs wrk (scripts/system_packages.sh --tests installs it)")
    options = Options(connections=20, duration_s=2, warmup_s=1, streamlit_visits=0, visits="rule", time_limit_s=120)
    report = run(town, options)
    site = report["site"]
    _sane(site)
    assert site["wrk"]["bad_status"] == 0 and site["wrk"]["threads"] == 20 and site["wrk"]["cpu_s"] > 0
    assert site["visits_per_s"] == pytest.approx(site["visits"] / site["wrk"]["duration_s"], abs=0.1)
    # every visit fetched the whole first screen: requests are at least the visits times their shortest walk
    assert site["wrk"]["requests"] >= site["visits"] * 7
    assert report["site_files"] > 5 and report["site_bytes"] > 0 and report["publish_s"] > 0
    gz = report["first_screen_gzip_bytes"]
    assert 0 < gz["median"] <= gz["max"] < report["first_screen_raw_bytes"]["max"]
    assert site["first_screen_served_bytes"]["median"] > 0
    assert "streamlit" not in report and "published site" in table(report)


@pytest.mark.slow
@pytest.mark.browser
def test_the_streamlit_page_is_measured_in_the_same_run(town):
    if shutil.which("wrk") is None:
        pytest.skip("needs wrk (scripts/system_packages.sh --tests installs it)")
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (scripts/system_packages.sh --tests installs it)")
    pytest.importorskip("playwright")
    options = Options(connections=10, duration_s=2, warmup_s=0, streamlit_visits=1, recorded_visits=2, time_limit_s=240)
    report = run(town, options)
    assert report["visits_from"] == "browser" and 1 <= report["blocks_visited"] <= 2  # the town has few blocks
    _sane(report["site"])
    _sane(report["streamlit"])
    assert report["streamlit"]["visits"] == 1
    assert report["cpu_ratio_streamlit_over_site"] == pytest.approx(
        report["streamlit"]["cpu_s_per_visit"] / report["site"]["cpu_s_per_visit"], rel=0.01
    )
    assert "Streamlit / site" in table(report)


@pytest.mark.slow
@pytest.mark.browser
def test_a_recorded_visit_holds_what_the_rule_plans_but_the_street_squares(town, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (scripts/system_packages.sh --tests installs it)")
    pytest.importorskip("playwright")
    from benchmarks.public_load import publish, record_visits, start_site_server, stop_tree

    publish(town, tmp_path / "sites" / "town", timeout_s=120)
    server, site_url = start_site_server(tmp_path / "sites", "town", Options(), tmp_path, subprocess.DEVNULL)
    try:
        recorded = {v.file_id: v.paths for v in record_visits(site_url, tmp_path / "sites" / "town", 3, 120)}
    finally:
        stop_tree(server)
    planned = {v.file_id: v.paths for v in plan_visits(tmp_path / "sites" / "town", "/town/", most=3)}
    assert recorded.keys() == planned.keys()
    for file_id, paths in recorded.items():
        assert paths[0] == f"/town/?b={file_id}&lang=zh"
        rule = [p for p in planned[file_id] if "/data/streets/" not in p]
        assert set(rule) <= set(paths), f"the page asked for {paths}"
        assert any("/data/streets/" in p for p in paths)
