//! The generated Kubernetes objects (k8s-openapi's typed model), their
//! metadata and labels, and the namespace that holds them.

use super::autoscale::PodMonitoring;
use super::gateway::{Gateway, HealthCheckPolicy, HttpRoute};
use super::gpu_networks::{GkeNetworkParamSet, Network};
use super::inference::InferencePool;
use super::jobset::JobSet;
use super::kueue::Kueue;
use super::lws::LeaderWorkerSet;
use crate::model::{Kind, Model, Workload, LWS_WORKER_INDEX_LABEL};
use crate::yaml::Emitter;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Namespace, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

/// Label that selects a workload's pods.
pub const WORKLOAD_LABEL: &str = "podwire.dev/workload";

/// One Kubernetes object of the output. The objects that carry a pod
/// template (2.4 to 4.2 KB each) are boxed: a 200-workload spec makes about
/// a thousand objects, most of them a few hundred bytes, and unboxed every
/// one took the largest variant's size, each time the list grew or moved.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    Namespace(Namespace),
    /// GKE multi-networking's cluster-scoped objects, one pair per extra
    /// NIC of a GPUDirect pool.
    GkeNetworkParamSet(GkeNetworkParamSet),
    Network(Network),
    /// The NCCL plugin installer of a GPUDirect mode, in `kube-system`.
    DaemonSet(Box<DaemonSet>),
    ServiceAccount(ServiceAccount),
    /// An endpoint picker's Role and RoleBinding (GKE Inference Gateway).
    Role(Role),
    RoleBinding(RoleBinding),
    NetworkPolicy(NetworkPolicy),
    Service(Service),
    Job(Box<Job>),
    JobSet(JobSet),
    LeaderWorkerSet(Box<LeaderWorkerSet>),
    StatefulSet(Box<StatefulSet>),
    Deployment(Box<Deployment>),
    /// Kueue's custom resources (queues, flavors, priority classes ...).
    Kueue(Kueue),
    PodDisruptionBudget(PodDisruptionBudget),
    HorizontalPodAutoscaler(HorizontalPodAutoscaler),
    /// Managed Service for Prometheus' scrape configuration (a custom resource).
    PodMonitoring(PodMonitoring),
    /// Gateway API's Gateway and HTTPRoute, and GKE's HealthCheckPolicy.
    Gateway(Gateway),
    HttpRoute(HttpRoute),
    HealthCheckPolicy(HealthCheckPolicy),
    /// GKE Inference Gateway's InferencePool.
    InferencePool(InferencePool),
}

