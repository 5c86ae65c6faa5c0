//! The serializer's tests (src/yaml/serializer.rs).

use super::super::to_yaml;
use serde_json::json;

fn yaml(v: &impl serde::Serialize) -> String {
    to_yaml(v).unwrap_or_else(|e| panic!("serializes: {e}"))
}

#[test]
fn deep_nesting_is_indented_two_spaces_a_level() {
    let mut v = json!("x");
    let mut want = String::new();
    for depth in (0..40).rev() {
        v = json!({ "k": v });
        want = format!(
            "{}k:{}",
            " ".repeat(2 * depth),
            if want.is_empty() {
                " x\n".to_string()
            } else {
                format!("\n{want}")
            }
        );
    }
    assert_eq!(yaml(&v), want);
}

#[test]
fn struct_field_names_are_quoted_when_they_must_be() {
    #[derive(serde::Serialize)]
    struct Odd {
        #[serde(rename = "on")]
        a: u8,
        #[serde(rename = "plain")]
        b: u8,
        #[serde(rename = "a: b")]
        c: u8,
    }
    assert_eq!(
        yaml(&Odd { a: 1, b: 2, c: 3 }),
        "\"on\": 1\nplain: 2\n\"a: b\": 3\n"
    );
}

#[test]
fn block_style() {
    let v = json!({"a": {"b": [1, {"c": "x", "d": []}], "e": {}}, "f": "1.32", "g": [[1, 2], []], "h": null});
    assert_eq!(
        yaml(&v),
        "a:\n  b:\n  - 1\n  - c: x\n    d: []\n  e: {}\nf: \"1.32\"\ng:\n- - 1\n  - 2\n- []\nh: null\n"
    );
    assert_eq!(yaml(&json!({})), "{}\n");
    assert_eq!(yaml(&json!("x")), "x\n");
    assert_eq!(
        yaml(&json!({"a": -3, "b": 18446744073709551615u64})),
        "a: -3\nb: 18446744073709551615\n"
    );
}

#[test]
fn a_failed_document_leaves_nothing_behind() {
    use std::collections::BTreeMap;
    // Fails half-way: `a` is written before the bad key is met.
    #[derive(serde::Serialize)]
    struct HalfBad {
        a: u8,
        b: BTreeMap<Vec<u8>, u8>,
    }
    let bad = HalfBad {
        a: 1,
        b: [(vec![1u8], 1u8)].into_iter().collect(),
    };
    assert!(to_yaml(&bad).is_err());
    let mut e = super::Emitter::with_capacity(0);
    assert!(e.document(&json!({"k": 1})).is_ok());
    assert!(e.document(&bad).is_err());
    assert_eq!(e.finish(), "k: 1\n");
}

