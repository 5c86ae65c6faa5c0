//! The GKE v1 REST API: clusters get/create/delete, nodePools create,
//! operations get; following long-running operations; drift between the
//! spec's request and the live cluster.

use super::auth::Credentials;
use super::http::{Client, Method, Reply};
use super::ui::Progress;
use super::{SubmitError, Tuning};
use crate::model::{Model, Pool};
use crate::Compilation;
use serde_json::Value;
use std::time::Instant;

pub const DEFAULT_BASE: &str = "https://container.googleapis.com/";
/// The variable gcloud reads for `api_endpoint_overrides/container`.
pub const ENDPOINT_ENV: &str = "CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER";

/// The API root: `--gke-endpoint`, else the gcloud override variable, else
/// Google's. Always ends in exactly one `/`, so that paths join as gcloud
/// joins them: `<base>v1/projects/...`.
pub fn base_url(flag: Option<&str>) -> String {
    let env = std::env::var(ENDPOINT_ENV).ok();
    let raw = flag
        .map(str::to_string)
        .or(env)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_BASE.to_string());
    format!("{}/", raw.trim_end_matches('/'))
}

pub fn cluster_path(m: &Model) -> String {
    format!("{}/clusters/{}", crate::gke::parent(m), m.cluster_name)
}

/// What a create call found.
#[derive(Debug)]
pub enum Created {
    /// A long-running operation was started.
    Operation(Value),
    /// 409: it exists already (perhaps from our own retried request).
    Exists,
    /// 400 FAILED_PRECONDITION: another operation is running on the cluster
    /// (e.g. an upgrade); try again when it is done. GKE's message.
    Busy(String),
}

pub struct Gke {
    client: Client,
    base: String,
    pub tuning: Tuning,
}

fn api_err(what: String, r: &Reply) -> SubmitError {
    SubmitError::Api {
        what,
        status: r.status,
        message: r.message(),
    }
}

impl Gke {
    pub fn new(base: String, creds: Credentials, tuning: Tuning) -> Gke {
        Gke {
            client: Client::google(creds, tuning.clone()),
            base,
            tuning,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}v1/{}", self.base, path)
    }

    /// `clusters.get`; `None` when it does not exist.
    pub fn get_cluster(&self, m: &Model) -> Result<Option<Value>, SubmitError> {
        let r = self
            .client
            .send(Method::Get, &self.url(&cluster_path(m)), None)?;
        match r.status {
            404 => Ok(None),
            _ if r.ok() => Ok(Some(r.json())),
            _ => Err(api_err(format!("get cluster {}", m.cluster_name), &r)),
        }
    }

    /// `clusters.create` with the compiled request, verbatim.
    pub fn create_cluster(&self, c: &Compilation) -> Result<Created, SubmitError> {
        let url = self.url(&format!("{}/clusters", crate::gke::parent(&c.model)));
        let body = c.cluster_json()?;
        let r = self
            .client
            .send(Method::Post, &url, Some(("application/json", &body)))?;
        match r.status {
            409 => Ok(Created::Exists),
            _ if r.ok() => Ok(Created::Operation(r.json())),
            _ => Err(api_err(
                format!("create cluster {}", c.model.cluster_name),
                &r,
            )),
        }
    }

    /// `nodePools.create` with `gke::node_pool`'s body.
    pub fn create_node_pool(&self, m: &Model, p: &Pool) -> Result<Created, SubmitError> {
        let parent = cluster_path(m);
        let body = serde_json::json!({
            "nodePool": crate::gke::node_pool(m, p),
            "parent": parent,
        });
        let body = serde_json::to_string_pretty(&body).unwrap_or_default();
        let url = self.url(&format!("{parent}/nodePools"));
        let r = self
            .client
            .send(Method::Post, &url, Some(("application/json", &body)))?;
        match r.status {
            409 => Ok(Created::Exists),
            400 if r.json()["error"]["status"] == "FAILED_PRECONDITION" => {
                Ok(Created::Busy(r.message()))
            }
            _ if r.ok() => Ok(Created::Operation(r.json())),
            _ => Err(api_err(format!("create node pool {}", p.name), &r)),
        }
    }

