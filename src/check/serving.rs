//! Serving: a long-running workload's `health` (probes), `autoscale` (a
//! HorizontalPodAutoscaler) and `disruption` (a PodDisruptionBudget), checked
//! and resolved into the workload's model.

use super::capacity::{max_nodes, pod_footprint, pod_overhead};
use super::validate::{cpu_millis, memory_bytes};
use super::{at, Checker};
use crate::diag::{codes, did_you_mean};
use crate::model::{self, Amount, Disruption, Pool, Resource, ScaleOn, ScrapedMetric};
use crate::spec::{self, Budget, PortRef, Protocol};

/// The startup probe's default patience. A model server downloads its
/// weights and loads them onto the accelerators before it answers: a
/// Llama-3.1-8B in bf16 is ~16 GB and up in 2-5 minutes, a 70B is ~140 GB,
/// which at the 100-300 MB/s a pod typically pulls from Hugging Face or
/// Cloud Storage is 8-25 minutes before loading and CUDA-graph capture.
/// 30 minutes covers that cold start; a server still silent then is stuck,
/// and a longer wait only delays its restart.
pub(crate) const DEFAULT_STARTUP_SECONDS: u32 = 30 * 60;

/// The startup probe's period; the startup timeout is a whole number of them.
pub(crate) const STARTUP_PERIOD_SECONDS: u32 = 10;

/// The longest startup timeout podwire accepts.
const MAX_STARTUP_SECONDS: u64 = 24 * 3600;

/// Pods per node when nothing else limits them (GKE's default).
const DEFAULT_MAX_PODS: u32 = 110;

/// A duration written as `1h30m`, `20m`, `90s`: hours, minutes and seconds,
/// each at most once and in that order. In seconds.
pub(crate) fn duration_seconds(s: &str) -> Option<u64> {
    let mut rest = s;
    let mut total: u64 = 0;
    let mut last_unit = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        let (unit, scale) = match rest.as_bytes().get(digits) {
            Some(b'h') => (1, 3600),
            Some(b'm') => (2, 60),
            Some(b's') => (3, 1),
            _ => return None,
        };
        if unit <= last_unit {
            return None;
        }
        last_unit = unit;
        total = total.checked_add(n.checked_mul(scale)?)?;
        rest = &rest[digits + 1..];
    }
    (last_unit > 0).then_some(total)
}

/// A Prometheus metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
pub(crate) fn prometheus_name(s: &str) -> bool {
    let mut b = s.bytes();
    b.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_' || c == b':')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b':')
}

/// An absolute HTTP path a probe or a scrape can request.
pub(super) fn http_path(s: &str) -> bool {
    s.starts_with('/') && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// `N%` with N in 0..=100.
fn percent(s: &str) -> Option<u32> {
    let n: u32 = s.strip_suffix('%')?.parse().ok()?;
    (n <= 100 && s.len() <= 4).then_some(n)
}

/// The declared ports as (name, number, protocol), names defaulted.
pub(super) fn declared_ports(w: &spec::Workload) -> Vec<(String, u16, Protocol)> {
    w.ports
        .iter()
        .map(|p| {
            (
                p.name.clone().unwrap_or_else(|| format!("p{}", p.port)),
                p.port,
                p.protocol.unwrap_or_default(),
            )
        })
        .collect()
}

/// Which declared port a `PortRef` means: by name, or by number (a TCP port
/// of that number first).
fn find_port<'p>(
    ports: &'p [(String, u16, Protocol)],
    r: &PortRef,
) -> Option<&'p (String, u16, Protocol)> {
    match r {
        PortRef::Name(n) => ports.iter().find(|p| &p.0 == n),
        PortRef::Number(n) => ports
            .iter()
            .find(|p| p.1 == *n && p.2 == Protocol::Tcp)
            .or_else(|| ports.iter().find(|p| p.1 == *n)),
    }
}

