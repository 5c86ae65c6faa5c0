//! Static tables: machine types, their GPUs, and TPU slice shapes.
//!
//! Sources: Google Cloud's GPU machine types and TPU documentation (a2, a3, a4,
//! g2 tables; TPU v5e / v5p / v6e on GKE). Counts that design.md lists are
//! checked in the unit tests below.

/// What podwire knows about a machine type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Machine {
    pub vcpus: u32,
    /// Memory in MiB.
    pub memory_mib: u64,
    pub gpu: Option<Gpu>,
    pub tpu: Option<TpuMachine>,
    /// Needs gVNIC (A3 and newer, TPU v5p/v6e).
    pub gvnic: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gpu {
    pub kind: &'static str,
    pub count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TpuMachine {
    /// Node label value of `cloud.google.com/gke-tpu-accelerator`.
    pub accelerator: &'static str,
    /// Chips per VM.
    pub chips: u32,
    /// Number of topology dimensions (2 for v5e/v6e, 3 for v4/v5p).
    pub dims: u8,
    pub family: &'static str,
}

pub mod gpudirect;
pub mod node_config;
pub mod zones;

const GIB: u64 = 1024;

fn gpu(kind: &'static str, count: u32) -> Option<Gpu> {
    Some(Gpu { kind, count })
}

/// Fixed GPU machine types: (name, vCPUs, memory GiB, GPU type, count, gvnic).
const GPU_MACHINES: &[(&str, u32, u64, &str, u32, bool)] = &[
    ("g2-standard-4", 4, 16, "nvidia-l4", 1, false),
    ("g2-standard-8", 8, 32, "nvidia-l4", 1, false),
    ("g2-standard-12", 12, 48, "nvidia-l4", 1, false),
    ("g2-standard-16", 16, 64, "nvidia-l4", 1, false),
    ("g2-standard-24", 24, 96, "nvidia-l4", 2, false),
    ("g2-standard-32", 32, 128, "nvidia-l4", 1, false),
    ("g2-standard-48", 48, 192, "nvidia-l4", 4, false),
    ("g2-standard-96", 96, 384, "nvidia-l4", 8, false),
    ("a2-highgpu-1g", 12, 85, "nvidia-tesla-a100", 1, false),
    ("a2-highgpu-2g", 24, 170, "nvidia-tesla-a100", 2, false),
    ("a2-highgpu-4g", 48, 340, "nvidia-tesla-a100", 4, false),
    ("a2-highgpu-8g", 96, 680, "nvidia-tesla-a100", 8, false),
    ("a2-megagpu-16g", 96, 1360, "nvidia-tesla-a100", 16, false),
    ("a2-ultragpu-1g", 12, 170, "nvidia-a100-80gb", 1, false),
    ("a2-ultragpu-2g", 24, 340, "nvidia-a100-80gb", 2, false),
    ("a2-ultragpu-4g", 48, 680, "nvidia-a100-80gb", 4, false),
    ("a2-ultragpu-8g", 96, 1360, "nvidia-a100-80gb", 8, false),
    ("a3-highgpu-1g", 26, 234, "nvidia-h100-80gb", 1, true),
    ("a3-highgpu-2g", 52, 468, "nvidia-h100-80gb", 2, true),
    ("a3-highgpu-4g", 104, 936, "nvidia-h100-80gb", 4, true),
    ("a3-highgpu-8g", 208, 1872, "nvidia-h100-80gb", 8, true),
    ("a3-edgegpu-8g", 208, 1872, "nvidia-h100-80gb", 8, true),
    ("a3-megagpu-8g", 208, 1872, "nvidia-h100-mega-80gb", 8, true),
    ("a3-ultragpu-8g", 224, 2952, "nvidia-h200-141gb", 8, true),
    ("a4-highgpu-8g", 224, 3968, "nvidia-b200", 8, true),
];

/// TPU machine types: (name, vCPUs, memory GiB, accelerator label, chips, dims, family).
const TPU_MACHINES: &[(&str, u32, u64, &str, u32, u8, &str)] = &[
    ("ct4p-hightpu-4t", 240, 407, "tpu-v4-podslice", 4, 3, "v4"),
    (
        "ct5lp-hightpu-1t",
        24,
        48,
        "tpu-v5-lite-podslice",
        1,
        2,
        "v5e",
    ),
    (
        "ct5lp-hightpu-4t",
        112,
        192,
        "tpu-v5-lite-podslice",
        4,
        2,
        "v5e",
    ),
    (
        "ct5lp-hightpu-8t",
        224,
        384,
        "tpu-v5-lite-podslice",
        8,
        2,
        "v5e",
    ),
    ("ct5p-hightpu-4t", 208, 448, "tpu-v5p-slice", 4, 3, "v5p"),
    ("ct6e-standard-1t", 44, 448, "tpu-v6e-slice", 1, 2, "v6e"),
    ("ct6e-standard-4t", 180, 720, "tpu-v6e-slice", 4, 2, "v6e"),
    ("ct6e-standard-8t", 180, 1440, "tpu-v6e-slice", 8, 2, "v6e"),
];

/// Size of one Local SSD disk, in GiB.
pub const LOCAL_SSD_GIB: u64 = 375;

/// Machine types that come with Local SSDs attached, and how many (each
/// [`LOCAL_SSD_GIB`]). Source: Google Cloud, "GPU machine types"
/// (accelerator-optimized A4, A3, A2 Ultra and G2 tables, column "Attached
/// Local SSD (GiB)": a3-highgpu-8g 6,000 = 16 disks, a3-ultragpu-8g and
/// a4-highgpu-8g 12,000 = 32, a2-ultragpu-8g 3,000 = 8, g2-standard-96 3,000
/// = 8 ...). A2 High/Mega and general-purpose machines attach Local SSDs
/// only when asked, which podwire does not do.
const LOCAL_SSDS: &[(&str, u32)] = &[
    ("g2-standard-4", 1),
    ("g2-standard-8", 1),
    ("g2-standard-12", 1),
    ("g2-standard-16", 1),
    ("g2-standard-24", 2),
    ("g2-standard-32", 1),
    ("g2-standard-48", 4),
    ("g2-standard-96", 8),
    ("a2-ultragpu-1g", 1),
    ("a2-ultragpu-2g", 2),
    ("a2-ultragpu-4g", 4),
    ("a2-ultragpu-8g", 8),
    ("a3-highgpu-1g", 2),
    ("a3-highgpu-2g", 4),
    ("a3-highgpu-4g", 8),
    ("a3-highgpu-8g", 16),
    ("a3-edgegpu-8g", 16),
    ("a3-megagpu-8g", 16),
    ("a3-ultragpu-8g", 32),
    ("a4-highgpu-8g", 32),
];

/// The Local SSDs machine type `name` comes with, when it has some.
pub fn local_ssds(name: &str) -> Option<u32> {
    LOCAL_SSDS.iter().find(|m| m.0 == name).map(|m| m.1)
}

/// GPUs that attach to N1 machines, with the counts GKE accepts.
pub const N1_GPUS: &[(&str, &[u32])] = &[
    ("nvidia-tesla-t4", &[1, 2, 4]),
    ("nvidia-tesla-v100", &[1, 2, 4, 8]),
    ("nvidia-tesla-p100", &[1, 2, 4]),
    ("nvidia-tesla-p4", &[1, 2, 4]),
];

/// Every accelerator type podwire knows, for suggestions.
pub fn gpu_types() -> impl Iterator<Item = &'static str> {
    let mut v: Vec<&'static str> = GPU_MACHINES
        .iter()
        .map(|m| m.3)
        .chain(N1_GPUS.iter().map(|g| g.0))
        .collect();
    v.dedup();
    v.into_iter()
}

