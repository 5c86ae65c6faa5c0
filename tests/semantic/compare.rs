//! The comparison: what the manifests do (the `cluster` evaluator) against
//! what the spec declares (`expect`, from the design's rules), over every
//! pair of endpoints that involves a workload pod and every port of
//! interest, plus the Services, the pod DNS names and the rendezvous env.
//!
//! Where today's output disagrees with design.md, the finding carries the
//! name of a known deviation ([`KNOWN_DEVIATIONS`]) instead of being dropped:
//! the evaluator stays strict, and the list shrinks as the generator is
//! fixed. Every other finding fails the tests.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::Ipv4Addr;

use crate::cluster::{Cluster, Endpoint, Pod};
use crate::expect::{in_any, End, Expected, Framework, Subject};

/// Disagreements between today's output and design.md, each explained by
/// the rule that is being changed. The coordinator deletes an entry once
/// the change is merged; a test fails when an entry no longer occurs.
pub const KNOWN_DEVIATIONS: &[(&str, &str)] = &[];

/// The tag of a finding no known deviation explains.
const UNEXPLAINED: &str = "unexplained";

/// Findings grouped by tag (a known deviation, or [`UNEXPLAINED`]).
#[derive(Debug, Default)]
pub struct Findings {
    pub by_tag: BTreeMap<&'static str, Vec<String>>,
}

impl Findings {
    fn add(&mut self, tag: Option<&'static str>, msg: String) {
        self.by_tag
            .entry(tag.unwrap_or(UNEXPLAINED))
            .or_default()
            .push(msg);
    }

    pub fn unexplained(&self) -> &[String] {
        self.by_tag.get(UNEXPLAINED).map_or(&[], Vec::as_slice)
    }

    /// A short report: per tag the count and the first few messages.
    pub fn report(&self) -> String {
        let mut s = String::new();
        for (tag, msgs) in &self.by_tag {
            let _ = writeln!(s, "{tag}: {} finding(s)", msgs.len());
            for m in msgs.iter().take(8) {
                let _ = writeln!(s, "  {m}");
            }
        }
        s
    }
}

/// Addresses every comparison probes, beside those of the spec's CIDRs.
const ADDRESSES: &[&str] = &[
    "8.8.8.8",
    "203.0.113.9",
    "10.1.2.3",
    "172.16.5.4",
    "192.168.1.1",
    "100.64.0.1",
    "100.127.255.254",
    "169.254.169.254",
    "169.254.169.252",
    "169.254.1.1",
];

/// Ports every comparison probes, beside the spec's own.
const PORTS: &[u16] = &[1, 53, 80, 443, 987, 988, 8476, 29500];
const PROTOCOLS: &[&str] = &["TCP", "UDP", "SCTP"];

/// The name of the Managed Service for Prometheus collector pod.
const COLLECTOR: &str = "collector-x1";

/// The namespace of the pods that copy a workload's labels elsewhere.
const ELSEWHERE: &str = "elsewhere";

struct Probe {
    subject: Subject,
    endpoint: Endpoint,
    label: String,
}

