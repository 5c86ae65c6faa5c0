//! The GKE cluster and its node pools: release channel, machines and
//! accelerators, TPU slices, where the capacity comes from (spot,
//! flex-start, queued, reservations), disks, image streaming, taints and
//! GPUDirect.

use super::{text_map, Scalar};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
