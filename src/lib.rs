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

/// [`analyze`] for a spec given as bytes (as read from a file): invalid UTF-8
/// is a located error like any other. Also returns the text the diagnostics'
/// spans refer to (a lossy copy when the bytes are not UTF-8).
pub fn analyze_bytes(bytes: &[u8]) -> (std::borrow::Cow<'_, str>, Analysis) {
    match spec::decode::utf8_text(bytes) {
        Ok(text) => (text.into(), analyze(text)),
        Err(refused) => {
            let (lossy, pending) = *refused;
            let diagnostics = diag::finalize(&lossy, vec![pending]);
            let analysis = Analysis {
                model: None,
                diagnostics,
            };
            (lossy.into(), analysis)
        }
    }
}

/// [`compile`] for a spec given as bytes; see [`analyze_bytes`].
pub fn compile_bytes<'b>(bytes: &'b [u8], opts: &Options) -> (std::borrow::Cow<'b, str>, Compiled) {
    match spec::decode::utf8_text(bytes) {
        Ok(text) => (text.into(), compile(text, opts)),
        Err(refused) => {
            let (lossy, pending) = *refused;
            let diagnostics = diag::finalize(&lossy, vec![pending]);
            let compiled = Compiled {
                ok: false,
                files: Vec::new(),
                diagnostics,
                graph: None,
            };
            (lossy.into(), compiled)
        }
    }
}

/// Everything a spec compiles to, typed.
#[derive(Debug, Clone)]
pub struct Compilation {
    pub model: model::Model,
    pub request: gke::CreateClusterRequest,
    pub objects: Vec<k8s::Object>,
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

    pub fn cluster_json(&self) -> String {
        cluster_json(&self.request)
    }

    pub fn manifests_yaml(&self) -> String {
        let mut w = k8s::ManifestWriter::with_capacity(self.objects.len());
        for o in &self.objects {
            w.push(o);
        }
        w.finish()
    }

    pub fn kubeconfig_yaml(&self, ep: Option<&kubeconfig::Endpoint>) -> String {
        kubeconfig::render(&self.model, ep)
    }

    pub fn files(&self, ep: Option<&kubeconfig::Endpoint>) -> Vec<OutputFile> {
        output_files(
            self.cluster_json(),
            self.manifests_yaml(),
            self.kubeconfig_yaml(ep),
        )
    }
}

fn cluster_json(request: &gke::CreateClusterRequest) -> String {
    let mut s = serde_json::to_string_pretty(request).unwrap_or_default();
    s.push('\n');
    s
}

fn output_files(cluster: String, manifests: String, kubeconfig: String) -> Vec<OutputFile> {
    vec![
        OutputFile {
            path: GKE_FILE.into(),
            content: cluster,
        },
        OutputFile {
            path: MANIFESTS_FILE.into(),
            content: manifests,
        },
        OutputFile {
            path: KUBECONFIG_FILE.into(),
            content: kubeconfig,
        },
    ]
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
    let a = analyze(source);
    match a.model {
        // The same files as `Compilation::files`, but each Kubernetes object is
        // written and freed as soon as it is built (no Vec of thousands).
        Some(m) => {
            let (manifests, (cluster, kubeconfig, graph)) = k8s::manifests_yaml_beside(&m, || {
                (
                    cluster_json(&gke::create_cluster_request(&m)),
                    kubeconfig::render(&m, opts.endpoint.as_ref()),
                    graph::graph(&m),
                )
            });
            Compiled {
                ok: true,
                files: output_files(cluster, manifests, kubeconfig),
                diagnostics: a.diagnostics,
                graph: Some(graph),
            }
        }
        None => Compiled {
            ok: false,
            files: Vec::new(),
            diagnostics: a.diagnostics,
            graph: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLES: &[&str] = &[
        include_str!("../examples/seed.yaml"),
        include_str!("../examples/pytorch-a3.yaml"),
        include_str!("../examples/serving-l4-spot.yaml"),
        include_str!("../examples/tpu-v5e-jax.yaml"),
        include_str!("../examples/mixed-stack.yaml"),
    ];

    /// `compile` streams the objects; `Compilation` (used by `apply`) keeps
    /// them. Both must write the very same files.
    #[test]
    fn streamed_compile_equals_the_kept_compilation() {
        for src in EXAMPLES {
            let streamed = compile(src, &Options::default());
            assert!(streamed.ok);
            let Some(m) = analyze(src).model else {
                panic!("example compiles")
            };
            let kept = Compilation::new(m);
            assert_eq!(streamed.files, kept.files(None));
            let docs: Vec<String> = kept.objects.iter().map(k8s::Object::to_yaml).collect();
            assert_eq!(streamed.files[1].content, docs.join("---\n"));
        }
    }

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

    /// Large specs write the manifests in chunks on two threads: the bytes
    /// must be those of the sequential, one-object-at-a-time path (300
    /// workloads: 16 chunks of 19, the last one shorter).
    #[test]
    fn parallel_manifests_equal_the_sequential_ones() {
        for n in [1, 63, 64, 65, 300] {
            let src = big_spec(n);
            let Some(m) = analyze(&src).model else {
                panic!("generated spec of {n} compiles")
            };
            let mut w = k8s::ManifestWriter::with_capacity(1);
            k8s::each_object(&m, &mut |o| w.push(&o));
            let sequential = w.finish();
            assert_eq!(k8s::manifests_yaml(&m), sequential, "{n} workloads");
            assert_eq!(
                compile(&src, &Options::default()).files[1].content,
                sequential
            );
        }
    }
}
