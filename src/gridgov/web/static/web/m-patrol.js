/* The grid worker's patrol (/m/patrol/): start, record the phone's position, check in at the plan's
   points, end. Everything is kept first in localStorage as a queue of operations and sent in order to
   /api/v1/patrols/ when the network is there (the `online` event, a timer, the next visit). Each start
   and each fix carries an id made here, so a send repeated after a lost answer writes nothing twice:
   exactly once is the server's job. Positions from navigator.geolocation are WGS-84.
   No language of its own: words come from #patrol-i18n. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("patrol-config").textContent);
  const T = JSON.parse(document.getElementById("patrol-i18n").textContent);
  const $ = (id) => document.getElementById(id);
  const fmt = (s, v) => s.replace(/\{(\w+)\}/g, (m, k) => (k in v ? v[k] : m));
  const BATCH = 200;  // fixes per request
  const MIN_GAP_MS = 10000;  // keep at most one fix every 10 s
  const uuid = () => (crypto.randomUUID ? crypto.randomUUID()
    : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
      (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16)));

  // state: {session: {id, plan} | null, ops: [{kind, …}], fixes: [{id, lon, lat, at, accuracy}], last}
  function load() {
    try { return JSON.parse(localStorage.getItem(config.storageKey)) || {}; } catch (e) { return {}; }
  }
  // ended: ids of the sessions ended here, so that a page served from the cache (the service worker's
  // copy from before the end) does not bring an ended patrol back
  const state = Object.assign({ session: null, ops: [], fixes: [], last: null, ended: [] }, load());
  if (!state.session && config.session && !config.session.ended_at && !state.ended.includes(config.session.id)) {
    state.session = { id: config.session.id, plan: config.session.plan };
  }
  function save() { localStorage.setItem(config.storageKey, JSON.stringify(state)); showState(); }

  function csrfToken() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function post(path, body) {
    return fetch(config.api + path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json",
                 "X-CSRFToken": csrfToken(), "X-Gridgov-Staff-Page": "1" },
      body: JSON.stringify(body),
    }).then((r) => r.json().catch(() => ({})).then((data) => ({ ok: r.ok, status: r.status, data })));
  }

  function showError(text) { $("patrol-error").textContent = text || ""; $("patrol-error").hidden = !text; }
  function showState() {
    const running = !!state.session;
    $("patrol-status").hidden = !running;
    if (running) $("patrol-status").textContent = T.started;
    $("patrol-end").hidden = !running;
    document.querySelectorAll(".patrol-start").forEach((b) => { b.hidden = running; });
    document.querySelectorAll(".patrol-checkin").forEach((b) => {
      b.disabled = !running || String(state.session.plan) !== b.dataset.plan;
    });
    const waiting = state.ops.length + state.fixes.length;
    $("patrol-outbox").hidden = !waiting;
    $("patrol-outbox").textContent = waiting ? fmt(T.pending, { count: waiting }) : "";
  }

  // --- the position
  let watch = null;
  function record(pos) {
    const now = Date.now();
    state.last = { lon: pos.coords.longitude, lat: pos.coords.latitude, at: new Date(pos.timestamp || now).toISOString() };
    if (!state.session) return;
    const prev = state.fixes[state.fixes.length - 1];
    if (prev && now - Date.parse(prev.at) < MIN_GAP_MS) return;
    state.fixes.push({ id: uuid(), session: state.session.id, lon: state.last.lon, lat: state.last.lat,
                       at: state.last.at, accuracy: pos.coords.accuracy });
    save();
  }
  function follow() {
    if (watch !== null || !navigator.geolocation) return;
    watch = navigator.geolocation.watchPosition(record, () => showError(T.noPosition),
                                                { enableHighAccuracy: true, maximumAge: 5000 });
  }
  function stopFollowing() {
    if (watch !== null) navigator.geolocation.clearWatch(watch);
    watch = null;
  }

  // --- sending: the queued operations in order, then the fixes in batches
  let flushing = false;
  function refused(answer) {
    if (answer.status === 401) { showError(T.signIn); return true; }
    if (answer.status >= 500) { showError(T.offline); return true; }  // keep it, try again later
    showError(fmt(T.refused, { detail: (answer.data && answer.data.detail) || answer.status }));
    return false;
  }
  function sendOp(op) {
    if (op.kind === "start") return post("sessions", { id: op.session, plan: op.plan, started_at: op.at });
    if (op.kind === "checkin") {
      return post("sessions/" + op.session + "/checkins", { point: op.point, lon: op.lon, lat: op.lat, at: op.at });
    }
    return post("sessions/" + op.session + "/end", { ended_at: op.at });
  }
  async function flush() {
    if (flushing || !navigator.onLine) return;
    flushing = true;
    try {
      // a fix is sent only after its session's start (the ops before it), so track the first op's session
      while (state.ops.length || state.fixes.length) {
        const op = state.ops[0];
        const started = (s) => !state.ops.some((o) => o.kind === "start" && o.session === s);
        const fixes = state.fixes.filter((f) => started(f.session));
        if (fixes.length && (!op || op.kind === "end")) {
          const session = fixes[0].session;
          const batch = fixes.filter((f) => f.session === session).slice(0, BATCH);
          const answer = await post("sessions/" + session + "/track",
            { points: batch.map(({ id, lon, lat, at, accuracy }) => ({ id, lon, lat, at, accuracy })) });
          if (!answer.ok && refused(answer)) break;
          const sent = new Set(batch.map((f) => f.id));  // sent, or refused for good: not again
          state.fixes = state.fixes.filter((f) => !sent.has(f.id));
          save();
          continue;
        }
        if (!op) break;
        const answer = await sendOp(op);
        if (!answer.ok && refused(answer)) break;
        if (answer.ok && op.kind === "checkin") {
          showError("");
          $("patrol-status").textContent = fmt(T.checkedIn, { name: op.name });
        }
        state.ops.shift();
        save();
      }
    } catch (e) {
      showError(T.offline);  // the network failed: everything stays queued
    } finally {
      flushing = false;
    }
  }

  // --- the buttons
  document.querySelectorAll(".patrol-start").forEach((button) => button.addEventListener("click", () => {
    const session = uuid();
    state.session = { id: session, plan: Number(button.dataset.plan) };
    state.ops.push({ kind: "start", session, plan: state.session.plan, at: new Date().toISOString() });
    save();
    follow();
    flush();
  }));
  document.querySelectorAll(".patrol-checkin").forEach((button) => button.addEventListener("click", () => {
    if (!state.session || !state.last) { showError(T.noPosition); return; }
    state.ops.push({ kind: "checkin", session: state.session.id, point: Number(button.dataset.point),
                     name: button.dataset.name, lon: state.last.lon, lat: state.last.lat, at: new Date().toISOString() });
    save();
    flush();
  }));
  $("patrol-end").addEventListener("click", () => {
    if (!state.session) return;
    state.ops.push({ kind: "end", session: state.session.id, at: new Date().toISOString() });
    state.ended = [...state.ended.slice(-20), state.session.id];
    state.session = null;
    stopFollowing();
    save();
    $("patrol-status").hidden = false;
    $("patrol-status").textContent = T.ended;
    flush();
  });

  window.addEventListener("online", flush);
  setInterval(flush, 15000);
  showState();
  if (state.session) follow();
  flush();
})();
