// The specmock console: a client of the admin API under /__specmock, nothing else.
"use strict";

const API = "/__specmock";
const $ = (sel, root = document) => root.querySelector(sel);

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["content-type"] = "application/json";
  }
  const res = await fetch(API + path, init);
  const text = await res.text();
  const data = text && (res.headers.get("content-type") || "").includes("json") ? JSON.parse(text) : text;
  if (!res.ok) {
    const err = new Error((data && data.detail) || `${res.status} ${res.statusText}`);
    err.status = res.status;
    throw err;
  }
  return data;
}

function fail(panel, err) {
  const box = h("p", { class: "error" }, String(err.message || err));
  panel.prepend(box);
  setTimeout(() => box.remove(), 6000);
}

const statusClass = (s) => "s" + String(s)[0];
const pretty = (text) => {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
};

// ---- tabs ----
const panels = {};
let current = "services";
function show(name) {
  current = name;
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("on", b.dataset.tab === name);
  for (const p of document.querySelectorAll(".panel")) p.classList.toggle("on", p.id === name);
  location.hash = name;
  if (panels[name]) panels[name]().catch((e) => fail($("#" + name), e));
}
for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => show(b.dataset.tab));

// ---- services ----
let services = [];
panels.services = async () => {
  services = await api("GET", "/services");
  const root = $("#services");
  root.replaceChildren(
    ...services.map((s) =>
      h("div", { class: "card", "data-service": s.name },
        h("h3", {}, `${s.title} `, h("span", { class: "muted" }, `${s.name} at ${s.prefix || "/"}`), " ",
          h("a", { href: `${s.prefix}/docs` }, "docs"), " ",
          h("a", { href: `${s.prefix}/openapi.json` }, "openapi.json")),
        h("table", {},
          h("thead", {}, h("tr", {}, h("th", {}, "method"), h("th", {}, "path"), h("th", {}, "operation"),
            h("th", {}, "calls"), h("th", {}, "errors"))),
          h("tbody", {}, s.operations.map((op) =>
            h("tr", { "data-operation": op.id },
              h("td", {}, op.method), h("td", {}, op.path), h("td", {}, op.id, " ", h("span", { class: "muted" }, op.summary)),
              h("td", { class: "calls" }, op.calls), h("td", { class: op.errors ? "s5" : "" }, op.errors))))))),
  );
  const select = $("#journal-filters select[name=service]");
  const chosen = select.value;
  select.replaceChildren(h("option", { value: "" }, "all services"), ...services.map((s) => h("option", {}, s.name)));
  select.value = chosen;
};

// ---- journal ----
const entries = new Map();
let lastId = 0;
let selected = null;

function filters() {
  const f = new FormData($("#journal-filters"));
  return {
    service: f.get("service"), method: f.get("method"), status: f.get("status").trim(),
    path: f.get("path").trim(), failed: f.get("failed"), unmatched: f.get("unmatched"),
  };
}

function visible(e, f) {
  return (!f.service || e.service === f.service) && (!f.method || e.method === f.method)
    && (!f.status || String(e.status) === f.status) && (!f.path || e.path.includes(f.path))
    && (!f.failed || e.status >= 400) && (!f.unmatched || !e.matched);
}

function entryRow(e) {
  return h("tr", { class: "pick" + (selected === e.id ? " sel" : ""), "data-id": e.id, onclick: () => detail(e.id) },
    h("td", {}, e.id), h("td", {}, new Date(e.time * 1000).toLocaleTimeString()), h("td", {}, e.method),
    h("td", {}, e.path + (e.query ? "?" + e.query : "")), h("td", { class: statusClass(e.status) }, e.status),
    h("td", {}, e.operation ? `${e.service}:${e.operation}` : h("span", { class: "muted" }, "unmatched")),
    h("td", {}, e.ms.toFixed(1)),
    h("td", {}, e.fault ? h("span", { class: "badge" }, e.fault) : "", e.violations && e.violations.length ? h("span", { class: "badge" }, `${e.violations.length} finding(s)`) : ""));
}

