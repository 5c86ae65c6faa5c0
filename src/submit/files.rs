//! The front ends' file I/O, in one place: the one spec reader (the CLI and
//! the submitter both call [`read_spec`]) and the one atomic writer
//! ([`write_atomic`]): a temp file in the target's directory, fsync, rename
//! over the target, so a reader sees the old file or the new one, never half
//! of one ([`write_output`], for compiled files, is the same without the
//! fsync). [`update`] replaces a user's file as the user left it: written
//! through symlinks, never over something that is not a regular file or that
//! the user made read-only, with its owner, group and mode kept.
//! [`FileLock`] is client-go's `<file>.lock`, so podwire and kubectl do not
//! overwrite each other's changes. Nothing here decides what a file holds or
//! which file is secret.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long [`FileLock::acquire`] waits for another writer: merging a
/// kubeconfig takes milliseconds, so a lock older than this is stale.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

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
    #[error("{path} is {kind}, not a regular file; podwire only replaces regular files (point it at a file)")]
    NotRegular { path: String, kind: &'static str },
    #[error("{path} is read-only (mode {mode:04o}); podwire does not replace a file you protected: `chmod u+w` it to let podwire update it")]
    ReadOnly { path: String, mode: u32 },
    #[error("{path} belongs to uid {uid} gid {gid}; the new file cannot be given that owner ({source}), so it is left as it is")]
    KeepOwner {
        path: String,
        uid: u32,
        gid: u32,
        source: std::io::Error,
    },
    #[error("{path}: too many levels of symbolic links")]
    SymlinkLoop { path: String },
    #[error("{lock} still exists after {secs}s: another podwire or kubectl is writing {file}, or one stopped while doing so{holder}; if none is running, remove {lock}")]
    Locked {
        lock: String,
        file: String,
        secs: u64,
        holder: String,
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

/// A spec as read: the name to show in diagnostics and its bytes (turning
/// them into text is the core's: invalid UTF-8 is a located diagnostic, see
/// `podwire::analyze_bytes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecSource {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Read the spec named on the command line; `-` is standard input.
pub fn read_spec(arg: &str) -> Result<SpecSource, FileError> {
    if arg == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|source| FileError::Read {
                path: "<stdin>".into(),
                source,
            })?;
        return Ok(SpecSource {
            name: "<stdin>".into(),
            bytes,
        });
    }
    let bytes = std::fs::read(arg).map_err(|source| FileError::Read {
        path: arg.into(),
        source,
    })?;
    Ok(SpecSource {
        name: arg.into(),
        bytes,
    })
}

/// Replace `path` with `contents` atomically, creating its directory if
/// needed. A symlink is written through (the link stays a link); anything
/// but a regular file is refused. The file gets exactly the mode
/// `visibility` says, whatever it had.
pub fn write_atomic(path: &Path, contents: &[u8], visibility: Visibility) -> Result<(), FileError> {
    let (target, _) = resolve(path)?;
    replace(&target, contents, visibility, None, Durability::Synced)
}

/// [`write_atomic`] for a file compiled from the spec (`compile --out`):
/// just as atomic (a reader sees the old file or the new one), but not
/// synced to disk. Such a file is made again by compiling again, and the
/// fsyncs of the file and its directory cost more than the compile itself
/// on a virtual disk; compilers (rustc, kubectl kustomize) do not sync
/// their output either.
pub fn write_output(path: &Path, contents: &[u8], visibility: Visibility) -> Result<(), FileError> {
    let (target, _) = resolve(path)?;
    replace(&target, contents, visibility, None, Durability::Unsynced)
}

/// Whether [`replace`] waits until the new file is on disk.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Durability {
    /// The file and the rename are synced before returning: the user's
    /// files (kubeconfigs, credentials) survive a crash right after.
    Synced,
    /// Left to the kernel's writeback: for files that can be made again.
    Unsynced,
}

/// Replace a user's file (a kubeconfig) atomically, keeping what the user
/// chose: written through symlinks, refused if it is not a regular file or
/// is read-only, and with its owner, group and mode kept (when run as root
/// for someone else's file, the new file is given back to them). A file
/// that does not exist yet is created private.
pub fn update(path: &Path, contents: &[u8]) -> Result<(), FileError> {
    let (target, existing) = resolve(path)?;
    if let Some(meta) = &existing {
        check_writable(&target, meta)?;
    }
    replace(
        &target,
        contents,
        Visibility::Private,
        existing.as_ref(),
        Durability::Synced,
    )
}

/// What [`update`] would refuse, checked before anything else is done (such
/// as creating a lock beside a device).
pub fn check_updatable(path: &Path) -> Result<(), FileError> {
    let (target, existing) = resolve(path)?;
    match existing {
        Some(meta) => check_writable(&target, &meta),
        None => Ok(()),
    }
}

/// The text of a user's file, following symlinks; `None` when it does not
/// exist. Anything but a regular file is refused (reading `/dev/stdin` or a
/// FIFO would block or consume someone else's data).
pub fn read_existing(path: &Path) -> Result<Option<String>, FileError> {
    let (target, existing) = resolve(path)?;
    if existing.is_none() {
        return Ok(None);
    }
    std::fs::read_to_string(&target)
        .map(Some)
        .map_err(|source| FileError::Read {
            path: target.display().to_string(),
            source,
        })
}

