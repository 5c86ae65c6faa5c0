//! Connections: the only traffic the NetworkPolicies allow, between
//! workloads, addresses outside the cluster and other namespaces.

use super::PortRef;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
