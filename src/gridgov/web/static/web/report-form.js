/* The parts of a report form that the resident's /report/ and the grid worker's /m/report/ share:
   the small map (the district's level-1 grids over the configured base layer, basemap.js; none by
   default, so it works offline) where a click or the phone's position sets the point and outlines the
   grid it falls in, the category picker filled from the server
   as one types, and photos uploaded one by one with progress. Each page keeps its own submit.
   No language of its own: words come from the page's #i18n block (T).

   GridgovReportForm({config, T, state, showError, ...}) wires the form's elements by id and fills
   `state`: point {lat, lon, crs}, uploads [ids], pending (uploads running), categories (label → code). */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const fmt = (s, v) => s.replace(/\{(\w+)\}/g, (m, k) => (k in v ? v[k] : m));

  function mapPicker({ config, T, state, showError, onMapFailed, positionZoom, positionOptions }) {
    const B = GridgovBasemap;
    const map = B.createMap("report-map", { zoomControl: true, zoomSnap: 0.25 });
    map.setView(B.toMap(113.6, 34.75), 11);
    let marker = null, outline = null, seq = 0;
    // The grid the point falls in, outlined (网格定位 by the API: the same answer the case will get).
    // Resolves to the outline, or null when the point is outside every grid or a later point won.
    function outlineGrid(lon, lat) {
      const mine = ++seq;
      if (outline) { outline.remove(); outline = null; }
      $("point-grid").textContent = "";
      delete $("report-map").dataset.grid;
      return fetch(config.locate + "?" + new URLSearchParams({ lon, lat }), { headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.status))))
        .then((found) => {
          if (mine !== seq) return null;
          $("point-grid").textContent = fmt(T.inGrid, { name: found.grid.name });
          return B.gridShape(config.grids, found.grid.code).then((shape) => {
            if (mine !== seq) return null;
            outline = B.geoJSON(shape, { interactive: false, className: "located-grid",
                                         style: { color: "#d62728", weight: 3, fill: false } }).addTo(map);
            $("report-map").dataset.grid = found.grid.code;
            return outline;
          });
        })
        .catch(() => null);
    }
    function setPoint(lat, lon, crs) {
      state.point = { lat, lon, crs };
      const at = B.toMap(lon, lat);  // the point is WGS-84; the map speaks the base layer's system
      if (marker) marker.setLatLng(at);
      else marker = L.circleMarker(at, { radius: 8, color: "#d62728", weight: 3, fillOpacity: 0.6, className: "report-marker" }).addTo(map);
      $("point-text").textContent = fmt(T.pointAt, { lon: lon.toFixed(6), lat: lat.toFixed(6) });
      showError("");
      document.dispatchEvent(new CustomEvent("gridgov:point"));  // e.g. report.js asks for likely duplicates
      return outlineGrid(lon, lat);
    }
    fetch(config.geojson, { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.status))))
      .then((data) => {
        const layer = B.geoJSON(data, {
          style: { color: "#1f6fb2", weight: 1.5, fillColor: "#1f6fb2", fillOpacity: 0.08 },
        }).addTo(map);
        if (!state.point) map.fitBounds(layer.getBounds(), { animate: false });
        B.labels(layer, map);
        $("report-map").dataset.ready = "1";
      })
      .catch(() => onMapFailed());
    // A click is turned back into WGS-84 from the base layer's system.
    map.on("click", (e) => { const p = B.fromMap(e.latlng); setPoint(p.lat, p.lon, "wgs84"); });

    $("use-position").addEventListener("click", () => {
      if (!navigator.geolocation) { showError(T.geoUnsupported); return; }
      $("point-text").textContent = T.locating;
      navigator.geolocation.getCurrentPosition(
        (pos) => {  // browsers give WGS-84: zoom to it, then to its grid, outlined, around it
          const { latitude: lat, longitude: lon } = pos.coords;
          map.setView(B.toMap(lon, lat), Math.max(map.getZoom(), positionZoom), { animate: false });
          setPoint(lat, lon, "wgs84").then((shown) => {
            if (shown && state.point && state.point.lat === lat && state.point.lon === lon) {
              map.fitBounds(shown.getBounds().extend(B.toMap(lon, lat)), { maxZoom: 18, padding: [12, 12], animate: false });
            }
          });
        },
        (err) => { $("point-text").textContent = ""; showError(fmt(T.geoFailed, { detail: err.message })); },
        positionOptions);
    });
    return map;
  }

  function categoryPicker({ config, T, state }) {
    const input = $("category");
    let timer = null;
    // a suggested category (category-suggest.js) comes with its code: the check below then knows it
    input.addEventListener("gridgov:pick", (e) => state.categories.set(e.detail.label, e.detail.code));
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
  // `photoFields`: [{input, list, into}] — the file input's id, its list's id, the state array the
  // ids go to. `keepOffline(file, field)` (optional): without network the photo is handed to it (kept
  // on the phone, sent with the report later) instead of failing; it resolves true when kept.
  function photoUploads({ config, T, state, uploadHeaders, onUploaded, photoFields, keepOffline }) {
    function keep(file, field, item, text) {
      return keepOffline(file, field).then((kept) => {
        if (!kept) return false;
        item.className = "kept";
        text.textContent = fmt(T.keptOffline, { name: file.name });
        return true;
      }, () => false);
    }
    function upload(file, field) {
      const item = document.createElement("li");
      const bar = document.createElement("progress");
      const text = document.createElement("span");
      bar.max = 100; bar.value = 0;
      item.append(bar, text);
      $(field.list).appendChild(item);
      if (keepOffline && !navigator.onLine) {  // no network: straight to the phone's store
        bar.remove();
        state.pending += 1;  // the report waits until the photo is stored
        keep(file, field, item, text).then((kept) => {
          state.pending -= 1;
          if (!kept) { item.classList.add("error"); text.textContent = fmt(T.uploadFailed, { name: file.name, detail: T.network }); }
        });
        return;
      }
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
          state[field.into].push(data.id);
          onUploaded(data);
          bar.value = 100;
          item.classList.add("uploaded");  // 100 % is the last byte sent; this is the server's answer
          text.textContent = fmt(T.uploaded, { name: file.name });
        } else {
          bar.remove();
          const failed = () => {
            item.classList.add("error");
            text.textContent = fmt(T.uploadFailed, { name: file.name, detail: data.detail || T.network });
          };
          if (xhr.status === 0 && keepOffline) {  // the network failed: keep it for later
            state.pending += 1;  // the report waits until the photo is stored
            keep(file, field, item, text).then((kept) => { state.pending -= 1; if (!kept) failed(); });
          } else failed();
        }
      });
      xhr.send(body);
    }
    for (const field of photoFields) {
      $(field.input).addEventListener("change", (e) => { for (const file of e.target.files) upload(file, field); });
    }
  }

  window.GridgovReportForm = function (options) {
    const o = {
      onMapFailed: () => options.showError(options.T.mapFailed), positionZoom: 15,
      positionOptions: { enableHighAccuracy: true, timeout: 15000 }, uploadHeaders: () => ({}), onUploaded: () => {},
      photoFields: [{ input: "photos", list: "upload-list", into: "uploads" }], keepOffline: null,
      ...options,
    };
    const map = mapPicker(o);
    categoryPicker(o);
    photoUploads(o);
    return { map, fmt, check: () => check(o) };
  };

  // What both forms need before sending: a title, a point, no upload under way, a known category.
  // Returns {ok, title, category, address} (category null when none was typed), having shown the
  // problem if not ok.
  // The field at fault is marked invalid; it takes the focus unless the page's showError took it for
  // the message (/report/ does, so the message is what the person sees first).
  function fault(id) {
    const field = $(id);
    if (field.tagName === "INPUT" || field.tagName === "TEXTAREA") {
      field.setAttribute("aria-invalid", "true");
      field.addEventListener("input", () => field.removeAttribute("aria-invalid"), { once: true });
    }
    if (document.activeElement !== $("form-error")) field.focus();
  }

  function check({ T, state, showError }) {
    const title = $("title").value.trim();
    if (!title) { showError(T.needTitle); fault("title"); return { ok: false }; }
    if (!state.point) { showError(T.needPoint); fault("use-position"); return { ok: false }; }
    if (state.pending) { showError(T.waitUploads); return { ok: false }; }
    const catText = $("category").value.trim();
    const category = catText ? state.categories.get(catText) : null;
    if (catText && !category) { showError(T.unknownCategory); fault("category"); return { ok: false }; }
    const address = $("address") ? $("address").value.trim() : "";  // 位置描述, optional here
    return { ok: true, title, category, address };
  }
})();
