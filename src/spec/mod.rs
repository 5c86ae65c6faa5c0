//! The spec language `podwire.dev/v1alpha1`: the typed model, and parsing of
//! YAML/JSON source into it with every field's position kept.
//!
//! The types derive `JsonSchema` (for `podwire schema`) and `Serialize`; the
//! decoder in [`decode`] reads them from a positioned tree so that every
//! mistake is reported at once, with its place.

pub mod decode;
mod reference;
mod rules;
pub mod tree;

pub use reference::reference_markdown;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

pub const API_VERSION: &str = "podwire.dev/v1alpha1";
pub const KIND: &str = "AIWorkload";

/// Ordered string map (source order kept).
pub type StrMap = Vec<(String, String)>;

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

/// Storage mounted into a workload's containers: a Cloud Storage bucket, an
/// existing PersistentVolumeClaim or node-local scratch space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Volume {
    /// A Cloud Storage bucket, through the Cloud Storage FUSE CSI driver.
    Bucket(BucketVolume),
    /// An existing PersistentVolumeClaim of the workload namespace.
    Claim(ClaimVolume),
    /// Node-local scratch space (an emptyDir of that size), on the node's
    /// local SSDs where the machine has them.
    Scratch(ScratchVolume),
}

/// A Cloud Storage bucket, mounted by the Cloud Storage FUSE CSI driver
/// (the cluster gets the driver's add-on; Workload Identity is required).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BucketVolume {
    /// Cloud Storage bucket name (without `gs://`). The pods reach it as
    /// their Kubernetes ServiceAccount under Workload Identity (or as
    /// `gcpServiceAccount`): grant that principal access to the bucket.
    #[schemars(extend("examples" = ["my-data"]))]
    pub bucket: String,
    /// Absolute path of the mount in the container.
    #[schemars(extend("examples" = ["/data"]))]
    pub path: String,
    /// Mount read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false, "examples" = [true]))]
    pub read_only: Option<bool>,
    /// A read cache on the node for the bucket's files (Cloud Storage FUSE's
    /// file cache): the first read downloads a whole file into it, later
    /// reads (a restarted server, another load of the weights) come from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [{"size": "200Gi", "medium": "localSsd"}]))]
    pub cache: Option<FileCache>,
    /// Download large files (model weights) in parallel chunks into the
    /// file cache, which it needs; for servers that read large files with
    /// few threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false, "examples" = [true]))]
    pub parallel_downloads: Option<bool>,
    /// Load the metadata of every object into the caches when the volume
    /// mounts, and keep it for the pod's life (no expiry): for a bucket
    /// nothing else changes while the pods read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false, "examples" = [true]))]
    pub metadata_prefetch: Option<bool>,
}

/// Cloud Storage FUSE's file cache for one bucket volume, per pod.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FileCache {
    /// Most space the cache takes (Kubernetes quantity); it must fit on the
    /// medium of one node, beside the pod's other use of it.
    #[schemars(with = "Quantity", extend("examples" = ["200Gi"]))]
    pub size: String,
    /// Where the cache lives. Default: `localSsd` where the machine type
    /// comes with Local SSDs, else `bootDisk`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["localSsd"]))]
    pub medium: Option<CacheMedium>,
}

/// Storage behind a Cloud Storage FUSE file cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum CacheMedium {
    /// The node's Local SSDs (the pool then backs ephemeral storage with
    /// them); for machine types that come with them (A3, A2 Ultra, G2, A4).
    LocalSsd,
    /// RAM (a memory-backed volume): the fastest, counted against the node's
    /// memory; Google's advice for TPU hosts with large memory.
    Memory,
    /// The node's boot disk (slow; Google advises against it).
    BootDisk,
}

impl CacheMedium {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheMedium::LocalSsd => "localSsd",
            CacheMedium::Memory => "memory",
            CacheMedium::BootDisk => "bootDisk",
        }
    }
}

