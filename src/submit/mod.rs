//! The submitter (native only): takes a compiled spec all the way to running
//! pods. It creates the GKE cluster through the GKE v1 REST API, writes the
//! kubeconfig and applies the manifests with server-side apply.
//!
//! It decides nothing about WHAT to generate: bodies come from
//! [`crate::Compilation`] verbatim (the cluster request, `gke::node_pool`,
//! the objects in apply order). It only converts and does I/O.
//!
//! Tuning for tests (undocumented, read from the environment):
//! `PODWIRE_BACKOFF_MS` (retry base delay, default 1000),
//! `PODWIRE_MAX_ATTEMPTS` (default 8), `PODWIRE_POLL_MS` (operation and
//! readiness polling, default 5000), `PODWIRE_HTTP_TIMEOUT_MS` (per request,
//! default 60000).

pub mod auth;
pub mod cli;
pub mod files;
pub mod gke;
pub mod http;
pub mod kube;
pub mod kubeconfig;
pub mod run;
pub mod ui;

use std::fmt;
use std::time::Duration;

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

/// Delays and limits.
#[derive(Debug, Clone)]
pub struct Tuning {
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    pub retry_after_cap: Duration,
    pub max_attempts: u32,
    pub poll: Duration,
    pub http_timeout: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            backoff_base: Duration::from_millis(1000),
            backoff_cap: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(120),
            max_attempts: 8,
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
            t.backoff_base = Duration::from_millis(v);
        }
        if let Some(v) = ms("PODWIRE_MAX_ATTEMPTS") {
            t.max_attempts = (v as u32).max(1);
        }
        if let Some(v) = ms("PODWIRE_POLL_MS") {
            t.poll = Duration::from_millis(v);
        }
        if let Some(v) = ms("PODWIRE_HTTP_TIMEOUT_MS") {
            t.http_timeout = Duration::from_millis(v.max(1));
        }
        t
    }

    /// Exponential backoff with jitter (50-100% of the exponential step),
    /// bounded, and never shorter than a (bounded) `Retry-After`.
    pub fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .backoff_base
            .saturating_mul(1u32 << (attempt.saturating_sub(1)).min(16))
            .min(self.backoff_cap);
        let jitter = 0.5 + 0.5 * random_unit();
        let d = exp.mul_f64(jitter);
        match retry_after {
            Some(ra) => d.max(ra.min(self.retry_after_cap)),
            None => d,
        }
    }
}

/// A number in [0, 1) from the std hasher's random keys (no rand crate).
fn random_unit() -> f64 {
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
    #[error("the cluster CA certificate is unusable: {0}")]
    Ca(String),
    #[error(transparent)]
    Endpoint(#[from] crate::kubeconfig::ClusterJsonError),
    #[error(transparent)]
    File(#[from] files::FileError),
    #[error("kubeconfig {path}: {message}")]
    Kubeconfig { path: String, message: String },
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
    fn backoff_grows_is_bounded_jittered_and_honours_retry_after() {
        let t = Tuning::default();
        for attempt in 1..30 {
            let d = t.backoff(attempt, None);
            let step = t
                .backoff_base
                .saturating_mul(1 << (attempt - 1).min(16))
                .min(t.backoff_cap);
            assert!(d >= step / 2 && d <= step, "attempt {attempt}: {d:?}");
        }
        assert!(t.backoff(1, Some(Duration::from_secs(7))) >= Duration::from_secs(7));
        assert_eq!(
            t.backoff(1, Some(Duration::from_secs(100_000))),
            t.retry_after_cap
        );
    }
}
