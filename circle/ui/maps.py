"""Folium maps of a study: blocks by a measure, facilities, outline, isochrones, what-ifs."""

from __future__ import annotations

import functools
import html
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from jinja2 import Template

from circle.colours import FLAGGED, GREEN_AREA, ISOCHRONE_COLOURS, ISOCHRONE_DASHES, NO_SERVICE, STREET_LINE, WATER_AREA
from circle.coords import from_wgs84, to_wgs84, transform_geometry
from circle.errors import CircleError
from circle.i18n import t
from circle.standards import load_preset
from circle.study.block_figures import gross_density_per_ha
from circle.study.columns import BLOCK_ID, time_column
from circle.ui.fetched_shapes import FetchedShapes, shapes_url
from circle.ui.leaflet_layers import AwaitedImages, FetchedPoints, ImageLayers
from circle.ui.legend import MetricScale, Swatch, explain, section_html, swatch_html
from circle.ui.measure_scales import MeasureScale, measure_scale
from circle.words.places import names_with_units

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


def scale_for(
    measure: str, category: str, values: np.ndarray, preset: str, lang: str, not_mapped=(), label: str = ""
) -> MeasureScale:
    """Return the colour scale of a block measure under ``preset`` (its bands, tiers and search limit).

    ``not_mapped`` are the categories the data do not map: their times are
    shown as not assessable rather than as missing service.
    """
    loaded = _preset(preset)
    return measure_scale(
        measure,
        values,
        lang,
        bands=tuple(loaded.scoring.bands) if loaded else (),
        tiers=tuple(float(c.tier.value) for c in loaded.categories) if loaded else (5.0, 10.0, 15.0),
        limit_min=loaded.search_limit_s / 60.0 if loaded else 30.0,
        assessable=category not in set(not_mapped),
        category=label,
    )


@functools.lru_cache(maxsize=16)
def _preset(name: str):
    try:
        return load_preset(name)
    except (CircleError, OSError):
        return None


def base_map(
    bounds: tuple[float, float, float, float], basemap: str, tile_url: str = "", attribution: str = "", lang: str = "zh"
) -> folium.Map:
    """Return an empty map fitted to ``bounds`` (west, south, east, north) with the chosen basemap and a metric scale.

    ``basemap`` is ``"study"`` (no tiles: the study's own streets, water and
    green drawn by :func:`add_street_base` are the base; ``"none"`` is the
    same), ``"osm"``, ``"amap"`` (AMap's GCJ-02 tiles) or ``"custom"``
    (``tile_url`` and ``attribution``). Vector layers draw whatever the
    tiles do; with GCJ-02 tiles they must be shifted first (see
    :func:`shift_frame`). ``bounds`` are in the display system.
    """
    west, south, east, north = bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2], tiles=None, control_scale=False, prefer_canvas=True
    )
    MetricScale().add_to(fmap)  # folium's control_scale adds miles and feet too
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
    scale: MeasureScale,
    legend: str,
    lang: str,
    scores: pd.DataFrame | None = None,
) -> None:
    """Draw the blocks coloured by ``values`` on ``scale`` with escaped tooltips, explained by ``legend``.

    ``fmap`` may be a map or a feature group (the blocks near a click). The
    blocks travel as a GeoJSON file the browser fetches
    (:mod:`circle.ui.fetched_shapes`): folium would write every coordinate and
    a style per block into the map's script (280 kB for one district), which
    the server renders and the browser compiles before the map shows.
    """
    names = [escape(n) for n in names_with_units(blocks, lang)]
    score = scores["score"].to_numpy() if scores is not None else np.full(len(blocks), np.nan)
    tips = [
        t("tooltip_block", lang, name=name, population=f"{pop:,.0f}", score="—" if np.isnan(s) else f"{s:.0f}")
        for name, pop, s in zip(names, blocks["population"].to_numpy(float), score, strict=True)
    ]
    url = shapes_url(blocks[["geometry"]], tips, list(scale.colours_of(values)))
    style = {"color": "#555555", "weight": 0.6, "fillOpacity": 0.65, "fillColor": NO_SERVICE}
    explain(FetchedShapes(url, t("layer_blocks", lang), style), legend, order=10).add_to(fmap)