/// An existing PersistentVolumeClaim of the workload namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimVolume {
    /// Name of an existing PersistentVolumeClaim (podwire does not create it).
    #[schemars(extend("examples" = ["checkpoints"]))]
    pub claim: String,
    /// Absolute path of the mount in the container.
    #[schemars(extend("examples" = ["/ckpt"]))]
    pub path: String,
    /// Mount read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false, "examples" = [true]))]
    pub read_only: Option<bool>,
}

/// Node-local scratch space: an `emptyDir` of that size limit, on the
/// node's Local SSDs where the machine type comes with them (the pool then
/// backs ephemeral storage with them), else on its boot disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScratchVolume {
    /// Size of the scratch space per pod (Kubernetes quantity); it must fit
    /// on one node.
    #[schemars(with = "Quantity", extend("examples" = ["500Gi"]))]
    pub scratch: String,
    /// Absolute path of the mount in the container.
    #[schemars(extend("examples" = ["/scratch"]))]
    pub path: String,
}

/// Schema of a scalar the decoder reads as its source text: YAML users write
/// `OMP_NUM_THREADS: 4`, `args: [--epochs, 3]` or `version: 1.30`, and the
/// value is the text as written ("1.30", not 1.3). The decoder recognises a
/// text scalar by this shape (a type list with both `string` and `number`).
pub struct Scalar;

impl JsonSchema for Scalar {
    fn schema_name() -> Cow<'static, str> {
        "Scalar".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Text; a number or boolean is taken as the text it is written as.",
            "type": ["string", "number", "boolean"]
        })
    }
}

/// Schema of a Kubernetes quantity: `"90"`, `90`, `500m`, `1000Gi`, read as text.
pub struct Quantity;

impl JsonSchema for Quantity {
    fn schema_name() -> Cow<'static, str> {
        "Quantity".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A Kubernetes quantity (`90`, `500m`, `1000Gi`), read as text.",
            "type": ["string", "number"]
        })
    }
}

/// A mapping of text values, in source order; a value left empty (`KEY:`) is "".
fn text_pairs<'de, D: Deserializer<'de>>(d: D) -> Result<StrMap, D::Error> {
    struct Pairs;
    impl<'de> Visitor<'de> for Pairs {
        type Value = StrMap;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a mapping of text values")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrMap, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, Option<String>>()? {
                out.push((k, v.unwrap_or_default()));
            }
            Ok(out)
        }
    }
    d.deserialize_map(Pairs)
}

/// A workload's `env`: values in source order, each text (as [`text_pairs`]
/// reads it) or a `{secret, key}` reference.
fn env_pairs<'de, D: Deserializer<'de>>(d: D) -> Result<EnvMap, D::Error> {
    struct Pairs;
    impl<'de> Visitor<'de> for Pairs {
        type Value = EnvMap;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a mapping of text values or {secret, key} references")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EnvMap, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, Option<EnvValue>>()? {
                out.push((k, v.unwrap_or(EnvValue::Text(String::new()))));
            }
            Ok(out)
        }
    }
    d.deserialize_map(Pairs)
}

/// [`text_pairs`], sorted by key (labels).
fn text_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(text_pairs(d)?.into_iter().collect())
}