function renderJournal() {
  const f = filters();
  const rows = [...entries.values()].filter((e) => visible(e, f)).reverse().slice(0, 500).map(entryRow);
  $("#journal-table tbody").replaceChildren(...rows);
}

function curl(e) {
  const skip = new Set(["host", "content-length", "connection", "accept-encoding", "user-agent"]);
  const quote = (s) => "'" + String(s).replace(/'/g, "'\\''") + "'";
  const parts = ["curl", "-X", e.method, quote(location.origin + e.path + (e.query ? "?" + e.query : ""))];
  for (const [k, v] of Object.entries(e.request_headers || {})) if (!skip.has(k)) parts.push("-H", quote(`${k}: ${v}`));
  if (e.request_body) parts.push("--data-raw", quote(e.request_body));
  return parts.join(" ");
}

function headersTable(headers) {
  return h("table", {}, h("tbody", {}, Object.entries(headers || {}).map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", {}, v)))));
}

function detail(id) {
  const e = entries.get(id);
  if (!e) return;
  selected = id;
  renderJournal();
  const curlText = curl(e);
  const findings = e.violations || [];
  $("#detail").replaceChildren(
    h("div", { class: "card", id: "entry-detail" },
      h("h3", {}, `#${e.id} ${e.method} ${e.path} → `, h("span", { class: statusClass(e.status) }, e.status)),
      h("p", {},
        "operation: ", h("b", {}, e.operation ? `${e.service}:${e.operation}` : "none matched"),
        " · time: ", `${e.ms.toFixed(2)} ms`, e.delay_ms ? ` (injected delay ${e.delay_ms} ms)` : "",
        " · fault: ", e.fault ? h("span", { class: "badge", id: "detail-fault" }, e.fault) : "none",
        e.trace_id ? ` · trace ${e.trace_id}` : ""),
      h("div", { class: "row" },
        h("button", { id: "replay", onclick: async () => {
          try { const again = await api("POST", `/requests/${e.id}/replay`); add(again); detail(again.id); }
          catch (err) { fail($("#detail"), err); }
        } }, "Replay"),
        h("button", { id: "copy-curl", onclick: () => {
          navigator.clipboard && navigator.clipboard.writeText(curlText).catch(() => {});
          $("#curl").hidden = false;
        } }, "Copy as curl")),
      h("pre", { id: "curl", hidden: true }, curlText),
      h("h3", {}, `Validation findings (${findings.length})`),
      findings.length
        ? h("table", { id: "findings" }, h("thead", {}, h("tr", {}, h("th", {}, "where"), h("th", {}, "pointer"), h("th", {}, "rule"), h("th", {}, "message"))),
            h("tbody", {}, findings.map((v) => h("tr", {}, h("td", {}, v.in || ""), h("td", {}, v.pointer || ""), h("td", {}, v.rule || v.keyword || ""), h("td", {}, v.message || "")))))
        : h("p", { class: "muted" }, "none"),
      h("h3", {}, "Request"), headersTable(e.request_headers), h("pre", {}, pretty(e.request_body || "")),
      h("h3", {}, "Response"), headersTable(e.response_headers), h("pre", { id: "response-body" }, pretty(e.response_body || ""))));
}

function add(e) {
  entries.set(e.id, e);
  lastId = Math.max(lastId, e.id);
  while (entries.size > 2000) entries.delete(entries.keys().next().value);
}

let stream = null;
async function startJournal() {
  for (const e of await api("GET", "/requests?limit=500")) add(e);
  renderJournal();
  stream = new EventSource(`${API}/requests/stream?after=${lastId}&window=5`);
  stream.addEventListener("open", () => $("#live").classList.add("on"));
  stream.addEventListener("error", () => $("#live").classList.remove("on"));
  stream.addEventListener("entry", (msg) => {
    add(JSON.parse(msg.data));
    if (current === "journal") renderJournal();
  });
}
panels.journal = async () => renderJournal();
$("#journal-filters").addEventListener("input", renderJournal);
$("#journal-clear").addEventListener("click", async () => {
  await api("DELETE", "/requests");
  entries.clear();
  renderJournal();
});

// ---- faults and scenarios ----
const FAULTS = ["", "timeout", "reset", "empty", "truncated", "malformed", "dribble"];
panels.faults = async () => {
  const [rules, scen] = await Promise.all([api("GET", "/faults"), api("GET", "/scenarios")]);
  const root = $("#faults");
  const json = h("textarea", { id: "fault-json", placeholder: '{"operation": "listPets", "status": 503}' });
  const field = (name, attrs = {}) => h("input", { name, placeholder: name, size: 10, ...attrs });
  const form = h("form", { id: "fault-form", class: "row", onsubmit: async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const rule = {};
    for (const k of ["id", "service", "operation", "method", "path"]) if (f.get(k)) rule[k] = f.get(k);
    if (f.get("status")) rule.status = Number(f.get("status"));
    if (f.get("fault")) rule.fault = f.get("fault");
    if (f.get("latency")) rule.latency = { fixed: Number(f.get("latency")) };
    if (f.get("probability")) rule.probability = Number(f.get("probability"));
    try { await api("POST", "/faults", rule); await panels.faults(); } catch (err) { fail(root, err); }
  } },
    field("id"), field("service"), field("operation"), field("method", { size: 6 }), field("path"),
    field("status", { size: 4 }), h("select", { name: "fault" }, FAULTS.map((x) => h("option", { value: x }, x || "no fault"))),
    field("latency", { size: 6, placeholder: "latency ms" }), field("probability", { size: 4 }),
    h("button", { id: "fault-add" }, "Add rule"));
  const save = h("button", { id: "fault-save", onclick: async () => {
    try {
      const edited = JSON.parse(json.value);
      const list = json.dataset.editing
        ? rules.map((r) => (r.id === json.dataset.editing ? edited : r))
        : [...rules, edited];
      await api("PUT", "/faults", list.map(({ matched, ...r }) => r));
      await panels.faults();
    } catch (err) { fail(root, err); }
  } }, "Save JSON");
  root.replaceChildren(
    h("div", { class: "card" }, h("h3", {}, "Fault rules"),
      h("table", { id: "fault-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "id"), h("th", {}, "rule"), h("th", {}, "fired"), h("th", {}))),
        h("tbody", {}, rules.map((r) => h("tr", { "data-rule": r.id },
          h("td", {}, r.id), h("td", {}, h("code", {}, JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => k !== "id" && k !== "matched"))))),
          h("td", {}, r.matched ?? 0),
          h("td", {},
            h("button", { onclick: () => { const { matched, ...rest } = r; json.value = JSON.stringify(rest, null, 2); json.dataset.editing = r.id; } }, "Edit"),
            h("button", { class: "remove", onclick: async () => { await api("DELETE", `/faults/${encodeURIComponent(r.id)}`); await panels.faults(); } }, "Remove")))))),
      rules.length ? h("button", { onclick: async () => { await api("DELETE", "/faults"); await panels.faults(); } }, "Remove all") : h("p", { class: "muted" }, "No rules: every request is answered normally."),
      h("h3", {}, "Add a rule"), form,
      h("h3", {}, "Edit as JSON"), json, save),
    h("div", { class: "card", id: "scenarios" }, h("h3", {}, "Scenarios"),
      scen.scenarios.length
        ? h("ul", {}, scen.scenarios.map((name) => h("li", {}, name === scen.active ? h("b", {}, `${name} (active)`) : name, " ",
            h("button", { onclick: async () => { try { await api("POST", `/scenarios/${encodeURIComponent(name)}`); await panels.faults(); } catch (err) { fail(root, err); } } }, "Switch"))))
        : h("p", { class: "muted" }, "No scenarios loaded (serve --scenarios FILE).")));
};

