//! The Secrets the workloads need, found in the objects themselves: every
//! pod template (wherever it sits: a Job's, a Deployment's, each replicated
//! job of a JobSet, a LeaderWorkerSet's leader and workers) is scanned for
//! `env[].valueFrom.secretKeyRef`, `envFrom[].secretRef`, `secret` volumes
//! and `projected` volumes' secret sources, in every kind of container.
//! References marked `optional: true` do not keep a pod from starting and
//! are left out. A Gateway's HTTPS listener's Secret counts too, with its
//! keys `tls.crt` and `tls.key`. `podwire apply` reads these Secrets before it starts any
//! workload and stops, naming them all, if one is missing or lacks a key.
//!
//! Only names and keys are ever handled: [`keys_of`] reads a live Secret's
//! key names and drops the rest of the reply, and no message quotes a
//! Secret's body.

use super::kube::Manifest;
use super::reply::{Reply, ReplyError};
use serde_json::Value;
use std::collections::BTreeSet;

/// One Secret the workloads reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    pub namespace: String,
    pub name: String,
    /// The keys read one by one (`secretKeyRef`, volume `items`); a
    /// reference to the whole Secret (`envFrom`, a volume without items)
    /// only needs it to exist.
    pub keys: BTreeSet<String>,
    /// The objects that reference it (`Kind ns/name`).
    pub used_by: Vec<String>,
}

/// Whether an object has a pod template (it starts pods).
pub fn starts_pods(m: &Manifest) -> bool {
    let mut found = false;
    visit_pod_specs(&m.json, &mut |_| found = true);
    found
}

/// Every PodSpec in `v`: an object with a `containers` array.
fn visit_pod_specs<'a>(v: &'a Value, f: &mut dyn FnMut(&'a Value)) {
    match v {
        Value::Object(o) => {
            if o.get("containers").is_some_and(Value::is_array) {
                f(v);
                return;
            }
            for child in o.values() {
                visit_pod_specs(child, f);
            }
        }
        Value::Array(a) => {
            for child in a {
                visit_pod_specs(child, f);
            }
        }
        _ => {}
    }
}

fn optional(v: &Value) -> bool {
    v["optional"].as_bool() == Some(true)
}

fn name_of<'a>(v: &'a Value, field: &str) -> Option<&'a str> {
    v[field].as_str().filter(|s| !s.is_empty())
}

/// (name, keys) of every required Secret reference in one PodSpec; empty
/// keys for a whole-Secret reference.
fn refs_in_pod_spec(spec: &Value, out: &mut Vec<(String, Option<String>)>) {
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        for c in spec[list].as_array().into_iter().flatten() {
            for e in c["env"].as_array().into_iter().flatten() {
                let r = &e["valueFrom"]["secretKeyRef"];
                if let (Some(name), Some(key)) = (name_of(r, "name"), name_of(r, "key")) {
                    if !optional(r) {
                        out.push((name.into(), Some(key.into())));
                    }
                }
            }
            for e in c["envFrom"].as_array().into_iter().flatten() {
                let r = &e["secretRef"];
                if let Some(name) = name_of(r, "name") {
                    if !optional(r) {
                        out.push((name.into(), None));
                    }
                }
            }
        }
    }
    let mut secret_source = |s: &Value, name_field: &str| {
        let Some(name) = name_of(s, name_field) else {
            return;
        };
        if optional(s) {
            return;
        }
        let items: Vec<&str> = s["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| name_of(i, "key"))
            .collect();
        if items.is_empty() {
            out.push((name.into(), None));
        }
        for k in items {
            out.push((name.into(), Some(k.into())));
        }
    };
    for vol in spec["volumes"].as_array().into_iter().flatten() {
        secret_source(&vol["secret"], "secretName");
        for src in vol["projected"]["sources"].as_array().into_iter().flatten() {
            secret_source(&src["secret"], "name");
        }
    }
}

/// The Secrets of a Gateway's TLS listeners (`tls.certificateRefs` of
/// the core group and kind Secret, Gateway API's defaults): a
/// `kubernetes.io/tls` Secret, which the load balancer reads `tls.crt` and
/// `tls.key` of.
fn tls_refs(gateway: &Value, out: &mut Vec<(String, Option<String>)>) {
    for l in gateway["spec"]["listeners"]
        .as_array()
        .into_iter()
        .flatten()
    {
        for r in l["tls"]["certificateRefs"].as_array().into_iter().flatten() {
            let core = r["group"].as_str().unwrap_or("").is_empty()
                && r["kind"].as_str().unwrap_or("Secret") == "Secret";
            if let (true, Some(name)) = (core, name_of(r, "name")) {
                for key in ["tls.crt", "tls.key"] {
                    out.push((name.into(), Some(key.into())));
                }
            }
        }
    }
}

