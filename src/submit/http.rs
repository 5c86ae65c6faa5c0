//! One blocking HTTP client (ureq, rustls with ring) for both APIs, with
//! bounded exponential backoff and jitter that honours `Retry-After`.
//!
//! Retried: 429, every 5xx, dropped connections, timeouts. Not retried: TLS
//! and certificate failures (never transient, and never bypassed).

use super::auth::Credentials;
use super::{SubmitError, Tuning};
use std::time::Duration;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

/// A finished HTTP exchange.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The API's own error message (Google `error.message` or Kubernetes
    /// `Status.message`), else the body.
    pub fn message(&self) -> String {
        let v = self.json();
        let m = v["error"]["message"]
            .as_str()
            .or_else(|| v["message"].as_str());
        match m {
            Some(m) => m.to_string(),
            None => self.body.chars().take(400).collect(),
        }
    }

    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

pub struct Client {
    agent: ureq::Agent,
    creds: Credentials,
    tuning: Tuning,
    /// What this client talks to, for messages ("GKE API", "Kubernetes API").
    api: &'static str,
}

/// Which HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

fn agent(tuning: &Tuning, tls: TlsConfig) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(tuning.http_timeout))
        .max_redirects(0)
        .tls_config(tls)
        .user_agent(concat!("podwire/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// The certificates of a base64-encoded PEM bundle (GKE's
/// `masterAuth.clusterCaCertificate`).
pub fn ca_roots(ca_base64: &str) -> Result<Vec<Certificate<'static>>, SubmitError> {
    use base64::Engine;
    let pem = base64::engine::general_purpose::STANDARD
        .decode(ca_base64.trim())
        .map_err(|e| SubmitError::Ca(format!("not base64: {e}")))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(SubmitError::Ca(format!("not PEM: {e}"))),
        }
    }
    if certs.is_empty() {
        return Err(SubmitError::Ca("no certificate in it".into()));
    }
    Ok(certs)
}

impl Client {
    /// A client for Google APIs: Mozilla's roots (webpki-roots).
    pub fn google(creds: Credentials, tuning: Tuning) -> Client {
        Client {
            agent: agent(&tuning, TlsConfig::builder().build()),
            creds,
            tuning,
            api: "GKE API",
        }
    }

    /// A client for the cluster's API server: trusts exactly the cluster CA.
    pub fn cluster(creds: Credentials, tuning: Tuning, ca: Vec<Certificate<'static>>) -> Client {
        let tls = TlsConfig::builder()
            .root_certs(RootCerts::new_with_certs(&ca))
            .build();
        Client {
            agent: agent(&tuning, tls),
            creds,
            tuning,
            api: "Kubernetes API",
        }
    }

    /// Send once; transport failures are `Err`, any HTTP status is `Ok`.
    fn once(
        &self,
        method: Method,
        url: &str,
        body: Option<(&str, &str)>,
        auth: &str,
    ) -> Result<(Reply, Option<Duration>), ureq::Error> {
        let resp = match (method, body) {
            (Method::Get, _) => self.agent.get(url).header("Authorization", auth).call(),
            (Method::Delete, _) => self.agent.delete(url).header("Authorization", auth).call(),
            (m, b) => {
                let (ct, text) = b.unwrap_or(("application/json", "{}"));
                let req = if m == Method::Post {
                    self.agent.post(url)
                } else {
                    self.agent.patch(url)
                };
                req.header("Authorization", auth)
                    .header("Content-Type", ct)
                    .send(text)
            }
        };
        let mut resp = resp?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(retry_after);
        let body = resp.body_mut().read_to_string()?;
        Ok((Reply { status, body }, retry_after))
    }

    /// Send with retries. Returns the final reply (which may be a non-2xx
    /// that is not retryable, e.g. 404 or 409) or the last failure.
    pub fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<(&str, &str)>,
    ) -> Result<Reply, SubmitError> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let auth = format!("Bearer {}", self.creds.token()?.expose());
            let (why, retry_after) = match self.once(method, url, body, &auth) {
                Ok((r, ra)) if r.status == 429 || r.status >= 500 => {
                    (format!("HTTP {}: {}", r.status, r.message()), ra)
                }
                Ok((r, _)) if r.status == 401 => {
                    return Err(SubmitError::Api {
                        what: format!("{} {} {url}", self.api, method.as_str()),
                        status: 401,
                        message: format!("{} ({})", r.message(), self.creds.hint()),
                    })
                }
                Ok((r, _)) => return Ok(r),
                Err(e) if !transient(&e) => {
                    return Err(SubmitError::Transport {
                        api: self.api,
                        method: method.as_str(),
                        url: url.to_string(),
                        message: e.to_string(),
                    })
                }
                Err(e) => (e.to_string(), None),
            };
            if attempt >= self.tuning.max_attempts {
                return Err(SubmitError::GaveUp {
                    api: self.api,
                    method: method.as_str(),
                    url: url.to_string(),
                    attempts: attempt,
                    last: why,
                });
            }
            let delay = self.tuning.backoff(attempt, retry_after);
            eprintln!(
                "  {} {} {}: {why}; retrying in {:.1}s (attempt {}/{})",
                self.api,
                method.as_str(),
                url,
                delay.as_secs_f64(),
                attempt + 1,
                self.tuning.max_attempts
            );
            std::thread::sleep(delay);
        }
    }
}

/// Transport failures worth retrying: everything except TLS, certificates
/// and malformed requests.
fn transient(e: &ureq::Error) -> bool {
    !matches!(
        e,
        ureq::Error::Tls(_)
            | ureq::Error::Rustls(_)
            | ureq::Error::Pem(_)
            | ureq::Error::BadUri(_)
            | ureq::Error::Http(_)
            | ureq::Error::RequireHttpsOnly(_)
            | ureq::Error::TlsRequired
            | ureq::Error::InvalidProxyUrl
    ) && !is_tls_io(e)
}

/// rustls failures can surface wrapped in an io::Error.
fn is_tls_io(e: &ureq::Error) -> bool {
    if let ureq::Error::Io(io) = e {
        if let Some(inner) = io.get_ref() {
            // Certificate verification failures only: a connection dropped
            // mid-stream ("closed without close_notify") is transient.
            let m = format!("{inner} {inner:?}").to_ascii_lowercase();
            return [
                "certificate",
                "unknownissuer",
                "notvalidforname",
                "badsignature",
            ]
            .iter()
            .any(|k| m.contains(k));
        }
    }
    false
}

/// `Retry-After`: delay-seconds, or an HTTP-date (IMF-fixdate,
/// e.g. `Sun, 06 Nov 1994 08:49:37 GMT`) measured from now.
pub fn retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    let at = http_date(v)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(Duration::from_secs(at.saturating_sub(now)))
}

/// Seconds since the epoch of an IMF-fixdate.
fn http_date(v: &str) -> Option<u64> {
    let parts: Vec<&str> = v.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let d: i64 = day.parse().ok()?;
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = months.iter().position(|x| x == month)? as i64 + 1;
    let y: i64 = year.parse().ok()?;
    let hms: Vec<i64> = time.split(':').filter_map(|x| x.parse().ok()).collect();
    let [h, mi, s] = hms.as_slice() else {
        return None;
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + h * 3600 + mi * 60 + s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(
            http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon"), None);
    }
}
