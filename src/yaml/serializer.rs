//! The serde `Serializer` that writes block YAML: mappings as `key: value`
//! lines, sequences as `- item` lines not indented under their key
//! (kubectl's style), empty ones as `{}` / `[]`. Scalars go through
//! [`super::quote`].
//!
//! The same serializer also measures a value's compact JSON (what
//! `serde_json::to_vec` would write), alone ([`json_len`]) or while it
//! writes the value's YAML ([`Emitter::sized_document`]): the object size
//! check needs that length of every object, a compile then writes the same
//! objects, and one pass over an object does both. With one serializer for
//! both every `Serialize` impl of the Kubernetes types is also compiled
//! once, not once per serializer (about a fifth of the wasm module's code
//! was the second copy).

use super::decimal;
use super::quote::push_string;
use serde::ser::{self, Serialize};
use std::fmt::Display;

/// Why a value could not be written as YAML: a map key that is not a
/// string or number, or an error the value's own `Serialize` reported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Error(String);

impl ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// Where the next value goes.
#[derive(Clone, Copy)]
enum At {
    /// The document root.
    Root,
    /// After `key:` in a mapping whose keys are at this indentation.
    Key(usize),
    /// After `- ` in a sequence whose dashes are at this indentation.
    Dash(usize),
}

/// How a block (mapping or sequence) was opened in its parent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Opened {
    /// The document root.
    Root,
    /// After `key:` in a mapping: children start on the next line.
    AfterKey,
    /// After `- ` in a sequence: the first child continues that line.
    AfterDash,
}

/// Writes YAML documents into one buffer.
pub struct Emitter {
    /// Only whole `&str`s and ASCII are written: always UTF-8.
    out: Vec<u8>,
    at: At,
    /// Whether YAML is written to `out` (not when only measuring JSON).
    write: bool,
    /// Measuring compact JSON: the bytes the JSON written so far would take.
    json: Option<usize>,
}

/// The length in bytes of `v` as compact JSON, as `serde_json::to_vec`
/// writes it (strings escaped as serde_json does, non-finite floats as
/// `null`, map keys as strings), measured without writing it. On an error
/// (a map key that is not a string or number), what was measured before it.
pub fn json_len<T: Serialize + ?Sized>(v: &T) -> usize {
    let mut e = Emitter {
        out: Vec::new(),
        at: At::Root,
        write: false,
        json: Some(0),
    };
    let _ = v.serialize(&mut e);
    e.json.unwrap_or_default()
}

/// Serialize a value inside a document: any but a timestamp.
///
/// podwire writes no timestamps (its objects are specs, not API server
/// state: `creationTimestamp` and the status stay empty), and refusing them
/// keeps k8s-openapi's `Time` serialization, which formats with jiff's
/// `strftime` and links jiff's messages, out of the wasm module: the check
/// is on the type, a constant when this is compiled for it, so for `Time`
/// the call below is dead code.
#[inline(always)]
fn value<T: Serialize + ?Sized>(e: &mut Emitter, v: &T) -> R {
    if is_timestamp::<T>() {
        return Err(Error(format!(
            "podwire writes no timestamps ({})",
            std::any::type_name::<T>()
        )));
    }
    v.serialize(e)
}

/// Whether `T` is one of the Kubernetes timestamp types, or a reference to
/// one (serde's `collect_map` passes map values by reference).
#[inline(always)]
pub(crate) fn is_timestamp<T: ?Sized>() -> bool {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, Time};
    use std::any::TypeId;
    let t = type_id::<T>();
    t == TypeId::of::<Time>()
        || t == TypeId::of::<MicroTime>()
        || t == TypeId::of::<&Time>()
        || t == TypeId::of::<&MicroTime>()
}

