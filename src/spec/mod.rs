//! The spec language `podwire.dev/v1alpha1`: the typed model, and parsing of
//! YAML/JSON source into it with every field's position kept.
//!
//! The types derive `JsonSchema` (for `podwire schema`) and `Serialize`; the
//! decoder in [`decode`] reads them from a positioned tree so that every
//! mistake is reported at once, with its place.

pub mod decode;
pub mod tree;

use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

pub const API_VERSION: &str = "podwire.dev/v1alpha1";
pub const KIND: &str = "AIWorkload";

/// Ordered string map (source order kept).
pub type StrMap = Vec<(String, String)>;

/// Schema of a scalar the decoder reads as text: YAML users write
/// `OMP_NUM_THREADS: 4` or `args: [--epochs, 3]`, and that is fine.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum Scalar {
    String(String),
    Number(f64),
    Bool(bool),
}

/// Schema of a Kubernetes quantity: `"90"`, `90`, `500m`, `1000Gi`.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum Quantity {
    String(String),
    Number(f64),
}

/// One podwire spec: an AI workload on GKE.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "podwire AIWorkload (podwire.dev/v1alpha1)")]
pub struct Spec {
    /// Must be `podwire.dev/v1alpha1`.
    #[schemars(extend("const" = "podwire.dev/v1alpha1"))]
    pub api_version: String,
    /// Must be `AIWorkload`.
    #[schemars(extend("const" = "AIWorkload"))]
    pub kind: String,
    pub metadata: Metadata,
    pub gcp: Gcp,
    pub cluster: Cluster,
    /// Kubernetes namespace for every object. Default: `metadata.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workloads: Vec<Workload>,
    /// The only traffic the NetworkPolicies allow. With none, no policies are made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connections: Vec<Connection>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    /// A DNS-1035 label; the default cluster name and namespace.
    #[schemars(regex(pattern = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"), length(max = 63))]
    pub name: String,
    /// Put on every Kubernetes object and as GKE resourceLabels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, Scalar>")]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Gcp {
    /// GCP project id (6-30 characters: lowercase letters, digits, hyphens).
    #[schemars(regex(pattern = r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$"))]
    pub project: String,
    /// A zone (`us-central1-a`: zonal cluster) or a region (`us-central1`: regional cluster).
    pub location: String,
    /// VPC network (default: the project's `default` network).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Subnetwork of that network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnetwork: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum ReleaseChannel {
    Rapid,
    #[default]
    Regular,
    Stable,
    Extended,
    /// No channel: GKE's `UNSPECIFIED`.
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cluster {
    /// Default: `metadata.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// GKE version, e.g. "1.32" (GKE's initialClusterVersion).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Default: regular.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_channel: Option<ReleaseChannel>,
    /// Dataplane V2 (ADVANCED_DATAPATH) enforces NetworkPolicy. Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataplane_v2: Option<bool>,
    /// Workload Identity (workloadPool `<project>.svc.id.goog`). Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_identity: Option<bool>,
    /// Nodes without external IPs. Default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_nodes: Option<bool>,
    /// CIDRs allowed to reach the control plane; empty: no restriction.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorized_networks: Vec<String>,
    /// At least one pool.
    pub node_pools: Vec<NodePool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodePool {
    pub name: String,
    /// Compute Engine machine type, e.g. `a3-highgpu-8g`.
    pub machine_type: String,
    /// Nodes per zone (GKE initialNodeCount). Default 1, or `autoscaling.min`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Autoscaling>,
    /// Node locations (zones of the cluster's region).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<String>,
    /// GPUs per node. Type and count default from the machine type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accelerator: Option<Accelerator>,
    /// TPU slice shape, for TPU machine types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tpu: Option<Tpu>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spot: Option<bool>,
    /// Name of a specific Compute Engine reservation to consume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_size_gb: Option<u32>,
    /// pd-standard, pd-balanced, pd-ssd, hyperdisk-balanced ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_type: Option<String>,
    /// Node image, e.g. COS_CONTAINERD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_type: Option<String>,
    /// Short names (`cloud-platform`, `storage-ro` ...) or full URLs. Default: gcloud's defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_scopes: Option<Vec<String>>,
    /// Node service account email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    /// Kubernetes labels on the nodes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, Scalar>")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<Taint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pods_per_node: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Autoscaling {
    /// Minimum nodes per zone.
    pub min: u32,
    /// Maximum nodes per zone.
    pub max: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Accelerator {
    /// e.g. nvidia-h100-80gb. Default: what the machine type implies.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// GPUs per node. Default: what the machine type implies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Driver installed by GKE. Default: `default`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<GpuDriver>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum GpuDriver {
    #[default]
    Default,
    Latest,
    Disabled,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tpu {
    /// e.g. `2x4` (v5e, v6e) or `2x2x2` (v5p).
    pub topology: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Placement {
    /// Nodes close together (low latency); needs a single zone.
    Compact,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Taint {
    pub key: String,
    #[serde(default)]
    pub value: String,
    pub effect: TaintEffect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema, Default)]
pub enum TaintEffect {
    #[default]
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Run {
    /// Runs to completion: an Indexed Job.
    #[default]
    Job,
    /// Long-running: a StatefulSet (peers) or a Deployment.
    Service,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Distributed {
    Pytorch,
    Jax,
    #[default]
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema, Default)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema, Default)]
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

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Port {
    /// IANA service name (at most 15 characters). Default: `p<port>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[schemars(range(min = 1, max = 65535))]
    pub port: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceName {
    /// Name of the primary Service (default: the workload's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Resources {
    /// CPU request per pod (Kubernetes quantity: "90", "500m").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Quantity>")]
    pub cpu: Option<String>,
    /// Memory request (and limit) per pod (Kubernetes quantity: "1000Gi").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Quantity>")]
    pub memory: Option<String>,
    /// Ephemeral storage request per pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Quantity>")]
    pub ephemeral_storage: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Workload {
    /// DNS-1035 label; the name of its Job / StatefulSet / Deployment.
    pub name: String,
    pub image: String,
    /// Node pool; required when there is more than one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    /// Default: job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<Run>,
    /// Pods. Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    /// GPUs per pod (nvidia.com/gpu).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus: Option<u32>,
    /// TPU chips per pod (google.com/tpu). Default on TPU pools: the chips of one node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tpus: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<Scalar>")]
    pub command: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<Scalar>")]
    pub args: Vec<String>,
    /// Environment variables, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "BTreeMap<String, Scalar>")]
    pub env: StrMap,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    /// Every pod gets a stable DNS name through a headless Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peers: Option<bool>,
    /// Inject the rendezvous environment (implies peers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distributed: Option<Distributed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expose: Option<Expose>,
    /// Google service account the pods act as (Workload Identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcp_service_account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_user: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_group: Option<i64>,
    /// Retries of a Job before it is failed. Default 0 for distributed jobs, else 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_limit: Option<u32>,
}

/// One end of a connection.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Endpoint {
    /// A workload's name, or `internet` (anything outside the cluster).
    Name(String),
    Cidr {
        cidr: String,
    },
    Namespace {
        namespace: String,
    },
}

/// A port by name (of the target workload) or by number.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum PortRef {
    Number(u16),
    Name(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Connection {
    pub from: Endpoint,
    pub to: Endpoint,
    /// Omitted: all of the target workload's ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<PortRef>,
}

/// The JSON Schema of the whole language.
pub fn json_schema() -> serde_json::Value {
    let mut s = serde_json::to_value(schemars::schema_for!(Spec)).unwrap_or_default();
    if let Some(o) = s.as_object_mut() {
        o.insert(
            "$id".into(),
            "https://podwire.dev/schema/v1alpha1.json".into(),
        );
    }
    s
}
