//! Decoding a positioned tree into the typed [`Spec`].
//!
//! The rules are not restated here: the tree is checked against the JSON
//! Schema generated from the types ([`super::schema`]), every structural
//! mistake is collected (wrong types, unknown or missing fields, bad enum
//! values, numbers out of range, the apiVersion and kind) instead of stopping
//! at the first, and each bad value is replaced by a placeholder of its
//! schema type with its path recorded as poisoned (that check is
//! [`schema_check`]). The checked value is then deserialized into the types
//! ([`super::typed`]).

use super::reparse::Tree;
use super::rules::RuleId;
use super::tree::{self, Limit, Node, TreeError, Value};
use super::{schema, Spec, API_VERSION, KIND};
use crate::diag::{codes, Pending, Severity, Span};
use serde_json::Value as Json;

/// Where each field of the spec came from: the positioned tree itself,
/// searched by path (`workloads[1].ports[0].name`) only when a diagnostic
/// needs a place. Nothing is recorded while decoding.
#[derive(Debug, Default, Clone)]
pub struct SpanMap<'s> {
    root: Option<Tree<'s>>,
}

impl SpanMap<'_> {
    /// The value's span at `path`, or the nearest enclosing one found.
    pub fn get(&self, path: &str) -> Option<Span> {
        let mut node = self.root.as_ref()?.node();
        let mut rest = path;
        // A key follows a '.', and starts a non-empty path; it may be empty
        // (`metadata.labels.` names the label whose key is "").
        let mut key_next = !rest.is_empty() && !rest.starts_with('[');
        loop {
            if let Some(r) = rest.strip_prefix('.') {
                rest = r;
                key_next = true;
            }
            if rest.is_empty() && !key_next {
                return Some(node.span);
            }
            key_next = false;
            let next = if let Some(r) = rest.strip_prefix('[') {
                let close = r.find(']')?;
                let i: usize = r[..close].parse().ok()?;
                match &node.value {
                    Value::Seq(items) => items.get(i).map(|n| (n, &r[close + 1..])),
                    _ => None,
                }
            } else {
                match &node.value {
                    // Keys may contain dots (`app.kubernetes.io/name`): take the longest match.
                    Value::Map(entries) => entries
                        .iter()
                        .filter(|(k, _)| {
                            rest.starts_with(&*k.name)
                                && matches!(
                                    rest.as_bytes().get(k.name.len()),
                                    None | Some(b'.' | b'[')
                                )
                        })
                        .max_by_key(|(k, _)| k.name.len())
                        .map(|(k, v)| (v, &rest[k.name.len()..])),
                    _ => None,
                }
            };
            match next {
                Some((n, r)) => {
                    node = n;
                    rest = r;
                }
                None => return Some(node.span),
            }
        }
    }
}

/// The result of decoding: a spec with placeholders in place of anything that
/// was wrong, the positions, the diagnostics, and the paths whose values were
/// wrong (later checks stay quiet there, to avoid cascades).
pub struct Decoded<'s> {
    pub spec: Spec,
    pub spans: SpanMap<'s>,
    pub diagnostics: Vec<Pending>,
    pub poisoned: Vec<String>,
    /// False when the document could not be read as a spec at all (a syntax
    /// error, or a top level that is not a mapping): nothing else is checked.
    pub parsed: bool,
}

/// A field's path, built on the stack and turned into text only when a
/// diagnostic needs it.
#[derive(Clone, Copy)]
pub enum FieldPath<'a> {
    Root,
    Field(&'a FieldPath<'a>, &'a str),
    Item(&'a FieldPath<'a>, usize),
}

impl std::fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldPath::Root => Ok(()),
            FieldPath::Field(FieldPath::Root, k) => f.write_str(k),
            FieldPath::Field(parent, k) => write!(f, "{parent}.{k}"),
            FieldPath::Item(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

impl FieldPath<'_> {
    /// The path as a diagnostic's message names it.
    fn display(&self) -> String {
        match self {
            FieldPath::Root => "the spec".to_string(),
            p => p.to_string(),
        }
    }

    /// The last field name (`apiVersion` for `apiVersion`).
    fn field_name(&self) -> &str {
        match self {
            FieldPath::Field(_, k) => k,
            _ => "",
        }
    }
}

