//! Golden tests: every example compiles cleanly, and its three output files
//! are reviewed snapshots (tests/snapshots/). Change them only on purpose,
//! reviewing the diff (`INSTA_UPDATE=always cargo test --test golden`, then `git diff`).

mod support;

use std::path::Path;

fn examples() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut v: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("examples/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            let name = p
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            (name, std::fs::read_to_string(&p).expect("readable"))
        })
        .collect();
    v.sort();
    v
}

#[test]
fn there_are_examples() {
    let names: Vec<String> = examples().into_iter().map(|e| e.0).collect();
    for want in [
        "seed",
        "pytorch-a3",
        "serving-l4-spot",
        "tpu-v5e-jax",
        "mixed-stack",
        "queued-a3-mega",
        "flex-h100-kueue",
        "v5e-multislice-jax",
        "pytorch-restarts-data",
        "llama-l4-serving",
        "a3-mega-tcpxo",
        "flex-h100-pytorch",
        "a4-rdma-train",
        "llama-405b-multihost",
    ] {
        assert!(names.iter().any(|n| n == want), "missing example {want}");
    }
}

#[test]
fn examples_compile_cleanly_and_match_snapshots() {
    for (name, src) in examples() {
        let c = podwire::compile(&src, &podwire::Options::default());
        assert!(c.ok, "{name}: {:#?}", c.diagnostics);
        // The only diagnostic an example may have is one it is meant to
        // show: serving-l4-spot's private nodes reach the internet (model
        // downloads) only through a Cloud NAT, which podwire warns about.
        let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code.as_str()).collect();
        // These run a distributed job over several A3 nodes without
        // GPUDirect, which podwire warns costs bandwidth.
        let expected: &[&str] = match name.as_str() {
            "serving-l4-spot" => &["PW0416"],
            "pytorch-a3"
            | "queued-a3-mega"
            | "flex-h100-kueue"
            | "pytorch-restarts-data"
            | "flex-h100-pytorch" => &["PW0702"],
            // GPUDirect names its Pod Security exemptions.
            "a3-mega-tcpxo" | "a4-rdma-train" => &["PW0706"],
            // An internal Gateway needs the region's proxy-only subnet,
            // which GKE does not create: the warning says how.
            "llama-l4-serving" => &["PW0625"],
            _ => &[],
        };
        assert_eq!(
            codes, expected,
            "{name} has diagnostics: {:#?}",
            c.diagnostics
        );
        let paths: Vec<&str> = c.files.iter().map(|f| f.path.as_str()).collect();
        // Only specs with GPUDirect pools have extra networks to create.
        let gpu_direct = src.contains("gpuDirect: true");
        let mut want = vec![podwire::GKE_FILE];
        if gpu_direct {
            want.push(podwire::NETWORKS_FILE);
        }
        want.extend([podwire::MANIFESTS_FILE, podwire::KUBECONFIG_FILE]);
        assert_eq!(paths, want, "{name}");
        for f in &c.files {
            let snap = format!("{name}__{}", f.path.replace(['/', '.'], "_"));
            insta::assert_snapshot!(snap, &f.content);
        }
    }
}

#[test]
fn compile_is_deterministic() {
    for (name, src) in examples() {
        let a = podwire::compile(&src, &podwire::Options::default());
        let b = podwire::compile(&src, &podwire::Options::default());
        assert_eq!(a, b, "{name}");
    }
}

#[test]
fn json_input_compiles_to_the_same_output() {
    // YAML and JSON are the same language: convert each example to JSON and compare.
    for (name, src) in examples() {
        let json = yaml_to_json(&src);
        let a = podwire::compile(&src, &podwire::Options::default());
        let b = podwire::compile(&json, &podwire::Options::default());
        assert!(b.ok, "{name} as JSON: {:#?}", b.diagnostics);
        assert_eq!(a.files, b.files, "{name}");
    }
}

/// YAML -> JSON through an independent parser (tests/support/yaml.rs), so
/// that podwire's reader is not the judge of its own reading.
fn yaml_to_json(src: &str) -> String {
    let v = support::yaml::document(src).expect("example parses");
    serde_json::to_string_pretty(&v).expect("json")
}
