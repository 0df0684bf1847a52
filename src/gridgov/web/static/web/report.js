/* The resident's report form (上报): a point on a small map or the phone's position, photos uploaded
   one by one with progress, then one POST /api/v1/cases with an Idempotency-Key, so that a double
   click or a retry never files two cases. No language of its own: words come from #i18n. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("report-config").textContent);
  const T = JSON.parse(document.getElementById("i18n").textContent);
  const $ = (id) => document.getElementById(id);
  const fmt = (s, v) => s.replace(/\{(\w+)\}/g, (m, k) => (k in v ? v[k] : m));
  const form = $("report-form");
  const errorBox = $("form-error");
  const state = { point: null, uploads: [], pending: 0, key: null, categories: new Map() };

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  // --- the map: the district's level-1 grids as the only background (no tiles offline)
  const map = L.map("report-map", { zoomControl: true, attributionControl: false, zoomSnap: 0.25 });
  map.setView([34.75, 113.6], 11);
  let marker = null;
  function setPoint(lat, lon, crs) {
    state.point = { lat, lon, crs };
    if (marker) marker.setLatLng([lat, lon]);
    else marker = L.circleMarker([lat, lon], { radius: 8, color: "#d62728", weight: 3, fillOpacity: 0.6, className: "report-marker" }).addTo(map);
    $("point-text").textContent = fmt(T.pointAt, { lon: lon.toFixed(6), lat: lat.toFixed(6) });
    showError("");
  }
  fetch(config.geojson, { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.status))))
    .then((data) => {
      const layer = L.geoJSON(data, {
        style: { color: "#1f6fb2", weight: 1.5, fillColor: "#1f6fb2", fillOpacity: 0.08 },
        onEachFeature: (f, l) => l.bindTooltip(f.properties.name, { sticky: true }),
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { animate: false });
      document.getElementById("report-map").dataset.ready = "1";
    })
    .catch(() => showError(T.mapFailed));
  // The map's clicks use WGS-84: the grids are drawn in it.
  map.on("click", (e) => setPoint(e.latlng.lat, e.latlng.lng, "wgs84"));

  $("use-position").addEventListener("click", () => {
    if (!navigator.geolocation) { showError(T.geoUnsupported); return; }
    $("point-text").textContent = T.locating;
    navigator.geolocation.getCurrentPosition(
      (pos) => {  // browsers give WGS-84
        setPoint(pos.coords.latitude, pos.coords.longitude, "wgs84");
        map.setView([pos.coords.latitude, pos.coords.longitude], Math.max(map.getZoom(), 15));
      },
      (err) => { $("point-text").textContent = ""; showError(fmt(T.geoFailed, { detail: err.message })); },
      { enableHighAccuracy: true, timeout: 15000 });
  });

  // --- category picker: a datalist filled from the server as the resident types
  const categoryInput = $("category");
  let searchTimer = null;
  categoryInput.addEventListener("input", () => {
    clearTimeout(searchTimer);
    const q = categoryInput.value.trim();
    if (!q || state.categories.has(q)) return;
    searchTimer = setTimeout(() => {
      fetch(config.categories + "?q=" + encodeURIComponent(q))
        .then((r) => r.json())
        .then((data) => {
          const list = $("category-options");
          list.replaceChildren();
          for (const c of data.items) {
            const label = c.parent ? `${c.name}（${c.parent}）` : c.name;
            state.categories.set(label, c.code);
            const opt = document.createElement("option");
            opt.value = label;
            list.appendChild(opt);
          }
          if (!data.items.length) {
            const opt = document.createElement("option");
            opt.value = ""; opt.label = T.noCategory;
            list.appendChild(opt);
          }
        })
        .catch(() => {});
    }, 200);
  });

  // --- photos: each uploaded on choice, with progress (XMLHttpRequest reports upload progress)
  $("photos").addEventListener("change", (e) => {
    for (const file of e.target.files) upload(file);
  });
  function upload(file) {
    const item = document.createElement("li");
    const bar = document.createElement("progress");
    const text = document.createElement("span");
    bar.max = 100; bar.value = 0;
    item.append(bar, text);
    $("upload-list").appendChild(item);
    text.textContent = fmt(T.uploading, { name: file.name, percent: 0 });
    const body = new FormData();
    body.append("file", file);
    const xhr = new XMLHttpRequest();
    state.pending += 1;
    xhr.open("POST", config.uploads);
    xhr.upload.addEventListener("progress", (ev) => {
      if (!ev.lengthComputable) return;
      const percent = Math.round((ev.loaded / ev.total) * 100);
      bar.value = percent;
      text.textContent = fmt(T.uploading, { name: file.name, percent });
    });
    xhr.addEventListener("loadend", () => {
      state.pending -= 1;
      let data = {};
      try { data = JSON.parse(xhr.responseText || "{}"); } catch (err) { data = {}; }
      if (xhr.status === 201) {
        state.uploads.push(data.id);
        bar.value = 100;
        text.textContent = fmt(T.uploaded, { name: file.name });
      } else {
        bar.remove();
        item.classList.add("error");
        text.textContent = fmt(T.uploadFailed, { name: file.name, detail: data.detail || T.network });
      }
    });
    xhr.send(body);
  }

  // --- anonymous: hide and never send name and phone
  $("anonymous").addEventListener("change", (e) => { $("contact-fields").hidden = e.target.checked; });

  // --- submit
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const title = $("title").value.trim();
    if (!title) { showError(T.needTitle); $("title").focus(); return; }
    if (!state.point) { showError(T.needPoint); $("use-position").focus(); return; }
    if (state.pending) { showError(T.waitUploads); return; }
    const catText = categoryInput.value.trim();
    const category = catText ? state.categories.get(catText) : null;
    if (catText && !category) { showError(T.unknownCategory); categoryInput.focus(); return; }
    const body = {
      title, description: $("description").value.trim(), lon: state.point.lon, lat: state.point.lat,
      crs: state.point.crs, photos: state.uploads, channel: "resident",
    };
    if (category) body.category = category;
    if (!$("anonymous").checked) {
      const name = $("reporter-name").value.trim(), phone = $("reporter-phone").value.trim();
      if (name || phone) body.reporter = { name, phone };
    }
    // One key per filled-in report: a retry of the same body replays the same case.
    state.key = state.key || (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
    const button = $("submit");
    button.disabled = true;
    $("send-status").textContent = T.sending;
    showError("");
    fetch(config.cases, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "Idempotency-Key": state.key },
      body: JSON.stringify(body),
    })
      .then((r) => r.json().catch(() => ({})).then((data) => ({ ok: r.ok, status: r.status, data })))
      .then(({ ok, status, data }) => {
        $("send-status").textContent = "";
        if (!ok) {
          if (status === 409) state.key = null;  // the body changed since the key was made
          showError(fmt(T.sendFailed, { detail: data.detail || status }));
          button.disabled = false;
          return;
        }
        $("r-number").textContent = data.number;
        $("r-code").textContent = data.tracking_code;
        $("r-grid").textContent = data.grid ? data.grid.name : "";
        $("track-link").href = config.track + "?number=" + encodeURIComponent(data.number);
        form.hidden = true;
        const receipt = $("receipt");
        receipt.hidden = false;
        receipt.focus();
      })
      .catch(() => {
        $("send-status").textContent = "";
        showError(fmt(T.sendFailed, { detail: T.network }));
        button.disabled = false;
      });
  });
  // Any change to the report after a failure is a new report: a new key.
  form.addEventListener("input", () => { if (!$("submit").disabled) state.key = null; });
})();
