/* The run page: one line chart per metric, runs overlaid, smoothing, log axis, zoom with
 * detail fetched for the zoomed range, and live points while runs are running. */
"use strict";

(() => {
  const container = document.getElementById("charts");
  if (!container) return;
  const runIds = container.dataset.runs.split(",").filter(Boolean);
  const liveIds = container.dataset.live.split(",").filter(Boolean);
  const status = document.getElementById("chart-status");
  const smoothingInput = document.getElementById("smoothing");
  const smoothingValue = document.getElementById("smoothing-value");
  const logInput = document.getElementById("log-y");
  const filterInput = document.getElementById("chart-filter");
  const POINTS = 1000;

  // series[runId][key] = {steps: [], values: []}; names[runId] = display name.
  const series = {};
  const names = {};
  const charts = {}; // key -> {div, zoom: [lo, hi] | null, detail: {runId: {steps, values}} | null}
  const colorOf = (runId) => SL.palette[runIds.indexOf(runId) % SL.palette.length];

  function smooth(values, weight) {
    if (!weight) return values;
    const out = new Array(values.length);
    let last = 0;
    let count = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || !Number.isFinite(v)) { out[i] = null; continue; }
      last = last * weight + (1 - weight) * v;
      count += 1;
      out[i] = last / (1 - Math.pow(weight, count)); // debiased, as TensorBoard does
    }
    return out;
  }

  function tracesFor(key) {
    const chart = charts[key];
    const weight = Number(smoothingInput.value);
    const traces = [];
    for (const runId of runIds) {
      const source = chart.detail ? chart.detail[runId] : (series[runId] || {})[key];
      if (!source) continue;
      const color = colorOf(runId);
      const name = SL.plotlyText(names[runId] || runId);
      if (weight > 0) {
        traces.push({ x: source.steps, y: source.values, type: "scatter", mode: "lines", name: name + " (raw)",
          line: { color: color, width: 1 }, opacity: 0.25, showlegend: false, hoverinfo: "skip" });
      }
      traces.push({ x: source.steps, y: smooth(source.values, weight), type: "scatter", mode: "lines",
        name: name, line: { color: color, width: 1.8 }, connectgaps: false,
        hovertemplate: "%{y:.5g} @ step %{x}<extra>" + name + "</extra>" });
    }
    return traces;
  }

  let revision = 0;
  function layoutFor(key) {
    const chart = charts[key];
    const layout = JSON.parse(JSON.stringify(SL.plotLayout));
    // Live points are pushed into the same arrays; a new revision makes Plotly.react redraw.
    layout.datarevision = ++revision;
    layout.showlegend = runIds.length > 1;
    layout.legend = { orientation: "h", y: -0.22 };
    layout.xaxis.title = { text: "step", standoff: 6 };
    layout.yaxis.type = logInput.checked ? "log" : "linear";
    if (chart.zoom) layout.xaxis.range = chart.zoom;
    return layout;
  }

  function render(key) {
    const chart = charts[key];
    const traces = tracesFor(key);
    Plotly.react(chart.div, traces, layoutFor(key), SL.plotConfig);
    const points = traces.filter((trace) => trace.showlegend !== false || traces.length === 1)
      .reduce((total, trace) => total + trace.x.length, 0);
    chart.div.dataset.points = String(points);
  }

  function ensureChart(key) {
    if (charts[key]) return charts[key];
    const div = SL.el("div", { class: "chart", "data-key": key });
    const card = SL.el("div", { class: "chart-card", "data-key": key }, SL.el("h3", { text: key }), div);
    // Keep charts in key order.
    const after = Array.from(container.children).find((node) => node.dataset.key > key);
    container.insertBefore(card, after || null);
    const chart = { div, card, zoom: null, detail: null };
    charts[key] = chart;
    render(key);
    div.on("plotly_relayout", (event) => onZoom(key, event));
    applyFilter();
    return chart;
  }

  async function onZoom(key, event) {
    const chart = charts[key];
    if (event["xaxis.autorange"]) {
      chart.zoom = null;
      chart.detail = null;
      render(key);
      return;
    }
    const lo = event["xaxis.range[0]"];
    const hi = event["xaxis.range[1]"];
    if (lo === undefined || hi === undefined) return;
    chart.zoom = [lo, hi];
    // The overview is downsampled: ask the server for full detail inside the zoomed range.
    const query = runIds.map((id) => "run=" + encodeURIComponent(id)).join("&") +
      "&key=" + encodeURIComponent(key) + "&points=" + POINTS +
      "&min_step=" + Math.floor(lo) + "&max_step=" + Math.ceil(hi);
    try {
      const data = await SL.fetchJSON("/dashboard/data/metrics?" + query);
      chart.detail = {};
      for (const run of data.runs) if (run.series[key]) chart.detail[run.run_id] = run.series[key];
      render(key);
    } catch (error) {
      status.textContent = "zoom detail failed: " + error.message;
    }
  }

  function applyFilter() {
    const text = filterInput.value.trim().toLowerCase();
    for (const [key, chart] of Object.entries(charts)) {
      chart.card.style.display = !text || key.toLowerCase().includes(text) ? "" : "none";
    }
  }

  function updateStatus() {
    const keys = Object.keys(charts).length;
    status.textContent = keys + " metric" + (keys === 1 ? "" : "s") +
      (runIds.length > 1 ? " · " + runIds.length + " runs overlaid" : "") +
      (liveIds.length ? " · live" : "");
  }

  function applyRunEvent(data) {
    if (data.run_id === runIds[0]) {
      const holder = document.getElementById("run-state");
      if (holder) holder.replaceChildren(SL.stateBadge(data.state));
      const runtime = document.getElementById("run-runtime");
      if (runtime) runtime.textContent = SL.formatDuration(data.runtime_seconds);
      const table = document.getElementById("summary-table");
      for (const [key, value] of Object.entries(data.summary || {})) {
        const cell = table ? table.querySelector('td[data-summary-key="' + CSS.escape(key) + '"]') : null;
        if (cell) cell.textContent = SL.formatNumber(value);
      }
    }
    const chip = document.querySelector('.compare-item[data-run="' + CSS.escape(data.run_id) + '"] [data-state-badge]');
    if (chip) chip.replaceWith(SL.stateBadge(data.state));
  }

  const pending = new Set();
  let frame = 0;
  function schedule(key) {
    pending.add(key);
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      for (const each of pending) if (!charts[each].detail) render(each);
      pending.clear();
    });
  }

  function applyMetrics(data) {
    const runSeries = series[data.run_id] || (series[data.run_id] = {});
    for (const [key, points] of Object.entries(data.points)) {
      const target = runSeries[key] || (runSeries[key] = { steps: [], values: [] });
      for (const [step, value] of points) { target.steps.push(step); target.values.push(value); }
      if (!charts[key]) ensureChart(key); else schedule(key);
    }
    updateStatus();
  }

  function cursor() {
    return runIds.map((runId) => {
      let last = -1;
      for (const item of Object.values(series[runId] || {})) {
        if (item.steps.length) last = Math.max(last, item.steps[item.steps.length - 1]);
      }
      return runId + ":" + last;
    }).join(",");
  }

  async function load() {
    const query = runIds.map((id) => "run=" + encodeURIComponent(id)).join("&") + "&points=" + POINTS;
    const data = await SL.fetchJSON("/dashboard/data/metrics?" + query);
    for (const run of data.runs) {
      names[run.run_id] = run.name;
      series[run.run_id] = run.series;
    }
    for (const key of data.keys) ensureChart(key);
    if (!data.keys.length) container.append(SL.el("p", { class: "empty", id: "no-metrics", text: "No metrics logged yet." }));
    document.querySelectorAll(".compare-item").forEach((item) => {
      const chip = item.querySelector(".legend-chip");
      if (chip) chip.style.background = colorOf(item.dataset.run);
    });
    updateStatus();
    if (liveIds.length) {
      const path = "/dashboard/live/runs?" + liveIds.map((id) => "run=" + encodeURIComponent(id)).join("&") +
        "&cursor=" + encodeURIComponent(cursor());
      SL.live(path, {
        metrics: (payload) => {
          const empty = document.getElementById("no-metrics");
          if (empty) empty.remove();
          applyMetrics(payload);
        },
        run: applyRunEvent,
      });
    }
  }

  smoothingInput.addEventListener("input", () => {
    smoothingValue.textContent = Number(smoothingInput.value).toFixed(2);
    Object.keys(charts).forEach(render);
  });
  logInput.addEventListener("change", () => Object.keys(charts).forEach(render));
  filterInput.addEventListener("input", applyFilter);
  load().catch((error) => { status.textContent = "could not load metrics: " + error.message; });
})();
