//! Node pools: machine type, node counts and autoscaling, zones,
//! accelerators (GPUs and TPU slices), disks, scopes, labels and taints.

use super::validate::{
    label_key, label_value, location, reserved_key_prefix, service_account_email,
};
use super::{at, provisioning, Checker};
use crate::catalog::{self, node_config};
use crate::diag::{codes, did_you_mean};
use crate::model::{Pool, PoolGpu, PoolTpu};
use crate::spec;

/// Check one node pool and resolve it.
pub(super) fn check_pool(
    checker: &mut Checker,
    path: &str,
    p: &spec::NodePool,
    region: &str,
    zonal: bool,
    cluster_location: &str,
) -> Option<Pool> {
    let machine = catalog::machine(&p.machine_type);
    let mt_path = at(path, ".machineType");
    if machine.is_none() && !p.machine_type.is_empty() {
        let help = match did_you_mean(&p.machine_type, catalog::machine_names()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "podwire cannot check its accelerators or capacity; check the name against `gcloud compute machine-types list`".to_string(),
        };
        checker.warn(
            codes::UNKNOWN_MACHINE,
            &mt_path,
            format!("unknown machine type `{}`", p.machine_type),
            Some(help),
        );
    }

    // Nodes and autoscaling.
    let (initial, autoscaling) = match (p.nodes, p.autoscaling) {
        (n, Some(a)) => {
            if a.min > a.max {
                checker.err(
                    codes::AUTOSCALING_RANGE,
                    &at(path, ".autoscaling"),
                    format!("autoscaling min ({}) is above max ({})", a.min, a.max),
                    None,
                );
            } else if a.max == 0 {
                checker.err(
                    codes::AUTOSCALING_RANGE,
                    &at(path, ".autoscaling.max"),
                    "autoscaling max must be at least 1",
                    None,
                );
            }
            if let Some(n) = n {
                if n < a.min || n > a.max {
                    checker.err(
                        codes::AUTOSCALING_RANGE,
                        &at(path, ".nodes"),
                        format!(
                            "nodes ({n}) is outside the autoscaling range {}..{}",
                            a.min, a.max
                        ),
                        None,
                    );
                }
            }
            (n.unwrap_or(a.min), Some((a.min, a.max)))
        }
        (Some(n), None) => (n, None),
        (None, None) => (1, None),
    };

    // Zones.
    for (i, z) in p.zones.iter().enumerate() {
        let zp = format!("{path}.zones[{i}]");
        match location(z) {
            Some((r, true)) if r == region => {}
            Some((r, true)) => checker.err(
                codes::ZONE_OUTSIDE_REGION,
                &zp,
                format!("zone `{z}` is in region `{r}`, but the cluster is in `{region}`"),
                Some(format!(
                    "node zones must be zones of {region}, e.g. `{region}-a`"
                )),
            ),
            _ => checker.err(
                codes::BAD_LOCATION,
                &zp,
                format!("`{z}` is not a zone"),
                Some("a zone looks like `us-central1-a`".to_string()),
            ),
        }
    }
    check_machine_zones(checker, path, p, region, zonal, cluster_location);
    let zone_count = if !p.zones.is_empty() {
        p.zones.len() as u32
    } else if zonal {
        1
    } else {
        3
    };
    let compact = p.placement.is_some();
    if compact && zone_count != 1 {
        let help = if zonal {
            format!("list a single zone in `zones`, e.g. `[{cluster_location}]`")
        } else {
            format!("a regional cluster spreads pools over its zones; list one zone in `zones`, e.g. `[{region}-a]`")
        };
        checker.err(
            codes::COMPACT_ZONES,
            &at(path, ".placement"),
            format!(
                "compact placement needs a single zone, but pool `{}` spans {zone_count}",
                p.name
            ),
            Some(help),
        );
    }

    // Accelerators.
    let mut gpu = None;
    let mut tpu = None;
    let acc_path = at(path, ".accelerator");
    match (machine.and_then(|m| m.gpu), &p.accelerator) {
        (Some(g), acc) => {
            let acc = acc.clone().unwrap_or_default();
            if let Some(k) = &acc.kind {
                if k != g.kind {
                    checker.err(
                        codes::ACCELERATOR_TYPE,
                        &at(&acc_path, ".type"),
                        format!(
                            "`{}` comes with `{}` GPUs, not `{k}`",
                            p.machine_type, g.kind
                        ),
                        Some(format!("use `type: {}` or leave it out", g.kind)),
                    );
                }
            }
            if let Some(n) = acc.count {
                if n != g.count {
                    checker.err(
                        codes::ACCELERATOR_COUNT,
                        &at(&acc_path, ".count"),
                        format!(
                            "`{}` has {} GPU{}, not {n}",
                            p.machine_type,
                            g.count,
                            if g.count == 1 { "" } else { "s" }
                        ),
                        Some(format!("use `count: {}` or leave it out", g.count)),
                    );
                }
            }
            gpu = Some(PoolGpu {
                kind: g.kind.to_string(),
                count: g.count,
                driver: acc.driver.unwrap_or_default(),
            });
        }
        (None, Some(acc)) => {
            let n1 = p.machine_type.starts_with("n1-");
            if machine.is_some_and(|m| m.tpu.is_some()) {
                checker.err(
                    codes::ACCELERATOR_TYPE,
                    &acc_path,
                    format!(
                        "`{}` is a TPU machine; GPUs cannot be attached",
                        p.machine_type
                    ),
                    Some("use `tpu: {topology: ...}` for TPU pools".to_string()),
                );
            } else if !n1 && machine.is_some() {
                checker.err(
                    codes::ACCELERATOR_TYPE,
                    &acc_path,
                    format!("GPUs cannot be attached to `{}`", p.machine_type),
                    Some("GPUs come with g2, a2, a3 and a4 machine types, or attach to n1 (T4, V100, P100, P4)".to_string()),
                );
            } else {
                match &acc.kind {
                    None => checker.err(
                        codes::ACCELERATOR_TYPE,
                        &at(&acc_path, ".type"),
                        format!("`{}` implies no GPU; say which to attach", p.machine_type),
                        Some("e.g. `type: nvidia-tesla-t4`".to_string()),
                    ),
                    Some(k) => match catalog::n1_gpu_counts(k) {
                        None if n1 => {
                            let help = did_you_mean(k, catalog::gpu_types())
                                .map(|s| format!("did you mean `{s}`?"));
                            checker.err(
                                codes::ACCELERATOR_TYPE,
                                &at(&acc_path, ".type"),
                                format!("`{k}` cannot be attached to an n1 machine"),
                                help.or(Some(
                                    "n1 machines take nvidia-tesla-t4, -v100, -p100 or -p4"
                                        .to_string(),
                                )),
                            );
                        }
                        Some(counts) if n1 && !counts.contains(&acc.count.unwrap_or(1)) => checker
                            .err(
                                codes::ACCELERATOR_COUNT,
                                &at(&acc_path, ".count"),
                                format!(
                                    "`{k}` attaches in counts of {counts:?}, not {}",
                                    acc.count.unwrap_or(1)
                                ),
                                None,
                            ),
                        _ => {}
                    },
                }
                gpu = acc.kind.clone().map(|kind| PoolGpu {
                    kind,
                    count: acc.count.unwrap_or(1),
                    driver: acc.driver.unwrap_or_default(),
                });
            }
        }
        (None, None) => {}
    }
    match (machine.and_then(|m| m.tpu), &p.tpu) {
        (Some(t), spec_tpu) => {
            let topos = catalog::tpu_topologies(&t);
            let topology = spec_tpu
                .as_ref()
                .map(|x| x.topology.clone())
                .unwrap_or_else(|| topos.first().copied().unwrap_or("1x1").to_string());
            let tp = at(path, ".tpu.topology");
            if !topos.contains(&topology.as_str()) {
                checker.err(
                    codes::TPU_TOPOLOGY,
                    &tp,
                    format!(
                        "TPU {} machine `{}` does not support topology `{topology}`",
                        t.family, p.machine_type
                    ),
                    Some(format!("supported: {}", topos.join(", "))),
                );
            }
            let hosts = catalog::tpu_slice_hosts(&t, &topology).unwrap_or(1);
            if hosts > 1 && topos.contains(&topology.as_str()) {
                let (np, ok) = match autoscaling {
                    Some((min, max)) => (
                        at(path, ".autoscaling"),
                        max == hosts && (min == 0 || min == hosts),
                    ),
                    None => (at(path, ".nodes"), initial == hosts),
                };
                if !ok {
                    checker.err(
                        codes::TPU_NODES,
                        &np,
                        format!("a {topology} slice of `{}` is {hosts} nodes; the pool must have exactly {hosts}", p.machine_type),
                        Some(format!("set `nodes: {hosts}` (multi-host TPU slices are created whole)")),
                    );
                }
                // One slice is one set of hosts wired together in one zone.
                // (compact placement already reported several zones.)
                if zone_count != 1 && !compact {
                    let (zp, help) = if p.zones.is_empty() {
                        (
                            at(path, ".tpu.topology"),
                            format!("a regional cluster spreads pools over its zones; list one zone in `zones`, e.g. `[{region}-a]`"),
                        )
                    } else {
                        (
                            at(path, ".zones"),
                            "list a single zone in `zones`".to_string(),
                        )
                    };
                    checker.err(
                        codes::TPU_SLICE,
                        &zp,
                        format!(
                            "a multi-host {topology} TPU slice lives in one zone, but pool `{}` spans {zone_count}",
                            p.name
                        ),
                        Some(help),
                    );
                }
            }
            let shape_ok = topos.contains(&topology.as_str());
            let slices = super::slices::pool_slices(checker, path, p, hosts, shape_ok);
            tpu = Some(PoolTpu {
                accelerator: t.accelerator.to_string(),
                topology,
                chips_per_node: t.chips,
                hosts,
                slices,
            });
        }
        (None, Some(_)) => checker.err(
            codes::TPU_TOPOLOGY,
            &at(path, ".tpu"),
            format!("`{}` is not a TPU machine type", p.machine_type),
            Some("TPU pools use ct5lp-*, ct5p-*, ct6e-* or ct4p-* machine types".to_string()),
        ),
        (None, None) => {}
    }

    let (capacity, max_run_duration_secs) = provisioning::resolve(
        checker,
        path,
        p,
        &provisioning::PoolShape {
            machine: machine.as_ref(),
            autoscaling,
            zone_count,
            tpu_hosts: tpu.as_ref().map_or(1, |t| t.hosts),
            gpu: gpu.is_some(),
            region,
        },
    );

    if let Some(d) = &p.disk_type {
        if !node_config::DISK_TYPES.contains(&d.as_str()) {
            let help = match did_you_mean(d, node_config::DISK_TYPES.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("one of: {}", node_config::DISK_TYPES.join(", ")),
            };
            checker.err(
                codes::BAD_VALUE,
                &at(path, ".diskType"),
                format!("unknown disk type `{d}`"),
                Some(help),
            );
        }
    }
    let scopes = match &p.oauth_scopes {
        None => node_config::DEFAULT_SCOPES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        Some(list) => {
            let mut out: Vec<String> = Vec::new();
            for (i, s) in list.iter().enumerate() {
                if s.starts_with("https://") {
                    out.push(s.clone());
                } else if s == "default" || s == "gke-default" {
                    out.extend(node_config::DEFAULT_SCOPES.iter().map(|s| s.to_string()));
                } else if let Some(url) = node_config::scope_alias_url(s) {
                    out.push(url);
                } else {
                    let names = node_config::SCOPE_ALIASES.iter().map(|a| a.0);
                    let help = did_you_mean(s, names).map(|x| format!("did you mean `{x}`?")).unwrap_or_else(|| "use a gcloud scope alias (cloud-platform, storage-ro, ...) or a full https:// URL".to_string());
                    checker.err(
                        codes::BAD_VALUE,
                        &format!("{path}.oauthScopes[{i}]"),
                        format!("unknown scope `{s}`"),
                        Some(help),
                    );
                }
            }
            out.sort();
            out.dedup();
            out
        }
    };
    if let Some(sa) = &p.service_account {
        if sa != "default" && !service_account_email(sa) {
            checker.err(
                codes::BAD_EMAIL,
                &at(path, ".serviceAccount"),
                format!("`{sa}` is not a service account email"),
                Some("e.g. nodes@my-project.iam.gserviceaccount.com".to_string()),
            );
        }
    }
    checker.labels(&at(path, ".labels"), &p.labels, false);
    for k in p.labels.keys() {
        if let Some(domain) = reserved_key_prefix(k) {
            checker.err(
                codes::RESERVED_NAME,
                &format!("{path}.labels.{k}"),
                format!("node label `{k}` is under `{domain}/`, which Kubernetes and GKE keep for their own labels"),
                Some("use a prefix of your own, e.g. `example.com/team`, or none".to_string()),
            );
        }
    }
    for (i, t) in p.taints.iter().enumerate() {
        if let Some(domain) = reserved_key_prefix(&t.key) {
            checker.err(
                codes::RESERVED_NAME,
                &format!("{path}.taints[{i}].key"),
                format!("taint `{}` is under `{domain}/`, which Kubernetes and GKE keep for their own taints", t.key),
                Some("use a key of your own, e.g. `dedicated`".to_string()),
            );
        }
        if !label_key(&t.key) || !label_value(&t.value) {
            checker.err(
                codes::BAD_LABEL,
                &format!("{path}.taints[{i}]"),
                format!("taint `{}={}` has an invalid key or value", t.key, t.value),
                None,
            );
        }
    }
    let gpu_direct = super::gpudirect::check_mode(checker, path, p);
    let secondary_boot_disk = p
        .secondary_boot_disk
        .as_deref()
        .and_then(|d| secondary_boot_disk(checker, path, d));
    // GKE, "Use secondary boot disks to preload data or container images":
    // a container image cache needs image streaming on the pool (gcloud
    // users pass `--enable-image-streaming` beside `--secondary-boot-disk`).
    if p.secondary_boot_disk.is_some() && p.image_streaming == Some(false) {
        checker.err(
            codes::SECONDARY_BOOT_DISK,
            &at(path, ".imageStreaming"),
            "a secondary boot disk caching container images needs image streaming",
            Some("remove `imageStreaming: false`".to_string()),
        );
    }
    let image_streaming = p.image_streaming.unwrap_or(false) || p.secondary_boot_disk.is_some();
    // GKE streams images only onto Container-Optimized OS nodes.
    if let (true, Some(t)) = (image_streaming, &p.image_type) {
        if !t.eq_ignore_ascii_case("COS_CONTAINERD") {
            checker.err(
                codes::IMAGE_STREAMING_OS,
                &at(path, ".imageType"),
                format!(
                    "{} needs Container-Optimized OS nodes (`COS_CONTAINERD`), not `{t}`",
                    if p.image_streaming == Some(true) {
                        "image streaming"
                    } else {
                        "a secondary boot disk (through image streaming)"
                    }
                ),
                Some(
                    "remove `imageType` (GKE's default is COS_CONTAINERD), or `imageStreaming`"
                        .to_string(),
                ),
            );
        }
    }
    Some(Pool {
        name: p.name.clone(),
        machine_type: p.machine_type.clone(),
        initial_nodes: initial,
        autoscaling,
        zones: p.zones.clone(),
        zone_count,
        gvnic: machine.is_some_and(|m| m.gvnic),
        gpu,
        tpu,
        capacity,
        max_run_duration_secs,
        compact,
        disk_size_gb: p.disk_size_gb,
        disk_type: p.disk_type.clone(),
        image_type: p.image_type.clone(),
        image_streaming,
        secondary_boot_disk,
        scopes,
        service_account: p.service_account.clone(),
        labels: p.labels.clone(),
        taints: p
            .taints
            .iter()
            .map(|t| (t.key.clone(), t.value.clone(), t.effect))
            .collect(),
        max_pods_per_node: p.max_pods_per_node,
        vcpus: machine.map(|m| m.vcpus),
        memory_mib: machine.map(|m| m.memory_mib),
        // Set once the workloads are known (scratch space on local SSDs).
        ephemeral_local_ssds: None,
        gpu_direct,
        extra_networks: Vec::new(),
    })
}

