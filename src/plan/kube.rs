//! The cluster's Kubernetes API as podwire uses it: server-side apply, get,
//! delete and list requests built by kube-core for any object, typed or
//! custom ([`Manifest`]), at the REST resource discovery found for its kind
//! ([`super::discovery`]), and how their replies are read.

use super::discovery::{self, Discovery, Resolution};
use super::reply::{Reply, ReplyError};
use crate::k8s::Object;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIGroupList, APIResourceList};
use kube_core::discovery::{ApiResource, Scope};
use kube_core::params::{DeleteParams, GetParams, ListParams, Patch, PatchParams};
use kube_core::Resource;
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
    #[error("an object without {missing} cannot be applied: {object}")]
    Incomplete {
        missing: &'static str,
        object: String,
    },
    #[error("{what} has no namespace, but the cluster serves {kind} in namespaces")]
    NoNamespace { what: String, kind: String },
}

/// One object to apply, of any kind: its identity, its JSON (what readiness
/// and the secret scan read) and the YAML document sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    pub json: Value,
    /// The body of the apply: for a compiled object, its document of
    /// `manifests.yaml`, byte for byte.
    pub yaml: String,
}

impl Manifest {
    /// A compiled object.
    pub fn of(o: &Object) -> Result<Manifest, RequestError> {
        let yaml = o.to_yaml().map_err(|source| RequestError::Render {
            what: o.name().to_string(),
            source,
        })?;
        Manifest::with_yaml(o.to_json(), yaml)
    }

    /// Any object given as JSON (its YAML written by the crate's emitter).
    pub fn from_json(json: Value) -> Result<Manifest, RequestError> {
        let yaml = crate::yaml::to_yaml(&json).map_err(|source| RequestError::Render {
            what: json["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            source,
        })?;
        Manifest::with_yaml(json, yaml)
    }

    fn with_yaml(json: Value, yaml: String) -> Result<Manifest, RequestError> {
        let field = |v: &Value, missing: &'static str| {
            v.as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| RequestError::Incomplete {
                    missing,
                    object: json.to_string().chars().take(120).collect(),
                })
        };
        Ok(Manifest {
            api_version: field(&json["apiVersion"], "apiVersion")?,
            kind: field(&json["kind"], "kind")?,
            name: field(&json["metadata"]["name"], "metadata.name")?,
            namespace: json["metadata"]["namespace"]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            json,
            yaml,
        })
    }

    /// The object's API group (`""` for the core group).
    pub fn group(&self) -> &str {
        discovery::split_api_version(&self.api_version).0
    }

    /// `Kind ns/name` (or `Kind name` when it has no namespace), for messages.
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }

    /// A label of the object's own metadata.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.json["metadata"]["labels"][key].as_str()
    }
}

/// Where one object lives in the API: the resource discovery found for its
/// kind, and its namespace when that resource is namespaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub resource: ApiResource,
    pub namespace: Option<String>,
    pub name: String,
    /// `Kind ns/name`, for messages.
    pub what: String,
}

/// Why an object could not be located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotLocated {
    /// The cluster does not serve its kind (see [`discovery::unserved`]).
    NotServed { versions: Vec<String> },
    /// Its group version's discovery has not been read.
    Unknown,
    /// A namespaced kind, and the object has no namespace.
    NoNamespace,
}

/// The REST location of `kind` `name` (in `namespace`) of `api_version`.
pub fn locate_kind(
    d: &Discovery,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
) -> Result<Located, NotLocated> {
    let r = match d.resolve(api_version, kind) {
        Resolution::Served(r) => r,
        Resolution::NotServed { versions } => return Err(NotLocated::NotServed { versions }),
        Resolution::Unknown => return Err(NotLocated::Unknown),
    };
    let namespace = match (r.scope, namespace) {
        (Scope::Namespaced, Some(ns)) => Some(ns.to_string()),
        (Scope::Namespaced, None) => return Err(NotLocated::NoNamespace),
        (Scope::Cluster, _) => None,
    };
    let what = match &namespace {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    };
    Ok(Located {
        resource: r.api,
        namespace,
        name: name.to_string(),
        what,
    })
}

