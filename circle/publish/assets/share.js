// Share a block's page: the system share sheet where the browser has one (navigator.share), else copy the
// link to the clipboard with a visible confirmation, else show the link selected for the resident to copy;
// and the page's address as a QR code on screen (qr.js, loaded after the page is drawn).
"use strict";

window.CircleShare = (function () {
  var qrLoading = null;

  /** Load the vendored QR encoder once (a script of the site's own: the CSP allows 'self' only). */
  function loadQr() {
    if (typeof window.qrcode === "function") return Promise.resolve(window.qrcode);
    if (!qrLoading) {
      qrLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = "qr.js";
        script.async = true;
        script.onload = function () {
          if (typeof window.qrcode === "function") resolve(window.qrcode);
          else reject(new Error("qr.js did not define qrcode"));
        };
        script.onerror = function () {
          qrLoading = null;
          reject(new Error("qr.js did not load"));
        };
        document.head.appendChild(script);
      });
    }
    return qrLoading;
  }

  /** Draw `text` as a QR code (byte mode, error correction M) in an SVG with a 4-module quiet zone. */
  function qrSvg(encoder, text, pixels) {
    var qr = encoder(0, "M");
    qr.addData(text, "Byte");
    qr.make();
    var count = qr.getModuleCount();
    var size = count + 8;
    var parts = [];
    for (var row = 0; row < count; row++) {
      for (var col = 0; col < count; col++) {
        if (qr.isDark(row, col)) parts.push("M" + (col + 4) + " " + (row + 4) + "h1v1h-1z");
      }
    }
    var svg = svgEl("svg", {
      class: "qr",
      id: "qr",
      width: String(pixels),
      height: String(pixels),
      viewBox: "0 0 " + size + " " + size,
      "shape-rendering": "crispEdges",
      role: "img",
      "data-text": text,
    });
    svg.appendChild(svgEl("rect", { x: "0", y: "0", width: String(size), height: String(size), fill: "#fff" }));
    svg.appendChild(svgEl("path", { d: parts.join(""), fill: "#000" }));
    return svg;
  }

  /** Copy with the old selection command (browsers without the async clipboard, e.g. over plain http). */
  function legacyCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "0";
    area.style.left = "0";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try {
      done = document.execCommand("copy");
    } catch (error) {
      done = false;
    }
    document.body.removeChild(area);
    return done;
  }

  function render(section, options) {
    var lang = options.lang;
    var url = options.url;
    section.appendChild(el("h2", { text: fill(lang, "share_heading") }));
    var button = el("button", { type: "button", class: "big-button", id: "share-button", text: fill(lang, "share_button") });
    var status = el("p", { class: "status", id: "share-status", role: "status", "aria-live": "polite" });
    var link = el("input", { type: "text", class: "share-link", id: "share-link", readonly: "readonly", value: url, "aria-label": url });
    link.hidden = true;
    section.appendChild(button);
    section.appendChild(status);
    section.appendChild(link);

    function showSelected() {
      status.textContent = fill(lang, "share_select");
      link.hidden = false;
      link.focus();
      link.select();
      if (link.setSelectionRange) link.setSelectionRange(0, url.length);
    }
    function copy() {
      if (navigator.clipboard && navigator.clipboard.writeText && window.isSecureContext) {
        navigator.clipboard.writeText(url).then(
          function () {
            status.textContent = fill(lang, "share_copied");
          },
          function () {
            if (legacyCopy(url)) status.textContent = fill(lang, "share_copied");
            else showSelected();
          }
        );
      } else if (legacyCopy(url)) {
        status.textContent = fill(lang, "share_copied");
      } else {
        showSelected();
      }
    }
    button.addEventListener("click", function () {
      if (typeof navigator.share === "function") {
        navigator.share({ title: options.title, url: url }).then(
          function () {
            status.textContent = fill(lang, "share_done");
          },
          function (error) {
            if (!error || error.name !== "AbortError") copy();
          }
        );
      } else {
        copy();
      }
    });

    var figure = el("figure", { class: "qr-box" });
    section.appendChild(figure);
    loadQr().then(
      function (encoder) {
        figure.appendChild(qrSvg(encoder, url, 200));
        figure.appendChild(el("figcaption", { text: fill(lang, "qr_label") }));
      },
      function () {
        figure.appendChild(el("figcaption", { text: fill(lang, "qr_failed") }));
      }
    );
  }

  return { render: render, qrSvg: qrSvg };
})();
