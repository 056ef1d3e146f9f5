// An organization's or alliance's dashboard: its charts, drawn with ECharts (npm, served by the
// app under its version) from the page's <script type="application/json" id="od-chart-data">:
// events per month (bars, with confirmed and checked in as lines), 签到率 per event by date,
// the alliance's members side by side and the events by kind. Each chart's section stays
// hidden without JavaScript, without the library or without figures: the tables below hold
// the same figures.

const root = document.getElementById("od-charts");
const source = document.getElementById("od-chart-data");

const token = (name, fallback) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

/** Load the library once (it sets globalThis.echarts); null when it cannot be had. */
async function library(url) {
  if (!url) return null;
  try {
    await import(url);
  } catch {
    return null;
  }
  return globalThis.echarts || null;
}

function palette() {
  return {
    text: token("--c-text", "#1f1b16"),
    muted: token("--c-muted", "#5c544b"),
    border: token("--c-border", "#d9d1c7"),
    brand: token("--c-brand", "#b3261e"),
    info: token("--c-info", "#1d4fa8"),
    success: token("--c-success", "#1e6b34"),
    warning: token("--c-warning", "#7a4d00"),
  };
}

function base(c) {
  return {
    animation: !window.matchMedia("(prefers-reduced-motion: reduce)").matches,
    textStyle: { fontFamily: token("--font", "sans-serif"), color: c.text },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
    legend: { top: 0, textStyle: { color: c.text } },
    grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
  };
}

const axisLabel = (c) => ({ color: c.muted, hideOverlap: true });
const splitLine = (c) => ({ lineStyle: { color: c.border, type: "dashed" } });

const charts = {
  months(data, c) {
    const m = data.months;
    if (!m.names.length) return null;
    return {
      ...base(c),
      xAxis: { type: "category", data: m.names, axisLabel: axisLabel(c) },
      yAxis: [
        { type: "value", minInterval: 1, name: data.labels.events, axisLabel: axisLabel(c),
          splitLine: splitLine(c), nameTextStyle: { color: c.muted } },
        { type: "value", minInterval: 1, name: data.labels.people, axisLabel: axisLabel(c),
          splitLine: { show: false }, nameTextStyle: { color: c.muted } },
      ],
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

  rates(data, c) {
    const r = data.rates;
    if (!r.names.length) return null;
    return {
      ...base(c),
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

  members(data, c) {
    const m = data.members;
    if (!m || !m.names.length) return null;
    return {
      ...base(c),
      xAxis: { type: "category", data: m.names,
               axisLabel: { ...axisLabel(c), interval: 0, width: 96, overflow: "truncate" } },
      yAxis: [
        { type: "value", minInterval: 1, name: data.labels.events, axisLabel: axisLabel(c),
          splitLine: splitLine(c), nameTextStyle: { color: c.muted } },
        { type: "value", minInterval: 1, name: data.labels.checkedIn, axisLabel: axisLabel(c),
          splitLine: { show: false }, nameTextStyle: { color: c.muted } },
      ],
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

  kinds(data, c) {
    if (!data.kinds.length) return null;
    return {
      ...base(c),
      tooltip: { trigger: "item", confine: true },
      legend: { bottom: 0, textStyle: { color: c.text } },
      color: [c.brand, c.info, c.success, c.warning, c.muted, "#6b3fa0", "#00777a"],
      series: [{
        type: "pie", name: data.labels.events, radius: ["38%", "68%"], center: ["50%", "45%"],
        data: data.kinds, label: { color: c.text, formatter: "{b}: {c}" },
        itemStyle: { borderColor: token("--c-surface", "#ffffff"), borderWidth: 2 },
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
  const echarts = await library(root.dataset.echarts);
  if (!echarts) return;
  const c = palette();
  const drawn = [];
  for (const box of root.querySelectorAll("[data-chart]")) {
    const make = charts[box.dataset.chart];
    const option = make && make(data, c);
    if (!option) continue;
    box.closest("[data-chart-section]").hidden = false;
    const chart = echarts.init(box, null, { renderer: "canvas" });
    chart.setOption(option);
    box.dataset.drawn = "";
    drawn.push(chart);
  }
  if (drawn.length) root.dataset.ready = "";
  const observer = new ResizeObserver(() => drawn.forEach((chart) => chart.resize()));
  observer.observe(root);
}

draw();
