/* The grid division page: the current grids and the proposal on two maps side by side, moving together,
   over the base layer (basemap.js). Data from #division-data (web/console/division.html). */
(function () {
  "use strict";
  const source = document.getElementById("division-data");
  if (!source || typeof GridgovBasemap === "undefined") return;
  const B = GridgovBasemap;
  const data = JSON.parse(source.textContent);
  const colours = ["#1f6fb2", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#16a085", "#2c3e50", "#b7950b"];
  function draw(id, collection, style) {
    const el = document.getElementById(id);
    const map = B.createMap(el, { zoomSnap: 0.25, maxZoom: 19 });
    let n = 0;
    const layer = B.geoJSON(collection, {
      style: () => style(n++),
      onEachFeature: (f, l) => {
        const p = f.properties;
        l.bindTooltip(B.textNode(p.households === undefined ? p.code : `${p.code} · ${p.households}`));  // as text
      },
    }).addTo(map);
    if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { padding: [12, 12], animate: false });
    el.dataset.ready = "1";
    return map;
  }
  const current = draw("map-current", data.current, () => ({ color: "#555", weight: 1.5, dashArray: "4 3", fillOpacity: 0.05 }));
  const proposed = draw("map-proposed", data.proposed, (i) => ({
    color: colours[i % colours.length], weight: 2, fillColor: colours[i % colours.length], fillOpacity: 0.2,
  }));
  // move together: a pan or zoom on one map is repeated on the other
  let syncing = false;
  function follow(from, to) {
    from.on("moveend", () => {
      if (syncing) return;
      syncing = true;
      to.setView(from.getCenter(), from.getZoom(), { animate: false });
      syncing = false;
    });
  }
  follow(current, proposed);
  follow(proposed, current);
})();
