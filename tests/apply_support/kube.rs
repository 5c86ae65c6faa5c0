//! A fake Kubernetes API server over HTTPS (certificate from a test CA):
//! discovery (`/api`, `/api/v1`, `/apis`, `/apis/<group>/<version>`, with
//! the built-in groups, and the Kueue, JobSet and LeaderWorkerSet groups
//! once a test installs their CRDs), server-side apply (PATCH
//! application/apply-patch+yaml with a field manager), get, list (with a
//! label selector) and delete. A request is served only at the path
//! discovery names for its kind (plural, namespaced or not); anything else
//! is the API server's 404. resourceVersion changes only when an apply
//! changes the object; namespaced objects need their Namespace; workloads
//! report progress, then readiness, as they are polled (or follow a status
//! script a test gives per kind); a queued workload is admitted by a small
//! Kueue once its LocalQueue exists.

use super::server::{Handler, Pki, Request, Response, Server};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct Obj {
    pub kind: String,
    pub api_version: String,
    pub body: String,
    pub rv: u64,
    pub generation: u64,
    pub polls: u32,
    pub uid: String,
    /// A seeded object (a Secret): returned as it is, with metadata.
    pub live: Option<Value>,
}

#[derive(Debug, Default)]
pub struct State {
    pub objects: BTreeMap<String, Obj>,
    pub next_rv: u64,
    pub next_uid: u64,
    pub token: String,
    /// Successful (non-dry-run) applies, by path.
    pub applies: Vec<String>,
    /// Installed CRD groups and the versions they serve.
    pub crds: BTreeMap<String, Vec<String>>,
    /// Per kind: the status of an object at its Nth GET (the last repeats).
    pub scripts: BTreeMap<String, Vec<Value>>,
    /// Polls of a queued workload before Kueue admits it.
    pub admit_after: u32,
}

pub struct Fake {
    pub server: Server,
    pub state: Arc<Mutex<State>>,
    pub ca_base64: String,
}

/// (plural, kind, namespaced) of a group version.
type Resources = &'static [(&'static str, &'static str, bool)];

const CORE: Resources = &[
    ("namespaces", "Namespace", false),
    ("namespaces/status", "Namespace", false),
    ("serviceaccounts", "ServiceAccount", true),
    ("services", "Service", true),
    ("services/status", "Service", true),
    ("secrets", "Secret", true),
    ("configmaps", "ConfigMap", true),
    ("persistentvolumeclaims", "PersistentVolumeClaim", true),
    ("pods", "Pod", true),
];

/// The built-in groups: (group, version, resources).
const BUILTIN: &[(&str, &str, Resources)] = &[
    (
        "apps",
        "v1",
        &[
            ("deployments", "Deployment", true),
            ("deployments/status", "Deployment", true),
            ("deployments/scale", "Scale", true),
            ("statefulsets", "StatefulSet", true),
            ("daemonsets", "DaemonSet", true),
        ],
    ),
    (
        "batch",
        "v1",
        &[
            ("jobs", "Job", true),
            ("jobs/status", "Job", true),
            ("cronjobs", "CronJob", true),
        ],
    ),
    (
        "networking.k8s.io",
        "v1",
        &[
            ("networkpolicies", "NetworkPolicy", true),
            ("ingresses", "Ingress", true),
        ],
    ),
    (
        "policy",
        "v1",
        &[("poddisruptionbudgets", "PodDisruptionBudget", true)],
    ),
    (
        "autoscaling",
        "v2",
        &[("horizontalpodautoscalers", "HorizontalPodAutoscaler", true)],
    ),
];

