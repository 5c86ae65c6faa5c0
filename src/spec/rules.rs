//! The language's JSON Schema compiled once into the table of rules the
//! decoder walks: for each schema node, what it asks of a value (its types,
//! whether null is allowed, its enumeration, its fields and bounds), with
//! `$ref`s already followed. The decoder used to derive these from the JSON
//! for every node of every spec; the schema stays the one definition, this is
//! only its reading done ahead of time.

use serde_json::{Map, Value as Json};
use std::collections::HashMap;
use std::sync::OnceLock;

/// An index into [`Rules::rules`].
pub(super) type RuleId = usize;

/// The JSON types a schema names in `type`, as a set.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Types(u8);

impl Types {
    pub const NULL: Types = Types(1);
    pub const BOOLEAN: Types = Types(2);
    pub const INTEGER: Types = Types(4);
    pub const NUMBER: Types = Types(8);
    pub const STRING: Types = Types(16);
    pub const ARRAY: Types = Types(32);
    pub const OBJECT: Types = Types(64);

    fn of(schema: &Json) -> Types {
        let name = |t: &str| match t {
            "null" => Types::NULL,
            "boolean" => Types::BOOLEAN,
            "integer" => Types::INTEGER,
            "number" => Types::NUMBER,
            "string" => Types::STRING,
            "array" => Types::ARRAY,
            "object" => Types::OBJECT,
            _ => Types(0),
        };
        match schema.get("type") {
            Some(Json::String(t)) => name(t),
            Some(Json::Array(ts)) => ts
                .iter()
                .filter_map(Json::as_str)
                .fold(Types(0), |a, t| Types(a.0 | name(t).0)),
            _ => Types(0),
        }
    }

    pub fn has(self, t: Types) -> bool {
        self.0 & t.0 != 0
    }

    /// A text scalar (string and number both allowed): a scalar of an
    /// allowed kind is taken as the text it is written as.
    pub fn is_text(self) -> bool {
        self.has(Types::STRING) && self.has(Types::NUMBER)
    }
}

/// What an object does with a key its `properties` do not name.
pub(super) enum Additional {
    /// `additionalProperties: false`: an unknown field.
    Closed,
    /// `additionalProperties: {schema}`: checked as that schema.
    Each(RuleId),
    /// No `additionalProperties`: anything, taken as written.
    Open,
}

/// One schema node, read.
pub(super) struct Rule {
    /// The schema itself (`$ref`s followed), for the messages of the rare
    /// error paths (what a value should be, its placeholder, an example).
    pub schema: &'static Json,
    pub types: Types,
    /// Null is allowed here (directly or by a branch).
    pub nullable: bool,
    /// The schema has an `enum` or a `const` (of any type).
    pub enumerated: bool,
    /// The one allowed string (`const`).
    pub constant: Option<&'static str>,
    /// The allowed spellings of an enumeration (`enum`, or a `oneOf` of
    /// `enum`s and `const`s; `null` branches aside).
    pub values: Option<Vec<&'static str>>,
    /// The branches of an `anyOf` / `oneOf`.
    pub branches: Vec<RuleId>,
    /// Whether this is exactly `type: "null"` (a branch never chosen).
    pub only_null: bool,
    pub items: RuleId,
    /// `properties`, in the schema's order.
    pub properties: Vec<(&'static str, RuleId)>,
    pub additional: Additional,
    pub required: Vec<&'static str>,
    pub minimum: Option<i128>,
    pub maximum: Option<i128>,
}

impl Rule {
    pub fn property(&self, name: &str) -> Option<RuleId> {
        self.properties
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, id)| *id)
    }
}

/// The compiled schema: `rules[root]` is the spec.
pub(super) struct Rules {
    pub rules: Vec<Rule>,
    pub root: RuleId,
    /// The schema `true` (an open object's values).
    pub anything: RuleId,
}

/// The schema `true`: anything (an array's items without `items`).
static ANYTHING: Json = Json::Bool(true);

/// The language's rules, compiled on first use.
pub(super) fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| Rules::compile(super::schema()))
}

struct Compiler {
    defs: Option<&'static Map<String, Json>>,
    rules: Vec<Option<Rule>>,
    /// Each schema node compiled so far, by its address in the one static
    /// schema (shared `$defs` are compiled once; this also ends recursion).
    seen: HashMap<*const Json, RuleId>,
}

impl Rules {
    fn compile(root: &'static Json) -> Rules {
        let mut c = Compiler {
            defs: root.get("$defs").and_then(Json::as_object),
            rules: Vec::new(),
            seen: HashMap::new(),
        };
        let root = c.rule(root);
        let anything = c.rule(&ANYTHING);
        Rules {
            anything,
            // Every reserved slot is filled before `rule` returns.
            rules: c.rules.into_iter().flatten().collect(),
            root,
        }
    }
}

impl Compiler {
    fn resolve(&self, schema: &'static Json) -> &'static Json {
        super::resolve_ref(self.defs, schema)
    }

    fn rule(&mut self, schema: &'static Json) -> RuleId {
        let schema = self.resolve(schema);
        if let Some(id) = self.seen.get(&(schema as *const Json)) {
            return *id;
        }
        let id = self.rules.len();
        self.rules.push(None);
        self.seen.insert(schema, id);
        let branch_schemas = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Json::as_array);
        let branches: Vec<RuleId> = branch_schemas
            .into_iter()
            .flatten()
            .map(|b| self.rule(b))
            .collect();
        let items = self.rule(schema.get("items").unwrap_or(&ANYTHING));
        let properties = schema
            .get("properties")
            .and_then(Json::as_object)
            .into_iter()
            .flatten()
            .map(|(name, p)| (name.as_str(), self.rule(p)))
            .collect();
        let additional = match schema.get("additionalProperties") {
            Some(Json::Bool(false)) => Additional::Closed,
            Some(s @ Json::Object(_)) => Additional::Each(self.rule(s)),
            _ => Additional::Open,
        };
        let bound = |key: &str| schema.get(key).and_then(Json::as_i64).map(i128::from);
        let types = Types::of(schema);
        let rule = Rule {
            schema,
            types,
            nullable: self.admits_null(schema),
            enumerated: schema.get("enum").is_some() || schema.get("const").is_some(),
            constant: schema.get("const").and_then(Json::as_str),
            values: self.enum_values(schema),
            branches,
            only_null: types == Types::NULL,
            items,
            properties,
            additional,
            required: super::decode::required(schema).collect(),
            minimum: bound("minimum"),
            maximum: bound("maximum"),
        };
        self.rules[id] = Some(rule);
        id
    }

    fn admits_null(&self, schema: &'static Json) -> bool {
        let schema = self.resolve(schema);
        Types::of(schema).has(Types::NULL)
            || branches(schema).is_some_and(|b| b.iter().any(|s| self.admits_null(s)))
    }

    fn enum_values(&self, schema: &'static Json) -> Option<Vec<&'static str>> {
        super::decode::enum_values(self.defs, schema)
    }
}

fn branches(schema: &Json) -> Option<&Vec<Json>> {
    schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Json::as_array)
}
