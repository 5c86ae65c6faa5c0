//! The published JSON Schema (`podwire schema`) and podwire's decoder accept
//! the same specs: every example is mutated structurally (a value's type
//! changed, numbers at and just beyond every range bound of the schema, bad
//! enum values, an unknown field in every object, each field removed, strings
//! and numbers swapped), and an independent validator (the `jsonschema`
//! crate) and the decoder must both say yes or both say no.
//!
//! The examples are read with an independent YAML reader (serde_yaml_ng) and
//! each mutation is given to the decoder as JSON text.
//!
//! `pattern` and `maxLength` are left out of the validator's copy of the
//! schema: they state the naming rules (DNS labels, project ids) that the
//! checks after decoding report with their own codes (PW01xx, PW0404), not
//! structure.

use podwire::Severity;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// A mutation: where, what, and the mutated spec.
struct Mutation {
    what: String,
    spec: Value,
}

fn strip_name_rules(schema: &mut Value) {
    match schema {
        Value::Object(m) => {
            m.remove("pattern");
            m.remove("maxLength");
            m.values_mut().for_each(strip_name_rules);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_name_rules),
        _ => {}
    }
}

/// Every `minimum` and `maximum` in the schema.
fn bounds(schema: &Value, out: &mut BTreeSet<i64>) {
    match schema {
        Value::Object(m) => {
            for (k, v) in m {
                if k == "minimum" || k == "maximum" {
                    if let Some(b) = v.as_i64() {
                        out.insert(b);
                    }
                }
                bounds(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| bounds(v, out)),
        _ => {}
    }
}

/// JSON pointer-ish path segments to every value of `v`.
fn locations(v: &Value, here: Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let mut p = here.clone();
                p.push(Seg::Key(k.clone()));
                locations(child, p, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let mut p = here.clone();
                p.push(Seg::Index(i));
                locations(child, p, out);
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

fn at<'v>(v: &'v mut Value, path: &[Seg]) -> &'v mut Value {
    path.iter().fold(v, |v, seg| match seg {
        Seg::Key(k) => &mut v[k.as_str()],
        Seg::Index(i) => &mut v[*i],
    })
}

fn show(path: &[Seg]) -> String {
    path.iter()
        .map(|s| match s {
            Seg::Key(k) => format!(".{k}"),
            Seg::Index(i) => format!("[{i}]"),
        })
        .collect()
}

fn mutations(base: &Value, bound_values: &BTreeSet<i64>) -> Vec<Mutation> {
    let mut locs = Vec::new();
    locations(base, Vec::new(), &mut locs);
    let mut out = Vec::new();
    let mut replace = |path: &[Seg], what: &str, new: Value| {
        let mut spec = base.clone();
        *at(&mut spec, path) = new;
        out.push(Mutation {
            what: format!("{} {what}", show(path)),
            spec,
        });
    };
    let kinds = [
        json!("bogus-value"),
        json!(1.5),
        json!(7),
        json!(true),
        json!(null),
        json!([]),
        json!({}),
    ];
    for path in &locs {
        let mut probe = base.clone();
        let old = at(&mut probe, path).clone();
        for k in &kinds {
            if std::mem::discriminant(k) != std::mem::discriminant(&old) || k.is_number() {
                replace(path, &format!("-> {k}"), k.clone());
            }
        }
        match &old {
            Value::String(s) => {
                replace(path, "-> 42", json!(42));
                let mut chars = s.chars();
                if let Some(c) = chars.next() {
                    let flipped: String = if c.is_uppercase() {
                        c.to_lowercase().chain(chars).collect()
                    } else {
                        c.to_uppercase().chain(chars).collect()
                    };
                    replace(path, &format!("-> {flipped:?}"), json!(flipped));
                }
            }
            Value::Number(n) => {
                replace(path, "-> its text", json!(n.to_string()));
                if n.is_i64() || n.is_u64() {
                    for b in bound_values {
                        for v in [b - 1, *b, b + 1] {
                            replace(path, &format!("-> {v}"), json!(v));
                        }
                    }
                }
            }
            Value::Object(m) => {
                let mut with = m.clone();
                with.insert("zzUnknownField".into(), json!("x"));
                replace(path, "+ unknown field", Value::Object(with));
                for key in m.keys() {
                    let mut without: Map<String, Value> = m.clone();
                    without.remove(key);
                    replace(path, &format!("- {key}"), Value::Object(without));
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn schema_and_decoder_accept_the_same_mutated_specs() {
    let mut schema = podwire::spec::json_schema();
    let mut bound_values = BTreeSet::new();
    bounds(&schema, &mut bound_values);
    strip_name_rules(&mut schema);
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "{paths:?}");
    let (mut tried, mut yes, mut no) = (0usize, 0usize, 0usize);
    let mut disagreements = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).expect("read example");
        let base: Value = serde_yaml_ng::from_str(&text).expect("independent YAML reader");
        assert!(validator.is_valid(&base), "{path:?} fits the schema");
        for m in mutations(&base, &bound_values) {
            let schema_ok = validator.is_valid(&m.spec);
            let src = serde_json::to_string_pretty(&m.spec).expect("json");
            let decoded = podwire::spec::decode::decode(&src);
            let errors: Vec<String> = decoded
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| format!("{} {} {}", d.code, d.path, d.message))
                .collect();
            let decoder_ok = errors.is_empty();
            tried += 1;
            if schema_ok {
                yes += 1;
            } else {
                no += 1;
            }
            if schema_ok != decoder_ok {
                disagreements.push(format!(
                    "{}: {}: schema {schema_ok}, decoder {decoder_ok} {errors:?}",
                    path.file_name().unwrap_or_default().to_string_lossy(),
                    m.what
                ));
            }
        }
    }
    println!("{tried} mutations tried: {yes} accepted by both, {no} rejected by both");
    assert!(
        disagreements.is_empty(),
        "{} of {tried} disagree:\n{}",
        disagreements.len(),
        disagreements[..disagreements.len().min(30)].join("\n")
    );
    assert!(tried >= 500 && yes >= 50 && no >= 50, "{tried} {yes} {no}");
}
