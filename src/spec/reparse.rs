//! A live preview's parse. Typing changes one top-level `workloads` item at
//! a time, so when an edit stays within one item's lines, only those lines
//! are parsed again; the previous tree is kept for the rest, its later
//! positions shifted. The result is always the tree [`tree::parse`] gives
//! for the whole text: the splice is taken only where YAML's block structure
//! makes the item's lines, read alone, read as they do in the document, and
//! the whole text is parsed otherwise (the tests below compare the two after
//! every one of many random edits).
//!
//! Why the splice is sound: the items of a block sequence at column `k` are
//! delimited by the lines that begin with `k` spaces and `- `. An item whose
//! other lines are blank or indented past `k` holds no document marker, no
//! directive and nothing the enclosing mapping could read, so the scanner
//! reads its lines the same whether they follow `workloads:` or start a
//! document. What ends the item (the next item's `-`, the next top-level key
//! at column 0, or the end of the text) is reproduced when it is read alone:
//! a `-` line is appended for the next item; a key at column 0 sits where the
//! item's text alone ends. Anchors and aliases tie items together and
//! duplicate keys need the whole mapping: with either, the whole text is
//! parsed.

use super::tree::{self, Node, TreeError, Value};
use crate::diag::Span;
use std::sync::Arc;

/// A parse's tree: made now from the text (borrowing it), or the memo's,
/// shared with it (the next update changes it in place when this one has
/// been dropped by then, as a preview's decode is).
#[derive(Debug, Clone)]
pub enum Tree<'s> {
    Parsed(Node<'s>),
    Kept(Arc<Node<'static>>),
}

impl<'s> Tree<'s> {
    pub fn node(&self) -> &Node<'s> {
        match self {
            Tree::Parsed(n) => n,
            Tree::Kept(n) => n,
        }
    }
}

/// What a preview keeps of its previous parse (see the module's docs).
#[derive(Debug, Default)]
pub struct TreeMemo {
    kept: Option<Kept>,
    /// Whether the last [`TreeMemo::parse`] spliced (for the tests).
    spliced: bool,
}

/// What [`Kept::splice`] did.
enum Splice {
    Done,
    /// The edit is not one the splice takes; what is kept is unchanged.
    Refused,
    /// What is kept is no longer valid (not reached: its layout was checked
    /// when it was made).
    Lost,
}

/// The last text that could be spliced, its tree and where its
/// `workloads` items lie.
#[derive(Debug)]
struct Kept {
    source: String,
    root: Arc<Node<'static>>,
    /// The index of `workloads` among the root mapping's entries.
    entry: usize,
    /// The column of the items' `-`.
    indent: usize,
    /// The byte offset of each item's first line.
    starts: Vec<usize>,
    /// The byte offset where the last item's lines end: the line of the
    /// next top-level key, or the end of the text.
    end: usize,
    /// The tree's totals against the reader's limits.
    nodes: usize,
    bytes: usize,
}

impl TreeMemo {
    /// [`tree::parse`] of `src`, reusing the previous parse's tree where the
    /// edit since allows it.
    pub fn parse<'s>(&mut self, src: &'s str) -> Result<(Tree<'s>, Vec<TreeError>), TreeError> {
        self.spliced = false;
        if let Some(kept) = self.kept.as_mut() {
            match kept.splice(src) {
                Splice::Done => {
                    self.spliced = true;
                    return Ok((Tree::Kept(Arc::clone(&kept.root)), Vec::new()));
                }
                // Still the last text that could be spliced, and its tree:
                // an edit in progress (a quote not yet closed) keeps it.
                Splice::Refused => {}
                Splice::Lost => self.kept = None,
            }
        }
        let (root, soft, facts) = tree::parse_counted(src)?;
        if soft.is_empty() && !facts.aliased {
            if let Some(kept) = Kept::new(src, &root, facts) {
                let shared = Tree::Kept(Arc::clone(&kept.root));
                self.kept = Some(kept);
                return Ok((shared, soft));
            }
        }
        Ok((Tree::Parsed(root), soft))
    }
}

