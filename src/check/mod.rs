//! Semantic checks: the decoded [`Spec`] is resolved into a [`Model`] while
//! every rule of the language is checked. All problems are collected.

pub mod validate;

use crate::catalog;
use crate::diag::{codes, did_you_mean, Pending, Severity};
use crate::model::{self, End, Flow, Framework, Kind, Model, Pool, PoolGpu, PoolTpu};
use crate::spec::decode::SpanMap;
use crate::spec::{
    self, Distributed, Endpoint, Expose, PortRef, Protocol, ReleaseChannel, Run, Spec,
};
use std::collections::{BTreeMap, HashMap};
use validate::*;

/// Default scopes, as gcloud sends them when `--scopes` is not given.
pub const DEFAULT_SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/devstorage.read_only",
    "https://www.googleapis.com/auth/logging.write",
    "https://www.googleapis.com/auth/monitoring",
    "https://www.googleapis.com/auth/service.management.readonly",
    "https://www.googleapis.com/auth/servicecontrol",
    "https://www.googleapis.com/auth/trace.append",
];

/// gcloud's scope aliases.
const SCOPE_ALIASES: &[(&str, &str)] = &[
    ("bigquery", "bigquery"),
    ("cloud-platform", "cloud-platform"),
    ("cloud-source-repos", "source.full_control"),
    ("cloud-source-repos-ro", "source.read_only"),
    ("compute-ro", "compute.readonly"),
    ("compute-rw", "compute"),
    ("datastore", "datastore"),
    ("logging-write", "logging.write"),
    ("monitoring", "monitoring"),
    ("monitoring-read", "monitoring.read"),
    ("monitoring-write", "monitoring.write"),
    ("pubsub", "pubsub"),
    ("service-control", "servicecontrol"),
    ("service-management", "service.management.readonly"),
    ("sql-admin", "sqlservice.admin"),
    ("storage-full", "devstorage.full_control"),
    ("storage-ro", "devstorage.read_only"),
    ("storage-rw", "devstorage.read_write"),
    ("taskqueue", "taskqueue"),
    ("trace", "trace.append"),
    ("userinfo-email", "userinfo.email"),
];

const DISK_TYPES: &[&str] = &[
    "pd-standard",
    "pd-balanced",
    "pd-ssd",
    "pd-extreme",
    "hyperdisk-balanced",
    "hyperdisk-extreme",
    "hyperdisk-throughput",
    "hyperdisk-ml",
];

/// Longest GKE cluster and node pool name.
const GKE_NAME_MAX: usize = 40;
/// StatefulSet names get a `-<hash>` controller-revision label suffix (10 characters).
const STATEFULSET_NAME_MAX: usize = 52;

/// `path` + `suffix`, without the formatting machinery: paths are built for
/// every field of every workload, errors or not.
fn at(path: &str, suffix: &str) -> String {
    [path, suffix].concat()
}

/// `list[i]`.
fn item(list: &str, i: usize) -> String {
    let mut buf = [0u8; 20];
    let digits = crate::yaml::decimal(i as u64, false, &mut buf);
    [list, "[", digits, "]"].concat()
}

struct Ck<'a> {
    spans: &'a SpanMap<'a>,
    poisoned: &'a [String],
    out: Vec<Pending>,
}

