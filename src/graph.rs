//! The wiring as a graph (pools, workloads, Services, allowed flows), for the
//! playground's diagram and for summaries.

use crate::model::{service_dns, End, Model};
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
        if let Some(s) = &w.service {
            services.push(GraphService {
                name: s.clone(),
                workload: w.name.clone(),
                kind: if w.headless { "headless" } else { "ClusterIP" }.into(),
                dns: service_dns(s, &m.namespace),
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
        pools: m
            .pools
            .iter()
            .map(|p| GraphPool {
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
            })
            .collect(),
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
    }
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
    }
}
