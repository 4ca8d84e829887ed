// The snipblock dashboard: polls /api/state and redraws. Read-only; no libraries, no build step.
"use strict";

const POLL_MILLIS = 2000;
// A node with admin authentication answers 401/403 without an operator's admin token: the page asks
// for one and keeps it for this tab only (sessionStorage), sending it as the admin API's clients do.
const TOKEN_KEY = "snipblock-token";
let awaitingToken = false;

function authorization() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: "Bearer " + token } : {};
}

// No polling while the form waits: every refused poll would be a refusal in the node's log.
function askForToken(reason) {
  awaitingToken = true;
  const hadToken = sessionStorage.getItem(TOKEN_KEY) !== null;
  sessionStorage.removeItem(TOKEN_KEY);
  document.getElementById("login").hidden = false;
  document.getElementById("login-error").textContent = hadToken ? reason : "";
  document.getElementById("summary").textContent = "";
  document.getElementById("updated").textContent = "needs an operator's admin token";
  document.getElementById("token").focus();
}

document.getElementById("login").addEventListener("submit", event => {
  event.preventDefault();
  const input = document.getElementById("token");
  sessionStorage.setItem(TOKEN_KEY, input.value.trim());
  input.value = "";
  document.getElementById("login").hidden = true;
  awaitingToken = false;
  refresh();
});

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function bytes(n) {
  if (n < 0) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
}

function bar(ratio) {
  const fill = el("div");
  fill.style.width = Math.round(Math.max(0, Math.min(1, ratio)) * 100) + "%";
  return el("div", { class: "bar" }, fill);
}

// site/compartment/rack/host → nested groups, so failure domains read as they are laid out.
function drawTopology(cluster) {
  const tree = new Map();
  for (const n of cluster.nodes) {
    const [site, comp, rack] = n.location.split("/");
    if (!tree.has(site)) tree.set(site, new Map());
    const s = tree.get(site);
    if (!s.has(comp)) s.set(comp, new Map());
    const c = s.get(comp);
    if (!c.has(rack)) c.set(rack, []);
    c.get(rack).push(n);
  }
  const root = el("div");
  for (const [site, comps] of [...tree].sort()) {
    const s = el("div", { class: "site" }, el("div", { class: "name" }, "site " + site));
    for (const [comp, racks] of [...comps].sort()) {
      const c = el("div", { class: "compartment" }, el("div", { class: "name" }, "compartment " + comp));
      for (const [rack, nodes] of [...racks].sort()) {
        const r = el("div", { class: "rack" }, el("span", { class: "name" }, "rack " + rack));
        for (const n of nodes.sort((a, b) => a.id.localeCompare(b.id))) {
          const full = n.capacityBytes > 0 ? n.usedBytes / n.capacityBytes : 0;
          r.append(el("div", { class: "node " + n.state, "data-node": n.id, "data-state": n.state },
            el("div", {}, el("b", {}, n.id), " ", el("span", { class: "state" }, n.state),
              n.id === cluster.leader ? " ★" : ""),
            el("div", {}, bytes(n.usedBytes) + " of " + bytes(n.capacityBytes) + ", load " + n.load.toFixed(2)),
            bar(full)));
        }
        c.append(r);
      }
      s.append(c);
    }
    root.append(s);
  }
  document.getElementById("topology").replaceChildren(root);
}

// Green at 0 ms to red at 50 ms and beyond.
function heat(ms) {
  const t = Math.min(1, ms / 50);
  return "hsl(" + Math.round(120 * (1 - t)) + ", 70%, 80%)";
}

function drawRtt(cluster) {
  const ids = cluster.nodes.map(n => n.id).sort();
  const table = document.getElementById("rtt");
  const head = el("tr", {}, el("th", {}, "from \\ to"), ...ids.map(id => el("th", {}, id)));
  const rows = ids.map(from => el("tr", {}, el("th", {}, from), ...ids.map(to => {
    const ms = (cluster.rttMillis[from] || {})[to];
    const td = el("td", { class: "heat" }, from === to ? "–" : ms === undefined ? "?" : ms.toFixed(2));
    if (from !== to && ms !== undefined) td.style.background = heat(ms);
    return td;
  })));
  table.replaceChildren(head, ...rows);
}

// A volume's limits in QEMU's vocabulary, and what its throttle did where this node runs it.
function qos(q) {
  if (!q || !q.limits) {
    return "none";
  }
  const group = q.group ? " [group " + q.group + "]" : "";
  if (!q.stateKnown) {
    return q.limits + group;
  }
  const now = q.throttled ? "throttled, " + q.waiting + " waiting, " : "";
  return q.limits + group + " (" + now + q.delayed + " delayed)";
}