/// The `diskImage` a pool's `secondaryBootDisk` sends: a Compute Engine
/// image as GKE's guide writes it (`global/images/NAME` in the cluster's
/// project, `projects/PROJECT/global/images/NAME` in another), a bare
/// `NAME` taken as `global/images/NAME`. Image names are RFC 1035 labels
/// (Compute Engine resource names); image families are not accepted.
fn secondary_boot_disk(checker: &mut Checker, path: &str, d: &str) -> Option<String> {
    let fp = at(path, ".secondaryBootDisk");
    let name_ok = |n: &str| {
        let b = n.as_bytes();
        !b.is_empty()
            && b.len() <= 63
            && b[0].is_ascii_lowercase()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
    };
    let project_ok = |p: &str| {
        let b = p.as_bytes();
        (6..=30).contains(&b.len())
            && b[0].is_ascii_lowercase()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
    };
    let parts: Vec<&str> = d.split('/').collect();
    let (image_project, name) = match parts.as_slice() {
        [n] => (None, *n),
        ["global", "images", n] => (None, *n),
        ["projects", p, "global", "images", n] => (Some(*p), *n),
        _ => {
            checker.err(
                codes::SECONDARY_BOOT_DISK,
                &fp,
                format!("`{d}` is not a Compute Engine disk image"),
                Some(if d.contains("/family/") {
                    "name the image itself: GKE takes no image families here".to_string()
                } else {
                    "write `NAME`, `global/images/NAME` or `projects/PROJECT/global/images/NAME`"
                        .to_string()
                }),
            );
            return None;
        }
    };
    if let Some(p) = image_project.filter(|p| !project_ok(p)) {
        checker.err(
            codes::SECONDARY_BOOT_DISK,
            &fp,
            format!("`{p}` is not a Google Cloud project id"),
            Some("6-30 lowercase letters, digits and '-', starting with a letter; or leave `projects/...` out for an image of this project".to_string()),
        );
        return None;
    }
    if !name_ok(name) {
        checker.err(
            codes::SECONDARY_BOOT_DISK,
            &fp,
            format!("`{name}` is not a Compute Engine image name"),
            Some("1-63 lowercase letters, digits and '-', starting with a letter".to_string()),
        );
        return None;
    }
    Some(if parts.len() == 1 {
        format!("global/images/{name}")
    } else {
        d.to_string()
    })
}

