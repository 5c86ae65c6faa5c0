//! Every custom resource podwire makes (Kueue's today; JobSet,
//! LeaderWorkerSet and any other group tomorrow) validates against the
//! CustomResourceDefinition its project publishes (`../shared/crds/`, as
//! the Kubernetes API server would hold it), and one without a CRD fails.
//!
//! The objects are podwire's manifests as an independent YAML reader sees
//! them, for every example and a few specs written here. Each is matched to
//! its CRD by group and kind, the version it names must be served (and not
//! deprecated), and its scope must agree (a namespace exactly when the CRD
//! is Namespaced). The version's `openAPIV3Schema` (OpenAPI v3, structural)
//! is translated to JSON Schema draft 4 ([`json_schema`]) and checked with
//! the `jsonschema` crate; metadata is checked by Kubernetes' own name and
//! label rules ([`check_metadata`]); lists with `x-kubernetes-list-type:
//! map` must not repeat a key ([`list_map_keys`]). CEL rules
//! (`x-kubernetes-validations`) are not evaluated.
//!
//! Without `../shared` (or `$PODWIRE_SHARED`) the CRD tests skip with a note; the tests of the
//! validator itself need nothing from outside.

mod support;

use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One version of a CRD.
struct Version {
    name: String,
    served: bool,
    deprecated: bool,
    schema: Value,
}

struct Crd {
    file: String,
    group: String,
    kind: String,
    namespaced: bool,
    versions: Vec<Version>,
}

/// Read CRD documents (YAML text) into their group, kind, scope and versions.
fn read_crds(file: &str, text: &str) -> Result<Vec<Crd>, String> {
    let mut out = Vec::new();
    for doc in support::yaml::documents(text)? {
        if doc["kind"] != "CustomResourceDefinition" {
            continue;
        }
        let spec = &doc["spec"];
        let s = |v: &Value, what: &str| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{file}: no {what}"))
        };
        let mut versions = Vec::new();
        for v in spec["versions"].as_array().into_iter().flatten() {
            versions.push(Version {
                name: s(&v["name"], "version name")?,
                served: v["served"].as_bool().unwrap_or(false),
                deprecated: v["deprecated"].as_bool().unwrap_or(false),
                schema: v["schema"]["openAPIV3Schema"].clone(),
            });
        }
        out.push(Crd {
            file: file.to_string(),
            group: s(&spec["group"], "group")?,
            kind: s(&spec["names"]["kind"], "kind")?,
            namespaced: s(&spec["scope"], "scope")? == "Namespaced",
            versions,
        });
    }
    Ok(out)
}

/// Every CRD in `../shared/crds` (or `$PODWIRE_SHARED/crds`, for checkouts
/// elsewhere), or `None` when this machine has no shared/.
fn shared_crds() -> Option<Vec<Crd>> {
    let shared = match std::env::var_os("PODWIRE_SHARED").filter(|v| !v.is_empty()) {
        Some(d) => Some(std::path::PathBuf::from(d)),
        None => support::shared_dir(),
    };
    let dir = shared?.join("crds");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    let mut crds = Vec::new();
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        crds.extend(read_crds(name, &text).unwrap_or_else(|e| panic!("{e}")));
    }
    assert!(!crds.is_empty(), "no CRDs in {}", dir.display());
    Some(crds)
}

use support::is_custom_resource as is_custom;

