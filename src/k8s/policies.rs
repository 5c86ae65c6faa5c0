//! The NetworkPolicies: a namespace-wide default deny, and per workload
//! exactly the declared flows, peer traffic, DNS and the metadata server.

use super::objects::{labels, s, Lower, Object};
use crate::model::{End, Flow, GatewayKind, Kind, Model, ScaleOn, Workload, LWS_GROUP_INDEX_LABEL};
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// What `to: internet` does not reach: the RFC 1918 private ranges and
/// 100.64.0.0/10 (shared address space, which GKE may use for pods and
/// Services), so the rule cannot reach anything inside the cluster or the
/// VPC; and link-local 169.254.0.0/16, where the node's metadata server
/// hands out the node's credentials (it is reachable only through its own
/// rule, with Workload Identity on).
pub const INTERNET_EXCEPT: &[&str] = &[
    "10.0.0.0/8",
    "100.64.0.0/10",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
];

/// Where GKE runs Managed Service for Prometheus' managed collectors.
const GMP_NAMESPACE: &str = "gmp-system";

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

    /// Workload `i`'s policies: one, or for a LeaderWorkerSet its own
    /// (egress of every pod), its leaders' (the ingress: only leaders
    /// serve) and one per group (see [`group_policies`]).
    pub(super) fn policies(&self, lw: &Lower, i: usize, out: &mut dyn FnMut(Object)) {
        let none: &[&Flow] = &[];
        let incoming = self.incoming.get(i).map_or(none, Vec::as_slice);
        let outgoing = self.outgoing.get(i).map_or(none, Vec::as_slice);
        let w = &lw.m.workloads[i];
        let mut p = policy(lw, w, incoming, outgoing);
        if w.kind != Kind::LeaderWorkerSet {
            out(Object::NetworkPolicy(p));
            return;
        }
        let ingress = p.spec.as_mut().and_then(|s| s.ingress.replace(Vec::new()));
        out(Object::NetworkPolicy(p));
        out(Object::NetworkPolicy(NetworkPolicy {
            metadata: lw.wl_meta(&leaders_policy(w), w),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(LabelSelector {
                    match_labels: Some(Lower::serving_selector(w)),
                    ..Default::default()
                }),
                policy_types: Some(vec![s("Ingress")]),
                ingress,
                ..Default::default()
            }),
        }));
        group_policies(lw, w, out);
    }
}

/// The name of a LeaderWorkerSet's leaders' NetworkPolicy.
pub(super) fn leaders_policy(w: &Workload) -> String {
    format!("{}-leaders", w.name)
}

/// The name of the NetworkPolicy of group `g` of a LeaderWorkerSet.
pub(super) fn group_policy(w: &Workload, g: u32) -> String {
    format!("{}-group-{g}", w.name)
}

/// The pods of group `g` of LeaderWorkerSet `w`.
fn group_pods(w: &Workload, g: u32) -> LabelSelector {
    let mut l = Lower::selector(w);
    l.insert(s(LWS_GROUP_INDEX_LABEL), g.to_string());
    LabelSelector {
        match_labels: Some(l),
        ..Default::default()
    }
}

/// One policy per group a LeaderWorkerSet may have (`max_groups`): the
/// group's pods reach each other on every port and protocol (a framework
/// such as Ray or NCCL opens ports of its own choosing), and no pod of
/// another group. NetworkPolicy cannot say "the same group as this pod",
/// so each group gets its own selector on LeaderWorkerSet's group-index
/// label.
fn group_policies(lw: &Lower, w: &Workload, out: &mut dyn FnMut(Object)) {
    for g in 0..w.max_groups() {
        let peer = NetworkPolicyPeer {
            pod_selector: Some(group_pods(w, g)),
            ..Default::default()
        };
        out(Object::NetworkPolicy(NetworkPolicy {
            metadata: lw.wl_meta(&group_policy(w, g), w),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(group_pods(w, g)),
                policy_types: Some(vec![s("Ingress"), s("Egress")]),
                ingress: Some(vec![NetworkPolicyIngressRule {
                    from: Some(vec![peer.clone()]),
                    ..Default::default()
                }]),
                egress: Some(vec![NetworkPolicyEgressRule {
                    to: Some(vec![peer]),
                    ..Default::default()
                }]),
            }),
        }));
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

