//! The capacity rules (`capacity`, `spot`, `reservation`,
//! `maxRunDuration`): each rule's diagnostic, at its field, for the specs
//! that break it, and silence (with the resolved capacity) for the ones
//! next to them that do not.

use crate::diag::{codes, Severity};
use crate::model::{Capacity, Model, Reservation};

/// One pool in a zonal cluster: `fields` are the pool's flow-mapping
/// entries after name.
fn pool(fields: &str) -> String {
    format!(
        "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: demo}}\ngcp: {{project: my-project, location: us-central1-a}}\ncluster:\n  nodePools:\n    - {{name: p, {fields}}}\n"
    )
}

/// The same in a regional cluster (three zones by default).
fn regional(fields: &str) -> String {
    pool(fields).replace("us-central1-a}", "us-central1}")
}

fn found(src: &str) -> Vec<(String, String, Severity)> {
    let diags = crate::analyze(src).diagnostics;
    for d in &diags {
        assert!(d.span.is_some(), "{d:?} has no span\n{src}");
        assert!(d.help.is_some(), "{d:?} has no help\n{src}");
    }
    diags
        .into_iter()
        // Which zones offer the machine is check/tests.rs's concern.
        .filter(|d| d.code != codes::MACHINE_ZONE)
        .map(|d| (d.code, d.path, d.severity))
        .collect()
}

fn error(code: &str, field: &str) -> (String, String, Severity) {
    (
        code.to_string(),
        format!("cluster.nodePools[0].{field}"),
        Severity::Error,
    )
}

fn warning(code: &str, field: &str) -> (String, String, Severity) {
    (
        code.to_string(),
        format!("cluster.nodePools[0].{field}"),
        Severity::Warning,
    )
}

fn model(src: &str) -> Model {
    let a = crate::analyze(src);
    match a.model {
        Some(m) => m,
        None => panic!("{src}\ndoes not resolve: {:#?}", a.diagnostics),
    }
}

fn capacity(src: &str) -> Capacity {
    assert_eq!(found(src), [], "{src}");
    model(src).pools[0].capacity.clone()
}

const H100: &str = "machineType: a3-highgpu-8g";
const DWS: &str = "machineType: a3-highgpu-8g, autoscaling: {min: 0, max: 4}";

#[test]
fn capacity_comes_from_capacity_spot_or_reservation() {
    let cases = [
        (
            "",
            Capacity::OnDemand {
                no_reservation: false,
            },
        ),
        (
            "capacity: on-demand",
            Capacity::OnDemand {
                no_reservation: false,
            },
        ),
        (
            "reservation: none",
            Capacity::OnDemand {
                no_reservation: true,
            },
        ),
        (
            "spot: false",
            Capacity::OnDemand {
                no_reservation: false,
            },
        ),
        (
            "spot: true",
            Capacity::Spot {
                no_reservation: false,
            },
        ),
        (
            "capacity: spot",
            Capacity::Spot {
                no_reservation: false,
            },
        ),
        (
            "capacity: spot, spot: true",
            Capacity::Spot {
                no_reservation: false,
            },
        ),
        (
            "spot: true, reservation: none",
            Capacity::Spot {
                no_reservation: true,
            },
        ),
        (
            "reservation: my-res",
            Capacity::Reservation(Reservation::Specific("my-res".into())),
        ),
        (
            "capacity: reservation, reservation: any",
            Capacity::Reservation(Reservation::Any),
        ),
        ("reservation: any", Capacity::Reservation(Reservation::Any)),
        (
            "reservation: projects/owner-proj/reservations/r",
            Capacity::Reservation(Reservation::Specific(
                "projects/owner-proj/reservations/r".into(),
            )),
        ),
    ];
    for (fields, want) in cases {
        let src = pool(&format!("{H100}, nodes: 1, {fields}"));
        assert_eq!(capacity(&src), want, "{fields}");
    }
    for (fields, want) in [
        ("capacity: flex-start", Capacity::FlexStart),
        ("capacity: queued", Capacity::Queued),
        (
            "capacity: flex-start, reservation: none",
            Capacity::FlexStart,
        ),
    ] {
        let src = pool(&format!("{DWS}, {fields}"));
        assert_eq!(capacity(&src), want, "{fields}");
    }
}

