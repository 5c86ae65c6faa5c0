//! Pod Security "restricted": every pod template an example makes (a Job's,
//! a StatefulSet's, a Deployment's, the Job inside a JobSet) follows the
//! restricted profile's rules as Kubernetes' Pod Security Standards list
//! them, checked here independently of the generator; the namespace
//! enforces the profile. The one exception is a pod on a GPUDirect pool:
//! its exemptions must be exactly the ones declared below (after Google's
//! unprivileged GPUDirect manifests), each named in the PW0706 warning, and
//! its namespace enforces "privileged" while warning and auditing
//! "restricted".

mod support;

use serde_json::Value;
use std::path::Path;

/// Volume types the restricted profile allows.
const ALLOWED_VOLUMES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// The pod templates of one object.
fn templates(o: &Value) -> Vec<&Value> {
    match o["kind"].as_str() {
        Some("Job" | "StatefulSet" | "Deployment") => vec![&o["spec"]["template"]],
        Some("JobSet") => o["spec"]["replicatedJobs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|rj| &rj["template"]["spec"]["template"])
            .collect(),
        _ => Vec::new(),
    }
}

/// The restricted profile's violations of a pod template.
fn violations(t: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let spec = &t["spec"];
    for host in ["hostNetwork", "hostPID", "hostIPC"] {
        if spec[host] == true {
            out.push(host.to_string());
        }
    }
    for v in spec["volumes"].as_array().into_iter().flatten() {
        let kinds: Vec<&String> = v
            .as_object()
            .into_iter()
            .flat_map(|o| o.keys())
            .filter(|k| *k != "name")
            .collect();
        for k in kinds {
            if !ALLOWED_VOLUMES.contains(&k.as_str()) {
                out.push(format!("volume {} is {k}", v["name"]));
            }
        }
    }
    let pod_sc = &spec["securityContext"];
    let seccomp_ok = |sc: &Value| {
        matches!(
            sc["seccompProfile"]["type"].as_str(),
            Some("RuntimeDefault" | "Localhost")
        )
    };
    for key in ["containers", "initContainers"] {
        for c in spec[key].as_array().into_iter().flatten() {
            let sc = &c["securityContext"];
            let name = c["name"].as_str().unwrap_or_default();
            if sc["privileged"] == true {
                out.push(format!("{name}: privileged"));
            }
            if sc["allowPrivilegeEscalation"] != false {
                out.push(format!("{name}: allowPrivilegeEscalation not false"));
            }
            let drops_all = sc["capabilities"]["drop"]
                .as_array()
                .is_some_and(|d| d.iter().any(|c| c == "ALL"));
            if !drops_all {
                out.push(format!("{name}: capabilities not dropped"));
            }
            for add in sc["capabilities"]["add"].as_array().into_iter().flatten() {
                if add != "NET_BIND_SERVICE" {
                    out.push(format!("{name}: adds {add}"));
                }
            }
            let non_root = sc["runAsNonRoot"] == true
                || (sc["runAsNonRoot"].is_null() && pod_sc["runAsNonRoot"] == true);
            if !non_root {
                out.push(format!("{name}: may run as root"));
            }
            if sc["runAsUser"] == 0 || pod_sc["runAsUser"] == 0 {
                out.push(format!("{name}: runAsUser 0"));
            }
            if !(seccomp_ok(sc) || (sc["seccompProfile"].is_null() && seccomp_ok(pod_sc))) {
                out.push(format!("{name}: no RuntimeDefault seccomp profile"));
            }
            for p in c["ports"].as_array().into_iter().flatten() {
                if p.get("hostPort").is_some_and(|h| h != 0) {
                    out.push(format!("{name}: hostPort"));
                }
            }
        }
    }
    out
}

/// The exemptions a GPUDirect example's pods may have, and must have: the
/// host paths (with where they are mounted and whether read-only) and the
/// daemon's capability and user.
struct Declared {
    example: &'static str,
    violations: &'static [&'static str],
    /// (volume, host path, container, mount path, read-only)
    host_paths: &'static [(&'static str, &'static str, &'static str, &'static str, bool)],
}

const DECLARED: &[Declared] = &[
    Declared {
        example: "a3-mega-tcpxo",
        violations: &[
            "volume \"nvidia-libs\" is hostPath",
            "volume \"aperture-devices\" is hostPath",
            "volume \"host-sys\" is hostPath",
            "volume \"host-proc-sys\" is hostPath",
            "tcpxo-daemon: adds \"NET_ADMIN\"",
            "tcpxo-daemon: may run as root",
            "tcpxo-daemon: runAsUser 0",
        ],
        host_paths: &[
            (
                "nvidia-libs",
                "/home/kubernetes/bin/nvidia/lib64",
                "trainer",
                "/usr/local/nvidia/lib64",
                true,
            ),
            (
                "aperture-devices",
                "/dev/aperture_devices",
                "trainer",
                "/dev/aperture_devices",
                false,
            ),
            (
                "nvidia-libs",
                "/home/kubernetes/bin/nvidia/lib64",
                "tcpxo-daemon",
                "/usr/local/nvidia/lib64",
                true,
            ),
            ("host-sys", "/sys", "tcpxo-daemon", "/hostsysfs", false),
            (
                "host-proc-sys",
                "/proc/sys",
                "tcpxo-daemon",
                "/hostprocsysfs",
                false,
            ),
        ],
    },
    Declared {
        example: "a4-rdma-train",
        violations: &[
            "volume \"nvidia\" is hostPath",
            "volume \"gib\" is hostPath",
        ],
        host_paths: &[
            (
                "nvidia",
                "/home/kubernetes/bin/nvidia",
                "trainer",
                "/usr/local/nvidia",
                true,
            ),
            (
                "gib",
                "/home/kubernetes/bin/gib",
                "trainer",
                "/usr/local/gib",
                true,
            ),
        ],
    },
];

