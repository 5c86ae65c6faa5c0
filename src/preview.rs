//! A live preview's compiles (the playground's, one per editor): every
//! update compiles the whole text, as [`crate::compile_only`] does, and
//! returns only what differs from the previous update's result. Typing into
//! a large spec usually changes one output file and neither the
//! diagnostics nor the graph: those are then not serialized, not sent
//! across the wasm boundary or a worker's message, and not compared again
//! by the page.

use crate::graph::Graph;
use crate::{Diagnostic, Options, OutputFile};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::HashMap;

/// The state of one preview: the last update's diagnostics, graph and
/// file contents (by path).
#[derive(Debug)]
pub struct Preview {
    diagnostics: Option<Vec<Diagnostic>>,
    graph: Option<Option<Graph>>,
    files: HashMap<String, String>,
    memo: crate::Memo,
}

/// What changed since the previous update of the same [`Preview`] (the
/// first update: everything). A front end keeps the last values and
/// replaces those that are not null.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "PreviewUpdate")]
pub struct PreviewUpdate {
    /// No errors (warnings allowed).
    pub ok: bool,
    /// Every diagnostic, or null when they are the previous update's.
    pub diagnostics: Option<Vec<Diagnostic>>,
    /// Whether the graph differs from the previous update's (`graph` is
    /// then the new one, possibly null: errors).
    pub graph_changed: bool,
    /// The graph when `graphChanged`, else null.
    pub graph: Option<Graph>,
    /// Each file asked for (none on errors), in the order of `compile`'s;
    /// `content` null when it is the one the previous update that rendered
    /// this path returned.
    pub files: Vec<PreviewFile>,
}

/// One output file of a [`PreviewUpdate`].
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "PreviewFile")]
pub struct PreviewFile {
    pub path: String,
    /// Null: unchanged since it was last returned.
    pub content: Option<String>,
}

impl Default for Preview {
    fn default() -> Self {
        Preview {
            diagnostics: None,
            graph: None,
            files: HashMap::new(),
            memo: crate::Memo {
                objects: crate::k8s::ObjectMemo::keeping(),
                decode: Some(Default::default()),
                exits_after: false,
            },
        }
    }
}

impl Preview {
    pub fn new() -> Self {
        Self::default()
    }

    /// Free what the last update replaced (the previous compile's objects).
    /// A front end calls it when idle, after it has shown the update; an
    /// update does it itself when it was not called, so memory stays
    /// bounded either way.
    pub fn tidy(&mut self) {
        self.memo.objects.tidy();
    }

