//! The wasm-bindgen exports (src/wasm.rs), run in Node by
//! wasm-bindgen-test-runner:
//!
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!   cargo test --target wasm32-unknown-unknown --features wasm-bindgen-test --test wasm
//!
//! (`scripts/test-wasm` does this.) On other targets this file is empty.
#![cfg(all(target_arch = "wasm32", feature = "wasm-bindgen-test"))]

use js_sys::{Array, Object, Reflect, JSON};
use podwire::wasm;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const SEED: &str = include_str!("../examples/seed.yaml");

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).expect("property")
}

fn seed_with(from: &str, to: &str) -> String {
    assert!(SEED.contains(from), "seed lacks {from:?}");
    SEED.replacen(from, to, 1)
}

fn line_of(src: &str, needle: &str) -> u32 {
    let i = src.find(needle).expect("needle");
    src[..i].matches('\n').count() as u32 + 1
}

#[wasm_bindgen_test]
fn every_bundled_example_compiles_to_the_three_files() {
    let ex = wasm::bundled_examples();
    let names: Vec<&str> = ex.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "seed",
            "pytorch-a3",
            "serving-l4-spot",
            "tpu-v5e-jax",
            "mixed-stack",
            "llama-l4-serving",
            "flex-h100-kueue",
            "queued-a3-mega",
            "v5e-multislice-jax",
            "pytorch-restarts-data",
            "a3-mega-tcpxo",
            "flex-h100-pytorch",
            "a4-rdma-train",
            "llama-405b-multihost"
        ]
    );
    for e in &ex {
        let c = wasm::js_compiled(podwire::compile(&e.source, &Default::default()));
        assert!(c.ok, "{}: {:?}", e.name, c.diagnostics);
        let paths: Vec<&str> = c.files.iter().map(|f| f.path.as_str()).collect();
        // GPUDirect pools add the extra networks' requests.
        let expected: &[&str] = if e.name == "a3-mega-tcpxo" || e.name == "a4-rdma-train" {
            &[
                "gke/cluster.json",
                "gke/networks.json",
                "k8s/manifests.yaml",
                "kubeconfig.yaml",
            ]
        } else {
            &["gke/cluster.json", "k8s/manifests.yaml", "kubeconfig.yaml"]
        };
        assert_eq!(paths, expected, "{}", e.name);
        assert!(
            c.files.iter().all(|f| f.content.ends_with('\n')),
            "{}",
            e.name
        );
        let g = c.graph.expect("graph");
        assert!(!g.workloads.is_empty() && !g.pools.is_empty(), "{}", e.name);
    }
}

#[wasm_bindgen_test]
fn compile_export_returns_plain_js_objects() {
    let v = wasm::compile_js(SEED, None).map_err(|_| "threw").unwrap();
    assert_eq!(get(&v, "ok").as_bool(), Some(true));
    let files: Array = get(&v, "files").dyn_into().expect("files is an array");
    assert_eq!(files.length(), 3);
    assert_eq!(
        get(&files.get(0), "path").as_string().as_deref(),
        Some("gke/cluster.json")
    );
    let json = get(&files.get(0), "content").as_string().unwrap();
    let native = podwire::compile(SEED, &Default::default());
    assert_eq!(
        json, native.files[0].content,
        "the JS value carries the exact bytes"
    );
    let manifests = get(&files.get(1), "content").as_string().unwrap();
    assert!(manifests.contains("name: tensor-service"));
    let graph = get(&v, "graph");
    let workloads: Array = get(&graph, "workloads").dyn_into().unwrap();
    assert_eq!(
        get(&workloads.get(0), "name").as_string().as_deref(),
        Some("tensor")
    );
    assert!(Array::is_array(&get(&v, "diagnostics")));
}

#[wasm_bindgen_test]
fn spec_errors_are_diagnostics_with_1_based_lines_not_exceptions() {
    let src = seed_with("replicas: 3", "replicas: -1");
    let v = wasm::compile_js(&src, None).map_err(|_| "threw").unwrap();
    assert_eq!(get(&v, "ok").as_bool(), Some(false));
    assert!(get(&v, "graph").is_null());
    assert_eq!(Array::from(&get(&v, "files")).length(), 0);
    let ds = Array::from(&get(&v, "diagnostics"));
    assert_eq!(ds.length(), 1);
    let d = ds.get(0);
    assert_eq!(get(&d, "code").as_string().as_deref(), Some("PW0008"));
    assert_eq!(get(&d, "severity").as_string().as_deref(), Some("error"));
    assert_eq!(
        get(&d, "path").as_string().as_deref(),
        Some("workloads[0].replicas")
    );
    let line = line_of(&src, "replicas: -1");
    // The position is nested, as in `podwire check --format json`.
    let span = get(&d, "span");
    assert_eq!(get(&span, "line").as_f64(), Some(line as f64));
    let col = src
        .lines()
        .nth(line as usize - 1)
        .unwrap()
        .find("-1")
        .unwrap();
    assert_eq!(get(&span, "column").as_f64(), Some(col as f64 + 1.0));
    // UTF-16 offsets index the JS string.
    let start = get(&span, "utf16Start").as_f64().unwrap() as u32;
    let end = get(&span, "utf16End").as_f64().unwrap() as u32;
    let js_src = js_sys::JsString::from(src.as_str());
    assert_eq!(String::from(js_src.substring(start, end)), "-1");
}

