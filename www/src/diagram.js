// The wiring diagram: node pools (boxes) holding their workloads, each
// workload's Services, and the allowed flows as arrows. Pure function of the
// `graph` that podwire's compile() returns; all decisions are the core's.

const esc = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const W_EXT = 130; // external endpoints column width
const X_POOL = 190;
const W_POOL = 390;
const X_WL = X_POOL + 14;
const W_WL = 200;
const X_SVC = X_WL + W_WL + 12;
const W_SVC = W_POOL - (X_SVC - X_POOL) - 12;
const X_OUT = X_POOL + W_POOL + 50;
const WIDTH = X_OUT + W_EXT + 10;

function portsLabel(ports) {
  return ports.length ? ports.join(",") : "all ports";
}

function endLabel(e) {
  if (e.startsWith("cidr:")) return e.slice(5);
  if (e.startsWith("namespace:")) return "ns " + e.slice(10);
  return e;
}

/** SVG markup for a graph (or a placeholder when there is none). */
export function renderDiagram(graph) {
  if (!graph) {
    return `<svg xmlns="http://www.w3.org/2000/svg" class="diagram" viewBox="0 0 ${WIDTH} 40" width="${WIDTH}" height="40"><text x="10" y="24" class="muted">fix the errors to see the wiring</text></svg>`;
  }
  const workloads = new Set(graph.workloads.map((w) => w.name));
  const parts = [];
  const boxes = new Map(); // workload name -> {x, y, w, h}
  let y = 34;
  for (const pool of graph.pools) {
    const members = graph.workloads.filter((w) => w.pool === pool.name);
    const rows = members.map((w) => {
      const svcs = graph.services.filter((s) => s.workload === w.name);
      return { w, svcs, h: Math.max(48, svcs.length * 24 + 10) };
    });
    const h = 30 + rows.reduce((a, r) => a + r.h + 10, 0) + (rows.length ? 0 : 20);
    const nodes = pool.maxNodes != null ? `${pool.nodes}–${pool.maxNodes} nodes` : `${pool.nodes} node${pool.nodes === 1 ? "" : "s"}`;
    parts.push(
      `<g class="pool" data-pool="${esc(pool.name)}"><rect x="${X_POOL}" y="${y}" width="${W_POOL}" height="${h}" rx="8"/>` +
        `<text x="${X_POOL + 10}" y="${y + 19}" class="pool-title">${esc(pool.name)}</text>` +
        `<text x="${X_POOL + W_POOL - 10}" y="${y + 19}" text-anchor="end" class="muted">${esc(pool.machineType)}${pool.accelerator ? " · " + esc(pool.accelerator) : ""} · ${nodes}</text></g>`,
    );
    let ry = y + 30;
    for (const { w, svcs, h: rh } of rows) {
      boxes.set(w.name, { x: X_WL, y: ry, w: W_WL, h: rh });
      parts.push(
        `<g class="workload" data-workload="${esc(w.name)}"><rect x="${X_WL}" y="${ry}" width="${W_WL}" height="${rh}" rx="6"/>` +
          `<text x="${X_WL + 10}" y="${ry + 19}" class="wl-name">${esc(w.name)}</text>` +
          `<text x="${X_WL + 10}" y="${ry + 37}" class="muted">${esc(w.kind)} ×${w.replicas}${w.ports.length ? " · :" + esc(w.ports.join(", :")) : ""}${w.queue ? " · queue " + esc(w.queue) + (w.priority ? " (" + esc(w.priority) + ")" : "") : ""}</text></g>`,
      );
      svcs.forEach((s, i) => {
        const sy = ry + 6 + i * 24;
        parts.push(
          `<g class="service" data-service="${esc(s.name)}"><title>${esc(s.dns)}</title><rect x="${X_SVC}" y="${sy}" width="${W_SVC}" height="20" rx="10"/>` +
            `<text x="${X_SVC + 8}" y="${sy + 14}">${esc(s.name)} <tspan class="muted">${esc(s.kind)}</tspan></text></g>`,
        );
      });
      ry += rh + 10;
    }
    y += h + 16;
  }

  // External endpoints: sources on the left, destinations on the right.
  const ext = new Map();
  const placeExt = (name, side) => {
    const key = side + name;
    if (ext.has(key)) return ext.get(key);
    const count = [...ext.keys()].filter((k) => k.startsWith(side)).length;
    const box = { x: side === "L" ? 10 : X_OUT, y: 40 + count * 44, w: W_EXT, h: 30, name };
    ext.set(key, box);
    parts.push(
      `<g class="external" data-external="${esc(name)}"><rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" rx="15"/>` +
        `<text x="${box.x + box.w / 2}" y="${box.y + 19}" text-anchor="middle">${esc(endLabel(name))}</text></g>`,
    );
    return box;
  };

  let lane = 0;
  for (const f of graph.flows) {
    const attrs = `class="flow ${esc(f.kind)}" data-flow="${esc(f.from)}->${esc(f.to)}"`;
    const label = esc(portsLabel(f.ports));
    if (f.kind === "peers") {
      // Traffic among the workload's own pods: a loop inside its box.
      const b = boxes.get(f.from);
      if (!b) continue;
      const x = b.x + b.w - 22;
      const y = b.y + 12;
      parts.push(
        `<g ${attrs}><title>${esc(f.from)} pods reach each other</title>` +
          `<path d="M ${x - 6} ${y + 4} a 7 7 0 1 1 6 6" marker-end="url(#arrow)"/>` +
          `<text x="${x + 12}" y="${b.y + 37}" text-anchor="end" class="flow-label">peers</text></g>`,
      );
      continue;
    }
    const src = workloads.has(f.from) ? boxes.get(f.from) : placeExt(f.from, "L");
    const dst = workloads.has(f.to) ? boxes.get(f.to) : placeExt(f.to, "R");
    if (!src || !dst) continue;
    let d;
    let lx;
    let ly;
    if (workloads.has(f.from) && workloads.has(f.to)) {
      // Both inside: a curve bulging out to the left of the pools.
      const bulge = 30 + (lane++ % 4) * 14;
      const y1 = src.y + src.h / 2 - 6;
      const y2 = dst.y + dst.h / 2 + 6;
      d = `M ${src.x} ${y1} C ${src.x - bulge} ${y1}, ${dst.x - bulge} ${y2}, ${dst.x} ${y2}`;
      lx = Math.min(src.x, dst.x) - bulge + 4;
      ly = (y1 + y2) / 2;
    } else {
      const x1 = src.x + src.w;
      const y1 = src.y + src.h / 2;
      const x2 = workloads.has(f.to) ? dst.x : dst.x;
      const y2 = dst.y + dst.h / 2;
      const fromRight = workloads.has(f.from) ? src.x + src.w + (W_POOL - W_WL - 14) : x1;
      d = `M ${fromRight} ${y1} C ${(fromRight + x2) / 2} ${y1}, ${(fromRight + x2) / 2} ${y2}, ${x2} ${y2}`;
      lx = (fromRight + x2) / 2;
      ly = (y1 + y2) / 2 - 4;
    }
    parts.push(
      `<g ${attrs}><title>${esc(f.from)} → ${esc(f.to)} : ${label}</title><path d="${d}" marker-end="url(#arrow)"/>` +
        `<text x="${lx}" y="${ly}" class="flow-label" text-anchor="middle">${label}</text></g>`,
    );
  }

  const extBottom = Math.max(0, ...[...ext.values()].map((b) => b.y + b.h + 10));
  const height = Math.max(y, extBottom) + 4;
  const note = graph.isolated
    ? "NetworkPolicies allow only the arrows (and DNS)"
    : "no connections declared: no NetworkPolicies, all traffic allowed";
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="diagram" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="wiring of ${esc(graph.cluster)}">` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>` +
    `<text x="10" y="20" class="title">cluster ${esc(graph.cluster)} · namespace ${esc(graph.namespace)}</text>` +
    `<text x="${WIDTH - 10}" y="20" text-anchor="end" class="muted">${esc(note)}</text>` +
    parts.join("") +
    `</svg>`
  );
}
