// The wiring diagram: node pools (boxes) holding their workloads (each with
// its Services; a JobSet with its Jobs, one per slice), the endpoints outside
// the cluster, the allowed flows as arrows labelled with their ports, the
// Kueue queues (a box per LocalQueue with a dashed arrow to each workload it
// admits), and on GPUDirect pools the GPU networks beside the pod network. What exists comes from the core's graph
// (compile().graph, src/graph.rs); where it goes is the front end's: ELK's
// layered algorithm (elkjs, in its own Web Worker) places the boxes, routes
// the edges orthogonally without overlaps and places each label on its edge.
//
// Text is drawn at a fixed size (never scaled down: the panel scrolls and
// pans instead). A layout is computed only when the layout input (boxes,
// their sizes, edges, label sizes) changes; a graph that differs only in
// text of the same size is redrawn on the old layout.
import ELK from "elkjs/lib/elk-api.js";
import elkWorkerUrl from "elkjs/lib/elk-worker.min.js?url";

const FONT = "system-ui, sans-serif";
const F_NAME = `600 13px ${FONT}`;
const F_TEXT = `12px ${FONT}`;
const F_LABEL = `12px ${FONT}`;
const LINE = 17;

const esc = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

let ctx2d;
const widths = new Map();
function textWidth(text, font) {
  const key = font + "\0" + text;
  let w = widths.get(key);
  if (w === undefined) {
    ctx2d ??= document.createElement("canvas").getContext("2d");
    ctx2d.font = font;
    w = Math.ceil(ctx2d.measureText(text).width);
    widths.set(key, w);
  }
  return w;
}
/** Sizes rounded up, so that small text changes keep the layout. */
const quantize = (w, q = 16) => Math.ceil(w / q) * q;

export function portsLabel(ports) {
  return ports.length ? ports.join(", ") : "all ports";
}

export function endLabel(e) {
  if (e.startsWith("cidr:")) return e.slice(5);
  if (e.startsWith("namespace:")) return "namespace " + e.slice(10);
  return e;
}

function poolDetail(pool) {
  const nodes = pool.maxNodes != null ? `${pool.nodes}–${pool.maxNodes} nodes` : `${pool.nodes} node${pool.nodes === 1 ? "" : "s"}`;
  return [pool.machineType, pool.accelerator, nodes + (pool.nodePools.length > 1 ? " per slice" : "")].filter(Boolean).join(" · ");
}

const GPU_DIRECT = { tcpx: "GPUDirect-TCPX", tcpxo: "GPUDirect-TCPXO", rdma: "GPUDirect RDMA" };
const NET_ROLE = { gpu: "GPU NIC", gvnic: "gVNIC", rdma: "RDMA NIC" };

/**
 * The extra lines under a pool's title: its slices (TPU Multislice: one GKE
 * node pool each), and on a GPUDirect pool its networks, the pod network
 * (the nodes' first NIC) first and the GPU networks beside it. Each:
 * [text, class, title].
 */
function poolExtras(pool, network) {
  const out = [];
  if (pool.nodePools.length > 1) out.push([`${pool.nodePools.length} slices: ${pool.nodePools.join(" · ")}`, "slices", "one GKE node pool per slice"]);
  if (pool.gpuDirect) {
    out.push([`pod network · ${network} (eth0)`, "net pod", "the nodes' first NIC: Services, NetworkPolicies, DNS"]);
    const nets = pool.networks;
    const byRole = new Map();
    for (const n of nets) byRole.set(n.role, [...(byRole.get(n.role) ?? []), n]);
    for (const [role, ns] of byRole) {
      const nics = ns.reduce((k, n) => k + n.ranges.length, 0);
      const names = ns.length > 1 ? `${ns[0].name} … ${ns.at(-1).name}` : ns[0].name;
      out.push([
        `${GPU_DIRECT[pool.gpuDirect] ?? pool.gpuDirect} · ${nics} ${NET_ROLE[role] ?? role}${nics === 1 ? "" : "s"} · ${ns.length} VPC${ns.length === 1 ? "" : "s"} · MTU ${ns[0].mtu}`,
        `net gpu`,
        `${names}: ${ns.flatMap((n) => n.ranges).join(", ")} (no NetworkPolicies on these NICs)`,
      ]);
    }
  }
  return out;
}

