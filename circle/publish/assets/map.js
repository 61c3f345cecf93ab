// A small SVG map of the site's own data: the study's streets from data/streets/L/I_J.json (the level picked
// by the width of the view, only the squares in view, each fetched once), a block's outline and 15-minute
// area, the walking routes with their facilities, an optional pin; a legend naming everything drawn.
// Coordinates are the site's local plane in metres (x east, y north); no tiles from any server.
"use strict";

var SVG_NS = "http://www.w3.org/2000/svg";

/** Make an SVG element with attributes. */
function svgEl(name, attrs) {
  var el = document.createElementNS(SVG_NS, name);
  for (var key in attrs) if (Object.prototype.hasOwnProperty.call(attrs, key)) el.setAttribute(key, attrs[key]);
  return el;
}

/** The drawing of each street kind (0 main road, 1 street, 2 path): colour, width in pixels, dashes. */
var STREET_STYLE = [
  { key: "legend_main", stroke: "#e8b04a", width: 2.6, dash: null },
  { key: "legend_street", stroke: "#949ca6", width: 1.3, dash: null },
  { key: "legend_path", stroke: "#949ca6", width: 1.1, dash: "3 3" },
];
// the coarser levels (wide views) draw their lines thinner, so the city does not turn into one colour
var LEVEL_WIDTH = [1, 0.7, 0.55];
var BLOCK_STROKE = "#c62828";
var AREA_FILL = "rgba(40, 110, 220, 0.16)";

/** Return an SVG path `d` of rings ([[x, y], ...]) in metres. */
function ringsPath(rings) {
  var parts = [];
  for (var r = 0; r < rings.length; r++) {
    var ring = rings[r];
    if (!ring || ring.length < 2) continue;
    parts.push("M" + ring[0][0] + " " + ring[0][1]);
    for (var k = 1; k < ring.length; k++) parts.push("L" + ring[k][0] + " " + ring[k][1]);
    parts.push("Z");
  }
  return parts.join("");
}

/** Return an SVG path `d` of a route ([[x, y], ...]). */
function linePath(points) {
  var parts = [];
  for (var k = 0; k < points.length; k++) parts.push((k ? "L" : "M") + points[k][0] + " " + points[k][1]);
  return parts.join("");
}

/**
 * The map of one block.
 *
 * options: {site, lang, base (the site root URL ending in "/"), outline, isochrone, routes: [{colour, label,
 * points, facility: {x, y, name}}], legend (an element to fill), onTap(x, y) (optional)}.
 */
function CircleMap(container, options) {
  this.options = options;
  this.site = options.site;
  this.lang = options.lang;
  this.tiles = {}; // "L/i_j" -> "loading" | "done" | "missing"
  this.kindsDrawn = {}; // level -> {kind: true}
  this.pin = null;
  this.pointers = {};
  this.build(container);
  this.home = this.bounds();
  this.reset();
}

