// Report a problem (众管): a small form on a block's page. It is shown only when site.json takes reports
// and the server hands out a report token (GET /api/reports/token); a plain static host has neither, and
// the page then shows nothing of it. A report is POSTed as JSON to /api/reports with the token.
"use strict";

window.CircleReport = (function () {
  var EARTH_RADIUS_M = 6371008.8;
  var TEXT_MAX = 500;
  var CONTACT_MAX = 100;
  var KINDS = ["missing", "closed", "wrong", "blocked_path"];
  var TOKEN_URL = "/api/reports/token";
  var REPORT_URL = "/api/reports";
  var state = { open: false, map: null, pin: null, pinNote: null, lang: "zh" };

  /** The inverse of the site's plane (circle.publish): metres east and north of the origin to degrees. */
  function toLonLat(origin, x, y) {
    var perDegree = (EARTH_RADIUS_M * Math.PI) / 180;
    return {
      lon: origin.lon + x / (perDegree * Math.cos((origin.lat * Math.PI) / 180)),
      lat: origin.lat + y / perDegree,
    };
  }

  function token() {
    return fetch(TOKEN_URL, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json().then(function (body) {
        if (!body || typeof body.token !== "string" || !body.token) throw new Error("no token");
        return body.token;
      });
    });
  }

  function onMapTap(x, y) {
    if (!state.open || !state.map) return;
    state.pin = [x, y];
    state.map.setPin(x, y);
    if (state.pinNote) state.pinNote.textContent = fill(state.lang, "report_pin_moved");
  }

  /** The server's refusal in the resident's words where the page knows its code, else its own words. */
  function reason(lang, body, status) {
    var code = body && body.code;
    if (lang === "zh") {
      if (code === "too_many" || status === 429) return fill(lang, "error_too_many");
      if (code === "token") return fill(lang, "error_token");
      if (code === "place") return fill(lang, "error_place");
      if (code === "text") return fill(lang, "error_text");
      if (code === "contact") return fill(lang, "error_contact");
      if (code === "off") return fill(lang, "error_off");
    }
    return (body && body.error) || "HTTP " + status;
  }

  function render(section, options) {
    var site = options.site;
    var block = options.block;
    var lang = options.lang;
    state.lang = lang;
    state.map = options.map;
    if (!site.reports) return; // the site was published without the form
    token().then(
      function () {
        build(section, site, block, lang, options.labelOf || {});
        section.hidden = false;
      },
      function () {
        /* no report endpoint here (a plain static host): the section stays hidden */
      }
    );
  }

  function build(section, site, block, lang, labelOf) {
    section.appendChild(el("h2", { text: fill(lang, "report_heading") }));
    section.appendChild(el("p", { text: fill(lang, "report_intro") }));
    var open = el("button", { type: "button", class: "big-button secondary", id: "report-open", text: fill(lang, "report_button") });
    section.appendChild(open);
    var form = el("form", { class: "report-form", id: "report-form", novalidate: "novalidate" });
    form.hidden = true;
    section.appendChild(form);

    var kinds = el("fieldset", null, el("legend", { text: fill(lang, "report_what") }));
    KINDS.forEach(function (kind, n) {
      var input = el("input", { type: "radio", name: "kind", value: kind, id: "kind-" + kind });
      if (!n) input.checked = input.defaultChecked = true;
      kinds.appendChild(el("label", { for: "kind-" + kind, class: "choice" }, input, fill(lang, "kind_" + kind)));
    });
    form.appendChild(kinds);

    var category = el("select", { id: "report-category", name: "category" });
    category.appendChild(el("option", { value: "", text: fill(lang, "report_category_none") }));
    (site.categories || []).forEach(function (c) {
      category.appendChild(el("option", { value: c.key, text: labelOf[c.key] || c.key }));
    });
    form.appendChild(el("label", { for: "report-category", class: "field", text: fill(lang, "report_category") }));
    form.appendChild(category);

    state.pinNote = el("p", { class: "hint", id: "report-pin", text: fill(lang, "report_pin") });
    form.appendChild(state.pinNote);

    var text = el("textarea", { id: "report-text", name: "text", rows: "4", maxlength: String(TEXT_MAX) });
    var counter = el("p", { class: "hint", id: "report-counter", "aria-live": "polite", text: fill(lang, "report_counter", { n: TEXT_MAX }) });
    text.addEventListener("input", function () {
      counter.textContent = fill(lang, "report_counter", { n: Math.max(0, TEXT_MAX - text.value.length) });
    });
    form.appendChild(el("label", { for: "report-text", class: "field", text: fill(lang, "report_text", { n: TEXT_MAX }) }));
    form.appendChild(text);
    form.appendChild(counter);

    var contact = el("input", { type: "text", id: "report-contact", name: "contact", maxlength: String(CONTACT_MAX), autocomplete: "tel" });
    form.appendChild(el("label", { for: "report-contact", class: "field", text: fill(lang, "report_contact", { n: CONTACT_MAX }) }));
    form.appendChild(contact);
    form.appendChild(el("p", { class: "hint", text: fill(lang, "report_contact_note") }));

    var send = el("button", { type: "submit", class: "big-button", id: "report-send", text: fill(lang, "report_send") });
    var cancel = el("button", { type: "button", class: "big-button secondary", id: "report-cancel", text: fill(lang, "report_cancel") });
    form.appendChild(el("div", { class: "buttons" }, send, cancel));
    var status = el("p", { class: "status", id: "report-status", role: "status", "aria-live": "polite" });
    form.appendChild(status);

    function close() {
      form.hidden = true;
      open.hidden = false;
      state.open = false;
      state.pin = null;
      if (state.map) state.map.setPin(null);
    }
    open.addEventListener("click", function () {
      var done = document.getElementById("report-done");
      if (done) done.parentNode.removeChild(done);
      form.hidden = false;
      open.hidden = true;
      state.open = true;
      state.pin = block.centre ? [block.centre[0], block.centre[1]] : [0, 0];
      if (state.map) state.map.setPin(state.pin[0], state.pin[1]);
      state.pinNote.textContent = fill(lang, "report_pin");
      status.textContent = "";
      var mapSection = document.getElementById("map-section");
      if (mapSection && mapSection.scrollIntoView) mapSection.scrollIntoView({ block: "start" });
    });
    cancel.addEventListener("click", close);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var words = text.value.trim();
      if (!words) {
        status.textContent = fill(lang, "report_need_text");
        text.focus();
        return;
      }
      var kind = form.querySelector("input[name=kind]:checked");
      var where = toLonLat(site.origin, state.pin[0], state.pin[1]);
      var body = {
        site: site.name,
        block_id: block.id, // the page's id: the server looks up the study's block id from it
        kind: kind ? kind.value : "missing",
        category: category.value || null,
        lon: Math.round(where.lon * 1e7) / 1e7,
        lat: Math.round(where.lat * 1e7) / 1e7,
        text: words,
        contact: contact.value.trim() || null,
      };
      send.disabled = true;
      status.textContent = fill(lang, "report_sending");
      token()
        .then(function (issued) {
          return fetch(REPORT_URL, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-Circle-Token": issued },
            body: JSON.stringify(body),
          });
        })
        .then(function (response) {
          return response.json().then(
            function (answer) {
              return { status: response.status, ok: response.ok, answer: answer };
            },
            function () {
              return { status: response.status, ok: false, answer: null };
            }
          );
        })
        .then(
          function (result) {
            send.disabled = false;
            if (result.ok && result.answer && result.answer.ok) {
              form.reset(); // a new report starts blank
              counter.textContent = fill(lang, "report_counter", { n: TEXT_MAX });
              close();
              section.appendChild(el("p", { class: "status done", id: "report-done", role: "status", text: fill(lang, "report_thanks") }));
              return;
            }
            status.textContent = fill(lang, "report_failed", { reason: reason(lang, result.answer, result.status) });
          },
          function () {
            send.disabled = false;
            status.textContent = fill(lang, "report_failed", { reason: fill(lang, "report_offline") });
          }
        );
    });
  }

  return { render: render, onMapTap: onMapTap, toLonLat: toLonLat };
})();