/// The CRD groups a test can install, with the resources their CRDs
/// define (as in shared/crds: Kueue v0.19.2 serves v1beta2 and v1beta1,
/// JobSet v0.12.0 v1alpha2, LeaderWorkerSet v0.10.0 v1), and GKE's own
/// networking.gke.io v1.
const CRDS: &[(&str, Resources)] = &[
    (
        "kueue.x-k8s.io",
        &[
            ("resourceflavors", "ResourceFlavor", false),
            ("clusterqueues", "ClusterQueue", false),
            ("clusterqueues/status", "ClusterQueue", false),
            ("localqueues", "LocalQueue", true),
            ("workloadpriorityclasses", "WorkloadPriorityClass", false),
            ("admissionchecks", "AdmissionCheck", false),
            (
                "provisioningrequestconfigs",
                "ProvisioningRequestConfig",
                false,
            ),
            ("topologies", "Topology", false),
            ("workloads", "Workload", true),
            ("workloads/status", "Workload", true),
        ],
    ),
    (
        "jobset.x-k8s.io",
        &[
            ("jobsets", "JobSet", true),
            ("jobsets/status", "JobSet", true),
        ],
    ),
    (
        "leaderworkerset.x-k8s.io",
        &[
            ("leaderworkersets", "LeaderWorkerSet", true),
            ("leaderworkersets/status", "LeaderWorkerSet", true),
        ],
    ),
    // GKE's multi-networking objects, which GKE serves on clusters created
    // with `enableMultiNetworking` (both cluster-scoped).
    (
        "networking.gke.io",
        &[
            ("networks", "Network", false),
            ("gkenetworkparamsets", "GKENetworkParamSet", false),
        ],
    ),
    // The Gateway API (GKE serves it on clusters with the Gateway API
    // enabled), v1.
    (
        "gateway.networking.k8s.io",
        &[
            ("gatewayclasses", "GatewayClass", false),
            ("gateways", "Gateway", true),
            ("gateways/status", "Gateway", true),
            ("httproutes", "HTTPRoute", true),
            ("httproutes/status", "HTTPRoute", true),
        ],
    ),
    // Google Cloud Managed Service for Prometheus (GKE installs it).
    (
        "monitoring.googleapis.com",
        &[("podmonitorings", "PodMonitoring", true)],
    ),
];

/// The address the fake Gateway controller gives a Gateway.
pub const GATEWAY_ADDRESS: &str = "203.0.113.20";

pub const KUEUE_VERSIONS: &[&str] = &["v1beta2", "v1beta1"];

fn status(code: u16, reason: &str, msg: &str) -> Response {
    Response::json(
        code,
        &json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": msg, "reason": reason, "code": code}),
    )
}

fn not_found() -> Response {
    status(
        404,
        "NotFound",
        "the server could not find the requested resource",
    )
}

fn resource_list(gv: &str, resources: Resources) -> Value {
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
        "resources": resources.iter().map(|(name, kind, namespaced)| json!({
            "name": name, "singularName": "", "namespaced": namespaced, "kind": kind,
            "verbs": if name.contains('/') { json!(["get", "patch", "update"]) }
                     else { json!(["create", "delete", "get", "list", "patch", "update", "watch"]) }
        })).collect::<Vec<_>>()})
}

/// The resources a group version serves now.
fn served(st: &State, group: &str, version: &str) -> Option<Resources> {
    if group.is_empty() {
        return (version == "v1").then_some(CORE);
    }
    if let Some((_, _, r)) = BUILTIN
        .iter()
        .find(|(g, v, _)| *g == group && *v == version)
    {
        return Some(r);
    }
    let versions = st.crds.get(group)?;
    if !versions.iter().any(|v| v == version) {
        return None;
    }
    CRDS.iter().find(|(g, _)| *g == group).map(|(_, r)| *r)
}

fn group_list(st: &State) -> Value {
    let mut groups: Vec<(String, Vec<String>)> = BUILTIN
        .iter()
        .map(|(g, v, _)| (g.to_string(), vec![v.to_string()]))
        .collect();
    groups.extend(st.crds.iter().map(|(g, vs)| (g.clone(), vs.clone())));
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups.iter().map(|(name, versions)| json!({
        "name": name,
        "versions": versions.iter().map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v})).collect::<Vec<_>>(),
        "preferredVersion": {"groupVersion": format!("{name}/{}", versions[0]), "version": versions[0]},
    })).collect::<Vec<_>>()})
}

/// A request's target: group, version, namespace, plural and name (none for
/// a collection).
#[derive(Debug, Clone, PartialEq)]
struct Target {
    group: String,
    version: String,
    namespace: Option<String>,
    plural: String,
    name: Option<String>,
}

fn parse_target(path: &str) -> Option<Target> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, version, rest) = match segs.as_slice() {
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return None,
    };
    let (namespace, plural, name) = match rest {
        [p] => (None, *p, None),
        ["namespaces", name] => (None, "namespaces", Some(*name)),
        [p, name] => (None, *p, Some(*name)),
        ["namespaces", ns, p] => (Some(*ns), *p, None),
        ["namespaces", ns, p, name] => (Some(*ns), *p, Some(*name)),
        _ => return None,
    };
    Some(Target {
        group: group.into(),
        version: version.into(),
        namespace: namespace.map(str::to_string),
        plural: plural.into(),
        name: name.map(str::to_string),
    })
}