    /// `clusters.delete`; `None` when it does not exist.
    pub fn delete_cluster(&self, m: &Model) -> Result<Option<Value>, SubmitError> {
        let r = self
            .client
            .send(Method::Delete, &self.url(&cluster_path(m)), None)?;
        match r.status {
            404 => Ok(None),
            _ if r.ok() => Ok(Some(r.json())),
            _ => Err(api_err(format!("delete cluster {}", m.cluster_name), &r)),
        }
    }

    fn get_operation(&self, m: &Model, name: &str) -> Result<Value, SubmitError> {
        let path = if name.starts_with("projects/") {
            name.to_string()
        } else {
            format!("{}/operations/{name}", crate::gke::parent(m))
        };
        let r = self.client.send(Method::Get, &self.url(&path), None)?;
        if r.ok() {
            Ok(r.json())
        } else {
            Err(api_err(format!("get operation {name}"), &r))
        }
    }

    /// Follow an operation until DONE; a failed one is reported with GKE's
    /// own message.
    pub fn wait_operation(
        &self,
        m: &Model,
        mut op: Value,
        what: &str,
        deadline: Instant,
    ) -> Result<(), SubmitError> {
        let name = op["name"].as_str().unwrap_or_default().to_string();
        let started = Instant::now();
        let mut progress = Progress::new(&format!("{what}: operation {name} started"));
        loop {
            let status = op["status"].as_str().unwrap_or("UNKNOWN").to_string();
            if status == "DONE" {
                let msg = op["error"]["message"]
                    .as_str()
                    .or_else(|| op["statusMessage"].as_str())
                    .filter(|s| !s.is_empty());
                if let Some(msg) = msg {
                    return Err(SubmitError::OperationFailed {
                        operation: name,
                        message: msg.to_string(),
                    });
                }
                progress.finish(&format!("{what}: done ({}s)", started.elapsed().as_secs()));
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(SubmitError::Timeout {
                    what: format!("{what} (operation {name})"),
                    secs: started.elapsed().as_secs(),
                });
            }
            let detail = op["detail"].as_str().unwrap_or_default();
            progress.set(&format!(
                "{what}: operation {name} {status}{}",
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({detail})")
                }
            ));
            std::thread::sleep(self.tuning.poll);
            if name.is_empty() {
                return Err(SubmitError::OperationFailed {
                    operation: "<unnamed>".into(),
                    message: "GKE returned an operation without a name".into(),
                });
            }
            op = self.get_operation(m, &name)?;
        }
    }

    /// Follow the cluster (`clusters.get`) until it is RUNNING and none of
    /// its node pools is still provisioning. Returns the cluster.
    pub fn wait_running(&self, m: &Model, deadline: Instant) -> Result<Value, SubmitError> {
        let started = Instant::now();
        let mut progress: Option<Progress> = None;
        loop {
            let Some(c) = self.get_cluster(m)? else {
                return Err(SubmitError::ClusterFailed {
                    name: m.cluster_name.clone(),
                    status: "NOT_FOUND".into(),
                    message: "it disappeared while podwire was waiting for it".into(),
                });
            };
            let status = c["status"].as_str().unwrap_or("UNKNOWN").to_string();
            let busy_pools: Vec<String> = c["nodePools"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| matches!(p["status"].as_str(), Some("PROVISIONING")))
                .filter_map(|p| p["name"].as_str().map(str::to_string))
                .collect();
            match status.as_str() {
                "RUNNING" | "DEGRADED" if busy_pools.is_empty() => {
                    if status == "DEGRADED" {
                        eprintln!(
                            "warning: cluster {} is DEGRADED: {}",
                            m.cluster_name,
                            c["statusMessage"].as_str().unwrap_or_default()
                        );
                    }
                    if let Some(p) = progress {
                        p.finish(&format!("cluster {}: RUNNING", m.cluster_name));
                    }
                    return Ok(c);
                }
                "ERROR" | "STOPPING" => {
                    let msg = c["statusMessage"]
                        .as_str()
                        .filter(|s| !s.is_empty())
                        .or_else(|| c["conditions"][0]["message"].as_str())
                        .unwrap_or("no message from GKE");
                    return Err(SubmitError::ClusterFailed {
                        name: m.cluster_name.clone(),
                        status,
                        message: msg.to_string(),
                    });
                }
                _ => {}
            }
            if Instant::now() >= deadline {
                return Err(SubmitError::Timeout {
                    what: format!("cluster {} to be RUNNING (it is {status})", m.cluster_name),
                    secs: started.elapsed().as_secs(),
                });
            }
            let msg = if busy_pools.is_empty() {
                format!("cluster {}: {status}", m.cluster_name)
            } else {
                format!(
                    "cluster {}: {status}, node pools provisioning: {}",
                    m.cluster_name,
                    busy_pools.join(", ")
                )
            };
            match &mut progress {
                Some(p) => p.set(&msg),
                None => progress = Some(Progress::new(&msg)),
            }
            std::thread::sleep(self.tuning.poll);
        }
    }
}

