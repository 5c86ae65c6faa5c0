//! PW0418: an object larger than the API server stores (1.5 MiB of JSON) is
//! an error of the spec, reported by `check` and `compile` alike, located at
//! the field that makes it big, and nothing is written.

use std::process::Command;

const SEED: &str = include_str!("../examples/seed.yaml");
const RESOURCES: &str = "    resources: {cpu: 250m, memory: 512Mi}\n";

/// The seed with `extra` (indented workload fields) added to its workload.
fn seed_with(extra: &str) -> String {
    assert!(
        SEED.contains(RESOURCES),
        "the seed's workload ends as expected"
    );
    SEED.replacen(RESOURCES, &format!("{RESOURCES}{extra}"), 1)
}

fn big_env(bytes: usize) -> String {
    seed_with(&format!(
        "    env: {{SMALL: x, BIG: \"{}\"}}\n",
        "x".repeat(bytes)
    ))
}

fn too_large(src: &str) -> Vec<podwire::Diagnostic> {
    podwire::analyze(src)
        .diagnostics
        .into_iter()
        .filter(|d| d.code == "PW0418")
        .collect()
}

#[test]
fn a_huge_env_value_is_an_error_at_that_value() {
    let src = big_env(2 << 20);
    let found = too_large(&src);
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = &found[0];
    assert!(d.is_error());
    assert_eq!(d.path, "workloads[0].env.BIG");
    let span = d.span.as_ref().expect("located");
    assert!(src[span.start..].starts_with("\"xxx"), "{span:?}");
    assert!(d.message.contains("StatefulSet `tensor`"), "{}", d.message);
    assert!(d.help.as_deref().is_some_and(|h| h.contains("Secret")));
    let c = podwire::compile(&src, &Default::default());
    assert!(!c.ok);
    assert!(c.files.is_empty(), "nothing is output");
    assert!(c.diagnostics.iter().any(|d| d.code == "PW0418"));
}

#[test]
fn many_arguments_together_are_an_error_at_the_workload() {
    let args: Vec<String> = (0..24).map(|_| "a".repeat(100_000)).collect();
    let src = seed_with(&format!("    args: [{}]\n", args.join(", ")));
    let found = too_large(&src);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].path, "workloads[0]");
}

#[test]
fn an_object_under_the_limit_compiles() {
    let c = podwire::compile(&big_env(1 << 20), &Default::default());
    assert!(c.ok, "{:#?}", c.diagnostics);
    // And the limit is on the object as JSON: just past it in JSON is refused.
    let limit = 3 * 512 * 1024;
    assert!(!too_large(&big_env(limit)).is_empty());
}

#[test]
fn check_and_compile_refuse_it_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("podwire-object-size-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("big.yaml");
    std::fs::write(&spec, big_env(2 << 20)).unwrap();
    let exe = env!("CARGO_BIN_EXE_podwire");
    let check = Command::new(exe).arg("check").arg(&spec).output().unwrap();
    assert_eq!(check.status.code(), Some(1));
    let text = String::from_utf8_lossy(&check.stderr).to_string()
        + &String::from_utf8_lossy(&check.stdout);
    assert!(text.contains("PW0418"), "{text}");
    let out = dir.join("out");
    let compile = Command::new(exe)
        .arg("compile")
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(compile.status.code(), Some(1));
    assert!(
        !out.join("k8s").join("manifests.yaml").exists(),
        "nothing written"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
