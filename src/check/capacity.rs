//! Pool capacity: what runs on a pool must fit on it at its largest.
//! Queued jobs are left out: Kueue starts them only as the queue's quota
//! allows (check::queues holds each of them to it).

use super::validate::{cpu_millis, memory_bytes};
use super::Checker;
use crate::diag::codes;
use crate::model::{self, Pool, VolumeSource};
use crate::spec::{self, CacheMedium};

/// What GKE's Cloud Storage FUSE sidecar requests when the pod names no
/// `gke-gcsfuse/*-request` (podwire sets none): 250m CPU and 256 MiB of
/// memory. Checked against the driver's source,
/// GoogleCloudPlatform/gcs-fuse-csi-driver: the webhook's defaults are its
/// flags in `cmd/webhook/main.go` (`sidecar-cpu-request` "250m",
/// `sidecar-memory-request` "256Mi", `sidecar-ephemeral-storage-request`
/// "5Gi"), and `populateResource` in `pkg/webhook/config.go` (commit
/// bbbfc2a3) keeps the default request when no request annotation is set
/// and the limit is unset, or is "0" as podwire sets it for tuned mounts
/// (a set non-zero limit would become the request too; podwire sets
/// none). GKE's page "Configure the Cloud Storage FUSE CSI driver sidecar
/// container" documents the same annotations; its default table was not
/// readable in full here, so the source's values are the ones used.
const FUSE_SIDECAR_CPU_MILLIS: u64 = 250;
const FUSE_SIDECAR_MEMORY_BYTES: u64 = 256 << 20;

/// What a pod of `w` takes from its node beyond its own container's
/// requests, as (CPU millis, memory bytes): the injected FUSE sidecar's
/// requests when it mounts a bucket, and every bucket file cache kept in
/// memory (a `medium: Memory` emptyDir, which the node's RAM holds and the
/// scheduler does not see).
pub(super) fn pod_overhead(w: &model::Workload) -> (u64, u64) {
    let mut cpu = 0;
    let mut memory: u64 = 0;
    for v in &w.volumes {
        if let VolumeSource::Bucket { cache, .. } = &v.source {
            cpu = FUSE_SIDECAR_CPU_MILLIS;
            if let Some(c) = cache.filter(|c| c.medium == CacheMedium::Memory) {
                memory = memory.saturating_add(c.mib.saturating_mul(1 << 20));
            }
        }
    }
    if cpu > 0 {
        memory = memory.saturating_add(FUSE_SIDECAR_MEMORY_BYTES);
    }
    (cpu, memory)
}

/// What one pod of `w` takes from its node, as (CPU millis, memory bytes):
/// its requests plus [`pod_overhead`].
pub(super) fn pod_footprint(w: &model::Workload) -> (u64, u64) {
    let (cpu, memory) = pod_overhead(w);
    (
        w.cpu
            .as_deref()
            .and_then(cpu_millis)
            .unwrap_or(0)
            .saturating_add(cpu),
        w.memory
            .as_deref()
            .and_then(memory_bytes)
            .unwrap_or(0)
            .saturating_add(memory),
    )
}

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
            let have = nodes.saturating_mul(per_node);
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
                .map(|(_, w)| u64::from(w.pod_count()).saturating_mul(pod_footprint(w).0))
                .fold(0, u64::saturating_add);
            if cpu > nodes.saturating_mul(u64::from(v) * 1000) {
                check("CPUs", cpu.div_ceil(1000), u64::from(v));
            }
        }
        // Memory: the requests, the FUSE sidecars' and the file caches kept
        // in RAM (a memory cache the scheduler does not see still needs the
        // node's memory).
        if let Some(mib) = pool.memory_mib {
            let bytes: u64 = on
                .iter()
                .map(|(_, w)| u64::from(w.pod_count()).saturating_mul(pod_footprint(w).1))
                .fold(0, u64::saturating_add);
            if bytes > nodes.saturating_mul(mib.saturating_mul(1 << 20)) {
                let cached: u64 = on
                    .iter()
                    .map(|(_, w)| u64::from(w.pod_count()).saturating_mul(pod_overhead(w).1))
                    .fold(0, u64::saturating_add);
                checker.warn(
                    codes::POOL_CAPACITY,
                    &path,
                    format!(
                        "the workloads on pool `{}` take {} GiB of memory in all{}, but at most {nodes} node{} give {} GiB",
                        pool.name,
                        bytes.div_ceil(1 << 30),
                        if cached > 0 {
                            format!(" ({} GiB of it Cloud Storage FUSE file cache in memory and sidecars)", cached >> 30)
                        } else {
                            String::new()
                        },
                        if nodes == 1 { "" } else { "s" },
                        nodes.saturating_mul(mib) >> 10
                    ),
                    Some("add nodes (or raise `autoscaling.max`), make the file cache smaller or put it on Local SSD (`medium: localSsd`), or run fewer replicas; pods that do not fit stay Pending".to_string()),
                );
            }
        }
    }
}
