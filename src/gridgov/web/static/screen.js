// The leaders' big screen. Figures come from /api/v1/cockpit (the same KPIs as /api/v1/kpis);
// the screen refreshes when a case event arrives on the live stream, and once a minute anyway.
(function () {
  "use strict";
  var root = document.getElementById("screen");
  if (!root) { return; }
  var charts = {}, map = null, points = null, pending = null, zone;
  var channels = JSON.parse(root.dataset.channels || "{}");  // code → name, in the page's language

  function text(el, value) { el.textContent = value; }
  function pct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }
  function show(v, format) {
    if (format === "pct") { return pct(v); }
    return v === null || v === undefined ? "—" : String(v);
  }

  function fillList(id, rows, line) {
    var ol = document.getElementById(id);
    ol.replaceChildren();
    if (!rows.length) {
      var empty = document.createElement("li");
      empty.className = "empty";
      text(empty, ol.dataset.empty);
      ol.appendChild(empty);
      return;
    }
    rows.slice(0, 6).forEach(function (row) {
      var li = document.createElement("li");
      var parts = line(row);
      var main = document.createElement("span");
      text(main, parts[0]);
      var meta = document.createElement("span");
      meta.className = "meta";
      text(meta, parts[1] || "");
      li.appendChild(main);
      li.appendChild(meta);
      ol.appendChild(li);
    });
  }

  function renderKpis(data) {
    root.querySelectorAll("[data-kpi]").forEach(function (el) {
      var path = el.dataset.kpi.split(".");
      var period = data.kpis[path[0]] || {};
      text(el, show(period[path[1]], el.dataset.format));
    });
  }

  function renderCharts(data) {
    if (!window.echarts) { return; }
    var axis = { axisLine: { lineStyle: { color: "#4f6b94" } }, axisLabel: { color: "#9fb5d6" },
                 splitLine: { lineStyle: { color: "#16335c" } } };
    charts.trend = charts.trend || echarts.init(document.getElementById("trend"), null, { renderer: "canvas" });
    charts.trend.setOption({
      animation: false,
      legend: { textStyle: { color: "#d8e6ff" }, top: 0 },
      grid: { left: 48, right: 56, top: 36, bottom: 28 },
      xAxis: Object.assign({ type: "category", data: data.trend.map(function (d) { return d.day.slice(5); }) }, axis),
      yAxis: [Object.assign({ type: "value", minInterval: 1 }, axis),
              Object.assign({ type: "value", min: 0, max: 100, axisLabel: { color: "#9fb5d6", formatter: "{value}%" } }, { splitLine: { show: false } })],
      series: [
        { name: root.dataset.received, type: "bar", data: data.trend.map(function (d) { return d.received; }), itemStyle: { color: "#2f8cff" } },
        { name: root.dataset.closures, type: "bar", data: data.trend.map(function (d) { return d.closures; }), itemStyle: { color: "#35e08a" } },
        { name: root.dataset.ontime, type: "line", yAxisIndex: 1, connectNulls: true,
          data: data.trend.map(function (d) { return d.on_time_rate === null ? null : +(d.on_time_rate * 100).toFixed(1); }),
          itemStyle: { color: "#ffc53d" } }
      ]
    }, true);
    charts.categories = charts.categories || echarts.init(document.getElementById("categories"), null, { renderer: "canvas" });
    var top = data.top_categories.slice().reverse();
    charts.categories.setOption({
      animation: false,
      grid: { left: 150, right: 24, top: 6, bottom: 24 },
      xAxis: Object.assign({ type: "value", minInterval: 1 }, axis),
      yAxis: Object.assign({ type: "category", data: top.map(function (c) { return c.name; }) }, axis),
      series: [{ type: "bar", data: top.map(function (c) { return c.received; }), itemStyle: { color: "#2f8cff" },
                 label: { show: true, position: "right", color: "#d8e6ff" } }]
    }, true);
  }

  function renderRanking(rows) {
    var body = document.getElementById("ranking");
    body.replaceChildren();
    rows.slice(0, 7).forEach(function (r, i) {
      var tr = document.createElement("tr");
      [String(i + 1), r.name, String(r.dispatched), pct(r.on_time_rate), pct(r.return_rate)].forEach(function (v) {
        var td = document.createElement("td");
        text(td, v);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function renderMap(data) {
    if (!window.L) { return; }
    if (!map) {
      map = L.map("screen-map", { zoomControl: false, attributionControl: false, preferCanvas: true }).setView([34.1, 119.35], 10);
      fetch(root.dataset.grids, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (g) {
          if (!g) { return; }
          var layer = L.geoJSON(g.grids, { style: function (f) {
            var n = f.properties.open_cases;
            return { color: "#1f4f8f", weight: 0.6, fillColor: n >= 3 ? "#ff4d4f" : n >= 1 ? "#ffa940" : "#0f2f5c", fillOpacity: n ? 0.55 : 0.35 };
          } }).addTo(map);
          map.invalidateSize();
          if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
          if (points) { points.bringToFront(); }
        });
    }
    if (points) { points.remove(); }
    points = L.featureGroup(data.points.map(function (p) {
      return L.circleMarker([p[0], p[1]], { radius: 3, stroke: false, fillColor: p[2] ? "#ff7875" : "#5cdbd3", fillOpacity: 0.85 });
    })).addTo(map);
  }

  function render(data) {
    text(document.getElementById("title"), data.center_name);
    zone = data.timezone;
    text(document.getElementById("as-of"), new Date(data.as_of).toLocaleTimeString("zh-CN", { timeZone: zone, hour12: false }));
    renderKpis(data);
    renderCharts(data);
    renderRanking(data.unit_ranking);
    fillList("overdue", data.overdue, function (c) { return [c.number + " " + c.title, (c.unit || "") + " " + c.created]; });
    fillList("supervised", data.supervised, function (c) { return [c.number + " " + c.title, "L" + c.supervised_level]; });
    fillList("hot-spots", data.hot_spots, function (g) { return [g.name, String(g.received)]; });
    fillList("latest", data.latest, function (c) { return [c.number + " " + c.title, (channels[c.channel] || c.channel) + " " + c.created]; });
    renderMap(data);
    root.dataset.updated = String(Number(root.dataset.updated) + 1);
  }

  function refresh() {
    pending = null;
    fetch(root.dataset.source, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        return r.json();
      })
      .then(function (data) { document.getElementById("error").hidden = true; render(data); })
      .catch(function (e) {
        var box = document.getElementById("error");
        text(box, root.dataset.failed + " (" + e.message + ")");
        box.hidden = false;
      });
  }
  function soon() { if (!pending) { pending = setTimeout(refresh, 1500); } }

  function tick() {
    text(document.getElementById("clock"), new Date().toLocaleString("zh-CN", { timeZone: zone, hour12: false }));
  }
  tick();
  setInterval(tick, 1000);
  setInterval(refresh, 60000);
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
  if (window.EventSource) {
    var live = document.getElementById("live");
    var stream = new EventSource(root.dataset.stream);
    stream.onopen = function () { live.classList.add("on"); };
    stream.onerror = function () { live.classList.remove("on"); };
    stream.addEventListener("case", soon);
  }
  refresh();
})();
