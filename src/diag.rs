//! User mistakes as data: [`Diagnostic`]s with a stable code, a severity, the
//! field's path and its place in the source. Rendering to text lives here too
//! (pure string building), so the CLI and the wasm module print the same thing.

use serde::Serialize;

/// How bad a diagnostic is. Errors stop compilation; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A place in the source, as the YAML parser saw it: character indices and
/// 1-based line / 0-based character column. Converted to a [`SourceSpan`]
/// (bytes, UTF-16, 1-based columns) only when a diagnostic is finalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub line: u32,
    pub col: u32,
    pub end_line: u32,
    pub end_col: u32,
}

/// Where a diagnostic points, in every unit a consumer may want.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SourceSpan {
    /// 1-based line of the start.
    pub line: u32,
    /// 1-based column of the start, in Unicode scalar values.
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// Byte offsets into the UTF-8 source.
    pub start: usize,
    pub end: usize,
    /// UTF-16 code unit offsets (what JavaScript editors use).
    pub utf16_start: usize,
    pub utf16_end: usize,
}

/// One user mistake (or a warning about a likely one). This is the one
/// JSON shape of a diagnostic: `podwire check --format json` prints it (see
/// [`json_report`]) and the JavaScript API returns it, field for field:
/// `{code, severity, message, path, span: {line, column, endLine, endColumn,
/// start, end, utf16Start, utf16End} | null, help}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    /// Stable code, e.g. `PW0104`. See `codes` for the list.
    pub code: String,
    pub severity: Severity,
    pub message: String,
    /// The field's path in the spec, e.g. `cluster.nodePools[0].machineType`.
    pub path: String,
    pub span: Option<SourceSpan>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// What `--format json` prints for one spec file.
#[derive(Serialize)]
struct DiagnosticReport<'a> {
    file: &'a str,
    diagnostics: &'a [Diagnostic],
}

/// The diagnostics of `file` as the CLI's JSON document,
/// `{"file": ..., "diagnostics": [...]}` (pretty-printed).
pub fn json_report(file: &str, diagnostics: &[Diagnostic]) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&DiagnosticReport { file, diagnostics })
}

/// Converts parser positions (character indices) to byte and UTF-16 offsets.
pub struct LineIndex<'a> {
    src: &'a str,
    /// (char index, byte offset, utf16 offset) checkpoints at each line start.
    lines: Vec<(usize, usize, usize)>,
}

impl<'a> LineIndex<'a> {
    pub fn new(src: &'a str) -> Self {
        let mut lines = vec![(0, 0, 0)];
        let (mut ci, mut u16i) = (0usize, 0usize);
        for (bi, ch) in src.char_indices() {
            ci += 1;
            u16i += ch.len_utf16();
            if ch == '\n' {
                lines.push((ci, bi + 1, u16i));
            }
        }
        LineIndex { src, lines }
    }

