"""Folium maps of a study: blocks by a measure, facilities, outline, isochrones, what-ifs."""

from __future__ import annotations

import html
from pathlib import Path

import branca.colormap as cm
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from jinja2 import Template

from circle.build.block_places import names_with_units
from circle.build.population.totals import gross_density_per_ha
from circle.i18n import t

BAND_COLOURS = ["#1a9850", "#fee08b", "#d73027"]
NO_VALUE = "#bdbdbd"  # a block with no value for the measure (nothing within reach)
#: blocks drawn as vectors around a chosen point on a city map
NEAR_RADIUS_M = 900.0
NEAR_AT_MOST = 400
#: facility markers are drawn at this radius when zoomed in, and shrink with the zoom at city scale
FACILITY_RADIUS_PX = 6
STREETS_PANE = "circle_streets"
#: below this zoom a click also zooms the map in to the clicked neighbourhood
CITY_ZOOM = 12
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
AMAP_TILES = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
AMAP_ATTRIBUTION = "© 高德地图 AutoNavi (GCJ-02)"
GCJ02_BASEMAPS = ("amap",)
LEAFLET_VERSION = "1.9.4"
JQUERY_VERSION = "3.7.1"
LEAFLET_DRAW_VERSION = "1.0.4"
STATIC = Path(__file__).resolve().parents[2] / "static"


def use_local_leaflet(fmap: folium.Map) -> None:
    """Load Leaflet from the app's own static files when vendored (no CDN on closed networks).

    Call it once every layer is added: every element's script and style
    links are rewritten. Leaflet and jQuery (which folium's tooltips use) are
    kept, and Leaflet.draw where the map has drawing tools (closures); the
    layers drawn here need no Bootstrap or icon fonts, and the legend is
    drawn by the page.
    """
    vendor = STATIC / "vendor"
    leaflet = vendor / f"leaflet-{LEAFLET_VERSION}" / "leaflet.js"
    jquery = vendor / f"jquery-{JQUERY_VERSION}" / "jquery.min.js"
    if not (leaflet.is_file() and jquery.is_file()):
        return
    base = "/app/static/vendor"
    scripts = [
        ("jquery", f"{base}/jquery-{JQUERY_VERSION}/jquery.min.js"),
        ("leaflet", f"{base}/leaflet-{LEAFLET_VERSION}/leaflet.js"),
    ]
    styles = [("leaflet_css", f"{base}/leaflet-{LEAFLET_VERSION}/leaflet.css")]
    draw = vendor / f"leaflet-draw-{LEAFLET_DRAW_VERSION}" / "leaflet.draw.js"
    if draw.is_file() and _holds(fmap, "Draw"):
        scripts.append(("leaflet_draw_js", f"{base}/leaflet-draw-{LEAFLET_DRAW_VERSION}/leaflet.draw.js"))
        styles.append(("leaflet_draw_css", f"{base}/leaflet-draw-{LEAFLET_DRAW_VERSION}/leaflet.draw.css"))

    def visit(element) -> None:
        if hasattr(element, "default_js"):
            element.default_js = scripts if element is fmap else []
            element.default_css = styles if element is fmap else []
        for child in getattr(element, "_children", {}).values():
            visit(child)

    visit(fmap)


def _holds(element, class_name: str) -> bool:
    """Whether ``element`` or any element under it is of the folium class ``class_name``."""
    if type(element).__name__ == class_name:
        return True
    return any(_holds(child, class_name) for child in getattr(element, "_children", {}).values())


def escape(text) -> str:
    """HTML-escape any value from data (names can hold markup)."""
    return html.escape("" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text))


def colour_scale(values: np.ndarray, measure: str, caption: str) -> cm.ColorMap:
    """Return the colour scale of a measure (low = good is green for times; high = good for scores)."""
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    if high <= low:
        high = low + 1.0
    if measure == "tier":
        return cm.StepColormap(
            ["#d73027", "#fc8d59", "#91bfdb", "#1a9850"], index=[0, 5, 10, 15, 16], vmin=0, vmax=16, caption=caption
        )
    if measure == "score":
        return cm.LinearColormap(["#d73027", "#fee08b", "#1a9850"], vmin=0, vmax=100, caption=caption)
    if measure == "time":
        return cm.LinearColormap(["#1a9850", "#fee08b", "#d73027"], vmin=0, vmax=max(high, 15.0), caption=caption)
    return cm.LinearColormap(["#ffffcc", "#fd8d3c", "#800026"], vmin=low, vmax=high, caption=caption)