// ---- state ----
let namespace = null;
panels.state = async () => {
  const data = await api("GET", "/state");
  const root = $("#state");
  const names = Object.keys(data);
  if (!names.includes(namespace)) namespace = names[0] || null;
  const items = namespace ? data[namespace] : [];
  const [service, collection] = namespace ? [namespace.slice(0, namespace.indexOf(":")), namespace.slice(namespace.indexOf(":") + 1)] : [];
  const keyOf = (item) => {
    const field = "id" in item ? "id" : Object.keys(item).find((k) => /id$/i.test(k));
    return field ? String(item[field]) : "";
  };
  const itemRow = (item) => {
    const edit = h("textarea", { hidden: true }, JSON.stringify(item, null, 2));
    return h("tr", { "data-key": keyOf(item) },
      h("td", {}, keyOf(item)), h("td", {}, h("pre", {}, JSON.stringify(item, null, 2)), edit),
      h("td", {},
        h("button", { class: "edit", onclick: async (ev) => {
          if (edit.hidden) { edit.hidden = false; ev.target.textContent = "Save"; return; }
          try { await api("POST", "/state", { [service]: { [collection]: [JSON.parse(edit.value)] } }); await panels.state(); }
          catch (err) { fail(root, err); }
        } }, "Edit"),
        h("button", { class: "delete", onclick: async () => {
          await api("DELETE", `/state/item?namespace=${encodeURIComponent(namespace)}&key=${encodeURIComponent(keyOf(item))}`);
          await panels.state();
        } }, "Delete")));
  };
  root.replaceChildren(
    h("div", { class: "row" },
      h("button", { id: "state-reset", onclick: async () => { await api("DELETE", "/state"); await panels.state(); } }, "Reset all"),
      h("a", { href: `${API}/state`, download: "state.json" }, "Export JSON")),
    names.length
      ? h("div", { class: "split" },
          h("ul", { id: "namespaces" }, names.map((n) => h("li", {},
            h("a", { href: "#state", onclick: (ev) => { ev.preventDefault(); namespace = n; panels.state(); } }, n === namespace ? h("b", {}, n) : n),
            ` (${data[n].length})`))),
          h("table", { id: "items" }, h("thead", {}, h("tr", {}, h("th", {}, "key"), h("th", {}, namespace), h("th", {}))), h("tbody", {}, items.map(itemRow))))
      : h("p", { class: "muted" }, "Nothing stored yet: create something through a service, or POST fixtures to /__specmock/state."));
};

