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

/// Characters a YAML reader would not keep as they are inside a scalar, or
/// rejects in a file: controls, the byte-order mark, the Unicode line breaks
/// and no-break space (which readers may fold or trim), and the
/// noncharacters U+FFFE and U+FFFF (outside YAML's printable set: PyYAML
/// refuses a file that holds them, even quoted).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{a0}' | '\u{fffe}' | '\u{ffff}'
        )
}

/// YAML 1.1 and 1.2 words that read as null or booleans, in any ASCII case
/// (YAML 1.1's `y`/`n`/`yes`/`no`/`on`/`off` included: PyYAML and older
/// Kubernetes tooling read them as booleans).
fn reserved(b: &[u8]) -> bool {
    const WORDS: &[&[u8]] = &[
        b"null", b"~", b"true", b"false", b"yes", b"no", b"on", b"off", b"y", b"n",
    ];
    WORDS.iter().any(|w| b.eq_ignore_ascii_case(w))
}

/// Whether `b` could be read as a number by a YAML 1.1 or 1.2 reader:
/// decimal, octal (`017`, `0o17`), hex, binary, sexagesimal (`1:20`,
/// `190:20:30.15`), floats with or without digits before the point, with
/// underscores, `.inf` / `.nan`. Deliberately wider than the grammars: any
/// string that starts with a digit or a point and holds only digits and
/// `_ . : + - e E` is quoted, which costs only quotes around odd strings
/// such as `1.2.3`.
fn numeric(b: &[u8]) -> bool {
    let Some(&first) = b.first() else {
        return false;
    };
    if b.len() > 2 && first == b'0' && matches!(b[1], b'x' | b'X' | b'o' | b'O' | b'b' | b'B') {
        return true;
    }
    if first == b'.'
        && [&b".inf"[..], b".nan"]
            .iter()
            .any(|w| b.eq_ignore_ascii_case(w))
    {
        return true;
    }
    (first.is_ascii_digit() || first == b'.')
        && b.iter().all(|c| {
            c.is_ascii_digit() || matches!(c, b'.' | b'_' | b':' | b'+' | b'-' | b'e' | b'E')
        })
}

/// Whether `b` starts like a YAML 1.1 timestamp (`2002-12-14`,
/// `2001-12-14T21:59:43Z`, `2001-12-14 21:59:43.10 -5`): four digits, `-`,
/// one or two digits, `-`, a digit. PyYAML reads those as dates.
fn timestamp(b: &[u8]) -> bool {
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if !(digits(0..4) && b.get(4) == Some(&b'-') && digits(5..6)) {
        return false;
    }
    let month_end = if b.get(6) == Some(&b'-') { 6 } else { 7 };
    b.get(month_end) == Some(&b'-') && digits(month_end + 1..month_end + 2)
}

/// No comment (` #`), mapping value indicator (`: `) or character that needs
/// an escape inside `s`.
fn inner_text_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut prev = 0u8;
    for (i, &c) in b.iter().enumerate() {
        if (prev == b':' && c == b' ') || (prev == b' ' && c == b'#') {
            return false;
        }
        let escape = if c.is_ascii() {
            c.is_ascii_control()
        } else {
            // The first byte of a character (not a continuation byte).
            c & 0xc0 != 0x80 && s[i..].chars().next().is_some_and(needs_escape)
        };
        if escape {
            return false;
        }
        prev = c;
    }
    true
}

/// Whether `s` can be written as a plain scalar and read back as itself by
/// YAML 1.1 (PyYAML) and YAML 1.2 readers alike.
pub(super) fn plain_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else {
        return false;
    };
    // Indicators (`-`, `?`, `:`, `,`, `[`, `]`, `{`, `}`, `#`, `&`, `*`, `!`,
    // `|`, `>`, quotes, `%`, `@`, backquote), YAML 1.1's `<<` (merge) and `=`
    // (value), and spaces cannot start a plain scalar.
    if !(first.is_ascii_alphanumeric()
        || matches!(first, b'/' | b'.' | b'_' | b'$')
        || (!first.is_ascii() && s.chars().next().is_some_and(char::is_alphanumeric)))
    {
        return false;
    }
    // A trailing space or colon, a comment (` #`) or a mapping value
    // indicator (`: `) inside, or a character that needs an escape would
    // change what is read. Printable ASCII without a space (most strings:
    // names, keys, images) cannot hold any of the inner ones; only other
    // strings need the pass that looks for them.
    if matches!(b[b.len() - 1], b' ' | b':') {
        return false;
    }
    let printable = b.iter().all(|c| matches!(c, b'!'..=b'~'));
    if !printable && !inner_text_ok(s) {
        return false;
    }
    // The words and numbers are short or start with a digit or a point;
    // the checks themselves stop early.
    !((b.len() <= 5 && reserved(b)) || numeric(b) || timestamp(b))
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
            "2001-12-14T21:59:43Z",
            "2002-12-14",
            "2001-12-14 21:59:43.10 -5",
            "0o17",
            "0x1F",
            "0b101",
            "1:20",
            "190:20:30",
            ".NaN",
            ".Inf",
            "._5",
            "017",
            "<<",
            "=",
            "YES",
            "Off",
            "Y",
            "a #b",
            "a\tb",
            "a: b c",
            "x\u{85}y",
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
            "a b",
            "a#b",
            "a:b",
            "naïve a:b",
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

