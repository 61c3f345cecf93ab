"""What an analysis is asked to do (AnalysisOptions) and what its input stages hand the engine (StudyInputs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from circle.pipeline.tiling import TileOf


@dataclass
class AnalysisOptions:
    """What ``circle analyze`` was asked to do.

    Attributes
    ----------
    source : str or pathlib.Path or None
        An ``.osm.pbf`` / ``.osm`` file; None for the embedded default.
    out : str or pathlib.Path
        The study folder to write.
    bbox : str, optional
        ``"W,S,E,N"`` in degrees.
    area_file : str or pathlib.Path, optional
        A polygon file limiting the study area.
    area_crs : str, optional
        Its coordinate system: ``wgs84``, ``gcj02``, ``bd09`` or ``EPSG:CODE``; None for the file's own.
    place : str, optional
        A place name to fetch online (needs the internet).
    blocks_file : str or pathlib.Path, optional
        The user's residential blocks.
    blocks_crs : str, optional
        Their coordinate system (as ``area_crs``).
    block_id_column, block_name_column, population_column : str, optional
        Columns of ``blocks_file``.
    preset : str or pathlib.Path
        Standards preset name or YAML path.
    profile : str
        Walking profile name.
    engine : str
        Routing backend (``labels``, ``csgraph``, ``pandana``, ``bruteforce``).
    overwrite : bool
        Replace an existing study at ``out``.
    gpkg : bool
        Also write a GeoPackage.
    progress : bool
        Show progress bars.
    facilities_file : str or pathlib.Path, optional
        A CSV or ``.xlsx`` facility list (see :mod:`circle.sources.tables`).
    facilities_crs : str
        Its coordinates: ``auto`` (an AMap/Baidu/Tencent export's own system,
        else WGS-84), ``wgs84``, ``gcj02``, ``bd09`` or ``EPSG:CODE``.
    facilities_mode : str
        ``add`` to the OSM facilities, or ``replace`` them in the categories the list holds.
    facilities_columns : str, optional
        ``"name=名称,category=类别,lon=经度,lat=纬度,capacity=床位"`` when not found by name.
    facilities_mapping : str or pathlib.Path, optional
        A planner's copy of a POI type mapping table (``circle/standards/taxonomies``)
        whose rows take precedence over the built-in ones.
    census_file : str or pathlib.Path, optional
        Census polygons with population totals, shared among their blocks.
    census_column : str, optional
        The totals' column (found by name when omitted).
    census_table : str or pathlib.Path, optional
        A CSV or ``.xlsx`` census table by 社区 or 街道 (names or statistical codes, residents, age
        groups), joined to the administrative areas (see :mod:`circle.prepare.population.census_table`).
    census_table_columns : str, optional
        ``"name=社区名称,population=常住人口,code=代码,subdistrict=街道"`` when not found by name.
    admin_file : str or pathlib.Path, optional
        街道/社区 polygons the census table is joined to (else OpenStreetMap's boundaries).
    admin_name_column, admin_code_column : str, optional
        Its columns of names and of statistical codes (found by name when omitted).
    admin_crs : str, optional
        Its coordinate system (as ``area_crs``): boundaries traced on AMap are GCJ-02.
    population_crs : str, optional
        The census polygons' coordinate system (as ``area_crs``); a raster is read in its own.
    population_raster : str or pathlib.Path, optional
        A GeoTIFF of persons per cell (WorldPop, GHS-POP), shared among the blocks its cells overlap.
    population_total : float, optional
        The known residents of the study area: the estimated blocks are scaled to it.
    population_ages : str or pathlib.Path, optional
        A folder or glob of WorldPop age/sex GeoTIFFs (or the files): each block's split into age groups
        (:mod:`circle.prepare.population.ages`); without it, census age bands or the region's structure.
    region : str, optional
        The region whose population defaults apply (``regions.yaml``); found from the area's centre when omitted.
    dem_file : str or pathlib.Path, optional
        A GeoTIFF DEM: slopes follow Tobler's hiking function.
    use_gates : bool
        Residents leave a block only through its mapped gates and entrances
        (where it has any); False samples its whole boundary instead.
    tile : circle.pipeline.tiling.TileOf, optional
        Build one tile of a tiled study (``circle batch``): its blocks, the
        whole study's CRS, and the network and facilities around them.
    osm_part : str or pathlib.Path, optional
        The tile's part of the source (:mod:`circle.sources.osm_parts`), read
        instead of the source itself; ``source`` still names the file.
    source_checksum : str, optional
        The source's SHA-256 when already known (a tile does not hash the city file again).
    """

    source: str | Path | None = None
    out: str | Path = "data/studies/default"
    bbox: str | None = None
    area_file: str | Path | None = None
    area_crs: str | None = None
    place: str | None = None
    blocks_file: str | Path | None = None
    blocks_crs: str | None = None
    block_id_column: str | None = None
    block_name_column: str | None = None
    population_column: str | None = None
    preset: str | Path = "gb50180_2018"
    profile: str = "standard"
    engine: str = "labels"
    overwrite: bool = False
    gpkg: bool = False
    progress: bool = False
    facilities_file: str | Path | None = None
    facilities_crs: str = "auto"
    facilities_mode: str = "add"
    facilities_columns: str | None = None
    facilities_mapping: str | Path | None = None
    census_file: str | Path | None = None
    census_column: str | None = None
    census_table: str | Path | None = None
    census_table_columns: str | None = None
    admin_file: str | Path | None = None
    admin_name_column: str | None = None
    admin_code_column: str | None = None
    admin_crs: str | None = None
    population_crs: str | None = None
    population_raster: str | Path | None = None
    population_total: float | None = None
    population_ages: str | Path | tuple[str, ...] | None = None
    region: str | None = None
    dem_file: str | Path | None = None
    use_gates: bool = True
    tile: TileOf | None = None
    osm_part: str | Path | None = None
    source_checksum: str | None = None
