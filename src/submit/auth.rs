//! The Google OAuth 2 access token: `--access-token-file` (whitespace
//! trimmed, as `gcloud auth print-access-token > FILE` leaves a newline),
//! else Application Default Credentials through `gcp_auth`
//! (GOOGLE_APPLICATION_CREDENTIALS, gcloud's user ADC file, the GCE metadata
//! server). The same token is the cluster's bearer, as gke-gcloud-auth-plugin
//! does it.

use super::{Secret, SubmitError};
use std::path::Path;

pub const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

pub fn token(file: Option<&Path>) -> Result<Secret, SubmitError> {
    match file {
        Some(p) => from_file(p),
        None => from_adc(),
    }
}

pub fn from_file(p: &Path) -> Result<Secret, SubmitError> {
    let text = std::fs::read_to_string(p).map_err(|source| SubmitError::Read {
        path: p.display().to_string(),
        source,
    })?;
    let t = text.trim();
    if t.is_empty() {
        return Err(SubmitError::Token(format!("{} is empty", p.display())));
    }
    if t.chars().any(char::is_whitespace) {
        return Err(SubmitError::Token(format!(
            "{} holds more than one word; expected one access token",
            p.display()
        )));
    }
    Ok(Secret::new(t))
}

pub fn from_adc() -> Result<Secret, SubmitError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SubmitError::Token(format!("cannot start the auth runtime: {e}")))?;
    rt.block_on(async {
        let provider = gcp_auth::provider().await.map_err(|e| {
            SubmitError::Token(format!(
                "no Application Default Credentials ({e}); run `gcloud auth application-default login`, set GOOGLE_APPLICATION_CREDENTIALS, or pass --access-token-file"
            ))
        })?;
        let t = provider
            .token(&[SCOPE])
            .await
            .map_err(|e| SubmitError::Token(format!("Application Default Credentials: {e}")))?;
        Ok(Secret::new(t.as_str()))
    })
}
