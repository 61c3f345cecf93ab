"""What the study builder says after a census table was joined: rows joined, set apart, unmatched, offsets."""

from __future__ import annotations

from circle.i18n import t
from circle.study.census_join import SHOWN_NAMES, Names, census_table_facts
from circle.ui.text import md


def census_table_lines(
    report: dict, lang: str, table_name: str | None = None, boundary_name: str | None = None
) -> list[str]:
    """Return what a census table's join gave, one markdown line per fact, in ``lang``.

    The facts are the command line's (:func:`~circle.study.census_join.census_table_facts`);
    names and file names from the data are plain text (:func:`~circle.ui.text.md`).
    ``table_name`` and ``boundary_name`` are the uploads' own names (the
    report has the fixed names they were saved under).
    """
    facts = census_table_facts(report)
    boundary = report.get("boundary_file") and (boundary_name or report["boundary_file"])
    source = t("census_source_file", lang, file=md(boundary)) if boundary else t("census_source_osm", lang)
    lines = [
        t(
            "built_census_table",
            lang,
            file=md(table_name or facts.file),
            rows=facts.rows,
            matched=facts.rows_matched,
            areas=facts.areas,
            source=source,
        ),
        t(
            "built_census_table_residents",
            lang,
            matched_residents=_count(facts.matched_residents),
            table_residents=_count(facts.table_residents),
            in_study=_count(facts.residents_in_study),
        ),
    ]
    if facts.header:
        lines.append(_header_line(report.get("header") or {}, lang))
    if facts.boundary_encoding:
        lines.append(t("built_admin_gbk", lang))
    if facts.stated_total is not None:
        lines.append(
            t(
                "built_census_table_stated",
                lang,
                stated=_count(facts.stated_total),
                summed=_count(facts.table_residents),
            )
        )
    if facts.set_apart.count:
        names = _names(facts.set_apart, lang)
        lines.append(t("built_census_table_set_apart", lang, count=facts.set_apart.count, names=names))
    if facts.ignored_rows.count:
        names = _ignored_names(report.get("ignored_rows") or [], lang)
        lines.append(t("built_census_table_ignored", lang, count=facts.ignored_rows.count, names=names))
    if facts.unmatched.count:
        lines.append(
            t(
                "built_census_table_unmatched",
                lang,
                count=facts.unmatched.count,
                residents=_count(facts.unmatched_residents),
                names=_names(facts.unmatched, lang),
            )
        )
    if facts.areas_without_blocks:
        lines.append(
            t(
                "built_census_table_no_blocks",
                lang,
                count=facts.areas_without_blocks,
                residents=_count(facts.residents_without_blocks),
            )
        )
    without, partly = facts.areas_without_row, facts.areas_partly_in_study
    if without.count:
        lines.append(t("built_census_table_without_row", lang, count=without.count, names=_names(without, lang)))
    outside = facts.areas_outside_study
    if facts.wrong_system and (partly.count or outside.count):
        lines.append(t("built_census_table_cut_unknown", lang))
    else:
        if partly.count:
            lines.append(t("built_census_table_partly", lang, count=partly.count, names=_names(partly, lang)))
        if outside.count:
            lines.append(t("built_census_table_outside", lang, count=outside.count, names=_names(outside, lang)))
    if facts.age_columns:
        columns = "、".join(md(c) for c in facts.age_columns)
        lines.append(t("built_census_table_ages", lang, rows=facts.age_rows, columns=columns))
    if facts.age_rows_adjusted.count:
        names = _names(facts.age_rows_adjusted, lang)
        lines.append(t("built_census_table_ages_scaled", lang, count=facts.age_rows_adjusted.count, names=names))
    if facts.age_rows_left_out.count:
        names = _names(facts.age_rows_left_out, lang)
        lines.append(t("built_census_table_ages_left_out", lang, count=facts.age_rows_left_out.count, names=names))
    if facts.age_columns_not_read:
        columns = "、".join(md(c) for c in facts.age_columns_not_read)
        lines.append(t("built_census_table_ages_unread", lang, columns=columns))
    if facts.unmatched.count or without.count:
        lines.append(t("built_census_table_details", lang))
    return lines


#: the string of each reason a row is ignored for (``ignored_rows`` of the report)
IGNORED_REASONS = {
    "blank": "census_ignored_blank",
    "the header repeated": "census_ignored_header",
    "a note": "census_ignored_note",
}


def _ignored_names(entries: list[dict], lang: str) -> str:
    """Return the first ignored rows as ``第 8 行（空行）`` / ``line 8 (blank)``, and how many more there are."""
    shown = [
        t("census_ignored_row", lang, line=e["line"], reason=t(IGNORED_REASONS[e["reason"]], lang))
        if e.get("reason") in IGNORED_REASONS
        else md(f"line {e['line']} ({e.get('reason')})")
        for e in entries[:SHOWN_NAMES]
    ]
    more = len(entries) - len(shown)
    return "、".join(shown) + (t("names_more", lang, count=len(entries), more=more) if more > 0 else "")


def _header_line(header: dict, lang: str) -> str:
    """Say on which lines the table's header was found, and which title lines above it were skipped."""
    rows = header.get("lines") or []
    at = str(rows[0]) if len(rows) == 1 else f"{rows[0]}–{rows[-1]}"
    skipped = header.get("skipped") or []
    if not skipped:
        return t("built_census_table_header", lang, lines=at)
    first, last = skipped[0]["line"], skipped[-1]["line"]
    title = " / ".join(md(s["text"]) for s in skipped)
    span = str(first) if first == last else f"{first}–{last}"
    return t("built_census_table_header_title", lang, lines=at, skipped=span, title=title)


def admin_offset_warning(report: dict, lang: str) -> str | None:
    """Return the warning that the boundary file was declared in the wrong system, or None when it fits.

    Shown when the offset check (``report["offset_check"]``) suggests another
    system than the one chosen beside the upload.
    """
    offset = report.get("offset_check") or {}
    suggested = offset.get("suggested")
    if not suggested:
        return None
    medians, declared = offset.get("median_m") or {}, offset.get("declared")
    return t(
        "built_admin_offset",
        lang,
        declared=_system(declared, lang),
        suggested=_system(suggested, lang),
        declared_m=_metres(medians.get(declared)),
        suggested_m=_metres(medians.get(suggested)),
    )


def _names(names: Names, lang: str) -> str:
    """Return the first names of a list, and how many there are when some are not shown."""
    shown = "、".join(md(n) for n in names.first)
    return shown + (t("names_more", lang, count=names.count, more=names.more) if names.more > 0 else "")


def _system(system: str | None, lang: str) -> str:
    """Name a coordinate system as the upload's choice does (``gcj02`` → GCJ-02 (AMap, Tencent))."""
    if system in ("wgs84", "gcj02", "bd09"):
        return t(f"layer_crs_{system}", lang).split("（")[0].split(" (")[0]
    return md(system or "?")


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _metres(value: float | None) -> str:
    return "?" if value is None else f"{value:,.0f}"
