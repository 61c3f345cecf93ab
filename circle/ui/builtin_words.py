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
are made. What no API reaches (Streamlit's screen-reader labels and
tooltips such as "Skip to main content", "Remove 幼儿园", "Help for …",
a table's "Search", Leaflet's "Zoom in") is put in the reader's language
on the page by :func:`translate_builtin_words`: a script that replaces
exactly those texts and attributes, in the page and in the map's frame,
and puts the English back when the reader switches to English.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import streamlit as st
from branca.element import MacroElement, Template

from circle.i18n import t
from circle.i18n.builder_strings import BUILTIN_PATTERNS_ZH, BUILTIN_WORDS_ZH, DRAW_LOCAL_ZH
from circle.ui import state as key

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
    st.html(_UPLOADER_CSS % json.dumps(t("uploader_browse", lang), ensure_ascii=False))


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
    return DRAW_LOCAL_ZH if lang == "zh" else None


def localise_drawing(fmap, lang: str | None = None) -> None:
    """Give ``fmap``'s drawing tools (added after this call) their tooltips and titles in ``lang``.

    ``lang`` defaults to the page's language (``st.session_state``).
    """
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


_TRANSLATOR = """
<script>
(function () {
  var words = %(words)s, patterns = %(patterns)s;
  var state = window.__circleWords || (window.__circleWords = {texts: new WeakMap(), observed: new WeakSet()});
  state.words = words;
  state.patterns = patterns.map(function (p) { return [new RegExp(p[0]), p[1]]; });
  var ATTRIBUTES = ["aria-label", "title", "placeholder"];
  function translated(text) {
    var key = text.trim();
    if (!key) return null;
    if (Object.prototype.hasOwnProperty.call(state.words, key)) return state.words[key];
    for (var i = 0; i < state.patterns.length; i++) {
      if (state.patterns[i][0].test(key)) return key.replace(state.patterns[i][0], state.patterns[i][1]);
    }
    return null;
  }
  // what was put in another language is remembered with what it replaced, so that it can be put back;
  // a text or attribute the page has rewritten since is taken as the page's own again
  function element(el) {
    ATTRIBUTES.forEach(function (name) {
      var value = el.getAttribute(name), kept = "data-circle-en-" + name, put = "data-circle-put-" + name;
      if (value === null) return;
      if (el.hasAttribute(put) && el.getAttribute(put) !== value) { el.removeAttribute(kept); el.removeAttribute(put); }
      var english = el.hasAttribute(kept) ? el.getAttribute(kept) : value;
      var words = translated(english);
      if (words !== null) {
        el.setAttribute(kept, english);
        el.setAttribute(put, words);
        if (value !== words) el.setAttribute(name, words);
      } else if (el.hasAttribute(kept)) {
        el.removeAttribute(kept);
        el.removeAttribute(put);
        el.setAttribute(name, english);
      }
    });
  }
  function text(node) {
    var memory = state.texts.get(node);
    if (memory && memory.put !== node.nodeValue) { state.texts.delete(node); memory = null; }
    var english = memory ? memory.english : node.nodeValue;
    var words = translated(english);
    if (words !== null) {
      state.texts.set(node, {english: english, put: words});
      if (node.nodeValue !== words) node.nodeValue = words;
    } else if (memory) {
      state.texts.delete(node);
      node.nodeValue = english;
    }
  }
  function visit(root) {
    if (!root) return;
    if (root.nodeType === 3) { text(root); return; }
    if (root.nodeType !== 1 && root.nodeType !== 9) return;
    if (root.nodeType === 1) element(root);
    var walker = (root.ownerDocument || root).createTreeWalker(root, 5);  // elements and texts
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeType === 3) {
        if (!node.parentElement || !node.parentElement.closest("script, style")) text(node);
        continue;
      }
      if (node.closest && node.closest("script, style")) continue;
      element(node);
      if (node.tagName === "IFRAME") frame(node);
    }
  }
  function frame(iframe) {
    var watch = function () {
      try { if (iframe.contentDocument && iframe.contentDocument.body) observe(iframe.contentDocument); } catch (e) {}
    };
    if (!state.observed.has(iframe)) { state.observed.add(iframe); iframe.addEventListener("load", watch); }
    watch();
  }
  function observe(doc) {
    visit(doc.body);
    if (state.observed.has(doc)) return;
    state.observed.add(doc);
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        if (change.type === "childList") change.addedNodes.forEach(visit);
        else if (change.type === "characterData") text(change.target);
        else element(change.target);
      });
    }).observe(doc.body, {subtree: true, childList: true, characterData: true, attributes: true,
                          attributeFilter: ATTRIBUTES});
  }
  observe(document);
})();
</script>
"""


def translate_builtin_words(lang: str, container=None) -> None:
    """Put Streamlit's and Leaflet's own words on this page (and in its map's frame) in ``lang``.

    The words are a fixed table (:data:`~circle.i18n.builder_strings.BUILTIN_WORDS_ZH`), never
    anything from a user or the data; in English the table is empty and every word put in
    Chinese before is put back. Call it once per run (the app's frame does).
    """
    words, patterns = (BUILTIN_WORDS_ZH, BUILTIN_PATTERNS_ZH) if lang == "zh" else ({}, [])
    script = _TRANSLATOR % {
        "words": json.dumps(words, ensure_ascii=False),
        "patterns": json.dumps(patterns, ensure_ascii=False),
    }
    (container or st).html(script, unsafe_allow_javascript=True)
