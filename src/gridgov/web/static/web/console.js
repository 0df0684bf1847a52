// The console's map of the listed cases: level-1 grids over the configured base layer (basemap.js),
// one dot per case.
// External and handler-free, so a strict CSP can forbid inline script; data from json_script blocks and
// the list's data-points (which htmx replaces with the list).
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const el = $("console-map");
  if (!el || typeof L === "undefined") return;
  const cfg = JSON.parse($("console-config").textContent);
  const t = JSON.parse($("console-i18n").textContent);
  const fill = (s, values) => s.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
  const LIGHTS = { green: "#1a7f37", yellow: "#f0b400", red: "#b42318", "": "#6b7785" };

  const B = GridgovBasemap;
  const map = B.createMap(el, { minZoom: 8, maxZoom: 19, zoomSnap: 0.25 });
  L.control.scale({ imperial: false, position: "bottomright" }).addTo(map);
  map.setView(B.toMap(113.6, 34.75), 11);

  const dots = L.featureGroup().addTo(map);
  const markers = new Map(); // case number -> its dot
  const style = (p) => ({ radius: 7, color: "#1d2733", weight: 1.5, fillColor: LIGHTS[p.light] || LIGHTS[""],
                          fillOpacity: 0.95, className: "case-dot" });
  const fit = () => {
    if (dots.getLayers().length) map.fitBounds(dots.getBounds().pad(0.2), { maxZoom: 16 });
  };
  let shown = null; // the element whose data-points the dots were drawn from

  // Draw the listed cases. When htmx brings a new list (filters, pager, the refresh every minute) the
  // dots follow it: the same cases only change colour (the map stays where the user left it); another
  // set of cases is drawn afresh and the map fits it.
  const draw = () => {
    const source = $("console-points");
    if (!source || source === shown) return false;
    shown = source;
    const points = JSON.parse(source.dataset.points).filter((p) => typeof p.lat === "number" && typeof p.lon === "number");
    const same = points.length === markers.size && points.every((p) => markers.has(p.number));
    if (same) {
      for (const p of points) markers.get(p.number).setStyle(style(p));
      return false;
    }
    dots.clearLayers();
    markers.clear();
    for (const p of points) {
      const marker = L.circleMarker(B.toMap(p.lon, p.lat), style(p));
      const link = document.createElement("a");
      link.href = p.url;
      link.textContent = p.number + " " + p.title;
      link.title = fill(t.open, { number: p.number });
      marker.bindPopup(link);
      marker.addTo(dots);
      markers.set(p.number, marker);
    }
    return true;
  };
  draw();
  document.addEventListener("htmx:load", () => {
    if (draw()) fit();
  });

  fetch(cfg.geojson, { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.statusText))))
    .then((collection) => {
      const grids = B.geoJSON(collection, {
        interactive: false,
        style: { color: "#1f6fb2", weight: 1.5, opacity: 0.8, fillColor: "#1f6fb2", fillOpacity: 0.06 },
      }).addTo(map);
      grids.bringToBack();
      B.labels(grids, map);
      if (dots.getLayers().length) fit(); else map.fitBounds(grids.getBounds());
    })
    .catch(() => {
      $("map-error").textContent = t.loadFailed;
      $("map-error").hidden = false;
      fit();
    });
  fit();
})();