pub fn machine_names() -> impl Iterator<Item = &'static str> {
    GPU_MACHINES
        .iter()
        .map(|m| m.0)
        .chain(TPU_MACHINES.iter().map(|m| m.0))
}

/// Look a machine type up. General-purpose families are computed from the
/// name (`n2-standard-8`: 8 vCPUs x 4 GiB); unknown names give None.
pub fn machine(name: &str) -> Option<Machine> {
    if let Some(&(_, vcpus, gib, kind, count, gvnic)) = GPU_MACHINES.iter().find(|m| m.0 == name) {
        return Some(Machine {
            vcpus,
            memory_mib: gib * GIB,
            gpu: gpu(kind, count),
            tpu: None,
            gvnic,
        });
    }
    if let Some(&(_, vcpus, gib, accelerator, chips, dims, family)) =
        TPU_MACHINES.iter().find(|m| m.0 == name)
    {
        return Some(Machine {
            vcpus,
            memory_mib: gib * GIB,
            gpu: None,
            tpu: Some(TpuMachine {
                accelerator,
                chips,
                dims,
                family,
            }),
            gvnic: matches!(family, "v5p" | "v6e"),
        });
    }
    general(name)
}

fn general(name: &str) -> Option<Machine> {
    let shared = [
        ("e2-micro", 2, 1024),
        ("e2-small", 2, 2048),
        ("e2-medium", 2, 4096),
    ];
    if let Some(&(_, vcpus, mib)) = shared.iter().find(|m| m.0 == name) {
        return Some(Machine {
            vcpus,
            memory_mib: mib,
            gpu: None,
            tpu: None,
            gvnic: false,
        });
    }
    let mut parts = name.splitn(3, '-');
    let (family, class, n) = (parts.next()?, parts.next()?, parts.next()?);
    let vcpus: u32 = n.parse().ok()?;
    // MiB per vCPU.
    let per = match (family, class) {
        ("n1", "standard") => 3840,
        ("n1", "highmem") => 6656,
        ("n1", "highcpu") => 922,
        (
            "n2" | "n2d" | "e2" | "c3" | "c3d" | "n4" | "c4" | "c4a" | "c4d" | "t2d" | "t2a",
            "standard",
        ) => 4096,
        ("n2" | "n2d" | "e2" | "c3" | "c3d" | "n4" | "c4" | "c4a" | "c4d", "highmem") => 8192,
        ("n2" | "n2d" | "e2" | "c3" | "c3d" | "n4" | "c4" | "c4a" | "c4d", "highcpu") => 1024,
        ("c2" | "c2d", "standard") => 4096,
        ("m1" | "m2" | "m3", "megamem" | "ultramem") => 14_336,
        _ => return None,
    };
    if vcpus == 0 || vcpus > 416 {
        return None;
    }
    Some(Machine {
        vcpus,
        memory_mib: per * u64::from(vcpus),
        gpu: None,
        tpu: None,
        gvnic: family == "c3" || family == "c4" || family == "n4",
    })
}

