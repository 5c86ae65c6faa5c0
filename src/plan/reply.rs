//! Reading an API's reply: a body is JSON or it is an error (never `null`),
//! and the API's own error message is found where Google and Kubernetes put
//! it.

use serde_json::Value;

/// A finished HTTP exchange (status and body text), as the client read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

/// A reply that is not what the request should have produced. The submitter
/// adds which request it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("HTTP {status}: the reply is not JSON: {excerpt}")]
    NotJson { status: u16, excerpt: String },
    #[error("HTTP {status}: the reply is not {expected}: {excerpt}")]
    Unexpected {
        status: u16,
        expected: &'static str,
        excerpt: String,
    },
    #[error("HTTP {status}: {message}")]
    Api { status: u16, message: String },
}

/// Google's error object (`{"error": {"code", "status", "message"}}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoogleError {
    pub code: u64,
    pub status: String,
    pub message: String,
}

/// How much of an unexpected body goes into a message.
const EXCERPT_CHARS: usize = 200;

impl Reply {
    pub fn new(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            body: body.into(),
        }
    }

    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The start of the body, on one line, for messages.
    pub fn excerpt(&self) -> String {
        let one_line: String = self.body.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut s: String = one_line.chars().take(EXCERPT_CHARS).collect();
        if one_line.chars().count() > EXCERPT_CHARS {
            s.push_str("...");
        }
        if s.is_empty() {
            s.push_str("(empty body)");
        }
        s
    }

    /// The body as JSON; anything else (HTML, truncated, empty) is an error.
    pub fn json(&self) -> Result<Value, ReplyError> {
        serde_json::from_str(&self.body).map_err(|_| ReplyError::NotJson {
            status: self.status,
            excerpt: self.excerpt(),
        })
    }

    /// The body as a JSON object whose `fields` are non-empty strings (a
    /// cluster has `name`, an operation `name` and `status`): `{}` or `[]`
    /// are not an answer.
    pub fn object_with(
        &self,
        fields: &[&str],
        expected: &'static str,
    ) -> Result<Value, ReplyError> {
        let v = self.json()?;
        let has = |f: &str| v[f].as_str().is_some_and(|s| !s.is_empty());
        if v.is_object() && fields.iter().all(|f| has(f)) {
            Ok(v)
        } else {
            Err(ReplyError::Unexpected {
                status: self.status,
                expected,
                excerpt: self.excerpt(),
            })
        }
    }

    /// Google's error object, when the body is one.
    pub fn google_error(&self) -> Option<GoogleError> {
        let v: Value = serde_json::from_str(&self.body).ok()?;
        let e = v.get("error")?;
        Some(GoogleError {
            code: e["code"].as_u64().unwrap_or_default(),
            status: e["status"].as_str().unwrap_or_default().to_string(),
            message: e["message"].as_str().unwrap_or_default().to_string(),
        })
    }

    /// The API's own error message (Google `error.message` or Kubernetes
    /// `Status.message`), else an excerpt of the body.
    pub fn message(&self) -> String {
        let v: Value = serde_json::from_str(&self.body).unwrap_or(Value::Null);
        let m = v["error"]["message"]
            .as_str()
            .or_else(|| v["message"].as_str())
            .filter(|m| !m.is_empty());
        match m {
            Some(m) => m.to_string(),
            None => self.excerpt(),
        }
    }

    /// The reply as an API error (for statuses the caller does not expect).
    pub fn api_error(&self) -> ReplyError {
        ReplyError::Api {
            status: self.status,
            message: self.message(),
        }
    }
}

/// Statuses worth sending the same request again for: throttling and server
/// errors. Everything else is the API's answer.
pub fn retryable_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_that_is_not_json_is_an_error_not_null() {
        for body in [
            "<html><body>404</body></html>",
            "",
            "{\"name\": \"x\"",
            "null x",
        ] {
            let r = Reply::new(200, body);
            let e = r.json().unwrap_err();
            assert!(
                matches!(e, ReplyError::NotJson { status: 200, .. }),
                "{body}: {e}"
            );
        }
        assert_eq!(Reply::new(200, "{\"a\": 1}").json().unwrap()["a"], 1);
    }

    #[test]
    fn an_object_must_have_its_fields() {
        let r = Reply::new(200, "{}");
        assert!(matches!(
            r.object_with(&["name"], "a cluster"),
            Err(ReplyError::Unexpected {
                expected: "a cluster",
                ..
            })
        ));
        let r = Reply::new(200, "[{\"name\": \"c\"}]");
        assert!(r.object_with(&["name"], "a cluster").is_err());
        let r = Reply::new(200, "{\"name\": \"\"}");
        assert!(r.object_with(&["name"], "a cluster").is_err());
        let r = Reply::new(200, "{\"name\": \"c\"}");
        assert_eq!(r.object_with(&["name"], "a cluster").unwrap()["name"], "c");
    }

    #[test]
    fn messages_come_from_the_api_else_from_the_body() {
        let g = Reply::new(
            400,
            r#"{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}"#,
        );
        assert_eq!(g.message(), "bad");
        assert_eq!(g.google_error().unwrap().status, "INVALID_ARGUMENT");
        let k = Reply::new(422, r#"{"kind":"Status","message":"invalid"}"#);
        assert_eq!(k.message(), "invalid");
        assert_eq!(k.google_error(), None);
        let html = Reply::new(502, format!("<html>\n  {}</html>", "x".repeat(500)));
        let m = html.message();
        assert!(
            m.starts_with("<html> xxx") && m.ends_with("...") && m.len() < 210,
            "{m}"
        );
    }

    #[test]
    fn throttling_and_server_errors_are_retried_nothing_else() {
        for s in [429, 500, 502, 503, 599] {
            assert!(retryable_status(s), "{s}");
        }
        for s in [200, 301, 400, 401, 403, 404, 409, 600] {
            assert!(!retryable_status(s), "{s}");
        }
    }
}