/// OpenAPI v3 structural schema (as in a CRD) -> JSON Schema draft 4, with
/// Kubernetes' meaning of its extensions:
/// - `nullable: true`: null is allowed too;
/// - `x-kubernetes-int-or-string: true`: an integer or a string (a
///   `pattern` then holds for the string);
/// - `x-kubernetes-preserve-unknown-fields: true`: fields the schema does
///   not name are kept; everywhere else they are refused (the API server
///   drops them, or with field validation Strict, refuses them: either way
///   a field podwire writes there is a mistake), so objects with
///   `properties` get `additionalProperties: false`;
/// - `x-kubernetes-embedded-resource: true`: apiVersion, kind and metadata
///   are allowed beside the named fields;
/// - `x-kubernetes-list-type: set`: items are unique;
/// - `format: int32`: the 32-bit range.
///
/// `metadata` at the root is `{type: object}` and stays open: it is
/// checked on its own ([`check_metadata`]).
fn json_schema(s: &Value) -> Value {
    let Some(o) = s.as_object() else {
        return s.clone();
    };
    let flag = |k: &str| o.get(k).and_then(Value::as_bool) == Some(true);
    let mut out = Map::new();
    for (k, v) in o {
        let v = match k.as_str() {
            "properties" | "patternProperties" | "definitions" => Value::Object(
                v.as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, sub)| (name.clone(), json_schema(sub)))
                    .collect(),
            ),
            "items" | "not" => json_schema(v),
            "pattern" => Value::String(ecma_pattern(v.as_str().unwrap_or_default())),
            "additionalProperties" if v.is_object() => json_schema(v),
            "anyOf" | "allOf" | "oneOf" => Value::Array(
                v.as_array()
                    .into_iter()
                    .flatten()
                    .map(json_schema)
                    .collect(),
            ),
            // Extensions and annotations JSON Schema has no word for.
            k if k.starts_with("x-kubernetes-") || k == "nullable" => continue,
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    if flag("x-kubernetes-int-or-string") {
        out.remove("anyOf");
        out.insert("type".into(), json!(["integer", "string"]));
    }
    if o.get("format").and_then(Value::as_str) == Some("int32") {
        out.entry("minimum").or_insert(json!(i32::MIN));
        out.entry("maximum").or_insert(json!(i32::MAX));
    }
    if o.get("x-kubernetes-list-type").and_then(Value::as_str) == Some("set") {
        out.insert("uniqueItems".into(), json!(true));
    }
    if flag("x-kubernetes-embedded-resource") {
        if let Some(p) = out
            .entry("properties")
            .or_insert_with(|| json!({}))
            .as_object_mut()
        {
            for (k, t) in [
                ("apiVersion", "string"),
                ("kind", "string"),
                ("metadata", "object"),
            ] {
                p.entry(k).or_insert(json!({"type": t}));
            }
        }
    }
    if out.contains_key("properties")
        && !out.contains_key("additionalProperties")
        && !flag("x-kubernetes-preserve-unknown-fields")
    {
        out.insert("additionalProperties".into(), json!(false));
    }
    if flag("nullable") {
        return json!({"anyOf": [Value::Object(out), {"type": "null"}]});
    }
    Value::Object(out)
}

/// A CRD `pattern` is a Go (RE2) regular expression; JSON Schema's are
/// ECMA-262. The CRDs differ only by a case-insensitive flag (`^(?i)[a-z]...`),
/// spelled out here by giving every ASCII letter after it both cases. Any
/// other Go-only construct stops the test, to be taught here.
fn ecma_pattern(p: &str) -> String {
    let Some(at) = p.find("(?") else {
        return p.to_string();
    };
    let (head, tail) = p.split_at(at);
    let rest = tail
        .strip_prefix("(?i)")
        .filter(|r| !r.contains("(?"))
        .unwrap_or_else(|| panic!("Go regex construct in `{p}`: teach ecma_pattern"));
    let other = |c: char| {
        if c.is_ascii_lowercase() {
            c.to_ascii_uppercase()
        } else {
            c.to_ascii_lowercase()
        }
    };
    let mut out = head.to_string();
    let chars: Vec<char> = rest.chars().collect();
    let (mut i, mut in_class) = (0, false);
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                out.extend(&chars[i..(i + 2).min(chars.len())]);
                i += 2;
                continue;
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            _ => {}
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
        } else if !in_class {
            out.extend(['[', c, other(c), ']']);
        } else if chars.get(i + 1) == Some(&'-')
            && chars.get(i + 2).is_some_and(char::is_ascii_alphabetic)
        {
            let end = chars[i + 2];
            out.extend([c, '-', end, other(c), '-', other(end)]);
            i += 3;
            continue;
        } else {
            out.extend([c, other(c)]);
        }
        i += 1;
    }
    out
}