/// What a preview keeps of the previous decode: each `workloads` item that
/// had no mistake, as its tree (spans aside, the checked value depends on
/// nothing else) and its typed value. Typing changes one workload; the
/// others, equal to the same item of the previous decode, are neither
/// checked nor deserialized again.
#[derive(Debug, Default)]
pub struct DecodeMemo {
    workloads: Vec<Option<(Node<'static>, RuleId, super::Workload)>>,
    /// The previous parse, for re-reading only the workload typed into.
    tree: super::reparse::TreeMemo,
}

mod scalar;
mod schema_check;
pub(super) use scalar::reads_as_string;
pub(super) use schema_check::{enum_values, required};
use schema_check::{Item, SchemaChecker};

/// A spec's bytes as text. Invalid UTF-8 is a located error: the `Err` holds
/// a lossy copy of the text (its bytes are the source's up to the first bad
/// byte, so the span is right in both) and the diagnostic at that byte.
pub fn utf8_text(bytes: &[u8]) -> Result<&str, Box<(String, Pending)>> {
    let error = match std::str::from_utf8(bytes) {
        Ok(text) => return Ok(text),
        Err(e) => e,
    };
    let bad = error.valid_up_to();
    let lossy = String::from_utf8_lossy(bytes).into_owned();
    let span = tree::span_at(&lossy, bad);
    let byte = bytes.get(bad).copied().unwrap_or_default();
    let diagnostic = Pending {
        code: codes::SYNTAX,
        severity: Severity::Error,
        message: format!(
            "the spec is not valid UTF-8: byte 0x{byte:02x} cannot start or continue a character"
        ),
        path: String::new(),
        span: Some(span),
        help: Some("save the file as UTF-8".to_string()),
    };
    Err(Box::new((lossy, diagnostic)))
}

/// Parse and decode a spec.
pub fn decode(src: &str) -> Decoded<'_> {
    decode_memo(src, &mut None)
}

/// [`decode`], reusing the workloads `memo` kept of the previous decode (a
/// preview's), and keeping this one's there; without a memo, as `decode`.
pub fn decode_memo<'s>(src: &'s str, memo: &mut Option<DecodeMemo>) -> Decoded<'s> {
    let Some(m) = memo.as_mut() else {
        return decode_with(src, None).0;
    };
    let (decoded, kept) = decode_with(src, Some(m));
    if decoded.parsed || kept.is_some() {
        m.workloads = kept.unwrap_or_default();
    }
    decoded
}

