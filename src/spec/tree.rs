//! A YAML (and JSON, which YAML 1.2 contains) document as a tree whose every
//! node knows where it came from. Built from saphyr-parser's event stream.
//!
//! Scalars keep their source text; the decoder decides per field whether the
//! text is a string, a number or a boolean, so `version: 1.30` stays "1.30".

use crate::diag::Span;
use saphyr_parser::{Event, Parser, ScalarStyle, Span as YSpan};
use std::borrow::Cow;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Value<'s> {
    /// A scalar: its text (borrowed from the source unless escapes or
    /// folding changed it), and whether it was plain (unquoted).
    Scalar {
        text: Cow<'s, str>,
        plain: bool,
    },
    Seq(Vec<Node<'s>>),
    Map(Vec<(Key<'s>, Node<'s>)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key<'s> {
    pub name: Cow<'s, str>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node<'s> {
    pub value: Value<'s>,
    pub span: Span,
}

impl Node<'_> {
    /// YAML 1.2 core-schema null: `~`, `null`, or nothing at all (plain).
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true }
            if matches!(&**text, "" | "~" | "null" | "Null" | "NULL"))
    }

    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
            Value::Scalar { .. } if self.is_null() => "null",
            Value::Scalar { text, plain: true } if parse_bool(text).is_some() => "a boolean",
            Value::Scalar { text, plain: true } if parse_int(text).is_some() => "an integer",
            Value::Scalar { text, plain: true } if text.parse::<f64>().is_ok() => "a number",
            Value::Scalar { .. } => "a string",
        }
    }
}

pub fn parse_bool(t: &str) -> Option<bool> {
    match t {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

pub fn parse_int(t: &str) -> Option<i64> {
    let t = t.strip_prefix('+').unwrap_or(t);
    if let Some(h) = t.strip_prefix("0x") {
        return i64::from_str_radix(h, 16).ok();
    }
    if let Some(o) = t.strip_prefix("0o") {
        return i64::from_str_radix(o, 8).ok();
    }
    t.parse::<i64>().ok()
}

/// Why a document could not be turned into a tree.
#[derive(Debug, Clone, PartialEq)]
pub enum TreeError {
    Syntax {
        message: String,
        span: Span,
    },
    Empty,
    DuplicateKey {
        key: String,
        span: Span,
        first: Span,
    },
    MultipleDocuments {
        span: Span,
    },
    /// The document exceeds one of the reader's [`Limit`]s, first at `span`.
    Limit {
        limit: Limit,
        span: Span,
    },
    UnknownAlias {
        span: Span,
    },
    ComplexKey {
        span: Span,
    },
}

/// The reader's bounds. They keep hostile input from crashing (a stack
/// overflow kills a WebAssembly page), hanging or exhausting memory; a real
/// spec (2,000 workloads is about 50,000 nodes and 500 KB) is far below each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Bytes of the document.
    DocumentBytes,
    /// Nesting of lists and mappings, aliases expanded.
    Depth,
    /// Keys of one mapping.
    KeysInMapping,
    /// Nodes (scalars, lists, mappings) of the document, aliases expanded.
    Nodes,
    /// Bytes of scalar text (plus one per node), aliases expanded: a 1 MB
    /// string referenced a thousand times is a gigabyte.
    ExpandedBytes,
}

pub const MAX_DOCUMENT_BYTES: usize = 4 * 1024 * 1024;
pub const MAX_DEPTH: usize = 64;
pub const MAX_KEYS_IN_MAPPING: usize = 10_000;

/// From this many keys on, a mapping's keys are found by hash for the
/// duplicate check; below it, by a scan.
const INDEXED_KEYS: usize = 16;
pub const MAX_NODES: usize = 250_000;
pub const MAX_EXPANDED_BYTES: usize = 16 * 1024 * 1024;

impl Limit {
    pub const ALL: [Limit; 5] = [
        Limit::DocumentBytes,
        Limit::Depth,
        Limit::KeysInMapping,
        Limit::Nodes,
        Limit::ExpandedBytes,
    ];

    pub fn value(self) -> usize {
        match self {
            Limit::DocumentBytes => MAX_DOCUMENT_BYTES,
            Limit::Depth => MAX_DEPTH,
            Limit::KeysInMapping => MAX_KEYS_IN_MAPPING,
            Limit::Nodes => MAX_NODES,
            Limit::ExpandedBytes => MAX_EXPANDED_BYTES,
        }
    }

    /// What is bounded, in words ("levels of nesting").
    pub fn what(self) -> &'static str {
        match self {
            Limit::DocumentBytes => "bytes in the document",
            Limit::Depth => "levels of nesting (lists and mappings, aliases expanded)",
            Limit::KeysInMapping => "keys in one mapping",
            Limit::Nodes => {
                "values in the document (scalars, lists and mappings, aliases expanded)"
            }
            Limit::ExpandedBytes => {
                "bytes of text after expanding aliases (scalar text, plus one per value)"
            }
        }
    }
}

