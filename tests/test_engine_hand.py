"""Backends against answers worked out on paper, on a hand-drawn graph.

    node 1 ──30s── node 3 ──7s── node 4
      │10s          │5s
    node 0 ──20s── node 2

Block A enters at node 0 (2 s); block B at node 4 (1 s) and node 1 (3 s).
Category c: F0 at node 3 (0 s), F1 at node 1 (4 s), F2 at node 4 (0 s).

A → F1 = 2+10+4 = 16, A → F0 = 2+20+5 = 27, A → F2 = 2+25+7 = 34.
B → F2 = 1, B → F1 = 3+4 = 7, B → F0 = 1+7 = 8.
"""

from __future__ import annotations

import numpy as np
import pytest

from circle.engine import BACKENDS, Destinations, ReachProblem, get_backend
from circle.errors import EngineError
from tests.conftest import make_access, make_network

XY = [(0, 0), (0, 10), (20, 0), (20, 10), (27, 10)]
SEGMENTS = [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)]
SECONDS = [10.0, 20.0, 30.0, 5.0, 7.0]


def hand_problem(back_seconds=None, limit_s=100.0, thresholds=(10.0, 30.0)) -> ReachProblem:
    network = make_network(XY, SEGMENTS, SECONDS, back_seconds)
    origins = make_access([(0, 0, 2.0), (1, 4, 1.0), (1, 1, 3.0), (2, 3, 0.0)])
    destinations = {
        "c": Destinations(np.array(["F0", "F1", "F2"], object), make_access([(0, 3, 0.0), (1, 1, 4.0), (2, 4, 0.0)])),
        "none_mapped": Destinations(np.array([], object), make_access([])),
        "unreachable": Destinations(np.array(["U"], object), make_access([])),
        "g": Destinations(np.array(["G0"], object), make_access([(0, 0, 0.0)])),
    }
    return ReachProblem(network, origins, 4, destinations, k=3, thresholds_s=thresholds, limit_s=limit_s)


