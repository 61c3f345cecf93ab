"""Names of the files and folders of the study folder, made in one place.

Paths are relative to the study folder and use ``/``, as the manifest lists
them. This module imports nothing: the lower rooms (``circle.prepare``,
``circle.sources``) may read it, like :mod:`circle.study.columns`.

Layout::

    blocks.parquet                  BLOCKS
    facilities.parquet              FACILITIES
    network/nodes.parquet           NODES        (in NETWORK)
    network/edges.parquet           EDGES
    access/blocks.parquet           BLOCK_ACCESS (in ACCESS)
    access/facilities.parquet       FACILITY_ACCESS
    summary.json                    SUMMARY      (written last)
    manifest.json                   MANIFEST
    study.gpkg                      GEOPACKAGE   (optional)
    scores.parquet                  SCORES       (``circle score``)
    renewal_areas.parquet           RENEWAL_AREAS
    suggestions/CATEGORY-SITES.json SUGGESTIONS, :func:`suggestion_file`
    scenarios/NAME/scenario.json    SCENARIOS, SCENARIO
    scenarios/NAME/blocks.parquet   BLOCKS       (the reach after the scenario's changes)
    scenarios/NAME/scores.parquet   SCORES
    scenarios/NAME/closed.parquet   CLOSED       (the segments its closures closed)

Examples
--------
>>> suggestion_key("clinic", 3), suggestion_file("clinic", 3)
('clinic-3', 'clinic-3.json')
"""

from __future__ import annotations

BLOCKS = "blocks.parquet"
FACILITIES = "facilities.parquet"
NETWORK = "network"
NODES = f"{NETWORK}/nodes.parquet"
EDGES = f"{NETWORK}/edges.parquet"
ACCESS = "access"
BLOCK_ACCESS = f"{ACCESS}/{BLOCKS}"
FACILITY_ACCESS = f"{ACCESS}/{FACILITIES}"
SUMMARY = "summary.json"
MANIFEST = "manifest.json"
GEOPACKAGE = "study.gpkg"
#: the tables every study holds, in the order they are written (the manifest lists these and the GeoPackage)
CORE_FILES = (BLOCKS, FACILITIES, NODES, EDGES, BLOCK_ACCESS, FACILITY_ACCESS)

#: written by ``circle score``: per-block scores, and the renewal areas ranked from them
SCORES = "scores.parquet"
RENEWAL_AREAS = "renewal_areas.parquet"

#: ``circle suggest``'s sites, one file per category and number of sites (:func:`suggestion_file`)
SUGGESTIONS = "suggestions"

#: saved what-if scenarios, one folder per name; each holds SCENARIO, BLOCKS, SCORES and perhaps CLOSED
SCENARIOS = "scenarios"
SCENARIO = "scenario.json"
CLOSED = "closed.parquet"


def suggestion_key(category: str, sites: int) -> str:
    """Name a suggestion of ``sites`` sites for ``category`` (its key in ``summary.json``'s ``suggestions``)."""
    return f"{category}-{sites}"


def suggestion_file(category: str, sites: int) -> str:
    """Name the file in :data:`SUGGESTIONS` holding ``sites`` suggested sites for ``category``."""
    return f"{suggestion_key(category, sites)}.json"
