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

use super::{at, item, Checker};
use crate::diag::{codes, did_you_mean};
use crate::model::{self, cluster_scoped, Kind, Pool, QueueFlavor, Resource};
use crate::spec::{Priority, Spec};
use std::collections::HashMap;

mod quota;
#[cfg(test)]
mod tests;

use quota::{
    amount, offers, per_node, per_pod, quota_field, read_quota, Quota, LABEL_MAX, MAX_FLAVORS,
};

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
