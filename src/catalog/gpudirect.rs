//! GPUDirect per machine type: which mode Google documents for GKE, how many
//! extra networks a node needs, their MTU, the NCCL plugin installer and the
//! bandwidth a job gives up without it.
//!
//! Sources (each fact below names the one it follows):
//! - `TCPX-GUIDE`: GKE "Maximize GPU network bandwidth with GPUDirect-TCPX /
//!   GPUDirect-TCPXO and multi-networking"
//!   (cloud.google.com/kubernetes-engine/docs/how-to/gpu-bandwidth-gpudirect-tcpx,
//!   as stored by the search tool, read 2026-12-02): 8 secondary NICs on A3
//!   Mega and 4 on A3 High, up to 200 Gbps each; one VPC and one /24 subnet
//!   per GPU NIC, `gcloud compute networks create ... --subnet-mode=custom
//!   --mtu=8244`, a firewall rule per VPC allowing tcp, udp and icmp from the
//!   GPU subnets' ranges.
//! - `RDMA-GUIDE`: GKE "Maximize GPU network bandwidth with GPUDirect RDMA"
//!   (cloud.google.com/kubernetes-engine/docs/how-to/gpu-bandwidth-gpudirect-rdma)
//!   and Compute Engine "Networking and GPU machines"
//!   (cloud.google.com/compute/docs/gpus/gpu-network-bandwidth, read
//!   2026-12-02): A3 Ultra and A4 have 8 ConnectX-7 NICs (3,200 Gbps in all,
//!   400 Gbps each) for GPU traffic and 2 gVNICs; GKE attaches the second
//!   gVNIC to one more regular VPC and the 8 CX-7 NICs to one VPC with the
//!   RoCE network profile, one subnet per NIC.
//! - `RDMA-PROFILE`: VPC "RDMA network profiles"
//!   (docs.cloud.google.com/vpc/docs/rdma-network-profiles, read
//!   2026-12-02): profile `ZONE-vpc-roce`; the network is constrained to that
//!   zone; recommended (and the gcloud/API default) MTU 8896; implied allow
//!   ingress and egress inside the network.
//! - `CEA`: GoogleCloudPlatform/container-engine-accelerators, the NCCL
//!   plugin installer DaemonSets:
//!   `gpudirect-tcpx/nccl-tcpx-installer.yaml` at
//!   db325df93989b62ffb6959393c827e54a00f5d2d,
//!   `gpudirect-tcpxo/nccl-tcpxo-installer.yaml` at
//!   e14ee8a4998b4952775281047f019bb7a6bacff8,
//!   `gpudirect-rdma/nccl-rdma-installer.yaml` at
//!   2c776f7e9656a2b6476f19938b738b4186000ce3.
//! - `CEA-POD`: the same repository's pod manifests, which k8s::gpudirect
//!   follows for the pods' annotations, daemon, env and volumes:
//!   `gpudirect-tcpx/nccl-test-unprivileged-without-hostnetwork.yaml` at
//!   98c85a6e581d7ec53329f9ab1de5f8626b637dbb and
//!   `gpudirect-tcpx/config-with-env.yaml` at
//!   0713f2e50a71e19ae8f3847cc4bd81021637d2cc (the NCCL env);
//!   `gpudirect-tcpxo/nccl-test-unprivileged-without-hostnetwork.yaml` at
//!   16434ecb1dd80352238b78031b2c2fc1133e81bf (the daemon's capabilities
//!   without `privileged`) and `gpudirect-tcpxo/nccl-test-latest.yaml` at
//!   089e022496faec95606d663eda8767078d347e34 (images, volumes, env);
//!   `gpudirect-rdma/nccl-test-a4.yaml` at
//!   155bfa49b7459a55c2352495d3eeb46a55637be6 (volumes; the NCCL env is
//!   what its `set_nccl_env.sh` sets, as Google's gIB diagnostic image
//!   declares it).

