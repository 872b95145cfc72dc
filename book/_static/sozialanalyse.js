/* sozialanalyse: long tables of the report searchable and sortable, offline.
 * The static table stays as it is (print, no JavaScript, the disclosure audit): this script only
 * adds a search field above a table with class "sa-long" and sort buttons to the header cells of
 * a table with class "sa-sortable" (written by sozialanalyse.render.tables.table); rows of a table
 * with group header rows (class "sa-group") are sorted within their group. German numbers
 * ("1.234", "12,5 %", "−0,4") sort as numbers; ".", "–" and "fehlt" sort last; a total row
 * ("Insgesamt", class "sa-total") stays at the end. */
(function () {
  "use strict";
  var EMPTY = { "": 1, ".": 1, "–": 1, "—": 1, "-": 1, "fehlt": 1, "x": 1, "/": 1 };
  var TOTAL = /^(insgesamt|zusammen|summe|gesamt):?$/i;

  function number(text) {
    var t = text.replace(/\u2212/g, "-").replace(/\u00a0/g, " ").trim();
    var m = /^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?/.exec(t);
    if (!m) { return null; }
    return parseFloat(m[0].replace(/\./g, "").replace(",", "."));
  }

  function cellText(row, j) {
    var c = row.cells[j];
    return c ? c.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function isTotal(row) {
    return row.classList.contains("sa-total") || TOTAL.test(cellText(row, 0));
  }

  function sortBy(table, j, button) {
    var body = table.tBodies[0];
    var th = button.parentNode;
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var heads = table.tHead.rows[0].cells;
    for (var k = 0; k < heads.length; k++) { heads[k].removeAttribute("aria-sort"); }
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var collator = new Intl.Collator("de", { numeric: true, sensitivity: "base" });
    function compare(a, b) {
      var ta = cellText(a, j), tb = cellText(b, j);
      var ea = EMPTY.hasOwnProperty(ta), eb = EMPTY.hasOwnProperty(tb);
      if (ea || eb) { return ea === eb ? 0 : (ea ? 1 : -1); }  // no value: always last
      var na = number(ta), nb = number(tb);
      var order = (na !== null && nb !== null) ? na - nb : collator.compare(ta, tb);
      return ascending ? order : -order;
    }
    // rows are sorted within their group (the rows under one group header row), totals last
    var segments = [{ head: null, rows: [] }];
    Array.prototype.forEach.call(body.rows, function (r) {
      if (r.classList.contains("sa-group")) { segments.push({ head: r, rows: [] }); }
      else { segments[segments.length - 1].rows.push(r); }
    });
    segments.forEach(function (seg) {
      var totals = seg.rows.filter(isTotal);
      var data = seg.rows.filter(function (r) { return !isTotal(r); }).sort(compare);
      if (seg.head) { body.appendChild(seg.head); }
      data.concat(totals).forEach(function (r) { body.appendChild(r); });
    });
  }

  function sortable(table) {
    if (!table.tHead || !table.tHead.rows.length || !table.tBodies.length) { return; }
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, j) {
      var name = th.textContent.replace(/\s+/g, " ").trim();
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sa-sort";
      button.textContent = "⇅";
      button.title = "Nach „" + name + "“ sortieren";
      button.setAttribute("aria-label", "Nach „" + name + "“ sortieren");
      button.addEventListener("click", function () { sortBy(table, j, button); });
      th.appendChild(button);
    });
  }

  function searchable(table) {
    var label = document.createElement("label");
    label.className = "sa-search";
    var input = document.createElement("input");
    input.type = "search";
    input.placeholder = "Tabelle durchsuchen …";
    input.setAttribute("aria-label", "Tabelle durchsuchen" +
                       (table.caption ? ": " + table.caption.textContent.trim() : ""));
    label.appendChild(input);
    var count = document.createElement("span");
    count.className = "sa-search-count";
    count.setAttribute("aria-live", "polite");
    label.appendChild(count);
    table.parentNode.insertBefore(label, table);
    input.addEventListener("input", function () {
      var q = input.value.toLocaleLowerCase("de").trim();
      var rows = table.tBodies[0] ? table.tBodies[0].rows : [];
      var shown = 0, total = 0, group = null, groupHits = 0;
      function closeGroup() { if (group) { group.hidden = q !== "" && groupHits === 0; } }
      for (var i = 0; i < rows.length; i++) {
        var r = rows[i];
        if (r.classList.contains("sa-group")) { closeGroup(); group = r; groupHits = 0; continue; }
        total++;
        var hit = q === "" || r.textContent.toLocaleLowerCase("de").indexOf(q) !== -1;
        r.hidden = !hit;
        if (hit) { shown++; groupHits++; }
      }
      closeGroup();
      count.textContent = q === "" ? "" : shown + " von " + total + " Zeilen";
    });
  }

  function init() {
    var tables = document.querySelectorAll("table.sa-long");
    Array.prototype.forEach.call(tables, function (t) {
      searchable(t);
      if (t.classList.contains("sa-sortable")) { sortable(t); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