// ---- clock and traffic ----
panels.clock = async () => {
  const [clock, mode, drift] = await Promise.all([api("GET", "/clock"), api("GET", "/mode"), api("GET", "/drift")]);
  const root = $("#clock");
  const move = (body) => async () => { try { await api("POST", "/clock", body); await panels.clock(); } catch (err) { fail(root, err); } };
  const when = h("input", { type: "datetime-local", id: "clock-set" });
  const upstream = h("input", { id: "upstream", placeholder: "http://upstream:8080", value: mode.upstreams[""] || Object.values(mode.upstreams)[0] || "" });
  const pick = h("select", { id: "mode" }, ["mock", "proxy", "record", "playback", "hybrid"].map((m) => h("option", { selected: m === mode.mode }, m)));
  root.replaceChildren(
    h("div", { class: "card" }, h("h3", {}, "Clock"),
      h("p", { id: "clock-now" }, clock.now, clock.virtual ? " (virtual" + (clock.frozen ? ", frozen)" : ")") : " (real)"),
      h("div", { class: "row" },
        h("button", { onclick: move({ freeze: true }) }, "Freeze"), h("button", { onclick: move({ resume: true }) }, "Resume"),
        h("button", { onclick: move({ advance: 60 }) }, "+1 min"), h("button", { onclick: move({ advance: 3600 }) }, "+1 h"),
        h("button", { onclick: move({ advance: 86400 }) }, "+1 day"),
        when, h("button", { onclick: () => when.value && move({ set: new Date(when.value).toISOString() })() }, "Set"))),
    h("div", { class: "card" }, h("h3", {}, "Traffic mode"),
      h("div", { class: "row" }, pick, upstream,
        h("button", { onclick: async () => {
          const body = { mode: pick.value };
          if (upstream.value) body.upstreams = { "": upstream.value };
          try { await api("PUT", "/mode", body); await panels.clock(); } catch (err) { fail(root, err); }
        } }, "Apply")),
      h("p", { class: "muted" }, `cassette: ${mode.cassette || "none"} · recorded: ${mode.recorded}`)),
    h("div", { class: "card", id: "drift" }, h("h3", {}, `Drift: ${drift.findings} finding(s) in ${drift.exchanges} exchange(s)`),
      drift.rules.length
        ? h("table", {}, h("thead", {}, h("tr", {}, ["side", "operation", "rule", "pointer", "count"].map((c) => h("th", {}, c)))),
            h("tbody", {}, drift.rules.map((r) => h("tr", {}, h("td", {}, r.side), h("td", {}, r.operation), h("td", {}, r.rule), h("td", {}, r.pointer), h("td", {}, r.count)))))
        : h("p", { class: "muted" }, "No drift seen (proxy or record mode checks the upstream's answers)."),
      h("button", { onclick: async () => { await api("DELETE", "/drift"); await panels.clock(); } }, "Clear")));
};

