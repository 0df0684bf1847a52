// The leader's dashboard (大屏). Everything it draws comes from /api/v1/stats/… and is fetched again
// every minute. External and handler-free, so a strict CSP can forbid inline script; the words come
// translated from the page (#dashboard-i18n), the addresses from #dashboard-config.
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const cfg = JSON.parse($("dashboard-config").textContent);
  const t = JSON.parse($("dashboard-i18n").textContent);
  const fill = (s, values) => s.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
  const locale = cfg.lang === "en" ? "en" : "zh-CN";
  const numbers = new Intl.NumberFormat(locale);
  const clock = new Intl.DateTimeFormat(locale === "en" ? "en-GB" : "zh-CN",
    { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: cfg.timeZone });
  const isRate = (name) => cfg.rates.includes(name);
  // Rounded for display only: the API keeps the exact fraction (and the page keeps it in data-value).
  const percent = (v) => (v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%");
  const show = (name, v) => (isRate(name) ? percent(v) : v === null || v === undefined ? "—" : numbers.format(v));
  const caseCount = (n) => fill(n === 1 ? t.caseOne : t.caseMany, { n: numbers.format(n) });

  const state = { indicator: cfg.indicator, values: new Map(), layer: null, byCode: new Map(), busy: false };

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(typeof body.detail === "string" ? body.detail : String(response.status));
    return body;
  }

  function dashboardUrl(code) {
    return cfg.dashboard + "?" + new URLSearchParams({ region: code, start: cfg.start, end: cfg.end,
                                                       indicator: state.indicator });
  }

  function showError(message) {
    $("dash-error").textContent = message || "";
    $("dash-error").hidden = !message;
  }

  // ---- the map: sub-grids coloured by the chosen indicator ---------------------------------------

  // ColorBrewer classes: worse → better for rates (red → blue, readable with colour blindness),
  // few → many for counts. "Lower is better" rates run the other way.
  const DIVERGING = ["#d7191c", "#fdae61", "#ffffbf", "#abd9e9", "#2c7bb6"];
  const SEQUENTIAL = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
  const NO_DATA = "#4a5a6e";

  // Up to five equal classes between the smallest and the largest value shown; whole numbers for
  // counts (a class of 0.4 cases means nothing).
  function scale(name, values) {
    const known = values.filter((v) => v !== null && v !== undefined);
    let palette = isRate(name) ? DIVERGING.slice() : SEQUENTIAL.slice();
    if (cfg.lowerIsBetter.includes(name)) palette.reverse();
    if (!known.length) return { colors: [], breaks: [], colorOf: () => NO_DATA };
    const lo = Math.min(...known), hi = Math.max(...known);
    let breaks;
    if (lo === hi) {
      breaks = [[lo, hi]];
    } else if (isRate(name)) {
      const step = (hi - lo) / palette.length;
      breaks = palette.map((_, i) => [lo + i * step, i === palette.length - 1 ? hi : lo + (i + 1) * step]);
    } else {
      const step = Math.max(1, Math.ceil((hi - lo + 1) / palette.length));
      breaks = [];
      for (let a = lo; a <= hi; a += step) breaks.push([a, Math.min(hi, a + step - 1)]);
    }
    // fewer classes than colours: spread them over the palette, ends included
    const colors = breaks.length === 1 ? [palette[Math.floor(palette.length / 2)]]
      : breaks.map((_, i) => palette[Math.round(i * (palette.length - 1) / (breaks.length - 1))]);
    const colorOf = (v) => {
      if (v === null || v === undefined) return NO_DATA;
      let i = breaks.findIndex(([, b]) => v <= b);
      if (i < 0) i = breaks.length - 1;
      return colors[i];
    };
    return { colors, breaks, colorOf };
  }

  function drawLegend(name, s) {
    const legend = $("legend");
    legend.replaceChildren();
    const title = document.createElement("li");
    title.className = "legend-title";
    title.textContent = cfg.labels[name];
    legend.append(title);
    const entry = (color, text) => {
      const li = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = color;
      swatch.setAttribute("aria-hidden", "true");
      li.append(swatch, document.createTextNode(text));
      li.dataset.color = color;
      legend.append(li);
    };
    s.breaks.forEach(([a, b], i) => entry(s.colors[i], a === b ? show(name, a) : show(name, a) + " – " + show(name, b)));
    entry(NO_DATA, t.noData);
  }

  function colour() {
    const name = state.indicator;
    const s = scale(name, [...state.values.values()].map((item) => item.value));
    state.byCode.forEach((layer, code) => {
      const item = state.values.get(code);
      const value = item ? item.value : null;
      layer.setStyle({ fillColor: s.colorOf(value) });
      const el = layer.getElement();
      if (el) {
        el.dataset.value = value === null || value === undefined ? "" : String(value);
        el.dataset.indicator = name;
      }
      layer.setTooltipContent(asText(layer.feature.properties.name + " · " + cfg.labels[name] + " " + show(name, value)));
    });
    drawLegend(name, s);
    $("map-indicator").textContent = cfg.labels[name];
  }

  // The base layer is a setting (web/basemap.js; none by default: closed government networks reach
  // no tile server, and the grids are the map).
  const B = GridgovBasemap;
  // Leaflet writes a string tooltip as HTML: grid names go in as text.
  const asText = B.textNode;
  const map = B.createMap("dash-map", { minZoom: 8, maxZoom: 18, zoomSnap: 0.25 });
  L.control.scale({ imperial: false, position: "bottomright" }).addTo(map);

  async function loadShapes() {
    const collection = await getJSON(cfg.geojson);
    if (!collection.features.length) {
      $("map-note").textContent = t.noChildren;
      $("map-note").hidden = false;
      $("map-hint").hidden = true;
      const siblings = await getJSON(cfg.ownGeojson);
      const own = B.geoJSON({ type: "FeatureCollection",
                              features: siblings.features.filter((f) => f.properties.code === cfg.region) },
                            { interactive: false, style: { color: "#5fb0ff", weight: 2.5, fillColor: NO_DATA, fillOpacity: 0.5 } });
      if (own.getLayers().length) {
        map.fitBounds(own.getBounds(), { padding: [24, 24] });
        own.addTo(map);
      } else {
        map.setView(B.toMap(113.6, 34.75), 11);
      }
      return;
    }
    state.layer = B.geoJSON(collection, {
      className: "grid-shape",
      style: () => ({ color: "#0b1826", weight: 1.5, opacity: 1, fillColor: NO_DATA, fillOpacity: 0.85 }),
      onEachFeature: (feature, layer) => {
        const p = feature.properties;
        state.byCode.set(p.code, layer);
        layer.bindTooltip(asText(p.name), { sticky: true, direction: "top" });
        // 下钻: a sub-grid opens its own dashboard, same dates, same indicator.
        layer.on("click", () => window.location.assign(dashboardUrl(p.code)));
        layer.on("mouseover", () => layer.setStyle({ weight: 3, color: "#ffffff" }));
        layer.on("mouseout", () => layer.setStyle({ weight: 1.5, color: "#0b1826" }));
      },
    });
    // The view first: shapes get their SVG elements only when drawn on a map that has one.
    map.fitBounds(state.layer.getBounds(), { padding: [12, 12] });
    state.layer.addTo(map);
    state.byCode.forEach((layer, code) => {
      const el = layer.getElement();
      el.setAttribute("data-code", code);
      el.setAttribute("aria-label", fill(t.open, { name: layer.feature.properties.name }));
    });
  }

  async function loadValues() {
    const body = await getJSON(cfg.map + "&" + new URLSearchParams({ indicator: state.indicator }));
    if (body.indicator !== state.indicator) return; // the user chose another one meanwhile
    state.values = new Map(body.items.map((item) => [item.code, item]));
    colour();
  }

  // ---- charts (Apache ECharts, canvas) ----------------------------------------------------------

  const chartLocale = cfg.lang === "en" ? "EN" : "ZH";
  const trend = echarts.init($("trend-chart"), null, { renderer: "canvas", locale: chartLocale });
  const categoryEl = $("category-chart"); // absent below communities: no category rollups there
  const categories = categoryEl ? echarts.init(categoryEl, null, { renderer: "canvas", locale: chartLocale }) : null;
  // data-drawn: the chart has finished drawing its data, animation included (for screenshots and
  // tests). Not before: an empty chart also "finishes" when it is first sized.
  const fed = new Set();
  const whenDrawn = (chart, id) => chart.on("finished", () => { if (fed.has(id)) $(id).dataset.drawn = "1"; });
  whenDrawn(trend, "trend-chart");
  if (categories) whenDrawn(categories, "category-chart");
  const axisText = { color: "#9fb3c8" };
  // Tooltips drawn on the canvas: ECharts' HTML tooltip writes style="…" markup, which the
  // Content-Security-Policy refuses (style-src 'self'), and category names would go in as HTML.
  const tooltip = { renderMode: "richText", backgroundColor: "#10263d", borderColor: "#244565",
                    textStyle: { color: "#e8eef5" } };
  const splitLine = { lineStyle: { color: "#244565" } };

  function drawTrend(items) {
    fed.add("trend-chart");
    trend.setOption({
      animationDuration: 300,
      color: ["#5fb0ff", "#3fb950"],
      tooltip: { ...tooltip, trigger: "axis" },
      legend: { data: [t.received, t.closed], textStyle: { color: "#e8eef5" }, top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: items.map((d) => d.day.slice(5)), axisLabel: axisText, boundaryGap: false },
      yAxis: { type: "value", minInterval: 1, axisLabel: axisText, splitLine },
      series: [
        { name: t.received, type: "line", smooth: true, symbolSize: 6, areaStyle: { opacity: 0.15 },
          data: items.map((d) => d.received) },
        { name: t.closed, type: "line", smooth: true, symbolSize: 6, data: items.map((d) => d.closed) },
      ],
    });
    $("trend-chart").setAttribute("aria-label", fill(t.trendLabel, { start: cfg.start, end: cfg.end }));
  }

  function drawCategories(rows) {
    if (!categories) return;
    const top = rows.slice(0, 10).reverse(); // the largest on top of a horizontal bar chart
    fed.add("category-chart");
    categories.setOption({
      animationDuration: 300,
      color: ["#5fb0ff", "#3fb950"],
      tooltip: { ...tooltip, trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { data: [t.received, t.closed], textStyle: { color: "#e8eef5" }, top: 0 },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, axisLabel: axisText, splitLine },
      yAxis: { type: "category", data: top.map((c) => c.name || c.category),
               axisLabel: { ...axisText, interval: 0, width: 110, overflow: "truncate" } },
      series: [
        { name: t.received, type: "bar", data: top.map((c) => c.received) },
        { name: t.closed, type: "bar", data: top.map((c) => c.closed) },
      ],
      graphic: rows.length ? [] : [{ type: "text", left: "center", top: "middle",
                                     style: { text: t.noCategories, fill: "#9fb3c8", fontSize: 14 } }],
    }, { replaceMerge: ["graphic"] });
    $("category-chart").setAttribute("aria-label", fill(t.categoryLabel, { start: cfg.start, end: cfg.end }));
  }

  const resize = () => { trend.resize(); if (categories) categories.resize(); map.invalidateSize(); };
  if ("ResizeObserver" in window) new ResizeObserver(resize).observe(document.body);
  else window.addEventListener("resize", resize);

  // ---- figures, lights, hot spots, ranking -----------------------------------------------------

  function setFigure(id, value, text, detail) {
    const el = document.querySelector("#" + id + " .kpi-value");
    el.textContent = text;
    el.dataset.value = value === null || value === undefined ? "" : String(value);
    if (detail !== undefined) document.querySelector("#" + id + " .kpi-fraction").textContent = detail;
  }

  function drawFigures(ind) {
    const fraction = (pair) => fill(t.ofWhich, { numerator: numbers.format(pair[0]), denominator: numbers.format(pair[1]) });
    for (const key of ["closure_rate", "on_time_rate", "satisfaction_rate"]) {
      setFigure("kpi-" + key, ind[key], percent(ind[key]), fraction(ind.fractions[key]));
    }
    setFigure("kpi-level_grid", ind.resolved_at_level.grid, percent(ind.resolved_at_level.grid),
              fraction(ind.fractions.resolved_at_level.grid));
    setFigure("kpi-received", ind.received, String(ind.received));
    setFigure("kpi-closed", ind.closed, String(ind.closed));
  }

  function drawLights(lights) {
    for (const key of ["red", "yellow", "green", "none"]) $("light-" + key).textContent = String(lights[key] || 0);
  }

  function drawHotSpots(rows) {
    const list = $("hot-spots");
    list.replaceChildren();
    if (!rows.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = t.noHotSpots;
      list.append(li);
    }
    for (const row of rows) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = dashboardUrl(row.code);
      a.textContent = row.name || row.code;
      const n = document.createElement("span");
      n.className = "n";
      n.textContent = caseCount(row.received);
      li.append(a, document.createTextNode(" "), n);
      list.append(li);
    }
  }

  // 热点: a grid × category where reports keep coming, as a circle on the map sized by its heat
  let hotLayer = null;
  function drawHotClusters(rows) {
    if (hotLayer) hotLayer.remove();
    hotLayer = L.layerGroup(rows.map((row) => {
      const circle = L.circleMarker(B.toMap(row.lon, row.lat), {
        radius: Math.min(24, 6 + 2 * Math.sqrt(row.heat)), color: "#b00020", weight: 2, fillOpacity: 0.35,
        className: "hot-cluster",
      });
      const words = [row.grid.name || row.grid.code, row.category ? row.category.name : "", fill(t.heat, { n: row.heat })];
      circle.bindTooltip(words.filter(Boolean).join(" · "));
      return circle;
    })).addTo(map);
    $("hot-count").textContent = fill(t.hotClusters, { n: rows.length });
  }

  // 问题清零 per platform, drawn anew with the other figures
  function drawClearance(platforms) {
    const list = $("clearance");
    list.replaceChildren();
    if (!platforms.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = t.noHotSpots;  // "no cases in this period"
      list.append(li);
    }
    for (const p of platforms) {
      const li = document.createElement("li");
      li.dataset.platform = p.platform;
      const n = document.createElement("span");
      n.className = "n";
      const state = p.cleared ? t.cleared : fill(t.openCount, { n: p.open });
      n.textContent = state + " · " + fill(t.closedReplied, { closed: p.closed, replied: p.replied });
      li.append(document.createTextNode(p.name + " "), n);
      list.append(li);
    }
  }

  function changeCell(change) {
    const td = document.createElement("td");
    let kind = "same", symbol = "—", words = t.same;
    if (change === null || change === undefined) { kind = "new"; symbol = t.new; words = t.notRanked; }
    else if (change > 0) { kind = "up"; symbol = "▲" + change; words = fill(t.up, { n: change }); }
    else if (change < 0) { kind = "down"; symbol = "▼" + -change; words = fill(t.down, { n: -change }); }
    td.className = "num change " + kind;
    td.title = words;
    const seen = document.createElement("span");
    seen.setAttribute("aria-hidden", "true");
    seen.textContent = symbol;
    const heard = document.createElement("span");
    heard.className = "visually-hidden";
    heard.textContent = words;
    td.append(seen, heard);
    return td;
  }

  function drawRanking(body) {
    const people = body.scheme.subject === "worker" || body.scheme.subject === "deputy";
    const tbody = document.querySelector("#ranking tbody");
    tbody.replaceChildren();
    if (!body.items.length) {
      const tr = document.createElement("tr");
      const td = document.createElement("td");
      td.colSpan = 5;
      td.className = "muted";
      td.textContent = t.noRanking;
      tr.append(td);
      tbody.append(tr);
    }
    for (const row of body.items) {
      const tr = document.createElement("tr");
      const cell = (text, cls) => {
        const td = document.createElement("td");
        if (cls) td.className = cls;
        td.textContent = text;
        return td;
      };
      const name = document.createElement("td");
      if (!people && row.code) {
        const a = document.createElement("a");
        a.href = dashboardUrl(row.code);
        a.textContent = row.name;
        name.append(a);
      } else {
        name.textContent = row.name; // people: the masked name only, never their id
      }
      // a subject without cases that month is not ranked (无案件), never last with 0
      tr.append(cell(row.rank === null ? t.noCases : String(row.rank)), name);
      if (people) tr.append(cell(row.area));
      tr.append(cell(row.rank === null ? "—" : row.score.toFixed(1), "num"), changeCell(row.rank_change));
      tbody.append(tr);
    }
  }

  // ---- refresh ----------------------------------------------------------------------------------

  async function refresh() {
    if (state.busy) return;
    state.busy = true;
    try {
      const [overview, series, scores, modes] = await Promise.all([
        getJSON(cfg.overview), getJSON(cfg.series), getJSON(cfg.scores).catch(() => null),
        cfg.modes ? getJSON(cfg.modes).catch(() => null) : null, loadValues(),
      ]);
      drawFigures(overview.indicators);
      drawLights(overview.lights);
      drawHotSpots(overview.hot_spots);
      drawHotClusters(overview.hot_clusters || []);
      drawCategories(overview.categories);
      drawTrend(series.items);
      if (scores) drawRanking(scores);
      if (modes) drawClearance(modes.platforms || []);
      $("updated").textContent = fill(t.updatedAt, { time: clock.format(new Date()) });
      document.body.dataset.refreshed = String((Number(document.body.dataset.refreshed) || 0) + 1);
      showError("");
    } catch (err) {
      showError(fill(t.loadFailed, { detail: err.message }));
    } finally {
      state.busy = false;
    }
  }

  $("indicator").addEventListener("change", (event) => {
    state.indicator = event.target.value;
    const url = new URL(window.location.href);
    url.searchParams.set("indicator", state.indicator);
    window.history.replaceState(null, "", url);
    loadValues().catch((err) => showError(fill(t.loadFailed, { detail: err.message })));
  });

  loadShapes()
    .catch((err) => showError(fill(t.loadFailed, { detail: err.message })))
    .then(refresh);
  window.setInterval(refresh, cfg.refreshSeconds * 1000);
})();
