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
        self.images = [[file_url(o.png, ".png"), o.bounds] for o in overlays]
        self.options = {"opacity": opacity, "interactive": False, **({"pane": pane} if pane else {})}
