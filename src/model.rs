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
    /// Where the machines come from (spec `capacity`, `spot`, `reservation`).
    pub capacity: Capacity,
    /// flex-start / queued: how long a node lives, in seconds.
    pub max_run_duration_secs: Option<u64>,
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
    /// The GPUDirect mode the pool runs (spec `gpuDirect`).
    pub gpu_direct: GpuDirectMode,
    /// The extra VPCs the pool's nodes are attached to, in NIC order (empty
    /// without GPUDirect); see [`gpu_networks`].
    pub extra_networks: Vec<ExtraNetwork>,
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
    pub gcp_service_account: Option<String>,
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub backoff_limit: u32,
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
