//! `groupSize`: a LeaderWorkerSet of long-running groups; each rule that
//! refuses a combination, at its field, and the resolved model (kind, pod
//! names and counts) of the specs next to them that compile.

use crate::diag::{codes, Severity};
use crate::model::{Kind, Model};

const H100: &str = "{name: h100, machineType: a3-highgpu-8g, nodes: 4}";
const SERVE: &str =
    "run: service, groupSize: 2, gpus: 8, ports: [{name: http, port: 8000}], health: {path: /health, port: http}";

fn spec(pool: &str, extra: &str) -> String {
    format!(
        "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: demo}}\n\
         gcp: {{project: my-project, location: us-central1-a}}\n\
         cluster:\n  nodePools:\n    - {pool}\n\
         workloads:\n  - {{name: llm, image: r/w:1, {extra}}}\n"
    )
}

fn found(src: &str) -> Vec<(String, String, Severity)> {
    let a = crate::analyze(src);
    for d in &a.diagnostics {
        assert!(d.span.is_some(), "{d:?} has no span\n{src}");
        assert!(d.help.is_some(), "{d:?} has no help\n{src}");
    }
    a.diagnostics
        .into_iter()
        .map(|d| (d.code, d.path, d.severity))
        .collect()
}

fn has(src: &str, code: &str, path: &str, severity: Severity) {
    let f = found(src);
    assert!(
        f.contains(&(code.to_string(), path.to_string(), severity)),
        "want {code} at {path}: {f:?}\n{src}"
    );
}

fn model(src: &str) -> Model {
    let a = crate::analyze(src);
    match a.model {
        Some(m) if a.diagnostics.is_empty() => m,
        _ => panic!("compiles cleanly: {:?}\n{src}", a.diagnostics),
    }
}

#[test]
fn groups_make_a_leader_worker_set_with_lws_pod_names() {
    let m = model(&spec(H100, &format!("{SERVE}, replicas: 2")));
    let w = &m.workloads[0];
    assert_eq!(
        (w.kind, w.replicas, w.group_size),
        (Kind::LeaderWorkerSet, 2, 2)
    );
    assert_eq!(w.pod_count(), 4);
    let names: Vec<String> = (0..w.pod_count()).map(|i| w.pod_hostname(i)).collect();
    assert_eq!(names, ["llm-0", "llm-0-1", "llm-1", "llm-1-1"]);
    assert_eq!(
        w.pod_dns(3, "demo").as_deref(),
        Some("llm-1-1.llm-1.demo.svc.cluster.local")
    );
    // No peers Service: LWS names the pods, the client Service is ClusterIP.
    assert!(!w.peers && !w.headless);
    assert_eq!(w.service.as_deref(), Some("llm"));
    // Two groups: a default budget.
    assert!(w.disruption.is_some());
    // groupSize 1 is an ordinary Deployment.
    let one = model(&spec(
        H100,
        "run: service, groupSize: 1, gpus: 8, ports: [{name: http, port: 8000}]",
    ));
    assert_eq!(one.workloads[0].kind, Kind::Deployment);
}

#[test]
fn groups_are_long_running_only() {
    has(
        &spec(H100, "run: job, groupSize: 2, gpus: 8"),
        codes::GROUP_NOT_SERVICE,
        "workloads[0].groupSize",
        Severity::Error,
    );
}

#[test]
fn groups_refuse_peers_jax_and_tpu_pools() {
    has(
        &spec(H100, &format!("{SERVE}, peers: true")),
        codes::GROUP_CONFLICT,
        "workloads[0].peers",
        Severity::Error,
    );
    has(
        &spec(H100, &format!("{SERVE}, distributed: jax")),
        codes::GROUP_CONFLICT,
        "workloads[0].distributed",
        Severity::Error,
    );
    let tpu = "{name: v5e, machineType: ct5lp-hightpu-4t, tpu: {topology: 2x2}, nodes: 1}";
    has(
        &spec(
            tpu,
            "run: service, groupSize: 2, ports: [{name: http, port: 8000}]",
        ),
        codes::GROUP_CONFLICT,
        "workloads[0].groupSize",
        Severity::Error,
    );
}

#[test]
fn torch_groups_may_autoscale_by_whole_groups() {
    // The rendezvous is per group: autoscaling adds groups, so it is not
    // the fixed-size refusal of a distributed Deployment.
    let m = model(&spec(
        "{name: h100, machineType: a3-highgpu-8g, autoscaling: {min: 2, max: 8}}",
        &format!("{SERVE}, distributed: pytorch, resources: {{cpu: '100'}}, autoscale: {{min: 1, max: 4, cpu: 70}}"),
    ));
    let w = &m.workloads[0];
    assert_eq!((w.replicas, w.max_groups()), (1, 4));
}

