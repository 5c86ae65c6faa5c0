//! The kubeconfig, in the form `gcloud container clusters get-credentials`
//! writes: one cluster, context and user named `gke_<project>_<location>_<cluster>`,
//! authenticating through the `gke-gcloud-auth-plugin` exec plugin.

use crate::model::Model;
use serde::Serialize;
use serde_json::Value;

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
    #[error(
        "the cluster is RUNNING but has no `endpoint`: this is not a complete `clusters.get` reply"
    )]
    RunningWithoutEndpoint,
    #[error("this is the resource of cluster `{found}`, not of this spec's cluster `{wanted}`")]
    OtherCluster { found: String, wanted: String },
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
        return Err(match v["status"].as_str() {
            Some("RUNNING") => ClusterJsonError::RunningWithoutEndpoint,
            status => ClusterJsonError::NoEndpoint(status.unwrap_or("unknown").to_string()),
        });
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

/// [`endpoint_from_cluster_json`] for this spec's cluster: a resource whose
/// `name`, `location` or project (in `selfLink`) is another cluster's is
/// refused, so a context named for this cluster never points at another.
pub fn endpoint_for(m: &Model, text: &str) -> Result<Endpoint, ClusterJsonError> {
    let v: Value = serde_json::from_str(text).map_err(|e| ClusterJsonError::Json(e.to_string()))?;
    let wanted = format!("{}/{}/{}", m.project, m.location, m.cluster_name);
    // A field the resource leaves out cannot name another cluster; one that
    // is there must be this cluster's.
    let name = v["name"].as_str().unwrap_or(&m.cluster_name);
    let location = v["location"].as_str().unwrap_or(&m.location);
    // selfLink: https://container.googleapis.com/v1/projects/P/locations/L/clusters/N;
    // P may be the project number, which the spec does not know.
    let project = v["selfLink"]
        .as_str()
        .and_then(|l| l.split("/projects/").nth(1))
        .and_then(|rest| rest.split('/').next())
        .filter(|p| !p.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(&m.project);
    if name != m.cluster_name || location != m.location || project != m.project {
        return Err(ClusterJsonError::OtherCluster {
            found: format!("{project}/{location}/{name}"),
            wanted,
        });
    }
    endpoint_from_cluster(&v)
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

/// The kubeconfig gcloud writes, typed (field order is the file's order).
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Kubeconfig<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    clusters: [Named<'a, ClusterEntry<'a>>; 1],
    contexts: [Named<'a, ContextEntry<'a>>; 1],
    current_context: &'a str,
    kind: &'static str,
    preferences: Empty,
    users: [UserEntry<'a>; 1],
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct Named<'a, T> {
    #[serde(flatten)]
    inner: T,
    name: &'a str,
}

#[derive(Serialize)]
struct ClusterEntry<'a> {
    cluster: ClusterData<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ClusterData<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    certificate_authority_data: Option<&'a str>,
    server: String,
}

#[derive(Serialize)]
struct ContextEntry<'a> {
    context: ContextData<'a>,
}

#[derive(Serialize)]
struct ContextData<'a> {
    cluster: &'a str,
    user: &'a str,
}

#[derive(Serialize)]
struct UserEntry<'a> {
    name: &'a str,
    user: UserData,
}

