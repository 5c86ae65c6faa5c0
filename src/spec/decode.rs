//! Decoding a positioned tree into the typed [`Spec`].
//!
//! The rules are not restated here: the tree is checked against the JSON
//! Schema generated from the types ([`super::schema`]), every structural
//! mistake is collected (wrong types, unknown or missing fields, bad enum
//! values, numbers out of range, the apiVersion and kind) instead of stopping
//! at the first, and each bad value is replaced by a placeholder of its
//! schema type with its path recorded as poisoned. The checked value is then
//! deserialized with serde.

use super::rules::{self, Additional, Rule, RuleId, Rules, Types};
use super::tree::{self, Limit, Node, TreeError, Value};
use super::{schema, Spec, API_VERSION, KIND};
use crate::diag::{codes, did_you_mean, Pending, Severity, Span};
use serde_json::{Map, Value as Json};

/// Where each field of the spec came from: the positioned tree itself,
/// searched by path (`workloads[1].ports[0].name`) only when a diagnostic
/// needs a place. Nothing is recorded while decoding.
#[derive(Debug, Default, Clone)]
pub struct SpanMap<'s> {
    root: Option<Node<'s>>,
}

impl SpanMap<'_> {
    /// The value's span at `path`, or the nearest enclosing one found.
    pub fn get(&self, path: &str) -> Option<Span> {
        let mut node = self.root.as_ref()?;
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

/// What a scalar of the tree is under YAML 1.2's core schema, as JSON sees it.
#[derive(Clone, Copy, PartialEq)]
enum ScalarKind {
    Null,
    Boolean(bool),
    Integer(i128),
    Number,
    String,
}

fn scalar_kind(text: &str, plain: bool) -> ScalarKind {
    if !plain {
        return ScalarKind::String;
    }
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return ScalarKind::Null;
    }
    if let Some(b) = tree::parse_bool(text) {
        return ScalarKind::Boolean(b);
    }
    if let Some(i) = tree::parse_int(text) {
        return ScalarKind::Integer(i128::from(i));
    }
    if is_decimal_integer(text) {
        // Integer syntax beyond i64: an integer, out of every range here.
        return ScalarKind::Integer(if text.starts_with('-') {
            i128::MIN
        } else {
            i128::MAX
        });
    }
    if is_float(text) {
        return ScalarKind::Number;
    }
    ScalarKind::String
}

/// Whether a plain scalar with this text is a string (not null, a boolean or a number).
pub(crate) fn reads_as_string(text: &str) -> bool {
    scalar_kind(text, true) == ScalarKind::String
}

fn is_decimal_integer(t: &str) -> bool {
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// YAML 1.2 core-schema float: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
/// and the `.inf` / `.nan` spellings (Rust's `parse::<f64>` also takes `inf`
/// and `NaN`, which YAML reads as strings).
fn is_float(t: &str) -> bool {
    let unsigned = t.strip_prefix(['-', '+']).unwrap_or(t);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(t, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match fraction {
        None => !whole.is_empty() && all_digits(whole),
        Some(f) => all_digits(whole) && all_digits(f) && !(whole.is_empty() && f.is_empty()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
}

/// The JSON types a schema names in `type`.
fn types(schema: &Json) -> Vec<&str> {
    match schema.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    }
}

fn branches(schema: &Json) -> Option<&Vec<Json>> {
    schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Json::as_array)
}

/// A text scalar (string and number both allowed): a scalar of an allowed
/// kind is taken as the text it is written as.
fn is_text(types: &[&str]) -> bool {
    types.contains(&"string") && types.contains(&"number")
}

/// Whether a text scalar of these types takes a scalar of this kind.
fn text_takes(types: Types, kind: ScalarKind) -> bool {
    match kind {
        ScalarKind::Null => types.has(Types::NULL),
        ScalarKind::Boolean(_) => types.has(Types::BOOLEAN),
        ScalarKind::Integer(_) | ScalarKind::Number | ScalarKind::String => true,
    }
}

/// The allowed spellings when the schema is an enumeration (an `enum`, or a
/// `oneOf` of `enum`s and `const`s); `null` branches aside.
pub(super) fn enum_values<'d>(
    defs: Option<&'d Map<String, Json>>,
    schema: &'d Json,
) -> Option<Vec<&'d str>> {
    let schema = super::resolve_ref(defs, schema);
    if let Some(values) = schema.get("enum").and_then(Json::as_array) {
        return values.iter().map(Json::as_str).collect();
    }
    if let Some(c) = schema.get("const") {
        return c.as_str().map(|c| vec![c]);
    }
    let mut out = Vec::new();
    let mut any = false;
    for b in branches(schema)? {
        let b = super::resolve_ref(defs, b);
        if types(b) == ["null"] {
            continue;
        }
        out.extend(enum_values(defs, b)?);
        any = true;
    }
    any.then_some(out)
}