@pytest.mark.parametrize("backend", BACKENDS)
def test_k_nearest_times_and_ids_match_paper(backend):
    reach = get_backend(backend).solve(hand_problem())["c"]
    np.testing.assert_allclose(reach.seconds[0], [16, 27, 34], atol=0.01)
    np.testing.assert_array_equal(reach.nearest[0], [1, 0, 2])
    np.testing.assert_allclose(reach.seconds[1], [1, 7, 8], atol=0.01)
    np.testing.assert_array_equal(reach.nearest[1], [2, 1, 0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_counts_within_thresholds_match_paper(backend):
    reach = get_backend(backend).solve(hand_problem())["c"]
    # A: 16, 27, 34 → none within 10 s, two within 30 s. B: 1, 7, 8 → all three.
    np.testing.assert_array_equal(reach.counts[0], [0, 2])
    np.testing.assert_array_equal(reach.counts[1], [3, 3])


@pytest.mark.parametrize("backend", BACKENDS)
def test_block_without_access_and_category_without_facility_give_empty_answers(backend):
    result = get_backend(backend).solve(hand_problem())
    # block 3 has no access row at all
    assert np.isnan(result["c"].seconds[3]).all()
    assert (result["c"].nearest[3] == -1).all()
    for category in ("none_mapped", "unreachable"):
        assert np.isnan(result[category].seconds).all()
        assert (result[category].counts == 0).all()


@pytest.mark.parametrize("backend", BACKENDS)
def test_search_limit_leaves_farther_facilities_empty(backend):
    reach = get_backend(backend).solve(hand_problem(limit_s=30.0))["c"]
    np.testing.assert_allclose(reach.seconds[0, :2], [16, 27], atol=0.01)
    assert np.isnan(reach.seconds[0, 2])
    assert reach.nearest[0, 2] == -1


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_way_segment_is_respected(backend):
    # Segment 2→3 may be walked only from 2 to 3: block C at node 3 must go
    # round by node 1 to reach G0 at node 0 (30 + 10 = 40 s, not 5 + 20 = 25 s).
    back = [10.0, 20.0, 30.0, np.inf, 7.0]
    reach = get_backend(backend).solve(hand_problem(back_seconds=back))["g"]
    assert reach.seconds[2, 0] == pytest.approx(40.0, abs=0.01)
    # Block A at node 0 still walks 0→2→3 forwards to F0 in 27 s.
    forward = get_backend(backend).solve(hand_problem(back_seconds=back))["c"]
    assert forward.seconds[0, 1] == pytest.approx(27.0, abs=0.01)


@pytest.mark.parametrize("backend", BACKENDS)
def test_facility_exactly_on_threshold_is_counted(backend):
    # B reaches F1 in exactly 7 s.
    reach = get_backend(backend).solve(hand_problem(thresholds=(7.0,)))["c"]
    assert reach.counts[1, 0] == 2  # F2 (1 s) and F1 (7 s); F0 is 8 s


def test_virtual_nodes_are_not_shortcuts():
    # Two far-apart entrances of one park must not join the network for free:
    # block at node 0, park entered at nodes 0 and 4; the other facility at
    # node 4 must still cost the full walk (2 + 25 + 7 = 34 s).
    network = make_network(XY, SEGMENTS, SECONDS)
    problem = ReachProblem(
        network,
        make_access([(0, 0, 2.0)]),
        1,
        {
            "park": Destinations(np.array(["P"], object), make_access([(0, 0, 0.0), (0, 4, 0.0)])),
            "c": Destinations(np.array(["F2"], object), make_access([(0, 4, 0.0)])),
        },
        limit_s=100.0,
    )
    for backend in BACKENDS:
        result = get_backend(backend).solve(problem)
        assert result["park"].seconds[0, 0] == pytest.approx(2.0, abs=0.01)
        assert result["c"].seconds[0, 0] == pytest.approx(34.0, abs=0.01), backend


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(EngineError, match="choose one of"):
        get_backend("dijkstra9000")


def test_out_of_range_access_rows_raise_instead_of_crashing():
    problem = hand_problem()
    problem.origin_access.node[0] = 99
    with pytest.raises(EngineError, match="outside 0…4"):
        get_backend("labels").solve(problem)


def test_contraction_keeps_exact_answers_on_a_long_chain():
    # 0 ─ 1 ─ 2 ─ … ─ 20 in 10 s steps; only the ends and node 7 are needed
    network = make_network(
        [(10 * i, 0) for i in range(21)], [(i, i + 1) for i in range(20)], seconds=[10.0] * 20, back_seconds=[12.0] * 20
    )
    problem = ReachProblem(
        network,
        make_access([(0, 0, 0.0), (1, 7, 1.0)]),
        2,
        {"c": Destinations(np.array(["end", "mid"], object), make_access([(0, 20, 0.0), (1, 12, 0.0)]))},
        k=2,
        thresholds_s=(100.0,),
        limit_s=1000.0,
    )
    for backend in BACKENDS:
        reach = get_backend(backend).solve(problem)["c"]
        # from node 0 forwards: mid at 120 s, end at 200 s; from node 7 (+1 s): mid 51 s, end 131 s
        np.testing.assert_allclose(reach.seconds, [[120, 200], [51, 131]], atol=0.01)
        np.testing.assert_array_equal(reach.counts, [[0], [1]])


def test_the_k_label_search_by_regions_equals_one_search_over_the_whole_graph():
    from circle.engine import _kernels as kernels
    from circle.prepare.network import CsrGraph, min_weight_csr

    # a 60 × 60 street grid, 100 m blocks, with random detours; 300 facilities; limit 600 s at 1 m/s
    rng = np.random.default_rng(11)
    side = 60
    xy = np.array([(100.0 * i, 100.0 * j) for j in range(side) for i in range(side)])
    a = np.array(
        [j * side + i for j in range(side) for i in range(side - 1)]
        + [j * side + i for j in range(side - 1) for i in range(side)]
    )
    b = np.array(
        [j * side + i + 1 for j in range(side) for i in range(side - 1)]
        + [(j + 1) * side + i for j in range(side - 1) for i in range(side)]
    )
    seconds = 100.0 * rng.uniform(1.0, 1.6, len(a))
    graph = min_weight_csr(
        np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([seconds, seconds]), side * side
    )
    starts = rng.choice(side * side, 300, replace=False)
    start_costs = rng.uniform(0, 50, 300)
    labels = np.arange(300)
    csr = CsrGraph(graph.indptr.astype(np.int64), graph.indices.astype(np.int64), graph.data)
    search = (csr, kernels.Starts(starts, start_costs, labels), 3, 600.0)
    whole = kernels.k_nearest_labels(*search, kernels.Regions(xy[:, 0], xy[:, 1], 0.0, 0.0))
    # regions of 1.2 km with a margin of the reach (600 s at the fastest segment, 1 m/s): 600 m
    regions = kernels.k_nearest_labels(*search, kernels.Regions(xy[:, 0], xy[:, 1], 1200.0, 600.0))
    assert np.array_equal(whole[0], regions[0]) and np.array_equal(whole[1], regions[1])
    assert np.isfinite(whole[0][:, 0]).mean() > 0.9  # the search reached most nodes: the test covers something
