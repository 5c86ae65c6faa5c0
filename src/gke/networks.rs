//! Compute Engine v1 requests for the extra networks of GPUDirect pools
//! (`gke/networks.json`): `networks.insert`, then `subnetworks.insert`,
//! then `firewalls.insert`, in that order (each needs the one before); a
//! delete runs them backwards. Bodies are the discovery document's
//! `Network`, `Subnetwork` and `Firewall` (serde camelCase; the fields sent
//! here are strings, booleans and int32 numbers: none is an int64).
//!
//! The networks follow GKE's GPUDirect guides (see catalog::gpudirect):
//! custom subnet mode, the mode's MTU, one /24 per NIC, and an ingress rule
//! per regular network allowing tcp, udp and icmp only from the GPU
//! subnets' own ranges, i.e. from the cluster's nodes. RoCE networks get no
//! rule: the RDMA network profile allows traffic inside the network
//! implicitly and is reachable only from MRDMA NICs. NetworkPolicies do not
//! police these NICs.

use crate::model::{ExtraNetwork, Model, NetworkRole};
use serde::{Deserialize, Serialize};

/// Every request, in the order they are sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NetworkRequests {
    pub networks: Vec<Insert<Network>>,
    pub subnetworks: Vec<Insert<Subnetwork>>,
    pub firewalls: Vec<Insert<Firewall>>,
}

/// One insert: the collection's API path (below
/// `https://compute.googleapis.com/compute/v1/`) and the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Insert<T> {
    pub path: String,
    pub body: T,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Network {
    pub auto_create_subnetworks: bool,
    pub description: String,
    /// int32 in the discovery document: a JSON number.
    pub mtu: u32,
    pub name: String,
    /// `projects/P/global/networkProfiles/ZONE-vpc-roce` for RoCE networks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_profile: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Subnetwork {
    pub description: String,
    pub ip_cidr_range: String,
    pub name: String,
    /// `projects/P/global/networks/N`.
    pub network: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Firewall {
    pub allowed: Vec<Allowed>,
    pub description: String,
    pub direction: String,
    pub name: String,
    pub network: String,
    /// int32: a JSON number.
    pub priority: u32,
    pub source_ranges: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Allowed {
    #[serde(rename = "IPProtocol")]
    pub ip_protocol: String,
}

fn network_url(project: &str, name: &str) -> String {
    format!("projects/{project}/global/networks/{name}")
}

/// The requests for every extra network of the model's pools; None when no
/// pool has any (then there is no `gke/networks.json`).
pub fn network_requests(m: &Model) -> Option<NetworkRequests> {
    let mut out = NetworkRequests::default();
    let nets: Vec<(&str, &ExtraNetwork)> = m
        .pools
        .iter()
        .flat_map(|p| p.extra_networks.iter().map(move |n| (p.name.as_str(), n)))
        .collect();
    if nets.is_empty() {
        return None;
    }
    let project = &m.project;
    for (pool, n) in nets {
        let what = match n.role {
            NetworkRole::Gpu => "GPU NIC network",
            NetworkRole::Gvnic => "second gVNIC network",
            NetworkRole::Rdma => "RoCE network of the GPU NICs",
        };
        let description = format!(
            "podwire: {what} of node pool {pool} of cluster {}",
            m.cluster_name
        );
        out.networks.push(Insert {
            path: format!("projects/{project}/global/networks"),
            body: Network {
                auto_create_subnetworks: false,
                description: description.clone(),
                mtu: n.mtu,
                name: n.name.clone(),
                network_profile: n
                    .roce_zone
                    .as_ref()
                    .map(|z| format!("projects/{project}/global/networkProfiles/{z}-vpc-roce")),
            },
        });
        for (sub, range) in &n.subnets {
            out.subnetworks.push(Insert {
                path: format!("projects/{project}/regions/{}/subnetworks", m.region),
                body: Subnetwork {
                    description: description.clone(),
                    ip_cidr_range: range.clone(),
                    name: sub.clone(),
                    network: network_url(project, &n.name),
                },
            });
        }
        if let Some(fw) = &n.firewall {
            out.firewalls.push(Insert {
                path: format!("projects/{project}/global/firewalls"),
                body: Firewall {
                    allowed: ["tcp", "udp", "icmp"]
                        .iter()
                        .map(|p| Allowed {
                            ip_protocol: p.to_string(),
                        })
                        .collect(),
                    description: format!(
                        "podwire: only the nodes of pool {pool} of cluster {} reach each other here",
                        m.cluster_name
                    ),
                    direction: "INGRESS".into(),
                    name: fw.clone(),
                    network: network_url(project, &n.name),
                    priority: 1000,
                    source_ranges: n.subnets.iter().map(|s| s.1.clone()).collect(),
                },
            });
        }
    }
    Some(out)
}