/// Checks a positioned tree against the language's JSON Schema.
struct SchemaChecker<'d, 'm> {
    rules: &'static Rules,
    defs: Option<&'d Map<String, Json>>,
    diagnostics: Vec<Pending>,
    poisoned: Vec<String>,
    /// A preview's workloads of the previous decode, by index.
    memo: Option<&'m DecodeMemo>,
    /// Per `workloads` item: reused from the memo (its value here is null),
    /// or checked now (true when without a mistake).
    items: Vec<Item>,
    /// The rule the `workloads` items were checked against.
    item_rule: Option<RuleId>,
}

/// What the checker did with one `workloads` item.
#[derive(Clone, Copy, PartialEq)]
enum Item {
    Reused,
    Checked { clean: bool },
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

/// Whether two trees hold the same values (their spans aside).
fn same_tree(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Scalar { text: t, plain: p }, Value::Scalar { text: u, plain: q }) => {
            p == q && t == u
        }
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_tree(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k, a), (l, b))| k.name == l.name && same_tree(a, b))
        }
        _ => false,
    }
}

impl<'d, 'm> SchemaChecker<'d, 'm> {
    fn new(root: &'d Json, memo: Option<&'m DecodeMemo>) -> Self {
        SchemaChecker {
            rules: rules::rules(),
            defs: root.get("$defs").and_then(Json::as_object),
            diagnostics: Vec::new(),
            poisoned: Vec::new(),
            memo,
            items: Vec::new(),
            item_rule: None,
        }
    }

    /// [`Self::value`] of item `i` of the top-level `workloads`: null when
    /// the memo holds it (see [`Item`]).
    fn workload(&mut self, node: &Node, id: RuleId, i: usize, path: &FieldPath) -> Json {
        if self.items.len() <= i {
            self.items.resize(i + 1, Item::Checked { clean: false });
        }
        self.item_rule = Some(id);
        let known = self
            .memo
            .and_then(|m| m.workloads.get(i))
            .and_then(Option::as_ref);
        if known.is_some_and(|(n, r, _)| *r == id && same_tree(n, node)) {
            self.items[i] = Item::Reused;
            return Json::Null;
        }
        let before = (self.diagnostics.len(), self.poisoned.len());
        let v = self.value(node, id, path);
        let clean = before == (self.diagnostics.len(), self.poisoned.len());
        self.items[i] = Item::Checked { clean };
        v
    }

