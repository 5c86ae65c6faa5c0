//! Which GKE API root to talk to, and whether it may be talked to at all:
//! the bearer token travels in every request, so plain HTTP is allowed only
//! to this machine (the loopback fakes of tests), decided from the URL alone,
//! before anything is resolved or connected.

use std::net::IpAddr;

pub const DEFAULT_GKE_BASE: &str = "https://container.googleapis.com/";
/// The variable gcloud reads for `api_endpoint_overrides/container`.
pub const GKE_ENDPOINT_ENV: &str = "CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("{from} {url:?} is not a URL: {reason}")]
    NotAUrl {
        from: &'static str,
        url: String,
        reason: String,
    },
    #[error("{from} {url:?}: only https:// is allowed (and http:// to this machine only)")]
    Scheme { from: &'static str, url: String },
    #[error("{from} {url:?}: refusing to send the access token over plain HTTP to {host}; use https://, or plain http:// only to loopback (127.0.0.1, ::1, localhost)")]
    PlainHttp {
        from: &'static str,
        url: String,
        host: String,
    },
}

/// The GKE API root: the `--gke-endpoint` flag, else the gcloud override
/// variable, else Google's. Always ends in exactly one `/`, so that paths
/// join as gcloud joins them: `<base>v1/projects/...`.
pub fn gke_base(flag: Option<&str>, env: Option<&str>) -> Result<String, EndpointError> {
    base(("--gke-endpoint", flag), (ENV_LABEL, env), DEFAULT_GKE_BASE)
}

pub const DEFAULT_COMPUTE_BASE: &str = "https://compute.googleapis.com/compute/v1/";
/// The variable gcloud reads for `api_endpoint_overrides/compute`.
pub const COMPUTE_ENDPOINT_ENV: &str = "CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE";
const COMPUTE_ENV_LABEL: &str = "$CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE";

/// The Compute Engine API root (for the GPUDirect networks): the
/// `--compute-endpoint` flag, else the gcloud override variable, else
/// Google's. As gcloud's override, it includes the version
/// (`.../compute/v1/`): resource paths join right after it. Same rules as
/// the GKE root (the token goes there too).
pub fn compute_base(flag: Option<&str>, env: Option<&str>) -> Result<String, EndpointError> {
    base(
        ("--compute-endpoint", flag),
        (COMPUTE_ENV_LABEL, env),
        DEFAULT_COMPUTE_BASE,
    )
}