def base_map(
    bounds: tuple[float, float, float, float], basemap: str, tile_url: str = "", attribution: str = "", lang: str = "zh"
) -> folium.Map:
    """Return an empty map fitted to ``bounds`` (west, south, east, north) with the chosen basemap.

    ``basemap`` is ``"osm"``, ``"amap"`` (AMap's GCJ-02 tiles), ``"custom"``
    (``tile_url`` and ``attribution``) or ``"none"``. Vector layers draw
    whatever the tiles do; with GCJ-02 tiles they must be shifted first (see
    :func:`shift_frame`). ``bounds`` are in the display system.
    """
    west, south, east, north = bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2], tiles=None, control_scale=True, prefer_canvas=True
    )
    if basemap == "osm":
        folium.TileLayer(OSM_TILES, attr=t("attribution", lang), name=t("basemap_osm", lang), max_zoom=19).add_to(fmap)
    elif basemap == "amap":
        folium.TileLayer(
            AMAP_TILES, attr=AMAP_ATTRIBUTION, name=t("basemap_amap", lang), max_zoom=18, subdomains="1234"
        ).add_to(fmap)
    elif basemap == "custom" and tile_url:
        folium.TileLayer(
            tile_url, attr=escape(attribution) or t("attribution", lang), name=t("basemap_custom", lang), max_zoom=20
        ).add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


def view_of(
    bounds: tuple[float, float, float, float], pixels: float = 400, zooms: tuple[int, int] = (3, 18)
) -> tuple[list[float], int]:
    """Return the centre (lat, lon) and the zoom at which ``bounds`` (west, south, east, north) span ``pixels``.

    Examples
    --------
    >>> view_of((104.0, 30.6, 104.1, 30.7))
    ([30.65, 104.05], 12)
    """
    west, south, east, north = bounds
    lat, lon = (south + north) / 2, (west + east) / 2
    span_m = max((east - west) * 111_320 * np.cos(np.radians(lat)), (north - south) * 110_540, 50.0)
    zoom = int(np.clip(np.floor(np.log2(40_075_016 * np.cos(np.radians(lat)) * pixels / 256 / span_m)), *zooms))
    return [round(float(lat), 6), round(float(lon), 6)], zoom


def add_blocks(
    fmap: folium.Map,
    blocks: gpd.GeoDataFrame,
    values: np.ndarray,
    measure: str,
    caption: str,
    lang: str,
    scores: pd.DataFrame | None = None,
) -> cm.ColorMap:
    """Draw the blocks coloured by ``values`` with escaped tooltips; return the colour scale.

    ``fmap`` may be a map or a feature group (the blocks near a click).
    """
    scale = colour_scale(values, measure, caption)
    frame = blocks[["block_id", "geometry"]].copy()
    frame["value"] = np.where(np.isfinite(values), np.round(values, 1), None)
    names = [escape(n) for n in names_with_units(blocks, lang)]
    score = scores["score"].to_numpy() if scores is not None else np.full(len(blocks), np.nan)
    frame["label"] = [
        t("tooltip_block", lang, name=name, population=f"{pop:,.0f}", score="—" if np.isnan(s) else f"{s:.0f}")
        for name, pop, s in zip(names, blocks["population"].to_numpy(float), score, strict=True)
    ]

    def style(feature):
        value = feature["properties"]["value"]
        return {
            "fillColor": NO_VALUE if value is None else scale(value),
            "color": "#555555",
            "weight": 0.6,
            "fillOpacity": 0.65,
        }

    folium.GeoJson(
        frame.to_json(),
        name=t("layer_blocks", lang),
        style_function=style,
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
    ).add_to(fmap)
    return scale


def legend_html(scale: cm.ColorMap, caption: str) -> str:
    """Return an HTML legend (a colour bar with its ends and the caption, units included)."""
    stops = np.linspace(scale.vmin, scale.vmax, 7)
    gradient = ", ".join(scale(v) for v in stops)
    return (
        f'<div style="font-size:0.85rem">{escape(caption)}'
        f'<div style="height:12px;border-radius:3px;background:linear-gradient(to right, {gradient})"></div>'
        f'<div style="display:flex;justify-content:space-between"><span>{scale.vmin:g}</span>'
        f"<span>{(scale.vmin + scale.vmax) / 2:g}</span><span>{scale.vmax:g}</span></div></div>"
    )


