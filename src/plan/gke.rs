//! The GKE v1 REST API as podwire uses it: the paths and bodies of
//! clusters get/create/delete, nodePools create and operations get, how each
//! reply is read, and when an operation or a cluster is done.
//!
//! "Absent" is believed only from Google's own JSON `NOT_FOUND` that names
//! the cluster: a proxy's HTML 404 or a 404 for a wrong path is an error, so
//! `delete --cluster` never says "nothing to delete" while the cluster runs.

use super::reply::{Reply, ReplyError};
use crate::model::{Model, Pool};
use serde_json::Value;

pub fn clusters_path(m: &Model) -> String {
    format!("{}/clusters", crate::gke::parent(m))
}

/// `projects/P/locations/L/clusters/NAME`.
pub fn cluster_path(m: &Model) -> String {
    format!("{}/{}", clusters_path(m), m.cluster_name)
}

pub fn node_pools_path(m: &Model) -> String {
    format!("{}/nodePools", cluster_path(m))
}

/// An operation's path: GKE names operations either by their full path or
/// by their short name within the cluster's location.
pub fn operation_path(m: &Model, name: &str) -> String {
    if name.starts_with("projects/") {
        name.to_string()
    } else {
        format!("{}/operations/{name}", crate::gke::parent(m))
    }
}

/// `<base>v1/<path>`, as gcloud joins an API root and a resource path.
pub fn url(base: &str, path: &str) -> String {
    format!("{base}v1/{path}")
}

/// The `nodePools.create` body for one pool of the spec.
pub fn node_pool_request(m: &Model, p: &Pool) -> Value {
    serde_json::json!({
        "nodePool": crate::gke::node_pool(m, p),
        "parent": cluster_path(m),
    })
}

/// Google's own "not found" for this cluster: a JSON error with status
/// `NOT_FOUND` whose message names it (`Not found: projects/.../clusters/NAME.`).
fn says_cluster_absent(m: &Model, r: &Reply) -> bool {
    r.status == 404
        && r.google_error()
            .is_some_and(|e| e.status == "NOT_FOUND" && names_cluster(&e.message, &m.cluster_name))
}

