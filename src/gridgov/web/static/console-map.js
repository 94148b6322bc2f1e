// The console map: grids shaded by their open cases, open cases coloured by time limit.
// No tiles unless the centre configures an intranet tile server (GRIDGOV_MAP_TILES_URL).
(function () {
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { preferCanvas: true }).setView([34.1, 119.35], 11);
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
  var colours = { normal: "#2e7d32", warning: "#f9a825", overdue: "#c62828" };
  function shade(n) { return n >= 3 ? "#c62828" : n >= 1 ? "#f9a825" : "#90a4ae"; }
  fetch(el.dataset.source, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var grids = L.geoJSON(data.grids, {
        style: function (f) {
          var n = f.properties.open_cases;
          return { color: "#455a64", weight: 1, fillColor: shade(n), fillOpacity: n ? 0.45 : 0.12 };
        },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(f.properties.name + " · " + el.dataset.label + " " + f.properties.open_cases);
        }
      }).addTo(map);
      data.cases.forEach(function (c) {
        var link = document.createElement("a");
        link.href = "/console/cases/" + encodeURIComponent(c.number);
        link.textContent = c.number + " " + c.title;
        L.circleMarker([c.lat, c.lon], {
          radius: 6, color: "#263238", weight: 1,
          fillColor: colours[c.colour] || "#607d8b", fillOpacity: 0.9
        }).bindPopup(link).addTo(map);
      });
      (data.checkins || []).forEach(function (c) {  // where grid workers checked in (24 h)
        L.circleMarker([c.lat, c.lon], { radius: 5, color: "#0b3d91", weight: 2, fillColor: "#ffffff", fillOpacity: 1 })
          .bindTooltip(c.name + " · " + new Date(c.at).toLocaleString("zh-CN", { hour12: false })).addTo(map);
      });
      el.dataset.checkins = String((data.checkins || []).length);
      var bounds = grids.getBounds();
      if (bounds.isValid()) { map.fitBounds(bounds); }
      el.dataset.loaded = String(data.grids.features.length);
    });
})();