fn shown(r: &PortRef) -> String {
    match r {
        PortRef::Name(n) => format!("`{n}`"),
        PortRef::Number(n) => n.to_string(),
    }
}

/// Resolves the port an HTTP endpoint is served on: the named or numbered
/// one, else (`fallback`, else the only declared port). `None` after
/// reporting why not.
pub(super) fn http_port(
    checker: &mut Checker,
    code: &'static str,
    field: &str,
    given: Option<&PortRef>,
    fallback: Option<&str>,
    ports: &[(String, u16, Protocol)],
    what: &str,
) -> Option<String> {
    let port = match given {
        Some(r) => match find_port(ports, r) {
            Some(p) => p,
            None => {
                let help = match r {
                    PortRef::Name(n) => did_you_mean(n, ports.iter().map(|p| p.0.as_str()))
                        .map(|s| format!("did you mean `{s}`?")),
                    PortRef::Number(_) => None,
                }
                .or_else(|| {
                    (!ports.is_empty()).then(|| {
                        let names: Vec<String> =
                            ports.iter().map(|p| format!("{} ({})", p.0, p.1)).collect();
                        format!("the workload's ports: {}", names.join(", "))
                    })
                })
                .unwrap_or_else(|| "declare it in `ports`".to_string());
                checker.err(
                    code,
                    field,
                    format!(
                        "{what} port {} is not one of the workload's ports",
                        shown(r)
                    ),
                    Some(help),
                );
                return None;
            }
        },
        None => {
            if let Some(name) = fallback {
                return Some(name.to_string());
            }
            match ports {
                [only] => only,
                [] => {
                    checker.err(
                        code,
                        field,
                        format!("{what} needs a port, and the workload declares none"),
                        Some("add `ports: [{name: http, port: 8000}]`".to_string()),
                    );
                    return None;
                }
                _ => {
                    checker.err(
                        code,
                        field,
                        format!(
                            "{what} needs `port`: the workload has {} ports",
                            ports.len()
                        ),
                        Some(format!("add `port: {}` (or another of them)", ports[0].0)),
                    );
                    return None;
                }
            }
        }
    };
    if port.2 != Protocol::Tcp {
        checker.err(
            codes::NOT_TCP,
            field,
            format!(
                "{what} is HTTP, but port `{}` ({}) is {}",
                port.0,
                port.1,
                port.2.as_str()
            ),
            Some("serve it on a TCP port".to_string()),
        );
        return None;
    }
    Some(port.0.clone())
}

/// Whether a workload is long-running, when it is known.
fn long_running(wl: Option<&model::Workload>) -> Option<bool> {
    wl.map(|w| !w.kind.is_job())
}

