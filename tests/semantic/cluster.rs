//! A model of the Kubernetes semantics podwire's manifests rely on, written
//! from the Kubernetes documentation and sharing no code with the generator:
//! it reads plain JSON values (the manifests as an independent YAML parser
//! reads them) and answers
//!
//! - [`Cluster::can`]: may traffic go from one endpoint (a pod or an address)
//!   to another on a port and protocol, under the NetworkPolicies;
//! - [`Cluster::resolve`]: which pods a DNS name reaches (Services, headless
//!   Services, pod hostnames and subdomains);
//! - [`Cluster::service_backends`]: which pod and container port a Service
//!   port sends traffic to (targetPort by number or by name).
//!
//! Pods are made the way the controllers make them: an Indexed Job's pod `i`
//! has hostname `<job>-<i>` and the template's subdomain; a StatefulSet's pod
//! `i` is `<sts>-<i>` with subdomain `serviceName`; a Deployment's pods have
//! generated names; a JobSet makes, per replicated Job `r` of `n` replicas,
//! the Jobs `<jobset>-<r>-<j>` (j < n), whose pods JobSet puts under the
//! subdomain `network.subdomain` (default: the JobSet's name) when
//! `network.enableDNSHostnames` (JobSet's documented scheme:
//! `<jobSet>-<replicatedJob>-<jobIndex>-<podIndex>.<subdomain>`); a
//! LeaderWorkerSet makes groups of a leader `<lws>-<g>` and workers
//! `<lws>-<g>-<k>`, with the headless Services of its subdomain policy
//! (see `lws_objects`). Each gets
//! the labels and annotations its controllers add, and its environment as
//! the kubelet gives it: `fieldRef`s to the pod's labels and annotations
//! resolved, `$(VAR)` references to variables defined before expanded.
//! A workload a HorizontalPodAutoscaler targets runs its `spec.replicas`
//! (default 1) brought into the autoscaler's `minReplicas..=maxReplicas`,
//! as the autoscaler does on its first sync.
//!
//! Addresses: ipBlock peers match endpoints that are not pods (what GKE
//! Dataplane V2 does; Kubernetes leaves pod addresses implementation-defined
//! and says ipBlock is meant for addresses outside the cluster). IPv4 only:
//! podwire makes IPv4 policies.

use serde_json::Value;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

pub type Labels = BTreeMap<String, String>;

/// One port a container listens on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub port: u16,
    pub protocol: String,
}

/// Which controller made a pod, and its index (ordinal, completion index or
/// the n-th replica of a Deployment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub kind: String,
    pub name: String,
    pub index: u32,
}

#[derive(Debug, Clone)]
pub struct Pod {
    pub name: String,
    pub namespace: String,
    pub labels: Labels,
    pub annotations: Labels,
    pub hostname: Option<String>,
    pub subdomain: Option<String>,
    pub ports: Vec<ContainerPort>,
    /// The container's environment as the kubelet gives it (name -> value):
    /// literal values, `fieldRef`s to the pod's metadata, `$(VAR)`
    /// expanded. Secret references are not values here.
    pub env: BTreeMap<String, String>,
    /// The template's env entries, in order.
    raw_env: RawEnvList,
    pub owner: Option<Owner>,
}

/// A container's env entries, in order.
type RawEnvList = Vec<(String, RawEnv)>;

/// One env entry of a container, before the pod exists.
#[derive(Debug, Clone)]
enum RawEnv {
    Value(String),
    Field(String),
    /// `secretKeyRef`, `configMapKeyRef`, `resourceFieldRef`: no value here.
    Other,
}

/// The value of `fieldPath` for a pod (the downward API's metadata fields).
fn field_value(pod: &Pod, path: &str) -> Option<String> {
    let key = |prefix: &str| {
        path.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix("']"))
            .map(str::to_string)
    };
    if let Some(k) = key("metadata.annotations['") {
        return pod.annotations.get(&k).cloned();
    }
    if let Some(k) = key("metadata.labels['") {
        return pod.labels.get(&k).cloned();
    }
    match path {
        "metadata.name" => Some(pod.name.clone()),
        "metadata.namespace" => Some(pod.namespace.clone()),
        _ => None,
    }
}

/// Kubernetes' expansion of `$(VAR)` in an env value: a reference to a
/// variable defined before it is replaced by its value, `$$` is `$`, and
/// any other reference stays as written.
fn expand(value: &str, defined: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some(r) = after.strip_prefix('(') {
            match r.find(')') {
                Some(end) => {
                    let name = &r[..end];
                    match defined.get(name) {
                        Some(v) => out.push_str(v),
                        None => {
                            out.push_str("$(");
                            out.push_str(name);
                            out.push(')');
                        }
                    }
                    rest = &r[end + 1..];
                }
                None => {
                    out.push_str("$(");
                    rest = r;
                }
            }
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

impl Pod {
    /// Compute `env` from the template's entries and the pod's metadata.
    fn resolve_env(&mut self) {
        let mut env = BTreeMap::new();
        for (name, raw) in &self.raw_env {
            let value = match raw {
                RawEnv::Value(v) => Some(expand(v, &env)),
                RawEnv::Field(path) => field_value(self, path),
                RawEnv::Other => None,
            };
            match value {
                Some(v) => {
                    env.insert(name.clone(), v);
                }
                None => {
                    env.remove(name);
                }
            }
        }
        self.env = env;
    }
}

impl Pod {
    /// A pod with just a name, namespace and labels (a pod podwire did not
    /// make: another team's, kube-dns ...).
    pub fn bare(name: &str, namespace: &str, labels: &[(&str, &str)]) -> Pod {
        Pod {
            name: name.into(),
            namespace: namespace.into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            annotations: Labels::new(),
            hostname: None,
            subdomain: None,
            ports: Vec::new(),
            env: BTreeMap::new(),
            raw_env: Vec::new(),
            owner: None,
        }
    }
}

/// Either end of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// A pod, by its index in [`Cluster::pods`].
    Pod(usize),
    /// An address that is not a pod's.
    Ip(Ipv4Addr),
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub namespace: String,
    pub kind: String,
    pub headless: bool,
    pub publish_not_ready: bool,
    /// None: a Service without selector (no pods are selected).
    pub selector: Option<Labels>,
    pub ports: Vec<ServicePort>,
    pub external_traffic_policy: Option<String>,
    pub annotations: Labels,
}

#[derive(Debug, Clone)]
pub struct ServicePort {
    pub port: u16,
    pub protocol: String,
    pub target: TargetPort,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetPort {
    Number(u16),
    Name(String),
}

/// A parsed NetworkPolicy.
#[derive(Debug, Clone)]
struct Policy {
    namespace: String,
    pod_selector: Selector,
    ingress: Option<Vec<Rule>>,
    egress: Option<Vec<Rule>>,
}

/// One ingress or egress rule: `peers` None means from/to everywhere.
#[derive(Debug, Clone)]
struct Rule {
    peers: Option<Vec<Peer>>,
    ports: Option<Vec<PolicyPort>>,
}

#[derive(Debug, Clone)]
enum Peer {
    /// podSelector and/or namespaceSelector; a missing podSelector is every
    /// pod, a missing namespaceSelector is the policy's own namespace.
    Pods {
        pods: Option<Selector>,
        namespaces: Option<Selector>,
    },
    Block {
        cidr: Cidr,
        except: Vec<Cidr>,
    },
}

#[derive(Debug, Clone)]
struct PolicyPort {
    protocol: String,
    port: Option<TargetPort>,
    end_port: Option<u16>,
}

/// A label selector: matchLabels and matchExpressions, all of which must hold.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    labels: Labels,
    expressions: Vec<(String, String, Vec<String>)>,
}

impl Selector {
    fn parse(v: &Value) -> Result<Selector, String> {
        let mut s = Selector::default();
        if let Some(m) = v.get("matchLabels") {
            s.labels = string_map(m)?;
        }
        for e in v
            .get("matchExpressions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = str_field(e, "key")?;
            let op = str_field(e, "operator")?;
            let values = e
                .get("values")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|v| v.as_str().map(String::from).ok_or("non-string value"))
                .collect::<Result<Vec<_>, _>>()?;
            s.expressions.push((key, op, values));
        }
        Ok(s)
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        self.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.expressions.iter().all(|(k, op, values)| {
                let have = labels.get(k);
                match op.as_str() {
                    "In" => have.is_some_and(|h| values.contains(h)),
                    "NotIn" => have.is_none_or(|h| !values.contains(h)),
                    "Exists" => have.is_some(),
                    "DoesNotExist" => have.is_none(),
                    // An unknown operator is rejected by the API server; here
                    // it selects nothing, which can only make a test fail.
                    _ => false,
                }
            })
    }
}

