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
  // A deployment's reviewed GeoJSON map (docs/DEPLOY.md): features are matched to the
  // table's rows by their division code (properties.adcode or .code, cut to the rows'
  // length), else by name; a click follows the row's link, as a tile does.
  function drawMap(el, table) {
    var rows = [];
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      var link = tr.querySelector("th a");
      rows.push({
        code: tr.getAttribute("data-code") || "",
        name: tr.querySelector("th").textContent.trim(),
        value: Number(tr.querySelector("td").textContent.trim()) || 0,
        href: link ? link.getAttribute("href") : null
      });
    });
    fetch(el.getAttribute("data-map"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("map " + response.status); }
        return response.json();
      })
      .then(function (geo) {
        (geo.features || []).forEach(function (f) {
          var props = f.properties || (f.properties = {});
          var code = String(props.adcode || props.code || "");
          var row = rows.filter(function (r) {
            return (r.code && code.slice(0, r.code.length) === r.code) || r.name === props.name;
          })[0];
          props.name = row ? row.name : String(props.name || code);
        });
        var name = "directory-" + el.getAttribute("data-map");
        window.echarts.registerMap(name, geo);
        var top = Math.max.apply(null, [1].concat(rows.map(function (r) { return r.value; })));
        var chart = window.echarts.init(el);
        // Marked once painted (tests and the tiles wait for it), not merely configured.
        chart.on("finished", function () { el.setAttribute("data-drawn", "1"); });
        chart.setOption({
          animation: false,
          tooltip: { trigger: "item" },
          visualMap: { min: 0, max: top, orient: "horizontal", left: "center", bottom: 0,
            itemHeight: 120, calculable: false, inRange: { color: ["#fde2e2", "#f47c7c", "#9b1c1c"] } },
          series: [{ type: "map", map: name, roam: false, selectedMode: false, layoutCenter: ["50%", "45%"], layoutSize: "85%",
            label: { show: true, fontSize: 11, color: "#111827", backgroundColor: "rgba(255,255,255,0.85)", padding: 2 },
            emphasis: { label: { show: true } },
            data: rows.map(function (r) { return { name: r.name, value: r.value }; }) }]
        });
        chart.on("click", function (params) {
          var row = rows.filter(function (r) { return r.name === params.name; })[0];
          if (row && row.href) { window.location.href = row.href; }
        });
        window.addEventListener("resize", function () { chart.resize(); });
        var tiles = document.getElementById(el.getAttribute("data-tiles"));
        if (tiles) { tiles.classList.add("hidden"); }
      })
      .catch(function () { el.classList.add("hidden"); });  // the tiles stay
  }
  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var table = document.getElementById(el.getAttribute("data-table"));
      if (!table) { return; }
      if (el.getAttribute("data-chart") === "map") { drawMap(el, table); return; }
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
