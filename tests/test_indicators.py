"""City check-up indicators recomputed independently from the study's own tables, and the sheet they go to."""

from __future__ import annotations

import shutil
import subprocess

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from circle.analysis.assess import compute_scores
from circle.analysis.indicators import compute_indicators
from circle.cli import main
from circle.errors import PresetError
from circle.pipeline import AnalysisOptions, analyze
from circle.standards.indicator_sets import builtin_indicator_sets, load_indicator_set
from circle.study import Study
from tests.reach_oracle import facility_times, network_matrix


@pytest.fixture(scope="module")
def chengdu(tmp_path_factory):
    folder = tmp_path_factory.mktemp("indicators")
    return Study.open(analyze(AnalysisOptions(out=folder / "study")).path)


@pytest.fixture(scope="module")
def indicators(chengdu):
    return compute_indicators(chengdu, load_indicator_set(), "en")


def park_rules():
    return [(5000.0, None, 500.0), (2000.0, 5000.0, 300.0)]


def qualifying_parks(study) -> list[tuple[pd.DataFrame, float]]:
    facilities = gpd.read_parquet(study.path / "facilities.parquet").to_crs(study.crs)
    parks = facilities[facilities["category"] == "park"]
    area = parks.geometry.area
    out = []
    for low, high, radius in park_rules():
        keep = (area >= low) & ((area < high) if high is not None else True)
        out.append((parks[keep], radius))
    return out


def test_park_service_radius_coverage_by_straight_line_matches_a_geopandas_overlay(chengdu, indicators):
    table = indicators[0]
    row = table.set_index("key").loc["park_service_radius_coverage"]
    blocks = gpd.read_parquet(chengdu.path / "blocks.parquet").to_crs(chengdu.crs)
    served = shapely.union_all(
        [parks.geometry.buffer(radius, quad_segs=16).union_all() for parks, radius in qualifying_parks(chengdu)]
    )
    land = blocks.geometry.union_all()
    expected = 100 * land.intersection(served).area / land.area
    assert row["official_value"] == pytest.approx(round(expected, 2), abs=0.011)
    assert row["straight_line_value"] == row["official_value"]
    assert 10 < row["official_value"] < 95


def test_park_service_radius_coverage_on_foot_matches_plain_dijkstra(chengdu, indicators):
    row = indicators[0].set_index("key").loc["park_service_radius_coverage"]
    blocks = gpd.read_parquet(chengdu.path / "blocks.parquet").to_crs(chengdu.crs)
    edges = pd.read_parquet(chengdu.path / "network" / "edges.parquet")
    nodes = pd.read_parquet(chengdu.path / "network" / "nodes.parquet")
    block_access = pd.read_parquet(chengdu.path / "access" / "blocks.parquet")
    facility_access = pd.read_parquet(chengdu.path / "access" / "facilities.parquet")
    matrix = network_matrix(edges, len(nodes))
    speed = chengdu.summary.profile.speed
    rules = [(set(parks["facility_id"]), radius) for parks, radius in qualifying_parks(chengdu)]
    wanted = set().union(*(ids for ids, _ in rules))
    facility_access = facility_access[facility_access["facility_id"].isin(wanted)]
    passes = []
    for block_id in blocks["block_id"]:
        rows = block_access[block_access["block_id"] == block_id]
        times = facility_times(matrix, rows, facility_access, 1000.0 / speed) if len(rows) else pd.Series(dtype=float)
        passes.append(any((times.reindex(list(ids)).dropna() <= radius / speed + 1e-6).any() for ids, radius in rules))
    passes = np.array(passes)
    area = blocks.geometry.area.to_numpy()
    population = blocks["population"].to_numpy(float)
    assert row["network_value"] == pytest.approx(round(100 * area[passes].sum() / area.sum(), 2), abs=0.011)
    assert row["network_residents_value"] == pytest.approx(
        round(100 * population[passes].sum() / population.sum(), 2), abs=0.011
    )