#[wasm_bindgen_test]
fn warnings_do_not_stop_compilation() {
    let src = seed_with("machineType: n1-standard-1", "machineType: zz-foo-1");
    let c = wasm::js_compiled(podwire::compile(&src, &Default::default()));
    assert!(c.ok);
    assert_eq!(c.files.len(), 3);
    let d = c
        .diagnostics
        .iter()
        .find(|d| d.code == "PW0301")
        .expect("unknown machine type warning");
    assert_eq!(d.severity, podwire::Severity::Warning);
    assert_eq!(
        d.span.as_ref().map(|s| s.line),
        Some(line_of(&src, "zz-foo-1"))
    );
}

#[wasm_bindgen_test]
fn utf16_offsets_count_astral_characters_as_two_units() {
    let src =
        seed_with("# The seed:", "# 😀 é The seed:").replacen("replicas: 3", "replicas: three", 1);
    let c = wasm::js_compiled(podwire::compile(&src, &Default::default()));
    assert!(!c.ok);
    let d = c
        .diagnostics
        .iter()
        .find(|d| d.path == "workloads[0].replicas")
        .expect("replicas diagnostic");
    let byte = src.find("three").unwrap();
    let utf16 = src[..byte].encode_utf16().count();
    assert_eq!(d.span.as_ref().map(|s| s.utf16_start), Some(utf16));
    assert_eq!(
        utf16,
        byte - 3,
        "😀 is 4 bytes / 2 units, é 2 bytes / 1 unit"
    );
    assert_eq!(
        d.span.as_ref().map(|s| s.line),
        Some(line_of(&src, "three"))
    );
}

#[wasm_bindgen_test]
fn garbage_and_empty_input_do_not_throw() {
    for src in [
        "",
        "{",
        ":\n  - [",
        "\u{0}\u{feff}",
        "apiVersion: 3\nkind: [",
        &"a:\n ".repeat(200),
    ] {
        let v = wasm::compile_js(src, None).map_err(|_| "threw").unwrap();
        assert_eq!(get(&v, "ok").as_bool(), Some(false), "{src:?}");
        assert!(Array::from(&get(&v, "diagnostics")).length() > 0, "{src:?}");
        let c = wasm::check_js(src).map_err(|_| "threw").unwrap();
        assert_eq!(get(&c, "ok").as_bool(), Some(false));
    }
}

#[wasm_bindgen_test]
fn diagnostic_without_span_has_null_position() {
    let d = podwire::Diagnostic {
        code: "PW0002".into(),
        severity: podwire::Severity::Warning,
        message: "m".into(),
        path: String::new(),
        span: None,
        help: Some("h".into()),
    };
    let j = serde_json::to_value(d).unwrap();
    assert_eq!(j["span"], serde_json::Value::Null);
    assert_eq!(j["severity"], "warning");
    assert_eq!(j["help"], "h");
    let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["code", "severity", "message", "path", "span", "help"]
    );
}

#[wasm_bindgen_test]
fn check_matches_compile_diagnostics() {
    let src = seed_with("replicas: 3", "replicas: -1");
    let c = podwire::compile(&src, &Default::default());
    let k = wasm::js_checked(&src);
    assert!(!k.ok);
    assert_eq!(k.diagnostics, c.diagnostics);
}

