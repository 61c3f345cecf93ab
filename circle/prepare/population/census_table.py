"""Census tables joined to administrative areas: each row's residents (and age groups) shared among its blocks.

A table row names a 社区/村 or a 街道/乡镇 (by name or statistical code);
:mod:`circle.prepare.population._table_join` finds the area it names among the
study's administrative areas (OSM ``admin_level`` 8, 9, 10, or the user's
boundary file). Each matched area becomes a census polygon and its residents
are shared among its blocks by residential floor area, exactly as census
polygons are (:func:`~circle.prepare.population.census.allocate_census`): a
row's total is kept whole. A 街道 row whose area holds matched 社区 areas
gives its 社区 rows' residents to them and the rest to the rest of the
街道. Age groups of a row become a partition of ages
(:func:`~circle.sources.age_bands.partition`) and each band is shared with
the same shares, into the block columns ``age_band_{lo}_{hi}`` (read by
:mod:`circle.prepare.population.ages` into the ``pop_age_*`` groups, then
dropped); a row whose groups miss its total by a few residents has them
scaled to it, one that misses it by more keeps its residents without groups.

Rows that match nothing and areas with blocks but no row are reported, never
filled in; a table that matches nothing is refused with names from both
sides.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from circle.errors import InputDataError
from circle.prepare.population._table_join import area_parent_index, match_rows
from circle.prepare.population.census import allocate_census, share_totals
from circle.sources.admin_file import AREA_COLUMNS
from circle.sources.age_bands import Band, BandError, partition
from circle.sources.census_table import CensusTable
from circle.sources.chinese_names import clean, fold, statistical_code
from circle.standards import Preset

#: the block columns of a table's age groups start so (``age_band_60_inf`` …; see :attr:`Band.column`)
AGE_BAND_PREFIX = "age_band_"
#: temporary block columns (dropped by :func:`census_table_in_study`)
_AREA = "_census_table_area"
_ROW = "_census_table_row"
_SHARES = "_census_table_shares"
_SUBDISTRICT = "_census_table_subdistrict"
_COMMUNITY = "_census_table_community"
#: what happens to an area the study area covers only in part (the rule of census polygons)
PARTLY_COVERED_RULE = (
    "an area's residents are shared among all the blocks the data holds in it (with OpenStreetMap blocks: those "
    "of the study area and of a walk's reach around it), as census polygons are; the study keeps the shares of "
    "its own blocks, so an area cut by the study's edge brings only its blocks' share"
)
#: how many names the CLI and the error messages show
SHOWN = 5


def osm_admin_areas(admin_areas: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    """Turn :attr:`circle.sources.osm.OsmData.admin_areas` into administrative areas to join (in ``crs``).

    Level 8 is a 街道/乡镇, 9 and 10 a 社区/村 (see :mod:`circle.prepare.admin_units`).
    """
    if admin_areas.empty:
        return gpd.GeoDataFrame({c: [] for c in AREA_COLUMNS[:-1]}, geometry=[], crs=crs)

    def texts(column: str) -> list[str | None]:
        return [clean(v) for v in admin_areas[column]] if column in admin_areas else [None] * len(admin_areas)

    names = [a or b or c for a, b, c in zip(texts("name"), texts("name_zh"), texts("name_en"), strict=True)]
    out = gpd.GeoDataFrame(
        {
            "name": pd.Series(names, dtype=object),
            "alt_name": pd.Series(texts("name_zh"), dtype=object),
            "code": pd.Series([statistical_code(v) for v in texts("code")], dtype=object),
            "upper": pd.Series([str(v).strip() == "8" for v in admin_areas["admin_level"]], dtype=object),
        },
        geometry=admin_areas.geometry.to_numpy(),
        crs=admin_areas.crs,
    )
    return out.to_crs(crs).reset_index(drop=True)


def allocate_census_table(
    blocks: gpd.GeoDataFrame, table: CensusTable, areas: gpd.GeoDataFrame, areas_source: str, preset: Preset
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Share the residents of every matched row among the blocks of its area.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        Blocks in a metric CRS with ``population``, ``pop_source``, ``floor_area_m2``.
    table : CensusTable
        The table read.
    areas : geopandas.GeoDataFrame
        Administrative areas in the blocks' CRS (:func:`osm_admin_areas`,
        :func:`~circle.sources.admin_file.read_admin_file`).
    areas_source : str
        Where the areas come from, for the report.
    preset : Preset
        Population parameters (the floor-area ratio where floors are unknown).

    Returns
    -------
    tuple
        The blocks (``population`` and ``pop_source = "census"`` where a
        matched area holds them, ``age_band_*`` columns when the table has
        age groups) and the report for ``summary.json``.

    Raises
    ------
    InputDataError
        When no row matches an area (names from both sides are listed), a 街道
        row holds fewer residents than its matched 社区 rows, or the age headers
        cannot make one partition of ages (groups that overlap …).
    """
    rows = table.joined.reset_index(drop=True)
    matches = match_rows(rows, areas) if len(areas) else None
    if matches is None or not (matches.area >= 0).any():
        raise InputDataError(_nothing_matched(rows, areas, areas_source, matches), about=("census_table", "admin_file"))
    matched = np.flatnonzero(matches.area >= 0)
    polygons, totals, owners = _census_polygons(rows, matches.area, areas)
    census = gpd.GeoDataFrame({"census_population": totals}, geometry=polygons, crs=blocks.crs)
    out, allocation = allocate_census(blocks, census, preset)
    bands, bands_adjusted, bands_left_out = _row_bands(rows, table)
    if bands:
        out = _share_bands(out, census, owners, bands, preset)
    out[_AREA] = _block_areas(out, areas)
    out[_ROW] = _block_rows(out, census, rows["line"].to_numpy(np.int64)[owners])
    out[_SHARES] = _block_shares(out, census, rows["line"].to_numpy(np.int64)[owners], preset)
    out[_SUBDISTRICT], out[_COMMUNITY] = _block_units(out, areas)
    report = _report(table, rows, matches, areas, areas_source, allocation, matched)
    given = _by_line(out[_SHARES])
    for entry in report["matched"]:  # what reached blocks of the data read (an area may hold none)
        entry["residents_to_blocks"] = round(given.get(entry["line"], 0.0), 1)
    if bands:
        columns = sorted({b for partition_ in bands.values() for b in partition_}, key=lambda b: (b.lo, b.end))
        report["age_bands"] = {
            "columns": {header: band.label() for header, band in table.bands.items()},
            "block_columns": [b.column for b in columns],
            "rows_with_bands": len(bands),
            # the rows whose age groups reached blocks: matched ones (an unmatched row's groups go nowhere)
            "matched_rows_with_bands": int(sum(1 for row in bands if matches.area[row] >= 0)),
            "ignored_columns": table.ignored_columns,
        }
    if table.bands:
        report["age_rows_adjusted"] = bands_adjusted
        report["age_rows_left_out"] = bands_left_out
    report["age_columns_not_read"] = list(table.unread_age_columns)
    report["header"] = dict(table.header)
    report["ignored_rows"] = list(table.ignored_rows)
    return out, report


