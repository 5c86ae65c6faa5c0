use super::super::{pools, workloads, Checker};
use crate::diag::{codes, Severity};
use crate::model::Resource;
use crate::spec::Priority;

/// A spec with `pools` and `workloads` (list items, indented by four and
/// two) and `rest` at the top level (the queues).
fn spec(pools: &str, workloads: &str, rest: &str) -> String {
    format!(
        "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: demo}}\ngcp: {{project: my-project, location: us-central1-a}}\ncluster:\n  nodePools:\n{pools}workloads:\n{workloads}{rest}"
    )
}

const H100: &str =
    "    - {name: h100, machineType: a3-highgpu-8g, autoscaling: {min: 0, max: 2}}\n";
const TWO: &str = "    - {name: h100, machineType: a3-highgpu-8g, autoscaling: {min: 0, max: 2}}\n    - {name: cpu, machineType: n2-standard-8, nodes: 2}\n";
const TRAIN: &str = "queues:\n  - {name: train, pools: [h100]}\n";

/// (code, path, severity) of every diagnostic, each checked to be placed.
fn found(src: &str) -> Vec<(String, String, Severity)> {
    let a = crate::analyze(src);
    for d in &a.diagnostics {
        assert!(d.span.is_some(), "{d:?} has no span\n{src}");
    }
    a.diagnostics
        .into_iter()
        .map(|d| (d.code, d.path, d.severity))
        .collect()
}

fn messages(src: &str) -> Vec<String> {
    crate::analyze(src)
        .diagnostics
        .into_iter()
        .map(|d| format!("{} {}", d.message, d.help.unwrap_or_default()))
        .collect()
}

fn error(code: &str, path: &str) -> (String, String, Severity) {
    (code.to_string(), path.to_string(), Severity::Error)
}

fn warning(code: &str, path: &str) -> (String, String, Severity) {
    (code.to_string(), path.to_string(), Severity::Warning)
}

#[test]
fn a_queued_job_resolves_with_its_queue_quota_and_priority() {
    let src = spec(
        H100,
        "  - {name: t, image: t:1, queue: train, priority: high, replicas: 2, gpus: 8, resources: {cpu: '100', memory: 1000Gi}}\n",
        TRAIN,
    );
    assert_eq!(found(&src), []);
    let m = crate::analyze(&src).model.expect("resolves");
    assert_eq!(m.workloads[0].queue, Some(0));
    assert_eq!(m.workloads[0].priority, Some(Priority::High));
    let q = &m.queues[0];
    assert_eq!(
        (q.name.as_str(), q.cluster_queue.as_str()),
        ("train", "demo-train")
    );
    assert_eq!(
        q.resources,
        [Resource::Cpu, Resource::Memory, Resource::Gpu]
    );
    // a3-highgpu-8g: 208 vCPUs, 1872 GiB, 8 GPUs; at most 2 nodes.
    assert_eq!(q.flavors[0].pool, 0);
    assert_eq!(q.flavors[0].quota, [2 * 208_000, (2 * 1872) << 30, 16]);
}

#[test]
fn queue_references_are_checked_where_they_are_written() {
    let job = |extra: &str| format!("  - {{name: t, image: t:1, gpus: 8{extra}}}\n");
    for (pools, workloads, rest, want) in [
        (
            H100,
            job(", queue: trian"),
            TRAIN.to_string(),
            vec![error(codes::UNKNOWN_QUEUE, "workloads[0].queue")],
        ),
        (
            H100,
            job(""),
            "queues:\n  - {name: train, pools: [h10]}\n".to_string(),
            vec![error(codes::QUEUE_UNKNOWN_POOL, "queues[0].pools[0]")],
        ),
        (
            TWO,
            "  - {name: t, image: t:1, pool: cpu, queue: train}\n".to_string(),
            TRAIN.to_string(),
            vec![error(codes::QUEUE_POOL_MISMATCH, "workloads[0].pool")],
        ),
        (
            H100,
            job(""),
            "queues:\n  - {name: train, pools: [h100]}\n  - {name: train, pools: [h100]}\n"
                .to_string(),
            vec![error(codes::DUPLICATE_QUEUE, "queues[1].name")],
        ),
        (
            H100,
            job(""),
            "queues:\n  - {name: train, pools: []}\n".to_string(),
            vec![error(codes::QUEUE_POOLS, "queues[0].pools")],
        ),
        (
            H100,
            job(""),
            "queues:\n  - {name: train, pools: [h100, h100]}\n".to_string(),
            vec![error(codes::QUEUE_POOLS, "queues[0].pools[1]")],
        ),
        (
            H100,
            job(", priority: low"),
            String::new(),
            vec![warning(
                codes::PRIORITY_WITHOUT_QUEUE,
                "workloads[0].priority",
            )],
        ),
        (
            H100,
            "  - {name: s, image: s:1, queue: train, ports: [{name: http, port: 80}]}\n"
                .to_string(),
            TRAIN.to_string(),
            vec![error(codes::QUEUED_SERVICE, "workloads[0].queue")],
        ),
        (
            H100,
            job(""),
            "queues:\n  - {name: Train, pools: [h100]}\n".to_string(),
            vec![error(codes::BAD_NAME, "queues[0].name")],
        ),
    ] {
        let src = spec(pools, &workloads, &rest);
        assert_eq!(found(&src), want, "{src}");
    }
    // The unknown queue and pool get a suggestion.
    let src = spec(H100, &job(", queue: traim"), TRAIN);
    assert!(messages(&src)[0].contains("did you mean `train`?"));
    let src = spec(H100, &job(""), "queues:\n  - {name: train, pools: [h10]}\n");
    assert!(messages(&src)[0].contains("did you mean `h100`?"));
}