    /// (byte offset, utf16 offset) of a character index.
    fn offsets(&self, char_idx: usize) -> (usize, usize) {
        let li = match self.lines.binary_search_by(|l| l.0.cmp(&char_idx)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let (c0, b0, u0) = self.lines[li];
        let (mut b, mut u) = (b0, u0);
        for ch in self.src[b0..].chars().take(char_idx.saturating_sub(c0)) {
            b += ch.len_utf8();
            u += ch.len_utf16();
        }
        (b, u)
    }

    pub fn source_span(&self, s: Span) -> SourceSpan {
        let (start, utf16_start) = self.offsets(s.start);
        let (end, utf16_end) = self.offsets(s.end.max(s.start));
        SourceSpan {
            line: s.line.max(1),
            column: s.col + 1,
            end_line: s.end_line.max(s.line.max(1)),
            end_column: s.end_col + 1,
            start,
            end,
            utf16_start,
            utf16_end,
        }
    }
}

/// Render diagnostics the way compilers do: a `FILE:LINE:COL:
/// error[CODE]: message` line (the form editors' problem matchers read), the
/// code frame (drawn by annotate-snippets), the field's path and the help.
pub fn render_text(file: &str, src: &str, diags: &[Diagnostic]) -> String {
    use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
    let renderer = Renderer::plain();
    let mut out = String::new();
    for d in diags {
        let (sev, level) = match d.severity {
            Severity::Error => ("error", Level::ERROR),
            Severity::Warning => ("warning", Level::WARNING),
        };
        match &d.span {
            Some(s) => out.push_str(&format!(
                "{file}:{}:{}: {sev}[{}]: {}\n",
                s.line, s.column, d.code, d.message
            )),
            None => out.push_str(&format!("{file}: {sev}[{}]: {}\n", d.code, d.message)),
        }
        let mut group = Group::with_level(level);
        if let Some(s) = &d.span {
            group = group.element(
                Snippet::source(src)
                    .fold(true)
                    .annotation(AnnotationKind::Primary.span(frame_range(src, s))),
            );
        }
        if !d.path.is_empty() {
            group = group.element(Level::NOTE.with_name("at").message(d.path.as_str()));
        }
        if let Some(h) = &d.help {
            group = group.element(Level::HELP.message(h.as_str()));
        }
        if !group.is_empty() {
            out.push_str(&renderer.render(&[group]));
            out.push('\n');
        }
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    if !diags.is_empty() {
        out.push_str(&format!(
            "{file}: {errors} error{}, {warnings} warning{}\n",
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" }
        ));
    }
    out
}

/// The byte range a code frame underlines: the span, kept on its first line
/// (a span over several lines, such as a whole mapping, is marked where it
/// starts), and at least one character wide (a missing field points at
/// where it belongs).
fn frame_range(src: &str, s: &SourceSpan) -> std::ops::Range<usize> {
    let start = s.start.min(src.len());
    let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
    let end = s.end.clamp(start, line_end.max(start));
    if end > start {
        return start..end;
    }
    let next = src[start..].chars().next().map_or(0, char::len_utf8);
    start..start + next
}

/// Closest candidate by edit distance (case-insensitive), for "did you mean"
/// hints: within a third of the longer word's length, ties going to the
/// candidate listed first.
pub fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let w = word.to_ascii_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = strsim::levenshtein(&w, &c.to_ascii_lowercase());
        let limit = (c.len().max(word.len()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("machineTyp", ["machineType", "nodes"]),
            Some("machineType")
        );
        assert_eq!(
            did_you_mean("replica", ["replicas", "image"]),
            Some("replicas")
        );
        assert_eq!(did_you_mean("zzzz", ["replicas", "image"]), None);
        // Equally close: the first listed wins.
        assert_eq!(did_you_mean("cat", ["bat", "cot", "car"]), Some("bat"));
        assert_eq!(did_you_mean("cat", ["cot", "bat"]), Some("cot"));
        assert_eq!(did_you_mean("REPLICA", ["replicas"]), Some("replicas"));
    }

    fn diagnostic(span: Option<SourceSpan>) -> Diagnostic {
        Diagnostic {
            code: "PW0008".into(),
            severity: Severity::Warning,
            message: "m".into(),
            path: "a.b".into(),
            span,
            help: Some("h".into()),
        }
    }

    #[test]
    fn frames_mark_the_first_line_of_a_span_and_unplaced_ones_have_none() {
        let src = "a:\n  b: 1\n  c: 2\n";
        let li = LineIndex::new(src);
        // `b: 1\n  c: 2`: from line 2 column 3 to line 3 column 7.
        let span = li.source_span(Span {
            start: 5,
            end: 16,
            line: 2,
            col: 2,
            end_line: 3,
            end_col: 6,
        });
        let text = render_text("f.yaml", src, &[diagnostic(Some(span))]);
        assert!(
            text.starts_with("f.yaml:2:3: warning[PW0008]: m\n"),
            "{text}"
        );
        assert!(text.contains("2 |   b: 1\n  |   ^^^^\n"), "{text}");
        assert!(!text.contains("c: 2"), "{text}");
        assert!(
            text.contains("= at: a.b\n") && text.contains("= help: h\n"),
            "{text}"
        );
        let text = render_text("f.yaml", src, &[diagnostic(None)]);
        assert_eq!(
            text,
            "f.yaml: warning[PW0008]: m\n = at: a.b\n = help: h\nf.yaml: 0 errors, 1 warning\n"
        );
    }

    #[test]
    fn the_json_shape_nests_the_span_and_keeps_nulls() {
        let src = "a: 1\n";
        let span = LineIndex::new(src).source_span(Span {
            start: 3,
            end: 4,
            line: 1,
            col: 3,
            end_line: 1,
            end_col: 4,
        });
        let report =
            json_report("f.yaml", &[diagnostic(Some(span)), diagnostic(None)]).expect("serializes");
        let v: serde_json::Value = serde_json::from_str(&report).expect("is JSON");
        assert_eq!(v["file"], "f.yaml");
        let placed = &v["diagnostics"][0];
        let keys: Vec<&str> = placed
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            ["code", "severity", "message", "path", "span", "help"]
        );
        assert_eq!(placed["severity"], "warning");
        assert_eq!(
            placed["span"],
            serde_json::json!({"line": 1, "column": 4, "endLine": 1, "endColumn": 5,
                "start": 3, "end": 4, "utf16Start": 3, "utf16End": 4})
        );
        assert_eq!(v["diagnostics"][1]["span"], serde_json::Value::Null);
        assert_eq!(v["diagnostics"][1]["help"], "h");
    }

