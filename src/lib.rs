//! podwire: compile one YAML spec of an AI workload on GKE into the GKE
//! cluster create request, the Kubernetes manifests and the kubeconfig.
//!
//! The core is a pure pipeline with no I/O: parse (with source spans) ->
//! check (resolve into a [`model::Model`], collecting [`Diagnostic`]s) ->
//! lower (GKE, Kubernetes, kubeconfig) -> emit (JSON, YAML).

pub mod catalog;
pub mod check;
pub mod diag;
pub mod gke;
pub mod graph;
pub mod k8s;
pub mod kubeconfig;
pub mod model;
mod par;
pub mod spec;
// Used by the spec reader's fast path (src/spec/fast.rs); the emitter no
// longer does (so part of it is unused until the coordinator removes it).
#[allow(dead_code)]
mod swar;
pub mod yaml;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

#[cfg(not(target_arch = "wasm32"))]
pub mod submit;

pub use diag::{Diagnostic, Severity, SourceSpan};

use schemars::JsonSchema;
use serde::Serialize;

/// Paths of the output files, relative to the output directory.
pub const GKE_FILE: &str = "gke/cluster.json";
pub const MANIFESTS_FILE: &str = "k8s/manifests.yaml";
pub const KUBECONFIG_FILE: &str = "kubeconfig.yaml";

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Options for [`compile`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The live cluster's endpoint and CA, for a complete kubeconfig.
    pub endpoint: Option<kubeconfig::Endpoint>,
}

/// One output file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct OutputFile {
    pub path: String,
    pub content: String,
}

/// The checked and resolved spec, before anything is rendered.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub model: Option<model::Model>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parse and check a spec (YAML or JSON).
pub fn analyze(source: &str) -> Analysis {
    let decoded = spec::decode::decode(source);
    let mut pending = decoded.diagnostics;
    let mut model = None;
    if decoded.parsed {
        let (m, more) = check::check(&decoded.spec, &decoded.spans, &decoded.poisoned);
        pending.extend(more);
        model = m;
    }
    let diagnostics = diag::finalize(source, pending);
    if diagnostics.iter().any(Diagnostic::is_error) {
        model = None;
    }
    Analysis { model, diagnostics }
}

/// Everything a spec compiles to, typed.
#[derive(Debug, Clone)]
pub struct Compilation {
    pub model: model::Model,
    pub request: gke::CreateClusterRequest,
    /// The Kubernetes objects, in apply order.
    pub objects: Vec<k8s::Object>,
}

/// An output that could not be written. The generated types serialize
/// without error (string keys only), so this is a bug in podwire; it is
/// reported instead of writing an empty or partial file.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    #[error("cannot write YAML: {0}")]
    Yaml(#[from] yaml::Error),
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl Compilation {
    pub fn new(model: model::Model) -> Self {
        let request = gke::create_cluster_request(&model);
        let objects = k8s::objects(&model);
        Compilation {
            model,
            request,
            objects,
        }
    }

    /// `gke/cluster.json`: the cluster create request.
    pub fn cluster_json(&self) -> Result<String, EmitError> {
        let mut s = serde_json::to_string_pretty(&self.request)?;
        s.push('\n');
        Ok(s)
    }

    /// `k8s/manifests.yaml`.
    pub fn manifests_yaml(&self) -> Result<String, EmitError> {
        Ok(k8s::manifests_yaml(&self.objects)?)
    }

    /// `kubeconfig.yaml`.
    pub fn kubeconfig_yaml(&self, ep: Option<&kubeconfig::Endpoint>) -> Result<String, EmitError> {
        Ok(kubeconfig::render(&self.model, ep)?)
    }

    /// The three output files.
    pub fn files(&self, ep: Option<&kubeconfig::Endpoint>) -> Result<Vec<OutputFile>, EmitError> {
        let file = |path: &str, content: String| OutputFile {
            path: path.into(),
            content,
        };
        Ok(vec![
            file(GKE_FILE, self.cluster_json()?),
            file(MANIFESTS_FILE, self.manifests_yaml()?),
            file(KUBECONFIG_FILE, self.kubeconfig_yaml(ep)?),
        ])
    }
}

/// The result of [`compile`]: files when there are no errors, and every diagnostic.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Compiled {
    pub ok: bool,
    pub files: Vec<OutputFile>,
    pub diagnostics: Vec<Diagnostic>,
    pub graph: Option<graph::Graph>,
}

