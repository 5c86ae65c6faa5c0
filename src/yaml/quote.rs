//! The plain-or-quoted decision for strings, and double-quoted escaping.
//!
//! A string is written plain only when no YAML 1.1 or 1.2 reader could take
//! it for anything but that string; otherwise it is double-quoted with JSON
//! escapes (which are valid YAML double-quoted escapes).

/// A string as a plain scalar when that is unambiguous, else double-quoted.
pub fn string(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    push_string(&mut out, s);
    // Only whole `&str`s and ASCII were written.
    String::from_utf8(out).unwrap_or_default()
}

/// Append `s`, plain or double-quoted, to `out`.
pub(super) fn push_string(out: &mut Vec<u8>, s: &str) {
    if plain_ok(s) {
        out.extend_from_slice(s.as_bytes());
    } else {
        push_quoted(out, s);
    }
}

fn push_quoted(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for c in s.chars() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            c if needs_escape(c) => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
                continue;
            }
            c => {
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                continue;
            }
        };
        out.extend_from_slice(escape.as_bytes());
    }
    out.push(b'"');
}

/// Characters a YAML reader would not keep as they are inside a scalar:
/// controls, the byte-order mark, and the Unicode line breaks and no-break
/// space (which readers may fold or trim).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{a0}'
        )
}

/// YAML 1.1/1.2 words that read as null or booleans, any ASCII case.
fn reserved(b: &[u8]) -> bool {
    const WORDS: &[&[u8]] = &[
        b"null", b"~", b"true", b"false", b"yes", b"no", b"on", b"off", b"y", b"n",
    ];
    WORDS.iter().any(|w| b.eq_ignore_ascii_case(w))
}

/// Whether `s` can be written as a plain scalar and read back as itself.
pub(super) fn plain_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else {
        return false;
    };
    // Indicators (`-`, `?`, `:`, `,`, `[`, `{`, `#`, `&`, `*`, `!`, `|`, `>`,
    // quotes, `%`, `@`, backquote) and spaces cannot start a plain scalar.
    if !(first.is_ascii_alphanumeric()
        || matches!(first, b'/' | b'.' | b'_' | b'$')
        || (!first.is_ascii() && s.chars().next().is_some_and(char::is_alphanumeric)))
    {
        return false;
    }
    // A comment, a mapping value indicator, or trailing space would change
    // what is read.
    if s.ends_with([' ', ':']) || s.contains(": ") || s.contains(" #") {
        return false;
    }
    if s.chars().any(needs_escape) {
        return false;
    }
    if first == b'.' && b.len() > 1 && b[1] != b'/' && b[1] != b'.' {
        // .inf, .nan, .5
        if s.eq_ignore_ascii_case(".inf") || s.eq_ignore_ascii_case(".nan") || b[1].is_ascii_digit()
        {
            return false;
        }
    }
    if reserved(b) {
        return false;
    }
    if first.is_ascii_digit() {
        if b.len() > 1 && b[0] == b'0' && matches!(b[1], b'x' | b'o' | b'b' | b'X' | b'O' | b'B') {
            return false;
        }
        if b.iter().all(|c| {
            c.is_ascii_digit() || matches!(c, b'.' | b'_' | b':' | b'+' | b'-' | b'e' | b'E')
        }) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambiguous_strings_are_quoted() {
        for s in [
            "",
            "true",
            "No",
            "on",
            "~",
            "null",
            "90",
            "1.5",
            "0x1f",
            "1e3",
            "12:30",
            "- a",
            "a: b",
            "#x",
            " x",
            "x ",
            "*a",
            ".inf",
            "a\nb",
            "2001-12-14",
        ] {
            assert!(string(s).starts_with('"'), "{s:?} should be quoted");
        }
        for s in [
            "1000Gi",
            "2x4",
            "https://127.0.0.1",
            "nvidia.com/gpu",
            "llm-train",
            "metadata.labels['apps.kubernetes.io/pod-index']",
            "é",
        ] {
            assert_eq!(string(s), s, "{s:?} can be plain");
        }
    }

    #[test]
    fn reserved_words_are_quoted_in_every_case() {
        for w in [
            "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n",
        ] {
            let mut chars = w.chars();
            let capitalised: String = chars
                .next()
                .map(|f| f.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
            for v in [w.to_string(), w.to_uppercase(), capitalised] {
                assert_eq!(string(&v), format!("\"{v}\""), "{v}");
            }
        }
        for w in ["falsy", "nulls", "ye", "of", "yess"] {
            assert_eq!(string(w), w, "{w}");
        }
    }

    #[test]
    fn escapes_are_json_escapes() {
        assert_eq!(string("a\"b\\c\n\t\u{1}"), r#""a\"b\\c\n\t\u0001""#);
        assert_eq!(string("x\u{2028}"), r#""x\u2028""#);
    }
}
