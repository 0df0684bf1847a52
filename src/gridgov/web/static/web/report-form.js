/* The parts of a report form that the resident's /report/ and the grid worker's /m/report/ share:
   the small map (the district's level-1 grids as the only background: no tiles, so it works offline)
   where a click or the phone's position sets the point, the category picker filled from the server
   as one types, and photos uploaded one by one with progress. Each page keeps its own submit.
   No language of its own: words come from the page's #i18n block (T).

   GridgovReportForm({config, T, state, showError, ...}) wires the form's elements by id and fills
   `state`: point {lat, lon, crs}, uploads [ids], pending (uploads running), categories (label → code). */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const fmt = (s, v) => s.replace(/\{(\w+)\}/g, (m, k) => (k in v ? v[k] : m));

  function mapPicker({ config, T, state, showError, onMapFailed, positionZoom, positionOptions }) {
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
        $("report-map").dataset.ready = "1";
      })
      .catch(() => onMapFailed());
    // The map's clicks use WGS-84: the grids are drawn in it.
    map.on("click", (e) => setPoint(e.latlng.lat, e.latlng.lng, "wgs84"));

    $("use-position").addEventListener("click", () => {
      if (!navigator.geolocation) { showError(T.geoUnsupported); return; }
      $("point-text").textContent = T.locating;
      navigator.geolocation.getCurrentPosition(
        (pos) => {  // browsers give WGS-84
          setPoint(pos.coords.latitude, pos.coords.longitude, "wgs84");
          map.setView([pos.coords.latitude, pos.coords.longitude], Math.max(map.getZoom(), positionZoom));
        },
        (err) => { $("point-text").textContent = ""; showError(fmt(T.geoFailed, { detail: err.message })); },
        positionOptions);
    });
    return map;
  }

  function categoryPicker({ config, T, state }) {
    const input = $("category");
    let timer = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const q = input.value.trim();
      if (!q || state.categories.has(q)) return;
      timer = setTimeout(() => {
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
  }

  // Photos: each uploaded on choice, with progress (XMLHttpRequest reports upload progress).
  function photoUploads({ config, T, state, uploadHeaders, onUploaded }) {
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
      for (const [name, value] of Object.entries(uploadHeaders())) xhr.setRequestHeader(name, value);
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
          onUploaded(data);
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
    $("photos").addEventListener("change", (e) => { for (const file of e.target.files) upload(file); });
  }

  window.GridgovReportForm = function (options) {
    const o = {
      onMapFailed: () => options.showError(options.T.mapFailed), positionZoom: 15,
      positionOptions: { enableHighAccuracy: true, timeout: 15000 }, uploadHeaders: () => ({}), onUploaded: () => {},
      ...options,
    };
    const map = mapPicker(o);
    categoryPicker(o);
    photoUploads(o);
    return { map, fmt, check: () => check(o) };
  };

  // What both forms need before sending: a title, a point, no upload under way, a known category.
  // Returns {ok, category} (category null when none was typed), having shown the problem if not ok.
  function check({ T, state, showError }) {
    const title = $("title").value.trim();
    if (!title) { showError(T.needTitle); $("title").focus(); return { ok: false }; }
    if (!state.point) { showError(T.needPoint); $("use-position").focus(); return { ok: false }; }
    if (state.pending) { showError(T.waitUploads); return { ok: false }; }
    const catText = $("category").value.trim();
    const category = catText ? state.categories.get(catText) : null;
    if (catText && !category) { showError(T.unknownCategory); $("category").focus(); return { ok: false }; }
    return { ok: true, title, category };
  }
})();
