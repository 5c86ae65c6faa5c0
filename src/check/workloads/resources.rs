//! A workload's accelerators and resource requests per pod, against what a
//! node of its pool has: GPUs, TPU chips, CPU, memory, ephemeral storage.

use super::super::validate::{cpu_millis, memory_bytes};
use super::super::{at, Checker};
use crate::diag::codes;
use crate::model::Pool;
use crate::spec;

/// GPUs and TPU chips per pod (TPU pools default to all chips of a node).
pub(super) fn accelerators(
    checker: &mut Checker,
    path: &str,
    w: &spec::Workload,
    pool: Option<&Pool>,
) -> (u32, u32) {
    let gpus = w.gpus.unwrap_or(0);
    if let Some(pool) = pool {
        match &pool.gpu {
            Some(g) if gpus > g.count => checker.err(
                codes::GPUS_PER_POD,
                &at(path, ".gpus"),
                format!(
                    "{gpus} GPUs per pod, but a node of pool `{}` has {}",
                    pool.name, g.count
                ),
                Some(format!(
                    "use at most `gpus: {}`, or a machine type with more GPUs",
                    g.count
                )),
            ),
            // A pool without a known machine type has its own error.
            None if gpus > 0 && !pool.machine_type.is_empty() => checker.err(
                codes::NO_GPUS,
                &at(path, ".gpus"),
                format!("pool `{}` ({}) has no GPUs", pool.name, pool.machine_type),
                Some("run on a GPU pool, or remove `gpus`".to_string()),
            ),
            _ => {}
        }
        match &pool.tpu {
            Some(t) if w.tpus.is_some_and(|n| n > t.chips_per_node) => checker.err(
                codes::GPUS_PER_POD,
                &at(path, ".tpus"),
                format!(
                    "{} TPU chips per pod, but a node of pool `{}` has {}",
                    w.tpus.unwrap_or(0),
                    pool.name,
                    t.chips_per_node
                ),
                None,
            ),
            None if w.tpus.is_some_and(|n| n > 0) => checker.err(
                codes::NO_TPUS,
                &at(path, ".tpus"),
                format!("pool `{}` ({}) has no TPUs", pool.name, pool.machine_type),
                Some("run on a TPU pool (ct5lp-*, ct5p-*, ct6e-*), or remove `tpus`".to_string()),
            ),
            _ => {}
        }
    }
    let tpus = match pool.and_then(|p| p.tpu.as_ref()) {
        Some(t) => w.tpus.unwrap_or(t.chips_per_node),
        None => 0,
    };
    (gpus, tpus)
}

/// The resource requests per pod, each a quantity that fits one node.
pub(super) fn resources(
    checker: &mut Checker,
    path: &str,
    w: &spec::Workload,
    pool: Option<&Pool>,
) -> spec::Resources {
    let res = w.resources.clone().unwrap_or_default();
    if let Some(cpu) = &res.cpu {
        match cpu_millis(cpu) {
            None => checker.err(
                codes::BAD_QUANTITY,
                &at(path, ".resources.cpu"),
                format!("`{cpu}` is not a CPU quantity"),
                Some("e.g. \"4\", \"0.5\" or \"500m\"".to_string()),
            ),
            Some(m) => {
                if let Some(v) = pool.and_then(|p| p.vcpus) {
                    if m > u64::from(v) * 1000 {
                        checker.err(
                            codes::POD_TOO_BIG,
                            &at(path, ".resources.cpu"),
                            format!(
                                "{cpu} CPUs per pod, but a `{}` node has {v}",
                                pool.map_or("", |p| p.machine_type.as_str())
                            ),
                            Some("no node of the pool can run this pod".to_string()),
                        );
                    }
                }
            }
        }
    }
    if let Some(mem) = &res.memory {
        match memory_bytes(mem) {
            None => checker.err(
                codes::BAD_QUANTITY,
                &at(path, ".resources.memory"),
                format!("`{mem}` is not a memory quantity"),
                Some("e.g. \"16Gi\" or \"512Mi\"".to_string()),
            ),
            Some(b) => {
                if let Some(m) = pool.and_then(|p| p.memory_mib) {
                    if b > m * 1024 * 1024 {
                        checker.err(
                            codes::POD_TOO_BIG,
                            &at(path, ".resources.memory"),
                            format!(
                                "{mem} memory per pod, but a `{}` node has {} GiB",
                                pool.map_or("", |p| p.machine_type.as_str()),
                                m / 1024
                            ),
                            Some("no node of the pool can run this pod".to_string()),
                        );
                    }
                }
            }
        }
    }
    if let Some(e) = &res.ephemeral_storage {
        if memory_bytes(e).is_none() {
            checker.err(
                codes::BAD_QUANTITY,
                &at(path, ".resources.ephemeralStorage"),
                format!("`{e}` is not a storage quantity"),
                None,
            );
        }
    }
    res
}
