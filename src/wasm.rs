//! The JavaScript face of the core (wasm-bindgen exports). Conversion only:
//! every decision about what to generate is made by [`crate::compile`] and
//! [`crate::analyze`]; this module reshapes results into JSON-shaped JS
//! values (diagnostics in the core's one shape) and describes them with JSON Schema, from which the npm package's
//! TypeScript declarations are generated (`scripts/build-pkg`).
//!
//! Nothing here panics on user input: spec mistakes come back as
//! diagnostics. Only a malformed `options` object (a caller bug that
//! TypeScript rejects) or an internal bug throws.
//!
//! The module compiles on every target (the exports themselves only on
//! wasm32), so that native tests check the API's schema: the wasm build
//! does not generate JSON Schemas (schemars' generator is large); it embeds
//! the checked-in `schema/*.json`, which `tests/schema_files.rs` proves equal
//! to what the types generate.

use crate::graph::Graph;
use crate::{kubeconfig, Diagnostic, OutputFile};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[cfg(target_arch = "wasm32")]
pub use bindings::*;

/// What `compile` returns: the output files (exactly the paths and bytes
/// `podwire compile --out` writes) when there are no errors, every
/// diagnostic, and the wiring graph for diagrams.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "Compiled")]
pub struct JsCompiled {
    /// No errors (warnings allowed).
    pub ok: bool,
    /// `gke/cluster.json`, `k8s/manifests.yaml`, `kubeconfig.yaml`; empty on errors.
    pub files: Vec<OutputFile>,
    /// In the one shape of [`crate::Diagnostic`], as `podwire check --format json`.
    pub diagnostics: Vec<Diagnostic>,
    /// Node pools, workloads, Services and allowed flows; `null` on errors.
    pub graph: Option<Graph>,
}

/// What `check` returns.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "Checked")]
pub struct JsChecked {
    pub ok: bool,
    /// In the one shape of [`crate::Diagnostic`], as `podwire check --format json`.
    pub diagnostics: Vec<Diagnostic>,
}

/// One bundled example spec.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "Example")]
pub struct JsExample {
    /// File stem, e.g. `seed`.
    pub name: String,
    /// The YAML source.
    pub source: String,
}

/// A live cluster's endpoint and CA, for a complete kubeconfig.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "ClusterEndpoint")]
pub struct JsEndpoint {
    /// Host, IP or `host:port` (no scheme), as GKE's `Cluster.endpoint`.
    pub endpoint: String,
    /// `masterAuth.clusterCaCertificate` (base64 PEM), used verbatim.
    pub ca_certificate: String,
}

/// Options of `compile`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "CompileOptions")]
pub struct JsCompileOptions {
    /// Without it the kubeconfig has a placeholder server and no CA.
    #[serde(default)]
    pub endpoint: Option<JsEndpoint>,
    /// Render only these output files (`gke/cluster.json`,
    /// `k8s/manifests.yaml`, `kubeconfig.yaml`); default: all three. The
    /// diagnostics and the graph are the same either way. For previews that
    /// show one file of a large spec.
    #[serde(default)]
    pub files: Option<Vec<String>>,
}

