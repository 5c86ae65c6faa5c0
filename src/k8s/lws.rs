//! LeaderWorkerSet (`leaderworkerset.x-k8s.io/v1`, kubernetes-sigs/lws; the
//! CRD of v0.10.0 is in shared/crds/): typed serde structs for the fields
//! podwire sets, and the LeaderWorkerSet of a workload with `groupSize` > 1.
//!
//! `replicas` groups of `size` pods: LeaderWorkerSet makes each group's
//! leader (`<lws>-<group>`, label `leaderworkerset.sigs.k8s.io/worker-index:
//! "0"`) and a StatefulSet of its workers (`<lws>-<group>-<index>`), and
//! injects `LWS_LEADER_ADDRESS`, `LWS_GROUP_SIZE` and `LWS_WORKER_INDEX`
//! into every container, first in the env (so podwire's rendezvous env can
//! refer to them as `$(LWS_...)`).
//!
//! Subdomain policy `UniquePerReplica`: LeaderWorkerSet makes one headless
//! Service per group, named after the group's leader (`<lws>-<group>`), and
//! no Service named after the LWS itself (policy `Shared` would make one
//! unless a Service of that name exists, and so would take, or lose, the
//! name of podwire's client Service `<workload>`). The names of the group
//! Services are reserved in [`super::names`] so no object of podwire's
//! takes one.

use crate::model::Workload;
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

pub const API_VERSION: &str = "leaderworkerset.x-k8s.io/v1";
pub const KIND: &str = "LeaderWorkerSet";
pub const PLURAL: &str = "leaderworkersets";

/// One group Service per replica (see the module documentation).
pub const SUBDOMAIN_POLICY: &str = "UniquePerReplica";
/// A failed pod restarts its whole group: a model split over several hosts
/// cannot serve with one of them gone (LWS's default, sent explicitly).
pub const RESTART_POLICY: &str = "RecreateGroupOnPodRestart";
/// Workers start when their leader is created, not when it is ready: a
/// leader that serves only once its workers have joined (vLLM with Ray)
/// would otherwise never become ready.
pub const STARTUP_POLICY: &str = "LeaderCreated";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeaderWorkerSet {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: LeaderWorkerSetSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct LeaderWorkerSetSpec {
    /// Groups. Left out when an autoscaler owns the count (the scale
    /// subresource's `specReplicasPath`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    pub leader_worker_template: LeaderWorkerTemplate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_config: Option<NetworkConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_policy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct LeaderWorkerTemplate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader_template: Option<PodTemplateSpec>,
    pub worker_template: PodTemplateSpec,
    /// Pods per group, the leader included.
    pub size: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NetworkConfig {
    pub subdomain_policy: String,
}

/// The LeaderWorkerSet of workload `w`: `leader` is the pod template of the
/// leaders (which serve: the health probes are theirs), `worker` the
/// workers'.
pub(super) fn leader_worker_set(
    w: &Workload,
    metadata: ObjectMeta,
    leader: PodTemplateSpec,
    worker: PodTemplateSpec,
) -> LeaderWorkerSet {
    LeaderWorkerSet {
        api_version: API_VERSION.to_string(),
        kind: KIND.to_string(),
        metadata,
        spec: LeaderWorkerSetSpec {
            replicas: w
                .autoscale
                .is_none()
                .then(|| i32::try_from(w.replicas).unwrap_or(i32::MAX)),
            leader_worker_template: LeaderWorkerTemplate {
                leader_template: Some(leader),
                worker_template: worker,
                size: i32::try_from(w.group_size).unwrap_or(i32::MAX),
                restart_policy: Some(RESTART_POLICY.to_string()),
            },
            network_config: Some(NetworkConfig {
                subdomain_policy: SUBDOMAIN_POLICY.to_string(),
            }),
            startup_policy: Some(STARTUP_POLICY.to_string()),
        },
    }
}
