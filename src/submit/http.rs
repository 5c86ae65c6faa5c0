//! One blocking HTTP client (ureq, rustls with ring) for both APIs. It sends
//! the `http::Request`s it is given, with the bearer token, and retries as
//! the core's [`RetryPolicy`](crate::plan::retry::RetryPolicy) says, within
//! the command's deadline.
//!
//! Retried: 429, every 5xx, dropped connections, timeouts, and a refused
//! connection once the endpoint has answered before. Not retried: TLS and
//! certificate failures (never transient, and never bypassed), a first
//! connection refused outright (a wrong endpoint), malformed requests and
//! bodies over the size limit. Redirects are not followed.

use super::auth::Credentials;
use super::{ui, Deadline, SubmitError, Tuning};
use crate::plan::reply::{retryable_status, Reply};
use crate::plan::retry::{self, Next};
use std::cell::Cell;
use std::time::{Duration, SystemTime};
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

pub struct Client {
    agent: ureq::Agent,
    creds: Credentials,
    tuning: Tuning,
    deadline: Deadline,
    /// What this client talks to, for messages ("GKE API", "Kubernetes API").
    api: &'static str,
    /// Prefixed to request URIs that are only a path (the API server's
    /// `https://host`); empty when requests carry the whole URL.
    server: String,
    /// Whether the endpoint has answered once: after that, a refused
    /// connection is a restart to wait out, before it a wrong endpoint.
    answered: Cell<bool>,
}

fn agent(tuning: &Tuning, tls: TlsConfig) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(tuning.http_timeout))
        .max_redirects(0)
        .max_redirects_will_error(false)
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

/// What kind of transport failure an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// TLS or certificate: never retried.
    Tls,
    /// Nothing listens there.
    Refused,
    /// The request or the reply cannot work however often it is tried.
    Permanent,
    Transient,
}

/// Classified by the error's kind: ureq's variants, the io::Error kind, and
/// a rustls error inside an io::Error (how ureq reports a failed handshake).
fn classify(e: &ureq::Error) -> Failure {
    use ureq::Error as E;
    match e {
        E::Tls(_) | E::Rustls(_) | E::Pem(_) | E::TlsRequired | E::RequireHttpsOnly(_) => {
            Failure::Tls
        }
        E::Io(io)
            if io
                .get_ref()
                .is_some_and(|inner| inner.is::<rustls::Error>()) =>
        {
            Failure::Tls
        }
        E::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => Failure::Refused,
        E::ConnectionFailed => Failure::Refused,
        E::BadUri(_)
        | E::Http(_)
        | E::InvalidProxyUrl
        | E::BodyExceedsLimit(_)
        | E::LargeResponseHeader(..)
        | E::TooManyRedirects
        | E::RedirectFailed => Failure::Permanent,
        _ => Failure::Transient,
    }
}