fn base(
    flag: (&'static str, Option<&str>),
    env: (&'static str, Option<&str>),
    default: &str,
) -> Result<String, EndpointError> {
    let pick = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let (from, raw) = match (pick(flag.1), pick(env.1)) {
        (Some(f), _) => (flag.0, f),
        (None, Some(e)) => (env.0, e),
        (None, None) => return Ok(default.to_string()),
    };
    check(from, &raw)?;
    Ok(format!("{}/", raw.trim_end_matches('/')))
}

/// A credentials file's OAuth `token_uri`: what it is sent (a signed JWT
/// assertion, good for an hour, or a refresh token) is a credential, so the
/// same rule as for the API root holds.
pub fn check_token_endpoint(url: &str) -> Result<(), EndpointError> {
    check("token_uri", url.trim())
}

/// How messages name the variable.
const ENV_LABEL: &str = "$CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER";

fn check(from: &'static str, url: &str) -> Result<(), EndpointError> {
    let uri: http::Uri =
        url.parse()
            .map_err(|e: http::uri::InvalidUri| EndpointError::NotAUrl {
                from,
                url: url.to_string(),
                reason: e.to_string(),
            })?;
    let host = uri.host().unwrap_or_default().to_string();
    if host.is_empty() {
        return Err(EndpointError::NotAUrl {
            from,
            url: url.to_string(),
            reason: "no host".into(),
        });
    }
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") if is_loopback(&host) => Ok(()),
        Some("http") => Err(EndpointError::PlainHttp {
            from,
            url: url.to_string(),
            host,
        }),
        _ => Err(EndpointError::Scheme {
            from,
            url: url.to_string(),
        }),
    }
}

/// A loopback address literal, or `localhost` (which resolvers map to
/// loopback; RFC 6761 reserves it).
pub fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_endpoint_is_https_or_loopback() {
        assert!(check_token_endpoint("https://oauth2.googleapis.com/token").is_ok());
        assert!(check_token_endpoint("http://127.0.0.1:8080/token").is_ok());
        assert!(matches!(
            check_token_endpoint("http://oauth.example/token"),
            Err(EndpointError::PlainHttp {
                from: "token_uri",
                ..
            })
        ));
    }

    #[test]
    fn joins_without_double_slash() {
        assert_eq!(
            gke_base(Some("http://127.0.0.1:9/"), None).unwrap(),
            "http://127.0.0.1:9/"
        );
        assert_eq!(
            gke_base(Some("http://127.0.0.1:9"), None).unwrap(),
            "http://127.0.0.1:9/"
        );
        assert_eq!(
            gke_base(Some("https://x.example/prefix//"), None).unwrap(),
            "https://x.example/prefix/"
        );
        assert_eq!(gke_base(None, None).unwrap(), DEFAULT_GKE_BASE);
        assert_eq!(gke_base(Some("  "), Some("")).unwrap(), DEFAULT_GKE_BASE);
    }

    #[test]
    fn the_compute_root_follows_the_same_rules() {
        assert_eq!(compute_base(None, None).unwrap(), DEFAULT_COMPUTE_BASE);
        assert_eq!(
            compute_base(Some("http://127.0.0.1:9/compute/v1"), None).unwrap(),
            "http://127.0.0.1:9/compute/v1/"
        );
        let e = compute_base(None, Some("http://compute.example.com/")).unwrap_err();
        assert!(e.to_string().contains(COMPUTE_ENDPOINT_ENV), "{e}");
        assert!(matches!(
            compute_base(Some("http://10.0.0.1/"), None),
            Err(EndpointError::PlainHttp {
                from: "--compute-endpoint",
                ..
            })
        ));
    }

    #[test]
    fn the_flag_wins_over_the_variable() {
        assert_eq!(
            gke_base(Some("https://a.example"), Some("https://b.example")).unwrap(),
            "https://a.example/"
        );
        assert_eq!(
            gke_base(None, Some("https://b.example/x/")).unwrap(),
            "https://b.example/x/"
        );
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "http://127.0.0.1:8080/",
            "http://127.1.2.3/",
            "http://[::1]:9/",
            "http://localhost:9/",
            "https://gke.example.com/",
        ] {
            assert!(gke_base(Some(ok), None).is_ok(), "{ok}");
        }
        for bad in [
            "http://gke.example.com/",
            "http://10.0.0.1/",
            "http://127.0.0.1.evil.example/",
            "http://user@gke.example.com/",
            "http://localhost.evil.example/",
        ] {
            let e = gke_base(Some(bad), None).unwrap_err();
            assert!(
                matches!(
                    e,
                    EndpointError::PlainHttp {
                        from: "--gke-endpoint",
                        ..
                    }
                ),
                "{bad}: {e}"
            );
        }
        let e = gke_base(None, Some("http://gke.example.com/")).unwrap_err();
        assert!(e.to_string().contains(GKE_ENDPOINT_ENV), "{e}");
        assert!(matches!(
            gke_base(Some("ftp://127.0.0.1/"), None),
            Err(EndpointError::Scheme { .. })
        ));
        assert!(matches!(
            gke_base(Some("not a url"), None),
            Err(EndpointError::NotAUrl { .. })
        ));
        assert!(matches!(
            gke_base(Some("127.0.0.1:9"), None),
            Err(EndpointError::Scheme { .. } | EndpointError::NotAUrl { .. })
        ));
    }
}