/** A LeaderWorkerSet's group count: `1` or `1–4` (autoscaled). */
function groupCount(g) {
  return g.maxReplicas > g.replicas ? `${g.replicas}–${g.maxReplicas}` : `${g.replicas}`;
}

/** The lines of a workload box: [text, font, class]. */
function workloadLines(w, services, peers) {
  const js = w.jobset;
  const restarts = js?.restarts ? ` · ${js.restarts} restart${js.restarts === 1 ? "" : "s"}` : "";
  const count = w.groups ? ` · ${groupCount(w.groups)} group${w.groups.maxReplicas === 1 ? "" : "s"} × ${w.groups.size} pods` : ` ×${w.replicas}`;
  const lines = [[w.name, F_NAME, "wl-name"], [`${w.kind}${count}${restarts}${w.ports.length ? " · :" + w.ports.join(", :") : ""}`, F_TEXT, "muted"]];
  for (const s of services) lines.push([`${s.name} · ${s.kind}${s.targets === "leaders" ? " → leaders" : ""}`, F_TEXT, "svc"]);
  if (peers) lines.push(["↻ pods reach each other", F_TEXT, "peers"]);
  return lines;
}

/** The rows of a JobSet's Jobs (drawn as boxes inside the workload's box). */
function jobLines(w) {
  return (w.jobset?.jobs ?? []).map((j) => `${j.name} · ${j.pods} pod${j.pods === 1 ? "" : "s"}`);
}
const JOB_ROW = 22;

/**
 * A multi-host server's replica groups, drawn as one group box (all groups
 * are alike) marked with their count: its leader, which serves, and its
 * workers (at most three rows; more are summed up). Null for other kinds.
 */
function groupBox(w) {
  const g = w.groups;
  if (!g) return null;
  const workers = g.workers.length > 3 ? [...g.workers.slice(0, 2).map((n) => `worker ${n}`), `… ${g.workers.length - 2} more workers`] : g.workers.map((n) => `worker ${n}`);
  return {
    head: `group ×${groupCount(g)} · ${g.size} pods each`,
    rows: [[`leader ${g.leader} · serves`, "leader"], ...workers.map((t) => [t, "worker"])],
    tip: `each group g: leader ${w.name}-g, workers ${w.name}-g-1 … ${w.name}-g-${g.size - 1}, headless Service ${w.name}-g (group 0: ${g.groupService}); the Services reach the leaders only`,
  };
}
const GROUP_HEAD = 20;
const groupHeight = (gb) => (gb ? GROUP_HEAD + gb.rows.length * JOB_ROW + 10 : 0);
/** A pool's title and machine line; the header band (drawn over arrows entering the pool) ends 12 px above its workloads. */
const HEAD = 56;
const EXTRA_ROW = 20;

/**
 * The layout input (ELK JSON) and what to draw, from a graph. Pure but for
 * text measurement.
 */
