"""What ``circle analyze`` says of the study it wrote: counts, categories not scored and why, imports, population.

The build is :func:`circle.cli.analyze.run`; these print its result, each part
of the summary in its own function, with the flag to give where a fix exists.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from circle.cli._common import beside_python, circle_command
from circle.i18n import t
from circle.study.columns import BLOCK_ID
from circle.study.files import BLOCKS

if TYPE_CHECKING:
    from circle.study.census_join import Names
    from circle.study.summary import Imports, StudySummary

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


def print_study_result(path: Path, summary: StudySummary) -> None:
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