/// An IPv4 CIDR block. Hand-written (a dozen lines) so that the evaluator
/// owes nothing to the crates podwire might use for addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    base: u32,
    prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let (addr, prefix) = s.split_once('/').ok_or(format!("`{s}`: no prefix"))?;
        let addr: Ipv4Addr = addr.parse().map_err(|e| format!("`{s}`: {e}"))?;
        let prefix: u8 = prefix.parse().map_err(|e| format!("`{s}`: {e}"))?;
        if prefix > 32 {
            return Err(format!("`{s}`: prefix over 32"));
        }
        Ok(Cidr {
            base: u32::from(addr) & Self::mask(prefix),
            prefix,
        })
    }

    fn mask(prefix: u8) -> u32 {
        if prefix == 0 {
            0
        } else {
            u32::MAX << (32 - prefix)
        }
    }

    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & Self::mask(self.prefix) == self.base
    }

    /// The first address after the block's network address (inside it).
    pub fn inside(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.base | u32::from(self.prefix < 32))
    }

    /// The first address past the block's end, if any.
    pub fn after(&self) -> Option<Ipv4Addr> {
        let size = 1u64 << (32 - u32::from(self.prefix));
        u32::try_from(u64::from(self.base) + size)
            .ok()
            .map(Ipv4Addr::from)
    }

    /// The address before the block's start, if any.
    pub fn before(&self) -> Option<Ipv4Addr> {
        self.base.checked_sub(1).map(Ipv4Addr::from)
    }
}

fn str_field(v: &Value, key: &str) -> Result<String, String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(String::from)
        .ok_or_else(|| format!("`{key}` missing or not a string in {v}"))
}

fn string_map(v: &Value) -> Result<Labels, String> {
    let Some(m) = v.as_object() else {
        return Err(format!("not a map: {v}"));
    };
    m.iter()
        .map(|(k, v)| {
            v.as_str()
                .map(|s| (k.clone(), s.to_string()))
                .ok_or_else(|| format!("label {k}: not a string: {v}"))
        })
        .collect()
}

fn u16_of(v: &Value) -> Result<u16, String> {
    v.as_u64()
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| format!("not a port number: {v}"))
}

fn int_or_name(v: &Value) -> Result<TargetPort, String> {
    match v {
        Value::String(s) => Ok(TargetPort::Name(s.clone())),
        _ => u16_of(v).map(TargetPort::Number),
    }
}

