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

        // What the pods on this pool have beyond Pod Security "restricted"
        // (k8s::gpudirect emits exactly these), said before anything is sent.
        let on_pool: Vec<&str> = workloads
            .iter()
            .flatten()
            .filter(|w| w.pool == i && crate::k8s::gpudirect::wired(pool, w))
            .map(|w| w.name.as_str())
            .collect();
        if !on_pool.is_empty() {
            let ex = crate::k8s::gpudirect::exemptions(pool.gpu_direct);
            checker.warn(
                codes::GPUDIRECT_POD_SECURITY,
                &at(&path, ".gpuDirect"),
                format!(
                    "{} on pool `{}` needs Pod Security exemptions for the pods of {}: {}",
                    g.mode.as_str(),
                    pool.name,
                    on_pool
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    ex.join("; ")
                ),
                Some(
                    "the namespace therefore enforces Pod Security \"privileged\" (\"baseline\" already forbids host paths and NET_ADMIN) while its `warn` and `audit` levels stay \"restricted\"; every other setting of these pods stays restricted. Run other workloads on this cluster in another spec (namespace) to keep them under an enforced \"restricted\""
                        .to_string(),
                ),
            );
        }

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
                "set `gpuDirect: true` on pool `{}` ({}); podwire then creates its {} networks, attaches the nodes, installs the NCCL plugin and wires the pods to those NICs (at a cost in Pod Security it names)",
                pool.name,
                g.mode.as_str(),
                g.subnets()
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::diag::{codes, Severity};
    use crate::model::{GpuDirectMode, NetworkRole};

    fn spec(cluster: &str, pools: &str, workloads: &str) -> String {
        format!(
            "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: demo}}\ngcp: {{project: my-project, location: us-central1-a}}\ncluster:\n{cluster}  nodePools:\n{pools}workloads:\n{workloads}"
        )
    }

    fn found(src: &str) -> Vec<(String, String, Severity)> {
        crate::analyze(src)
            .diagnostics
            .into_iter()
            // The Pod Security warning of every wired pod has its own test.
            .filter(|d| d.code != codes::GPUDIRECT_POD_SECURITY)
            // Which zones offer the machine is check/tests.rs's concern.
            .filter(|d| d.code != codes::MACHINE_ZONE)
            .map(|d| {
                assert!(d.span.is_some(), "{d:?} has no span");
                assert!(d.help.is_some(), "{d:?} has no help");
                (d.code, d.path, d.severity)
            })
            .collect()
    }

    const MEGA: &str =
        "    - {name: mega, machineType: a3-megagpu-8g, nodes: 2, gpuDirect: true}\n";
    const JOB: &str = "  - {name: train, image: t, run: job, pool: mega, replicas: 2, gpus: 8, distributed: pytorch}\n";

    #[test]
    fn each_machine_gets_its_mode_and_networks() {
        for (machine, mode, nets, nics) in [
            ("a3-highgpu-8g", GpuDirectMode::Tcpx, 4, 4),
            ("a3-megagpu-8g", GpuDirectMode::Tcpxo, 8, 8),
            ("a3-ultragpu-8g", GpuDirectMode::Rdma, 2, 9),
            ("a4-highgpu-8g", GpuDirectMode::Rdma, 2, 9),
        ] {
            let pools =
                format!("    - {{name: p, machineType: {machine}, nodes: 2, gpuDirect: true}}\n");
            let a = crate::analyze(&spec("", &pools, "  - {name: w, image: t, gpus: 8}\n"));
            let m = a
                .model
                .unwrap_or_else(|| panic!("{machine}: {:#?}", a.diagnostics));
            let p = &m.pools[0];
            assert_eq!(p.gpu_direct, mode, "{machine}");
            assert_eq!(p.extra_networks.len(), nets, "{machine}");
            let subnets: usize = p.extra_networks.iter().map(|n| n.subnets.len()).sum();
            assert_eq!(subnets, nics, "{machine}");
            if mode == GpuDirectMode::Rdma {
                let rdma = &p.extra_networks[1];
                assert_eq!(rdma.role, NetworkRole::Rdma);
                assert_eq!(rdma.roce_zone.as_deref(), Some("us-central1-a"));
                assert_eq!(rdma.firewall, None);
                assert_eq!(p.extra_networks[0].role, NetworkRole::Gvnic);
            }
        }
        // Without gpuDirect: nothing.
        let m = crate::analyze(&spec(
            "",
            "    - {name: p, machineType: a3-megagpu-8g, nodes: 1}\n",
            "  - {name: w, image: t, gpus: 8}\n",
        ))
        .model
        .expect("resolves");
        assert_eq!(m.pools[0].gpu_direct, GpuDirectMode::None);
        assert!(m.pools[0].extra_networks.is_empty());
    }

    #[test]
    fn gpudirect_on_a_machine_without_it_is_an_error_at_the_field() {
        for machine in ["g2-standard-8", "a3-highgpu-4g", "n2-standard-8"] {
            let pools =
                format!("    - {{name: p, machineType: {machine}, nodes: 1, gpuDirect: true}}\n");
            let d = found(&spec("", &pools, "  - {name: w, image: t}\n"));
            assert_eq!(
                d,
                vec![(
                    codes::GPUDIRECT_MACHINE.to_string(),
                    "cluster.nodePools[0].gpuDirect".to_string(),
                    Severity::Error
                )],
                "{machine}"
            );
        }
        // `gpuDirect: false` is the default and says nothing.
        let pools = "    - {name: p, machineType: g2-standard-8, nodes: 1, gpuDirect: false}\n";
        assert!(found(&spec("", pools, "  - {name: w, image: t}\n")).is_empty());
    }

    #[test]
    fn dataplane_v2_off_is_an_error() {
        let d = found(&spec("  dataplaneV2: false\n", MEGA, JOB));
        assert_eq!(
            d,
            vec![(
                codes::GPUDIRECT_DATAPLANE.to_string(),
                "cluster.dataplaneV2".to_string(),
                Severity::Error
            )]
        );
        assert!(found(&spec("  dataplaneV2: true\n", MEGA, JOB)).is_empty());
    }

    #[test]
    fn a_pod_with_part_of_a_node_is_an_error() {
        let job = "  - {name: train, image: t, run: job, pool: mega, replicas: 4, gpus: 4, distributed: pytorch}\n";
        let d = found(&spec("", MEGA, job));
        assert_eq!(
            d,
            vec![(
                codes::GPUDIRECT_PARTIAL_NODE.to_string(),
                "workloads[0].gpus".to_string(),
                Severity::Error
            )]
        );
        // A pod without GPUs (a helper) is not GPUDirect's business.
        let helper = "  - {name: helper, image: t, pool: mega}\n";
        assert!(found(&spec("", MEGA, helper)).is_empty());
    }

    #[test]
    fn a_multi_node_job_without_gpudirect_is_warned_with_the_bandwidth() {
        let pools = "    - {name: mega, machineType: a3-megagpu-8g, nodes: 2}\n";
        let a = crate::analyze(&spec("", pools, JOB));
        let d: Vec<_> = a.diagnostics.iter().collect();
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].code, codes::GPUDIRECT_OFF);
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(d[0].path, "workloads[0].distributed");
        assert!(d[0].message.contains("8 x 200 Gbps"), "{}", d[0].message);
        assert!(
            d[0].message.contains("primary NIC (200 Gbps)"),
            "{}",
            d[0].message
        );
        assert!(d[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("gpuDirect: true")));
        // One node's worth, or a machine without GPUDirect: no warning.
        let one = "  - {name: train, image: t, run: job, pool: mega, replicas: 1, gpus: 8, distributed: pytorch}\n";
        assert!(found(&spec("", pools, one)).is_empty());
        let g2 = "    - {name: mega, machineType: g2-standard-96, nodes: 2}\n";
        assert!(found(&spec("", g2, JOB)).is_empty());
    }

    #[test]
    fn wired_pods_get_a_warning_naming_each_exemption() {
        let a = crate::analyze(&spec("", MEGA, JOB));
        let d: Vec<_> = a
            .diagnostics
            .iter()
            .filter(|d| d.code == codes::GPUDIRECT_POD_SECURITY)
            .collect();
        assert_eq!(d.len(), 1, "{:#?}", a.diagnostics);
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(d[0].path, "cluster.nodePools[0].gpuDirect");
        assert!(d[0].span.is_some());
        for want in [
            "`train`",
            "/home/kubernetes/bin/nvidia/lib64",
            "/sys",
            "/proc/sys",
            "/dev/aperture_devices",
            "NET_ADMIN",
            "tcpxo-daemon",
            "root",
        ] {
            assert!(d[0].message.contains(want), "{want}: {}", d[0].message);
        }
        assert!(d[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("privileged") && h.contains("`audit`")));
        // A pod without GPUs on the pool is not wired, and not exempted.
        let helper = "  - {name: helper, image: t, pool: mega}\n";
        let a = crate::analyze(&spec("", MEGA, helper));
        assert!(a.diagnostics.is_empty(), "{:#?}", a.diagnostics);
    }

    #[test]
    fn rdma_over_several_zones_is_an_error() {
        let src = "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: demo}\ngcp: {project: my-project, location: us-central1}\ncluster:\n  nodePools:\n    - {name: a4, machineType: a4-highgpu-8g, nodes: 1, gpuDirect: true}\nworkloads:\n  - {name: w, image: t, gpus: 8}\n";
        let d = found(src);
        assert_eq!(
            d,
            vec![(
                codes::GPUDIRECT_ZONES.to_string(),
                "cluster.nodePools[0].gpuDirect".to_string(),
                Severity::Error
            )]
        );
    }

    #[test]
    fn too_many_gpudirect_pools_run_out_of_ranges() {
        // 9 subnets per A4 pool: 28 pools take 252 of the 256 /24s.
        let mut pools = String::new();
        for i in 0..29 {
            pools.push_str(&format!(
                "    - {{name: p{i}, machineType: a4-highgpu-8g, nodes: 1, gpuDirect: true}}\n"
            ));
        }
        let d = found(&spec(
            "",
            &pools,
            "  - {name: w, image: t, pool: p0, gpus: 8}\n",
        ));
        assert_eq!(
            d,
            vec![(
                codes::GPUDIRECT_RANGES.to_string(),
                "cluster.nodePools[28].gpuDirect".to_string(),
                Severity::Error
            )]
        );
    }

    #[test]
    fn network_names_are_compute_names_and_unique() {
        let long = "a".repeat(40);
        let gd = crate::catalog::gpudirect::lookup("a3-megagpu-8g").expect("known");
        let a = crate::model::gpu_networks(&long, &long, gd, 0, "us-central1-a");
        let b = crate::model::gpu_networks(&long, &format!("{}b", &long[..39]), gd, 0, "z");
        let mut names: Vec<&str> = a
            .iter()
            .chain(&b)
            .flat_map(|n| {
                std::iter::once(n.name.as_str())
                    .chain(n.subnets.iter().map(|s| s.0.as_str()))
                    .chain(n.firewall.as_deref())
            })
            .collect();
        for n in &names {
            assert!(n.len() <= 63, "{n}");
            assert!(crate::check::validate::dns1035(n), "{n}");
        }
        let all = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all, "names collide");
        // Deterministic.
        assert_eq!(
            a,
            crate::model::gpu_networks(&long, &long, gd, 0, "us-central1-a")
        );
    }
}
