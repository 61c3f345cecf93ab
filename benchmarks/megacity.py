"""A synthetic megacity made of real street networks, for benchmarks.

Real walking networks (Andorra, Monaco, central Chengdu) are laid side by side
as tiles and stitched at their borders with short two-way links between the
closest nodes of neighbouring tiles, until the network holds at least the
target number of nodes. Residential blocks (small squares beside the streets,
about one per ten nodes, lognormal populations) and facilities of four
categories (one per 300–3000 residents, placed near residents) are drawn
from a seeded generator. The result is cached as one ``.npz`` file in the
cache folder and never committed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from scipy.spatial import cKDTree

from circle.engine import Destinations, ReachProblem
from circle.geo import utm_crs_for
from circle.prepare.access_points import boundary_points
from circle.prepare.network import AccessTable, WalkNetwork, keep_reachable_part
from circle.settings import cache_dir
from circle.sources.osm import read_osm
from circle.standards import load_preset, load_profile

FORMAT = 2
TILE_FILES = {
    "andorra": "andorra_2020.osm.pbf",
    "monaco": "monaco_2016.osm.pbf",
    "chengdu": "chengdu_central_2018.osm.pbf",
}
TILE_CYCLE = ("andorra", "monaco", "monaco", "chengdu")
#: residents per facility by category (realistic densities for a Chinese city).
RESIDENTS_PER_FACILITY = {"clinic": 3000, "primary_school": 2000, "park": 1000, "food_market": 300}
NODES_PER_BLOCK = 10
MEAN_BLOCK_POPULATION = 40.0
TILE_GAP_M = 30.0
LINKS_PER_BORDER = 8
MAX_SNAP_M = 300.0
BOUNDARY_SPACING_M = 50.0


@dataclass
class MegaCity:
    """A generated benchmark city: network, blocks and facilities with their access tables."""

    network: WalkNetwork
    block_access: AccessTable
    block_xy: np.ndarray  # (n_blocks, 2) block centres
    population: np.ndarray
    facility_access: dict[str, AccessTable]
    facility_xy: dict[str, np.ndarray]
    build_s: float
    tiles: list[str]

    @property
    def n_blocks(self) -> int:
        """Number of residential blocks."""
        return len(self.population)

    @property
    def n_facilities(self) -> int:
        """Number of facilities over all categories."""
        return sum(len(xy) for xy in self.facility_xy.values())

    def problem(self, thresholds_s=(300.0, 600.0, 900.0), limit_s: float = 1800.0) -> ReachProblem:
        """Return the full reach problem (blocks and facilities through their access points)."""
        destinations = {
            c: Destinations(np.array([f"{c}:{i}" for i in range(len(xy))], object), self.facility_access[c])
            for c, xy in self.facility_xy.items()
        }
        return ReachProblem(self.network, self.block_access, self.n_blocks, destinations, 3, thresholds_s, limit_s)


def shared_osm_folder() -> Path:
    """Return ``../shared/data/osm`` seen from the repository root."""
    return Path(__file__).resolve().parents[2] / "shared" / "data" / "osm"


def cache_path(target_nodes: int, seed: int) -> Path:
    """Return where the megacity of this size and seed is cached."""
    return cache_dir() / "benchmarks" / f"megacity-{target_nodes}-{seed}-v{FORMAT}.npz"


def load_or_build(target_nodes: int, seed: int = 2026, log=print) -> tuple[MegaCity, bool]:
    """Return the cached megacity, building (and caching) it first if needed.

    Returns
    -------
    tuple of (MegaCity, bool)
        The city and whether it was just built.
    """
    path = cache_path(target_nodes, seed)
    if path.is_file():
        return load(path), False
    city = build(target_nodes, seed, log)
    save(city, path)
    return city, True


def build(target_nodes: int, seed: int, log=print) -> MegaCity:
    """Generate a megacity of at least ``target_nodes`` walking nodes."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    profile = load_profile("standard")
    sources = _tile_networks(profile, log)
    order = _tile_order({k: v.n_nodes for k, v in sources.items()}, target_nodes)
    log(f"megacity: {len(order)} tiles ({', '.join(f'{order.count(k)}× {k}' for k in sources)})")
    network, _tile_of_node = _lay_out(order, sources, profile.speed)
    log(f"megacity: {network.n_nodes:,} nodes, {network.n_segments:,} segments; drawing blocks and facilities")
    n_blocks = max(1, network.n_nodes // NODES_PER_BLOCK)
    block_xy, population, block_polygons = _blocks(network, n_blocks, rng)
    owner, bx, by = boundary_points(block_polygons, BOUNDARY_SPACING_M)
    block_access = network.snap(owner, bx, by, profile.speed, MAX_SNAP_M)
    facility_access, facility_xy = {}, {}
    total_population = population.sum()
    for category, per in RESIDENTS_PER_FACILITY.items():
        count = max(1, round(total_population / per))
        xy, geometries = _facilities(category, block_xy, population, count, rng)
        owner, fx, fy = (
            boundary_points(geometries, BOUNDARY_SPACING_M)
            if category == "park"
            else (np.arange(count), xy[:, 0], xy[:, 1])
        )
        facility_access[category] = network.snap(owner, fx, fy, profile.speed, MAX_SNAP_M, towards_point=True)
        facility_xy[category] = xy
    return MegaCity(
        network=network,
        block_access=block_access,
        block_xy=block_xy,
        population=population,
        facility_access=facility_access,
        facility_xy=facility_xy,
        build_s=round(time.perf_counter() - started, 2),
        tiles=order,
    )


def _tile_networks(profile, log) -> dict[str, WalkNetwork]:
    preset = load_preset()
    networks = {}
    for name, file in TILE_FILES.items():
        path = shared_osm_folder() / file
        if not path.is_file():
            raise FileNotFoundError(f"the megacity needs {path} (../shared/data/osm beside the repository)")
        osm = read_osm(path, preset)
        crs = utm_crs_for(float(osm.walk.node_lon.mean()), float(osm.walk.node_lat.mean()))
        network = keep_reachable_part(WalkNetwork.from_ways(osm.walk, profile, crs), np.zeros(0), np.zeros(0), 0)
        network.x = network.x - network.x.min()
        network.y = network.y - network.y.min()
        networks[name] = network
        log(f"megacity: tile {name}: {network.n_nodes:,} nodes")
    return networks


def _tile_order(sizes: dict[str, int], target: int) -> list[str]:
    order, total, step = [], 0, 0
    smallest = min(sizes, key=sizes.get)
    while total < target:
        remaining = target - total
        for offset in range(len(TILE_CYCLE)):
            name = TILE_CYCLE[(step + offset) % len(TILE_CYCLE)]
            if sizes[name] * 0.5 <= remaining:
                step += offset + 1
                break
        else:
            name = smallest
        order.append(name)
        total += sizes[name]
    return order


def _lay_out(order: list[str], sources: dict[str, WalkNetwork], speed: float) -> tuple[WalkNetwork, np.ndarray]:
    widths = {k: float(v.x.max()) for k, v in sources.items()}
    heights = {k: float(v.y.max()) for k, v in sources.items()}
    row_limit = np.sqrt(sum(widths[k] * heights[k] for k in order)) * 1.2
    placed, x0, y0, row_height = [], 0.0, 0.0, 0.0
    for name in order:
        if x0 > 0 and x0 + widths[name] > row_limit:
            x0, y0, row_height = 0.0, y0 + row_height + TILE_GAP_M, 0.0
        placed.append((name, x0, y0))
        x0 += widths[name] + TILE_GAP_M
        row_height = max(row_height, heights[name])
    xs, ys, a_list, b_list, hw, secs_ab, secs_ba, osm_ids, tile_of = [], [], [], [], [], [], [], [], []
    offset = 0
    boxes = []
    for tile, (name, dx, dy) in enumerate(placed):
        net = sources[name]
        xs.append(net.x + dx)
        ys.append(net.y + dy)
        a_list.append(net.a + offset)
        b_list.append(net.b + offset)
        hw.append(net.highway)
        secs_ab.append(net.seconds_ab)
        secs_ba.append(net.seconds_ba)
        osm_ids.append(net.osm_id)
        tile_of.append(np.full(net.n_nodes, tile))
        boxes.append((dx, dy, dx + widths[name], dy + heights[name], offset, offset + net.n_nodes))
        offset += net.n_nodes
    x, y = np.concatenate(xs), np.concatenate(ys)
    links_a, links_b = _stitch(x, y, boxes)
    link_len = np.hypot(x[links_a] - x[links_b], y[links_a] - y[links_b])
    network = WalkNetwork(
        crs="EPSG:3857",
        osm_id=np.concatenate(osm_ids),
        x=x,
        y=y,
        a=np.concatenate([*a_list, links_a]),
        b=np.concatenate([*b_list, links_b]),
        length_m=np.concatenate(
            [
                np.hypot(
                    x[np.concatenate(a_list)] - x[np.concatenate(b_list)],
                    y[np.concatenate(a_list)] - y[np.concatenate(b_list)],
                ),
                link_len,
            ]
        ),
        seconds_ab=np.concatenate([*secs_ab, link_len / speed]),
        seconds_ba=np.concatenate([*secs_ba, link_len / speed]),
        highway=np.concatenate([*hw, np.full(len(links_a), "footway", dtype=object)]),
        profile_name="standard",
    )
    network = keep_reachable_part(network, np.zeros(0), np.zeros(0), 0)
    return network, np.concatenate(tile_of)


def _stitch(x: np.ndarray, y: np.ndarray, boxes) -> tuple[np.ndarray, np.ndarray]:
    """Link neighbouring tiles through their closest node pairs.

    Every pair of tiles whose boxes touch is linked; tiles still apart are
    then joined to the nearest other group of tiles (Kruskal over the box
    distances), so the whole city is one connected network.
    """
    pairs = []
    for i, (x0, y0, x1, y1, _, _) in enumerate(boxes):
        for j, (u0, v0, u1, v1, _, _) in enumerate(boxes[i + 1 :], start=i + 1):
            gap_x = max(0.0, u0 - x1, x0 - u1)
            gap_y = max(0.0, v0 - y1, y0 - v1)
            pairs.append((float(np.hypot(gap_x, gap_y)), i, j))
    pairs.sort()
    group = list(range(len(boxes)))

    def find(tile: int) -> int:
        while group[tile] != tile:
            group[tile] = group[group[tile]]
            tile = group[tile]
        return tile

    links_a, links_b = [], []
    for gap, i, j in pairs:
        touching = gap <= 2 * TILE_GAP_M
        if not touching and find(i) == find(j):
            continue
        group[find(i)] = find(j)
        s0, s1 = boxes[i][4:]
        t0, t1 = boxes[j][4:]
        tree = cKDTree(np.column_stack([x[t0:t1], y[t0:t1]]))
        distance, nearest = tree.query(np.column_stack([x[s0:s1], y[s0:s1]]))
        chosen, used = [], set()
        for candidate in np.argsort(distance)[: LINKS_PER_BORDER * 20]:
            if nearest[candidate] in used:
                continue
            chosen.append(candidate)
            used.add(nearest[candidate])
            if len(chosen) == LINKS_PER_BORDER:
                break
        links_a.extend(s0 + np.asarray(chosen))
        links_b.extend(t0 + nearest[chosen])
    return np.asarray(links_a, np.int64), np.asarray(links_b, np.int64)


def _blocks(network: WalkNetwork, n_blocks: int, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lengths = network.length_m
    segment = rng.choice(network.n_segments, size=n_blocks, p=lengths / lengths.sum())
    along = rng.random(n_blocks)
    ax, ay = network.x[network.a[segment]], network.y[network.a[segment]]
    bx, by = network.x[network.b[segment]], network.y[network.b[segment]]
    px, py = ax + along * (bx - ax), ay + along * (by - ay)
    norm = np.maximum(lengths[segment], 1e-9)
    nx, ny = -(by - ay) / norm, (bx - ax) / norm
    side = rng.choice([-1.0, 1.0], size=n_blocks)
    half = rng.uniform(20.0, 60.0, size=n_blocks)
    offset = side * (half + rng.uniform(5.0, 20.0, size=n_blocks))
    cx, cy = px + offset * nx, py + offset * ny
    polygons = shapely.box(cx - half, cy - half, cx + half, cy + half)
    population = np.round(rng.lognormal(np.log(MEAN_BLOCK_POPULATION) - 0.18, 0.6, size=n_blocks), 1)
    return np.column_stack([cx, cy]), population, polygons


def _facilities(category: str, block_xy: np.ndarray, population: np.ndarray, count: int, rng):
    near = rng.choice(len(block_xy), size=count, p=population / population.sum())
    angle = rng.uniform(0, 2 * np.pi, size=count)
    radius = rng.uniform(0, 150.0, size=count)
    xy = block_xy[near] + np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    half = rng.uniform(30.0, 100.0, size=count) if category == "park" else np.zeros(count)
    geometries = shapely.box(xy[:, 0] - half, xy[:, 1] - half, xy[:, 0] + half, xy[:, 1] + half)
    return xy, geometries


def save(city: MegaCity, path: Path) -> None:
    """Write the city to ``path`` (atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {
        "x": city.network.x,
        "y": city.network.y,
        "a": city.network.a,
        "b": city.network.b,
        "length_m": city.network.length_m,
        "seconds_ab": city.network.seconds_ab,
        "seconds_ba": city.network.seconds_ba,
        "steps": city.network.highway == "steps",
        "osm_id": city.network.osm_id,
        "block_xy": city.block_xy,
        "population": city.population,
        "build_s": np.array(city.build_s),
        "tiles": np.array(city.tiles),
    }
    for prefix, table in [("block", city.block_access)] + [(f"fac_{c}", t) for c, t in city.facility_access.items()]:
        for field in ("owner", "node", "seconds", "x", "y", "snap_m"):
            arrays[f"{prefix}_{field}"] = getattr(table, field)
    for category, xy in city.facility_xy.items():
        arrays[f"xy_{category}"] = xy
    partial = path.with_suffix(".part.npz")
    np.savez(partial, **arrays)
    partial.replace(path)


def load(path: Path) -> MegaCity:
    """Read a city written by :func:`save`."""
    data = np.load(path, allow_pickle=False)
    network = WalkNetwork(
        crs="EPSG:3857",
        osm_id=data["osm_id"],
        x=data["x"],
        y=data["y"],
        a=data["a"],
        b=data["b"],
        length_m=data["length_m"],
        seconds_ab=data["seconds_ab"],
        seconds_ba=data["seconds_ba"],
        highway=np.where(data["steps"], "steps", "footway").astype(object),
        profile_name="standard",
    )

    def table(prefix: str) -> AccessTable:
        return AccessTable(*(data[f"{prefix}_{f}"] for f in ("owner", "node", "seconds", "x", "y", "snap_m")))

    categories = list(RESIDENTS_PER_FACILITY)
    return MegaCity(
        network=network,
        block_access=table("block"),
        block_xy=data["block_xy"],
        population=data["population"],
        facility_access={c: table(f"fac_{c}") for c in categories},
        facility_xy={c: data[f"xy_{c}"] for c in categories},
        build_s=float(data["build_s"]),
        tiles=[str(t) for t in data["tiles"]],
    )
