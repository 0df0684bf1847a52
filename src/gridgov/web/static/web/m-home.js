/* The grid worker's home map (/m/): opens zoomed to the worker's own grid(s), outlined, with the
   三级网格 lines around them (the siblings of a 三级网格, the children of a community) and their
   names where they fit. Over the configured base layer (basemap.js). Data from #m-home-config. */
(function () {
  "use strict";
  const el = document.getElementById("m-home-map");
  const source = document.getElementById("m-home-config");
  if (!el || !source || typeof GridgovBasemap === "undefined") return;
  const B = GridgovBasemap;
  const cfg = JSON.parse(source.textContent);
  const map = B.createMap(el, { zoomSnap: 0.25, maxZoom: 19 });
  map.setView(B.toMap(113.6, 34.75), 12);

  const getJSON = (params) => fetch(cfg.geojson + "?" + new URLSearchParams(params), { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.statusText))));
  const LEVEL3 = 15;  // digits of a 三级网格 code (docs/architecture.md §4)

  // The 三级网格 around a grid: its siblings if it is one, its children if it is a community.
  function level3Around(code) {
    if (code.length === LEVEL3) return getJSON({ parent: code.slice(0, -3) });
    if (code.length === LEVEL3 - 3) return getJSON({ parent: code });
    return Promise.resolve({ type: "FeatureCollection", features: [] });
  }

  Promise.all(cfg.grids.map((code) => Promise.all([level3Around(code), B.gridShape(cfg.geojson, code)])))
    .then((answers) => {
      const seen = new Set();
      const lines = [];
      for (const [around] of answers) {
        for (const f of around.features) if (!seen.has(f.properties.code)) { seen.add(f.properties.code); lines.push(f); }
      }
      const level3 = B.geoJSON({ type: "FeatureCollection", features: lines }, {
        interactive: true, className: "level3-line",
        style: { color: "#c8641c", weight: 1.2, opacity: 0.9, fillColor: "#c8641c", fillOpacity: 0.04 },
      }).addTo(map);
      const own = B.geoJSON({ type: "FeatureCollection", features: answers.flatMap(([, shape]) => shape.features) }, {
        interactive: false, className: "my-grid",
        style: { color: "#d62728", weight: 3.5, fill: false },
      }).addTo(map);
      if (own.getBounds().isValid()) map.fitBounds(own.getBounds(), { padding: [12, 12], animate: false });
      else if (level3.getBounds().isValid()) map.fitBounds(level3.getBounds(), { animate: false });
      B.labels(level3, map);
      el.dataset.ready = "1";
    })
    .catch(() => { el.dataset.ready = "0"; });
})();