/// The kind at `t`, if discovery serves it there (plural and scope).
fn kind_at(st: &State, t: &Target) -> Option<&'static str> {
    let resources = served(st, &t.group, &t.version)?;
    let (_, kind, namespaced) = resources.iter().find(|(p, _, _)| *p == t.plural)?;
    (*namespaced == t.namespace.is_some()).then_some(*kind)
}

/// `spec.replicas` from the applied YAML (two-space indented under spec).
fn replicas(body: &str) -> u64 {
    body.lines()
        .find_map(|l| l.strip_prefix("  replicas: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1)
}

fn top(body: &str, key: &str) -> String {
    body.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}: ")))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The API server's refusal of a change to an existing Job's pod template
/// (immutable), or JobSet's webhook's of its replicated jobs.
fn immutable(o: &Obj, body: &str) -> Option<String> {
    let (field, message) = match o.kind.as_str() {
        "Job" => ("template", "Job.batch \"{name}\" is invalid: spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable"),
        "JobSet" => ("replicatedJobs", "admission webhook \"vjobset.kb.io\" denied the request: spec.replicatedJobs: Invalid value: \"array\": field is immutable"),
        _ => return None,
    };
    let (old, new) = (parsed(&o.body), parsed(body));
    let name = new["metadata"]["name"].as_str().unwrap_or_default();
    (old["spec"][field] != new["spec"][field]).then(|| message.replace("{name}", name))
}

fn parsed(body: &str) -> Value {
    serde_yaml_ng::from_str(body).unwrap_or(Value::Null)
}

/// Whether Kueue has admitted the queued object (its LocalQueue exists and
/// it has been polled long enough); it unsuspends the object one poll
/// later, as the real one does it shortly after.
fn admitted(st: &State, path: &str, o: &Obj) -> bool {
    admitted_after(st, path, o, 0)
}

fn unsuspended(st: &State, path: &str, o: &Obj) -> bool {
    admitted_after(st, path, o, 1)
}

fn admitted_after(st: &State, path: &str, o: &Obj, lag: u32) -> bool {
    let Some(queue) = parsed(&o.body)["metadata"]["labels"]["kueue.x-k8s.io/queue-name"]
        .as_str()
        .map(str::to_string)
    else {
        return true;
    };
    let ns = parse_target(path)
        .and_then(|t| t.namespace)
        .unwrap_or_default();
    let lq = KUEUE_VERSIONS.iter().any(|v| {
        st.objects.contains_key(&format!(
            "/apis/kueue.x-k8s.io/{v}/namespaces/{ns}/localqueues/{queue}"
        ))
    });
    lq && o.polls >= st.admit_after + lag
}

fn view(st: &State, path: &str, o: &Obj, count_poll: bool) -> Value {
    let t = parse_target(path);
    let name = t.as_ref().and_then(|t| t.name.clone()).unwrap_or_default();
    let mut md = json!({"name": name, "resourceVersion": o.rv.to_string(), "generation": o.generation,
        "uid": o.uid, "managedFields": [{"manager": "podwire", "operation": "Apply"}]});
    if let Some(ns) = t.and_then(|t| t.namespace) {
        md["namespace"] = ns.into();
    }
    if let Some(live) = &o.live {
        let mut v = live.clone();
        // A seeded object keeps its labels (list selectors match them).
        if let Some(l) = live["metadata"].get("labels") {
            md["labels"] = l.clone();
        }
        v["metadata"] = md;
        return v;
    }
    let doc = parsed(&o.body);
    if let Some(l) = doc["metadata"].get("labels") {
        md["labels"] = l.clone();
    }
    let mut spec = doc.get("spec").cloned().unwrap_or(json!({}));
    let queued_suspended = spec["suspend"].as_bool() == Some(true)
        && doc["metadata"]["labels"]["kueue.x-k8s.io/queue-name"].is_string();
    let released = !queued_suspended || unsuspended(st, path, o);
    if queued_suspended && released {
        // Kueue unsuspends what it admits.
        spec["suspend"] = false.into();
    }
    let n = replicas(&o.body);
    let ready = (!count_poll || o.polls >= 2) && released;
    let st_json = match (st.scripts.get(&o.kind), o.kind.as_str()) {
        (Some(script), _) if released && !script.is_empty() => {
            let i = (o.polls as usize).min(script.len() - 1);
            script[i].clone()
        }
        (_, "JobSet") if queued_suspended && !released => {
            json!({"conditions": [{"type": "Suspended", "status": "True"}]})
        }
        (_, "Deployment") if ready => {
            json!({"observedGeneration": o.generation, "replicas": n, "updatedReplicas": n, "readyReplicas": n, "availableReplicas": n})
        }
        (_, "StatefulSet") if ready => {
            json!({"observedGeneration": o.generation, "replicas": n, "readyReplicas": n, "availableReplicas": n, "currentReplicas": n})
        }
        (_, "Job") if ready => json!({"active": n, "startTime": "2026-11-28T00:00:00Z"}),
        (_, "JobSet") if ready => json!({"restarts": 0, "replicatedJobsStatus":
            spec["replicatedJobs"].as_array().into_iter().flatten().map(|rj| json!({
                "name": rj["name"], "ready": rj["replicas"].as_u64().unwrap_or(1),
                "active": rj["replicas"].as_u64().unwrap_or(1), "succeeded": 0, "failed": 0, "suspended": 0}))
            .collect::<Vec<_>>()}),
        (_, "LeaderWorkerSet") if ready => {
            json!({"observedGeneration": o.generation, "replicas": n, "readyReplicas": n, "updatedReplicas": n})
        }
        // GKE's Gateway controller: the load balancer is provisioned (its
        // address assigned) from the third poll on.
        (_, "Gateway") if ready => {
            json!({"addresses": [{"type": "IPAddress", "value": GATEWAY_ADDRESS}],
            "conditions": [
                {"type": "Accepted", "status": "True", "reason": "Accepted", "observedGeneration": o.generation},
                {"type": "Programmed", "status": "True", "reason": "Programmed", "observedGeneration": o.generation}]})
        }
        (_, "Gateway") => json!({"conditions": [
            {"type": "Accepted", "status": "True", "reason": "Accepted", "observedGeneration": o.generation},
            {"type": "Programmed", "status": "False", "reason": "Pending", "observedGeneration": o.generation,
             "message": "Waiting for the load balancer to be provisioned"}]}),
        // Every parent accepts the route and its backends resolve.
        (_, "HTTPRoute") => {
            json!({"parents": spec["parentRefs"].as_array().into_iter().flatten().map(|r| json!({
            "parentRef": r, "controllerName": "networking.gke.io/gateway", "conditions": [
                {"type": "Accepted", "status": "True", "reason": "Accepted", "observedGeneration": o.generation},
                {"type": "ResolvedRefs", "status": "True", "reason": "ResolvedRefs", "observedGeneration": o.generation}]}))
            .collect::<Vec<_>>()})
        }
        (_, "Service") if o.body.contains("type: LoadBalancer") => {
            json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}]}})
        }
        _ => json!({}),
    };
    json!({"apiVersion": o.api_version, "kind": o.kind, "metadata": md, "spec": spec, "status": st_json})
}