/// One podwire spec: an AI workload on GKE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "podwire AIWorkload (podwire.dev/v1alpha1)")]
pub struct Spec {
    /// Must be `podwire.dev/v1alpha1`.
    #[schemars(extend("const" = "podwire.dev/v1alpha1", "examples" = ["podwire.dev/v1alpha1"]))]
    pub api_version: String,
    /// Must be `AIWorkload`.
    #[schemars(extend("const" = "AIWorkload", "examples" = ["AIWorkload"]))]
    pub kind: String,
    /// The workload's name and labels.
    #[schemars(extend("examples" = [{"name": "llm-train"}]))]
    pub metadata: Metadata,
    /// Where the cluster lives.
    #[schemars(extend("examples" = [{"project": "my-project", "location": "us-central1-a"}]))]
    pub gcp: Gcp,
    /// The GKE cluster and its node pools.
    #[schemars(extend("examples" = [{"nodePools": [{"name": "gpu", "machineType": "g2-standard-8"}]}]))]
    pub cluster: Cluster,
    /// Kubernetes namespace for every object. Default: `metadata.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["llm-train"]))]
    pub namespace: Option<String>,
    /// Kueue queues: jobs in a queue are admitted as a whole (all pods or
    /// none) when the queue's quota allows, and wait suspended until then.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("examples" = [[{"name": "train", "pools": ["h100"], "quota": {"gpus": 32}}]]))]
    pub queues: Vec<Queue>,
    /// The pods to run, each a Job, StatefulSet or Deployment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("examples" = [[{"name": "trainer", "image": "us-docker.pkg.dev/my-project/ml/train:1.0"}]]))]
    pub workloads: Vec<Workload>,
    /// The only traffic the NetworkPolicies allow. With none, no policies are made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("examples" = [[{"from": "server", "to": "trainer", "ports": ["metrics"]}]]))]
    pub connections: Vec<Connection>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    /// A DNS-1035 label; the default cluster name and namespace.
    #[schemars(
        regex(pattern = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"),
        length(max = 63),
        extend("examples" = ["llm-train"])
    )]
    pub name: String,
    /// Put on every Kubernetes object and as GKE resourceLabels.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "text_map"
    )]
    #[schemars(
        with = "BTreeMap<String, Option<Scalar>>",
        extend("examples" = [{"team": "ml"}])
    )]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Gcp {
    /// GCP project id (6-30 characters: lowercase letters, digits, hyphens).
    #[schemars(
        regex(pattern = r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$"),
        extend("examples" = ["my-project"])
    )]
    pub project: String,
    /// A zone (`us-central1-a`: zonal cluster) or a region (`us-central1`: regional cluster).
    #[schemars(extend("examples" = ["us-central1-a"]))]
    pub location: String,
    /// VPC network. Default: the project's `default` network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["ml-vpc"]))]
    pub network: Option<String>,
    /// Subnetwork of that network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["ml-subnet"]))]
    pub subnetwork: Option<String>,
    /// The primary range of the region's proxy-only subnet (purpose
    /// `REGIONAL_MANAGED_PROXY`, role `ACTIVE`) in `network`: the Envoy
    /// proxies of an internal Gateway (`route.gateway: internal`) connect to
    /// the pods from its addresses, so the NetworkPolicies admit it (on the
    /// routed port only). No default: it is the network's own choice, and a
    /// wrong guess would either block the Gateway or admit other sources.
    /// Required when a workload routes through an internal Gateway and the
    /// spec has `connections`. The subnet must exist before the Gateway
    /// (one per region and network): `gcloud compute networks subnets create
    /// proxy-only --purpose=REGIONAL_MANAGED_PROXY --role=ACTIVE
    /// --region=REGION --network=NETWORK --range=CIDR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["10.129.0.0/23"]))]
    pub proxy_subnet: Option<String>,
}

