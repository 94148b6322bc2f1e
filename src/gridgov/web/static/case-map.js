// The case page's map: the reported point and the outline of its grid.
(function () {
  var el = document.getElementById("case-map");
  if (!el || !window.L) { return; }
  var point = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
  var map = L.map(el, { scrollWheelZoom: false }).setView(point, 15);
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
  L.circleMarker(point, { radius: 8, color: "#263238", weight: 2, fillColor: "#c62828", fillOpacity: 0.9 }).addTo(map);
  if (!el.dataset.grid) { el.dataset.loaded = "point"; return; }
  fetch(el.dataset.grid, { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (grid) {
      if (!grid) { return; }
      var outline = L.geoJSON(grid.geometry, { style: { color: "#0b3d91", weight: 2, fillOpacity: 0.08 } }).addTo(map);
      map.fitBounds(outline.getBounds(), { padding: [12, 12] });
      el.dataset.loaded = "grid";
    });
})();
