//! Checking a positioned tree against the language's JSON Schema (generated
//! from the spec types, [`crate::spec::schema`]): every structural mistake
//! is collected as a diagnostic, and each bad value is replaced by a
//! placeholder of its schema type with its path recorded as poisoned.

use super::scalar::{scalar_kind, ScalarKind};
use super::{DecodeMemo, FieldPath};
use crate::diag::{codes, did_you_mean, Pending, Severity, Span};
use crate::spec::rules::{self, Additional, Rule, RuleId, Rules, Types};
use crate::spec::tree::{self, Node, Value};
use serde_json::{Map, Value as Json};

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
pub(in crate::spec) fn enum_values<'d>(
    defs: Option<&'d Map<String, Json>>,
    schema: &'d Json,
) -> Option<Vec<&'d str>> {
    let schema = crate::spec::resolve_ref(defs, schema);
    if let Some(values) = schema.get("enum").and_then(Json::as_array) {
        return values.iter().map(Json::as_str).collect();
    }
    if let Some(c) = schema.get("const") {
        return c.as_str().map(|c| vec![c]);
    }
    let mut out = Vec::new();
    let mut any = false;
    for b in branches(schema)? {
        let b = crate::spec::resolve_ref(defs, b);
        if types(b) == ["null"] {
            continue;
        }
        out.extend(enum_values(defs, b)?);
        any = true;
    }
    any.then_some(out)
}

/// Checks a positioned tree against the language's JSON Schema.
pub(super) struct SchemaChecker<'d, 'm> {
    pub(super) rules: &'static Rules,
    pub(super) defs: Option<&'d Map<String, Json>>,
    pub(super) diagnostics: Vec<Pending>,
    pub(super) poisoned: Vec<String>,
    /// A preview's workloads of the previous decode, by index.
    pub(super) memo: Option<&'m DecodeMemo>,
    /// Per `workloads` item: reused from the memo (its value here is null),
    /// or checked now (true when without a mistake).
    pub(super) items: Vec<Item>,
    /// The rule the `workloads` items were checked against.
    pub(super) item_rule: Option<RuleId>,
}

/// What the checker did with one `workloads` item.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Item {
    Reused,
    Checked { clean: bool },
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
    pub(super) fn new(root: &'d Json, memo: Option<&'m DecodeMemo>) -> Self {
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
        crate::spec::resolve_ref(self.defs, schema)
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
    pub(super) fn wrong_type(&mut self, node: &Node, schema: &'d Json, path: &FieldPath) -> Json {
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
    pub(super) fn value(&mut self, node: &Node, id: RuleId, path: &FieldPath) -> Json {
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
            Some(e) => format!("e.g. {}", crate::spec::reference::flow_yaml(e)),
            None => self.describe(schema),
        }
    }
}

pub(in crate::spec) fn required(schema: &Json) -> impl Iterator<Item = &str> {
    schema
        .get("required")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
}
