//! Typed values from JSON values: `serde_json::from_value` with errors that
//! name what was found by its kind (`a floating point number`), never by
//! its value.
//!
//! Why not `serde_json::from_value`: the size of the wasm module (issue
//! 10's budget). serde's default `invalid_type` error prints the offending
//! value, and for a float that links Rust's `f64` formatting (Grisu and
//! Dragon4 with their tables) into a module that never prints a float
//! otherwise; and serde_json reads a struct from an object or an array, so
//! every struct's `Deserialize` linked both visits. Measured 2026-12-03
//! (wasm-opt -Oz, gzip -9): 403,468 B with `from_value`, 401,806 B with
//! errors that name kinds, 391,954 B with each read taking only its kind. The values decoded here have been checked against the
//! language's schema (the spec) or come from a JS caller (the options), so
//! the kind of what was found is what a message needs. serde's own
//! `MapDeserializer`, `SeqDeserializer` and `MapAccessDeserializer` do the
//! walking; this file supplies the value dispatch and the error type.

use serde::de::value::{MapAccessDeserializer, MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Unexpected, Visitor};
use serde_json::Value;
use std::fmt;

/// A value that did not have the type's shape, with what serde expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeMismatch(String);

impl fmt::Display for TypeMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TypeMismatch {}

/// What was found, by kind; integers, booleans and strings by value too
/// (printing them costs nothing the module does not already have). serde's
/// own `Display for Unexpected` is never called: its float arm is what
/// links the float formatting.
struct Found<'a>(Unexpected<'a>);

impl fmt::Display for Found<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Unexpected::Bool(b) => write!(f, "boolean `{b}`"),
            Unexpected::Unsigned(n) => write!(f, "integer `{n}`"),
            Unexpected::Signed(n) => write!(f, "integer `{n}`"),
            Unexpected::Float(_) => f.write_str("a floating point number"),
            Unexpected::Char(c) => write!(f, "character `{c}`"),
            Unexpected::Str(s) => write!(f, "string {s:?}"),
            Unexpected::Bytes(_) => f.write_str("byte array"),
            Unexpected::Unit => f.write_str("null"),
            Unexpected::Option => f.write_str("Option value"),
            Unexpected::NewtypeStruct => f.write_str("newtype struct"),
            Unexpected::Seq => f.write_str("a list"),
            Unexpected::Map => f.write_str("a map"),
            Unexpected::Enum => f.write_str("enum"),
            Unexpected::UnitVariant => f.write_str("unit variant"),
            Unexpected::NewtypeVariant => f.write_str("newtype variant"),
            Unexpected::TupleVariant => f.write_str("tuple variant"),
            Unexpected::StructVariant => f.write_str("struct variant"),
            Unexpected::Other(other) => f.write_str(other),
        }
    }
}

impl de::Error for TypeMismatch {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        TypeMismatch(msg.to_string())
    }

    fn invalid_type(found: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        TypeMismatch(format!(
            "invalid type: {}, expected {expected}",
            Found(found)
        ))
    }

    fn invalid_value(found: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        TypeMismatch(format!(
            "invalid value: {}, expected {expected}",
            Found(found)
        ))
    }
}

/// `T` from `value`, as `serde_json::from_value` reads it.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, TypeMismatch> {
    T::deserialize(JsonValue(value))
}

/// The deserializer: one owned JSON value.
struct JsonValue(Value);

impl<'de> IntoDeserializer<'de, TypeMismatch> for JsonValue {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// The named `deserialize_*` methods, each as `deserialize_u64`.
macro_rules! forward_to_u64 {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeMismatch> {
            self.deserialize_u64(visitor)
        }
    )*};
}