/// Names of the spec's node pools that the live cluster lacks.
pub fn missing_pools<'m>(m: &'m Model, live: &Value) -> Vec<&'m Pool> {
    let have: Vec<&str> = live["nodePools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .collect();
    m.pools
        .iter()
        .filter(|p| !have.contains(&p.name.as_str()))
        .collect()
}

/// One difference between what the spec asks for and what the cluster has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub path: String,
    pub want: String,
    pub have: String,
    /// GKE cannot change it in place (the cluster or pool must be recreated).
    pub immutable: bool,
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: the spec asks for {}, the cluster has {} ({})",
            self.path,
            self.want,
            self.have,
            if self.immutable {
                "cannot be changed in place: recreate it, or change the spec"
            } else {
                "podwire does not update existing clusters: change it with gcloud, or change the spec"
            }
        )
    }
}

/// Fields podwire does not manage after creation: sizes and upgrade knobs
/// change legitimately, `createSubnetwork` is input-only.
const IGNORED: &[&str] = &[
    "initialNodeCount",
    "autoscaling",
    "management",
    "upgradeSettings",
    "createSubnetwork",
    "initialClusterVersion",
];

/// Paths (prefixes) whose drift GKE cannot fix in place.
fn immutable(path: &str) -> bool {
    const IMMUTABLE: &[&str] = &[
        "network",
        "subnetwork",
        "networkConfig.datapathProvider",
        "ipAllocationPolicy",
        "workloadIdentityConfig",
    ];
    IMMUTABLE
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}.")))
        || (path.starts_with("nodePools[")
            && (path.contains("].config.") || path.contains("].placementPolicy")))
}

/// Compare the fields the spec sets with the live cluster. Fields the spec
/// does not set (GKE's defaults) are not drift; neither are proto3 defaults
/// GKE omits (`false`, `0`, `""`).
pub fn drift(c: &Compilation, live: &Value) -> Vec<Drift> {
    let mut want = serde_json::to_value(&c.request.cluster).unwrap_or(Value::Null);
    let mut out = Vec::new();
    if let Some(o) = want.as_object_mut() {
        o.remove("nodePools");
    }
    diff("", &want, &live.clone(), &mut out);
    // Version: "1.32" is satisfied by "1.32.2-gke.1000".
    if let Some(v) = &c.model.version {
        let have = live["initialClusterVersion"].as_str().unwrap_or_default();
        if !matches!(v.as_str(), "latest" | "-")
            && !have.is_empty()
            && !have.starts_with(v.as_str())
        {
            out.push(Drift {
                path: "initialClusterVersion".into(),
                want: v.clone(),
                have: have.into(),
                immutable: false,
            });
        }
    }
    for p in &c.model.pools {
        let want = serde_json::to_value(crate::gke::node_pool(&c.model, p)).unwrap_or(Value::Null);
        let have = live["nodePools"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|lp| lp["name"].as_str() == Some(p.name.as_str()));
        if let Some(have) = have {
            diff(&format!("nodePools[{}]", p.name), &want, have, &mut out);
        }
    }
    for d in &mut out {
        d.immutable = immutable(&d.path);
    }
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "nothing".into(),
        other => other.to_string(),
    }
}

