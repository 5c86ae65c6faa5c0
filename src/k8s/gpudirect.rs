//! GPUDirect in the pods: what a pod with GPUs on a GPUDirect pool gets: the multi-networking annotations, the device
//! annotation and receive-datapath daemon of TCPX/TCPXO (a native sidecar:
//! an init container with `restartPolicy: Always`, so a Job still
//! completes), the NCCL environment of the mode and the host paths the
//! plugin and the daemon read.
//!
//! The installer itself is in k8s::nccl_installer.
//!
//! Facts follow Google's published manifests (catalog::gpudirect names the
//! files and commits: `CEA` for the installers, `CEA-POD` for the pods).
//! Where podwire differs from them, it is to keep Pod Security as close to
//! "restricted" as they allow: the daemon gets only the capabilities
//! Google's unprivileged manifests add (never `privileged`, no host
//! network), the workload container gets no capability at all (the TCPX
//! test pod's IPC_LOCK is left out), and the library mounts are read-only.
//! [`exemptions`] lists what remains outside "restricted", for the warning
//! (PW0706) and for the namespace's `enforce` level.

use super::gpu_networks;
use super::objects::s;
use crate::catalog::gpudirect::{self as catalog, GpuDirect};
use crate::model::{GpuDirectMode, Pool, Workload};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, EnvVar, HostPathVolumeSource, SeccompProfile, SecurityContext, Volume,
    VolumeMount,
};
use std::collections::BTreeMap;

/// Where GKE's GPU driver installation keeps the NVIDIA libraries on the
/// node; the installers copy the NCCL plugin there (`CEA`).
pub(super) const HOST_NVIDIA_LIB64: &str = "/home/kubernetes/bin/nvidia/lib64";
/// The same libraries inside the containers (`CEA-POD`: `LD_LIBRARY_PATH`).
const NVIDIA_LIB64: &str = "/usr/local/nvidia/lib64";
/// GKE's NVIDIA directory on the node (RDMA pods mount all of it, `CEA-POD`
/// nccl-test-a4.yaml).
const HOST_NVIDIA: &str = "/home/kubernetes/bin/nvidia";
/// The gIB plugin's files on the node and in the pod (`CEA`, `CEA-POD`).
pub(super) const HOST_GIB: &str = "/home/kubernetes/bin/gib";
const GIB: &str = "/usr/local/gib";
/// TCPX: the daemon's Unix sockets, shared with the workload (`CEA-POD`).
const TCPX_SOCKETS: &str = "/run/tcpx";
/// TCPXO: the LLCM aperture devices the installer's host step bind-mounts.
const APERTURE_DEVICES: &str = "/dev/aperture_devices";

/// The daemon's container name per mode (the device annotation is keyed
/// by it: `devices.gke.io/container.<name>`, `CEA-POD`).
fn daemon_name(mode: GpuDirectMode) -> Option<&'static str> {
    match mode {
        GpuDirectMode::Tcpx => Some("tcpx-daemon"),
        GpuDirectMode::Tcpxo => Some("tcpxo-daemon"),
        GpuDirectMode::Rdma | GpuDirectMode::None => None,
    }
}

/// One host path a GPUDirect pod mounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostMount {
    /// Volume name.
    pub volume: &'static str,
    pub host_path: &'static str,
    /// The container that mounts it (the workload's own is `None`) ...
    pub daemon: bool,
    /// ... where ...
    pub mount_path: &'static str,
    /// ... and whether read-only.
    pub read_only: bool,
}

const fn mount(
    volume: &'static str,
    host_path: &'static str,
    daemon: bool,
    mount_path: &'static str,
    read_only: bool,
) -> HostMount {
    HostMount {
        volume,
        host_path,
        daemon,
        mount_path,
        read_only,
    }
}