#[derive(Serialize)]
struct UserData {
    exec: ExecConfig,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExecConfig {
    api_version: &'static str,
    command: &'static str,
    install_hint: &'static str,
    provide_cluster_info: bool,
}

fn typed<'a>(m: &Model, ep: Option<&'a Endpoint>, name: &'a str) -> Kubeconfig<'a> {
    let cluster = match ep {
        Some(ep) => ClusterData {
            certificate_authority_data: Some(&ep.ca_certificate),
            server: format!("https://{}", ep.endpoint),
        },
        None => ClusterData {
            certificate_authority_data: None,
            server: placeholder_server(m),
        },
    };
    Kubeconfig {
        api_version: "v1",
        clusters: [Named {
            inner: ClusterEntry { cluster },
            name,
        }],
        contexts: [Named {
            inner: ContextEntry {
                context: ContextData {
                    cluster: name,
                    user: name,
                },
            },
            name,
        }],
        current_context: name,
        kind: "Config",
        preferences: Empty {},
        users: [UserEntry {
            name,
            user: UserData {
                exec: ExecConfig {
                    api_version: "client.authentication.k8s.io/v1beta1",
                    command: "gke-gcloud-auth-plugin",
                    install_hint: INSTALL_HINT,
                    provide_cluster_info: true,
                },
            },
        }],
    }
}

/// The kubeconfig as a JSON value (the structure kubectl reads; what
/// `apply` merges into the user's file).
pub fn value(m: &Model, ep: Option<&Endpoint>) -> Value {
    let name = context_name(m);
    serde_json::to_value(typed(m, ep, &name)).unwrap_or(Value::Null)
}

/// The kubeconfig file's text.
pub fn render(m: &Model, ep: Option<&Endpoint>) -> Result<String, crate::yaml::Error> {
    let name = context_name(m);
    let body = crate::yaml::to_yaml(&typed(m, ep, &name))?;
    if ep.is_some() {
        return Ok(body);
    }
    Ok(format!(
        "# PLACEHOLDER: cluster {c} does not exist yet, so this kubeconfig has no CA and its\n\
         # server is under .invalid (RFC 6761). Fill it in once the cluster is RUNNING:\n\
         #   gcloud container clusters describe {c} --location {l} --project {p} --format json > cluster.json\n\
         #   podwire kubeconfig SPEC --cluster cluster.json\n\
         # (or `podwire apply SPEC`, or `gcloud container clusters get-credentials {c} --location {l} --project {p}`).\n{body}",
        c = m.cluster_name,
        l = m.location,
        p = m.project
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> Model {
        crate::analyze(include_str!("../examples/seed.yaml"))
            .model
            .expect("seed compiles")
    }

    fn cluster(project: &str, location: &str, name: &str, status: &str, endpoint: &str) -> String {
        serde_json::json!({
            "name": name,
            "location": location,
            "status": status,
            "selfLink": format!("https://container.googleapis.com/v1/projects/{project}/locations/{location}/clusters/{name}"),
            "endpoint": endpoint,
            "masterAuth": {"clusterCaCertificate": "Q0E="},
        })
        .to_string()
    }

    #[test]
    fn only_this_specs_cluster_fills_its_kubeconfig() {
        let m = seed();
        let (p, l, n) = (
            m.project.as_str(),
            m.location.as_str(),
            m.cluster_name.as_str(),
        );
        let ok = endpoint_for(&m, &cluster(p, l, n, "RUNNING", "203.0.113.7"));
        assert_eq!(ok.map(|e| e.endpoint), Ok("203.0.113.7".to_string()));
        // The project number in selfLink is not a mismatch.
        assert!(endpoint_for(&m, &cluster("123456789", l, n, "RUNNING", "203.0.113.7")).is_ok());
        for other in [
            cluster(p, l, "someone-else", "RUNNING", "198.51.100.1"),
            cluster(p, "europe-west4-a", n, "RUNNING", "198.51.100.1"),
            cluster("other-project", l, n, "RUNNING", "198.51.100.1"),
        ] {
            assert!(
                matches!(
                    endpoint_for(&m, &other),
                    Err(ClusterJsonError::OtherCluster { .. })
                ),
                "{other}"
            );
        }
    }

    #[test]
    fn a_running_cluster_without_endpoint_is_not_told_to_wait() {
        let m = seed();
        let (p, l, n) = (
            m.project.as_str(),
            m.location.as_str(),
            m.cluster_name.as_str(),
        );
        assert_eq!(
            endpoint_for(&m, &cluster(p, l, n, "RUNNING", "")),
            Err(ClusterJsonError::RunningWithoutEndpoint)
        );
        assert_eq!(
            endpoint_for(&m, &cluster(p, l, n, "PROVISIONING", "")),
            Err(ClusterJsonError::NoEndpoint("PROVISIONING".into()))
        );
    }
}