/// GKE release channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cluster {
    /// Cluster name. Default: `metadata.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["llm-train"]))]
    pub name: Option<String>,
    /// GKE version (GKE's initialClusterVersion), read as written: `1.30` stays "1.30".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Scalar>", extend("examples" = ["1.32"]))]
    pub version: Option<String>,
    /// GKE release channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "regular", "examples" = ["stable"]))]
    pub release_channel: Option<ReleaseChannel>,
    /// Dataplane V2 (ADVANCED_DATAPATH), which enforces NetworkPolicy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = true, "examples" = [true]))]
    pub dataplane_v2: Option<bool>,
    /// Workload Identity (workloadPool `<project>.svc.id.goog`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = true, "examples" = [true]))]
    pub workload_identity: Option<bool>,
    /// Nodes without external IPs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false, "examples" = [true]))]
    pub private_nodes: Option<bool>,
    /// CIDRs allowed to reach the control plane; empty: no restriction.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("examples" = [["203.0.113.0/24"]]))]
    pub authorized_networks: Vec<String>,
    /// The node pools; at least one.
    #[schemars(extend("examples" = [[{"name": "gpu", "machineType": "g2-standard-8"}]]))]
    pub node_pools: Vec<NodePool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodePool {
    /// The pool's name, a DNS-1035 label.
    #[schemars(extend("examples" = ["gpu"]))]
    pub name: String,
    /// Compute Engine machine type.
    #[schemars(extend("examples" = ["g2-standard-8"]))]
    pub machine_type: String,
    /// Nodes per zone (GKE initialNodeCount). Default 1, or `autoscaling.min`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1000), extend("examples" = [2]))]
    pub nodes: Option<u32>,
    /// Node autoscaling, per zone; the initial count is `min`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [{"min": 0, "max": 4}]))]
    pub autoscaling: Option<Autoscaling>,
    /// Node locations (zones of the cluster's region).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("examples" = [["us-central1-a"]]))]
    pub zones: Vec<String>,
    /// GPUs per node. Type and count default from the machine type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [{"type": "nvidia-h100-80gb", "count": 8}]))]
    pub accelerator: Option<Accelerator>,
    /// TPU slice shape, for TPU machine types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [{"topology": "2x4"}]))]
    pub tpu: Option<Tpu>,
    /// Where the nodes' machines come from. `on-demand`: ordinary VMs.
    /// `spot`: Spot VMs (cheaper, may be reclaimed at any time).
    /// `flex-start`: Dynamic Workload Scheduler; GKE creates each node when
    /// the capacity is there, and a node lives at most 7 days
    /// (`maxRunDuration`). `queued`: flex-start with queued provisioning;
    /// nodes come only through ProvisioningRequests (Kueue), all of a request
    /// at once. `reservation`: a Compute Engine reservation, named in
    /// `reservation`. flex-start and queued pools scale from 0
    /// (`autoscaling: {min: 0, max: N}`), never consume a reservation and have
    /// auto-repair off. Default: `spot` with `spot: true`, `reservation` when
    /// `reservation` names one, else `on-demand`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "on-demand", "examples" = ["flex-start"]))]
    pub capacity: Option<Capacity>,
    /// Spot VMs: the same as `capacity: spot`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false, "examples" = [true]))]
    pub spot: Option<bool>,
    /// The Compute Engine reservation the nodes consume: its name (`my-res`),
    /// one block of it (`my-res/reservationBlocks/my-res-block-0001`, on
    /// machine families whose reservations have blocks: A3 Ultra, A4, A4X),
    /// a reservation shared from another project
    /// (`projects/OWNER/reservations/NAME`), or `any` (any matching
    /// reservation, GKE's ANY_RESERVATION). Naming one means
    /// `capacity: reservation`. `none` keeps an on-demand or spot pool off
    /// every reservation (GKE's NO_RESERVATION); without it, on-demand nodes
    /// take capacity from a matching reservation that is open to any VM, as
    /// Compute Engine does by default (and gcloud sends nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["my-res"]))]
    pub reservation: Option<String>,
    /// flex-start and queued pools: how long a node may live before GKE
    /// removes it, as days, hours, minutes and seconds (`7d`, `12h`, `90m`,
    /// `3600s`, `1d12h`); sent in seconds (`"604800s"`). From 30s to 7d (a
    /// flex-start VM runs at most seven days). Default: GKE's, 7 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Scalar>", extend("examples" = ["7d"]))]
    pub max_run_duration: Option<String>,
    /// Compact placement of the nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["compact"]))]
    pub placement: Option<Placement>,
    /// Boot disk size per node, in GB. Default: GKE's (100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 10, max = 65536), extend("examples" = [200]))]
    pub disk_size_gb: Option<u32>,
    /// Image streaming (GKE's container file system, `gcfsConfig`): containers start while their image is still being pulled, reading the files they need first; for multi-gigabyte model server images. Needs the Container File System API (containerfilesystem.googleapis.com) in the project and Container-Optimized OS nodes (the default image type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false, "examples" = [true]))]
    pub image_streaming: Option<bool>,
    /// A secondary boot disk that caches container images
    /// (`CONTAINER_IMAGE_CACHE`): every node starts with the images of this
    /// Compute Engine disk image already on it (build one with GKE's
    /// gke-disk-image-builder). `NAME` (an image of `gcp.project`),
    /// `global/images/NAME` or `projects/PROJECT/global/images/NAME`.
    /// Turns on `imageStreaming`, which GKE needs for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["vllm-cache-v1"]))]
    pub secondary_boot_disk: Option<String>,
    /// Boot disk type: pd-standard, pd-balanced, pd-ssd, hyperdisk-balanced ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["pd-ssd"]))]
    pub disk_type: Option<String>,
    /// Node image. Default: GKE's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["COS_CONTAINERD"]))]
    pub image_type: Option<String>,
    /// Short names (`cloud-platform`, `storage-ro` ...) or full URLs. Default: gcloud's defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [["cloud-platform"]]))]
    pub oauth_scopes: Option<Vec<String>>,
    /// Node service account email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["nodes@my-project.iam.gserviceaccount.com"]))]
    pub service_account: Option<String>,
    /// Kubernetes labels on the nodes.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "text_map"
    )]
    #[schemars(
        with = "BTreeMap<String, Option<Scalar>>",
        extend("examples" = [{"team": "ml"}])
    )]
    pub labels: BTreeMap<String, String>,
    /// Kubernetes taints on the nodes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("examples" = [[{"key": "dedicated", "value": "ml", "effect": "NoSchedule"}]]))]
    pub taints: Vec<Taint>,
    /// Pods per node. Default: GKE's (110).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 8, max = 256), extend("examples" = [32]))]
    pub max_pods_per_node: Option<u32>,
    /// GPUDirect: the GPUs of different nodes talk through the machine's
    /// extra NICs, in the mode its family has (GPUDirect-TCPX on
    /// a3-highgpu-8g, 4 GPU networks; GPUDirect-TCPXO on a3-megagpu-8g, 8;
    /// GPUDirect RDMA on a3-ultragpu-8g and a4-highgpu-8g, one more gVNIC
    /// network and one RoCE network with 8 subnets). podwire turns on
    /// multi-networking on the cluster (it needs Dataplane V2), attaches the
    /// pool's nodes to the extra networks and writes the Compute Engine
    /// requests that create them (`gke/networks.json`), each closed by a
    /// firewall rule to all but the pool's nodes; NetworkPolicies do not
    /// police these NICs. The manifests get a Network and GKENetworkParamSet
    /// per extra NIC and the mode's NCCL plugin installer (a DaemonSet in
    /// kube-system on these nodes), and each pod with GPUs on the pool its
    /// interfaces, the NCCL environment of the mode and, for TCPX/TCPXO, the
    /// receive daemon as a native sidecar. That costs Pod Security: host
    /// paths (and the daemon's NET_ADMIN, as root), so the namespace
    /// enforces "privileged" while warning and auditing "restricted"; a
    /// warning names each exemption. A pod on such a pool takes all of a
    /// node's GPUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false, "examples" = [true]))]
    pub gpu_direct: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Autoscaling {
    /// Minimum nodes per zone.
    #[schemars(range(min = 0, max = 1000), extend("examples" = [0]))]
    pub min: u32,
    /// Maximum nodes per zone.
    #[schemars(range(min = 0, max = 1000), extend("examples" = [4]))]
    pub max: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Accelerator {
    /// GPU type. Default: what the machine type implies.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["nvidia-h100-80gb"]))]
    pub kind: Option<String>,
    /// GPUs per node. Default: what the machine type implies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 16), extend("examples" = [8]))]
    pub count: Option<u32>,
    /// Driver installed by GKE (always sent explicitly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "default", "examples" = ["latest"]))]
    pub driver: Option<GpuDriver>,
}

/// GPU driver installed by GKE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum GpuDriver {
    #[default]
    Default,
    Latest,
    Disabled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tpu {
    /// Slice shape: `2x4` (v5e, v6e) or `2x2x2` (v5p).
    #[schemars(extend("examples" = ["2x4"]))]
    pub topology: String,
    /// TPU Multislice: this many identical multi-host slices, joined over the
    /// data center network. GKE makes each slice its own node pool,
    /// `<pool>-0` ... `<pool>-(N-1)`, each with the pool's nodes; a workload
    /// on the pool is a JobSet with one Job per slice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000), extend("default" = 1, "examples" = [2]))]
    pub slices: Option<u32>,
}

/// Where a node pool's machines come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Capacity {
    /// Ordinary VMs.
    OnDemand,
    /// Spot VMs.
    Spot,
    /// Dynamic Workload Scheduler flex-start VMs (GKE `config.flexStart`).
    FlexStart,
    /// Flex-start with queued provisioning (GKE `queuedProvisioning`):
    /// nodes come only through ProvisioningRequests.
    Queued,
    /// A Compute Engine reservation (see `reservation`).
    Reservation,
}

