//! Small validators for the formats the spec uses.

/// RFC 1035 label as Kubernetes checks it: lowercase alphanumerics and '-',
/// starting with a letter, ending with an alphanumeric, at most 63 characters.
pub fn dns1035(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_lowercase()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// RFC 1123 label (may start with a digit).
pub fn dns1123(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// IANA service name, as Kubernetes checks port names.
pub fn iana_svc_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 15
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.iter().any(|c| c.is_ascii_lowercase())
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && !s.contains("--")
}

fn label_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// Kubernetes label key: `[prefix/]name`.
pub fn label_key(s: &str) -> bool {
    match s.split_once('/') {
        Some((prefix, name)) => {
            prefix.len() <= 253
                && !prefix.is_empty()
                && prefix.split('.').all(dns1123)
                && label_name(name)
        }
        None => label_name(s),
    }
}

/// Kubernetes label value (may be empty).
pub fn label_value(s: &str) -> bool {
    s.is_empty() || label_name(s)
}

/// GCP resource label (GKE resourceLabels): lowercase letters, digits, '_' and
/// '-', keys start with a letter, both at most 63 characters.
pub fn gcp_label_key(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-'))
}

pub fn gcp_label_value(s: &str) -> bool {
    s.len() <= 63
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-'))
}

/// GCP project id: 6-30 characters, lowercase letters, digits and hyphens,
/// starting with a letter, not ending with a hyphen. (Domain-scoped ids
/// `example.com:proj` are accepted too.)
pub fn project_id(s: &str) -> bool {
    let id = match s.rsplit_once(':') {
        Some((domain, id)) if !domain.is_empty() && domain.split('.').all(dns1123) => id,
        Some(_) => return false,
        None => s,
    };
    let b = id.as_bytes();
    (6..=30).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b[b.len() - 1] != b'-'
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// A region (`us-central1`) or zone (`us-central1-a`): returns (region, is_zone).
pub fn location(s: &str) -> Option<(&str, bool)> {
    let parts: Vec<&str> = s.split('-').collect();
    let word = |p: &str| !p.is_empty() && p.bytes().all(|c| c.is_ascii_lowercase());
    let region_tail = |p: &str| {
        let letters = p.trim_end_matches(|c: char| c.is_ascii_digit());
        word(letters) && letters.len() < p.len()
    };
    match parts.as_slice() {
        [a, b] if word(a) && region_tail(b) => Some((s, false)),
        [a, b, z] if word(a) && region_tail(b) && z.len() == 1 && word(z) => {
            Some((&s[..a.len() + 1 + b.len()], true))
        }
        _ => None,
    }
}

/// An IPv4 CIDR block `a.b.c.d/n` with no host bits set.
pub fn cidr(s: &str) -> Result<(), String> {
    let Some((ip, len)) = s.split_once('/') else {
        return Err("a CIDR needs a prefix length, e.g. 10.0.0.0/8".into());
    };
    let octets: Vec<&str> = ip.split('.').collect();
    if octets.len() != 4 {
        return Err("an IPv4 address has four dotted numbers".into());
    }
    let mut v: u32 = 0;
    for o in octets {
        let n: u8 = o
            .parse()
            .map_err(|_| format!("`{o}` is not a number from 0 to 255"))?;
        v = (v << 8) | u32::from(n);
    }
    let len: u32 = len
        .parse()
        .ok()
        .filter(|l| *l <= 32)
        .ok_or("the prefix length must be 0 to 32")?;
    let host = if len == 0 {
        u32::MAX
    } else {
        (1u32 << (32 - len)).wrapping_sub(1)
    };
    if len < 32 && v & host != 0 {
        let net = v & !host;
        return Err(format!(
            "host bits are set; the network is {}.{}.{}.{}/{len}",
            net >> 24,
            (net >> 16) & 255,
            (net >> 8) & 255,
            net & 255
        ));
    }
    Ok(())
}

/// A service account email (`name@project.iam.gserviceaccount.com`, or a
/// default compute one `N-compute@developer.gserviceaccount.com`).
pub fn service_account_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty()
                && user
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.')
                && domain.contains('.')
                && domain
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
        }
        None => false,
    }
}

