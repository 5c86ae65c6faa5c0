use super::*;
use crate::diag::Severity;
use crate::model::Kind;

/// One pool (`pool` fields) and one workload (`workload` fields), with
/// `extra` lines at the top level and in `cluster`.
fn spec_with(cluster: &str, pool: &str, workload: &str, rest: &str) -> String {
    format!(
        "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: d}}\n\
         gcp: {{project: my-project, location: us-central1-a}}\n\
         cluster:\n{cluster}  nodePools:\n    - {{name: p, {pool}}}\n\
         workloads:\n  - {{name: w, image: r/w:1, {workload}}}\n{rest}"
    )
}

fn spec(workload: &str) -> String {
    spec_with("", "machineType: n2-standard-8", workload, "")
}

fn codes(src: &str) -> Vec<(String, String, Severity)> {
    crate::analyze(src)
        .diagnostics
        .into_iter()
        .map(|d| (d.code, d.path, d.severity))
        .collect()
}

fn has(src: &str, code: &str, path: &str) {
    let c = codes(src);
    assert!(
        c.iter().any(|(k, p, _)| k == code && p == path),
        "{code} at {path} in {c:?}\n{src}"
    );
}

fn clean(src: &str) -> crate::model::Model {
    let a = crate::analyze(src);
    match a.model {
        Some(m) if a.diagnostics.is_empty() => m,
        _ => panic!("{src}\n{:#?}", a.diagnostics),
    }
}

#[test]
fn volume_mistakes_are_located() {
    let v = |list: &str| {
        spec(&format!(
            "run: job, gcpServiceAccount: w@my-project.iam.gserviceaccount.com, volumes: [{list}]"
        ))
    };
    has(
        &v("{bucket: gs://data, path: /d}"),
        codes::BAD_BUCKET,
        "workloads[0].volumes[0].bucket",
    );
    has(
        &v("{claim: Ckpt, path: /c}"),
        codes::BAD_CLAIM,
        "workloads[0].volumes[0].claim",
    );
    has(
        &v("{claim: c, path: data}"),
        codes::VOLUME_PATH,
        "workloads[0].volumes[0].path",
    );
    has(
        &v("{claim: c, path: /a/../b}"),
        codes::VOLUME_PATH,
        "workloads[0].volumes[0].path",
    );
    has(
        &v("{claim: c, path: /d}, {bucket: my-data, path: /d/}"),
        codes::VOLUME_PATH_CLASH,
        "workloads[0].volumes[1].path",
    );
    has(
        &v("{scratch: lots, path: /s}"),
        codes::BAD_QUANTITY,
        "workloads[0].volumes[0].scratch",
    );
    // Accelerator pods have podwire's shared memory at /dev/shm.
    let gpu = spec_with(
        "",
        "machineType: g2-standard-8",
        "run: job, gpus: 1, volumes: [{scratch: 10Gi, path: /dev/shm}]",
        "",
    );
    has(
        &gpu,
        codes::VOLUME_PATH_CLASH,
        "workloads[0].volumes[0].path",
    );
}

#[test]
fn scratch_must_fit_on_a_node() {
    // n2-standard-8: a 100 GB boot disk by default.
    has(
        &spec("run: job, volumes: [{scratch: 200Gi, path: /s}]"),
        codes::SCRATCH_TOO_BIG,
        "workloads[0].volumes[0].scratch",
    );
    // Two that fit alone but not together.
    has(
        &spec("run: job, volumes: [{scratch: 60Gi, path: /a}, {scratch: 60Gi, path: /b}]"),
        codes::SCRATCH_TOO_BIG,
        "workloads[0].volumes[1].scratch",
    );
    let bigger = spec_with(
        "",
        "machineType: n2-standard-8, diskSizeGb: 500",
        "run: job, volumes: [{scratch: 200Gi, path: /s}]",
        "",
    );
    let m = clean(&bigger);
    // No Local SSDs on n2: ephemeral storage stays on the boot disk.
    assert_eq!(m.pools[0].ephemeral_local_ssds, None);
    // a3-highgpu-8g: 16 Local SSDs of 375 GiB (6000 GiB).
    let a3 = |size: &str| {
        spec_with(
            "",
            "machineType: a3-highgpu-8g",
            &format!("run: job, gpus: 8, volumes: [{{scratch: {size}, path: /s}}]"),
            "",
        )
    };
    has(
        &a3("7000Gi"),
        codes::SCRATCH_TOO_BIG,
        "workloads[0].volumes[0].scratch",
    );
    let m = clean(&a3("5000Gi"));
    assert_eq!(m.pools[0].ephemeral_local_ssds, Some(16));
    let body = crate::gke::create_cluster_request(&m);
    let cfg = &body.cluster.node_pools[0].config;
    assert_eq!(
        cfg.ephemeral_storage_local_ssd_config
            .as_ref()
            .map(|c| c.local_ssd_count),
        Some(16)
    );
    // Without scratch the pool keeps its Local SSDs out of it.
    let plain = clean(&spec_with(
        "",
        "machineType: a3-highgpu-8g",
        "run: job, gpus: 8",
        "",
    ));
    assert_eq!(plain.pools[0].ephemeral_local_ssds, None);
}

