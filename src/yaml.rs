//! A small, deterministic YAML emitter, in the block style kubectl and gcloud
//! write (sequences not indented under their key). Strings that YAML 1.1 or
//! 1.2 could read as anything but a string are double-quoted.
//!
//! It is a serde `Serializer`, so typed objects (k8s-openapi, GKE types) are
//! written directly, with no intermediate JSON tree: emission is the largest
//! part of a compile.

use serde::ser::{self, Serialize};
use std::fmt::Display;

/// Serialize any value as a YAML document.
pub fn to_yaml<T: Serialize + ?Sized>(v: &T) -> String {
    let mut e = Emitter::with_capacity(1024);
    e.document(v);
    e.finish()
}

#[derive(Debug)]
pub struct Error(String);

impl Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

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

/// Writes YAML documents into one buffer (many documents: no per-document
/// allocation or copy).
pub struct Emitter {
    /// Only whole `&str`s and ASCII are written: always UTF-8.
    out: Vec<u8>,
    at: At,
    /// Struct field names already found plain (see [`Emitter::field_name`]),
    /// allocated at the first field.
    names: Vec<Name>,
    /// Field names written before there was a memory.
    unremembered: usize,
}

/// A struct field name that can be written plain, with its colon, padded
/// for a copy of constant length.
#[derive(Clone, Copy)]
struct Name {
    addr: usize,
    len: usize,
    text: [u8; NAME_TEXT],
}

const NAME_TEXT: usize = 32;
/// Field names written before the memory is made: a small spec's manifests
/// (the examples write 300 to 2000) never pay for it.
const NAME_MEMORY_FROM: usize = 4096;
const NAME_SLOT_BITS: u32 = 9;
const NAME_SLOTS: usize = 1 << NAME_SLOT_BITS;

/// An open mapping or sequence. It lives on the Rust stack of the value
/// being written, as serde's compound types do: no frame stack to push,
/// look up and pop for every field.
pub struct Block<'e> {
    e: &'e mut Emitter,
    /// The indentation of this block's keys or dashes.
    indent: usize,
    opened: Opened,
    /// Nothing written in it yet.
    empty: bool,
    seq: bool,
}

impl Emitter {
    pub fn with_capacity(bytes: usize) -> Self {
        Emitter {
            out: Vec::with_capacity(bytes),
            at: At::Root,
            names: Vec::new(),
            unremembered: 0,
        }
    }

