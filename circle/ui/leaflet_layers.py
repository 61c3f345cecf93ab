"""Leaflet layers whose data the browser fetches as files, so the map's script stays a few kilobytes.

folium writes every feature into the page's script, and the script is
compiled as a template on every rerun: a city's 25,000 facilities cost
seconds before the browser sees anything. These layers carry only the URL
of a file written once (:mod:`circle.ui.served`) and build their markers in
the browser; a rerun with the same data sends the same short script, which
the browser keeps.
"""

from __future__ import annotations

import json

import folium
from jinja2 import Template

from circle.ui.served import file_url

_POINTS = Template(
    """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.featureGroup({});
fetch({{ this.url|tojson }}).then(function (answer) { return answer.json(); }).then(function (rows) {
    var style = {{ this.style|tojson }};
    rows.forEach(function (row) {
        L.circleMarker([row[0], row[1]], style).bindTooltip(row[2]).addTo({{ this.get_name() }});
    });
});
{% endmacro %}
"""
)

_IMAGES = Template(
    """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.featureGroup({});
{{ this.images|tojson }}.forEach(function (image) {
    L.imageOverlay(image[0], image[1], {{ this.options|tojson }}).addTo({{ this.get_name() }});
});
{% endmacro %}
"""
)


class FetchedPoints(folium.FeatureGroup):
    """Circle markers with tooltips, fetched by the browser as ``[[lat, lon, tooltip html], …]``.

    Parameters
    ----------
    url : str
        Where the points are (:func:`points_url`); their html is already escaped.
    name : str
        The layer's name in the layer control.
    style : dict
        Leaflet circle-marker options (``radius``, ``fillColor`` …).
    """

    def __init__(self, url: str, name: str, style: dict):
        super().__init__(name=name)
        self._name = "FetchedPoints"
        self._template = _POINTS
        self.style = style
        self.url = url


def points_url(rows: list) -> str:
    """Write ``[[lat, lon, html], …]`` once as JSON for :class:`FetchedPoints`; return its URL."""
    return file_url(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), ".json")


_AWAITED = Template(
    """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.featureGroup({});
(function (group, tries) {
    function look() {
        fetch({{ this.url|tojson }}, {cache: "no-cache"}).then(function (answer) {
            if (!answer.ok) { throw new Error("not yet"); }
            return answer.json();
        }).then(function (images) {
            images.forEach(function (image) {
                L.imageOverlay(image[0], image[1], {{ this.options|tojson }}).addTo(group);
            });
            // nothing to draw: the layer leaves the map (and its legend entry goes with it)
            if (!images.length && group._map) { group._map.removeLayer(group); }
        }).catch(function () {
            if (tries-- > 0) { setTimeout(look, {{ this.every_ms }}); }
            else if (group._map) { group._map.removeLayer(group); }
        });
    }
    look();
})({{ this.get_name() }}, {{ this.tries }});
{% endmacro %}
"""
)


class AwaitedImages(folium.FeatureGroup):
    """Server-drawn PNGs the browser waits for: it asks for their list until the server has drawn them.

    The map's script names the list's URL (:func:`circle.ui.served.named_url`)
    before the images exist, so it is the same script before and after they
    are drawn, and the map is not rebuilt when they arrive: a layer drawn in
    the background (the study's water and green) appears in a map already
    shown. The list is ``[[png url, [[south, west], [north, east]]], …]``; an
    empty list, or none after ``tries``, takes the layer off the map.

    Parameters
    ----------
    url : str
        Where the list will be.
    name : str
        The layer's name in the layer control.
    opacity : float
        Opacity of the images.
    pane : str, optional
        The map pane to draw them in.
    every_s, tries : float, int
        How often and how many times the browser asks.
    """

    def __init__(
        self, url: str, name: str, opacity: float = 1.0, pane: str | None = None, every_s: float = 2.0, tries: int = 60
    ):
        super().__init__(name=name)
        self._name = "AwaitedImages"
        self._template = _AWAITED
        self.url = url
        self.every_ms = int(every_s * 1000)
        self.tries = int(tries)
        self.options = {"opacity": opacity, "interactive": False, **({"pane": pane} if pane else {})}


def image_list(overlays) -> bytes:
    """Return the list an :class:`AwaitedImages` layer reads: each overlay's PNG written once, with its bounds."""
    return json.dumps(_served_images(overlays), separators=(",", ":")).encode("utf-8")


def _served_images(overlays) -> list:
    """Return ``[[png url, bounds], …]`` of server-drawn overlays, each PNG written once as a served file."""
    return [[file_url(o.png, ".png"), o.bounds] for o in overlays]


class ImageLayers(folium.FeatureGroup):
    """Server-drawn PNGs (:class:`circle.ui.overlays.Overlay`) laid over the map as one layer.

    Parameters
    ----------
    overlays : list of Overlay
        The images and their bounds.
    name : str
        The layer's name in the layer control.
    opacity : float
        Opacity of the images.
    pane : str, optional
        The map pane to draw them in (streets go under the tiles).
    """

    def __init__(self, overlays, name: str, opacity: float = 1.0, pane: str | None = None):
        super().__init__(name=name)
        self._name = "ImageLayers"
        self._template = _IMAGES
        self.images = _served_images(overlays)
        self.options = {"opacity": opacity, "interactive": False, **({"pane": pane} if pane else {})}