/// Warn about zones that do not offer the pool's machine type (for the
/// machine types whose zones `catalog::zones` lists; a warning, since that
/// list can lag Google's).
fn check_machine_zones(
    checker: &mut Checker,
    path: &str,
    p: &spec::NodePool,
    region: &str,
    zonal: bool,
    cluster_location: &str,
) {
    let Some(offered) = catalog::zones::machine_zones(&p.machine_type) else {
        return;
    };
    let in_region: Vec<&str> = offered
        .iter()
        .copied()
        .filter(|z| z.rsplit_once('-').is_some_and(|(r, _)| r == region))
        .collect();
    let listed = if in_region.is_empty() {
        format!("no zone of {region} offers it")
    } else {
        format!("in {region} it is offered in {}", in_region.join(", "))
    };
    let help = || {
        Some(if in_region.is_empty() {
            format!(
                "choose a region that offers {} (`gcloud compute machine-types list --filter=name={}`); podwire's zone list can lag Google's",
                p.machine_type, p.machine_type
            )
        } else {
            format!(
                "set `zones: [{}]` (`gcloud compute machine-types list --filter=name={}` has the current list; podwire's can lag Google's)",
                in_region.join(", "),
                p.machine_type
            )
        })
    };
    if !p.zones.is_empty() {
        for (i, z) in p.zones.iter().enumerate() {
            if location(z).is_some_and(|(r, is_zone)| is_zone && r == region)
                && !offered.contains(&z.as_str())
            {
                checker.warn(
                    codes::MACHINE_ZONE,
                    &format!("{path}.zones[{i}]"),
                    format!(
                        "zone `{z}` does not offer machine type `{}`: {listed}",
                        p.machine_type
                    ),
                    help(),
                );
            }
        }
    } else if zonal {
        if !offered.contains(&cluster_location) {
            checker.warn(
                codes::MACHINE_ZONE,
                &at(path, ".machineType"),
                format!(
                    "the cluster's zone `{cluster_location}` does not offer machine type `{}`: {listed}",
                    p.machine_type
                ),
                help(),
            );
        }
    } else if in_region.is_empty() {
        checker.warn(
            codes::MACHINE_ZONE,
            &at(path, ".machineType"),
            format!(
                "machine type `{}` is offered in no zone of the cluster's region {region}",
                p.machine_type
            ),
            help(),
        );
    } else {
        // A regional cluster puts the pool in its default zones, which may
        // include zones without the machine.
        checker.warn(
            codes::MACHINE_ZONE,
            &at(path, ".machineType"),
            format!(
                "pool `{}` has no `zones`, so GKE places it in the cluster's zones, but {listed}",
                p.name
            ),
            help(),
        );
    }
}