impl JsCompileOptions {
    /// The core's options, and which files to render (`None`: all); an
    /// unknown path is a caller bug.
    pub fn split(self) -> Result<(crate::Options, Option<Vec<&'static str>>), String> {
        let opts = crate::Options {
            endpoint: self.endpoint.map(|e| kubeconfig::Endpoint {
                endpoint: e.endpoint,
                ca_certificate: e.ca_certificate,
            }),
            exits_after: false,
        };
        let Some(files) = self.files else {
            return Ok((opts, None));
        };
        let known = [
            crate::GKE_FILE,
            crate::MANIFESTS_FILE,
            crate::KUBECONFIG_FILE,
        ];
        let files = files
            .iter()
            .map(|f| {
                known
                    .iter()
                    .find(|k| **k == f.as_str())
                    .copied()
                    .ok_or_else(|| format!("files: unknown output file `{f}`"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((opts, Some(files)))
    }
}

/// `compile` with the JS options: every file, or only those asked for.
pub fn js_compile(source: &str, options: JsCompileOptions) -> Result<JsCompiled, String> {
    let (opts, files) = options.split()?;
    Ok(js_compiled(match files {
        None => crate::compile(source, &opts),
        Some(fs) => crate::compile_only(source, &opts, &|p| fs.contains(&p)),
    }))
}

/// The core's result, reshaped for JavaScript.
pub fn js_compiled(c: crate::Compiled) -> JsCompiled {
    JsCompiled {
        ok: c.ok,
        files: c.files,
        diagnostics: c.diagnostics,
        graph: c.graph,
    }
}

/// The core's check result, reshaped for JavaScript.
pub fn js_checked(source: &str) -> JsChecked {
    let a = crate::analyze(source);
    JsChecked {
        ok: !a.has_errors(),
        diagnostics: a.diagnostics,
    }
}

/// The bundled examples, embedded at compile time (the first one is the
/// playground's default).
pub fn bundled_examples() -> Vec<JsExample> {
    const EXAMPLES: &[(&str, &str)] = &[
        ("seed", include_str!("../examples/seed.yaml")),
        ("pytorch-a3", include_str!("../examples/pytorch-a3.yaml")),
        (
            "serving-l4-spot",
            include_str!("../examples/serving-l4-spot.yaml"),
        ),
        ("tpu-v5e-jax", include_str!("../examples/tpu-v5e-jax.yaml")),
        ("mixed-stack", include_str!("../examples/mixed-stack.yaml")),
        (
            "llama-l4-serving",
            include_str!("../examples/llama-l4-serving.yaml"),
        ),
        (
            "flex-h100-kueue",
            include_str!("../examples/flex-h100-kueue.yaml"),
        ),
        (
            "queued-a3-mega",
            include_str!("../examples/queued-a3-mega.yaml"),
        ),
        (
            "v5e-multislice-jax",
            include_str!("../examples/v5e-multislice-jax.yaml"),
        ),
        (
            "pytorch-restarts-data",
            include_str!("../examples/pytorch-restarts-data.yaml"),
        ),
        (
            "a3-mega-tcpxo",
            include_str!("../examples/a3-mega-tcpxo.yaml"),
        ),
        (
            "flex-h100-pytorch",
            include_str!("../examples/flex-h100-pytorch.yaml"),
        ),
        (
            "a4-rdma-train",
            include_str!("../examples/a4-rdma-train.yaml"),
        ),
        (
            "llama-405b-multihost",
            include_str!("../examples/llama-405b-multihost.yaml"),
        ),
    ];
    EXAMPLES
        .iter()
        .map(|(n, s)| JsExample {
            name: (*n).into(),
            source: (*s).into(),
        })
        .collect()
}

/// JSON Schema (draft 2020-12) of every value crossing the JS boundary, with
/// each type under `$defs`; the build turns it into TypeScript
/// (scripts/pkg-assemble.mjs reads it from `schema/api.json`).
#[cfg(not(target_arch = "wasm32"))]
pub fn api_schema() -> serde_json::Value {
    use schemars::generate::SchemaSettings;
    let mut out = serde_json::Map::new();
    // Outputs: every field is always present (Option = null), so the
    // serialize contract, which marks them required.
    let mut g = SchemaSettings::default().for_serialize().into_generator();
    g.subschema_for::<JsCompiled>();
    g.subschema_for::<JsChecked>();
    g.subschema_for::<JsExample>();
    g.subschema_for::<crate::preview::PreviewUpdate>();
    out.extend(g.take_definitions(true));
    // Inputs: optional fields may be omitted.
    let mut g = SchemaSettings::default().for_deserialize().into_generator();
    g.subschema_for::<JsCompileOptions>();
    out.extend(g.take_definitions(true));
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "podwire JavaScript API",
        "$defs": out,
    })
}

/// [`api_schema`] in the wasm build: `schema/api.json`, checked in.
#[cfg(target_arch = "wasm32")]
pub fn api_schema() -> serde_json::Value {
    serde_json::from_str(API_SCHEMA_JSON).expect("schema/api.json is JSON (tests/schema_files.rs)")
}

/// `schema/api.json`: [`api_schema`] as compact JSON with a final newline
/// (`tests/schema_files.rs` checks it against the types).
pub const API_SCHEMA_JSON: &str = include_str!("../schema/api.json");

// ---- wasm-bindgen exports ------------------------------------------------

#[cfg(target_arch = "wasm32")]
mod bindings {
    use super::*;
    use wasm_bindgen::prelude::*;

    fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsError> {
        let text = serde_json::to_string(v)
            .map_err(|e| JsError::new(&format!("podwire bug: cannot serialize: {e}")))?;
        js_sys::JSON::parse(&text)
            .map_err(|_| JsError::new("podwire bug: cannot parse its own JSON"))
    }

    fn options_from_js(options: Option<js_sys::Object>) -> Result<JsCompileOptions, JsError> {
        let Some(o) = options else {
            return Ok(JsCompileOptions::default());
        };
        let text = js_sys::JSON::stringify(&o)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| JsError::new("podwire: options must be a plain object"))?;
        let invalid =
            |e: &dyn std::fmt::Display| JsError::new(&format!("podwire: invalid options: {e}"));
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| invalid(&e))?;
        crate::spec::typed::from_value(value).map_err(|e| invalid(&e))
    }

