//! Regression tests for the semantic rules, each over a class of inputs:
//! specs are decoded and checked as `podwire check` does, and the
//! diagnostics are compared by code, path and severity.

use crate::diag::{codes, Severity};
use crate::model::Model;

/// A spec of one zonal cluster with `cluster` extra lines, `pools` and
/// `workloads` (YAML list items, indented by four) and `rest` (top level).
fn spec(cluster: &str, pools: &str, workloads: &str, rest: &str) -> String {
    format!(
        "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: demo}}\ngcp: {{project: my-project, location: us-central1-a}}\ncluster:\n{cluster}  nodePools:\n{pools}workloads:\n{workloads}{rest}"
    )
}

/// (code, path, severity) of every diagnostic.
fn found(src: &str) -> Vec<(String, String, Severity)> {
    crate::analyze(src)
        .diagnostics
        .into_iter()
        .map(|d| (d.code, d.path, d.severity))
        .collect()
}

fn error(code: &str, path: &str) -> (String, String, Severity) {
    (code.to_string(), path.to_string(), Severity::Error)
}

fn model(src: &str) -> Model {
    let a = crate::analyze(src);
    match a.model {
        Some(m) => m,
        None => panic!("{src}\ndoes not resolve: {:#?}", a.diagnostics),
    }
}

/// Every diagnostic has a place in the source.
fn all_located(src: &str) {
    for d in crate::analyze(src).diagnostics {
        assert!(d.span.is_some(), "{d:?} has no span");
    }
}

/// A v5e 4x4 slice: 4 hosts of 4 chips.
const SLICE_POOL: &str =
    "    - {name: tpu, machineType: ct5lp-hightpu-4t, tpu: {topology: 4x4}, nodes: 4}\n";

#[test]
fn a_multi_host_slice_is_in_one_zone() {
    let regional = |pool: &str| {
        spec(
            "",
            pool,
            "  - {name: w, image: r/jax:1, run: job, replicas: 4}\n",
            "",
        )
        .replace("location: us-central1-a", "location: us-central1")
    };
    let src = regional(SLICE_POOL);
    assert_eq!(
        found(&src),
        [error(codes::TPU_SLICE, "cluster.nodePools[0].tpu.topology")]
    );
    all_located(&src);
    let src = regional(
        "    - {name: tpu, machineType: ct5lp-hightpu-4t, tpu: {topology: 4x4}, nodes: 4, zones: [us-central1-a, us-central1-b]}\n",
    );
    assert_eq!(
        found(&src),
        [error(codes::TPU_SLICE, "cluster.nodePools[0].zones")]
    );
    let one_zone = regional(
        "    - {name: tpu, machineType: ct5lp-hightpu-4t, tpu: {topology: 4x4}, nodes: 4, zones: [us-central1-b]}\n",
    );
    assert_eq!(found(&one_zone), []);
    assert_eq!(
        model(&one_zone).pools[0].tpu.as_ref().map(|t| t.hosts),
        Some(4)
    );
    // Node count = hosts, as before.
    let src = spec(
        "",
        "    - {name: tpu, machineType: ct5lp-hightpu-4t, tpu: {topology: 4x4}, nodes: 2}\n",
        "  - {name: w, image: r/jax:1, run: job, replicas: 4}\n",
        "",
    );
    assert!(found(&src).contains(&error(codes::TPU_NODES, "cluster.nodePools[0].nodes")));
    // A single-host pool may span zones.
    let src = regional(
        "    - {name: tpu, machineType: ct5lp-hightpu-4t, tpu: {topology: 2x2}, nodes: 1}\n",
    )
    .replace("replicas: 4", "replicas: 1");
    assert_eq!(found(&src), []);
}

#[test]
fn node_labels_and_taints_under_reserved_prefixes_are_refused() {
    for key in [
        "cloud.google.com/gke-nodepool",
        "cloud.google.com/x",
        "kubernetes.io/role",
        "node-role.kubernetes.io/worker",
        "k8s.io/team",
        "node.k8s.io/x",
    ] {
        let pool = format!("    - name: cpu\n      machineType: n2-standard-8\n      labels: {{{key}: \"a\", team: ml}}\n      taints: [{{key: {key}, value: a, effect: NoSchedule}}, {{key: dedicated, value: b, effect: NoSchedule}}]\n");
        let src = spec("", &pool, "  - {name: w, image: r/w:1}\n", "");
        let mut got = found(&src);
        got.sort();
        let mut want = vec![
            error(
                codes::RESERVED_NAME,
                &format!("cluster.nodePools[0].labels.{key}"),
            ),
            error(codes::RESERVED_NAME, "cluster.nodePools[0].taints[0].key"),
        ];
        want.sort();
        assert_eq!(got, want, "{key}");
        all_located(&src);
    }
    let pool = "    - name: cpu\n      machineType: n2-standard-8\n      labels: {example.com/team: ml, nvidia.com/x: y}\n      taints: [{key: nvidia.com/gpu, value: present, effect: NoSchedule}]\n";
    assert_eq!(
        found(&spec("", pool, "  - {name: w, image: r/w:1}\n", "")),
        []
    );
}
