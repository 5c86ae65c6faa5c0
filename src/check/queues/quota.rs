//! A queue's quota as the spec gives it, and the amounts of each resource
//! a pool offers and a queued pod asks for (what the admission check in
//! [`super`] compares).

use crate::check::validate::{cpu_millis, memory_bytes};
use crate::check::Checker;
use crate::diag::codes;
use crate::model::{self, Pool, Resource};
use crate::spec;
/// Most flavors (pools) one ClusterQueue resource group takes.
pub(super) const MAX_FLAVORS: usize = 64;

/// Longest name of a ProvisioningRequestConfig (an AdmissionCheck's
/// `parameters.name`) and of a WorkloadPriorityClass (a label value).
pub(super) const LABEL_MAX: usize = 63;

/// A queue's quota, read: `None` where the spec leaves the resource out.
#[derive(Default)]
pub(super) struct Quota {
    gpus: Option<u64>,
    tpus: Option<u64>,
    cpu: Option<u64>,
    memory: Option<u64>,
    pub(super) ephemeral_storage: Option<u64>,
}

impl Quota {
    pub(super) fn get(&self, r: Resource) -> Option<u64> {
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
pub(super) fn quota_field(r: Resource) -> &'static str {
    match r {
        Resource::Cpu => "cpu",
        Resource::Memory => "memory",
        Resource::EphemeralStorage => "ephemeralStorage",
        Resource::Gpu => "gpus",
        Resource::Tpu => "tpus",
    }
}

/// What one node of `pool` has of `r`, when podwire knows.
pub(super) fn per_node(pool: &Pool, r: Resource) -> Option<u64> {
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
pub(super) fn offers(pool: &Pool, r: Resource) -> bool {
    match r {
        Resource::Gpu => pool.gpu.is_some(),
        Resource::Tpu => pool.tpu.is_some(),
        _ => true,
    }
}

/// What one pod of `w` requests of `r`, in the resource's unit.
pub(super) fn per_pod(w: &model::Workload, r: Resource) -> u64 {
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
pub(super) fn amount(r: Resource, n: u64) -> String {
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
pub(super) fn read_quota(checker: &mut Checker, path: &str, q: Option<&spec::Quota>) -> Quota {
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
