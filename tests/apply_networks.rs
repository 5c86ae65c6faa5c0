//! `podwire apply / plan / delete --cluster` and the GPUDirect networks
//! (`gke/networks.json`), against a fake Compute Engine v1 API beside the
//! GKE and Kubernetes fakes, all on 127.0.0.1: created in order before the
//! cluster, each operation waited for (global or regional), nothing created
//! twice, a differing resource stops everything, faults handled as for GKE,
//! and removed after the cluster in reverse order. The bodies on the wire
//! are checked against Google's Compute v1 discovery document.

mod apply_support;
mod support;

use apply_support::compute;
use apply_support::server::{self, Fault, Request};
use apply_support::{Env, Run};
use serde_json::Value;
use std::time::{Duration, Instant};

const EXAMPLE: &str = "a3-mega-tcpxo.yaml";

struct Net {
    env: Env,
    compute: compute::Fake,
}

impl Net {
    fn new() -> Net {
        let env = Env::new(EXAMPLE);
        // GKE serves these on the clusters podwire makes for GPUDirect
        // (multi-networking on).
        env.kube.install("networking.gke.io", &["v1"]);
        // Every cluster has it; the NCCL installer DaemonSet goes there.
        env.kube.seed_namespace("kube-system");
        Net {
            env,
            compute: compute::Fake::start(apply_support::TOKEN),
        }
    }

    fn run(&self, sub: &str, extra: &[&str]) -> Run {
        let base = self.compute.base();
        let mut args = vec!["--compute-endpoint", base.as_str()];
        args.extend_from_slice(extra);
        self.env.run(sub, &args)
    }

    /// The compiled `gke/networks.json`.
    fn requests(&self) -> Value {
        serde_json::from_str(&self.env.compile("networks")).unwrap()
    }

    /// (path, body) of every insert, in order.
    fn inserts(&self) -> Vec<(String, Value)> {
        let r = self.requests();
        ["networks", "subnetworks", "firewalls"]
            .iter()
            .flat_map(|k| r[*k].as_array().unwrap().clone())
            .map(|i| (i["path"].as_str().unwrap().to_string(), i["body"].clone()))
            .collect()
    }

    fn cluster_creates(&self) -> Vec<Request> {
        self.env
            .gke
            .server
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/clusters"))
            .collect()
    }

    fn apply(&self) -> Run {
        self.run("apply", &["--yes", "--no-wait"])
    }
}

fn body(r: &Request) -> Value {
    serde_json::from_str(&r.body).unwrap()
}

