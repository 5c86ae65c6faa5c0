//! A fast path for the YAML that specs are actually written in.
//!
//! saphyr-parser is a complete YAML 1.2 parser and costs about 85 ns per input
//! byte here; on a 2000-workload spec it was most of the compile. This module
//! reads the common subset directly from the bytes: block mappings with plain
//! keys, block sequences, single-line plain and quoted scalars, single-line
//! flow collections, comments, and whole-document JSON. It builds exactly the
//! tree (text, style flag and every span, in saphyr's conventions) that
//! [`super::tree::parse_saphyr`] builds.
//!
//! It never decides anything the full parser would decide differently: on
//! anything outside the subset (anchors, tags, block scalars, multi-line plain
//! scalars, escapes, tabs, non-ASCII text, syntax errors, an empty document...)
//! it returns `None` and the caller runs saphyr, which also produces every
//! syntax error message. Tests compare the two parsers on generated and mutated
//! documents.

use super::tree::{note_key, Key, Node, TreeError, Value, MAX_NODES};
use crate::diag::Span;
use std::borrow::Cow;

/// `None`: not in the subset, use the full parser.
type R<T> = Option<T>;

#[derive(Clone, Copy)]
struct Mark {
    index: usize,
    line: u32,
    col: u32,
}

fn span(a: Mark, b: Mark) -> Span {
    Span {
        start: a.index,
        end: b.index,
        line: a.line,
        col: a.col,
        end_line: b.line,
        end_col: b.col,
    }
}

/// Bytes that may appear in a plain key of the subset.
fn key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/')
}

struct P<'a> {
    s: &'a [u8],
    src: &'a str,
    pos: usize,
    line: u32,
    line_start: usize,
    /// Flow collections may span lines only in a JSON-style document whose
    /// root is a flow collection (no block indentation rules to follow).
    flow_lines: bool,
    /// How many flow collections the cursor is in.
    depth: u32,
    count: usize,
    soft: Vec<TreeError>,
}

/// Whether every byte is printable ASCII (0x20..0x7f) or a newline, eight
/// at a time (this scan was a sixth of the parse of a large spec).
fn printable(b: &[u8]) -> bool {
    use crate::swar::{eq, ge};
    let word = |x: u64| (ge(x, 0x20) & !ge(x, 0x7f)) | eq(x, b'\n');
    crate::swar::all(b, word, |c| (0x20..0x7f).contains(&c) || c == b'\n')
}

/// Parse `src` if it is in the subset; `None` if the full parser must decide.
pub fn parse(src: &str) -> Option<(Node<'_>, Vec<TreeError>)> {
    // Printable ASCII and newlines only: byte offsets are then character
    // offsets (saphyr's unit), and tabs, CRs and BOMs are left to saphyr.
    if !printable(src.as_bytes()) {
        return None;
    }
    let mut p = P {
        s: src.as_bytes(),
        src,
        pos: 0,
        line: 1,
        line_start: 0,
        flow_lines: false,
        depth: 0,
        count: 0,
        soft: Vec::new(),
    };
    p.skip_to_token()?;
    if p.eof() || p.col() != 0 {
        return None;
    }
    let root = match p.peek() {
        b'{' | b'[' => {
            p.flow_lines = true;
            let n = p.flow_node()?;
            p.after_value()?;
            p.skip_to_token()?;
            n
        }
        b'-' if p.seq_item_here() => p.block_seq(0, false)?,
        _ if p.key_here() => p.block_map(0)?,
        _ => return None,
    };
    if !p.eof() || root.is_null() {
        return None;
    }
    Some((root, p.soft))
}

impl<'a> P<'a> {
    fn eof(&self) -> bool {
        self.pos >= self.s.len()
    }

    /// The byte at the cursor (0 at the end).
    fn peek(&self) -> u8 {
        self.s.get(self.pos).copied().unwrap_or(0)
    }

    fn at(&self, i: usize) -> u8 {
        self.s.get(i).copied().unwrap_or(0)
    }

    fn col(&self) -> u32 {
        (self.pos - self.line_start) as u32
    }

    /// Where a block collection ends: the next token, or the stream's end,
    /// which saphyr puts on a fresh line even without a final newline.
    fn end_mark(&self) -> Mark {
        if self.eof() && self.s.last().is_some_and(|&b| b != b'\n') {
            return Mark {
                index: self.pos,
                line: self.line + 1,
                col: 0,
            };
        }
        self.mark()
    }

