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
use map_key::MapKeySerializer;
use serde::ser::{self, Serialize};
use std::fmt::Display;

#[path = "map_key.rs"]
mod map_key;

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

impl ser::SerializeMap for Block<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> R {
        // Write the key straight into the output: no String per key.
        self.next();
        k.serialize(MapKeySerializer { e: &mut *self.e })?;
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
#[path = "serializer_tests.rs"]
mod tests;
