//! The pod template (container, resources, env, rendezvous env, security
//! context, scheduling) and the workload objects that hold it: an Indexed
//! Job, a StatefulSet or a Deployment.

use super::health;
use super::jobset::{self, JOB_INDEX, NODE_POOL_LABEL};
use super::lws;
use super::objects::{labels, s, Lower, Object, WORKLOAD_LABEL};
use crate::model::{EnvValue, Framework, Kind, Model, VolumeSource, Workload};
use crate::spec::CacheMedium;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, StatefulSet, StatefulSetSpec};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Affinity, CSIVolumeSource, Capabilities, Container, ContainerPort, EmptyDirVolumeSource,
    EnvVar, EnvVarSource, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm,
    ObjectFieldSelector, PersistentVolumeClaimVolumeSource, PodSecurityContext, PodSpec,
    PodTemplateSpec, ResourceRequirements, SeccompProfile, SecretKeySelector, SecurityContext,
    Toleration, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use std::collections::BTreeMap;

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

/// A user variable: its text, or a key of an existing Secret (never a value).
fn user_env(name: &str, value: &EnvValue) -> EnvVar {
    match value {
        EnvValue::Text(t) => env(name, t.clone()),
        EnvValue::Secret { name: secret, key } => EnvVar {
            name: s(name),
            value_from: Some(EnvVarSource {
                secret_key_ref: Some(SecretKeySelector {
                    name: secret.clone(),
                    key: key.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        },
    }
}

/// The pod's index within its Job or StatefulSet.
const COMPLETION_INDEX: &str = "metadata.annotations['batch.kubernetes.io/job-completion-index']";

/// The port a Multislice workload's MegaScale coordinator listens on.
pub(super) fn megascale_port(w: &Workload) -> Option<u16> {
    w.ports
        .iter()
        .find(|p| p.name == "megascale")
        .map(|p| p.port)
}

/// The TPU Multislice environment, as GKE gives it to each slice's pods
/// and JAX reads it (jax `_src/clusters/cloud_tpu_cluster.py`: process id
/// = `TPU_WORKER_ID` + `MEGASCALE_SLICE_ID` x hosts per slice; the
/// MegaScale coordinator is the host of process 0):
/// - `MEGASCALE_NUM_SLICES`, `MEGASCALE_SLICE_ID` (the Job's index in the
///   JobSet, from JobSet's `jobset.sigs.k8s.io/job-index` annotation, as
///   xpk's Pathways JobSets read it), `MEGASCALE_COORDINATOR_ADDRESS`
///   (slice 0's first pod, `<dns>:<port>`) and `MEGASCALE_PORT` (8081, as
///   Google's Ray TPU support and its KubeRay TPU webhook set it);
/// - per slice, as GKE's TPU webhook injects them into a multi-host slice's
///   Indexed Job: `TPU_WORKER_ID` (the completion index) and
///   `TPU_WORKER_HOSTNAMES` (the slice's pods, in index order; the slice id
///   comes from `$(MEGASCALE_SLICE_ID)`, which Kubernetes expands from the
///   variable defined before it).
///
/// Checked against (issue 13): JAX's `cloud_tpu_cluster.py` reads
/// `MEGASCALE_COORDINATOR_ADDRESS` ("for both GCE via QueuedResources and
/// GKE via JobSet ... the host with process id = 0"), drops any `:port`
/// and dials its own coordinator port, so `<dns>:<port>` works; Ray's TPU
/// support (`ray.util.tpu`) sets the same four variables with
/// `MEGASCALE_COORDINATOR_ADDRESS = "<ip>:8081"` and `MEGASCALE_PORT =
/// 8081`; xpk's Pathways JobSets read `MEGASCALE_SLICE_ID` from the pod's
/// `jobset.sigs.k8s.io/job-index` label, which JobSet sets as a label and
/// an annotation alike (its pod webhook tests show the annotation), so the
/// annotation used here is the same value.
fn multislice_env(m: &Model, w: &Workload) -> Vec<EnvVar> {
    if w.slices <= 1 {
        return Vec::new();
    }
    let Some(svc) = w.service.as_ref().filter(|_| w.peers) else {
        return Vec::new();
    };
    let port = megascale_port(w).unwrap_or_default();
    let coordinator = w.pod_dns(0, &m.namespace).unwrap_or_default();
    let dns = crate::model::service_dns(svc, &m.namespace);
    let hosts: Vec<String> = (0..w.replicas)
        .map(|i| {
            format!(
                "{}-{}-$(MEGASCALE_SLICE_ID)-{i}.{dns}",
                w.name,
                crate::model::JOBSET_REPLICATED_JOB
            )
        })
        .collect();
    vec![
        env("MEGASCALE_NUM_SLICES", w.slices.to_string()),
        env_field(
            "MEGASCALE_SLICE_ID",
            &format!("metadata.annotations['{JOB_INDEX}']"),
        ),
        env(
            "MEGASCALE_COORDINATOR_ADDRESS",
            format!("{coordinator}:{port}"),
        ),
        env("MEGASCALE_PORT", port.to_string()),
        env_field("TPU_WORKER_ID", COMPLETION_INDEX),
        env("TPU_WORKER_HOSTNAMES", hosts.join(",")),
    ]
}

/// The rendezvous environment of a distributed workload.
fn rendezvous_env(m: &Model, w: &Workload) -> Vec<EnvVar> {
    let Some((framework, port)) = w.distributed else {
        return Vec::new();
    };
    if w.kind == Kind::LeaderWorkerSet {
        return group_rendezvous_env(framework, port, w);
    }
    let index_field = match w.kind {
        Kind::Job | Kind::JobSet => COMPLETION_INDEX,
        _ => "metadata.labels['apps.kubernetes.io/pod-index']",
    };
    // Slice 0's first pod; the only pod 0 there is without slices.
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
        // Across slices a pod's process id is not its index in its Job:
        // JAX then takes it from the Multislice env (see
        // `multislice_env`), and counts all pods of all slices.
        Framework::Jax if w.slices > 1 => vec![
            env("JAX_COORDINATOR_ADDRESS", format!("{addr}:{port}")),
            env("JAX_NUM_PROCESSES", w.pod_count().to_string()),
        ],
        Framework::Jax => vec![
            env("JAX_COORDINATOR_ADDRESS", format!("{addr}:{port}")),
            env_field("JAX_PROCESS_ID", index_field),
            env("JAX_NUM_PROCESSES", w.replicas.to_string()),
        ],
    }
}

/// The rendezvous of one LeaderWorkerSet group, from the env
/// LeaderWorkerSet puts first in every container (Kubernetes expands
/// `$(VAR)` from variables defined before): torchrun's (and its `PET_`
/// form) with the leader as the master and the worker index as the node
/// rank. Each group is its own world of `group_size` nodes.
fn group_rendezvous_env(framework: Framework, port: u16, w: &Workload) -> Vec<EnvVar> {
    match framework {
        Framework::Pytorch => {
            let nproc = w.gpus.max(1);
            let mut v = Vec::new();
            for prefix in ["", "PET_"] {
                v.push(env(
                    &format!("{prefix}MASTER_ADDR"),
                    s("$(LWS_LEADER_ADDRESS)"),
                ));
                v.push(env(&format!("{prefix}MASTER_PORT"), port.to_string()));
                v.push(env(&format!("{prefix}NNODES"), s("$(LWS_GROUP_SIZE)")));
                v.push(env(&format!("{prefix}NODE_RANK"), s("$(LWS_WORKER_INDEX)")));
                v.push(env(&format!("{prefix}NPROC_PER_NODE"), nproc.to_string()));
            }
            v.push(env(
                "WORLD_SIZE",
                (u64::from(w.group_size) * u64::from(nproc)).to_string(),
            ));
            v
        }
        // Refused by the checks (`groupSize` with `distributed: jax`).
        Framework::Jax => Vec::new(),
    }
}

/// The workload's volumes and their mounts (the accelerators' shared
/// memory first). Every kind here is allowed under Pod Security
/// "restricted" (csi, emptyDir, persistentVolumeClaim).
fn volumes(w: &Workload, accelerated: bool) -> (Vec<Volume>, Vec<VolumeMount>) {
    let mut vols = Vec::new();
    let mut mounts = Vec::new();
    if accelerated {
        vols.push(Volume {
            name: s("dshm"),
            empty_dir: Some(EmptyDirVolumeSource {
                medium: Some(s("Memory")),
                ..Default::default()
            }),
            ..Default::default()
        });
        mounts.push(VolumeMount {
            name: s("dshm"),
            mount_path: s("/dev/shm"),
            ..Default::default()
        });
    }
    for v in &w.volumes {
        let (vol, read_only) = match &v.source {
            // A CSI ephemeral volume of the Cloud Storage FUSE driver, as
            // GKE documents it ("Mount Cloud Storage buckets as CSI
            // ephemeral volumes"): `bucketName`, and `implicit-dirs` so
            // that folders made by other tools (no placeholder objects)
            // are listed; then the tuning of [`fuse_mount_options`].
            VolumeSource::Bucket {
                bucket,
                read_only,
                metadata_prefetch,
                ..
            } => {
                let options = fuse_mount_options(&v.source).join(",");
                let mut attributes =
                    vec![("bucketName", bucket.as_str()), ("mountOptions", &options)];
                // GKE, "Cloud Storage FUSE CSI driver volume attributes":
                // `gcsfuseMetadataPrefetchOnMount: "true"` fills the
                // metadata caches when the volume mounts.
                if *metadata_prefetch {
                    attributes.push(("gcsfuseMetadataPrefetchOnMount", "true"));
                }
                (
                    Volume {
                        name: v.name.clone(),
                        csi: Some(CSIVolumeSource {
                            driver: s("gcsfuse.csi.storage.gke.io"),
                            read_only: read_only.then_some(true),
                            volume_attributes: Some(labels(&attributes)),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                    *read_only,
                )
            }
            VolumeSource::Claim { claim, read_only } => (
                Volume {
                    name: v.name.clone(),
                    persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                        claim_name: claim.clone(),
                        read_only: read_only.then_some(true),
                    }),
                    ..Default::default()
                },
                *read_only,
            ),
            // On the node's ephemeral storage: its Local SSDs where the pool
            // backs ephemeral storage with them.
            VolumeSource::Scratch { size } => (
                Volume {
                    name: v.name.clone(),
                    empty_dir: Some(EmptyDirVolumeSource {
                        size_limit: Some(Quantity(size.clone())),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                false,
            ),
        };
        vols.push(vol);
        mounts.push(VolumeMount {
            name: v.name.clone(),
            mount_path: v.path.clone(),
            read_only: read_only.then_some(true),
            ..Default::default()
        });
    }
    // GKE, cloud-storage-fuse-csi-driver-perf, "Use RAM disk-based file
    // caching": a volume named `gke-gcsfuse-cache`, an emptyDir of medium
    // Memory, replaces the sidecar's default cache volume (the node's
    // ephemeral storage) for every bucket of the pod.
    if memory_cache(w) {
        vols.push(Volume {
            name: s(FUSE_CACHE_VOLUME),
            empty_dir: Some(EmptyDirVolumeSource {
                medium: Some(s("Memory")),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    (vols, mounts)
}

/// The FUSE sidecar's own cache volume, by the name it looks for.
const FUSE_CACHE_VOLUME: &str = "gke-gcsfuse-cache";

/// The fsGroup of a pod with a custom FUSE cache volume when the workload
/// names no ids (any id serves).
const FUSE_FS_GROUP: i64 = 1000;

/// Whether the workload keeps a bucket's file cache in memory.
fn memory_cache(w: &Workload) -> bool {
    w.volumes.iter().any(|v| {
        matches!(&v.source, VolumeSource::Bucket { cache: Some(c), .. } if c.medium == CacheMedium::Memory)
    })
}

/// Whether a bucket volume of the workload is tuned for loading (a cache,
/// parallel downloads, metadata prefetch): its sidecar then runs without
/// resource limits.
fn fuse_tuned(w: &Workload) -> bool {
    w.volumes.iter().any(|v| {
        matches!(&v.source, VolumeSource::Bucket { cache, parallel_downloads, metadata_prefetch, .. }
            if cache.is_some() || *parallel_downloads || *metadata_prefetch)
    })
}

/// The Cloud Storage FUSE mount options of a bucket volume, in the
/// configuration-file form the CSI driver's `mountOptions` accepts
/// (`file-cache:max-size-mb:N`), as GKE's guide spells them
/// ("Manually optimize Cloud Storage FUSE CSI driver for performance";
/// its inference serving example):
/// - file cache: `file-cache:max-size-mb` (the volume attribute reference
///   recommends the mount option over `fileCacheCapacity`) and
///   `file-cache:cache-file-for-range-read:true`, so that a first read at
///   an offset (safetensors headers, mmap) still caches the whole file;
/// - parallel downloads: `file-cache:enable-parallel-downloads:true`
///   (needs the file cache; the checks make sure of it);
/// - metadata prefetch: the guide's "to see performance gains ... you must
///   set the time to live (TTL) value of metadata cache items to
///   unlimited": `metadata-cache:ttl-secs:-1`,
///   `metadata-cache:stat-cache-max-size-mb:-1`,
///   `metadata-cache:type-cache-max-size-mb:-1`,
///   `file-system:kernel-list-cache-ttl-secs:-1`.
///
/// `implicit-dirs` stays on (its example drops it with metadata prefetch,
/// for speed): without it, a bucket uploaded by `gcloud storage cp` shows
/// no folders.
pub(crate) fn fuse_mount_options(source: &VolumeSource) -> Vec<String> {
    let mut o = vec![s("implicit-dirs")];
    let VolumeSource::Bucket {
        cache,
        parallel_downloads,
        metadata_prefetch,
        ..
    } = source
    else {
        return o;
    };
    if *metadata_prefetch {
        o.extend(
            [
                "metadata-cache:ttl-secs:-1",
                "metadata-cache:stat-cache-max-size-mb:-1",
                "metadata-cache:type-cache-max-size-mb:-1",
                "file-system:kernel-list-cache-ttl-secs:-1",
            ]
            .map(s),
        );
    }
    if let Some(c) = cache {
        o.push(format!("file-cache:max-size-mb:{}", c.mib));
        o.push(s("file-cache:cache-file-for-range-read:true"));
    }
    if *parallel_downloads {
        o.push(s("file-cache:enable-parallel-downloads:true"));
    }
    o
}

fn pod_template(lw: &Lower, w: &Workload, job: bool) -> PodTemplateSpec {
    let m = lw.m;
    let pool = &m.pools[w.pool];
    let mut env_vars = rendezvous_env(m, w);
    env_vars.extend(multislice_env(m, w));
    env_vars.retain(|e| !w.env.iter().any(|(k, _)| *k == e.name));
    env_vars.extend(w.env.iter().map(|(k, v)| user_env(k, v)));

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

    // A Multislice workload runs on any of its pool's slices (one node
    // pool each): JobSet's exclusive topology gives each Job one of them.
    let multislice = w.kind == Kind::JobSet && pool.slices() > 1;
    let mut node_selector = if multislice {
        Default::default()
    } else {
        labels(&[(NODE_POOL_LABEL, &pool.name)])
    };
    let affinity = multislice.then(|| Affinity {
        node_affinity: Some(NodeAffinity {
            required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                node_selector_terms: vec![NodeSelectorTerm {
                    match_expressions: Some(vec![NodeSelectorRequirement {
                        key: s(NODE_POOL_LABEL),
                        operator: s("In"),
                        values: Some(
                            (0..pool.slices())
                                .map(|i| pool.slice_pool_name(i))
                                .collect(),
                        ),
                    }]),
                    ..Default::default()
                }],
            }),
            ..Default::default()
        }),
        ..Default::default()
    });
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
    if pool.capacity == crate::model::Capacity::Queued {
        // GKE taints the nodes queued provisioning creates (GKE's queued
        // provisioning guide: its Job tolerates this taint).
        tolerations.push(Toleration {
            key: Some(s("cloud.google.com/gke-queued")),
            operator: Some(s("Equal")),
            value: Some(s("true")),
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

    let (mut pod_volumes, mut mounts) = volumes(w, accelerated);
    // GPUDirect: the NCCL env of the mode (the user's own variables still
    // win), its host paths, annotations and daemon sidecar.
    let wiring = super::gpudirect::pod_wiring(pool, w);
    let mut init_containers = Vec::new();
    let mut annotations = BTreeMap::new();
    if let Some(wr) = wiring {
        let user = |n: &str| w.env.iter().any(|(k, _)| k == n);
        let nccl: Vec<EnvVar> = wr.env.into_iter().filter(|e| !user(&e.name)).collect();
        env_vars.splice(0..0, nccl);
        pod_volumes.extend(wr.volumes);
        mounts.extend(wr.mounts);
        annotations.extend(wr.annotations);
        init_containers.extend(wr.sidecar);
    }
    let fuse = w
        .volumes
        .iter()
        .any(|v| matches!(v.source, VolumeSource::Bucket { .. }));
    let seccomp = || {
        Some(SeccompProfile {
            type_: s("RuntimeDefault"),
            ..Default::default()
        })
    };
    let container = Container {
        name: w.name.clone(),
        image: Some(w.image.clone()),
        startup_probe: w.health.as_ref().map(health::startup),
        readiness_probe: w.health.as_ref().map(health::readiness),
        liveness_probe: w.health.as_ref().map(health::liveness),
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
        volume_mounts: (!mounts.is_empty()).then_some(mounts),
        ..Default::default()
    };
    let mut meta_labels = lw.common();
    meta_labels.insert(s("app.kubernetes.io/name"), w.name.clone());
    meta_labels.insert(s(WORKLOAD_LABEL), w.name.clone());
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(meta_labels),
            // GKE injects the Cloud Storage FUSE sidecar into pods so marked.
            annotations: {
                if fuse {
                    annotations.insert(s("gke-gcsfuse/volumes"), s("true"));
                }
                // GKE, cloud-storage-fuse-csi-driver-perf: "Maximize GKE
                // sidecar resources ... remove limitations on CPU and
                // memory" (its serving examples set these three to "0",
                // which on Standard clusters unsets the limit); the
                // ephemeral-storage limit must otherwise exceed a cache on
                // the default emptyDir. Metadata prefetch runs in its own
                // sidecar whose memory limit the guide says to raise or
                // unset ("0", Standard clusters).
                if fuse_tuned(w) {
                    for k in ["cpu-limit", "memory-limit", "ephemeral-storage-limit"] {
                        annotations.insert(format!("gke-gcsfuse/{k}"), s("0"));
                    }
                }
                if w.volumes.iter().any(|v| {
                    matches!(
                        v.source,
                        VolumeSource::Bucket {
                            metadata_prefetch: true,
                            ..
                        }
                    )
                }) {
                    annotations.insert(s("gke-gcsfuse/metadata-prefetch-memory-limit"), s("0"));
                }
                (!annotations.is_empty()).then_some(annotations)
            },
            ..Default::default()
        }),
        spec: Some(PodSpec {
            affinity,
            automount_service_account_token: Some(false),
            containers: vec![container],
            init_containers: (!init_containers.is_empty()).then_some(init_containers),
            node_selector: Some(node_selector),
            restart_policy: job.then(|| s("Never")),
            security_context: Some(PodSecurityContext {
                run_as_non_root: Some(true),
                run_as_user: w.run_as_user,
                run_as_group: w.run_as_group,
                // A custom FUSE cache volume is written by the sidecar's
                // own user: GKE's troubleshooting guide ("Volume mount
                // failure with custom caching volumes") has the pod set an
                // fsGroup, any id, so that it may.
                fs_group: memory_cache(w)
                    .then(|| w.run_as_group.or(w.run_as_user).unwrap_or(FUSE_FS_GROUP)),
                seccomp_profile: seccomp(),
                ..Default::default()
            }),
            service_account_name: Some(w.name.clone()),
            // (A JobSet sets its pods' subdomain from `network.subdomain`.)
            subdomain: if job && w.peers && w.kind == Kind::Job {
                w.service.clone()
            } else {
                None
            },
            tolerations: (!tolerations.is_empty()).then_some(tolerations),
            volumes: (!pod_volumes.is_empty()).then_some(pod_volumes),
            ..Default::default()
        }),
    }
}

pub(super) fn workload(lw: &Lower, w: &Workload) -> Object {
    let mut meta = lw.wl_meta(&w.name, w);
    let selector = LabelSelector {
        match_labels: Some(Lower::selector(w)),
        ..Default::default()
    };
    let replicas = i32::try_from(w.replicas).unwrap_or(i32::MAX);
    // The Indexed Job of a job workload (of each slice, in a JobSet).
    // A queued workload starts suspended (Kueue starts it when it admits it).
    let suspend = super::kueue::hold(lw.m, w, &mut meta);
    let job_spec = || JobSpec {
        suspend,
        backoff_limit: Some(i32::try_from(w.backoff_limit).unwrap_or(i32::MAX)),
        completion_mode: Some(s("Indexed")),
        completions: Some(replicas),
        parallelism: Some(replicas),
        template: pod_template(lw, w, true),
        ..Default::default()
    };
    // An autoscaled workload's count is the autoscaler's: leaving it out
    // keeps a re-apply (server-side apply) from resetting it.
    let owned_replicas = w.autoscale.is_none().then_some(replicas);
    match w.kind {
        Kind::Job => Object::Job(Box::new(Job {
            metadata: meta,
            spec: Some(job_spec()),
            ..Default::default()
        })),
        Kind::JobSet => Object::JobSet(jobset::jobset(w, meta, job_spec())),
        Kind::StatefulSet => Object::StatefulSet(Box::new(StatefulSet {
            metadata: meta,
            spec: StatefulSetSpec {
                pod_management_policy: Some(s("Parallel")),
                replicas: owned_replicas,
                selector,
                service_name: w.service.clone(),
                template: pod_template(lw, w, false),
                ..Default::default()
            },
            ..Default::default()
        })),
        Kind::LeaderWorkerSet => {
            let leader = pod_template(lw, w, false);
            // The workers compute for their leader and serve nothing: no
            // probes (the leader's say whether the group serves).
            let mut worker = leader.clone();
            if let Some(c) = worker.spec.as_mut().and_then(|p| p.containers.first_mut()) {
                c.startup_probe = None;
                c.readiness_probe = None;
                c.liveness_probe = None;
            }
            Object::LeaderWorkerSet(Box::new(lws::leader_worker_set(w, meta, leader, worker)))
        }
        Kind::Deployment => Object::Deployment(Box::new(Deployment {
            metadata: meta,
            spec: DeploymentSpec {
                replicas: owned_replicas,
                selector,
                template: pod_template(lw, w, false),
                ..Default::default()
            },
            ..Default::default()
        })),
    }
}
