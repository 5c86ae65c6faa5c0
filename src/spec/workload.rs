//! A workload: how it runs (Job, StatefulSet, Deployment, LeaderWorkerSet),
//! its image, resources, environment, ports and Service; what it routes,
//! probes, scales and mounts is in the sibling modules.

use super::{env_pairs, Autoscale, Disruption, Health, Priority, Quantity, Route, Scalar, Volume};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A workload's environment, in source order.
pub type EnvMap = Vec<(String, EnvValue)>;

/// The value of an environment variable: text, or a key of a Secret that
/// already exists in the workload namespace (podwire never takes a secret's
/// value; the pod reads it through `valueFrom.secretKeyRef`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum EnvValue {
    /// The value, as written (a number or boolean is taken as its text).
    Text(#[schemars(with = "Scalar")] String),
    /// A key of an existing Secret.
    Secret(SecretKeyRef),
}

/// `{secret: NAME, key: KEY}`: a key of a Secret in the workload namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretKeyRef {
    /// The Secret's name (it must exist before the workload starts; podwire
    /// never creates it).
    #[schemars(extend("examples" = ["hf-token"]))]
    pub secret: String,
    /// The key within the Secret.
    #[schemars(extend("examples" = ["token"]))]
    pub key: String,
}

/// How a workload runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Run {
    /// Runs to completion: an Indexed Job.
    #[default]
    Job,
    /// Long-running: a StatefulSet (peers) or a Deployment.
    Service,
}

/// Which rendezvous environment to inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Distributed {
    Pytorch,
    Jax,
    #[default]
    None,
}

/// How far a workload's Service reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Expose {
    /// Only the in-cluster Service.
    #[default]
    Cluster,
    /// Plus an internal (VPC) load balancer.
    Internal,
    /// Plus an external load balancer.
    External,
    /// No Service beyond the peers' headless one.
    None,
}