CircleMap.prototype.build = function (container) {
  var self = this;
  var lang = this.lang;
  var wrap = document.createElement("div");
  wrap.className = "map-wrap";
  var svg = svgEl("svg", { class: "map", role: "img", "aria-label": fill(lang, "map_heading") });
  this.svg = svg;
  this.world = svgEl("g", {});
  this.levelGroups = {};
  var streets = svgEl("g", { class: "streets" });
  for (var n = 0; n < this.site.levels.length; n++) {
    var level = this.site.levels[n].level;
    var group = svgEl("g", { "data-level": String(level) });
    var kinds = [];
    var thin = LEVEL_WIDTH[Math.min(n, LEVEL_WIDTH.length - 1)];
    for (var kind = 2; kind >= 0; kind--) {
      var style = STREET_STYLE[kind];
      var attrs = {
        fill: "none",
        stroke: style.stroke,
        "stroke-width": String(style.width * thin),
        "stroke-linecap": "round",
        "stroke-linejoin": "round",
        "vector-effect": "non-scaling-stroke",
        "data-kind": String(kind),
      };
      if (style.dash) attrs["stroke-dasharray"] = style.dash;
      kinds[kind] = svgEl("g", attrs);
      group.appendChild(kinds[kind]);
    }
    streets.appendChild(group);
    this.levelGroups[level] = { group: group, kinds: kinds };
  }
  this.world.appendChild(svgEl("path", { class: "area", d: ringsPath(this.options.isochrone || []), fill: AREA_FILL }));
  this.world.appendChild(streets);
  this.world.appendChild(
    svgEl("path", {
      class: "block",
      d: ringsPath(this.options.outline || []),
      fill: "rgba(198, 40, 40, 0.12)",
      stroke: BLOCK_STROKE,
      "stroke-width": "3",
      "vector-effect": "non-scaling-stroke",
    })
  );
  // the longest walks first, so a shorter one along the same streets is drawn over them and shows its end;
  // each over a white casing that sets it off from the streets
  var routes = (this.options.routes || []).filter(function (route) {
    return route.points && route.points.length > 1;
  });
  routes.sort(function (a, b) {
    return (b.metres || 0) - (a.metres || 0);
  });
  for (var r = 0; r < routes.length; r++) {
    var d = linePath(routes[r].points);
    var line = {
      d: d,
      fill: "none",
      "stroke-linecap": "round",
      "stroke-linejoin": "round",
      "vector-effect": "non-scaling-stroke",
    };
    this.world.appendChild(svgEl("path", Object.assign({ class: "casing", stroke: "#fff", "stroke-width": "6.5" }, line)));
    this.world.appendChild(
      svgEl("path", Object.assign({ class: "route", stroke: routes[r].colour, "stroke-width": "4", "data-category": routes[r].category }, line))
    );
  }
  svg.appendChild(this.world);
  this.markers = svgEl("g", { class: "markers" });
  svg.appendChild(this.markers);
  wrap.appendChild(svg);

  var buttons = document.createElement("div");
  buttons.className = "map-buttons";
  function button(text, label, action) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.title = label;
    b.addEventListener("click", action);
    buttons.appendChild(b);
    return b;
  }
  button("+", fill(lang, "zoom_in"), function () {
    self.zoomBy(2, self.width / 2, self.height / 2);
  });
  button("−", fill(lang, "zoom_out"), function () {
    self.zoomBy(0.5, self.width / 2, self.height / 2);
  });
  button("⌂", fill(lang, "zoom_reset"), function () {
    self.reset();
  });
  wrap.appendChild(buttons);
  container.appendChild(wrap);
  this.wrap = wrap;
  this.listen();
};

/** The box of what the page is about: the 15-minute area, the block, the routes and their facilities. */
CircleMap.prototype.bounds = function () {
  var box = [Infinity, Infinity, -Infinity, -Infinity];
  function add(points) {
    for (var k = 0; k < points.length; k++) {
      box[0] = Math.min(box[0], points[k][0]);
      box[1] = Math.min(box[1], points[k][1]);
      box[2] = Math.max(box[2], points[k][0]);
      box[3] = Math.max(box[3], points[k][1]);
    }
  }
  var rings = (this.options.isochrone || []).concat(this.options.outline || []);
  for (var r = 0; r < rings.length; r++) add(rings[r]);
  // and every route drawn with its facility, so the first view shows where each nearest place is
  var routes = this.options.routes || [];
  for (var k = 0; k < routes.length; k++) {
    add(routes[k].points || []);
    if (routes[k].facility) add([[routes[k].facility.x, routes[k].facility.y]]);
  }
  if (!isFinite(box[0])) {
    var c = this.options.centre || [0, 0];
    box = [c[0] - 600, c[1] - 600, c[0] + 600, c[1] + 600];
  }
  return box;
};

CircleMap.prototype.measure = function () {
  var rect = this.svg.getBoundingClientRect();
  this.width = Math.max(1, rect.width);
  this.height = Math.max(1, rect.height);
};

CircleMap.prototype.reset = function () {
  this.measure();
  var box = this.home;
  var pad = 24;
  var scale = Math.min((this.width - 2 * pad) / Math.max(box[2] - box[0], 50), (this.height - 2 * pad) / Math.max(box[3] - box[1], 50));
  this.view = { cx: (box[0] + box[2]) / 2, cy: (box[1] + box[3]) / 2, scale: this.clampScale(scale) };
  this.draw();
};

CircleMap.prototype.clampScale = function (scale) {
  var e = this.site.extent;
  var widest = Math.max(e[2] - e[0], e[3] - e[1], 1000) * 1.5;
  return Math.min(4, Math.max(Math.min(this.width, this.height) / widest, scale));
};

