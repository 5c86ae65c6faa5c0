//! The GKE v1 REST API client: sends the requests the core describes
//! ([`crate::plan::gke`]), follows long-running operations and the cluster
//! until they are done, within the deadline.

use super::auth::Credentials;
use super::http::Client;
use super::ui::{self, Progress};
use super::{Deadline, SubmitError, Tuning};
use crate::model::{Model, Pool};
use crate::plan::gke::{self as plan, ClusterState, Created, OperationState};
use crate::plan::reply::{Reply, ReplyError};
use crate::Compilation;
use serde_json::Value;

/// The API root from the flag and the gcloud override variable (the
/// choice, and the refusal of plain HTTP beyond loopback, are the core's).
pub fn base_url(flag: Option<&str>) -> Result<String, SubmitError> {
    let env = std::env::var(crate::plan::endpoint::GKE_ENDPOINT_ENV).ok();
    Ok(crate::plan::endpoint::gke_base(flag, env.as_deref())?)
}

pub struct Gke {
    client: Client,
    base: String,
    pub tuning: Tuning,
}

fn request(
    method: http::Method,
    url: &str,
    body: Option<String>,
) -> Result<http::Request<Vec<u8>>, SubmitError> {
    let mut b = http::Request::builder().method(method).uri(url);
    if body.is_some() {
        b = b.header(http::header::CONTENT_TYPE, "application/json");
    }
    b.body(body.map(String::into_bytes).unwrap_or_default())
        .map_err(|e| SubmitError::Transport {
            api: "GKE API",
            method: "request",
            url: url.to_string(),
            message: e.to_string(),
        })
}

impl Gke {
    pub fn new(base: String, creds: Credentials, tuning: Tuning, deadline: Deadline) -> Gke {
        Gke {
            client: Client::google(creds, tuning.clone(), deadline),
            base,
            tuning,
        }
    }

    fn deadline(&self) -> Deadline {
        *self.client.deadline()
    }

    /// Send, and read the reply with `read`; its errors name the request.
    fn call<T>(
        &self,
        method: http::Method,
        path: &str,
        body: Option<String>,
        what: &str,
        read: impl FnOnce(&Reply) -> Result<T, ReplyError>,
    ) -> Result<T, SubmitError> {
        let url = plan::url(&self.base, path);
        let reply = self.client.send(request(method.clone(), &url, body)?)?;
        read(&reply).map_err(|source| SubmitError::Reply {
            what: format!("{what} (GKE API {method} {url})"),
            source,
        })
    }

    /// `clusters.get`; `None` when GKE says it does not exist.
    pub fn get_cluster(&self, m: &Model) -> Result<Option<Value>, SubmitError> {
        self.call(
            http::Method::GET,
            &plan::cluster_path(m),
            None,
            &format!("get cluster {}", m.cluster_name),
            |r| plan::read_cluster(m, r),
        )
    }

    /// `clusters.create` with the compiled request, verbatim.
    pub fn create_cluster(&self, c: &Compilation) -> Result<Created, SubmitError> {
        self.call(
            http::Method::POST,
            &plan::clusters_path(&c.model),
            Some(c.cluster_json()?),
            &format!("create cluster {}", c.model.cluster_name),
            plan::read_create,
        )
    }

    /// `nodePools.create` with the core's body.
    pub fn create_node_pool(&self, m: &Model, p: &Pool) -> Result<Created, SubmitError> {
        self.call(
            http::Method::POST,
            &plan::node_pools_path(m),
            Some(plan::node_pool_request(m, p).to_string()),
            &format!("create node pool {}", p.name),
            plan::read_create,
        )
    }

    /// `clusters.delete`; `None` when GKE says it does not exist.
    pub fn delete_cluster(&self, m: &Model) -> Result<Option<Value>, SubmitError> {
        self.call(
            http::Method::DELETE,
            &plan::cluster_path(m),
            None,
            &format!("delete cluster {}", m.cluster_name),
            |r| plan::read_delete(m, r),
        )
    }

    fn get_operation(&self, m: &Model, name: &str) -> Result<Value, SubmitError> {
        self.call(
            http::Method::GET,
            &plan::operation_path(m, name),
            None,
            &format!("get operation {name}"),
            plan::read_operation,
        )
    }

