"""Counts the user gives for a study's residents: a population raster, census polygons, a known total.

:func:`count_residents` replaces the blocks' estimates by the raster's and
the census's counts (the census over the raster, as it is more trusted).
:func:`recount_merged` does the same for a city merged from tiles, once, on
every block of the city: a census polygon or raster cell on a tile's edge is
shared among the blocks of both tiles, and a known total is the city's, not a
tile's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from circle.build.population.ages import age_summary, assign_age_groups, group_ages
from circle.build.population.census import allocate_census
from circle.build.population.estimate import counted_range
from circle.build.population.raster import allocate_raster
from circle.build.population.totals import plausibility_flags, population_summary, scale_to_total
from circle.sources.census import read_census
from circle.standards import Preset
from circle.standards.age_groups import population_column
from circle.study.columns import POP_AGE_SOURCE, POPULATION_HIGH, POPULATION_LOW

#: decimals of ``floor_area_m2`` in ``blocks.parquet`` (:func:`circle.study.assemble.study_tables`).
FLOOR_DECIMALS = 1


@dataclass(frozen=True)
class CountedSources:
    """What the user counted: files and a known total (each optional).

    Attributes
    ----------
    raster : str or pathlib.Path, optional
        A population GeoTIFF (persons per cell).
    census : str or pathlib.Path, optional
        Census polygons with a population column.
    census_column : str, optional
        That column, when it is not found by its name.
    total : float, optional
        The known number of residents of the study area.
    ages : str, pathlib.Path or tuple of str, optional
        WorldPop age/sex rasters (a folder, a glob or the files): the blocks' age structure
        (:func:`circle.build.population.ages.assign_age_groups`).
    """

    raster: str | Path | None = None
    census: str | Path | None = None
    census_column: str | None = None
    total: float | None = None
    ages: str | Path | tuple[str, ...] | None = None

    def __bool__(self) -> bool:
        return bool(self.raster or self.census or self.ages) or self.total is not None


def count_residents(
    blocks: gpd.GeoDataFrame, sources: CountedSources, preset: Preset, crs: str, imports: dict[str, Any]
) -> gpd.GeoDataFrame:
    """Replace estimates by the raster's, then the census's counts; record what each gave in ``imports``.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Blocks in ``crs`` (metres) with their estimated ``population``, ``pop_source`` and ``floor_area_m2``.
    sources : CountedSources
        The files (the total is not applied here: see :func:`circle.build.population.totals.scale_to_total`).
    preset : Preset
        With the region's population values.
    crs : str
        The blocks' CRS.
    imports : dict
        Gets ``population_raster`` and ``census`` reports.

    Returns
    -------
    geopandas.GeoDataFrame
        The blocks with counted residents where the sources cover them.
    """
    if "floor_area_m2" in blocks.columns and (sources.raster or sources.census):
        # shared by the floor area as blocks.parquet records it (to 0.1 m²): a batch's merge has only the tiles'
        # tables, and small blocks (a square of loose houses, 72 m² of floor) got shares 7e-4 apart otherwise
        blocks = blocks.assign(floor_area_m2=np.round(blocks["floor_area_m2"].to_numpy(float), FLOOR_DECIMALS))
    if sources.raster:
        blocks, imports["population_raster"] = allocate_raster(blocks, sources.raster, preset)
    if sources.census:
        census = read_census(sources.census, sources.census_column, crs)
        blocks, imports["census"] = allocate_census(blocks, census, preset)
        imports["census"]["file"] = Path(sources.census).name
    return counted_range(blocks)


def recount_merged(
    blocks: gpd.GeoDataFrame, sources: CountedSources, preset: Preset, crs: str, region: str | None = None
) -> tuple[gpd.GeoDataFrame, dict[str, Any], dict[str, Any]]:
    """Count the residents of a merged city: raster, census, known total, the plausibility flags, then ages.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Every block of the city (any CRS), with the tiles' estimates.
    sources : CountedSources
        What the user counted.
    preset : Preset
        With the study's region applied.
    crs : str
        The study's metric CRS, in which areas are shared.
    region : str, optional
        The study's region, whose age structure splits blocks no census band or age raster covers.

    Returns
    -------
    tuple
        The blocks (in their own CRS, geometry untouched), the reports for the summary's ``imports``,
        and its new ``population`` section.
    """
    imports: dict[str, Any] = {}
    counted = count_residents(blocks.to_crs(crs), sources, preset, crs, imports)
    if sources.total is not None:
        counted, imports["population_total"] = scale_to_total(counted, float(sources.total))
    out = blocks.copy()
    out["population"] = counted["population"].to_numpy(float)
    out["pop_source"] = counted["pop_source"].to_numpy(object)
    for column in (POPULATION_LOW, POPULATION_HIGH):
        out[column] = counted[column].to_numpy(float)
    out["pop_flag"] = plausibility_flags(out, preset.population)
    # residents by age group on the recounted totals: the tiles' split was of their estimates
    counted["population"] = out["population"].to_numpy(float)
    aged, imports["population_ages"] = assign_age_groups(counted, preset, region, sources.ages)
    for column in [*(population_column(group.key) for group in preset.served_groups), POP_AGE_SOURCE]:
        out[column] = aged[column].to_numpy()
    ages = age_summary(out, group_ages(preset.served_groups), region)
    return out, imports, {**population_summary(out), **({"ages": ages} if ages else {})}
