//! Compile-time benchmarks: every example, and generated specs of 200 and 2000
//! workloads (to show growth is linear).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

/// The allocator the `podwire` binary ships with (src/main.rs), so that these
/// figures are what the CLI does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn generated(n: usize) -> String {
    let mut s = String::from(
        "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: big}\ngcp: {project: my-project, location: us-central1}\ncluster:\n  nodePools:\n    - {name: cpu, machineType: n2-standard-32, autoscaling: {min: 1, max: 1000}}\n    - {name: gpu, machineType: g2-standard-96, autoscaling: {min: 0, max: 1000}}\nworkloads:\n",
    );
    for i in 0..n {
        let pool = if i % 2 == 0 { "cpu" } else { "gpu" };
        let gpus = if i % 2 == 0 { "" } else { "\n    gpus: 1" };
        s.push_str(&format!(
            "  - name: w{i}\n    image: us-docker.pkg.dev/p/r/w:{i}\n    pool: {pool}\n    run: service\n    replicas: 2{gpus}\n    peers: {}\n    ports: [{{name: http, port: 8000}}]\n    resources: {{cpu: 500m, memory: 1Gi}}\n",
            i % 3 == 0
        ));
    }
    s.push_str("connections:\n");
    for i in 1..n {
        s.push_str(&format!(
            "  - {{from: w{}, to: w{i}, ports: [http]}}\n",
            i - 1
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    let mut g = c.benchmark_group("examples");
    for p in names
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
    {
        let src = std::fs::read_to_string(p).unwrap_or_default();
        let name = p
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        g.bench_function(BenchmarkId::new("compile", &name), |b| {
            b.iter(|| podwire::compile(black_box(&src), &podwire::Options::default()))
        });
        g.bench_function(BenchmarkId::new("check", &name), |b| {
            b.iter(|| podwire::analyze(black_box(&src)))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("generated");
    g.sample_size(20);
    for n in [200usize, 2000] {
        let src = generated(n);
        assert!(podwire::compile(&src, &podwire::Options::default()).ok);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(BenchmarkId::new("compile", n), |b| {
            b.iter(|| podwire::compile(black_box(&src), &podwire::Options::default()))
        });
        // Parse + check alone: how much of the compile is reading the spec.
        g.bench_function(BenchmarkId::new("check", n), |b| {
            b.iter(|| podwire::analyze(black_box(&src)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
