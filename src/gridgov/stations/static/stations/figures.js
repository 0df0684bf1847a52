// Figures of the service stations: person-times by service type and by target group (ECharts bars).
(function () {
  const data = document.getElementById("chart-data");
  const el = document.getElementById("figures-chart");
  if (!data || !el || typeof echarts === "undefined") return;
  const d = JSON.parse(data.textContent);
  el.style.height = "460px"; // set from script: the pages' CSP refuses inline style attributes
  const chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    tooltip: {},
    grid: [{ left: 90, right: 20, top: 20, height: "38%" }, { left: 90, right: 20, top: "58%", height: "38%" }],
    xAxis: [{ type: "value", gridIndex: 0 }, { type: "value", gridIndex: 1 }],
    yAxis: [
      { type: "category", data: d.types, gridIndex: 0 },
      { type: "category", data: d.groups, gridIndex: 1 },
    ],
    series: [
      { type: "bar", data: d.type_values, xAxisIndex: 0, yAxisIndex: 0 },
      { type: "bar", data: d.group_values, xAxisIndex: 1, yAxisIndex: 1 },
    ],
  });
  window.addEventListener("resize", () => chart.resize());
})();
