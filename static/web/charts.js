// Charts drawn from the data table that follows them (the table is the accessible alternative
// and the source of truth). Chart.js comes from the npm registry through `make assets`.
(function () {
  "use strict";
  var palette = ["#1d4f91", "#b34000", "#18753c", "#6e445a", "#4a4a4a"];
  function num(text) { var v = parseFloat(String(text).replace(/\s/g, "").replace(",", ".")); return isNaN(v) ? null : v; }
  function draw(canvas) {
    var table = document.getElementById(canvas.dataset.table);
    if (!table || typeof Chart === "undefined") { return; }
    var heads = Array.prototype.map.call(table.tHead.rows[0].cells, function (c) { return c.textContent.trim(); });
    var rows = Array.prototype.map.call(table.tBodies[0].rows, function (r) { return Array.prototype.map.call(r.cells, function (c) { return c.textContent.trim(); }); });
    var labels = rows.map(function (r) { return r[0]; });
    var datasets = [];
    for (var i = 1; i < heads.length; i++) {
      var values = rows.map(function (r) { return num(r[i]); });
      if (values.some(function (v) { return v !== null; })) {
        datasets.push({ label: heads[i], data: values, backgroundColor: palette[(i - 1) % palette.length], borderColor: palette[(i - 1) % palette.length] });
      }
    }
    new Chart(canvas, { type: canvas.dataset.chart, data: { labels: labels, datasets: datasets },
      options: { responsive: true, maintainAspectRatio: false, animation: false } });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