/// The typed reads take only their own kind (a struct only an object, a
/// list only an array), so each `Deserialize` impl links only its own
/// visit: unlike `serde_json::from_value`, a struct is not read from an
/// array of its fields, which no schema-checked spec and no options object
/// is.
impl<'de> de::Deserializer<'de> for JsonValue {
    type Error = TypeMismatch;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeMismatch> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => visitor.visit_u64(u),
                (None, Some(i)) => visitor.visit_i64(i),
                // Every JSON number is one of the three.
                _ => visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => visit_array(items, visitor),
            Value::Object(entries) => visit_object(entries, visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeMismatch> {
        match self.0 {
            Value::Bool(b) => visitor.visit_bool(b),
            other => Err(mismatch(&other, &visitor)),
        }
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeMismatch> {
        match self.0 {
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => visitor.visit_u64(u),
                (None, Some(i)) => visitor.visit_i64(i),
                _ => Err(mismatch(&Value::Number(n), &visitor)),
            },
            other => Err(mismatch(&other, &visitor)),
        }
    }

    // Every integer width reads as `deserialize_u64` does; the visitor
    // checks the range.
    forward_to_u64! {
        deserialize_i64 deserialize_u32 deserialize_i32 deserialize_u16
        deserialize_i16 deserialize_u8 deserialize_i8
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeMismatch> {
        match self.0 {
            Value::Number(n) => visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN)),
            other => Err(mismatch(&other, &visitor)),
        }
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeMismatch> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeMismatch> {
        match self.0 {
            Value::String(s) => visitor.visit_string(s),
            other => Err(mismatch(&other, &visitor)),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeMismatch> {
        self.deserialize_string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeMismatch> {
        self.deserialize_string(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeMismatch> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            other => Err(mismatch(&other, &visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeMismatch> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TypeMismatch> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeMismatch> {
        match self.0 {
            Value::Array(items) => visit_array(items, visitor),
            other => Err(mismatch(&other, &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, TypeMismatch> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, TypeMismatch> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TypeMismatch> {
        match self.0 {
            Value::Object(entries) => visit_object(entries, visitor),
            other => Err(mismatch(&other, &visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TypeMismatch> {
        self.deserialize_map(visitor)
    }

    /// A unit variant is a string; a variant with data, an object of one
    /// entry (serde's external tagging, as serde_json reads it).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TypeMismatch> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.into_deserializer()),
            Value::Object(entries) if entries.len() == 1 => {
                let map = MapDeserializer::new(entries.into_iter().map(|(k, v)| (k, JsonValue(v))));
                visitor.visit_enum(MapAccessDeserializer::new(map))
            }
            other => Err(mismatch(&other, &"a string or an object of one entry")),
        }
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char bytes byte_buf unit_struct ignored_any
    }
}

fn visit_array<'de, V: Visitor<'de>>(
    items: Vec<Value>,
    visitor: V,
) -> Result<V::Value, TypeMismatch> {
    let mut seq = SeqDeserializer::new(items.into_iter().map(JsonValue));
    let out = visitor.visit_seq(&mut seq)?;
    seq.end()?;
    Ok(out)
}

fn visit_object<'de, V: Visitor<'de>>(
    entries: serde_json::Map<String, Value>,
    visitor: V,
) -> Result<V::Value, TypeMismatch> {
    let mut map = MapDeserializer::new(entries.into_iter().map(|(k, v)| (k, JsonValue(v))));
    let out = visitor.visit_map(&mut map)?;
    map.end()?;
    Ok(out)
}

/// The error for `found` where `expected` was wanted (not generic, so
/// every typed read shares it).
fn mismatch(found: &Value, expected: &dyn de::Expected) -> TypeMismatch {
    de::Error::invalid_type(unexpected(found), expected)
}

fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (None, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Sample {
        name: String,
        #[serde(default)]
        count: Option<u32>,
        ratio: Option<f64>,
        kind: Kind,
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        labels: BTreeMap<String, String>,
        #[serde(default)]
        shape: Option<Shape>,
        #[serde(default)]
        either: Option<Either>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    enum Kind {
        Job,
        LongRunning,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    enum Shape {
        Square(u32),
        Rect { w: u32, h: u32 },
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(i64),
        Text(String),
    }

    /// Whatever serde_json's own `from_value` reads, this reads the same;
    /// whatever it refuses, this refuses.
    #[test]
    fn reads_and_refuses_what_serde_json_does() {
        let cases = [
            json!({"name": "a", "kind": "job"}),
            json!({"name": "a", "kind": "longRunning", "count": 3, "ratio": 0.5,
                   "tags": ["x", "y"], "labels": {"k": "v"}, "shape": {"square": 2},
                   "either": -4}),
            json!({"name": "a", "kind": "job", "shape": {"rect": {"w": 1, "h": 2}}, "either": "t"}),
            json!({"name": "a", "kind": "job", "count": null, "ratio": 3}),
            // Refused: wrong types, ranges, unknown names and fields.
            json!({"name": 1, "kind": "job"}),
            json!({"name": "a", "kind": "cron"}),
            json!({"name": "a", "kind": "job", "count": -1}),
            json!({"name": "a", "kind": "job", "count": 4294967296u64}),
            json!({"name": "a", "kind": "job", "count": 1.5}),
            json!({"name": "a", "kind": "job", "extra": true}),
            json!({"kind": "job"}),
            json!({"name": "a", "kind": {"job": null, "x": 1}}),
            json!({"name": "a", "kind": "job", "shape": {"circle": 1}}),
            json!({"name": "a", "kind": "job", "shape": {"square": 1, "rect": {"w": 1, "h": 1}}}),
            json!({"name": "a", "kind": "job", "either": [1]}),
            json!({"name": "a", "kind": "job", "tags": "x"}),
            json!(null),
        ];
        for case in cases {
            let ours = from_value::<Sample>(case.clone());
            let theirs = serde_json::from_value::<Sample>(case.clone());
            match (&ours, &theirs) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{case}"),
                (Err(_), Err(_)) => {}
                _ => panic!("{case}: ours {ours:?}, serde_json's {theirs:?}"),
            }
        }
    }

    /// The one difference: serde_json reads a struct from an array of its
    /// fields; a spec or an options object never is one.
    #[test]
    fn a_struct_is_read_only_from_an_object() {
        let fields = json!(["a", null, null, "job", [], {}, null, null]);
        assert!(serde_json::from_value::<Sample>(fields.clone()).is_ok());
        let e = from_value::<Sample>(fields).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid type: a list, expected struct Sample"
        );
    }

    #[test]
    fn errors_name_the_kind_found_and_what_was_expected() {
        let e = from_value::<Sample>(json!({"name": 2.5, "kind": "job"})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid type: a floating point number, expected a string"
        );
        let e = from_value::<Sample>(json!({"name": "a", "kind": "cron"})).unwrap_err();
        assert!(e.to_string().contains("unknown variant `cron`"), "{e}");
        let e = from_value::<Sample>(json!({"name": "a", "kind": "job", "count": -3})).unwrap_err();
        assert_eq!(e.to_string(), "invalid value: integer `-3`, expected u32");
        let e = from_value::<Sample>(json!({"name": "a", "kind": "job", "x": 1})).unwrap_err();
        assert!(e.to_string().contains("unknown field `x`"), "{e}");
    }
}