/// Every Secret the objects' pod templates need, once each, in the order
/// first referenced. Secrets that are themselves among the objects are not
/// needed from the cluster.
pub fn secret_refs(objects: &[Manifest]) -> Vec<SecretRef> {
    let own: BTreeSet<(Option<&str>, &str)> = objects
        .iter()
        .filter(|m| m.api_version == "v1" && m.kind == "Secret")
        .map(|m| (m.namespace.as_deref(), m.name.as_str()))
        .collect();
    let mut out: Vec<SecretRef> = Vec::new();
    for m in objects {
        let Some(ns) = m.namespace.as_deref() else {
            continue;
        };
        let mut found = Vec::new();
        visit_pod_specs(&m.json, &mut |spec| refs_in_pod_spec(spec, &mut found));
        if m.kind == "Gateway" {
            tls_refs(&m.json, &mut found);
        }
        for (name, key) in found {
            if own.contains(&(Some(ns), name.as_str())) {
                continue;
            }
            let i = match out.iter().position(|r| r.namespace == ns && r.name == name) {
                Some(i) => i,
                None => {
                    out.push(SecretRef {
                        namespace: ns.to_string(),
                        name,
                        keys: BTreeSet::new(),
                        used_by: Vec::new(),
                    });
                    out.len() - 1
                }
            };
            let r = &mut out[i];
            if let Some(k) = key {
                r.keys.insert(k);
            }
            let user = m.describe();
            if !r.used_by.contains(&user) {
                r.used_by.push(user);
            }
        }
    }
    out
}

/// What the cluster has of one referenced Secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Live {
    /// It exists, with these keys.
    Keys(BTreeSet<String>),
    /// The API server says it does not exist.
    Absent,
    /// The credentials may not read it (RBAC): it cannot be checked; the
    /// API server's message.
    Forbidden(String),
}

/// What a read of a Secret found: its key names (`data` and `stringData`),
/// or the API server's word that it does not exist or may not be read. The
/// reply holds the Secret's values: nothing of its body goes into the
/// result or into an error.
pub fn keys_of(r: &Reply) -> Result<Live, ReplyError> {
    let status = serde_json::from_str::<Value>(&r.body)
        .ok()
        .filter(|v| v["kind"] == "Status");
    let reason = status.as_ref().and_then(|v| v["reason"].as_str());
    if r.status == 404 && reason == Some("NotFound") {
        return Ok(Live::Absent);
    }
    if r.status == 403 && reason == Some("Forbidden") {
        return Ok(Live::Forbidden(r.message()));
    }
    if !r.ok() {
        // An error status carries the API server's message, not the Secret.
        return Err(r.api_error());
    }
    let not_a_secret = || ReplyError::Unexpected {
        status: r.status,
        expected: "a Secret",
        excerpt: "(not shown: it may hold secret values)".into(),
    };
    let v: Value = serde_json::from_str(&r.body).map_err(|_| not_a_secret())?;
    if v["kind"].as_str() != Some("Secret") {
        return Err(not_a_secret());
    }
    let mut keys = BTreeSet::new();
    for field in ["data", "stringData"] {
        if let Some(o) = v[field].as_object() {
            keys.extend(o.keys().cloned());
        }
    }
    Ok(Live::Keys(keys))
}

/// A referenced Secret the cluster lacks, or the keys it lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub secret: SecretRef,
    /// `None`: the Secret does not exist; else the keys it lacks.
    pub keys: Option<Vec<String>>,
}

/// What is missing of `r`, given the live Secret's keys (`None`: absent).
pub fn missing(r: &SecretRef, live: Option<&BTreeSet<String>>) -> Option<Missing> {
    match live {
        None => Some(Missing {
            secret: r.clone(),
            keys: None,
        }),
        Some(have) => {
            let lacking: Vec<String> = r.keys.difference(have).cloned().collect();
            (!lacking.is_empty()).then(|| Missing {
                secret: r.clone(),
                keys: Some(lacking),
            })
        }
    }
}

