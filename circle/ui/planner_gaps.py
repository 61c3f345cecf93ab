"""The planner's tables: blocks whose population is flagged (to check first), renewal priorities, downloads."""

from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from circle.i18n import t
from circle.study.columns import BLOCK_ID
from circle.ui import state as key
from circle.ui.data import (
    load_scores,
    load_study,
    stamp,
)
from circle.ui.study_state import StudyState
from circle.ui.text import csv_bytes, md
from circle.words.places import admin_unit_names, has_admin_units, shown_names

TABLE_ROWS = 500  # rows of the priority table on the page
FLAGGED_KEPT = "flagged_kept"  # the check box keeping flagged blocks in the priorities (one per study)
FLAGGED_LIST = "flagged_list"  # the expander listing the flagged blocks (one per study)
GAP_TABS = "gap_tabs"  # the priority tables' tabs (blocks, areas): the areas' table is built only when opened


def _flagged(lang: str, result, study, work: StudyState) -> None:
    """List the blocks whose population is flagged, to be checked before any priority is read."""
    flagged = result.summary.flagged_blocks or []
    if not flagged:
        return
    st.markdown(f"**{t('flag_title', lang)}**")
    st.caption(t("flag_kept_in" if result.summary.flagged_in_priorities else "flag_left_out", lang))
    # the list is built when opened: a city flags a thousand blocks or more, and the map comes first
    listing = st.expander(
        t("flag_list", lang, count=f"{len(flagged):,}"), on_change="rerun", key=work.widget_key(FLAGGED_LIST)
    )
    if listing.open:
        with listing:
            _flagged_table(lang, study, flagged)
    st.checkbox(t("flag_keep", lang), key=work.widget_key(FLAGGED_KEPT))


