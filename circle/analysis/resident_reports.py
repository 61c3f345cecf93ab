"""Residents' reports in the analysis: the change an accepted report makes, and the reports counted by place.

A resident reports, from the published site, a facility that is missing,
closed or wrong, or a path that is blocked (:mod:`circle.deploy.reports`
keeps the reports). Accepting one turns it into one change of a what-if
scenario (:class:`circle.study.scenarios.Change`):

==============  ==================================================================
kind            change
==============  ==================================================================
closed, wrong   ``remove`` the facility of the report's category nearest the pin,
                when one lies within :data:`NEAR_M` (else none: say so, offer an add)
missing         ``add`` a facility of the report's category at the pin
blocked_path    ``close`` the walking segments within :data:`CLOSURE_RADIUS_M` of the pin
==============  ==================================================================

Taking a report into a scenario (computed and saved as every what-if is,
with the reports it came from) is :func:`circle.tasks.triage.take_into_scenario`.

Reports are counted by the community (社区) their block lies in, or by the
block's own name when the study's data names no community. Nothing here
reads or writes the deployment's database: the reports come in as objects
with the fields of :class:`circle.deploy.reports.ResidentReport`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from circle.engine.closures import segments_closed_by
from circle.errors import CircleError
from circle.geo import WGS84, transform_geometries, transform_xy
from circle.study import Study
from circle.study.columns import BLOCK_ID, FACILITY_ID
from circle.study.scenarios import Change
from circle.words.places import shown_names

#: a closed or wrong facility is looked for this far from the pin (metres, straight line to its outline)
NEAR_M = 150.0
#: a blocked path closes the walking segments this close to the pin (metres)
CLOSURE_RADIUS_M = 15.0
#: how a place is named: by community where the data names them, else by block
BY_COMMUNITY, BY_BLOCK = "community", "block"


class Report(Protocol):
    """The fields of a resident's report this module reads (see :class:`circle.deploy.reports.ResidentReport`)."""

    report_id: int
    block_id: str | None
    kind: str
    category: str | None
    lon: float
    lat: float
    status: str
    reason: str | None
    scenario: str | None


@dataclass(frozen=True)
class Proposal:
    """What accepting a report would change in a scenario.

    Attributes
    ----------
    report_id : int
        The report.
    action : str
        ``"remove"``, ``"add"``, ``"close"``, or ``"none"`` when the report
        gives nothing to change (see ``why``).
    change : Change or None
        The change to make (None when ``action`` is ``"none"``).
    facility_id, facility_name : str or None
        The facility removed (``remove``).
    distance_m : float or None
        How far the removed facility lies from the pin, in metres.
    segments : int
        How many walking segments the closure closes (``close``).
    why : str or None
        Why there is nothing to change: ``"none_near"`` (no facility of the
        category within :data:`NEAR_M`), ``"no_category"`` (the report names
        no category to add), ``"no_segment"`` (no walkable way near the pin).
    alternative : Change or None
        A change the planner may make instead: an ``add`` at the pin when a
        closed or wrong facility has nothing near to remove.
    """

    report_id: int
    action: str
    change: Change | None
    facility_id: str | None = None
    facility_name: str | None = None
    distance_m: float | None = None
    segments: int = 0
    why: str | None = None
    alternative: Change | None = None


def pin_in_study_crs(study: Study, lon: float, lat: float) -> shapely.Point:
    """Return the pin (WGS-84 degrees) as a point in the study's projected CRS (metres)."""
    x, y = transform_xy(np.array([float(lon)]), np.array([float(lat)]), WGS84, study.crs)
    return shapely.Point(float(x[0]), float(y[0]))


def nearest_facility(
    study: Study, lon: float, lat: float, category: str | None, within_m: float = NEAR_M
) -> tuple[str, str | None, float] | None:
    """Return the facility nearest the pin (id, name, metres), of ``category`` when given, within ``within_m``.

    The distance is the straight line from the pin to the facility's mapped
    shape (0 inside a polygon), in the study's projected CRS; of two at the
    same distance the first in the study's table is taken. None when no
    facility lies within ``within_m``.
    """
    facilities = study.facilities
    if category is not None:
        facilities = facilities[facilities["category"] == category]
    if facilities.empty:
        return None
    shapes = facilities.geometry.to_crs(study.crs)
    distances = shapely.distance(np.asarray(shapes.array, dtype=object), pin_in_study_crs(study, lon, lat))
    distances = np.where(np.isfinite(distances), distances, np.inf)
    best = int(np.argmin(distances))
    if not distances[best] <= within_m:
        return None
    name = facilities["name"].iloc[best]
    return (
        str(facilities[FACILITY_ID].iloc[best]),
        name if isinstance(name, str) and name else None,
        float(distances[best]),
    )


