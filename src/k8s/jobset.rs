//! JobSet (`jobset.x-k8s.io/v1alpha2`, kubernetes-sigs/jobset; the CRD of
//! v0.12.0 is in shared/crds/): typed serde structs for the fields podwire
//! sets, and the JobSet of a workload that restarts as a whole or runs on a
//! TPU Multislice pool.
//!
//! One replicated Job, `worker`, with one Job per slice (`replicas` =
//! slices). JobSet names the child Jobs `<jobset>-worker-<slice>` and, with
//! `network.enableDNSHostnames`, puts their pods under the subdomain
//! `network.subdomain` (podwire's headless Service), so pod `i` of slice `s`
//! is `<jobset>-worker-<s>-<i>.<service>.<namespace>.svc.cluster.local`
//! ([`crate::model::Workload::pod_hostname`] decides these names).

use super::objects::{labels, s};
use crate::model::{Workload, JOBSET_REPLICATED_JOB};
use k8s_openapi::api::batch::v1::{JobSpec, JobTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

pub const API_VERSION: &str = "jobset.x-k8s.io/v1alpha2";
pub const KIND: &str = "JobSet";
pub const GROUP: &str = "jobset.x-k8s.io";
pub const VERSION: &str = "v1alpha2";
pub const PLURAL: &str = "jobsets";

/// JobSet's annotation that gives each child Job a topology domain of its
/// own; with `cloud.google.com/gke-nodepool`, one node pool per Job (one TPU
/// slice per Job).
pub const EXCLUSIVE_TOPOLOGY: &str = "alpha.jobset.sigs.k8s.io/exclusive-topology";
/// The node label GKE puts on every node: its node pool.
pub const NODE_POOL_LABEL: &str = "cloud.google.com/gke-nodepool";
/// The annotation (and label) JobSet puts on a child Job's pods: the Job's
/// index within its replicated Job (here: the slice).
pub const JOB_INDEX: &str = "jobset.sigs.k8s.io/job-index";
/// The label JobSet puts on its pods: the JobSet's name.
pub const JOBSET_NAME_LABEL: &str = "jobset.sigs.k8s.io/jobset-name";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSet {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: JobSetSpec,
}

impl JobSet {
    pub fn new(metadata: ObjectMeta, spec: JobSetSpec) -> Self {
        JobSet {
            api_version: API_VERSION.to_string(),
            kind: KIND.to_string(),
            metadata,
            spec,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct JobSetSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_policy: Option<FailurePolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
    pub replicated_jobs: Vec<ReplicatedJob>,
    /// Kueue admits a suspended JobSet by unsuspending it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FailurePolicy {
    /// How many times the JobSet recreates all of its Jobs after one fails.
    pub max_restarts: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Network {
    #[serde(
        default,
        rename = "enableDNSHostnames",
        skip_serializing_if = "Option::is_none"
    )]
    pub enable_dns_hostnames: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_not_ready_addresses: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdomain: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ReplicatedJob {
    pub name: String,
    pub replicas: i32,
    pub template: JobTemplateSpec,
}

/// The JobSet of workload `w`: `job` is the Indexed Job every slice runs
/// (podwire's Job spec, `backoffLimit: 0`).
/// `meta` is the workload object's (with Kueue's labels when queued); the
/// Jobs inside are never suspended themselves: Kueue suspends the JobSet.
pub(super) fn jobset(w: &Workload, mut meta: ObjectMeta, mut job: JobSpec) -> JobSet {
    let suspend = job.suspend.take();
    if w.slices > 1 {
        meta.annotations = Some(labels(&[(EXCLUSIVE_TOPOLOGY, NODE_POOL_LABEL)]));
    }
    let network = match w.service.as_ref().filter(|_| w.peers) {
        Some(svc) => Network {
            enable_dns_hostnames: Some(true),
            publish_not_ready_addresses: Some(true),
            subdomain: Some(svc.clone()),
        },
        // No peers: no pod names, and no Service JobSet would make itself.
        None => Network {
            enable_dns_hostnames: Some(false),
            ..Default::default()
        },
    };
    JobSet::new(
        meta,
        JobSetSpec {
            failure_policy: (w.restarts > 0).then(|| FailurePolicy {
                max_restarts: i32::try_from(w.restarts).unwrap_or(i32::MAX),
            }),
            network: Some(network),
            replicated_jobs: vec![ReplicatedJob {
                name: s(JOBSET_REPLICATED_JOB),
                replicas: i32::try_from(w.slices.max(1)).unwrap_or(i32::MAX),
                template: JobTemplateSpec {
                    metadata: None,
                    spec: Some(job),
                },
            }],
            suspend,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The field names the structs write are the CRD's (v0.12.0): every
    /// key of a serialized JobSet is a property of the CRD's schema at
    /// that place. The CRD is read from shared/ when it is there; the names
    /// checked without it are the ones its schema has.
    #[test]
    fn serialises_the_crds_field_names() {
        let js = JobSet::new(
            ObjectMeta::default(),
            JobSetSpec {
                failure_policy: Some(FailurePolicy { max_restarts: 3 }),
                network: Some(Network {
                    enable_dns_hostnames: Some(true),
                    publish_not_ready_addresses: Some(true),
                    subdomain: Some("t".into()),
                }),
                replicated_jobs: vec![ReplicatedJob {
                    name: "worker".into(),
                    replicas: 2,
                    template: JobTemplateSpec::default(),
                }],
                suspend: Some(false),
            },
        );
        let v = serde_json::to_value(&js).unwrap_or_default();
        assert_eq!(v["apiVersion"], API_VERSION);
        assert_eq!(v["kind"], KIND);
        let spec = &v["spec"];
        assert_eq!(spec["failurePolicy"]["maxRestarts"], 3);
        assert_eq!(spec["network"]["enableDNSHostnames"], true);
        assert_eq!(spec["network"]["publishNotReadyAddresses"], true);
        assert_eq!(spec["network"]["subdomain"], "t");
        assert_eq!(spec["replicatedJobs"][0]["name"], "worker");
        assert_eq!(spec["replicatedJobs"][0]["replicas"], 2);
        assert_eq!(spec["suspend"], false);

        // shared/ beside the checkout (as the integration tests find it),
        // or beside a worktree's parent.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let text = ["../shared", "../../shared"].iter().find_map(|d| {
            std::fs::read_to_string(root.join(d).join("crds/jobset.x-k8s.io_jobsets.yaml")).ok()
        });
        let Some(text) = text else {
            eprintln!("skipping the CRD comparison: shared/crds not present");
            return;
        };
        let crd: serde_json::Value = match serde_yaml_ng::from_str(&text) {
            Ok(v) => v,
            Err(e) => panic!("the CRD parses: {e}"),
        };
        let schema = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
        fn known(schema: &serde_json::Value, v: &serde_json::Value, at: &str) {
            let Some(o) = v.as_object() else { return };
            let props = &schema["properties"];
            if props.is_null() {
                return;
            }
            for (k, child) in o {
                let s = &props[k];
                assert!(!s.is_null(), "`{at}.{k}` is not a field of the CRD");
                let s = if s["type"] == "array" { &s["items"] } else { s };
                let c = match child {
                    serde_json::Value::Array(a) => a.first().unwrap_or(&serde_json::Value::Null),
                    c => c,
                };
                known(s, c, &format!("{at}.{k}"));
            }
        }
        known(schema, &v, "");
    }
}
