"""Every block's walks for its page: the route to the nearest facility of each category, and its isochrone.

One search per category finds, for every street node, the quickest walk to
the nearest facility of that category and the next node on it (a search from
all the category's facilities over the reversed streets); each block's route
follows those next nodes from its best access point. So the routes of a whole
city cost one search per category, not one per block and category.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy import ndimage
from scipy.sparse import csgraph

from circle.engine.routes import with_virtual_start
from circle.publish._kernels import reached_cells, trace_chains
from circle.publish.plane import LocalPlane
from circle.study import Study
from circle.study.columns import BLOCK_ID, FACILITY_ID

#: grid cell of the isochrone shading (metres): about the margin a resident walks from a street
ISOCHRONE_CELL_M = 50.0
#: a route drawn on a phone needs no detail finer than this (metres)
ROUTE_TOLERANCE_M = 4.0


@dataclass
class CategoryWalks:
    """The walk of each block to its nearest facility of one category.

    Attributes
    ----------
    facility_id : numpy.ndarray
        Object array: the facility reached (None where none is reached).
    metres, steps_metres : numpy.ndarray
        Metres walked, and of them on steps (NaN where none is reached).
    routes : list
        Per block, the route as whole-metre ``[[x, y], ...]`` on the site's plane, or None.
    """

    facility_id: np.ndarray
    metres: np.ndarray
    steps_metres: np.ndarray
    routes: list


def node_plane(study: Study, plane: LocalPlane) -> tuple[np.ndarray, np.ndarray]:
    """Return the street nodes' coordinates on the site's plane."""
    nodes = study.nodes
    return plane.to_local(nodes["lon"].to_numpy(float), nodes["lat"].to_numpy(float))


@dataclass(frozen=True)
class BlockStarts:
    """The blocks' access rows as every category's walk starts from them (prepared once per site).

    Attributes
    ----------
    position : numpy.ndarray
        Per access row, the position of its block among the site's blocks (-1: not among them).
    node, seconds : numpy.ndarray
        Per access row, the street node and the seconds of the walk to it.
    x, y : numpy.ndarray
        Per access row, the access point on the site's plane.
    blocks : int
        How many blocks the site has.
    """

    position: np.ndarray
    node: np.ndarray
    seconds: np.ndarray
    x: np.ndarray
    y: np.ndarray
    blocks: int

    @classmethod
    def of(cls, study: Study, block_ids: np.ndarray, plane: LocalPlane) -> BlockStarts:
        """Prepare the access rows of ``block_ids`` (in that order) on ``plane``."""
        access = study.block_access
        x, y = plane.to_local(access["lon"].to_numpy(float), access["lat"].to_numpy(float))
        return cls(
            pd.Index(block_ids.astype(str)).get_indexer(access[BLOCK_ID].astype(str)),
            access["node"].to_numpy(np.int64),
            access["seconds"].to_numpy(float),
            x,
            y,
            len(block_ids),
        )


def category_walks(
    study: Study, category: str, starts_of: BlockStarts, plane: LocalPlane, node_xy: tuple[np.ndarray, np.ndarray]
) -> CategoryWalks:
    """Return every block's walk to its nearest facility of ``category`` (see :class:`CategoryWalks`)."""
    network = study.network
    n = network.n_nodes
    facilities = study.facilities
    wanted = set(facilities.loc[facilities["category"] == category, FACILITY_ID])
    access = study.facility_access
    access = access[access[FACILITY_ID].isin(wanted)]
    blocks = starts_of.blocks
    empty = CategoryWalks(
        np.full(blocks, None, object), np.full(blocks, np.nan), np.full(blocks, np.nan), [None] * blocks
    )
    if access.empty:
        return empty
    # a virtual node n joined to every access node of the category's facilities, searched over the
    # reversed streets: distances are then seconds from each node to its nearest facility
    matrix = with_virtual_start(
        network.adjacency(reverse=True), access["node"].to_numpy(np.int64), access["seconds"].to_numpy(float)
    )
    distances, predecessors = csgraph.dijkstra(matrix, indices=n, return_predecessors=True)
    # each block leaves by the access point that makes its walk quickest
    arrival = starts_of.seconds + distances[starts_of.node]
    frame = pd.DataFrame({"position": starts_of.position, "arrival": arrival, "row": np.arange(len(arrival))})
    frame = frame[(frame["position"] >= 0) & np.isfinite(frame["arrival"])]
    best = frame.sort_values(["position", "arrival", "row"]).drop_duplicates("position")
    starts = np.full(blocks, -1, np.int64)
    start_rows = np.full(blocks, -1, np.int64)
    starts[best["position"].to_numpy()] = starts_of.node[best["row"].to_numpy()]
    start_rows[best["position"].to_numpy()] = best["row"].to_numpy()
    chain_nodes, offsets = trace_chains(predecessors.astype(np.int64), starts, n)
    # which facility each chain ends at: the quickest access row on its last node
    ends = np.full(blocks, -1, np.int64)
    has_chain = offsets[1:] > offsets[:-1]
    ends[has_chain] = chain_nodes[offsets[1:][has_chain] - 1]
    end_rows = access.assign(_order=np.arange(len(access))).sort_values(["node", "seconds", "_order"])
    end_rows = end_rows.drop_duplicates("node").set_index("node")
    reached = has_chain & np.isin(ends, end_rows.index.to_numpy())
    facility_id = np.full(blocks, None, object)
    facility_id[reached] = end_rows.loc[ends[reached], FACILITY_ID].to_numpy()
    # metres as the engine walks them: the two access walks at the study's speed, and the streets between
    speed = study.summary.profile.speed
    x, y = network.x, network.y
    hop = np.hypot(np.diff(x[chain_nodes]), np.diff(y[chain_nodes]))
    steps = _steps_mask(network, chain_nodes)
    inside = np.ones(len(hop), bool)
    crossing = offsets[1:-1] - 1  # the hop from one chain's end to the next chain's start
    inside[crossing[(crossing >= 0) & (crossing < len(hop))]] = False
    street_m = np.zeros(blocks)
    steps_m = np.zeros(blocks)
    owner = np.repeat(np.arange(blocks), np.diff(offsets))[:-1] if len(chain_nodes) else np.zeros(0, np.int64)
    keep = inside & (owner >= 0)
    np.add.at(street_m, owner[keep], hop[keep])
    np.add.at(steps_m, owner[keep & steps], hop[keep & steps])
    start_seconds = np.where(start_rows >= 0, starts_of.seconds[np.maximum(start_rows, 0)], np.nan)
    end_seconds = np.full(blocks, np.nan)
    end_seconds[reached] = end_rows.loc[ends[reached], "seconds"].to_numpy(float)
    metres = np.where(reached, (start_seconds + end_seconds) * speed + street_m, np.nan)
    steps_metres = np.where(reached, steps_m, np.nan)
    routes = _route_lines(starts_of, start_rows, ends, end_rows, reached, chain_nodes, offsets, plane, node_xy)
    return CategoryWalks(facility_id, metres, steps_metres, routes)


