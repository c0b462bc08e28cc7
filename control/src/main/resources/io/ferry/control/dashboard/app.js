// The Ferry dashboard: a page over the control plane's API, with the bearer token the operator types.
"use strict";

const CANARY_STEPS = [0, 5, 20, 40, 80, 100];
let token = sessionStorage.getItem("ferry-token");
let selected = null;
let current = null;
let eventsAbort = null;

const $ = (id) => document.getElementById(id);

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: Object.assign({ "Authorization": "Bearer " + token },
      body === undefined ? {} : { "Content-Type": "application/json" }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (response.status === 401) {
    signOut("the token was refused");
    throw new Error("unauthorised");
  }
  if (!response.ok) {
    throw new Error(json && json.error ? json.error : response.status + " " + response.statusText);
  }
  return json;
}

function signOut(reason) {
  token = null;
  sessionStorage.removeItem("ferry-token");
  $("main").hidden = true;
  $("signin").hidden = false;
  $("connection").textContent = "not signed in";
  if (reason) showError(reason);
}

async function refresh() {
  if (!token) return;
  try {
    const runs = await api("GET", "/api/v1/migrations");
    $("signin").hidden = true;
    $("main").hidden = false;
    $("connection").textContent = "signed in";
    const body = $("runs").querySelector("tbody");
    body.replaceChildren();
    for (const run of runs) {
      const row = document.createElement("tr");
      row.className = "clickable";
      row.dataset.run = run.id;
      const ratio = run.route ? run.route.ratio_percent + "%" : "-";
      for (const text of [run.id, run.phase, run.setup ? run.setup.strategy : "-", ratio]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.appendChild(cell);
      }
      row.addEventListener("click", () => select(run.id));
      body.appendChild(row);
    }
    if (selected) {
      show(await api("GET", "/api/v1/migrations/" + encodeURIComponent(selected)));
      drawCharts(await api("GET", "/api/v1/migrations/" + encodeURIComponent(selected) + "/stats"));
    }
  } catch (e) {
    if (e.message !== "unauthorised") showError(e.message);
  }
}

function select(id) {
  selected = id;
  $("run").hidden = false;
  followEvents(id);
  refresh();
}

function show(run) {
  current = run;
  $("run-id").textContent = run.id;
  $("phase").textContent = run.phase;
  $("strategy").textContent = run.setup ? run.setup.strategy : "-";
  $("endpoints").textContent = run.setup ? run.setup.source + " → " + run.setup.target : "-";
  const route = run.route;
  $("read-mode").textContent = route ? route.read_mode : "SOURCE (no route yet)";
  $("write-policy").textContent = route ? route.write_policy : "-";
  $("epoch").textContent = route ? route.epoch : "-";
  const ratio = route ? route.ratio_percent : 0;
  $("ratio").textContent = ratio;
  $("ratio-bar").style.width = ratio + "%";
  const copy = run.copy;
  if (copy) {
    // The source's key count while the scan runs (total), else what has been scanned so far.
    const of = copy.total > 0 ? copy.total : copy.scanned;
    const done = of > 0 ? Math.round(100 * copy.handled / of) : 0;
    $("copy-bar").style.width = (copy.state === "COMPLETE" ? 100 : Math.min(done, 100)) + "%";
    $("copy").textContent = copy.state + ": " + copy.copied + " copied, " + copy.skipped + " skipped, "
      + copy.failed + " failed of " + copy.scanned + " scanned" + (copy.total > 0 ? " (" + copy.total + " keys)" : "");
  } else {
    $("copy-bar").style.width = "0";
    $("copy").textContent = "not started";
  }
  const verify = run.verify;
  const walking = run.verify_progress;
  if (walking) {
    const done = walking.total > 0 ? Math.round(100 * walking.checked / walking.total) : 0;
    $("verify-bar").style.width = Math.min(done, 100) + "%";
    $("verify").textContent = "running against " + walking.endpoint + ": " + walking.checked + " of "
      + walking.total + " keys checked";
  } else {
    $("verify-bar").style.width = verify ? "100%" : "0";
    $("verify").textContent = verify
      ? (verify.exit_status === 0 ? "equal" : verify.exit_status === 1 ? "DIFFERENT" : "incomplete")
        + ": " + verify.keys_checked + " keys checked, " + verify.confirmed + " confirmed different"
      : "not run";
  }
  for (const button of $("actions").querySelectorAll("button")) {
    const action = button.dataset.action;
    const allowed = run.allowed_actions.includes(action === "next-step" ? "traffic" : action);
    button.disabled = !allowed || (action === "next-step" && nextStep(run) === null);
  }
  // Rebuilt only when the findings change, so a note being typed is not wiped by the refresh.
  const signature = JSON.stringify(run.findings) + run.allowed_actions.join();
  const findings = $("findings").querySelector("tbody");
  if (findings.dataset.signature === signature) return;
  findings.dataset.signature = signature;
  findings.replaceChildren();
  for (const finding of run.findings) {
    const row = document.createElement("tr");
    row.dataset.check = finding.check;
    for (const text of [finding.index, finding.check, finding.severity + (finding.blocking ? " (blocking)" : ""),
      finding.summary, finding.remedy]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      if (finding.blocking) cell.className = "blocking";
      row.appendChild(cell);
    }
    const ack = document.createElement("td");
    if (finding.acknowledged) {
      ack.textContent = "yes: " + finding.note;
    } else if (!finding.blocking && finding.severity !== "INFO" && run.allowed_actions.includes("acknowledge")) {
      const note = document.createElement("input");
      note.placeholder = "note";
      note.className = "ack-note";
      const button = document.createElement("button");
      button.textContent = "Acknowledge";
      button.className = "ack";
      button.addEventListener("click", () => act("POST",
        "/findings/" + finding.index + "/acknowledge", { note: note.value }));
      ack.append(note, button);
    } else {
      ack.textContent = "-";
    }
    row.appendChild(ack);
    findings.appendChild(row);
  }
}

