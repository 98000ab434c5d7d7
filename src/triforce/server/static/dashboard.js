// Triforce dashboard: polls /v1/stats and /v1/requests and draws inline SVG charts.
// No libraries and no network beyond this server. Every drawn datum carries
// data-* attributes (data-key, data-value) so tests and users can read it back.
"use strict";

(function () {
  const SVG_NS = "http://www.w3.org/2000/svg";
  const POLL_MS = Math.max(500, parseInt(document.querySelector('meta[name="poll-ms"]').content, 10) || 2000);
  const KEY_STORE = "triforce-api-key";
  const WINDOW_S = 900, BUCKET_S = 15;   // latency chart: the last 15 minutes in 15-second buckets
  const EXPERT_COLORS = {
    din: "#d9534f", nayru: "#4b7bd1", farore: "#3fa66b", veran: "#8e5bc7", ganon: "#5b5b66",
    zelda: "#c9a227", link: "#2a9d8f", impa: "#e07b39", tingle: "#9bbf3a", fallback: "#a7a39a",
  };

  function colorFor(name) {
    if (EXPERT_COLORS[name]) return EXPERT_COLORS[name];
    let hash = 0;
    for (const ch of String(name)) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
    return "hsl(" + (hash % 360) + ",55%,50%)";
  }

  function el(tag, attrs, parent, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null) node.setAttribute(key, String(value));
    }
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function reset(svg, width, height) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
    return svg;
  }

  function empty(svg, message) {
    reset(svg, 400, 60);
    svg.setAttribute("data-points", "0");
    el("text", { x: 200, y: 34, "text-anchor": "middle", class: "empty" }, svg, message);
  }

  function fmt(value, digits) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    return Number(value).toFixed(digits === undefined ? 0 : digits);
  }

  // Horizontal bars: [{key, value, label, color}], value axis from 0 to max.
  function barChart(svg, items, options) {
    if (!items.length) return empty(svg, options.emptyText || "no data yet");
    const rowH = 22, left = 92, right = 48, width = 420;
    const height = items.length * rowH + 10;
    reset(svg, width, height);
    svg.setAttribute("data-points", String(items.length));
    const max = options.max || Math.max(...items.map((d) => d.value), 1e-9);
    const span = width - left - right;
    items.forEach((d, i) => {
      const y = 5 + i * rowH;
      el("text", { x: left - 8, y: y + 14, "text-anchor": "end" }, svg, d.label || d.key);
      el("rect", { x: left, y: y + 2, width: span, height: rowH - 6, fill: "#f0eee8", rx: 3 }, svg);
      const bar = el("rect", {
        class: "bar", x: left, y: y + 2, width: Math.max(1, (d.value / max) * span), height: rowH - 6,
        fill: d.color || "#4b7bd1", rx: 3, "data-key": d.key, "data-value": d.value,
      }, svg);
      el("title", {}, bar, (d.label || d.key) + ": " + options.format(d.value));
      el("text", { x: left + span + 6, y: y + 14, class: "muted" }, svg, options.format(d.value));
    });
  }

  function donut(svg, rate, total) {
    reset(svg, 220, 150);
    svg.setAttribute("data-points", String(total));
    const cx = 110, cy = 72, r = 54, stroke = 18;
    const circumference = 2 * Math.PI * r;
    el("circle", { cx, cy, r, fill: "none", stroke: "#e9e6de", "stroke-width": stroke }, svg);
    const arc = el("circle", {
      class: "arc", cx, cy, r, fill: "none", stroke: "#d9534f", "stroke-width": stroke,
      "stroke-dasharray": (rate * circumference) + " " + circumference,
      transform: "rotate(-90 " + cx + " " + cy + ")", "data-key": "fallback_rate", "data-value": rate,
    }, svg);
    el("title", {}, arc, "fallback rate " + fmt(rate * 100, 1) + "%");
    el("text", { x: cx, y: cy + 6, "text-anchor": "middle", "font-size": 20, "font-weight": 600 }, svg,
      fmt(rate * 100, 1) + "%");
    el("text", { x: cx, y: 145, "text-anchor": "middle", class: "muted" }, svg, total + " routed queries");
  }

  // Latency over time: bars for request counts, lines for avg and p95 (ms), over
  // the whole window the server summarised (so an idle stretch shows as a gap).
  function latencyChart(svg, stats) {
    const series = stats.latency_series || [];
    if (!series.length) return empty(svg, "no requests in the last " + Math.round(WINDOW_S / 60) + " minutes");
    const width = 900, height = 200, left = 52, right = 40, top = 10, bottom = 26;
    reset(svg, width, height);
    svg.setAttribute("data-points", String(series.length));
    const now = stats.generated_at || Date.now() / 1000;
    const t0 = now - WINDOW_S, span = WINDOW_S;
    const plotW = width - left - right;
    const x = (t) => left + Math.min(1, Math.max(0, (t + BUCKET_S / 2 - t0) / span)) * plotW;
    const maxMs = Math.max(...series.map((b) => b.p95_ms || b.avg_ms || 0), 1);
    const maxCount = Math.max(...series.map((b) => b.count), 1);
    const y = (ms) => top + (1 - ms / maxMs) * (height - top - bottom);
    for (let i = 0; i <= 4; i++) {
      const ms = (maxMs * i) / 4, gy = y(ms);
      el("line", { x1: left, x2: width - right, y1: gy, y2: gy, class: "grid" }, svg);
      el("text", { x: left - 6, y: gy + 4, "text-anchor": "end", class: "muted" }, svg, fmt(ms) + " ms");
    }
    const barW = Math.max(2, (plotW / (WINDOW_S / BUCKET_S)) * 0.7);
    series.forEach((b) => {
      const h = (b.count / maxCount) * (height - top - bottom) * 0.35;
      const bar = el("rect", {
        class: "count", x: x(b.t) - barW / 2, y: height - bottom - h, width: barW, height: Math.max(h, 1),
        fill: b.errors ? "#e8b4b4" : "#d8d3c4", "data-key": String(b.t), "data-value": b.count,
      }, svg);
      el("title", {}, bar, new Date(b.t * 1000).toLocaleTimeString() + ": " + b.count + " requests, "
        + b.errors + " errors, avg " + fmt(b.avg_ms) + " ms");
    });
    for (const [field, color] of [["p95_ms", "#d9534f"], ["avg_ms", "#4b7bd1"]]) {
      const points = series.filter((b) => b[field] !== null && b[field] !== undefined);
      if (!points.length) continue;
      const d = points.map((b, i) => (i ? "L" : "M") + x(b.t).toFixed(1) + " " + y(b[field]).toFixed(1)).join(" ");
      el("path", { class: "line", d, fill: "none", stroke: color, "stroke-width": 2, "data-key": field,
        "data-value": points.length }, svg);
      points.forEach((b) => el("circle", { class: "point", cx: x(b.t), cy: y(b[field]), r: 3, fill: color,
        "data-key": field, "data-value": b[field] }, svg));
    }
    el("text", { x: left, y: height - 6, class: "muted" }, svg, new Date(t0 * 1000).toLocaleTimeString());
    el("text", { x: width - right, y: height - 6, "text-anchor": "end", class: "muted" }, svg,
      new Date(now * 1000).toLocaleTimeString());
    el("text", { x: width - right + 4, y: top + 10, fill: "#d9534f" }, svg, "p95");
    el("text", { x: width - right + 4, y: top + 24, fill: "#4b7bd1" }, svg, "avg");
  }

  function blockColor(block, step) {
    if (block.assembles === false || block.equivalent === false) return "#d64545";
    if (step.toolkit) return "#4b7bd1";
    if (block.assembles === true) return "#2e9d5b";
    return "#b9b6ad";
  }

  // One row per request: time, plan steps as coloured boxes with a dot per code
  // block (its verdict), a confidence bar, a latency bar and the query.
  function requestsChart(svg, requests) {
    if (!requests.length) return empty(svg, "no requests yet");
    const width = 900, rowH = 26, height = requests.length * rowH + 24;
    reset(svg, width, height);
    svg.setAttribute("data-points", String(requests.length));
    const maxLatency = Math.max(...requests.map((r) => r.latency_ms || 0), 1);
    ["time", "plan → steps (dots: code blocks)", "confidence", "latency", "query"].forEach((h, i) =>
      el("text", { x: [4, 80, 400, 490, 600][i], y: 12, class: "muted" }, svg, h));
    requests.forEach((r, i) => {
      const y = 20 + i * rowH;
      const row = el("g", { class: "request", "data-key": r.id, "data-value": r.steps.length,
        "data-status": r.status, "data-plan": r.plan }, svg);
      el("text", { x: 4, y: y + 15 }, row, new Date(r.ts * 1000).toLocaleTimeString());
      let sx = 80;
      const steps = r.steps.length ? r.steps : r.experts.map((e) => ({ expert: e, blocks: [], status: r.status }));
      steps.forEach((step, k) => {
        const label = step.expert || "?";
        const w = 20 + label.length * 7.5 + step.blocks.length * 9;
        const box = el("rect", { class: "step", x: sx, y: y + 2, width: w, height: rowH - 6, rx: 4,
          fill: colorFor(label), opacity: step.status === "ok" ? 1 : 0.45,
          "data-key": label, "data-value": step.blocks.length, "data-status": step.status }, row);
        el("title", {}, box, label + " (" + (step.backend || "?") + ", " + step.status + ", "
          + (step.repair_rounds || 0) + " repair rounds)");
        el("text", { x: sx + 6, y: y + 15, fill: "#fff" }, row, label);
        step.blocks.forEach((block, b) => {
          const dot = el("circle", { class: "verdict", cx: sx + 14 + label.length * 7.5 + b * 9, cy: y + rowH / 2 - 1,
            r: 3.5, fill: blockColor(block, step), stroke: "#fff",
            "data-key": (block.assembles === true ? "assembles" : block.assembles === false ? "fails" : "unchecked"),
            "data-value": block.equivalent === null || block.equivalent === undefined ? "" : String(block.equivalent) }, row);
          el("title", {}, dot, "assembles: " + block.assembles + ", equivalent: " + block.equivalent
            + (block.bytes ? ", " + block.bytes + " bytes" : "")
            + (block.cycles ? ", " + block.cycles.join("–") + " cycles" : ""));
        });
        sx += w + (k < steps.length - 1 ? 14 : 0);
        if (k < steps.length - 1) el("text", { x: sx - 11, y: y + 15, class: "muted" }, row, "→");
      });
      const conf = r.confidence === null ? 0 : r.confidence;
      el("rect", { x: 400, y: y + 6, width: 80, height: 10, fill: "#f0eee8", rx: 2 }, row);
      el("rect", { class: "confidence", x: 400, y: y + 6, width: Math.max(1, conf * 80), height: 10,
        fill: "#c9a227", rx: 2, "data-key": r.id, "data-value": conf }, row);
      el("rect", { x: 490, y: y + 6, width: 100, height: 10, fill: "#f0eee8", rx: 2 }, row);
      el("rect", { class: "latency", x: 490, y: y + 6, width: Math.max(1, ((r.latency_ms || 0) / maxLatency) * 100),
        height: 10, fill: r.status === "ok" ? "#4b7bd1" : "#d9534f", rx: 2, "data-key": r.id,
        "data-value": r.latency_ms === null ? "" : r.latency_ms }, row);
      el("text", { x: 600, y: y + 15 }, row, (r.status !== "ok" ? "[" + r.status + "] " : "")
        + r.query.replace(/\s+/g, " ").slice(0, 48));
    });
  }

  function draw(stats, recent) {
    const dist = Object.entries(stats.expert_distribution || {})
      .map(([key, value]) => ({ key, value, color: colorFor(key) }));
    barChart(document.getElementById("chart-distribution"), dist,
      { format: (v) => fmt(v), emptyText: "no routed requests yet" });
    const conf = Object.entries(stats.intent_confidence_avg || {})
      .map(([key, value]) => ({ key, value, color: "#c9a227" }));
    barChart(document.getElementById("chart-confidence"), conf,
      { max: 1, format: (v) => fmt(v, 2), emptyText: "no routed requests yet" });
    donut(document.getElementById("chart-fallback"), stats.fallback_rate || 0, stats.total_queries || 0);
    latencyChart(document.getElementById("chart-latency"), stats);
    requestsChart(document.getElementById("chart-requests"), recent.requests || []);
  }

  function setStatus(state, text) {
    const status = document.getElementById("status");
    status.setAttribute("data-state", state);
    status.textContent = text;
  }

  async function getJSON(path) {
    const key = sessionStorage.getItem(KEY_STORE);
    const headers = key ? { Authorization: "Bearer " + key } : {};
    const response = await fetch(path, { headers, cache: "no-store" });
    if (response.status === 401) {
      const error = new Error("unauthorized");
      error.unauthorized = true;
      throw error;
    }
    if (!response.ok) throw new Error(path + ": HTTP " + response.status);
    return response.json();
  }

  let timer = null;
  async function refresh() {
    try {
      const [stats, recent] = await Promise.all([getJSON("/v1/stats?window_s=" + WINDOW_S + "&bucket_s=" + BUCKET_S), getJSON("/v1/requests?limit=20")]);
      draw(stats, recent);
      document.body.setAttribute("data-updated", String(Date.now()));
      setStatus("live", stats.total_queries + " queries · updated " + new Date().toLocaleTimeString());
    } catch (error) {
      if (error.unauthorized) {
        document.getElementById("key-form").hidden = false;
        setStatus("error", "API key needed");
        return;   // wait for the key; polling resumes on submit
      }
      setStatus("error", "cannot reach the server (" + error.message + ")");
    }
    timer = setTimeout(refresh, POLL_MS);
  }

  document.getElementById("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORE, document.getElementById("key-input").value);
    document.getElementById("key-form").hidden = true;
    clearTimeout(timer);
    refresh();
  });

  refresh();
})();