#[test]
fn buckets_need_workload_identity_and_say_how_access_is_granted() {
    let b = "run: job, volumes: [{bucket: my-data, path: /d, readOnly: true}]";
    has(
        &spec_with(
            "  workloadIdentity: false\n",
            "machineType: n2-standard-8",
            b,
            "",
        ),
        codes::FUSE_NEEDS_WI,
        "workloads[0].volumes[0].bucket",
    );
    let a = crate::analyze(&spec(b));
    let w: Vec<_> = a
        .diagnostics
        .iter()
        .filter(|d| d.code == codes::FUSE_ACCESS)
        .collect();
    assert_eq!(w.len(), 1, "{:#?}", a.diagnostics);
    assert_eq!(w[0].severity, Severity::Warning);
    assert!(w[0].message.contains("`d/w`"), "{}", w[0].message);
    let help = w[0].help.clone().unwrap_or_default();
    assert!(
        help.contains("my-project.svc.id.goog/subject/ns/d/sa/w"),
        "{help}"
    );
    assert!(a.model.is_some(), "a warning only");
    // With a Google service account: nothing to say.
    clean(&spec(
        "run: job, gcpServiceAccount: w@my-project.iam.gserviceaccount.com, volumes: [{bucket: my-data, path: /d}]",
    ));
}

#[test]
fn a_bucket_behind_network_policies_needs_a_way_out() {
    let w = "run: job, gcpServiceAccount: w@my-project.iam.gserviceaccount.com, volumes: [{bucket: my-data, path: /d}]";
    let closed = spec_with(
        "",
        "machineType: n2-standard-8",
        w,
        "connections:\n  - {from: w, to: {cidr: 10.0.0.0/8}, ports: [5432]}\n",
    );
    has(
        &closed,
        codes::FUSE_EGRESS,
        "workloads[0].volumes[0].bucket",
    );
    let open = spec_with(
        "",
        "machineType: n2-standard-8",
        w,
        "connections:\n  - {from: w, to: internet, ports: [443]}\n",
    );
    clean(&open);
}

#[test]
fn secret_env_is_a_reference_and_the_required_secrets_are_listed() {
    let src = spec(
        "run: job, env: {A: 1, TOKEN: {secret: hf-token, key: token}, B: x, OTHER: {secret: hf-token, key: alt}, C: {secret: db, key: password}, D: {secret: hf-token, key: token}}",
    );
    let m = clean(&src);
    let names: Vec<&str> = m.workloads[0].env.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["A", "TOKEN", "B", "OTHER", "C", "D"],
        "source order"
    );
    let secrets = m.required_secrets();
    assert_eq!(
        secrets,
        [
            crate::model::RequiredSecret {
                namespace: "d".into(),
                name: "db".into(),
                keys: vec!["password".into()]
            },
            crate::model::RequiredSecret {
                namespace: "d".into(),
                name: "hf-token".into(),
                keys: vec!["alt".into(), "token".into()]
            },
        ]
    );
    // In the manifests: secretKeyRef only.
    let c = crate::Compilation::new(m);
    assert_eq!(c.required_secrets(), secrets);
    let job = c
        .objects
        .iter()
        .map(|o| o.to_json())
        .find(|o| o["kind"] == "Job")
        .unwrap_or_default();
    let env = &job["spec"]["template"]["spec"]["containers"][0]["env"];
    let token = env
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["name"] == "TOKEN")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        token,
        serde_json::json!({"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "token"}}})
    );
    let a = env
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["name"] == "A")
        .cloned();
    assert_eq!(a, Some(serde_json::json!({"name": "A", "value": "1"})));
    has(
        &spec("run: job, env: {T: {secret: HF_TOKEN, key: token}}"),
        codes::BAD_SECRET_REF,
        "workloads[0].env.T.secret",
    );
    has(
        &spec("run: job, env: {T: {secret: hf, key: a/b}}"),
        codes::BAD_SECRET_REF,
        "workloads[0].env.T.key",
    );
}

