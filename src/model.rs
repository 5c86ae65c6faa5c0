//! The resolved model: the spec with every default applied and every
//! reference resolved. Built once by [`crate::check`]; the GKE, Kubernetes,
//! kubeconfig and graph lowerings only read it, so each decision about what
//! to generate is made in one place.

pub use crate::spec::GatewayKind;
use crate::spec::{CacheMedium, GpuDriver, Priority, Protocol, TaintEffect};
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
    /// Kueue queues, in spec order.
    pub queues: Vec<Queue>,
    /// Resolved connections; NetworkPolicies are made only when this is non-empty.
    pub flows: Vec<Flow>,
    /// The region's proxy-only subnet (`gcp.proxySubnet`): where an
    /// internal Gateway's proxies connect from.
    pub proxy_subnet: Option<String>,
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
    /// Where the machines come from (spec `capacity`, `spot`, `reservation`).
    pub capacity: Capacity,
    /// flex-start / queued: how long a node lives, in seconds.
    pub max_run_duration_secs: Option<u64>,
    pub compact: bool,
    pub gvnic: bool,
    pub disk_size_gb: Option<u32>,
    pub disk_type: Option<String>,
    pub image_type: Option<String>,
    /// Image streaming (`gcfsConfig.enabled`).
    pub image_streaming: bool,
    /// The disk image of a secondary boot disk caching container images
    /// (`secondaryBootDisks[].diskImage`, mode CONTAINER_IMAGE_CACHE).
    pub secondary_boot_disk: Option<String>,
    /// Full scope URLs, sorted and deduplicated as gcloud sends them.
    pub scopes: Vec<String>,
    pub service_account: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<(String, String, TaintEffect)>,
    pub max_pods_per_node: Option<u32>,
    /// Per node, when the machine type is known.
    pub vcpus: Option<u32>,
    pub memory_mib: Option<u64>,
    /// Local SSDs backing the nodes' ephemeral storage
    /// (`ephemeralStorageLocalSsdConfig.localSsdCount`), set when a workload
    /// on the pool asks for scratch space and the machine type has them.
    pub ephemeral_local_ssds: Option<u32>,
    /// The GPUDirect mode the pool runs (spec `gpuDirect`).
    pub gpu_direct: GpuDirectMode,
    /// The extra VPCs the pool's nodes are attached to, in NIC order (empty
    /// without GPUDirect); see [`gpu_networks`].
    pub extra_networks: Vec<ExtraNetwork>,
}

impl Pool {
    /// Slices of a TPU Multislice pool (1 for every other pool).
    pub fn slices(&self) -> u32 {
        self.tpu.as_ref().map_or(1, |t| t.slices.max(1))
    }

    /// The name of GKE node pool `slice` of this pool: the pool's own name,
    /// or `<pool>-<slice>` for a multislice pool.
    pub fn slice_pool_name(&self, slice: u32) -> String {
        if self.slices() > 1 {
            format!("{}-{slice}", self.name)
        } else {
            self.name.clone()
        }
    }

    /// The GKE node pools this pool is: itself, or for a TPU Multislice
    /// pool one multi-host slice per pool, `<pool>-0` ... `<pool>-(N-1)`,
    /// each otherwise the same (GKE makes every multi-host slice its own
    /// node pool).
    pub fn gke_pools(&self) -> Vec<Pool> {
        let n = self.slices();
        if n <= 1 {
            return vec![self.clone()];
        }
        (0..n)
            .map(|i| {
                let mut p = self.clone();
                p.name = self.slice_pool_name(i);
                if let Some(t) = &mut p.tpu {
                    t.slices = 1;
                }
                p
            })
            .collect()
    }
}

/// A pool's resolved GPUDirect mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GpuDirectMode {
    #[default]
    None,
    Tcpx,
    Tcpxo,
    Rdma,
}

/// What an extra network carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkRole {
    /// One GPU NIC (TCPX, TCPXO).
    Gpu,
    /// The second gVNIC of an RDMA machine.
    Gvnic,
    /// The RoCE network of an RDMA machine's CX-7 NICs, one subnet each.
    Rdma,
}

/// An extra VPC of a GPUDirect pool, with its subnets (one per NIC) and its
/// firewall rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraNetwork {
    pub name: String,
    pub role: NetworkRole,
    pub mtu: u32,
    /// The zone of the RoCE network profile (`ZONE-vpc-roce`), RDMA only.
    pub roce_zone: Option<String>,
    /// (name, IPv4 range) per subnet, in NIC order.
    pub subnets: Vec<(String, String)>,
    /// The ingress rule allowing the nodes' traffic inside the network;
    /// None where the network profile allows it implicitly (RoCE).
    pub firewall: Option<String>,
}

