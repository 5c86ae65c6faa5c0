//! Writing the kubeconfig as gcloud does: podwire's cluster, context and
//! user merged into the existing file, current-context set. The file is
//! edited as text ([`edit`]: every other byte kept) under client-go's lock
//! and written back in place ([`files::update`]). The entries themselves
//! come from the core ([`crate::kubeconfig::value`]).

mod edit;
/// The text edits behind [`write_merged`] and [`remove_entries`], without the file I/O.
pub use edit::{merge as merge_text, remove as remove_text, EditError};
mod spanned;

use super::files::{self, FileError, FileLock};
use super::{Deadline, SubmitError};
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
    merge_locked(path, new, || Ok(FileLock::acquire(path, lock_wait)?))
}

/// [`write_merged`] within a command's deadline: the lock is waited for
/// until the deadline, never longer than [`files::LOCK_WAIT`].
pub fn write_merged_within(
    path: &Path,
    new: &Value,
    deadline: &Deadline,
) -> Result<(), SubmitError> {
    merge_locked(path, new, || lock_within(path, deadline))
}

/// The lock on `path`, waited for until the deadline (at most
/// [`files::LOCK_WAIT`], after which a lock is taken to be stale): when the
/// deadline comes first, the error is the command's timeout, naming the
/// lock it waited for.
pub fn lock_within(path: &Path, deadline: &Deadline) -> Result<FileLock, SubmitError> {
    let wait = deadline
        .remaining()
        .map_or(files::LOCK_WAIT, |left| left.min(files::LOCK_WAIT));
    match FileLock::acquire(path, wait) {
        Err(FileError::Locked {
            lock, file, holder, ..
        }) if wait < files::LOCK_WAIT => Err(deadline.timed_out(format!(
            "the lock {lock} on {file}: another podwire or kubectl is writing it{holder}; if none is running, remove {lock}"
        ))),
        r => Ok(r?),
    }
}

fn merge_locked(
    path: &Path,
    new: &Value,
    lock: impl FnOnce() -> Result<FileLock, SubmitError>,
) -> Result<(), SubmitError> {
    let err = |message: String| SubmitError::Kubeconfig {
        path: path.display().to_string(),
        message,
    };
    // Refuse a device or a read-only file before creating a lock beside it.
    files::check_updatable(path)?;
    let _lock = lock()?;
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
    remove_locked(path, name, || {
        Ok(FileLock::acquire(path, files::LOCK_WAIT)?)
    })
}

/// [`remove_entries`] within a command's deadline (see [`lock_within`]).
pub fn remove_entries_within(
    path: &Path,
    name: &str,
    deadline: &Deadline,
) -> Result<bool, SubmitError> {
    remove_locked(path, name, || lock_within(path, deadline))
}

fn remove_locked(
    path: &Path,
    name: &str,
    lock: impl FnOnce() -> Result<FileLock, SubmitError>,
) -> Result<bool, SubmitError> {
    let err = |message: String| SubmitError::Kubeconfig {
        path: path.display().to_string(),
        message,
    };
    if files::read_existing(path)?.is_none() {
        return Ok(false);
    }
    files::check_updatable(path)?;
    let _lock = lock()?;
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
