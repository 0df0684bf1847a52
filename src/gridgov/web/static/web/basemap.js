/* The base layer under every map (底图) and the coordinates that go with it; every Leaflet map of
   gridgov is made here. #basemap-config (web/basemap.py) names the provider: none, Tianditu or
   OpenStreetMap (WGS-84, as our grids are) or AMap/Tencent (GCJ-02). On a GCJ-02 base layer every
   shape and point is drawn shifted to GCJ-02 (`toMap`, `geoJSON`) and a click is shifted back
   (`fromMap`), so a point lands in the same grid whatever the base layer.

   GCJ-02: the public forward formula, as src/gridgov/core/geo.py; the inverse by fixed-point
   iteration of the forward offset (no closed form), to well under a millimetre.

   window.GridgovBasemap = {config, createMap(el, options), toMap(lon, lat) → L.LatLng,
     fromMap(latlng) → {lon, lat} in WGS-84, geoJSON(data, options), labels(layer, map), gridShape(url, code),
     wgs84ToGcj02(lon, lat), gcj02ToWgs84(lon, lat), textNode(text) → <span>, escape(text) → HTML, maps}

   Escaping rule (docs/security.md): names and free text go into the page as text — textContent, or
   textNode(text) where Leaflet takes content (bindTooltip/bindPopup/setTooltipContent treat a string
   as HTML). escape() is for the one place that must be an HTML string (Leaflet's attribution). */
(function () {
  "use strict";

  const A = 6378245.0;  // Krasovsky 1940 semi-major axis, as the GCJ-02 formula uses
  const EE = 0.00669342162296594323;
  const PI = Math.PI;

  const outsideChina = (lon, lat) => lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;

  function offset(lon, lat) {
    if (outsideChina(lon, lat)) return [0, 0];
    const x = lon - 105.0, y = lat - 35.0;
    const common = (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    let dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) + common
      + (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0
      + (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    let dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) + common
      + (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0
      + (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    const radlat = lat / 180.0 * PI;
    const magic = 1.0 - EE * Math.sin(radlat) ** 2;
    const sqrtMagic = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrtMagic) * PI);
    dlon = (dlon * 180.0) / (A / sqrtMagic * Math.cos(radlat) * PI);
    return [dlon, dlat];
  }

  function wgs84ToGcj02(lon, lat) {
    const [dlon, dlat] = offset(lon, lat);
    return [lon + dlon, lat + dlat];
  }

  function gcj02ToWgs84(lon, lat) {
    let x = lon, y = lat;
    for (let i = 0; i < 8; i += 1) {
      const [gx, gy] = wgs84ToGcj02(x, y);
      x -= gx - lon;
      y -= gy - lat;
    }
    return [x, y];
  }

  const source = document.getElementById("basemap-config");
  const config = source ? JSON.parse(source.textContent)
                        : { provider: "none", crs: "wgs84", layers: [], attribution: null };
  const gcj = config.crs === "gcj02";

  // Our data is WGS-84; the map speaks the base layer's system.
  function toMap(lon, lat) {
    const [x, y] = gcj ? wgs84ToGcj02(lon, lat) : [lon, lat];
    return L.latLng(y, x);
  }
  function fromMap(latlng) {
    const [lon, lat] = gcj ? gcj02ToWgs84(latlng.lng, latlng.lat) : [latlng.lng, latlng.lat];
    return { lon, lat };
  }

  function geoJSON(data, options) {
    return L.geoJSON(data, { ...(options || {}), coordsToLatLng: (c) => toMap(c[0], c[1]) });
  }

  // A name as a DOM node, for Leaflet's tooltips and popups (a string there would be parsed as HTML).
  function textNode(text) {
    const span = document.createElement("span");
    span.textContent = text;
    return span;
  }
  // Leaflet writes attributions as HTML: ours are built from escaped text.
  function escape(text) {
    return textNode(text).innerHTML;
  }
  function attributionHTML() {
    const a = config.attribution;
    if (!a) return "";
    let html = escape(a.text);
    if (a.url) html = `<a href="${escape(a.url)}" target="_blank" rel="noopener">${html}</a>`;
    if (a.review) html += " " + escape(a.review);
    return html;
  }

  const maps = [];  // every map made here (for scripts that need them, and for tests)

  // L.map with the base layer. The attribution names the provider and its 审图号, nothing else;
  // without a base layer there is nothing to attribute and no attribution box.
  function createMap(el, options) {
    const tiles = config.layers || [];
    const map = L.map(el, { ...(options || {}), attributionControl: tiles.length > 0 });
    if (map.attributionControl) map.attributionControl.setPrefix(false);
    tiles.forEach((layer, i) => {
      L.tileLayer(layer.url, {
        subdomains: layer.subdomains || "abc", maxNativeZoom: layer.maxZoom, maxZoom: 20,
        attribution: i === 0 ? attributionHTML() : "", className: "basemap-tiles",
      }).addTo(map);
    });
    map.getContainer().dataset.basemap = config.provider;
    maps.push(map);
    return map;
  }

  // Grid names as labels where they fit: a permanent label inside each polygon whose box on screen
  // holds the name, recomputed on every zoom; elsewhere the name shows on hover. Names go in as text.
  function labels(layer, map) {
    const items = [];
    layer.eachLayer((shape) => {
      const name = shape.feature && shape.feature.properties && shape.feature.properties.name;
      if (!name || !shape.getBounds) return;
      const text = textNode(name);
      items.push({ shape, text, width: name.length * 13 + 16, shown: null });
    });
    function update() {
      for (const item of items) {
        const b = item.shape.getBounds();
        const nw = map.latLngToLayerPoint(b.getNorthWest()), se = map.latLngToLayerPoint(b.getSouthEast());
        const fits = se.x - nw.x >= item.width && se.y - nw.y >= 30;
        if (fits === item.shown) continue;
        item.shown = fits;
        item.shape.unbindTooltip();
        item.shape.bindTooltip(item.text, fits
          ? { permanent: true, direction: "center", className: "grid-label", interactive: false }
          : { sticky: true, direction: "top" });
      }
    }
    map.on("zoomend", update);
    layer.on("remove", () => map.off("zoomend", update));
    map.whenReady(update);
    return update;
  }

  // One grid's shape as a FeatureCollection, from the GeoJSON API (`url`, /api/v1/grids/geojson), which
  // serves shapes by level or parent: the grid is found among its siblings. Codes grow by 3 digits a
  // level below the 6-digit district (docs/architecture.md §4).
  function gridShape(url, code) {
    const params = code.length > 6 ? { parent: code.slice(0, -3) } : { level: 0 };
    return fetch(url + "?" + new URLSearchParams(params), { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.statusText))))
      .then((all) => ({ type: "FeatureCollection", features: all.features.filter((f) => f.properties.code === code) }));
  }

  window.GridgovBasemap = { config, createMap, toMap, fromMap, geoJSON, labels, gridShape, wgs84ToGcj02,
                            gcj02ToWgs84, textNode, escape, maps };
})();
