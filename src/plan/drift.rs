//! Drift: how the live cluster differs from what the spec asks for, in the
//! fields the spec sets. GKE's own defaults and proto3 zero values it omits
//! are not drift; sizes and upgrade settings that change legitimately are
//! not managed after creation.

use crate::model::{Model, Pool};
use crate::Compilation;
use serde_json::Value;

/// The GKE node pools of the spec that the live cluster lacks (each slice
/// of a TPU Multislice pool is one: [`Pool::gke_pools`]).
pub fn missing_pools(m: &Model, live: &Value) -> Vec<Pool> {
    let have: Vec<&str> = live["nodePools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .collect();
    m.pools
        .iter()
        .flat_map(Pool::gke_pools)
        .filter(|p| !have.contains(&p.name.as_str()))
        .collect()
}

/// One difference between what the spec asks for and what the cluster has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub path: String,
    pub want: String,
    pub have: String,
    /// GKE cannot change it in place (the cluster or pool must be recreated).
    pub immutable: bool,
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: the spec asks for {}, the cluster has {} ({})",
            self.path,
            self.want,
            self.have,
            if self.immutable {
                "cannot be changed in place: recreate it, or change the spec"
            } else {
                "podwire does not update existing clusters: change it with gcloud, or change the spec"
            }
        )
    }
}

/// Fields podwire does not manage after creation: sizes and upgrade knobs
/// change legitimately, `createSubnetwork` is input-only.
const IGNORED: &[&str] = &[
    "initialNodeCount",
    "autoscaling",
    "management",
    "upgradeSettings",
    "createSubnetwork",
    "initialClusterVersion",
];

/// Paths (prefixes) whose drift GKE cannot fix in place.
fn immutable(path: &str) -> bool {
    const IMMUTABLE: &[&str] = &[
        "network",
        "subnetwork",
        "networkConfig.datapathProvider",
        "ipAllocationPolicy",
        "workloadIdentityConfig",
    ];
    IMMUTABLE
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}.")))
        || (path.starts_with("nodePools[")
            && (path.contains("].config.") || path.contains("].placementPolicy")))
}

/// Compare the fields the spec sets with the live cluster. Fields the spec
/// does not set (GKE's defaults) are not drift; neither are proto3 defaults
/// GKE omits (`false`, `0`, `""`).
pub fn drift(c: &Compilation, live: &Value) -> Vec<Drift> {
    let mut want = serde_json::to_value(&c.request.cluster).unwrap_or(Value::Null);
    let mut out = Vec::new();
    if let Some(o) = want.as_object_mut() {
        o.remove("nodePools");
    }
    diff("", &want, &live.clone(), &mut out);
    // Version: "1.32" is satisfied by "1.32.2-gke.1000".
    if let Some(v) = &c.model.version {
        let have = live["initialClusterVersion"].as_str().unwrap_or_default();
        if !matches!(v.as_str(), "latest" | "-")
            && !have.is_empty()
            && !have.starts_with(v.as_str())
        {
            out.push(Drift {
                path: "initialClusterVersion".into(),
                want: v.clone(),
                have: have.into(),
                immutable: false,
            });
        }
    }
    for p in c.model.pools.iter().flat_map(Pool::gke_pools) {
        let want = serde_json::to_value(crate::gke::node_pool(&c.model, &p)).unwrap_or(Value::Null);
        let have = live["nodePools"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|lp| lp["name"].as_str() == Some(p.name.as_str()));
        if let Some(have) = have {
            diff(&format!("nodePools[{}]", p.name), &want, have, &mut out);
        }
    }
    for d in &mut out {
        d.immutable = immutable(&d.path);
    }
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "nothing".into(),
        other => other.to_string(),
    }
}

