//! Decoding a positioned tree into the typed [`Spec`], collecting every
//! structural mistake (wrong types, unknown or missing fields, bad enum values)
//! instead of stopping at the first, and remembering where each field was.

use super::tree::{self, parse_bool, parse_int, Node, TreeError, Value};
use super::*;
use crate::diag::{codes, did_you_mean, Pending, Severity, Span};

/// Where each field of the spec came from: the positioned tree itself,
/// searched by path (`workloads[1].ports[0].name`) only when a diagnostic
/// needs a place. Nothing is recorded while decoding.
#[derive(Debug, Default, Clone)]
pub struct SpanMap<'s> {
    root: Option<Node<'s>>,
}

impl SpanMap<'_> {
    /// The value's span at `path`, or the nearest enclosing one found.
    pub fn get(&self, path: &str) -> Option<Span> {
        let mut node = self.root.as_ref()?;
        let mut rest = path;
        loop {
            rest = rest.strip_prefix('.').unwrap_or(rest);
            if rest.is_empty() {
                return Some(node.span);
            }
            let next = if let Some(r) = rest.strip_prefix('[') {
                let close = r.find(']')?;
                let i: usize = r[..close].parse().ok()?;
                match &node.value {
                    Value::Seq(items) => items.get(i).map(|n| (n, &r[close + 1..])),
                    _ => None,
                }
            } else {
                match &node.value {
                    // Keys may contain dots (`app.kubernetes.io/name`): take the longest match.
                    Value::Map(entries) => entries
                        .iter()
                        .filter(|(k, _)| {
                            rest.starts_with(&*k.name)
                                && matches!(
                                    rest.as_bytes().get(k.name.len()),
                                    None | Some(b'.' | b'[')
                                )
                        })
                        .max_by_key(|(k, _)| k.name.len())
                        .map(|(k, v)| (v, &rest[k.name.len()..])),
                    _ => None,
                }
            };
            match next {
                Some((n, r)) => {
                    node = n;
                    rest = r;
                }
                None => return Some(node.span),
            }
        }
    }
}

/// The result of decoding: a spec with defaults in place of anything that was
/// wrong, the positions, the diagnostics, and the paths whose values were
/// wrong (later checks stay quiet there, to avoid cascades).
pub struct Decoded<'s> {
    pub spec: Spec,
    pub spans: SpanMap<'s>,
    pub diagnostics: Vec<Pending>,
    pub poisoned: Vec<String>,
    /// False when the document could not be read at all.
    pub parsed: bool,
}

pub struct Cx<'s> {
    pub spans: SpanMap<'s>,
    pub out: Vec<Pending>,
    pub poisoned: Vec<String>,
}

impl Cx<'_> {
    fn err(&mut self, code: &'static str, path: &P, span: Span, msg: String, help: Option<String>) {
        let path = path.to_string();
        self.poisoned.push(path.clone());
        self.out.push(Pending {
            code,
            severity: Severity::Error,
            message: msg,
            path,
            span: Some(span),
            help,
        });
    }

    fn wrong_type(&mut self, node: &Node, path: &P, expected: &str) {
        self.err(
            codes::WRONG_TYPE,
            path,
            node.span,
            format!("expected {expected}, found {}", node.kind_name()),
            None,
        );
    }
}

/// A field's path, built on the stack and turned into text only when a
/// diagnostic needs it (decoding a large spec stays allocation-light).
#[derive(Clone, Copy)]
pub enum P<'a> {
    Root,
    Key(&'a P<'a>, &'a str),
    Idx(&'a P<'a>, usize),
}