impl Kept {
    /// The layout of `root`'s `workloads` items, when each begins a line
    /// with `k` spaces and `- ` (the same `k` for all) and `workloads` is a
    /// key at column 0.
    fn new(src: &str, root: &Node, facts: tree::Facts) -> Option<Kept> {
        let Value::Map(entries) = &root.value else {
            return None;
        };
        let entry = entries.iter().position(|(k, _)| k.name == "workloads")?;
        let (key, value) = &entries[entry];
        let Value::Seq(items) = &value.value else {
            return None;
        };
        if key.span.col != 0 || items.is_empty() {
            return None;
        }
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(src.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let line_start = |line: u32| line_starts.get((line as usize).checked_sub(1)?).copied();
        let indent = (items[0].span.col as usize).checked_sub(2)?;
        let dash = format!("{}- ", " ".repeat(indent));
        let mut starts = Vec::with_capacity(items.len());
        for item in items {
            let start = line_start(item.span.line)?;
            let in_order = starts.last().is_none_or(|&s| s < start);
            if item.span.col as usize != indent + 2 || !in_order || !src[start..].starts_with(&dash)
            {
                return None;
            }
            starts.push(start);
        }
        let end = match entries.get(entry + 1) {
            Some((next, _)) if next.span.col == 0 => line_start(next.span.line)?,
            Some(_) => return None,
            None => src.len(),
        };
        if end <= *starts.last()? {
            return None;
        }
        Some(Kept {
            source: src.to_owned(),
            root: Arc::new(root.to_owned_tree()),
            entry,
            indent,
            starts,
            end,
            nodes: facts.nodes,
            bytes: facts.bytes,
        })
    }

    /// Make the kept tree `src`'s, when the edit from the kept source to
    /// `src` lies within one item's lines and the new lines read alone as
    /// one item.
    fn splice(&mut self, src: &str) -> Splice {
        if src.len() > tree::MAX_DOCUMENT_BYTES {
            return Splice::Refused;
        }
        let (old, new) = (self.source.as_bytes(), src.as_bytes());
        let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
        if prefix == old.len() && prefix == new.len() {
            return Splice::Done;
        }
        let shorter = old.len().min(new.len());
        let suffix = (old.iter().rev().zip(new.iter().rev()))
            .take(shorter)
            .take_while(|(a, b)| a == b)
            .count();
        // Where text repeats around the edit, it could have been made
        // anywhere from `shorter - suffix` to `prefix` (typing a line just
        // before an item's `- ` line reads, byte for byte, as typing it
        // inside that line's indentation). Try its latest place, then its
        // earliest.
        let latest = (prefix, suffix.min(shorter - prefix));
        let earliest = if prefix + suffix >= shorter {
            (shorter - suffix, suffix)
        } else {
            latest
        };
        let found = [latest, earliest]
            .into_iter()
            .find_map(|(prefix, suffix)| self.reread(src, prefix, suffix));
        let Some((i, start, end, mut item)) = found else {
            return Splice::Refused;
        };
        // The limits, counted as the parser does: the other items kept them
        // already.
        let Some(old_item) = self.items().and_then(|items| items.get(i)) else {
            return Splice::Lost;
        };
        let (was, is) = (weigh(old_item), weigh(&item));
        let nodes = self.nodes - was.nodes + is.nodes;
        let bytes = self.bytes - was.bytes + is.bytes;
        let within = nodes <= tree::MAX_NODES
            && bytes <= tree::MAX_EXPANDED_BYTES
            && is.depth + 2 <= tree::MAX_DEPTH
            && is.keys <= tree::MAX_KEYS_IN_MAPPING;
        if !within {
            return Splice::Refused;
        }
        let new_end = end + new.len() - old.len();
        let (old_text, text) = (&self.source[start..end], &src[start..new_end]);
        // Positions: characters and 1-based lines, as the parser counts.
        let before = &self.source[..start];
        let base = Offset {
            chars: before.chars().count(),
            lines: before.matches('\n').count(),
        };
        shift(&mut item, 0, base);
        let (old_len, new_len) = (Offset::of(old_text), Offset::of(text));
        let grow = |at: usize| at + new.len() - old.len();
        self.starts[i + 1..].iter_mut().for_each(|s| *s = grow(*s));
        self.end = grow(self.end);
        (self.nodes, self.bytes) = (nodes, bytes);
        shift_by(
            Arc::make_mut(&mut self.root),
            base.chars + old_len.chars,
            &old_len,
            &new_len,
        );
        let Some(slot) = self.items_mut().and_then(|items| items.get_mut(i)) else {
            return Splice::Lost;
        };
        *slot = item;
        self.source = src.to_owned();
        Splice::Done
    }

    /// The `workloads` items of the kept tree.
    fn items(&self) -> Option<&Vec<Node<'static>>> {
        let Value::Map(entries) = &self.root.value else {
            return None;
        };
        match &entries.get(self.entry)?.1.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    fn items_mut(&mut self) -> Option<&mut Vec<Node<'static>>> {
        let Value::Map(entries) = &mut Arc::make_mut(&mut self.root).value else {
            return None;
        };
        match &mut entries.get_mut(self.entry)?.1.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }
}