/// Node placement policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Placement {
    /// Nodes close together (low latency); needs a single zone.
    Compact,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Taint {
    /// Taint key (a label key).
    #[schemars(extend("examples" = ["dedicated"]))]
    pub key: String,
    /// Taint value (a label value), read as text.
    #[serde(default)]
    #[schemars(with = "Scalar", extend("default" = "", "examples" = ["ml"]))]
    pub value: String,
    /// What the taint does to pods that do not tolerate it.
    #[schemars(extend("examples" = ["NoSchedule"]))]
    pub effect: TaintEffect,
}

/// Kubernetes taint effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub enum TaintEffect {
    #[default]
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
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

/// A workload's HTTP route through a GKE Gateway: the spec's Gateway
/// `<metadata.name>-<gateway>` of that kind (one plain-HTTP listener on
/// port 80, for routes of the workload namespace; its address is in the
/// Gateway's status once GKE has made the load balancer), an HTTPRoute
/// `<workload>` to the workload's Service, and, with `health`, a
/// HealthCheckPolicy that makes the load balancer's health check ask the
/// `health` path (without it, GKE's default health check asks `/` on the
/// routed port, which a model server may not answer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Route {
    /// `internal`: a regional internal application load balancer (GKE's
    /// `gke-l7-rilb` class) with an address of the VPC; it needs the
    /// region's proxy-only subnet (see `gcp.proxySubnet`). `external`: a
    /// global external application load balancer
    /// (`gke-l7-global-external-managed`) with an Internet address.
    #[schemars(extend("examples" = ["internal"]))]
    pub gateway: GatewayKind,
    /// The workload's port the route sends to, by name or number (TCP).
    /// Default: the `health` port, else the only port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["http"]))]
    pub port: Option<PortRef>,
    /// Path prefixes routed to the workload (Gateway API `PathPrefix`
    /// matches: `/v1` takes `/v1` and `/v1/chat`, not `/v10`). Default: `/`,
    /// every path. Two workloads on one Gateway may not share a host and a path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("examples" = [["/v1"]]))]
    pub paths: Vec<String>,
    /// Host names the route answers (the HTTP `Host` header; `*.example.com`
    /// for every name under example.com, not example.com itself). Default:
    /// every host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("examples" = [["llm.example.com"]]))]
    pub hosts: Vec<String>,
    /// GKE Inference Gateway's model-aware routing: the HTTPRoute sends to
    /// an InferencePool `<workload>` (`inference.networking.k8s.io/v1`) of
    /// the workload's serving pods (a group's leaders) on the routed port,
    /// and an endpoint picker `<workload>-epp` (Deployment, Service,
    /// ServiceAccount, Role) picks the pod for each request from the model
    /// servers' metrics (queue length, KV-cache use, read from `/metrics` on
    /// the routed port, as vLLM serves them). Internal Gateways only.
    /// Default: false, the Gateway balances over the Service's pods.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[schemars(extend("examples" = [true]))]
    pub inference_pool: bool,
}

