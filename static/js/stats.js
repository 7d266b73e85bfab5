// Statistics charts: each chart reads the numbers of the table beside it (no inline script,
// no data in attributes but the table's id), so the page says the same with or without it.
(function () {
  "use strict";
  function rowsOf(table) {
    var labels = [], values = [];
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      labels.push(tr.querySelector("th").textContent.trim());
      values.push(Number(tr.querySelector("td").textContent.trim()) || 0);
    });
    return { labels: labels, values: values };
  }
  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var table = document.getElementById(el.getAttribute("data-table"));
      if (!table) { return; }
      var data = rowsOf(table);
      var chart = window.echarts.init(el);
      chart.setOption({
        animation: false,
        color: ["#c8161d"],
        grid: { left: 40, right: 12, top: 16, bottom: 48 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.labels.length > 6 ? 40 : 0 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: el.getAttribute("data-chart") === "line" ? "line" : "bar", data: data.values }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
