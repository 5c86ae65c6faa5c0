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

/// The Jobs a JobSet's controller makes, `<jobset>-worker-<slice>`, must
/// not be another workload's Job (they would share a name, and their pods
/// their hostnames).
pub(super) fn jobset_children(checker: &mut Checker, workloads: &[Option<model::Workload>]) {
    for w in workloads
        .iter()
        .flatten()
        .filter(|w| w.kind == Kind::JobSet)
    {
        for s in 0..w.slices.max(1) {
            let child = format!("{}-{}-{s}", w.name, model::JOBSET_REPLICATED_JOB);
            if let Some(j) = workloads
                .iter()
                .position(|o| o.as_ref().is_some_and(|o| o.name == child))
            {
                checker.err(
                    codes::OBJECT_NAME_CLASH,
                    &format!("workloads[{j}].name"),
                    format!(
                        "`{child}` is also the name of a Job JobSet `{}` makes (one per slice)",
                        w.name
                    ),
                    Some("rename one of the workloads".to_string()),
                );
            }
        }
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
    use crate::diag::Severity;
    use crate::spec::Protocol;

    /// A v5e pool (`tpu` fields given) and one workload's fields.
    fn spec(tpu: &str, nodes: u32, workload: &str) -> String {
        format!(
            "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: ms}}\n\
             gcp: {{project: my-project, location: us-west4-a}}\n\
             cluster:\n  nodePools:\n    - {{name: tpu, machineType: ct5lp-hightpu-4t, tpu: {{{tpu}}}, nodes: {nodes}}}\n\
             workloads:\n  - {{name: jax, image: r/jax:1, {workload}}}\n"
        )
    }

    fn codes(src: &str) -> Vec<(String, String, Severity)> {
        crate::analyze(src)
            .diagnostics
            .into_iter()
            .map(|d| (d.code, d.path, d.severity))
            .collect()
    }

    fn has(src: &str, code: &str, path: &str) {
        let c = codes(src);
        assert!(
            c.iter().any(|(k, p, _)| k == code && p == path),
            "{code} at {path} in {c:?}\n{src}"
        );
    }

    #[test]
    fn a_multislice_job_is_a_jobset_over_one_pool_per_slice() {
        let src = spec(
            "topology: 4x4, slices: 2",
            4,
            "run: job, replicas: 4, distributed: jax",
        );
        let a = crate::analyze(&src);
        let Some(m) = a.model else {
            panic!("{:#?}", a.diagnostics)
        };
        let pool = &m.pools[0];
        assert_eq!(pool.slices(), 2);
        let names: Vec<String> = pool.gke_pools().into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["tpu-0", "tpu-1"]);
        let w = &m.workloads[0];
        assert_eq!((w.kind, w.slices, w.pod_count()), (Kind::JobSet, 2, 8));
        assert_eq!(w.pod_hostname(5), "jax-worker-1-1");
        assert_eq!(
            w.pod_dns(0, &m.namespace).as_deref(),
            Some("jax-worker-0-0.jax.ms.svc.cluster.local")
        );
        assert!(w.peers, "Multislice implies peers");
        assert!(w
            .ports
            .iter()
            .any(|p| p.name == "megascale" && p.port == 8081));
        let body = crate::gke::create_cluster_request(&m);
        assert_eq!(body.cluster.node_pools.len(), 2);
    }

    #[test]
    fn slice_shapes_that_cannot_work_are_refused() {
        // Multislice joins multi-host slices: 2x2 is one host.
        has(
            &spec("topology: 2x2, slices: 2", 1, "run: job"),
            codes::SLICES_SINGLE_HOST,
            "cluster.nodePools[0].tpu.slices",
        );
        // Replicas count the pods of one slice (4 hosts), not of all.
        let src = spec("topology: 4x4, slices: 2", 4, "run: job, replicas: 8");
        has(&src, codes::TPU_SLICE, "workloads[0].replicas");
        assert!(crate::analyze(&src)
            .diagnostics
            .iter()
            .any(|d| d.message.contains("counted per slice")));
        has(
            &spec(
                "topology: 4x4, slices: 2",
                4,
                "run: service, replicas: 4, peers: true",
            ),
            codes::MULTISLICE_NOT_JOB,
            "workloads[0].run",
        );
        has(
            &spec(
                "topology: 4x4, slices: 2",
                4,
                "run: job, replicas: 4, distributed: pytorch",
            ),
            codes::MULTISLICE_FRAMEWORK,
            "workloads[0].distributed",
        );
        has(
            &spec(
                "topology: 4x4, slices: 2",
                4,
                "run: job, replicas: 4, peers: false",
            ),
            codes::PEERS_REQUIRED,
            "workloads[0].peers",
        );
        has(
            &spec(
                "topology: 4x4, slices: 2",
                4,
                "run: job, replicas: 4, ports: [{name: http, port: 8081}]",
            ),
            codes::MEGASCALE_PORT,
            "workloads[0].ports[0].port",
        );
        // A port named `megascale` moves it.
        let moved = spec(
            "topology: 4x4, slices: 2",
            4,
            "run: job, replicas: 4, ports: [{name: http, port: 8081}, {name: megascale, port: 9000}]",
        );
        assert!(
            crate::analyze(&moved).model.is_some(),
            "{:?}",
            codes(&moved)
        );
        has(
            &spec(
                "topology: 4x4, slices: 2",
                4,
                "run: job, replicas: 4, env: {MEGASCALE_SLICE_ID: 1}",
            ),
            codes::INJECTED_ENV,
            "workloads[0].env.MEGASCALE_SLICE_ID",
        );
        has(
            &spec(
                "topology: 4x4, slices: 2",
                4,
                "run: job, replicas: 4, backoffLimit: 2",
            ),
            codes::JOBSET_BACKOFF,
            "workloads[0].backoffLimit",
        );
        // tpu-999 is 7 characters more than `tpu`: over GKE's 40 only for a long name.
        let long = spec("topology: 4x4, slices: 1000", 4, "run: job, replicas: 4")
            .replace("name: tpu,", &format!("name: {},", "t".repeat(38)))
            .replace(
                "name: jax, image",
                &format!("pool: {}, name: jax, image", "t".repeat(38)),
            );
        has(
            &long,
            codes::SLICE_POOL_NAME,
            "cluster.nodePools[0].tpu.slices",
        );
        // More than 200 node pools: a warning.
        let many = codes(&spec(
            "topology: 4x4, slices: 201",
            4,
            "run: job, replicas: 4",
        ));
        assert!(
            many.iter().any(|(c, p, s)| c == codes::MANY_NODE_POOLS
                && p == "cluster.nodePools[0].tpu.slices"
                && *s == Severity::Warning),
            "{many:?}"
        );
        // The Jobs JobSet makes are not another workload's.
        let src = spec("topology: 4x4, slices: 2", 4, "run: job, replicas: 4")
            .replace(
                "nodes: 4}",
                "nodes: 4}\n    - {name: cpu, machineType: n2-standard-8}",
            )
            .replace("name: jax, image", "pool: tpu, name: jax, image")
            + "  - {name: jax-worker-1, image: r/x:1, pool: cpu, run: job}\n";
        has(&src, codes::OBJECT_NAME_CLASH, "workloads[1].name");
        // The longest pod hostname, jax...-worker-1-3, must be a DNS label.
        let name = "j".repeat(53);
        has(
            &spec("topology: 4x4, slices: 2", 4, "run: job, replicas: 4")
                .replace("name: jax,", &format!("name: {name},")),
            codes::NAME_TOO_LONG,
            "workloads[0].name",
        );
    }

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