/// `Retry-After`: delay-seconds, or an HTTP-date measured from `now`
/// (a date in the past: no wait).
pub fn retry_after(v: &str, now: SystemTime) -> Option<Duration> {
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The token replaced wherever a reply repeats it (an error page echoing
/// the request's headers).
fn scrub(text: &str, token: &str) -> String {
    if token.is_empty() {
        text.to_string()
    } else {
        text.replace(token, "<redacted>")
    }
}

impl Client {
    /// A client for Google APIs: Mozilla's roots (webpki-roots). Requests
    /// carry their whole URL.
    pub fn google(creds: Credentials, tuning: Tuning, deadline: Deadline) -> Client {
        Client {
            agent: agent(&tuning, TlsConfig::builder().build()),
            creds,
            tuning,
            deadline,
            api: "GKE API",
            server: String::new(),
            answered: Cell::new(false),
        }
    }

    /// A client for the cluster's API server at `server` (`https://host`):
    /// trusts exactly the cluster CA.
    pub fn cluster(
        creds: Credentials,
        tuning: Tuning,
        deadline: Deadline,
        server: String,
        ca: Vec<Certificate<'static>>,
    ) -> Client {
        let tls = TlsConfig::builder()
            .root_certs(RootCerts::new_with_certs(&ca))
            .build();
        Client {
            agent: agent(&tuning, tls),
            creds,
            tuning,
            deadline,
            api: "Kubernetes API",
            server,
            answered: Cell::new(false),
        }
    }

    /// The same client, naming another Google API in its messages.
    pub fn for_api(mut self, api: &'static str) -> Client {
        self.api = api;
        self
    }

    pub fn deadline(&self) -> &Deadline {
        &self.deadline
    }

    /// Send once; transport failures are `Err`, any HTTP status is `Ok`.
    fn once(
        &self,
        method: &http::Method,
        url: &str,
        headers: &http::HeaderMap,
        body: &[u8],
        token: &str,
        timeout: Duration,
    ) -> Result<(Reply, Option<Duration>), ureq::Error> {
        // A token that cannot be a header value (a byte-order mark, a
        // newline) is a malformed request: not retried.
        let mut auth = http::HeaderValue::try_from(format!("Bearer {token}"))
            .map_err(|e| ureq::Error::Http(e.into()))?;
        auth.set_sensitive(true);
        let mut req = http::Request::builder().method(method.clone()).uri(url);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let req = req
            .header(http::header::AUTHORIZATION, auth)
            .body(body.to_vec())?;
        let req = self
            .agent
            .configure_request(req)
            .timeout_global(Some(timeout))
            .build();
        let mut resp = self.agent.run(req)?;
        self.answered.set(true);
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, SystemTime::now()));
        let body = resp.body_mut().read_to_string()?;
        Ok((
            Reply {
                status,
                body: scrub(&body, token),
            },
            retry_after,
        ))
    }

    /// Send with retries. Returns the final reply (which may be a non-2xx
    /// that is not retryable, e.g. 404 or 409) or the last failure.
    pub fn send(&self, request: http::Request<Vec<u8>>) -> Result<Reply, SubmitError> {
        let (parts, body) = request.into_parts();
        let method = parts.method;
        let url = format!("{}{}", self.server, parts.uri);
        let label = || format!("{} {method} {url}", self.api);
        let transport = |message: String| SubmitError::Transport {
            api: self.api,
            method: method_name(&method),
            url: url.clone(),
            message,
        };
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let Some(timeout) =
                retry::request_timeout(self.tuning.http_timeout, self.deadline.remaining())
            else {
                return Err(self
                    .deadline
                    .timed_out(format!("an answer from {}", label())));
            };
            let token = self.creds.token(&self.deadline)?;
            let (why, retry_after) = match self.once(
                &method,
                &url,
                &parts.headers,
                &body,
                token.expose(),
                timeout,
            ) {
                Ok((r, ra)) if retryable_status(r.status) => {
                    (format!("HTTP {}: {}", r.status, r.message()), ra)
                }
                Ok((r, _)) if r.status == 401 => {
                    return Err(SubmitError::Api {
                        what: label(),
                        status: 401,
                        message: format!("{} ({})", r.message(), self.creds.hint()),
                    })
                }
                Ok((r, _)) => return Ok(r),
                Err(e) => {
                    let message = scrub(&e.to_string(), token.expose());
                    match classify(&e) {
                            Failure::Tls => {
                                return Err(transport(format!("TLS failure (not retried): {message}")))
                            }
                            Failure::Refused if !self.answered.get() => {
                                return Err(transport(format!(
                                    "connection refused: nothing answers at this address; check the endpoint ({message})"
                                )))
                            }
                            Failure::Permanent => return Err(transport(message)),
                            Failure::Refused | Failure::Transient => (message, None),
                        }
                }
            };
            let delay = match self.tuning.retry.next(
                attempt,
                retry_after,
                self.deadline.remaining(),
                super::random_unit(),
            ) {
                Next::Retry(d) => d,
                Next::OutOfAttempts => {
                    return Err(SubmitError::GaveUp {
                        api: self.api,
                        method: method_name(&method),
                        url: url.clone(),
                        attempts: attempt,
                        last: why,
                    })
                }
                Next::Deadline => {
                    return Err(self
                        .deadline
                        .timed_out(format!("an answer from {} (last: {why})", label())))
                }
                Next::RetryAfterPastDeadline(ra) => {
                    return Err(self.deadline.timed_out(format!(
                        "{}: the API asked to retry after {}s, past the deadline (last: {why})",
                        label(),
                        ra.as_secs()
                    )))
                }
            };
            ui::note(&format!(
                "  {}: {why}; retrying in {:.1}s (attempt {}/{})",
                label(),
                delay.as_secs_f64(),
                attempt + 1,
                self.tuning.retry.max_attempts
            ));
            std::thread::sleep(delay);
        }
    }
}

fn method_name(m: &http::Method) -> &'static str {
    match *m {
        http::Method::GET => "GET",
        http::Method::POST => "POST",
        http::Method::PATCH => "PATCH",
        http::Method::DELETE => "DELETE",
        http::Method::PUT => "PUT",
        _ => "request",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:30 GMT").unwrap();
        assert_eq!(retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn failures_are_classified_by_kind() {
        use std::io::{Error as Io, ErrorKind};
        let tls = ureq::Error::Io(Io::new(
            ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::Expired),
        ));
        assert_eq!(classify(&tls), Failure::Tls);
        assert_eq!(
            classify(&ureq::Error::Rustls(rustls::Error::DecryptError)),
            Failure::Tls
        );
        // A connection cut mid-stream is not a certificate problem.
        let cut = ureq::Error::Io(Io::new(
            ErrorKind::UnexpectedEof,
            "peer closed connection without sending TLS close_notify",
        ));
        assert_eq!(classify(&cut), Failure::Transient);
        let refused = ureq::Error::Io(Io::from(ErrorKind::ConnectionRefused));
        assert_eq!(classify(&refused), Failure::Refused);
        assert_eq!(
            classify(&ureq::Error::BodyExceedsLimit(10)),
            Failure::Permanent
        );
        assert_eq!(
            classify(&ureq::Error::Timeout(ureq::Timeout::Global)),
            Failure::Transient
        );
    }

    #[test]
    fn the_token_is_scrubbed() {
        assert_eq!(
            scrub("Authorization: Bearer ya29.x-y\n", "ya29.x-y"),
            "Authorization: Bearer <redacted>\n"
        );
        assert_eq!(scrub("abc", ""), "abc");
    }
}