#[test]
fn a_job_bigger_than_its_quota_is_never_admitted_and_says_by_how_much() {
    // The default quota: the pool at its largest (2 nodes x 8 GPUs).
    let src = spec(
        H100,
        "  - {name: t, image: t:1, queue: train, replicas: 3, gpus: 8}\n",
        TRAIN,
    );
    assert_eq!(
        found(&src),
        [error(codes::NEVER_ADMITTED, "workloads[0].replicas")]
    );
    let m = &messages(&src)[0];
    assert!(
        m.contains("needs 24 GPUs at once (3 pods x 8)")
            && m.contains("at most 16 GPUs on pool `h100`"),
        "{m}"
    );
    assert!(m.contains("pool `h100`'s largest size (2 nodes)"), "{m}");
    // A quota the spec gives, on cpu.
    let src = spec(
        H100,
        "  - {name: t, image: t:1, queue: train, replicas: 2, resources: {cpu: 1500m}}\n",
        "queues:\n  - {name: train, pools: [h100], quota: {cpu: '2'}}\n",
    );
    assert_eq!(
        found(&src),
        [error(codes::NEVER_ADMITTED, "workloads[0].replicas")]
    );
    let m = &messages(&src)[0];
    assert!(
        m.contains("needs 3 CPUs at once (2 pods x 1500m)") && m.contains("at most 2 CPUs"),
        "{m}"
    );
    assert!(
        m.contains("raise `quota.cpu` of queue `train` to at least 3"),
        "{m}"
    );
    // Exactly the quota is fine; queued jobs that together exceed the
    // pool are not a capacity warning (Kueue runs them in turn), unqueued ones are.
    let two = "  - {name: a, image: a:1, queue: train, replicas: 2, gpus: 8}\n  - {name: b, image: b:1, queue: train, replicas: 2, gpus: 8}\n";
    assert_eq!(found(&spec(H100, two, TRAIN)), []);
    let unqueued = two.replace(", queue: train", "");
    assert_eq!(
        found(&spec(H100, &unqueued, TRAIN)),
        [warning(codes::POOL_CAPACITY, "workloads[1].replicas")]
    );
}

#[test]
fn quotas_are_checked_against_the_pools() {
    let job = "  - {name: t, image: t:1, queue: train, gpus: 8}\n";
    for (rest, want) in [
        (
            "queues:\n  - {name: train, pools: [h100], quota: {tpus: 8}}\n",
            vec![error(codes::QUOTA_NOT_OFFERED, "queues[0].quota.tpus")],
        ),
        (
            "queues:\n  - {name: train, pools: [h100], quota: {gpus: 64}}\n",
            vec![warning(codes::QUOTA_ABOVE_CAPACITY, "queues[0].quota.gpus")],
        ),
        (
            "queues:\n  - {name: train, pools: [h100], quota: {cpu: lots}}\n",
            vec![error(codes::BAD_QUANTITY, "queues[0].quota.cpu")],
        ),
    ] {
        let src = spec(H100, job, rest);
        assert_eq!(found(&src), want, "{src}");
    }
    // GPUs on a pool without them are the workload's mistake, once.
    let src = spec(
        TWO,
        "  - {name: t, image: t:1, pool: cpu, queue: q, gpus: 1}\n",
        "queues:\n  - {name: q, pools: [cpu, h100]}\n",
    );
    assert_eq!(found(&src), [error(codes::NO_GPUS, "workloads[0].gpus")]);
    // An unknown machine type: the cpu and memory quota must be given.
    let pool =
        "    - {name: x, machineType: x9-custom-8, accelerator: {type: nvidia-l4, count: 1}}\n";
    let job = "  - {name: t, image: t:1, queue: q}\n";
    let src = spec(pool, job, "queues:\n  - {name: q, pools: [x]}\n");
    assert_eq!(
        found(&src),
        [
            warning(codes::UNKNOWN_MACHINE, "cluster.nodePools[0].machineType"),
            error(codes::QUOTA_UNKNOWN, "queues[0].pools[0]"),
        ]
    );
    assert!(messages(&src)[1].contains("set `cpu` and `memory` under the queue's `quota`"));
    let src = spec(
        pool,
        job,
        "queues:\n  - {name: q, pools: [x], quota: {cpu: '8', memory: 32Gi}}\n",
    );
    assert_eq!(
        found(&src),
        [warning(
            codes::UNKNOWN_MACHINE,
            "cluster.nodePools[0].machineType"
        )]
    );
}