/// The REST location of an object.
pub fn locate(d: &Discovery, m: &Manifest) -> Result<Located, NotLocated> {
    locate_kind(d, &m.api_version, &m.kind, m.namespace.as_deref(), &m.name)
}

impl Located {
    /// The collection the object lives in, as kube-core's request builder.
    fn collection(&self) -> kube_core::Request {
        kube_core::Request::new(kube_core::DynamicObject::url_path(
            &self.resource,
            self.namespace.as_deref(),
        ))
    }

    fn built(
        &self,
        r: Result<KubeRequest, kube_core::request::Error>,
    ) -> Result<KubeRequest, RequestError> {
        r.map_err(|source| RequestError::Build {
            what: self.what.clone(),
            source,
        })
    }
}

/// A discovery document's request (`/apis`, `/api/v1`, `/apis/<g>/<v>`).
pub fn discovery_get(path: &str) -> Result<KubeRequest, RequestError> {
    http::Request::get(path)
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| RequestError::Build {
            what: format!("discovery {path}"),
            source: kube_core::request::Error::BuildRequest(e),
        })
}

pub fn get(l: &Located) -> Result<KubeRequest, RequestError> {
    l.built(l.collection().get(&l.name, &GetParams::default()))
}

/// A list of `resource` in `namespace` with a label selector.
pub fn list(
    resource: &ApiResource,
    namespace: Option<&str>,
    label_selector: &str,
) -> Result<KubeRequest, RequestError> {
    let c = kube_core::Request::new(kube_core::DynamicObject::url_path(resource, namespace));
    c.list(&ListParams::default().labels(label_selector))
        .map_err(|source| RequestError::Build {
            what: format!("list {}", resource.plural),
            source,
        })
}

/// List the pods of a namespace that match a label selector (core v1, the
/// same at every API server: no discovery needed).
pub fn list_pods(namespace: &str, label_selector: &str) -> Result<KubeRequest, RequestError> {
    let pods = ApiResource {
        group: String::new(),
        version: "v1".into(),
        api_version: "v1".into(),
        kind: "Pod".into(),
        plural: "pods".into(),
    };
    list(&pods, Some(namespace), label_selector)
}

/// Server-side apply with field manager `podwire`, forced (podwire owns the
/// fields it sets); with `dryRun=All` for a dry run.
///
/// kube-core writes the patch as JSON; the body sent is instead the
/// manifest's YAML document, so the bytes applied are the bytes `podwire
/// compile` prints (JSON and YAML are both valid for
/// `application/apply-patch+yaml`).
pub fn apply(l: &Located, m: &Manifest, dry_run: bool) -> Result<KubeRequest, RequestError> {
    let mut params = PatchParams::apply(FIELD_MANAGER).force();
    if dry_run {
        params = params.dry_run();
    }
    let request = l.built(
        l.collection()
            .patch(&l.name, &params, &Patch::Apply(&m.json)),
    )?;
    Ok(request.map(|_| m.yaml.clone().into_bytes()))
}

