//! Kueue queues: each queue's pools and quota, the workloads that name a
//! queue, and whether Kueue could ever admit them.
//!
//! A queue is one ClusterQueue with one resource group: every pool of the
//! queue is a flavor of it, covering cpu and memory (always: a LimitRange
//! may give pods requests they do not declare), ephemeral storage when a
//! queued pod requests it or the quota names it, and the pools'
//! accelerators. A queued job's pods select one pool, so Kueue can admit
//! the job only from that pool's flavor: its total request (replicas x
//! per pod) must fit that flavor's nominal quota.

use super::validate::{cpu_millis, memory_bytes};
use super::{at, item, Checker};
use crate::diag::{codes, did_you_mean};
use crate::model::{self, cluster_scoped, Kind, Pool, QueueFlavor, Resource};
use crate::spec::{self, Priority, Spec};
use std::collections::HashMap;

/// Most flavors (pools) one ClusterQueue resource group takes.
const MAX_FLAVORS: usize = 64;

/// Longest name of a ProvisioningRequestConfig (an AdmissionCheck's
/// `parameters.name`) and of a WorkloadPriorityClass (a label value).
const LABEL_MAX: usize = 63;

/// A queue's quota, read: `None` where the spec leaves the resource out.
#[derive(Default)]
struct Quota {
    gpus: Option<u64>,
    tpus: Option<u64>,
    cpu: Option<u64>,
    memory: Option<u64>,
    ephemeral_storage: Option<u64>,
}

impl Quota {
    fn get(&self, r: Resource) -> Option<u64> {
        match r {
            Resource::Cpu => self.cpu,
            Resource::Memory => self.memory,
            Resource::EphemeralStorage => self.ephemeral_storage,
            Resource::Gpu => self.gpus,
            Resource::Tpu => self.tpus,
        }
    }
}

/// The spec field of a quota resource, below `quota`.
fn quota_field(r: Resource) -> &'static str {
    match r {
        Resource::Cpu => "cpu",
        Resource::Memory => "memory",
        Resource::EphemeralStorage => "ephemeralStorage",
        Resource::Gpu => "gpus",
        Resource::Tpu => "tpus",
    }
}

/// What one node of `pool` has of `r`, when podwire knows.
fn per_node(pool: &Pool, r: Resource) -> Option<u64> {
    match r {
        Resource::Cpu => pool.vcpus.map(|v| u64::from(v) * 1000),
        Resource::Memory => pool.memory_mib.map(|m| m << 20),
        // The boot disk holds the node's ephemeral storage (GKE's default: 100 GB).
        Resource::EphemeralStorage => Some(u64::from(pool.disk_size_gb.unwrap_or(100)) << 30),
        Resource::Gpu => Some(pool.gpu.as_ref().map_or(0, |g| u64::from(g.count))),
        Resource::Tpu => Some(pool.tpu.as_ref().map_or(0, |t| u64::from(t.chips_per_node))),
    }
}

/// Whether `pool` has any of `r` (every pool has cpu, memory and storage).
fn offers(pool: &Pool, r: Resource) -> bool {
    match r {
        Resource::Gpu => pool.gpu.is_some(),
        Resource::Tpu => pool.tpu.is_some(),
        _ => true,
    }
}

/// What one pod of `w` requests of `r`, in the resource's unit.
fn per_pod(w: &model::Workload, r: Resource) -> u64 {
    match r {
        Resource::Cpu => w.cpu.as_deref().and_then(cpu_millis).unwrap_or(0),
        Resource::Memory => w.memory.as_deref().and_then(memory_bytes).unwrap_or(0),
        Resource::EphemeralStorage => w
            .ephemeral_storage
            .as_deref()
            .and_then(memory_bytes)
            .unwrap_or(0),
        Resource::Gpu => u64::from(w.gpus),
        Resource::Tpu => u64::from(w.tpus),
    }
}