/// Whether N1 machine `name` can take `count` GPUs of `kind`.
pub fn n1_gpu_counts(kind: &str) -> Option<&'static [u32]> {
    N1_GPUS.iter().find(|g| g.0 == kind).map(|g| g.1)
}

/// Parse a TPU topology (`2x4`, `2x2x2`) into its dimensions.
pub fn parse_topology(t: &str) -> Option<Vec<u32>> {
    let dims: Option<Vec<u32>> = t
        .split('x')
        .map(|d| d.parse::<u32>().ok().filter(|&v| v > 0))
        .collect();
    dims.filter(|d| (2..=3).contains(&d.len()))
}

/// The topologies GKE supports for a TPU machine, and how many nodes a slice
/// of that shape has.
pub fn tpu_topologies(m: &TpuMachine) -> &'static [&'static str] {
    match (m.family, m.chips) {
        ("v5e", 1) | ("v6e", 1) => &["1x1"],
        ("v5e", 4) | ("v6e", 4) => &["2x2", "2x4", "4x4", "4x8", "8x8", "8x16", "16x16"],
        ("v5e", 8) | ("v6e", 8) => &["2x4"],
        ("v5p", _) => &[
            "2x2x1", "2x2x2", "2x2x4", "2x4x4", "4x4x4", "4x4x8", "4x8x8", "8x8x8", "8x8x16",
            "8x16x16", "16x16x16", "16x16x24",
        ],
        ("v4", _) => &[
            "2x2x1", "2x2x2", "2x2x4", "2x4x4", "4x4x4", "4x4x8", "4x8x8", "8x8x8", "8x8x12",
            "8x8x16",
        ],
        _ => &[],
    }
}