impl std::fmt::Display for P<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            P::Root => Ok(()),
            P::Key(P::Root, k) => f.write_str(k),
            P::Key(parent, k) => write!(f, "{parent}.{k}"),
            P::Idx(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// A mapping being read: records which keys were asked for, so that the rest
/// can be reported as unknown with a suggestion.
struct Obj<'n, 'p> {
    path: &'p P<'p>,
    node: &'n Node<'n>,
    entries: &'n [(tree::Key<'n>, Node<'n>)],
    used: Vec<bool>,
    asked: Vec<&'static str>,
}

impl<'n, 'p> Obj<'n, 'p> {
    fn new(cx: &mut Cx, node: &'n Node<'n>, path: &'p P<'p>) -> Option<Obj<'n, 'p>> {
        match &node.value {
            Value::Map(entries) => Some(Obj {
                path,
                node,
                entries,
                used: vec![false; entries.len()],
                // The fields asked for (kept for "did you mean"): one
                // allocation for a typical mapping of the spec.
                asked: Vec::with_capacity(16),
            }),
            _ => {
                cx.wrong_type(node, path, "a mapping");
                None
            }
        }
    }

    /// The non-null value of `key`, with its path.
    fn get(&mut self, key: &'static str) -> Option<(&'n Node<'n>, P<'p>)> {
        self.asked.push(key);
        let i = self.entries.iter().position(|(k, _)| k.name == key)?;
        self.used[i] = true;
        let (_, v) = &self.entries[i];
        let p = P::Key(self.path, key);
        if v.is_null() {
            return None;
        }
        Some((v, p))
    }

    fn req(&mut self, cx: &mut Cx, key: &'static str, what: &str) -> Option<(&'n Node<'n>, P<'p>)> {
        let got = self.get(key);
        if got.is_none() {
            let p = P::Key(self.path, key);
            let span = self.node.span;
            cx.err(
                codes::MISSING_FIELD,
                &p,
                Span {
                    end: span.start + 1,
                    end_line: span.line,
                    end_col: span.col + 1,
                    ..span
                },
                format!("missing required field `{key}`"),
                Some(format!(
                    "add `{key}:` ({what}) to `{}`",
                    display_path(self.path)
                )),
            );
        }
        got
    }

    fn opt_str(&mut self, cx: &mut Cx, key: &'static str) -> Option<String> {
        let (n, p) = self.get(key)?;
        string(cx, n, &p)
    }

    fn req_str(&mut self, cx: &mut Cx, key: &'static str, what: &str) -> String {
        match self.req(cx, key, what) {
            Some((n, p)) => string(cx, n, &p).unwrap_or_default(),
            None => String::new(),
        }
    }

    fn opt_bool(&mut self, cx: &mut Cx, key: &'static str) -> Option<bool> {
        let (n, p) = self.get(key)?;
        boolean(cx, n, &p)
    }

    fn opt_u32(&mut self, cx: &mut Cx, key: &'static str, min: i64, max: i64) -> Option<u32> {
        let (n, p) = self.get(key)?;
        integer(cx, n, &p, min, max).map(|v| v as u32)
    }

    fn opt_i64(&mut self, cx: &mut Cx, key: &'static str, min: i64, max: i64) -> Option<i64> {
        let (n, p) = self.get(key)?;
        integer(cx, n, &p, min, max)
    }

    fn opt_enum<T: Copy>(
        &mut self,
        cx: &mut Cx,
        key: &'static str,
        allowed: &[(&'static str, T)],
    ) -> Option<T> {
        let (n, p) = self.get(key)?;
        enumeration(cx, n, &p, allowed)
    }

    fn str_list(&mut self, cx: &mut Cx, key: &'static str) -> Vec<String> {
        let Some((n, p)) = self.get(key) else {
            return Vec::new();
        };
        list(cx, n, &p, string)
    }

    fn str_map(&mut self, cx: &mut Cx, key: &'static str) -> StrMap {
        let Some((n, p)) = self.get(key) else {
            return Vec::new();
        };
        let Some(mut o) = Obj::new(cx, n, &p) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, (k, v)) in o.entries.iter().enumerate() {
            o.used[i] = true;
            let vp = P::Key(&p, &k.name);
            let val = if v.is_null() {
                Some(String::new())
            } else {
                string(cx, v, &vp)
            };
            if let Some(val) = val {
                out.push((k.name.to_string(), val));
            }
        }
        out
    }

    fn finish(self, cx: &mut Cx) {
        for (i, (k, _)) in self.entries.iter().enumerate() {
            if self.used[i] {
                continue;
            }
            let p = P::Key(self.path, &k.name);
            let help = match did_you_mean(&k.name, self.asked.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("known fields here: {}", self.asked.join(", ")),
            };
            cx.err(
                codes::UNKNOWN_FIELD,
                &p,
                k.span,
                format!(
                    "unknown field `{}` in `{}`",
                    k.name,
                    display_path(self.path)
                ),
                Some(help),
            );
        }
    }
}

fn display_path(p: &P) -> String {
    match p {
        P::Root => "the spec".to_string(),
        p => p.to_string(),
    }
}

fn string(cx: &mut Cx, n: &Node, p: &P) -> Option<String> {
    match &n.value {
        Value::Scalar { text, .. } => Some(text.to_string()),
        _ => {
            cx.wrong_type(n, p, "a string");
            None
        }
    }
}

fn boolean(cx: &mut Cx, n: &Node, p: &P) -> Option<bool> {
    if let Value::Scalar { text, plain: true } = &n.value {
        if let Some(b) = parse_bool(text) {
            return Some(b);
        }
    }
    cx.wrong_type(n, p, "a boolean (true or false)");
    None
}

fn integer(cx: &mut Cx, n: &Node, p: &P, min: i64, max: i64) -> Option<i64> {
    let Value::Scalar { text, plain: true } = &n.value else {
        cx.wrong_type(n, p, "an integer");
        return None;
    };
    let Some(v) = parse_int(text) else {
        cx.wrong_type(n, p, "an integer");
        return None;
    };
    if v < min || v > max {
        cx.err(
            codes::BAD_VALUE,
            p,
            n.span,
            format!("{v} is out of range: must be between {min} and {max}"),
            None,
        );
        return None;
    }
    Some(v)
}

fn enumeration<T: Copy>(cx: &mut Cx, n: &Node, p: &P, allowed: &[(&'static str, T)]) -> Option<T> {
    let Value::Scalar { text, .. } = &n.value else {
        cx.wrong_type(n, p, "a string");
        return None;
    };
    if let Some((_, v)) = allowed.iter().find(|(s, _)| s == text) {
        return Some(*v);
    }
    let names: Vec<&str> = allowed.iter().map(|(s, _)| *s).collect();
    let help = match did_you_mean(text, names.iter().copied()) {
        Some(s) => format!("did you mean `{s}`? (one of: {})", names.join(", ")),
        None => format!("one of: {}", names.join(", ")),
    };
    cx.err(
        codes::BAD_VALUE,
        p,
        n.span,
        format!("`{text}` is not a valid value here"),
        Some(help),
    );
    None
}

/// A list, item by item. Long lists (the workloads, the connections) are
/// decoded natively in two halves on two threads, each with its own
/// diagnostics, appended in order: the result is the sequential one.
fn list<T: Send>(
    cx: &mut Cx,
    n: &Node,
    p: &P,
    item: impl Fn(&mut Cx, &Node, &P) -> Option<T> + Sync,
) -> Vec<T> {
    let Value::Seq(items) = &n.value else {
        cx.wrong_type(n, p, "a list");
        return Vec::new();
    };
    let decode = |range: std::ops::Range<usize>| {
        let mut part = Cx {
            spans: SpanMap::default(),
            out: Vec::new(),
            poisoned: Vec::new(),
        };
        let mut out = Vec::with_capacity(range.len());
        for (i, it) in items.iter().enumerate().skip(range.start).take(range.len()) {
            let ip = P::Idx(p, i);
            if let Some(v) = item(&mut part, it, &ip) {
                out.push(v);
            }
        }
        (out, part)
    };
    let ((mut out, part), second) = crate::par::halves(items.len(), &decode);
    for part in std::iter::once(part).chain(second.map(|(more, part)| {
        out.extend(more);
        part
    })) {
        cx.out.extend(part.out);
        cx.poisoned.extend(part.poisoned);
    }
    out
}

fn btree(m: StrMap) -> BTreeMap<String, String> {
    m.into_iter().collect()
}

/// Parse and decode a spec.
pub fn decode(src: &str) -> Decoded<'_> {
    let mut cx = Cx {
        spans: SpanMap::default(),
        out: Vec::new(),
        poisoned: Vec::new(),
    };
    let root = match tree::parse(src) {
        Ok((root, soft)) => {
            for e in soft {
                tree_error(&mut cx, e);
            }
            root
        }
        Err(e) => {
            tree_error(&mut cx, e);
            return Decoded {
                spec: Spec::default(),
                spans: cx.spans,
                diagnostics: cx.out,
                poisoned: cx.poisoned,
                parsed: false,
            };
        }
    };
    let spec = spec(&mut cx, &root).unwrap_or_default();
    cx.spans.root = Some(root);
    Decoded {
        spec,
        spans: cx.spans,
        diagnostics: cx.out,
        poisoned: cx.poisoned,
        parsed: true,
    }
}

fn tree_error(cx: &mut Cx, e: TreeError) {
    let (code, span, msg, help) = match e {
        TreeError::Syntax { message, span } => (
            codes::SYNTAX,
            Some(span),
            format!("invalid YAML: {message}"),
            Some("check indentation, colons and quotes near here".to_string()),
        ),
        TreeError::Empty => (
            codes::EMPTY,
            None,
            "the spec is empty".to_string(),
            Some(format!(
                "start with `apiVersion: {API_VERSION}` and `kind: {KIND}`; see `podwire schema`"
            )),
        ),
        TreeError::DuplicateKey { key, span, first } => (
            codes::DUPLICATE_KEY,
            Some(span),
            format!(
                "duplicate key `{key}` (first defined on line {})",
                first.line
            ),
            Some("remove one of them; YAML mappings cannot repeat a key".to_string()),
        ),
        TreeError::MultipleDocuments { span } => (
            codes::MULTIPLE_DOCUMENTS,
            Some(span),
            "more than one YAML document: a spec is a single document".to_string(),
            Some("remove the `---` separator, or split into separate files".to_string()),
        ),
        TreeError::TooLarge { span } => (
            codes::SYNTAX,
            Some(span),
            "the document expands to too many nodes (alias bomb?)".to_string(),
            None,
        ),
        TreeError::UnknownAlias { span } => (
            codes::SYNTAX,
            Some(span),
            "unknown YAML alias".to_string(),
            None,
        ),
        TreeError::ComplexKey { span } => (
            codes::SYNTAX,
            Some(span),
            "mapping keys must be plain strings".to_string(),
            None,
        ),
    };
    cx.out.push(Pending {
        code,
        severity: Severity::Error,
        message: msg,
        path: String::new(),
        span,
        help,
    });
}

fn spec(cx: &mut Cx, root: &Node) -> Option<Spec> {
    let mut o = Obj::new(cx, root, &P::Root)?;
    let mut s = Spec::default();
    if let Some((n, p)) = o.req(cx, "apiVersion", API_VERSION) {
        s.api_version = string(cx, n, &p).unwrap_or_default();
        if s.api_version != API_VERSION && !s.api_version.is_empty() {
            cx.err(
                codes::API_VERSION,
                &p,
                n.span,
                format!("unsupported apiVersion `{}`", s.api_version),
                Some(format!("this podwire reads `apiVersion: {API_VERSION}`")),
            );
        }
    }
    if let Some((n, p)) = o.req(cx, "kind", KIND) {
        s.kind = string(cx, n, &p).unwrap_or_default();
        if s.kind != KIND && !s.kind.is_empty() {
            cx.err(
                codes::API_VERSION,
                &p,
                n.span,
                format!("unsupported kind `{}`", s.kind),
                Some(format!("the kind is `{KIND}`")),
            );
        }
    }
    if let Some((n, p)) = o.req(cx, "metadata", "name and labels") {
        if let Some(mut m) = Obj::new(cx, n, &p) {
            s.metadata.name = m.req_str(cx, "name", "a DNS-1035 label");
            s.metadata.labels = btree(m.str_map(cx, "labels"));
            m.finish(cx);
        }
    }
    if let Some((n, p)) = o.req(cx, "gcp", "project and location") {
        if let Some(mut g) = Obj::new(cx, n, &p) {
            s.gcp.project = g.req_str(cx, "project", "a GCP project id");
            s.gcp.location = g.req_str(cx, "location", "a zone or region");
            s.gcp.network = g.opt_str(cx, "network");
            s.gcp.subnetwork = g.opt_str(cx, "subnetwork");
            g.finish(cx);
        }
    }
    if let Some((n, p)) = o.req(cx, "cluster", "its node pools") {
        s.cluster = cluster(cx, n, &p);
    }
    s.namespace = o.opt_str(cx, "namespace");
    if let Some((n, p)) = o.get("workloads") {
        s.workloads = list(cx, n, &p, workload);
    }
    if let Some((n, p)) = o.get("connections") {
        s.connections = list(cx, n, &p, connection);
    }
    o.finish(cx);
    Some(s)
}

const CHANNELS: &[(&str, ReleaseChannel)] = &[
    ("rapid", ReleaseChannel::Rapid),
    ("regular", ReleaseChannel::Regular),
    ("stable", ReleaseChannel::Stable),
    ("extended", ReleaseChannel::Extended),
    ("none", ReleaseChannel::None),
];

fn cluster(cx: &mut Cx, n: &Node, p: &P) -> Cluster {
    let mut c = Cluster::default();
    let Some(mut o) = Obj::new(cx, n, p) else {
        return c;
    };
    c.name = o.opt_str(cx, "name");
    c.version = o.opt_str(cx, "version");
    c.release_channel = o.opt_enum(cx, "releaseChannel", CHANNELS);
    c.dataplane_v2 = o.opt_bool(cx, "dataplaneV2");
    c.workload_identity = o.opt_bool(cx, "workloadIdentity");
    c.private_nodes = o.opt_bool(cx, "privateNodes");
    c.authorized_networks = o.str_list(cx, "authorizedNetworks");
    if let Some((n, p)) = o.req(cx, "nodePools", "a list of node pools") {
        c.node_pools = list(cx, n, &p, node_pool);
    }
    o.finish(cx);
    c
}

const DRIVERS: &[(&str, GpuDriver)] = &[
    ("default", GpuDriver::Default),
    ("latest", GpuDriver::Latest),
    ("disabled", GpuDriver::Disabled),
];

const EFFECTS: &[(&str, TaintEffect)] = &[
    ("NoSchedule", TaintEffect::NoSchedule),
    ("PreferNoSchedule", TaintEffect::PreferNoSchedule),
    ("NoExecute", TaintEffect::NoExecute),
];

fn node_pool(cx: &mut Cx, n: &Node, p: &P) -> Option<NodePool> {
    let mut o = Obj::new(cx, n, p)?;
    let mut np = NodePool {
        name: o.req_str(cx, "name", "a DNS-1035 label"),
        machine_type: o.req_str(cx, "machineType", "e.g. g2-standard-8"),
        nodes: o.opt_u32(cx, "nodes", 0, 1000),
        ..NodePool::default()
    };
    if let Some((an, ap)) = o.get("autoscaling") {
        if let Some(mut a) = Obj::new(cx, an, &ap) {
            let min = a
                .req(cx, "min", "nodes per zone")
                .and_then(|(n, p)| integer(cx, n, &p, 0, 1000));
            let max = a
                .req(cx, "max", "nodes per zone")
                .and_then(|(n, p)| integer(cx, n, &p, 0, 1000));
            a.finish(cx);
            if let (Some(min), Some(max)) = (min, max) {
                np.autoscaling = Some(Autoscaling {
                    min: min as u32,
                    max: max as u32,
                });
            }
        }
    }
    np.zones = o.str_list(cx, "zones");
    if let Some((an, ap)) = o.get("accelerator") {
        if let Some(mut a) = Obj::new(cx, an, &ap) {
            np.accelerator = Some(Accelerator {
                kind: a.opt_str(cx, "type"),
                count: a.opt_u32(cx, "count", 1, 16),
                driver: a.opt_enum(cx, "driver", DRIVERS),
            });
            a.finish(cx);
        }
    }
    if let Some((tn, tp)) = o.get("tpu") {
        if let Some(mut t) = Obj::new(cx, tn, &tp) {
            let topology = t.req_str(cx, "topology", "e.g. 2x4");
            t.finish(cx);
            np.tpu = Some(Tpu { topology });
        }
    }
    np.spot = o.opt_bool(cx, "spot");
    np.reservation = o.opt_str(cx, "reservation");
    np.placement = o.opt_enum(cx, "placement", &[("compact", Placement::Compact)]);
    np.disk_size_gb = o.opt_u32(cx, "diskSizeGb", 10, 65536);
    np.disk_type = o.opt_str(cx, "diskType");
    np.image_type = o.opt_str(cx, "imageType");
    if let Some((sn, sp)) = o.get("oauthScopes") {
        np.oauth_scopes = Some(list(cx, sn, &sp, string));
    }
    np.service_account = o.opt_str(cx, "serviceAccount");
    np.labels = btree(o.str_map(cx, "labels"));
    if let Some((tn, tp)) = o.get("taints") {
        np.taints = list(cx, tn, &tp, |cx, n, p| {
            let mut t = Obj::new(cx, n, p)?;
            let taint = Taint {
                key: t.req_str(cx, "key", "a label key"),
                value: t.opt_str(cx, "value").unwrap_or_default(),
                effect: t.opt_enum(cx, "effect", EFFECTS).unwrap_or_default(),
            };
            t.finish(cx);
            Some(taint)
        });
    }
    np.max_pods_per_node = o.opt_u32(cx, "maxPodsPerNode", 8, 256);
    o.finish(cx);
    Some(np)
}

const RUNS: &[(&str, Run)] = &[("job", Run::Job), ("service", Run::Service)];
const DISTRIBUTED: &[(&str, Distributed)] = &[
    ("pytorch", Distributed::Pytorch),
    ("jax", Distributed::Jax),
    ("none", Distributed::None),
];
const EXPOSE: &[(&str, Expose)] = &[
    ("cluster", Expose::Cluster),
    ("internal", Expose::Internal),
    ("external", Expose::External),
    ("none", Expose::None),
];
const PROTOCOLS: &[(&str, Protocol)] = &[
    ("TCP", Protocol::Tcp),
    ("UDP", Protocol::Udp),
    ("SCTP", Protocol::Sctp),
];

fn workload(cx: &mut Cx, n: &Node, p: &P) -> Option<Workload> {
    let mut o = Obj::new(cx, n, p)?;
    let mut w = Workload {
        name: o.req_str(cx, "name", "a DNS-1035 label"),
        image: o.req_str(cx, "image", "a container image reference"),
        pool: o.opt_str(cx, "pool"),
        run: o.opt_enum(cx, "run", RUNS),
        replicas: o.opt_u32(cx, "replicas", 0, 100_000),
        gpus: o.opt_u32(cx, "gpus", 0, 16),
        tpus: o.opt_u32(cx, "tpus", 0, 8),
        ..Workload::default()
    };
    if let Some((rn, rp)) = o.get("resources") {
        if let Some(mut r) = Obj::new(cx, rn, &rp) {
            w.resources = Some(Resources {
                cpu: r.opt_str(cx, "cpu"),
                memory: r.opt_str(cx, "memory"),
                ephemeral_storage: r.opt_str(cx, "ephemeralStorage"),
            });
            r.finish(cx);
        }
    }
    w.command = o.str_list(cx, "command");
    w.args = o.str_list(cx, "args");
    w.env = o.str_map(cx, "env");
    if let Some((pn, pp)) = o.get("ports") {
        w.ports = list(cx, pn, &pp, |cx, n, p| {
            let mut po = Obj::new(cx, n, p)?;
            let name = po.opt_str(cx, "name");
            let port = po
                .req(cx, "port", "1-65535")
                .and_then(|(n, p)| integer(cx, n, &p, 1, 65535));
            let protocol = po.opt_enum(cx, "protocol", PROTOCOLS);
            po.finish(cx);
            Some(Port {
                name,
                port: port? as u16,
                protocol,
            })
        });
    }
    w.peers = o.opt_bool(cx, "peers");
    w.distributed = o.opt_enum(cx, "distributed", DISTRIBUTED);
    if let Some((sn, sp)) = o.get("service") {
        if let Some(mut so) = Obj::new(cx, sn, &sp) {
            w.service = Some(ServiceName {
                name: so.opt_str(cx, "name"),
            });
            so.finish(cx);
        }
    }
    w.expose = o.opt_enum(cx, "expose", EXPOSE);
    w.gcp_service_account = o.opt_str(cx, "gcpServiceAccount");
    w.run_as_user = o.opt_i64(cx, "runAsUser", 0, i64::from(i32::MAX));
    w.run_as_group = o.opt_i64(cx, "runAsGroup", 0, i64::from(i32::MAX));
    w.backoff_limit = o.opt_u32(cx, "backoffLimit", 0, 1000);
    o.finish(cx);
    Some(w)
}

fn endpoint(cx: &mut Cx, n: &Node, p: &P) -> Option<Endpoint> {
    match &n.value {
        Value::Scalar { text, .. } => Some(Endpoint::Name(text.to_string())),
        Value::Map(entries) => {
            let mut o = Obj::new(cx, n, p)?;
            let has = |k: &str| entries.iter().any(|(e, _)| e.name == k);
            let ep = if has("cidr") {
                o.opt_str(cx, "cidr").map(|cidr| Endpoint::Cidr { cidr })
            } else if has("namespace") {
                o.opt_str(cx, "namespace")
                    .map(|namespace| Endpoint::Namespace { namespace })
            } else {
                o.asked.extend(["cidr", "namespace"]);
                if entries.is_empty() {
                    cx.err(
                        codes::BAD_CONNECTION,
                        p,
                        n.span,
                        "an endpoint needs a workload name, `internet`, `{cidr: ...}` or `{namespace: ...}`".into(),
                        None,
                    );
                }
                None
            };
            o.finish(cx);
            ep
        }
        Value::Seq(_) => {
            cx.wrong_type(
                n,
                p,
                "a workload name, `internet`, `{cidr: ...}` or `{namespace: ...}`",
            );
            None
        }
    }
}

fn connection(cx: &mut Cx, n: &Node, p: &P) -> Option<Connection> {
    let mut o = Obj::new(cx, n, p)?;
    let from = o
        .req(cx, "from", "a workload, internet, {cidr} or {namespace}")
        .and_then(|(n, p)| endpoint(cx, n, &p));
    let to = o
        .req(cx, "to", "a workload, internet, {cidr} or {namespace}")
        .and_then(|(n, p)| endpoint(cx, n, &p));
    let ports = match o.get("ports") {
        Some((pn, pp)) => list(cx, pn, &pp, |cx, n, p| match &n.value {
            Value::Scalar { text, plain: true } if parse_int(text).is_some() => {
                integer(cx, n, p, 1, 65535).map(|v| PortRef::Number(v as u16))
            }
            Value::Scalar { text, .. } => Some(PortRef::Name(text.to_string())),
            _ => {
                cx.wrong_type(n, p, "a port name or number");
                None
            }
        }),
        None => Vec::new(),
    };
    o.finish(cx);
    Some(Connection {
        from: from?,
        to: to?,
        ports,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes_of(src: &str) -> Vec<(&'static str, String)> {
        let mut d = decode(src).diagnostics;
        d.sort_by_key(|d| d.span.map(|s| s.start));
        d.into_iter().map(|d| (d.code, d.path)).collect()
    }

    #[test]
    fn unknown_field_suggests() {
        let d = decode("apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: a}\ngcp: {project: p, location: l}\ncluster:\n  nodePools:\n    - name: x\n      machineTyp: n1-standard-1\n");
        let u: Vec<_> = d
            .diagnostics
            .iter()
            .filter(|d| d.code == codes::UNKNOWN_FIELD)
            .collect();
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].path, "cluster.nodePools[0].machineTyp");
        assert_eq!(u[0].help.as_deref(), Some("did you mean `machineType`?"));
        assert_eq!(u[0].span.map(|s| (s.line, s.col)), Some((8, 6)));
        // ... and the missing machineType is reported too, in the same run.
        assert!(d.diagnostics.iter().any(
            |d| d.code == codes::MISSING_FIELD && d.path == "cluster.nodePools[0].machineType"
        ));
    }

    #[test]
    fn wrong_types_and_values_are_all_reported() {
        let c = codes_of("apiVersion: v1\nkind: AIWorkload\nmetadata: {name: a}\ngcp: {project: p, location: l}\ncluster:\n  dataplaneV2: yes\n  releaseChannel: regulr\n  nodePools: {}\n");
        assert_eq!(
            c,
            vec![
                (codes::API_VERSION, "apiVersion".to_string()),
                (codes::WRONG_TYPE, "cluster.dataplaneV2".to_string()),
                (codes::BAD_VALUE, "cluster.releaseChannel".to_string()),
                (codes::WRONG_TYPE, "cluster.nodePools".to_string()),
            ]
        );
    }

    #[test]
    fn scalars_keep_their_text() {
        let d = decode("apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: a}\ngcp: {project: p, location: l}\ncluster:\n  version: 1.30\n  nodePools: []\n");
        assert_eq!(d.spec.cluster.version.as_deref(), Some("1.30"));
    }

    #[test]
    fn span_map_finds_nearest() {
        let d = decode("apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: a}\ngcp: {project: p, location: l}\ncluster:\n  nodePools:\n    - name: x\n      machineType: n1-standard-1\n");
        assert_eq!(
            d.spans
                .get("cluster.nodePools[0].machineType")
                .map(|s| s.line),
            Some(8)
        );
        assert_eq!(
            d.spans.get("cluster.nodePools[0].nodes").map(|s| s.line),
            Some(7)
        );
    }
}
