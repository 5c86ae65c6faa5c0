//! Workloads: name, pool, run kind, replicas, accelerators, resources,
//! env, ports, the rendezvous port, Services and generated-name lengths.
//! The checks of one concern each are in the submodules: accelerators and
//! resources per pod, env names, ports, and groups and multi-host slices.

mod env;
mod groups;
mod ports;
mod resources;

use super::validate::{dns1035, image_reference, service_account_email};
use super::{at, Checker};
use crate::diag::{codes, did_you_mean};
use crate::model::{self, Framework, Kind, Pool};
use crate::spec::{self, Distributed, Expose, Run};

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
        groups::group_conflicts(checker, path, w, run, framework, pool);
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
    let (gpus, tpus) = resources::accelerators(checker, path, w, pool);

    // Resources.
    let res = resources::resources(checker, path, w, pool);
    env::check_names(checker, path, w, framework, multislice);

    // Ports.
    let (ports, distributed) = ports::ports(checker, path, w, framework, multislice);

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
            groups::multi_host_slice(checker, path, w, pool, t, kind, replicas);
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
