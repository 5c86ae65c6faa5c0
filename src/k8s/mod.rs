//! Kubernetes objects (through k8s-openapi's typed model) lowered from the
//! resolved model, in apply order.

use crate::model::{End, Flow, Framework, Kind, Model, Workload};
use crate::yaml::Emitter;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, StatefulSet, StatefulSetSpec};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, EnvVarSource, Namespace,
    ObjectFieldSelector, PodSecurityContext, PodSpec, PodTemplateSpec, ResourceRequirements,
    SeccompProfile, SecurityContext, Service, ServiceAccount, ServicePort, ServiceSpec, Toleration,
    Volume, VolumeMount,
};
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;
use std::ops::Range;

#[cfg(not(target_arch = "wasm32"))]
mod parallel;

/// Label that selects a workload's pods.
pub const WORKLOAD_LABEL: &str = "podwire.dev/workload";
/// Private address ranges: excluded from `to: internet` so that the rule
/// cannot reach pods or Services inside the cluster.
pub const PRIVATE_RANGES: &[&str] = &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/// One Kubernetes object of the output. (Variants differ in size; there are
/// few objects per spec and boxing would only add noise.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    Namespace(Namespace),
    ServiceAccount(ServiceAccount),
    NetworkPolicy(NetworkPolicy),
    Service(Service),
    Job(Job),
    StatefulSet(StatefulSet),
    Deployment(Deployment),
}

impl Object {
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Object::Namespace(o) => &o.metadata,
            Object::ServiceAccount(o) => &o.metadata,
            Object::NetworkPolicy(o) => &o.metadata,
            Object::Service(o) => &o.metadata,
            Object::Job(o) => &o.metadata,
            Object::StatefulSet(o) => &o.metadata,
            Object::Deployment(o) => &o.metadata,
        }
    }

    /// (apiVersion, kind, plural) as the API server knows them.
    pub fn type_info(&self) -> (&'static str, &'static str, &'static str) {
        match self {
            Object::Namespace(_) => ("v1", "Namespace", "namespaces"),
            Object::ServiceAccount(_) => ("v1", "ServiceAccount", "serviceaccounts"),
            Object::NetworkPolicy(_) => {
                ("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies")
            }
            Object::Service(_) => ("v1", "Service", "services"),
            Object::Job(_) => ("batch/v1", "Job", "jobs"),
            Object::StatefulSet(_) => ("apps/v1", "StatefulSet", "statefulsets"),
            Object::Deployment(_) => ("apps/v1", "Deployment", "deployments"),
        }
    }

    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or_default()
    }

    pub fn namespace(&self) -> Option<&str> {
        self.metadata().namespace.as_deref()
    }

    /// The object as a YAML document (written directly from the typed object).
    pub fn to_yaml(&self) -> String {
        let mut e = Emitter::with_capacity(2048);
        self.write_yaml(&mut e);
        e.finish()
    }

    /// Append the object's YAML document (what [`Object::to_yaml`] returns).
    pub fn write_yaml(&self, e: &mut Emitter) {
        match self {
            Object::Namespace(o) => e.document(o),
            Object::ServiceAccount(o) => e.document(o),
            Object::NetworkPolicy(o) => e.document(o),
            Object::Service(o) => e.document(o),
            Object::Job(o) => e.document(o),
            Object::StatefulSet(o) => e.document(o),
            Object::Deployment(o) => e.document(o),
        }
    }

    /// The object as JSON (apiVersion and kind first).
    pub fn to_json(&self) -> serde_json::Value {
        let r = match self {
            Object::Namespace(o) => serde_json::to_value(o),
            Object::ServiceAccount(o) => serde_json::to_value(o),
            Object::NetworkPolicy(o) => serde_json::to_value(o),
            Object::Service(o) => serde_json::to_value(o),
            Object::Job(o) => serde_json::to_value(o),
            Object::StatefulSet(o) => serde_json::to_value(o),
            Object::Deployment(o) => serde_json::to_value(o),
        };
        // Serializing these plain structs cannot fail (no maps with non-string keys).
        r.unwrap_or(serde_json::Value::Null)
    }
}

fn s(v: &str) -> String {
    v.to_string()
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (s(k), s(v))).collect()
}

