/* The small map on a case page: the case's point and the outline of its grid, over the base layer
   (basemap.js). Data from #case-map-data (web/_case_map.html). */
(function () {
  "use strict";
  const el = document.getElementById("case-map");
  const source = document.getElementById("case-map-data");
  if (!el || !source || typeof GridgovBasemap === "undefined") return;
  const B = GridgovBasemap;
  const data = JSON.parse(source.textContent);
  const [lon, lat] = data.point;
  const map = B.createMap(el, { zoomSnap: 0.25, scrollWheelZoom: false, maxZoom: 19 });
  const at = B.toMap(lon, lat);
  map.setView(at, 16);
  if (data.shape) {
    const outline = B.geoJSON({ type: "Feature", geometry: data.shape, properties: data.grid }, {
      interactive: false, className: "case-grid",
      style: { color: "#1f6fb2", weight: 2.5, fillColor: "#1f6fb2", fillOpacity: 0.08 },
    }).addTo(map);
    map.fitBounds(outline.getBounds().extend(at), { padding: [16, 16], maxZoom: 17, animate: false });
  }
  L.marker(at, { icon: L.divIcon({ className: "case-map-marker", iconSize: [16, 16] }),
                 keyboard: false, interactive: false, title: data.grid.name }).addTo(map);
  el.dataset.ready = "1";
})();