    fn mark(&self) -> Mark {
        Mark {
            index: self.pos,
            line: self.line,
            col: self.col(),
        }
    }

    fn newline(&mut self) {
        self.pos += 1;
        self.line += 1;
        self.line_start = self.pos;
    }

    fn skip_spaces(&mut self) {
        while self.peek() == b' ' {
            self.pos += 1;
        }
    }

    fn skip_comment(&mut self) {
        while !self.eof() && self.peek() != b'\n' {
            self.pos += 1;
        }
    }

    /// Skip spaces, comments and line breaks up to the next token (or the end).
    fn skip_to_token(&mut self) -> R<()> {
        loop {
            match self.peek() {
                b' ' => self.pos += 1,
                b'\n' => self.newline(),
                b'#' => {
                    // Only reached at a line start or after a space.
                    self.skip_comment();
                }
                _ => break,
            }
        }
        // Document markers and directives are the full parser's business.
        if self.col() == 0 && !self.eof() {
            let rest = &self.s[self.pos..];
            if rest.starts_with(b"---") || rest.starts_with(b"...") || rest[0] == b'%' {
                return None;
            }
        }
        Some(())
    }

    /// After a value on a line: spaces, maybe a comment, then the line's end.
    fn after_value(&mut self) -> R<()> {
        let before = self.pos;
        self.skip_spaces();
        match self.peek() {
            b'#' if self.pos > before => {
                self.skip_comment();
                Some(())
            }
            _ if self.eof() || self.peek() == b'\n' => Some(()),
            _ => None,
        }
    }

    /// `- ` (or `-` at a line end) at the cursor.
    fn seq_item_here(&self) -> bool {
        self.peek() == b'-' && matches!(self.at(self.pos + 1), b' ' | b'\n' | 0)
    }

    /// A plain key of the subset followed by `: `/`:\n` at the cursor.
    fn key_here(&self) -> bool {
        let first = self.peek();
        if !(first.is_ascii_alphanumeric() || first == b'_') {
            return false;
        }
        let mut i = self.pos;
        while key_byte(self.at(i)) {
            i += 1;
        }
        self.at(i) == b':' && matches!(self.at(i + 1), b' ' | b'\n' | 0)
    }

    fn bump_count(&mut self) -> R<()> {
        self.count += 1;
        (self.count <= MAX_NODES).then_some(())
    }

    fn scalar(&mut self, text: &'a str, plain: bool, a: Mark, b: Mark) -> R<Node<'a>> {
        self.bump_count()?;
        Some(Node {
            value: Value::Scalar {
                text: Cow::Borrowed(text),
                plain,
            },
            span: span(a, b),
        })
    }

    /// A block mapping whose first key is at the cursor, in column `n`.
    fn block_map(&mut self, n: u32) -> R<Node<'a>> {
        let start = self.mark();
        // Spec mappings mostly have a handful of keys: one allocation.
        let mut items: Vec<(Key<'a>, Node<'a>)> = Vec::with_capacity(8);
        loop {
            let (name, ka, kb) = self.plain_key();
            self.bump_count()?;
            let key = Key {
                name: Cow::Borrowed(name),
                span: span(ka, kb),
            };
            let new = note_key(&items, &key, &mut self.soft);
            let colon = self.mark();
            self.pos += 1; // ':'
            let value = self.block_value(n, colon)?;
            if new {
                items.push((key, value));
            }
            if self.eof() {
                break;
            }
            let c = self.col();
            if c < n {
                break;
            }
            if c > n || !self.key_here() {
                return None;
            }
        }
        let end = self.end_mark();
        self.bump_count()?;
        Some(Node {
            value: Value::Map(items),
            span: span(start, end),
        })
    }

