// 来电登记: click the map to mark the place of the call; the form posts it as WGS-84 lon/lat, whatever
// the base layer (basemap.js shifts GCJ-02 layers both ways). Without a point the picked grid's representative point is used (console_hotline.py).
(function () {
  "use strict";

  const el = document.getElementById("hotline-map");
  if (!el || typeof L === "undefined") return;
  const cfg = JSON.parse(document.getElementById("hotline-config").textContent);
  const lon = document.getElementById("h-lon");
  const lat = document.getElementById("h-lat");
  const shown = document.getElementById("h-point");

  const B = GridgovBasemap;
  const map = B.createMap(el, { minZoom: 8, maxZoom: 19, zoomSnap: 0.25 });
  map.setView(B.toMap(113.6, 34.75), 11);
  let marker = null;
  const mark = (latlng) => {
    if (marker) marker.setLatLng(latlng);
    else marker = L.circleMarker(latlng, { radius: 8, color: "#1d2733", weight: 2, fillColor: "#b42318",
                                           fillOpacity: 0.95, className: "hotline-point" }).addTo(map);
  };
  // the point checked last: the one marked, or the picked grid's (shown, not put in the form)
  const at = lon.value && lat.value ? [lat.value, lon.value] : el.dataset.lat ? [el.dataset.lat, el.dataset.lon] : null;
  if (at) {
    const here = B.toMap(Number(at[1]), Number(at[0]));
    mark(here);
    map.setView(here, 16);
  }
  map.on("click", (event) => {
    const p = B.fromMap(event.latlng);
    lon.value = p.lon.toFixed(6);
    lat.value = p.lat.toFixed(6);
    shown.textContent = lon.value + ", " + lat.value;
    mark(event.latlng);
  });

  fetch(cfg.geojson, { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.statusText))))
    .then((collection) => {
      const grids = B.geoJSON(collection, {
        interactive: false,
        style: { color: "#1f6fb2", weight: 1.5, opacity: 0.8, fillColor: "#1f6fb2", fillOpacity: 0.06 },
      }).addTo(map);
      if (!marker) map.fitBounds(grids.getBounds());
    })
    .catch(() => {});
})();