/// The GPUDirect mode of a machine type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// GPUDirect-TCPX (A3 High).
    Tcpx,
    /// GPUDirect-TCPXO (A3 Mega).
    Tcpxo,
    /// GPUDirect RDMA over RoCE (A3 Ultra, A4).
    Rdma,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Tcpx => "GPUDirect-TCPX",
            Mode::Tcpxo => "GPUDirect-TCPXO",
            Mode::Rdma => "GPUDirect RDMA",
        }
    }
}

/// What a machine type's GPUDirect needs and gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GpuDirect {
    pub machine_type: &'static str,
    pub mode: Mode,
    /// NICs for GPU traffic beyond the node's primary NIC; each gets its own
    /// subnet. TCPX/TCPXO: one VPC per NIC; RDMA: one RoCE VPC for all.
    pub gpu_nics: u32,
    /// Bandwidth of one GPU NIC, Gbps.
    pub nic_gbps: u32,
    /// One more regular (gVNIC) VPC the node is attached to (RDMA only).
    pub extra_gvnic: bool,
    /// MTU of the GPU networks.
    pub mtu: u32,
    /// MTU of the extra gVNIC network, when there is one.
    pub gvnic_mtu: u32,
    /// The GPU networks use the RoCE network profile (`ZONE-vpc-roce`).
    pub roce_profile: bool,
    /// The NCCL plugin installer's image (`CEA`).
    pub installer_image: &'static str,
    /// `cloud.google.com/gke-accelerator` the installer selects (`CEA`).
    pub accelerator: &'static str,
    /// The receive-datapath daemon that runs beside the workload (TCPX,
    /// TCPXO; RDMA has none), paired with the installer's plugin version
    /// as Google's test manifests pair them (`CEA-POD`).
    pub daemon_image: Option<&'static str>,
}

/// Bandwidth of the primary NIC without GPUDirect, Gbps (`TCPX-GUIDE`: "up
/// to 200 Gbps on the primary NIC" on A3; `RDMA-GUIDE`: the gVNICs share the
/// remaining 400 Gbps on A3 Ultra and A4, 200 per gVNIC).
pub const PRIMARY_NIC_GBPS: u32 = 200;

const TABLE: &[GpuDirect] = &[
    GpuDirect {
        machine_type: "a3-highgpu-8g",
        mode: Mode::Tcpx,
        // `TCPX-GUIDE`: up to four secondary NICs on A3 High, 200 Gbps each.
        gpu_nics: 4,
        nic_gbps: 200,
        extra_gvnic: false,
        // `TCPX-GUIDE`: --mtu=8244.
        mtu: 8244,
        gvnic_mtu: 0,
        roce_profile: false,
        // `CEA` gpudirect-tcpx/nccl-tcpx-installer.yaml @ db325df (the
        // published manifest pins `latest`).
        installer_image:
            "us-docker.pkg.dev/gce-ai-infra/gpudirect-tcpx/nccl-plugin-gpudirecttcpx:latest",
        accelerator: "nvidia-h100-80gb",
        // `CEA-POD` gpudirect-tcpx/nccl-test-unprivileged-without-hostnetwork.yaml.
        daemon_image: Some(
            "us-docker.pkg.dev/gce-ai-infra/gpudirect-tcpx/tcpgpudmarxd-dev:v2.0.15",
        ),
    },
    GpuDirect {
        machine_type: "a3-megagpu-8g",
        mode: Mode::Tcpxo,
        // `TCPX-GUIDE`: up to eight secondary NICs on A3 Mega, 200 Gbps each.
        gpu_nics: 8,
        nic_gbps: 200,
        extra_gvnic: false,
        mtu: 8244,
        gvnic_mtu: 0,
        roce_profile: false,
        // `CEA` gpudirect-tcpxo/nccl-tcpxo-installer.yaml @ e14ee8a.
        installer_image:
            "us-docker.pkg.dev/gce-ai-infra/gpudirect-tcpxo/nccl-plugin-gpudirecttcpx-dev:v1.0.3",
        accelerator: "nvidia-h100-mega-80gb",
        // `CEA-POD` gpudirect-tcpxo/nccl-test-latest.yaml @ 089e022 pairs
        // daemon v1.0.9 with plugin v1.0.3 (the installer's).
        daemon_image: Some(
            "us-docker.pkg.dev/gce-ai-infra/gpudirect-tcpxo/tcpgpudmarxd-dev:v1.0.9",
        ),
    },
    GpuDirect {
        machine_type: "a3-ultragpu-8g",
        mode: Mode::Rdma,
        // `RDMA-GUIDE`: eight CX-7 NICs, 3,200 Gbps in all.
        gpu_nics: 8,
        nic_gbps: 400,
        extra_gvnic: true,
        // `RDMA-PROFILE`: 8896 recommended and the API default; `RDMA-GUIDE`
        // creates the gVNIC network with the same MTU.
        mtu: 8896,
        gvnic_mtu: 8896,
        roce_profile: true,
        // `CEA` gpudirect-rdma/nccl-rdma-installer.yaml @ 2c776f7 (one
        // installer for nvidia-h200-141gb and nvidia-b200).
        installer_image: "us-docker.pkg.dev/gce-ai-infra/gpudirect-gib/nccl-plugin-gib:v1.0.6",
        accelerator: "nvidia-h200-141gb",
        daemon_image: None,
    },
    GpuDirect {
        machine_type: "a4-highgpu-8g",
        mode: Mode::Rdma,
        gpu_nics: 8,
        nic_gbps: 400,
        extra_gvnic: true,
        mtu: 8896,
        gvnic_mtu: 8896,
        roce_profile: true,
        installer_image: "us-docker.pkg.dev/gce-ai-infra/gpudirect-gib/nccl-plugin-gib:v1.0.6",
        accelerator: "nvidia-b200",
        daemon_image: None,
    },
];

