//! What a spec declares, read from the spec itself (as plain JSON values) by
//! the rules of /work/shared/design.md — never from podwire's model. This is
//! the other side of the comparison: the evaluator in `cluster` says what the
//! manifests allow, this says what they should allow.

use serde_json::Value;
use std::net::Ipv4Addr;

use crate::cluster::Cidr;

/// Kubernetes' default port protocol.
const TCP: &str = "TCP";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    Pytorch,
    Jax,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub name: String,
    pub port: u16,
    pub protocol: String,
}

#[derive(Debug, Clone)]
pub struct Workload {
    pub name: String,
    /// Job, JobSet, StatefulSet or Deployment.
    pub kind: &'static str,
    /// Whether `run` was left out (the kind then follows the design's rule).
    pub run_omitted: bool,
    /// Pods in all (`replicas` of each slice).
    pub replicas: u32,
    /// TPU slices of the workload's pool (1 unless Multislice); a JobSet
    /// runs one Job of `per_slice` pods on each.
    pub slices: u32,
    pub per_slice: u32,
    /// The MegaScale port of a Multislice workload.
    pub megascale: Option<u16>,
    pub peers: bool,
    /// Declared ports, plus the rendezvous port when it is added.
    pub ports: Vec<Port>,
    /// The framework and rendezvous port of a distributed workload.
    pub rendezvous: Option<(Framework, u16)>,
    /// Whether the spec named a port `rendezvous`.
    pub rendezvous_declared: bool,
    /// The primary Service and whether it is headless.
    pub service: Option<String>,
    pub headless: bool,
    /// The load balancer Service and whether it is internal.
    pub load_balancer: Option<(String, bool)>,
    /// `autoscale`: (min, max).
    pub autoscale: Option<(u32, u32)>,
    /// The TCP port Managed Service for Prometheus scrapes, for `autoscale.metric`.
    pub scrape: Option<u16>,
    /// Pods per replica group (`groupSize`; 1 unless a LeaderWorkerSet).
    pub group_size: u32,
}

impl Workload {
    /// Hostname of pod `i`: `<name>-<i>`; in a JobSet (design.md, "Restarts
    /// and slices") `<name>-worker-<slice>-<index>`, pod `i` being index
    /// `i % per_slice` of slice `i / per_slice`.
    pub fn pod_host(&self, i: u32) -> String {
        if self.kind == "LeaderWorkerSet" {
            // LeaderWorkerSet's names: leader `<lws>-<group>`, workers
            // `<lws>-<group>-<index>`.
            let (g, k) = self.group_of(i);
            if k == 0 {
                format!("{}-{g}", self.name)
            } else {
                format!("{}-{g}-{k}", self.name)
            }
        } else if self.kind == "JobSet" {
            let per = self.per_slice.max(1);
            format!("{}-worker-{}-{}", self.name, i / per, i % per)
        } else {
            format!("{}-{i}", self.name)
        }
    }

    /// (group, index in the group) of pod `i`: pod `i` of a group workload
    /// is index `i % groupSize` of group `i / groupSize`.
    pub fn group_of(&self, i: u32) -> (u32, u32) {
        let per = self.group_size.max(1);
        (i / per, i % per)
    }

    /// Whether pod `i` serves: every pod, or a group's leader (design.md:
    /// client Services select leaders).
    pub fn serves(&self, i: u32) -> bool {
        self.group_of(i).1 == 0
    }

