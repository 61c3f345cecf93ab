"""Widgets shared by pages: building a study from an upload or a server path."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from circle.errors import CircleError
from circle.i18n import t

UPLOAD_LIMIT_MB = 200


def study_builder(lang: str, root: Path) -> None:
    """Build a study from an uploaded ``.osm.pbf``/``.osm`` file or a path on the server.

    Optional: the bureau's facility list (CSV/Excel in WGS-84, GCJ-02 or
    BD-09), census polygons, a DEM, the walking profile, and whether gated
    compounds are left only through their gates. Uploads are checked by their
    content, saved under fixed names in a temporary folder that is removed
    afterwards, and never used as paths.
    """
    from circle.pipeline import AnalysisOptions, analyze
    from circle.scenarios import check_name
    from circle.standards import profile_names

    upload = st.file_uploader(t("upload", lang, limit=UPLOAD_LIMIT_MB), type=["pbf", "osm"], key="upload_osm")
    server_path = st.text_input(t("server_path", lang), key="server_osm_path")
    name = st.text_input(t("new_study_name", lang), value="my-study", key="new_study_name")
    profile = st.selectbox(t("profile", lang), profile_names(), key="build_profile")
    with st.expander(t("build_more", lang)):
        table = st.file_uploader(t("build_facilities", lang), type=["csv", "xlsx"], key="upload_facilities")
        systems = {"wgs84": "WGS-84 (GPS, OSM)", "gcj02": "GCJ-02（高德 AMap、腾讯）", "bd09": "BD-09（百度 Baidu）"}
        system = st.radio(
            t("build_facilities_crs", lang), list(systems), format_func=systems.get, horizontal=True, key="build_crs"
        )
        mode = st.radio(
            t("build_facilities_mode", lang),
            ["add", "replace"],
            format_func=lambda m: t(f"build_mode_{m}", lang),
            horizontal=True,
            key="build_mode",
        )
        census = st.file_uploader(t("build_census", lang), type=["geojson", "json", "gpkg"], key="upload_census")
        dem = st.file_uploader(t("build_dem", lang), type=["tif", "tiff"], key="upload_dem")
        ignore_gates = st.checkbox(t("build_ignore_gates", lang), key="build_ignore_gates")
    if not st.button(t("build", lang), key="build_study"):
        return
    try:
        check_name(name)
        if upload is None and not server_path:
            raise CircleError(t("upload", lang, limit=UPLOAD_LIMIT_MB))
        with tempfile.TemporaryDirectory(prefix="circle-build-") as scratch:
            folder = Path(scratch)
            if upload is not None:
                # the name is never used as a path: the file is stored under a fixed name
                source = _save_upload(upload, folder / "upload.osm.data", UPLOAD_LIMIT_MB, OSM_MAGIC, lang)
            else:
                source = Path(server_path).expanduser()
            options = AnalysisOptions(source=source, out=root / name, profile=profile, use_gates=not ignore_gates)
            if table is not None:
                is_excel = table.getvalue()[:4] == b"PK\x03\x04"
                target = folder / ("facilities.xlsx" if is_excel else "facilities.csv")
                options.facilities_file = _save_upload(table, target, TABLE_LIMIT_MB, None, lang)
                options.facilities_crs, options.facilities_mode = system, mode
            if census is not None:
                is_gpkg = census.getvalue()[:16].startswith(b"SQLite format 3")
                target = folder / ("census.gpkg" if is_gpkg else "census.geojson")
                options.census_file = _save_upload(census, target, TABLE_LIMIT_MB, None, lang)
            if dem is not None:
                options.dem_file = _save_upload(dem, folder / "dem.tif", UPLOAD_LIMIT_MB, TIFF_MAGIC, lang)
            progress = st.progress(0.0, text=t("building", lang))
            steps = [0]

            def on_stage(message: str) -> None:
                steps[0] += 1
                progress.progress(min(steps[0] / 7, 1.0), text=message)

            result = analyze(options, on_stage=on_stage)
            progress.progress(1.0)
        st.success(t("built", lang, name=name))
        offset = (result.summary.get("imports") or {}).get("facilities", {}).get("offset_check", {})
        if offset.get("suggested"):
            st.warning(offset["message"])
    except CircleError as exc:
        st.error(t("error", lang, message=str(exc)))


OSM_MAGIC = (b"<?xml", b"<osm", b"\x00\x00")  # XML, or a PBF's 4-byte big-endian header length
TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
TABLE_LIMIT_MB = 50


def _save_upload(upload, target: Path, limit_mb: int, magic: tuple[bytes, ...] | None, lang: str) -> Path:
    """Write an upload to ``target`` after checking its size and (when given) the bytes it starts with."""
    if upload.size > limit_mb * 1024 * 1024:
        raise CircleError(t("too_large", lang, limit=limit_mb))
    head = upload.getvalue()[:16].lstrip(b"\xef\xbb\xbf \t\r\n")
    if magic is not None and not head.startswith(magic):
        raise CircleError(t("wrong_type", lang, name=upload.name))
    target.write_bytes(upload.getbuffer())
    return target


def choice(
    container, kind: str, label: str, options: list, state_key: str, lang: str, format_func, default=None, **kwargs
):
    """Show a selectbox, radio or multiselect whose option labels follow the language.

    Streamlit keeps a keyed widget's option labels when only the labels
    change; keying the widget by language renews them, and the chosen value
    is carried across languages in ``st.session_state[state_key]``.
    """
    current = st.session_state.get(state_key, default)
    widget_key = f"{state_key}__{lang}"
    if kind == "multiselect":
        chosen = [c for c in (current if current is not None else options) if c in options]
        value = container.multiselect(label, options, default=chosen, key=widget_key, format_func=format_func, **kwargs)
    else:
        index = options.index(current) if current in options else 0
        value = getattr(container, kind)(label, options, index=index, key=widget_key, format_func=format_func, **kwargs)
    st.session_state[state_key] = value
    return value
