//! Kueue objects (kueue.x-k8s.io/v1beta2, the version Kueue v0.19 serves
//! and stores) as typed serde structs, lowered from the model's queues:
//!
//! - per pool of any queue, a ResourceFlavor whose `nodeLabels` select the
//!   pool (`cloud.google.com/gke-nodepool`), the label every pod podwire
//!   makes selects its pool by;
//! - per queued-provisioning pool, a ProvisioningRequestConfig
//!   (`queued-provisioning.gke.io`) and the AdmissionCheck that uses it;
//! - per queue, a ClusterQueue admitting the workload namespace, with one
//!   resource group of the queue's flavors (and the admission checks of its
//!   queued pools, each on its own flavor), and a LocalQueue of the queue's
//!   name in the namespace;
//! - a WorkloadPriorityClass per priority the queued jobs use.
//!
//! Cluster-scoped objects are named `<spec>-<name>` (model::cluster_scoped).
//! [`hold`] is what a queued workload object carries: the queue and
//! priority labels, and `suspend: true`.

use super::objects::{s, Lower};
use crate::model::{cluster_scoped, Model, Pool, Resource, Workload};
use crate::spec::Priority;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::Serialize;
use std::collections::BTreeMap;

pub const API_VERSION: &str = "kueue.x-k8s.io/v1beta2";
/// The label that puts a job in a LocalQueue.
pub const QUEUE_LABEL: &str = "kueue.x-k8s.io/queue-name";
/// The label that gives a job its WorkloadPriorityClass.
pub const PRIORITY_LABEL: &str = "kueue.x-k8s.io/priority-class";
/// The node label a flavor selects its pool by (GKE puts it on every node).
pub const POOL_LABEL: &str = "cloud.google.com/gke-nodepool";
/// Kueue's built-in ProvisioningRequest admission check controller.
const PROVISIONING_CONTROLLER: &str = "kueue.x-k8s.io/provisioning-request";
/// GKE's provisioning class for queued provisioning (Dynamic Workload Scheduler).
const QUEUED_PROVISIONING_CLASS: &str = "queued-provisioning.gke.io";

/// One Kueue object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Kueue {
    ResourceFlavor(ResourceFlavor),
    ProvisioningRequestConfig(ProvisioningRequestConfig),
    AdmissionCheck(AdmissionCheck),
    ClusterQueue(ClusterQueue),
    LocalQueue(LocalQueue),
    WorkloadPriorityClass(WorkloadPriorityClass),
}

