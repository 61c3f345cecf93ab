// The resident page: one shell for the search page (index.html) and every block page
// (index.html?b=ID&lang=zh|en&pace=standard|elderly). It reads only the site's own data files.
"use strict";

var DATA = "data/";
var SEARCH_LIMIT = 10;
// one colour per category, by its place in site.json (the same on every page); none is the block's red
// or the area's blue
var ROUTE_COLOURS = [
  "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#b8860b",
  "#a6761d", "#17becf", "#8c564b", "#6a3d9a", "#2f4f4f", "#bcbd22",
];

/** The page's address parameters: block, language (zh unless en), pace (standard unless elderly). */
function readParams() {
  var params = new URLSearchParams(window.location.search);
  return {
    block: params.get("b"),
    lang: params.get("lang") === "en" ? "en" : "zh",
    pace: params.get("pace") === "elderly" ? "elderly" : "standard",
  };
}

/** The address of this page with the given parameters (relative: the shell serves every page). */
function pageHref(params) {
  var parts = [];
  if (params.block) parts.push("b=" + encodeURIComponent(params.block));
  parts.push("lang=" + params.lang);
  if (params.pace === "elderly") parts.push("pace=elderly");
  return "?" + parts.join("&");
}

/** The full address of a block's page, as shared and put in its QR code. */
function shareUrl(params) {
  return window.location.origin + window.location.pathname + "?b=" + encodeURIComponent(params.block) + "&lang=" + params.lang;
}