def _steps_mask(network, chain_nodes: np.ndarray) -> np.ndarray:
    """Return, per hop between consecutive chain nodes, whether it is a flight of steps."""
    if len(chain_nodes) < 2:
        return np.zeros(max(len(chain_nodes) - 1, 0), bool)
    is_steps = network.highway == "steps"
    if not is_steps.any():
        return np.zeros(len(chain_nodes) - 1, bool)
    n = network.n_nodes
    lo = np.minimum(network.a[is_steps], network.b[is_steps])
    hi = np.maximum(network.a[is_steps], network.b[is_steps])
    keys = np.sort(lo * n + hi)
    a, b = chain_nodes[:-1], chain_nodes[1:]
    wanted = np.minimum(a, b) * n + np.maximum(a, b)
    found = np.searchsorted(keys, wanted)
    return (found < len(keys)) & (keys[np.minimum(found, len(keys) - 1)] == wanted)


def _route_lines(starts_of, start_rows, ends, end_rows, reached, chain_nodes, offsets, plane, node_xy):
    """Return each block's route as whole metres on the plane: access point, streets, facility's access point."""
    nx, ny = node_xy
    blocks = len(start_rows)
    ax, ay = starts_of.x, starts_of.y
    fx, fy = plane.to_local(end_rows["lon"].to_numpy(float), end_rows["lat"].to_numpy(float))
    end_position = pd.Index(end_rows.index).get_indexer(ends)
    routes: list = [None] * blocks
    owners = np.flatnonzero(reached)
    if not len(owners):
        return routes
    # every route at once: the block's access point, its chain of street nodes, the facility's access point
    lengths = np.diff(offsets)
    sizes = lengths[owners] + 2
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    points = np.empty((bounds[-1], 2))
    middle = np.ones(bounds[-1], bool)
    middle[bounds[:-1]] = False
    middle[bounds[1:] - 1] = False
    chain = chain_nodes[np.repeat(reached, lengths)]
    points[middle, 0] = nx[chain]
    points[middle, 1] = ny[chain]
    rows = start_rows[owners]
    points[bounds[:-1], 0], points[bounds[:-1], 1] = ax[rows], ay[rows]
    ends_at = end_position[owners]
    points[bounds[1:] - 1, 0], points[bounds[1:] - 1, 1] = fx[ends_at], fy[ends_at]
    lines = shapely.linestrings(points, indices=np.repeat(np.arange(len(owners)), sizes))
    simplified = shapely.simplify(lines, ROUTE_TOLERANCE_M, preserve_topology=False)
    coords = np.rint(shapely.get_coordinates(simplified)).astype(int).tolist()
    cuts = np.concatenate([[0], np.cumsum(shapely.get_num_coordinates(simplified))]).tolist()
    for k, block in enumerate(owners.tolist()):
        routes[block] = coords[cuts[k] : cuts[k + 1]]
    return routes