export function model(graph, direction = "RIGHT") {
  const peers = new Set(graph.flows.filter((f) => f.kind === "peers").map((f) => f.from));
  const workloads = new Set(graph.workloads.map((w) => w.name));
  const boxes = new Map(); // id -> what to draw
  const children = [];
  for (const pool of graph.pools) {
    const id = `pool:${pool.name}`;
    const title = [pool.name, F_NAME];
    const detail = [poolDetail(pool), F_TEXT];
    const extras = poolExtras(pool, graph.network ?? "default");
    const minW = Math.max(textWidth(title[0], F_NAME), textWidth(detail[0], F_TEXT), ...extras.map(([t]) => textWidth(t, F_TEXT) + 16)) + 24;
    const kids = [];
    for (const w of graph.workloads.filter((x) => x.pool === pool.name)) {
      const svcs = graph.services.filter((s) => s.workload === w.name);
      const lines = workloadLines(w, svcs, peers.has(w.name));
      const jobs = jobLines(w);
      const group = groupBox(w);
      const groupTexts = group ? [textWidth(group.head, F_TEXT) + 16, ...group.rows.map(([t]) => textWidth(t, F_TEXT) + 32)] : [];
      const width = quantize(Math.max(150, ...lines.map(([t, f]) => textWidth(t, f)), ...jobs.map((t) => textWidth(t, F_TEXT) + 16), ...groupTexts) + 24);
      const height = 12 + lines.length * LINE + (jobs.length ? jobs.length * JOB_ROW + 4 : 0) + groupHeight(group);
      const wid = `wl:${w.name}`;
      boxes.set(wid, { kind: "workload", w, svcs, lines, jobs, group, peers: peers.has(w.name) });
      kids.push({ id: wid, width, height });
    }
    boxes.set(id, { kind: "pool", pool, title, detail, extras });
    children.push({
      id,
      children: kids,
      layoutOptions: {
        "elk.padding": `[top=${HEAD + extras.length * EXTRA_ROW},left=14,bottom=14,right=14]`,
        "elk.nodeSize.constraints": "MINIMUM_SIZE",
        // ELK 0.12 swaps a compound node's minimum size when the direction
        // is DOWN (a width becomes the height): give it swapped then.
        "elk.nodeSize.minimum": direction === "DOWN" ? `(64, ${quantize(minW)})` : `(${quantize(minW)}, 64)`,
      },
    });
  }
  const endpoints = new Map();
  const endpoint = (name, side) => {
    const id = `ext:${side}:${name}`;
    if (!endpoints.has(id)) {
      const label = endLabel(name);
      endpoints.set(id, { id, width: quantize(textWidth(label, F_TEXT) + 32), height: 30 });
      boxes.set(id, { kind: "external", name, label, side });
    }
    return id;
  };
  const edges = [];
  const flows = [];
  graph.flows.forEach((f) => {
    if (f.kind === "peers") return;
    const source = workloads.has(f.from) ? `wl:${f.from}` : endpoint(f.from, "src");
    const target = workloads.has(f.to) ? `wl:${f.to}` : endpoint(f.to, "dst");
    const label = portsLabel(f.ports);
    const id = `flow:${edges.length}`;
    edges.push({ id, sources: [source], targets: [target], labels: [{ id: id + ":label", text: label, width: textWidth(label, F_LABEL) + 8, height: 16 }] });
    flows.push({ id, f, label });
  });
  // Kueue: a box per LocalQueue (with its ClusterQueue), a dashed arrow to
  // each workload it admits, labelled with the workload's priority.
  const admissions = [];
  for (const q of graph.queues ?? []) {
    const id = `queue:${q.name}`;
    const lines = [`queue ${q.name}`, `ClusterQueue ${q.clusterQueue}`, `quota: ${q.pools.join(", ")}`];
    const width = quantize(Math.max(...lines.map((t, i) => textWidth(t, i ? F_TEXT : F_NAME))) + 24);
    children.push({ id, width, height: 12 + lines.length * LINE });
    boxes.set(id, { kind: "queue", q, lines });
    for (const name of q.workloads) {
      if (!workloads.has(name)) continue;
      const w = graph.workloads.find((x) => x.name === name);
      const label = `admits${w.priority ? " · " + w.priority : ""}`;
      const eid = `admit:${edges.length}`;
      edges.push({ id: eid, sources: [id], targets: [`wl:${name}`], labels: [{ id: eid + ":label", text: label, width: textWidth(label, F_LABEL) + 8, height: 16 }] });
      admissions.push({ id: eid, q, workload: name, label });
    }
  }
  children.push(...endpoints.values());
  const elk = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": direction,
      "elk.hierarchyHandling": "INCLUDE_CHILDREN",
      "elk.edgeRouting": "ORTHOGONAL",
      "elk.json.edgeCoords": "ROOT",
      "elk.json.shapeCoords": "ROOT",
      "elk.edgeLabels.placement": "CENTER",
      "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
      "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
      "elk.spacing.nodeNode": "28",
      "elk.layered.spacing.nodeNodeBetweenLayers": "56",
      "elk.spacing.edgeEdge": "14",
      "elk.spacing.edgeNode": "18",
      "elk.layered.spacing.edgeNodeBetweenLayers": "22",
      "elk.layered.spacing.edgeEdgeBetweenLayers": "14",
      "elk.spacing.edgeLabel": "4",
      "elk.spacing.componentComponent": "36",
      "elk.padding": "[top=12,left=12,bottom=12,right=12]",
    },
    children,
    edges,
  };
  return { elk, boxes, flows, admissions };
}