impl Kept {
    /// Item `i`'s lines in `src`, parsed alone, when the edit that kept
    /// `prefix` bytes at the start and `suffix` at the end lies within them
    /// and they read alone as in the document: (i, where its lines start and
    /// ended in the kept source, the item).
    fn reread(
        &self,
        src: &str,
        prefix: usize,
        suffix: usize,
    ) -> Option<(usize, usize, usize, Node<'static>)> {
        let (old, new) = (self.source.len(), src.len());
        let changed_end = old - suffix;
        let i = self
            .starts
            .partition_point(|&s| s <= prefix)
            .checked_sub(1)?;
        let start = self.starts[i];
        let end = self.starts.get(i + 1).copied().unwrap_or(self.end);
        if changed_end > end {
            return None;
        }
        let new_end = (end + new).checked_sub(old)?;
        let text = src.get(start..new_end)?;
        // Both the old and the new lines must end with a line break: the
        // shift moves lines, not columns, so it is right only for positions
        // that begin a line. At the end of a text without one, the nodes
        // that close there end mid-line (and saphyr gives them the line
        // after the last).
        if !self.source[start..end].ends_with('\n') || !reads_alone(text, self.indent) {
            return None;
        }
        let next_item = i + 1 < self.starts.len();
        Some((i, start, end, parse_item(text, self.indent, next_item)?))
    }
}

/// Whether `text`, one item's lines, would read alone as in the document:
/// its first line begins with `indent` spaces and `- `, every other line is
/// blank or indented past `indent`, it ends with a line break, and it has no
/// tab, carriage return or byte order mark (whose handling depends on more
/// than indentation).
fn reads_alone(text: &str, indent: usize) -> bool {
    let mut lines = text.split('\n');
    let first_ok = lines.next().is_some_and(|l| {
        l.len() >= indent + 2
            && l.as_bytes()[..indent].iter().all(|b| *b == b' ')
            && &l.as_bytes()[indent..indent + 2] == b"- "
    });
    first_ok
        && lines.all(|l| {
            let spaces = l.bytes().take_while(|b| *b == b' ').count();
            spaces == l.len() || spaces > indent
        })
        && text.ends_with('\n')
        && !text.contains(['\t', '\r', '\u{feff}'])
}