/** Map metres to pixels of the SVG, and back. */
CircleMap.prototype.toScreen = function (x, y) {
  var v = this.view;
  return [this.width / 2 + (x - v.cx) * v.scale, this.height / 2 - (y - v.cy) * v.scale];
};
CircleMap.prototype.toWorld = function (px, py) {
  var v = this.view;
  return [v.cx + (px - this.width / 2) / v.scale, v.cy - (py - this.height / 2) / v.scale];
};

CircleMap.prototype.zoomBy = function (factor, px, py) {
  var before = this.toWorld(px, py);
  this.view.scale = this.clampScale(this.view.scale * factor);
  var after = this.toWorld(px, py);
  this.view.cx += before[0] - after[0];
  this.view.cy += before[1] - after[1];
  this.draw();
};

CircleMap.prototype.panBy = function (dx, dy) {
  this.view.cx -= dx / this.view.scale;
  this.view.cy += dy / this.view.scale;
  this.draw();
};

/** Redraw: move the world (one attribute), place the markers in pixels, ask for the squares in view. */
CircleMap.prototype.draw = function () {
  var v = this.view;
  var s = v.scale;
  this.svg.setAttribute("viewBox", "0 0 " + this.width + " " + this.height);
  this.world.setAttribute(
    "transform",
    "matrix(" + [s, 0, 0, -s, this.width / 2 - s * v.cx, this.height / 2 + s * v.cy].join(" ") + ")"
  );
  this.drawMarkers();
  this.level = this.pickLevel();
  for (var key in this.levelGroups) {
    this.levelGroups[key].group.style.display = String(this.level.level) === key ? "" : "none";
  }
  var self = this;
  clearTimeout(this.loadTimer);
  this.loadTimer = setTimeout(function () {
    self.loadSquares();
  }, 120);
  this.updateLegend();
};

CircleMap.prototype.drawMarkers = function () {
  while (this.markers.firstChild) this.markers.removeChild(this.markers.firstChild);
  var routes = this.options.routes || [];
  var seen = {};
  for (var r = 0; r < routes.length; r++) {
    var f = routes[r].facility;
    if (!f) continue;
    var p = this.toScreen(f.x, f.y);
    var key = f.x + "," + f.y;
    var offset = seen[key] || 0; // one dot per category even where two share a facility
    seen[key] = offset + 1;
    this.markers.appendChild(
      svgEl("circle", {
        cx: String(p[0] + offset * 7),
        cy: String(p[1]),
        r: "6.5",
        fill: routes[r].colour,
        stroke: "#fff",
        "stroke-width": "2",
        class: "facility",
        "data-category": routes[r].category,
      })
    );
  }
  if (this.pin) {
    var q = this.toScreen(this.pin[0], this.pin[1]);
    var g = svgEl("g", { class: "pin", transform: "translate(" + q[0] + " " + q[1] + ")" });
    g.appendChild(svgEl("path", { d: "M0 0 L-8 -14 A9 9 0 1 1 8 -14 Z", fill: "#111", stroke: "#fff", "stroke-width": "2" }));
    g.appendChild(svgEl("circle", { cx: "0", cy: "-19", r: "3.5", fill: "#fff" }));
    this.markers.appendChild(g);
  }
};

/** The first level drawn for a view this wide (site.json's levels, finest first). */
CircleMap.prototype.pickLevel = function () {
  var levels = this.site.levels.slice().sort(function (a, b) {
    return a.level - b.level;
  });
  var wide = Math.max(this.width, this.height) / this.view.scale;
  for (var k = 0; k < levels.length; k++) {
    if (levels[k].max_view_m === null || levels[k].max_view_m === undefined || wide <= levels[k].max_view_m) return levels[k];
  }
  return levels[levels.length - 1];
};

/** The squares (i, j) of the current level in view, within the study's extent. */
CircleMap.prototype.squaresInView = function () {
  var level = this.level;
  if (level.max_view_m === null || level.max_view_m === undefined) return [[0, 0]];
  var a = this.toWorld(0, this.height);
  var b = this.toWorld(this.width, 0);
  var e = this.site.extent;
  var size = level.size;
  var i0 = Math.floor(Math.max(a[0], e[0]) / size);
  var i1 = Math.floor(Math.min(b[0], e[2]) / size);
  var j0 = Math.floor(Math.max(a[1], e[1]) / size);
  var j1 = Math.floor(Math.min(b[1], e[3]) / size);
  var out = [];
  for (var i = i0; i <= i1; i++) for (var j = j0; j <= j1; j++) out.push([i, j]);
  return out.length > 100 ? out.slice(0, 100) : out;
};

