//! A fake Compute Engine v1 API (plain HTTP on 127.0.0.1, as the GKE fake)
//! for the GPUDirect networks: networks, regional subnetworks and
//! firewalls insert/get/delete, and global and regional operations get.
//! Operations go PENDING -> RUNNING -> DONE as they are polled; a
//! resource exists once its insert's operation is DONE. Resources are
//! answered as Compute answers them: references as full URLs, plus `id`,
//! `selfLink` and `kind`. Errors are Compute's (`errors[].reason`).

use super::server::{Handler, Request, Response, Server};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct Op {
    /// `projects/P/global` or `projects/P/regions/R`.
    pub scope: String,
    /// The resource path it creates or deletes.
    pub target: String,
    pub insert: Option<Value>,
    pub ticks: u32,
    pub error: Option<String>,
}

#[derive(Debug, Default)]
pub struct State {
    /// By path (`projects/P/global/networks/N`), as Compute answers them.
    pub resources: BTreeMap<String, Value>,
    pub ops: BTreeMap<String, Op>,
    pub next_op: u32,
    /// Make the insert operation of the resource with this name fail with
    /// this message.
    pub fail: Option<(String, String)>,
    pub token: String,
}

pub struct Fake {
    pub server: Server,
    pub state: Arc<Mutex<State>>,
}

const TICKS: u32 = 2;
const PREFIX: &str = "/compute/v1/";
const LINK: &str = "https://www.googleapis.com/compute/v1/";

fn err(code: u16, reason: &str, msg: &str) -> Response {
    Response::json(
        code,
        &json!({"error": {"code": code, "message": msg,
            "errors": [{"domain": "global", "reason": reason, "message": msg}]}}),
    )
}

/// (scope, collection) of `projects/P/global/networks`,
/// `projects/P/regions/R/subnetworks`, `projects/P/global/firewalls`.
fn split(path: &str) -> Option<(String, &str, Option<&str>)> {
    let parts: Vec<&str> = path.split('/').collect();
    let (scope_len, ok) = match parts.get(2) {
        Some(&"global") => (3, true),
        Some(&"regions") => (4, true),
        _ => (0, false),
    };
    if !ok || parts.first() != Some(&"projects") || parts.len() < scope_len + 1 {
        return None;
    }
    let scope = parts[..scope_len].join("/");
    let coll = parts[scope_len];
    let name = parts.get(scope_len + 1).copied();
    if parts.len() > scope_len + 2 {
        return None;
    }
    Some((scope, coll, name))
}

impl State {
    fn new_op(
        &mut self,
        scope: &str,
        target: &str,
        insert: Option<Value>,
        error: Option<String>,
    ) -> Value {
        self.next_op += 1;
        let name = format!("operation-{}", self.next_op);
        self.ops.insert(
            name.clone(),
            Op {
                scope: scope.into(),
                target: target.into(),
                insert,
                ticks: TICKS,
                error,
            },
        );
        self.op_json(&name)
    }

    fn op_json(&self, name: &str) -> Value {
        let op = &self.ops[name];
        let status = match op.ticks {
            0 => "DONE",
            1 => "RUNNING",
            _ => "PENDING",
        };
        let mut v = json!({
            "kind": "compute#operation",
            "id": "4242",
            "name": name,
            "operationType": if op.insert.is_some() { "insert" } else { "delete" },
            "status": status,
            "progress": if status == "DONE" { 100 } else { 0 },
            "targetLink": format!("{LINK}{}", op.target),
            "selfLink": format!("{LINK}{}/operations/{name}", op.scope),
        });
        if op.scope.contains("/regions/") {
            v["region"] = format!("{LINK}{}", op.scope).into();
        }
        if status == "DONE" {
            if let Some(e) = &op.error {
                v["error"] = json!({"errors": [{"code": "QUOTA_EXCEEDED", "message": e}]});
                v["httpErrorStatusCode"] = 403.into();
                v["httpErrorMessage"] = "FORBIDDEN".into();
            }
        }
        v
    }

    fn tick(&mut self, name: &str) {
        let Some(op) = self.ops.get_mut(name) else {
            return;
        };
        if op.ticks == 0 {
            return;
        }
        op.ticks -= 1;
        if op.ticks > 0 || op.error.is_some() {
            return;
        }
        let op = op.clone();
        match op.insert {
            Some(body) => {
                self.resources.insert(op.target.clone(), body);
            }
            None => {
                self.resources.remove(&op.target);
            }
        }
    }
}

/// The body as Compute keeps it: references as full URLs, more fields.
fn stored(path: &str, coll: &str, body: &Value) -> Value {
    let mut v = body.clone();
    for k in ["network", "networkProfile"] {
        if let Some(s) = v[k].as_str() {
            v[k] = format!("{LINK}{s}").into();
        }
    }
    v["id"] = "1234567890".into();
    v["selfLink"] = format!("{LINK}{path}").into();
    v["creationTimestamp"] = "2026-12-02T00:00:00.000-08:00".into();
    v["kind"] = format!("compute#{}", coll.trim_end_matches('s')).into();
    if coll == "subnetworks" {
        v["gatewayAddress"] = "10.0.0.1".into();
        v["stackType"] = "IPV4_ONLY".into();
    }
    if coll == "firewalls" {
        v["disabled"] = false.into();
    }
    v
}