impl Ck<'_> {
    fn is_poisoned(&self, path: &str) -> bool {
        self.poisoned.iter().any(|p| {
            path == p
                || (path.starts_with(p.as_str())
                    && matches!(path.as_bytes().get(p.len()), Some(b'.' | b'[')))
        })
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

/// Check a decoded spec and resolve it. The model is `None` when there are errors.
pub fn check(s: &Spec, spans: &SpanMap, poisoned: &[String]) -> (Option<Model>, Vec<Pending>) {
    let mut ck = Ck {
        spans,
        poisoned,
        out: Vec::new(),
    };
    let model = resolve(&mut ck, s);
    let ok = !ck.out.iter().any(|p| p.severity == Severity::Error) && poisoned.is_empty();
    (model.filter(|_| ok), ck.out)
}

fn resolve(ck: &mut Ck, s: &Spec) -> Option<Model> {
    ck.name("metadata.name", "name", &s.metadata.name, 63);
    ck.labels("metadata.labels", &s.metadata.labels, true);

    if !project_id(&s.gcp.project) {
        ck.err(
            codes::BAD_PROJECT,
            "gcp.project",
            format!("`{}` is not a GCP project id", s.gcp.project),
            Some("6 to 30 lowercase letters, digits and hyphens, starting with a letter (the id, not the project's display name or number)".to_string()),
        );
    }
    let (region, zonal) = match location(&s.gcp.location) {
        Some((r, z)) => (r.to_string(), z),
        None => {
            ck.err(
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
        ck.name("cluster.name", "cluster name", &cluster_name, GKE_NAME_MAX);
    } else if s.metadata.name.len() > GKE_NAME_MAX && dns1035(&s.metadata.name) {
        ck.err(
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
    if s.namespace.is_some() {
        ck.name("namespace", "namespace", &namespace, 63);
    }
    if let Some(v) = &c.version {
        if !gke_version(v) {
            ck.err(
                codes::BAD_VERSION,
                "cluster.version",
                format!("`{v}` is not a GKE version"),
                Some("e.g. \"1.32\", \"1.32.4-gke.1415000\" or \"latest\"; quote it so YAML keeps it a string".to_string()),
            );
        }
    }
    for (i, n) in c.authorized_networks.iter().enumerate() {
        if let Err(e) = cidr(n) {
            ck.err(
                codes::BAD_CIDR,
                &item("cluster.authorizedNetworks", i),
                format!("`{n}` is not a valid CIDR: {e}"),
                None,
            );
        }
    }
    let workload_identity = c.workload_identity.unwrap_or(true);
    let dataplane_v2 = c.dataplane_v2.unwrap_or(true);

    // Pools.
    if c.node_pools.is_empty() && !ck.is_poisoned("cluster.nodePools") {
        ck.err(
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
        ck.name(&at(&path, ".name"), "node pool name", &p.name, GKE_NAME_MAX);
        if pool_names.insert(&p.name, i).is_some() {
            ck.err(
                codes::DUPLICATE_NAME,
                &at(&path, ".name"),
                format!("node pool `{}` is defined twice", p.name),
                None,
            );
        }
        pools.push(pool(ck, &path, p, &region, zonal, &s.gcp.location));
    }

    // Workloads.
    let mut by_name: HashMap<&str, usize> = HashMap::with_capacity(s.workloads.len());
    let mut services: HashMap<String, &str> = HashMap::with_capacity(s.workloads.len());
    let mut workloads = Vec::with_capacity(s.workloads.len());
    for (i, w) in s.workloads.iter().enumerate() {
        let path = item("workloads", i);
        if by_name.insert(&w.name, i).is_some() {
            ck.err(
                codes::DUPLICATE_NAME,
                &at(&path, ".name"),
                format!("workload `{}` is defined twice", w.name),
                None,
            );
        }
        let resolved = workload(ck, &path, w, &c.node_pools, &pools, workload_identity);
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
                    ck.err(
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
    capacity(ck, &pools, &workloads, &s.workloads);

    // Connections.
    let mut flows = Vec::new();
    for (i, conn) in s.connections.iter().enumerate() {
        let path = item("connections", i);
        if let Some(f) = connection(ck, &path, conn, &by_name, &workloads) {
            flows.push(f);
        }
    }
    if !s.connections.is_empty() && !dataplane_v2 {
        ck.warn(
            codes::POLICY_NOT_ENFORCED,
            "connections",
            "connections are declared but Dataplane V2 is off: the NetworkPolicies will not be enforced",
            Some("set `cluster.dataplaneV2: true` (the default)".to_string()),
        );
    }

    let pools: Vec<Pool> = pools.into_iter().collect::<Option<_>>()?;
    let workloads: Vec<model::Workload> = workloads.into_iter().collect::<Option<_>>()?;
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
        private_nodes: c.private_nodes.unwrap_or(false),
        authorized_networks: c.authorized_networks.clone(),
        network: s.gcp.network.clone(),
        subnetwork: s.gcp.subnetwork.clone(),
        pools,
        workloads,
        flows,
    })
}

fn pool(
    ck: &mut Ck,
    path: &str,
    p: &spec::NodePool,
    region: &str,
    zonal: bool,
    location: &str,
) -> Option<Pool> {
    let machine = catalog::machine(&p.machine_type);
    let mt_path = at(path, ".machineType");
    if machine.is_none() && !p.machine_type.is_empty() {
        let help = match did_you_mean(&p.machine_type, catalog::machine_names()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "podwire cannot check its accelerators or capacity; check the name against `gcloud compute machine-types list`".to_string(),
        };
        ck.warn(
            codes::UNKNOWN_MACHINE,
            &mt_path,
            format!("unknown machine type `{}`", p.machine_type),
            Some(help),
        );
    }

    // Nodes and autoscaling.
    let (initial, autoscaling) = match (p.nodes, p.autoscaling) {
        (n, Some(a)) => {
            if a.min > a.max {
                ck.err(
                    codes::AUTOSCALING_RANGE,
                    &at(path, ".autoscaling"),
                    format!("autoscaling min ({}) is above max ({})", a.min, a.max),
                    None,
                );
            } else if a.max == 0 {
                ck.err(
                    codes::AUTOSCALING_RANGE,
                    &at(path, ".autoscaling.max"),
                    "autoscaling max must be at least 1",
                    None,
                );
            }
            if let Some(n) = n {
                if n < a.min || n > a.max {
                    ck.err(
                        codes::AUTOSCALING_RANGE,
                        &at(path, ".nodes"),
                        format!(
                            "nodes ({n}) is outside the autoscaling range {}..{}",
                            a.min, a.max
                        ),
                        None,
                    );
                }
            }
            (n.unwrap_or(a.min), Some((a.min, a.max)))
        }
        (Some(n), None) => (n, None),
        (None, None) => (1, None),
    };

    // Zones.
    for (i, z) in p.zones.iter().enumerate() {
        let zp = format!("{path}.zones[{i}]");
        match location_fn(z) {
            Some((r, true)) if r == region => {}
            Some((r, true)) => ck.err(
                codes::ZONE_OUTSIDE_REGION,
                &zp,
                format!("zone `{z}` is in region `{r}`, but the cluster is in `{region}`"),
                Some(format!(
                    "node zones must be zones of {region}, e.g. `{region}-a`"
                )),
            ),
            _ => ck.err(
                codes::BAD_LOCATION,
                &zp,
                format!("`{z}` is not a zone"),
                Some("a zone looks like `us-central1-a`".to_string()),
            ),
        }
    }
    let zone_count = if !p.zones.is_empty() {
        p.zones.len() as u32
    } else if zonal {
        1
    } else {
        3
    };
    let compact = p.placement.is_some();
    if compact && zone_count != 1 {
        let help = if zonal {
            format!("list a single zone in `zones`, e.g. `[{location}]`")
        } else {
            format!("a regional cluster spreads pools over its zones; list one zone in `zones`, e.g. `[{region}-a]`")
        };
        ck.err(
            codes::COMPACT_ZONES,
            &at(path, ".placement"),
            format!(
                "compact placement needs a single zone, but pool `{}` spans {zone_count}",
                p.name
            ),
            Some(help),
        );
    }
    if p.spot == Some(true) && p.reservation.is_some() {
        ck.err(
            codes::SPOT_RESERVATION,
            &at(path, ".reservation"),
            "a spot pool cannot consume a reservation",
            Some("remove `spot: true` or `reservation`".to_string()),
        );
    }

    // Accelerators.
    let mut gpu = None;
    let mut tpu = None;
    let acc_path = at(path, ".accelerator");
    match (machine.and_then(|m| m.gpu), &p.accelerator) {
        (Some(g), acc) => {
            let acc = acc.clone().unwrap_or_default();
            if let Some(k) = &acc.kind {
                if k != g.kind {
                    ck.err(
                        codes::ACCELERATOR_TYPE,
                        &at(&acc_path, ".type"),
                        format!(
                            "`{}` comes with `{}` GPUs, not `{k}`",
                            p.machine_type, g.kind
                        ),
                        Some(format!("use `type: {}` or leave it out", g.kind)),
                    );
                }
            }
            if let Some(n) = acc.count {
                if n != g.count {
                    ck.err(
                        codes::ACCELERATOR_COUNT,
                        &at(&acc_path, ".count"),
                        format!(
                            "`{}` has {} GPU{}, not {n}",
                            p.machine_type,
                            g.count,
                            if g.count == 1 { "" } else { "s" }
                        ),
                        Some(format!("use `count: {}` or leave it out", g.count)),
                    );
                }
            }
            gpu = Some(PoolGpu {
                kind: g.kind.to_string(),
                count: g.count,
                driver: acc.driver.unwrap_or_default(),
            });
        }
        (None, Some(acc)) => {
            let n1 = p.machine_type.starts_with("n1-");
            if machine.is_some_and(|m| m.tpu.is_some()) {
                ck.err(
                    codes::ACCELERATOR_TYPE,
                    &acc_path,
                    format!(
                        "`{}` is a TPU machine; GPUs cannot be attached",
                        p.machine_type
                    ),
                    Some("use `tpu: {topology: ...}` for TPU pools".to_string()),
                );
            } else if !n1 && machine.is_some() {
                ck.err(
                    codes::ACCELERATOR_TYPE,
                    &acc_path,
                    format!("GPUs cannot be attached to `{}`", p.machine_type),
                    Some("GPUs come with g2, a2, a3 and a4 machine types, or attach to n1 (T4, V100, P100, P4)".to_string()),
                );
            } else {
                match &acc.kind {
                    None => ck.err(
                        codes::ACCELERATOR_TYPE,
                        &at(&acc_path, ".type"),
                        format!("`{}` implies no GPU; say which to attach", p.machine_type),
                        Some("e.g. `type: nvidia-tesla-t4`".to_string()),
                    ),
                    Some(k) => match catalog::n1_gpu_counts(k) {
                        None if n1 => {
                            let help = did_you_mean(k, catalog::gpu_types())
                                .map(|s| format!("did you mean `{s}`?"));
                            ck.err(
                                codes::ACCELERATOR_TYPE,
                                &at(&acc_path, ".type"),
                                format!("`{k}` cannot be attached to an n1 machine"),
                                help.or(Some(
                                    "n1 machines take nvidia-tesla-t4, -v100, -p100 or -p4"
                                        .to_string(),
                                )),
                            );
                        }
                        Some(counts) if n1 && !counts.contains(&acc.count.unwrap_or(1)) => ck.err(
                            codes::ACCELERATOR_COUNT,
                            &at(&acc_path, ".count"),
                            format!(
                                "`{k}` attaches in counts of {counts:?}, not {}",
                                acc.count.unwrap_or(1)
                            ),
                            None,
                        ),
                        _ => {}
                    },
                }
                gpu = acc.kind.clone().map(|kind| PoolGpu {
                    kind,
                    count: acc.count.unwrap_or(1),
                    driver: acc.driver.unwrap_or_default(),
                });
            }
        }
        (None, None) => {}
    }
    match (machine.and_then(|m| m.tpu), &p.tpu) {
        (Some(t), spec_tpu) => {
            let topos = catalog::tpu_topologies(&t);
            let topology = spec_tpu
                .as_ref()
                .map(|x| x.topology.clone())
                .unwrap_or_else(|| topos.first().copied().unwrap_or("1x1").to_string());
            let tp = at(path, ".tpu.topology");
            if !topos.contains(&topology.as_str()) {
                ck.err(
                    codes::TPU_TOPOLOGY,
                    &tp,
                    format!(
                        "TPU {} machine `{}` does not support topology `{topology}`",
                        t.family, p.machine_type
                    ),
                    Some(format!("supported: {}", topos.join(", "))),
                );
            } else if let Some(slice) = catalog::tpu_slice_nodes(&t, &topology) {
                if slice > 1 {
                    let (np, ok) = match autoscaling {
                        Some((min, max)) => (
                            at(path, ".autoscaling"),
                            max == slice && (min == 0 || min == slice),
                        ),
                        None => (at(path, ".nodes"), initial == slice),
                    };
                    if !ok {
                        ck.err(
                            codes::TPU_NODES,
                            &np,
                            format!("a {topology} slice of `{}` is {slice} nodes; the pool must have exactly {slice}", p.machine_type),
                            Some(format!("set `nodes: {slice}` (multi-host TPU slices are created whole)")),
                        );
                    }
                }
            }
            tpu = Some(PoolTpu {
                accelerator: t.accelerator.to_string(),
                topology,
                chips_per_node: t.chips,
            });
        }
        (None, Some(_)) => ck.err(
            codes::TPU_TOPOLOGY,
            &at(path, ".tpu"),
            format!("`{}` is not a TPU machine type", p.machine_type),
            Some("TPU pools use ct5lp-*, ct5p-*, ct6e-* or ct4p-* machine types".to_string()),
        ),
        (None, None) => {}
    }

    if let Some(d) = &p.disk_type {
        if !DISK_TYPES.contains(&d.as_str()) {
            let help = match did_you_mean(d, DISK_TYPES.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("one of: {}", DISK_TYPES.join(", ")),
            };
            ck.err(
                codes::BAD_VALUE,
                &at(path, ".diskType"),
                format!("unknown disk type `{d}`"),
                Some(help),
            );
        }
    }
    let scopes = match &p.oauth_scopes {
        None => DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
        Some(list) => {
            let mut out: Vec<String> = Vec::new();
            for (i, s) in list.iter().enumerate() {
                if s.starts_with("https://") {
                    out.push(s.clone());
                } else if s == "default" || s == "gke-default" {
                    out.extend(DEFAULT_SCOPES.iter().map(|s| s.to_string()));
                } else if let Some((_, full)) = SCOPE_ALIASES.iter().find(|(a, _)| a == s) {
                    out.push(format!("https://www.googleapis.com/auth/{full}"));
                } else {
                    let names = SCOPE_ALIASES.iter().map(|a| a.0);
                    let help = did_you_mean(s, names).map(|x| format!("did you mean `{x}`?")).unwrap_or_else(|| "use a gcloud scope alias (cloud-platform, storage-ro, ...) or a full https:// URL".to_string());
                    ck.err(
                        codes::BAD_VALUE,
                        &format!("{path}.oauthScopes[{i}]"),
                        format!("unknown scope `{s}`"),
                        Some(help),
                    );
                }
            }
            out.sort();
            out.dedup();
            out
        }
    };
    if let Some(sa) = &p.service_account {
        if sa != "default" && !service_account_email(sa) {
            ck.err(
                codes::BAD_EMAIL,
                &at(path, ".serviceAccount"),
                format!("`{sa}` is not a service account email"),
                Some("e.g. nodes@my-project.iam.gserviceaccount.com".to_string()),
            );
        }
    }
    ck.labels(&at(path, ".labels"), &p.labels, false);
    for (i, t) in p.taints.iter().enumerate() {
        if !label_key(&t.key) || !label_value(&t.value) {
            ck.err(
                codes::BAD_LABEL,
                &format!("{path}.taints[{i}]"),
                format!("taint `{}={}` has an invalid key or value", t.key, t.value),
                None,
            );
        }
    }
    Some(Pool {
        name: p.name.clone(),
        machine_type: p.machine_type.clone(),
        initial_nodes: initial,
        autoscaling,
        zones: p.zones.clone(),
        zone_count,
        gvnic: machine.is_some_and(|m| m.gvnic),
        gpu,
        tpu,
        spot: p.spot.unwrap_or(false),
        reservation: p.reservation.clone(),
        compact,
        disk_size_gb: p.disk_size_gb,
        disk_type: p.disk_type.clone(),
        image_type: p.image_type.clone(),
        scopes,
        service_account: p.service_account.clone(),
        labels: p.labels.clone(),
        taints: p
            .taints
            .iter()
            .map(|t| (t.key.clone(), t.value.clone(), t.effect))
            .collect(),
        max_pods_per_node: p.max_pods_per_node,
        vcpus: machine.map(|m| m.vcpus),
        memory_mib: machine.map(|m| m.memory_mib),
    })
}

fn location_fn(z: &str) -> Option<(&str, bool)> {
    location(z)
}

fn workload(
    ck: &mut Ck,
    path: &str,
    w: &spec::Workload,
    spec_pools: &[spec::NodePool],
    pools: &[Option<Pool>],
    workload_identity: bool,
) -> Option<model::Workload> {
    let np = at(path, ".name");
    if w.name == "internet" {
        ck.err(
            codes::RESERVED_NAME,
            &np,
            "`internet` is reserved for connections to and from outside the cluster",
            Some("choose another name".to_string()),
        );
    }
    ck.name(&np, "workload name", &w.name, 63);
    if w.image.trim().is_empty() && !ck.is_poisoned(&at(path, ".image")) {
        ck.err(
            codes::BAD_VALUE,
            &at(path, ".image"),
            "the image is empty",
            None,
        );
    }

    // Pool.
    let pool_idx = match &w.pool {
        Some(name) => match spec_pools.iter().position(|p| &p.name == name) {
            Some(i) => Some(i),
            None => {
                let help = did_you_mean(name, spec_pools.iter().map(|p| p.name.as_str()))
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| {
                        format!(
                            "pools: {}",
                            spec_pools
                                .iter()
                                .map(|p| p.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    });
                ck.err(
                    codes::UNKNOWN_POOL,
                    &at(path, ".pool"),
                    format!("unknown node pool `{name}`"),
                    Some(help),
                );
                None
            }
        },
        None if spec_pools.len() == 1 => Some(0),
        None if spec_pools.is_empty() => None,
        None => {
            ck.err(
                codes::POOL_REQUIRED,
                &np,
                format!(
                    "workload `{}` must name its `pool`: the cluster has {} pools",
                    w.name,
                    spec_pools.len()
                ),
                Some(format!(
                    "add `pool: {}` (or another pool)",
                    spec_pools[0].name
                )),
            );
            None
        }
    };
    let pool = pool_idx.and_then(|i| pools.get(i)).and_then(|p| p.as_ref());

    let run = w.run.unwrap_or_default();
    let replicas = w.replicas.unwrap_or(1);
    if run == Run::Job && replicas == 0 {
        ck.err(
            codes::BAD_VALUE,
            &at(path, ".replicas"),
            "a job needs at least one replica",
            None,
        );
    }
    let framework = match w.distributed.unwrap_or_default() {
        Distributed::Pytorch => Some(Framework::Pytorch),
        Distributed::Jax => Some(Framework::Jax),
        Distributed::None => None,
    };
    if framework.is_some() && w.peers == Some(false) {
        ck.err(
            codes::PEERS_REQUIRED,
            &at(path, ".peers"),
            "distributed training needs `peers`: every worker must reach pod 0 by a stable name",
            Some("remove `peers: false`".to_string()),
        );
    }
    let peers = w.peers.unwrap_or(framework.is_some());

    // Accelerators.
    let gpus = w.gpus.unwrap_or(0);
    if let Some(pool) = pool {
        match &pool.gpu {
            Some(g) if gpus > g.count => ck.err(
                codes::GPUS_PER_POD,
                &at(path, ".gpus"),
                format!(
                    "{gpus} GPUs per pod, but a node of pool `{}` has {}",
                    pool.name, g.count
                ),
                Some(format!(
                    "use at most `gpus: {}`, or a machine type with more GPUs",
                    g.count
                )),
            ),
            None if gpus > 0 => ck.err(
                codes::NO_GPUS,
                &at(path, ".gpus"),
                format!("pool `{}` ({}) has no GPUs", pool.name, pool.machine_type),
                Some("run on a GPU pool, or remove `gpus`".to_string()),
            ),
            _ => {}
        }
        match &pool.tpu {
            Some(t) if w.tpus.is_some_and(|n| n > t.chips_per_node) => ck.err(
                codes::GPUS_PER_POD,
                &at(path, ".tpus"),
                format!(
                    "{} TPU chips per pod, but a node of pool `{}` has {}",
                    w.tpus.unwrap_or(0),
                    pool.name,
                    t.chips_per_node
                ),
                None,
            ),
            None if w.tpus.is_some_and(|n| n > 0) => ck.err(
                codes::NO_TPUS,
                &at(path, ".tpus"),
                format!("pool `{}` ({}) has no TPUs", pool.name, pool.machine_type),
                Some("run on a TPU pool (ct5lp-*, ct5p-*, ct6e-*), or remove `tpus`".to_string()),
            ),
            _ => {}
        }
    }
    let tpus = match pool.and_then(|p| p.tpu.as_ref()) {
        Some(t) => w.tpus.unwrap_or(t.chips_per_node),
        None => 0,
    };

    // Resources.
    let res = w.resources.clone().unwrap_or_default();
    if let Some(cpu) = &res.cpu {
        match cpu_millis(cpu) {
            None => ck.err(
                codes::BAD_QUANTITY,
                &at(path, ".resources.cpu"),
                format!("`{cpu}` is not a CPU quantity"),
                Some("e.g. \"4\", \"0.5\" or \"500m\"".to_string()),
            ),
            Some(m) => {
                if let Some(v) = pool.and_then(|p| p.vcpus) {
                    if m > u64::from(v) * 1000 {
                        ck.err(
                            codes::POD_TOO_BIG,
                            &at(path, ".resources.cpu"),
                            format!(
                                "{cpu} CPUs per pod, but a `{}` node has {v}",
                                pool.map_or("", |p| p.machine_type.as_str())
                            ),
                            Some("no node of the pool can run this pod".to_string()),
                        );
                    }
                }
            }
        }
    }
    if let Some(mem) = &res.memory {
        match memory_bytes(mem) {
            None => ck.err(
                codes::BAD_QUANTITY,
                &at(path, ".resources.memory"),
                format!("`{mem}` is not a memory quantity"),
                Some("e.g. \"16Gi\" or \"512Mi\"".to_string()),
            ),
            Some(b) => {
                if let Some(m) = pool.and_then(|p| p.memory_mib) {
                    if b > m * 1024 * 1024 {
                        ck.err(
                            codes::POD_TOO_BIG,
                            &at(path, ".resources.memory"),
                            format!(
                                "{mem} memory per pod, but a `{}` node has {} GiB",
                                pool.map_or("", |p| p.machine_type.as_str()),
                                m / 1024
                            ),
                            Some("no node of the pool can run this pod".to_string()),
                        );
                    }
                }
            }
        }
    }
    if let Some(e) = &res.ephemeral_storage {
        if memory_bytes(e).is_none() {
            ck.err(
                codes::BAD_QUANTITY,
                &at(path, ".resources.ephemeralStorage"),
                format!("`{e}` is not a storage quantity"),
                None,
            );
        }
    }
    for (k, _) in &w.env {
        if !env_name(k) {
            ck.err(
                codes::BAD_NAME,
                &format!("{path}.env.{k}"),
                format!("`{k}` is not a valid environment variable name"),
                None,
            );
        }
    }

    // Ports.
    let mut ports: Vec<model::Port> = Vec::new();
    for (i, p) in w.ports.iter().enumerate() {
        let pp = format!("{path}.ports[{i}]");
        let name = p.name.clone().unwrap_or_else(|| format!("p{}", p.port));
        if !iana_svc_name(&name) {
            ck.err(
                codes::BAD_PORT_NAME,
                &format!("{pp}.name"),
                format!("port name `{name}` is not an IANA service name"),
                Some(
                    "at most 15 lowercase letters, digits and '-', with at least one letter"
                        .to_string(),
                ),
            );
        }
        let protocol = p.protocol.unwrap_or_default();
        if ports.iter().any(|q| q.name == name) {
            ck.err(
                codes::DUPLICATE_PORT,
                &format!("{pp}.name"),
                format!("port name `{name}` is used twice"),
                None,
            );
        } else if ports
            .iter()
            .any(|q| q.port == p.port && q.protocol == protocol)
        {
            ck.err(
                codes::DUPLICATE_PORT,
                &format!("{pp}.port"),
                format!("port {} is declared twice", p.port),
                None,
            );
        }
        ports.push(model::Port {
            name,
            port: p.port,
            protocol,
        });
    }
    let distributed = framework.map(|f| {
        let port = ports
            .iter()
            .find(|p| p.name == "rendezvous")
            .or(ports.first())
            .map(|p| p.port);
        let port = match port {
            Some(p) => p,
            None => {
                let port = if f == Framework::Pytorch { 29500 } else { 8476 };
                ports.push(model::Port {
                    name: "rendezvous".into(),
                    port,
                    protocol: Protocol::Tcp,
                });
                port
            }
        };
        (f, port)
    });

    // Services.
    let expose = w.expose.unwrap_or_default();
    let service_name = w
        .service
        .as_ref()
        .and_then(|s| s.name.clone())
        .unwrap_or_else(|| w.name.clone());
    if let Some(n) = w.service.as_ref().and_then(|s| s.name.as_ref()) {
        ck.name(&at(path, ".service.name"), "service name", n, 63);
    }
    let service = if peers || (!ports.is_empty() && expose != Expose::None) {
        Some(service_name.clone())
    } else {
        None
    };
    let load_balancer = match expose {
        Expose::Internal | Expose::External => {
            if ports.is_empty() {
                ck.err(
                    codes::EXPOSE_WITHOUT_PORTS,
                    &at(path, ".expose"),
                    format!(
                        "`expose: {}` needs ports to expose",
                        if expose == Expose::Internal {
                            "internal"
                        } else {
                            "external"
                        }
                    ),
                    Some("add `ports: [{name: http, port: 8000}]`".to_string()),
                );
            }
            let lb = format!("{service_name}-lb");
            if lb.len() > 63 && dns1035(&service_name) {
                ck.err(
                    codes::NAME_TOO_LONG,
                    &np,
                    format!("the load balancer Service `{lb}` would be longer than 63 characters"),
                    Some("shorten the name or set `service.name`".to_string()),
                );
            }
            Some((lb, expose == Expose::Internal))
        }
        _ => None,
    };

    let kind = match (run, peers) {
        (Run::Job, _) => Kind::Job,
        (Run::Service, true) => Kind::StatefulSet,
        (Run::Service, false) => Kind::Deployment,
    };
    // Length budget for generated names.
    if dns1035(&w.name) {
        if kind == Kind::StatefulSet && w.name.len() > STATEFULSET_NAME_MAX {
            ck.err(codes::NAME_TOO_LONG, &np, format!("StatefulSet `{}` is {} characters; at most {STATEFULSET_NAME_MAX} fit its controller-revision label", w.name, w.name.len()), None);
        } else if peers || kind == Kind::Job {
            // Indexed Job pods are always named `<job>-<index>` as hostname;
            // StatefulSet pods `<name>-<ordinal>`.
            let host = format!("{}-{}", w.name, replicas.saturating_sub(1));
            if host.len() > 63 {
                ck.err(
                    codes::NAME_TOO_LONG,
                    &np,
                    format!(
                        "pod hostname `{host}` would be {} characters; DNS labels allow 63",
                        host.len()
                    ),
                    Some(format!(
                        "shorten the workload name to at most {} characters",
                        63 - (host.len() - w.name.len())
                    )),
                );
            }
        }
    }
    if let Some(sa) = &w.gcp_service_account {
        let sp = at(path, ".gcpServiceAccount");
        if !service_account_email(sa) {
            ck.err(
                codes::BAD_EMAIL,
                &sp,
                format!("`{sa}` is not a service account email"),
                Some("e.g. trainer@my-project.iam.gserviceaccount.com".to_string()),
            );
        } else if !workload_identity {
            ck.warn(
                codes::WI_OFF,
                &sp,
                "`gcpServiceAccount` has no effect while Workload Identity is off",
                Some("set `cluster.workloadIdentity: true` (the default)".to_string()),
            );
        }
    }
    if w.run_as_user == Some(0) {
        ck.err(
            codes::BAD_VALUE,
            &at(path, ".runAsUser"),
            "runAsUser 0 is root, which Pod Security \"restricted\" forbids",
            Some("use a non-zero user id, e.g. 1000".to_string()),
        );
    }

    let pool_idx = pool_idx?;
    pool?;
    Some(model::Workload {
        name: w.name.clone(),
        image: w.image.clone(),
        pool: pool_idx,
        kind,
        replicas,
        gpus,
        tpus,
        cpu: res.cpu,
        memory: res.memory,
        ephemeral_storage: res.ephemeral_storage,
        command: w.command.clone(),
        args: w.args.clone(),
        env: w.env.clone(),
        ports,
        peers,
        distributed,
        headless: peers,
        service,
        load_balancer,
        gcp_service_account: w.gcp_service_account.clone().filter(|_| workload_identity),
        run_as_user: w.run_as_user,
        run_as_group: w.run_as_group,
        backoff_limit: w
            .backoff_limit
            .unwrap_or(if framework.is_some() { 0 } else { 3 }),
    })
}

/// Warn when what runs on a pool cannot fit on it at its largest.
fn capacity(
    ck: &mut Ck,
    pools: &[Option<Pool>],
    wls: &[Option<model::Workload>],
    spec_wls: &[spec::Workload],
) {
    for (pi, pool) in pools.iter().enumerate() {
        let Some(pool) = pool else { continue };
        let nodes = u64::from(pool.autoscaling.map_or(pool.initial_nodes, |a| a.1))
            * u64::from(pool.zone_count);
        let on: Vec<(usize, &model::Workload)> = wls
            .iter()
            .enumerate()
            .filter_map(|(i, w)| w.as_ref().filter(|w| w.pool == pi).map(|w| (i, w)))
            .collect();
        let Some(&(last, _)) = on.last() else {
            continue;
        };
        let path = format!("workloads[{last}].replicas");
        let mut check = |what: &str, demand: u64, per_node: u64| {
            let have = nodes * per_node;
            if demand > have {
                ck.warn(
                    codes::POOL_CAPACITY,
                    &path,
                    format!("the workloads on pool `{}` ask for {demand} {what} in all, but at most {nodes} node{} give {have}", pool.name, if nodes == 1 { "" } else { "s" }),
                    Some("add nodes (or raise `autoscaling.max`), or run fewer replicas; pods that do not fit stay Pending".to_string()),
                );
            }
        };
        if let Some(g) = &pool.gpu {
            check(
                "GPUs",
                on.iter()
                    .map(|(_, w)| u64::from(w.replicas) * u64::from(w.gpus))
                    .sum(),
                u64::from(g.count),
            );
        }
        if let Some(t) = &pool.tpu {
            check(
                "TPU chips",
                on.iter()
                    .map(|(_, w)| u64::from(w.replicas) * u64::from(w.tpus))
                    .sum(),
                u64::from(t.chips_per_node),
            );
        }
        if let Some(v) = pool.vcpus {
            let cpu: u64 = on
                .iter()
                .map(|(i, w)| {
                    u64::from(w.replicas)
                        * spec_wls[*i]
                            .resources
                            .as_ref()
                            .and_then(|r| r.cpu.as_deref())
                            .and_then(cpu_millis)
                            .unwrap_or(0)
                })
                .sum();
            if cpu > nodes * u64::from(v) * 1000 {
                check("CPUs", cpu.div_ceil(1000), u64::from(v));
            }
        }
    }
}

fn connection(
    ck: &mut Ck,
    path: &str,
    c: &spec::Connection,
    by_name: &HashMap<&str, usize>,
    wls: &[Option<model::Workload>],
) -> Option<Flow> {
    let mut ok = true;
    let mut end = |ck: &mut Ck, e: &Endpoint, side: &str| -> Option<End> {
        let p = || [path, ".", side].concat();
        match e {
            Endpoint::Name(n) if n == "internet" => Some(End::Internet),
            Endpoint::Name(n) => match by_name.get(n.as_str()) {
                Some(&i) => Some(End::Workload(i)),
                None => {
                    // In source order: a hash map's order would make the
                    // suggestion among equally close names vary run to run.
                    let mut names: Vec<(usize, &str)> =
                        by_name.iter().map(|(name, &i)| (i, *name)).collect();
                    names.sort_unstable();
                    let help =
                        did_you_mean(n, names.iter().map(|(_, name)| *name).chain(["internet"]))
                            .map(|s| format!("did you mean `{s}`?"));
                    ck.err(
                        codes::UNKNOWN_WORKLOAD,
                        &p(),
                        format!("unknown workload `{n}`"),
                        help.or(Some(
                            "name a workload, `internet`, `{cidr: ...}` or `{namespace: ...}`"
                                .to_string(),
                        )),
                    );
                    ok = false;
                    None
                }
            },
            Endpoint::Cidr { cidr: cd } => match cidr(cd) {
                Ok(()) => Some(End::Cidr(cd.clone())),
                Err(e) => {
                    ck.err(
                        codes::BAD_CIDR,
                        &at(&p(), ".cidr"),
                        format!("`{cd}` is not a valid CIDR: {e}"),
                        None,
                    );
                    ok = false;
                    None
                }
            },
            Endpoint::Namespace { namespace } => {
                if !dns1123(namespace) {
                    ck.err(
                        codes::BAD_NAME,
                        &at(&p(), ".namespace"),
                        format!("`{namespace}` is not a namespace name"),
                        None,
                    );
                    ok = false;
                }
                Some(End::Namespace(namespace.clone()))
            }
        }
    };
    let from = end(ck, &c.from, "from");
    let to = end(ck, &c.to, "to");
    let (from, to) = (from?, to?);
    if !matches!(from, End::Workload(_)) && !matches!(to, End::Workload(_)) {
        ck.err(
            codes::BAD_CONNECTION,
            path,
            "a connection needs a workload at one end at least",
            Some("podwire only makes policies for its own workloads".to_string()),
        );
        return None;
    }
    let target = match &to {
        End::Workload(i) => wls.get(*i).and_then(|w| w.as_ref()),
        _ => None,
    };
    if let (End::Workload(_), Some(t)) = (&to, target) {
        if t.service.is_none() {
            ck.err(
                codes::NO_SERVICE,
                &at(path, ".to"),
                format!("`{}` has no Service, so nothing can connect to it", t.name),
                Some(if t.ports.is_empty() {
                    "give it `ports`".to_string()
                } else {
                    "remove `expose: none`, or set `peers: true`".to_string()
                }),
            );
            ok = false;
        }
    }
    let mut ports = Vec::new();
    for (i, p) in c.ports.iter().enumerate() {
        let pp = format!("{path}.ports[{i}]");
        match (p, target) {
            (PortRef::Name(n), Some(t)) => match t.ports.iter().find(|q| &q.name == n) {
                Some(q) => ports.push((q.port, q.protocol)),
                None => {
                    let help = did_you_mean(n, t.ports.iter().map(|q| q.name.as_str()))
                        .map(|s| format!("did you mean `{s}`?"))
                        .unwrap_or_else(|| {
                            format!(
                                "`{}` has ports: {}",
                                t.name,
                                t.ports
                                    .iter()
                                    .map(|q| q.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        });
                    ck.err(
                        codes::UNKNOWN_PORT,
                        &pp,
                        format!("`{}` has no port named `{n}`", t.name),
                        Some(help),
                    );
                    ok = false;
                }
            },
            (PortRef::Number(n), Some(t)) => match t.ports.iter().find(|q| q.port == *n) {
                Some(q) => ports.push((q.port, q.protocol)),
                None => {
                    ck.err(
                        codes::UNKNOWN_PORT,
                        &pp,
                        format!("`{}` does not listen on port {n}", t.name),
                        Some(format!(
                            "`{}` has ports: {}",
                            t.name,
                            t.ports
                                .iter()
                                .map(|q| q.port.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    );
                    ok = false;
                }
            },
            (PortRef::Name(n), None) if matches!(to, End::Workload(_)) => {
                let _ = n;
                ok = false;
            }
            (PortRef::Name(n), None) => {
                ck.err(
                    codes::UNKNOWN_PORT,
                    &pp,
                    format!("port `{n}` must be a number: names refer to a workload's ports"),
                    None,
                );
                ok = false;
            }
            (PortRef::Number(n), None) => ports.push((*n, Protocol::Tcp)),
        }
    }
    ok.then_some(Flow { from, to, ports })
}

#[cfg(test)]
mod tests {
    use super::{at, item};

    #[test]
    fn paths_are_built_like_format() {
        for i in [0usize, 7, 10, 1999, usize::MAX] {
            assert_eq!(item("workloads", i), format!("workloads[{i}]"));
        }
        assert_eq!(at(&item("workloads", 12), ".name"), "workloads[12].name");
    }
}
