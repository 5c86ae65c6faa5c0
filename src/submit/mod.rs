//! The submitter (native only): takes a compiled spec all the way to running
//! pods. It creates the GKE cluster through the GKE v1 REST API, writes the
//! kubeconfig and applies the manifests with server-side apply.
//!
//! Before the cluster, it creates the extra networks of GPUDirect pools
//! through the Compute Engine v1 API (`gke/networks.json`), and `delete
//! --cluster` removes them after it.
//!
//! It decides nothing about WHAT to generate: bodies come from
//! [`crate::Compilation`] verbatim (the cluster request, `gke::node_pool`,
//! the objects in apply order). It only converts and does I/O.
//!
//! Every wait is bounded by the command's [`Deadline`] (`--timeout`): sleeps,
//! retries and each request's own timeout. Nothing it prints holds the
//! access token (replies are scrubbed of it as they are read).
//!
//! Tuning for tests (undocumented, read from the environment):
//! `PODWIRE_BACKOFF_MS` (retry base delay, default 1000),
//! `PODWIRE_MAX_ATTEMPTS` (default 8), `PODWIRE_POLL_MS` (operation and
//! readiness polling, default 5000), `PODWIRE_HTTP_TIMEOUT_MS` (per request,
//! default 60000).

pub mod auth;
pub mod cli;
pub mod compute;
pub mod files;
pub mod gke;
pub mod http;
pub mod kube;
pub mod kubeconfig;
pub mod networks;
pub mod run;
pub mod ui;

use crate::plan::retry::{self, RetryPolicy};
use std::fmt;
use std::time::{Duration, Instant};

/// A bearer token. Its `Debug` and `Display` never show it.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The token itself: only for the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Delays and limits: the retry policy (the core's), polling, and the
/// limit of one request.
#[derive(Debug, Clone)]
pub struct Tuning {
    pub retry: RetryPolicy,
    pub poll: Duration,
    pub http_timeout: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            retry: RetryPolicy::default(),
            poll: Duration::from_millis(5000),
            http_timeout: Duration::from_millis(60_000),
        }
    }
}

impl Tuning {
    pub fn from_env() -> Tuning {
        let mut t = Tuning::default();
        let ms = |k: &str| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        if let Some(v) = ms("PODWIRE_BACKOFF_MS") {
            t.retry.backoff_base = Duration::from_millis(v);
        }
        if let Some(v) = ms("PODWIRE_MAX_ATTEMPTS") {
            t.retry.max_attempts = u32::try_from(v).unwrap_or(u32::MAX).max(1);
        }
        if let Some(v) = ms("PODWIRE_POLL_MS") {
            t.poll = Duration::from_millis(v);
        }
        if let Some(v) = ms("PODWIRE_HTTP_TIMEOUT_MS") {
            t.http_timeout = Duration::from_millis(v.max(1));
        }
        t
    }
}

/// When a command must be done by (`--timeout`), read from the clock.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    started: Instant,
    /// `None`: so far away that `Instant` cannot hold it.
    at: Option<Instant>,
}

impl Deadline {
    pub fn after(timeout: Duration) -> Deadline {
        let started = Instant::now();
        Deadline {
            started,
            at: started.checked_add(timeout),
        }
    }

    /// What is left (`None`: no bound).
    pub fn remaining(&self) -> Option<Duration> {
        self.at
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    pub fn passed(&self) -> bool {
        self.remaining().is_some_and(|d| d.is_zero())
    }

    pub fn elapsed_secs(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    /// The timeout error for `what`.
    pub fn timed_out(&self, what: impl Into<String>) -> SubmitError {
        SubmitError::Timeout {
            what: what.into(),
            secs: self.elapsed_secs(),
        }
    }

    /// Sleep one poll interval, or less when the deadline comes first;
    /// `Err` (waiting for `what`) when it has passed.
    pub fn sleep_poll(
        &self,
        poll: Duration,
        what: impl FnOnce() -> String,
    ) -> Result<(), SubmitError> {
        match retry::poll_delay(poll, self.remaining()) {
            Some(d) => {
                std::thread::sleep(d);
                Ok(())
            }
            None => Err(self.timed_out(what())),
        }
    }
}

/// A number in [0, 1) from the std hasher's random keys (no rand crate),
/// for the jitter of retries.
pub fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Operational failures.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error(transparent)]
    Render(#[from] crate::EmitError),
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("no access token: {0}")]
    Token(String),
    #[error("{api} {method} {url}: {message}")]
    Transport {
        api: &'static str,
        method: &'static str,
        url: String,
        message: String,
    },
    #[error("{api} {method} {url}: gave up after {attempts} attempts; last: {last}")]
    GaveUp {
        api: &'static str,
        method: &'static str,
        url: String,
        attempts: u32,
        last: String,
    },
    #[error(transparent)]
    GkeEndpoint(#[from] crate::plan::endpoint::EndpointError),
    #[error(transparent)]
    Request(#[from] crate::plan::kube::RequestError),
    #[error("{what}: {source}")]
    Reply {
        what: String,
        source: crate::plan::reply::ReplyError,
    },
    #[error("{what}: HTTP {status}: {message}")]
    Api {
        what: String,
        status: u16,
        message: String,
    },
    #[error("operation {operation} failed: {message}")]
    OperationFailed { operation: String, message: String },
    #[error("cluster {name} is {status}: {message}")]
    ClusterFailed {
        name: String,
        status: String,
        message: String,
    },
    #[error("{what} failed: {message}")]
    Workload { what: String, message: String },
    /// Kinds the cluster does not serve (CRDs not installed), found before
    /// anything was applied; the message says how to install them.
    #[error("{0}")]
    NotServed(String),
    /// Secrets the workloads reference that the cluster lacks (names and
    /// keys only), found before any workload was started.
    #[error("{0}")]
    MissingSecrets(String),
    /// Existing workloads whose changed pod templates the cluster refuses
    /// (a dry run said so before anything was applied).
    #[error("{0}")]
    Unchangeable(String),
    #[error("the cluster CA certificate is unusable: {0}")]
    Ca(String),
    #[error(transparent)]
    Endpoint(#[from] crate::kubeconfig::ClusterJsonError),
    #[error(transparent)]
    File(#[from] files::FileError),
    #[error("kubeconfig {path}: {message}")]
    Kubeconfig { path: String, message: String },
    /// A GPUDirect network, subnet or rule exists with another definition
    /// (every differing field named); found before anything was created.
    #[error("{0}")]
    Differs(String),
    #[error("{0}")]
    Refused(String),
    #[error("aborted")]
    Aborted,
    #[error("timed out after {secs}s waiting for {what}")]
    Timeout { what: String, secs: u64 },
}

impl SubmitError {
    /// Exit code: 3 for a refusal or an abort, 2 for every other failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            SubmitError::Refused(_) | SubmitError::Aborted => 3,
            _ => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_show() {
        let s = Secret::new("ya29.very-secret");
        assert!(!format!("{s:?} {s}").contains("very-secret"));
        assert_eq!(s.expose(), "ya29.very-secret");
    }

    #[test]
    fn a_deadline_too_far_away_is_no_bound() {
        let d = Deadline::after(Duration::from_secs(u64::MAX));
        assert_eq!(d.remaining(), None);
        assert!(!d.passed());
        let z = Deadline::after(Duration::ZERO);
        assert!(z.passed());
        assert!(z
            .sleep_poll(Duration::from_secs(60), || "x".into())
            .is_err());
    }
}
