"""Workloads of the harness: what is measured, in the process that measures it.

Each ``measure_*`` function runs inside a worker subprocess so that its peak
memory is its own. Every timing is the median of several runs.
"""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from benchmarks.megacity import MegaCity, load_or_build, shared_osm_folder
from circle.engine import Destinations, PreparedOrigins, ReachProblem, get_backend
from circle.engine.isochrones import OffNetworkLinks, isochrone_from
from circle.engine.whatif import add_facility
from circle.prepare.network import AccessTable, WalkNetwork

QUICK_NODES = 200_000
FULL_NODES = 1_000_000
MAX_SNAP_M = 300.0
SPEED = 1.1
POINTS = 50


@dataclass
class Inputs:
    """A workload's inputs, whatever their origin: network, access tables, node-to-node mapping."""

    network: WalkNetwork
    problem: ReachProblem
    block_xy: np.ndarray
    facility_xy: dict[str, np.ndarray]


def median_time(function: Callable[[], object], runs: int) -> tuple[float, object]:
    """Return the median seconds of ``runs`` calls and the last result."""
    seconds, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def andorra_path() -> Path:
    """Return the Andorra extract."""
    return shared_osm_folder() / "andorra_2020.osm.pbf"


def load_inputs(workload: str, quick: bool) -> tuple[Callable[[], Inputs], dict]:
    """Return a loader of the workload's inputs (timed as ingest) and facts about how it was made."""
    if workload == "andorra":
        from circle.pipeline import AnalysisOptions, prepare_inputs

        def load_andorra() -> Inputs:
            inputs = prepare_inputs(AnalysisOptions(source=andorra_path()))
            problem = inputs.problem()
            centres = inputs.blocks.geometry.representative_point()
            facility_xy = {}
            for category in problem.destinations:
                mine = inputs.facilities[inputs.facilities["category"] == category]
                points = mine.geometry.representative_point()
                facility_xy[category] = np.column_stack([points.x, points.y]).reshape(-1, 2)
            return Inputs(inputs.network, problem, np.column_stack([centres.x, centres.y]), facility_xy)

        return load_andorra, {"ingest": "circle's reading of the .osm.pbf into network, blocks, facilities, access"}
    if workload == "megacity":
        nodes = QUICK_NODES if quick else FULL_NODES
        city, built = load_or_build(nodes)

        def load_city() -> Inputs:
            loaded, _ = load_or_build(nodes)
            return _city_inputs(loaded)

        return load_city, {
            "ingest": "loading the cached generated city (network, blocks, facilities, access tables)",
            "generation_s": city.build_s,
            "generated_now": built,
            "tiles": city.tiles,
        }
    raise ValueError(f"unknown workload {workload!r}")


def _city_inputs(city: MegaCity) -> Inputs:
    return Inputs(city.network, city.problem(), city.block_xy, city.facility_xy)


def node_problem(inputs: Inputs, mapping: Path | None = None) -> tuple[ReachProblem, np.ndarray, dict[str, np.ndarray]]:
    """Return the node-to-node problem pandana solves: blocks and facilities at their nearest node.

    With ``mapping`` (written by the pandana worker), blocks and facilities sit
    on exactly the nodes pandana chose, so both solve the same problem even
    where two nodes share coordinates.
    """
    network = inputs.network
    tree = cKDTree(np.column_stack([network.x, network.y]))
    given = np.load(mapping) if mapping is not None and Path(mapping).is_file() else None
    block_nodes = (
        given["block_nodes"].astype(np.int64) if given is not None else tree.query(inputs.block_xy)[1].astype(np.int64)
    )
    n_blocks = len(block_nodes)
    origins = AccessTable(
        np.arange(n_blocks, dtype=np.int64),
        block_nodes,
        np.zeros(n_blocks),
        np.zeros(n_blocks),
        np.zeros(n_blocks),
        np.zeros(n_blocks),
    )
    destinations, facility_nodes = {}, {}
    for category, xy in inputs.facility_xy.items():
        if given is not None and f"{category}_nodes" in given.files:
            nodes = given[f"{category}_nodes"].astype(np.int64)
        else:
            nodes = tree.query(xy)[1].astype(np.int64) if len(xy) else np.zeros(0, np.int64)
        count = len(nodes)
        facility_nodes[category] = nodes
        destinations[category] = Destinations(
            np.arange(count).astype(object),
            AccessTable(
                np.arange(count, dtype=np.int64),
                nodes,
                np.zeros(count),
                np.zeros(count),
                np.zeros(count),
                np.zeros(count),
            ),
        )
    problem = ReachProblem(
        network,
        origins,
        n_blocks,
        destinations,
        inputs.problem.k,
        inputs.problem.thresholds_s,
        inputs.problem.limit_s,
    )
    return problem, block_nodes, facility_nodes