/// Hosts (nodes) in one slice of `topology` on machine `m`: the topology's
/// chips over the chips of one host.
pub fn tpu_slice_hosts(m: &TpuMachine, topology: &str) -> Option<u32> {
    let chips: u32 = parse_topology(topology)?.iter().product();
    if !chips.is_multiple_of(m.chips) {
        return None;
    }
    Some(chips / m.chips)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn design_gpu_table() {
        let cases = [
            ("g2-standard-4", "nvidia-l4", 1),
            ("g2-standard-32", "nvidia-l4", 1),
            ("g2-standard-24", "nvidia-l4", 2),
            ("g2-standard-48", "nvidia-l4", 4),
            ("g2-standard-96", "nvidia-l4", 8),
            ("a2-highgpu-4g", "nvidia-tesla-a100", 4),
            ("a2-megagpu-16g", "nvidia-tesla-a100", 16),
            ("a2-ultragpu-2g", "nvidia-a100-80gb", 2),
            ("a3-highgpu-8g", "nvidia-h100-80gb", 8),
            ("a3-megagpu-8g", "nvidia-h100-mega-80gb", 8),
            ("a3-ultragpu-8g", "nvidia-h200-141gb", 8),
            ("a4-highgpu-8g", "nvidia-b200", 8),
        ];
        for (m, kind, count) in cases {
            assert_eq!(
                machine(m).and_then(|m| m.gpu),
                Some(Gpu { kind, count }),
                "{m}"
            );
        }
    }

    #[test]
    fn local_ssds_are_googles_attached_capacity() {
        // GiB as Google's GPU machine tables give them.
        for (m, gib) in [
            ("a3-highgpu-8g", 6000),
            ("a3-megagpu-8g", 6000),
            ("a3-ultragpu-8g", 12000),
            ("a4-highgpu-8g", 12000),
            ("a2-ultragpu-8g", 3000),
            ("g2-standard-4", 375),
            ("g2-standard-96", 3000),
        ] {
            assert_eq!(
                local_ssds(m).map(|n| u64::from(n) * LOCAL_SSD_GIB),
                Some(gib),
                "{m}"
            );
        }
        assert_eq!(local_ssds("a2-highgpu-8g"), None);
        assert_eq!(local_ssds("n2-standard-8"), None);
        // Every machine with Local SSDs is one podwire knows.
        for (m, _) in LOCAL_SSDS {
            assert!(machine(m).is_some(), "{m}");
        }
    }

    #[test]
    fn general_machines_are_computed() {
        let m = machine("n1-standard-1").expect("known");
        assert_eq!((m.vcpus, m.memory_mib, m.gpu), (1, 3840, None));
        assert_eq!(machine("n2-highmem-8").map(|m| m.memory_mib), Some(65536));
        assert_eq!(machine("zz-standard-8"), None);
        assert_eq!(machine("n1-standard-x"), None);
    }

    #[test]
    fn tpu_shapes() {
        let v5e = machine("ct5lp-hightpu-4t")
            .and_then(|m| m.tpu)
            .expect("tpu");
        assert_eq!(tpu_slice_hosts(&v5e, "2x4"), Some(2));
        assert_eq!(tpu_slice_hosts(&v5e, "4x4"), Some(4));
        assert_eq!(parse_topology("2x"), None);
        assert_eq!(parse_topology("2x2x2x2"), None);
        let v5p = machine("ct5p-hightpu-4t").and_then(|m| m.tpu).expect("tpu");
        assert_eq!(tpu_slice_hosts(&v5p, "2x2x2"), Some(2));
        assert!(tpu_topologies(&v5p).contains(&"2x2x1"));
    }

    /// Chips per host and hosts per topology, as Google's TPU on GKE tables
    /// give them (v5e/v6e: 1, 4 or 8 chips per host; v4/v5p: 4).
    #[test]
    fn tpu_chips_per_host_and_hosts_per_topology() {
        let tpu = |name: &str| machine(name).and_then(|m| m.tpu).expect(name);
        for (name, chips) in [
            ("ct5lp-hightpu-1t", 1),
            ("ct5lp-hightpu-4t", 4),
            ("ct5lp-hightpu-8t", 8),
            ("ct6e-standard-1t", 1),
            ("ct6e-standard-4t", 4),
            ("ct6e-standard-8t", 8),
            ("ct5p-hightpu-4t", 4),
            ("ct4p-hightpu-4t", 4),
        ] {
            assert_eq!(tpu(name).chips, chips, "{name}");
        }
        for (name, topology, hosts) in [
            ("ct5lp-hightpu-1t", "1x1", 1),
            ("ct5lp-hightpu-4t", "2x2", 1),
            ("ct5lp-hightpu-4t", "2x4", 2),
            ("ct5lp-hightpu-4t", "4x4", 4),
            ("ct5lp-hightpu-4t", "4x8", 8),
            ("ct5lp-hightpu-4t", "8x8", 16),
            ("ct5lp-hightpu-4t", "16x16", 64),
            ("ct5lp-hightpu-8t", "2x4", 1),
            ("ct6e-standard-4t", "4x4", 4),
            ("ct6e-standard-4t", "16x16", 64),
            ("ct5p-hightpu-4t", "2x2x1", 1),
            ("ct5p-hightpu-4t", "2x2x2", 2),
            ("ct5p-hightpu-4t", "4x4x4", 16),
            ("ct4p-hightpu-4t", "2x2x4", 4),
        ] {
            assert_eq!(
                tpu_slice_hosts(&tpu(name), topology),
                Some(hosts),
                "{name} {topology}"
            );
        }
        // Every supported shape is a whole number of hosts.
        for name in machine_names() {
            if let Some(t) = machine(name).and_then(|m| m.tpu) {
                for topology in tpu_topologies(&t) {
                    assert!(tpu_slice_hosts(&t, topology).is_some(), "{name} {topology}");
                }
            }
        }
    }
}
