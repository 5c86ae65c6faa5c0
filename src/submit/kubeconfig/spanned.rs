//! A small spanned walker over saphyr-parser's events, for the kubeconfig
//! edit: each node with its byte range and the events it spans, and the file
//! as kubectl reads it (YAML 1.1 scalars). `spec::tree` serves the spec
//! language (YAML 1.2, diagnostics); this keeps what an exact text edit
//! needs.

use super::edit::EditError;
use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Value};

/// Deeper than any kubeconfig nests (exec args, extensions); bounds the
/// recursion of the walker on hostile input.
const MAX_DEPTH: usize = 64;

/// A parsed node: where it is (bytes) and which events it spans.
#[derive(Debug)]
pub(super) struct Node {
    pub(super) kind: Kind,
    /// Byte offset of the node's first character.
    pub(super) start: usize,
    /// Byte offset just past its last character (for block collections, the
    /// end of their last child; trailing comments are not part of it).
    pub(super) end: usize,
    /// Index range of its events in [`Doc::events`].
    pub(super) events: std::ops::Range<usize>,
    /// Anchored or tagged: editing inside it would change what refers to it.
    pub(super) decorated: bool,
}

#[derive(Debug)]
pub(super) enum Kind {
    Scalar {
        value: String,
        style: ScalarStyle,
    },
    Seq {
        items: Vec<Node>,
        flow: bool,
    },
    Map {
        entries: Vec<(Node, Node)>,
        flow: bool,
    },
    Alias(usize),
}

pub(super) struct Doc<'a> {
    pub(super) events: Vec<Event<'a>>,
    pub(super) root: Option<Node>,
}

pub(super) fn parse_doc(text: &str) -> Result<Doc<'_>, EditError> {
    // Markers count characters; edits need bytes.
    let mut byte_of: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    byte_of.push(text.len());
    let at = |chars: usize| byte_of.get(chars).copied().unwrap_or(text.len());
    let mut events = Vec::new();
    let mut spans = Vec::new();
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| {
            EditError::Syntax(format!(
                "{} at line {} column {}",
                e.info(),
                e.marker().line(),
                e.marker().col() + 1
            ))
        })?;
        spans.push((at(span.start.index()), at(span.end.index())));
        events.push(event);
    }
    let mut walker = Walker {
        text,
        events: &events,
        spans: &spans,
        next: 0,
    };
    let mut root = None;
    let mut documents = 0;
    while walker.next < events.len() {
        match &events[walker.next] {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(EditError::Layout(
                        "the file holds more than one YAML document".into(),
                    ));
                }
                walker.next += 1;
                root = Some(walker.node(0)?);
            }
            _ => walker.next += 1,
        }
    }
    Ok(Doc { events, root })
}

struct Walker<'w, 'a> {
    text: &'w str,
    events: &'w [Event<'a>],
    spans: &'w [(usize, usize)],
    next: usize,
}

impl Walker<'_, '_> {
    fn node(&mut self, depth: usize) -> Result<Node, EditError> {
        if depth > MAX_DEPTH {
            return Err(EditError::Layout(format!(
                "it nests deeper than {MAX_DEPTH} levels"
            )));
        }
        let first = self.next;
        let (start, end) = self.spans.get(first).copied().unwrap_or_default();
        self.next += 1;
        let opens_flow = |b: u8| self.text.as_bytes().get(start) == Some(&b);
        let (kind, decorated, end) = match self.events.get(first) {
            Some(Event::Scalar(value, style, anchor, tag)) => (
                Kind::Scalar {
                    value: value.to_string(),
                    style: *style,
                },
                *anchor != 0 || tag.is_some(),
                end,
            ),
            Some(Event::Alias(id)) => (Kind::Alias(*id), false, end),
            Some(Event::SequenceStart(anchor, tag)) => {
                let flow = opens_flow(b'[');
                let mut items = Vec::new();
                while !matches!(self.events.get(self.next), Some(Event::SequenceEnd) | None) {
                    items.push(self.node(depth + 1)?);
                }
                let close = self.close(flow, start, items.last().map(|n| n.end));
                (
                    Kind::Seq { items, flow },
                    *anchor != 0 || tag.is_some(),
                    close,
                )
            }
            Some(Event::MappingStart(anchor, tag)) => {
                let flow = opens_flow(b'{');
                let mut entries = Vec::new();
                while !matches!(self.events.get(self.next), Some(Event::MappingEnd) | None) {
                    let key = self.node(depth + 1)?;
                    let value = self.node(depth + 1)?;
                    entries.push((key, value));
                }
                let last = entries.last().map(|(k, v)| k.end.max(v.end));
                let close = self.close(flow, start, last);
                (
                    Kind::Map { entries, flow },
                    *anchor != 0 || tag.is_some(),
                    close,
                )
            }
            other => {
                return Err(EditError::Syntax(format!(
                    "unexpected YAML event {other:?}"
                )))
            }
        };
        Ok(Node {
            kind,
            start,
            end,
            events: first..self.next,
            decorated,
        })
    }