struct Lower<'m> {
    m: &'m Model,
    /// The labels every object carries (built once, cloned per object).
    common: BTreeMap<String, String>,
    /// The flows into and out of each workload, indexed once so that the
    /// policies stay linear in the spec.
    incoming: Vec<Vec<&'m Flow>>,
    outgoing: Vec<Vec<&'m Flow>>,
}

impl<'m> Lower<'m> {
    fn new(m: &'m Model) -> Self {
        let mut common = m.labels.clone();
        common.insert(s("app.kubernetes.io/managed-by"), s("podwire"));
        common.insert(s("app.kubernetes.io/part-of"), m.name.clone());
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
        Lower {
            m,
            common,
            incoming,
            outgoing,
        }
    }

    fn namespace(&self) -> Object {
        let mut ns_labels = self.common();
        ns_labels.insert(s("pod-security.kubernetes.io/enforce"), s("restricted"));
        ns_labels.insert(s("pod-security.kubernetes.io/enforce-version"), s("latest"));
        Object::Namespace(Namespace {
            metadata: ObjectMeta {
                name: Some(self.m.namespace.clone()),
                labels: Some(ns_labels),
                ..Default::default()
            },
            ..Default::default()
        })
    }

    /// Denies all traffic in the namespace; the per-workload policies allow
    /// the declared flows.
    fn default_deny(&self) -> Object {
        Object::NetworkPolicy(NetworkPolicy {
            metadata: self.meta("default-deny", &[]),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(LabelSelector::default()),
                policy_types: Some(vec![s("Ingress"), s("Egress")]),
                ..Default::default()
            }),
        })
    }

    fn common(&self) -> BTreeMap<String, String> {
        self.common.clone()
    }

    fn meta(&self, name: &str, extra: &[(&str, &str)]) -> ObjectMeta {
        let mut l = self.common();
        for (k, v) in extra {
            l.insert(s(k), s(v));
        }
        ObjectMeta {
            name: Some(s(name)),
            namespace: Some(self.m.namespace.clone()),
            labels: Some(l),
            ..Default::default()
        }
    }

    fn wl_meta(&self, name: &str, w: &Workload) -> ObjectMeta {
        self.meta(
            name,
            &[
                ("app.kubernetes.io/name", &w.name),
                (WORKLOAD_LABEL, &w.name),
            ],
        )
    }

    fn selector(w: &Workload) -> BTreeMap<String, String> {
        labels(&[(WORKLOAD_LABEL, &w.name)])
    }
}

/// Between two documents of `k8s/manifests.yaml`.
const SEPARATOR: &str = "---\n";

/// Writes `k8s/manifests.yaml`: each object's document, [`SEPARATOR`]
/// between them (also the rule of the two-thread path's pieces).
pub struct ManifestWriter {
    out: Emitter,
    count: usize,
}

impl ManifestWriter {
    /// `objects` sizes the buffer (about 850 bytes per object on the examples).
    pub fn with_capacity(objects: usize) -> Self {
        Self::with_bytes(objects.max(8) * 1024)
    }

    /// A writer whose buffer holds `bytes` before it grows.
    pub fn with_bytes(bytes: usize) -> Self {
        ManifestWriter {
            out: Emitter::with_capacity(bytes),
            count: 0,
        }
    }

    pub fn push(&mut self, o: &Object) {
        if self.count > 0 {
            self.out.raw(SEPARATOR);
        }
        self.count += 1;
        o.write_yaml(&mut self.out);
    }

    pub fn finish(self) -> String {
        self.out.finish()
    }
}

/// The manifests file of a model, written object by object as they are built.
pub fn manifests_yaml(m: &Model) -> String {
    manifests_yaml_beside(m, || ()).0
}

/// [`manifests_yaml`], and `beside` run on this thread while, for a large
/// spec, another thread is already writing manifests: the rest of a
/// compile's outputs then take no time of their own.
pub fn manifests_yaml_beside<T>(m: &Model, beside: impl FnOnce() -> T) -> (String, T) {
    let lw = Lower::new(m);
    #[cfg(not(target_arch = "wasm32"))]
    if m.workloads.len() >= parallel::FROM {
        return parallel::manifests(&lw, beside);
    }
    let extra = beside();
    let mut w = ManifestWriter::with_capacity(2 + 4 * m.workloads.len());
    lower_all(&lw, &mut |o| w.push(&o));
    (w.finish(), extra)
}

