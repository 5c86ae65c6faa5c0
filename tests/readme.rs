//! The README holds on a fresh clone: its sample commands print what it
//! shows, every file it names exists, its flags are podwire's, its abridged
//! example is the example file's.
//!
//! How the README is read:
//! - ```` ```console ```` blocks: a line `$ CMD` is a command (its trailing
//!   `# comment` is a shell comment and stays; `# exit N` in it is the exit
//!   status expected, else 0); the lines up to the next `$ ` are what it
//!   prints, stdout and stderr together (`2>&1`), compared exactly except
//!   that a line `...` stands for any number of lines. A line holding only a
//!   `# comment` continues the previous command's comment.
//! - ```` ```sh ```` blocks: every line that is not a comment is a command;
//!   no output is shown, so only the exit status (0) and the files named
//!   `out/...` in its comment are checked.
//! - ```` ```console norun ```` blocks and the commands in [`NOT_RUN`] are
//!   not run (each with its reason); their `--flags` are still checked
//!   against `podwire <subcommand> --help`.
//!
//! Commands run with `sh -c` in a fresh temporary directory holding a copy of
//! `examples/`, with the built `podwire` first on `PATH` and `HOME` an empty
//! directory in it (so `~/...` is fresh too). What is normalised, and only
//! that: `cargo run --release --` is replaced by the built (debug) binary
//! (the README's first command; building a release binary inside a test
//! would take minutes and print cargo's own progress); the README's
//! placeholders for the user's own files are provided ([`placeholders`]).
//! No output needs paths or timings masked: every command works on relative
//! paths and prints no timing.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const README: &str = include_str!("../README.md");

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// README commands that are not run here, and why. Each must still be in the
/// README (a stale entry fails), so the list cannot silently outgrow it.
const NOT_RUN: &[(&str, &str)] = &[
    (
        "scripts/test",
        "runs every test, this one included (CI runs it)",
    ),
    (
        "npm --prefix www ci && npm --prefix www run build",
        "the wasm and playground build: scripts/test-wasm runs it, then tests/js and tests/e2e",
    ),
];

/// Names in the README that are not files of the repository, each with why.
const NOT_REPO_FILES: &[(&str, &str)] = &[
    // What `podwire compile --out DIR` writes (checked against the library below).
    ("gke/cluster.json", "output"),
    ("k8s/manifests.yaml", "output"),
    ("gke/networks.json", "output (GPUDirect pools only)"),
    ("kubeconfig.yaml", "output"),
    ("out/gke/cluster.json", "output"),
    ("out/k8s/manifests.yaml", "output"),
    ("out/kubeconfig.yaml", "output"),
    // Build products of `npm --prefix www run build` (pkg/ is committed with its README).
    ("www/dist/", "build product"),
    // The user's files.
    ("~/.cargo/bin", "user's home"),
    ("~/.kube/config", "user's home"),
    ("spec.yaml", "placeholder"),
    ("spec.json", "placeholder"),
    ("cluster.json", "placeholder"),
    // Not paths.
    (
        "examples/compile/seed",
        "criterion benchmark id (group/function/input)",
    ),
    ("apply/plan/delete/status", "subcommands"),
    ("I/O", "input/output"),
];

/// The user's own files the README's commands name, as the test provides them.
fn placeholders(dir: &Path) {
    let seed = std::fs::read_to_string(repo().join("examples/seed.yaml")).expect("seed");
    std::fs::write(dir.join("spec.yaml"), &seed).expect("write");
    // The same spec as JSON, converted by a YAML reader independent of podwire's.
    let v = support::yaml::document(&seed).expect("seed is YAML");
    std::fs::write(
        dir.join("spec.json"),
        serde_json::to_string_pretty(&v).expect("json"),
    )
    .expect("write");
    // A `clusters.get` response of the seed's cluster.
    std::fs::write(
        dir.join("cluster.json"),
        r#"{"name":"my-ai-cluster","location":"us-central1-a","status":"RUNNING","endpoint":"34.1.2.3","masterAuth":{"clusterCaCertificate":"Q0FEQVRB"}}"#,
    )
    .expect("write");
}