def add_facilities(fmap: folium.Map, points: list[tuple[str, str, str, str]], lang: str) -> None:
    """Draw facilities, one layer per category: ``(url of its points, label, colour, marker)``.

    ``marker`` is ``"dot"`` or ``"ring"`` (:func:`circle.colours.category_marker`).
    Each layer's points travel as a file the browser fetches (see
    :mod:`circle.ui.leaflet_layers`), not inside the page: a city's tens of
    thousands of facilities cost the rerun nothing. Each layer is named with
    its swatch in the layer list and has its line in the legend.
    """
    title = section_html(t("legend_facilities", lang), [])
    rings = any(marker == "ring" for *_, marker in points)
    for index, (url, label, colour, marker) in enumerate(points):
        ring = marker == "ring"
        style = {
            "radius": FACILITY_RADIUS_PX - (1 if ring else 0),
            "color": colour if ring else "#ffffff",
            "weight": 3 if ring else 1.5,
            "fillColor": "#ffffff" if ring else colour,
            "fillOpacity": 0.95,
        }
        swatch = Swatch(label, colour, marker)
        name = swatch_html(swatch) + t("layer_facilities", lang, category=escape(label))
        layer = FetchedPoints(url, name, style)
        explain(layer, title, order=30)
        explain(layer, section_html("", [swatch]), order=31 + index)
        if rings:
            explain(layer, section_html("", [], note=t("legend_rings", lang)), order=59)
        layer.add_to(fmap)


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
        return blocks[time_column(category, 1)].to_numpy(float)
    if measure == "score":
        return scores["score"].to_numpy(float)
    if measure == "tier":
        return scores["tier_met"].to_numpy(float)
    if measure == "priority":
        return scores["priority"].to_numpy(float)
    return blocks["population"].to_numpy(float)


def add_images(fmap: folium.Map, overlays, name: str, opacity: float = 1.0, legend: str = "") -> None:
    """Lay server-drawn PNGs (:class:`circle.ui.overlays.Overlay`) over the map as one layer named ``name``."""
    layer = ImageLayers(overlays, name, opacity)
    if legend:
        explain(layer, legend, order=10)
    layer.add_to(fmap)


def blocks_near(blocks: gpd.GeoDataFrame, lat: float, lon: float, radius_m: float = NEAR_RADIUS_M) -> np.ndarray:
    """Return the positions of the blocks within ``radius_m`` of a point (lon/lat blocks), nearest first."""
    dlat = radius_m / 110_540.0
    dlon = radius_m / (111_320.0 * max(np.cos(np.radians(lat)), 0.1))
    hits = blocks.sindex.query(shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat))
    if not len(hits):
        return hits
    centre = shapely.Point(lon, lat)
    distance = shapely.distance(np.asarray(blocks.geometry.iloc[hits], dtype=object), centre)
    return hits[np.argsort(distance, kind="stable")[:NEAR_AT_MOST]]


def add_block_outlines(fmap: folium.Map, blocks: gpd.GeoDataFrame, lang: str = "zh") -> None:
    """Outline blocks in black (the chosen block, the blocks a what-if changes)."""
    if blocks.empty:
        return
    layer = folium.GeoJson(
        blocks[[BLOCK_ID, "geometry"]].to_json(),
        style_function=lambda _: {"color": "#000000", "weight": 2.5, "fill": False},
    )
    explain(layer, section_html("", [Swatch(t("legend_outlined", lang), "#000000", "dashed")]), order=60)
    layer.add_to(fmap)


#: blocks whose population is flagged: a magenta dashed outline, nothing filled
FLAGGED_STYLE = {"color": FLAGGED, "weight": 2, "dashArray": "4 3", "fill": False}


def flagged_shapes_url(flagged: gpd.GeoDataFrame, lang: str) -> str:
    """Write the outlines of blocks whose population is implausible, each with why, once; return the file's URL."""
    density = gross_density_per_ha(flagged)
    why = [
        escape(t(f"flag_{flag}", lang, population=f"{pop:,.0f}", density=f"{d:,.0f}"))
        for flag, pop, d in zip(flagged["pop_flag"], flagged["population"].to_numpy(float), density, strict=True)
    ]
    return shapes_url(flagged[["geometry"]], why)


def flagged_layer(url: str, count: int, lang: str) -> folium.FeatureGroup:
    """Return the layer outlining, dashed in magenta, the ``count`` flagged blocks written at ``url``.

    The outlines travel as a file the browser fetches (:func:`flagged_shapes_url`), not in the map's
    script: a city flags a thousand blocks or more.
    """
    layer = FetchedShapes(url, t("layer_flagged", lang, count=count), FLAGGED_STYLE)
    explain(layer, section_html("", [Swatch(t("legend_flagged", lang), FLAGGED, "dashed", dash="3 2")]), order=61)
    return layer


def add_outline(fmap: folium.Map, hull_geojson: str, lang: str) -> None:
    """Draw the study area as the dashed hull of its blocks (see :func:`circle.ui.data.study_hull`)."""
    layer = folium.GeoJson(
        hull_geojson,
        name=t("layer_outline", lang),
        style_function=lambda _: {"color": "#333333", "weight": 2, "dashArray": "6 4", "fill": False},
    )
    explain(layer, section_html("", [Swatch(t("legend_outline", lang), "#333333", "line", dash="4 2")]), order=80)
    layer.add_to(fmap)


def minutes_text(value: float) -> str:
    """Return minutes as drawn: whole where whole, else one decimal (3.3333 → "3.3").

    Examples
    --------
    >>> minutes_text(5.0), minutes_text(10 / 3), minutes_text(29.979)
    ('5', '3.3', '30')
    """
    rounded = round(float(value), 1)
    return f"{rounded:g}" if abs(rounded - round(rounded)) > 1e-9 else f"{round(rounded):d}"