def add_facilities(fmap: folium.Map, points: list[tuple[str, str, str]]) -> None:
    """Draw facilities, one layer per category: ``(url of its points, layer name, colour)``.

    Each layer's points travel as a file the browser fetches (see
    :mod:`circle.ui.leaflet_layers`), not inside the page: a city's tens of
    thousands of facilities cost the rerun nothing.
    """
    from circle.ui.leaflet_layers import FetchedPoints

    for url, name, colour in points:
        style = {
            "radius": FACILITY_RADIUS_PX,
            "color": "#ffffff",
            "weight": 1.5,
            "fillColor": colour,
            "fillOpacity": 0.95,
        }
        FetchedPoints(url, name, style).add_to(fmap)


def facility_rows(facilities: gpd.GeoDataFrame, category: str, label: str, unnamed: str) -> list:
    """Return ``[lat, lon, tooltip html]`` of one category's facilities (names escaped)."""
    mine = facilities[facilities["category"] == category]
    if mine.empty:
        return []
    points = mine.geometry.representative_point()
    suffix = f" · {escape(label)}"
    texts = [(escape(n) if isinstance(n, str) and n else unnamed) + suffix for n in mine["name"]]
    return [
        [round(float(y), 7), round(float(x), 7), text]
        for y, x, text in zip(points.y.to_numpy(), points.x.to_numpy(), texts, strict=True)
    ]


def measure_values(measure: str, category: str, blocks: pd.DataFrame, scores: pd.DataFrame) -> np.ndarray:
    """Return each block's value of a map measure (``score``, ``time``, ``tier``, ``priority``, ``population``)."""
    if measure == "time":
        return blocks[f"{category}_t1"].to_numpy(float)
    if measure == "score":
        return scores["score"].to_numpy(float)
    if measure == "tier":
        return scores["tier_met"].to_numpy(float)
    if measure == "priority":
        return scores["priority"].to_numpy(float)
    return blocks["population"].to_numpy(float)


def block_colours(values: np.ndarray, scale: cm.ColorMap) -> tuple[str, ...]:
    """Return each block's fill colour on ``scale`` (grey where the value is missing)."""
    return tuple(scale(float(v)) if np.isfinite(v) else NO_VALUE for v in values)


def add_images(fmap: folium.Map, overlays, name: str, opacity: float = 1.0) -> None:
    """Lay server-drawn PNGs (:class:`circle.ui.overlays.Overlay`) over the map as one layer named ``name``."""
    from circle.ui.leaflet_layers import ImageLayers

    ImageLayers(overlays, name, opacity).add_to(fmap)


def blocks_near(blocks: gpd.GeoDataFrame, lat: float, lon: float, radius_m: float = NEAR_RADIUS_M) -> np.ndarray:
    """Return the positions of the blocks within ``radius_m`` of a point (lon/lat blocks), nearest first."""
    import shapely

    dlat = radius_m / 110_540.0
    dlon = radius_m / (111_320.0 * max(np.cos(np.radians(lat)), 0.1))
    hits = blocks.sindex.query(shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat))
    if not len(hits):
        return hits
    centre = shapely.Point(lon, lat)
    distance = shapely.distance(np.asarray(blocks.geometry.iloc[hits], dtype=object), centre)
    return hits[np.argsort(distance, kind="stable")[:NEAR_AT_MOST]]


def add_block_outlines(fmap: folium.Map, blocks: gpd.GeoDataFrame) -> None:
    """Outline blocks in black (the chosen block, the blocks a what-if changes)."""
    if blocks.empty:
        return
    folium.GeoJson(
        blocks[["block_id", "geometry"]].to_json(),
        style_function=lambda _: {"color": "#000000", "weight": 2.5, "fill": False},
    ).add_to(fmap)


def add_flagged_blocks(fmap: folium.Map, flagged: gpd.GeoDataFrame, lang: str) -> None:
    """Outline, dashed in magenta, blocks whose population density is implausible (their ``pop_flag`` set)."""
    if flagged.empty:
        return
    density = gross_density_per_ha(flagged)
    frame = flagged[["block_id", "geometry"]].copy()
    frame["why"] = [
        t(f"flag_{flag}", lang, population=f"{pop:,.0f}", density=f"{d:,.0f}")
        for flag, pop, d in zip(flagged["pop_flag"], flagged["population"].to_numpy(float), density, strict=True)
    ]
    folium.GeoJson(
        frame.to_json(),
        style_function=lambda _: {"color": "#d4008f", "weight": 2, "dashArray": "4 3", "fill": False},
        tooltip=folium.GeoJsonTooltip(fields=["why"], labels=False),
    ).add_to(fmap)