#[test]
fn the_decoder_reads_each_kind_of_volume_and_env_value_precisely() {
    let errs = |w: &str| -> Vec<(&'static str, String)> {
        crate::spec::decode::decode(&spec(w))
            .diagnostics
            .into_iter()
            .map(|d| (d.code, d.path))
            .collect()
    };
    // Each kind is told by its key; mistakes are the kind's own.
    assert_eq!(
        errs("volumes: [{bucket: b, path: /d, readonly: true}]"),
        [(
            codes::UNKNOWN_FIELD,
            "workloads[0].volumes[0].readonly".to_string()
        )]
    );
    let src = spec("volumes: [{bucket: b, path: /d, readonly: true}]");
    let d = crate::spec::decode::decode(&src);
    assert_eq!(
        d.diagnostics[0].help.as_deref(),
        Some("did you mean `readOnly`?")
    );
    assert_eq!(
        errs("volumes: [{scratch: 1Gi}]"),
        [(
            codes::MISSING_FIELD,
            "workloads[0].volumes[0].path".to_string()
        )]
    );
    assert_eq!(
        errs("volumes: [{scratch: 1Gi, path: /s, readOnly: true}]"),
        [(
            codes::UNKNOWN_FIELD,
            "workloads[0].volumes[0].readOnly".to_string()
        )]
    );
    assert_eq!(
        errs("volumes: [{claim: c, path: /c, colour: red}]"),
        [(
            codes::UNKNOWN_FIELD,
            "workloads[0].volumes[0].colour".to_string()
        )]
    );
    assert_eq!(
        errs("env: {T: {secret: s}}"),
        [(codes::MISSING_FIELD, "workloads[0].env.T.key".to_string())]
    );
    assert_eq!(
        errs("env: {T: {secret: s, key: k, value: v}}"),
        [(codes::UNKNOWN_FIELD, "workloads[0].env.T.value".to_string())]
    );
    assert_eq!(
        errs("env: {T: [a]}"),
        [(codes::WRONG_TYPE, "workloads[0].env.T".to_string())]
    );
    let src = spec(
        "volumes: [{bucket: b, path: /d, readOnly: true}, {claim: c, path: /c}, {scratch: 10Gi, path: /s}], env: {N: 4, E: , S: {secret: s, key: k}}",
    );
    let d = crate::spec::decode::decode(&src);
    assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
    let w = &d.spec.workloads[0];
    assert!(matches!(&w.volumes[0], spec::Volume::Bucket(b) if b.read_only == Some(true)));
    assert!(matches!(&w.volumes[1], spec::Volume::Claim(c) if c.claim == "c"));
    assert!(matches!(&w.volumes[2], spec::Volume::Scratch(s) if s.scratch == "10Gi"));
    assert_eq!(w.env[0].1, spec::EnvValue::Text("4".into()));
    assert_eq!(w.env[1].1, spec::EnvValue::Text(String::new()));
    assert!(matches!(&w.env[2].1, spec::EnvValue::Secret(r) if r.secret == "s" && r.key == "k"));
}

#[test]
fn restarts_make_a_jobset_of_jobs_only() {
    let m = clean(&spec("run: job, replicas: 2, restarts: 3"));
    let w = &m.workloads[0];
    assert_eq!(
        (w.kind, w.restarts, w.slices, w.backoff_limit),
        (Kind::JobSet, 3, 1, 0)
    );
    assert!(!w.peers);
    let js = crate::k8s::objects(&m)
        .iter()
        .map(|o| o.to_json())
        .find(|o| o["kind"] == "JobSet")
        .unwrap_or_default();
    assert_eq!(js["spec"]["failurePolicy"]["maxRestarts"], 3);
    // Without peers no pod names (and no Service JobSet would make).
    assert_eq!(
        js["spec"]["network"],
        serde_json::json!({"enableDNSHostnames": false})
    );
    assert_eq!(js["spec"]["replicatedJobs"][0]["replicas"], 1);
    // restarts: 0 is a plain Indexed Job.
    let m = clean(&spec("run: job, replicas: 2, restarts: 0"));
    assert_eq!(m.workloads[0].kind, Kind::Job);
    has(
        &spec("run: service, restarts: 2"),
        codes::RESTARTS_NOT_JOB,
        "workloads[0].restarts",
    );
    has(
        &spec("run: job, restarts: 2, backoffLimit: 1"),
        codes::JOBSET_BACKOFF,
        "workloads[0].backoffLimit",
    );
}