def test_compounds_lacking_are_counted_from_the_blocks_table(chengdu, indicators):
    table = indicators[0]
    blocks = pd.read_parquet(chengdu.path / "blocks.parquet")
    rows = table[table["key"] == "compounds_lacking"].set_index("category")
    preset = chengdu.summary
    speed = preset.profile.speed
    assessed = [c for c in ("kindergarten", "clinic", "primary_school", "middle_school", "park") if c in rows.index]
    apart = compute_scores(chengdu).summary
    assessed = [c for c in assessed if c in apart.categories]
    assert {"primary_school", "park"} <= set(assessed)
    # a category the data holds only in part gets no figure: its note says why, with the mapped figure as a bound
    for category in apart.likely_incomplete:
        assert pd.isna(rows.loc[category, "network_value"]) and pd.isna(rows.loc[category, "official_value"])
        assert "incompletely mapped" in rows.loc[category, "note"] and "upper bound" in rows.loc[category, "note"]
    for category in assessed:
        radius = preset.category(category).radius_m["value"]
        passed = blocks[f"{category}_t1"] <= radius / speed / 60 + 1e-9
        lacking = (~passed.groupby(blocks["parent_id"]).any()).sum()
        assert rows.loc[category, "network_value"] == lacking
        residents = blocks.groupby("parent_id")["population"].sum()[~passed.groupby(blocks["parent_id"]).any()].sum()
        assert rows.loc[category, "network_residents_value"] == pytest.approx(residents, abs=0.1)
    communities = indicators[1]
    assert communities["compounds"].sum() == blocks["parent_id"].nunique()
    assert communities["primary_school"].sum() == rows.loc["primary_school", "network_value"]
    assert not set(apart.likely_incomplete) & set(communities.columns)


def test_the_study_figures_equal_the_scores(chengdu, indicators):
    summary = compute_scores(chengdu).summary
    table = indicators[0].set_index("key")
    assert table.loc["proximity_time", "network_value"] == summary.proximity_min
    assert table.loc["gini_proximity", "network_value"] == summary.gini_proximity
    coverage = indicators[0][indicators[0]["key"] == "category_coverage"].set_index("category")
    assert coverage.loc["primary_school", "network_value"] == pytest.approx(
        100 * summary.categories["primary_school"].coverage
    )
    for key, lower in (summary.set_apart or {}).items():
        assert pd.isna(coverage.loc[key, "network_value"])
        assert f"{100 * lower.coverage:.2f} % by the mapped facilities (a lower bound)" in coverage.loc[key, "note"]


def test_an_indicator_without_data_says_so(indicators):
    row = indicators[0].set_index("key").loc["greenway_service_radius_coverage"]
    assert pd.isna(row["official_value"]) and "no greenway" in row["note"]


@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed; scripts/test.sh installs it"
)
def test_xlsx_opens_in_libreoffice_with_chinese_headings_and_sources(chengdu, tmp_path):
    out = tmp_path / "体检指标.xlsx"
    assert main(["indicators", "--study", str(chengdu.path), "--out", str(out)]) == 0
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1",
            "--outdir",
            str(tmp_path / "csv"),
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    frame = pd.read_csv(tmp_path / "csv" / "体检指标.csv")
    assert {"指标名称", "官方口径值", "步行网络计算值", "定义来源", "已核实"} <= set(frame.columns)
    park = frame[frame["指标代码"] == "park_service_radius_coverage"].iloc[0]
    assert park["指标名称"] == "公园绿地服务半径覆盖率"
    assert "2021年城市体检指标体系" in park["定义来源"]
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets) == ["指标", "社区缺口", "数据来源"]
    sources = dict(sheets["数据来源"].to_numpy())
    assert sources["数据源文件"] == "chengdu_central_2018.osm.pbf" and len(sources["数据源 SHA-256"]) == 64


def test_csv_and_bad_file_names(chengdu, tmp_path, capsys):
    out = tmp_path / "ind.csv"
    assert main(["indicators", "--study", str(chengdu.path), "--out", str(out), "--lang", "en"]) == 0
    frame = pd.read_csv(out, encoding="utf-8-sig")
    assert "Definition source" in frame.columns
    assert (tmp_path / "ind.sources.csv").is_file() and (tmp_path / "ind.communities.csv").is_file()
    assert main(["indicators", "--study", str(chengdu.path), "--out", str(tmp_path / "ind.txt")]) == 2
    assert "must end in .xlsx or .csv" in capsys.readouterr().err


def test_indicator_sets_are_data_with_sources(tmp_path):
    assert "city_checkup_2021" in builtin_indicator_sets()
    for indicator in load_indicator_set().indicators:
        assert indicator.source and indicator.name_zh and indicator.name_en and indicator.definition_zh
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nindicators:\n  - {key: a, method: guess, unit: percent}\n", encoding="utf-8")
    with pytest.raises(PresetError, match="method must be one of"):
        load_indicator_set(bad)