// ---- mesh ----
const HEALTH = { passing: "#d8f0e1", warning: "#fbecd0", critical: "#f8d6d2" };
const BREAKER = { closed: "#8a93a6", open: "#c2362b", half_open: "#c27c0e" };
const SVG = "http://www.w3.org/2000/svg";
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.append(c);
  return el;
}

function drawGraph(topology, breakers) {
  const names = topology.services.map((x) => x.name);
  const edges = [];
  for (const c of topology.calls) {
    const [a, b] = [c.from.split(":")[0], c.to.split(":")[0]];
    if (!edges.some(([x, y]) => x === a && y === b)) edges.push([a, b]);
  }
  const depth = Object.fromEntries(names.map((n) => [n, 0]));
  for (let round = 0; round < names.length; round++) {
    for (const [a, b] of edges) if (a !== b && depth[b] < depth[a] + 1 && depth[a] + 1 < names.length) depth[b] = depth[a] + 1;
  }
  const columns = {};
  for (const n of names) (columns[depth[n]] ||= []).push(n);
  const pos = {};
  const [W, H] = [160, 70];
  for (const [d, list] of Object.entries(columns)) list.forEach((n, i) => { pos[n] = { x: 20 + d * W, y: 20 + i * H }; });
  const width = 20 + (Math.max(0, ...Object.keys(columns).map(Number)) + 1) * W;
  const height = 20 + Math.max(1, ...Object.values(columns).map((l) => l.length)) * H;
  const state = Object.fromEntries(breakers.map((b) => [b.edge, b.state]));
  const svg = s("svg", { id: "mesh-graph", width, height, viewBox: `0 0 ${width} ${height}` },
    s("defs", {}, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" }, s("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#8a93a6" }))));
  for (const [a, b] of edges) {
    const [p, q] = [pos[a], pos[b]];
    const edgeState = state[`${a}->${b}`] || "closed";
    svg.append(s("line", { x1: p.x + 110, y1: p.y + 20, x2: q.x, y2: q.y + 20, stroke: BREAKER[edgeState] || "#8a93a6", "stroke-width": edgeState === "closed" ? 1.5 : 3, "marker-end": "url(#arrow)", "data-edge": `${a}->${b}`, "data-state": edgeState }, s("title", {}, `${a} → ${b}: breaker ${edgeState}`)));
  }
  for (const svc of topology.services) {
    const p = pos[svc.name];
    svg.append(s("g", { class: "node", "data-service": svc.name, "data-health": svc.health },
      s("rect", { x: p.x, y: p.y, width: 110, height: 40, rx: 6, fill: HEALTH[svc.health] || "#eee", stroke: "#8a93a6" }),
      s("text", { x: p.x + 55, y: p.y + 18, "text-anchor": "middle" }, svc.name),
      s("text", { x: p.x + 55, y: p.y + 33, "text-anchor": "middle", fill: "#6b7385" }, svc.health)));
  }
  return svg;
}

function waterfall(trace) {
  const spans = [...trace.spans].sort((a, b) => a.start - b.start);
  const t0 = Math.min(...spans.map((x) => x.start));
  const t1 = Math.max(...spans.map((x) => x.end || x.start));
  const total = Math.max(t1 - t0, 1e-6);
  const depthOf = {};
  for (const sp of spans) depthOf[sp.span_id] = sp.parent_id && sp.parent_id in depthOf ? depthOf[sp.parent_id] + 1 : 0;
  const [W, R, L] = [520, 22, 260];
  const svg = s("svg", { id: "waterfall", width: L + W + 200, height: spans.length * R + 10 });
  spans.forEach((sp, i) => {
    const x = L + ((sp.start - t0) / total) * W;
    const w = Math.max(2, (((sp.end || sp.start) - sp.start) / total) * W);
    const bad = (sp.status || 0) >= 500 || sp.error;
    svg.append(s("g", { class: "span", "data-span": sp.span_id },
      s("text", { x: 4 + depthOf[sp.span_id] * 12, y: i * R + 16 }, `${sp.service} ${sp.kind} ${sp.name}`),
      s("rect", { x, y: i * R + 5, width: w, height: 14, rx: 2, fill: bad ? "#c2362b" : "#2f5fd0" }),
      s("text", { x: x + w + 4, y: i * R + 16, fill: "#6b7385" }, `${sp.duration_ms} ms${sp.status ? " · " + sp.status : ""}${sp.error ? " · " + sp.error : ""}`)));
  });
  return svg;
}

panels.mesh = async () => {
  const root = $("#mesh");
  let topology;
  try { topology = await api("GET", "/mesh/topology"); }
  catch (err) {
    if (err.status !== 404) throw err;
    root.replaceChildren(h("p", { class: "muted" }, "This server is not a mesh: start one with `specmock mesh FILE` to see its graph and traces."));
    return;
  }
  const [breakers, traces] = await Promise.all([api("GET", "/mesh/breakers"), api("GET", "/mesh/traces?limit=50")]);
  const view = h("div", { id: "trace-view" });
  const open = (t) => async () => {
    view.replaceChildren(h("h3", {}, t.trace_id), waterfall(await api("GET", `/mesh/traces/${t.trace_id}`)));
  };
  const rows = traces.map((t) => h("tr", { class: "pick", "data-trace": t.trace_id, onclick: open(t) },
    h("td", {}, t.trace_id.slice(0, 12), t.failed ? h("span", { class: "badge" }, "failed") : ""),
    h("td", {}, t.root), h("td", {}, t.spans), h("td", {}, t.services.join(", ")), h("td", {}, t.duration_ms)));
  const head = h("thead", {}, h("tr", {}, ["trace", "root", "spans", "services", "ms"].map((c) => h("th", {}, c))));
  root.replaceChildren(
    h("div", { class: "card" }, h("h3", {}, "Graph"), drawGraph(topology, breakers),
      h("p", { class: "muted" }, "boxes: health (green passing, amber warning, red critical); arrows: calls, red when the breaker is open")),
    h("div", { class: "card" }, h("h3", {}, "Traces"), h("table", { id: "traces" }, head, h("tbody", {}, rows)), view));
};

// ---- inbox: captured email, SMS and LLM calls, when those providers are served ----
const inboxRun = h("input", { id: "inbox-run", placeholder: "X-Specmock-Run (empty: shared)", size: 30 });
const address = (a) => (a && a.Address ? (a.Name ? `${a.Name} <${a.Address}>` : a.Address) : String(a || ""));

async function providerList() {
  try { return await api("GET", "/providers"); } catch { return null; }
}

panels.inbox = async () => {
  const root = $("#inbox");
  if (!services.length) services = await api("GET", "/services");
  const byName = Object.fromEntries(services.map((x) => [x.name, x]));
  const cards = [];
  const providers = await providerList();
  const listed = providers && (Array.isArray(providers) ? providers : providers.providers || []);
  if (listed && listed.length) cards.push(h("div", { class: "card" }, h("h3", {}, "Providers"), h("pre", {}, JSON.stringify(listed, null, 2))));
  if (byName.email) {
    const base = byName.email.prefix;
    const view = h("div", { id: "message-view" });
    const run = inboxRun.value.trim();
    const init = run ? { headers: { "X-Specmock-Run": run } } : {};
    cards.push(h("div", { class: "row" }, "mailbox of run ", inboxRun,
      h("button", { onclick: () => panels.inbox() }, "Show")));
    try {
      const res = await fetch(`${base}/api/v1/messages`, init);
      const data = res.ok ? await res.json() : { messages: [] };
      const list = data.messages || [];
      cards.push(h("div", { class: "card", id: "email" }, h("h3", {}, `Email (${list.length})`),
        h("table", {}, h("tbody", {}, list.map((m) => h("tr", { class: "pick", "data-message": m.ID, onclick: async () => {
          const full = await (await fetch(`${base}/api/v1/message/${encodeURIComponent(m.ID)}`, init)).json();
          view.replaceChildren(h("h3", {}, full.Subject || "(no subject)"),
            h("p", {}, "from ", address(full.From), " to ", (full.To || []).map(address).join(", ")), h("pre", {}, full.Text || full.HTML || ""));
        } }, h("td", {}, address(m.From)), h("td", {}, m.Subject || ""), h("td", {}, m.Created || ""))))), view));
    } catch (err) { cards.push(h("p", { class: "error" }, `email: ${err.message}`)); }
  }
  for (const [name, label] of [["twilio", "SMS"], ["openai", "LLM calls"]]) {
    if (!byName[name]) continue;
    const calls = await api("GET", `/requests?service=${name}&method=POST&limit=100`);
    cards.push(h("div", { class: "card", id: name }, h("h3", {}, `${label} (${calls.length})`),
      h("table", {}, h("tbody", {}, calls.reverse().map((e) => h("tr", {}, h("td", {}, new Date(e.time * 1000).toLocaleTimeString()),
        h("td", {}, e.path), h("td", {}, h("pre", {}, pretty(e.request_body || ""))), h("td", {}, h("pre", {}, pretty(e.response_body || "")))))))));
  }
  if (!cards.length) cards.push(h("p", { class: "muted" }, "No email, SMS or LLM service is served here (serve email, twilio or openai to capture their traffic)."));
  root.replaceChildren(...cards);
};

// ---- start ----
async function refreshGraph() {
  const old = $("#mesh-graph");
  if (!old) return;
  const [topology, breakers] = await Promise.all([api("GET", "/mesh/topology"), api("GET", "/mesh/breakers")]);
  old.replaceWith(drawGraph(topology, breakers));
}

setInterval(() => {
  if (current === "services") panels.services().catch(() => {});
  if (current === "mesh") refreshGraph().catch(() => {});
}, 2000);
panels.services().catch((e) => fail($("#services"), e));
startJournal().catch((e) => fail($("#journal"), e));
const start = location.hash.slice(1);
show(start in panels ? start : "services");
