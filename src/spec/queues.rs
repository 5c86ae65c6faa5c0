//! Kueue queues over node pools, their quotas, and the priorities of the
//! jobs queued in them.

use super::Quantity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