/// Delete with background propagation (the API server's garbage collector
/// removes the pods).
pub fn delete(l: &Located) -> Result<KubeRequest, RequestError> {
    l.built(l.collection().delete(&l.name, &DeleteParams::background()))
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

/// Read `/apis`.
pub fn read_group_list(r: &Reply) -> Result<APIGroupList, ReplyError> {
    if !r.ok() {
        return Err(r.api_error());
    }
    let v = r.json()?;
    let unexpected = || ReplyError::Unexpected {
        status: r.status,
        expected: "an APIGroupList",
        excerpt: r.excerpt(),
    };
    if !v["groups"].is_array() {
        return Err(unexpected());
    }
    serde_json::from_value(v).map_err(|_| ReplyError::Unexpected {
        status: r.status,
        expected: "an APIGroupList",
        excerpt: r.excerpt(),
    })
}

/// Read `api_version`'s resource list: `None` only on the API server's
/// word that it does not serve it. A list of another group version (a
/// proxy answering one page for every path) is not an answer.
pub fn read_resource_list(
    api_version: &str,
    r: &Reply,
) -> Result<Option<APIResourceList>, ReplyError> {
    if says_absent(r) {
        return Ok(None);
    }
    if !r.ok() {
        return Err(r.api_error());
    }
    let v = r.json()?;
    let unexpected = || ReplyError::Unexpected {
        status: r.status,
        expected: "the APIResourceList of that group version",
        excerpt: r.excerpt(),
    };
    if v["groupVersion"].as_str() != Some(api_version) || !v["resources"].is_array() {
        return Err(unexpected());
    }
    serde_json::from_value(v)
        .map(Some)
        .map_err(|_| unexpected())
}

/// Read a list: its items.
pub fn read_list(r: &Reply) -> Result<Vec<Value>, ReplyError> {
    if !r.ok() {
        return Err(r.api_error());
    }
    let v = r.json()?;
    match v["items"].as_array() {
        Some(items) => Ok(items.clone()),
        None => Err(ReplyError::Unexpected {
            status: r.status,
            expected: "a list",
            excerpt: r.excerpt(),
        }),
    }
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
pub fn delete_order<T>(objects: &[T]) -> impl Iterator<Item = &T> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Discovery as a cluster with the built-in groups and Kueue serves it.
    fn discovery() -> Discovery {
        let list = |gv: &str, rs: &[(&str, &str, bool)]| -> APIResourceList {
            serde_json::from_value(json!({"groupVersion": gv, "resources": rs.iter().map(|(n, k, ns)|
                json!({"name": n, "singularName": "", "namespaced": ns, "kind": k, "verbs": ["get"]})).collect::<Vec<_>>()}))
            .unwrap()
        };
        let mut d = Discovery::new();
        d.set_groups(
            &serde_json::from_value(json!({"groups": [
                {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}]},
                {"name": "networking.k8s.io", "versions": [{"groupVersion": "networking.k8s.io/v1", "version": "v1"}]},
                {"name": "batch", "versions": [{"groupVersion": "batch/v1", "version": "v1"}]},
                {"name": "kueue.x-k8s.io", "versions": [{"groupVersion": "kueue.x-k8s.io/v1beta2", "version": "v1beta2"}]}]}))
            .unwrap(),
        );
        d.set_resources(
            "v1",
            Some(list(
                "v1",
                &[
                    ("namespaces", "Namespace", false),
                    ("serviceaccounts", "ServiceAccount", true),
                    ("services", "Service", true),
                ],
            )),
        );
        d.set_resources(
            "apps/v1",
            Some(list(
                "apps/v1",
                &[
                    ("deployments", "Deployment", true),
                    ("statefulsets", "StatefulSet", true),
                ],
            )),
        );
        d.set_resources(
            "networking.k8s.io/v1",
            Some(list(
                "networking.k8s.io/v1",
                &[("networkpolicies", "NetworkPolicy", true)],
            )),
        );
        d.set_resources(
            "kueue.x-k8s.io/v1beta2",
            Some(list(
                "kueue.x-k8s.io/v1beta2",
                &[
                    ("clusterqueues", "ClusterQueue", false),
                    ("localqueues", "LocalQueue", true),
                    ("workloads", "Workload", true),
                ],
            )),
        );
        d
    }

    fn objects() -> Vec<Manifest> {
        let m = crate::analyze(include_str!("../../examples/mixed-stack.yaml"))
            .model
            .expect("example compiles");
        crate::k8s::objects(&m)
            .iter()
            .map(|o| Manifest::of(o).unwrap())
            .collect()
    }

    fn find(objects: &[Manifest], kind: &str) -> Manifest {
        objects
            .iter()
            .find(|o| o.kind == kind)
            .cloned()
            .unwrap_or_else(|| panic!("a {kind}"))
    }

    fn at(m: &Manifest) -> Located {
        locate(&discovery(), m).unwrap()
    }

    #[test]
    fn paths_come_from_discovery() {
        let objs = objects();
        let ns = find(&objs, "Namespace");
        let dep = find(&objs, "Deployment");
        let np = find(&objs, "NetworkPolicy");
        let n = ns.name.clone();
        assert_eq!(
            get(&at(&ns)).unwrap().uri().to_string(),
            format!("/api/v1/namespaces/{n}")
        );
        assert_eq!(
            get(&at(&dep)).unwrap().uri().to_string(),
            format!("/apis/apps/v1/namespaces/{n}/deployments/{}", dep.name)
        );
        assert_eq!(
            get(&at(&np)).unwrap().uri().path(),
            format!(
                "/apis/networking.k8s.io/v1/namespaces/{n}/networkpolicies/{}",
                np.name
            )
        );
        // The manifest is the compiled object's JSON and document.
        for (m, o) in objs.iter().zip(crate::k8s::objects(
            &crate::analyze(include_str!("../../examples/mixed-stack.yaml"))
                .model
                .unwrap(),
        )) {
            assert_eq!(m.json, o.to_json());
            assert_eq!(m.yaml, o.to_yaml().unwrap());
            assert!(m.describe().starts_with(&format!("{} ", o.type_info().1)));
        }
    }

    #[test]
    fn custom_resources_are_located_like_any_kind() {
        let d = discovery();
        let cq = Manifest::from_json(
            json!({"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "ClusterQueue",
            "metadata": {"name": "train"}, "spec": {}}),
        )
        .unwrap();
        assert_eq!(
            get(&locate(&d, &cq).unwrap()).unwrap().uri().path(),
            "/apis/kueue.x-k8s.io/v1beta2/clusterqueues/train"
        );
        let lq = Manifest::from_json(
            json!({"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "LocalQueue",
            "metadata": {"name": "train", "namespace": "ml"}}),
        )
        .unwrap();
        assert_eq!(
            get(&locate(&d, &lq).unwrap()).unwrap().uri().path(),
            "/apis/kueue.x-k8s.io/v1beta2/namespaces/ml/localqueues/train"
        );
        let no_ns = Manifest::from_json(
            json!({"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "LocalQueue",
            "metadata": {"name": "train"}}),
        )
        .unwrap();
        assert_eq!(locate(&d, &no_ns), Err(NotLocated::NoNamespace));
        let js = Manifest::from_json(
            json!({"apiVersion": "jobset.x-k8s.io/v1alpha2", "kind": "JobSet",
            "metadata": {"name": "t", "namespace": "ml"}}),
        )
        .unwrap();
        assert_eq!(locate(&d, &js), Err(NotLocated::Unknown));
        let mut d = d;
        assert!(d.to_fetch(["jobset.x-k8s.io/v1alpha2"]).is_empty());
        assert_eq!(
            locate(&d, &js),
            Err(NotLocated::NotServed { versions: vec![] })
        );
        // A list with a label selector, as for Kueue's Workloads.
        let Resolution::Served(wl) = d.resolve("kueue.x-k8s.io/v1beta2", "Workload") else {
            panic!("served")
        };
        let r = list(&wl.api, Some("ml"), "kueue.x-k8s.io/job-uid=u-1").unwrap();
        assert_eq!(
            r.uri().path(),
            "/apis/kueue.x-k8s.io/v1beta2/namespaces/ml/workloads"
        );
        assert!(r
            .uri()
            .query()
            .unwrap()
            .contains("labelSelector=kueue.x-k8s.io%2Fjob-uid%3Du-1"));
        assert!(Manifest::from_json(json!({"kind": "X", "metadata": {"name": "a"}})).is_err());
    }

    #[test]
    fn apply_is_forced_server_side_apply_with_the_manifest_document() {
        let objs = objects();
        let svc = find(&objs, "Service");
        for dry in [false, true] {
            let r = apply(&at(&svc), &svc, dry).unwrap();
            assert_eq!(r.method(), http::Method::PATCH);
            let q = r.uri().query().unwrap_or_default().to_string();
            let pairs: Vec<&str> = q.split('&').collect();
            assert!(pairs.contains(&"fieldManager=podwire"), "{q}");
            assert!(pairs.contains(&"force=true"), "{q}");
            assert_eq!(pairs.contains(&"dryRun=All"), dry, "{q}");
            assert_eq!(r.headers()["content-type"], "application/apply-patch+yaml");
            assert_eq!(r.body(), svc.yaml.as_bytes());
        }
        let d = delete(&at(&svc)).unwrap();
        assert_eq!(d.method(), http::Method::DELETE);
        let body: Value = serde_json::from_slice(d.body()).unwrap();
        assert_eq!(body["propagationPolicy"], "Background");
        assert_eq!(
            svc.describe(),
            format!("Service {}/{}", svc.namespace.as_deref().unwrap(), svc.name)
        );
        let g = discovery_get("/apis").unwrap();
        assert_eq!((g.method(), g.uri().path()), (&http::Method::GET, "/apis"));
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
        assert_eq!(read_resource_list("v1", &status_404()), Ok(None));
        for r in [
            Reply::new(404, "<html>404</html>"),
            Reply::new(404, "{}"),
            Reply::new(200, "<html/>"),
        ] {
            assert!(read_object(&r).is_err(), "{r:?}");
            assert!(read_delete(&r).is_err(), "{r:?}");
            assert!(read_resource_list("v1", &r).is_err(), "{r:?}");
            assert!(read_group_list(&r).is_err(), "{r:?}");
        }
        assert_eq!(
            read_delete(&Reply::new(200, r#"{"kind":"Status","status":"Success"}"#)),
            Ok(true)
        );
        // A 200 that is not a resource list is not "no resources".
        assert!(read_resource_list("v1", &Reply::new(200, "{}")).is_err());
        let apps = r#"{"kind":"APIResourceList","groupVersion":"apps/v1","resources":[]}"#;
        assert!(read_resource_list("v1", &Reply::new(200, apps)).is_err());
        assert!(read_resource_list("apps/v1", &Reply::new(200, apps))
            .unwrap()
            .is_some());
        assert!(read_list(&Reply::new(200, "{}")).is_err());
        assert_eq!(
            read_list(&Reply::new(200, r#"{"items": [{"a": 1}]}"#))
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn apply_outcomes() {
        let live = json!({"kind": "Service", "metadata": {"resourceVersion": "1", "uid": "u"}, "spec": {"a": 1}});
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
        let order: Vec<&Manifest> = delete_order(&objs).collect();
        assert_eq!(order.len(), objs.len());
        assert_eq!(order[order.len() - 1].kind, "Namespace");
        assert_eq!(order[0], &objs[objs.len() - 1]);
    }

    #[test]
    fn load_balancer_addresses() {
        let lb = |ingress: Value| json!({"status": {"loadBalancer": {"ingress": ingress}}});
        assert_eq!(
            load_balancer_address(&lb(json!([{"ip": "203.0.113.7"}]))),
            Some("203.0.113.7".into())
        );
        assert_eq!(
            load_balancer_address(&lb(json!([{"hostname": "lb.example"}]))),
            Some("lb.example".into())
        );
        assert_eq!(load_balancer_address(&lb(json!([]))), None);
        assert_eq!(load_balancer_address(&json!({})), None);
    }
}