/// The host paths of a mode, per container (`CEA-POD`). The daemons read
/// the node's PCI topology and network settings through /sys and
/// /proc/sys; Google's manifests mount those writable, and podwire does not
/// know the daemons to work without writing there, so they stay so. The
/// libraries are only read. The TCPX sockets and the TCPXO aperture
/// devices are written (sockets created, device registers mapped).
pub fn host_mounts(mode: GpuDirectMode) -> &'static [HostMount] {
    const TCPX: &[HostMount] = &[
        mount("nvidia-libs", HOST_NVIDIA_LIB64, false, NVIDIA_LIB64, true),
        mount("tcpx-socket", TCPX_SOCKETS, false, TCPX_SOCKETS, false),
        mount("nvidia-libs", HOST_NVIDIA_LIB64, true, NVIDIA_LIB64, true),
        mount("tcpx-socket", TCPX_SOCKETS, true, TCPX_SOCKETS, false),
        mount("host-sys", "/sys", true, "/hostsysfs", false),
        mount("host-proc-sys", "/proc/sys", true, "/hostprocsysfs", false),
    ];
    const TCPXO: &[HostMount] = &[
        mount("nvidia-libs", HOST_NVIDIA_LIB64, false, NVIDIA_LIB64, true),
        mount(
            "aperture-devices",
            APERTURE_DEVICES,
            false,
            APERTURE_DEVICES,
            false,
        ),
        mount("nvidia-libs", HOST_NVIDIA_LIB64, true, NVIDIA_LIB64, true),
        mount("host-sys", "/sys", true, "/hostsysfs", false),
        mount("host-proc-sys", "/proc/sys", true, "/hostprocsysfs", false),
    ];
    const RDMA: &[HostMount] = &[
        mount("nvidia", HOST_NVIDIA, false, "/usr/local/nvidia", true),
        mount("gib", HOST_GIB, false, GIB, true),
    ];
    match mode {
        GpuDirectMode::Tcpx => TCPX,
        GpuDirectMode::Tcpxo => TCPXO,
        GpuDirectMode::Rdma => RDMA,
        GpuDirectMode::None => &[],
    }
}

/// The capabilities the daemon adds (`CEA-POD` unprivileged manifests:
/// TCPX NET_ADMIN; TCPXO NET_ADMIN and NET_BIND_SERVICE, the latter
/// allowed by "restricted").
fn daemon_capabilities(mode: GpuDirectMode) -> &'static [&'static str] {
    match mode {
        GpuDirectMode::Tcpx => &["NET_ADMIN"],
        GpuDirectMode::Tcpxo => &["NET_ADMIN", "NET_BIND_SERVICE"],
        GpuDirectMode::Rdma | GpuDirectMode::None => &[],
    }
}

/// What a pod on a pool of `mode` has beyond Pod Security "restricted",
/// one line each (the PW0706 warning names them; tests/pod_security.rs
/// holds the output to exactly these).
pub fn exemptions(mode: GpuDirectMode) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for m in host_mounts(mode) {
        if seen.contains(&m.volume) {
            continue;
        }
        seen.push(m.volume);
        let how: Vec<String> = host_mounts(mode)
            .iter()
            .filter(|o| o.volume == m.volume)
            .map(|o| {
                format!(
                    "{} at {}{}",
                    if o.daemon {
                        daemon_name(mode).unwrap_or_default()
                    } else {
                        "the workload"
                    },
                    o.mount_path,
                    if o.read_only { " read-only" } else { "" }
                )
            })
            .collect();
        out.push(format!(
            "hostPath volume `{}` ({}; {})",
            m.volume,
            m.host_path,
            how.join(", ")
        ));
    }
    if let Some(d) = daemon_name(mode) {
        let caps: Vec<&str> = daemon_capabilities(mode)
            .iter()
            .copied()
            .filter(|c| *c != "NET_BIND_SERVICE")
            .collect();
        out.push(format!(
            "container `{d}` adds capability {} and runs as root (user 0)",
            caps.join(", ")
        ));
    }
    out
}

fn env(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: s(name),
        value: Some(s(value)),
        ..Default::default()
    }
}