/** Make an element: el("p", {class: "x"}, "text", child, ...). Text is always set as text, never as HTML. */
function el(name, attrs) {
  var node = document.createElement(name);
  if (attrs) {
    for (var key in attrs) {
      if (!Object.prototype.hasOwnProperty.call(attrs, key) || attrs[key] === null || attrs[key] === undefined) continue;
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    }
  }
  for (var k = 2; k < arguments.length; k++) {
    var child = arguments[k];
    if (child === null || child === undefined) continue;
    node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

/** Text that comes from the data (names, places): marked so the page's own words can be told apart. */
function data(text, tag) {
  return el(tag || "span", { class: "data", "data-d": "1", text: text });
}

function getJson(path) {
  return fetch(path, { credentials: "same-origin" }).then(function (response) {
    if (!response.ok) {
      var error = new Error(String(response.status));
      error.status = response.status;
      throw error;
    }
    return response.json();
  });
}

/** Whole minutes in words, half up, as the posters say them. */
function minutesWords(minutes, lang) {
  if (minutes < 0.5) return fill(lang, "under_minute");
  return fill(lang, "minutes", { n: Math.floor(minutes + 0.5) });
}

/** A service's minutes at a pace: the engine's minutes (standard), scaled by how much longer the same
 * metres, flat and on steps, take at the older person's pace (as circle.publish.posters.older_minutes). */
function paceMinutes(service, profiles, pace) {
  var minutes = service.minutes;
  if (typeof minutes !== "number" || !isFinite(minutes)) return null;
  if (pace !== "elderly" || !profiles || !profiles.standard || !profiles.elderly) return minutes;
  var metres = Number(service.metres) || 0;
  var steps = Math.min(Number(service.steps_metres) || 0, metres);
  var flat = metres - steps;
  var slow = flat / profiles.elderly.speed + steps / profiles.elderly.steps_speed;
  var fast = flat / profiles.standard.speed + steps / profiles.standard.steps_speed;
  var ratio = fast > 0 ? slow / fast : profiles.standard.speed / profiles.elderly.speed;
  return minutes * ratio;
}

function formatMetres(metres) {
  return String(Math.round(metres)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

// ---------------------------------------------------------------------------------------------- search

/** Lower-case, strip accents and tone marks, drop spaces and apostrophes (as circle.analysis.search). */
function normalise(text) {
  var plain = String(text).normalize ? String(text).normalize("NFKD") : String(text);
  return plain
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[\s'’·•.．,，、()（）\[\]【】「」《》\-_]+/g, "");
}

var HAN = /[\u3400-\u9fff\uf900-\ufaff]/;
var SYLLABLE = new RegExp(
  "^(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?" +
    "(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|an|ao|ei|en|er|ia|ie|in|iu|ou|ua|ue|ui|un|uo|ve|vn" +
    "|a|e|i|o|u|v|ng|n|m)$"
);

/**
 * Split a name's full pinyin into one piece per character, guided by its initials: a character in Han script
 * gets a syllable starting with its initial, any other character itself. Return the pieces, or null when the
 * split is not one and only one.
 */
function splitPinyin(chars, pinyin, initials) {
  if (chars.length !== initials.length) return null;
  var found = [];
  function walk(k, at, pieces) {
    if (found.length > 1) return;
    if (k === chars.length) {
      if (at === pinyin.length) found.push(pieces.slice());
      return;
    }
    if (!HAN.test(chars[k]) || initials[k] === chars[k]) {
      if (pinyin.substr(at, initials[k].length) === initials[k]) {
        pieces.push(initials[k]);
        walk(k + 1, at + initials[k].length, pieces);
        pieces.pop();
      }
      return;
    }
    if (pinyin[at] !== initials[k]) return;
    for (var end = at + 1; end <= Math.min(pinyin.length, at + 6); end++) {
      var piece = pinyin.slice(at, end);
      if (!SYLLABLE.test(piece)) continue;
      pieces.push(piece);
      walk(k + 1, end, pieces);
      pieces.pop();
    }
  }
  walk(0, 0, []);
  return found.length === 1 ? found[0] : null;
}

/**
 * Learn each character's pinyin from the index's own names (the page carries no pinyin dictionary), the
 * reading met most often first.
 */
function learnPinyin(rows) {
  var counts = {};
  for (var n = 0; n < rows.length; n++) {
    var chars = Array.from(rows[n].plain);
    var pieces = splitPinyin(chars, rows[n][2], Array.from(rows[n][3]));
    if (!pieces) continue;
    for (var k = 0; k < chars.length; k++) {
      if (!HAN.test(chars[k])) continue;
      var seen = counts[chars[k]] || (counts[chars[k]] = {});
      seen[pieces[k]] = (seen[pieces[k]] || 0) + 1;
    }
  }
  var reading = {};
  for (var c in counts) {
    var best = null;
    for (var syllable in counts[c]) if (best === null || counts[c][syllable] > counts[c][best]) best = syllable;
    reading[c] = best;
  }
  return reading;
}

/** The full pinyin of a query (as circle.analysis.search.pinyin_forms), or null when a character's is unknown. */
function queryPinyin(wanted, reading) {
  var out = "";
  var chars = Array.from(wanted);
  for (var k = 0; k < chars.length; k++) {
    if (!HAN.test(chars[k])) out += chars[k];
    else if (reading && reading[chars[k]]) out += reading[chars[k]];
    else return null;
  }
  return out;
}

/**
 * Rank the index's rows against a query as circle.analysis.search does: exact, prefix, anywhere; in the
 * name's characters, then its full pinyin, then its initials; shorter names first among equals.
 */
function searchIndex(rows, query, limit, reading) {
  var wanted = normalise(query);
  if (!wanted) return { rows: [], total: 0 };
  // characters in the query are read as the index's names read them (a homophone's name is found too)
  var wantedPinyin = queryPinyin(wanted, reading);
  var best = [];
  for (var n = 0; n < rows.length; n++) {
    var row = rows[n];
    var forms = [
      [row.plain, wanted],
      [row[2], wantedPinyin],
      [row[3], wanted],
    ];
    var rank = null;
    for (var weight = 0; weight < 3; weight++) {
      var form = forms[weight][0];
      var term = forms[weight][1];
      if (!term || !form) continue;
      var score;
      if (form === term) score = 0;
      else if (form.indexOf(term) === 0) score = 1;
      else if (form.indexOf(term) >= 0) score = 2;
      else continue;
      var candidate = score * 3 + weight;
      rank = rank === null ? candidate : Math.min(rank, candidate);
    }
    if (rank !== null) best.push([rank, row[1].length, row[0], row[1], row[4] || null]);
  }
  best.sort(function (a, b) {
    for (var k = 0; k < 3; k++) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
    return 0;
  });
  return { rows: best.slice(0, limit), total: best.length };
}

/** The index's rows with each name's plain form (as circle.analysis.search.normalise). */
function prepareIndex(rows) {
  return rows.map(function (row) {
    var copy = row.slice();
    copy.plain = normalise(row[1]);
    return copy;
  });
}

function renderSearch(main, site, params) {
  var lang = params.lang;
  var input = el("input", {
    id: "q",
    type: "search",
    autocomplete: "off",
    autocapitalize: "off",
    spellcheck: "false",
    enterkeyhint: "search",
    placeholder: fill(lang, "search_placeholder"),
    "aria-describedby": "q-hint",
  });
  var status = el("p", { class: "status", id: "search-status", role: "status", "aria-live": "polite" });
  var list = el("ul", { class: "results", id: "results" });
  main.appendChild(
    el(
      "section",
      { class: "search" },
      el("p", { class: "intro", text: fill(lang, "intro") }),
      el("label", { for: "q", class: "search-label", text: fill(lang, "search_label") }),
      input,
      el("p", { class: "hint", id: "q-hint", text: site.example ? fill(lang, "search_hint_example", site.example) : fill(lang, "search_hint") }),
      status,
      list,
      site.blocks ? el("p", { class: "hint", text: fill(lang, "intro_blocks", { n: site.blocks }) }) : null
    )
  );

  var index = null;
  var reading = null;
  var loading = null;
  function load() {
    if (!loading) {
      status.textContent = fill(lang, "search_loading");
      loading = getJson(DATA + "search.json").then(
        function (rows) {
          index = prepareIndex(rows);
          reading = learnPinyin(index);
          status.textContent = "";
          run();
        },
        function () {
          loading = null;
          status.textContent = fill(lang, "search_failed");
        }
      );
    }
    return loading;
  }
  function run() {
    if (!index) return;
    var query = input.value;
    while (list.firstChild) list.removeChild(list.firstChild);
    if (!normalise(query)) {
      status.textContent = "";
      return;
    }
    var found = searchIndex(index, query, SEARCH_LIMIT, reading);
    if (!found.rows.length) {
      status.textContent = fill(lang, "search_none", { q: query });
      return;
    }
    status.textContent =
      fill(lang, "search_count", { n: found.total }) +
      (found.total > found.rows.length ? "；" + fill(lang, "search_more", { n: found.rows.length }) : "");
    if (lang === "en") status.textContent = status.textContent.replace("；", "; ");
    found.rows.forEach(function (hit) {
      var link = el("a", { href: pageHref({ block: hit[2], lang: lang, pace: params.pace }), "data-id": hit[2] }, data(hit[3]));
      // the community or street tells apart blocks of one name
      if (hit[4]) link.appendChild(el("span", { class: "where", text: " · " + hit[4] }));
      list.appendChild(el("li", null, link));
    });
  }
  input.addEventListener("focus", load);
  input.addEventListener("keydown", load);
  input.addEventListener("input", function () {
    if (index) run();
    else load();
  });
  if (input.value) load();
}

// ---------------------------------------------------------------------------------------------- block

/** A small pictogram of a category (white on its colour), drawn in SVG so no emoji font is needed. */
var ICONS = {
  kindergarten: "M5 14h4v-4H5zM11 14h4v-4h-4zM8 9h4V5H8z",
  primary_school: "M4 6l6-3 6 3-6 3zM6 8v4c2 2 6 2 8 0V8",
  middle_school: "M4 6l6-3 6 3-6 3zM6 8v4c2 2 6 2 8 0V8M16 6v5",
  clinic: "M8 4h4v4h4v4h-4v4H8v-4H4V8h4z",
  park: "M10 3l5 7h-3l3 4H5l3-4H5zM9 14h2v3H9z",
  park_1ha: "M10 3l5 7h-3l3 4H5l3-4H5zM9 14h2v3H9z",
  park_5ha: "M10 3l5 7h-3l3 4H5l3-4H5zM9 14h2v3H9z",
  culture: "M3 7l7-4 7 4zM5 8h2v6H5zM9 8h2v6H9zM13 8h2v6h-2zM3 15h14v2H3z",
  sports: "M10 3a7 7 0 1 0 0.01 0zM3 10h14M10 3v14",
  elderly_care: "M10 16l-5-5a3 3 0 0 1 5-4 3 3 0 0 1 5 4z",
  food_market: "M3 7h14l-2 8H5zM7 7l3-4 3 4",
};
var STROKED = { sports: true, primary_school: true, middle_school: true };

function icon(category, colour) {
  var svg = svgEl("svg", { class: "icon", width: "34", height: "34", viewBox: "0 0 20 20", "aria-hidden": "true" });
  svg.appendChild(svgEl("circle", { cx: "10", cy: "10", r: "10", fill: colour }));
  var d = ICONS[category] || "M7 10a3 3 0 1 0 6 0a3 3 0 1 0 -6 0";
  var attrs = { d: d, fill: STROKED[category] ? "none" : "#fff", stroke: "#fff", "stroke-width": STROKED[category] ? "1.6" : "0.6", "stroke-linejoin": "round" };
  svg.appendChild(svgEl("path", attrs));
  return svg;
}

function blockTitle(block, lang) {
  return block.name || fill(lang, "unnamed_block");
}

function medianWords(score, median, lang) {
  if (typeof median !== "number" || !isFinite(median)) return null;
  var diff = score - median;
  var shown = Math.round(median);
  if (Math.abs(diff) < 2) return fill(lang, "median_same", { median: shown });
  return fill(lang, diff > 0 ? "median_above" : "median_below", { median: shown, diff: Math.round(Math.abs(diff)) });
}

function renderBlock(main, site, block, params) {
  var lang = params.lang;
  var categories = site.categories || [];
  var colourOf = {};
  var labelOf = {};
  var verdictOf = {};
  categories.forEach(function (category, n) {
    colourOf[category.key] = ROUTE_COLOURS[n % ROUTE_COLOURS.length];
    labelOf[category.key] = (category.label && category.label[lang]) || category.key;
    verdictOf[category.key] = category.verdict;
  });
  document.title = blockTitle(block, lang) + " · " + (placeName(site, lang) + " " + fill(lang, "circle")).trim();

  main.appendChild(el("p", { class: "back" }, el("a", { id: "back-link", href: pageHref({ lang: lang, pace: params.pace }), text: fill(lang, "back") })));

  // who and where
  var head = el("section", { class: "block-head" });
  head.appendChild(el("h1", { id: "block-name" }, block.name ? data(block.name) : fill(lang, "unnamed_block")));
  var placeText = block.place && block.place[lang];
  if (placeText) head.appendChild(el("p", { class: "where" }, fill(lang, "where", { place: "" }), data(placeText)));
  var belongs = [];
  if (block.community) belongs.push(el("span", null, fill(lang, "community", { name: "" }), data(block.community)));
  if (block.subdistrict) belongs.push(el("span", null, fill(lang, "subdistrict", { name: "" }), data(block.subdistrict)));
  if (belongs.length) {
    var line = el("p", { class: "where" });
    belongs.forEach(function (part, n) {
      if (n) line.appendChild(document.createTextNode(lang === "zh" ? "　" : " · "));
      line.appendChild(part);
    });
    head.appendChild(line);
  }
  main.appendChild(head);

  // the score in words first, then what it means
  var band = (block.band && block.band[lang]) || "";
  var score = el("section", { class: "score band-" + bandClass(block.score) });
  score.appendChild(el("h2", { text: fill(lang, "score_heading") }));
  if (block.connected === false) {
    // the block could not be joined to the map's streets: its zero says nothing about the place
    score.appendChild(el("p", { class: "score-line", id: "score-line", "data-score": "", text: fill(lang, "not_connected") }));
    main.appendChild(score);
    var alone = el("section", { class: "share", id: "share" });
    main.appendChild(alone);
    if (window.CircleShare) window.CircleShare.render(alone, { url: shareUrl(params), title: document.title, lang: lang });
    return;
  }
  if (block.score === null || block.score === undefined) {
    // no category could be assessed from the map data: no number, no band, no comparison
    score.appendChild(el("p", { class: "score-line", id: "score-line", "data-score": "", text: fill(lang, "no_score") }));
  } else {
    score.appendChild(el("p", { class: "score-line", id: "score-line", "data-score": String(block.score), text: fill(lang, "score_line", { band: band, score: Math.round(block.score) }) }));
    score.appendChild(el("p", { class: "tier", id: "tier", text: fill(lang, "tier_" + (block.tier_met || 0)) }));
    var median = medianWords(block.score, site.median_score, lang);
    if (median) score.appendChild(el("p", { class: "median", id: "median", text: median }));
  }
  score.appendChild(el("p", { class: "meaning", text: fill(lang, "score_meaning") }));
  var partial = categories.some(function (category) {
    return category.verdict === "absent" || category.verdict === "likely_incomplete";
  });
  if (partial) score.appendChild(el("p", { class: "meaning", text: fill(lang, "score_left_out") }));
  if (block.flagged) score.appendChild(el("p", { class: "note", text: fill(lang, "flagged") }));
  main.appendChild(score);

  // the walking pace switch
  var paces = el("fieldset", { class: "pace", id: "pace" }, el("legend", { text: fill(lang, "pace_label") }));
  ["standard", "elderly"].forEach(function (pace) {
    var input = el("input", { type: "radio", name: "pace", value: pace, id: "pace-" + pace });
    if (pace === params.pace) input.checked = true;
    input.addEventListener("change", function () {
      params.pace = pace;
      if (window.history && window.history.replaceState) window.history.replaceState(null, "", pageHref(params));
      // the links that leave the page keep the pace: the language switch, the place's name, "find another"
      renderHeader(site, params);
      var back = document.getElementById("back-link");
      if (back) back.setAttribute("href", pageHref({ lang: lang, pace: pace }));
      renderServices(services, site, block, params, colourOf, labelOf, verdictOf);
    });
    paces.appendChild(el("label", { for: "pace-" + pace, class: "pace-option" }, input, fill(lang, "pace_" + pace)));
  });

  // the nearest places
  var services = el("section", { class: "services", id: "services" });
  main.appendChild(el("h2", { class: "section-title", text: fill(lang, "services_heading") }));
  main.appendChild(paces);
  main.appendChild(services);
  renderServices(services, site, block, params, colourOf, labelOf, verdictOf);

  // what is missing, in plain words
  var missing = el("section", { class: "missing", id: "missing" }, el("h2", { text: fill(lang, "missing_heading") }));
  missing.appendChild(el("p", { class: "hint", text: fill(lang, "missing_pace") }));
  var lines = (block.missing && block.missing[lang]) || [];
  var notHeld = (block.not_held && block.not_held[lang]) || [];
  if (lines.length) {
    var list = el("ul", null);
    lines.forEach(function (text) {
      list.appendChild(el("li", null, data(text)));
    });
    missing.appendChild(list);
  } else {
    missing.appendChild(el("p", { text: fill(lang, "missing_none") }));
  }
  notHeld.forEach(function (text) {
    missing.appendChild(el("p", { class: "not-held" }, data(text)));
  });
  main.appendChild(missing);

  // the map and its legend
  var mapSection = el("section", { class: "map-section", id: "map-section" }, el("h2", { text: fill(lang, "map_heading") }));
  var legend = el("ul", { class: "legend", id: "legend", "aria-label": fill(lang, "legend") });
  main.appendChild(mapSection);
  var routes = [];
  (block.services || []).forEach(function (service) {
    if (!service.facility || verdictOf[service.category] === "absent") return;
    routes.push({
      category: service.category,
      colour: colourOf[service.category] || "#555",
      label: labelOf[service.category] || service.category,
      points: service.route || [],
      metres: service.metres,
      facility: service.facility,
    });
  });
  var map = null;
  if (typeof CircleMap === "function") {
    map = new CircleMap(mapSection, {
      site: site,
      lang: lang,
      base: "",
      outline: block.outline || [],
      isochrone: block.isochrone || [],
      centre: block.centre,
      routes: routes,
      legend: legend,
      onTap: function (x, y) {
        if (window.CircleReport && window.CircleReport.onMapTap) window.CircleReport.onMapTap(x, y);
      },
    });
  }
  mapSection.appendChild(el("p", { class: "hint", text: fill(lang, "map_help") }));
  mapSection.appendChild(el("h3", { class: "legend-title", text: fill(lang, "legend") }));
  mapSection.appendChild(legend);
  if (map) map.updateLegend();

  // report a problem (shown only when the server takes reports), then share
  var report = el("section", { class: "report", id: "report", hidden: "hidden" });
  main.appendChild(report);
  var share = el("section", { class: "share", id: "share" });
  main.appendChild(share);
  if (window.CircleShare) window.CircleShare.render(share, { url: shareUrl(params), title: document.title, lang: lang });
  if (window.CircleReport) window.CircleReport.render(report, { site: site, block: block, lang: lang, map: map, labelOf: labelOf });
}

function bandClass(score) {
  if (score === null || score === undefined) return "none";
  if (score >= 75) return "good";
  if (score >= 50) return "fair";
  return "poor";
}

function renderServices(container, site, block, params, colourOf, labelOf, verdictOf) {
  var lang = params.lang;
  while (container.firstChild) container.removeChild(container.firstChild);
  var profile = site.profiles && site.profiles[params.pace];
  if (profile) {
    container.appendChild(
      el("p", { class: "hint", id: "pace-note", text: fill(lang, "services_note_" + params.pace, { speed: profile.speed.toFixed(1) }) })
    );
  }
  var byCategory = {};
  (block.services || []).forEach(function (service) {
    byCategory[service.category] = service;
  });
  var list = el("ul", { class: "service-list" });
  (site.categories || []).forEach(function (category) {
    var service = byCategory[category.key];
    if (!service) return;
    var verdict = service.verdict || verdictOf[category.key];
    var item = el("li", { class: "service", "data-category": category.key, "data-verdict": verdict });
    item.appendChild(icon(category.key, colourOf[category.key]));
    var body = el("div", { class: "service-body" });
    body.appendChild(el("p", { class: "service-label", text: labelOf[category.key] }));
    if (verdict === "absent") {
      body.appendChild(el("p", { class: "service-note not-held", text: fill(lang, "not_held") }));
    } else if (service.facility) {
      var name = service.facility.name;
      body.appendChild(el("p", { class: "facility-name" }, name ? data(name) : fill(lang, "unnamed_facility")));
      var minutes = paceMinutes(service, site.profiles, params.pace);
      if (minutes !== null) {
        body.appendChild(
          el("p", {
            class: "walk",
            "data-minutes": minutes.toFixed(2),
            text: fill(lang, "walk", { minutes: minutesWords(minutes, lang), metres: formatMetres(service.metres || 0) }),
          })
        );
      }
      if (verdict === "likely_incomplete") body.appendChild(el("p", { class: "service-note", text: fill(lang, "partly_held") }));
    } else {
      body.appendChild(el("p", { class: "service-note", text: fill(lang, "not_reached") }));
      if (verdict === "likely_incomplete") body.appendChild(el("p", { class: "service-note", text: fill(lang, "partly_held") }));
    }
    item.appendChild(body);
    list.appendChild(item);
  });
  container.appendChild(list);
}

// ---------------------------------------------------------------------------------------------- page

/**
 * The place's name residents know; empty when the site only knows its folder's name (a study published
 * without --place whose area has no name of its own: "default" means nothing to a resident).
 */
function placeName(site, lang) {
  var place = (site.place && site.place[lang]) || "";
  if (place && place === site.name && /^[a-z0-9_.-]+$/.test(place)) return "";
  return place;
}

function renderHeader(site, params) {
  var lang = params.lang;
  var header = document.getElementById("top");
  while (header.firstChild) header.removeChild(header.firstChild);
  var place = placeName(site, lang);
  var home = el("a", { class: "home", href: pageHref({ lang: lang, pace: params.pace }) }, el("span", { class: "place" }, data(place)), " ", el("span", { class: "circle", text: fill(lang, "circle") }));
  var other = lang === "zh" ? "en" : "zh";
  var switcher = el("a", {
    class: "lang",
    id: "lang-switch",
    lang: other === "zh" ? "zh-CN" : "en",
    href: pageHref({ block: params.block, lang: other, pace: params.pace }),
    text: fill(lang, "other_lang"),
  });
  header.appendChild(home);
  header.appendChild(switcher);
}

function renderFooter(site, params) {
  var lang = params.lang;
  var footer = document.getElementById("foot");
  while (footer.firstChild) footer.removeChild(footer.firstChild);
  footer.appendChild(el("p", { id: "data-date", text: site.data_date ? fill(lang, "footer_data", { date: site.data_date }) : fill(lang, "footer_data_unknown") }));
  if (site.source && site.source[lang]) footer.appendChild(el("p", null, fill(lang, "footer_source", { source: "" }), data(site.source[lang])));
  if (site.attribution) footer.appendChild(el("p", { class: "attribution" }, data(site.attribution)));
  footer.appendChild(el("p", { text: fill(lang, "footer_method") }));
  if (site.published) footer.appendChild(el("p", { text: fill(lang, "footer_published", { date: site.published }) }));
}

function showProblem(main, text) {
  while (main.firstChild) main.removeChild(main.firstChild);
  main.appendChild(el("p", { class: "problem", role: "alert", text: text }));
}

function start() {
  var params = readParams();
  var lang = params.lang;
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  var main = document.getElementById("main");
  showProblem(main, fill(lang, "loading"));
  main.firstChild.className = "loading";
  getJson(DATA + "site.json").then(
    function (site) {
      renderHeader(site, params);
      renderFooter(site, params);
      document.title = (placeName(site, lang) + " " + fill(lang, "circle")).trim();
      if (!params.block || !/^[A-Za-z0-9_-]{1,64}$/.test(params.block)) {
        while (main.firstChild) main.removeChild(main.firstChild);
        renderSearch(main, site, params);
        document.body.setAttribute("data-ready", "1");
        return;
      }
      getJson(DATA + "blocks/" + params.block + ".json").then(
        function (block) {
          while (main.firstChild) main.removeChild(main.firstChild);
          renderBlock(main, site, block, params);
          document.body.setAttribute("data-ready", "1");
        },
        function (error) {
          showProblem(main, fill(lang, error.status === 404 ? "block_missing" : "load_failed"));
          main.appendChild(el("p", { class: "back" }, el("a", { href: pageHref({ lang: lang }), text: fill(lang, "back") })));
        }
      );
    },
    function () {
      showProblem(main, fill(lang, "load_failed"));
    }
  );
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
