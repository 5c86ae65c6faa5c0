#!/usr/bin/env node
// Typing into the playground, without the page: the CPU time of one
// `Preview.update` of the built package (pkg/, scripts/build-pkg) per
// single-character edit, as the e2e typing test makes them (digits typed at
// the end of one workload's image tag), on the generated spec of
// tests/e2e/generated.mjs, and on the seed example.
//
// Usage: node scripts/bench-preview.mjs [--keys N] [--workloads N]
// Prints the median and the 95th percentile per shown output, and the load
// average (the machine is shared: the figures measure it too).
import { loadavg, cpus } from "node:os";
import { Preview, examples } from "../pkg/node.js";
import { generated } from "../tests/e2e/generated.mjs";

const arg = (name, d) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? d : Number(process.argv[i + 1]);
};
const keys = arg("--keys", 60);
const n = arg("--workloads", 200);

const stats = (ts) => {
  const s = [...ts].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  return `median ${q(0.5).toFixed(2)} ms, p95 ${q(0.95).toFixed(2)} ms`;
};

/** Type `keys` digits after `needle` in `source`, one update per key; ms of CPU per update. */
function typing(source, needle, files) {
  const p = new Preview();
  const opts = files ? { files } : undefined;
  p.update(source, opts);
  const at = source.indexOf(needle) + needle.length;
  if (at < needle.length) throw new Error(`${needle} not in the spec`);
  const ts = [];
  let typed = "";
  for (let i = 0; i < keys; i++) {
    typed += String(i % 10);
    const text = source.slice(0, at) + typed + source.slice(at);
    const t0 = process.cpuUsage();
    p.update(text, opts);
    const d = process.cpuUsage(t0);
    ts.push((d.user + d.system) / 1000);
    p.tidy(); // when idle, as the playground's worker does
  }
  return ts;
}

const big = generated(n);
const seed = examples().find((e) => e.name === "seed").source;
const rows = [
  [`${n} workloads, GKE tab`, typing(big, "image: us-docker.pkg.dev/p/r/w:17", ["gke/cluster.json"])],
  [`${n} workloads, manifests tab`, typing(big, "image: us-docker.pkg.dev/p/r/w:42", ["k8s/manifests.yaml"])],
  ["seed, GKE tab", typing(seed, "tensor-worker:1.0", ["gke/cluster.json"])],
];
for (const [name, ts] of rows) console.log(`${name}: ${stats(ts)}`);
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} on ${cpus().length} CPUs`);