#[test]
fn the_pool_must_hold_every_group_with_the_numbers() {
    // 3 groups of 2 pods of 8 GPUs: 6 nodes; the pool has 4.
    let src = spec(H100, &format!("{SERVE}, replicas: 3"));
    has(
        &src,
        codes::GROUP_CAPACITY,
        "workloads[0].groupSize",
        Severity::Warning,
    );
    let d = crate::analyze(&src)
        .diagnostics
        .into_iter()
        .find(|d| d.code == codes::GROUP_CAPACITY)
        .unwrap_or_else(|| panic!("warned"));
    assert!(
        d.message
            .contains("3 groups of 2 pods (6 pods) need 6 nodes of pool `h100`")
            && d.message.contains("at most 4"),
        "{}",
        d.message
    );
    assert!(d.help.is_some_and(|h| h.contains("`replicas` to 2 groups")));
    // Autoscaled: the most groups, at `autoscale.max`.
    let src = spec(
        H100,
        &format!("{SERVE}, resources: {{cpu: '100'}}, autoscale: {{min: 1, max: 3, cpu: 70}}"),
    );
    has(
        &src,
        codes::AUTOSCALE_CAPACITY,
        "workloads[0].autoscale.max",
        Severity::Warning,
    );
    // Two groups fit.
    model(&spec(H100, &format!("{SERVE}, replicas: 2")));
}

#[test]
fn no_object_takes_a_group_service_name() {
    // LWS `llm` makes the Services `llm-0`, `llm-1`; another workload's
    // Service of that name is a clash, at that workload.
    let src = format!(
        "{}  - {{name: llm-1, image: r/o:1, run: service, ports: [{{name: http, port: 80}}]}}\n",
        spec(H100, &format!("{SERVE}, replicas: 2"))
    );
    has(
        &src,
        codes::OBJECT_NAME_CLASH,
        "workloads[1].name",
        Severity::Error,
    );
    // A name that only starts like one is not.
    let src = format!(
        "{}  - {{name: llm-x1, image: r/o:1, run: service, ports: [{{name: http, port: 80}}]}}\n",
        spec(H100, &format!("{SERVE}, replicas: 2"))
    );
    assert!(found(&src).iter().all(|d| d.0 != codes::OBJECT_NAME_CLASH));
}

#[test]
fn image_streaming_needs_container_optimized_os() {
    let pool = |extra: &str| {
        spec(
            &format!(
                "{{name: h100, machineType: a3-highgpu-8g, nodes: 4, imageStreaming: true{extra}}}"
            ),
            &format!("{SERVE}, replicas: 2"),
        )
    };
    has(
        &pool(", imageType: UBUNTU_CONTAINERD"),
        codes::IMAGE_STREAMING_OS,
        "cluster.nodePools[0].imageType",
        Severity::Error,
    );
    for ok in ["", ", imageType: COS_CONTAINERD"] {
        let m = model(&pool(ok));
        assert!(m.pools[0].image_streaming, "{ok}");
    }
}

#[test]
fn a_secondary_boot_disk_caches_images_and_streams_them() {
    let pool = |extra: &str| {
        spec(
            &format!("{{name: h100, machineType: a3-highgpu-8g, nodes: 4{extra}}}"),
            &format!("{SERVE}, replicas: 2"),
        )
    };
    for (written, sent) in [
        ("vllm-cache", "global/images/vllm-cache"),
        ("global/images/vllm-cache", "global/images/vllm-cache"),
        (
            "projects/images-prj/global/images/vllm-cache-2",
            "projects/images-prj/global/images/vllm-cache-2",
        ),
    ] {
        let m = model(&pool(&format!(", secondaryBootDisk: {written}")));
        assert_eq!(m.pools[0].secondary_boot_disk.as_deref(), Some(sent));
        // GKE needs image streaming for the image cache.
        assert!(m.pools[0].image_streaming);
        let body = crate::gke::create_cluster_request(&m);
        let cfg = &body.cluster.node_pools[0].config;
        assert_eq!(cfg.secondary_boot_disks.len(), 1);
        assert_eq!(cfg.secondary_boot_disks[0].disk_image, sent);
        assert_eq!(cfg.secondary_boot_disks[0].mode, "CONTAINER_IMAGE_CACHE");
        assert_eq!(cfg.gcfs_config.as_ref().map(|g| g.enabled), Some(true));
    }
    // None without the field.
    let m = model(&pool(""));
    assert!(m.pools[0].secondary_boot_disk.is_none() && !m.pools[0].image_streaming);
    for bad in [
        "gs://bucket/image",
        "global/images/family/vllm",
        "Vllm-Cache",
        "projects/x/global/images/vllm",
        "https://www.googleapis.com/compute/v1/projects/p/global/images/i",
        "global/images/",
    ] {
        has(
            &pool(&format!(", secondaryBootDisk: \"{bad}\"")),
            codes::SECONDARY_BOOT_DISK,
            "cluster.nodePools[0].secondaryBootDisk",
            Severity::Error,
        );
    }
    has(
        &pool(", secondaryBootDisk: vllm, imageStreaming: false"),
        codes::SECONDARY_BOOT_DISK,
        "cluster.nodePools[0].imageStreaming",
        Severity::Error,
    );
    has(
        &pool(", secondaryBootDisk: vllm, imageType: UBUNTU_CONTAINERD"),
        codes::IMAGE_STREAMING_OS,
        "cluster.nodePools[0].imageType",
        Severity::Error,
    );
}
