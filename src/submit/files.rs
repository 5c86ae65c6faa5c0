//! The front ends' file I/O, in one place: the one spec reader (the CLI and
//! the submitter both call [`read_spec`]) and the one atomic writer
//! ([`write_atomic`]): a temp file in the target's directory, fsync, rename
//! over the target, so a reader sees the old file or the new one, never half
//! of one. Nothing here decides what a file holds or which file is secret.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// A file operation that failed, with the path it was about.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Who may read a file podwire writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Mode 0600 from the moment the file exists (credentials, kubeconfigs).
    Private,
    /// Mode 0666 less the umask, as any new file.
    Public,
}

/// A spec as read: the name to show in diagnostics and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecSource {
    pub name: String,
    pub text: String,
}

/// Read the spec named on the command line; `-` is standard input.
pub fn read_spec(arg: &str) -> Result<SpecSource, FileError> {
    if arg == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|source| FileError::Read {
                path: "<stdin>".into(),
                source,
            })?;
        return Ok(SpecSource {
            name: "<stdin>".into(),
            text,
        });
    }
    let text = std::fs::read_to_string(arg).map_err(|source| FileError::Read {
        path: arg.into(),
        source,
    })?;
    Ok(SpecSource {
        name: arg.into(),
        text,
    })
}

/// Replace `path` with `contents` atomically, creating its directory if
/// needed.
pub fn write_atomic(path: &Path, contents: &[u8], visibility: Visibility) -> Result<(), FileError> {
    let err = |source| FileError::Write {
        path: path.display().to_string(),
        source,
    };
    let dir = parent_dir(path);
    std::fs::create_dir_all(&dir).map_err(err)?;
    let mut tmp = temp_in(&dir, path, visibility).map_err(err)?;
    #[cfg(unix)]
    if visibility == Visibility::Private {
        use std::os::unix::fs::PermissionsExt;
        // Exactly 0600 whatever the umask.
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(err)?;
    }
    tmp.write_all(contents).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    sync_dir(&dir);
    Ok(())
}

/// The directory a file lives in (`.` for a bare file name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A fresh temp file beside `target` (created exclusively, so never through
/// a planted symlink; removed again if it is dropped before `persist`).
fn temp_in(
    dir: &Path,
    target: &Path,
    visibility: Visibility,
) -> std::io::Result<tempfile::NamedTempFile> {
    let name = target
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".podwire-tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match visibility {
            Visibility::Private => 0o600,
            Visibility::Public => 0o666,
        };
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = visibility;
    builder.tempfile_in(dir)
}

/// Make the rename durable (best effort: not every file system can sync a
/// directory, and the data itself is already synced).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn write_atomic_creates_the_directory_and_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b/kubeconfig.yaml");
        write_atomic(&p, b"one\n", Visibility::Private).unwrap();
        write_atomic(&p, b"two\n", Visibility::Private).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two\n");
        // No temp file left behind.
        let left: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("kubeconfig.yaml")]);
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_0600_even_when_they_were_not() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("kubeconfig.yaml");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_atomic(&p, b"secret", Visibility::Private).unwrap();
        assert_eq!(mode(&p), 0o600);
        let q = dir.path().join("manifests.yaml");
        write_atomic(&q, b"public", Visibility::Public).unwrap();
        assert_eq!(mode(&q) & 0o600, 0o600);
    }

    #[test]
    fn read_spec_names_the_file_and_reports_a_missing_one() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("spec.yaml");
        std::fs::write(&p, "project: p\n").unwrap();
        let arg = p.display().to_string();
        let s = read_spec(&arg).unwrap();
        assert_eq!(
            (s.name.as_str(), s.text.as_str()),
            (arg.as_str(), "project: p\n")
        );
        let missing = dir.path().join("nope.yaml").display().to_string();
        let e = read_spec(&missing).unwrap_err();
        assert!(matches!(e, FileError::Read { .. }));
        assert!(e.to_string().contains("nope.yaml"), "{e}");
    }
}
