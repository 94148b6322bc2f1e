// The grid worker's phone pages. Reports and check-ins go into an outbox on the phone
// (IndexedDB) and are sent when the network is there — at once when it is. Each carries a
// client id made here, so sending it twice (a lost answer, a second tab) makes one record;
// photos go after their case with Idempotency-Keys for the same reason.
(function () {
  "use strict";
  var body = document.body;
  var csrf = body.dataset.csrf, user = body.dataset.user;
  if (!user) { return; }
  var DB = "gridgov-outbox", STORE = "items", syncing = false;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/console/m/sw.js", { scope: "/console/m" }).catch(function () {});
  }

  function clientId() {
    if (window.crypto && crypto.randomUUID) { return "m-" + crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "m-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "client_id" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), result;
        t.oncomplete = function () { resolve(result); };
        t.onerror = function () { reject(t.error); };
        result = work(t.objectStore(STORE));
      });
    });
  }
  function all() {
    return open().then(function (db) {
      return new Promise(function (resolve) {
        var req = db.transaction(STORE).objectStore(STORE).getAll();
        req.onsuccess = function () {
          resolve(req.result.filter(function (i) { return i.user === user; })
                            .sort(function (a, b) { return a.created < b.created ? -1 : 1; }));
        };
      });
    });
  }
  function put(item) { return tx("readwrite", function (s) { s.put(item); }); }
  function remove(id) { return tx("readwrite", function (s) { s.delete(id); }); }

  function enqueue(kind, payload, photos) {
    var item = { client_id: payload.client_id, user: user, kind: kind, payload: payload,
                 photos: photos || [], photos_sent: 0, created: new Date().toISOString() };
    return put(item).then(function () { show(); return sync(); });
  }

  function post(url, data, headers) {
    // refusals come back in the page's language ("message"; "detail" stays English)
    var h = Object.assign({ "X-CSRF-Token": csrf, "Accept-Language": document.documentElement.lang || "zh-CN" },
                          headers || {});
    var init = { method: "POST", credentials: "same-origin", headers: h };
    if (data instanceof FormData) { init.body = data; }
    else { h["Content-Type"] = "application/json"; init.body = JSON.stringify(data); }
    return fetch(url, init);
  }

  function sendOne(item) {
    var first;
    if (item.kind === "checkin") {
      first = post("/api/v1/patrols/checkins", item.payload);
    } else if (item.number) {
      first = Promise.resolve(null);
    } else {
      first = post("/api/v1/intake/grid_app", item.payload);
    }
    return first.then(function (r) {
      if (r && !r.ok) {
        return r.json().catch(function () { return {}; }).then(function (e) {
          item.error = (e.message || e.detail || e.error || r.status) + "";  // its language
          return put(item).then(function () { return false; });
        });
      }
      var next = r ? r.json() : Promise.resolve({ number: item.number });
      return next.then(function (answer) {
        if (item.kind === "checkin") { return remove(item.client_id).then(function () { return true; }); }
        item.number = answer.number;
        return put(item).then(function () { return sendPhotos(item); });
      });
    });
  }

  function sendPhotos(item) {
    if (item.photos_sent >= item.photos.length) {
      remember(item);
      return remove(item.client_id).then(function () { return true; });
    }
    var i = item.photos_sent, form = new FormData();
    form.append("file", item.photos[i], item.photos[i].name || ("photo-" + i + ".jpg"));
    return post("/api/v1/cases/" + encodeURIComponent(item.number) + "/attachments", form,
                { "Idempotency-Key": item.client_id + "-p" + i })
      .then(function (r) {
        if (!r.ok) { item.error = "photo " + (i + 1) + ": " + r.status; return put(item).then(function () { return false; }); }
        item.photos_sent = i + 1;
        return put(item).then(function () { return sendPhotos(item); });
      });
  }

  function remember(item) {
    var sent = JSON.parse(localStorage.getItem("gridgov-sent-" + user) || "[]");
    sent.unshift({ number: item.number, text: item.payload.text, at: new Date().toISOString() });
    localStorage.setItem("gridgov-sent-" + user, JSON.stringify(sent.slice(0, 20)));
  }

  function sync() {
    if (syncing || !navigator.onLine) { show(); return Promise.resolve(); }
    syncing = true;
    return all().then(function (items) {
      var chain = Promise.resolve();
      items.filter(function (i) { return !i.error; }).forEach(function (item) {
        chain = chain.then(function () { return sendOne(item); });
      });
      return chain;
    }).catch(function () { /* the network went away: the outbox keeps everything */ })
      .then(function () { syncing = false; show(); body.dataset.synced = String(Number(body.dataset.synced || 0) + 1); });
  }

  function show() {
    all().then(function (items) {
      var badge = document.getElementById("m-queue");
      var text = items.length ? body.dataset.queued + " " + items.length : "";
      if (!navigator.onLine) { text = body.dataset.offline + (items.length ? " · " + text : ""); }
      badge.textContent = text;
      badge.dataset.count = String(items.length);
      var list = document.getElementById("m-outbox");
      if (!list) { return; }
      list.replaceChildren();
      items.forEach(function (i) {
        var li = document.createElement("li");
        li.className = "queued";
        li.dataset.clientId = i.client_id;
        li.textContent = (i.payload.text || i.payload.note || i.kind) + (i.error ? " — " + i.error : "");
        list.appendChild(li);
      });
      JSON.parse(localStorage.getItem("gridgov-sent-" + user) || "[]").slice(0, 5).forEach(function (s) {
        var li = document.createElement("li");
        li.className = "sent";
        li.textContent = body.dataset.sent + " " + s.number + " " + s.text;
        list.appendChild(li);
      });
      if (!list.children.length) {
        var empty = document.createElement("li");
        empty.className = "empty";
        empty.textContent = list.dataset.empty;
        list.appendChild(empty);
      }
    });
  }

  function locate(lonEl, latEl) {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve(false); return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        lonEl.value = pos.coords.longitude.toFixed(6);
        latEl.value = pos.coords.latitude.toFixed(6);
        lonEl.dataset.accuracy = String(Math.round(pos.coords.accuracy));
        resolve(true);
      }, function () { resolve(false); }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    });
  }
  function number(value) { var n = parseFloat(value); return isNaN(n) ? null : n; }

  var report = document.getElementById("m-report");
  if (report) {
    var lon = document.getElementById("r-lon"), lat = document.getElementById("r-lat");
    var self = document.getElementById("r-self"), selfFields = document.getElementById("r-self-fields");
    document.getElementById("r-locate").addEventListener("click", function () { locate(lon, lat); });
    self.addEventListener("change", function () { selfFields.hidden = !self.checked; });
    locate(lon, lat);
    // Online, a report about to be sent is looked at first: when an open case nearby says the
    // same, the worker sees it (its number, status, unit and due time) and may not report again.
    var hint = document.getElementById("r-hint"), hintTimer = null;
    // the item the worker handled, preset from what the text is classified as (while it is one
    // the grid may handle itself) until the worker picks one
    var item = document.getElementById("r-item"), itemPicked = false;
    item.addEventListener("change", function () { itemPicked = true; });
    function presetItem(told) {
      var found = told && told.triage && told.triage.classification;
      if (itemPicked || !found || !found.item) { return; }
      if (item.querySelector('option[value="' + found.item + '"]')) { item.value = found.item; }
    }
    function lookFirst() {
      var text = document.getElementById("r-text").value.trim();
      if (!navigator.onLine || text.length < 4) { hint.hidden = true; return; }
      var payload = { client_id: clientId(), text: text };  // an id of its own: never on file
      if (number(lon.value) !== null && number(lat.value) !== null) { payload.lon = number(lon.value); payload.lat = number(lat.value); }
      var address = document.getElementById("r-address").value.trim();
      if (address) { payload.address = address; }
      if (payload.lon === undefined && !address) { hint.hidden = true; return; }
      post("/api/v1/intake/grid_app/preview", payload)
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (told) {
          presetItem(told);
          var d = told && told.duplicate;
          if (!d) { hint.hidden = true; return; }
          hint.querySelector("[data-case]").textContent = d.case;
          var names = JSON.parse(hint.dataset.statuses || "{}");
          hint.querySelector("[data-about]").textContent = [d.title, names[d.status] || d.status, d.lead_unit,
            d.due_at ? hint.dataset.due + " " + new Date(d.due_at).toLocaleString("zh-CN", { hour12: false }) : ""]
            .filter(Boolean).join(" · ");
          hint.hidden = false;
        })
        .catch(function () { hint.hidden = true; });
    }
    function later() { clearTimeout(hintTimer); hintTimer = setTimeout(lookFirst, 800); }
    ["r-text", "r-address", "r-lon", "r-lat"].forEach(function (id) {
      document.getElementById(id).addEventListener("input", later);
    });
    report.addEventListener("submit", function (event) {
      event.preventDefault();
      var error = document.getElementById("r-error");
      var text = document.getElementById("r-text").value.trim();
      if (text.length < 2) { error.textContent = document.getElementById("r-text").labels[0].textContent; error.hidden = false; return; }
      error.hidden = true;
      var payload = { client_id: clientId(), text: text, reported_at: new Date().toISOString() };
      if (number(lon.value) !== null && number(lat.value) !== null) { payload.lon = number(lon.value); payload.lat = number(lat.value); }
      var address = document.getElementById("r-address").value.trim();
      if (address) { payload.address = address; }
      if (self.checked) {
        payload.catalog_item = document.getElementById("r-item").value;
        payload.self_handled = document.getElementById("r-result").value.trim() || text;
      }
      var photos = Array.prototype.slice.call(document.getElementById("r-photos").files);
      enqueue("report", payload, photos).then(function () {
        report.reset();
        itemPicked = false;
        hint.hidden = true;
        selfFields.hidden = true;
        locate(lon, lat);  // the next report starts from here too
      });
    });
  }

  var checkin = document.getElementById("m-checkin");
  if (checkin) {
    var cLon = document.getElementById("c-lon"), cLat = document.getElementById("c-lat");
    checkin.addEventListener("submit", function (event) {
      event.preventDefault();
      locate(cLon, cLat).then(function (found) {
        var error = document.getElementById("c-error");
        if (!found) { error.textContent = "GPS"; error.hidden = false; return; }
        error.hidden = true;
        enqueue("checkin", { client_id: clientId(), lon: number(cLon.value), lat: number(cLat.value),
                             accuracy_m: number(cLon.dataset.accuracy), at: new Date().toISOString(),
                             note: document.getElementById("c-note").value.trim() })
          .then(function () { checkin.reset(); recent(); });
      });
    });
    var recent = function () {
      var list = document.getElementById("m-checkins");
      if (!navigator.onLine) { return; }
      fetch(list.dataset.source, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (rows) {
          list.replaceChildren();
          rows.slice(0, 10).forEach(function (c) {
            var li = document.createElement("li");
            li.textContent = new Date(c.at).toLocaleString("zh-CN", { hour12: false }) + " · " + (c.grid_code || "—") + (c.note ? " · " + c.note : "");
            list.appendChild(li);
          });
        });
    };
    recent();
  }

  window.addEventListener("online", sync);
  window.addEventListener("offline", show);
  setInterval(sync, 30000);
  sync();
})();