/// Transport protocol of a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub enum Protocol {
    #[default]
    #[serde(rename = "TCP")]
    Tcp,
    #[serde(rename = "UDP")]
    Udp,
    #[serde(rename = "SCTP")]
    Sctp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Port {
    /// IANA service name (at most 15 characters). Default: `p<port>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["http"]))]
    pub name: Option<String>,
    /// The container port.
    #[schemars(range(min = 1, max = 65535), extend("examples" = [8000]))]
    pub port: u16,
    /// Transport protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "TCP", "examples" = ["UDP"]))]
    pub protocol: Option<Protocol>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceName {
    /// Name of the primary Service. Default: the workload's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["trainer"]))]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Resources {
    /// CPU request per pod (Kubernetes quantity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Quantity>", extend("examples" = ["500m"]))]
    pub cpu: Option<String>,
    /// Memory request (and limit) per pod (Kubernetes quantity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Quantity>", extend("examples" = ["1000Gi"]))]
    pub memory: Option<String>,
    /// Ephemeral storage request per pod (Kubernetes quantity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Quantity>", extend("examples" = ["100Gi"]))]
    pub ephemeral_storage: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Workload {
    /// DNS-1035 label; the name of its Job / StatefulSet / Deployment.
    #[schemars(extend("examples" = ["trainer"]))]
    pub name: String,
    /// Container image reference.
    #[schemars(extend("examples" = ["us-docker.pkg.dev/my-project/ml/train:1.0"]))]
    pub image: String,
    /// Node pool; required when there is more than one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["gpu"]))]
    pub pool: Option<String>,
    /// Job or long-running service. Default: `service` behind a load balancer or a `route`, else `job` when distributed, else `service` with ports, else `job`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["service"]))]
    pub run: Option<Run>,
    /// Pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100000), extend("default" = 1, "examples" = [4]))]
    pub replicas: Option<u32>,
    /// Pods per replica: more than 1 makes a LeaderWorkerSet of `replicas` groups for a model too large for one node (multi-host serving). Each group is a leader (worker index 0), which serves and gets the Service's traffic, and `groupSize - 1` workers; LeaderWorkerSet gives every pod the leader's address, the group size and its index (`LWS_LEADER_ADDRESS`, `LWS_GROUP_SIZE`, `LWS_WORKER_INDEX`). Long-running workloads only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 64), extend("default" = 1, "examples" = [2]))]
    pub group_size: Option<u32>,
    /// GPUs per pod (nvidia.com/gpu).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 16), extend("examples" = [8]))]
    pub gpus: Option<u32>,
    /// TPU chips per pod (google.com/tpu). Default on TPU pools: the chips of one node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 8), extend("examples" = [4]))]
    pub tpus: Option<u32>,
    /// Resource requests per pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [{"cpu": "90", "memory": "1000Gi"}]))]
    pub resources: Option<Resources>,
    /// The container's entrypoint. Default: the image's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<Scalar>", extend("examples" = [["torchrun"]]))]
    pub command: Vec<String>,
    /// Arguments to the entrypoint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<Scalar>", extend("examples" = [["train.py", "--epochs", 3]]))]
    pub args: Vec<String>,
    /// Environment variables, in order: text, or `{secret, key}` to read a
    /// key of an existing Secret (`valueFrom.secretKeyRef`; podwire never
    /// takes a secret's value).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "env_pairs"
    )]
    #[schemars(
        with = "BTreeMap<String, Option<EnvValue>>",
        extend("examples" = [{"NCCL_DEBUG": "INFO", "HF_TOKEN": {"secret": "hf-token", "key": "token"}}])
    )]
    pub env: EnvMap,
    /// Ports the containers listen on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("examples" = [[{"name": "http", "port": 8000}]]))]
    pub ports: Vec<Port>,
    /// Every pod gets a stable DNS name through a headless Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false, "examples" = [true]))]
    pub peers: Option<bool>,
    /// Inject the rendezvous environment (implies peers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "none", "examples" = ["pytorch"]))]
    pub distributed: Option<Distributed>,
    /// Name override for the primary Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [{"name": "trainer"}]))]
    pub service: Option<ServiceName>,
    /// How far the workload's Service reaches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "cluster", "examples" = ["internal"]))]
    pub expose: Option<Expose>,
    /// HTTP routing through a GKE Gateway (Gateway API), beside or instead of
    /// `expose`'s L4 load balancer: an application load balancer that
    /// sends the requests for `hosts` and `paths` to the workload's Service.
    /// All the workloads routed to one `gateway` share its Gateway (one
    /// address per spec and kind); the NetworkPolicies admit its proxies on
    /// the routed port and Google's health checkers on the health port.
    /// Long-running workloads with ports and a ClusterIP Service only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [{"gateway": "internal", "paths": ["/v1"], "port": "http"}]))]
    pub route: Option<Route>,
    /// Startup, readiness and liveness probes on an HTTP endpoint of a long-running workload: traffic reaches a pod only once it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [{"path": "/health", "port": "http"}]))]
    pub health: Option<Health>,
    /// A HorizontalPodAutoscaler between `min` and `max` pods, on CPU or on a metric the pods export; it then owns the replica count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [{"min": 1, "max": 4, "metric": {"name": "vllm:num_requests_waiting", "target": 10}}]))]
    pub autoscale: Option<Autoscale>,
    /// A PodDisruptionBudget: how many pods node drains and upgrades may take at once. Default for long-running workloads with more than one pod: `{maxUnavailable: 1}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [{"maxUnavailable": 1}]))]
    pub disruption: Option<Disruption>,
    /// Google service account the pods act as (Workload Identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["trainer@my-project.iam.gserviceaccount.com"]))]
    pub gcp_service_account: Option<String>,
    /// User id the containers run as, for images whose default user is root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 2147483647), extend("examples" = [1000]))]
    pub run_as_user: Option<i64>,
    /// Group id the containers run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 2147483647), extend("examples" = [1000]))]
    pub run_as_group: Option<i64>,
    /// Kueue queue (a `queues[].name`) that admits this job as a whole; the
    /// Job is created suspended and starts when the queue's quota allows.
    /// Jobs only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["train"]))]
    pub queue: Option<String>,
    /// Kueue priority within the queue, the WorkloadPriorityClass
    /// `<metadata.name>-<priority>` of value 100 (`low`), 1000 (`normal`)
    /// or 10000 (`high`): higher priorities are admitted first; none
    /// preempts a running job. Needs `queue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["high"]))]
    pub priority: Option<Priority>,
    /// Retries of a Job before it is failed. Default 0 for distributed jobs, else 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1000), extend("examples" = [3]))]
    pub backoff_limit: Option<u32>,
    /// Restarts of the whole job after a failure: every pod starts again
    /// together (a JobSet's `failurePolicy.maxRestarts`). Jobs only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 10000), extend("default" = 0, "examples" = [3]))]
    pub restarts: Option<u32>,
    /// Storage mounted into the containers: `{bucket, path, readOnly}` (Cloud
    /// Storage FUSE; `cache`, `parallelDownloads` and `metadataPrefetch`
    /// tune it for loading model weights), `{claim, path, readOnly}` (an existing
    /// PersistentVolumeClaim) or `{scratch: SIZE, path}` (node-local).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("examples" = [[{"bucket": "my-data", "path": "/data", "readOnly": true}, {"claim": "checkpoints", "path": "/ckpt"}, {"scratch": "500Gi", "path": "/scratch"}]]))]
    pub volumes: Vec<Volume>,
}

/// A port by name (of the target workload) or by number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PortRef {
    Number(#[schemars(range(min = 1, max = 65535))] u16),
    Name(String),
}
