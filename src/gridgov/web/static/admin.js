// Administrators' forms are clients of the API: each <form data-api="METHOD /path/{param}">
// is sent as JSON (fields marked data-path fill the path, data-query the query string;
// data-type says bool, number or list) with the session's CSRF token. The API's error is
// shown next to the form; on success the page reloads, or shows the answer (data-show).
(function () {
  "use strict";
  var csrf = (document.body.getAttribute("hx-headers") || "").match(/"X-CSRF-Token": "([^"]+)"/);
  csrf = csrf ? csrf[1] : "";

  function value(el) {
    var type = el.dataset.type;
    if (el.type === "checkbox") { return el.checked; }
    if (el.multiple) { return Array.prototype.map.call(el.selectedOptions, function (o) { return o.value; }); }
    var raw = el.value.trim();
    if (raw === "") { return el.hasAttribute("data-clearable") ? "" : undefined; }  // emptied: cleared
    if (type === "bool") { return raw === "true" || raw === "on"; }
    if (type === "number") { var n = Number(raw); return isNaN(n) ? raw : n; }
    if (type === "list") { return raw.split(/[,，、\s]+/).filter(Boolean); }
    return raw;
  }

  function put(target, path, v) {  // "limits.0.amount" → target.limits[0].amount
    var keys = path.split("."), node = target;
    keys.slice(0, -1).forEach(function (k, i) {
      if (node[k] === undefined) { node[k] = /^\d+$/.test(keys[i + 1]) ? [] : {}; }
      node = node[k];
    });
    node[keys[keys.length - 1]] = v;
  }

  function build(form) {
    var spec = form.dataset.api.split(" "), method = spec[0], url = spec[1];
    var body = {}, query = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "submit" || el.type === "file") { return; }
      if (el.tagName === "TEXTAREA" && el.dataset.type !== "list") { if (el.value.trim()) { put(body, el.name, el.value); } return; }
      var v = value(el);
      if (el.hasAttribute("data-path")) { url = url.replace("{" + el.name + "}", encodeURIComponent(v || "")); return; }
      if (v === undefined) { return; }
      if (el.hasAttribute("data-query")) { query.set(el.name, String(v)); return; }
      put(body, el.name, v);
    });
    Object.keys(body).forEach(function (k) {  // rows left half-filled are left out
      if (form.hasAttribute("data-complete-rows") && Array.isArray(body[k])) {
        var widest = Math.max.apply(null, body[k].map(function (r) { return Object.keys(r || {}).length; }));
        body[k] = body[k].filter(function (r) { return r && Object.keys(r).length === widest; });
      }
    });
    if (form.dataset.wrap) { var wrapped = {}; wrapped[form.dataset.wrap] = [body]; body = wrapped; }
    var q = query.toString();
    return { method: method, url: url + (q ? (url.indexOf("?") < 0 ? "?" : "&") + q : ""), body: body };
  }

  function fileBody(form) {
    var input = form.querySelector("input[type=file]");
    var file = input && input.files[0];
    if (!file) { return Promise.resolve(null); }
    return file.text().then(function (text) { return JSON.parse(text); });
  }

  function withFiles(form, body) {  // <input type=file data-type=json name=X>: body.X = parsed file
    var inputs = Array.prototype.filter.call(form.querySelectorAll("input[type=file][data-type=json]"),
                                             function (i) { return i.files[0]; });
    return Promise.all(inputs.map(function (i) {
      return i.files[0].text().then(function (text) { body[i.name] = JSON.parse(text); });
    })).then(function () { return body; });
  }

  function showReport(box, answer) {
    box.replaceChildren();
    var head = document.createElement("p");
    var count = answer.features !== undefined ? answer.features : answer.regions;
    head.textContent = box.dataset.features + ": " + count + " · " + box.dataset.imported + ": " +
      (answer.imported ? box.dataset.yes : box.dataset.no);
    head.dataset.imported = String(answer.imported);
    box.appendChild(head);
    var list = document.createElement("ol");
    list.className = "problems";
    answer.problems.forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = typeof p === "string" ? p
        : "#" + p.position + " " + (p.code || "") + " · " + p.defect + " · " + p.detail;
      list.appendChild(li);
    });
    box.appendChild(list);
  }

  function showImport(box, answer) {  // an import's report: its counts, then each refused line
    var words = JSON.parse(box.dataset.words || "{}");
    box.replaceChildren();
    var list = document.createElement("dl");
    list.className = "report";
    ["dry_run", "rows", "valid", "already_on_file", "duplicates_in_file", "personal_data_rows",
     "classified", "placed", "imported", "dead_letters", "batch", "first", "last"].forEach(function (key) {
      var v = answer[key];
      if (key === "batch") {  // the import batch written, listed under 导入记录 (none for a check)
        if (v === null || v === undefined) return;
        v = "#" + v;
      }
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = words[key] || key;
      if (typeof v === "boolean") v = v ? words.yes : words.no;
      // the export's own times, in its time zone: "2020-01-06 12:09"
      else if (key === "first" || key === "last") v = v === null ? "" : v.slice(0, 16).replace("T", " ");
      dd.textContent = v === null ? "" : String(v);
      dd.dataset.report = key;
      list.append(dt, dd);
    });
    var cats = document.createElement("dt"), catsValue = document.createElement("dd");
    cats.textContent = words.categories || "categories";
    var items = JSON.parse(box.dataset.items || "{}");  // item code → name
    catsValue.textContent = Object.keys(answer.categories).map(function (k) {
      return (items[k] || words[k] || k) + " " + answer.categories[k];
    }).join("、");
    list.append(cats, catsValue);
    var states = document.createElement("dt"), statesValue = document.createElement("dd");
    states.textContent = words.statuses || "states";
    statesValue.dataset.report = "statuses";
    statesValue.textContent = Object.keys(answer.statuses || {}).map(function (k) {
      return (words["status:" + k] || k) + " " + answer.statuses[k];
    }).join("、");
    list.append(states, statesValue);
    if (answer.unused_columns.length) {
      var unused = document.createElement("dt"), unusedValue = document.createElement("dd");
      unused.textContent = words.unused_columns || "unused columns";
      unusedValue.textContent = answer.unused_columns.join("、");
      list.append(unused, unusedValue);
    }
    box.appendChild(list);
    if (!answer.dry_run && answer.imported && (answer.statuses || {}).submitted) {
      // the open cases it wrote wait in the queue under "imported": one click to them
      var to = document.createElement("a");
      to.href = "/console?waiting=imported";
      to.dataset.report = "to_queue";
      to.textContent = words.to_queue || "the imported cases in the queue";
      box.appendChild(to);
    }
    var problems = document.createElement("ol");
    problems.className = "problems";
    answer.rejected.forEach(function (r) {
      var li = document.createElement("li");
      li.textContent = (words.line || "line {}").replace("{}", r.line) + ": " + (r.message || r.reason);
      problems.appendChild(li);
    });
    box.appendChild(problems);
  }

  function multipart(form) {  // files and text as the form holds them; a checkbox says true or false
    var data = new FormData(form);
    form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      data.set(box.name, box.checked ? "true" : "false");
    });
    return data;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !form.dataset.api) { return; }
    if (event.defaultPrevented) { return; }  // a confirmation was declined: send nothing
    event.preventDefault();
    var error = form.querySelector("[data-api-error]"), result = form.querySelector("[data-api-result]");
    var req = build(form);
    var asForm = form.dataset.body === "multipart";
    var send = asForm ? Promise.resolve(multipart(form))
      : form.dataset.body === "file" ? fileBody(form) : withFiles(form, req.body);
    send.then(function (body) {
      // refusals come back in the page's language ("message"; "detail" stays English)
      var headers = { "X-CSRF-Token": csrf, "Accept-Language": document.documentElement.lang || "zh-CN" };
      var init = { method: req.method, credentials: "same-origin", headers: headers };
      if (asForm) { init.body = body; }  // the browser writes the multipart boundary
      else if (req.method !== "GET") { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
      return fetch(req.url, init);
    }).then(function (r) {
      return r.text().then(function (text) {
        var answer = text ? JSON.parse(text) : {};
        if (!r.ok) { throw new Error(answer.message || answer.detail || answer.error || String(r.status)); }
        return answer;
      });
    }).then(function (answer) {
      if (error) { error.hidden = true; }
      if (form.dataset.show === "report") { showReport(result, answer); return; }
      if (form.dataset.show === "import") { showImport(result, answer); return; }
      // an answer's words in the page's language where the API gives them ("message")
      if (form.dataset.show) { result.textContent = answer.message || answer[form.dataset.show]; return; }
      window.location.reload();
    }).catch(function (e) {
      if (!error) { return; }
      error.textContent = e instanceof SyntaxError ? "not a JSON file: " + e.message : e.message;
      error.hidden = false;
    });
  });
})();