#[test]
fn spot_that_contradicts_capacity_is_an_error_at_spot() {
    for cap in [
        "on-demand",
        "flex-start",
        "queued",
        "reservation, reservation: r",
    ] {
        let src = pool(&format!("{DWS}, capacity: {cap}, spot: true"));
        assert!(
            found(&src).contains(&error(codes::CAPACITY_SPOT, "spot")),
            "{cap}: {:?}",
            found(&src)
        );
    }
    let src = pool(&format!("{H100}, capacity: spot, spot: false"));
    assert_eq!(found(&src), [error(codes::CAPACITY_SPOT, "spot")]);
    // The message says why for flex-start (gcloud lets the API say it).
    let d = crate::analyze(&pool(&format!("{DWS}, capacity: flex-start, spot: true"))).diagnostics;
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(d[0].message.contains("never Spot VMs"), "{}", d[0].message);
}

#[test]
fn spot_with_a_reservation_keeps_its_code() {
    let src = pool(&format!("{H100}, spot: true, reservation: r"));
    assert_eq!(found(&src), [error(codes::SPOT_RESERVATION, "reservation")]);
    let src = pool(&format!("{H100}, spot: true, reservation: any"));
    assert_eq!(found(&src), [error(codes::SPOT_RESERVATION, "reservation")]);
}

#[test]
fn a_reservation_on_other_capacity_is_an_error_at_reservation() {
    for (fields, cap) in [
        (DWS, "flex-start"),
        (DWS, "queued"),
        (H100, "on-demand"),
        (H100, "spot"),
    ] {
        for r in ["my-res", "any"] {
            let src = pool(&format!("{fields}, capacity: {cap}, reservation: {r}"));
            assert_eq!(
                found(&src),
                [error(codes::CAPACITY_RESERVATION, "reservation")],
                "{cap} {r}"
            );
        }
    }
}

#[test]
fn capacity_reservation_needs_one() {
    let src = pool(&format!("{H100}, capacity: reservation"));
    assert_eq!(found(&src), [error(codes::RESERVATION_MISSING, "capacity")]);
    let src = pool(&format!("{H100}, capacity: reservation, reservation: none"));
    assert_eq!(
        found(&src),
        [error(codes::RESERVATION_MISSING, "reservation")]
    );
    // A reservation already reported as malformed is not also missing.
    let src = pool(&format!(
        "{H100}, capacity: reservation, reservation: Bad_Name"
    ));
    assert_eq!(found(&src), [error(codes::RESERVATION_NAME, "reservation")]);
}

#[test]
fn flex_start_and_queued_scale_from_zero_with_the_autoscaler() {
    for cap in ["flex-start", "queued"] {
        let src = pool(&format!("{H100}, capacity: {cap}, nodes: 2"));
        assert_eq!(found(&src), [error(codes::DWS_SIZE, "nodes")], "{cap}");
        let src = pool(&format!("{H100}, capacity: {cap}"));
        assert_eq!(found(&src), [error(codes::DWS_SIZE, "capacity")], "{cap}");
        let src = pool(&format!(
            "{H100}, capacity: {cap}, autoscaling: {{min: 1, max: 4}}"
        ));
        assert_eq!(
            found(&src),
            [error(codes::DWS_SIZE, "autoscaling.min")],
            "{cap}"
        );
        let src = pool(&format!("{DWS}, capacity: {cap}"));
        assert_eq!(found(&src), [], "{cap}");
        let m = model(&src);
        assert_eq!(m.pools[0].initial_nodes, 0);
        assert_eq!(m.pools[0].autoscaling, Some((0, 4)));
    }
}

