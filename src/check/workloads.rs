//! Workloads: name, pool, run kind, replicas, accelerators, resources,
//! env, ports, the rendezvous port, Services and generated-name lengths.

use super::validate::{
    cpu_millis, dns1035, env_name, iana_svc_name, image_reference, memory_bytes,
    service_account_email,
};
use super::{at, Checker};
use crate::diag::{codes, did_you_mean};
use crate::model::{self, Framework, Kind, Pool};
use crate::spec::{self, Distributed, Expose, Protocol, Run};

/// StatefulSet names get a `-<hash>` controller-revision label suffix (10 characters).
const STATEFULSET_NAME_MAX: usize = 52;

/// Check one workload and resolve it against the (already checked) pools.
pub(super) fn check_workload(
    checker: &mut Checker,
    path: &str,
    w: &spec::Workload,
    spec_pools: &[spec::NodePool],
    pools: &[Option<Pool>],
    workload_identity: bool,
    project_ns: (&str, &str),
) -> Option<model::Workload> {
    let np = at(path, ".name");
    if w.name == "internet" {
        checker.err(
            codes::RESERVED_NAME,
            &np,
            "`internet` is reserved for connections to and from outside the cluster",
            Some("choose another name".to_string()),
        );
    }
    checker.name(&np, "workload name", &w.name, 63);
    if let Err(why) = image_reference(&w.image) {
        checker.err(
            codes::BAD_IMAGE,
            &at(path, ".image"),
            format!("{:?} is not an image reference: {why}", w.image),
            Some("e.g. `us-docker.pkg.dev/my-project/ml/train:1.0`; Kubernetes would never start the pods".to_string()),
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
                checker.err(
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
            checker.err(
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

    let expose = w.expose.unwrap_or_default();
    let run = w.run.unwrap_or_else(|| {
        // A route is exposure through a load balancer too.
        if w.route.is_some() {
            Run::Service
        } else {
            default_run(expose, w.distributed.unwrap_or_default(), &w.ports)
        }
    });
    let replicas = w.replicas.unwrap_or(1);
    if run == Run::Job && replicas == 0 {
        checker.err(
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
    // Pods per replica: a LeaderWorkerSet of groups when more than one.
    let group_size = w.group_size.unwrap_or(1);
    let grouped = group_size > 1;
    if grouped {
        group_conflicts(checker, path, w, run, framework, pool);
    }
    if framework.is_some() && w.peers == Some(false) && !grouped {
        checker.err(
            codes::PEERS_REQUIRED,
            &at(path, ".peers"),
            "distributed training needs `peers`: every worker must reach pod 0 by a stable name",
            Some("remove `peers: false`".to_string()),
        );
    }
    let slices = pool.map_or(1, Pool::slices);
    let multislice = slices > 1;
    // Multislice pods find slice 0's first pod by name (the MegaScale
    // coordinator), as distributed ones find pod 0.
    // A group's pods are named under their group's Service by
    // LeaderWorkerSet itself: no peers Service.
    let peers = !grouped && w.peers.unwrap_or(framework.is_some() || multislice);
    let restarts = w.restarts.unwrap_or(0);
    if restarts > 0 && run != Run::Job {
        checker.err(
            codes::RESTARTS_NOT_JOB,
            &at(path, ".restarts"),
            "`restarts` restarts a job as a whole; a long-running workload is restarted pod by pod by its controller",
            Some("remove `restarts`, or use `run: job`".to_string()),
        );
    }

    // Accelerators.
    let gpus = w.gpus.unwrap_or(0);
    if let Some(pool) = pool {
        match &pool.gpu {
            Some(g) if gpus > g.count => checker.err(
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
            // A pool without a known machine type has its own error.
            None if gpus > 0 && !pool.machine_type.is_empty() => checker.err(
                codes::NO_GPUS,
                &at(path, ".gpus"),
                format!("pool `{}` ({}) has no GPUs", pool.name, pool.machine_type),
                Some("run on a GPU pool, or remove `gpus`".to_string()),
            ),
            _ => {}
        }
        match &pool.tpu {
            Some(t) if w.tpus.is_some_and(|n| n > t.chips_per_node) => checker.err(
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
            None if w.tpus.is_some_and(|n| n > 0) => checker.err(
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
            None => checker.err(
                codes::BAD_QUANTITY,
                &at(path, ".resources.cpu"),
                format!("`{cpu}` is not a CPU quantity"),
                Some("e.g. \"4\", \"0.5\" or \"500m\"".to_string()),
            ),
            Some(m) => {
                if let Some(v) = pool.and_then(|p| p.vcpus) {
                    if m > u64::from(v) * 1000 {
                        checker.err(
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
            None => checker.err(
                codes::BAD_QUANTITY,
                &at(path, ".resources.memory"),
                format!("`{mem}` is not a memory quantity"),
                Some("e.g. \"16Gi\" or \"512Mi\"".to_string()),
            ),
            Some(b) => {
                if let Some(m) = pool.and_then(|p| p.memory_mib) {
                    if b > m * 1024 * 1024 {
                        checker.err(
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
            checker.err(
                codes::BAD_QUANTITY,
                &at(path, ".resources.ephemeralStorage"),
                format!("`{e}` is not a storage quantity"),
                None,
            );
        }
    }
    for (k, _) in &w.env {
        if multislice && super::slices::is_injected(k) {
            checker.err(
                codes::INJECTED_ENV,
                &format!("{path}.env.{k}"),
                format!(
                    "`{k}` is set by podwire for TPU Multislice: each slice's pods get their own"
                ),
                Some("remove it from `env`".to_string()),
            );
            continue;
        }
        if !env_name(k) {
            checker.err(
                codes::BAD_NAME,
                &format!("{path}.env.{k}"),
                format!("`{k}` is not a valid environment variable name"),
                None,
            );
        } else if let Some(f) = framework.filter(|f| is_injected(*f, k)) {
            checker.err(
                codes::INJECTED_ENV,
                &format!("{path}.env.{k}"),
                format!(
                    "`{k}` is set by podwire for `distributed: {}`; the Service and NetworkPolicies are built on its value",
                    if f == Framework::Pytorch { "pytorch" } else { "jax" }
                ),
                Some("remove it from `env` (name the rendezvous port `rendezvous` to choose its number)".to_string()),
            );
        }
    }

    // Ports.
    let mut ports: Vec<model::Port> = Vec::new();
    for (i, p) in w.ports.iter().enumerate() {
        let pp = format!("{path}.ports[{i}]");
        let name = p.name.clone().unwrap_or_else(|| format!("p{}", p.port));
        if !iana_svc_name(&name) {
            checker.err(
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
        let number_known = !checker.is_poisoned(&format!("{pp}.port"));
        if ports.iter().any(|q| q.name == name) {
            checker.err(
                codes::DUPLICATE_PORT,
                &format!("{pp}.name"),
                format!("port name `{name}` is used twice"),
                None,
            );
        } else if number_known
            && ports
                .iter()
                .any(|q| q.port == p.port && q.protocol == protocol)
        {
            checker.err(
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
    let distributed = match framework {
        None => None,
        Some(f) => match rendezvous_port(f, &ports) {
            Rendezvous::Named(port) => Some((f, port)),
            Rendezvous::Added(port) => {
                ports.push(model::Port {
                    name: "rendezvous".into(),
                    port,
                    protocol: Protocol::Tcp,
                });
                Some((f, port))
            }
            Rendezvous::Taken { port, by } => {
                checker.err(
                    codes::RENDEZVOUS_PORT,
                    &format!("{path}.ports[{by}].port"),
                    format!(
                        "port {port} is the default rendezvous port, but `{}` is declared on it",
                        ports[by].name
                    ),
                    Some(format!(
                        "name the rendezvous port: add `{{name: rendezvous, port: N}}` on a free port, or name this one `rendezvous` if it is {}",
                        if f == Framework::Pytorch { "torchrun's store" } else { "JAX's coordinator" }
                    )),
                );
                None
            }
        },
    };

    if multislice {
        match super::slices::megascale_port(&ports) {
            Ok((port, true)) => ports.push(model::Port {
                name: "megascale".into(),
                port,
                protocol: Protocol::Tcp,
            }),
            Ok((_, false)) => {}
            Err(by) => checker.err(
                codes::MEGASCALE_PORT,
                &format!("{path}.ports[{by}].port"),
                format!(
                    "port {} is the MegaScale port of TPU Multislice, but `{}` is declared on it",
                    super::slices::MEGASCALE_DEFAULT_PORT,
                    ports[by].name
                ),
                Some(
                    "name a free port `megascale` (`{name: megascale, port: N}`), or move this one"
                        .to_string(),
                ),
            ),
        }
    }

    // Services.
    let service_name = w
        .service
        .as_ref()
        .and_then(|s| s.name.clone())
        .unwrap_or_else(|| w.name.clone());
    if let Some(n) = w.service.as_ref().and_then(|s| s.name.as_ref()) {
        checker.name(&at(path, ".service.name"), "service name", n, 63);
    }
    let service = if peers || (!ports.is_empty() && expose != Expose::None) {
        Some(service_name.clone())
    } else {
        None
    };
    let load_balancer = match expose {
        Expose::Internal | Expose::External => {
            if ports.is_empty() && !checker.poison_within(&at(path, ".ports")) {
                checker.err(
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
                checker.err(
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
        (Run::Service, _) if grouped => Kind::LeaderWorkerSet,
        (Run::Job, _) if restarts > 0 || multislice => Kind::JobSet,
        (Run::Job, _) => Kind::Job,
        (Run::Service, true) => Kind::StatefulSet,
        (Run::Service, false) => Kind::Deployment,
    };
    if let Some((pool, t)) = pool.and_then(|p| p.tpu.as_ref().map(|t| (p, t))) {
        if t.hosts > 1 {
            multi_host_slice(checker, path, w, pool, t, kind, replicas);
        }
    }
    if let Some(pool) = pool {
        super::slices::workload_on_slices(checker, path, w, pool, kind, framework);
    }
    if kind == Kind::JobSet && w.backoff_limit.is_some_and(|b| b > 0) {
        checker.err(
            codes::JOBSET_BACKOFF,
            &at(path, ".backoffLimit"),
            if multislice {
                "a TPU Multislice job restarts as a whole (`restarts`), not pod by pod"
            } else {
                "with `restarts` the job restarts as a whole; a pod is not retried on its own"
            },
            Some("remove `backoffLimit` (count restarts with `restarts`)".to_string()),
        );
    }
    // Length budget for generated names.
    if dns1035(&w.name) {
        if kind == Kind::StatefulSet && w.name.len() > STATEFULSET_NAME_MAX {
            checker.err(codes::NAME_TOO_LONG, &np, format!("StatefulSet `{}` is {} characters; at most {STATEFULSET_NAME_MAX} fit its controller-revision label", w.name, w.name.len()), None);
        } else if peers || kind.is_job() || kind == Kind::LeaderWorkerSet {
            // Indexed Job pods are always named `<job>-<index>` as hostname;
            // StatefulSet pods `<name>-<ordinal>`; JobSet pods
            // `<jobset>-worker-<slice>-<index>`.
            let host = if kind == Kind::LeaderWorkerSet {
                // The last group's last worker (`<lws>-<group>-<index>`),
                // as many groups as the autoscaler may make.
                let groups = w.autoscale.as_ref().map_or(replicas, |a| a.max);
                format!("{}-{}-{}", w.name, groups.saturating_sub(1), group_size - 1)
            } else if kind == Kind::JobSet {
                format!(
                    "{}-{}-{}-{}",
                    w.name,
                    model::JOBSET_REPLICATED_JOB,
                    slices - 1,
                    replicas.saturating_sub(1)
                )
            } else {
                format!("{}-{}", w.name, replicas.saturating_sub(1))
            };
            if host.len() > 63 {
                checker.err(
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
            checker.err(
                codes::BAD_EMAIL,
                &sp,
                format!("`{sa}` is not a service account email"),
                Some("e.g. trainer@my-project.iam.gserviceaccount.com".to_string()),
            );
        } else if !workload_identity {
            checker.warn(
                codes::WI_OFF,
                &sp,
                "`gcpServiceAccount` has no effect while Workload Identity is off",
                Some("set `cluster.workloadIdentity: true` (the default)".to_string()),
            );
        }
    }
    if w.run_as_user == Some(0) {
        checker.err(
            codes::BAD_VALUE,
            &at(path, ".runAsUser"),
            "runAsUser 0 is root, which Pod Security \"restricted\" forbids",
            Some("use a non-zero user id, e.g. 1000".to_string()),
        );
    }

    let env = super::volumes::env(checker, path, w);
    let volumes = super::volumes::volumes(
        checker,
        path,
        w,
        pool,
        gpus > 0 || tpus > 0,
        workload_identity,
        project_ns,
    );

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
        env,
        ports,
        peers,
        distributed,
        headless: peers,
        service,
        load_balancer,
        // Filled in by `serving::check_serving` and `routes::check_route`.
        health: None,
        route: None,
        autoscale: None,
        disruption: None,
        gcp_service_account: w.gcp_service_account.clone().filter(|_| workload_identity),
        run_as_user: w.run_as_user,
        run_as_group: w.run_as_group,
        // A JobSet's Jobs never retry a pod: the JobSet restarts them all.
        backoff_limit: if kind == Kind::JobSet {
            0
        } else {
            w.backoff_limit
                .unwrap_or(if framework.is_some() { 0 } else { 3 })
        },
        restarts,
        slices: if kind == Kind::JobSet { slices } else { 1 },
        group_size: if kind == Kind::LeaderWorkerSet {
            group_size
        } else {
            1
        },
        volumes,
        // Resolved with the queues (check::queues).
        queue: None,
        priority: None,
    })
}

/// What `groupSize` above 1 cannot be combined with: a job (a
/// LeaderWorkerSet is long-running), `peers` (every group's pods already
/// have names, under their own group's Service; `peers` would join all
/// groups into one network), JAX (podwire's LeaderWorkerSets rendezvous
/// through the leader as torch and Ray do) and TPU slice pools (a slice's
/// hosts are one JobSet or StatefulSet here).
fn group_conflicts(
    checker: &mut Checker,
    path: &str,
    w: &spec::Workload,
    run: Run,
    framework: Option<Framework>,
    pool: Option<&Pool>,
) {
    let gp = at(path, ".groupSize");
    if run == Run::Job {
        checker.err(
            codes::GROUP_NOT_SERVICE,
            &gp,
            format!(
                "`groupSize` makes a LeaderWorkerSet of long-running server groups, and `{}` is a job",
                w.name
            ),
            Some("for a job across several pods use `replicas` (with `distributed`), or set `run: service`".to_string()),
        );
    }
    if w.peers == Some(true) {
        checker.err(
            codes::GROUP_CONFLICT,
            &at(path, ".peers"),
            "with `groupSize` each pod already has a name under its own group's Service; `peers` would let the pods of every group reach each other",
            Some("remove `peers`: the pods of a group reach each other on every port".to_string()),
        );
    }
    if framework == Some(Framework::Jax) {
        checker.err(
            codes::GROUP_CONFLICT,
            &at(path, ".distributed"),
            "`distributed: jax` is not supported with `groupSize`: the group's rendezvous env is torch's (`distributed: pytorch`), or the framework reads LeaderWorkerSet's own (`LWS_LEADER_ADDRESS`, `LWS_GROUP_SIZE`, `LWS_WORKER_INDEX`), as vLLM with Ray does",
            Some("use `distributed: pytorch`, or remove `distributed` and read the LWS_* env".to_string()),
        );
    }
    if let Some(p) = pool.filter(|p| p.tpu.is_some()) {
        checker.err(
            codes::GROUP_CONFLICT,
            &gp,
            format!(
                "pool `{}` is a TPU pool: podwire runs a slice's hosts as one workload of `replicas` pods, not as LeaderWorkerSet groups",
                p.name
            ),
            Some("remove `groupSize` (on a multi-host slice, set `replicas` to its hosts)".to_string()),
        );
    }
}

/// A workload on a multi-host TPU slice runs one pod on each host, each
/// taking all of its host's chips, as an Indexed Job or a peers StatefulSet.
fn multi_host_slice(
    checker: &mut Checker,
    path: &str,
    w: &spec::Workload,
    pool: &Pool,
    tpu: &model::PoolTpu,
    kind: Kind,
    replicas: u32,
) {
    let slice = if tpu.slices > 1 {
        format!(
            "each of the {} {} slices of pool `{}`",
            tpu.slices, tpu.topology, pool.name
        )
    } else {
        format!("the {} slice of pool `{}`", tpu.topology, pool.name)
    };
    if kind == Kind::Deployment {
        checker.err(
            codes::TPU_SLICE,
            &at(path, ".name"),
            format!("a Deployment cannot run {slice}: its pods have no stable index to find each other by"),
            Some("use `run: job`, or `peers: true` for a long-running workload".to_string()),
        );
    }
    if replicas != tpu.hosts {
        checker.err(
            codes::TPU_SLICE,
            &at(path, ".replicas"),
            format!(
                "{slice} has {} hosts, so the workload needs {} replicas (one per host{}), not {replicas}",
                tpu.hosts,
                tpu.hosts,
                if tpu.slices > 1 { ", counted per slice" } else { "" }
            ),
            Some(format!("set `replicas: {}`", tpu.hosts)),
        );
    }
    // (More chips than a host has is reported with the pool's other limits.)
    if let Some(n) = w.tpus.filter(|n| *n < tpu.chips_per_node) {
        checker.err(
            codes::TPU_SLICE,
            &at(path, ".tpus"),
            format!(
                "each pod on {slice} takes all {} chips of its host, not {n}",
                tpu.chips_per_node
            ),
            Some("remove `tpus` (the default is all chips of the host)".to_string()),
        );
    }
}

/// What a workload without `run` runs as: a `service` when it is exposed
/// through a load balancer; else a `job` when it is distributed training;
/// else a `service` when it listens on ports; else a `job`.
fn default_run(expose: Expose, distributed: Distributed, ports: &[spec::Port]) -> Run {
    match (expose, distributed) {
        (Expose::Internal | Expose::External, _) => Run::Service,
        (_, Distributed::Pytorch | Distributed::Jax) => Run::Job,
        _ if !ports.is_empty() => Run::Service,
        _ => Run::Job,
    }
}

/// Where a distributed workload meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rendezvous {
    /// The port named `rendezvous`.
    Named(u16),
    /// None is named so: the framework's default port, added.
    Added(u16),
    /// The default port is declared under another name (port index `by`):
    /// reusing it would put the store or coordinator beside another server.
    Taken { port: u16, by: usize },
}

fn rendezvous_port(framework: Framework, ports: &[model::Port]) -> Rendezvous {
    if let Some(p) = ports.iter().find(|p| p.name == "rendezvous") {
        return Rendezvous::Named(p.port);
    }
    let port = match framework {
        Framework::Pytorch => 29500,
        Framework::Jax => 8476,
    };
    match ports.iter().position(|p| p.port == port) {
        Some(by) => Rendezvous::Taken { port, by },
        None => Rendezvous::Added(port),
    }
}

/// The variables podwire injects for `framework` (torchrun reads every
/// `PET_*` as an argument, so all of them are its). Only JAX's three
/// injected names are refused: other `JAX_*` settings (`JAX_PLATFORMS`)
/// are the user's.
fn is_injected(framework: Framework, name: &str) -> bool {
    match framework {
        Framework::Pytorch => {
            matches!(
                name,
                "MASTER_ADDR"
                    | "MASTER_PORT"
                    | "NNODES"
                    | "NODE_RANK"
                    | "NPROC_PER_NODE"
                    | "WORLD_SIZE"
            ) || name.starts_with("PET_")
        }
        Framework::Jax => matches!(
            name,
            "JAX_COORDINATOR_ADDRESS" | "JAX_PROCESS_ID" | "JAX_NUM_PROCESSES"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(name: &str, port: u16) -> model::Port {
        model::Port {
            name: name.into(),
            port,
            protocol: Protocol::Tcp,
        }
    }

    #[test]
    fn run_defaults_follow_exposure_then_training_then_ports() {
        let some = [spec::Port {
            name: None,
            port: 80,
            protocol: None,
        }];
        let none: [spec::Port; 0] = [];
        use Distributed as D;
        use Expose as E;
        for (expose, distributed, ports, want) in [
            (E::Internal, D::None, &some[..], Run::Service),
            (E::External, D::Pytorch, &some[..], Run::Service),
            (E::Internal, D::Jax, &none[..], Run::Service),
            (E::Cluster, D::Pytorch, &some[..], Run::Job),
            (E::None, D::Jax, &none[..], Run::Job),
            (E::Cluster, D::None, &some[..], Run::Service),
            (E::None, D::None, &some[..], Run::Service),
            (E::Cluster, D::None, &none[..], Run::Job),
        ] {
            assert_eq!(
                default_run(expose, distributed, ports),
                want,
                "{expose:?} {distributed:?} {}",
                ports.len()
            );
        }
    }

    #[test]
    fn the_rendezvous_port_is_named_added_or_must_be_named() {
        let f = Framework::Pytorch;
        assert_eq!(
            rendezvous_port(f, &[port("metrics", 9090), port("rendezvous", 1234)]),
            Rendezvous::Named(1234)
        );
        assert_eq!(
            rendezvous_port(f, &[port("metrics", 9090)]),
            Rendezvous::Added(29500)
        );
        assert_eq!(rendezvous_port(f, &[]), Rendezvous::Added(29500));
        assert_eq!(
            rendezvous_port(Framework::Jax, &[port("http", 8000)]),
            Rendezvous::Added(8476)
        );
        assert_eq!(
            rendezvous_port(f, &[port("http", 80), port("store", 29500)]),
            Rendezvous::Taken { port: 29500, by: 1 }
        );
        assert_eq!(
            rendezvous_port(Framework::Jax, &[port("coord", 8476)]),
            Rendezvous::Taken { port: 8476, by: 0 }
        );
        // The other framework's default is free to use.
        assert_eq!(
            rendezvous_port(Framework::Jax, &[port("x", 29500)]),
            Rendezvous::Added(8476)
        );
    }

    #[test]
    fn injected_variables_are_the_frameworks() {
        for name in [
            "MASTER_ADDR",
            "MASTER_PORT",
            "NNODES",
            "NODE_RANK",
            "NPROC_PER_NODE",
            "WORLD_SIZE",
            "PET_NNODES",
            "PET_RDZV_ENDPOINT",
        ] {
            assert!(is_injected(Framework::Pytorch, name), "{name}");
            assert!(!is_injected(Framework::Jax, name), "{name}");
        }
        for name in [
            "JAX_COORDINATOR_ADDRESS",
            "JAX_PROCESS_ID",
            "JAX_NUM_PROCESSES",
        ] {
            assert!(is_injected(Framework::Jax, name), "{name}");
            assert!(!is_injected(Framework::Pytorch, name), "{name}");
        }
        for name in [
            "NCCL_DEBUG",
            "JAX_PLATFORMS",
            "MASTER",
            "master_addr",
            "PETS",
        ] {
            assert!(
                !is_injected(Framework::Pytorch, name) && !is_injected(Framework::Jax, name),
                "{name}"
            );
        }
    }
}
