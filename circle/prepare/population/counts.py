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

from circle.errors import InputDataError
from circle.prepare.population.ages import age_summary, assign_age_groups, group_ages
from circle.prepare.population.census import allocate_census
from circle.prepare.population.census_table import (
    allocate_census_table,
    census_table_in_study,
    osm_admin_areas,
)
from circle.prepare.population.estimate import counted_range
from circle.prepare.population.raster import allocate_raster
from circle.prepare.population.totals import plausibility_flags, population_summary, scale_to_total
from circle.sources.admin_file import read_admin_file
from circle.sources.census import read_census_layer
from circle.sources.census_table import CensusTableSpec, read_census_table
from circle.sources.layer_offset import OffsetReference, check_layer_offset
from circle.sources.layer_systems import parse_system, refuse_for_raster
from circle.standards import Preset
from circle.standards.age_groups import population_column
from circle.study.columns import POP_AGE_SOURCE, POPULATION_HIGH, POPULATION_LOW

#: decimals of ``floor_area_m2`` in ``blocks.parquet`` (:func:`circle.pipeline.assemble.study_tables`).
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
    census_table : CensusTableSpec, optional
        A census table by community or sub-district, joined to administrative areas.
    admin_file : str or pathlib.Path, optional
        The administrative areas it is joined to (else OpenStreetMap's).
    admin_name_column, admin_code_column : str, optional
        The columns of ``admin_file`` holding names and statistical codes.
    admin_system : str, optional
        ``admin_file``'s declared coordinate system (as ``system``).
    system : str, optional
        The census polygons' declared coordinate system (``wgs84``, ``gcj02``, ``bd09``, ``EPSG:CODE``);
        a raster is read in its own and refuses one.
    ages : str, pathlib.Path or tuple of str, optional
        WorldPop age/sex rasters (a folder, a glob or the files): the blocks' age structure
        (:func:`circle.prepare.population.ages.assign_age_groups`).
    """

    raster: str | Path | None = None
    census: str | Path | None = None
    census_column: str | None = None
    total: float | None = None
    census_table: CensusTableSpec | None = None
    admin_file: str | Path | None = None
    admin_name_column: str | None = None
    admin_code_column: str | None = None
    system: str | None = None
    admin_system: str | None = None
    ages: str | Path | tuple[str, ...] | None = None

    def __bool__(self) -> bool:
        return bool(self.raster or self.census or self.census_table or self.ages) or self.total is not None


def count_residents(
    blocks: gpd.GeoDataFrame,
    sources: CountedSources,
    preset: Preset,
    crs: str,
    imports: dict[str, Any],
    admin_areas: gpd.GeoDataFrame | None = None,
    reference: OffsetReference | None = None,
) -> gpd.GeoDataFrame:
    """Replace estimates by the raster's, then the census's counts; record what each gave in ``imports``.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Blocks in ``crs`` (metres) with their estimated ``population``, ``pop_source`` and ``floor_area_m2``.
    sources : CountedSources
        The files (the total is not applied here: see :func:`circle.prepare.population.totals.scale_to_total`).
    preset : Preset
        With the region's population values.
    crs : str
        The blocks' CRS.
    imports : dict
        Gets ``population_raster``, ``census`` and ``census_table`` reports.
    admin_areas : geopandas.GeoDataFrame, optional
        OpenStreetMap's administrative areas (:attr:`~circle.sources.osm.OsmData.admin_areas`), which a census
        table is joined to when no boundary file is given.
    reference : OffsetReference, optional
        OpenStreetMap's edges: the census polygons' coordinate system is checked against them.

    Returns
    -------
    geopandas.GeoDataFrame
        The blocks with counted residents where the sources cover them.
    """
    if sources.census and sources.census_table:
        raise InputDataError(
            "census polygons and a census table both give census counts: give one of them.",
            about=("census_file", "census_table"),
        )
    if "floor_area_m2" in blocks.columns and (sources.raster or sources.census or sources.census_table):
        # shared by the floor area as blocks.parquet records it (to 0.1 m²): a batch's merge has only the tiles'
        # tables, and small blocks (a square of loose houses, 72 m² of floor) got shares 7e-4 apart otherwise
        blocks = blocks.assign(floor_area_m2=np.round(blocks["floor_area_m2"].to_numpy(float), FLOOR_DECIMALS))
    if sources.raster:
        refuse_for_raster(parse_system(sources.system), sources.raster)
        blocks, imports["population_raster"] = allocate_raster(blocks, sources.raster, preset)
    if sources.census:
        census, declared = read_census_layer(sources.census, sources.census_column, crs, sources.system)
        blocks, imports["census"] = allocate_census(blocks, census, preset)
        imports["census"]["file"] = Path(sources.census).name
        imports["census"]["declared_crs"] = declared
        if reference is not None:
            imports["census"]["offset_check"] = check_layer_offset(
                census.geometry, declared, reference, "census file", min_features=3
            )
    if sources.census_table:
        blocks, imports["census_table"] = _count_from_table(blocks, sources, preset, crs, admin_areas, reference)
    return counted_range(blocks)


def _count_from_table(
    blocks: gpd.GeoDataFrame,
    sources: CountedSources,
    preset: Preset,
    crs: str,
    admin_areas: gpd.GeoDataFrame | None,
    reference: OffsetReference | None = None,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Join the census table to the boundary file's areas, else OpenStreetMap's, and share its residents.

    A boundary file is read in its declared system and, with ``reference``, offset-checked like the other layers.
    """
    table = read_census_table(sources.census_table)
    boundary_check = None
    if sources.admin_file:
        areas = read_admin_file(
            sources.admin_file, sources.admin_name_column, sources.admin_code_column, crs, sources.admin_system
        )
        where = f"boundary file {Path(sources.admin_file).name}"
        if reference is not None:
            declared = areas.attrs.get("declared_system", "wgs84")
            boundary_check = check_layer_offset(areas.geometry, declared, reference, "boundary file", min_features=3)
    else:
        areas = osm_admin_areas(admin_areas if admin_areas is not None else gpd.GeoDataFrame(), crs)
        where = "OpenStreetMap (admin_level 8, 9, 10)"
    blocks, report = allocate_census_table(blocks, table, areas, where, preset)
    report["file"] = Path(sources.census_table.path).name
    if boundary_check is not None:
        report["boundary_file"] = Path(sources.admin_file).name
        report["declared_crs"] = boundary_check.get("declared")
        report["offset_check"] = boundary_check
    if sources.admin_file and areas.attrs.get("text_encoding"):
        report["boundary_encoding"] = areas.attrs["text_encoding"]
    return blocks, report


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
    counted = census_table_in_study(counted, imports.get("census_table"))
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
