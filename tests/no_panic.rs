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