/// The GPUDirect facts of a machine type, or None when Google documents no
/// GPUDirect for it on GKE.
pub fn lookup(machine_type: &str) -> Option<&'static GpuDirect> {
    TABLE.iter().find(|g| g.machine_type == machine_type)
}

/// Every machine type with GPUDirect, for help texts.
pub fn machine_types() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|g| g.machine_type)
}

impl GpuDirect {
    /// Total GPU-network bandwidth of one node, Gbps.
    pub fn gpu_gbps(&self) -> u32 {
        self.gpu_nics * self.nic_gbps
    }

    /// Subnets one pool needs: one per GPU NIC, plus the gVNIC network's.
    pub fn subnets(&self) -> u32 {
        self.gpu_nics + u32::from(self.extra_gvnic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_nic_counts_follow_the_guides() {
        let m = |t| lookup(t).map(|g| (g.mode, g.gpu_nics, g.extra_gvnic, g.mtu));
        assert_eq!(m("a3-highgpu-8g"), Some((Mode::Tcpx, 4, false, 8244)));
        assert_eq!(m("a3-megagpu-8g"), Some((Mode::Tcpxo, 8, false, 8244)));
        assert_eq!(m("a3-ultragpu-8g"), Some((Mode::Rdma, 8, true, 8896)));
        assert_eq!(m("a4-highgpu-8g"), Some((Mode::Rdma, 8, true, 8896)));
        assert_eq!(m("a3-highgpu-4g"), None);
        assert_eq!(m("g2-standard-8"), None);
        assert_eq!(lookup("a3-megagpu-8g").map(|g| g.gpu_gbps()), Some(1600));
        assert_eq!(lookup("a4-highgpu-8g").map(|g| g.subnets()), Some(9));
    }

    #[test]
    fn installer_accelerators_agree_with_the_machine_table() {
        for g in TABLE {
            let gpu = crate::catalog::machine(g.machine_type).and_then(|m| m.gpu);
            assert_eq!(
                gpu.map(|g| g.kind),
                Some(g.accelerator),
                "{}",
                g.machine_type
            );
            assert!(g
                .installer_image
                .starts_with("us-docker.pkg.dev/gce-ai-infra/"));
        }
    }
}
