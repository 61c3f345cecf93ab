"""Names of the columns of the study folder's tables, the per-category ones made by one helper each.

This module imports nothing: the lower rooms (``circle.prepare``, ``circle.sources``) may read it.

Examples
--------
>>> time_column("clinic", 1)
'clinic_t1'
>>> count_column("park", 15)
'park_n15'
>>> nearest_id_column("culture")
'culture_id1'
>>> pass_column("clinic"), e2sfca_column("clinic")
('pass_clinic', 'e2sfca_clinic')
"""

from __future__ import annotations

#: column of ``facilities.parquet`` naming what put a facility in its category: the preset's tag rule
#: (``"shop=supermarket"``, ``"amenity=school, school_level=primary"``) or the imported list
#: (``"import:list.csv (clinic)"``); studies written before it have no such column
MATCHED_RULE = "matched_rule"


def time_column(category: str, rank: int) -> str:
    """Name the column of walking minutes to the ``rank``-th nearest facility."""
    return f"{category}_t{rank}"


def count_column(category: str, minutes: int) -> str:
    """Name the column counting facilities within ``minutes`` of walking."""
    return f"{category}_n{minutes}"


def nearest_id_column(category: str) -> str:
    """Name the column holding the id of the nearest facility."""
    return f"{category}_id1"


def category_columns(category: str, k: int, thresholds_min: tuple[int, ...]) -> list[str]:
    """Return all reach columns of one category, in file order."""
    return [
        *(time_column(category, rank) for rank in range(1, k + 1)),
        *(count_column(category, minutes) for minutes in thresholds_min),
        nearest_id_column(category),
    ]


def nearest_minutes_column(category: str) -> str:
    """Name the column of ``scores.parquet`` holding the minutes to the nearest facility of ``category``.

    Examples
    --------
    >>> nearest_minutes_column("clinic")
    'minutes_clinic'
    """
    return f"minutes_{category}"


def pass_column(category: str) -> str:
    """Name the column of ``scores.parquet`` saying whether a block meets the standard for ``category``."""
    return f"pass_{category}"


def shortfall_column(category: str) -> str:
    """Name the column of ``scores.parquet`` holding how far a block falls short of ``category``'s standard (0 to 1)."""
    return f"shortfall_{category}"


def e2sfca_column(category: str) -> str:
    """Name the column of ``scores.parquet`` holding a block's E2SFCA accessibility to ``category``."""
    return f"e2sfca_{category}"


#: ``blocks.parquet``: the low and high figure of a block's residents (equal to ``population`` where they
#: were counted: the user's column, a census, a raster).
#: ``too_dense`` / ``too_sparse`` where a block's gross density lies outside the region's plausible bounds, else ""
POP_FLAG = "pop_flag"
POPULATION_LOW = "population_low"
POPULATION_HIGH = "population_high"

#: ``blocks.parquet``: where a block's split into age groups came from (``census`` age bands, age ``raster``s,
#: or its ``region``'s age structure); its residents of each group a category serves are ``pop_{group}``
#: (:func:`circle.standards.age_groups.population_column`). Studies made before them have neither.
POP_AGE_SOURCE = "pop_age_source"

#: the id columns of ``blocks.parquet`` / ``access/blocks.parquet`` and ``facilities.parquet`` /
#: ``access/facilities.parquet``, and a facility's category key
BLOCK_ID = "block_id"
FACILITY_ID = "facility_id"
CATEGORY = "category"

#: ``blocks.parquet``: a block's residents (the best figure; see POPULATION_LOW / POPULATION_HIGH), and the name of a
#: block or facility where the data has one
POPULATION = "population"
NAME = "name"

#: ``scores.parquet``: a block's score (0–100), the smallest walking band (5, 10, 15 … minutes) within which it
#: reaches every category it is assessed for, and its population-weighted minutes to the nearest facilities
SCORE = "score"
TIER_MET = "tier_met"
PROXIMITY_MIN = "proximity_min"