#[test]
fn bucket_names_follow_cloud_storage() {
    for ok in ["my-data", "a_b", "abc", "data.example.com"] {
        assert!(bucket_name(ok).is_ok(), "{ok}");
    }
    for bad in [
        "b2",
        "gs://my-data",
        "my-data/train",
        "My-Data",
        "-data",
        "data-",
        "google-data",
        "a..b",
    ] {
        assert!(bucket_name(bad).is_err(), "{bad}");
    }
    assert!(bucket_name(&"a".repeat(64)).is_err());
    assert!(bucket_name(&"a".repeat(63)).is_ok());
}

#[test]
fn mount_paths_are_absolute_and_normal() {
    for ok in ["/data", "/ckpt/", "/a/b-c"] {
        assert!(mount_path(ok).is_ok(), "{ok}");
    }
    for bad in ["data", "/", "//", "/a/../b", "/a/./b", "/a//b", ""] {
        assert!(mount_path(bad).is_err(), "{bad}");
    }
}

#[test]
fn secret_names_and_keys() {
    assert!(dns1123_subdomain("hf-token"));
    assert!(dns1123_subdomain("a.b"));
    assert!(!dns1123_subdomain("HF_TOKEN"));
    assert!(!dns1123_subdomain(""));
    assert!(secret_key("token"));
    assert!(secret_key("HF_TOKEN.v1"));
    assert!(!secret_key(".."));
    assert!(!secret_key("a/b"));
}

/// The pod template of the workload's object, as JSON.
fn template(src: &str) -> serde_json::Value {
    let m = clean(src);
    let objs: Vec<serde_json::Value> = crate::k8s::objects(&m)
        .iter()
        .map(|o| o.to_json())
        .collect();
    objs.iter()
        .find(|o| ["Job", "Deployment", "StatefulSet"].contains(&o["kind"].as_str().unwrap_or("")))
        .map(|o| o["spec"]["template"].clone())
        .expect("a workload object")
}

const SA: &str = "gcpServiceAccount: w@my-project.iam.gserviceaccount.com";

#[test]
fn a_tuned_bucket_mounts_with_googles_options() {
    // g2-standard-8: one Local SSD, so the cache defaults to it.
    let src = spec_with(
        "",
        "machineType: g2-standard-8",
        &format!("run: job, gpus: 1, {SA}, volumes: [{{bucket: weights, path: /w, readOnly: true, cache: {{size: 200Gi}}, parallelDownloads: true, metadataPrefetch: true}}]"),
        "",
    );
    let m = clean(&src);
    assert_eq!(
        m.pools[0].ephemeral_local_ssds,
        Some(1),
        "cache on the Local SSD"
    );
    let t = template(&src);
    let csi = &t["spec"]["volumes"][1]["csi"];
    assert_eq!(csi["driver"], "gcsfuse.csi.storage.gke.io");
    assert_eq!(csi["volumeAttributes"]["bucketName"], "weights");
    assert_eq!(
        csi["volumeAttributes"]["gcsfuseMetadataPrefetchOnMount"],
        "true"
    );
    let opts: Vec<&str> = csi["volumeAttributes"]["mountOptions"]
        .as_str()
        .expect("mountOptions")
        .split(',')
        .collect();
    assert_eq!(
        opts,
        [
            "implicit-dirs",
            "metadata-cache:ttl-secs:-1",
            "metadata-cache:stat-cache-max-size-mb:-1",
            "metadata-cache:type-cache-max-size-mb:-1",
            "file-system:kernel-list-cache-ttl-secs:-1",
            "file-cache:max-size-mb:204800",
            "file-cache:cache-file-for-range-read:true",
            "file-cache:enable-parallel-downloads:true",
        ]
    );
    let a = &t["metadata"]["annotations"];
    assert_eq!(a["gke-gcsfuse/volumes"], "true");
    for k in [
        "cpu-limit",
        "memory-limit",
        "ephemeral-storage-limit",
        "metadata-prefetch-memory-limit",
    ] {
        assert_eq!(a[format!("gke-gcsfuse/{k}")], "0", "{k}");
    }
    // No custom cache volume on Local SSD, and no fsGroup.
    assert!(t["spec"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["name"] != "gke-gcsfuse-cache"));
    assert!(t["spec"]["securityContext"].get("fsGroup").is_none());

    // A plain bucket keeps today's mount and the sidecar's default limits.
    let plain = template(&spec(&format!(
        "run: job, {SA}, volumes: [{{bucket: data, path: /d}}]"
    )));
    assert_eq!(
        plain["spec"]["volumes"][0]["csi"]["volumeAttributes"]["mountOptions"],
        "implicit-dirs"
    );
    assert!(plain["metadata"]["annotations"]
        .get("gke-gcsfuse/memory-limit")
        .is_none());
    assert!(plain["spec"]["volumes"][0]["csi"]["volumeAttributes"]
        .get("gcsfuseMetadataPrefetchOnMount")
        .is_none());
}