/** SVG markup for a laid-out model. */
export function render(graph, m, laid) {
  const pos = new Map();
  const walk = (n) => {
    pos.set(n.id, n);
    (n.children ?? []).forEach(walk);
  };
  walk(laid);
  const parts = [];
  const titles = []; // drawn last, over any arrow entering the pool (with a halo)
  for (const [id, b] of m.boxes) {
    const n = pos.get(id);
    if (!n) continue;
    const { x, y, width: w, height: h } = n;
    if (b.kind === "pool") {
      parts.push(`<g class="pool" data-pool="${esc(b.pool.name)}"><rect x="${x}" y="${y}" width="${w}" height="${h}" rx="8"/></g>`);
      const extras = b.extras.map(([t, cls, tip], i) => {
        const ty = y + 46 + i * EXTRA_ROW;
        const role = cls.startsWith("net ") ? ` data-network="${cls.slice(4)}"` : "";
        return (
          `<g class="pool-extra ${cls}"${role}><title>${esc(tip)}</title>` +
          (role ? `<rect x="${x + 10}" y="${ty}" width="${w - 20}" height="${EXTRA_ROW - 4}" rx="3"/>` : "") +
          `<text x="${x + 16}" y="${ty + 12}">${esc(t)}</text></g>`
        );
      });
      // The header band hides the stretch of any arrow that crosses it on its
      // way to a workload, so that no line runs through the pool's text.
      const band = `<rect class="pool-head" x="${x + 1}" y="${y + 1}" width="${Math.max(0, w - 2)}" height="${HEAD - 13 + b.extras.length * EXTRA_ROW}" rx="7"/>`;
      titles.push(
        `<g class="pool-label" data-pool="${esc(b.pool.name)}">${band}<text x="${x + 12}" y="${y + 20}" class="pool-title">${esc(b.title[0])}</text>` +
          `<text x="${x + 12}" y="${y + 37}" class="muted">${esc(b.detail[0])}</text>${extras.join("")}</g>`,
      );
    }
  }
  for (const [id, b] of m.boxes) {
    const n = pos.get(id);
    if (!n || b.kind === "pool") continue;
    const { x, y, width: w, height: h } = n;
    if (b.kind === "workload") {
      const texts = b.lines.map(([t, , cls], i) => `<text x="${x + 12}" y="${y + 20 + i * LINE}" class="${cls}">${esc(t)}</text>`);
      const svcs = b.svcs.map((s) => `<g class="service" data-service="${esc(s.name)}"><title>${esc(s.dns)}</title></g>`);
      const top = y + 8 + b.lines.length * LINE;
      const jobs = b.jobs.map(
        (t, i) =>
          `<g class="job" data-job="${esc(b.w.jobset.jobs[i].name)}"><rect x="${x + 8}" y="${top + i * JOB_ROW}" width="${w - 16}" height="${JOB_ROW - 4}" rx="3"/>` +
          `<text x="${x + 14}" y="${top + i * JOB_ROW + 13}">${esc(t)}</text></g>`,
      );
      let group = "";
      if (b.group) {
        const gy = top + (b.jobs.length ? b.jobs.length * JOB_ROW + 4 : 0);
        const gh = groupHeight(b.group) - 6;
        const rows = b.group.rows.map(
          ([t, cls], i) =>
            `<g class="group-pod ${cls}"><rect x="${x + 16}" y="${gy + GROUP_HEAD + i * JOB_ROW}" width="${w - 32}" height="${JOB_ROW - 4}" rx="3"/>` +
            `<text x="${x + 22}" y="${gy + GROUP_HEAD + i * JOB_ROW + 13}">${esc(t)}</text></g>`,
        );
        group =
          `<g class="group" data-groups="${esc(groupCount(b.w.groups))}" data-group-size="${b.w.groups.size}"><title>${esc(b.group.tip)}</title>` +
          `<rect x="${x + 8}" y="${gy}" width="${w - 16}" height="${gh}" rx="4"/>` +
          `<text x="${x + 14}" y="${gy + 14}" class="group-head">${esc(b.group.head)}</text>${rows.join("")}</g>`;
      }
      parts.push(
        `<g class="workload" data-workload="${esc(b.w.name)}"${b.peers ? ' data-peers="true"' : ""}${b.w.jobset ? ` data-jobset="${b.w.jobset.jobs.length}"` : ""}${b.w.groups ? ` data-group-size="${b.w.groups.size}"` : ""}><rect x="${x}" y="${y}" width="${w}" height="${h}" rx="6"/>` +
          texts.join("") +
          jobs.join("") +
          group +
          svcs.join("") +
          (b.w.pod0 ? `<title>${esc(b.w.pod0)}</title>` : "") +
          `</g>`,
      );
    } else if (b.kind === "queue") {
      const texts = b.lines.map((t, i) => `<text x="${x + 12}" y="${y + 20 + i * LINE}"${i ? ' class="muted"' : ' class="queue-name"'}>${esc(t)}</text>`);
      parts.push(
        `<g class="queue" data-queue="${esc(b.q.name)}" data-cluster-queue="${esc(b.q.clusterQueue)}"><title>Kueue LocalQueue ${esc(b.q.name)} → ClusterQueue ${esc(b.q.clusterQueue)}</title>` +
          `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="4"/>${texts.join("")}</g>`,
      );
    } else {
      parts.push(
        `<g class="external" data-external="${esc(b.name)}" data-side="${b.side === "src" ? "from" : "to"}"><rect x="${x}" y="${y}" width="${w}" height="${h}" rx="15"/>` +
          `<text x="${x + w / 2}" y="${y + 19}" text-anchor="middle">${esc(b.label)}</text></g>`,
      );
    }
  }
  const edgePos = new Map((laid.edges ?? []).map((e) => [e.id, e]));
  for (const { id, f, label } of m.flows) {
    const e = edgePos.get(id);
    if (!e?.sections?.length) continue;
    const d = e.sections
      .map((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p, i) => `${i ? "L" : "M"}${p.x} ${p.y}`).join(" "))
      .join(" ");
    const l = e.labels?.[0];
    const text = l ? `<text x="${l.x + l.width / 2}" y="${l.y + 12}" class="flow-label" text-anchor="middle">${esc(label)}</text>` : "";
    parts.push(
      `<g class="flow ${esc(f.kind)}" data-flow="${esc(f.from)}->${esc(f.to)}" data-ports="${esc(label)}"><title>${esc(f.from)} → ${esc(f.to)}: ${esc(label)}</title>` +
        `<path d="${d}" marker-end="url(#pw-arrow)"/>${text}</g>`,
    );
  }
  for (const { id, q, workload, label } of m.admissions) {
    const e = edgePos.get(id);
    if (!e?.sections?.length) continue;
    const d = e.sections
      .map((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p, i) => `${i ? "L" : "M"}${p.x} ${p.y}`).join(" "))
      .join(" ");
    const l = e.labels?.[0];
    const text = l ? `<text x="${l.x + l.width / 2}" y="${l.y + 12}" class="admit-label" text-anchor="middle">${esc(label)}</text>` : "";
    parts.push(
      `<g class="admission" data-queue="${esc(q.name)}" data-workload="${esc(workload)}"><title>queue ${esc(q.name)} admits ${esc(workload)}</title>` +
        `<path d="${d}" marker-end="url(#pw-arrow-q)"/>${text}</g>`,
    );
  }
  const W = Math.ceil(laid.width ?? 0);
  const H = Math.ceil(laid.height ?? 0);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="diagram" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="wiring of ${esc(graph.cluster)}">` +
    `<defs><marker id="pw-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>` +
    `<marker id="pw-arrow-q" class="q" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>` +
    parts.join("") +
    titles.join("") +
    `</svg>`
  );
}

