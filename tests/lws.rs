//! LeaderWorkerSets against LWS's own CRD (shared/crds/, v0.10.0): every
//! LeaderWorkerSet an example makes validates against the CRD's
//! `openAPIV3Schema` with every object closed (an unknown field is an
//! error, as the API server would prune it), and the leader and worker pod
//! templates pass `kubernetes-validate --strict` as the StatefulSets LWS
//! makes of them. Skipped without shared/ (`$PODWIRE_SHARED` names it from
//! a worktree) or the tool.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn crd_schema() -> Option<Value> {
    let shared = support::shared_dir()?;
    let text =
        std::fs::read_to_string(shared.join("crds/leaderworkerset.x-k8s.io_leaderworkersets.yaml"))
            .ok()?;
    let crd = support::yaml::document(&text).expect("the CRD parses");
    let version = crd["spec"]["versions"]
        .as_array()?
        .iter()
        .find(|v| v["name"] == "v1")?
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

/// Every example's LeaderWorkerSets, by example name.
fn sets() -> Vec<(String, Value)> {
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
            if d["kind"] == "LeaderWorkerSet" {
                let name = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
                out.push((name.to_string(), d));
            }
        }
    }
    out
}

#[test]
fn the_multihost_example_makes_a_leader_worker_set() {
    let names: Vec<String> = sets().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["llama-405b-multihost"]);
}

#[test]
fn leader_worker_sets_validate_against_the_crd_and_the_check_can_fail() {
    let Some(schema) = crd_schema() else {
        eprintln!("skipping: shared/crds not present");
        return;
    };
    for (name, set) in sets() {
        let e = errors(&schema, &set);
        assert!(e.is_empty(), "{name}: {e:#?}");
        let mut unknown = set.clone();
        unknown["spec"]["leaderWorkerTemplate"]["groupSize"] = 2.into();
        assert!(!errors(&schema, &unknown).is_empty(), "an unknown field");
        let mut policy = set.clone();
        policy["spec"]["networkConfig"]["subdomainPolicy"] = "PerGroup".into();
        assert!(
            !errors(&schema, &policy).is_empty(),
            "an unknown enum value"
        );
        let mut missing = set;
        missing["spec"]["leaderWorkerTemplate"]
            .as_object_mut()
            .map(|o| o.remove("workerTemplate"));
        assert!(!errors(&schema, &missing).is_empty(), "no worker template");
    }
}

#[test]
fn the_pod_templates_pass_kubernetes_validate_strict() {
    if !support::require_tool("kubernetes-validate") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("podwire-lws-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    for (name, set) in sets() {
        let lws = set["metadata"]["name"].as_str().unwrap_or_default();
        for role in ["leaderTemplate", "workerTemplate"] {
            let template = &set["spec"]["leaderWorkerTemplate"][role];
            let sts = serde_json::json!({
                "apiVersion": "apps/v1",
                "kind": "StatefulSet",
                "metadata": {"name": format!("{lws}-0"), "namespace": set["metadata"]["namespace"]},
                "spec": {
                    "replicas": 1,
                    "serviceName": format!("{lws}-0"),
                    "selector": {"matchLabels": template["metadata"]["labels"]},
                    "template": template,
                },
            });
            let f = dir.join(format!("{name}-{role}.json"));
            std::fs::write(&f, sts.to_string()).expect("write");
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
                "{name} {role}: {out}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
