//! Fakes and harness for tests/apply.rs.

#![allow(dead_code)]

pub mod compute;
pub mod gke;
pub mod kube;
pub mod server;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Never printed by podwire, whatever happens.
pub const TOKEN: &str = "ya29.a0-TEST-SECRET-3f9c2e71d4b8a6051c";

pub struct Env {
    pub dir: PathBuf,
    pub gke: gke::Fake,
    pub kube: kube::Fake,
    pub spec: PathBuf,
    pub token_file: PathBuf,
    pub kubeconfig: PathBuf,
}

static N: AtomicUsize = AtomicUsize::new(0);

pub fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

pub const OTHER_KUBECONFIG: &str = "apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://other.example:6443
    certificate-authority-data: T1RIRVI=
  name: other-cluster
contexts:
- context:
    cluster: other-cluster
    user: other-user
    namespace: team-a
  name: other-context
current-context: other-context
users:
- name: other-user
  user:
    token: other-static-token
preferences: {}
";

impl Env {
    pub fn new(example_name: &str) -> Env {
        Env::with_pki(example_name, server::pki())
    }

    /// With the API server's certificate from `pki` (GKE reports its CA).
    pub fn with_pki(example_name: &str, pki: server::Pki) -> Env {
        let dir = std::env::temp_dir().join(format!(
            "podwire-apply-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let kube = kube::Fake::start(TOKEN, &pki);
        let gke = gke::Fake::start(TOKEN, &kube.server.addr, &pki.ca_base64);
        let spec = dir.join("spec.yaml");
        std::fs::copy(example(example_name), &spec).unwrap();
        let token_file = dir.join("token");
        // As `gcloud auth print-access-token > token` leaves it.
        std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
        let kubeconfig = dir.join("kube").join("config");
        std::fs::create_dir_all(kubeconfig.parent().unwrap()).unwrap();
        std::fs::write(&kubeconfig, OTHER_KUBECONFIG).unwrap();
        // As kubectl and gcloud leave it (podwire keeps an existing file's mode).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&kubeconfig, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        Env {
            dir,
            gke,
            kube,
            spec,
            token_file,
            kubeconfig,
        }
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_podwire"));
        c.env("PODWIRE_BACKOFF_MS", "20")
            .env("PODWIRE_POLL_MS", "10")
            .env("PODWIRE_HTTP_TIMEOUT_MS", "800")
            .env("PODWIRE_MAX_ATTEMPTS", "8")
            .env_remove("CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER")
            .env_remove("KUBECONFIG")
            .env("HOME", self.dir.join("home"))
            .env("NO_PROXY", "*")
            .env("no_proxy", "*");
        for v in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
        ] {
            c.env_remove(v);
        }
        c.stdin(Stdio::null());
        c
    }

    /// `podwire <sub> SPEC --gke-endpoint --access-token-file --kubeconfig <extra>`.
    pub fn run(&self, sub: &str, extra: &[&str]) -> Run {
        self.run_at(&self.gke.base(), sub, extra)
    }

    /// As [`Env::run`], with another GKE endpoint.
    pub fn run_at(&self, endpoint: &str, sub: &str, extra: &[&str]) -> Run {
        let mut c = self.cmd();
        c.arg(sub)
            .arg(&self.spec)
            .arg("--gke-endpoint")
            .arg(endpoint)
            .arg("--access-token-file")
            .arg(&self.token_file)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(extra);
        Run::of(c.output().expect("podwire runs"))
    }

    /// `podwire compile SPEC --emit <what>`.
    pub fn compile(&self, emit: &str) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_podwire"))
            .args(["compile", "--emit", emit])
            .arg(&self.spec)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn cluster_request(&self) -> Value {
        serde_json::from_str(&self.compile("gke")).unwrap()
    }

    /// The manifests, one YAML document per object, in apply order.
    pub fn documents(&self) -> Vec<String> {
        self.compile("manifests")
            .split("---\n")
            .map(str::to_string)
            .collect()
    }

    pub fn location(&self) -> String {
        self.cluster_request()["parent"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string()
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn of(o: Output) -> Run {
        let r = Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        };
        assert!(
            !r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN),
            "the access token was printed"
        );
        assert!(
            !r.stdout.contains("3f9c2e71d4b8a6051c") && !r.stderr.contains("3f9c2e71d4b8a6051c"),
            "part of the access token was printed"
        );
        assert!(
            !r.stderr.contains("panicked"),
            "podwire panicked: {}",
            r.stderr
        );
        r
    }

    pub fn ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}
