//! Semantic checks: the decoded [`Spec`] is resolved into a [`Model`] while
//! every rule of the language is checked. All problems are collected.
//!
//! `mod.rs` holds the entry point, the shared [`Checker`] (where diagnostics
//! go, and which paths the decoder already reported) and the cluster-wide
//! fields; each concern has its own file: node pools, workloads, pool
//! capacity, connections, and the small format validators.

mod capacity;
#[cfg(test)]
mod capacity_tests;
mod connections;
mod gpudirect;
#[cfg(test)]
mod groups_tests;
mod pools;
mod provisioning;
mod queues;
mod routes;
pub(crate) mod serving;
mod slices;
#[cfg(test)]
mod tests;
pub mod validate;
mod volumes;
mod workloads;

use crate::diag::{codes, Pending, Severity};
use crate::model::{self, Model, Pool};
use crate::spec::decode::SpanMap;
use crate::spec::{ReleaseChannel, Spec};
use std::collections::{BTreeMap, HashMap};
use validate::{
    cidr, dns1035, gcp_label_key, gcp_label_value, gke_version, label_key, label_value, location,
    project_id,
};

/// Longest GKE cluster and node pool name.
const GKE_NAME_MAX: usize = 40;

/// `path` + `suffix`: the path of a field below `path`.
fn at(path: &str, suffix: &str) -> String {
    [path, suffix].concat()
}

/// `list[i]`: the path of an item of a list.
fn item(list: &str, i: usize) -> String {
    format!("{list}[{i}]")
}

/// What a namespace is to the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NamespaceUse {
    /// Free for a spec to own.
    Own,
    /// `default`: usable, but shared with whatever else runs there.
    Shared,
    /// Kubernetes' (`kube-system`, `kube-public`, `kube-node-lease`) or
    /// GKE's (`gke-*`, `gmp-*`): podwire's policies would break the cluster.
    System,
}

fn namespace_use(namespace: &str) -> NamespaceUse {
    match namespace {
        "default" => NamespaceUse::Shared,
        "kube-system" | "kube-public" | "kube-node-lease" => NamespaceUse::System,
        n if n.starts_with("gke-") || n.starts_with("gmp-") => NamespaceUse::System,
        _ => NamespaceUse::Own,
    }
}

/// Collects the diagnostics of one check, each placed at its path's span,
/// and keeps quiet about paths the decoder already reported as broken.
struct Checker<'a> {
    spans: &'a SpanMap<'a>,
    poisoned: &'a [String],
    out: Vec<Pending>,
}

