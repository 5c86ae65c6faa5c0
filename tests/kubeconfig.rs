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

/// Kubeconfigs as other tools and hands leave them.
const FIXTURES: [(&str, &str); 4] = [
    (
        "gcloud",
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: Q0E=\n    server: https://34.1.2.3\n  name: gke_other_us-central1_prod\ncontexts:\n- context:\n    cluster: gke_other_us-central1_prod\n    user: gke_other_us-central1_prod\n  name: gke_other_us-central1_prod\ncurrent-context: gke_other_us-central1_prod\nkind: Config\npreferences: {}\nusers:\n- name: gke_other_us-central1_prod\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: gke-gcloud-auth-plugin\n      installHint: Install gke-gcloud-auth-plugin\n      provideClusterInfo: true\n",
    ),
    (
        "kind",
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: Q0E=\n    server: https://127.0.0.1:45001\n  name: kind-kind\ncontexts:\n- context:\n    cluster: kind-kind\n    user: kind-kind\n  name: kind-kind\ncurrent-context: kind-kind\nkind: Config\npreferences: {}\nusers:\n- name: kind-kind\n  user:\n    client-certificate-data: Q0VSVA==\n    client-key-data: S0VZ\n",
    ),
    (
        "minikube",
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority: /root/.minikube/ca.crt\n    extensions:\n    - extension:\n        last-update: Tue, 01 Dec 2026 10:00:00 UTC\n        provider: minikube.sigs.k8s.io\n        version: v1.34.0\n      name: cluster_info\n    server: https://192.168.49.2:8443\n  name: minikube\ncontexts:\n- context:\n    cluster: minikube\n    extensions:\n    - extension:\n        last-update: Tue, 01 Dec 2026 10:00:00 UTC\n        provider: minikube.sigs.k8s.io\n        version: v1.34.0\n      name: context_info\n    namespace: default\n    user: minikube\n  name: minikube\ncurrent-context: minikube\nkind: Config\npreferences: {}\nusers:\n- name: minikube\n  user:\n    client-certificate: /root/.minikube/profiles/minikube/client.crt\n    client-key: /root/.minikube/profiles/minikube/client.key\n",
    ),
    (
        "hand-edited",
        "# lab clusters\r\napiVersion: v1\r\nkind: Config\r\nclusters:\r\n- cluster:\r\n    insecure-skip-tls-verify: yes   # self-signed\r\n    server: https://10.0.0.1:6443\r\n  name: lab\r\n- {name: lab2, cluster: {server: \"https://10.0.0.2:6443\", insecure-skip-tls-verify: on}}\r\ncontexts:\r\n- context: &lab\r\n    cluster: lab\r\n    user: lab\r\n  name: lab\r\n- name: lab-again\r\n  context: *lab\r\nusers:\r\n- name: lab\r\n  user:\r\n    token: 'abc'\r\ncurrent-context: lab\r\n# end\r\n",
    ),
];

fn kubectl_view(p: &Path) -> Option<Value> {
    let out = std::process::Command::new("kubectl")
        .args(["config", "view", "--raw", "-o", "json", "--kubeconfig"])
        .arg(p)
        .env_remove("KUBECONFIG")
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "kubectl rejects {}: {}\n{}",
        p.display(),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(p).unwrap_or_default()
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn without(v: &Value, name: &str) -> Value {
    let mut v = v.clone();
    for list in ["clusters", "contexts", "users"] {
        if let Some(items) = v[list].as_array_mut() {
            items.retain(|i| i["name"] != name);
        }
    }
    v["current-context"] = Value::Null;
    v
}

/// Every other entry comes back as kubectl read it from the original file;
/// ours is there and current. Skipped without kubectl.
#[test]
fn kubectl_reads_other_tools_entries_unchanged_after_merge_and_remove() {
    let name = "gke_p_l_a";
    for (tool, text) in FIXTURES {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config");
        std::fs::write(&p, text).unwrap();
        let Some(before) = kubectl_view(&p) else {
            eprintln!("skipped: no kubectl");
            return;
        };
        write_merged(&p, &ours(name)).unwrap();
        let after = kubectl_view(&p).unwrap();
        assert_eq!(without(&after, name), without(&before, name), "{tool}");
        assert_eq!(after["current-context"], name, "{tool}");
        for list in ["clusters", "contexts", "users"] {
            assert!(
                names(&after, list).contains(&name.to_string()),
                "{tool} {list}"
            );
        }
        let user = after["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == name);
        assert_eq!(
            user.unwrap()["user"]["exec"]["command"],
            "gke-gcloud-auth-plugin",
            "{tool}"
        );
        if text.contains('#') {
            let written = std::fs::read_to_string(&p).unwrap();
            for line in text.lines().filter(|l| l.contains('#')) {
                assert!(
                    written.lines().any(|l| l == line),
                    "{tool}: comment {line:?} lost"
                );
            }
        }

        assert!(remove_entries(&p, name).unwrap());
        let removed = kubectl_view(&p).unwrap();
        assert_eq!(without(&removed, name), without(&before, name), "{tool}");
        assert_eq!(
            names(&removed, "contexts"),
            names(&before, "contexts"),
            "{tool}"
        );
    }
}
