//! Conformance: every example's output checked against Google's GKE discovery
//! schema, the official Kubernetes schemas (kubernetes-validate --strict),
//! kubectl's reading of the kubeconfig, and the body gcloud itself sends.
//!
//! Tools come from the machine (installed by scripts/setup). Outside CI a
//! missing tool skips its check with a note; under CI (`CI` set) it fails.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

fn examples() -> Vec<(String, podwire::Compiled)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).expect("examples").flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "yaml") {
            let src = std::fs::read_to_string(&p).expect("read");
            let name = p
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            let c = podwire::compile(&src, &podwire::Options::default());
            assert!(c.ok, "{name}: {:?}", c.diagnostics);
            v.push((name, c));
        }
    }
    v.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(v.len() >= 5);
    v
}

fn file<'c>(c: &'c podwire::Compiled, path: &str) -> &'c str {
    c.files
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.content.as_str())
        .unwrap_or_default()
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("podwire-conf-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tmp");
    d
}

#[test]
fn gke_bodies_pass_the_discovery_schema() {
    let Some(doc) = support::discovery_doc() else {
        assert!(
            std::env::var("CI").map_or(true, |v| v.is_empty()),
            "CI must provide the GKE discovery document (pip google-api-python-client==2.202.0)"
        );
        eprintln!("skipping: no GKE discovery document");
        return;
    };
    for (name, c) in examples() {
        let body: serde_json::Value =
            serde_json::from_str(file(&c, podwire::GKE_FILE)).expect("json");
        let (errors, warnings) = support::check_gke_body(&doc, "CreateClusterRequest", &body);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        assert!(
            warnings.is_empty(),
            "{name}: deprecated or output-only fields: {warnings:#?}"
        );
    }
}