    /// DNS name of pod `i`, when the workload has peers.
    pub fn pod_dns(&self, i: u32, namespace: &str) -> Option<String> {
        let svc = self.service.as_ref().filter(|_| self.peers)?;
        Some(format!(
            "{}.{svc}.{namespace}.svc.cluster.local",
            self.pod_host(i)
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    Workload(usize),
    Internet,
    Cidr(Cidr),
    Namespace(String),
}

/// Which (port, protocol) pairs a connection allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ports {
    Any,
    Only(Vec<(u16, String)>),
}

impl Ports {
    fn allows(&self, port: u16, protocol: &str) -> bool {
        match self {
            Ports::Any => true,
            Ports::Only(list) => list
                .iter()
                .any(|(p, proto)| *p == port && proto == protocol),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Connection {
    pub from: End,
    pub to: End,
    pub ports: Ports,
    /// Whether some port was given by number (a number allows every protocol
    /// the target listens on at it).
    pub numbered: bool,
    /// Whether `ports` was left out.
    pub ports_omitted: bool,
}

#[derive(Debug, Clone)]
pub struct Expected {
    pub namespace: String,
    pub workload_identity: bool,
    pub workloads: Vec<Workload>,
    pub connections: Vec<Connection>,
    /// What the Gateways' sources may reach (design: a routed workload
    /// admits its Gateway's proxies on the routed port, Google's health
    /// checkers on the health port): (workload, source range, port).
    pub gateway_sources: Vec<(usize, Cidr, u16)>,
}

/// One end of a probe, as the spec sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// Pod `index` of workload `workload` (an index into `workloads`).
    Pod { workload: usize, index: u32 },
    /// A pod of namespace `namespace` that is none of the spec's workloads;
    /// `collector`: one of Managed Service for Prometheus' collectors.
    Other {
        namespace: String,
        kube_dns: bool,
        collector: bool,
    },
    /// An address outside the cluster's pods.
    Ip(Ipv4Addr),
}

/// Addresses the design singles out.
pub fn in_any(ip: Ipv4Addr, blocks: &[&str]) -> bool {
    blocks
        .iter()
        .any(|b| Cidr::parse(b).is_ok_and(|c| c.contains(ip)))
}

/// What `to: internet` must not reach: RFC 1918, carrier-grade NAT
/// (100.64.0.0/10, GKE's possible pod and service ranges) and link-local
/// 169.254.0.0/16 (the metadata server).
pub const NOT_INTERNET: &[&str] = &[
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "169.254.0.0/16",
];

fn get<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    v.pointer(path)
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn count(v: Option<&Value>, default: u32) -> u32 {
    v.and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(default)
}

impl Expected {
    /// Read a spec (already converted to plain values). Specs given here
    /// compile cleanly, so fields have the types the language defines.
    pub fn from_spec(spec: &Value) -> Result<Expected, String> {
        let name = text(get(spec, "/metadata/name")).ok_or("no metadata.name")?;
        let namespace = text(spec.get("namespace")).unwrap_or(name);
        let workload_identity = get(spec, "/cluster/workloadIdentity")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let pools: Vec<Value> = get(spec, "/cluster/nodePools")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut workloads = Vec::new();
        for w in spec
            .get("workloads")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            workloads.push(workload(w, &pools)?);
        }
        let mut connections = Vec::new();
        for c in spec
            .get("connections")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            connections.push(connection(c, &workloads)?);
        }
        let mut gateway_sources = Vec::new();
        for r in crate::gateway::routed(spec) {
            let Some(i) = workloads.iter().position(|w| w.name == r.workload) else {
                return Err(format!("route of an unknown workload {}", r.workload));
            };
            let google = crate::gateway::GOOGLE_RANGES
                .iter()
                .map(|c| Cidr::parse(c))
                .collect::<Result<Vec<_>, _>>()?;
            let proxies = if r.kind == "internal" {
                match text(get(spec, "/gcp/proxySubnet")) {
                    Some(c) => vec![Cidr::parse(&c)?],
                    None => Vec::new(),
                }
            } else {
                google.clone()
            };
            for c in proxies {
                gateway_sources.push((i, c, r.port));
            }
            for c in google {
                gateway_sources.push((i, c, r.health_port.unwrap_or(r.port)));
            }
        }
        Ok(Expected {
            namespace,
            workload_identity,
            workloads,
            connections,
            gateway_sources,
        })
    }

    pub fn has_policies(&self) -> bool {
        !self.connections.is_empty()
    }

    pub fn end_matches(&self, end: &End, s: &Subject, outgoing: bool) -> bool {
        match (end, s) {
            (End::Workload(w), Subject::Pod { workload, .. }) => w == workload,
            (End::Namespace(ns), Subject::Other { namespace, .. }) => ns == namespace,
            (End::Namespace(ns), Subject::Pod { .. }) => *ns == self.namespace,
            // `from: internet`: any source outside the cluster's pods;
            // `to: internet`: addresses outside the cluster and the node.
            (End::Internet, Subject::Ip(ip)) => !outgoing || !in_any(*ip, NOT_INTERNET),
            (End::Cidr(c), Subject::Ip(ip)) => c.contains(*ip),
            _ => false,
        }
    }

    /// May traffic go from `from` to `to` on `port`/`protocol`, by the
    /// design's rules? Only asked where one end at least is a workload pod.
    pub fn allows(&self, from: &Subject, to: &Subject, port: u16, protocol: &str) -> bool {
        if !self.has_policies() {
            // No connections: no NetworkPolicies, so Kubernetes allows all.
            return true;
        }
        if let (
            Subject::Pod {
                workload: a,
                index: i,
            },
            Subject::Pod {
                workload: b,
                index: j,
            },
        ) = (from, to)
        {
            if a == b && self.workloads[*a].peers {
                return true;
            }
            // The pods of one LeaderWorkerSet group reach each other on
            // every port; other groups of the same workload are strangers.
            let w = &self.workloads[*a];
            if a == b && w.group_size > 1 && w.group_of(*i).0 == w.group_of(*j).0 {
                return true;
            }
        }
        // Only a group's leader serves: a connection to a group workload
        // reaches its leaders, never its workers.
        if let Subject::Pod { workload, index } = to {
            if !self.workloads[*workload].serves(*index) {
                return false;
            }
        }
        // A routed workload's serving pods admit its Gateway's sources.
        if let (Subject::Ip(ip), Subject::Pod { workload, .. }) = (from, to) {
            if protocol == TCP
                && self
                    .gateway_sources
                    .iter()
                    .any(|(w, c, p)| w == workload && *p == port && c.contains(*ip))
            {
                return true;
            }
        }
        if let Subject::Pod { .. } = from {
            if let Subject::Other {
                namespace,
                kube_dns: true,
                ..
            } = to
            {
                if namespace == "kube-system"
                    && port == 53
                    && (protocol == "UDP" || protocol == TCP)
                {
                    return true;
                }
            }
            if let Subject::Ip(ip) = to {
                let metadata = [
                    ("169.254.169.252", 987),
                    ("169.254.169.252", 988),
                    ("169.254.169.254", 80),
                ];
                if self.workload_identity
                    && protocol == TCP
                    && metadata
                        .iter()
                        .any(|(a, p)| a.parse() == Ok(*ip) && *p == port)
                {
                    return true;
                }
            }
        }
        // `autoscale.metric`: the managed collectors (pods of `gmp-system`)
        // scrape the metric's port, so that the autoscaler sees it.
        if let (
            Subject::Other {
                namespace,
                collector: true,
                ..
            },
            Subject::Pod { workload, .. },
        ) = (from, to)
        {
            if namespace == "gmp-system"
                && protocol == TCP
                && self.workloads[*workload].scrape == Some(port)
            {
                return true;
            }
        }
        self.connections.iter().any(|c| {
            self.end_matches(&c.from, from, false)
                && self.end_matches(&c.to, to, true)
                && c.ports.allows(port, protocol)
        })
    }
}

fn workload(w: &Value, pools: &[Value]) -> Result<Workload, String> {
    let name = text(w.get("name")).ok_or("workload without name")?;
    // With `autoscale`, the autoscaler owns the count and starts at `min`.
    let autoscale = w
        .get("autoscale")
        .map(|a| (count(a.get("min"), 1), count(a.get("max"), 1)));
    let per_slice = autoscale.map_or_else(|| count(w.get("replicas"), 1), |(min, _)| min);
    // The pool: the named one, or the only one.
    let pool = match text(w.get("pool")) {
        Some(p) => pools
            .iter()
            .find(|q| text(q.get("name")).as_deref() == Some(p.as_str())),
        None => pools.first().filter(|_| pools.len() == 1),
    };
    let slices = pool.map_or(1, |p| count(get(p, "/tpu/slices"), 1)).max(1);
    let restarts = count(w.get("restarts"), 0);
    let group_size = count(w.get("groupSize"), 1).max(1);
    let framework = match w.get("distributed").and_then(Value::as_str) {
        Some("pytorch") => Some(Framework::Pytorch),
        Some("jax") => Some(Framework::Jax),
        _ => None,
    };
    // Multislice pods find slice 0 by name, as distributed ones find pod 0.
    // A group's pods are named by LeaderWorkerSet, under their group's
    // Service: no peers Service.
    let peers = group_size == 1
        && w.get("peers")
            .and_then(Value::as_bool)
            .unwrap_or(framework.is_some() || slices > 1);
    let mut ports = Vec::new();
    for p in w
        .get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let port = p
            .get("port")
            .and_then(Value::as_u64)
            .and_then(|n| u16::try_from(n).ok())
            .ok_or("port without number")?;
        ports.push(Port {
            name: text(p.get("name")).unwrap_or_else(|| format!("p{port}")),
            port,
            protocol: text(p.get("protocol")).unwrap_or_else(|| TCP.into()),
        });
    }
    // The port named `rendezvous`; else one podwire adds, never another
    // declared port.
    let rendezvous_declared = ports.iter().any(|p| p.name == "rendezvous");
    let rendezvous = framework.map(|f| {
        let port = match ports.iter().find(|p| p.name == "rendezvous") {
            Some(p) => p.port,
            None => {
                let port = if f == Framework::Pytorch { 29500 } else { 8476 };
                ports.push(Port {
                    name: "rendezvous".into(),
                    port,
                    protocol: TCP.into(),
                });
                port
            }
        };
        (f, port)
    });
    // A Multislice workload's MegaScale port: the one named `megascale`,
    // else 8081, which podwire adds.
    let megascale = (slices > 1).then(|| match ports.iter().find(|p| p.name == "megascale") {
        Some(p) => p.port,
        None => {
            ports.push(Port {
                name: "megascale".into(),
                port: 8081,
                protocol: TCP.into(),
            });
            8081
        }
    });
    let expose = w.get("expose").and_then(Value::as_str).unwrap_or("cluster");
    let load_balanced = matches!(expose, "internal" | "external");
    // When `run` is omitted: service behind a load balancer; else job if
    // distributed; else service if it has ports; else job.
    let run = match w.get("run").and_then(Value::as_str) {
        Some(r) => r.to_string(),
        None if load_balanced => "service".into(),
        None if framework.is_some() => "job".into(),
        None if !ports.is_empty() => "service".into(),
        None => "job".into(),
    };
    // A job that restarts as a whole, or spans TPU slices, is a JobSet.
    let kind = match (run.as_str(), peers) {
        ("service", _) if group_size > 1 => "LeaderWorkerSet",
        ("job", _) if restarts > 0 || slices > 1 => "JobSet",
        ("job", _) => "Job",
        (_, true) => "StatefulSet",
        _ => "Deployment",
    };
    let service_name = text(get(w, "/service/name")).unwrap_or_else(|| name.clone());
    let service = (peers || (!ports.is_empty() && expose != "none")).then(|| service_name.clone());
    let load_balancer = load_balanced.then(|| (format!("{service_name}-lb"), expose == "internal"));
    let slices = if kind == "JobSet" { slices } else { 1 };
    // The metrics port: `metric.port`, else `health.port`, else the only port.
    let scrape = w.pointer("/autoscale/metric").and_then(|m| {
        let by = |r: &Value| match r {
            Value::String(n) => ports.iter().find(|p| &p.name == n).map(|p| p.port),
            Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            _ => None,
        };
        m.get("port")
            .and_then(by)
            .or_else(|| w.pointer("/health/port").and_then(by))
            .or_else(|| (ports.len() == 1).then(|| ports[0].port))
    });
    Ok(Workload {
        name,
        kind,
        run_omitted: w.get("run").is_none(),
        replicas: per_slice
            * slices
            * if kind == "LeaderWorkerSet" {
                group_size
            } else {
                1
            },
        slices,
        per_slice,
        megascale,
        peers,
        ports,
        rendezvous,
        rendezvous_declared,
        service,
        headless: peers,
        load_balancer,
        autoscale,
        scrape,
        group_size: if kind == "LeaderWorkerSet" {
            group_size
        } else {
            1
        },
    })
}

fn end(v: &Value, workloads: &[Workload]) -> Result<End, String> {
    match v {
        Value::String(s) if s == "internet" => Ok(End::Internet),
        Value::String(s) => workloads
            .iter()
            .position(|w| &w.name == s)
            .map(End::Workload)
            .ok_or(format!("unknown workload {s}")),
        Value::Object(o) => {
            if let Some(c) = o.get("cidr").and_then(Value::as_str) {
                Ok(End::Cidr(Cidr::parse(c)?))
            } else if let Some(n) = o.get("namespace").and_then(Value::as_str) {
                Ok(End::Namespace(n.into()))
            } else {
                Err(format!("bad end {v}"))
            }
        }
        _ => Err(format!("bad end {v}")),
    }
}

fn connection(c: &Value, workloads: &[Workload]) -> Result<Connection, String> {
    let from = end(c.get("from").ok_or("no from")?, workloads)?;
    let to = end(c.get("to").ok_or("no to")?, workloads)?;
    let target = match &to {
        End::Workload(i) => Some(&workloads[*i]),
        _ => None,
    };
    let mut numbered = false;
    let ports = match c.get("ports").and_then(Value::as_array) {
        // Omitted: all of the target workload's ports; any port elsewhere.
        None => match target {
            Some(t) => Ports::Only(
                t.ports
                    .iter()
                    .map(|p| (p.port, p.protocol.clone()))
                    .collect(),
            ),
            None => Ports::Any,
        },
        Some(list) => {
            let mut out = Vec::new();
            for p in list {
                match (p, target) {
                    (Value::String(n), Some(t)) => {
                        let q = t
                            .ports
                            .iter()
                            .find(|q| &q.name == n)
                            .ok_or(format!("no port {n}"))?;
                        out.push((q.port, q.protocol.clone()));
                    }
                    // A number allows every protocol the target listens on
                    // at it; outside the cluster, TCP.
                    (Value::Number(n), Some(t)) => {
                        numbered = true;
                        let n = n.as_u64().unwrap_or_default();
                        for q in t.ports.iter().filter(|q| u64::from(q.port) == n) {
                            out.push((q.port, q.protocol.clone()));
                        }
                    }
                    (Value::Number(n), None) => {
                        numbered = true;
                        let n = n
                            .as_u64()
                            .and_then(|n| u16::try_from(n).ok())
                            .ok_or("bad port")?;
                        out.push((n, TCP.into()));
                    }
                    _ => return Err(format!("bad port {p}")),
                }
            }
            Ports::Only(out)
        }
    };
    Ok(Connection {
        from,
        to,
        ports,
        numbered,
        ports_omitted: c.get("ports").is_none(),
    })
}