    /// Follows `$ref`s into `$defs`.
    fn resolve(&self, schema: &'d Json) -> &'d Json {
        super::resolve_ref(self.defs, schema)
    }

    fn admits_null(&self, schema: &'d Json) -> bool {
        let schema = self.resolve(schema);
        types(schema).contains(&"null")
            || branches(schema).is_some_and(|b| b.iter().any(|s| self.admits_null(s)))
    }

    fn enum_values(&self, schema: &'d Json) -> Option<Vec<&'d str>> {
        enum_values(self.defs, schema)
    }

    /// Whether a node of this shape can be an instance of the rule at all
    /// (used to pick the branch of an `anyOf`).
    fn admits(&self, rule: &Rule, node: &Node) -> bool {
        if !rule.branches.is_empty() {
            return rule
                .branches
                .iter()
                .any(|b| self.admits(&self.rules.rules[*b], node));
        }
        if rule.enumerated {
            return matches!(node.value, Value::Scalar { .. }) && !node.is_null();
        }
        let ts = rule.types;
        match &node.value {
            Value::Seq(_) => ts.has(Types::ARRAY),
            Value::Map(_) => ts.has(Types::OBJECT),
            Value::Scalar { text, plain } => match scalar_kind(text, *plain) {
                kind if ts.is_text() => text_takes(ts, kind),
                ScalarKind::Null => ts.has(Types::NULL),
                ScalarKind::Boolean(_) => ts.has(Types::BOOLEAN),
                ScalarKind::Integer(_) => ts.has(Types::INTEGER) || ts.has(Types::NUMBER),
                ScalarKind::Number => ts.has(Types::NUMBER),
                ScalarKind::String => ts.has(Types::STRING),
            },
        }
    }

    /// What a value of `schema` is, in words ("an integer", "a list").
    fn describe(&self, schema: &'d Json) -> String {
        let schema = self.resolve(schema);
        if let Some(values) = self.enum_values(schema) {
            return format!("one of: {}", values.join(", "));
        }
        if let Some(bs) = branches(schema) {
            let mut words: Vec<String> = Vec::new();
            for b in bs {
                if types(self.resolve(b)) == ["null"] {
                    continue;
                }
                let w = self.describe(b);
                if !words.contains(&w) {
                    words.push(w);
                }
            }
            return words.join(" or ");
        }
        let ts = types(schema);
        if is_text(&ts) {
            return "a string or a number".to_string();
        }
        match ts.iter().find(|t| **t != "null") {
            Some(&"string") => "a string",
            Some(&"integer") => "an integer",
            Some(&"number") => "a number",
            Some(&"boolean") => "a boolean (true or false)",
            Some(&"array") => "a list",
            Some(&"object") => "a mapping",
            _ => "a value",
        }
        .to_string()
    }

    /// A stand-in of the schema's type for a value that was wrong or missing:
    /// null where that is allowed, else the least value of the type.
    fn placeholder(&self, schema: &'d Json) -> Json {
        let schema = self.resolve(schema);
        if self.admits_null(schema) {
            return Json::Null;
        }
        if let Some(c) = schema.get("const") {
            return c.clone();
        }
        if let Some(first) = schema
            .get("enum")
            .and_then(Json::as_array)
            .and_then(|v| v.first())
        {
            return first.clone();
        }
        if let Some(first) = branches(schema).and_then(|b| b.first()) {
            return self.placeholder(first);
        }
        let ts = types(schema);
        if is_text(&ts) {
            return Json::String(String::new());
        }
        match ts.first() {
            Some(&"string") => Json::String(String::new()),
            Some(&"integer") | Some(&"number") => {
                schema.get("minimum").cloned().unwrap_or_else(|| 0.into())
            }
            Some(&"boolean") => Json::Bool(false),
            Some(&"array") => Json::Array(Vec::new()),
            Some(&"object") => {
                let mut out = Map::new();
                let props = schema.get("properties").and_then(Json::as_object);
                for r in required(schema) {
                    if let Some(p) = props.and_then(|p| p.get(r)) {
                        out.insert(r.to_string(), self.placeholder(p));
                    }
                }
                Json::Object(out)
            }
            _ => Json::Null,
        }
    }

    fn error(
        &mut self,
        code: &'static str,
        path: &FieldPath,
        span: Span,
        message: String,
        help: Option<String>,
    ) {
        let path = path.to_string();
        self.poisoned.push(path.clone());
        self.diagnostics.push(Pending {
            code,
            severity: Severity::Error,
            message,
            path,
            span: Some(span),
            help,
        });
    }

    /// Reports a value of the wrong shape and returns its placeholder.
    fn wrong_type(&mut self, node: &Node, schema: &'d Json, path: &FieldPath) -> Json {
        let expected = self.describe(schema);
        self.error(
            codes::WRONG_TYPE,
            path,
            node.span,
            format!("expected {expected}, found {}", node.kind_name()),
            None,
        );
        self.placeholder(schema)
    }

    /// The checked value of `node` against the rule `id`.
    fn value(&mut self, node: &Node, id: RuleId, path: &FieldPath) -> Json {
        let rules = self.rules;
        let rule = &rules.rules[id];
        if node.is_null() && rule.nullable {
            return Json::Null;
        }
        if let Some(c) = rule.constant {
            return self.constant(node, c, rule, path);
        }
        if let Some(values) = &rule.values {
            return self.enumeration(node, values, rule, path);
        }
        if !rule.branches.is_empty() {
            return self.any_of(node, rule, path);
        }
        let ts = rule.types;
        match &node.value {
            Value::Scalar { text, plain } => {
                let kind = scalar_kind(text, *plain);
                if kind != ScalarKind::Null && ts.is_text() && text_takes(ts, kind) {
                    return Json::String(text.to_string());
                }
                match kind {
                    ScalarKind::String if ts.has(Types::STRING) => Json::String(text.to_string()),
                    ScalarKind::Boolean(b) if ts.has(Types::BOOLEAN) => Json::Bool(b),
                    ScalarKind::Integer(v) if ts.has(Types::INTEGER) => {
                        self.integer(node, v, rule, path)
                    }
                    _ => self.wrong_type(node, rule.schema, path),
                }
            }
            Value::Seq(items) if ts.has(Types::ARRAY) => {
                let top_workloads = self.memo.is_some()
                    && matches!(path, FieldPath::Field(FieldPath::Root, "workloads"));
                let out = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let p = FieldPath::Item(path, i);
                        if top_workloads {
                            self.workload(item, rule.items, i, &p)
                        } else {
                            self.value(item, rule.items, &p)
                        }
                    })
                    .collect();
                Json::Array(out)
            }
            Value::Map(entries) if ts.has(Types::OBJECT) => self.object(node, entries, rule, path),
            _ => self.wrong_type(node, rule.schema, path),
        }
    }

