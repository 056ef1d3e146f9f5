// An organization's or alliance's dashboard: its charts, drawn with ECharts (npm, served by the
// app under its version) from the page's <script type="application/json" id="od-chart-data">:
// events per month (bars, with confirmed and checked in as lines), 签到率 per event by date,
// the alliance's members side by side and the events by kind. Each chart's section stays
// hidden without JavaScript, without the library or without figures: the tables below hold
// the same figures.

import { baseOptions, drawChart, loadECharts, palette, resizeWith } from "./charts.js";

const root = document.getElementById("od-charts");
const source = document.getElementById("od-chart-data");

/** What every chart shares; on a narrow screen the legend may wrap, so the plot starts lower. */
function base(c, width) {
  return {
    ...baseOptions(c),
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
    legend: { top: 0, textStyle: { color: c.text } },
    grid: { left: 8, right: 8, top: width < 480 ? 64 : 40, bottom: 8, containLabel: true },
  };
}

const axisLabel = (c) => ({ color: c.muted, hideOverlap: true });
const splitLine = (c) => ({ lineStyle: { color: c.border, type: "dashed" } });

/** A y axis of whole numbers named ``name``; the left one (``grid``) draws the grid lines. */
const countAxis = (c, name, grid = false) => ({
  type: "value", minInterval: 1, name, axisLabel: axisLabel(c), nameTextStyle: { color: c.muted },
  splitLine: grid ? splitLine(c) : { show: false },
});

const charts = {
  months(data, c, width) {
    const m = data.months;
    if (!m.names.length) return null;
    return {
      ...base(c, width),
      xAxis: { type: "category", data: m.names, axisLabel: axisLabel(c) },
      yAxis: [countAxis(c, data.labels.events, true), countAxis(c, data.labels.people)],
      series: [
        { type: "bar", name: data.labels.events, data: m.events, barMaxWidth: 28,
          itemStyle: { color: c.brand, borderRadius: [4, 4, 0, 0] } },
        { type: "line", name: data.labels.confirmed, data: m.confirmed, yAxisIndex: 1,
          symbolSize: 7, itemStyle: { color: c.info }, lineStyle: { width: 2 } },
        { type: "line", name: data.labels.checkedIn, data: m.checkedIn, yAxisIndex: 1,
          symbolSize: 7, itemStyle: { color: c.success }, lineStyle: { width: 2, type: "dashed" } },
      ],
    };
  },

  rates(data, c, width) {
    const r = data.rates;
    if (!r.names.length) return null;
    return {
      ...base(c, width),
      legend: { show: false },
      grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "axis", axisPointer: { type: "shadow" }, confine: true,
        formatter: (items) => {
          const i = items[0].dataIndex;
          const title = document.createElement("span");
          title.textContent = `${r.dates[i]} ${r.names[i]}: ${r.values[i]}%`;
          return title.outerHTML;
        },
      },
      xAxis: { type: "category", data: r.dates, axisLabel: axisLabel(c) },
      yAxis: { type: "value", max: 100, axisLabel: { ...axisLabel(c), formatter: "{value}%" },
               splitLine: splitLine(c) },
      series: [{
        type: "bar", name: data.labels.rate, data: r.values, barMaxWidth: 28,
        itemStyle: { color: c.success, borderRadius: [4, 4, 0, 0] },
        label: { show: r.values.length <= 16, position: "top", color: c.text, formatter: "{c}%" },
      }],
    };
  },

  members(data, c, width) {
    const m = data.members;
    if (!m || !m.names.length) return null;
    // Each member's name under its bars, on two lines if need be; slanted when they are many.
    const slot = (width - 80) / m.names.length;
    const names = slot >= 56
      ? { interval: 0, width: slot - 8, overflow: "break", lineHeight: 16 }
      : { interval: 0, rotate: 40, width: 96, overflow: "truncate" };
    return {
      ...base(c, width),
      xAxis: { type: "category", data: m.names, axisLabel: { ...axisLabel(c), ...names } },
      yAxis: [countAxis(c, data.labels.events, true), countAxis(c, data.labels.checkedIn)],
      series: [
        { type: "bar", name: data.labels.events, data: m.events, barMaxWidth: 24,
          itemStyle: { color: c.brand } },
        { type: "bar", name: data.labels.credited, data: m.credited, barMaxWidth: 24,
          itemStyle: { color: c.warning } },
        { type: "bar", name: data.labels.checkedIn, data: m.checkedIn, barMaxWidth: 24,
          yAxisIndex: 1, itemStyle: { color: c.success } },
      ],
    };
  },

  kinds(data, c, width) {
    if (!data.kinds.length) return null;
    // Labels beside the slices where they fit; on a phone the legend and the list say it
    // (the pie leaves the legend room when it wraps).
    const roomy = width >= 480;
    return {
      ...base(c, width),
      tooltip: { trigger: "item", confine: true },
      legend: { bottom: 0, textStyle: { color: c.text } },
      color: [c.brand, c.info, c.success, c.warning, c.muted, "#6b3fa0", "#00777a"],
      series: [{
        type: "pie", name: data.labels.events, radius: roomy ? ["38%", "68%"] : ["32%", "60%"],
        center: ["50%", roomy ? "45%" : "40%"],
        data: data.kinds, label: { show: roomy, color: c.text, formatter: "{b}: {c}" },
        labelLine: { show: roomy },
        itemStyle: { borderColor: c.surface, borderWidth: 2 },
      }],
    };
  },
};

async function draw() {
  if (!root || !source) return;
  let data;
  try {
    data = JSON.parse(source.textContent);
  } catch {
    return;
  }
  const echarts = await loadECharts(root.dataset.echarts);
  if (!echarts) return;
  const c = palette();
  const drawn = [];
  for (const box of root.querySelectorAll("[data-chart]")) {
    const make = charts[box.dataset.chart];
    const section = box.closest("[data-chart-section]");
    // Shown first, so the chart knows its width.
    section.hidden = false;
    const option = make && make(data, c, box.clientWidth);
    if (!option) {
      section.hidden = true;
      continue;
    }
    drawn.push(drawChart(echarts, box, option));
    box.dataset.drawn = "";
  }
  if (drawn.length) root.dataset.ready = "";
  resizeWith(root, drawn);
}

draw();
