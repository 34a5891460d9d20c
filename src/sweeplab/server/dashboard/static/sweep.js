/* The sweep page: progress, best run, parameter importance, parallel coordinates, metric over
 * time, best runs, hyperband decisions, and the pause/resume/stop/cancel buttons. Everything
 * is computed on the server (/dashboard/data/sweeps/<id>); this script only draws it. */
"use strict";

(() => {
  const head = document.getElementById("sweep-page");
  if (!head) return;
  const sweepId = head.dataset.sweep;
  const $ = (id) => document.getElementById(id);
  const STATE_COLORS = { running: "#12b76a", finished: "#4f46e5", stopped: "#f79009", crashed: "#d92d20",
    failed: "#d92d20", pending: "#2e90fa" };
  const ACTIONS = { pause: ["running"], resume: ["paused"], stop: ["running", "paused"], cancel: ["running", "paused"] };

  const runLink = (runId, name) => SL.el("a", { href: SL.base + "/runs/" + encodeURIComponent(runId), text: name || runId });

  function renderHeader(data) {
    $("sweep-state").replaceChildren(SL.stateBadge(data.state));
    document.querySelectorAll("#sweep-actions [data-action]").forEach((button) => {
      button.disabled = !ACTIONS[button.dataset.action].includes(data.state);
    });
    const progress = data.progress;
    const total = progress.total;
    $("progress-text").textContent = total ? progress.done + " / " + total + " runs" : progress.done + " runs";
    $("progress-bar").style.width = total ? Math.min(100, (100 * progress.done) / total).toFixed(1) + "%" : "100%";
    $("progress-basis").textContent = total ? "against " + progress.basis : "no run_cap: the sweep runs until stopped";
    $("state-counts").replaceChildren(...Object.entries(progress.states).map(([state, count]) =>
      SL.el("span", {}, SL.stateBadge(state), " " + count)));
    const best = data.top_runs[0];
    if (best) {
      $("best-value").textContent = SL.formatNumber(best.value);
      $("best-run").replaceChildren(runLink(best.run_id, best.name), " · ", data.metric.goal + " " + data.metric.name);
    }
    const stopped = $("stopped-count");
    if (stopped) stopped.textContent = data.decisions.stopped_total + " run(s) stopped early";
  }

  function bar(kind, value, goal) {
    const holder = SL.el("div", { class: "bar " + kind });
    if (value === null || value === undefined) return holder;
    const fill = SL.el("span");
    if (kind === "importance") {
      fill.style.width = (100 * Math.max(0, Math.min(1, value))).toFixed(1) + "%";
    } else {
      // Green where raising the parameter moves the metric the right way for the goal.
      const helps = goal === "maximize" ? value >= 0 : value < 0;
      fill.className = (value >= 0 ? "pos" : "neg") + (helps ? " good" : " bad");
      fill.style.width = (50 * Math.min(1, Math.abs(value))).toFixed(1) + "%";
    }
    holder.append(fill);
    return holder;
  }

  function renderImportance(importance, goal) {
    $("importance-note").textContent = importance.note || "over " + importance.run_count + " runs";
    const body = $("importance-table").querySelector("tbody");
    body.replaceChildren(...importance.rows.map((row) => SL.el("tr", {},
      SL.el("td", { class: "mono", text: row.name }),
      SL.el("td", { class: "num", text: row.importance === null ? "—" : row.importance.toFixed(3) }),
      SL.el("td", {}, bar("importance", row.importance)),
      SL.el("td", { class: "num", text: row.correlation === null ? "—" : row.correlation.toFixed(3) }),
      SL.el("td", {}, bar("correlation", row.correlation, goal)))));
  }

  /** One tick per power of ten over log10 values, labelled 1e<n>. */
  function logTicks(values) {
    const finite = values.filter((v) => v !== null && Number.isFinite(v));
    const ticks = [];
    for (let e = Math.floor(Math.min(...finite)); e <= Math.ceil(Math.max(...finite)); e++) {
      ticks.push({ value: e, text: "1e" + e });
    }
    return ticks;
  }

  // Drawn by parallel.js on a canvas, not by plotly (parallel.js says why): it needs no
  // plotly.js, so it shows as soon as the analysis arrives.
  function renderParallel(data) {
    const parallel = data.parallel;
    const div = $("parallel");
    const note = $("parallel-note");
    const shown = parallel.shown < parallel.total
      ? parallel.shown + " of " + parallel.total + " runs (evenly sampled)" : parallel.total + " runs";
    note.textContent = shown;
    if (!parallel.shown || !data.metric) {
      SLParallel.forget(div);
      div.replaceChildren(SL.el("p", { class: "empty", text: "No run has reported the metric yet." }));
      div.dataset.rendered = "empty";
      return;
    }
    const axes = parallel.dimensions.map((dimension) => {
      if (dimension.categories) {
        return { label: dimension.name, values: dimension.values,
          ticks: dimension.categories.map((category, index) => ({ value: index, text: String(category) })) };
      }
      if (dimension.log && dimension.values.some((v) => v > 0)) {
        const logged = dimension.values.map((v) => (v !== null && v > 0 ? Math.log10(v) : null));
        return { label: dimension.name + " (log)", values: logged, ticks: logTicks(logged) };
      }
      return { label: dimension.name, values: dimension.values };
    });
    axes.push({ label: data.metric.name, values: parallel.metric });
    SLParallel.draw(div, {
      axes,
      color: parallel.metric,
      reverse: data.metric.goal === "minimize", // the best runs take the bright end of the scale
      onSelect: (kept, total, filtered) => {
        note.textContent = filtered ? shown + "; " + kept + " inside the filters (click an axis to clear its filter)" : shown;
      },
    });
    div.dataset.rendered = String(parallel.shown);
  }

  function renderScatter(data) {
    const scatter = data.scatter;
    const div = $("scatter");
    if (!scatter.values.length) {
      div.replaceChildren(SL.el("p", { class: "empty", text: "No run has reported the metric yet." }));
      div.dataset.rendered = "empty";
      return;
    }
    $("scatter-note").textContent = scatter.values.length < scatter.total
      ? scatter.values.length + " of " + scatter.total + " runs" : scatter.total + " runs";
    // SVG, not WebGL: the server caps the points, and SVG draws fast even without a GPU.
    const points = { type: "scatter", mode: "markers", name: "runs", x: scatter.time_ms, y: scatter.values,
      customdata: scatter.run_ids,
      marker: { size: 6, opacity: 0.8, color: scatter.states.map((s) => STATE_COLORS[s] || "#98a2b3") },
      hovertemplate: "%{y:.5g}<br>run %{customdata}<extra></extra>" };
    const best = { type: "scatter", mode: "lines", name: "best so far", x: scatter.best_time_ms,
      y: scatter.best_values, line: { shape: "hv", color: "#111827", width: 1.5 }, hoverinfo: "skip" };
    const layout = JSON.parse(JSON.stringify(SL.plotLayout));
    layout.xaxis.type = "date";
    layout.yaxis.title = { text: SL.plotlyText(data.metric ? data.metric.name : "metric") };
    layout.showlegend = false;
    Plotly.react(div, [points, best], layout, SL.plotConfig);
    div.dataset.rendered = String(scatter.values.length);
    if (!div.dataset.clicks) {
      div.dataset.clicks = "1";
      div.on("plotly_click", (event) => {
        const runId = event.points && event.points[0] && event.points[0].customdata;
        if (runId) window.location.href = SL.base + "/runs/" + encodeURIComponent(runId);
      });
    }
  }

  function renderTopRuns(data) {
    const table = $("top-runs");
    const rows = data.top_runs;
    if (!rows.length) {
      table.querySelector("tbody").replaceChildren(SL.el("tr", {}, SL.el("td", { class: "empty", text: "No results yet." })));
      return;
    }
    const params = Object.keys(rows[0].params);
    table.querySelector("thead").replaceChildren(SL.el("tr", {},
      SL.el("th", { text: "#" }), SL.el("th", { text: "Run" }), SL.el("th", { text: "State" }),
      SL.el("th", { class: "num", text: data.metric.name }),
      ...params.map((name) => SL.el("th", { class: "num", text: name }))));
    table.querySelector("tbody").replaceChildren(...rows.map((row, index) => SL.el("tr", {},
      SL.el("td", { text: String(index + 1) }),
      SL.el("td", { class: "name" }, runLink(row.run_id, row.name)),
      SL.el("td", {}, SL.stateBadge(row.state)),
      SL.el("td", { class: "num", text: SL.formatNumber(row.value) }),
      ...params.map((name) => SL.el("td", { class: "num", text: SL.formatNumber(row.params[name]) })))));
  }

  function renderDecisions(decisions) {
    const current = $("decisions-current");
    if (!current) return;
    const empty = (text) => SL.el("tr", {}, SL.el("td", { colspan: "3", class: "empty", text }));
    current.querySelector("tbody").replaceChildren(...(decisions.current.length ? decisions.current.map((row) =>
      SL.el("tr", {}, SL.el("td", { class: "name" }, runLink(row.run_id, row.name)),
        SL.el("td", {}, SL.el("span", { class: "badge " + (row.should_stop ? "state-stopped" : "state-running"),
          text: row.should_stop ? "stop" : "continue" })),
        SL.el("td", { class: "wrap", text: row.reason }))) : [empty("No running run has reached a band.")]));
    $("decisions-stopped").querySelector("tbody").replaceChildren(...(decisions.stopped.length ? decisions.stopped.map((row) =>
      SL.el("tr", {}, SL.el("td", { class: "name" }, runLink(row.run_id, row.name)),
        SL.el("td", {}, SL.stateBadge(row.state)), SL.el("td", { class: "wrap", text: row.reason }))) : [empty("No run stopped early yet.")]));
  }

  // plotly.js is the page's last script: the parser waits for its download while this script's
  // request for the analysis runs, so the tables and the parallel coordinates (which need no
  // plotly) usually show first. It has run (or failed to load) by DOMContentLoaded.
  const plotlyLoaded = new Promise((resolve) => {
    const check = () => {
      if (!window.Plotly) {
        $("scatter").replaceChildren(SL.el("p", { class: "empty", text: "Chart unavailable: plotly.js did not load." }));
      }
      resolve(Boolean(window.Plotly));
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", check);
    else check();
  });
  const MIN_REFRESH_MS = 3000; // live changes redraw at most this often (the server caches ~5 s)
  let loading = false;
  let again = false;
  let lastRefresh = 0;
  let timer = 0;

  async function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    lastRefresh = Date.now();
    try {
      const data = await SL.fetchJSON("/dashboard/data/sweeps/" + encodeURIComponent(sweepId));
      performance.mark("sweeplab:analysis-received");
      // Everything that needs no plotly first, so it shows while plotly.js loads. The parallel
      // coordinates read their container's size: before the tables change the page, that needs
      // no extra layout pass.
      renderParallel(data);
      performance.mark("sweeplab:parallel-drawn");
      renderHeader(data);
      renderImportance(data.importance, data.metric ? data.metric.goal : "minimize");
      renderTopRuns(data);
      renderDecisions(data.decisions);
      if (await plotlyLoaded) {
        performance.mark("sweeplab:plotly-ready");
        renderScatter(data);
        performance.mark("sweeplab:scatter-drawn");
      }
    } catch (error) {
      $("action-message").textContent = "could not load: " + error.message;
    }
    loading = false;
    if (again) { again = false; refreshSoon(); }
  }

  function refreshSoon() {
    if (timer) return;
    const wait = Math.max(0, MIN_REFRESH_MS - (Date.now() - lastRefresh));
    timer = setTimeout(() => { timer = 0; refresh(); }, wait);
  }

  document.querySelectorAll("#sweep-actions [data-action]").forEach((button) => {
    button.addEventListener("click", async () => {
      const action = button.dataset.action;
      if ((action === "stop" || action === "cancel") &&
          !window.confirm(action === "cancel" ? "Cancel this sweep and stop its running runs?" : "Stop this sweep? Running runs finish; no new runs start.")) return;
      const message = $("action-message");
      message.textContent = action + "…";
      try {
        await SL.apiPost("/api/v1/sweeps/" + encodeURIComponent(sweepId) + "/" + action);
        message.textContent = "done: " + action;
        refresh();
      } catch (error) {
        message.textContent = action + " failed: " + error.message;
      }
    });
  });

  refresh();
  if (head.dataset.live === "true") {
    SL.live("/dashboard/live/sweeps/" + encodeURIComponent(sweepId), { sweep: refreshSoon });
  }
})();