    fn constant(&mut self, node: &Node, want: &str, rule: &Rule, path: &FieldPath) -> Json {
        match &node.value {
            Value::Scalar { text, plain } if scalar_kind(text, *plain) == ScalarKind::String => {
                if text != want {
                    let field = path.field_name();
                    self.error(
                        codes::API_VERSION,
                        path,
                        node.span,
                        format!("unsupported {field} `{text}`"),
                        Some(format!("this podwire reads `{field}: {want}`")),
                    );
                }
                Json::String(want.to_string())
            }
            _ => self.wrong_type(node, rule.schema, path),
        }
    }

    fn enumeration(&mut self, node: &Node, values: &[&str], rule: &Rule, path: &FieldPath) -> Json {
        let text = match &node.value {
            Value::Scalar { text, .. } if !node.is_null() => text,
            _ => return self.wrong_type(node, rule.schema, path),
        };
        if values.contains(&&**text) {
            return Json::String(text.to_string());
        }
        let help = match did_you_mean(text, values.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? (one of: {})", values.join(", ")),
            None => format!("one of: {}", values.join(", ")),
        };
        self.error(
            codes::BAD_VALUE,
            path,
            node.span,
            format!("`{text}` is not a valid value here"),
            Some(help),
        );
        self.placeholder(rule.schema)
    }