def measure_circle(workload: str, quick: bool, runs: int, baseline: Path | None = None) -> dict:
    """Measure ingest, engine (full and node-to-node), isochrones, what-ifs and memory.

    With ``baseline`` (pandana's answers), the node-to-node problem uses
    pandana's node mapping and the answers are compared.
    """
    loader, facts = load_inputs(workload, quick)
    ingest_s, inputs = median_time(loader, runs)
    network, problem = inputs.network, inputs.problem
    backend = get_backend("labels")

    def solve(p: ReachProblem):
        network._csr_cache.clear()  # count building the graph arrays in every run
        return backend.solve(p)

    backend.solve(problem)  # compile (numba caches to disk; the first call in a process still loads)
    engine_s, reach = median_time(lambda: solve(problem), runs)
    mapping = mapping_out(baseline) if baseline is not None else None
    nodes_problem, _, _ = node_problem(inputs, mapping)
    engine_node_s, node_reach = median_time(lambda: solve(nodes_problem), runs)
    agreement = compare_answers(network, nodes_problem, node_reach, baseline) if baseline is not None else {}
    one_pass_s, _ = median_time(lambda: one_pass_floor(problem), runs)
    rng = np.random.default_rng(42)
    isochrone_ms = _isochrone_latencies(inputs, rng)
    whatif_ms = _whatif_latencies(inputs, reach, rng)
    return {
        "name": workload,
        "nodes": int(network.n_nodes),
        "edges": int(np.isfinite(network.seconds_ab).sum() + np.isfinite(network.seconds_ba).sum()),
        "blocks": int(problem.n_origins),
        "facilities": int(sum(len(d.ids) for d in problem.destinations.values())),
        "categories": len(problem.destinations),
        "block_access_rows": len(problem.origin_access),
        "ingest_s": round(ingest_s, 3),
        "engine_s": round(engine_s, 3),
        "engine_node_to_node_s": round(engine_node_s, 3),
        "one_pass_s": round(one_pass_s, 3),
        "engine_vs_one_pass": round(engine_s / one_pass_s, 2),
        "isochrone_ms_median": round(float(np.median(isochrone_ms)), 1),
        "isochrone_ms_p90": round(float(np.percentile(isochrone_ms, 90)), 1),
        "whatif_ms_median": round(float(np.median(whatif_ms)), 1),
        "whatif_ms_p90": round(float(np.percentile(whatif_ms, 90)), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "runs": runs,
        **agreement,
        **facts,
    }


def one_pass_floor(problem: ReachProblem) -> None:
    """The physical floor: one plain Dijkstra pass per category (nearest only, no counts).

    Same contracted graph and starts as the engine; it settles every node
    once per category, the least any exact search for the nearest facility
    must do.
    """
    from circle.engine import _kernels as kernels
    from circle.engine._labels import _renumbered, contracted_reverse_graph

    problem.network._csr_cache.clear()
    graph, renumber = contracted_reverse_graph(problem)
    for destinations in problem.destinations.values():
        access = _renumbered(destinations.access, renumber)
        kernels.bounded_times(graph, access.node, access.seconds, float(problem.limit_s))


def _isochrone_latencies(inputs: Inputs, rng) -> np.ndarray:
    network = inputs.network
    links = _facility_links(inputs.problem)
    picks = rng.choice(len(inputs.block_xy), size=POINTS, replace=len(inputs.block_xy) < POINTS)
    points = inputs.block_xy[picks] + rng.normal(0, 30, size=(POINTS, 2))
    isochrone_from(network, np.array([0]), np.array([0.0]), np.array([0.0]), np.array([0.0]), facility_links=links)
    latencies = []
    for x, y in points:
        start = time.perf_counter()
        access = network.snap(np.zeros(1, np.int64), np.array([x]), np.array([y]), SPEED, MAX_SNAP_M)
        if len(access):
            isochrone_from(network, access.node, access.seconds, access.x, access.y, facility_links=links)
        latencies.append((time.perf_counter() - start) * 1000)
    return np.asarray(latencies)


def _facility_links(problem: ReachProblem) -> OffNetworkLinks:
    tables = [d.access for d in problem.destinations.values()]
    return OffNetworkLinks(
        np.concatenate([t.node for t in tables]),
        np.concatenate([t.seconds for t in tables]),
        np.concatenate([t.x for t in tables]),
        np.concatenate([t.y for t in tables]),
        from_node=True,
    )


def _whatif_latencies(inputs: Inputs, reach: dict, rng) -> np.ndarray:
    problem = inputs.problem
    network = inputs.network
    origins = PreparedOrigins.build(problem.origin_access, problem.n_origins, network.n_nodes)
    categories = list(problem.destinations)
    latencies = []
    for _ in range(POINTS):
        category = categories[rng.integers(len(categories))]
        x, y = inputs.block_xy[rng.integers(len(inputs.block_xy))] + rng.normal(0, 50, size=2)
        start = time.perf_counter()
        access = network.snap(np.zeros(1, np.int64), np.array([x]), np.array([y]), SPEED, MAX_SNAP_M, True)
        add_facility(
            network,
            origins,
            reach[category],
            len(problem.destinations[category].ids),
            access,
            problem.thresholds_s,
            problem.limit_s,
        )
        latencies.append((time.perf_counter() - start) * 1000)
    return np.asarray(latencies)


def measure_pandana(workload: str, quick: bool, runs: int, answers_out: Path) -> dict:
    """Run pandana as its documentation shows, on the same graph and node-to-node problem."""
    import pandana
    import pandas as pd

    loader, _ = load_inputs(workload, quick)
    inputs = loader()
    network = inputs.network
    edges = network.directed_edges()
    thresholds = inputs.problem.thresholds_s
    limit = inputs.problem.limit_s
    k = inputs.problem.k
    parts: dict[str, list[float]] = {"build": [], "precompute": [], "pois_and_queries": []}
    results, mapping = {}, {}
    for _ in range(runs):
        start = time.perf_counter()
        net = pandana.Network(
            pd.Series(network.x),
            pd.Series(network.y),
            edges["u"],
            edges["v"],
            edges[["seconds"]],
            twoway=False,
        )
        built = time.perf_counter()
        net.precompute(max(thresholds))
        precomputed = time.perf_counter()
        block_nodes = net.get_node_ids(pd.Series(inputs.block_xy[:, 0]), pd.Series(inputs.block_xy[:, 1]))
        for category, xy in inputs.facility_xy.items():
            if not len(xy):
                continue
            x, y = pd.Series(xy[:, 0]), pd.Series(xy[:, 1])
            net.set_pois(category, limit, k, x, y)
            nearest = net.nearest_pois(limit, category, num_pois=k)
            facility_nodes = net.get_node_ids(x, y)
            mapping[f"{category}_nodes"] = facility_nodes.to_numpy()
            net.set(
                facility_nodes,
                variable=pd.Series(np.ones(len(xy)), index=facility_nodes.index),
                name=category,
            )
            counts = np.column_stack(
                [
                    net.aggregate(t, type="sum", decay="flat", name=category).loc[block_nodes].to_numpy()
                    for t in thresholds
                ]
            )
            seconds = nearest.loc[block_nodes, list(range(1, k + 1))].to_numpy(float)
            results[category] = (
                np.where(seconds >= limit, np.nan, seconds),
                np.rint(counts).astype(np.int64),
            )
        done = time.perf_counter()
        parts["build"].append(built - start)
        parts["precompute"].append(precomputed - built)
        parts["pois_and_queries"].append(done - precomputed)
        del net
    np.savez(
        answers_out,
        block_nodes=block_nodes.to_numpy(),
        **{f"{c}_seconds": r[0] for c, r in results.items()},
        **{f"{c}_counts": r[1] for c, r in results.items()},
    )
    np.savez(mapping_out(answers_out), block_nodes=block_nodes.to_numpy(), **mapping)
    medians = {key: statistics.median(values) for key, values in parts.items()}
    totals = [sum(values) for values in zip(*parts.values(), strict=True)]
    return {
        "pandana_s": round(statistics.median(totals), 3),
        "pandana_breakdown_s": {key: round(value, 3) for key, value in medians.items()},
        "pandana_peak_rss_mb": round(peak_rss_mb(), 1),
        "pandana_runs": runs,
    }


def mapping_out(answers: Path) -> Path:
    """Where the pandana worker leaves its node mapping, beside its answers."""
    return Path(answers).with_name(Path(answers).stem + "-mapping.npz")


def measure_naive(workload: str, quick: bool, sample: int) -> dict:
    """Time a networkx ego graph and Dijkstra per block on a sample; extrapolate to every block."""
    import networkx as nx

    loader, _ = load_inputs(workload, quick)
    inputs = loader()
    network = inputs.network
    problem, block_nodes, facility_nodes = node_problem(inputs)
    start = time.perf_counter()
    graph = nx.DiGraph()
    edges = network.directed_edges()
    graph.add_weighted_edges_from(
        zip(edges["u"].tolist(), edges["v"].tolist(), edges["seconds"].tolist(), strict=True),
        weight="seconds",
    )
    build_s = time.perf_counter() - start
    facility_sets = {c: set(nodes.tolist()) for c, nodes in facility_nodes.items()}
    picks = np.random.default_rng(1).choice(len(block_nodes), size=min(sample, len(block_nodes)), replace=False)
    per_block = []
    for index in picks:
        node = int(block_nodes[index])
        start = time.perf_counter()
        for threshold in problem.thresholds_s:
            ego = nx.ego_graph(graph, node, radius=threshold, distance="seconds")
            for nodes in facility_sets.values():
                sum(1 for n in ego if n in nodes)
        lengths = nx.single_source_dijkstra_path_length(graph, node, cutoff=problem.limit_s, weight="seconds")
        for nodes in facility_sets.values():
            sorted(lengths[n] for n in nodes if n in lengths)[: problem.k]
        per_block.append(time.perf_counter() - start)
    estimate = build_s + float(np.mean(per_block)) * len(block_nodes)
    return {
        "naive_s_estimated": round(estimate, 1),
        "naive_note": f"networkx ego_graph (5/10/15 min) + Dijkstra (30 min) per block, timed on {len(picks)} "
        f"blocks and extrapolated to {len(block_nodes)}; graph build {build_s:.1f} s included",
    }


def compare_answers(
    network: WalkNetwork, problem: ReachProblem, reach: dict, pandana_file: Path, tolerance_s: float = 1.0
) -> dict:
    """Compare circle's node-to-node answers with pandana's, checking every disagreement exactly.

    A time differing by more than ``tolerance_s`` (or found by one side only)
    and a count that differs are each re-checked with scipy's exact Dijkstra
    from the block's node: the disagreement is *explained* when circle's value
    is the exact one and pandana's error is within ``tolerance_s`` of the
    exact value (single-precision rounding at the search limit or at a
    threshold); anything else is *unexplained*.
    """
    from scipy.sparse import csgraph

    theirs = np.load(pandana_file)
    matrix = network.adjacency()
    worst, time_cells, count_cells = 0.0, 0, 0
    time_off, count_off, explained, unexplained = 0, 0, 0, 0
    thresholds = np.asarray(problem.thresholds_s)
    for category, answer in reach.items():
        if f"{category}_seconds" not in theirs.files:
            continue
        mine_s, their_s = answer.seconds, theirs[f"{category}_seconds"]
        mine_c, their_c = answer.counts, theirs[f"{category}_counts"]
        both = np.isfinite(mine_s) & np.isfinite(their_s)
        if both.any():
            worst = max(worst, float(np.abs(mine_s[both] - their_s[both]).max()))
        bad_time = (np.abs(np.nan_to_num(mine_s, nan=-1e9) - np.nan_to_num(their_s, nan=-1e9)) > tolerance_s).any(
            axis=1
        )
        bad_count = (mine_c != their_c).any(axis=1)
        time_cells += mine_s.size
        count_cells += mine_c.size
        time_off += int(bad_time.sum())
        count_off += int((mine_c != their_c).sum())
        facility_nodes = problem.destinations[category].access.node
        for block in np.flatnonzero(bad_time | bad_count):
            source = int(problem.origin_access.node[block])
            exact = csgraph.dijkstra(matrix, indices=source, limit=problem.limit_s + tolerance_s)[facility_nodes]
            exact = np.sort(exact[np.isfinite(exact)])
            exact_k = np.full(problem.k, np.nan)
            inside = exact[exact <= problem.limit_s][: problem.k]
            exact_k[: len(inside)] = inside
            exact_counts = np.array([(exact <= t + 1e-6).sum() for t in thresholds])
            mine_exact = np.allclose(mine_s[block], exact_k, atol=1e-6, equal_nan=True) and np.array_equal(
                mine_c[block], exact_counts
            )
            near_edge = np.abs(exact[:, None] - np.append(thresholds, problem.limit_s)[None, :]) <= tolerance_s
            if mine_exact and near_edge.any():
                explained += 1
            else:
                unexplained += 1
    return {
        "answers_max_time_difference_s": round(worst, 4),
        "answers_time_cells": time_cells,
        "answers_count_cells": count_cells,
        "answers_blocks_with_times_off_by_more_than_1s": time_off,
        "answers_count_cells_different": count_off,
        "answers_disagreements_explained_by_rounding_at_an_edge": explained,
        "answers_disagreements_unexplained": unexplained,
    }
