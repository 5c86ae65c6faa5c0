//! A small, deterministic YAML emitter for JSON values, in the block style
//! kubectl and gcloud write (sequences not indented under their key). Strings
//! that YAML 1.1 or 1.2 could read as anything but a string are double-quoted.

use serde_json::Value;

pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => seq(&mut out, a, 0),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn map(out: &mut String, m: &serde_json::Map<String, Value>, indent: usize) {
    let mut first = true;
    for (k, v) in m {
        if !first {
            pad(out, indent);
        }
        first = false;
        out.push_str(&string(k));
        out.push(':');
        match v {
            Value::Object(c) if !c.is_empty() => {
                out.push('\n');
                pad(out, indent + 2);
                map(out, c, indent + 2);
            }
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                pad(out, indent);
                seq(out, a, indent);
            }
            other => {
                out.push(' ');
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

fn seq(out: &mut String, a: &[Value], indent: usize) {
    let mut first = true;
    for v in a {
        if !first {
            pad(out, indent);
        }
        first = false;
        out.push_str("- ");
        match v {
            Value::Object(c) if !c.is_empty() => map(out, c, indent + 2),
            Value::Array(c) if !c.is_empty() => seq(out, c, indent + 2),
            other => {
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// A string as a plain scalar when that is unambiguous, else double-quoted.
pub fn string(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else {
        // JSON string escapes are valid YAML double-quoted escapes.
        serde_json::to_string(s).unwrap_or_else(|_| format!("\"{}\"", s.escape_default()))
    }
}

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_alphanumeric() || matches!(first, '/' | '.' | '_' | '$')) {
        return false;
    }
    if s.ends_with([' ', ':']) || s.contains(": ") || s.contains(" #") {
        return false;
    }
    if s.chars().any(|c| {
        c.is_control()
            || matches!(
                c,
                '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{a0}'
            )
    }) {
        return false;
    }
    if s.starts_with('.') && s.len() > 1 && !s.starts_with("./") && !s.starts_with("..") {
        // .inf, .nan, .5
        let l = s.to_ascii_lowercase();
        if l == ".inf" || l == ".nan" || s[1..].chars().next().is_some_and(|c| c.is_ascii_digit()) {
            return false;
        }
    }
    let lower = s.to_ascii_lowercase();
    const RESERVED: &[&str] = &[
        "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n",
    ];
    if RESERVED.contains(&lower.as_str()) {
        return false;
    }
    if first.is_ascii_digit() {
        let b = s.as_bytes();
        if b.len() > 1 && b[0] == b'0' && matches!(b[1], b'x' | b'o' | b'b' | b'X' | b'O' | b'B') {
            return false;
        }
        if s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '_' | ':' | '+' | '-' | 'e' | 'E'))
        {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn block_style() {
        let v = json!({"a": {"b": [1, {"c": "x", "d": []}], "e": {}}, "f": "1.32"});
        assert_eq!(
            to_yaml(&v),
            "a:\n  b:\n  - 1\n  - c: x\n    d: []\n  e: {}\nf: \"1.32\"\n"
        );
    }

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
        ] {
            assert_eq!(string(s), s, "{s:?} can be plain");
        }
    }

    #[test]
    fn round_trips_through_a_yaml_parser() {
        let v =
            json!({"k": ["true", "8", "a: b", "é", "x\ty", "'q'", "\"d\"", "[x]", "{y}", "a #b"]});
        let text = to_yaml(&v);
        let (node, _) = crate::spec::tree::parse(&text).expect("parses");
        let crate::spec::tree::Value::Map(m) = node.value else {
            panic!("map")
        };
        let crate::spec::tree::Value::Seq(items) = &m[0].1.value else {
            panic!("seq")
        };
        let got: Vec<String> = items
            .iter()
            .map(|n| match &n.value {
                crate::spec::tree::Value::Scalar { text, .. } => text.clone(),
                _ => String::new(),
            })
            .collect();
        let want: Vec<String> = v["k"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| s.as_str().unwrap_or_default().to_string())
            .collect();
        assert_eq!(got, want);
    }
}
