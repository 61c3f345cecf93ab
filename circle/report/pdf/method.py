"""The method: walking, the standard's values and sources, population, scoring, the limits of the data."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Spacer,
)

from circle.i18n import percent, t
from circle.i18n.offset_words import offset_words
from circle.i18n.poi_words import platform_words, top_left_out
from circle.report.pdf.writer import Writer, _value
from circle.standards.regions import regions
from circle.study.columns import MATCHED_RULE
from circle.study.summary import Parameters
from circle.words.findings import explain, web_export_name


def method_section(w: Writer) -> list:
    """Return the method: walking, standard values and sources, population, scoring, limits of the data."""
    content = w.content
    summary = content.study.summary
    profile = summary.profile
    parameters = summary.parameters
    analysis = parameters.analysis
    dropped = summary.dropped_islands or {}
    number = w.section_number("method")
    story = [
        w.p(w.s("rpt_method", number=number), "h1"),
        w.p(
            w.s(
                "rpt_method_walk",
                islands=dropped.get("segments", 0),
                length=dropped.get("length_m", 0.0),
                speed=profile.speed_m_s["value"],
                speed_source=profile.speed_m_s["source"],
                steps=profile.steps_speed_factor["value"],
                spacing=analysis.get("boundary_spacing_m", {}).get("value", 50),
                snap=f"{parameters.max_snap_m:g}",
                engine=summary.engine,
            )
        ),
        w.p(w.s("rpt_method_standard"), "h2"),
    ]
    rows = [[w.s("rpt_category"), w.s("rpt_standard"), w.s("rpt_source"), w.s("rpt_checked")]]
    criterion = content.preset.scoring.criterion
    for category in content.preset.categories:
        threshold = category.radius_m if criterion == "distance" and category.radius_m else category.threshold_min
        tier = category.tier
        sources = [w.text(threshold.source)] if threshold is not None else []
        if tier.source not in (threshold.source if threshold else ""):
            sources.append(w.text(f"{t('rpt_tier_name', w.lang, tier=int(tier.value))}: {tier.source}"))
        verified = threshold is not None and threshold.verified
        rows.append(
            [
                w.label(category.key),
                w.standard(category.key, minutes=True),
                "<br/>".join(sources),
                w.s("rpt_yes") if verified else w.s("rpt_to_check"),
            ]
        )
    story.append(w.table(rows, [0.22, 0.13, 0.53, 0.12]))
    story += facility_sources_table(w)
    story += [CondPageBreak(50 * mm), w.p(w.s("rpt_method_population"), "h2")]
    population = parameters.population
    described = {
        "buildings": w.s(
            "rpt_pop_buildings",
            per_person=population.get("floor_area_per_person_m2", {}).get("value", "—"),
            levels=population.get("default_levels", {}).get("value", "—"),
        ),
        "area_density": w.s("rpt_pop_area_density", density=population.get("density_per_km2", {}).get("value", 0)),
        "user": w.s("rpt_pop_user"),
        "census": w.s("rpt_pop_census"),
        "raster": w.s("rpt_pop_raster"),
    }
    for method in ("buildings", "area_density"):
        described[f"{method}_scaled"] = w.s("rpt_pop_scaled", method=described[method])
    rows = [[w.s("rpt_pop_source"), w.s("rpt_blocks"), w.s("rpt_residents")]]
    grouped = content.blocks.groupby("pop_source")["population"].agg(["count", "sum"])
    for source, row in grouped.iterrows():
        rows.append([described.get(source, w.text(source)), f"{int(row['count']):,}", f"{row['sum']:,.0f}"])
    story += [w.table(rows, [0.64, 0.16, 0.2], numeric={1, 2}), Spacer(1, 3 * mm)]
    story += population_range_paragraphs(w)
    story += population_paragraphs(w, parameters)
    story += imports_paragraphs(w)
    scoring = content.preset.scoring
    bands = t("comma_sep", w.lang).join
    band_text = bands(f"{(b.zh if w.lang == 'zh' else b.en)} ≥ {b.minimum:g}" for b in scoring.bands)
    factor = scoring.zero_at_factor.value if scoring.zero_at_factor is not None else 2
    story.append(w.p(w.s("rpt_method_scoring", factor=factor, bands=band_text)))
    story += [CondPageBreak(40 * mm), w.p(w.s("rpt_limits"), "h2"), w.p("• " + w.s("rpt_limit_osm"))]
    counts = content.facilities["category"].value_counts()
    separator = t("comma_sep", w.lang)
    listed = separator.join(
        f"{content.label(c.key, w.lang)} {int(counts.get(c.key, 0))}" for c in content.preset.categories
    )
    story.append(w.p("• " + w.s("rpt_limit_counts", counts=listed)))
    not_mapped = content.summary.not_mapped
    if not_mapped:
        names = separator.join(content.label(c, w.lang) for c in not_mapped)
        story.append(w.p("• " + w.s("rpt_limit_not_mapped", categories=names)))
    story += completeness_table(w)
    study_counts = summary.counts
    story.append(
        w.p(
            "• "
            + w.s(
                "rpt_limit_unreachable",
                blocks=study_counts.blocks_unreachable,
                facilities=study_counts.facilities_unreachable,
                snap=f"{parameters.max_snap_m:g}",
            )
        )
    )
    if "user" not in set(content.blocks["pop_source"]) and "census" not in set(content.blocks["pop_source"]):
        story.append(w.p("• " + w.s("rpt_limit_population")))
    date = summary.source.data_timestamp or t("rpt_data_date_unknown", w.lang)
    story.append(w.p("• " + w.s("rpt_limit_date", date=date)))
    supply = content.result.summary.supply or {}
    categories = supply.get("categories", {}) if isinstance(supply, dict) else {}
    if not categories or all(isinstance(v, str) for v in categories.values()):
        story.append(w.p("• " + w.s("rpt_capacity_none")))
    return story


def completeness_table(w: Writer) -> list:
    """Return how completely each category is mapped: the verdict and the figures that led to it."""
    content = w.content
    summary = content.summary
    completeness = summary.completeness or {}
    if not completeness:
        return []
    analysis = content.preset.analysis
    story = [
        CondPageBreak(50 * mm),
        w.p(w.s("rpt_dq_table_title"), "h2"),
        w.p(
            w.s(
                "rpt_dq_intro",
                share=float(analysis["completeness_min_norm_share"].value),
                unreached=float(analysis["completeness_max_unreached_share"].value),
            ),
            "note",
        ),
    ]
    headings = ("rpt_category", "rpt_dq_fed", "rpt_dq_expected", "rpt_dq_unreached", "rpt_dq_verdict")
    rows = [[w.s(heading) for heading in headings]]
    for key, record in completeness.items():
        expected = record.get("expected")
        rows.append(
            [
                w.label(key),
                f"{record['facilities']:,}",
                "—" if expected is None else f"{expected:,.1f}",
                percent(record.get("unreached_blocks")),
                w.s(f"verdict_{record['verdict']}"),
            ]
        )
    story.append(w.table(rows, [0.34, 0.13, 0.17, 0.18, 0.18], numeric={1, 2, 3}))
    apart = [*summary.likely_incomplete, *summary.not_mapped]
    for key in apart:
        line = explain(completeness[key], content.label(key, w.lang), summary.population, w.lang)
        story.append(w.p("• " + w.text(line)))
    export = web_export_name(content.study.summary.imports)
    if apart and export:
        story.append(w.p(w.s("dq_web_export", file=export)))
    if apart:
        story.append(w.p(w.s("dq_fix_report")))
    return story


def offset_sentence(w: Writer, check: dict, what: str) -> str:
    """Say in the report's language what a layer's coordinate-system check found (its message is English)."""
    return w.text(offset_words(check, what, w.lang))


def census_table_paragraphs(w: Writer, table: dict) -> list:
    """Say what a census table by community gave: rows joined, set apart and unmatched, and its age groups."""
    areas = table.get("boundary_file") or (table.get("areas") or {}).get("source", "")
    names = t("comma_sep", w.lang).join(str(row.get("name") or row.get("code") or "") for row in table["unmatched"][:5])
    story = [
        w.p(
            w.s(
                "rpt_import_census_table",
                file=table["file"],
                rows=table["rows"],
                matched=table["rows_matched"],
                areas=areas,
                residents=table["matched_residents"],
                set_apart=table["rows_set_apart"],
                unmatched=table["rows_unmatched"],
                unmatched_residents=table["unmatched_residents"],
                names=names or "—",
            )
        )
    ]
    bands = table.get("age_bands")
    if bands:
        columns = t("comma_sep", w.lang).join(str(c) for c in bands["columns"])
        story.append(w.p(w.s("rpt_import_census_table_ages", columns=columns)))
    return story


def poi_export_sentence(w: Writer, facilities: dict) -> str:
    """Say how an imported list was recognised (a web map's export, or a list of no platform), read and mapped."""
    layout, mapping = facilities["layout"], facilities["mapping"]
    top = t("comma_sep", w.lang).join(f"{name} ({rows})" for name, rows in top_left_out(mapping)) or "—"
    return w.s(
        "rpt_import_poi_export",
        platform=platform_words(layout["platform"], w.lang),
        evidence=layout["evidence"],
        system=layout["system_name"],
        rows=mapping["rows"],
        mapped=mapping["mapped_rows"],
        excluded=mapping["excluded_rows"],
        unmapped=mapping["unmapped_rows"],
        tables=t("comma_sep", w.lang).join(
            name.replace(" (built in)", "（内置）" if w.lang == "zh" else " (built in)") for name in mapping["tables"]
        ),
        top=top,
    )


def placement_sentence(w: Writer, facilities: dict) -> str:
    """Say which imported rows lay beyond the map data and which were OSM's facilities already ("" when none)."""
    parts = []
    outside = facilities.get("outside") or {}
    if outside.get("rows"):
        parts.append(
            w.s(
                "rpt_import_facilities_outside",
                rows=outside["rows"],
                names=t("list_sep", w.lang).join(outside.get("examples", [])),
            )
        )
    matched = facilities.get("matched_osm") or {}
    items = [
        t("rpt_import_facilities_matched_item", w.lang, category=w.content.label(key, w.lang), **counts)
        for key, counts in matched.get("per_category", {}).items()
        if counts["matched"]
    ]
    if items:
        parts.append(
            w.s(
                "rpt_import_facilities_matched",
                distance=f"{matched['distance_m']:g}",
                matched=t("clause_sep", w.lang).join(items),
            )
        )
    return ("" if w.lang == "zh" else " ").join(parts)


def imports_paragraphs(w: Writer) -> list:
    """Return what the bureau's own data changed: facility list, census, elevation."""
    imports = w.content.study.summary.imports
    story = []
    facilities = imports.facilities
    if facilities:
        story.append(
            w.p(
                w.s(
                    "rpt_import_facilities",
                    file=facilities["file"],
                    rows=facilities["rows"],
                    crs=facilities["declared_crs"],
                    mode=t(f"build_mode_{facilities['mode']}", w.lang),
                )
                + " "
                + offset_sentence(w, facilities["offset_check"], "facilities")
            )
        )
        placement = placement_sentence(w, facilities)
        if placement:
            story.append(w.p(placement))
        if facilities.get("mapping"):
            story.append(w.p(poi_export_sentence(w, facilities)))
    census = imports.census
    if census:
        story.append(
            w.p(
                w.s(
                    "rpt_import_census",
                    file=census["file"],
                    total=census["total"],
                    polygons=census["polygons"],
                    blocks=census["blocks_from_census"],
                    outside=census["blocks_outside_census"],
                )
            )
        )
    table = imports.census_table
    if table:
        story.extend(census_table_paragraphs(w, table))
    layers = {"area": imports.area, "blocks": imports.blocks, "census": census, "census_table": table}
    for what, layer in layers.items():  # polygon files: the system read in, and its check
        if layer and layer.get("offset_check"):
            shown = layer.get("boundary_file") or layer.get("file", "")
            colon = "：" if w.lang == "zh" else ": "
            story.append(w.p(w.text(f"{shown}{colon}") + offset_sentence(w, layer["offset_check"], what)))
    comparison = imports.terrain_vs_flat
    if imports.dem and comparison:
        changes = t("comma_sep", w.lang).join(
            f"{w.content.label(key, w.lang)} {values['change_points']:+.1f}"
            for key, values in comparison.items()
            if key in w.content.result.labels
        )
        story.append(w.p(w.s("rpt_import_dem", file=imports.dem["file"], changes=changes)))
    return story


def population_range_paragraphs(w: Writer) -> list:
    """Return the range of the study's residents and how much of it was estimated, where the summary has them."""
    facts = w.content.study.summary.population or {}
    ends = facts.get("range")
    share = facts.get("estimated_share")
    if not ends or share is None or share <= 0:
        return []
    total = float(w.content.blocks["population"].sum())
    return [w.p(w.s("rpt_pop_range", total=total, low=ends["low"], high=ends["high"], share=100 * share))]


def population_paragraphs(w: Writer, parameters: Parameters) -> list:
    """Return the region, the cutting of large areas and the plausibility check, as said in the summary."""
    summary = w.content.study.summary
    facts = summary.population or {}
    population = parameters.population
    analysis = parameters.analysis
    story = []
    region = parameters.region
    if region:
        names = {r.key: getattr(r, f"title_{w.lang}") for r in regions()}
        story.append(w.p(w.s("rpt_pop_region", region=names.get(region, region))))
    if facts.get("largest_block_ha") is not None:
        story.append(
            w.p(
                w.s(
                    "rpt_pop_split",
                    area=_value(analysis, "max_block_area_ha", 20),
                    span=_value(analysis, "max_block_span_m", 500),
                    cell=_value(analysis, "block_cell_m", 250),
                    parts=facts.get("blocks_split", 0),
                    largest=facts["largest_block_ha"],
                )
            )
        )
    if "flagged" in facts:
        flagged = facts["flagged"]
        bounds = {
            "high": _value(population, "max_density_per_ha", 1500),
            "low": _value(population, "min_density_per_ha", 1),
        }
        if flagged:
            shown = w.names_of(facts.get("flagged_blocks", [])[:12])
            story.append(
                w.p(
                    w.s(
                        "rpt_pop_flags",
                        dense=flagged.get("too_dense", 0),
                        sparse=flagged.get("too_sparse", 0),
                        blocks=shown,
                        **bounds,
                    )
                )
            )
        else:
            story.append(w.p(w.s("rpt_pop_flags_none", **bounds)))
    return story


def facility_sources_table(w: Writer) -> list:
    """Return what fed each category: the tag rules and imported lists that put its facilities there, with counts.

    Read from the facilities' ``matched_rule``; a study written before that
    column says only whether a facility came from OSM or an imported list.
    """
    content = w.content
    facilities = content.facilities
    recorded = MATCHED_RULE in facilities.columns
    if recorded:
        fed_by = facilities[MATCHED_RULE].where(facilities[MATCHED_RULE].notna(), facilities["source"])
    else:
        fed_by = facilities["source"].where(facilities["source"] != "osm", t("rpt_fed_osm_unrecorded", w.lang))
    rows = [[w.s("rpt_category"), w.s("rpt_fed_by"), w.s("rpt_facilities")]]
    for category in content.preset.categories:
        counts = fed_by[facilities["category"] == category.key].value_counts()
        ordered = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
        listed = "<br/>".join(f"{w.text(rule)}: {count:,}" for rule, count in ordered) or "—"
        rows.append([w.label(category.key), listed, f"{int(counts.sum()):,}"])
    note = w.s("rpt_fed_note", preset=content.preset.name) if recorded else w.s("rpt_fed_unrecorded")
    return [
        CondPageBreak(40 * mm),
        w.p(w.s("rpt_method_fed"), "h2"),
        w.table(rows, [0.27, 0.58, 0.15], numeric={2}),
        Spacer(1, 2 * mm),
        w.p(note),
    ]
