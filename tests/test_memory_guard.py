"""The memory guard: a build that would not fit is refused before any work, with advice."""

from __future__ import annotations

import pytest

from circle.cli import main
from circle.pipeline.memory import MemoryLimitError, check_memory, estimate, kept_share
from tests.conftest import shared_extract
from tests.osm_builder import small_town


def test_kept_share_is_the_overlap_of_the_area_with_the_file():
    assert kept_share((0, 0, 10, 10), (0, 0, 5, 5)) == pytest.approx(0.25)
    assert kept_share((0, 0, 10, 10), (8, 8, 20, 20)) == pytest.approx(0.04)
    assert kept_share((0, 0, 10, 10), (20, 20, 30, 30)) == 0.0
    assert kept_share(None, (0, 0, 1, 1)) == 1.0 and kept_share((0, 0, 1, 1), None) == 1.0


def test_estimate_grows_with_the_file_and_shrinks_with_the_area(tmp_path):
    small = estimate(small_town(tmp_path / "a.osm"), environ={"CIRCLE_MEMORY_LIMIT_MB": "1000"})
    assert small.allowed_mb == 1000 and small.fits
    big = tmp_path / "big.osm.pbf"
    big.write_bytes(b"\x00" * 50_000_000)
    whole = estimate(big, (0, 0, 1, 1), None, environ={})
    part = estimate(big, (0, 0, 1, 1), (0, 0, 0.1, 0.1), environ={})
    assert whole.needed_mb == pytest.approx(390 + (17 + 17.5) * 50, rel=1e-3)
    assert part.needed_mb == pytest.approx(390 + (17 * 0.01 + 17.5) * 50, rel=1e-3)


def test_a_study_too_big_for_the_machine_is_refused_before_any_work(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CIRCLE_MEMORY_LIMIT_MB", "200")
    out = tmp_path / "study"
    code = main(["analyze", str(small_town(tmp_path / "town.osm")), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "would need about 0.4 GB" in err and "--bbox" in err and "circle batch" in err
    assert not out.exists()
    monkeypatch.setenv("CIRCLE_MEMORY_LIMIT_MB", "lots")
    assert main(["analyze", str(small_town(tmp_path / "town.osm")), "--out", str(out), "--quiet"]) == 2
    assert "must be a number" in capsys.readouterr().err


@pytest.mark.slow
def test_a_smaller_bounding_box_fits_where_the_whole_extract_does_not(tmp_path, monkeypatch):
    andorra = shared_extract("andorra_2020.osm.pbf")
    from circle.sources.osm_format import header_bounds

    bounds = header_bounds(andorra)
    assert bounds is not None
    whole = estimate(andorra, bounds, None, environ={})
    west, south, east, north = bounds
    core = (
        west + 0.45 * (east - west),
        south + 0.45 * (north - south),
        west + 0.55 * (east - west),
        south + 0.55 * (north - south),
    )
    part = estimate(andorra, bounds, core, environ={})
    limit = (whole.needed_mb + part.needed_mb) / 2
    monkeypatch.setenv("CIRCLE_MEMORY_LIMIT_MB", str(limit))
    with pytest.raises(MemoryLimitError, match="smaller area") as refused:
        check_memory(andorra, bounds, None)
    assert refused.value.about == ("bbox", "area_file")
    assert check_memory(andorra, bounds, core).fits
