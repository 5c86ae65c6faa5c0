//! Conformance of pool capacity: for each way a pool gets its machines
//! (on-demand off reservations, spot, flex-start, queued provisioning, a
//! specific reservation, a block of one, a shared one, any reservation), the
//! node pool podwire sends equals, field for field, the one gcloud sends for
//! the same pool (`shared/tools/gcloud-oracle node-pools create ...`, with
//! the flags GKE's guides give for that capacity), and every cluster body
//! passes Google's checker (`shared/tools/check-gke-body`) and the discovery
//! schema.
//!
//! Skipped without `../shared` (or `$PODWIRE_SHARED`) and gcloud; CI has both.
//!
//! Normalised, and nothing else: the pool's `name` is the spec's in both,
//! so nothing is. The oracle is given `--max-run-duration` in seconds
//! because gcloud forwards the flag's text verbatim (`7d` would reach the
//! API as `"7d"`, which a google-duration is not); podwire converts `7d`.

mod support;

use serde_json::Value;
use std::process::Command;

// us-central1-b: a zone that offers every machine type below (A3 High and A4).
const HEAD: &str = "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: capacity}\ngcp: {project: my-project, location: us-central1-b}\ncluster:\n  nodePools:\n";

/// The flags that give gcloud's pool the accelerator config podwire always
/// sends for this machine type (GPU type, count and driver are explicit,
/// gVNIC on A3 and newer).
fn gpu_flags(machine: &str) -> Vec<String> {
    let (kind, count) = match machine {
        "a3-highgpu-8g" => ("nvidia-h100-80gb", 8),
        "a3-megagpu-8g" => ("nvidia-h100-mega-80gb", 8),
        "a4-highgpu-8g" => ("nvidia-b200", 8),
        "g2-standard-8" => ("nvidia-l4", 1),
        other => panic!("no GPU flags for {other}"),
    };
    let mut v = vec![
        "--machine-type".to_string(),
        machine.to_string(),
        "--accelerator".to_string(),
        format!("type={kind},count={count},gpu-driver-version=default"),
    ];
    if machine != "g2-standard-8" {
        v.push("--enable-gvnic".into());
    }
    v
}

/// GKE's flex-start / queued provisioning pool flags (the guides' command).
const DWS_FLAGS: &[&str] = &[
    "--flex-start",
    "--num-nodes",
    "0",
    "--enable-autoscaling",
    "--min-nodes",
    "0",
    "--max-nodes",
    "4",
    "--location-policy",
    "ANY",
    "--reservation-affinity",
    "none",
    "--no-enable-autorepair",
];

struct Case {
    name: &'static str,
    /// The pool's fields after `name: p`, as YAML flow-mapping entries.
    pool: &'static str,
    machine: &'static str,
    /// gcloud flags beyond the machine's.
    flags: Vec<&'static str>,
}

fn cases() -> Vec<Case> {
    let dws = |extra: &[&'static str]| {
        let mut v = DWS_FLAGS.to_vec();
        v.extend_from_slice(extra);
        v
    };
    vec![
        Case {
            name: "on-demand, no reservation",
            pool: "nodes: 2, reservation: none",
            machine: "a3-highgpu-8g",
            flags: vec!["--num-nodes", "2", "--reservation-affinity", "none"],
        },
        Case {
            name: "on-demand, default",
            pool: "nodes: 2, capacity: on-demand",
            machine: "a3-highgpu-8g",
            flags: vec!["--num-nodes", "2"],
        },
        Case {
            name: "spot",
            pool: "nodes: 1, capacity: spot",
            machine: "g2-standard-8",
            flags: vec!["--num-nodes", "1", "--spot"],
        },
        Case {
            name: "spot: true",
            pool: "nodes: 1, spot: true",
            machine: "g2-standard-8",
            flags: vec!["--num-nodes", "1", "--spot"],
        },
        Case {
            name: "flex-start",
            pool: "capacity: flex-start, autoscaling: {min: 0, max: 4}, maxRunDuration: 7d",
            machine: "a3-highgpu-8g",
            flags: dws(&["--max-run-duration", "604800s"]),
        },
        Case {
            name: "flex-start without maxRunDuration",
            pool: "capacity: flex-start, autoscaling: {min: 0, max: 4}",
            machine: "g2-standard-8",
            flags: dws(&[]),
        },
        Case {
            name: "queued",
            pool: "capacity: queued, autoscaling: {min: 0, max: 4}, maxRunDuration: 1d12h",
            machine: "a3-megagpu-8g",
            flags: dws(&["--enable-queued-provisioning", "--max-run-duration", "129600s"]),
        },
        Case {
            name: "specific reservation",
            pool: "nodes: 2, reservation: my-res",
            machine: "a3-highgpu-8g",
            flags: vec![
                "--num-nodes",
                "2",
                "--reservation-affinity",
                "specific",
                "--reservation",
                "my-res",
            ],
        },
        Case {
            name: "reservation block",
            pool: "nodes: 2, capacity: reservation, reservation: my-res/reservationBlocks/my-res-block-0001",
            machine: "a4-highgpu-8g",
            flags: vec![
                "--num-nodes",
                "2",
                "--reservation-affinity",
                "specific",
                "--reservation",
                "my-res/reservationBlocks/my-res-block-0001",
            ],
        },
        Case {
            name: "shared reservation",
            pool: "nodes: 1, reservation: projects/owner-proj/reservations/shared-res",
            machine: "a3-highgpu-8g",
            flags: vec![
                "--num-nodes",
                "1",
                "--reservation-affinity",
                "specific",
                "--reservation",
                "projects/owner-proj/reservations/shared-res",
            ],
        },
        Case {
            name: "any reservation",
            pool: "nodes: 2, reservation: any",
            machine: "a3-highgpu-8g",
            flags: vec!["--num-nodes", "2", "--reservation-affinity", "any"],
        },
    ]
}

