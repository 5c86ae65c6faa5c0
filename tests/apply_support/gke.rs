//! A fake GKE v1 API: clusters create/get/list/delete, nodePools create,
//! operations get. Operations go PENDING -> RUNNING -> DONE as they are
//! polled (through operations.get or clusters.get of their target); the
//! cluster goes PROVISIONING -> RUNNING, pools PROVISIONING -> RUNNING.

use super::server::{Handler, Request, Response, Server};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub enum OpKind {
    CreateCluster(String),
    CreateNodePool(String, String),
    DeleteCluster(String),
}

#[derive(Debug, Clone)]
pub struct Op {
    pub kind: OpKind,
    pub ticks: u32,
    pub error: Option<String>,
}

#[derive(Debug, Default)]
pub struct State {
    pub clusters: BTreeMap<String, Value>,
    pub ops: BTreeMap<String, Op>,
    pub next_op: u32,
    /// clusters.create calls that created a cluster.
    pub creates: u32,
    pub pool_creates: u32,
    /// What a RUNNING cluster reports.
    pub endpoint: String,
    pub ca_base64: String,
    /// Make the next create operation fail with this message (empty: with
    /// an error that has no message).
    pub fail_create: Option<String>,
    pub token: String,
}

pub struct Fake {
    pub server: Server,
    pub state: Arc<Mutex<State>>,
}

const TICKS: u32 = 3;

fn err(code: u16, status: &str, msg: &str) -> Response {
    Response::json(
        code,
        &json!({"error": {"code": code, "message": msg, "status": status}}),
    )
}