/// Check `health`, `autoscale` and `disruption` of workload `w` (at `path`)
/// and fill them into its resolved model `wl`, when it resolved; `pool` is
/// its pool. Also sets the replica count an autoscaled workload starts with.
pub(super) fn check_serving(
    checker: &mut Checker,
    path: &str,
    w: &spec::Workload,
    wl: Option<&mut model::Workload>,
    pool: Option<&Pool>,
) {
    let ports = declared_ports(w);
    let serving = long_running(wl.as_deref());
    let job_only = |checker: &mut Checker, field: &str, what: &str| {
        checker.err(
            codes::SERVING_ONLY,
            &at(path, field),
            format!(
                "`{what}` is for long-running workloads, and `{}` is a job",
                w.name
            ),
            Some(format!("set `run: service`, or remove `{what}`")),
        );
    };

    // Health.
    let mut health = None;
    if let Some(h) = &w.health {
        let hp = at(path, ".health");
        if serving == Some(false) {
            job_only(checker, ".health", "health");
        }
        if !http_path(&h.path) {
            checker.err(
                codes::BAD_HTTP_PATH,
                &at(&hp, ".path"),
                format!("{:?} is not an HTTP path", h.path),
                Some("an absolute path without spaces, e.g. `/health`".to_string()),
            );
        }
        let startup = match &h.startup_timeout {
            None => Some(DEFAULT_STARTUP_SECONDS),
            Some(t) => match duration_seconds(t) {
                Some(s)
                    if (u64::from(STARTUP_PERIOD_SECONDS)..=MAX_STARTUP_SECONDS).contains(&s) =>
                {
                    u32::try_from(s).ok()
                }
                Some(_) => {
                    checker.err(
                        codes::BAD_DURATION,
                        &at(&hp, ".startupTimeout"),
                        format!("a startup timeout of {t} is outside 10s to 24h"),
                        None,
                    );
                    None
                }
                None => {
                    checker.err(
                        codes::BAD_DURATION,
                        &at(&hp, ".startupTimeout"),
                        format!("{t:?} is not a duration"),
                        Some(
                            "hours, minutes and seconds, in that order: `90s`, `20m`, `1h30m`"
                                .to_string(),
                        ),
                    );
                    None
                }
            },
        };
        let port = http_port(
            checker,
            codes::HEALTH_PORT,
            &at(&hp, if h.port.is_some() { ".port" } else { "" }),
            h.port.as_ref(),
            None,
            &ports,
            "the health endpoint",
        );
        if let (Some(port), Some(startup_seconds)) = (port, startup) {
            health = Some(model::Health {
                path: h.path.clone(),
                port,
                startup_seconds,
            });
        }
    }

    // Autoscaling.
    let mut autoscale = None;
    if let Some(a) = &w.autoscale {
        let ap = at(path, ".autoscale");
        if serving == Some(false) {
            job_only(checker, ".autoscale", "autoscale");
        }
        let min = a.min.unwrap_or(1);
        let mut ok = true;
        if a.min == Some(0) {
            ok = false;
            checker.err(
                codes::AUTOSCALE_ZERO,
                &at(&ap, ".min"),
                "a HorizontalPodAutoscaler cannot scale to zero pods on GKE",
                Some("use `min: 1` or more (scaling to zero needs Kubernetes' alpha HPAScaleToZero gate, which GKE does not turn on)".to_string()),
            );
        } else if min > a.max {
            ok = false;
            checker.err(
                codes::AUTOSCALE_RANGE,
                &at(&ap, ".min"),
                format!("`min: {min}` is more than `max: {}`", a.max),
                None,
            );
        }
        if let Some(r) = w.replicas {
            let rp = at(path, ".replicas");
            if ok && (r < min || r > a.max) {
                checker.err(
                    codes::AUTOSCALE_REPLICAS,
                    &rp,
                    format!("`replicas: {r}` is outside the autoscaler's {min}..{}", a.max),
                    Some("remove `replicas`: with `autoscale`, the workload starts at `min` pods and the autoscaler owns the count".to_string()),
                );
            } else if ok {
                checker.warn(
                    codes::AUTOSCALE_REPLICAS,
                    &rp,
                    "`replicas` is not used with `autoscale`: the workload starts at `min` pods and the autoscaler owns the count",
                    Some("remove `replicas`".to_string()),
                );
            }
        }
        // (A LeaderWorkerSet's rendezvous is within each group, whose size
        // is fixed; the autoscaler adds and removes whole groups.)
        if w.distributed.is_some_and(|d| d != spec::Distributed::None)
            && w.group_size.unwrap_or(1) <= 1
        {
            ok = false;
            checker.err(
                codes::FIXED_SIZE,
                &ap,
                "a distributed workload cannot autoscale: its rendezvous env fixes the number of pods",
                Some("remove `autoscale`, or `distributed`".to_string()),
            );
        } else if let Some(t) = pool.and_then(|p| p.tpu.as_ref()).filter(|t| t.hosts > 1) {
            ok = false;
            checker.err(
                codes::FIXED_SIZE,
                &ap,
                format!(
                    "a workload on a multi-host TPU slice runs exactly {} pods (one per host) and cannot autoscale",
                    t.hosts
                ),
                Some("remove `autoscale`".to_string()),
            );
        }
        let target = match (&a.cpu, &a.metric) {
            (Some(_), Some(_)) => {
                checker.err(
                    codes::AUTOSCALE_TARGET,
                    &ap,
                    "`autoscale` takes one target: `cpu` or `metric`, not both",
                    Some(
                        "a model server's load is its queue, not its CPU: keep `metric`"
                            .to_string(),
                    ),
                );
                None
            }
            (None, None) => {
                checker.err(
                    codes::AUTOSCALE_TARGET,
                    &ap,
                    "`autoscale` needs a target: `cpu` (percent of `resources.cpu`) or `metric`",
                    Some(
                        "e.g. `metric: {name: vllm:num_requests_waiting, target: 10}`".to_string(),
                    ),
                );
                None
            }
            (Some(cpu), None) => {
                let has_request = w.resources.as_ref().is_some_and(|r| r.cpu.is_some());
                if !has_request {
                    checker.err(
                        codes::AUTOSCALE_CPU_REQUEST,
                        &at(&ap, ".cpu"),
                        format!("`cpu: {cpu}` is a percentage of the pods' CPU request, and the workload requests none"),
                        Some("set `resources.cpu` (e.g. `resources: {cpu: \"4\"}`)".to_string()),
                    );
                    None
                } else {
                    Some(ScaleOn::Cpu(*cpu))
                }
            }
            (None, Some(m)) => metric(checker, &at(&ap, ".metric"), m, &ports, health.as_ref()),
        };
        if let (true, Some(target)) = (ok, target) {
            autoscale = Some(model::Autoscale {
                min,
                max: a.max,
                target,
            });
        }
    }

    // Disruption.
    let mut disruption = None;
    if let Some(d) = &w.disruption {
        let dp = at(path, ".disruption");
        if serving == Some(false) {
            job_only(checker, ".disruption", "disruption");
        }
        let amount = |checker: &mut Checker, field: &str, b: &Budget| match b {
            Budget::Count(n) => Some(Amount::Count(*n)),
            Budget::Percent(p) => match percent(p) {
                Some(n) => Some(Amount::Percent(n)),
                None => {
                    checker.err(
                        codes::DISRUPTION_FORM,
                        &at(&dp, field),
                        format!("{p:?} is neither a count nor a percentage from 0% to 100%"),
                        Some("e.g. `1` or `25%`".to_string()),
                    );
                    None
                }
            },
        };
        disruption = match (&d.max_unavailable, &d.min_available) {
            (Some(b), None) => {
                amount(checker, ".maxUnavailable", b).map(Disruption::MaxUnavailable)
            }
            (None, Some(b)) => amount(checker, ".minAvailable", b).map(Disruption::MinAvailable),
            (both, _) => {
                checker.err(
                    codes::DISRUPTION_FORM,
                    &dp,
                    if both.is_some() {
                        "`disruption` takes one of `maxUnavailable` and `minAvailable`, not both"
                    } else {
                        "`disruption` needs `maxUnavailable` or `minAvailable`"
                    },
                    Some("e.g. `disruption: {maxUnavailable: 1}`".to_string()),
                );
                None
            }
        };
        // Fewest pods the budget will govern.
        let pods = autoscale
            .as_ref()
            .map_or(w.replicas.unwrap_or(1), |a| a.min)
            .saturating_mul(w.group_size.unwrap_or(1).max(1));
        if let Some(rule) = disruption.filter(|_| serving == Some(true) && pods > 0) {
            if rule.allowed(pods) == 0 {
                let field = match rule {
                    Disruption::MaxUnavailable(_) => ".maxUnavailable",
                    Disruption::MinAvailable(_) => ".minAvailable",
                };
                checker.warn(
                    codes::DISRUPTION_BLOCKS,
                    &at(&dp, field),
                    format!(
                        "at {pods} pod{} this budget lets no pod be evicted: node drains and cluster-autoscaler scale-down are blocked, and each GKE node upgrade waits an hour for the pods and then evicts them anyway",
                        if pods == 1 { "" } else { "s" }
                    ),
                    Some(match rule {
                        Disruption::MaxUnavailable(_) => "allow at least one: `maxUnavailable: 1`".to_string(),
                        Disruption::MinAvailable(_) => format!("keep `minAvailable` below the {pods} pods, or use `maxUnavailable: 1`"),
                    }),
                );
            }
        }
    }

    let Some(wl) = wl else { return };
    if wl.kind.is_job() {
        return;
    }
    match (&autoscale, pool) {
        (Some(a), Some(pool)) => fits_max(
            checker,
            codes::AUTOSCALE_CAPACITY,
            &at(path, ".autoscale.max"),
            wl,
            a.max,
            pool,
        ),
        // Every group at once: a group that does not fit whole never serves.
        (None, Some(pool)) if wl.group_size > 1 => fits_max(
            checker,
            codes::GROUP_CAPACITY,
            &at(path, ".groupSize"),
            wl,
            wl.replicas,
            pool,
        ),
        _ => {}
    }
    if let Some(a) = &autoscale {
        wl.replicas = a.min;
    }
    let most = autoscale.as_ref().map_or(wl.replicas, |a| a.max);
    wl.health = health;
    wl.disruption = disruption.or_else(|| {
        (w.disruption.is_none() && most > 1).then_some(Disruption::MaxUnavailable(Amount::Count(1)))
    });
    wl.autoscale = autoscale;
}