fn span_of(s: &YSpan) -> Span {
    Span {
        start: s.start.index(),
        end: s.end.index(),
        line: s.start.line() as u32,
        col: s.start.col() as u32,
        end_line: s.end.line() as u32,
        end_col: s.end.col() as u32,
    }
}

/// The span of the character at byte `at` of `src` (the first byte past a
/// limit), with its line (1-based) and column (0-based, in characters).
pub fn span_at(src: &str, at: usize) -> Span {
    let mut at = at.min(src.len());
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    let before = &src[..at];
    let line = 1 + before.bytes().filter(|b| *b == b'\n').count() as u32;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32;
    let width = src[at..].chars().next().map_or(0, char::len_utf8);
    Span {
        start: at,
        end: at + width,
        line,
        col,
        end_line: line,
        end_col: col + u32::from(width > 0),
    }
}

/// What a finished node adds to the document's totals; kept for anchored
/// nodes so that each alias of them adds it again.
#[derive(Clone, Copy)]
struct Weight {
    /// Levels of nesting of the node itself (a scalar is 1).
    height: usize,
    nodes: usize,
    bytes: usize,
}

/// A list or mapping being read.
struct Frame<'s> {
    body: Body<'s>,
    span: Span,
    anchor: usize,
    /// The tallest child so far.
    child_height: usize,
    /// The document's totals when the collection began.
    nodes_before: usize,
    bytes_before: usize,
}

enum Body<'s> {
    Seq(Vec<Node<'s>>),
    Map {
        entries: Vec<(Key<'s>, Node<'s>)>,
        /// The key read, waiting for its value, and whether it is new.
        pending: Option<(Key<'s>, bool)>,
        /// Each key's first place, for duplicates in constant time in a
        /// wide mapping; filled only once the mapping has [`INDEXED_KEYS`]
        /// keys (scanning a few keys costs less than hashing each one).
        index: HashMap<Cow<'s, str>, Span>,
    },
}

/// The running totals of the document against the limits.
struct Totals {
    nodes: usize,
    bytes: usize,
}

impl Totals {
    fn add(&mut self, w: Weight, span: Span) -> Result<(), TreeError> {
        self.nodes += w.nodes;
        self.bytes += w.bytes;
        if self.nodes > MAX_NODES {
            return Err(TreeError::Limit {
                limit: Limit::Nodes,
                span,
            });
        }
        if self.bytes > MAX_EXPANDED_BYTES {
            return Err(TreeError::Limit {
                limit: Limit::ExpandedBytes,
                span,
            });
        }
        Ok(())
    }
}

/// Parse one YAML document into a tree with saphyr-parser. Returns the root
/// and any duplicate-key errors (which do not stop parsing). Tree building is
/// a loop over parser events with an explicit stack (no recursion), and every
/// [`Limit`] is checked as the events arrive.
pub fn parse(src: &str) -> Result<(Node<'_>, Vec<TreeError>), TreeError> {
    parse_counted(src).map(|(root, soft, _)| (root, soft))
}

/// What [`parse_counted`] saw of a document besides its tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// An anchor or an alias occurred: the tree is not a plain function of
    /// each part's text (see `spec::reparse`).
    pub aliased: bool,
    /// The document's totals against [`Limit::Nodes`] and
    /// [`Limit::ExpandedBytes`].
    pub nodes: usize,
    pub bytes: usize,
}