/// Compare manifests (plain values) with the spec that made them.
pub fn compare(spec: &Value, objects: &[Value]) -> Result<Findings, String> {
    let exp = Expected::from_spec(spec)?;
    let mut cluster = Cluster::from_objects(objects)?;
    let mut findings = Findings::default();
    let ns = exp.namespace.clone();

    // Workload pods, found by the controller that made them.
    let mut probes: Vec<Probe> = Vec::new();
    for (wi, w) in exp.workloads.iter().enumerate() {
        let made: Vec<&Pod> = cluster
            .pods
            .iter()
            .filter(|p| p.namespace == ns && p.owner.as_ref().is_some_and(|o| o.name == w.name))
            .collect();
        let kinds: Vec<&str> = made
            .iter()
            .filter_map(|p| p.owner.as_ref().map(|o| o.kind.as_str()))
            .collect();
        if made.len() != w.replicas as usize {
            findings.add(
                None,
                format!(
                    "{}: {} pods, the spec says {}",
                    w.name,
                    made.len(),
                    w.replicas
                ),
            );
        }
        if let Some(k) = kinds.iter().find(|k| **k != w.kind) {
            let tag = (w.run_omitted && *k == "Job").then_some("run-omitted-is-a-job");
            findings.add(
                tag,
                format!("{} is a {k}, the spec makes a {}", w.name, w.kind),
            );
        }
        for i in 0..w.replicas {
            let at = cluster.pods.iter().position(|p| {
                p.namespace == ns
                    && p.owner
                        .as_ref()
                        .is_some_and(|o| o.name == w.name && o.index == i)
            });
            if let Some(at) = at {
                probes.push(Probe {
                    subject: Subject::Pod {
                        workload: wi,
                        index: i,
                    },
                    endpoint: Endpoint::Pod(at),
                    label: format!("{}[{i}]", w.name),
                });
            }
        }
    }

    // Pods podwire did not make: a stranger in the namespace, copies of each
    // workload's labels in another namespace, kube-dns and a neighbour in
    // kube-system, and a visitor in every namespace the connections name.
    // Managed Service for Prometheus' collector and its rule evaluator
    // (which scrapes nothing) in `gmp-system`.
    let mut others: Vec<(Pod, bool)> = vec![
        (Pod::bare("stranger", &ns, &[("app", "stranger")]), false),
        (
            Pod::bare("kube-dns-1", "kube-system", &[("k8s-app", "kube-dns")]),
            true,
        ),
        (
            Pod::bare(
                "metrics-server-1",
                "kube-system",
                &[("k8s-app", "metrics-server")],
            ),
            false,
        ),
        (
            Pod::bare(
                COLLECTOR,
                "gmp-system",
                &[("app.kubernetes.io/name", "collector")],
            ),
            false,
        ),
        (
            Pod::bare(
                "rule-evaluator-1",
                "gmp-system",
                &[("app.kubernetes.io/name", "rule-evaluator")],
            ),
            false,
        ),
    ];
    for w in &exp.workloads {
        if let Some(p) = cluster
            .pods
            .iter()
            .find(|p| p.namespace == ns && p.owner.as_ref().is_some_and(|o| o.name == w.name))
        {
            let mut copy = Pod::bare(&format!("{}-copy", w.name), ELSEWHERE, &[]);
            copy.labels = p.labels.clone();
            copy.ports = p.ports.clone();
            others.push((copy, false));
        }
    }
    for c in &exp.connections {
        for e in [&c.from, &c.to] {
            if let End::Namespace(n) = e {
                others.push((
                    Pod::bare(&format!("visitor-{n}"), n, &[("app", "visitor")]),
                    false,
                ));
            }
        }
    }
    for (pod, kube_dns) in others {
        let namespace = pod.namespace.clone();
        let label = format!("{}/{}", pod.namespace, pod.name);
        let collector = pod.name == COLLECTOR;
        let at = cluster.add_pod(pod);
        probes.push(Probe {
            subject: Subject::Other {
                namespace,
                kube_dns,
                collector,
            },
            endpoint: Endpoint::Pod(at),
            label,
        });
    }

    // Addresses, with the edges of every CIDR the spec names.
    let mut addresses: Vec<Ipv4Addr> = ADDRESSES.iter().filter_map(|a| a.parse().ok()).collect();
    for c in &exp.connections {
        for e in [&c.from, &c.to] {
            if let End::Cidr(b) = e {
                addresses.extend(
                    [Some(b.inside()), b.after(), b.before()]
                        .into_iter()
                        .flatten(),
                );
            }
        }
    }
    // And of every range a Gateway's sources come from.
    for (_, b, _) in &exp.gateway_sources {
        addresses.extend(
            [Some(b.inside()), b.after(), b.before()]
                .into_iter()
                .flatten(),
        );
    }
    addresses.sort();
    addresses.dedup();
    for ip in addresses {
        probes.push(Probe {
            subject: Subject::Ip(ip),
            endpoint: Endpoint::Ip(ip),
            label: ip.to_string(),
        });
    }

    let mut ports: Vec<u16> = PORTS.to_vec();
    for w in &exp.workloads {
        ports.extend(w.ports.iter().map(|p| p.port));
    }
    for c in &exp.connections {
        if let crate::expect::Ports::Only(list) = &c.ports {
            ports.extend(list.iter().map(|(p, _)| *p));
        }
    }
    ports.sort_unstable();
    ports.dedup();

    for a in &probes {
        for b in &probes {
            let involves_workload = matches!(a.subject, Subject::Pod { .. })
                || matches!(b.subject, Subject::Pod { .. });
            let same = a.endpoint == b.endpoint;
            let both_addresses =
                matches!(a.subject, Subject::Ip(_)) && matches!(b.subject, Subject::Ip(_));
            if !involves_workload || same || both_addresses {
                continue;
            }
            for &port in &ports {
                for &proto in PROTOCOLS {
                    let want = exp.allows(&a.subject, &b.subject, port, proto);
                    let got = cluster.can(a.endpoint, b.endpoint, port, proto);
                    if want != got {
                        let tag = classify(&exp, &a.subject, &b.subject, port, proto, got);
                        findings.add(
                            tag,
                            format!(
                                "{} -> {} {port}/{proto}: {} but the spec {}",
                                a.label,
                                b.label,
                                if got { "allowed" } else { "denied" },
                                if want { "declares it" } else { "does not" }
                            ),
                        );
                    }
                }
            }
        }
    }

    services(&exp, &cluster, &probes, &mut findings);
    rendezvous(&exp, &cluster, &probes, &mut findings);
    multislice(&exp, &cluster, &probes, &mut findings);
    groups(&exp, &cluster, &probes, &mut findings);
    for problem in crate::serving::check(spec, objects, &cluster, &exp) {
        findings.add(None, problem);
    }
    Ok(findings)
}

