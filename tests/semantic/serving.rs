//! Serving objects against the spec, read independently of podwire: every
//! HorizontalPodAutoscaler scales an existing Deployment or StatefulSet (a
//! LeaderWorkerSet for a `groupSize` workload) that
//! leaves its replica count to it, with the spec's bounds and target; every
//! PodDisruptionBudget selects exactly one workload's pods, all of them, and
//! exactly the workloads design.md gives one have one; probes ask the spec's
//! path on a TCP port the container declares by name, the startup probe for
//! as long as the spec allows; a metric's PodMonitoring scrapes a port of the
//! workload's pods; and only the peers' headless Services publish pods that
//! are not ready.

use serde_json::Value;
use std::collections::BTreeSet;

use crate::cluster::{Cluster, Labels};
use crate::expect::Expected;

/// The startup timeout design.md's model servers get by default: 30 minutes.
const DEFAULT_STARTUP: u64 = 1800;

fn kind(o: &Value) -> &str {
    o.get("kind").and_then(Value::as_str).unwrap_or_default()
}

fn name(o: &Value) -> &str {
    o.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn match_labels(selector: Option<&Value>) -> Option<Labels> {
    let m = selector?.get("matchLabels")?.as_object()?;
    Some(
        m.iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
            .collect(),
    )
}

/// The workloads (by owner name) whose pods a selector picks, and how many.
fn selected(cluster: &Cluster, ns: &str, sel: &Labels) -> (BTreeSet<String>, usize) {
    let mut owners = BTreeSet::new();
    let mut n = 0;
    for p in cluster.pods.iter().filter(|p| p.namespace == ns) {
        if !sel.is_empty() && sel.iter().all(|(k, v)| p.labels.get(k) == Some(v)) {
            n += 1;
            if let Some(o) = &p.owner {
                owners.insert(o.name.clone());
            }
        }
    }
    (owners, n)
}

/// `1h30m` / `20m` / `90s` in seconds.
fn seconds(text: &str) -> Option<u64> {
    let mut total = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits.parse().ok()?;
        digits.clear();
        total += n * match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
    }
    digits.is_empty().then_some(total)
}

fn int(v: Option<&Value>) -> Option<u64> {
    v.and_then(Value::as_u64)
}