function nextStep(run) {
  if (!run.setup || !run.route) return null;
  const ratio = run.route.ratio_percent;
  if (run.setup.strategy === "CANARY") {
    const next = CANARY_STEPS.find((step) => step > ratio);
    return next === undefined ? null : next;
  }
  if (run.setup.strategy === "BIG_BANG" || run.setup.strategy === "BLUE_GREEN") return ratio < 100 ? 100 : null;
  return null;
}

async function act(method, suffix, body) {
  showError("");
  try {
    await api(method, "/api/v1/migrations/" + encodeURIComponent(selected) + suffix, body);
  } catch (e) {
    if (e.message !== "unauthorised") showError(e.message);
  }
  refresh();
}

function onAction(action) {
  switch (action) {
    case "next-step": return act("POST", "/traffic", { ratio_percent: nextStep(current) });
    case "complete": return act("POST", "/complete", { accept_target: $("accept").checked });
    default: return act("POST", "/" + action, undefined);
  }
}

// Live charts: plain SVG over GET /stats, whose columns the control plane has already summed across nodes.
const SVG = "http://www.w3.org/2000/svg";
const CHARTS = [
  { id: "chart-throughput", lines: [
    ["source_ops_per_second", "source", "source"],
    ["target_ops_per_second", "target", "target"]] },
  { id: "chart-latency", lines: [
    ["source_p99_ms", "source p99", "source"],
    ["target_p99_ms", "target p99", "target"],
    ["source_p50_ms", "source p50", "source dashed"],
    ["target_p50_ms", "target p50", "target dashed"]] },
  { id: "chart-problems", lines: [
    ["divergences", "divergences", "bad"],
    ["error_keys", "error keys", "warn"],
    ["dual_write_failures", "dual-write failures", "other"]] },
  { id: "chart-mover", lines: [
    ["mover_keys_per_second", "copied keys/s", "source"],
    ["reconciled_per_second", "reconciled keys/s", "target"],
    ["throttle_limit", "throttle limit", "warn dashed"]],
    note: (stats) => {
      const last = stats.at.length - 1;
      if (last < 0) return "";
      return stats.throttled_movers[last] > 0
        ? "throttled: " + stats.throttled_movers[last] + " mover(s), waited " + stats.throttle_sleep_ms[last] + " ms"
        : "not throttled";
    } },
];
const W = 480, H = 170, LEFT = 44, RIGHT = 8, TOP = 8, BOTTOM = 20;

function svg(name, attributes, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

// 1, 2, 5 times a power of ten, at least max: a readable top for the y axis.
function niceTop(max) {
  if (!(max > 0)) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(max)));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