    /// Consume a collection's end event; returns the collection's end byte.
    fn close(&mut self, flow: bool, start: usize, last_child: Option<usize>) -> usize {
        // A flow collection ends just past its `]` or `}` (the end event's
        // span may reach further).
        let end_event =
            self.spans
                .get(self.next)
                .map(|&(s, e)| match self.text.as_bytes().get(s) {
                    Some(b']' | b'}') => s + 1,
                    _ => e,
                });
        self.next += 1;
        if flow {
            end_event.unwrap_or(start)
        } else {
            last_child.unwrap_or(start)
        }
    }
}

impl Node {
    pub(super) fn scalar(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } if !self.decorated => Some(value),
            _ => None,
        }
    }

    /// A plain scalar YAML reads as null (`clusters:` with nothing after it).
    pub(super) fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { value, style: ScalarStyle::Plain }
            if !self.decorated && matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The `name:` of a list entry.
    pub(super) fn entry_name(&self) -> Option<&str> {
        let Kind::Map { entries, .. } = &self.kind else {
            return None;
        };
        entries
            .iter()
            .find(|(k, _)| k.scalar() == Some("name"))
            .and_then(|(_, v)| v.scalar())
    }
}

/// The file as kubectl reads it (YAML 1.1 scalars, as sigs.k8s.io/yaml
/// does: `yes` and `on` are booleans), for checking and tests.
pub(super) fn read(text: &str) -> Result<Value, String> {
    let doc = parse_doc(text).map_err(|e| e.to_string())?;
    let v = to_json(&doc)?;
    match v {
        Value::Null => Ok(Value::Object(Map::new())),
        Value::Object(_) => Ok(v),
        _ => Err("not a mapping".into()),
    }
}

pub(super) fn to_json(doc: &Doc) -> Result<Value, String> {
    let mut anchors = std::collections::HashMap::new();
    match &doc.root {
        None => Ok(Value::Null),
        Some(root) => node_json(doc, root, &mut anchors),
    }
}

fn node_json(
    doc: &Doc,
    node: &Node,
    anchors: &mut std::collections::HashMap<usize, Value>,
) -> Result<Value, String> {
    let v = match &node.kind {
        Kind::Alias(id) => {
            return anchors
                .get(id)
                .cloned()
                .ok_or_else(|| format!("unknown alias {id}"))
        }
        Kind::Scalar { value, style } => {
            if *style == ScalarStyle::Plain {
                yaml11_plain(value)
            } else {
                Value::String(value.clone())
            }
        }
        Kind::Seq { items, .. } => Value::Array(
            items
                .iter()
                .map(|i| node_json(doc, i, anchors))
                .collect::<Result<_, _>>()?,
        ),
        Kind::Map { entries, .. } => {
            let mut m = Map::new();
            for (k, v) in entries {
                let key = match node_json(doc, k, anchors)? {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                m.insert(key, node_json(doc, v, anchors)?);
            }
            Value::Object(m)
        }
    };
    let anchor = match doc.events.get(node.events.start) {
        Some(
            Event::Scalar(_, _, a, _) | Event::SequenceStart(a, _) | Event::MappingStart(a, _),
        ) => *a,
        _ => 0,
    };
    if anchor != 0 {
        anchors.insert(anchor, v.clone());
    }
    Ok(v)
}

/// A plain scalar typed as go-yaml v2 (YAML 1.1) types it.
fn yaml11_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Value::Bool(false)
        }
        _ => s
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(s.to_string())),
    }
}