def filled_bands(bands: gpd.GeoDataFrame, close_m: float = 120.0) -> gpd.GeoDataFrame:
    """Return isochrone bands as filled rings: each band's reach closed and its holes filled, minus the nearer ones.

    The engine's bands are the reached streets widened by a margin: lines on
    a map, where a sparse network leaves the blocks between them blank. Each
    band's reach is closed (widened by ``close_m`` and narrowed back, which
    bridges gaps up to twice that between reached streets) and its enclosed
    holes are filled; the blocks so covered lie between streets reached in
    that band. One polygon per band (three), so the shapely work is a few
    milliseconds.
    """
    ordered = bands.sort_values("minutes").reset_index(drop=True)
    metric = ordered.to_crs(ordered.estimate_utm_crs()) if ordered.crs and ordered.crs.is_geographic else ordered
    reach, rings = None, []
    for geometry in metric.geometry:
        merged = geometry if reach is None else shapely.union(reach, geometry)
        closed = shapely.buffer(shapely.buffer(merged, close_m), -close_m) if close_m > 0 else merged
        parts = shapely.get_parts(shapely.union(closed, merged))
        filled = shapely.union_all(shapely.polygons(shapely.get_exterior_ring(parts[shapely.get_type_id(parts) == 3])))
        rings.append(filled if reach is None else shapely.difference(filled, reach))
        reach = filled
    drawn = gpd.GeoDataFrame(ordered.drop(columns="geometry"), geometry=rings, crs=metric.crs)
    return drawn.to_crs(bands.crs) if drawn.crs != bands.crs else drawn


def add_isochrone(fmap: folium.Map, bands: gpd.GeoDataFrame, lang: str) -> None:
    """Draw the walking range as filled bands (darkest = closest), each outlined in its own dash, with its key."""
    layer = folium.FeatureGroup(name=t("layer_isochrone", lang))
    swatches = []
    for index, row in enumerate(filled_bands(bands).itertuples()):
        colour, dash = ISOCHRONE_COLOURS[min(index, 2)], ISOCHRONE_DASHES[min(index, 2)]
        high = t("minutes_value", lang, value=minutes_text(row.minutes))
        label = (
            t("legend_up_to", lang, value=high)
            if index == 0
            else t("legend_range", lang, low=minutes_text(row.from_minutes), high=high)
        )
        swatches.append(Swatch(label, colour, stroke="#1b0033", dash=dash))
        folium.GeoJson(
            gpd.GeoSeries([row.geometry], crs=bands.crs).to_json(),
            style_function=lambda _, c=colour, d=dash: {
                "color": "#1b0033",
                "weight": 1.2,
                "dashArray": d or None,
                "fillColor": c,
                "fillOpacity": 0.32,
            },
            tooltip=label,
        ).add_to(layer)
    explain(layer, section_html(t("legend_isochrone", lang), swatches), order=20)
    layer.add_to(fmap)


def add_points(
    fmap: folium.Map, points: list[tuple[float, float, str]], layer_name: str, colour: str, legend: str = ""
) -> None:
    """Draw labelled points (what-if facilities, suggested sites); labels are escaped; ``legend`` names them."""
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
    explain(layer, section_html("", [Swatch(legend or layer_name, colour, "disc")]), order=40)
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
    moved = frame.copy()
    moved["geometry"] = transform_geometry(frame.geometry.to_crs(4326).to_numpy(), system)
    return moved.set_crs(4326, allow_override=True)


def shift_point(lat: float, lon: float, system: str) -> tuple[float, float]:
    """Return a WGS-84 (lat, lon) in the display system."""
    x, y = from_wgs84(lon, lat, system)
    return float(y), float(x)


def unshift_point(lat: float, lon: float, system: str) -> tuple[float, float]:
    """Return a (lat, lon) clicked on a map drawn in ``system`` as WGS-84."""
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


def add_street_base(fmap: folium.Map, overlay: list, lang: str, land_url: str | None = None) -> None:
    """Draw the study's own streets (and its water and green) under the tiles: the offline base.

    They are the whole base where no tile server is chosen (the default) and
    stay visible under tiles that do not answer. The water and green are
    drawn in the background: ``land_url`` is where their list will be
    (:func:`circle.ui.data.land_overlay_url`), and the browser waits for it, so
    the map is the same before and after they arrive.
    """
    folium.map.CustomPane(STREETS_PANE, z_index=150, pointer_events=False).add_to(fmap)
    title = t("legend_base", lang)
    if land_url:
        layer = AwaitedImages(land_url, t("layer_land", lang), opacity=1.0, pane=STREETS_PANE)
        swatches = [Swatch(t("legend_water", lang), WATER_AREA), Swatch(t("legend_green", lang), GREEN_AREA)]
        explain(layer, section_html("", swatches), order=92)
        layer.add_to(fmap)
    layer = ImageLayers(overlay, t("layer_streets", lang), opacity=0.9, pane=STREETS_PANE)
    explain(layer, section_html(title, [Swatch(t("legend_streets", lang), STREET_LINE, "line")]), order=91)
    layer.add_to(fmap)
