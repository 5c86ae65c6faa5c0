//! GKE v1 request types (serde camelCase, int64 as JSON strings, as the
//! discovery document says) and the lowering of the model into a
//! `CreateClusterRequest`, shaped as gcloud 528 sends it.

pub mod networks;

use crate::model::{Capacity, Model, Pool, Reservation};
use crate::spec::{GpuDriver, TaintEffect};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Serialize an integer as a JSON string (the discovery format `int64`).
mod int64 {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&v.to_string()),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        s.map(|s| s.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CreateClusterRequest {
    pub cluster: Cluster,
    /// `projects/{project}/locations/{location}`.
    pub parent: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Cluster {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addons_config: Option<AddonsConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_plane_endpoints_config: Option<ControlPlaneEndpointsConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_cluster_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_allocation_policy: Option<IpAllocationPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitoring_config: Option<MonitoringConfig>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_config: Option<NetworkConfig>,
    pub node_pools: Vec<NodePool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_channel: Option<ReleaseChannel>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub resource_labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnetwork: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload_identity_config: Option<WorkloadIdentityConfig>,
}

/// The cluster's add-ons: only the ones podwire turns on. (gcloud's
/// `--addons` sends every add-on it does not list as disabled; podwire
/// leaves them at GKE's defaults.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AddonsConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcs_fuse_csi_driver_config: Option<GcsFuseCsiDriverConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct GcsFuseCsiDriverConfig {
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ControlPlaneEndpointsConfig {
    pub ip_endpoints_config: IpEndpointsConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct IpEndpointsConfig {
    pub authorized_networks_config: AuthorizedNetworksConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizedNetworksConfig {
    pub cidr_blocks: Vec<CidrBlock>,
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CidrBlock {
    pub cidr_block: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct IpAllocationPolicy {
    pub create_subnetwork: bool,
    pub use_ip_aliases: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NetworkConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datapath_provider: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_enable_private_nodes: Option<bool>,
    /// Multi-networking, for GPUDirect pools' extra networks (gcloud's
    /// `--enable-multi-networking`; needs ADVANCED_DATAPATH).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_multi_networking: Option<bool>,
    /// Gateway API (GKE's Gateway controller and the standard channel's
    /// CRDs), for workloads with a `route`: what gcloud sends for
    /// `--gateway-api=standard`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_api_config: Option<GatewayApiConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct GatewayApiConfig {
    pub channel: String,
}

/// A node pool's `networkConfig` (NodeNetworkConfig).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NodeNetworkConfig {
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub additional_node_network_configs: Vec<AdditionalNodeNetworkConfig>,
}

/// One extra network of a pool's nodes, as gcloud's
/// `--additional-node-network network=N,subnetwork=S` sends it (names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AdditionalNodeNetworkConfig {
    pub network: String,
    pub subnetwork: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct MonitoringConfig {
    pub managed_prometheus_config: ManagedPrometheusConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ManagedPrometheusConfig {
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseChannel {
    pub channel: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadIdentityConfig {
    pub workload_pool: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NodePool {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<NodePoolAutoscaling>,
    pub config: NodeConfig,
    pub initial_node_count: u32,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub locations: Vec<String>,
    pub management: NodeManagement,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_pods_constraint: Option<MaxPodsConstraint>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_config: Option<NodeNetworkConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement_policy: Option<PlacementPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queued_provisioning: Option<QueuedProvisioning>,
    pub upgrade_settings: UpgradeSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct QueuedProvisioning {
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NodePoolAutoscaling {
    pub enabled: bool,
    /// `ANY` for flex-start and queued pools (GKE's documented command);
    /// otherwise unset (GKE's default, BALANCED).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_policy: Option<String>,
    pub max_node_count: u32,
    pub min_node_count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct MaxPodsConstraint {
    #[serde(with = "int64", skip_serializing_if = "Option::is_none", default)]
    pub max_pods_per_node: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NodeConfig {
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub accelerators: Vec<AcceleratorConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_size_gb: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flex_start: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ephemeral_storage_local_ssd_config: Option<EphemeralStorageLocalSsdConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcfs_config: Option<GcfsConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gvnic: Option<VirtualNic>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_type: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub labels: BTreeMap<String, String>,
    pub machine_type: String,
    /// A google-duration: seconds, `"604800s"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_run_duration: Option<String>,
    pub oauth_scopes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservation_affinity: Option<ReservationAffinity>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub resource_labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub secondary_boot_disks: Vec<SecondaryBootDisk>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spot: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub taints: Vec<NodeTaint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AcceleratorConfig {
    #[serde(with = "int64", default)]
    pub accelerator_count: Option<i64>,
    pub accelerator_type: String,
    pub gpu_driver_installation_config: GpuDriverInstallationConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct GpuDriverInstallationConfig {
    pub gpu_driver_version: String,
}

/// Local SSDs backing the nodes' ephemeral storage (int32: a JSON number).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct EphemeralStorageLocalSsdConfig {
    pub local_ssd_count: u32,
}

/// A disk attached to every node beside its boot disk, as gcloud's
/// `node-pools create --secondary-boot-disk=disk-image=IMAGE,mode=MODE`
/// sends it (`nodeConfig.secondaryBootDisks[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SecondaryBootDisk {
    pub disk_image: String,
    /// `CONTAINER_IMAGE_CACHE`: containerd reads images from the disk.
    pub mode: String,
}

/// Image streaming on the pool's nodes, as gcloud's
/// `--enable-image-streaming` sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct GcfsConfig {
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNic {
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ReservationAffinity {
    pub consume_reservation_type: String,
    /// Only for SPECIFIC_RESERVATION.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub values: Vec<String>,
}

/// The reservation affinity a pool's capacity sends, as gcloud's
/// `--reservation-affinity` does: none for on-demand and spot pools left to
/// Compute Engine's default (gcloud sends nothing without the flag).
fn reservation_affinity(c: &Capacity) -> Option<ReservationAffinity> {
    let kind = |t: &str| ReservationAffinity {
        consume_reservation_type: t.to_string(),
        key: None,
        values: Vec::new(),
    };
    match c {
        Capacity::OnDemand {
            no_reservation: false,
        }
        | Capacity::Spot {
            no_reservation: false,
        } => None,
        Capacity::OnDemand {
            no_reservation: true,
        }
        | Capacity::Spot {
            no_reservation: true,
        }
        | Capacity::FlexStart
        | Capacity::Queued => Some(kind("NO_RESERVATION")),
        Capacity::Reservation(Reservation::Any) => Some(kind("ANY_RESERVATION")),
        Capacity::Reservation(Reservation::Specific(name)) => Some(ReservationAffinity {
            consume_reservation_type: "SPECIFIC_RESERVATION".into(),
            key: Some("compute.googleapis.com/reservation-name".into()),
            values: vec![name.clone()],
        }),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NodeTaint {
    pub effect: String,
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NodeManagement {
    pub auto_repair: bool,
    pub auto_upgrade: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PlacementPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tpu_topology: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeSettings {
    pub max_surge: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<i32>,
}

/// How a pool's nodes are upgraded. gcloud's default (`maxSurge: 1`, what
/// `clusters create` and `node-pools create` send without upgrade flags)
/// unless a workload on the pool has a PodDisruptionBudget; then a surge
/// upgrade that never takes a node away before its replacement is up:
/// `{maxSurge: 1, maxUnavailable: 0}` (gcloud's body for
/// `--max-surge-upgrade 1 --max-unavailable-upgrade 0`), so an evicted pod
/// has a node to go to and the budget is kept. A pool on a specific
/// reservation has no room for a surge node unless the reservation has one
/// to spare (GKE fails such an upgrade and retries it); it drains one node
/// at a time instead, within the budget: `{maxSurge: 0, maxUnavailable: 1}`.
/// The strategy is left to GKE: unset is SURGE for these pools (what
/// `--enable-surge-upgrade` would send, and `clusters create` cannot), and
/// GKE picks its own for flex-start and queued pools.
pub fn upgrade_settings(m: &Model, p: &Pool) -> UpgradeSettings {
    let budgeted = m
        .workloads
        .iter()
        .any(|w| w.disruption.is_some() && m.pools.get(w.pool).is_some_and(|wp| wp.name == p.name));
    // A specific reservation has no room for a surge node.
    let reserved = matches!(p.capacity, Capacity::Reservation(Reservation::Specific(_)));
    match (budgeted, reserved) {
        (false, _) => UpgradeSettings {
            max_surge: 1,
            max_unavailable: None,
        },
        (true, false) => UpgradeSettings {
            max_surge: 1,
            max_unavailable: Some(0),
        },
        (true, true) => UpgradeSettings {
            max_surge: 0,
            max_unavailable: Some(1),
        },
    }
}

/// The GKE API path of the cluster's parent.
pub fn parent(m: &Model) -> String {
    format!("projects/{}/locations/{}", m.project, m.location)
}

/// Lower the model into the `clusters.create` body.
pub fn create_cluster_request(m: &Model) -> CreateClusterRequest {
    let authorized = (!m.authorized_networks.is_empty()).then(|| ControlPlaneEndpointsConfig {
        ip_endpoints_config: IpEndpointsConfig {
            authorized_networks_config: AuthorizedNetworksConfig {
                cidr_blocks: m
                    .authorized_networks
                    .iter()
                    .map(|c| CidrBlock {
                        cidr_block: c.clone(),
                    })
                    .collect(),
                enabled: true,
            },
        },
    });
    CreateClusterRequest {
        cluster: Cluster {
            // The Cloud Storage FUSE CSI driver when a workload mounts a
            // bucket, and no other add-on changed.
            addons_config: m.uses_gcs_fuse().then_some(AddonsConfig {
                gcs_fuse_csi_driver_config: Some(GcsFuseCsiDriverConfig { enabled: true }),
            }),
            control_plane_endpoints_config: authorized,
            initial_cluster_version: m.version.clone(),
            // VPC-native: required by Dataplane V2 and private nodes; gcloud
            // sends this pair for --enable-ip-alias.
            ip_allocation_policy: Some(IpAllocationPolicy {
                create_subnetwork: false,
                use_ip_aliases: true,
            }),
            // Managed collection scrapes the metrics pods autoscale on. It is
            // on by default for new clusters from GKE 1.27; sent as gcloud's
            // `--enable-managed-prometheus` does whenever a workload needs it.
            monitoring_config: m
                .workloads
                .iter()
                .any(|w| {
                    w.autoscale
                        .as_ref()
                        .is_some_and(|a| matches!(a.target, crate::model::ScaleOn::Metric(_)))
                })
                .then_some(MonitoringConfig {
                    managed_prometheus_config: ManagedPrometheusConfig { enabled: true },
                }),
            name: m.cluster_name.clone(),
            network: m.network.clone(),
            network_config: Some(NetworkConfig {
                datapath_provider: m.dataplane_v2.then(|| "ADVANCED_DATAPATH".to_string()),
                default_enable_private_nodes: m.private_nodes.then_some(true),
                enable_multi_networking: m
                    .pools
                    .iter()
                    .any(|p| !p.extra_networks.is_empty())
                    .then_some(true),
                gateway_api_config: (!m.gateways().is_empty()).then(|| GatewayApiConfig {
                    channel: "CHANNEL_STANDARD".to_string(),
                }),
            })
            .filter(|n| {
                n.datapath_provider.is_some()
                    || n.default_enable_private_nodes.is_some()
                    || n.enable_multi_networking.is_some()
                    || n.gateway_api_config.is_some()
            }),
            node_pools: m.pools.iter().flat_map(|p| node_pools(m, p)).collect(),
            release_channel: Some(ReleaseChannel {
                channel: m.release_channel.to_string(),
            }),
            resource_labels: m.labels.clone(),
            subnetwork: m.subnetwork.clone(),
            workload_identity_config: m.workload_identity.then(|| WorkloadIdentityConfig {
                workload_pool: format!("{}.svc.id.goog", m.project),
            }),
        },
        parent: parent(m),
    }
}

/// The GKE node pools of one pool of the spec: one, or one per slice of a
/// TPU Multislice pool (`<pool>-0` ...), each a whole multi-host slice.
pub fn node_pools(m: &Model, p: &Pool) -> Vec<NodePool> {
    p.gke_pools().iter().map(|g| node_pool(m, g)).collect()
}

/// One GKE node pool, as `clusters.create` and `nodePools.create` take it
/// (for a Multislice pool, one of [`Pool::gke_pools`]).
pub fn node_pool(m: &Model, p: &Pool) -> NodePool {
    let accelerators = p
        .gpu
        .iter()
        .map(|g| AcceleratorConfig {
            accelerator_count: Some(i64::from(g.count)),
            accelerator_type: g.kind.clone(),
            gpu_driver_installation_config: GpuDriverInstallationConfig {
                gpu_driver_version: match g.driver {
                    GpuDriver::Default => "DEFAULT",
                    GpuDriver::Latest => "LATEST",
                    GpuDriver::Disabled => "INSTALLATION_DISABLED",
                }
                .to_string(),
            },
        })
        .collect();
    let placement = (p.compact || p.tpu.is_some()).then(|| PlacementPolicy {
        tpu_topology: p.tpu.as_ref().map(|t| t.topology.clone()),
        kind: p.compact.then(|| "COMPACT".to_string()),
    });
    let dws = p.capacity.is_dws();
    NodePool {
        autoscaling: p.autoscaling.map(|(min, max)| NodePoolAutoscaling {
            enabled: true,
            location_policy: dws.then(|| "ANY".to_string()),
            max_node_count: max,
            min_node_count: min,
        }),
        config: NodeConfig {
            accelerators,
            disk_size_gb: p.disk_size_gb,
            disk_type: p.disk_type.clone(),
            flex_start: dws.then_some(true),
            ephemeral_storage_local_ssd_config: p
                .ephemeral_local_ssds
                .map(|n| EphemeralStorageLocalSsdConfig { local_ssd_count: n }),
            gvnic: p.gvnic.then_some(VirtualNic { enabled: true }),
            gcfs_config: p.image_streaming.then_some(GcfsConfig { enabled: true }),
            image_type: p.image_type.clone(),
            labels: p.labels.clone(),
            machine_type: p.machine_type.clone(),
            max_run_duration: p.max_run_duration_secs.map(|s| format!("{s}s")),
            oauth_scopes: p.scopes.clone(),
            reservation_affinity: reservation_affinity(&p.capacity),
            resource_labels: m.labels.clone(),
            secondary_boot_disks: p
                .secondary_boot_disk
                .iter()
                .map(|image| SecondaryBootDisk {
                    disk_image: image.clone(),
                    mode: "CONTAINER_IMAGE_CACHE".to_string(),
                })
                .collect(),
            service_account: p.service_account.clone(),
            spot: p.capacity.is_spot().then_some(true),
            taints: p
                .taints
                .iter()
                .map(|(k, v, e)| NodeTaint {
                    effect: match e {
                        TaintEffect::NoSchedule => "NO_SCHEDULE",
                        TaintEffect::PreferNoSchedule => "PREFER_NO_SCHEDULE",
                        TaintEffect::NoExecute => "NO_EXECUTE",
                    }
                    .into(),
                    key: k.clone(),
                    value: v.clone(),
                })
                .collect(),
        },
        initial_node_count: p.initial_nodes,
        locations: p.zones.clone(),
        management: NodeManagement {
            // GKE's flex-start and queued provisioning guides create these
            // pools with --no-enable-autorepair: a repaired node would be a
            // new request for capacity.
            auto_repair: !dws,
            auto_upgrade: true,
        },
        max_pods_constraint: p.max_pods_per_node.map(|n| MaxPodsConstraint {
            max_pods_per_node: Some(i64::from(n)),
        }),
        name: p.name.clone(),
        network_config: (!p.extra_networks.is_empty()).then(|| NodeNetworkConfig {
            // One entry per extra NIC, in NIC order: a network with several
            // subnets (RDMA's RoCE network) is listed once per subnet.
            additional_node_network_configs: p
                .extra_networks
                .iter()
                .flat_map(|n| {
                    n.subnets
                        .iter()
                        .map(|(sub, _)| AdditionalNodeNetworkConfig {
                            network: n.name.clone(),
                            subnetwork: sub.clone(),
                        })
                })
                .collect(),
        }),
        placement_policy: placement,
        queued_provisioning: (p.capacity == Capacity::Queued)
            .then_some(QueuedProvisioning { enabled: true }),
        upgrade_settings: upgrade_settings(m, p),
    }
}