fn compile(case: &Case) -> Value {
    let src = format!(
        "{HEAD}    - {{name: p, machineType: {}, {}}}\n",
        case.machine, case.pool
    );
    let c = podwire::compile(&src, &podwire::Options::default());
    assert!(c.ok, "{}: {:#?}", case.name, c.diagnostics);
    assert!(
        c.diagnostics.is_empty(),
        "{}: {:#?}",
        case.name,
        c.diagnostics
    );
    let gke = c
        .files
        .iter()
        .find(|f| f.path == podwire::GKE_FILE)
        .map(|f| f.content.as_str())
        .unwrap_or_default();
    serde_json::from_str(gke).expect("json")
}

/// gcloud's body for `args`, or None when the oracle cannot run here.
fn oracle(args: &[String]) -> Option<Value> {
    support::gcloud_oracle(args)
}

fn node_pool_args(case: &Case) -> Vec<String> {
    let mut args: Vec<String> = [
        "node-pools",
        "create",
        "p",
        "--cluster",
        "capacity",
        "--location",
        "us-central1-b",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(gpu_flags(case.machine));
    args.extend(case.flags.iter().map(|s| s.to_string()));
    args
}

#[test]
fn every_capacity_pool_equals_gclouds() {
    if support::shared_dir().is_none() {
        eprintln!("skipping: ../shared not present (set PODWIRE_SHARED)");
        return;
    }
    let cases = cases();
    // The oracle starts gcloud and a fake API (seconds each): two at a time.
    let results: Vec<(usize, Option<Value>)> = std::thread::scope(|s| {
        let mut out = Vec::new();
        for chunk in (0..cases.len()).collect::<Vec<_>>().chunks(2) {
            let handles: Vec<_> = chunk
                .iter()
                .map(|&i| {
                    let args = node_pool_args(&cases[i]);
                    s.spawn(move || (i, oracle(&args)))
                })
                .collect();
            out.extend(
                handles
                    .into_iter()
                    .map(|h| h.join().expect("oracle thread")),
            );
        }
        out
    });
    let mut compared = 0;
    for (i, theirs) in results {
        let case = &cases[i];
        let Some(theirs) = theirs else {
            eprintln!("skipping: gcloud oracle not available");
            return;
        };
        let ours = compile(case);
        assert_eq!(
            ours["cluster"]["nodePools"][0], theirs["nodePool"],
            "{}: podwire's pool differs from gcloud's ({:?})",
            case.name, case.flags
        );
        compared += 1;
    }
    assert_eq!(compared, cases.len());
}

#[test]
fn the_queued_a3_mega_example_pool_equals_gclouds() {
    let src = include_str!("../examples/queued-a3-mega.yaml");
    let c = podwire::compile(src, &podwire::Options::default());
    assert!(c.ok, "{:#?}", c.diagnostics);
    let ours: Value = serde_json::from_str(
        c.files
            .iter()
            .find(|f| f.path == podwire::GKE_FILE)
            .map(|f| f.content.as_str())
            .unwrap_or_default(),
    )
    .expect("json");
    let mut args: Vec<String> = [
        "node-pools",
        "create",
        "mega",
        "--cluster",
        "mega-train",
        "--location",
        "us-central1-b",
        "--machine-type",
        "a3-megagpu-8g",
        "--accelerator",
        "type=nvidia-h100-mega-80gb,count=8,gpu-driver-version=latest",
        "--enable-gvnic",
        "--disk-size",
        "200",
        "--disk-type",
        "pd-ssd",
        "--scopes",
        "cloud-platform",
        "--labels",
        "team=ml",
        "--enable-queued-provisioning",
        "--max-run-duration",
        "259200s",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // The guides' pool flags, with this pool's maximum.
    let mut dws: Vec<String> = DWS_FLAGS.iter().map(|s| s.to_string()).collect();
    let max = dws
        .iter()
        .position(|f| f == "--max-nodes")
        .expect("--max-nodes")
        + 1;
    dws[max] = "2".into();
    args.extend(dws);
    let Some(theirs) = oracle(&args) else {
        eprintln!("skipping: gcloud oracle not available");
        return;
    };
    assert_eq!(ours["cluster"]["nodePools"][0], theirs["nodePool"]);
}

#[test]
fn the_flex_h100_pytorch_example_pool_equals_gclouds() {
    let src = include_str!("../examples/flex-h100-pytorch.yaml");
    let c = podwire::compile(src, &podwire::Options::default());
    assert!(c.ok, "{:#?}", c.diagnostics);
    let ours: Value = serde_json::from_str(
        c.files
            .iter()
            .find(|f| f.path == podwire::GKE_FILE)
            .map(|f| f.content.as_str())
            .unwrap_or_default(),
    )
    .expect("json");
    let mut args: Vec<String> = [
        "node-pools",
        "create",
        "h100",
        "--cluster",
        "flex-finetune",
        "--location",
        "us-central1-b",
        "--machine-type",
        "a3-highgpu-8g",
        "--accelerator",
        "type=nvidia-h100-80gb,count=8,gpu-driver-version=latest",
        "--enable-gvnic",
        "--disk-size",
        "200",
        "--disk-type",
        "pd-ssd",
        "--labels",
        "team=ml",
        "--max-run-duration",
        "604800s",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // The guides' flex-start flags, whose maximum (4) is this pool's.
    args.extend(DWS_FLAGS.iter().map(|s| s.to_string()));
    let Some(theirs) = oracle(&args) else {
        eprintln!("skipping: gcloud oracle not available");
        return;
    };
    assert_eq!(ours["cluster"]["nodePools"][0], theirs["nodePool"]);
}

#[test]
fn capacity_pools_inline_in_cluster_create_equal_gclouds() {
    // gcloud 528's `clusters create` has the reservation and spot flags (not
    // flex-start or queued provisioning, which exist only for node pools):
    // the first pool of the cluster body is then gcloud's default pool.
    if support::shared_dir().is_none() {
        eprintln!("skipping: ../shared not present (set PODWIRE_SHARED)");
        return;
    }
    for case in cases().into_iter().filter(|c| {
        matches!(
            c.name,
            "spot" | "specific reservation" | "any reservation" | "on-demand, no reservation"
        )
    }) {
        let mut args: Vec<String> = [
            "clusters",
            "create",
            "capacity",
            "--zone",
            "us-central1-b",
            "--enable-ip-alias",
            "--enable-dataplane-v2",
            "--workload-pool",
            "my-project.svc.id.goog",
            "--release-channel",
            "regular",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(gpu_flags(case.machine));
        args.extend(case.flags.iter().map(|s| s.to_string()));
        let Some(mut theirs) = oracle(&args) else {
            eprintln!("skipping: gcloud oracle not available");
            return;
        };
        // gcloud names the first pool `default-pool`; the spec names it `p`.
        theirs["cluster"]["nodePools"][0]["name"] = "p".into();
        assert_eq!(compile(&case), theirs, "{}", case.name);
    }
}

#[test]
fn capacity_bodies_pass_googles_checker_and_the_discovery_schema() {
    let bodies: Vec<(&str, Value)> = cases().iter().map(|c| (c.name, compile(c))).collect();
    if let Some(doc) = support::discovery_doc() {
        for (name, body) in &bodies {
            let (errors, warnings) = support::check_gke_body(&doc, "CreateClusterRequest", body);
            assert!(errors.is_empty(), "{name}: {errors:#?}");
            assert!(warnings.is_empty(), "{name}: {warnings:#?}");
        }
    } else {
        assert!(
            !support::in_ci(),
            "CI must provide the GKE discovery document"
        );
        eprintln!("skipping the schema check: no GKE discovery document");
    }
    let Some(shared) = support::shared_dir() else {
        eprintln!("skipping: ../shared not present (set PODWIRE_SHARED)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("podwire-capacity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    for (i, (name, body)) in bodies.iter().enumerate() {
        let f = dir.join(format!("{i}.json"));
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
    // The checker can fail: a duration that is not a google-duration.
    let mut bad = bodies[4].1.clone();
    bad["cluster"]["nodePools"][0]["config"]["maxRunDuration"] = "7d".into();
    bad["cluster"]["nodePools"][0]["queuedProvisioning"] = serde_json::json!({"enabled": "yes"});
    let f = dir.join("bad.json");
    std::fs::write(&f, bad.to_string()).expect("write");
    let o = Command::new("python3")
        .arg(shared.join("tools/check-gke-body"))
        .arg(shared.join("gke/container-v1-discovery.json"))
        .arg("CreateClusterRequest")
        .arg(&f)
        .output()
        .expect("python3 runs");
    assert!(!o.status.success(), "the checker accepted a bad body");
    let _ = std::fs::remove_dir_all(&dir);
}