impl Object {
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Object::Namespace(o) => &o.metadata,
            Object::GkeNetworkParamSet(o) => &o.metadata,
            Object::Network(o) => &o.metadata,
            Object::DaemonSet(o) => &o.metadata,
            Object::ServiceAccount(o) => &o.metadata,
            Object::NetworkPolicy(o) => &o.metadata,
            Object::Service(o) => &o.metadata,
            Object::Job(o) => &o.metadata,
            Object::JobSet(o) => &o.metadata,
            Object::LeaderWorkerSet(o) => &o.metadata,
            Object::StatefulSet(o) => &o.metadata,
            Object::Deployment(o) => &o.metadata,
            Object::Kueue(o) => o.metadata(),
            Object::PodDisruptionBudget(o) => &o.metadata,
            Object::HorizontalPodAutoscaler(o) => &o.metadata,
            Object::PodMonitoring(o) => &o.metadata,
            Object::Gateway(o) => &o.metadata,
            Object::HttpRoute(o) => &o.metadata,
            Object::HealthCheckPolicy(o) => &o.metadata,
            Object::Role(o) => &o.metadata,
            Object::RoleBinding(o) => &o.metadata,
            Object::InferencePool(o) => &o.metadata,
        }
    }

    /// (apiVersion, kind, plural) as the API server knows them.
    pub fn type_info(&self) -> (&'static str, &'static str, &'static str) {
        match self {
            Object::Namespace(_) => ("v1", "Namespace", "namespaces"),
            Object::GkeNetworkParamSet(_) => (
                super::gpu_networks::API_VERSION,
                "GKENetworkParamSet",
                "gkenetworkparamsets",
            ),
            Object::Network(_) => (super::gpu_networks::API_VERSION, "Network", "networks"),
            Object::DaemonSet(_) => ("apps/v1", "DaemonSet", "daemonsets"),
            Object::ServiceAccount(_) => ("v1", "ServiceAccount", "serviceaccounts"),
            Object::NetworkPolicy(_) => {
                ("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies")
            }
            Object::Service(_) => ("v1", "Service", "services"),
            Object::Job(_) => ("batch/v1", "Job", "jobs"),
            Object::JobSet(_) => (
                super::jobset::API_VERSION,
                super::jobset::KIND,
                super::jobset::PLURAL,
            ),
            Object::LeaderWorkerSet(_) => (
                super::lws::API_VERSION,
                super::lws::KIND,
                super::lws::PLURAL,
            ),
            Object::StatefulSet(_) => ("apps/v1", "StatefulSet", "statefulsets"),
            Object::Deployment(_) => ("apps/v1", "Deployment", "deployments"),
            Object::Kueue(o) => o.type_info(),
            Object::PodDisruptionBudget(_) => {
                ("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets")
            }
            Object::HorizontalPodAutoscaler(_) => (
                "autoscaling/v2",
                "HorizontalPodAutoscaler",
                "horizontalpodautoscalers",
            ),
            Object::PodMonitoring(_) => (
                "monitoring.googleapis.com/v1",
                "PodMonitoring",
                "podmonitorings",
            ),
            Object::Gateway(_) => (
                super::gateway::API_VERSION,
                super::gateway::GATEWAY_KIND,
                super::gateway::GATEWAY_PLURAL,
            ),
            Object::HttpRoute(_) => (
                super::gateway::API_VERSION,
                super::gateway::ROUTE_KIND,
                super::gateway::ROUTE_PLURAL,
            ),
            Object::HealthCheckPolicy(_) => (
                super::gateway::HEALTH_CHECK_API_VERSION,
                super::gateway::HEALTH_CHECK_KIND,
                super::gateway::HEALTH_CHECK_PLURAL,
            ),
            Object::Role(_) => ("rbac.authorization.k8s.io/v1", "Role", "roles"),
            Object::RoleBinding(_) => (
                "rbac.authorization.k8s.io/v1",
                "RoleBinding",
                "rolebindings",
            ),
            Object::InferencePool(_) => (
                super::inference::API_VERSION,
                super::inference::KIND,
                super::inference::PLURAL,
            ),
        }
    }

    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or_default()
    }

    pub fn namespace(&self) -> Option<&str> {
        self.metadata().namespace.as_deref()
    }

    /// The object as a YAML document (written directly from the typed object).
    pub fn to_yaml(&self) -> Result<String, crate::yaml::Error> {
        let mut e = Emitter::with_capacity(2048);
        self.write_yaml(&mut e)?;
        Ok(e.finish())
    }

    /// Append the object's YAML document (what [`Object::to_yaml`] returns).
    pub fn write_yaml(&self, e: &mut Emitter) -> Result<(), crate::yaml::Error> {
        e.document(self)
    }

    /// [`Object::write_yaml`], returning the object's size as compact JSON
    /// (as [`super::json_size`]) measured in the same pass.
    pub fn write_sized_yaml(&self, e: &mut Emitter) -> Result<usize, crate::yaml::Error> {
        e.sized_document(self)
    }

    /// The object as JSON (apiVersion and kind first).
    pub fn to_json(&self) -> serde_json::Value {
        // Serializing these plain structs cannot fail (no maps with non-string keys).
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// An object serializes as the Kubernetes object it holds.
impl serde::Serialize for Object {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Object::Namespace(o) => o.serialize(serializer),
            Object::GkeNetworkParamSet(o) => o.serialize(serializer),
            Object::Network(o) => o.serialize(serializer),
            Object::DaemonSet(o) => o.serialize(serializer),
            Object::ServiceAccount(o) => o.serialize(serializer),
            Object::NetworkPolicy(o) => o.serialize(serializer),
            Object::Service(o) => o.serialize(serializer),
            Object::Job(o) => o.serialize(serializer),
            Object::JobSet(o) => o.serialize(serializer),
            Object::LeaderWorkerSet(o) => o.serialize(serializer),
            Object::StatefulSet(o) => o.serialize(serializer),
            Object::Deployment(o) => o.serialize(serializer),
            Object::Kueue(o) => o.serialize(serializer),
            Object::PodDisruptionBudget(o) => o.serialize(serializer),
            Object::HorizontalPodAutoscaler(o) => o.serialize(serializer),
            Object::PodMonitoring(o) => o.serialize(serializer),
            Object::Gateway(o) => o.serialize(serializer),
            Object::HttpRoute(o) => o.serialize(serializer),
            Object::HealthCheckPolicy(o) => o.serialize(serializer),
            Object::Role(o) => o.serialize(serializer),
            Object::RoleBinding(o) => o.serialize(serializer),
            Object::InferencePool(o) => o.serialize(serializer),
        }
    }
}

