//! GKE version gates: the cluster version flex-start (and queued) pools
//! need, and the comparison of a `cluster.version` with a GKE version that
//! the other version gates use too.

use super::super::{at, Checker};
use crate::diag::codes;
use crate::model::Capacity;

/// The cluster version must be one where GKE supports flex-start (queued
/// pools are flex-start too): GPUs from 1.32.2-gke.1652000, TPUs from
/// 1.33.0-gke.1712000. A version given without its patch (`"1.32"`) is
/// taken to mean a patch GKE offers now, which is new enough.
pub(in crate::check) fn check_version(
    checker: &mut Checker,
    version: Option<&str>,
    pools: &[(String, &Capacity, bool)],
) {
    let Some(v) = version else { return };
    let Some(have) = version_key(v) else { return };
    for (path, capacity, tpu) in pools {
        if !capacity.is_dws() {
            continue;
        }
        let (need, text) = if *tpu {
            ((1, 33, Some(0), Some(1_712_000)), "1.33.0-gke.1712000")
        } else {
            ((1, 32, Some(2), Some(1_652_000)), "1.32.2-gke.1652000")
        };
        if older(have, need) {
            checker.err(
                codes::DWS_VERSION,
                &at(path, ".capacity"),
                format!("GKE supports this pool's capacity from version {text}, but `cluster.version` is {v}"),
                Some(format!("set `cluster.version` to \"{text}\" or later (or leave it out)")),
            );
        }
    }
}

/// Whether `cluster.version` `have` is older than GKE version `need`
/// (`1.32.1-gke.1357001`), as [`check_version`] compares them; false when
/// either does not parse.
pub(in crate::check) fn older_than(have: &str, need: &str) -> bool {
    match (version_key(have), version_key(need)) {
        (Some(h), Some(n)) => older(h, n),
        _ => false,
    }
}

type VersionKey = (u32, u32, Option<u32>, Option<u64>);

fn version_key(v: &str) -> Option<VersionKey> {
    let (base, gke) = match v.split_once("-gke.") {
        Some((b, g)) => (b, Some(g.parse().ok()?)),
        None => (v, None),
    };
    let mut parts = base.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = parts.next().map(str::parse).transpose().ok()?;
    Some((major, minor, patch, gke))
}

/// `have` is older than `need`, comparing only as far as `have` says.
fn older(have: VersionKey, need: VersionKey) -> bool {
    if (have.0, have.1) != (need.0, need.1) {
        return (have.0, have.1) < (need.0, need.1);
    }
    match (have.2, need.2) {
        (Some(hp), Some(np)) if hp != np => hp < np,
        (Some(_), _) => matches!((have.3, need.3), (Some(hg), Some(ng)) if hg < ng),
        (None, _) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        let need = (1, 32, Some(2), Some(1_652_000));
        for (v, old) in [
            ("1.31", true),
            ("1.32", false),
            ("1.32.1", true),
            ("1.32.2", false),
            ("1.32.2-gke.1000", true),
            ("1.32.2-gke.1652000", false),
            ("1.32.3-gke.1", false),
            ("1.33", false),
            ("2.0", false),
        ] {
            let have = version_key(v).expect("parses");
            assert_eq!(older(have, need), old, "{v}");
        }
        assert_eq!(version_key("latest"), None);
    }
}
