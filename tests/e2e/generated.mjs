// The generated spec of benches/compile.rs and scripts/bench-budgets: `n`
// workloads alternating between a CPU and a GPU pool, a third of them with
// peers, and a chain of connections w0 -> w1 -> ... (ports: [http]).
export function generated(n) {
  let s =
    "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: big}\n" +
    "gcp: {project: my-project, location: us-central1}\ncluster:\n  nodePools:\n" +
    "    - {name: cpu, machineType: n2-standard-32, autoscaling: {min: 1, max: 1000}}\n" +
    "    - {name: gpu, machineType: g2-standard-96, autoscaling: {min: 0, max: 1000}}\n" +
    "workloads:\n";
  for (let i = 0; i < n; i++) {
    const [pool, gpus] = i % 2 === 0 ? ["cpu", ""] : ["gpu", "\n    gpus: 1"];
    s +=
      `  - name: w${i}\n    image: us-docker.pkg.dev/p/r/w:${i}\n    pool: ${pool}\n` +
      `    run: service\n    replicas: 2${gpus}\n    peers: ${i % 3 === 0 ? "true" : "false"}\n` +
      "    ports: [{name: http, port: 8000}]\n    resources: {cpu: 500m, memory: 1Gi}\n";
  }
  s += "connections:\n";
  for (let i = 1; i < n; i++) s += `  - {from: w${i - 1}, to: w${i}, ports: [http]}\n`;
  return s;
}