/// An amount of `r` for messages: "32 GPUs", "180 CPUs", "1500Gi of memory".
fn amount(r: Resource, n: u64) -> String {
    match r {
        Resource::Gpu => format!("{n} GPU{}", if n == 1 { "" } else { "s" }),
        Resource::Tpu => format!("{n} TPU chip{}", if n == 1 { "" } else { "s" }),
        Resource::Cpu => format!("{} CPUs", Resource::Cpu.quantity(n)),
        Resource::Memory => format!("{} of memory", Resource::Memory.quantity(n)),
        Resource::EphemeralStorage => {
            format!(
                "{} of ephemeral storage",
                Resource::EphemeralStorage.quantity(n)
            )
        }
    }
}

/// Read a queue's quota, reporting quantities that do not parse.
fn read_quota(checker: &mut Checker, path: &str, q: Option<&spec::Quota>) -> Quota {
    let Some(q) = q else {
        return Quota::default();
    };
    let mut quantity = |field: &str, v: &Option<String>, parse: fn(&str) -> Option<u64>| {
        let v = v.as_deref()?;
        let n = parse(v);
        if n.is_none() {
            checker.err(
                codes::BAD_QUANTITY,
                &format!("{path}.quota.{field}"),
                format!("`{v}` is not a Kubernetes quantity"),
                Some(if field == "cpu" {
                    "e.g. \"720\" or \"500m\"".to_string()
                } else {
                    "e.g. \"7000Gi\"".to_string()
                }),
            );
        }
        n
    };
    Quota {
        cpu: quantity("cpu", &q.cpu, cpu_millis),
        memory: quantity("memory", &q.memory, memory_bytes),
        ephemeral_storage: quantity("ephemeralStorage", &q.ephemeral_storage, memory_bytes),
        gpus: q.gpus.map(u64::from),
        tpus: q.tpus.map(u64::from),
    }
}

