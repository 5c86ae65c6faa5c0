//! The Google OAuth 2 access token: `--access-token-file`, else Application Default Credentials through `gcp_auth`
//! (GOOGLE_APPLICATION_CREDENTIALS, gcloud's user ADC file, the GCE metadata
//! server). The same token is the cluster's bearer, as gke-gcloud-auth-plugin
//! does it.
//!
//! A token file is read as `gcloud auth print-access-token > FILE` leaves
//! it, on any system: surrounding ASCII whitespace (the newline, a Windows
//! CRLF) and a leading UTF-8 byte-order mark (Notepad's) are dropped; they
//! are never part of a token. Anything else that cannot be sent as an HTTP
//! header value (a UTF-16 file, a line break or space inside, a non-ASCII or
//! control character) fails at once, naming the cause and where it is, never
//! the token.
//!
//! Every ADC step that may talk to a server (finding the credentials, which
//! can probe the GCE metadata server, and each token fetch) is bounded by
//! the command's deadline: gcp_auth's own HTTP client has no timeout, and a
//! token endpoint that accepts the connection and never answers would
//! otherwise hang the command for good.

use super::{Deadline, Secret, SubmitError};
use std::future::Future;
use std::path::Path;
use std::sync::Arc;

pub const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// Where bearer tokens come from. ADC tokens are asked for before every
/// request (gcp_auth caches them and refreshes them before they expire), so
/// long waits outlive a single token; a token file is used as it is.
#[derive(Clone)]
pub struct Credentials(Arc<Source>);

enum Source {
    Fixed(Secret),
    Adc {
        rt: tokio::runtime::Runtime,
        provider: Arc<dyn gcp_auth::TokenProvider>,
        /// Where the tokens come from, for messages.
        from: String,
    },
}

/// Run `fut` on `rt`, giving up when the deadline passes (`None`).
fn within<T>(
    rt: &tokio::runtime::Runtime,
    deadline: &Deadline,
    fut: impl Future<Output = T>,
) -> Option<T> {
    rt.block_on(async {
        match deadline.remaining() {
            Some(left) => tokio::time::timeout(left, fut).await.ok(),
            None => Some(fut.await),
        }
    })
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.0 {
            Source::Fixed(_) => f.write_str("Credentials(token file)"),
            Source::Adc { .. } => f.write_str("Credentials(ADC)"),
        }
    }
}

impl Credentials {
    pub fn fixed(token: Secret) -> Credentials {
        Credentials(Arc::new(Source::Fixed(token)))
    }

    /// A current token, fetched (when it must be) before the deadline.
    pub fn token(&self, deadline: &Deadline) -> Result<Secret, SubmitError> {
        match &*self.0 {
            Source::Fixed(t) => Ok(t.clone()),
            Source::Adc { rt, provider, from } => {
                match within(rt, deadline, provider.token(&[SCOPE])) {
                    None => Err(deadline.timed_out(format!("an access token from {from}"))),
                    Some(Err(e)) => Err(SubmitError::Token(format!("{from}: {e}"))),
                    Some(Ok(t)) => Ok(Secret::new(t.as_str())),
                }
            }
        }
    }

    /// What to tell the user after a 401.
    pub fn hint(&self) -> &'static str {
        match &*self.0 {
            Source::Fixed(_) => "the access token was rejected (expired?); refresh the --access-token-file, e.g. `gcloud auth print-access-token > FILE`",
            Source::Adc { .. } => "the Application Default Credentials were rejected; check `gcloud auth application-default login` or GOOGLE_APPLICATION_CREDENTIALS",
        }
    }
}

/// The credentials for this run: the token file, else ADC (found and
/// tried before `deadline`).
pub fn credentials(file: Option<&Path>, deadline: &Deadline) -> Result<Credentials, SubmitError> {
    match file {
        Some(p) => Ok(Credentials::fixed(from_file(p)?)),
        None => adc(deadline),
    }
}

pub fn from_file(p: &Path) -> Result<Secret, SubmitError> {
    let bytes = std::fs::read(p).map_err(|source| SubmitError::Read {
        path: p.display().to_string(),
        source,
    })?;
    token_from_bytes(&bytes)
        .map(Secret::new)
        .map_err(|why| SubmitError::Token(format!("{}: {why}", p.display())))
}

