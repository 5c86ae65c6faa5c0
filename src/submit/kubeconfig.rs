//! Writing the kubeconfig as gcloud does: podwire's cluster, context and
//! user merged into the existing file, current-context set. The file is
//! edited as text ([`edit`]: every other byte kept) under client-go's lock
//! and written back in place ([`files::update`]). The entries themselves
//! come from the core ([`crate::kubeconfig::value`]).

mod edit;
/// The text edits behind [`write_merged`] and [`remove_entries`], without the file I/O.
pub use edit::{merge as merge_text, remove as remove_text, EditError};
mod spanned;

use super::files;
use super::SubmitError;
use serde_json::Value;
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

/// An existing kubeconfig as kubectl reads it (empty text is an empty
/// config).
pub fn parse(text: &str) -> Result<Value, String> {
    spanned::read(text)
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
    let text = match files::read_existing(path)? {
        Some(old) => {
            let text = edit::merge(&old, new).map_err(|e| err(e.to_string()))?;
            if text == old {
                return Ok(());
            }
            text
        }
        None => crate::yaml::to_yaml(new).map_err(|e| err(e.to_string()))?,
    };
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
    match edit::remove(&text, name).map_err(|e| err(e.to_string()))? {
        Some(edited) => {
            files::update(path, edited.as_bytes())?;
            Ok(true)
        }
        None => Ok(false),
    }
}
