//! Pod Security "restricted": every pod template an example makes (a Job's,
//! a StatefulSet's, a Deployment's, the Job inside a JobSet) follows the
//! restricted profile's rules as Kubernetes' Pod Security Standards list
//! them, checked here independently of the generator; the namespace
//! enforces the profile.

mod support;

use serde_json::Value;
use std::path::Path;

/// Volume types the restricted profile allows.
const ALLOWED_VOLUMES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// The pod templates of one object.
fn templates(o: &Value) -> Vec<&Value> {
    match o["kind"].as_str() {
        Some("Job" | "StatefulSet" | "Deployment") => vec![&o["spec"]["template"]],
        Some("JobSet") => o["spec"]["replicatedJobs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|rj| &rj["template"]["spec"]["template"])
            .collect(),
        _ => Vec::new(),
    }
}

/// The restricted profile's violations of a pod template.
fn violations(t: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let spec = &t["spec"];
    for host in ["hostNetwork", "hostPID", "hostIPC"] {
        if spec[host] == true {
            out.push(host.to_string());
        }
    }
    for v in spec["volumes"].as_array().into_iter().flatten() {
        let kinds: Vec<&String> = v
            .as_object()
            .into_iter()
            .flat_map(|o| o.keys())
            .filter(|k| *k != "name")
            .collect();
        for k in kinds {
            if !ALLOWED_VOLUMES.contains(&k.as_str()) {
                out.push(format!("volume {} is {k}", v["name"]));
            }
        }
    }
    let pod_sc = &spec["securityContext"];
    let seccomp_ok = |sc: &Value| {
        matches!(
            sc["seccompProfile"]["type"].as_str(),
            Some("RuntimeDefault" | "Localhost")
        )
    };
    for key in ["containers", "initContainers"] {
        for c in spec[key].as_array().into_iter().flatten() {
            let sc = &c["securityContext"];
            let name = c["name"].as_str().unwrap_or_default();
            if sc["privileged"] == true {
                out.push(format!("{name}: privileged"));
            }
            if sc["allowPrivilegeEscalation"] != false {
                out.push(format!("{name}: allowPrivilegeEscalation not false"));
            }
            let drops_all = sc["capabilities"]["drop"]
                .as_array()
                .is_some_and(|d| d.iter().any(|c| c == "ALL"));
            if !drops_all {
                out.push(format!("{name}: capabilities not dropped"));
            }
            for add in sc["capabilities"]["add"].as_array().into_iter().flatten() {
                if add != "NET_BIND_SERVICE" {
                    out.push(format!("{name}: adds {add}"));
                }
            }
            let non_root = sc["runAsNonRoot"] == true
                || (sc["runAsNonRoot"].is_null() && pod_sc["runAsNonRoot"] == true);
            if !non_root {
                out.push(format!("{name}: may run as root"));
            }
            if sc["runAsUser"] == 0 || pod_sc["runAsUser"] == 0 {
                out.push(format!("{name}: runAsUser 0"));
            }
            if !(seccomp_ok(sc) || (sc["seccompProfile"].is_null() && seccomp_ok(pod_sc))) {
                out.push(format!("{name}: no RuntimeDefault seccomp profile"));
            }
            for p in c["ports"].as_array().into_iter().flatten() {
                if p.get("hostPort").is_some_and(|h| h != 0) {
                    out.push(format!("{name}: hostPort"));
                }
            }
        }
    }
    out
}

#[test]
fn every_pod_is_restricted() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut checked = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for e in std::fs::read_dir(dir).expect("examples").flatten() {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "yaml") {
            continue;
        }
        let src = std::fs::read_to_string(&p).expect("read");
        let c = podwire::compile(&src, &podwire::Options::default());
        assert!(c.ok, "{}: {:#?}", p.display(), c.diagnostics);
        let text = c
            .files
            .iter()
            .find(|f| f.path == podwire::MANIFESTS_FILE)
            .map(|f| f.content.as_str())
            .unwrap_or_default();
        for o in support::yaml::documents(text).expect("manifests parse") {
            if o["kind"] == "Namespace" {
                assert_eq!(
                    o["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
                    "restricted",
                    "{}",
                    p.display()
                );
            }
            for t in templates(&o) {
                let v = violations(t);
                assert!(
                    v.is_empty(),
                    "{} {}: {v:?}",
                    p.display(),
                    o["metadata"]["name"]
                );
                checked += 1;
                kinds.insert(o["kind"].as_str().unwrap_or_default().to_string());
            }
        }
    }
    assert!(checked >= 5, "{checked} templates");
    assert!(kinds.contains("JobSet"), "{kinds:?}");
}

#[test]
fn the_check_can_fail() {
    let bad: Value = serde_json::json!({
        "spec": {
            "hostNetwork": true,
            "volumes": [{"name": "h", "hostPath": {"path": "/"}}],
            "securityContext": {"runAsUser": 0},
            "containers": [{"name": "c", "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}}]
        }
    });
    let v = violations(&bad);
    for want in [
        "hostNetwork",
        "hostPath",
        "allowPrivilegeEscalation",
        "capabilities not dropped",
        "adds",
        "may run as root",
        "runAsUser 0",
        "seccomp",
    ] {
        assert!(v.iter().any(|m| m.contains(want)), "{want}: {v:?}");
    }
}