/// A Gateway API Gateway: its class and listeners.
#[derive(Debug, Clone)]
pub struct Gateway {
    pub name: String,
    pub namespace: String,
    pub class: String,
    pub listeners: Vec<Listener>,
    /// Its `networking.gke.io/certmap` annotation: the Certificate
    /// Manager map GKE gives its HTTPS listeners.
    pub certmap: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Listener {
    pub name: String,
    pub port: u16,
    pub protocol: String,
    /// `allowedRoutes.namespaces.from`: `Same` (Gateway API's default),
    /// `All` (or `Selector`, taken as no restriction here).
    pub same_namespace: bool,
    /// `tls`: its mode, the Secrets of `certificateRefs` (core group and
    /// kind only) and its `options`.
    pub tls: Option<ListenerTls>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerTls {
    pub mode: String,
    pub secrets: Vec<String>,
    pub options: Labels,
}

/// An HTTPRoute: its parents, hostnames and rules.
#[derive(Debug, Clone)]
pub struct HttpRoute {
    pub namespace: String,
    /// (namespace, Gateway name, sectionName).
    pub parents: Vec<(String, String, Option<String>)>,
    pub hostnames: Vec<String>,
    pub rules: Vec<RouteRule>,
}

#[derive(Debug, Clone)]
pub struct RouteRule {
    /// PathPrefix values; a rule without matches matches every path ("/").
    pub prefixes: Vec<String>,
    /// A `RequestRedirect` filter: (scheme, status code). The Gateway
    /// answers with it and sends nothing to the backends.
    pub redirect: Option<(String, u16)>,
    /// Its backends, in the route's namespace.
    pub backends: Vec<Backend>,
}

/// An HTTPRoute backend: a Service (name, port), or an InferencePool
/// (`inference.networking.k8s.io`, by name; its `targetPorts` say where).
#[derive(Debug, Clone)]
pub enum Backend {
    Service(String, u16),
    Pool(String),
}

/// A GKE Inference Gateway InferencePool (v1): the pods its `matchLabels`
/// select, on its target ports; its endpoint picker, a Service and port
/// of its namespace.
#[derive(Debug, Clone)]
pub struct InferencePool {
    pub name: String,
    pub namespace: String,
    pub selector: Labels,
    pub target_ports: Vec<u16>,
    pub picker: (String, u16),
}

/// Everything the manifests describe, plus any pods added by hand.
#[derive(Debug, Default)]
pub struct Cluster {
    pub pods: Vec<Pod>,
    pub services: Vec<Service>,
    pub gateways: Vec<Gateway>,
    pub routes: Vec<HttpRoute>,
    pub pools: Vec<InferencePool>,
    /// Namespace name -> its labels (with `kubernetes.io/metadata.name`,
    /// which the API server adds to every namespace).
    pub namespaces: BTreeMap<String, Labels>,
    policies: Vec<Policy>,
}

impl Cluster {
    /// Read a list of Kubernetes objects. Kinds this model has no meaning
    /// for (ServiceAccount ...) are skipped; malformed objects of the kinds
    /// it reads are an error.
    pub fn from_objects(objects: &[Value]) -> Result<Cluster, String> {
        let mut c = Cluster::default();
        // (namespace, kind, name) -> (min, max) of the autoscaler targeting it.
        let mut scaled: BTreeMap<(String, String, String), (u32, u32)> = BTreeMap::new();
        let mut lws_services: Vec<Service> = Vec::new();
        for o in objects {
            if o.get("kind").and_then(Value::as_str) != Some("HorizontalPodAutoscaler") {
                continue;
            }
            let ns = o
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("default");
            let spec = o.get("spec").cloned().unwrap_or(Value::Null);
            let target = spec.get("scaleTargetRef").cloned().unwrap_or(Value::Null);
            let min = replicas(&spec, "minReplicas")?;
            let max = spec
                .get("maxReplicas")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or("HorizontalPodAutoscaler without maxReplicas")?;
            scaled.insert(
                (
                    ns.into(),
                    str_field(&target, "kind")?,
                    str_field(&target, "name")?,
                ),
                (min, max),
            );
        }
        for o in objects {
            let kind = o.get("kind").and_then(Value::as_str).unwrap_or_default();
            let meta = o.get("metadata").cloned().unwrap_or(Value::Null);
            let name = str_field(&meta, "name")?;
            let namespace = meta
                .get("namespace")
                .and_then(Value::as_str)
                .unwrap_or("default")
                .to_string();
            let spec = o.get("spec").cloned().unwrap_or(Value::Null);
            match kind {
                "Namespace" => {
                    let mut labels = match meta.get("labels") {
                        Some(l) => string_map(l)?,
                        None => Labels::new(),
                    };
                    labels.insert("kubernetes.io/metadata.name".into(), name.clone());
                    c.namespaces.insert(name, labels);
                }
                "Service" => c
                    .services
                    .push(parse_service(name, namespace, &meta, &spec)?),
                "NetworkPolicy" => c.policies.push(parse_policy(namespace, &spec)?),
                "Gateway" => c
                    .gateways
                    .push(parse_gateway(name, namespace, &meta, &spec)?),
                "HTTPRoute" => c.routes.push(parse_route(name, namespace, &spec)?),
                "InferencePool" => c.pools.push(parse_pool(name, namespace, o, &spec)?),
                "Job" | "StatefulSet" | "Deployment" => {
                    let range = scaled
                        .get(&(namespace.clone(), kind.to_string(), name.clone()))
                        .copied();
                    c.pods
                        .extend(pods_of(kind, &name, &namespace, &spec, range)?)
                }
                "JobSet" => c.pods.extend(jobset_pods(&name, &namespace, &spec)?),
                "LeaderWorkerSet" => {
                    let range = scaled
                        .get(&(namespace.clone(), kind.to_string(), name.clone()))
                        .copied();
                    let (pods, services) = lws_objects(&name, &namespace, &spec, range)?;
                    c.pods.extend(pods);
                    lws_services.extend(services);
                }
                _ => {}
            }
        }
        // LeaderWorkerSet creates its headless Services only where no
        // Service of that name exists.
        for svc in lws_services {
            if c.service(&svc.name, &svc.namespace).is_none() {
                c.services.push(svc);
            }
        }
        Ok(c)
    }

    /// Add a namespace that the manifests do not create (it exists already).
    pub fn add_namespace(&mut self, name: &str, labels: &[(&str, &str)]) {
        let mut l: Labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        l.insert("kubernetes.io/metadata.name".into(), name.into());
        self.namespaces.entry(name.into()).or_insert(l);
    }

    /// Add a pod (of a namespace that exists or is added too); its index.
    pub fn add_pod(&mut self, pod: Pod) -> usize {
        self.add_namespace(&pod.namespace.clone(), &[]);
        self.pods.push(pod);
        self.pods.len() - 1
    }

    /// The pod a controller made: `kind`/`name`'s pod number `index`.
    pub fn pod_of(&self, kind: &str, name: &str, namespace: &str, index: u32) -> Option<usize> {
        self.pods.iter().position(|p| {
            p.namespace == namespace
                && p.owner
                    .as_ref()
                    .is_some_and(|o| o.kind == kind && o.name == name && o.index == index)
        })
    }

    fn namespace_labels(&self, ns: &str) -> Labels {
        self.namespaces.get(ns).cloned().unwrap_or_else(|| {
            Labels::from([("kubernetes.io/metadata.name".to_string(), ns.to_string())])
        })
    }

    /// Does any policy select this pod for this direction?
    fn isolated(&self, pod: &Pod, egress: bool) -> bool {
        self.policies.iter().any(|p| {
            p.namespace == pod.namespace
                && p.pod_selector.matches(&pod.labels)
                && if egress {
                    p.egress.is_some()
                } else {
                    p.ingress.is_some()
                }
        })
    }

    fn peer_matches(&self, policy_ns: &str, peer: &Peer, other: Endpoint) -> bool {
        match (peer, other) {
            (Peer::Block { cidr, except }, Endpoint::Ip(ip)) => {
                cidr.contains(ip) && !except.iter().any(|e| e.contains(ip))
            }
            (Peer::Block { .. }, Endpoint::Pod(_)) => false,
            (Peer::Pods { .. }, Endpoint::Ip(_)) => false,
            (Peer::Pods { pods, namespaces }, Endpoint::Pod(i)) => {
                let pod = &self.pods[i];
                let ns_ok = match namespaces {
                    None => pod.namespace == policy_ns,
                    Some(sel) => sel.matches(&self.namespace_labels(&pod.namespace)),
                };
                ns_ok && pods.as_ref().is_none_or(|sel| sel.matches(&pod.labels))
            }
        }
    }

    /// A policy port against traffic to `port`/`protocol`; named ports are
    /// looked up on the destination pod (the pod being connected to).
    fn port_matches(pp: &PolicyPort, dest: Option<&Pod>, port: u16, protocol: &str) -> bool {
        if pp.protocol != protocol {
            return false;
        }
        match &pp.port {
            None => true,
            Some(TargetPort::Number(n)) => match pp.end_port {
                Some(end) => (*n..=end).contains(&port),
                None => *n == port,
            },
            Some(TargetPort::Name(name)) => dest.is_some_and(|d| {
                d.ports.iter().any(|cp| {
                    cp.name.as_deref() == Some(name.as_str())
                        && cp.port == port
                        && cp.protocol == protocol
                })
            }),
        }
    }

    fn rule_allows(
        &self,
        policy_ns: &str,
        rule: &Rule,
        other: Endpoint,
        dest: Option<&Pod>,
        port: u16,
        protocol: &str,
    ) -> bool {
        let peer_ok = match &rule.peers {
            None => true,
            Some(peers) => peers.iter().any(|p| self.peer_matches(policy_ns, p, other)),
        };
        let port_ok = match &rule.ports {
            None => true,
            Some(ports) => ports
                .iter()
                .any(|pp| Self::port_matches(pp, dest, port, protocol)),
        };
        peer_ok && port_ok
    }

    /// May `from` send to `to` on `port`/`protocol`? Both the egress side of
    /// the source pod and the ingress side of the destination pod must allow
    /// it; a side that no policy selects allows everything; policies add up.
    /// An address is not under any policy of this cluster.
    pub fn can(&self, from: Endpoint, to: Endpoint, port: u16, protocol: &str) -> bool {
        let dest_pod = match to {
            Endpoint::Pod(i) => Some(&self.pods[i]),
            Endpoint::Ip(_) => None,
        };
        let egress_ok = match from {
            Endpoint::Ip(_) => true,
            Endpoint::Pod(i) => {
                let pod = &self.pods[i];
                !self.isolated(pod, true)
                    || self.policies.iter().any(|p| {
                        p.namespace == pod.namespace
                            && p.pod_selector.matches(&pod.labels)
                            && p.egress.iter().flatten().any(|r| {
                                self.rule_allows(&p.namespace, r, to, dest_pod, port, protocol)
                            })
                    })
            }
        };
        let ingress_ok = match dest_pod {
            None => true,
            Some(pod) => {
                !self.isolated(pod, false)
                    || self.policies.iter().any(|p| {
                        p.namespace == pod.namespace
                            && p.pod_selector.matches(&pod.labels)
                            && p.ingress.iter().flatten().any(|r| {
                                self.rule_allows(&p.namespace, r, from, Some(pod), port, protocol)
                            })
                    })
            }
        };
        egress_ok && ingress_ok
    }

    fn selects(&self, svc: &Service, pod: &Pod) -> bool {
        pod.namespace == svc.namespace
            && svc.selector.as_ref().is_some_and(|sel| {
                !sel.is_empty() && sel.iter().all(|(k, v)| pod.labels.get(k) == Some(v))
            })
    }

    /// The pods a fully qualified DNS name reaches through cluster DNS
    /// (`cluster.local`), sorted by index. `ready`: whether the pods are
    /// Ready; a rendezvous happens before they are, when only Services with
    /// `publishNotReadyAddresses` list them.
    ///
    /// - `<svc>.<ns>.svc.cluster.local`: the pods the Service selects (its
    ///   cluster IP forwards to them, or, headless, their own addresses);
    /// - `<host>.<svc>.<ns>.svc.cluster.local`: the pod with that hostname
    ///   and subdomain `<svc>`, when `<svc>` is a headless Service selecting it.
    pub fn resolve(&self, name: &str, ready: bool) -> Vec<usize> {
        let name = name.strip_suffix('.').unwrap_or(name);
        let Some(rest) = name.strip_suffix(".svc.cluster.local") else {
            return Vec::new();
        };
        let labels: Vec<&str> = rest.split('.').collect();
        let listed =
            |svc: &Service, pod: &Pod| self.selects(svc, pod) && (ready || svc.publish_not_ready);
        match labels.as_slice() {
            [svc, ns] => self
                .services
                .iter()
                .filter(|s| s.name == *svc && s.namespace == *ns)
                .flat_map(|s| {
                    self.pods
                        .iter()
                        .enumerate()
                        .filter(move |(_, p)| listed(s, p))
                        .map(|(i, _)| i)
                })
                .collect(),
            [host, svc, ns] => self
                .services
                .iter()
                .filter(|s| s.name == *svc && s.namespace == *ns && s.headless)
                .flat_map(|s| {
                    self.pods
                        .iter()
                        .enumerate()
                        .filter(move |(_, p)| {
                            p.hostname.as_deref() == Some(*host)
                                && p.subdomain.as_deref() == Some(*svc)
                                && listed(s, p)
                        })
                        .map(|(i, _)| i)
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Where traffic to Service `svc` in `ns` on its port `port`/`protocol`
    /// lands: each selected pod with the container port the targetPort names
    /// (a named targetPort is looked up per pod; a pod without it is skipped,
    /// as the endpoints controller does).
    pub fn service_backends(
        &self,
        svc: &str,
        ns: &str,
        port: u16,
        protocol: &str,
    ) -> Vec<(usize, u16)> {
        let mut out = Vec::new();
        for s in self
            .services
            .iter()
            .filter(|s| s.name == svc && s.namespace == ns)
        {
            for sp in s
                .ports
                .iter()
                .filter(|sp| sp.port == port && sp.protocol == protocol)
            {
                for (i, pod) in self.pods.iter().enumerate() {
                    if !self.selects(s, pod) {
                        continue;
                    }
                    let target = match &sp.target {
                        TargetPort::Number(n) => Some(*n),
                        TargetPort::Name(n) => pod
                            .ports
                            .iter()
                            .find(|cp| cp.name.as_deref() == Some(n) && cp.protocol == protocol)
                            .map(|cp| cp.port),
                    };
                    if let Some(t) = target {
                        out.push((i, t));
                    }
                }
            }
        }
        out
    }

    /// Where Gateway `gw` (of namespace `ns`) sends an HTTP request for
    /// `host` and `path` that arrives on its listener port `port`, by
    /// Gateway API's rules: the HTTPRoutes whose parentRef names the
    /// Gateway (and the listener, by sectionName, when given) and that the
    /// listener admits (`Same`: the Gateway's namespace only); among their
    /// rules whose hostnames match the host (none: every host; `*.d` any
    /// name under d) and whose PathPrefix matches the path on a segment
    /// boundary, the most specific host then the longest prefix wins. The
    /// result is that rule's backends as (pod, container port) — before any
    /// NetworkPolicy; see [`Cluster::through_gateway`].
    pub fn gateway_backends(
        &self,
        gw: &str,
        ns: &str,
        port: u16,
        host: &str,
        path: &str,
    ) -> Vec<(usize, u16)> {
        let Some((rule, route)) = self.gateway_rule(gw, ns, port, host, path) else {
            return Vec::new();
        };
        if rule.redirect.is_some() {
            return Vec::new();
        }
        rule.backends
            .iter()
            .flat_map(|b| match b {
                Backend::Service(svc, sport) => {
                    self.service_backends(svc, &route.namespace, *sport, "TCP")
                }
                Backend::Pool(pool) => self.pool_backends(pool, &route.namespace),
            })
            .collect()
    }

    /// The redirect (scheme, status) a Gateway answers a request with, by
    /// the same rule choice as [`Cluster::gateway_backends`].
    pub fn gateway_redirect(
        &self,
        gw: &str,
        ns: &str,
        port: u16,
        host: &str,
        path: &str,
    ) -> Option<(String, u16)> {
        self.gateway_rule(gw, ns, port, host, path)
            .and_then(|(rule, _)| rule.redirect.clone())
    }

    /// The rule that takes a request. A listener takes requests on its
    /// port: HTTP ones, or HTTPS ones when it terminates TLS with a
    /// certificate (a Secret, a listener option of GKE's, or the Gateway's
    /// certificate map).
    fn gateway_rule(
        &self,
        gw: &str,
        ns: &str,
        port: u16,
        host: &str,
        path: &str,
    ) -> Option<(&RouteRule, &HttpRoute)> {
        let g = self
            .gateways
            .iter()
            .find(|g| g.name == gw && g.namespace == ns)?;
        let listeners: Vec<&Listener> = g
            .listeners
            .iter()
            .filter(|l| {
                l.port == port
                    && match l.protocol.as_str() {
                        "HTTP" => true,
                        "HTTPS" => l.tls.as_ref().is_some_and(|t| {
                            t.mode == "Terminate"
                                && (!t.secrets.is_empty()
                                    || !t.options.is_empty()
                                    || g.certmap.is_some())
                        }),
                        _ => false,
                    }
            })
            .collect();
        // (host specificity, prefix length) -> backends of the best rule.
        let mut best: Option<((u8, usize), &RouteRule, &HttpRoute)> = None;
        for r in &self.routes {
            let attached = r.parents.iter().any(|(pns, pname, section)| {
                pns == ns
                    && pname == gw
                    && listeners.iter().any(|l| {
                        section.as_ref().is_none_or(|s| *s == l.name)
                            && (!l.same_namespace || r.namespace == g.namespace)
                    })
            });
            if !attached {
                continue;
            }
            let host_rank = if r.hostnames.is_empty() {
                Some(0)
            } else {
                r.hostnames
                    .iter()
                    .filter_map(|h| {
                        if h == host {
                            Some(2)
                        } else if let Some(suffix) = h.strip_prefix("*.") {
                            host.strip_suffix(suffix)
                                .and_then(|rest| rest.strip_suffix('.'))
                                .filter(|rest| !rest.is_empty())
                                .map(|_| 1)
                        } else {
                            None
                        }
                    })
                    .max()
            };
            let Some(host_rank) = host_rank else { continue };
            for rule in &r.rules {
                let prefixes: Vec<&str> = if rule.prefixes.is_empty() {
                    vec!["/"]
                } else {
                    rule.prefixes.iter().map(String::as_str).collect()
                };
                for p in prefixes {
                    let trimmed = p.trim_end_matches('/');
                    let hit = trimmed.is_empty()
                        || path == trimmed
                        || path
                            .strip_prefix(trimmed)
                            .is_some_and(|rest| rest.starts_with('/'));
                    if !hit {
                        continue;
                    }
                    let key = (host_rank, trimmed.len());
                    if best.as_ref().is_none_or(|(k, _, _)| key > *k) {
                        best = Some((key, rule, r));
                    }
                }
            }
        }
        best.map(|(_, rule, route)| (rule, route))
    }

    pub fn pool(&self, name: &str, ns: &str) -> Option<&InferencePool> {
        self.pools
            .iter()
            .find(|p| p.name == name && p.namespace == ns)
    }

    /// The pods an InferencePool selects (its namespace, every label of a
    /// non-empty selector), each on each target port.
    pub fn pool_backends(&self, name: &str, ns: &str) -> Vec<(usize, u16)> {
        let Some(pool) = self.pool(name, ns) else {
            return Vec::new();
        };
        self.pods
            .iter()
            .enumerate()
            .filter(|(_, pod)| {
                pod.namespace == ns
                    && !pool.selector.is_empty()
                    && pool
                        .selector
                        .iter()
                        .all(|(k, v)| pod.labels.get(k) == Some(v))
            })
            .flat_map(|(i, _)| pool.target_ports.iter().map(move |p| (i, *p)))
            .collect()
    }

    /// The endpoint picker's pods and container port, through its Service.
    pub fn pool_picker(&self, name: &str, ns: &str) -> Vec<(usize, u16)> {
        self.pool(name, ns).map_or_else(Vec::new, |p| {
            self.service_backends(&p.picker.0, ns, p.picker.1, "TCP")
        })
    }

    /// [`Cluster::gateway_backends`] as the pods see it: GKE's Gateways
    /// send to the pods' own addresses (container-native load balancing),
    /// from the load balancer's proxies, so a backend is reached only when
    /// the NetworkPolicies admit `proxy` (an address the proxies connect
    /// from) on its container port.
    pub fn through_gateway(
        &self,
        gw: &str,
        ns: &str,
        port: u16,
        host: &str,
        path: &str,
        proxy: Ipv4Addr,
    ) -> Vec<(usize, u16)> {
        self.gateway_backends(gw, ns, port, host, path)
            .into_iter()
            .filter(|(pod, p)| self.can(Endpoint::Ip(proxy), Endpoint::Pod(*pod), *p, "TCP"))
            .collect()
    }

    pub fn service(&self, name: &str, ns: &str) -> Option<&Service> {
        self.services
            .iter()
            .find(|s| s.name == name && s.namespace == ns)
    }
}

fn parse_gateway(
    name: String,
    namespace: String,
    meta: &Value,
    spec: &Value,
) -> Result<Gateway, String> {
    let class = str_field(spec, "gatewayClassName")?;
    let mut listeners = Vec::new();
    for l in spec
        .get("listeners")
        .and_then(Value::as_array)
        .ok_or("a Gateway without listeners")?
    {
        let from = l
            .pointer("/allowedRoutes/namespaces/from")
            .and_then(Value::as_str)
            .unwrap_or("Same");
        let tls = match l.get("tls") {
            None => None,
            Some(t) => Some(ListenerTls {
                mode: t
                    .get("mode")
                    .and_then(Value::as_str)
                    .unwrap_or("Terminate")
                    .to_string(),
                secrets: t
                    .get("certificateRefs")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|r| {
                        r.get("group")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .is_empty()
                            && r.get("kind").and_then(Value::as_str).unwrap_or("Secret") == "Secret"
                    })
                    .map(|r| str_field(r, "name"))
                    .collect::<Result<_, _>>()?,
                options: match t.get("options") {
                    Some(o) => string_map(o)?,
                    None => Labels::new(),
                },
            }),
        };
        listeners.push(Listener {
            name: str_field(l, "name")?,
            port: u16_of(l.get("port").unwrap_or(&Value::Null))?,
            protocol: str_field(l, "protocol")?,
            same_namespace: from == "Same",
            tls,
        });
    }
    Ok(Gateway {
        name,
        namespace,
        class,
        listeners,
        certmap: meta
            .pointer("/annotations/networking.gke.io~1certmap")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

fn parse_route(name: String, namespace: String, spec: &Value) -> Result<HttpRoute, String> {
    let mut parents = Vec::new();
    for p in spec
        .get("parentRefs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let kind = p.get("kind").and_then(Value::as_str).unwrap_or("Gateway");
        if kind != "Gateway" {
            continue;
        }
        parents.push((
            p.get("namespace")
                .and_then(Value::as_str)
                .unwrap_or(&namespace)
                .to_string(),
            str_field(p, "name")?,
            p.get("sectionName")
                .and_then(Value::as_str)
                .map(str::to_string),
        ));
    }
    let hostnames = spec
        .get("hostnames")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|h| h.as_str().map(str::to_string))
        .collect();
    let mut rules = Vec::new();
    for r in spec
        .get("rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mut prefixes = Vec::new();
        for m in r
            .get("matches")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let path = m.get("path");
            let kind = path
                .and_then(|p| p.get("type"))
                .and_then(Value::as_str)
                .unwrap_or("PathPrefix");
            if kind != "PathPrefix" {
                return Err(format!(
                    "HTTPRoute {name}: path match {kind} is not modelled"
                ));
            }
            prefixes.push(
                path.and_then(|p| p.get("value"))
                    .and_then(Value::as_str)
                    .unwrap_or("/")
                    .to_string(),
            );
        }
        let mut redirect = None;
        for f in r
            .get("filters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match f.get("type").and_then(Value::as_str) {
                Some("RequestRedirect") => {
                    let rr = f.get("requestRedirect").ok_or(format!(
                        "HTTPRoute {name}: RequestRedirect without requestRedirect"
                    ))?;
                    redirect = Some((
                        rr.get("scheme")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        // Gateway API's default status is 302.
                        rr.get("statusCode").map_or(Ok(302), u16_of)?,
                    ));
                }
                other => {
                    return Err(format!(
                        "HTTPRoute {name}: filter {other:?} is not modelled"
                    ))
                }
            }
        }
        let mut backends = Vec::new();
        for b in r
            .get("backendRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let kind = b.get("kind").and_then(Value::as_str).unwrap_or("Service");
            let group = b.get("group").and_then(Value::as_str).unwrap_or("");
            match (group, kind) {
                ("", "Service") => backends.push(Backend::Service(
                    str_field(b, "name")?,
                    u16_of(b.get("port").unwrap_or(&Value::Null))?,
                )),
                ("inference.networking.k8s.io", "InferencePool") => {
                    backends.push(Backend::Pool(str_field(b, "name")?))
                }
                _ => {
                    return Err(format!(
                        "HTTPRoute {name}: backend {group}/{kind} is not modelled"
                    ))
                }
            }
        }
        rules.push(RouteRule {
            prefixes,
            redirect,
            backends,
        });
    }
    Ok(HttpRoute {
        namespace,
        parents,
        hostnames,
        rules,
    })
}

fn parse_pool(
    name: String,
    namespace: String,
    o: &Value,
    spec: &Value,
) -> Result<InferencePool, String> {
    if o.get("apiVersion").and_then(Value::as_str) != Some("inference.networking.k8s.io/v1") {
        return Err(format!("InferencePool {name}: only v1 is modelled"));
    }
    let selector = string_map(
        spec.pointer("/selector/matchLabels")
            .ok_or(format!("InferencePool {name} without selector.matchLabels"))?,
    )?;
    let mut target_ports = Vec::new();
    for p in spec
        .get("targetPorts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        target_ports.push(u16_of(p.get("number").unwrap_or(&Value::Null))?);
    }
    let r = spec
        .get("endpointPickerRef")
        .ok_or(format!("InferencePool {name} without endpointPickerRef"))?;
    let kind = r.get("kind").and_then(Value::as_str).unwrap_or("Service");
    if kind != "Service" {
        return Err(format!(
            "InferencePool {name}: picker kind {kind} is not modelled"
        ));
    }
    let picker = (
        str_field(r, "name")?,
        u16_of(r.pointer("/port/number").unwrap_or(&Value::Null))?,
    );
    Ok(InferencePool {
        name,
        namespace,
        selector,
        target_ports,
        picker,
    })
}

fn parse_service(
    name: String,
    namespace: String,
    meta: &Value,
    spec: &Value,
) -> Result<Service, String> {
    let kind = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
        .to_string();
    let mut ports = Vec::new();
    for p in spec
        .get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let port = u16_of(p.get("port").unwrap_or(&Value::Null))?;
        ports.push(ServicePort {
            port,
            protocol: p
                .get("protocol")
                .and_then(Value::as_str)
                .unwrap_or("TCP")
                .to_string(),
            // targetPort defaults to the port's number.
            target: match p.get("targetPort") {
                Some(t) => int_or_name(t)?,
                None => TargetPort::Number(port),
            },
        });
    }
    Ok(Service {
        name,
        namespace,
        kind,
        headless: spec.get("clusterIP").and_then(Value::as_str) == Some("None"),
        publish_not_ready: spec
            .get("publishNotReadyAddresses")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        selector: spec.get("selector").map(string_map).transpose()?,
        ports,
        external_traffic_policy: spec
            .get("externalTrafficPolicy")
            .and_then(Value::as_str)
            .map(String::from),
        annotations: meta
            .get("annotations")
            .map(string_map)
            .transpose()?
            .unwrap_or_default(),
    })
}

fn parse_rules(v: Option<&Value>, peers_key: &str) -> Result<Option<Vec<Rule>>, String> {
    let Some(list) = v else { return Ok(None) };
    let list = list.as_array().ok_or("rules: not a list")?;
    let mut rules = Vec::new();
    for r in list {
        // A missing or empty peer list allows every peer; a missing or
        // empty port list every port.
        let peers = match r.get(peers_key).and_then(Value::as_array) {
            None => None,
            Some(a) if a.is_empty() => None,
            Some(a) => Some(a.iter().map(parse_peer).collect::<Result<Vec<_>, _>>()?),
        };
        let ports = match r.get("ports").and_then(Value::as_array) {
            None => None,
            Some(a) if a.is_empty() => None,
            Some(a) => Some(
                a.iter()
                    .map(|p| {
                        Ok(PolicyPort {
                            protocol: p
                                .get("protocol")
                                .and_then(Value::as_str)
                                .unwrap_or("TCP")
                                .to_string(),
                            port: p.get("port").map(int_or_name).transpose()?,
                            end_port: p.get("endPort").map(u16_of).transpose()?,
                        })
                    })
                    .collect::<Result<Vec<_>, String>>()?,
            ),
        };
        rules.push(Rule { peers, ports });
    }
    Ok(Some(rules))
}

fn parse_peer(p: &Value) -> Result<Peer, String> {
    if let Some(b) = p.get("ipBlock") {
        let cidr = Cidr::parse(&str_field(b, "cidr")?)?;
        let except = b
            .get("except")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|e| Cidr::parse(e.as_str().unwrap_or_default()))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Peer::Block { cidr, except });
    }
    let pods = p.get("podSelector").map(Selector::parse).transpose()?;
    let namespaces = p
        .get("namespaceSelector")
        .map(Selector::parse)
        .transpose()?;
    if pods.is_none() && namespaces.is_none() {
        return Err(format!("a peer with no selector and no ipBlock: {p}"));
    }
    Ok(Peer::Pods { pods, namespaces })
}

fn parse_policy(namespace: String, spec: &Value) -> Result<Policy, String> {
    let pod_selector = Selector::parse(spec.get("podSelector").ok_or("no podSelector")?)?;
    let types: Vec<&str> = match spec.get("policyTypes").and_then(Value::as_array) {
        Some(t) => t.iter().filter_map(Value::as_str).collect(),
        // Default: Ingress, plus Egress when the policy has egress rules.
        None if spec.get("egress").is_some() => vec!["Ingress", "Egress"],
        None => vec!["Ingress"],
    };
    // A listed type without rules isolates and allows nothing.
    let rules = |key: &str, peers: &str| -> Result<Option<Vec<Rule>>, String> {
        if !types.contains(&key) {
            return Ok(None);
        }
        let k = key.to_lowercase();
        Ok(Some(
            parse_rules(spec.get(k.as_str()), peers)?.unwrap_or_default(),
        ))
    };
    Ok(Policy {
        namespace,
        pod_selector,
        ingress: rules("Ingress", "from")?,
        egress: rules("Egress", "to")?,
    })
}

fn container_ports(template_spec: &Value) -> Result<(Vec<ContainerPort>, RawEnvList), String> {
    let mut ports = Vec::new();
    let mut env = Vec::new();
    for c in template_spec
        .get("containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for p in c
            .get("ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            ports.push(ContainerPort {
                name: p.get("name").and_then(Value::as_str).map(String::from),
                port: u16_of(p.get("containerPort").unwrap_or(&Value::Null))?,
                protocol: p
                    .get("protocol")
                    .and_then(Value::as_str)
                    .unwrap_or("TCP")
                    .to_string(),
            });
        }
        for e in c.get("env").and_then(Value::as_array).into_iter().flatten() {
            let Some(n) = e.get("name").and_then(Value::as_str) else {
                continue;
            };
            let raw = match (
                e.get("value").and_then(Value::as_str),
                e.pointer("/valueFrom/fieldRef/fieldPath")
                    .and_then(Value::as_str),
            ) {
                (Some(v), _) => RawEnv::Value(v.to_string()),
                (None, Some(f)) => RawEnv::Field(f.to_string()),
                (None, None) if e.get("valueFrom").is_some() => RawEnv::Other,
                (None, None) => RawEnv::Value(String::new()),
            };
            env.push((n.to_string(), raw));
        }
    }
    Ok((ports, env))
}

