// The Drover scheduler's read-only console: draws GET /v1/state and asks again every few seconds.
// Plain DOM, no framework and no build step; text is always set as text (never parsed as HTML).
"use strict";

const REFRESH_MS = 2000;
const TOKEN_KEY = "drover-scheduler-token";

// A token given in the address (#token=...) is moved into this tab's sessionStorage and taken out of the
// address bar at once, so it is not bookmarked or shared by accident.
(function takeTokenFromFragment() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
})();

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function badge(text, tone) {
  return el("span", { class: "badge " + (tone || "") }, text);
}

const PHASE_TONE = { RUNNING: "ok", STARTING: "info", LAUNCHING: "info", PENDING: "", KILLING: "warn", LEAVING: "warn", STOPPED: "warn", LOST: "bad", REMOVED: "" };
const STATUS_TONE = { COMPLETE: "ok", IN_PROGRESS: "info", PENDING: "", INTERRUPTED: "warn", ERROR: "bad" };
const SUBSCRIPTION_TONE = { SUBSCRIBED: "ok", RECONCILING: "info", SUBSCRIBING: "warn", STANDBY: "", REFUSED: "bad" };
const ADMIN_TONE = { SUCCEEDED: "ok", SENT: "info", PENDING: "", FAILED: "bad", REJECTED: "bad", TIMED_OUT: "bad" };

function healthBadge(healthy) {
  if (healthy === true) return badge("healthy", "ok");
  if (healthy === false) return badge("unhealthy", "bad");
  return badge("unknown", "");
}

function ago(time, now) {
  if (!time) return "never";
  const seconds = Math.max(0, Math.round((new Date(now) - new Date(time)) / 1000));
  if (seconds < 120) return seconds + " s ago";
  if (seconds < 7200) return Math.round(seconds / 60) + " min ago";
  return Math.round(seconds / 3600) + " h ago";
}

function stat(label, value) {
  return el("div", { class: "stat" }, el("div", { class: "label" }, label), el("div", { class: "value" }, value));
}

function drawSummary(state) {
  const nodes = state.clusters.flatMap(c => c.nodes);
  const sub = state.subscription;
  document.getElementById("summary").replaceChildren(
    stat("subscription", badge(sub.state, SUBSCRIPTION_TONE[sub.state])),
    stat("master", sub.master || "—"),
    stat("last heartbeat", ago(sub.last_heartbeat, state.time)),
    stat("clusters", state.clusters.length),
    stat("nodes running", nodes.filter(n => n.phase === "RUNNING").length + " / " + nodes.length),
    stat("nodes healthy", nodes.filter(n => n.healthy === true).length),
    stat("offers used / received", state.offers.used + " / " + state.offers.received),
    stat("offers declined", state.offers.declined),
  );
  const framework = state.framework;
  document.getElementById("framework").textContent =
    "framework " + framework.name + (framework.id ? " (" + framework.id + ")" : "") + " · role " + framework.role +
    (framework.leader ? " · leader" : " · standby") + (sub.suppressed ? " · offers suppressed" : "") +
    (sub.reconciling ? " · reconciling " + sub.reconciling + " tasks" : "") + (sub.message ? " · " + sub.message : "");
}

function drawNodes(cluster) {
  if (cluster.nodes.length === 0) return el("div", { class: "empty" }, "No nodes.");
  const rows = cluster.nodes.slice().sort((a, b) => a.index - b.index).map(node => {
    const endpoints = el("ul", { class: "endpoints" },
      ...Object.entries(node.endpoints || {}).map(([name, address]) =>
        el("li", { class: "mono", "data-endpoint": name }, name + " " + address)));
    return el("tr", { "data-node": node.name },
      el("td", { class: "mono node-name" }, node.name),
      el("td", { class: "node-phase" }, badge(node.phase, PHASE_TONE[node.phase]), node.goal !== "RUN" ? " → " + node.goal : ""),
      el("td", { class: "node-health" }, healthBadge(node.healthy)),
      el("td", { class: "mono node-agent" }, node.hostname || "—", node.agent_id ? el("div", { class: "muted" }, node.agent_id) : null),
      el("td", { class: "node-endpoints" }, endpoints),
      el("td", { class: "mono node-task" }, node.task_state || "—"),
      el("td", {}, node.message || (node.failures ? node.failures + " failures" : "")));
  });
  return el("table", { class: "nodes" },
    el("thead", {}, el("tr", {}, ...["Node", "State", "Health", "Agent", "Endpoints", "Task", "Message"].map(h => el("th", {}, h)))),
    el("tbody", {}, ...rows));
}