/// CPU quantity in millicores.
pub fn cpu_millis(s: &str) -> Option<u64> {
    if let Some(m) = s.strip_suffix('m') {
        return m.parse::<u64>().ok();
    }
    let v: f64 = s.parse().ok()?;
    (v.is_finite() && v >= 0.0).then(|| (v * 1000.0).round() as u64)
}

/// Memory quantity in bytes.
pub fn memory_bytes(s: &str) -> Option<u64> {
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let v: f64 = num.parse().ok()?;
    let mul: f64 = match unit {
        "" => 1.0,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        _ => return None,
    };
    (v.is_finite() && v >= 0.0).then_some((v * mul) as u64)
}

/// Environment variable name as Kubernetes accepts it.
pub fn env_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && !b[0].is_ascii_digit()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
}

/// GKE version: `1.32`, `1.32.4`, `1.32.4-gke.1415000`, or `latest`.
pub fn gke_version(s: &str) -> bool {
    if s == "latest" || s == "-" {
        return true;
    }
    let (base, gke) = match s.split_once("-gke.") {
        Some((b, g)) => (b, Some(g)),
        None => (s, None),
    };
    let parts: Vec<&str> = base.split('.').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
        && gke.is_none_or(|g| {
            parts.len() == 3 && !g.is_empty() && g.bytes().all(|c| c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(dns1035("llm-train"));
        assert!(!dns1035("1abc"));
        assert!(!dns1035("abc-"));
        assert!(!dns1035("Abc"));
        assert!(!dns1035(&"a".repeat(64)));
        assert!(iana_svc_name("rendezvous"));
        assert!(!iana_svc_name("8080"));
        assert!(!iana_svc_name("a-very-long-port-name"));
        assert!(label_key("app.kubernetes.io/name"));
        assert!(!label_key("bad key"));
    }

    #[test]
    fn locations() {
        assert_eq!(location("us-central1-a"), Some(("us-central1", true)));
        assert_eq!(location("europe-west4"), Some(("europe-west4", false)));
        assert_eq!(location("us-central"), None);
        assert_eq!(location("us_central1"), None);
    }

    #[test]
    fn cidrs() {
        assert!(cidr("10.0.0.0/8").is_ok());
        assert!(cidr("0.0.0.0/0").is_ok());
        assert!(cidr("203.0.113.7/32").is_ok());
        assert!(cidr("10.0.0.1/8").unwrap_err().contains("10.0.0.0/8"));
        assert!(cidr("10.0.0.0").is_err());
        assert!(cidr("300.0.0.0/8").is_err());
        assert!(cidr("10.0.0.0/33").is_err());
    }

    #[test]
    fn quantities() {
        assert_eq!(cpu_millis("500m"), Some(500));
        assert_eq!(cpu_millis("90"), Some(90_000));
        assert_eq!(cpu_millis("1.5"), Some(1500));
        assert_eq!(cpu_millis("x"), None);
        assert_eq!(memory_bytes("1Gi"), Some(1 << 30));
        assert_eq!(memory_bytes("1000Gi"), Some(1000 << 30));
        assert_eq!(memory_bytes("1G"), Some(1_000_000_000));
        assert_eq!(memory_bytes("1Gb"), None);
    }

    #[test]
    fn projects_and_versions() {
        assert!(project_id("my-project"));
        assert!(!project_id("My-Project"));
        assert!(!project_id("abc"));
        assert!(project_id("example.com:my-project"));
        assert!(gke_version("1.32"));
        assert!(gke_version("1.32.4-gke.1415000"));
        assert!(!gke_version("v1.32"));
    }
}