/// The text of a quantity as a spec writes it (`10` or `"10"`).
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Problems found, as messages.
pub fn check(spec: &Value, objects: &[Value], cluster: &Cluster, exp: &Expected) -> Vec<String> {
    let mut out = Vec::new();
    let ns = exp.namespace.as_str();
    let in_ns = |o: &&Value| o.pointer("/metadata/namespace").and_then(Value::as_str) == Some(ns);
    let spec_workloads: Vec<&Value> = spec
        .get("workloads")
        .and_then(Value::as_array)
        .map(|v| v.iter().collect())
        .unwrap_or_default();

    // Autoscalers.
    let hpas: Vec<&Value> = objects
        .iter()
        .filter(in_ns)
        .filter(|o| kind(o) == "HorizontalPodAutoscaler")
        .collect();
    let mut targets = BTreeSet::new();
    for h in &hpas {
        let r = h
            .pointer("/spec/scaleTargetRef")
            .cloned()
            .unwrap_or(Value::Null);
        let (tk, tn) = (
            r.get("kind").and_then(Value::as_str).unwrap_or_default(),
            r.get("name").and_then(Value::as_str).unwrap_or_default(),
        );
        // A group workload's count is its LeaderWorkerSet's groups (the
        // CRD's scale subresource).
        let grouped = exp
            .workloads
            .iter()
            .any(|w| w.name == tn && w.group_size > 1);
        let api = r.get("apiVersion").and_then(Value::as_str);
        let ok = if grouped {
            tk == "LeaderWorkerSet" && api == Some("leaderworkerset.x-k8s.io/v1")
        } else {
            matches!(tk, "Deployment" | "StatefulSet") && api == Some("apps/v1")
        };
        if !ok {
            out.push(format!(
                "HPA {}: scales {tk} {tn}, not {}",
                name(h),
                if grouped {
                    "a leaderworkerset.x-k8s.io/v1 LeaderWorkerSet"
                } else {
                    "an apps/v1 Deployment or StatefulSet"
                }
            ));
            continue;
        }
        match objects
            .iter()
            .filter(in_ns)
            .find(|o| kind(o) == tk && name(o) == tn)
        {
            None => out.push(format!("HPA {}: no {tk} {tn}", name(h))),
            Some(t) if t.pointer("/spec/replicas").is_some() => out.push(format!(
                "HPA {}: {tk} {tn} sets spec.replicas, which a re-apply would reset",
                name(h)
            )),
            Some(_) => {}
        }
        if !targets.insert(tn.to_string()) {
            out.push(format!("{tn} has more than one HPA"));
        }
    }
    for (w, sw) in exp.workloads.iter().zip(&spec_workloads) {
        let hpa = hpas.iter().find(|h| {
            h.pointer("/spec/scaleTargetRef/name")
                .and_then(Value::as_str)
                == Some(&w.name)
        });
        match (w.autoscale, hpa) {
            (None, None) => {}
            (None, Some(_)) => out.push(format!("{}: an HPA, but no autoscale", w.name)),
            (Some(_), None) => out.push(format!("{}: autoscale, but no HPA", w.name)),
            (Some((min, max)), Some(h)) => {
                let spec_h = h.get("spec").cloned().unwrap_or(Value::Null);
                if int(spec_h.get("minReplicas")) != Some(u64::from(min))
                    || int(spec_h.get("maxReplicas")) != Some(u64::from(max))
                {
                    out.push(format!("{}: HPA bounds differ from {min}..{max}", w.name));
                }
                let metrics = spec_h
                    .get("metrics")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let cpu = int(sw.pointer("/autoscale/cpu"));
                let metric = sw.pointer("/autoscale/metric");
                let ok = match (cpu, metric, metrics.as_slice()) {
                    (Some(c), None, [m]) => {
                        m["type"] == "Resource"
                            && m["resource"]["name"] == "cpu"
                            && m["resource"]["target"]["type"] == "Utilization"
                            && int(m["resource"]["target"].get("averageUtilization")) == Some(c)
                    }
                    (None, Some(mt), [m]) => {
                        let want_name = format!(
                            "prometheus.googleapis.com|{}|gauge",
                            mt.get("name").and_then(Value::as_str).unwrap_or_default()
                        );
                        m["type"] == "Pods"
                            && m["pods"]["metric"]["name"] == want_name.as_str()
                            && m["pods"]["target"]["type"] == "AverageValue"
                            && text(m["pods"]["target"].get("averageValue"))
                                == text(mt.get("target"))
                    }
                    _ => false,
                };
                if !ok {
                    out.push(format!(
                        "{}: HPA metrics {metrics:?} are not the spec's",
                        w.name
                    ));
                }
                if metric.is_some() {
                    out.extend(pod_monitoring(objects, cluster, ns, &w.name, w.scrape));
                }
            }
        }
    }

    // Disruption budgets.
    let pdbs: Vec<&Value> = objects
        .iter()
        .filter(in_ns)
        .filter(|o| kind(o) == "PodDisruptionBudget")
        .collect();
    let mut budgeted = BTreeSet::new();
    for p in &pdbs {
        let Some(sel) = match_labels(p.pointer("/spec/selector")) else {
            out.push(format!("PDB {}: no matchLabels selector", name(p)));
            continue;
        };
        let (owners, n) = selected(cluster, ns, &sel);
        match owners.iter().next() {
            Some(o) if owners.len() == 1 => {
                let all = cluster
                    .pods
                    .iter()
                    .filter(|q| q.namespace == ns && q.owner.as_ref().is_some_and(|w| &w.name == o))
                    .count();
                if n != all {
                    out.push(format!(
                        "PDB {}: selects {n} of {o}'s {all} pods (or others)",
                        name(p)
                    ));
                }
                budgeted.insert(o.clone());
            }
            _ => out.push(format!("PDB {}: selects the pods of {owners:?}", name(p))),
        }
        let (mu, ma) = (
            p.pointer("/spec/maxUnavailable"),
            p.pointer("/spec/minAvailable"),
        );
        if mu.is_some() == ma.is_some() {
            out.push(format!(
                "PDB {}: needs exactly one of maxUnavailable and minAvailable",
                name(p)
            ));
        }
    }
    for (w, sw) in exp.workloads.iter().zip(&spec_workloads) {
        // design.md: a budget for long-running workloads of more than one
        // replica (at the autoscaler's most), or the one the spec gives. A
        // LeaderWorkerSet's replicas are its groups (design.md: `replicas:
        // 2  # replica groups`): one group of several pods has no default
        // budget, as evicting any of its pods restarts the whole group.
        let most = w
            .autoscale
            .map_or(w.replicas / w.group_size.max(1), |(_, max)| max);
        let want =
            !matches!(w.kind, "Job" | "JobSet") && (sw.get("disruption").is_some() || most > 1);
        if want != budgeted.contains(&w.name) {
            out.push(format!(
                "{}: {} PodDisruptionBudget",
                w.name,
                if want { "no" } else { "an unexpected" }
            ));
        }
        if let Some(d) = sw.get("disruption") {
            let pdb = pdbs.iter().find(|p| name(p) == w.name);
            for key in ["maxUnavailable", "minAvailable"] {
                let want = text(d.get(key));
                let got = pdb.and_then(|p| text(p.pointer(&format!("/spec/{key}"))));
                if want != got {
                    out.push(format!(
                        "{}: PDB {key} {got:?}, the spec says {want:?}",
                        w.name
                    ));
                }
            }
        } else if want {
            let pdb = pdbs.iter().find(|p| name(p) == w.name);
            if pdb.and_then(|p| int(p.pointer("/spec/maxUnavailable"))) != Some(1) {
                out.push(format!(
                    "{}: the default budget is maxUnavailable 1",
                    w.name
                ));
            }
        }
    }

    // Probes.
    for (w, sw) in exp.workloads.iter().zip(&spec_workloads) {
        let Some(obj) = objects
            .iter()
            .filter(in_ns)
            .find(|o| name(o) == w.name && kind(o) == w.kind)
        else {
            continue;
        };
        let containers = obj
            .pointer("/spec/template/spec/containers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let health = sw.get("health");
        for c in &containers {
            for probe in ["startupProbe", "readinessProbe", "livenessProbe"] {
                let Some(p) = c.get(probe) else {
                    if health.is_some() {
                        out.push(format!("{}: no {probe}", w.name));
                    }
                    continue;
                };
                let Some(h) = health else {
                    out.push(format!("{}: a {probe} without health", w.name));
                    continue;
                };
                let port = p.pointer("/httpGet/port");
                let named = port.and_then(Value::as_str).is_some_and(|n| {
                    c.get("ports").and_then(Value::as_array).is_some_and(|ps| {
                        ps.iter().any(|cp| {
                            cp.get("name").and_then(Value::as_str) == Some(n)
                                && cp.get("protocol").and_then(Value::as_str).unwrap_or("TCP")
                                    == "TCP"
                        })
                    })
                });
                if !named {
                    out.push(format!(
                        "{}: {probe} port {port:?} names no TCP container port",
                        w.name
                    ));
                }
                if p.pointer("/httpGet/path") != h.get("path") {
                    out.push(format!(
                        "{}: {probe} asks another path than {:?}",
                        w.name,
                        h.get("path")
                    ));
                }
                if probe == "startupProbe" {
                    let want = h
                        .get("startupTimeout")
                        .and_then(Value::as_str)
                        .and_then(seconds)
                        .unwrap_or(DEFAULT_STARTUP);
                    let waits = int(p.get("periodSeconds")).unwrap_or(10)
                        * int(p.get("failureThreshold")).unwrap_or(3);
                    let period = int(p.get("periodSeconds")).unwrap_or(10);
                    if waits < want || waits >= want + period {
                        out.push(format!(
                            "{}: the startup probe waits {waits}s, the spec {want}s",
                            w.name
                        ));
                    }
                }
            }
        }
    }

    // Only peers' headless Services publish pods that are not ready.
    for s in objects
        .iter()
        .filter(in_ns)
        .filter(|o| kind(o) == "Service")
    {
        let headless = s.pointer("/spec/clusterIP").and_then(Value::as_str) == Some("None");
        let publishes = s.pointer("/spec/publishNotReadyAddresses") == Some(&Value::Bool(true));
        if publishes && !headless {
            out.push(format!(
                "Service {} sends clients to pods that are not ready",
                name(s)
            ));
        }
    }
    out
}

/// A metric's PodMonitoring: selects the workload's pods (only them) and
/// scrapes, every so often, a port of theirs by name, the one the spec means.
fn pod_monitoring(
    objects: &[Value],
    cluster: &Cluster,
    ns: &str,
    workload: &str,
    scrape: Option<u16>,
) -> Vec<String> {
    let mut out = Vec::new();
    let pms: Vec<&Value> = objects
        .iter()
        .filter(|o| {
            kind(o) == "PodMonitoring"
                && o.get("apiVersion").and_then(Value::as_str)
                    == Some("monitoring.googleapis.com/v1")
                && o.pointer("/metadata/namespace").and_then(Value::as_str) == Some(ns)
        })
        .filter(|o| {
            match_labels(o.pointer("/spec/selector"))
                .is_some_and(|sel| selected(cluster, ns, &sel).0.contains(workload))
        })
        .collect();
    let [pm] = pms.as_slice() else {
        out.push(format!(
            "{workload}: {} PodMonitorings select it",
            pms.len()
        ));
        return out;
    };
    let sel = match_labels(pm.pointer("/spec/selector")).unwrap_or_default();
    if selected(cluster, ns, &sel).0.len() != 1 {
        out.push(format!(
            "PodMonitoring {}: selects other workloads' pods too",
            name(pm)
        ));
    }
    let endpoints = pm
        .pointer("/spec/endpoints")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let [e] = endpoints.as_slice() else {
        out.push(format!(
            "PodMonitoring {}: {} endpoints",
            name(pm),
            endpoints.len()
        ));
        return out;
    };
    if e.get("interval")
        .and_then(Value::as_str)
        .and_then(seconds)
        .is_none()
    {
        out.push(format!("PodMonitoring {}: no interval", name(pm)));
    }
    let port = e.get("port").and_then(Value::as_str).unwrap_or_default();
    let number = cluster
        .pods
        .iter()
        .find(|p| p.namespace == ns && p.owner.as_ref().is_some_and(|o| o.name == workload))
        .and_then(|p| {
            p.ports
                .iter()
                .find(|cp| cp.name.as_deref() == Some(port) && cp.protocol == "TCP")
        })
        .map(|cp| cp.port);
    if number.is_none() || number != scrape {
        out.push(format!(
            "PodMonitoring {}: scrapes `{port}` ({number:?}), the spec's port is {scrape:?}",
            name(pm)
        ));
    }
    out
}
