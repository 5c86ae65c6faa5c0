//! YAML read by a parser that shares no code with podwire's own (saphyr):
//! serde_yaml_ng, a port of libyaml. Tests that check podwire's output or
//! compare its two input languages read YAML here, so a bug in podwire's
//! reader cannot hide itself by reading its own output the same wrong way.
//!
//! Scalars are typed by the YAML 1.2 core schema (`yes` is a string, `0x1f`
//! an integer), as the spec language and Kubernetes read them.

use serde::Deserialize;
use serde_json::Value;

/// Every document of a YAML stream, as plain JSON values (empty documents,
/// e.g. after a trailing `---`, are dropped).
pub fn documents(text: &str) -> Result<Vec<Value>, String> {
    let mut docs = Vec::new();
    for (i, doc) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let v = Value::deserialize(doc).map_err(|e| format!("document {i}: {e}"))?;
        if !v.is_null() {
            docs.push(v);
        }
    }
    Ok(docs)
}

/// The one document of a YAML text, as a plain JSON value.
pub fn document(text: &str) -> Result<Value, String> {
    let mut docs = documents(text)?;
    match docs.len() {
        1 => Ok(docs.remove(0)),
        n => Err(format!("expected one YAML document, found {n}")),
    }
}