#[test]
fn queued_pools_are_not_compact() {
    let src = pool(&format!("{DWS}, capacity: queued, placement: compact"));
    assert_eq!(found(&src), [error(codes::QUEUED_COMPACT, "placement")]);
    let src = pool(&format!("{DWS}, capacity: flex-start, placement: compact"));
    assert_eq!(found(&src), []);
}

#[test]
fn max_run_duration_is_for_flex_start_and_queued_and_in_range() {
    for (d, secs) in [
        ("7d", 604_800),
        ("12h", 43_200),
        ("90m", 5_400),
        ("3600s", 3_600),
        ("1d12h", 129_600),
        ("30s", 30),
        ("604800s", 604_800),
    ] {
        for cap in ["flex-start", "queued"] {
            let src = pool(&format!("{DWS}, capacity: {cap}, maxRunDuration: {d}"));
            assert_eq!(found(&src), [], "{d}");
            assert_eq!(
                model(&src).pools[0].max_run_duration_secs,
                Some(secs),
                "{d}"
            );
        }
    }
    for d in [
        "8d", "604801s", "29s", "0s", "7", "3600", "7 days", "1h1d", "\"\"",
    ] {
        let src = pool(&format!("{DWS}, capacity: flex-start, maxRunDuration: {d}"));
        assert_eq!(
            found(&src),
            [error(codes::MAX_RUN_DURATION, "maxRunDuration")],
            "{d}"
        );
    }
    // A bare number is told its unit.
    let d = crate::analyze(&pool(&format!(
        "{DWS}, capacity: flex-start, maxRunDuration: 3600"
    )))
    .diagnostics;
    assert!(
        d[0].help.as_deref().unwrap_or_default().contains("`3600s`"),
        "{d:#?}"
    );
    for fields in [
        format!("{H100}, nodes: 1"),
        format!("{H100}, nodes: 1, spot: true"),
        format!("{H100}, nodes: 1, reservation: r"),
        format!("{H100}, nodes: 1, capacity: on-demand"),
    ] {
        let src = pool(&format!("{fields}, maxRunDuration: 7d"));
        assert_eq!(
            found(&src),
            [error(codes::MAX_RUN_DURATION_CAPACITY, "maxRunDuration")],
            "{fields}"
        );
    }
}

#[test]
fn reservation_values_must_be_names_blocks_any_or_none() {
    for r in [
        "My-Res",
        "r/blocks/b",
        "r/reservationBlocks/",
        "projects/x/reservations/r",
        "\"r/\"",
        "\"\"",
    ] {
        let src = pool(&format!("{H100}, nodes: 1, reservation: {r}"));
        assert_eq!(
            found(&src),
            [error(codes::RESERVATION_NAME, "reservation")],
            "{r}"
        );
    }
    for r in [
        "any/reservationBlocks/b",
        "any/reservationBlocks/b/reservationSubBlocks/s",
    ] {
        let src = pool(&format!(
            "machineType: a4-highgpu-8g, nodes: 1, reservation: {r}"
        ));
        assert_eq!(
            found(&src),
            [error(codes::ANY_RESERVATION_BLOCK, "reservation")],
            "{r}"
        );
    }
}