/// The token in a token file's bytes, or why they cannot be one (the reason
/// never quotes the token).
fn token_from_bytes(bytes: &[u8]) -> Result<&str, String> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err("is UTF-16 text (it starts with a UTF-16 byte-order mark, as PowerShell's `>` writes it); save the token as ASCII, e.g. `gcloud auth print-access-token | Out-File -Encoding ascii FILE`".into());
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let bom = bytes.len() - body.len();
    let text = std::str::from_utf8(body).map_err(|e| {
        format!(
            "is not text (invalid UTF-8 at byte {})",
            bom + e.valid_up_to()
        )
    })?;
    let token = text.trim_matches(|c: char| c.is_ascii_whitespace());
    if token.is_empty() {
        return Err("is empty; expected one access token".into());
    }
    let offset = text.len()
        - text
            .trim_start_matches(|c: char| c.is_ascii_whitespace())
            .len();
    for (at, c) in token.char_indices() {
        let why = match c {
            '\r' | '\n' => "a line break inside the token",
            ' ' | '\t' => "a space inside the token",
            '\u{feff}' => "a byte-order mark inside the token",
            '!'..='~' => continue,
            c if c.is_control() => "a control character, which an HTTP header cannot carry",
            _ => "a non-ASCII character, which an HTTP header cannot carry",
        };
        return Err(format!(
            "has {why} (U+{:04X} at byte {}); expected one access token on one line",
            c as u32,
            bom + offset + at
        ));
    }
    Ok(token)
}

/// The variable naming a service account key (or other ADC file).
const ADC_FILE_ENV: &str = "GOOGLE_APPLICATION_CREDENTIALS";

/// What the ADC source is, for messages, and the refusal of a key file
/// whose `token_uri` would carry the signed assertion (a credential for an
/// hour) over plain HTTP to another machine. A file that cannot be read
/// or parsed here is left to gcp_auth, which says why.
fn adc_source() -> Result<String, SubmitError> {
    let Some(path) = std::env::var_os(ADC_FILE_ENV).filter(|p| !p.is_empty()) else {
        return Ok("Application Default Credentials (gcloud's application-default login, the GCE metadata server, or gcloud)".into());
    };
    let shown = Path::new(&path).display().to_string();
    let token_uri = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["token_uri"].as_str().map(str::to_string));
    Ok(match token_uri {
        Some(uri) => {
            crate::plan::endpoint::check_token_endpoint(&uri)
                .map_err(|e| SubmitError::Token(format!("{ADC_FILE_ENV}={shown}: {e}")))?;
            format!("the credentials in {ADC_FILE_ENV} ({shown}, token endpoint {uri})")
        }
        None => format!("the credentials in {ADC_FILE_ENV} ({shown})"),
    })
}

fn adc(deadline: &Deadline) -> Result<Credentials, SubmitError> {
    let from = adc_source()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SubmitError::Token(format!("cannot start the auth runtime: {e}")))?;
    let provider = match within(&rt, deadline, gcp_auth::provider()) {
        None => return Err(deadline.timed_out(format!("{from} to be found"))),
        Some(r) => r.map_err(|e| {
            SubmitError::Token(format!(
                "no Application Default Credentials ({e}); run `gcloud auth application-default login`, set {ADC_FILE_ENV}, or pass --access-token-file"
            ))
        })?,
    };
    let c = Credentials(Arc::new(Source::Adc { rt, provider, from }));
    // Fail now, before anything is attempted, if no token can be had.
    c.token(deadline)?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "ya29.a0AfB_byC-1234~xyz/+=";

    #[test]
    fn surrounding_whitespace_and_a_utf8_bom_are_dropped() {
        for file in [
            TOKEN.to_string(),
            format!("{TOKEN}\n"),
            format!("{TOKEN}\r\n"),
            format!("\n  {TOKEN}  \n"),
            format!("\u{feff}{TOKEN}\r\n"),
        ] {
            assert_eq!(token_from_bytes(file.as_bytes()), Ok(TOKEN), "{file:?}");
        }
    }

    #[test]
    fn what_cannot_be_a_header_fails_naming_the_cause_not_the_token() {
        let secret = "ya29.secret";
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(secret.bytes().flat_map(|b| [b, 0]))
            .collect();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"".to_vec(), "is empty"),
            (b" \r\n".to_vec(), "is empty"),
            (utf16, "UTF-16"),
            (b"ya29.sec\xFFret".to_vec(), "invalid UTF-8 at byte 8"),
            (
                b"ya29.sec\r\nret\n".to_vec(),
                "line break inside the token (U+000D at byte 8)",
            ),
            (b"ya29.sec\nret".to_vec(), "line break"),
            (b"ya29.sec ret".to_vec(), "space inside"),
            (
                b"  ya29.sec\tret".to_vec(),
                "space inside the token (U+0009 at byte 10)",
            ),
            (
                "ya29.sec\u{feff}ret".as_bytes().to_vec(),
                "byte-order mark inside",
            ),
            (
                "ya29.secr\u{e9}t".as_bytes().to_vec(),
                "non-ASCII character, which an HTTP header cannot carry (U+00E9 at byte 9)",
            ),
            (b"ya29.sec\x07ret".to_vec(), "control character"),
            (b"ya29.sec\x7fret".to_vec(), "control character"),
        ];
        for (bytes, want) in cases {
            let why = token_from_bytes(&bytes).unwrap_err();
            assert!(why.contains(want), "{bytes:?}: {why}");
            assert!(!why.contains("sec"), "the reason quotes the token: {why}");
        }
    }
}
