// What every page that draws ECharts charts shares (the mentor report, the organization's and
// the alliance's dashboards): loading the library the app serves under its npm version, the
// colours and font of app.css's tokens, so a chart matches the page and its dark mode, and the
// options every chart starts from. A page that cannot have the library keeps its tables.

/** A CSS custom property of the page (app.css's tokens), or the fallback when it is unset. */
export const token = (name, fallback) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

/** Load the library once (it sets globalThis.echarts); null when it cannot be had. */
export async function loadECharts(url) {
  if (!url) return null;
  try {
    await import(url);
  } catch {
    return null;
  }
  return globalThis.echarts || null;
}

/** The app's colours by role, read when a chart is drawn. */
export function palette() {
  return {
    text: token("--c-text", "#1f1b16"),
    muted: token("--c-muted", "#5c544b"),
    border: token("--c-border", "#d9d1c7"),
    surface: token("--c-surface", "#ffffff"),
    brand: token("--c-brand", "#b3261e"),
    info: token("--c-info", "#1d4fa8"),
    success: token("--c-success", "#1e6b34"),
    warning: token("--c-warning", "#7a4d00"),
  };
}

/** The options every chart starts from: the page's font and text colour, still for those who
 * asked their system for less motion. */
export function baseOptions(c) {
  return {
    animation: !window.matchMedia("(prefers-reduced-motion: reduce)").matches,
    textStyle: { fontFamily: token("--font", "sans-serif"), color: c.text },
  };
}

/** Draw `option` into `box` on a canvas; the chart is returned for resizeWith. */
export function drawChart(echarts, box, option) {
  const chart = echarts.init(box, null, { renderer: "canvas" });
  chart.setOption(option);
  return chart;
}

/** Resize the charts whenever `element` changes size (a phone turned, a window narrowed). */
export function resizeWith(element, charts) {
  new ResizeObserver(() => charts.forEach((chart) => chart.resize())).observe(element);
}
