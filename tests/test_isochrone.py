"""Isochrones cut street segments at the exact time and are never convex hulls."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from circle.engine.isochrones import OffNetworkLinks, isochrone_bands, reach_times, reached_lines
from tests.conftest import make_network


def line_network():
    # 0 ── 1 ── 2 along x, 100 m each, 1 m/s
    return make_network([(0, 0), (100, 0), (200, 0)], [(0, 1), (1, 2)])


def test_reach_times_from_several_start_points_with_offsets():
    network = line_network()
    times = reach_times(network, np.array([0, 2]), np.array([50.0, 0.0]), limit_s=1000)
    np.testing.assert_allclose(times, [50, 100, 0])


def test_partial_segment_is_cut_where_time_runs_out():
    network = line_network()
    times = reach_times(network, np.array([0]), np.array([0.0]), limit_s=1000)
    lines = reached_lines(network, times, 150.0)
    assert shapely.length(lines).sum() == pytest.approx(150.0)
    union = shapely.union_all(lines)
    assert union.covers(shapely.Point(149.9, 0))
    assert not union.covers(shapely.Point(150.1, 0))


def test_segment_reached_from_both_ends_is_whole_only_when_the_pieces_meet():
    network = line_network()
    times = reach_times(network, np.array([0, 2]), np.array([0.0, 0.0]), limit_s=1000)
    assert shapely.length(reached_lines(network, times, 40.0)).sum() == pytest.approx(80.0)
    assert shapely.length(reached_lines(network, times, 50.0)).sum() == pytest.approx(100.0)
    assert shapely.length(reached_lines(network, times, 100.0)).sum() == pytest.approx(200.0)


def test_bands_are_nested_rings_with_the_margin():
    network = line_network()
    times = reach_times(network, np.array([0]), np.array([0.0]), limit_s=1000)
    bands = isochrone_bands(network, times, minutes=(1, 2), margin_m=10.0)
    first, second = bands.geometry.to_numpy()
    assert first.covers(shapely.Point(59, 0)) and first.covers(shapely.Point(60, 9.5))
    assert not first.covers(shapely.Point(75, 0))
    assert second.covers(shapely.Point(75, 0)) and not second.covers(shapely.Point(30, 0))
    assert not first.intersects(second.buffer(-0.01))
    assert bands["minutes"].tolist() == [1.0, 2.0]
    # 60 m line ± 10 m with round ends, then 60 → 120 m
    assert bands["reach_area_m2"].iloc[0] == pytest.approx(60 * 20 + np.pi * 100, rel=0.03)


def test_isochrone_is_not_a_convex_hull():
    # an L-shaped street: east 1000 m then north 1000 m
    network = make_network([(0, 0), (1000, 0), (1000, 1000)], [(0, 1), (1, 2)])
    times = reach_times(network, np.array([0]), np.array([0.0]), limit_s=3600)
    reach = isochrone_bands(network, times, minutes=(30,), margin_m=25).geometry.iloc[0]
    assert reach.covers(shapely.Point(1000, 790))
    assert not reach.covers(shapely.Point(1000, 850))
    assert not reach.covers(shapely.Point(500, 500))  # inside the hull of the reached lines


def test_facility_links_reach_the_facility_point():
    network = line_network()
    times = reach_times(network, np.array([0]), np.array([0.0]), limit_s=1000)
    # a facility 80 m north of node 1 (reached at 100 s): its walk ends at 180 s
    link = OffNetworkLinks(np.array([1]), np.array([80.0]), np.array([100.0]), np.array([80.0]), from_node=True)
    within = isochrone_bands(network, times, minutes=(3.0,), margin_m=5, links=[link]).geometry.iloc[0]
    short = isochrone_bands(network, times, minutes=(2.5,), margin_m=5, links=[link]).geometry.iloc[0]
    assert within.covers(shapely.Point(100, 80))
    assert short.covers(shapely.Point(100, 45)) and not short.covers(shapely.Point(100, 60))