#[test]
fn the_first_apply_creates_every_network_in_order_before_the_cluster() {
    let n = Net::new();
    n.apply().ok();
    let want = n.inserts();
    assert!(
        want.len() >= 17,
        "8 networks, 8 subnets, 8 rules: {}",
        want.len()
    );
    let got = n.compute.inserts();
    assert_eq!(got.len(), want.len());
    for ((path, b), r) in want.iter().zip(&got) {
        assert_eq!(r.path, format!("/compute/v1/{path}"));
        assert_eq!(&body(r), b, "{path}");
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
    // Each insert waited for before the next: its operation polled, in its
    // own scope (regional for subnetworks), until DONE.
    let log = n.compute.server.requests();
    for (i, r) in log.iter().enumerate().filter(|(_, r)| r.method == "POST") {
        let next_post = log[i + 1..].iter().position(|x| x.method == "POST");
        let between = &log[i + 1..i + 1 + next_post.unwrap_or(log.len() - i - 1)];
        let scope = if r.path.contains("/regions/") {
            "/regions/"
        } else {
            "/global/operations/"
        };
        assert!(
            between
                .iter()
                .filter(|x| x.path.contains("/operations/"))
                .count()
                >= 2
                && between
                    .iter()
                    .filter(|x| x.path.contains("/operations/"))
                    .all(|x| x.path.contains(scope)),
            "{} was not waited for in its scope",
            r.path
        );
    }
    let last = got.last().unwrap().at;
    let creates = n.cluster_creates();
    assert_eq!(creates.len(), 1);
    assert!(
        creates[0].at > last,
        "the cluster was created before its networks"
    );
    assert_eq!(n.compute.names().len(), want.len());
    // The bodies on the wire are valid Compute v1 requests.
    let Some(doc) = support::compute_discovery_doc() else {
        assert!(
            !support::in_ci(),
            "CI must provide the Compute discovery document"
        );
        eprintln!("skipping the discovery check: no Compute v1 discovery document");
        return;
    };
    for r in &got {
        let schema = if r.path.ends_with("/networks") {
            "Network"
        } else if r.path.ends_with("/subnetworks") {
            "Subnetwork"
        } else {
            "Firewall"
        };
        let (errors, warnings) = support::check_gke_body(&doc, schema, &body(r));
        assert!(errors.is_empty(), "{schema}: {errors:#?}");
        assert!(warnings.is_empty(), "{schema}: {warnings:#?}");
    }
}

#[test]
fn a_second_apply_creates_nothing_and_plan_says_they_exist() {
    let n = Net::new();
    n.apply().ok();
    n.compute.server.clear_log();
    n.apply().ok();
    assert!(n.compute.inserts().is_empty());
    let plan = n.run("plan", &[]);
    plan.ok();
    assert!(plan.stdout.contains(": exists"), "{}", plan.stdout);
    assert!(
        !plan.stdout.contains("would create network"),
        "{}",
        plan.stdout
    );
    assert!(n.compute.inserts().is_empty());
}

#[test]
fn plan_says_what_would_be_created_and_what_differs() {
    let n = Net::new();
    let ins = n.inserts();
    let (path, mut sub) = ins
        .iter()
        .find(|(p, _)| p.ends_with("/subnetworks"))
        .cloned()
        .unwrap();
    sub["ipCidrRange"] = "10.99.0.0/24".into();
    n.compute.seed(&path, &sub);
    let plan = n.run("plan", &[]);
    plan.ok();
    assert!(
        plan.stdout.contains(&format!(
            "would create network {}",
            ins[0].1["name"].as_str().unwrap()
        )),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("differs: subnetwork"),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("ipCidrRange"), "{}", plan.stdout);
    assert!(n.compute.inserts().is_empty() && n.cluster_creates().is_empty());
}

#[test]
fn a_differing_subnet_is_an_error_and_nothing_is_created() {
    let n = Net::new();
    let (path, mut sub) = n
        .inserts()
        .into_iter()
        .find(|(p, _)| p.ends_with("/subnetworks"))
        .unwrap();
    let name = sub["name"].as_str().unwrap().to_string();
    sub["ipCidrRange"] = "10.99.0.0/24".into();
    n.compute.seed(&path, &sub);
    let run = n.apply();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("subnetwork {name}")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("ipCidrRange"), "{}", run.stderr);
    assert!(run.stderr.contains("10.99.0.0/24"), "{}", run.stderr);
    assert!(n.compute.inserts().is_empty(), "something was created");
    assert!(n.cluster_creates().is_empty(), "the cluster was created");
}

#[test]
fn an_existing_identical_network_is_fine() {
    let n = Net::new();
    let ins = n.inserts();
    n.compute.seed(&ins[0].0, &ins[0].1);
    n.apply().ok();
    assert_eq!(n.compute.inserts().len(), ins.len() - 1);
}

#[test]
fn a_failed_operation_stops_apply_with_its_message() {
    let n = Net::new();
    let ins = n.inserts();
    let (_, fw) = ins.iter().find(|(p, _)| p.ends_with("/firewalls")).unwrap();
    n.compute.state.lock().unwrap().fail = Some((
        fw["name"].as_str().unwrap().into(),
        "Quota 'FIREWALLS' exceeded. Limit: 0.0 globally.".into(),
    ));
    let run = n.apply();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("Quota 'FIREWALLS' exceeded"),
        "{}",
        run.stderr
    );
    assert!(n.cluster_creates().is_empty(), "the cluster was created");
}

#[test]
fn a_503_is_retried() {
    let n = Net::new();
    n.compute
        .server
        .fault("POST", "/subnetworks", Fault::Status(503, None), 1);
    n.compute
        .server
        .fault("GET", "/global/operations/", Fault::Status(503, None), 2);
    let run = n.apply();
    run.ok();
    assert!(run.stderr.contains("retrying"), "{}", run.stderr);
    assert_eq!(n.compute.inserts().len(), n.inserts().len());
}

