// The public grid map (网格地图). External and handler-free HTML so a strict CSP can forbid inline
// script; the words come translated from the page (#i18n), the API addresses from #map-config.
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const cfg = JSON.parse($("map-config").textContent);
  const t = JSON.parse($("i18n").textContent);
  const fill = (s, values) => s.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
  const numbers = new Intl.NumberFormat(cfg.lang === "en" ? "en" : "zh-CN");

  // One colour per level, so that nested levels stay apart when drawn over each other.
  const COLORS = ["#4a5a6e", "#1f6fb2", "#2e8b57", "#c8641c", "#8e44ad"];
  const SELECTED = "#d62728";
  const styleFor = (level) => ({ color: COLORS[level] || COLORS[4], weight: level <= 1 ? 2 : 1.2,
                                  opacity: 0.9, fillColor: COLORS[level] || COLORS[4], fillOpacity: 0.12 });
  const SELECTED_STYLE = { color: SELECTED, weight: 3.5, opacity: 1, fillColor: SELECTED, fillOpacity: 0.28 };

  // The base layer is a setting (basemap.js): none on closed networks, else tiles under the grids.
  const B = GridgovBasemap;
  const map = B.createMap("map", { minZoom: 8, maxZoom: 19, zoomSnap: 0.25 });
  L.control.scale({ imperial: false, position: "bottomright" }).addTo(map);
  // The district outline lives in its own pane and renderer: context,
  // not clickable, and out of the overlay pane where the grids are.
  map.createPane("context").style.zIndex = 350;
  const contextRenderer = L.svg({ pane: "context" });
  // A selected grid not drawn at the shown level is outlined above the grids, without taking clicks.
  map.createPane("selection").style.zIndex = 450;
  const selectionRenderer = L.svg({ pane: "selection" });

  const state = { layer: null, byCode: new Map(), selected: null, selectedOutline: null,
                  loads: 0, drawSeq: 0, selectSeq: 0, locating: false, marker: null };

  function showError(message) {
    $("error").textContent = message || "";
    $("error").hidden = !message;
  }

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const err = new Error(typeof body.detail === "string" ? body.detail : response.statusText);
      err.status = response.status;
      throw err;
    }
    return body;
  }

  // GeoJSON can be large (660 三级网格 ≈ 350 kB): show the loading indicator meanwhile.
  async function loadGrids(params) {
    state.loads += 1;
    $("loading").hidden = false;
    try {
      return await getJSON(cfg.geojson + "?" + new URLSearchParams(params));
    } finally {
      state.loads -= 1;
      $("loading").hidden = state.loads > 0 ? false : true;
    }
  }

  function draw(collection) {
    if (state.layer) state.layer.remove();
    state.byCode.clear();
    state.layer = B.geoJSON(collection, {
      className: "grid-shape",
      style: (feature) => styleFor(feature.properties.level),
      onEachFeature: (feature, layer) => {
        const p = feature.properties;
        state.byCode.set(p.code, layer);
        layer.on("click", () => { if (!state.locating) select(p.code, { fromMap: true }); });
      },
    }).addTo(map);
    B.labels(state.layer, map);  // names inside the grids big enough on screen, on hover elsewhere
    // data-code lets people (and tests) find a grid's shape in the page.
    state.byCode.forEach((layer, code) => layer.getElement().setAttribute("data-code", code));
    fillGridSelect(collection.features.map((f) => f.properties));
    highlight(state.selected).catch(() => {});
  }

  function fillGridSelect(items) {
    const select = $("grid-select");
    select.replaceChildren(new Option(t.chooseGrid, ""));
    items.sort((a, b) => a.code.localeCompare(b.code))
      .forEach((p) => select.add(new Option(fill(t.nameCode, p), p.code)));
    select.value = state.byCode.has(state.selected) ? state.selected : "";
  }

  function fitTo(layer) {
    const bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16] });
  }

  function setPressedLevel(level) {
    document.querySelectorAll(".level-tabs button").forEach((b) => {
      b.setAttribute("aria-pressed", String(Number(b.dataset.level) === level));
    });
  }

  // One grid's shape, fetched among its siblings (the API serves shapes by level or parent).
  async function shapeOf(code) {
    const parent = parentCode(code);
    const siblings = await loadGrids(parent ? { parent } : { level: 0 });
    return { type: "FeatureCollection", features: siblings.features.filter((f) => f.properties.code === code) };
  }

  // Draw one level of the tree (区 / 一级 / 二级 / 三级网格).
  async function showLevel(level) {
    const seq = ++state.drawSeq;
    setPressedLevel(level);
    showError("");
    try {
      const collection = await loadGrids({ level });
      if (seq !== state.drawSeq) return; // a later click won
      draw(collection);
      // Keep the user's view while it looks at this level's area: drilling in, then switching
      // to 三级网格, shows the 三级网格 there.
      if (!state.layer.getBounds().contains(map.getCenter())) fitTo(state.layer);
      $("status").textContent = fill(t.showing, { what: t["level" + level], count: collection.features.length });
    } catch (err) {
      if (seq === state.drawSeq) showError(t.loadFailed);
    }
  }

  // Draw the children of a grid (下级网格) and zoom to them.
  async function showChildren(code, name) {
    const seq = ++state.drawSeq;
    setPressedLevel(null);
    showError("");
    try {
      const children = await loadGrids({ parent: code });
      if (seq !== state.drawSeq) return;
      draw(children); // the opened grid, still selected, is outlined around them
      fitTo(state.layer);
      $("status").textContent = fill(t.showing, { what: fill(t.childrenOf, { name }), count: children.features.length });
    } catch (err) {
      if (seq === state.drawSeq) showError(t.loadFailed);
    }
  }

  // Codes grow by 3 digits a level below the 6-digit district (docs/architecture.md §4).
  const parentCode = (code) => (code.length > 6 ? code.slice(0, -3) : "");

  // Highlight the selected grid; one not drawn at the shown level (a located 三级网格 over the
  // streets, say) gets an outline in the selection pane instead. Resolves to the layer shown.
  async function highlight(code) {
    state.byCode.forEach((layer) => state.layer.resetStyle(layer));
    if (state.selectedOutline) state.selectedOutline.remove();
    state.selectedOutline = null;
    const layer = state.byCode.get(code);
    if (layer) {
      layer.setStyle(SELECTED_STYLE);
      layer.bringToFront();
      return layer;
    }
    if (!code) return null;
    const shape = await shapeOf(code);
    if (state.selected !== code || state.byCode.has(code)) return null; // the user moved on
    if (state.selectedOutline) state.selectedOutline.remove();
    state.selectedOutline = B.geoJSON(shape, { renderer: selectionRenderer, pane: "selection", interactive: false,
                                               style: { ...SELECTED_STYLE, fill: false } }).addTo(map);
    return state.selectedOutline;
  }

  async function select(code, { fromMap = false, zoom = false } = {}) {
    const seq = ++state.selectSeq;
    state.selected = code;
    $("grid-select").value = state.byCode.has(code) ? code : "";
    highlight(code).then((shown) => { if (zoom && shown) fitTo(shown); }).catch(() => {});
    try {
      const grid = await getJSON(cfg.detail.replace(cfg.placeholder, encodeURIComponent(code)));
      if (seq !== state.selectSeq) return;
      showDetails(grid);
      // Below the map on phones: bring the answer into view.
      if (fromMap && window.matchMedia("(max-width: 767px)").matches) {
        $("details").scrollIntoView({ block: "nearest", behavior: "smooth" });
      }
    } catch (err) {
      if (seq === state.selectSeq) showError(err.message);
    }
  }

  function chainButtons(list, chain, currentCode) {
    list.replaceChildren(...chain.map((node) => {
      const item = document.createElement("li");
      if (node.code === currentCode) {
        item.textContent = node.name;
        item.setAttribute("aria-current", "true");
      } else {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "link";
        button.textContent = node.name;
        button.title = `${t["level" + node.level]} ${node.code}`;
        button.addEventListener("click", () => select(node.code, { zoom: true }));
        item.append(button);
      }
      return item;
    }));
  }

  function showDetails(grid) {
    $("details-title").textContent = grid.name;
    chainButtons($("details-chain"), grid.chain, grid.code);
    $("d-code").textContent = grid.code;
    $("d-level").textContent = t["level" + grid.level] || String(grid.level);
    $("d-parent").textContent = grid.parent ? fill(t.nameCode, { name: grid.parent_name, code: grid.parent }) : "—";
    $("d-households").textContent = numbers.format(grid.households);
    $("d-population").textContent = numbers.format(grid.population);
    $("d-kind").textContent = t[grid.kind] || grid.kind;
    $("d-area").textContent = grid.area_km2 == null ? "—" : `${numbers.format(grid.area_km2)} ${t.areaUnit}`;
    const button = $("show-children");
    button.disabled = grid.children === 0;
    button.textContent = grid.children ? fill(t.showChildren, { count: grid.children }) : t.noChildren;
    button.dataset.code = grid.code;
    button.dataset.name = grid.name;
    $("details").hidden = false;
    $("hint").hidden = true;
  }

  // Locate a point (网格定位): from the form, or from a map click while locate mode is on.
  async function locate(lon, lat, crs) {
    const result = $("locate-result");
    result.replaceChildren();
    if (state.marker) state.marker.remove();
    // The marker goes where the point is on this base layer, whatever system it was given in.
    const [x, y] = crs === "gcj02" ? B.gcj02ToWgs84(lon, lat) : [lon, lat];
    state.marker = L.marker(B.toMap(x, y), { icon: L.divIcon({ className: "locate-marker", iconSize: [18, 18] }),
                                            keyboard: false, interactive: false }).addTo(map);
    try {
      const found = await getJSON(cfg.locate + "?" + new URLSearchParams({ lon, lat, crs }));
      const heading = document.createElement("p");
      heading.textContent = fill(t.pointAt, { lon, lat });
      const chain = document.createElement("ol");
      chain.className = "chain chain-vertical";
      chainButtons(chain, found.chain, null);
      result.append(heading, chain);
      select(found.grid.code);
    } catch (err) {
      const message = document.createElement("p");
      message.className = "error";
      message.textContent = err.status === 404 ? t.outside : fill(t.locateFailed, { detail: err.message });
      result.append(message);
    }
  }

  function setLocating(on) {
    state.locating = on;
    $("locate-toggle").setAttribute("aria-pressed", String(on));
    map.getContainer().classList.toggle("locating", on);
    $("locate-hint").hidden = !on;
  }

  // Wiring.
  document.querySelectorAll(".level-tabs button").forEach((b) => {
    b.addEventListener("click", () => showLevel(Number(b.dataset.level)));
  });
  $("show-children").addEventListener("click", (e) => showChildren(e.currentTarget.dataset.code, e.currentTarget.dataset.name));
  $("grid-select").addEventListener("change", (e) => { if (e.target.value) select(e.target.value, { zoom: true }); });
  $("locate-toggle").addEventListener("click", () => setLocating(!state.locating));
  $("locate-form").addEventListener("submit", (e) => {
    e.preventDefault();
    locate(Number($("lon").value), Number($("lat").value), $("crs").value);
  });
  map.on("click", (e) => {
    if (!state.locating) return;
    const point = B.fromMap(e.latlng);  // WGS-84 whatever the base layer
    const lon = Number(point.lon.toFixed(6));
    const lat = Number(point.lat.toFixed(6));
    $("lon").value = lon;
    $("lat").value = lat;
    $("crs").value = "wgs84";
    locate(lon, lat, "wgs84");
  });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && state.locating) setLocating(false); });

  // Start: the district outline as context, then the streets (一级网格).
  (async function start() {
    try {
      const district = await loadGrids({ level: 0 });
      const outline = B.geoJSON(district, { renderer: contextRenderer, pane: "context", interactive: false,
                                            style: { color: COLORS[0], weight: 2.5, fillColor: "#ffffff",
                                                     fillOpacity: B.config.layers.length ? 0 : 0.6 } }).addTo(map);
      if (outline.getBounds().isValid()) map.fitBounds(outline.getBounds(), { padding: [16, 16] });
      else map.setView([0, 0], 8);
    } catch (err) {
      map.setView([0, 0], 8);
      showError(t.loadFailed);
    }
    showLevel(1);
  })();
})();
