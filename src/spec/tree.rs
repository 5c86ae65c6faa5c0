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
    TooLarge {
        span: Span,
    },
    UnknownAlias {
        span: Span,
    },
    ComplexKey {
        span: Span,
    },
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

/// Aliases are expanded; this many nodes in total is plenty for any spec and
/// stops "billion laughs" documents.
pub(super) const MAX_NODES: usize = 1_000_000;

/// The reader's limits, as the language reference states them.
pub const LIMITS: &[(&str, &str)] = &[("Nodes after alias expansion", "1,000,000")];

enum Frame<'s> {
    Seq(Vec<Node<'s>>, Span, usize),
    Map(
        Vec<(Key<'s>, Node<'s>)>,
        Option<(Key<'s>, bool)>,
        Span,
        usize,
    ),
}

/// A mapping key arrives: report it if the mapping has it already. Returns
/// whether it is new (a duplicate key keeps its first value, so the caller
/// drops the duplicate's).
fn note_key(items: &[(Key, Node)], key: &Key, soft: &mut Vec<TreeError>) -> bool {
    match items.iter().find(|(k, _)| k.name == key.name) {
        Some((k, _)) => {
            soft.push(TreeError::DuplicateKey {
                key: key.name.to_string(),
                span: key.span,
                first: k.span,
            });
            false
        }
        None => true,
    }
}

/// Parse one YAML document into a tree with saphyr-parser. Returns the root
/// and any duplicate-key errors (which do not stop parsing).
pub fn parse(src: &str) -> Result<(Node<'_>, Vec<TreeError>), TreeError> {
    let mut parser = Parser::new_from_str(src);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut soft = Vec::new();
    let mut count = 0usize;
    let mut docs = 0usize;
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
        let finished: Option<(Node, usize)> = match ev {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => None,
            Event::DocumentStart(_) => {
                docs += 1;
                if docs > 1 {
                    return Err(TreeError::MultipleDocuments { span });
                }
                None
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(n) => {
                    count += count_nodes(n);
                    Some((
                        Node {
                            value: n.value.clone(),
                            span,
                        },
                        0,
                    ))
                }
                None => return Err(TreeError::UnknownAlias { span }),
            },
            Event::Scalar(text, style, anchor, _tag) => Some((
                Node {
                    value: Value::Scalar {
                        text,
                        plain: style == ScalarStyle::Plain,
                    },
                    span,
                },
                anchor,
            )),
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq(Vec::new(), span, anchor));
                None
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map(Vec::new(), None, span, anchor));
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(items, mut s, anchor)) => {
                    s.end = span.end;
                    s.end_line = span.end_line;
                    s.end_col = span.end_col;
                    Some((
                        Node {
                            value: Value::Seq(items),
                            span: s,
                        },
                        anchor,
                    ))
                }
                _ => {
                    return Err(TreeError::Syntax {
                        message: "unbalanced sequence".into(),
                        span,
                    })
                }
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(items, _, mut s, anchor)) => {
                    s.end = span.end;
                    s.end_line = span.end_line;
                    s.end_col = span.end_col;
                    Some((
                        Node {
                            value: Value::Map(items),
                            span: s,
                        },
                        anchor,
                    ))
                }
                _ => {
                    return Err(TreeError::Syntax {
                        message: "unbalanced mapping".into(),
                        span,
                    })
                }
            },
        };
        let Some((node, anchor)) = finished else {
            continue;
        };
        count += 1;
        if count > MAX_NODES {
            return Err(TreeError::TooLarge { span: node.span });
        }
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq(items, ..)) => items.push(node),
            Some(Frame::Map(items, pending, ..)) => match pending.take() {
                None => {
                    let Value::Scalar { text, .. } = node.value else {
                        return Err(TreeError::ComplexKey { span: node.span });
                    };
                    let key = Key {
                        name: text,
                        span: node.span,
                    };
                    let new = note_key(items, &key, &mut soft);
                    *pending = Some((key, new));
                }
                Some((key, new)) => {
                    if new {
                        items.push((key, node));
                    }
                }
            },
        }
    }
    match root {
        None => Err(TreeError::Empty),
        Some(n) if n.is_null() => Err(TreeError::Empty),
        Some(n) => Ok((n, soft)),
    }
}

fn count_nodes(n: &Node<'_>) -> usize {
    match &n.value {
        Value::Scalar { .. } => 1,
        Value::Seq(v) => 1 + v.iter().map(count_nodes).sum::<usize>(),
        Value::Map(v) => 1 + v.iter().map(|(_, n)| count_nodes(n)).sum::<usize>(),
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
            TreeError::TooLarge { .. }
        ));
    }
}
