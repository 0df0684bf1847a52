// The console's fieldwork map: the grids of the area coloured by household-visit coverage over 30 days,
// over the configured base layer (basemap.js). Shapes from the grids' GeoJSON API (one request per
// parent grid), figures from #fieldwork-config (console_fieldwork.py). No inline script (CSP).
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const el = $("fieldwork-map");
  if (!el || typeof L === "undefined") return;
  const cfg = JSON.parse($("fieldwork-config").textContent);
  const t = JSON.parse($("fieldwork-i18n").textContent);
  const B = GridgovBasemap;
  const map = B.createMap(el, { minZoom: 8, maxZoom: 19, zoomSnap: 0.25 });
  L.control.scale({ imperial: false, position: "bottomright" }).addTo(map);
  map.setView(B.toMap(113.6, 34.75), 11);

  // The bands of the table's legend: below 30 %, 60 %, 80 %, and at least 80 %; grey without households.
  const colour = (rate) =>
    rate === null || rate === undefined ? "#9aa5b1" : rate < 0.3 ? "#b42318" : rate < 0.6 ? "#e8710a" : rate < 0.8 ? "#f0b400" : "#1a7f37";

  const get = (parent) =>
    fetch(cfg.geojson + "?" + new URLSearchParams({ parent }), { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.statusText))));

  Promise.all(cfg.parents.map(get))
    .then((collections) => {
      const features = collections.flatMap((c) => c.features).filter((f) => f.properties.code in cfg.coverage || f.properties.code.startsWith(cfg.area));
      const layer = B.geoJSON({ type: "FeatureCollection", features }, {
        style: (f) => ({ color: "#1d2733", weight: 1, fillColor: colour(cfg.coverage[f.properties.code]),
                         fillOpacity: 0.55, className: "grid-shape" }),
      }).addTo(map);
      layer.eachLayer((shape) => {
        const p = shape.feature.properties;
        const rate = cfg.coverage[p.code] ?? null;
        const text = p.name + " · " + t.coverage + ": " + (rate === null ? "—" : (rate * 100).toFixed(1) + "%");
        shape.bindTooltip(B.textNode(text), { sticky: true, direction: "top" });
      });
      if (features.length) map.fitBounds(layer.getBounds());
      el.dataset.shapes = String(features.length);
    })
    .catch(() => {
      $("map-error").textContent = t.loadFailed;
      $("map-error").hidden = false;
    });
})();