/// Lists of `x-kubernetes-list-type: map` must not repeat a key (the API
/// server refuses duplicates); walks the object beside its schema.
fn list_map_keys(schema: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, sub) in o {
                let s = schema["properties"]
                    .get(k)
                    .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()));
                if let Some(s) = s {
                    list_map_keys(s, sub, &format!("{path}.{k}"), errors);
                }
            }
        }
        Value::Array(items) => {
            if schema["x-kubernetes-list-type"] == "map" {
                let keys: Vec<&str> = schema["x-kubernetes-list-map-keys"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let mut seen = BTreeSet::new();
                for item in items {
                    let key: Vec<String> = keys.iter().map(|k| item[*k].to_string()).collect();
                    if !seen.insert(key.clone()) {
                        errors.push(format!("{path}: duplicate entry {keys:?} = {key:?}"));
                    }
                }
            }
            for (i, item) in items.iter().enumerate() {
                list_map_keys(&schema["items"], item, &format!("{path}[{i}]"), errors);
            }
        }
        _ => {}
    }
}

/// A DNS-1123 subdomain (what Kubernetes requires of most object names).
fn dns_subdomain(s: &str) -> bool {
    let label = |l: &str| {
        !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    !s.is_empty() && s.len() <= 253 && s.split('.').all(label)
}

/// A label value: at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends.
fn label_value(s: &str) -> bool {
    s.is_empty()
        || (s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && s.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric()))
}

/// A label key: an optional DNS subdomain prefix and `/`, then a name.
fn label_key(s: &str) -> bool {
    let (prefix, name) = match s.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    prefix.is_none_or(dns_subdomain) && !name.is_empty() && label_value(name)
}

/// ObjectMeta as the API server checks it for these objects: a name that
/// is a DNS subdomain, labels with valid keys and values, a namespace
/// exactly when the kind is namespaced.
fn check_metadata(o: &Value, namespaced: bool) -> Vec<String> {
    let mut errors = Vec::new();
    let meta = &o["metadata"];
    match meta["name"].as_str() {
        Some(n) if dns_subdomain(n) => {}
        other => errors.push(format!("metadata.name {other:?} is not a DNS subdomain")),
    }
    match (namespaced, meta["namespace"].as_str()) {
        (true, Some(ns)) if dns_subdomain(ns) && ns.len() <= 63 => {}
        (false, None) => {}
        (true, ns) => errors.push(format!("namespaced, but metadata.namespace is {ns:?}")),
        (false, Some(ns)) => errors.push(format!("cluster-scoped, but in namespace {ns}")),
    }
    for (k, v) in meta["labels"].as_object().into_iter().flatten() {
        let ok = v.as_str().is_some_and(label_value);
        if !label_key(k) || !ok {
            errors.push(format!("label {k}: {v} is not a valid label"));
        }
    }
    errors
}

/// Custom resources of CRDs that GKE installs itself and shared/crds does
/// not hold: Managed Service for Prometheus' PodMonitoring (its required
/// fields are checked by the unit tests of src/k8s/autoscale.rs) and GKE
/// multi-networking's Network and GKENetworkParamSet (checked against the
/// shape of Google's published manifests by the unit tests of
/// src/k8s/gpu_networks.rs), and GKE's HealthCheckPolicy (same group;
/// its shape is pinned by the unit tests of src/k8s/gateway.rs). Gateway
/// API's Gateway and HTTPRoute (`gateway.networking.k8s.io/v1`, which GKE
/// installs with `gatewayApiConfig`) are here too until their CRDs are
/// vendored (kubernetes-sigs/gateway-api `config/crd/standard/`, 190 KB
/// and more per kind, could not be brought in with the tools of the
/// session that added them); their meaning is checked by tests/semantic's
/// Gateway model. GKE Inference Gateway's InferencePool
/// (`inference.networking.k8s.io/v1`, kubernetes-sigs/
/// gateway-api-inference-extension `config/crd/bases/`) likewise: its
/// shape is pinned by the unit tests of src/k8s/inference.rs, its meaning
/// by tests/semantic. Every other custom resource must have its CRD here.
const NOT_IN_SHARED: &[&str] = &[
    "monitoring.googleapis.com/v1",
    "networking.gke.io/v1",
    "gateway.networking.k8s.io/v1",
    "inference.networking.k8s.io/v1",
];