/// Kueue's Workloads in a namespace: one per queued object, labelled with
/// its UID, pending until admitted.
fn workloads(st: &State, ns: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for (path, o) in &st.objects {
        let doc = parsed(&o.body);
        let Some(queue) = doc["metadata"]["labels"]["kueue.x-k8s.io/queue-name"].as_str() else {
            continue;
        };
        let t = parse_target(path);
        if t.as_ref().and_then(|t| t.namespace.as_deref()) != Some(ns) {
            continue;
        }
        let name = t.and_then(|t| t.name).unwrap_or_default();
        let conditions = if admitted(st, path, o) {
            json!([{"type": "QuotaReserved", "status": "True", "reason": "QuotaReserved", "message": "Quota reserved in ClusterQueue cq"},
                   {"type": "Admitted", "status": "True", "reason": "Admitted", "message": "The workload is admitted"}])
        } else {
            json!([{"type": "QuotaReserved", "status": "False", "reason": "Pending",
                    "message": format!("couldn't assign flavors to pod set main: insufficient quota in LocalQueue {queue}")}])
        };
        out.push(
            json!({"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "Workload",
            "metadata": {"name": format!("{}-{name}-a1b2c", o.kind.to_lowercase()), "namespace": ns,
                "labels": {"kueue.x-k8s.io/job-uid": o.uid}},
            "status": {"admission": {"clusterQueue": "cq"}, "conditions": conditions}}),
        );
    }
    out
}