def add_outline(fmap: folium.Map, hull_geojson: str, lang: str) -> None:
    """Draw the study area as the dashed hull of its blocks (see :func:`circle.ui.data.study_hull`)."""
    folium.GeoJson(
        hull_geojson,
        name=t("layer_outline", lang),
        style_function=lambda _: {"color": "#333333", "weight": 2, "dashArray": "6 4", "fill": False},
    ).add_to(fmap)


def add_isochrone(fmap: folium.Map, bands: gpd.GeoDataFrame, lang: str) -> None:
    """Draw 5/10/15-minute bands (darker = closer)."""
    colours = ["#08519c", "#3182bd", "#9ecae1"]
    layer = folium.FeatureGroup(name=t("layer_isochrone", lang))
    for index, row in enumerate(bands.itertuples()):
        colour = colours[min(index, 2)]
        folium.GeoJson(
            gpd.GeoSeries([row.geometry], crs=bands.crs).to_json(),
            style_function=lambda _, c=colour: {"color": c, "weight": 1, "fillColor": c, "fillOpacity": 0.35},
            tooltip=t("minutes", lang, value=f"{row.from_minutes:g}–{row.minutes:g}"),
        ).add_to(layer)
    layer.add_to(fmap)


def add_points(fmap: folium.Map, points: list[tuple[float, float, str]], layer_name: str, colour: str) -> None:
    """Draw labelled points (what-if facilities, suggested sites); labels are escaped."""
    layer = folium.FeatureGroup(name=layer_name)
    for lat, lon, text in points:
        folium.CircleMarker(
            [lat, lon],
            radius=9,
            color="#000000",
            weight=2,
            fill=True,
            fill_color=colour,
            fill_opacity=1.0,
            tooltip=escape(text),
            popup=escape(text),
        ).add_to(layer)
    layer.add_to(fmap)


def display_system(basemap: str, custom_is_gcj02: bool = False) -> str:
    """Return the coordinate system the map must be drawn in for this basemap: ``wgs84`` or ``gcj02``."""
    if basemap in GCJ02_BASEMAPS or (basemap == "custom" and custom_is_gcj02):
        return "gcj02"
    return "wgs84"


def shift_frame(frame: gpd.GeoDataFrame, system: str) -> gpd.GeoDataFrame:
    """Return a WGS-84 frame moved into the display ``system`` (the same frame for ``wgs84``)."""
    if system == "wgs84" or frame.empty:
        return frame
    from circle.sources.coords import transform_geometry

    moved = frame.copy()
    moved["geometry"] = transform_geometry(frame.geometry.to_crs(4326).to_numpy(), system)
    return moved.set_crs(4326, allow_override=True)


def shift_point(lat: float, lon: float, system: str) -> tuple[float, float]:
    """Return a WGS-84 (lat, lon) in the display system."""
    from circle.sources.coords import from_wgs84

    x, y = from_wgs84(lon, lat, system)
    return float(y), float(x)


def unshift_point(lat: float, lon: float, system: str) -> tuple[float, float]:
    """Return a (lat, lon) clicked on a map drawn in ``system`` as WGS-84."""
    from circle.sources.coords import to_wgs84

    x, y = to_wgs84(lon, lat, system)
    return float(y), float(x)


