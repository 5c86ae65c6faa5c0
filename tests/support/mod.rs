//! Shared helpers for the integration and conformance tests (`mod support;`).
//!
//! - [`discovery_doc`] finds Google's GKE v1 discovery document;
//! - [`check_gke_body`] checks a request body against it (a Rust port of
//!   `shared/tools/check-gke-body`, so the check runs where `shared/` is absent);
//! - [`gcloud_oracle`] gives the body gcloud itself sends for some flags;
//! - [`require_tool`] skips a test when an external tool is missing, except
//!   under CI (`CI` set), where a missing tool is a failure;
//! - [`yaml`] reads YAML with a parser independent of podwire's own.
//!
//! Pure Rust: std, serde_json and serde_yaml_ng only. Each test binary uses a
//! subset, hence the `dead_code` allowances.

#![allow(dead_code)]

pub mod yaml;

use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The pinned PyPI package that ships the discovery document CI checks against.
pub const DISCOVERY_PIP_PACKAGE: &str = "google-api-python-client==2.202.0";

/// Where the discovery document sits inside the `googleapiclient` package.
const PIP_DOC: &str = "discovery_cache/documents/container.v1.json";

/// True when running under CI (`CI` set and non-empty).
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` next to the checkout, when this machine has it (developers and
/// CI do; users do not), or `$PODWIRE_SHARED` (a checkout elsewhere, such as
/// a git worktree, pointing at the same directory).
pub fn shared_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("PODWIRE_SHARED").filter(|v| !v.is_empty()) {
        let d = PathBuf::from(d);
        // Set on purpose: a wrong path is a mistake to report, not to skip.
        assert!(
            d.is_dir(),
            "PODWIRE_SHARED={} is not a directory",
            d.display()
        );
        return Some(d);
    }
    let d = manifest_dir().join("../shared");
    d.is_dir().then(|| d.canonicalize().unwrap_or(d))
}

/// The copy of the discovery document inside the installed pip package
/// google-api-python-client, if python3 can import it.
pub fn pip_discovery_path() -> Option<PathBuf> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import googleapiclient, os; print(os.path.dirname(googleapiclient.__file__))",
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let dir = String::from_utf8(out.stdout).ok()?;
    let p = Path::new(dir.trim()).join(PIP_DOC);
    p.is_file().then_some(p)
}

/// Google's Compute Engine v1 discovery document, from the same pinned
/// google-api-python-client package ([`DISCOVERY_PIP_PACKAGE`]), or None
/// when python3 cannot import it. [`check_gke_body`] checks bodies against
/// it as against GKE's (the format is the same).
pub fn compute_discovery_doc() -> Option<Value> {
    static DOC: OnceLock<Option<Value>> = OnceLock::new();
    DOC.get_or_init(|| {
        let container = pip_discovery_path()?;
        let p = container.with_file_name("compute.v1.json");
        if !p.is_file() {
            return None;
        }
        let doc = load_discovery(&p);
        eprintln!(
            "Compute discovery document: {} (revision {})",
            p.display(),
            doc["revision"].as_str().unwrap_or("?")
        );
        Some(doc)
    })
    .clone()
}

/// Path of the discovery document, by precedence: `$PODWIRE_GKE_DISCOVERY`,
/// `../shared/gke/container-v1-discovery.json`, then the pip package's copy.
pub fn discovery_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PODWIRE_GKE_DISCOVERY").filter(|v| !v.is_empty()) {
        let p = PathBuf::from(p);
        // Set on purpose: a wrong path is a mistake to report, not to skip.
        assert!(
            p.is_file(),
            "PODWIRE_GKE_DISCOVERY={} is not a file",
            p.display()
        );
        return Some(p);
    }
    let shared = manifest_dir().join("../shared/gke/container-v1-discovery.json");
    if shared.is_file() {
        return Some(shared);
    }
    pip_discovery_path()
}

/// Read and parse a discovery document; panics on a file that is not one.
pub fn load_discovery(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let doc: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()));
    assert!(
        doc["schemas"].is_object(),
        "{} has no `schemas`: not a discovery document",
        path.display()
    );
    doc
}

/// Google's GKE v1 discovery document, or None when this machine has none
/// (see [`discovery_path`]). Loaded once per test binary.
pub fn discovery_doc() -> Option<Value> {
    static DOC: OnceLock<Option<Value>> = OnceLock::new();
    DOC.get_or_init(|| {
        let p = discovery_path()?;
        let doc = load_discovery(&p);
        eprintln!(
            "GKE discovery document: {} (revision {})",
            p.display(),
            doc["revision"].as_str().unwrap_or("?")
        );
        Some(doc)
    })
    .clone()
}

/// Check a JSON request body against schema `schema` of a discovery document.
///
/// Returns `(errors, warnings)`. Errors: unknown fields, wrong JSON types
/// (int64/uint64 must be JSON strings holding an integer, int32/integer JSON
/// integers, booleans JSON booleans ...), enum values not in the schema.
/// Warnings: fields marked `readOnly` (output only) or `deprecated`, and
/// enum values marked deprecated (`enumDeprecated`).
///
/// Each message starts with the field's path, e.g.
/// `cluster.nodePools[0].config.accelerators[0].acceleratorCount`; map entries
/// are `cluster.resourceLabels['team']`; the body itself is `$`.
///
/// Port of `shared/tools/check-gke-body`, with these differences, all stricter
/// or additive: an int64 string must be `-?[0-9]+` within the i64 range
/// (uint64: `[0-9]+` within u64) where Python's `int()` also takes spaces, `+`
/// and `_`; int32/uint32 numbers must fit their range; inline object
/// `properties` are checked; deprecated enum values warn; an unknown `$ref`
/// or top-level schema is an error rather than a crash.
pub fn check_gke_body(doc: &Value, schema: &str, body: &Value) -> (Vec<String>, Vec<String>) {
    let mut c = Checker {
        schemas: &doc["schemas"],
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    c.check_ref(schema, body, "");
    (c.errors, c.warnings)
}

struct Checker<'d> {
    schemas: &'d Value,
    errors: Vec<String>,
    warnings: Vec<String>,
}

fn show(path: &str) -> &str {
    if path.is_empty() {
        "$"
    } else {
        path
    }
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `-?[0-9]+` (or `[0-9]+` when unsigned) within the format's range.
fn is_int_string(s: &str, unsigned: bool) -> bool {
    let digits = if unsigned {
        s
    } else {
        s.strip_prefix('-').unwrap_or(s)
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if unsigned {
        s.parse::<u64>().is_ok()
    } else {
        s.parse::<i64>().is_ok()
    }
}

impl Checker<'_> {
    fn err(&mut self, path: &str, msg: String) {
        self.errors.push(format!("{}: {msg}", show(path)));
    }

    fn warn(&mut self, path: &str, msg: String) {
        self.warnings.push(format!("{}: {msg}", show(path)));
    }

    /// A value that must be an object of the named schema.
    fn check_ref(&mut self, name: &str, v: &Value, path: &str) {
        let Some(sch) = self.schemas.get(name) else {
            self.err(
                path,
                format!("schema {name} is not in the discovery document"),
            );
            return;
        };
        let Value::Object(obj) = v else {
            self.err(
                path,
                format!("expected object ({name}), got {}", json_type(v)),
            );
            return;
        };
        let empty = Map::new();
        let props = sch
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        self.check_fields(name, props, obj, path);
    }

    fn check_fields(
        &mut self,
        owner: &str,
        props: &Map<String, Value>,
        obj: &Map<String, Value>,
        path: &str,
    ) {
        for (k, item) in obj {
            let p = child(path, k);
            match props.get(k) {
                Some(prop) => self.check_prop(prop, item, &p),
                None => self.err(&p, format!("unknown field in {owner}")),
            }
        }
    }

    fn check_prop(&mut self, prop: &Value, v: &Value, p: &str) {
        if prop.get("readOnly").and_then(Value::as_bool) == Some(true) {
            self.warn(p, "output-only (readOnly) field".into());
        }
        if prop.get("deprecated").and_then(Value::as_bool) == Some(true) {
            self.warn(p, "deprecated field".into());
        }
        if let Some(r) = prop.get("$ref").and_then(Value::as_str) {
            self.check_ref(r, v, p);
            return;
        }
        let fmt = prop.get("format").and_then(Value::as_str);
        match prop.get("type").and_then(Value::as_str) {
            Some("array") => {
                let Value::Array(items) = v else {
                    self.err(p, format!("expected array, got {}", json_type(v)));
                    return;
                };
                if let Some(item_prop) = prop.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check_prop(item_prop, item, &format!("{p}[{i}]"));
                    }
                }
            }
            Some("object") => {
                let Value::Object(obj) = v else {
                    self.err(p, format!("expected object/map, got {}", json_type(v)));
                    return;
                };
                if let Some(ap) = prop.get("additionalProperties").filter(|ap| ap.is_object()) {
                    for (k, item) in obj {
                        self.check_prop(ap, item, &format!("{p}['{k}']"));
                    }
                } else if let Some(props) = prop.get("properties").and_then(Value::as_object) {
                    self.check_fields("inline object", props, obj, p);
                }
            }
            Some("string") => {
                let Value::String(s) = v else {
                    let f = fmt.map(|f| format!(" (format {f})")).unwrap_or_default();
                    self.err(p, format!("expected JSON string{f}, got {v}"));
                    return;
                };
                if let Some(f @ ("int64" | "uint64")) = fmt {
                    if !is_int_string(s, f == "uint64") {
                        self.err(p, format!("{f} string not an integer: {v}"));
                    }
                }
                if let Some(values) = prop.get("enum").and_then(Value::as_array) {
                    match values.iter().position(|e| e.as_str() == Some(s)) {
                        None => {
                            let names: Vec<&str> =
                                values.iter().filter_map(Value::as_str).collect();
                            self.err(p, format!("{v} not in enum {names:?}"));
                        }
                        Some(i) => {
                            let deprecated = prop
                                .get("enumDeprecated")
                                .and_then(|d| d.get(i))
                                .and_then(Value::as_bool);
                            if deprecated == Some(true) {
                                self.warn(p, format!("enum value {v} is deprecated"));
                            }
                        }
                    }
                }
            }
            Some("integer") => {
                let ok = match fmt {
                    Some("int32") => v.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
                    Some("uint32") => v.as_u64().is_some_and(|n| u32::try_from(n).is_ok()),
                    _ => v.is_i64() || v.is_u64(),
                };
                if !ok {
                    self.err(
                        p,
                        format!(
                            "expected JSON integer ({}), got {v}",
                            fmt.unwrap_or("integer")
                        ),
                    );
                }
            }
            Some("number") if !v.is_number() => {
                self.err(p, format!("expected JSON number, got {v}"));
            }
            Some("boolean") if !v.is_boolean() => {
                self.err(p, format!("expected JSON boolean, got {v}"));
            }
            // A well-typed number or boolean; "any", no type, or a type this
            // port does not know: anything goes (as in the Python tool).
            _ => {}
        }
    }
}

/// The body the installed gcloud sends for `args` (`shared/tools/gcloud-oracle`
/// runs gcloud against a local fake and prints what it received), or None
/// when shared/ or gcloud is absent (a failure under CI).
pub fn gcloud_oracle<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S]) -> Option<Value> {
    let shared = shared_dir()?;
    if !require_tool("gcloud") {
        return None;
    }
    let o = Command::new(shared.join("tools/gcloud-oracle"))
        .env("ORACLE_PROJECT", "my-project")
        .args(args)
        .output()
        .expect("oracle runs");
    assert!(
        o.status.success(),
        "gcloud-oracle {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Some(serde_json::from_slice(&o.stdout).expect("oracle prints JSON"))
}

/// True when executable `name` is on PATH (or `name` is a path to an existing
/// file). When it is missing: under CI, panic (CI must install it); otherwise
/// print `skipping: NAME not installed` and return false.
pub fn require_tool(name: &str) -> bool {
    if find_tool(name).is_some() {
        return true;
    }
    assert!(
        !in_ci(),
        "CI must install {name}: not found on PATH (scripts/setup installs the test tools)"
    );
    eprintln!("skipping: {name} not installed");
    false
}

/// Where executable `name` is: itself if it contains a `/` and exists, else
/// the first match on PATH.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// Whether an object's apiVersion is a custom resource's (validated against
/// its CRD by tests/crds.rs, unknown to kubernetes-validate): built-in
/// groups are the core group, dotless ones (`apps`, `batch`, `autoscaling`
/// ...) and `*.k8s.io` (`networking.k8s.io`), except the SIG projects'
/// `*.x-k8s.io` (Kueue, JobSet, LeaderWorkerSet) and the official groups
/// that are installed as CRDs (Gateway API's `gateway.networking.k8s.io`,
/// the inference extension's `inference.networking.k8s.io`).
pub fn is_custom_resource(api_version: &str) -> bool {
    let Some((group, _)) = api_version.split_once('/') else {
        return false;
    };
    const CRD_GROUPS: &[&str] = &["gateway.networking.k8s.io", "inference.networking.k8s.io"];
    group.contains('.')
        && (!group.ends_with(".k8s.io")
            || group.ends_with(".x-k8s.io")
            || CRD_GROUPS.contains(&group))
}