/// The JSON measure is serde_json's length for every shape serde has:
/// escapes, numbers (non-finite floats are `null`), number and bool map
/// keys, empty and nested blocks, and each kind of enum variant.
#[test]
fn json_len_is_serde_json_s_length() {
    use std::collections::BTreeMap;
    #[derive(serde::Serialize)]
    enum E {
        Unit,
        Newtype(u8),
        Tuple(u8, &'static str),
        Struct { a: u8, b: Vec<u8> },
    }
    #[derive(serde::Serialize)]
    struct Shapes {
        unit: (),
        none: Option<u8>,
        some: Option<&'static str>,
        chars: [char; 3],
        #[serde(with = "serde_bytes_like")]
        bytes: Vec<u8>,
        ints: (i8, i16, i32, i64, u8, u16, u32, u64),
        floats: [f64; 7],
        f32s: [f32; 2],
        variants: Vec<E>,
        int_keys: BTreeMap<u32, bool>,
        bool_keys: BTreeMap<bool, ()>,
        empty: (Vec<u8>, BTreeMap<String, u8>),
        newtype: Wrapper,
    }
    #[derive(serde::Serialize)]
    struct Wrapper(Vec<Vec<u8>>);
    mod serde_bytes_like {
        pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
    }
    let mut control = String::new();
    for c in 0u8..0x80 {
        control.push(char::from(c));
    }
    let strings = json!([
        "",
        "plain",
        "quote\"d",
        "back\\slash",
        "tab\tnl\ncr\r",
        "\u{8}\u{c}\u{1}\u{1f}",
        "\u{7f}",
        "é",
        "日本",
        "\u{2028}",
        "\u{1F600}",
        control,
    ]);
    let shapes = Shapes {
        unit: (),
        none: None,
        some: Some("x\"y"),
        chars: ['a', '"', '\n'],
        bytes: vec![0, 1, 255],
        ints: (i8::MIN, -1, i32::MAX, i64::MIN, u8::MAX, 0, 7, u64::MAX),
        floats: [
            0.0,
            -0.0,
            1.5,
            1e300,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ],
        f32s: [0.1, f32::MAX],
        variants: vec![
            E::Unit,
            E::Newtype(3),
            E::Tuple(1, "t"),
            E::Struct { a: 1, b: vec![] },
        ],
        int_keys: [(1, true), (20, false)].into_iter().collect(),
        bool_keys: [(true, ()), (false, ())].into_iter().collect(),
        empty: (vec![], BTreeMap::new()),
        newtype: Wrapper(vec![vec![], vec![1, 2]]),
    };
    for (what, want, got) in [
        (
            "strings",
            serde_json::to_vec(&strings),
            super::json_len(&strings),
        ),
        (
            "shapes",
            serde_json::to_vec(&shapes),
            super::json_len(&shapes),
        ),
        ("scalar", serde_json::to_vec(&7), super::json_len(&7)),
        (
            "empty map",
            serde_json::to_vec(&json!({})),
            super::json_len(&json!({})),
        ),
    ] {
        let want = want.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(
            got,
            want.len(),
            "{what}: {}",
            String::from_utf8_lossy(&want)
        );
    }
    // Measuring writes no YAML and leaves an emitter's YAML unchanged.
    assert_eq!(
        yaml(&shapes.variants),
        "- Unit\n- Newtype: 3\n- Tuple:\n  - 1\n  - t\n- Struct:\n    a: 1\n    b: []\n"
    );
    // Measured while writing: the same YAML as `document` writes and the
    // same length as `json_len`, document after document, and no
    // measure left on for the next plain document.
    let mut both = super::Emitter::with_capacity(0);
    let mut plain = super::Emitter::with_capacity(0);
    let values = [
        serde_json::to_value(&strings).unwrap_or_else(|e| panic!("{e}")),
        serde_json::to_value(&shapes).unwrap_or_else(|e| panic!("{e}")),
        json!(7),
        json!({}),
        json!([[], {"a": [1.5, null]}]),
    ];
    for v in &values {
        let size = both.sized_document(v).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(size, super::json_len(v), "{v}");
        assert_eq!(size, serde_json::to_vec(v).map_or(0, |j| j.len()), "{v}");
        plain.document(v).unwrap_or_else(|e| panic!("{e}"));
    }
    // The typed value too (its floats and bytes are not JSON values).
    let size = both
        .sized_document(&shapes)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(size, super::json_len(&shapes));
    plain.document(&shapes).unwrap_or_else(|e| panic!("{e}"));
    both.document(&7).unwrap_or_else(|e| panic!("{e}"));
    plain.document(&7).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(both.json, None);
    assert_eq!(both.finish(), plain.finish());
}

/// Timestamps are refused wherever they are (a field, a map value, an
/// item, an option), by type, and nothing else is.
#[test]
fn timestamps_are_refused_and_only_they() {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, Time};
    use std::collections::BTreeMap;
    assert!(super::is_timestamp::<Time>() && super::is_timestamp::<&Time>());
    assert!(super::is_timestamp::<MicroTime>() && super::is_timestamp::<&MicroTime>());
    assert!(!super::is_timestamp::<Option<Time>>() && !super::is_timestamp::<String>());
    assert!(!super::is_timestamp::<str>() && !super::is_timestamp::<&str>());
    let t = Time(k8s_openapi::jiff::Timestamp::UNIX_EPOCH);
    let meta = ObjectMeta {
        name: Some("x".into()),
        creation_timestamp: Some(t.clone()),
        ..Default::default()
    };
    let map: BTreeMap<String, Time> = [("a".to_string(), t.clone())].into_iter().collect();
    for e in [
        to_yaml(&meta).err(),
        to_yaml(&map).err(),
        to_yaml(&vec![t.clone()]).err(),
        to_yaml(&(1, Some(t.clone()))).err(),
    ] {
        let e = e.expect("a timestamp is refused").to_string();
        assert!(e.starts_with("podwire writes no timestamps"), "{e}");
    }
    let meta = ObjectMeta {
        name: Some("x".into()),
        ..Default::default()
    };
    assert_eq!(yaml(&meta), "name: x\n");
}

/// Scalars of every type, and strings that look like other types: what
/// an independent YAML reader (serde_yaml_ng, libyaml) reads back must be
/// the same value of the same type: a quoted `"8"` must stay a string and
/// an unquoted `8` a number.
#[test]
fn every_scalar_reads_back_as_the_same_type_and_value() {
    let strings = [
        "true",
        "false",
        "null",
        "~",
        "8",
        "-3",
        "1.5",
        "1e3",
        "0x1f",
        "0o17",
        "a: b",
        "é",
        "x\ty",
        "'q'",
        "\"d\"",
        "[x]",
        "{y}",
        "a #b",
        "\u{1}",
        "back\\slash",
        "",
        " x",
        "x ",
        "- a",
        "? a",
        "*a",
        "&a",
        "!a",
        "|",
        ">",
        "%a",
        "@a",
        "`a",
        "#a",
        ",a",
        ".inf",
        "-.inf",
        ".nan",
        "2001-12-14",
        "12:30",
        "1_000",
        "+1",
        "a\nb",
        "\u{feff}x",
        "x\u{2028}y",
        "nvidia.com/gpu",
        "llm-train",
        "1000Gi",
    ];
    let v = json!({
        "strings": strings.to_vec(),
        "numbers": [0, 7, -7, 65535, i64::MIN, u64::MAX, 1.5, -0.25],
        "bools": [true, false],
        "null": null,
        "empty": {"map": {}, "seq": []},
        "8": "key that looks like a number",
        "yes": "key that YAML 1.1 reads as a bool",
    });
    let text = yaml(&v);
    let back: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let back: serde_json::Value = serde_json::to_value(back).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, v, "{text}");
}