/// The metric to autoscale on: a Prometheus gauge name, a positive target
/// and the HTTP endpoint the collector scrapes.
fn metric(
    checker: &mut Checker,
    mp: &str,
    m: &spec::Metric,
    ports: &[(String, u16, Protocol)],
    health: Option<&model::Health>,
) -> Option<ScaleOn> {
    let mut ok = true;
    if !prometheus_name(&m.name) {
        ok = false;
        checker.err(
            codes::BAD_METRIC,
            &at(mp, ".name"),
            format!("`{}` is not a Prometheus metric name", m.name),
            Some("letters, digits, '_' and ':', not starting with a digit, e.g. `vllm:num_requests_waiting`".to_string()),
        );
    }
    let positive = cpu_millis(&m.target)
        .or_else(|| memory_bytes(&m.target).map(|b| b.saturating_mul(1000)))
        .is_some_and(|v| v > 0);
    if !positive {
        ok = false;
        checker.err(
            codes::BAD_METRIC,
            &at(mp, ".target"),
            format!("`{}` is not a positive quantity", m.target),
            Some(
                "the average value per pod to keep the metric at, e.g. `10` or `500m`".to_string(),
            ),
        );
    }
    let path = m.path.clone().unwrap_or_else(|| "/metrics".to_string());
    if !http_path(&path) {
        ok = false;
        checker.err(
            codes::BAD_HTTP_PATH,
            &at(mp, ".path"),
            format!("{path:?} is not an HTTP path"),
            Some("an absolute path without spaces, e.g. `/metrics`".to_string()),
        );
    }
    let port = http_port(
        checker,
        codes::METRIC_PORT,
        &if m.port.is_some() {
            at(mp, ".port")
        } else {
            mp.to_string()
        },
        m.port.as_ref(),
        health.map(|h| h.port.as_str()),
        ports,
        "the metrics endpoint",
    );
    let port = port.filter(|_| ok)?;
    Some(ScaleOn::Metric(ScrapedMetric {
        name: m.name.clone(),
        target: m.target.clone(),
        port,
        path,
    }))
}