/// Which GKE Gateway a route goes through.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum GatewayKind {
    /// Regional internal application load balancer (`gke-l7-rilb`).
    #[default]
    Internal,
    /// Global external application load balancer (`gke-l7-global-external-managed`).
    External,
}

impl GatewayKind {
    pub const ALL: [GatewayKind; 2] = [GatewayKind::Internal, GatewayKind::External];

    pub fn as_str(self) -> &'static str {
        match self {
            GatewayKind::Internal => "internal",
            GatewayKind::External => "external",
        }
    }
}

/// A Kueue queue over some node pools: a ClusterQueue `<metadata.name>-<name>`
/// with one ResourceFlavor per pool, and a LocalQueue `<name>` in the
/// workload namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Queue {
    /// The queue's name (a DNS-1035 label): the LocalQueue's, and what workloads name in `queue`.
    #[schemars(extend("examples" = ["train"]))]
    pub name: String,
    /// The node pools whose capacity the queue hands out, in order; at least one.
    #[schemars(extend("examples" = [["h100"]]))]
    pub pools: Vec<String>,
    /// How much of each pool the queue's admitted jobs may use at once.
    /// Each resource left out gets the pool's maximum size (its largest node
    /// count, `autoscaling.max` or `nodes`, per zone, x the zones, x what one node has).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [{"gpus": 32}]))]
    pub quota: Option<Quota>,
}

