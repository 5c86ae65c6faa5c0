//! The cluster's Kubernetes API as podwire uses it: server-side apply, get
//! and delete requests built by kube-core (REST paths from the typed
//! objects' own `Resource` metadata), how their replies are read, and when
//! a workload counts as ready.

use super::reply::{Reply, ReplyError};
use crate::k8s::Object;
use k8s_openapi::api::{apps, autoscaling, batch, core, networking, policy};
use kube_core::params::{DeleteParams, GetParams, Patch, PatchParams};
use kube_core::{ApiResource, Resource};
use serde_json::Value;

pub const FIELD_MANAGER: &str = "podwire";

/// A request for the cluster's API: a path and query (relative to the API
/// server), method, headers and body, exactly as it is to be sent.
pub type KubeRequest = http::Request<Vec<u8>>;

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("cannot build the request for {what}: {source}")]
    Build {
        what: String,
        source: kube_core::request::Error,
    },
    #[error("cannot write {what} as YAML: {source}")]
    Render {
        what: String,
        source: crate::yaml::Error,
    },
}

/// Group, version, kind and plural of an object, from k8s-openapi's types.
pub fn api_resource(o: &Object) -> ApiResource {
    match o {
        Object::Namespace(_) => ApiResource::erase::<core::v1::Namespace>(&()),
        Object::ServiceAccount(_) => ApiResource::erase::<core::v1::ServiceAccount>(&()),
        Object::NetworkPolicy(_) => ApiResource::erase::<networking::v1::NetworkPolicy>(&()),
        Object::Service(_) => ApiResource::erase::<core::v1::Service>(&()),
        Object::Job(_) => ApiResource::erase::<batch::v1::Job>(&()),
        Object::StatefulSet(_) => ApiResource::erase::<apps::v1::StatefulSet>(&()),
        Object::Deployment(_) => ApiResource::erase::<apps::v1::Deployment>(&()),
        Object::PodDisruptionBudget(_) => {
            ApiResource::erase::<policy::v1::PodDisruptionBudget>(&())
        }
        Object::HorizontalPodAutoscaler(_) => {
            ApiResource::erase::<autoscaling::v2::HorizontalPodAutoscaler>(&())
        }
        Object::PodMonitoring(_) => ApiResource::erase::<crate::k8s::PodMonitoring>(&()),
    }
}

/// The collection an object lives in, as kube-core's request builder.
fn collection(o: &Object) -> kube_core::Request {
    let ar = api_resource(o);
    kube_core::Request::new(kube_core::DynamicObject::url_path(&ar, o.namespace()))
}

/// `Kind ns/name` (or `Kind name` when cluster-scoped), for messages.
pub fn describe(o: &Object) -> String {
    let kind = api_resource(o).kind;
    match o.namespace() {
        Some(ns) => format!("{kind} {ns}/{}", o.name()),
        None => format!("{kind} {}", o.name()),
    }
}

fn built(
    o: &Object,
    r: Result<KubeRequest, kube_core::request::Error>,
) -> Result<KubeRequest, RequestError> {
    r.map_err(|source| RequestError::Build {
        what: describe(o),
        source,
    })
}

pub fn get(o: &Object) -> Result<KubeRequest, RequestError> {
    built(o, collection(o).get(o.name(), &GetParams::default()))
}

/// Server-side apply with field manager `podwire`, forced (podwire owns the
/// fields it sets); with `dryRun=All` for a dry run.
///
/// kube-core writes the patch as JSON; the body sent is instead this
/// object's YAML document of `manifests.yaml`, so the bytes applied are the
/// bytes `podwire compile` prints (JSON and YAML are both valid for
/// `application/apply-patch+yaml`).
pub fn apply(o: &Object, dry_run: bool) -> Result<KubeRequest, RequestError> {
    let mut params = PatchParams::apply(FIELD_MANAGER).force();
    if dry_run {
        params = params.dry_run();
    }
    let request = built(
        o,
        collection(o).patch(o.name(), &params, &Patch::Apply(o.to_json())),
    )?;
    let body = o.to_yaml().map_err(|source| RequestError::Render {
        what: describe(o),
        source,
    })?;
    Ok(request.map(|_| body.into_bytes()))
}

