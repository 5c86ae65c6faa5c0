//! Every user mistake becomes a located diagnostic with a stable code; all are
//! reported at once, in source order. Each case names the code, the path and
//! the line it must point at.

use podwire::{analyze, Severity};

const HEAD: &str = "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: demo}\ngcp: {project: my-project, location: us-central1-a}\n";

/// (code, path, line) of every diagnostic.
fn found(src: &str) -> Vec<(String, String, u32)> {
    analyze(src)
        .diagnostics
        .into_iter()
        .map(|d| (d.code, d.path, d.span.map_or(0, |s| s.line)))
        .collect()
}

fn assert_has(src: &str, code: &str, path: &str, line: u32) {
    let f = found(src);
    assert!(
        f.iter()
            .any(|(c, p, l)| c == code && p == path && *l == line),
        "expected {code} at {path} line {line}, got {f:#?}"
    );
}

fn pool(extra: &str) -> String {
    format!(
        "{HEAD}cluster:\n  nodePools:\n    - name: p\n      machineType: g2-standard-8\n{extra}"
    )
}

#[test]
fn many_errors_at_once_in_source_order() {
    let src = include_str!("fixtures/bad/many-errors.yaml");
    let a = analyze(src);
    assert!(a.model.is_none());
    let lines: Vec<u32> = a
        .diagnostics
        .iter()
        .map(|d| d.span.as_ref().map_or(u32::MAX, |s| s.line))
        .collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted, "diagnostics must come in source order");
    let codes: Vec<&str> = a.diagnostics.iter().map(|d| d.code.as_str()).collect();
    for want in [
        "PW0101", // Bad_Name
        "PW0404", // project id
        "PW0008", // releaseChannel
        "PW0406", // CIDR host bits
        "PW0403", // zone outside region
        "PW0302", // accelerator type
        "PW0303", // accelerator count
        "PW0402", // spot + reservation
        "PW0103", // duplicate pool
        "PW0004", // machineTyp
        "PW0005", // missing machineType
        "PW0201", // unknown pool
        "PW0203", // unknown workload in connection
    ] {
        assert!(codes.contains(&want), "missing {want} in {codes:?}");
    }
    let rendered = podwire::diag::render_text("many-errors.yaml", src, &a.diagnostics);
    insta::assert_snapshot!("many_errors_rendered", rendered);
}

#[test]
fn syntax_error_is_located() {
    let src = "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: a\n";
    let d = &analyze(src).diagnostics;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "PW0001");
    assert_eq!(d[0].span.as_ref().map(|s| s.line), Some(4));
}

#[test]
fn empty_file() {
    for src in ["", "   \n", "# nothing\n", "~\n"] {
        let d = analyze(src).diagnostics;
        assert_eq!(
            d.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(),
            ["PW0002"],
            "{src:?}"
        );
    }
}

#[test]
fn top_level_must_be_a_mapping() {
    assert_has("- a\n- b\n", "PW0003", "", 1);
}

#[test]
fn missing_required_fields() {
    let d = found("apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\n");
    let paths: Vec<&str> = d
        .iter()
        .filter(|x| x.0 == "PW0005")
        .map(|x| x.1.as_str())
        .collect();
    assert_eq!(paths, ["metadata", "gcp", "cluster"]);
}

#[test]
fn api_version_and_kind() {
    assert_has("apiVersion: podwire.dev/v1\nkind: Workload\nmetadata: {name: a}\ngcp: {project: my-project, location: us-central1}\ncluster: {nodePools: [{name: p, machineType: e2-standard-4}]}\n", "PW0006", "apiVersion", 1);
    assert_has(
        "apiVersion: podwire.dev/v1\nkind: Workload\n",
        "PW0006",
        "kind",
        2,
    );
}

#[test]
fn duplicate_keys() {
    assert_has(
        &format!("{HEAD}cluster:\n  nodePools: []\n  nodePools: []\n"),
        "PW0007",
        "",
        7,
    );
}

#[test]
fn unknown_field_with_suggestion() {
    let src = pool("      nodez: 3\n");
    let a = analyze(&src);
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == "PW0004")
        .expect("unknown field");
    assert_eq!(d.path, "cluster.nodePools[0].nodez");
    assert_eq!(d.help.as_deref(), Some("did you mean `nodes`?"));
    let s = d.span.as_ref().expect("span");
    assert_eq!((s.line, s.column), (9, 7));
}