fn replicas(spec: &Value, key: &str) -> Result<u32, String> {
    match spec.get(key) {
        None => Ok(1),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| format!("{key}: not a count: {v}")),
    }
}

/// The pods a workload object's controller makes.
fn pods_of(
    kind: &str,
    name: &str,
    namespace: &str,
    spec: &Value,
    autoscaled: Option<(u32, u32)>,
) -> Result<Vec<Pod>, String> {
    let template = spec.get("template").ok_or("no template")?;
    let template_spec = template.get("spec").ok_or("no template spec")?;
    let labels = match template.pointer("/metadata/labels") {
        Some(l) => string_map(l)?,
        None => Labels::new(),
    };
    let annotations = match template.pointer("/metadata/annotations") {
        Some(a) => string_map(a)?,
        None => Labels::new(),
    };
    let (ports, env) = container_ports(template_spec)?;
    let own_hostname = template_spec
        .get("hostname")
        .and_then(Value::as_str)
        .map(String::from);
    let own_subdomain = template_spec
        .get("subdomain")
        .and_then(Value::as_str)
        .map(String::from);
    let (count, indexed) = match kind {
        // A Job runs `parallelism` pods at once (at most `completions`).
        "Job" => {
            let parallel = replicas(spec, "parallelism")?;
            let count = match spec.get("completions") {
                Some(_) => parallel.min(replicas(spec, "completions")?),
                None => parallel,
            };
            (
                count,
                spec.get("completionMode").and_then(Value::as_str) == Some("Indexed"),
            )
        }
        _ => {
            let n = replicas(spec, "replicas")?;
            let n = autoscaled.map_or(n, |(min, max)| n.clamp(min, max.max(min)));
            (n, false)
        }
    };
    let mut pods = Vec::new();
    for i in 0..count {
        let mut l = labels.clone();
        let mut a = annotations.clone();
        let (pod_name, hostname, subdomain) = match kind {
            "StatefulSet" => {
                let pod_name = format!("{name}-{i}");
                l.insert(
                    "statefulset.kubernetes.io/pod-name".into(),
                    pod_name.clone(),
                );
                l.insert("apps.kubernetes.io/pod-index".into(), i.to_string());
                let svc = spec
                    .get("serviceName")
                    .and_then(Value::as_str)
                    .map(String::from);
                (pod_name.clone(), Some(pod_name), svc)
            }
            "Job" => {
                l.insert("job-name".into(), name.into());
                l.insert("batch.kubernetes.io/job-name".into(), name.into());
                if indexed {
                    // The Job controller puts the index in both.
                    l.insert(
                        "batch.kubernetes.io/job-completion-index".into(),
                        i.to_string(),
                    );
                    a.insert(
                        "batch.kubernetes.io/job-completion-index".into(),
                        i.to_string(),
                    );
                    // The Job controller sets the hostname of an Indexed
                    // Job's pods to `<job>-<index>`.
                    (
                        format!("{name}-{i}-x{i}"),
                        Some(format!("{name}-{i}")),
                        own_subdomain.clone(),
                    )
                } else {
                    (
                        format!("{name}-x{i}"),
                        own_hostname.clone(),
                        own_subdomain.clone(),
                    )
                }
            }
            _ => {
                l.insert("pod-template-hash".into(), "5d4f8c9b7".into());
                (
                    format!("{name}-5d4f8c9b7-x{i}"),
                    own_hostname.clone(),
                    own_subdomain.clone(),
                )
            }
        };
        let mut pod = Pod {
            name: pod_name,
            namespace: namespace.into(),
            labels: l,
            annotations: a,
            hostname,
            subdomain,
            ports: ports.clone(),
            env: BTreeMap::new(),
            raw_env: env.clone(),
            owner: Some(Owner {
                kind: kind.into(),
                name: name.into(),
                index: i,
            }),
        };
        pod.resolve_env();
        pods.push(pod);
    }
    Ok(pods)
}