/// [`parse`], and the document's [`Facts`].
pub fn parse_counted(src: &str) -> Result<(Node<'_>, Vec<TreeError>, Facts), TreeError> {
    if src.len() > MAX_DOCUMENT_BYTES {
        return Err(TreeError::Limit {
            limit: Limit::DocumentBytes,
            span: span_at(src, MAX_DOCUMENT_BYTES),
        });
    }
    let mut parser = Parser::new_from_str(src);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut anchors: HashMap<usize, (Node, Weight)> = HashMap::new();
    let mut soft = Vec::new();
    let mut totals = Totals { nodes: 0, bytes: 0 };
    let mut docs = 0usize;
    let mut aliased = false;
    loop {
        let (ev, ys) = match parser.next() {
            None => break,
            Some(Ok(x)) => x,
            Some(Err(e)) => {
                let m = e.marker();
                let span = Span {
                    start: m.index(),
                    end: m.index() + 1,
                    line: m.line() as u32,
                    col: m.col() as u32,
                    end_line: m.line() as u32,
                    end_col: m.col() as u32 + 1,
                };
                return Err(TreeError::Syntax {
                    message: e.info().to_string(),
                    span,
                });
            }
        };
        let span = span_of(&ys);
        aliased |= matches!(ev, Event::Alias(_));
        let finished: Option<(Node, usize, Weight)> = match ev {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => None,
            Event::DocumentStart(_) => {
                docs += 1;
                if docs > 1 {
                    return Err(TreeError::MultipleDocuments { span });
                }
                None
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some((n, w)) => {
                    if stack.len() + w.height > MAX_DEPTH {
                        return Err(TreeError::Limit {
                            limit: Limit::Depth,
                            span,
                        });
                    }
                    // Counted before the copy is made.
                    totals.add(*w, span)?;
                    let node = Node {
                        value: n.value.clone(),
                        span,
                    };
                    Some((node, 0, *w))
                }
                None => return Err(TreeError::UnknownAlias { span }),
            },
            Event::Scalar(text, style, anchor, _tag) => {
                let w = Weight {
                    height: 1,
                    nodes: 1,
                    bytes: text.len() + 1,
                };
                totals.add(w, span)?;
                let node = Node {
                    value: Value::Scalar {
                        text,
                        plain: style == ScalarStyle::Plain,
                    },
                    span,
                };
                Some((node, anchor, w))
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(TreeError::Limit {
                        limit: Limit::Depth,
                        span,
                    });
                }
                totals.add(
                    Weight {
                        height: 1,
                        nodes: 1,
                        bytes: 1,
                    },
                    span,
                )?;
                let body = if matches!(ev, Event::SequenceStart(..)) {
                    Body::Seq(Vec::new())
                } else {
                    Body::Map {
                        entries: Vec::new(),
                        pending: None,
                        index: HashMap::new(),
                    }
                };
                stack.push(Frame {
                    body,
                    span,
                    anchor,
                    child_height: 0,
                    nodes_before: totals.nodes - 1,
                    bytes_before: totals.bytes - 1,
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = stack.pop() else {
                    return Err(TreeError::Syntax {
                        message: "unbalanced collection".into(),
                        span,
                    });
                };
                let mut s = frame.span;
                s.end = span.end;
                s.end_line = span.end_line;
                s.end_col = span.end_col;
                let value = match frame.body {
                    Body::Seq(items) => Value::Seq(items),
                    Body::Map { entries, .. } => Value::Map(entries),
                };
                let w = Weight {
                    height: frame.child_height + 1,
                    nodes: totals.nodes - frame.nodes_before,
                    bytes: totals.bytes - frame.bytes_before,
                };
                Some((Node { value, span: s }, frame.anchor, w))
            }
        };
        let Some((node, anchor, weight)) = finished else {
            continue;
        };
        if anchor != 0 {
            aliased = true;
            anchors.insert(anchor, (node.clone(), weight));
        }
        let Some(parent) = stack.last_mut() else {
            root = Some(node);
            continue;
        };
        parent.child_height = parent.child_height.max(weight.height);
        match &mut parent.body {
            Body::Seq(items) => items.push(node),
            Body::Map {
                entries,
                pending,
                index,
            } => match pending.take() {
                None => {
                    let Value::Scalar { text, .. } = node.value else {
                        return Err(TreeError::ComplexKey { span: node.span });
                    };
                    let key = Key {
                        name: text,
                        span: node.span,
                    };
                    // `entries` holds every key read so far but this one.
                    let indexed = entries.len() >= INDEXED_KEYS;
                    let first = if indexed {
                        if index.is_empty() {
                            index.extend(entries.iter().map(|(k, _)| (k.name.clone(), k.span)));
                        }
                        index.get(&key.name).copied()
                    } else {
                        entries
                            .iter()
                            .find(|(k, _)| k.name == key.name)
                            .map(|(k, _)| k.span)
                    };
                    let new = match first {
                        Some(first) => {
                            soft.push(TreeError::DuplicateKey {
                                key: key.name.to_string(),
                                span: key.span,
                                first,
                            });
                            false
                        }
                        None => {
                            if entries.len() >= MAX_KEYS_IN_MAPPING {
                                return Err(TreeError::Limit {
                                    limit: Limit::KeysInMapping,
                                    span: key.span,
                                });
                            }
                            if indexed {
                                index.insert(key.name.clone(), key.span);
                            }
                            true
                        }
                    };
                    *pending = Some((key, new));
                }
                // A duplicate key keeps its first value.
                Some((key, new)) => {
                    if new {
                        entries.push((key, node));
                    }
                }
            },
        }
    }
    let facts = Facts {
        aliased,
        nodes: totals.nodes,
        bytes: totals.bytes,
    };
    match root {
        None => Err(TreeError::Empty),
        Some(n) if n.is_null() => Err(TreeError::Empty),
        Some(n) => Ok((n, soft, facts)),
    }
}

impl Node<'_> {
    /// The same tree, owning its text.
    pub fn to_owned_tree(&self) -> Node<'static> {
        let value = match &self.value {
            Value::Scalar { text, plain } => Value::Scalar {
                text: Cow::Owned(text.to_string()),
                plain: *plain,
            },
            Value::Seq(items) => Value::Seq(items.iter().map(Node::to_owned_tree).collect()),
            Value::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|(k, v)| {
                        let key = Key {
                            name: Cow::Owned(k.name.to_string()),
                            span: k.span,
                        };
                        (key, v.to_owned_tree())
                    })
                    .collect(),
            ),
        };
        Node {
            value,
            span: self.span,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_kept() {
        let (n, soft) = parse("a: 1\nb:\n  - x\n  - \"y\"\n").expect("parses");
        assert!(soft.is_empty());
        let Value::Map(m) = &n.value else {
            panic!("map expected")
        };
        assert_eq!(m[1].0.name, "b");
        let Value::Seq(items) = &m[1].1.value else {
            panic!("seq expected")
        };
        assert_eq!(items[1].span.line, 4);
        assert_eq!(items[1].span.col, 4);
        assert_eq!(
            items[1].value,
            Value::Scalar {
                text: "y".into(),
                plain: false
            }
        );
    }

    #[test]
    fn json_is_yaml() {
        let (n, _) = parse("{\"a\": [1, 2], \"b\": {\"c\": true}}").expect("parses");
        assert!(matches!(n.value, Value::Map(ref m) if m.len() == 2));
    }

    #[test]
    fn duplicate_keys_are_reported() {
        let (_, soft) = parse("a: 1\na: 2\n").expect("parses");
        assert!(
            matches!(&soft[0], TreeError::DuplicateKey { key, span, .. } if key == "a" && span.line == 2)
        );
    }

    #[test]
    fn empty_and_syntax_errors() {
        assert_eq!(parse("").unwrap_err(), TreeError::Empty);
        assert_eq!(parse("# only a comment\n").unwrap_err(), TreeError::Empty);
        assert!(matches!(
            parse("a: [1, 2\n").unwrap_err(),
            TreeError::Syntax { .. }
        ));
    }

    #[test]
    fn aliases_expand_but_bombs_stop() {
        let (n, _) = parse("a: &x {k: v}\nb: *x\n").expect("parses");
        let Value::Map(m) = &n.value else { panic!() };
        assert_eq!(m[0].1.value, m[1].1.value);
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            bomb.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert!(matches!(
            parse(&bomb).unwrap_err(),
            TreeError::Limit {
                limit: Limit::Nodes,
                ..
            }
        ));
    }

    fn limit_of(src: &str) -> Option<(Limit, u32)> {
        match parse(src) {
            Err(TreeError::Limit { limit, span }) => Some((limit, span.line)),
            _ => None,
        }
    }

    #[test]
    fn nesting_is_bounded_without_recursion() {
        // 20,000 levels used to overflow the stack; saphyr's scanner stops
        // flow nesting at its own bound (a syntax error, located) before
        // the tree's bound is reached.
        let deep = format!("a: {}", "[".repeat(20_000));
        assert!(
            matches!(parse(&deep), Err(TreeError::Syntax { span, .. }) if span.line == 1),
            "{:?}",
            parse(&deep).err()
        );
        let deep = format!("a: {}", "[".repeat(100));
        assert_eq!(limit_of(&deep), Some((Limit::Depth, 1)));
        let deep_maps = (0..100).fold(String::new(), |s, i| {
            format!("{s}{}k{i}:\n", "  ".repeat(i))
        });
        assert_eq!(limit_of(&deep_maps).map(|l| l.0), Some(Limit::Depth));
        // At the limit exactly, it reads.
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        // An alias may not carry a deep value deeper than the limit.
        let half = MAX_DEPTH / 2 + 2;
        let aliased = format!(
            "a: &x {}{}\nb: {}*x{}\n",
            "[".repeat(half),
            "]".repeat(half),
            "[".repeat(half),
            "]".repeat(half)
        );
        assert_eq!(limit_of(&aliased), Some((Limit::Depth, 2)));
    }

    #[test]
    fn wide_mappings_are_linear_and_bounded() {
        let wide: String = (0..MAX_KEYS_IN_MAPPING)
            .map(|i| format!("k{i}: v\n"))
            .collect();
        let started = std::time::Instant::now();
        let src = format!("{wide}k7: again\n");
        let (n, soft) = parse(&src).expect("parses");
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
        assert!(matches!(n.value, Value::Map(ref m) if m.len() == MAX_KEYS_IN_MAPPING));
        assert!(
            matches!(&soft[..], [TreeError::DuplicateKey { key, first, .. }] if key == "k7" && first.line == 8)
        );
        let wider = format!("{wide}one: more\n");
        assert_eq!(
            limit_of(&wider),
            Some((Limit::KeysInMapping, MAX_KEYS_IN_MAPPING as u32 + 1))
        );
    }

    #[test]
    fn aliases_are_bounded_by_expanded_size() {
        // Few nodes, many bytes: a 1 MB string referenced 20 times.
        let big = "x".repeat(1_000_000);
        let refs = vec!["*s"; 20].join(", ");
        let src = format!("a: &s {big}\nb: [{refs}]\n");
        assert_eq!(limit_of(&src), Some((Limit::ExpandedBytes, 2)));
        // Referenced a few times, it reads.
        let src = format!("a: &s {big}\nb: [*s, *s]\n");
        assert!(parse(&src).is_ok());
    }

    #[test]
    fn documents_are_bounded_in_size() {
        let src = format!("a: {}\nb: c\n", "x".repeat(MAX_DOCUMENT_BYTES));
        assert_eq!(limit_of(&src), Some((Limit::DocumentBytes, 1)));
    }
}
