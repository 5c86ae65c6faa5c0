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
pub mod plan;
pub mod preview;
pub mod spec;
pub mod yaml;

pub mod wasm;

#[cfg(not(target_arch = "wasm32"))]
pub mod submit;

pub use diag::{Diagnostic, Severity, SourceSpan};

use schemars::JsonSchema;
use serde::Serialize;

/// Paths of the output files, relative to the output directory.
pub const GKE_FILE: &str = "gke/cluster.json";
/// The Compute Engine requests for GPUDirect pools' extra networks; only
/// for specs that have such pools.
pub const NETWORKS_FILE: &str = "gke/networks.json";
pub const MANIFESTS_FILE: &str = "k8s/manifests.yaml";
pub const KUBECONFIG_FILE: &str = "kubeconfig.yaml";

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Options for [`compile`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The live cluster's endpoint and CA, for a complete kubeconfig.
    pub endpoint: Option<kubeconfig::Endpoint>,
    /// The caller is a process that exits once it has used the result (the
    /// CLI's `compile`): the compile leaves its intermediate values (the
    /// YAML tree, the decoded spec, the model and objects) for the exit to
    /// reclaim instead of freeing them one allocation at a time, as clang's
    /// driver does with `-disable-free`. That freeing was 11-15% of the
    /// user CPU time (6-9% of the wall time) of a whole-process 200-workload
    /// compile, whose budget (issue 10) it was at the edge of. Never set
    /// where compiles repeat (the wasm module, a server).
    pub exits_after: bool,
}

/// One output file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct OutputFile {
    pub path: String,
    pub content: String,
}

impl OutputFile {
    fn new(path: &str, content: String) -> Self {
        OutputFile {
            path: path.into(),
            content,
        }
    }

    /// Whether the file must be readable by its owner only (mode 0600): the
    /// kubeconfig, which front ends may fill with the cluster's endpoint and
    /// which kubectl refuses to trust when others can change it.
    pub fn is_secret(&self) -> bool {
        self.path == KUBECONFIG_FILE
    }
}

/// The checked and resolved spec, before anything is rendered.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub model: Option<model::Model>,
    /// The model's Kubernetes objects, in apply order (built once: the
    /// checks on the objects themselves ran on these, and compile emits
    /// them). Empty when there is no model.
    pub objects: Vec<k8s::Object>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// The compilation of the checked model, reusing its objects.
    pub fn into_compilation(self) -> Option<Compilation> {
        let model = self.model?;
        Some(Compilation {
            request: gke::create_cluster_request(&model),
            networks: gke::networks::network_requests(&model),
            objects: self.objects,
            model,
        })
    }
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parse and check a spec (YAML or JSON).
pub fn analyze(source: &str) -> Analysis {
    analyze_memo(source, &mut Memo::default())
}

/// What a live preview keeps of its previous compile, to do less for the
/// next (see [`k8s::ObjectMemo`] and [`spec::decode::DecodeMemo`]). The
/// default keeps nothing: a plain compile.
#[derive(Debug, Default)]
pub(crate) struct Memo {
    pub objects: k8s::ObjectMemo,
    /// None: no workloads are kept (a plain compile).
    pub decode: Option<spec::decode::DecodeMemo>,
    /// [`Options::exits_after`]: intermediate values are not freed.
    pub exits_after: bool,
}

/// [`analyze`], measuring the objects with what `memo` kept of the previous
/// compile's (a preview's). The objects are the memo's current ones until
/// [`k8s::ObjectMemo::end`] (an analysis with errors ends it itself).
fn analyze_memo(source: &str, memo: &mut Memo) -> Analysis {
    let mut decoded = spec::decode::decode_memo(source, &mut memo.decode);
    let exits_after = memo.exits_after;
    let memo = &mut memo.objects;
    let mut pending = std::mem::take(&mut decoded.diagnostics);
    let mut model = None;
    let mut objects = Vec::new();
    if decoded.parsed {
        let (m, more) = check::check(&decoded.spec, &decoded.spans, &decoded.poisoned);
        pending.extend(more);
        if let Some(m) = &m {
            objects = memo.objects(m);
            memo.begin(&objects);
            pending.extend(name_clashes(&decoded, &objects));
            pending.extend(too_large(&decoded, memo.oversized(&objects)));
        }
        model = m;
    }
    let diagnostics = diag::finalize(source, pending);
    if diagnostics.iter().any(Diagnostic::is_error) {
        model = None;
        memo.end(std::mem::take(&mut objects), None);
    }
    if exits_after {
        std::mem::forget(decoded);
    }
    Analysis {
        model,
        objects,
        diagnostics,
    }
}

