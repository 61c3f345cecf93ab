"""The report page: a study's figures on one page, the PDF gap report, and its tables to take away.

The PDF is made by :func:`circle.tasks.report.report` (what ``circle report``
runs) into a temporary folder, kept in this session's state only, and offered
for download.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from circle.errors import CircleError
from circle.i18n import t
from circle.report.filing import FilingDetails, settings_details
from circle.report.standard_words import standard_with_minutes
from circle.study.scenarios import list_scenarios
from circle.tasks.report import area_in_wgs84, report
from circle.tasks.score import preset_of
from circle.ui import state as key
from circle.ui.builtin_words import file_box, hide_uploader_words
from circle.ui.data import choose_study
from circle.ui.paths import shown
from circle.ui.text import csv_bytes, md
from circle.ui.widgets import _save_upload, layer_system_choice
from circle.words.findings import counted_label, coverage_notes


def page(studies: Path | None = None) -> None:
    """Render the report page for the studies under ``studies`` (default :func:`~circle.ui.data.studies_root`)."""
    lang = st.session_state.get(key.LANG, "zh")
    st.title(t("page_report", lang))
    chosen = choose_study(lang, "report_study", root=studies)
    if chosen is None:
        return
    path, study, result = chosen
    summary = result.summary
    source = study.summary.source
    st.markdown(
        t(
            "report_source",
            lang,
            file=md(source.file),
            date=md(data_date(source.data_timestamp)),
            profile=md(study.summary.profile.label_in(lang)),
            preset=md(study.summary.preset.title_in(lang)),
        )
    )
    first, second, third, fourth = st.columns(4)
    first.metric(t("residents", lang), f"{summary.population:,.0f}")
    second.metric(t("f15", lang), "—" if summary.F15 is None else f"{100 * summary.F15:.1f}%")
    third.metric(t("proximity", lang), t("minutes", lang, value=summary.proximity_min))
    fourth.metric(t("gini", lang), f"{summary.gini_proximity:.3f}")
    preset = preset_of(study)  # the standard in its own numbers (300米), the walkers' minutes beside
    speed = study.summary.profile.speed
    table = pd.DataFrame(
        {
            t("category", lang): [result.labels[c][lang] for c in summary.categories],
            t("report_threshold", lang): [
                standard_with_minutes(preset.category(c), preset.scoring.criterion, speed, lang)
                for c in summary.categories
            ],
            t("demand_counts", lang): [counted_label(v, lang) for v in summary.categories.values()],
            t("coverage", lang): [f"{100 * v.coverage:.1f}%" for v in summary.categories.values()],
            t("unserved", lang): [f"{v.unserved:,.0f}" for v in summary.categories.values()],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    for note in coverage_notes(summary.categories, lang):  # a category counting everyone for want of ages
        st.caption(md(note))
    scores_csv = csv_bytes(result.scores)
    st.download_button(
        t("report_scores", lang), scores_csv, file_name=f"{path.name}-scores.csv", mime="text/csv", key="report_scores"
    )
    st.download_button(
        t("report_summary", lang),
        json.dumps(summary.to_dict(), ensure_ascii=False, indent=2, default=str).encode("utf-8"),
        file_name=f"{path.name}-summary.json",
        mime="application/json",
        key="report_summary",
    )
    pdf_section(path, study, lang)
    st.caption(t("attribution", lang))


def data_date(timestamp: str | None) -> str:
    """Return the day of the data's timestamp as a planner reads it (OSM's ISO time, to the day), or a dash.

    Examples
    --------
    >>> data_date("2024-05-01T00:00:00Z"), data_date(None), data_date("May 2024")
    ('2024-05-01', '—', 'May 2024')
    """
    if not timestamp:
        return "—"
    day = re.match(r"\d{4}-\d{2}-\d{2}", timestamp)
    return day.group(0) if day else timestamp


AREA_LIMIT_MB = 20  # the area box's own limit (its browser refuses more); under the server's (serve.UPLOAD_LIMIT_MB)
AREA_MAGIC = (b"{", b"SQLite format 3")  # GeoJSON or GeoPackage


def pdf_section(path: Path, study, lang: str) -> None:
    """Offer the PDF gap report: language, scenario and sub-area, a progress bar, then a download."""
    st.subheader(t("report_pdf", lang))
    languages = {"zh": "中文", "en": "English"}
    report_lang = st.radio(
        t("report_pdf_lang", lang),
        list(languages),
        format_func=languages.get,
        horizontal=True,
        index=0 if lang == "zh" else 1,
        key="report_pdf_lang",
    )
    scenarios = [s["name"] for s in list_scenarios(study)]
    scenario = st.selectbox(
        t("report_pdf_scenario", lang), [None, *scenarios], format_func=lambda n: n or "—", key="report_pdf_scenario"
    )
    hide_uploader_words(lang)
    area = file_box(
        st,
        t("report_pdf_area", lang, limit=AREA_LIMIT_MB),
        ["geojson", "json", "gpkg"],
        AREA_LIMIT_MB,
        "report_pdf_area",
        lang,
    )
    area_system = layer_system_choice(lang, t("report_pdf_area_crs", lang), "report_pdf_area_crs")
    filing = filing_inputs(lang)
    if st.button(t("report_pdf_make", lang), key="report_pdf_make", type="primary"):
        progress = st.progress(0.0, text=t("rpt_progress_data", report_lang))
        try:
            with tempfile.TemporaryDirectory(prefix="circle-report-") as scratch:
                area_file = None
                if area is not None:
                    # checked by content; the uploaded name is never used as a path
                    suffix = ".gpkg" if area.getvalue()[:16].startswith(b"SQLite format 3") else ".geojson"
                    area_file = _save_upload(area, Path(scratch) / f"area{suffix}", AREA_LIMIT_MB, AREA_MAGIC, lang)
                    area_file = area_in_wgs84(area_file, area_system, Path(scratch) / "area-wgs84.geojson")
                result = report(
                    study,
                    Path(scratch) / "report.pdf",
                    report_lang,
                    area_file,
                    scenario,
                    progress=lambda fraction, message: progress.progress(fraction, text=message),
                    filing=filing,
                )
                st.session_state["report_pdf"] = {
                    "study": str(path),
                    "bytes": result.path.read_bytes(),
                    "name": f"{path.name}-{report_lang}{'-' + scenario if scenario else ''}.pdf",
                    "pages": result.pages,
                    "seconds": result.seconds,
                }
        except CircleError as exc:
            progress.empty()
            st.error(t("error", lang, message=shown(exc)))
    made = st.session_state.get("report_pdf")
    if made and made["study"] == str(path):
        st.caption(
            t("report_pdf_made", lang, pages=made["pages"], size=len(made["bytes"]) / 1e6, seconds=made["seconds"])
        )
        st.download_button(
            t("report_pdf_download", lang),
            made["bytes"],
            file_name=made["name"],
            mime="application/pdf",
            key="report_pdf_download",
        )


def filing_inputs(lang: str):
    """Return what the report's cover files it under, from a few text inputs pre-filled from the settings.

    Left empty, the place comes from the data's 街道/社区 and the other lines stay blank to fill in by hand
    (:mod:`circle.report.filing`).
    """
    settings = settings_details()
    with st.expander(t("report_filing", lang), expanded=False):
        first, second = st.columns(2)
        place = first.text_input(t("report_filing_place", lang), value=settings.place, key="report_filing_place")
        issuer = second.text_input(t("filing_issuer", lang), value=settings.issuer, key="report_filing_issuer")
        author = first.text_input(t("filing_author", lang), value=settings.author, key="report_filing_author")
        number = second.text_input(t("filing_number", lang), value="", key="report_filing_number")
        st.caption(t("report_filing_note", lang))
    return FilingDetails(place=place, place_en=settings.place_en, issuer=issuer, author=author, number=number)