/// Every string podwire writes must read back as that very string, with a
/// YAML 1.1 reader (PyYAML) and a YAML 1.2 one (serde_yaml_ng), as a value
/// and as a mapping key.
#[cfg(test)]
mod readback {
    use super::super::to_yaml;
    use std::collections::BTreeMap;

    const PIECES: &[&str] = &[
        "y",
        "Y",
        "n",
        "yes",
        "NO",
        "On",
        "oFF",
        "true",
        "False",
        "~",
        "null",
        "NULL",
        "<<",
        "=",
        "0",
        "1",
        "9",
        "07",
        "0o17",
        "0x1F",
        "0b1",
        "1:20",
        "190:20:30",
        "1_000",
        ".5",
        "1e3",
        "-",
        "+",
        ".",
        "..",
        " ",
        "#",
        ":",
        ": ",
        " #",
        "e",
        "E",
        "_",
        "inf",
        ".inf",
        ".NaN",
        "2001-12-14",
        "2002-1-2",
        "T21:59:43Z",
        " 21:59:43.10 -5",
        "a",
        "é",
        "ß",
        "😀",
        "\t",
        "\n",
        "\r",
        "'",
        "\"",
        "\\",
        "[",
        "]",
        "{",
        "}",
        "!",
        "&",
        "*",
        "%",
        "@",
        "`",
        "|",
        ">",
        "?",
        ",",
        "/",
        "$",
        "\u{85}",
        "\u{a0}",
        "\u{2028}",
        "\u{feff}",
        "\u{fffe}",
        "\u{1}",
        "\u{7f}",
        "---",
        "...",
    ];

    /// All one- and two-piece strings and a spread of three-piece ones.
    fn strings() -> Vec<String> {
        let mut out: Vec<String> = PIECES.iter().map(|p| p.to_string()).collect();
        for a in PIECES {
            for b in PIECES {
                out.push(format!("{a}{b}"));
            }
        }
        let n = PIECES.len();
        for i in (0..n * n * n).step_by(13) {
            out.push(format!(
                "{}{}{}",
                PIECES[i / (n * n)],
                PIECES[(i / n) % n],
                PIECES[i % n]
            ));
        }
        out.sort();
        out.dedup();
        out
    }

    fn document(strings: &[String]) -> String {
        #[derive(serde::Serialize)]
        struct Doc<'a> {
            values: &'a [String],
            keys: BTreeMap<&'a str, usize>,
        }
        let keys = strings
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i))
            .collect();
        to_yaml(&Doc {
            values: strings,
            keys,
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn check(what: &str, strings: &[String], back: &serde_json::Value) {
        let values = back["values"].as_array().cloned().unwrap_or_default();
        assert_eq!(values.len(), strings.len(), "{what}");
        for (s, v) in strings.iter().zip(&values) {
            assert_eq!(
                v.as_str(),
                Some(s.as_str()),
                "{what}: {s:?} came back as {v}"
            );
        }
        let keys = back["keys"].as_object().cloned().unwrap_or_default();
        for (i, s) in strings.iter().enumerate() {
            assert_eq!(
                keys.get(s).and_then(|v| v.as_u64()),
                Some(i as u64),
                "{what}: key {s:?}"
            );
        }
    }

    #[test]
    fn strings_read_back_as_themselves_in_yaml_1_2() {
        let strings = strings();
        assert!(strings.len() > 5000);
        let text = document(&strings);
        let back: serde_json::Value =
            serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        check("serde_yaml_ng", &strings, &back);
    }

    #[test]
    fn strings_read_back_as_themselves_in_yaml_1_1() {
        use std::io::Write;
        let script = "import sys, json, yaml\n\
                      print(json.dumps(yaml.safe_load(sys.stdin.buffer.read().decode('utf-8'))))";
        let child = std::process::Command::new("python3")
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn();
        let probe = std::process::Command::new("python3")
            .args(["-c", "import yaml"])
            .output();
        let (Ok(mut child), Ok(probe)) = (child, probe) else {
            eprintln!("skipped: no python3");
            return;
        };
        if !probe.status.success() {
            eprintln!("skipped: PyYAML is not installed");
            let _ = child.kill();
            return;
        }
        let strings = strings();
        let text = document(&strings);
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(text.as_bytes())
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        assert!(
            out.status.success(),
            "PyYAML: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let back: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
        check("PyYAML", &strings, &back);
    }
}
