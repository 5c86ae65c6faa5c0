//! Conformance of GPUDirect pools and their networks:
//! - the cluster's `networkConfig` equals what gcloud sends for
//!   `--enable-dataplane-v2 --enable-multi-networking`, and the pool of the
//!   a3-mega-tcpxo example (and an A4 RDMA pool) equals, field for field,
//!   gcloud's for the same flags with one `--additional-node-network
//!   network=N,subnetwork=S` per extra NIC (`shared/tools/gcloud-oracle`);
//! - the cluster body passes Google's checker (`shared/tools/check-gke-body`);
//! - every Compute Engine body in `gke/networks.json` is valid against
//!   Google's Compute v1 discovery document (shipped in the pinned
//!   google-api-python-client), the subnets' ranges never overlap, and each
//!   firewall rule admits only its own network's subnets.
//!
//! Skipped without `../shared` (or `$PODWIRE_SHARED`) and gcloud, or without
//! the pip package; CI has both.

mod support;

use serde_json::Value;
use std::process::Command;

const EXAMPLE: &str = include_str!("../examples/a3-mega-tcpxo.yaml");

fn compile(src: &str) -> podwire::Compiled {
    let c = podwire::compile(src, &podwire::Options::default());
    assert!(c.ok, "{:#?}", c.diagnostics);
    c
}

fn file(c: &podwire::Compiled, path: &str) -> Value {
    let text = c
        .files
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.content.as_str())
        .unwrap_or_else(|| panic!("no {path}"));
    serde_json::from_str(text).expect("json")
}