function drawVolumes(volumes) {
  const body = document.querySelector("#volumes tbody");
  body.replaceChildren(...volumes.map(v => el("tr", { "data-volume": v.name },
    el("td", {}, v.name), el("td", {}, bytes(v.sizeBytes)), el("td", {}, bytes(v.usedBytes)),
    el("td", { class: "primary" }, v.primary), el("td", {}, v.mode), el("td", {}, v.copies),
    el("td", {}, v.lagBytes < 0 ? "(on primary)" : bytes(v.lagBytes) + ", " + v.lagSeconds.toFixed(1) + " s"),
    el("td", {}, v.stale.join(", ")), el("td", {}, v.checksumRepairs),
    el("td", v.qos && v.qos.throttled ? { class: "qos throttled" } : { class: "qos" }, qos(v.qos)))));
  const work = [];
  for (const v of volumes) {
    for (const w of v.work) {
      const ratio = w.snippetsTotal === 0 ? (w.running ? 0 : 1) : w.snippetsDone / w.snippetsTotal;
      work.push(el("tr", {}, el("td", {}, v.name), el("td", {}, w.purpose), el("td", {}, w.node),
        el("td", {}, bar(ratio), w.snippetsDone + " / " + w.snippetsTotal + " snippets"),
        el("td", {}, bytes(w.bytesCopied)),
        el("td", w.failure ? { class: "error" } : {}, w.failure ? w.failure : w.running ? "running" : "done")));
    }
  }
  document.querySelector("#work tbody").replaceChildren(...work);
}

// Copies on their way between nodes (drain, relocation, rebalance), with the primary's resync of the target.
function drawMoves(moves, atMillis) {
  document.querySelector("#moves tbody").replaceChildren(...moves.map(m => {
    const p = m.progress;
    const progress = m.inSync ? el("td", {}, bar(1), "in sync, switching")
      : !p ? el("td", {}, "waiting for the primary's resync")
      : el("td", {}, bar(p.snippetsTotal === 0 ? 0 : p.snippetsDone / p.snippetsTotal),
        p.snippetsDone + " / " + p.snippetsTotal + " snippets, " + bytes(p.bytesCopied));
    return el("tr", { "data-move": m.volume + "/" + m.snippet }, el("td", {}, m.volume),
      el("td", {}, m.snippet + " (" + m.snippets + " snippets)"), el("td", {}, m.from), el("td", {}, m.to), progress,
      el("td", {}, Math.max(0, Math.round((atMillis - m.startedMillis) / 1000)) + " s"));
  }));
}

// The hypervisor adapter's tasks: open ones and those ended in the last minutes.
function drawTasks(tasks) {
  document.querySelector("#tasks tbody").replaceChildren(...tasks.map(t => el("tr", { "data-task": t.id },
    el("td", {}, t.id), el("td", {}, t.kind), el("td", { class: "vm" }, t.vm),
    el("td", t.state === "failed" ? { class: "state error" } : { class: "state" }, t.state),
    el("td", {}, bar(t.stepsTotal === 0 ? 0 : t.stepsDone / t.stepsTotal), t.stepsDone + " / " + t.stepsTotal),
    el("td", t.error ? { class: "error" } : {}, t.error ? t.error : t.step))));
}

async function refresh() {
  if (awaitingToken) return;
  try {
    const response = await fetch("api/state", { cache: "no-store", headers: authorization() });
    if (response.status === 401 || response.status === 403) {
      askForToken((await response.text()).trim());
      return;
    }
    if (!response.ok) throw new Error("HTTP " + response.status);
    const state = await response.json();
    const c = state.cluster;
    const up = c.nodes.filter(n => n.state !== "DOWN").length;
    document.getElementById("summary").textContent = "seen from " + c.self + ": " + up + " of " + c.nodes.length
      + " nodes up, " + state.volumes.length + " volumes" + (c.inMajority ? "" : " — NOT IN MAJORITY");
    drawTopology(c);
    drawRtt(c);
    drawVolumes(state.volumes);
    drawMoves(c.moving, state.atMillis);
    drawTasks(state.tasks);
    document.getElementById("updated").textContent = "updated " + new Date(state.atMillis).toLocaleTimeString();
    document.body.dataset.refreshed = String(state.atMillis);
  } catch (e) {
    document.getElementById("updated").textContent = "cannot reach the node: " + e.message;
  }
}

refresh();
setInterval(refresh, POLL_MILLIS);