/// Longest Compute Engine resource name.
const COMPUTE_NAME_MAX: usize = 63;

/// A Compute Engine resource name from its parts joined by `-`; when that
/// is longer than 63 characters, a prefix of it and 8 hex digits of a hash
/// of the whole (FNV-1a), so names stay unique and deterministic.
pub fn compute_name(parts: &[&str]) -> String {
    let full = parts.join("-");
    if full.len() <= COMPUTE_NAME_MAX {
        return full;
    }
    let mut h: u32 = 0x811c_9dc5;
    for b in full.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    // The parts are DNS-1035 labels and digits: ASCII, so any byte index is
    // a char boundary.
    let prefix = full[..COMPUTE_NAME_MAX - 9].trim_end_matches('-');
    format!("{prefix}-{h:08x}")
}

/// The extra networks of GPUDirect pool `pool` of cluster `cluster`: names
/// from the cluster, the pool and the NIC index; IPv4 ranges the /24s of
/// 192.168.0.0/16 from `first_range` on (one per subnet, so the ranges of
/// all pools never overlap when each pool starts after the last one's).
/// `zone` is the pool's one zone (the RoCE profile's).
pub fn gpu_networks(
    cluster: &str,
    pool: &str,
    gd: &crate::catalog::gpudirect::GpuDirect,
    first_range: u32,
    zone: &str,
) -> Vec<ExtraNetwork> {
    use crate::catalog::gpudirect::Mode;
    let range = |k: u32| format!("192.168.{}.0/24", first_range + k);
    let n = |parts: &[&str]| compute_name(&[&[cluster, pool], parts].concat());
    match gd.mode {
        Mode::Tcpx | Mode::Tcpxo => (0..gd.gpu_nics)
            .map(|i| {
                let i_s = i.to_string();
                ExtraNetwork {
                    name: n(&["net", &i_s]),
                    role: NetworkRole::Gpu,
                    mtu: gd.mtu,
                    roce_zone: None,
                    subnets: vec![(n(&["sub", &i_s]), range(i))],
                    firewall: Some(n(&["internal", &i_s])),
                }
            })
            .collect(),
        Mode::Rdma => vec![
            ExtraNetwork {
                name: n(&["gvnic", "net"]),
                role: NetworkRole::Gvnic,
                mtu: gd.gvnic_mtu,
                roce_zone: None,
                subnets: vec![(n(&["gvnic", "sub"]), range(0))],
                firewall: Some(n(&["gvnic", "internal"])),
            },
            ExtraNetwork {
                name: n(&["rdma", "net"]),
                role: NetworkRole::Rdma,
                mtu: gd.mtu,
                roce_zone: Some(zone.to_string()),
                subnets: (0..gd.gpu_nics)
                    .map(|i| (n(&["rdma", "sub", &i.to_string()]), range(i + 1)))
                    .collect(),
                firewall: None,
            },
        ],
    }
}

/// A pool's resolved capacity: one of these, never a mix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capacity {
    /// On-demand VMs. `no_reservation` (`reservation: none`): never consume
    /// a reservation (GKE's NO_RESERVATION); otherwise nothing is sent and
    /// Compute Engine's default lets the nodes take a matching reservation
    /// that is open to any VM.
    OnDemand { no_reservation: bool },
    /// Spot VMs; `no_reservation` as for on-demand.
    Spot { no_reservation: bool },
    /// Dynamic Workload Scheduler flex-start VMs.
    FlexStart,
    /// Flex-start with queued provisioning: nodes only through
    /// ProvisioningRequests, all of a request at once.
    Queued,
    /// Consume a reservation.
    Reservation(Reservation),
}

impl Pool {
    /// The most nodes the pool can have at once, over all its zones (and
    /// all its slices).
    pub fn max_nodes(&self) -> u64 {
        u64::from(self.autoscaling.map_or(self.initial_nodes, |a| a.1))
            * u64::from(self.zone_count)
            * u64::from(self.slices())
    }

    /// GKE queued provisioning (Dynamic Workload Scheduler through
    /// ProvisioningRequests): nodes come only for a queued job, through the
    /// Kueue admission check podwire adds for the pool.
    pub fn queued(&self) -> bool {
        self.capacity == Capacity::Queued
    }
}

impl Capacity {
    /// Flex-start or queued: Dynamic Workload Scheduler capacity, which
    /// scales from 0, consumes no reservation and has auto-repair off.
    pub fn is_dws(&self) -> bool {
        matches!(self, Capacity::FlexStart | Capacity::Queued)
    }