#[wasm_bindgen_test]
fn options_fill_the_kubeconfig_and_bad_options_throw() {
    let opts: Object =
        JSON::parse(r#"{"endpoint":{"endpoint":"34.1.2.3","caCertificate":"Q0E="}}"#)
            .unwrap()
            .dyn_into()
            .unwrap();
    let v = wasm::compile_js(SEED, Some(opts))
        .map_err(|_| "threw")
        .unwrap();
    let kc = get(&Array::from(&get(&v, "files")).get(2), "content")
        .as_string()
        .unwrap();
    assert!(kc.contains("server: https://34.1.2.3"), "{kc}");
    assert!(kc.contains("certificate-authority-data: Q0E="), "{kc}");
    let empty: Object = JSON::parse("{}").unwrap().dyn_into().unwrap();
    assert!(wasm::compile_js(SEED, Some(empty)).is_ok());
    let typo: Object = JSON::parse(r#"{"endpiont":{}}"#)
        .unwrap()
        .dyn_into()
        .unwrap();
    assert!(
        wasm::compile_js(SEED, Some(typo)).is_err(),
        "unknown option keys are caller bugs"
    );
}

#[wasm_bindgen_test]
fn schemas_and_version() {
    let s = wasm::schema_js().map_err(|_| "threw").unwrap();
    assert_eq!(
        get(&s, "$id").as_string().as_deref(),
        Some("https://podwire.dev/schema/v1alpha1.json")
    );
    assert_eq!(wasm::version_js(), env!("CARGO_PKG_VERSION"));
    let api = wasm::api_schema();
    let defs = api["$defs"].as_object().unwrap();
    for n in [
        "Compiled",
        "Checked",
        "Diagnostic",
        "SourceSpan",
        "Example",
        "CompileOptions",
        "ClusterEndpoint",
        "Graph",
        "OutputFile",
    ] {
        assert!(
            defs.contains_key(n),
            "apiSchema lacks {n}: {:?}",
            defs.keys().collect::<Vec<_>>()
        );
    }
    // Outputs always carry every field (null when absent), so all are required.
    for (def, fields) in [
        ("Diagnostic", &["span", "help", "path"][..]),
        (
            "SourceSpan",
            &["line", "column", "utf16Start", "utf16End"][..],
        ),
    ] {
        let req = defs[def]["required"].as_array().unwrap();
        for f in fields {
            assert!(req.iter().any(|r| r == f), "{def}.{f} must be required");
        }
    }
    assert_eq!(
        defs["Severity"]["enum"],
        serde_json::json!(["error", "warning"])
    );
    // Inputs: options are optional.
    assert!(defs["CompileOptions"]
        .get("required")
        .is_none_or(|r| r.as_array().unwrap().is_empty()));
}

#[wasm_bindgen_test]
fn compile_with_files_renders_only_those() {
    let opts: Object = JSON::parse(r#"{"files":["kubeconfig.yaml"]}"#)
        .unwrap()
        .dyn_into()
        .unwrap();
    let r = wasm::compile_js(SEED, Some(opts))
        .map_err(|_| "threw")
        .unwrap();
    let files = Array::from(&get(&r, "files"));
    assert_eq!(files.length(), 1);
    assert_eq!(
        get(&files.get(0), "path").as_string().as_deref(),
        Some("kubeconfig.yaml")
    );
    assert!(get(&r, "graph").is_object());
    let bad: Object = JSON::parse(r#"{"files":["nope.yaml"]}"#)
        .unwrap()
        .dyn_into()
        .unwrap();
    assert!(wasm::compile_js(SEED, Some(bad)).is_err());
}

/// PW0418 in the module too, also when only the cluster request is
/// rendered (the playground's preview): the size is decided in `analyze`.
#[wasm_bindgen_test]
fn an_object_too_large_to_store_is_refused() {
    let resources = "    resources: {cpu: 250m, memory: 512Mi}\n";
    let big = format!("{resources}    env: {{BIG: \"{}\"}}\n", "x".repeat(2 << 20));
    let src = seed_with(resources, &big);
    let options = wasm::JsCompileOptions {
        endpoint: None,
        files: Some(vec!["gke/cluster.json".to_string()]),
    };
    let c = wasm::js_compile(&src, options).expect("options are valid");
    assert!(!c.ok);
    assert!(c.files.is_empty());
    let d = c
        .diagnostics
        .iter()
        .find(|d| d.code == "PW0418")
        .expect("PW0418");
    assert_eq!(d.path, "workloads[0].env.BIG");
}

/// The playground's Preview: the first update holds everything, an update
/// of the same text nothing but the paths, an edit only what it changes.
#[wasm_bindgen_test]
fn preview_updates_hold_only_what_changed() {
    let gke = || -> Object {
        JSON::parse(r#"{"files":["gke/cluster.json"]}"#)
            .unwrap()
            .dyn_into()
            .unwrap()
    };
    let mut p = wasm::PreviewJs::new();
    let first = p.update(SEED, Some(gke())).map_err(|_| "threw").unwrap();
    assert_eq!(get(&first, "ok").as_bool(), Some(true));
    assert!(get(&first, "diagnostics").is_object());
    assert_eq!(get(&first, "graphChanged").as_bool(), Some(true));
    assert!(get(&first, "graph").is_object());
    let files = Array::from(&get(&first, "files"));
    assert_eq!(files.length(), 1);
    let whole = wasm::compile_js(SEED, Some(gke()))
        .map_err(|_| "threw")
        .unwrap();
    assert_eq!(
        get(&files.get(0), "content").as_string(),
        get(&Array::from(&get(&whole, "files")).get(0), "content").as_string()
    );
    p.tidy(); // freeing what the update replaced changes nothing of the next
    let again = p.update(SEED, Some(gke())).map_err(|_| "threw").unwrap();
    assert!(get(&again, "diagnostics").is_null());
    assert_eq!(get(&again, "graphChanged").as_bool(), Some(false));
    assert!(get(&again, "graph").is_null());
    let files = Array::from(&get(&again, "files"));
    assert_eq!(files.length(), 1);
    assert!(get(&files.get(0), "content").is_null());
    // A mistake: diagnostics, no graph, no files.
    let bad = p
        .update(&seed_with("replicas: ", "replicas: -"), Some(gke()))
        .map_err(|_| "threw")
        .unwrap();
    assert_eq!(get(&bad, "ok").as_bool(), Some(false));
    assert!(Array::from(&get(&bad, "diagnostics")).length() > 0);
    assert_eq!(get(&bad, "graphChanged").as_bool(), Some(true));
    assert!(get(&bad, "graph").is_null());
    assert_eq!(Array::from(&get(&bad, "files")).length(), 0);
}
