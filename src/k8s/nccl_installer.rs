//! The NCCL plugin installer of a GPUDirect mode: a DaemonSet in
//! `kube-system`, pinned to the GPUDirect pools' nodes, that copies the
//! mode's NCCL plugin into the node's NVIDIA library directory (`CEA` in
//! catalog::gpudirect: the images, host paths and install command of
//! Google's installer DaemonSets).

use super::gpudirect::{host_volume, HOST_GIB, HOST_NVIDIA_LIB64};
use super::objects::{labels, s, Lower};
use crate::catalog::gpudirect as catalog;
use crate::model::{GpuDirectMode, Pool};
use k8s_openapi::api::apps::v1::{DaemonSet, DaemonSetSpec, DaemonSetUpdateStrategy};
use k8s_openapi::api::core::v1::{
    Affinity, Container, HostPathVolumeSource, NodeAffinity, NodeSelector, NodeSelectorRequirement,
    NodeSelectorTerm, PodSpec, PodTemplateSpec, ResourceRequirements, SecurityContext, Toleration,
    Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use std::collections::BTreeMap;

fn mode_slug(mode: GpuDirectMode) -> &'static str {
    match mode {
        GpuDirectMode::Tcpx => "tcpx",
        GpuDirectMode::Tcpxo => "tcpxo",
        GpuDirectMode::Rdma | GpuDirectMode::None => "rdma",
    }
}

/// The pause image Google's installers keep running after the install.
const PAUSE: &str =
    "gke.gcr.io/pause:3.8@sha256:880e63f94b145e46f1b1082bb71b85e21f16b99b180b9996407d61240ceb9830";

/// TCPXO's host step, run in the node's namespaces before the install:
/// load the dma-buf import helper and bind-mount each LLCM aperture PCI
/// device (vendor:device 1ae0:0084) under /dev/aperture_devices, readable
/// by all and its resource files writable, as the workload's plugin maps
/// them. (Google's installer `CEA` does the same, and also inserts an
/// iptables rule accepting all TCP on the node's INPUT chain; podwire
/// leaves the node's firewall alone: the GPU NICs are moved into the pods.)
const TCPXO_HOST_STEP: &str = "set -e
modprobe import-helper
mkdir -p /dev/aperture_devices
for bdf in $(lspci -D -d 1ae0:0084 | cut -d' ' -f1); do
  dir=/dev/aperture_devices/$bdf
  mkdir -p \"$dir\"
  mountpoint -q \"$dir\" || mount --bind \"$(readlink -f /sys/bus/pci/devices/$bdf)\" \"$dir\"
