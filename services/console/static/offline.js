// The offline complaint form of a field tablet. Nothing is posted from the form: each
// complaint goes into a queue in IndexedDB (kept across reloads and browser restarts), and
// the queue is sent to /offline/sync when the network is back (the `online` event, opening
// the page online, or the "Sync now" button), at most `max_batch` items per request.
// Intake answers per item: created and duplicate (a retry of an item it already has: each
// item carries its own client_ref) leave the queue; rejected ones stay with their reasons
// until the operator fixes or deletes them. A failed or refused sync keeps every item.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("offline-config").textContent);
  const T = config.texts;
  const form = document.getElementById("offline-form");
  const statusBox = document.getElementById("offline-status");
  const countBox = document.getElementById("queue-count");
  const queueList = document.getElementById("queue-list");
  const syncButton = document.getElementById("sync-now");
  const netBadge = document.getElementById("net-state");
  const DB_NAME = "slrt-offline";
  const STORE = "queue";
  const DEVICE_KEY = "slrt.offline.device_id";
  const lang = document.body.getAttribute("data-lang") === "en" ? "en-GB" : "id-ID";
  let editing = null; // the client_ref of the queued item being edited
  let syncing = false;

  function fill(text, fields) {
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(fields, name) ? String(fields[name]) : all;
    });
  }

  function announce(text, kind, link) {
    statusBox.textContent = "";
    const p = document.createElement("p");
    p.className = "flash" + (kind ? " " + kind : "");
    p.textContent = text;
    if (link) {
      const a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      a.setAttribute("data-testid", "sign-in-link");
      p.append(" ", a);
    }
    statusBox.append(p);
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, function (x) { return x.toString(16).padStart(2, "0"); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" +
      h.slice(16, 20) + "-" + h.slice(20);
  }

  // Generated once per browser profile: intake records which tablet captured a complaint.
  function deviceId() {
    let id = localStorage.getItem(DEVICE_KEY);
    if (!id) { id = "tablet-" + uuid(); localStorage.setItem(DEVICE_KEY, id); }
    return id;
  }

  // The capture time in the tablet's own offset, e.g. 2026-05-04T09:12:33+07:00.
  function localIso(date) {
    const pad = function (n) { return String(Math.abs(n)).padStart(2, "0"); };
    const offset = -date.getTimezoneOffset();
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" +
      pad(date.getSeconds()) + (offset >= 0 ? "+" : "-") + pad(Math.trunc(offset / 60)) +
      ":" + pad(offset % 60);
  }

  // --- IndexedDB --------------------------------------------------------------------------

  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        const open = indexedDB.open(DB_NAME, 1);
        open.onupgradeneeded = function () {
          open.result.createObjectStore(STORE, { keyPath: "client_ref" });
        };
        open.onsuccess = function () { resolve(open.result); };
        open.onerror = function () { reject(open.error); };
      });
    }
    return dbPromise;
  }

  async function tx(mode, work) {
    const database = await db();
    return new Promise(function (resolve, reject) {
      const t = database.transaction(STORE, mode);
      const result = work(t.objectStore(STORE));
      t.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
      t.onerror = function () { reject(t.error); };
      t.onabort = function () { reject(t.error); };
    });
  }

  const store = {
    all: async function () {
      const rows = await tx("readonly", function (s) { return s.getAll(); });
      return rows.sort(function (a, b) { return a.captured_at < b.captured_at ? -1 : 1; });
    },
    get: function (ref) { return tx("readonly", function (s) { return s.get(ref); }); },
    put: function (row) { return tx("readwrite", function (s) { s.put(row); }); },
    remove: function (ref) { return tx("readwrite", function (s) { s.delete(ref); }); },
  };

  // --- the form ---------------------------------------------------------------------------

  const categories = {};
  config.categories.forEach(function (c) { categories[c.code] = c; });

  function fillSubcategories(selected) {
    const select = form.elements.namedItem("subcategory");
    const category = categories[form.elements.namedItem("category").value];
    while (select.options.length > 1) { select.remove(1); }
    (category ? category.subcategories : []).forEach(function (s) {
      select.add(new Option(s.label, s.code, false, s.code === selected));
    });
  }

  function value(name) {
    const el = form.elements.namedItem(name);
    return el.type === "checkbox" ? el.checked : el.value.trim();
  }

  // The item as intake's OfflineComplaintIn wants it.
  function itemFromForm(ref, capturedAt) {
    return {
      client_ref: ref,
      captured_at: capturedAt,
      channel: config.channel,
      village_code: value("village_code"),
      category: value("category"),
      subcategory: value("subcategory") || null,
      kind: value("kind"),
      urgency: value("urgency"),
      description: value("description"),
      complainant: {
        name: value("complainant.name"),
        nik: value("complainant.nik") || null,
        has_no_nik: value("complainant.has_no_nik"),
        phone: value("complainant.phone") || null,
      },
      consent_given: value("consent_given"),
    };
  }

  function itemToForm(item) {
    const set = function (name, v) {
      const el = form.elements.namedItem(name);
      if (el.type === "checkbox") { el.checked = Boolean(v); } else { el.value = v || ""; }
    };
    set("village_code", item.village_code);
    set("category", item.category);
    fillSubcategories(item.subcategory);
    set("kind", item.kind);
    set("urgency", item.urgency);
    set("description", item.description);
    set("complainant.name", item.complainant.name);
    set("complainant.nik", item.complainant.nik);
    set("complainant.has_no_nik", item.complainant.has_no_nik);
    set("complainant.phone", item.complainant.phone);
    set("consent_given", item.consent_given);
  }

  // Checks a tablet can make without the network, so an obvious slip is fixed while the
  // complainant is still there; intake checks everything again when the queue is synced.
  function localProblems(item) {
    const found = {};
    const digits = function (s) { return (s || "").replace(/[\s.\-]/g, ""); };
    if (!/^[0-9]{10}$/.test(digits(item.village_code))) { found.village_code = T["check.village"]; }
    if (!item.category) { found.category = T["check.required"]; }
    if (item.description.length < 10) { found.description = T["check.description"]; }
    if (!item.complainant.name) { found["complainant.name"] = T["check.required"]; }
    const nik = item.complainant.nik;
    if (nik && !/^[0-9]{16}$/.test(digits(nik))) { found["complainant.nik"] = T["check.nik"]; }
    if (nik && item.complainant.has_no_nik) { found["complainant.has_no_nik"] = T["check.nik_or_none"]; }
    const phone = item.complainant.phone;
    if (phone && !/^\+?[0-9\s().\-]{8,20}$/.test(phone)) { found["complainant.phone"] = T["check.phone"]; }
    if (!item.consent_given) { found.consent_given = T["check.consent"]; }
    return found;
  }

  // Shows messages under their fields (aria-invalid + the message the field describes by).
  function showFieldMessages(messages) {
    form.querySelectorAll("[data-msg-for]").forEach(function (box) {
      const name = box.getAttribute("data-msg-for");
      const field = form.elements.namedItem(name);
      const text = messages[name] || "";
      box.textContent = text;
      box.className = text ? "field-error" : "";
      if (field) {
        if (text) { field.setAttribute("aria-invalid", "true"); }
        else { field.removeAttribute("aria-invalid"); }
      }
    });
  }

  // A summary above the form (role=alert), each message prefixed with its field's label.
  function showFormErrors(messages) {
    const box = document.getElementById("form-errors");
    box.textContent = "";
    const names = Object.keys(messages);
    if (!names.length) { return; }
    const list = document.createElement("ul");
    list.className = "flash error";
    names.forEach(function (name) {
      const input = form.elements.namedItem(name);
      const label = input && input.id ? form.querySelector("label[for='" + input.id + "']") : null;
      const li = document.createElement("li");
      li.textContent = (label ? label.textContent.replace("*", "").trim() + ": " : "") +
        messages[name];
      list.append(li);
    });
    box.append(list);
  }

  function setEditing(ref) {
    editing = ref;
    const heading = document.getElementById("form-h");
    heading.textContent = heading.getAttribute(ref ? "data-edit" : "data-new");
    document.getElementById("cancel-edit").hidden = !ref;
  }

  function clearForm() {
    form.reset();
    fillSubcategories("");
    showFieldMessages({});
    showFormErrors({});
    setEditing(null);
  }

  form.elements.namedItem("category").addEventListener("change", function () {
    fillSubcategories("");
  });
  document.getElementById("cancel-edit").addEventListener("click", clearForm);

  form.addEventListener("submit", async function (event) {
    event.preventDefault(); // never posted: the queue is the way to the server
    const previous = editing ? await store.get(editing) : null;
    const ref = previous ? previous.client_ref : uuid();
    const capturedAt = previous ? previous.captured_at : localIso(new Date());
    const item = itemFromForm(ref, capturedAt);
    const problems = localProblems(item);
    showFieldMessages(problems);
    showFormErrors(problems);
    if (Object.keys(problems).length) {
      const first = form.querySelector("[aria-invalid='true']");
      if (first) { first.focus(); }
      return;
    }
    // An edited item keeps its client_ref and capture time: intake never registered a
    // rejected item, so the ref is still free, and the capture time is when it was heard.
    await store.put({ client_ref: ref, captured_at: capturedAt, item: item, state: "waiting",
                      reasons: [], warnings: [], updated_at: localIso(new Date()) });
    clearForm();
    const count = await render();
    announce(fill(previous ? T.updated : T.saved, { n: count.waiting }), "");
    form.elements.namedItem("village_code").focus();
    if (navigator.onLine) { sync("auto"); }
  });

  // --- the queue --------------------------------------------------------------------------

  function formatTime(iso) {
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
  }

  function categoryLabel(item) {
    const c = categories[item.category];
    if (!c) { return item.category; }
    const s = c.subcategories.find(function (x) { return x.code === item.subcategory; });
    return c.label + (s ? " / " + s.label : "");
  }

  function reasonList(reasons, className) {
    const ul = document.createElement("ul");
    ul.className = "reasons " + className;
    reasons.forEach(function (r) {
      const li = document.createElement("li");
      li.textContent = (r.label ? r.label + ": " : "") + r.message;
      ul.append(li);
    });
    return ul;
  }

  function button(text, className, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function queueRow(row) {
    const item = row.item;
    const li = document.createElement("li");
    li.setAttribute("data-testid", "queue-item");
    li.setAttribute("data-ref", row.client_ref);
    li.setAttribute("data-state", row.state);
    const badge = document.createElement("span");
    badge.className = "badge " + (row.state === "rejected" ? "bad" : "");
    badge.textContent = T["state." + row.state];
    const title = document.createElement("strong");
    title.textContent = " " + item.complainant.name + " · " + item.village_code;
    const meta = document.createElement("small");
    meta.textContent = categoryLabel(item) + " · " +
      fill(T.captured, { time: formatTime(row.captured_at) }) +
      (item.complainant.has_no_nik ? " · " + T.no_nik : "");
    li.append(badge, title, meta);
    if (row.reasons.length) { li.append(reasonList(row.reasons, "field-error")); }
    const actions = document.createElement("div");
    actions.className = "actions";
    const who = item.complainant.name;
    const edit = button(T.edit, "secondary", function () { startEdit(row.client_ref); });
    edit.setAttribute("aria-label", T.edit + ": " + who);
    const del = button(T.delete, "danger", function () { discard(row.client_ref, who); });
    del.setAttribute("aria-label", T.delete + ": " + who);
    actions.append(edit, del);
    li.append(actions);
    return li;
  }

  async function render() {
    const rows = await store.all();
    queueList.textContent = "";
    rows.forEach(function (row) { queueList.append(queueRow(row)); });
    const waiting = rows.filter(function (r) { return r.state === "waiting"; }).length;
    const rejected = rows.length - waiting;
    countBox.textContent = fill(rows.length ? T.waiting : T.none_waiting, { n: waiting }) +
      (rejected ? fill(T.to_fix, { n: rejected }) : "");
    countBox.setAttribute("data-count", String(waiting));
    countBox.setAttribute("data-rejected", String(rejected));
    return { waiting: waiting, rejected: rejected };
  }

  async function startEdit(ref) {
    const row = await store.get(ref);
    if (!row) { return; }
    itemToForm(row.item);
    const messages = {};
    row.reasons.forEach(function (r) { if (r.field) { messages[r.field] = r.message; } });
    showFieldMessages(messages);
    showFormErrors(messages);
    setEditing(ref);
    announce(fill(T.editing, { name: row.item.complainant.name }), "");
    form.elements.namedItem("village_code").focus();
  }

  async function discard(ref, who) {
    if (!window.confirm(fill(T.delete_confirm, { name: who }))) { return; }
    await store.remove(ref);
    if (editing === ref) { clearForm(); }
    await render();
    announce(fill(T.deleted, { name: who }), "");
  }

  // --- sync -------------------------------------------------------------------------------

  function resultRow(result, row) {
    const li = document.createElement("li");
    li.setAttribute("data-testid", "result-item");
    li.setAttribute("data-outcome", result.outcome);
    li.setAttribute("data-ref", result.client_ref || "");
    const badge = document.createElement("span");
    badge.className = "badge " + ({ created: "ok", duplicate: "ok", rejected: "bad" }[result.outcome] || "");
    badge.textContent = T["outcome." + result.outcome];
    const text = document.createElement("span");
    const name = row ? row.item.complainant.name : (result.client_ref || "");
    text.textContent = " " + name;
    li.append(badge, text);
    if (result.number) {
      const number = document.createElement("strong");
      number.setAttribute("data-testid", "complaint-number");
      number.textContent = " " + result.number;
      li.append(number);
    }
    const notes = [];
    if (result.outcome === "duplicate") { notes.push(fill(T.duplicate_of, { number: result.number || "" })); }
    if (result.possible_duplicate_of.length) { notes.push(T.possible_duplicate); }
    notes.forEach(function (note) {
      const small = document.createElement("small");
      small.textContent = note;
      li.append(small);
    });
    if (result.reasons.length) { li.append(reasonList(result.reasons, "field-error")); }
    if (result.warnings.length) {
      const warned = result.warnings.map(function (w) {
        return { label: T.warning + (w.label ? " · " + w.label : ""), message: w.message };
      });
      li.append(reasonList(warned, "field-warning"));
    }
    return li;
  }

  function showResults(results, rowsByRef) {
    const box = document.getElementById("results");
    const list = document.getElementById("results-list");
    list.textContent = "";
    const count = { created: 0, duplicate: 0, rejected: 0, waiting: 0 };
    results.forEach(function (r) {
      count[r.outcome] = (count[r.outcome] || 0) + 1;
      list.append(resultRow(r, rowsByRef[r.client_ref]));
    });
    document.getElementById("results-count").textContent = fill(T.count_results, count);
    box.hidden = !results.length;
    return count;
  }

  async function postChunk(rows) {
    return fetch(config.sync_url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ device_id: deviceId(),
                             items: rows.map(function (r) { return r.item; }) }),
    });
  }

  async function apply(rows, answer) {
    for (const result of answer.results) {
      const row = rows[result.index];
      if (!row) { continue; }
      if (result.leaves_queue) {
        await store.remove(row.client_ref);
      } else if (result.outcome === "rejected") {
        row.state = "rejected";
        row.reasons = result.reasons;
        row.warnings = result.warnings;
        await store.put(row);
      }
    }
  }

  async function sync(trigger) {
    if (syncing) { return; }
    // The item open in the form waits until it is saved: sent now, the saved fix would reuse
    // its client_ref for a different body, which intake refuses.
    const waiting = (await store.all()).filter(function (r) {
      return r.state === "waiting" && r.client_ref !== editing;
    });
    if (!waiting.length) {
      if (trigger === "button") { announce(T.nothing_to_sync, ""); }
      return;
    }
    if (!navigator.onLine) {
      announce(T.offline_now, "warn");
      return;
    }
    syncing = true;
    syncButton.disabled = true;
    syncButton.setAttribute("aria-busy", "true");
    announce(fill(T.syncing, { n: waiting.length }), "");
    const results = [];
    const rowsByRef = {};
    waiting.forEach(function (r) { rowsByRef[r.client_ref] = r; });
    let problem = null;
    try {
      for (let start = 0; start < waiting.length; start += config.max_batch) {
        const rows = waiting.slice(start, start + config.max_batch);
        let response;
        try {
          response = await postChunk(rows);
        } catch (err) {
          problem = { text: fill(T.sync_failed, { reason: T.offline_now }), kind: "warn" };
          break;
        }
        if (response.status === 401) {
          problem = { text: T.session_expired, kind: "error",
                      link: { href: config.sign_in_url, text: T.sign_in_again } };
          break;
        }
        let answer = null;
        try { answer = await response.json(); } catch (err) { answer = null; }
        if (!response.ok || !answer || !answer.results) {
          const reason = (answer && answer.error) || String(response.status);
          problem = { text: fill(T.sync_failed, { reason: reason }), kind: "error" };
          break;
        }
        await apply(rows, answer);
        answer.results.forEach(function (r) { results.push(r); });
      }
    } finally {
      syncing = false;
      syncButton.disabled = false;
      syncButton.removeAttribute("aria-busy");
    }
    const count = await render();
    if (results.length) {
      const done = showResults(results, rowsByRef);
      if (!problem) {
        announce(fill(T.synced, { created: done.created, duplicate: done.duplicate,
                                  rejected: done.rejected, n: count.waiting }),
                 done.rejected ? "warn" : "");
        return;
      }
    }
    if (problem) { announce(problem.text, problem.kind, problem.link); }
  }

  // --- network state ----------------------------------------------------------------------

  function showNetwork() {
    const online = navigator.onLine;
    netBadge.textContent = online ? T.online_now : T.offline_now;
    netBadge.className = "badge " + (online ? "ok" : "warn");
  }

  window.addEventListener("online", function () { showNetwork(); sync("online"); });
  window.addEventListener("offline", showNetwork);
  syncButton.addEventListener("click", function () { sync("button"); });

  async function start() {
    showNetwork();
    if (!window.indexedDB) {
      announce(T.storage_missing, "error");
      form.querySelector("button[type=submit]").disabled = true;
      return;
    }
    // Ask the browser not to evict the queue when the tablet runs short of space.
    if (navigator.storage && navigator.storage.persist) { navigator.storage.persist(); }
    deviceId();
    fillSubcategories("");
    await render();
    if (navigator.onLine) { await sync("load"); }
  }

  if ("serviceWorker" in navigator) {
    // Root script, scope /offline: the worker serves this page and its files without network.
    navigator.serviceWorker.register("/sw.js", { scope: "/offline" }).catch(function () {});
  }
  start();
})();
