//! Data and secrets: a workload's volumes (Cloud Storage buckets through the
//! FUSE CSI driver, existing PersistentVolumeClaims, node-local scratch
//! space) and its `env: {secret, key}` references.

use super::validate::memory_bytes;
use super::{at, item, Checker};
use crate::catalog;
use crate::diag::codes;
use crate::model::{self, EnvValue, FileCache, Pool, VolumeSource};
use crate::spec::{self, CacheMedium};

/// Where podwire mounts the accelerator pods' shared memory.
pub(super) const SHM_PATH: &str = "/dev/shm";

/// GKE's boot disk size when `diskSizeGb` is not given (GB).
const DEFAULT_BOOT_DISK_GB: u64 = 100;

pub(super) mod names;
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
    // File caches: MiB in memory, bytes on ephemeral storage, and the media
    // used (with the first volume on each).
    let mut memory_cache_mib: u64 = 0;
    let mut ephemeral_cache_bytes: u64 = 0;
    let mut media: Vec<(CacheMedium, usize)> = Vec::new();
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
                let cache = file_cache(checker, &vp, b, pool);
                if let Some(c) = cache {
                    match c.medium {
                        CacheMedium::Memory => memory_cache_mib += c.mib,
                        _ => {
                            ephemeral_cache_bytes =
                                ephemeral_cache_bytes.saturating_add(c.mib << 20)
                        }
                    }
                    match media.iter().find(|(m, _)| (*m == CacheMedium::Memory) != (c.medium == CacheMedium::Memory)) {
                        // The FUSE sidecar has one cache volume per pod: a
                        // `gke-gcsfuse-cache` volume replaces the default
                        // emptyDir for every bucket of the pod.
                        Some((m, j)) => checker.err(
                            codes::FUSE_CACHE_MEDIUM,
                            &at(&vp, ".cache.medium"),
                            format!(
                                "the cache is on {}, but `volumes[{j}]`'s is on {}: the pod's bucket caches share one volume",
                                c.medium.as_str(),
                                m.as_str()
                            ),
                            Some("give every bucket cache of the workload the same `medium`".to_string()),
                        ),
                        None => media.push((c.medium, i)),
                    }
                }
                let parallel_downloads = b.parallel_downloads.unwrap_or(false);
                if parallel_downloads && cache.is_none() && b.cache.is_none() {
                    checker.err(
                        codes::FUSE_PARALLEL_NO_CACHE,
                        &at(&vp, ".parallelDownloads"),
                        "parallel downloads go into the file cache, and the volume has none: the FUSE driver refuses to mount it",
                        Some("add `cache: {size: ...}` (room for the largest files), or remove `parallelDownloads`".to_string()),
                    );
                }
                let metadata_prefetch = b.metadata_prefetch.unwrap_or(false);
                let read_only = b.read_only.unwrap_or(false);
                if metadata_prefetch && !read_only {
                    checker.warn(
                        codes::FUSE_PREFETCH_WRITABLE,
                        &at(&vp, ".metadataPrefetch"),
                        "with `metadataPrefetch` the pods keep the bucket's metadata for their whole life: objects that others add, change or delete later stay unseen, or stale",
                        Some("mount the bucket `readOnly: true` (weights, datasets), or drop `metadataPrefetch` for a bucket that changes".to_string()),
                    );
                }
                (
                    &b.path,
                    VolumeSource::Bucket {
                        bucket: b.bucket.clone(),
                        read_only,
                        cache,
                        parallel_downloads,
                        metadata_prefetch,
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
    if let Some(pool) = pool {
        cache_room(
            checker,
            &list,
            w,
            pool,
            (memory_cache_mib, ephemeral_cache_bytes, scratch_total),
            &media,
        );
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

/// A bucket volume's file cache, checked and resolved. Facts from GKE,
/// "Manually optimize Cloud Storage FUSE CSI driver for performance"
/// (cloud-storage-fuse-csi-driver-perf, "Select the storage for backing
/// your file cache"): Local SSD where the VM family has it; the boot disk
/// otherwise, though "avoid using the boot disk for caching as it can lead
/// to reduced performance and unexpected terminations"; RAM for TPU hosts
/// with large memory.
fn file_cache(
    checker: &mut Checker,
    vp: &str,
    b: &spec::BucketVolume,
    pool: Option<&Pool>,
) -> Option<FileCache> {
    let c = b.cache.as_ref()?;
    let sp = at(vp, ".cache.size");
    let bytes = match memory_bytes(&c.size) {
        None => {
            checker.err(
                codes::BAD_QUANTITY,
                &sp,
                format!("`{}` is not a storage quantity", c.size),
                Some("e.g. \"200Gi\"".to_string()),
            );
            return None;
        }
        Some(b) if b < 1 << 20 => {
            checker.err(
                codes::BAD_QUANTITY,
                &sp,
                format!(
                    "a file cache of `{}` holds nothing (the cache is sized in MiB)",
                    c.size
                ),
                Some(
                    "give room for the files the pods read, e.g. \"200Gi\", or remove `cache`"
                        .to_string(),
                ),
            );
            return None;
        }
        Some(b) => b,
    };
    let lssd = pool.and_then(|p| catalog::local_ssds(&p.machine_type));
    let medium = c.medium.unwrap_or(if lssd.is_some() {
        CacheMedium::LocalSsd
    } else {
        CacheMedium::BootDisk
    });
    let mp = if c.medium.is_some() {
        at(vp, ".cache.medium")
    } else {
        at(vp, ".cache")
    };
    match (medium, pool) {
        (CacheMedium::LocalSsd, Some(p)) if lssd.is_none() => checker.err(
            codes::FUSE_CACHE_MEDIUM,
            &mp,
            format!("a `{}` node of pool `{}` has no Local SSDs to hold the cache", p.machine_type, p.name),
            Some("use `medium: memory` or `bootDisk`, or a machine type that comes with Local SSDs (a3, a2-ultragpu, g2, a4)".to_string()),
        ),
        (CacheMedium::BootDisk, _) => checker.warn(
            codes::FUSE_CACHE_BOOT_DISK,
            &mp,
            "the file cache is on the nodes' boot disk, which Google advises against: it is slow and a full disk gets pods evicted",
            Some(if lssd.is_some() {
                "use `medium: localSsd` (the machine type has Local SSDs)".to_string()
            } else {
                "use `medium: memory` where the nodes have the RAM, or a machine type with Local SSDs".to_string()
            }),
        ),
        _ => {}
    }
    Some(FileCache {
        mib: bytes >> 20,
        medium,
    })
}

/// The caches of one pod must fit on their medium on one node: RAM beside
/// the pod's own memory request, ephemeral storage (Local SSDs or boot
/// disk) beside its scratch space. GKE (same guide): "the underlying volume
/// size must be larger than the fileCacheCapacity".
fn cache_room(
    checker: &mut Checker,
    list: &str,
    w: &spec::Workload,
    pool: &Pool,
    (memory_mib, ephemeral_bytes, scratch): (u64, u64, u64),
    media: &[(CacheMedium, usize)],
) {
    let first = |memory: bool| {
        media
            .iter()
            .find(|(m, _)| (*m == CacheMedium::Memory) == memory)
            .map(|(_, i)| at(&item(list, *i), ".cache.size"))
    };
    if let (Some(node_mib), Some(p)) = (pool.memory_mib, first(true)) {
        let pod_mib = w
            .resources
            .as_ref()
            .and_then(|r| r.memory.as_deref())
            .and_then(memory_bytes)
            .map_or(0, |b| b >> 20);
        if memory_mib + pod_mib > node_mib {
            checker.err(
                codes::FUSE_CACHE_TOO_BIG,
                &p,
                format!(
                    "each pod keeps {} GiB of file cache in memory{}, but a `{}` node of pool `{}` has {} GiB",
                    memory_mib >> 10,
                    if pod_mib > 0 { format!(" beside its {} GiB of `resources.memory`", pod_mib >> 10) } else { String::new() },
                    pool.machine_type,
                    pool.name,
                    node_mib >> 10
                ),
                Some("make the cache smaller, or put it on Local SSD (`medium: localSsd`)".to_string()),
            );
        }
    }
    if let Some(p) = first(false) {
        let lssd = media.iter().any(|(m, _)| *m == CacheMedium::LocalSsd);
        let (have, what) = if lssd {
            node_ephemeral_bytes(pool)
        } else {
            let gb = pool.disk_size_gb.map_or(DEFAULT_BOOT_DISK_GB, u64::from);
            (gb * 1_000_000_000, format!("a {gb} GB boot disk"))
        };
        if lssd && catalog::local_ssds(&pool.machine_type).is_none() {
            return; // said already (no Local SSDs)
        }
        let need = ephemeral_bytes.saturating_add(scratch);
        if need > have {
            checker.err(
                codes::FUSE_CACHE_TOO_BIG,
                &p,
                format!(
                    "each pod keeps {} GiB of file cache{} on ephemeral storage, but a `{}` node of pool `{}` has {what} ({} GiB)",
                    ephemeral_bytes >> 30,
                    if scratch > 0 { format!(" and {} GiB of scratch space", scratch >> 30) } else { String::new() },
                    pool.machine_type,
                    pool.name,
                    have >> 30
                ),
                Some("make the cache smaller, or use a machine type with more Local SSD".to_string()),
            );
        }
    }
}
