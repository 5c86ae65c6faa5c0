//! What a node pool's config accepts besides machine types: gcloud's OAuth
//! scope aliases and the boot disk types.

/// Default scopes, as gcloud sends them when `--scopes` is not given.
pub const DEFAULT_SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/devstorage.read_only",
    "https://www.googleapis.com/auth/logging.write",
    "https://www.googleapis.com/auth/monitoring",
    "https://www.googleapis.com/auth/service.management.readonly",
    "https://www.googleapis.com/auth/servicecontrol",
    "https://www.googleapis.com/auth/trace.append",
];

/// gcloud's scope aliases.
pub const SCOPE_ALIASES: &[(&str, &str)] = &[
    ("bigquery", "bigquery"),
    ("cloud-platform", "cloud-platform"),
    ("cloud-source-repos", "source.full_control"),
    ("cloud-source-repos-ro", "source.read_only"),
    ("compute-ro", "compute.readonly"),
    ("compute-rw", "compute"),
    ("datastore", "datastore"),
    ("logging-write", "logging.write"),
    ("monitoring", "monitoring"),
    ("monitoring-read", "monitoring.read"),
    ("monitoring-write", "monitoring.write"),
    ("pubsub", "pubsub"),
    ("service-control", "servicecontrol"),
    ("service-management", "service.management.readonly"),
    ("sql-admin", "sqlservice.admin"),
    ("storage-full", "devstorage.full_control"),
    ("storage-ro", "devstorage.read_only"),
    ("storage-rw", "devstorage.read_write"),
    ("taskqueue", "taskqueue"),
    ("trace", "trace.append"),
    ("userinfo-email", "userinfo.email"),
];

pub const DISK_TYPES: &[&str] = &[
    "pd-standard",
    "pd-balanced",
    "pd-ssd",
    "pd-extreme",
    "hyperdisk-balanced",
    "hyperdisk-extreme",
    "hyperdisk-throughput",
    "hyperdisk-ml",
];

/// The full URL of a scope given as a gcloud alias (`storage-ro`).
pub fn scope_alias_url(alias: &str) -> Option<String> {
    SCOPE_ALIASES
        .iter()
        .find(|(a, _)| *a == alias)
        .map(|(_, full)| format!("https://www.googleapis.com/auth/{full}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_expand_to_gclouds_urls() {
        assert_eq!(
            scope_alias_url("storage-ro").as_deref(),
            Some("https://www.googleapis.com/auth/devstorage.read_only")
        );
        assert_eq!(
            scope_alias_url("cloud-platform").as_deref(),
            Some("https://www.googleapis.com/auth/cloud-platform")
        );
        assert_eq!(scope_alias_url("storage"), None);
        // Every default scope is also reachable by an alias.
        for url in DEFAULT_SCOPES {
            assert!(
                SCOPE_ALIASES
                    .iter()
                    .any(|a| scope_alias_url(a.0).as_deref() == Some(*url)),
                "{url}"
            );
        }
    }
}