CircleMap.prototype.loadSquares = function () {
  var self = this;
  var level = this.level;
  var squares = this.squaresInView();
  squares.forEach(function (square) {
    var key = level.level + "/" + square[0] + "_" + square[1];
    if (self.tiles[key]) return;
    self.tiles[key] = "loading";
    fetch(self.options.base + "data/streets/" + key + ".json", { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (tile) {
        self.addSquare(level.level, tile);
        self.tiles[key] = "done";
      })
      .catch(function () {
        self.tiles[key] = "missing"; // no streets there (the writer leaves empty squares out)
      });
  });
};

CircleMap.prototype.addSquare = function (level, tile) {
  var groups = this.levelGroups[level];
  if (!groups) return;
  var byKind = [[], [], []];
  var lines = tile.lines || [];
  for (var n = 0; n < lines.length; n++) {
    var line = lines[n];
    var kind = line[0];
    if (!(kind >= 0 && kind <= 2) || line.length < 5) continue;
    var d = "M" + line[1] + " " + line[2] + "l" + line.slice(3).join(" ");
    byKind[kind].push(d);
  }
  var drawn = this.kindsDrawn[level] || (this.kindsDrawn[level] = {});
  for (var k = 0; k < 3; k++) {
    if (!byKind[k].length) continue;
    // vector-effect is not inherited: each path keeps its width in pixels at every zoom
    groups.kinds[k].appendChild(svgEl("path", { d: byKind[k].join(""), "vector-effect": "non-scaling-stroke" }));
    drawn[k] = true;
  }
  this.updateLegend();
};

CircleMap.prototype.setPin = function (x, y) {
  this.pin = x === null ? null : [x, y];
  this.drawMarkers();
  this.updateLegend();
};

/** Fill the legend: every layer drawn, in words. */
CircleMap.prototype.updateLegend = function () {
  var legend = this.options.legend;
  if (!legend) return;
  var lang = this.lang;
  var items = [];
  items.push({ swatch: "block", text: fill(lang, "legend_block") });
  if ((this.options.isochrone || []).length) {
    items.push({ swatch: "area", text: fill(lang, "legend_area", { n: Math.round(this.site.isochrone_minutes || 15) }) });
  }
  var routes = this.options.routes || [];
  for (var r = 0; r < routes.length; r++) {
    items.push({ swatch: "route", colour: routes[r].colour, text: fill(lang, "legend_route", { label: routes[r].label }), category: routes[r].category });
  }
  var drawn = (this.level && this.kindsDrawn[this.level.level]) || {};
  for (var k = 0; k < 3; k++) if (drawn[k]) items.push({ swatch: "street", kind: k, text: fill(lang, STREET_STYLE[k].key) });
  if (this.pin) items.push({ swatch: "pin", text: fill(lang, "legend_pin") });

  var signature = JSON.stringify(items);
  if (signature === this.legendSignature) return;
  this.legendSignature = signature;
  while (legend.firstChild) legend.removeChild(legend.firstChild);
  items.forEach(function (item) {
    var li = document.createElement("li");
    if (item.category) li.setAttribute("data-category", item.category);
    li.setAttribute("data-swatch", item.swatch);
    var sw = svgEl("svg", { width: "28", height: "18", viewBox: "0 0 28 18", "aria-hidden": "true" });
    if (item.swatch === "block") {
      sw.appendChild(svgEl("rect", { x: "3", y: "3", width: "22", height: "12", fill: "rgba(198, 40, 40, 0.12)", stroke: BLOCK_STROKE, "stroke-width": "2.5" }));
    } else if (item.swatch === "area") {
      sw.appendChild(svgEl("rect", { x: "1", y: "1", width: "26", height: "16", fill: AREA_FILL }));
    } else if (item.swatch === "route") {
      sw.appendChild(svgEl("path", { d: "M2 12 L18 6", stroke: item.colour, "stroke-width": "3.5", "stroke-linecap": "round" }));
      sw.appendChild(svgEl("circle", { cx: "21", cy: "6", r: "5", fill: item.colour, stroke: "#fff", "stroke-width": "1.5" }));
    } else if (item.swatch === "street") {
      var style = STREET_STYLE[item.kind];
      var attrs = { d: "M2 9 L26 9", stroke: style.stroke, "stroke-width": String(style.width), "stroke-linecap": "round" };
      if (style.dash) attrs["stroke-dasharray"] = style.dash;
      sw.appendChild(svgEl("path", attrs));
    } else if (item.swatch === "pin") {
      sw.appendChild(svgEl("path", { d: "M14 17 L8 8 A7 7 0 1 1 20 8 Z", fill: "#111" }));
    }
    li.appendChild(sw);
    var span = document.createElement("span");
    span.textContent = item.text;
    li.appendChild(span);
    legend.appendChild(li);
  });
};

/** Drag to pan, wheel and two fingers to zoom, a tap to place a pin (when onTap is given). */
CircleMap.prototype.listen = function () {
  var self = this;
  var svg = this.svg;
  var start = null;
  function local(event) {
    var rect = svg.getBoundingClientRect();
    return [event.clientX - rect.left, event.clientY - rect.top];
  }
  function pair() {
    var ids = Object.keys(self.pointers);
    if (ids.length < 2) return null;
    var a = self.pointers[ids[0]];
    var b = self.pointers[ids[1]];
    return { mid: [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2], dist: Math.max(1, Math.hypot(a[0] - b[0], a[1] - b[1])) };
  }
  function down(event) {
    self.measure();
    self.pointers[event.pointerId] = local(event);
    if (svg.setPointerCapture && typeof event.pointerId === "number") {
      try {
        svg.setPointerCapture(event.pointerId);
      } catch (error) {
        /* a synthetic pointer cannot be captured */
      }
    }
    start = Object.keys(self.pointers).length === 1 ? { at: local(event), moved: false } : null;
    self.pinch = pair();
  }
  function move(event) {
    var before = self.pointers[event.pointerId];
    if (!before) return;
    var now = local(event);
    self.pointers[event.pointerId] = now;
    var both = pair();
    if (both && self.pinch) {
      self.zoomBy(both.dist / self.pinch.dist, both.mid[0], both.mid[1]);
      self.panBy(both.mid[0] - self.pinch.mid[0], both.mid[1] - self.pinch.mid[1]);
      self.pinch = both;
      return;
    }
    if (start && Math.hypot(now[0] - start.at[0], now[1] - start.at[1]) > 6) start.moved = true;
    if (!start || start.moved) self.panBy(now[0] - before[0], now[1] - before[1]);
  }
  function end(event) {
    if (!self.pointers[event.pointerId]) return;
    delete self.pointers[event.pointerId];
    if (event.type === "pointerup" && start && !start.moved && self.options.onTap) {
      var at = self.toWorld(start.at[0], start.at[1]);
      self.options.onTap(Math.round(at[0]), Math.round(at[1]));
    }
    start = null;
    self.pinch = pair();
  }
  if (window.PointerEvent) {
    svg.addEventListener("pointerdown", down);
    svg.addEventListener("pointermove", move);
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);
  } else {
    // older in-app browsers (iOS before 13) have touch and mouse events only: each touch is a pointer
    var touches = function (handler, type) {
      return function (event) {
        event.preventDefault();
        for (var n = 0; n < event.changedTouches.length; n++) {
          var t = event.changedTouches[n];
          handler({ pointerId: "t" + t.identifier, clientX: t.clientX, clientY: t.clientY, type: type });
        }
      };
    };
    svg.addEventListener("touchstart", touches(down, "pointerdown"), { passive: false });
    svg.addEventListener("touchmove", touches(move, "pointermove"), { passive: false });
    svg.addEventListener("touchend", touches(end, "pointerup"), { passive: false });
    svg.addEventListener("touchcancel", touches(end, "pointercancel"), { passive: false });
    var mouse = function (handler, type) {
      return function (event) {
        handler({ pointerId: "mouse", clientX: event.clientX, clientY: event.clientY, type: type });
      };
    };
    svg.addEventListener("mousedown", mouse(down, "pointerdown"));
    window.addEventListener("mousemove", mouse(move, "pointermove"));
    window.addEventListener("mouseup", mouse(end, "pointerup"));
  }
  svg.addEventListener(
    "wheel",
    function (event) {
      event.preventDefault();
      var at = local(event);
      var lines = event.deltaMode === 1 ? 40 : event.deltaMode === 2 ? 400 : 1; // lines or pages to pixels
      self.zoomBy(Math.pow(2, (-event.deltaY * lines) / 300), at[0], at[1]);
    },
    { passive: false }
  );
  window.addEventListener("resize", function () {
    self.measure();
    self.draw();
  });
};