/// `TypeId::of::<T>()` for a `T` that need not be `'static` (serde's
/// `Serialize` methods do not require it), as the `typeid` crate does it:
/// type ids do not depend on lifetimes, so the id is `T`'s with every
/// lifetime `'static`. Through a trait object whose vtable is a constant,
/// so the optimizer knows the id.
#[inline(always)]
fn type_id<T: ?Sized>() -> std::any::TypeId {
    use std::marker::PhantomData;
    trait NonStaticAny {
        fn get_type_id(&self) -> std::any::TypeId
        where
            Self: 'static;
    }
    impl<T: ?Sized> NonStaticAny for PhantomData<T> {
        #[inline(always)]
        fn get_type_id(&self) -> std::any::TypeId
        where
            Self: 'static,
        {
            std::any::TypeId::of::<T>()
        }
    }
    let phantom = PhantomData::<T>;
    // SAFETY: only the lifetime of the trait object changes; the method
    // reads nothing through `self`, and a type id is the same whatever the
    // lifetimes (the `typeid` crate's sound technique).
    NonStaticAny::get_type_id(unsafe {
        std::mem::transmute::<&dyn NonStaticAny, &(dyn NonStaticAny + 'static)>(&phantom)
    })
}

/// The length of `s` as a JSON string with its quotes, escaped as
/// serde_json escapes: `"`, `\\` and the C0 controls with a short escape
/// (`\n`, ...) take 2 bytes, the other controls `\u00XX` 6; everything else
/// (DEL and non-ASCII included) is written as it is.
fn json_string_len(s: &str) -> usize {
    s.bytes().fold(2, |n, b| {
        n + match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0..=0x1f => 6,
            _ => 1,
        }
    })
}

/// A float as YAML: its shortest decimal text, or YAML's spellings of the
/// non-finite values.
fn yaml_float(v: f64) -> String {
    match serde_json::Number::from_f64(v) {
        Some(n) => n.to_string(),
        None if v.is_nan() => ".nan".to_string(),
        None if v > 0.0 => ".inf".to_string(),
        None => "-.inf".to_string(),
    }
}

/// An open mapping or sequence, held by the value being written (serde's
/// compound types), so nesting follows the Rust call stack.
pub struct Block<'e> {
    e: &'e mut Emitter,
    /// The indentation of this block's keys or dashes.
    indent: usize,
    opened: Opened,
    /// Nothing written in it yet.
    empty: bool,
    seq: bool,
}

type R = Result<(), Error>;

impl Emitter {
    pub fn with_capacity(bytes: usize) -> Self {
        Emitter {
            out: Vec::with_capacity(bytes),
            at: At::Root,
            write: true,
            json: None,
        }
    }

    /// [`Self::document`], also measuring the value's compact JSON in the
    /// same pass: the length [`json_len`] gives.
    pub fn sized_document<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<usize, Error> {
        self.json = Some(0);
        let written = self.document(v);
        let size = self.json.take().unwrap_or_default();
        written.map(|()| size)
    }

    /// Append a value as a YAML document. On error nothing of it is kept:
    /// the buffer is as it was before.
    pub fn document<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        let start = self.out.len();
        self.at = At::Root;
        v.serialize(&mut *self)
            .inspect_err(|_| self.out.truncate(start))
    }

    /// Append text as it is (a document separator).
    pub fn raw(&mut self, text: &str) {
        self.out.extend_from_slice(text.as_bytes());
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.out.len()
    }

    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    pub fn finish(self) -> String {
        // Only whole `&str`s and ASCII were written, so this never fails;
        // should it, the empty string is not mistaken for a document by
        // callers, which have checked `document`'s result.
        String::from_utf8(self.out).unwrap_or_default()
    }

    fn pad(&mut self, n: usize) {
        self.out.resize(self.out.len() + n, b' ');
    }

    /// A scalar value: after `key:`, after `- `, or the whole document.
    /// `text` is the same in JSON (numbers, `true`, `null`).
    fn scalar(&mut self, text: &str) {
        if let Some(n) = &mut self.json {
            *n += text.len();
        }
        self.write_scalar(text);
    }

    /// [`Self::scalar`]'s YAML alone (for a value whose JSON text differs).
    fn write_scalar(&mut self, text: &str) {
        if !self.write {
            return;
        }
        if let At::Key(_) = self.at {
            self.out.push(b' ');
        }
        self.out.extend_from_slice(text.as_bytes());
        self.out.push(b'\n');
    }

    /// Open a mapping or sequence where the next value goes. Sequences in a
    /// mapping are not indented under their key (kubectl's style).
    fn open(&mut self, seq: bool) -> Block<'_> {
        if let Some(n) = &mut self.json {
            // `[` or `{`.
            *n += 1;
        }
        let (indent, opened) = match self.at {
            At::Root => (0, Opened::Root),
            At::Key(i) if seq => (i, Opened::AfterKey),
            At::Key(i) => (i + 2, Opened::AfterKey),
            At::Dash(i) => (i + 2, Opened::AfterDash),
        };
        Block {
            e: self,
            indent,
            opened,
            empty: true,
            seq,
        }
    }
}

