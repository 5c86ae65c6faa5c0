//! Data and secrets: a workload's volumes (Cloud Storage buckets through the
//! FUSE CSI driver, existing PersistentVolumeClaims, node-local scratch
//! space) and its `env: {secret, key}` references.

use super::validate::memory_bytes;
use super::{at, item, Checker};
use crate::catalog;
use crate::diag::codes;
use crate::model::{self, EnvValue, Pool, VolumeSource};
use crate::spec;

/// Where podwire mounts the accelerator pods' shared memory.
pub(super) const SHM_PATH: &str = "/dev/shm";

/// GKE's boot disk size when `diskSizeGb` is not given (GB).
const DEFAULT_BOOT_DISK_GB: u64 = 100;

mod names;
#[cfg(test)]
mod tests;

use names::{bucket_name, dns1123_subdomain, mount_path, secret_key};

/// The workload's environment as the model holds it, each `{secret, key}`
/// reference checked (names Kubernetes accepts).
pub(super) fn env(
    checker: &mut Checker,
    path: &str,
    w: &spec::Workload,
) -> Vec<(String, EnvValue)> {
    w.env
        .iter()
        .map(|(k, v)| {
            let value = match v {
                spec::EnvValue::Text(t) => EnvValue::Text(t.clone()),
                spec::EnvValue::Secret(r) => {
                    let vp = format!("{path}.env.{k}");
                    if !dns1123_subdomain(&r.secret) {
                        checker.err(
                            codes::BAD_SECRET_REF,
                            &at(&vp, ".secret"),
                            format!("`{}` is not a Secret name", r.secret),
                            Some("lowercase letters, digits, '-' and '.', starting and ending with a letter or digit".to_string()),
                        );
                    }
                    if !secret_key(&r.key) {
                        checker.err(
                            codes::BAD_SECRET_REF,
                            &at(&vp, ".key"),
                            format!("`{}` is not a Secret key", r.key),
                            Some("letters, digits, '-', '_' and '.'".to_string()),
                        );
                    }
                    EnvValue::Secret {
                        name: r.secret.clone(),
                        key: r.key.clone(),
                    }
                }
            };
            (k.clone(), value)
        })
        .collect()
}

/// Bytes of ephemeral storage a node of `pool` has: its Local SSDs where
/// the machine type comes with them (the pool then backs ephemeral storage
/// with them), else its boot disk.
pub(super) fn node_ephemeral_bytes(pool: &Pool) -> (u64, String) {
    match catalog::local_ssds(&pool.machine_type) {
        Some(n) => (
            u64::from(n) * catalog::LOCAL_SSD_GIB * 1024 * 1024 * 1024,
            format!(
                "{n} Local SSD{} of {} GiB",
                if n == 1 { "" } else { "s" },
                catalog::LOCAL_SSD_GIB
            ),
        ),
        None => {
            let gb = pool.disk_size_gb.map_or(DEFAULT_BOOT_DISK_GB, u64::from);
            (gb * 1_000_000_000, format!("a {gb} GB boot disk"))
        }
    }
}

