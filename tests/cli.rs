//! The real `podwire` binary: exit codes, files, stdin, formats.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_podwire"))
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("podwire-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tmp");
    d
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn compile_writes_the_three_files_exactly_as_the_library() {
    let out = tmpdir("out");
    let o = run(bin()
        .args([
            "compile",
            example("seed.yaml").to_str().unwrap_or_default(),
            "--out",
        ])
        .arg(&out));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let src = std::fs::read_to_string(example("seed.yaml")).expect("read");
    let c = podwire::compile(&src, &podwire::Options::default());
    for f in &c.files {
        let got = std::fs::read_to_string(out.join(&f.path)).expect("written");
        assert_eq!(got, f.content, "{}", f.path);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join("kubeconfig.yaml"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "kubeconfig must be private");
    }
}

#[test]
fn compile_from_stdin_prints_one_output() {
    let src = std::fs::read_to_string(example("seed.yaml")).expect("read");
    let mut child = bin()
        .args(["compile", "-", "--emit", "gke"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(src.as_bytes())
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is the JSON body");
    assert_eq!(v["parent"], "projects/my-project/locations/us-central1-a");
}

#[test]
fn check_clean_spec_exits_zero() {
    let o = run(bin().args(["check"]).arg(example("mixed-stack.yaml")));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

#[test]
fn check_reports_errors_with_location_and_exits_one() {
    let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad/many-errors.yaml");
    let o = run(bin().arg("check").arg(&bad));
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("many-errors.yaml:21:7: error[PW0004]: unknown field `machineTyp`"),
        "{err}"
    );
    assert!(err.contains("help: did you mean `machineType`?"), "{err}");
    assert!(
        err.contains("21 |       machineTyp: g2-standard-8"),
        "code frame: {err}"
    );
}

#[test]
fn check_json_format() {
    let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad/many-errors.yaml");
    let o = run(bin().args(["check", "--format", "json"]).arg(&bad));
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let diags = v["diagnostics"].as_array().expect("array");
    assert!(diags.len() >= 10);
    let first = &diags[0];
    assert_eq!(first["code"], "PW0101");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["path"], "metadata.name");
    assert_eq!(first["span"]["line"], 4);
    assert_eq!(first["span"]["column"], 9);
}

#[test]
fn compile_refuses_on_errors_and_writes_nothing() {
    let out = tmpdir("bad");
    let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad/many-errors.yaml");
    let o = run(bin().arg("compile").arg(&bad).arg("--out").arg(&out));
    assert_eq!(o.status.code(), Some(1));
    assert!(!out.join("gke").exists());
}

#[test]
fn missing_file_is_an_io_error_not_a_panic() {
    let o = run(bin().args(["check", "/nonexistent/spec.yaml"]));
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("cannot read /nonexistent/spec.yaml"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn schema_is_json_schema_of_the_language() {
    let o = run(bin().arg("schema"));
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(v["$schema"]
        .as_str()
        .is_some_and(|s| s.contains("json-schema.org")));
    let props = v["properties"].as_object().expect("properties");
    for k in [
        "apiVersion",
        "kind",
        "metadata",
        "gcp",
        "cluster",
        "namespace",
        "workloads",
        "connections",
    ] {
        assert!(props.contains_key(k), "schema lacks {k}");
    }
}

#[test]
fn kubeconfig_from_a_cluster_resource() {
    let dir = tmpdir("kc");
    let cluster = dir.join("cluster.json");
    std::fs::write(&cluster, r#"{"name":"my-ai-cluster","status":"RUNNING","endpoint":"34.1.2.3","masterAuth":{"clusterCaCertificate":"Q0FEQVRB"}}"#).expect("write");
    let out = dir.join("kubeconfig");
    let o = run(bin()
        .arg("kubeconfig")
        .arg(example("seed.yaml"))
        .arg("--cluster")
        .arg(&cluster)
        .arg("--out")
        .arg(&out));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let kc = std::fs::read_to_string(&out).expect("written");
    assert!(kc.contains("server: https://34.1.2.3\n"), "{kc}");
    assert!(
        kc.contains("certificate-authority-data: Q0FEQVRB\n"),
        "{kc}"
    );
    assert!(!kc.contains(".invalid"));
    // A cluster still provisioning has no endpoint: a clear error.
    std::fs::write(
        &cluster,
        r#"{"name":"my-ai-cluster","status":"PROVISIONING"}"#,
    )
    .expect("write");
    let o = run(bin()
        .arg("kubeconfig")
        .arg(example("seed.yaml"))
        .arg("--cluster")
        .arg(&cluster));
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("PROVISIONING"));
    // Another cluster's resource never fills this spec's context.
    std::fs::write(&cluster, r#"{"name":"someone-else","status":"RUNNING","endpoint":"198.51.100.9","masterAuth":{"clusterCaCertificate":"Q0FEQVRB"}}"#).expect("write");
    let o = run(bin()
        .arg("kubeconfig")
        .arg(example("seed.yaml"))
        .arg("--cluster")
        .arg(&cluster));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("someone-else"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn compile_emit_selects_the_file_written_with_out() {
    let out = tmpdir("emit");
    let o = run(bin()
        .args([
            "compile",
            example("seed.yaml").to_str().unwrap_or_default(),
            "--emit",
            "gke",
            "--out",
        ])
        .arg(&out));
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(out.join(podwire::GKE_FILE).exists());
    assert!(!out.join(podwire::MANIFESTS_FILE).exists());
    assert!(!out.join(podwire::KUBECONFIG_FILE).exists());
    assert!(
        text(&o.stderr).contains("cluster.json"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn compile_emit_networks_prints_the_requests_or_says_why_there_are_none() {
    let o = run(bin().args([
        "compile",
        example("a3-mega-tcpxo.yaml").to_str().unwrap_or_default(),
        "--emit",
        "networks",
    ]));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["networks"].as_array().map(Vec::len), Some(8));
    let o = run(bin().args([
        "compile",
        example("seed.yaml").to_str().unwrap_or_default(),
        "--emit",
        "networks",
    ]));
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert!(text(&o.stderr).contains("gpuDirect"), "{}", text(&o.stderr));
}

#[test]
fn contradictory_flags_are_refused_with_a_clear_message() {
    let o = run(bin()
        .args(["compile", "--format", "json"])
        .arg(example("seed.yaml")));
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "nothing half-printed");
    let err = text(&o.stderr);
    assert!(err.contains("--out"), "{err}");
    assert!(err.contains("--format json"), "{err}");
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let o = run(bin().args(["completions", shell]));
        assert!(o.status.success(), "{shell}: {}", text(&o.stderr));
        let script = text(&o.stdout);
        for word in ["podwire", "compile", "apply", "kubeconfig", "gke-endpoint"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let o = run(bin().args(["completions", "tcsh"]));
    assert_eq!(o.status.code(), Some(2));
}

/// Every argument and option in every `--help` has a description.
#[test]
fn help_describes_every_argument() {
    let subcommands = [
        "check",
        "compile",
        "kubeconfig",
        "schema",
        "apply",
        "plan",
        "delete",
        "status",
        "completions",
    ];
    for sub in subcommands {
        let o = run(bin().args([sub, "--help"]));
        assert!(o.status.success(), "{sub}");
        let help = text(&o.stdout);
        let lines: Vec<&str> = help.lines().collect();
        let mut entries = 0;
        for (i, line) in lines.iter().enumerate() {
            let Some(rest) = line.strip_prefix("  ") else {
                continue;
            };
            if !(rest.starts_with('-') || rest.starts_with('<') || rest.starts_with('[')) {
                continue;
            }
            entries += 1;
            let same_line = rest.trim_end().contains("  ");
            let next_line = lines
                .get(i + 1)
                .is_some_and(|n| n.starts_with("      ") && !n.trim().is_empty());
            assert!(
                same_line || next_line,
                "`podwire {sub} --help`: {:?} has no description\n{help}",
                rest.trim()
            );
        }
        assert!(entries >= 1, "{sub}: {help}");
    }
}

#[test]
fn a_closed_stdout_is_an_error_not_a_panic() {
    // `podwire schema | head -1`, a full disk: the write fails; podwire says
    // so and exits 2 (before, `println!` panicked with a backtrace).
    // /dev/full fails every write (ENOSPC), deterministically, where a pipe
    // closed early would race with the write.
    let cluster = tmpdir("closed").join("cluster.json");
    std::fs::write(&cluster, r#"{"name":"my-ai-cluster","status":"RUNNING","endpoint":"34.1.2.3","masterAuth":{"clusterCaCertificate":"Q0FEQVRB"}}"#).expect("write");
    let seed = example("seed.yaml");
    let seed = seed.to_str().unwrap_or_default();
    let cluster = cluster.to_str().unwrap_or_default();
    for args in [
        vec!["schema"],
        vec!["completions", "bash"],
        vec!["compile", seed, "--emit", "gke"],
        vec!["kubeconfig", seed, "--cluster", cluster],
    ] {
        let o = run(Command::new("sh")
            .arg("-c")
            .arg(r#""$0" "$@" >/dev/full"#)
            .arg(env!("CARGO_BIN_EXE_podwire"))
            .args(&args));
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.contains("cannot write <stdout>"), "{args:?}: {err}");
    }
}