/// Every hostPath mount of a pod template: (volume, host path, container,
/// mount path, read-only).
fn host_mounts(t: &Value) -> Vec<(String, String, String, String, bool)> {
    let spec = &t["spec"];
    let mut out = Vec::new();
    for key in ["containers", "initContainers"] {
        for c in spec[key].as_array().into_iter().flatten() {
            for m in c["volumeMounts"].as_array().into_iter().flatten() {
                let vol = spec["volumes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|v| v["name"] == m["name"]);
                if let Some(path) = vol.and_then(|v| v["hostPath"]["path"].as_str()) {
                    out.push((
                        m["name"].as_str().unwrap_or_default().to_string(),
                        path.to_string(),
                        c["name"].as_str().unwrap_or_default().to_string(),
                        m["mountPath"].as_str().unwrap_or_default().to_string(),
                        m["readOnly"] == true,
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn every_pod_is_restricted() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut checked = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for e in std::fs::read_dir(dir).expect("examples").flatten() {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "yaml") {
            continue;
        }
        let src = std::fs::read_to_string(&p).expect("read");
        let c = podwire::compile(&src, &podwire::Options::default());
        assert!(c.ok, "{}: {:#?}", p.display(), c.diagnostics);
        let text = c
            .files
            .iter()
            .find(|f| f.path == podwire::MANIFESTS_FILE)
            .map(|f| f.content.as_str())
            .unwrap_or_default();
        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let declared = DECLARED.iter().find(|d| d.example == stem);
        let warning: Vec<&str> = c
            .diagnostics
            .iter()
            .filter(|d| d.code == "PW0706")
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(warning.len(), usize::from(declared.is_some()), "{stem}");
        for o in support::yaml::documents(text).expect("manifests parse") {
            if o["kind"] == "Namespace" {
                let l = &o["metadata"]["labels"];
                let ps = |k: &str| l[format!("pod-security.kubernetes.io/{k}")].clone();
                if declared.is_some() {
                    // Lowered only where it must be (baseline forbids
                    // hostPath): still warned and audited as restricted.
                    assert_eq!(ps("enforce"), "privileged", "{stem}");
                    assert_eq!(ps("warn"), "restricted", "{stem}");
                    assert_eq!(ps("audit"), "restricted", "{stem}");
                } else {
                    assert_eq!(ps("enforce"), "restricted", "{}", p.display());
                    assert!(ps("warn").is_null() && ps("audit").is_null(), "{stem}");
                }
            }
            // The installer runs in kube-system, outside podwire's namespace.
            if o["kind"] == "DaemonSet" {
                assert_eq!(o["metadata"]["namespace"], "kube-system", "{stem}");
                assert!(declared.is_some(), "{stem}");
            }
            for t in templates(&o) {
                let v = violations(t);
                let want: Vec<String> = declared
                    .map(|d| d.violations.iter().map(|s| s.to_string()).collect())
                    .unwrap_or_default();
                assert_eq!(v, want, "{} {}", p.display(), o["metadata"]["name"]);
                let mounts = host_mounts(t);
                let want: Vec<(String, String, String, String, bool)> = declared
                    .map(|d| {
                        d.host_paths
                            .iter()
                            .map(|(a, b, c, e, ro)| {
                                (
                                    a.to_string(),
                                    b.to_string(),
                                    c.to_string(),
                                    e.to_string(),
                                    *ro,
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                assert_eq!(mounts, want, "{stem}");
                // The warning names every host path and the capability.
                for (_, path, ..) in &mounts {
                    assert!(warning[0].contains(path.as_str()), "{path}: {}", warning[0]);
                }
                if v.iter().any(|x| x.contains("NET_ADMIN")) {
                    assert!(warning[0].contains("NET_ADMIN"), "{}", warning[0]);
                }
                checked += 1;
                kinds.insert(o["kind"].as_str().unwrap_or_default().to_string());
            }
        }
    }
    assert!(checked >= 5, "{checked} templates");
    assert!(kinds.contains("JobSet"), "{kinds:?}");
}

#[test]
fn the_check_can_fail() {
    let bad: Value = serde_json::json!({
        "spec": {
            "hostNetwork": true,
            "volumes": [{"name": "h", "hostPath": {"path": "/"}}],
            "securityContext": {"runAsUser": 0},
            "containers": [{"name": "c", "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}}]
        }
    });
    let v = violations(&bad);
    for want in [
        "hostNetwork",
        "hostPath",
        "allowPrivilegeEscalation",
        "capabilities not dropped",
        "adds",
        "may run as root",
        "runAsUser 0",
        "seccomp",
    ] {
        assert!(v.iter().any(|m| m.contains(want)), "{want}: {v:?}");
    }
}