def _flagged_table(lang: str, study, flagged: list[dict]) -> None:
    """List the flagged blocks (the first :data:`TABLE_ROWS`; the downloads hold every one)."""
    if len(flagged) > TABLE_ROWS:
        st.caption(t("table_first", lang, shown=f"{TABLE_ROWS:,}", total=f"{len(flagged):,}"))
        flagged = flagged[:TABLE_ROWS]
    listed = study.blocks.set_index(study.blocks[BLOCK_ID].astype(str).rename(None), drop=False)
    listed = listed.reindex([row[BLOCK_ID] for row in flagged]).assign(**{BLOCK_ID: lambda frame: frame.index})
    table = pd.DataFrame(
        {
            t("col_name", lang): shown_names(listed, lang),
            t("col_population", lang): [round(row["population"]) for row in flagged],
            t("col_density", lang): [row["density_per_ha"] for row in flagged],
            t("col_flag", lang): [t(f"flag_{row['pop_flag']}", lang) for row in flagged],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")


def gaps_section(lang: str, result, study, work: StudyState) -> None:
    """Show the flagged blocks first, then the renewal priorities (blocks and areas) with their downloads."""
    st.subheader(t("gaps_title", lang))
    _flagged(lang, result, study, work)
    # the areas' tab is built only when opened: a city has thousands of areas, and the map comes first
    blocks_tab, areas_tab = st.tabs([t("blocks_tab", lang), t("areas_tab", lang)], on_change="rerun", key=GAP_TABS)
    ranked = result.scores[result.scores["priority_rank"] > 0].sort_values("priority_rank")
    everyone = len(ranked)
    ranked = ranked.head(TABLE_ROWS)  # the page lists the first; the downloads hold every block
    # only the listed blocks are named (a city has tens of thousands); one missing from the blocks is called by its id
    listed = study.blocks.set_index(study.blocks[BLOCK_ID].astype(str).rename(None), drop=False)
    listed = listed.reindex(ranked[BLOCK_ID].astype(str).to_numpy()).assign(**{BLOCK_ID: lambda frame: frame.index})
    units = admin_unit_names(listed, lang)
    where = {t("col_admin", lang): units} if has_admin_units(study.blocks) else {}
    table = pd.DataFrame(
        {
            t("col_rank", lang): ranked["priority_rank"].to_numpy(),
            t("col_name", lang): shown_names(listed, lang),
            **where,
            t("col_population", lang): ranked["population"].round(0).to_numpy(),
            t("col_score", lang): ranked["score"].to_numpy(),
            t("col_priority", lang): ranked["priority"].round(1).to_numpy(),
            t("col_reasons", lang): ranked[f"reasons_{lang}"].to_numpy(),
        }
    )
    with blocks_tab:
        st.caption(t("select_row_hint", lang))
        if everyone > len(ranked):
            st.caption(t("table_first", lang, shown=f"{len(ranked):,}", total=f"{everyone:,}"))
        event = st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-row",
            key=work.widget_key(key.GAP_TABLE),  # a selection made in one study selects nothing in another
            height=300,
            column_config=_priority_columns(lang),
        )
        rows = event.selection.rows if event is not None else []
        if not rows:
            work.picked_row = None
        else:
            block_id = str(ranked[BLOCK_ID].iloc[rows[0]])
            if work.picked_row != block_id:  # a new selection (the same one comes back on every rerun)
                work.picked_row = block_id
                geometry = study.blocks.set_index(study.blocks[BLOCK_ID].astype(str)).loc[block_id, "geometry"]
                work.bring_into_view(tuple(geometry.bounds), block_id)
                st.rerun()
            _row_detail(lang, table.iloc[rows[0]])
        _downloads(lang, study, result.summary.preset, "blocks", empty=not everyone)
    if areas_tab.open is False:
        return
    with areas_tab:
        areas = result.areas
        if len(areas) > TABLE_ROWS:  # listed by priority; the downloads hold every area
            st.caption(t("table_first", lang, shown=f"{TABLE_ROWS:,}", total=f"{len(areas):,}"))
            areas = areas.head(TABLE_ROWS)
        area_table = pd.DataFrame(
            {
                t("col_area", lang): areas["area_id"].to_numpy() if len(areas) else [],
                t("col_blocks", lang): areas["blocks"].to_numpy() if len(areas) else [],
                t("col_population", lang): areas["population"].round(0).to_numpy() if len(areas) else [],
                t("col_priority", lang): areas["priority"].round(1).to_numpy() if len(areas) else [],
                t("col_missing", lang): areas[f"missing_{lang}"].to_numpy() if len(areas) else [],
            }
        )
        st.dataframe(area_table, hide_index=True, width="stretch", height=300, column_config=_priority_columns(lang))
        _downloads(lang, study, result.summary.preset, "areas", empty=not len(result.areas))


def _priority_columns(lang: str) -> dict:
    """Return the priority tables' column settings: the priority's unit and meaning, room for the reasons."""
    return {
        t("col_priority", lang): st.column_config.NumberColumn(
            t("col_priority", lang), help=t("col_priority_help", lang), format="%,.0f"
        ),
        t("col_population", lang): st.column_config.NumberColumn(t("col_population", lang), format="%,.0f"),
        t("col_reasons", lang): st.column_config.TextColumn(
            t("col_reasons", lang), help=t("col_reasons_help", lang), width="large"
        ),
        t("col_missing", lang): st.column_config.TextColumn(t("col_missing", lang), width="large"),
    }


def _row_detail(lang: str, row: pd.Series) -> None:
    """Show the selected priority row whole: its place, figures and every reason, wrapped."""
    name = row[t("col_name", lang)]
    where = row.get(t("col_admin", lang))
    heading = f"**#{int(row[t('col_rank', lang)])} {md(name)}**"
    if where and where != name:
        heading += f" · {md(where)}"
    figures = t(
        "row_detail_figures",
        lang,
        population=f"{row[t('col_population', lang)]:,.0f}",
        score=f"{row[t('col_score', lang)]:.0f}",
        priority=f"{row[t('col_priority', lang)]:,.0f}",
    )
    text = str(row[t("col_reasons", lang)])
    _, colon, rest = text.partition("：" if lang == "zh" else ": ")  # "居民 1,234 人：" is in the figures
    reasons = [r.strip() for r in (rest if colon else text).split(t("clause_sep", lang).strip()) if r.strip()]
    with st.container(border=True):
        st.markdown(f"{heading}  \n{figures}")
        st.markdown("\n".join(f"- {md(reason)}" for reason in reasons))


def _downloads(lang: str, study, preset: str, what: str, empty: bool = False) -> None:
    """Offer the CSV and GeoPackage, made only when the button is pressed (a city's files are megabytes)."""
    where, created = str(study.path), study.summary.created
    first, second = st.columns(2)
    first.download_button(
        t("download_csv", lang),
        lambda: _download_files(where, created, preset, what)[0],
        file_name=f"{study.path.name}-{what}.csv",
        mime="text/csv",
        key=f"csv_{what}",
        on_click="ignore",
    )
    second.download_button(
        t("download_gpkg", lang),
        lambda: _download_files(where, created, preset, what)[1],
        file_name=f"{study.path.name}-{what}.gpkg",
        mime="application/geopackage+sqlite3",
        key=f"gpkg_{what}",
        on_click="ignore",
        disabled=empty,
    )


@st.cache_data(max_entries=16, show_spinner=False)
def _download_files(path: str, _created: str, preset: str, what: str) -> tuple[bytes, bytes]:
    """Return the CSV and GeoPackage of the ranked blocks or areas (made once per study and preset)."""
    path_obj = Path(path)
    result = load_scores(path, stamp(path_obj), preset)
    study = load_study(path, stamp(path_obj))
    if what == "blocks":
        ranked = result.scores[result.scores["priority_rank"] > 0].sort_values("priority_rank")
        geometry = study.blocks.set_index(BLOCK_ID).loc[ranked[BLOCK_ID], "geometry"].to_numpy()
        geo = gpd.GeoDataFrame(ranked.reset_index(drop=True), geometry=geometry, crs="EPSG:4326")
    else:
        geo = result.areas
    csv = csv_bytes(pd.DataFrame(geo.drop(columns="geometry")))
    if not len(geo):
        return csv, b""
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / f"{what}.gpkg"
        geo.to_file(target, driver="GPKG", layer=what)
        return csv, target.read_bytes()
