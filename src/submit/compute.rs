//! The Compute Engine v1 client for the GPUDirect networks: sends the
//! requests the core describes ([`crate::plan::compute`]) and follows their
//! operations until DONE, within the deadline, through the same client
//! (retries, token, TLS) as the GKE calls.

use super::auth::Credentials;
use super::http::Client;
use super::ui::Progress;
use super::{Deadline, SubmitError, Tuning};
use crate::plan::compute::{self as plan, Inserted, OperationState, Step};
use crate::plan::reply::{Reply, ReplyError};
use serde_json::Value;

const API: &str = "Compute Engine API";

/// The API root from the flag and the gcloud override variable.
pub fn base_url(flag: Option<&str>) -> Result<String, SubmitError> {
    let env = std::env::var(crate::plan::endpoint::COMPUTE_ENDPOINT_ENV).ok();
    Ok(crate::plan::endpoint::compute_base(flag, env.as_deref())?)
}

pub struct Compute {
    client: Client,
    base: String,
    tuning: Tuning,
}

impl Compute {
    pub fn new(base: String, creds: Credentials, tuning: Tuning, deadline: Deadline) -> Compute {
        Compute {
            client: Client::google(creds, tuning.clone(), deadline).for_api(API),
            base,
            tuning,
        }
    }

    fn call<T>(
        &self,
        method: http::Method,
        path: &str,
        body: Option<&Value>,
        what: &str,
        read: impl FnOnce(&Reply) -> Result<T, ReplyError>,
    ) -> Result<T, SubmitError> {
        let url = plan::url(&self.base, path);
        let mut b = http::Request::builder().method(method.clone()).uri(&url);
        if body.is_some() {
            b = b.header(http::header::CONTENT_TYPE, "application/json");
        }
        let req = b
            .body(body.map(|v| v.to_string().into_bytes()).unwrap_or_default())
            .map_err(|e| SubmitError::Transport {
                api: API,
                method: "request",
                url: url.clone(),
                message: e.to_string(),
            })?;
        let reply = self.client.send(req)?;
        read(&reply).map_err(|source| SubmitError::Reply {
            what: format!("{what} ({API} {method} {url})"),
            source,
        })
    }

    /// `get`; `None` when Compute says it does not exist.
    pub fn get(&self, s: &Step) -> Result<Option<Value>, SubmitError> {
        self.call(
            http::Method::GET,
            &s.path(),
            None,
            &format!("get {}", s.label()),
            |r| plan::read_get(s, r),
        )
    }

    /// After a 409: the resource, once `get` finds it. An insert of ours
    /// whose reply was lost is still running (its operation unknown): the
    /// 409 comes before the resource is readable, so absence is waited
    /// out, until the deadline.
    pub fn get_existing(&self, s: &Step) -> Result<Value, SubmitError> {
        let deadline = *self.client.deadline();
        loop {
            if let Some(v) = self.get(s)? {
                return Ok(v);
            }
            deadline.sleep_poll(self.tuning.poll, || {
                format!(
                    "{} to be readable (Compute answered 409 ALREADY_EXISTS, yet not found)",
                    s.label()
                )
            })?;
        }
    }

    /// `insert` with the compiled body, verbatim.
    pub fn insert(&self, s: &Step) -> Result<Inserted, SubmitError> {
        self.call(
            http::Method::POST,
            &s.collection,
            Some(&s.body),
            &format!("create {}", s.label()),
            plan::read_insert,
        )
    }

    /// `delete`; `None` when Compute says it does not exist.
    pub fn delete(&self, s: &Step) -> Result<Option<Value>, SubmitError> {
        self.call(
            http::Method::DELETE,
            &s.path(),
            None,
            &format!("delete {}", s.label()),
            |r| plan::read_delete(s, r),
        )
    }

    /// Follow the operation (in the step's scope: global or regional)
    /// until DONE; a failed one is reported with Compute's messages.
    pub fn wait(&self, s: &Step, mut op: Value, what: &str) -> Result<(), SubmitError> {
        let deadline = *self.client.deadline();
        let name = op["name"].as_str().unwrap_or_default().to_string();
        let mut progress = Progress::new(&format!("{what}: operation {name} started"));
        loop {
            match plan::operation_state(&op) {
                OperationState::Done => {
                    progress.finish(&format!("{what}: done"));
                    return Ok(());
                }
                OperationState::Failed(message) => {
                    return Err(SubmitError::OperationFailed {
                        operation: format!("{name} ({what})"),
                        message,
                    })
                }
                OperationState::Pending { status, .. } => {
                    progress.set(&format!("{what}: operation {name} {status}"));
                    deadline.sleep_poll(self.tuning.poll, || {
                        format!("{what} (operation {name} is {status})")
                    })?;
                }
            }
            op = self.call(
                http::Method::GET,
                &s.operation_path(&name),
                None,
                &format!("get operation {name}"),
                plan::read_operation,
            )?;
        }
    }
}