/// All objects, in the order they should be applied: the namespace, service
/// accounts, network policies (before any pod can start unrestricted),
/// Services, then the workloads.
pub fn objects(m: &Model) -> Vec<Object> {
    let mut v = Vec::new();
    each_object(m, &mut |o| v.push(o));
    v
}

/// Every object in [`objects`]' apply order, handed to `out` one at a time as it is
/// built (so a compile can write and free each object while it is still in
/// cache, instead of holding thousands of them).
pub fn each_object(m: &Model, out: &mut dyn FnMut(Object)) {
    lower_all(&Lower::new(m), out);
}

fn lower_all(lw: &Lower, out: &mut dyn FnMut(Object)) {
    out(lw.namespace());
    for sec in SECTIONS {
        if sec == Section::Policies && !lw.m.flows.is_empty() {
            out(lw.default_deny());
        }
        section(lw, sec, 0..lw.m.workloads.len(), out);
    }
}

/// The per-workload objects of the apply order, one kind after the other.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    ServiceAccounts,
    /// Only when the spec declares connections (after `default-deny`).
    Policies,
    Services,
    Workloads,
}

const SECTIONS: [Section; 4] = [
    Section::ServiceAccounts,
    Section::Policies,
    Section::Services,
    Section::Workloads,
];

/// One section's objects for the workloads in `range`.
fn section(lw: &Lower, sec: Section, range: Range<usize>, out: &mut dyn FnMut(Object)) {
    let m = lw.m;
    for i in range {
        let w = &m.workloads[i];
        match sec {
            Section::ServiceAccounts => {
                let mut meta = lw.wl_meta(&w.name, w);
                if let Some(gsa) = &w.gcp_service_account {
                    meta.annotations = Some(labels(&[("iam.gke.io/gcp-service-account", gsa)]));
                }
                out(Object::ServiceAccount(ServiceAccount {
                    metadata: meta,
                    automount_service_account_token: Some(false),
                    ..Default::default()
                }));
            }
            Section::Policies if !m.flows.is_empty() => {
                out(Object::NetworkPolicy(policy(
                    lw,
                    w,
                    &lw.incoming[i],
                    &lw.outgoing[i],
                )));
            }
            Section::Policies => {}
            Section::Services => services(lw, w, out),
            Section::Workloads => out(workload(lw, w)),
        }
    }
}

fn service_ports(w: &Workload) -> Option<Vec<ServicePort>> {
    (!w.ports.is_empty()).then(|| {
        w.ports
            .iter()
            .map(|p| ServicePort {
                name: Some(p.name.clone()),
                port: i32::from(p.port),
                protocol: Some(s(p.protocol.as_str())),
                target_port: Some(IntOrString::Int(i32::from(p.port))),
                ..Default::default()
            })
            .collect()
    })
}

fn services(lw: &Lower, w: &Workload, out: &mut dyn FnMut(Object)) {
    if let Some(name) = &w.service {
        let spec = if w.headless {
            ServiceSpec {
                cluster_ip: Some(s("None")),
                publish_not_ready_addresses: Some(true),
                ports: service_ports(w),
                selector: Some(Lower::selector(w)),
                ..Default::default()
            }
        } else {
            ServiceSpec {
                type_: Some(s("ClusterIP")),
                ports: service_ports(w),
                selector: Some(Lower::selector(w)),
                ..Default::default()
            }
        };
        out(Object::Service(Service {
            metadata: lw.wl_meta(name, w),
            spec: Some(spec),
            ..Default::default()
        }));
    }
    if let Some((name, internal)) = &w.load_balancer {
        let mut meta = lw.wl_meta(name, w);
        if *internal {
            meta.annotations = Some(labels(&[(
                "networking.gke.io/load-balancer-type",
                "Internal",
            )]));
        }
        out(Object::Service(Service {
            metadata: meta,
            spec: Some(ServiceSpec {
                type_: Some(s("LoadBalancer")),
                ports: service_ports(w),
                selector: Some(Lower::selector(w)),
                ..Default::default()
            }),
            ..Default::default()
        }));
    }
}

fn env(name: &str, value: String) -> EnvVar {
    EnvVar {
        name: s(name),
        value: Some(value),
        ..Default::default()
    }
}