    /// Compile a spec (YAML or JSON). Never throws for mistakes in the spec:
    /// they are in `diagnostics`, and `ok` is false.
    #[wasm_bindgen(js_name = compile, unchecked_return_type = "Compiled")]
    pub fn compile_js(
        source: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "CompileOptions")] options: Option<
            js_sys::Object,
        >,
    ) -> Result<JsValue, JsError> {
        let c = js_compile(source, options_from_js(options)?)
            .map_err(|e| JsError::new(&format!("podwire: invalid options: {e}")))?;
        to_js(&c)
    }

    /// Check a spec without rendering anything.
    #[wasm_bindgen(js_name = check, unchecked_return_type = "Checked")]
    pub fn check_js(source: &str) -> Result<JsValue, JsError> {
        to_js(&js_checked(source))
    }

    /// A live preview (an editor's): each `update` compiles the whole text and
    /// returns only what changed since the previous one (see `PreviewUpdate`).
    #[wasm_bindgen(js_name = Preview)]
    pub struct PreviewJs(crate::preview::Preview);

    #[wasm_bindgen(js_class = Preview)]
    impl PreviewJs {
        #[wasm_bindgen(constructor)]
        #[allow(clippy::new_without_default)]
        pub fn new() -> PreviewJs {
            PreviewJs(crate::preview::Preview::new())
        }

        /// Compile `source` (YAML or JSON) with `options` (its `files`: the
        /// outputs to render). Never throws for mistakes in the spec.
        #[wasm_bindgen(unchecked_return_type = "PreviewUpdate")]
        pub fn update(
            &mut self,
            source: &str,
            #[wasm_bindgen(unchecked_optional_param_type = "CompileOptions")] options: Option<
                js_sys::Object,
            >,
        ) -> Result<JsValue, JsError> {
            let (opts, files) = options_from_js(options)?
                .split()
                .map_err(|e| JsError::new(&format!("podwire: invalid options: {e}")))?;
            let u = match files {
                None => self.0.update(source, &opts, &|_| true),
                Some(fs) => self.0.update(source, &opts, &|p| fs.contains(&p)),
            };
            to_js(&u)
        }

        /// Free what the last update replaced; call it when idle (after
        /// showing the update). Not calling it is fine: the next update
        /// does it, on the way to its result.
        pub fn tidy(&mut self) {
            self.0.tidy();
        }
    }

    /// The JSON Schema of the spec language (what `podwire schema` prints).
    #[wasm_bindgen(js_name = schema, unchecked_return_type = "JsonSchema")]
    pub fn schema_js() -> Result<JsValue, JsError> {
        to_js(&crate::spec::json_schema())
    }

    /// The bundled example specs.
    #[wasm_bindgen(js_name = examples, unchecked_return_type = "Example[]")]
    pub fn examples_js() -> Result<JsValue, JsError> {
        to_js(&bundled_examples())
    }

    /// podwire's version (the crate version).
    #[wasm_bindgen(js_name = version)]
    pub fn version_js() -> String {
        crate::VERSION.to_string()
    }
}