// ---- reading the README ------------------------------------------------------

#[derive(Debug)]
struct Block {
    info: String,
    /// 1-based line of the opening fence.
    line: usize,
    lines: Vec<String>,
}

fn blocks(md: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut cur: Option<Block> = None;
    for (i, l) in md.lines().enumerate() {
        if let Some(rest) = l.strip_prefix("```") {
            match cur.take() {
                Some(b) => out.push(b),
                None => {
                    cur = Some(Block {
                        info: rest.trim().to_string(),
                        line: i + 1,
                        lines: Vec::new(),
                    })
                }
            }
        } else if let Some(b) = cur.as_mut() {
            b.lines.push(l.to_string());
        }
    }
    assert!(cur.is_none(), "README: a code block is not closed");
    out
}

#[derive(Debug)]
struct Cmd {
    /// README line.
    line: usize,
    text: String,
    /// Expected output lines; `None`: not shown (sh blocks).
    output: Option<Vec<String>>,
    run: bool,
}

/// (a console block, a sh block) by the info string's first word.
fn shell_words(info: &str) -> (bool, bool) {
    let lang = info.split_whitespace().next().unwrap_or_default();
    (
        lang == "console",
        lang == "sh" || lang == "bash" || lang == "shell",
    )
}

fn commands(md: &str) -> Vec<Cmd> {
    let mut out: Vec<Cmd> = Vec::new();
    for b in blocks(md) {
        let (console, sh) = shell_words(&b.info);
        let norun = b.info.split_whitespace().any(|x| x == "norun");
        if console {
            for (i, l) in b.lines.iter().enumerate() {
                if let Some(c) = l.strip_prefix("$ ") {
                    out.push(Cmd {
                        line: b.line + 1 + i,
                        text: c.to_string(),
                        output: Some(Vec::new()),
                        run: !norun,
                    });
                } else if l.trim_start().starts_with('#') && l.starts_with(' ') {
                    // A comment continued under the previous command's.
                } else {
                    let Some(Some(o)) = out.last_mut().map(|c| c.output.as_mut()) else {
                        panic!("README:{}: output before any command", b.line + 1 + i);
                    };
                    o.push(l.clone());
                }
            }
        } else if sh {
            for (i, l) in b.lines.iter().enumerate() {
                let t = l.trim();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                out.push(Cmd {
                    line: b.line + 1 + i,
                    text: t.to_string(),
                    output: None,
                    run: !norun,
                });
            }
        }
    }
    out
}

/// A command line without its trailing comment.
fn code(cmd: &str) -> &str {
    cmd.split(" #").next().unwrap_or_default().trim()
}

/// The trailing `# comment` of a command line (naive: no `#` inside quotes
/// in the README's commands).
fn comment(cmd: &str) -> &str {
    cmd.find(" #").map(|i| &cmd[i + 2..]).unwrap_or_default()
}