fn env_field(name: &str, field: &str) -> EnvVar {
    EnvVar {
        name: s(name),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: s(field),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The rendezvous environment of a distributed workload.
fn rendezvous_env(m: &Model, w: &Workload) -> Vec<EnvVar> {
    let Some((framework, port)) = w.distributed else {
        return Vec::new();
    };
    let index_field = match w.kind {
        Kind::Job => "metadata.annotations['batch.kubernetes.io/job-completion-index']",
        _ => "metadata.labels['apps.kubernetes.io/pod-index']",
    };
    let addr = w.pod_dns(0, &m.namespace).unwrap_or_default();
    match framework {
        Framework::Pytorch => {
            let nproc = w.gpus.max(1);
            let mut v = Vec::new();
            for prefix in ["", "PET_"] {
                v.push(env(&format!("{prefix}MASTER_ADDR"), addr.clone()));
                v.push(env(&format!("{prefix}MASTER_PORT"), port.to_string()));
                v.push(env(&format!("{prefix}NNODES"), w.replicas.to_string()));
                v.push(env_field(&format!("{prefix}NODE_RANK"), index_field));
                v.push(env(&format!("{prefix}NPROC_PER_NODE"), nproc.to_string()));
            }
            v.push(env(
                "WORLD_SIZE",
                (u64::from(w.replicas) * u64::from(nproc)).to_string(),
            ));
            v
        }
        Framework::Jax => vec![
            env("JAX_COORDINATOR_ADDRESS", format!("{addr}:{port}")),
            env_field("JAX_PROCESS_ID", index_field),
            env("JAX_NUM_PROCESSES", w.replicas.to_string()),
        ],
    }
}

fn pod_template(lw: &Lower, w: &Workload, job: bool) -> PodTemplateSpec {
    let m = lw.m;
    let pool = &m.pools[w.pool];
    let mut env_vars = rendezvous_env(m, w);
    env_vars.retain(|e| !w.env.iter().any(|(k, _)| *k == e.name));
    env_vars.extend(w.env.iter().map(|(k, v)| env(k, v.clone())));

    let mut requests = BTreeMap::new();
    let mut limits = BTreeMap::new();
    if let Some(c) = &w.cpu {
        requests.insert(s("cpu"), Quantity(c.clone()));
    }
    if let Some(mem) = &w.memory {
        requests.insert(s("memory"), Quantity(mem.clone()));
        limits.insert(s("memory"), Quantity(mem.clone()));
    }
    if let Some(e) = &w.ephemeral_storage {
        requests.insert(s("ephemeral-storage"), Quantity(e.clone()));
    }
    if w.gpus > 0 {
        requests.insert(s("nvidia.com/gpu"), Quantity(w.gpus.to_string()));
        limits.insert(s("nvidia.com/gpu"), Quantity(w.gpus.to_string()));
    }
    if w.tpus > 0 {
        requests.insert(s("google.com/tpu"), Quantity(w.tpus.to_string()));
        limits.insert(s("google.com/tpu"), Quantity(w.tpus.to_string()));
    }
    let accelerated = w.gpus > 0 || w.tpus > 0;

    let mut node_selector = labels(&[("cloud.google.com/gke-nodepool", &pool.name)]);
    let mut tolerations = Vec::new();
    if pool.gpu.is_some() {
        tolerations.push(Toleration {
            key: Some(s("nvidia.com/gpu")),
            operator: Some(s("Exists")),
            effect: Some(s("NoSchedule")),
            ..Default::default()
        });
    }
    if let Some(t) = &pool.tpu {
        node_selector.insert(
            s("cloud.google.com/gke-tpu-accelerator"),
            t.accelerator.clone(),
        );
        node_selector.insert(s("cloud.google.com/gke-tpu-topology"), t.topology.clone());
        tolerations.push(Toleration {
            key: Some(s("google.com/tpu")),
            operator: Some(s("Exists")),
            effect: Some(s("NoSchedule")),
            ..Default::default()
        });
    }
    for (k, v, e) in &pool.taints {
        tolerations.push(Toleration {
            key: Some(k.clone()),
            operator: Some(s("Equal")),
            value: Some(v.clone()),
            effect: Some(s(match e {
                crate::spec::TaintEffect::NoSchedule => "NoSchedule",
                crate::spec::TaintEffect::PreferNoSchedule => "PreferNoSchedule",
                crate::spec::TaintEffect::NoExecute => "NoExecute",
            })),
            ..Default::default()
        });
    }

    let seccomp = || {
        Some(SeccompProfile {
            type_: s("RuntimeDefault"),
            ..Default::default()
        })
    };
    let container = Container {
        name: w.name.clone(),
        image: Some(w.image.clone()),
        command: (!w.command.is_empty()).then(|| w.command.clone()),
        args: (!w.args.is_empty()).then(|| w.args.clone()),
        env: (!env_vars.is_empty()).then_some(env_vars),
        ports: (!w.ports.is_empty()).then(|| {
            w.ports
                .iter()
                .map(|p| ContainerPort {
                    name: Some(p.name.clone()),
                    container_port: i32::from(p.port),
                    protocol: Some(s(p.protocol.as_str())),
                    ..Default::default()
                })
                .collect()
        }),
        resources: (!requests.is_empty()).then(|| ResourceRequirements {
            requests: Some(requests),
            limits: (!limits.is_empty()).then_some(limits),
            ..Default::default()
        }),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            capabilities: Some(Capabilities {
                drop: Some(vec![s("ALL")]),
                ..Default::default()
            }),
            run_as_non_root: Some(true),
            seccomp_profile: seccomp(),
            ..Default::default()
        }),
        volume_mounts: accelerated.then(|| {
            vec![VolumeMount {
                name: s("dshm"),
                mount_path: s("/dev/shm"),
                ..Default::default()
            }]
        }),
        ..Default::default()
    };
    let mut meta_labels = lw.common();
    meta_labels.insert(s("app.kubernetes.io/name"), w.name.clone());
    meta_labels.insert(s(WORKLOAD_LABEL), w.name.clone());
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(meta_labels),
            ..Default::default()
        }),
        spec: Some(PodSpec {
            automount_service_account_token: Some(false),
            containers: vec![container],
            node_selector: Some(node_selector),
            restart_policy: job.then(|| s("Never")),
            security_context: Some(PodSecurityContext {
                run_as_non_root: Some(true),
                run_as_user: w.run_as_user,
                run_as_group: w.run_as_group,
                seccomp_profile: seccomp(),
                ..Default::default()
            }),
            service_account_name: Some(w.name.clone()),
            subdomain: if job && w.peers {
                w.service.clone()
            } else {
                None
            },
            tolerations: (!tolerations.is_empty()).then_some(tolerations),
            volumes: accelerated.then(|| {
                vec![Volume {
                    name: s("dshm"),
                    empty_dir: Some(EmptyDirVolumeSource {
                        medium: Some(s("Memory")),
                        ..Default::default()
                    }),
                    ..Default::default()
                }]
            }),
            ..Default::default()
        }),
    }
}