impl Block<'_> {
    /// Start the next key or item: a new line (or the rest of the parent's
    /// `- ` line for the first child), indentation, and `- ` in a sequence.
    fn next(&mut self) {
        let first = self.empty;
        self.empty = false;
        if let Some(n) = &mut self.e.json {
            // The comma before every child but the first.
            if !first {
                *n += 1;
            }
        }
        if !self.e.write {
            return;
        }
        if first {
            match self.opened {
                Opened::AfterDash => {}
                Opened::AfterKey => {
                    self.e.out.push(b'\n');
                    self.e.pad(self.indent);
                }
                Opened::Root => self.e.pad(self.indent),
            }
        } else {
            self.e.pad(self.indent);
        }
        if self.seq {
            self.e.out.extend_from_slice(b"- ");
        }
    }

    /// A struct field's name and its colon; the value comes next.
    fn field(&mut self, k: &'static str) {
        self.next();
        if let Some(n) = &mut self.e.json {
            // `"k":`
            *n += json_string_len(k) + 1;
        }
        if !self.e.write {
            return;
        }
        push_string(&mut self.e.out, k);
        self.e.out.push(b':');
        self.e.at = At::Key(self.indent);
    }

    fn item<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        self.next();
        self.e.at = At::Dash(self.indent);
        value(self.e, v)
    }

    /// Close the block: only an empty one writes anything (`{}` or `[]`).
    fn close(self) -> R {
        if let Some(n) = &mut self.e.json {
            // `]` or `}`.
            *n += 1;
        }
        if self.empty && self.e.write {
            let out = &mut self.e.out;
            if self.opened == Opened::AfterKey {
                out.push(b' ');
            }
            out.extend_from_slice(if self.seq { b"[]\n" } else { b"{}\n" });
        }
        Ok(())
    }
}

impl<'e> ser::Serializer for &'e mut Emitter {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Block<'e>;
    type SerializeTuple = Block<'e>;
    type SerializeTupleStruct = Block<'e>;
    type SerializeTupleVariant = Block<'e>;
    type SerializeMap = Block<'e>;
    type SerializeStruct = Block<'e>;
    type SerializeStructVariant = Block<'e>;