    pub fn is_spot(&self) -> bool {
        matches!(self, Capacity::Spot { .. })
    }
}

/// Which reservation a pool consumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// Any matching reservation (ANY_RESERVATION).
    Any,
    /// One reservation, or one block or sub-block of it, as GKE takes the
    /// value of `compute.googleapis.com/reservation-name`: `NAME`,
    /// `NAME/reservationBlocks/BLOCK`, optionally under
    /// `projects/OWNER/reservations/` for a shared one.
    Specific(String),
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
    /// Identical multi-host slices (TPU Multislice); 1 for one slice. GKE
    /// makes each slice its own node pool: see [`Pool::gke_pools`].
    pub slices: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Job,
    /// A job that restarts as a whole, or runs on a TPU Multislice pool:
    /// a JobSet (jobset.x-k8s.io/v1alpha2) of one replicated Job, `worker`,
    /// with one Job per slice.
    JobSet,
    StatefulSet,
    Deployment,
    /// A long-running workload of several pods per replica (`groupSize`):
    /// a LeaderWorkerSet (leaderworkerset.x-k8s.io/v1) of `replicas`
    /// groups, each a leader and `group_size - 1` workers.
    LeaderWorkerSet,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Job => "Job",
            Kind::JobSet => "JobSet",
            Kind::StatefulSet => "StatefulSet",
            Kind::Deployment => "Deployment",
            Kind::LeaderWorkerSet => "LeaderWorkerSet",
        }
    }

    /// Runs to completion (an Indexed Job, alone or in a JobSet).
    pub fn is_job(self) -> bool {
        matches!(self, Kind::Job | Kind::JobSet)
    }
}

/// The label LeaderWorkerSet puts on its pods: the pod's index in its
/// group ("0" is the leader).
pub const LWS_WORKER_INDEX_LABEL: &str = "leaderworkerset.sigs.k8s.io/worker-index";
/// The label LeaderWorkerSet puts on its pods: the group's index.
pub const LWS_GROUP_INDEX_LABEL: &str = "leaderworkerset.sigs.k8s.io/group-index";

/// The name of a JobSet's one replicated Job.
pub const JOBSET_REPLICATED_JOB: &str = "worker";

/// The value of an environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    Text(String),
    /// A key of a Secret in the workload namespace, read by the pod
    /// (`valueFrom.secretKeyRef`).
    Secret {
        name: String,
        key: String,
    },
}

/// Where a volume comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeSource {
    /// A Cloud Storage bucket, mounted by the Cloud Storage FUSE CSI driver.
    Bucket {
        bucket: String,
        read_only: bool,
        /// Cloud Storage FUSE's file cache.
        cache: Option<FileCache>,
        parallel_downloads: bool,
        metadata_prefetch: bool,
    },
    /// An existing PersistentVolumeClaim.
    Claim { claim: String, read_only: bool },
    /// Node-local scratch space of this size (a Kubernetes quantity).
    Scratch { size: String },
}

/// A bucket volume's file cache, resolved: its size in MiB (the unit of
/// `file-cache:max-size-mb`) and the medium it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileCache {
    pub mib: u64,
    pub medium: CacheMedium,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    /// The pod volume's name (`data-0`, ...), unique in the pod.
    pub name: String,
    pub path: String,
    pub source: VolumeSource,
}

/// A Secret a compilation's pods read, with the keys they read from it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RequiredSecret {
    pub namespace: String,
    pub name: String,
    /// Sorted, without duplicates.
    pub keys: Vec<String>,
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
    /// The user's environment, in source order.
    pub env: Vec<(String, EnvValue)>,
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
    /// HTTP routing through the spec's GKE Gateway of a kind.
    pub route: Option<Route>,
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
    /// Whole-group restarts of a JobSet (`failurePolicy.maxRestarts`).
    pub restarts: u32,
    /// Slices the workload spans: its pool's (1 unless TPU Multislice). A
    /// JobSet runs one Job of `replicas` pods per slice.
    pub slices: u32,
    /// Pods per replica group: more than 1 only for a LeaderWorkerSet,
    /// whose `replicas` count groups.
    pub group_size: u32,
    pub volumes: Vec<Volume>,
    /// The Kueue queue (index into [`Model::queues`]) that admits the job.
    pub queue: Option<usize>,
    /// Its priority in the queue (only with `queue`).
    pub priority: Option<Priority>,
}

/// A resource a Kueue ClusterQueue hands out, in the order its
/// `coveredResources` lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Resource {
    Cpu,
    Memory,
    EphemeralStorage,
    Gpu,
    Tpu,
}