/**
 * The diagram in an element: `update(graph)` lays out (when the layout
 * input changed) and draws; `stale(on)` dims it while the spec has errors;
 * `setDirection("RIGHT" | "DOWN")`: flows left to right (wide panels) or
 * top to bottom (narrow ones, where the page scrolls down anyway).
 */
export class Diagram {
  constructor(host, caption) {
    this.host = host;
    this.caption = caption;
    this.elk = null;
    this.lastKey = null;
    this.lastLaid = null;
    this.pending = null;
    this.running = false;
    this.graphJson = null;
    this.graph = null;
    this.direction = "RIGHT";
    this.lastDirection = "RIGHT";
  }

  setDirection(direction) {
    if (direction === this.direction) return Promise.resolve();
    this.direction = direction;
    const g = this.graph;
    const json = this.graphJson;
    this.graphJson = null;
    return g ? this.update(g, json) : Promise.resolve();
  }

  engine() {
    this.elk ??= new ELK({ workerUrl: elkWorkerUrl });
    return this.elk;
  }

  /** Draw `graph` (the core's); returns when it is on screen. */
  update(graph, graphJson) {
    if (graphJson === this.graphJson) return Promise.resolve();
    this.graphJson = graphJson;
    this.graph = graph;
    this.caption.textContent =
      `cluster ${graph.cluster} · namespace ${graph.namespace} · ` +
      (graph.isolated ? "NetworkPolicies allow only the arrows (and DNS)" : "no connections declared: no NetworkPolicies, all traffic allowed");
    const key = this.direction + JSON.stringify(model(graph, this.direction).elk);
    if (key === this.lastKey && this.lastLaid) {
      this.draw(graph, model(graph, this.lastDirection), this.lastLaid);
      return Promise.resolve();
    }
    this.host.dataset.state = "layout";
    return new Promise((resolve) => {
      this.pending?.resolve();
      this.pending = { graph, key, resolve };
      this.run();
    });
  }