    /// Follow an operation until DONE; a failed one is reported with GKE's
    /// own message.
    pub fn wait_operation(&self, m: &Model, mut op: Value, what: &str) -> Result<(), SubmitError> {
        let deadline = self.deadline();
        let name = op["name"].as_str().unwrap_or_default().to_string();
        let started = std::time::Instant::now();
        let mut progress = Progress::new(&format!("{what}: operation {name} started"));
        loop {
            match plan::operation_state(&op) {
                OperationState::Done => {
                    progress.finish(&format!("{what}: done ({}s)", started.elapsed().as_secs()));
                    return Ok(());
                }
                OperationState::Failed(message) => {
                    return Err(SubmitError::OperationFailed {
                        operation: name,
                        message,
                    })
                }
                OperationState::Pending { status, detail } => {
                    progress.set(&format!(
                        "{what}: operation {name} {status}{}",
                        if detail.is_empty() {
                            String::new()
                        } else {
                            format!(" ({detail})")
                        }
                    ));
                    deadline.sleep_poll(self.tuning.poll, || {
                        format!("{what} (operation {name} is {status})")
                    })?;
                }
            }
            op = self.get_operation(m, &name)?;
        }
    }

    /// Follow the cluster (`clusters.get`) until it is RUNNING, reachable,
    /// and none of its node pools is still provisioning. Returns the cluster.
    pub fn wait_running(&self, m: &Model) -> Result<Value, SubmitError> {
        let deadline = self.deadline();
        let mut progress: Option<Progress> = None;
        loop {
            let Some(c) = self.get_cluster(m)? else {
                return Err(SubmitError::ClusterFailed {
                    name: m.cluster_name.clone(),
                    status: "NOT_FOUND".into(),
                    message: "it disappeared while podwire was waiting for it".into(),
                });
            };
            let msg = match plan::cluster_state(&c) {
                ClusterState::Ready { degraded } => {
                    if let Some(why) = degraded {
                        ui::note(&format!(
                            "warning: cluster {} is DEGRADED: {why}",
                            m.cluster_name
                        ));
                    }
                    if let Some(p) = progress {
                        p.finish(&format!("cluster {}: RUNNING", m.cluster_name));
                    }
                    return Ok(c);
                }
                ClusterState::Failed { status, message } => {
                    return Err(SubmitError::ClusterFailed {
                        name: m.cluster_name.clone(),
                        status,
                        message,
                    })
                }
                ClusterState::Unreachable { status, missing } => {
                    return Err(SubmitError::ClusterFailed {
                        name: m.cluster_name.clone(),
                        status,
                        message: format!(
                            "GKE reports it without {missing}, so its Kubernetes API cannot be reached; check it with `gcloud container clusters describe`"
                        ),
                    })
                }
                ClusterState::Waiting { status, pools } if pools.is_empty() => {
                    format!("cluster {}: {status}", m.cluster_name)
                }
                ClusterState::Waiting { status, pools } => format!(
                    "cluster {}: {status}, node pools provisioning: {}",
                    m.cluster_name,
                    pools.join(", ")
                ),
            };
            match &mut progress {
                Some(p) => p.set(&msg),
                None => progress = Some(Progress::new(&msg)),
            }
            deadline.sleep_poll(self.tuning.poll, || {
                format!("cluster {} to be RUNNING ({msg})", m.cluster_name)
            })?;
        }
    }

    /// `nodePools.create`, waiting out other operations on the cluster
    /// (FAILED_PRECONDITION) with backoff until the deadline.
    pub fn create_node_pool_when_free(&self, m: &Model, p: &Pool) -> Result<(), SubmitError> {
        let deadline = self.deadline();
        let mut busy = 0u32;
        loop {
            match self.create_node_pool(m, p)? {
                Created::Operation(op) => {
                    return self.wait_operation(m, op, &format!("create node pool {}", p.name))
                }
                Created::Exists => {
                    ui::note(&format!("node pool {} already exists (409)", p.name));
                    return Ok(());
                }
                Created::Busy(msg) => {
                    busy += 1;
                    let delay = match self.tuning.retry.within(
                        busy,
                        None,
                        deadline.remaining(),
                        super::random_unit(),
                    ) {
                        crate::plan::retry::Next::Retry(d) => d,
                        _ => {
                            return Err(deadline.timed_out(format!(
                                "cluster {} to accept node pool {} (GKE keeps answering: {msg})",
                                m.cluster_name, p.name
                            )))
                        }
                    };
                    ui::note(&format!(
                        "node pool {}: {msg}; trying again in {:.1}s",
                        p.name,
                        delay.as_secs_f64()
                    ));
                    std::thread::sleep(delay);
                }
            }
        }
    }
}