impl Resource {
    /// The Kubernetes resource name.
    pub fn name(self) -> &'static str {
        match self {
            Resource::Cpu => "cpu",
            Resource::Memory => "memory",
            Resource::EphemeralStorage => "ephemeral-storage",
            Resource::Gpu => "nvidia.com/gpu",
            Resource::Tpu => "google.com/tpu",
        }
    }

    /// An amount in this resource's unit (millicores for cpu, bytes for
    /// memory and storage, devices for accelerators) as a Kubernetes quantity.
    pub fn quantity(self, amount: u64) -> String {
        const GI: u64 = 1 << 30;
        const MI: u64 = 1 << 20;
        match self {
            Resource::Cpu if amount.is_multiple_of(1000) => (amount / 1000).to_string(),
            Resource::Cpu => format!("{amount}m"),
            Resource::Memory | Resource::EphemeralStorage
                if amount.is_multiple_of(GI) && amount > 0 =>
            {
                format!("{}Gi", amount / GI)
            }
            Resource::Memory | Resource::EphemeralStorage
                if amount.is_multiple_of(MI) && amount > 0 =>
            {
                format!("{}Mi", amount / MI)
            }
            _ => amount.to_string(),
        }
    }
}

/// A Kueue queue: a ClusterQueue over some pools' flavors and the
/// LocalQueue that points at it.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    /// The LocalQueue's name (what a queued workload's label names).
    pub name: String,
    /// The ClusterQueue's name (cluster-scoped: [`cluster_scoped`]).
    pub cluster_queue: String,
    /// What the ClusterQueue covers, in order.
    pub resources: Vec<Resource>,
    pub flavors: Vec<QueueFlavor>,
}

/// One pool of a queue: its ResourceFlavor's nominal quota.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueFlavor {
    /// Index into [`Model::pools`].
    pub pool: usize,
    /// Per [`Queue::resources`] entry, in that resource's unit.
    pub quota: Vec<u64>,
}

/// The name of a cluster-scoped object this spec makes (a ResourceFlavor,
/// ClusterQueue, WorkloadPriorityClass ...): prefixed with the spec's name,
/// so that two specs in one cluster do not take each other's.
pub fn cluster_scoped(spec: &str, name: &str) -> String {
    format!("{spec}-{name}")
}

/// A workload's route through a GKE Gateway, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub gateway: GatewayKind,
    /// The routed port of the workload's Service (its container port too):
    /// name and number (TCP).
    pub port: String,
    pub port_number: u16,
    /// Path prefixes (at least one; `/` by default).
    pub paths: Vec<String>,
    /// Host names; empty: every host.
    pub hosts: Vec<String>,
    /// Through an InferencePool and its endpoint picker (GKE Inference Gateway).
    pub inference_pool: bool,
    /// HTTPS on the route's Gateway, with this certificate.
    pub tls: Option<Tls>,
}

/// The certificate of a Gateway's HTTPS listener (see k8s/gateway.rs for
/// how each is given to GKE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// A `kubernetes.io/tls` Secret of the namespace.
    Secret(String),
    /// A regional Certificate Manager certificate.
    Certificate(String),
    /// A Certificate Manager certificate map.
    CertificateMap(String),
    /// Compute Engine SSL certificates.
    PreShared(Vec<String>),
}

impl Tls {
    /// The spec's words for it, for messages: `secret: llm-tls`.
    pub fn describe(&self) -> String {
        match self {
            Tls::Secret(n) => format!("secret: {n}"),
            Tls::Certificate(n) => format!("certificate: {n}"),
            Tls::CertificateMap(n) => format!("certificateMap: {n}"),
            Tls::PreShared(v) => format!("preSharedCerts: [{}]", v.join(", ")),
        }
    }
}

impl Model {
    /// The name of the spec's Gateway of kind `g`: `<metadata.name>-internal`
    /// or `<metadata.name>-external`.
    pub fn gateway_name(&self, g: GatewayKind) -> String {
        format!("{}-{}", self.name, g.as_str())
    }

    /// The TLS of the spec's Gateway of kind `g`: that of its routes
    /// (the checks make them agree).
    pub fn gateway_tls(&self, g: GatewayKind) -> Option<&Tls> {
        self.workloads
            .iter()
            .filter_map(|w| w.route.as_ref())
            .find(|r| r.gateway == g)
            .and_then(|r| r.tls.as_ref())
    }

