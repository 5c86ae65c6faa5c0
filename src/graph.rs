//! The wiring as a graph (pools, workloads, Services, allowed flows), for the
//! playground's diagram and for summaries.

use crate::model::{
    service_dns, End, GpuDirectMode, Kind, Model, NetworkRole, Pool, Workload,
    JOBSET_REPLICATED_JOB,
};
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Graph {
    pub cluster: String,
    pub namespace: String,
    pub pools: Vec<GraphPool>,
    pub workloads: Vec<GraphWorkload>,
    pub services: Vec<GraphService>,
    pub flows: Vec<GraphFlow>,
    /// Kueue queues: groups of the workloads they admit.
    pub queues: Vec<GraphQueue>,
    /// Whether NetworkPolicies restrict traffic (any connections declared).
    pub isolated: bool,
    /// The VPC of the nodes' first NIC, which carries the pod network
    /// (`default` unless the spec names one).
    pub network: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GraphPool {
    pub name: String,
    pub machine_type: String,
    /// e.g. "8 x nvidia-h100-80gb" or "tpu-v5-lite-podslice 2x4".
    pub accelerator: Option<String>,
    pub nodes: u32,
    pub max_nodes: Option<u32>,
    /// The GKE node pools it is: itself, or one per slice of a TPU
    /// Multislice pool (`<pool>-0` ...).
    pub node_pools: Vec<String>,
    /// The GPUDirect mode: `tcpx`, `tcpxo` or `rdma`; null without.
    pub gpu_direct: Option<String>,
    /// The extra VPCs its nodes' GPU NICs are on (GPUDirect), in NIC order.
    pub networks: Vec<GraphNetwork>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GraphNetwork {
    pub name: String,
    /// `gpu` (a GPU NIC's VPC), `gvnic` (an RDMA machine's second gVNIC)
    /// or `rdma` (the RoCE VPC of its RDMA NICs).
    pub role: String,
    pub mtu: u32,
    /// One IPv4 range per NIC on it.
    pub ranges: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GraphWorkload {
    pub name: String,
    /// Job, StatefulSet or Deployment.
    pub kind: String,
    pub pool: String,
    pub replicas: u32,
    pub ports: Vec<u16>,
    /// DNS name of pod 0, for peers.
    pub pod0: Option<String>,
    /// The Kueue queue that admits the workload, if any.
    pub queue: Option<String>,
    /// Its priority in the queue: low, normal or high.
    pub priority: Option<String>,
    /// The Jobs of a JobSet (kind `JobSet`); null for every other kind.
    pub jobset: Option<GraphJobSet>,
    /// The replica groups of a multi-host server (kind `LeaderWorkerSet`,
    /// `groupSize` > 1); null for every other kind.
    pub groups: Option<GraphGroups>,
}

/// A LeaderWorkerSet's replica groups: each a leader, which serves, and
/// `size - 1` workers, which compute for it. All groups are alike: the
/// first one's pods stand for each.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GraphGroups {
    /// Pods per group, the leader included (`groupSize`).
    pub size: u32,
    /// Groups at the start (`replicas`; the autoscaler's `min`).
    pub replicas: u32,
    /// The most groups there ever are (the autoscaler's `max`, else `replicas`).
    pub max_replicas: u32,
    /// Group 0's leader pod (`<name>-0`); group `g`'s is `<name>-<g>`.
    pub leader: String,
    /// Group 0's worker pods (`<name>-0-1` ...), in index order.
    pub workers: Vec<String>,
    /// Group 0's own headless Service (LeaderWorkerSet's, one per group,
    /// the pods' subdomain): how a group's pods find their leader.
    pub group_service: String,
}

/// A JobSet: one replicated Job, with one Job per slice.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GraphJobSet {
    /// The replicated Job's name (`worker`).
    pub replicated_job: String,
    /// Whole-group restarts (`failurePolicy.maxRestarts`); 0: none.
    pub restarts: u32,
    /// The Jobs, `<jobset>-worker-<slice>`.
    pub jobs: Vec<GraphJob>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GraphJob {
    pub name: String,
    pub pods: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GraphQueue {
    /// The LocalQueue's name (what workloads name).
    pub name: String,
    /// The cluster-scoped ClusterQueue behind it.
    pub cluster_queue: String,
    /// The pools whose capacity it hands out, in order.
    pub pools: Vec<String>,
    /// The workloads in the queue.
    pub workloads: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GraphService {
    pub name: String,
    pub workload: String,
    /// headless, ClusterIP, internal-lb, external-lb.
    pub kind: String,
    pub dns: String,
    /// The pods it sends traffic to: `pods` (all of the workload's) or
    /// `leaders` (a LeaderWorkerSet's leaders only: its workers serve
    /// nothing themselves).
    pub targets: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GraphFlow {
    /// A workload name, `internet`, `cidr:<block>` or `namespace:<name>`.
    pub from: String,
    pub to: String,
    /// Empty: all ports.
    pub ports: Vec<u16>,
    /// `peers` for traffic among one workload's pods.
    pub kind: String,
}

fn end(m: &Model, e: &End) -> String {
    match e {
        End::Workload(i) => m.workloads[*i].name.clone(),
        End::Internet => "internet".into(),
        End::Cidr(c) => format!("cidr:{c}"),
        End::Namespace(n) => format!("namespace:{n}"),
    }
}

pub fn graph(m: &Model) -> Graph {
    let mut services = Vec::new();
    for w in &m.workloads {
        // As the Services' selectors (k8s serving_selector): a
        // LeaderWorkerSet's Services select its leaders.
        let targets = || {
            if w.kind == Kind::LeaderWorkerSet {
                "leaders"
            } else {
                "pods"
            }
            .to_string()
        };
        if let Some(s) = &w.service {
            services.push(GraphService {
                name: s.clone(),
                workload: w.name.clone(),
                kind: if w.headless { "headless" } else { "ClusterIP" }.into(),
                dns: service_dns(s, &m.namespace),
                targets: targets(),
            });
        }
        if let Some((lb, internal)) = &w.load_balancer {
            services.push(GraphService {
                name: lb.clone(),
                workload: w.name.clone(),
                kind: if *internal {
                    "internal-lb"
                } else {
                    "external-lb"
                }
                .into(),
                dns: service_dns(lb, &m.namespace),
                targets: targets(),
            });
        }
    }
    let mut flows: Vec<GraphFlow> = m
        .workloads
        .iter()
        .filter(|w| w.peers)
        .map(|w| GraphFlow {
            from: w.name.clone(),
            to: w.name.clone(),
            ports: vec![],
            kind: "peers".into(),
        })
        .collect();
    flows.extend(m.flows.iter().map(|f| GraphFlow {
        from: end(m, &f.from),
        to: end(m, &f.to),
        ports: f.ports.iter().map(|p| p.0).collect(),
        kind: "connection".into(),
    }));
    Graph {
        cluster: m.cluster_name.clone(),
        namespace: m.namespace.clone(),
        pools: m.pools.iter().map(pool).collect(),
        workloads: m
            .workloads
            .iter()
            .map(|w| GraphWorkload {
                name: w.name.clone(),
                kind: w.kind.as_str().into(),
                pool: m.pools[w.pool].name.clone(),
                replicas: w.pod_count(),
                ports: w.ports.iter().map(|p| p.port).collect(),
                pod0: w.pod_dns(0, &m.namespace),
                queue: w.queue.map(|q| m.queues[q].name.clone()),
                priority: w.priority.map(|p| p.as_str().to_string()),
                jobset: jobset(w),
                groups: groups(w),
            })
            .collect(),
        services,
        flows,
        queues: m
            .queues
            .iter()
            .enumerate()
            .map(|(qi, q)| GraphQueue {
                name: q.name.clone(),
                cluster_queue: q.cluster_queue.clone(),
                pools: q
                    .flavors
                    .iter()
                    .map(|f| m.pools[f.pool].name.clone())
                    .collect(),
                workloads: m
                    .workloads
                    .iter()
                    .filter(|w| w.queue == Some(qi))
                    .map(|w| w.name.clone())
                    .collect(),
            })
            .collect(),
        isolated: !m.flows.is_empty(),
        network: m.network.clone().unwrap_or_else(|| "default".into()),
    }
}

fn pool(p: &Pool) -> GraphPool {
    GraphPool {
        name: p.name.clone(),
        machine_type: p.machine_type.clone(),
        accelerator: p
            .gpu
            .as_ref()
            .map(|g| format!("{} x {}", g.count, g.kind))
            .or_else(|| {
                p.tpu
                    .as_ref()
                    .map(|t| format!("{} {}", t.accelerator, t.topology))
            }),
        nodes: p.initial_nodes,
        max_nodes: p.autoscaling.map(|a| a.1),
        node_pools: (0..p.slices()).map(|i| p.slice_pool_name(i)).collect(),
        gpu_direct: match p.gpu_direct {
            GpuDirectMode::None => None,
            GpuDirectMode::Tcpx => Some("tcpx".into()),
            GpuDirectMode::Tcpxo => Some("tcpxo".into()),
            GpuDirectMode::Rdma => Some("rdma".into()),
        },
        networks: p
            .extra_networks
            .iter()
            .map(|n| GraphNetwork {
                name: n.name.clone(),
                role: match n.role {
                    NetworkRole::Gpu => "gpu",
                    NetworkRole::Gvnic => "gvnic",
                    NetworkRole::Rdma => "rdma",
                }
                .into(),
                mtu: n.mtu,
                ranges: n.subnets.iter().map(|s| s.1.clone()).collect(),
            })
            .collect(),
    }
}

fn jobset(w: &Workload) -> Option<GraphJobSet> {
    (w.kind == Kind::JobSet).then(|| GraphJobSet {
        replicated_job: JOBSET_REPLICATED_JOB.into(),
        restarts: w.restarts,
        jobs: (0..w.slices.max(1))
            .map(|s| GraphJob {
                name: format!("{}-{JOBSET_REPLICATED_JOB}-{s}", w.name),
                pods: w.replicas,
            })
            .collect(),
    })
}

fn groups(w: &Workload) -> Option<GraphGroups> {
    (w.kind == Kind::LeaderWorkerSet).then(|| {
        let size = w.group_size.max(1);
        GraphGroups {
            size,
            replicas: w.replicas,
            max_replicas: w.max_groups(),
            leader: w.pod_hostname(0),
            workers: (1..size).map(|k| w.pod_hostname(k)).collect(),
            group_service: w.group_service(0),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_group_the_workloads_they_admit() {
        let m = crate::analyze(include_str!("../examples/flex-h100-kueue.yaml"))
            .model
            .unwrap_or_else(|| panic!("example compiles"));
        let g = graph(&m);
        assert_eq!(
            g.queues,
            [GraphQueue {
                name: "train".into(),
                cluster_queue: "flex-train-train".into(),
                pools: vec!["h100".into()],
                workloads: vec!["trainer".into()],
            }]
        );
        assert_eq!(g.workloads[0].queue.as_deref(), Some("train"));
        assert_eq!(g.workloads[0].priority.as_deref(), Some("high"));
        let m = crate::analyze(include_str!("../examples/seed.yaml"))
            .model
            .unwrap_or_else(|| panic!("example compiles"));
        let g = graph(&m);
        assert!(g.queues.is_empty() && g.workloads.iter().all(|w| w.queue.is_none()));
        assert!(g.workloads.iter().all(|w| w.jobset.is_none()));
        assert_eq!(g.network, "default");
        assert!(g.pools.iter().all(|p| p.gpu_direct.is_none()
            && p.networks.is_empty()
            && p.node_pools == [p.name.clone()]));
    }

    fn example(source: &str) -> Graph {
        let m = crate::analyze(source)
            .model
            .unwrap_or_else(|| panic!("example compiles"));
        graph(&m)
    }

    #[test]
    fn multislice_jobs_are_one_job_per_slice_on_the_slice_pools() {
        let g = example(include_str!("../examples/v5e-multislice-jax.yaml"));
        assert_eq!(g.pools[0].node_pools, ["tpu-0", "tpu-1"]);
        let w = &g.workloads[0];
        assert_eq!(w.kind, "JobSet");
        assert_eq!(w.replicas, 8, "4 pods per slice, 2 slices");
        assert_eq!(
            w.jobset,
            Some(GraphJobSet {
                replicated_job: "worker".into(),
                restarts: 2,
                jobs: vec![
                    GraphJob {
                        name: "jax-worker-0".into(),
                        pods: 4
                    },
                    GraphJob {
                        name: "jax-worker-1".into(),
                        pods: 4
                    },
                ],
            })
        );
        // A restarting job on one slice: a JobSet of one Job.
        let g = example(include_str!("../examples/pytorch-restarts-data.yaml"));
        let js = g.workloads.iter().find_map(|w| w.jobset.as_ref());
        let js = js.unwrap_or_else(|| panic!("a JobSet"));
        assert!(js.restarts > 0 && js.jobs.len() == 1);
    }

    #[test]
    fn gpudirect_pools_carry_their_gpu_networks() {
        let g = example(include_str!("../examples/a3-mega-tcpxo.yaml"));
        let p = &g.pools[0];
        assert_eq!(p.gpu_direct.as_deref(), Some("tcpxo"));
        assert_eq!(p.networks.len(), 8, "a3-megagpu-8g: 8 GPU NICs");
        assert!(p
            .networks
            .iter()
            .all(|n| n.role == "gpu" && n.ranges.len() == 1));
        let mut ranges: Vec<_> = p.networks.iter().flat_map(|n| n.ranges.clone()).collect();
        ranges.sort();
        ranges.dedup();
        assert_eq!(ranges.len(), 8, "no two NICs share a range");
    }

    #[test]
    fn multi_host_servers_are_their_groups_and_services_reach_the_leaders() {
        let src = include_str!("../examples/llama-405b-multihost.yaml");
        let m = crate::analyze(src)
            .model
            .unwrap_or_else(|| panic!("example compiles"));
        let g = graph(&m);
        let w = &g.workloads[0];
        assert_eq!(w.kind, "LeaderWorkerSet");
        assert!(w.jobset.is_none());
        assert_eq!(
            w.groups,
            Some(GraphGroups {
                size: 2,
                replicas: 1,
                max_replicas: 2,
                leader: "llama-0".into(),
                workers: vec!["llama-0-1".into()],
                group_service: "llama-0".into(),
            })
        );
        assert_eq!(w.replicas, 2, "one group of two pods at the start");
        // The graph's Services are the generated ones, and each selects what
        // the graph says: the leaders (worker index 0) of the workload.
        let objects: Vec<serde_json::Value> = crate::k8s::objects(&m)
            .iter()
            .map(|o| o.to_json())
            .collect();
        assert!(
            g.services.len() >= 2,
            "a client Service and a load balancer"
        );
        for s in &g.services {
            let svc = objects
                .iter()
                .find(|o| o["kind"] == "Service" && o["metadata"]["name"] == s.name.as_str())
                .unwrap_or_else(|| panic!("Service {} generated", s.name));
            let sel = &svc["spec"]["selector"];
            assert_eq!(s.targets, "leaders", "{}", s.name);
            assert_eq!(sel[crate::model::LWS_WORKER_INDEX_LABEL], "0", "{}", s.name);
            assert_eq!(sel[crate::k8s::WORKLOAD_LABEL], "llama", "{}", s.name);
        }
        let lws = objects
            .iter()
            .find(|o| o["kind"] == "LeaderWorkerSet")
            .unwrap_or_else(|| panic!("a LeaderWorkerSet"));
        assert_eq!(lws["spec"]["leaderWorkerTemplate"]["size"], 2);
        // Every other kind: no groups, and its Services reach all its pods.
        for src in [
            include_str!("../examples/mixed-stack.yaml"),
            include_str!("../examples/llama-l4-serving.yaml"),
        ] {
            let m = crate::analyze(src)
                .model
                .unwrap_or_else(|| panic!("example compiles"));
            let g = graph(&m);
            assert!(g.workloads.iter().all(|w| w.groups.is_none()));
            assert!(!g.services.is_empty());
            let objects: Vec<serde_json::Value> = crate::k8s::objects(&m)
                .iter()
                .map(|o| o.to_json())
                .collect();
            for s in &g.services {
                assert_eq!(s.targets, "pods", "{}", s.name);
                let svc = objects
                    .iter()
                    .find(|o| o["kind"] == "Service" && o["metadata"]["name"] == s.name.as_str())
                    .unwrap_or_else(|| panic!("Service {} generated", s.name));
                assert!(svc["spec"]["selector"]
                    .get(crate::model::LWS_WORKER_INDEX_LABEL)
                    .is_none());
            }
        }
    }
}
