"""Streamlit's and Leaflet.draw's own words, in the reader's language.

Streamlit has no locale: a selectbox says "Choose an option" and a file box
"Drag and drop file here", "Limit 200MB per file" and "Upload" whatever the
page's language. The choice boxes take our words through their documented
``placeholder=`` (:func:`placeholder`); a file box is drawn by
:func:`file_box`, which gives the box its own limit (``max_upload_size``,
enforced by the browser before sending), hides Streamlit's English lines
with CSS (:func:`hide_uploader_words`, once per page) and writes the
limit and the file types in a caption of ours, so the words shown are the
limit enforced. Leaflet.draw reads its tooltips and toolbar titles from
``L.drawLocal``; :func:`localise_drawing` sets it before the drawing tools
are made.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import streamlit as st

from circle.i18n import t

#: the file box's English lines: the drag-and-drop line, the limit line, the button's label (its icon stays)
_UPLOADER_CSS = """
<style>
[data-testid="stFileUploaderDropzoneInstructions"] { visibility: hidden; height: 0; overflow: hidden; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"],
[data-testid="stFileUploaderDropzone"] button > div > span:not([data-testid="stIconMaterial"]) {
  visibility: hidden; width: 0; display: inline-block; overflow: hidden;
}
[data-testid="stFileUploaderDropzone"] button::after { content: %s; }
</style>
"""


def hide_uploader_words(lang: str) -> None:
    """Hide Streamlit's English words in every file box of the page and label their button in ``lang``."""
    st.html(_UPLOADER_CSS % json.dumps(t("uploader_browse", lang)))


def file_box(container, label: str, types: Sequence[str], limit_mb: int, widget_key: str, lang: str, **kwargs):
    """Show a file box that takes files of ``types`` up to ``limit_mb`` MB, its words in ``lang``.

    The browser refuses a larger file before sending it; the server checks
    the size again when it saves the upload. Call :func:`hide_uploader_words`
    once on the page as well.
    """
    upload = container.file_uploader(label, type=list(types), key=widget_key, max_upload_size=int(limit_mb), **kwargs)
    shown_types = " / ".join(f".{kind}" for kind in types)
    container.caption(t("uploader_limit", lang, types=shown_types, limit=limit_mb))
    return upload


def placeholder(lang: str, options: Sequence, many: bool = False) -> str:
    """Return a choice box's placeholder in ``lang``: what to do, or that there is nothing to choose."""
    if not options:
        return t("no_options", lang)
    return t("choose_options" if many else "choose_option", lang)


def draw_words(lang: str) -> dict | None:
    """Return Leaflet.draw's words (``L.drawLocal``) in ``lang``, or None for its own English."""
    from circle.i18n.builder_strings import DRAW_LOCAL_ZH

    return DRAW_LOCAL_ZH if lang == "zh" else None


def localise_drawing(fmap, lang: str | None = None) -> None:
    """Give ``fmap``'s drawing tools (added after this call) their tooltips and titles in ``lang``.

    ``lang`` defaults to the page's language (``st.session_state``).
    """
    from branca.element import MacroElement, Template

    from circle.ui import state as key

    words = draw_words(lang or st.session_state.get(key.LANG, "zh"))
    if words is None:
        return
    element = MacroElement()
    element._template = Template(
        "{% macro script(this, kwargs) %}"
        "(function merge(into, from) { for (var k in from) {"
        " if (typeof from[k] === 'object' && into[k]) { merge(into[k], from[k]); } else { into[k] = from[k]; } }"
        f"}})(L.drawLocal, {json.dumps(words, ensure_ascii=False)});"
        "{% endmacro %}"
    )
    element.add_to(fmap)