impl Kueue {
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Kueue::ResourceFlavor(o) => &o.metadata,
            Kueue::ProvisioningRequestConfig(o) => &o.metadata,
            Kueue::AdmissionCheck(o) => &o.metadata,
            Kueue::ClusterQueue(o) => &o.metadata,
            Kueue::LocalQueue(o) => &o.metadata,
            Kueue::WorkloadPriorityClass(o) => &o.metadata,
        }
    }

    /// (apiVersion, kind, plural), as the CRDs name them.
    pub fn type_info(&self) -> (&'static str, &'static str, &'static str) {
        let (kind, plural) = match self {
            Kueue::ResourceFlavor(_) => ("ResourceFlavor", "resourceflavors"),
            Kueue::ProvisioningRequestConfig(_) => {
                ("ProvisioningRequestConfig", "provisioningrequestconfigs")
            }
            Kueue::AdmissionCheck(_) => ("AdmissionCheck", "admissionchecks"),
            Kueue::ClusterQueue(_) => ("ClusterQueue", "clusterqueues"),
            Kueue::LocalQueue(_) => ("LocalQueue", "localqueues"),
            Kueue::WorkloadPriorityClass(_) => ("WorkloadPriorityClass", "workloadpriorityclasses"),
        };
        (API_VERSION, kind, plural)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceFlavor {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: ResourceFlavorSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceFlavorSpec {
    /// Nodes of the flavor carry these labels; Kueue admits a pod set to
    /// the flavor only when its node selector agrees with them.
    pub node_labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisioningRequestConfig {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: ProvisioningRequestConfigSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisioningRequestConfigSpec {
    pub provisioning_class_name: String,
    /// The resources the autoscaler provisions for (the pods' accelerators).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub managed_resources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionCheck {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: AdmissionCheckSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionCheckSpec {
    pub controller_name: String,
    pub parameters: AdmissionCheckParameters,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionCheckParameters {
    pub api_group: String,
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterQueue {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: ClusterQueueSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterQueueSpec {
    /// Which namespaces' LocalQueues may use the queue (a missing selector
    /// admits none).
    pub namespace_selector: LabelSelector,
    pub resource_groups: Vec<ResourceGroup>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admission_checks_strategy: Option<AdmissionChecksStrategy>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGroup {
    pub covered_resources: Vec<String>,
    /// Each flavor lists the covered resources, in the same order.
    pub flavors: Vec<FlavorQuotas>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlavorQuotas {
    pub name: String,
    pub resources: Vec<ResourceQuota>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceQuota {
    pub name: String,
    pub nominal_quota: Quantity,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionChecksStrategy {
    pub admission_checks: Vec<AdmissionCheckStrategyRule>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionCheckStrategyRule {
    pub name: String,
    /// The flavors the check applies to (empty: all).
    pub on_flavors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalQueue {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: LocalQueueSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalQueueSpec {
    pub cluster_queue: String,
}

/// A WorkloadPriorityClass has no `spec`: value and description are top level.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadPriorityClass {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub value: i32,
    pub description: String,
}

/// The ResourceFlavor of pool `pool`.
pub fn flavor_name(m: &Model, pool: &Pool) -> String {
    cluster_scoped(&m.name, &pool.name)
}

/// The WorkloadPriorityClass of a priority.
pub fn priority_class_name(m: &Model, p: Priority) -> String {
    cluster_scoped(&m.name, p.as_str())
}

/// The ProvisioningRequestConfig and AdmissionCheck of a queued pool.
fn provisioning_name(m: &Model, pool: &Pool) -> String {
    cluster_scoped(&m.name, &pool.name)
}

/// The node labels of pool `pool`'s flavor: the pool label, which each
/// pod podwire makes selects its pool by. A TPU Multislice pool is several
/// GKE node pools (`<pool>-0` ...), which its pods select by node affinity;
/// Kueue admits a pod only where the flavor's labels agree with that
/// affinity, so the flavor selects the slices' TPU type and topology (the
/// labels GKE puts on every TPU node, and the pods' node selector) instead.
fn node_labels(pool: &Pool) -> BTreeMap<String, String> {
    match &pool.tpu {
        Some(t) if pool.slices() > 1 => BTreeMap::from([
            (
                s("cloud.google.com/gke-tpu-accelerator"),
                t.accelerator.clone(),
            ),
            (s("cloud.google.com/gke-tpu-topology"), t.topology.clone()),
        ]),
        _ => BTreeMap::from([(s(POOL_LABEL), pool.name.clone())]),
    }
}

/// What Kueue needs on a queued workload object (a Job, or a JobSet):
/// adds the queue and priority labels to its `meta` and returns the value
/// of its `spec.suspend` (`Some(true)`: created suspended, Kueue starts it
/// when it admits it). For a workload in no queue: nothing, and `None`.
pub(super) fn hold(m: &Model, w: &Workload, meta: &mut ObjectMeta) -> Option<bool> {
    let queue = m.queues.get(w.queue?)?;
    let labels = meta.labels.get_or_insert_with(BTreeMap::new);
    labels.insert(s(QUEUE_LABEL), queue.name.clone());
    if let Some(p) = w.priority {
        labels.insert(s(PRIORITY_LABEL), priority_class_name(m, p));
    }
    Some(true)
}

/// Metadata of a cluster-scoped object: the common labels, no namespace.
fn cluster_meta(lw: &Lower, name: String) -> ObjectMeta {
    ObjectMeta {
        name: Some(name),
        labels: Some(lw.common()),
        ..Default::default()
    }
}

/// The pools of any queue, each once, in the spec's pool order.
fn queued_pools(m: &Model) -> Vec<usize> {
    let mut v: Vec<usize> = m
        .queues
        .iter()
        .flat_map(|q| q.flavors.iter().map(|f| f.pool))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Every Kueue object of the model, in apply order: flavors, provisioning
/// configs, admission checks, cluster queues, local queues, priority
/// classes (each before what refers to it).
pub(super) fn objects(lw: &Lower) -> Vec<Kueue> {
    let m = lw.m;
    if m.queues.is_empty() {
        return Vec::new();
    }
    let pools = queued_pools(m);
    let mut out = Vec::new();
    for &i in &pools {
        let pool = &m.pools[i];
        out.push(Kueue::ResourceFlavor(ResourceFlavor {
            api_version: API_VERSION,
            kind: "ResourceFlavor",
            metadata: cluster_meta(lw, flavor_name(m, pool)),
            spec: ResourceFlavorSpec {
                node_labels: node_labels(pool),
            },
        }));
    }
    let provisioned: Vec<&Pool> = pools
        .iter()
        .map(|&i| &m.pools[i])
        .filter(|p| p.queued())
        .collect();
    for pool in &provisioned {
        let managed = [
            pool.gpu.as_ref().map(|_| Resource::Gpu),
            pool.tpu.as_ref().map(|_| Resource::Tpu),
        ];
        out.push(Kueue::ProvisioningRequestConfig(
            ProvisioningRequestConfig {
                api_version: API_VERSION,
                kind: "ProvisioningRequestConfig",
                metadata: cluster_meta(lw, provisioning_name(m, pool)),
                spec: ProvisioningRequestConfigSpec {
                    provisioning_class_name: s(QUEUED_PROVISIONING_CLASS),
                    managed_resources: managed.iter().flatten().map(|r| s(r.name())).collect(),
                },
            },
        ));
    }
    for pool in &provisioned {
        out.push(Kueue::AdmissionCheck(AdmissionCheck {
            api_version: API_VERSION,
            kind: "AdmissionCheck",
            metadata: cluster_meta(lw, provisioning_name(m, pool)),
            spec: AdmissionCheckSpec {
                controller_name: s(PROVISIONING_CONTROLLER),
                parameters: AdmissionCheckParameters {
                    api_group: s("kueue.x-k8s.io"),
                    kind: s("ProvisioningRequestConfig"),
                    name: provisioning_name(m, pool),
                },
            },
        }));
    }
    for q in &m.queues {
        let flavors = q
            .flavors
            .iter()
            .map(|f| FlavorQuotas {
                name: flavor_name(m, &m.pools[f.pool]),
                resources: q
                    .resources
                    .iter()
                    .zip(&f.quota)
                    .map(|(r, n)| ResourceQuota {
                        name: s(r.name()),
                        nominal_quota: Quantity(r.quantity(*n)),
                    })
                    .collect(),
            })
            .collect();
        let checks: Vec<AdmissionCheckStrategyRule> = q
            .flavors
            .iter()
            .map(|f| &m.pools[f.pool])
            .filter(|p| p.queued())
            .map(|p| AdmissionCheckStrategyRule {
                name: provisioning_name(m, p),
                on_flavors: vec![flavor_name(m, p)],
            })
            .collect();
        out.push(Kueue::ClusterQueue(ClusterQueue {
            api_version: API_VERSION,
            kind: "ClusterQueue",
            metadata: cluster_meta(lw, q.cluster_queue.clone()),
            spec: ClusterQueueSpec {
                namespace_selector: LabelSelector {
                    match_labels: Some(BTreeMap::from([(
                        s("kubernetes.io/metadata.name"),
                        m.namespace.clone(),
                    )])),
                    ..Default::default()
                },
                resource_groups: vec![ResourceGroup {
                    covered_resources: q.resources.iter().map(|r| s(r.name())).collect(),
                    flavors,
                }],
                admission_checks_strategy: (!checks.is_empty()).then_some(
                    AdmissionChecksStrategy {
                        admission_checks: checks,
                    },
                ),
            },
        }));
    }
    for q in &m.queues {
        out.push(Kueue::LocalQueue(LocalQueue {
            api_version: API_VERSION,
            kind: "LocalQueue",
            metadata: lw.meta(&q.name, &[]),
            spec: LocalQueueSpec {
                cluster_queue: q.cluster_queue.clone(),
            },
        }));
    }
    for p in Priority::ALL {
        if m.workloads.iter().any(|w| w.priority == Some(p)) {
            out.push(Kueue::WorkloadPriorityClass(WorkloadPriorityClass {
                api_version: API_VERSION,
                kind: "WorkloadPriorityClass",
                metadata: cluster_meta(lw, priority_class_name(m, p)),
                value: p.value(),
                description: format!(
                    "podwire priority `{}` of {} (jobs of higher value are admitted first)",
                    p.as_str(),
                    m.name
                ),
            }));
        }
    }
    out
}