#[test]
fn reservation_blocks_only_on_families_that_have_them() {
    let block = "r/reservationBlocks/r-block-0001";
    for mt in ["a3-ultragpu-8g", "a4-highgpu-8g", "a4x-highgpu-4g"] {
        let src = pool(&format!(
            "machineType: {mt}, nodes: 1, reservation: {block}"
        ));
        let f = found(&src);
        assert!(
            !f.iter().any(|d| d.0 == codes::RESERVATION_BLOCK),
            "{mt}: {f:?}"
        );
    }
    for mt in [
        "a3-highgpu-8g",
        "a3-megagpu-8g",
        "g2-standard-8",
        "n2-standard-8",
        "ct5lp-hightpu-4t",
    ] {
        let src = pool(&format!(
            "machineType: {mt}, nodes: 1, reservation: {block}"
        ));
        assert_eq!(
            found(&src),
            [error(codes::RESERVATION_BLOCK, "reservation")],
            "{mt}"
        );
    }
    // Sub-blocks: A4X only.
    let sub = "r/reservationBlocks/b/reservationSubBlocks/s";
    let src = pool(&format!(
        "machineType: a4-highgpu-8g, nodes: 1, reservation: {sub}"
    ));
    assert_eq!(
        found(&src),
        [error(codes::RESERVATION_BLOCK, "reservation")]
    );
    let src = pool(&format!(
        "machineType: a4x-highgpu-4g, nodes: 1, reservation: {sub}"
    ));
    assert!(!found(&src).iter().any(|d| d.0 == codes::RESERVATION_BLOCK));
    assert_eq!(
        model(&pool(&format!(
            "machineType: a4-highgpu-8g, nodes: 1, reservation: {block}"
        )))
        .pools[0]
            .capacity,
        Capacity::Reservation(Reservation::Specific(block.into()))
    );
}

#[test]
fn a_specific_reservation_on_several_zones_warns() {
    let src = regional(&format!("{H100}, nodes: 1, reservation: r"));
    assert_eq!(
        found(&src),
        [warning(codes::RESERVATION_ZONES, "reservation")]
    );
    let src = regional(&format!(
        "{H100}, nodes: 1, reservation: r, zones: [us-central1-b]"
    ));
    assert_eq!(found(&src), []);
    // `any` takes whatever matches, in each zone.
    let src = regional(&format!("{H100}, nodes: 1, reservation: any"));
    assert_eq!(found(&src), []);
}

#[test]
fn flex_start_and_queued_need_machines_dws_offers() {
    for cap in ["flex-start", "queued"] {
        for mt in [
            "n2-standard-8",
            "e2-standard-4",
            "ct4p-hightpu-4t",
            "a4x-highgpu-4g",
            "g4-standard-48",
        ] {
            let src = pool(&format!(
                "machineType: {mt}, autoscaling: {{min: 0, max: 2}}, capacity: {cap}"
            ));
            assert!(
                found(&src).contains(&error(codes::DWS_MACHINE, "machineType")),
                "{cap} {mt}: {:?}",
                found(&src)
            );
        }
        for mt in [
            "g2-standard-8",
            "a2-highgpu-1g",
            "a3-megagpu-8g",
            "a4-highgpu-8g",
            "ct5lp-hightpu-4t",
            "ct6e-standard-4t",
        ] {
            let src = pool(&format!(
                "machineType: {mt}, autoscaling: {{min: 0, max: 1}}, capacity: {cap}"
            ));
            assert_eq!(found(&src), [], "{cap} {mt}");
        }
        // N1 with attached GPUs: a warning, not an error.
        let src = pool(&format!("machineType: n1-standard-8, accelerator: {{type: nvidia-tesla-t4, count: 1}}, autoscaling: {{min: 0, max: 2}}, capacity: {cap}"));
        assert_eq!(
            found(&src),
            [warning(codes::DWS_MACHINE, "machineType")],
            "{cap}"
        );
    }
}

#[test]
fn flex_start_on_a_multi_host_slice_warns_and_queued_does_not() {
    let slice =
        "machineType: ct5lp-hightpu-4t, tpu: {topology: 4x4}, autoscaling: {min: 0, max: 4}";
    let src = pool(&format!("{slice}, capacity: flex-start"));
    assert_eq!(
        found(&src),
        [warning(codes::FLEX_START_MULTI_HOST, "capacity")]
    );
    let src = pool(&format!("{slice}, capacity: queued"));
    assert_eq!(found(&src), []);
}

