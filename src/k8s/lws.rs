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

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    const SRC: &str = "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: t}\n\
        gcp: {project: my-project, location: us-central1-a}\n\
        cluster:\n  nodePools:\n    - {name: h100, machineType: a3-highgpu-8g, autoscaling: {min: 2, max: 6}}\n\
        workloads:\n  - {name: llm, image: r/s:1, run: service, groupSize: 3, gpus: 8, distributed: pytorch,\n     \
        resources: {cpu: '100'}, ports: [{name: http, port: 8000}], health: {path: /health, port: http},\n     \
        autoscale: {min: 1, max: 2, cpu: 70}, expose: internal}\n\
        connections:\n  - {from: {cidr: 10.0.0.0/8}, to: llm, ports: [http]}\n";

    fn objects() -> Vec<Value> {
        let a = crate::analyze(SRC);
        let Some(m) = a.model else {
            panic!("compiles: {:?}", a.diagnostics)
        };
        super::super::objects(&m)
            .iter()
            .map(|o| o.to_json())
            .collect()
    }

    fn env(c: &Value, name: &str) -> Value {
        c["env"]
            .as_array()
            .and_then(|e| e.iter().find(|v| v["name"] == name))
            .map_or(Value::Null, |v| v["value"].clone())
    }

    #[test]
    fn leaders_serve_and_workers_rendezvous_through_them() {
        let all = objects();
        let lws: Vec<&Value> = all
            .iter()
            .filter(|o| o["kind"] == "LeaderWorkerSet")
            .collect();
        assert_eq!(lws.len(), 1);
        let spec = &lws[0]["spec"];
        // The autoscaler owns the group count.
        assert!(spec.get("replicas").is_none());
        assert_eq!(spec["networkConfig"]["subdomainPolicy"], "UniquePerReplica");
        let t = &spec["leaderWorkerTemplate"];
        assert_eq!(t["size"], 3);
        let leader = &t["leaderTemplate"]["spec"]["containers"][0];
        let worker = &t["workerTemplate"]["spec"]["containers"][0];
        for probe in ["startupProbe", "readinessProbe", "livenessProbe"] {
            assert!(leader[probe].is_object(), "{probe}");
            assert!(worker.get(probe).is_none(), "{probe}");
        }
        for c in [leader, worker] {
            assert_eq!(env(c, "MASTER_ADDR"), "$(LWS_LEADER_ADDRESS)");
            assert_eq!(env(c, "NODE_RANK"), "$(LWS_WORKER_INDEX)");
            assert_eq!(env(c, "NNODES"), "$(LWS_GROUP_SIZE)");
            assert_eq!(env(c, "WORLD_SIZE"), "24");
        }
        // Every Service selects the leaders only.
        let services: Vec<&Value> = all.iter().filter(|o| o["kind"] == "Service").collect();
        assert_eq!(services.len(), 2);
        for s in services {
            assert_eq!(
                s["spec"]["selector"],
                json!({"podwire.dev/workload": "llm", "leaderworkerset.sigs.k8s.io/worker-index": "0"})
            );
        }
        let hpa = all
            .iter()
            .find(|o| o["kind"] == "HorizontalPodAutoscaler")
            .unwrap_or_else(|| panic!("an HPA"));
        assert_eq!(
            hpa["spec"]["scaleTargetRef"],
            json!({"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "name": "llm"})
        );
    }

    #[test]
    fn clients_reach_leaders_and_groups_only_themselves() {
        let all = objects();
        let policies: Vec<&Value> = all
            .iter()
            .filter(|o| o["kind"] == "NetworkPolicy")
            .collect();
        let names: Vec<&str> = policies
            .iter()
            .filter_map(|p| p["metadata"]["name"].as_str())
            .collect();
        assert_eq!(
            names,
            [
                "default-deny",
                "llm",
                "llm-leaders",
                "llm-group-0",
                "llm-group-1"
            ]
        );
        // The workload's own policy admits nothing; the leaders' admits the
        // client CIDR on the serving port.
        assert_eq!(policies[1]["spec"]["ingress"], json!([]));
        assert_eq!(
            policies[2]["spec"]["podSelector"]["matchLabels"]
                ["leaderworkerset.sigs.k8s.io/worker-index"],
            "0"
        );
        assert_eq!(policies[2]["spec"]["ingress"][0]["ports"][0]["port"], 8000);
        for (g, p) in policies[3..].iter().enumerate() {
            let group = json!({"podwire.dev/workload": "llm", "leaderworkerset.sigs.k8s.io/group-index": g.to_string()});
            assert_eq!(p["spec"]["podSelector"]["matchLabels"], group);
            assert_eq!(
                p["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"],
                group
            );
            assert_eq!(
                p["spec"]["egress"][0]["to"][0]["podSelector"]["matchLabels"],
                group
            );
            // Every port: the framework picks its own.
            assert!(p["spec"]["ingress"][0].get("ports").is_none());
        }
    }
}
