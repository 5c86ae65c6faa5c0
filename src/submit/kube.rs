//! The cluster's Kubernetes API: server-side apply (field manager
//! `podwire`), get, delete, and readiness of workloads. TLS is verified
//! against the cluster CA only; the bearer is the Google access token.

use super::auth::Credentials;
use super::http::{ca_roots, Client, Method, Reply};
use super::{SubmitError, Tuning};
use crate::k8s::Object;
use crate::kubeconfig::Endpoint;
use serde_json::Value;

pub const FIELD_MANAGER: &str = "podwire";
pub const APPLY_CONTENT_TYPE: &str = "application/apply-patch+yaml";

/// The REST path of an object.
pub fn object_path(o: &Object) -> String {
    let (api_version, _, plural) = o.type_info();
    let root = if api_version.contains('/') {
        format!("/apis/{api_version}")
    } else {
        format!("/api/{api_version}")
    };
    match o.namespace() {
        Some(ns) => format!("{root}/namespaces/{ns}/{plural}/{}", o.name()),
        None => format!("{root}/{plural}/{}", o.name()),
    }
}

/// `Kind/name` (with the namespace when namespaced), for messages.
pub fn describe(o: &Object) -> String {
    let (_, kind, _) = o.type_info();
    match o.namespace() {
        Some(ns) => format!("{kind} {ns}/{}", o.name()),
        None => format!("{kind} {}", o.name()),
    }
}

/// The apply body: exactly this object's document of `manifests_yaml()`.
pub fn apply_body(o: &Object) -> Result<String, SubmitError> {
    o.to_yaml().map_err(|e| SubmitError::Render(e.into()))
}

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

pub struct Kube {
    client: Client,
    server: String,
}

fn api_err(what: String, r: &Reply) -> SubmitError {
    SubmitError::Api {
        what,
        status: r.status,
        message: r.message(),
    }
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

impl Kube {
    pub fn new(ep: &Endpoint, creds: Credentials, tuning: Tuning) -> Result<Kube, SubmitError> {
        let ca = ca_roots(&ep.ca_certificate)?;
        Ok(Kube {
            client: Client::cluster(creds, tuning, ca),
            server: format!("https://{}", ep.endpoint.trim_end_matches('/')),
        })
    }

    pub fn get(&self, path: &str) -> Result<Option<Value>, SubmitError> {
        let r = self
            .client
            .send(Method::Get, &format!("{}{path}", self.server), None)?;
        match r.status {
            404 => Ok(None),
            _ if r.ok() => Ok(Some(r.json())),
            _ => Err(api_err(format!("get {path}"), &r)),
        }
    }

    /// Server-side apply one object (with `dryRun=All` for a dry run).
    pub fn apply(&self, o: &Object, dry_run: bool) -> Result<Outcome, SubmitError> {
        let path = object_path(o);
        let before = self.get(&path)?;
        let mut url = format!(
            "{}{path}?fieldManager={FIELD_MANAGER}&force=true",
            self.server
        );
        if dry_run {
            url.push_str("&dryRun=All");
        }
        let body = apply_body(o)?;
        let r = self
            .client
            .send(Method::Patch, &url, Some((APPLY_CONTENT_TYPE, &body)))?;
        if dry_run && r.status == 404 && before.is_none() {
            // Its namespace does not exist yet either: it would be created.
            return Ok(Outcome::Created);
        }
        if !r.ok() {
            return Err(api_err(format!("apply {}", describe(o)), &r));
        }
        let after = r.json();
        Ok(match before {
            None => Outcome::Created,
            Some(b) => {
                let same = if dry_run {
                    comparable(&b) == comparable(&after)
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

    /// Delete one object (background propagation); `false` when it was gone.
    pub fn delete(&self, o: &Object) -> Result<bool, SubmitError> {
        let url = format!(
            "{}{}?propagationPolicy=Background",
            self.server,
            object_path(o)
        );
        let r = self.client.send(Method::Delete, &url, None)?;
        match r.status {
            404 => Ok(false),
            _ if r.ok() => Ok(true),
            _ => Err(api_err(format!("delete {}", describe(o)), &r)),
        }
    }
}

/// Readiness of a workload: `Ok(None)` when ready (Deployments and
/// StatefulSets available, Jobs started), `Ok(Some(progress))` while not,
/// `Err(message)` when it failed.
pub fn readiness(o: &Object, live: &Value) -> Result<Option<String>, String> {
    let want = o.to_json()["spec"]["replicas"].as_u64().unwrap_or(1);
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

/// Whether podwire waits for this object.
pub fn is_workload(o: &Object) -> bool {
    matches!(
        o,
        Object::Deployment(_) | Object::StatefulSet(_) | Object::Job(_)
    )
}
