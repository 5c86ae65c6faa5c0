//! The Kubernetes side of GPUDirect multi-networking, typed: one
//! `GKENetworkParamSet` and one `Network` (networking.gke.io/v1,
//! cluster-scoped) per extra NIC of a GPUDirect pool, and the pod
//! annotations that attach a pod to them (`networking.gke.io/default-interface`,
//! `networking.gke.io/interfaces`), as GKE's GPUDirect guides write them
//! (see catalog::gpudirect for the sources).
//!
//! k8s::order emits the objects (after the namespace, before the
//! workloads); k8s::gpudirect puts the annotations on the pods.
//!
//! Fields as Google's published manifests write them: the GKE guides'
//! `GKENetworkParamSet` (`vpc`, `vpcSubnet`, `deviceMode`) and `Network`
//! (`type: Device`, `parametersRef` {group, kind, name}) objects, which
//! gpudirect-tcpx*/gpudirect-rdma manifests refer to by name in the pods'
//! `networking.gke.io/interfaces` (see catalog::gpudirect, `TCPX-GUIDE`,
//! `RDMA-GUIDE`). The CRDs are GKE's own (not in shared/crds); the test
//! below holds the fields to that shape.

use crate::model::{NetworkRole, Pool};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const API_VERSION: &str = "networking.gke.io/v1";
pub const DEFAULT_INTERFACE: &str = "networking.gke.io/default-interface";
pub const INTERFACES: &str = "networking.gke.io/interfaces";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GkeNetworkParamSet {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: GkeNetworkParamSetSpec,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GkeNetworkParamSetSpec {
    pub vpc: String,
    pub vpc_subnet: String,
    /// `NetDevice` (a NIC moved into the pod: TCPX, TCPXO, the extra gVNIC)
    /// or `RDMA` (a CX-7 NIC).
    pub device_mode: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Network {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: NetworkSpec,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkSpec {
    /// `Device`: the pod gets the node's NIC itself.
    #[serde(rename = "type")]
    pub kind: String,
    pub parameters_ref: ParametersRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParametersRef {
    pub group: String,
    pub kind: String,
    pub name: String,
}

/// One entry of `networking.gke.io/interfaces`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Interface {
    pub interface_name: String,
    pub network: String,
}

/// The (param set, network) pairs of a pool, one per extra NIC, in NIC
/// order; each named after its subnet (a Compute name, so a valid
/// Kubernetes name, unique in the cluster).
pub fn objects(p: &Pool) -> Vec<(GkeNetworkParamSet, Network)> {
    p.extra_networks
        .iter()
        .flat_map(|n| {
            let mode = match n.role {
                NetworkRole::Gpu | NetworkRole::Gvnic => "NetDevice",
                NetworkRole::Rdma => "RDMA",
            };
            n.subnets.iter().map(move |(sub, _)| {
                let meta = ObjectMeta {
                    name: Some(sub.clone()),
                    ..Default::default()
                };
                (
                    GkeNetworkParamSet {
                        api_version: API_VERSION.into(),
                        kind: "GKENetworkParamSet".into(),
                        metadata: meta.clone(),
                        spec: GkeNetworkParamSetSpec {
                            vpc: n.name.clone(),
                            vpc_subnet: sub.clone(),
                            device_mode: mode.into(),
                        },
                    },
                    Network {
                        api_version: API_VERSION.into(),
                        kind: "Network".into(),
                        metadata: meta,
                        spec: NetworkSpec {
                            kind: "Device".into(),
                            parameters_ref: ParametersRef {
                                group: "networking.gke.io".into(),
                                kind: "GKENetworkParamSet".into(),
                                name: sub.clone(),
                            },
                        },
                    },
                )
            })
        })
        .collect()
}

/// The pod annotations of a pod on GPUDirect pool `p`: eth0 on the pod
/// network (`default`), eth1.. on the extra NICs in order. Empty for a pool
/// without extra networks.
pub fn pod_annotations(p: &Pool) -> BTreeMap<String, String> {
    let objs = objects(p);
    if objs.is_empty() {
        return BTreeMap::new();
    }
    let interfaces: Vec<Interface> = std::iter::once("default".to_string())
        .chain(objs.into_iter().filter_map(|(_, n)| n.metadata.name))
        .enumerate()
        .map(|(i, network)| Interface {
            interface_name: format!("eth{i}"),
            network,
        })
        .collect();
    let mut a = BTreeMap::new();
    a.insert(DEFAULT_INTERFACE.to_string(), "eth0".to_string());
    // A Vec of plain string structs always serializes.
    a.insert(
        INTERFACES.to_string(),
        serde_json::to_string(&interfaces).unwrap_or_default(),
    );
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(machine: &str) -> Pool {
        let src = format!("apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: c}}\ngcp: {{project: my-project, location: us-central1-a}}\ncluster:\n  nodePools:\n    - {{name: p, machineType: {machine}, nodes: 2, gpuDirect: true}}\nworkloads:\n  - {{name: w, image: t, gpus: 8}}\n");
        let a = crate::analyze(&src);
        match a.model {
            Some(m) => m.pools[0].clone(),
            None => panic!("{:#?}", a.diagnostics),
        }
    }

    #[test]
    fn one_pair_per_nic_with_the_guides_device_modes() {
        let o = objects(&pool("a3-megagpu-8g"));
        assert_eq!(o.len(), 8);
        assert_eq!(o[0].0.spec.vpc, "c-p-net-0");
        assert_eq!(o[0].0.spec.vpc_subnet, "c-p-sub-0");
        assert!(o.iter().all(|(ps, n)| ps.spec.device_mode == "NetDevice"
            && n.spec.kind == "Device"
            && Some(&n.spec.parameters_ref.name) == ps.metadata.name.as_ref()));
        let r = objects(&pool("a4-highgpu-8g"));
        assert_eq!(r.len(), 9);
        assert_eq!(r[0].0.spec.device_mode, "NetDevice");
        assert_eq!(r[0].0.spec.vpc, "c-p-gvnic-net");
        assert!(r[1..]
            .iter()
            .all(|(ps, _)| ps.spec.device_mode == "RDMA" && ps.spec.vpc == "c-p-rdma-net"));
        let json = serde_json::to_value(&r[1].0).expect("json");
        assert_eq!(json["spec"]["vpcSubnet"], "c-p-rdma-sub-0");
        assert_eq!(
            serde_json::to_value(&r[1].1).expect("json")["spec"]["type"],
            "Device"
        );
    }

    /// The fields of Google's published objects (GKE's GPUDirect guides
    /// and the manifests that copy them: a `GKENetworkParamSet` with
    /// exactly `spec.vpc`, `spec.vpcSubnet`, `spec.deviceMode` of
    /// `NetDevice` or `RDMA`; a `Network` with `spec.type: Device` and
    /// `spec.parametersRef` {group, kind, name}); both cluster-scoped, so
    /// no namespace; names valid DNS-1123 labels.
    #[test]
    fn objects_have_exactly_the_fields_of_googles_manifests() {
        use serde_json::Value;
        let keys = |v: &Value| -> Vec<String> {
            let mut k: Vec<String> = v
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            k.sort();
            k
        };
        for machine in ["a3-highgpu-8g", "a3-megagpu-8g", "a4-highgpu-8g"] {
            for (ps, n) in objects(&pool(machine)) {
                let ps = serde_json::to_value(&ps).expect("json");
                let n = serde_json::to_value(&n).expect("json");
                for o in [&ps, &n] {
                    assert_eq!(keys(o), ["apiVersion", "kind", "metadata", "spec"]);
                    assert_eq!(o["apiVersion"], "networking.gke.io/v1");
                    assert!(o["metadata"]["namespace"].is_null());
                    let name = o["metadata"]["name"].as_str().unwrap_or_default();
                    assert!(
                        !name.is_empty()
                            && name.len() <= 63
                            && name
                                .bytes()
                                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                        "{name}"
                    );
                }
                assert_eq!(ps["kind"], "GKENetworkParamSet");
                assert_eq!(keys(&ps["spec"]), ["deviceMode", "vpc", "vpcSubnet"]);
                assert!(matches!(
                    ps["spec"]["deviceMode"].as_str(),
                    Some("NetDevice" | "RDMA")
                ));
                assert_eq!(n["kind"], "Network");
                assert_eq!(keys(&n["spec"]), ["parametersRef", "type"]);
                assert_eq!(n["spec"]["type"], "Device");
                assert_eq!(keys(&n["spec"]["parametersRef"]), ["group", "kind", "name"]);
                assert_eq!(n["spec"]["parametersRef"]["kind"], "GKENetworkParamSet");
                assert_eq!(n["spec"]["parametersRef"]["name"], ps["metadata"]["name"]);
            }
        }
    }

    #[test]
    fn annotations_name_every_interface_in_order() {
        let a = pod_annotations(&pool("a3-highgpu-8g"));
        assert_eq!(a[DEFAULT_INTERFACE], "eth0");
        let v: Vec<Interface> = serde_json::from_str(&a[INTERFACES]).expect("json");
        assert_eq!(v.len(), 5);
        assert_eq!(v[0].network, "default");
        assert_eq!(v[4].interface_name, "eth4");
        assert_eq!(v[4].network, "c-p-sub-3");
    }
}