/// A queue's nominal quota, per pool of the queue (each pool's
/// ResourceFlavor gets these amounts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Quota {
    /// GPUs (nvidia.com/gpu). Default: the pool's GPUs at its largest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1000000), extend("examples" = [32]))]
    pub gpus: Option<u32>,
    /// TPU chips (google.com/tpu). Default: the pool's chips at its largest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1000000), extend("examples" = [64]))]
    pub tpus: Option<u32>,
    /// CPUs (Kubernetes quantity). Default: the pool's vCPUs at its largest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Quantity>", extend("examples" = ["720"]))]
    pub cpu: Option<String>,
    /// Memory (Kubernetes quantity). Default: the pool's memory at its largest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Quantity>", extend("examples" = ["7000Gi"]))]
    pub memory: Option<String>,
    /// Ephemeral storage (Kubernetes quantity), covered when a queued pod
    /// requests it. Default: the pool's boot disks at its largest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Quantity>", extend("examples" = ["800Gi"]))]
    pub ephemeral_storage: Option<String>,
}

/// A queued job's priority: the WorkloadPriorityClass
/// `<metadata.name>-<priority>` podwire creates. Priority orders admission
/// within a queue; podwire does not let a job preempt another.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Value 100.
    Low,
    /// Value 1000.
    Normal,
    /// Value 10000.
    High,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Priority::Low, Priority::Normal, Priority::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
        }
    }

    /// The WorkloadPriorityClass's value (the variants' docs say the same).
    pub fn value(self) -> i32 {
        match self {
            Priority::Low => 100,
            Priority::Normal => 1000,
            Priority::High => 10000,
        }
    }
}

/// A long-running workload's HTTP health endpoint. The startup probe gives
/// the server `startupTimeout` to come up (a model server loads for
/// minutes); then readiness (is the pod in the Services and load balancers)
/// and liveness (is it restarted) ask the same endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Health {
    /// HTTP path that answers 2xx or 3xx once the server serves (vLLM, TGI: `/health`; Triton: `/v2/health/ready`).
    #[schemars(extend("examples" = ["/health"]))]
    pub path: String,
    /// The workload's port, by name or number (TCP). Default: its only port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["http"]))]
    pub port: Option<PortRef>,
    /// How long the server may take to start before it is restarted: `90s`, `20m`, `1h30m`. Default: 30m, for a model server that downloads and loads weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Scalar>", extend("default" = "30m", "examples" = ["20m"]))]
    pub startup_timeout: Option<String>,
}

/// Pod autoscaling: an autoscaling/v2 HorizontalPodAutoscaler on the
/// workload's Deployment or StatefulSet, on exactly one of `cpu` and
/// `metric`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Autoscale {
    /// Fewest pods (at least 1), and the count the workload starts with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100000), extend("default" = 1, "examples" = [1]))]
    pub min: Option<u32>,
    /// Most pods; the pool should be able to hold them.
    #[schemars(range(min = 1, max = 100000), extend("examples" = [4]))]
    pub max: u32,
    /// Target average CPU use, in percent of `resources.cpu` (which it needs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000), extend("examples" = [70]))]
    pub cpu: Option<u32>,
    /// Target of a metric the pods serve in the Prometheus format, scraped by Google Cloud Managed Service for Prometheus and read through the Custom Metrics Stackdriver Adapter (which must be installed in the cluster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [{"name": "vllm:num_requests_waiting", "target": 10}]))]
    pub metric: Option<Metric>,
}