_BEHAVIOUR = Template(
    """
{% macro script(this, kwargs) %}
(function (map) {
    var study = {{ this.bounds|tojson }};
    // the view this browser tab last had on this study's map: a map redrawn (a sidebar change, the drawing
    // tools turned on) opens where the planner left it, not on the whole city again
    var viewKey = {{ this.view_key|tojson }};
    function savedView() {
        try { return viewKey ? JSON.parse(window.sessionStorage.getItem(viewKey)) : null; } catch (e) { return null; }
    }
    // once the frame has its final size (the first view would otherwise fill half of it): the place the page
    // asked for (streamlit-folium has moved there: a priority row, a site), else the last view, else the study
    setTimeout(function () {
        map.invalidateSize();
        var asked = window.__GLOBAL_DATA__ && window.__GLOBAL_DATA__.last_center;
        var view = savedView();
        if (asked) { return; }
        if (view && view.center && view.zoom) { map.setView(view.center, view.zoom, {animate: false}); }
        else { map.fitBounds(study, {animate: false}); }
        map.on("moveend", function () {
            if (!viewKey) { return; }
            try {
                window.sessionStorage.setItem(viewKey, JSON.stringify({center: map.getCenter(), zoom: map.getZoom()}));
            } catch (e) { /* a browser without storage opens on the whole study */ }
        });
    }, 0);
    // a click that draws a closure (a vertex, the end of a rectangle) is not a click choosing a block: put back
    // what streamlit-folium took as the last click before it reports it (it waits 250 ms)
    var drawing = false, drawnUntil = 0;
    map.on("draw:drawstart", function () { drawing = true; });
    map.on("draw:drawstop", function () { drawing = false; drawnUntil = Date.now() + 600; });
    // the wheel scrolls the page until the map is clicked; Ctrl + wheel zooms at once
    map.scrollWheelZoom.disable();
    map.on("click", function (event) {
        if (drawing || Date.now() < drawnUntil) {
            var data = window.__GLOBAL_DATA__, before = data ? data.lat_lng_clicked : null;
            setTimeout(function () {
                if (window.__GLOBAL_DATA__) { window.__GLOBAL_DATA__.lat_lng_clicked = before; }
            }, 0);
            return;
        }
        map.scrollWheelZoom.enable();
        // a click on the whole city (a pixel is hundreds of metres) also brings its neighbourhood into view
        if (map.getZoom() < {{ this.city_zoom }}) { map.setView(event.latlng, {{ this.full_zoom }}); }
    });
    map.on("mouseout", function () { map.scrollWheelZoom.disable(); });
    map.getContainer().addEventListener("wheel", function (event) {
        if (!event.ctrlKey || map.scrollWheelZoom.enabled()) { return; }
        event.preventDefault();
        var step = event.deltaY < 0 ? 1 : -1;
        map.setZoomAround(map.mouseEventToContainerPoint(event), map.getZoom() + step);
    }, {passive: false});
    // facility markers shrink at city zoom so they do not bury the blocks' colours
    var full = {{ this.full_zoom }}, largest = {{ this.radius }};
    function factor() { return Math.max(0.25, Math.min(1, 1 - (full - map.getZoom()) * 0.2)); }
    function scale(layer) {
        if (!(layer instanceof L.CircleMarker) || layer instanceof L.Circle) { return; }
        if (layer._circleRadius === undefined) { layer._circleRadius = layer.getRadius(); }
        if (layer._circleRadius <= largest) { layer.setRadius(Math.max(1.5, layer._circleRadius * factor())); }
    }
    map.on("layeradd", function (event) { scale(event.layer); });
    map.on("zoomend", function () { map.eachLayer(scale); });
})({{ this._parent.get_name() }});
{% endmacro %}
"""
)


class MapBehaviour(folium.MacroElement):
    """Open the map where it was left, let the wheel scroll the page, shrink facility markers at city zoom.

    The first view is the study's; a map drawn again (another measure, the
    drawing tools) keeps the view the browser tab last had on the study's map.
    A click that draws a closure does not count as a click on the map.

    A click on the map seen whole (below :data:`CITY_ZOOM`) also zooms in to
    the clicked place, where the blocks near it are drawn as vectors.

    Parameters
    ----------
    bounds : list
        ``[[south, west], [north, east]]`` to fit once the map has its size.
    full_zoom : int
        The zoom from which facility markers have their full radius.
    view_key : str
        Where the browser tab keeps the map's last view (its ``sessionStorage``): the
        study's map key, so each study opens where it was left. Empty: always the study.
    """

    def __init__(self, bounds: list[list[float]], full_zoom: int = 15, view_key: str = ""):
        super().__init__()
        self._name = "MapBehaviour"
        self.bounds = bounds
        self.view_key = f"circle-view:{view_key}" if view_key else ""
        self.full_zoom = int(full_zoom)
        self.city_zoom = CITY_ZOOM
        self.radius = FACILITY_RADIUS_PX
        self._template = _BEHAVIOUR


def add_street_base(fmap: folium.Map, overlay: list, lang: str) -> None:
    """Draw the study's own streets under the tiles: seen when no tile server answers (or none is chosen)."""
    from circle.ui.leaflet_layers import ImageLayers

    folium.map.CustomPane(STREETS_PANE, z_index=150, pointer_events=False).add_to(fmap)
    ImageLayers(overlay, t("layer_streets", lang), opacity=0.9, pane=STREETS_PANE).add_to(fmap)
