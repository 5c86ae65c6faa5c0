//! The NetworkPolicies: a namespace-wide default deny, and per workload
//! exactly the declared flows, peer traffic, DNS and the metadata server.

use super::objects::{labels, s, Lower, Object};
use crate::model::{End, Flow, Model, Workload};
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// Private address ranges: excluded from `to: internet` so that the rule
/// cannot reach pods or Services inside the cluster.
pub const PRIVATE_RANGES: &[&str] = &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/// Name of the namespace-wide deny-all policy.
pub(super) const DEFAULT_DENY: &str = "default-deny";

/// Denies all traffic in the namespace; the per-workload policies allow
/// the declared flows.
pub(super) fn default_deny(lw: &Lower) -> Object {
    Object::NetworkPolicy(NetworkPolicy {
        metadata: lw.meta(DEFAULT_DENY, &[]),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector::default()),
            policy_types: Some(vec![s("Ingress"), s("Egress")]),
            ..Default::default()
        }),
    })
}

/// The flows into and out of each workload, indexed once so that the
/// policies stay linear in the spec.
pub(super) struct FlowIndex<'m> {
    incoming: Vec<Vec<&'m Flow>>,
    outgoing: Vec<Vec<&'m Flow>>,
}

impl<'m> FlowIndex<'m> {
    pub(super) fn new(m: &'m Model) -> Self {
        let mut incoming: Vec<Vec<&Flow>> = vec![Vec::new(); m.workloads.len()];
        let mut outgoing: Vec<Vec<&Flow>> = vec![Vec::new(); m.workloads.len()];
        for f in &m.flows {
            if let End::Workload(i) = f.to {
                incoming[i].push(f);
            }
            if let End::Workload(i) = f.from {
                outgoing[i].push(f);
            }
        }
        FlowIndex { incoming, outgoing }
    }

    /// Workload `i`'s policy.
    pub(super) fn policy(&self, lw: &Lower, i: usize) -> Object {
        let none: &[&Flow] = &[];
        let incoming = self.incoming.get(i).map_or(none, Vec::as_slice);
        let outgoing = self.outgoing.get(i).map_or(none, Vec::as_slice);
        Object::NetworkPolicy(policy(lw, &lw.m.workloads[i], incoming, outgoing))
    }
}

fn np_ports(ports: &[(u16, crate::spec::Protocol)]) -> Option<Vec<NetworkPolicyPort>> {
    (!ports.is_empty()).then(|| {
        ports
            .iter()
            .map(|(p, proto)| NetworkPolicyPort {
                port: Some(IntOrString::Int(i32::from(*p))),
                protocol: Some(s(proto.as_str())),
                ..Default::default()
            })
            .collect()
    })
}

fn pods_of(w: &Workload) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        pod_selector: Some(LabelSelector {
            match_labels: Some(Lower::selector(w)),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn ip_block(cidr: &str, except: &[&str]) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        ip_block: Some(IPBlock {
            cidr: s(cidr),
            except: (!except.is_empty()).then(|| except.iter().map(|e| s(e)).collect()),
        }),
        ..Default::default()
    }
}

fn namespace_peer(ns: &str) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        namespace_selector: Some(LabelSelector {
            match_labels: Some(labels(&[("kubernetes.io/metadata.name", ns)])),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The ports a flow allows: the declared ones, else all the target's.
fn flow_ports(f: &Flow, target: Option<&Workload>) -> Vec<(u16, crate::spec::Protocol)> {
    if !f.ports.is_empty() {
        return f.ports.clone();
    }
    target
        .map(|t| t.ports.iter().map(|p| (p.port, p.protocol)).collect())
        .unwrap_or_default()
}

fn policy(lw: &Lower, w: &Workload, incoming: &[&Flow], outgoing: &[&Flow]) -> NetworkPolicy {
    let m = lw.m;
    let mut ingress = Vec::new();
    let mut egress = Vec::new();
    if w.peers {
        ingress.push(NetworkPolicyIngressRule {
            from: Some(vec![pods_of(w)]),
            ..Default::default()
        });
        egress.push(NetworkPolicyEgressRule {
            to: Some(vec![pods_of(w)]),
            ..Default::default()
        });
    }
    // DNS.
    let tcp_udp = |port: i32| {
        ["UDP", "TCP"]
            .iter()
            .map(|p| NetworkPolicyPort {
                port: Some(IntOrString::Int(port)),
                protocol: Some(s(p)),
                ..Default::default()
            })
            .collect::<Vec<_>>()
    };
    egress.push(NetworkPolicyEgressRule {
        to: Some(vec![NetworkPolicyPeer {
            namespace_selector: Some(LabelSelector {
                match_labels: Some(labels(&[("kubernetes.io/metadata.name", "kube-system")])),
                ..Default::default()
            }),
            pod_selector: Some(LabelSelector {
                match_labels: Some(labels(&[("k8s-app", "kube-dns")])),
                ..Default::default()
            }),
            ..Default::default()
        }]),
        ports: Some(tcp_udp(53)),
    });
    if m.workload_identity {
        let tcp = |p: i32| NetworkPolicyPort {
            port: Some(IntOrString::Int(p)),
            protocol: Some(s("TCP")),
            ..Default::default()
        };
        egress.push(NetworkPolicyEgressRule {
            to: Some(vec![ip_block("169.254.169.252/32", &[])]),
            ports: Some(vec![tcp(987), tcp(988)]),
        });
        egress.push(NetworkPolicyEgressRule {
            to: Some(vec![ip_block("169.254.169.254/32", &[])]),
            ports: Some(vec![tcp(80)]),
        });
    }
    for f in incoming {
        let peer = match &f.from {
            End::Workload(i) => pods_of(&m.workloads[*i]),
            End::Internet => ip_block("0.0.0.0/0", &[]),
            End::Cidr(c) => ip_block(c, &[]),
            End::Namespace(n) => namespace_peer(n),
        };
        ingress.push(NetworkPolicyIngressRule {
            from: Some(vec![peer]),
            ports: np_ports(&flow_ports(f, Some(w))),
        });
    }
    for f in outgoing {
        let (peer, target) = match &f.to {
            End::Workload(i) => (pods_of(&m.workloads[*i]), Some(&m.workloads[*i])),
            End::Internet => (ip_block("0.0.0.0/0", PRIVATE_RANGES), None),
            End::Cidr(c) => (ip_block(c, &[]), None),
            End::Namespace(n) => (namespace_peer(n), None),
        };
        egress.push(NetworkPolicyEgressRule {
            to: Some(vec![peer]),
            ports: np_ports(&flow_ports(f, target)),
        });
    }
    NetworkPolicy {
        metadata: lw.wl_meta(&w.name, w),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(Lower::selector(w)),
                ..Default::default()
            }),
            policy_types: Some(vec![s("Ingress"), s("Egress")]),
            ingress: Some(ingress),
            egress: Some(egress),
        }),
    }
}