fn quoted(keys: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    keys.into_iter()
        .map(|k| format!("\"{}\"", k.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The message listing every missing Secret and key, and how to create them
/// (from files: podwire never asks for or shows a value).
pub fn missing_message(list: &[Missing]) -> String {
    let mut s = format!(
        "{} the workloads reference {} missing from the cluster, so no workload was started:",
        if list.len() == 1 {
            "a Secret".to_string()
        } else {
            format!("{} Secrets", list.len())
        },
        if list.len() == 1 { "is" } else { "are" }
    );
    for m in list {
        let r = &m.secret;
        let what = match &m.keys {
            None if r.keys.is_empty() => "does not exist".to_string(),
            None => format!("does not exist (needs key {})", quoted(&r.keys)),
            Some(k) => format!("has no key {}", quoted(k)),
        };
        s.push_str(&format!(
            "\n  - Secret {}/{} {what}; used by {}",
            r.namespace,
            r.name,
            r.used_by.join(", ")
        ));
    }
    s.push_str("\ncreate them (podwire never handles secret values), e.g.");
    for m in list {
        let r = &m.secret;
        let keys: Vec<&String> = match &m.keys {
            Some(k) => k.iter().collect(),
            None => r.keys.iter().collect(),
        };
        let from: String = if keys.is_empty() {
            " --from-file=KEY=PATH".into()
        } else {
            keys.iter()
                .map(|k| format!(" --from-file={k}=PATH"))
                .collect()
        };
        match m.keys {
            None => s.push_str(&format!(
                "\n    kubectl create secret generic {} -n {}{from}",
                r.name, r.namespace
            )),
            // Adding keys to an existing Secret keeps the others only if
            // they are given again; say what to add, not a command that
            // would drop them.
            Some(_) => s.push_str(&format!(
                "\n    add {} to Secret {}/{} (e.g. `kubectl edit secret {} -n {}`)",
                quoted(&keys),
                r.namespace,
                r.name,
                r.name,
                r.namespace
            )),
        }
    }
    s.push_str("\nthen run podwire apply again");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod_spec() -> Value {
        json!({
            "initContainers": [{"name": "init", "envFrom": [{"secretRef": {"name": "init-env"}}]}],
            "containers": [{"name": "main",
                "env": [
                    {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}},
                    {"name": "OPT", "valueFrom": {"secretKeyRef": {"name": "opt", "key": "k", "optional": true}}},
                    {"name": "PLAIN", "value": "x"},
                    {"name": "CM", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}}],
                "envFrom": [{"secretRef": {"name": "wandb"}}, {"configMapRef": {"name": "cm"}}]}],
            "volumes": [
                {"name": "a", "secret": {"secretName": "certs", "items": [{"key": "tls.crt", "path": "c"}, {"key": "tls.key", "path": "k"}]}},
                {"name": "b", "secret": {"secretName": "whole"}},
                {"name": "c", "projected": {"sources": [{"secret": {"name": "proj", "items": [{"key": "p", "path": "p"}]}}, {"configMap": {"name": "cm"}}]}},
                {"name": "d", "secret": {"secretName": "maybe", "optional": true}},
                {"name": "e", "emptyDir": {}}]
        })
    }

    fn manifest(v: Value) -> Manifest {
        Manifest::from_json(v).unwrap()
    }

    #[test]
    fn a_gateways_tls_secret_is_needed_with_its_two_keys() {
        let gw = manifest(
            json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
            "metadata": {"name": "g", "namespace": "ns"},
            "spec": {"gatewayClassName": "gke-l7-rilb", "listeners": [
                {"name": "http", "protocol": "HTTP", "port": 80},
                {"name": "https", "protocol": "HTTPS", "port": 443, "tls": {"mode": "Terminate",
                    "certificateRefs": [{"group": "", "kind": "Secret", "name": "llm-tls"},
                                        {"group": "example.com", "kind": "Vault", "name": "not-a-secret"}]}}]}}),
        );
        let refs = secret_refs(&[gw]);
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].name, "llm-tls");
        assert_eq!(
            refs[0].keys.iter().map(String::as_str).collect::<Vec<_>>(),
            ["tls.crt", "tls.key"]
        );
        assert_eq!(refs[0].used_by, ["Gateway ns/g"]);
    }

    #[test]
    fn references_are_found_in_any_pod_template() {
        let job = manifest(
            json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "namespace": "ns"},
            "spec": {"template": {"spec": pod_spec()}}}),
        );
        // The same pod spec inside a JobSet's replicated job and an LWS's
        // leader and worker templates.
        let jobset = manifest(
            json!({"apiVersion": "jobset.x-k8s.io/v1alpha2", "kind": "JobSet", "metadata": {"name": "js", "namespace": "ns"},
            "spec": {"replicatedJobs": [{"name": "w", "template": {"spec": {"template": {"spec": {"containers": [{"name": "c",
                "env": [{"name": "T", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "other"}}}]}]}}}}}]}}),
        );
        let lws = manifest(
            json!({"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "metadata": {"name": "l", "namespace": "ns"},
            "spec": {"leaderWorkerTemplate": {
                "leaderTemplate": {"spec": {"containers": [{"name": "c", "envFrom": [{"secretRef": {"name": "leader-only"}}]}]}},
                "workerTemplate": {"spec": {"containers": [{"name": "c", "env": [{"name": "T", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}}]}]}}}}}),
        );
        let svc = manifest(
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "ns"}}),
        );
        assert!(
            starts_pods(&job) && starts_pods(&jobset) && starts_pods(&lws) && !starts_pods(&svc)
        );
        let refs = secret_refs(&[svc, job, jobset, lws]);
        let names: Vec<&str> = refs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "init-env",
                "hf",
                "wandb",
                "certs",
                "whole",
                "proj",
                "leader-only"
            ]
        );
        let hf = &refs[1];
        assert_eq!(hf.namespace, "ns");
        assert_eq!(
            hf.keys.iter().map(String::as_str).collect::<Vec<_>>(),
            vec!["other", "token"]
        );
        assert_eq!(
            hf.used_by,
            vec!["Job ns/j", "JobSet ns/js", "LeaderWorkerSet ns/l"]
        );
        assert!(refs[2].keys.is_empty(), "envFrom needs the whole Secret");
        assert_eq!(refs[3].keys.len(), 2);
    }

    #[test]
    fn a_secret_among_the_objects_is_not_needed_from_the_cluster() {
        let own = manifest(
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "hf", "namespace": "ns"}}),
        );
        let job = manifest(
            json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "namespace": "ns"},
            "spec": {"template": {"spec": pod_spec()}}}),
        );
        let refs = secret_refs(&[own, job]);
        assert!(!refs.iter().any(|r| r.name == "hf"));
    }

    #[test]
    fn live_keys_never_carry_values() {
        let value = "c3VwZXItc2VjcmV0LXZhbHVl";
        let r = Reply::new(
            200,
            json!({"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "hf"}, "data": {"token": value}, "type": "Opaque"}).to_string(),
        );
        let Live::Keys(keys) = keys_of(&r).unwrap() else {
            panic!("keys")
        };
        assert_eq!(keys.into_iter().collect::<Vec<_>>(), vec!["token"]);
        let absent = Reply::new(
            404,
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#,
        );
        assert_eq!(keys_of(&absent), Ok(Live::Absent));
        let forbidden = Reply::new(
            403,
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,"message":"secrets \"hf\" is forbidden: User \"u\" cannot get resource \"secrets\""}"#,
        );
        let Ok(Live::Forbidden(why)) = keys_of(&forbidden) else {
            panic!("forbidden")
        };
        assert!(why.contains("cannot get resource"), "{why}");
        // A 200 that is not a Secret (truncated, or something else) is an
        // error that does not quote the body.
        for body in [
            format!("{{\"kind\": \"Secret\", \"data\": {{\"token\": \"{value}"),
            json!({"kind": "ConfigMap", "data": {"token": value}}).to_string(),
        ] {
            let e = keys_of(&Reply::new(200, body)).unwrap_err();
            assert!(!e.to_string().contains(value), "{e}");
        }
        // An HTML 404 is not the API server saying it is absent.
        assert!(keys_of(&Reply::new(404, "<html>404</html>")).is_err());
    }

    #[test]
    fn missing_secrets_and_keys_are_all_named() {
        let r = |name: &str, keys: &[&str]| SecretRef {
            namespace: "ns".into(),
            name: name.into(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
            used_by: vec!["Job ns/j".into()],
        };
        let have: BTreeSet<String> = ["other".to_string()].into();
        let a = missing(&r("hf", &["token", "other"]), Some(&have)).unwrap();
        assert_eq!(a.keys, Some(vec!["token".to_string()]));
        assert_eq!(missing(&r("hf", &["other"]), Some(&have)), None);
        assert_eq!(missing(&r("wandb", &[]), Some(&BTreeSet::new())), None);
        let b = missing(&r("wandb", &[]), None).unwrap();
        let msg = missing_message(&[a, b]);
        assert!(
            msg.starts_with("2 Secrets the workloads reference are missing"),
            "{msg}"
        );
        assert!(
            msg.contains("Secret ns/hf has no key \"token\"; used by Job ns/j"),
            "{msg}"
        );
        assert!(
            msg.contains("Secret ns/wandb does not exist; used by Job ns/j"),
            "{msg}"
        );
        assert!(
            msg.contains("kubectl create secret generic wandb -n ns --from-file=KEY=PATH"),
            "{msg}"
        );
        assert!(msg.contains("add \"token\" to Secret ns/hf"), "{msg}");
    }
}