/// One item's lines parsed alone (with a `-` line after them when another
/// item follows in the document), in the item's own coordinates.
fn parse_item(text: &str, indent: usize, next_item: bool) -> Option<Node<'static>> {
    let with_next;
    let doc = if next_item {
        with_next = format!("{text}{}-\n", " ".repeat(indent));
        with_next.as_str()
    } else {
        text
    };
    let (root, soft, facts) = tree::parse_counted(doc).ok()?;
    if !soft.is_empty() || facts.aliased {
        return None;
    }
    let Value::Seq(mut items) = root.value else {
        return None;
    };
    if items.len() != 1 + usize::from(next_item) {
        return None;
    }
    if next_item && !items.pop()?.is_null() {
        return None;
    }
    let item = items.pop()?;
    if item.span.line != 1 || item.span.col as usize != indent + 2 {
        return None;
    }
    Some(item.to_owned_tree())
}

/// A length or position in the parser's units.
#[derive(Debug, Clone, Copy)]
struct Offset {
    chars: usize,
    lines: usize,
}

impl Offset {
    fn of(text: &str) -> Offset {
        Offset {
            chars: text.chars().count(),
            lines: text.matches('\n').count(),
        }
    }
}

/// Moves every position of `node` at or after character `from` forward by
/// `by` (columns stay: the positions moved begin lines that were whole).
fn shift(node: &mut Node, from: usize, by: Offset) {
    walk_spans(node, &mut |s| {
        if s.start >= from {
            s.start += by.chars;
            s.line = s.line.saturating_add(by.lines as u32);
        }
        if s.end >= from {
            s.end += by.chars;
            s.end_line = s.end_line.saturating_add(by.lines as u32);
        }
    });
}

/// Moves every position of `node` at or after character `from` by the
/// difference between an old and a new length (which may be shorter).
fn shift_by(node: &mut Node, from: usize, old: &Offset, new: &Offset) {
    let moved = |at: usize, old: usize, new: usize| (at + new).saturating_sub(old);
    walk_spans(node, &mut |s| {
        if s.start >= from {
            s.start = moved(s.start, old.chars, new.chars);
            s.line = moved(s.line as usize, old.lines, new.lines) as u32;
        }
        if s.end >= from {
            s.end = moved(s.end, old.chars, new.chars);
            s.end_line = moved(s.end_line as usize, old.lines, new.lines) as u32;
        }
    });
}

/// Calls `f` on every span of the tree (nodes and keys). Recursion is
/// bounded: the trees here passed the parser's depth limit.
fn walk_spans(node: &mut Node, f: &mut impl FnMut(&mut Span)) {
    f(&mut node.span);
    match &mut node.value {
        Value::Scalar { .. } => {}
        Value::Seq(items) => items.iter_mut().for_each(|n| walk_spans(n, f)),
        Value::Map(entries) => {
            for (k, v) in entries {
                f(&mut k.span);
                walk_spans(v, f);
            }
        }
    }
}

#[derive(Debug, Default, PartialEq)]
struct Weight {
    nodes: usize,
    bytes: usize,
    /// Lists and mappings nested, the outermost included.
    depth: usize,
    /// The most keys of one mapping.
    keys: usize,
}

fn weigh(node: &Node) -> Weight {
    let mut w = Weight {
        nodes: 1,
        bytes: 1,
        ..Weight::default()
    };
    let mut add = |c: Weight| {
        w.nodes += c.nodes;
        w.bytes += c.bytes;
        w.depth = w.depth.max(c.depth);
        w.keys = w.keys.max(c.keys);
    };
    match &node.value {
        Value::Scalar { text, .. } => {
            return Weight {
                nodes: 1,
                bytes: text.len() + 1,
                ..Weight::default()
            }
        }
        Value::Seq(items) => items.iter().map(weigh).for_each(&mut add),
        Value::Map(entries) => {
            for (k, v) in entries {
                add(Weight {
                    nodes: 1,
                    bytes: k.name.len() + 1,
                    ..Weight::default()
                });
                add(weigh(v));
            }
            w.keys = w.keys.max(entries.len());
        }
    }
    w.depth += 1;
    w
}

#[cfg(test)]
mod tests;