fn handle(state: &Arc<Mutex<State>>, req: &Request) -> Response {
    let mut st = state.lock().unwrap();
    if req.header("authorization") != Some(&format!("Bearer {}", st.token)) {
        return err(
            401,
            "authError",
            "Request had invalid authentication credentials.",
        );
    }
    let Some(path) = req.path.strip_prefix(PREFIX) else {
        return err(404, "notFound", "unknown path");
    };
    let Some((scope, coll, name)) = split(path) else {
        return err(404, "notFound", "unknown path");
    };
    let known = matches!(
        (scope.contains("/regions/"), coll),
        (false, "networks" | "firewalls" | "operations") | (true, "subnetworks" | "operations")
    );
    if !known {
        return err(
            404,
            "notFound",
            &format!("unknown collection {scope}/{coll}"),
        );
    }
    let not_found = |p: &str| {
        err(
            404,
            "notFound",
            &format!("The resource '{p}' was not found"),
        )
    };
    match (req.method.as_str(), coll, name) {
        ("GET", "operations", Some(n)) => match st.ops.get(n) {
            Some(op) if op.scope == scope => {
                st.tick(n);
                Response::json(200, &st.op_json(n))
            }
            _ => not_found(path),
        },
        ("POST", _, None) if coll != "operations" => {
            let Ok(body) = serde_json::from_str::<Value>(&req.body) else {
                return err(
                    400,
                    "parseError",
                    "This API does not support parsing form-encoded input.",
                );
            };
            let Some(n) = body["name"].as_str() else {
                return err(
                    400,
                    "required",
                    "Required field 'resource.name' not specified",
                );
            };
            let target = format!("{scope}/{coll}/{n}");
            let pending = st
                .ops
                .values()
                .any(|o| o.target == target && o.ticks > 0 && o.insert.is_some());
            if st.resources.contains_key(&target) || pending {
                return err(
                    409,
                    "alreadyExists",
                    &format!("The resource '{target}' already exists"),
                );
            }
            let error = st
                .fail
                .as_ref()
                .filter(|(f, _)| f == n)
                .map(|(_, m)| m.clone());
            let v = stored(&target, coll, &body);
            Response::json(200, &st.new_op(&scope, &target, Some(v), error))
        }
        ("GET", _, Some(_)) => {
            // Operations run by themselves: a get of their target moves
            // them on too (an insert whose reply was lost is never polled).
            let running: Vec<String> = st
                .ops
                .iter()
                .filter(|(_, o)| o.target == path && o.ticks > 0)
                .map(|(n, _)| n.clone())
                .collect();
            for n in running {
                st.tick(&n);
            }
            get(&st, path)
        }
        ("DELETE", _, Some(_)) if coll != "operations" => {
            if !st.resources.contains_key(path) {
                return not_found(path);
            }
            let p = path.to_string();
            Response::json(200, &st.new_op(&scope, &p, None, None))
        }
        _ => err(400, "badRequest", "unsupported method"),
    }
}

fn get(st: &State, path: &str) -> Response {
    match st.resources.get(path) {
        Some(v) => Response::json(200, v),
        None => err(
            404,
            "notFound",
            &format!("The resource '{path}' was not found"),
        ),
    }
}

impl Fake {
    pub fn start(token: &str) -> Fake {
        let state = Arc::new(Mutex::new(State {
            token: token.into(),
            ..State::default()
        }));
        let s2 = state.clone();
        let handler: Handler = Arc::new(move |req: &Request| handle(&s2, req));
        Fake {
            server: Server::start(None, handler),
            state,
        }
    }

    /// `http://<addr>/compute/v1/`: the root `--compute-endpoint` takes.
    pub fn base(&self) -> String {
        format!("http://{}{PREFIX}", self.server.addr)
    }

    /// Put a resource in place as if created earlier, from the body of an
    /// insert (`path` is the insert's collection).
    pub fn seed(&self, collection: &str, body: &Value) {
        let coll = collection.rsplit('/').next().unwrap();
        let path = format!("{collection}/{}", body["name"].as_str().unwrap());
        let v = stored(&path, coll, body);
        self.state.lock().unwrap().resources.insert(path, v);
    }

    /// The inserts it received (POSTs that it handled), in order.
    pub fn inserts(&self) -> Vec<Request> {
        self.server
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.outcome == "ok")
            .collect()
    }

    pub fn names(&self) -> Vec<String> {
        self.state
            .lock()
            .unwrap()
            .resources
            .keys()
            .cloned()
            .collect()
    }
}
