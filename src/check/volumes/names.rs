//! The names and paths a volume or a secret reference may have: what
//! Kubernetes accepts for Secret, key and PersistentVolumeClaim names,
//! Cloud Storage for bucket names, and a container for mount paths.

/// DNS-1123 subdomain (Secret and PersistentVolumeClaim names).
pub(crate) fn dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253
        && !s.is_empty()
        && s.split('.').all(|l| {
            let b = l.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        })
}

/// A Secret's data key: `[-._a-zA-Z0-9]+`, at most 253, not `.` or `..`.
pub(super) fn secret_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
}

/// Why `s` is not a Cloud Storage bucket name (Cloud Storage, "Bucket
/// naming requirements": 3-63 characters, or up to 222 with dots and 63 per
/// dot-separated part; lowercase letters, digits, '-', '_' and '.';
/// starting and ending with a letter or digit; not starting with `goog`).
pub(super) fn bucket_name(s: &str) -> Result<(), String> {
    if s.starts_with("gs://") {
        return Err("write the bucket's name without `gs://`".into());
    }
    if s.contains('/') {
        return Err(
            "a bucket name has no `/`: mount the bucket, then use the folder under `path`".into(),
        );
    }
    let b = s.as_bytes();
    let max = if s.contains('.') { 222 } else { 63 };
    if b.len() < 3 || b.len() > max {
        return Err(format!("it must be 3 to {max} characters"));
    }
    if !b
        .iter()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'_' | b'.'))
    {
        return Err("use lowercase letters, digits, '-', '_' and '.'".into());
    }
    if !b[0].is_ascii_alphanumeric() || !b[b.len() - 1].is_ascii_alphanumeric() {
        return Err("it must start and end with a letter or digit".into());
    }
    if s.split('.').any(|part| part.is_empty() || part.len() > 63) {
        return Err("each dot-separated part must be 1 to 63 characters".into());
    }
    if s.starts_with("goog") {
        return Err("names starting with `goog` are reserved".into());
    }
    Ok(())
}

/// Why a mount path is not one (absolute, normal, not `/`).
pub(super) fn mount_path(p: &str) -> Result<(), &'static str> {
    if !p.starts_with('/') {
        return Err("it must be absolute (start with `/`)");
    }
    if p.trim_end_matches('/').is_empty() {
        return Err("mounting over `/` would hide the image");
    }
    if p.split('/').any(|seg| seg == ".." || seg == ".") {
        return Err("it must not contain `.` or `..` segments");
    }
    if p.contains("//") {
        return Err("it must not contain empty segments (`//`)");
    }
    Ok(())
}