/// Validate one object against the CRDs: Ok(()) or every problem.
fn validate(crds: &[Crd], o: &Value) -> Result<(), Vec<String>> {
    let api_version = o["apiVersion"].as_str().unwrap_or_default();
    let kind = o["kind"].as_str().unwrap_or_default();
    let Some((group, version)) = api_version.split_once('/') else {
        return Err(vec![format!("apiVersion {api_version:?} has no group")]);
    };
    let Some(crd) = crds.iter().find(|c| c.group == group && c.kind == kind) else {
        return Err(vec![format!(
            "no CRD defines {kind} in group {group}: the cluster would refuse it"
        )]);
    };
    let Some(v) = crd.versions.iter().find(|v| v.name == version) else {
        return Err(vec![format!(
            "{}: {kind} has no version {version}",
            crd.file
        )]);
    };
    let mut errors = Vec::new();
    if !v.served {
        errors.push(format!("{}: version {version} is not served", crd.file));
    }
    if v.deprecated {
        errors.push(format!("{}: version {version} is deprecated", crd.file));
    }
    let mut schema = json_schema(&v.schema);
    if let Some(s) = schema.as_object_mut() {
        s.insert("required".into(), json!(["apiVersion", "kind", "metadata"]));
    }
    // CRD patterns are Go (RE2) regular expressions, such as `^(?i)[a-z]...`:
    // read them with the `regex` crate, which has RE2's syntax.
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .with_pattern_options(jsonschema::PatternOptions::regex())
        .build(&schema)
        .unwrap_or_else(|e| panic!("{}: the translated schema does not compile: {e}", crd.file));
    for e in validator.iter_errors(o) {
        errors.push(format!("{}: {e}", e.instance_path()));
    }
    list_map_keys(&v.schema, o, "", &mut errors);
    errors.extend(check_metadata(o, crd.namespaced));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Specs beside the examples: every kind of Kueue object, and each branch
/// of their lowering (several pools and queues, quotas, TPUs, ephemeral
/// storage, every priority).
const SPECS: &[(&str, &str)] = &[(
    "queues",
    "
apiVersion: podwire.dev/v1alpha1
kind: AIWorkload
metadata: {name: crd-test}
gcp: {project: my-project, location: us-central1-a}
cluster:
  nodePools:
    - {name: h100, machineType: a3-highgpu-8g, autoscaling: {min: 0, max: 4}}
    - {name: l4, machineType: g2-standard-8, nodes: 2}
    - {name: v5e, machineType: ct5lp-hightpu-4t, tpu: {topology: 2x4}, nodes: 2}
queues:
  - {name: train, pools: [h100, l4], quota: {gpus: 16, cpu: '400', memory: 3000Gi, ephemeralStorage: 1Ti}}
  - {name: tpu, pools: [v5e]}
workloads:
  - {name: a, image: a:1, pool: h100, queue: train, priority: high, replicas: 2, gpus: 8, resources: {ephemeralStorage: 100Gi}}
  - {name: b, image: b:1, pool: l4, queue: train, priority: low, gpus: 1}
  - {name: c, image: c:1, pool: v5e, queue: tpu, priority: normal, replicas: 2}
",
), (
    "queued multislice JobSet",
    "
apiVersion: podwire.dev/v1alpha1
kind: AIWorkload
metadata: {name: crd-ms}
gcp: {project: my-project, location: us-west4-a}
cluster:
  nodePools:
    - {name: tpu, machineType: ct5lp-hightpu-4t, tpu: {topology: 4x4, slices: 2}, nodes: 4}
queues:
  - {name: train, pools: [tpu]}
workloads:
  - {name: jax, image: j:1, queue: train, replicas: 4, distributed: jax, restarts: 2, runAsUser: 1000}
",
)];

/// The custom resources of manifests text, read by an independent parser.
fn custom_resources(manifests: &str) -> Vec<Value> {
    support::yaml::documents(manifests)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .filter(|o| is_custom(o["apiVersion"].as_str().unwrap_or_default()))
        .collect()
}

/// (where from, custom resource) for every example and test spec, and for
/// the test specs again with every queued pool using queued provisioning
/// (set on the model: the pools' capacity setting comes with another change).
fn emitted() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut sources: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("examples/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read");
            (p.display().to_string(), text)
        })
        .collect();
    sources.sort();
    sources.extend(SPECS.iter().map(|(n, s)| (n.to_string(), s.to_string())));
    let mut out = Vec::new();
    for (name, src) in &sources {
        let c = podwire::compile(src, &podwire::Options::default());
        assert!(c.ok, "{name}: {:#?}", c.diagnostics);
        let text = c
            .files
            .iter()
            .find(|f| f.path == podwire::MANIFESTS_FILE)
            .map(|f| f.content.clone())
            .unwrap_or_default();
        out.extend(
            custom_resources(&text)
                .into_iter()
                .map(|o| (name.clone(), o)),
        );
    }
    for (name, src) in SPECS {
        let mut m = podwire::analyze(src).model.expect("compiles");
        let queued: BTreeSet<usize> = m
            .queues
            .iter()
            .flat_map(|q| q.flavors.iter().map(|f| f.pool))
            .collect();
        for i in queued {
            m.pools[i].capacity = podwire::model::Capacity::Queued;
        }
        let text = podwire::k8s::manifests_yaml(&podwire::k8s::objects(&m)).expect("yaml");
        out.extend(
            custom_resources(&text)
                .into_iter()
                .map(|o| (format!("{name} (queued provisioning)"), o)),
        );
    }
    out
}