/// Check the queues and the workloads that name one, fill in each
/// resolved workload's `queue` and `priority`, and resolve the queues.
pub(super) fn check_queues(
    checker: &mut Checker,
    s: &Spec,
    pools: &[Option<Pool>],
    workloads: &mut [Option<model::Workload>],
) -> Vec<Option<model::Queue>> {
    let spec_pools = &s.cluster.node_pools;
    let pool_index: HashMap<&str, usize> = spec_pools
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.as_str(), i))
        .collect();

    // The queues themselves: names, pools, quota.
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    let mut queue_pools: Vec<Vec<Option<usize>>> = Vec::with_capacity(s.queues.len());
    let mut quotas: Vec<Quota> = Vec::with_capacity(s.queues.len());
    for (qi, q) in s.queues.iter().enumerate() {
        let path = item("queues", qi);
        let np = at(&path, ".name");
        checker.name(&np, "queue name", &q.name, 63);
        if by_name.insert(&q.name, qi).is_some() {
            checker.err(
                codes::DUPLICATE_QUEUE,
                &np,
                format!("queue `{}` is defined twice", q.name),
                Some("give each queue its own name".to_string()),
            );
        }
        let pp = at(&path, ".pools");
        if q.pools.is_empty() {
            checker.err(
                codes::QUEUE_POOLS,
                &pp,
                format!("queue `{}` has no pools to admit jobs to", q.name),
                spec_pools
                    .first()
                    .map(|p| format!("list the pools its jobs run on, e.g. `pools: [{}]`", p.name)),
            );
        } else if q.pools.len() > MAX_FLAVORS {
            checker.err(
                codes::QUEUE_POOLS,
                &pp,
                format!(
                    "queue `{}` lists {} pools; a Kueue ClusterQueue takes at most {MAX_FLAVORS}",
                    q.name,
                    q.pools.len()
                ),
                None,
            );
        }
        let mut resolved: Vec<Option<usize>> = Vec::with_capacity(q.pools.len());
        for (j, name) in q.pools.iter().enumerate() {
            let jp = item(&pp, j);
            let index = pool_index.get(name.as_str()).copied();
            match index {
                None => {
                    let help = did_you_mean(name, spec_pools.iter().map(|p| p.name.as_str()))
                        .map(|s| format!("did you mean `{s}`?"))
                        .unwrap_or_else(|| {
                            format!(
                                "pools: {}",
                                spec_pools
                                    .iter()
                                    .map(|p| p.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        });
                    checker.err(
                        codes::QUEUE_UNKNOWN_POOL,
                        &jp,
                        format!("queue `{}` lists unknown node pool `{name}`", q.name),
                        Some(help),
                    );
                }
                Some(_) if resolved.contains(&index) => checker.err(
                    codes::QUEUE_POOLS,
                    &jp,
                    format!("queue `{}` lists pool `{name}` twice", q.name),
                    Some("list each pool once".to_string()),
                ),
                Some(_) => {}
            }
            resolved.push(index);
        }
        let quota = read_quota(checker, &path, q.quota.as_ref());
        // A quota for what none of the pools has (only when every pool is known).
        let known: Option<Vec<&Pool>> = resolved
            .iter()
            .map(|i| i.and_then(|i| pools.get(i)).and_then(Option::as_ref))
            .collect();
        if let Some(known) = known.filter(|k| !k.is_empty()) {
            for (r, what) in [(Resource::Gpu, "GPUs"), (Resource::Tpu, "TPUs")] {
                if quota.get(r).is_some() && !known.iter().any(|p| offers(p, r)) {
                    checker.err(
                        codes::QUOTA_NOT_OFFERED,
                        &format!("{path}.quota.{}", quota_field(r)),
                        format!(
                            "queue `{}` has a quota of {what}, but none of its pools ({}) has {what}",
                            q.name,
                            q.pools.join(", ")
                        ),
                        Some(format!(
                            "remove `quota.{}`, or add a pool with {what} to `pools`",
                            quota_field(r)
                        )),
                    );
                }
            }
        }
        queue_pools.push(resolved);
        quotas.push(quota);
    }

    // The workloads that name a queue (or a priority).
    for (wi, w) in s.workloads.iter().enumerate() {
        let path = item("workloads", wi);
        let qp = at(&path, ".queue");
        let resolved = workloads.get_mut(wi).and_then(Option::as_mut);
        let Some(name) = &w.queue else {
            if w.priority.is_some() {
                checker.warn(
                    codes::PRIORITY_WITHOUT_QUEUE,
                    &at(&path, ".priority"),
                    format!(
                        "`priority` has no effect: workload `{}` is in no queue",
                        w.name
                    ),
                    Some("add `queue:`, or remove `priority`".to_string()),
                );
            }
            if let Some(wl) = resolved {
                let pool = pools.get(wl.pool).and_then(Option::as_ref);
                if let Some(pool) = pool.filter(|p| p.queued()) {
                    let field = if checker.is_written(&at(&path, ".pool"), &path) {
                        at(&path, ".pool")
                    } else {
                        at(&path, ".name")
                    };
                    let queue = s.queues.iter().find(|q| q.pools.contains(&pool.name));
                    checker.err(
                        codes::QUEUED_POOL_UNQUEUED,
                        &field,
                        format!(
                            "pool `{}` uses queued provisioning, which makes nodes only for jobs Kueue admits; `{}` is in no queue, so its pods would never get a node",
                            pool.name, w.name
                        ),
                        Some(match queue {
                            Some(q) => format!("add `queue: {}`", q.name),
                            None => format!(
                                "add a queue over the pool (`queues: [{{name: {0}, pools: [{0}]}}]`) and `queue:` to the workload",
                                pool.name
                            ),
                        }),
                    );
                }
            }
            continue;
        };
        let Some(&qi) = by_name.get(name.as_str()) else {
            let help = did_you_mean(name, s.queues.iter().map(|q| q.name.as_str()))
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| {
                    if s.queues.is_empty() {
                        format!("define it: `queues: [{{name: {name}, pools: [...]}}]`")
                    } else {
                        format!(
                            "queues: {}",
                            s.queues
                                .iter()
                                .map(|q| q.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                });
            checker.err(
                codes::UNKNOWN_QUEUE,
                &qp,
                format!("unknown queue `{name}`"),
                Some(help),
            );
            continue;
        };
        let Some(wl) = resolved else { continue };
        if !matches!(wl.kind, Kind::Job | Kind::JobSet) {
            checker.err(
                codes::QUEUED_SERVICE,
                &qp,
                format!(
                    "`{}` is a long-running {}; queues admit jobs, which run to completion",
                    w.name,
                    wl.kind.as_str()
                ),
                Some("remove `queue`, or set `run: job`".to_string()),
            );
            continue;
        }
        if !queue_pools[qi].contains(&Some(wl.pool)) {
            let field = if checker.is_written(&at(&path, ".pool"), &path) {
                at(&path, ".pool")
            } else {
                qp.clone()
            };
            let pool = spec_pools.get(wl.pool).map_or("", |p| p.name.as_str());
            checker.err(
                codes::QUEUE_POOL_MISMATCH,
                &field,
                format!(
                    "`{}` runs on pool `{pool}`, which queue `{name}` does not hand out (its pools: {})",
                    w.name,
                    s.queues[qi].pools.join(", ")
                ),
                Some(format!(
                    "add `{pool}` to the queue's `pools`, or run the workload on one of them"
                )),
            );
            continue;
        }
        wl.queue = Some(qi);
        wl.priority = w.priority;
    }

    // Names Kubernetes would refuse.
    let too_long = |checker: &mut Checker, what: &str, name: String| {
        if name.len() > LABEL_MAX {
            checker.err(
                codes::KUEUE_NAME_TOO_LONG,
                "metadata.name",
                format!(
                    "the {what} `{name}` would be {} characters; at most {LABEL_MAX} are allowed",
                    name.len()
                ),
                Some("shorten `metadata.name` (cluster-scoped Kueue objects carry it)".to_string()),
            );
        }
    };
    let mut used: Vec<Priority> = workloads
        .iter()
        .flatten()
        .filter_map(|w| w.priority)
        .collect();
    used.sort();
    used.dedup();
    if let Some(p) = used.iter().max_by_key(|p| p.as_str().len()) {
        too_long(
            checker,
            "WorkloadPriorityClass (and `kueue.x-k8s.io/priority-class` label)",
            cluster_scoped(&s.metadata.name, p.as_str()),
        );
    }
    let mut queued_pools: Vec<usize> = queue_pools
        .iter()
        .flatten()
        .flatten()
        .copied()
        .filter(|&i| {
            pools
                .get(i)
                .and_then(Option::as_ref)
                .is_some_and(|p| p.queued())
        })
        .collect();
    queued_pools.sort_unstable();
    queued_pools.dedup();
    if let Some(p) = queued_pools
        .iter()
        .filter_map(|&i| spec_pools.get(i))
        .max_by_key(|p| p.name.len())
    {
        too_long(
            checker,
            "ProvisioningRequestConfig",
            cluster_scoped(&s.metadata.name, &p.name),
        );
    }

    // Resolve each queue: covered resources, each flavor's quota, and
    // whether its jobs fit.
    let mut out = Vec::with_capacity(s.queues.len());
    for (qi, q) in s.queues.iter().enumerate() {
        let path = item("queues", qi);
        let quota = &quotas[qi];
        let members: Vec<(usize, &model::Workload)> = workloads
            .iter()
            .enumerate()
            .filter_map(|(i, w)| w.as_ref().filter(|w| w.queue == Some(qi)).map(|w| (i, w)))
            .collect();
        let flavor_pools: Vec<(usize, usize, &Pool)> = queue_pools[qi]
            .iter()
            .enumerate()
            .filter_map(|(j, i)| {
                let i = (*i)?;
                Some((j, i, pools.get(i)?.as_ref()?))
            })
            .collect();
        let mut resources = vec![Resource::Cpu, Resource::Memory];
        if quota.ephemeral_storage.is_some()
            || members
                .iter()
                .any(|(_, w)| per_pod(w, Resource::EphemeralStorage) > 0)
        {
            resources.push(Resource::EphemeralStorage);
        }
        for r in [Resource::Gpu, Resource::Tpu] {
            if quota.get(r).is_some() || flavor_pools.iter().any(|(_, _, p)| offers(p, r)) {
                resources.push(r);
            }
        }

        let mut flavors = Vec::with_capacity(flavor_pools.len());
        for &(j, pi, pool) in &flavor_pools {
            let mut amounts = Vec::with_capacity(resources.len());
            let mut unknown = Vec::new();
            for &r in &resources {
                let capacity = per_node(pool, r).map(|n| n * pool.max_nodes());
                let nominal = match (quota.get(r), capacity) {
                    (_, _) if !offers(pool, r) => 0,
                    (Some(n), Some(cap)) => {
                        if n > cap {
                            checker.warn(
                                codes::QUOTA_ABOVE_CAPACITY,
                                &format!("{path}.quota.{}", quota_field(r)),
                                format!(
                                    "queue `{}` may admit {} on pool `{}`, which has at most {}: admitted jobs would wait for nodes that never come",
                                    q.name,
                                    amount(r, n),
                                    pool.name,
                                    amount(r, cap)
                                ),
                                Some("lower the quota, or raise the pool's `autoscaling.max`".to_string()),
                            );
                        }
                        n
                    }
                    (Some(n), None) => n,
                    (None, Some(cap)) => cap,
                    (None, None) => {
                        unknown.push(quota_field(r));
                        0
                    }
                };
                amounts.push(nominal);
            }
            if !unknown.is_empty() {
                checker.err(
                    codes::QUOTA_UNKNOWN,
                    &item(&at(&path, ".pools"), j),
                    format!(
                        "podwire cannot size queue `{}`'s {} quota on pool `{}`: it does not know machine type `{}`",
                        q.name,
                        unknown.join(" and "),
                        pool.name,
                        pool.machine_type
                    ),
                    Some(format!(
                        "set {} under the queue's `quota`",
                        unknown
                            .iter()
                            .map(|f| format!("`{f}`"))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    )),
                );
            }
            flavors.push(QueueFlavor {
                pool: pi,
                quota: amounts,
            });
        }

        // Each job must fit its pool's flavor as a whole.
        for &(wi, w) in &members {
            let Some(f) = flavors.iter().find(|f| f.pool == w.pool) else {
                continue;
            };
            let Some(pool) = pools.get(w.pool).and_then(Option::as_ref) else {
                continue;
            };
            for (k, &r) in resources.iter().enumerate() {
                if !offers(pool, r) {
                    // GPUs on a pool without them: reported with the workload.
                    continue;
                }
                let each = per_pod(w, r);
                // A Multislice JobSet runs `replicas` pods on each slice.
                let pods = w.replicas * w.slices.max(1);
                let total = each * u64::from(pods);
                let nominal = f.quota[k];
                if total <= nominal {
                    continue;
                }
                let help = if quota.get(r).is_some() {
                    format!(
                        "raise `quota.{}` of queue `{}` to at least {}, or run fewer replicas",
                        quota_field(r),
                        q.name,
                        r.quantity(total)
                    )
                } else {
                    format!(
                        "the quota is pool `{}`'s largest size ({} node{}); give the pool more nodes, or run fewer replicas",
                        pool.name,
                        pool.max_nodes(),
                        if pool.max_nodes() == 1 { "" } else { "s" }
                    )
                };
                checker.err(
                    codes::NEVER_ADMITTED,
                    &at(&item("workloads", wi), ".replicas"),
                    format!(
                        "job `{}` needs {} at once ({} pod{} x {}), but queue `{}` admits at most {} on pool `{}`: Kueue would never admit it",
                        w.name,
                        amount(r, total),
                        pods,
                        if pods == 1 { "" } else { "s" },
                        r.quantity(each),
                        q.name,
                        amount(r, nominal),
                        pool.name
                    ),
                    Some(help),
                );
            }
        }

        let complete = flavors.len() == q.pools.len();
        out.push(complete.then(|| model::Queue {
            name: q.name.clone(),
            cluster_queue: cluster_scoped(&s.metadata.name, &q.name),
            resources,
            flavors,
        }));
    }
    out
}

#[cfg(test)]
mod tests {
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
        let long = spec(TWO, queued, TRAIN)
            .replace("{name: demo}", &format!("{{name: {}}}", "a".repeat(60)));
        assert!(run(&long).contains(&(
            codes::KUEUE_NAME_TOO_LONG.to_string(),
            "metadata.name".to_string()
        )));
    }
}
