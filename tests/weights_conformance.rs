//! Conformance of the pool settings for large images and model weights:
//! - a pool with `secondaryBootDisk` equals, field for field, what gcloud
//!   528 sends for `node-pools create --secondary-boot-disk=disk-image=...,
//!   mode=CONTAINER_IMAGE_CACHE --enable-image-streaming`
//!   (`shared/tools/gcloud-oracle`). gcloud's `clusters create` takes no
//!   `--secondary-boot-disk` (GA or beta): the setting is the pool's alone,
//!   and nothing at the cluster level goes with it;
//! - the cluster bodies pass Google's discovery document (the independent
//!   validator in tests/support, and `shared/tools/check-gke-body`).
//!
//! Skipped without `../shared` (or `$PODWIRE_SHARED`) and gcloud; CI has both.

mod support;

use serde_json::Value;
use std::process::Command;

const SPEC: &str = "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: l4}\ngcp: {project: my-project, location: us-central1-a}\ncluster:\n  nodePools:\n    - {name: l4, machineType: g2-standard-8, nodes: 1, secondaryBootDisk: vllm-cache}\nworkloads:\n  - {name: server, image: vllm/vllm-openai:v0.6.0, gpus: 1, ports: [{name: http, port: 8000}]}\n";

fn body(src: &str) -> Value {
    let c = podwire::compile(src, &podwire::Options::default());
    assert!(c.ok, "{:#?}", c.diagnostics);
    let text = c
        .files
        .iter()
        .find(|f| f.path == podwire::GKE_FILE)
        .map(|f| f.content.as_str())
        .expect("cluster.json");
    serde_json::from_str(text).expect("json")
}

#[test]
fn a_secondary_boot_disk_pool_equals_gclouds() {
    let ours = body(SPEC);
    let pool = &ours["cluster"]["nodePools"][0];
    assert_eq!(
        pool["config"]["secondaryBootDisks"],
        serde_json::json!([{"diskImage": "global/images/vllm-cache", "mode": "CONTAINER_IMAGE_CACHE"}])
    );
    assert_eq!(pool["config"]["gcfsConfig"]["enabled"], true);
    // Nothing at the cluster level: no node pool defaults.
    assert!(ours["cluster"].get("nodePoolDefaults").is_none());
    let Some(theirs) = support::gcloud_oracle(&[
        "node-pools",
        "create",
        "l4",
        "--cluster",
        "l4",
        "--zone",
        "us-central1-a",
        "--machine-type",
        "g2-standard-8",
        "--accelerator",
        "type=nvidia-l4,count=1,gpu-driver-version=default",
        "--num-nodes",
        "1",
        "--enable-image-streaming",
        "--secondary-boot-disk=disk-image=global/images/vllm-cache,mode=CONTAINER_IMAGE_CACHE",
    ]) else {
        eprintln!("skipping: gcloud oracle not available");
        return;
    };
    assert_eq!(*pool, theirs["nodePool"]);
}

#[test]
fn an_image_of_another_project_is_sent_as_written() {
    let src = SPEC.replace(
        "secondaryBootDisk: vllm-cache",
        "secondaryBootDisk: projects/images-prj/global/images/vllm-cache",
    );
    let ours = body(&src);
    let pool = &ours["cluster"]["nodePools"][0];
    let Some(theirs) = support::gcloud_oracle(&[
        "node-pools",
        "create",
        "l4",
        "--cluster",
        "l4",
        "--zone",
        "us-central1-a",
        "--machine-type",
        "g2-standard-8",
        "--accelerator",
        "type=nvidia-l4,count=1,gpu-driver-version=default",
        "--num-nodes",
        "1",
        "--enable-image-streaming",
        "--secondary-boot-disk=disk-image=projects/images-prj/global/images/vllm-cache,mode=CONTAINER_IMAGE_CACHE",
    ]) else {
        eprintln!("skipping: gcloud oracle not available");
        return;
    };
    assert_eq!(
        pool["config"]["secondaryBootDisks"],
        theirs["nodePool"]["config"]["secondaryBootDisks"]
    );
    assert_eq!(*pool, theirs["nodePool"]);
}

#[test]
fn secondary_boot_disk_bodies_pass_googles_checker() {
    let bodies = [
        ("sbd", body(SPEC)),
        (
            "llama-405b",
            body(include_str!("../examples/llama-405b-multihost.yaml")),
        ),
    ];
    assert!(
        bodies[1].1["cluster"]["nodePools"][0]["config"]
            .get("secondaryBootDisks")
            .is_some(),
        "the multi-host example caches its image"
    );
    if let Some(doc) = support::discovery_doc() {
        for (name, b) in &bodies {
            let (errors, warnings) = support::check_gke_body(&doc, "CreateClusterRequest", b);
            assert!(errors.is_empty(), "{name}: {errors:#?}");
            assert!(warnings.is_empty(), "{name}: {warnings:#?}");
        }
        // The check can fail: an unknown mode.
        let mut bad = bodies[0].1.clone();
        bad["cluster"]["nodePools"][0]["config"]["secondaryBootDisks"][0]["mode"] =
            "IMAGE_CACHE".into();
        let (errors, _) = support::check_gke_body(&doc, "CreateClusterRequest", &bad);
        assert_eq!(errors.len(), 1, "{errors:#?}");
    }
    let Some(shared) = support::shared_dir() else {
        eprintln!("skipping: ../shared not present (set PODWIRE_SHARED)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("podwire-weights-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    for (name, b) in &bodies {
        let f = dir.join(format!("{name}.json"));
        std::fs::write(&f, b.to_string()).expect("write");
        let o = Command::new("python3")
            .arg(shared.join("tools/check-gke-body"))
            .arg(shared.join("gke/container-v1-discovery.json"))
            .arg("CreateClusterRequest")
            .arg(&f)
            .output()
            .expect("python3 runs");
        assert!(
            o.status.success(),
            "{name}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
