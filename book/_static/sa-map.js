/* sozialanalyse: interactive maps (sozialanalyse/render/maps.py). No library, nothing loaded from
   elsewhere. Tooltip (name, value, interval, class, status) on hover and keyboard focus; zoom by
   wheel, drag, buttons and keys (+, -, 0). The static PNG just before a map (the notebook cell
   above) becomes the print version. */
(function () {
  "use strict";
  var STANDARD = ["area_id", "name", "value", "lower", "upper", "class", "status"];
  var STATUS = {primary: "gesperrt (Geheimhaltung)", secondary: "gesperrt (Geheimhaltung, Schutz anderer Zellen)"};

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; });
  }

  function tipHtml(row, labels) {
    var out = "<strong>" + esc(row.name) + "</strong>";
    if (row.status) {
      out += "<br>" + esc(labels.value || "Wert") + ": " + esc(STATUS[row.status] || "gesperrt");
      return out;
    }
    if ("value" in row) {
      if (row.value === null) {
        return out + "<br>" + esc(labels.value || "Wert") + ": " + esc(row["class"] || "keine Angabe");
      }
      out += "<br>" + esc(labels.value || "Wert") + ": " + esc(row.value);
      if (row.lower && row.upper) {
        out += "<br>95-%-Intervall: " + esc(row.lower) + " bis " + esc(row.upper);
      }
    }
    if (row["class"]) { out += "<br>" + esc(labels["class"] || "Klasse") + ": " + esc(row["class"]); }
    Object.keys(row).forEach(function (k) {
      if (STANDARD.indexOf(k) < 0 && labels[k] && row[k]) { out += "<br>" + esc(labels[k]) + ": " + esc(row[k]); }
    });
    return out;
  }

  function init(fig) {
    var data;
    try { data = JSON.parse(fig.querySelector("script.sa-data").textContent); } catch (e) { return; }
    var rows = {};
    data.rows.forEach(function (r) { rows[r.area_id] = r; });
    var labels = data.labels || {};
    var svg = fig.querySelector("svg");
    var vb0 = svg.getAttribute("viewBox").split(" ").map(Number);
    var vb = vb0.slice();
    var tip = document.createElement("div");
    tip.className = "sa-map-tip";
    tip.setAttribute("role", "status");
    tip.hidden = true;
    fig.appendChild(tip);

    if (data.number_key) {  // the areas' numbers, from the declared data (render/maps.py)
      fig.querySelectorAll("text.sa-map-number").forEach(function (t) {
        var r = rows[t.getAttribute("data-key")];
        if (r && r[data.number_key]) { t.textContent = r[data.number_key]; }
      });
    }
    var points = data.points || [];
    fig.querySelectorAll(".sa-point").forEach(function (p, i) { p.saPoint = points[i]; });
    function show(path, x, y) {
      var row = rows[path.getAttribute("data-key")];
      if (path.saPoint) {
        tip.innerHTML = "<strong>" + esc(path.saPoint.name) + "</strong><br>" + esc(path.saPoint.type);
      } else if (row) {
        tip.innerHTML = tipHtml(row, labels);
      } else { return; }
      tip.hidden = false;
      var box = fig.getBoundingClientRect();
      var left = Math.min(x - box.left + 12, box.width - tip.offsetWidth - 4);
      tip.style.left = Math.max(0, left) + "px";
      tip.style.top = (y - box.top + 14) + "px";
      fig.querySelectorAll(".sa-area.sa-active").forEach(function (p) { p.classList.remove("sa-active"); });
      path.classList.add("sa-active");
    }
    function hide() {
      tip.hidden = true;
      fig.querySelectorAll(".sa-area.sa-active").forEach(function (p) { p.classList.remove("sa-active"); });
    }
    fig.querySelectorAll(".sa-area, .sa-point").forEach(function (p) {
      p.addEventListener("mousemove", function (ev) { if (!dragging) { show(p, ev.clientX, ev.clientY); } });
      p.addEventListener("mouseleave", hide);
      p.addEventListener("focus", function () {
        var r = p.getBoundingClientRect();
        show(p, r.left + r.width / 2, r.top + r.height / 2);
      });
      p.addEventListener("blur", hide);
      p.addEventListener("click", function (ev) { show(p, ev.clientX, ev.clientY); });
    });

    function apply() { svg.setAttribute("viewBox", vb.map(function (v) { return v.toFixed(1); }).join(" ")); }
    function zoom(f, cx, cy) {
      var w = vb[2] / f, h = vb[3] / f;
      if (w > vb0[2] * 1.0001) { vb = vb0.slice(); apply(); return; }
      if (w < vb0[2] / 16) { return; }
      cx = cx === undefined ? vb[0] + vb[2] / 2 : cx;
      cy = cy === undefined ? vb[1] + vb[3] / 2 : cy;
      vb = [cx - (cx - vb[0]) / f, cy - (cy - vb[1]) / f, w, h];
      apply();
    }
    function toSvg(ev) {
      var r = svg.getBoundingClientRect();
      return [vb[0] + (ev.clientX - r.left) / r.width * vb[2], vb[1] + (ev.clientY - r.top) / r.height * vb[3]];
    }
    svg.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var p = toSvg(ev);
      zoom(ev.deltaY < 0 ? 1.25 : 0.8, p[0], p[1]);
    }, {passive: false});
    var dragging = false, start = null;
    svg.addEventListener("pointerdown", function (ev) { start = [ev.clientX, ev.clientY, vb[0], vb[1]]; });
    svg.addEventListener("pointermove", function (ev) {
      if (!start) { return; }
      var r = svg.getBoundingClientRect();
      var dx = (ev.clientX - start[0]) / r.width * vb[2], dy = (ev.clientY - start[1]) / r.height * vb[3];
      if (!dragging && Math.abs(ev.clientX - start[0]) + Math.abs(ev.clientY - start[1]) < 4) { return; }
      dragging = true;
      hide();
      vb[0] = start[2] - dx;
      vb[1] = start[3] - dy;
      apply();
    });
    window.addEventListener("pointerup", function () { start = null; setTimeout(function () { dragging = false; }, 0); });

    var bar = document.createElement("div");
    bar.className = "sa-map-zoom";
    [["+", "Vergrößern", function () { zoom(1.5); }], ["\u2212", "Verkleinern", function () { zoom(1 / 1.5); }],
     ["\u21ba", "Ganze Karte", function () { vb = vb0.slice(); apply(); }]].forEach(function (b) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b[0];
      btn.title = b[1];
      btn.setAttribute("aria-label", b[1]);
      btn.addEventListener("click", b[2]);
      bar.appendChild(btn);
    });
    svg.parentNode.insertBefore(bar, svg);
    var hint = document.createElement("span");
    hint.className = "sa-map-hint";
    hint.textContent = " \u00b7 Werte beim Zeigen auf ein Gebiet, Zoom mit Mausrad oder +/\u2212";
    var cap = fig.querySelector("figcaption");
    if (cap) { cap.appendChild(hint); }
    fig.addEventListener("keydown", function (ev) {
      if (ev.key === "+") { zoom(1.5); } else if (ev.key === "-") { zoom(1 / 1.5); } else if (ev.key === "0") { vb = vb0.slice(); apply(); }
    });

    // the static PNG of the same map (the cell above) is the print version
    if (fig.getAttribute("data-sa-static") === "previous") {
      var cell = fig.closest(".cell");
      var prev = cell && cell.previousElementSibling;
      if (prev && prev.querySelector("img")) { prev.classList.add("sa-static-map"); }
    }
    fig.classList.add("sa-map-ready");
  }

  function start() { document.querySelectorAll("figure.sa-map").forEach(init); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
