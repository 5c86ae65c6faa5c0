//! Pool capacity: what runs on a pool must fit on it at its largest.
//! Queued jobs are left out: Kueue starts them only as the queue's quota
//! allows (check::queues holds each of them to it).

use super::validate::cpu_millis;
use super::Checker;
use crate::diag::codes;
use crate::model::{self, Pool};
use crate::spec;

/// The most nodes a pool has: its maximum (or fixed) size per zone, in all
/// its zones.
pub(super) fn max_nodes(pool: &Pool) -> u64 {
    u64::from(pool.autoscaling.map_or(pool.initial_nodes, |a| a.1)) * u64::from(pool.zone_count)
}

/// Warn when what runs on a pool cannot fit on it at its largest.
pub(super) fn check_capacity(
    checker: &mut Checker,
    pools: &[Option<Pool>],
    wls: &[Option<model::Workload>],
    spec_wls: &[spec::Workload],
) {
    for (pi, pool) in pools.iter().enumerate() {
        let Some(pool) = pool else { continue };
        // Every slice of a Multislice pool is a node pool of this size.
        let nodes = pool.max_nodes();
        let on: Vec<(usize, &model::Workload)> = wls
            .iter()
            .enumerate()
            .filter(|(i, _)| spec_wls.get(*i).is_some_and(|s| s.queue.is_none()))
            .filter_map(|(i, w)| w.as_ref().filter(|w| w.pool == pi).map(|w| (i, w)))
            .collect();
        let Some(&(last, _)) = on.last() else {
            continue;
        };
        let path = format!("workloads[{last}].replicas");
        let mut check = |what: &str, demand: u64, per_node: u64| {
            let have = nodes * per_node;
            if demand > have {
                checker.warn(
                    codes::POOL_CAPACITY,
                    &path,
                    format!("the workloads on pool `{}` ask for {demand} {what} in all, but at most {nodes} node{} give {have}", pool.name, if nodes == 1 { "" } else { "s" }),
                    Some("add nodes (or raise `autoscaling.max`), or run fewer replicas; pods that do not fit stay Pending".to_string()),
                );
            }
        };
        if let Some(g) = &pool.gpu {
            check(
                "GPUs",
                on.iter()
                    .map(|(_, w)| u64::from(w.pod_count()) * u64::from(w.gpus))
                    .sum(),
                u64::from(g.count),
            );
        }
        if let Some(t) = &pool.tpu {
            check(
                "TPU chips",
                on.iter()
                    .map(|(_, w)| u64::from(w.pod_count()) * u64::from(w.tpus))
                    .sum(),
                u64::from(t.chips_per_node),
            );
        }
        if let Some(v) = pool.vcpus {
            let cpu: u64 = on
                .iter()
                .map(|(i, w)| {
                    u64::from(w.pod_count())
                        * spec_wls[*i]
                            .resources
                            .as_ref()
                            .and_then(|r| r.cpu.as_deref())
                            .and_then(cpu_millis)
                            .unwrap_or(0)
                })
                .sum();
            if cpu > nodes * u64::from(v) * 1000 {
                check("CPUs", cpu.div_ceil(1000), u64::from(v));
            }
        }
    }
}
