//! The Google OAuth 2 access token: `--access-token-file` (whitespace
//! trimmed, as `gcloud auth print-access-token > FILE` leaves a newline),
//! else Application Default Credentials through `gcp_auth`
//! (GOOGLE_APPLICATION_CREDENTIALS, gcloud's user ADC file, the GCE metadata
//! server). The same token is the cluster's bearer, as gke-gcloud-auth-plugin
//! does it.

use super::{Secret, SubmitError};
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
    },
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

    /// A current token.
    pub fn token(&self) -> Result<Secret, SubmitError> {
        match &*self.0 {
            Source::Fixed(t) => Ok(t.clone()),
            Source::Adc { rt, provider } => rt.block_on(async {
                let t = provider.token(&[SCOPE]).await.map_err(|e| {
                    SubmitError::Token(format!("Application Default Credentials: {e}"))
                })?;
                Ok(Secret::new(t.as_str()))
            }),
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

pub fn credentials(file: Option<&Path>) -> Result<Credentials, SubmitError> {
    match file {
        Some(p) => Ok(Credentials::fixed(from_file(p)?)),
        None => adc(),
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

fn adc() -> Result<Credentials, SubmitError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SubmitError::Token(format!("cannot start the auth runtime: {e}")))?;
    let provider = rt.block_on(gcp_auth::provider()).map_err(|e| {
        SubmitError::Token(format!(
            "no Application Default Credentials ({e}); run `gcloud auth application-default login`, set GOOGLE_APPLICATION_CREDENTIALS, or pass --access-token-file"
        ))
    })?;
    let c = Credentials(Arc::new(Source::Adc { rt, provider }));
    // Fail now, before anything is attempted, if no token can be had.
    c.token()?;
    Ok(c)
}