    /// Compile `source`, rendering the files `wanted` accepts, and return
    /// what changed.
    pub fn update(
        &mut self,
        source: &str,
        opts: &Options,
        wanted: &dyn Fn(&str) -> bool,
    ) -> PreviewUpdate {
        let c = crate::compile_memo(source, opts, wanted, &mut self.memo);
        let diagnostics = if self.diagnostics.as_ref() == Some(&c.diagnostics) {
            None
        } else {
            self.diagnostics = Some(c.diagnostics.clone());
            Some(c.diagnostics)
        };
        let graph_changed = self.graph.as_ref() != Some(&c.graph);
        let graph = if graph_changed {
            self.graph = Some(c.graph.clone());
            c.graph
        } else {
            None
        };
        let files = c
            .files
            .into_iter()
            .map(|OutputFile { path, content }| {
                let same = self.files.get(&path) == Some(&content);
                if same {
                    PreviewFile {
                        path,
                        content: None,
                    }
                } else {
                    self.files.insert(path.clone(), content.clone());
                    PreviewFile {
                        path,
                        content: Some(content),
                    }
                }
            })
            .collect();
        PreviewUpdate {
            ok: c.ok,
            diagnostics,
            graph_changed,
            graph,
            files,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GKE_FILE, MANIFESTS_FILE};

    /// Replays updates the way a front end does (keeping the last values),
    /// and checks that it then holds exactly what `compile_only` returns.
    #[derive(Default)]
    struct Mirror {
        diagnostics: Vec<Diagnostic>,
        graph: Option<Graph>,
        files: HashMap<String, String>,
    }

    impl Mirror {
        fn apply(&mut self, u: PreviewUpdate) -> crate::Compiled {
            if let Some(d) = u.diagnostics {
                self.diagnostics = d;
            }
            if u.graph_changed {
                self.graph = u.graph;
            } else {
                assert!(u.graph.is_none());
            }
            let files = u
                .files
                .into_iter()
                .map(|f| {
                    if let Some(c) = f.content {
                        self.files.insert(f.path.clone(), c);
                    }
                    let content = self
                        .files
                        .get(&f.path)
                        .cloned()
                        .unwrap_or_else(|| panic!("{} never sent", f.path));
                    OutputFile {
                        path: f.path,
                        content,
                    }
                })
                .collect();
            crate::Compiled {
                ok: u.ok,
                files,
                diagnostics: self.diagnostics.clone(),
                graph: self.graph.clone(),
            }
        }
    }

    #[test]
    fn updates_replayed_give_what_compile_gives_and_omit_what_did_not_change() {
        let seed = include_str!("../examples/seed.yaml");
        let mixed = include_str!("../examples/mixed-stack.yaml");
        let retagged = seed.replacen("tensor-worker:1.0", "tensor-worker:1.1", 1);
        assert_ne!(seed, retagged);
        let broken = seed.replacen("workloads:", "workloadz:", 1);
        let o = Options::default();
        let gke = |p: &str| p == GKE_FILE;
        let manifests = |p: &str| p == MANIFESTS_FILE;
        let all = |_: &str| true;
        type Wanted<'a> = &'a dyn Fn(&str) -> bool;
        let steps: Vec<(&str, Wanted)> = vec![
            (seed, &gke),
            (seed, &gke),
            (&retagged, &gke),
            (&retagged, &manifests),
            (seed, &manifests),
            (&broken, &manifests),
            (seed, &manifests),
            (mixed, &all),
            (mixed, &all),
            (seed, &gke),
        ];
        let mut p = Preview::new();
        let mut m = Mirror::default();
        let mut sent = Vec::new();
        for (i, (src, wanted)) in steps.into_iter().enumerate() {
            let u = p.update(src, &o, wanted);
            sent.push((
                u.diagnostics.is_some(),
                u.graph_changed,
                u.files.iter().filter(|f| f.content.is_some()).count(),
            ));
            assert_eq!(m.apply(u), crate::compile_only(src, &o, wanted), "step {i}");
        }
        assert_eq!(
            sent,
            [
                (true, true, 1),   // first: everything
                (false, false, 0), // the same text: nothing
                (false, false, 0), // an image tag: the GKE request is the same
                (false, false, 1), // the manifests, first shown
                (false, false, 1), // ... which the old tag changes
                (true, true, 0),   // errors: no graph, no files
                (true, true, 0),   // fixed: the manifests as last sent
                (false, true, 3),  // another spec: no diagnostics either
                (false, false, 0),
                (false, true, 1),
            ]
        );
    }

    /// A preview takes a workload's objects over from its previous update
    /// when that workload and the model's context did not change
    /// (k8s::ObjectMemo): every edit of any line of any example (in a
    /// workload or the context), and going back, gives exactly what a fresh
    /// compile of the text gives.
    #[test]
    fn edits_of_any_line_give_what_a_fresh_compile_gives() {
        let o = Options::default();
        let all = |_: &str| true;
        let mut edits = 0;
        for example in crate::wasm::bundled_examples() {
            let src = example.source.as_str();
            let lines: Vec<&str> = src.split_inclusive('\n').collect();
            let mut p = Preview::new();
            let mut m = Mirror::default();
            assert_eq!(
                m.apply(p.update(src, &o, &all)),
                crate::compile_only(src, &o, &all)
            );
            for i in 0..lines.len() {
                let line = lines[i].trim_end_matches('\n');
                // A value one character longer (a name, an image, a number
                // ten times larger), and the line gone.
                for edited in [format!("{line}1\n"), String::new()] {
                    let text: String = (lines[..i].iter().copied())
                        .chain([edited.as_str()])
                        .chain(lines[i + 1..].iter().copied())
                        .collect();
                    for t in [text.as_str(), src] {
                        let want = crate::compile_only(t, &o, &all);
                        assert_eq!(
                            m.apply(p.update(t, &o, &all)),
                            want,
                            "{}: line {} edited",
                            example.name,
                            i + 1
                        );
                    }
                    edits += 1;
                }
            }
        }
        assert!(edits > 1000, "only {edits} edits");
    }

    /// A workload's NetworkPolicy names the pods and ports of the workloads
    /// it has connections with: editing one of those (and not the workload
    /// itself) changes its policy, which the preview must then make again.
    #[test]
    fn editing_a_workload_changes_the_policies_of_those_connected_to_it() {
        let o = Options::default();
        let manifests = |p: &str| p == MANIFESTS_FILE;
        // w0 -> w1 -> w2 -> w3 on all the target's ports (so the model's
        // connections stay the same when a port is edited): `http`, 8000.
        let src = generated(4).replace(", ports: [http]}", "}");
        let w1 = src.find("- name: w1\n").expect("w1");
        let port = w1 + src[w1..].find("port: 8000").expect("w1's port");
        let edited = format!(
            "{}port: 8001{}",
            &src[..port],
            &src[port + "port: 8000".len()..]
        );
        // The premise: w0's policy lets it send to w1 on w1's port, which the edit moved.
        let egress_ports = |text: &str| {
            let m = crate::analyze(text).model.expect("compiles");
            let policy = crate::k8s::objects(&m)
                .into_iter()
                .map(|o| o.to_json())
                .find(|o| o["kind"] == "NetworkPolicy" && o["metadata"]["name"] == "w0")
                .expect("w0's policy");
            let rules = policy["spec"]["egress"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            rules
                .iter()
                .flat_map(|r| r["ports"].as_array().cloned().unwrap_or_default())
                .filter_map(|p| p["port"].as_i64())
                .collect::<Vec<_>>()
        };
        assert!(egress_ports(&src).contains(&8000));
        assert!(egress_ports(&edited).contains(&8001) && !egress_ports(&edited).contains(&8000));
        let mut p = Preview::new();
        let mut m = Mirror::default();
        for text in [&src, &edited, &src] {
            assert_eq!(
                m.apply(p.update(text, &o, &manifests)),
                crate::compile_only(text, &o, &manifests)
            );
        }
    }

    /// The generated spec of benches/preview.rs (and tests/e2e/generated.mjs), of `n` workloads.
    fn generated(n: usize) -> String {
        let mut s = String::from("apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: big}\ngcp: {project: my-project, location: us-central1}\ncluster:\n  nodePools:\n    - {name: cpu, machineType: n2-standard-32, autoscaling: {min: 1, max: 1000}}\n    - {name: gpu, machineType: g2-standard-96, autoscaling: {min: 0, max: 1000}}\nworkloads:\n");
        for i in 0..n {
            let (pool, gpus) = if i % 2 == 0 {
                ("cpu", "")
            } else {
                ("gpu", "\n    gpus: 1")
            };
            s.push_str(&format!("  - name: w{i}\n    image: us-docker.pkg.dev/p/r/w:{i}\n    pool: {pool}\n    run: service\n    replicas: 2{gpus}\n    peers: {}\n    ports: [{{name: http, port: 8000}}]\n    resources: {{cpu: 500m, memory: 1Gi}}\n", i % 3 == 0));
        }
        s.push_str("connections:\n");
        for i in 1..n {
            s.push_str(&format!(
                "  - {{from: w{}, to: w{i}, ports: [http]}}\n",
                i - 1
            ));
        }
        s
    }

    /// Random typing (inserting and deleting characters anywhere, now and
    /// then going back to the original text or switching the file shown):
    /// after every update the replayed preview is exactly `compile_only`'s
    /// result, whatever the preview reused from earlier updates.
    #[test]
    fn random_edits_replayed_give_what_compile_gives() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n.max(1) as u64) as usize
        };
        let o = Options::default();
        let gke = |p: &str| p == GKE_FILE;
        let manifests = |p: &str| p == MANIFESTS_FILE;
        let all = |_: &str| true;
        type Wanted<'a> = &'a dyn Fn(&str) -> bool;
        let wanted: [Wanted; 3] = [&gke, &manifests, &all];
        let alphabet = ['1', 'a', ' ', ':', '-', '\n', '{', '"', 'w', '0'];
        let sources = [
            generated(8),
            include_str!("../examples/seed.yaml").to_string(),
            include_str!("../examples/mixed-stack.yaml").to_string(),
        ];
        for original in &sources {
            let mut p = Preview::new();
            let mut m = Mirror::default();
            let mut text = original.clone();
            let mut shown = 1;
            let mut ok = 0;
            for step in 0..120 {
                match next(20) {
                    0..=2 => text = original.clone(),
                    3 => shown = next(3),
                    // Typing at the end of a line (a value, mostly): the spec usually stays valid.
                    6..=19 => {
                        let ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
                        let at = ends.get(next(ends.len())).copied().unwrap_or(0);
                        text.insert(at, alphabet[next(2) * 9]);
                    }
                    4 if !text.is_empty() => {
                        let mut at = next(text.len());
                        while !text.is_char_boundary(at) {
                            at -= 1;
                        }
                        text.remove(at);
                    }
                    _ => {
                        let mut at = next(text.len() + 1);
                        while !text.is_char_boundary(at) {
                            at -= 1;
                        }
                        text.insert(at, alphabet[next(alphabet.len())]);
                    }
                }
                let u = p.update(&text, &o, wanted[shown]);
                if next(2) == 0 {
                    p.tidy(); // as a front end does when idle, now and then
                }
                ok += usize::from(u.ok);
                assert_eq!(
                    m.apply(u),
                    crate::compile_only(&text, &o, wanted[shown]),
                    "step {step} of:\n{text}"
                );
            }
            // Enough of the steps compile for the reuse to be exercised.
            assert!(ok >= 20, "{ok} of 120 steps compiled");
        }
    }
}
