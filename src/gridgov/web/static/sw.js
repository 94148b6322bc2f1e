// The grid worker's pages offline: the shell and its assets from the cache when there is no
// network (pages network-first, assets cache-first). Reports wait in the page's outbox.
// the server writes the assets' digest into the name: a changed asset changes this file, so
// phones install the new worker, which fetches the new assets and drops the old cache
var CACHE = "gridgov-m-ASSETS_DIGEST";
var SHELL = ["/console/m", "/console/m/report", "/console/m/tasks", "/console/m/checkin",
             "/static/mobile.css", "/static/mobile.js", "/static/manifest.webmanifest",
             "/static/icons/icon-192.png"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (c) {
    return Promise.all(SHELL.map(function (url) { return c.add(url).catch(function () {}); }));
  }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin || url.pathname.indexOf("/api/") === 0) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  if (url.pathname.indexOf("/console/m") === 0) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (c) { c.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request, { ignoreSearch: true }).then(function (hit) { return hit || caches.match("/console/m"); });
    }));
  }
});