    /// The Gateway kinds some workload routes through, in order.
    pub fn gateways(&self) -> Vec<GatewayKind> {
        GatewayKind::ALL
            .into_iter()
            .filter(|g| {
                self.workloads
                    .iter()
                    .any(|w| w.route.as_ref().is_some_and(|r| r.gateway == *g))
            })
            .collect()
    }
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
    /// Pods in all: `replicas` per slice, `group_size` per replica.
    pub fn pod_count(&self) -> u32 {
        self.replicas
            .saturating_mul(self.slices.max(1))
            .saturating_mul(self.group_size.max(1))
    }

    /// The most replica groups a LeaderWorkerSet ever has (the autoscaler's
    /// `max`, else `replicas`): the groups whose names and policies exist.
    pub fn max_groups(&self) -> u32 {
        self.autoscale.as_ref().map_or(self.replicas, |a| a.max)
    }

    /// The headless Service LeaderWorkerSet makes for group `g` with the
    /// `UniquePerReplica` subdomain policy: named after the group's leader,
    /// `<name>-<g>`; its pods' subdomain.
    pub fn group_service(&self, g: u32) -> String {
        format!("{}-{g}", self.name)
    }

    /// The hostname of pod `i` (0 ..< [`Workload::pod_count`]): the one
    /// place pod names are decided. An Indexed Job's pod is `<job>-<i>`, a
    /// StatefulSet's `<name>-<i>`; a JobSet's pods belong to Job
    /// `<jobset>-worker-<slice>` and are `<jobset>-worker-<slice>-<index>`
    /// (JobSet's scheme: `<jobSet>-<replicatedJob>-<jobIndex>-<podIndex>`),
    /// slice `i / replicas`, index `i % replicas`.
    pub fn pod_hostname(&self, i: u32) -> String {
        match self.kind {
            // LeaderWorkerSet's names: the leader of group `g` is
            // `<lws>-<g>`, its workers `<lws>-<g>-<index>` (the workers'
            // StatefulSet is named after the leader, ordinals from 1).
            Kind::LeaderWorkerSet => {
                let per = self.group_size.max(1);
                let (g, k) = (i / per, i % per);
                if k == 0 {
                    self.group_service(g)
                } else {
                    format!("{}-{k}", self.group_service(g))
                }
            }
            Kind::JobSet => {
                let per = self.replicas.max(1);
                format!(
                    "{}-{JOBSET_REPLICATED_JOB}-{}-{}",
                    self.name,
                    i / per,
                    i % per
                )
            }
            _ => format!("{}-{i}", self.name),
        }
    }

    /// DNS name of pod `i` (peers only): the pod's hostname under its
    /// headless Service.
    pub fn pod_dns(&self, i: u32, namespace: &str) -> Option<String> {
        if self.kind == Kind::LeaderWorkerSet {
            // Under the group's own headless Service.
            let g = self.group_service(i / self.group_size.max(1));
            return Some(format!(
                "{}.{}",
                self.pod_hostname(i),
                service_dns(&g, namespace)
            ));
        }
        let svc = self.service.as_ref().filter(|_| self.peers)?;
        Some(format!(
            "{}.{}",
            self.pod_hostname(i),
            service_dns(svc, namespace)
        ))
    }
}

impl Model {
    /// The Secrets the workloads' pods read (`env: {secret, key}`) and
    /// their Gateways' TLS Secrets (`route.tls.secret`), each
    /// with its namespace and the keys read from it, sorted by name: what
    /// must exist in the cluster before the workloads start. podwire never
    /// creates Secrets; a submitter reports the missing ones by name (never
    /// printing a value).
    pub fn required_secrets(&self) -> Vec<RequiredSecret> {
        let mut by_name: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for w in &self.workloads {
            for (_, v) in &w.env {
                if let EnvValue::Secret { name, key } = v {
                    by_name.entry(name).or_default().push(key.clone());
                }
            }
            // A Gateway's TLS Secret (`kubernetes.io/tls`).
            if let Some(Tls::Secret(name)) = w.route.as_ref().and_then(|r| r.tls.as_ref()) {
                let keys = by_name.entry(name).or_default();
                keys.push("tls.crt".to_string());
                keys.push("tls.key".to_string());
            }
        }
        by_name
            .into_iter()
            .map(|(name, mut keys)| {
                keys.sort();
                keys.dedup();
                RequiredSecret {
                    namespace: self.namespace.clone(),
                    name: name.to_string(),
                    keys,
                }
            })
            .collect()
    }

    /// Whether any workload mounts a Cloud Storage bucket (the cluster then
    /// enables the Cloud Storage FUSE CSI driver).
    pub fn uses_gcs_fuse(&self) -> bool {
        self.workloads.iter().any(|w| {
            w.volumes
                .iter()
                .any(|v| matches!(v.source, VolumeSource::Bucket { .. }))
        })
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