fn oracle(args: &[String]) -> Option<Value> {
    support::gcloud_oracle(args)
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// `--additional-node-network` flags for the pool's networkConfig, in order.
fn additional_flags(pool: &Value) -> Vec<String> {
    let cfgs = pool["networkConfig"]["additionalNodeNetworkConfigs"]
        .as_array()
        .expect("additionalNodeNetworkConfigs");
    cfgs.iter()
        .flat_map(|c| {
            [
                "--additional-node-network".to_string(),
                format!(
                    "network={},subnetwork={}",
                    c["network"].as_str().expect("network"),
                    c["subnetwork"].as_str().expect("subnetwork")
                ),
            ]
        })
        .collect()
}

#[test]
fn the_example_cluster_network_config_equals_gclouds() {
    let ours = file(&compile(EXAMPLE), podwire::GKE_FILE);
    assert_eq!(
        ours["cluster"]["networkConfig"]["enableMultiNetworking"],
        Value::Bool(true)
    );
    let args = strings(&[
        "clusters",
        "create",
        "mega-tcpxo",
        "--zone",
        "us-central1-a",
        "--enable-ip-alias",
        "--enable-dataplane-v2",
        "--enable-multi-networking",
        "--num-nodes",
        "1",
    ]);
    let Some(theirs) = oracle(&args) else {
        eprintln!("skipping: gcloud oracle not available");
        return;
    };
    assert_eq!(
        ours["cluster"]["networkConfig"],
        theirs["cluster"]["networkConfig"]
    );
}

#[test]
fn the_example_pool_equals_gclouds() {
    let ours = file(&compile(EXAMPLE), podwire::GKE_FILE);
    let pool = &ours["cluster"]["nodePools"][0];
    let extra = additional_flags(pool);
    assert_eq!(extra.len(), 16, "8 GPU NICs on A3 Mega");
    let mut args = strings(&[
        "node-pools",
        "create",
        "mega",
        "--cluster",
        "mega-tcpxo",
        "--location",
        "us-central1-a",
        "--machine-type",
        "a3-megagpu-8g",
        "--accelerator",
        "type=nvidia-h100-mega-80gb,count=8,gpu-driver-version=latest",
        "--enable-gvnic",
        "--num-nodes",
        "2",
        "--placement-type",
        "COMPACT",
        "--disk-size",
        "200",
        "--disk-type",
        "pd-ssd",
        "--scopes",
        "cloud-platform",
        "--labels",
        "team=ml",
    ]);
    args.extend(extra);
    let Some(theirs) = oracle(&args) else {
        eprintln!("skipping: gcloud oracle not available");
        return;
    };
    assert_eq!(*pool, theirs["nodePool"]);
}

const A4: &str = "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: b200}\ngcp: {project: my-project, location: us-central1-b}\ncluster:\n  nodePools:\n    - {name: a4, machineType: a4-highgpu-8g, nodes: 2, gpuDirect: true}\nworkloads:\n  - {name: train, image: t, run: job, replicas: 2, gpus: 8, distributed: pytorch, ports: [{name: rendezvous, port: 29500}]}\n";

#[test]
fn an_rdma_pool_equals_gclouds() {
    let ours = file(&compile(A4), podwire::GKE_FILE);
    let pool = &ours["cluster"]["nodePools"][0];
    let extra = additional_flags(pool);
    // One gVNIC network, then the RoCE network once per CX-7 NIC.
    assert_eq!(extra.len(), 18);
    assert_eq!(
        extra[1],
        "network=b200-a4-gvnic-net,subnetwork=b200-a4-gvnic-sub"
    );
    assert_eq!(
        extra[3],
        "network=b200-a4-rdma-net,subnetwork=b200-a4-rdma-sub-0"
    );
    let mut args = strings(&[
        "node-pools",
        "create",
        "a4",
        "--cluster",
        "b200",
        "--location",
        "us-central1-b",
        "--machine-type",
        "a4-highgpu-8g",
        "--accelerator",
        "type=nvidia-b200,count=8,gpu-driver-version=default",
        "--enable-gvnic",
        "--num-nodes",
        "2",
    ]);
    args.extend(extra);
    let Some(theirs) = oracle(&args) else {
        eprintln!("skipping: gcloud oracle not available");
        return;
    };
    assert_eq!(pool["networkConfig"], theirs["nodePool"]["networkConfig"]);
    assert_eq!(*pool, theirs["nodePool"]);
}

#[test]
fn gpudirect_cluster_bodies_pass_googles_checker() {
    let bodies = [
        ("a3-mega-tcpxo", file(&compile(EXAMPLE), podwire::GKE_FILE)),
        ("a4", file(&compile(A4), podwire::GKE_FILE)),
    ];
    if let Some(doc) = support::discovery_doc() {
        for (name, body) in &bodies {
            let (errors, warnings) = support::check_gke_body(&doc, "CreateClusterRequest", body);
            assert!(errors.is_empty(), "{name}: {errors:#?}");
            assert!(warnings.is_empty(), "{name}: {warnings:#?}");
        }
    }
    let Some(shared) = support::shared_dir() else {
        eprintln!("skipping: ../shared not present (set PODWIRE_SHARED)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("podwire-gpudirect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    for (name, body) in &bodies {
        let f = dir.join(format!("{name}.json"));
        std::fs::write(&f, body.to_string()).expect("write");
        let o = Command::new("python3")
            .arg(shared.join("tools/check-gke-body"))
            .arg(shared.join("gke/container-v1-discovery.json"))
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
    let _ = std::fs::remove_dir_all(&dir);
}

/// (schema, body) of every insert in a networks file.
fn inserts(networks: &Value) -> Vec<(&'static str, &Value)> {
    let mut v = Vec::new();
    for (key, schema) in [
        ("networks", "Network"),
        ("subnetworks", "Subnetwork"),
        ("firewalls", "Firewall"),
    ] {
        for i in networks[key].as_array().expect(key) {
            v.push((schema, &i["body"]));
        }
    }
    v
}

#[test]
fn network_bodies_are_valid_compute_v1_requests() {
    let files = [
        file(&compile(EXAMPLE), podwire::NETWORKS_FILE),
        file(&compile(A4), podwire::NETWORKS_FILE),
    ];
    let Some(doc) = support::compute_discovery_doc() else {
        assert!(
            !support::in_ci(),
            "CI must provide the Compute discovery document"
        );
        eprintln!("skipping: no Compute v1 discovery document");
        return;
    };
    for f in &files {
        for (schema, body) in inserts(f) {
            let (errors, warnings) = support::check_gke_body(&doc, schema, body);
            assert!(errors.is_empty(), "{schema} {body}: {errors:#?}");
            assert!(warnings.is_empty(), "{schema} {body}: {warnings:#?}");
        }
    }
    // The check can fail: an int32 as a string, an unknown field.
    let mut bad = files[0]["networks"][0]["body"].clone();
    bad["mtu"] = "8244".into();
    bad["gpuDirect"] = true.into();
    let (errors, _) = support::check_gke_body(&doc, "Network", &bad);
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

fn parse_cidr(c: &str) -> (u32, u32) {
    let (ip, len) = c.split_once('/').expect("cidr");
    let ip: std::net::Ipv4Addr = ip.parse().expect("ipv4");
    let len: u32 = len.parse().expect("prefix");
    let start = u32::from(ip);
    (start, start + ((1u64 << (32 - len)) - 1) as u32)
}

#[test]
fn networks_follow_the_guides_and_ranges_never_overlap() {
    // Two GPUDirect pools of different modes in one cluster.
    let src = "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: two}\ngcp: {project: my-project, location: us-central1-b}\ncluster:\n  nodePools:\n    - {name: mega, machineType: a3-megagpu-8g, nodes: 2, gpuDirect: true}\n    - {name: a4, machineType: a4-highgpu-8g, nodes: 2, gpuDirect: true}\n    - {name: high, machineType: a3-highgpu-8g, nodes: 2, gpuDirect: true}\nworkloads:\n  - {name: w, image: t, pool: mega, gpus: 8}\n";
    let n = file(&compile(src), podwire::NETWORKS_FILE);
    let nets = n["networks"].as_array().expect("networks");
    // 8 (TCPXO) + 2 (RDMA: gVNIC + RoCE) + 4 (TCPX).
    assert_eq!(nets.len(), 14);
    for net in nets {
        let b = &net["body"];
        assert_eq!(b["autoCreateSubnetworks"], Value::Bool(false));
        let name = b["name"].as_str().expect("name");
        let mtu = b["mtu"].as_u64().expect("mtu");
        if name.starts_with("two-a4-") {
            assert_eq!(mtu, 8896, "{name}");
        } else {
            assert_eq!(mtu, 8244, "{name}");
        }
        let roce = name == "two-a4-rdma-net";
        assert_eq!(
            b["networkProfile"].as_str(),
            roce.then_some("projects/my-project/global/networkProfiles/us-central1-b-vpc-roce"),
            "{name}"
        );
    }
    let subs = n["subnetworks"].as_array().expect("subnetworks");
    assert_eq!(subs.len(), 8 + 9 + 4);
    let ranges: Vec<(u32, u32)> = subs
        .iter()
        .map(|s| parse_cidr(s["body"]["ipCidrRange"].as_str().expect("range")))
        .collect();
    for (i, a) in ranges.iter().enumerate() {
        for b in &ranges[i + 1..] {
            assert!(a.1 < b.0 || b.1 < a.0, "{a:?} overlaps {b:?}");
        }
    }
    for s in subs {
        assert_eq!(
            s["path"],
            "projects/my-project/regions/us-central1/subnetworks"
        );
    }
    // One rule per regular network (not the RoCE one), admitting exactly
    // that network's subnets.
    let fws = n["firewalls"].as_array().expect("firewalls");
    assert_eq!(fws.len(), 8 + 1 + 4);
    for fw in fws {
        let b = &fw["body"];
        assert_eq!(b["direction"], "INGRESS");
        let net = b["network"].as_str().expect("network");
        let own: Vec<&Value> = subs
            .iter()
            .filter(|s| s["body"]["network"] == net)
            .map(|s| &s["body"]["ipCidrRange"])
            .collect();
        let src: Vec<&Value> = b["sourceRanges"]
            .as_array()
            .expect("ranges")
            .iter()
            .collect();
        assert_eq!(src, own, "{net}");
        assert!(!own.is_empty());
    }
    assert!(!fws.iter().any(|f| f["body"]["network"]
        .as_str()
        .is_some_and(|n| n.ends_with("rdma-net"))));
}

#[test]
fn specs_without_gpudirect_have_no_networks_file() {
    let c = compile(include_str!("../examples/pytorch-a3.yaml"));
    assert!(c.files.iter().all(|f| f.path != podwire::NETWORKS_FILE));
    let gke = file(&c, podwire::GKE_FILE);
    assert!(gke["cluster"]["networkConfig"]
        .get("enableMultiNetworking")
        .is_none());
    assert!(gke["cluster"]["nodePools"][0]
        .get("networkConfig")
        .is_none());
}