def closure_polygon(study: Study, lon: float, lat: float, radius_m: float = CLOSURE_RADIUS_M) -> dict[str, Any]:
    """Return a small polygon (GeoJSON, WGS-84 degrees) of radius ``radius_m`` around the pin, for a ``close``."""
    circle = pin_in_study_crs(study, lon, lat).buffer(float(radius_m), quad_segs=8)
    (shape,) = transform_geometries([circle], study.crs, WGS84)
    rounded = shapely.set_precision(shape, 1e-7)  # about a centimetre: what the change keeps
    return json.loads(shapely.to_geojson(rounded if not rounded.is_empty else shape))


def segments_near(study: Study, geometry: dict[str, Any]) -> int:
    """Return how many walking segments of the study a ``close`` with ``geometry`` (GeoJSON, WGS-84) closes."""
    (shape,) = transform_geometries([shapely.geometry.shape(geometry)], WGS84, study.crs)
    return segments_closed_by(study.network, [shape]).count


def proposed_change(
    study: Study, report: Report, near_m: float = NEAR_M, radius_m: float = CLOSURE_RADIUS_M
) -> Proposal:
    """Return the change accepting ``report`` makes in a scenario of ``study`` (see the module's table).

    Parameters
    ----------
    study : Study
        The study the report was sent about.
    report : Report
        The resident's report.
    near_m : float
        How far from the pin a closed or wrong facility is looked for.
    radius_m : float
        The radius around the pin a blocked path closes.

    Raises
    ------
    CircleError
        When the report's kind is not one of the four, or its category is not one of the study's.
    """
    number = int(report.report_id)
    lon, lat = float(report.lon), float(report.lat)
    categories = set(study.summary.category_keys)
    if report.category is not None and report.category not in categories:
        raise CircleError(
            f"report {number} is about category {report.category!r}, which study {study.path.name} does not hold."
        )
    add = (
        Change("add", category=report.category, lat=round(lat, 7), lon=round(lon, 7))
        if report.category is not None
        else None
    )
    if report.kind in ("closed", "wrong"):
        found = nearest_facility(study, lon, lat, report.category, near_m)
        if found is None:
            return Proposal(number, "none", None, why="none_near", alternative=add)
        facility_id, name, distance = found
        return Proposal(
            number,
            "remove",
            Change("remove", facility_id=facility_id),
            facility_id=facility_id,
            facility_name=name,
            distance_m=round(distance, 1),
        )
    if report.kind == "missing":
        if add is None:
            return Proposal(number, "none", None, why="no_category")
        return Proposal(number, "add", add)
    if report.kind == "blocked_path":
        geometry = closure_polygon(study, lon, lat, radius_m)
        count = segments_near(study, geometry)
        if count == 0:
            return Proposal(number, "none", None, why="no_segment")
        return Proposal(number, "close", Change("close", geometry=geometry), segments=count)
    raise CircleError(
        f"report {number} is of kind {report.kind!r}; a report is missing, closed, wrong or blocked_path."
    )


# where reports lie, and how many ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportPlaces:
    """Where each report lies: its block's position in the study's blocks (-1: none) and the place's name.

    ``grouping`` says what the names are: :data:`BY_COMMUNITY` or :data:`BY_BLOCK`;
    a name is None where the report lies in no block, or its block in no community.
    """

    grouping: str
    blocks: np.ndarray
    names: list[str | None]


def _communities(blocks: pd.DataFrame) -> np.ndarray | None:
    """Return each block's community ("" where none), or None when the data names no community at all."""
    if "community" not in blocks:
        return None
    names = np.array([v.strip() if isinstance(v, str) else "" for v in blocks["community"].to_numpy(object)])
    return names if (names != "").any() else None


def _nearest_blocks(
    found: np.ndarray, candidates: np.ndarray, pins: np.ndarray, outlines: gpd.GeoSeries, near_m: float
) -> None:
    """Place the pins of ``candidates`` still in no block in the nearest block within ``near_m`` (in place).

    A pin on a street (a blocked path, a clinic's door) lies between blocks;
    it belongs to the nearest. Distances are in degrees scaled to metres at
    the pin's latitude, which is close enough over a street's width.
    """
    left = np.flatnonzero(found[candidates] < 0)
    if not len(left):
        return
    lat = float(np.mean([p.y for p in pins[left]]))
    metres_per_degree = 111_320.0 * max(np.cos(np.radians(lat)), 0.1)  # along a parallel: the shorter degree
    pin_index, block_index = outlines.sindex.nearest(pins[left], max_distance=near_m / metres_per_degree)
    if len(pin_index):
        first = pd.Series(block_index).groupby(pin_index).min()
        found[candidates[left[first.index.to_numpy()]]] = first.to_numpy()