    fn serialize_bool(self, v: bool) -> R {
        self.scalar(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> R {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> R {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> R {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> R {
        let mut buf = [0u8; 20];
        self.scalar(decimal(v.unsigned_abs(), v < 0, &mut buf));
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> R {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> R {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> R {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> R {
        let mut buf = [0u8; 20];
        self.scalar(decimal(v, false, &mut buf));
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> R {
        if let Some(n) = &mut self.json {
            // serde_json writes an f32 as the shortest f32 text.
            *n += serde_json::to_string(&v).map_or(0, |t| t.len());
        }
        self.write_scalar(&yaml_float(f64::from(v)));
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> R {
        if let Some(n) = &mut self.json {
            // serde_json writes non-finite numbers as `null`.
            *n += serde_json::Number::from_f64(v).map_or(4, |n| n.to_string().len());
        }
        self.write_scalar(&yaml_float(v));
        Ok(())
    }
    fn serialize_char(self, v: char) -> R {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> R {
        if let Some(n) = &mut self.json {
            *n += json_string_len(v);
        }
        if !self.write {
            return Ok(());
        }
        if let At::Key(_) = self.at {
            self.out.push(b' ');
        }
        push_string(&mut self.out, v);
        self.out.push(b'\n');
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> R {
        use ser::SerializeSeq;
        let mut s = self.serialize_seq(Some(v.len()))?;
        for b in v {
            s.serialize_element(b)?;
        }
        SerializeSeq::end(s)
    }
    fn serialize_none(self) -> R {
        self.scalar("null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> R {
        value(self, v)
    }
    fn serialize_unit(self) -> R {
        self.scalar("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> R {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> R {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> R {
        value(self, v)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> R {
        let mut b = self.open(false);
        b.field(variant);
        value(b.e, v)?;
        b.close()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Block<'e>, Error> {
        Ok(self.open(true))
    }
    fn serialize_tuple(self, len: usize) -> Result<Block<'e>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Block<'e>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Block<'e>, Error> {
        // `variant:` in a one-entry mapping, then the sequence as its value.
        // The mapping is not empty, so closing it would write nothing (in
        // JSON its `}` is counted here).
        let mut b = self.open(false);
        b.field(variant);
        if let Some(n) = &mut b.e.json {
            *n += 1;
        }
        Ok(b.e.open(true))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Block<'e>, Error> {
        Ok(self.open(false))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Block<'e>, Error> {
        Ok(self.open(false))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Block<'e>, Error> {
        let mut b = self.open(false);
        b.field(variant);
        if let Some(n) = &mut b.e.json {
            *n += 1;
        }
        Ok(b.e.open(false))
    }
}

impl ser::SerializeSeq for Block<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        self.item(v)
    }
    fn end(self) -> R {
        self.close()
    }
}

impl ser::SerializeTuple for Block<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        self.item(v)
    }
    fn end(self) -> R {
        self.close()
    }
}

impl ser::SerializeTupleStruct for Block<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        self.item(v)
    }
    fn end(self) -> R {
        self.close()
    }
}

impl ser::SerializeTupleVariant for Block<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        self.item(v)
    }
    fn end(self) -> R {
        self.close()
    }
}

/// Map keys must be strings (or numbers, written as strings).
struct KeySer<'o> {
    e: &'o mut Emitter,
}

impl KeySer<'_> {
    fn text(self, v: &str) -> Result<(), Error> {
        if let Some(n) = &mut self.e.json {
            // serde_json quotes number and bool keys too.
            *n += json_string_len(v);
        }
        if self.e.write {
            push_string(&mut self.e.out, v);
        }
        Ok(())
    }
}

impl ser::Serializer for KeySer<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.text(v)
    }
    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.text(&v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.text(&v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.text(&v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.text(&v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.text(&v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.text(&v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.text(&v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.text(&v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.text(&v.to_string())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.text(&v.to_string())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.text(&v.to_string())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.text(&v.to_string())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, v: &'static str) -> Result<(), Error> {
        self.text(v)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        Err(ser::Error::custom("map keys must be strings"))
    }
    fn serialize_none(self) -> Result<(), Error> {
        Err(ser::Error::custom("map keys must be strings"))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(ser::Error::custom("map keys must be strings"))
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        Err(ser::Error::custom("map keys must be strings"))
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(ser::Error::custom("map keys must be strings"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(ser::Error::custom("map keys must be strings"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(ser::Error::custom("map keys must be strings"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(ser::Error::custom("map keys must be strings"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(ser::Error::custom("map keys must be strings"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(ser::Error::custom("map keys must be strings"))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(ser::Error::custom("map keys must be strings"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(ser::Error::custom("map keys must be strings"))
    }
}

impl ser::SerializeMap for Block<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> R {
        // Write the key straight into the output: no String per key.
        self.next();
        k.serialize(KeySer { e: &mut *self.e })?;
        if let Some(n) = &mut self.e.json {
            *n += 1;
        }
        if self.e.write {
            self.e.out.push(b':');
        }
        self.e.at = At::Key(self.indent);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        value(self.e, v)
    }
    fn end(self) -> R {
        self.close()
    }
}

impl ser::SerializeStruct for Block<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> R {
        self.field(key);
        value(self.e, v)
    }
    fn end(self) -> R {
        self.close()
    }
}

impl ser::SerializeStructVariant for Block<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> R {
        self.field(key);
        value(self.e, v)
    }
    fn end(self) -> R {
        self.close()
    }
}

#[cfg(test)]
mod tests {
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
}