impl Checker<'_> {
    /// `path` is at or below a path whose value the decoder reported as
    /// wrong: whatever is said about it would repeat or follow from that.
    fn is_poisoned(&self, path: &str) -> bool {
        self.poisoned.iter().any(|p| {
            path == p
                || (path.starts_with(p.as_str())
                    && matches!(path.as_bytes().get(p.len()), Some(b'.' | b'[')))
        })
    }

    /// Some path at or below `path` was reported as wrong by the decoder, so
    /// what podwire derives from the value at `path` (a Service from a
    /// workload's ports, say) would be a follow-on error.
    fn poison_within(&self, path: &str) -> bool {
        self.poisoned.iter().any(|p| {
            p == path
                || (p.starts_with(path)
                    && matches!(p.as_bytes().get(path.len()), Some(b'.' | b'[')))
        })
    }

    /// The field at `path` is written in the source (present, even when
    /// empty, such as `ports: []`). The span map gives the nearest enclosing
    /// span for absent paths, so a field is present when its span differs
    /// from its parent's.
    fn is_written(&self, path: &str, parent: &str) -> bool {
        match (self.spans.get(path), self.spans.get(parent)) {
            (Some(own), Some(enclosing)) => own != enclosing,
            (own, _) => own.is_some(),
        }
    }

    fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        path: &str,
        message: String,
        help: Option<String>,
    ) {
        if self.is_poisoned(path) {
            return;
        }
        self.out.push(Pending {
            code,
            severity,
            message,
            path: path.to_string(),
            span: self.spans.get(path),
            help,
        });
    }

    fn err(
        &mut self,
        code: &'static str,
        path: &str,
        message: impl Into<String>,
        help: impl Into<Option<String>>,
    ) {
        self.push(Severity::Error, code, path, message.into(), help.into());
    }

    fn warn(
        &mut self,
        code: &'static str,
        path: &str,
        message: impl Into<String>,
        help: impl Into<Option<String>>,
    ) {
        self.push(Severity::Warning, code, path, message.into(), help.into());
    }

    fn name(&mut self, path: &str, what: &str, name: &str, max: usize) {
        if !dns1035(name) {
            self.err(
                codes::BAD_NAME,
                path,
                format!("{what} `{name}` is not a DNS-1035 label"),
                Some("use lowercase letters, digits and '-', start with a letter and end with a letter or digit".to_string()),
            );
        } else if name.len() > max {
            self.err(
                codes::NAME_TOO_LONG,
                path,
                format!(
                    "{what} `{name}` is {} characters; at most {max} are allowed",
                    name.len()
                ),
                None,
            );
        }
    }

    fn labels(&mut self, path: &str, labels: &BTreeMap<String, String>, gcp: bool) {
        // GCP resources carry at most 64 labels; the API refuses the whole
        // cluster create otherwise.
        if gcp && labels.len() > GCP_LABELS_MAX {
            self.err(
                codes::BAD_LABEL,
                path,
                format!(
                    "{} labels, but a GCP resource takes at most {GCP_LABELS_MAX}",
                    labels.len()
                ),
                Some("keep at most 64 labels in `metadata.labels` (they become the cluster's resource labels)".to_string()),
            );
        }
        for (k, v) in labels {
            let p = format!("{path}.{k}");
            if !label_key(k) || !label_value(v) {
                self.err(
                    codes::BAD_LABEL,
                    &p,
                    format!("`{k}: {v}` is not a valid Kubernetes label"),
                    Some("keys and values: at most 63 characters of letters, digits, '-', '_', '.'; keys may have a DNS prefix".to_string()),
                );
            } else if gcp && (!gcp_label_key(k) || !gcp_label_value(v)) {
                self.err(
                    codes::BAD_LABEL,
                    &p,
                    format!("`{k}: {v}` is not a valid GCP resource label"),
                    Some("GCP labels use lowercase letters, digits, '_' and '-', and keys start with a letter".to_string()),
                );
            }
        }
    }
}

/// The most labels a GCP resource may carry.
const GCP_LABELS_MAX: usize = 64;

/// Check a decoded spec and resolve it. The model is `None` when there are errors.
pub fn check(s: &Spec, spans: &SpanMap, poisoned: &[String]) -> (Option<Model>, Vec<Pending>) {
    let mut checker = Checker {
        spans,
        poisoned,
        out: Vec::new(),
    };
    let model = resolve(&mut checker, s);
    let ok = !checker.out.iter().any(|p| p.severity == Severity::Error) && poisoned.is_empty();
    (model.filter(|_| ok), checker.out)
}

