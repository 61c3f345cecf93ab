"""The map's legend: one section per layer, shown inside the map while its layer is on.

A :class:`LegendControl` on the map holds the sections; each layer that
needs explaining carries a :class:`LegendSection` (a few hundred bytes of
HTML) which registers itself with the map when the layer is added and drops
out when it is removed, so turning a layer off in the layer list takes its
entry away, and a screenshot of the map alone says what every colour means.
Layers sent beside the base map on a click (streamlit-folium's
``feature_group_to_add``) carry their sections the same way.

Swatches are plain HTML (:class:`Swatch`) built from :mod:`circle.colours`,
the tables the PDF report draws with. Every label is escaped here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import folium
import numpy as np
from jinja2 import Template

#: swatch kinds: a filled box (blocks), a dot or ring (facility markers), a line, a dashed outline
KINDS = ("box", "dot", "ring", "disc", "line", "dashed")


@dataclass(frozen=True)
class Swatch:
    """One entry of a legend section: a colour shown as ``kind`` and what it means.

    ``stroke`` is the outline colour (default: the fill's), ``dash`` an SVG
    dash pattern of the outline (``"6 3"``).
    """

    label: str
    colour: str
    kind: str = "box"
    stroke: str = ""
    dash: str = ""


def swatch_html(swatch: Swatch) -> str:
    """Return the swatch's little picture (an inline SVG, 16 × 12 pixels)."""
    colour = html.escape(swatch.colour)
    stroke = html.escape(swatch.stroke or swatch.colour)
    dash = f' stroke-dasharray="{html.escape(swatch.dash)}"' if swatch.dash else ""
    if swatch.kind == "dot":
        shape = f'<circle cx="8" cy="6" r="5" fill="{colour}" stroke="#ffffff" stroke-width="1.2"/>'
    elif swatch.kind == "ring":
        shape = f'<circle cx="8" cy="6" r="4.2" fill="#ffffff" stroke="{colour}" stroke-width="2.6"/>'
    elif swatch.kind == "disc":
        shape = f'<circle cx="8" cy="6" r="5" fill="{colour}" stroke="#000000" stroke-width="1.6"/>'
    elif swatch.kind == "line":
        shape = f'<line x1="1" y1="6" x2="15" y2="6" stroke="{colour}" stroke-width="3"{dash}/>'
    elif swatch.kind == "dashed":
        shape = f'<rect x="1.5" y="1.5" width="13" height="9" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
    else:
        shape = (
            f'<rect x="0.5" y="0.5" width="15" height="11" fill="{colour}" stroke="{stroke}" stroke-width="1"{dash}/>'
        )
    return (
        '<svg class="circle-swatch" width="16" height="12" viewBox="0 0 16 12" '
        f'style="vertical-align:middle;flex:none">{shape}</svg>'
    )


def section_html(title: str, swatches: list[Swatch], note: str = "") -> str:
    """Return a legend section: its title, one line per swatch, and an optional note below."""
    lines = "".join(
        f'<div class="circle-legend-row">{swatch_html(s)}<span>{html.escape(s.label)}</span></div>' for s in swatches
    )
    below = f'<div class="circle-legend-note">{html.escape(note)}</div>' if note else ""
    return _section(title, lines + below)


def gradient_html(title: str, colours: list[str], low: float, high: float, extra: list[Swatch] = ()) -> str:
    """Return a section with a colour bar from ``low`` to ``high`` under round ticks (:func:`nice_ticks`)."""
    ticks = nice_ticks(low, high)
    span = (high - low) or 1.0
    marks = "".join(
        f'<span style="position:absolute;left:{100 * (v - low) / span:.1f}%;transform:translateX(-50%)">'
        f"{html.escape(tick_text(v))}</span>"
        for v in ticks
    )
    bar = (
        f'<div class="circle-legend-bar" style="background:linear-gradient(to right, {", ".join(colours)})"></div>'
        f'<div class="circle-legend-ticks">{marks}</div>'
    )
    rows = "".join(
        f'<div class="circle-legend-row">{swatch_html(s)}<span>{html.escape(s.label)}</span></div>' for s in extra
    )
    return _section(title, bar + rows)


def _section(title: str, inner: str) -> str:
    return (
        f'<div class="circle-legend-section"><div class="circle-legend-title">{html.escape(title)}</div>{inner}</div>'
    )


def nice_ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Return round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) within ``low``–``high``.

    Examples
    --------
    >>> nice_ticks(0, 29.98)
    [0.0, 5.0, 10.0, 15.0, 20.0, 25.0]
    >>> nice_ticks(0, 54529.6)
    [0.0, 10000.0, 20000.0, 30000.0, 40000.0, 50000.0]
    >>> nice_ticks(3, 3)
    [3.0]
    """
    if not (np.isfinite(low) and np.isfinite(high)) or high <= low:
        return [float(low)] if np.isfinite(low) else []
    raw = (high - low) / max(most, 1)
    power = 10.0 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = np.ceil(low / step - 1e-9) * step
    ticks = np.arange(first, high + step * 1e-9, step)
    return [float(round(v, 10)) + 0.0 for v in ticks]  # + 0.0: no "-0"


def tick_text(value: float) -> str:
    """Return a tick's text: whole numbers with thousands separators, else one decimal."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


