/* Parallel coordinates on a 2D canvas (lines) under an SVG overlay (axes, labels, filters).
 *
 * Why not plotly's parcoords: it draws with WebGL, and without a GPU (a VM, a remote desktop,
 * headless Chromium) its three WebGL layers spend ~1 s compiling shaders in software before a
 * single line shows, whatever the number of lines; Chrome 139+ no longer falls back to software
 * WebGL by default, leaving such a chart blank. A 2D canvas draws 1,000 runs in ~15 ms anywhere
 * and needs no plotly.js, so the chart shows as soon as the analysis arrives.
 *
 * Same reading as plotly's: one vertical axis per dimension, one line per run coloured by the
 * last dimension (the metric, Viridis); drag along an axis to keep only the runs inside that
 * range (several axes combine), click an axis to clear its range. Ranges survive redraws (live
 * updates, resizes) by axis label. Text reaches the page through textContent only. */
"use strict";

const SLParallel = (() => {
  const SVG = "http://www.w3.org/2000/svg";
  const MARGIN = { left: 70, right: 90, top: 40, bottom: 24 };
  // plotly's Viridis, so the colours read as they did with plotly's parcoords.
  const VIRIDIS = ["#440154", "#48186a", "#472d7b", "#424086", "#3b528b", "#33638d", "#2c728e",
    "#26828e", "#21918c", "#1fa088", "#28ae80", "#3fbc73", "#5ec962", "#84d44b", "#addc30",
    "#d8e219", "#fde725"];
  const COLOR_BINS = 64; // lines are stroked per colour bin: 64 strokes instead of one per run
  const CONTEXT_COLOR = "rgba(152, 162, 179, 0.35)"; // runs outside a filter
  const CLICK_PIXELS = 3; // a drag shorter than this is a click (clears the axis's filter)
  const MIN_TICK_PIXELS = 14; // vertical room one tick label needs
  const states = new WeakMap(); // container -> {ranges: {label: [lo, hi]}, observer, spec}

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function hexToRgb(hex) {
    return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  }

  /** The Viridis colour at t in [0, 1], as an rgb() string. */
  function viridis(t) {
    const x = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
    const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
    const a = hexToRgb(VIRIDIS[i]);
    const b = hexToRgb(VIRIDIS[i + 1]);
    const f = x - i;
    return "rgb(" + a.map((v, k) => Math.round(v + (b[k] - v) * f)).join(",") + ")";
  }

  const finite = (v) => v !== null && v !== undefined && Number.isFinite(v);

  /** [lo, hi] of the finite values, widened when all are equal (or there are none). */
  function extent(values) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      if (!finite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo > hi) return [0, 1];
    if (lo === hi) return lo === 0 ? [-1, 1] : [lo - Math.abs(lo) * 0.1, hi + Math.abs(hi) * 0.1];
    return [lo, hi];
  }

  /** About five round tick values inside [lo, hi] (1, 2 or 5 times a power of ten apart). */
  function niceTicks(lo, hi) {
    const rough = (hi - lo) / 5;
    const power = Math.pow(10, Math.floor(Math.log10(rough)));
    const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) || rough;
    // Enough significant digits to tell neighbouring ticks apart, and no more.
    const magnitude = Math.floor(Math.log10(Math.max(Math.abs(lo), Math.abs(hi))));
    const digits = Math.max(1, Math.min(15, magnitude - Math.floor(Math.log10(step)) + 1));
    const ticks = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
      const rounded = Number(v.toPrecision(12));
      ticks.push({ value: rounded, text: String(Number(rounded.toPrecision(digits))) });
    }
    return ticks;
  }

  /** Axes as drawn: the caller's axis plus its value range and ticks (at most one label per
   * MIN_TICK_PIXELS: an axis with many categories labels every k-th). */
  function layoutAxes(axes, plotHeight) {
    const room = Math.max(2, Math.floor(plotHeight / MIN_TICK_PIXELS));
    return axes.map((axis) => {
      const domain = axis.ticks && axis.ticks.length
        ? extent(axis.values.concat(axis.ticks.map((t) => t.value)))
        : extent(axis.values);
      const all = (axis.ticks || niceTicks(domain[0], domain[1]))
        .filter((t) => t.value >= domain[0] && t.value <= domain[1]);
      const every = Math.ceil(all.length / room);
      return { ...axis, domain, ticks: all.filter((_, i) => i % every === 0) };
    });
  }

  /** ``text`` cut to about ``pixels`` wide (labels are ~7 px a character at 12 px). */
  function fit(text, pixels) {
    const chars = Math.max(4, Math.floor(pixels / 7));
    return text.length <= chars ? text : text.slice(0, chars - 1) + "\u2026";
  }

  function geometry(container, axisCount) {
    const width = Math.max(200, container.clientWidth);
    const height = Math.max(120, container.clientHeight);
    const plotWidth = width - MARGIN.left - MARGIN.right;
    const plotHeight = height - MARGIN.top - MARGIN.bottom;
    const spacing = axisCount > 1 ? plotWidth / (axisCount - 1) : plotWidth;
    const x = (i) => MARGIN.left + (axisCount > 1 ? spacing * i : plotWidth / 2);
    return { width, height, plotHeight, spacing, x };
  }

  const toY = (g, axis, v) =>
    MARGIN.top + (1 - (v - axis.domain[0]) / (axis.domain[1] - axis.domain[0])) * g.plotHeight;
  const fromY = (g, axis, y) =>
    axis.domain[0] + (1 - (y - MARGIN.top) / g.plotHeight) * (axis.domain[1] - axis.domain[0]);

  /** Which runs pass every axis's range. */
  function selection(axes, ranges, count) {
    const selected = new Uint8Array(count).fill(1);
    for (const axis of axes) {
      const range = ranges[axis.label];
      if (!range) continue;
      for (let r = 0; r < count; r++) {
        const v = axis.values[r];
        if (!finite(v) || v < range[0] || v > range[1]) selected[r] = 0;
      }
    }
    return selected;
  }

  function drawLines(canvas, g, axes, spec, selected) {
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(g.width * ratio);
    canvas.height = Math.round(g.height * ratio);
    const context = canvas.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, g.width, g.height);
    context.lineWidth = 1;
    context.lineJoin = "round";
    const count = spec.color.length;
    const [cLo, cHi] = extent(spec.color);
    const bins = Array.from({ length: COLOR_BINS + 1 }, () => []); // last bin: filtered out
    for (let r = 0; r < count; r++) {
      let t = finite(spec.color[r]) ? (spec.color[r] - cLo) / (cHi - cLo) : 0;
      if (spec.reverse) t = 1 - t;
      bins[selected[r] ? Math.min(COLOR_BINS - 1, Math.floor(t * COLOR_BINS)) : COLOR_BINS].push(r);
    }
    const trace = (runs) => {
      context.beginPath();
      for (const r of runs) {
        let pen = false;
        axes.forEach((axis, i) => {
          const v = axis.values[r];
          if (!finite(v)) { pen = false; return; } // a missing value breaks the line
          const x = g.x(i);
          const y = toY(g, axis, v);
          if (pen) context.lineTo(x, y); else context.moveTo(x, y);
          pen = true;
        });
      }
      context.stroke();
    };
    context.strokeStyle = CONTEXT_COLOR;
    trace(bins[COLOR_BINS]);
    context.globalAlpha = 0.75;
    // Low bins first: the runs with the best metric (the top of the colour scale) end on top.
    for (let b = 0; b < COLOR_BINS; b++) {
      if (!bins[b].length) continue;
      context.strokeStyle = viridis((b + 0.5) / COLOR_BINS);
      trace(bins[b]);
    }
    context.globalAlpha = 1;
  }

  function drawColorbar(overlay, g, spec) {
    const [lo, hi] = extent(spec.color);
    const x = g.width - MARGIN.right + 34;
    // Bottom to top, as the values run; reversed, the lowest value takes the top colour.
    const gradient = svg("linearGradient", { id: "sl-parallel-scale", x1: 0, y1: 1, x2: 0, y2: 0 });
    const last = VIRIDIS.length - 1;
    VIRIDIS.forEach((_, i) => {
      gradient.append(svg("stop", { offset: i / last, "stop-color": VIRIDIS[spec.reverse ? last - i : i] }));
    });
    const defs = svg("defs");
    defs.append(gradient);
    overlay.append(defs, svg("rect", { class: "colorbar", x, y: MARGIN.top, width: 10, height: g.plotHeight,
      fill: "url(#sl-parallel-scale)" }));
    const scale = { domain: [lo, hi] };
    for (const tick of niceTicks(lo, hi)) {
      const y = toY(g, scale, tick.value);
      overlay.append(svg("text", { class: "tick", x: x + 14, y: y + 4 }, tick.text));
    }
  }

  function drawAxes(overlay, g, axes, ranges) {
    axes.forEach((axis, i) => {
      const x = g.x(i);
      const group = svg("g", { class: "axis", "data-axis": i });
      group.append(svg("line", { x1: x, x2: x, y1: MARGIN.top, y2: MARGIN.top + g.plotHeight }));
      for (const tick of axis.ticks) {
        const y = toY(g, axis, tick.value);
        group.append(svg("line", { x1: x - 4, x2: x, y1: y, y2: y }),
          svg("text", { class: "tick", x: x - 7, y: y + 4, "text-anchor": "end" }, tick.text));
      }
      const title = svg("g");
      title.append(svg("title", {}, axis.label), // the full name on hover
        svg("text", { class: "axis-title", x, y: MARGIN.top - 16, "text-anchor": "middle" }, fit(axis.label, g.spacing - 8)));
      group.append(title);
      const range = ranges[axis.label];
      if (range) {
        const top = toY(g, axis, range[1]);
        group.append(svg("rect", { class: "brush", x: x - 5, width: 10, y: top, height: toY(g, axis, range[0]) - top }));
      }
      group.append(svg("rect", { class: "axis-hit", x: x - 12, width: 24, y: MARGIN.top - 6,
        height: g.plotHeight + 12, "data-axis": i }));
      overlay.append(group);
    });
  }

  /** Draw (or redraw) the chart in ``container``.
   * spec: {axes: [{label, values, ticks?: [{value, text}]}], color: [metric per run],
   *        reverse: bool (the lowest value takes the top colour),
   *        onSelect?: (kept, total, filtered) => void, told the runs inside every range} */
  function draw(container, spec) {
    let state = states.get(container);
    if (!state) {
      state = { ranges: {}, observer: null, spec: null };
      states.set(container, state);
    }
    state.spec = spec;
    const g = geometry(container, spec.axes.length);
    const axes = layoutAxes(spec.axes, g.plotHeight);
    const labels = new Set(axes.map((axis) => axis.label));
    for (const label of Object.keys(state.ranges)) if (!labels.has(label)) delete state.ranges[label];
    const canvas = document.createElement("canvas");
    canvas.className = "parallel-lines";
    canvas.style.width = g.width + "px";
    canvas.style.height = g.height + "px";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", "parallel coordinates of " + spec.color.length + " runs");
    const overlay = svg("svg", { class: "parcoords", width: g.width, height: g.height });
    const count = spec.color.length;
    let selected = selection(axes, state.ranges, count);
    drawLines(canvas, g, axes, spec, selected);
    drawAxes(overlay, g, axes, state.ranges);
    drawColorbar(overlay, g, spec);
    const report = () => {
      if (!spec.onSelect) return;
      let kept = 0;
      for (let r = 0; r < count; r++) kept += selected[r];
      spec.onSelect(kept, count, Object.keys(state.ranges).length > 0);
    };
    const redraw = () => {
      selected = selection(axes, state.ranges, count);
      drawLines(canvas, g, axes, spec, selected);
      overlay.querySelectorAll(".axis").forEach((node) => node.remove());
      drawAxes(overlay, g, axes, state.ranges);
      report();
    };
    listenForBrushes(overlay, g, axes, state, redraw);
    container.classList.add("parallel-chart");
    container.replaceChildren(canvas, overlay);
    report();
    watchSize(container, state);
  }

  function listenForBrushes(overlay, g, axes, state, redraw) {
    let drag = null;
    let frame = 0;
    const pointY = (event) => event.clientY - overlay.getBoundingClientRect().top;
    overlay.addEventListener("pointerdown", (event) => {
      const hit = event.target.closest && event.target.closest(".axis-hit");
      if (!hit) return;
      event.preventDefault();
      drag = { axis: axes[Number(hit.dataset.axis)], start: pointY(event), moved: false };
      overlay.setPointerCapture(event.pointerId);
    });
    overlay.addEventListener("pointermove", (event) => {
      if (!drag) return;
      const y = Math.max(MARGIN.top, Math.min(MARGIN.top + g.plotHeight, pointY(event)));
      if (!drag.moved && Math.abs(y - drag.start) < CLICK_PIXELS) return;
      drag.moved = true;
      const a = fromY(g, drag.axis, y);
      const b = fromY(g, drag.axis, drag.start);
      state.ranges[drag.axis.label] = [Math.min(a, b), Math.max(a, b)];
      if (!frame) frame = requestAnimationFrame(() => { frame = 0; redraw(); });
    });
    const end = () => {
      if (!drag) return;
      if (!drag.moved) delete state.ranges[drag.axis.label];
      drag = null;
      redraw();
    };
    overlay.addEventListener("pointerup", end);
    overlay.addEventListener("pointercancel", end);
  }

  /** Redraw at the new size when the container's width changes (window resized). */
  function watchSize(container, state) {
    if (state.observer || !window.ResizeObserver) return;
    let width = container.clientWidth;
    let frame = 0;
    state.observer = new ResizeObserver(() => {
      if (container.clientWidth === width || frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        width = container.clientWidth;
        if (state.spec) draw(container, state.spec);
      });
    });
    state.observer.observe(container);
  }

  /** Stop following ``container`` (it shows something else now) and drop its ranges. */
  function forget(container) {
    const state = states.get(container);
    if (state && state.observer) state.observer.disconnect();
    states.delete(container);
    container.classList.remove("parallel-chart");
  }

  return { draw, forget, viridis, niceTicks };
})();
