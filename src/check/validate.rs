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

/// Label and taint key prefixes that Kubernetes and GKE keep for
/// themselves (and their subdomains, e.g. `node-role.kubernetes.io`).
const RESERVED_KEY_DOMAINS: &[&str] = &["cloud.google.com", "kubernetes.io", "k8s.io"];

/// The reserved domain a `prefix/name` key is under, if any.
pub fn reserved_key_prefix(key: &str) -> Option<&'static str> {
    let (prefix, _) = key.split_once('/')?;
    let prefix = prefix.to_ascii_lowercase();
    RESERVED_KEY_DOMAINS.iter().copied().find(|d| {
        prefix == *d
            || prefix
                .strip_suffix(d)
                .is_some_and(|rest| rest.ends_with('.'))
    })
}

/// A container image reference as the container runtime parses it
/// (distribution/reference): `[host[:port]/]path[:tag][@algorithm:hex]`.
/// Hand-written because the grammar is small and no kept crate for it is
/// already a dependency; the error says what is wrong.
pub fn image_reference(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("the image is empty".into());
    }
    if s.trim() != s {
        return Err("it has leading or trailing whitespace".into());
    }
    if let Some(c) = s.chars().find(|c| c.is_control()) {
        return Err(format!(
            "it contains the control character U+{:04X}",
            u32::from(c)
        ));
    }
    if s.chars().any(char::is_whitespace) {
        return Err("it contains whitespace".into());
    }
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest {
        let ok = d.split_once(':').is_some_and(|(algorithm, hex)| {
            !algorithm.is_empty()
                && algorithm
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"+._-".contains(&c))
                && hex.len() >= 32
                && hex.bytes().all(|c| c.is_ascii_hexdigit())
        });
        if !ok {
            return Err(format!(
                "`@{d}` is not a digest (e.g. `@sha256:` and 64 hex digits)"
            ));
        }
    }
    // A tag follows the last ':' after the last '/' (a ':' before it is a
    // registry port).
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(t) = tag {
        let b = t.as_bytes();
        let ok = !b.is_empty()
            && b.len() <= 128
            && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(c));
        if !ok {
            return Err(format!(
                "`{t}` is not a tag: at most 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'"
            ));
        }
    }
    if name.len() > 255 {
        return Err("the repository name is longer than 255 characters".into());
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    // The first part is a registry host when it looks like one.
    if parts.len() > 1 && (parts[0].contains(['.', ':']) || parts[0] == "localhost") {
        let host = parts.remove(0);
        let (domain, port) = match host.split_once(':') {
            Some((d, p)) => (d, Some(p)),
            None => (host, None),
        };
        let domain_ok = domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-')
        });
        let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()));
        if !domain_ok || !port_ok {
            return Err(format!("`{host}` is not a registry host"));
        }
    }
    for part in parts {
        if !path_component(part) {
            return Err(format!(
                "`{part}` is not a repository path component: lowercase letters and digits, separated by '.', '_', '__' or '-'"
            ));
        }
    }
    Ok(())
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
fn path_component(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if b.is_empty() || !alnum(&b[0]) || !alnum(&b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(&b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(&b[i]) {
            i += 1;
        }
        let sep = &s[start..i];
        if !(sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-')) {
            return false;
        }
    }
    true
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

    #[test]
    fn image_references() {
        for ok in [
            "nginx",
            "nginx:1.27",
            "vllm/vllm-openai:v0.6.0",
            "us-docker.pkg.dev/my-project/ml/train:2.1",
            "localhost:5000/a/b",
            "registry.example.com:443/team/app_x__y.z-w:latest",
            "ghcr.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "ghcr.io/org/app:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert_eq!(image_reference(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("", "empty"),
            (" nginx", "whitespace"),
            ("nginx:1.27 ", "whitespace"),
            ("nginx\n", "whitespace"),
            ("ngi\u{7}nx", "control"),
            ("ngi\u{0}nx", "control"),
            ("ngi\u{9b}nx", "control"),
            ("my image", "whitespace"),
            ("Nginx", "path component"),
            ("repo/App:1", "path component"),
            ("nginx:", "not a tag"),
            ("nginx:-x", "not a tag"),
            ("nginx:a/b", "registry host"),
            ("a//b", "path component"),
            ("a/b/", "path component"),
            ("nginx@sha256:xyz", "digest"),
            ("nginx@", "digest"),
            ("bad_host.com:x/app", "registry host"),
            ("-a.com/app", "registry host"),
        ] {
            let e = image_reference(bad).expect_err(bad);
            assert!(e.contains(why), "{bad:?}: {e}");
        }
    }

    #[test]
    fn reserved_key_prefixes() {
        for (key, domain) in [
            ("cloud.google.com/gke-nodepool", "cloud.google.com"),
            ("kubernetes.io/hostname", "kubernetes.io"),
            ("node-role.kubernetes.io/worker", "kubernetes.io"),
            ("k8s.io/x", "k8s.io"),
            ("node.k8s.io/x", "k8s.io"),
            ("Cloud.Google.com/x", "cloud.google.com"),
        ] {
            assert_eq!(reserved_key_prefix(key), Some(domain), "{key}");
        }
        for key in [
            "team",
            "example.com/kubernetes.io",
            "notkubernetes.io/x",
            "nvidia.com/gpu",
            "dedicated",
        ] {
            assert_eq!(reserved_key_prefix(key), None, "{key}");
        }
    }
}
