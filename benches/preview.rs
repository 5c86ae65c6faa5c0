//! Typing into a large spec, natively: `Preview::update` per single-digit
//! edit of one workload's image tag (what scripts/bench-preview.mjs times in
//! the wasm module). Prints the median per update; also a target for
//! `valgrind --tool=callgrind` (`--keys N` for fewer updates).

use std::time::Instant;

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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let keys = args
        .iter()
        .position(|a| a == "--keys")
        .and_then(|i| args.get(i + 1))
        .and_then(|k| k.parse().ok())
        .unwrap_or(100usize);
    let src = generated(200);
    let needle = "image: us-docker.pkg.dev/p/r/w:17";
    let at = src.find(needle).map(|i| i + needle.len()).unwrap_or(0);
    let opts = podwire::Options::default();
    for file in [podwire::GKE_FILE, podwire::MANIFESTS_FILE] {
        let wanted = |p: &str| p == file;
        let mut p = podwire::preview::Preview::new();
        p.update(&src, &opts, &wanted);
        let mut typed = String::new();
        let mut ts = Vec::new();
        for i in 0..keys {
            typed.push(char::from(b'0' + (i % 10) as u8));
            let text = format!("{}{typed}{}", &src[..at], &src[at..]);
            let t0 = Instant::now();
            std::hint::black_box(p.update(&text, &opts, &wanted));
            ts.push(t0.elapsed().as_secs_f64() * 1e3);
            p.tidy(); // when idle, as the playground's worker does
        }
        ts.sort_by(f64::total_cmp);
        println!("{file}: median {:.2} ms per update", ts[ts.len() / 2]);
    }
}