/// Delete with background propagation (the API server's garbage collector
/// removes the pods).
pub fn delete(o: &Object) -> Result<KubeRequest, RequestError> {
    built(
        o,
        collection(o).delete(o.name(), &DeleteParams::background()),
    )
}

/// The API server's own "not found": a `Status` with reason `NotFound`.
fn says_absent(r: &Reply) -> bool {
    r.status == 404
        && r.json()
            .is_ok_and(|v| v["kind"] == "Status" && v["reason"] == "NotFound")
}

/// Read a get: `None` only on the API server's word that it is absent.
pub fn read_object(r: &Reply) -> Result<Option<Value>, ReplyError> {
    if says_absent(r) {
        return Ok(None);
    }
    if !r.ok() {
        return Err(r.api_error());
    }
    r.object_with(&["kind"], "a Kubernetes object").map(Some)
}

/// Read a delete: `true` when deleted, `false` when it was already absent.
pub fn read_delete(r: &Reply) -> Result<bool, ReplyError> {
    if says_absent(r) {
        return Ok(false);
    }
    if !r.ok() {
        return Err(r.api_error());
    }
    r.json().map(|_| true)
}

/// What an apply did to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Configured,
    Unchanged,
}

impl Outcome {
    pub fn as_str(self, dry_run: bool) -> &'static str {
        match (self, dry_run) {
            (Outcome::Created, false) => "created",
            (Outcome::Configured, false) => "configured",
            (Outcome::Unchanged, false) => "unchanged",
            (Outcome::Created, true) => "would be created",
            (Outcome::Configured, true) => "would be changed",
            (Outcome::Unchanged, true) => "unchanged",
        }
    }
}

/// Read an apply, given what a get found before it.
///
/// A real apply changed the object exactly when its `resourceVersion`
/// moved; a dry run stores nothing, so its answer is compared with the live
/// object without the fields the server rewrites on every write. A dry run
/// whose namespace does not exist yet (404) would create the object.
pub fn read_apply(before: Option<&Value>, r: &Reply, dry_run: bool) -> Result<Outcome, ReplyError> {
    if dry_run && before.is_none() && says_absent(r) {
        return Ok(Outcome::Created);
    }
    if !r.ok() {
        return Err(r.api_error());
    }
    let after = r.object_with(&["kind"], "a Kubernetes object")?;
    Ok(match before {
        None => Outcome::Created,
        Some(b) => {
            let same = if dry_run {
                comparable(b) == comparable(&after)
            } else {
                b["metadata"]["resourceVersion"] == after["metadata"]["resourceVersion"]
            };
            if same {
                Outcome::Unchanged
            } else {
                Outcome::Configured
            }
        }
    })
}

/// Drop what the server changes on every write, for comparing two versions.
fn comparable(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(md) = v["metadata"].as_object_mut() {
        for k in [
            "managedFields",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "uid",
        ] {
            md.remove(k);
        }
    }
    v
}

/// The order of deletes: the reverse of the apply order, so that the
/// Namespace (first applied) goes last and takes nothing with it early.
pub fn delete_order(objects: &[Object]) -> impl Iterator<Item = &Object> {
    objects.iter().rev()
}

/// A LoadBalancer Service's address from its live status (IP, else host
/// name); `None` while the cloud has not assigned one.
pub fn load_balancer_address(live: &Value) -> Option<String> {
    let ingress = &live["status"]["loadBalancer"]["ingress"][0];
    ingress["ip"]
        .as_str()
        .or_else(|| ingress["hostname"].as_str())
        .filter(|a| !a.is_empty())
        .map(str::to_string)
}