    /// The value after `key:` of a mapping in column `n`; leaves the cursor
    /// on the next token.
    fn block_value(&mut self, n: u32, colon: Mark) -> R<Node<'a>> {
        self.skip_spaces();
        match self.peek() {
            b'\n' | b'#' | 0 => {
                if self.peek() == b'#' {
                    self.skip_comment();
                }
                self.skip_to_token()?;
                let c = self.col();
                if self.eof() || c < n {
                    return self.scalar("", true, colon, colon);
                }
                if c == n {
                    if self.seq_item_here() {
                        return self.block_seq(n, true);
                    }
                    return self.scalar("", true, colon, colon);
                }
                if self.seq_item_here() {
                    self.block_seq(c, false)
                } else if self.key_here() {
                    self.block_map(c)
                } else {
                    None
                }
            }
            _ => self.inline_value(n),
        }
    }

    /// A scalar or flow collection that starts on the current line, in a
    /// block node whose indentation is `n`; leaves the cursor on the next token.
    fn inline_value(&mut self, n: u32) -> R<Node<'a>> {
        let node = match self.peek() {
            b'"' | b'\'' => self.quoted()?,
            b'[' | b'{' => {
                let node = self.flow_node()?;
                self.after_value()?;
                node
            }
            _ => self.block_plain()?,
        };
        self.skip_to_token()?;
        // More indented content would continue a plain scalar or be an error.
        if !self.eof() && self.col() > n {
            return None;
        }
        Some(node)
    }

    /// A single-line plain scalar in block context.
    fn block_plain(&mut self) -> R<Node<'a>> {
        let first = self.peek();
        let next = self.at(self.pos + 1);
        match first {
            b'-' | b'?' | b':' if matches!(next, b' ' | b'\n' | 0) => return None,
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`' => return None,
            _ => {}
        }
        let a = self.mark();
        let mut end = self.pos;
        loop {
            match self.peek() {
                b'\n' | 0 => break,
                b':' if matches!(self.at(self.pos + 1), b' ' | b'\n' | 0) => return None,
                b' ' => {
                    if self.at(self.pos + 1) == b'#' {
                        break;
                    }
                }
                _ => end = self.pos + 1,
            }
            self.pos += 1;
        }
        self.pos = end;
        let b = self.mark();
        let text = &self.src[a.index..end];
        self.after_value()?;
        self.scalar(text, true, a, b)
    }

    /// After a quoted scalar or a flow collection's closing bracket: saphyr's
    /// span of it runs over the spaces after it, and outside any flow
    /// collection over a comment too.
    fn token_trail(&mut self) -> R<()> {
        let before = self.pos;
        self.skip_spaces();
        if self.peek() == b'#' {
            if self.depth > 0 || self.pos == before {
                return None;
            }
            self.skip_comment();
        }
        Some(())
    }

    /// A quoted scalar on one line without escapes.
    fn quoted(&mut self) -> R<Node<'a>> {
        let q = self.peek();
        let a = self.mark();
        self.pos += 1;
        let from = self.pos;
        loop {
            match self.peek() {
                0 | b'\n' | b'\\' => return None,
                c if c == q => break,
                _ => self.pos += 1,
            }
        }
        let to = self.pos;
        self.pos += 1;
        if q == b'\'' && self.peek() == b'\'' {
            return None; // '' escape
        }
        self.token_trail()?;
        let b = self.mark();
        if self.depth == 0 && !matches!(self.peek(), b'\n' | 0) {
            return None;
        }
        let text = &self.src[from..to];
        self.scalar(text, false, a, b)
    }

    /// A block sequence whose first `-` is at the cursor, in column `n`.
    /// `indentless`: the value of a mapping key in the same column.
    fn block_seq(&mut self, n: u32, indentless: bool) -> R<Node<'a>> {
        let mut start = self.mark();
        let mut items = Vec::new();
        loop {
            self.pos += 1; // '-'
            if self.peek() != b' ' {
                return None; // an empty item, or the item on the next lines
            }
            self.skip_spaces();
            if items.is_empty() && indentless {
                // saphyr starts such a sequence at its first item's content.
                start = self.mark();
            }
            let item = match self.peek() {
                b'\n' | b'#' | 0 => return None,
                b'-' if self.seq_item_here() => return None,
                _ if self.key_here() => {
                    let m = self.col();
                    self.block_map(m)?
                }
                _ => self.inline_value(n)?,
            };
            items.push(item);
            if self.eof() {
                break;
            }
            let c = self.col();
            if c < n {
                break;
            }
            if c > n {
                return None;
            }
            if !self.seq_item_here() {
                if indentless {
                    break;
                }
                return None;
            }
        }
        let end = self.end_mark();
        self.bump_count()?;
        Some(Node {
            value: Value::Seq(items),
            span: span(start, end),
        })
    }

    /// Spaces (and line breaks, in a JSON-style document) inside a flow
    /// collection.
    fn flow_space(&mut self) -> R<()> {
        loop {
            match self.peek() {
                b' ' => self.pos += 1,
                b'\n' if self.flow_lines => self.newline(),
                b'\n' | b'#' => return None,
                _ => return Some(()),
            }
        }
    }

    fn flow_node(&mut self) -> R<Node<'a>> {
        match self.peek() {
            b'[' => self.flow_seq(),
            b'{' => self.flow_map(),
            b'"' | b'\'' => self.quoted(),
            _ => self.flow_plain(),
        }
    }

    /// The plain key at the cursor (checked by [`P::key_here`]): its text
    /// and where it starts and ends.
    fn plain_key(&mut self) -> (&'a str, Mark, Mark) {
        let a = self.mark();
        while key_byte(self.peek()) {
            self.pos += 1;
        }
        let b = self.mark();
        (&self.src[a.index..b.index], a, b)
    }

    /// The closing bracket of a flow collection opened at `a`.
    fn close_flow(&mut self, a: Mark, value: Value<'a>) -> R<Node<'a>> {
        self.pos += 1;
        self.depth -= 1;
        self.token_trail()?;
        let b = self.mark();
        self.bump_count()?;
        Some(Node {
            value,
            span: span(a, b),
        })
    }

    fn flow_seq(&mut self) -> R<Node<'a>> {
        let a = self.mark();
        self.pos += 1;
        self.depth += 1;
        let mut items = Vec::new();
        loop {
            self.flow_space()?;
            if self.peek() == b']' {
                break;
            }
            items.push(self.flow_node()?);
            self.flow_space()?;
            match self.peek() {
                b',' => self.pos += 1,
                b']' => break,
                _ => return None,
            }
        }
        self.close_flow(a, Value::Seq(items))
    }

    fn flow_map(&mut self) -> R<Node<'a>> {
        let a = self.mark();
        self.pos += 1;
        self.depth += 1;
        let mut items: Vec<(Key<'a>, Node<'a>)> = Vec::new();
        loop {
            self.flow_space()?;
            if self.peek() == b'}' {
                if !items.is_empty() {
                    return None; // `{a: 1,}`: saphyr's span of it differs
                }
                break;
            }
            let key = if self.peek() == b'"' {
                let k = self.quoted()?;
                if self.peek() != b':' {
                    return None;
                }
                k
            } else {
                if !self.key_here() {
                    return None;
                }
                let (text, ka, kb) = self.plain_key();
                self.scalar(text, true, ka, kb)?
            };
            let Value::Scalar { text: name, .. } = key.value else {
                return None;
            };
            let key = Key {
                name,
                span: key.span,
            };
            let new = note_key(&items, &key, &mut self.soft);
            self.pos += 1; // ':'
            self.flow_space()?;
            if matches!(self.peek(), b',' | b'}' | b']') {
                return None;
            }
            let value = self.flow_node()?;
            if new {
                items.push((key, value));
            }
            self.flow_space()?;
            match self.peek() {
                b',' => self.pos += 1,
                b'}' => break,
                _ => return None,
            }
        }
        self.close_flow(a, Value::Map(items))
    }

    /// A plain scalar inside a flow collection, on one line.
    fn flow_plain(&mut self) -> R<Node<'a>> {
        let first = self.peek();
        let next = self.at(self.pos + 1);
        match first {
            b'-' | b'?' | b':' if matches!(next, b' ' | b'\n' | 0 | b',' | b']' | b'}') => {
                return None
            }
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%'
            | b'@' | b'`' | 0 | b'\n' => return None,
            _ => {}
        }
        let a = self.mark();
        let mut end = self.pos;
        loop {
            match self.peek() {
                b'\n' | 0 | b',' | b'[' | b']' | b'{' | b'}' => break,
                b':' if matches!(
                    self.at(self.pos + 1),
                    b' ' | b'\n' | 0 | b',' | b'[' | b']' | b'{' | b'}'
                ) =>
                {
                    return None
                }
                b' ' => {
                    if self.at(self.pos + 1) == b'#' {
                        return None;
                    }
                }
                _ => end = self.pos + 1,
            }
            self.pos += 1;
        }
        self.pos = end;
        let b = self.mark();
        let text = &self.src[a.index..end];
        self.scalar(text, true, a, b)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "fast_tests.rs"]
mod tests;
