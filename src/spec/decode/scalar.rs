//! What a plain scalar of the tree is under YAML 1.2's core schema (null,
//! boolean, integer, float or string), as the schema check compares it
//! with the JSON types a field allows.

use crate::spec::tree;

/// What a scalar of the tree is under YAML 1.2's core schema, as JSON sees it.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum ScalarKind {
    Null,
    Boolean(bool),
    Integer(i128),
    Number,
    String,
}

pub(super) fn scalar_kind(text: &str, plain: bool) -> ScalarKind {
    if !plain {
        return ScalarKind::String;
    }
    // Every spelling of a null, a boolean or a number below begins with one
    // of these bytes (or is empty); most scalars of a spec are names, read
    // on every keystroke of a preview, and are told apart here at once.
    let may_be_other = |b: u8| b.is_ascii_digit() || b"-+.~nNtTfF".contains(&b);
    if text.as_bytes().first().is_some_and(|&b| !may_be_other(b)) {
        return ScalarKind::String;
    }
    plain_kind(text)
}

/// [`scalar_kind`] of a plain scalar, every rule tried.
fn plain_kind(text: &str) -> ScalarKind {
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return ScalarKind::Null;
    }
    if let Some(b) = tree::parse_bool(text) {
        return ScalarKind::Boolean(b);
    }
    if let Some(i) = tree::parse_int(text) {
        return ScalarKind::Integer(i128::from(i));
    }
    if is_decimal_integer(text) {
        // Integer syntax beyond i64: an integer, out of every range here.
        return ScalarKind::Integer(if text.starts_with('-') {
            i128::MIN
        } else {
            i128::MAX
        });
    }
    if is_float(text) {
        return ScalarKind::Number;
    }
    ScalarKind::String
}

/// Whether a plain scalar with this text is a string (not null, a boolean or a number).
pub(in crate::spec) fn reads_as_string(text: &str) -> bool {
    scalar_kind(text, true) == ScalarKind::String
}

fn is_decimal_integer(t: &str) -> bool {
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// YAML 1.2 core-schema float: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
/// and the `.inf` / `.nan` spellings (Rust's `parse::<f64>` also takes `inf`
/// and `NaN`, which YAML reads as strings).
fn is_float(t: &str) -> bool {
    let unsigned = t.strip_prefix(['-', '+']).unwrap_or(t);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(t, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match fraction {
        None => !whole.is_empty() && all_digits(whole),
        Some(f) => all_digits(whole) && all_digits(f) && !(whole.is_empty() && f.is_empty()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_byte_shortcut_agrees_with_every_rule() {
        let mut texts: Vec<String> = [
            "",
            "~",
            "null",
            "Null",
            "NULL",
            "nul",
            "none",
            "true",
            "True",
            "TRUE",
            "tRUE",
            "false",
            "False",
            "FALSE",
            "f",
            "t",
            "n",
            "0",
            "-0",
            "+1",
            "007",
            "0x1F",
            "0o17",
            "0b1",
            "1e3",
            "-1.5",
            ".5",
            "+.5e-3",
            ".inf",
            "-.Inf",
            "+.INF",
            ".nan",
            ".NaN",
            "inf",
            "NaN",
            "9223372036854775808",
            "-9223372036854775809",
            "1_000",
            "http",
            "w0",
            "us-docker.pkg.dev/p/r/w:17",
            "500m",
            "1Gi",
            "yes",
            "no",
            "on",
            "off",
            "Y",
            "é",
            "-",
            "+",
            ".",
            "..",
            "-x",
            "~x",
        ]
        .map(String::from)
        .to_vec();
        // Every ASCII byte before each, so that every first byte is tried.
        let bases = texts.clone();
        for b in 0u8..128 {
            for t in &bases {
                texts.push(format!("{}{t}", b as char));
            }
        }
        for t in &texts {
            assert!(scalar_kind(t, true) == plain_kind(t), "{t:?}");
        }
        let kinds = |ts: &[&str]| ts.iter().map(|t| scalar_kind(t, true)).collect::<Vec<_>>();
        assert!(kinds(&["null", "~", ""])
            .iter()
            .all(|k| *k == ScalarKind::Null));
        assert!(
            kinds(&["True", "false"]) == [ScalarKind::Boolean(true), ScalarKind::Boolean(false)]
        );
        assert!(kinds(&["0x1F", "-3"]) == [ScalarKind::Integer(31), ScalarKind::Integer(-3)]);
        assert!(kinds(&[".inf", "1e3"])
            .iter()
            .all(|k| *k == ScalarKind::Number));
        assert!(kinds(&["http", "yes", "inf", "w0"])
            .iter()
            .all(|k| *k == ScalarKind::String));
        assert!(scalar_kind("true", false) == ScalarKind::String);
    }
}
