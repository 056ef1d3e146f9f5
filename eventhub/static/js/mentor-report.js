// The mentor report's chart: each mentor's qualifying coachings as a bar (green when they meet
// the rule), the rule as a dashed line, drawn with ECharts (npm, served by the app under its
// version) from the page's <script type="application/json" id="mr-chart-data">. The section
// stays hidden without JavaScript or the library: the table holds the same figures.

import { baseOptions, drawChart, loadECharts, palette, resizeWith } from "./charts.js";

const section = document.getElementById("mr-chart-section");
const box = document.getElementById("mr-chart");
const source = document.getElementById("mr-chart-data");

function options(data) {
  const c = palette();
  const { success: ok, warning: short, text, muted, brand: line } = c;
  return {
    ...baseOptions(c),
    grid: { left: 8, right: 36, top: 28, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: {
      type: "value",
      minInterval: 1,
      max: (extent) => Math.max(extent.max, data.rule),
      axisLabel: { color: muted },
    },
    yAxis: {
      type: "category",
      data: data.names,
      inverse: true,
      axisTick: { show: false },
      axisLabel: { color: text, fontSize: 13, width: 112, overflow: "truncate" },
    },
    series: [{
      type: "bar",
      name: data.series,
      barMaxWidth: 22,
      data: data.values.map((value, i) => ({
        value,
        itemStyle: { color: data.meets[i] ? ok : short, borderRadius: [0, 4, 4, 0] },
      })),
      label: { show: true, position: "right", color: text },
      markLine: {
        symbol: "none",
        silent: true,
        data: [{ xAxis: data.rule }],
        lineStyle: { color: line, type: "dashed", width: 2 },
        label: { formatter: data.ruleLabel, position: "start", color: line, fontWeight: "bold" },
      },
    }],
  };
}

async function draw() {
  if (!section || !box || !source) return;
  let data;
  try {
    data = JSON.parse(source.textContent);
  } catch {
    return;
  }
  if (!data || !data.names || !data.names.length) return;
  const echarts = await loadECharts(box.dataset.echarts);
  if (!echarts) return;
  section.hidden = false;
  // One row per mentor, so names never overlap, however many there are.
  box.style.height = `${Math.max(140, data.names.length * 36 + 56)}px`;
  resizeWith(box, [drawChart(echarts, box, options(data))]);
}

draw();