fn is_default(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty() || s == "0",
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.values().all(is_default),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn diff(path: &str, want: &Value, have: &Value, out: &mut Vec<Drift>) {
    match want {
        Value::Object(w) => {
            for (k, wv) in w {
                if IGNORED.contains(&k.as_str()) {
                    continue;
                }
                diff(&join(path, k), wv, &have[k.as_str()], out);
            }
        }
        Value::Array(w) => {
            let h = have.as_array().cloned().unwrap_or_default();
            if w.iter().all(|x| !x.is_object() && !x.is_array()) {
                let mut ws: Vec<String> = w.iter().map(scalar).collect();
                let mut hs: Vec<String> = h.iter().map(scalar).collect();
                ws.sort();
                hs.sort();
                ws.dedup();
                hs.dedup();
                if ws != hs && !(w.is_empty() && h.is_empty()) {
                    out.push(Drift {
                        path: path.to_string(),
                        want: format!("[{}]", ws.join(", ")),
                        have: format!("[{}]", hs.join(", ")),
                        immutable: false,
                    });
                }
            } else {
                for (i, wv) in w.iter().enumerate() {
                    let matched = h.iter().any(|hv| {
                        let mut d = Vec::new();
                        diff("", wv, hv, &mut d);
                        d.is_empty()
                    });
                    if !matched {
                        out.push(Drift {
                            path: format!("{path}[{i}]"),
                            want: wv.to_string(),
                            have: "no matching entry".into(),
                            immutable: false,
                        });
                    }
                }
            }
        }
        _ => {
            let same = scalar(want) == scalar(have) || (have.is_null() && is_default(want));
            if !same {
                out.push(Drift {
                    path: path.to_string(),
                    want: scalar(want),
                    have: scalar(have),
                    immutable: false,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comp() -> Compilation {
        let src = include_str!("../../examples/seed.yaml");
        Compilation::new(crate::analyze(src).model.expect("seed compiles"))
    }

    fn live(c: &Compilation) -> Value {
        let mut v = serde_json::to_value(&c.request.cluster).unwrap();
        v["status"] = "RUNNING".into();
        v["endpoint"] = "10.0.0.1".into();
        // GKE fills defaults the spec does not set, and omits false values.
        v["loggingService"] = "logging.googleapis.com/kubernetes".into();
        if let Some(o) = v["ipAllocationPolicy"].as_object_mut() {
            o.remove("createSubnetwork");
        }
        v
    }

    #[test]
    fn base_url_joins_without_double_slash() {
        assert_eq!(base_url(Some("http://127.0.0.1:9/")), "http://127.0.0.1:9/");
        assert_eq!(base_url(Some("http://127.0.0.1:9")), "http://127.0.0.1:9/");
        assert_eq!(
            base_url(Some("https://x.example/prefix//")),
            "https://x.example/prefix/"
        );
    }

    #[test]
    fn no_drift_against_itself_with_gke_defaults() {
        let c = comp();
        assert_eq!(drift(&c, &live(&c)), vec![]);
    }

    #[test]
    fn immutable_drift_is_reported() {
        let c = comp();
        let mut l = live(&c);
        l["networkConfig"]["datapathProvider"] = "LEGACY_DATAPATH".into();
        let d = drift(&c, &l);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].path, "networkConfig.datapathProvider");
        assert!(d[0].immutable);
    }

    #[test]
    fn pool_drift_is_reported() {
        let c = comp();
        let mut l = live(&c);
        l["nodePools"][0]["config"]["machineType"] = "e2-standard-4".into();
        l["nodePools"][0]["initialNodeCount"] = 7.into();
        let d = drift(&c, &l);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].path.ends_with("].config.machineType"), "{d:?}");
        assert!(d[0].immutable);
    }
}