/// The generated objects' sizes (k8s::oversized), each too large one located
/// at its workload's largest `env` value, argument or command word when that
/// alone is a sizeable part of the limit, else at the workload.
fn too_large(
    decoded: &spec::decode::Decoded,
    oversized: Vec<k8s::Oversized>,
) -> Vec<diag::Pending> {
    oversized
        .into_iter()
        .map(|o| {
            let index = o
                .workload
                .as_ref()
                .and_then(|w| decoded.spec.workloads.iter().position(|s| &s.name == w));
            let path = match index {
                Some(i) => largest_field(i, &decoded.spec.workloads[i])
                    .filter(|(len, _)| *len >= k8s::MAX_OBJECT_BYTES / 4)
                    .map_or_else(|| format!("workloads[{i}]"), |(_, path)| path),
                None => "metadata.name".to_string(),
            };
            diag::Pending {
                code: diag::codes::OBJECT_TOO_LARGE,
                severity: Severity::Error,
                message: format!(
                    "the {} `{}` would be {} bytes, more than the {} (1.5 MiB) the API server stores in one object",
                    o.kind,
                    o.name,
                    o.bytes,
                    k8s::MAX_OBJECT_BYTES
                ),
                span: decoded.spans.get(&path),
                path,
                help: Some(
                    "keep large data out of the spec: mount it from a bucket or read it from a Secret (`env: {secret, key}`) instead of `env` values or `args`".to_string(),
                ),
            }
        })
        .collect()
}

/// The longest `env` value, argument or command word of workload `i`, with
/// its path.
fn largest_field(i: usize, w: &spec::Workload) -> Option<(usize, String)> {
    let env = w.env.iter().filter_map(|(k, v)| match v {
        spec::EnvValue::Text(t) => Some((t.len(), format!("workloads[{i}].env.{k}"))),
        spec::EnvValue::Secret(_) => None,
    });
    let args =
        (w.args.iter().enumerate()).map(|(j, a)| (a.len(), format!("workloads[{i}].args[{j}]")));
    let command = (w.command.iter().enumerate())
        .map(|(j, a)| (a.len(), format!("workloads[{i}].command[{j}]")));
    env.chain(args).chain(command).max_by_key(|(len, _)| *len)
}

