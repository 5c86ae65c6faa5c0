//! Regression tests for the semantic rules, each over a class of inputs:
//! specs are decoded and checked as `podwire check` does, and the
//! diagnostics are compared by code, path and severity.

use super::{namespace_use, NamespaceUse};
use crate::diag::{codes, Severity};
use crate::model::{Framework, Kind, Model};
use crate::spec::Protocol;

/// A spec of one zonal cluster with `cluster` extra lines, `pools` and
/// `workloads` (YAML list items, indented by four) and `rest` (top level).
fn spec(cluster: &str, pools: &str, workloads: &str, rest: &str) -> String {
    format!(
        "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: demo}}\ngcp: {{project: my-project, location: us-central1-a}}\ncluster:\n{cluster}  nodePools:\n{pools}workloads:\n{workloads}{rest}"
    )
}

const CPU_POOL: &str = "    - {name: cpu, machineType: n2-standard-8, nodes: 2}\n";

fn with_workloads(workloads: &str, rest: &str) -> String {
    spec("", CPU_POOL, workloads, rest)
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

fn warning(code: &str, path: &str) -> (String, String, Severity) {
    (code.to_string(), path.to_string(), Severity::Warning)
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

#[test]
fn system_namespaces_are_refused_where_they_are_named() {
    let wl = "  - {name: web, image: nginx, ports: [{name: http, port: 80}]}\n";
    for ns in [
        "kube-system",
        "kube-public",
        "kube-node-lease",
        "gke-managed-system",
        "gke-gmp-system",
        "gmp-system",
        "gmp-public",
    ] {
        let src = with_workloads(wl, &format!("namespace: {ns}\n"));
        assert_eq!(
            found(&src),
            [error(codes::RESERVED_NAME, "namespace")],
            "{ns}"
        );
        all_located(&src);
        // The spec's name is the namespace when `namespace` is omitted.
        let src = with_workloads(wl, "").replace("{name: demo}", &format!("{{name: {ns}}}"));
        assert_eq!(
            found(&src),
            [error(codes::RESERVED_NAME, "metadata.name")],
            "{ns}"
        );
    }
    // `default` works but is shared: a warning, and the model is built.
    let src = with_workloads(wl, "namespace: default\n");
    assert_eq!(
        found(&src),
        [warning(codes::DEFAULT_NAMESPACE, "namespace")]
    );
    assert_eq!(model(&src).namespace, "default");
    let src = with_workloads(wl, "").replace("{name: demo}", "{name: default}");
    assert_eq!(
        found(&src),
        [warning(codes::DEFAULT_NAMESPACE, "metadata.name")]
    );
    for ns in ["ml", "kube", "gke", "team-gke-a"] {
        let src = with_workloads(wl, &format!("namespace: {ns}\n"));
        assert_eq!(found(&src), [], "{ns}");
    }
}

#[test]
fn run_defaults_to_what_the_workload_is() {
    let pools = "    - {name: l4, machineType: g2-standard-8, nodes: 2}\n";
    for (fields, kind) in [
        // A server behind a load balancer (vLLM): long-running.
        (
            "ports: [{name: http, port: 8000}], expose: internal",
            Kind::Deployment,
        ),
        (
            "ports: [{name: http, port: 8000}], expose: external",
            Kind::Deployment,
        ),
        // Exposed and distributed: still a service (a peers StatefulSet).
        (
            "ports: [{name: http, port: 8000}], expose: internal, distributed: pytorch",
            Kind::StatefulSet,
        ),
        // Distributed training, with or without ports: a Job.
        ("distributed: pytorch", Kind::Job),
        (
            "distributed: jax, ports: [{name: metrics, port: 9090}]",
            Kind::Job,
        ),
        // Ports: a service; nothing: a job.
        ("ports: [{name: http, port: 8000}]", Kind::Deployment),
        (
            "ports: [{name: http, port: 8000}], expose: none",
            Kind::Deployment,
        ),
        (
            "peers: true, ports: [{name: http, port: 8000}]",
            Kind::StatefulSet,
        ),
        ("command: [python, batch.py]", Kind::Job),
        // An explicit `run` wins.
        (
            "run: job, ports: [{name: http, port: 8000}], expose: internal",
            Kind::Job,
        ),
        ("run: service, distributed: pytorch", Kind::StatefulSet),
    ] {
        let src = spec(
            "",
            pools,
            &format!("  - {{name: w, image: vllm/vllm-openai:v0.6.0, gpus: 1, {fields}}}\n"),
            "",
        );
        assert_eq!(model(&src).workloads[0].kind, kind, "{fields}");
    }
}

#[test]
fn the_rendezvous_port_is_its_own() {
    let workload = |fields: &str| {
        with_workloads(
            &format!("  - {{name: t, image: r/t:1, replicas: 2, {fields}}}\n"),
            "",
        )
    };
    // No port named `rendezvous`: the framework's port is added, never
    // another declared port (mixed-stack's metrics port was MASTER_PORT).
    for (fields, framework, port) in [
        (
            "distributed: pytorch, ports: [{name: metrics, port: 9090}]",
            Framework::Pytorch,
            29500,
        ),
        ("distributed: pytorch", Framework::Pytorch, 29500),
        (
            "distributed: jax, ports: [{name: http, port: 8000}, {name: m, port: 9090}]",
            Framework::Jax,
            8476,
        ),
        (
            "distributed: jax, ports: [{name: x, port: 29500}]",
            Framework::Jax,
            8476,
        ),
    ] {
        let w = &model(&workload(fields)).workloads[0];
        assert_eq!(w.distributed, Some((framework, port)), "{fields}");
        let added: Vec<_> = w.ports.iter().filter(|p| p.name == "rendezvous").collect();
        assert_eq!(added.len(), 1, "{fields}");
        assert_eq!((added[0].port, added[0].protocol), (port, Protocol::Tcp));
    }
    // The port named `rendezvous` is the one, whatever its number.
    let w = &model(&workload(
        "distributed: pytorch, ports: [{name: metrics, port: 9090}, {name: rendezvous, port: 1234}]",
    ))
    .workloads[0];
    assert_eq!(w.distributed, Some((Framework::Pytorch, 1234)));
    assert_eq!(w.ports.len(), 2);
    // The default port taken by another port: name the rendezvous port.
    for (fields, path) in [
        (
            "distributed: pytorch, ports: [{name: store, port: 29500}]",
            "workloads[0].ports[0].port",
        ),
        (
            "distributed: pytorch, ports: [{name: http, port: 80}, {port: 29500}]",
            "workloads[0].ports[1].port",
        ),
        (
            "distributed: jax, ports: [{name: coord, port: 8476}]",
            "workloads[0].ports[0].port",
        ),
    ] {
        let src = workload(fields);
        assert_eq!(
            found(&src),
            [error(codes::RENDEZVOUS_PORT, path)],
            "{fields}"
        );
        all_located(&src);
    }
}

#[test]
fn user_env_cannot_set_injected_variables() {
    let workload = |framework: &str, var: &str| {
        with_workloads(
            &format!("  - {{name: t, image: r/t:1, replicas: 2, {framework} env: {{{var}: \"1\", NCCL_DEBUG: INFO}}}}\n"),
            "",
        )
    };
    for var in [
        "MASTER_ADDR",
        "MASTER_PORT",
        "NNODES",
        "NODE_RANK",
        "NPROC_PER_NODE",
        "WORLD_SIZE",
        "PET_MASTER_PORT",
        "PET_NODE_RANK",
        "PET_RDZV_ENDPOINT",
    ] {
        let src = workload("distributed: pytorch,", var);
        let path = format!("workloads[0].env.{var}");
        assert_eq!(found(&src), [error(codes::INJECTED_ENV, &path)], "{var}");
        all_located(&src);
        // Nothing is injected without `distributed`: the user's to set.
        assert_eq!(found(&workload("", var)), [], "{var}");
    }
    for var in [
        "JAX_COORDINATOR_ADDRESS",
        "JAX_PROCESS_ID",
        "JAX_NUM_PROCESSES",
    ] {
        let src = workload("distributed: jax,", var);
        let path = format!("workloads[0].env.{var}");
        assert_eq!(found(&src), [error(codes::INJECTED_ENV, &path)], "{var}");
    }
    // Settings that are not injected stay the user's.
    assert_eq!(found(&workload("distributed: jax,", "JAX_PLATFORMS")), []);
    assert_eq!(found(&workload("distributed: jax,", "MASTER_PORT")), []);
}

/// A v5e 4x4 slice: 4 hosts of 4 chips.
const SLICE_POOL: &str =
    "    - {name: tpu, machineType: ct5lp-hightpu-4t, tpu: {topology: 4x4}, nodes: 4}\n";

#[test]
fn workloads_on_a_multi_host_slice_run_one_whole_host_per_pod() {
    let on_slice = |fields: &str| {
        spec(
            "",
            SLICE_POOL,
            &format!("  - {{name: w, image: r/jax:1, {fields}}}\n"),
            "",
        )
    };
    for ok in [
        "run: job, replicas: 4",
        "run: job, replicas: 4, tpus: 4",
        "distributed: jax, replicas: 4",
        "run: service, peers: true, replicas: 4",
    ] {
        let src = on_slice(ok);
        assert_eq!(found(&src), [], "{ok}");
        let w = &model(&src).workloads[0];
        assert_eq!((w.replicas, w.tpus), (4, 4), "{ok}");
    }
    for (fields, want) in [
        (
            "run: job, replicas: 2",
            vec![error(codes::TPU_SLICE, "workloads[0].replicas")],
        ),
        (
            "run: job, replicas: 8",
            vec![
                error(codes::TPU_SLICE, "workloads[0].replicas"),
                warning(codes::POOL_CAPACITY, "workloads[0].replicas"),
            ],
        ),
        (
            "run: job, replicas: 4, tpus: 2",
            vec![error(codes::TPU_SLICE, "workloads[0].tpus")],
        ),
        (
            "run: job, replicas: 4, tpus: 1",
            vec![error(codes::TPU_SLICE, "workloads[0].tpus")],
        ),
        (
            "run: service, replicas: 4",
            vec![error(codes::TPU_SLICE, "workloads[0].name")],
        ),
        (
            "ports: [{name: http, port: 80}], replicas: 4",
            vec![error(codes::TPU_SLICE, "workloads[0].name")],
        ),
        (
            "run: service, replicas: 2, tpus: 2",
            vec![
                error(codes::TPU_SLICE, "workloads[0].name"),
                error(codes::TPU_SLICE, "workloads[0].replicas"),
                error(codes::TPU_SLICE, "workloads[0].tpus"),
            ],
        ),
    ] {
        let src = on_slice(fields);
        let mut got = found(&src);
        got.sort();
        let mut want = want;
        want.sort();
        assert_eq!(got, want, "{fields}");
        all_located(&src);
    }
    // Single-host shapes take any number of replicas and any chip count.
    let single = spec(
        "",
        "    - {name: tpu, machineType: ct5lp-hightpu-4t, tpu: {topology: 2x2}, nodes: 3}\n",
        "  - {name: w, image: r/jax:1, run: service, replicas: 3, tpus: 2}\n",
        "",
    );
    assert_eq!(found(&single), []);
}

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
fn images_must_be_references_the_runtime_can_pull() {
    for bad in [
        r#"" nginx""#,
        r#""nginx ""#,
        r#""nginx\t""#,
        r#""ngi\anx""#,
        r#""nginx\n""#,
        r#""ngi\u0000nx""#,
        r#""my image:1""#,
        "Nginx:1",
        r#""nginx:""#,
        "nginx@sha256:abc",
        r#""""#,
    ] {
        let src = with_workloads(&format!("  - name: w\n    image: {bad}\n"), "");
        assert_eq!(
            found(&src),
            [error(codes::BAD_IMAGE, "workloads[0].image")],
            "{bad}"
        );
        all_located(&src);
    }
    for ok in [
        "nginx",
        "nginxinc/nginx-unprivileged:1.27",
        "us-docker.pkg.dev/my-project/ml/train:2.1",
        "localhost:5000/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ] {
        let src = with_workloads(&format!("  - name: w\n    image: {ok}\n"), "");
        assert_eq!(found(&src), [], "{ok}");
    }
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

const TWO_WORKLOADS: &str = "  - {name: client, image: curl}\n  - {name: web, image: nginx, ports: [{name: http, port: 80}, {name: dns-udp, port: 5353, protocol: UDP}, {name: dns-tcp, port: 5353}]}\n";

#[test]
fn connection_ports_and_egress() {
    // `ports: []` allows nothing: an error, where it is written.
    for conn in [
        "{from: client, to: web, ports: []}",
        "{from: web, to: internet, ports: []}",
    ] {
        let src = with_workloads(TWO_WORKLOADS, &format!("connections:\n  - {conn}\n"));
        assert_eq!(
            found(&src),
            [error(codes::BAD_CONNECTION, "connections[0].ports")],
            "{conn}"
        );
        all_located(&src);
    }
    let src = with_workloads(
        TWO_WORKLOADS,
        "connections:\n  - from: client\n    to: web\n    ports: []\n",
    );
    assert_eq!(
        found(&src),
        [error(codes::BAD_CONNECTION, "connections[0].ports")]
    );
    // Omitted: all of the target's ports.
    let m = model(&with_workloads(
        TWO_WORKLOADS,
        "connections:\n  - {from: client, to: web}\n",
    ));
    assert!(m.flows[0].ports.is_empty());
    // A number allows every protocol the target listens on at it.
    let m = model(&with_workloads(
        TWO_WORKLOADS,
        "connections:\n  - {from: client, to: web, ports: [5353, http]}\n",
    ));
    assert_eq!(
        m.flows[0].ports,
        [
            (5353, Protocol::Udp),
            (5353, Protocol::Tcp),
            (80, Protocol::Tcp)
        ]
    );
    // Egress to the internet from private nodes needs Cloud NAT.
    for (private, conn, want) in [
        (
            "true",
            "{from: client, to: internet}",
            vec![warning(codes::NEEDS_NAT, "connections[0].to")],
        ),
        (
            "true",
            "{from: client, to: internet, ports: [443]}",
            vec![warning(codes::NEEDS_NAT, "connections[0].to")],
        ),
        ("false", "{from: client, to: internet}", vec![]),
        ("true", "{from: internet, to: web}", vec![]),
        ("true", "{from: client, to: {cidr: 10.0.0.0/8}}", vec![]),
    ] {
        let src = spec(
            &format!("  privateNodes: {private}\n"),
            CPU_POOL,
            TWO_WORKLOADS,
            &format!("connections:\n  - {conn}\n"),
        );
        assert_eq!(found(&src), want, "{private} {conn}");
    }
}

#[test]
fn a_port_the_decoder_rejected_causes_no_follow_on_errors() {
    // The decoder keeps a port whose number is out of range (the number
    // poisoned): its own mistakes are reported, once each, and nothing
    // follows from it (no "has no Service", no unknown port).
    for (ports, extra, mistakes) in [
        ("[{name: a-very-long-port-name, port: 70000}]", "", 2),
        ("[{name: http, port: 0}]", ", expose: internal", 1),
        ("[{name: http, port: 99999}]", ", expose: external", 1),
        ("[{name: http, port: -1}]", "", 1),
        ("[{name: http, port: 80}, {name: x, port: 65536}]", "", 1),
    ] {
        for conn in [
            "{from: client, to: web}",
            "{from: client, to: web, ports: [http]}",
            "{from: client, to: web, ports: [x]}",
            "{from: client, to: web, ports: [8080]}",
        ] {
            let src = with_workloads(
                &format!("  - {{name: client, image: curl}}\n  - {{name: web, image: nginx, ports: {ports}{extra}}}\n"),
                &format!("connections:\n  - {conn}\n"),
            );
            let got = found(&src);
            assert_eq!(got.len(), mistakes, "{ports} {conn}: {got:?}");
            assert!(
                got.iter().all(|d| d.1.starts_with("workloads[1].ports[")),
                "{got:?}"
            );
        }
    }
}

#[test]
fn a_port_kept_with_a_rejected_number_still_has_its_name_checked() {
    // A decoder that keeps the port (its number poisoned) must still get
    // the port's other mistakes reported, and nothing about its number.
    let src = with_workloads(
        "  - {name: client, image: curl}\n  - {name: web, image: nginx, ports: [{name: a-very-long-port-name, port: 70000}, {name: b, port: 70001}]}\n",
        "connections:\n  - {from: client, to: web}\n",
    );
    let mut d = crate::spec::decode::decode(&src);
    assert_eq!(
        d.poisoned,
        ["workloads[1].ports[0].port", "workloads[1].ports[1].port"]
    );
    d.spec.workloads[1].ports = ["a-very-long-port-name", "b"]
        .into_iter()
        .map(|name| crate::spec::Port {
            name: Some(name.into()),
            port: 0,
            protocol: None,
        })
        .collect();
    let (model, diags) = super::check(&d.spec, &d.spans, &d.poisoned);
    assert!(model.is_none());
    let got: Vec<(&str, &str)> = diags.iter().map(|p| (p.code, p.path.as_str())).collect();
    assert_eq!(got, [(codes::BAD_PORT_NAME, "workloads[1].ports[0].name")]);
}

#[test]
fn system_namespaces_are_told_apart_from_the_users() {
    for n in [
        "kube-system",
        "kube-public",
        "kube-node-lease",
        "gke-managed-system",
        "gke-gmp-system",
        "gmp-public",
        "gmp-system",
    ] {
        assert_eq!(namespace_use(n), NamespaceUse::System, "{n}");
    }
    assert_eq!(namespace_use("default"), NamespaceUse::Shared);
    for n in [
        "ml",
        "kube",
        "kubesystem",
        "gke",
        "gmp",
        "my-gke-app",
        "kube-systems-team",
    ] {
        assert_eq!(namespace_use(n), NamespaceUse::Own, "{n}");
    }
}

#[test]
fn more_than_64_gcp_labels_are_refused_once_at_the_map() {
    let labels = |n: usize| {
        (0..n)
            .map(|i| format!("k{i}: v"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let wl = "  - {name: web, image: nginx}\n";
    let at = |n: usize| {
        with_workloads(wl, "").replace(
            "metadata: {name: demo}",
            &format!("metadata: {{name: demo, labels: {{{}}}}}", labels(n)),
        )
    };
    assert_eq!(found(&at(64)), vec![]);
    assert_eq!(
        found(&at(65)),
        vec![error(codes::BAD_LABEL, "metadata.labels")]
    );
    all_located(&at(65));
}

#[test]
fn gpus_on_a_pool_without_a_machine_type_are_not_blamed_on_the_pool() {
    let src = spec(
        "",
        "    - {name: l4, nodes: 1}\n",
        "  - {name: web, image: nginx, pool: l4, gpus: 1}\n",
        "",
    );
    let d = crate::analyze(&src).diagnostics;
    assert!(!d.is_empty(), "a pool without machineType is an error");
    assert!(
        d.iter().all(|d| !d.message.contains("()")),
        "no message with an empty machine type: {d:#?}"
    );
    assert!(d.iter().all(|d| d.code != codes::NO_GPUS), "{d:#?}");
}

#[test]
fn a_zone_without_the_machine_type_is_a_warning_with_the_zones_that_have_it() {
    let wl = "  - {name: w, image: t, pool: gpu, gpus: 8}\n";
    let at_location = |location: &str, zones: &str| {
        format!(
            "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: demo}}\ngcp: {{project: my-project, location: {location}}}\ncluster:\n  nodePools:\n    - {{name: gpu, machineType: a4-highgpu-8g, nodes: 1{zones}}}\nworkloads:\n{wl}"
        )
    };
    let zone_warnings = |src: &str| -> Vec<(String, String, Severity)> {
        found(src)
            .into_iter()
            .filter(|(c, _, _)| c == codes::MACHINE_ZONE)
            .collect()
    };
    // A4 is in us-central1-b, not -a (zonal cluster, pool without zones).
    assert_eq!(zone_warnings(&at_location("us-central1-b", "")), vec![]);
    assert_eq!(
        zone_warnings(&at_location("us-central1-a", "")),
        vec![warning(
            codes::MACHINE_ZONE,
            "cluster.nodePools[0].machineType"
        )]
    );
    // Listed zones: only the one without it is named.
    let src = at_location("us-central1", ", zones: [us-central1-b, us-central1-c]");
    assert_eq!(
        zone_warnings(&src),
        vec![warning(
            codes::MACHINE_ZONE,
            "cluster.nodePools[0].zones[1]"
        )]
    );
    let d = crate::analyze(&src)
        .diagnostics
        .into_iter()
        .find(|d| d.code == codes::MACHINE_ZONE)
        .unwrap();
    assert!(
        d.message
            .contains("in us-central1 it is offered in us-central1-b"),
        "{}",
        d.message
    );
    assert!(
        d.help
            .as_deref()
            .unwrap()
            .contains("zones: [us-central1-b]"),
        "{:?}",
        d.help
    );
    assert!(d.span.is_some());
    // A regional pool without zones may land where the machine is not.
    assert_eq!(
        zone_warnings(&at_location("us-central1", "")),
        vec![warning(
            codes::MACHINE_ZONE,
            "cluster.nodePools[0].machineType"
        )]
    );
    // A region with none of them.
    let none = at_location("southamerica-east1", "");
    let d = crate::analyze(&none)
        .diagnostics
        .into_iter()
        .find(|d| d.code == codes::MACHINE_ZONE)
        .unwrap();
    assert!(d.message.contains("offered in no zone"), "{}", d.message);
    // Machine types the table does not list are not checked.
    let n2 = spec("", CPU_POOL, "  - {name: w, image: t}\n", "");
    assert!(zone_warnings(&n2).is_empty());
    // A zone outside the region is reported once, as such, not also here.
    let outside = at_location("us-central1", ", zones: [us-east4-a]");
    assert!(zone_warnings(&outside).is_empty());
}