#[test]
fn gke_bodies_pass_googles_checker_tool() {
    // The shared checker, where this checkout has it (developers' machines and CI).
    let Some(shared) = support::shared_dir() else {
        eprintln!("skipping: ../shared not present");
        return;
    };
    let tool = shared.join("tools/check-gke-body");
    let doc = shared.join("gke/container-v1-discovery.json");
    let dir = scratch("checker");
    for (name, c) in examples() {
        let f = dir.join(format!("{name}.json"));
        std::fs::write(&f, file(&c, podwire::GKE_FILE)).expect("write");
        let o = Command::new("python3")
            .arg(&tool)
            .arg(&doc)
            .arg("CreateClusterRequest")
            .arg(&f)
            .output()
            .expect("python3 runs");
        assert!(
            o.status.success(),
            "{name}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn manifests_pass_kubernetes_validate_strict() {
    if !support::require_tool("kubernetes-validate") {
        return;
    }
    let dir = scratch("kv");
    for (name, c) in examples() {
        let f = dir.join(format!("{name}.yaml"));
        std::fs::write(&f, file(&c, podwire::MANIFESTS_FILE)).expect("write");
        let o = Command::new("kubernetes-validate")
            .arg("--strict")
            .arg(&f)
            .output()
            .expect("runs");
        let out = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(o.status.success(), "{name}: {out}");
        // Custom resources have no schema here (the validator skips each
        // with a warning): tests/crds.rs checks them against their CRDs.
        let all =
            support::yaml::documents(file(&c, podwire::MANIFESTS_FILE)).expect("manifests parse");
        let custom = all
            .iter()
            .filter(|o| support::is_custom_resource(o["apiVersion"].as_str().unwrap_or_default()))
            .count();
        let docs = all.len() - custom;
        assert!(
            out.matches("passed for resource").count() == docs,
            "{name}: expected all {docs} built-in objects to pass: {out}"
        );
        assert_eq!(
            out.matches("Couldn't find schema").count(),
            custom,
            "{name}: {out}"
        );
    }
}

#[test]
fn kubernetes_validate_can_fail() {
    // The check above means something only if the validator rejects bad objects.
    if !support::require_tool("kubernetes-validate") {
        return;
    }
    let dir = scratch("kv-bad");
    let f = dir.join("bad.yaml");
    std::fs::write(&f, "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  clusterIP: None\n  publishNotReady: true\n").expect("write");
    let o = Command::new("kubernetes-validate")
        .arg("--strict")
        .arg(&f)
        .output()
        .expect("runs");
    assert!(!o.status.success(), "an unknown field must fail --strict");
}

fn kubectl_view(path: &Path) -> serde_json::Value {
    let o = Command::new("kubectl")
        .args(["config", "view", "--raw", "-o", "json", "--kubeconfig"])
        .arg(path)
        .output()
        .expect("kubectl runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json")
}

#[test]
fn kubeconfigs_read_by_kubectl() {
    if !support::require_tool("kubectl") {
        return;
    }
    let dir = scratch("kubectl");
    for (name, c) in examples() {
        let f = dir.join(format!("{name}.yaml"));
        std::fs::write(&f, file(&c, podwire::KUBECONFIG_FILE)).expect("write");
        let v = kubectl_view(&f);
        let ctx = v["current-context"]
            .as_str()
            .expect("current-context")
            .to_string();
        assert!(ctx.starts_with("gke_my-project_"), "{name}: {ctx}");
        assert_eq!(v["contexts"][0]["name"], ctx.as_str());
        assert_eq!(v["clusters"][0]["name"], ctx.as_str());
        assert_eq!(v["users"][0]["name"], ctx.as_str());
        let server = v["clusters"][0]["cluster"]["server"]
            .as_str()
            .unwrap_or_default();
        assert!(
            server.starts_with("https://") && server.ends_with(".invalid"),
            "{name}: {server}"
        );
        let exec = &v["users"][0]["user"]["exec"];
        assert_eq!(exec["command"], "gke-gcloud-auth-plugin");
        assert_eq!(exec["apiVersion"], "client.authentication.k8s.io/v1beta1");
        assert_eq!(exec["provideClusterInfo"], true);
        assert!(v["users"][0]["user"].get("auth-provider").is_none());
    }
    // Filled from a live cluster resource: CA verbatim, endpoint with port.
    let src =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.yaml"))
            .expect("read");
    let ep = podwire::kubeconfig::Endpoint {
        endpoint: "127.0.0.1:8443".into(),
        ca_certificate: "TFMwdExTMUNSVWRKVGlCRFJWSlVTVVpKUTBGVVJTMHRMUzB0Q2c9PQ==".into(),
    };
    let c = podwire::compile(
        &src,
        &podwire::Options {
            endpoint: Some(ep.clone()),
            ..Default::default()
        },
    );
    let f = dir.join("filled.yaml");
    std::fs::write(&f, file(&c, podwire::KUBECONFIG_FILE)).expect("write");
    let v = kubectl_view(&f);
    assert_eq!(
        v["clusters"][0]["cluster"]["server"],
        "https://127.0.0.1:8443"
    );
    assert_eq!(
        v["clusters"][0]["cluster"]["certificate-authority-data"],
        ep.ca_certificate.as_str()
    );
}

#[test]
fn kubeconfig_matches_gcloud_get_credentials() {
    let Some(shared) = support::shared_dir() else {
        eprintln!("skipping: ../shared not present");
        return;
    };
    if !support::require_tool("gcloud") || !support::require_tool("kubectl") {
        return;
    }
    let dir = scratch("getcred");
    let theirs = dir.join("gcloud.yaml");
    let o = Command::new(shared.join("tools/gcloud-oracle"))
        .env("ORACLE_PROJECT", "my-project")
        .env("ORACLE_KUBECONFIG", &theirs)
        .args([
            "clusters",
            "get-credentials",
            "my-ai-cluster",
            "--zone",
            "us-central1-a",
        ])
        .output()
        .expect("oracle runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let g = kubectl_view(&theirs);
    // Use gcloud's endpoint and CA, then compare the whole structure.
    let ep = podwire::kubeconfig::Endpoint {
        endpoint: g["clusters"][0]["cluster"]["server"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("https://")
            .to_string(),
        ca_certificate: g["clusters"][0]["cluster"]["certificate-authority-data"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    };
    let src =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.yaml"))
            .expect("read");
    let c = podwire::compile(
        &src,
        &podwire::Options {
            endpoint: Some(ep),
            ..Default::default()
        },
    );
    let ours = dir.join("ours.yaml");
    std::fs::write(&ours, file(&c, podwire::KUBECONFIG_FILE)).expect("write");
    assert_eq!(kubectl_view(&ours), g);
}

/// Run gcloud against the fake API and return the body it sent.
fn oracle(args: &[&str]) -> Option<serde_json::Value> {
    support::gcloud_oracle(args)
}

fn ours(name: &str) -> serde_json::Value {
    let src = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name),
    )
    .expect("read");
    let c = podwire::compile(&src, &podwire::Options::default());
    serde_json::from_str(file(&c, podwire::GKE_FILE)).expect("json")
}

#[test]
fn seed_body_equals_gcloud() {
    let Some(theirs) = oracle(&[
        "clusters",
        "create",
        "my-ai-cluster",
        "--zone",
        "us-central1-a",
        "--num-nodes",
        "3",
        "--machine-type",
        "n1-standard-1",
        "--scopes",
        "compute-rw,storage-ro,logging-write,monitoring",
        // The seed's 3-replica service has a PodDisruptionBudget.
        "--max-surge-upgrade",
        "1",
        "--max-unavailable-upgrade",
        "0",
        "--enable-ip-alias",
        "--enable-dataplane-v2",
        "--workload-pool",
        "my-project.svc.id.goog",
        "--release-channel",
        "regular",
    ]) else {
        eprintln!("skipping: gcloud oracle not available");
        return;
    };
    assert_eq!(ours("seed.yaml"), theirs);
}

#[test]
fn gpu_body_equals_gcloud() {
    let Some(mut theirs) = oracle(&[
        "clusters",
        "create",
        "llm-train",
        "--zone",
        "us-central1-a",
        "--num-nodes",
        "2",
        "--machine-type",
        "a3-highgpu-8g",
        "--accelerator",
        "type=nvidia-h100-80gb,count=8,gpu-driver-version=latest",
        "--placement-type",
        "COMPACT",
        "--disk-size",
        "200",
        "--disk-type",
        "pd-ssd",
        "--scopes",
        "cloud-platform",
        "--enable-gvnic",
        "--labels",
        "team=ml",
        "--cluster-version",
        "1.32",
        "--release-channel",
        "regular",
        "--enable-ip-alias",
        "--enable-dataplane-v2",
        "--workload-pool",
        "my-project.svc.id.goog",
    ]) else {
        eprintln!("skipping: gcloud oracle not available");
        return;
    };
    // gcloud names the first pool `default-pool`; the spec names it `gpu`.
    theirs["cluster"]["nodePools"][0]["name"] = "gpu".into();
    assert_eq!(ours("pytorch-a3.yaml"), theirs);
}

#[test]
fn tpu_pool_equals_gcloud_node_pool() {
    let Some(theirs) = oracle(&[
        "node-pools",
        "create",
        "tpu",
        "--cluster",
        "jax-tpu",
        "--zone",
        "us-west4-a",
        "--num-nodes",
        "2",
        "--machine-type",
        "ct5lp-hightpu-4t",
        "--tpu-topology",
        "2x4",
    ]) else {
        eprintln!("skipping: gcloud oracle not available");
        return;
    };
    assert_eq!(
        ours("tpu-v5e-jax.yaml")["cluster"]["nodePools"][0],
        theirs["nodePool"]
    );
}

#[test]
fn multislice_pools_equal_gcloud_node_pools() {
    // GKE makes each multi-host slice its own node pool: the spec's `tpu`
    // pool with `slices: 2` is tpu-0 and tpu-1, each what gcloud sends for
    // one 4x4 slice.
    let body = ours("v5e-multislice-jax.yaml");
    let pools = body["cluster"]["nodePools"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = pools.iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(names, ["tpu-0", "tpu-1"]);
    for (i, pool) in pools.iter().enumerate() {
        let name = format!("tpu-{i}");
        let Some(theirs) = oracle(&[
            "node-pools",
            "create",
            &name,
            "--cluster",
            "jax-multislice",
            "--zone",
            "us-west4-a",
            "--num-nodes",
            "4",
            "--machine-type",
            "ct5lp-hightpu-4t",
            "--tpu-topology",
            "4x4",
        ]) else {
            eprintln!("skipping: gcloud oracle not available");
            return;
        };
        assert_eq!(pool, &theirs["nodePool"], "{name}");
    }
}

#[test]
fn local_ssd_scratch_pool_equals_gcloud() {
    // Scratch space on an A3 High pool backs ephemeral storage with its 16
    // Local SSDs, as `--ephemeral-storage-local-ssd count=16` does.
    let Some(theirs) = oracle(&[
        "node-pools",
        "create",
        "h100",
        "--cluster",
        "llm-finetune",
        "--zone",
        "us-central1-a",
        "--num-nodes",
        "2",
        "--machine-type",
        "a3-highgpu-8g",
        "--accelerator",
        "type=nvidia-h100-80gb,count=8,gpu-driver-version=default",
        "--placement-type",
        "COMPACT",
        "--enable-gvnic",
        "--ephemeral-storage-local-ssd",
        "count=16",
    ]) else {
        eprintln!("skipping: gcloud oracle not available");
        return;
    };
    assert_eq!(
        ours("pytorch-restarts-data.yaml")["cluster"]["nodePools"][0],
        theirs["nodePool"]
    );
}

#[test]
fn image_streaming_pool_equals_gcloud() {
    // `imageStreaming: true` on the multi-host serving example's A3 pool
    // (with its Local SSD scratch and file cache, and its budget's surge
    // settings) is `--enable-image-streaming`: `gcfsConfig.enabled`; its
    // `secondaryBootDisk` is `--secondary-boot-disk`.
    let Some(theirs) = oracle(&[
        "node-pools",
        "create",
        "h100",
        "--cluster",
        "llama-405b",
        "--zone",
        "us-central1-a",
        "--machine-type",
        "a3-highgpu-8g",
        "--accelerator",
        "type=nvidia-h100-80gb,count=8,gpu-driver-version=default",
        "--enable-autoscaling",
        "--min-nodes",
        "2",
        "--max-nodes",
        "4",
        "--num-nodes",
        "2",
        "--enable-gvnic",
        "--ephemeral-storage-local-ssd",
        "count=16",
        "--enable-image-streaming",
        "--secondary-boot-disk",
        "disk-image=global/images/vllm-openai-v0-6-0,mode=CONTAINER_IMAGE_CACHE",
        "--max-surge-upgrade",
        "1",
        "--max-unavailable-upgrade",
        "0",
        "--labels",
        "team=inference",
    ]) else {
        eprintln!("skipping: gcloud oracle not available");
        return;
    };
    let ours = ours("llama-405b-multihost.yaml");
    assert_eq!(ours["cluster"]["nodePools"][0], theirs["nodePool"]);
    // Off by default: no other example sends it.
    assert!(
        ours_pools_without_gcfs(),
        "gcfsConfig outside imageStreaming"
    );
}

/// No pool of the other examples has `gcfsConfig`.
fn ours_pools_without_gcfs() -> bool {
    [
        "seed.yaml",
        "llama-l4-serving.yaml",
        "pytorch-restarts-data.yaml",
    ]
    .iter()
    .all(|e| {
        ours(e)["cluster"]["nodePools"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|p| p["config"].get("gcfsConfig").is_none())
    })
}

#[test]
fn gcs_fuse_addon_equals_gclouds_and_changes_no_other() {
    let body = ours("pytorch-restarts-data.yaml");
    let addons = body["cluster"]["addonsConfig"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    // Only the FUSE driver: every other add-on keeps GKE's default.
    assert_eq!(
        addons.keys().collect::<Vec<_>>(),
        ["gcsFuseCsiDriverConfig"],
        "{addons:?}"
    );
    // A spec without buckets sends no addonsConfig at all.
    assert!(ours("pytorch-a3.yaml")["cluster"]
        .get("addonsConfig")
        .is_none());
    let Some(theirs) = oracle(&[
        "clusters",
        "create",
        "llm-finetune",
        "--zone",
        "us-central1-a",
        "--num-nodes",
        "1",
        "--machine-type",
        "n2-standard-8",
        "--addons",
        "GcsFuseCsiDriver",
        "--workload-pool",
        "my-project.svc.id.goog",
    ]) else {
        eprintln!("skipping: gcloud oracle not available");
        return;
    };
    let their_addons = theirs["cluster"]["addonsConfig"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        addons["gcsFuseCsiDriverConfig"],
        their_addons["gcsFuseCsiDriverConfig"]
    );
    // gcloud's `--addons` turns off what it does not list (HTTP load
    // balancing, HPA, ...): podwire must not copy that.
    let disabled: Vec<&String> = their_addons
        .iter()
        .filter(|(_, v)| v["disabled"] == true)
        .map(|(k, _)| k)
        .collect();
    assert!(
        disabled.iter().any(|k| *k == "httpLoadBalancing"),
        "gcloud disables the add-ons it is not given: {their_addons:?}"
    );
}

#[test]
fn serving_body_equals_gcloud() {
    // Managed Prometheus for the autoscaler's metric; a surge upgrade that
    // keeps the PodDisruptionBudget (maxSurge 1, maxUnavailable 0).
    let Some(mut theirs) = oracle(&[
        "clusters",
        "create",
        "llama-serve",
        "--zone",
        "us-central1-a",
        "--machine-type",
        "g2-standard-8",
        "--accelerator",
        "type=nvidia-l4,count=1,gpu-driver-version=default",
        "--enable-autoscaling",
        "--min-nodes",
        "1",
        "--max-nodes",
        "4",
        "--num-nodes",
        "1",
        "--max-surge-upgrade",
        "1",
        "--max-unavailable-upgrade",
        "0",
        "--labels",
        "team=inference",
        "--enable-managed-prometheus",
        "--enable-ip-alias",
        "--enable-dataplane-v2",
        "--workload-pool",
        "my-project.svc.id.goog",
        "--release-channel",
        "regular",
        "--gateway-api",
        "standard",
    ]) else {
        eprintln!("skipping: gcloud oracle not available");
        return;
    };
    theirs["cluster"]["nodePools"][0]["name"] = "l4".into();
    assert_eq!(ours("llama-l4-serving.yaml"), theirs);
}

#[test]
fn budgeted_pools_equal_gcloud_node_pools() {
    // Pools whose workloads have a PodDisruptionBudget: surge on a pool with
    // room for a surge node; on a specific reservation, one node at a time
    // instead (mixed-stack's a100 pool).
    for (example, index, args) in [
        (
            "llama-l4-serving.yaml",
            0,
            &[
                "node-pools",
                "create",
                "l4",
                "--cluster",
                "llama-serve",
                "--zone",
                "us-central1-a",
                "--machine-type",
                "g2-standard-8",
                "--accelerator",
                "type=nvidia-l4,count=1,gpu-driver-version=default",
                "--enable-autoscaling",
                "--min-nodes",
                "1",
                "--max-nodes",
                "4",
                "--num-nodes",
                "1",
                "--max-surge-upgrade",
                "1",
                "--max-unavailable-upgrade",
                "0",
                "--labels",
                "team=inference",
            ][..],
        ),
        (
            "mixed-stack.yaml",
            1,
            &[
                "node-pools",
                "create",
                "a100",
                "--cluster",
                "ml-stack",
                "--region",
                "europe-west4",
                "--node-locations",
                "europe-west4-a",
                "--machine-type",
                "a2-highgpu-2g",
                "--accelerator",
                "type=nvidia-tesla-a100,count=2,gpu-driver-version=default",
                "--num-nodes",
                "2",
                "--reservation-affinity",
                "specific",
                "--reservation",
                "a100-res",
                "--node-taints",
                "dedicated=training:NoSchedule",
                "--labels",
                "env=prod,team=ml",
                "--max-surge-upgrade",
                "0",
                "--max-unavailable-upgrade",
                "1",
            ][..],
        ),
    ] {
        let Some(theirs) = oracle(args) else {
            eprintln!("skipping: gcloud oracle not available");
            return;
        };
        assert_eq!(
            ours(example)["cluster"]["nodePools"][index],
            theirs["nodePool"],
            "{example}"
        );
    }
}

/// YAML -> JSON through an independent parser (tests/support/yaml.rs), so
/// that podwire's reader is not the judge of its own reading.
fn yaml_to_json(src: &str) -> serde_json::Value {
    support::yaml::document(src).expect("parses")
}

const VALIDATE_PY: &str = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
bad = 0
for f in sys.argv[2:]:
    errs = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(f))))
    for e in errs:
        print(f, list(e.absolute_path), e.message)
    bad += bool(errs)
sys.exit(1 if bad else 0)
"#;

fn python_has(module: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("CI").map_or(true, |v| v.is_empty()),
            "CI must install the Python module {module}"
        );
        eprintln!("skipping: python module {module} not installed");
    }
    ok
}