/// The generated objects' identities, checked on the objects themselves
/// (k8s::name_clashes), each clash located at the workload's name.
fn name_clashes(decoded: &spec::decode::Decoded, objects: &[k8s::Object]) -> Vec<diag::Pending> {
    k8s::name_clashes(objects)
        .into_iter()
        .map(|c| {
            let index = c
                .workload
                .as_ref()
                .and_then(|w| decoded.spec.workloads.iter().position(|s| &s.name == w));
            let path = match index {
                Some(i) => format!("workloads[{i}].name"),
                None => "metadata.name".to_string(),
            };
            let (message, help) = if let Some(lws) = &c.lws {
                (
                    format!("the {} `{}` would take a name the LeaderWorkerSet `{lws}` gives its own group Services and worker pods (`{lws}-<group>`, `{lws}-<group>-<index>`)", c.kind, c.name),
                    "rename one of the workloads (or the `service.name`)".to_string(),
                )
            } else if c.kubernetes_own {
                (
                    format!("the {} `{}` would take the one Kubernetes makes in every namespace", c.kind, c.name),
                    "rename the workload".to_string(),
                )
            } else {
                let other = match &c.with {
                    Some(w) => format!("workload `{w}`'s"),
                    None => "podwire's own".to_string(),
                };
                (
                    format!("the {} `{}` would be generated twice: it is also {other}", c.kind, c.name),
                    "rename the workload (or its `service.name`) so every generated object keeps its own name".to_string(),
                )
            };
            diag::Pending {
                code: diag::codes::OBJECT_NAME_CLASH,
                severity: Severity::Error,
                message,
                span: decoded.spans.get(&path),
                path,
                help: Some(help),
            }
        })
        .collect()
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
                objects: Vec::new(),
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
    /// The extra networks' Compute Engine requests (GPUDirect pools only).
    pub networks: Option<gke::networks::NetworkRequests>,
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
        let networks = gke::networks::network_requests(&model);
        let objects = k8s::objects(&model);
        Compilation {
            model,
            request,
            networks,
            objects,
        }
    }

    /// The Secrets the workloads read (`env: {secret, key}`), by namespace,
    /// name and keys: what must exist before the workloads start (podwire
    /// never creates a Secret nor holds a value). See
    /// [`model::Model::required_secrets`].
    pub fn required_secrets(&self) -> Vec<model::RequiredSecret> {
        self.model.required_secrets()
    }

    /// `gke/networks.json`: the extra networks' requests, when there are any.
    pub fn networks_json(&self) -> Result<Option<String>, EmitError> {
        self.networks
            .as_ref()
            .map(|n| {
                let mut s = serde_json::to_string_pretty(n)?;
                s.push('\n');
                Ok(s)
            })
            .transpose()
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

    /// The output files: the cluster request, the networks' requests (only
    /// with GPUDirect pools), the manifests and the kubeconfig.
    pub fn files(&self, ep: Option<&kubeconfig::Endpoint>) -> Result<Vec<OutputFile>, EmitError> {
        self.files_only(ep, &|_| true)
    }

    /// The output files whose path `wanted` accepts, in the order of [`Self::files`]
    /// (a preview renders only the file it shows).
    pub fn files_only(
        &self,
        ep: Option<&kubeconfig::Endpoint>,
        wanted: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<OutputFile>, EmitError> {
        let mut memo = k8s::ObjectMemo::default();
        memo.begin(&self.objects);
        self.files_memo(ep, wanted, &mut memo)
    }

    /// [`Self::files_only`], the manifests written with what `memo` knows
    /// of the objects (begun with them).
    fn files_memo(
        &self,
        ep: Option<&kubeconfig::Endpoint>,
        wanted: &dyn Fn(&str) -> bool,
        memo: &mut k8s::ObjectMemo,
    ) -> Result<Vec<OutputFile>, EmitError> {
        let mut out = Vec::new();
        if wanted(GKE_FILE) {
            out.push(OutputFile::new(GKE_FILE, self.cluster_json()?));
        }
        if let Some(n) = self.networks_json()?.filter(|_| wanted(NETWORKS_FILE)) {
            out.push(OutputFile::new(NETWORKS_FILE, n));
        }
        if wanted(MANIFESTS_FILE) {
            let manifests = memo.manifests_yaml(&self.objects)?;
            out.push(OutputFile::new(MANIFESTS_FILE, manifests));
        }
        if wanted(KUBECONFIG_FILE) {
            out.push(OutputFile::new(KUBECONFIG_FILE, self.kubeconfig_yaml(ep)?));
        }
        Ok(out)
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
    compile_only(source, opts, &|_| true)
}

/// [`compile`], rendering only the output files whose path `wanted` accepts
/// (every diagnostic and the graph all the same).
pub fn compile_only(source: &str, opts: &Options, wanted: &dyn Fn(&str) -> bool) -> Compiled {
    let mut memo = Memo {
        exits_after: opts.exits_after,
        ..Memo::default()
    };
    compile_memo(source, opts, wanted, &mut memo)
}

/// [`compile_only`], with what `memo` kept of the previous compile's
/// objects (a preview's), and keeping this one's there.
pub(crate) fn compile_memo(
    source: &str,
    opts: &Options,
    wanted: &dyn Fn(&str) -> bool,
    memo: &mut Memo,
) -> Compiled {
    let mut a = analyze_memo(source, memo);
    let exits_after = memo.exits_after;
    let memo = &mut memo.objects;
    let mut diagnostics = std::mem::take(&mut a.diagnostics);
    let failed = |diagnostics| Compiled {
        ok: false,
        files: Vec::new(),
        diagnostics,
        graph: None,
    };
    let Some(c) = a.into_compilation() else {
        return failed(diagnostics);
    };
    let files = c.files_memo(opts.endpoint.as_ref(), wanted, memo);
    let graph = graph::graph(&c.model);
    if exits_after {
        std::mem::forget(c);
    } else {
        memo.end(c.objects, Some(c.model));
    }
    match files {
        Ok(files) => Compiled {
            ok: true,
            files,
            diagnostics,
            graph: Some(graph),
        },
        Err(e) => {
            diagnostics.push(Diagnostic {
                code: diag::codes::INTERNAL.to_string(),
                severity: Severity::Error,
                message: format!("podwire could not write its output: {e}"),
                path: String::new(),
                span: None,
                help: Some("this is a bug in podwire; please report it with the spec".into()),
            });
            failed(diagnostics)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_kubeconfig_is_secret() {
        let c = compile(include_str!("../examples/seed.yaml"), &Options::default());
        let secret: Vec<&str> = c
            .files
            .iter()
            .filter(|f| f.is_secret())
            .map(|f| f.path.as_str())
            .collect();
        assert_eq!(secret, vec![KUBECONFIG_FILE]);
    }

    /// Leaving the intermediate values to the exit changes nothing of the
    /// result, for a spec that compiles and one that does not.
    #[test]
    fn a_compile_that_exits_after_gives_the_same_result() {
        let exiting = Options {
            exits_after: true,
            ..Options::default()
        };
        for src in [
            include_str!("../examples/mixed-stack.yaml"),
            include_str!("../examples/seed.yaml"),
            "kind: x\n",
        ] {
            assert_eq!(compile(src, &exiting), compile(src, &Options::default()));
        }
    }

    #[test]
    fn compile_only_renders_the_files_asked_for_and_the_same_rest() {
        let src = include_str!("../examples/mixed-stack.yaml");
        let all = compile(src, &Options::default());
        for keep in [GKE_FILE, MANIFESTS_FILE, KUBECONFIG_FILE] {
            let one = compile_only(src, &Options::default(), &|p| p == keep);
            let want: Vec<_> = all
                .files
                .iter()
                .filter(|f| f.path == keep)
                .cloned()
                .collect();
            assert_eq!(one.files, want, "{keep}");
            assert_eq!(one.diagnostics, all.diagnostics);
            assert_eq!(one.graph, all.graph);
            assert!(one.ok);
        }
        let none = compile_only(src, &Options::default(), &|_| false);
        assert!(none.ok && none.files.is_empty() && none.graph == all.graph);
        // Errors are errors whatever is asked for.
        let bad = compile_only("kind: x\n", &Options::default(), &|_| true);
        assert!(!bad.ok && bad.files.is_empty() && bad.graph.is_none());
    }
}