done
chmod -R a+r /dev/aperture_devices
for f in /dev/aperture_devices/*/resource*; do [ -e \"$f\" ] && chmod a+rw \"$f\"; done
true
";

/// The NCCL plugin installer of `mode` (`CEA`: the images, host paths and
/// install command of Google's installer DaemonSets), pinned to the nodes
/// of `pools` by their node-pool label rather than by accelerator, so that
/// it does not touch other nodes with the same GPU.
pub(super) fn installer(lw: &Lower, mode: GpuDirectMode, pools: &[&Pool]) -> Option<DaemonSet> {
    let first = pools.first()?;
    let g = catalog::lookup(&first.machine_type)?;
    let name = format!("{}-nccl-{}-installer", lw.m.name, mode_slug(mode));
    let mut meta_labels = lw.common();
    meta_labels.insert(s("k8s-app"), name.clone());
    let selector = labels(&[("k8s-app", &name)]);
    let privileged = || {
        Some(SecurityContext {
            privileged: Some(true),
            ..Default::default()
        })
    };
    let vm = |volume: &str, path: &str| VolumeMount {
        name: s(volume),
        mount_path: s(path),
        ..Default::default()
    };
    let mut init = Vec::new();
    let (volumes, install_mounts, install) = match mode {
        GpuDirectMode::Rdma => (
            vec![
                Volume {
                    name: s("library-dir-host"),
                    host_path: Some(HostPathVolumeSource {
                        path: s(HOST_NVIDIA_LIB64),
                        type_: Some(s("DirectoryOrCreate")),
                    }),
                    ..Default::default()
                },
                host_volume("gib", HOST_GIB),
            ],
            vec![
                vm(
                    "library-dir-host",
                    "/usr/local/home/kubernetes/bin/nvidia/lib64",
                ),
                vm("gib", "/usr/local/home/kubernetes/bin/gib"),
            ],
            s("set -ex
/scripts/container_entry.sh install --install-nccl
cp -r /var/lib/gib/lib64/. /usr/local/home/kubernetes/bin/nvidia/lib64
cp -r /var/lib/gib/. /usr/local/home/kubernetes/bin/gib
"),
        ),
        _ => {
            let dir = mode_slug(mode);
            if mode == GpuDirectMode::Tcpxo {
                init.push(Container {
                    name: s("host-setup"),
                    image: Some(s("ubuntu:24.04")),
                    command: Some(vec![
                        s("nsenter"),
                        s("-at"),
                        s("1"),
                        s("--"),
                        s("bash"),
                        s("-c"),
                        s(TCPXO_HOST_STEP),
                    ]),
                    security_context: privileged(),
                    ..Default::default()
                });
            }
            (
                vec![
                    host_volume("var-lib", "/var/lib"),
                    host_volume("library-dir-host", "/home/kubernetes/bin"),
                ],
                vec![
                    vm("var-lib", "/var/lib"),
                    vm("library-dir-host", "/usr/local"),
                ],
                format!(
                    "set -ex
/scripts/container_entry.sh install --install-nccl
mkdir -p /usr/local/nvidia/lib64
cp -r /var/lib/{dir}/lib64/. /usr/local/nvidia/lib64
"
                ),
            )
        }
    };
    init.push(Container {
        name: format!("nccl-{}-installer", mode_slug(mode)),
        image: Some(s(g.installer_image)),
        command: Some(vec![s("/bin/sh"), s("-c")]),
        args: Some(vec![install]),
        resources: Some(ResourceRequirements {
            requests: Some(BTreeMap::from([(s("cpu"), Quantity(s("150m")))])),
            ..Default::default()
        }),
        security_context: privileged(),
        volume_mounts: Some(install_mounts),
        ..Default::default()
    });
    let pool_names: Vec<String> = pools
        .iter()
        .flat_map(|p| (0..p.slices()).map(|i| p.slice_pool_name(i)))
        .collect();
    Some(DaemonSet {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            namespace: Some(s("kube-system")),
            labels: Some(meta_labels.clone()),
            ..Default::default()
        },
        spec: DaemonSetSpec {
            selector: LabelSelector {
                match_labels: Some(selector),
                ..Default::default()
            },
            update_strategy: Some(DaemonSetUpdateStrategy {
                type_: Some(s("RollingUpdate")),
                ..Default::default()
            }),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(meta_labels),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    priority_class_name: Some(s("system-node-critical")),
                    affinity: Some(Affinity {
                        node_affinity: Some(NodeAffinity {
                            required_during_scheduling_ignored_during_execution: Some(
                                NodeSelector {
                                    node_selector_terms: vec![NodeSelectorTerm {
                                        match_expressions: Some(vec![NodeSelectorRequirement {
                                            key: s(super::jobset::NODE_POOL_LABEL),
                                            operator: s("In"),
                                            values: Some(pool_names),
                                        }]),
                                        ..Default::default()
                                    }],
                                },
                            ),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    tolerations: Some(vec![Toleration {
                        operator: Some(s("Exists")),
                        ..Default::default()
                    }]),
                    host_network: Some(true),
                    host_pid: Some(true),
                    volumes: Some(volumes),
                    init_containers: Some(init),
                    containers: vec![Container {
                        name: s("pause"),
                        image: Some(s(PAUSE)),
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
            },
            ..Default::default()
        },
        ..Default::default()
    })
}
