"""The planner's "changes" view: a comparison of two studies (``circle compare``) on a map and in a table."""

from __future__ import annotations

from pathlib import Path

import folium
import numpy as np
import streamlit as st
from streamlit_folium import st_folium

from circle.i18n import percent, t
from circle.study.columns import BLOCK_ID, POPULATION, PROXIMITY_MIN, SCORE
from circle.study.comparison import change_column, change_status, read_comparison
from circle.study.files import SUMMARY
from circle.ui import maps
from circle.ui import state as key

#: At most this many changed blocks are drawn (the most populous first), so a city's map stays light.
MOST_DRAWN = 4000
COLOURS = {"gained": "#4c9a6a", "lost": "#e4572e", "mixed": "#f2a541", "appeared": "#5b8fd6"}


@st.cache_data(max_entries=8, show_spinner=False)
def _comparison(path: str, _stamp: float):
    summary, blocks, vanished = read_comparison(path)
    return summary, blocks, vanished, change_status(summary, blocks)


def changes_panel(lang: str, root: Path, comparisons: list[Path]) -> None:
    """Let the planner pick a comparison and show what changed: figures per category and a map of the blocks."""
    if not comparisons:
        st.caption(t("changes_none", lang, root=root.name))  # the folder, not where it lies
        return
    names = [p.name for p in comparisons]
    # nothing is read or drawn until a comparison is chosen: an expander's content runs even when closed
    chosen = st.selectbox(
        t("changes_pick", lang), names, index=None, placeholder=t("changes_placeholder", lang), key=key.COMPARISON
    )
    if chosen is None:
        return
    path = comparisons[names.index(chosen)]
    summary, blocks, vanished, status = _comparison(str(path), (path / SUMMARY).stat().st_mtime)
    counts = summary["blocks"]
    st.write(
        t(
            "changes_line",
            lang,
            old=summary["old"]["label"],
            new=summary["new"]["label"],
            by_id=f"{counts['matched_by_id']:,}",
            by_overlap=f"{counts['matched_by_overlap']:,}",
            appeared=f"{counts['appeared']:,}",
            vanished=f"{counts['vanished']:,}",
        )
    )
    label_of = {k: v["zh" if lang == "zh" else "en"] for k, v in summary["labels"].items()}
    rows = [
        {
            t("category", lang): t("demand_category_group", lang, label=label_of[k], group=v["group"][lang])
            if v.get("group")
            else label_of[k],
            t("rpt_compare_old", lang): percent(v["coverage_old"]),
            t("rpt_compare_new", lang): percent(v["coverage_new"]),
            t("rpt_newly_served", lang): f"{v['newly_served']:,.0f}",
            t("rpt_compare_no_longer", lang): f"{v['no_longer_served']:,.0f}",
        }
        for k, v in summary["categories"].items()
    ]
    st.dataframe(rows, hide_index=True, use_container_width=True)
    fmap, bounds = _change_map(lang, blocks, vanished, status)
    center, zoom = maps.view_of(bounds, pixels=480)
    st_folium(
        fmap, key="changes_map", height=520, use_container_width=True, center=center, zoom=zoom, returned_objects=[]
    )
    shown = int((status != "unchanged").sum())
    if shown > MOST_DRAWN:
        st.caption(t("changes_capped", lang, shown=f"{MOST_DRAWN:,}", total=f"{shown:,}"))


def _change_map(lang: str, blocks, vanished, status: np.ndarray) -> tuple[folium.Map, tuple]:
    changed = np.flatnonzero(status != "unchanged")
    changed = changed[np.argsort(-blocks["population"].to_numpy(float)[changed], kind="stable")][:MOST_DRAWN]
    # framed on what changed (the whole study when nothing did)
    framed = blocks.iloc[changed] if len(changed) else blocks
    west, south, east, north = framed.total_bounds
    fmap = maps.base_map((west, south, east, north), "osm", lang=lang)
    for kind, colour in COLOURS.items():
        rows = changed[status[changed] == kind]
        if not len(rows):
            continue
        shown = [BLOCK_ID, POPULATION, change_column(SCORE), change_column(PROXIMITY_MIN)]
        frame = blocks.iloc[rows][[*shown, "geometry"]]
        frame = frame.assign(geometry=frame.geometry.simplify(0.00002))
        folium.GeoJson(
            frame.to_json(),
            name=t(f"rpt_change_{kind}", lang),
            style_function=lambda _, c=colour: {"color": c, "weight": 1, "fillColor": c, "fillOpacity": 0.6},
            tooltip=folium.GeoJsonTooltip(
                shown,
                aliases=[t("changes_tip_block", lang), t("changes_tip_pop", lang), "Δ score", "Δ min"],
            ),
        ).add_to(fmap)
    if len(vanished):
        folium.GeoJson(
            vanished[[BLOCK_ID, "geometry"]].to_json(),
            name=t("rpt_change_vanished", lang),
            style_function=lambda _: {"color": "#222222", "weight": 1.5, "dashArray": "4 3", "fill": False},
        ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    maps.use_local_leaflet(fmap)
    return fmap, (west, south, east, north)