fn selector_matches(v: &Value, selector: &str) -> bool {
    selector.split(',').filter(|s| !s.is_empty()).all(|term| {
        let (k, want) = term.split_once('=').unwrap_or((term, ""));
        v["metadata"]["labels"][k].as_str() == Some(want)
    })
}

fn query_value(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k == key).then(|| {
            v.replace("%3D", "=")
                .replace("%2F", "/")
                .replace("%2C", ",")
                .replace('+', " ")
        })
    })
}

fn handle(state: &Mutex<State>, req: &Request) -> Response {
    let mut st = state.lock().unwrap();
    if req.header("authorization") != Some(&format!("Bearer {}", st.token)) {
        return status(401, "Unauthorized", "Unauthorized");
    }
    // Discovery.
    if req.method == "GET" {
        let segs: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
        match segs.as_slice() {
            ["api"] => {
                return Response::json(200, &json!({"kind": "APIVersions", "versions": ["v1"]}))
            }
            ["apis"] => return Response::json(200, &group_list(&st)),
            ["api", v] => {
                return match served(&st, "", v) {
                    Some(r) => Response::json(200, &resource_list(v, r)),
                    None => not_found(),
                }
            }
            ["apis", g, v] => {
                return match served(&st, g, v) {
                    Some(r) => Response::json(200, &resource_list(&format!("{g}/{v}"), r)),
                    None => not_found(),
                }
            }
            _ => {}
        }
    }
    let Some(target) = parse_target(&req.path) else {
        return not_found();
    };
    let Some(kind) = kind_at(&st, &target) else {
        return not_found();
    };
    let Some(_name) = target.name.clone() else {
        // A collection: only lists (of Workloads, or stored objects).
        if req.method != "GET" {
            return status(405, "MethodNotAllowed", "method not allowed");
        }
        let selector = query_value(&req.query, "labelSelector").unwrap_or_default();
        let items: Vec<Value> = if kind == "Workload" {
            workloads(&st, target.namespace.as_deref().unwrap_or_default())
        } else {
            let prefix = format!("{}/", req.path);
            st.objects
                .iter()
                .filter(|(p, _)| p.starts_with(&prefix))
                .map(|(p, o)| view(&st, p, o, false))
                .collect()
        };
        let items: Vec<Value> = items
            .into_iter()
            .filter(|v| selector_matches(v, &selector))
            .collect();
        return Response::json(
            200,
            &json!({"kind": format!("{kind}List"), "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": items}),
        );
    };
    match req.method.as_str() {
        "GET" => {
            let Some(o) = st.objects.get_mut(&req.path) else {
                return status(404, "NotFound", "not found");
            };
            o.polls += 1;
            let o = o.clone();
            Response::json(200, &view(&st, &req.path, &o, true))
        }
        "DELETE" => match st.objects.remove(&req.path) {
            Some(_) => Response::json(200, &json!({"kind": "Status", "status": "Success"})),
            None => status(404, "NotFound", "not found"),
        },
        "PATCH" => {
            if req.header("content-type") != Some("application/apply-patch+yaml") {
                return status(
                    415,
                    "UnsupportedMediaType",
                    "the body of the request was in an unknown format",
                );
            }
            if !req.query_has("fieldManager=podwire") {
                return status(
                    422,
                    "Invalid",
                    "fieldManager is required for apply requests",
                );
            }
            if top(&req.body, "kind") != kind {
                return status(400, "BadRequest", &format!("the body's kind is not {kind}"));
            }
            if let Some(ns) = &target.namespace {
                if !st.objects.contains_key(&format!("/api/v1/namespaces/{ns}")) {
                    return status(404, "NotFound", &format!("namespaces \"{ns}\" not found"));
                }
            }
            let dry = req.query_has("dryRun=All");
            let existing = st.objects.get(&req.path).cloned();
            if let Some(refusal) = existing.as_ref().and_then(|o| immutable(o, &req.body)) {
                return status(422, "Invalid", &refusal);
            }
            let mut o = match existing.clone() {
                Some(o) => o,
                None => {
                    st.next_uid += 1;
                    Obj {
                        kind: top(&req.body, "kind"),
                        api_version: top(&req.body, "apiVersion"),
                        body: String::new(),
                        rv: 0,
                        generation: 0,
                        polls: 0,
                        uid: format!("uid-{}", st.next_uid),
                        live: None,
                    }
                }
            };
            if o.body != req.body {
                o.body = req.body.clone();
                o.live = None;
                st.next_rv += 1;
                o.rv = 1000 + st.next_rv;
                o.generation += 1;
                o.polls = 0;
            }
            let code = if existing.is_none() { 201 } else { 200 };
            let v = view(&st, &req.path, &o, false);
            if !dry {
                st.objects.insert(req.path.clone(), o);
                st.applies.push(req.path.clone());
            }
            Response::json(code, &v)
        }
        _ => status(405, "MethodNotAllowed", "method not allowed"),
    }
}