/// Compile a spec: the one entry point every front end uses.
pub fn compile(source: &str, opts: &Options) -> Compiled {
    let mut a = analyze(source);
    let failed = |diagnostics| Compiled {
        ok: false,
        files: Vec::new(),
        diagnostics,
        graph: None,
    };
    let Some(m) = a.model else {
        return failed(a.diagnostics);
    };
    let c = Compilation::new(m);
    match c.files(opts.endpoint.as_ref()) {
        Ok(files) => Compiled {
            ok: true,
            files,
            diagnostics: a.diagnostics,
            graph: Some(graph::graph(&c.model)),
        },
        Err(e) => {
            a.diagnostics.push(Diagnostic {
                code: diag::codes::INTERNAL.to_string(),
                severity: Severity::Error,
                message: format!("podwire could not write its output: {e}"),
                path: String::new(),
                span: None,
                help: Some("this is a bug in podwire; please report it with the spec".into()),
            });
            failed(a.diagnostics)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A spec of `n` workloads of every kind, with connections between them.
    fn big_spec(n: usize) -> String {
        let mut s = String::from("apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: big}\ngcp: {project: my-project, location: us-central1}\ncluster:\n  nodePools:\n    - {name: cpu, machineType: n2-standard-32, autoscaling: {min: 1, max: 1000}}\n    - {name: gpu, machineType: g2-standard-96, autoscaling: {min: 0, max: 1000}}\nworkloads:\n");
        for i in 0..n {
            let (pool, run) = [("cpu", "service"), ("gpu", "job"), ("cpu", "service")][i % 3];
            s.push_str(&format!("  - name: w{i}\n    image: r/w:{i}\n    pool: {pool}\n    run: {run}\n    replicas: 2\n    peers: {}\n    ports: [{{name: http, port: 8000}}]\n", i % 2 == 0));
            if i % 5 == 0 {
                s.push_str("    expose: external\n");
            }
        }
        s.push_str("connections:\n  - {from: internet, to: w0, ports: [http]}\n");
        for i in 1..n {
            s.push_str(&format!(
                "  - {{from: w{}, to: w{i}, ports: [http]}}\n",
                i - 1
            ));
        }
        s
    }

    /// Large specs are decoded and checked in two halves on two threads:
    /// the diagnostics (before their sorting by position, too) and the model
    /// must be those of the sequential path.
    #[test]
    fn large_specs_are_checked_as_the_sequential_path_checks_them() {
        let mut src = big_spec(300);
        // Mistakes in both halves, for decoding (unknown field, wrong type,
        // also in a connection) and for checking (bad name, unknown pool,
        // duplicate, too many GPUs).
        for (from, to) in [
            ("  - name: w3\n", "  - name: W3\n    colour: red\n"),
            ("  - name: w100\n", "  - name: w100\n    replicas: many\n"),
            ("r/w:151\n    pool: gpu", "r/w:151\n    pool: tpu"),
            (
                "  - name: w152\n    image: r/w:152\n    pool: cpu",
                "  - name: w1\n    image: r/w:152\n    pool: cpx",
            ),
            ("  - name: w299\n", "  - name: w299\n    gpus: 99\n"),
            (
                "  - {from: w249, to: w250, ports: [http]}",
                "  - {from: w249, to: w250, ports: [http], colour: red}",
            ),
        ] {
            assert!(src.contains(from), "{from:?}");
            src = src.replacen(from, to, 1);
        }
        let raw = |src: &str| {
            let d = spec::decode::decode(src);
            let (model, more) = check::check(&d.spec, &d.spans, &d.poisoned);
            format!(
                "{:?}\n{:?}\n{:?}\n{model:?}",
                d.diagnostics, d.poisoned, more
            )
        };
        let parallel = (raw(&src), analyze(&src).diagnostics);
        // A workload's duplicate name is reported before its own mistakes,
        // as a source-order walk finds them.
        let dup = parallel.0.find("`w1` is defined twice");
        let pool = parallel.0.find("unknown node pool `cpx`");
        assert!(dup.is_some() && dup < pool, "{}", parallel.0);
        par::SEQUENTIAL.with(|s| s.set(true));
        let sequential = (raw(&src), analyze(&src).diagnostics);
        par::SEQUENTIAL.with(|s| s.set(false));
        assert!(parallel.1.len() >= 5, "{:?}", parallel.1);
        assert_eq!(parallel, sequential);
        // And a clean large spec resolves to the same model.
        let clean = big_spec(300);
        let parallel = raw(&clean);
        par::SEQUENTIAL.with(|s| s.set(true));
        let sequential = raw(&clean);
        par::SEQUENTIAL.with(|s| s.set(false));
        assert!(parallel.contains("Some(Model"), "clean spec resolves");
        assert_eq!(parallel, sequential);
    }
}