#[test]
fn a_409_from_our_own_retried_insert_is_read_back() {
    let n = Net::new();
    // Handled, then the connection is dropped: the retry gets 409.
    n.compute
        .server
        .fault("POST", "/global/networks", Fault::DropAfterHandling, 1);
    n.apply().ok();
    assert_eq!(n.compute.names().len(), n.inserts().len());
    assert_eq!(n.cluster_creates().len(), 1);
}

#[test]
fn a_refused_compute_endpoint_fails_at_once_and_creates_nothing() {
    let n = Net::new();
    let addr = server::closed_port();
    let base = format!("http://{addr}/compute/v1/");
    let t = Instant::now();
    let run = Run::of(
        n.env
            .cmd()
            .env("PODWIRE_BACKOFF_MS", "1000")
            .arg("apply")
            .arg(&n.env.spec)
            .args(["--yes", "--no-wait", "--gke-endpoint", &n.env.gke.base()])
            .args(["--compute-endpoint", &base])
            .arg("--access-token-file")
            .arg(&n.env.token_file)
            .arg("--kubeconfig")
            .arg(&n.env.kubeconfig)
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert!(run.stderr.contains(&addr), "{}", run.stderr);
    assert!(run.stderr.contains("Compute Engine API"), "{}", run.stderr);
    assert!(run.stderr.contains("connection refused"), "{}", run.stderr);
    assert!(!run.stderr.contains("retrying"), "{}", run.stderr);
    assert!(n.cluster_creates().is_empty());
}

#[test]
fn plain_http_elsewhere_is_refused_before_anything_is_sent() {
    let n = Net::new();
    let run = n.env.run(
        "apply",
        &["--yes", "--compute-endpoint", "http://compute.example.com/"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("plain HTTP"), "{}", run.stderr);
    assert!(run.stderr.contains("--compute-endpoint"), "{}", run.stderr);
    assert!(n.env.gke.server.requests().is_empty());
}

#[test]
fn a_compute_api_that_never_answers_is_bounded_by_the_timeout() {
    let n = Net::new();
    let silent = server::Silent::start();
    let t = Instant::now();
    let run = n.env.run(
        "apply",
        &[
            "--yes",
            "--timeout",
            "3",
            "--compute-endpoint",
            &format!("{}compute/v1/", silent.base()),
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);
    assert!(n.cluster_creates().is_empty());
}

#[test]
fn delete_removes_them_after_the_cluster_in_reverse_order() {
    let n = Net::new();
    n.apply().ok();
    n.compute.server.clear_log();
    let run = n.run("delete", &["--yes", "--cluster"]);
    run.ok();
    assert!(n.compute.names().is_empty(), "{:?}", n.compute.names());
    let deletes: Vec<Request> = n
        .compute
        .server
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .collect();
    let want: Vec<String> = n
        .inserts()
        .iter()
        .rev()
        .map(|(p, b)| format!("/compute/v1/{p}/{}", b["name"].as_str().unwrap()))
        .collect();
    let got: Vec<String> = deletes.iter().map(|r| r.path.clone()).collect();
    assert_eq!(got, want);
    let cluster_delete = n
        .env
        .gke
        .server
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.at)
        .next()
        .expect("the cluster was deleted");
    // After the cluster's delete operation was done.
    let last_gke = n.env.gke.server.requests().last().unwrap().at;
    assert!(deletes[0].at > cluster_delete && deletes[0].at > last_gke);
    // Once more: everything is already absent, which is fine.
    let again = n.run("delete", &["--yes", "--cluster"]);
    again.ok();
    assert!(again.stdout.contains("already absent"), "{}", again.stdout);
}

#[test]
fn a_cluster_without_gkes_networking_api_stops_before_any_object_with_the_reason() {
    // A cluster made without multi-networking (another tool, or by hand)
    // does not serve Network / GKENetworkParamSet: nothing is applied, and
    // the message says GKE serves them, not "install a CRD".
    let n = Net {
        env: Env::new(EXAMPLE),
        compute: compute::Fake::start(apply_support::TOKEN),
    };
    n.env.kube.seed_namespace("kube-system");
    let run = n.run("apply", &["--yes", "--no-wait"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("GKENetworkParamSet, Network (networking.gke.io/v1)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("only on clusters with multi-networking"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("CustomResourceDefinition of"),
        "{}",
        run.stderr
    );
    let applies = n.env.kube.state.lock().unwrap().applies.clone();
    assert!(applies.is_empty(), "{applies:?}");
}