impl Fake {
    pub fn start(token: &str, pki: &Pki) -> Fake {
        let state = Arc::new(Mutex::new(State {
            token: token.into(),
            admit_after: 2,
            ..State::default()
        }));
        let s2 = state.clone();
        let handler: Handler = Arc::new(move |req: &Request| handle(&s2, req));
        Fake {
            server: Server::start(Some(pki.server.clone()), handler),
            state,
            ca_base64: pki.ca_base64.clone(),
        }
    }

    /// Install a CRD group (`kueue.x-k8s.io`, `jobset.x-k8s.io`,
    /// `leaderworkerset.x-k8s.io`) at these versions (the first preferred).
    pub fn install(&self, group: &str, versions: &[&str]) {
        assert!(
            CRDS.iter().any(|(g, _)| *g == group),
            "unknown CRD group {group}"
        );
        self.state.lock().unwrap().crds.insert(
            group.into(),
            versions.iter().map(|v| v.to_string()).collect(),
        );
    }

    /// The status an object of `kind` reports at its 1st, 2nd, ... GET.
    pub fn script(&self, kind: &str, statuses: Vec<Value>) {
        self.state
            .lock()
            .unwrap()
            .scripts
            .insert(kind.into(), statuses);
    }

    /// A Secret that exists in the cluster, with these keys and values.
    pub fn seed_secret(&self, namespace: &str, name: &str, data: &[(&str, &str)]) {
        use base64::Engine;
        let data: serde_json::Map<String, Value> = data
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    base64::engine::general_purpose::STANDARD.encode(v).into(),
                )
            })
            .collect();
        let mut st = self.state.lock().unwrap();
        st.next_uid += 1;
        let uid = format!("uid-{}", st.next_uid);
        st.objects.insert(
            format!("/api/v1/namespaces/{namespace}/secrets/{name}"),
            Obj {
                kind: "Secret".into(),
                api_version: "v1".into(),
                body: String::new(),
                rv: 1,
                generation: 1,
                polls: 0,
                uid,
                live: Some(
                    json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "data": data}),
                ),
            },
        );
    }

    /// A pod the cluster runs (as a controller made it), with these labels
    /// and its `Ready` condition.
    pub fn seed_pod(&self, namespace: &str, name: &str, labels: &[(&str, &str)], ready: bool) {
        let labels: serde_json::Map<String, Value> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect();
        let mut st = self.state.lock().unwrap();
        st.next_uid += 1;
        let uid = format!("uid-{}", st.next_uid);
        st.objects.insert(
            format!("/api/v1/namespaces/{namespace}/pods/{name}"),
            Obj {
                kind: "Pod".into(),
                api_version: "v1".into(),
                body: String::new(),
                rv: 1,
                generation: 1,
                polls: 0,
                uid,
                live: Some(
                    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": labels},
                    "status": {"phase": "Running", "conditions": [
                        {"type": "Ready", "status": if ready { "True" } else { "False" }}]}}),
                ),
            },
        );
    }

    /// A Namespace that exists already (as `kubectl create namespace`).
    pub fn seed_namespace(&self, name: &str) {
        let mut st = self.state.lock().unwrap();
        st.next_uid += 1;
        let uid = format!("uid-{}", st.next_uid);
        st.objects.insert(
            format!("/api/v1/namespaces/{name}"),
            Obj {
                kind: "Namespace".into(),
                api_version: "v1".into(),
                body: String::new(),
                rv: 1,
                generation: 1,
                polls: 0,
                uid,
                live: Some(json!({"apiVersion": "v1", "kind": "Namespace", "spec": {}, "status": {"phase": "Active"}})),
            },
        );
    }
}
