"""Widgets shared by pages: building a study from an upload or a server path."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from circle.errors import CircleError
from circle.i18n import t

UPLOAD_LIMIT_MB = 200


def study_builder(lang: str, root: Path) -> None:
    """Build a study from an uploaded ``.osm.pbf``/``.osm`` file or a path on the server."""
    from circle.pipeline import AnalysisOptions, analyze
    from circle.scenarios import check_name

    upload = st.file_uploader(t("upload", lang, limit=UPLOAD_LIMIT_MB), type=["pbf", "osm"], key="upload_osm")
    server_path = st.text_input(t("server_path", lang), key="server_osm_path")
    name = st.text_input(t("new_study_name", lang), value="my-study", key="new_study_name")
    if not st.button(t("build", lang), key="build_study"):
        return
    try:
        check_name(name)
        if upload is None and not server_path:
            raise CircleError(t("upload", lang, limit=UPLOAD_LIMIT_MB))
        with tempfile.TemporaryDirectory() as scratch:
            if upload is not None:
                if upload.size > UPLOAD_LIMIT_MB * 1024 * 1024:
                    raise CircleError(t("too_large", lang, limit=UPLOAD_LIMIT_MB))
                # the name is never used as a path: the file is stored under a fixed name
                source = Path(scratch) / "upload.osm.data"
                source.write_bytes(upload.getbuffer())
            else:
                source = Path(server_path).expanduser()
            progress = st.progress(0.0, text=t("building", lang))
            steps = [0]

            def on_stage(message: str) -> None:
                steps[0] += 1
                progress.progress(min(steps[0] / 6, 1.0), text=message)

            analyze(AnalysisOptions(source=source, out=root / name), on_stage=on_stage)
            progress.progress(1.0)
        st.success(t("built", lang, name=name))
    except CircleError as exc:
        st.error(t("error", lang, message=str(exc)))