/// A per-pod Prometheus gauge to autoscale on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metric {
    /// Prometheus metric name of a gauge: vLLM `vllm:num_requests_waiting`, TGI `tgi_queue_size`, JetStream `jetstream_prefill_backlog_size`.
    #[schemars(extend("examples" = ["vllm:num_requests_waiting"]))]
    pub name: String,
    /// Average value per pod to keep the metric at (a Kubernetes quantity).
    #[schemars(with = "Quantity", extend("examples" = [10]))]
    pub target: String,
    /// Port serving the metrics, by name or number. Default: the `health` port, else the only port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["http"]))]
    pub port: Option<PortRef>,
    /// HTTP path of the metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "/metrics", "examples" = ["/metrics"]))]
    pub path: Option<String>,
}

/// A PodDisruptionBudget over the workload's pods: exactly one of
/// `maxUnavailable` and `minAvailable`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Disruption {
    /// Pods that may be evicted at once: a count or a percentage (`25%`, rounded up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [1]))]
    pub max_unavailable: Option<Budget>,
    /// Pods that must stay available: a count or a percentage (`50%`, rounded up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = [2]))]
    pub min_available: Option<Budget>,
}

/// A number of pods, or a percentage of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Budget {
    Count(#[schemars(range(min = 0, max = 100000))] u32),
    Percent(#[schemars(regex(pattern = r"^[0-9]{1,3}%$"))] String),
}

/// One end of a connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Endpoint {
    /// A workload's name, or `internet` (anything outside the cluster).
    Name(String),
    /// Addresses outside the cluster.
    #[schemars(extend("additionalProperties" = false))]
    Cidr {
        /// An IPv4 or IPv6 CIDR.
        cidr: String,
    },
    /// Every pod of another namespace.
    #[schemars(extend("additionalProperties" = false))]
    Namespace {
        /// The namespace's name.
        namespace: String,
    },
}

/// A port by name (of the target workload) or by number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PortRef {
    Number(#[schemars(range(min = 1, max = 65535))] u16),
    Name(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Connection {
    /// Where the traffic comes from: a workload, `internet`, `{cidr}` or `{namespace}`.
    #[schemars(extend("examples" = ["server"]))]
    pub from: Endpoint,
    /// Where it goes: a workload, `internet`, `{cidr}` or `{namespace}`.
    #[schemars(extend("examples" = ["trainer"]))]
    pub to: Endpoint,
    /// Ports by name or number. Omitted: all of the target workload's ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("examples" = [["metrics", 443]]))]
    pub ports: Vec<PortRef>,
}

/// The JSON Schema of the whole language: the published schema (`podwire
/// schema`), the rules the decoder checks against and the source of the
/// reference documentation.
pub fn json_schema() -> serde_json::Value {
    schema().clone()
}

/// [`json_schema`], generated once.
pub(crate) fn schema() -> &'static serde_json::Value {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut schema = schemars::schema_for!(Spec).to_value();
        if let Some(o) = schema.as_object_mut() {
            o.insert(
                "$id".into(),
                "https://podwire.dev/schema/v1alpha1.json".into(),
            );
        }
        schema
    })
}

/// Follows a schema's `$ref`s into the root's `$defs` (the decoder and the
/// reference generator read the same schema the same way). The language's
/// schema has no reference cycles; the bound keeps a broken one from looping.
pub(crate) fn resolve_ref<'s>(
    defs: Option<&'s serde_json::Map<String, serde_json::Value>>,
    mut schema: &'s serde_json::Value,
) -> &'s serde_json::Value {
    for _ in 0..8 {
        let Some(name) = schema
            .get("$ref")
            .and_then(serde_json::Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
        else {
            break;
        };
        match defs.and_then(|d| d.get(name)) {
            Some(target) => schema = target,
            None => break,
        }
    }
    schema
}
