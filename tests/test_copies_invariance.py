"""The same data gets the same answer wherever it lies: 2 × 2 copies of an extract, side by side, not touching.

Each copy must get the first copy's blocks (ids aside), residents and times. The copies are the same on the
ground (see :mod:`tests.tiling_copies`), but the study's UTM projection draws copies a few kilometres east
turned by the change of meridian convergence (Δλ·sin φ, up to 3·10⁻³ rad here) and at a scale a few parts in
a million different: a grid square or a 50 m boundary point lands up to a few metres differently against a
copy's buildings. So block counts must match exactly, blocks pair up by position within 10 m, residents
agree to 0.5 % per block (not per square of loose buildings, where a building on a square's edge may change
squares) and 0.1 % per copy, and times to 0.5 % or 4 s; facility counts within 5/10/15 minutes
may differ by one where a facility lies within those seconds of the limit.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

from circle.pipeline import AnalysisOptions, analyze
from tests.conftest import shared_extract
from tests.osm_builder import OsmBuilder
from tests.tiling_copies import blocks_by_copy, crop_export, tile_copies, twins

#: still open (issue 27): parts of two large cut street blocks lie more than 10 m from their twins' places
CHENGDU = "open: two parts of cut street blocks (s…-23) lie over 10 m from their twins (cause not yet found)"
#: still open (issue 27)
MONACO = "open: the copy east of the first has 743 blocks, the first 755 (cause not yet found)"

#: a piece of Andorra around Andorra la Vella and Escaldes (the whole country 2 × 2 is too heavy for the suite).
ANDORRA_CROP = (1.50, 42.49, 1.56, 42.52)


def _study_of_copies(source: Path, tmp_path: Path):
    suffix = ".osm.pbf" if source.name.endswith(".pbf") else ".osm"
    copies = tile_copies(source, tmp_path / f"copies{suffix}")
    study = analyze(AnalysisOptions(source=copies.path, out=tmp_path / "study")).path
    return blocks_by_copy(gpd.read_parquet(study / "blocks.parquet"), copies), copies


def _assert_copies_agree(blocks, count: int) -> None:
    assert (blocks["copy"] >= 0).all(), "a block lies in none of the copies"
    times = [c for c in blocks.columns if c[-3:-1] == "_t"]
    within = [c for c in blocks.columns if c[-3:-2] == "_n" or c[-4:-2] == "_n"]
    first = blocks[blocks["copy"] == 0]
    assert len(first) > 0
    for copy in range(1, count):
        mine = blocks[blocks["copy"] == copy]
        assert len(mine) == len(first), f"copy {copy}: {len(mine)} blocks, the first {len(first)}"
        assert mine["population"].sum() == pytest.approx(first["population"].sum(), rel=1e-3)
        a, b, alone = twins(blocks, copy, tolerance_m=10.0)
        assert len(alone) == 0, f"copy {copy}: blocks without a twin {blocks['block_id'].iloc[alone].tolist()}"
        pop_a, pop_b = blocks["population"].to_numpy(float)[a], blocks["population"].to_numpy(float)[b]
        # a square of loose buildings is axis-aligned in the projection: turned against its copy's buildings by
        # the meridian convergence, a building on a square's edge several hundred metres from the group's centre
        # may fall in the neighbouring square; the copy's total holds them all
        square = blocks["block_id"].to_numpy(object)[a].astype(str).astype("U1") == "g"
        assert np.allclose(pop_b[~square], pop_a[~square], rtol=5e-3, atol=0.5)
        assert (blocks["pop_source"].to_numpy()[a] == blocks["pop_source"].to_numpy()[b]).all()
        # times of the squares of loose buildings are left out for the same reason (see the module's report)
        a, b = a[~square], b[~square]
        t_a, t_b = blocks[times].to_numpy(float)[a] * 60, blocks[times].to_numpy(float)[b] * 60
        assert (np.isnan(t_a) == np.isnan(t_b)).all(), f"copy {copy}: a time is missing in one copy only"
        assert (np.abs(t_a - t_b) <= np.maximum(5e-3 * t_a, 4.0))[~np.isnan(t_a)].all()
        n_a, n_b = blocks[within].to_numpy()[a], blocks[within].to_numpy()[b]
        assert np.abs(n_a - n_b).max(initial=0) <= 1


def _single_agrees(source: Path, blocks, tmp_path: Path) -> None:
    """The first copy gets what the extract alone gets."""
    alone = gpd.read_parquet(analyze(AnalysisOptions(source=source, out=tmp_path / "alone")).path / "blocks.parquet")
    first = blocks[blocks["copy"] == 0]
    assert len(first) == len(alone)
    assert first["population"].sum() == pytest.approx(alone["population"].sum(), rel=1e-6)


@pytest.mark.parametrize(
    "name",
    [
        "aguascalientes_tiny.osm.pbf",
        "beijing_haidian_2026.osm",
        "shanghai_baoshan_2021.osm",
        pytest.param("chengdu_central_2018.osm.pbf", marks=[pytest.mark.slow, pytest.mark.xfail(reason=CHENGDU)]),
        pytest.param("chengdu_central_2018.osm", marks=[pytest.mark.slow, pytest.mark.xfail(reason=CHENGDU)]),
        pytest.param("monaco_2016.osm.pbf", marks=[pytest.mark.slow, pytest.mark.xfail(reason=MONACO)]),
    ],
)
def test_copies_of_a_shared_extract_get_the_same_answer(name, tmp_path):
    source = shared_extract(name)
    blocks, copies = _study_of_copies(source, tmp_path)
    _assert_copies_agree(blocks, copies.count)
    if name.startswith(("beijing", "shanghai")):  # the openstreetmap.org exports of the issue
        _single_agrees(source, blocks, tmp_path)


@pytest.mark.slow
@pytest.mark.xfail(
    reason="open: copies get 93, 93, 94 and 93 blocks: the split grid lies along the projection's axes, which "
    "UTM turns against a copy (3e-3 rad), and slivers join smallest first, an order ppm differences change"
)
def test_copies_of_a_piece_of_andorra_get_the_same_answer(tmp_path):
    piece = crop_export(shared_extract("andorra_2020.osm.pbf"), tmp_path / "andorra_piece.osm.pbf", ANDORRA_CROP)
    blocks, copies = _study_of_copies(piece, tmp_path)
    _assert_copies_agree(blocks, copies.count)


def _town_with_an_estate(path: Path) -> Path:
    """A street along the south of one 900 × 700 m residential estate with no street inside: the grid cuts it."""
    town = OsmBuilder()
    street = [town.node(100.0 * i - 100, -20.0) for i in range(12)]
    town.way(street, highway="residential")
    town.node(450, -19.0, amenity="clinic")
    town.polygon([(0, 0), (900, 0), (900, 700), (0, 700)], landuse="residential", name="大院")
    return town.write(path)


def test_a_large_area_and_its_copy_are_cut_alike(tmp_path):
    blocks, copies = _study_of_copies(_town_with_an_estate(tmp_path / "town.osm"), tmp_path)
    assert (blocks.groupby("copy")["parent_id"].count() > 4).all()  # 63 ha: cut by the grid into parts
    _assert_copies_agree(blocks, copies.count)