  /**
   * Lay out in the preferred direction; top to bottom that comes out wider
   * than the panel (many workloads side by side in a pool), also left to
   * right, and keep the narrower.
   */
  async layout(graph) {
    let direction = this.direction;
    let laid = await this.engine().layout(model(graph, direction).elk);
    const room = this.host.parentElement?.clientWidth ?? Infinity;
    if (direction === "DOWN" && laid.width > room) {
      const across = await this.engine().layout(model(graph, "RIGHT").elk);
      if (across.width < laid.width) {
        laid = across;
        direction = "RIGHT";
      }
    }
    return { laid, direction };
  }

  async run() {
    if (this.running || !this.pending) return;
    this.running = true;
    const { graph, key, resolve } = this.pending;
    this.pending = null;
    if (key !== this.lastKey || !this.lastLaid) {
      this.host.dataset.state = "layout";
      try {
        const { laid, direction } = await this.layout(graph);
        this.lastLaid = laid;
        this.lastDirection = direction;
        this.lastKey = key;
      } catch (e) {
        this.lastKey = null;
        this.lastLaid = null;
        this.host.dataset.state = "failed";
        this.host.textContent = `layout failed: ${e}`;
      }
    }
    // A newer graph waits: draw that one instead (on this layout if it fits).
    if (this.lastLaid && !this.pending) this.draw(graph, model(graph, this.lastDirection), this.lastLaid);
    resolve();
    this.running = false;
    this.run();
  }

  draw(graph, m, laid) {
    this.host.innerHTML = render(graph, m, laid);
    this.host.dataset.direction = this.lastDirection;
    this.host.dataset.state = "ready";
  }

  /** No graph to draw yet (the first spec has errors). */
  empty(text) {
    if (this.lastLaid || this.pending || this.running) return;
    this.host.textContent = text;
    this.host.dataset.state = "empty";
  }

  stale(on) {
    this.host.classList.toggle("stale", on);
  }
}
