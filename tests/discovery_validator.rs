//! The GKE discovery-schema validator in `tests/support` must be able to fail:
//! these tests feed it bodies with known mistakes and check it reports each one
//! at the right path, and that a correct body passes clean.
//!
//! Without a discovery document (no ../shared, no pip google-api-python-client)
//! the tests skip; under CI (`CI` set) that is a failure.

mod support;

use serde_json::{json, Value};
use std::process::Command;

const SCHEMA: &str = "CreateClusterRequest";

fn doc() -> Option<Value> {
    let d = support::discovery_doc();
    if d.is_none() {
        assert!(
            !support::in_ci(),
            "CI must provide the GKE discovery document: pip install {}",
            support::DISCOVERY_PIP_PACKAGE
        );
        eprintln!(
            "skipping: no GKE discovery document (set PODWIRE_GKE_DISCOVERY or pip install {})",
            support::DISCOVERY_PIP_PACKAGE
        );
    }
    d
}

/// A small, correct CreateClusterRequest: one GPU pool, int64 as strings.
fn valid_body() -> Value {
    json!({
        "cluster": {
            "name": "c1",
            "resourceLabels": {"team": "ml"},
            "releaseChannel": {"channel": "REGULAR"},
            "networkConfig": {"datapathProvider": "ADVANCED_DATAPATH"},
            "ipAllocationPolicy": {"useIpAliases": true},
            "nodePools": [{
                "name": "gpu",
                "initialNodeCount": 2,
                "maxPodsConstraint": {"maxPodsPerNode": "32"},
                "placementPolicy": {"type": "COMPACT"},
                "config": {
                    "machineType": "a3-highgpu-8g",
                    "diskSizeGb": 200,
                    "oauthScopes": ["https://www.googleapis.com/auth/cloud-platform"],
                    "labels": {"team": "ml"},
                    "accelerators": [{
                        "acceleratorType": "nvidia-h100-80gb",
                        "acceleratorCount": "8",
                        "gpuDriverInstallationConfig": {"gpuDriverVersion": "LATEST"}
                    }]
                }
            }]
        }
    })
}

fn check(doc: &Value, body: &Value) -> (Vec<String>, Vec<String>) {
    support::check_gke_body(doc, SCHEMA, body)
}

/// Exactly one error, at `path`, mentioning `word`.
fn assert_one_error(doc: &Value, body: &Value, path: &str, word: &str) {
    let (errors, _) = check(doc, body);
    assert_eq!(
        errors.len(),
        1,
        "expected one error at {path}, got {errors:#?}"
    );
    assert!(
        errors[0].starts_with(&format!("{path}: ")),
        "wrong path: {errors:#?}"
    );
    assert!(errors[0].contains(word), "expected {word:?} in {errors:#?}");
}

const ACCEL: &str = "cluster.nodePools[0].config.accelerators[0]";

#[test]
fn valid_body_passes_clean() {
    let Some(doc) = doc() else { return };
    let (errors, warnings) = check(&doc, &valid_body());
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(warnings.is_empty(), "{warnings:#?}");
}

#[test]
fn unknown_field_is_an_error() {
    let Some(doc) = doc() else { return };
    let mut b = valid_body();
    b["cluster"]["nodePools"][0]["config"]["machineTyp"] = json!("a3-highgpu-8g");
    assert_one_error(
        &doc,
        &b,
        "cluster.nodePools[0].config.machineTyp",
        "unknown field in NodeConfig",
    );
    let mut b = valid_body();
    b["clusterr"] = json!({});
    assert_one_error(
        &doc,
        &b,
        "clusterr",
        "unknown field in CreateClusterRequest",
    );
}

#[test]
fn int64_as_a_json_number_is_an_error() {
    let Some(doc) = doc() else { return };
    let mut b = valid_body();
    b["cluster"]["nodePools"][0]["config"]["accelerators"][0]["acceleratorCount"] = json!(8);
    assert_one_error(
        &doc,
        &b,
        &format!("{ACCEL}.acceleratorCount"),
        "expected JSON string (format int64), got 8",
    );
    let mut b = valid_body();
    b["cluster"]["nodePools"][0]["maxPodsConstraint"]["maxPodsPerNode"] = json!(32);
    assert_one_error(
        &doc,
        &b,
        "cluster.nodePools[0].maxPodsConstraint.maxPodsPerNode",
        "int64",
    );
}

#[test]
fn int64_string_must_hold_an_integer() {
    let Some(doc) = doc() else { return };
    for bad in ["eight", "8.0", "", " 8", "1e3", "99999999999999999999"] {
        let mut b = valid_body();
        b["cluster"]["nodePools"][0]["config"]["accelerators"][0]["acceleratorCount"] = json!(bad);
        assert_one_error(
            &doc,
            &b,
            &format!("{ACCEL}.acceleratorCount"),
            "int64 string not an integer",
        );
    }
    let mut b = valid_body();
    b["cluster"]["nodePools"][0]["config"]["accelerators"][0]["acceleratorCount"] = json!("-1");
    assert!(
        check(&doc, &b).0.is_empty(),
        "a negative int64 is well-typed"
    );
}