/// The pods a JobSet makes: the pods of each child Job `<jobset>-<r>-<j>`
/// of each replicated Job `r`, labelled and annotated by JobSet
/// (`jobset.sigs.k8s.io/jobset-name`, `replicatedjob-name`, `job-index`),
/// under the JobSet's subdomain when DNS hostnames are on (JobSet's
/// default). Owner index: the pod's place among all the JobSet's pods, Job
/// by Job.
fn jobset_pods(name: &str, namespace: &str, spec: &Value) -> Result<Vec<Pod>, String> {
    let network = spec.get("network").cloned().unwrap_or(Value::Null);
    let dns = network
        .get("enableDNSHostnames")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let subdomain = network
        .get("subdomain")
        .and_then(Value::as_str)
        .unwrap_or(name)
        .to_string();
    let mut out: Vec<Pod> = Vec::new();
    for rj in spec
        .get("replicatedJobs")
        .and_then(Value::as_array)
        .ok_or("a JobSet without replicatedJobs")?
    {
        let rname = str_field(rj, "name")?;
        let jobs = replicas(rj, "replicas")?;
        let job_spec = rj
            .pointer("/template/spec")
            .ok_or("a replicated Job without a Job spec")?;
        for j in 0..jobs {
            let job_name = format!("{name}-{rname}-{j}");
            for mut pod in pods_of("Job", &job_name, namespace, job_spec, None)? {
                for (k, v) in [
                    ("jobset.sigs.k8s.io/jobset-name", name.to_string()),
                    ("jobset.sigs.k8s.io/replicatedjob-name", rname.clone()),
                    ("jobset.sigs.k8s.io/job-index", j.to_string()),
                ] {
                    pod.labels.insert(k.into(), v.clone());
                    pod.annotations.insert(k.into(), v);
                }
                if dns {
                    pod.subdomain = Some(subdomain.clone());
                }
                pod.owner = Some(Owner {
                    kind: "JobSet".into(),
                    name: name.into(),
                    index: out.len() as u32,
                });
                pod.resolve_env();
                out.push(pod);
            }
        }
    }
    Ok(out)
}

