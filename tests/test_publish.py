"""``circle publish``: every block's page holds the study's numbers; the town's walk checks on paper; atomic."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from circle.analysis.walks import route
from circle.cli import main as cli
from circle.errors import CircleError
from circle.pipeline import AnalysisOptions, analyze
from circle.publish.plane import LocalPlane
from circle.publish.site import PublishOptions, file_id, publish_site
from circle.study import Study
from circle.tasks.score import score
from tests.conftest import shared_extract
from tests.osm_builder import small_town, to_lonlat


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("publish")
    analyze(AnalysisOptions(source=small_town(root / "town.osm"), out=root / "town"))
    score(Study.open(root / "town")).save()  # as `circle analyze` does
    return root / "town"


@pytest.fixture(scope="module")
def town_site(town, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sites") / "town"
    publish_site(town, out, PublishOptions(place={"zh": "小镇", "en": "Small Town"}))
    return out


def _load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _plane(site: Path) -> LocalPlane:
    origin = _load(site / "data" / "site.json")["origin"]
    return LocalPlane(origin["lon"], origin["lat"])


def _local(plane: LocalPlane, east_m: float, north_m: float) -> tuple[float, float]:
    x, y = plane.to_local(*(np.array([v]) for v in to_lonlat(east_m, north_m)))
    return float(x[0]), float(y[0])


def test_the_compound_walks_to_the_clinic_as_measured_on_paper(town_site):
    """西园小区 (x 100–300, 10 m north of the street) walks from its south-east corner to the clinic at x 800."""
    search = _load(town_site / "data" / "search.json")
    (row,) = [r for r in search if r[1] == "西园小区"]
    assert row[2:] == ["xiyuanxiaoqu", "xyxq", "Main Street以北"]
    page = _load(town_site / "data" / "blocks" / f"{row[0]}.json")
    clinic = next(s for s in page["services"] if s["category"] == "clinic")
    assert clinic["facility"]["name"] == "社区卫生服务站"
    # 10 m from the compound to the street, 500 m along it, half a metre to the clinic
    assert 505 <= clinic["metres"] <= 515
    assert clinic["steps_metres"] == 0
    plane = _plane(town_site)
    clinic_x, clinic_y = _local(plane, 800, 0.5)
    end = clinic["route"][-1]
    assert math.hypot(end[0] - clinic_x, end[1] - clinic_y) < 3
    start_x, start_y = _local(plane, 300, 10)
    assert math.hypot(clinic["route"][0][0] - start_x, clinic["route"][0][1] - start_y) < 15
    # the 15-minute area (990 m along the street from the compound) reaches x 1200 east but not the motorway
    rings = np.array([point for ring in page["isochrone"] for point in ring])
    assert rings[:, 0].max() >= _local(plane, 1200, 0)[0] - 60
    assert rings[:, 1].max() < _local(plane, 0, 200)[1]


def test_every_block_page_holds_the_study_numbers(town, town_site):
    study = Study.open(town)
    scores = pd.read_parquet(town / "scores.parquet").set_index("block_id")
    blocks = study.blocks.set_index("block_id")
    facilities = study.facilities.set_index("facility_id")
    site = _load(town_site / "data" / "site.json")
    assert site["blocks"] == len(blocks)
    assert site["place"] == {"zh": "小镇", "en": "Small Town"}
    assert site["median_score"] == pytest.approx(float(np.median(scores["score"])), abs=0.05)
    verdicts = {c["key"]: c["verdict"] for c in site["categories"]}
    for block_id, block in blocks.iterrows():
        page = _load(town_site / "data" / "blocks" / f"{file_id(block_id)}.json")
        row = scores.loc[block_id]
        assert page["block_id"] == block_id
        assert page["score"] == round(float(row["score"]))
        assert page["band"] == {"zh": row["band_zh"], "en": row["band_en"]}
        assert page["tier_met"] == int(row["tier_met"])
        for service in page["services"]:
            key = service["category"]
            nearest = block[f"{key}_id1"]
            if verdicts[key] == "absent" or not isinstance(nearest, str):
                assert service["facility"] is None and service["minutes"] is None
                continue
            assert service["facility"]["name"] == (facilities.loc[nearest, "name"] or None)
            assert service["minutes"] == pytest.approx(float(row[f"minutes_{key}"]), abs=0.051)
            walked = route(study, block_id, nearest)
            assert service["metres"] == pytest.approx(walked.metres, abs=1.0)
        absent = [k for k, v in verdicts.items() if v == "absent"]
        assert len(page["not_held"]["zh"]) == len(absent)


def test_streets_cover_the_network_at_full_detail(town, town_site):
    study = Study.open(town)
    total = 0.0
    for tile in (town_site / "data" / "streets" / "0").glob("*.json"):
        data = _load(tile)
        for line in data["lines"]:
            points = np.cumsum(np.array(line[1:]).reshape(-1, 2), axis=0)
            total += float(np.hypot(*np.diff(points, axis=0).T).sum())
    assert total == pytest.approx(float(study.network.length_m.sum()), rel=0.01)
    # every square of the extent answers (an empty one where there is no street), at levels 0 and 1
    site = _load(town_site / "data" / "site.json")
    xmin, ymin, xmax, ymax = site["extent"]
    for level in site["levels"][:2]:
        size = level["size"]
        for i in range(math.floor(xmin / size), math.floor(xmax / size) + 1):
            for j in range(math.floor(ymin / size), math.floor(ymax / size) + 1):
                assert (town_site / "data" / "streets" / str(level["level"]) / f"{i}_{j}.json").is_file()
    # the blocks are placed in the squares of level 0, each once
    placed = [row[0] for tile in (town_site / "data" / "streets" / "0").glob("*.json") for row in _load(tile)["blocks"]]
    assert sorted(placed) == sorted(file_id(b) for b in study.blocks["block_id"])


def test_republishing_replaces_the_site_whole_and_a_failure_keeps_the_old_one(town, tmp_path, monkeypatch):
    out = tmp_path / "site"
    publish_site(town, out, PublishOptions())
    (out / "stale.txt").write_text("left from an older site")
    publish_site(town, out, PublishOptions())
    assert not (out / "stale.txt").exists()
    before = sorted(p.relative_to(out) for p in out.rglob("*"))

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("circle.publish.site._search_rows", broken)
    with pytest.raises(OSError):
        publish_site(town, out, PublishOptions())
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert not [p for p in tmp_path.iterdir() if any(part in p.name for part in (".tmp-", ".new-", ".old-"))]


def test_posters_need_the_address(town, tmp_path, capsys):
    with pytest.raises(CircleError, match="address"):
        publish_site(town, tmp_path / "site", PublishOptions(posters=True))
    assert cli(["publish", "--study", str(town), "--out", str(tmp_path / "site"), "--posters"]) != 0
    assert "--url" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()


def test_file_ids_are_safe_in_urls():
    assert file_id("w12345") == "w12345"
    unsafe = file_id("../../etc/passwd")
    assert unsafe.startswith("h") and "/" not in unsafe and "." not in unsafe


@pytest.mark.slow
def test_a_real_district_publishes_with_routes_that_agree_with_the_engine(tmp_path):
    monaco = shared_extract("monaco_2016.osm.pbf")
    analyze(AnalysisOptions(source=monaco, out=tmp_path / "monaco"))  # not scored: publish scores it itself
    publish_site(tmp_path / "monaco", tmp_path / "site", PublishOptions())
    study = Study.open(tmp_path / "monaco")
    blocks = study.blocks.set_index("block_id")
    pages = sorted((tmp_path / "site" / "data" / "blocks").glob("*.json"))[:25]
    checked = 0
    for path in pages:
        page = _load(path)
        for service in page["services"]:
            if service["facility"] is None:
                continue
            walked = route(study, page["block_id"], blocks.loc[page["block_id"], f"{service['category']}_id1"])
            assert service["metres"] == pytest.approx(walked.metres, abs=1.0)
            checked += 1
    assert checked > 50


def test_streets_join_into_lines_through_two_way_nodes_only():
    """A T junction (0-1-2 with 1-3) and a square loop 4-5-6-7: three lines meet at 1; the loop is one line."""
    from circle.publish._kernels import chain_lines

    a = np.array([0, 1, 1, 4, 5, 6, 7])
    b = np.array([1, 2, 3, 5, 6, 7, 4])
    nodes, offsets = chain_lines(8, a, b)
    lines = [nodes[offsets[i] : offsets[i + 1]].tolist() for i in range(len(offsets) - 1)]
    assert sorted(sorted(line) for line in lines[:3]) == [[0, 1], [1, 2], [1, 3]]
    assert len(lines) == 4 and lines[3][0] == lines[3][-1] and sorted(lines[3][:-1]) == [4, 5, 6, 7]
    # a chain through two-way nodes is one line
    nodes, offsets = chain_lines(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
    assert nodes.tolist() == [0, 1, 2, 3] and offsets.tolist() == [0, 4]


def test_pages_written_by_forked_workers_are_the_same(town, town_site, tmp_path, monkeypatch):
    """A large study writes its pages in a process per core: the pages are those one process writes."""
    monkeypatch.setattr("circle.publish.site._FORK_FROM_BLOCKS", 1)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    publish_site(town, tmp_path / "site", PublishOptions(place={"zh": "小镇", "en": "Small Town"}))
    alone = sorted((town_site / "data" / "blocks").glob("*.json"))
    forked = sorted((tmp_path / "site" / "data" / "blocks").glob("*.json"))
    assert [p.name for p in forked] == [p.name for p in alone]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(alone, forked, strict=True))


def test_unnamed_blocks_are_found_by_their_street(town_site):
    """A block without a name is in the index under its place description, so a resident finds it by street."""
    search = _load(town_site / "data" / "search.json")
    pages = {p.stem: _load(p) for p in (town_site / "data" / "blocks").glob("*.json")}
    unnamed = [page for page in pages.values() if page["name"] is None and page["place"]["zh"]]
    indexed = {row[0]: row for row in search}
    for page in unnamed:
        assert indexed[page["id"]][1] == page["place"]["zh"]
    for row in search:  # every row leads to a page; a named block's row says where it is
        assert row[0] in pages
        if pages[row[0]]["name"]:
            assert row[1] == pages[row[0]]["name"]


def test_a_study_no_category_could_be_scored_in_publishes_no_score_and_valid_json(town, tmp_path):
    """Where the map data is too thin for every category (Monaco by the preset's norms), scores are NaN:
    the site says there is no score (no band, no median), and its JSON stays JSON (no NaN)."""
    import shutil

    study = tmp_path / "town"
    shutil.copytree(town, study)
    scores = pd.read_parquet(study / "scores.parquet")
    scores["score"] = np.nan
    scores.to_parquet(study / "scores.parquet")
    publish_site(study, tmp_path / "site", PublishOptions())

    def strict(path: Path):
        return json.loads(
            path.read_text(encoding="utf-8"), parse_constant=lambda name: pytest.fail(f"{name} in {path}")
        )

    assert strict(tmp_path / "site" / "data" / "site.json")["median_score"] is None
    for path in (tmp_path / "site" / "data" / "blocks").glob("*.json"):
        page = strict(path)
        assert page["score"] is None and page["band"] == {"zh": None, "en": None}