type Kept = Vec<Option<(Node<'static>, RuleId, super::Workload)>>;

/// The decode, and with a memo, the workloads to keep for the next one.
fn decode_with<'s>(src: &'s str, mut memo: Option<&mut DecodeMemo>) -> (Decoded<'s>, Option<Kept>) {
    let mut diagnostics = Vec::new();
    let unparsed = |diagnostics| Decoded {
        spec: Spec::default(),
        spans: SpanMap::default(),
        diagnostics,
        poisoned: Vec::new(),
        parsed: false,
    };
    let parsed = match &mut memo {
        Some(m) => m.tree.parse(src),
        None => tree::parse(src).map(|(root, soft)| (Tree::Parsed(root), soft)),
    };
    let tree = match parsed {
        Ok((tree, soft)) => {
            diagnostics.extend(soft.into_iter().map(tree_error));
            tree
        }
        Err(e) => {
            diagnostics.push(tree_error(e));
            return (unparsed(diagnostics), None);
        }
    };
    let root = tree.node();
    // The top-level `workloads` items, when there is one such key.
    let items = match &root.value {
        Value::Map(entries) => {
            let mut w = entries.iter().filter(|(k, _)| k.name == "workloads");
            match (w.next(), w.next()) {
                (Some((_, n)), None) => match &n.value {
                    Value::Seq(items) => Some(items),
                    _ => None,
                },
                _ => None,
            }
        }
        _ => None,
    };
    let memo = memo.filter(|_| items.is_some());
    let root_schema = schema();
    let mut checker = SchemaChecker::new(root_schema, memo.as_deref());
    if !matches!(root.value, Value::Map(_)) {
        // A list or a scalar is not a spec: one error, and nothing follows from it.
        checker.wrong_type(root, root_schema, &FieldPath::Root);
        diagnostics.extend(checker.diagnostics);
        return (unparsed(diagnostics), None);
    }
    let mut checked = checker.value(root, checker.rules.root, &FieldPath::Root);
    diagnostics.extend(checker.diagnostics);
    let poisoned = checker.poisoned;
    let marks = checker.items;
    let item_rule = checker.item_rule;
    // With a memo: the workloads deserialized one by one (those reused: the
    // memo's), the rest of the spec without them.
    let mut typed: Option<Vec<super::Workload>> = None;
    if let (Some(m), Some(Json::Object(o))) = (&memo, Some(&mut checked)) {
        let array = matches!(o.get("workloads"), Some(Json::Array(_)));
        if let Some(Json::Array(values)) = o.remove("workloads").filter(|_| array) {
            let one = |(i, v): (usize, Json)| match marks.get(i) {
                Some(Item::Reused) => m.workloads.get(i)?.as_ref().map(|(_, _, w)| w.clone()),
                _ => super::typed::from_value::<super::Workload>(v).ok(),
            };
            typed = values.into_iter().enumerate().map(one).collect();
            if typed.is_none() {
                // Only a disagreement of the schema and the types gets here:
                // decode as if anew, which reports it.
                return (decode_with(src, None).0, None);
            }
        }
    }
    let (mut spec, parsed) = match super::typed::from_value::<Spec>(checked) {
        Ok(spec) => (spec, true),
        // The checked value has the schema's shape, which is the types'
        // shape; this is reached only if the two ever disagree.
        Err(e) => {
            if typed.is_some() {
                return (decode_with(src, None).0, None);
            }
            diagnostics.push(Pending {
                code: codes::WRONG_TYPE,
                severity: Severity::Error,
                message: format!("podwire could not read the checked spec: {e}"),
                path: String::new(),
                span: None,
                help: Some("please report this: the schema and the spec types disagree".into()),
            });
            (Spec::default(), false)
        }
    };
    let mut kept = None;
    if let (Some(m), Some(ws), Some(items), Some(id)) = (memo, typed, items, item_rule) {
        let mut old = std::mem::take(&mut m.workloads);
        kept = Some(
            (ws.iter().enumerate())
                .map(|(i, w)| match marks.get(i) {
                    Some(Item::Reused) => old.get_mut(i).and_then(Option::take),
                    Some(Item::Checked { clean: true }) => {
                        Some((items.get(i)?.to_owned_tree(), id, w.clone()))
                    }
                    _ => None,
                })
                .collect(),
        );
        spec.workloads = ws;
    }
    let decoded = Decoded {
        spec,
        spans: SpanMap { root: Some(tree) },
        diagnostics,
        poisoned,
        parsed,
    };
    (decoded, kept)
}