#[test]
fn flex_start_needs_a_cluster_version_that_has_it() {
    let with_version = |v: &str, fields: &str| {
        pool(fields).replace("  nodePools:", &format!("  version: \"{v}\"\n  nodePools:"))
    };
    for v in ["1.31", "1.32.1", "1.32.2-gke.1000"] {
        let src = with_version(v, &format!("{DWS}, capacity: flex-start"));
        assert_eq!(found(&src), [error(codes::DWS_VERSION, "capacity")], "{v}");
    }
    for v in ["1.32", "1.32.2-gke.1652000", "1.33", "latest"] {
        let src = with_version(v, &format!("{DWS}, capacity: queued"));
        assert_eq!(found(&src), [], "{v}");
    }
    // TPUs need 1.33.0-gke.1712000; other capacity has no minimum.
    let tpu = "machineType: ct5lp-hightpu-4t, autoscaling: {min: 0, max: 1}, capacity: flex-start";
    assert_eq!(
        found(&with_version("1.32", tpu)),
        [error(codes::DWS_VERSION, "capacity")]
    );
    assert_eq!(found(&with_version("1.33", tpu)), []);
    assert_eq!(
        found(&with_version("1.30", &format!("{H100}, nodes: 1"))),
        []
    );
}

#[test]
fn pods_on_queued_pools_tolerate_the_queued_taint_and_no_others_do() {
    // In a queue: a queued pool makes nodes only for what Kueue admits.
    let workload =
        "queues:\n  - {name: q, pools: [p]}\nworkloads:\n  - {name: t, image: us-docker.pkg.dev/p/r/i:1, gpus: 8, queue: q}\n";
    for (cap, tolerated) in [
        ("capacity: queued", true),
        ("capacity: flex-start", false),
        ("capacity: on-demand", false),
    ] {
        let src = format!("{}{workload}", pool(&format!("{DWS}, {cap}")));
        let c = crate::compile(&src, &crate::Options::default());
        assert!(c.ok, "{cap}: {:#?}", c.diagnostics);
        let manifests = c
            .files
            .iter()
            .find(|f| f.path == crate::MANIFESTS_FILE)
            .map(|f| f.content.clone())
            .unwrap_or_default();
        assert_eq!(
            manifests.contains("key: cloud.google.com/gke-queued\n        operator: Equal\n        value: \"true\""),
            tolerated,
            "{cap}:\n{manifests}"
        );
    }
}

/// What the FUSE sidecar's requests in the capacity checks rest on: the
/// pods name no `gke-gcsfuse/*-request` and no non-zero sidecar limit, so
/// the driver's webhook gives the sidecar its default requests (250m, 256
/// MiB; see `FUSE_SIDECAR_CPU_MILLIS`), for plain and tuned mounts alike.
#[test]
fn fuse_sidecars_keep_the_drivers_default_requests() {
    for volume in [
        "{bucket: my-bucket, path: /data, readOnly: true}",
        "{bucket: my-bucket, path: /data, readOnly: true, parallelDownloads: true, metadataPrefetch: true, cache: {size: 10Gi, medium: memory}}",
    ] {
        let src = format!(
            "{}workloads:\n  - {{name: t, image: us-docker.pkg.dev/p/r/i:1, run: service,\n     \
             gcpServiceAccount: t@my-project.iam.gserviceaccount.com, volumes: [{volume}]}}\n",
            pool("machineType: n2-standard-8, nodes: 1")
        );
        let m = model(&src);
        assert_eq!(
            crate::check::capacity::pod_overhead(&m.workloads[0]).0,
            250,
            "{volume}"
        );
        let c = crate::compile(&src, &crate::Options::default());
        assert!(c.ok, "{volume}: {:#?}", c.diagnostics);
        let manifests = c
            .files
            .iter()
            .find(|f| f.path == crate::MANIFESTS_FILE)
            .map(|f| f.content.clone())
            .unwrap_or_default();
        assert!(manifests.contains("gke-gcsfuse/volumes: \"true\""), "{manifests}");
        for line in manifests.lines().filter(|l| l.contains("gke-gcsfuse/")) {
            assert!(!line.contains("-request"), "{line}");
            if line.contains("-limit:") {
                assert!(line.trim_end().ends_with("\"0\""), "{line}");
            }
        }
    }
}