#[test]
fn a_memory_cache_is_the_sidecars_own_volume_and_the_pod_gets_an_fs_group() {
    let src = spec_with(
        "",
        "machineType: ct6e-standard-4t",
        &format!("run: job, tpus: 4, {SA}, volumes: [{{bucket: weights, path: /w, readOnly: true, cache: {{size: 100Gi, medium: memory}}, parallelDownloads: true}}]"),
        "",
    );
    let m = clean(&src);
    assert_eq!(m.pools[0].ephemeral_local_ssds, None);
    let t = template(&src);
    let cache = t["spec"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "gke-gcsfuse-cache")
        .expect("gke-gcsfuse-cache");
    assert_eq!(cache["emptyDir"]["medium"], "Memory");
    assert_eq!(t["spec"]["securityContext"]["fsGroup"], 1000);
    // Not mounted into the main container: the sidecar finds it by name.
    assert!(t["spec"]["containers"][0]["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["name"] != "gke-gcsfuse-cache"));
    // The workload's own group wins.
    let own = spec_with(
        "",
        "machineType: ct6e-standard-4t",
        &format!("run: job, tpus: 4, runAsUser: 1500, runAsGroup: 2000, {SA}, volumes: [{{bucket: weights, path: /w, cache: {{size: 100Gi, medium: memory}}}}]"),
        "",
    );
    assert_eq!(template(&own)["spec"]["securityContext"]["fsGroup"], 2000);
}

#[test]
fn cache_mistakes_are_caught() {
    let v = |pool: &str, w: &str| spec_with("", pool, &format!("run: job, {SA}, {w}"), "");
    // Parallel downloads need the file cache.
    has(
        &v(
            "machineType: n2-standard-8",
            "volumes: [{bucket: b1b, path: /w, parallelDownloads: true}]",
        ),
        codes::FUSE_PARALLEL_NO_CACHE,
        "workloads[0].volumes[0].parallelDownloads",
    );
    // Local SSD on a machine without.
    has(
        &v(
            "machineType: n2-standard-8",
            "volumes: [{bucket: b1b, path: /w, cache: {size: 10Gi, medium: localSsd}}]",
        ),
        codes::FUSE_CACHE_MEDIUM,
        "workloads[0].volumes[0].cache.medium",
    );
    // Larger than the Local SSD (g2-standard-8: one of 375 GiB).
    has(
        &v(
            "machineType: g2-standard-8",
            "gpus: 1, volumes: [{bucket: b1b, path: /w, cache: {size: 400Gi}}]",
        ),
        codes::FUSE_CACHE_TOO_BIG,
        "workloads[0].volumes[0].cache.size",
    );
    // Fits alone, not beside the scratch space.
    has(
        &v("machineType: g2-standard-8", "gpus: 1, volumes: [{scratch: 200Gi, path: /s}, {bucket: b1b, path: /w, cache: {size: 200Gi}}]"),
        codes::FUSE_CACHE_TOO_BIG,
        "workloads[0].volumes[1].cache.size",
    );
    // Larger than the node's memory (n2-standard-8: 32 GiB), or than what
    // the pod's own memory leaves.
    has(
        &v(
            "machineType: n2-standard-8",
            "volumes: [{bucket: b1b, path: /w, cache: {size: 40Gi, medium: memory}}]",
        ),
        codes::FUSE_CACHE_TOO_BIG,
        "workloads[0].volumes[0].cache.size",
    );
    has(
        &v("machineType: n2-standard-8", "resources: {memory: 24Gi}, volumes: [{bucket: b1b, path: /w, cache: {size: 10Gi, medium: memory}}]"),
        codes::FUSE_CACHE_TOO_BIG,
        "workloads[0].volumes[0].cache.size",
    );
    assert!(!codes(&v("machineType: n2-standard-8", "resources: {memory: 16Gi}, volumes: [{bucket: b1b, path: /w, readOnly: true, cache: {size: 10Gi, medium: memory}}]"))
        .iter()
        .any(|(_, _, s)| *s == Severity::Error));
    // The boot disk: larger than it, and a warning when it fits.
    has(
        &v(
            "machineType: n2-standard-8",
            "volumes: [{bucket: b1b, path: /w, cache: {size: 150Gi}}]",
        ),
        codes::FUSE_CACHE_TOO_BIG,
        "workloads[0].volumes[0].cache.size",
    );
    let boot = codes(&v(
        "machineType: n2-standard-8",
        "volumes: [{bucket: b1b, path: /w, readOnly: true, cache: {size: 50Gi}}]",
    ));
    assert_eq!(
        boot,
        [(
            codes::FUSE_CACHE_BOOT_DISK.to_string(),
            "workloads[0].volumes[0].cache".to_string(),
            Severity::Warning
        )]
    );
    // Two media in one pod.
    has(
        &v("machineType: g2-standard-8", "gpus: 1, volumes: [{bucket: b1b, path: /w, cache: {size: 10Gi}}, {bucket: b2b, path: /x, cache: {size: 10Gi, medium: memory}}]"),
        codes::FUSE_CACHE_MEDIUM,
        "workloads[0].volumes[1].cache.medium",
    );
    // Sizes.
    for bad in ["lots", "0", "512Ki"] {
        has(
            &v(
                "machineType: n2-standard-8",
                &format!("volumes: [{{bucket: b1b, path: /w, cache: {{size: {bad}}}}}]"),
            ),
            codes::BAD_QUANTITY,
            "workloads[0].volumes[0].cache.size",
        );
    }
    // Metadata prefetch on a writable mount.
    has(
        &v(
            "machineType: n2-standard-8",
            "volumes: [{bucket: b1b, path: /w, metadataPrefetch: true}]",
        ),
        codes::FUSE_PREFETCH_WRITABLE,
        "workloads[0].volumes[0].metadataPrefetch",
    );
    // Unknown fields and media are the decoder's.
    has(
        &v(
            "machineType: n2-standard-8",
            "volumes: [{bucket: b1b, path: /w, cache: {size: 1Gi, medium: ssd}}]",
        ),
        codes::BAD_VALUE,
        "workloads[0].volumes[0].cache.medium",
    );
}

#[test]
fn options_need_a_gke_version_that_has_them() {
    let src = |version: &str| {
        spec_with(
            &format!("  version: \"{version}\"\n"),
            "machineType: n2-standard-8",
            &format!("run: job, {SA}, volumes: [{{bucket: b1b, path: /w, readOnly: true, metadataPrefetch: true}}]"),
            "",
        )
    };
    for old in ["1.31", "1.32.1-gke.1200000", "1.32.0"] {
        has(
            &src(old),
            codes::FUSE_VERSION,
            "workloads[0].volumes[0].metadataPrefetch",
        );
    }
    for new in ["1.32", "1.32.1-gke.1357001", "1.33.2-gke.1000"] {
        assert!(codes(&src(new)).is_empty(), "{new}: {:?}", codes(&src(new)));
    }
    let sbd = |version: &str| {
        spec_with(
            &format!("  version: \"{version}\"\n"),
            "machineType: n2-standard-8, secondaryBootDisk: cache",
            "run: job",
            "",
        )
    };
    has(
        &sbd("1.28.2"),
        codes::SECONDARY_BOOT_DISK,
        "cluster.nodePools[0].secondaryBootDisk",
    );
    assert!(codes(&sbd("1.28.3-gke.1067000")).is_empty());
}

#[test]
fn a_memory_cache_counts_against_the_nodes_memory() {
    // n2-standard-8: 32 GiB. 8 GiB of requests fit; with a 30 GiB file cache
    // in memory (and the FUSE sidecar's 256 MiB) one pod no longer does.
    let with = |cache: &str| {
        spec(&format!(
            "run: service, replicas: 2, resources: {{cpu: '1', memory: 8Gi}}, {SA}, volumes: [{{bucket: weights, path: /w, readOnly: true{cache}}}]"
        ))
    };
    let fits = with("");
    clean(&fits);
    let on_disk = with(", cache: {size: 30Gi}");
    let c = codes(&on_disk);
    assert!(
        !c.iter().any(|(k, _, _)| k == codes::POOL_CAPACITY),
        "a cache on disk takes no memory: {c:?}"
    );
    let in_memory = with(", cache: {size: 30Gi, medium: memory}");
    let a = crate::analyze(&in_memory);
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == codes::POOL_CAPACITY)
        .unwrap_or_else(|| panic!("no diagnostic counts the cache: {:#?}", a.diagnostics));
    // 2 x (8 GiB + 30 GiB + 256 MiB), 60 GiB of it the caches and sidecars.
    assert!(
        d.message
            .contains("take 77 GiB of memory in all (60 GiB of it Cloud Storage FUSE"),
        "{}",
        d.message
    );
    assert_eq!(d.severity, Severity::Warning);
}

/// The capacity checks count what a pod takes from its node, not only its
/// requests: the FUSE sidecar's requests and a file cache kept in memory.
/// Four 12Gi pods fit two n2-standard-8 nodes (32 GiB each) two to a node;
/// with a 6Gi memory cache each (18.25 GiB with the sidecar) only one does.
#[test]
fn a_memory_cache_counts_against_the_pools_memory() {
    let wl = |cache: &str| {
        spec_with(
            "",
            "machineType: n2-standard-8, nodes: 2",
            &format!("run: service, ports: [{{name: http, port: 8000}}], resources: {{cpu: '1', memory: 12Gi}}, autoscale: {{min: 4, max: 4, cpu: 50}}, {SA}, volumes: [{{bucket: weights, path: /w, readOnly: true{cache}}}]"),
            "",
        )
    };
    let codes_of = |src: &str| {
        crate::analyze(src)
            .diagnostics
            .into_iter()
            .map(|d| (d.code, d.path, d.message))
            .collect::<Vec<_>>()
    };
    // No cache (or one on the boot disk): fits.
    for cache in ["", ", cache: {size: 6Gi, medium: bootDisk}"] {
        let d = codes_of(&wl(cache));
        assert!(
            d.iter()
                .all(|(c, _, _)| c != codes::POOL_CAPACITY && c != codes::AUTOSCALE_CAPACITY),
            "{cache}: {d:#?}"
        );
    }
    let d = codes_of(&wl(", cache: {size: 6Gi, medium: memory}"));
    let pool = d
        .iter()
        .find(|(c, _, _)| c == codes::POOL_CAPACITY)
        .unwrap_or_else(|| panic!("no {}: {d:#?}", codes::POOL_CAPACITY));
    assert_eq!(pool.1, "workloads[0].replicas");
    // 4 x (12 + 6 + 0.25) GiB = 73 GiB against 2 x 32 GiB.
    assert!(
        pool.2.contains("73 GiB") && pool.2.contains("64 GiB"),
        "{}",
        pool.2
    );
    let scale = d
        .iter()
        .find(|(c, _, _)| c == codes::AUTOSCALE_CAPACITY)
        .unwrap_or_else(|| panic!("no {}: {d:#?}", codes::AUTOSCALE_CAPACITY));
    assert_eq!(scale.1, "workloads[0].autoscale.max");
    assert!(
        scale.2.contains("need 4 nodes") && scale.2.contains("6400 MiB for Cloud Storage FUSE"),
        "{}",
        scale.2
    );
}

#[test]
fn huge_requests_saturate_instead_of_overflowing() {
    // Found by the compile fuzzer: replicas x a memory request near u64::MAX
    // overflowed the pool's memory sum.
    let src = spec(&format!(
        "run: service, replicas: 2, resources: {{cpu: '6', memory: 2477777777777777777777Gi}}, {SA}, volumes: [{{bucket: weights, path: /w, cache: {{size: 9999999999999Gi, medium: memory}}}}]"
    ));
    let c = codes(&src);
    assert!(c.iter().any(|(_, _, s)| *s == Severity::Error), "{c:?}");
}