fn names_cluster(message: &str, cluster: &str) -> bool {
    let needle = format!("clusters/{cluster}");
    message.match_indices(&needle).any(|(i, _)| {
        // The whole name: not a prefix of a longer one.
        !message[i + needle.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// Read `clusters.get`: `None` only on Google's word that it does not
/// exist; a cluster must be a JSON object with this cluster's name.
pub fn read_cluster(m: &Model, r: &Reply) -> Result<Option<Value>, ReplyError> {
    if says_cluster_absent(m, r) {
        return Ok(None);
    }
    if !r.ok() {
        return Err(r.api_error());
    }
    let c = r.object_with(&["name", "status"], "a GKE cluster")?;
    if c["name"] != m.cluster_name.as_str() {
        return Err(ReplyError::Unexpected {
            status: r.status,
            expected: "this cluster",
            excerpt: format!("a cluster named {}", c["name"]),
        });
    }
    Ok(Some(c))
}

/// Read `clusters.delete`: the operation, or `None` when GKE says the
/// cluster does not exist.
pub fn read_delete(m: &Model, r: &Reply) -> Result<Option<Value>, ReplyError> {
    if says_cluster_absent(m, r) {
        return Ok(None);
    }
    read_operation(r).map(Some)
}

/// A long-running operation: a JSON object with a name and a status.
pub fn read_operation(r: &Reply) -> Result<Value, ReplyError> {
    if !r.ok() {
        return Err(r.api_error());
    }
    r.object_with(&["name", "status"], "a GKE operation")
}

/// What a create call found.
#[derive(Debug, Clone, PartialEq)]
pub enum Created {
    /// A long-running operation was started.
    Operation(Value),
    /// 409 ALREADY_EXISTS (perhaps from our own retried request).
    Exists,
    /// 400 FAILED_PRECONDITION: another operation is running on the cluster
    /// (e.g. an upgrade); try again when it is done. GKE's message.
    Busy(String),
}

/// Read `clusters.create` or `nodePools.create`.
pub fn read_create(r: &Reply) -> Result<Created, ReplyError> {
    // Google's error status; a 409 from Google without one is still its
    // conflict, a 409 page from anyone else is not.
    let google_status = r.google_error().map(|e| e.status);
    match (r.status, google_status.as_deref()) {
        (409, Some("ALREADY_EXISTS" | "")) => Ok(Created::Exists),
        (400, Some("FAILED_PRECONDITION")) => Ok(Created::Busy(r.message())),
        _ => read_operation(r).map(Created::Operation),
    }
}

/// Where an operation is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationState {
    Done,
    /// DONE with an error: GKE's message, or a note that it gave none.
    Failed(String),
    /// PENDING, RUNNING, ...: its status and GKE's detail, if any.
    Pending {
        status: String,
        detail: String,
    },
}

pub fn operation_state(op: &Value) -> OperationState {
    let status = op["status"].as_str().unwrap_or("UNKNOWN");
    if status != "DONE" {
        return OperationState::Pending {
            status: status.to_string(),
            detail: op["detail"].as_str().unwrap_or_default().to_string(),
        };
    }
    let error = &op["error"];
    let failed = match error {
        Value::Null => false,
        Value::Object(o) => !o.is_empty(),
        _ => true,
    };
    let message = error["message"]
        .as_str()
        .or_else(|| op["statusMessage"].as_str())
        .filter(|s| !s.is_empty());
    match (failed, message) {
        (true, Some(m)) => OperationState::Failed(m.to_string()),
        (true, None) => OperationState::Failed(format!(
            "GKE reports an error without a message (error {})",
            error
        )),
        // A status message on a DONE operation without an error is how the
        // v1 API reported failures before `error` existed.
        (false, Some(m)) => OperationState::Failed(m.to_string()),
        (false, None) => OperationState::Done,
    }
}

/// Where a cluster is, as far as `apply` is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterState {
    /// RUNNING (or DEGRADED, with GKE's message) with no pool provisioning.
    Ready { degraded: Option<String> },
    /// Provisioning, reconciling, or pools still provisioning.
    Waiting { status: String, pools: Vec<String> },
    /// ERROR or STOPPING: GKE's message.
    Failed { status: String, message: String },
    /// RUNNING, yet without an endpoint (or CA) to reach it by.
    Unreachable {
        status: String,
        missing: &'static str,
    },
}

pub fn cluster_state(c: &Value) -> ClusterState {
    let status = c["status"].as_str().unwrap_or("UNKNOWN").to_string();
    let pools: Vec<String> = c["nodePools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["status"].as_str() == Some("PROVISIONING"))
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect();
    match status.as_str() {
        "ERROR" | "STOPPING" => {
            let message = c["statusMessage"]
                .as_str()
                .filter(|s| !s.is_empty())
                .or_else(|| c["conditions"][0]["message"].as_str())
                .unwrap_or("no message from GKE")
                .to_string();
            ClusterState::Failed { status, message }
        }
        "RUNNING" | "DEGRADED" if pools.is_empty() => {
            if c["endpoint"].as_str().is_none_or(str::is_empty) {
                return ClusterState::Unreachable {
                    status,
                    missing: "an endpoint",
                };
            }
            if c["masterAuth"]["clusterCaCertificate"]
                .as_str()
                .is_none_or(str::is_empty)
            {
                return ClusterState::Unreachable {
                    status,
                    missing: "a CA certificate",
                };
            }
            let degraded = (status == "DEGRADED")
                .then(|| c["statusMessage"].as_str().unwrap_or_default().to_string());
            ClusterState::Ready { degraded }
        }
        _ => ClusterState::Waiting { status, pools },
    }
}

/// Whether the cluster's Kubernetes API can be reached to list or delete
/// objects (its endpoint answers in these states).
pub fn api_server_up(status: &str) -> bool {
    matches!(status, "RUNNING" | "DEGRADED" | "RECONCILING")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        crate::analyze(include_str!("../../examples/seed.yaml"))
            .model
            .expect("seed compiles")
    }

    fn not_found(msg: &str) -> Reply {
        Reply::new(
            404,
            serde_json::json!({"error": {"code": 404, "message": msg, "status": "NOT_FOUND"}})
                .to_string(),
        )
    }

    #[test]
    fn paths_are_gclouds() {
        let m = model();
        let parent = crate::gke::parent(&m);
        assert_eq!(
            cluster_path(&m),
            format!("{parent}/clusters/{}", m.cluster_name)
        );
        assert_eq!(
            node_pools_path(&m),
            format!("{}/nodePools", cluster_path(&m))
        );
        assert_eq!(
            operation_path(&m, "op-1"),
            format!("{parent}/operations/op-1")
        );
        assert_eq!(
            operation_path(&m, "projects/p/locations/l/operations/o"),
            "projects/p/locations/l/operations/o"
        );
        assert_eq!(url("https://x/", "projects/p"), "https://x/v1/projects/p");
        let body = node_pool_request(&m, &m.pools[0]);
        assert_eq!(body["parent"], cluster_path(&m).as_str());
        assert_eq!(body["nodePool"]["name"], m.pools[0].name.as_str());
    }

    #[test]
    fn only_googles_not_found_for_this_cluster_means_absent() {
        let m = model();
        let ours = format!("Not found: {}.", cluster_path(&m));
        assert_eq!(read_cluster(&m, &not_found(&ours)), Ok(None));
        assert_eq!(read_delete(&m, &not_found(&ours)), Ok(None));
        // GKE's zonal form of the message names the cluster too.
        let zonal = format!("Not found: projects/p/zones/z/clusters/{}.", m.cluster_name);
        assert_eq!(read_cluster(&m, &not_found(&zonal)), Ok(None));
        for r in [
            Reply::new(404, "<html><body>Not Found</body></html>"),
            Reply::new(404, ""),
            not_found("no such path"),
            not_found(&format!("Not found: projects/p/locations/l/clusters/{}-other.", m.cluster_name)),
            Reply::new(404, r#"{"error":{"code":404,"message":"x clusters/NAME","status":"PERMISSION_DENIED"}}"#.replace("NAME", &m.cluster_name)),
        ] {
            assert!(read_cluster(&m, &r).is_err(), "{r:?}");
            assert!(read_delete(&m, &r).is_err(), "{r:?}");
        }
    }

    #[test]
    fn a_200_that_is_not_this_cluster_is_an_error() {
        let m = model();
        for body in ["<html>ok</html>", "{}", "{\"name\": \"", "null"] {
            assert!(read_cluster(&m, &Reply::new(200, body)).is_err(), "{body}");
        }
        let other = serde_json::json!({"name": "someone-else", "status": "RUNNING"}).to_string();
        assert!(read_cluster(&m, &Reply::new(200, other)).is_err());
        let ours = serde_json::json!({"name": m.cluster_name, "status": "RUNNING"}).to_string();
        assert!(read_cluster(&m, &Reply::new(200, ours)).unwrap().is_some());
    }

    #[test]
    fn create_replies() {
        let exists = Reply::new(
            409,
            r#"{"error":{"code":409,"message":"Already exists","status":"ALREADY_EXISTS"}}"#,
        );
        assert_eq!(read_create(&exists), Ok(Created::Exists));
        let busy = Reply::new(
            400,
            r#"{"error":{"code":400,"message":"incompatible operation","status":"FAILED_PRECONDITION"}}"#,
        );
        assert_eq!(
            read_create(&busy),
            Ok(Created::Busy("incompatible operation".into()))
        );
        let op = Reply::new(200, r#"{"name":"op-1","status":"PENDING"}"#);
        assert!(matches!(read_create(&op), Ok(Created::Operation(_))));
        assert!(read_create(&Reply::new(409, "<html>conflict</html>")).is_err());
        assert!(read_create(&Reply::new(200, "{}")).is_err());
        assert!(read_create(&Reply::new(
            400,
            r#"{"error":{"status":"INVALID_ARGUMENT"}}"#
        ))
        .is_err());
    }

    #[test]
    fn an_operation_done_with_an_error_failed_even_without_a_message() {
        let s = |v: serde_json::Value| operation_state(&v);
        assert_eq!(
            s(serde_json::json!({"status": "DONE"})),
            OperationState::Done
        );
        assert_eq!(
            s(serde_json::json!({"status": "DONE", "error": {}})),
            OperationState::Done
        );
        assert_eq!(
            s(serde_json::json!({"status": "DONE", "error": {"code": 8, "message": "quota"}})),
            OperationState::Failed("quota".into())
        );
        let OperationState::Failed(m) =
            s(serde_json::json!({"status": "DONE", "error": {"code": 13}}))
        else {
            panic!("an error without a message is a failure")
        };
        assert!(m.contains("without a message") && m.contains("13"), "{m}");
        assert_eq!(
            s(serde_json::json!({"status": "RUNNING", "detail": "creating"})),
            OperationState::Pending {
                status: "RUNNING".into(),
                detail: "creating".into()
            }
        );
    }

    #[test]
    fn cluster_states() {
        let ok = serde_json::json!({"status": "RUNNING", "endpoint": "10.0.0.1",
            "masterAuth": {"clusterCaCertificate": "Q0E="}, "nodePools": [{"name": "a", "status": "RUNNING"}]});
        assert_eq!(cluster_state(&ok), ClusterState::Ready { degraded: None });
        let mut busy = ok.clone();
        busy["nodePools"][0]["status"] = "PROVISIONING".into();
        assert_eq!(
            cluster_state(&busy),
            ClusterState::Waiting {
                status: "RUNNING".into(),
                pools: vec!["a".into()]
            }
        );
        let mut no_endpoint = ok.clone();
        no_endpoint.as_object_mut().unwrap().remove("endpoint");
        assert_eq!(
            cluster_state(&no_endpoint),
            ClusterState::Unreachable {
                status: "RUNNING".into(),
                missing: "an endpoint"
            }
        );
        let mut no_ca = ok.clone();
        no_ca["masterAuth"] = serde_json::json!({});
        assert!(matches!(
            cluster_state(&no_ca),
            ClusterState::Unreachable {
                missing: "a CA certificate",
                ..
            }
        ));
        let mut degraded = ok.clone();
        degraded["status"] = "DEGRADED".into();
        degraded["statusMessage"] = "nodes unhealthy".into();
        assert_eq!(
            cluster_state(&degraded),
            ClusterState::Ready {
                degraded: Some("nodes unhealthy".into())
            }
        );
        let failed = serde_json::json!({"status": "ERROR", "conditions": [{"message": "quota"}]});
        assert_eq!(
            cluster_state(&failed),
            ClusterState::Failed {
                status: "ERROR".into(),
                message: "quota".into()
            }
        );
        let prov = serde_json::json!({"status": "PROVISIONING"});
        assert!(matches!(cluster_state(&prov), ClusterState::Waiting { .. }));
        assert!(api_server_up("RECONCILING") && !api_server_up("PROVISIONING"));
    }
}
