//! The pod template (container, resources, env, rendezvous env, security
//! context, scheduling) and the workload objects that hold it: an Indexed
//! Job, a StatefulSet or a Deployment.

use super::health;
use super::objects::{labels, s, Lower, Object, WORKLOAD_LABEL};
use crate::model::{Framework, Kind, Model, Workload};
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, StatefulSet, StatefulSetSpec};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, EnvVarSource,
    ObjectFieldSelector, PodSecurityContext, PodSpec, PodTemplateSpec, ResourceRequirements,
    SeccompProfile, SecurityContext, Toleration, Volume, VolumeMount,
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

pub(super) fn workload(lw: &Lower, w: &Workload) -> Object {
    let meta = lw.wl_meta(&w.name, w);
    let selector = LabelSelector {
        match_labels: Some(Lower::selector(w)),
        ..Default::default()
    };
    let replicas = i32::try_from(w.replicas).unwrap_or(i32::MAX);
    // An autoscaled workload's count is the autoscaler's: leaving it out
    // keeps a re-apply (server-side apply) from resetting it.
    let owned_replicas = w.autoscale.is_none().then_some(replicas);
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
                replicas: owned_replicas,
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
                replicas: owned_replicas,
                selector,
                template: pod_template(lw, w, false),
                ..Default::default()
            },
            ..Default::default()
        }),
    }
}