fn expected_exit(cmd: &str) -> i32 {
    let c = comment(cmd);
    c.find("exit ")
        .and_then(|i| {
            c[i + 5..]
                .split(|ch: char| !ch.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// `got` matches `want`, where a `want` line `...` stands for any lines.
fn matches(want: &[String], got: &[&str]) -> bool {
    match want.split_first() {
        None => got.is_empty(),
        Some((w, rest)) if w == "..." => (0..=got.len()).any(|k| matches(rest, &got[k..])),
        Some((w, rest)) => got.first().is_some_and(|g| g == w) && matches(rest, &got[1..]),
    }
}

// ---- running -------------------------------------------------------------

fn sandbox() -> PathBuf {
    let d = std::env::temp_dir().join(format!("podwire-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("home")).expect("tmp");
    std::fs::create_dir_all(d.join("examples")).expect("tmp");
    for e in std::fs::read_dir(repo().join("examples")).expect("examples") {
        let p = e.expect("entry").path();
        if p.is_file() {
            std::fs::copy(&p, d.join("examples").join(p.file_name().expect("name"))).expect("copy");
        }
    }
    placeholders(&d);
    d
}

fn path_with_podwire() -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_podwire"));
    let mut paths = vec![bin.parent().expect("bin dir").to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).expect("PATH")
}

/// The one normalisation of a command's text (see the module doc).
fn normalise(cmd: &str) -> String {
    cmd.replace("cargo run --release -- ", "podwire ")
}

#[test]
fn readme_commands_print_what_the_readme_shows() {
    let dir = sandbox();
    let path = path_with_podwire();
    let cmds = commands(README);
    assert!(
        cmds.iter().filter(|c| c.run && c.output.is_some()).count() >= 10,
        "the README's console block was not found: {cmds:#?}"
    );
    let mut failures = Vec::new();
    for c in cmds.iter().filter(|c| c.run) {
        if NOT_RUN.iter().any(|(n, _)| *n == code(&c.text)) {
            continue;
        }
        let o = Command::new("sh")
            .arg("-c")
            .arg(format!("exec 2>&1; {}", normalise(&c.text)))
            .current_dir(&dir)
            .env("PATH", &path)
            .env("HOME", dir.join("home"))
            .env_remove("KUBECONFIG")
            .env_remove("CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER")
            .env("NO_COLOR", "1")
            .output()
            .expect("sh runs");
        let got = String::from_utf8_lossy(&o.stdout).into_owned();
        let got_lines: Vec<&str> = got.lines().collect();
        let want_exit = expected_exit(&c.text);
        if o.status.code() != Some(want_exit) {
            failures.push(format!(
                "README:{}: `{}` exited {:?}, the README says {want_exit}:\n{got}",
                c.line,
                c.text,
                o.status.code()
            ));
            continue;
        }
        if let Some(want) = &c.output {
            if !matches(want, &got_lines) {
                failures.push(format!(
                    "README:{}: `{}` printed\n{got}\n--- the README shows ---\n{}",
                    c.line,
                    c.text,
                    want.join("\n")
                ));
            }
        }
        // Files its comment says it writes (`out/...`).
        for w in comment(&c.text).split([' ', ',']) {
            if w.starts_with("out/") && !dir.join(w).exists() {
                failures.push(format!("README:{}: `{}` did not write {w}", c.line, c.text));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // What the compile commands wrote is exactly the library's output.
    let src = std::fs::read_to_string(dir.join("examples/seed.yaml")).expect("read");
    for f in podwire::compile(&src, &podwire::Options::default()).files {
        let got = std::fs::read_to_string(dir.join("out").join(&f.path)).expect("written");
        assert_eq!(got, f.content, "{}", f.path);
    }
    assert!(dir.join("home/.kube/podwire").is_file());
    assert!(dir
        .join("home/.local/share/bash-completion/completions/podwire")
        .is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_matcher_can_fail() {
    let w = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert!(matches(&w(&["a", "...", "z"]), &["a", "b", "c", "z"]));
    assert!(matches(&w(&["a", "..."]), &["a"]));
    assert!(!matches(&w(&["a", "..."]), &["b"]));
    assert!(!matches(&w(&["a"]), &["a", "b"]));
    assert!(!matches(&w(&[]), &["a"]));
    assert_eq!(expected_exit("podwire check x   # exit 1: two errors"), 1);
    assert_eq!(expected_exit("podwire check x"), 0);
    let cmds = commands(
        "```console\n$ a # c\n                # more\nout\n$ b\n```\n```sh\n# x\nc\n```\n",
    );
    assert_eq!(cmds.len(), 3);
    assert_eq!(cmds[0].output.as_deref(), Some(&["out".to_string()][..]));
    assert_eq!(cmds[1].output.as_deref(), Some(&[][..]));
    assert_eq!(cmds[2].output, None);
}

#[test]
fn not_run_commands_are_in_the_readme() {
    let cmds = commands(README);
    for (n, why) in NOT_RUN {
        assert!(
            cmds.iter().any(|c| code(&c.text) == *n),
            "NOT_RUN lists `{n}` ({why}), which the README no longer has"
        );
    }
    // What a `norun` block shows is still podwire's: its subcommands exist
    // (checked with the flags below).
    assert!(cmds
        .iter()
        .any(|c| !c.run && c.text.starts_with("podwire apply")));
}

// ---- flags -------------------------------------------------------------

fn help(sub: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_podwire"))
        .args([sub, "--help"])
        .output()
        .expect("runs");
    assert!(
        o.status.success(),
        "`podwire {sub} --help`: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn long_flags(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.starts_with("--") && w.len() > 2 && !w[2..].starts_with('-'))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_podwire_flag_the_readme_uses_is_in_help() {
    // In commands: the subcommand's own help.
    let mut all = BTreeSet::new();
    for c in commands(README) {
        let mut w = c.text.split_whitespace();
        let prog = w.next();
        let cargo_run = c.text.starts_with("cargo run --release -- ");
        if prog != Some("podwire") && !cargo_run && !c.text.contains("| podwire ") {
            continue;
        }
        let rest = c
            .text
            .split("podwire ")
            .nth(1)
            .or_else(|| c.text.split("-- ").nth(1));
        let Some(rest) = rest else { continue };
        let args = code(rest);
        let sub = args.split_whitespace().next().unwrap_or_default();
        let h = help(sub);
        for f in long_flags(args) {
            assert!(
                h.contains(&f),
                "README:{}: `podwire {sub}` has no {f}",
                c.line
            );
        }
        all.extend(long_flags(&h));
    }
    // In prose (`--timeout SECONDS` ...): a flag of some subcommand.
    for sub in [
        "apply",
        "plan",
        "delete",
        "status",
        "kubeconfig",
        "compile",
        "check",
    ] {
        all.extend(long_flags(&help(sub)));
    }
    let others = ["--release", "--prefix", "--path", "--bench"]; // cargo's and npm's
    for span in inline_code(README) {
        if span.starts_with("cargo ") || span.starts_with("npm ") {
            continue;
        }
        for f in long_flags(&span) {
            assert!(
                all.contains(&f) || others.contains(&f.as_str()),
                "README: `{span}`: podwire has no {f}"
            );
        }
    }
}

// ---- paths -------------------------------------------------------------

fn inline_code(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    for l in md.lines() {
        if l.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            continue;
        }
        let parts: Vec<&str> = l.split('`').collect();
        out.extend(parts.iter().skip(1).step_by(2).map(|s| s.to_string()));
    }
    out
}

fn link_targets(md: &str) -> Vec<String> {
    md.split("](")
        .skip(1)
        .filter_map(|s| s.split(')').next())
        .map(str::to_string)
        .collect()
}

/// Words that name a file: contain `/` or end in a file extension; not URLs,
/// globs, templates, absolute paths or domain-qualified names
/// (`nvidia.com/gpu`, `cloud.google.com/l4-rbs`).
fn path_like(word: &str) -> Option<String> {
    let w = word.trim_matches(|c: char| ",;:()'\"".contains(c));
    let ext = [".rs", ".md", ".yaml", ".json", ".mjs", ".js", ".toml"];
    if w.is_empty()
        || w.contains("://")
        || w.starts_with('/')
        || w.contains(['<', '{', '$', '[', '*', '=', '@'])
        || !(w.contains('/') || ext.iter().any(|e| w.ends_with(e)))
    {
        return None;
    }
    let first = w.split('/').next().unwrap_or_default();
    if w.contains('/') && first.contains('.') && !first.starts_with('.') && !first.starts_with('~')
    {
        return None; // a domain-qualified name
    }
    Some(w.to_string())
}

fn named_paths(md: &str) -> BTreeSet<String> {
    let mut words: Vec<String> = Vec::new();
    for s in inline_code(md).into_iter().chain(link_targets(md)) {
        words.extend(s.split_whitespace().map(str::to_string));
    }
    for b in blocks(md) {
        let plain = b.info.is_empty(); // the Layout block: paths and what they hold
        for l in &b.lines {
            if plain {
                words.extend(l.split_whitespace().map(str::to_string));
            } else if let Some(i) = l.find('#') {
                // Comments of shell and YAML blocks (their commands are run).
                words.extend(l[i + 1..].split_whitespace().map(str::to_string));
            }
        }
    }
    words.iter().filter_map(|w| path_like(w)).collect()
}

#[test]
fn every_file_the_readme_names_exists() {
    let names = named_paths(README);
    for must in [
        "docs/reference.md",
        "www/README.md",
        ".ci/run",
        "src/diag.rs",
        "src/spec/",
    ] {
        assert!(
            names.contains(must),
            "the path scan missed {must}: {names:?}"
        );
    }
    let mut missing = Vec::new();
    for n in &names {
        if NOT_REPO_FILES.iter().any(|(x, _)| x == n) {
            continue;
        }
        if !repo().join(n).exists() {
            missing.push(n.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "the README names files that do not exist: {missing:?}"
    );
    for (n, why) in NOT_REPO_FILES {
        assert!(
            names.contains(*n),
            "NOT_REPO_FILES lists `{n}` ({why}), which the README no longer names"
        );
    }
    // The outputs it names are what compile writes, and only those.
    let src = std::fs::read_to_string(repo().join("examples/seed.yaml")).expect("seed");
    let written: BTreeSet<String> = podwire::compile(&src, &podwire::Options::default())
        .files
        .into_iter()
        .map(|f| f.path)
        .collect();
    let outputs: BTreeSet<String> = NOT_REPO_FILES
        .iter()
        .filter(|(n, why)| *why == "output" && !n.starts_with("out/"))
        .map(|(n, _)| n.to_string())
        .collect();
    assert_eq!(outputs, written);
}

#[test]
fn readme_claims_about_files_hold() {
    let read = |p: &str| std::fs::read_to_string(repo().join(p)).expect(p);
    assert!(
        read(".ci/run").contains("scripts/test"),
        "CI runs scripts/test"
    );
    assert!(read("src/diag.rs").contains("mod codes"));
    // `import { compile, check, schema, examples, version } from "podwire"`.
    for js in ["js/web.js", "js/node.js"] {
        let text = read(js);
        for name in ["compile", "check", "schema", "examples", "version"] {
            assert!(text.contains(name), "{js} does not export {name}");
        }
    }
}

#[test]
fn the_abridged_example_is_the_example_file() {
    // The tour's YAML block: every value it shows is the file's.
    let b = blocks(README)
        .into_iter()
        .find(|b| b.info == "yaml")
        .expect("the tour's YAML block");
    let first = b.lines.first().cloned().unwrap_or_default();
    let file = first
        .trim_start_matches('#')
        .split_whitespace()
        .next()
        .expect("the block names its file")
        .to_string();
    let shown = support::yaml::document(&b.lines.join("\n")).expect("YAML");
    let full = support::yaml::document(&std::fs::read_to_string(repo().join(&file)).expect(&file))
        .expect("YAML");
    fn subset(a: &serde_json::Value, b: &serde_json::Value, at: &str) -> Result<(), String> {
        use serde_json::Value::{Array, Object};
        match (a, b) {
            (Object(x), Object(y)) => x.iter().try_for_each(|(k, v)| {
                let at = format!("{at}.{k}");
                y.get(k)
                    .ok_or(format!("{at}: not in the file"))
                    .and_then(|w| subset(v, w, &at))
            }),
            (Array(x), Array(y)) if x.len() <= y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .try_for_each(|(i, (v, w))| subset(v, w, &format!("{at}[{i}]"))),
            _ if a == b => Ok(()),
            _ => Err(format!("{at}: the README shows {a}, the file has {b}")),
        }
    }
    subset(&shown, &full, &file).unwrap_or_else(|e| panic!("README's abridged {file}: {e}"));
}
