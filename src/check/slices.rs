//! TPU Multislice: pools of several identical multi-host slices (each one
//! GKE node pool, `<pool>-<i>`), and the workloads that run on them (a
//! JobSet with one Job per slice).

use super::{at, Checker, GKE_NAME_MAX};
use crate::diag::codes;
use crate::model::{self, Framework, Kind, Pool};
use crate::spec;

/// GKE slows down beyond this many node pools in one cluster ("Clusters that
/// have more than 200 total node pools might have increased latency during
/// autoscaling": GKE, Configure node pool auto-creation, Limitations).
pub(super) const NODE_POOLS_GKE_HANDLES_WELL: usize = 200;

/// The MegaScale (DCN) coordinator port: 8081, the port Google's Ray TPU
/// support and its KubeRay TPU webhook give `MEGASCALE_PORT` (ray
/// `ray.util.tpu`, GoogleCloudPlatform/ai-on-gke `kuberay-tpu-webhook`).
pub const MEGASCALE_DEFAULT_PORT: u16 = 8081;

/// The slice count of a pool: `tpu.slices` (default 1), checked against
/// the pool's slice shape. `hosts` is the hosts of one slice, `shape_ok`
/// whether the topology is one the machine supports.
pub(super) fn pool_slices(
    checker: &mut Checker,
    path: &str,
    p: &spec::NodePool,
    hosts: u32,
    shape_ok: bool,
) -> u32 {
    let slices = p.tpu.as_ref().and_then(|t| t.slices).unwrap_or(1).max(1);
    if slices == 1 {
        return 1;
    }
    let sp = at(path, ".tpu.slices");
    if hosts <= 1 && shape_ok {
        let topology = p.tpu.as_ref().map_or("", |t| t.topology.as_str());
        checker.err(
            codes::SLICES_SINGLE_HOST,
            &sp,
            format!(
                "a {topology} slice of `{}` is a single host; TPU Multislice joins multi-host slices only",
                p.machine_type
            ),
            Some("use a topology of more than one host (e.g. 4x4 on ct5lp-hightpu-4t), or separate pools of single-host slices without `slices`".to_string()),
        );
    }
    let last = format!("{}-{}", p.name, slices - 1);
    if last.len() > GKE_NAME_MAX && p.name.len() <= GKE_NAME_MAX {
        checker.err(
            codes::SLICE_POOL_NAME,
            &sp,
            format!(
                "slice node pool `{last}` would be {} characters; GKE allows {GKE_NAME_MAX}",
                last.len()
            ),
            Some(format!(
                "shorten the pool name to at most {} characters",
                GKE_NAME_MAX - (last.len() - p.name.len())
            )),
        );
    }
    slices
}

/// A warning when the cluster would have more node pools than GKE handles
/// well (every slice of a Multislice pool is one).
pub(super) fn node_pool_count(checker: &mut Checker, pools: &[Option<Pool>]) {
    let total: usize = pools.iter().flatten().map(|p| p.slices() as usize).sum();
    if total > NODE_POOLS_GKE_HANDLES_WELL {
        let at_pool = pools
            .iter()
            .position(|p| p.as_ref().is_some_and(|p| p.slices() > 1))
            .map(|i| format!("cluster.nodePools[{i}].tpu.slices"))
            .unwrap_or_else(|| "cluster.nodePools".to_string());
        checker.warn(
            codes::MANY_NODE_POOLS,
            &at_pool,
            format!("the cluster would have {total} node pools (each TPU slice is one); GKE autoscales more slowly beyond {NODE_POOLS_GKE_HANDLES_WELL}"),
            Some("use fewer, larger slices".to_string()),
        );
    }
}

/// What a workload on a Multislice pool must be: a job (a JobSet with one
/// Job per slice) whose pods find slice 0 by name, with a framework whose
/// ranks the MegaScale env gives.
pub(super) fn workload_on_slices(
    checker: &mut Checker,
    path: &str,
    w: &spec::Workload,
    pool: &Pool,
    kind: Kind,
    framework: Option<Framework>,
) {
    let slices = pool.slices();
    if slices <= 1 {
        return;
    }
    let what = format!("pool `{}` ({slices} TPU slices)", pool.name);
    if !kind.is_job() {
        checker.err(
            codes::MULTISLICE_NOT_JOB,
            &at(path, ".run"),
            format!("a long-running workload cannot run on {what}: Multislice runs a JobSet of one Job per slice"),
            Some("use `run: job`, or a pool of one slice".to_string()),
        );
    }
    if w.peers == Some(false) {
        checker.err(
            codes::PEERS_REQUIRED,
            &at(path, ".peers"),
            format!("the pods on {what} must reach slice 0's first pod by a stable name (the MegaScale coordinator)"),
            Some("remove `peers: false`".to_string()),
        );
    }
    if framework == Some(Framework::Pytorch) {
        checker.err(
            codes::MULTISLICE_FRAMEWORK,
            &at(path, ".distributed"),
            format!("`distributed: pytorch` cannot run on {what}: a pod's rank across slices is not known to the pod"),
            Some("use `distributed: jax` (JAX ranks its processes from the TPU and MegaScale env) or `none` with your own launcher".to_string()),
        );
    }
}

/// The MegaScale port of a Multislice workload: the port named
/// `megascale`, else 8081, added; `Err(index)` when 8081 is declared under
/// another name.
pub(super) fn megascale_port(ports: &[model::Port]) -> Result<(u16, bool), usize> {
    if let Some(p) = ports.iter().find(|p| p.name == "megascale") {
        return Ok((p.port, false));
    }
    match ports.iter().position(|p| p.port == MEGASCALE_DEFAULT_PORT) {
        Some(i) => Err(i),
        None => Ok((MEGASCALE_DEFAULT_PORT, true)),
    }
}

/// The variables podwire sets on a Multislice workload's pods.
pub(super) fn is_injected(name: &str) -> bool {
    name.starts_with("MEGASCALE_") || matches!(name, "TPU_WORKER_ID" | "TPU_WORKER_HOSTNAMES")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Protocol;

    fn port(name: &str, port: u16) -> model::Port {
        model::Port {
            name: name.into(),
            port,
            protocol: Protocol::Tcp,
        }
    }

    #[test]
    fn the_megascale_port_is_named_added_or_refused() {
        assert_eq!(megascale_port(&[]), Ok((8081, true)));
        assert_eq!(
            megascale_port(&[port("megascale", 9000), port("http", 8081)]),
            Ok((9000, false))
        );
        assert_eq!(megascale_port(&[port("http", 8081)]), Err(0));
    }

    #[test]
    fn injected_names() {
        for n in [
            "MEGASCALE_SLICE_ID",
            "MEGASCALE_NUM_SLICES",
            "TPU_WORKER_ID",
            "TPU_WORKER_HOSTNAMES",
        ] {
            assert!(is_injected(n), "{n}");
        }
        assert!(!is_injected("TPU_NAME"));
        assert!(!is_injected("JAX_PLATFORMS"));
    }
}
