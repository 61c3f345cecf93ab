"""The resident's page: one neighbourhood's score, what is near, what is missing."""

from __future__ import annotations

import numpy as np
import streamlit as st

from circle.i18n import t
from circle.ui import maps
from circle.ui import state as key
from circle.ui.data import choose_study


def page() -> None:
    """Render the resident page (a first version; the resident issue extends it)."""
    lang = st.session_state.get(key.LANG, "zh")
    st.title(t("page_resident", lang))
    chosen = choose_study(lang, "resident_study")
    if chosen is None:
        return
    _, study, result = chosen
    query = st.text_input(t("resident_search", lang), key="resident_query")
    blocks = study.blocks
    names_series = blocks["name"].fillna("").astype(str)
    matches = blocks[names_series.str.contains(query, case=False, regex=False)] if query else blocks.iloc[:0]
    if matches.empty:
        return
    block_id = st.selectbox(
        t("study", lang),
        matches["block_id"].tolist(),
        key="resident_block",
        format_func=lambda b: names_series[blocks["block_id"] == b].iloc[0] or b,
    )
    row = result.scores.set_index("block_id").loc[block_id]
    block = blocks.set_index("block_id").loc[block_id]
    st.header(t("resident_score", lang, score=f"{row['score']:.0f}", band=row[f"band_{lang}"]))
    facilities = study.facilities.set_index("facility_id")
    for category, label in result.labels.items():
        minutes = block[f"{category}_t1"]
        if np.isnan(minutes):
            st.write(t("resident_none", lang, category=label[lang]))
            continue
        name = facilities.loc[block[f"{category}_id1"], "name"]
        st.write(
            t(
                "resident_nearest",
                lang,
                category=label[lang],
                name=maps.escape(name) if isinstance(name, str) and name else t("unnamed", lang),
                minutes=f"{minutes:.0f}",
            )
        )
    st.caption(t("attribution", lang))