_CONTROL = Template(
    """
{% macro header(this, kwargs) %}
<style>
.circle-legend { background: rgba(255,255,255,0.94); border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,0.35);
  font: 12px/1.35 "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif; color: #222;
  max-width: 250px; max-height: 72vh; overflow-y: auto; }
.circle-legend-toggle { display: block; width: 100%; border: 0; background: none; padding: 5px 8px; text-align: left;
  font: bold 12px/1.3 inherit; cursor: pointer; }
.circle-legend-toggle::after { content: " ▾"; }
.circle-legend.collapsed .circle-legend-toggle::after { content: " ▸"; }
.circle-legend.collapsed .circle-legend-body { display: none; }
.circle-legend-body { padding: 0 8px 6px; }
.circle-legend-section { margin-top: 5px; }
.circle-legend-title { font-weight: 600; margin-bottom: 2px; }
.circle-legend-row { display: flex; gap: 6px; align-items: center; margin: 1px 0; }
.circle-legend-note { color: #555; font-size: 11px; margin-top: 2px; }
.circle-legend-bar { height: 10px; border-radius: 2px; margin: 2px 6px 0; }
.circle-legend-ticks { position: relative; height: 14px; margin: 0 6px; font-size: 11px; }
.leaflet-control-layers-overlays .circle-swatch { margin: 0 3px 0 1px; }
.leaflet-top.leaflet-right { z-index: 1001; } /* the opened layer list above the legend */
</style>
{% endmacro %}
{% macro script(this, kwargs) %}
(function (map) {
    var control = L.control({position: "bottomright"});
    var body = null;
    control.onAdd = function () {
        var box = L.DomUtil.create("div", "circle-legend leaflet-control");
        box.setAttribute("data-testid", "map-legend");
        var toggle = L.DomUtil.create("button", "circle-legend-toggle", box);
        toggle.type = "button";
        toggle.textContent = {{ this.title|tojson }};
        toggle.title = {{ this.toggle_hint|tojson }};
        body = L.DomUtil.create("div", "circle-legend-body", box);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        L.DomEvent.on(toggle, "click", function () { L.DomUtil.hasClass(box, "collapsed")
            ? L.DomUtil.removeClass(box, "collapsed") : L.DomUtil.addClass(box, "collapsed"); });
        // a small screen starts with the legend folded: its button stays, the map stays visible
        if (map.getSize().x < {{ this.fold_below_px }}) { L.DomUtil.addClass(box, "collapsed"); }
        return box;
    };
    control.addTo(map);
    var pending = false;
    function refresh() {
        pending = false;
        var items = (map._circleLegend || []).filter(function (item) { return item.layer._map === map; });
        map._circleLegend = items;
        items.sort(function (a, b) { return a.order - b.order; });
        var seen = {}, parts = [];
        items.forEach(function (item) { if (!seen[item.html]) { seen[item.html] = true; parts.push(item.html); } });
        body.innerHTML = parts.join("");
    }
    map._circleLegendChanged = function () { if (!pending) { pending = true; setTimeout(refresh, 0); } };
    map._circleLegendChanged();
})({{ this._parent.get_name() }});
{% endmacro %}
"""
)

_SECTION = Template(
    """
{% macro script(this, kwargs) %}
(function (layer) {
    var item = {layer: layer, html: {{ this.html|tojson }}, order: {{ this.order }}};
    function shown() {
        var map = layer._map;
        if (!map) { return; }
        map._circleLegend = (map._circleLegend || []).filter(function (other) { return other !== item; });
        map._circleLegend.push(item);
        if (map._circleLegendChanged) { map._circleLegendChanged(); }
    }
    layer.on("add", shown);
    layer.on("remove", function () {
        var map = layer._map;  // still set while "remove" fires; the refresh runs after it is cleared
        if (map && map._circleLegendChanged) { map._circleLegendChanged(); }
    });
    shown();
})({{ this._parent.get_name() }});
{% endmacro %}
"""
)


class LegendControl(folium.MacroElement):
    """The legend box in the map's corner: the sections of the layers that are on, foldable.

    Parameters
    ----------
    title : str
        The fold button's text ("图例").
    toggle_hint : str
        Its tooltip.
    fold_below_px : int
        Maps narrower than this start folded.
    """

    def __init__(self, title: str, toggle_hint: str, fold_below_px: int = 720):
        super().__init__()
        self._name = "LegendControl"
        self._template = _CONTROL
        self.title = title
        self.toggle_hint = toggle_hint
        self.fold_below_px = int(fold_below_px)


class LegendSection(folium.MacroElement):
    """A layer's entry in the :class:`LegendControl`: add it to the layer it explains.

    Parameters
    ----------
    html : str
        The section (:func:`section_html`, :func:`gradient_html`); already escaped.
    order : int
        Where it goes in the legend (smaller first).
    """

    def __init__(self, html_text: str, order: int = 50):
        super().__init__()
        self._name = "LegendSection"
        self._template = _SECTION
        self.html = html_text
        self.order = int(order)


def explain(layer: folium.Element, html_text: str, order: int = 50) -> folium.Element:
    """Attach a legend section to ``layer`` (a feature group, GeoJSON, image or point layer); return the layer."""
    LegendSection(html_text, order).add_to(layer)
    return layer


_SCALE = Template(
    """
{% macro script(this, kwargs) %}
L.control.scale({imperial: false, metric: true, maxWidth: 140}).addTo({{ this._parent.get_name() }});
{% endmacro %}
"""
)


class MetricScale(folium.MacroElement):
    """A scale bar in metres and kilometres only (folium's ``control_scale`` adds miles and feet)."""

    def __init__(self):
        super().__init__()
        self._name = "MetricScale"
        self._template = _SCALE
