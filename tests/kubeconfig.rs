//! The user's kubeconfig under `apply` and `delete` (issues 16 and 11):
//! written where it really is, with its owner, mode and other entries kept,
//! never over a device or a protected file, and safe under concurrent runs.

#![cfg(unix)]

use podwire::submit::files::FileError;
use podwire::submit::kubeconfig::{parse, remove_entries, write_merged, write_merged_waiting};
use podwire::submit::SubmitError;
use serde_json::{json, Value};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

/// A one-cluster kubeconfig as the core makes it (the shape of
/// `podwire::kubeconfig::value`).
fn ours(name: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "clusters": [{"cluster": {"certificate-authority-data": "Q0E=", "server": format!("https://{name}.example")}, "name": name}],
        "contexts": [{"context": {"cluster": name, "user": name}, "name": name}],
        "current-context": name,
        "kind": "Config",
        "preferences": {},
        "users": [{"name": name, "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "gke-gcloud-auth-plugin",
            "installHint": "install it",
            "provideClusterInfo": true
        }}}]
    })
}

const OTHER: &str = "apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://other.example
  name: other
contexts:
- context:
    cluster: other
    user: other
  name: other
users:
- name: other
  user:
    token: abc
current-context: other
";

fn names(v: &Value, list: &str) -> Vec<String> {
    v[list]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["name"].as_str().map(str::to_string))
        .collect()
}

fn read(p: &Path) -> Value {
    parse(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn a_new_kubeconfig_is_created_private_in_a_new_directory() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(".kube/config");
    write_merged(&p, &ours("gke_p_l_a")).unwrap();
    assert_eq!(mode(&p), 0o600);
    assert_eq!(read(&p)["current-context"], "gke_p_l_a");
    assert!(
        !dir.path().join(".kube/config.lock").exists(),
        "lock removed"
    );
}

#[test]
fn a_symlink_is_written_through_and_stays_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let real_dir = dir.path().join("dotfiles");
    std::fs::create_dir(&real_dir).unwrap();
    let real = real_dir.join("kubeconfig");
    std::fs::write(&real, OTHER).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
    let link = dir.path().join("config");
    // Relative, as `ln -s dotfiles/kubeconfig config` makes it.
    std::os::unix::fs::symlink("dotfiles/kubeconfig", &link).unwrap();

    write_merged(&link, &ours("gke_p_l_a")).unwrap();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let v = read(&real);
    assert_eq!(names(&v, "contexts"), ["other", "gke_p_l_a"]);

    assert!(remove_entries(&link, "gke_p_l_a").unwrap());
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(names(&read(&real), "contexts"), ["other"]);
}

#[test]
fn a_dangling_symlink_creates_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("config");
    std::os::unix::fs::symlink("real-config", &link).unwrap();
    write_merged(&link, &ours("gke_p_l_a")).unwrap();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        read(&dir.path().join("real-config"))["current-context"],
        "gke_p_l_a"
    );
}

#[test]
fn a_device_or_directory_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let to_null = dir.path().join("config");
    std::os::unix::fs::symlink("/dev/null", &to_null).unwrap();
    for p in [Path::new("/dev/null"), &to_null, dir.path()] {
        let e = write_merged(p, &ours("gke_p_l_a")).unwrap_err();
        assert!(
            matches!(e, SubmitError::File(FileError::NotRegular { .. })),
            "{}: {e}",
            p.display()
        );
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let e = remove_entries(p, "gke_p_l_a").unwrap_err();
        assert!(
            matches!(e, SubmitError::File(FileError::NotRegular { .. })),
            "{e}"
        );
    }
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device(),
        "/dev/null is still a device"
    );
    assert!(
        !Path::new("/dev/null.lock").exists(),
        "no lock beside the device"
    );
    assert!(std::fs::symlink_metadata(&to_null)
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn a_read_only_kubeconfig_is_refused_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("config");
    std::fs::write(&p, OTHER).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o444)).unwrap();
    let e = write_merged(&p, &ours("gke_p_l_a")).unwrap_err();
    assert!(
        matches!(
            e,
            SubmitError::File(FileError::ReadOnly { mode: 0o444, .. })
        ),
        "{e}"
    );
    assert!(e.to_string().contains("chmod u+w"), "{e}");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), OTHER);
    assert_eq!(mode(&p), 0o444);
}

#[test]
fn the_mode_of_an_existing_file_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("config");
    std::fs::write(&p, OTHER).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    write_merged(&p, &ours("gke_p_l_a")).unwrap();
    assert_eq!(mode(&p), 0o640);
}

/// `sudo podwire apply` on the invoking user's file: it comes back theirs.
/// Needs root (chown to another uid); skipped otherwise.
#[test]
fn someone_elses_file_comes_back_with_its_owner_group_and_mode() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("config");
    std::fs::write(&p, OTHER).unwrap();
    if std::os::unix::fs::chown(&p, Some(1234), Some(2345)).is_err() {
        eprintln!("skipped: not root, cannot chown to another user");
        return;
    }
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    write_merged(&p, &ours("gke_p_l_a")).unwrap();
    let m = std::fs::metadata(&p).unwrap();
    assert_eq!((m.uid(), m.gid(), mode(&p)), (1234, 2345, 0o600));
    assert_eq!(names(&read(&p), "contexts"), ["other", "gke_p_l_a"]);
    assert!(remove_entries(&p, "gke_p_l_a").unwrap());
    let m = std::fs::metadata(&p).unwrap();
    assert_eq!((m.uid(), m.gid(), mode(&p)), (1234, 2345, 0o600));
}

#[test]
fn a_stale_lock_is_a_clear_error_and_the_file_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("config");
    std::fs::write(&p, OTHER).unwrap();
    let lock = dir.path().join("config.lock");
    std::fs::write(&lock, "4242").unwrap();
    let e = write_merged_waiting(&p, &ours("gke_p_l_a"), Duration::from_millis(100)).unwrap_err();
    assert!(
        matches!(e, SubmitError::File(FileError::Locked { .. })),
        "{e}"
    );
    let msg = e.to_string();
    assert!(msg.contains(&lock.display().to_string()), "{msg}");
    assert!(
        msg.contains("process 4242") && msg.contains("remove"),
        "{msg}"
    );
    assert_eq!(std::fs::read_to_string(&p).unwrap(), OTHER);
    assert!(lock.exists(), "someone else's lock is not removed");
}

/// Two applies at once on one kubeconfig, each merging its own contexts:
/// none is lost (without the lock, one run's read-merge-write overwrites the
/// other's).
#[test]
fn concurrent_merges_lose_no_context() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("config");
    std::fs::write(&p, OTHER).unwrap();
    const EACH: usize = 25;
    std::thread::scope(|s| {
        for writer in ["a", "b", "c"] {
            let p = &p;
            s.spawn(move || {
                for i in 0..EACH {
                    write_merged(p, &ours(&format!("gke_p_l_{writer}{i}"))).unwrap();
                }
            });
        }
    });
    let v = read(&p);
    for list in ["clusters", "contexts", "users"] {
        let got = names(&v, list);
        assert_eq!(got.len(), 1 + 3 * EACH, "{list}: {got:?}");
        for writer in ["a", "b", "c"] {
            for i in 0..EACH {
                let name = format!("gke_p_l_{writer}{i}");
                assert!(got.contains(&name), "{list} lost {name}");
            }
        }
    }
    assert_eq!(v["users"][0]["user"]["token"], "abc");
    assert!(!dir.path().join("config.lock").exists());
}