/// Follow symlinks to the file they name. Returns that path and, when it
/// exists, its metadata (always a regular file's).
fn resolve(path: &Path) -> Result<(PathBuf, Option<std::fs::Metadata>), FileError> {
    let read_err = |p: &Path, source| FileError::Read {
        path: p.display().to_string(),
        source,
    };
    let mut current = path.to_path_buf();
    // As the kernel does (MAXSYMLINKS is 40 on Linux).
    for _ in 0..40 {
        let meta = match std::fs::symlink_metadata(&current) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((current, None)),
            Err(e) => return Err(read_err(&current, e)),
        };
        if meta.file_type().is_symlink() {
            let link = std::fs::read_link(&current).map_err(|e| read_err(&current, e))?;
            current = if link.is_absolute() {
                link
            } else {
                parent_dir(&current).join(link)
            };
            continue;
        }
        if meta.is_file() {
            return Ok((current, Some(meta)));
        }
        return Err(FileError::NotRegular {
            path: if current == path {
                path.display().to_string()
            } else {
                format!("{} (-> {})", path.display(), current.display())
            },
            kind: kind_of(&meta),
        });
    }
    Err(FileError::SymlinkLoop {
        path: path.display().to_string(),
    })
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "something else"
}

/// Refuse a file its owner made read-only (root could replace it, and
/// rename would replace it for anyone who may write the directory), and a
/// file we may not write.
fn check_writable(target: &Path, meta: &std::fs::Metadata) -> Result<(), FileError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o200 == 0 {
            return Err(FileError::ReadOnly {
                path: target.display().to_string(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    if meta.permissions().readonly() {
        return Err(FileError::ReadOnly {
            path: target.display().to_string(),
            mode: 0o444,
        });
    }
    // Opening for writing (without truncating) changes nothing and says
    // whether we could have written it in place.
    std::fs::OpenOptions::new()
        .write(true)
        .open(target)
        .map(drop)
        .map_err(|source| FileError::Write {
            path: target.display().to_string(),
            source,
        })
}

/// Write `contents` to a temp file beside `target` and rename it over the
/// target. With `keep`, the new file gets that file's owner, group and mode.
fn replace(
    target: &Path,
    contents: &[u8],
    visibility: Visibility,
    keep: Option<&std::fs::Metadata>,
    durability: Durability,
) -> Result<(), FileError> {
    let err = |source| FileError::Write {
        path: target.display().to_string(),
        source,
    };
    let dir = parent_dir(target);
    std::fs::create_dir_all(&dir).map_err(err)?;
    let mut tmp = temp_in(&dir, target, visibility).map_err(err)?;
    tmp.write_all(contents).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let file = tmp.as_file();
        let mode = match (keep, visibility) {
            (Some(old), _) => {
                let ours = file.metadata().map_err(err)?;
                if (ours.uid(), ours.gid()) != (old.uid(), old.gid()) {
                    std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid())).map_err(
                        |source| FileError::KeepOwner {
                            path: target.display().to_string(),
                            uid: old.uid(),
                            gid: old.gid(),
                            source,
                        },
                    )?;
                }
                // After chown, which may clear set-id bits.
                Some(old.permissions().mode() & 0o777)
            }
            // Exactly 0600 whatever the umask.
            (None, Visibility::Private) => Some(0o600),
            (None, Visibility::Public) => None,
        };
        if let Some(mode) = mode {
            file.set_permissions(std::fs::Permissions::from_mode(mode))
                .map_err(err)?;
        }
    }
    #[cfg(not(unix))]
    let _ = keep;
    if durability == Durability::Synced {
        tmp.as_file().sync_all().map_err(err)?;
    }
    tmp.persist(target).map_err(|e| err(e.error))?;
    if durability == Durability::Synced {
        sync_dir(&dir);
    }
    Ok(())
}

/// client-go's lock on a kubeconfig: `<file>.lock`, created exclusively and
/// removed when dropped. The path is the one given (not the symlink's
/// target), as client-go names it, so podwire and kubectl exclude each
/// other.
#[derive(Debug)]
pub struct FileLock {
    path: PathBuf,
}

impl FileLock {
    /// Take the lock on `file`, waiting up to `wait` for another holder.
    pub fn acquire(file: &Path, wait: Duration) -> Result<FileLock, FileError> {
        let mut name = file.as_os_str().to_os_string();
        name.push(".lock");
        let path = PathBuf::from(name);
        let err = |source| FileError::Write {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(parent_dir(&path)).map_err(err)?;
        let started = Instant::now();
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    // Who holds it, for the stale-lock message (client-go
                    // leaves it empty).
                    let _ = write!(f, "{}", std::process::id());
                    return Ok(FileLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if started.elapsed() >= wait {
                        let holder = std::fs::read_to_string(&path)
                            .ok()
                            .map(|t| t.trim().to_string())
                            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
                            .map(|pid| format!(" (it names process {pid})"))
                            .unwrap_or_default();
                        return Err(FileError::Locked {
                            lock: path.display().to_string(),
                            file: file.display().to_string(),
                            secs: wait.as_secs(),
                            holder,
                        });
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => return Err(err(e)),
            }
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
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

    #[cfg(unix)]
    #[test]
    fn compiled_outputs_are_replaced_the_same_way_unsynced() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out/kubeconfig.yaml");
        write_output(&p, b"one\n", Visibility::Private).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_output(&p, b"two\n", Visibility::Private).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two\n");
        assert_eq!(mode(&p), 0o600);
        let left: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("kubeconfig.yaml")]);
    }

    #[test]
    fn read_spec_names_the_file_and_reports_a_missing_one() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("spec.yaml");
        std::fs::write(&p, "project: p\n").unwrap();
        let arg = p.display().to_string();
        let s = read_spec(&arg).unwrap();
        assert_eq!(
            (s.name.as_str(), s.bytes.as_slice()),
            (arg.as_str(), b"project: p\n".as_slice())
        );
        let missing = dir.path().join("nope.yaml").display().to_string();
        let e = read_spec(&missing).unwrap_err();
        assert!(matches!(e, FileError::Read { .. }));
        assert!(e.to_string().contains("nope.yaml"), "{e}");
    }
}