    fn integer(&mut self, node: &Node, v: i128, rule: &Rule, path: &FieldPath) -> Json {
        let (min, max) = (rule.minimum, rule.maximum);
        let in_range = min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m);
        let number = i64::try_from(v).ok().map(Json::from);
        match number {
            Some(n) if in_range => n,
            _ => {
                let shown = match &node.value {
                    Value::Scalar { text, .. } => text.to_string(),
                    _ => v.to_string(),
                };
                let rule_text = match (min, max) {
                    (Some(a), Some(b)) => format!("must be between {a} and {b}"),
                    (Some(a), None) => format!("must be at least {a}"),
                    (None, Some(b)) => format!("must be at most {b}"),
                    (None, None) => "too large".to_string(),
                };
                self.error(
                    codes::BAD_VALUE,
                    path,
                    node.span,
                    format!("{shown} is out of range: {rule_text}"),
                    None,
                );
                self.placeholder(rule.schema)
            }
        }
    }

    /// An `anyOf`: the branch the node's shape fits (for mappings, the one
    /// with most of its required keys present, then naming most of the
    /// node's keys: `{scratch, path, readOnly}` is a scratch volume with a
    /// field too many, not a bucket without its `bucket`), checked as that
    /// branch.
    fn any_of(&mut self, node: &Node, rule: &Rule, path: &FieldPath) -> Json {
        let rules = self.rules;
        let fitting: Vec<RuleId> = rule
            .branches
            .iter()
            .copied()
            .filter(|b| !rules.rules[*b].only_null && self.admits(&rules.rules[*b], node))
            .collect();
        let chosen = match &node.value {
            Value::Map(entries) => {
                let named = |b: RuleId| {
                    let b = &rules.rules[b];
                    let present = b
                        .required
                        .iter()
                        .filter(|r| entries.iter().any(|(k, _)| &*k.name == **r))
                        .count();
                    let known = entries
                        .iter()
                        .filter(|(k, _)| b.property(&k.name).is_some())
                        .count();
                    (present, known)
                };
                let best = fitting.iter().map(|b| named(*b)).max();
                fitting.iter().copied().find(|b| Some(named(*b)) == best)
            }
            _ => fitting.first().copied(),
        };
        match chosen {
            Some(b) => self.value(node, b, path),
            None => self.wrong_type(node, rule.schema, path),
        }
    }

    fn object(
        &mut self,
        node: &Node,
        entries: &[(tree::Key, Node)],
        rule: &Rule,
        path: &FieldPath,
    ) -> Json {
        let mut out = Map::new();
        for (key, child) in entries {
            let child_path = FieldPath::Field(path, &key.name);
            if let Some(p) = rule.property(&key.name) {
                let v = self.value(child, p, &child_path);
                out.insert(key.name.to_string(), v);
                continue;
            }
            match rule.additional {
                Additional::Closed => {
                    let names: Vec<&str> = rule.properties.iter().map(|(n, _)| *n).collect();
                    let help = match did_you_mean(&key.name, names.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("known fields here: {}", names.join(", ")),
                    };
                    self.error(
                        codes::UNKNOWN_FIELD,
                        &child_path,
                        key.span,
                        format!("unknown field `{}` in `{}`", key.name, path.display()),
                        Some(help),
                    );
                }
                Additional::Each(s) => {
                    let v = self.value(child, s, &child_path);
                    out.insert(key.name.to_string(), v);
                }
                // The language's schema closes every object; an open one
                // takes the text as written.
                Additional::Open => {
                    let v = self.value(child, self.rules.anything, &child_path);
                    out.insert(key.name.to_string(), v);
                }
            }
        }
        for name in &rule.required {
            if entries.iter().any(|(k, _)| &*k.name == *name) {
                continue;
            }
            // The property as written (its `examples` may sit beside its `$ref`).
            let field_schema = rule.schema.get("properties").and_then(|p| p.get(*name));
            let what = match field_schema {
                Some(s) => self.example_or_kind(s),
                None => "a value".to_string(),
            };
            let span = node.span;
            self.error(
                codes::MISSING_FIELD,
                &FieldPath::Field(path, name),
                Span {
                    end: span.start + 1,
                    end_line: span.line,
                    end_col: span.col + 1,
                    ..span
                },
                format!("missing required field `{name}`"),
                Some(format!("add `{name}:` ({what}) to `{}`", path.display())),
            );
            if let Some(s) = field_schema {
                out.insert(name.to_string(), self.placeholder(s));
            }
        }
        Json::Object(out)
    }

    /// "e.g. <the schema's first example>", or what kind of value it is.
    fn example_or_kind(&self, schema: &'d Json) -> String {
        let example = schema
            .get("examples")
            .or_else(|| self.resolve(schema).get("examples"))
            .and_then(Json::as_array)
            .and_then(|e| e.first());
        match example {
            Some(e) => format!("e.g. {}", super::reference::flow_yaml(e)),
            None => self.describe(schema),
        }
    }
}

pub(super) fn required(schema: &Json) -> impl Iterator<Item = &str> {
    schema
        .get("required")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
}

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
        None => tree::parse(src),
    };
    let root = match parsed {
        Ok((root, soft)) => {
            diagnostics.extend(soft.into_iter().map(tree_error));
            root
        }
        Err(e) => {
            diagnostics.push(tree_error(e));
            return (unparsed(diagnostics), None);
        }
    };
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
        checker.wrong_type(&root, root_schema, &FieldPath::Root);
        diagnostics.extend(checker.diagnostics);
        return (unparsed(diagnostics), None);
    }
    let mut checked = checker.value(&root, checker.rules.root, &FieldPath::Root);
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
        spans: SpanMap { root: Some(root) },
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
