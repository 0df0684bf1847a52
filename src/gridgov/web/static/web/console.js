// The console's map of the listed cases: level-1 grids as background (no tile layer), one dot per case.
// External and handler-free, so a strict CSP can forbid inline script; data from json_script blocks.
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const el = $("console-map");
  if (!el || typeof L === "undefined") return;
  const cfg = JSON.parse($("console-config").textContent);
  const t = JSON.parse($("console-i18n").textContent);
  const points = JSON.parse($("console-points").textContent);
  const fill = (s, values) => s.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
  const LIGHTS = { green: "#1a7f37", yellow: "#f0b400", red: "#b42318", "": "#6b7785" };

  const map = L.map(el, { minZoom: 8, maxZoom: 19, zoomSnap: 0.25 });
  L.control.scale({ imperial: false, position: "bottomright" }).addTo(map);
  map.setView([34.75, 113.6], 11);

  const dots = L.featureGroup().addTo(map);
  for (const p of points) {
    if (typeof p.lat !== "number" || typeof p.lon !== "number") continue;
    const marker = L.circleMarker([p.lat, p.lon], {
      radius: 7, color: "#1d2733", weight: 1.5, fillColor: LIGHTS[p.light] || LIGHTS[""], fillOpacity: 0.95,
      className: "case-dot",
    });
    const link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.number + " " + p.title;
    link.title = fill(t.open, { number: p.number });
    marker.bindPopup(link);
    marker.addTo(dots);
  }
  const fit = () => {
    if (dots.getLayers().length) map.fitBounds(dots.getBounds().pad(0.2), { maxZoom: 16 });
  };

  fetch(cfg.geojson, { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.statusText))))
    .then((collection) => {
      const grids = L.geoJSON(collection, {
        interactive: false,
        style: { color: "#1f6fb2", weight: 1.5, opacity: 0.8, fillColor: "#1f6fb2", fillOpacity: 0.06 },
      }).addTo(map);
      grids.bringToBack();
      if (dots.getLayers().length) fit(); else map.fitBounds(grids.getBounds());
    })
    .catch(() => {
      $("map-error").textContent = t.loadFailed;
      $("map-error").hidden = false;
      fit();
    });
  fit();
})();
