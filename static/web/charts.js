// Charts drawn from the data table that follows them (the table is the accessible alternative
// and the source of truth). Chart.js comes from the npm registry through `make assets`.
// Each canvas says what to draw (data-spec, from web.dashboards.Table.chart_spec): the columns
// drawn with their colours (met green, missed red, otherwise neutral), the columns naming a bar,
// and the one unit of the y axis (counts; shares stay in the table: never two measures on one axis).
(function () {
  "use strict";
  var palette = ["#1d4f91", "#6e445a", "#4a4a4a"];
  function num(text) { var v = parseFloat(String(text).replace(/[\s\u00a0\u202f]/g, "").replace(",", ".")); return isNaN(v) ? null : v; }
  function draw(canvas) {
    var table = document.getElementById(canvas.dataset.table);
    if (!table || typeof Chart === "undefined") { return; }
    var spec = {};
    try { spec = JSON.parse(canvas.dataset.spec || "{}"); } catch (e) { spec = {}; }
    var heads = Array.prototype.map.call(table.tHead.rows[0].cells, function (c) { return c.textContent.trim(); });
    var rows = Array.prototype.map.call(table.tBodies[0].rows, function (r) { return Array.prototype.map.call(r.cells, function (c) { return c.textContent.trim(); }); });
    var labelCols = spec.labels && spec.labels.length ? spec.labels : [0];
    var labels = rows.map(function (r) { return labelCols.map(function (i) { return r[i]; }).join(" — "); });
    var series = spec.series && spec.series.length ? spec.series : [{ col: 1 }];
    var datasets = series.map(function (s, k) {
      var colour = s.color || palette[k % palette.length];
      return { label: heads[s.col], data: rows.map(function (r) { return num(r[s.col]); }), backgroundColor: colour, borderColor: colour };
    });
    var y = { beginAtZero: true, ticks: { precision: 0 } };
    if (spec.axis) { y.title = { display: true, text: spec.axis }; }
    new Chart(canvas, { type: canvas.dataset.chart, data: { labels: labels, datasets: datasets },
      options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: y } } });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