#[test]
fn examples_validate_against_the_published_schema() {
    if !python_has("jsonschema") {
        return;
    }
    let dir = scratch("schema");
    let schema = dir.join("schema.json");
    std::fs::write(
        &schema,
        serde_json::to_string(&podwire::spec::json_schema()).expect("json"),
    )
    .expect("write");
    let mut files = Vec::new();
    for e in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"))
        .expect("examples")
        .flatten()
    {
        let src = std::fs::read_to_string(e.path()).expect("read");
        let f = dir.join(e.file_name()).with_extension("json");
        std::fs::write(&f, yaml_to_json(&src).to_string()).expect("write");
        files.push(f);
    }
    let o = Command::new("python3")
        .arg("-c")
        .arg(VALIDATE_PY)
        .arg(&schema)
        .args(&files)
        .output()
        .expect("python3");
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );

    // ... and the schema rejects what podwire rejects structurally.
    let mut bad = yaml_to_json(include_str!("../examples/seed.yaml"));
    bad["cluster"]["nodePools"][0]["machineTyp"] = "x".into();
    bad["workloads"][0]["replicas"] = "three".into();
    let f = dir.join("bad.json");
    std::fs::write(&f, bad.to_string()).expect("write");
    let o = Command::new("python3")
        .arg("-c")
        .arg(VALIDATE_PY)
        .arg(&schema)
        .arg(&f)
        .output()
        .expect("python3");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success());
    assert!(out.contains("machineTyp") && out.contains("three"), "{out}");
}