def _census_polygons(rows: pd.DataFrame, area: np.ndarray, areas: gpd.GeoDataFrame):
    """One polygon per matched row; a 街道 row's area less its matched 社区 areas, with the rest of its residents."""
    geometry = areas.geometry.to_numpy()
    matched = np.flatnonzero(area >= 0)
    upper = areas["upper"].to_numpy(object) == True  # noqa: E712
    population = rows["population"].to_numpy(float)
    polygons, totals, owners = [], [], []
    lower_rows = [r for r in matched if not upper[area[r]]]
    inner = shapely.point_on_surface(geometry[area[lower_rows]]) if lower_rows else np.zeros(0, object)
    for r in matched:
        shape, total = geometry[area[r]], population[r]
        if upper[area[r]] and lower_rows:
            inside = [lower_rows[i] for i in np.flatnonzero(shapely.within(inner, shape))]
            if inside:
                held = float(population[inside].sum())
                if held > total + 1e-6:
                    raise InputDataError(
                        f"census table line {rows['line'].iloc[r]} ({rows['name'].iloc[r]}) holds {total:,.0f} "
                        f"residents, fewer than the {held:,.0f} of its 社区/村 rows matched inside it "
                        f"(lines {', '.join(str(rows['line'].iloc[i]) for i in inside[:10])}). Correct the figures, "
                        "or leave the 街道 row out."
                    )
                shape = shapely.difference(shape, shapely.union_all(geometry[area[inside]]))
                total = total - held
        polygons.append(shape)
        totals.append(total)
        owners.append(r)
    return np.asarray(polygons, dtype=object), np.asarray(totals, float), np.asarray(owners, np.int64)