pub(super) fn s(v: &str) -> String {
    v.to_string()
}

pub(super) fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (s(k), s(v))).collect()
}

/// What every lowering of one model shares.
pub(super) struct Lower<'m> {
    pub(super) m: &'m Model,
    /// The labels every object carries (built once, cloned per object).
    common: BTreeMap<String, String>,
}

impl<'m> Lower<'m> {
    pub(super) fn new(m: &'m Model) -> Self {
        let mut common = m.labels.clone();
        common.insert(s("app.kubernetes.io/managed-by"), s("podwire"));
        common.insert(s("app.kubernetes.io/part-of"), m.name.clone());
        Lower { m, common }
    }

    pub(super) fn namespace(&self) -> Object {
        let mut ns_labels = self.common();
        let gpu_direct = self.m.workloads.iter().any(|w| {
            self.m
                .pools
                .get(w.pool)
                .is_some_and(|p| super::gpudirect::wired(p, w))
        });
        for (k, v) in super::gpudirect::pod_security_labels(gpu_direct) {
            ns_labels.insert(s(k), s(v));
        }
        Object::Namespace(Namespace {
            metadata: ObjectMeta {
                name: Some(self.m.namespace.clone()),
                labels: Some(ns_labels),
                ..Default::default()
            },
            ..Default::default()
        })
    }

    pub(super) fn common(&self) -> BTreeMap<String, String> {
        self.common.clone()
    }

    /// Metadata of a namespaced object: the common labels and `extra`.
    pub(super) fn meta(&self, name: &str, extra: &[(&str, &str)]) -> ObjectMeta {
        let mut l = self.common();
        for (k, v) in extra {
            l.insert(s(k), s(v));
        }
        ObjectMeta {
            name: Some(s(name)),
            namespace: Some(self.m.namespace.clone()),
            labels: Some(l),
            ..Default::default()
        }
    }

    /// Metadata of an object that belongs to workload `w`.
    pub(super) fn wl_meta(&self, name: &str, w: &Workload) -> ObjectMeta {
        self.meta(
            name,
            &[
                ("app.kubernetes.io/name", &w.name),
                (WORKLOAD_LABEL, &w.name),
            ],
        )
    }

    /// The labels that select workload `w`'s pods.
    pub(super) fn selector(w: &Workload) -> BTreeMap<String, String> {
        labels(&[(WORKLOAD_LABEL, &w.name)])
    }

    /// The labels that select the pods of `w` that serve: all of them, or
    /// a LeaderWorkerSet's leaders (worker index 0; the workers only
    /// compute for their leader).
    pub(super) fn serving_selector(w: &Workload) -> BTreeMap<String, String> {
        let mut l = Self::selector(w);
        if w.kind == Kind::LeaderWorkerSet {
            l.insert(s(LWS_WORKER_INDEX_LABEL), s("0"));
        }
        l
    }
}
