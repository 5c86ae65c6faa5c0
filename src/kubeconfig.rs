//! The kubeconfig, in the form `gcloud container clusters get-credentials`
//! writes: one cluster, context and user named `gke_<project>_<location>_<cluster>`,
//! authenticating through the `gke-gcloud-auth-plugin` exec plugin.

use crate::model::Model;
use serde_json::{json, Value};

/// What a live cluster tells us: its endpoint and CA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Host, IP or `host:port` (no scheme), as GKE's `Cluster.endpoint`.
    pub endpoint: String,
    /// `masterAuth.clusterCaCertificate`: base64 PEM, used verbatim.
    pub ca_certificate: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClusterJsonError {
    #[error("not a GKE Cluster resource: {0}")]
    Json(String),
    #[error("the cluster has no `endpoint` yet (status {0}); wait until it is RUNNING")]
    NoEndpoint(String),
    #[error("the cluster has no `masterAuth.clusterCaCertificate`")]
    NoCa,
}

/// Read endpoint and CA from a GKE Cluster resource as `clusters.get` returns it.
pub fn endpoint_from_cluster_json(text: &str) -> Result<Endpoint, ClusterJsonError> {
    let v: Value = serde_json::from_str(text).map_err(|e| ClusterJsonError::Json(e.to_string()))?;
    endpoint_from_cluster(&v)
}

pub fn endpoint_from_cluster(v: &Value) -> Result<Endpoint, ClusterJsonError> {
    if !v.is_object() {
        return Err(ClusterJsonError::Json("expected a JSON object".into()));
    }
    let endpoint = v["endpoint"].as_str().filter(|e| !e.is_empty());
    let Some(endpoint) = endpoint else {
        return Err(ClusterJsonError::NoEndpoint(
            v["status"].as_str().unwrap_or("unknown").to_string(),
        ));
    };
    let ca = v["masterAuth"]["clusterCaCertificate"]
        .as_str()
        .filter(|c| !c.is_empty())
        .ok_or(ClusterJsonError::NoCa)?;
    Ok(Endpoint {
        endpoint: endpoint.to_string(),
        ca_certificate: ca.to_string(),
    })
}

/// The name gcloud gives the cluster, context and user.
pub fn context_name(m: &Model) -> String {
    format!("gke_{}_{}_{}", m.project, m.location, m.cluster_name)
}

pub const INSTALL_HINT: &str = "Install gke-gcloud-auth-plugin for use with kubectl by following https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin";

/// The placeholder server used before the cluster exists (RFC 6761 `.invalid`).
pub fn placeholder_server(m: &Model) -> String {
    format!(
        "https://{}.{}.{}.invalid",
        m.cluster_name, m.location, m.project
    )
}

/// The kubeconfig as a JSON value (the structure kubectl reads).
pub fn value(m: &Model, ep: Option<&Endpoint>) -> Value {
    let name = context_name(m);
    let mut cluster = serde_json::Map::new();
    if let Some(ep) = ep {
        cluster.insert(
            "certificate-authority-data".into(),
            ep.ca_certificate.clone().into(),
        );
        cluster.insert("server".into(), format!("https://{}", ep.endpoint).into());
    } else {
        cluster.insert("server".into(), placeholder_server(m).into());
    }
    json!({
        "apiVersion": "v1",
        "clusters": [{"cluster": cluster, "name": name}],
        "contexts": [{"context": {"cluster": name, "user": name}, "name": name}],
        "current-context": name,
        "kind": "Config",
        "preferences": {},
        "users": [{
            "name": name,
            "user": {"exec": {
                "apiVersion": "client.authentication.k8s.io/v1beta1",
                "command": "gke-gcloud-auth-plugin",
                "installHint": INSTALL_HINT,
                "provideClusterInfo": true,
            }}
        }],
    })
}

/// The kubeconfig file's text.
pub fn render(m: &Model, ep: Option<&Endpoint>) -> String {
    let body = crate::yaml::to_yaml(&value(m, ep));
    if ep.is_some() {
        return body;
    }
    format!(
        "# PLACEHOLDER: cluster {c} does not exist yet, so this kubeconfig has no CA and its\n\
         # server is under .invalid (RFC 6761). Fill it in once the cluster is RUNNING:\n\
         #   gcloud container clusters describe {c} --location {l} --project {p} --format json > cluster.json\n\
         #   podwire kubeconfig SPEC --cluster cluster.json\n\
         # (or `podwire apply SPEC`, or `gcloud container clusters get-credentials {c} --location {l} --project {p}`).\n{body}",
        c = m.cluster_name,
        l = m.location,
        p = m.project
    )
}
