//! Storage a workload mounts: Cloud Storage buckets (with the Cloud Storage
//! FUSE file cache that tunes them for model weights), existing
//! PersistentVolumeClaims and node-local scratch space.

use super::Quantity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