/// Check a workload's volumes and resolve them. `accelerated`: podwire
/// mounts shared memory at `/dev/shm`.
pub(super) fn volumes(
    checker: &mut Checker,
    path: &str,
    w: &spec::Workload,
    pool: Option<&Pool>,
    accelerated: bool,
    workload_identity: bool,
    (project, namespace): (&str, &str),
) -> Vec<model::Volume> {
    let list = at(path, ".volumes");
    let mut out: Vec<model::Volume> = Vec::with_capacity(w.volumes.len());
    let mut scratch_total: u64 = 0;
    let mut fuse_at: Option<String> = None;
    for (i, v) in w.volumes.iter().enumerate() {
        let vp = item(&list, i);
        let (mount, source, kind) = match v {
            spec::Volume::Bucket(b) => {
                if let Err(why) = bucket_name(&b.bucket) {
                    checker.err(
                        codes::BAD_BUCKET,
                        &at(&vp, ".bucket"),
                        format!("`{}` is not a Cloud Storage bucket name: {why}", b.bucket),
                        None,
                    );
                }
                fuse_at.get_or_insert_with(|| at(&vp, ".bucket"));
                (
                    &b.path,
                    VolumeSource::Bucket {
                        bucket: b.bucket.clone(),
                        read_only: b.read_only.unwrap_or(false),
                    },
                    "bucket",
                )
            }
            spec::Volume::Claim(c) => {
                if !dns1123_subdomain(&c.claim) {
                    checker.err(
                        codes::BAD_CLAIM,
                        &at(&vp, ".claim"),
                        format!("`{}` is not a PersistentVolumeClaim name", c.claim),
                        Some("lowercase letters, digits, '-' and '.', starting and ending with a letter or digit".to_string()),
                    );
                }
                (
                    &c.path,
                    VolumeSource::Claim {
                        claim: c.claim.clone(),
                        read_only: c.read_only.unwrap_or(false),
                    },
                    "claim",
                )
            }
            spec::Volume::Scratch(s) => {
                let sp = at(&vp, ".scratch");
                match memory_bytes(&s.scratch) {
                    None => checker.err(
                        codes::BAD_QUANTITY,
                        &sp,
                        format!("`{}` is not a storage quantity", s.scratch),
                        Some("e.g. \"500Gi\"".to_string()),
                    ),
                    Some(0) => checker.err(
                        codes::BAD_QUANTITY,
                        &sp,
                        "scratch space of size 0",
                        Some("give a size, e.g. \"100Gi\", or remove the volume".to_string()),
                    ),
                    Some(bytes) => {
                        scratch_total = scratch_total.saturating_add(bytes);
                        if let Some(pool) = pool {
                            let (have, what) = node_ephemeral_bytes(pool);
                            if scratch_total > have {
                                let each = if scratch_total == bytes {
                                    format!("{} of scratch space", s.scratch)
                                } else {
                                    format!("{} GiB of scratch space in all", scratch_total >> 30)
                                };
                                checker.err(
                                    codes::SCRATCH_TOO_BIG,
                                    &sp,
                                    format!(
                                        "each pod asks for {each}, but a `{}` node of pool `{}` has {what} ({} GiB) for ephemeral storage",
                                        pool.machine_type,
                                        pool.name,
                                        have >> 30
                                    ),
                                    Some(if catalog::local_ssds(&pool.machine_type).is_some() {
                                        "use less scratch space per pod, or a machine type with more Local SSD".to_string()
                                    } else {
                                        "use less scratch space, raise the pool's `diskSizeGb`, or a machine type with Local SSDs (a3, a2-ultragpu, g2)".to_string()
                                    }),
                                );
                            }
                        }
                    }
                }
                (
                    &s.path,
                    VolumeSource::Scratch {
                        size: s.scratch.clone(),
                    },
                    "scratch",
                )
            }
        };
        let pp = at(&vp, ".path");
        match mount_path(mount) {
            Err(why) => checker.err(
                codes::VOLUME_PATH,
                &pp,
                format!("`{mount}` is not a mount path: {why}"),
                None,
            ),
            Ok(()) => {
                let normal = mount.trim_end_matches('/');
                if let Some(j) = out
                    .iter()
                    .position(|o| o.path.trim_end_matches('/') == normal)
                {
                    checker.err(
                        codes::VOLUME_PATH_CLASH,
                        &pp,
                        format!("`{mount}` is also the path of `volumes[{j}]`"),
                        Some("give each volume its own path".to_string()),
                    );
                } else if accelerated && normal == SHM_PATH {
                    checker.err(
                        codes::VOLUME_PATH_CLASH,
                        &pp,
                        format!("podwire mounts the pods' shared memory at `{SHM_PATH}`"),
                        Some("mount the volume somewhere else".to_string()),
                    );
                }
            }
        }
        out.push(model::Volume {
            name: format!("{kind}-{i}"),
            path: mount.clone(),
            source,
        });
    }
    if let Some(fp) = fuse_at {
        let ksa = format!("{namespace}/{}", w.name);
        if !workload_identity {
            checker.err(
                codes::FUSE_NEEDS_WI,
                &fp,
                "Cloud Storage FUSE mounts buckets as the pod's identity, which needs Workload Identity",
                Some("remove `cluster.workloadIdentity: false` (Workload Identity is on by default)".to_string()),
            );
        } else if w.gcp_service_account.is_none() {
            checker.warn(
                codes::FUSE_ACCESS,
                &fp,
                format!(
                    "the pods reach the bucket as their Kubernetes ServiceAccount (`{ksa}`), which has no access until it is granted"
                ),
                Some(format!(
                    "grant `principal://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/{project}.svc.id.goog/subject/ns/{namespace}/sa/{}` a Cloud Storage role on the bucket (roles/storage.objectViewer to read, roles/storage.objectUser to write), or set `gcpServiceAccount` to a Google service account that has it",
                    w.name
                )),
            );
        }
    }
    out
}

/// Under NetworkPolicies, a workload that mounts a bucket reaches Cloud
/// Storage (its FUSE sidecar, over HTTPS) only if a connection lets it out
/// to the internet on 443 (or on every port): warn where none does.
pub(super) fn fuse_egress(
    checker: &mut Checker,
    workloads: &[Option<model::Workload>],
    flows: &[model::Flow],
) {
    if flows.is_empty() {
        return;
    }
    for (i, w) in workloads.iter().enumerate() {
        let Some(w) = w else { continue };
        let Some(b) = w
            .volumes
            .iter()
            .position(|v| matches!(v.source, VolumeSource::Bucket { .. }))
        else {
            continue;
        };
        let out = flows.iter().any(|f| {
            f.from == model::End::Workload(i)
                && f.to == model::End::Internet
                && (f.ports.is_empty() || f.ports.iter().any(|(p, _)| *p == 443))
        });
        if !out {
            checker.warn(
                codes::FUSE_EGRESS,
                &format!("workloads[{i}].volumes[{b}].bucket"),
                format!("`{}` mounts a Cloud Storage bucket, but its NetworkPolicy lets it reach nothing outside the cluster: the FUSE mount cannot reach Cloud Storage", w.name),
                Some(format!("add the connection `{{from: {}, to: internet, ports: [443]}}`", w.name)),
            );
        }
    }
}
