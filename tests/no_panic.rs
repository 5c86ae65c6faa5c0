//! Property tests: random and mutated specs never panic the compiler (a panic
//! in WebAssembly kills the page), and every diagnostic's span lies inside the
//! source on character boundaries.

use proptest::prelude::*;

const SEED: &str = include_str!("../examples/mixed-stack.yaml");

fn check_invariants(src: &str) {
    let c = podwire::compile(src, &podwire::Options::default());
    assert_eq!(c.ok, !c.diagnostics.iter().any(|d| d.is_error()));
    assert_eq!(c.ok, !c.files.is_empty());
    for d in &c.diagnostics {
        assert!(!d.code.is_empty() && !d.message.is_empty());
        if let Some(s) = &d.span {
            assert!(s.start <= s.end && s.end <= src.len(), "{d:?}");
            assert!(
                src.is_char_boundary(s.start) && src.is_char_boundary(s.end),
                "{d:?}"
            );
            assert!(s.line >= 1 && s.column >= 1);
            assert!(s.utf16_start <= s.utf16_end);
        }
    }
}

/// Apply a mutation to the seed: delete, duplicate or replace a slice, or
/// splice in YAML-significant characters.
fn mutate(src: &str, pos: usize, len: usize, kind: u8, insert: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let pos = pos % chars.len();
    let end = (pos + len % 40).min(chars.len());
    let (a, b, c): (String, String, String) = (
        chars[..pos].iter().collect(),
        chars[pos..end].iter().collect(),
        chars[end..].iter().collect(),
    );
    match kind % 4 {
        0 => format!("{a}{c}"),
        1 => format!("{a}{b}{b}{c}"),
        2 => format!("{a}{insert}{c}"),
        _ => format!("{a}{b}{insert}{c}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(s in "\\PC{0,200}") {
        check_invariants(&s);
    }

    #[test]
    fn yamlish_text_never_panics(s in "[a-zA-Z0-9:\\-\\[\\]{}, \n\"'&*!|>#%@`~?.]{0,300}") {
        check_invariants(&s);
    }

    #[test]
    fn mutated_specs_never_panic(pos in 0usize..5000, len in 0usize..200, kind in 0u8..4,
                                 insert in prop::sample::select(vec!["\n", ": ", "- ", "  ", "[", "}", "\"", "&a ", "*a", "0", "-1", "99999999999999999999", "é😀", "\t", "null", "{}", "[]", "true", "x: y\n", ".inf", "!!binary "])) {
        let m = mutate(SEED, pos, len, kind, insert);
        check_invariants(&m);
    }
}

/// Hostile shapes: each must end in diagnostics (or a compile), never a
/// crash, and within the reader's limits.
fn nested(depth: usize, open: &str, close: &str, flow: bool) -> String {
    if flow {
        format!(
            "apiVersion: {}{}\n",
            open.repeat(depth),
            close.repeat(depth)
        )
    } else {
        // Block nesting costs indentation quadratic in depth: 300 levels show it.
        (0..depth % 300).fold(String::new(), |s, i| {
            format!("{s}{}k{i}:\n", "  ".repeat(i))
        })
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn deep_nesting_never_crashes(depth in 1usize..30_000, kind in 0u8..4, flow: bool) {
        let (open, close) = [("[", "]"), ("{a: ", "}"), ("[", ""), ("- ", "")][kind as usize];
        let src = nested(depth, open, close, flow);
        check_invariants(&src);
        if depth > 64 && flow && !close.is_empty() {
            let c = podwire::compile(&src, &podwire::Options::default());
            prop_assert!(!c.ok);
        }
    }

    #[test]
    fn wide_mappings_never_crash(keys in 1usize..12_000, dup in 0usize..12_000, inside_env: bool) {
        let mut src = if inside_env {
            String::from("apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: a}\ngcp: {project: my-project, location: us-central1-a}\ncluster: {nodePools: [{name: p, machineType: e2-standard-4}]}\nworkloads:\n  - name: w\n    image: x\n    env:\n")
        } else {
            String::new()
        };
        let indent = if inside_env { "      " } else { "" };
        for i in 0..keys {
            src.push_str(&format!("{indent}K{i}: v\n"));
        }
        src.push_str(&format!("{indent}K{}: again\n", dup % keys));
        let started = std::time::Instant::now();
        check_invariants(&src);
        prop_assert!(started.elapsed().as_secs() < 20, "{keys} keys: {:?}", started.elapsed());
    }

    #[test]
    fn alias_amplification_is_bounded(len in 1usize..1_100_000, refs in 1usize..40, levels in 0usize..4) {
        let mut src = format!("apiVersion: &s {}\n", "x".repeat(len));
        let mut prev = "s".to_string();
        for l in 0..levels {
            src.push_str(&format!("l{l}: &l{l} [{}]\n", vec![format!("*{prev}"); 10].join(", ")));
            prev = format!("l{l}");
        }
        src.push_str(&format!("kind: [{}]\n", vec![format!("*{prev}"); refs].join(", ")));
        let started = std::time::Instant::now();
        check_invariants(&src);
        prop_assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    }
}
