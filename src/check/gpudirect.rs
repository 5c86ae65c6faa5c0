//! GPUDirect: the mode a pool's machine type has (catalog::gpudirect), the
//! extra networks it needs, and the mistakes that would leave a job on the
//! primary NIC or a pool without its networks.

use super::{at, item, Checker};
use crate::catalog::gpudirect::{self, Mode, PRIMARY_NIC_GBPS};
use crate::diag::codes;
use crate::model::{self, GpuDirectMode, Pool};
use crate::spec;

/// The /24s of 192.168.0.0/16 the GPU subnets are cut from.
const RANGES: u32 = 256;

/// What the GPUDirect checks need of the cluster.
pub(super) struct Cluster<'a> {
    pub name: &'a str,
    pub location: &'a str,
    pub zonal: bool,
    pub dataplane_v2: bool,
    /// `cluster.dataplaneV2` is written (so the error points at it).
    pub dataplane_v2_written: bool,
}

/// The pool's mode: its machine type's when `gpuDirect: true`, else None
/// (an error when the machine type has no GPUDirect).
pub(super) fn check_mode(checker: &mut Checker, path: &str, p: &spec::NodePool) -> GpuDirectMode {
    if p.gpu_direct != Some(true) {
        return GpuDirectMode::None;
    }
    match gpudirect::lookup(&p.machine_type) {
        Some(g) => match g.mode {
            Mode::Tcpx => GpuDirectMode::Tcpx,
            Mode::Tcpxo => GpuDirectMode::Tcpxo,
            Mode::Rdma => GpuDirectMode::Rdma,
        },
        None => {
            let known: Vec<&str> = gpudirect::machine_types().collect();
            checker.err(
                codes::GPUDIRECT_MACHINE,
                &at(path, ".gpuDirect"),
                format!("machine type `{}` has no GPUDirect on GKE", p.machine_type),
                Some(format!(
                    "GPUDirect needs one of {}; remove `gpuDirect` or change `machineType`",
                    known.join(", ")
                )),
            );
            GpuDirectMode::None
        }
    }
}

/// Give each GPUDirect pool its networks and check how the cluster and the
/// workloads use them.
pub(super) fn check(
    checker: &mut Checker,
    cluster: &Cluster,
    pools: &mut [Option<Pool>],
    workloads: &[Option<model::Workload>],
) {
    let mut next_range = 0u32;
    let mut any = false;
    for (i, slot) in pools.iter_mut().enumerate() {
        let Some(pool) = slot else { continue };
        if pool.gpu_direct == GpuDirectMode::None {
            continue;
        }
        let Some(g) = gpudirect::lookup(&pool.machine_type) else {
            continue;
        };
        any = true;
        let path = item("cluster.nodePools", i);
        let zone = if let [z] = pool.zones.as_slice() {
            z.clone()
        } else if pool.zones.is_empty() && cluster.zonal {
            cluster.location.to_string()
        } else {
            if g.mode == Mode::Rdma {
                checker.err(
                    codes::GPUDIRECT_ZONES,
                    &at(&path, ".gpuDirect"),
                    format!(
                        "GPUDirect RDMA on pool `{}` needs one zone, but the pool spans {}",
                        pool.name, pool.zone_count
                    ),
                    Some(
                        "a RoCE network belongs to one zone; list one zone in the pool's `zones`"
                            .to_string(),
                    ),
                );
            }
            String::new()
        };
        let need = g.subnets();
        if next_range + need > RANGES {
            checker.err(
                codes::GPUDIRECT_RANGES,
                &at(&path, ".gpuDirect"),
                format!(
                    "the GPU subnets of pool `{}` do not fit: {} /24 ranges of 192.168.0.0/16 are already taken by the pools before it, and it needs {need} more",
                    pool.name, next_range
                ),
                Some("use fewer GPUDirect pools".to_string()),
            );
            continue;
        }
        pool.extra_networks = model::gpu_networks(cluster.name, &pool.name, g, next_range, &zone);
        next_range += need;

        // Pods that take only part of a node share its GPU NICs: GPUDirect
        // (the TCPX/TCPXO receive daemon, the NCCL plugins' NIC-to-GPU
        // mapping) is laid out for one pod that uses every GPU.
        let per_node = pool.gpu.as_ref().map_or(0, |g| g.count);
        for (wi, w) in workloads.iter().enumerate() {
            let Some(w) = w.as_ref().filter(|w| w.pool == i) else {
                continue;
            };
            if w.gpus > 0 && w.gpus < per_node {
                checker.err(
                    codes::GPUDIRECT_PARTIAL_NODE,
                    &format!("workloads[{wi}].gpus"),
                    format!(
                        "workload `{}` takes {} of the {per_node} GPUs of a node of GPUDirect pool `{}`",
                        w.name, w.gpus, pool.name
                    ),
                    Some(format!(
                        "{} gives one pod all of a node's GPUs and GPU NICs: set `gpus: {per_node}`, or run this workload on a pool without `gpuDirect`",
                        g.mode.as_str()
                    )),
                );
            }
        }
    }
    if any && !cluster.dataplane_v2 {
        let path = if cluster.dataplane_v2_written {
            "cluster.dataplaneV2"
        } else {
            "cluster"
        };
        checker.err(
            codes::GPUDIRECT_DATAPLANE,
            path,
            "GPUDirect needs GKE multi-networking, which needs Dataplane V2, but `dataplaneV2` is off",
            Some("set `cluster.dataplaneV2: true` (the default)".to_string()),
        );
    }
    // A multi-node distributed job on a machine with GPUDirect, without it.
    for (wi, w) in workloads.iter().enumerate() {
        let Some(w) = w else { continue };
        let Some(Some(pool)) = pools.get(w.pool) else {
            continue;
        };
        if pool.gpu_direct != GpuDirectMode::None || w.distributed.is_none() {
            continue;
        }
        let Some(g) = gpudirect::lookup(&pool.machine_type) else {
            continue;
        };
        let per_node = pool.gpu.as_ref().map_or(0, |g| g.count);
        if w.gpus == 0 || u64::from(w.replicas) * u64::from(w.gpus) <= u64::from(per_node) {
            continue;
        }
        checker.warn(
            codes::GPUDIRECT_OFF,
            &format!("workloads[{wi}].distributed"),
            format!(
                "distributed workload `{}` spans several {} nodes, but pool `{}` has no GPUDirect: its GPUs talk to other nodes through the primary NIC ({PRIMARY_NIC_GBPS} Gbps) instead of {} x {} Gbps ({} Gbps) of GPU NICs",
                w.name,
                pool.machine_type,
                pool.name,
                g.gpu_nics,
                g.nic_gbps,
                g.gpu_gbps()
            ),
            Some(format!(
                "set `gpuDirect: true` on pool `{}` ({}); podwire then creates its {} networks and attaches the nodes",
                pool.name,
                g.mode.as_str(),
                g.subnets()
            )),
        );
    }
}
