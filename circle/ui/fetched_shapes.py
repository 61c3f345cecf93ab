"""Outlines and areas the browser fetches as a GeoJSON file, so the map's script does not carry them.

folium writes a :class:`folium.GeoJson` layer's every coordinate into the
page's script, with a style function per feature: a city's 1,300 flagged
blocks were 560 kB of script sent on every rerun that changed the map's
layers, and compiled by the browser before the map showed. A
:class:`FetchedShapes` layer carries only a URL (:func:`circle.ui.served.file_url`,
named by the file's content, so the browser keeps it) and one style; the
features come with the text of their tooltips, already escaped.
"""

from __future__ import annotations

import json

import folium
import geopandas as gpd
from jinja2 import Template

from circle.ui.served import file_url

_SHAPES = Template(
    """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.featureGroup({});
fetch({{ this.url|tojson }}).then(function (answer) { return answer.json(); }).then(function (shapes) {
    L.geoJSON(shapes, {
        style: function (feature) {
            var style = Object.assign({}, {{ this.style|tojson }});
            if (feature.properties && feature.properties.fill) { style.fillColor = feature.properties.fill; }
            return style;
        },
        interactive: {{ this.interactive|tojson }},
        onEachFeature: function (feature, layer) {
            var tip = feature.properties && feature.properties.tip;
            if (tip) { layer.bindTooltip(tip, {sticky: true}); }
        }
    }).addTo({{ this.get_name() }});
});
{% endmacro %}
"""
)


class FetchedShapes(folium.FeatureGroup):
    """Polygons or lines fetched by the browser as GeoJSON, drawn in one style, with optional tooltips.

    Parameters
    ----------
    url : str
        Where the GeoJSON is (:func:`shapes_url`).
    name : str
        The layer's name in the layer control.
    style : dict
        Leaflet path options (``color``, ``weight``, ``dashArray``, ``fill`` …).
    interactive : bool
        Whether the shapes answer the mouse (a tooltip needs it; a click then
        still reaches the map).
    """

    def __init__(self, url: str, name: str, style: dict, interactive: bool = True):
        super().__init__(name=name)
        self._name = "FetchedShapes"
        self._template = _SHAPES
        self.url = url
        self.style = style
        self.interactive = bool(interactive)


def shapes_url(
    frame: gpd.GeoDataFrame, tips: list[str] | None = None, fills: list[str] | None = None, precision: int = 6
) -> str:
    """Write ``frame``'s geometries (with one escaped tooltip and one fill colour each) once as GeoJSON; return its URL.

    Coordinates are rounded to ``precision`` decimals (6: about 10 cm), which
    keeps a city's outlines a fraction of folium's size. A feature's ``fill``
    overrides the layer's ``fillColor`` (blocks coloured by a measure).

    Examples
    --------
    >>> import shapely
    >>> frame = gpd.GeoDataFrame(geometry=[shapely.box(104.0, 30.0, 104.001, 30.001)], crs=4326)
    >>> shapes_url(frame, ["a &lt;b&gt;"]).startswith(("/app/static/drawn/", "data:application/json"))
    True
    """
    geometries = frame.geometry.set_precision(10.0**-precision) if len(frame) else frame.geometry
    none = [None] * len(frame)
    features = [
        {"type": "Feature", "properties": {"tip": tip, "fill": fill}, "geometry": geometry.__geo_interface__}
        for geometry, tip, fill in zip(
            geometries, tips if tips is not None else none, fills if fills is not None else none, strict=True
        )
        if geometry is not None and not geometry.is_empty
    ]
    data = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))
    return file_url(data.encode("utf-8"), ".json")