#[test]
fn wrong_types() {
    assert_has(
        &pool("      nodes: three\n"),
        "PW0003",
        "cluster.nodePools[0].nodes",
        9,
    );
    assert_has(
        &pool("      spot: \"yes\"\n"),
        "PW0003",
        "cluster.nodePools[0].spot",
        9,
    );
    assert_has(
        &pool("      zones: us-central1-a\n"),
        "PW0003",
        "cluster.nodePools[0].zones",
        9,
    );
}

#[test]
fn names() {
    assert_has(&format!("{HEAD}namespace: My_NS\ncluster: {{nodePools: [{{name: p, machineType: e2-standard-4}}]}}\n"), "PW0101", "namespace", 5);
    let long = "w".repeat(62);
    // StatefulSet pods `www...-0`: fine as a name, too long for the controller-revision label.
    let src = format!("{HEAD}cluster: {{nodePools: [{{name: p, machineType: e2-standard-4}}]}}\nworkloads:\n  - name: {long}\n    image: x\n    run: service\n    peers: true\n");
    assert_has(&src, "PW0102", "workloads[0].name", 7);
    // Indexed Job with peers: hostname `<name>-<index>` must fit 63.
    let name = "j".repeat(60);
    let src = format!("{HEAD}cluster: {{nodePools: [{{name: p, machineType: e2-standard-4}}]}}\nworkloads:\n  - name: {name}\n    image: x\n    replicas: 1000\n    peers: true\n");
    assert_has(&src, "PW0102", "workloads[0].name", 7);
    let src = format!("{HEAD}cluster: {{nodePools: [{{name: p, machineType: e2-standard-4}}]}}\nworkloads:\n  - name: internet\n    image: x\n");
    assert_has(&src, "PW0105", "workloads[0].name", 7);
}

#[test]
fn references() {
    let two = format!("{HEAD}cluster:\n  nodePools:\n    - {{name: a, machineType: e2-standard-4}}\n    - {{name: b, machineType: e2-standard-4}}\nworkloads:\n  - name: w\n    image: x\n    ports: [{{name: http, port: 80}}]\n");
    assert_has(&two, "PW0202", "workloads[0].name", 10);
    let src = format!(
        "{two}    pool: a\nconnections:\n  - from: internet\n    to: w\n    ports: [htp]\n"
    );
    assert_has(&src, "PW0204", "connections[0].ports[0]", 17);
    let src = format!(
        "{two}    pool: a\n    expose: none\nconnections:\n  - from: internet\n    to: w\n"
    );
    assert_has(&src, "PW0205", "connections[0].to", 17);
    let src = format!(
        "{two}    pool: a\nconnections:\n  - from: {{cidr: 10.0.0.0/8}}\n    to: internet\n"
    );
    assert_has(&src, "PW0206", "connections[0]", 15);
}

