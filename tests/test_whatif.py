"""Adding one facility updates exactly what a full recomputation would."""

from __future__ import annotations

import numpy as np
import pytest

from circle.engine import Destinations, PreparedOrigins, ReachProblem, get_backend
from circle.engine.whatif import add_facility
from circle.prepare.network import AccessTable
from tests.conftest import make_access
from tests.test_engine_hand import hand_problem


def with_extra_facility(problem: ReachProblem, category: str, extra: AccessTable) -> ReachProblem:
    current = problem.destinations[category]
    position = len(current.ids)
    extra.owner = np.full(len(extra), position, np.int64)
    access = AccessTable(
        *(
            np.concatenate([getattr(current.access, f), getattr(extra, f)])
            for f in ("owner", "node", "seconds", "x", "y", "snap_m")
        )
    )
    destinations = dict(problem.destinations)
    destinations[category] = Destinations(np.append(current.ids, "NEW"), access)
    return ReachProblem(
        problem.network,
        problem.origin_access,
        problem.n_origins,
        destinations,
        problem.k,
        problem.thresholds_s,
        problem.limit_s,
    )


def assert_same(a, b):
    np.testing.assert_allclose(a.seconds, b.seconds, atol=1e-9, equal_nan=True)
    np.testing.assert_array_equal(a.nearest, b.nearest)
    np.testing.assert_array_equal(a.counts, b.counts)


def test_new_facility_on_the_hand_graph():
    problem = hand_problem()
    before = get_backend("labels").solve(problem)["c"]
    origins = PreparedOrigins.build(problem.origin_access, problem.n_origins, problem.network.n_nodes)
    # a new facility at node 2, 1 s from it: block A (node 0, 2 s) reaches it in 2 + 20 + 1 = 23 s
    extra = make_access([(0, 2, 1.0)])
    after, changed = add_facility(problem.network, origins, before, 3, extra, problem.thresholds_s, problem.limit_s)
    np.testing.assert_allclose(after.seconds[0], [16, 23, 27])
    np.testing.assert_array_equal(after.nearest[0], [1, 3, 0])
    np.testing.assert_array_equal(after.counts[0], [0, 3])
    expected = get_backend("bruteforce").solve(with_extra_facility(problem, "c", make_access([(0, 2, 1.0)])))["c"]
    assert_same(after, expected)
    assert 0 in changed
    # the original answer is untouched
    np.testing.assert_allclose(before.seconds[0], [16, 27, 34])


@pytest.mark.slow
def test_new_facilities_on_chengdu_match_full_recomputation(chengdu_pbf):
    from circle.pipeline import AnalysisOptions, prepare_inputs

    inputs = prepare_inputs(AnalysisOptions(source=chengdu_pbf))
    problem = inputs.problem()
    backend = get_backend("labels")
    before = backend.solve(problem)
    origins = PreparedOrigins.build(problem.origin_access, problem.n_origins, problem.network.n_nodes)
    rng = np.random.default_rng(5)
    for category in ("clinic", "park", "kindergarten"):
        node = int(rng.integers(problem.network.n_nodes))
        extra = make_access([(0, node, 12.0)])
        position = len(problem.destinations[category].ids)
        after, changed = add_facility(
            problem.network, origins, before[category], position, extra, problem.thresholds_s, problem.limit_s
        )
        full = backend.solve(with_extra_facility(problem, category, make_access([(0, node, 12.0)])))[category]
        assert_same(after, full)
        assert len(changed) > 0