/// What a routed workload admits from its Gateway (GKE's Gateways send
/// to the pods directly, through NEGs, so the sources are the load
/// balancer's): an internal Gateway's proxies from the proxy-only subnet,
/// the global external one's front ends from Google's ranges, each on the
/// routed port only; and Google's health checkers, from the same ranges,
/// on the port the health check asks (the `health` port, else the routed
/// one). Nothing else of those ranges.
fn gateway_ingress(m: &Model, w: &Workload, ingress: &mut Vec<NetworkPolicyIngressRule>) {
    let Some(r) = &w.route else { return };
    let routed = [(r.port_number, crate::spec::Protocol::Tcp)];
    let checked = super::gateway::health_port(w).unwrap_or(r.port_number);
    let google = || {
        super::gateway::HEALTH_CHECK_RANGES
            .iter()
            .map(|c| ip_block(c, &[]))
            .collect::<Vec<_>>()
    };
    // The endpoint picker reads the model servers' metrics on the routed
    // port (the chart's `targetPortNumber ... used to scrape metrics`).
    if super::inference::pooled(w) {
        ingress.push(NetworkPolicyIngressRule {
            from: Some(vec![epp_pods(w)]),
            ports: np_ports(&routed),
        });
    }
    match r.gateway {
        GatewayKind::Internal => {
            if let Some(subnet) = &m.proxy_subnet {
                ingress.push(NetworkPolicyIngressRule {
                    from: Some(vec![ip_block(subnet, &[])]),
                    ports: np_ports(&routed),
                });
            }
            ingress.push(NetworkPolicyIngressRule {
                from: Some(google()),
                ports: np_ports(&[(checked, crate::spec::Protocol::Tcp)]),
            });
        }
        GatewayKind::External => {
            let mut ports = routed.to_vec();
            if checked != r.port_number {
                ports.push((checked, crate::spec::Protocol::Tcp));
            }
            ingress.push(NetworkPolicyIngressRule {
                from: Some(google()),
                ports: np_ports(&ports),
            });
        }
    }
}