#[test]
fn each_pool_of_a_queue_is_a_flavor_with_its_own_quota() {
    let src = spec(
        TWO,
        "  - {name: a, image: a:1, pool: h100, queue: q, gpus: 8}\n  - {name: b, image: b:1, pool: cpu, queue: q, resources: {ephemeralStorage: 10Gi}}\n",
        "queues:\n  - {name: q, pools: [cpu, h100], quota: {gpus: 8}}\n",
    );
    assert_eq!(found(&src), []);
    let m = crate::analyze(&src).model.expect("resolves");
    let q = &m.queues[0];
    assert_eq!(
        q.resources,
        [
            Resource::Cpu,
            Resource::Memory,
            Resource::EphemeralStorage,
            Resource::Gpu
        ]
    );
    // In the queue's order; the CPU pool has no GPUs to hand out; the
    // boot disks (default 100 GB) hold the ephemeral storage.
    assert_eq!(q.flavors.iter().map(|f| f.pool).collect::<Vec<_>>(), [1, 0]);
    assert_eq!(q.flavors[0].quota, [16_000, 64 << 30, 200 << 30, 0]);
    assert_eq!(
        q.flavors[1].quota,
        [416_000, (2 * 1872) << 30, 200 << 30, 8]
    );
}

#[test]
fn cluster_scoped_names_must_fit() {
    let long = "a".repeat(58);
    let src = spec(
        H100,
        "  - {name: t, image: t:1, queue: train, priority: normal, gpus: 8}\n",
        TRAIN,
    )
    .replace("{name: demo}", &format!("{{name: {long}}}"))
    .replace("cluster:\n", "cluster:\n  name: short\n");
    // `<name>-normal` is 65 characters, `<name>-low` 62.
    assert_eq!(
        found(&src),
        [error(codes::KUEUE_NAME_TOO_LONG, "metadata.name")]
    );
    assert_eq!(found(&src.replace("normal", "low")), []);
}

/// A pool with queued provisioning (set on the resolved pool: the spec's
/// capacity field comes with another change) makes nodes only for
/// Kueue's requests, so a workload on it must be queued.
#[test]
fn workloads_on_queued_provisioning_pools_must_be_queued() {
    let run = |src: &str| -> Vec<(String, String)> {
        let decoded = crate::spec::decode::decode(src);
        assert!(decoded.diagnostics.is_empty() && decoded.poisoned.is_empty());
        let s = &decoded.spec;
        let mut checker = Checker {
            spans: &decoded.spans,
            poisoned: &[],
            out: Vec::new(),
        };
        let mut pools: Vec<_> = s
            .cluster
            .node_pools
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let path = format!("cluster.nodePools[{i}]");
                pools::check_pool(&mut checker, &path, p, "us-central1", true, "us-central1-a")
            })
            .collect();
        for p in pools.iter_mut().flatten() {
            if p.name == "h100" {
                p.capacity = crate::model::Capacity::Queued;
            }
        }
        let mut wls: Vec<_> = s
            .workloads
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let path = format!("workloads[{i}]");
                workloads::check_workload(
                    &mut checker,
                    &path,
                    w,
                    &s.cluster.node_pools,
                    &pools,
                    true,
                    ("my-project", "demo"),
                )
            })
            .collect();
        super::check_queues(&mut checker, s, &pools, &mut wls);
        checker
            .out
            .into_iter()
            .map(|p| (p.code.to_string(), p.path))
            .collect()
    };
    let queued = "  - {name: t, image: t:1, pool: h100, queue: train, gpus: 8}\n";
    assert_eq!(run(&spec(TWO, queued, TRAIN)), []);
    let unqueued = "  - {name: t, image: t:1, pool: h100, gpus: 8}\n";
    assert_eq!(
        run(&spec(TWO, unqueued, TRAIN)),
        [(
            codes::QUEUED_POOL_UNQUEUED.to_string(),
            "workloads[0].pool".to_string()
        )]
    );
    // Pools of other kinds take unqueued pods.
    let cpu = "  - {name: c, image: c:1, pool: cpu}\n";
    assert_eq!(run(&spec(TWO, cpu, "")), []);
    // A long spec name would make a ProvisioningRequestConfig name too long.
    let long =
        spec(TWO, queued, TRAIN).replace("{name: demo}", &format!("{{name: {}}}", "a".repeat(60)));
    assert!(run(&long).contains(&(
        codes::KUEUE_NAME_TOO_LONG.to_string(),
        "metadata.name".to_string()
    )));
}
