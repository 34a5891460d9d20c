/* sweeplab dashboard: helpers shared by every page. No build step; plain ES2018.
 * Data never reaches innerHTML: text goes through textContent, and names shown by plotly are
 * escaped first (plotly renders a subset of HTML in labels). */
"use strict";

const SL = (() => {
  const base = document.body.dataset.base || "";
  const palette = ["#4f46e5", "#f97316", "#10b981", "#e11d48", "#0ea5e9", "#a855f7", "#84cc16",
    "#f59e0b", "#14b8a6", "#64748b", "#db2777", "#22c55e", "#6366f1", "#ea580c", "#0891b2",
    "#7c3aed", "#65a30d", "#dc2626", "#2563eb", "#ca8a04"];

  /** Build an element; children are nodes or strings (set as text, never parsed as HTML). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /** Text made inert for plotly labels, hover text and legends. */
  function plotlyText(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function formatNumber(value) {
    if (value === null || value === undefined) return "—";
    if (typeof value !== "number") return String(value);
    if (Number.isInteger(value) && Math.abs(value) < 1e6) return String(value);
    return Number(value.toPrecision(4)).toString();
  }

  async function fetchJSON(path) {
    const response = await fetch(base + path, { credentials: "same-origin" });
    if (!response.ok) {
      let message = response.status + " " + response.statusText;
      try { message = (await response.json()).error.message || message; } catch (_) { /* not JSON */ }
      throw new Error(message);
    }
    return response.json();
  }

  /** POST to the REST API with the header cookie-authenticated writes need. */
  async function apiPost(path, body) {
    const response = await fetch(base + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Sweeplab-Request": "1" },
      body: JSON.stringify(body || {}),
    });
    let payload = null;
    try { payload = await response.json(); } catch (_) { /* empty body */ }
    if (!response.ok) {
      const message = payload && payload.error ? payload.error.message : response.statusText;
      throw new Error(message + " (HTTP " + response.status + ")");
    }
    return payload;
  }

  /** Follow a server-sent event stream; handlers by event name. Closes on a final "end". */
  function live(path, handlers) {
    if (!window.EventSource) return null;
    const source = new EventSource(base + path, { withCredentials: true });
    for (const [name, handler] of Object.entries(handlers)) {
      source.addEventListener(name, (event) => handler(JSON.parse(event.data), event));
    }
    source.addEventListener("end", (event) => {
      const data = JSON.parse(event.data);
      // "stream lifetime reached" is followed by the browser's automatic reconnect.
      if (data.reason === "finished" || data.reason === "server shutting down") source.close();
      if (handlers.end) handlers.end(data);
    });
    return source;
  }

  function stateBadge(state) {
    const badge = el("span", { class: "badge state-" + state, "data-state-badge": true });
    if (state === "running") badge.append(el("span", { class: "running-dot" }));
    badge.append(document.createTextNode(state));
    return badge;
  }

  function formatDuration(seconds) {
    if (seconds === null || seconds === undefined || seconds < 0) return "";
    if (seconds < 60) return seconds.toFixed(1) + "s";
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + "m " + String(Math.floor(seconds % 60)).padStart(2, "0") + "s";
    return Math.floor(minutes / 60) + "h " + String(minutes % 60).padStart(2, "0") + "m";
  }

  const plotConfig = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
  const plotLayout = {
    margin: { l: 56, r: 16, t: 10, b: 40 },
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    font: { family: "system-ui, -apple-system, Segoe UI, Roboto, DejaVu Sans, sans-serif", size: 12, color: "#344054" },
    xaxis: { gridcolor: "#eef0f3", zerolinecolor: "#d0d5dd" },
    yaxis: { gridcolor: "#eef0f3", zerolinecolor: "#d0d5dd" },
    hoverlabel: { font: { family: "ui-monospace, Menlo, DejaVu Sans Mono, monospace", size: 12 } },
  };

  return { base, palette, el, plotlyText, formatNumber, fetchJSON, apiPost, live, stateBadge,
    formatDuration, plotConfig, plotLayout };
})();
