//! JobSets against JobSet's own CRD (shared/crds/, v0.12.0): every JobSet
//! an example makes validates against the CRD's `openAPIV3Schema` with
//! every object closed (an unknown field is an error, as the API server
//! would prune it), and the Job each replicated Job runs passes
//! `kubernetes-validate --strict` as a batch/v1 Job. Skipped without
//! shared/ (`$PODWIRE_SHARED` names it from a worktree), except that the
//! validator is shown to fail on a broken JobSet wherever the CRD is.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn crd_schema() -> Option<Value> {
    let shared = support::shared_dir()?;
    let text = std::fs::read_to_string(shared.join("crds/jobset.x-k8s.io_jobsets.yaml")).ok()?;
    let crd = support::yaml::document(&text).expect("the CRD parses");
    let version = crd["spec"]["versions"]
        .as_array()?
        .iter()
        .find(|v| v["name"] == "v1alpha2")?
        .clone();
    let mut schema = version["schema"]["openAPIV3Schema"].clone();
    close(&mut schema);
    Some(schema)
}

/// Every object schema that lists its properties (and does not keep
/// unknown fields) refuses others.
fn close(s: &mut Value) {
    match s {
        Value::Object(o) => {
            let closes = o.get("type").and_then(Value::as_str) == Some("object")
                && o.contains_key("properties")
                && !o.contains_key("additionalProperties")
                && o.get("x-kubernetes-preserve-unknown-fields") != Some(&Value::Bool(true));
            if closes {
                o.insert("additionalProperties".into(), Value::Bool(false));
            }
            for v in o.values_mut() {
                close(v);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(close),
        _ => {}
    }
}

fn errors(schema: &Value, doc: &Value) -> Vec<String> {
    let v = jsonschema::validator_for(schema).expect("the CRD schema compiles");
    v.iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Every example's JobSets, by example name.
fn jobsets() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut out = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    for p in paths {
        let src = std::fs::read_to_string(&p).expect("read");
        let c = podwire::compile(&src, &podwire::Options::default());
        assert!(c.ok, "{}: {:#?}", p.display(), c.diagnostics);
        let manifests = c
            .files
            .iter()
            .find(|f| f.path == podwire::MANIFESTS_FILE)
            .map(|f| f.content.clone())
            .unwrap_or_default();
        for d in support::yaml::documents(&manifests).expect("manifests parse") {
            if d["kind"] == "JobSet" {
                let name = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
                out.push((name.to_string(), d));
            }
        }
    }
    out
}

#[test]
fn examples_make_jobsets() {
    let names: Vec<String> = jobsets().into_iter().map(|(n, _)| n).collect();
    for want in ["pytorch-restarts-data", "v5e-multislice-jax"] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} makes a JobSet: {names:?}"
        );
    }
}

#[test]
fn jobsets_validate_against_the_crd() {
    let Some(schema) = crd_schema() else {
        eprintln!("skipping: shared/crds not present");
        return;
    };
    for (name, js) in jobsets() {
        let e = errors(&schema, &js);
        assert!(e.is_empty(), "{name}: {e:#?}");
    }
}

#[test]
fn the_crd_check_can_fail() {
    let Some(schema) = crd_schema() else {
        eprintln!("skipping: shared/crds not present");
        return;
    };
    let Some((_, good)) = jobsets().into_iter().next() else {
        panic!("no JobSet among the examples");
    };
    assert!(errors(&schema, &good).is_empty());
    let mut unknown = good.clone();
    unknown["spec"]["replicatedJobs"][0]["replica"] = 2.into();
    assert!(!errors(&schema, &unknown).is_empty(), "an unknown field");
    let mut wrong = good.clone();
    wrong["spec"]["failurePolicy"] = serde_json::json!({"maxRestarts": "3"});
    assert!(
        !errors(&schema, &wrong).is_empty(),
        "a string for an integer"
    );
    let mut missing = good;
    missing["spec"]["replicatedJobs"][0]
        .as_object_mut()
        .map(|o| o.remove("template"));
    assert!(!errors(&schema, &missing).is_empty(), "a missing template");
}

#[test]
fn the_jobs_inside_pass_kubernetes_validate_strict() {
    if !support::require_tool("kubernetes-validate") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("podwire-jobset-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    for (name, js) in jobsets() {
        for rj in js["spec"]["replicatedJobs"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let job = serde_json::json!({
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": {
                    "name": format!("{}-{}-0", js["metadata"]["name"].as_str().unwrap_or_default(), rj["name"].as_str().unwrap_or_default()),
                    "namespace": js["metadata"]["namespace"],
                },
                "spec": rj["template"]["spec"],
            });
            let f = dir.join(format!("{name}.json"));
            std::fs::write(&f, job.to_string()).expect("write");
            let o = Command::new("kubernetes-validate")
                .arg("--strict")
                .arg(&f)
                .output()
                .expect("runs");
            let out = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(
                o.status.success() && out.contains("passed for resource"),
                "{name}: {out}"
            );
        }
    }
}