/// The pods of `w`'s endpoint picker.
fn epp_pods(w: &Workload) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        pod_selector: Some(LabelSelector {
            match_labels: Some(super::inference::epp_selector(w)),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Where the API server is, for the endpoint picker's watches: its
/// address is GKE's (the control plane's public or private endpoint,
/// reached through the `kubernetes` Service, whose translation happens
/// before the policy sees the packet), not the spec's, so the picker may
/// reach any address, on the API server's port 443 only.
pub const API_SERVER_PORT: u16 = 443;

/// The policy of routed workload `w`'s endpoint picker (GKE Inference
/// Gateway): in, the internal Gateway's proxies (the proxy-only subnet)
/// on the ext-proc port; out, the model servers (the pool's pods) on the
/// routed port, where they serve their metrics, and the API server (see
/// [`API_SERVER_PORT`]). Nothing else: the picker needs no DNS (it finds
/// the API server by the environment's address) nor the metadata server.
pub(super) fn epp_policy(lw: &Lower, w: &Workload, out: &mut dyn FnMut(Object)) {
    let (true, Some(r)) = (super::inference::pooled(w), &w.route) else {
        return;
    };
    let tcp = |p: u16| np_ports(&[(p, crate::spec::Protocol::Tcp)]);
    let ingress =
        lw.m.proxy_subnet
            .iter()
            .map(|subnet| NetworkPolicyIngressRule {
                from: Some(vec![ip_block(subnet, &[])]),
                ports: tcp(super::inference::EXT_PROC_PORT),
            })
            .collect();
    let egress = vec![
        NetworkPolicyEgressRule {
            to: Some(vec![NetworkPolicyPeer {
                pod_selector: Some(LabelSelector {
                    match_labels: Some(Lower::serving_selector(w)),
                    ..Default::default()
                }),
                ..Default::default()
            }]),
            ports: tcp(r.port_number),
        },
        NetworkPolicyEgressRule {
            to: Some(vec![ip_block("0.0.0.0/0", &[])]),
            ports: tcp(API_SERVER_PORT),
        },
    ];
    out(Object::NetworkPolicy(NetworkPolicy {
        metadata: lw.meta(
            &super::inference::epp_name(w),
            &[("app.kubernetes.io/name", &super::inference::epp_name(w))],
        ),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(super::inference::epp_selector(w)),
                ..Default::default()
            }),
            policy_types: Some(vec![s("Ingress"), s("Egress")]),
            ingress: Some(ingress),
            egress: Some(egress),
        }),
    }));
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
    // Managed Service for Prometheus' collectors (the `collector` pods of
    // `gmp-system`, which scrape the pods of their own node) read the
    // metric the workload autoscales on, on its port only.
    if let Some(ScaleOn::Metric(metric)) = w.autoscale.as_ref().map(|a| &a.target) {
        if let Some(p) = w.ports.iter().find(|p| p.name == metric.port) {
            ingress.push(NetworkPolicyIngressRule {
                from: Some(vec![NetworkPolicyPeer {
                    namespace_selector: Some(LabelSelector {
                        match_labels: Some(labels(&[(
                            "kubernetes.io/metadata.name",
                            GMP_NAMESPACE,
                        )])),
                        ..Default::default()
                    }),
                    pod_selector: Some(LabelSelector {
                        match_labels: Some(labels(&[("app.kubernetes.io/name", "collector")])),
                        ..Default::default()
                    }),
                    ..Default::default()
                }]),
                ports: np_ports(&[(p.port, p.protocol)]),
            });
        }
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
        let ports = flow_ports(f, Some(w));
        // `ports` omitted means all the target's ports: a target that
        // declares none admits nothing (a rule without ports would admit
        // every port and protocol).
        if ports.is_empty() {
            continue;
        }
        ingress.push(NetworkPolicyIngressRule {
            from: Some(vec![peer]),
            ports: np_ports(&ports),
        });
    }
    gateway_ingress(m, w, &mut ingress);
    for f in outgoing {
        let (peer, target) = match &f.to {
            End::Workload(i) => (pods_of(&m.workloads[*i]), Some(&m.workloads[*i])),
            End::Internet => (ip_block("0.0.0.0/0", INTERNET_EXCEPT), None),
            End::Cidr(c) => (ip_block(c, &[]), None),
            End::Namespace(n) => (namespace_peer(n), None),
        };
        let ports = flow_ports(f, target);
        // As above: to a workload without ports, nothing; to addresses
        // outside the cluster with `ports` omitted, every port.
        if ports.is_empty() && target.is_some() {
            continue;
        }
        egress.push(NetworkPolicyEgressRule {
            to: Some(vec![peer]),
            ports: np_ports(&ports),
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

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// A spec with workloads `a` (TCP 8000) and `b` (UDP and TCP 5353 under
    /// two names, TCP 9000) and the given connections.
    fn spec(workload_identity: bool, connections: &str) -> String {
        format!(
            "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: t}}\n\
             gcp: {{project: my-project, location: us-central1-a}}\n\
             cluster:\n  workloadIdentity: {workload_identity}\n  nodePools:\n    - {{name: p, machineType: n2-standard-8}}\n\
             workloads:\n\
             \x20 - {{name: a, image: r/a:1, run: service, ports: [{{name: http, port: 8000}}]}}\n\
             \x20 - name: b\n    image: r/b:1\n    run: service\n    ports:\n\
             \x20     - {{name: dns-udp, port: 5353, protocol: UDP}}\n\
             \x20     - {{name: dns-tcp, port: 5353, protocol: TCP}}\n\
             \x20     - {{name: api, port: 9000}}\n\
             connections:\n{connections}"
        )
    }

    /// The generated NetworkPolicies of a spec, as JSON.
    fn policies(src: &str) -> Vec<Value> {
        let a = crate::analyze(src);
        let Some(m) = a.model else {
            panic!("compiles: {:?}\n{src}", a.diagnostics)
        };
        super::super::objects(&m)
            .iter()
            .map(|o| o.to_json())
            .filter(|o| o["kind"] == "NetworkPolicy")
            .collect()
    }

    fn ip(text: &str) -> u32 {
        let parts: Vec<u32> = text.split('.').filter_map(|p| p.parse().ok()).collect();
        assert_eq!(parts.len(), 4, "{text}");
        parts.iter().fold(0, |acc, p| (acc << 8) | p)
    }

    fn in_cidr(addr: u32, cidr: &str) -> bool {
        let (base, bits) = cidr.split_once('/').unwrap_or((cidr, "32"));
        let bits: u32 = bits.parse().unwrap_or(32);
        let mask = if bits == 0 {
            0
        } else {
            u32::MAX << (32 - bits)
        };
        addr & mask == ip(base) & mask
    }

    /// Whether the egress rules of `policy` let its pods send to `addr` on
    /// `port`/`protocol`: an independent reading of the NetworkPolicy
    /// semantics for ipBlock peers (pod and namespace selectors never match
    /// an address outside the cluster).
    fn egress_allows(policy: &Value, addr: &str, port: i64, protocol: &str) -> bool {
        let addr = ip(addr);
        let rules = policy["spec"]["egress"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        rules.iter().any(|rule| {
            let peer_ok = rule["to"].as_array().is_some_and(|peers| {
                peers.iter().any(|p| {
                    let b = &p["ipBlock"];
                    b["cidr"].as_str().is_some_and(|c| in_cidr(addr, c))
                        && !b["except"].as_array().is_some_and(|ex| {
                            ex.iter().any(|e| in_cidr(addr, e.as_str().unwrap_or("")))
                        })
                })
            });
            let port_ok = match rule["ports"].as_array() {
                None => true,
                Some(ports) => ports.iter().any(|p| {
                    p["port"].as_i64() == Some(port)
                        && p["protocol"].as_str().unwrap_or("TCP") == protocol
                }),
            };
            peer_ok && port_ok
        })
    }

    const INSIDE: &[&str] = &[
        "10.0.0.0",
        "10.255.255.255",
        "10.4.2.1",
        "172.16.0.0",
        "172.31.255.255",
        "172.20.1.1",
        "192.168.0.0",
        "192.168.255.255",
        "100.64.0.0",
        "100.127.255.255",
        "100.100.1.1",
        "169.254.0.0",
        "169.254.169.254",
        "169.254.169.252",
        "169.254.255.255",
    ];
    const OUTSIDE: &[&str] = &[
        "8.8.8.8",
        "1.1.1.1",
        "9.255.255.255",
        "11.0.0.0",
        "100.63.255.255",
        "100.128.0.0",
        "169.253.255.255",
        "169.255.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "192.167.255.255",
        "192.169.0.0",
        "142.250.1.1",
    ];

    #[test]
    fn internet_egress_reaches_outside_the_cluster_only() {
        for wi in [true, false] {
            for conn in [
                "  - {from: a, to: internet}\n",
                "  - {from: a, to: internet, ports: [443]}\n",
                "  - {from: a, to: internet, ports: [80, 443, 988]}\n",
            ] {
                let src = spec(wi, conn);
                let all = policies(&src);
                let a = all
                    .iter()
                    .find(|p| p["metadata"]["name"] == "a")
                    .unwrap_or_else(|| panic!("policy of a"));
                for port in [443, 80, 988] {
                    let declared = !conn.contains("ports") || conn.contains(&format!("{port}"));
                    for addr in OUTSIDE {
                        assert_eq!(
                            egress_allows(a, addr, port, "TCP"),
                            declared,
                            "{addr}:{port} {conn}"
                        );
                    }
                    for addr in INSIDE {
                        let metadata = wi
                            && ((*addr == "169.254.169.254" && port == 80)
                                || (*addr == "169.254.169.252" && port == 988));
                        assert_eq!(
                            egress_allows(a, addr, port, "TCP"),
                            metadata,
                            "{addr}:{port} wi={wi} {conn}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_metadata_server_is_reachable_only_with_workload_identity() {
        for wi in [true, false] {
            let src = spec(wi, "  - {from: a, to: b, ports: [api]}\n");
            for p in policies(&src)
                .iter()
                .filter(|p| p["metadata"]["name"] != "default-deny")
            {
                for port in [80, 987, 988, 443, 8080] {
                    let on_254 = wi && port == 80;
                    let on_252 = wi && (port == 987 || port == 988);
                    assert_eq!(egress_allows(p, "169.254.169.254", port, "TCP"), on_254);
                    assert_eq!(egress_allows(p, "169.254.169.252", port, "TCP"), on_252);
                    assert!(!egress_allows(p, "169.254.169.254", port, "UDP"));
                    assert!(!egress_allows(p, "169.254.1.1", port, "TCP"));
                }
            }
        }
    }
}