/// The pods and headless Services a LeaderWorkerSet makes (the LWS
/// documentation and API): `replicas` groups (an autoscaler's range
/// applied), each of `leaderWorkerTemplate.size` pods: the leader
/// `<lws>-<g>` from `leaderTemplate` (else `workerTemplate`), workers
/// `<lws>-<g>-<k>` (k >= 1) from `workerTemplate`. Every pod is labelled
/// `leaderworkerset.sigs.k8s.io/name`, `group-index` and `worker-index`,
/// has its own name as hostname, and gets `LWS_LEADER_ADDRESS`
/// (`<leader>.<subdomain>.<namespace>`), `LWS_GROUP_SIZE` and
/// `LWS_WORKER_INDEX` before its own env. Subdomain: with
/// `networkConfig.subdomainPolicy: UniquePerReplica`, the group's leader
/// name, with one headless Service of that name per group selecting the
/// group; else (`Shared`, the default) the LWS name, with one headless
/// Service selecting all its pods. Owner index: `g * size + k`.
fn lws_objects(
    name: &str,
    namespace: &str,
    spec: &Value,
    autoscaled: Option<(u32, u32)>,
) -> Result<(Vec<Pod>, Vec<Service>), String> {
    let groups = replicas(spec, "replicas")?;
    let groups = autoscaled.map_or(groups, |(min, max)| groups.clamp(min, max.max(min)));
    let t = spec
        .get("leaderWorkerTemplate")
        .ok_or("a LeaderWorkerSet without leaderWorkerTemplate")?;
    let size = replicas(t, "size")?;
    let worker = t
        .get("workerTemplate")
        .ok_or("a LeaderWorkerSet without workerTemplate")?;
    let leader = t.get("leaderTemplate").unwrap_or(worker);
    let unique = spec
        .pointer("/networkConfig/subdomainPolicy")
        .and_then(Value::as_str)
        == Some("UniquePerReplica");
    let set_label = "leaderworkerset.sigs.k8s.io/name";
    let group_label = "leaderworkerset.sigs.k8s.io/group-index";
    let headless = |svc: String, selector: Labels| Service {
        name: svc,
        namespace: namespace.into(),
        kind: "ClusterIP".into(),
        headless: true,
        publish_not_ready: true,
        selector: Some(selector),
        ports: Vec::new(),
        external_traffic_policy: None,
        annotations: Labels::new(),
    };
    let mut pods = Vec::new();
    let mut services = Vec::new();
    if !unique {
        services.push(headless(
            name.into(),
            Labels::from([(set_label.to_string(), name.to_string())]),
        ));
    }
    for g in 0..groups {
        let leader_name = format!("{name}-{g}");
        let subdomain = if unique {
            leader_name.clone()
        } else {
            name.to_string()
        };
        if unique {
            services.push(headless(
                leader_name.clone(),
                Labels::from([
                    (set_label.to_string(), name.to_string()),
                    (group_label.to_string(), g.to_string()),
                ]),
            ));
        }
        for k in 0..size {
            let template = if k == 0 { leader } else { worker };
            let one = serde_json::json!({"replicas": 1, "template": template});
            let Some(mut pod) = pods_of("Deployment", name, namespace, &one, None)?.pop() else {
                continue;
            };
            let pod_name = if k == 0 {
                leader_name.clone()
            } else {
                format!("{leader_name}-{k}")
            };
            pod.labels.remove("pod-template-hash");
            for (key, v) in [
                (set_label, name.to_string()),
                (group_label, g.to_string()),
                ("leaderworkerset.sigs.k8s.io/worker-index", k.to_string()),
            ] {
                pod.labels.insert(key.into(), v);
            }
            let mut env = vec![
                (
                    "LWS_LEADER_ADDRESS".to_string(),
                    RawEnv::Value(format!("{leader_name}.{subdomain}.{namespace}")),
                ),
                (
                    "LWS_GROUP_SIZE".to_string(),
                    RawEnv::Value(size.to_string()),
                ),
                ("LWS_WORKER_INDEX".to_string(), RawEnv::Value(k.to_string())),
            ];
            env.append(&mut pod.raw_env);
            pod.raw_env = env;
            pod.name = pod_name.clone();
            pod.hostname = Some(pod_name);
            pod.subdomain = Some(subdomain.clone());
            pod.owner = Some(Owner {
                kind: "LeaderWorkerSet".into(),
                name: name.into(),
                index: g * size + k,
            });
            pod.resolve_env();
            pods.push(pod);
        }
    }
    Ok((pods, services))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_references_expand_like_kubernetes() {
        let mut d = BTreeMap::new();
        d.insert("A".to_string(), "1".to_string());
        assert_eq!(expand("x-$(A)-y", &d), "x-1-y");
        assert_eq!(expand("$(B)", &d), "$(B)");
        assert_eq!(expand("$$(A)", &d), "$(A)");
        assert_eq!(expand("$(A", &d), "$(A");
        assert_eq!(expand("a$b", &d), "a$b");
    }
}
