//! Writing the kubeconfig as gcloud does: merged into the existing file
//! (other clusters, users and contexts kept), current-context set, written
//! atomically with mode 0600. The entries themselves come from the core
//! ([`crate::kubeconfig::value`]).

use super::files;
use super::SubmitError;
use crate::spec::tree::{self, Node};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// `--kubeconfig`, else the first entry of `$KUBECONFIG`, else `~/.kube/config`.
pub fn path(flag: Option<&Path>) -> Result<PathBuf, SubmitError> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(v) = std::env::var_os("KUBECONFIG") {
        if let Some(first) = std::env::split_paths(&v).find(|p| !p.as_os_str().is_empty()) {
            return Ok(first);
        }
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(h) => Ok(PathBuf::from(h).join(".kube").join("config")),
        None => Err(SubmitError::Kubeconfig {
            path: "~/.kube/config".into(),
            message: "HOME is not set; pass --kubeconfig".into(),
        }),
    }
}

/// A YAML tree as JSON: plain scalars typed by the YAML 1.2 core schema,
/// quoted ones strings.
fn to_json(n: &Node) -> Value {
    match &n.value {
        tree::Value::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        tree::Value::Map(entries) => {
            let mut m = Map::new();
            for (k, v) in entries {
                m.insert(k.name.to_string(), to_json(v));
            }
            Value::Object(m)
        }
        tree::Value::Scalar { text, plain } => {
            if !*plain {
                return Value::String(text.to_string());
            }
            if n.is_null() {
                return Value::Null;
            }
            if let Some(b) = tree::parse_bool(text) {
                return Value::Bool(b);
            }
            if let Ok(i) = text.parse::<i64>() {
                return Value::from(i);
            }
            Value::String(text.to_string())
        }
    }
}

/// Parse an existing kubeconfig (empty text is an empty config).
pub fn parse(text: &str) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let (root, errs) = tree::parse(text).map_err(|e| format!("{e:?}"))?;
    if let Some(e) = errs.first() {
        return Err(format!("{e:?}"));
    }
    let v = to_json(&root);
    if v.is_null() {
        return Ok(Value::Object(Map::new()));
    }
    if !v.is_object() {
        return Err("not a mapping".into());
    }
    Ok(v)
}

/// Merge `new` (a one-cluster kubeconfig from the core) into `old`.
pub fn merge(old: Value, new: &Value) -> Value {
    let mut out = match old {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    for (k, default) in [("apiVersion", "v1"), ("kind", "Config")] {
        if !out.get(k).is_some_and(Value::is_string) {
            out.insert(k.into(), default.into());
        }
    }
    if !out.get("preferences").is_some_and(Value::is_object) {
        out.insert("preferences".into(), Value::Object(Map::new()));
    }
    for list in ["clusters", "contexts", "users"] {
        // In place, so that the file keeps its order (a no-op merge is
        // byte-for-byte the same file).
        let slot = out.entry(list).or_insert_with(|| Value::Array(Vec::new()));
        if !slot.is_array() {
            *slot = Value::Array(Vec::new());
        }
        let Value::Array(items) = slot else { continue };
        for entry in new[list].as_array().into_iter().flatten() {
            let name = &entry["name"];
            match items.iter_mut().find(|i| &i["name"] == name) {
                Some(slot) => *slot = entry.clone(),
                None => items.push(entry.clone()),
            }
        }
    }
    out.insert("current-context".into(), new["current-context"].clone());
    Value::Object(out)
}

/// Merge `new` into the user's kubeconfig: under client-go's lock, re-read,
/// merged, and written back with [`files::update`] (through symlinks, owner
/// and mode kept; devices and read-only files refused).
pub fn write_merged(path: &Path, new: &Value) -> Result<(), SubmitError> {
    write_merged_waiting(path, new, files::LOCK_WAIT)
}

/// [`write_merged`], waiting at most `lock_wait` for another writer.
pub fn write_merged_waiting(
    path: &Path,
    new: &Value,
    lock_wait: std::time::Duration,
) -> Result<(), SubmitError> {
    let err = |message: String| SubmitError::Kubeconfig {
        path: path.display().to_string(),
        message,
    };
    // Refuse a device or a read-only file before creating a lock beside it.
    files::check_updatable(path)?;
    let _lock = files::FileLock::acquire(path, lock_wait)?;
    let old = match files::read_existing(path)? {
        Some(t) => parse(&t).map_err(|e| {
            err(format!(
                "cannot parse the existing file ({e}); not touching it"
            ))
        })?,
        None => Value::Object(Map::new()),
    };
    let text = crate::yaml::to_yaml(&merge(old, new));
    files::update(path, text.as_bytes())?;
    Ok(())
}

/// Remove one cluster's entries (after the cluster is deleted), as gcloud
/// does: the context, cluster and user of that name go; current-context is
/// cleared if it was that context. A missing file is left missing.
pub fn remove_entries(path: &Path, name: &str) -> Result<bool, SubmitError> {
    let err = |message: String| SubmitError::Kubeconfig {
        path: path.display().to_string(),
        message,
    };
    if files::read_existing(path)?.is_none() {
        return Ok(false);
    }
    files::check_updatable(path)?;
    let _lock = files::FileLock::acquire(path, files::LOCK_WAIT)?;
    let Some(text) = files::read_existing(path)? else {
        return Ok(false);
    };
    let mut v = parse(&text).map_err(|e| err(format!("cannot parse it ({e}); not touching it")))?;
    let mut changed = false;
    for list in ["clusters", "contexts", "users"] {
        if let Some(items) = v[list].as_array_mut() {
            let n = items.len();
            items.retain(|i| i["name"] != name);
            changed |= items.len() != n;
        }
    }
    if v["current-context"] == name {
        v["current-context"] = "".into();
        changed = true;
    }
    if changed {
        files::update(path, crate::yaml::to_yaml(&v).as_bytes())?;
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_others_and_replaces_ours() {
        let old = parse(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster: {server: 'https://o'}\n- name: ours\n  cluster: {server: 'https://stale'}\ncontexts:\n- name: other\n  context: {cluster: other, user: other}\nusers:\n- name: other\n  user: {token: abc}\ncurrent-context: other\n",
        )
        .unwrap();
        let new = serde_json::json!({
            "clusters": [{"name": "ours", "cluster": {"server": "https://new"}}],
            "contexts": [{"name": "ours", "context": {"cluster": "ours", "user": "ours"}}],
            "users": [{"name": "ours", "user": {}}],
            "current-context": "ours",
        });
        let m = merge(old, &new);
        assert_eq!(m["clusters"].as_array().unwrap().len(), 2);
        assert_eq!(m["clusters"][1]["cluster"]["server"], "https://new");
        assert_eq!(m["contexts"][0]["name"], "other");
        assert_eq!(m["users"][0]["user"]["token"], "abc");
        assert_eq!(m["current-context"], "ours");
    }
}
