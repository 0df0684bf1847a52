/* The grid worker's report form (/m/report/): a point from the phone's position or the map, photos of
   the problem, an optional "resolved on the spot" (就地解决) with photos of the fix, one POST
   /api/v1/cases with an Idempotency-Key and the session's CSRF token (the map, position, categories
   and photo uploads are report-form.js, shared with /report/). Without network the report waits in
   localStorage with its key, its photos in IndexedDB (photo-store.js), and is sent once when the
   network is back (the `online` event or the next visit): photos first, each saved into the report
   as it is uploaded, then the report; the key makes a repeated send replay the same case instead of
   filing a second one.
   No language of its own: words come from #i18n. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("report-config").textContent);
  const T = JSON.parse(document.getElementById("i18n").textContent);
  const $ = (id) => document.getElementById(id);
  const fmt = (s, v) => s.replace(/\{(\w+)\}/g, (m, k) => (k in v ? v[k] : m));
  const form = $("report-form");
  const errorBox = $("form-error");
  // uploads: ids of the problem's photos; resultUploads: of the fix's (就地解决); kept: photos chosen
  // without network, waiting in GridgovPhotoStore ({id, into, name}) to be uploaded before their report
  const state = { point: null, uploads: [], resultUploads: [], kept: [], pending: 0, key: null,
                  categories: new Map(), flushing: false };
  const Photos = window.GridgovPhotoStore;

  function showError(text) { errorBox.textContent = text; errorBox.hidden = !text; }
  function newKey() { return crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + "-" + Math.random(); }
  function csrfToken() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    const input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- the outbox: reports kept while there is no network, each with its Idempotency-Key
  function readOutbox() {
    try { return JSON.parse(localStorage.getItem(config.storageKey) || "[]"); } catch (e) { return []; }
  }
  function writeOutbox(items) {
    if (items.length) localStorage.setItem(config.storageKey, JSON.stringify(items));
    else localStorage.removeItem(config.storageKey);
    showOutbox();
  }
  function showOutbox() {
    const n = readOutbox().length;
    const box = $("outbox");
    box.dataset.pending = String(n);
    box.textContent = n ? fmt(T.pending, { count: n }) : "";
    box.hidden = !n;
  }
  function keep(item) { writeOutbox([...readOutbox().filter((i) => i.key !== item.key), item]); }
  function drop(key) { writeOutbox(readOutbox().filter((i) => i.key !== key)); }

  // What every API call of this staff page sends: a lost session is then a 401 (sign in again), never a
  // photo or report filed as an anonymous resident's.
  function staffHeaders() { return { "X-CSRFToken": csrfToken(), "X-Gridgov-Staff-Page": "1" }; }

  // One POST. Resolves {ok, status, data}; rejects only when the network failed.
  function send(item) {
    return fetch(config.cases, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json",
                 "Idempotency-Key": item.key, ...staffHeaders() },
      body: JSON.stringify(item.body),
    }).then((r) => r.json().catch(() => ({})).then((data) => ({ ok: r.ok, status: r.status, data })));
  }

  function showSent(data) {
    const li = document.createElement("li");
    li.className = "m-row";
    li.dataset.number = data.number;
    const a = document.createElement("a");
    a.href = config.casePage.replace("NUMBER", encodeURIComponent(data.number));
    a.textContent = fmt(T.sent, { number: data.number }) + (data.title ? " · " + data.title : "");
    li.appendChild(a);
    $("sent-list").appendChild(li);
    $("sent").hidden = false;
  }

  // A photo kept on the phone, uploaded now. Resolves {ok, status, data}; rejects when the network failed.
  function uploadKept(kept) {
    return Photos.get(kept.id).then((stored) => {
      if (!stored) return { ok: false, status: 410, data: {} };  // gone (the browser cleared it)
      const body = new FormData();
      body.append("file", stored.blob, stored.name);
      return fetch(config.uploads, { method: "POST", credentials: "same-origin", headers: staffHeaders(), body })
        .then((r) => r.json().catch(() => ({})).then((data) => ({ ok: r.status === 201, status: r.status, data })));
    });
  }

  // Upload a kept report's photos into its body, one by one, saving the item after each: a photo is
  // never uploaded twice, and the body is complete before the report's first send (its key holds).
  // Resolves false when the network failed (try again later).
  async function uploadPhotosOf(item) {
    while (item.kept && item.kept.length) {
      const kept = item.kept[0];
      let answer;
      try { answer = await uploadKept(kept); } catch (e) { return false; }
      if (answer.status >= 500 || answer.status === 429) return false;
      if (answer.status === 401) { signInAgain(); return false; }  // kept: uploaded after signing in
      if (answer.ok) {
        const into = kept.into === "resultUploads" && item.body.resolved ? item.body.resolved.photos : item.body.photos;
        into.push(answer.data.id);
      } else {
        showError(fmt(T.uploadFailed, { name: kept.name, detail: answer.data.detail || answer.status }));
      }
      item.kept.shift();
      keep(item);
      Photos.remove(kept.id).catch(() => {});
    }
    return true;
  }

  // The session ran out (登录已过期): to the sign-in page, which comes back here; the report waits
  // in the outbox meanwhile and is sent by the next visit's flush.
  function signInAgain() {
    location.assign(config.login + "?next=" + encodeURIComponent(location.pathname));
  }

  // Send the kept reports one by one; stop at the first network failure.
  async function flush() {
    if (state.flushing || !navigator.onLine) return;
    state.flushing = true;
    try {
      for (const item of readOutbox()) {
        if (!(await uploadPhotosOf(item))) break;
        let answer;
        try { answer = await send(item); } catch (e) { break; }
        if (answer.ok) { drop(item.key); showSent(answer.data); }
        else if (answer.status === 401) { signInAgain(); break; }  // kept: sent after signing in
        else if (answer.status >= 500 || answer.status === 429) break;
        else { drop(item.key); showError(fmt(T.queuedFailed, { detail: answer.data.detail || answer.status })); }
      }
    } finally {
      state.flushing = false;
      showOutbox();
    }
  }
  window.addEventListener("online", flush);

  // the map and the phone's position, the category picker, the photos: shared with /report/
  const { check } = GridgovReportForm({
    config, T, state, showError,
    onMapFailed: () => { $("report-map").dataset.ready = "0"; },
    positionZoom: 16, positionOptions: { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 },
    uploadHeaders: staffHeaders,
    onUploaded: () => { state.key = null; },  // the body changes with each photo: a new key
    photoFields: [{ input: "photos", list: "upload-list", into: "uploads" },
                  { input: "result-photos", list: "result-upload-list", into: "resultUploads" }],
    keepOffline: Photos ? (file, field) => Photos.put(file).then((id) => {
      state.kept.push({ id, into: field.into, name: file.name });
      state.key = null;
      return true;
    }) : null,
  });

  // --- resolved on the spot: the result and photos of the fix
  $("on-spot").addEventListener("change", (e) => { $("on-spot-fields").hidden = !e.target.checked; });
  function resetForm() {
    form.reset();
    state.uploads = []; state.resultUploads = []; state.kept = []; state.key = null;
    $("upload-list").replaceChildren();
    $("result-upload-list").replaceChildren();
    $("on-spot-fields").hidden = true;
    $("submit").disabled = false;
  }

  // --- submit
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const { ok, title, category, address } = check();
    if (!ok) return;
    const body = { title, description: $("description").value.trim(), lon: state.point.lon, lat: state.point.lat,
                   crs: state.point.crs, channel: "patrol", photos: state.uploads.slice() };
    if (category) body.category = category;
    if (address) body.address = address;
    if ($("on-spot").checked) {
      const result = $("result").value.trim();
      if (!result) { showError(T.needResult); $("result").focus(); return; }
      body.resolved = { result, photos: state.resultUploads.slice() };
    }
    // photos of the fix without a fix to go with them are not kept
    const kept = state.kept.filter((k) => k.into !== "resultUploads" || body.resolved);
    // One key per filled-in report: a retry of the same body replays the same case.
    state.key = state.key || newKey();
    const item = { key: state.key, body, at: new Date().toISOString(), kept };
    showError("");
    if (!navigator.onLine) { keep(item); resetForm(); $("send-status").textContent = T.queued; return; }
    if (kept.length) { keep(item); resetForm(); flush(); return; }  // its kept photos go up first
    $("submit").disabled = true;
    $("send-status").textContent = T.sending;
    send(item)
      .then(({ ok, status, data }) => {
        $("send-status").textContent = "";
        $("submit").disabled = false;
        if (status === 401) { keep(item); resetForm(); signInAgain(); return; }  // sent after signing in
        if (!ok) {
          if (status === 409) state.key = null;  // the body changed since the key was made
          showError(fmt(T.sendFailed, { detail: data.detail || status }));
          return;
        }
        showSent(data);
        resetForm();
      })
      .catch(() => {  // no network: keep it, with its key, and send it when the network is back
        keep(item);
        resetForm();
        $("send-status").textContent = T.queued;
      });
  });
  // Any change to the report after a failure is a new report: a new key.
  form.addEventListener("input", () => { if (!$("submit").disabled) state.key = null; });
  $("another").addEventListener("click", () => { $("sent").hidden = true; $("title").focus(); });

  showOutbox();
  flush();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(config.sw, { scope: config.scope }).catch(() => {});
  }
})();