fn ifnames(from: u32, count: u32) -> String {
    (from..from + count)
        .map(|i| format!("eth{i}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The NCCL environment of a mode, for the workload container. eth0 is
/// the pod network; the GPU NICs follow in the order of
/// `networking.gke.io/interfaces` (gpu_networks::pod_annotations).
fn nccl_env(g: &GpuDirect, mode: GpuDirectMode) -> Vec<EnvVar> {
    let mut v = vec![env("LD_LIBRARY_PATH", NVIDIA_LIB64)];
    let pairs: Vec<(&str, String)> = match mode {
        // `CEA-POD` gpudirect-tcpx/config-with-env.yaml @ 0713f2e (its
        // `mpirun -x` list without the debug settings).
        GpuDirectMode::Tcpx => vec![
            ("NCCL_SOCKET_IFNAME", s("eth0")),
            ("NCCL_GPUDIRECTTCPX_CTRL_DEV", s("eth0")),
            ("NCCL_GPUDIRECTTCPX_SOCKET_IFNAME", ifnames(1, g.gpu_nics)),
            ("NCCL_GPUDIRECTTCPX_UNIX_CLIENT_PREFIX", s(TCPX_SOCKETS)),
            ("NCCL_GPUDIRECTTCPX_FORCE_ACK", s("0")),
            ("NCCL_GPUDIRECTTCPX_TX_COMPLETION_NANOSLEEP", s("1000")),
            (
                "NCCL_GPUDIRECTTCPX_PROGRAM_FLOW_STEERING_WAIT_MICROS",
                s("1000000"),
            ),
            (
                "NCCL_GPUDIRECTTCPX_TX_BINDINGS",
                s("eth1:8-21,112-125;eth2:8-21,112-125;eth3:60-73,164-177;eth4:60-73,164-177"),
            ),
            (
                "NCCL_GPUDIRECTTCPX_RX_BINDINGS",
                s("eth1:22-35,124-139;eth2:22-35,124-139;eth3:74-87,178-191;eth4:74-87,178-191"),
            ),
            ("NCCL_DYNAMIC_CHUNK_SIZE", s("524288")),
            ("NCCL_P2P_NET_CHUNKSIZE", s("524288")),
            ("NCCL_P2P_PCI_CHUNKSIZE", s("524288")),
            ("NCCL_P2P_NVL_CHUNKSIZE", s("1048576")),
            ("NCCL_NSOCKS_PERTHREAD", s("4")),
            ("NCCL_SOCKET_NTHREADS", s("1")),
            ("NCCL_MAX_NCHANNELS", s("8")),
            ("NCCL_MIN_NCHANNELS", s("8")),
            ("NCCL_CROSS_NIC", s("0")),
            ("NCCL_ALGO", s("Ring")),
            ("NCCL_PROTO", s("Simple")),
            ("NCCL_NET_GDR_LEVEL", s("PIX")),
            ("NCCL_P2P_PXN_LEVEL", s("0")),
        ],
        // `CEA-POD` gpudirect-tcpxo/nccl-test-latest.yaml @ 089e022 sets
        // NCCL_FASTRAK_LLCM_DEVICE_DIRECTORY in the pod and sources the
        // rest from the plugin's nccl-env-profile.sh; the variables below
        // are the NIC wiring and the settings GKE's TCPXO guide
        // (`TCPX-GUIDE`, TCPXO tab) has workloads set, with the tuner files
        // at the path the installer copies them to.
        GpuDirectMode::Tcpxo => vec![
            ("NCCL_FASTRAK_CTRL_DEV", s("eth0")),
            ("NCCL_FASTRAK_IFNAME", ifnames(1, g.gpu_nics)),
            ("NCCL_SOCKET_IFNAME", s("eth0")),
            ("NCCL_FASTRAK_LLCM_DEVICE_DIRECTORY", s(APERTURE_DEVICES)),
            ("NCCL_FASTRAK_USE_LLCM", s("1")),
            ("NCCL_FASTRAK_USE_SNAP", s("1")),
            ("NCCL_FASTRAK_NUM_FLOWS", s("2")),
            ("NCCL_FASTRAK_ENABLE_CONTROL_CHANNEL", s("0")),
            ("NCCL_FASTRAK_ENABLE_HOTPATH_LOGGING", s("0")),
            ("NCCL_FASTRAK_PLUGIN_ACCEPT_TIMEOUT_MS", s("600000")),
            ("NCCL_CROSS_NIC", s("0")),
            ("NCCL_ALGO", s("Ring,Tree")),
            ("NCCL_PROTO", s("Simple")),
            ("NCCL_MIN_NCHANNELS", s("4")),
            ("NCCL_DYNAMIC_CHUNK_SIZE", s("524288")),
            ("NCCL_P2P_NET_CHUNKSIZE", s("524288")),
            ("NCCL_P2P_PCI_CHUNKSIZE", s("524288")),
            ("NCCL_P2P_NVL_CHUNKSIZE", s("1048576")),
            ("NCCL_BUFFSIZE", s("8388608")),
            ("NCCL_NET_GDR_LEVEL", s("PIX")),
            ("NCCL_NVLS_ENABLE", s("0")),
            ("NCCL_TUNER_PLUGIN", s("libnccl-tuner.so")),
            (
                "NCCL_TUNER_CONFIG_PATH",
                format!("{NVIDIA_LIB64}/a3plus_tuner_config.textproto"),
            ),
            (
                "NCCL_SHIMNET_GUEST_CONFIG_CHECKER_CONFIG_FILE",
                format!("{NVIDIA_LIB64}/a3plus_guest_config.textproto"),
            ),
        ],
        // What the gIB plugin's set_nccl_env.sh sets (`CEA-POD`
        // nccl-test-a4.yaml sources it), as Google's
        // nccl-plugin-gib-diagnostic image declares it for A4; the tuner
        // file is per machine, and only A4's name is known here (on A3
        // Ultra the plugin's default applies).
        GpuDirectMode::Rdma => {
            let mut p = vec![
                ("NCCL_NET", s("gIB")),
                ("NCCL_CROSS_NIC", s("0")),
                ("NCCL_NET_GDR_LEVEL", s("PIX")),
                ("NCCL_P2P_NET_CHUNKSIZE", s("131072")),
                ("NCCL_NVLS_CHUNKSIZE", s("524288")),
                ("NCCL_IB_ADAPTIVE_ROUTING", s("1")),
                ("NCCL_IB_QPS_PER_CONNECTION", s("4")),
                ("NCCL_IB_TC", s("52")),
                ("NCCL_IB_FIFO_TC", s("84")),
            ];
            if g.machine_type == "a4-highgpu-8g" {
                p.push((
                    "NCCL_TUNER_CONFIG_PATH",
                    format!("{GIB}/configs/tuner_config_a4.txtpb"),
                ));
            }
            p
        }
        GpuDirectMode::None => Vec::new(),
    };
    v.extend(pairs.iter().map(|(k, val)| env(k, val)));
    v
}

/// The device annotation of the TCPX/TCPXO daemon: the GPU device nodes
/// it needs without requesting the GPUs (`CEA-POD`; TCPXO adds the
/// dma-buf import helper).
fn device_annotation(mode: GpuDirectMode, gpus: u32) -> Option<(String, String)> {
    let d = daemon_name(mode)?;
    let mut paths: Vec<String> = (0..gpus).map(|i| format!("/dev/nvidia{i}")).collect();
    paths.push(s("/dev/nvidiactl"));
    paths.push(s("/dev/nvidia-uvm"));
    if mode == GpuDirectMode::Tcpxo {
        paths.push(s("/dev/dmabuf_import_helper"));
    }
    let text: String = paths.iter().map(|p| format!("- path: {p}\n")).collect();
    Some((format!("devices.gke.io/container.{d}"), text))
}

pub(super) fn host_volume(name: &str, path: &str) -> Volume {
    Volume {
        name: s(name),
        host_path: Some(HostPathVolumeSource {
            path: s(path),
            type_: None,
        }),
        ..Default::default()
    }
}

fn mounts_of(mode: GpuDirectMode, daemon: bool) -> Vec<VolumeMount> {
    host_mounts(mode)
        .iter()
        .filter(|m| m.daemon == daemon)
        .map(|m| VolumeMount {
            name: s(m.volume),
            mount_path: s(m.mount_path),
            read_only: m.read_only.then_some(true),
            ..Default::default()
        })
        .collect()
}

fn seccomp() -> Option<SeccompProfile> {
    Some(SeccompProfile {
        type_: s("RuntimeDefault"),
        ..Default::default()
    })
}

/// The daemon as a native sidecar (`CEA-POD` images and commands). It
/// keeps "restricted" everywhere but the capability it adds and the user
/// it runs as: the images run as root, and a capability in a container's
/// securityContext reaches only a root process.
fn daemon(g: &GpuDirect, mode: GpuDirectMode) -> Option<Container> {
    let name = daemon_name(mode)?;
    let image = g.daemon_image?;
    let (command, args) = match mode {
        GpuDirectMode::Tcpx => (
            vec![s("/tcpgpudmarxd/build/app/tcpgpudmarxd")],
            vec![
                s("--gpu_nic_preset"),
                s("a3vm"),
                s("--gpu_shmem_type"),
                s("fd"),
                s("--uds_path"),
                s(TCPX_SOCKETS),
                s("--setup_param"),
                s("--verbose 128 2 0 "),
            ],
        ),
        _ => (
            vec![s("/bin/sh"), s("-c")],
            vec![format!(
                "chmod 755 /fts/entrypoint_rxdm_container.sh && exec /fts/entrypoint_rxdm_container.sh --num_hops=2 --num_nics={} --uid= --alsologtostderr",
                g.gpu_nics
            )],
        ),
    };
    Some(Container {
        name: s(name),
        image: Some(s(image)),
        command: Some(command),
        args: Some(args),
        env: Some(vec![env("LD_LIBRARY_PATH", NVIDIA_LIB64)]),
        // A native sidecar: started before the workload container, stopped
        // after it, and not counted for a Job's completion.
        restart_policy: Some(s("Always")),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            capabilities: Some(Capabilities {
                add: Some(daemon_capabilities(mode).iter().map(|c| s(c)).collect()),
                drop: Some(vec![s("ALL")]),
            }),
            run_as_non_root: Some(false),
            run_as_user: Some(0),
            seccomp_profile: seccomp(),
            ..Default::default()
        }),
        volume_mounts: Some(mounts_of(mode, true)),
        ..Default::default()
    })
}

/// What a pod on GPUDirect pool `pool` adds to its template.
pub(super) struct PodWiring {
    pub annotations: BTreeMap<String, String>,
    pub env: Vec<EnvVar>,
    pub volumes: Vec<Volume>,
    pub mounts: Vec<VolumeMount>,
    pub sidecar: Option<Container>,
}

/// Whether workload `w`'s pods on `pool` are wired to GPUDirect: they are
/// on a GPUDirect pool and take GPUs (a GPU NIC moves into one pod, the
/// one that has the node's GPUs; a helper pod without GPUs stays on the
/// pod network only and fully restricted).
pub fn wired(pool: &Pool, w: &Workload) -> bool {
    pool.gpu_direct != GpuDirectMode::None && w.gpus > 0
}

/// None for a pod that is not [`wired`].
pub(super) fn pod_wiring(pool: &Pool, w: &Workload) -> Option<PodWiring> {
    let mode = pool.gpu_direct;
    if !wired(pool, w) {
        return None;
    }
    let g = catalog::lookup(&pool.machine_type)?;
    let mut annotations = gpu_networks::pod_annotations(pool);
    let gpus = pool.gpu.as_ref().map_or(0, |g| g.count);
    if let Some((k, v)) = device_annotation(mode, gpus) {
        annotations.insert(k, v);
    }
    let mut volumes: Vec<Volume> = Vec::new();
    for m in host_mounts(mode) {
        if !volumes.iter().any(|v| v.name == m.volume) {
            volumes.push(host_volume(m.volume, m.host_path));
        }
    }
    Some(PodWiring {
        annotations,
        env: nccl_env(g, mode),
        volumes,
        mounts: mounts_of(mode, false),
        sidecar: daemon(g, mode),
    })
}

/// The Pod Security labels of the namespace: "restricted" throughout,
/// unless a pod runs on a GPUDirect pool. Then `enforce` is "privileged"
/// (the next level, "baseline", already forbids hostPath volumes and
/// NET_ADMIN), and `warn` and `audit` stay "restricted", so that every
/// exemption is still reported and audited.
pub(super) fn pod_security_labels(gpu_direct: bool) -> Vec<(&'static str, &'static str)> {
    if gpu_direct {
        vec![
            ("pod-security.kubernetes.io/enforce", "privileged"),
            ("pod-security.kubernetes.io/enforce-version", "latest"),
            ("pod-security.kubernetes.io/warn", "restricted"),
            ("pod-security.kubernetes.io/warn-version", "latest"),
            ("pod-security.kubernetes.io/audit", "restricted"),
            ("pod-security.kubernetes.io/audit-version", "latest"),
        ]
    } else {
        vec![
            ("pod-security.kubernetes.io/enforce", "restricted"),
            ("pod-security.kubernetes.io/enforce-version", "latest"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exemptions_name_every_host_path_and_the_daemons_capability() {
        let e = exemptions(GpuDirectMode::Tcpxo);
        assert_eq!(e.len(), 5, "{e:?}");
        assert!(e[0].contains("/home/kubernetes/bin/nvidia/lib64"), "{e:?}");
        assert!(e[0].contains("read-only"), "{e:?}");
        assert!(e.iter().any(|x| x.contains("/dev/aperture_devices")));
        assert!(e[4].contains("tcpxo-daemon") && e[4].contains("NET_ADMIN"));
        assert!(!e[4].contains("NET_BIND_SERVICE"));
        let r = exemptions(GpuDirectMode::Rdma);
        assert_eq!(r.len(), 2, "{r:?}");
        assert!(r.iter().all(|x| x.contains("read-only")));
        assert!(exemptions(GpuDirectMode::None).is_empty());
    }

    /// A TCPX pool: the wired pod has the daemon as a native sidecar, the
    /// NCCL env naming the 4 GPU NICs (a user variable wins), the sockets
    /// shared; a pod without GPUs on the same pool gets none of it.
    #[test]
    fn tcpx_pods_are_wired_and_helpers_are_not() {
        let src = "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: c}\ngcp: {project: my-project, location: us-central1-a}\ncluster:\n  nodePools:\n    - {name: p, machineType: a3-highgpu-8g, nodes: 2, gpuDirect: true}\nworkloads:\n  - {name: w, image: t, run: job, replicas: 2, gpus: 8, distributed: pytorch, env: {NCCL_ALGO: Tree}}\n  - {name: helper, image: t, pool: p}\n";
        let m = crate::analyze(src).model.expect("model");
        let objs: Vec<serde_json::Value> = crate::k8s::objects(&m)
            .iter()
            .map(|o| o.to_json())
            .collect();
        let job = objs.iter().find(|o| o["kind"] == "Job").expect("job");
        let t = &job["spec"]["template"];
        let init = &t["spec"]["initContainers"][0];
        assert_eq!(init["name"], "tcpx-daemon");
        assert_eq!(init["restartPolicy"], "Always");
        assert_eq!(
            init["securityContext"]["capabilities"]["add"][0],
            "NET_ADMIN"
        );
        let env = &t["spec"]["containers"][0]["env"];
        let get = |k: &str| {
            env.as_array()
                .into_iter()
                .flatten()
                .filter(|e| e["name"] == k)
                .map(|e| e["value"].clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            get("NCCL_GPUDIRECTTCPX_SOCKET_IFNAME"),
            ["eth1,eth2,eth3,eth4"]
        );
        assert_eq!(get("NCCL_ALGO"), ["Tree"]);
        assert!(t["metadata"]["annotations"]["devices.gke.io/container.tcpx-daemon"].is_string());
        let helper = objs
            .iter()
            .find(|o| o["metadata"]["name"] == "helper" && !o["spec"]["template"].is_null())
            .expect("helper");
        let ht = &helper["spec"]["template"];
        assert!(ht["spec"]["initContainers"].is_null());
        assert!(ht["metadata"]["annotations"].is_null());
        assert!(ht["spec"]["volumes"].is_null());
        // One installer, on the pool's nodes, in kube-system.
        let ds: Vec<_> = objs.iter().filter(|o| o["kind"] == "DaemonSet").collect();
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0]["metadata"]["namespace"], "kube-system");
        assert_eq!(
            ds[0]["spec"]["template"]["spec"]["affinity"]["nodeAffinity"]
                ["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
                ["matchExpressions"][0]["values"][0],
            "p"
        );
    }

    #[test]
    fn device_annotation_lists_each_gpu_then_the_control_devices() {
        let (k, v) = device_annotation(GpuDirectMode::Tcpxo, 8).expect("tcpxo");
        assert_eq!(k, "devices.gke.io/container.tcpxo-daemon");
        let lines: Vec<&str> = v.lines().collect();
        assert_eq!(lines.len(), 11);
        assert_eq!(lines[0], "- path: /dev/nvidia0");
        assert_eq!(lines[10], "- path: /dev/dmabuf_import_helper");
        let (_, t) = device_annotation(GpuDirectMode::Tcpx, 8).expect("tcpx");
        assert_eq!(t.lines().count(), 10);
        assert!(device_annotation(GpuDirectMode::Rdma, 8).is_none());
    }
}
