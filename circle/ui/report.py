"""The report page: a study's figures on one page, and its tables to take away.

The printable PDF gap report is the report issue's work; this page shows the
figures it will hold and offers them as files.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from circle.i18n import t
from circle.ui import state as key
from circle.ui.data import choose_study


def page() -> None:
    """Render the report page."""
    lang = st.session_state.get(key.LANG, "zh")
    st.title(t("page_report", lang))
    chosen = choose_study(lang, "report_study")
    if chosen is None:
        return
    path, study, result = chosen
    summary = result.summary
    source = study.summary["source"]
    st.markdown(
        t(
            "report_source",
            lang,
            file=source["file"],
            date=source.get("data_timestamp") or "—",
            profile=study.summary["profile"]["label"][lang],
            preset=study.summary["preset"]["title"][lang],
        )
    )
    first, second, third, fourth = st.columns(4)
    first.metric(t("residents", lang), f"{summary['population']:,.0f}")
    second.metric(t("f15", lang), "—" if summary["F15"] is None else f"{100 * summary['F15']:.1f}%")
    third.metric(t("proximity", lang), t("minutes", lang, value=summary["proximity_min"]))
    fourth.metric(t("gini", lang), f"{summary['gini_proximity']:.3f}")
    table = pd.DataFrame(
        {
            t("category", lang): [result.labels[c][lang] for c in summary["categories"]],
            t("report_threshold", lang): [summary["thresholds_min"][c] for c in summary["categories"]],
            t("coverage", lang): [f"{100 * v['coverage']:.1f}%" for v in summary["categories"].values()],
            t("unserved", lang): [f"{v['unserved']:,.0f}" for v in summary["categories"].values()],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    scores_csv = result.scores.to_csv(index=False).encode("utf-8-sig")
    st.download_button(
        t("report_scores", lang), scores_csv, file_name=f"{path.name}-scores.csv", mime="text/csv", key="report_scores"
    )
    st.download_button(
        t("report_summary", lang),
        json.dumps(summary, ensure_ascii=False, indent=2, default=str).encode("utf-8"),
        file_name=f"{path.name}-summary.json",
        mime="application/json",
        key="report_summary",
    )
    st.caption(t("report_pdf_later", lang))
    st.caption(t("attribution", lang))