fn workload(lw: &Lower, w: &Workload) -> Object {
    let meta = lw.wl_meta(&w.name, w);
    let selector = LabelSelector {
        match_labels: Some(Lower::selector(w)),
        ..Default::default()
    };
    let replicas = i32::try_from(w.replicas).unwrap_or(i32::MAX);
    match w.kind {
        Kind::Job => Object::Job(Job {
            metadata: meta,
            spec: Some(JobSpec {
                backoff_limit: Some(i32::try_from(w.backoff_limit).unwrap_or(i32::MAX)),
                completion_mode: Some(s("Indexed")),
                completions: Some(replicas),
                parallelism: Some(replicas),
                template: pod_template(lw, w, true),
                ..Default::default()
            }),
            ..Default::default()
        }),
        Kind::StatefulSet => Object::StatefulSet(StatefulSet {
            metadata: meta,
            spec: StatefulSetSpec {
                pod_management_policy: Some(s("Parallel")),
                replicas: Some(replicas),
                selector,
                service_name: w.service.clone(),
                template: pod_template(lw, w, false),
                ..Default::default()
            },
            ..Default::default()
        }),
        Kind::Deployment => Object::Deployment(Deployment {
            metadata: meta,
            spec: DeploymentSpec {
                replicas: Some(replicas),
                selector,
                template: pod_template(lw, w, false),
                ..Default::default()
            },
            ..Default::default()
        }),
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