    /// Append a value as a YAML document.
    pub fn document<T: Serialize + ?Sized>(&mut self, v: &T) {
        let start = self.out.len();
        self.at = At::Root;
        // Serialization cannot fail except for unsupported types (non-string
        // map keys), which podwire never produces.
        if let Err(err) = v.serialize(&mut *self) {
            self.out.truncate(start);
            self.raw(&format!("# error: {err}\n"));
        }
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
        String::from_utf8(self.out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    fn pad(&mut self, n: usize) {
        const SPACES: &[u8; 32] = b"                                ";
        let mut n = n;
        while n > SPACES.len() {
            self.out.extend_from_slice(SPACES);
            n -= SPACES.len();
        }
        // A copy of constant length (inlined, no memcpy call: this runs once
        // per line), then the surplus cut off.
        let end = self.out.len() + n;
        self.out.extend_from_slice(SPACES);
        self.out.truncate(end);
    }

    /// A scalar value: after `key:`, after `- `, or the whole document.
    fn scalar(&mut self, text: &str) {
        if let At::Key(_) = self.at {
            self.out.push(b' ');
        }
        self.out.extend_from_slice(text.as_bytes());
        self.out.push(b'\n');
    }

    /// A struct field's name and its colon. A large compile writes the same
    /// few hundred names hundreds of thousands of times, so the plain ones
    /// are remembered by address: a `&'static str`'s bytes never change.
    /// A remembered name is one constant-length copy, not a check and a
    /// `memcpy` call.
    fn field_name(&mut self, k: &'static str) {
        let addr = k.as_ptr() as usize;
        // Fibonacci hashing into pairs of slots (two names that hash alike
        // both stay): the names sit close together in one section.
        let hash = (addr as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - NAME_SLOT_BITS);
        let pair = (hash as usize) & !1;
        for slot in [pair, pair + 1] {
            if let Some(n) = self.names.get(slot) {
                if n.addr == addr && n.len == k.len() {
                    let end = self.out.len() + n.len + 1;
                    self.out.extend_from_slice(&n.text);
                    self.out.truncate(end);
                    return;
                }
            }
        }
        push_string(&mut self.out, k);
        self.out.push(b':');
        if self.names.is_empty() {
            // Small documents are done before the memory would pay for itself.
            self.unremembered += 1;
            if self.unremembered < NAME_MEMORY_FROM {
                return;
            }
        }
        if k.len() < NAME_TEXT && plain_ok(k) {
            if self.names.is_empty() {
                let empty = Name {
                    addr: 0,
                    len: 0,
                    text: [0; NAME_TEXT],
                };
                self.names = vec![empty; NAME_SLOTS];
            }
            let mut text = [0; NAME_TEXT];
            text[..k.len()].copy_from_slice(k.as_bytes());
            text[k.len()] = b':';
            // The first slot of the pair if it is free, else the second
            // (whose name, if any, is dropped).
            let slot = if self.names.get(pair).is_some_and(|n| n.addr == 0) {
                pair
            } else {
                pair + 1
            };
            if let Some(n) = self.names.get_mut(slot) {
                *n = Name {
                    addr,
                    len: k.len(),
                    text,
                };
            }
        }
    }

    /// Open a mapping or sequence where the next value goes. Sequences in a
    /// mapping are not indented under their key (kubectl's style).
    fn open(&mut self, seq: bool) -> Block<'_> {
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
    #[inline(always)]
    fn next(&mut self) {
        if self.empty {
            self.empty = false;
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
        self.e.field_name(k);
        self.e.at = At::Key(self.indent);
    }

    fn item<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        self.next();
        self.e.at = At::Dash(self.indent);
        v.serialize(&mut *self.e)
    }

    /// Close the block: only an empty one writes anything (`{}` or `[]`).
    fn close(self) -> R {
        if self.empty {
            let out = &mut self.e.out;
            if self.opened == Opened::AfterKey {
                out.push(b' ');
            }
            out.extend_from_slice(if self.seq { b"[]\n" } else { b"{}\n" });
        }
        Ok(())
    }
}

/// A string as a plain scalar when that is unambiguous, else double-quoted.
pub fn string(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    push_string(&mut out, s);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn push_string(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    // The common case, decided in one pass: a letter, then letters, digits
    // and `-./_` only. Such a string is plain unless it is a reserved word
    // (no number, `.inf` or indicator can start with a letter).
    if b.first().is_some_and(u8::is_ascii_alphabetic)
        && all_simple(b)
        && (b.len() > 5 || !reserved(b))
        || plain_ok(s)
    {
        out.extend_from_slice(b);
        return;
    }
    // JSON string escapes are valid YAML double-quoted escapes.
    out.push(b'"');
    for c in s.chars() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            c if c.is_control()
                || matches!(
                    c,
                    '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{a0}'
                ) =>
            {
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

/// Bytes that never make a plain scalar ambiguous: ASCII letters, digits, `-./_`.
const SIMPLE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'/' | b'_');
        i += 1;
    }
    t
};

/// Whether every byte is [`SIMPLE`], eight at a time: most strings of a large
/// compile (label keys, images, names) are long enough for this to matter.
fn all_simple(b: &[u8]) -> bool {
    use crate::swar::{eq, ge, gt};
    let word = |x: u64| {
        // `-./0-9` is the range 0x2d..=0x39.
        let punct_digit = ge(x, 0x2d) & !gt(x, 0x39);
        // Setting bit 0x20 folds A-Z onto a-z and nothing else into it.
        let folded = x | 0x2020_2020_2020_2020;
        let letter = ge(folded, b'a') & !gt(folded, b'z');
        punct_digit | letter | eq(x, b'_')
    };
    crate::swar::all(b, word, |c| SIMPLE[c as usize])
}

/// YAML 1.1/1.2 words that read as null or booleans, any ASCII case.
fn reserved(b: &[u8]) -> bool {
    let eq = |w: &[u8]| b.eq_ignore_ascii_case(w);
    match b.len() {
        1 => matches!(b[0], b'~' | b'y' | b'Y' | b'n' | b'N'),
        2 => eq(b"no") || eq(b"on"),
        3 => eq(b"yes") || eq(b"off"),
        4 => eq(b"null") || eq(b"true"),
        5 => eq(b"false"),
        _ => false,
    }
}

fn plain_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else {
        return false;
    };
    // Fast path for the common case: ASCII letters, digits and a few safe
    // punctuation marks only.
    let simple = all_simple(b);
    if !(first.is_ascii_alphanumeric()
        || matches!(first, b'/' | b'.' | b'_' | b'$')
        || (!first.is_ascii() && s.chars().next().is_some_and(char::is_alphanumeric)))
    {
        return false;
    }
    if !simple {
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

type R = Result<(), Error>;

/// An integer's decimal text, written into `buf` (no allocation per number).
pub(crate) fn decimal(mut v: u64, negative: bool, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if negative {
        // i64::MIN's magnitude has 19 digits: there is always room.
        i -= 1;
        buf[i] = b'-';
    }
    // Only ASCII digits and '-' were written.
    std::str::from_utf8(&buf[i..]).unwrap_or_default()
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
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> R {
        let text = match serde_json::Number::from_f64(v) {
            Some(n) => n.to_string(),
            None if v.is_nan() => ".nan".to_string(),
            None if v > 0.0 => ".inf".to_string(),
            None => "-.inf".to_string(),
        };
        self.scalar(&text);
        Ok(())
    }
    fn serialize_char(self, v: char) -> R {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> R {
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
        v.serialize(self)
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
        v.serialize(self)
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
        v.serialize(&mut *b.e)?;
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
        // The mapping is not empty, so closing it would write nothing.
        let mut b = self.open(false);
        b.field(variant);
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
    out: &'o mut Vec<u8>,
}

impl KeySer<'_> {
    fn text(self, v: &str) -> Result<(), Error> {
        push_string(self.out, v);
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
        k.serialize(KeySer {
            out: &mut self.e.out,
        })?;
        self.e.out.push(b':');
        self.e.at = At::Key(self.indent);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        v.serialize(&mut *self.e)
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
        v.serialize(&mut *self.e)
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
        v.serialize(&mut *self.e)
    }
    fn end(self) -> R {
        self.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        assert_eq!(to_yaml(&v), want);
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
        let doc = "\"on\": 1\nplain: 2\n\"a: b\": 3\n";
        assert_eq!(to_yaml(&Odd { a: 1, b: 2, c: 3 }), doc);
        // Three times in one emitter: after the first, plain names come from
        // its memory, and the quoted ones must not.
        let mut e = remembering();
        for _ in 0..3 {
            e.document(&Odd { a: 1, b: 2, c: 3 });
        }
        assert_eq!(e.finish(), doc.repeat(3));
    }

    /// An emitter past the point where it starts remembering field names.
    fn remembering() -> Emitter {
        let mut e = Emitter::with_capacity(0);
        e.unremembered = NAME_MEMORY_FROM;
        e
    }

    #[test]
    fn remembered_field_names_are_the_ones_written() {
        // Many distinct names through one emitter: slots are shared and
        // overwritten, and every name must still come out as itself.
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wide {
            alpha: u8,
            beta: u8,
            gamma: u8,
            delta: u8,
            epsilon: u8,
            termination_message_policy_and_then: u8,
            automount_service_account_token_and_more: u8,
        }
        let v = Wide {
            alpha: 1,
            beta: 2,
            gamma: 3,
            delta: 4,
            epsilon: 5,
            termination_message_policy_and_then: 6,
            automount_service_account_token_and_more: 7,
        };
        let one = to_yaml(&v);
        assert!(one.contains("terminationMessagePolicyAndThen: 6\n"));
        assert!(one.contains("automountServiceAccountTokenAndMore: 7\n"));
        let mut e = remembering();
        for _ in 0..4 {
            e.document(&v);
            e.document(&serde_json::json!({"alpha": 0}));
        }
        assert_eq!(
            e.finish(),
            [one, "alpha: 0\n".to_string()].concat().repeat(4)
        );
    }

    #[test]
    fn remembered_field_names_survive_collisions() {
        // Far more names than slots: every pair of slots is filled and its
        // names evicted over and over; each name must still be itself.
        struct Many(Vec<&'static str>);
        impl Serialize for Many {
            fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use ser::SerializeStruct;
                let mut st = s.serialize_struct("Many", self.0.len())?;
                for (i, k) in self.0.iter().enumerate() {
                    st.serialize_field(k, &i)?;
                }
                st.end()
            }
        }
        let names: Vec<&'static str> = (0..3 * NAME_SLOTS)
            .map(|i| &*Box::leak(format!("f{i}").into_boxed_str()))
            .collect();
        let want: String = names
            .iter()
            .enumerate()
            .map(|(i, k)| format!("{k}: {i}\n"))
            .collect();
        let v = Many(names);
        let mut e = remembering();
        for _ in 0..3 {
            e.document(&v);
        }
        assert_eq!(e.finish(), want.repeat(3));
    }

    #[test]
    fn all_simple_agrees_with_the_table() {
        // Every byte value in every position of an 8-byte word, and remainders.
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut w = *b"abcdefgh";
                w[pos] = b;
                assert_eq!(all_simple(&w), SIMPLE[b as usize], "byte {b:#x} at {pos}");
                let long = [&w[..], b"ij"].concat();
                assert_eq!(all_simple(&long), SIMPLE[b as usize]);
            }
            assert_eq!(all_simple(&[b'x', b]), SIMPLE[b as usize]);
        }
        assert!(all_simple(b"app.kubernetes.io/managed-by_0123456789-XYZ"));
        assert!(all_simple(b""));
    }

    #[test]
    fn integers_are_written_like_to_string() {
        for v in [0i64, 7, -7, 10, 65535, -100, i64::MAX, i64::MIN] {
            let mut buf = [0u8; 20];
            assert_eq!(decimal(v.unsigned_abs(), v < 0, &mut buf), v.to_string());
        }
        let mut buf = [0u8; 20];
        assert_eq!(decimal(u64::MAX, false, &mut buf), u64::MAX.to_string());
        assert_eq!(
            to_yaml(&json!({"a": -3, "b": 18446744073709551615u64})),
            "a: -3\nb: 18446744073709551615\n"
        );
    }

    #[test]
    fn block_style() {
        let v = json!({"a": {"b": [1, {"c": "x", "d": []}], "e": {}}, "f": "1.32", "g": [[1, 2], []], "h": null});
        assert_eq!(
            to_yaml(&v),
            "a:\n  b:\n  - 1\n  - c: x\n    d: []\n  e: {}\nf: \"1.32\"\ng:\n- - 1\n  - 2\n- []\nh: null\n"
        );
        assert_eq!(to_yaml(&json!({})), "{}\n");
        assert_eq!(to_yaml(&json!("x")), "x\n");
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
            "é",
        ] {
            assert_eq!(string(s), s, "{s:?} can be plain");
        }
    }

    /// The word list `reserved` encodes, as it was first written.
    fn reserved_reference(s: &str) -> bool {
        const RESERVED: &[&str] = &[
            "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n",
        ];
        RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s))
    }

    #[test]
    fn reserved_words_match_the_list_in_every_case() {
        for w in [
            "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n",
        ] {
            for v in [w.to_string(), w.to_uppercase(), {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            }] {
                assert!(reserved(v.as_bytes()), "{v}");
                assert!(string(&v).starts_with('"'), "{v}");
            }
        }
        // Every short string over a small alphabet agrees with the list.
        let alphabet = [
            'n', 'o', 'l', 'u', 'y', 'e', 's', 't', 'r', 'f', 'a', 'N', 'O', '~', 'x',
        ];
        let mut words = vec![String::new()];
        for _ in 0..4 {
            let next: Vec<String> = words
                .iter()
                .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                .collect();
            for w in &next {
                assert_eq!(reserved(w.as_bytes()), reserved_reference(w), "{w:?}");
            }
            words = next;
        }
        for w in ["false", "FaLsE", "falsy", "nulls", "ye", "of"] {
            assert_eq!(reserved(w.as_bytes()), reserved_reference(w), "{w:?}");
        }
    }

    #[test]
    fn round_trips_through_a_yaml_parser() {
        let v = json!({"k": ["true", "8", "a: b", "é", "x\ty", "'q'", "\"d\"", "[x]", "{y}", "a #b", "\u{1}", "back\\slash"]});
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
                crate::spec::tree::Value::Scalar { text, .. } => text.to_string(),
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

    #[test]
    fn typed_objects_serialize_like_their_json() {
        // The direct serializer and the JSON tree must agree on content.
        let src = include_str!("../examples/mixed-stack.yaml");
        let Some(m) = crate::analyze(src).model else {
            panic!("example compiles")
        };
        for o in crate::k8s::objects(&m) {
            let direct = o.to_yaml();
            let via_json = to_yaml(&o.to_json());
            let a = crate::spec::tree::parse(&direct).expect("parses").0;
            let b = crate::spec::tree::parse(&via_json).expect("parses").0;
            assert_eq!(strip(&a), strip(&b), "{}", o.name());
        }
    }

    fn strip(n: &crate::spec::tree::Node) -> serde_json::Value {
        use crate::spec::tree::Value;
        match &n.value {
            Value::Scalar { text, .. } => text.to_string().into(),
            Value::Seq(v) => v.iter().map(strip).collect(),
            Value::Map(m) => {
                let mut v: Vec<_> = m
                    .iter()
                    .map(|(k, v)| (k.name.to_string(), strip(v)))
                    .collect();
                v.sort_by(|a, b| a.0.cmp(&b.0));
                v.into_iter().collect::<serde_json::Map<_, _>>().into()
            }
        }
    }
}