fn is_default(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty() || s == "0",
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.values().all(is_default),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn diff(path: &str, want: &Value, have: &Value, out: &mut Vec<Drift>) {
    match want {
        Value::Object(w) => {
            for (k, wv) in w {
                if IGNORED.contains(&k.as_str()) {
                    continue;
                }
                diff(&join(path, k), wv, &have[k.as_str()], out);
            }
        }
        Value::Array(w) => {
            let h = have.as_array().cloned().unwrap_or_default();
            if w.iter().all(|x| !x.is_object() && !x.is_array()) {
                let mut ws: Vec<String> = w.iter().map(scalar).collect();
                let mut hs: Vec<String> = h.iter().map(scalar).collect();
                ws.sort();
                hs.sort();
                ws.dedup();
                hs.dedup();
                if ws != hs && !(w.is_empty() && h.is_empty()) {
                    out.push(Drift {
                        path: path.to_string(),
                        want: format!("[{}]", ws.join(", ")),
                        have: format!("[{}]", hs.join(", ")),
                        immutable: false,
                    });
                }
            } else {
                for (i, wv) in w.iter().enumerate() {
                    let matched = h.iter().any(|hv| {
                        let mut d = Vec::new();
                        diff("", wv, hv, &mut d);
                        d.is_empty()
                    });
                    if !matched {
                        out.push(Drift {
                            path: format!("{path}[{i}]"),
                            want: wv.to_string(),
                            have: "no matching entry".into(),
                            immutable: false,
                        });
                    }
                }
            }
        }
        _ => {
            let same = scalar(want) == scalar(have) || (have.is_null() && is_default(want));
            if !same {
                out.push(Drift {
                    path: path.to_string(),
                    want: scalar(want),
                    have: scalar(have),
                    immutable: false,
                });
            }
        }
    }
}

/// Names of the live cluster's node pools that the spec does not have
/// (podwire leaves them alone).
pub fn unmanaged_pools(m: &Model, live: &Value) -> Vec<String> {
    live["nodePools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .filter(|n| {
            !m.pools
                .iter()
                .flat_map(Pool::gke_pools)
                .any(|p| p.name == *n)
        })
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comp() -> Compilation {
        let src = include_str!("../../examples/seed.yaml");
        Compilation::new(crate::analyze(src).model.expect("seed compiles"))
    }

    fn live(c: &Compilation) -> Value {
        let mut v = serde_json::to_value(&c.request.cluster).unwrap();
        v["status"] = "RUNNING".into();
        v["endpoint"] = "10.0.0.1".into();
        // GKE fills defaults the spec does not set, and omits false values.
        v["loggingService"] = "logging.googleapis.com/kubernetes".into();
        if let Some(o) = v["ipAllocationPolicy"].as_object_mut() {
            o.remove("createSubnetwork");
        }
        v
    }

    #[test]
    fn no_drift_against_itself_with_gke_defaults() {
        let c = comp();
        assert_eq!(drift(&c, &live(&c)), vec![]);
    }

    #[test]
    fn immutable_drift_is_reported() {
        let c = comp();
        let mut l = live(&c);
        l["networkConfig"]["datapathProvider"] = "LEGACY_DATAPATH".into();
        let d = drift(&c, &l);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].path, "networkConfig.datapathProvider");
        assert!(d[0].immutable);
    }

    #[test]
    fn pool_drift_is_reported() {
        let c = comp();
        let mut l = live(&c);
        l["nodePools"][0]["config"]["machineType"] = "e2-standard-4".into();
        l["nodePools"][0]["initialNodeCount"] = 7.into();
        let d = drift(&c, &l);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].path.ends_with("].config.machineType"), "{d:?}");
        assert!(d[0].immutable);
    }

    #[test]
    fn missing_and_unmanaged_pools() {
        let c = comp();
        let mut l = live(&c);
        let first = l["nodePools"][0].clone();
        l["nodePools"] = Value::Array(vec![serde_json::json!({"name": "theirs"})]);
        let missing: Vec<String> = missing_pools(&c.model, &l)
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(missing, vec![first["name"].as_str().unwrap().to_string()]);
        assert_eq!(unmanaged_pools(&c.model, &l), vec!["theirs".to_string()]);
        assert!(missing_pools(&c.model, &live(&c)).is_empty());
    }
}