impl State {
    fn op_json(&self, name: &str, location: &str, project: &str) -> Value {
        let op = &self.ops[name];
        let status = match op.ticks {
            0 => "DONE",
            1 => "RUNNING",
            _ => "PENDING",
        };
        let (ty, target) = match &op.kind {
            OpKind::CreateCluster(c) => ("CREATE_CLUSTER", c.clone()),
            OpKind::CreateNodePool(c, p) => ("CREATE_NODE_POOL", format!("{c}/nodePools/{p}")),
            OpKind::DeleteCluster(c) => ("DELETE_CLUSTER", c.clone()),
        };
        let mut v = json!({
            "name": name,
            "zone": location,
            "operationType": ty,
            "status": status,
            "selfLink": format!("https://container.googleapis.com/v1/projects/{project}/locations/{location}/operations/{name}"),
            "targetLink": format!("https://container.googleapis.com/v1/projects/{project}/locations/{location}/clusters/{target}"),
        });
        if status == "DONE" {
            match op.error.as_deref() {
                // GKE can report an error with a code only.
                Some("") => v["error"] = json!({"code": 13}),
                Some(e) => {
                    v["error"] = json!({"code": 8, "message": e});
                    v["statusMessage"] = e.into();
                }
                None => {}
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
        if op.ticks > 0 {
            return;
        }
        let op = op.clone();
        match &op.kind {
            OpKind::CreateCluster(c) => {
                let (endpoint, ca) = (self.endpoint.clone(), self.ca_base64.clone());
                if let Some(cl) = self.clusters.get_mut(c) {
                    if let Some(e) = &op.error {
                        cl["status"] = "ERROR".into();
                        cl["statusMessage"] = e.clone().into();
                    } else {
                        cl["status"] = "RUNNING".into();
                        cl["endpoint"] = endpoint.into();
                        cl["masterAuth"] = json!({"clusterCaCertificate": ca});
                        for p in cl["nodePools"].as_array_mut().into_iter().flatten() {
                            p["status"] = "RUNNING".into();
                        }
                    }
                }
            }
            OpKind::CreateNodePool(c, p) => {
                if let Some(cl) = self.clusters.get_mut(c) {
                    cl["status"] = "RUNNING".into();
                    for np in cl["nodePools"].as_array_mut().into_iter().flatten() {
                        if np["name"] == p.as_str() {
                            np["status"] = "RUNNING".into();
                        }
                    }
                }
            }
            OpKind::DeleteCluster(c) => {
                self.clusters.remove(c);
            }
        }
    }

    fn new_op(&mut self, kind: OpKind, error: Option<String>) -> String {
        self.next_op += 1;
        let name = format!(
            "operation-{}-{:08x}",
            1700000000 + self.next_op,
            self.next_op * 7919
        );
        self.ops.insert(
            name.clone(),
            Op {
                kind,
                ticks: TICKS,
                error,
            },
        );
        name
    }

    /// A cluster as GKE would store it from a create request: the request's
    /// fields plus GKE's own defaults and output-only fields.
    pub fn cluster_from_request(cluster: &Value, location: &str) -> Value {
        let mut c = cluster.clone();
        c["status"] = "PROVISIONING".into();
        c["location"] = location.into();
        c["loggingService"] = "logging.googleapis.com/kubernetes".into();
        c["monitoringService"] = "monitoring.googleapis.com/kubernetes".into();
        c["currentMasterVersion"] = "1.32.4-gke.1106006".into();
        c["initialClusterVersion"] = c["initialClusterVersion"]
            .as_str()
            .map(|v| format!("{v}.4-gke.1106006"))
            .unwrap_or_else(|| "1.32.4-gke.1106006".into())
            .into();
        if let Some(ip) = c["ipAllocationPolicy"].as_object_mut() {
            ip.remove("createSubnetwork");
            ip.insert("clusterIpv4Cidr".into(), "10.4.0.0/14".into());
        }
        for p in c["nodePools"].as_array_mut().into_iter().flatten() {
            p["status"] = "PROVISIONING".into();
            p["version"] = "1.32.4-gke.1106006".into();
            p["config"]["imageType"] = p["config"]["imageType"]
                .as_str()
                .unwrap_or("COS_CONTAINERD")
                .into();
            p["config"]["metadata"] = json!({"disable-legacy-endpoints": "true"});
        }
        c
    }
}

/// `/.../v1/projects/P/locations/L/<rest>` -> (P, L, rest segments).
fn route(path: &str) -> Option<(String, String, Vec<String>)> {
    let i = path.find("/v1/projects/")?;
    let segs: Vec<String> = path[i + "/v1/".len()..]
        .split('/')
        .map(str::to_string)
        .collect();
    if segs.len() < 5 || segs[0] != "projects" || segs[2] != "locations" {
        return None;
    }
    Some((segs[1].clone(), segs[3].clone(), segs[4..].to_vec()))
}

fn handle(state: &Mutex<State>, req: &Request) -> Response {
    let mut st = state.lock().unwrap();
    if req.header("authorization") != Some(&format!("Bearer {}", st.token)) {
        return err(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials.",
        );
    }
    if req.path.contains("/v1/v1/") {
        // As Google's front end answers a URL no API serves.
        return Response::text(
            404,
            "text/html; charset=UTF-8",
            format!("<!DOCTYPE html><html><title>Error 404 (Not Found)!!1</title><p>The requested URL <code>{}</code> was not found on this server.</p></html>", req.path),
        );
    }
    let Some((project, location, rest)) = route(&req.path) else {
        return err(404, "NOT_FOUND", "no such path");
    };
    if req.path.contains("//") {
        return err(404, "NOT_FOUND", "double slash in path");
    }
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    match (req.method.as_str(), rest.as_slice()) {
        ("POST", ["clusters"]) => {
            let Ok(body) = serde_json::from_str::<Value>(&req.body) else {
                return err(400, "INVALID_ARGUMENT", "body is not JSON");
            };
            if body["parent"] != format!("projects/{project}/locations/{location}").as_str() {
                return err(400, "INVALID_ARGUMENT", "parent does not match the URL");
            }
            if req.header("content-type") != Some("application/json") {
                return err(400, "INVALID_ARGUMENT", "content type");
            }
            let name = body["cluster"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if name.is_empty()
                || body["cluster"]["nodePools"]
                    .as_array()
                    .is_none_or(Vec::is_empty)
            {
                return err(
                    400,
                    "INVALID_ARGUMENT",
                    "cluster.name and nodePools are required",
                );
            }
            if st.clusters.contains_key(&name) {
                return err(
                    409,
                    "ALREADY_EXISTS",
                    &format!(
                        "Already exists: projects/{project}/locations/{location}/clusters/{name}."
                    ),
                );
            }
            st.clusters.insert(
                name.clone(),
                State::cluster_from_request(&body["cluster"], &location),
            );
            st.creates += 1;
            let fail = st.fail_create.take();
            let op = st.new_op(OpKind::CreateCluster(name), fail);
            Response::json(200, &st.op_json(&op, &location, &project))
        }
        ("GET", ["clusters"]) => {
            let list: Vec<Value> = st.clusters.values().cloned().collect();
            Response::json(200, &json!({"clusters": list}))
        }
        ("GET", ["clusters", name]) => {
            let pending: Vec<String> = st
                .ops
                .iter()
                .filter(|(_, o)| {
                    o.ticks > 0
                        && match &o.kind {
                            OpKind::CreateCluster(c)
                            | OpKind::CreateNodePool(c, _)
                            | OpKind::DeleteCluster(c) => c == name,
                        }
                })
                .map(|(n, _)| n.clone())
                .collect();
            for n in pending {
                st.tick(&n);
            }
            match st.clusters.get(*name) {
                Some(c) => Response::json(200, c),
                None => err(
                    404,
                    "NOT_FOUND",
                    &format!("Not found: projects/{project}/locations/{location}/clusters/{name}."),
                ),
            }
        }
        ("DELETE", ["clusters", name]) => {
            if !st.clusters.contains_key(*name) {
                return err(
                    404,
                    "NOT_FOUND",
                    &format!("Not found: projects/{project}/locations/{location}/clusters/{name}."),
                );
            }
            st.clusters.get_mut(*name).unwrap()["status"] = "STOPPING".into();
            let op = st.new_op(OpKind::DeleteCluster(name.to_string()), None);
            Response::json(200, &st.op_json(&op, &location, &project))
        }
        ("POST", ["clusters", name, "nodePools"]) => {
            let Ok(body) = serde_json::from_str::<Value>(&req.body) else {
                return err(400, "INVALID_ARGUMENT", "body is not JSON");
            };
            let pool = body["nodePool"].clone();
            let pname = pool["name"].as_str().unwrap_or_default().to_string();
            let Some(cl) = st.clusters.get_mut(*name) else {
                return err(404, "NOT_FOUND", "cluster not found");
            };
            if cl["status"] != "RUNNING" {
                return err(
                    400,
                    "FAILED_PRECONDITION",
                    "Cluster is running incompatible operation.",
                );
            }
            let pools = cl["nodePools"].as_array_mut().unwrap();
            if pools.iter().any(|p| p["name"] == pname.as_str()) {
                return err(409, "ALREADY_EXISTS", "Already exists: node pool");
            }
            let mut p = pool;
            p["status"] = "PROVISIONING".into();
            pools.push(p);
            cl["status"] = "RECONCILING".into();
            st.pool_creates += 1;
            let op = st.new_op(OpKind::CreateNodePool(name.to_string(), pname), None);
            Response::json(200, &st.op_json(&op, &location, &project))
        }
        ("GET", ["operations", name]) => {
            if !st.ops.contains_key(*name) {
                return err(404, "NOT_FOUND", "no such operation");
            }
            st.tick(name);
            Response::json(200, &st.op_json(name, &location, &project))
        }
        _ => err(404, "NOT_FOUND", "unknown method"),
    }
}

impl Fake {
    pub fn start(token: &str, endpoint: &str, ca_base64: &str) -> Fake {
        let state = Arc::new(Mutex::new(State {
            endpoint: endpoint.into(),
            ca_base64: ca_base64.into(),
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

    pub fn base(&self) -> String {
        format!("http://{}/", self.server.addr)
    }

    /// Put a cluster in place as if created earlier (RUNNING, with endpoint).
    pub fn seed_running(&self, cluster_request: &Value, location: &str) {
        let mut st = self.state.lock().unwrap();
        let mut c = State::cluster_from_request(cluster_request, location);
        c["status"] = "RUNNING".into();
        c["endpoint"] = st.endpoint.clone().into();
        c["masterAuth"] = json!({"clusterCaCertificate": st.ca_base64});
        for p in c["nodePools"].as_array_mut().into_iter().flatten() {
            p["status"] = "RUNNING".into();
        }
        let name = c["name"].as_str().unwrap().to_string();
        st.clusters.insert(name, c);
    }

    /// Put a cluster in place as if a create were under way.
    pub fn seed_provisioning(&self, cluster_request: &Value, location: &str) {
        let mut st = self.state.lock().unwrap();
        let c = State::cluster_from_request(cluster_request, location);
        let name = c["name"].as_str().unwrap().to_string();
        st.clusters.insert(name.clone(), c);
        st.new_op(OpKind::CreateCluster(name), None);
    }
}
