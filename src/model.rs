//! The resolved model: the spec with every default applied and every
//! reference resolved. Built once by [`crate::check`]; the GKE, Kubernetes,
//! kubeconfig and graph lowerings only read it, so each decision about what
//! to generate is made in one place.

use crate::spec::{GpuDriver, Protocol, TaintEffect};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub name: String,
    pub project: String,
    pub location: String,
    /// The cluster's region (the location itself for regional clusters).
    pub region: String,
    pub regional: bool,
    pub cluster_name: String,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    pub version: Option<String>,
    /// GKE ReleaseChannel.channel value.
    pub release_channel: &'static str,
    pub dataplane_v2: bool,
    pub workload_identity: bool,
    pub private_nodes: bool,
    pub authorized_networks: Vec<String>,
    pub network: Option<String>,
    pub subnetwork: Option<String>,
    pub pools: Vec<Pool>,
    pub workloads: Vec<Workload>,
    /// Resolved connections; NetworkPolicies are made only when this is non-empty.
    pub flows: Vec<Flow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    pub name: String,
    pub machine_type: String,
    /// Per zone.
    pub initial_nodes: u32,
    pub autoscaling: Option<(u32, u32)>,
    pub zones: Vec<String>,
    /// How many zones the pool spans (for capacity).
    pub zone_count: u32,
    pub gpu: Option<PoolGpu>,
    pub tpu: Option<PoolTpu>,
    pub spot: bool,
    pub reservation: Option<String>,
    pub compact: bool,
    pub gvnic: bool,
    pub disk_size_gb: Option<u32>,
    pub disk_type: Option<String>,
    pub image_type: Option<String>,
    /// Full scope URLs, sorted and deduplicated as gcloud sends them.
    pub scopes: Vec<String>,
    pub service_account: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<(String, String, TaintEffect)>,
    pub max_pods_per_node: Option<u32>,
    /// Per node, when the machine type is known.
    pub vcpus: Option<u32>,
    pub memory_mib: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PoolGpu {
    pub kind: String,
    pub count: u32,
    pub driver: GpuDriver,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PoolTpu {
    pub accelerator: String,
    pub topology: String,
    pub chips_per_node: u32,
    /// Hosts (nodes) of one slice; more than one makes the pool one
    /// multi-host slice, whose workloads run one pod per host.
    pub hosts: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Job,
    StatefulSet,
    Deployment,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Job => "Job",
            Kind::StatefulSet => "StatefulSet",
            Kind::Deployment => "Deployment",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub name: String,
    pub port: u16,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    Pytorch,
    Jax,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub name: String,
    pub image: String,
    pub pool: usize,
    pub kind: Kind,
    pub replicas: u32,
    pub gpus: u32,
    pub tpus: u32,
    pub cpu: Option<String>,
    pub memory: Option<String>,
    pub ephemeral_storage: Option<String>,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Declared ports plus the rendezvous port when it had to be added.
    pub ports: Vec<Port>,
    pub peers: bool,
    pub distributed: Option<(Framework, u16)>,
    /// The primary Service, if any, and whether it is headless.
    pub service: Option<String>,
    pub headless: bool,
    /// The load balancer Service: (name, internal).
    pub load_balancer: Option<(String, bool)>,
    /// Startup, readiness and liveness probes (long-running workloads).
    pub health: Option<Health>,
    /// The HorizontalPodAutoscaler. `replicas` is then its `min`, and the
    /// workload object leaves the replica count to the autoscaler.
    pub autoscale: Option<Autoscale>,
    /// The PodDisruptionBudget: the spec's, or the default for long-running
    /// workloads of more than one pod.
    pub disruption: Option<Disruption>,
    pub gcp_service_account: Option<String>,
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub backoff_limit: u32,
}

/// A workload's HTTP health endpoint, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub path: String,
    /// The name of the container port it is served on (TCP).
    pub port: String,
    /// How long the startup probe waits for the first success.
    pub startup_seconds: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Autoscale {
    pub min: u32,
    pub max: u32,
    pub target: ScaleOn,
}

/// What the autoscaler keeps at its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScaleOn {
    /// Average CPU use, percent of the request.
    Cpu(u32),
    /// A per-pod Prometheus gauge, scraped by Managed Service for Prometheus.
    Metric(ScrapedMetric),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrapedMetric {
    /// The Prometheus metric name.
    pub name: String,
    /// Average value per pod (a Kubernetes quantity).
    pub target: String,
    /// The container port name and HTTP path the collector scrapes.
    pub port: String,
    pub path: String,
}

/// A PodDisruptionBudget's one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disruption {
    MaxUnavailable(Amount),
    MinAvailable(Amount),
}

/// A number of pods, or a percentage of them (Kubernetes rounds it up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    Count(u32),
    Percent(u32),
}

impl Amount {
    /// The number of pods out of `pods` (percentages rounded up, as the
    /// disruption controller does).
    pub fn of(self, pods: u32) -> u32 {
        match self {
            Amount::Count(n) => n,
            Amount::Percent(p) => {
                let n = (u64::from(p) * u64::from(pods)).div_ceil(100);
                u32::try_from(n).unwrap_or(u32::MAX)
            }
        }
    }
}

impl Disruption {
    /// How many of `pods` healthy pods may be evicted at once (0: none ever).
    pub fn allowed(self, pods: u32) -> u32 {
        match self {
            Disruption::MaxUnavailable(a) => a.of(pods).min(pods),
            Disruption::MinAvailable(a) => pods.saturating_sub(a.of(pods)),
        }
    }
}

/// The cluster DNS name of a Service (`<service>.<namespace>.svc.cluster.local`).
pub fn service_dns(service: &str, namespace: &str) -> String {
    format!("{service}.{namespace}.svc.cluster.local")
}

impl Workload {
    /// DNS name of pod `i` (peers only): the pod's hostname under its
    /// headless Service.
    pub fn pod_dns(&self, i: u32, namespace: &str) -> Option<String> {
        let svc = self.service.as_ref().filter(|_| self.peers)?;
        Some(format!("{}-{i}.{}", self.name, service_dns(svc, namespace)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    Workload(usize),
    Internet,
    Cidr(String),
    Namespace(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub from: End,
    pub to: End,
    /// Empty: every port.
    pub ports: Vec<(u16, Protocol)>,
}