fn tree_error(e: TreeError) -> Pending {
    let (code, span, message, help) = match e {
        TreeError::Syntax { message, span } => (
            codes::SYNTAX,
            Some(span),
            format!("invalid YAML: {message}"),
            Some("check indentation, colons and quotes near here".to_string()),
        ),
        TreeError::Empty => (
            codes::EMPTY,
            None,
            "the spec is empty".to_string(),
            Some(format!(
                "start with `apiVersion: {API_VERSION}` and `kind: {KIND}`; see `podwire schema`"
            )),
        ),
        TreeError::DuplicateKey { key, span, first } => (
            codes::DUPLICATE_KEY,
            Some(span),
            format!(
                "duplicate key `{key}` (first defined on line {})",
                first.line
            ),
            Some("remove one of them; YAML mappings cannot repeat a key".to_string()),
        ),
        TreeError::MultipleDocuments { span } => (
            codes::MULTIPLE_DOCUMENTS,
            Some(span),
            "more than one YAML document: a spec is a single document".to_string(),
            Some("remove the `---` separator, or split into separate files".to_string()),
        ),
        TreeError::Limit { limit, span } => (
            codes::SYNTAX,
            Some(span),
            format!(
                "the document exceeds podwire's limit of {} {}",
                limit.value(),
                limit.what()
            ),
            Some(match limit {
                Limit::ExpandedBytes | Limit::Nodes => {
                    "aliases count once per reference; the limits are in docs/reference.md"
                        .to_string()
                }
                _ => "the limits are in docs/reference.md".to_string(),
            }),
        ),
        TreeError::UnknownAlias { span } => (
            codes::SYNTAX,
            Some(span),
            "unknown YAML alias".to_string(),
            None,
        ),
        TreeError::ComplexKey { span } => (
            codes::SYNTAX,
            Some(span),
            "mapping keys must be plain strings".to_string(),
            None,
        ),
    };
    Pending {
        code,
        severity: Severity::Error,
        message,
        path: String::new(),
        span,
        help,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes_of(src: &str) -> Vec<(&'static str, String)> {
        let mut d = decode(src).diagnostics;
        d.sort_by_key(|d| d.span.map(|s| s.start));
        d.into_iter().map(|d| (d.code, d.path)).collect()
    }

    #[test]
    fn unknown_field_suggests() {
        let d = decode("apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: a}\ngcp: {project: p, location: l}\ncluster:\n  nodePools:\n    - name: x\n      machineTyp: n1-standard-1\n");
        let u: Vec<_> = d
            .diagnostics
            .iter()
            .filter(|d| d.code == codes::UNKNOWN_FIELD)
            .collect();
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].path, "cluster.nodePools[0].machineTyp");
        assert_eq!(u[0].help.as_deref(), Some("did you mean `machineType`?"));
        assert_eq!(u[0].span.map(|s| (s.line, s.col)), Some((8, 6)));
        // ... and the missing machineType is reported too, in the same run.
        assert!(d.diagnostics.iter().any(
            |d| d.code == codes::MISSING_FIELD && d.path == "cluster.nodePools[0].machineType"
        ));
    }

    #[test]
    fn wrong_types_and_values_are_all_reported() {
        let c = codes_of("apiVersion: v1\nkind: AIWorkload\nmetadata: {name: a}\ngcp: {project: p, location: l}\ncluster:\n  dataplaneV2: yes\n  releaseChannel: regulr\n  nodePools: {}\n");
        assert_eq!(
            c,
            vec![
                (codes::API_VERSION, "apiVersion".to_string()),
                (codes::WRONG_TYPE, "cluster.dataplaneV2".to_string()),
                (codes::BAD_VALUE, "cluster.releaseChannel".to_string()),
                (codes::WRONG_TYPE, "cluster.nodePools".to_string()),
            ]
        );
    }

    #[test]
    fn scalars_keep_their_text() {
        let d = decode("apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: a}\ngcp: {project: p, location: l}\ncluster:\n  version: 1.30\n  nodePools: []\n");
        assert_eq!(d.spec.cluster.version.as_deref(), Some("1.30"));
    }

    #[test]
    fn span_map_finds_nearest() {
        let d = decode("apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: a}\ngcp: {project: p, location: l}\ncluster:\n  nodePools:\n    - name: x\n      machineType: n1-standard-1\n");
        assert_eq!(
            d.spans
                .get("cluster.nodePools[0].machineType")
                .map(|s| s.line),
            Some(8)
        );
        assert_eq!(
            d.spans.get("cluster.nodePools[0].nodes").map(|s| s.line),
            Some(7)
        );
    }

    const HEAD: &str = "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: a}\ngcp: {project: my-project, location: l}\ncluster:\n  nodePools: [{name: p, machineType: n1-standard-1}]\n";

    fn errors_of(src: &str) -> Vec<(&'static str, String, String)> {
        decode(src)
            .diagnostics
            .into_iter()
            .map(|d| (d.code, d.path, d.message))
            .collect()
    }

    #[test]
    fn ranges_come_from_the_types() {
        let e = errors_of(&format!(
            "{HEAD}workloads:\n  - {{name: w, image: x, gpus: 17, replicas: 100000}}\n"
        ));
        assert_eq!(
            e,
            vec![(
                codes::BAD_VALUE,
                "workloads[0].gpus".to_string(),
                "17 is out of range: must be between 0 and 16".to_string()
            )]
        );
        let e = errors_of(&format!(
            "{HEAD}workloads:\n  - {{name: w, image: x, runAsUser: 99999999999999999999999}}\n"
        ));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].2.contains("out of range"), "{e:?}");
    }

    #[test]
    fn text_fields_take_numbers_as_written_and_strict_ones_do_not() {
        let src = format!("{HEAD}workloads:\n  - name: w\n    image: x\n    args: [--epochs, 3, true]\n    env: {{N: 4, EMPTY: , F: 1.50}}\n    resources: {{cpu: 90}}\n");
        let d = decode(&src);
        assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
        let w = &d.spec.workloads[0];
        assert_eq!(w.args, ["--epochs", "3", "true"]);
        assert_eq!(
            w.env,
            [("N", "4"), ("EMPTY", ""), ("F", "1.50")]
                .map(|(k, v)| (k.to_string(), crate::spec::EnvValue::Text(v.to_string())))
        );
        assert_eq!(
            w.resources.as_ref().and_then(|r| r.cpu.as_deref()),
            Some("90")
        );
        // A quantity is text or a number, not a boolean; a name is a string.
        let e = errors_of(&format!(
            "{HEAD}workloads:\n  - {{name: 12, image: x, resources: {{cpu: true}}}}\n"
        ));
        let codes_paths: Vec<_> = e.iter().map(|(c, p, _)| (*c, p.as_str())).collect();
        assert_eq!(
            codes_paths,
            [
                (codes::WRONG_TYPE, "workloads[0].name"),
                (codes::WRONG_TYPE, "workloads[0].resources.cpu")
            ]
        );
        assert_eq!(e[0].2, "expected a string, found an integer");
    }

    #[test]
    fn enum_values_and_missing_fields_are_explained_from_the_schema() {
        let src = format!("{HEAD}workloads:\n  - {{name: w, run: serivce}}\n");
        let d = decode(&src);
        let help: Vec<_> = d
            .diagnostics
            .iter()
            .map(|d| (d.code, d.help.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            help,
            [
                (
                    codes::BAD_VALUE,
                    "did you mean `service`? (one of: job, service)".to_string()
                ),
                (
                    codes::MISSING_FIELD,
                    "add `image:` (e.g. us-docker.pkg.dev/my-project/ml/train:1.0) to `workloads[0]`"
                        .to_string()
                ),
            ]
        );
        assert!(d.poisoned.contains(&"workloads[0].run".to_string()));
        assert!(d.poisoned.contains(&"workloads[0].image".to_string()));
    }

    #[test]
    fn a_top_level_list_or_scalar_is_one_error() {
        for src in ["- a\n- b\n", "hello\n", "42\n"] {
            let d = decode(src);
            assert!(!d.parsed);
            assert_eq!(d.diagnostics.len(), 1, "{src:?}: {:?}", d.diagnostics);
            assert_eq!(d.diagnostics[0].code, codes::WRONG_TYPE);
        }
    }

    #[test]
    fn endpoints_pick_the_branch_their_keys_name() {
        let e = errors_of(&format!(
            "{HEAD}connections:\n  - {{from: {{namespace: n, colour: red}}, to: [x]}}\n"
        ));
        let codes_paths: Vec<_> = e.iter().map(|(c, p, _)| (*c, p.as_str())).collect();
        assert_eq!(
            codes_paths,
            [
                (codes::UNKNOWN_FIELD, "connections[0].from.colour"),
                (codes::WRONG_TYPE, "connections[0].to")
            ]
        );
    }

    #[test]
    fn a_bad_value_in_a_list_item_keeps_the_item() {
        let src = format!("{HEAD}workloads:\n  - name: w\n    image: x\n    ports:\n      - {{name: much-too-long-name, port: 70000}}\n      - {{name: http, port: 80, protocol: tcp}}\n");
        let d = decode(&src);
        let found: Vec<_> = d
            .diagnostics
            .iter()
            .map(|d| (d.code, d.path.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (codes::BAD_VALUE, "workloads[0].ports[0].port"),
                (codes::BAD_VALUE, "workloads[0].ports[1].protocol")
            ]
        );
        // Both items are kept, with their other fields, and only the bad
        // values' paths are poisoned.
        let ports = &d.spec.workloads[0].ports;
        assert_eq!(ports.len(), 2);
        assert_eq!(ports[0].name.as_deref(), Some("much-too-long-name"));
        assert_eq!(ports[1].port, 80);
        assert_eq!(
            d.poisoned,
            [
                "workloads[0].ports[0].port",
                "workloads[0].ports[1].protocol"
            ]
        );
    }

    #[test]
    fn an_empty_key_is_found_on_its_own_line() {
        let d = decode("metadata:\n  labels:\n    team: ml\n    \"\": x\n");
        assert_eq!(d.spans.get("metadata.labels.").map(|s| s.line), Some(4));
        assert_eq!(d.spans.get("metadata.labels").map(|s| s.line), Some(3));
        assert_eq!(d.spans.get("metadata.labels.team").map(|s| s.line), Some(3));
    }

    #[test]
    fn invalid_utf8_is_located_at_its_first_bad_byte() {
        let bytes = b"apiVersion: podwire.dev/v1alpha1\nkind: Ka\xc3\x28x\n";
        let Err(refused) = utf8_text(bytes) else {
            panic!("invalid UTF-8 is refused")
        };
        let (text, d) = *refused;
        let span = d.span.expect("located");
        assert_eq!((span.line, span.col), (2, 8));
        assert_eq!(&text[span.start..span.end], "\u{FFFD}");
        assert!(d.message.contains("0xc3"), "{}", d.message);
        assert_eq!(utf8_text(b"a: b\n").ok(), Some("a: b\n"));
    }
}