def report_places(
    reports: Sequence[Report], blocks: gpd.GeoDataFrame, lang: str = "zh", near_m: float = NEAR_M
) -> ReportPlaces:
    """Place each report in a block and name the place: its community, else the block's shown name.

    Where several blocks bear one shown name, the block's id follows it, so
    different blocks are never counted as one place.

    A report is placed in the block it was sent from when the study holds that
    block, else in the block its pin lies in, else (a pin on a street) in the
    nearest block within ``near_m`` metres; a pin farther from every block is in none.

    Parameters
    ----------
    reports : sequence of Report
        The reports.
    blocks : geopandas.GeoDataFrame
        The study's blocks (``block_id``, ``geometry``; ``community`` where the data names them).
    lang : str
        The language of the blocks' shown names (used when there are no communities).
    """
    ids = blocks[BLOCK_ID].astype(str).to_numpy(object)
    position = pd.Series(np.arange(len(ids)), index=ids)
    position = position[~position.index.duplicated()]
    found = np.full(len(reports), -1, np.int64)
    for i, report in enumerate(reports):
        if report.block_id is not None and report.block_id in position.index:
            found[i] = int(position[report.block_id])
    unplaced = np.flatnonzero(found < 0)
    if len(unplaced) and len(blocks):
        pins = shapely.points([float(reports[i].lon) for i in unplaced], [float(reports[i].lat) for i in unplaced])
        outlines = blocks.geometry.to_crs(WGS84) if blocks.crs is not None else blocks.geometry
        pin_index, block_index = outlines.sindex.query(pins, predicate="within")
        first = pd.Series(block_index).groupby(pin_index).min()  # a pin on a shared edge: the first block
        found[unplaced[first.index.to_numpy()]] = first.to_numpy()
        _nearest_blocks(found, unplaced, pins, outlines, near_m)
    communities = _communities(blocks)
    if communities is not None:
        names = [(str(communities[b]) or None) if b >= 0 else None for b in found]
        return ReportPlaces(BY_COMMUNITY, found, names)
    shown = np.asarray(shown_names(blocks, lang), dtype=object)
    shared = pd.Series(shown).duplicated(keep=False).to_numpy()  # a name several blocks bear: add the block's id
    names = [(f"{shown[b]} · {ids[b]}" if shared[b] else str(shown[b])) if b >= 0 else None for b in found]
    return ReportPlaces(BY_BLOCK, found, names)


def counts_by_place(
    reports: Sequence[Report], places: ReportPlaces, kinds: Sequence[str], statuses: Sequence[str]
) -> pd.DataFrame:
    """Return the reports counted by place: one column per kind and per status, and the total.

    Rows are the places (``place``; None for reports in no named place),
    most reports first, then by name; the numbers are ints.
    """
    columns = ["place", *kinds, *statuses, "total"]
    if not len(reports):
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(
        {
            "place": pd.Series(places.names, dtype=object),
            "kind": [r.kind for r in reports],
            "status": [r.status for r in reports],
        }
    )
    frame["place_key"] = frame["place"].fillna("\uffff")  # groupby drops None: a key sorted after every name
    by_kind = pd.crosstab(frame["place_key"], frame["kind"]).reindex(columns=list(kinds), fill_value=0)
    by_status = pd.crosstab(frame["place_key"], frame["status"]).reindex(columns=list(statuses), fill_value=0)
    table = by_kind.join(by_status)
    table["total"] = frame.groupby("place_key").size()
    table = table.reset_index()
    nowhere = table["place_key"] == "\uffff"
    table = table.assign(_last=nowhere, _most=-table["total"])  # reports in no place come last
    table = table.sort_values(["_last", "_most", "place_key"], kind="stable")
    places = [None if key == "\uffff" else str(key) for key in table["place_key"]]
    table["place"] = pd.Series(places, index=table.index, dtype=object)
    return table[columns].reset_index(drop=True).astype({c: int for c in columns[1:]})


@dataclass(frozen=True)
class Outcomes:
    """What was done with the reports: accepted into which scenario, rejected with which reason, still open."""

    accepted: list[tuple[int, str | None]]
    rejected: list[tuple[int, str | None]]
    open: list[int]


def outcomes(reports: Sequence[Report]) -> Outcomes:
    """Return the reports' outcomes, each list by report number."""
    ordered = sorted(reports, key=lambda r: int(r.report_id))
    return Outcomes(
        accepted=[(int(r.report_id), r.scenario) for r in ordered if r.status == "accepted"],
        rejected=[(int(r.report_id), r.reason) for r in ordered if r.status == "rejected"],
        open=[int(r.report_id) for r in ordered if r.status not in ("accepted", "rejected")],
    )