/// How many of the workload's pods one node of `pool` holds, and what
/// limits it: accelerators, CPU, memory, else the pods-per-node limit.
/// `None` when not even one fits (reported elsewhere).
fn pods_per_node(wl: &model::Workload, pool: &Pool) -> Option<(u64, String)> {
    let mut best: Option<(u64, String)> = None;
    let mut limit = |n: u64, why: String| {
        if best.as_ref().is_none_or(|(b, _)| n < *b) {
            best = Some((n, why));
        }
    };
    if let Some(g) = pool.gpu.as_ref().filter(|_| wl.gpus > 0) {
        limit(
            u64::from(g.count / wl.gpus),
            format!(
                "{} GPU{} each, a node has {}",
                wl.gpus,
                if wl.gpus == 1 { "" } else { "s" },
                g.count
            ),
        );
    }
    if let Some(t) = pool.tpu.as_ref().filter(|_| wl.tpus > 0) {
        limit(
            u64::from(t.chips_per_node / wl.tpus),
            format!(
                "{} TPU chips each, a node has {}",
                wl.tpus, t.chips_per_node
            ),
        );
    }
    // What a pod takes from the node: its requests, the FUSE sidecar's and
    // any file cache it keeps in memory.
    let (cpu, memory) = pod_footprint(wl);
    let (_, cached) = pod_overhead(wl);
    let beside = |n: u64| {
        if n > 0 {
            format!(
                " (with {} MiB for Cloud Storage FUSE: sidecar and file cache in memory)",
                n >> 20
            )
        } else {
            String::new()
        }
    };
    if let Some(v) = pool.vcpus {
        if let Some(n) = (u64::from(v) * 1000).checked_div(cpu) {
            limit(
                n,
                format!("{} CPUs each, a node has {v}", Resource::Cpu.quantity(cpu)),
            );
        }
    }
    if let Some(mib) = pool.memory_mib {
        if let Some(n) = (mib << 20).checked_div(memory) {
            limit(
                n,
                format!(
                    "{} memory each{}, a node has {} GiB",
                    Resource::Memory.quantity(memory),
                    beside(cached),
                    mib / 1024
                ),
            );
        }
    }
    let max_pods = pool.max_pods_per_node.unwrap_or(DEFAULT_MAX_PODS);
    limit(
        u64::from(max_pods),
        format!("at most {max_pods} pods per node"),
    );
    best.filter(|(n, _)| *n > 0)
}