/// The known deviation, if any, that explains a reachability finding.
fn classify(
    exp: &Expected,
    from: &Subject,
    to: &Subject,
    port: u16,
    proto: &str,
    allowed: bool,
) -> Option<&'static str> {
    match (from, to, allowed) {
        (Subject::Pod { workload, .. }, Subject::Ip(ip), true)
            if in_any(*ip, &["100.64.0.0/10", "169.254.0.0/16"])
                && exp
                    .connections
                    .iter()
                    .any(|c| c.from == End::Workload(*workload) && c.to == End::Internet) =>
        {
            Some("to-internet-reaches-cgnat-and-link-local")
        }
        (_, Subject::Pod { workload, .. }, true)
            if exp.workloads[*workload].ports.is_empty()
                && exp.connections.iter().any(|c| {
                    c.ports_omitted
                        && c.to == End::Workload(*workload)
                        && exp.end_matches(&c.from, from, false)
                }) =>
        {
            Some("omitted-ports-to-a-portless-target-allow-every-port")
        }
        (_, Subject::Pod { workload, .. }, false) => {
            let t = &exp.workloads[*workload];
            let protocols = t.ports.iter().filter(|p| p.port == port).count();
            if protocols > 1
                && exp
                    .connections
                    .iter()
                    .any(|c| c.numbered && c.to == End::Workload(*workload))
            {
                return Some("numbered-port-allows-one-protocol");
            }
            match t.rendezvous {
                Some((_, r)) if r == port && proto == "TCP" && !t.rendezvous_declared => {
                    Some("rendezvous-reuses-a-declared-port")
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn pods_of(probes: &[Probe], workload: usize) -> Vec<usize> {
    let mut v: Vec<usize> = probes
        .iter()
        .filter_map(|p| match (&p.subject, p.endpoint) {
            (Subject::Pod { workload: w, .. }, Endpoint::Pod(i)) if *w == workload => Some(i),
            _ => None,
        })
        .collect();
    v.sort_unstable();
    v
}

fn pod_index(probes: &[Probe], workload: usize, index: u32) -> Option<usize> {
    probes.iter().find_map(|p| match (&p.subject, p.endpoint) {
        (
            Subject::Pod {
                workload: w,
                index: i,
            },
            Endpoint::Pod(at),
        ) if *w == workload && *i == index => Some(at),
        _ => None,
    })
}

/// Services: each one the spec implies exists, selects exactly the
/// workload's pods, and carries each of its ports to the right container
/// port; pod DNS names reach exactly their pod.
fn services(exp: &Expected, cluster: &Cluster, probes: &[Probe], findings: &mut Findings) {
    let ns = &exp.namespace;
    for (wi, w) in exp.workloads.iter().enumerate() {
        let all_pods = pods_of(probes, wi);
        // What the client Services reach: the pods that serve (a group's
        // leader only).
        let mut pods: Vec<usize> = (0..w.replicas)
            .filter(|&i| w.serves(i))
            .filter_map(|i| pod_index(probes, wi, i))
            .collect();
        pods.sort_unstable();
        let mut names: Vec<(String, Option<bool>)> = Vec::new();
        if let Some(s) = &w.service {
            names.push((s.clone(), None));
        }
        if let Some((lb, internal)) = &w.load_balancer {
            names.push((lb.clone(), Some(*internal)));
        }
        // LeaderWorkerSet's own headless Service of each group (named
        // after its leader, `<lws>-<group>`) is there with or without a
        // client Service; the pod names below check it.
        let group_services: Vec<String> = if w.group_size > 1 {
            (0..w.replicas / w.group_size)
                .map(|g| format!("{}-{g}", w.name))
                .collect()
        } else {
            Vec::new()
        };
        if names.is_empty() {
            for s in &cluster.services {
                if s.namespace == *ns && group_services.contains(&s.name) {
                    continue;
                }
                let mut sel = cluster.resolve(
                    &format!("{}.{}.svc.cluster.local", s.name, s.namespace),
                    true,
                );
                sel.retain(|p| all_pods.contains(p));
                if !sel.is_empty() {
                    findings.add(
                        None,
                        format!(
                            "{}: Service {} selects it, the spec implies none",
                            w.name, s.name
                        ),
                    );
                }
            }
        }
        for (name, lb) in names {
            let Some(svc) = cluster.service(&name, ns) else {
                findings.add(None, format!("{}: no Service {name}", w.name));
                continue;
            };
            let fqdn = format!("{name}.{ns}.svc.cluster.local");
            let mut reached = cluster.resolve(&fqdn, true);
            reached.sort_unstable();
            if reached != pods {
                findings.add(
                    None,
                    format!("{fqdn} reaches pods {reached:?}, the workload's are {pods:?}"),
                );
            }
            match lb {
                None => {
                    if svc.headless != w.headless {
                        findings.add(
                            None,
                            format!("{name}: headless {} but peers {}", svc.headless, w.peers),
                        );
                    }
                    if w.headless && !svc.publish_not_ready {
                        findings.add(None, format!("{name}: headless without publishNotReadyAddresses: peers cannot find each other before they are ready"));
                    }
                }
                Some(internal) => {
                    if svc.kind != "LoadBalancer" {
                        findings.add(None, format!("{name}: type {}, not LoadBalancer", svc.kind));
                    }
                    let annotation = |k: &str| svc.annotations.get(k).map(String::as_str);
                    if internal
                        && annotation("networking.gke.io/load-balancer-type") != Some("Internal")
                    {
                        findings.add(
                            None,
                            format!(
                                "{name}: internal load balancer without the Internal annotation"
                            ),
                        );
                    }
                    if !internal && annotation("cloud.google.com/l4-rbs") != Some("enabled") {
                        findings.add(Some("external-load-balancer-not-backend-service"), format!("{name}: external load balancer without cloud.google.com/l4-rbs: enabled"));
                    }
                    if !internal && annotation("networking.gke.io/load-balancer-type").is_some() {
                        findings.add(
                            None,
                            format!("{name}: external load balancer annotated as internal"),
                        );
                    }
                    if svc.external_traffic_policy.as_deref() != Some("Local") {
                        findings.add(
                            Some("load-balancer-keeps-cluster-traffic-policy"),
                            format!(
                                "{name}: externalTrafficPolicy {:?}, not Local",
                                svc.external_traffic_policy
                            ),
                        );
                    }
                }
            }
            // Every declared port through the Service, to every pod.
            for p in &w.ports {
                let through = svc.ports.iter().any(|sp| {
                    let mut to: Vec<(usize, u16)> =
                        cluster.service_backends(&name, ns, sp.port, &sp.protocol);
                    to.sort_unstable();
                    sp.protocol == p.protocol
                        && to == pods.iter().map(|&i| (i, p.port)).collect::<Vec<_>>()
                });
                if !through {
                    let tag = (w.rendezvous.is_some_and(|(_, r)| r == p.port)
                        && !w.rendezvous_declared)
                        .then_some("rendezvous-reuses-a-declared-port");
                    findings.add(
                        tag,
                        format!(
                            "{name}: no port carries {}/{} to {}'s pods",
                            p.port, p.protocol, w.name
                        ),
                    );
                }
            }
            // ... and nothing else.
            for sp in &svc.ports {
                for (_, target) in cluster.service_backends(&name, ns, sp.port, &sp.protocol) {
                    if !w
                        .ports
                        .iter()
                        .any(|p| p.port == target && p.protocol == sp.protocol)
                    {
                        findings.add(
                            None,
                            format!(
                                "{name}: port {} leads to {target}/{}, which {} does not declare",
                                sp.port, sp.protocol, w.name
                            ),
                        );
                    }
                }
            }
        }
        // Pod DNS names: with peers, pod i's name reaches pod i alone (even
        // before it is ready); without, no pod name exists.
        // A group's pods: each under its group's Service (`<lws>-<group>`,
        // the subdomain policy that leaves the workload's own name to its
        // client Service).
        let svc = w.service.clone().unwrap_or_else(|| w.name.clone());
        for i in 0..w.replicas {
            let under = if w.group_size > 1 {
                format!("{}-{}", w.name, w.group_of(i).0)
            } else {
                svc.clone()
            };
            let dns = format!("{}.{under}.{ns}.svc.cluster.local", w.pod_host(i));
            let reached = cluster.resolve(&dns, false);
            let want: Vec<usize> = if w.peers || w.group_size > 1 {
                pod_index(probes, wi, i).into_iter().collect()
            } else {
                Vec::new()
            };
            if reached != want {
                findings.add(
                    None,
                    format!("{dns} reaches {reached:?}, the spec means {want:?}"),
                );
            }
        }
    }
}

/// A group workload's pods find their own group's leader: the
/// `LWS_LEADER_ADDRESS` each pod gets (in the cluster's DNS search path,
/// `svc.cluster.local`) reaches that leader alone, before it is ready; with
/// torch's rendezvous, `MASTER_ADDR` is the same address.
fn groups(exp: &Expected, cluster: &Cluster, probes: &[Probe], findings: &mut Findings) {
    for (wi, w) in exp.workloads.iter().enumerate() {
        if w.group_size <= 1 {
            continue;
        }
        for i in 0..w.replicas {
            let Some(at) = pod_index(probes, wi, i) else {
                continue;
            };
            let (g, _) = w.group_of(i);
            let leader = pod_index(probes, wi, g * w.group_size);
            let env = &cluster.pods[at].env;
            let addr = env.get("LWS_LEADER_ADDRESS").cloned().unwrap_or_default();
            let reached = cluster.resolve(&format!("{addr}.svc.cluster.local"), false);
            if reached != leader.into_iter().collect::<Vec<_>>() {
                findings.add(
                    None,
                    format!(
                        "{}[{i}]: LWS_LEADER_ADDRESS {addr:?} reaches {reached:?}, not group {g}'s leader {leader:?}",
                        w.name
                    ),
                );
            }
            // The group size and the pod's index in its group, as LWS
            // defines them (index 0 the leader).
            let (_, k) = w.group_of(i);
            let mut want = |key: &str, v: String| {
                if env.get(key) != Some(&v) {
                    findings.add(
                        None,
                        format!(
                            "{}[{i}]: {key} is {:?}, LWS means {v:?}",
                            w.name,
                            env.get(key)
                        ),
                    );
                }
            };
            want("LWS_GROUP_SIZE", w.group_size.to_string());
            want("LWS_WORKER_INDEX", k.to_string());
            // torch's rendezvous is the group's own: the leader is the
            // master, the worker index the node rank, the group the world;
            // the leader listens on the port and the group may reach it.
            if let Some((Framework::Pytorch, port)) = w.rendezvous {
                for prefix in ["", "PET_"] {
                    want(&format!("{prefix}MASTER_ADDR"), addr.clone());
                    want(&format!("{prefix}MASTER_PORT"), port.to_string());
                    want(&format!("{prefix}NNODES"), w.group_size.to_string());
                    want(&format!("{prefix}NODE_RANK"), k.to_string());
                }
                if let Some(l) = leader {
                    if !cluster.pods[l]
                        .ports
                        .iter()
                        .any(|p| p.port == port && p.protocol == "TCP")
                    {
                        findings.add(
                            None,
                            format!("{}: group {g}'s leader does not listen on the rendezvous port {port}", w.name),
                        );
                    }
                    if l != at && !cluster.can(Endpoint::Pod(at), Endpoint::Pod(l), port, "TCP") {
                        findings.add(
                            None,
                            format!(
                                "{}[{i}] may not reach its leader on the rendezvous port {port}",
                                w.name
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// The rendezvous env names pod 0 by a DNS name that reaches it before it
/// is ready, on the rendezvous port, which pod 0 listens on and every peer
/// may reach.
fn rendezvous(exp: &Expected, cluster: &Cluster, probes: &[Probe], findings: &mut Findings) {
    for (wi, w) in exp.workloads.iter().enumerate() {
        let Some((framework, want_port)) = w.rendezvous else {
            continue;
        };
        // A group's rendezvous is its own leader (see `groups`).
        if w.group_size > 1 {
            continue;
        }
        let Some(pod0) = pod_index(probes, wi, 0) else {
            continue;
        };
        let env = &cluster.pods[pod0].env;
        let (addr, port) = match framework {
            Framework::Pytorch => {
                for (a, b) in [
                    ("MASTER_ADDR", "PET_MASTER_ADDR"),
                    ("MASTER_PORT", "PET_MASTER_PORT"),
                ] {
                    if env.get(a) != env.get(b) {
                        findings.add(
                            None,
                            format!("{}: {a} {:?} but {b} {:?}", w.name, env.get(a), env.get(b)),
                        );
                    }
                }
                (
                    env.get("MASTER_ADDR").cloned(),
                    env.get("MASTER_PORT").cloned(),
                )
            }
            Framework::Jax => match env
                .get("JAX_COORDINATOR_ADDRESS")
                .and_then(|a| a.rsplit_once(':'))
            {
                Some((a, p)) => (Some(a.to_string()), Some(p.to_string())),
                None => (None, None),
            },
        };
        let (Some(addr), Some(port)) = (addr, port) else {
            findings.add(
                None,
                format!("{}: no rendezvous address and port in the env", w.name),
            );
            continue;
        };
        if Some(&addr) != w.pod_dns(0, &exp.namespace).as_ref() {
            findings.add(
                None,
                format!(
                    "{}: rendezvous address {addr}, the design says {:?}",
                    w.name,
                    w.pod_dns(0, &exp.namespace)
                ),
            );
        }
        if cluster.resolve(&addr, false) != [pod0] {
            findings.add(
                None,
                format!(
                    "{}: {addr} does not reach pod 0 alone before it is ready",
                    w.name
                ),
            );
        }
        let Ok(port) = port.parse::<u16>() else {
            findings.add(
                None,
                format!("{}: rendezvous port {port} is not a number", w.name),
            );
            continue;
        };
        // Today's fallback takes the first declared port, whatever its
        // protocol.
        let reused = (!w.rendezvous_declared && w.ports.first().map(|p| p.port) == Some(port))
            .then_some("rendezvous-reuses-a-declared-port");
        if port != want_port {
            findings.add(
                reused,
                format!(
                    "{}: rendezvous port {port}, the design says {want_port}",
                    w.name
                ),
            );
        }
        if !cluster.pods[pod0]
            .ports
            .iter()
            .any(|p| p.port == port && p.protocol == "TCP")
        {
            findings.add(
                reused,
                format!(
                    "{}: pod 0 does not listen on its rendezvous port {port}/TCP",
                    w.name
                ),
            );
        }
        for i in 1..w.replicas {
            if let Some(pi) = pod_index(probes, wi, i) {
                if !cluster.can(Endpoint::Pod(pi), Endpoint::Pod(pod0), port, "TCP") {
                    findings.add(
                        None,
                        format!(
                            "{}[{i}] may not reach pod 0 on the rendezvous port {port}",
                            w.name
                        ),
                    );
                }
            }
        }
    }
}

/// TPU Multislice: every pod knows the slice count, its own slice and its
/// index in it; the MegaScale coordinator is a name that reaches slice 0's
/// first pod alone before it is ready, on a port it listens on and every
/// pod may reach; `TPU_WORKER_HOSTNAMES` names exactly the pods of the
/// pod's own slice, in index order.
fn multislice(exp: &Expected, cluster: &Cluster, probes: &[Probe], findings: &mut Findings) {
    for (wi, w) in exp.workloads.iter().enumerate() {
        let Some(port) = w.megascale.filter(|_| w.slices > 1) else {
            continue;
        };
        let Some(pod0) = pod_index(probes, wi, 0) else {
            continue;
        };
        let per = w.per_slice.max(1);
        for i in 0..w.replicas {
            let Some(at) = pod_index(probes, wi, i) else {
                continue;
            };
            let env = &cluster.pods[at].env;
            let label = format!("{}[{i}]", w.name);
            let mut want = |k: &str, v: String| {
                if env.get(k) != Some(&v) {
                    findings.add(
                        None,
                        format!("{label}: {k} is {:?}, the design means {v:?}", env.get(k)),
                    );
                }
            };
            want("MEGASCALE_NUM_SLICES", w.slices.to_string());
            want("MEGASCALE_SLICE_ID", (i / per).to_string());
            want("MEGASCALE_PORT", port.to_string());
            want("TPU_WORKER_ID", (i % per).to_string());
            if w.rendezvous.is_some_and(|(f, _)| f == Framework::Jax) {
                want("JAX_NUM_PROCESSES", w.replicas.to_string());
            }
            match env
                .get("MEGASCALE_COORDINATOR_ADDRESS")
                .and_then(|a| a.rsplit_once(':'))
            {
                Some((host, p)) => {
                    if cluster.resolve(host, false) != [pod0] {
                        findings.add(
                            None,
                            format!("{label}: the MegaScale coordinator {host} does not reach slice 0's first pod alone"),
                        );
                    }
                    if p != port.to_string() {
                        findings.add(
                            None,
                            format!("{label}: the MegaScale coordinator's port {p}, not {port}"),
                        );
                    }
                    if i > 0 && !cluster.can(Endpoint::Pod(at), Endpoint::Pod(pod0), port, "TCP") {
                        findings.add(
                            None,
                            format!("{label} may not reach the MegaScale coordinator on {port}"),
                        );
                    }
                }
                None => findings.add(
                    None,
                    format!("{label}: no MEGASCALE_COORDINATOR_ADDRESS host:port"),
                ),
            }
            let hosts: Vec<String> = env
                .get("TPU_WORKER_HOSTNAMES")
                .map(|h| h.split(',').map(str::to_string).collect())
                .unwrap_or_default();
            let slice = i / per;
            let mine: Vec<Option<usize>> = (0..per)
                .map(|k| pod_index(probes, wi, slice * per + k))
                .collect();
            let reached: Vec<Option<usize>> = hosts
                .iter()
                .map(|h| match cluster.resolve(h, false).as_slice() {
                    [one] => Some(*one),
                    _ => None,
                })
                .collect();
            if reached != mine {
                findings.add(
                    None,
                    format!("{label}: TPU_WORKER_HOSTNAMES {hosts:?} reach {reached:?}, its slice's pods are {mine:?}"),
                );
            }
        }
        if !cluster.pods[pod0]
            .ports
            .iter()
            .any(|p| p.port == port && p.protocol == "TCP")
        {
            findings.add(
                None,
                format!(
                    "{}: slice 0's first pod does not listen on the MegaScale port {port}",
                    w.name
                ),
            );
        }
    }
}