#[test]
fn int32_as_a_json_string_is_an_error() {
    let Some(doc) = doc() else { return };
    let mut b = valid_body();
    b["cluster"]["nodePools"][0]["initialNodeCount"] = json!("2");
    assert_one_error(
        &doc,
        &b,
        "cluster.nodePools[0].initialNodeCount",
        "expected JSON integer (int32)",
    );
    for bad in [json!(2.5), json!(true), json!(4_294_967_296_u64)] {
        let mut b = valid_body();
        b["cluster"]["nodePools"][0]["config"]["diskSizeGb"] = bad;
        assert_one_error(
            &doc,
            &b,
            "cluster.nodePools[0].config.diskSizeGb",
            "expected JSON integer",
        );
    }
}

#[test]
fn bad_enum_value_is_an_error() {
    let Some(doc) = doc() else { return };
    let mut b = valid_body();
    b["cluster"]["nodePools"][0]["config"]["accelerators"][0]["gpuDriverInstallationConfig"]
        ["gpuDriverVersion"] = json!("NEWEST");
    assert_one_error(
        &doc,
        &b,
        &format!("{ACCEL}.gpuDriverInstallationConfig.gpuDriverVersion"),
        "\"NEWEST\" not in enum",
    );
    let mut b = valid_body();
    b["cluster"]["releaseChannel"]["channel"] = json!("regular");
    assert_one_error(&doc, &b, "cluster.releaseChannel.channel", "not in enum");
}

#[test]
fn wrong_json_types_are_errors() {
    let Some(doc) = doc() else { return };
    let mut b = valid_body();
    b["cluster"]["ipAllocationPolicy"]["useIpAliases"] = json!("true");
    assert_one_error(
        &doc,
        &b,
        "cluster.ipAllocationPolicy.useIpAliases",
        "expected JSON boolean",
    );
    let mut b = valid_body();
    b["cluster"]["nodePools"][0]["config"]["oauthScopes"] =
        json!("https://www.googleapis.com/auth/cloud-platform");
    assert_one_error(
        &doc,
        &b,
        "cluster.nodePools[0].config.oauthScopes",
        "expected array",
    );
    let mut b = valid_body();
    b["cluster"]["nodePools"][0]["config"]["oauthScopes"] = json!([1]);
    assert_one_error(
        &doc,
        &b,
        "cluster.nodePools[0].config.oauthScopes[0]",
        "expected JSON string",
    );
    let mut b = valid_body();
    b["cluster"]["nodePools"][0]["config"]["accelerators"] = json!({"acceleratorCount": "8"});
    assert_one_error(
        &doc,
        &b,
        "cluster.nodePools[0].config.accelerators",
        "expected array",
    );
    let mut b = valid_body();
    b["cluster"]["nodePools"][0]["config"]["accelerators"][0] = json!("nvidia-h100-80gb");
    assert_one_error(&doc, &b, ACCEL, "expected object (AcceleratorConfig)");
    let mut b = valid_body();
    b["cluster"]["networkConfig"] = json!(null);
    assert_one_error(
        &doc,
        &b,
        "cluster.networkConfig",
        "expected object (NetworkConfig)",
    );
    assert_one_error(
        &doc,
        &json!([]),
        "$",
        "expected object (CreateClusterRequest)",
    );
}

#[test]
fn map_values_are_checked() {
    let Some(doc) = doc() else { return };
    let mut b = valid_body();
    b["cluster"]["resourceLabels"] = json!({"team": "ml", "size": 3});
    assert_one_error(
        &doc,
        &b,
        "cluster.resourceLabels['size']",
        "expected JSON string",
    );
    let mut b = valid_body();
    b["cluster"]["resourceLabels"] = json!(["team=ml"]);
    assert_one_error(&doc, &b, "cluster.resourceLabels", "expected object/map");
}

#[test]
fn every_mistake_is_reported_at_once() {
    let Some(doc) = doc() else { return };
    let mut b = valid_body();
    let a = &mut b["cluster"]["nodePools"][0]["config"]["accelerators"][0];
    a["acceleratorCount"] = json!(8);
    a["gpuDriverInstallationConfig"]["gpuDriverVersion"] = json!("NEWEST");
    a["count"] = json!("8");
    let (errors, _) = check(&doc, &b);
    assert_eq!(errors.len(), 3, "{errors:#?}");
}