def isochrone_rings(
    study: Study, block_ids: np.ndarray, minutes: float, node_xy: tuple[np.ndarray, np.ndarray]
) -> list[list[list[list[int]]]]:
    """Return, per block, the area it walks to within ``minutes`` as rectangles (rings) of whole metres.

    The area is the 50 m cells of the plane that the streets walked within
    ``minutes`` pass through (each street followed as far as the time left
    allows), with the gaps between them closed (:func:`_cell_runs`), drawn
    as one rectangle per run of cells in a row: filled together without
    outlines they shade one area.
    """
    network = study.network
    graph = network.csr()
    access = study.block_access
    position = pd.Index(block_ids.astype(str)).get_indexer(access[BLOCK_ID].astype(str))
    keep = position >= 0
    order = np.argsort(position[keep], kind="stable")
    nodes = access["node"].to_numpy(np.int64)[keep][order]
    costs = access["seconds"].to_numpy(float)[keep][order]
    counts = np.bincount(position[keep], minlength=len(block_ids))
    start_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    nx, ny = node_xy
    codes, offsets = reached_cells(
        graph, nx.astype(float), ny.astype(float), start_offsets, nodes, costs, minutes * 60.0, ISOCHRONE_CELL_M
    )
    shift = 1 << 20
    ix = codes // (1 << 21) - shift
    iy = codes % (1 << 21) - shift
    return [_cell_runs(ix[offsets[k] : offsets[k + 1]], iy[offsets[k] : offsets[k + 1]]) for k in range(len(block_ids))]


def _cell_runs(ix: np.ndarray, iy: np.ndarray) -> list[list[list[int]]]:
    """Return the area of some grid cells, gaps between its streets closed, as one rectangle per run of a row.

    Cells one cell apart are joined (a closing by a 3 × 3 square) and the
    holes the area encloses filled: land between streets a resident walks
    around is within reach too.
    """
    if not len(ix):
        return []
    cell = ISOCHRONE_CELL_M
    pad = 2
    x0, y0 = int(ix.min()) - pad, int(iy.min()) - pad
    grid = np.zeros((int(iy.max()) - y0 + 1 + pad, int(ix.max()) - x0 + 1 + pad), bool)
    grid[iy - y0, ix - x0] = True
    grid = ndimage.binary_fill_holes(ndimage.binary_closing(grid, structure=np.ones((3, 3), bool)) | grid)
    edges = np.diff(np.pad(grid, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    rows_start, cols_start = np.nonzero(edges == 1)
    _, cols_end = np.nonzero(edges == -1)  # the same rows, in the same order
    rings = []
    for row, c0, c1 in zip(rows_start.tolist(), cols_start.tolist(), cols_end.tolist(), strict=True):
        xa, xb = int((x0 + c0) * cell), int((x0 + c1) * cell)
        ya, yb = int((y0 + row) * cell), int((y0 + row + 1) * cell)
        rings.append([[xa, ya], [xb, ya], [xb, yb], [xa, yb]])
    return rings