#: age groups may miss their row's total by this share of it, or by :data:`BAND_SLIP_RESIDENTS`, whichever is larger
BAND_SLIP_SHARE = 0.01
#: … or by this many residents (a slip of a few people in a small 社区)
BAND_SLIP_RESIDENTS = 5.0


def _row_bands(rows: pd.DataFrame, table: CensusTable) -> tuple[dict[int, dict[Band, float]], list[dict], list[dict]]:
    """Each row's age groups as a partition of ages, with the rows adjusted and those whose groups are left out.

    Where the outermost groups cover every age but add up to a little more or
    less than the row's residents (at most :data:`BAND_SLIP_SHARE` of them or
    :data:`BAND_SLIP_RESIDENTS`), the row's groups are scaled to its total;
    beyond that, or where they do not fit (a group inside another holding
    more), the row keeps its residents and loses its age groups. Rows without
    any age figure are left out silently.

    Raises
    ------
    InputDataError
        When the headers cannot make one partition (groups that overlap, ages left over in two places).
    """
    out: dict[int, dict[Band, float]] = {}
    adjusted: list[dict] = []
    left_out: list[dict] = []
    for r in range(len(rows)):
        values = {
            band: float(rows[header].iloc[r])
            for header, band in table.bands.items()
            if np.isfinite(rows[header].iloc[r])
        }
        if not values:
            continue
        total = float(rows["population"].iloc[r])
        entry = {"line": int(rows["line"].iloc[r]), "name": rows["name"].iloc[r] or rows["code"].iloc[r]}
        outer = [b for b in values if not any(o != b and o.lo <= b.lo and b.end <= o.end for o in values)]
        summed = float(sum(values[b] for b in outer))
        covers_all = _covers_all_ages(outer)
        slip = summed - total
        if (covers_all and abs(slip) > 0.5) or slip > 0.5:
            shown = " + ".join(b.words() for b in sorted(outer, key=lambda b: b.lo))
            more = "more than" if slip > 0 else "fewer than"
            entry["reason"] = f"{shown} = {summed:,.0f}, {more} the row's {total:,.0f} residents"
            if abs(slip) > max(BAND_SLIP_SHARE * total, BAND_SLIP_RESIDENTS) or summed <= 0:
                left_out.append(entry)
                continue
            values = {band: value * total / summed for band, value in values.items()}
            adjusted.append(entry)
        try:
            out[r] = partition(values, total)
        except BandError as error:
            if error.of_headers:
                raise InputDataError(
                    f"census table line {entry['line']} ({entry['name']}): {error}. Its total is {total:,.0f}."
                ) from None
            if entry in adjusted:
                adjusted.remove(entry)
            left_out.append({**entry, "reason": str(error)})
    return out, adjusted, left_out


def _covers_all_ages(bands: list[Band]) -> bool:
    """Whether disjoint bands cover every age from 0 on, with no gap."""
    at = 0.0
    for band in sorted(bands, key=lambda b: b.lo):
        if band.lo > at:
            return False
        at = max(at, band.end)
    return at == float("inf")