#[test]
fn deprecated_and_output_only_fields_warn() {
    let Some(doc) = doc() else { return };
    let mut b = valid_body();
    b["cluster"]["initialNodeCount"] = json!(3); // deprecated: use nodePools
    b["cluster"]["nodeConfig"] = json!({"machineType": "e2-medium"}); // deprecated
    b["cluster"]["status"] = json!("RUNNING"); // output only
    b["cluster"]["selfLink"] = json!("https://example.invalid/c1"); // output only
    let (errors, warnings) = check(&doc, &b);
    assert!(errors.is_empty(), "warnings only: {errors:#?}");
    for (path, word) in [
        ("cluster.initialNodeCount", "deprecated field"),
        ("cluster.nodeConfig", "deprecated field"),
        ("cluster.status", "readOnly"),
        ("cluster.selfLink", "readOnly"),
    ] {
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with(&format!("{path}: ")) && w.contains(word)),
            "{path}: {warnings:#?}"
        );
    }
    assert_eq!(warnings.len(), 4, "{warnings:#?}");
}

#[test]
fn deprecated_enum_value_warns() {
    let Some(doc) = doc() else { return };
    let mut b = valid_body();
    b["cluster"]["releaseChannel"]["channel"] = json!("UNSPECIFIED");
    let (errors, warnings) = check(&doc, &b);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(
        warnings,
        vec![
            "cluster.releaseChannel.channel: enum value \"UNSPECIFIED\" is deprecated".to_string()
        ]
    );
}

#[test]
fn unknown_top_level_schema_is_an_error() {
    let Some(doc) = doc() else { return };
    let (errors, _) = support::check_gke_body(&doc, "NoSuchRequest", &json!({}));
    assert_eq!(errors.len(), 1, "{errors:#?}");
}

/// Where ../shared has the Python checker, it and the Rust port must agree on
/// which bodies have errors, and how many.
#[test]
fn agrees_with_the_python_checker() {
    let Some(doc) = doc() else { return };
    let Some(shared) = support::shared_dir() else {
        eprintln!("skipping: ../shared not present");
        return;
    };
    let tool = shared.join("tools/check-gke-body");
    let disc = shared.join("gke/container-v1-discovery.json");
    let mut bodies = vec![valid_body()];
    for (ptr, v) in [
        ("/cluster/nodePools/0/config/machineTyp", json!("x")),
        ("/cluster/nodePools/0/config/accelerators/0/acceleratorCount", json!(8)),
        ("/cluster/nodePools/0/config/accelerators/0/acceleratorCount", json!("eight")),
        ("/cluster/nodePools/0/config/accelerators/0/gpuDriverInstallationConfig/gpuDriverVersion", json!("NEWEST")),
        ("/cluster/nodePools/0/initialNodeCount", json!("2")),
        ("/cluster/resourceLabels/size", json!(3)),
        ("/cluster/ipAllocationPolicy/useIpAliases", json!("true")),
        ("/cluster/status", json!("RUNNING")),
    ] {
        let mut b = valid_body();
        let (parent, key) = ptr.rsplit_once('/').expect("pointer");
        b.pointer_mut(parent).expect("parent exists")[key] = v;
        bodies.push(b);
    }
    let dir = std::env::temp_dir().join(format!("podwire-validator-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    for (i, b) in bodies.iter().enumerate() {
        let f = dir.join(format!("body{i}.json"));
        std::fs::write(&f, b.to_string()).expect("write");
        let o = Command::new("python3")
            .arg(&tool)
            .arg(&disc)
            .arg(SCHEMA)
            .arg(&f)
            .output()
            .expect("python3 runs");
        let out = String::from_utf8_lossy(&o.stdout);
        let python_errors = out
            .lines()
            .filter(|l| l.trim_start().starts_with("ERROR "))
            .count();
        let (errors, _) = check(&doc, b);
        assert_eq!(
            errors.len(),
            python_errors,
            "body {i}: Rust {errors:#?} vs Python:\n{out}"
        );
        assert_eq!(o.status.success(), errors.is_empty(), "body {i}:\n{out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The pinned pip package must ship the same document as ../shared, so CI
/// (which may only have the pip copy) checks against the same schema.
#[test]
fn pip_copy_matches_the_shared_copy() {
    let Some(shared) = support::shared_dir() else {
        eprintln!("skipping: ../shared not present");
        return;
    };
    let Some(pip) = support::pip_discovery_path() else {
        assert!(
            !support::in_ci(),
            "CI must install {}",
            support::DISCOVERY_PIP_PACKAGE
        );
        eprintln!(
            "skipping: pip {} not installed",
            support::DISCOVERY_PIP_PACKAGE
        );
        return;
    };
    let a = support::load_discovery(&shared.join("gke/container-v1-discovery.json"));
    let b = support::load_discovery(&pip);
    assert_eq!(
        a["revision"],
        b["revision"],
        "revision differs: {}",
        pip.display()
    );
    assert!(a == b, "{} differs from the shared copy", pip.display());
}

#[test]
fn require_tool_finds_tools_on_path() {
    assert!(support::find_tool("sh").is_some());
    assert!(support::find_tool("/bin/sh").is_some());
    assert!(support::find_tool("podwire-no-such-tool-here").is_none());
    if !support::in_ci() {
        assert!(!support::require_tool("podwire-no-such-tool-here"));
    }
}
