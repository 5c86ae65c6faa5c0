//! A fake Kubernetes API server over HTTPS (certificate from a test CA):
//! server-side apply (PATCH application/apply-patch+yaml with a field
//! manager), get, delete. resourceVersion changes only when an apply
//! changes the object; namespaced objects need their Namespace; workloads
//! report progress, then readiness, as they are polled.

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
}

#[derive(Debug, Default)]
pub struct State {
    pub objects: BTreeMap<String, Obj>,
    pub next_rv: u64,
    pub token: String,
    /// Successful (non-dry-run) applies, by path.
    pub applies: Vec<String>,
}

pub struct Fake {
    pub server: Server,
    pub state: Arc<Mutex<State>>,
    pub ca_base64: String,
}

fn status(code: u16, reason: &str, msg: &str) -> Response {
    Response::json(
        code,
        &json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": msg, "reason": reason, "code": code}),
    )
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

/// (namespace, name) of a path.
fn parse_path(path: &str) -> Option<(Option<String>, String)> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let rest = match *segs.first()? {
        "api" => &segs[2..],
        "apis" => &segs[3..],
        _ => return None,
    };
    match rest {
        ["namespaces", name] => Some((None, name.to_string())),
        ["namespaces", ns, _plural, name] => Some((Some(ns.to_string()), name.to_string())),
        [_plural, name] => Some((None, name.to_string())),
        _ => None,
    }
}

fn view(path: &str, o: &Obj, count_poll: bool) -> Value {
    let (ns, name) = parse_path(path).unwrap_or_default();
    let mut md = json!({"name": name, "resourceVersion": o.rv.to_string(), "generation": o.generation,
        "uid": format!("uid-{}", name), "managedFields": [{"manager": "podwire", "operation": "Apply"}]});
    if let Some(ns) = ns {
        md["namespace"] = ns.into();
    }
    let n = replicas(&o.body);
    let ready = !count_poll || o.polls >= 2;
    let st = match o.kind.as_str() {
        "Deployment" if ready => {
            json!({"observedGeneration": o.generation, "replicas": n, "updatedReplicas": n, "readyReplicas": n, "availableReplicas": n})
        }
        "StatefulSet" if ready => {
            json!({"observedGeneration": o.generation, "replicas": n, "readyReplicas": n, "availableReplicas": n, "currentReplicas": n})
        }
        "Job" if ready => json!({"active": n, "startTime": "2026-11-28T00:00:00Z"}),
        "Service" if o.body.contains("type: LoadBalancer") => {
            json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}]}})
        }
        _ => json!({}),
    };
    json!({"apiVersion": o.api_version, "kind": o.kind, "metadata": md, "spec": {"applied": o.body}, "status": st})
}

fn handle(state: &Mutex<State>, req: &Request) -> Response {
    let mut st = state.lock().unwrap();
    if req.header("authorization") != Some(&format!("Bearer {}", st.token)) {
        return status(401, "Unauthorized", "Unauthorized");
    }
    let Some((ns, _name)) = parse_path(&req.path) else {
        return status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        );
    };
    match req.method.as_str() {
        "GET" => {
            let Some(o) = st.objects.get_mut(&req.path) else {
                return status(404, "NotFound", "not found");
            };
            o.polls += 1;
            let o = o.clone();
            Response::json(200, &view(&req.path, &o, true))
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
            if let Some(ns) = &ns {
                if !st.objects.contains_key(&format!("/api/v1/namespaces/{ns}")) {
                    return status(404, "NotFound", &format!("namespaces \"{ns}\" not found"));
                }
            }
            let dry = req.query_has("dryRun=All");
            let existing = st.objects.get(&req.path).cloned();
            let mut o = match existing.clone() {
                Some(o) => o,
                None => Obj {
                    kind: top(&req.body, "kind"),
                    api_version: top(&req.body, "apiVersion"),
                    body: String::new(),
                    rv: 0,
                    generation: 0,
                    polls: 0,
                },
            };
            if o.body != req.body {
                o.body = req.body.clone();
                st.next_rv += 1;
                o.rv = 1000 + st.next_rv;
                o.generation += 1;
                o.polls = 0;
            }
            let code = if existing.is_none() { 201 } else { 200 };
            let v = view(&req.path, &o, false);
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
}
