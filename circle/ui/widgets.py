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