def _share_bands(
    blocks: gpd.GeoDataFrame,
    census: gpd.GeoDataFrame,
    owners: np.ndarray,
    bands: dict[int, dict[Band, float]],
    preset: Preset,
) -> gpd.GeoDataFrame:
    """Share each band like the residents; NaN where a block's polygons gave no such band."""
    polygons = census.geometry.to_numpy()
    covered = blocks["pop_source"].to_numpy(object) == "census"
    bare = blocks.assign(population=0.0)
    columns = sorted({b for p in bands.values() for b in p}, key=lambda b: (b.lo, b.end))
    out = blocks.copy()
    for band in columns:
        values = np.array([bands.get(r, {}).get(band, np.nan) for r in owners], float)
        given, _ = share_totals(bare, polygons, np.nan_to_num(values), preset, "census")
        lacking, _ = share_totals(bare, polygons, np.isnan(values).astype(float), preset, "census")
        shared = given["population"].to_numpy(float)
        out[band.column] = np.where(covered & (lacking["population"].to_numpy(float) <= 0), shared, np.nan)
    return out


def _block_areas(blocks: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> np.ndarray:
    """Return the area holding each block's inner point: the smallest 社区/村, else the smallest 街道/乡镇."""
    label = np.full(len(blocks), None, dtype=object)
    if blocks.empty or areas.empty:
        return label
    inner = shapely.point_on_surface(blocks.geometry.to_numpy())
    point, holder = shapely.STRtree(areas.geometry.to_numpy()).query(inner, predicate="within")
    upper = areas["upper"].to_numpy(object) == True  # noqa: E712
    order = np.lexsort((shapely.area(areas.geometry.to_numpy()[holder]), upper[holder], point))
    point, holder = point[order], holder[order]
    first = np.unique(point, return_index=True)[1]
    names = _unique_labels(areas)
    for p, h in zip(point[first], holder[first], strict=True):
        label[p] = names[h]
    return label


def _block_shares(blocks: gpd.GeoDataFrame, census: gpd.GeoDataFrame, lines: np.ndarray, preset: Preset) -> list:
    """Per block, the residents each table line gave it (``{line: residents}``), shared as census polygons are.

    The weights are :func:`~circle.prepare.population.census.share_totals`'s
    (residential floor area in the overlap), so that the residents a study's
    blocks got from each row can be told apart after the study area is cut.
    """
    out: list[dict[int, float]] = [{} for _ in range(len(blocks))]
    if blocks.empty:
        return out
    polygons = census.geometry.to_numpy()
    totals = census["census_population"].to_numpy(float)
    polygon_index, block_index = shapely.STRtree(blocks.geometry.to_numpy()).query(polygons, predicate="intersects")
    for k in np.unique(polygon_index):
        near = block_index[polygon_index == k]
        shared, _ = share_totals(
            blocks.iloc[near].assign(population=0.0), polygons[k : k + 1], totals[k : k + 1], preset, "census"
        )
        for b, residents in zip(near, shared["population"].to_numpy(float), strict=True):
            if residents > 0:
                out[b][int(lines[k])] = out[b].get(int(lines[k]), 0.0) + float(residents)
    return out


def _by_line(shares) -> dict[int, float]:
    """Return the residents each table line gave to the blocks of ``shares`` (:func:`_block_shares`)."""
    out: dict[int, float] = {}
    for block in shares:
        for line, residents in block.items():
            out[line] = out.get(line, 0.0) + residents
    return out


def _block_units(blocks: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return the 街道/乡镇 and the 社区/村 area holding each block's inner point (the smallest; None for none).

    Areas whose level is unknown are no one's 街道 or 社区: nothing is guessed.
    """
    subdistrict = np.full(len(blocks), None, dtype=object)
    community = np.full(len(blocks), None, dtype=object)
    if blocks.empty or areas.empty:
        return subdistrict, community
    inner = shapely.point_on_surface(blocks.geometry.to_numpy())
    geometry = areas.geometry.to_numpy()
    point, holder = shapely.STRtree(geometry).query(inner, predicate="within")
    order = np.lexsort((-shapely.area(geometry[holder]), point))  # the smallest last: it is written last
    labels = [_area_label(areas, i) for i in range(len(areas))]  # as OSM's are: the 街道 is its own column
    upper = areas["upper"].to_numpy(object)
    for p, h in zip(point[order], holder[order], strict=True):
        if upper[h] is True or upper[h] == True:  # noqa: E712
            subdistrict[p] = labels[h]
        elif upper[h] is False or upper[h] == False:  # noqa: E712
            community[p] = labels[h]
    return subdistrict, community


def _block_rows(blocks: gpd.GeoDataFrame, census: gpd.GeoDataFrame, lines: np.ndarray) -> np.ndarray:
    """Return the table line whose census polygon holds each block's inner point (-1 for none)."""
    line = np.full(len(blocks), -1, np.int64)
    if blocks.empty:
        return line
    inner = shapely.point_on_surface(blocks.geometry.to_numpy())
    point, polygon = shapely.STRtree(census.geometry.to_numpy()).query(inner, predicate="within")
    line[point] = lines[polygon]
    return line


def _unique_labels(areas: gpd.GeoDataFrame) -> list[str]:
    """Each area's label, with its 街道 (else its code, else its number) where two areas share a name."""
    labels = [_area_label(areas, i) for i in range(len(areas))]
    counts = pd.Series(labels).value_counts()
    parents = area_parent_index(areas)
    out = []
    for i, label in enumerate(labels):
        if counts[label] > 1:
            parent = parents[i]
            qualifier = labels[parent] if parent >= 0 else (areas["code"].iloc[i] or f"area {i + 1}")
            label = f"{label} ({qualifier})"
        out.append(label)
    return out


def _area_label(areas: gpd.GeoDataFrame, i: int) -> str:
    name, alt, code = (clean(areas[c].iloc[i]) for c in ("name", "alt_name", "code"))
    return name or alt or code or f"area {i + 1}"


def _report(table, rows, matches, areas, areas_source, allocation, matched) -> dict[str, Any]:
    population = rows["population"].to_numpy(float)
    apart = table.rows[table.rows["excluded"].notna()]
    unmatched = np.flatnonzero(matches.area < 0)
    labels = _unique_labels(areas)
    return {
        "columns": dict(table.columns),
        "areas": {"source": areas_source, "count": len(areas)},
        "rows": len(table.rows),
        "rows_matched": len(matched),
        "rows_unmatched": len(unmatched),
        "rows_set_apart": len(apart),
        "table_residents": round(float(population.sum()), 1),
        "matched_residents": round(float(population[matched].sum()), 1),
        "unmatched_residents": round(float(population[unmatched].sum()), 1),
        "stated_total": _stated_total(table),
        "matched": [
            {
                "line": int(rows["line"].iloc[r]),
                "name": rows["name"].iloc[r] or None,
                "code": rows["code"].iloc[r],
                "area": labels[int(matches.area[r])],
                "by": matches.by[r],
                "residents": float(population[r]),
            }
            for r in matched
        ],
        "unmatched": [
            {
                "line": int(rows["line"].iloc[r]),
                "name": rows["name"].iloc[r] or None,
                "code": rows["code"].iloc[r],
                "residents": float(population[r]),
                "reason": matches.reason[r],
            }
            for r in unmatched
        ],
        "set_apart": [
            {
                "line": int(row.line),
                "name": row.name or row.subdistrict,
                "residents": None if not np.isfinite(row.population) else float(row.population),
                "reason": row.excluded,
            }
            for row in apart.itertuples()
        ],
        "allocation": allocation,
        "partly_covered_rule": PARTLY_COVERED_RULE,
    }


def _stated_total(table: CensusTable) -> float | None:
    """Return the residents a grand-total row (合计, 总计) states, to compare with the rows' sum; None without one."""
    for row in table.rows.itertuples():
        words = fold(row.name) + fold(row.subdistrict)
        if ("合计" in words or "总计" in words or words == "total") and np.isfinite(row.population):
            return float(row.population)
    return None


def _nothing_matched(rows: pd.DataFrame, areas: gpd.GeoDataFrame, areas_source: str, matches) -> str:
    table_names = [str(n or c) for n, c in zip(rows["name"], rows["code"], strict=True)][:SHOWN]
    area_names = [_area_label(areas, i) for i in range(len(areas))][:SHOWN]
    if not len(areas):
        return (
            f"the census table's rows ({', '.join(table_names)} …) have no administrative areas to join: "
            f"{areas_source} holds no 街道/社区 boundary here. Give a boundary file of the 街道 or 社区."
        )
    width = max(len(n) for n in [*table_names, "table"])
    lines = [f"    {'table':<{width}}  |  {areas_source}"]
    for i in range(max(len(table_names), len(area_names))):
        left = table_names[i] if i < len(table_names) else ""
        right = area_names[i] if i < len(area_names) else ""
        lines.append(f"    {left:<{width}}  |  {right}")
    reasons = sorted({str(r) for r in matches.reason if r}) if matches is not None else []
    return (
        f"no row of the census table names one of the {len(areas)} administrative areas ({areas_source}); "
        f"a few from each side:\n"
        + "\n".join(lines)
        + (f"\n  ({'; '.join(reasons[:3])})" if reasons else "")
        + "\nCheck that the table and the areas are of the same place and level, or join them by their "
        "statistical codes (a code column in the table and in the boundary file)."
    )


def census_table_in_study(blocks: gpd.GeoDataFrame, report: dict[str, Any] | None) -> gpd.GeoDataFrame:
    """Complete the report with what the study's own blocks hold, and drop the temporary columns.

    Adds to ``report``: per matched row the residents the study's blocks got
    from it, the areas whose residents went partly (or only) to blocks
    outside the study, and the areas with blocks in the study but no row.
    The blocks get ``subdistrict`` and ``community``: the names of the areas
    holding them (:func:`circle.prepare.admin_units.admin_units` keeps them
    where OpenStreetMap maps no unit).

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame
        The study's blocks (after the study area is cut out).
    report : dict or None
        The ``census_table`` report; None when no table was given.
    """
    if _AREA not in blocks.columns:
        return blocks
    if report is not None and len(blocks):
        population = blocks["population"].to_numpy(float)
        from_table = blocks["pop_source"].to_numpy(object) == "census"
        lines = blocks[_ROW].to_numpy(np.int64)
        kept = _by_line(blocks[_SHARES])
        for entry in report["matched"]:
            entry["residents_in_study"] = round(float(kept.get(entry["line"], 0.0)), 1)
        report["residents_in_study"] = round(float(population[from_table].sum()), 1)
        report["areas_partly_in_study"], report["areas_outside_study"] = _areas_cut(report["matched"])
        labels = blocks[_AREA].to_numpy(object)
        without = (~from_table) & (lines < 0) & pd.notna(labels)
        frame = pd.DataFrame({"area": labels[without], "residents": population[without]})
        grouped = frame.groupby("area", sort=True).agg(blocks=("residents", "size"), residents=("residents", "sum"))
        report["areas_without_row"] = [
            {"name": name, "blocks": int(g.blocks), "estimated_residents": round(float(g.residents), 1)}
            for name, g in grouped.iterrows()
        ]
    out = blocks.drop(columns=[_AREA, _ROW, _SHARES, _SUBDISTRICT, _COMMUNITY])
    # the areas' names, for :func:`circle.prepare.admin_units.admin_units` where OpenStreetMap maps no unit
    out["subdistrict"], out["community"] = blocks[_SUBDISTRICT].to_numpy(object), blocks[_COMMUNITY].to_numpy(object)
    return out


def _areas_cut(matched: list[dict]) -> tuple[list[dict], list[dict]]:
    """Return the areas the study holds only part of, and those it holds none of, of the blocks they gave residents.

    An area is partly outside the study when some of its residents went to
    blocks of the data read that are not the study's; an area whose
    residents went to no block at all (it holds none) is neither: it is
    reported as holding no block.
    """
    partly, outside = [], []
    for e in matched:
        given, kept = e.get("residents_to_blocks", e["residents"]), e["residents_in_study"]
        entry = {"name": e["name"] or e["code"], "residents": e["residents"], "in_study": kept, "to_blocks": given}
        if kept < given - 0.5:
            (partly if kept > 0.5 else outside).append(entry)
    return partly, outside