fn resolve(checker: &mut Checker, s: &Spec) -> Option<Model> {
    checker.name("metadata.name", "name", &s.metadata.name, 63);
    checker.labels("metadata.labels", &s.metadata.labels, true);

    if !project_id(&s.gcp.project) {
        checker.err(
            codes::BAD_PROJECT,
            "gcp.project",
            format!("`{}` is not a GCP project id", s.gcp.project),
            Some("6 to 30 lowercase letters, digits and hyphens, starting with a letter (the id, not the project's display name or number)".to_string()),
        );
    }
    let (region, zonal) = match location(&s.gcp.location) {
        Some((r, z)) => (r.to_string(), z),
        None => {
            checker.err(
                codes::BAD_LOCATION,
                "gcp.location",
                format!("`{}` is neither a GCP region nor a zone", s.gcp.location),
                Some("a region looks like `us-central1`, a zone like `us-central1-a`".to_string()),
            );
            (s.gcp.location.clone(), true)
        }
    };

    let c = &s.cluster;
    let cluster_name = c.name.clone().unwrap_or_else(|| s.metadata.name.clone());
    if c.name.is_some() {
        checker.name("cluster.name", "cluster name", &cluster_name, GKE_NAME_MAX);
    } else if s.metadata.name.len() > GKE_NAME_MAX && dns1035(&s.metadata.name) {
        checker.err(
            codes::NAME_TOO_LONG,
            "metadata.name",
            format!("`{}` is used as the GKE cluster name, which allows at most {GKE_NAME_MAX} characters", s.metadata.name),
            Some("set a shorter `cluster.name`".to_string()),
        );
    }
    let namespace = s
        .namespace
        .clone()
        .unwrap_or_else(|| s.metadata.name.clone());
    let namespace_path = if s.namespace.is_some() {
        checker.name("namespace", "namespace", &namespace, 63);
        "namespace"
    } else {
        "metadata.name"
    };
    match namespace_use(&namespace) {
        NamespaceUse::Own => {}
        NamespaceUse::Shared => checker.warn(
            codes::DEFAULT_NAMESPACE,
            namespace_path,
            "the workloads go into the `default` namespace, whose other pods podwire's policies and Pod Security labels then also govern",
            Some("set `namespace:` to a namespace of this spec's own".to_string()),
        ),
        NamespaceUse::System => checker.err(
            codes::RESERVED_NAME,
            namespace_path,
            if s.namespace.is_some() {
                format!("namespace `{namespace}` belongs to Kubernetes or GKE")
            } else {
                format!("`{namespace}` is used as the namespace, which belongs to Kubernetes or GKE")
            },
            Some("podwire's default-deny policy and Pod Security labels there would break the cluster; set `namespace:` to a namespace of this spec's own".to_string()),
        ),
    }
    if let Some(v) = &c.version {
        if !gke_version(v) {
            checker.err(
                codes::BAD_VERSION,
                "cluster.version",
                format!("`{v}` is not a GKE version"),
                Some("e.g. \"1.32\", \"1.32.4-gke.1415000\" or \"latest\"; quote it so YAML keeps it a string".to_string()),
            );
        }
    }
    for (i, n) in c.authorized_networks.iter().enumerate() {
        if let Err(e) = cidr(n) {
            checker.err(
                codes::BAD_CIDR,
                &item("cluster.authorizedNetworks", i),
                format!("`{n}` is not a valid CIDR: {e}"),
                None,
            );
        }
    }
    let workload_identity = c.workload_identity.unwrap_or(true);
    let private_nodes = c.private_nodes.unwrap_or(false);
    let dataplane_v2 = c.dataplane_v2.unwrap_or(true);

    // Pools.
    if c.node_pools.is_empty() && !checker.is_poisoned("cluster.nodePools") {
        checker.err(
            codes::NO_POOLS,
            "cluster.nodePools",
            "the cluster has no node pools",
            Some(
                "add at least one pool: `- {name: default, machineType: e2-standard-4, nodes: 1}`"
                    .to_string(),
            ),
        );
    }
    let mut pools = Vec::new();
    let mut pool_names: HashMap<&str, usize> = HashMap::new();
    for (i, p) in c.node_pools.iter().enumerate() {
        let path = item("cluster.nodePools", i);
        checker.name(&at(&path, ".name"), "node pool name", &p.name, GKE_NAME_MAX);
        if pool_names.insert(&p.name, i).is_some() {
            checker.err(
                codes::DUPLICATE_NAME,
                &at(&path, ".name"),
                format!("node pool `{}` is defined twice", p.name),
                None,
            );
        }
        pools.push(pools::check_pool(
            checker,
            &path,
            p,
            &region,
            zonal,
            &s.gcp.location,
        ));
    }

    let dws_pools: Vec<(String, &model::Capacity, bool)> = pools
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let p = p.as_ref()?;
            Some((item("cluster.nodePools", i), &p.capacity, p.tpu.is_some()))
        })
        .collect();
    provisioning::check_version(checker, c.version.as_deref(), &dws_pools);
    // GKE, "Use secondary boot disks to preload data or container images":
    // Standard clusters from 1.28.3-gke.1067000.
    const SECONDARY_BOOT_DISK_FROM: &str = "1.28.3-gke.1067000";
    if let Some(v) = c.version.as_deref() {
        for (i, p) in c.node_pools.iter().enumerate() {
            if p.secondary_boot_disk.is_some()
                && provisioning::older_than(v, SECONDARY_BOOT_DISK_FROM)
            {
                checker.err(
                    codes::SECONDARY_BOOT_DISK,
                    &format!("{}.secondaryBootDisk", item("cluster.nodePools", i)),
                    format!("GKE attaches secondary boot disks from version {SECONDARY_BOOT_DISK_FROM}, but `cluster.version` is {v}"),
                    Some(format!("set `cluster.version` to \"{SECONDARY_BOOT_DISK_FROM}\" or later (or leave it out)")),
                );
            }
        }
    }

    // Workloads.
    let mut by_name: HashMap<&str, usize> = HashMap::with_capacity(s.workloads.len());
    let mut services: HashMap<String, &str> = HashMap::with_capacity(s.workloads.len());
    let mut workloads = Vec::with_capacity(s.workloads.len());
    for (i, w) in s.workloads.iter().enumerate() {
        let path = item("workloads", i);
        if by_name.insert(&w.name, i).is_some() {
            checker.err(
                codes::DUPLICATE_NAME,
                &at(&path, ".name"),
                format!("workload `{}` is defined twice", w.name),
                None,
            );
        }
        let mut resolved = workloads::check_workload(
            checker,
            &path,
            w,
            &c.node_pools,
            &pools,
            workload_identity,
            (&s.gcp.project, &namespace),
        );
        let pool = resolved
            .as_ref()
            .and_then(|wl| pools.get(wl.pool))
            .and_then(Option::as_ref);
        serving::check_serving(checker, &path, w, resolved.as_mut(), pool);
        routes::check_route(checker, &path, w, resolved.as_mut());
        if let Some(wl) = &resolved {
            for (svc, what) in wl
                .service
                .iter()
                .map(|s| (s, "service"))
                .chain(wl.load_balancer.iter().map(|l| (&l.0, "load balancer")))
            {
                if let Some(owner) = services.insert(svc.clone(), &w.name) {
                    let field = if what == "service"
                        && w.service.as_ref().is_some_and(|s| s.name.is_some())
                    {
                        at(&path, ".service.name")
                    } else {
                        at(&path, ".name")
                    };
                    checker.err(
                        codes::SERVICE_NAME_CLASH,
                        &field,
                        format!(
                            "Service `{svc}` of `{}` clashes with a Service of `{owner}`",
                            w.name
                        ),
                        Some("give one of them a different `service.name`".to_string()),
                    );
                }
            }
        }
        workloads.push(resolved);
    }
    // GKE, cloud-storage-fuse-csi-driver-perf: metadata prefetch "requires
    // GKE version 1.32.1-gke.1357001 or later".
    const METADATA_PREFETCH_FROM: &str = "1.32.1-gke.1357001";
    if let Some(v) = c.version.as_deref() {
        for (i, w) in s.workloads.iter().enumerate() {
            for (j, vol) in w.volumes.iter().enumerate() {
                if matches!(vol, crate::spec::Volume::Bucket(b) if b.metadata_prefetch == Some(true))
                    && provisioning::older_than(v, METADATA_PREFETCH_FROM)
                {
                    checker.err(
                        codes::FUSE_VERSION,
                        &format!("{}.metadataPrefetch", item(&format!("{}.volumes", item("workloads", i)), j)),
                        format!("Cloud Storage FUSE prefetches metadata from GKE version {METADATA_PREFETCH_FROM}, but `cluster.version` is {v}"),
                        Some(format!("set `cluster.version` to \"{METADATA_PREFETCH_FROM}\" or later (or leave it out), or drop `metadataPrefetch`")),
                    );
                }
            }
        }
    }
    // GKE serves GKE Inference Gateway's CRDs (inference.networking.k8s.io,
    // InferencePool v1) itself from 1.34.0-gke.1626000 (llm-d's GKE guide,
    // llm-d.ai/docs/infrastructure/gateway/gke; see plan/discovery.rs): on
    // an older pinned version they must be installed by hand, or `podwire
    // apply` stops at the InferencePool.
    const INFERENCE_CRDS_FROM: &str = "1.34.0-gke.1626000";
    const INFERENCE_GROUP: &str = "inference.networking.k8s.io";
    if let Some(v) = c
        .version
        .as_deref()
        .filter(|v| provisioning::older_than(v, INFERENCE_CRDS_FROM))
    {
        for (i, w) in s.workloads.iter().enumerate() {
            if !w.route.as_ref().is_some_and(|r| r.inference_pool) {
                continue;
            }
            let install = crate::plan::discovery::install_hint(INFERENCE_GROUP)
                .map(|h| h.commands.join(" && "))
                .unwrap_or_default();
            checker.warn(
                codes::INFERENCE_CRDS_VERSION,
                &at(&item("workloads", i), ".route.inferencePool"),
                format!(
                    "GKE serves the Inference Gateway CRDs ({INFERENCE_GROUP}) from version \
                     {INFERENCE_CRDS_FROM}, and `cluster.version` is {v}: they must be installed \
                     in the cluster by hand before `podwire apply`"
                ),
                Some(format!(
                    "install them once the cluster exists: `{install}`; or set `cluster.version` to \
                     \"{INFERENCE_CRDS_FROM}\" or later (or leave it out)"
                )),
            );
        }
    }
    let queues = queues::check_queues(checker, s, &pools, &mut workloads);
    capacity::check_capacity(checker, &pools, &workloads, &s.workloads);
    slices::node_pool_count(checker, &pools);
    slices::jobset_children(checker, &workloads);
    // Scratch space, and file caches on `localSsd`, live on the nodes'
    // Local SSDs where the machine type comes with them: the pool then
    // backs ephemeral storage with them.
    for (pi, pool) in pools.iter_mut().enumerate() {
        let Some(pool) = pool else { continue };
        let scratch = workloads.iter().flatten().any(|w| {
            w.pool == pi
                && w.volumes.iter().any(|v| match &v.source {
                    model::VolumeSource::Scratch { .. } => true,
                    model::VolumeSource::Bucket { cache, .. } => {
                        cache.is_some_and(|c| c.medium == crate::spec::CacheMedium::LocalSsd)
                    }
                    model::VolumeSource::Claim { .. } => false,
                })
        });
        if scratch {
            pool.ephemeral_local_ssds = crate::catalog::local_ssds(&pool.machine_type);
        }
    }
    gpudirect::check(
        checker,
        &gpudirect::Cluster {
            name: &cluster_name,
            location: &s.gcp.location,
            zonal,
            dataplane_v2,
            dataplane_v2_written: c.dataplane_v2.is_some(),
        },
        &mut pools,
        &workloads,
    );

    // Connections.
    let mut flows = Vec::new();
    for (i, conn) in s.connections.iter().enumerate() {
        let path = item("connections", i);
        if let Some(f) =
            connections::check_connection(checker, &path, conn, &by_name, &workloads, private_nodes)
        {
            flows.push(f);
        }
    }
    volumes::fuse_egress(checker, &workloads, &flows);
    routes::check_gateways(checker, s, &region, &workloads);
    if !s.connections.is_empty() && !dataplane_v2 {
        checker.warn(
            codes::POLICY_NOT_ENFORCED,
            "connections",
            "connections are declared but Dataplane V2 is off: the NetworkPolicies will not be enforced",
            Some("set `cluster.dataplaneV2: true` (the default)".to_string()),
        );
    }

    let pools: Vec<Pool> = pools.into_iter().collect::<Option<_>>()?;
    let workloads: Vec<model::Workload> = workloads.into_iter().collect::<Option<_>>()?;
    let queues: Vec<model::Queue> = queues.into_iter().collect::<Option<_>>()?;
    Some(Model {
        name: s.metadata.name.clone(),
        project: s.gcp.project.clone(),
        location: s.gcp.location.clone(),
        region,
        regional: !zonal,
        cluster_name,
        namespace,
        labels: s.metadata.labels.clone(),
        version: c.version.clone(),
        release_channel: match c.release_channel.unwrap_or_default() {
            ReleaseChannel::Rapid => "RAPID",
            ReleaseChannel::Regular => "REGULAR",
            ReleaseChannel::Stable => "STABLE",
            ReleaseChannel::Extended => "EXTENDED",
            ReleaseChannel::None => "UNSPECIFIED",
        },
        dataplane_v2,
        workload_identity,
        private_nodes,
        authorized_networks: c.authorized_networks.clone(),
        network: s.gcp.network.clone(),
        subnetwork: s.gcp.subnetwork.clone(),
        proxy_subnet: s.gcp.proxy_subnet.clone(),
        pools,
        workloads,
        queues,
        flows,
    })
}