#[test]
fn every_custom_resource_validates_against_its_crd() {
    let Some(crds) = shared_crds() else {
        eprintln!("skipping: ../shared (with crds/) not present");
        return;
    };
    let objects = emitted();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (from, o) in &objects {
        let id = format!(
            "{from}: {} {}",
            o["kind"].as_str().unwrap_or("?"),
            o["metadata"]["name"].as_str().unwrap_or("?")
        );
        *kinds
            .entry(o["kind"].as_str().unwrap_or("?").to_string())
            .or_default() += 1;
        if NOT_IN_SHARED.contains(&o["apiVersion"].as_str().unwrap_or_default()) {
            continue;
        }
        if let Err(errors) = validate(&crds, o) {
            failures.push(format!("{id}:\n  {}", errors.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every kind podwire makes was checked at least once.
    for kind in [
        "ResourceFlavor",
        "ClusterQueue",
        "LocalQueue",
        "WorkloadPriorityClass",
        "ProvisioningRequestConfig",
        "AdmissionCheck",
        "JobSet",
        "LeaderWorkerSet",
    ] {
        assert!(kinds.contains_key(kind), "no {kind} was checked: {kinds:?}");
    }
    eprintln!("validated {} custom resources: {kinds:?}", objects.len());
}

/// A small CRD in the shape the projects publish, for the tests below.
const TOY_CRD: &str = "
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.x-k8s.io}
spec:
  group: example.x-k8s.io
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            apiVersion: {type: string}
            kind: {type: string}
            metadata: {type: object}
            spec:
              type: object
              required: [size]
              properties:
                size:
                  anyOf: [{type: integer}, {type: string}]
                  pattern: '^[0-9]+(Gi|Mi)?$'
                  x-kubernetes-int-or-string: true
                count: {type: integer, format: int32}
                kindName: {type: string, pattern: '^(?i)[a-z]([-a-z0-9]*[a-z0-9])?$'}
                note: {type: string, nullable: true}
                extra:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
                  properties:
                    known: {type: string}
                tags:
                  type: array
                  x-kubernetes-list-type: set
                  items: {type: string}
                ports:
                  type: array
                  x-kubernetes-list-type: map
                  x-kubernetes-list-map-keys: [name]
                  items:
                    type: object
                    required: [name]
                    properties:
                      name: {type: string}
                      port: {type: integer}
    - name: v0
      served: false
      storage: false
      schema:
        openAPIV3Schema: {type: object}
";

fn toy() -> Vec<Crd> {
    read_crds("toy.yaml", TOY_CRD).expect("toy CRD")
}

fn widget(spec: Value) -> Value {
    json!({
        "apiVersion": "example.x-k8s.io/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "n", "labels": {"app.kubernetes.io/name": "w"}},
        "spec": spec,
    })
}

#[test]
fn the_translated_schema_keeps_kubernetes_meaning() {
    let crds = toy();
    let ok = |spec: Value| validate(&crds, &widget(spec.clone())).map_err(|e| (spec, e));
    // int-or-string: both, with the pattern on strings; nullable; unknown
    // fields where preserved; a set of distinct strings; map keys distinct.
    for spec in [
        json!({"size": 3}),
        json!({"size": "10Gi"}),
        json!({"size": 1, "note": null}),
        json!({"size": 1, "note": "n"}),
        json!({"size": 1, "extra": {"known": "k", "anything": {"x": [1]}}}),
        json!({"size": 1, "tags": ["a", "b"]}),
        json!({"size": 1, "ports": [{"name": "a", "port": 1}, {"name": "b", "port": 1}]}),
        json!({"size": 1, "count": 2147483647}),
        json!({"size": 1, "kindName": "ProvisioningRequestConfig"}),
        json!({"size": 1, "kindName": "widget-2"}),
    ] {
        assert_eq!(ok(spec), Ok(()));
    }
}

#[test]
fn the_validator_refuses_wrong_objects() {
    let crds = toy();
    let errors = |o: Value| match validate(&crds, &o) {
        Ok(()) => panic!("accepted: {o}"),
        Err(e) => e.join("\n"),
    };
    for (spec, why) in [
        (json!({}), "required"),
        (json!({"size": "10 Gi"}), "pattern"),
        (json!({"size": 1.5}), "float"),
        (json!({"size": 1, "colour": "red"}), "unknown field"),
        (
            json!({"size": 1, "extra": {"known": 1}}),
            "known field of the wrong type",
        ),
        (json!({"size": 1, "tags": ["a", "a"]}), "set with a repeat"),
        (
            json!({"size": 1, "ports": [{"name": "a"}, {"name": "a"}]}),
            "map key twice",
        ),
        (json!({"size": 1, "count": 2147483648u64}), "int32 overflow"),
        (
            json!({"size": 1, "note": 3}),
            "nullable string of the wrong type",
        ),
        (
            json!({"size": 1, "kindName": "2widgets"}),
            "case-insensitive pattern",
        ),
        (
            json!({"size": 1, "kindName": "Wid_get"}),
            "case-insensitive pattern",
        ),
    ] {
        let e = errors(widget(spec.clone()));
        assert!(!e.is_empty(), "{why}: {spec}");
    }
    // Unknown fields at the top, no CRD, an unserved version, a wrong scope,
    // bad metadata.
    let mut o = widget(json!({"size": 1}));
    o["status"] = json!({});
    assert!(errors(o).contains("status"));
    let mut o = widget(json!({"size": 1}));
    o["kind"] = json!("Gadget");
    assert!(errors(o).contains("no CRD defines Gadget"));
    let mut o = widget(json!({"size": 1}));
    o["apiVersion"] = json!("example.x-k8s.io/v0");
    assert!(errors(o).contains("not served"));
    let mut o = widget(json!({"size": 1}));
    o["metadata"] = json!({"name": "w"});
    assert!(errors(o).contains("namespaced"));
    let mut o = widget(json!({"size": 1}));
    o["metadata"]["name"] = json!("W_1");
    assert!(errors(o).contains("DNS subdomain"));
    let mut o = widget(json!({"size": 1}));
    o["metadata"]["labels"] = json!({"kueue.x-k8s.io/priority-class": "x".repeat(64)});
    assert!(errors(o).contains("not a valid label"));
}

#[test]
fn go_patterns_become_ecma_ones() {
    assert_eq!(ecma_pattern("^[a-z]+$"), "^[a-z]+$");
    assert_eq!(
        ecma_pattern("^(?i)[a-z]([-a-z0-9]*[a-z0-9])?$"),
        "^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$"
    );
    assert_eq!(ecma_pattern("^x(?i)ab\\.c[d]$"), "^x[aA][bB]\\.[cC][dD]$");
}

#[test]
fn custom_groups_are_told_from_built_in_ones() {
    for v in [
        "kueue.x-k8s.io/v1beta2",
        "jobset.x-k8s.io/v1alpha2",
        "leaderworkerset.x-k8s.io/v1",
        "monitoring.googleapis.com/v1",
    ] {
        assert!(is_custom(v), "{v}");
    }
    for v in [
        "v1",
        "apps/v1",
        "batch/v1",
        "networking.k8s.io/v1",
        "autoscaling/v2",
        "policy/v1",
    ] {
        assert!(!is_custom(v), "{v}");
    }
}

/// With shared/: a Kueue object podwire could get wrong is refused by the
/// real CRD (the translation does not accept everything).
#[test]
fn the_real_crds_refuse_wrong_kueue_objects() {
    let Some(crds) = shared_crds() else {
        eprintln!("skipping: ../shared (with crds/) not present");
        return;
    };
    let cq = json!({
        "apiVersion": "kueue.x-k8s.io/v1beta2",
        "kind": "ClusterQueue",
        "metadata": {"name": "q"},
        "spec": {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "n"}},
            "resourceGroups": [{"coveredResources": ["cpu"], "flavors": [
                {"name": "f", "resources": [{"name": "cpu", "nominalQuota": "8"}]}
            ]}]
        }
    });
    assert_eq!(validate(&crds, &cq), Ok(()));
    let broken = |path: &[&str], v: Value| {
        let mut o = cq.clone();
        let mut at = &mut o;
        for p in &path[..path.len() - 1] {
            at = match p.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[*p],
            };
        }
        at[path[path.len() - 1]] = v;
        validate(&crds, &o).is_err()
    };
    let quota = [
        "spec",
        "resourceGroups",
        "0",
        "flavors",
        "0",
        "resources",
        "0",
    ];
    assert!(broken(
        &[&quota[..], &["nominalQuota"]].concat(),
        json!("lots")
    ));
    assert!(
        broken(&["spec", "admissionChecks"], json!(["a"])),
        "v1beta1's field, gone in v1beta2"
    );
    assert!(broken(
        &["spec", "resourceGroups", "0", "flavors", "0", "name"],
        json!("F_1")
    ));
    assert!(broken(
        &["spec", "resourceGroups", "0", "coveredResources"],
        json!([])
    ));
    assert!(
        broken(&["metadata", "namespace"], json!("n")),
        "cluster-scoped"
    );
    let wpc = json!({
        "apiVersion": "kueue.x-k8s.io/v1beta2",
        "kind": "WorkloadPriorityClass",
        "metadata": {"name": "p"},
        "value": 100
    });
    assert_eq!(validate(&crds, &wpc), Ok(()));
    let mut bad = wpc.clone();
    bad["value"] = json!("high");
    assert!(validate(&crds, &bad).is_err());
    let mut bad = wpc.clone();
    bad["spec"] = json!({"value": 100});
    assert!(validate(&crds, &bad).is_err(), "value is top level");
}