/// Warn when `max` replicas of `wl` (`max` pods, or `max` groups of
/// `group_size` pods) cannot all run on `pool` at its largest.
fn fits_max(
    checker: &mut Checker,
    code: &'static str,
    field: &str,
    wl: &model::Workload,
    max: u32,
    pool: &Pool,
) {
    let Some((per_node, why)) = pods_per_node(wl, pool) else {
        return;
    };
    let group = u64::from(wl.group_size.max(1));
    let pods = u64::from(max) * group;
    let need = pods.div_ceil(per_node);
    let have = max_nodes(pool);
    if need <= have {
        return;
    }
    let zones = u64::from(pool.zone_count.max(1));
    let (what, lower, fit) = if group > 1 {
        (
            format!(
                "{max} group{} of {group} pods ({pods} pods)",
                if max == 1 { "" } else { "s" }
            ),
            if code == codes::AUTOSCALE_CAPACITY {
                "`autoscale.max`"
            } else {
                "`replicas`"
            },
            format!("{} groups", have * per_node / group),
        )
    } else {
        (
            format!("{max} pods"),
            "`autoscale.max`",
            (have * per_node).to_string(),
        )
    };
    checker.warn(
        code,
        field,
        format!(
            "{what} need {need} nodes of pool `{}` ({per_node} per {} node: {why}), but the pool has at most {have}",
            pool.name, pool.machine_type
        ),
        Some(format!(
            "set the pool's `autoscaling.max` to {} (per zone, {zones} zone{}), or lower {lower} to {fit}; pods beyond the pool stay Pending",
            need.div_ceil(zones),
            if zones == 1 { "" } else { "s" },
        )),
    );
}

#[cfg(test)]
#[path = "serving_tests.rs"]
mod tests;