#[test]
fn hardware() {
    assert_has(
        &pool("      accelerator: {count: 2}\n"),
        "PW0303",
        "cluster.nodePools[0].accelerator.count",
        9,
    );
    assert_has(
        &pool("      accelerator: {type: nvidia-h100-80gb}\n"),
        "PW0302",
        "cluster.nodePools[0].accelerator.type",
        9,
    );
    let w = "workloads:\n  - name: w\n    image: x\n";
    assert_has(
        &format!("{}{w}    gpus: 2\n", pool("")),
        "PW0304",
        "workloads[0].gpus",
        12,
    );
    assert_has(
        &format!("{}{w}    tpus: 2\n", pool("")),
        "PW0308",
        "workloads[0].tpus",
        12,
    );
    assert_has(
        &format!("{}{w}    resources: {{memory: 64Gi}}\n", pool("")),
        "PW0309",
        "workloads[0].resources.memory",
        12,
    );
    let cpu = format!("{HEAD}cluster:\n  nodePools:\n    - {{name: p, machineType: e2-standard-4}}\n{w}    gpus: 1\n");
    assert_has(&cpu, "PW0307", "workloads[0].gpus", 11);
    // Capacity: 1 node x 1 L4, 3 replicas x 1 GPU -> warning only.
    let a = analyze(&format!("{}{w}    gpus: 1\n    replicas: 3\n", pool("")));
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == "PW0305")
        .expect("capacity warning");
    assert_eq!(d.severity, Severity::Warning);
    assert!(a.model.is_some(), "a warning does not stop compilation");
    // TPU topology and node count.
    let tpu = format!("{HEAD}cluster:\n  nodePools:\n    - name: t\n      machineType: ct5lp-hightpu-4t\n      tpu: {{topology: 3x3}}\n");
    assert_has(&tpu, "PW0306", "cluster.nodePools[0].tpu.topology", 9);
    let tpu = format!("{HEAD}cluster:\n  nodePools:\n    - name: t\n      machineType: ct5lp-hightpu-4t\n      tpu: {{topology: 4x4}}\n      nodes: 2\n");
    assert_has(&tpu, "PW0310", "cluster.nodePools[0].nodes", 10);
    assert_has(&format!("{HEAD}cluster:\n  nodePools:\n    - {{name: p, machineType: e2-standard-4, tpu: {{topology: 2x2}}}}\n"), "PW0306", "cluster.nodePools[0].tpu", 7);
    assert_has(
        &pool("      machineType: a9-supergpu-8g\n")
            .replace("      machineType: g2-standard-8\n", ""),
        "PW0301",
        "cluster.nodePools[0].machineType",
        8,
    );
}

#[test]
fn gke_constraints() {
    let regional = "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: demo}\ngcp: {project: my-project, location: us-central1}\ncluster:\n  nodePools:\n    - name: p\n      machineType: a2-highgpu-1g\n      placement: compact\n";
    assert_has(regional, "PW0401", "cluster.nodePools[0].placement", 9);
    assert_has(
        &pool("      spot: true\n      reservation: r\n"),
        "PW0402",
        "cluster.nodePools[0].reservation",
        10,
    );
    assert_has(
        &pool("      zones: [us-east1-b]\n"),
        "PW0403",
        "cluster.nodePools[0].zones[0]",
        9,
    );
    assert_has(
        &pool("      autoscaling: {min: 3, max: 1}\n"),
        "PW0408",
        "cluster.nodePools[0].autoscaling",
        9,
    );
    assert_has("apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: demo}\ngcp: {project: x, location: mars}\ncluster: {nodePools: [{name: p, machineType: e2-standard-4}]}\n", "PW0404", "gcp.project", 4);
    assert_has("apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: demo}\ngcp: {project: my-project, location: mars}\ncluster: {nodePools: [{name: p, machineType: e2-standard-4}]}\n", "PW0405", "gcp.location", 4);
    assert_has(&format!("{HEAD}cluster:\n  authorizedNetworks: [10.0.0.0/33]\n  nodePools: [{{name: p, machineType: e2-standard-4}}]\n"), "PW0406", "cluster.authorizedNetworks[0]", 6);
    assert_has(
        &format!("{HEAD}cluster:\n  nodePools: []\n"),
        "PW0409",
        "cluster.nodePools",
        6,
    );
}

#[test]
fn policies_without_dataplane_v2_warn() {
    let src = format!("{HEAD}cluster:\n  dataplaneV2: false\n  nodePools: [{{name: p, machineType: e2-standard-4}}]\nworkloads:\n  - name: w\n    image: x\n    ports: [{{port: 80}}]\nconnections:\n  - {{from: internet, to: w}}\n");
    let a = analyze(&src);
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == "PW0407")
        .expect("warning");
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(d.path, "connections");
    assert!(a.model.is_some());
}

#[test]
fn utf16_offsets_for_editors() {
    // A multi-byte character before the error shifts byte and UTF-16 offsets differently.
    let src = format!("# 😀 é\n{HEAD}cluster:\n  nodePools: [{{name: p, machineType: e2-standard-4, nodez: 1}}]\n");
    let a = analyze(&src);
    let s = a.diagnostics[0].span.clone().expect("span");
    assert_eq!(&src[s.start..s.end], "nodez");
    let utf16: Vec<u16> = src.encode_utf16().collect();
    assert_eq!(
        String::from_utf16_lossy(&utf16[s.utf16_start..s.utf16_end]),
        "nodez"
    );
}