/// Whether podwire waits for this object to be ready.
pub fn is_workload(o: &Object) -> bool {
    matches!(
        o,
        Object::Deployment(_) | Object::StatefulSet(_) | Object::Job(_)
    )
}

/// Readiness of a workload: `Ok(None)` when ready (Deployments and
/// StatefulSets available at the wanted replicas in their current
/// generation, Jobs started), `Ok(Some(progress))` while not, `Err(message)`
/// when it failed (a Job's `Failed` condition).
pub fn readiness(o: &Object, live: &Value) -> Result<Option<String>, String> {
    // An autoscaled workload leaves its count to the autoscaler: wait for
    // the count the live object has.
    let want = o.to_json()["spec"]["replicas"]
        .as_u64()
        .or_else(|| live["spec"]["replicas"].as_u64())
        .unwrap_or(1);
    let st = &live["status"];
    let n = |k: &str| st[k].as_u64().unwrap_or(0);
    let observed = st["observedGeneration"].as_i64().unwrap_or(0)
        >= live["metadata"]["generation"].as_i64().unwrap_or(0);
    match o {
        Object::Deployment(_) => {
            if observed && n("availableReplicas") >= want && n("updatedReplicas") >= want {
                Ok(None)
            } else {
                Ok(Some(format!("{}/{want} available", n("availableReplicas"))))
            }
        }
        Object::StatefulSet(_) => {
            if observed && n("readyReplicas") >= want {
                Ok(None)
            } else {
                Ok(Some(format!("{}/{want} ready", n("readyReplicas"))))
            }
        }
        Object::Job(_) => {
            let failed = st["conditions"].as_array().into_iter().flatten().find(|c| {
                c["type"].as_str() == Some("Failed") && c["status"].as_str() == Some("True")
            });
            if let Some(c) = failed {
                return Err(c["message"]
                    .as_str()
                    .or_else(|| c["reason"].as_str())
                    .unwrap_or("failed")
                    .to_string());
            }
            if st["startTime"].is_string() || n("active") > 0 || n("succeeded") > 0 {
                Ok(None)
            } else {
                Ok(Some("not started".into()))
            }
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects() -> Vec<Object> {
        let m = crate::analyze(include_str!("../../examples/mixed-stack.yaml"))
            .model
            .expect("example compiles");
        crate::k8s::objects(&m)
    }

    fn find(objects: &[Object], kind: &str) -> Object {
        objects
            .iter()
            .find(|o| api_resource(o).kind == kind)
            .cloned()
            .unwrap_or_else(|| panic!("a {kind}"))
    }

    #[test]
    fn paths_come_from_the_types() {
        let objs = objects();
        let ns = find(&objs, "Namespace");
        let dep = find(&objs, "Deployment");
        let np = find(&objs, "NetworkPolicy");
        let n = ns.name().to_string();
        assert_eq!(
            get(&ns).unwrap().uri().to_string(),
            format!("/api/v1/namespaces/{n}")
        );
        assert_eq!(
            get(&dep).unwrap().uri().to_string(),
            format!("/apis/apps/v1/namespaces/{n}/deployments/{}", dep.name())
        );
        assert_eq!(
            get(&np).unwrap().uri().path(),
            format!(
                "/apis/networking.k8s.io/v1/namespaces/{n}/networkpolicies/{}",
                np.name()
            )
        );
        // Every kind's apiVersion and kind are those the object carries.
        for o in &objs {
            let ar = api_resource(o);
            let j = o.to_json();
            assert_eq!(j["apiVersion"], ar.api_version.as_str());
            assert_eq!(j["kind"], ar.kind.as_str());
        }
    }

    #[test]
    fn apply_is_forced_server_side_apply_with_the_manifest_document() {
        let objs = objects();
        let svc = find(&objs, "Service");
        for dry in [false, true] {
            let r = apply(&svc, dry).unwrap();
            assert_eq!(r.method(), http::Method::PATCH);
            let q = r.uri().query().unwrap_or_default().to_string();
            let pairs: Vec<&str> = q.split('&').collect();
            assert!(pairs.contains(&"fieldManager=podwire"), "{q}");
            assert!(pairs.contains(&"force=true"), "{q}");
            assert_eq!(pairs.contains(&"dryRun=All"), dry, "{q}");
            assert_eq!(r.headers()["content-type"], "application/apply-patch+yaml");
            assert_eq!(r.body(), svc.to_yaml().unwrap().as_bytes());
        }
        let d = delete(&svc).unwrap();
        assert_eq!(d.method(), http::Method::DELETE);
        let body: Value = serde_json::from_slice(d.body()).unwrap();
        assert_eq!(body["propagationPolicy"], "Background");
        assert_eq!(
            describe(&svc),
            format!("Service {}/{}", svc.namespace().unwrap(), svc.name())
        );
    }

    fn status_404() -> Reply {
        Reply::new(
            404,
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#,
        )
    }

    #[test]
    fn absent_only_on_the_api_servers_word() {
        assert_eq!(read_object(&status_404()), Ok(None));
        assert_eq!(read_delete(&status_404()), Ok(false));
        for r in [
            Reply::new(404, "<html>404</html>"),
            Reply::new(404, "{}"),
            Reply::new(200, "<html/>"),
        ] {
            assert!(read_object(&r).is_err(), "{r:?}");
            assert!(read_delete(&r).is_err(), "{r:?}");
        }
        assert_eq!(
            read_delete(&Reply::new(200, r#"{"kind":"Status","status":"Success"}"#)),
            Ok(true)
        );
    }

    #[test]
    fn apply_outcomes() {
        let live = serde_json::json!({"kind": "Service", "metadata": {"resourceVersion": "1", "uid": "u"}, "spec": {"a": 1}});
        let same = Reply::new(200, live.to_string());
        let mut moved = live.clone();
        moved["metadata"]["resourceVersion"] = "2".into();
        let moved = Reply::new(200, moved.to_string());
        assert_eq!(read_apply(None, &same, false), Ok(Outcome::Created));
        assert_eq!(
            read_apply(Some(&live), &same, false),
            Ok(Outcome::Unchanged)
        );
        assert_eq!(
            read_apply(Some(&live), &moved, false),
            Ok(Outcome::Configured)
        );
        // A dry run ignores the server's bookkeeping, not the spec.
        assert_eq!(
            read_apply(Some(&live), &moved, true),
            Ok(Outcome::Unchanged)
        );
        let mut changed = live.clone();
        changed["spec"]["a"] = 2.into();
        assert_eq!(
            read_apply(Some(&live), &Reply::new(200, changed.to_string()), true),
            Ok(Outcome::Configured)
        );
        assert_eq!(read_apply(None, &status_404(), true), Ok(Outcome::Created));
        assert!(read_apply(None, &status_404(), false).is_err());
        assert!(read_apply(Some(&live), &Reply::new(200, "not json"), false).is_err());
    }

    #[test]
    fn deletes_go_in_reverse_apply_order_namespace_last() {
        let objs = objects();
        let order: Vec<&Object> = delete_order(&objs).collect();
        assert_eq!(order.len(), objs.len());
        assert_eq!(api_resource(order[order.len() - 1]).kind, "Namespace");
        assert_eq!(order[0], &objs[objs.len() - 1]);
    }

    #[test]
    fn load_balancer_addresses() {
        let lb =
            |ingress: Value| serde_json::json!({"status": {"loadBalancer": {"ingress": ingress}}});
        assert_eq!(
            load_balancer_address(&lb(serde_json::json!([{"ip": "203.0.113.7"}]))),
            Some("203.0.113.7".into())
        );
        assert_eq!(
            load_balancer_address(&lb(serde_json::json!([{"hostname": "lb.example"}]))),
            Some("lb.example".into())
        );
        assert_eq!(load_balancer_address(&lb(serde_json::json!([]))), None);
        assert_eq!(load_balancer_address(&serde_json::json!({})), None);
    }

    #[test]
    fn readiness_rules() {
        let objs = objects();
        let dep = find(&objs, "Deployment");
        let want = dep.to_json()["spec"]["replicas"].as_u64().unwrap_or(1);
        let live = |st: Value| serde_json::json!({"metadata": {"generation": 2}, "status": st});
        assert_eq!(
            readiness(
                &dep,
                &live(
                    serde_json::json!({"observedGeneration": 2, "availableReplicas": want, "updatedReplicas": want})
                )
            ),
            Ok(None)
        );
        // An old generation's replicas do not count.
        assert!(matches!(
            readiness(
                &dep,
                &live(
                    serde_json::json!({"observedGeneration": 1, "availableReplicas": want, "updatedReplicas": want})
                )
            ),
            Ok(Some(_))
        ));
        assert_eq!(
            readiness(
                &dep,
                &live(serde_json::json!({"observedGeneration": 2, "availableReplicas": 0}))
            ),
            Ok(Some(format!("0/{want} available")))
        );
        let sts = find(&objs, "StatefulSet");
        let want = sts.to_json()["spec"]["replicas"].as_u64().unwrap_or(1);
        assert_eq!(
            readiness(
                &sts,
                &live(serde_json::json!({"observedGeneration": 2, "readyReplicas": want}))
            ),
            Ok(None)
        );
        assert!(is_workload(&dep) && is_workload(&sts) && !is_workload(&find(&objs, "Service")));
    }

    /// An autoscaled Deployment sends no replica count: the wait is for the
    /// count the autoscaler set on the live object.
    #[test]
    fn autoscaled_readiness_waits_for_the_live_count() {
        let m = crate::analyze(include_str!("../../examples/llama-l4-serving.yaml"))
            .model
            .expect("example compiles");
        let objs = crate::k8s::objects(&m);
        let dep = find(&objs, "Deployment");
        assert!(dep.to_json()["spec"].get("replicas").is_none());
        let live = |replicas: u64, available: u64| {
            serde_json::json!({"metadata": {"generation": 1}, "spec": {"replicas": replicas},
                "status": {"observedGeneration": 1, "availableReplicas": available, "updatedReplicas": available}})
        };
        assert_eq!(
            readiness(&dep, &live(3, 1)),
            Ok(Some("1/3 available".into()))
        );
        assert_eq!(readiness(&dep, &live(3, 3)), Ok(None));
        for kind in [
            "PodDisruptionBudget",
            "HorizontalPodAutoscaler",
            "PodMonitoring",
        ] {
            let o = find(&objs, kind);
            assert!(!is_workload(&o), "{kind}");
            assert_eq!(api_resource(&o).kind, kind);
        }
        let pm = api_resource(&find(&objs, "PodMonitoring"));
        assert_eq!(
            (pm.api_version.as_str(), pm.plural.as_str()),
            ("monitoring.googleapis.com/v1", "podmonitorings")
        );
    }

    #[test]
    fn job_readiness() {
        let m = crate::analyze(include_str!("../../examples/pytorch-a3.yaml"))
            .model
            .expect("compiles");
        let objs = crate::k8s::objects(&m);
        let job = find(&objs, "Job");
        let st = |s: Value| serde_json::json!({"status": s});
        assert_eq!(
            readiness(&job, &st(serde_json::json!({}))),
            Ok(Some("not started".into()))
        );
        assert_eq!(
            readiness(
                &job,
                &st(serde_json::json!({"startTime": "2026-01-01T00:00:00Z"}))
            ),
            Ok(None)
        );
        assert_eq!(
            readiness(
                &job,
                &st(
                    serde_json::json!({"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]})
                )
            ),
            Err("BackoffLimitExceeded".into())
        );
    }
}