    #[test]
    fn offsets_count_bytes_and_utf16() {
        let src = "a: é\nb: 😀x\n";
        let li = LineIndex::new(src);
        // 'x' is char index 9 (a,:, ,é,\n,b,:, ,😀 -> 9), line 2 col 4
        let s = li.source_span(Span {
            start: 9,
            end: 10,
            line: 2,
            col: 4,
            end_line: 2,
            end_col: 5,
        });
        assert_eq!(s.start, "a: é\nb: 😀".len());
        assert_eq!(s.utf16_start, 5 + 3 + 2);
        assert_eq!(s.column, 5);
    }
}

/// Stable diagnostic codes. Never renumber: users grep and suppress by code.
pub mod codes {
    // Structure (PW00xx)
    pub const SYNTAX: &str = "PW0001";
    pub const EMPTY: &str = "PW0002";
    pub const WRONG_TYPE: &str = "PW0003";
    pub const UNKNOWN_FIELD: &str = "PW0004";
    pub const MISSING_FIELD: &str = "PW0005";
    pub const API_VERSION: &str = "PW0006";
    pub const DUPLICATE_KEY: &str = "PW0007";
    pub const BAD_VALUE: &str = "PW0008";
    pub const MULTIPLE_DOCUMENTS: &str = "PW0009";
    // Names (PW01xx)
    pub const BAD_NAME: &str = "PW0101";
    pub const NAME_TOO_LONG: &str = "PW0102";
    pub const DUPLICATE_NAME: &str = "PW0103";
    pub const BAD_PORT_NAME: &str = "PW0104";
    pub const RESERVED_NAME: &str = "PW0105";
    pub const BAD_LABEL: &str = "PW0106";
    pub const DEFAULT_NAMESPACE: &str = "PW0107";
    pub const BAD_IMAGE: &str = "PW0108";
    // References (PW02xx)
    pub const UNKNOWN_POOL: &str = "PW0201";
    pub const POOL_REQUIRED: &str = "PW0202";
    pub const UNKNOWN_WORKLOAD: &str = "PW0203";
    pub const UNKNOWN_PORT: &str = "PW0204";
    pub const NO_SERVICE: &str = "PW0205";
    pub const BAD_CONNECTION: &str = "PW0206";
    pub const DUPLICATE_PORT: &str = "PW0207";
    pub const RENDEZVOUS_PORT: &str = "PW0208";
    pub const INJECTED_ENV: &str = "PW0209";
    // Hardware (PW03xx)
    pub const UNKNOWN_MACHINE: &str = "PW0301";
    pub const ACCELERATOR_TYPE: &str = "PW0302";
    pub const ACCELERATOR_COUNT: &str = "PW0303";
    pub const GPUS_PER_POD: &str = "PW0304";
    pub const POOL_CAPACITY: &str = "PW0305";
    pub const TPU_TOPOLOGY: &str = "PW0306";
    pub const NO_GPUS: &str = "PW0307";
    pub const NO_TPUS: &str = "PW0308";
    pub const POD_TOO_BIG: &str = "PW0309";
    pub const TPU_NODES: &str = "PW0310";
    pub const BAD_QUANTITY: &str = "PW0311";
    pub const TPU_SLICE: &str = "PW0312";
    /// A pool in a zone that does not offer its machine type (A3/A4, whose
    /// zones are few; a warning since podwire's list can lag Google's).
    pub const MACHINE_ZONE: &str = "PW0313";
    // GKE and network constraints (PW04xx)
    pub const COMPACT_ZONES: &str = "PW0401";
    pub const SPOT_RESERVATION: &str = "PW0402";
    pub const ZONE_OUTSIDE_REGION: &str = "PW0403";
    pub const BAD_PROJECT: &str = "PW0404";
    pub const BAD_LOCATION: &str = "PW0405";
    pub const BAD_CIDR: &str = "PW0406";
    pub const POLICY_NOT_ENFORCED: &str = "PW0407";
    pub const AUTOSCALING_RANGE: &str = "PW0408";
    pub const NO_POOLS: &str = "PW0409";
    pub const BAD_VERSION: &str = "PW0410";
    pub const BAD_EMAIL: &str = "PW0411";
    pub const SERVICE_NAME_CLASH: &str = "PW0412";
    pub const EXPOSE_WITHOUT_PORTS: &str = "PW0413";
    pub const PEERS_REQUIRED: &str = "PW0414";
    pub const WI_OFF: &str = "PW0415";
    pub const NEEDS_NAT: &str = "PW0416";
    /// Two generated objects would share kind, namespace and name, or one
    /// would take a name Kubernetes gives its own objects.
    pub const OBJECT_NAME_CLASH: &str = "PW0417";
    /// A generated object would be larger than the API server stores.
    pub const OBJECT_TOO_LARGE: &str = "PW0418";
    /// A pool's `secondaryBootDisk` is not a Compute Engine image path, or
    /// contradicts `imageStreaming: false`.
    pub const SECONDARY_BOOT_DISK: &str = "PW0419";
    // Pool capacity: spot, flex-start, queued, reservations (PW0420..PW0439)
    /// `spot` says otherwise than `capacity`.
    pub const CAPACITY_SPOT: &str = "PW0420";
    /// A reservation named on a pool whose capacity is not `reservation`
    /// (flex-start and queued pools consume none).
    pub const CAPACITY_RESERVATION: &str = "PW0421";
    /// `capacity: reservation` without saying which.
    pub const RESERVATION_MISSING: &str = "PW0422";
    /// A flex-start or queued pool with a fixed size or a minimum above 0.
    pub const DWS_SIZE: &str = "PW0423";
    /// A queued pool with compact placement.
    pub const QUEUED_COMPACT: &str = "PW0424";
    /// `maxRunDuration` on a pool that is neither flex-start nor queued.
    pub const MAX_RUN_DURATION_CAPACITY: &str = "PW0425";
    /// `maxRunDuration` that is not a duration, or out of range.
    pub const MAX_RUN_DURATION: &str = "PW0426";
    /// A reservation value that is not a reservation name (or block).
    pub const RESERVATION_NAME: &str = "PW0427";
    /// A reservation block (or sub-block) on a machine family whose
    /// reservations have none.
    pub const RESERVATION_BLOCK: &str = "PW0428";
    /// `any` with a block.
    pub const ANY_RESERVATION_BLOCK: &str = "PW0429";
    /// flex-start or queued on a machine type Dynamic Workload Scheduler
    /// does not offer.
    pub const DWS_MACHINE: &str = "PW0430";
    /// flex-start on a multi-host TPU slice (GKE documents single-host
    /// slices; multi-host ones use queued provisioning).
    pub const FLEX_START_MULTI_HOST: &str = "PW0431";
    /// A specific reservation on a pool spread over several zones.
    pub const RESERVATION_ZONES: &str = "PW0432";
    /// flex-start or queued on a cluster version before GKE supports it.
    pub const DWS_VERSION: &str = "PW0433";
    // Kueue queues (PW050x, PW051x)
    /// A workload names a queue that `queues` does not define.
    pub const UNKNOWN_QUEUE: &str = "PW0500";
    /// A queue lists a node pool the cluster does not have.
    pub const QUEUE_UNKNOWN_POOL: &str = "PW0501";
    /// A queued workload runs on a pool that is not one of its queue's pools.
    pub const QUEUE_POOL_MISMATCH: &str = "PW0502";
    /// A queued job asks for more, in all, than its queue's quota: Kueue
    /// would never admit it.
    pub const NEVER_ADMITTED: &str = "PW0503";
    /// A queue's quota names a resource none of its pools has.
    pub const QUOTA_NOT_OFFERED: &str = "PW0504";
    /// Two queues of the same name.
    pub const DUPLICATE_QUEUE: &str = "PW0505";
    /// `priority` without `queue`: Kueue never sees the workload.
    pub const PRIORITY_WITHOUT_QUEUE: &str = "PW0506";
    /// A queue without pools, or one that lists a pool twice.
    pub const QUEUE_POOLS: &str = "PW0507";
    /// `queue` on a long-running workload: podwire queues jobs only.
    pub const QUEUED_SERVICE: &str = "PW0508";
    /// A quota podwire cannot size (the pool's machine type is unknown).
    pub const QUOTA_UNKNOWN: &str = "PW0509";
    /// A quota above what the pool can ever have: admitted jobs would wait
    /// for nodes that never come.
    pub const QUOTA_ABOVE_CAPACITY: &str = "PW0510";
    /// A workload on a queued-provisioning pool outside any queue: such
    /// pools make nodes only for Kueue's provisioning requests.
    pub const QUEUED_POOL_UNQUEUED: &str = "PW0511";
    /// A Kueue object's generated name would be longer than Kubernetes allows.
    pub const KUEUE_NAME_TOO_LONG: &str = "PW0512";
    // Restarts, TPU Multislice, volumes and secrets (PW0520..PW0549)
    /// `restarts` on a workload that is not a job.
    pub const RESTARTS_NOT_JOB: &str = "PW0520";
    /// A per-pod `backoffLimit` on a JobSet, which restarts as a whole.
    pub const JOBSET_BACKOFF: &str = "PW0521";
    /// `tpu.slices` on a topology of one host: Multislice joins multi-host slices.
    pub const SLICES_SINGLE_HOST: &str = "PW0522";
    /// A slice's node pool name `<pool>-<N-1>` is longer than GKE allows.
    pub const SLICE_POOL_NAME: &str = "PW0523";
    /// More node pools than GKE handles well (a warning).
    pub const MANY_NODE_POOLS: &str = "PW0524";
    /// A long-running workload on a Multislice pool (only jobs run there).
    pub const MULTISLICE_NOT_JOB: &str = "PW0525";
    /// `distributed: pytorch` on a Multislice pool.
    pub const MULTISLICE_FRAMEWORK: &str = "PW0526";
    /// The MegaScale port is declared under another name.
    pub const MEGASCALE_PORT: &str = "PW0527";
    /// A volume's mount path is not an absolute, normal path.
    pub const VOLUME_PATH: &str = "PW0530";
    /// Two mounts at one path (or at podwire's own `/dev/shm`).
    pub const VOLUME_PATH_CLASH: &str = "PW0531";
    /// Not a Cloud Storage bucket name.
    pub const BAD_BUCKET: &str = "PW0532";
    /// Not a PersistentVolumeClaim name.
    pub const BAD_CLAIM: &str = "PW0533";
    /// Scratch space larger than a node of the pool can give.
    pub const SCRATCH_TOO_BIG: &str = "PW0534";
    /// A bucket volume while Workload Identity is off.
    pub const FUSE_NEEDS_WI: &str = "PW0535";
    /// A bucket volume without `gcpServiceAccount` (a warning saying how
    /// access is granted).
    pub const FUSE_ACCESS: &str = "PW0536";
    /// A bucket volume on a workload the NetworkPolicies give no way out to
    /// Cloud Storage (a warning).
    pub const FUSE_EGRESS: &str = "PW0537";
    /// `parallelDownloads` on a bucket volume without a file `cache` (the
    /// FUSE driver refuses to mount it).
    pub const FUSE_PARALLEL_NO_CACHE: &str = "PW0538";
    /// A file cache on a medium the node does not have (`localSsd` on a
    /// machine without Local SSDs), or two media in one pod.
    pub const FUSE_CACHE_MEDIUM: &str = "PW0539";
    /// File caches larger than their medium on one node.
    pub const FUSE_CACHE_TOO_BIG: &str = "PW0541";
    /// A file cache on the boot disk (a warning: Google advises against it).
    pub const FUSE_CACHE_BOOT_DISK: &str = "PW0542";
    /// `metadataPrefetch` on a writable mount (a warning: the cached
    /// metadata never expires).
    pub const FUSE_PREFETCH_WRITABLE: &str = "PW0543";
    /// A FUSE option the cluster's `version` does not have yet.
    pub const FUSE_VERSION: &str = "PW0544";
    /// A `{secret, key}` reference whose name or key Kubernetes refuses.
    pub const BAD_SECRET_REF: &str = "PW0540";
    // Serving: health, autoscaling, disruption (PW06xx)
    /// `health.port` names no port of the workload, or is needed and missing.
    pub const HEALTH_PORT: &str = "PW0600";
    /// A health or metrics port that is not TCP (HTTP needs TCP).
    pub const NOT_TCP: &str = "PW0601";
    /// `health`, `autoscale` or `disruption` on a job.
    pub const SERVING_ONLY: &str = "PW0602";
    /// A duration podwire cannot read (`startupTimeout`).
    pub const BAD_DURATION: &str = "PW0603";
    /// An HTTP path that does not start with `/` or has spaces.
    pub const BAD_HTTP_PATH: &str = "PW0604";
    /// `autoscale.min` greater than `autoscale.max`.
    pub const AUTOSCALE_RANGE: &str = "PW0605";
    /// `autoscale.min: 0` (GKE's HorizontalPodAutoscaler does not scale to zero).
    pub const AUTOSCALE_ZERO: &str = "PW0606";
    /// `replicas` beside `autoscale`.
    pub const AUTOSCALE_REPLICAS: &str = "PW0607";
    /// Neither or both of `autoscale.cpu` and `autoscale.metric`.
    pub const AUTOSCALE_TARGET: &str = "PW0608";
    /// `autoscale.cpu` without `resources.cpu`.
    pub const AUTOSCALE_CPU_REQUEST: &str = "PW0609";
    /// A metric name or target podwire cannot use.
    pub const BAD_METRIC: &str = "PW0610";
    /// `autoscale.metric.port` names no port of the workload, or is needed and missing.
    pub const METRIC_PORT: &str = "PW0611";
    /// The pool cannot hold `autoscale.max` pods.
    pub const AUTOSCALE_CAPACITY: &str = "PW0612";
    /// Neither or both of `maxUnavailable` and `minAvailable`, or a percentage over 100%.
    pub const DISRUPTION_FORM: &str = "PW0613";
    /// A PodDisruptionBudget that never allows an eviction.
    pub const DISRUPTION_BLOCKS: &str = "PW0614";
    /// Autoscaling a workload whose pod count is fixed (a TPU slice, a rendezvous).
    pub const FIXED_SIZE: &str = "PW0615";
    /// `groupSize` above 1 on a job (LeaderWorkerSets are long-running).
    pub const GROUP_NOT_SERVICE: &str = "PW0616";
    /// `groupSize` with what a LeaderWorkerSet group cannot be: `peers`
    /// (pods of all groups reaching each other), `distributed: jax`, a TPU
    /// slice pool.
    pub const GROUP_CONFLICT: &str = "PW0617";
    /// The pool cannot hold every group's pods at once.
    pub const GROUP_CAPACITY: &str = "PW0618";
    /// `imageStreaming` on a pool whose `imageType` is not Container-Optimized OS.
    pub const IMAGE_STREAMING_OS: &str = "PW0619";
    /// A `route` on a workload without a ClusterIP Service for the Gateway
    /// to send to: no ports, `expose: none`, or a headless (`peers`) one.
    pub const ROUTE_WITHOUT_SERVICE: &str = "PW0620";
    /// `route.port` names no TCP port of the workload, or is needed and missing.
    pub const ROUTE_PORT: &str = "PW0621";
    /// Two workloads on one Gateway claim the same host and path.
    pub const ROUTE_CONFLICT: &str = "PW0622";
    /// A `route.hosts` entry that is not a host name Gateway API accepts.
    pub const BAD_ROUTE_HOST: &str = "PW0623";
    /// An internal Gateway under NetworkPolicies without `gcp.proxySubnet`:
    /// its proxies' source range is unknown.
    pub const PROXY_SUBNET_REQUIRED: &str = "PW0624";
    /// An internal Gateway needs the region's proxy-only subnet (a warning
    /// saying how to create it).
    pub const PROXY_ONLY_SUBNET: &str = "PW0625";
    /// `route.inferencePool` through the external Gateway: podwire's is the
    /// global external class, which GKE Inference Gateway does not serve.
    pub const INFERENCE_POOL_GATEWAY: &str = "PW0626";
    /// `route.tls` with none, or more than one, of its certificate fields.
    pub const TLS_FORM: &str = "PW0627";
    /// A `route.tls` certificate the Gateway's class does not take: a
    /// certificate map on the internal (regional) Gateway, a regional
    /// Certificate Manager certificate on the external (global) one.
    pub const TLS_GATEWAY: &str = "PW0628";
    /// Two routes through one Gateway with different `tls` (its listeners
    /// are shared).
    pub const TLS_CONFLICT: &str = "PW0629";
    /// A `route.tls` name that is not one of a Secret or a Google Cloud
    /// resource.
    pub const BAD_TLS_NAME: &str = "PW0630";
    /// `route.inferencePool` on a cluster `version` below the GKE release
    /// that serves the Inference Gateway CRDs (a warning: install them).
    pub const INFERENCE_CRDS_VERSION: &str = "PW0631";
    // GPUDirect and multi-networking (PW0700..PW0719)
    /// `gpuDirect: true` on a machine type without GPUDirect.
    pub const GPUDIRECT_MACHINE: &str = "PW0700";
    /// GPUDirect (multi-networking) with Dataplane V2 off.
    pub const GPUDIRECT_DATAPLANE: &str = "PW0701";
    /// A multi-node distributed job on a GPUDirect machine without it.
    pub const GPUDIRECT_OFF: &str = "PW0702";
    /// A pod on a GPUDirect pool that takes only some of the node's GPUs.
    pub const GPUDIRECT_PARTIAL_NODE: &str = "PW0703";
    /// The GPU subnets do not fit in 192.168.0.0/16.
    pub const GPUDIRECT_RANGES: &str = "PW0704";
    /// An RDMA pool over several zones (a RoCE network is zonal).
    pub const GPUDIRECT_ZONES: &str = "PW0705";
    /// The Pod Security exemptions GPUDirect pods need (a warning naming each).
    pub const GPUDIRECT_POD_SECURITY: &str = "PW0706";
    // Generated output (PW09xx)
    /// podwire could not write an output it generated (a bug in podwire).
    pub const INTERNAL: &str = "PW0900";
}

/// A diagnostic before its span is converted for output.
#[derive(Debug, Clone)]
pub struct Pending {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub path: String,
    pub span: Option<Span>,
    pub help: Option<String>,
}

/// Convert, order by place in the source (unplaced last), keep insertion order for ties.
pub fn finalize(src: &str, mut pending: Vec<Pending>) -> Vec<Diagnostic> {
    if pending.is_empty() {
        return Vec::new();
    }
    pending.sort_by_key(|p| p.span.map_or(usize::MAX, |s| s.start));
    let li = LineIndex::new(src);
    pending
        .into_iter()
        .map(|p| Diagnostic {
            code: p.code.to_string(),
            severity: p.severity,
            message: p.message,
            path: p.path,
            span: p.span.map(|s| li.source_span(s)),
            help: p.help,
        })
        .collect()
}