function drawPlans(cluster) {
  if (cluster.plans.length === 0) return el("div", { class: "empty" }, "No plans.");
  return el("div", {}, ...cluster.plans.map(plan => {
    const percent = plan.steps_total ? Math.round(100 * plan.steps_complete / plan.steps_total) : 100;
    const fill = el("div");
    fill.style.width = percent + "%"; // through the CSSOM: the policy forbids style attributes
    const bar = el("div", { class: "progress", title: percent + "%" }, fill);
    return el("div", { class: "plan", "data-plan": plan.name },
      el("div", { class: "plan-head" },
        el("strong", {}, plan.name), badge(plan.status, STATUS_TONE[plan.status]), bar,
        el("span", { class: "plan-progress" }, plan.steps_complete + " / " + plan.steps_total + " steps"),
        plan.interrupted ? badge("interrupted", "warn") : null),
      ...plan.phases.map(phase => el("div", { class: "phase" },
        el("span", { class: "phase-name" }, phase.name + " (" + phase.strategy.toLowerCase() + ")"),
        ...phase.steps.map(step => el("span", {
          class: "step " + step.status, "data-step": step.name,
          title: step.status + (step.message ? ": " + step.message : ""),
        }, step.name)))));
  }));
}

function drawClusters(state) {
  const container = document.getElementById("clusters");
  if (state.clusters.length === 0) {
    container.replaceChildren(el("div", { class: "cluster" }, el("div", { class: "empty" }, "No clusters yet: create one with drover clusters create -f spec.json.")));
    return;
  }
  container.replaceChildren(...state.clusters.map(cluster => el("div", { class: "cluster", "data-cluster": cluster.name },
    el("h2", {}, cluster.name,
      el("span", { class: "meta" }, cluster.kind + " · " + cluster.nodes.length + " of " + (cluster.spec.count ?? 0) + " nodes · generation " + cluster.generation +
        (cluster.spec.version ? " · version " + cluster.spec.version : "")),
      cluster.deleting ? badge("deleting", "warn") : null),
    el("h3", {}, "Nodes"), drawNodes(cluster),
    el("h3", {}, "Plans"), drawPlans(cluster))));
}

function drawAdmin(state) {
  const container = document.getElementById("admin");
  if (state.admin_operations.length === 0) {
    container.replaceChildren();
    return;
  }
  const rows = state.admin_operations.map(op => el("tr", { "data-request": op.request_id },
    el("td", { class: "mono" }, op.request_id),
    el("td", {}, op.cluster + "/" + op.node),
    el("td", { class: "mono" }, op.operation),
    el("td", {}, badge(op.state, ADMIN_TONE[op.state])),
    el("td", {}, ago(op.requested, state.time)),
    el("td", { class: "mono" }, (op.output || "").slice(0, 300))));
  container.replaceChildren(el("div", { class: "cluster" }, el("h2", {}, "Admin operations"),
    el("table", {}, el("thead", {}, el("tr", {}, ...["Request", "Node", "Operation", "State", "Requested", "Output"].map(h => el("th", {}, h)))),
      el("tbody", {}, ...rows))));
}

function showProblem(text) {
  const problem = document.getElementById("problem");
  problem.textContent = text;
  problem.hidden = !text;
}

async function refresh() {
  const headers = { "Accept": "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers["Authorization"] = "Bearer " + token;
  try {
    const response = await fetch("v1/state", { headers, cache: "no-store" });
    if (response.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      document.getElementById("login").hidden = false;
      showProblem(token ? "The token was refused." : "");
      return false;
    }
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      showProblem("The scheduler answered " + response.status + (body.error ? ": " + body.error : ""));
      return true;
    }
    const state = await response.json();
    document.getElementById("login").hidden = true;
    showProblem("");
    drawSummary(state);
    drawClusters(state);
    drawAdmin(state);
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (error) {
    showProblem("The scheduler cannot be reached (" + error.message + "); trying again.");
  }
  return true;
}

async function loop() {
  if (await refresh()) setTimeout(loop, REFRESH_MS);
}

document.getElementById("login").addEventListener("submit", event => {
  event.preventDefault();
  const input = document.getElementById("token");
  if (input.value) {
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    input.value = "";
    loop();
  }
});

loop();