function number(value) {
  if (value >= 1e6) return (value / 1e6).toFixed(1) + "M";
  if (value >= 1e3) return (value / 1e3).toFixed(1) + "k";
  return value >= 10 || value === 0 ? Math.round(value).toString() : value.toFixed(2);
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour12: false });
}

function drawChart(chart, stats) {
  const figure = $(chart.id);
  const plot = figure.querySelector("svg");
  const legend = figure.querySelector(".legend");
  plot.replaceChildren();
  legend.replaceChildren();
  const at = stats.at || [];
  let max = 0;
  for (const [series] of chart.lines) for (const value of stats[series] || []) max = Math.max(max, value);
  const top = niceTop(max);
  const x = (i) => LEFT + (at.length > 1 ? (i / (at.length - 1)) * (W - LEFT - RIGHT) : 0);
  const y = (value) => TOP + (1 - value / top) * (H - TOP - BOTTOM);
  plot.append(
    svg("line", { class: "axis", x1: LEFT, y1: TOP, x2: LEFT, y2: H - BOTTOM }),
    svg("line", { class: "axis", x1: LEFT, y1: H - BOTTOM, x2: W - RIGHT, y2: H - BOTTOM }),
    svg("line", { class: "axis", x1: LEFT, y1: y(top / 2), x2: W - RIGHT, y2: y(top / 2) }),
    svg("text", { x: LEFT - 4, y: TOP + 8, "text-anchor": "end" }, number(top)),
    svg("text", { x: LEFT - 4, y: y(top / 2) + 3, "text-anchor": "end" }, number(top / 2)),
    svg("text", { x: LEFT - 4, y: H - BOTTOM, "text-anchor": "end" }, "0"));
  if (at.length === 0) {
    plot.append(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "no figures yet"));
  } else {
    plot.append(
      svg("text", { x: LEFT, y: H - 5 }, clock(at[0])),
      svg("text", { x: W - RIGHT, y: H - 5, "text-anchor": "end" }, clock(at[at.length - 1])));
  }
  for (const [series, label, style] of chart.lines) {
    const values = stats[series] || [];
    const peak = values.reduce((a, b) => Math.max(a, b), 0);
    const last = values.length ? values[values.length - 1] : 0;
    if (values.length > 0) {
      const d = values.map((value, i) => (i === 0 ? "M" : "L") + x(i).toFixed(1) + " " + y(value).toFixed(1)).join(" ");
      plot.append(svg("path", { d, class: "series " + style, "data-series": series, "data-peak": peak }));
    }
    const item = document.createElement("li");
    item.dataset.series = series;
    item.dataset.peak = peak;
    const swatch = document.createElement("span");
    swatch.className = "swatch " + style;
    item.append(swatch, label + " " + number(last) + " (peak " + number(peak) + ")");
    legend.append(item);
  }
  if (chart.note) {
    const item = document.createElement("li");
    item.className = "muted";
    item.textContent = chart.note(stats);
    legend.append(item);
  }
}

function drawCharts(stats) {
  for (const chart of CHARTS) drawChart(chart, stats);
}

// Server-Sent Events read with fetch, so the token goes in a header, not in the URL.
async function followEvents(id) {
  if (eventsAbort) eventsAbort.abort();
  eventsAbort = new AbortController();
  $("events").replaceChildren();
  try {
    const response = await fetch("/api/v1/migrations/" + encodeURIComponent(id) + "/events", {
      headers: { "Authorization": "Bearer " + token, "Accept": "text/event-stream" },
      signal: eventsAbort.signal,
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
        if (data) {
          const event = JSON.parse(data);
          const item = document.createElement("li");
          item.textContent = event.at + "  " + event.type + "  " + event.message;
          $("events").prepend(item);
          refresh();
        }
      }
    }
  } catch (e) {
    if (e.name !== "AbortError") showError("events: " + e.message);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    token = $("token").value;
    sessionStorage.setItem("ferry-token", token);
    $("token").value = "";
    showError("");
    refresh();
  });
  for (const button of $("actions").querySelectorAll("button")) {
    button.addEventListener("click", () => onAction(button.dataset.action));
  }
  if (token) refresh();
  setInterval(refresh, 2000);
});
